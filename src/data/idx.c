/* idx.c — MNIST and Fashion-MNIST: IDX image and label files, raw or
 * gzip-compressed (told by the gzip magic, not the name).
 *
 * A gzip file is inflated in one pass straight into the final buffer: the
 * header into a few bytes, then every pixel into the [N, 28, 28] array, so
 * Fashion-MNIST's 47 MB cost one zlib pass and no copies.  zlib checks the
 * gzip trailer (CRC-32 and length), so a corrupt file cannot pass as data. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/sysmem.h"
#include "internal.h"

/* ---- a byte source: a raw file or a gzip stream ----------------------- */

typedef struct src {
    FILE *f;
    const char *path;
    int gz, zinit, ended; /* ended: gzip stream finished cleanly */
    z_stream zs;
    unsigned char *in;
    size_t in_cap;
    int64_t produced; /* data bytes delivered so far */
    int64_t file_size;
} src;

#define IN_CHUNK (1u << 20)

static int src_open(src *s, const char *path) {
    memset(s, 0, sizeof *s);
    s->path = path;
    s->f = fopen(path, "rb");
    if (!s->f) return gt_error_set("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    s->file_size = fstat(fileno(s->f), &st) == 0 ? (int64_t)st.st_size : -1;
    int c0 = getc(s->f), c1 = getc(s->f);
    rewind(s->f);
    if (c0 == 0x1f && c1 == 0x8b) {
        s->gz = 1;
        s->in_cap = IN_CHUNK;
        s->in = gt_xmalloc(s->in_cap);
        if (inflateInit2(&s->zs, 16 + MAX_WBITS) != Z_OK) {
            fclose(s->f);
            free(s->in);
            return gt_error_set("%s: cannot start zlib", path);
        }
        s->zinit = 1;
    }
    return GT_OK;
}

static void src_close(src *s) {
    if (s->zinit) inflateEnd(&s->zs);
    if (s->f) fclose(s->f);
    free(s->in);
    memset(s, 0, sizeof *s);
}

/* Reads up to n bytes of data into buf; *got < n only at the end of the
 * data.  GT_ERR for read errors and for damaged gzip streams. */
static int src_read(src *s, void *buf, size_t n, size_t *got) {
    *got = 0;
    if (!s->gz) {
        *got = fread(buf, 1, n, s->f);
        if (ferror(s->f)) return gt_error_set("%s: read error: %s", s->path, strerror(errno));
        s->produced += (int64_t)*got;
        return GT_OK;
    }
    unsigned char *out = buf;
    while (*got < n && !s->ended) {
        if (s->zs.avail_in == 0) {
            size_t r = fread(s->in, 1, s->in_cap, s->f);
            if (ferror(s->f)) return gt_error_set("%s: read error: %s", s->path, strerror(errno));
            if (r == 0)
                return gt_error_set("%s: truncated gzip stream (the file ends after %lld bytes of "
                                    "data); download it again",
                                    s->path, (long long)(s->produced + (int64_t)*got));
            s->zs.next_in = s->in;
            s->zs.avail_in = (uInt)r;
        }
        size_t want = n - *got;
        if (want > (1u << 30)) want = 1u << 30;
        s->zs.next_out = out + *got;
        s->zs.avail_out = (uInt)want;
        int ret = inflate(&s->zs, Z_NO_FLUSH);
        *got += want - s->zs.avail_out;
        if (ret == Z_STREAM_END) {
            /* another gzip member may follow (gzip allows concatenation) */
            if (s->zs.avail_in == 0) {
                int c = getc(s->f);
                if (c == EOF) {
                    s->ended = 1;
                    break;
                }
                ungetc(c, s->f);
            }
            inflateReset(&s->zs);
        } else if (ret == Z_DATA_ERROR || ret == Z_NEED_DICT || ret == Z_STREAM_ERROR) {
            return gt_error_set("%s: corrupt gzip data (%s); download the file again", s->path,
                                s->zs.msg ? s->zs.msg : "bad stream");
        } else if (ret == Z_MEM_ERROR) {
            return gt_error_set("%s: out of memory inflating", s->path);
        }
        /* Z_BUF_ERROR with input left cannot happen (avail_out > 0); with
         * no input left the next turn reads more or reports truncation */
    }
    s->produced += (int64_t)*got;
    return GT_OK;
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int gt__idx_read(const char *path, int want_ndim, int64_t *dims, uint8_t **data, int *gz) {
    src s;
    if (src_open(&s, path)) return GT_ERR;
    *gz = s.gz;
    *data = NULL;
    unsigned char hdr[4 + 4 * 4];
    size_t got;
    int rc = src_read(&s, hdr, 4, &got);
    if (!rc && got == 0) rc = gt_error_set("%s: empty file; download it again", path);
    if (!rc && got < 4) rc = gt_error_set("%s: truncated: %zu bytes, shorter than an IDX header", path, got);
    if (!rc) {
        uint32_t magic = be32(hdr), want = 0x0800u | (uint32_t)want_ndim;
        if (magic != want)
            rc = gt_error_set("%s: not an IDX %s file: magic 0x%08x, want 0x%08x (unsigned bytes, "
                              "%d dimension%s); is it the right file?",
                              path, want_ndim == 1 ? "label" : "image", magic, want, want_ndim,
                              want_ndim > 1 ? "s" : "");
    }
    if (!rc) rc = src_read(&s, hdr + 4, 4 * (size_t)want_ndim, &got);
    if (!rc && got < 4 * (size_t)want_ndim)
        rc = gt_error_set("%s: truncated in the IDX header; download it again", path);
    int64_t total = 1;
    for (int d = 0; !rc && d < want_ndim; d++) {
        dims[d] = be32(hdr + 4 + 4 * d);
        int64_t lim = d == 0 ? 100000000 : 4096;
        if (dims[d] > lim || (d > 0 && dims[d] == 0))
            rc = gt_error_set("%s: implausible IDX dimension %lld in the header; not an IDX file "
                              "of images?",
                              path, (long long)dims[d]);
        else
            total *= dims[d]; /* at most 1e8 * 4096 * 4096: no overflow */
    }
    /* the header alone must not make us allocate: a raw file cannot hold
     * more than its size, and deflate expands at most 1032:1 */
    int64_t hdr_len = 4 + 4 * (int64_t)want_ndim;
    int64_t most = s.file_size < 0 ? INT64_MAX
                   : s.gz          ? s.file_size * 1032
                                   : (s.file_size > hdr_len ? s.file_size - hdr_len : 0);
    if (!rc && total > most) {
        char what[64];
        if (want_ndim == 1)
            snprintf(what, sizeof what, "%lld labels", (long long)dims[0]);
        else
            snprintf(what, sizeof what, "%lld images of %lldx%lld", (long long)dims[0],
                     (long long)dims[2], (long long)dims[1]); /* width x height */
        if (s.gz)
            rc = gt_error_set("%s: truncated: the header promises %s (%lld bytes of data), more than "
                              "a gzip file of %lld bytes can hold; download it again",
                              path, what, (long long)total, (long long)s.file_size);
        else
            rc = gt_error_set("%s: truncated: the header promises %s (%lld bytes of data) but the "
                              "file holds %lld; download it again",
                              path, what, (long long)total, (long long)most);
    }
    if (!rc && (uint64_t)total > gt_mem_budget()) {
        char b1[32], b2[32];
        rc = gt_error_set("%s: the header promises %s of data, more than the %s of %s", path,
                          gt_fmt_bytes((double)total, b1, sizeof b1), gt_fmt_bytes((double)gt_mem_budget(), b2, sizeof b2),
                          gt_mem_budget_source());
    }
    if (!rc) {
        *data = gt_xmalloc(total ? (size_t)total : 1);
        rc = src_read(&s, *data, (size_t)total, &got);
        if (!rc && (int64_t)got < total) {
            char what[64];
            if (want_ndim == 1)
                snprintf(what, sizeof what, "%lld labels", (long long)dims[0]);
            else
                snprintf(what, sizeof what, "%lld images of %lldx%lld", (long long)dims[0],
                         (long long)dims[2], (long long)dims[1]); /* width x height */
            rc = gt_error_set("%s: truncated: the header promises %s (%lld bytes of data) but the "
                              "file holds %zu; download it again",
                              path, what, (long long)total, got);
        }
    }
    if (!rc) {
        unsigned char extra[16];
        rc = src_read(&s, extra, sizeof extra, &got);
        if (!rc && got > 0)
            rc = gt_error_set("%s: more data than the IDX header describes (%lld %s of %lld "
                              "bytes); is it the right file?",
                              path, (long long)dims[0], want_ndim == 1 ? "labels" : "items",
                              (long long)(total / (dims[0] ? dims[0] : 1)));
    }
    src_close(&s);
    if (rc) {
        free(*data);
        *data = NULL;
    }
    return rc;
}

/* ---- MNIST / Fashion-MNIST -------------------------------------------- */

static const char *const fashion_names[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                              "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};

/* The file of one IDX part: "DIR/PREFIX-images-idx3-ubyte" with or without
 * ".gz", or the "PREFIX-images.idx3-ubyte" spelling some mirrors use. */
static int find_part(const gt_data_opts *o, const char *prefix, const char *part, char *out, size_t cap) {
    const char *forms[] = {"%s/%s-%s-ubyte.gz", "%s/%s-%s-ubyte", "%s/%s-%s-ubyte.gz", "%s/%s-%s-ubyte"};
    char alt[64];
    snprintf(alt, sizeof alt, "%s", part);
    char *dash = strchr(alt, '-');
    for (int i = 0; i < 4; i++) {
        if (i == 2 && dash) *dash = '.'; /* "images-idx3" -> "images.idx3" */
        snprintf(out, cap, forms[i], o->path, prefix, i < 2 ? part : alt);
        if (gt_path_exists(out)) return GT_OK;
    }
    snprintf(out, cap, "%s/%s-%s-ubyte.gz", o->path, prefix, part);
    if (!gt_is_dir(o->path))
        return gt_error_set("%s: no such directory (the %s dataset); %s", o->path, o->kind_name,
                            gt__fetch_hint(o));
    return gt_error_set("%s: not found (nor without .gz); %s", out, gt__fetch_hint(o));
}

static long long file_size(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* Reads one split ("train" or "t10k") and appends it to ds. */
static int load_part(gt_dataset *ds, const gt_data_opts *o, const char *prefix) {
    char ipath[1200], lpath[1200];
    if (find_part(o, prefix, "images-idx3", ipath, sizeof ipath)) return GT_ERR;
    if (find_part(o, prefix, "labels-idx1", lpath, sizeof lpath)) return GT_ERR;
    int64_t idims[3], ldims[1];
    uint8_t *img = NULL, *lab = NULL;
    int igz, lgz;
    if (gt__idx_read(ipath, 3, idims, &img, &igz)) return GT_ERR;
    if (gt__idx_read(lpath, 1, ldims, &lab, &lgz)) {
        free(img);
        return GT_ERR;
    }
    int rc = GT_OK;
    if (ldims[0] != idims[0])
        rc = gt_error_set("%s: %lld labels, but %s holds %lld images; the two files do not belong "
                          "together",
                          lpath, (long long)ldims[0], ipath, (long long)idims[0]);
    for (int64_t i = 0; !rc && i < ldims[0]; i++)
        if (lab[i] > 9)
            rc = gt_error_set("%s: label %d of item %lld is outside 0..9", lpath, lab[i], (long long)i);
    if (!rc && ds->count > 0 && (idims[1] != ds->h || idims[2] != ds->w))
        rc = gt_error_set("%s: images are %lldx%lld, the train split's %dx%d", ipath,
                          (long long)idims[2], (long long)idims[1], ds->w, ds->h);
    if (rc) {
        free(img);
        free(lab);
        return rc;
    }
    int64_t n = idims[0], sz = idims[1] * idims[2];
    if (ds->count == 0) {
        ds->pix = img;
        ds->labels = gt_xmalloc((size_t)(n ? n : 1) * sizeof *ds->labels);
    } else {
        ds->pix = gt_xrealloc(ds->pix, (size_t)(ds->count + n) * (size_t)sz);
        memcpy(ds->pix + ds->count * sz, img, (size_t)(n * sz));
        free(img);
        ds->labels = gt_xrealloc(ds->labels, (size_t)(ds->count + n) * sizeof *ds->labels);
    }
    for (int64_t i = 0; i < n; i++) ds->labels[ds->count + i] = lab[i];
    free(lab);
    ds->c = 1, ds->h = (int)idims[1], ds->w = (int)idims[2];
    ds->dim = ds->h * ds->w;
    ds->count += n;
    gt__desc(ds, "read %s (%s, %lld bytes): %lld images %lldx%lld", ipath, igz ? "gzip" : "raw",
             file_size(ipath), (long long)n, (long long)idims[2], (long long)idims[1]);
    gt__desc(ds, "read %s (%s, %lld bytes): %lld labels", lpath, lgz ? "gzip" : "raw", file_size(lpath),
             (long long)n);
    return GT_OK;
}

int gt__idx_load(gt_dataset *ds, const gt_data_opts *o) {
    gt__desc(ds, "directory %s", o->path);
    if (o->split != GT_SPLIT_TEST && load_part(ds, o, "train")) return GT_ERR;
    if (o->split != GT_SPLIT_TRAIN && load_part(ds, o, "t10k")) return GT_ERR;
    if (ds->count == 0) return gt_error_set("%s: the IDX files hold no images", o->path);
    ds->n_classes = 10;
    ds->class_names = gt_xmalloc(10 * sizeof *ds->class_names);
    for (int k = 0; k < 10; k++) {
        char digit[2] = {(char)('0' + k), 0};
        ds->class_names[k] = gt_xstrdup(o->kind == GT_DATA_FASHION_MNIST ? fashion_names[k] : digit);
    }
    return GT_OK;
}
