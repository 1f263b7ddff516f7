/* test_tfevents.c — TensorBoard event files: CRC32C, the TFRecord framing
 * re-parsed in C, and the files decoded by the protobuf library
 * (scripts/decode-tfevents.py with Debian's python3-protobuf). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "gantrain/crc.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"
#include "gantrain/rng.h"
#include "gantrain/tfevents.h"
#include "test.h"

static const char *tmp_path(const char *name) {
    static char buf[4][700];
    static int k;
    char *b = buf[k++ & 3];
    snprintf(b, sizeof buf[0], "%s/%s", gt_test_tmpdir(), name);
    return b;
}

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

GT_TEST(tfevents_crc32c_known_values) {
    /* the check value and RFC 3720 (iSCSI) test vectors */
    CHECK(gt_crc32c(0, "123456789", 9) == 0xE3069283u);
    unsigned char z[32] = {0}, ff[32], inc[32];
    memset(ff, 0xff, sizeof ff);
    for (int i = 0; i < 32; i++) inc[i] = (unsigned char)i;
    CHECK(gt_crc32c(0, z, 32) == 0x8A9136AAu);
    CHECK(gt_crc32c(0, ff, 32) == 0x62A8AB43u);
    CHECK(gt_crc32c(0, inc, 32) == 0x46DD794Eu);
    CHECK(gt_crc32c(0, "", 0) == 0);
    /* incremental in any split (and from any alignment) equals one pass */
    for (int s = 0; s <= 32; s++)
        CHECK(gt_crc32c(gt_crc32c(0, inc, (size_t)s), inc + s, (size_t)(32 - s)) == 0x46DD794Eu);
    for (uint32_t c = 1; c < 0xF0000000u; c = c * 3 + 7)
        CHECK(gt_crc32c_unmask(gt_crc32c_mask(c)) == c);
    CHECK(gt_crc32c_mask(0) == 0xa282ead8u);
}

/* ---- a minimal reader: TFRecord framing and protobuf fields ------------- */

typedef struct rec {
    unsigned char *data;
    size_t len;
} rec;

static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Splits a file into records, checking every CRC; returns the count or -1. */
static int read_records(const char *path, rec *out, int max) {
    char *d;
    size_t n;
    if (gt_read_file(path, &d, &n)) return -1;
    unsigned char *p = (unsigned char *)d;
    size_t pos = 0;
    int k = 0;
    while (pos < n && k < max) {
        if (n - pos < 12) break;
        uint64_t len = 0;
        for (int i = 0; i < 8; i++) len |= (uint64_t)p[pos + i] << (8 * i);
        if (gt_crc32c_unmask(le32(p + pos + 8)) != gt_crc32c(0, p + pos, 8)) break;
        if (n - pos - 12 < len + 4) break;
        if (gt_crc32c_unmask(le32(p + pos + 12 + len)) != gt_crc32c(0, p + pos + 12, len)) break;
        out[k].data = gt_xmalloc(len + 1);
        memcpy(out[k].data, p + pos + 12, len);
        out[k].len = len;
        k++;
        pos += 16 + len;
    }
    free(d);
    return pos == n ? k : -1;
}

static uint64_t varint(const unsigned char **p, const unsigned char *end) {
    uint64_t v = 0;
    for (int s = 0; *p < end && s < 64; s += 7) {
        unsigned char b = *(*p)++;
        v |= (uint64_t)(b & 0x7f) << s;
        if (!(b & 0x80)) return v;
    }
    return ~(uint64_t)0;
}

/* Finds field `num` in a message; sets *val (varint / fixed) or *sub, *sub_len. */
static int pb_find(const unsigned char *m, size_t len, int num, int nth, uint64_t *val,
                   const unsigned char **sub, size_t *sub_len) {
    const unsigned char *p = m, *end = m + len;
    while (p < end) {
        uint64_t key = varint(&p, end);
        int field = (int)(key >> 3), wt = (int)(key & 7);
        uint64_t v = 0;
        const unsigned char *s = NULL;
        size_t sl = 0;
        if (wt == 0) v = varint(&p, end);
        else if (wt == 1 || wt == 5) {
            int nb = wt == 1 ? 8 : 4;
            if (end - p < nb) return 0;
            for (int i = 0; i < nb; i++) v |= (uint64_t)p[i] << (8 * i);
            p += nb;
        } else if (wt == 2) {
            sl = (size_t)varint(&p, end);
            if ((size_t)(end - p) < sl) return 0;
            s = p;
            p += sl;
        } else
            return 0;
        if (field == num && nth-- == 0) {
            if (val) *val = v;
            if (sub) *sub = s, *sub_len = sl;
            return 1;
        }
    }
    return 0;
}

GT_TEST(tfevents_framing_reparsed_in_c) {
    const char *path = tmp_path("events.out.tfevents.c");
    gt_tfevents *w = gt_tfevents_open_path(path);
    CHECKF(w, "%s", gt_error());
    CHECK(gt_tfevents_scalar(w, 7, "loss/d", 0.25f) == GT_OK);
    const char *tags[] = {"a", "b"};
    float vals[] = {-1.5f, 0.0f};
    CHECK(gt_tfevents_scalars(w, 300, 2, tags, vals) == GT_OK);
    CHECK(gt_tfevents_session_start(w, 5) == GT_OK);
    CHECK(gt_tfevents_close(w) == GT_OK);
    /* a second writer on the same path would clobber a log: refused */
    CHECK(!gt_tfevents_open_path(path) && strstr(gt_error(), path));

    rec r[8];
    int n = read_records(path, r, 8);
    CHECK(n == 4);
    uint64_t v;
    const unsigned char *s, *s2, *s3;
    size_t sl, sl2, sl3;
    /* Event{1: wall_time, 3: "brain.Event:2"} */
    CHECK(pb_find(r[0].data, r[0].len, 1, 0, &v, NULL, NULL));
    double wt;
    memcpy(&wt, &v, 8);
    CHECK(wt > 1.5e9);
    CHECK(pb_find(r[0].data, r[0].len, 3, 0, NULL, &s, &sl) && sl == 13 && !memcmp(s, "brain.Event:2", 13));
    /* Event{2: step 7, 5: Summary{1: Value{1: tag, 2: simple_value}}} */
    CHECK(pb_find(r[1].data, r[1].len, 2, 0, &v, NULL, NULL) && v == 7);
    CHECK(pb_find(r[1].data, r[1].len, 5, 0, NULL, &s, &sl));
    CHECK(pb_find(s, sl, 1, 0, NULL, &s2, &sl2));
    CHECK(pb_find(s2, sl2, 1, 0, NULL, &s3, &sl3) && sl3 == 6 && !memcmp(s3, "loss/d", 6));
    CHECK(pb_find(s2, sl2, 2, 0, &v, NULL, NULL) && v == fbits(0.25f));
    /* two values in one summary; a zero value is still written (oneof) */
    CHECK(pb_find(r[2].data, r[2].len, 2, 0, &v, NULL, NULL) && v == 300);
    CHECK(pb_find(r[2].data, r[2].len, 5, 0, NULL, &s, &sl));
    CHECK(pb_find(s, sl, 1, 1, NULL, &s2, &sl2));
    CHECK(pb_find(s2, sl2, 1, 0, NULL, &s3, &sl3) && sl3 == 1 && s3[0] == 'b');
    CHECK(pb_find(s2, sl2, 2, 0, &v, NULL, NULL) && v == 0);
    /* Event{2: 5, 7: SessionLog{1: START}} */
    CHECK(pb_find(r[3].data, r[3].len, 2, 0, &v, NULL, NULL) && v == 5);
    CHECK(pb_find(r[3].data, r[3].len, 7, 0, NULL, &s, &sl));
    CHECK(pb_find(s, sl, 1, 0, &v, NULL, NULL) && v == 1);
    for (int i = 0; i < n; i++) free(r[i].data);

    /* a flipped byte anywhere breaks a CRC */
    char *d;
    size_t len;
    CHECK(gt_read_file(path, &d, &len) == GT_OK);
    for (size_t i = 0; i < len; i++) {
        d[i] ^= 0x20;
        FILE *f = fopen(tmp_path("flip"), "wb"); /* plain write: fsync per flip is slow */
        CHECK(f && fwrite(d, 1, len, f) == len && fclose(f) == 0);
        d[i] ^= 0x20;
        int k = read_records(tmp_path("flip"), r, 8);
        for (int j = 0; j < (k > 0 ? k : 0); j++) free(r[j].data);
        CHECKF(k != 4, "flipped byte %zu not detected", i);
    }
    free(d);
}

/* Runs the protobuf decoder on path; its stdout+stderr into *out. */
static int run_decoder(const char *path, char **out) {
    char cmd[4096];
    const char *txt = tmp_path("decoded.txt");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' --no-time '%s' > '%s' 2>&1",
             gt_test_path("../scripts/decode-tfevents.py"), path, txt);
    int st = system(cmd);
    size_t n;
    *out = NULL;
    if (gt_read_file(txt, out, &n)) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Appends printf output to a growing string. */
static void cat(char **s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void cat(char **s, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    size_t n = *s ? strlen(*s) : 0;
    *s = gt_xrealloc(*s, n + strlen(line) + 1);
    strcpy(*s + n, line);
}

GT_TEST(tfevents_decoded_by_protobuf_library) {
    const char *path = tmp_path("events.out.tfevents.1.test");
    gt_tfevents *w = gt_tfevents_open_path(path);
    CHECKF(w, "%s", gt_error());
    char *want = NULL;
    cat(&want, "file_version=brain.Event:2\n");

    /* scalars, including the awkward ones */
    const float vals[] = {0.693147182f, -0.0f, 1e-45f, 3.4028235e38f, INFINITY, -INFINITY, NAN, 0.1f};
    char long_tag[300];
    memset(long_tag, 'x', sizeof long_tag - 1);
    memcpy(long_tag, "long/", 5);
    long_tag[sizeof long_tag - 1] = 0; /* a length that needs a two-byte varint */
    for (int i = 0; i < 8; i++) {
        int64_t step = i == 3 ? -5 : (int64_t)i * 1000000007LL;
        const char *tag = i == 2 ? long_tag : (i == 1 ? "loss/g" : "loss/d");
        CHECK(gt_tfevents_scalar(w, step, tag, vals[i]) == GT_OK);
        cat(&want, "step=%lld scalar %s bits=%08x value=%.9g\n", (long long)step, tag,
            fbits(vals[i]), (double)vals[i]);
    }
    const char *tags[] = {"d_loss", "g_loss", "kt"};
    const float v3[] = {1.25f, -2.5f, 0.001f};
    CHECK(gt_tfevents_scalars(w, 42, 3, tags, v3) == GT_OK);
    for (int i = 0; i < 3; i++)
        cat(&want, "step=42 scalar %s bits=%08x value=%.9g\n", tags[i], fbits(v3[i]), (double)v3[i]);

    /* a sample grid (RGB) from tensors in [-1, 1] */
    gt_rng r;
    gt_rng_seed(&r, 5);
    gt_tensor *imgs = gt_tensor_new4(5, 3, 8, 6);
    gt_rng_fill_uniform(&r, imgs->data, imgs->n, -1.2f, 1.2f);
    CHECK(gt_tfevents_grid(w, 100, "samples", imgs, 3, 2) == GT_OK);
    int gw, gh, gc;
    uint8_t *pix = gt_grid_pixels(imgs, 3, 2, 0, &gw, &gh, &gc);
    cat(&want, "step=100 image samples %dx%dx%d pixels_crc32=%08x\n", gw, gh, gc,
        gt_crc32(0, pix, (size_t)gw * gh * gc));
    free(pix);
    /* grey and RGBA images; a large noisy one (PNG bigger than 16 KiB) */
    int sizes[3][3] = {{7, 5, 1}, {4, 9, 4}, {100, 90, 3}};
    for (int k = 0; k < 3; k++) {
        int iw = sizes[k][0], ih = sizes[k][1], ic = sizes[k][2];
        size_t np = (size_t)iw * ih * ic;
        uint8_t *p = gt_xmalloc(np);
        for (size_t i = 0; i < np; i++) p[i] = (uint8_t)(gt_rng_u64(&r) >> 56);
        char tag[32];
        snprintf(tag, sizeof tag, "img%d", k);
        CHECK(gt_tfevents_image(w, 200 + k, tag, p, iw, ih, ic) == GT_OK);
        cat(&want, "step=%d image %s %dx%dx%d pixels_crc32=%08x\n", 200 + k, tag, iw, ih, ic,
            gt_crc32(0, p, np));
        free(p);
    }
    CHECK(gt_tfevents_session_start(w, 7) == GT_OK);
    cat(&want, "step=7 session_log START\n");
    /* a bad image is an error, and nothing is written for it */
    CHECK(gt_tfevents_image(w, 1, "bad", (uint8_t[]){0}, 1, 1, 2) != GT_OK);
    CHECK(strstr(gt_error(), "image 'bad'"));
    CHECK(gt_tfevents_close(w) == GT_OK);

    char *got;
    int rc = run_decoder(path, &got);
    CHECKF(rc == 0, "decoder exit %d:\n%s", rc, got ? got : "(no output)");
    CHECKF(!strcmp(got, want), "decoder output:\n%s\nexpected:\n%s", got, want);
    free(got);

    /* the decoder is not a rubber stamp: a flipped data byte is reported */
    char *d;
    size_t n;
    CHECK(gt_read_file(path, &d, &n) == GT_OK);
    d[40] ^= 1;
    CHECK(gt_write_file_atomic(tmp_path("bad.tfevents"), d, n) == GT_OK);
    rc = run_decoder(tmp_path("bad.tfevents"), &got);
    CHECKF(rc == 1 && strstr(got, "CRC mismatch"), "exit %d: %s", rc, got);
    free(got);
    free(d);
    free(want);
    gt_tensor_free(imgs);
}

GT_TEST(tfevents_survive_a_crash) {
    const char *path = tmp_path("events.out.tfevents.crash");
    fflush(NULL);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        gt_tfevents *w = gt_tfevents_open_path(path);
        if (!w) _exit(3);
        for (int i = 1; i <= 3; i++) gt_tfevents_scalar(w, i, "loss", (float)i);
        _exit(0); /* dies without closing: no final flush, no fsync */
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    char *got;
    int rc = run_decoder(path, &got);
    CHECKF(rc == 0, "decoder exit %d:\n%s", rc, got ? got : "(no output)");
    CHECKF(!strcmp(got, "file_version=brain.Event:2\n"
                        "step=1 scalar loss bits=3f800000 value=1\n"
                        "step=2 scalar loss bits=40000000 value=2\n"
                        "step=3 scalar loss bits=40400000 value=3\n"),
           "%s", got);
    free(got);
}

GT_TEST(tfevents_file_names) {
    const char *dir = gt_test_tmpdir();
    gt_tfevents *a = gt_tfevents_open(dir), *b = gt_tfevents_open(dir);
    CHECKF(a && b, "%s", gt_error());
    CHECK(strcmp(gt_tfevents_path(a), gt_tfevents_path(b)) != 0);
    const char *base = strrchr(gt_tfevents_path(a), '/') + 1;
    char host[256] = {0};
    gethostname(host, sizeof host - 1);
    CHECKF(!strncmp(base, "events.out.tfevents.", 20) && strstr(base, host), "%s", base);
    CHECK(gt_tfevents_close(a) == GT_OK && gt_tfevents_close(b) == GT_OK);
    CHECK(gt_tfevents_close(NULL) == GT_OK);
    CHECK(!gt_tfevents_open(tmp_path("missing/dir")) && strstr(gt_error(), "missing/dir"));
}
