/* records.c - the record formats: JSON Lines, JSON and CSV.
 *
 * Each input record (a JSONL line, a JSON array item, a CSV row) becomes
 * one io_record through the field mapping of io_options: each mapping is a
 * list of alternative names separated by '|', tried in order,
 * case-insensitively; JSON names may be dotted paths into nested objects.
 * A bad record (unparsable line, no text, wrong shape) is a diagnostic and
 * the file goes on; only a file that cannot be read as the format at all
 * (a JSON syntax error, a CSV without a text column) fails.
 *
 * jansson parses JSON (it bounds nesting depth itself); the CSV reader is
 * ours: RFC 4180 plus the usual deviations (';' or tab delimiters, blanks
 * before an opening quote, a stray quote inside an unquoted field). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "io/io_int.h"
#include "util/xalloc.h"

#define DEF_TEXT   "text|body|content"
#define DEF_TITLE  "title|headline"
#define DEF_DATE   "date|published|published_at"
#define DEF_URL    "url|link"
#define DEF_SOURCE "source"
#define DEF_AUTHOR "author|byline|creator"

static const char *spec_or(const char *spec, const char *def)
{
    return spec && spec[0] ? spec : def;
}

/* ---- Detection ---- */

static str first_line(str data, str *rest)
{
    str line;
    *rest = data;
    while (str_cut(rest, '\n', &line)) {
        if (str_trim(line).len) {
            return str_trim(line);
        }
    }
    return (str){"", 0};
}

/* A complete JSON object on the first line and another line after it
 * that starts like one: JSON Lines. */
static bool jsonl_shape(str data)
{
    str rest, line = first_line(data, &rest);
    if (!str_starts(line, STR("{"))) {
        return false;
    }
    json_error_t err;
    json_t *v = json_loadb(line.ptr, line.len, 0, &err);
    if (!v) {
        return false;
    }
    json_decref(v);
    str next = first_line(rest, &rest);
    return next.len == 0 || str_starts(next, STR("{"));
}

int io_detect_jsonl(str data)
{
    str rest;
    if (!jsonl_shape(data)) {
        return 0;
    }
    /* One line alone is as much JSON as JSON Lines; JSON then wins. */
    first_line(data, &rest);
    return first_line(rest, &rest).len ? 90 : 60;
}

int io_detect_json(str data)
{
    str s = str_trim(str_sub(data, 0, 64));
    if (str_starts(s, STR("["))) {
        return 80;
    }
    if (str_starts(s, STR("{"))) {
        str rest;
        first_line(data, &rest);
        bool more = first_line(rest, &rest).len != 0;
        return more && jsonl_shape(data) ? 0 : 80;
    }
    return 0;
}

/* ---- Mapping JSON objects ---- */

static json_t *get_ci(json_t *obj, str key)
{
    if (!json_is_object(obj)) {
        return NULL;
    }
    json_t *v = json_object_getn(obj, key.ptr, key.len);
    if (v) {
        return v;
    }
    const char *k;
    json_object_foreach(obj, k, v)
    {
        if (str_eqi(str_c(k), key)) {
            return v;
        }
    }
    return NULL;
}

/* One alternative: a literal key first ("dc.title"), then a dotted path. */
static json_t *get_path(json_t *obj, str path)
{
    json_t *v = get_ci(obj, path);
    if (v || !memchr(path.ptr, '.', path.len)) {
        return v;
    }
    str part;
    v = obj;
    while (v && str_cut(&path, '.', &part)) {
        v = get_ci(v, part);
    }
    return v;
}

static json_t *find_field(json_t *obj, const char *spec)
{
    str alts = str_c(spec), one;
    while (str_cut(&alts, '|', &one)) {
        json_t *v = get_path(obj, str_trim(one));
        if (v && !json_is_null(v)) {
            return v;
        }
    }
    return NULL;
}

/* Appends a value as text: strings as they are, numbers printed, arrays
 * of those joined by `sep`, {"name": ...} objects by their name (authors
 * are often written that way). */
static void value_text(json_t *v, const char *sep, buf *out, int depth)
{
    if (json_is_string(v)) {
        (void)buf_append(out, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        (void)buf_printf(out, "%lld", (long long)json_integer_value(v));
    } else if (json_is_real(v)) {
        (void)buf_printf(out, "%g", json_real_value(v));
    } else if (json_is_array(v) && depth < 2) {
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x)
        {
            size_t before = out->len;
            if (before) {
                (void)buf_puts(out, sep);
            }
            size_t mark = out->len;
            value_text(x, sep, out, depth + 1);
            if (out->len == mark) {
                out->len = before;
            }
        }
    } else if (json_is_object(v) && depth < 2) {
        json_t *name = get_ci(v, STR("name"));
        if (name) {
            value_text(name, sep, out, depth + 1);
        }
    }
}

static char *field_text(json_t *obj, const char *spec, const char *sep)
{
    json_t *v = find_field(obj, spec);
    if (!v) {
        return NULL;
    }
    buf b;
    buf_init(&b, 0);
    value_text(v, sep, &b, 0);
    if (b.len == 0) {
        buf_fini(&b);
        return NULL;
    }
    return buf_take(&b, NULL);
}

static void set_date(io_job *j, const char *where, const char *raw,
                     io_record *r)
{
    char iso[32];
    if (!raw) {
        return;
    }
    /* All digits: seconds (or milliseconds) since 1970. */
    size_t n = strspn(raw, "0123456789");
    if (n && raw[n] == '\0' && n <= 15 &&
        io_date_from_epoch(strtod(raw, NULL), iso)) {
        r->published = xstrdup(iso);
    } else if (io_date_parse(str_c(raw), iso)) {
        r->published = xstrdup(iso);
    } else {
        io_diagf(j, where, "unrecognised date '%.60s'", raw);
    }
}

static ds_rc json_record(io_job *j, json_t *obj, size_t record_no,
                         const char *where, ds_err *e)
{
    const io_options *o = &j->o;
    io_record r;
    memset(&r, 0, sizeof r);
    const char *tspec = spec_or(o->field_text, DEF_TEXT);
    r.text = field_text(obj, tspec, "\n\n");
    if (!r.text) {
        io_skipf(j, where, "no text field (%s), skipped", tspec);
        return DS_OK;
    }
    r.text_len = strlen(r.text);
    r.record_no = record_no;
    r.title = field_text(obj, spec_or(o->field_title, DEF_TITLE), " ");
    r.url = field_text(obj, spec_or(o->field_url, DEF_URL), " ");
    r.source = field_text(obj, spec_or(o->field_source, DEF_SOURCE), ", ");
    r.author = field_text(obj, DEF_AUTHOR, ", ");
    json_t *d = find_field(obj, spec_or(o->field_date, DEF_DATE));
    char iso[32];
    if (d && json_is_number(d)) {
        if (io_date_from_epoch(json_number_value(d), iso)) {
            r.published = xstrdup(iso);
        } else {
            io_diagf(j, where, "date %g out of range", json_number_value(d));
        }
    } else if (d && json_is_string(d)) {
        set_date(j, where, json_string_value(d), &r);
    }
    return io_emit(j, &r, where, e);
}

/* ---- JSON Lines ---- */

ds_rc io_import_jsonl(io_job *j, str data, ds_err *e)
{
    str rest = data, line;
    size_t lineno = 0;
    ds_rc rc = DS_OK;
    char where[32];
    while (rc == DS_OK && str_cut(&rest, '\n', &line)) {
        lineno++;
        line = str_trim(line);
        if (line.len == 0) {
            continue;
        }
        snprintf(where, sizeof where, "line %zu", lineno);
        json_error_t err;
        json_t *v = json_loadb(line.ptr, line.len, JSON_DECODE_ANY, &err);
        if (!v) {
            io_skipf(j, where, "invalid JSON at column %d: %s, skipped",
                     err.column, err.text);
            continue;
        }
        if (!json_is_object(v)) {
            io_skipf(j, where, "not a JSON object, skipped");
        } else {
            rc = json_record(j, v, lineno, where, e);
        }
        json_decref(v);
    }
    return rc;
}

/* ---- JSON ---- */

ds_rc io_import_json(io_job *j, str data, ds_err *e)
{
    json_error_t err;
    json_t *root = json_loadb(data.ptr, data.len, 0, &err);
    if (!root) {
        return ds_fail(e, DS_EFORMAT, "line %d, column %d: JSON: %s", err.line,
                       err.column, err.text);
    }
    json_t *items = NULL;
    ds_rc rc = DS_OK;
    if (json_is_array(root)) {
        items = root;
    } else if (!find_field(root, spec_or(j->o.field_text, DEF_TEXT))) {
        /* A wrapper object: {"records": [...]} and its cousins. */
        items = find_field(root, "records|items|documents|articles|data|"
                                 "results|entries");
        if (items && !json_is_array(items)) {
            items = NULL;
        }
    }
    if (items) {
        size_t i;
        json_t *x;
        char where[32];
        json_array_foreach(items, i, x)
        {
            snprintf(where, sizeof where, "item %zu", i + 1);
            if (!json_is_object(x)) {
                io_skipf(j, where, "not a JSON object, skipped");
                continue;
            }
            if ((rc = json_record(j, x, i + 1, where, e)) != DS_OK) {
                break;
            }
        }
    } else {
        rc = json_record(j, root, 0, "", e);
    }
    json_decref(root);
    return rc;
}

/* ---- CSV ---- */

typedef struct csv {
    str data;
    size_t pos;
    size_t line; /* 1-based line of the next byte */
    char delim;
    buf row;                   /* unescaped field bytes, back to back */
    size_t *off, *len, n, cap; /* the fields of the current row */
    bool unterminated;
} csv;

static void end_field(csv *c, size_t start)
{
    size_t old = c->cap;
    c->off = xgrow(c->off, &c->cap, c->n + 1, sizeof *c->off);
    if (c->cap != old) {
        c->len = xrealloc(c->len, c->cap * sizeof *c->len);
    }
    c->off[c->n] = start;
    c->len[c->n] = c->row.len - start;
    c->n++;
}

/* Reads the next row; false at the end of the data. */
static bool csv_row(csv *c)
{
    if (c->pos >= c->data.len) {
        return false;
    }
    buf_reset(&c->row);
    c->n = 0;
    size_t start = 0;
    bool quoted = false, in_field = false; /* in_field: content seen */
    const char *d = c->data.ptr;
    size_t n = c->data.len;
    while (c->pos < n) {
        char ch = d[c->pos];
        if (quoted) {
            if (ch == '"') {
                if (c->pos + 1 < n && d[c->pos + 1] == '"') {
                    (void)buf_putc(&c->row, '"');
                    c->pos += 2;
                } else {
                    quoted = false;
                    c->pos++;
                }
                continue;
            }
            if (ch == '\n') {
                c->line++;
            }
            (void)buf_putc(&c->row, ch);
            c->pos++;
            continue;
        }
        if (ch == '"' && !in_field) {
            /* Blanks before the opening quote are not part of the field. */
            c->row.len = start;
            quoted = true;
            in_field = true;
            c->pos++;
        } else if (ch == c->delim) {
            end_field(c, start);
            start = c->row.len;
            in_field = false;
            c->pos++;
        } else if (ch == '\r' || ch == '\n') {
            c->pos +=
                ch == '\r' && c->pos + 1 < n && d[c->pos + 1] == '\n' ? 2 : 1;
            c->line++;
            end_field(c, start);
            return true;
        } else {
            (void)buf_putc(&c->row, ch);
            if (ch != ' ' && ch != '\t') {
                in_field = true;
            }
            c->pos++;
        }
    }
    c->unterminated = quoted;
    end_field(c, start);
    return true;
}

static str csv_field(const csv *c, size_t i)
{
    if (i >= c->n) {
        return (str){"", 0};
    }
    return (str){c->row.ptr ? c->row.ptr + c->off[i] : "", c->len[i]};
}

/* The delimiter of the header line: the most frequent of , ; and tab
 * outside quotes. */
static char csv_delimiter(str data)
{
    size_t comma = 0, semi = 0, tab = 0;
    bool q = false;
    for (size_t i = 0; i < data.len && data.ptr[i] != '\n'; i++) {
        char ch = data.ptr[i];
        if (ch == '"') {
            q = !q;
        } else if (!q) {
            comma += ch == ',';
            semi += ch == ';';
            tab += ch == '\t';
        }
    }
    if (tab > comma && tab >= semi) {
        return '\t';
    }
    return semi > comma ? ';' : ',';
}

/* Index of the first header name matching the spec, or -1. */
static long csv_column(const csv *hdr, const char *spec)
{
    str alts = str_c(spec), one;
    while (str_cut(&alts, '|', &one)) {
        for (size_t i = 0; i < hdr->n; i++) {
            if (str_eqi(str_trim(csv_field(hdr, i)), str_trim(one))) {
                return (long)i;
            }
        }
    }
    return -1;
}

int io_detect_csv(str data)
{
    str head = str_sub(data, 0, 4096);
    csv c;
    memset(&c, 0, sizeof c);
    c.data = head;
    c.delim = csv_delimiter(head);
    c.line = 1;
    int score = 0;
    if (csv_row(&c) && c.n >= 2) {
        bool names = true;
        for (size_t i = 0; i < c.n; i++) {
            str f = str_trim(csv_field(&c, i));
            names &= f.len > 0 && f.len <= 40;
        }
        size_t cols = c.n;
        if (names && csv_column(&c, DEF_TEXT "|message|description") >= 0) {
            score = 70;
        } else if (names && csv_row(&c) && c.n == cols && csv_row(&c) &&
                   c.n == cols) {
            score = 30; /* a consistent table without a known text column */
        }
    }
    buf_fini(&c.row);
    xfree(c.off);
    xfree(c.len);
    return score;
}

static char *csv_value(const csv *c, long col)
{
    if (col < 0) {
        return NULL;
    }
    str f = str_trim(csv_field(c, (size_t)col));
    return f.len ? io_strdup(f) : NULL;
}

ds_rc io_import_csv(io_job *j, str data, ds_err *e)
{
    const io_options *o = &j->o;
    csv hdr, c;
    memset(&hdr, 0, sizeof hdr);
    memset(&c, 0, sizeof c);
    hdr.data = c.data = data;
    hdr.delim = c.delim = csv_delimiter(data);
    hdr.line = 1;
    ds_rc rc = DS_OK;
    /* Skip blank lines before the header. */
    while (csv_row(&hdr) && hdr.n == 1 && csv_field(&hdr, 0).len == 0) {
    }
    const char *tspec = spec_or(o->field_text, DEF_TEXT);
    long ct = csv_column(&hdr, tspec);
    if (ct < 0) {
        buf names;
        buf_init(&names, 0);
        for (size_t i = 0; i < hdr.n && names.len < 200; i++) {
            (void)buf_printf(&names, "%s" STR_FMT, i ? ", " : "",
                             STR_ARG(str_trim(csv_field(&hdr, i))));
        }
        rc = ds_fail(e, DS_EFORMAT,
                     "CSV: no text column (looked for %s; the header has: "
                     "%.200s)",
                     tspec, names.ptr ? names.ptr : "");
        buf_fini(&names);
        goto out;
    }
    long ctitle = csv_column(&hdr, spec_or(o->field_title, DEF_TITLE));
    long cdate = csv_column(&hdr, spec_or(o->field_date, DEF_DATE));
    long curl = csv_column(&hdr, spec_or(o->field_url, DEF_URL));
    long csrc = csv_column(&hdr, spec_or(o->field_source, DEF_SOURCE));
    long cauth = csv_column(&hdr, DEF_AUTHOR);
    c.pos = hdr.pos;
    c.line = hdr.line;
    size_t rowno = 0;
    char where[32];
    while (rc == DS_OK) {
        size_t line = c.line;
        if (!csv_row(&c)) {
            break;
        }
        if (c.n == 1 && csv_field(&c, 0).len == 0) {
            continue; /* blank line */
        }
        rowno++;
        snprintf(where, sizeof where, "line %zu", line);
        if (c.unterminated) {
            io_skipf(j, where,
                     "unterminated quoted field runs to the end of the "
                     "file, skipped");
            break;
        }
        if (c.n != hdr.n) {
            io_diagf(j, where, "%zu fields, the header has %zu", c.n, hdr.n);
        }
        io_record r;
        memset(&r, 0, sizeof r);
        str t = csv_field(&c, (size_t)ct);
        r.text = io_strdup(t);
        r.text_len = t.len;
        r.record_no = rowno;
        r.title = csv_value(&c, ctitle);
        r.url = csv_value(&c, curl);
        r.source = csv_value(&c, csrc);
        r.author = csv_value(&c, cauth);
        char *d = csv_value(&c, cdate);
        set_date(j, where, d, &r);
        xfree(d);
        rc = io_emit(j, &r, where, e);
    }
out:
    buf_fini(&hdr.row);
    buf_fini(&c.row);
    xfree(hdr.off);
    xfree(hdr.len);
    xfree(c.off);
    xfree(c.len);
    return rc;
}
