/* test_events_run.c — the TensorBoard file of a real `gantrain train` run,
 * decoded by the protobuf library (scripts/decode-tfevents.py, which also
 * checks every record's CRCs): its scalars are exactly log.csv (one tag
 * per column, same steps, same float bits), its images are the sample
 * grids on disk (same size and pixels), and a toy2d run adds its toyviz
 * frames and D's accuracy. */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <stb/stb_image.h>

#include "gantrain/crc.h"
#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "gantrain/log.h"
#include "gantrain/rng.h"
#include "gantrain/run.h"
#include "test.h"
#include "test_data.h"

/* Trains from ini text into TMP/name; 0 on success. */
static int train(const char *name, const char *ini_text) {
    char ini[1024], out[1024];
    snprintf(ini, sizeof ini, "%s/%s.ini", gt_test_tmpdir(), name);
    snprintf(out, sizeof out, "%s/%s", gt_test_tmpdir(), name);
    if (gt_write_file_atomic(ini, ini_text, strlen(ini_text))) return -1;
    gt_run_opts o = {.config_path = ini, .out = out, .seed = -1, .steps = -1};
    /* keep the run's own output out of the test's (one process per test) */
    if (!freopen("/dev/null", "w", stdout)) return -1;
    gt_log_set_level(GT_LOG_WARN);
    return gt_run_train(&o);
}

/* The decoder's output for the run's one events file (malloc'd), or NULL. */
static char *decode_run(const char *name) {
    char dir[1024], path[1400] = "", cmd[4096], txt[1100];
    snprintf(dir, sizeof dir, "%s/%s", gt_test_tmpdir(), name);
    DIR *d = opendir(dir);
    if (!d) return NULL;
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)))
        if (!strncmp(e->d_name, "events.out.tfevents.", 20)) {
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            n++;
        }
    closedir(d);
    if (n != 1) {
        gt_test_fail(__FILE__, __LINE__, "%s: %d event files", dir, n);
        return NULL;
    }
    snprintf(txt, sizeof txt, "%s/%s.decoded", gt_test_tmpdir(), name);
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s' --no-time '%s' > '%s' 2>&1",
             gt_test_path("../scripts/decode-tfevents.py"), path, txt);
    int st = system(cmd);
    char *out = NULL;
    size_t len;
    if (gt_read_file(txt, &out, &len)) return NULL;
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        gt_test_fail(__FILE__, __LINE__, "decoder failed:\n%s", out);
        free(out);
        return NULL;
    }
    return out;
}

static uint32_t fbits(float f) {
    uint32_t u;
    memcpy(&u, &f, 4);
    return u;
}

/* Appends "step=S scalar TAG bits=XXXXXXXX\n" for every value of a CSV
 * file (the decoder's scalar lines without their value text) to *want. */
static int csv_scalars(const char *path, char **want, size_t *len) {
    char *text;
    size_t n;
    if (gt_read_file(path, &text, &n)) return -1;
    char *cols[32];
    int ncol = 0, rows = 0;
    char *save = NULL, *hdr = strtok_r(text, "\n", &save);
    for (char *c = hdr, *q; c && ncol < 32; c = q ? q + 1 : NULL) {
        q = strchr(c, ',');
        if (q) *q = 0;
        cols[ncol++] = c;
    }
    for (char *ln = strtok_r(NULL, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save), rows++) {
        char *p = ln, *end;
        long long step = strtoll(p, &end, 10);
        for (int k = 1; k < ncol; k++) {
            p = strchr(p, ',');
            if (!p) break;
            float v = strtof(++p, &end);
            char line[256];
            int m = snprintf(line, sizeof line, "step=%lld scalar %s bits=%08x\n", step, cols[k], fbits(v));
            *want = gt_xrealloc(*want, *len + (size_t)m + 1);
            memcpy(*want + *len, line, (size_t)m + 1);
            *len += (size_t)m;
        }
    }
    free(text);
    return rows;
}

/* The decoder's scalar lines with " value=..." cut off, optionally only
 * those of one tag (or all but one: skip) */
static char *scalar_lines(const char *decoded, const char *only, const char *skip) {
    char *out = gt_xstrdup(""), *copy = gt_xstrdup(decoded), *save = NULL;
    size_t len = 0;
    for (char *ln = strtok_r(copy, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char tag[256];
        if (!strstr(ln, " scalar ") || sscanf(strstr(ln, " scalar ") + 8, "%255s", tag) != 1) continue;
        if ((only && strcmp(tag, only)) || (skip && !strcmp(tag, skip))) continue;
        char *v = strstr(ln, " value=");
        if (v) *v = 0;
        size_t m = strlen(ln);
        out = gt_xrealloc(out, len + m + 2);
        memcpy(out + len, ln, m);
        out[len + m] = '\n';
        out[len + m + 1] = 0;
        len += m + 1;
    }
    free(copy);
    return out;
}

/* Checks that the decoded images with `tag` are exactly the PNG files
 * fmt % (step / div) for the given steps (size, channels, pixel CRC). */
static int check_images(const char *decoded, const char *tag, const char *dir, const char *fmt,
                        const int *steps, int n_steps, int div) {
    int found[16] = {0}, other = 0;
    const char *p = decoded;
    while ((p = strstr(p, " image "))) {
        const char *ln = p;
        while (ln > decoded && ln[-1] != '\n') ln--;
        long long step;
        char t[128];
        int w, h, c;
        unsigned crc;
        if (sscanf(ln, "step=%lld image %127s %dx%dx%d pixels_crc32=%x", &step, t, &w, &h, &c, &crc) != 6) {
            gt_test_fail(__FILE__, __LINE__, "cannot read: %.80s", ln);
            return 0;
        }
        p++;
        if (strcmp(t, tag)) continue;
        int k = -1;
        for (int i = 0; i < n_steps; i++)
            if (steps[i] == step) k = i;
        if (k < 0) {
            other++;
            continue;
        }
        char rel[256], path[1400];
        snprintf(rel, sizeof rel, fmt, (int)step / div);
        snprintf(path, sizeof path, "%s/%s", dir, rel);
        int fw, fh, fc;
        unsigned char *pix = stbi_load(path, &fw, &fh, &fc, 0);
        if (!pix) {
            gt_test_fail(__FILE__, __LINE__, "%s: %s", path, stbi_failure_reason());
            return 0;
        }
        uint32_t fcrc = gt_crc32(0, pix, (size_t)fw * fh * fc);
        stbi_image_free(pix);
        if (fw != w || fh != h || fc != c || fcrc != crc) {
            gt_test_fail(__FILE__, __LINE__, "image '%s' at step %lld: %dx%dx%d crc %08x, %s: %dx%dx%d crc %08x",
                         tag, step, w, h, c, crc, path, fw, fh, fc, fcrc);
            return 0;
        }
        found[k]++;
    }
    for (int i = 0; i < n_steps; i++)
        if (!found[i]) {
            gt_test_fail(__FILE__, __LINE__, "no image '%s' at step %d", tag, steps[i]);
            return 0;
        }
    if (other) {
        gt_test_fail(__FILE__, __LINE__, "%d images '%s' at unexpected steps", other, tag);
        return 0;
    }
    return 1;
}

GT_TEST(events_of_a_training_run) {
    /* 48 random 28x28 images, labels 0..9 */
    uint8_t pix[48 * 784], lab[48];
    gt_rng r;
    gt_rng_seed(&r, 4);
    for (size_t i = 0; i < sizeof pix; i++) pix[i] = (uint8_t)(gt_rng_u64(&r) >> 56);
    for (int i = 0; i < 48; i++) lab[i] = (uint8_t)(i % 10);
    td_idx("ev_mnist", "train", 48, 28, 28, pix, lab, 0);
    char ini[2048];
    snprintf(ini, sizeof ini,
             "[model]\npreset = wgan_gp\ng_hidden = 16,32\nd_hidden = 32,16\n"
             "[data]\ndataset = mnist\npath = %s/ev_mnist\n"
             "[train]\nsteps = 5\nbatch_size = 8\nn_critic = 2\nlog_every = 1\nsample_every = 2\n"
             "ckpt_every = 0\nsample_n = 16\nsample_nrow = 4\nprogress = none\n",
             gt_test_tmpdir());
    CHECKF(train("ev_wgan_gp", ini) == 0, "%s", gt_error());

    char *dec = decode_run("ev_wgan_gp");
    if (!dec) return;
    CHECKF(!strncmp(dec, "file_version=brain.Event:2\n", 27), "%.200s", dec);
    /* every log.csv value, in order, with its column as tag and its bits */
    char csv[1100], *want = NULL;
    size_t len = 0;
    snprintf(csv, sizeof csv, "%s/ev_wgan_gp/log.csv", gt_test_tmpdir());
    CHECK(csv_scalars(csv, &want, &len) == 5);
    CHECK(strstr(want, "scalar wasserstein") && strstr(want, "scalar gp"));
    char *got = scalar_lines(dec, NULL, NULL);
    CHECKF(!strcmp(got, want), "TensorBoard scalars:\n%s\nlog.csv:\n%s", got, want);
    /* the sample grids of steps 2, 4 and the end (5), as written to samples/ */
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/ev_wgan_gp", gt_test_tmpdir());
    if (!check_images(dec, "samples", dir, "samples/step_%07d.png", (int[]){2, 4, 5}, 3, 1)) return;
    free(got);
    free(want);
    free(dec);
}

GT_TEST(events_of_a_toy2d_run) {
    CHECKF(train("ev_toy", "[model]\npreset = gan\nz_dim = 2\ng_hidden = 16,16\nd_hidden = 16,16\n"
                           "g_batchnorm = false\n"
                           "[data]\ndataset = toy2d\ntoy = wing\ntoy_n = 256\n"
                           "[train]\nsteps = 4\nbatch_size = 32\nlog_every = 2\nsample_every = 0\n"
                           "ckpt_every = 0\ntoyviz_every = 4\nprogress = none\n") == 0,
           "%s", gt_error());
    char *dec = decode_run("ev_toy");
    if (!dec) return;
    char path[1100], *want = NULL;
    size_t len = 0;
    /* log.csv's columns, and D's accuracy as toyviz/accuracy.csv has it */
    snprintf(path, sizeof path, "%s/ev_toy/log.csv", gt_test_tmpdir());
    CHECK(csv_scalars(path, &want, &len) == 2);
    char *got = scalar_lines(dec, NULL, "d_accuracy");
    CHECKF(!strcmp(got, want), "TensorBoard scalars:\n%s\nlog.csv:\n%s", got, want);
    free(got);
    free(want);
    want = NULL, len = 0;
    snprintf(path, sizeof path, "%s/ev_toy/toyviz/accuracy.csv", gt_test_tmpdir());
    CHECK(csv_scalars(path, &want, &len) == 1);
    got = scalar_lines(dec, "d_accuracy", NULL);
    CHECKF(!strcmp(got, want), "TensorBoard d_accuracy:\n%s\naccuracy.csv:\n%s", got, want);
    /* the frame of step 4 (frame_000001.png: numbered step / every) as an image */
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/ev_toy", gt_test_tmpdir());
    if (!check_images(dec, "toyviz", dir, "toyviz/frame_%06d.png", (int[]){4}, 1, 4)) return;
    free(got);
    free(want);
    free(dec);
}
