/* args.c — long-option scanning and strict number parsing for the CLI. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gantrain/cli.h"

int gt_cli_error(int code, const char *fmt, ...) {
    va_list ap;
    fflush(stdout);
    fputs("gantrain: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return code;
}

void gt_args_init(gt_args *a, int argc, char **argv) {
    memset(a, 0, sizeof *a);
    a->argc = argc;
    a->argv = argv;
    a->i = 1; /* argv[0] is the command */
}

int gt_args_next(gt_args *a, const char **name, const char **value, int takes_value) {
    (void)takes_value;
    while (a->i < a->argc) {
        char *s = a->argv[a->i++];
        if (s[0] == '-' && s[1] == '-' && s[2]) {
            static _Thread_local char nbuf[128];
            const char *eq = strchr(s, '=');
            if (eq) {
                size_t len = (size_t)(eq - s - 2);
                if (len >= sizeof nbuf) len = sizeof nbuf - 1;
                memcpy(nbuf, s + 2, len);
                nbuf[len] = 0;
                *name = nbuf;
                *value = eq + 1;
            } else {
                *name = s + 2;
                *value = NULL;
            }
            return 1;
        }
        if (s[0] == '-' && s[1] && s[1] != '-' && s[2] == 0) {
            *name = s + 1; /* short flag such as -h */
            *value = NULL;
            return 1;
        }
        if (a->n_pos < 16) a->pos[a->n_pos++] = s;
    }
    return 0;
}

int gt_parse_int(const char *s, long lo, long hi, long *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

int gt_parse_float(const char *s, double lo, double hi, double *out) {
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || *end || !isfinite(v) || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}
