/* utf8.c - the UTF-8 decoder, validator and repairer (see utf8.h). */
#include "util/utf8.h"

size_t utf8_next(const char *p, const char *end, uint32_t *out_cp)
{
    const unsigned char *s = (const unsigned char *)p;
    size_t avail = (size_t)(end - p);
    uint32_t cp;
    size_t n;
    *out_cp = 0xFFFD;
    if (avail == 0) {
        return 0;
    }
    unsigned char c = s[0];
    if (c < 0x80) {
        *out_cp = c;
        return 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07;
    } else {
        return 0;
    }
    if (avail < n) {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0) != 0x80) {
            return 0;
        }
        cp = (cp << 6) | (s[i] & 0x3F);
    }
    /* Overlong forms, surrogates and values past U+10FFFF. */
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
        (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) {
        return 0;
    }
    *out_cp = cp;
    return n;
}

size_t utf8_encode(uint32_t cp, char *out)
{
    unsigned char *o = (unsigned char *)out;
    if (cp < 0x80) {
        o[0] = (unsigned char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (unsigned char)(0xC0 | (cp >> 6));
        o[1] = (unsigned char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp >= 0xD800 && cp <= 0xDFFF) {
        return 0;
    }
    if (cp < 0x10000) {
        o[0] = (unsigned char)(0xE0 | (cp >> 12));
        o[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (unsigned char)(0x80 | (cp & 0x3F));
        return 3;
    }
    if (cp <= 0x10FFFF) {
        o[0] = (unsigned char)(0xF0 | (cp >> 18));
        o[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        o[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        o[3] = (unsigned char)(0x80 | (cp & 0x3F));
        return 4;
    }
    return 0;
}

bool utf8_validate(str s, size_t *out_bad)
{
    const char *p = s.ptr, *end = s.ptr + s.len;
    while (p < end) {
        /* Fast path over ASCII. */
        if ((unsigned char)*p < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_next(p, end, &cp);
        if (n == 0) {
            if (out_bad) {
                *out_bad = (size_t)(p - s.ptr);
            }
            return false;
        }
        p += n;
    }
    return true;
}

ds_rc utf8_repair(str s, buf *b, size_t *out_repl)
{
    static const char repl[] = "\xEF\xBF\xBD";
    const char *p = s.ptr, *end = s.ptr + s.len, *run = p;
    size_t count = 0;
    ds_rc rc = DS_OK;
    while (p < end) {
        if ((unsigned char)*p < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_next(p, end, &cp);
        if (n) {
            p += n;
            continue;
        }
        if ((rc = buf_append(b, run, (size_t)(p - run))) != DS_OK ||
            (rc = buf_append(b, repl, 3)) != DS_OK) {
            return rc;
        }
        count++;
        p++;
        /* Skip the continuation bytes of the broken sequence. */
        while (p < end && ((unsigned char)*p & 0xC0) == 0x80) {
            p++;
        }
        run = p;
    }
    rc = buf_append(b, run, (size_t)(p - run));
    if (out_repl) {
        *out_repl = count;
    }
    return rc;
}

void utf8_line_col(str s, size_t off, size_t *out_line, size_t *out_col)
{
    size_t line = 1, col = 1;
    if (off > s.len) {
        off = s.len;
    }
    for (size_t i = 0; i < off; i++) {
        if (s.ptr[i] == '\n') {
            line++;
            col = 1;
        } else {
            col++;
        }
    }
    *out_line = line;
    *out_col = col;
}
