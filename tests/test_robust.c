/* test_robust.c — nothing lost, nothing crashes (issue 8), in-process:
 * a write that fails at any byte (GT_FAULT_WRITE) leaves the previous file
 * whole, for plain atomic writes, checkpoints and the log; error messages
 * stay one line; the memory plan bounds the arena's real peak for every
 * preset and refuses what does not fit; models too big are refused before
 * their parameters exist; rollbacks scale the learning rates. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/arena.h"
#include "gantrain/ckpt.h"
#include "gantrain/csvlog.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/models.h"
#include "gantrain/run.h"
#include "gantrain/sysmem.h"
#include "gantrain/train.h"
#include "test.h"

/* files in dir whose name contains ".tmp" */
static int count_tmp(const char *dir) {
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d))) n += strstr(e->d_name, ".tmp") != NULL;
    if (d) closedir(d);
    return n;
}

GT_TEST(robust_atomic_write_full_disk_at_every_byte) {
    char path[1024];
    snprintf(path, sizeof path, "%s/file.bin", gt_test_tmpdir());
    const char old[] = "the previous contents";
    CHECK(gt_write_file_atomic(path, old, sizeof old) == GT_OK);
    unsigned char big[3000];
    for (size_t i = 0; i < sizeof big; i++) big[i] = (unsigned char)(i * 7);
    /* stdio buffers 4 KiB, so the failure shows at fflush in commit */
    for (int budget = 0; budget < (int)sizeof big; budget += 97) {
        char rule[64];
        snprintf(rule, sizeof rule, "file.bin:%d", budget);
        setenv("GT_FAULT_WRITE", rule, 1);
        gt_error_clear();
        int rc = gt_write_file_atomic(path, big, sizeof big);
        unsetenv("GT_FAULT_WRITE");
        CHECKF(rc == GT_ERR, "budget %d: the write succeeded", budget);
        CHECKF(strstr(gt_error(), "file.bin: No space left on device"), "%s", gt_error());
        char *d;
        size_t n;
        CHECK(gt_read_file(path, &d, &n) == GT_OK);
        int same = n == sizeof old && !memcmp(d, old, n);
        free(d);
        CHECKF(same, "budget %d: the previous file changed", budget);
        CHECKF(count_tmp(gt_test_tmpdir()) == 0, "budget %d: a temporary file was left", budget);
    }
    /* without the rule the same write goes through */
    CHECK(gt_write_file_atomic(path, big, sizeof big) == GT_OK);
}

GT_TEST(robust_fault_rule_matches_only_its_files) {
    char a[1024], b[1024];
    snprintf(a, sizeof a, "%s/a.png", gt_test_tmpdir());
    snprintf(b, sizeof b, "%s/b.gtck", gt_test_tmpdir());
    setenv("GT_FAULT_WRITE", "nothing:0,.gtck:5", 1);
    CHECK(gt_write_file_atomic(a, "0123456789", 10) == GT_OK);
    CHECK(gt_write_file_atomic(b, "0123456789", 10) == GT_ERR);
    CHECK(gt_write_file_atomic(b, "01234", 5) == GT_OK);
    unsetenv("GT_FAULT_WRITE");
}

/* a checkpoint of two tensors whose values are v */
static gt_ckpt_writer *small_ckpt(float v, float *a, float *b) {
    for (int i = 0; i < 300; i++) a[i] = v + (float)i;
    for (int i = 0; i < 7; i++) b[i] = -v;
    gt_ckpt_writer *w = gt_ckpt_writer_new("[train]\nsteps = 3\n");
    gt_ckpt_put_i64(w, "step", (int64_t)v);
    gt_ckpt_add(w, "g.w", 2, (int[]){30, 10}, a);
    gt_ckpt_add(w, "d.b", 1, (int[]){7}, b);
    return w;
}

GT_TEST(robust_ckpt_full_disk_keeps_previous) {
    char path[1024];
    snprintf(path, sizeof path, "%s/step_0000001.gtck", gt_test_tmpdir());
    float a[300], b[7];
    gt_ckpt_writer *w = small_ckpt(1, a, b);
    CHECK(gt_ckpt_write(w, path) == GT_OK);
    gt_ckpt_writer_free(w);
    int64_t size = 0;
    {
        gt_ckpt *ck = gt_ckpt_open(path);
        CHECK(ck);
        size = (int64_t)gt_ckpt_file_size(ck);
        gt_ckpt_close(ck);
    }
    /* every place a disk can fill up: header, table, padding, data, end */
    for (int64_t budget = 0; budget < size; budget += budget < 200 ? 13 : 151) {
        char rule[64];
        snprintf(rule, sizeof rule, "step_0000001.gtck:%lld", (long long)budget);
        w = small_ckpt(2, a, b);
        setenv("GT_FAULT_WRITE", rule, 1);
        gt_error_clear();
        int rc = gt_ckpt_write(w, path);
        unsetenv("GT_FAULT_WRITE");
        gt_ckpt_writer_free(w);
        CHECKF(rc == GT_ERR && strstr(gt_error(), "No space left on device"), "budget %lld: %s",
               (long long)budget, rc ? gt_error() : "written");
        gt_ckpt *ck = gt_ckpt_open(path);
        CHECKF(ck, "budget %lld: %s", (long long)budget, gt_error());
        float got[300];
        int64_t step = 0;
        rc = gt_ckpt_verify(ck) || gt_ckpt_read(ck, "g.w", 2, (int[]){30, 10}, got) ||
             gt_ckpt_get_i64(ck, "step", &step);
        gt_ckpt_close(ck);
        CHECKF(rc == GT_OK && step == 1 && got[299] == 300, "budget %lld: the previous checkpoint changed",
               (long long)budget);
        CHECK(count_tmp(gt_test_tmpdir()) == 0);
    }
}

GT_TEST(robust_csvlog_full_disk_one_error) {
    char path[1024];
    snprintf(path, sizeof path, "%s/log.csv", gt_test_tmpdir());
    const char *cols[] = {"step", "d_loss"};
    setenv("GT_FAULT_WRITE", "log.csv:40", 1);
    gt_csvlog *log = gt_csvlog_create(path, 2, cols);
    CHECK(log);
    int rc = GT_OK, rows = 0;
    for (int i = 1; i <= 20 && !rc; i++) {
        double v = 0.25 * i;
        rc = gt_csvlog_row(log, i, &v);
        rows += !rc;
    }
    unsetenv("GT_FAULT_WRITE");
    gt_csvlog_close(log);
    CHECKF(rc == GT_ERR && strstr(gt_error(), "log.csv: No space left on device"), "%s", gt_error());
    CHECKF(rows >= 3 && rows < 20, "%d rows written", rows);
}

GT_TEST(robust_read_file_refuses_devices) {
    char *d = NULL;
    size_t n;
    CHECK(gt_read_file("/dev/zero", &d, &n) == GT_ERR);
    CHECKF(strstr(gt_error(), "/dev/zero: it is a device, not a file"), "%s", gt_error());
    CHECK(d == NULL);
}

GT_TEST(robust_error_messages_stay_one_line) {
    gt_error_set("%s: member '%s' is bad", "x.npz", "evil\nname\033[2J");
    CHECKF(!strchr(gt_error(), '\n') && !strchr(gt_error(), '\033'), "%s", gt_error());
    CHECK(strstr(gt_error(), "evil?name?[2J"));
    gt_error_prefix("while reading %s", "a\rb");
    CHECKF(!strncmp(gt_error(), "while reading a?b: x.npz", 24), "%s", gt_error());
}

GT_TEST(robust_mem_budget_env) {
    setenv("GANTRAIN_MEM_LIMIT_MB", "300", 1);
    CHECK(gt_mem_budget() == (uint64_t)300 << 20);
    CHECK(!strcmp(gt_mem_budget_source(), "GANTRAIN_MEM_LIMIT_MB"));
    unsetenv("GANTRAIN_MEM_LIMIT_MB");
    CHECK(gt_mem_budget() > (uint64_t)64 << 20);
    char b[32];
    CHECK(!strcmp(gt_fmt_bytes(1536, b, sizeof b), "1.5 KiB"));
    CHECK(!strcmp(gt_fmt_bytes(3.0 * (1 << 30), b, sizeof b), "3.0 GiB"));
    CHECK(!strcmp(gt_fmt_bytes(100, b, sizeof b), "100 B"));
}

static gt_config *cfg_of(const char *const *sets) {
    gt_config *cfg = gt_config_new();
    for (int i = 0; sets[i]; i++) GT_ASSERTF(gt_config_set_arg(cfg, sets[i]) == 0, "%s", gt_error());
    GT_ASSERT(gt_preset_apply(cfg) == 0);
    return cfg;
}

GT_TEST(robust_model_too_big_refused_before_allocation) {
    gt_config *cfg = cfg_of((const char *[]){"model.preset=gan", "model.g_hidden=1048576,1048576", NULL});
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    gt_gan *m = gt_gan_declare(cfg, 3, (int[]){1, 28, 28}, 10);
    CHECK(m);
    CHECK(gt_gan_param_bytes(m) > ((int64_t)1 << 40)); /* counted, never allocated */
    CHECK(m->g->data == NULL);
    gt_gan_free(m);
    gt_error_clear();
    m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 10, &rng);
    CHECK(!m);
    CHECKF(strstr(gt_error(), "G and D have") && strstr(gt_error(), "more than the"), "%s", gt_error());
    gt_config_free(cfg);
    /* layer sizes beyond an int are refused before the builders compute them */
    cfg = cfg_of((const char *[]){"model.preset=dcgan", "model.g_width=65536", NULL});
    m = gt_gan_declare(cfg, 3, (int[]){1, 1024, 1024}, 10);
    CHECK(!m);
    CHECKF(strstr(gt_error(), "model.g_width = 65536 with 1024x1024 images"), "%s", gt_error());
    gt_config_free(cfg);
}

/* samples of n floats in [-1, 1) and labels 0..9 */
typedef struct synth {
    gt_rng rng;
    int64_t n;
} synth;

static int synth_batch(void *ud, int off, int count, float *x, float *labels) {
    synth *s = ud;
    (void)off;
    gt_rng_fill_uniform(&s->rng, x, s->n * count, -1.0f, 1.0f);
    for (int i = 0; labels && i < count; i++) labels[i] = (float)(i % 10);
    return GT_OK;
}

static synth synth_for(const gt_config *cfg, const gt_gan *m) {
    (void)cfg;
    synth s;
    int shape[4];
    int nd = gt_gan_batch_shape(m, 1, shape);
    s.n = 1;
    for (int i = 1; i < nd; i++) s.n *= shape[i];
    gt_rng_seed(&s.rng, 7);
    return s;
}

/* The plan's step estimate is an upper bound of the arena's real peak, and
 * not a wild one, for every architecture and objective. */
GT_TEST(robust_plan_bounds_the_arena_peak) {
    struct {
        const char *sets[8];
        int C, H, classes;
    } cases[] = {
        {{"model.preset=gan", "model.g_hidden=64,128", "model.d_hidden=128,64", "train.batch_size=16", NULL}, 1, 28, 0},
        {{"model.preset=cgan", "model.g_hidden=64,128", "model.d_hidden=128,64", "train.batch_size=16", NULL}, 1, 28, 10},
        {{"model.preset=wgan_gp", "model.g_hidden=64,128", "model.d_hidden=128,64", "train.batch_size=16",
          "train.n_critic=2", NULL}, 1, 28, 0},
        {{"model.preset=dcgan", "model.g_width=16", "model.d_width=8", "train.batch_size=8", NULL}, 1, 16, 0},
        {{"model.preset=dcgan", "model.objective=wgan-gp", "model.d_norm=layer", "model.g_width=8",
          "model.d_width=8", "train.batch_size=8", NULL}, 3, 16, 0},
        {{"model.preset=began", "model.g_width=16", "model.d_width=8", "train.batch_size=8", NULL}, 3, 16, 0},
        {{"model.preset=dcgan64", "model.g_width=4", "model.d_width=4", "train.batch_size=8", NULL}, 3, 32, 0},
        {{"model.preset=began64", "model.g_width=4", "model.d_width=4", "train.batch_size=4", NULL}, 3, 16, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        gt_config *cfg = cfg_of(cases[i].sets);
        gt_rng rng;
        gt_rng_seed(&rng, 5);
        gt_gan *m = gt_gan_new(cfg, 3, (int[]){cases[i].C, cases[i].H, cases[i].H}, cases[i].classes, &rng);
        CHECKF(m, "%s", gt_error());
        gt_mem_plan plan;
        CHECKF(gt_run_plan(cfg, m, 0, &plan) == GT_OK, "%s", gt_error());
        gt_trainer t;
        synth src = synth_for(cfg, m);
        CHECK(gt_trainer_init(&t, cfg, m, 3, synth_batch, &src) == 0);
        gt_stats st;
        /* the first iteration reaches the peak: later ones reuse the arena */
        CHECKF(gt_trainer_iteration(&t, &st) == GT_OK, "%s", gt_error());
        double peak = (double)gt_arena_peak(gt_ctx_arena(t.ctx));
        double workspace = 32.0 * (1 << 20);
        CHECKF(peak <= plan.step, "%s: arena peak %.0f > planned %.0f", cases[i].sets[0], peak, plan.step);
        CHECKF(plan.step - workspace <= 3 * peak + (1 << 20), "%s: planned %.0f for a peak of %.0f",
               cases[i].sets[0], plan.step - workspace, peak);
        gt_trainer_free(&t);
        gt_gan_free(m);
        gt_config_free(cfg);
    }
}

GT_TEST(robust_plan_refuses_what_does_not_fit) {
    gt_config *cfg = cfg_of((const char *[]){"model.preset=gan", "train.batch_size=1000000", NULL});
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    gt_gan *m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 10, &rng);
    CHECK(m);
    gt_mem_plan plan;
    setenv("GANTRAIN_MEM_LIMIT_MB", "2048", 1);
    int rc = gt_run_plan(cfg, m, 1e6, &plan);
    unsetenv("GANTRAIN_MEM_LIMIT_MB");
    CHECK(rc == GT_ERR_USAGE);
    CHECKF(strstr(gt_error(), "this run would need about") && strstr(gt_error(), "(batch 1000000)") &&
               strstr(gt_error(), "of the 2.0 GiB of GANTRAIN_MEM_LIMIT_MB; lower train.batch_size"),
           "%s", gt_error());
    CHECK(plan.total > plan.budget && plan.step > plan.params);
    gt_gan_free(m);
    gt_config_free(cfg);
    /* within the machine, beyond train.arena_mb */
    cfg = cfg_of((const char *[]){"model.preset=gan", "train.batch_size=4096", "train.arena_mb=64", NULL});
    m = gt_gan_new(cfg, 3, (int[]){1, 28, 28}, 10, &rng);
    rc = gt_run_plan(cfg, m, 0, &plan);
    CHECK(rc == GT_ERR_USAGE);
    CHECKF(strstr(gt_error(), "one step at batch 4096 needs about") && strstr(gt_error(), "train.arena_mb = 64"),
           "%s", gt_error());
    gt_gan_free(m);
    gt_config_free(cfg);
}

GT_TEST(robust_rollback_scale_lowers_learning_rates) {
    gt_config *cfg = cfg_of((const char *[]){"model.preset=gan", "model.g_hidden=8", "model.d_hidden=8",
                                             "optim.lr=0.01", "train.lr_update_step=10",
                                             "train.lr_decay=0.5", "train.lr_min=0.004", NULL});
    gt_rng rng;
    gt_rng_seed(&rng, 1);
    gt_gan *m = gt_gan_new(cfg, 1, (int[]){2}, 0, &rng);
    CHECK(m);
    gt_trainer t;
    synth src = synth_for(cfg, m);
    CHECK(gt_trainer_init(&t, cfg, m, 1, synth_batch, &src) == 0);
    CHECK(t.lr_scale == 1.0);
    double g, d;
    gt_trainer_lrs(&t, 25, &g, &d);
    CHECK_NEAR(g, 0.004, 1e-12); /* 0.01 * 0.25 floored at lr_min */
    t.lr_scale = 0.1;
    gt_trainer_lrs(&t, 0, &g, &d);
    CHECK_NEAR(g, 0.001, 1e-12);
    CHECK_NEAR(d, 0.001, 1e-12);
    gt_trainer_lrs(&t, 25, &g, &d);
    CHECK_NEAR(g, 0.0004, 1e-12); /* the rollback's factor goes below the floor */
    gt_trainer_free(&t);
    gt_gan_free(m);
    gt_config_free(cfg);
}
