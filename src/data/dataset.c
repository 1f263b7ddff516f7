/* dataset.c — opening a dataset from the [data] section: the options and
 * the datasets' defaults, the class filter and limit, preprocessing of the
 * in-memory formats, the accessors and the float conversion of batches. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/sysmem.h"
#include "gantrain/threads.h"
#include "internal.h"

/* ---- description lines ------------------------------------------------ */

void gt__desc(gt_dataset *ds, const char *fmt, ...) {
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if (n >= (int)sizeof line) n = (int)sizeof line - 1;
    if (ds->desc_len + (size_t)n + 2 > ds->desc_cap) {
        ds->desc_cap = (ds->desc_len + (size_t)n + 2) * 2;
        ds->desc = gt_xrealloc(ds->desc, ds->desc_cap);
    }
    memcpy(ds->desc + ds->desc_len, line, (size_t)n);
    ds->desc_len += (size_t)n;
    ds->desc[ds->desc_len++] = '\n';
    ds->desc[ds->desc_len] = 0;
}

int gt__data_fits(const char *what, int64_t count, int64_t bytes) {
    double need = (double)count * (double)bytes, have = (double)gt_mem_budget();
    if (need <= have) return GT_OK;
    char a[32], b[32];
    return gt_error_set("%s: %lld samples of %lld bytes would take %s in memory, more than the %s "
                        "of %s; lower data.image_size or set data.limit",
                        what, (long long)count, (long long)bytes, gt_fmt_bytes(need, a, sizeof a),
                        gt_fmt_bytes(have, b, sizeof b), gt_mem_budget_source());
}

const char *gt__fetch_hint(const gt_data_opts *o) {
    switch (o->kind) {
    case GT_DATA_FASHION_MNIST:
        return "install the Debian package dataset-fashion-mnist, run scripts/fetch-data.sh "
               "fashion-mnist, or set data.path";
    case GT_DATA_MNIST: return "run scripts/fetch-data.sh mnist, or set data.path";
    case GT_DATA_CIFAR10:
        return "run scripts/fetch-data.sh cifar10, or set data.path to the binary version's "
               "directory (cifar-10-batches-bin)";
    case GT_DATA_CELEBA:
        return "run scripts/fetch-data.sh celeba (README.md says how CelebA is obtained), or set "
               "data.path";
    default: return "set data.path to a directory of JPEG/PNG images";
    }
}

/* ---- options ---------------------------------------------------------- */

static const char *const kind_names[] = {"mnist", "fashion-mnist", "cifar10", "celeba", "folder", "toy2d"};

static void opts_free(gt_data_opts *o) { free(o->path); }

static void opts_read(gt_data_opts *o, const gt_config *cfg) {
    memset(o, 0, sizeof *o);
    const char *kind = gt_cfg_str(cfg, "data", "dataset");
    for (int k = 0; k < 6; k++)
        if (!strcmp(kind, kind_names[k])) o->kind = (gt_data_kind)k;
    o->kind_name = kind_names[o->kind];
    const char *path = gt_cfg_str(cfg, "data", "path");
    if (*path) {
        o->path = gt_xstrdup(path);
    } else {
        o->path_is_default = 1;
        char buf[64];
        if (o->kind == GT_DATA_FASHION_MNIST)
            snprintf(buf, sizeof buf, "/usr/share/datasets/fashion-mnist");
        else
            snprintf(buf, sizeof buf, "data/%s", o->kind_name);
        o->path = gt_xstrdup(buf);
    }
    /* "dir/" and "dir" name the same thing; messages read better without */
    size_t n = strlen(o->path);
    while (n > 1 && o->path[n - 1] == '/') o->path[--n] = 0;
    o->split_name = gt_cfg_str(cfg, "data", "split");
    o->split = !strcmp(o->split_name, "test") ? GT_SPLIT_TEST
               : !strcmp(o->split_name, "all") ? GT_SPLIT_ALL
                                                 : GT_SPLIT_TRAIN;
    o->image_size = (int)gt_cfg_int(cfg, "data", "image_size");
    o->channels = atoi(gt_cfg_str(cfg, "data", "channels")); /* the schema allows 0|1|3 only */
    o->crop = (int)gt_cfg_int(cfg, "data", "center_crop");
    if (o->kind == GT_DATA_CELEBA) {
        /* the DCGAN-tensorflow framing: a 108 square around the face, shrunk to 64 */
        if (o->crop == 0) o->crop = 108;
        if (o->image_size == 0) o->image_size = 64;
    }
    if ((o->kind == GT_DATA_CELEBA || o->kind == GT_DATA_FOLDER) && o->channels == 0) o->channels = 3;
    o->limit = gt_cfg_int(cfg, "data", "limit");
    o->folder_classes = gt_cfg_bool(cfg, "data", "folder_classes");
    o->classes = gt_cfg_str(cfg, "data", "classes");
    o->classes_where = gt_cfg_where(cfg, "data", "classes");
    const char *cache = gt_cfg_str(cfg, "data", "cache");
    o->cache_dir = (*cache && strcmp(cache, "none")) ? cache : NULL;
    o->toy = gt_cfg_str(cfg, "data", "toy");
    o->toy_n = gt_cfg_int(cfg, "data", "toy_n");
    o->seed = (uint64_t)gt_cfg_int(cfg, "train", "seed");
    o->sine_a = gt_cfg_float(cfg, "data", "sine_amplitude");
    o->sine_w = gt_cfg_float(cfg, "data", "sine_freq");
}

/* ---- class filter ----------------------------------------------------- */

/* Lowercase letters and digits only: "T-shirt/top" ~ "t-shirt / top" ~ "tshirttop". */
static void norm_name(const char *s, char *out, size_t cap) {
    size_t k = 0;
    for (; *s && k + 1 < cap; s++)
        if (isalnum((unsigned char)*s)) out[k++] = (char)tolower((unsigned char)*s);
    out[k] = 0;
}

/* A name matches a class when equal after normalising, or equal to one of
 * its '/'-separated alternatives ("T-shirt/top" answers to "t-shirt"). */
static int name_matches(const char *want, const char *cls) {
    char a[256], b[256];
    norm_name(want, a, sizeof a);
    if (!*a) return 0;
    norm_name(cls, b, sizeof b);
    if (!strcmp(a, b)) return 1;
    if (!strchr(cls, '/')) return 0;
    for (const char *s = cls;;) {
        const char *slash = strchr(s, '/');
        size_t len = slash ? (size_t)(slash - s) : strlen(s);
        char part[256];
        if (len >= sizeof part) len = sizeof part - 1;
        memcpy(part, s, len);
        part[len] = 0;
        norm_name(part, b, sizeof b);
        if (!strcmp(a, b)) return 1;
        if (!slash) return 0;
        s = slash + 1;
    }
}

static int edit_distance(const char *a, const char *b) {
    int la = (int)strlen(a), lb = (int)strlen(b);
    if (la > 60 || lb > 60) return 99;
    int d[61][61];
    for (int i = 0; i <= la; i++) d[i][0] = i;
    for (int j = 0; j <= lb; j++) d[0][j] = j;
    for (int i = 1; i <= la; i++)
        for (int j = 1; j <= lb; j++) {
            int sub = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            int del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
            d[i][j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
        }
    return d[la][lb];
}

static void list_names(char *buf, size_t cap, int n, char *const *names) {
    size_t k = 0;
    buf[0] = 0;
    for (int i = 0; i < n && k + 8 < cap; i++) {
        int w = snprintf(buf + k, cap - k, "%s%s", i ? ", " : "", names[i]);
        if (w < 0 || (size_t)w >= cap - k) {
            snprintf(buf + (k < cap - 5 ? k : cap - 5), 5, "...");
            return;
        }
        k += (size_t)w;
    }
}

/* "x.ini:7: data.classes", "--set data.classes" or "data.classes (preset x)":
 * where the list came from */
static const char *classes_key(const gt_data_opts *o) {
    static _Thread_local char buf[600];
    if (!strncmp(o->classes_where, "--set", 5))
        snprintf(buf, sizeof buf, "%s", o->classes_where); /* "--set data.classes" */
    else if (strchr(o->classes_where, ':'))
        snprintf(buf, sizeof buf, "%s: data.classes", o->classes_where);
    else
        snprintf(buf, sizeof buf, "data.classes (%s)", o->classes_where);
    return buf;
}

int gt__class_map(const gt_data_opts *o, int n, char *const *names, int *map, int *n_keep) {
    char **items = NULL;
    int n_items = gt_cfg_list(o->classes, &items), rc = GT_OK;
    if (n_items == 0) {
        for (int k = 0; k < n; k++) map[k] = k;
        *n_keep = n;
        gt_cfg_list_free(items, n_items);
        return GT_OK;
    }
    if (n == 0) {
        gt_cfg_list_free(items, n_items);
        return gt_error_set("%s is set but %s has no classes%s", classes_key(o),
                            o->kind_name,
                            o->kind == GT_DATA_FOLDER ? " (set data.folder_classes = true to make "
                                                        "each subfolder a class)"
                                                      : "");
    }
    for (int k = 0; k < n; k++) map[k] = -1;
    for (int i = 0; i < n_items && rc == GT_OK; i++) {
        const char *t = items[i];
        int found = -1;
        /* a class's own name first, so a folder named "7" is that folder */
        for (int k = 0; k < n && found < 0; k++)
            if (!strcmp(t, names[k])) found = k;
        for (int k = 0; k < n && found < 0; k++)
            if (name_matches(t, names[k])) found = k;
        if (found < 0 && t[strspn(t, "0123456789")] == 0) {
            long v = strtol(t, NULL, 10);
            if (strlen(t) > 9 || v >= n) {
                rc = gt_error_set("%s: class index %s is out of range 0..%d of %s", classes_key(o), t,
                                  n - 1, o->kind_name);
                break;
            }
            found = (int)v;
        }
        if (found < 0) {
            int best = -1, bd = 99;
            for (int k = 0; k < n; k++) {
                int d = edit_distance(t, names[k]);
                if (d < bd) bd = d, best = k;
            }
            char known[400], hint[300] = "";
            list_names(known, sizeof known, n, names);
            if (best >= 0 && bd <= 1 + (int)strlen(t) / 3)
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", names[best]);
            rc = gt_error_set("%s: unknown class '%s' in %s%s; classes are: %s", classes_key(o), t,
                              o->kind_name, hint, known);
            break;
        }
        map[found] = 0; /* mark; numbered below */
    }
    gt_cfg_list_free(items, n_items);
    if (rc) return rc;
    int m = 0;
    for (int k = 0; k < n; k++)
        if (map[k] == 0) map[k] = m++;
        else map[k] = -1;
    *n_keep = m;
    return GT_OK;
}

/* Applies the class filter (renumbering labels and names) and the limit to
 * an in-memory dataset of the IDX / CIFAR-10 kind. */
static int select_samples(gt_dataset *ds, const gt_data_opts *o) {
    int *map = gt_xmalloc((size_t)(ds->n_classes + 1) * sizeof *map), n_keep;
    if (gt__class_map(o, ds->n_classes, ds->class_names, map, &n_keep)) {
        free(map);
        return GT_ERR;
    }
    size_t sz = (size_t)ds->dim;
    int64_t m = 0;
    int filtered = n_keep != ds->n_classes;
    for (int64_t i = 0; i < ds->count; i++) {
        if (o->limit > 0 && m >= o->limit) break;
        int nl = map[ds->labels[i]];
        if (nl < 0) continue;
        if (m != i) memcpy(ds->pix + (size_t)m * sz, ds->pix + (size_t)i * sz, sz);
        ds->labels[m++] = nl;
    }
    if (filtered) {
        char kept[400] = "";
        size_t k = 0;
        for (int c = 0; c < ds->n_classes; c++)
            if (map[c] >= 0 && k + 40 < sizeof kept)
                k += (size_t)snprintf(kept + k, sizeof kept - k, "%s%d %s (was %d)", k ? ", " : "",
                                      map[c], ds->class_names[c], c);
        gt__desc(ds, "classes kept: %s", kept);
        int j = 0;
        for (int c = 0; c < ds->n_classes; c++) {
            if (map[c] >= 0)
                ds->class_names[j++] = ds->class_names[c];
            else
                free(ds->class_names[c]);
        }
        ds->n_classes = n_keep;
    }
    if (o->limit > 0 && m == o->limit && m < ds->count) gt__desc(ds, "limit: first %lld kept", (long long)m);
    free(map);
    if (m == 0) return gt_error_set("%s: no samples left after data.classes", o->path);
    if (m < ds->count) {
        ds->count = m;
        ds->pix = gt_xrealloc(ds->pix, (size_t)m * sz);
        ds->labels = gt_xrealloc(ds->labels, (size_t)m * sizeof *ds->labels);
    }
    return GT_OK;
}

gt_dataset *gt_dataset_open(const gt_config *cfg) {
    gt_data_opts o;
    opts_read(&o, cfg);
    gt_dataset *ds = gt_xcalloc(1, sizeof *ds);
    ds->kind = o.kind;
    int rc;
    switch (o.kind) {
    case GT_DATA_MNIST:
    case GT_DATA_FASHION_MNIST: rc = gt__idx_load(ds, &o); break;
    case GT_DATA_CIFAR10: rc = gt__cifar10_load(ds, &o); break;
    case GT_DATA_CELEBA:
    case GT_DATA_FOLDER: rc = gt__folder_load(ds, &o); break;
    default: rc = gt__toy2d_load(ds, &o); break;
    }
    if (!rc && (o.kind == GT_DATA_MNIST || o.kind == GT_DATA_FASHION_MNIST || o.kind == GT_DATA_CIFAR10)) {
        gt_prep p = {o.crop, o.image_size, o.channels};
        rc = select_samples(ds, &o);
        if (!rc) rc = gt__prep_dataset(ds, &p, o.path);
    }
    if (!rc && !ds->name) ds->name = gt_xstrdup(o.kind_name);
    opts_free(&o);
    if (rc) {
        gt_dataset_free(ds);
        return NULL;
    }
    return ds;
}

void gt_dataset_free(gt_dataset *ds) {
    if (!ds) return;
    for (int k = 0; k < ds->n_classes; k++) free(ds->class_names[k]);
    free(ds->class_names);
    free(ds->name);
    if (ds->map.base)
        gt__cache_unmap(&ds->map);
    else
        free(ds->pix);
    free(ds->pts);
    free(ds->labels);
    free(ds->desc);
    free(ds);
}

/* ---- accessors -------------------------------------------------------- */

gt_data_kind gt_dataset_kind(const gt_dataset *ds) { return ds->kind; }
const char *gt_dataset_name(const gt_dataset *ds) { return ds->name; }
int64_t gt_dataset_count(const gt_dataset *ds) { return ds->count; }
int gt_dataset_channels(const gt_dataset *ds) { return ds->c; }
int gt_dataset_height(const gt_dataset *ds) { return ds->h; }
int gt_dataset_width(const gt_dataset *ds) { return ds->w; }
int gt_dataset_sample_size(const gt_dataset *ds) { return ds->dim; }
int gt_dataset_n_classes(const gt_dataset *ds) { return ds->n_classes; }
const uint8_t *gt_dataset_pixels(const gt_dataset *ds) { return ds->pix; }
const float *gt_dataset_points(const gt_dataset *ds) { return ds->pts; }
const char *gt_dataset_describe(const gt_dataset *ds) { return ds->desc ? ds->desc : ""; }

int gt_dataset_batch_shape(const gt_dataset *ds, int n, int shape[4]) {
    shape[0] = n;
    if (ds->kind == GT_DATA_TOY2D) {
        shape[1] = 2, shape[2] = shape[3] = 0;
        return 2;
    }
    shape[1] = ds->c, shape[2] = ds->h, shape[3] = ds->w;
    return 4;
}

const char *gt_dataset_class_name(const gt_dataset *ds, int k) {
    GT_ASSERTF(k >= 0 && k < ds->n_classes, "class %d of %d", k, ds->n_classes);
    return ds->class_names[k];
}

int gt_dataset_label(const gt_dataset *ds, int64_t i) {
    GT_ASSERTF(i >= 0 && i < ds->count, "sample %lld of %lld", (long long)i, (long long)ds->count);
    return ds->labels ? ds->labels[i] : -1;
}

/* ---- batches ---------------------------------------------------------- */

float gt_data_pixel_float(uint8_t v) { return (float)(v / 127.5 - 1.0); }

void gt_dataset_fill(const gt_dataset *ds, const int64_t *idx, int n, float *x, float *labels) {
    GT_ASSERTF(!labels || ds->labels, "labels asked of the unlabelled dataset %s", ds->name);
    int64_t d = ds->dim;
    for (int b = 0; b < n; b++) {
        GT_ASSERTF(idx[b] >= 0 && idx[b] < ds->count, "sample %lld of %lld", (long long)idx[b],
                   (long long)ds->count);
        if (labels) labels[b] = (float)ds->labels[idx[b]];
    }
    if (ds->pts) {
        for (int b = 0; b < n; b++) memcpy(x + (int64_t)b * 2, ds->pts + idx[b] * 2, 2 * sizeof(float));
        return;
    }
#pragma omp parallel for schedule(static) if ((int64_t)n * d >= GT_PAR_MIN * 8)
    for (int b = 0; b < n; b++) {
        const uint8_t *src = ds->pix + idx[b] * d;
        float *dst = x + (int64_t)b * d;
        /* equal to gt_data_pixel_float() for all 256 bytes (tested), and
         * vectorised, unlike a table lookup */
        for (int64_t j = 0; j < d; j++) dst[j] = ((float)src[j] - 127.5f) / 127.5f;
    }
}
