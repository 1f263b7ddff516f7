/* log.c — leveled messages to stderr. The level is process-wide settings, not state. */
#include "gantrain/log.h"

#include <stdarg.h>
#include <stdio.h>

static int log_level = GT_LOG_INFO;

void gt_log_set_level(int level) { log_level = level; }
int gt_log_level(void) { return log_level; }

static void vlog(int level, const char *tag, const char *fmt, va_list ap) {
    if (level > log_level) return;
    fputs(tag, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

#define GT_LOG_FN(name, level, tag)          \
    void name(const char *fmt, ...) {        \
        va_list ap;                          \
        va_start(ap, fmt);                   \
        vlog(level, tag, fmt, ap);           \
        va_end(ap);                          \
    }
GT_LOG_FN(gt_log_warn, GT_LOG_WARN, "gantrain: warning: ")
GT_LOG_FN(gt_log_info, GT_LOG_INFO, "")
GT_LOG_FN(gt_log_debug, GT_LOG_DEBUG, "debug: ")
