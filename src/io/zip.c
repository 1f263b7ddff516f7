/* zip.c — the ZIP archive reader under the .npz and .pth readers: central
 * directory (ZIP64 included), local headers, stored and deflated members.
 *
 * Nothing in the buffer is trusted: every offset and length is checked
 * against it before use (this code is fuzzed through both readers),
 * deflated members are inflated with an output bound, and every member's
 * CRC-32 is verified.
 */
#include "gantrain/zip.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "gantrain/error.h"

#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_EOCD 0x06054b50u
#define SIG_EOCD64 0x06064b50u
#define SIG_EOCD64_LOC 0x07064b50u
#define ZIP_LIMIT32 0xffffffffu
/* deflate cannot expand input more than ~1032:1; a larger declared size is a
 * lie we refuse before allocating for it */
#define DEFLATE_MAX_RATIO 1032u

typedef struct member {
    char *name; /* as stored, NUL-terminated */
    uint64_t local_off, csize, usize;
    uint32_t crc;
    int method;
} member;

struct gt_zip {
    char *label;
    const unsigned char *buf;
    size_t len;
    int n;
    member *m;
};

/* ---- little-endian field access (callers have checked the bounds) ---- */
static uint16_t le16(const unsigned char *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t le32(const unsigned char *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static uint64_t le64(const unsigned char *p) { return le32(p) | (uint64_t)le32(p + 4) << 32; }

/* off + need <= len without overflow */
static int fits(uint64_t off, uint64_t need, uint64_t len) { return off <= len && need <= len - off; }

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

void gt_zip_close(gt_zip *z) {
    if (!z) return;
    for (int i = 0; i < z->n; i++) free(z->m[i].name);
    free(z->m);
    free(z->label);
    free(z);
}

/* Finds the end-of-central-directory record: the last signature whose
 * comment ends exactly at the end of the file. */
static int find_eocd(const gt_zip *z, const char *kind, size_t *pos) {
    const unsigned char *b = z->buf;
    if (z->len >= 22) {
        size_t lo = z->len - 22 > 65535 ? z->len - 22 - 65535 : 0;
        for (size_t i = z->len - 22 + 1; i-- > lo;) {
            if (le32(b + i) == SIG_EOCD && i + 22 + le16(b + i + 20) == z->len) {
                *pos = i;
                return GT_OK;
            }
        }
    }
    if (z->len >= 4 && le32(b) == SIG_LOCAL)
        return gt_error_set("%s: truncated zip archive (no end-of-central-directory record); "
                            "the file is incomplete, re-create it", z->label);
    return gt_error_set("%s: not %s (not a zip archive: no end-of-central-directory record)",
                        z->label, kind);
}

/* Reads the ZIP64 end record that a 0xffff/0xffffffff field points to. */
static int read_eocd64(const gt_zip *z, size_t eocd, uint64_t *count, uint64_t *cd_off,
                       uint64_t *cd_size, uint64_t *cd_end) {
    const unsigned char *b = z->buf;
    if (eocd < 20 || le32(b + eocd - 20) != SIG_EOCD64_LOC)
        return gt_error_set("%s: corrupt zip archive: ZIP64 sizes without a ZIP64 locator",
                            z->label);
    uint64_t off = le64(b + eocd - 20 + 8);
    if (!fits(off, 56, eocd - 20) || le32(b + off) != SIG_EOCD64)
        return gt_error_set("%s: corrupt zip archive: bad ZIP64 end-of-central-directory record",
                            z->label);
    if (le32(b + off + 16) != 0 || le32(b + off + 20) != 0)
        return gt_error_set("%s: multi-disk zip archives are not supported", z->label);
    *count = le64(b + off + 32);
    *cd_size = le64(b + off + 40);
    *cd_off = le64(b + off + 48);
    *cd_end = off;
    return GT_OK;
}

/* The ZIP64 extended-information extra field replaces each 32-bit field
 * that is 0xffffffff, in the order usize, csize, offset. */
static int zip64_extra(const gt_zip *z, const unsigned char *x, size_t xlen, member *m,
                       uint32_t usize32, uint32_t csize32, uint32_t off32) {
    size_t i = 0;
    while (i + 4 <= xlen) {
        uint16_t id = le16(x + i), sz = le16(x + i + 2);
        if (sz > xlen - i - 4) break; /* a malformed extra field: the fixed fields must do */
        if (id == 1) {
            const unsigned char *f = x + i + 4;
            size_t left = sz;
            uint64_t *dst[3] = {&m->usize, &m->csize, &m->local_off};
            uint32_t v32[3] = {usize32, csize32, off32};
            for (int k = 0; k < 3; k++) {
                if (v32[k] != ZIP_LIMIT32) continue;
                if (left < 8)
                    return gt_error_set("%s: member '%s': corrupt ZIP64 extra field", z->label,
                                        m->name);
                *dst[k] = le64(f);
                f += 8;
                left -= 8;
            }
            return GT_OK;
        }
        i += 4u + sz;
    }
    if (usize32 == ZIP_LIMIT32 || csize32 == ZIP_LIMIT32 || off32 == ZIP_LIMIT32)
        return gt_error_set("%s: member '%s': ZIP64 sizes without a ZIP64 extra field", z->label,
                            m->name);
    return GT_OK;
}

static char *dup_n(const unsigned char *s, size_t n) {
    char *p = gt_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = 0;
    return p;
}

static int parse_directory(gt_zip *z, const char *kind) {
    const unsigned char *b = z->buf;
    size_t eocd = 0;
    if (find_eocd(z, kind, &eocd)) return GT_ERR;
    if (le16(b + eocd + 4) != 0 || le16(b + eocd + 6) != 0)
        return gt_error_set("%s: multi-disk zip archives are not supported", z->label);
    uint64_t count = le16(b + eocd + 10), cd_size = le32(b + eocd + 12),
             cd_off = le32(b + eocd + 16), cd_end = eocd;
    if (count == 0xffff || cd_size == ZIP_LIMIT32 || cd_off == ZIP_LIMIT32)
        if (read_eocd64(z, eocd, &count, &cd_off, &cd_size, &cd_end)) return GT_ERR;
    if (!fits(cd_off, cd_size, cd_end))
        return gt_error_set("%s: corrupt zip archive: central directory (offset %llu, %llu "
                            "bytes) lies outside the file; the file is truncated or damaged",
                            z->label, (unsigned long long)cd_off, (unsigned long long)cd_size);
    if (count > cd_size / 46 || count > INT_MAX)
        return gt_error_set("%s: corrupt zip archive: %llu entries cannot fit in a %llu-byte "
                            "central directory", z->label, (unsigned long long)count,
                            (unsigned long long)cd_size);
    z->m = gt_xcalloc(count ? (size_t)count : 1, sizeof *z->m);
    uint64_t p = cd_off, end = cd_off + cd_size;
    for (uint64_t e = 0; e < count; e++) {
        if (!fits(p, 46, end) || le32(b + p) != SIG_CENTRAL)
            return gt_error_set("%s: corrupt zip archive: bad central directory entry %llu",
                                z->label, (unsigned long long)e);
        const unsigned char *c = b + p;
        uint16_t flags = le16(c + 8), method = le16(c + 10);
        size_t nlen = le16(c + 28), xlen = le16(c + 30), clen = le16(c + 32);
        if (!fits(p + 46, (uint64_t)nlen + xlen + clen, end))
            return gt_error_set("%s: corrupt zip archive: central directory entry %llu runs past "
                                "its end", z->label, (unsigned long long)e);
        if (nlen == 0 || memchr(c + 46, 0, nlen))
            return gt_error_set("%s: corrupt zip archive: entry %llu has an empty or invalid "
                                "name", z->label, (unsigned long long)e);
        member *m = &z->m[z->n++];
        m->name = dup_n(c + 46, nlen);
        m->crc = le32(c + 16);
        m->method = method;
        m->csize = le32(c + 20);
        m->usize = le32(c + 24);
        m->local_off = le32(c + 42);
        if (zip64_extra(z, c + 46 + nlen, xlen, m, le32(c + 24), le32(c + 20), le32(c + 42)))
            return GT_ERR;
        if (flags & 1)
            return gt_error_set("%s: member '%s' is encrypted; gantrain reads unencrypted "
                                "archives only", z->label, m->name);
        if (method != 0 && method != 8)
            return gt_error_set("%s: member '%s' uses zip compression method %u; only stored "
                                "and deflated members are supported", z->label, m->name, method);
        p += 46u + nlen + xlen + clen;
    }
    return GT_OK;
}

int gt_zip_open(const unsigned char *buf, size_t len, const char *label, const char *kind,
                gt_zip **out) {
    gt_zip *z = gt_xcalloc(1, sizeof *z);
    z->label = gt_xstrdup(label);
    z->buf = buf;
    z->len = len;
    if (parse_directory(z, kind)) {
        gt_zip_close(z);
        *out = NULL;
        return GT_ERR;
    }
    *out = z;
    return GT_OK;
}

int gt_zip_count(const gt_zip *z) { return z->n; }

const char *gt_zip_name(const gt_zip *z, int i) {
    GT_ASSERTF(i >= 0 && i < z->n, "zip member %d of %d", i, z->n);
    return z->m[i].name;
}

int gt_zip_find(const gt_zip *z, const char *name) {
    for (int i = 0; i < z->n; i++)
        if (!strcmp(z->m[i].name, name)) return i;
    return -1;
}

uint64_t gt_zip_size(const gt_zip *z, int i) {
    GT_ASSERTF(i >= 0 && i < z->n, "zip member %d of %d", i, z->n);
    return z->m[i].usize;
}

/* ---- member bytes ------------------------------------------------------ */

static int inflate_member(const gt_zip *z, const member *m, const unsigned char *in,
                          unsigned char **owned) {
    if (m->usize / DEFLATE_MAX_RATIO > m->csize + 1)
        return gt_error_set("%s: member '%s': declared size %llu cannot come from %llu "
                            "deflated bytes; the archive is damaged", z->label, m->name,
                            (unsigned long long)m->usize, (unsigned long long)m->csize);
    unsigned char *out = malloc(m->usize ? (size_t)m->usize : 1);
    if (!out)
        return gt_error_set("%s: member '%s': out of memory for %llu bytes", z->label, m->name,
                            (unsigned long long)m->usize);
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, -15) != Z_OK) {
        free(out);
        return gt_error_set("%s: zlib inflateInit failed", z->label);
    }
    uint64_t in_left = m->csize, out_done = 0;
    int rc = Z_OK, too_long = 0;
    while (rc == Z_OK) {
        if (s.avail_in == 0 && in_left) {
            s.avail_in = in_left > UINT_MAX ? UINT_MAX : (uInt)in_left;
            s.next_in = (unsigned char *)(uintptr_t)in;
            in += s.avail_in;
            in_left -= s.avail_in;
        }
        uint64_t out_left = m->usize - out_done;
        /* once the declared size is reached, one spare byte of room lets a
         * stream that is longer than declared show itself */
        unsigned char spare;
        if (out_left) {
            s.avail_out = out_left > UINT_MAX ? UINT_MAX : (uInt)out_left;
            s.next_out = out + out_done;
        } else {
            s.avail_out = 1;
            s.next_out = &spare;
        }
        uInt before = s.avail_out;
        rc = inflate(&s, Z_NO_FLUSH);
        if (out_left) {
            out_done += before - s.avail_out;
        } else if (s.avail_out == 0) {
            too_long = 1;
            break;
        }
    }
    const char *zmsg = s.msg;
    inflateEnd(&s);
    if (too_long || rc != Z_STREAM_END || out_done != m->usize) {
        free(out);
        if (too_long || rc == Z_STREAM_END)
            return gt_error_set("%s: member '%s': inflates to a size other than the declared "
                                "%llu bytes; the archive is damaged", z->label, m->name,
                                (unsigned long long)m->usize);
        if (rc == Z_BUF_ERROR) /* needs input that is not there */
            return gt_error_set("%s: member '%s': deflate stream is truncated; the archive "
                                "is damaged", z->label, m->name);
        return gt_error_set("%s: member '%s': corrupt deflate data (%s); the archive is "
                            "damaged", z->label, m->name, zmsg ? zmsg : "zlib error");
    }
    *owned = out;
    return GT_OK;
}

int gt_zip_read(const gt_zip *z, int i, const unsigned char **data, size_t *size,
                unsigned char **owned) {
    GT_ASSERTF(i >= 0 && i < z->n, "zip member %d of %d", i, z->n);
    const member *m = &z->m[i];
    const unsigned char *b = z->buf;
    *owned = NULL;
    *data = NULL;
    *size = 0;
    if (!fits(m->local_off, 30, z->len) || le32(b + m->local_off) != SIG_LOCAL)
        return gt_error_set("%s: member '%s': no local header at offset %llu; the archive is "
                            "damaged", z->label, m->name, (unsigned long long)m->local_off);
    const unsigned char *lh = b + m->local_off;
    uint64_t nlen = le16(lh + 26), xlen = le16(lh + 28);
    uint64_t start = m->local_off + 30 + nlen + xlen;
    if (!fits(m->local_off + 30, nlen, z->len) || strlen(m->name) != nlen ||
        memcmp(lh + 30, m->name, nlen))
        return gt_error_set("%s: member '%s': local header does not match the central "
                            "directory; the archive is damaged", z->label, m->name);
    if (!fits(start, m->csize, z->len))
        return gt_error_set("%s: member '%s': its %llu bytes run past the end of the file; the "
                            "file is truncated", z->label, m->name, (unsigned long long)m->csize);
    if (m->usize > (uint64_t)SIZE_MAX / 2)
        return gt_error_set("%s: member '%s': implausible size %llu", z->label, m->name,
                            (unsigned long long)m->usize);
    const unsigned char *d;
    if (m->method == 0) {
        if (m->usize != m->csize)
            return gt_error_set("%s: member '%s': stored member with different compressed and "
                                "uncompressed sizes; the archive is damaged", z->label, m->name);
        d = b + start;
    } else {
        if (inflate_member(z, m, b + start, owned)) return GT_ERR;
        d = *owned;
    }
    uint32_t crc = crc32_big(d, m->usize);
    if (crc != m->crc) {
        free(*owned);
        *owned = NULL;
        return gt_error_set("%s: member '%s': CRC mismatch (stored %08x, computed %08x); the "
                            "file is corrupt, re-create it", z->label, m->name, m->crc, crc);
    }
    *data = d;
    *size = (size_t)m->usize;
    return GT_OK;
}
