/* log.h — leveled messages to stderr (info, warnings, debug). */
#ifndef GANTRAIN_LOG_H
#define GANTRAIN_LOG_H

enum { GT_LOG_QUIET = 0, GT_LOG_WARN = 1, GT_LOG_INFO = 2, GT_LOG_DEBUG = 3 };

void gt_log_set_level(int level);
int gt_log_level(void);
void gt_log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void gt_log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
