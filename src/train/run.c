/* run.c — `gantrain train`: sets up a run from its config, drives the
 * iterations, and keeps the run directory (resolved config.ini, log.csv,
 * sample grids from a fixed z, checkpoints with ckpt/last, TensorBoard
 * events); resumes from ckpt/last; stops cleanly on SIGINT/SIGTERM. */
#include "gantrain/run.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gantrain/ckpt.h"
#include "gantrain/csvlog.h"
#include "gantrain/data.h"
#include "gantrain/dist.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/image.h"
#include "gantrain/log.h"
#include "gantrain/models.h"
#include "gantrain/tfevents.h"
#include "gantrain/threads.h"
#include "gantrain/toyviz.h"
#include "gantrain/train.h"

/* ---- signals ------------------------------------------------------------ */

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig) {
    if (stop_signal) {
        /* second signal: leave at once; files are only ever renamed into
         * place whole, so nothing on disk is half-written */
        static const char msg[] = "\ngantrain: interrupted again, exiting without a checkpoint\n";
        ssize_t w = write(2, msg, sizeof msg - 1);
        (void)w;
        _exit(128 + sig);
    }
    stop_signal = sig;
}

/* ---- the run ------------------------------------------------------------ */

typedef struct run {
    gt_config *cfg;
    gt_dataset *ds;
    gt_loader ld;
    gt_gan *gan;
    gt_trainer tr;
    uint64_t seed;
    char dir[PATH_MAX];
    gt_csvlog *csv;
    gt_tfevents *tb;
    gt_toyviz *viz;         /* toy2d runs: the four-panel frames */
    int64_t total;          /* iterations to run */
    int n_fixed, fixed_nrow;
    float *fixed_z, *fixed_labels;
    int n_cols;
    const char *cols[16];
    double t_start;
    int64_t step_start;
    int tty;
    int writer;             /* rank 0 of a data-parallel run (or the only process) writes */
    char last_sample[PATH_MAX + 64];
} run;

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int loader_batch(void *ud, int off, int count, float *x, float *labels) {
    gt_loader_next_slice(ud, off, count, x, labels, NULL);
    return GT_OK;
}

static void path_in(const run *r, char *out, size_t n, const char *rel) {
    snprintf(out, n, "%s/%s", r->dir, rel);
}

/* the log columns: the figures this objective has */
static void choose_columns(run *r) {
    int n = 0;
    r->cols[n++] = "step";
    r->cols[n++] = "epoch";
    r->cols[n++] = "d_loss";
    r->cols[n++] = "g_loss";
    switch (r->tr.obj) {
    case GT_OBJ_NS:
    case GT_OBJ_MM:
    case GT_OBJ_LS:
        r->cols[n++] = "d_real";
        r->cols[n++] = "d_fake";
        break;
    case GT_OBJ_WGAN:
        r->cols[n++] = "wasserstein";
        r->cols[n++] = "d_real";
        r->cols[n++] = "d_fake";
        break;
    case GT_OBJ_WGAN_GP:
        r->cols[n++] = "wasserstein";
        r->cols[n++] = "gp";
        r->cols[n++] = "d_real";
        r->cols[n++] = "d_fake";
        break;
    case GT_OBJ_BEGAN:
        r->cols[n++] = "k_t";
        r->cols[n++] = "m_global";
        r->cols[n++] = "l_real";
        r->cols[n++] = "l_fake";
        break;
    }
    r->cols[n++] = "g_lr";
    r->cols[n++] = "d_lr";
    r->n_cols = n;
}

static double stat_of(const gt_stats *s, const char *col, double epoch) {
    if (!strcmp(col, "epoch")) return epoch;
    if (!strcmp(col, "d_loss")) return s->d_loss;
    if (!strcmp(col, "g_loss")) return s->g_loss;
    if (!strcmp(col, "d_real")) return s->d_real;
    if (!strcmp(col, "d_fake")) return s->d_fake;
    if (!strcmp(col, "wasserstein")) return s->wdist;
    if (!strcmp(col, "gp")) return s->gp;
    if (!strcmp(col, "k_t")) return s->kt;
    if (!strcmp(col, "m_global")) return s->m_global;
    if (!strcmp(col, "l_real")) return s->l_real;
    if (!strcmp(col, "l_fake")) return s->l_fake;
    if (!strcmp(col, "g_lr")) return s->g_lr;
    if (!strcmp(col, "d_lr")) return s->d_lr;
    return NAN;
}

static double epoch_of(const run *r) {
    int64_t per = gt_loader_batches_per_epoch(&r->ld);
    return (double)r->ld.epoch + (per ? (double)(r->ld.pos / r->ld.batch_size) / (double)per : 0);
}

/* ---- samples ------------------------------------------------------------ */

/* Fixed noise (and, for conditional models, one row per class) from the
 * seed alone, so a resumed run draws the same grid. */
static void make_fixed(run *r) {
    gt_rng g;
    gt_rng_seed(&g, r->seed ^ 0x5EED5A3B1E5ull);
    int nrow = (int)gt_cfg_int(r->cfg, "train", "sample_nrow");
    int n = (int)gt_cfg_int(r->cfg, "train", "sample_n");
    if (r->gan->arch->conditional) n = r->gan->n_classes * nrow; /* row k: class k */
    if (r->gan->data_ndim == 1) n = n < 1000 ? 1000 : n;        /* points: a cloud */
    r->n_fixed = n;
    r->fixed_nrow = nrow;
    r->fixed_z = gt_xmalloc(sizeof(float) * (size_t)n * (size_t)r->gan->z_dim);
    if (r->gan->z_uniform)
        gt_rng_fill_uniform(&g, r->fixed_z, (int64_t)n * r->gan->z_dim, -1.0f, 1.0f);
    else
        gt_rng_fill_normal(&g, r->fixed_z, (int64_t)n * r->gan->z_dim, 0.0f, 1.0f);
    r->fixed_labels = gt_xcalloc((size_t)n, sizeof(float));
    for (int i = 0; i < n && r->gan->arch->conditional; i++) r->fixed_labels[i] = (float)(i / nrow);
}

static int write_samples(run *r) {
    if (!r->writer) return GT_OK;
    gt_ctx *c = r->tr.ctx;
    int old = gt_set_grad_enabled(c, 0);
    gt_tensor *z = gt_from_data(c, r->fixed_z, 2, (int[]){r->n_fixed, r->gan->z_dim});
    gt_tensor *lab = r->gan->arch->conditional ? gt_from_data(c, r->fixed_labels, 1, (int[]){r->n_fixed}) : NULL;
    gt_tensor *x = gt_gan_generate(c, r->gan, z, lab, GT_MODE_SAMPLE);
    gt_set_grad_enabled(c, old);
    char rel[64], path[PATH_MAX + 64];
    snprintf(rel, sizeof rel, "samples/step_%07" PRId64 ".png", r->tr.step);
    path_in(r, path, sizeof path, rel);
    int rc;
    if (r->gan->data_ndim == 1) {
        /* real points under the generated ones */
        int64_t n = gt_dataset_count(r->ds) < 2000 ? gt_dataset_count(r->ds) : 2000;
        rc = gt_scatter_write(path, gt_dataset_points(r->ds), n, x->data, x->shape[0], 512, 0);
    } else {
        rc = gt_grid_write(path, x, r->fixed_nrow, 2);
        if (!rc && r->tb) rc = gt_tfevents_grid(r->tb, r->tr.step, "samples", x, r->fixed_nrow, 2);
    }
    if (!rc) snprintf(r->last_sample, sizeof r->last_sample, "%s", path);
    gt_ctx_reset(c);
    return rc;
}

/* ---- checkpoints -------------------------------------------------------- */

static void put_loader(gt_ckpt_writer *w, const gt_loader *ld) {
    gt_loader_state s = gt_loader_get_state(ld);
    gt_ckpt_put_i64(w, "loader.epoch", s.epoch);
    gt_ckpt_put_i64(w, "loader.pos", s.pos);
    gt_ckpt_put_i64(w, "loader.count", s.count);
    gt_ckpt_put_i64(w, "loader.batch_size", s.batch_size);
    gt_ckpt_put_i64(w, "loader.seed", (int64_t)s.seed);
    gt_ckpt_put_i64(w, "loader.shuffle", s.shuffle);
}

static int ckpt_name_step(const char *name, int64_t *step) {
    char tail[16];
    long long s;
    if (sscanf(name, "step_%lld%15s", &s, tail) != 2 || strcmp(tail, ".gtck")) return 0;
    *step = s;
    return 1;
}

/* keeps the newest `keep` step_*.gtck files */
static void prune_ckpts(const run *r, int keep) {
    char dir[PATH_MAX + 8];
    path_in(r, dir, sizeof dir, "ckpt");
    DIR *d = opendir(dir);
    if (!d) return;
    int64_t steps[4096];
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 4096) {
        int64_t s;
        if (ckpt_name_step(e->d_name, &s)) steps[n++] = s;
    }
    closedir(d);
    for (int i = 0; i < n; i++) {
        int newer = 0;
        for (int j = 0; j < n; j++) newer += steps[j] > steps[i];
        if (newer >= keep) {
            char p[PATH_MAX + 64];
            snprintf(p, sizeof p, "%s/step_%07" PRId64 ".gtck", dir, steps[i]);
            unlink(p);
        }
    }
}

static int save_ckpt(run *r) {
    if (!r->writer) return GT_OK;
    char *cfg_text = gt_config_to_ini(r->cfg);
    gt_ckpt_writer *w = gt_ckpt_writer_new(cfg_text);
    free(cfg_text);
    gt_ckpt_put_str(w, "gantrain", "0.1.0");
    gt_ckpt_put_str(w, "arch", r->gan->arch->name);
    gt_ckpt_put_str(w, "objective", gt_objective_name(r->tr.obj));
    gt_ckpt_put_i64(w, "step", r->tr.step);
    gt_ckpt_put_i64(w, "batches", r->tr.batches);
    gt_ckpt_put_f64(w, "k_t", r->tr.kt);
    gt_ckpt_put_i64(w, "z_dim", r->gan->z_dim);
    gt_ckpt_put_i64(w, "n_classes", r->gan->n_classes);
    gt_ckpt_put_i64(w, "data_ndim", r->gan->data_ndim);
    for (int i = 0; i < r->gan->data_ndim; i++) {
        char k[32];
        snprintf(k, sizeof k, "data_shape%d", i);
        gt_ckpt_put_i64(w, k, r->gan->data_shape[i]);
    }
    gt_ckpt_put_rng(w, "rng", &r->tr.rng);
    put_loader(w, &r->ld);
    gt_ckpt_add_params(w, r->gan->g);
    gt_ckpt_add_params(w, r->gan->d);
    gt_ckpt_add_optim(w, "opt_g", r->tr.opt_g, r->gan->g);
    gt_ckpt_add_optim(w, "opt_d", r->tr.opt_d, r->gan->d);
    char rel[64], path[PATH_MAX + 64];
    snprintf(rel, sizeof rel, "ckpt/step_%07" PRId64 ".gtck", r->tr.step);
    path_in(r, path, sizeof path, rel);
    int rc = gt_ckpt_write(w, path);
    gt_ckpt_writer_free(w);
    if (rc) return rc;
    /* ckpt/last -> the newest complete checkpoint, swapped in atomically */
    char link_tmp[PATH_MAX + 64], link[PATH_MAX + 64];
    path_in(r, link_tmp, sizeof link_tmp, "ckpt/.last.tmp");
    path_in(r, link, sizeof link, "ckpt/last");
    unlink(link_tmp);
    if (symlink(rel + 5, link_tmp) != 0 || rename(link_tmp, link) != 0)
        return gt_error_set("%s: cannot update the link to the newest checkpoint: %s", link, strerror(errno));
    prune_ckpts(r, (int)gt_cfg_int(r->cfg, "train", "keep_ckpts"));
    return GT_OK;
}

static int load_ckpt(run *r, const char *path) {
    gt_ckpt *ck = gt_ckpt_open(path);
    if (!ck) return GT_ERR;
    const char *arch = NULL, *obj = NULL;
    int rc = gt_ckpt_get_str(ck, "arch", &arch);
    if (!rc) rc = gt_ckpt_get_str(ck, "objective", &obj);
    if (!rc && strcmp(arch, r->gan->arch->name))
        rc = gt_error_setc(GT_ERR_USAGE, "%s was trained with model.arch = %s, the config says %s", path,
                           arch, r->gan->arch->name);
    if (!rc && strcmp(obj, gt_objective_name(r->tr.obj)))
        rc = gt_error_setc(GT_ERR_USAGE, "%s was trained with model.objective = %s, the config says %s",
                           path, obj, gt_objective_name(r->tr.obj));
    int64_t step = 0, batches = 0;
    gt_loader_state ls = {0};
    int64_t seed = 0;
    if (!rc) rc = gt_ckpt_load_params(ck, r->gan->g);
    if (!rc) rc = gt_ckpt_load_params(ck, r->gan->d);
    if (!rc) rc = gt_ckpt_load_optim(ck, "opt_g", r->tr.opt_g, r->gan->g);
    if (!rc) rc = gt_ckpt_load_optim(ck, "opt_d", r->tr.opt_d, r->gan->d);
    if (!rc) rc = gt_ckpt_get_i64(ck, "step", &step);
    if (!rc) rc = gt_ckpt_get_i64(ck, "batches", &batches);
    if (!rc) rc = gt_ckpt_get_f64(ck, "k_t", &r->tr.kt);
    if (!rc) rc = gt_ckpt_get_rng(ck, "rng", &r->tr.rng);
    if (!rc) rc = gt_ckpt_get_i64(ck, "loader.epoch", &ls.epoch);
    if (!rc) rc = gt_ckpt_get_i64(ck, "loader.pos", &ls.pos);
    if (!rc) rc = gt_ckpt_get_i64(ck, "loader.count", &ls.count);
    if (!rc) rc = gt_ckpt_get_i64(ck, "loader.batch_size", &ls.batch_size);
    if (!rc) rc = gt_ckpt_get_i64(ck, "loader.seed", &seed);
    if (!rc) rc = gt_ckpt_get_i64(ck, "loader.shuffle", &ls.shuffle);
    ls.seed = (uint64_t)seed;
    if (!rc) rc = gt_loader_restore(&r->ld, &ls);
    if (rc) gt_error_prefix("cannot resume from %s", path);
    r->tr.step = step;
    r->tr.batches = batches;
    gt_ckpt_close(ck);
    return rc;
}

/* ---- progress ----------------------------------------------------------- */

static void fmt_duration(double s, char *out, size_t n) {
    if (!(s >= 0) || s > 1e8) {
        snprintf(out, n, "?");
        return;
    }
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(out, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(out, n, "%lds", t);
}

static void progress(run *r, const gt_stats *s, int final) {
    double el = now() - r->t_start;
    int64_t done = r->tr.step - r->step_start;
    double per = done > 0 ? el / (double)done : 0;
    double ips = el > 0 ? (double)done * r->tr.batch * r->tr.n_critic / el : 0;
    char eta[32];
    fmt_duration(per * (double)(r->total - r->tr.step), eta, sizeof eta);
    char extra[96] = "";
    if (r->tr.obj == GT_OBJ_BEGAN)
        snprintf(extra, sizeof extra, " k %.4f M %.4f", s->kt, s->m_global);
    else if (r->tr.obj == GT_OBJ_WGAN || r->tr.obj == GT_OBJ_WGAN_GP)
        snprintf(extra, sizeof extra, " W %.4f", s->wdist);
    if (r->tty) {
        int width = 24, fill = r->total ? (int)(width * r->tr.step / r->total) : width;
        char bar[32];
        for (int i = 0; i < width; i++) bar[i] = i < fill ? '#' : '.';
        bar[width] = 0;
        fprintf(stderr, "\r%7" PRId64 "/%" PRId64 " [%s] ep %.2f %5.0f img/s ETA %-7s d %.4f g %.4f%s \033[K",
                r->tr.step, r->total, bar, epoch_of(r), ips, eta, s->d_loss, s->g_loss, extra);
        if (final) fputc('\n', stderr);
    } else {
        fprintf(stderr, "step %" PRId64 "/%" PRId64 " epoch %.2f %.0f img/s ETA %s d_loss %.4f g_loss %.4f%s\n",
                r->tr.step, r->total, epoch_of(r), ips, eta, s->d_loss, s->g_loss, extra);
    }
    fflush(stderr);
}

/* ---- setup -------------------------------------------------------------- */

static int setup(run *r, const gt_run_opts *o) {
    int rc = gt_run_load_config(r->cfg, o->config_path, o->sets, o->n_sets);
    if (rc) return rc;
    if (o->seed >= 0) {
        char b[64];
        snprintf(b, sizeof b, "train.seed=%" PRId64, o->seed);
        gt_config_set_arg(r->cfg, b);
    }
    if (o->steps >= 0) {
        char b[64];
        snprintf(b, sizeof b, "train.steps=%" PRId64, o->steps);
        if ((rc = gt_config_set_arg(r->cfg, b))) return rc;
    }
    /* the run directory: --out, train.out, or runs/<config name> */
    const char *out = o->out ? o->out : gt_cfg_str(r->cfg, "train", "out");
    if (out && *out) {
        snprintf(r->dir, sizeof r->dir, "%s", out);
    } else {
        const char *base = strrchr(o->config_path, '/');
        base = base ? base + 1 : o->config_path;
        size_t len = strlen(base);
        if (len > 4 && !strcmp(base + len - 4, ".ini")) len -= 4;
        snprintf(r->dir, sizeof r->dir, "runs/%.*s", (int)len, base);
    }
    r->seed = (uint64_t)gt_cfg_int(r->cfg, "train", "seed");

    r->ds = gt_dataset_open(r->cfg);
    if (!r->ds) return GT_ERR;
    int shape[4];
    int nd = gt_dataset_batch_shape(r->ds, 1, shape) - 1;
    gt_rng init;
    gt_rng_seed(&init, r->seed);
    r->gan = gt_gan_new(r->cfg, nd, shape + 1, gt_dataset_n_classes(r->ds), &init);
    if (!r->gan) return GT_ERR_USAGE; /* the model's complaint is about the config */
    int batch = (int)gt_cfg_int(r->cfg, "train", "batch_size");
    if ((rc = gt_loader_init(&r->ld, r->ds, batch, r->seed, gt_cfg_bool(r->cfg, "data", "shuffle"))))
        return rc;
    if ((rc = gt_trainer_init(&r->tr, r->cfg, r->gan, r->seed * 0x9E3779B97F4A7C15ull + 1, loader_batch, &r->ld)))
        return rc;
    if (r->gan->arch->conditional && gt_dataset_n_classes(r->ds) < r->gan->n_classes)
        return gt_error_setc(GT_ERR_USAGE, "model.n_classes = %d but the dataset has %d classes",
                             r->gan->n_classes, gt_dataset_n_classes(r->ds));
    long steps = gt_cfg_int(r->cfg, "train", "steps");
    if (steps > 0) {
        r->total = steps;
    } else {
        double batches = gt_cfg_float(r->cfg, "train", "epochs") * (double)gt_loader_batches_per_epoch(&r->ld);
        r->total = (int64_t)ceil(batches / r->tr.n_critic);
        if (r->total < 1) r->total = 1;
    }
    choose_columns(r);
    make_fixed(r);
    return GT_OK;
}

/* Removes "*.tmp.<pid>" files a killed writer left behind: they were never
 * renamed into place, so nothing refers to them. */
static void remove_stale_tmp(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (!strstr(e->d_name, ".tmp.")) continue;
        char p[PATH_MAX + 300];
        if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) < (int)sizeof p) unlink(p);
    }
    closedir(d);
}

static int open_dir(run *r, int resume) {
    char p[PATH_MAX + 64];
    if (!r->writer) {
        /* the other ranks of a data-parallel run only read the checkpoint */
        path_in(r, p, sizeof p, "ckpt/last");
        if (!resume) return GT_OK;
        if (!gt_path_exists(p))
            return gt_error_set("%s: nothing to resume (no checkpoint yet); run without --resume", p);
        return load_ckpt(r, p);
    }
    int rc = gt_mkdirs(r->dir);
    path_in(r, p, sizeof p, "samples");
    if (!rc) rc = gt_mkdirs(p);
    if (!rc) remove_stale_tmp(p);
    path_in(r, p, sizeof p, "ckpt");
    if (!rc) rc = gt_mkdirs(p);
    if (!rc) remove_stale_tmp(p);
    if (rc) return rc;
    remove_stale_tmp(r->dir);
    path_in(r, p, sizeof p, "ckpt/last");
    if (resume) {
        if (!gt_path_exists(p))
            return gt_error_set("%s: nothing to resume (no checkpoint yet); run without --resume", p);
        if ((rc = load_ckpt(r, p))) return rc;
    } else if (gt_path_exists(p)) {
        return gt_error_setc(GT_ERR_USAGE, "%s already holds a run; use --resume to continue it or "
                                           "--out DIR for a new one", r->dir);
    }
    char *text = gt_config_to_ini(r->cfg);
    path_in(r, p, sizeof p, "config.ini");
    rc = gt_write_file_atomic(p, text, strlen(text));
    free(text);
    if (rc) return rc;
    path_in(r, p, sizeof p, "log.csv");
    r->csv = resume ? gt_csvlog_resume(p, r->n_cols, r->cols, r->tr.step)
                    : gt_csvlog_create(p, r->n_cols, r->cols);
    if (!r->csv) return GT_ERR;
    if (gt_cfg_bool(r->cfg, "train", "tensorboard")) {
        r->tb = gt_tfevents_open(r->dir);
        if (!r->tb) return GT_ERR;
        if (resume && (rc = gt_tfevents_session_start(r->tb, r->tr.step))) return rc;
    }
    return gt_toyviz_open(&r->viz, r->dir, &r->tr, r->ds, r->tb, resume);
}

static int log_step(run *r, const gt_stats *s) {
    if (!r->writer) return GT_OK;
    double v[16];
    float fv[16];
    const char *tags[16];
    double ep = epoch_of(r);
    /* figures are float32 quantities: logged as such, so the CSV stays short */
    for (int i = 1; i < r->n_cols; i++) v[i - 1] = (float)stat_of(s, r->cols[i], ep);
    int rc = gt_csvlog_row(r->csv, r->tr.step, v);
    if (!rc && r->tb) {
        int k = 0;
        for (int i = 1; i < r->n_cols; i++) {
            tags[k] = r->cols[i];
            fv[k++] = (float)v[i - 1];
        }
        rc = gt_tfevents_scalars(r->tb, r->tr.step, k, tags, fv);
    }
    return rc;
}

static void free_run(run *r) {
    gt_toyviz_free(r->viz);
    gt_csvlog_close(r->csv);
    gt_tfevents_close(r->tb);
    if (r->gan) gt_trainer_free(&r->tr);
    gt_loader_free(&r->ld);
    gt_gan_free(r->gan);
    gt_dataset_free(r->ds);
    gt_config_free(r->cfg);
    free(r->fixed_z);
    free(r->fixed_labels);
}

static int fail(run *r, int code) {
    int rc = code == GT_ERR_USAGE ? 2 : 1;
    /* one rank failing ends every rank, with that rank's message */
    if (gt_dist_size() > 1) gt_dist_abort(rc, gt_error());
    fprintf(stderr, "%sgantrain: %s\n", r->tty ? "\n" : "", gt_error());
    free_run(r);
    return rc;
}

int gt_run_train(const gt_run_opts *o) {
    run r;
    memset(&r, 0, sizeof r);
    r.cfg = gt_config_new();
    r.tty = isatty(2);
    r.writer = gt_dist_rank() == 0;
    const char *pm = NULL;
    int rc = setup(&r, o);
    if (rc) return fail(&r, rc);
    pm = gt_cfg_str(r.cfg, "train", "progress");
    if (!strcmp(pm, "bar")) r.tty = 1;
    if (!strcmp(pm, "lines")) r.tty = 0;
    int quiet = !strcmp(pm, "none") || !r.writer;
    if ((rc = open_dir(&r, o->resume))) return fail(&r, rc);

    long log_every = gt_cfg_int(r.cfg, "train", "log_every");
    long sample_every = gt_cfg_int(r.cfg, "train", "sample_every");
    long ckpt_every = gt_cfg_int(r.cfg, "train", "ckpt_every");
    if (r.writer)
        gt_log_info("gantrain: run %s: %s (%" PRId64 " samples), arch %s, objective %s, %" PRId64
                " steps of batch %d%s",
                r.dir, gt_dataset_name(r.ds), gt_dataset_count(r.ds), r.gan->arch->name,
                gt_objective_name(r.tr.obj), r.total, r.tr.batch, o->resume ? "" : "");
    if (o->resume && r.writer) gt_log_info("gantrain: resuming at step %" PRId64, r.tr.step);
    if (gt_dist_size() > 1 && r.writer)
        gt_log_info("gantrain: data parallel over %d ranks, %d samples each per batch of %d%s", gt_dist_size(),
                    r.tr.local, r.tr.batch, gt_cfg_bool(r.cfg, "model", "bn_sync") ? ", batch norm synchronised" : "");

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    stop_signal = 0;

    r.t_start = now();
    r.step_start = r.tr.step;
    gt_stats s = {0};
    double last_progress = 0;
    int stop = 0;
    while (r.tr.step < r.total && !stop) {
        if ((rc = gt_trainer_iteration(&r.tr, &s))) return fail(&r, rc);
        int64_t st = r.tr.step;
        if (st % log_every == 0 || st == r.total) {
            if ((rc = log_step(&r, &s))) return fail(&r, rc);
        }
        if (sample_every > 0 && st % sample_every == 0 && (rc = write_samples(&r))) return fail(&r, rc);
        if ((rc = gt_toyviz_step(r.viz))) return fail(&r, rc);
        if (ckpt_every > 0 && st % ckpt_every == 0 && st != r.total && (rc = save_ckpt(&r)))
            return fail(&r, rc);
        double t = now();
        if (!quiet && ((r.tty && t - last_progress > 0.2) || (!r.tty && st % log_every == 0))) {
            progress(&r, &s, 0);
            last_progress = t;
        }
        /* every rank stops at the same step when any was signalled */
        stop = gt_dist_max_i(stop_signal != 0);
    }
    if (!quiet && r.tty && r.tr.step > r.step_start) progress(&r, &s, 1);
    /* the end (or an interruption): a grid and a checkpoint of where we are */
    if ((rc = write_samples(&r)) || (rc = save_ckpt(&r))) return fail(&r, rc);
    int sig = stop_signal;
    if (sig)
        fprintf(stderr, "gantrain: stopped by %s at step %" PRId64 "; continue with --resume\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM", r.tr.step);
    if (r.writer) {
        printf("samples: %s\n", r.last_sample);
        printf("run directory: %s (log.csv, samples/, ckpt/last)\n", r.dir);
    }
    free_run(&r);
    return sig ? 128 + sig : 0;
}
