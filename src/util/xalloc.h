/* xalloc.h - heap allocation that aborts on exhaustion.
 *
 * We are an application on Linux, where malloc rarely fails honestly; what we
 * can fail on reliably is hostile input size, and that is handled by budgets
 * (buf.h, arena.h), not here. Raw malloc/free are banned elsewhere. */
#ifndef UTIL_XALLOC_H
#define UTIL_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
/* Grows an array: returns p resized to hold at least `need` items of
 * `size` bytes, updating *cap (doubling). */
void *xgrow(void *p, size_t *cap, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void xfree(void *p);

#endif
