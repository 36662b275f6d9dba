/* log.c - levelled logging to stderr (see log.h). */
#include "util/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_RULES 16

static struct {
    char module[24];
    enum log_level lvl;
} rules[MAX_RULES];
static int n_rules;
static enum log_level default_lvl = LOG_WARN;

static bool parse_level(const char *s, size_t n, enum log_level *out)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    for (int i = 0; i < 4; i++) {
        if (strlen(names[i]) == n && strncmp(names[i], s, n) == 0) {
            *out = (enum log_level)i;
            return true;
        }
    }
    return false;
}

void log_configure(const char *spec)
{
    if (!spec) {
        spec = getenv("DS_LOG");
    }
    if (!spec) {
        return;
    }
    n_rules = 0;
    const char *p = spec;
    while (*p) {
        const char *comma = strchr(p, ',');
        size_t n = comma ? (size_t)(comma - p) : strlen(p);
        const char *eq = memchr(p, '=', n);
        enum log_level lvl;
        if (eq) {
            size_t mn = (size_t)(eq - p);
            if (n_rules < MAX_RULES && mn < sizeof rules[0].module &&
                parse_level(eq + 1, n - mn - 1, &lvl)) {
                memcpy(rules[n_rules].module, p, mn);
                rules[n_rules].module[mn] = '\0';
                rules[n_rules].lvl = lvl;
                n_rules++;
            }
        } else if (parse_level(p, n, &lvl)) {
            default_lvl = lvl;
        }
        p += n;
        if (*p == ',') {
            p++;
        }
    }
}

bool log_enabled(enum log_level lvl, const char *module)
{
    for (int i = 0; i < n_rules; i++) {
        if (strcmp(rules[i].module, module) == 0) {
            return lvl >= rules[i].lvl;
        }
    }
    return lvl >= default_lvl;
}

void log_write(enum log_level lvl, const char *module, const char *fmt, ...)
{
    static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};
    struct timespec ts;
    struct tm tm;
    char when[32];
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    char line[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    fprintf(stderr, "%s.%03ldZ %s %s: %s\n", when, ts.tv_nsec / 1000000,
            names[lvl], module, line);
}
