/* log.h — one line per event, to stderr (journald picks it up). Never pass a
 * secret to these functions. */
#ifndef PACKETD_LOG_H
#define PACKETD_LOG_H

enum log_level { LOG_LEVEL_DEBUG, LOG_LEVEL_INFO, LOG_LEVEL_WARN, LOG_LEVEL_ERROR };

void log_set_level(enum log_level level);
/* After -v: the config's log_level no longer changes the level. */
void log_lock_level(void);
/* Applies the config's log_level ("debug", "info", "warn", "error"); returns
 * -1 for another name. NULL leaves the level as it is. */
int log_set_level_name(const char *name);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A one-line progress display, rewritten in place: only when stderr is a
 * terminal (never into a log file or the journal); the next log line or
 * log_progress_end clears it. */
void log_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_progress_end(void);

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

#endif
