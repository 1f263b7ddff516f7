/* test_config.c — the INI config: typed values, precedence, and one clear
 * "file:line: message" error for every kind of mistake. */
#include <stdlib.h>
#include <string.h>

#include "gantrain/config.h"
#include "gantrain/error.h"
#include "test.h"

static const char *write_cfg(const char *name, const char *text) {
    static char path[700];
    snprintf(path, sizeof path, "%s/%s", gt_test_tmpdir(), name);
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

/* loads text and expects failure with every fragment in the message */
static int fails_with(const char *text, const char *frag1, const char *frag2) {
    gt_config *c = gt_config_new();
    int rc = gt_config_load(c, write_cfg("bad.ini", text));
    gt_config_free(c);
    if (rc != GT_ERR_USAGE) {
        gt_test_fail(__FILE__, __LINE__, "expected a config error for:\n%s", text);
        return 0;
    }
    if (!strstr(gt_error(), frag1) || (frag2 && !strstr(gt_error(), frag2))) {
        gt_test_fail(__FILE__, __LINE__, "message '%s' lacks '%s' / '%s'", gt_error(), frag1,
                     frag2 ? frag2 : "");
        return 0;
    }
    return 1;
}

GT_TEST(config_values_and_origins) {
    gt_config *c = gt_config_new();
    const char *p = write_cfg("ok.ini",
                              "# a comment\n[model]\npreset = dcgan\n\n[train]\nbatch_size = 32 ; inline\n"
                              "steps = 1e3\n[optim]\nlr = 0.0002\nbeta1=0.5\n[data]\nshuffle = no\n"
                              "classes = dog, airplane\n");
    CHECKF(gt_config_load(c, p) == 0, "%s", gt_error());
    CHECK(gt_cfg_int(c, "train", "batch_size") == 32 && gt_cfg_int(c, "train", "steps") == 1000);
    CHECK_NEAR(gt_cfg_float(c, "optim", "lr"), 2e-4, 1e-12);
    CHECK(gt_cfg_bool(c, "data", "shuffle") == 0);
    CHECK(!strcmp(gt_cfg_str(c, "model", "preset"), "dcgan"));
    CHECK(gt_cfg_origin_of(c, "train", "batch_size") == GT_ORIGIN_FILE);
    CHECK(strstr(gt_cfg_where(c, "train", "batch_size"), "ok.ini:6") != NULL);
    CHECK(gt_cfg_origin_of(c, "train", "seed") == GT_ORIGIN_DEFAULT);
    char **items;
    int n = gt_cfg_list(gt_cfg_str(c, "data", "classes"), &items);
    CHECK(n == 2 && !strcmp(items[0], "dog") && !strcmp(items[1], "airplane"));
    gt_cfg_list_free(items, n);
    /* a preset fills defaults only; --set beats the file */
    CHECK(gt_config_set(c, "optim", "beta1", "0.7", GT_ORIGIN_PRESET, "preset x") == 0);
    CHECK_NEAR(gt_cfg_float(c, "optim", "beta1"), 0.5, 1e-12);
    CHECK(gt_config_set(c, "optim", "beta2", "0.9", GT_ORIGIN_PRESET, "preset x") == 0);
    CHECK_NEAR(gt_cfg_float(c, "optim", "beta2"), 0.9, 1e-12);
    CHECK(gt_config_set_arg(c, "train.batch_size=128") == 0 && gt_cfg_int(c, "train", "batch_size") == 128);
    CHECK(gt_config_set_arg(c, "train.batch_size") == GT_ERR_USAGE);
    CHECK(gt_config_set_arg(c, "train.batchsize=3") == GT_ERR_USAGE && strstr(gt_error(), "train.batch_size"));
    gt_config_free(c);
}

GT_TEST(config_resolved_roundtrip) {
    gt_config *c = gt_config_new();
    CHECK(gt_config_set_arg(c, "optim.lr=0.001") == 0);
    CHECK(gt_config_set_arg(c, "data.classes=dog, cat") == 0);
    char *text = gt_config_to_ini(c);
    gt_config *d = gt_config_new();
    CHECKF(gt_config_load_string(d, text, "resolved") == 0, "%s", gt_error());
    CHECK_NEAR(gt_cfg_float(d, "optim", "lr"), 0.001, 1e-15);
    CHECK(!strcmp(gt_cfg_str(d, "data", "classes"), "dog, cat"));
    char *text2 = gt_config_to_ini(d);
    /* same values: the two texts differ only in the origin comments */
    int n;
    const gt_cfg_key *s = gt_cfg_schema(&n);
    for (int i = 0; i < n; i++) {
        if (s[i].type == GT_CFG_STRING || s[i].type == GT_CFG_ENUM)
            CHECK(!strcmp(gt_cfg_str(c, s[i].section, s[i].name), gt_cfg_str(d, s[i].section, s[i].name)));
        else if (s[i].type == GT_CFG_FLOAT)
            CHECK(gt_cfg_float(c, s[i].section, s[i].name) == gt_cfg_float(d, s[i].section, s[i].name));
        else if (s[i].type == GT_CFG_INT)
            CHECK(gt_cfg_int(c, s[i].section, s[i].name) == gt_cfg_int(d, s[i].section, s[i].name));
    }
    free(text);
    free(text2);
    gt_config_free(c);
    gt_config_free(d);
}

GT_TEST(config_errors_name_file_and_line) {
    if (!fails_with("[optim]\nlrr = 0.1\n", "bad.ini:2: unknown key 'lrr' in [optim]", "did you mean 'optim.lr'")) return;
    if (!fails_with("[train]\nlr = 0.1\n", "bad.ini:2", "did you mean 'optim.lr'")) return;
    if (!fails_with("[optm]\nlr = 0.1\n", "unknown section [optm]", "did you mean [optim]")) return;
    if (!fails_with("[train]\n\nbatch_size = abc\n", "bad.ini:3: train.batch_size: 'abc' is not an integer", NULL)) return;
    if (!fails_with("[optim]\nlr = -1\n", "bad.ini:2: optim.lr: -1 is out of range", NULL)) return;
    if (!fails_with("[train]\nn_critic = 0\n", "train.n_critic: 0 is out of range", NULL)) return;
    if (!fails_with("[model]\nobjective = wgan_gp\n", "'wgan_gp' is not one of ns|mm|ls|wgan|wgan-gp|began", NULL)) return;
    if (!fails_with("[data]\nshuffle = maybe\n", "'maybe' is not true or false", NULL)) return;
    if (!fails_with("[optim]\nlr = 1e-3 # fast\n", "is not a number", "inline comments start with ';'")) return;
    if (!fails_with("[train]\nseed = 1\nseed = 2\n", "bad.ini:3: train.seed is set twice (first at line 2)", NULL)) return;
    if (!fails_with("[train]\nthis line is wrong\n", "bad.ini:2: syntax error", NULL)) return;
    if (!fails_with("lr = 1\n", "bad.ini:1: 'lr' is outside any [section]", NULL)) return;
    if (!fails_with("[optim]\nlr = nan\n", "'nan' is not a number", NULL)) return;
    char longline[400];
    memset(longline, 'a', sizeof longline);
    memcpy(longline, "[data]\npath = ", 14);
    longline[398] = '\n';
    longline[399] = 0;
    if (!fails_with(longline, "bad.ini:2: line too long", NULL)) return;
    gt_config *c = gt_config_new();
    CHECK(gt_config_load(c, "/nonexistent/x.ini") == GT_ERR_USAGE && strstr(gt_error(), "cannot open config"));
    gt_config_free(c);
}
