/* io.c - the importer front end: the format table, detection, whole-file
 * checks (size, binary content, UTF-8) and the record life cycle shared by
 * every format (see io.h, io_int.h and doc/internals/importers.md).
 *
 * Adding a format (PDF, RSS/Atom are planned) means writing a detector and
 * an import function and adding one row to `formats` below; nothing else
 * in this file knows the formats by name. */
#include "io/io_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/utf8.h"
#include "util/xalloc.h"

/* ---- The format table ---- */

enum {
    FMT_UTF8_INPUT = 1 << 0, /* input must be UTF-8: checked up front */
    FMT_MULTI = 1 << 1,      /* many records per file */
    FMT_BINARY = 1 << 2      /* binary input allowed (future PDF) */
};

typedef struct io_format {
    const char *name;
    const char *exts; /* extensions that hint at the format, ' '-separated */
    unsigned flags;
    int (*detect)(str data); /* NULL: only by extension or as fallback */
    ds_rc (*import)(io_job *j, str data, ds_err *e);
} io_format;

/* Order matters only for ties in detection: earlier wins. "text" is the
 * fallback and must stay first. */
static const io_format formats[] = {
    {"text", "txt text", FMT_UTF8_INPUT, NULL, io_import_text},
    {"markdown", "md markdown mdown mkd", FMT_UTF8_INPUT, io_detect_markdown,
     io_import_markdown},
    {"html", "html htm xhtml", 0, io_detect_html, io_import_html},
    {"email", "eml", 0, io_detect_email, io_import_email},
    {"jsonl", "jsonl ndjson", FMT_UTF8_INPUT | FMT_MULTI, io_detect_jsonl,
     io_import_jsonl},
    {"json", "json", FMT_UTF8_INPUT | FMT_MULTI, io_detect_json,
     io_import_json},
    {"csv", "csv tsv", FMT_UTF8_INPUT | FMT_MULTI, io_detect_csv,
     io_import_csv},
};
#define N_FORMATS (sizeof formats / sizeof formats[0])

/* Score added when the file extension names the format: enough to decide
 * between weak content signals, not enough to overrule clear content. */
#define EXT_BONUS  25
#define TEXT_SCORE 10

static const io_format *format_find(const char *name)
{
    for (size_t i = 0; i < N_FORMATS; i++) {
        if (name && strcmp(formats[i].name, name) == 0) {
            return &formats[i];
        }
    }
    return NULL;
}

bool io_format_known(const char *name)
{
    return format_find(name) != NULL;
}

const char *io_format_list(void)
{
    return "text, markdown, html, email, jsonl, json, csv";
}

void io_options_init(io_options *o)
{
    memset(o, 0, sizeof *o);
    o->max_file_bytes = IO_DEFAULT_MAX_FILE_BYTES;
    o->max_text_bytes = IO_DEFAULT_MAX_TEXT_BYTES;
    o->max_records = IO_DEFAULT_MAX_RECORDS;
}

/* The extension of `name` (after the last '.' of the last path part). */
static str extension(const char *name)
{
    if (!name) {
        return (str){"", 0};
    }
    const char *slash = strrchr(name, '/');
    const char *base = slash ? slash + 1 : name;
    const char *dot = strrchr(base, '.');
    return dot && dot != base ? str_c(dot + 1) : (str){"", 0};
}

static bool ext_matches(const io_format *f, str ext)
{
    if (ext.len == 0) {
        return false;
    }
    str list = str_c(f->exts), one;
    while (str_cut(&list, ' ', &one)) {
        if (str_eqi(one, ext)) {
            return true;
        }
    }
    return false;
}

static str strip_bom(str s)
{
    if (str_starts(s, STR("\xEF\xBB\xBF"))) {
        return str_sub(s, 3, s.len);
    }
    return s;
}

static const io_format *detect(const char *name, str data)
{
    str ext = extension(name);
    const io_format *best = &formats[0];
    int best_score = TEXT_SCORE + (ext_matches(best, ext) ? EXT_BONUS : 0);
    data = strip_bom(data);
    for (size_t i = 1; i < N_FORMATS; i++) {
        int s = formats[i].detect ? formats[i].detect(data) : 0;
        if (ext_matches(&formats[i], ext)) {
            s += EXT_BONUS;
        }
        if (s > best_score) {
            best_score = s;
            best = &formats[i];
        }
    }
    return best;
}

const char *io_detect(const char *name, str data)
{
    return detect(name, data)->name;
}

/* ---- Shared helpers ---- */

static void fmt_bytes(size_t n, char out[32])
{
    if (n < 1024) {
        snprintf(out, 32, "%zu bytes", n);
    } else if (n < ((size_t)1 << 20)) {
        snprintf(out, 32, "%.1f KiB", (double)n / 1024);
    } else if (n % ((size_t)1 << 20) == 0) {
        snprintf(out, 32, "%zu MiB", n >> 20);
    } else {
        snprintf(out, 32, "%.1f MiB", (double)n / (1 << 20));
    }
}

static void diag_v(io_job *j, io_diag_kind kind, const char *where,
                   const char *fmt, va_list ap)
{
    if (!j->diag) {
        return;
    }
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    j->diag(j->ctx, kind, where ? where : "", msg);
}

void io_diagf(io_job *j, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_v(j, IO_DIAG_WARNING, where, fmt, ap);
    va_end(ap);
}

void io_skipf(io_job *j, const char *where, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_v(j, IO_DIAG_SKIPPED, where, fmt, ap);
    va_end(ap);
}

char *io_strdup(str s)
{
    return xstrndup(s.ptr ? s.ptr : "", s.len);
}

ds_rc io_put_lines(buf *b, str s)
{
    const char *p = s.ptr, *end = s.ptr + s.len, *run = p;
    ds_rc rc = DS_OK;
    while (p < end) {
        const char *cr = memchr(p, '\r', (size_t)(end - p));
        if (!cr) {
            break;
        }
        if ((rc = buf_append(b, run, (size_t)(cr - run))) != DS_OK ||
            (rc = buf_putc(b, '\n')) != DS_OK) {
            return rc;
        }
        p = cr + 1;
        if (p < end && *p == '\n') {
            p++;
        }
        run = p;
    }
    return buf_append(b, run, (size_t)(end - run));
}

/* First offset of an invalid UTF-8 sequence or a NUL byte, or s.len. */
static size_t first_bad(str s)
{
    size_t bad = s.len;
    if (!utf8_validate(s, &bad)) {
        /* bad is set */
    }
    const char *nul = memchr(s.ptr, '\0', bad);
    return nul ? (size_t)(nul - s.ptr) : bad;
}

ds_rc io_utf8_check(str s, bool lenient, size_t base, const char *what,
                    buf *fixed, str *out, size_t *n_repl, ds_err *e)
{
    static const char repl[] = "\xEF\xBF\xBD";
    size_t bad = first_bad(s);
    *out = s;
    if (bad == s.len) {
        return DS_OK;
    }
    if (!lenient) {
        size_t line, col;
        utf8_line_col(s, bad, &line, &col);
        return ds_fail(e, DS_EFORMAT,
                       "%s%s at line %zu, column %zu (byte %zu); "
                       "--lenient replaces it with U+FFFD",
                       s.ptr[bad] == '\0' ? "NUL byte" : "invalid UTF-8",
                       what ? what : "", line, col, base + bad);
    }
    /* Same policy as utf8_repair (one U+FFFD per broken sequence), plus
     * NUL bytes, which the text invariant also excludes. */
    buf_reset(fixed);
    const char *p = s.ptr, *end = s.ptr + s.len, *run = p;
    size_t count = 0;
    ds_rc rc;
    while (p < end) {
        uint32_t cp;
        size_t n = (unsigned char)*p < 0x80 ? 1 : utf8_next(p, end, &cp);
        if (n && *p != '\0') {
            p += n;
            continue;
        }
        if ((rc = buf_append(fixed, run, (size_t)(p - run))) != DS_OK ||
            (rc = buf_append(fixed, repl, 3)) != DS_OK) {
            return ds_fail(e, rc, "text too large to repair");
        }
        count++;
        p++;
        while (n == 0 && p < end && ((unsigned char)*p & 0xC0) == 0x80) {
            p++;
        }
        run = p;
    }
    if ((rc = buf_append(fixed, run, (size_t)(p - run))) != DS_OK) {
        return ds_fail(e, rc, "text too large to repair");
    }
    *n_repl += count;
    *out = buf_str(fixed);
    return DS_OK;
}

void io_record_fini(io_record *r)
{
    xfree(r->title);
    xfree(r->url);
    xfree(r->published);
    xfree(r->source);
    xfree(r->author);
    xfree(r->text);
    r->title = r->url = r->published = r->source = r->author = r->text = NULL;
    r->text_len = 0;
}

/* Metadata values are one line: white space and control characters
 * collapse to single spaces, and very long values are cut at a character
 * boundary (a "title" of 100 KB is a mapping mistake, not a title). */
#define META_MAX 2048

static bool clean_line(const char *s)
{
    if (!s) {
        return true;
    }
    str v = str_c(s);
    if (v.len == 0 || v.len >= META_MAX || !utf8_validate(v, NULL) ||
        str_trim(v).len != v.len) {
        return false;
    }
    for (size_t i = 0; i < v.len; i++) {
        unsigned char c = (unsigned char)v.ptr[i];
        if (c < 0x20 || c == 0x7F) {
            return false;
        }
    }
    return true;
}

bool io_record_valid(const io_record *r)
{
    if (!r->text || r->text_len == 0 || strlen(r->text) != r->text_len ||
        !utf8_validate((str){r->text, r->text_len}, NULL) ||
        memchr(r->text, '\r', r->text_len) || !r->format) {
        return false;
    }
    if (!clean_line(r->title) || !clean_line(r->url) ||
        !clean_line(r->source) || !clean_line(r->author) ||
        !clean_line(r->published)) {
        return false;
    }
    if (r->published) {
        char again[32];
        /* Our own output must parse back to itself. */
        if (!io_date_parse(str_c(r->published), again) ||
            strcmp(again, r->published) != 0) {
            return false;
        }
    }
    return true;
}

/* ---- Record finishing ---- */

static ds_rc clean_meta(io_job *j, char **field, const char *what,
                        size_t *n_repl, ds_err *e)
{
    if (!*field) {
        return DS_OK;
    }
    buf fixed, out;
    buf_init(&fixed, 0);
    buf_init(&out, 0);
    str s;
    char msg[40];
    snprintf(msg, sizeof msg, " in the %s", what);
    ds_rc rc = io_utf8_check(str_c(*field), j->o.lenient, 0, msg, &fixed, &s,
                             n_repl, e);
    if (rc != DS_OK) {
        goto out;
    }
    bool space = false;
    for (size_t i = 0; i < s.len;) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c <= 0x20 || c == 0x7F) {
            space = out.len > 0;
            i++;
            continue;
        }
        uint32_t cp;
        size_t n = c < 0x80 ? 1 : utf8_next(s.ptr + i, s.ptr + s.len, &cp);
        /* the pending blank counts too: the field stays under META_MAX */
        if (n == 0 || out.len + space + n + 1 > META_MAX) {
            break; /* n == 0 cannot happen: s was checked */
        }
        if (space) {
            (void)buf_putc(&out, ' ');
            space = false;
        }
        (void)buf_append(&out, s.ptr + i, n);
        i += n;
    }
    xfree(*field);
    *field = NULL;
    if (out.len) {
        out.ptr[out.len] = '\0';
        *field = buf_take(&out, NULL);
    }
    rc = DS_OK;
out:
    buf_fini(&fixed);
    buf_fini(&out);
    return rc;
}

/* The record text convention: \n line ends, no trailing blanks on a line,
 * at most one blank line in a row, no blank lines at either end, no control
 * characters other than \t and \n (\f and \v become line breaks). */
static ds_rc normalize_text(str s, buf *out)
{
    size_t newlines = 0; /* pending line breaks, emitted before next text */
    size_t spaces = 0;   /* pending blanks, dropped at a line end */
    const char *sp = NULL;
    ds_rc rc = DS_OK;
    for (size_t i = 0; i < s.len && rc == DS_OK; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == '\r') {
            if (i + 1 < s.len && s.ptr[i + 1] == '\n') {
                continue;
            }
            c = '\n';
        }
        if (c == '\f' || c == '\v') {
            c = '\n';
        }
        if (c == '\n') {
            newlines++;
            spaces = 0;
            continue;
        }
        if (c == ' ' || c == '\t') {
            if (spaces == 0) {
                sp = s.ptr + i;
            }
            spaces++;
            continue;
        }
        if (c < 0x20 || c == 0x7F) {
            continue;
        }
        if (out->len && newlines) {
            rc = buf_append(out, "\n\n", newlines > 1 ? 2 : 1);
        }
        newlines = 0;
        if (spaces && rc == DS_OK) {
            rc = buf_append(out, sp, spaces);
        }
        spaces = 0;
        /* Copy the whole run of ordinary bytes at once: this loop runs
         * over every byte of every document. */
        size_t j = i + 1;
        while (j < s.len) {
            unsigned char d = (unsigned char)s.ptr[j];
            if (d <= 0x20 || d == 0x7F) {
                break;
            }
            j++;
        }
        if (rc == DS_OK) {
            rc = buf_append(out, s.ptr + i, j - i);
        }
        i = j - 1;
    }
    return rc;
}

ds_rc io_emit(io_job *j, io_record *r, const char *where, ds_err *e)
{
    buf fixed, norm;
    buf_init(&fixed, 0);
    buf_init(&norm, j->o.max_text_bytes);
    char limit[32], size[32];
    size_t repl = 0;
    str t;
    ds_rc rc;
    r->format = j->format;
    if ((rc = clean_meta(j, &r->title, "title", &repl, e)) != DS_OK ||
        (rc = clean_meta(j, &r->url, "url", &repl, e)) != DS_OK ||
        (rc = clean_meta(j, &r->published, "date", &repl, e)) != DS_OK ||
        (rc = clean_meta(j, &r->source, "source", &repl, e)) != DS_OK ||
        (rc = clean_meta(j, &r->author, "author", &repl, e)) != DS_OK) {
        goto out;
    }
    /* Importers check their input up front with positions in the file;
     * this is the safety net that keeps the invariant for every record. */
    rc = io_utf8_check((str){r->text ? r->text : "", r->text_len}, j->o.lenient,
                       0, " in the record text", &fixed, &t, &repl, e);
    if (rc != DS_OK) {
        goto out;
    }
    if (normalize_text(t, &norm) != DS_OK) {
        fmt_bytes(j->o.max_text_bytes, limit);
        fmt_bytes(t.len, size);
        if (j->multi) {
            io_skipf(j, where,
                     "text is %s, over the %s per-record limit "
                     "(--max-text-size), skipped",
                     size, limit);
            goto out;
        }
        rc = ds_fail(e, DS_ETOOBIG,
                     "text is %s, over the %s limit (--max-text-size)", size,
                     limit);
        goto out;
    }
    if (norm.len == 0) {
        io_skipf(j, where, "no text, skipped");
        goto out;
    }
    if (j->n_records >= j->o.max_records) {
        rc = ds_fail(e, DS_ETOOBIG, "%s%smore than %zu records (--max-records)",
                     where, where[0] ? ": " : "", j->o.max_records);
        goto out;
    }
    xfree(r->text);
    r->text = buf_take(&norm, &r->text_len);
    r->n_replaced += repl + j->pending_repl;
    j->pending_repl = 0;
    j->n_records++;
    rc = j->emit ? j->emit(j->ctx, r, e) : DS_OK;
out:
    io_record_fini(r);
    buf_fini(&fixed);
    buf_fini(&norm);
    return rc;
}

/* ---- Whole-file checks and dispatch ---- */

/* A NUL byte early on, or many control characters, means a file we should
 * not index as text (an image, an executable, a zip). Text importers would
 * otherwise turn it into pages of U+FFFD. */
static bool looks_binary(str s, size_t *out_at)
{
    size_t n = s.len < 8192 ? s.len : 8192, ctl = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (c == 0) {
            *out_at = i;
            return true;
        }
        if (c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' &&
            c != '\v' && c != 0x1B) {
            ctl++;
        }
    }
    *out_at = 0;
    return n >= 32 && ctl * 10 > n;
}

ds_rc io_import(const char *name, str data, const io_options *o,
                io_emit_fn emit, io_diag_fn diag, void *ctx, ds_err *e)
{
    io_job j;
    memset(&j, 0, sizeof j);
    if (o) {
        j.o = *o;
    } else {
        io_options_init(&j.o);
    }
    if (!j.o.max_file_bytes) {
        j.o.max_file_bytes = IO_DEFAULT_MAX_FILE_BYTES;
    }
    if (!j.o.max_text_bytes) {
        j.o.max_text_bytes = IO_DEFAULT_MAX_TEXT_BYTES;
    }
    if (!j.o.max_records) {
        j.o.max_records = IO_DEFAULT_MAX_RECORDS;
    }
    j.emit = emit;
    j.diag = diag;
    j.ctx = ctx;
    if (!data.ptr) {
        data = (str){"", 0};
    }

    buf conv, fixed;
    buf_init(&conv, 0);
    buf_init(&fixed, 0);
    char size[32], limit[32];
    size_t base = 0, at;
    ds_rc rc = DS_OK;
    const io_format *f = NULL;

    if (data.len > j.o.max_file_bytes) {
        fmt_bytes(data.len, size);
        fmt_bytes(j.o.max_file_bytes, limit);
        rc = ds_fail(e, DS_ETOOBIG,
                     "file is %s, over the %s limit (--max-file-size)", size,
                     limit);
        goto out;
    }
    if (j.o.format) {
        f = format_find(j.o.format);
        if (!f) {
            rc = ds_fail(e, DS_EINVAL, "unknown format '%s' (known: %s)",
                         j.o.format, io_format_list());
            goto out;
        }
    }
    /* UTF-16 with a byte order mark (Windows "Unicode" text) would look
     * binary; convert it first. Positions in later errors then refer to
     * the converted text. */
    if (!(f && (f->flags & FMT_BINARY)) &&
        (str_starts(data, STR("\xFF\xFE")) ||
         str_starts(data, STR("\xFE\xFF")))) {
        rc = io_charset_to_utf8("UTF-16", data, j.o.lenient, &conv,
                                &j.pending_repl, e);
        if (rc != DS_OK) {
            goto out;
        }
        data = buf_str(&conv);
    }
    if (str_starts(data, STR("\xEF\xBB\xBF"))) {
        data = str_sub(data, 3, data.len);
        base = 3;
    }
    if (!f) {
        f = detect(name, data);
    }
    j.format = f->name;
    j.multi = (f->flags & FMT_MULTI) != 0;
    if (!(f->flags & FMT_BINARY) && looks_binary(data, &at)) {
        if (data.ptr[at] == '\0') {
            rc = ds_fail(e, DS_EFORMAT, "looks binary (NUL byte at byte %zu)",
                         base + at);
        } else {
            rc = ds_fail(e, DS_EFORMAT,
                         "looks binary (many control characters)");
        }
        goto out;
    }
    if (f->flags & FMT_UTF8_INPUT) {
        rc = io_utf8_check(data, j.o.lenient, base, "", &fixed, &data,
                           &j.pending_repl, e);
        if (rc != DS_OK) {
            goto out;
        }
    }
    size_t file_repl = j.pending_repl;
    rc = f->import(&j, data, e);
    if (rc == DS_OK && file_repl) {
        io_diagf(&j, "", "%zu invalid sequence%s replaced by U+FFFD", file_repl,
                 file_repl == 1 ? "" : "s");
    }
out:
    buf_fini(&conv);
    buf_fini(&fixed);
    return rc;
}

/* ---- Reading files ---- */

static ds_rc read_fd(int fd, const char *path, size_t max, buf *out, ds_err *e)
{
    char chunk[65536];
    char limit[32];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0) {
            return ds_fail(e, DS_EIO, "read %s: %s", path, strerror(errno));
        }
        if (n == 0) {
            break;
        }
        if (buf_append(out, chunk, (size_t)n) != DS_OK) {
            fmt_bytes(max, limit);
            return ds_fail(e, DS_ETOOBIG,
                           "%s: file is over the %s limit (--max-file-size)",
                           path, limit);
        }
    }
    if (!out->ptr) {
        /* An empty file still reads as a valid, NUL-terminated buffer. */
        return buf_append(out, "", 0);
    }
    return DS_OK;
}

ds_rc io_read_file(const char *path, size_t max_bytes, buf *out, ds_err *e)
{
    if (!max_bytes) {
        max_bytes = IO_DEFAULT_MAX_FILE_BYTES;
    }
    size_t old_max = out->max;
    out->max = out->len + max_bytes;
    ds_rc rc;
    if (strcmp(path, "-") == 0) {
        rc = read_fd(STDIN_FILENO, "stdin", max_bytes, out, e);
        out->max = old_max;
        return rc;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        out->max = old_max;
        return ds_fail(e, err == ENOENT ? DS_ENOTFOUND : DS_EIO, "open %s: %s",
                       path, strerror(err));
    }
    struct stat st;
    char size[32], limit[32];
    if (fstat(fd, &st) != 0) {
        rc = ds_fail(e, DS_EIO, "stat %s: %s", path, strerror(errno));
    } else if (S_ISDIR(st.st_mode)) {
        rc = ds_fail(e, DS_EINVAL, "%s: is a directory", path);
    } else if (S_ISREG(st.st_mode) && (size_t)st.st_size > max_bytes) {
        /* Refuse before reading 2 GB we would throw away. */
        fmt_bytes((size_t)st.st_size, size);
        fmt_bytes(max_bytes, limit);
        rc = ds_fail(e, DS_ETOOBIG,
                     "%s: file is %s, over the %s limit (--max-file-size)",
                     path, size, limit);
    } else {
        rc = read_fd(fd, path, max_bytes, out, e);
    }
    close(fd);
    out->max = old_max;
    return rc;
}
