/* err.h - the project-wide status code and error record.
 *
 * Every fallible function returns a ds_rc and takes a `ds_err *e` as its last
 * parameter (which may be NULL). The message names what failed and where;
 * it is written once, at the place that knows, and printed once, at the edge
 * (a CLI command or, later, an HTTP handler). */
#ifndef UTIL_ERR_H
#define UTIL_ERR_H

#include <stddef.h>

typedef enum ds_rc {
    DS_OK = 0,
    DS_EINVAL,    /* bad argument or request */
    DS_ENOTFOUND, /* no such entity, document, model */
    DS_ECONFLICT, /* exists already, or concurrent change */
    DS_ETOOBIG,   /* input over a size budget */
    DS_EFORMAT,   /* malformed input file, model file or UTF-8 */
    DS_EIO,       /* operating-system I/O failure */
    DS_EDB,       /* SQLite failure */
    DS_EBUG       /* broken invariant: a bug in our code */
} ds_rc;

typedef struct ds_err {
    ds_rc rc;
    char msg[512]; /* human-readable, no trailing newline */
} ds_err;

#define DS_MUST_USE __attribute__((warn_unused_result))

/* Fills *e (if non-NULL) with rc and the formatted message and returns rc,
 * so callers can write `return ds_fail(e, DS_EIO, "open %s: ...", p);`. */
ds_rc ds_fail(ds_err *e, ds_rc rc, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prefixes the message already in *e with "prefix: " (for adding the file
 * name at an outer level). Returns e->rc. Does nothing when e is NULL. */
ds_rc ds_wrap(ds_err *e, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* "EINVAL", ... for logs and JSON. Never NULL. */
const char *ds_rc_name(ds_rc rc);

/* Resets *e to DS_OK with an empty message. */
void ds_err_clear(ds_err *e);

#endif
