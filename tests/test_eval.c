/* test_eval.c — `gantrain eval` end to end on tiny datasets made here:
 * resizing and channel conversion, the metrics against direct calls of
 * metrics.h on the same features, checkpoints and the eval.jsonl line,
 * the real-feature cache, .npz statistics, FID with fewer images than
 * dimensions, every bad-input message, and the Inception-v3 plumbing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gantrain/data.h"
#include "gantrain/error.h"
#include "gantrain/eval.h"
#include "gantrain/fileio.h"
#include "gantrain/inception.h"
#include "gantrain/npz.h"
#include "test.h"
#include "test_data.h"
#include "test_eval.h"

GT_TEST(eval_resize_rules) {
    /* 4x4 -> 2x2: 2x2 block means */
    float src[16], dst[4];
    for (int i = 0; i < 16; i++) src[i] = (float)i;
    gt_image_resize(src, 1, 4, 4, dst, 2, 2);
    CHECK_NEAR(dst[0], (0 + 1 + 4 + 5) / 4.0, 1e-6);
    CHECK_NEAR(dst[3], (10 + 11 + 14 + 15) / 4.0, 1e-6);
    /* 32 -> 28 (area) keeps a constant image and the mean of any image */
    float a[2 * 32 * 32], b[2 * 28 * 28];
    gt_rng r;
    gt_rng_seed(&r, 2);
    double mean_a = 0, mean_b = 0;
    for (int i = 0; i < 2 * 32 * 32; i++) a[i] = gt_rng_uniform_range(&r, -1, 1), mean_a += a[i];
    gt_image_resize(a, 2, 32, 32, b, 28, 28);
    for (int i = 0; i < 2 * 28 * 28; i++) mean_b += b[i];
    CHECK_NEAR(mean_a / (2 * 32 * 32), mean_b / (2 * 28 * 28), 1e-5);
    for (int i = 0; i < 32 * 32; i++) a[i] = 0.25f;
    gt_image_resize(a, 1, 32, 32, b, 28, 28);
    for (int i = 0; i < 28 * 28; i++) CHECK_NEAR(b[i], 0.25, 1e-6);
    /* 2 -> 4 (bilinear, half-pixel centres, clamped) */
    float s2[2] = {0, 1}, d4[4];
    gt_image_resize(s2, 1, 1, 2, d4, 1, 4);
    CHECK_NEAR(d4[0], 0, 1e-7);
    CHECK_NEAR(d4[1], 0.25, 1e-7);
    CHECK_NEAR(d4[2], 0.75, 1e-7);
    CHECK_NEAR(d4[3], 1, 1e-7);
    /* the same size is a copy */
    gt_image_resize(src, 1, 4, 4, a, 4, 4);
    CHECK(!memcmp(a, src, sizeof src));
}

GT_TEST(eval_extractor_adapts_channels_and_size) {
    gt_classifier_spec s = {1, 8, 8, 3, 4, 6, 0};
    gt_rng r;
    gt_rng_seed(&r, 4);
    gt_classifier *m = gt_classifier_new(&s, &r), *ref = gt_classifier_new(&s, &r);
    memcpy(ref->p->data, m->p->data, sizeof(float) * (size_t)(m->p->n_values + m->p->n_buffers));
    gt_extractor *e = gt_extractor_from_classifier(m, "mem");
    CHECK(e->dim == 6 && e->n_classes == 3 && e->in_h == 8);
    char note[256];
    gt_extractor_adaptation(e, 3, 16, 16, note, sizeof note);
    CHECKF(!strcmp(note, "resized 16x16 -> 8x8 (area), RGB -> grey (ITU-R 601 luma)"), "%s", note);
    gt_extractor_adaptation(e, 1, 8, 8, note, sizeof note);
    CHECK(!note[0]);
    /* 5 grey images stored as RGB at 16x16: features = those of their 2x2
     * means fed straight to the network */
    enum { N = 5 };
    float *x = malloc(sizeof(float) * N * 3 * 256), small[N * 64];
    for (int i = 0; i < N; i++)
        for (int p = 0; p < 256; p++) {
            float v = gt_data_pixel_float((uint8_t)gt_rng_below(&r, 256));
            for (int c = 0; c < 3; c++) x[(i * 3 + c) * 256 + p] = v;
        }
    for (int i = 0; i < N; i++) gt_image_resize(x + i * 3 * 256, 1, 16, 16, small + i * 64, 8, 8);
    float f1[N * 6], p1[N * 3], f2[N * 6], p2[N * 3];
    e->batch = 2; /* several calls */
    CHECK(gt_extractor_features(e, x, N, 3, 16, 16, f1, p1) == 0);
    gt_ctx *c = gt_ctx_new(0);
    gt_classifier_run(c, ref, small, N, f2, p2);
    CHECK(!memcmp(f1, f2, sizeof f1) && !memcmp(p1, p2, sizeof p1));
    CHECK(gt_extractor_features(e, x, N, 2, 16, 16, f1, p1) == GT_ERR && strstr(gt_error(), "2 channels"));
    free(x);
    gt_ctx_free(c);
    gt_classifier_free(ref);
    gt_extractor_free(e);
}

/* features of the images idx[0..n) of the dataset of an INI file */
static float *features_of(const char *ini, gt_extractor *e, uint64_t seed, int64_t n_want, int64_t *n_out,
                          float **probs) {
    gt_config *cfg = gt_config_new();
    gt_config_load(cfg, ini);
    gt_dataset *ds = gt_dataset_open(cfg);
    int64_t count = gt_dataset_count(ds), n = n_want < count ? n_want : count;
    int32_t *perm = malloc(sizeof(int32_t) * (size_t)count);
    gt_rng r;
    gt_rng_seed(&r, seed);
    gt_rng_permutation(&r, perm, count);
    int64_t *idx = malloc(sizeof(int64_t) * (size_t)n);
    for (int64_t i = 0; i < n; i++) idx[i] = perm[i];
    int per = gt_dataset_sample_size(ds);
    float *x = malloc(sizeof(float) * (size_t)(n * per)), *f = malloc(sizeof(float) * (size_t)(n * e->dim));
    gt_dataset_fill(ds, idx, (int)n, x, NULL);
    if (probs) *probs = malloc(sizeof(float) * (size_t)(n * e->n_classes));
    gt_extractor_features(e, x, n, gt_dataset_channels(ds), gt_dataset_height(ds), gt_dataset_width(ds), f,
                          probs ? *probs : NULL);
    *n_out = n;
    free(perm);
    free(idx);
    free(x);
    gt_dataset_free(ds);
    gt_config_free(cfg);
    return f;
}

static const char *kid_sets[] = {"eval.kid_subsets=5", "eval.kid_subset_size=30"};

GT_TEST(eval_metrics_match_direct_calls) {
    te_shapes("sh", 240, 60, 12, 7);
    const char *train = te_ini("train.ini", "[data]\ndataset = mnist\npath = %s\n", td_path("sh"));
    const char *test = te_ini("test.ini", "[data]\ndataset = mnist\npath = %s\nsplit = test\n", td_path("sh"));
    const char *w = te_classifier("c16.gtck", 12, 16, 3);
    gt_eval_opts o = {0};
    o.fake = test, o.real = train, o.metrics = "all", o.n = 60, o.real_n = 100, o.features = "classifier";
    o.weights = w, o.seed = 3, o.sets = kid_sets, o.n_sets = 2, o.jsonl = "none", o.no_cache = 1;
    gt_eval_result res;
    int rc = gt_eval_run(&o, &res);
    CHECKF(rc == 0, "%s", gt_error());
    CHECK(res.has_fid && res.has_is && res.has_kid && res.has_pr && res.has_dc && !res.skipped[0]);
    CHECK(res.n_fake == 60 && res.n_real == 100 && res.dim == 16 && res.step == -1);

    gt_extractor *e = gt_extractor_open("classifier", w);
    CHECK(e);
    int64_t nf, nr;
    float *pf = NULL;
    float *ff = features_of(test, e, 3, 60, &nf, &pf), *fr = features_of(train, e, 0, 100, &nr, NULL);
    CHECK(nf == 60 && nr == 100);
    gt_features F = gt_features_f32(ff, nf, 16), R = gt_features_f32(fr, nr, 16);
    gt_fid_result fid;
    CHECK(gt_fid(F, R, &fid) == 0);
    CHECK_NEAR(res.fid.fid, fid.fid, 1e-9 * (1 + fid.fid));
    gt_is_result is;
    CHECK(gt_inception_score(gt_features_f32(pf, nf, 3), 10, &is) == 0);
    CHECK_NEAR(res.is.mean, is.mean, 0);
    CHECK_NEAR(res.is.std, is.std, 0);
    gt_kid_result kid;
    gt_rng kr;
    gt_rng_seed(&kr, 3 ^ 0x4B1Dull);
    CHECK(gt_kid(F, R, 5, 30, &kr, &kid) == 0);
    CHECK_NEAR(res.kid.mean, kid.mean, 0);
    CHECK_NEAR(res.kid.std, kid.std, 0);
    CHECK(res.kid.subsets == 5 && res.kid.subset_size == 30);
    gt_prdc_result pr;
    CHECK(gt_prdc(R, F, 3, 5, &pr) == 0);
    CHECK(res.prdc.precision == pr.precision && res.prdc.recall == pr.recall && res.prdc.f1 == pr.f1);
    CHECK(res.prdc.density == pr.density && res.prdc.coverage == pr.coverage);
    /* the JSON line says what was measured */
    CHECKF(strstr(res.json, "\"fake\": \"") && strstr(res.json, "\"real\": \"mnist train\"") &&
               strstr(res.json, "\"n\": 60, \"n_real\": 100, \"seed\": 3") &&
               strstr(res.json, "\"features\": \"classifier\"") && strstr(res.json, "\"dim\": 16") &&
               strstr(res.json, "\"is_splits\": 10") && strstr(res.json, "\"kid_subsets\": 5") &&
               strstr(res.json, "\"density\": ") && !strstr(res.json, "skipped"),
           "%s", res.json);
    char num[64];
    snprintf(num, sizeof num, "\"fid\": %.10g", res.fid.fid);
    CHECKF(strstr(res.json, num), "%s not in %s", num, res.json);
    free(ff);
    free(fr);
    free(pf);
    gt_extractor_free(e);
    gt_eval_result_free(&res);
}

GT_TEST(eval_checkpoint_jsonl_and_determinism) {
    te_shapes("shg", 120, 30, 12, 8);
    const char *run = te_gan_run("run", 12, "shg");
    const char *w = te_classifier("c8.gtck", 12, 8, 3);
    gt_eval_opts o = {0};
    o.target = run, o.metrics = "fid,kid,is", o.n = 50, o.features = "classifier", o.weights = w, o.seed = 3;
    o.sets = kid_sets, o.n_sets = 2, o.no_cache = 1;
    gt_eval_result a, b;
    int rc = gt_eval_run(&o, &a);
    CHECKF(rc == 0, "%s", gt_error());
    CHECK(a.step == 7 && a.n_fake == 50 && a.n_real == 50 && a.has_fid && a.has_kid && a.has_is);
    char want[1300];
    snprintf(want, sizeof want, "%s/eval.jsonl", run);
    CHECKF(!strcmp(a.jsonl_path, want), "%s", a.jsonl_path);
    /* the checkpoint file itself logs into the same run directory */
    char ck[1300];
    snprintf(ck, sizeof ck, "%s/ckpt/step_0000007.gtck", run);
    o.target = ck;
    CHECK(gt_eval_run(&o, &b) == 0);
    CHECK(!strcmp(b.jsonl_path, want));
    CHECK(a.fid.fid == b.fid.fid && a.kid.mean == b.kid.mean && a.is.mean == b.is.mean);
    char *text = NULL;
    size_t len = 0;
    CHECK(gt_read_file(want, &text, &len) == 0);
    int lines = 0;
    for (size_t i = 0; i < len; i++) lines += text[i] == '\n';
    CHECK(lines == 2);
    CHECK(!strncmp(text, a.json, strlen(a.json)) && text[strlen(a.json)] == '\n');
    CHECKF(strstr(text, "\"step\": 7") && strstr(text, "\"ckpt\": \"") && strstr(text, "step_0000007.gtck\"") &&
               strstr(text, "\"time\": \"20") && strstr(text, "\"kid_std\": ") && strstr(text, "\"is_std\": ") &&
               strstr(text, "\"weights\": \"") && strstr(text, "\"seconds\": "),
           "%s", text);
    free(text);
    gt_eval_result_free(&b);
    /* another seed, other samples */
    o.seed = 4, o.jsonl = "none";
    CHECK(gt_eval_run(&o, &b) == 0);
    CHECK(a.fid.fid != b.fid.fid && !b.jsonl_path[0]);
    gt_eval_result_free(&a);
    gt_eval_result_free(&b);
}

GT_TEST(eval_fid_needs_more_images_than_dims) {
    te_shapes("shd", 60, 20, 12, 9);
    const char *train = te_ini("tr.ini", "[data]\ndataset = mnist\npath = %s\n", td_path("shd"));
    const char *test = te_ini("te.ini", "[data]\ndataset = mnist\npath = %s\nsplit = test\n", td_path("shd"));
    const char *w = te_classifier("c32.gtck", 12, 32, 3);
    gt_eval_opts o = {0};
    o.fake = test, o.real = train, o.metrics = "fid,kid,pr", o.n = 20, o.features = "classifier", o.weights = w;
    /* KID's subsets no larger than the 20 images (a larger size is refused) */
    static const char *kid20[] = {"eval.kid_subsets=5", "eval.kid_subset_size=20"};
    o.sets = kid20, o.n_sets = 2, o.jsonl = "none", o.no_cache = 1;
    gt_eval_result res;
    CHECK(gt_eval_run(&o, &res) == GT_ERR);
    CHECK(!res.has_fid && res.has_kid && res.has_pr);
    CHECKF(strstr(res.skipped, "FID needs more images than feature dimensions (20 evaluated, 20 real, 32 features)") &&
               strstr(res.skipped, "use --n 33 or more") && !strcmp(gt_error(), res.skipped),
           "%s", res.skipped);
    CHECK(strstr(res.json, "\"fid\": null") && strstr(res.json, "\"kid\": ") && strstr(res.json, "\"skipped\": "));
    gt_eval_result_free(&res);
}

GT_TEST(eval_real_feature_cache) {
    te_shapes("shc", 80, 40, 12, 10);
    const char *train = te_ini("tr.ini", "[data]\ndataset = mnist\npath = %s\n", td_path("shc"));
    const char *test = te_ini("te.ini", "[data]\ndataset = mnist\npath = %s\nsplit = test\n", td_path("shc"));
    const char *w = te_classifier("c8.gtck", 12, 8, 3);
    char cache[1300];
    snprintf(cache, sizeof cache, "data.cache=%s", td_path("cache"));
    const char *sets[] = {cache};
    gt_eval_opts o = {0};
    o.fake = test, o.real = train, o.metrics = "fid", o.n = 40, o.features = "classifier", o.weights = w;
    o.sets = sets, o.n_sets = 1, o.jsonl = "none";
    gt_eval_result a, b, c;
    CHECKF(gt_eval_run(&o, &a) == 0, "%s", gt_error());
    CHECK(!a.cache_hit);
    CHECK(gt_eval_run(&o, &b) == 0);
    CHECK(b.cache_hit && b.fid.fid == a.fid.fid);
    char gtck[3000] = "", npz[3000] = "";
    snprintf(gtck, sizeof gtck, "%s/eval-mnist-train-classifier-n40-", td_path("cache"));
    /* find the files: the hash part is not predictable here */
    FILE *ls;
    char cmd[1600], line[512];
    snprintf(cmd, sizeof cmd, "ls %s", td_path("cache"));
    ls = popen(cmd, "r");
    int n_gtck = 0, n_npz = 0;
    while (ls && fgets(line, sizeof line, ls)) {
        line[strcspn(line, "\n")] = 0;
        CHECKF(!strncmp(line, "eval-mnist-train-classifier-n40-", 32), "%s", line);
        if (strstr(line, ".gtck")) n_gtck++, snprintf(gtck, sizeof gtck, "%s/%s", td_path("cache"), line);
        if (strstr(line, ".npz")) n_npz++, snprintf(npz, sizeof npz, "%s/%s", td_path("cache"), line);
    }
    if (ls) pclose(ls);
    CHECK(n_gtck == 1 && n_npz == 1);
    gt_fid_stats st;
    CHECK(gt_fid_stats_load(npz, &st) == 0 && st.d == 8);
    gt_fid_stats_free(&st);
    /* a damaged cache is rebuilt */
    FILE *f = fopen(gtck, "r+b");
    fseek(f, -16, SEEK_END);
    fwrite("XXXXXXXXXXXXXXXX", 1, 16, f);
    fclose(f);
    CHECK(gt_eval_run(&o, &c) == 0);
    CHECK(!c.cache_hit && c.fid.fid == a.fid.fid);
    gt_eval_result_free(&c);
    CHECK(gt_eval_run(&o, &c) == 0 && c.cache_hit);
    gt_eval_result_free(&c);
    /* other weights, another key */
    o.weights = te_classifier("c8b.gtck", 12, 8, 4);
    CHECK(gt_eval_run(&o, &c) == 0 && !c.cache_hit);
    gt_eval_result_free(&a);
    gt_eval_result_free(&b);
    gt_eval_result_free(&c);
}

GT_TEST(eval_statistics_files) {
    te_shapes("shs", 80, 40, 12, 11);
    const char *train = te_ini("tr.ini", "[data]\ndataset = mnist\npath = %s\n", td_path("shs"));
    const char *test = te_ini("te.ini", "[data]\ndataset = mnist\npath = %s\nsplit = test\n", td_path("shs"));
    const char *w = te_classifier("c8.gtck", 12, 8, 3);
    char fake_npz[1300], real_npz[1300];
    snprintf(fake_npz, sizeof fake_npz, "%s", td_path("fake.npz"));
    snprintf(real_npz, sizeof real_npz, "%s", td_path("real.npz"));
    gt_eval_opts o = {0};
    o.fake = test, o.real = train, o.metrics = "fid", o.n = 40, o.features = "classifier", o.weights = w;
    o.jsonl = "none", o.no_cache = 1, o.save_stats = fake_npz, o.save_real_stats = real_npz;
    gt_eval_result a, b;
    CHECKF(gt_eval_run(&o, &a) == 0, "%s", gt_error());
    gt_fid_stats fs, rs;
    CHECK(gt_fid_stats_load(fake_npz, &fs) == 0 && gt_fid_stats_load(real_npz, &rs) == 0);
    gt_fid_result direct;
    CHECK(gt_fid_from_stats(&fs, &rs, &direct) == 0);
    CHECK_NEAR(direct.fid, a.fid.fid, 0);
    /* the reference as a statistics file (pytorch-fid / TTUR style) */
    o.real = real_npz, o.save_stats = NULL, o.save_real_stats = NULL;
    CHECK(gt_eval_run(&o, &b) == 0);
    CHECK_NEAR(b.fid.fid, a.fid.fid, 0);
    gt_eval_result_free(&b);
    o.metrics = "fid,kid";
    CHECK(gt_eval_run(&o, &b) == GT_ERR);
    CHECK(b.has_fid && !b.has_kid && strstr(b.skipped, "holds only statistics"));
    gt_eval_result_free(&b);
    /* statistics of another feature size */
    gt_fid_stats five = {5, 10, calloc(5, sizeof(double)), calloc(25, sizeof(double))};
    for (int i = 0; i < 5; i++) five.sigma[i * 6] = 1;
    CHECK(gt_fid_stats_save(td_path("five.npz"), &five) == 0);
    gt_fid_stats_free(&five);
    o.real = td_path("five.npz"), o.metrics = "fid";
    CHECK(gt_eval_run(&o, &b) == GT_ERR_USAGE);
    CHECKF(strstr(gt_error(), "five.npz: statistics of 5-d features, but the classifier gives 8"), "%s", gt_error());
    /* a folder with only --save-stats: statistics, no comparison */
    uint8_t pix[12 * 12];
    for (int i = 0; i < 3; i++) {
        char rel[32];
        memset(pix, 40 * i, sizeof pix);
        snprintf(rel, sizeof rel, "imgs/%d.png", i);
        td_png(rel, 12, 12, 1, pix);
    }
    gt_eval_opts q = {0};
    q.fake = td_path("imgs"), q.features = "classifier", q.weights = w, q.save_stats = td_path("imgs.npz");
    q.jsonl = "none", q.metrics = "fid";
    CHECKF(gt_eval_run(&q, &b) == 0, "%s", gt_error());
    CHECK(gt_fid_stats_load(td_path("imgs.npz"), &fs) == 0 || (gt_fid_stats_free(&fs), 0));
    CHECK(fs.d == 8);
    gt_fid_stats_free(&fs);
    gt_fid_stats_free(&rs);
    gt_eval_result_free(&a);
    gt_eval_result_free(&b);
}

static int fails(gt_eval_opts *o, int code, const char *frag1, const char *frag2) {
    gt_eval_result r;
    int rc = gt_eval_run(o, &r);
    gt_eval_result_free(&r);
    if (rc != code || !strstr(gt_error(), frag1) || (frag2 && !strstr(gt_error(), frag2))) {
        gt_test_fail(__FILE__, __LINE__, "wanted code %d and '%s', got %d: %s", code, frag1, rc, gt_error());
        return 0;
    }
    return 1;
}

GT_TEST(eval_bad_inputs) {
    te_shapes("shb", 40, 20, 12, 12);
    const char *train = te_ini("tr.ini", "[data]\ndataset = mnist\npath = %s\n", td_path("shb"));
    const char *test = te_ini("te.ini", "[data]\ndataset = mnist\npath = %s\nsplit = test\n", td_path("shb"));
    gt_eval_opts o = {0};
    o.fake = test, o.real = train, o.metrics = "fid", o.n = 20, o.features = "classifier", o.jsonl = "none";
    o.no_cache = 1;
    /* missing weights: how to make them */
    o.weights = td_path("none.gtck");
    if (!fails(&o, GT_ERR, "none.gtck: no such file", "gantrain classifier")) return;
    o.features = "inception", o.weights = td_path("pt.npz");
    if (!fails(&o, GT_ERR, "pt.npz: no such file", GT_INCEPTION_URL)) return;
    if (!fails(&o, GT_ERR, "`scripts/fetch-data.sh inception` downloads", "--features classifier")) return;
    /* inception weights of the wrong shape */
    double vals[32 * 27] = {0};
    gt_npz_array arr = {"Conv2d_1a_3x3.conv.weight", 2, {32, 27}, vals};
    CHECK(gt_npz_write(td_path("pt.npz"), 1, &arr) == 0);
    if (!fails(&o, GT_ERR, "tensor 'Conv2d_1a_3x3.conv.weight' has shape [32, 27], the FID Inception-v3 needs [32, 3, 3, 3]",
               NULL))
        return;
    gt_npz_array other = {"mu", 1, {3, 1}, vals};
    CHECK(gt_npz_write(td_path("pt.npz"), 1, &other) == 0);
    if (!fails(&o, GT_ERR, "no tensor 'Conv2d_1a_3x3.conv.weight'", "convert-inception.py")) return;
    /* a GAN checkpoint given as classifier weights */
    const char *run = te_gan_run("run", 12, "shb");
    char ck[1300];
    snprintf(ck, sizeof ck, "%s/ckpt/last", run);
    o.features = "classifier", o.weights = ck;
    if (!fails(&o, GT_ERR, "not a classifier checkpoint (a GAN checkpoint)", NULL)) return;
    o.weights = te_classifier("c.gtck", 12, 8, 1);
    /* unreadable images */
    td_png("bad/a.png", 12, 12, 1, (uint8_t[144]){0});
    td_write("bad/b.png", "not a png", 9);
    o.fake = td_path("bad");
    if (!fails(&o, GT_ERR, "bad/b.png: cannot decode image", NULL)) return;
    o.fake = td_path("nonexistent");
    if (!fails(&o, GT_ERR_USAGE, "nonexistent': not a directory, checkpoint, .ini or dataset name", NULL)) return;
    o.fake = test;
    o.real = "nonsense:test";
    if (!fails(&o, GT_ERR_USAGE, "--real 'nonsense:test': not a directory, checkpoint, .ini, .npz or dataset name",
               NULL))
        return;
    o.real = "mnist:tset";
    if (!fails(&o, GT_ERR_USAGE, "--real 'mnist:tset'", "data.split")) return;
    o.real = train;
    o.metrics = "fid,isc";
    if (!fails(&o, GT_ERR_USAGE, "--metrics: unknown metric 'isc'", "fid, is, kid, pr, dc")) return;
    o.metrics = "fid";
    o.features = "vgg";
    if (!fails(&o, GT_ERR_USAGE, "--features: 'vgg' is not inception or classifier", NULL)) return;
    o.features = "classifier";
    o.real = NULL;
    if (!fails(&o, GT_ERR_USAGE, "needs --real SPEC", "--save-stats")) return;
    o.real = td_path("x.npz");
    o.fake = td_path("x.npz");
    if (!fails(&o, GT_ERR_USAGE, "statistics files can only be the reference", NULL)) return;
    o.fake = NULL;
    if (!fails(&o, GT_ERR_USAGE, "nothing to evaluate", NULL)) return;
    o.target = td_path("shb");
    if (!fails(&o, GT_ERR_USAGE, "not a run directory (no ckpt/last) or a .gtck checkpoint", NULL)) return;
    /* a model of points */
    o.target = NULL, o.fake = test;
    o.real = te_ini("toy.ini", "[data]\ndataset = toy2d\ntoy_n = 100\n");
    if (!fails(&o, GT_ERR_USAGE, "toy2d is 2-D points", NULL)) return;
}

GT_TEST(eval_inception_plumbing) {
    gt_inception *m = gt_inception_new(0);
    gt_inception_init_synthetic(m);
    /* one grey 20x20 image: the network resizes it to 299x299 and repeats
     * the plane itself, so the extractor passes it unchanged */
    gt_tensor *x = gt_tensor_new(4, (int[]){1, 1, 20, 20});
    gt_rng r;
    gt_rng_seed(&r, 3);
    for (int64_t i = 0; i < x->n; i++) x->data[i] = gt_rng_uniform_range(&r, -1, 1);
    float *f1 = malloc(sizeof(float) * 2048), *f2 = malloc(sizeof(float) * 2048);
    float *p = malloc(sizeof(float) * 1008), *lg = malloc(sizeof(float) * 1008), *bias = malloc(sizeof(float) * 1008);
    CHECK(gt_inception_features(m, x, f2, lg) == 0);
    memcpy(bias, gt_params_find(gt_inception_params(m), "inception.fc.bias")->data, sizeof(float) * 1008);
    gt_extractor *e = gt_extractor_from_inception(m, "synthetic");
    CHECK(e->dim == 2048 && e->n_classes == 1008 && e->in_c == 0 && e->in_h == 0);
    char note[64];
    gt_extractor_adaptation(e, 1, 20, 20, note, sizeof note);
    CHECK(!note[0]);
    CHECK(gt_extractor_features(e, x->data, 1, 1, 20, 20, f1, p) == 0);
    CHECK(!memcmp(f1, f2, sizeof(float) * 2048));
    /* IS probabilities: softmax of the logits without fc's bias */
    double mx = -1e300, s = 0, tot = 0;
    for (int k = 0; k < 1008; k++) mx = fmax(mx, (double)lg[k] - bias[k]);
    for (int k = 0; k < 1008; k++) s += exp((double)lg[k] - bias[k] - mx);
    for (int k = 0; k < 1008; k++) {
        double want = exp((double)lg[k] - bias[k] - mx) / s;
        CHECK_NEAR(p[k], want, 1e-6 * want + 1e-12);
        tot += p[k];
    }
    CHECK_NEAR(tot, 1, 1e-4);
    free(f1);
    free(f2);
    free(p);
    free(lg);
    free(bias);
    gt_tensor_free(x);
    gt_extractor_free(e);
}
