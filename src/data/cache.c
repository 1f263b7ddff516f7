/* cache.c — the decoded-image cache of JPEG/PNG datasets.
 *
 * Decoding CelebA takes minutes; reading its pixels back takes seconds.  One
 * cache file holds the preprocessed pixels of one (dataset, path, selection,
 * preprocessing) combination; its name carries a hash of those settings, so
 * caches of different settings (64x64 and 32x32, say) live side by side.
 *
 *   "GTDCACHE"  u32 version  u32 0x01020304 (byte order)  u64 text_len
 *   text: the settings, then fingerprint=, count=, shape= lines
 *   u32 CRC-32 of the text
 *   pixels [count, C, H, W]
 *   u32 CRC-32 of the pixels
 *
 * A cache is used only if everything matches: same settings (guards against
 * a renamed file or a hash collision), same fingerprint of the image files
 * (names, sizes, modification times: a changed folder makes it stale), the
 * exact file size and both checksums (else it is corrupt).  Either way the
 * caller rebuilds it and says why. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "internal.h"

#define CACHE_VERSION 1u
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

/* CRC-32 of any length (zlib's takes uInt lengths). */
static uint32_t crc_all(const uint8_t *p, size_t n) {
    uLong crc = crc32(0L, Z_NULL, 0);
    while (n > 0) {
        size_t k = n > (1u << 30) ? (1u << 30) : n;
        crc = crc32(crc, p, (uInt)k);
        p += k, n -= k;
    }
    return (uint32_t)crc;
}

gt_cache_status gt__cache_load(const char *path, const char *settings, uint64_t fingerprint,
                               int64_t count, int c, int h, int w, uint8_t **pix,
                               const char **why) {
    *pix = NULL;
    *why = "";
    FILE *f = fopen(path, "rb");
    if (!f) {
        *why = errno == ENOENT ? "no cache yet" : "cannot be opened";
        return GT_CACHE_MISS;
    }
    gt_cache_status st = GT_CACHE_CORRUPT;
    char *text = NULL, *want = NULL;
    uint8_t *data = NULL;
    unsigned char fixed[FIXED];
    struct stat sb;
    uint32_t version, mark, crc;
    uint64_t text_len;
    if (fstat(fileno(f), &sb) != 0 || fread(fixed, 1, FIXED, f) != FIXED || memcmp(fixed, "GTDCACHE", 8)) {
        *why = "not a gantrain cache file";
        goto out;
    }
    memcpy(&version, fixed + 8, 4);
    memcpy(&mark, fixed + 12, 4);
    memcpy(&text_len, fixed + 16, 8);
    if (mark != BYTE_ORDER_MARK || version != CACHE_VERSION) {
        st = GT_CACHE_STALE;
        *why = "written by another gantrain version or machine";
        goto out;
    }
    if (text_len > (1u << 20) || (long long)text_len + FIXED + 8 > (long long)sb.st_size) {
        *why = "its header is damaged";
        goto out;
    }
    text = gt_xmalloc(text_len + 1);
    if (fread(text, 1, text_len, f) != text_len || fread(&crc, 1, 4, f) != 4 ||
        crc != crc_all((uint8_t *)text, text_len)) {
        *why = "header checksum mismatch";
        goto out;
    }
    text[text_len] = 0;
    size_t sl = strlen(settings);
    if (strncmp(text, settings, sl)) {
        st = GT_CACHE_STALE;
        *why = "it was built with other settings";
        goto out;
    }
    want = header_text(settings, fingerprint, count, c, h, w);
    if (strcmp(text, want)) {
        st = GT_CACHE_STALE;
        *why = "the image files changed since it was built";
        goto out;
    }
    size_t npix = (size_t)count * (size_t)c * (size_t)h * (size_t)w;
    if ((unsigned long long)sb.st_size != FIXED + text_len + 4 + npix + 4) {
        *why = (unsigned long long)sb.st_size < FIXED + text_len + 4 + npix + 4 ? "truncated"
                                                                            : "longer than its header says";
        goto out;
    }
    data = gt_xmalloc(npix ? npix : 1);
    if (fread(data, 1, npix, f) != npix || fread(&crc, 1, 4, f) != 4) {
        *why = "read error";
        goto out;
    }
    if (crc != crc_all(data, npix)) {
        *why = "pixel checksum mismatch";
        goto out;
    }
    *pix = data;
    data = NULL;
    st = GT_CACHE_HIT;
out:
    fclose(f);
    free(text);
    free(want);
    free(data);
    return st;
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
    uint32_t tcrc = crc_all((uint8_t *)text, text_len);
    size_t npix = (size_t)count * (size_t)c * (size_t)h * (size_t)w;
    uint32_t pcrc = crc_all(pix, npix);
    gt_atomic_file af;
    if (gt_atomic_open(&af, path)) {
        free(text);
        return GT_ERR;
    }
    int ok = fwrite("GTDCACHE", 1, 8, af.f) == 8 && fwrite(&version, 4, 1, af.f) == 1 &&
             fwrite(&mark, 4, 1, af.f) == 1 && fwrite(&text_len, 8, 1, af.f) == 1 &&
             fwrite(text, 1, text_len, af.f) == text_len && fwrite(&tcrc, 4, 1, af.f) == 1 &&
             fwrite(pix, 1, npix, af.f) == npix && fwrite(&pcrc, 4, 1, af.f) == 1;
    free(text);
    if (!ok) {
        int e = errno;
        gt_atomic_abort(&af);
        return gt_error_set("cannot write %s: %s", path, strerror(e ? e : EIO));
    }
    return gt_atomic_commit(&af);
}
