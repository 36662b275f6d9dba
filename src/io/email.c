/* email.c - the e-mail importer: RFC 5322 headers, MIME bodies.
 *
 * One .eml file is one record: Subject is the title, From the author, Date
 * the publication date and Message-ID the identifier ("mid:" URL, RFC
 * 2392). The text is the readable body: in multipart/alternative the
 * text/plain version (else HTML through the HTML extractor), in
 * multipart/mixed every inline text part in order, in multipart/related
 * the root part; attachments are skipped with a diagnostic naming them.
 * Forwarded messages (message/rfc822) contribute their body text.
 *
 * Headers are decoded leniently whatever the options say (a malformed
 * encoded-word in a Subject should not cost the whole message); bodies
 * follow the strict/lenient option like every other text. MIME nesting
 * is bounded (MAX_DEPTH) and all recursion is on that depth only. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/io_int.h"
#include "util/xalloc.h"

#define MAX_DEPTH   16
#define MAX_HEADERS 256

/* ---- Headers ---- */

typedef struct header {
    str name;
    char *value; /* unfolded, raw bytes */
} header;

typedef struct headers {
    header h[MAX_HEADERS];
    size_t n;
} headers;

static bool header_name(str s)
{
    if (s.len == 0 || s.len > 76) {
        return false;
    }
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= ' ' || c >= 0x7F || c == ':') {
            return false;
        }
    }
    return true;
}

/* Stores the unfolded value [p, end) as the value of a new header whose
 * name is already in place: line breaks go, the blanks after them stay. */
static void set_value(headers *hs, const char *p, const char *end)
{
    buf v;
    buf_init(&v, 0);
    (void)buf_append(&v, "", 0);
    for (const char *run = p; p <= end; p++) {
        if (p == end || *p == '\r' || *p == '\n') {
            (void)buf_append(&v, run, (size_t)(p - run));
            run = p + 1;
        }
    }
    hs->h[hs->n++].value = buf_take(&v, NULL);
}

/* Splits an entity into its headers and body. Lines end in \n or \r\n;
 * continuation lines (leading space or tab) are unfolded by dropping the
 * line break. A line that is neither ends the header block (a missing
 * blank line is common in hand-made files). */
static str split_headers(str ent, headers *hs)
{
    str rest = ent, line;
    /* The raw value of the header being read runs from vstart to vend in
     * ent; it is unfolded once, when the next header starts, so that many
     * continuation lines cost linear time. */
    const char *vstart = NULL, *vend = NULL;
    hs->n = 0;
    /* An mbox "From " separator line is not a header. */
    if (str_starts(rest, STR("From "))) {
        (void)str_cut(&rest, '\n', &line);
    }
    while (rest.len) {
        str before = rest;
        (void)str_cut(&rest, '\n', &line);
        if (line.len && line.ptr[line.len - 1] == '\r') {
            line.len--;
        }
        if (line.len == 0) {
            break; /* the blank line: body follows */
        }
        if (line.ptr[0] == ' ' || line.ptr[0] == '\t') {
            if (vstart) {
                vend = line.ptr + line.len;
            }
            continue;
        }
        const char *colon = memchr(line.ptr, ':', line.len);
        str name = colon
                       ? str_trim(str_sub(line, 0, (size_t)(colon - line.ptr)))
                       : line;
        if (!colon || !header_name(name)) {
            rest = before; /* not a header: the body starts here */
            break;
        }
        if (vstart) {
            set_value(hs, vstart, vend);
        }
        vstart = vend = NULL;
        if (hs->n < MAX_HEADERS) {
            hs->h[hs->n].name = name;
            hs->h[hs->n].value = NULL;
            vstart = colon + 1;
            vend = line.ptr + line.len;
        }
    }
    if (vstart) {
        set_value(hs, vstart, vend);
    }
    return rest;
}

static void headers_fini(headers *hs)
{
    for (size_t i = 0; i < hs->n; i++) {
        xfree(hs->h[i].value);
    }
    hs->n = 0;
}

static const char *hget(const headers *hs, const char *name)
{
    for (size_t i = 0; i < hs->n; i++) {
        if (str_eqi(hs->h[i].name, str_c(name))) {
            return hs->h[i].value;
        }
    }
    return NULL;
}

int io_detect_email(str data)
{
    str rest = str_sub(data, 0, 8192), line;
    int n = 0, key = 0, lines = 0;
    if (str_starts(rest, STR("From "))) {
        (void)str_cut(&rest, '\n', &line);
    }
    while (lines++ < 60 && str_cut(&rest, '\n', &line)) {
        if (line.len && line.ptr[line.len - 1] == '\r') {
            line.len--;
        }
        if (line.len == 0) {
            break;
        }
        if (line.ptr[0] == ' ' || line.ptr[0] == '\t') {
            if (n == 0) {
                return 0;
            }
            continue;
        }
        const char *colon = memchr(line.ptr, ':', line.len);
        if (!colon ||
            !header_name(str_sub(line, 0, (size_t)(colon - line.ptr)))) {
            return 0;
        }
        str name = str_sub(line, 0, (size_t)(colon - line.ptr));
        n++;
        static const char *const strong[] = {
            "from",        "received",     "message-id", "mime-version",
            "return-path", "delivered-to", "subject",    "to"};
        for (size_t i = 0; i < sizeof strong / sizeof strong[0]; i++) {
            if (str_eqi(name, str_c(strong[i]))) {
                key++;
            }
        }
    }
    return n >= 2 && key >= 2 ? 85 : 0;
}

/* ---- Transfer encodings ---- */

static int hexval(int c)
{
    return c >= '0' && c <= '9'   ? c - '0'
           : c >= 'A' && c <= 'F' ? c - 'A' + 10
           : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                  : -1;
}

/* Quoted-printable (RFC 2045 6.7); `q` selects the RFC 2047 "Q" variant
 * where '_' is a space. A '=' that starts no escape is kept, as most
 * readers do. */
static void decode_qp(str s, bool q, buf *out)
{
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '_' && q) {
            (void)buf_putc(out, ' ');
        } else if (c == '=') {
            /* Soft line break: '=' then optional blanks then a newline. */
            size_t k = i + 1;
            while (k < s.len && (s.ptr[k] == ' ' || s.ptr[k] == '\t')) {
                k++;
            }
            if (k < s.len && (s.ptr[k] == '\n' || s.ptr[k] == '\r')) {
                if (s.ptr[k] == '\r' && k + 1 < s.len && s.ptr[k + 1] == '\n') {
                    k++;
                }
                i = k;
                continue;
            }
            if (k == s.len && !q) {
                i = k; /* '=' at the very end: a soft break */
                continue;
            }
            int hi = i + 1 < s.len ? hexval((unsigned char)s.ptr[i + 1]) : -1;
            int lo = i + 2 < s.len ? hexval((unsigned char)s.ptr[i + 2]) : -1;
            if (hi >= 0 && lo >= 0) {
                (void)buf_putc(out, (char)(hi * 16 + lo));
                i += 2;
            } else {
                (void)buf_putc(out, c);
            }
        } else {
            (void)buf_putc(out, c);
        }
    }
}

/* Base64, skipping anything outside the alphabet (line breaks, blanks)
 * and stopping at the first '='. */
static void decode_b64(str s, buf *out)
{
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        int v = c >= 'A' && c <= 'Z'   ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '+' || c == '-' ? 62
                : c == '/' || c == '_' ? 63
                                       : -1;
        if (c == '=') {
            break;
        }
        if (v < 0) {
            continue;
        }
        acc = (acc << 6) | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            (void)buf_putc(out, (char)((acc >> bits) & 0xFF));
        }
    }
}

/* ---- Header values ---- */

/* Header text is decoded leniently into an uncapped buffer, which cannot
 * fail; a failure would only lose that piece of the header. */
static void decode_lenient(io_job *lj, str raw, const char *cs, buf *out,
                           size_t *n_repl)
{
    if (io_decode(lj, raw, cs, "", out, n_repl, NULL) != DS_OK) {
        return;
    }
}

/* Appends a header value with RFC 2047 encoded-words decoded to UTF-8.
 * White space between two adjacent encoded-words is dropped, as the RFC
 * says; everything else is copied. */
static void decode_words(io_job *j, str v, buf *out, size_t *n_repl)
{
    io_job lenient = *j;
    lenient.o.lenient = true;
    lenient.diag = NULL;
    buf raw, tmp;
    buf_init(&raw, 0);
    buf_init(&tmp, 0);
    size_t i = 0;
    bool prev_word = false;
    size_t gap_start = 0;
    while (i < v.len) {
        const char *q = memmem(v.ptr + i, v.len - i, "=?", 2);
        if (!q) {
            break;
        }
        size_t at = (size_t)(q - v.ptr);
        /* =?charset?X?text?= with no blanks inside. */
        size_t p = at + 2, cs_end, enc, text_start, end = 0;
        while (p < v.len && v.ptr[p] != '?' && v.ptr[p] > ' ') {
            p++;
        }
        cs_end = p;
        if (p + 3 < v.len && v.ptr[p] == '?' && v.ptr[p + 2] == '?') {
            enc = p + 1;
            text_start = p + 3;
            /* RFC 2047 caps a word at 75 bytes; the bound keeps a long
             * header of near-words linear. */
            size_t lim = text_start + 256 < v.len ? text_start + 256 : v.len;
            for (size_t k = text_start; k + 1 < lim; k++) {
                if (v.ptr[k] == '?' && v.ptr[k + 1] == '=') {
                    end = k;
                    break;
                }
                if (v.ptr[k] == ' ' || v.ptr[k] == '\t') {
                    break;
                }
            }
        }
        char e2 = end ? (char)(v.ptr[enc] | 0x20) : 0;
        if (!end || cs_end == at + 2 || (e2 != 'b' && e2 != 'q')) {
            (void)buf_append(&raw, v.ptr + gap_start, at + 2 - gap_start);
            i = gap_start = at + 2;
            prev_word = false;
            continue;
        }
        str gap = str_sub(v, gap_start, at - gap_start);
        if (!(prev_word && str_trim(gap).len == 0)) {
            (void)buf_append(&raw, gap.ptr, gap.len);
        }
        /* The raw part so far goes out before the decoded word. */
        decode_lenient(&lenient, buf_str(&raw), NULL, out, n_repl);
        buf_reset(&raw);
        char cs[48];
        size_t cl = cs_end - at - 2 < 47 ? cs_end - at - 2 : 47;
        memcpy(cs, v.ptr + at + 2, cl);
        cs[cl] = '\0';
        char *star = strchr(cs, '*'); /* RFC 2231 language suffix */
        if (star) {
            *star = '\0';
        }
        buf_reset(&tmp);
        str text = str_sub(v, text_start, end - text_start);
        if (e2 == 'b') {
            decode_b64(text, &tmp);
        } else {
            decode_qp(text, true, &tmp);
        }
        decode_lenient(&lenient, buf_str(&tmp), cs, out, n_repl);
        i = gap_start = end + 2;
        prev_word = true;
    }
    (void)buf_append(&raw, v.ptr + gap_start, v.len - gap_start);
    decode_lenient(&lenient, buf_str(&raw), NULL, out, n_repl);
    buf_fini(&raw);
    buf_fini(&tmp);
}

static char *header_text(io_job *j, const char *v, size_t *n_repl)
{
    if (!v) {
        return NULL;
    }
    buf out;
    buf_init(&out, 0);
    decode_words(j, str_trim(str_c(v)), &out, n_repl);
    if (out.len == 0) {
        buf_fini(&out);
        return NULL;
    }
    return buf_take(&out, NULL);
}

/* Content-Type / Content-Disposition: the value before ';' (lower case)
 * and the parameters we use. */
typedef struct ctype {
    char type[64];
    char charset[48];
    char boundary[200];
    char name[128];
    bool flowed, delsp;
} ctype;

static void copy_lower(str s, char *out, size_t cap, bool lower)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    for (size_t i = 0; i < n; i++) {
        char c = s.ptr[i];
        out[i] = lower && c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
    }
    out[n] = '\0';
}

static void parse_ctype(const char *value, ctype *ct)
{
    memset(ct, 0, sizeof *ct);
    if (!value) {
        return;
    }
    str v = str_c(value), head = {"", 0};
    (void)str_cut(&v, ';', &head); /* false (head stays empty) for "" */
    copy_lower(str_trim(head), ct->type, sizeof ct->type, true);
    while (v.len) {
        str key = {v.ptr, 0};
        while (v.len && v.ptr[0] != '=' && v.ptr[0] != ';') {
            key.len++;
            v = str_sub(v, 1, v.len);
        }
        key = str_trim(key);
        if (!v.len || v.ptr[0] == ';') {
            v = str_sub(v, 1, v.len);
            continue;
        }
        v = str_trim(str_sub(v, 1, v.len)); /* past '=' */
        buf val;
        buf_init(&val, 0);
        if (v.len && v.ptr[0] == '"') {
            size_t i = 1;
            for (; i < v.len && v.ptr[i] != '"'; i++) {
                if (v.ptr[i] == '\\' && i + 1 < v.len) {
                    i++;
                }
                (void)buf_putc(&val, v.ptr[i]);
            }
            v = str_sub(v, i + 1, v.len);
            str skip;
            (void)str_cut(&v, ';', &skip);
        } else {
            str t = {"", 0};
            (void)str_cut(&v, ';', &t);
            t = str_trim(t);
            (void)buf_append(&val, t.ptr, t.len);
        }
        str pv = buf_str(&val);
        if (str_eqi(key, STR("charset"))) {
            copy_lower(pv, ct->charset, sizeof ct->charset, true);
        } else if (str_eqi(key, STR("boundary"))) {
            copy_lower(pv, ct->boundary, sizeof ct->boundary, false);
        } else if ((str_eqi(key, STR("name")) ||
                    str_eqi(key, STR("filename")) ||
                    str_startsi(key, STR("filename*")) ||
                    str_startsi(key, STR("name*"))) &&
                   !ct->name[0]) {
            copy_lower(pv, ct->name, sizeof ct->name, false);
        } else if (str_eqi(key, STR("format"))) {
            ct->flowed = str_eqi(pv, STR("flowed"));
        } else if (str_eqi(key, STR("delsp"))) {
            ct->delsp = str_eqi(pv, STR("yes"));
        }
        buf_fini(&val);
    }
}

/* ---- Bodies ---- */

typedef struct mail {
    io_job *j;
    size_t n_repl;
    buf attached; /* names of skipped attachments, for one diagnostic */
    size_t n_attached;
} mail;

static ds_rc entity_text(mail *m, str ent, int depth, buf *out, ds_err *e);

/* The body of an entity with its Content-Transfer-Encoding undone. */
static void transfer_decode(const headers *hs, str body, buf *out)
{
    const char *cte = hget(hs, "content-transfer-encoding");
    str c = str_trim(str_c(cte));
    if (str_eqi(c, STR("quoted-printable"))) {
        decode_qp(body, false, out);
    } else if (str_eqi(c, STR("base64"))) {
        decode_b64(body, out);
    } else {
        (void)buf_append(out, body.ptr, body.len);
    }
}

/* format=flowed (RFC 3676): a line ending in a space continues on the
 * next; space-stuffing is undone. Signature separators stay lines. */
static void unflow(str s, bool delsp, buf *out)
{
    str rest = s, line;
    while (str_cut(&rest, '\n', &line)) {
        if (line.len && line.ptr[0] == ' ') {
            line = str_sub(line, 1, line.len);
        }
        bool soft = line.len && line.ptr[line.len - 1] == ' ' &&
                    !str_eq(line, STR("-- "));
        if (soft && delsp) {
            line.len--;
        }
        (void)buf_append(out, line.ptr, line.len);
        if (!soft) {
            (void)buf_putc(out, '\n');
        }
    }
}

static void note_attachment(mail *m, const ctype *ct, const char *type)
{
    m->n_attached++;
    if (m->attached.len < 400) {
        (void)buf_printf(&m->attached, "%s%s", m->attached.len ? ", " : "",
                         ct->name[0] ? ct->name : type);
    }
}

/* The parts of a multipart body: between "--boundary" lines, up to
 * "--boundary--". The line break before a delimiter belongs to it. Calls
 * fn for each part; stops early when fn returns non-OK. */
typedef ds_rc (*part_fn)(mail *m, str part, int depth, void *arg, buf *out,
                         ds_err *e);

static ds_rc each_part(mail *m, str body, const char *boundary, int depth,
                       part_fn fn, void *arg, buf *out, ds_err *e)
{
    str delim = str_c(boundary);
    str rest = body, line;
    const char *start = NULL;
    ds_rc rc = DS_OK;
    while (rest.len && rc == DS_OK) {
        const char *line_start = rest.ptr;
        (void)str_cut(&rest, '\n', &line);
        if (!(line.len >= 2 + delim.len && line.ptr[0] == '-' &&
              line.ptr[1] == '-' &&
              str_starts(str_sub(line, 2, line.len), delim))) {
            continue;
        }
        str after = str_trim(str_sub(line, 2 + delim.len, line.len));
        bool close = str_starts(after, STR("--"));
        if (!close && after.len) {
            continue; /* a longer boundary that starts like ours */
        }
        if (start) {
            const char *end = line_start;
            if (end > start && end[-1] == '\n') {
                end--;
            }
            if (end > start && end[-1] == '\r') {
                end--;
            }
            rc = fn(m, (str){start, (size_t)(end - start)}, depth, arg, out, e);
        }
        start = rest.ptr;
        if (close) {
            return rc;
        }
    }
    if (start && rc == DS_OK && rest.ptr > start) {
        /* No closing delimiter: the last part runs to the end. */
        rc =
            fn(m, (str){start, (size_t)(rest.ptr - start)}, depth, arg, out, e);
    }
    return rc;
}

static ds_rc append_part(mail *m, str part, int depth, void *arg, buf *out,
                         ds_err *e)
{
    (void)arg;
    size_t before = out->len;
    if (before) {
        (void)buf_puts(out, "\n\n");
    }
    ds_rc rc = entity_text(m, part, depth, out, e);
    if (rc == DS_OK && out->len == before + (before ? 2 : 0)) {
        out->len = before; /* the part gave no text: no break either */
        if (out->ptr) {
            out->ptr[before] = '\0';
        }
    }
    return rc;
}

/* multipart/alternative: rank each part, remember the best. */
typedef struct pick {
    str best;
    int rank; /* 3 text/plain, 2 multipart, 1 text/html, 0 none */
} pick;

static ds_rc rank_part(mail *m, str part, int depth, void *arg, buf *out,
                       ds_err *e)
{
    (void)m, (void)depth, (void)out, (void)e;
    pick *p = arg;
    headers hs;
    (void)split_headers(part, &hs);
    ctype ct;
    parse_ctype(hget(&hs, "content-type"), &ct);
    int rank = !ct.type[0] || strcmp(ct.type, "text/plain") == 0 ? 3
               : str_starts(str_c(ct.type), STR("multipart/"))   ? 2
               : strcmp(ct.type, "text/html") == 0               ? 1
                                                                 : 0;
    headers_fini(&hs);
    if (rank > p->rank) {
        p->rank = rank;
        p->best = part;
    }
    return DS_OK;
}

static ds_rc first_part(mail *m, str part, int depth, void *arg, buf *out,
                        ds_err *e)
{
    (void)m, (void)depth, (void)out, (void)e;
    str *first = arg;
    if (!first->ptr) {
        *first = part;
    }
    return DS_OK;
}

static ds_rc entity_text(mail *m, str ent, int depth, buf *out, ds_err *e)
{
    if (depth > MAX_DEPTH) {
        io_diagf(m->j, "", "MIME parts nested deeper than %d, ignored",
                 MAX_DEPTH);
        return DS_OK;
    }
    headers hs;
    str body = split_headers(ent, &hs);
    ctype ct, disp;
    parse_ctype(hget(&hs, "content-type"), &ct);
    parse_ctype(hget(&hs, "content-disposition"), &disp);
    if (!ct.name[0] && disp.name[0]) {
        memcpy(ct.name, disp.name, sizeof ct.name);
    }
    const char *type = ct.type[0] ? ct.type : "text/plain";
    buf dec;
    buf_init(&dec, 0);
    ds_rc rc = DS_OK;
    char what[96];
    snprintf(what, sizeof what, " in the %s part", type);

    if (strcmp(disp.type, "attachment") == 0) {
        note_attachment(m, &ct, type);
    } else if (str_starts(str_c(type), STR("multipart/")) && ct.boundary[0]) {
        if (strcmp(type, "multipart/alternative") == 0) {
            pick p = {{NULL, 0}, 0};
            rc = each_part(m, body, ct.boundary, depth + 1, rank_part, &p, out,
                           e);
            if (rc == DS_OK && p.best.ptr) {
                rc = entity_text(m, p.best, depth + 1, out, e);
            }
        } else if (strcmp(type, "multipart/related") == 0) {
            str root = {NULL, 0};
            rc = each_part(m, body, ct.boundary, depth + 1, first_part, &root,
                           out, e);
            if (rc == DS_OK && root.ptr) {
                rc = entity_text(m, root, depth + 1, out, e);
            }
        } else {
            rc = each_part(m, body, ct.boundary, depth + 1, append_part, NULL,
                           out, e);
        }
    } else if (strcmp(type, "message/rfc822") == 0) {
        transfer_decode(&hs, body, &dec);
        rc = entity_text(m, buf_str(&dec), depth + 1, out, e);
    } else if (strcmp(type, "text/plain") == 0 ||
               str_starts(str_c(type), STR("multipart/"))) {
        transfer_decode(&hs, body, &dec);
        buf utf, lines;
        buf_init(&utf, 0);
        buf_init(&lines, 0);
        rc = io_decode(m->j, buf_str(&dec), ct.charset[0] ? ct.charset : NULL,
                       what, &utf, &m->n_repl, e);
        if (rc == DS_OK) {
            rc = io_put_lines(&lines, buf_str(&utf));
        }
        if (rc == DS_OK && ct.flowed) {
            unflow(buf_str(&lines), ct.delsp, out);
        } else if (rc == DS_OK) {
            rc = buf_append(out, lines.ptr ? lines.ptr : "", lines.len);
        }
        buf_fini(&utf);
        buf_fini(&lines);
    } else if (strcmp(type, "text/html") == 0) {
        transfer_decode(&hs, body, &dec);
        buf utf;
        buf_init(&utf, 0);
        rc = io_html_decode(m->j, buf_str(&dec),
                            ct.charset[0] ? ct.charset : NULL, &utf, &m->n_repl,
                            e);
        io_record h;
        memset(&h, 0, sizeof h);
        if (rc == DS_OK) {
            rc = io_html_extract(m->j, buf_str(&utf), &h, e);
        }
        if (rc == DS_OK && h.text) {
            rc = buf_append(out, h.text, h.text_len);
        }
        io_record_fini(&h);
        buf_fini(&utf);
    } else {
        note_attachment(m, &ct, type);
    }
    buf_fini(&dec);
    headers_fini(&hs);
    return rc;
}

ds_rc io_import_email(io_job *j, str data, ds_err *e)
{
    io_record r;
    memset(&r, 0, sizeof r);
    mail m;
    memset(&m, 0, sizeof m);
    m.j = j;
    buf_init(&m.attached, 0);
    buf text;
    buf_init(&text, 0);

    headers hs;
    (void)split_headers(data, &hs);
    r.title = header_text(j, hget(&hs, "subject"), &m.n_repl);
    r.author = header_text(j, hget(&hs, "from"), &m.n_repl);
    const char *date = hget(&hs, "date");
    char iso[32];
    if (date && io_date_parse(str_c(date), iso)) {
        r.published = xstrdup(iso);
    } else if (date) {
        io_diagf(j, "", "unrecognised Date header '%.60s'",
                 str_trim(str_c(date)).ptr);
    }
    const char *mid = hget(&hs, "message-id");
    if (mid) {
        str id = str_trim(str_c(mid));
        if (id.len && id.ptr[0] == '<') {
            id = str_sub(id, 1, id.len);
        }
        const char *gt = memchr(id.ptr, '>', id.len);
        if (gt) {
            id.len = (size_t)(gt - id.ptr);
        }
        if (id.len) {
            buf u;
            buf_init(&u, 0);
            (void)buf_printf(&u, "mid:" STR_FMT, STR_ARG(id));
            r.url = buf_take(&u, NULL);
        }
    }
    headers_fini(&hs);

    ds_rc rc = entity_text(&m, data, 0, &text, e);
    if (rc == DS_OK && m.n_attached) {
        io_diagf(j, "", "%zu attachment%s not imported: %s", m.n_attached,
                 m.n_attached == 1 ? "" : "s", m.attached.ptr);
    }
    buf_fini(&m.attached);
    if (rc != DS_OK) {
        buf_fini(&text);
        io_record_fini(&r);
        return rc;
    }
    r.text = buf_take(&text, &r.text_len);
    r.n_replaced = m.n_repl;
    return io_emit(j, &r, "", e);
}
