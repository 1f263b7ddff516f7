/* lockstep.c — gantrain's trainer fed the inputs PyTorch consumed
 * (scripts/lockstep.py), compared with PyTorch's state after each stored
 * iteration.  See lockstep.h for the file's members. */
#include "gantrain/lockstep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/error.h"
#include "gantrain/npz.h"
#include "gantrain/run.h"
#include "gantrain/train.h"

typedef struct lockstep {
    gt_npz *z;
    const char *path;
    int next[4];       /* next index of each gt_draw_kind */
    int next_real;
    int failed;        /* a draw was missing or of the wrong size */
    char *free_g, *free_d; /* [n] 1 for tensors without effect on the outputs (meta.free.*) */
    char why[300];
} lockstep;

static const char *const kind_names[] = {"z", "fake_labels", "alpha", "keep"};

/* Member `name` as n floats into dst; 0, or -1 with why set. */
static int read_member(lockstep *ls, const char *name, float *dst, int64_t n) {
    gt_npz_array a;
    if (gt_npz_find(ls->z, name) < 0) {
        snprintf(ls->why, sizeof ls->why, "%s: no member %s (the recorded run consumed fewer inputs "
                 "than gantrain asks for)", ls->path, name);
        return -1;
    }
    if (gt_npz_read(ls->z, name, &a)) {
        snprintf(ls->why, sizeof ls->why, "%s", gt_error());
        return -1;
    }
    int64_t count = 1;
    for (int i = 0; i < a.ndim; i++) count *= a.shape[i];
    int rc = 0;
    if (count != n) {
        snprintf(ls->why, sizeof ls->why, "%s: %s has %lld values, gantrain draws %lld here", ls->path,
                 name, (long long)count, (long long)n);
        rc = -1;
    } else {
        for (int64_t i = 0; i < n; i++) dst[i] = (float)a.data[i];
    }
    gt_npz_array_free(&a);
    return rc;
}

static void fill(void *ud, gt_draw_kind kind, float *buf, int64_t n) {
    lockstep *ls = ud;
    char name[64];
    snprintf(name, sizeof name, "%s.%d", kind_names[kind], ls->next[kind]++);
    if (ls->failed || read_member(ls, name, buf, n)) {
        /* the iteration runs to its end on zeros; the caller reports why */
        ls->failed = 1;
        memset(buf, 0, sizeof(float) * (size_t)n);
    }
}

static int real_batch(void *ud, int off, int count, float *x, float *labels) {
    lockstep *ls = ud;
    (void)off;
    char name[64];
    int j = ls->next_real++;
    snprintf(name, sizeof name, "real.%d", j);
    if (gt_npz_find(ls->z, name) < 0)
        return gt_error_set("%s: no member %s (more real batches asked for than recorded)", ls->path, name);
    gt_npz_array a;
    if (gt_npz_read(ls->z, name, &a)) return GT_ERR;
    int64_t n = 1;
    for (int d = 0; d < a.ndim; d++) n *= a.shape[d];
    int ok = a.ndim >= 1 && a.shape[0] == count;
    if (ok)
        for (int64_t i = 0; i < n; i++) x[i] = (float)a.data[i];
    long long got = a.ndim ? (long long)a.shape[0] : 0;
    gt_npz_array_free(&a);
    if (!ok) return gt_error_set("%s: %s holds %lld samples, the trainer asks for %d", ls->path, name, got, count);
    if (labels) {
        snprintf(name, sizeof name, "real_labels.%d", j);
        if (read_member(ls, name, labels, count)) return gt_error_set("%s", ls->why);
    }
    return GT_OK;
}

/* A scalar member, or NaN when absent. */
static double scalar(lockstep *ls, const char *name) {
    float v;
    if (gt_npz_find(ls->z, name) < 0 || read_member(ls, name, &v, 1)) return NAN;
    return v;
}

static double rel_diff(const float *a, const float *b, int64_t n) {
    double num = 0, den = 0;
    for (int64_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - (double)b[i]);
        if (!(d <= num)) num = d; /* NaN wins */
        if (fabs((double)b[i]) > den) den = fabs((double)b[i]);
    }
    return den > 0 ? num / den : num;
}

/* Loads the stored tensors of a block under prefix into its tensors. */
static int load_block(lockstep *ls, gt_params *p, const char *prefix) {
    for (int k = 0; k < p->n; k++) {
        char name[64];
        snprintf(name, sizeof name, "%s.%d", prefix, k);
        if (read_member(ls, name, p->t[k]->data, p->t[k]->n))
            return gt_error_set("%s (gantrain's tensor %d is %s, %lld values)", ls->why, k, p->t[k]->name,
                                (long long)p->t[k]->n);
    }
    char name[64];
    snprintf(name, sizeof name, "%s.%d", prefix, p->n);
    if (gt_npz_find(ls->z, name) >= 0)
        return gt_error_set("%s: PyTorch's model has more tensors than gantrain's %d in %s", ls->path, p->n,
                            prefix);
    return GT_OK;
}

/* The largest relative difference of a block's tensors and optimizer state
 * from the stored ones under prefix ("it.I": PyTorch's float32 run, "ref64.I":
 * the same inputs in float64), free tensors apart. */
typedef struct diffs {
    double param, state, free;
    char param_name[64], state_name[80], free_name[64];
} diffs;

static void keep_max(double r, double *best, char *name, size_t size, const char *what) {
    if (!(r <= *best)) {
        *best = r;
        snprintf(name, size, "%s", what);
    }
}

static int compare_block(lockstep *ls, const char *prefix, const char *tag, gt_params *p, const gt_optim *o,
                         const char *free, diffs *d, float *scratch) {
    for (int k = 0; k < p->n; k++) {
        gt_tensor *t = p->t[k];
        char name[80];
        snprintf(name, sizeof name, "%s.%s.%d", prefix, tag, k);
        if (read_member(ls, name, scratch, t->n)) return gt_error_set("%s", ls->why);
        double r = rel_diff(t->data, scratch, t->n);
        if (free[k]) {
            /* round-off of a zero gradient, amplified by Adam: apart */
            keep_max(r, &d->free, d->free_name, sizeof d->free_name, t->name);
            continue;
        }
        keep_max(r, &d->param, d->param_name, sizeof d->param_name, t->name);
        if (gt_params_is_buffer(p, t)) continue;
        const float *states[3] = {o->s1, o->s2, o->s3};
        int64_t off = t->data - p->data;
        for (int s = 0; s < o->n_state; s++) {
            snprintf(name, sizeof name, "%s.opt_%s.%d.%d", prefix, tag, k, s + 1);
            if (gt_npz_find(ls->z, name) < 0) continue;
            if (read_member(ls, name, scratch, t->n)) return gt_error_set("%s", ls->why);
            char what[80];
            snprintf(what, sizeof what, "%s state %d of %s", gt_optim_name(o->cfg.kind), s + 1, t->name);
            keep_max(rel_diff(states[s] + off, scratch, t->n), &d->state, d->state_name, sizeof d->state_name, what);
        }
    }
    return GT_OK;
}

static int compare(lockstep *ls, int it, gt_gan *m, const gt_trainer *t, gt_lockstep_row *row, float *scratch) {
    char prefix[32];
    diffs d = {0}, d64 = {0};
    snprintf(prefix, sizeof prefix, "it.%d", it);
    int rc = compare_block(ls, prefix, "g", m->g, t->opt_g, ls->free_g, &d, scratch);
    if (!rc) rc = compare_block(ls, prefix, "d", m->d, t->opt_d, ls->free_d, &d, scratch);
    row->param_rel = d.param, row->state_rel = d.state, row->free_rel = d.free;
    memcpy(row->param_name, d.param_name, sizeof d.param_name);
    memcpy(row->state_name, d.state_name, sizeof d.state_name);
    memcpy(row->free_name, d.free_name, sizeof d.free_name);
    snprintf(prefix, sizeof prefix, "ref64.%d", it);
    char name[48];
    snprintf(name, sizeof name, "%s.g.0", prefix);
    row->param_rel64 = row->state_rel64 = row->yard_param = row->yard_state = NAN;
    if (rc || gt_npz_find(ls->z, name) < 0) return rc;
    rc = compare_block(ls, prefix, "g", m->g, t->opt_g, ls->free_g, &d64, scratch);
    if (!rc) rc = compare_block(ls, prefix, "d", m->d, t->opt_d, ls->free_d, &d64, scratch);
    row->param_rel64 = d64.param, row->state_rel64 = d64.state;
    snprintf(name, sizeof name, "yard.%d.param", it);
    row->yard_param = scalar(ls, name);
    snprintf(name, sizeof name, "yard.%d.state", it);
    row->yard_state = scalar(ls, name);
    return rc;
}

/* meta.free.TAG: indices of the block's tensors that the outputs do not
 * depend on (a bias before batch norm, the running mean it shifts) */
static int read_free(lockstep *ls, const char *tag, const gt_params *p, char **out) {
    *out = calloc((size_t)p->n + 1, 1);
    char name[32];
    snprintf(name, sizeof name, "meta.free.%s", tag);
    if (gt_npz_find(ls->z, name) < 0) return GT_OK;
    gt_npz_array a;
    if (gt_npz_read(ls->z, name, &a)) return GT_ERR;
    int64_t n = a.ndim ? a.shape[0] : 1;
    int rc = GT_OK;
    for (int64_t i = 0; i < n && !rc; i++) {
        int k = (int)a.data[i];
        if (k < 0 || k >= p->n) rc = gt_error_set("%s: %s names tensor %d of %d", ls->path, name, k, p->n);
        else (*out)[k] = 1;
    }
    gt_npz_array_free(&a);
    return rc;
}

static int64_t largest_tensor(const gt_params *p) {
    int64_t n = 0;
    for (int k = 0; k < p->n; k++)
        if (p->t[k]->n > n) n = p->t[k]->n;
    return n;
}

/* gantrain's tensors and optimizer state, named as the inputs file names
 * PyTorch's (it.I.g.K, it.I.opt_g.K.S), into an .npz for a closer look. */
static int dump(const char *path, int it, gt_params *const *blocks, gt_optim *const *opts) {
    int n = 0, cap = 0;
    for (int b = 0; b < 2; b++) cap += blocks[b]->n * (1 + opts[b]->n_state);
    gt_npz_array *arr = calloc((size_t)cap, sizeof *arr);
    char (*names)[64] = calloc((size_t)cap, sizeof *names);
    for (int b = 0; b < 2; b++) {
        gt_params *p = blocks[b];
        const float *states[3] = {opts[b]->s1, opts[b]->s2, opts[b]->s3};
        for (int k = 0; k < p->n; k++) {
            gt_tensor *t = p->t[k];
            for (int s = 0; s <= (gt_params_is_buffer(p, t) ? 0 : opts[b]->n_state); s++) {
                const float *src = s ? states[s - 1] + (t->data - p->data) : t->data;
                if (s) snprintf(names[n], 64, "it.%d.opt_%s.%d.%d", it, p->name, k, s);
                else snprintf(names[n], 64, "it.%d.%s.%d", it, p->name, k);
                arr[n].name = names[n];
                arr[n].ndim = t->ndim;
                for (int d = 0; d < t->ndim; d++) arr[n].shape[d] = t->shape[d];
                arr[n].data = malloc(sizeof(double) * (size_t)t->n);
                for (int64_t i = 0; i < t->n; i++) arr[n].data[i] = src[i];
                n++;
            }
        }
    }
    int rc = gt_npz_write(path, n, arr);
    for (int i = 0; i < n; i++) free(arr[i].data);
    free(arr);
    free(names);
    return rc;
}

static int run(lockstep *ls, gt_config *cfg, int iters, const char *dump_path, gt_lockstep_fn on_row, void *ud) {
    float meta[4] = {0}, nc = 0, count = 0;
    gt_npz_array shape;
    if (gt_npz_read(ls->z, "meta.shape", &shape)) return GT_ERR;
    int nd = shape.ndim == 1 && shape.shape[0] >= 1 && shape.shape[0] <= 3 ? (int)shape.shape[0] : 0;
    for (int i = 0; i < nd; i++) meta[i] = (float)shape.data[i];
    gt_npz_array_free(&shape);
    if (!nd) return gt_error_set("%s: meta.shape must be [C,H,W] or [D]", ls->path);
    if (read_member(ls, "meta.n_classes", &nc, 1) || read_member(ls, "meta.iters", &count, 1))
        return gt_error_set("%s", ls->why);
    int dims[3];
    for (int i = 0; i < nd; i++) dims[i] = (int)meta[i];
    gt_rng init;
    gt_rng_seed(&init, 1);
    gt_gan *m = gt_gan_new(cfg, nd, dims, (int)nc, &init);
    if (!m) return GT_ERR_USAGE;
    int rc = load_block(ls, m->g, "init.g");
    if (!rc) rc = load_block(ls, m->d, "init.d");
    if (!rc) rc = read_free(ls, "g", m->g, &ls->free_g);
    if (!rc) rc = read_free(ls, "d", m->d, &ls->free_d);
    gt_draws draws = {fill, ls};
    m->draws = &draws;
    gt_trainer t;
    memset(&t, 0, sizeof t);
    if (!rc) rc = gt_trainer_init(&t, cfg, m, 1, real_batch, ls);
    int64_t big = largest_tensor(m->g) > largest_tensor(m->d) ? largest_tensor(m->g) : largest_tensor(m->d);
    float *scratch = malloc(sizeof(float) * (size_t)big);
    int n = iters > 0 && iters < (int)count ? iters : (int)count;
    for (int it = 1; !rc && it <= n; it++) {
        gt_stats st;
        rc = gt_trainer_iteration(&t, &st);
        if (ls->failed) rc = gt_error_set("iteration %d: %s", it, ls->why);
        if (rc) break;
        gt_lockstep_row row = {.iter = it, .d_loss = st.d_loss, .g_loss = st.g_loss, .kt = st.kt};
        char name[64];
        snprintf(name, sizeof name, "it.%d.d_loss", it);
        row.ref_d_loss = scalar(ls, name);
        snprintf(name, sizeof name, "it.%d.g_loss", it);
        row.ref_g_loss = scalar(ls, name);
        snprintf(name, sizeof name, "ref64.%d.d_loss", it);
        row.d_loss64 = scalar(ls, name);
        snprintf(name, sizeof name, "ref64.%d.g_loss", it);
        row.g_loss64 = scalar(ls, name);
        snprintf(name, sizeof name, "it.%d.kt", it);
        row.ref_kt = scalar(ls, name);
        snprintf(name, sizeof name, "it.%d.g.0", it);
        row.compared = gt_npz_find(ls->z, name) >= 0;
        if (row.compared && (rc = compare(ls, it, m, &t, &row, scratch))) break;
        on_row(ud, &row);
    }
    free(scratch);
    if (!rc && dump_path) {
        gt_params *blocks[2] = {m->g, m->d};
        gt_optim *opts[2] = {t.opt_g, t.opt_d};
        rc = dump(dump_path, n, blocks, opts);
    }
    if (t.ctx) gt_trainer_free(&t);
    gt_gan_free(m);
    return rc;
}

int gt_lockstep_run(const char *config_path, const char **sets, int n_sets, const char *inputs_path,
                    int iters, const char *dump_path, gt_lockstep_fn on_row, void *ud) {
    gt_config *cfg = gt_config_new();
    int rc = gt_run_load_config(cfg, config_path, sets, n_sets);
    lockstep ls = {.path = inputs_path};
    if (!rc) rc = gt_npz_open(inputs_path, &ls.z);
    if (!rc) rc = run(&ls, cfg, iters, dump_path, on_row, ud);
    gt_npz_close(ls.z);
    free(ls.free_g);
    free(ls.free_d);
    gt_config_free(cfg);
    return rc;
}
