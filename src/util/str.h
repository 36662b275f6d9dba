/* str.h - length-delimited string views and a growable byte buffer.
 *
 * Inside the program text travels as `str` (a borrowed view: pointer plus
 * length, not NUL-terminated). NUL-terminated strings appear only where an API
 * demands them (paths, argv, printf). `buf` is the one growable buffer, with
 * a hard cap so that hostile input hits a budget instead of the heap. */
#ifndef UTIL_STR_H
#define UTIL_STR_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"

typedef struct str {
    const char *ptr;
    size_t len;
} str;

#define STR(lit)   ((str){(lit), sizeof(lit) - 1})
#define STR_FMT    "%.*s"
#define STR_ARG(s) (int)(s).len, (s).ptr

/* A view of the NUL-terminated string s (NULL gives the empty view). */
str str_c(const char *s);
/* The substring [off, off+len), clamped to s: never overruns. */
str str_sub(str s, size_t off, size_t len);
bool str_eq(str a, str b);
/* ASCII case-insensitive equality. */
bool str_eqi(str a, str b);
bool str_starts(str s, str prefix);
/* ASCII case-insensitive prefix test. */
bool str_startsi(str s, str prefix);
/* s without leading and trailing ASCII white space. */
str str_trim(str s);
/* Cursor-style split: the part of *rest before the first `sep` goes to
 * *out_head and *rest moves past the separator. Returns false when *rest is
 * empty on entry. */
bool str_cut(str *rest, char sep, str *out_head);

/* Growable byte buffer with a hard cap `max` (0 means no cap). The content
 * is always NUL-terminated once anything was appended. */
typedef struct buf {
    char *ptr;
    size_t len, cap, max;
} buf;

void buf_init(buf *b, size_t max);
/* Appends bytes; DS_ETOOBIG (buffer unchanged) when the cap would be
 * passed. */
ds_rc buf_append(buf *b, const void *p, size_t n);
ds_rc buf_puts(buf *b, const char *s);
ds_rc buf_putc(buf *b, char c);
ds_rc buf_printf(buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Drops the content, keeps the memory. */
void buf_reset(buf *b);
/* The content as a view (valid until the next change to b). */
str buf_str(const buf *b);
/* Hands the content to the caller (free with xfree) and resets b. Never
 * returns NULL. */
char *buf_take(buf *b, size_t *out_len);
void buf_fini(buf *b);

/* Checked number parsing: the whole of s must be the number. */
bool str_to_i64(str s, long long *out);

#endif
