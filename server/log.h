#ifndef SUMMITD_SERVER_LOG_H
#define SUMMITD_SERVER_LOG_H

/* One line per event, written with a single write(2) to stderr, so lines from several threads
 * never interleave. Formatting is skipped below the configured level. */

enum log_level { LOG_ERROR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_current_level; /* set once at start-up, before threads exist */

void log_set_level(enum log_level level);
/* Parses "error|warn|info|debug"; returns -1 when unknown. */
int log_level_parse(const char *s);
void log_write(enum log_level level, const char *reqid, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define LOG_AT(level, reqid, ...)                                                                  \
    do {                                                                                           \
        if ((int)(level) <= log_current_level)                                                     \
            log_write((level), (reqid), __VA_ARGS__);                                              \
    } while (0)

#define log_error(...) LOG_AT(LOG_ERROR, NULL, __VA_ARGS__)
#define log_warn(...) LOG_AT(LOG_WARN, NULL, __VA_ARGS__)
#define log_info(...) LOG_AT(LOG_INFO, NULL, __VA_ARGS__)
#define log_debug(...) LOG_AT(LOG_DEBUG, NULL, __VA_ARGS__)

/* Request-scoped: prefixes the request id. */
#define rlog_error(reqid, ...) LOG_AT(LOG_ERROR, (reqid), __VA_ARGS__)
#define rlog_warn(reqid, ...) LOG_AT(LOG_WARN, (reqid), __VA_ARGS__)
#define rlog_info(reqid, ...) LOG_AT(LOG_INFO, (reqid), __VA_ARGS__)

#endif
