/* tfevents.h — TensorBoard event files: scalars and images a run logs, in
 * the format TensorBoard reads (TFRecord framing of tensorflow.Event
 * protocol buffers, encoded by hand).
 *
 * One writer owns one file, DIR/events.out.tfevents.<unix time>.<hostname>
 * (".1", ".2" ... appended if that name is taken).  Each record is written
 * with a single fwrite and flushed, so a crashed run keeps everything logged
 * before the crash; a torn last record is what TensorBoard tolerates.
 */
#ifndef GANTRAIN_TFEVENTS_H
#define GANTRAIN_TFEVENTS_H

#include <stddef.h>
#include <stdint.h>

#include "gantrain/tensor.h"

typedef struct gt_tfevents gt_tfevents;

/* Creates a new event file in dir (which must exist) and writes its first
 * record (file_version "brain.Event:2").  NULL with the message set on failure. */
gt_tfevents *gt_tfevents_open(const char *dir);
/* The same at an exact path, which must not exist yet. */
gt_tfevents *gt_tfevents_open_path(const char *path);
const char *gt_tfevents_path(const gt_tfevents *w);
/* Flushes, fsyncs and closes; GT_OK or GT_ERR.  Accepts NULL. */
int gt_tfevents_close(gt_tfevents *w);

/* One Event at `step` whose Summary holds one simple_value per tag. */
int gt_tfevents_scalar(gt_tfevents *w, int64_t step, const char *tag, float value);
int gt_tfevents_scalars(gt_tfevents *w, int64_t step, int n, const char *const *tags,
                        const float *values);
/* An image Summary: pix is width x height x channels (1 grey, 3 RGB, 4 RGBA),
 * row-major interleaved; stored PNG-encoded. */
int gt_tfevents_image(gt_tfevents *w, int64_t step, const char *tag, const uint8_t *pix,
                      int width, int height, int channels);
/* Images [N, C, H, W] in [-1, 1] as a grid (image.h's layout, pad value 0). */
int gt_tfevents_grid(gt_tfevents *w, int64_t step, const char *tag, const gt_tensor *imgs,
                     int nrow, int pad);
/* SessionLog START at `step`: written when a run resumes, it tells
 * TensorBoard to drop events the crashed run logged after `step`. */
int gt_tfevents_session_start(gt_tfevents *w, int64_t step);

#endif
