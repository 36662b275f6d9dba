/* charset.c - conversion of declared charsets to UTF-8 with glibc iconv.
 *
 * HTML pages and e-mail parts declare their charset; everything after the
 * importers is UTF-8. Labels come from untrusted input, so they are
 * sanitised before iconv_open sees them (a "//TRANSLIT" suffix would change
 * iconv's behaviour) and mapped as browsers map them: WHATWG's Encoding
 * standard decodes "iso-8859-1" and "us-ascii" as windows-1252, which is
 * what senders labelled that way actually use. */
#include <errno.h>
#include <iconv.h>
#include <string.h>

#include "io/io_int.h"
#include "util/utf8.h"

/* Copies a charset label into out (lower case, only [a-z0-9._:-]); false
 * when it is empty or has other characters. */
static bool clean_label(const char *in, char out[48])
{
    str s = str_trim(str_c(in));
    if (s.len >= 2 && (s.ptr[0] == '"' || s.ptr[0] == '\'')) {
        s = str_trim(str_sub(s, 1, s.len - 2));
    }
    if (s.len == 0 || s.len >= 48) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c + 32);
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
              c == '_' || c == ':' || c == '-')) {
            return false;
        }
        out[i] = c;
    }
    out[s.len] = '\0';
    return true;
}

bool io_charset_is_utf8(const char *charset)
{
    char l[48];
    if (!charset || !clean_label(charset, l)) {
        return true;
    }
    return strcmp(l, "utf-8") == 0 || strcmp(l, "utf8") == 0 ||
           strcmp(l, "unicode-1-1-utf-8") == 0;
}

static const char *iconv_name(const char *l)
{
    static const char *const latin1[] = {
        "iso-8859-1",     "iso8859-1",  "latin1", "l1",     "us-ascii",
        "ascii",          "iso_8859-1", "cp819",  "ibm819", "x-user-defined",
        "ansi_x3.4-1968", "iso-ir-100", "cp1252"};
    for (size_t i = 0; i < sizeof latin1 / sizeof latin1[0]; i++) {
        if (strcmp(l, latin1[i]) == 0) {
            return "WINDOWS-1252";
        }
    }
    if (strcmp(l, "gb2312") == 0 || strcmp(l, "x-gbk") == 0) {
        return "GBK"; /* WHATWG: a superset that real senders rely on */
    }
    if (strcmp(l, "iso-8859-9") == 0 || strcmp(l, "latin5") == 0) {
        return "WINDOWS-1254";
    }
    if (strcmp(l, "tis-620") == 0 || strcmp(l, "iso-8859-11") == 0) {
        return "CP874";
    }
    return l;
}

ds_rc io_charset_to_utf8(const char *charset, str in, bool lenient, buf *out,
                         size_t *n_repl, ds_err *e)
{
    static const char repl[] = "\xEF\xBF\xBD";
    char label[48];
    if (!clean_label(charset, label)) {
        return ds_fail(e, DS_ENOTFOUND, "unknown charset");
    }
    iconv_t cd = iconv_open("UTF-8", iconv_name(label));
    if (cd == (iconv_t)-1) {
        return ds_fail(e, DS_ENOTFOUND, "unknown charset '%s'", label);
    }
    char chunk[4096];
    char *ip = (char *)in.ptr;
    size_t ileft = in.len;
    ds_rc rc = DS_OK;
    for (;;) {
        char *op = chunk;
        size_t oleft = sizeof chunk;
        size_t r = ileft ? iconv(cd, &ip, &ileft, &op, &oleft)
                         : iconv(cd, NULL, NULL, &op, &oleft);
        int err = errno;
        if ((rc = buf_append(out, chunk, sizeof chunk - oleft)) != DS_OK) {
            rc = ds_fail(e, rc, "text too large after charset conversion");
            break;
        }
        if (r != (size_t)-1) {
            if (ileft == 0 && op == chunk) {
                break; /* input done and shift state flushed */
            }
            continue;
        }
        if (err == E2BIG) {
            continue;
        }
        /* EILSEQ (a byte the charset does not define) or EINVAL (input
         * ends inside a multi-byte character). */
        size_t at = (size_t)(ip - in.ptr);
        if (!lenient) {
            rc = ds_fail(e, DS_EFORMAT,
                         "invalid %s at byte %zu; --lenient replaces it with "
                         "U+FFFD",
                         label, at);
            break;
        }
        if ((rc = buf_append(out, repl, 3)) != DS_OK) {
            rc = ds_fail(e, rc, "text too large after charset conversion");
            break;
        }
        (*n_repl)++;
        ip++;
        ileft--;
        iconv(cd, NULL, NULL, NULL, NULL); /* reset the shift state */
    }
    iconv_close(cd);
    return rc;
}

/* Whether invalid input looks like UTF-8 with a few bad bytes (valid
 * multi-byte sequences outnumber broken ones) rather than a legacy 8-bit
 * charset, where almost every byte >= 0x80 starts a broken sequence. */
static bool mostly_utf8(str s)
{
    size_t good = 0, bad = 0;
    const char *p = s.ptr, *end = s.ptr + s.len;
    while (p < end) {
        if ((unsigned char)*p < 0x80) {
            p++;
            continue;
        }
        uint32_t cp;
        size_t n = utf8_next(p, end, &cp);
        if (n) {
            good++;
            p += n;
        } else {
            bad++;
            p++;
        }
    }
    return good > bad;
}

ds_rc io_decode(io_job *j, str raw, const char *charset, const char *what,
                buf *out, size_t *n_repl, ds_err *e)
{
    char label[48];
    bool declared = charset && clean_label(charset, label);
    bool utf8 = declared && io_charset_is_utf8(label);
    bool ascii = declared && strcmp(iconv_name(label), "WINDOWS-1252") == 0 &&
                 (strstr(label, "ascii") || strstr(label, "646"));
    ds_rc rc;
    if (declared && !utf8 && !ascii) {
        size_t mark = out->len;
        rc = io_charset_to_utf8(label, raw, j->o.lenient, out, n_repl, e);
        if (rc != DS_ENOTFOUND) {
            return rc;
        }
        out->len = mark;
        io_diagf(j, "", "unknown charset '%s'%s, read as UTF-8", label, what);
    }
    size_t bad;
    if (utf8_validate(raw, &bad) && !memchr(raw.ptr, '\0', raw.len)) {
        return buf_append(out, raw.ptr, raw.len);
    }
    /* Undeclared (or "us-ascii", often a lie) and not UTF-8: most such
     * text in the wild is windows-1252. */
    if (!utf8 && !mostly_utf8(raw)) {
        io_diagf(j, "",
                 "no usable charset declared%s and not UTF-8: read "
                 "as windows-1252",
                 what);
        return io_charset_to_utf8("windows-1252", raw, j->o.lenient, out,
                                  n_repl, e);
    }
    buf fixed;
    buf_init(&fixed, 0);
    str s;
    rc = io_utf8_check(raw, j->o.lenient, 0, what, &fixed, &s, n_repl, e);
    if (rc == DS_OK) {
        rc = buf_append(out, s.ptr, s.len);
    }
    buf_fini(&fixed);
    return rc;
}
