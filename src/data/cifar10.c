/* cifar10.c — CIFAR-10, binary version: data_batch_1..5.bin (train) and
 * test_batch.bin (test), records of 1 label byte + 3072 pixel bytes stored
 * as the R plane, the G plane, the B plane of a 32x32 image (row-major):
 * exactly gantrain's [C, H, W] layout, so a record's pixels are copied
 * as they are.  Class names come from batches.meta.txt. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gantrain/error.h"
#include "gantrain/fileio.h"
#include "internal.h"

enum { REC = 1 + 3 * 32 * 32 };

static const char *const builtin_names[10] = {"airplane", "automobile", "bird", "cat", "deer",
                                              "dog", "frog", "horse", "ship", "truck"};

/* The directory holding the batches: PATH, or PATH/cifar-10-batches-bin as
 * the tarball unpacks. */
static int find_dir(const gt_data_opts *o, char *dir, size_t cap) {
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/cifar-10-batches-bin", o->path);
    if (gt_is_dir(probe)) {
        snprintf(dir, cap, "%s", probe);
        return GT_OK;
    }
    if (!gt_is_dir(o->path))
        return gt_error_set("%s: no such directory (the cifar10 dataset); %s", o->path, gt__fetch_hint(o));
    snprintf(dir, cap, "%s", o->path);
    return GT_OK;
}

static int read_names(gt_dataset *ds, const char *dir) {
    char path[1300];
    snprintf(path, sizeof path, "%s/batches.meta.txt", dir);
    ds->n_classes = 10;
    ds->class_names = gt_xcalloc(10, sizeof *ds->class_names);
    if (!gt_path_exists(path)) {
        for (int k = 0; k < 10; k++) ds->class_names[k] = gt_xstrdup(builtin_names[k]);
        gt__desc(ds, "class names built in (%s not found)", path);
        return GT_OK;
    }
    char *text;
    if (gt_read_file(path, &text, NULL)) return GT_ERR;
    int n = 0;
    for (char *line = text, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = 0;
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t')) line[--len] = 0;
        while (*line == ' ' || *line == '\t') line++;
        if (!*line) continue;
        if (n == 10) {
            n++;
            break;
        }
        ds->class_names[n++] = gt_xstrdup(line);
    }
    free(text);
    if (n != 10)
        return gt_error_set("%s: %s class names, want 10 (one per line)", path, n > 10 ? "more than 10" : n == 0 ? "no" : "fewer than 10");
    gt__desc(ds, "read %s: %s, ...", path, ds->class_names[0]);
    return GT_OK;
}

static int read_batch(gt_dataset *ds, const gt_data_opts *o, const char *dir, const char *name) {
    char path[1300];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return gt_error_set("%s: not found; %s", path, gt__fetch_hint(o));
        return gt_error_set("%s: cannot open: %s", path, strerror(errno));
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        fclose(f);
        return gt_error_set("%s: cannot stat: %s", path, strerror(errno));
    }
    long long size = (long long)st.st_size;
    if (size == 0 || size % REC) {
        fclose(f);
        if (size == 0) return gt_error_set("%s: empty file; download it again", path);
        return gt_error_set("%s: %lld bytes is not a whole number of %d-byte records (1 label + "
                            "32x32x3 pixels): truncated? download it again",
                            path, size, REC);
    }
    int64_t n = size / REC;
    uint8_t *buf = gt_xmalloc((size_t)size);
    size_t got = fread(buf, 1, (size_t)size, f);
    fclose(f);
    if ((long long)got != size) {
        free(buf);
        return gt_error_set("%s: read error (%zu of %lld bytes)", path, got, size);
    }
    ds->pix = gt_xrealloc(ds->pix, (size_t)(ds->count + n) * (REC - 1));
    ds->labels = gt_xrealloc(ds->labels, (size_t)(ds->count + n) * sizeof *ds->labels);
    for (int64_t i = 0; i < n; i++) {
        const uint8_t *r = buf + i * REC;
        if (r[0] >= 10) {
            int label = r[0];
            free(buf);
            return gt_error_set("%s: record %lld has label %d, but CIFAR-10 has classes 0..9; not "
                                "a CIFAR-10 binary batch?",
                                path, (long long)i, label);
        }
        ds->labels[ds->count + i] = r[0];
        memcpy(ds->pix + (ds->count + i) * (REC - 1), r + 1, REC - 1);
    }
    free(buf);
    ds->count += n;
    gt__desc(ds, "read %s (%lld bytes): %lld images", path, size, (long long)n);
    return GT_OK;
}

int gt__cifar10_load(gt_dataset *ds, const gt_data_opts *o) {
    char dir[1200];
    if (find_dir(o, dir, sizeof dir)) return GT_ERR;
    gt__desc(ds, "directory %s", dir);
    ds->c = 3, ds->h = 32, ds->w = 32, ds->dim = REC - 1;
    if (read_names(ds, dir)) return GT_ERR;
    if (o->split != GT_SPLIT_TEST)
        for (int b = 1; b <= 5; b++) {
            char name[32];
            snprintf(name, sizeof name, "data_batch_%d.bin", b);
            if (read_batch(ds, o, dir, name)) return GT_ERR;
        }
    if (o->split != GT_SPLIT_TRAIN && read_batch(ds, o, dir, "test_batch.bin")) return GT_ERR;
    return GT_OK;
}
