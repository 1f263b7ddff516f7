/* ckpt.c — the .gtck checkpoint file: atomic streaming writer, validating
 * reader, parameter/optimizer helpers and the `info` printout.  The layout
 * is documented in include/gantrain/ckpt.h. */
#include "gantrain/ckpt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gantrain/crc.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"

/* Tensor data goes to disk as the host's floats: only little-endian hosts
 * write the documented format without a byte swap. */
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "gantrain checkpoints assume a little-endian host"
#endif

static const unsigned char MAGIC[8] = {0x89, 'G', 'T', 'C', 'K', '\r', '\n', 0x1a};
enum { DTYPE_F32 = 1 };
/* Elements per chunk when streaming data through a buffer. */
enum { CHUNK = 1 << 14 };

/* ---- little-endian byte buffer ------------------------------------------ */

typedef struct buf {
    unsigned char *p;
    size_t n, cap;
} buf;

static void buf_put(buf *b, const void *d, size_t n) {
    if (b->n + n > b->cap) {
        b->cap = (b->n + n) * 2 + 256;
        b->p = gt_xrealloc(b->p, b->cap);
    }
    if (n) memcpy(b->p + b->n, d, n);
    b->n += n;
}
static void put_u8(buf *b, unsigned v) {
    unsigned char c = (unsigned char)v;
    buf_put(b, &c, 1);
}
static void put_le(buf *b, uint64_t v, int bytes) {
    unsigned char c[8];
    for (int i = 0; i < bytes; i++) c[i] = (unsigned char)(v >> (8 * i));
    buf_put(b, c, (size_t)bytes);
}
static uint64_t get_le(const unsigned char *p, int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; i++) v |= (uint64_t)p[i] << (8 * i);
    return v;
}
static void set_le(unsigned char *p, uint64_t v, int bytes) {
    for (int i = 0; i < bytes; i++) p[i] = (unsigned char)(v >> (8 * i));
}
static uint64_t align_up(uint64_t x) { return (x + GT_CKPT_ALIGN - 1) / GT_CKPT_ALIGN * GT_CKPT_ALIGN; }

static uint64_t f64_bits(double d) {
    uint64_t u;
    memcpy(&u, &d, 8);
    return u;
}
static double bits_f64(uint64_t u) {
    double d;
    memcpy(&d, &u, 8);
    return d;
}

static char *shape_str(int ndim, const int *shape, char *out, size_t size) {
    gt_tensor t = {.ndim = ndim};
    for (int i = 0; i < ndim && i < GT_MAX_DIMS; i++) t.shape[i] = shape[i];
    return gt_shape_str(&t, out, size);
}

/* ---- writer ------------------------------------------------------------- */

typedef struct wmeta {
    char *key;
    gt_ckpt_meta_type type;
    int64_t i;
    double f;
    unsigned char *data;
    size_t len;
} wmeta;

typedef struct wtensor {
    char *name;
    int ndim, shape[GT_MAX_DIMS];
    int64_t numel;
    const float *data;       /* or: */
    gt_ckpt_fill_fn fill;
    void *ctx;
    uint64_t offset;
    uint32_t crc;
} wtensor;

struct gt_ckpt_writer {
    char *config;
    wmeta *meta;
    int n_meta, cap_meta;
    wtensor *t;
    int n_t, cap_t;
};

gt_ckpt_writer *gt_ckpt_writer_new(const char *config_text) {
    gt_ckpt_writer *w = gt_xcalloc(1, sizeof *w);
    w->config = gt_xstrdup(config_text ? config_text : "");
    return w;
}

void gt_ckpt_writer_free(gt_ckpt_writer *w) {
    if (!w) return;
    for (int i = 0; i < w->n_meta; i++) {
        free(w->meta[i].key);
        free(w->meta[i].data);
    }
    for (int i = 0; i < w->n_t; i++) {
        free(w->t[i].name);
    }
    free(w->meta);
    free(w->t);
    free(w->config);
    free(w);
}

static wmeta *meta_new(gt_ckpt_writer *w, const char *key, gt_ckpt_meta_type type) {
    size_t kl = strlen(key);
    GT_ASSERTF(kl > 0 && kl <= 0xffff, "checkpoint metadata key of length %zu", kl);
    for (int i = 0; i < w->n_meta; i++)
        GT_ASSERTF(strcmp(w->meta[i].key, key) != 0, "checkpoint metadata '%s' added twice", key);
    if (w->n_meta == w->cap_meta) {
        w->cap_meta = w->cap_meta ? 2 * w->cap_meta : 16;
        w->meta = gt_xrealloc(w->meta, (size_t)w->cap_meta * sizeof *w->meta);
    }
    wmeta *m = &w->meta[w->n_meta++];
    memset(m, 0, sizeof *m);
    m->key = gt_xstrdup(key);
    m->type = type;
    return m;
}

void gt_ckpt_put_i64(gt_ckpt_writer *w, const char *key, int64_t v) {
    meta_new(w, key, GT_META_I64)->i = v;
}

void gt_ckpt_put_f64(gt_ckpt_writer *w, const char *key, double v) {
    meta_new(w, key, GT_META_F64)->f = v;
}

static void meta_bytes(gt_ckpt_writer *w, const char *key, gt_ckpt_meta_type type,
                       const void *data, size_t len) {
    GT_ASSERTF(len <= 0xffffffffu, "checkpoint metadata '%s' of %zu bytes", key, len);
    wmeta *m = meta_new(w, key, type);
    m->data = gt_xmalloc(len + 1);
    if (len) memcpy(m->data, data, len);
    m->data[len] = 0;
    m->len = len;
}

void gt_ckpt_put_str(gt_ckpt_writer *w, const char *key, const char *s) {
    meta_bytes(w, key, GT_META_STR, s, strlen(s));
}

void gt_ckpt_put_blob(gt_ckpt_writer *w, const char *key, const void *data, size_t len) {
    meta_bytes(w, key, GT_META_BLOB, data, len);
}

void gt_ckpt_put_rng(gt_ckpt_writer *w, const char *key, const gt_rng *r) {
    buf b = {0};
    for (int i = 0; i < 4; i++) put_le(&b, r->s[i], 8);
    put_le(&b, r->has_spare, 4);
    uint32_t sb;
    memcpy(&sb, &r->spare, 4);
    put_le(&b, sb, 4);
    GT_ASSERT(b.n == GT_CKPT_RNG_BYTES);
    gt_ckpt_put_blob(w, key, b.p, b.n);
    free(b.p);
}

static wtensor *tensor_new(gt_ckpt_writer *w, const char *name, int ndim, const int *shape) {
    size_t nl = strlen(name);
    GT_ASSERTF(nl > 0 && nl <= 0xffff, "checkpoint tensor name of length %zu", nl);
    GT_ASSERTF(ndim >= 0 && ndim <= GT_MAX_DIMS, "checkpoint tensor '%s' with %d dims", name, ndim);
    for (int i = 0; i < w->n_t; i++)
        GT_ASSERTF(strcmp(w->t[i].name, name) != 0, "checkpoint tensor '%s' added twice", name);
    if (w->n_t == w->cap_t) {
        w->cap_t = w->cap_t ? 2 * w->cap_t : 32;
        w->t = gt_xrealloc(w->t, (size_t)w->cap_t * sizeof *w->t);
    }
    wtensor *t = &w->t[w->n_t++];
    memset(t, 0, sizeof *t);
    t->name = gt_xstrdup(name);
    t->ndim = ndim;
    for (int i = 0; i < GT_MAX_DIMS; i++) {
        t->shape[i] = i < ndim ? shape[i] : 1;
        GT_ASSERTF(t->shape[i] >= 0, "checkpoint tensor '%s' has a negative dim", name);
    }
    t->numel = gt_shape_numel(ndim, shape);
    return t;
}

void gt_ckpt_add(gt_ckpt_writer *w, const char *name, int ndim, const int *shape,
                 const float *data) {
    wtensor *t = tensor_new(w, name, ndim, shape);
    GT_ASSERTF(data || t->numel == 0, "checkpoint tensor '%s' has no data", name);
    t->data = data;
}

void gt_ckpt_add_fill(gt_ckpt_writer *w, const char *name, int ndim, const int *shape,
                      gt_ckpt_fill_fn fill, void *ctx) {
    wtensor *t = tensor_new(w, name, ndim, shape);
    t->fill = fill;
    t->ctx = ctx;
}

void gt_ckpt_add_params(gt_ckpt_writer *w, const gt_params *p) {
    GT_ASSERTF(p->sealed, "checkpoint of unsealed parameter block '%s'", p->name);
    for (int i = 0; i < p->n; i++) gt_ckpt_add(w, p->t[i]->name, p->t[i]->ndim, p->t[i]->shape,
                                               p->t[i]->data);
}

static const char *optim_name_slice(char *out, size_t size, const char *key, int k,
                                    const char *pname) {
    snprintf(out, size, "%s/s%d/%s", key, k, pname);
    return out;
}

static float *optim_state(const gt_optim *o, int k) { return k == 1 ? o->s1 : k == 2 ? o->s2 : o->s3; }

void gt_ckpt_add_optim(gt_ckpt_writer *w, const char *key, const gt_optim *o,
                       const gt_params *p) {
    GT_ASSERTF(p->sealed && o->n == p->n_values,
               "optimizer '%s' steps %" PRId64 " values, block '%s' has %" PRId64, key, o->n,
               p->name, p->n_values);
    char k_kind[256], k_ns[256], k_step[256];
    snprintf(k_kind, sizeof k_kind, "%s.kind", key);
    snprintf(k_ns, sizeof k_ns, "%s.n_state", key);
    snprintf(k_step, sizeof k_step, "%s.step", key);
    gt_ckpt_put_str(w, k_kind, gt_optim_name(o->cfg.kind));
    gt_ckpt_put_i64(w, k_ns, o->n_state);
    gt_ckpt_put_i64(w, k_step, o->step);
    for (int k = 1; k <= o->n_state; k++) {
        const float *s = optim_state(o, k);
        GT_ASSERTF(s, "optimizer '%s' has no state array s%d", key, k);
        for (int i = 0; i < p->n; i++) {
            const gt_tensor *t = p->t[i];
            if (gt_params_is_buffer(p, t)) continue;
            int64_t off = t->data - p->data;
            GT_ASSERT(off >= 0 && off + t->n <= p->n_values);
            char name[1024];
            gt_ckpt_add(w, optim_name_slice(name, sizeof name, key, k, t->name), t->ndim, t->shape,
                        s + off);
        }
    }
}

/* The index with the tensors' current offsets and CRCs. */
static void build_index(const gt_ckpt_writer *w, buf *b) {
    b->n = 0;
    size_t cl = strlen(w->config);
    GT_ASSERTF(cl <= 0xffffffffu, "config text of %zu bytes", cl);
    put_le(b, cl, 4);
    buf_put(b, w->config, cl);
    for (int i = 0; i < w->n_meta; i++) {
        const wmeta *m = &w->meta[i];
        size_t kl = strlen(m->key);
        put_le(b, kl, 2);
        buf_put(b, m->key, kl);
        put_u8(b, m->type);
        switch (m->type) {
        case GT_META_I64: put_le(b, (uint64_t)m->i, 8); break;
        case GT_META_F64: put_le(b, f64_bits(m->f), 8); break;
        case GT_META_STR:
        case GT_META_BLOB:
            put_le(b, m->len, 4);
            buf_put(b, m->data, m->len);
            break;
        }
    }
    for (int i = 0; i < w->n_t; i++) {
        const wtensor *t = &w->t[i];
        size_t nl = strlen(t->name);
        put_le(b, nl, 2);
        buf_put(b, t->name, nl);
        put_u8(b, DTYPE_F32);
        put_u8(b, (unsigned)t->ndim);
        for (int d = 0; d < t->ndim; d++) put_le(b, (uint32_t)t->shape[d], 4);
        put_le(b, t->offset, 8);
        put_le(b, (uint64_t)t->numel * 4, 8);
        put_le(b, t->crc, 4);
    }
}

static void build_header(unsigned char h[GT_CKPT_HEADER_SIZE], const gt_ckpt_writer *w,
                         uint64_t file_size, uint64_t index_size, uint64_t data_offset,
                         uint32_t index_crc) {
    memset(h, 0, GT_CKPT_HEADER_SIZE);
    memcpy(h, MAGIC, 8);
    set_le(h + 8, GT_CKPT_VERSION, 4);
    set_le(h + 16, file_size, 8);
    set_le(h + 24, index_size, 8);
    set_le(h + 32, data_offset, 8);
    set_le(h + 40, (uint64_t)w->n_meta, 4);
    set_le(h + 44, (uint64_t)w->n_t, 4);
    set_le(h + 48, index_crc, 4);
    set_le(h + 60, gt_crc32(0, h, 60), 4);
}

static int write_err(const char *path) {
    int e = errno ? errno : EIO;
    return gt_error_set("cannot write %s: %s", path, strerror(e));
}

static int write_zeros(FILE *f, uint64_t n) {
    static const unsigned char z[GT_CKPT_ALIGN];
    while (n > 0) {
        size_t k = n > sizeof z ? sizeof z : (size_t)n;
        if (fwrite(z, 1, k, f) != k) return GT_ERR;
        n -= k;
    }
    return GT_OK;
}

/* Streams one tensor's data, computing its CRC on the way. */
static int write_tensor(FILE *f, const char *path, wtensor *t, float *chunk) {
    uint32_t crc = 0;
    for (int64_t s = 0; s < t->numel; s += CHUNK) {
        int64_t n = t->numel - s < CHUNK ? t->numel - s : CHUNK;
        const float *src;
        if (t->fill) {
            if (t->fill(t->ctx, chunk, s, n)) {
                gt_error_prefix("cannot write %s: tensor '%s'", path, t->name);
                return GT_ERR;
            }
            src = chunk;
        } else {
            src = t->data + s;
        }
        crc = gt_crc32(crc, src, (size_t)n * 4);
        errno = 0;
        if (fwrite(src, 4, (size_t)n, f) != (size_t)n) return write_err(path);
    }
    t->crc = crc;
    return GT_OK;
}

int gt_ckpt_write(gt_ckpt_writer *w, const char *path) {
    buf idx = {0};
    for (int i = 0; i < w->n_t; i++) w->t[i].crc = 0;
    build_index(w, &idx); /* offsets and CRCs do not change its size */
    uint64_t index_size = idx.n;
    uint64_t data_offset = align_up(GT_CKPT_HEADER_SIZE + index_size), end = data_offset;
    for (int i = 0; i < w->n_t; i++) {
        w->t[i].offset = align_up(end);
        end = w->t[i].offset + (uint64_t)w->t[i].numel * 4;
    }
    build_index(w, &idx);
    unsigned char h[GT_CKPT_HEADER_SIZE];
    build_header(h, w, end, index_size, data_offset, 0);

    gt_atomic_file af;
    if (gt_atomic_open(&af, path)) {
        free(idx.p);
        return GT_ERR;
    }
    float *chunk = NULL;
    errno = 0;
    /* header and index first with placeholder CRCs, then the data, then the
     * header and index again with the CRCs computed while streaming */
    if (fwrite(h, 1, sizeof h, af.f) != sizeof h || fwrite(idx.p, 1, idx.n, af.f) != idx.n ||
        write_zeros(af.f, data_offset - GT_CKPT_HEADER_SIZE - index_size)) {
        write_err(path);
        goto fail;
    }
    uint64_t pos = data_offset;
    for (int i = 0; i < w->n_t; i++) {
        wtensor *t = &w->t[i];
        if (t->fill && !chunk) chunk = gt_xmalloc(CHUNK * sizeof *chunk);
        errno = 0;
        if (write_zeros(af.f, t->offset - pos)) {
            write_err(path);
            goto fail;
        }
        if (write_tensor(af.f, path, t, chunk)) goto fail;
        pos = t->offset + (uint64_t)t->numel * 4;
    }
    build_index(w, &idx);
    GT_ASSERT(idx.n == index_size);
    build_header(h, w, end, index_size, data_offset, gt_crc32(0, idx.p, idx.n));
    errno = 0;
    if (fseeko(af.f, 0, SEEK_SET) != 0 || fwrite(h, 1, sizeof h, af.f) != sizeof h ||
        fwrite(idx.p, 1, idx.n, af.f) != idx.n) {
        write_err(path);
        goto fail;
    }
    free(chunk);
    free(idx.p);
    return gt_atomic_commit(&af);
fail:
    gt_atomic_abort(&af);
    free(chunk);
    free(idx.p);
    return GT_ERR;
}

/* ---- reader ------------------------------------------------------------- */

struct gt_ckpt {
    char *path;
    FILE *f;
    uint64_t size;
    int version;
    char *config;
    unsigned char *index; /* names and strings point into a copy of it */
    gt_ckpt_meta *meta;
    int n_meta;
    gt_ckpt_tensor *t;
    int n_t;
};

void gt_ckpt_close(gt_ckpt *ck) {
    if (!ck) return;
    if (ck->f) fclose(ck->f);
    free(ck->path);
    free(ck->config);
    free(ck->index);
    free(ck->meta);
    free(ck->t);
    free(ck);
}

/* A bounds-checked cursor over the index. */
typedef struct cursor {
    unsigned char *p, *end;
    int bad;
} cursor;

static unsigned char *take(cursor *c, uint64_t n) {
    if (c->bad || (uint64_t)(c->end - c->p) < n) {
        c->bad = 1;
        return NULL;
    }
    unsigned char *r = c->p;
    c->p += n;
    return r;
}
static uint64_t take_le(cursor *c, int bytes) {
    unsigned char *p = take(c, (uint64_t)bytes);
    return p ? get_le(p, bytes) : 0;
}

/* Reads n bytes at off; the caller has checked the range against the size. */
static int read_at(gt_ckpt *ck, uint64_t off, void *dst, size_t n) {
    if (fseeko(ck->f, (off_t)off, SEEK_SET) != 0 || fread(dst, 1, n, ck->f) != n)
        return gt_error_set("%s: read error at byte %" PRIu64 ": %s", ck->path, off,
                            ferror(ck->f) ? strerror(errno) : "unexpected end of file");
    return GT_OK;
}

static int parse_index(gt_ckpt *ck, unsigned char *p, uint64_t size, uint32_t n_meta,
                       uint32_t n_t, uint64_t data_offset) {
    cursor c = {p, p + size, 0};
    /* a corrupt count must not make us allocate gigabytes: each entry takes
     * at least 4 bytes of index */
    if ((uint64_t)n_meta + n_t > size / 4 + 1)
        return gt_error_set("%s: tensor table is malformed (file is corrupt)", ck->path);
    uint64_t cl = take_le(&c, 4);
    unsigned char *cfg = take(&c, cl);
    if (c.bad) return gt_error_set("%s: tensor table is malformed (file is corrupt)", ck->path);
    ck->config = gt_xmalloc(cl + 1);
    memcpy(ck->config, cfg, cl);
    ck->config[cl] = 0;
    if (memchr(ck->config, 0, cl))
        return gt_error_set("%s: config text contains a NUL byte (file is corrupt)", ck->path);

    ck->meta = gt_xcalloc(n_meta ? n_meta : 1, sizeof *ck->meta);
    ck->t = gt_xcalloc(n_t ? n_t : 1, sizeof *ck->t);
    /* keys, names and strings are copied, NUL-terminated, into one area
     * that outlives the raw index */
    char *strs = gt_xmalloc(size + 2 * (size_t)n_meta + n_t + 1); /* bytes + NULs */
    size_t sn = 0;
    for (uint32_t i = 0; i < n_meta; i++) {
        gt_ckpt_meta *m = &ck->meta[i];
        uint64_t kl = take_le(&c, 2);
        unsigned char *k = take(&c, kl);
        unsigned type = (unsigned)take_le(&c, 1);
        if (c.bad || kl == 0) break;
        memcpy(strs + sn, k, kl);
        strs[sn + kl] = 0;
        m->key = strs + sn;
        sn += kl + 1;
        m->type = (gt_ckpt_meta_type)type;
        if (type == GT_META_I64) {
            m->i = (int64_t)take_le(&c, 8);
        } else if (type == GT_META_F64) {
            m->f = bits_f64(take_le(&c, 8));
        } else if (type == GT_META_STR || type == GT_META_BLOB) {
            uint64_t l = take_le(&c, 4);
            unsigned char *d = take(&c, l);
            if (c.bad) break;
            memcpy(strs + sn, d, l);
            strs[sn + l] = 0;
            m->data = strs + sn;
            m->len = l;
            sn += l + 1;
        } else {
            free(strs);
            return gt_error_set("%s: metadata '%s' has unknown type %u (file is corrupt)",
                                ck->path, m->key, type);
        }
        ck->n_meta++;
    }
    for (uint32_t i = 0; i < n_t && !c.bad; i++) {
        gt_ckpt_tensor *t = &ck->t[i];
        uint64_t nl = take_le(&c, 2);
        unsigned char *nm = take(&c, nl);
        unsigned dtype = (unsigned)take_le(&c, 1), ndim = (unsigned)take_le(&c, 1);
        if (c.bad || nl == 0) break;
        memcpy(strs + sn, nm, nl);
        strs[sn + nl] = 0;
        t->name = strs + sn;
        sn += nl + 1;
        ck->n_t++; /* counted now so the string area is freed with the table */
        if (dtype != DTYPE_F32) {
            gt_error_set("%s: tensor '%s' has unsupported dtype %u (only float32)", ck->path,
                         t->name, dtype);
            goto fail;
        }
        if (ndim > GT_MAX_DIMS) {
            gt_error_set("%s: tensor '%s' has %u dims (at most %d; file is corrupt)", ck->path,
                         t->name, ndim, GT_MAX_DIMS);
            goto fail;
        }
        t->ndim = (int)ndim;
        /* saturating product: a corrupt shape must not overflow */
        uint64_t numel = 1, cap = (uint64_t)1 << 60;
        for (int d = 0; d < GT_MAX_DIMS; d++) {
            uint64_t v = d < (int)ndim ? take_le(&c, 4) : 1;
            if (v > 0x7fffffff) {
                gt_error_set("%s: tensor '%s' has a dim of %" PRIu64 " (file is corrupt)",
                             ck->path, t->name, v);
                goto fail;
            }
            t->shape[d] = (int)v;
            numel = v && numel > cap / v ? cap : numel * v;
        }
        t->numel = (int64_t)numel;
        t->offset = take_le(&c, 8);
        t->nbytes = take_le(&c, 8);
        t->crc = (uint32_t)take_le(&c, 4);
        if (c.bad) break;
        if (t->nbytes != (uint64_t)t->numel * 4) {
            char sh[96];
            gt_error_set("%s: tensor '%s' is %s but holds %" PRIu64 " bytes (file is corrupt)",
                         ck->path, t->name, shape_str(t->ndim, t->shape, sh, sizeof sh),
                         t->nbytes);
            goto fail;
        }
        if (t->offset < data_offset) {
            gt_error_set("%s: tensor '%s' starts at byte %" PRIu64 ", inside the header (file is corrupt)",
                         ck->path, t->name, t->offset);
            goto fail;
        }
        for (uint32_t j = 0; j < i; j++)
            if (!strcmp(ck->t[j].name, t->name)) {
                gt_error_set("%s: tensor '%s' appears twice (file is corrupt)", ck->path, t->name);
                goto fail;
            }
    }
    if (c.bad || ck->n_t != (int)n_t || ck->n_meta != (int)n_meta || c.p != c.end) {
        gt_error_set("%s: tensor table is malformed (file is corrupt)", ck->path);
        goto fail;
    }
    /* the index copy is no longer needed: keep the string area instead */
    free(ck->index);
    ck->index = (unsigned char *)strs;
    return GT_OK;
fail:
    free(ck->index);
    ck->index = (unsigned char *)strs;
    return GT_ERR;
}

gt_ckpt *gt_ckpt_open(const char *path) {
    gt_ckpt *ck = gt_xcalloc(1, sizeof *ck);
    ck->path = gt_xstrdup(path);
    ck->f = fopen(path, "rb");
    if (!ck->f) {
        gt_error_set("cannot read %s: %s", path, strerror(errno));
        goto fail;
    }
    struct stat st;
    if (fstat(fileno(ck->f), &st) != 0 || !S_ISREG(st.st_mode)) {
        gt_error_set("%s: not a regular file", path);
        goto fail;
    }
    ck->size = (uint64_t)st.st_size;
    unsigned char h[GT_CKPT_HEADER_SIZE];
    size_t have = ck->size < sizeof h ? (size_t)ck->size : sizeof h;
    if (read_at(ck, 0, h, have)) goto fail;
    if (memcmp(h, MAGIC, have < 8 ? have : 8) != 0) {
        gt_error_set("%s: not a gantrain checkpoint (bad magic)", path);
        goto fail;
    }
    if (have < sizeof h) {
        gt_error_set("%s: truncated: the header needs bytes 0..%d but the file has %" PRIu64,
                     path, GT_CKPT_HEADER_SIZE, ck->size);
        goto fail;
    }
    if (gt_crc32(0, h, 60) != (uint32_t)get_le(h + 60, 4)) {
        gt_error_set("%s: header CRC mismatch (file is corrupt)", path);
        goto fail;
    }
    uint32_t version = (uint32_t)get_le(h + 8, 4);
    if (version > GT_CKPT_VERSION) {
        gt_error_set("%s: version %u is newer than this gantrain (%d); use a newer gantrain", path,
                     version, GT_CKPT_VERSION);
        goto fail;
    }
    if (version == 0) {
        gt_error_set("%s: version 0 is not a valid checkpoint version (file is corrupt)", path);
        goto fail;
    }
    ck->version = (int)version;
    uint64_t file_size = get_le(h + 16, 8), index_size = get_le(h + 24, 8);
    uint64_t data_offset = get_le(h + 32, 8);
    uint32_t n_meta = (uint32_t)get_le(h + 40, 4), n_t = (uint32_t)get_le(h + 44, 4);
    uint32_t index_crc = (uint32_t)get_le(h + 48, 4);
    if (index_size > ck->size - GT_CKPT_HEADER_SIZE) {
        gt_error_set("%s: truncated: the tensor table needs bytes %d..%" PRIu64
                     " but the file has %" PRIu64,
                     path, GT_CKPT_HEADER_SIZE,
                     index_size > UINT64_MAX - GT_CKPT_HEADER_SIZE ? UINT64_MAX
                                                                  : GT_CKPT_HEADER_SIZE + index_size,
                     ck->size);
        goto fail;
    }
    if (data_offset < GT_CKPT_HEADER_SIZE + index_size) {
        gt_error_set("%s: data offset %" PRIu64 " overlaps the tensor table (file is corrupt)", path,
                     data_offset);
        goto fail;
    }
    ck->index = gt_xmalloc(index_size ? (size_t)index_size : 1);
    if (read_at(ck, GT_CKPT_HEADER_SIZE, ck->index, (size_t)index_size)) goto fail;
    if (gt_crc32(0, ck->index, (size_t)index_size) != index_crc) {
        gt_error_set("%s: CRC mismatch in the tensor table (file is corrupt)", path);
        goto fail;
    }
    if (parse_index(ck, ck->index, index_size, n_meta, n_t, data_offset)) goto fail;
    for (int i = 0; i < ck->n_t; i++) {
        const gt_ckpt_tensor *t = &ck->t[i];
        if (t->offset > ck->size || t->nbytes > ck->size - t->offset) {
            gt_error_set("%s: truncated: tensor '%s' needs bytes %" PRIu64 "..%" PRIu64
                         " but the file has %" PRIu64,
                         path, t->name, t->offset, t->offset + t->nbytes, ck->size);
            goto fail;
        }
    }
    if (ck->size < file_size || ck->size < data_offset) {
        gt_error_set("%s: truncated: the header says %" PRIu64 " bytes but the file has %" PRIu64,
                     path, file_size > data_offset ? file_size : data_offset, ck->size);
        goto fail;
    }
    if (ck->size > file_size) {
        gt_error_set("%s: %" PRIu64 " unexpected bytes after the end of the checkpoint (file is corrupt)",
                     path, ck->size - file_size);
        goto fail;
    }
    return ck;
fail:
    gt_ckpt_close(ck);
    return NULL;
}

const char *gt_ckpt_path(const gt_ckpt *ck) { return ck->path; }
int gt_ckpt_version(const gt_ckpt *ck) { return ck->version; }
uint64_t gt_ckpt_file_size(const gt_ckpt *ck) { return ck->size; }
const char *gt_ckpt_config(const gt_ckpt *ck) { return ck->config ? ck->config : ""; }
int gt_ckpt_n_tensors(const gt_ckpt *ck) { return ck->n_t; }

const gt_ckpt_tensor *gt_ckpt_tensor_at(const gt_ckpt *ck, int i) {
    GT_ASSERTF(i >= 0 && i < ck->n_t, "tensor index %d of %d", i, ck->n_t);
    return &ck->t[i];
}

const gt_ckpt_tensor *gt_ckpt_find(const gt_ckpt *ck, const char *name) {
    for (int i = 0; i < ck->n_t; i++)
        if (!strcmp(ck->t[i].name, name)) return &ck->t[i];
    return NULL;
}

int gt_ckpt_n_meta(const gt_ckpt *ck) { return ck->n_meta; }

const gt_ckpt_meta *gt_ckpt_meta_at(const gt_ckpt *ck, int i) {
    GT_ASSERTF(i >= 0 && i < ck->n_meta, "metadata index %d of %d", i, ck->n_meta);
    return &ck->meta[i];
}

const gt_ckpt_meta *gt_ckpt_meta_find(const gt_ckpt *ck, const char *key) {
    for (int i = 0; i < ck->n_meta; i++)
        if (!strcmp(ck->meta[i].key, key)) return &ck->meta[i];
    return NULL;
}

static const char *type_name(gt_ckpt_meta_type t) {
    switch (t) {
    case GT_META_I64: return "an integer";
    case GT_META_F64: return "a float";
    case GT_META_STR: return "a string";
    case GT_META_BLOB: return "a byte blob";
    }
    return "?";
}

static const gt_ckpt_meta *meta_get(const gt_ckpt *ck, const char *key, gt_ckpt_meta_type type) {
    const gt_ckpt_meta *m = gt_ckpt_meta_find(ck, key);
    if (!m) {
        gt_error_set("%s: checkpoint has no '%s' (was it written by another gantrain?)", ck->path,
                     key);
        return NULL;
    }
    if (m->type != type && !(type == GT_META_F64 && m->type == GT_META_I64)) {
        gt_error_set("%s: checkpoint '%s' is %s, expected %s", ck->path, key, type_name(m->type),
                     type_name(type));
        return NULL;
    }
    return m;
}

int gt_ckpt_get_i64(const gt_ckpt *ck, const char *key, int64_t *out) {
    const gt_ckpt_meta *m = meta_get(ck, key, GT_META_I64);
    if (!m) return GT_ERR;
    *out = m->i;
    return GT_OK;
}

int gt_ckpt_get_f64(const gt_ckpt *ck, const char *key, double *out) {
    const gt_ckpt_meta *m = meta_get(ck, key, GT_META_F64);
    if (!m) return GT_ERR;
    *out = m->type == GT_META_I64 ? (double)m->i : m->f;
    return GT_OK;
}

int gt_ckpt_get_str(const gt_ckpt *ck, const char *key, const char **out) {
    const gt_ckpt_meta *m = meta_get(ck, key, GT_META_STR);
    if (!m) return GT_ERR;
    *out = m->data;
    return GT_OK;
}

int gt_ckpt_get_blob(const gt_ckpt *ck, const char *key, void *out, size_t len) {
    const gt_ckpt_meta *m = meta_get(ck, key, GT_META_BLOB);
    if (!m) return GT_ERR;
    if (m->len != len)
        return gt_error_set("%s: checkpoint '%s' has %zu bytes, expected %zu", ck->path, key,
                            m->len, len);
    if (len) memcpy(out, m->data, len);
    return GT_OK;
}

int gt_ckpt_get_rng(const gt_ckpt *ck, const char *key, gt_rng *r) {
    unsigned char b[GT_CKPT_RNG_BYTES];
    if (gt_ckpt_get_blob(ck, key, b, sizeof b)) return GT_ERR;
    for (int i = 0; i < 4; i++) r->s[i] = get_le(b + 8 * i, 8);
    r->has_spare = (uint32_t)get_le(b + 32, 4);
    uint32_t sb = (uint32_t)get_le(b + 36, 4);
    memcpy(&r->spare, &sb, 4);
    return GT_OK;
}

/* Reads (into dst, or through a scratch chunk when dst is NULL) and checks the CRC. */
static int read_data(gt_ckpt *ck, const gt_ckpt_tensor *t, float *dst) {
    uint32_t crc = 0;
    float *chunk = dst ? NULL : gt_xmalloc(CHUNK * sizeof(float));
    int rc = GT_OK;
    if (fseeko(ck->f, (off_t)t->offset, SEEK_SET) != 0) {
        rc = gt_error_set("%s: cannot seek to tensor '%s': %s", ck->path, t->name, strerror(errno));
        goto out;
    }
    for (int64_t s = 0; s < t->numel; s += CHUNK) {
        size_t n = (size_t)(t->numel - s < CHUNK ? t->numel - s : CHUNK);
        float *p = dst ? dst + s : chunk;
        if (fread(p, 4, n, ck->f) != n) {
            rc = ferror(ck->f) ? gt_error_set("%s: read error in tensor '%s': %s", ck->path,
                                              t->name, strerror(errno))
                               : gt_error_set("%s: truncated inside tensor '%s' (file changed "
                                              "while reading?)",
                                              ck->path, t->name);
            goto out;
        }
        crc = gt_crc32(crc, p, n * 4);
    }
    if (crc != t->crc)
        rc = gt_error_set("%s: CRC mismatch in tensor '%s' (file is corrupt)", ck->path, t->name);
out:
    free(chunk);
    return rc;
}

int gt_ckpt_read(gt_ckpt *ck, const char *name, int ndim, const int *shape, float *out) {
    const gt_ckpt_tensor *t = gt_ckpt_find(ck, name);
    if (!t) return gt_error_set("%s: checkpoint has no tensor '%s'", ck->path, name);
    int same = t->ndim == ndim;
    for (int i = 0; same && i < ndim; i++) same = t->shape[i] == shape[i];
    if (!same) {
        char a[96], b[96];
        return gt_error_set("%s: checkpoint tensor '%s' is %s, the model expects %s", ck->path,
                            name, shape_str(t->ndim, t->shape, a, sizeof a),
                            shape_str(ndim, shape, b, sizeof b));
    }
    return read_data(ck, t, out);
}

int gt_ckpt_read_tensor(gt_ckpt *ck, gt_tensor *t) {
    GT_ASSERTF(t->name, "reading an unnamed tensor from a checkpoint");
    return gt_ckpt_read(ck, t->name, t->ndim, t->shape, t->data);
}

int gt_ckpt_check(gt_ckpt *ck, int i) { return read_data(ck, gt_ckpt_tensor_at(ck, i), NULL); }

int gt_ckpt_verify(gt_ckpt *ck) {
    for (int i = 0; i < ck->n_t; i++)
        if (gt_ckpt_check(ck, i)) return GT_ERR;
    return GT_OK;
}

int gt_ckpt_load_params(gt_ckpt *ck, gt_params *p) {
    GT_ASSERTF(p->sealed, "loading into unsealed parameter block '%s'", p->name);
    for (int i = 0; i < p->n; i++)
        if (!gt_ckpt_find(ck, p->t[i]->name))
            return gt_error_set("%s: checkpoint has no tensor '%s' (was it written for another "
                                "architecture?)",
                                ck->path, p->t[i]->name);
    /* a tensor of this block that the model lacks means another architecture too */
    size_t pl = strlen(p->name);
    for (int i = 0; i < ck->n_t; i++) {
        const char *n = ck->t[i].name;
        if (!strncmp(n, p->name, pl) && n[pl] == '.' && !gt_params_find(p, n))
            return gt_error_set("%s: checkpoint tensor '%s' is not in the model (was it written "
                                "for another architecture?)",
                                ck->path, n);
    }
    for (int i = 0; i < p->n; i++)
        if (gt_ckpt_read_tensor(ck, p->t[i])) return GT_ERR;
    return GT_OK;
}

int gt_ckpt_load_optim(gt_ckpt *ck, const char *key, gt_optim *o, const gt_params *p) {
    GT_ASSERTF(p->sealed && o->n == p->n_values, "optimizer '%s' does not match block '%s'", key,
               p->name);
    char k[256];
    const char *kind;
    int64_t n_state, step;
    snprintf(k, sizeof k, "%s.kind", key);
    if (gt_ckpt_get_str(ck, k, &kind)) return GT_ERR;
    snprintf(k, sizeof k, "%s.n_state", key);
    if (gt_ckpt_get_i64(ck, k, &n_state)) return GT_ERR;
    snprintf(k, sizeof k, "%s.step", key);
    if (gt_ckpt_get_i64(ck, k, &step)) return GT_ERR;
    if (strcmp(kind, gt_optim_name(o->cfg.kind)) || n_state != o->n_state)
        return gt_error_set("%s: optimizer '%s' in the checkpoint is %s with %" PRId64
                            " state arrays, the config asks for %s with %d; resume with the "
                            "config the run was started with",
                            ck->path, key, kind, n_state, gt_optim_name(o->cfg.kind), o->n_state);
    for (int s = 1; s <= o->n_state; s++) {
        float *dst = optim_state(o, s);
        for (int i = 0; i < p->n; i++) {
            const gt_tensor *t = p->t[i];
            if (gt_params_is_buffer(p, t)) continue;
            char name[1024];
            if (gt_ckpt_read(ck, optim_name_slice(name, sizeof name, key, s, t->name), t->ndim,
                             t->shape, dst + (t->data - p->data)))
                return GT_ERR;
        }
    }
    o->step = step;
    return GT_OK;
}

/* ---- gantrain info ------------------------------------------------------ */

static void print_meta(FILE *f, const gt_ckpt_meta *m) {
    fprintf(f, "  %-24s ", m->key);
    switch (m->type) {
    case GT_META_I64: fprintf(f, "%" PRId64 "\n", m->i); break;
    case GT_META_F64: fprintf(f, "%.17g\n", m->f); break;
    case GT_META_STR: fprintf(f, "\"%s\"\n", (const char *)m->data); break;
    case GT_META_BLOB: {
        const unsigned char *b = m->data;
        fprintf(f, "<%zu bytes", m->len);
        if (m->len) fputc(':', f);
        for (size_t i = 0; i < m->len && i < 16; i++) fprintf(f, " %02x", b[i]);
        fprintf(f, "%s>\n", m->len > 16 ? " ..." : "");
        break;
    }
    }
}

int gt_ckpt_print_info(FILE *f, const char *path) {
    gt_ckpt *ck = gt_ckpt_open(path);
    if (!ck) return GT_ERR;
    int64_t step;
    const gt_ckpt_meta *sm = gt_ckpt_meta_find(ck, "step");
    fprintf(f, "checkpoint  %s\n", path);
    fprintf(f, "format      gtck version %d, %" PRIu64 " bytes, header and table CRC ok\n",
            ck->version, ck->size);
    if (sm && sm->type == GT_META_I64 && !gt_ckpt_get_i64(ck, "step", &step))
        fprintf(f, "step        %" PRId64 "\n", step);
    else
        fprintf(f, "step        (not recorded)\n");
    fprintf(f, "metadata    %d entries\n", ck->n_meta);
    for (int i = 0; i < ck->n_meta; i++) print_meta(f, &ck->meta[i]);

    const char *cfg = gt_ckpt_config(ck);
    int lines = 0;
    for (const char *s = cfg; *s; s++) lines += *s == '\n';
    if (*cfg && cfg[strlen(cfg) - 1] != '\n') lines++;
    fprintf(f, "config      %d lines\n", lines);
    for (const char *s = cfg; *s;) {
        const char *e = strchr(s, '\n');
        int n = e ? (int)(e - s) : (int)strlen(s);
        fprintf(f, "  %.*s\n", n, s);
        s += n + (e ? 1 : 0);
    }

    int64_t values = 0;
    for (int i = 0; i < ck->n_t; i++) values += ck->t[i].numel;
    double bytes = (double)values * 4;
    if (bytes < 1024)
        fprintf(f, "tensors     %d, %" PRId64 " values (%.0f bytes)\n", ck->n_t, values, bytes);
    else
        fprintf(f, "tensors     %d, %" PRId64 " values (%.1f %s)\n", ck->n_t, values,
                bytes < 1048576 ? bytes / 1024 : bytes / 1048576, bytes < 1048576 ? "KiB" : "MiB");
    size_t w = 4;
    for (int i = 0; i < ck->n_t; i++)
        if (strlen(ck->t[i].name) > w) w = strlen(ck->t[i].name);
    fprintf(f, "  %-*s  %-20s %12s  %-8s  %s\n", (int)w, "name", "shape", "bytes", "crc32",
            "status");
    int bad = 0;
    char first[1024] = "";
    for (int i = 0; i < ck->n_t; i++) {
        const gt_ckpt_tensor *t = &ck->t[i];
        char sh[96];
        int ok = gt_ckpt_check(ck, i) == GT_OK;
        if (!ok && !bad++) snprintf(first, sizeof first, "%s", gt_error());
        fprintf(f, "  %-*s  %-20s %12" PRIu64 "  %08x  %s\n", (int)w, t->name,
                shape_str(t->ndim, t->shape, sh, sizeof sh), t->nbytes, t->crc,
                ok ? "ok" : "CRC MISMATCH");
    }
    if (bad) {
        fprintf(f, "%d of %d tensors are corrupt\n", bad, ck->n_t);
        gt_error_set("%s", first);
    } else {
        fprintf(f, "all %d tensors ok\n", ck->n_t);
    }
    gt_ckpt_close(ck);
    return bad ? GT_ERR : GT_OK;
}
