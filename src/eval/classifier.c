/* classifier.c — the CNN behind `gantrain eval --features classifier`:
 * its layers, forward pass, evaluation-mode features and probabilities,
 * checkpoint I/O, test accuracy, and the training loop of
 * `gantrain classifier CONFIG`. */
#include "gantrain/classifier.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gantrain/ckpt.h"
#include "gantrain/crc.h"
#include "gantrain/error.h"
#include "gantrain/optim.h"

typedef struct layers {
    gt_conv_layer conv[4];
    gt_batchnorm_layer bn[4];
    gt_linear_layer fc1, fc2;
    gt_batchnorm_layer bn_fc;
} layers;

static int down(int s) { return (s + 1) / 2; } /* 3x3, stride 2, pad 1 */

gt_classifier *gt_classifier_new(const gt_classifier_spec *s, gt_rng *rng) {
    if (s->in_c < 1 || s->in_h < 4 || s->in_w < 4) {
        gt_error_set("classifier: input %dx%dx%d is too small (needs at least 4x4 pixels)", s->in_c,
                     s->in_h, s->in_w);
        return NULL;
    }
    if (s->n_classes < 2) {
        gt_error_set("classifier: %d classes; a classifier needs at least 2", s->n_classes);
        return NULL;
    }
    if (s->width < 1 || s->fc_dim < 2 || !(s->dropout >= 0 && s->dropout < 1)) {
        gt_error_set("classifier: width %d, fc %d, dropout %g make no sense", s->width, s->fc_dim,
                     (double)s->dropout);
        return NULL;
    }
    gt_classifier *m = gt_xcalloc(1, sizeof *m);
    m->spec = *s;
    m->test_accuracy = -1;
    layers *L = gt_xcalloc(1, sizeof *L);
    m->impl = L;
    m->p = gt_params_new("classifier");
    int w = s->width, ch[5] = {s->in_c, w, w, 2 * w, 2 * w};
    for (int i = 0; i < 4; i++) {
        char name[16];
        snprintf(name, sizeof name, "conv%d", i + 1);
        /* batch norm follows: a conv bias would be cancelled by its mean */
        gt_conv_layer_make(&L->conv[i], m->p, name, ch[i], ch[i + 1], 3, (i & 1) ? 2 : 1, 1, 0);
        snprintf(name, sizeof name, "bn%d", i + 1);
        gt_batchnorm_layer_make(&L->bn[i], m->p, name, ch[i + 1], 1e-5f, 0.1f);
    }
    int flat = 2 * w * down(down(s->in_h)) * down(down(s->in_w));
    gt_linear_layer_make(&L->fc1, m->p, "fc1", flat, s->fc_dim, 0);
    gt_batchnorm_layer_make(&L->bn_fc, m->p, "bn_fc", s->fc_dim, 1e-5f, 0.1f);
    gt_linear_layer_make(&L->fc2, m->p, "fc2", s->fc_dim, s->n_classes, 1);
    gt_params_seal(m->p, rng);
    return m;
}

void gt_classifier_free(gt_classifier *m) {
    if (!m) return;
    gt_params_free(m->p);
    for (int k = 0; m->class_names && k < m->spec.n_classes; k++) free(m->class_names[k]);
    free(m->class_names);
    free(m->impl);
    free(m);
}

gt_tensor *gt_classifier_forward(gt_ctx *c, gt_classifier *m, gt_tensor *x, int training,
                                 gt_rng *rng, gt_tensor **features) {
    const gt_classifier_spec *s = &m->spec;
    GT_ASSERTF(x->ndim == 4 && x->shape[1] == s->in_c && x->shape[2] == s->in_h && x->shape[3] == s->in_w,
               "classifier input %s, want [N, %d, %d, %d]", GT_SHAPE_STR(x), s->in_c, s->in_h, s->in_w);
    layers *L = m->impl;
    gt_tensor *h = x;
    for (int i = 0; i < 4; i++)
        h = gt_relu(c, gt_batchnorm_layer_fwd(c, &L->bn[i], gt_conv_layer_fwd(c, &L->conv[i], h), training));
    h = gt_flatten(c, h);
    if (training && s->dropout > 0) h = gt_dropout(c, h, s->dropout, 1, rng);
    h = gt_relu(c, gt_batchnorm_layer_fwd(c, &L->bn_fc, gt_linear_layer_fwd(c, &L->fc1, h), training));
    if (features) *features = h;
    if (training && s->dropout > 0) h = gt_dropout(c, h, s->dropout, 1, rng);
    return gt_linear_layer_fwd(c, &L->fc2, h);
}

void gt_classifier_run(gt_ctx *c, gt_classifier *m, const float *x, int n, float *feat, float *probs) {
    int old = gt_set_grad_enabled(c, 0);
    const gt_classifier_spec *s = &m->spec;
    gt_tensor *xt = gt_from_data(c, x, 4, (int[]){n, s->in_c, s->in_h, s->in_w});
    gt_tensor *f = NULL;
    gt_tensor *logits = gt_classifier_forward(c, m, xt, 0, NULL, &f);
    if (feat) memcpy(feat, f->data, sizeof(float) * (size_t)f->n);
    if (probs) {
        gt_tensor *p = gt_softmax(c, logits);
        memcpy(probs, p->data, sizeof(float) * (size_t)p->n);
    }
    gt_set_grad_enabled(c, old);
    gt_ctx_reset(c);
}

static int argmax(const float *v, int k) {
    int b = 0;
    for (int j = 1; j < k; j++)
        if (v[j] > v[b]) b = j;
    return b;
}

static int check_input(const gt_classifier *m, const gt_dataset *ds) {
    const gt_classifier_spec *s = &m->spec;
    if (gt_dataset_kind(ds) == GT_DATA_TOY2D || gt_dataset_channels(ds) != s->in_c ||
        gt_dataset_height(ds) != s->in_h || gt_dataset_width(ds) != s->in_w)
        return gt_error_set("%s: samples are %dx%dx%d, the classifier takes %dx%dx%d", gt_dataset_name(ds),
                            gt_dataset_channels(ds), gt_dataset_height(ds), gt_dataset_width(ds), s->in_c,
                            s->in_h, s->in_w);
    if (gt_dataset_n_classes(ds) < 1)
        return gt_error_set("%s: the dataset has no labels to measure accuracy on", gt_dataset_name(ds));
    return GT_OK;
}

int gt_classifier_accuracy(gt_classifier *m, const gt_dataset *ds, int batch, double *acc,
                           int64_t *per_class_correct, int64_t *per_class_total) {
    if (check_input(m, ds)) return GT_ERR;
    int K = m->spec.n_classes, per = gt_dataset_sample_size(ds);
    int64_t n = gt_dataset_count(ds), correct = 0;
    if (per_class_correct) memset(per_class_correct, 0, sizeof(int64_t) * (size_t)K);
    if (per_class_total) memset(per_class_total, 0, sizeof(int64_t) * (size_t)K);
    float *x = gt_xmalloc(sizeof(float) * (size_t)batch * (size_t)per);
    float *lab = gt_xmalloc(sizeof(float) * (size_t)batch);
    float *probs = gt_xmalloc(sizeof(float) * (size_t)batch * (size_t)K);
    int64_t *idx = gt_xmalloc(sizeof(int64_t) * (size_t)batch);
    gt_ctx *c = gt_ctx_new(0);
    for (int64_t i0 = 0; i0 < n; i0 += batch) {
        int b = (int)(n - i0 < batch ? n - i0 : batch);
        for (int i = 0; i < b; i++) idx[i] = i0 + i;
        gt_dataset_fill(ds, idx, b, x, lab);
        gt_classifier_run(c, m, x, b, NULL, probs);
        for (int i = 0; i < b; i++) {
            int y = (int)lab[i], ok = argmax(probs + (size_t)i * K, K) == y;
            correct += ok;
            if (y >= 0 && y < K) {
                if (per_class_correct) per_class_correct[y] += ok;
                if (per_class_total) per_class_total[y]++;
            }
        }
    }
    gt_ctx_free(c);
    free(x);
    free(lab);
    free(probs);
    free(idx);
    *acc = n ? (double)correct / (double)n : 0;
    return GT_OK;
}

/* ---- checkpoints -------------------------------------------------------- */

int gt_classifier_save(const gt_classifier *m, const char *path, const char *config_text,
                       double train_accuracy, int64_t epochs, int64_t steps) {
    const gt_classifier_spec *s = &m->spec;
    gt_ckpt_writer *w = gt_ckpt_writer_new(config_text);
    gt_ckpt_put_str(w, "gantrain", "0.1.0");
    gt_ckpt_put_str(w, "kind", "classifier");
    gt_ckpt_put_str(w, "arch", GT_CLASSIFIER_ARCH);
    gt_ckpt_put_i64(w, "in_c", s->in_c);
    gt_ckpt_put_i64(w, "in_h", s->in_h);
    gt_ckpt_put_i64(w, "in_w", s->in_w);
    gt_ckpt_put_i64(w, "n_classes", s->n_classes);
    gt_ckpt_put_i64(w, "width", s->width);
    gt_ckpt_put_i64(w, "fc_dim", s->fc_dim);
    /* the float's shortest decimal, so `gantrain info` shows 0.3, not 0.30000001 */
    char d[32];
    snprintf(d, sizeof d, "%g", (double)s->dropout);
    gt_ckpt_put_f64(w, "dropout", strtod(d, NULL));
    gt_ckpt_put_str(w, "dataset", m->dataset);
    size_t len = 1;
    for (int k = 0; m->class_names && k < s->n_classes; k++) len += strlen(m->class_names[k]) + 2;
    char *names = gt_xcalloc(1, len);
    for (int k = 0; m->class_names && k < s->n_classes; k++) {
        strcat(names, m->class_names[k]);
        if (k + 1 < s->n_classes) strcat(names, ", ");
    }
    gt_ckpt_put_str(w, "class_names", names);
    free(names);
    gt_ckpt_put_f64(w, "test_accuracy", m->test_accuracy);
    gt_ckpt_put_i64(w, "test_count", m->test_count);
    gt_ckpt_put_f64(w, "train_accuracy", train_accuracy);
    gt_ckpt_put_i64(w, "epochs", epochs);
    gt_ckpt_put_i64(w, "steps", steps);
    gt_ckpt_add_params(w, m->p);
    int rc = gt_ckpt_write(w, path);
    gt_ckpt_writer_free(w);
    return rc;
}

static int get_int(gt_ckpt *ck, const char *key, int lo, int hi, int *out) {
    int64_t v;
    if (gt_ckpt_get_i64(ck, key, &v)) return GT_ERR;
    if (v < lo || v > hi)
        return gt_error_set("%s: %s = %" PRId64 " is out of range (%d..%d); the file is damaged",
                            gt_ckpt_path(ck), key, v, lo, hi);
    *out = (int)v;
    return GT_OK;
}

gt_classifier *gt_classifier_load(const char *path) {
    if (access(path, F_OK) != 0) {
        gt_error_set("%s: no such file; train a classifier with `gantrain classifier CONFIG.ini` "
                     "(configs/classifier_fashion.ini) or pass --weights FILE",
                     path);
        return NULL;
    }
    gt_ckpt *ck = gt_ckpt_open(path);
    if (!ck) return NULL;
    gt_classifier *m = NULL;
    const char *kind = NULL, *arch = NULL, *dataset = NULL, *names = NULL;
    gt_classifier_spec s = {0};
    double dropout = 0;
    int rc = GT_OK;
    if (!gt_ckpt_meta_find(ck, "kind") || gt_ckpt_get_str(ck, "kind", &kind) || strcmp(kind, "classifier")) {
        rc = gt_error_set("%s: not a classifier checkpoint (%s); classifier weights come from "
                          "`gantrain classifier CONFIG.ini`",
                          path, gt_ckpt_meta_find(ck, "arch") ? "a GAN checkpoint" : "no kind = classifier");
    }
    if (!rc) rc = gt_ckpt_get_str(ck, "arch", &arch);
    if (!rc && strcmp(arch, GT_CLASSIFIER_ARCH))
        rc = gt_error_set("%s: classifier architecture '%s'; this gantrain knows '%s'", path, arch,
                          GT_CLASSIFIER_ARCH);
    if (!rc) rc = get_int(ck, "in_c", 1, 4, &s.in_c);
    if (!rc) rc = get_int(ck, "in_h", 4, 4096, &s.in_h);
    if (!rc) rc = get_int(ck, "in_w", 4, 4096, &s.in_w);
    if (!rc) rc = get_int(ck, "n_classes", 2, 1000000, &s.n_classes);
    if (!rc) rc = get_int(ck, "width", 1, 4096, &s.width);
    if (!rc) rc = get_int(ck, "fc_dim", 2, 65536, &s.fc_dim);
    if (!rc) rc = gt_ckpt_get_f64(ck, "dropout", &dropout);
    s.dropout = (float)dropout;
    if (!rc) {
        gt_rng r;
        gt_rng_seed(&r, 0);
        m = gt_classifier_new(&s, &r);
        if (!m) rc = GT_ERR;
    }
    if (!rc) {
        rc = gt_ckpt_load_params(ck, m->p);
        if (rc) gt_error_prefix("%s: weights do not fit a %dx%dx%d -> %d classifier (width %d, fc %d)", path,
                                s.in_c, s.in_h, s.in_w, s.n_classes, s.width, s.fc_dim);
    }
    if (!rc) {
        /* optional descriptive metadata */
        if (gt_ckpt_meta_find(ck, "dataset") && !gt_ckpt_get_str(ck, "dataset", &dataset))
            snprintf(m->dataset, sizeof m->dataset, "%s", dataset);
        if (gt_ckpt_meta_find(ck, "test_accuracy")) gt_ckpt_get_f64(ck, "test_accuracy", &m->test_accuracy);
        if (gt_ckpt_meta_find(ck, "test_count")) gt_ckpt_get_i64(ck, "test_count", &m->test_count);
        if (gt_ckpt_meta_find(ck, "class_names") && !gt_ckpt_get_str(ck, "class_names", &names)) {
            m->class_names = gt_xcalloc((size_t)s.n_classes, sizeof(char *));
            const char *p = names;
            for (int k = 0; k < s.n_classes; k++) {
                const char *e = p ? strstr(p, ", ") : NULL;
                size_t len = p ? (e ? (size_t)(e - p) : strlen(p)) : 0;
                char *nm = gt_xmalloc(len + 16);
                if (len) memcpy(nm, p, len), nm[len] = 0;
                else snprintf(nm, len + 16, "%d", k);
                m->class_names[k] = nm;
                p = e ? e + 2 : NULL;
            }
        }
        /* values that are not finite would poison every metric silently */
        const gt_params *P = m->p;
        for (int64_t i = 0; i < P->n_values + P->n_buffers; i++)
            if (!isfinite(P->data[i])) {
                rc = gt_error_set("%s: the classifier's weights hold NaN or Inf; retrain it", path);
                break;
            }
    }
    gt_ckpt_close(ck);
    if (rc) {
        gt_classifier_free(m);
        return NULL;
    }
    return m;
}

uint32_t gt_classifier_fingerprint(const gt_classifier *m) {
    const gt_params *P = m->p;
    uint32_t crc = gt_crc32(0, &m->spec, sizeof m->spec);
    return gt_crc32(crc, P->data, sizeof(float) * (size_t)(P->n_values + P->n_buffers));
}

void gt_classifier_default_path(const char *dataset, char *buf, size_t size) {
    const char *name = !strcmp(dataset, "fashion-mnist") ? "fashion" : dataset;
    size_t len = strcspn(name, "/");
    snprintf(buf, size, "data/classifier_%.*s.gtck", (int)len, name);
}

/* ---- training ----------------------------------------------------------- */

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Random shifts of up to 2 pixels (the border filled with -1, black) and
 * horizontal flips, per image: the cheap augmentations that lift CIFAR-10
 * accuracy; they cost nothing measurable next to the convolutions. */
static void augment(float *x, int b, int C, int H, int W, int shift, int flip, gt_rng *rng, float *tmp) {
    size_t plane = (size_t)H * W;
    for (int i = 0; i < b; i++) {
        float *img = x + (size_t)i * C * plane;
        int dy = shift ? (int)gt_rng_below(rng, 5) - 2 : 0, dx = shift ? (int)gt_rng_below(rng, 5) - 2 : 0;
        int fl = flip ? (int)gt_rng_below(rng, 2) : 0;
        if (!dx && !dy && !fl) continue;
        memcpy(tmp, img, sizeof(float) * C * plane);
        for (int c = 0; c < C; c++)
            for (int y = 0; y < H; y++)
                for (int xx = 0; xx < W; xx++) {
                    int sy = y - dy, sx = xx - dx;
                    if (fl) sx = W - 1 - sx;
                    img[c * plane + (size_t)y * W + xx] =
                        (sy >= 0 && sy < H && sx >= 0 && sx < W) ? tmp[c * plane + (size_t)sy * W + sx] : -1.0f;
                }
    }
}

static int set_key(gt_config *cfg, const char *assignment) {
    return gt_config_set_arg(cfg, assignment);
}

int gt_classifier_train(const gt_config *cfg_in, const char *out_path, FILE *log,
                        gt_classifier_report *rep) {
    memset(rep, 0, sizeof *rep);
    double t0 = now_s();
    gt_config *cfg = gt_config_clone(cfg_in);
    gt_dataset *train = NULL, *test = NULL;
    gt_classifier *m = NULL;
    gt_optim *opt = NULL;
    gt_ctx *c = NULL;
    gt_loader ld = {0};
    float *x = NULL, *lab = NULL, *tmp = NULL;
    int rc = set_key(cfg, "data.split=train");
    if (!rc && !(train = gt_dataset_open(cfg))) rc = GT_ERR;
    if (!rc && gt_dataset_kind(train) == GT_DATA_TOY2D)
        rc = gt_error_setc(GT_ERR_USAGE, "%s: data.dataset = toy2d has no images to classify",
                           gt_cfg_where(cfg, "data", "dataset"));
    if (!rc && gt_dataset_n_classes(train) < 2)
        rc = gt_error_setc(GT_ERR_USAGE, "%s: the classifier needs labelled data with 2 or more classes "
                                         "(folder: set data.folder_classes = true)",
                           gt_dataset_name(train));
    int batch = (int)gt_cfg_int(cfg, "eval", "classifier_batch_size");
    int epochs = (int)gt_cfg_int(cfg, "eval", "classifier_epochs");
    double lr0 = gt_cfg_float(cfg, "eval", "classifier_lr");
    const char *aug = gt_cfg_str(cfg, "eval", "classifier_augment");
    int shift = !strncmp(aug, "shift", 5), flip = !strcmp(aug, "shift-flip");
    uint64_t seed = (uint64_t)gt_cfg_int(cfg, "train", "seed");
    gt_rng rng;
    gt_rng_seed(&rng, seed);
    if (!rc) {
        gt_classifier_spec s = {gt_dataset_channels(train), gt_dataset_height(train), gt_dataset_width(train),
                                gt_dataset_n_classes(train), (int)gt_cfg_int(cfg, "eval", "classifier_width"),
                                (int)gt_cfg_int(cfg, "eval", "classifier_fc"),
                                (float)gt_cfg_float(cfg, "eval", "classifier_dropout")};
        gt_rng init;
        gt_rng_seed(&init, seed ^ 0xC1A55u);
        if (!(m = gt_classifier_new(&s, &init))) rc = GT_ERR_USAGE;
    }
    if (!rc) rc = gt_loader_init(&ld, train, batch, seed, 1);
    /* the test split is opened before training so a missing file stops
     * the command now, not after ten minutes */
    if (!rc) rc = set_key(cfg, "data.split=test");
    if (!rc && !(test = gt_dataset_open(cfg))) rc = GT_ERR;
    if (!rc) rc = set_key(cfg, "data.split=train");
    if (rc) goto done;

    snprintf(m->dataset, sizeof m->dataset, "%s", gt_dataset_name(train));
    m->class_names = gt_xcalloc((size_t)m->spec.n_classes, sizeof(char *));
    for (int k = 0; k < m->spec.n_classes; k++) m->class_names[k] = gt_xstrdup(gt_dataset_class_name(train, k));
    opt = gt_optim_new(gt_optim_defaults(GT_OPTIM_ADAM, lr0), m->p);
    c = gt_ctx_new(0);
    int per = gt_dataset_sample_size(train);
    x = gt_xmalloc(sizeof(float) * (size_t)batch * (size_t)per);
    lab = gt_xmalloc(sizeof(float) * (size_t)batch);
    tmp = gt_xmalloc(sizeof(float) * (size_t)per);
    int64_t per_epoch = gt_loader_batches_per_epoch(&ld), total = per_epoch * epochs, step = 0;
    if (log)
        fprintf(log, "classifier: %s, %" PRId64 " training images %dx%dx%d, %d classes; %d epochs of %" PRId64
                     " batches of %d, Adam lr %g (cosine), augment %s\n",
                gt_dataset_name(train), gt_dataset_count(train), m->spec.in_c, m->spec.in_h, m->spec.in_w,
                m->spec.n_classes, epochs, per_epoch, batch, lr0, aug);
    double train_acc = 0;
    for (int e = 0; e < epochs; e++) {
        double loss_sum = 0, te = now_s();
        int64_t correct = 0, seen = 0;
        for (int64_t b = 0; b < per_epoch; b++, step++) {
            opt->cfg.lr = lr0 * 0.5 * (1 + cos(M_PI * (double)step / (double)total));
            gt_loader_next(&ld, x, lab, NULL);
            if (shift || flip) augment(x, batch, m->spec.in_c, m->spec.in_h, m->spec.in_w, shift, flip, &rng, tmp);
            gt_tensor *xt = gt_from_data(c, x, 4, (int[]){batch, m->spec.in_c, m->spec.in_h, m->spec.in_w});
            gt_tensor *yt = gt_from_data(c, lab, 1, (int[]){batch});
            gt_tensor *logits = gt_classifier_forward(c, m, xt, 1, &rng, NULL);
            gt_tensor *loss = gt_cross_entropy(c, logits, yt);
            if (!isfinite(loss->data[0])) {
                rc = gt_error_set("classifier: the loss became %g at step %" PRId64 "; lower eval.classifier_lr",
                                  (double)loss->data[0], step);
                goto done;
            }
            loss_sum += loss->data[0];
            for (int i = 0; i < batch; i++)
                correct += argmax(logits->data + (size_t)i * m->spec.n_classes, m->spec.n_classes) == (int)lab[i];
            seen += batch;
            gt_params_zero_grad(m->p);
            if ((rc = gt_backward(c, loss))) goto done;
            gt_optim_step(opt, m->p);
            gt_ctx_reset(c);
        }
        train_acc = seen ? (double)correct / (double)seen : 0;
        if (log) {
            fprintf(log, "epoch %d/%d  loss %.4f  train accuracy %.2f%%  %.1f s\n", e + 1, epochs,
                    loss_sum / (double)(per_epoch ? per_epoch : 1), 100 * train_acc, now_s() - te);
            fflush(log);
        }
    }
    double acc = 0;
    if ((rc = gt_classifier_accuracy(m, test, 500, &acc, NULL, NULL))) goto done;
    m->test_accuracy = acc;
    m->test_count = gt_dataset_count(test);
    char *text = gt_config_to_ini(cfg);
    rc = gt_classifier_save(m, out_path, text, train_acc, epochs, step);
    free(text);
    if (rc) goto done;
    rep->train_accuracy = train_acc;
    rep->test_accuracy = acc;
    rep->test_count = m->test_count;
    rep->epochs = epochs;
    rep->steps = step;
    rep->seconds = now_s() - t0;
done:
    free(x);
    free(lab);
    free(tmp);
    gt_ctx_free(c);
    gt_optim_free(opt);
    gt_loader_free(&ld);
    gt_classifier_free(m);
    gt_dataset_free(train);
    gt_dataset_free(test);
    gt_config_free(cfg);
    return rc;
}
