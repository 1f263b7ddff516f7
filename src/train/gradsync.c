/* gradsync.c — gradient all-reduce in buckets, started as the backward pass
 * finishes them (see gradsync.h). */
#include "gantrain/gradsync.h"

#include <stdlib.h>

#include "gantrain/dist.h"
#include "gantrain/error.h"

typedef struct bucket {
    int64_t lo, hi;  /* values [lo, hi) of the gradient block */
    int64_t got;     /* of them, final so far in this update */
    int id;          /* the all-reduce in flight, -1 none */
    double t_post;
} bucket;

struct gt_gradsync {
    gt_params *p;
    int n;           /* buckets; 0: one blocking all-reduce */
    bucket *b;       /* b[0] holds the end of the block */
    int next;        /* the next bucket to start: they start in index order */
    int active;      /* between begin and update */
    gt_optim *later; /* an update waiting for settle */
    double t_first;  /* when this update's first sum started */
    gt_gradsync_stats st;
};

gt_gradsync *gt_gradsync_new(gt_params *p, int64_t bucket_bytes) {
    gt_gradsync *s = gt_xcalloc(1, sizeof *s);
    s->p = p;
    if (bucket_bytes <= 0 || gt_dist_size() == 1 || p->n_values == 0) return s;
    /* whole parameters from the last to the first, a bucket closed once it
     * holds bucket_bytes: the last layers' gradients, which the backward
     * pass finishes first, go in the first buckets */
    s->b = gt_xcalloc((size_t)p->n + 1, sizeof *s->b);
    int64_t hi = p->n_values, lo = hi;
    for (int i = p->n - 1; i >= 0; i--) {
        gt_tensor *t = p->t[i];
        if (!(t->flags & GT_T_PARAM)) continue;
        lo = t->grad - p->grad;
        if ((hi - lo) * (int64_t)sizeof(float) >= bucket_bytes) {
            s->b[s->n++] = (bucket){lo, hi, 0, -1, 0};
            hi = lo;
        }
    }
    if (hi > 0) s->b[s->n++] = (bucket){0, hi, 0, -1, 0};
    return s;
}

static double now(void) { return gt_dist_now(); }

/* starts every bucket from s->next on whose values are all final (or all
 * of them, when `all`), in index order */
static void post(gt_gradsync *s, int all) {
    while (s->next < s->n) {
        bucket *b = &s->b[s->next];
        if (!all && b->got < b->hi - b->lo) break;
        double t = now();
        if (s->next == 0) s->t_first = t;
        b->t_post = t;
        b->id = gt_dist_isum_f(s->p->grad + b->lo, b->hi - b->lo);
        s->st.buckets++;
        s->st.bytes += (b->hi - b->lo) * (int64_t)sizeof(float);
        s->st.exposed_s += now() - t;
        s->next++;
    }
}

/* waits for every bucket's sum */
static void wait_all(gt_gradsync *s) {
    double t = now(), last = s->t_first;
    for (int i = 0; i < s->n; i++) {
        double done = gt_dist_wait(s->b[i].id);
        if (done > last) last = done;
        s->b[i].id = -1;
        s->b[i].got = 0;
    }
    s->st.exposed_s += now() - t;
    s->st.flight_s += last - s->t_first;
    s->t_first = 0;
    s->next = 0;
}

void gt_gradsync_hook(void *ud, gt_tensor *param) {
    gt_gradsync *s = ud;
    if (param && s && s->active && param->grad >= s->p->grad && param->grad < s->p->grad + s->p->n_values) {
        int64_t off = param->grad - s->p->grad;
        int i = 0;
        while (i < s->n && !(off >= s->b[i].lo && off < s->b[i].hi)) i++;
        GT_ASSERTF(i < s->n, "gradient of %s outside every bucket", param->name);
        bucket *b = &s->b[i];
        b->got += param->n;
        /* a second backward pass in one update would add to sums in flight */
        GT_ASSERTF(i >= s->next && b->got <= b->hi - b->lo,
                   "gradient of %s reported final twice in one update (two backward passes "
                   "before one update cannot overlap their all-reduce: train.bucket_kb = 0)",
                   param->name);
        post(s, 0);
    }
    if (!param) {
        double t = now();
        if (gt_dist_progress() > 0 && s) s->st.exposed_s += now() - t;
    }
}

void gt_gradsync_begin(gt_gradsync *s, gt_ctx *c) {
    GT_ASSERTF(!s->later, "update of %s started while the previous one waits for settle", s->p->name);
    if (!s->n) return;
    s->active = 1;
    s->next = 0;
    for (int i = 0; i < s->n; i++) s->b[i].got = 0;
    gt_ctx_set_grad_hook(c, gt_gradsync_hook, s);
}

static void finish(gt_gradsync *s, gt_ctx *c) {
    s->st.updates++;
    if (!s->n) {
        double t = now();
        gt_dist_sum_f(s->p->grad, s->p->n_values);
        double dt = now() - t;
        if (gt_dist_size() > 1) {
            s->st.buckets++;
            s->st.bytes += s->p->n_values * (int64_t)sizeof(float);
            s->st.exposed_s += dt;
            s->st.flight_s += dt;
        }
        return;
    }
    /* what the backward pass did not report (parameters off the loss's
     * path: their zero gradients) starts now */
    post(s, 1);
    s->active = 0;
    /* the sums in flight still advance during later passes */
    gt_ctx_set_grad_hook(c, gt_gradsync_hook, NULL);
}

void gt_gradsync_update(gt_gradsync *s, gt_ctx *c, gt_optim *o) {
    finish(s, c);
    if (s->n) wait_all(s);
    gt_optim_step(o, s->p);
}

void gt_gradsync_update_later(gt_gradsync *s, gt_ctx *c, gt_optim *o) {
    finish(s, c);
    if (!s->n) {
        gt_optim_step(o, s->p);
        return;
    }
    s->later = o;
}

void gt_gradsync_settle(gt_gradsync *s) {
    if (!s || !s->later) return;
    wait_all(s);
    gt_optim_step(s->later, s->p);
    s->later = NULL;
}

int gt_gradsync_buckets(const gt_gradsync *s) { return s->n; }
gt_gradsync_stats gt_gradsync_stats_get(const gt_gradsync *s) { return s->st; }

void gt_gradsync_free(gt_gradsync *s) {
    if (!s) return;
    /* MPI must be done with the gradient block before anything frees it */
    for (int i = 0; i < s->n; i++)
        if (s->b[i].id >= 0) gt_dist_wait(s->b[i].id);
    free(s->b);
    free(s);
}
