/* imagefolder.c — datasets of JPEG/PNG files: `folder` (any directory,
 * searched recursively; with data.folder_classes each top-level subfolder
 * is a class, as torchvision's ImageFolder) and `celeba` (a folder with its
 * own defaults: img_align_celeba/, list_eval_partition.txt for the split,
 * centre crop 108, 64x64, RGB).
 *
 * The files are listed and sorted (byte order of their relative paths),
 * selected (split, classes, limit), and only then decoded: in parallel,
 * straight into the final [N, C, H, W] array, through the preprocessing of
 * preprocess.c.  The result is kept in a cache file (cache.c) so later
 * epochs are memory reads and later runs one file read. */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <stb/stb_image.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/log.h"
#include "internal.h"

typedef struct entry {
    char *rel; /* path relative to the image root */
    int64_t size, mtime_ns;
    int label;
} entry;

typedef struct listing {
    entry *e;
    int64_t n, cap;
    int64_t ignored; /* files that are not JPEG/PNG */
} listing;

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + t.tv_nsec * 1e-9;
}

static int is_image_name(const char *name) {
    const char *dot = strrchr(name, '.');
    return dot && (!strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg") || !strcasecmp(dot, ".png"));
}

static void listing_free(listing *L) {
    for (int64_t i = 0; i < L->n; i++) free(L->e[i].rel);
    free(L->e);
    memset(L, 0, sizeof *L);
}

/* Adds the images under root/sub (recursively, hidden entries skipped). */
static int scan(const char *root, const char *sub, int depth, listing *L) {
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s%s%s", root, *sub ? "/" : "", sub);
    DIR *d = opendir(dir);
    if (!d) return gt_error_set("%s: cannot read directory: %s", dir, strerror(errno));
    struct dirent *de;
    int rc = GT_OK;
    while (rc == GT_OK && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char rel[PATH_MAX], full[PATH_MAX];
        if (snprintf(rel, sizeof rel, "%s%s%s", sub, *sub ? "/" : "", de->d_name) >= (int)sizeof rel ||
            snprintf(full, sizeof full, "%s/%s", root, rel) >= (int)sizeof full) {
            rc = gt_error_set("%s/%s: path too long", dir, de->d_name);
            break;
        }
        struct stat st;
        if (stat(full, &st) != 0) { /* a dangling symlink, say */
            L->ignored++;
            continue;
        }
        if (S_ISDIR(st.st_mode)) {
            if (depth < 32) rc = scan(root, rel, depth + 1, L);
        } else if (S_ISREG(st.st_mode) && is_image_name(de->d_name)) {
            if (L->n == L->cap) {
                L->cap = L->cap ? L->cap * 2 : 1024;
                L->e = gt_xrealloc(L->e, (size_t)L->cap * sizeof *L->e);
            }
            entry *e = &L->e[L->n++];
            e->rel = gt_xstrdup(rel);
            e->size = (int64_t)st.st_size;
            e->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
            e->label = -1;
        } else {
            L->ignored++;
        }
    }
    closedir(d);
    return rc;
}

static int cmp_entry(const void *a, const void *b) {
    return strcmp(((const entry *)a)->rel, ((const entry *)b)->rel);
}

/* ---- CelebA's list_eval_partition ------------------------------------- */

typedef struct part {
    char name[32];
    int p;
} part;

static int cmp_part(const void *a, const void *b) { return strcmp(((const part *)a)->name, ((const part *)b)->name); }

/* Reads "000001.jpg 0" lines (or the CSV "000001.jpg,0" of other mirrors). */
static int read_partition(const char *path, part **out, int64_t *n_out) {
    char *text;
    if (gt_read_file(path, &text, NULL)) return GT_ERR;
    int64_t n = 0, cap = 1024, lineno = 0;
    part *p = gt_xmalloc((size_t)cap * sizeof *p);
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        lineno++;
        char name[64];
        int v;
        char sep[2];
        if (sscanf(line, " %63[^ ,\t\r]%1[ ,\t]%d", name, sep, &v) != 3) {
            if (lineno == 1) continue; /* the CSV's "image_id,partition" */
            if (strspn(line, " \t\r") == strlen(line)) continue;
            free(p);
            free(text);
            return gt_error_set("%s:%lld: want 'NAME.jpg PARTITION', got '%.40s'", path, (long long)lineno, line);
        }
        if (v < 0 || v > 2 || strlen(name) >= sizeof p->name) {
            free(p);
            free(text);
            return gt_error_set("%s:%lld: partition %d of %s is not 0, 1 or 2", path, (long long)lineno, v, name);
        }
        if (n == cap) p = gt_xrealloc(p, (size_t)(cap *= 2) * sizeof *p);
        memcpy(p[n].name, name, strlen(name) + 1); /* fits: checked above */
        p[n++].p = v;
    }
    free(text);
    qsort(p, (size_t)n, sizeof *p, cmp_part);
    *out = p;
    *n_out = n;
    return GT_OK;
}

/* Keeps the entries of the split, by list_eval_partition (0 train, 1 valid,
 * 2 test; "test" is 2, as torchvision's CelebA; "all" keeps everything). */
static int celeba_split(gt_dataset *ds, const gt_data_opts *o, const char *root, listing *L) {
    char path[PATH_MAX] = "";
    const char *cands[] = {"%s/list_eval_partition.txt", "%s/list_eval_partition.csv",
                           "%s/../list_eval_partition.txt", "%s/../list_eval_partition.csv"};
    int found = 0;
    for (int i = 0; i < 4 && !found; i++) {
        snprintf(path, sizeof path, cands[i], i < 2 ? o->path : root);
        found = gt_path_exists(path);
    }
    if (o->split == GT_SPLIT_ALL) return GT_OK;
    if (!found)
        return gt_error_set("%s/list_eval_partition.txt: not found, and data.split = %s needs it (set "
                            "data.split = all to use every image); run scripts/fetch-data.sh celeba",
                            o->path, o->split_name);
    part *p = NULL;
    int64_t np = 0;
    if (read_partition(path, &p, &np)) return GT_ERR;
    int want = o->split == GT_SPLIT_TRAIN ? 0 : 2;
    int64_t m = 0;
    for (int64_t i = 0; i < L->n; i++) {
        const char *base = strrchr(L->e[i].rel, '/');
        base = base ? base + 1 : L->e[i].rel;
        part key;
        snprintf(key.name, sizeof key.name, "%.31s", base); /* longer names match nothing */
        part *hit = bsearch(&key, p, (size_t)np, sizeof *p, cmp_part);
        if (!hit) {
            int rc = gt_error_set("%s/%s: not listed in %s; is the partition file from this "
                                  "CelebA? (data.split = all ignores it)",
                                  root, L->e[i].rel, path);
            free(p);
            return rc;
        }
        if (hit->p == want)
            L->e[m++] = L->e[i];
        else
            free(L->e[i].rel);
    }
    L->n = m;
    free(p);
    gt__desc(ds, "split %s (partition %d of %s): %lld images", o->split_name, want, path, (long long)m);
    return GT_OK;
}

/* ---- decoding --------------------------------------------------------- */

typedef struct decoder {
    uint8_t *buf;
    size_t cap;
    float *scratch;
    size_t scap;
} decoder;

/* Images larger than this many pixels (8192x8192) are refused before
 * decoding: stb allocates width x height x channels bytes for whatever size
 * a header claims, up to 2^24 x 2^24, before it finds the data missing. */
#define MAX_PIXELS ((int64_t)1 << 26)

/* stb_image 2.27 (Debian bookworm's libstb) writes past its Huffman tables
 * when a JPEG's DHT segment declares more than 256 codes (fixed upstream in
 * 2.28; found by tests/fuzz/fuzz_image.c).  Such files are refused before
 * stb sees them.  stb reads a DHT segment wherever it meets the bytes
 * FF C4, so every occurrence is checked the way stb would read it (bytes
 * past the end read as 0, as stb's do). */
static int jpeg_dht_ok(const uint8_t *b, size_t n) {
#define AT(k) ((k) < n ? b[k] : 0)
    for (size_t i = 0; i + 1 < n; i++) {
        if (b[i] != 0xff || b[i + 1] != 0xc4) continue;
        size_t p = i + 2;
        long left = (long)(AT(p) << 8 | AT(p + 1)) - 2;
        p += 2;
        while (left > 0) {
            int q = AT(p);
            if (q >> 4 > 1 || (q & 15) > 3) break; /* stb stops at this header */
            int total = 0;
            for (size_t k = 0; k < 16; k++) total += AT(p + 1 + k);
            if (total > 256) return 0;
            p += 17 + (size_t)total;
            left -= 17 + total;
        }
    }
    return 1;
#undef AT
}

/* Every PNG chunk must fit in the file: stb grows its buffer to the length
 * an IDAT chunk claims before reading it, so a 400-byte file could make it
 * allocate gigabytes (found by tests/fuzz/fuzz_image.c). */
static int png_chunks_ok(const uint8_t *b, size_t n) {
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    if (n < 8 || memcmp(b, sig, 8)) return 1; /* not a PNG: not our business here */
    size_t p = 8;
    while (p + 12 <= n) {
        uint32_t len = (uint32_t)b[p] << 24 | (uint32_t)b[p + 1] << 16 | (uint32_t)b[p + 2] << 8 | b[p + 3];
        if (len > n - p - 12) return 0;
        int end = !memcmp(b + p + 4, "IEND", 4);
        p += 12 + (size_t)len;
        if (end) return 1;
    }
    return 0; /* no IEND: truncated */
}

int gt__image_decode(const uint8_t *buf, size_t len, const char *path, const gt_prep *p, int *oc,
                     int *oh, int *ow, uint8_t *dst, float **scratch, size_t *scap) {
    if (len == 0) return gt_error_set("%s: empty file (0 bytes); delete or replace it", path);
    if (len > (size_t)INT_MAX) return gt_error_set("%s: %zu bytes is too large for an image", path, len);
    /* stb takes any file that starts with 0xFF for a JPEG (fill bytes may
     * come before the start-of-image marker) */
    if (buf[0] == 0xff && !jpeg_dht_ok(buf, len))
        return gt_error_set("%s: cannot decode image (corrupt JPEG: a Huffman table with more than "
                            "256 codes); delete or replace it", path);
    if (!png_chunks_ok(buf, len))
        return gt_error_set("%s: cannot decode image (corrupt or truncated PNG: a chunk runs past the end "
                            "of the file); delete or replace it", path);
    int w, h, comp;
    if (!stbi_info_from_memory(buf, (int)len, &w, &h, &comp))
        return gt_error_set("%s: cannot decode image (%s); delete or replace it", path, stbi_failure_reason());
    if (w < 1 || h < 1 || (int64_t)w * h > MAX_PIXELS)
        return gt_error_set("%s: the header says the image is %dx%d, more than gantrain decodes (%lld "
                            "pixels); delete or replace it",
                            path, w, h, (long long)MAX_PIXELS);
    int req = comp <= 2 ? 1 : 3; /* alpha is dropped */
    int n_ch;
    uint8_t *img = stbi_load_from_memory(buf, (int)len, &w, &h, &n_ch, req);
    if (!img)
        return gt_error_set("%s: cannot decode image (%s); delete or replace it", path, stbi_failure_reason());
    int c2, h2, w2;
    gt_prep q = *p;
    if (q.channels == 0) q.channels = 3;
    if (gt__prep_geometry(&q, path, req, h, w, &c2, &h2, &w2)) {
        stbi_image_free(img);
        return GT_ERR;
    }
    if (*oh == 0) {
        *oc = c2, *oh = h2, *ow = w2;
        stbi_image_free(img);
        return GT_OK;
    }
    if (h2 != *oh || w2 != *ow) {
        stbi_image_free(img);
        return gt_error_set("%s: %dx%d after cropping, but the first image gives %dx%d; set "
                            "data.image_size to resize every image to one size",
                            path, w2, h2, *ow, *oh);
    }
    size_t need = gt__prep_scratch_floats(&q, req, h, w);
    if (need > *scap) {
        *scap = need;
        free(*scratch);
        *scratch = gt_xmalloc(need * sizeof(float));
    }
    gt__prep_image(&q, img, req, h, w, 1, (ptrdiff_t)w * req, req, dst, *scratch);
    stbi_image_free(img);
    return GT_OK;
}

/* Reads root/rel and decodes it (gt__image_decode). */
static int decode_one(decoder *dc, const char *root, const char *rel, const gt_prep *p, int *oc,
                      int *oh, int *ow, uint8_t *dst) {
    char path[PATH_MAX];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "rb");
    if (!f) return gt_error_set("%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return gt_error_set("%s: cannot stat: %s", path, strerror(errno));
    }
    size_t len = (size_t)st.st_size;
    if (len == 0 || len > (size_t)INT_MAX) {
        fclose(f);
        return gt__image_decode(NULL, len, path, p, oc, oh, ow, dst, &dc->scratch, &dc->scap);
    }
    if (len > dc->cap) {
        dc->cap = len * 2;
        dc->buf = gt_xrealloc(dc->buf, dc->cap);
    }
    size_t got = fread(dc->buf, 1, len, f);
    fclose(f);
    if (got != len) return gt_error_set("%s: read error (%zu of %zu bytes)", path, got, len);
    return gt__image_decode(dc->buf, len, path, p, oc, oh, ow, dst, &dc->scratch, &dc->scap);
}

/* Decodes every entry into pix [n, oc, oh, ow], in parallel; the error of
 * the first failing file (in listing order) is the one reported. */
static int decode_all(const char *root, const listing *L, const gt_prep *p, int oc, int oh, int ow,
                      uint8_t *pix) {
    int64_t n = L->n, fail = INT64_MAX, done = 0;
    size_t sz = (size_t)oc * oh * ow;
    char msg[1024] = "";
    double t0 = now_s();
#pragma omp parallel
    {
        decoder dc = {0};
#pragma omp for schedule(dynamic, 16)
        for (int64_t i = 0; i < n; i++) {
            int64_t first_fail;
#pragma omp atomic read
            first_fail = fail;
            if (first_fail < i) continue;
            int c2 = oc, h2 = oh, w2 = ow;
            if (decode_one(&dc, root, L->e[i].rel, p, &c2, &h2, &w2, pix + (size_t)i * sz)) {
#pragma omp critical(gt_decode_fail)
                if (i < fail) {
                    snprintf(msg, sizeof msg, "%s", gt_error());
#pragma omp atomic write
                    fail = i;
                }
            }
            int64_t d;
#pragma omp atomic capture
            d = ++done;
            if (n >= 2000 && d * 10 / n != (d - 1) * 10 / n)
                gt_log_info("  decoded %lld of %lld images (%.0f s)", (long long)d, (long long)n, now_s() - t0);
        }
        free(dc.buf);
        free(dc.scratch);
    }
    if (fail != INT64_MAX) return gt_error_set("%s", msg);
    return GT_OK;
}

/* ---- the dataset ------------------------------------------------------ */

static int images_root(const gt_data_opts *o, char *root, size_t cap) {
    if (!gt_is_dir(o->path))
        return gt_error_set("%s: no such directory (the %s dataset); %s", o->path, o->kind_name,
                            gt__fetch_hint(o));
    if (o->kind == GT_DATA_CELEBA) {
        snprintf(root, cap, "%s/img_align_celeba", o->path);
        if (gt_is_dir(root)) return GT_OK;
    }
    snprintf(root, cap, "%s", o->path);
    return GT_OK;
}

/* Labels from the first path component; class names sorted. */
static int folder_classes(gt_dataset *ds, const gt_data_opts *o, listing *L) {
    int64_t m = 0, direct = 0;
    for (int64_t i = 0; i < L->n; i++) {
        if (!strchr(L->e[i].rel, '/')) {
            direct++;
            free(L->e[i].rel);
            continue;
        }
        L->e[m++] = L->e[i];
    }
    L->n = m;
    if (direct)
        gt__desc(ds, "%lld images directly in %s ignored (data.folder_classes: only subfolders are classes)",
                 (long long)direct, o->path);
    if (m == 0)
        return gt_error_set("%s: data.folder_classes is on but no subfolder holds JPEG or PNG images", o->path);
    /* entries are sorted, so each class's entries are contiguous */
    int cap = 16;
    ds->class_names = gt_xmalloc((size_t)cap * sizeof *ds->class_names);
    for (int64_t i = 0; i < m; i++) {
        const char *rel = L->e[i].rel, *slash = strchr(rel, '/');
        size_t len = (size_t)(slash - rel);
        int k = ds->n_classes - 1;
        if (k < 0 || strlen(ds->class_names[k]) != len || strncmp(ds->class_names[k], rel, len)) {
            if (ds->n_classes == cap) ds->class_names = gt_xrealloc(ds->class_names, (size_t)(cap *= 2) * sizeof *ds->class_names);
            char *name = gt_xmalloc(len + 1);
            memcpy(name, rel, len);
            name[len] = 0;
            ds->class_names[ds->n_classes++] = name;
            k = ds->n_classes - 1;
        }
        L->e[i].label = k;
    }
    return GT_OK;
}

/* Applies data.classes and data.limit to the listing, renumbering labels. */
static int select_entries(gt_dataset *ds, const gt_data_opts *o, listing *L, char *kept, size_t kept_cap) {
    int *map = gt_xmalloc((size_t)(ds->n_classes + 1) * sizeof *map), n_keep;
    if (gt__class_map(o, ds->n_classes, ds->class_names, map, &n_keep)) {
        free(map);
        return GT_ERR;
    }
    size_t k = 0;
    kept[0] = 0;
    for (int c = 0; c < ds->n_classes; c++)
        if (map[c] >= 0 && k + 12 < kept_cap) k += (size_t)snprintf(kept + k, kept_cap - k, "%s%d", k ? "," : "", c);
    int64_t m = 0;
    for (int64_t i = 0; i < L->n; i++) {
        int keep = (o->limit == 0 || m < o->limit) && (ds->n_classes == 0 || map[L->e[i].label] >= 0);
        if (!keep) {
            free(L->e[i].rel);
            continue;
        }
        if (ds->n_classes) L->e[i].label = map[L->e[i].label];
        L->e[m++] = L->e[i];
    }
    if (n_keep != ds->n_classes) {
        char line[600] = "";
        size_t j = 0;
        for (int c = 0; c < ds->n_classes && j + 40 < sizeof line; c++)
            if (map[c] >= 0) j += (size_t)snprintf(line + j, sizeof line - j, "%s%d %s (was %d)", j ? ", " : "", map[c], ds->class_names[c], c);
        gt__desc(ds, "classes kept: %s", line);
        int j2 = 0;
        for (int c = 0; c < ds->n_classes; c++) {
            if (map[c] >= 0)
                ds->class_names[j2++] = ds->class_names[c];
            else
                free(ds->class_names[c]);
        }
        ds->n_classes = n_keep;
    }
    if (o->limit > 0 && m == o->limit && m < L->n) gt__desc(ds, "limit: first %lld kept", (long long)m);
    L->n = m;
    free(map);
    return m == 0 ? gt_error_set("%s: no images left after data.classes", o->path) : GT_OK;
}

int gt__folder_load(gt_dataset *ds, const gt_data_opts *o) {
    char root[PATH_MAX];
    if (images_root(o, root, sizeof root)) return GT_ERR;
    if (o->kind == GT_DATA_FOLDER && o->split == GT_SPLIT_TEST)
        return gt_error_set("%s: data.split = test, but a folder dataset has no test split; use "
                            "split = all, or point data.path at the test images",
                            o->path);
    listing L = {0};
    int rc = scan(root, "", 0, &L);
    if (!rc && L.n == 0)
        rc = gt_error_set("%s: no JPEG or PNG images found (searched recursively%s); %s", root,
                          L.ignored ? ", other files ignored" : "", gt__fetch_hint(o));
    if (rc) {
        listing_free(&L);
        return rc;
    }
    qsort(L.e, (size_t)L.n, sizeof *L.e, cmp_entry);
    gt__desc(ds, "directory %s: %lld JPEG/PNG images%s", root, (long long)L.n,
             L.ignored ? " (other files ignored)" : "");
    if (o->kind == GT_DATA_CELEBA) {
        int none[1], nk;
        rc = gt__class_map(o, 0, NULL, none, &nk); /* an error if classes are asked for */
        if (!rc) rc = celeba_split(ds, o, root, &L);
    } else if (o->folder_classes) {
        rc = folder_classes(ds, o, &L);
    }
    char kept[512];
    if (!rc) rc = select_entries(ds, o, &L, kept, sizeof kept);
    if (rc) {
        listing_free(&L);
        return rc;
    }
    if (ds->n_classes) {
        ds->labels = gt_xmalloc((size_t)L.n * sizeof *ds->labels);
        for (int64_t i = 0; i < L.n; i++) ds->labels[i] = L.e[i].label;
    }
    ds->count = L.n;

    /* the output geometry: fixed by image_size, else that of the first image */
    gt_prep p = {o->crop, o->image_size, o->channels};
    int oc = p.channels ? p.channels : 3, oh = p.size, ow = p.size;
    if (!p.size) {
        decoder dc = {0};
        rc = decode_one(&dc, root, L.e[0].rel, &p, &oc, &oh, &ow, NULL);
        free(dc.buf);
        free(dc.scratch);
        if (rc) {
            listing_free(&L);
            return rc;
        }
    }
    ds->c = oc, ds->h = oh, ds->w = ow, ds->dim = oc * oh * ow;
    if ((rc = gt__data_fits(root, ds->count, ds->dim))) {
        listing_free(&L);
        return rc;
    }
    char steps[200];
    int k = 0;
    if (p.crop) k += snprintf(steps + k, sizeof steps - (size_t)k, "centre crop %d, ", p.crop);
    if (p.size) k += snprintf(steps + k, sizeof steps - (size_t)k, "resize (area down, bilinear up), ");
    snprintf(steps + k, sizeof steps - (size_t)k, "%s -> %dx%dx%d", oc == 3 ? "RGB" : "grey (ITU-R 601 luma)", ow, oh, oc);
    gt__desc(ds, "preprocessing: %s", steps);

    /* the cache: settings text, fingerprint of the selected files */
    char absroot[PATH_MAX];
    if (!realpath(root, absroot)) snprintf(absroot, sizeof absroot, "%s", root);
    char settings[PATH_MAX + 1024];
    snprintf(settings, sizeof settings,
             "gantrain decoded images\ndataset=%s\nroot=%s\nsplit=%s\nfolder_classes=%d\nclasses=%s\n"
             "limit=%lld\ncrop=%d\nsize=%d\nchannels=%d\nresize=area-down/bilinear-up/601-luma v1\n",
             o->kind_name, absroot, o->split_name, o->kind == GT_DATA_FOLDER && o->folder_classes,
             kept, (long long)o->limit, p.crop, p.size, oc);
    uint64_t fp = GT_FNV_INIT;
    for (int64_t i = 0; i < L.n; i++) {
        fp = gt__fnv1a(fp, L.e[i].rel, strlen(L.e[i].rel) + 1);
        fp = gt__fnv1a(fp, &L.e[i].size, sizeof L.e[i].size);
        fp = gt__fnv1a(fp, &L.e[i].mtime_ns, sizeof L.e[i].mtime_ns);
    }
    char *cpath = NULL;
    gt_cache_status cs = GT_CACHE_MISS;
    const char *why = "caching is off (data.cache = none)";
    if (o->cache_dir) {
        const char *base = strrchr(absroot, '/');
        char name[96];
        snprintf(name, sizeof name, "%s-%s", o->kind_name, base && base[1] ? base + 1 : "root");
        cpath = gt__cache_path(o->cache_dir, name, settings);
        double t1 = now_s();
        cs = gt__cache_load(cpath, settings, fp, ds->count, oc, oh, ow, &ds->map, &why);
        if (cs == GT_CACHE_HIT) {
            ds->pix = ds->map.pix;
            gt__desc(ds, "cache %s: hit (%lld images read in %.2f s)", cpath, (long long)ds->count, now_s() - t1);
            free(cpath);
            listing_free(&L);
            return GT_OK;
        }
        if (cs != GT_CACHE_MISS)
            gt_log_info("gantrain: cache %s is %s (%s); rebuilding it", cpath,
                        cs == GT_CACHE_STALE ? "stale" : "corrupt", why);
    }
    if (ds->count >= 2000)
        gt_log_info("gantrain: decoding %lld images of %s (%s)...", (long long)ds->count, root,
                    cpath ? "once: they are cached for later runs" : "no cache");
    ds->pix = gt_xmalloc((size_t)ds->count * (size_t)ds->dim);
    double t2 = now_s();
    rc = decode_all(root, &L, &p, oc, oh, ow, ds->pix);
    listing_free(&L);
    if (rc) {
        free(cpath);
        return rc;
    }
    double dt = now_s() - t2;
    if (!cpath) {
        gt__desc(ds, "decoded %lld images in %.2f s (%s)", (long long)ds->count, dt, why);
        return GT_OK;
    }
    const char *state = cs == GT_CACHE_MISS ? "built" : cs == GT_CACHE_STALE ? "stale, rebuilt" : "corrupt, rebuilt";
    if (gt__cache_save(cpath, settings, fp, ds->count, oc, oh, ow, ds->pix)) {
        gt_log_warn("cannot write the image cache (%s); the next run decodes again", gt_error());
        state = "not written";
    }
    gt__desc(ds, "cache %s: %s (%s; decoded %lld images in %.2f s)", cpath, state, why,
             (long long)ds->count, dt);
    free(cpath);
    return GT_OK;
}
