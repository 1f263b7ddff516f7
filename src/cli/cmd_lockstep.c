/* cmd_lockstep.c — `gantrain lockstep CONFIG.ini INPUTS.npz`: gantrain's
 * trainer on the inputs a PyTorch run consumed (scripts/lockstep.py), one
 * line per iteration with both programs' losses and the largest relative
 * differences in parameters and optimizer state; exit 1 when a stored
 * iteration differs by more than --tol. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gantrain/cli.h"
#include "gantrain/error.h"
#include "gantrain/lockstep.h"

typedef struct report {
    double tol;
    int first_bad;      /* first iteration beyond tol, 0 if none */
    char first_what[96];
    double first_rel;
    int json;
} report;

static double rel_scalar(double a, double b) {
    if (isnan(a) && isnan(b)) return 0;
    double d = fabs(a - b), m = fabs(b);
    return m > 1e-3 ? d / m : d; /* near zero: absolute */
}

/* Whether a compared iteration agrees: within tol of PyTorch's float32
 * run, or (with a float64 replay) no further from the float64 computation
 * than twice PyTorch's own float32 distance from it. */
static int agrees(const gt_lockstep_row *r, double tol, double *worst, const char **what) {
    *worst = r->param_rel > r->state_rel ? r->param_rel : r->state_rel;
    *what = r->param_rel > r->state_rel ? r->param_name : r->state_name;
    if (*worst <= tol) return 1;
    if (isnan(r->yard_param)) return 0;
    return r->param_rel64 <= fmax(2 * r->yard_param, tol) && r->state_rel64 <= fmax(2 * r->yard_state, tol);
}

/* A loss agrees when within tol of PyTorch's, or no further from the float64
 * replay's than twice PyTorch's float32 one. */
static double loss_diff(double v, double ref, double v64, double tol) {
    double d = rel_scalar(v, ref);
    if (d <= tol || isnan(v64)) return d;
    return rel_scalar(v, v64) <= fmax(2 * rel_scalar(ref, v64), tol) ? 0 : d;
}

static void on_row(void *ud, const gt_lockstep_row *r) {
    report *rep = ud;
    double dl = rel_scalar(r->d_loss, r->ref_d_loss), gl = rel_scalar(r->g_loss, r->ref_g_loss);
    if (rep->json) {
        printf("{\"iter\": %d, \"d_loss\": %.9g, \"ref_d_loss\": %.9g, \"g_loss\": %.9g, \"ref_g_loss\": %.9g",
               r->iter, r->d_loss, r->ref_d_loss, r->g_loss, r->ref_g_loss);
        if (!isnan(r->kt)) printf(", \"kt\": %.9g, \"ref_kt\": %.9g", r->kt, r->ref_kt);
        if (!isnan(r->d_loss64)) printf(", \"d_loss64\": %.9g, \"g_loss64\": %.9g", r->d_loss64, r->g_loss64);
        if (r->compared) {
            printf(", \"param_rel\": %.3e, \"param\": \"%s\", \"state_rel\": %.3e, \"state\": \"%s\", "
                   "\"free_rel\": %.3e, \"free\": \"%s\"", r->param_rel, r->param_name, r->state_rel, r->state_name,
                   r->free_rel, r->free_name);
            if (!isnan(r->yard_param))
                printf(", \"param_rel64\": %.3e, \"state_rel64\": %.3e, \"yard_param\": %.3e, \"yard_state\": %.3e",
                       r->param_rel64, r->state_rel64, r->yard_param, r->yard_state);
        }
        printf("}\n");
    } else {
        printf("%6d  %11.7g %11.7g %8.1e  %11.7g %11.7g %8.1e", r->iter, r->d_loss, r->ref_d_loss, dl, r->g_loss,
               r->ref_g_loss, gl);
        if (r->compared) {
            printf("  %8.2e %-20s %8.2e %-34s", r->param_rel, r->param_name, r->state_rel, r->state_name);
            if (!isnan(r->yard_param))
                printf("  f64: %8.2e/%8.2e %8.2e/%8.2e", r->param_rel64, r->yard_param, r->state_rel64, r->yard_state);
        }
        printf("\n");
    }
    fflush(stdout);
    if (rep->first_bad) return;
    dl = loss_diff(r->d_loss, r->ref_d_loss, r->d_loss64, rep->tol);
    gl = loss_diff(r->g_loss, r->ref_g_loss, r->g_loss64, rep->tol);
    double worst = dl > gl ? dl : gl;
    const char *what = dl > gl ? "d_loss" : "g_loss";
    double tw;
    const char *tn;
    int ok = worst <= rep->tol && (!r->compared || agrees(r, rep->tol, &tw, &tn));
    if (r->compared && !agrees(r, rep->tol, &tw, &tn) && !(tw <= worst)) worst = tw, what = tn;
    if (!ok) {
        rep->first_bad = r->iter;
        rep->first_rel = worst;
        snprintf(rep->first_what, sizeof rep->first_what, "%s", what);
    }
}

int gt_cmd_lockstep(int argc, char **argv) {
    gt_args a;
    const char *name, *value, *sets[64];
    int n_sets = 0;
    long iters = 0;
    const char *dump = NULL;
    report rep = {.tol = 1e-4};
    gt_args_init(&a, argc, argv);
    while (gt_args_next(&a, &name, &value, 1)) {
        if (!value && a.i < a.argc && strcmp(name, "json")) value = a.argv[a.i++];
        if (!strcmp(name, "iters")) {
            if (!gt_parse_int(value, 1, 1000000000, &iters))
                return gt_cli_error(GT_EXIT_USAGE, "lockstep: --iters wants a count, got '%s'", value ? value : "");
        } else if (!strcmp(name, "tol")) {
            if (!gt_parse_float(value, 0, 1e9, &rep.tol))
                return gt_cli_error(GT_EXIT_USAGE, "lockstep: --tol wants a number, got '%s'", value ? value : "");
        } else if (!strcmp(name, "set")) {
            if (!value || n_sets == 64) return gt_cli_error(GT_EXIT_USAGE, "--set needs section.key=value");
            sets[n_sets++] = value;
        } else if (!strcmp(name, "dump")) {
            if (!value) return gt_cli_error(GT_EXIT_USAGE, "lockstep: --dump needs a file name");
            dump = value;
        } else if (!strcmp(name, "json")) {
            rep.json = 1;
        } else {
            return gt_cli_error(GT_EXIT_USAGE, "lockstep: unknown option --%s", name);
        }
    }
    if (a.n_pos != 2)
        return gt_cli_error(GT_EXIT_USAGE, "usage: gantrain lockstep CONFIG.ini INPUTS.npz [--iters K] [--tol T]");
    if (!rep.json)
        printf("%6s  %11s %11s %8s  %11s %11s %8s  %8s %-20s %8s %-34s  %s\n", "iter", "d_loss", "torch", "rel",
               "g_loss", "torch", "rel", "params", "(largest in)", "optim", "(largest in)",
               "f64: params gantrain/torch, optim gantrain/torch");
    int rc = gt_lockstep_run(a.pos[0], sets, n_sets, a.pos[1], (int)iters, dump, on_row, &rep);
    if (rep.first_bad) {
        /* the first parting is the finding, whatever stopped the run later */
        fprintf(stderr, "gantrain: lockstep: iteration %d differs from PyTorch by %.2e in %s (tolerance %g)%s%s\n",
                rep.first_bad, rep.first_rel, rep.first_what, rep.tol, rc ? "; later: " : "", rc ? gt_error() : "");
        return GT_EXIT_FAIL;
    }
    if (rc) return gt_cli_error(rc == GT_ERR_USAGE ? GT_EXIT_USAGE : GT_EXIT_FAIL, "%s", gt_error());
    if (!rep.json)
        printf("lockstep: every compared figure and tensor within %g of PyTorch's (or no further from the "
               "float64 run than twice PyTorch's float32)\n", rep.tol);
    return GT_EXIT_OK;
}
