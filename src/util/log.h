/* log.h - one logging macro; diagnostics go to stderr, data to stdout.
 *
 * Levels per module come from DS_LOG ("info", or "warn,kg=debug"). The level
 * is checked before the arguments are evaluated. */
#ifndef UTIL_LOG_H
#define UTIL_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

bool log_enabled(enum log_level lvl, const char *module);
void log_write(enum log_level lvl, const char *module, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Sets the levels from a DS_LOG-style spec; NULL reads $DS_LOG. */
void log_configure(const char *spec);

#define LOG(lvl, module, ...)                                                  \
    do {                                                                       \
        if (log_enabled((lvl), (module)))                                      \
            log_write((lvl), (module), __VA_ARGS__);                           \
    } while (0)

#endif
