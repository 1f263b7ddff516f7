/* npz.c — reader and writer of NumPy .npz archives (ZIP of .npy members).
 *
 * The reader keeps the whole file in memory and trusts nothing in it: the
 * archive layer (zip.c) checks every offset, length and CRC; the .npy
 * headers and data sizes are checked here (this code is fuzzed).  The
 * writer reproduces numpy 1.24's np.savez layout byte for byte (see npz.h).
 */
#include "gantrain/npz.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/zip.h"

/* the writer's records */
#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u

typedef struct member {
    const char *name; /* as stored (owned by the zip index) */
    char *short_name; /* without ".npy" */
} member;

struct gt_npz {
    char *label;
    unsigned char *buf;
    size_t len;
    gt_zip *zip;
    int n;
    member *m;
};

/* ---- little-endian field access (callers have checked the bounds) ---- */
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put16(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static void put32(unsigned char *p, uint32_t v) {
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}
static void put64(unsigned char *p, uint64_t v) {
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static uint32_t crc32_big(const unsigned char *p, uint64_t n) {
    uLong c = crc32(0L, Z_NULL, 0);
    while (n) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        c = crc32(c, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return (uint32_t)c;
}

void gt_npz_close(gt_npz *z) {
    if (!z) return;
    for (int i = 0; i < z->n; i++) free(z->m[i].short_name);
    free(z->m);
    gt_zip_close(z->zip);
    free(z->buf);
    free(z->label);
    free(z);
}

static int index_members(gt_npz *z) {
    if (z->len >= 6 && !memcmp(z->buf, "\x93NUMPY", 6))
        return gt_error_set("%s: is a single .npy array, not an .npz archive; save with "
                            "numpy.savez(path, mu=..., sigma=...)", z->label);
    if (gt_zip_open(z->buf, z->len, z->label, "an .npz file", &z->zip)) return GT_ERR;
    int n = gt_zip_count(z->zip);
    if (n == 0) return gt_error_set("%s: empty .npz archive (no arrays)", z->label);
    z->m = gt_xcalloc((size_t)n, sizeof *z->m);
    for (; z->n < n; z->n++) {
        member *m = &z->m[z->n];
        m->name = gt_zip_name(z->zip, z->n);
        size_t nlen = strlen(m->name);
        m->short_name = gt_xstrdup(m->name);
        if (nlen > 4 && !memcmp(m->name + nlen - 4, ".npy", 4)) m->short_name[nlen - 4] = 0;
    }
    return GT_OK;
}

static int open_owned(unsigned char *buf, size_t len, const char *label, gt_npz **out) {
    gt_npz *z = gt_xcalloc(1, sizeof *z);
    z->label = gt_xstrdup(label);
    z->buf = buf;
    z->len = len;
    if (index_members(z)) {
        gt_npz_close(z);
        *out = NULL;
        return GT_ERR;
    }
    *out = z;
    return GT_OK;
}

int gt_npz_open(const char *path, gt_npz **out) {
    char *data;
    size_t len;
    *out = NULL;
    if (gt_read_file(path, &data, &len)) return GT_ERR;
    return open_owned((unsigned char *)data, len, path, out);
}

int gt_npz_open_mem(const void *buf, size_t len, const char *label, gt_npz **out) {
    unsigned char *copy = gt_xmalloc(len ? len : 1);
    if (len) memcpy(copy, buf, len);
    return open_owned(copy, len, label, out);
}

int gt_npz_count(const gt_npz *z) { return z->n; }

const char *gt_npz_name(const gt_npz *z, int i) {
    GT_ASSERTF(i >= 0 && i < z->n, "npz member %d of %d", i, z->n);
    return z->m[i].short_name;
}

int gt_npz_find(const gt_npz *z, const char *name) {
    for (int i = 0; i < z->n; i++)
        if (!strcmp(z->m[i].short_name, name) || !strcmp(z->m[i].name, name)) return i;
    return -1;
}

/* ---- .npy header ------------------------------------------------------- */

typedef struct npy_header {
    char descr[16];
    int fortran;
    int ndim;
    int64_t shape[GT_NPZ_MAX_DIMS];
} npy_header;

typedef struct hparser {
    const char *s;
    size_t n, i;
} hparser;

static void hp_ws(hparser *p) {
    while (p->i < p->n && (p->s[p->i] == ' ' || p->s[p->i] == '\n' || p->s[p->i] == '\t' ||
                           p->s[p->i] == '\r'))
        p->i++;
}
static int hp_eat(hparser *p, char c) {
    hp_ws(p);
    if (p->i < p->n && p->s[p->i] == c) {
        p->i++;
        return 1;
    }
    return 0;
}
/* A Python string literal in ' or " quotes without escapes, into dst[cap]. */
static int hp_string(hparser *p, char *dst, size_t cap) {
    hp_ws(p);
    if (p->i >= p->n || (p->s[p->i] != '\'' && p->s[p->i] != '"')) return 0;
    char q = p->s[p->i++];
    size_t k = 0;
    while (p->i < p->n && p->s[p->i] != q) {
        if (p->s[p->i] == '\\' || k + 1 >= cap) return 0;
        dst[k++] = p->s[p->i++];
    }
    if (p->i >= p->n) return 0;
    p->i++;
    dst[k] = 0;
    return 1;
}
static int hp_word(hparser *p, const char *w) {
    hp_ws(p);
    size_t l = strlen(w);
    if (p->n - p->i >= l && !memcmp(p->s + p->i, w, l)) {
        p->i += l;
        return 1;
    }
    return 0;
}

/* Parses "{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }". */
static int parse_npy_header(const char *s, size_t n, npy_header *h, const char *label,
                            const char *mname) {
    hparser p = {s, n, 0};
    int have = 0, dims = 0;
    memset(h, 0, sizeof *h);
    if (!hp_eat(&p, '{')) goto bad;
    while (!hp_eat(&p, '}')) {
        char key[32];
        if (!hp_string(&p, key, sizeof key) || !hp_eat(&p, ':')) goto bad;
        if (!strcmp(key, "descr")) {
            hp_ws(&p);
            if (p.i < p.n && p.s[p.i] == '[')
                return gt_error_set("%s: member '%s': structured dtype not supported (gantrain "
                                    "reads float32 and float64 arrays)", label, mname);
            if (!hp_string(&p, h->descr, sizeof h->descr)) goto bad;
            have |= 1;
        } else if (!strcmp(key, "fortran_order")) {
            if (hp_word(&p, "True"))
                h->fortran = 1;
            else if (hp_word(&p, "False"))
                h->fortran = 0;
            else
                goto bad;
            have |= 2;
        } else if (!strcmp(key, "shape")) {
            if (!hp_eat(&p, '(')) goto bad;
            while (!hp_eat(&p, ')')) {
                hp_ws(&p);
                int64_t v = 0;
                size_t digits = 0;
                while (p.i < p.n && p.s[p.i] >= '0' && p.s[p.i] <= '9') {
                    if (++digits > 15) goto bad; /* far beyond any real array */
                    v = v * 10 + (p.s[p.i++] - '0');
                }
                if (!digits) goto bad;
                if (p.i < p.n && p.s[p.i] == 'L') p.i++; /* Python 2 long */
                if (dims < GT_NPZ_MAX_DIMS) h->shape[dims] = v;
                if (++dims > 32) goto bad;
                if (!hp_eat(&p, ',')) {
                    if (!hp_eat(&p, ')')) goto bad;
                    break;
                }
            }
            have |= 4;
        } else {
            return gt_error_set("%s: member '%s': unexpected key '%s' in the .npy header", label,
                                mname, key);
        }
        if (!hp_eat(&p, ',')) {
            if (!hp_eat(&p, '}')) goto bad;
            break;
        }
    }
    hp_ws(&p);
    if (p.i != p.n || have != 7) goto bad;
    if (dims > GT_NPZ_MAX_DIMS)
        return gt_error_set("%s: member '%s' has %d dimensions; gantrain reads arrays of up to %d",
                            label, mname, dims, GT_NPZ_MAX_DIMS);
    h->ndim = dims;
    for (int k = dims; k < GT_NPZ_MAX_DIMS; k++) h->shape[k] = 1;
    return GT_OK;
bad:
    return gt_error_set("%s: member '%s': malformed .npy header", label, mname);
}

/* ---- reading an array -------------------------------------------------- */

static int host_little_endian(void) {
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

static int decode_npy(const gt_npz *z, const member *m, const unsigned char *d, size_t size,
                      gt_npz_array *out) {
    const char *label = z->label, *mname = m->name;
    if (size < 10 || memcmp(d, "\x93NUMPY", 6))
        return gt_error_set("%s: member '%s' is not a .npy array (bad magic)", label, mname);
    int major = d[6], minor = d[7];
    size_t hstart, hlen;
    if (major == 1) {
        hstart = 10;
        hlen = le16(d + 8);
    } else if (major == 2 || major == 3) {
        if (size < 12)
            return gt_error_set("%s: member '%s': truncated .npy header", label, mname);
        hstart = 12;
        hlen = le32(d + 8);
    } else {
        return gt_error_set("%s: member '%s': .npy format version %d.%d is not supported (1.0, "
                            "2.0 and 3.0 are)", label, mname, major, minor);
    }
    if (hlen > size - hstart)
        return gt_error_set("%s: member '%s': truncated .npy header", label, mname);
    npy_header h;
    if (parse_npy_header((const char *)d + hstart, hlen, &h, label, mname)) return GT_ERR;
    const char *ds = h.descr;
    int native_le = host_little_endian(), swap, item;
    if ((ds[0] == '<' || ds[0] == '>' || ds[0] == '=') && ds[1] == 'f' &&
        (ds[2] == '4' || ds[2] == '8') && ds[3] == 0) {
        item = ds[2] - '0';
        int file_le = ds[0] == '<' || (ds[0] == '=' && native_le);
        swap = file_le != native_le;
    } else {
        return gt_error_set("%s: member '%s' has unsupported dtype '%s' (gantrain reads float32 "
                            "'<f4' and float64 '<f8' arrays)", label, mname, ds);
    }
    uint64_t count = 1;
    for (int k = 0; k < h.ndim; k++) {
        /* each dim < 1e15 (parser), so one overflow check per step suffices */
        if (h.shape[k] && count > UINT64_MAX / 16 / (uint64_t)h.shape[k])
            return gt_error_set("%s: member '%s': implausible shape", label, mname);
        count *= (uint64_t)h.shape[k];
    }
    size_t data_off = hstart + hlen;
    uint64_t have = size - data_off, need = count * (uint64_t)item;
    if (have != need)
        return gt_error_set("%s: member '%s': %llu data bytes, but shape and dtype '%s' need "
                            "%llu; the file is damaged", label, mname, (unsigned long long)have,
                            ds, (unsigned long long)need);
    double *out_d = malloc(count ? (size_t)count * sizeof(double) : sizeof(double));
    if (!out_d)
        return gt_error_set("%s: member '%s': out of memory for %llu values", label, mname,
                            (unsigned long long)count);
    const unsigned char *src = d + data_off;
    /* Fortran order stores the first index fastest: element i's index
     * (i0, i1, ...) goes to its row-major place.  idx counts it along. */
    int64_t idx[GT_NPZ_MAX_DIMS] = {0}, stride[GT_NPZ_MAX_DIMS];
    uint64_t st = 1;
    for (int k = h.ndim - 1; k >= 0; k--) {
        stride[k] = (int64_t)st;
        st *= (uint64_t)h.shape[k];
    }
    uint64_t dst = 0;
    for (uint64_t i = 0; i < count; i++) {
        unsigned char e[8];
        for (int k = 0; k < item; k++) e[k] = src[i * item + (swap ? item - 1 - k : k)];
        double v;
        if (item == 8) {
            memcpy(&v, e, 8);
        } else {
            float f;
            memcpy(&f, e, 4);
            v = f;
        }
        if (!h.fortran || h.ndim < 2) {
            out_d[i] = v;
            continue;
        }
        out_d[dst] = v;
        for (int k = 0; k < h.ndim; k++) { /* the next Fortran-order index */
            dst += (uint64_t)stride[k];
            if (++idx[k] < h.shape[k]) break;
            dst -= (uint64_t)stride[k] * (uint64_t)h.shape[k];
            idx[k] = 0;
        }
    }
    out->name = m->short_name;
    out->ndim = h.ndim;
    for (int k = 0; k < GT_NPZ_MAX_DIMS; k++) out->shape[k] = h.shape[k];
    out->data = out_d;
    return GT_OK;
}

int gt_npz_read(gt_npz *z, const char *name, gt_npz_array *out) {
    memset(out, 0, sizeof *out);
    int i = gt_npz_find(z, name);
    if (i < 0) {
        char list[256] = "";
        size_t k = 0;
        for (int j = 0; j < z->n && k < sizeof list - 8; j++) {
            int w = snprintf(list + k, sizeof list - k, "%s%s", j ? ", " : "", z->m[j].short_name);
            k = w < 0 ? k : k + (size_t)w;
        }
        if (k >= sizeof list - 8) strcpy(list + sizeof list - 8, ", ...");
        return gt_error_set("%s: no array named '%s' (it has: %s)", z->label, name, list);
    }
    const unsigned char *d = NULL;
    size_t size = 0;
    unsigned char *owned;
    if (gt_zip_read(z->zip, i, &d, &size, &owned)) return GT_ERR;
    int rc = decode_npy(z, &z->m[i], d, size, out);
    free(owned);
    return rc;
}

void gt_npz_array_free(gt_npz_array *a) {
    if (!a) return;
    free(a->data);
    a->data = NULL;
}

/* ---- writing ----------------------------------------------------------- */

/* The .npy header numpy 1.24 writes: the dict, spaces so the first axis can
 * grow to 21 digits in place, then padding to a multiple of 64 bytes with the
 * trailing newline.  Returns the header length (magic included) into hdr. */
static size_t npy_header_bytes(const gt_npz_array *a, char *hdr, size_t cap) {
    char shape[64], dict[160];
    if (a->ndim == 1) {
        snprintf(shape, sizeof shape, "(%lld,)", (long long)a->shape[0]);
    } else {
        size_t k = (size_t)snprintf(shape, sizeof shape, "(");
        for (int d = 0; d < a->ndim; d++)
            k += (size_t)snprintf(shape + k, sizeof shape - k, "%s%lld", d ? ", " : "", (long long)a->shape[d]);
        snprintf(shape + k, sizeof shape - k, ")");
    }
    int len = snprintf(dict, sizeof dict, "{'descr': '<f8', 'fortran_order': False, 'shape': %s, }",
                       shape);
    if (a->ndim > 0) {
        char first[24];
        int digits = snprintf(first, sizeof first, "%lld", (long long)a->shape[0]);
        for (int k = digits; k < 21; k++) dict[len++] = ' ';
        dict[len] = 0;
    }
    size_t hlen = (size_t)len + 1;
    size_t pad = 64 - (10 + hlen) % 64;
    size_t total = 10 + hlen + pad;
    GT_ASSERT(total <= cap);
    memcpy(hdr, "\x93NUMPY\x01\x00", 8);
    put16((unsigned char *)hdr + 8, (uint32_t)(hlen + pad));
    memcpy(hdr + 10, dict, (size_t)len);
    memset(hdr + 10 + len, ' ', pad);
    hdr[total - 1] = '\n';
    return total;
}

static uint64_t numel(const gt_npz_array *a) {
    uint64_t c = 1;
    for (int k = 0; k < a->ndim; k++) c *= (uint64_t)a->shape[k];
    return c;
}

static int check_arrays(int n, const gt_npz_array *arrays, const char *what) {
    if (n < 1 || n > 0xffff) return gt_error_set("%s: cannot write %d arrays", what, n);
    for (int i = 0; i < n; i++) {
        const gt_npz_array *a = &arrays[i];
        size_t l = a->name ? strlen(a->name) : 0;
        if (!l || l >= 200 || strchr(a->name, '/'))
            return gt_error_set("%s: invalid array name '%s'", what, a->name ? a->name : "(null)");
        for (int j = 0; j < i; j++)
            if (!strcmp(arrays[j].name, a->name))
                return gt_error_set("%s: array name '%s' given twice", what, a->name);
        if (a->ndim < 0 || a->ndim > GT_NPZ_MAX_DIMS)
            return gt_error_set("%s: array '%s' has %d dimensions (0..%d supported)", what, a->name,
                                a->ndim, GT_NPZ_MAX_DIMS);
        for (int k = 0; k < a->ndim; k++)
            if (a->shape[k] < 0 || a->shape[k] > ((int64_t)1 << 31))
                return gt_error_set("%s: array '%s' has a bad shape", what, a->name);
        if (numel(a) > (0xffffffffull - 512) / 8)
            return gt_error_set("%s: array '%s' is too large for an .npz member (4 GiB)", what,
                                a->name);
        if (numel(a) && !a->data)
            return gt_error_set("%s: array '%s' has no data", what, a->name);
    }
    return GT_OK;
}

static int write_mem(int n, const gt_npz_array *arrays, unsigned char **out, size_t *out_len,
                     const char *what) {
    if (check_arrays(n, arrays, what)) return GT_ERR;
    /* sizes first, so the archive is one allocation */
    uint64_t total = 22;
    for (int i = 0; i < n; i++) {
        char hdr[512];
        size_t h = npy_header_bytes(&arrays[i], hdr, sizeof hdr);
        size_t nl = strlen(arrays[i].name) + 4;
        total += 30 + nl + 20 + h + numel(&arrays[i]) * 8 + 46 + nl;
    }
    if (total >= 0xffffffffull)
        return gt_error_set("%s: archive would exceed 4 GiB; write fewer or smaller arrays", what);
    unsigned char *buf = gt_xmalloc((size_t)total);
    uint32_t *offs = gt_xmalloc(sizeof *offs * (size_t)n), *crcs = gt_xmalloc(sizeof *crcs * (size_t)n),
             *sizes = gt_xmalloc(sizeof *sizes * (size_t)n);
    size_t p = 0;
    int le = host_little_endian();
    for (int i = 0; i < n; i++) {
        const gt_npz_array *a = &arrays[i];
        char hdr[512], name[208];
        size_t h = npy_header_bytes(a, hdr, sizeof hdr);
        size_t nl = (size_t)snprintf(name, sizeof name, "%s.npy", a->name);
        uint64_t cnt = numel(a);
        uint32_t sz = (uint32_t)(h + cnt * 8);
        offs[i] = (uint32_t)p;
        sizes[i] = sz;
        unsigned char *lh = buf + p;
        p += 30 + nl + 20;
        unsigned char *data = buf + p;
        memcpy(data, hdr, h);
        for (uint64_t k = 0; k < cnt; k++) {
            unsigned char e[8];
            memcpy(e, &a->data[k], 8);
            for (int j = 0; j < 8; j++) data[h + k * 8 + (uint64_t)j] = e[le ? j : 7 - j];
        }
        p += sz;
        crcs[i] = crc32_big(data, sz);
        /* local header: version 2.0, no flags, stored, 1980-01-01 00:00, plus
         * the ZIP64 extra field numpy's force_zip64 writes */
        put32(lh, SIG_LOCAL);
        put16(lh + 4, 20);
        put16(lh + 6, 0);
        put16(lh + 8, 0);
        put16(lh + 10, 0);
        put16(lh + 12, 0x21);
        put32(lh + 14, crcs[i]);
        put32(lh + 18, sz);
        put32(lh + 22, sz);
        put16(lh + 26, (uint32_t)nl);
        put16(lh + 28, 20);
        memcpy(lh + 30, name, nl);
        put16(lh + 30 + nl, 1);
        put16(lh + 32 + nl, 16);
        put64(lh + 34 + nl, sz);
        put64(lh + 42 + nl, sz);
    }
    size_t cd_off = p;
    for (int i = 0; i < n; i++) {
        char name[208];
        size_t nl = (size_t)snprintf(name, sizeof name, "%s.npy", arrays[i].name);
        unsigned char *c = buf + p;
        put32(c, SIG_CENTRAL);
        put16(c + 4, 0x0314); /* made by: unix, version 2.0 */
        put16(c + 6, 20);
        put16(c + 8, 0);
        put16(c + 10, 0);
        put16(c + 12, 0);
        put16(c + 14, 0x21);
        put32(c + 16, crcs[i]);
        put32(c + 20, sizes[i]);
        put32(c + 24, sizes[i]);
        put16(c + 28, (uint32_t)nl);
        put16(c + 30, 0);
        put16(c + 32, 0);
        put16(c + 34, 0);
        put16(c + 36, 0);
        put32(c + 38, 0600u << 16); /* -rw------- */
        put32(c + 42, offs[i]);
        memcpy(c + 46, name, nl);
        p += 46 + nl;
    }
    unsigned char *e = buf + p;
    put32(e, SIG_EOCD);
    put16(e + 4, 0);
    put16(e + 6, 0);
    put16(e + 8, (uint32_t)n);
    put16(e + 10, (uint32_t)n);
    put32(e + 12, (uint32_t)(p - cd_off));
    put32(e + 16, (uint32_t)cd_off);
    put16(e + 20, 0);
    p += 22;
    GT_ASSERT(p == total);
    free(offs);
    free(crcs);
    free(sizes);
    *out = buf;
    *out_len = p;
    return GT_OK;
}

int gt_npz_write_mem(int n, const gt_npz_array *arrays, unsigned char **buf, size_t *len) {
    return write_mem(n, arrays, buf, len, "npz");
}

int gt_npz_write(const char *path, int n, const gt_npz_array *arrays) {
    unsigned char *buf;
    size_t len;
    if (write_mem(n, arrays, &buf, &len, path)) return GT_ERR;
    int rc = gt_write_file_atomic(path, buf, len);
    free(buf);
    return rc;
}
