/* fileio.c — atomic whole-file writes (tmp + fsync + rename + dir fsync),
 * whole-file reads, mkdir -p, and the GT_FAULT_WRITE hook that simulates a
 * full disk in tests. */
#define _GNU_SOURCE /* fopencookie, for GT_FAULT_WRITE */
#include "gantrain/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gantrain/error.h"

int gt_atomic_open(gt_atomic_file *af, const char *path) {
    memset(af, 0, sizeof *af);
    size_t n = strlen(path) + 32;
    af->path = gt_xstrdup(path);
    af->tmp = gt_xmalloc(n);
    snprintf(af->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    af->f = gt_fault_wrap(fopen(af->tmp, "wb"), af->tmp);
    if (!af->f) {
        int e = errno;
        free(af->path);
        free(af->tmp);
        memset(af, 0, sizeof *af);
        return gt_error_set("cannot write %s: %s", path, strerror(e));
    }
    return GT_OK;
}

static void fsync_dir(const char *path) {
    char *d = gt_xstrdup(path);
    char *slash = strrchr(d, '/');
    if (slash)
        slash == d ? (void)(slash[1] = 0) : (void)(*slash = 0);
    else
        strcpy(d, ".");
    int fd = open(d, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) {
        fsync(fd); /* best effort: some filesystems refuse directory fsync */
        close(fd);
    }
    free(d);
}

int gt_atomic_commit(gt_atomic_file *af) {
    int rc = GT_OK, e = 0;
    if (!af->f) return gt_error_set("internal: commit of a file that is not open");
    errno = 0;
    if (ferror(af->f) || gt_fsync(af->f) != 0) e = errno ? errno : EIO;
    if (fclose(af->f) != 0 && !e) e = errno ? errno : EIO;
    af->f = NULL;
    if (!e && rename(af->tmp, af->path) != 0) e = errno;
    if (e) {
        rc = gt_error_set("cannot write %s: %s", af->path, strerror(e));
        unlink(af->tmp);
    } else {
        fsync_dir(af->path);
    }
    free(af->path);
    free(af->tmp);
    af->path = af->tmp = NULL;
    return rc;
}

void gt_atomic_abort(gt_atomic_file *af) {
    if (af->f) fclose(af->f);
    if (af->tmp) unlink(af->tmp);
    free(af->path);
    free(af->tmp);
    memset(af, 0, sizeof *af);
}

int gt_write_file_atomic(const char *path, const void *data, size_t len) {
    gt_atomic_file af;
    if (gt_atomic_open(&af, path)) return GT_ERR;
    if (len && fwrite(data, 1, len, af.f) != len) {
        int e = errno;
        gt_atomic_abort(&af);
        return gt_error_set("cannot write %s: %s", path, strerror(e ? e : EIO));
    }
    return gt_atomic_commit(&af);
}

int gt_read_file(const char *path, char **data, size_t *len) {
    FILE *f = fopen(path, "rb");
    if (!f) return gt_error_set("cannot read %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fileno(f), &st) == 0 && (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode))) {
        fclose(f); /* /dev/zero would be read for ever */
        return gt_error_set("cannot read %s: it is a device, not a file", path);
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = gt_xmalloc(cap + 1);
    for (;;) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        cap *= 2;
        buf = gt_xrealloc(buf, cap + 1);
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return gt_error_set("cannot read %s: I/O error", path);
    }
    buf[n] = 0;
    *data = buf;
    if (len) *len = n;
    return GT_OK;
}

int gt_mkdirs(const char *path) {
    char *p = gt_xstrdup(path);
    for (char *s = p + 1;; s++) {
        if (*s == '/' || *s == 0) {
            char keep = *s;
            *s = 0;
            if (mkdir(p, 0777) != 0 && errno != EEXIST) {
                int e = errno;
                gt_error_set("cannot create directory %s: %s", p, strerror(e));
                free(p);
                return GT_ERR;
            }
            *s = keep;
            if (!keep) break;
        }
    }
    free(p);
    if (!gt_is_dir(path)) return gt_error_set("%s exists and is not a directory", path);
    return GT_OK;
}

int gt_path_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

void gt_shipped_path(const char *rel, char *buf, size_t size) {
    snprintf(buf, size, "%s", rel);
    if (rel[0] == '/' || gt_path_exists(rel)) return;
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0;
    char alt[4096 + 256];
    snprintf(alt, sizeof alt, "%s/%s", exe, rel);
    if (gt_path_exists(alt)) snprintf(buf, size, "%s", alt);
}

int gt_is_dir(const char *path) {
    struct stat st;
    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int gt_fsync(FILE *f) {
    if (fflush(f) != 0) return -1;
    int fd = fileno(f);
    /* only GT_FAULT_WRITE's streams have no descriptor; they write(2)
     * straight to theirs, so there is nothing buffered to lose */
    return fd < 0 ? 0 : fsync(fd);
}

/* ---- GT_FAULT_WRITE ------------------------------------------------------ */

typedef struct fault_stream {
    FILE *inner; /* owns the descriptor; never written through */
    int fd;
    long long left;
    int kill;    /* ":kill": die by SIGKILL instead of failing */
} fault_stream;

static ssize_t fault_write(void *c, const char *buf, size_t n) {
    fault_stream *fs = c;
    size_t k = (long long)n > fs->left ? (size_t)(fs->left > 0 ? fs->left : 0) : n;
    ssize_t w = k ? write(fs->fd, buf, k) : 0;
    if (w > 0) fs->left -= w;
    if (w < 0) return -1;
    if ((size_t)w < n) {
        if (fs->kill) raise(SIGKILL); /* kill -9 at exactly this byte */
        errno = ENOSPC; /* a short write: stdio reports the error */
        return w ? w : -1;
    }
    return w;
}

static int fault_seek(void *c, off64_t *pos, int whence) {
    fault_stream *fs = c;
    off_t r = lseek(fs->fd, (off_t)*pos, whence);
    if (r < 0) return -1;
    *pos = r;
    return 0;
}

static int fault_close(void *c) {
    fault_stream *fs = c;
    int rc = fclose(fs->inner);
    free(fs);
    return rc;
}

/* BYTES of the first rule whose PATTERN is in path, or -1; *kill for a
 * rule ending in ":kill". */
static long long fault_budget(const char *path, int *kill) {
    const char *env = getenv("GT_FAULT_WRITE");
    if (!env || !*env) return -1;
    char *rules = gt_xstrdup(env), *save = NULL;
    long long r = -1;
    for (char *t = strtok_r(rules, ",", &save); t && r < 0; t = strtok_r(NULL, ",", &save)) {
        char *colon = strrchr(t, ':');
        *kill = colon && !strcmp(colon, ":kill");
        if (*kill) {
            *colon = 0;
            colon = strrchr(t, ':');
        }
        if (!colon || colon == t) continue;
        *colon = 0;
        if (strstr(path, t)) r = strtoll(colon + 1, NULL, 10);
    }
    free(rules);
    return r < 0 ? -1 : r;
}

FILE *gt_fault_wrap(FILE *f, const char *path) {
    long long budget;
    int kill = 0;
    if (!f || (budget = fault_budget(path, &kill)) < 0) return f;
    fault_stream *fs = gt_xcalloc(1, sizeof *fs);
    fs->inner = f;
    fs->fd = fileno(f);
    fs->left = budget;
    fs->kill = kill;
    cookie_io_functions_t io = {NULL, fault_write, fault_seek, fault_close};
    FILE *w = fopencookie(fs, "wb", io);
    if (!w) {
        free(fs);
        return f;
    }
    return w;
}
