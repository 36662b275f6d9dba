/* json.c - the streaming JSON writer (see json.h). */
#include "json/json.h"

#include <math.h>
#include <stdio.h>

void json_init(json_w *j, buf *out)
{
    j->out = out;
    j->depth = 0;
    j->first[0] = true;
    j->after_key = false;
}

/* Writes the separator that must precede a value at the current depth. */
static void sep(json_w *j)
{
    if (j->after_key) {
        j->after_key = false;
        return;
    }
    if (!j->first[j->depth]) {
        buf_putc(j->out, ',');
    }
    j->first[j->depth] = false;
}

static void open(json_w *j, char c)
{
    sep(j);
    buf_putc(j->out, c);
    if (j->depth + 1 < JSON_MAX_DEPTH) {
        j->depth++;
    }
    j->first[j->depth] = true;
    j->closer[j->depth] = c == '{' ? '}' : ']';
}

void json_obj(json_w *j)
{
    open(j, '{');
}

void json_arr(json_w *j)
{
    open(j, '[');
}

void json_end(json_w *j)
{
    if (j->depth > 0) {
        buf_putc(j->out, j->closer[j->depth]);
        j->depth--;
    }
}

static void put_escaped(buf *b, str s);

void json_key(json_w *j, const char *key)
{
    sep(j);
    put_escaped(j->out, str_c(key));
    buf_putc(j->out, ':');
    j->after_key = true;
}

static void put_escaped(buf *b, str s)
{
    static const char hex[] = "0123456789abcdef";
    buf_putc(b, '"');
    size_t run = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c >= 0x20 && c != '"' && c != '\\') {
            continue;
        }
        buf_append(b, s.ptr + run, i - run);
        run = i + 1;
        switch (c) {
        case '"':
            buf_puts(b, "\\\"");
            break;
        case '\\':
            buf_puts(b, "\\\\");
            break;
        case '\n':
            buf_puts(b, "\\n");
            break;
        case '\r':
            buf_puts(b, "\\r");
            break;
        case '\t':
            buf_puts(b, "\\t");
            break;
        default: {
            char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            buf_append(b, u, 6);
        }
        }
    }
    buf_append(b, s.ptr + run, s.len - run);
    buf_putc(b, '"');
}

void json_strn(json_w *j, str s)
{
    sep(j);
    put_escaped(j->out, s);
}

void json_str(json_w *j, const char *s)
{
    if (!s) {
        json_null(j);
        return;
    }
    json_strn(j, str_c(s));
}

void json_int(json_w *j, int64_t v)
{
    sep(j);
    buf_printf(j->out, "%lld", (long long)v);
}

void json_num(json_w *j, double v)
{
    sep(j);
    if (isfinite(v)) {
        buf_printf(j->out, "%.6g", v);
    } else {
        buf_puts(j->out, "null");
    }
}

void json_bool(json_w *j, bool v)
{
    sep(j);
    buf_puts(j->out, v ? "true" : "false");
}

void json_null(json_w *j)
{
    sep(j);
    buf_puts(j->out, "null");
}

void json_kv_str(json_w *j, const char *key, const char *s)
{
    json_key(j, key);
    json_str(j, s);
}

void json_kv_int(json_w *j, const char *key, int64_t v)
{
    json_key(j, key);
    json_int(j, v);
}

void json_kv_num(json_w *j, const char *key, double v)
{
    json_key(j, key);
    json_num(j, v);
}
