/* toyviz.h — the toy 2-D visualiser: for toy2d runs, every
 * train.toyviz_every steps a four-panel PNG RUN/toyviz/frame_NNNNNN.png
 * (N = step / every, so the frames of a run are numbered 1, 2, 3 ... and
 * `ffmpeg -i frame_%06d.png` makes a video of them):
 *
 *   top left      d_loss and g_loss from log.csv so far, and D's accuracy
 *                 at each frame (right axis, 0..1);
 *   top right     real points (blue) and G's points from a fixed z (red);
 *   bottom left   D's output over the latent square: what D says of G(z)
 *                 for each z (first two components of z, the rest 0);
 *   bottom right  D's output over the sample space as a heat map.
 *
 * Heat maps read blue = D says real, red = D says fake, white = unsure.
 * For ns/mm D's output is sigmoid(score); for ls the score clamped to
 * [0, 1]; for wgan/wgan-gp critics, whose scores have no fixed scale,
 * 0.5 + 0.5 tanh((score - t) / s) with t the midpoint of the mean real and
 * mean fake scores of the frame and s the spread of those scores.
 * D's accuracy counts real points D puts above 0.5 (critics: above t) and
 * fake points below, over 1000 of each; it is also logged to
 * RUN/toyviz/accuracy.csv and to TensorBoard (d_accuracy), and each frame
 * goes to TensorBoard as the image "toyviz".
 *
 * The picture is drawn by hand into an RGB buffer (text with
 * stb_easy_font): gnuplot is not available inside the training loop.
 */
#ifndef GANTRAIN_TOYVIZ_H
#define GANTRAIN_TOYVIZ_H

#include <stdint.h>

#include "gantrain/data.h"
#include "gantrain/tfevents.h"
#include "gantrain/train.h"

typedef struct gt_toyviz gt_toyviz;

/* Starts the visualiser of a run: *out is NULL (and GT_OK returned) unless
 * the run is a toy2d run with train.toyviz_every resolving to N > 0 (0
 * means train.sample_every, -1 never).  Creates RUN/toyviz/; on resume its
 * accuracy.csv keeps the rows up to tr->step.  tb may be NULL. */
int gt_toyviz_open(gt_toyviz **out, const char *run_dir, const gt_trainer *tr,
                   const gt_dataset *ds, gt_tfevents *tb, int resume);
/* Draws the frame of the trainer's current step if it is a multiple of N
 * (uses and resets the trainer's context).  GT_OK or an error. */
int gt_toyviz_step(gt_toyviz *v);
void gt_toyviz_free(gt_toyviz *v); /* NULL-safe */

/* ---- the drawing, separated from the model for tests --------------------- */

/* Everything one frame shows.  Grids are g x g values in [0, 1], row 0 at
 * the top (largest second coordinate), column 0 at the left. */
typedef struct gt_toyviz_frame {
    char title[160];
    const double *loss_step, *d_loss, *g_loss; /* n_loss logged rows */
    int n_loss;
    const double *acc_step, *acc;              /* n_acc frames so far */
    int n_acc;
    const float *real, *fake;                  /* [n_real, 2], [n_fake, 2] */
    int n_real, n_fake;
    float box[4];                              /* sample space: x0, x1, y0, y1 */
    const float *d_latent;                     /* [g*g] over z1, z2 in zbox */
    float zbox[4];
    const float *d_plane;                      /* [g*g] over box */
    int g;
} gt_toyviz_frame;

/* The frame as RGB pixels (malloc'd, *w x *h x 3). */
uint8_t *gt_toyviz_render(const gt_toyviz_frame *f, int *w, int *h);

/* D's output p in [0, 1] as a colour: 0 red, 0.5 white, 1 blue. */
void gt_toyviz_colour(double p, uint8_t rgb[3]);
/* "Nice" tick positions (1, 2, 5 times a power of ten) inside [lo, hi]: at
 * most max_ticks of them into ticks; returns the count. */
int gt_toyviz_ticks(double lo, double hi, int max_ticks, double *ticks);

/* Text drawn with stb_easy_font at an integer scale: its width in pixels. */
int gt_text_width(const char *s, int scale);
/* Draws s with its top-left corner at (x, y) into w x h RGB pixels. */
void gt_text_draw(uint8_t *pix, int w, int h, int x, int y, int scale, const char *s,
                  const uint8_t rgb[3]);

#endif
