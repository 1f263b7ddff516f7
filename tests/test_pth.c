/* test_pth.c — the PyTorch weight-file reader (io/pth.h) and the Inception
 * loader on top of it, against files torch.save wrote.
 *
 * Committed fixtures (scripts/make-pth-fixtures.py, a few KB): a small
 * state_dict in both of torch.save's formats (and pickle protocol 4) with
 * views, a 0-d, an empty, a 5-d and an int64 tensor, and files that must be
 * refused.  When /usr/bin/python3 has torch and PIL (never in CI), the same
 * script also saves the hash-weights FID Inception both ways at test time:
 * every tensor must equal the state_dict's, and the features of 8 PNGs the
 * PyTorch model's. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <zlib.h>

#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/eval.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"
#include "gantrain/inception.h"
#include "gantrain/pth.h"
#include <stb/stb_image.h>
#include "test.h"
#include "test_data.h"

static const char *small_files[] = {"pth_small_zip.pth", "pth_small_legacy.pth", "pth_small_p4.pth"};
static const char *small_formats[] = {"zip", "legacy", "zip"};

/* the state_dict of make-pth-fixtures.py's small_state_dict, in order */
static const struct {
    const char *name;
    gt_pth_dtype dtype;
    int ndim;
    int64_t shape[5];
} small_spec[] = {
    {"conv.weight", GT_PTH_FLOAT32, 4, {4, 3, 3, 3}},
    {"conv.bias", GT_PTH_FLOAT32, 1, {4}},
    {"fc.weight_t", GT_PTH_FLOAT32, 2, {7, 5}},
    {"shared.whole", GT_PTH_FLOAT32, 2, {6, 5}},
    {"shared.window", GT_PTH_FLOAT32, 2, {3, 3}},
    {"expanded", GT_PTH_FLOAT32, 2, {4, 3}},
    {"scalar", GT_PTH_FLOAT32, 0, {0}},
    {"empty", GT_PTH_FLOAT32, 2, {0, 3}},
    {"five_d", GT_PTH_FLOAT32, 5, {2, 1, 3, 1, 2}},
    {"steps", GT_PTH_INT64, 0, {0}},
};
#define N_SMALL 10

static const char *fixture(const char *name) {
    static char buf[4][1200];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "fixtures/%s", name);
    return gt_test_path(b);
}

/* names, order, dtypes, shapes and every value, bit for bit */
GT_TEST(pth_reads_both_formats) {
    gt_fixture *fx = gt_fixture_load(fixture("pth_small.gtf"));
    if (!fx) return;
    for (int f = 0; f < 3; f++) {
        gt_pth *p = NULL;
        CHECKF(gt_pth_open(fixture(small_files[f]), &p) == GT_OK, "%s", gt_error());
        CHECKF(!strcmp(gt_pth_format(p), small_formats[f]), "%s: format %s", small_files[f], gt_pth_format(p));
        CHECKF(gt_pth_count(p) == N_SMALL, "%s: %d tensors", small_files[f], gt_pth_count(p));
        for (int i = 0; i < N_SMALL; i++) {
            const gt_pth_tensor *t = gt_pth_tensor_at(p, i);
            CHECKF(!strcmp(t->name, small_spec[i].name), "%s: tensor %d is '%s'", small_files[f], i, t->name);
            CHECKF(gt_pth_find(p, t->name) == i, "find %s", t->name);
            CHECKF(t->dtype == small_spec[i].dtype && t->ndim == small_spec[i].ndim, "%s: %s is %s, %d-d",
                   small_files[f], t->name, gt_pth_dtype_name(t->dtype), t->ndim);
            int64_t numel = 1;
            for (int d = 0; d < t->ndim; d++) {
                CHECKF(t->shape[d] == small_spec[i].shape[d], "%s: %s dim %d is %lld", small_files[f], t->name, d,
                       (long long)t->shape[d]);
                numel *= t->shape[d];
            }
            CHECK(t->numel == numel);
            if (t->dtype != GT_PTH_FLOAT32) continue;
            float *got = malloc(sizeof(float) * (size_t)(numel + 1));
            CHECKF(gt_pth_read_f32(p, i, got) == GT_OK, "%s", gt_error());
            if (numel) {
                gt_tensor *want = gt_fixture_get(fx, t->name);
                CHECKF(want && want->n == numel, "fixture has no %s of %lld values", t->name, (long long)numel);
                CHECKF(!memcmp(got, want->data, sizeof(float) * (size_t)numel), "%s: %s differs from torch's",
                       small_files[f], t->name);
            }
            free(got);
        }
        /* an int64 counter (BatchNorm's num_batches_tracked) is not float32 */
        float v;
        CHECK(gt_pth_read_f32(p, N_SMALL - 1, &v) == GT_ERR);
        CHECKF(strstr(gt_error(), "tensor 'steps' has dtype int64 (torch.LongStorage), not float32") &&
                   strstr(gt_error(), small_files[f]),
               "%s", gt_error());
        CHECK(gt_pth_find(p, "no.such") == -1);
        gt_pth_close(p);
    }
    gt_fixture_free(fx);
}

/* what must be refused, with the message that says why */
GT_TEST(pth_refuses_bad_files) {
    gt_pth *p = NULL;
    struct {
        const char *file, *frag;
    } cases[] = {
        {"pth_bad_opcode.pth", "data.pkl: pickle opcode EMPTY_SET (0x8f) at byte 166 is not supported"},
        {"pth_bad_module.pth", "pickle global 'torch.nn.modules.linear.Linear' (byte 2) is not supported"},
        {"npz_savez.npz", "is a NumPy .npz archive, not a PyTorch file"},
        {"inception_hash.gtf", "not a PyTorch weight file"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECKF(gt_pth_open(fixture(cases[i].file), &p) == GT_ERR && !p, "%s opened", cases[i].file);
        CHECKF(strstr(gt_error(), cases[i].frag) && strstr(gt_error(), cases[i].file), "%s: %s", cases[i].file,
               gt_error());
    }
    CHECK(gt_pth_open(td_path("none.pth"), &p) == GT_ERR && strstr(gt_error(), "none.pth"));
    /* a pickle that is not torch.save's: the int 5 */
    CHECK(gt_pth_open_mem("\x80\x02K\x05.", 5, "five.pkl", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "five.pkl: a pickle, but not a file of torch.save"), "%s", gt_error());
    /* an opcode outside the set, in the legacy stream's first pickle */
    CHECK(gt_pth_open_mem("\x80\x02" "cos\nsystem\n.", 14, "evil.pth", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "evil.pth: pickle global 'os.system' (byte 2) is not supported"), "%s", gt_error());
    CHECK(gt_pth_open_mem("\x80\x02i.", 4, "inst.pth", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "inst.pth: pickle opcode INST (0x69) at byte 2 is not supported"), "%s", gt_error());
    /* the machine's own limits */
    CHECK(gt_pth_open_mem("\x80\x02.", 3, "empty.pth", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "empty.pth: pickle stack underflow (opcode STOP at byte 2)"), "%s", gt_error());
    CHECK(gt_pth_open_mem("\x80\x02Nr\xff\xff\xff\x00.", 9, "memo.pth", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "memo.pth: memo index beyond the values made so far (opcode LONG_BINPUT at byte 3)"),
           "%s", gt_error());
    CHECK(gt_pth_open_mem("\x80\x02h\x00.", 5, "get.pth", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "memo GET of an entry never PUT"), "%s", gt_error());
    size_t big = ((size_t)1 << 20) + 16;
    char *nones = malloc(big);
    memset(nones, 'N', big);
    nones[0] = (char)0x80, nones[1] = 2;
    CHECK(gt_pth_open_mem(nones, big, "nones.pth", &p) == GT_ERR);
    CHECKF(strstr(gt_error(), "nones.pth: the pickle makes more than 1048574 values by byte 1048577"), "%s",
           gt_error());
    free(nones);
}

/* every prefix of a valid file is refused as truncated, and every single
 * corrupted byte either still reads or is one error naming the file (the
 * sanitizer build checks that nothing is touched out of bounds) */
GT_TEST(pth_truncated_and_corrupt) {
    for (int f = 0; f < 2; f++) {
        uint8_t *buf;
        size_t len = 0;
        CHECKF(gt_read_file(fixture(small_files[f]), (char **)&buf, &len) == GT_OK, "%s", gt_error());
        CHECK(len > 100);
        int trunc = 0;
        for (size_t n = 0; n < len; n++) {
            gt_pth *p = NULL;
            CHECKF(gt_pth_open_mem(buf, n, "cut.pth", &p) == GT_ERR && !p, "%s cut to %zu bytes opened",
                   small_files[f], n);
            CHECKF(!strncmp(gt_error(), "cut.pth: ", 9) && !strchr(gt_error(), '\n'), "%s", gt_error());
            trunc += strstr(gt_error(), "truncated") != NULL;
        }
        /* all but the first few bytes say so (those are "not a PyTorch file") */
        CHECKF(trunc >= (int)len - 4, "%s: only %d of %zu prefixes were called truncated", small_files[f], trunc,
               len);
        int opened = 0;
        for (size_t k = 0; k < len; k++) {
            uint8_t keep = buf[k];
            for (int m = 0; m < 3; m++) {
                buf[k] = m == 0 ? (uint8_t)~keep : m == 1 ? (uint8_t)(keep + 1) : 0x7f;
                gt_pth *p = NULL;
                gt_error_clear();
                if (gt_pth_open_mem(buf, len, "bad.pth", &p) == GT_OK) {
                    opened++;
                    for (int i = 0; i < gt_pth_count(p); i++) {
                        const gt_pth_tensor *t = gt_pth_tensor_at(p, i);
                        if (t->numel > 1000) continue;
                        float x[1001];
                        gt_pth_read_f32(p, i, x);
                    }
                    gt_pth_close(p);
                } else {
                    CHECKF(!strncmp(gt_error(), "bad.pth: ", 9) && !strchr(gt_error(), '\n'), "byte %zu: %s", k,
                           gt_error());
                }
            }
            buf[k] = keep;
        }
        printf("  %s: %zu prefixes refused (%d as truncated); %zu corrupted copies, %d still read\n",
               small_files[f], len, trunc, 3 * len, opened);
        free(buf);
    }
}

/* a state_dict of another network, a wrong shape or dtype, missing tensors */
GT_TEST(pth_inception_refuses_other_weights) {
    struct {
        const char *file, *frag1, *frag2;
    } cases[] = {
        {"pth_small_zip.pth", "not the FID Inception-v3 of pytorch-fid: 10 tensors are not part of it (the first: "
                              "'conv.weight'); 472 of its 472 tensors are missing",
         "scripts/fetch-data.sh inception"},
        {"pth_inc_shape.pth", "tensor 'Conv2d_1a_3x3.conv.weight' has shape [32, 27], the FID Inception-v3 needs "
                              "[32, 3, 3, 3]",
         NULL},
        {"pth_inc_dtype.pth", "tensor 'Conv2d_1a_3x3.conv.weight' is float64; the FID Inception-v3 weights are "
                              "float32",
         NULL},
        {"pth_inc_partial.pth", "not the FID Inception-v3 of pytorch-fid; 471 of its 472 tensors are missing (the "
                                "first: 'Conv2d_1a_3x3.bn.weight')",
         NULL},
    };
    gt_inception *m = gt_inception_new(0);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        CHECK(gt_inception_load_file(m, fixture(cases[i].file)) == GT_ERR);
        CHECKF(strstr(gt_error(), cases[i].file) && strstr(gt_error(), cases[i].frag1) &&
                   (!cases[i].frag2 || strstr(gt_error(), cases[i].frag2)),
               "%s: %s", cases[i].file, gt_error());
    }
    gt_inception_free(m);
}

/* ---- against torch, when it is installed ---- */

static int have_torch(void) {
    return system("/usr/bin/python3 -c 'import torch, PIL' > /dev/null 2>&1") == 0;
}

/* one manifest line: name dtype shape crc */
typedef struct mline {
    char name[256], dtype[16], shape[64];
    unsigned crc;
} mline;

static int read_manifest(const char *path, mline **out) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    int n = 0, cap = 0;
    mline *m = NULL, l;
    while (fscanf(f, "%255s %15s %63s %x", l.name, l.dtype, l.shape, &l.crc) == 4) {
        if (n == cap) m = realloc(m, (size_t)(cap = cap ? 2 * cap : 512) * sizeof *m);
        m[n++] = l;
    }
    fclose(f);
    *out = m;
    return n;
}

/* "32,3,3,3" or "-" for 0-d */
static void shape_str(const gt_pth_tensor *t, char *buf, size_t n) {
    size_t k = 0;
    buf[0] = 0;
    for (int d = 0; d < t->ndim && k < n; d++)
        k += (size_t)snprintf(buf + k, n - k, "%s%lld", d ? "," : "", (long long)t->shape[d]);
    if (!t->ndim) snprintf(buf, n, "-");
}

/* 8 PNGs: RGB and grey, several sizes, pixels from the Inception hash */
#define N_PNG 8
static const int png_size[N_PNG][3] = {{32, 32, 3}, {32, 32, 3}, {28, 28, 1}, {64, 48, 3},
                                       {17, 23, 3}, {28, 28, 1}, {80, 80, 3}, {40, 33, 1}};

GT_TEST(pth_inception_matches_torch) {
    if (!have_torch()) {
        printf("  skipped: /usr/bin/python3 with torch and PIL is not installed (CI never has it); the\n"
               "  committed fixtures above still test both formats\n");
        return;
    }
    char dir[1200];
    snprintf(dir, sizeof dir, "%s", td_path("pthinc/x"));
    dir[strlen(dir) - 2] = 0; /* TMPDIR/pthinc, created */
    char cmd[8192];
    size_t k = (size_t)snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' --inception '%s'",
                                gt_test_path("../scripts/make-pth-fixtures.py"), dir);
    for (int i = 0; i < N_PNG; i++) {
        int w = png_size[i][0], h = png_size[i][1], c = png_size[i][2];
        float *v = malloc(sizeof(float) * (size_t)w * h * c);
        uint8_t *pix = malloc((size_t)w * h * c);
        gt_inception_hash_uniform(2000 + (uint32_t)i, v, (int64_t)w * h * c, 0.0, 256.0);
        for (int j = 0; j < w * h * c; j++) pix[j] = (uint8_t)(v[j] >= 255.0f ? 255 : (int)v[j]);
        char rel[64];
        snprintf(rel, sizeof rel, "pthinc/img%d.png", i);
        td_png(rel, w, h, c, pix);
        k += (size_t)snprintf(cmd + k, sizeof cmd - k, " '%s'", td_path(rel));
        free(v);
        free(pix);
    }
    snprintf(cmd + k, sizeof cmd - k, " > '%s/log.txt' 2>&1", dir);
    int st = system(cmd);
    char logp[1400];
    snprintf(logp, sizeof logp, "%s/log.txt", dir);
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        char *log = NULL;
        size_t n;
        gt_read_file(logp, &log, &n);
        gt_test_fail(__FILE__, __LINE__, "make-pth-fixtures.py --inception failed:\n%s", log ? log : "");
        free(log);
        return;
    }
    char path[1400];
    snprintf(path, sizeof path, "%s/manifest.txt", dir);
    mline *man = NULL;
    int nman = read_manifest(path, &man);
    CHECKF(nman > GT_INCEPTION_N_TENSORS, "manifest: %d lines", nman);
    snprintf(path, sizeof path, "%s/features.gtf", dir);
    gt_fixture *fx = gt_fixture_load(path);
    if (!fx) return;

    gt_inception *ref = gt_inception_new(0);
    gt_inception_init_synthetic(ref);
    gt_params *pr = gt_inception_params(ref);
    const char *formats[] = {"zip", "legacy"};
    for (int f = 0; f < 2; f++) {
        snprintf(path, sizeof path, "%s/inception_%s.pth", dir, formats[f]);
        /* every tensor of the state_dict, name for name, bit for bit */
        gt_pth *p = NULL;
        CHECKF(gt_pth_open(path, &p) == GT_OK, "%s", gt_error());
        CHECKF(!strcmp(gt_pth_format(p), formats[f]) && gt_pth_count(p) == nman, "%s: %s, %d tensors",
               formats[f], gt_pth_format(p), gt_pth_count(p));
        int n_float = 0;
        for (int i = 0; i < nman; i++) {
            const gt_pth_tensor *t = gt_pth_tensor_at(p, i);
            char sh[64];
            shape_str(t, sh, sizeof sh);
            CHECKF(!strcmp(t->name, man[i].name) && !strcmp(gt_pth_dtype_name(t->dtype), man[i].dtype) &&
                       !strcmp(sh, man[i].shape),
                   "%s tensor %d: %s %s [%s], torch's %s %s [%s]", formats[f], i, t->name,
                   gt_pth_dtype_name(t->dtype), sh, man[i].name, man[i].dtype, man[i].shape);
            if (t->dtype != GT_PTH_FLOAT32) continue;
            float *x = malloc(sizeof(float) * (size_t)t->numel);
            CHECKF(gt_pth_read_f32(p, i, x) == GT_OK, "%s", gt_error());
            unsigned crc = (unsigned)crc32(0, (const unsigned char *)x, (unsigned)(sizeof(float) * (size_t)t->numel));
            free(x);
            CHECKF(crc == man[i].crc, "%s: tensor '%s' differs from torch's (crc %08x, torch %08x)", formats[f],
                   t->name, crc, man[i].crc);
            n_float++;
        }
        gt_pth_close(p);
        CHECK(n_float == GT_INCEPTION_N_TENSORS);

        /* loaded into the network: each parameter where the hash put it */
        gt_inception *m = gt_inception_new(0);
        CHECKF(gt_inception_load_file(m, path) == GT_OK, "%s", gt_error());
        gt_params *pm = gt_inception_params(m);
        CHECK(!memcmp(pm->data, pr->data, sizeof(float) * (size_t)(pr->n_values + pr->n_buffers)));
        gt_inception_free(m);

        if (f == 1) {
            printf("  %s: %d tensors equal to torch's state_dict, and the network's parameters to the zip "
                   "file's\n",
                   formats[f], nman);
            continue;
        }
        /* the features of the PNGs, as `gantrain eval` computes them (the
         * legacy file gives the same parameters bit for bit, so the same) */
        gt_extractor *e = gt_extractor_open("inception", path);
        CHECKF(e, "%s", gt_error());
        double worst[2] = {0, 0};
        for (int i = 0; i < N_PNG; i++) {
            int w = png_size[i][0], h = png_size[i][1], c = png_size[i][2];
            char rel[64];
            snprintf(rel, sizeof rel, "pthinc/img%d.png", i);
            /* decoded by stb, as the image-folder loader of `gantrain eval` does */
            int dw, dh, dc;
            uint8_t *pix = stbi_load(td_path(rel), &dw, &dh, &dc, c);
            CHECKF(pix && dw == w && dh == h, "cannot decode %s", rel);
            float *x = malloc(sizeof(float) * (size_t)w * h * c);
            for (int y = 0; y < h; y++)
                for (int xx = 0; xx < w; xx++)
                    for (int ch = 0; ch < c; ch++)
                        x[((size_t)ch * h + y) * w + xx] = gt_data_pixel_float(pix[((size_t)y * w + xx) * c + ch]);
            stbi_image_free(pix);
            gt_tensor *pool = gt_tensor_new(2, (int[]){1, GT_INCEPTION_POOL_DIM});
            gt_tensor *prob = gt_tensor_new(2, (int[]){1, GT_INCEPTION_LOGITS_DIM});
            CHECKF(gt_extractor_features(e, x, 1, c, h, w, pool->data, prob->data) == GT_OK, "%s", gt_error());
            free(x);
            /* IS's class probabilities: softmax of torch's logits less fc's bias */
            gt_tensor *lg = gt_fixture_getf(fx, "%d.logits", i), *bias = gt_params_find(pr, "inception.fc.bias");
            CHECKF(lg && lg->n == GT_INCEPTION_LOGITS_DIM, "features.gtf: no %d.logits", i);
            gt_tensor *pwant = gt_tensor_new(2, (int[]){1, GT_INCEPTION_LOGITS_DIM});
            double mx = -1e300, sum = 0;
            for (int j = 0; j < GT_INCEPTION_LOGITS_DIM; j++) mx = fmax(mx, (double)lg->data[j] - bias->data[j]);
            for (int j = 0; j < GT_INCEPTION_LOGITS_DIM; j++) sum += exp((double)lg->data[j] - bias->data[j] - mx);
            for (int j = 0; j < GT_INCEPTION_LOGITS_DIM; j++)
                pwant->data[j] = (float)(exp((double)lg->data[j] - bias->data[j] - mx) / sum);
            double perr = gt_tensor_max_rel_err(prob, pwant);
            worst[1] = perr > worst[1] ? perr : worst[1];
            CHECKF(perr <= 1e-5, "image %d: class probabilities differ from torch's by %.3g (max rel)", i, perr);
            gt_tensor_free(pwant);
            gt_tensor *want = gt_fixture_getf(fx, "%d.pool", i);
            CHECKF(want && want->n == GT_INCEPTION_POOL_DIM, "features.gtf: no %d.pool", i);
            double err = gt_tensor_max_rel_err(pool, want);
            worst[0] = err > worst[0] ? err : worst[0];
            CHECKF(err <= 1e-5, "image %d (%dx%dx%d): pool features differ from torch's by %.3g (max rel)", i, c,
                   h, w, err);
            gt_tensor_free(pool);
            gt_tensor_free(prob);
        }
        printf("  %s: %d tensors equal to torch's state_dict; %d PNGs: pool features max rel err %.2g, "
               "IS probabilities %.2g (tolerance 1e-5)\n",
               formats[f], nman, N_PNG, worst[0], worst[1]);
        gt_extractor_free(e);
    }
    free(man);
    gt_inception_free(ref);
    gt_fixture_free(fx);
}
