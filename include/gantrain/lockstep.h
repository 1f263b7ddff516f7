/* lockstep.h — the trainer run step for step beside PyTorch.
 *
 * scripts/lockstep.py trains the PyTorch reference of a preset and records
 * everything random or external that the run consumes — the initial
 * weights, the real batches and their labels, the noise, the fake labels,
 * the dropout masks and the gradient-penalty weights — with PyTorch's losses,
 * parameters, batch-norm buffers and optimizer state after each iteration it
 * stores.  gt_lockstep_run feeds the same inputs to gantrain's own trainer
 * (gt_trainer_iteration, the code `gantrain train` runs) and compares after
 * every stored iteration.  Round-off makes the relative differences grow
 * smoothly from about 1e-7; a jump at one iteration and one tensor is a
 * difference in what the two programs compute.
 *
 * The inputs file is an .npz (float32 or float64 members):
 *   meta.shape [C,H,W] or [D], meta.n_classes [1], meta.iters [1]
 *   init.g.K, init.d.K          tensor K of G's and D's parameter block, in
 *                               gantrain's order (= torch's state_dict order
 *                               without num_batches_tracked)
 *   real.J, real_labels.J       the J-th real batch consumed (labels: models
 *                               with classes)
 *   z.J, fake_labels.J, alpha.J, keep.J
 *                               the J-th draw of each kind (keep: dropout keep
 *                               flags of the whole batch, 0 or 1)
 *   it.I.d_loss, it.I.g_loss, it.I.kt     figures of iteration I (1-based)
 *   it.I.g.K, it.I.d.K          tensors after iteration I (only where stored)
 *   it.I.opt_g.K.S, it.I.opt_d.K.S   optimizer state S (1, 2: adam's exp_avg and
 *                               exp_avg_sq, rmsprop's square_avg) of tensor K
 *   ref64.I.g.K, ref64.I.opt_g.K.S ...  the same after iteration I of the recorded
 *                               inputs run in float64 (PyTorch): the yardstick of
 *                               round-off for both float32 programs
 *   ref64.I.d_loss, ref64.I.g_loss   its losses (every iteration)
 *   yard.I.param, yard.I.state  the largest relative difference of PyTorch's
 *                               float32 run from that float64 run
 *   meta.free.g, meta.free.d    indices of tensors the network's output does not
 *                               depend on: a bias right before batch norm has a
 *                               zero gradient in exact arithmetic, and Adam turns
 *                               the round-off of that zero into steps of up to lr
 *                               (differently in each program), which also shift
 *                               the running mean after it.  Compared apart.
 */
#ifndef GANTRAIN_LOCKSTEP_H
#define GANTRAIN_LOCKSTEP_H

#include <stdint.h>

/* One iteration's comparison.  Relative differences are max|a - b| over a
 * tensor divided by max|b| over it (absolute when b is all zeros). */
typedef struct gt_lockstep_row {
    int iter;                       /* 1-based */
    double d_loss, g_loss, kt;      /* gantrain's (kt NaN unless began) */
    double ref_d_loss, ref_g_loss, ref_kt; /* PyTorch's */
    double d_loss64, g_loss64;      /* the float64 replay's (NaN without one) */
    int compared;                   /* PyTorch's tensors after this iteration were stored */
    double param_rel;               /* largest over parameters and buffers */
    char param_name[64];
    double state_rel;               /* largest over optimizer state */
    char state_name[80];
    double free_rel;                /* largest over the tensors the outputs do not
                                       depend on (meta.free.*), kept out of the two above */
    char free_name[64];
    /* with a float64 replay in the file (ref64.I.*, yard.I.*): the same two
     * largest differences of gantrain from the float64 computation, and of
     * PyTorch's float32 run from it (NaN without one) */
    double param_rel64, state_rel64;
    double yard_param, yard_state;
} gt_lockstep_row;

typedef void (*gt_lockstep_fn)(void *ud, const gt_lockstep_row *row);

/* Runs the iterations the file holds (at most iters when iters > 0) with
 * the config (file, then sets, then the preset under them), calling on_row
 * after each; with dump_path, writes gantrain's tensors and optimizer state
 * after the last one there (.npz, named as PyTorch's in the inputs).  GT_OK, or an error (inputs missing or of the wrong size, a
 * model that does not match the stored weights, a failed iteration). */
int gt_lockstep_run(const char *config_path, const char **sets, int n_sets, const char *inputs_path,
                    int iters, const char *dump_path, gt_lockstep_fn on_row, void *ud);

#endif
