/* tfevents.c — TensorBoard event files: hand-encoded tensorflow.Event
 * protocol buffers in TFRecord framing.
 *
 * Field numbers (tensorflow/core/util/event.proto, framework/summary.proto):
 *   Event      1 wall_time double, 2 step int64, 3 file_version string,
 *              5 summary Summary, 7 session_log SessionLog
 *   Summary    1 value repeated Value
 *   Value      1 tag string, 2 simple_value float, 4 image Image
 *   Image      1 height int32, 2 width int32, 3 colorspace int32,
 *              4 encoded_image_string bytes
 *   SessionLog 1 status enum (START = 1)
 * Fields are written in field-number order and proto3 zero scalars are left
 * out, so the bytes equal what the protobuf library itself would produce. */
#include "gantrain/tfevents.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gantrain/crc.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"

struct gt_tfevents {
    FILE *f;
    char *path;
};

/* ---- protobuf encoding -------------------------------------------------- */

typedef struct pb {
    uint8_t *p;
    size_t n, cap;
} pb;

enum { WT_VARINT = 0, WT_I64 = 1, WT_LEN = 2, WT_I32 = 5 };

static void pb_raw(pb *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 64;
        b->p = gt_xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void pb_varint(pb *b, uint64_t v) {
    uint8_t t[10];
    int n = 0;
    do {
        t[n] = (uint8_t)(v & 0x7f);
        v >>= 7;
        if (v) t[n] |= 0x80;
        n++;
    } while (v);
    pb_raw(b, t, (size_t)n);
}

static void pb_key(pb *b, int field, int wire) { pb_varint(b, (uint64_t)field << 3 | (uint64_t)wire); }

/* int32/int64/enum: negative values are 10-byte two's complement varints */
static void pb_int(pb *b, int field, int64_t v) {
    if (!v) return;
    pb_key(b, field, WT_VARINT);
    pb_varint(b, (uint64_t)v);
}

static void pb_bytes(pb *b, int field, const void *d, size_t n) {
    pb_key(b, field, WT_LEN);
    pb_varint(b, n);
    pb_raw(b, d, n);
}

static void pb_le(pb *b, uint64_t v, int bytes) {
    uint8_t t[8];
    for (int i = 0; i < bytes; i++) t[i] = (uint8_t)(v >> (8 * i));
    pb_raw(b, t, (size_t)bytes);
}

static void pb_double(pb *b, int field, double v) {
    uint64_t u;
    memcpy(&u, &v, 8);
    if (!u) return; /* proto3 leaves out +0.0 */
    pb_key(b, field, WT_I64);
    pb_le(b, u, 8);
}

/* simple_value is in a oneof: written even when zero */
static void pb_float_always(pb *b, int field, float v) {
    uint32_t u;
    memcpy(&u, &v, 4);
    pb_key(b, field, WT_I32);
    pb_le(b, u, 4);
}

static double wall_time(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Event{wall_time, step, <field>: body}; body is already encoded. */
static void event(pb *out, int64_t step, int field, const pb *body) {
    pb_double(out, 1, wall_time());
    pb_int(out, 2, step);
    pb_bytes(out, field, body->p, body->n);
}

/* ---- records ------------------------------------------------------------ */

static void put_u32le(uint8_t *p, uint32_t v) {
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
}

static int write_record(gt_tfevents *w, const pb *ev) {
    size_t n = ev->n;
    uint8_t *rec = gt_xmalloc(n + 16);
    for (int i = 0; i < 8; i++) rec[i] = (uint8_t)((uint64_t)n >> (8 * i));
    put_u32le(rec + 8, gt_crc32c_mask(gt_crc32c(0, rec, 8)));
    if (n) memcpy(rec + 12, ev->p, n);
    put_u32le(rec + 12 + n, gt_crc32c_mask(gt_crc32c(0, ev->p, n)));
    errno = 0;
    /* one fwrite per record and a flush: what is logged survives a crash */
    int ok = fwrite(rec, 1, n + 16, w->f) == n + 16 && fflush(w->f) == 0;
    free(rec);
    if (!ok) return gt_error_set("cannot write %s: %s", w->path, strerror(errno ? errno : EIO));
    return GT_OK;
}

static int write_event(gt_tfevents *w, int64_t step, int field, pb *body) {
    pb ev = {0};
    event(&ev, step, field, body);
    int rc = write_record(w, &ev);
    free(ev.p);
    free(body->p);
    body->p = NULL;
    return rc;
}

/* ---- writer ------------------------------------------------------------- */

/* *exists is set when the name is taken (the caller may try another). */
static gt_tfevents *open_path(const char *path, int *exists) {
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0) {
        *exists = errno == EEXIST;
        gt_error_set("cannot create %s: %s", path, strerror(errno));
        return NULL;
    }
    gt_tfevents *w = gt_xcalloc(1, sizeof *w);
    w->path = gt_xstrdup(path);
    w->f = gt_fault_wrap(fdopen(fd, "wb"), path);
    if (!w->f) {
        gt_error_set("cannot create %s: %s", path, strerror(errno));
        close(fd);
        free(w->path);
        free(w);
        return NULL;
    }
    static const char version[] = "brain.Event:2";
    pb ev = {0};
    pb_double(&ev, 1, wall_time());
    pb_bytes(&ev, 3, version, sizeof version - 1);
    int rc = write_record(w, &ev);
    free(ev.p);
    if (rc) {
        fclose(w->f);
        unlink(w->path);
        free(w->path);
        free(w);
        return NULL;
    }
    return w;
}

gt_tfevents *gt_tfevents_open_path(const char *path) {
    int exists = 0;
    return open_path(path, &exists);
}

gt_tfevents *gt_tfevents_open(const char *dir) {
    char host[256] = "localhost";
    if (gethostname(host, sizeof host - 1) != 0 || !host[0]) strcpy(host, "localhost");
    host[sizeof host - 1] = 0;
    for (char *s = host; *s; s++)
        if (*s == '/') *s = '_';
    long t = (long)time(NULL);
    size_t len = strlen(dir) + strlen(host) + 64;
    char *path = gt_xmalloc(len);
    gt_tfevents *w = NULL;
    int exists = 1;
    /* two writers in one second (a quick restart) must not share a file */
    for (int k = 0; k < 100 && !w && exists; k++) {
        if (k)
            snprintf(path, len, "%s/events.out.tfevents.%ld.%s.%d", dir, t, host, k);
        else
            snprintf(path, len, "%s/events.out.tfevents.%ld.%s", dir, t, host);
        exists = 0;
        w = open_path(path, &exists);
    }
    free(path);
    return w;
}

const char *gt_tfevents_path(const gt_tfevents *w) { return w->path; }

int gt_tfevents_close(gt_tfevents *w) {
    if (!w) return GT_OK;
    int rc = GT_OK;
    errno = 0;
    if (gt_fsync(w->f) != 0)
        rc = gt_error_set("cannot write %s: %s", w->path, strerror(errno ? errno : EIO));
    if (fclose(w->f) != 0 && rc == GT_OK)
        rc = gt_error_set("cannot write %s: %s", w->path, strerror(errno ? errno : EIO));
    free(w->path);
    free(w);
    return rc;
}

int gt_tfevents_scalars(gt_tfevents *w, int64_t step, int n, const char *const *tags,
                        const float *values) {
    pb summary = {0}, value = {0};
    for (int i = 0; i < n; i++) {
        value.n = 0;
        pb_bytes(&value, 1, tags[i], strlen(tags[i]));
        pb_float_always(&value, 2, values[i]);
        pb_bytes(&summary, 1, value.p, value.n);
    }
    free(value.p);
    return write_event(w, step, 5, &summary);
}

int gt_tfevents_scalar(gt_tfevents *w, int64_t step, const char *tag, float value) {
    return gt_tfevents_scalars(w, step, 1, &tag, &value);
}

int gt_tfevents_image(gt_tfevents *w, int64_t step, const char *tag, const uint8_t *pix,
                      int width, int height, int channels) {
    uint8_t *png = NULL;
    size_t png_len = 0;
    if (gt_png_encode(pix, width, height, channels, &png, &png_len)) {
        gt_error_prefix("%s: image '%s'", w->path, tag);
        return GT_ERR;
    }
    /* colorspace: 1 grey, 3 RGB, 4 RGBA (summary.proto) */
    pb image = {0}, value = {0}, summary = {0};
    pb_int(&image, 1, height);
    pb_int(&image, 2, width);
    pb_int(&image, 3, channels);
    pb_bytes(&image, 4, png, png_len);
    free(png);
    pb_bytes(&value, 1, tag, strlen(tag));
    pb_bytes(&value, 4, image.p, image.n);
    pb_bytes(&summary, 1, value.p, value.n);
    free(image.p);
    free(value.p);
    return write_event(w, step, 5, &summary);
}

int gt_tfevents_grid(gt_tfevents *w, int64_t step, const char *tag, const gt_tensor *imgs,
                     int nrow, int pad) {
    int gw, gh, gc;
    uint8_t *pix = gt_grid_pixels(imgs, nrow, pad, 0, &gw, &gh, &gc);
    int rc = gt_tfevents_image(w, step, tag, pix, gw, gh, gc);
    free(pix);
    return rc;
}

int gt_tfevents_session_start(gt_tfevents *w, int64_t step) {
    pb log = {0};
    pb_int(&log, 1, 1); /* SessionLog.START */
    return write_event(w, step, 7, &log);
}
