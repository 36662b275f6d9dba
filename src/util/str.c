/* str.c - string views and the capped growable buffer (see str.h). */
#include "util/str.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/xalloc.h"

str str_c(const char *s)
{
    return s ? (str){s, strlen(s)} : (str){"", 0};
}

str str_sub(str s, size_t off, size_t len)
{
    if (off > s.len) {
        off = s.len;
    }
    if (len > s.len - off) {
        len = s.len - off;
    }
    return (str){s.ptr + off, len};
}

bool str_eq(str a, str b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

bool str_eqi(str a, str b)
{
    if (a.len != b.len) {
        return false;
    }
    for (size_t i = 0; i < a.len; i++) {
        if (lower((unsigned char)a.ptr[i]) != lower((unsigned char)b.ptr[i])) {
            return false;
        }
    }
    return true;
}

bool str_starts(str s, str prefix)
{
    return s.len >= prefix.len && str_eq(str_sub(s, 0, prefix.len), prefix);
}

bool str_startsi(str s, str prefix)
{
    return s.len >= prefix.len && str_eqi(str_sub(s, 0, prefix.len), prefix);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

str str_trim(str s)
{
    while (s.len && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_space(s.ptr[s.len - 1])) {
        s.len--;
    }
    return s;
}

bool str_cut(str *rest, char sep, str *out_head)
{
    if (rest->len == 0) {
        return false;
    }
    const char *p = memchr(rest->ptr, sep, rest->len);
    if (!p) {
        *out_head = *rest;
        rest->ptr += rest->len;
        rest->len = 0;
        return true;
    }
    size_t n = (size_t)(p - rest->ptr);
    *out_head = (str){rest->ptr, n};
    rest->ptr += n + 1;
    rest->len -= n + 1;
    return true;
}

void buf_init(buf *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

ds_rc buf_append(buf *b, const void *p, size_t n)
{
    if (b->max && (n > b->max || b->len > b->max - n)) {
        return DS_ETOOBIG;
    }
    b->ptr = xgrow(b->ptr, &b->cap, b->len + n + 1, 1);
    if (n) {
        memcpy(b->ptr + b->len, p, n);
    }
    b->len += n;
    b->ptr[b->len] = '\0';
    return DS_OK;
}

ds_rc buf_puts(buf *b, const char *s)
{
    return buf_append(b, s, strlen(s));
}

ds_rc buf_putc(buf *b, char c)
{
    return buf_append(b, &c, 1);
}

ds_rc buf_printf(buf *b, const char *fmt, ...)
{
    va_list ap;
    char small[256];
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        return DS_EBUG;
    }
    if ((size_t)n < sizeof small) {
        return buf_append(b, small, (size_t)n);
    }
    char *big = xmalloc((size_t)n + 1);
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ds_rc rc = buf_append(b, big, (size_t)n);
    xfree(big);
    return rc;
}

void buf_reset(buf *b)
{
    b->len = 0;
    if (b->ptr) {
        b->ptr[0] = '\0';
    }
}

str buf_str(const buf *b)
{
    return b->ptr ? (str){b->ptr, b->len} : (str){"", 0};
}

char *buf_take(buf *b, size_t *out_len)
{
    char *p = b->ptr ? b->ptr : xstrdup("");
    if (out_len) {
        *out_len = b->len;
    }
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

void buf_fini(buf *b)
{
    xfree(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

bool str_to_i64(str s, long long *out)
{
    char tmp[32];
    if (s.len == 0 || s.len >= sizeof tmp) {
        return false;
    }
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    char *end;
    errno = 0;
    long long v = strtoll(tmp, &end, 10);
    if (errno || *end != '\0') {
        return false;
    }
    *out = v;
    return true;
}
