/* run.c — `gantrain train`: sets up a run from its config, drives the
 * iterations, and keeps the run directory (resolved config.ini, log.csv,
 * sample grids from a fixed z, checkpoints with ckpt/last, TensorBoard
 * events); resumes from ckpt/last; stops cleanly on SIGINT/SIGTERM. */
#include "gantrain/run.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/file.h>
#include <sys/stat.h>
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
#include "gantrain/sysmem.h"
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
    int rollbacks;          /* done so far in this run (kept in checkpoints) */
    int lock_fd;            /* the run directory's .lock, held while training (-1: none) */
    gt_mem_plan plan;
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

/* The first tensor of p holding a NaN or an Inf, or NULL. */
static const char *nonfinite_param(const gt_params *p) {
    for (int i = 0; i < p->n; i++)
        for (int64_t k = 0; k < p->t[i]->n; k++)
            if (!isfinite(p->t[i]->data[k])) return p->t[i]->name;
    return NULL;
}

static int nonfinite_state(const gt_optim *o) {
    const float *s[3] = {o->s1, o->s2, o->s3};
    for (int j = 0; j < 3; j++)
        for (int64_t k = 0; s[j] && k < o->n; k++)
            if (!isfinite(s[j][k])) return 1;
    return 0;
}

/* A checkpoint must never hold a diverged model (a rollback would load it
 * and diverge again): the weights are checked first.  A NaN there is a
 * divergence like a NaN loss. */
static int check_params(run *r) {
    const char *bad = nonfinite_param(r->gan->g);
    if (!bad) bad = nonfinite_param(r->gan->d);
    if (!bad && nonfinite_state(r->tr.opt_g)) bad = "G's optimizer state";
    if (!bad && nonfinite_state(r->tr.opt_d)) bad = "D's optimizer state";
    if (!bad) return GT_OK;
    r->tr.diverged = 1;
    return gt_error_set("training diverged by step %" PRId64 ": %s holds a NaN or Inf (the losses "
                        "were still finite); no checkpoint written",
                        r->tr.step, bad);
}

static void fsync_path(const char *dir) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort, as gt_atomic_commit */
        close(fd);
    }
}

/* ckpt/last -> name (in ckpt/), swapped in atomically and made durable. */
static int point_last(run *r, const char *name) {
    char link_tmp[PATH_MAX + 64], link[PATH_MAX + 64], dir[PATH_MAX + 8];
    path_in(r, link_tmp, sizeof link_tmp, "ckpt/.last.tmp");
    path_in(r, link, sizeof link, "ckpt/last");
    unlink(link_tmp);
    if (symlink(name, link_tmp) != 0 || rename(link_tmp, link) != 0) {
        int e = errno;
        unlink(link_tmp);
        return gt_error_set("%s: cannot update the link to the newest checkpoint: %s", link, strerror(e));
    }
    path_in(r, dir, sizeof dir, "ckpt");
    fsync_path(dir); /* the new link survives a power cut too */
    return GT_OK;
}

static int save_ckpt(run *r) {
    /* every rank checks: the parameters are the same on all of them, so
     * all see a divergence together */
    int prc = check_params(r);
    if (prc) return prc;
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
    gt_ckpt_put_f64(w, "lr_scale", r->tr.lr_scale);
    gt_ckpt_put_i64(w, "rollbacks", r->rollbacks);
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
    if ((rc = point_last(r, rel + 5))) return rc;
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
    /* checkpoints from before rollbacks existed have neither */
    r->tr.lr_scale = 1.0;
    r->rollbacks = 0;
    int64_t rb = 0;
    if (!rc && gt_ckpt_meta_find(ck, "lr_scale")) rc = gt_ckpt_get_f64(ck, "lr_scale", &r->tr.lr_scale);
    if (!rc && gt_ckpt_meta_find(ck, "rollbacks") && !(rc = gt_ckpt_get_i64(ck, "rollbacks", &rb)))
        r->rollbacks = (int)(rb < 0 ? 0 : rb > 1000000 ? 1000000 : rb);
    if (!rc && !(r->tr.lr_scale >= 0 && r->tr.lr_scale <= 1))
        rc = gt_error_set("%s: lr_scale %g is not in [0, 1] (file is corrupt)", path, r->tr.lr_scale);
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

static int cmp_desc(const void *a, const void *b) {
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? 1 : x > y ? -1 : 0;
}

/* --resume: continues from the newest checkpoint that loads whole (every
 * tensor's CRC is checked on loading).  That is ckpt/last, except when a run
 * stopped between writing a checkpoint and moving the link (a kill, a full
 * disk): then a newer complete step_*.gtck exists and is used; and when the
 * newest is damaged: then the next older one is.  Both cases say so, and
 * ckpt/last is moved to the one used.  A checkpoint of another model or
 * optimizer is an error at once (exit 2), not a reason to look further. */
static int resume_newest(run *r) {
    char dir[PATH_MAX + 8], last[PATH_MAX + 64], target[300] = "";
    path_in(r, dir, sizeof dir, "ckpt");
    path_in(r, last, sizeof last, "ckpt/last");
    ssize_t tl = readlink(last, target, sizeof target - 1);
    target[tl > 0 ? tl : 0] = 0;
    DIR *d = opendir(dir);
    int64_t *steps = NULL;
    int n = 0, cap = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) {
        int64_t st;
        if (!ckpt_name_step(e->d_name, &st)) continue;
        if (n == cap) steps = gt_xrealloc(steps, (size_t)(cap = cap ? 2 * cap : 64) * sizeof *steps);
        steps[n++] = st;
    }
    if (d) closedir(d);
    if (n == 0) {
        free(steps);
        return gt_error_set("%s: nothing to resume (no checkpoint yet); run without --resume", last);
    }
    qsort(steps, (size_t)n, sizeof *steps, cmp_desc);
    char first_err[1024] = "", name[64], path[PATH_MAX + 128];
    int rc = GT_ERR;
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof name, "step_%07" PRId64 ".gtck", steps[i]);
        snprintf(path, sizeof path, "%s/%s", dir, name);
        rc = load_ckpt(r, path);
        if (rc == GT_ERR_USAGE) break;
        if (rc == GT_OK) {
            if (!r->writer) break; /* rank 0 says so and moves the link */
            if (first_err[0])
                gt_log_warn("%s; resuming from %s, the newest checkpoint that loads", first_err, name);
            else if (strcmp(target, name))
                gt_log_warn("%s is newer than ckpt/last (%s) and whole: the run stopped before "
                            "moving the link; resuming from it",
                            name, target[0] ? target : "missing");
            if (strcmp(target, name)) rc = point_last(r, name);
            break;
        }
        if (!first_err[0]) snprintf(first_err, sizeof first_err, "%s", gt_error());
    }
    free(steps);
    if (rc == GT_ERR && first_err[0]) gt_error_set("%s (and no older checkpoint loads either)", first_err);
    return rc;
}

/* ---- the memory plan ----------------------------------------------------
 *
 * Before the optimizer state, the step arena and the batch buffers exist,
 * the run estimates what it will need and refuses (exit 2, with the reason)
 * what cannot fit, rather than failing hours in or being killed:
 *
 *   parameters   G's and D's values, buffers and gradients: exact, from the
 *                layer table (gt_gan_new has already refused a model whose
 *                parameters alone exceed the budget, before allocating them);
 *   optimizer    one (sgd) or two (adam, rmsprop) arrays per trainable
 *                value: exact;
 *   data         the dataset as it sits in memory: exact (the loaders
 *                refuse a dataset beyond the budget before allocating it);
 *   one step     an upper bound built on measurement: G's and D's forward
 *                passes (recorded, as in training) are run at batch 2 and 4
 *                in a scratch arena, giving a(B) = fixed + B * per-sample
 *                for each network.  A generator update records G and D and
 *                its backward pass makes about one gradient per recorded
 *                tensor, 2 (a_G + a_D), taken as 2.5 for the temporaries of
 *                the backward ops.  A critic update records D on the real
 *                and the fake batch: 4 a_D, taken as 5; with the gradient
 *                penalty also D on the interpolates, the create_graph
 *                backward (a second graph as large) and the backward through
 *                all of it: 12 a_D, taken as 14.  The larger of the two at
 *                the run's batch size, plus one weight gradient per
 *                parameter (backward computes them in the arena before
 *                adding them to the gradient block), the real/fake batch
 *                buffers and 32 MiB of kernel workspace (conv's im2col
 *                chunks).  Against the arena's measured peak (gantrain
 *                --verbose train prints both) this is 1.2x (began64) to
 *                1.7x (dcgan64) for the presets; small MLPs are dominated
 *                by the 32 MiB.  Checked against
 *                train.arena_mb too, which bounds the arena at run time;
 *   samples      G on the fixed noise (no graph kept) and the grid's pixels.
 *
 * tests/test_robust.c checks the step bound against the arena's measured
 * peak for every preset.
 */
static void probe_forward(gt_gan *m, double *fixed_g, double *per_g, double *fixed_d, double *per_d) {
    gt_ctx *c = gt_ctx_new(0);
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    double a[2][2];
    for (int b = 2; b <= 4; b += 2) { /* batch norm needs two samples */
        gt_tensor *lab = m->arch->conditional ? gt_zeros(c, 1, (int[]){b}) : NULL;
        gt_tensor *z = gt_gan_noise(c, m, b, &rng);
        size_t u0 = gt_arena_used(gt_ctx_arena(c));
        gt_gan_generate(c, m, z, lab, GT_MODE_SAMPLE);
        size_t u1 = gt_arena_used(gt_ctx_arena(c));
        int shape[4];
        int nd = gt_gan_batch_shape(m, b, shape);
        gt_tensor *x = gt_zeros(c, nd, shape);
        size_t u2 = gt_arena_used(gt_ctx_arena(c));
        gt_gan_discriminate(c, m, x, lab, GT_MODE_SAMPLE);
        size_t u3 = gt_arena_used(gt_ctx_arena(c));
        a[b / 2 - 1][0] = (double)(u1 - u0);
        a[b / 2 - 1][1] = (double)(u3 - u2);
        gt_ctx_reset(c);
    }
    gt_ctx_free(c);
    double *fx[2] = {fixed_g, fixed_d}, *pr[2] = {per_g, per_d};
    for (int k = 0; k < 2; k++) {
        double per = (a[1][k] - a[0][k]) / 2;
        if (per < a[1][k] / 4) per = a[1][k] / 4; /* never below the batch-4 average */
        *pr[k] = per;
        *fx[k] = a[0][k] > 2 * per ? a[0][k] - 2 * per : 0;
    }
}

static void plan_line(const gt_mem_plan *p, const gt_config *cfg, char *out, size_t n) {
    char t[32], d[32], pa[32], o[32], st[32], sa[32], b[32];
    snprintf(out, n, "about %s (data %s, parameters and gradients %s, optimizer state %s, one step "
                     "(batch %ld) %s, a sample grid %s) of the %s of %s",
             gt_fmt_bytes(p->total, t, sizeof t), gt_fmt_bytes(p->data, d, sizeof d),
             gt_fmt_bytes(p->params, pa, sizeof pa), gt_fmt_bytes(p->optim, o, sizeof o),
             gt_cfg_int(cfg, "train", "batch_size"), gt_fmt_bytes(p->step, st, sizeof st),
             gt_fmt_bytes(p->sample, sa, sizeof sa), gt_fmt_bytes(p->budget, b, sizeof b),
             gt_mem_budget_source());
}

int gt_run_plan(const gt_config *cfg, gt_gan *m, double data_bytes, gt_mem_plan *p) {
    memset(p, 0, sizeof *p);
    /* batch norm (the only layers with buffers) normalises over the batch:
     * one sample is an internal error in the middle of the run otherwise */
    long batch = gt_cfg_int(cfg, "train", "batch_size");
    long n_grid = m->arch->conditional ? (long)m->n_classes * gt_cfg_int(cfg, "train", "sample_nrow")
                                       : gt_cfg_int(cfg, "train", "sample_n");
    if (m->g->n_buffers + m->d->n_buffers > 0 && (batch < 2 || (n_grid < 2 && m->data_ndim != 1)))
        return gt_error_setc(GT_ERR_USAGE, "%s: %s = 1, but model.arch = %s has batch norm, whose "
                                           "statistics need at least 2 samples; use 2 or more",
                             batch < 2 ? gt_cfg_where(cfg, "train", "batch_size")
                                       : gt_cfg_where(cfg, m->arch->conditional ? "train" : "train",
                                                      m->arch->conditional ? "sample_nrow" : "sample_n"),
                             batch < 2 ? "train.batch_size"
                                       : m->arch->conditional ? "train.sample_nrow x classes" : "train.sample_n",
                             m->arch->name);
    double nv = (double)(m->g->n_values + m->d->n_values);
    p->params = (double)gt_gan_param_bytes(m);
    p->optim = 4 * nv * (!strcmp(gt_cfg_str(cfg, "optim", "optimizer"), "sgd") ? 1 : 2);
    p->data = data_bytes;
    double fg, pg, fd, pd;
    probe_forward(m, &fg, &pg, &fd, &pd);
    double B = (double)gt_cfg_int(cfg, "train", "batch_size");
    double ag = fg + B * pg, ad = fd + B * pd;
    int gp = !strcmp(gt_cfg_str(cfg, "model", "objective"), "wgan-gp");
    int shape[4];
    gt_gan_batch_shape(m, 1, shape);
    double sample_floats = 1;
    for (int i = 0; i < m->data_ndim; i++) sample_floats *= shape[i + 1];
    double gen = 2.5 * (ag + ad), crit = (gp ? 14 : 5) * ad;
    gt_log_debug("memory plan: forward G %.0f + %.0f/sample, D %.0f + %.0f/sample; G update %.0f, D update %.0f",
                 fg, pg, fd, pd, gen, crit);
    p->step = (gen > crit ? gen : crit) + 4 * nv + 2 * B * sample_floats * 4 + 32.0 * (1 << 20);
    double n_fixed = (double)gt_cfg_int(cfg, "train", "sample_n");
    if (m->arch->conditional) n_fixed = (double)m->n_classes * (double)gt_cfg_int(cfg, "train", "sample_nrow");
    if (m->data_ndim == 1) n_fixed = n_fixed < 1000 ? 1000 : n_fixed;
    p->sample = fg + n_fixed * pg + 2 * n_fixed * sample_floats; /* + pixels and the PNG */
    p->total = p->params + p->optim + p->data + p->step + p->sample;
    p->budget = (double)gt_mem_budget();
    char line[512], a[32], b[32];
    if (p->total > p->budget) {
        plan_line(p, cfg, line, sizeof line);
        return gt_error_setc(GT_ERR_USAGE, "this run would need %s; lower train.batch_size, the "
                                           "model widths or data.image_size",
                             line);
    }
    double arena = (double)gt_cfg_int(cfg, "train", "arena_mb") * (1 << 20);
    if (p->step > arena)
        return gt_error_setc(GT_ERR_USAGE, "%s: one step at batch %ld needs about %s of activations, "
                                           "more than train.arena_mb = %ld (%s); raise "
                                           "train.arena_mb or lower train.batch_size",
                             gt_cfg_where(cfg, "train", "arena_mb"), gt_cfg_int(cfg, "train", "batch_size"),
                             gt_fmt_bytes(p->step, a, sizeof a), gt_cfg_int(cfg, "train", "arena_mb"),
                             gt_fmt_bytes(arena, b, sizeof b));
    return GT_OK;
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
    double data_bytes = (double)gt_dataset_count(r->ds) * gt_dataset_sample_size(r->ds) *
                        (gt_dataset_pixels(r->ds) ? 1 : sizeof(float));
    if ((rc = gt_run_plan(r->cfg, r->gan, data_bytes, &r->plan))) return rc;
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

/* ckpt/last may be a dangling link (its file removed): it still marks a run */
static int lstat_exists(const char *p) {
    struct stat st;
    return lstat(p, &st) == 0;
}

/* One gantrain per run directory: a second one (a --resume typed while the
 * first still runs) would append to the same log and delete the first's
 * temporary files as stale.  flock is released by the kernel however the
 * holder ends, kill -9 included, so a stale lock cannot block a resume. */
static int lock_dir(run *r) {
    char p[PATH_MAX + 64];
    path_in(r, p, sizeof p, ".lock");
    int fd = open(p, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (fd < 0) return gt_error_set("cannot create %s: %s", p, strerror(errno));
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = read(fd, pid, sizeof pid - 1);
        pid[n > 0 ? n : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        close(fd);
        if (e == EWOULDBLOCK)
            return gt_error_set("%s is in use by another gantrain (pid %s); wait for it to end or "
                                "stop it first",
                                r->dir, pid[0] ? pid : "?");
        return gt_error_set("cannot lock %s: %s", p, strerror(e));
    }
    if (ftruncate(fd, 0) == 0) dprintf(fd, "%ld\n", (long)getpid());
    r->lock_fd = fd;
    return GT_OK;
}

static int open_dir(run *r, int resume) {
    char p[PATH_MAX + 64];
    if (!r->writer) {
        /* the other ranks of a data-parallel run only read the checkpoint */
        path_in(r, p, sizeof p, "ckpt/last");
        if (!resume) return GT_OK;
        /* the same choice as rank 0's, from the same directory */
        return resume_newest(r);
    }
    int rc = gt_mkdirs(r->dir);
    if (!rc) rc = lock_dir(r); /* before anything in it is touched */
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
        if ((rc = resume_newest(r))) return rc;
    } else if (gt_path_exists(p) || lstat_exists(p)) {
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
    if (r->lock_fd >= 0) close(r->lock_fd);
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

/* A NaN or Inf stopped the step (the trainer's message names it).  With
 * train.on_nan = rollback the run goes back to ckpt/last with its learning
 * rates multiplied by train.rollback_lr_factor (kept in later checkpoints,
 * so a resumed run keeps them), and log.csv and the event file continue from
 * that step; at most train.max_rollbacks times.  GT_OK when the run can go
 * on, else the error to stop with. */
static int rollback(run *r) {
    char why[1024], last[PATH_MAX + 64];
    snprintf(why, sizeof why, "%s", gt_error());
    path_in(r, last, sizeof last, "ckpt/last");
    int have_last = gt_path_exists(last);
    if (strcmp(gt_cfg_str(r->cfg, "train", "on_nan"), "rollback"))
        return gt_error_set("%s%s (lower optim.lr, or set train.on_nan = rollback)", why,
                            have_last ? "; ckpt/last is intact" : "");
    long max = gt_cfg_int(r->cfg, "train", "max_rollbacks");
    if (r->rollbacks >= max)
        return gt_error_set("%s; stopped after %d rollback%s (train.max_rollbacks = %ld)%s", why,
                            r->rollbacks, r->rollbacks == 1 ? "" : "s", max,
                            have_last ? "; ckpt/last is intact" : "");
    if (!have_last) return gt_error_set("%s; no checkpoint to roll back to", why);
    double scale = r->tr.lr_scale * gt_cfg_float(r->cfg, "train", "rollback_lr_factor");
    int n = r->rollbacks + 1;
    int rc = load_ckpt(r, last);
    if (rc) return rc;
    r->tr.lr_scale = scale;
    r->rollbacks = n;
    if (!r->writer) return GT_OK;
    char p[PATH_MAX + 64];
    path_in(r, p, sizeof p, "log.csv");
    gt_csvlog_close(r->csv);
    r->csv = gt_csvlog_resume(p, r->n_cols, r->cols, r->tr.step);
    if (!r->csv) return GT_ERR;
    if (r->tb && (rc = gt_tfevents_session_start(r->tb, r->tr.step))) return rc;
    gt_log_warn("%s; rollback %d of %ld: back to step %" PRId64
                " (ckpt/last) with the learning rates x%g",
                why, n, max, r->tr.step, scale);
    return GT_OK;
}

int gt_run_train(const gt_run_opts *o) {
    run r;
    memset(&r, 0, sizeof r);
    r.cfg = gt_config_new();
    r.lock_fd = -1;
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
    if (r.writer) {
        char mem[512];
        plan_line(&r.plan, r.cfg, mem, sizeof mem);
        gt_log_info("gantrain: memory: %s", mem);
    }
    if (o->resume && r.writer) gt_log_info("gantrain: resuming at step %" PRId64, r.tr.step);
    if (gt_dist_size() > 1 && r.writer)
        gt_log_info("gantrain: data parallel over %d ranks, %d samples each per batch of %d%s", gt_dist_size(),
                    r.tr.local, r.tr.batch, gt_cfg_bool(r.cfg, "model", "bn_sync") ? ", batch norm synchronised" : "");
    /* a rollback needs a checkpoint to go back to, even before ckpt_every */
    if (!o->resume && !strcmp(gt_cfg_str(r.cfg, "train", "on_nan"), "rollback") && (rc = save_ckpt(&r)))
        return fail(&r, rc);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    /* a signal in the middle of a checkpoint write must not fail the write */
    sa.sa_flags = SA_RESTART;
    stop_signal = 0; /* before the handlers: a signal from now on is kept */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);

    r.t_start = now();
    r.step_start = r.tr.step;
    gt_stats s = {0};
    double last_progress = 0;
    int stop = 0;
    for (;;) {
        while (r.tr.step < r.total && !stop) {
            rc = gt_trainer_iteration(&r.tr, &s);
            int64_t st = r.tr.step;
            if (!rc && (st % log_every == 0 || st == r.total)) rc = log_step(&r, &s);
            if (!rc && sample_every > 0 && st % sample_every == 0) rc = write_samples(&r);
            if (!rc) rc = gt_toyviz_step(r.viz);
            if (!rc && ckpt_every > 0 && st % ckpt_every == 0 && st != r.total) rc = save_ckpt(&r);
            if (rc && r.tr.diverged && (rc = rollback(&r)) == GT_OK) continue;
            if (rc) return fail(&r, rc);
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
        if ((rc = write_samples(&r)) == GT_OK) rc = save_ckpt(&r);
        if (rc && r.tr.diverged && (rc = rollback(&r)) == GT_OK) continue;
        if (rc) return fail(&r, rc);
        break;
    }
    if (gt_log_level() >= GT_LOG_DEBUG && r.writer) {
        char a[32], b[32];
        gt_log_debug("gantrain: step memory: arena peak %s, planned %s",
                     gt_fmt_bytes((double)gt_arena_peak(gt_ctx_arena(r.tr.ctx)), a, sizeof a),
                     gt_fmt_bytes(r.plan.step, b, sizeof b));
    }
    int sig = stop_signal;
    if (sig)
        fprintf(stderr, "gantrain: stopped by %s at step %" PRId64 "; continue with --resume\n",
                sig == SIGINT ? "SIGINT" : "SIGTERM", r.tr.step);
    if (r.writer && gt_dist_size() > 1) {
        /* rank 0's all-reduce time (waiting for slower ranks included)
         * against the wall time of the steps trained in this process */
        double el = now() - r.t_start, comm = gt_dist_comm_seconds();
        int64_t done = r.tr.step - r.step_start;
        printf("data parallel: %d ranks, %" PRId64 " steps in %.1f s, communication %.2f s = %.1f%% "
               "(%.2f ms per step)\n",
               gt_dist_size(), done, el, comm, el > 0 ? 100.0 * comm / el : 0.0,
               done > 0 ? 1e3 * comm / (double)done : 0.0);
    }
    if (r.writer) {
        printf("samples: %s\n", r.last_sample);
        printf("run directory: %s (log.csv, samples/, ckpt/last)\n", r.dir);
    }
    free_run(&r);
    return sig ? 128 + sig : 0;
}
