/* test_ckpt.c — the .gtck checkpoint: bit-exact round trips, an error that
 * says what is wrong for every corrupted byte and every truncation, shape
 * checks, atomic replacement, and the `info` printout. */
#include <dirent.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/ckpt.h"
#include "gantrain/cli_info.h"
#include "gantrain/crc.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/nn.h"
#include "gantrain/optim.h"
#include "test.h"

static const char *tmp_path(const char *name) {
    static char buf[4][700];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", gt_test_tmpdir(), name);
    return b;
}

/* A small G: linear + batch norm (so the block has buffers) + linear. */
static gt_params *make_block(const char *prefix, int hidden, uint64_t seed) {
    gt_rng r;
    gt_rng_seed(&r, seed);
    gt_params *p = gt_params_new(prefix);
    gt_linear_layer l1, l2;
    gt_batchnorm_layer bn;
    gt_linear_layer_make(&l1, p, "fc1", 5, hidden, 1);
    gt_batchnorm_layer_make(&bn, p, "bn1", hidden, 1e-5f, 0.1f);
    gt_linear_layer_make(&l2, p, "fc2", hidden, 3, 0);
    gt_params_seal(p, &r);
    /* running statistics that are not their initial values */
    for (int64_t i = p->n_values; i < p->n_values + p->n_buffers; i++)
        p->data[i] = gt_rng_normal(&r);
    return p;
}

static void fill_optim(gt_optim *o, uint64_t seed) {
    gt_rng r;
    gt_rng_seed(&r, seed);
    gt_rng_fill_normal(&r, o->s1, o->n, 0, 1);
    if (o->s2) gt_rng_fill_uniform(&r, o->s2, o->n, 0, 1);
    if (o->s3) gt_rng_fill_uniform(&r, o->s3, o->n, 0, 1);
    o->step = 1234;
}

/* more than one streaming chunk (16384 values) */
#define RAMP 20000

static const char *CONFIG = "[model]\narch = mlp\nhidden = 7\n\n[train]\nsteps = 100\n";

/* Writes a checkpoint with every kind of content; returns the pieces for comparison. */
typedef struct fixture {
    gt_params *g;
    gt_optim *o;
    gt_rng rng;
    float scalar;
    float *filled; /* what the fill callback produced */
} fixture;

static int fill_ramp(void *ctx, float *buf, int64_t start, int64_t n) {
    (void)ctx;
    for (int64_t i = 0; i < n; i++) buf[i] = (float)(start + i) * 0.25f - 3.0f;
    return GT_OK;
}

static int write_fixture(fixture *fx, const char *path) {
    fx->g = make_block("g", 7, 42);
    fx->o = gt_optim_new(gt_optim_defaults(GT_OPTIM_ADAM, 1e-3), fx->g);
    fill_optim(fx->o, 7);
    gt_rng_seed(&fx->rng, 99);
    gt_rng_normal(&fx->rng); /* leaves a spare normal in the state */
    fx->scalar = -0.0f;
    fx->filled = gt_xmalloc(RAMP * sizeof(float));
    fill_ramp(NULL, fx->filled, 0, RAMP);

    gt_ckpt_writer *w = gt_ckpt_writer_new(CONFIG);
    gt_ckpt_put_i64(w, "step", 1000);
    gt_ckpt_put_i64(w, "epoch", -3);
    gt_ckpt_put_f64(w, "kt", 0.1);
    gt_ckpt_put_str(w, "note", "hello, world");
    gt_ckpt_put_blob(w, "empty", "", 0);
    gt_ckpt_put_rng(w, "rng", &fx->rng);
    gt_ckpt_add_params(w, fx->g);
    gt_ckpt_add_optim(w, "opt_g", fx->o, fx->g);
    gt_ckpt_add(w, "scalar", 0, NULL, &fx->scalar);
    gt_ckpt_add_fill(w, "ramp", 2, (int[]){100, RAMP / 100}, fill_ramp, NULL);
    int rc = gt_ckpt_write(w, path);
    gt_ckpt_writer_free(w);
    return rc;
}

static void free_fixture(fixture *fx) {
    gt_optim_free(fx->o);
    gt_params_free(fx->g);
    free(fx->filled);
}

/* Opens, verifies and loads everything; GT_OK when the loaded content
 * equals the fixture bit for bit. */
static int load_and_compare(const char *path, const fixture *fx, int *differs) {
    *differs = 0;
    gt_ckpt *ck = gt_ckpt_open(path);
    if (!ck) return GT_ERR;
    int rc = GT_ERR;
    gt_params *g = make_block("g", 7, 1);
    gt_optim *o = gt_optim_new(gt_optim_defaults(GT_OPTIM_ADAM, 1e-3), g);
    float *ramp = gt_xmalloc(RAMP * sizeof(float));
    float scalar;
    gt_rng r;
    int64_t step, epoch;
    double kt;
    const char *note;
    if (gt_ckpt_verify(ck) || gt_ckpt_load_params(ck, g) || gt_ckpt_load_optim(ck, "opt_g", o, g) ||
        gt_ckpt_read(ck, "scalar", 0, NULL, &scalar) ||
        gt_ckpt_read(ck, "ramp", 2, (int[]){100, RAMP / 100}, ramp) || gt_ckpt_get_rng(ck, "rng", &r) ||
        gt_ckpt_get_i64(ck, "step", &step) || gt_ckpt_get_i64(ck, "epoch", &epoch) ||
        gt_ckpt_get_f64(ck, "kt", &kt) || gt_ckpt_get_str(ck, "note", &note))
        goto out;
    rc = GT_OK;
    size_t nd = (size_t)(g->n_values + g->n_buffers) * sizeof(float);
    size_t ns = (size_t)o->n * sizeof(float);
    *differs = memcmp(g->data, fx->g->data, nd) || memcmp(o->s1, fx->o->s1, ns) ||
               memcmp(o->s2, fx->o->s2, ns) || o->step != fx->o->step ||
               memcmp(&scalar, &fx->scalar, 4) || memcmp(ramp, fx->filled, RAMP * 4) ||
               memcmp(r.s, fx->rng.s, sizeof r.s) || r.has_spare != fx->rng.has_spare ||
               memcmp(&r.spare, &fx->rng.spare, 4) || step != 1000 || epoch != -3 || kt != 0.1 ||
               strcmp(note, "hello, world") || strcmp(gt_ckpt_config(ck), CONFIG);
out:
    free(ramp);
    gt_optim_free(o);
    gt_params_free(g);
    gt_ckpt_close(ck);
    return rc;
}

/* Plain (non-atomic, unsynced) write: the corruption loops write thousands
 * of variants and fsync would dominate their time. */
static int put_file(const char *path, const void *d, size_t n) {
    FILE *f = fopen(path, "wb");
    if (!f) return GT_ERR;
    size_t w = n ? fwrite(d, 1, n, f) : 0;
    return fclose(f) == 0 && w == n ? GT_OK : GT_ERR;
}

/* Overwrites one byte in place. */
static int poke(const char *path, size_t at, unsigned char v) {
    FILE *f = fopen(path, "r+b");
    if (!f) return GT_ERR;
    int ok = fseek(f, (long)at, SEEK_SET) == 0 && fputc(v, f) != EOF;
    return fclose(f) == 0 && ok ? GT_OK : GT_ERR;
}

static char *slurp(const char *path, size_t *n) {
    char *d = NULL;
    if (gt_read_file(path, &d, n)) return NULL;
    return d;
}

GT_TEST(ckpt_crc32_known_values) {
    CHECK(gt_crc32(0, "123456789", 9) == 0xCBF43926u);
    CHECK(gt_crc32(gt_crc32(0, "1234", 4), "56789", 5) == 0xCBF43926u);
    CHECK(gt_crc32(0, "", 0) == 0);
}

GT_TEST(ckpt_roundtrip_bit_exact) {
    fixture fx;
    const char *path = tmp_path("a.gtck");
    CHECKF(write_fixture(&fx, path) == GT_OK, "%s", gt_error());
    int differs;
    CHECKF(load_and_compare(path, &fx, &differs) == GT_OK, "%s", gt_error());
    CHECK(!differs);

    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    CHECK(gt_ckpt_version(ck) == GT_CKPT_VERSION);
    /* the table: params (values, then buffers, in block order), 2 x optimizer
     * slices of the 3 trainable tensors, the scalar, the ramp */
    CHECK(gt_ckpt_n_tensors(ck) == fx.g->n + 2 * 5 + 2);
    for (int i = 0; i < fx.g->n; i++) CHECK(!strcmp(gt_ckpt_tensor_at(ck, i)->name, fx.g->t[i]->name));
    const gt_ckpt_tensor *t = gt_ckpt_find(ck, "opt_g/s2/g.fc1.weight");
    CHECK(t && t->ndim == 2 && t->shape[0] == 7 && t->shape[1] == 5 && t->numel == 35);
    t = gt_ckpt_find(ck, "scalar");
    CHECK(t && t->ndim == 0 && t->numel == 1 && t->nbytes == 4);
    for (int i = 0; i < gt_ckpt_n_tensors(ck); i++)
        CHECK(gt_ckpt_tensor_at(ck, i)->offset % GT_CKPT_ALIGN == 0);
    /* metadata in insertion order, with types */
    CHECK(gt_ckpt_n_meta(ck) == 6 + 3);
    CHECK(!strcmp(gt_ckpt_meta_at(ck, 0)->key, "step") && gt_ckpt_meta_at(ck, 0)->i == 1000);
    const gt_ckpt_meta *m = gt_ckpt_meta_find(ck, "empty");
    CHECK(m && m->type == GT_META_BLOB && m->len == 0);
    m = gt_ckpt_meta_find(ck, "opt_g.kind");
    CHECK(m && m->type == GT_META_STR && !strcmp(m->data, "adam"));
    double d;
    CHECK(gt_ckpt_get_f64(ck, "step", &d) == GT_OK && d == 1000.0); /* ints widen */
    gt_ckpt_close(ck);

    /* the writer can write the same content again: same bytes */
    size_t n1, n2;
    char *a = slurp(path, &n1);
    const char *path2 = tmp_path("b.gtck");
    fixture fx2;
    CHECK(write_fixture(&fx2, path2) == GT_OK);
    char *b = slurp(path2, &n2);
    CHECK(a && b && n1 == n2 && !memcmp(a, b, n1));
    free(a);
    free(b);
    free_fixture(&fx2);
    free_fixture(&fx);
}

GT_TEST(ckpt_empty_checkpoint) {
    const char *path = tmp_path("e.gtck");
    gt_ckpt_writer *w = gt_ckpt_writer_new(NULL);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECKF(ck, "%s", gt_error());
    CHECK(gt_ckpt_n_tensors(ck) == 0 && gt_ckpt_n_meta(ck) == 0 && !strcmp(gt_ckpt_config(ck), ""));
    CHECK(gt_ckpt_verify(ck) == GT_OK);
    gt_ckpt_close(ck);
}

/* Byte ranges of the regions of a checkpoint file, read from its header. */
static uint64_t le(const unsigned char *p, int n) {
    uint64_t v = 0;
    for (int i = 0; i < n; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}

GT_TEST(ckpt_every_corrupted_byte_is_caught) {
    fixture fx;
    const char *path = tmp_path("c.gtck"), *bad = tmp_path("bad.gtck");
    CHECK(write_fixture(&fx, path) == GT_OK);
    size_t n;
    unsigned char *orig = (unsigned char *)slurp(path, &n);
    CHECK(orig);
    uint64_t index_end = 64 + le(orig + 24, 8);
    CHECK(put_file(bad, orig, n) == GT_OK);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    int nt = gt_ckpt_n_tensors(ck);
    int caught = 0, harmless = 0;
    for (size_t i = 0; i < n; i++) {
        /* the large ramp tensor: every 97th byte is enough and keeps it fast */
        const gt_ckpt_tensor *in = NULL;
        for (int k = 0; k < nt; k++) {
            const gt_ckpt_tensor *t = gt_ckpt_tensor_at(ck, k);
            if (i >= t->offset && i < t->offset + t->nbytes) in = t;
        }
        if (in && !strcmp(in->name, "ramp") && i % 97 && i != in->offset + in->nbytes - 1) continue;
        for (int pat = 0; pat < 2; pat++) {
            orig[i] ^= pat ? 0xff : 0x01;
            CHECK(poke(bad, i, orig[i]) == GT_OK);
            orig[i] ^= pat ? 0xff : 0x01;
            int differs;
            int rc = load_and_compare(bad, &fx, &differs);
            CHECK(poke(bad, i, orig[i]) == GT_OK);
            const char *e = gt_error();
            if (rc == GT_OK) {
                /* only padding may change without consequence */
                CHECKF(!differs, "byte %zu: corrupted data loaded without an error", i);
                CHECKF(i >= index_end && !in, "byte %zu: flip in a checked region not caught", i);
                harmless++;
                continue;
            }
            caught++;
            CHECKF(strstr(e, bad) == e, "byte %zu: error does not start with the path: %s", i, e);
            if (i < 8)
                CHECKF(strstr(e, "not a gantrain checkpoint (bad magic)"), "byte %zu: %s", i, e);
            else if (i < 64)
                CHECKF(strstr(e, "header CRC mismatch (file is corrupt)"), "byte %zu: %s", i, e);
            else if (i < index_end)
                CHECKF(strstr(e, "CRC mismatch in the tensor table"), "byte %zu: %s", i, e);
            else {
                CHECKF(in, "byte %zu (padding) gave an error: %s", i, e);
                char want[256];
                snprintf(want, sizeof want, "CRC mismatch in tensor '%s' (file is corrupt)", in->name);
                CHECKF(strstr(e, want), "byte %zu: wanted \"%s\", got: %s", i, want, e);
            }
        }
    }
    CHECK(caught > 1000 && harmless > 0);
    gt_ckpt_close(ck);
    free(orig);
    free_fixture(&fx);
}

GT_TEST(ckpt_every_truncation_is_caught) {
    fixture fx;
    const char *path = tmp_path("t.gtck"), *bad = tmp_path("trunc.gtck");
    CHECK(write_fixture(&fx, path) == GT_OK);
    size_t n;
    char *orig = slurp(path, &n);
    CHECK(orig);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    /* every length below 4 KiB (header, table, small tensors), then a stride
     * through the large tensor; shrinking one file keeps it fast */
    CHECK(put_file(bad, orig, n) == GT_OK);
    for (size_t len = n - 1;; len -= len <= 4096 ? 1 : 257) {
        CHECK(truncate(bad, (off_t)len) == 0);
        gt_ckpt *b = gt_ckpt_open(bad);
        CHECKF(!b, "truncated to %zu of %zu bytes but it opened", len, n);
        const char *e = gt_error();
        CHECKF(strstr(e, bad) == e && strstr(e, ": truncated: "), "length %zu: %s", len, e);
        /* a cut inside a tensor's data names the tensor and the bytes */
        for (int k = 0; k < gt_ckpt_n_tensors(ck); k++) {
            const gt_ckpt_tensor *t = gt_ckpt_tensor_at(ck, k);
            if (len > t->offset && len < t->offset + t->nbytes) {
                char want[256];
                snprintf(want, sizeof want, "tensor '%s' needs bytes %llu..%llu but the file has %zu",
                         t->name, (unsigned long long)t->offset,
                         (unsigned long long)(t->offset + t->nbytes), len);
                CHECKF(strstr(e, want), "length %zu: wanted \"%s\", got: %s", len, want, e);
            }
        }
        if (len == 0) break;
    }
    /* bytes appended after the end are not silently ignored */
    orig = gt_xrealloc(orig, n + 1);
    orig[n] = 0;
    CHECK(put_file(bad, orig, n + 1) == GT_OK);
    CHECK(!gt_ckpt_open(bad) && strstr(gt_error(), "1 unexpected bytes after the end"));
    gt_ckpt_close(ck);
    free(orig);
    free_fixture(&fx);
}

GT_TEST(ckpt_bad_magic_and_future_version) {
    const char *txt = tmp_path("x.gtck");
    CHECK(gt_write_file_atomic(txt, "[model]\narch = mlp\n", 19) == GT_OK);
    CHECK(!gt_ckpt_open(txt));
    char want[800];
    snprintf(want, sizeof want, "%s: not a gantrain checkpoint (bad magic)", txt);
    CHECKF(!strcmp(gt_error(), want), "%s", gt_error());
    CHECK(!gt_ckpt_open(tmp_path("missing.gtck")) && strstr(gt_error(), "missing.gtck") &&
          strstr(gt_error(), "No such file"));

    /* a file from a newer gantrain: valid header CRC, version 3 */
    const char *path = tmp_path("v.gtck");
    gt_ckpt_writer *w = gt_ckpt_writer_new("");
    gt_ckpt_put_i64(w, "step", 1);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    size_t n;
    unsigned char *d = (unsigned char *)slurp(path, &n);
    d[8] = 3;
    uint32_t c = gt_crc32(0, d, 60);
    for (int i = 0; i < 4; i++) d[60 + i] = (unsigned char)(c >> (8 * i));
    CHECK(gt_write_file_atomic(path, d, n) == GT_OK);
    CHECK(!gt_ckpt_open(path));
    snprintf(want, sizeof want, "%s: version 3 is newer than this gantrain (%d)", path,
             GT_CKPT_VERSION);
    CHECKF(strstr(gt_error(), want) == gt_error(), "%s", gt_error());
    free(d);
}

GT_TEST(ckpt_shape_mismatch_message) {
    const char *path = tmp_path("s.gtck");
    float *w128 = gt_xcalloc(128 * 100, sizeof(float));
    gt_ckpt_writer *w = gt_ckpt_writer_new("");
    gt_ckpt_add(w, "g.fc.weight", 2, (int[]){128, 100}, w128);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    float *w256 = gt_xcalloc(256 * 100, sizeof(float));
    CHECK(gt_ckpt_read(ck, "g.fc.weight", 2, (int[]){256, 100}, w256) != GT_OK);
    char want[800];
    snprintf(want, sizeof want,
             "%s: checkpoint tensor 'g.fc.weight' is [128, 100], the model expects [256, 100]", path);
    CHECKF(!strcmp(gt_error(), want), "%s", gt_error());
    CHECK(gt_ckpt_read(ck, "g.fc.weight", 1, (int[]){12800}, w256) != GT_OK);
    CHECK(strstr(gt_error(), "is [128, 100], the model expects [12800]"));
    CHECK(gt_ckpt_read(ck, "g.fc.bias", 1, (int[]){128}, w256) != GT_OK);
    CHECK(strstr(gt_error(), "checkpoint has no tensor 'g.fc.bias'"));
    CHECK(gt_ckpt_read(ck, "g.fc.weight", 2, (int[]){128, 100}, w256) == GT_OK);
    gt_ckpt_close(ck);
    free(w128);
    free(w256);
}

GT_TEST(ckpt_load_into_other_architecture) {
    const char *path = tmp_path("arch.gtck");
    gt_params *g7 = make_block("g", 7, 1), *g8 = make_block("g", 8, 1);
    gt_params *other = gt_params_new("g");
    gt_linear_layer l;
    gt_linear_layer_make(&l, other, "fc1", 5, 7, 1);
    gt_rng r;
    gt_rng_seed(&r, 1);
    gt_params_seal(other, &r);
    gt_ckpt_writer *w = gt_ckpt_writer_new("");
    gt_ckpt_add_params(w, g7);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    CHECK(gt_ckpt_load_params(ck, g8) != GT_OK);
    CHECKF(strstr(gt_error(), "checkpoint tensor 'g.fc1.weight' is [7, 5], the model expects [8, 5]"),
           "%s", gt_error());
    /* the checkpoint has more layers than the model */
    CHECK(gt_ckpt_load_params(ck, other) != GT_OK);
    CHECKF(strstr(gt_error(), "checkpoint tensor 'g.bn1.weight' is not in the model") ||
               strstr(gt_error(), "is not in the model"),
           "%s", gt_error());
    /* a D block finds none of its tensors */
    gt_params *d = make_block("d", 7, 1);
    CHECK(gt_ckpt_load_params(ck, d) != GT_OK && strstr(gt_error(), "has no tensor 'd.fc1.weight'"));
    /* an optimizer that was never saved */
    gt_optim *o = gt_optim_new(gt_optim_defaults(GT_OPTIM_SGD, 0.1), g7);
    CHECK(gt_ckpt_load_optim(ck, "opt_g", o, g7) != GT_OK && strstr(gt_error(), "no 'opt_g.kind'"));
    gt_optim_free(o);
    gt_ckpt_close(ck);
    gt_params_free(g7);
    gt_params_free(g8);
    gt_params_free(other);
    gt_params_free(d);
}

GT_TEST(ckpt_optimizer_kind_mismatch) {
    const char *path = tmp_path("o.gtck");
    gt_params *g = make_block("g", 7, 1);
    gt_optim *adam = gt_optim_new(gt_optim_defaults(GT_OPTIM_ADAM, 1e-3), g);
    fill_optim(adam, 3);
    gt_ckpt_writer *w = gt_ckpt_writer_new("");
    gt_ckpt_add_optim(w, "opt_g", adam, g);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    gt_optim_cfg c = gt_optim_defaults(GT_OPTIM_ADAM, 1e-3);
    c.amsgrad = 1;
    gt_optim *ams = gt_optim_new(c, g);
    gt_optim *rms = gt_optim_new(gt_optim_defaults(GT_OPTIM_RMSPROP, 1e-3), g);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    CHECK(gt_ckpt_load_optim(ck, "opt_g", ams, g) != GT_OK);
    CHECKF(strstr(gt_error(), "optimizer 'opt_g' in the checkpoint is adam with 2 state arrays, "
                              "the config asks for adam with 3"),
           "%s", gt_error());
    CHECK(gt_ckpt_load_optim(ck, "opt_g", rms, g) != GT_OK && strstr(gt_error(), "asks for rmsprop"));
    gt_optim *back = gt_optim_new(gt_optim_defaults(GT_OPTIM_ADAM, 1e-3), g);
    CHECK(gt_ckpt_load_optim(ck, "opt_g", back, g) == GT_OK);
    CHECK(back->step == 1234 && !memcmp(back->s1, adam->s1, (size_t)g->n_values * 4) &&
          !memcmp(back->s2, adam->s2, (size_t)g->n_values * 4));
    gt_ckpt_close(ck);
    gt_optim_free(adam);
    gt_optim_free(ams);
    gt_optim_free(rms);
    gt_optim_free(back);
    gt_params_free(g);
}

GT_TEST(ckpt_metadata_errors) {
    const char *path = tmp_path("m.gtck");
    gt_ckpt_writer *w = gt_ckpt_writer_new("");
    gt_ckpt_put_str(w, "step", "ten");
    gt_ckpt_put_blob(w, "rng", "abc", 3);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    int64_t v;
    gt_rng r;
    CHECK(gt_ckpt_get_i64(ck, "step", &v) != GT_OK);
    CHECKF(strstr(gt_error(), "checkpoint 'step' is a string, expected an integer"), "%s",
           gt_error());
    CHECK(gt_ckpt_get_i64(ck, "epoch", &v) != GT_OK && strstr(gt_error(), "has no 'epoch'"));
    CHECK(gt_ckpt_get_rng(ck, "rng", &r) != GT_OK && strstr(gt_error(), "has 3 bytes, expected 40"));
    gt_ckpt_close(ck);
}

static int count_files(const char *dir) {
    DIR *d = opendir(dir);
    struct dirent *e;
    int n = 0;
    while (d && (e = readdir(d)))
        if (e->d_name[0] != '.') n++;
    if (d) closedir(d);
    return n;
}

static int fill_fails_late(void *ctx, float *buf, int64_t start, int64_t n) {
    (void)ctx;
    if (start > 0) return gt_error_set("interrupted by test");
    for (int64_t i = 0; i < n; i++) buf[i] = 1.0f;
    return GT_OK;
}

GT_TEST(ckpt_failed_write_keeps_old_file) {
    fixture fx;
    const char *path = tmp_path("keep.gtck");
    CHECK(write_fixture(&fx, path) == GT_OK);
    size_t n0;
    char *before = slurp(path, &n0);
    int files = count_files(gt_test_tmpdir());

    /* a write that fails half-way (after the header and some data are on disk) */
    gt_ckpt_writer *w = gt_ckpt_writer_new("new config");
    gt_ckpt_add_params(w, fx.g);
    gt_ckpt_add_fill(w, "big", 1, (int[]){100000}, fill_fails_late, NULL);
    CHECK(gt_ckpt_write(w, path) != GT_OK);
    CHECKF(strstr(gt_error(), path) && strstr(gt_error(), "tensor 'big'") &&
               strstr(gt_error(), "interrupted by test"),
           "%s", gt_error());
    size_t n1;
    char *after = slurp(path, &n1);
    CHECK(after && n1 == n0 && !memcmp(before, after, n0));
    CHECK(count_files(gt_test_tmpdir()) == files); /* no temporary left behind */
    free(after);
    int differs;
    CHECK(load_and_compare(path, &fx, &differs) == GT_OK && !differs);

    /* places that cannot be written: a missing directory, a path under a file */
    CHECK(gt_ckpt_write(w, tmp_path("no/such/dir/x.gtck")) != GT_OK);
    CHECK(strstr(gt_error(), "no/such/dir/x.gtck"));
    char under[800];
    snprintf(under, sizeof under, "%s/sub.gtck", path);
    CHECK(gt_ckpt_write(w, under) != GT_OK && strstr(gt_error(), under));
    after = slurp(path, &n1);
    CHECK(after && n1 == n0 && !memcmp(before, after, n0));
    gt_ckpt_writer_free(w);
    free(after);
    free(before);
    free_fixture(&fx);
}

static int fill_dies(void *ctx, float *buf, int64_t start, int64_t n) {
    (void)ctx;
    if (start > 0) raise(SIGKILL); /* the process dies mid-write */
    for (int64_t i = 0; i < n; i++) buf[i] = 2.0f;
    return GT_OK;
}

GT_TEST(ckpt_killed_writer_keeps_old_file) {
    fixture fx;
    const char *path = tmp_path("killed.gtck");
    CHECK(write_fixture(&fx, path) == GT_OK);
    size_t n0, n1;
    char *before = slurp(path, &n0);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        gt_ckpt_writer *w = gt_ckpt_writer_new("");
        gt_ckpt_add_fill(w, "big", 1, (int[]){100000}, fill_dies, NULL);
        gt_ckpt_write(w, path);
        _exit(0);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
    char *after = slurp(path, &n1);
    CHECK(after && n1 == n0 && !memcmp(before, after, n0));
    int differs;
    CHECK(load_and_compare(path, &fx, &differs) == GT_OK && !differs);
    /* what a killed writer leaves is its temporary, never a half file at path */
    char tmp[800];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)pid);
    CHECK(gt_path_exists(tmp));
    free(before);
    free(after);
    free_fixture(&fx);
}

GT_TEST(ckpt_read_only_directory) {
    const char *dir = tmp_path("ro");
    CHECK(gt_mkdirs(dir) == GT_OK && chmod(dir, 0555) == 0 && chmod(gt_test_tmpdir(), 0755) == 0);
    char path[800];
    snprintf(path, sizeof path, "%s/x.gtck", dir);
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* root writes anywhere: the writer runs as nobody in a child */
        if (geteuid() == 0 && (setgid(65534) != 0 || setuid(65534) != 0)) _exit(3);
        gt_ckpt_writer *w = gt_ckpt_writer_new("");
        int rc = gt_ckpt_write(w, path);
        gt_ckpt_writer_free(w);
        _exit(rc != GT_OK && strstr(gt_error(), path) && strstr(gt_error(), "ermission denied") ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    chmod(dir, 0755);
    CHECKF(WIFEXITED(st) && WEXITSTATUS(st) == 0, "writer in a read-only directory: status %d", st);
    CHECK(!gt_path_exists(path));
}

static char *capture_info(const char *path, int *rc) {
    const char *out = tmp_path("info.txt");
    FILE *f = fopen(out, "w");
    if (!f) return NULL;
    *rc = gt_ckpt_print_info(f, path);
    fclose(f);
    size_t n;
    return slurp(out, &n);
}

GT_TEST(ckpt_info_printout) {
    fixture fx;
    const char *path = tmp_path("i.gtck");
    CHECK(write_fixture(&fx, path) == GT_OK);
    int rc;
    char *s = capture_info(path, &rc);
    CHECK(s && rc == GT_OK);
    CHECKF(strstr(s, "format      gtck version 1,") && strstr(s, "step        1000\n") &&
               strstr(s, "  [model]\n  arch = mlp\n") && strstr(s, "config      6 lines") &&
               strstr(s, "\"hello, world\"") && strstr(s, "<40 bytes:") &&
               strstr(s, "g.fc1.weight") && strstr(s, "[7, 5]") && strstr(s, "[100, 200]") &&
               strstr(s, "all 19 tensors ok"),
           "unexpected info output:\n%s", s);
    free(s);

    /* a corrupt tensor is marked, the rest still listed, and it fails */
    gt_ckpt *ck = gt_ckpt_open(path);
    CHECK(ck);
    const gt_ckpt_tensor *t = gt_ckpt_find(ck, "g.fc2.weight");
    uint64_t off = t->offset;
    gt_ckpt_close(ck);
    size_t n;
    char *d = slurp(path, &n);
    d[off + 5] ^= 0x10;
    CHECK(gt_write_file_atomic(path, d, n) == GT_OK);
    free(d);
    s = capture_info(path, &rc);
    CHECK(s && rc == GT_ERR);
    CHECKF(strstr(s, "CRC MISMATCH") && strstr(s, "1 of 19 tensors are corrupt") &&
               strstr(s, "g.fc1.weight"),
           "%s", s);
    CHECK(strstr(gt_error(), "CRC mismatch in tensor 'g.fc2.weight'"));
    free(s);

    /* the subcommand: usage errors and exit codes (its messages go to a file) */
    fflush(stderr);
    int saved = dup(2);
    FILE *err = freopen(tmp_path("stderr.txt"), "w", stderr);
    int r1 = gt_cmd_info(1, (char *[]){"info", NULL});
    int r2 = gt_cmd_info(3, (char *[]){"info", "a", "b", NULL});
    int r3 = gt_cmd_info(2, (char *[]){"info", (char *)tmp_path("none.gtck"), NULL});
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    CHECK(err && r1 == 2 && r2 == 2 && r3 == 1);
    s = slurp(tmp_path("stderr.txt"), &n);
    CHECKF(s && strstr(s, "gantrain: info: needs a checkpoint file") &&
               strstr(s, "gantrain: info: takes one checkpoint") && strstr(s, "none.gtck: No such file"),
           "%s", s);
    free(s);
    free_fixture(&fx);
}

/* The format is a promise: tests/fixtures/ckpt_v1.gtck was written by the
 * first version of the writer; this build must read it and, given the same
 * content, write the same bytes.  GT_REGEN_FIXTURES=1 rewrites it (only
 * when the format version changes: keep the old file as ckpt_vN.gtck). */
static int write_v1_fixture(const char *path) {
    static const float w[6] = {0, 0.5f, 1, 1.5f, 2, 2.5f}, b[2] = {-1, 1}, d[2] = {0.25f, -0.25f};
    gt_rng r;
    gt_rng_seed(&r, 1);
    gt_ckpt_writer *wr = gt_ckpt_writer_new("[model]\narch = mlp\n");
    gt_ckpt_put_i64(wr, "step", 1000);
    gt_ckpt_put_i64(wr, "epoch", 2);
    gt_ckpt_put_f64(wr, "kt", 0.5);
    gt_ckpt_put_str(wr, "objective", "began");
    gt_ckpt_put_rng(wr, "rng", &r);
    gt_ckpt_add(wr, "g.fc.weight", 2, (int[]){2, 3}, w);
    gt_ckpt_add(wr, "g.fc.bias", 1, (int[]){2}, b);
    gt_ckpt_add(wr, "d.fc.weight", 2, (int[]){1, 2}, d);
    int rc = gt_ckpt_write(wr, path);
    gt_ckpt_writer_free(wr);
    return rc;
}

GT_TEST(ckpt_reads_committed_v1_file) {
    const char *fixture = gt_test_path("fixtures/ckpt_v1.gtck");
    if (getenv("GT_REGEN_FIXTURES")) CHECK(write_v1_fixture(fixture) == GT_OK);
    gt_ckpt *ck = gt_ckpt_open(fixture);
    CHECKF(ck, "%s", gt_error());
    int64_t step, epoch;
    double kt;
    const char *obj;
    gt_rng r, want;
    gt_rng_seed(&want, 1);
    CHECK(gt_ckpt_get_i64(ck, "step", &step) == GT_OK && step == 1000);
    CHECK(gt_ckpt_get_i64(ck, "epoch", &epoch) == GT_OK && epoch == 2);
    CHECK(gt_ckpt_get_f64(ck, "kt", &kt) == GT_OK && kt == 0.5);
    CHECK(gt_ckpt_get_str(ck, "objective", &obj) == GT_OK && !strcmp(obj, "began"));
    CHECK(gt_ckpt_get_rng(ck, "rng", &r) == GT_OK && !memcmp(r.s, want.s, sizeof r.s));
    CHECK(!strcmp(gt_ckpt_config(ck), "[model]\narch = mlp\n"));
    float w[6], b[2];
    CHECK(gt_ckpt_read(ck, "g.fc.weight", 2, (int[]){2, 3}, w) == GT_OK && w[5] == 2.5f);
    CHECK(gt_ckpt_read(ck, "g.fc.bias", 1, (int[]){2}, b) == GT_OK && b[0] == -1 && b[1] == 1);
    CHECK(gt_ckpt_verify(ck) == GT_OK);
    gt_ckpt_close(ck);

    const char *fresh = tmp_path("v1.gtck");
    CHECK(write_v1_fixture(fresh) == GT_OK);
    size_t n1, n2;
    char *a = slurp(fixture, &n1), *c = slurp(fresh, &n2);
    CHECKF(a && c && n1 == n2 && !memcmp(a, c, n1),
           "the writer no longer produces the committed v1 bytes: bump GT_CKPT_VERSION");
    free(a);
    free(c);
}
