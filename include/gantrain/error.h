/* error.h — the error buffer and the invariant checks.
 *
 * Recoverable failures (bad file, bad config, I/O) set a one-line message
 * with gt_error_set() and return a non-zero code / NULL; only cli/ prints it
 * and turns it into an exit status.  Broken invariants inside the core (shape
 * mismatches, impossible states) abort at once with file:line via GT_ASSERT.
 */
#ifndef GANTRAIN_ERROR_H
#define GANTRAIN_ERROR_H

#include <stdarg.h>
#include <stdnoreturn.h>

/* Error codes returned by recoverable functions. */
enum {
    GT_OK = 0,
    GT_ERR = 1,        /* runtime failure: I/O, corrupt file, divergence */
    GT_ERR_USAGE = 2,  /* usage or config error */
};

/* Sets the message (printf-style); replaces any previous one. Returns GT_ERR. */
int gt_error_set(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Same, returning `code` instead, for usage/config errors. */
int gt_error_setc(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prepends "prefix: " to the current message (adds context on the way up). */
void gt_error_prefix(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char *gt_error(void);
void gt_error_clear(void);

/* Prints "gantrain: internal error at file:line: msg" and aborts. */
noreturn void gt_panic(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Prints "gantrain: msg" and exits 1: for conditions that cannot be recovered
 * mid-step but are not bugs (out of memory). */
noreturn void gt_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#define GT_ASSERT(cond)                                                       \
    do {                                                                      \
        if (!(cond)) gt_panic(__FILE__, __LINE__, "assertion '%s' failed", #cond); \
    } while (0)
#define GT_ASSERTF(cond, ...)                                                 \
    do {                                                                      \
        if (!(cond)) gt_panic(__FILE__, __LINE__, __VA_ARGS__);               \
    } while (0)

/* malloc/calloc/realloc that die with a clear message instead of returning NULL. */
#include <stddef.h>
void *gt_xmalloc(size_t n);
void *gt_xcalloc(size_t count, size_t size);
void *gt_xrealloc(void *p, size_t n);
char *gt_xstrdup(const char *s);

#endif
