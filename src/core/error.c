/* error.c — the thread-local error buffer, panics and checked allocation. */
#include "gantrain/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local char err_buf[1024];

/* Messages quote names read from files (archive members, tensor names,
 * config values): control characters in them would break the one-line
 * message or drive the terminal, so they are shown as '?'. */
static void one_line(char *s) {
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) *s = '?';
}

static void vset(const char *fmt, va_list ap) {
    vsnprintf(err_buf, sizeof err_buf, fmt, ap);
    one_line(err_buf);
}

int gt_error_set(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    return GT_ERR;
}

int gt_error_setc(int code, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vset(fmt, ap);
    va_end(ap);
    return code;
}

void gt_error_prefix(const char *fmt, ...) {
    char pre[512], old[sizeof err_buf];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof pre, fmt, ap);
    va_end(ap);
    memcpy(old, err_buf, sizeof old);
    /* a message too long for the buffer is cut, which is acceptable */
    if (snprintf(err_buf, sizeof err_buf, "%s: %s", pre, old) >= (int)sizeof err_buf)
        err_buf[sizeof err_buf - 1] = 0;
    one_line(err_buf);
}

const char *gt_error(void) { return err_buf[0] ? err_buf : "unknown error"; }
void gt_error_clear(void) { err_buf[0] = 0; }

void gt_panic(const char *file, int line, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "gantrain: internal error at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void gt_fatal(const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("gantrain: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

void *gt_xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) gt_fatal("out of memory allocating %zu bytes", n);
    return p;
}

void *gt_xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) gt_fatal("out of memory allocating %zu x %zu bytes", count, size);
    return p;
}

void *gt_xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) gt_fatal("out of memory reallocating to %zu bytes", n);
    return q;
}

char *gt_xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    char *p = gt_xmalloc(n);
    memcpy(p, s, n);
    return p;
}
