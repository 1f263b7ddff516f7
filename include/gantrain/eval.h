/* eval.h — `gantrain eval`: feature extractors behind one interface, image
 * sets (samples of a checkpoint, datasets, image folders, statistics
 * files), the real set's cached features, the metrics of metrics.h, the
 * table and the eval.jsonl line.
 *
 * Every image reaches an extractor as floats [n, C, H, W] in [-1, 1], as a
 * GAN produces and the data loader feeds them.  Generated images are
 * rounded to 8 bits first (gt_pixel_u8), as a PNG written by
 * `gantrain sample --dir` or torch-fidelity's uint8 input would be, so
 * evaluating a checkpoint and evaluating its saved samples agree.  An
 * extractor with a fixed input (the classifier) gets the images converted
 * to its channels (grey -> RGB repeats the plane; RGB -> grey is ITU-R 601
 * luma) and resized to its size (area averaging when shrinking, bilinear
 * with half-pixel centres when enlarging, per axis: the data loader's rule);
 * the same conversion applies to real and generated images.
 */
#ifndef GANTRAIN_EVAL_H
#define GANTRAIN_EVAL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "gantrain/classifier.h"
#include "gantrain/metrics.h"

/* ---- feature extractors --------------------------------------------------- */

#define GT_INCEPTION_PTH "pt_inception-2015-12-05-6726825d.pth"
/* the default weights: this file, else the converter's .npz */
#define GT_INCEPTION_DEFAULT_WEIGHTS "data/" GT_INCEPTION_PTH
#define GT_INCEPTION_DEFAULT_NPZ "data/pt_inception-2015-12-05.npz"
#define GT_INCEPTION_URL \
    "https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/" GT_INCEPTION_PTH

typedef struct gt_extractor gt_extractor;
struct gt_extractor {
    char name[16];         /* "classifier" or "inception" */
    char weights[1024];    /* the file the weights came from ("" when built in memory) */
    char describe[1536];   /* one line for the table */
    char dataset[64];      /* classifier: the dataset it was trained on ("" when unknown) */
    int dim;               /* features per image */
    int n_classes;         /* columns of the probabilities (IS); 0: none */
    int in_c, in_h, in_w;  /* the input it takes; 0: any (the network adapts it itself) */
    uint32_t fingerprint;  /* CRC32 of the weights: part of cache keys */
    int batch;             /* images per call of run */
    /* x [n, c, h, w] in [-1, 1] (already adapted when in_c/in_h are set) ->
     * feat [n, dim] and, when not NULL, probs [n, n_classes] */
    int (*run)(gt_extractor *e, const float *x, int n, int c, int h, int w, float *feat,
               float *probs);
    void (*destroy)(gt_extractor *e);
    void *impl;
};

/* kind "classifier" (weights: a classifier checkpoint) or "inception"
 * (weights: pytorch-fid's .pth, or the .npz of scripts/convert-inception.py;
 * NULL or "": the default, GT_INCEPTION_DEFAULT_WEIGHTS, else
 * GT_INCEPTION_DEFAULT_NPZ).  A missing file is an error that says how to
 * get it.  NULL with the message set. */
gt_extractor *gt_extractor_open(const char *kind, const char *weights);
/* Wrap an already built network (taking ownership); weights names its file. */
gt_extractor *gt_extractor_from_classifier(gt_classifier *m, const char *weights);
struct gt_inception;
gt_extractor *gt_extractor_from_inception(struct gt_inception *m, const char *weights);
void gt_extractor_free(gt_extractor *e); /* accepts NULL */
/* Features (and probabilities) of n images x [n, c, h, w] in [-1, 1], any
 * size and 1 or 3 channels: adapted to the extractor's input, then run in
 * batches of e->batch. */
int gt_extractor_features(gt_extractor *e, const float *x, int64_t n, int c, int h, int w,
                          float *feat, float *probs);
/* What gt_extractor_features does to c x h x w images, for the table
 * ("resized 32x32 -> 28x28 (area)"); "" when they go in unchanged. */
void gt_extractor_adaptation(const gt_extractor *e, int c, int h, int w, char *buf, size_t size);

/* ---- evaluation ------------------------------------------------------------ */

typedef struct gt_eval_opts {
    const char *target;     /* RUN_OR_CKPT: images generated from it (NULL: fake) */
    const char *fake;       /* --fake SPEC: a folder, dataset, config or checkpoint */
    const char *real;       /* --real SPEC: a folder, dataset, config or stats .npz
                               (NULL: the run's [data]) */
    const char *metrics;    /* "fid,is,kid,pr,dc" (NULL: eval.metrics) */
    int64_t n;              /* images of the evaluated set (0: eval.n) */
    int64_t real_n;         /* real images (0: eval.real_n, else n) */
    const char *features;   /* NULL: eval.features */
    const char *weights;    /* NULL: eval.weights, else the default for the features */
    int64_t seed;           /* noise / subset seed (< 0: 1) */
    int bn_running;         /* generator batch norm on running statistics */
    const char **sets;      /* "section.key=value": the real data's config, [eval] */
    int n_sets;
    const char *jsonl;      /* NULL: RUN/eval.jsonl when there is a run; "" or "none": none */
    const char *save_stats; /* write the evaluated set's statistics (.npz) */
    const char *save_real_stats;
    int no_cache;           /* neither read nor write the real-feature cache */
    FILE *out;              /* the table (NULL: nothing printed) */
    int json_stdout;        /* print the JSON line instead of the table */
} gt_eval_opts;

typedef struct gt_eval_result {
    int want_fid, want_is, want_kid, want_pr, want_dc; /* requested */
    int has_fid, has_is, has_kid, has_pr, has_dc;      /* computed */
    gt_fid_result fid;
    gt_is_result is;
    gt_kid_result kid;
    gt_prdc_result prdc;
    char skipped[1024];     /* why requested metrics were not computed ("" when all were) */
    int64_t n_fake, n_real, step;
    int dim;
    int cache_hit;          /* the real features came from the cache */
    char jsonl_path[1024];  /* where the JSON line went ("" when nowhere) */
    char *json;             /* the JSON line (malloc'd; gt_eval_result_free) */
    double seconds;
} gt_eval_result;

/* Runs an evaluation.  GT_OK when every requested metric was computed;
 * GT_ERR when one could not be (the others are still in res, printed and
 * logged, and res->skipped says why) or on a runtime failure before any
 * metric; GT_ERR_USAGE for a usage or config mistake. */
int gt_eval_run(const gt_eval_opts *o, gt_eval_result *res);
void gt_eval_result_free(gt_eval_result *res);

#endif
