/* err.c - the project-wide error record (see err.h). */
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

ds_rc ds_fail(ds_err *e, ds_rc rc, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        e->rc = rc;
    }
    return rc;
}

ds_rc ds_wrap(ds_err *e, const char *fmt, ...)
{
    if (!e) {
        return DS_EBUG;
    }
    char prefix[256];
    char old[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, e->msg, sizeof old);
    snprintf(e->msg, sizeof e->msg, "%.200s: %.300s", prefix, old);
    return e->rc;
}

const char *ds_rc_name(ds_rc rc)
{
    switch (rc) {
    case DS_OK:
        return "OK";
    case DS_EINVAL:
        return "EINVAL";
    case DS_ENOTFOUND:
        return "ENOTFOUND";
    case DS_ECONFLICT:
        return "ECONFLICT";
    case DS_ETOOBIG:
        return "ETOOBIG";
    case DS_EFORMAT:
        return "EFORMAT";
    case DS_EIO:
        return "EIO";
    case DS_EDB:
        return "EDB";
    case DS_EBUG:
        return "EBUG";
    }
    return "EUNKNOWN";
}

void ds_err_clear(ds_err *e)
{
    if (e) {
        e->rc = DS_OK;
        e->msg[0] = '\0';
    }
}
