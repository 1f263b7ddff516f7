/* cache.c — the decoded-image cache of JPEG/PNG datasets.
 *
 * Decoding CelebA takes minutes; reading its pixels back takes seconds.  One
 * cache file holds the preprocessed pixels of one (dataset, path, selection,
 * preprocessing) combination; its name carries a hash of those settings, so
 * caches of different settings (64x64 and 32x32, say) live side by side.
 *
 *   "GTDCACHE"  u32 version  u32 0x01020304 (byte order)  u64 text_len
 *   text: the settings, then fingerprint=, count=, shape= lines
 *   u64 checksum of the text
 *   pixels [count, C, H, W]
 *   u64 checksum of the pixels
 *
 * The checksum is four lanes of XXH64's multiply-rotate round: any change
 * of an input word changes its lane (each step is a bijection), it runs at
 * memory speed (zlib's CRC-32 took a fifth of a 10000-image cache load),
 * and it is not meant to resist tampering.  A valid cache is mapped into
 * memory (mmap) and its pixels are used in place: no copy, no page faults
 * of a fresh buffer.  Caches are only ever replaced by rename, never
 * rewritten in place, so a mapping stays valid while a run uses it.
 *
 * A cache is used only if everything matches: same settings (guards against
 * a renamed file or a hash collision), same fingerprint of the image files
 * (names, sizes, modification times: a changed folder makes it stale), the
 * exact file size and both checksums (else it is corrupt).  Either way the
 * caller rebuilds it and says why. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "internal.h"

#define CACHE_VERSION 2u
#define BYTE_ORDER_MARK 0x01020304u
#define FIXED 24 /* magic, version, mark, text_len */

uint64_t gt__fnv1a(uint64_t h, const void *data, size_t n) {
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

char *gt__cache_path(const char *dir, const char *name, const char *settings) {
    char safe[48];
    size_t k = 0;
    for (const char *s = name; *s && k + 1 < sizeof safe; s++)
        safe[k++] = ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
                     *s == '-' || *s == '_')
                        ? *s
                        : '_';
    safe[k] = 0;
    uint64_t h = gt__fnv1a(GT_FNV_INIT, settings, strlen(settings));
    size_t len = strlen(dir) + sizeof safe + 40;
    char *path = gt_xmalloc(len);
    snprintf(path, len, "%s/%s-%016" PRIx64 ".gtcache", dir, safe, h);
    return path;
}

static char *header_text(const char *settings, uint64_t fingerprint, int64_t count, int c, int h, int w) {
    size_t len = strlen(settings) + 128;
    char *t = gt_xmalloc(len);
    snprintf(t, len, "%sfingerprint=%016" PRIx64 "\ncount=%lld\nshape=%d %d %d\n", settings,
             fingerprint, (long long)count, c, h, w);
    return t;
}

static inline uint64_t rotl64(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

#define P1 0x9E3779B185EBCA87ull
#define P2 0xC2B2AE3D27D4EB4Full
#define P3 0x165667B19E3779F9ull

static inline uint64_t round64(uint64_t acc, uint64_t w) { return rotl64(acc + w * P2, 31) * P1; }

/* The 64-bit checksum of the cache file (see the top of this file). */
static uint64_t checksum(const uint8_t *p, size_t n) {
    uint64_t a[4] = {P1 + P2, P2, 0, 0 - P1}, w;
    size_t i = 0;
    for (; i + 32 <= n; i += 32)
        for (int k = 0; k < 4; k++) {
            memcpy(&w, p + i + 8 * k, 8);
            a[k] = round64(a[k], w);
        }
    uint64_t h = rotl64(a[0], 1) + rotl64(a[1], 7) + rotl64(a[2], 12) + rotl64(a[3], 18);
    for (int k = 0; k < 4; k++) h = (h ^ round64(0, a[k])) * P1 + P3;
    h += (uint64_t)n;
    for (; i < n; i++) h = rotl64(h ^ (p[i] * P3), 11) * P1;
    h ^= h >> 33, h *= P2, h ^= h >> 29, h *= P3, h ^= h >> 32;
    return h;
}

gt_cache_status gt__cache_load(const char *path, const char *settings, uint64_t fingerprint,
                               int64_t count, int c, int h, int w, gt_cache_map *out,
                               const char **why) {
    memset(out, 0, sizeof *out);
    *why = "";
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        *why = errno == ENOENT ? "no cache yet" : "cannot be opened";
        return GT_CACHE_MISS;
    }
    struct stat sb;
    if (fstat(fd, &sb) != 0 || sb.st_size < FIXED + 16) {
        close(fd);
        *why = "not a gantrain cache file";
        return GT_CACHE_CORRUPT;
    }
    size_t len = (size_t)sb.st_size;
    /* MAP_POPULATE: map every page now, in bulk, instead of faulting later */
    uint8_t *m = mmap(NULL, len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    close(fd);
    if (m == MAP_FAILED) {
        *why = "cannot be mapped";
        return GT_CACHE_MISS;
    }
    gt_cache_status st = GT_CACHE_CORRUPT;
    char *want = NULL;
    uint32_t version, mark;
    uint64_t text_len, sum;
    if (memcmp(m, "GTDCACHE", 8)) {
        *why = "not a gantrain cache file";
        goto bad;
    }
    memcpy(&version, m + 8, 4);
    memcpy(&mark, m + 12, 4);
    memcpy(&text_len, m + 16, 8);
    if (mark != BYTE_ORDER_MARK || version != CACHE_VERSION) {
        st = GT_CACHE_STALE;
        *why = "written by another gantrain version or machine";
        goto bad;
    }
    if (text_len > (1u << 20) || FIXED + text_len + 16 > len) {
        *why = "its header is damaged";
        goto bad;
    }
    const char *text = (const char *)m + FIXED;
    memcpy(&sum, m + FIXED + text_len, 8);
    if (sum != checksum((const uint8_t *)text, text_len)) {
        *why = "header checksum mismatch";
        goto bad;
    }
    size_t sl = strlen(settings);
    if (text_len < sl || memcmp(text, settings, sl)) {
        st = GT_CACHE_STALE;
        *why = "it was built with other settings";
        goto bad;
    }
    want = header_text(settings, fingerprint, count, c, h, w);
    if (strlen(want) != text_len || memcmp(text, want, text_len)) {
        st = GT_CACHE_STALE;
        *why = "the image files changed since it was built";
        goto bad;
    }
    size_t npix = (size_t)count * (size_t)c * (size_t)h * (size_t)w, off = FIXED + text_len + 8;
    if (len != off + npix + 8) {
        *why = len < off + npix + 8 ? "truncated" : "longer than its header says";
        goto bad;
    }
    memcpy(&sum, m + off + npix, 8);
    if (sum != checksum(m + off, npix)) {
        *why = "pixel checksum mismatch";
        goto bad;
    }
    free(want);
    out->base = m;
    out->len = len;
    out->pix = m + off;
    return GT_CACHE_HIT;
bad:
    free(want);
    munmap(m, len);
    return st;
}

void gt__cache_unmap(gt_cache_map *cm) {
    if (cm->base) munmap(cm->base, cm->len);
    memset(cm, 0, sizeof *cm);
}

int gt__cache_save(const char *path, const char *settings, uint64_t fingerprint, int64_t count,
                   int c, int h, int w, const uint8_t *pix) {
    char *dir = gt_xstrdup(path), *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        if (*dir && gt_mkdirs(dir)) {
            free(dir);
            return GT_ERR;
        }
    }
    free(dir);
    char *text = header_text(settings, fingerprint, count, c, h, w);
    uint64_t text_len = strlen(text);
    uint32_t version = CACHE_VERSION, mark = BYTE_ORDER_MARK;
    uint64_t tsum = checksum((uint8_t *)text, text_len);
    size_t npix = (size_t)count * (size_t)c * (size_t)h * (size_t)w;
    uint64_t psum = checksum(pix, npix);
    gt_atomic_file af;
    if (gt_atomic_open(&af, path)) {
        free(text);
        return GT_ERR;
    }
    int ok = fwrite("GTDCACHE", 1, 8, af.f) == 8 && fwrite(&version, 4, 1, af.f) == 1 &&
             fwrite(&mark, 4, 1, af.f) == 1 && fwrite(&text_len, 8, 1, af.f) == 1 &&
             fwrite(text, 1, text_len, af.f) == text_len && fwrite(&tsum, 8, 1, af.f) == 1 &&
             fwrite(pix, 1, npix, af.f) == npix && fwrite(&psum, 8, 1, af.f) == 1;
    free(text);
    if (!ok) {
        int e = errno;
        gt_atomic_abort(&af);
        return gt_error_set("cannot write %s: %s", path, strerror(e ? e : EIO));
    }
    return gt_atomic_commit(&af);
}
