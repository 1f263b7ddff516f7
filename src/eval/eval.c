/* eval.c — `gantrain eval`: opens the evaluated ("fake") and the reference
 * ("real") image sets, runs both through one feature extractor (the real
 * set's features cached under data/cache/), computes the requested metrics
 * with metrics.h, prints the table and appends one JSON line to the run's
 * eval.jsonl. */
#include "gantrain/eval.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gantrain/ckpt.h"
#include "gantrain/config.h"
#include "gantrain/crc.h"
#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"
#include "gantrain/inception.h"
#include "gantrain/log.h"
#include "gantrain/models.h"

/* the real subset's shuffle: fixed, so the cache serves every --seed */
#define REAL_SUBSET_SEED 0

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int ends_with(const char *s, const char *suffix) {
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && !strcmp(s + a - b, suffix);
}

/* ---- image sets ------------------------------------------------------------ */

typedef enum { SET_NONE, SET_GAN, SET_DATA, SET_STATS } set_kind;

typedef struct imgset {
    set_kind kind;
    const char *role;   /* "fake" or "real" */
    char label[3072];   /* one line for the table */
    char name[1200];    /* short, for JSON */
    int64_t n;          /* images used */
    int c, h, w;
    uint64_t seed;
    /* SET_GAN */
    gt_gan *gan;
    gt_config *gcfg;    /* the checkpoint's config */
    char ckpt[PATH_MAX];
    int64_t step;
    gt_mode mode;
    int gen_batch;
    /* SET_DATA */
    gt_config *dcfg;
    gt_dataset *ds;
    int64_t *idx;       /* [n]: the images used, in order */
    int64_t count;      /* images the dataset holds */
    /* SET_STATS */
    gt_fid_stats st;
} imgset;

static void set_free(imgset *s) {
    gt_gan_free(s->gan);
    gt_config_free(s->gcfg);
    gt_config_free(s->dcfg);
    gt_dataset_free(s->ds);
    free(s->idx);
    gt_fid_stats_free(&s->st);
    memset(s, 0, sizeof *s);
}

static const char *dataset_names[] = {"mnist", "fashion-mnist", "cifar10", "celeba"};

static int is_dataset_name(const char *s, size_t len) {
    for (size_t i = 0; i < sizeof dataset_names / sizeof *dataset_names; i++)
        if (strlen(dataset_names[i]) == len && !strncmp(dataset_names[i], s, len)) return 1;
    return 0;
}

static int cfg_set(gt_config *c, const char *key, const char *value) {
    char b[PATH_MAX + 64];
    snprintf(b, sizeof b, "%s=%s", key, value);
    return gt_config_set_arg(c, b);
}

/* A run directory, or a checkpoint file: the model and its config. */
static int is_checkpoint(const char *spec) {
    char p[PATH_MAX + 16];
    if (gt_is_dir(spec)) {
        snprintf(p, sizeof p, "%s/ckpt/last", spec);
        return gt_path_exists(p);
    }
    return gt_path_exists(spec) && ends_with(spec, ".gtck");
}

static int open_gan(imgset *s, const char *spec, int64_t n, uint64_t seed, int bn_running) {
    char buf[PATH_MAX];
    const char *path = gt_ckpt_resolve(spec, buf, sizeof buf);
    gt_rng rng;
    gt_rng_seed(&rng, 0);
    s->gan = gt_gan_load(path, 0, &s->gcfg, &rng, &s->step);
    if (!s->gan) return GT_ERR;
    if (s->gan->data_ndim != 3)
        return gt_error_setc(GT_ERR_USAGE, "%s: a model of 2-D points; eval compares images (look at the "
                                           "scatter plots of `gantrain sample` instead)",
                             path);
    char real[PATH_MAX];
    snprintf(s->ckpt, sizeof s->ckpt, "%s", realpath(path, real) ? real : path);
    s->kind = SET_GAN;
    s->n = n;
    s->seed = seed;
    s->c = s->gan->data_shape[0], s->h = s->gan->data_shape[1], s->w = s->gan->data_shape[2];
    s->mode = bn_running ? GT_MODE_EVAL : GT_MODE_SAMPLE;
    s->gen_batch = (int)gt_cfg_int(s->gcfg, "train", "batch_size");
    const char *base = strrchr(s->ckpt, '/');
    snprintf(s->name, sizeof s->name, "%s", path);
    char bn[64] = "on running statistics";
    if (!bn_running) snprintf(bn, sizeof bn, "on each generated batch of %d", s->gen_batch);
    /* name the file a run directory or ckpt/last stands for */
    const char *given = strrchr(path, '/');
    given = given ? given + 1 : path;
    base = base ? base + 1 : s->ckpt;
    char which[256];
    if (strcmp(given, base))
        snprintf(which, sizeof which, "%.200s, step %" PRId64, base, s->step);
    else
        snprintf(which, sizeof which, "step %" PRId64, s->step);
    snprintf(s->label, sizeof s->label,
             "%.1200s (%s): %" PRId64 " images %dx%dx%d generated with seed %" PRIu64 ", batch norm %s, rounded to 8 bits",
             path, which, n, s->c, s->h, s->w, seed, bn);
    return GT_OK;
}

/* The first n images of a shuffle seeded with `seed` (all of them, shuffled,
 * when n >= count). */
static int open_data(imgset *s, gt_config *cfg, int64_t n, uint64_t seed) {
    s->dcfg = cfg;
    s->ds = gt_dataset_open(cfg);
    if (!s->ds) return GT_ERR;
    if (gt_dataset_kind(s->ds) == GT_DATA_TOY2D)
        return gt_error_setc(GT_ERR_USAGE, "%s: toy2d is 2-D points; eval compares images",
                             gt_cfg_where(cfg, "data", "dataset"));
    s->kind = SET_DATA;
    s->count = gt_dataset_count(s->ds);
    s->n = n < s->count ? n : s->count;
    s->seed = seed;
    s->c = gt_dataset_channels(s->ds), s->h = gt_dataset_height(s->ds), s->w = gt_dataset_width(s->ds);
    int32_t *perm = gt_xmalloc(sizeof(int32_t) * (size_t)s->count);
    gt_rng r;
    gt_rng_seed(&r, seed);
    gt_rng_permutation(&r, perm, s->count);
    s->idx = gt_xmalloc(sizeof(int64_t) * (size_t)s->n);
    for (int64_t i = 0; i < s->n; i++) s->idx[i] = perm[i];
    free(perm);
    const char *kind = gt_cfg_str(cfg, "data", "dataset");
    int folder = !strcmp(kind, "folder");
    const char *split = gt_cfg_str(cfg, "data", "split");
    if (folder)
        snprintf(s->name, sizeof s->name, "%s", gt_cfg_str(cfg, "data", "path"));
    else
        snprintf(s->name, sizeof s->name, "%s %s", gt_dataset_name(s->ds), split);
    char sel[200];
    if (s->n < s->count)
        snprintf(sel, sizeof sel, "%" PRId64 " of %" PRId64 " images %dx%dx%d (the first of a shuffle seeded with %" PRIu64 ")",
                 s->n, s->count, s->c, s->h, s->w, seed);
    else if (n > s->count)
        snprintf(sel, sizeof sel, "all %" PRId64 " images %dx%dx%d (%" PRId64 " were asked for)", s->count, s->c, s->h,
                 s->w, n);
    else
        snprintf(sel, sizeof sel, "all %" PRId64 " images %dx%dx%d", s->count, s->c, s->h, s->w);
    snprintf(s->label, sizeof s->label, "%s%s%s: %s", folder ? "folder " : "", s->name, folder ? "" : " split", sel);
    return GT_OK;
}

/* Resolves SPEC (see gantrain eval --help).  base: the run's config (or
 * the eval config) whose [data] a dataset name inherits; sets (--set) are
 * applied to any other config the reference set is read with. */
static int open_spec(imgset *s, const char *role, const char *spec, const gt_config *base, int64_t n,
                     uint64_t seed, int bn_running, const char **sets, int n_sets) {
    s->role = role;
    int real = !strcmp(role, "real");
    const char *opt = real ? "--real" : "--fake";
    if (ends_with(spec, ".npz")) {
        if (!real)
            return gt_error_setc(GT_ERR_USAGE, "--fake %s: statistics files can only be the reference "
                                               "(--real); the evaluated set needs images",
                                 spec);
        if (gt_fid_stats_load(spec, &s->st)) return GT_ERR;
        s->kind = SET_STATS;
        s->n = s->st.n;
        snprintf(s->name, sizeof s->name, "%s", spec);
        snprintf(s->label, sizeof s->label, "%s: precomputed statistics (mu, sigma) of %" PRId64 "-d features",
                 spec, s->st.d);
        return GT_OK;
    }
    if (is_checkpoint(spec)) {
        if (!real) return open_gan(s, spec, n, seed, bn_running);
        /* the real data a run was trained on */
        gt_rng r;
        gt_rng_seed(&r, 0);
        char buf[PATH_MAX];
        gt_config *cc = NULL;
        gt_gan *g = gt_gan_load(gt_ckpt_resolve(spec, buf, sizeof buf), 0, &cc, &r, NULL);
        if (!g) return GT_ERR;
        gt_gan_free(g);
        int rc = GT_OK;
        for (int i = 0; i < n_sets && !rc; i++) rc = gt_config_set_arg(cc, sets[i]);
        if (rc) {
            gt_config_free(cc);
            return rc;
        }
        return open_data(s, cc, n, seed);
    }
    gt_config *cfg = NULL;
    int rc = GT_OK;
    if (ends_with(spec, ".ini")) {
        cfg = gt_config_new();
        rc = gt_config_load(cfg, spec);
    } else if (gt_is_dir(spec)) {
        cfg = gt_config_new();
        rc = cfg_set(cfg, "data.dataset", "folder");
        if (!rc) rc = cfg_set(cfg, "data.path", spec);
        if (!rc) rc = cfg_set(cfg, "data.cache", "none"); /* generated folders change: decode each time */
    } else {
        sets = NULL, n_sets = 0; /* base already has them */
        const char *colon = strchr(spec, ':');
        size_t len = colon ? (size_t)(colon - spec) : strlen(spec);
        if (!is_dataset_name(spec, len))
            return gt_error_setc(GT_ERR_USAGE,
                                 "%s '%s': not a directory, checkpoint, .ini%s or dataset name (mnist, "
                                 "fashion-mnist, cifar10 or celeba, optionally with :train, :test or :all)",
                                 opt, spec, real ? ", .npz" : "");
        char name[32];
        snprintf(name, sizeof name, "%.*s", (int)len, spec);
        cfg = base ? gt_config_clone(base) : gt_config_new();
        if (base && strcmp(gt_cfg_str(base, "data", "dataset"), name)) {
            /* another dataset: keep the run's preprocessing, not its files or classes */
            rc = cfg_set(cfg, "data.path", "");
            if (!rc) rc = cfg_set(cfg, "data.classes", "");
            if (!rc) rc = cfg_set(cfg, "data.limit", "0");
        }
        if (!rc) rc = cfg_set(cfg, "data.dataset", name);
        if (!rc && colon) {
            rc = cfg_set(cfg, "data.split", colon + 1);
            if (rc) gt_error_prefix("%s '%s'", opt, spec);
        }
    }
    for (int i = 0; real && i < n_sets && !rc; i++) rc = gt_config_set_arg(cfg, sets[i]);
    if (rc) {
        gt_config_free(cfg);
        return rc == GT_ERR_USAGE ? rc : GT_ERR_USAGE;
    }
    return open_data(s, cfg, n, seed);
}

/* ---- features of a set ------------------------------------------------------ */

typedef struct timing {
    double gen, feat;
} timing;

/* Features [n, dim] (and, when probs is not NULL, probabilities) of every
 * image of the set, produced chunk by chunk so memory holds one chunk of
 * images, whatever n. */
static int set_features(imgset *s, gt_extractor *e, float *feat, float *probs, timing *tm) {
    int64_t per = (int64_t)s->c * s->h * s->w;
    int chunk = 500;
    if (s->kind == SET_GAN) chunk = ((chunk + s->gen_batch - 1) / s->gen_batch) * s->gen_batch;
    float *x = gt_xmalloc(sizeof(float) * (size_t)chunk * (size_t)per);
    float *z = NULL, *labels = NULL;
    gt_ctx *c = NULL;
    gt_gan *m = s->gan;
    if (s->kind == SET_GAN) {
        /* every z first, drawn as gantrain sample draws them, so that the
         * images depend on neither the chunking nor the batch size */
        int zd = m->z_dim;
        gt_rng rng;
        gt_rng_seed(&rng, s->seed);
        z = gt_xmalloc(sizeof(float) * (size_t)s->n * (size_t)zd);
        if (m->z_uniform)
            gt_rng_fill_uniform(&rng, z, s->n * zd, -1.0f, 1.0f);
        else
            gt_rng_fill_normal(&rng, z, s->n * zd, 0.0f, 1.0f);
        if (m->arch->conditional) {
            /* classes in turn: as many images of each */
            labels = gt_xmalloc(sizeof(float) * (size_t)s->n);
            for (int64_t i = 0; i < s->n; i++) labels[i] = (float)(i % m->n_classes);
        }
        c = gt_ctx_new(0);
        gt_set_grad_enabled(c, 0);
    }
    int rc = GT_OK;
    for (int64_t i0 = 0; i0 < s->n && !rc; i0 += chunk) {
        int b = (int)(s->n - i0 < chunk ? s->n - i0 : chunk);
        double t0 = now_s();
        if (s->kind == SET_DATA) {
            gt_dataset_fill(s->ds, s->idx + i0, b, x, NULL);
        } else {
            int zd = m->z_dim;
            for (int j0 = 0; j0 < b; j0 += s->gen_batch) {
                int gb = b - j0 < s->gen_batch ? b - j0 : s->gen_batch;
                int64_t g0 = i0 + j0;
                gt_tensor *zt = gt_from_data(c, z + (size_t)g0 * zd, 2, (int[]){gb, zd});
                gt_tensor *lt = labels ? gt_from_data(c, labels + g0, 1, (int[]){gb}) : NULL;
                /* batch statistics need more than one sample */
                gt_mode mode = (s->mode == GT_MODE_SAMPLE && gb == 1) ? GT_MODE_EVAL : s->mode;
                gt_tensor *y = gt_gan_generate(c, m, zt, lt, mode);
                float *dst = x + (size_t)j0 * per;
                /* 8 bits, as a saved PNG: checkpoint and sample folder agree */
                for (int64_t k = 0; k < y->n; k++) dst[k] = gt_data_pixel_float(gt_pixel_u8(y->data[k]));
                gt_ctx_reset(c);
            }
        }
        double t1 = now_s();
        rc = gt_extractor_features(e, x, b, s->c, s->h, s->w, feat + (size_t)i0 * e->dim,
                                   probs ? probs + (size_t)i0 * e->n_classes : NULL);
        tm->gen += t1 - t0;
        tm->feat += now_s() - t1;
    }
    free(x);
    free(z);
    free(labels);
    gt_ctx_free(c);
    if (!rc) rc = gt_features_check(gt_features_f32(feat, s->n, e->dim), s->role);
    return rc;
}

/* ---- the real features' cache ----------------------------------------------- */

static void cache_key(const imgset *s, const gt_extractor *e, char *key, size_t size) {
    const gt_config *c = s->dcfg;
    char absp[PATH_MAX] = "";
    const char *p = gt_cfg_str(c, "data", "path");
    if (*p && !realpath(p, absp)) snprintf(absp, sizeof absp, "%s", p);
    /* the pixels themselves: a changed file or preprocessing changes the key */
    int64_t per = (int64_t)s->c * s->h * s->w;
    const uint8_t *pix = gt_dataset_pixels(s->ds);
    uint32_t crc = 0;
    for (int64_t i = 0; i < s->n; i++) crc = gt_crc32(crc, pix + s->idx[i] * per, (size_t)per);
    char adapt[256];
    gt_extractor_adaptation(e, s->c, s->h, s->w, adapt, sizeof adapt);
    snprintf(key, size,
             "gantrain eval: real-image features v1\n"
             "dataset=%s\npath=%s\nsplit=%s\nimage_size=%ld\nchannels=%s\ncenter_crop=%ld\nclasses=%s\n"
             "limit=%ld\nfolder_classes=%d\nshape=%dx%dx%d\ncount=%" PRId64 "\nn=%" PRId64
             "\nsubset=shuffle seed %" PRIu64 "\npixels_crc32=%08x\n"
             "features=%s\nweights_crc32=%08x\ndim=%d\nadapt=%s\n",
             gt_dataset_name(s->ds), absp, gt_cfg_str(c, "data", "split"), gt_cfg_int(c, "data", "image_size"),
             gt_cfg_str(c, "data", "channels"), gt_cfg_int(c, "data", "center_crop"), gt_cfg_str(c, "data", "classes"),
             gt_cfg_int(c, "data", "limit"), gt_cfg_bool(c, "data", "folder_classes"), s->c, s->h, s->w, s->count,
             s->n, s->seed, crc, e->name, e->fingerprint, e->dim, adapt);
}

/* data/cache/eval-<dataset>-<split>-<features>-n<n>-<hash>: .gtck holds the
 * features (float32), .npz the FID statistics as pytorch-fid writes them. */
static void cache_stem(const imgset *s, const gt_extractor *e, const char *key, char *out, size_t size) {
    const char *dir = gt_cfg_str(s->dcfg, "data", "cache");
    char ds[64];
    snprintf(ds, sizeof ds, "%s", gt_dataset_name(s->ds));
    for (char *q = ds; *q; q++)
        if (*q == '/' || *q == ' ') *q = '_';
    uint32_t h = gt_crc32(0, key, strlen(key));
    snprintf(out, size, "%s/eval-%s-%s-%s-n%" PRId64 "-%08x", dir, ds, gt_cfg_str(s->dcfg, "data", "split"), e->name,
             s->n, h);
}

static int cache_load(const char *path, const char *key, int64_t n, int d, float *feat) {
    if (!gt_path_exists(path)) return 0;
    gt_ckpt *ck = gt_ckpt_open(path);
    if (!ck) {
        gt_log_warn("%s: unreadable cache (%s); computing the features again", path, gt_error());
        return 0;
    }
    int ok = !strcmp(gt_ckpt_config(ck), key) &&
             gt_ckpt_read(ck, "features", 2, (int[]){(int)n, d}, feat) == GT_OK;
    if (!ok) gt_log_warn("%s: stale or damaged cache; computing the features again", path);
    gt_ckpt_close(ck);
    return ok;
}

static int cache_save(const char *path, const char *key, int64_t n, int d, const float *feat) {
    char dir[PATH_MAX + 16];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (slash) {
        *slash = 0;
        if (gt_mkdirs(dir)) return GT_ERR;
    }
    gt_ckpt_writer *w = gt_ckpt_writer_new(key);
    gt_ckpt_put_str(w, "kind", "eval-features");
    gt_ckpt_add(w, "features", 2, (int[]){(int)n, d}, feat);
    int rc = gt_ckpt_write(w, path);
    gt_ckpt_writer_free(w);
    return rc;
}

/* ---- output ---------------------------------------------------------------- */

typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(sbuf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (b->s && b->len + (size_t)k < b->cap) {
            b->len += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 256) * 2;
        b->s = gt_xrealloc(b->s, b->cap);
        if (b->len == 0) b->s[0] = 0;
    }
}

static void json_str(sbuf *b, const char *key, const char *v) {
    sb_printf(b, ", \"%s\": \"", key);
    for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
        if (*p == '"' || *p == '\\')
            sb_printf(b, "\\%c", *p);
        else if (*p < 0x20)
            sb_printf(b, "\\u%04x", *p);
        else
            sb_printf(b, "%c", *p);
    }
    sb_printf(b, "\"");
}

static void json_num(sbuf *b, const char *key, double v) {
    if (isfinite(v))
        sb_printf(b, ", \"%s\": %.10g", key, v);
    else
        sb_printf(b, ", \"%s\": null", key);
}

static void add_skip(gt_eval_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void add_skip(gt_eval_result *r, const char *fmt, ...) {
    size_t k = strlen(r->skipped);
    if (k && k + 2 < sizeof r->skipped) {
        strcat(r->skipped, "; ");
        k += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->skipped + k, sizeof r->skipped - k, fmt, ap);
    va_end(ap);
}

/* where a run's eval.jsonl lives: RUN/ for RUN or RUN/ckpt/X.gtck, else
 * the checkpoint's directory */
static void jsonl_for(const char *spec, char *out, size_t size) {
    if (gt_is_dir(spec)) {
        snprintf(out, size, "%.1000s/eval.jsonl", spec);
        return;
    }
    char d[PATH_MAX];
    snprintf(d, sizeof d, "%s", spec);
    char *slash = strrchr(d, '/');
    if (!slash) {
        snprintf(out, size, "eval.jsonl");
        return;
    }
    *slash = 0;
    const char *last = strrchr(d, '/');
    last = last ? last + 1 : d;
    if (!strcmp(last, "ckpt")) {
        if (last == d)
            snprintf(out, size, "eval.jsonl");
        else
            snprintf(out, size, "%.*s/eval.jsonl", (int)(last - d - 1 < 1000 ? last - d - 1 : 1000), d);
        return;
    }
    snprintf(out, size, "%.1000s/eval.jsonl", d);
}

/* One line appended with a single write(): a reader sees whole lines, and
 * concurrent evaluations of one run do not lose each other's lines. */
static int append_line(const char *path, const char *line) {
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT, 0666);
    if (fd < 0) return gt_error_set("%s: cannot open for appending: %s", path, strerror(errno));
    size_t len = strlen(line);
    char *buf = gt_xmalloc(len + 2);
    memcpy(buf, line, len);
    buf[len] = '\n';
    ssize_t w = write(fd, buf, len + 1);
    int err = errno;
    free(buf);
    int rc = GT_OK;
    if (w != (ssize_t)(len + 1))
        rc = gt_error_set("%s: write failed: %s", path, w < 0 ? strerror(err) : "short write");
    else if (fsync(fd) != 0)
        rc = gt_error_set("%s: fsync failed: %s", path, strerror(errno));
    close(fd);
    return rc;
}

/* ---- the evaluation ------------------------------------------------------------ */

typedef struct want {
    int fid, is, kid, pr, dc;
} want;

static int parse_metrics(const char *list, want *w) {
    memset(w, 0, sizeof *w);
    char **items;
    int n = gt_cfg_list(list, &items), rc = GT_OK;
    for (int i = 0; i < n && !rc; i++) {
        const char *m = items[i];
        if (!strcmp(m, "fid")) w->fid = 1;
        else if (!strcmp(m, "is")) w->is = 1;
        else if (!strcmp(m, "kid")) w->kid = 1;
        else if (!strcmp(m, "pr")) w->pr = 1;
        else if (!strcmp(m, "dc")) w->dc = 1;
        else if (!strcmp(m, "all")) w->fid = w->is = w->kid = w->pr = w->dc = 1;
        else rc = gt_error_setc(GT_ERR_USAGE, "--metrics: unknown metric '%s'; choose from fid, is, kid, pr, dc, all", m);
    }
    gt_cfg_list_free(items, n);
    if (!rc && !(w->fid || w->is || w->kid || w->pr || w->dc))
        rc = gt_error_setc(GT_ERR_USAGE, "--metrics: no metric named; choose from fid, is, kid, pr, dc, all");
    return rc;
}

static void utc_now(char *buf, size_t n) {
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void gt_eval_result_free(gt_eval_result *res) {
    if (!res) return;
    free(res->json);
    res->json = NULL;
}

int gt_eval_run(const gt_eval_opts *o, gt_eval_result *res) {
    memset(res, 0, sizeof *res);
    double t_start = now_s();
    imgset fake = {0}, real = {0};
    gt_config *ecfg = NULL;
    gt_extractor *e = NULL;
    float *ffeat = NULL, *fprob = NULL, *rfeat = NULL;
    gt_fid_stats fst = {0}, rst = {0};
    sbuf js = {0};
    char *key = NULL;
    char stem[PATH_MAX] = "", cache_note[PATH_MAX + 64] = "";
    int rc = GT_OK;
    const char *fake_spec = o->target ? o->target : o->fake;
    if (!fake_spec) return gt_error_setc(GT_ERR_USAGE, "eval: nothing to evaluate: give RUN_OR_CKPT or --fake SPEC");
    if (o->target && o->fake)
        return gt_error_setc(GT_ERR_USAGE, "eval: RUN_OR_CKPT and --fake exclude each other");
    uint64_t seed = o->seed >= 0 ? (uint64_t)o->seed : 1;

    /* the eval config: the checkpoint's (when there is one) with --set on top */
    ecfg = gt_config_new();
    if (is_checkpoint(fake_spec)) {
        char buf[PATH_MAX];
        gt_ckpt *ck = gt_ckpt_open(gt_ckpt_resolve(fake_spec, buf, sizeof buf));
        if (!ck) {
            rc = GT_ERR;
            goto done;
        }
        rc = gt_config_load_string(ecfg, gt_ckpt_config(ck), gt_ckpt_path(ck));
        gt_ckpt_close(ck);
        if (!rc) rc = gt_preset_apply(ecfg);
        if (rc) goto done;
    } else if (o->target) {
        rc = gt_error_setc(GT_ERR_USAGE, "%s: not a run directory (no ckpt/last) or a .gtck checkpoint",
                           o->target);
        goto done;
    }
    for (int i = 0; i < o->n_sets && !rc; i++) rc = gt_config_set_arg(ecfg, o->sets[i]);
    if (rc) goto done;
    want w;
    if ((rc = parse_metrics(o->metrics ? o->metrics : gt_cfg_str(ecfg, "eval", "metrics"), &w))) goto done;
    res->want_fid = w.fid, res->want_is = w.is, res->want_kid = w.kid, res->want_pr = w.pr, res->want_dc = w.dc;
    int64_t n = o->n > 0 ? o->n : gt_cfg_int(ecfg, "eval", "n");
    int64_t rn = o->real_n > 0 ? o->real_n : gt_cfg_int(ecfg, "eval", "real_n");
    if (rn <= 0) rn = n;

    /* the two sets */
    if ((rc = open_spec(&fake, "fake", fake_spec, ecfg, n, seed, o->bn_running, NULL, 0))) goto done;
    int have_run = fake.kind == SET_GAN;
    const char *real_spec = o->real;
    int need_real = w.fid || w.kid || w.pr || w.dc || o->save_real_stats;
    /* stats_only: no reference set; only the evaluated set's statistics
     * (--save-stats) and IS, which needs none */
    int stats_only = 0;
    if (!need_real) {
        stats_only = 1;
    } else if (real_spec) {
        rc = open_spec(&real, "real", real_spec, ecfg, rn, REAL_SUBSET_SEED, 0, o->sets, o->n_sets);
    } else if (have_run) {
        /* the run's own data: its [data] with --set applied */
        rc = open_data(&real, gt_config_clone(ecfg), rn, REAL_SUBSET_SEED);
        real.role = "real";
    } else if (o->save_stats && !o->save_real_stats) {
        stats_only = 1;
        w.fid = w.kid = w.pr = w.dc = 0;
        res->want_fid = res->want_kid = res->want_pr = res->want_dc = 0;
    } else {
        rc = gt_error_setc(GT_ERR_USAGE, "eval: --fake %s needs --real SPEC to compare with (or "
                                         "--save-stats FILE.npz to only write its statistics)",
                           fake_spec);
    }
    if (rc) goto done;

    /* the extractor */
    const char *features = o->features ? o->features : gt_cfg_str(ecfg, "eval", "features");
    char wpath[PATH_MAX];
    if (o->weights && *o->weights)
        snprintf(wpath, sizeof wpath, "%s", o->weights);
    else if (*gt_cfg_str(ecfg, "eval", "weights"))
        snprintf(wpath, sizeof wpath, "%s", gt_cfg_str(ecfg, "eval", "weights"));
    else if (!strcmp(features, "classifier")) {
        /* the classifier of the real data's dataset */
        const gt_config *dc = real.kind == SET_DATA ? real.dcfg : fake.kind == SET_DATA ? fake.dcfg : ecfg;
        char rel[PATH_MAX];
        gt_classifier_default_path(gt_cfg_str(dc, "data", "dataset"), rel, sizeof rel);
        gt_shipped_path(rel, wpath, sizeof wpath);
    } else {
        wpath[0] = 0; /* the extractor looks up the default Inception weights */
    }
    if (!(e = gt_extractor_open(features, wpath))) {
        rc = strstr(gt_error(), "--features:") ? GT_ERR_USAGE : GT_ERR;
        goto done;
    }
    if (real.kind == SET_STATS && real.st.d != e->dim) {
        rc = gt_error_setc(GT_ERR_USAGE, "--real %s: statistics of %" PRId64 "-d features, but the %s gives %d; %s",
                           real_spec, real.st.d, e->name, e->dim,
                           real.st.d == GT_INCEPTION_POOL_DIM ? "2048 is Inception-v3's pool3: use --features inception"
                                                             : "compute them with the same --features and --weights");
        goto done;
    }
    /* a classifier describes the images it was trained on, not others */
    char mismatch[256] = "";
    const gt_dataset *ref_ds = real.kind == SET_DATA ? real.ds : fake.kind == SET_DATA ? fake.ds : NULL;
    if (e->dataset[0] && ref_ds && strcmp(e->dataset, gt_dataset_name(ref_ds))) {
        snprintf(mismatch, sizeof mismatch, "the classifier was trained on %s, the images are %s: its features "
                 "may not describe them", e->dataset, gt_dataset_name(ref_ds));
        gt_log_warn("%s", mismatch);
    }
    if (real.kind == SET_STATS && (w.kid || w.pr || w.dc))
        gt_log_warn("--real %s holds only statistics: FID can use them, KID, PR and DC need the "
                    "real images",
                    real_spec);

    /* features of the evaluated set */
    timing tm = {0, 0};
    int d = e->dim, K = e->n_classes;
    res->dim = d;
    res->step = fake.kind == SET_GAN ? fake.step : -1;
    res->n_fake = fake.n;
    gt_log_info("gantrain: eval: %s features of %" PRId64 " %s images", e->name, fake.n,
                fake.kind == SET_GAN ? "generated" : fake.role);
    ffeat = gt_xmalloc(sizeof(float) * (size_t)fake.n * (size_t)d);
    if (w.is && K) fprob = gt_xmalloc(sizeof(float) * (size_t)fake.n * (size_t)K);
    if ((rc = set_features(&fake, e, ffeat, fprob, &tm))) goto done;
    double t_feat_fake = tm.feat, t_gen = tm.gen;

    /* features of the real set: cached */
    double t_real = 0;
    if (real.kind == SET_DATA) {
        res->n_real = real.n;
        rfeat = gt_xmalloc(sizeof(float) * (size_t)real.n * (size_t)d);
        int use_cache = !o->no_cache && strcmp(gt_cfg_str(real.dcfg, "data", "cache"), "none");
        double t0 = now_s();
        if (use_cache) {
            key = gt_xmalloc(8192);
            cache_key(&real, e, key, 8192);
            cache_stem(&real, e, key, stem, sizeof stem);
            char p[PATH_MAX + 8];
            snprintf(p, sizeof p, "%s.gtck", stem);
            res->cache_hit = cache_load(p, key, real.n, d, rfeat);
            snprintf(cache_note, sizeof cache_note, "%s (%s)", p, res->cache_hit ? "hit" : "written");
        }
        if (!res->cache_hit) {
            gt_log_info("gantrain: eval: %s features of %" PRId64 " real images", e->name, real.n);
            timing rt = {0, 0};
            if ((rc = set_features(&real, e, rfeat, NULL, &rt))) goto done;
            if (use_cache) {
                char p[PATH_MAX + 8];
                snprintf(p, sizeof p, "%s.gtck", stem);
                if (cache_save(p, key, real.n, d, rfeat)) {
                    gt_log_warn("cannot write the feature cache: %s", gt_error());
                    snprintf(cache_note, sizeof cache_note, "not written (%s)", gt_error());
                }
            }
        }
        t_real = now_s() - t0;
    } else if (real.kind == SET_STATS) {
        res->n_real = real.st.n;
    }

    /* metrics */
    double t_m0 = now_s();
    gt_features F = gt_features_f32(ffeat, fake.n, d);
    gt_features R = gt_features_f32(rfeat, real.n, d);
    int need_stats = (w.fid && !stats_only) || o->save_stats;
    if (need_stats && fake.n < 2) {
        add_skip(res, "FID statistics need at least 2 images");
        need_stats = 0;
    }
    if (need_stats && (rc = gt_fid_stats_compute(F, &fst))) goto done;
    if (o->save_stats && fst.mu) {
        if ((rc = gt_fid_stats_save(o->save_stats, &fst))) goto done;
    }
    if (real.kind == SET_DATA && ((w.fid && !stats_only) || o->save_real_stats) && real.n >= 2) {
        if ((rc = gt_fid_stats_compute(R, &rst))) goto done;
        if (o->save_real_stats && (rc = gt_fid_stats_save(o->save_real_stats, &rst))) goto done;
        if (stem[0]) {
            char p[PATH_MAX + 8];
            snprintf(p, sizeof p, "%s.npz", stem);
            if (!gt_path_exists(p) && gt_fid_stats_save(p, &rst))
                gt_log_warn("cannot write the statistics cache: %s", gt_error());
        }
    } else if (o->save_real_stats && real.kind == SET_STATS) {
        if ((rc = gt_fid_stats_save(o->save_real_stats, &real.st))) goto done;
    }
    const gt_fid_stats *rs = real.kind == SET_STATS ? &real.st : &rst;
    if (w.fid && !stats_only && fst.mu && rs->mu) {
        int64_t nr = real.kind == SET_STATS ? real.st.n : real.n;
        if (fake.n <= d || (nr > 0 && nr <= d)) {
            add_skip(res, "FID needs more images than feature dimensions (%" PRId64 " evaluated, %" PRId64
                          " real, %d features): the covariance would be singular; use --n %d or more",
                     fake.n, nr, d, d + 1);
        } else if (gt_fid_from_stats(&fst, rs, &res->fid)) {
            add_skip(res, "FID: %s", gt_error());
        } else {
            res->has_fid = 1;
        }
    }
    if (w.is) {
        int splits = (int)gt_cfg_int(ecfg, "eval", "is_splits");
        if (!K)
            add_skip(res, "IS: the %s gives no class probabilities", e->name);
        else if (fake.n < splits)
            add_skip(res, "IS needs at least eval.is_splits = %d images, got %" PRId64, splits, fake.n);
        else if (gt_inception_score(gt_features_f32(fprob, fake.n, K), splits, &res->is))
            add_skip(res, "IS: %s", gt_error());
        else
            res->has_is = 1;
    }
    if (!stats_only && (w.kid || w.pr || w.dc) && real.kind != SET_DATA) {
        add_skip(res, "KID/PR/DC need the real images' features, and --real %s holds only statistics", real_spec);
    } else if (!stats_only) {
        if (w.kid) {
            gt_rng kr;
            gt_rng_seed(&kr, seed ^ 0x4B1Dull);
            int64_t kss = gt_cfg_int(ecfg, "eval", "kid_subset_size"), kn = F.n < R.n ? F.n : R.n;
            if (kss > kn)
                add_skip(res, "KID: eval.kid_subset_size = %" PRId64 " is larger than the %" PRId64 " %s images; use "
                         "--set eval.kid_subset_size=%" PRId64 " or less, or evaluate more images (%s)",
                         kss, kn, F.n <= R.n ? "evaluated" : "real", kn, F.n <= R.n ? "--n" : "--real-n");
            else if (gt_kid(F, R, (int)gt_cfg_int(ecfg, "eval", "kid_subsets"), kss, &kr, &res->kid))
                add_skip(res, "KID: %s", gt_error());
            else
                res->has_kid = 1;
        }
        if (w.pr || w.dc) {
            /* k of the unrequested half is not allowed to limit the other */
            int kp = (int)gt_cfg_int(ecfg, "eval", "pr_k"), kd = (int)gt_cfg_int(ecfg, "eval", "dc_k");
            if (!w.dc) kd = kp;
            if (!w.pr) kp = kd;
            if (gt_prdc(R, F, kp, kd, &res->prdc))
                add_skip(res, "%s: %s", w.pr ? (w.dc ? "PR/DC" : "PR") : "DC", gt_error());
            else
                res->has_pr = w.pr, res->has_dc = w.dc;
        }
    }
    double t_metrics = now_s() - t_m0;
    res->seconds = now_s() - t_start;

    /* the JSON line */
    char when[32], adapt_f[256], adapt_r[256] = "";
    utc_now(when, sizeof when);
    gt_extractor_adaptation(e, fake.c, fake.h, fake.w, adapt_f, sizeof adapt_f);
    if (real.kind == SET_DATA) gt_extractor_adaptation(e, real.c, real.h, real.w, adapt_r, sizeof adapt_r);
    sb_printf(&js, "{\"time\": \"%s\"", when);
    if (fake.kind == SET_GAN) {
        json_str(&js, "ckpt", fake.ckpt);
        sb_printf(&js, ", \"step\": %" PRId64, fake.step);
    } else {
        json_str(&js, "fake", fake.name);
    }
    json_str(&js, "real", stats_only ? "" : real.name);
    sb_printf(&js, ", \"n\": %" PRId64 ", \"n_real\": %" PRId64 ", \"seed\": %" PRIu64, fake.n, res->n_real, seed);
    json_str(&js, "features", e->name);
    json_str(&js, "weights", e->weights);
    sb_printf(&js, ", \"dim\": %d", d);
    if (adapt_f[0]) json_str(&js, "adapt", adapt_f);
    if (res->has_fid) json_num(&js, "fid", res->fid.fid);
    else if (w.fid) sb_printf(&js, ", \"fid\": null");
    if (res->has_is) {
        json_num(&js, "is", res->is.mean);
        json_num(&js, "is_std", res->is.std);
        sb_printf(&js, ", \"is_splits\": %d", res->is.splits);
    } else if (w.is) sb_printf(&js, ", \"is\": null");
    if (res->has_kid) {
        json_num(&js, "kid", res->kid.mean);
        json_num(&js, "kid_std", res->kid.std);
        sb_printf(&js, ", \"kid_subsets\": %d, \"kid_subset_size\": %" PRId64, res->kid.subsets, res->kid.subset_size);
    } else if (w.kid) sb_printf(&js, ", \"kid\": null");
    if (res->has_pr) {
        json_num(&js, "precision", res->prdc.precision);
        json_num(&js, "recall", res->prdc.recall);
        json_num(&js, "f1", res->prdc.f1);
        sb_printf(&js, ", \"pr_k\": %d", res->prdc.k_pr);
    } else if (w.pr) sb_printf(&js, ", \"precision\": null, \"recall\": null");
    if (res->has_dc) {
        json_num(&js, "density", res->prdc.density);
        json_num(&js, "coverage", res->prdc.coverage);
        sb_printf(&js, ", \"dc_k\": %d", res->prdc.k_dc);
    } else if (w.dc) sb_printf(&js, ", \"density\": null, \"coverage\": null");
    if (res->skipped[0]) json_str(&js, "skipped", res->skipped);
    json_num(&js, "seconds", res->seconds);
    sb_printf(&js, "}");
    res->json = js.s;
    js.s = NULL;

    /* eval.jsonl */
    if (o->jsonl) {
        if (*o->jsonl && strcmp(o->jsonl, "none")) snprintf(res->jsonl_path, sizeof res->jsonl_path, "%s", o->jsonl);
    } else if (fake.kind == SET_GAN) {
        jsonl_for(fake_spec, res->jsonl_path, sizeof res->jsonl_path);
    }
    int any_metric = w.fid || w.is || w.kid || w.pr || w.dc;
    if (res->jsonl_path[0] && any_metric && (rc = append_line(res->jsonl_path, res->json))) goto done;

    /* the table */
    FILE *out = o->out;
    if (out && o->json_stdout) {
        fprintf(out, "%s\n", res->json);
    } else if (out) {
        fprintf(out, "%-11s %s\n", have_run ? "generated" : "evaluated", fake.label);
        if (stats_only)
            fprintf(out, "%-11s (none: %s)\n", "real", w.is ? "IS needs none" : "statistics only");
        else
            fprintf(out, "%-11s %s\n", "real", real.label);
        fprintf(out, "%-11s %s\n", "features", e->describe);
        if (adapt_f[0] || adapt_r[0]) {
            if (!strcmp(adapt_f, adapt_r) || real.kind != SET_DATA)
                fprintf(out, "%-11s %s images %s\n", "", real.kind == SET_DATA ? "all" : "evaluated", adapt_f);
            else {
                if (adapt_f[0]) fprintf(out, "%-11s evaluated images %s\n", "", adapt_f);
                if (adapt_r[0]) fprintf(out, "%-11s real images %s\n", "", adapt_r);
            }
        }
        if (mismatch[0]) fprintf(out, "%-11s %s\n", "warning", mismatch);
        if (cache_note[0]) fprintf(out, "%-11s %s\n", "real cache", cache_note);
        fprintf(out, "\n");
        if (res->has_fid) {
            fprintf(out, "%-11s %.4f\n", "FID", res->fid.fid);
            if (res->fid.n_complex || res->fid.used_eps)
                fprintf(out, "%-11s (sqrt(S1 S2): %d complex eigenvalues%s)\n", "", res->fid.n_complex,
                        res->fid.used_eps ? ", 1e-6 added to the diagonals" : "");
        }
        if (res->has_is)
            fprintf(out, "%-11s %.4f +- %.4f  (%d split%s)\n", "IS", res->is.mean, res->is.std, res->is.splits,
                    res->is.splits == 1 ? "" : "s");
        if (res->has_kid)
            fprintf(out, "%-11s %.6f +- %.6f  (%d subsets of %" PRId64 ")\n", "KID", res->kid.mean, res->kid.std,
                    res->kid.subsets, res->kid.subset_size);
        if (res->has_pr) {
            fprintf(out, "%-11s %.4f  (k = %d)\n", "precision", res->prdc.precision, res->prdc.k_pr);
            fprintf(out, "%-11s %.4f\n", "recall", res->prdc.recall);
            fprintf(out, "%-11s %.4f\n", "F1", res->prdc.f1);
        }
        if (res->has_dc) {
            fprintf(out, "%-11s %.4f  (k = %d)\n", "density", res->prdc.density, res->prdc.k_dc);
            fprintf(out, "%-11s %.4f\n", "coverage", res->prdc.coverage);
        }
        if (res->skipped[0]) fprintf(out, "%-11s %s\n", "not computed", res->skipped);
        if (o->save_stats && fst.mu) fprintf(out, "%-11s %s (mu, sigma of the evaluated images)\n", "stats", o->save_stats);
        if (o->save_real_stats) fprintf(out, "%-11s %s (mu, sigma of the real images)\n", "real stats", o->save_real_stats);
        fprintf(out, "\n%-11s %.1f s (%s %.1f s, features %.1f s, real features %.1f s%s, metrics %.1f s)\n", "time",
                res->seconds, fake.kind == SET_GAN ? "generation" : "reading", t_gen, t_feat_fake, t_real,
                res->cache_hit ? " from the cache" : "", t_metrics);
        if (res->jsonl_path[0] && any_metric) fprintf(out, "%-11s %s (one line appended)\n", "log", res->jsonl_path);
        fflush(out);
    }
    if (res->skipped[0]) rc = gt_error_set("%s", res->skipped);

done:
    free(key);
    free(js.s);
    free(ffeat);
    free(fprob);
    free(rfeat);
    gt_fid_stats_free(&fst);
    gt_fid_stats_free(&rst);
    gt_extractor_free(e);
    set_free(&fake);
    set_free(&real);
    gt_config_free(ecfg);
    return rc;
}
