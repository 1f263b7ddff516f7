/* test_classifier.c — the eval classifier: shapes and modes of its forward
 * pass, training on a tiny learnable dataset (accuracy, the checkpoint and
 * its metadata read back), and every load error. */
#include <string.h>
#include <unistd.h>

#include "gantrain/ckpt.h"
#include "gantrain/classifier.h"
#include "gantrain/error.h"
#include "test.h"
#include "test_data.h"
#include "test_eval.h"

GT_TEST(classifier_shapes_and_modes) {
    gt_classifier_spec s = {3, 10, 9, 4, 4, 6, 0.5f};
    gt_rng r;
    gt_rng_seed(&r, 1);
    gt_classifier *m = gt_classifier_new(&s, &r);
    CHECKF(m, "%s", gt_error());
    gt_ctx *c = gt_ctx_new(0);
    float x[5 * 3 * 10 * 9];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = gt_rng_uniform_range(&r, -1, 1);
    gt_tensor *xt = gt_from_data(c, x, 4, (int[]){5, 3, 10, 9});
    gt_tensor *f = NULL;
    gt_tensor *y = gt_classifier_forward(c, m, xt, 0, NULL, &f);
    CHECK(y->ndim == 2 && y->shape[0] == 5 && y->shape[1] == 4);
    CHECK(f->ndim == 2 && f->shape[0] == 5 && f->shape[1] == 6);
    float y0[20];
    memcpy(y0, y->data, sizeof y0);
    /* features are post-ReLU: non-negative */
    for (int64_t i = 0; i < f->n; i++) CHECK(f->data[i] >= 0);
    gt_ctx_reset(c);
    /* evaluation mode is deterministic; gt_classifier_run gives the same
     * logits' softmax and features */
    float feat[30], probs[20];
    gt_classifier_run(c, m, x, 5, feat, probs);
    for (int i = 0; i < 5; i++) {
        double mx = -1e30, sum = 0;
        for (int k = 0; k < 4; k++) mx = fmax(mx, y0[i * 4 + k]);
        for (int k = 0; k < 4; k++) sum += exp(y0[i * 4 + k] - mx);
        for (int k = 0; k < 4; k++) CHECK_NEAR(probs[i * 4 + k], exp(y0[i * 4 + k] - mx) / sum, 1e-6);
    }
    /* training mode: dropout draws differ */
    xt = gt_from_data(c, x, 4, (int[]){5, 3, 10, 9});
    gt_tensor *a = gt_classifier_forward(c, m, xt, 1, &r, NULL);
    gt_tensor *b = gt_classifier_forward(c, m, xt, 1, &r, NULL);
    int differ = 0;
    for (int64_t i = 0; i < a->n; i++) differ |= a->data[i] != b->data[i];
    CHECK(differ);
    gt_ctx_free(c);
    gt_classifier_free(m);

    gt_classifier_spec bad = {1, 3, 3, 2, 4, 6, 0};
    CHECK(!gt_classifier_new(&bad, &r) && strstr(gt_error(), "too small"));
    gt_classifier_spec one = {1, 8, 8, 1, 4, 6, 0};
    CHECK(!gt_classifier_new(&one, &r) && strstr(gt_error(), "at least 2"));
}

GT_TEST(classifier_trains_on_tiny_data) {
    te_shapes("shapes", 240, 60, 12, 3);
    const char *ini = te_ini("clf.ini",
                             "[data]\ndataset = mnist\npath = %s\n"
                             "[eval]\nclassifier_epochs = 4\nclassifier_width = 4\nclassifier_fc = 8\n"
                             "classifier_batch_size = 16\nclassifier_lr = 0.01\nclassifier_augment = shift\n",
                             td_path("shapes"));
    gt_config *cfg = gt_config_new();
    CHECK(gt_config_load(cfg, ini) == 0);
    const char *out = td_path("clf.gtck");
    gt_classifier_report rep;
    int rc = gt_classifier_train(cfg, out, NULL, &rep);
    CHECKF(rc == 0, "%s", gt_error());
    CHECKF(rep.test_accuracy >= 0.95, "test accuracy %.3f on an easy problem", rep.test_accuracy);
    CHECK(rep.test_count == 60 && rep.epochs == 4 && rep.steps == 4 * (240 / 16));

    gt_classifier *m = gt_classifier_load(out);
    CHECKF(m, "%s", gt_error());
    CHECK(m->spec.in_c == 1 && m->spec.in_h == 12 && m->spec.in_w == 12 && m->spec.n_classes == 10);
    CHECK(m->spec.width == 4 && m->spec.fc_dim == 8);
    CHECK_NEAR(m->test_accuracy, rep.test_accuracy, 0);
    CHECK(!strcmp(m->dataset, "mnist"));
    CHECK(m->class_names && !strcmp(m->class_names[2], "2"));
    /* the file holds the weights that were measured */
    gt_config *tc = gt_config_clone(cfg);
    gt_config_set_arg(tc, "data.split=test");
    gt_dataset *test = gt_dataset_open(tc);
    CHECK(test);
    double acc;
    int64_t ok[10], tot[10];
    CHECK(gt_classifier_accuracy(m, test, 7, &acc, ok, tot) == 0);
    CHECK_NEAR(acc, rep.test_accuracy, 1e-12);
    CHECK(tot[0] == 20 && tot[1] == 20 && tot[2] == 20 && tot[3] == 0);
    CHECK(ok[0] + ok[1] + ok[2] == (int64_t)(acc * 60 + 0.5));
    gt_ckpt *ck = gt_ckpt_open(out);
    const char *kind;
    CHECK(ck && gt_ckpt_get_str(ck, "kind", &kind) == 0 && !strcmp(kind, "classifier"));
    CHECK(strstr(gt_ckpt_config(ck), "classifier_width = 4"));
    gt_ckpt_close(ck);

    /* the same seed trains the same network */
    const char *out2 = td_path("clf2.gtck");
    CHECK(gt_classifier_train(cfg, out2, NULL, &rep) == 0);
    gt_classifier *m2 = gt_classifier_load(out2);
    CHECK(m2 && gt_classifier_fingerprint(m2) == gt_classifier_fingerprint(m));
    gt_classifier_free(m2);
    gt_classifier_free(m);
    gt_dataset_free(test);
    gt_config_free(tc);
    gt_config_free(cfg);
}

GT_TEST(classifier_train_errors) {
    gt_classifier_report rep;
    /* unlabelled data */
    td_png("unl/a.png", 8, 8, 1, (uint8_t[64]){0});
    td_png("unl/b.png", 8, 8, 1, (uint8_t[64]){0});
    gt_config *cfg = gt_config_new();
    CHECK(gt_config_load(cfg, te_ini("unl.ini", "[data]\ndataset = folder\npath = %s\ncache = none\n",
                                     td_path("unl"))) == 0);
    CHECK(gt_classifier_train(cfg, td_path("x.gtck"), NULL, &rep) == GT_ERR_USAGE);
    CHECKF(strstr(gt_error(), "needs labelled data") && strstr(gt_error(), "folder_classes"), "%s", gt_error());
    gt_config_free(cfg);
    /* a missing test split stops before training */
    te_shapes("notest", 30, 3, 8, 1);
    unlink(td_path("notest/t10k-images-idx3-ubyte"));
    cfg = gt_config_new();
    CHECK(gt_config_load(cfg, te_ini("nt.ini", "[data]\ndataset = mnist\npath = %s\n[eval]\nclassifier_batch_size = 8\n",
                                     td_path("notest"))) == 0);
    CHECK(gt_classifier_train(cfg, td_path("y.gtck"), NULL, &rep) == GT_ERR);
    CHECKF(strstr(gt_error(), "t10k-images-idx3-ubyte"), "%s", gt_error());
    gt_config_free(cfg);
}

GT_TEST(classifier_load_errors) {
    CHECK(!gt_classifier_load(td_path("nowhere.gtck")));
    CHECKF(strstr(gt_error(), "nowhere.gtck: no such file") && strstr(gt_error(), "gantrain classifier"), "%s",
           gt_error());

    /* a GAN checkpoint */
    gt_ckpt_writer *w = gt_ckpt_writer_new("");
    gt_ckpt_put_str(w, "arch", "dcgan32");
    gt_ckpt_add(w, "g.x", 1, (int[]){1}, (float[]){1});
    CHECK(gt_ckpt_write(w, td_path("gan.gtck")) == 0);
    gt_ckpt_writer_free(w);
    CHECK(!gt_classifier_load(td_path("gan.gtck")));
    CHECKF(strstr(gt_error(), "not a classifier checkpoint (a GAN checkpoint)"), "%s", gt_error());

    /* weights of the wrong shape: metadata says width 5, tensors are width 4 */
    gt_classifier_spec s = {1, 8, 8, 3, 4, 6, 0};
    gt_rng r;
    gt_rng_seed(&r, 1);
    gt_classifier *m = gt_classifier_new(&s, &r);
    w = gt_ckpt_writer_new("");
    gt_ckpt_put_str(w, "kind", "classifier");
    gt_ckpt_put_str(w, "arch", GT_CLASSIFIER_ARCH);
    gt_ckpt_put_i64(w, "in_c", 1);
    gt_ckpt_put_i64(w, "in_h", 8);
    gt_ckpt_put_i64(w, "in_w", 8);
    gt_ckpt_put_i64(w, "n_classes", 3);
    gt_ckpt_put_i64(w, "width", 5);
    gt_ckpt_put_i64(w, "fc_dim", 6);
    gt_ckpt_put_f64(w, "dropout", 0);
    gt_ckpt_add_params(w, m->p);
    CHECK(gt_ckpt_write(w, td_path("shape.gtck")) == 0);
    gt_ckpt_writer_free(w);
    gt_classifier_free(m);
    CHECK(!gt_classifier_load(td_path("shape.gtck")));
    CHECKF(strstr(gt_error(), "shape.gtck: weights do not fit a 1x8x8 -> 3 classifier (width 5, fc 6)") &&
               strstr(gt_error(), "classifier.conv1.weight"),
           "%s", gt_error());

    /* another architecture */
    w = gt_ckpt_writer_new("");
    gt_ckpt_put_str(w, "kind", "classifier");
    gt_ckpt_put_str(w, "arch", "resnet18");
    CHECK(gt_ckpt_write(w, td_path("arch.gtck")) == 0);
    gt_ckpt_writer_free(w);
    CHECK(!gt_classifier_load(td_path("arch.gtck")));
    CHECKF(strstr(gt_error(), "classifier architecture 'resnet18'"), "%s", gt_error());

    /* not a checkpoint at all */
    td_write("junk.gtck", "hello", 5);
    CHECK(!gt_classifier_load(td_path("junk.gtck")));
    CHECK(strstr(gt_error(), "junk.gtck"));
}

GT_TEST(classifier_default_paths) {
    char b[256];
    gt_classifier_default_path("fashion-mnist", b, sizeof b);
    CHECK(!strcmp(b, "data/classifier_fashion.gtck"));
    gt_classifier_default_path("mnist", b, sizeof b);
    CHECK(!strcmp(b, "data/classifier_mnist.gtck"));
    gt_classifier_default_path("cifar10", b, sizeof b);
    CHECK(!strcmp(b, "data/classifier_cifar10.gtck"));
    gt_classifier_default_path("toy2d/8gaussians", b, sizeof b);
    CHECK(!strcmp(b, "data/classifier_toy2d.gtck"));
}
