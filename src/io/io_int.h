/* io_int.h - what the importers of src/io/ share; not for other modules.
 *
 * io.c owns the format table and the record life cycle: an importer fills
 * an io_record with heap strings and calls io_emit(), which normalises and
 * checks the record (UTF-8, line ends, limits), passes it to the caller's
 * callback and frees it. */
#ifndef IO_IO_INT_H
#define IO_IO_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "io/io.h"
#include "util/str.h"

/* One import in progress. */
typedef struct io_job {
    const char *format; /* the format name, copied into each record */
    bool multi;         /* a record format: oversized records are skipped */
    io_options o;       /* the caller's options with defaults filled in */
    io_emit_fn emit;
    io_diag_fn diag;
    void *ctx;
    size_t n_records;    /* emitted so far */
    size_t pending_repl; /* file-level replacements, given to the next
                            emitted record so that the sum is right */
} io_job;

/* Reports a per-record problem (no-op without a diag callback). */
void io_diagf(io_job *j, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same for a record that is dropped (IO_DIAG_SKIPPED). */
void io_skipf(io_job *j, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Finishes *r (UTF-8 check or repair of every field, line ends, trimming,
 * the text limit), hands it to the emit callback and frees its strings.
 * A record with empty text is skipped with a diagnostic. `where` names the
 * record for diagnostics ("line 4"; "" for the file). Returns DS_OK when
 * the record was emitted or skipped. */
DS_MUST_USE ds_rc io_emit(io_job *j, io_record *r, const char *where,
                          ds_err *e);

/* True when *r keeps the record invariants of io.h (text non-empty, valid
 * UTF-8, no NUL or \r, text_len right, metadata one clean line, published
 * in one of the two ISO forms). For fuzz targets and assertions. */
bool io_record_valid(const io_record *r);

/* Frees the strings of *r and zeroes them. */
void io_record_fini(io_record *r);

/* Checks that s is valid UTF-8 without NUL bytes. Strict: fails with
 * DS_EFORMAT naming the line, column and byte (plus `base`, the offset of s
 * in the file, and `what`, e.g. "" or " in the text/html part").
 * Lenient: when s is not clean, writes a repaired copy into *fixed (invalid
 * sequences and NULs become U+FFFD) and points *out at it; adds the count
 * to *n_repl. */
DS_MUST_USE ds_rc io_utf8_check(str s, bool lenient, size_t base,
                                const char *what, buf *fixed, str *out,
                                size_t *n_repl, ds_err *e);

/* Converts `in` from `charset` to UTF-8, appending to out. Bytes that do
 * not decode fail with DS_EFORMAT (strict) or become U+FFFD (lenient,
 * counted in *n_repl). DS_ENOTFOUND when iconv does not know the charset.
 * The label is mapped as browsers do (iso-8859-1 and us-ascii mean
 * windows-1252). */
DS_MUST_USE ds_rc io_charset_to_utf8(const char *charset, str in, bool lenient,
                                     buf *out, size_t *n_repl, ds_err *e);

/* Turns raw bytes in `charset` (NULL when undeclared) into UTF-8 appended
 * to out, by the importers' policy: a declared charset is converted with
 * iconv (unknown ones are read as UTF-8, with a diagnostic); undeclared or
 * "us-ascii" bytes that are not UTF-8 are read as windows-1252 unless they
 * mostly are UTF-8; invalid UTF-8 then fails (strict) or is repaired
 * (lenient). `what` names the input in messages (" in the text/plain
 * part"; "" for the file). */
DS_MUST_USE ds_rc io_decode(io_job *j, str raw, const char *charset,
                            const char *what, buf *out, size_t *n_repl,
                            ds_err *e);

/* True when the charset label means UTF-8 (or is empty). */
bool io_charset_is_utf8(const char *charset);

/* Appends s with \r\n and lone \r turned into \n. */
DS_MUST_USE ds_rc io_put_lines(buf *b, str s);

/* A heap copy of s (NUL-terminated). */
char *io_strdup(str s);

/* Text heuristics shared by plain text and Markdown: the title (first
 * non-empty line when it is short and does not read like a sentence) and
 * the date (a leading date line or a wire dateline "BERGEN, March 3, 2026
 * --"). Sets *title / *published only when they are NULL. */
void io_text_guess_meta(str text, char **title, char **published);

/* Date from a number of seconds (or milliseconds, when it is large) since
 * 1970, as JSON records sometimes carry. False when out of range. */
bool io_date_from_epoch(double t, char out[32]);

/* HTML extraction (html.c): parses `html` (already UTF-8) with gumbo and
 * fills the text and metadata of *r. Used for .html files and for
 * text/html e-mail parts. */
DS_MUST_USE ds_rc io_html_extract(io_job *j, str html, io_record *r, ds_err *e);

/* Turns raw HTML bytes into UTF-8: the charset comes from `hint` (an
 * e-mail Content-Type) or a <meta> tag; undeclared non-UTF-8 input is read
 * as windows-1252 with a diagnostic. The result is in *out (valid UTF-8). */
DS_MUST_USE ds_rc io_html_decode(io_job *j, str raw, const char *hint, buf *out,
                                 size_t *n_repl, ds_err *e);

/* The per-format detectors (0-100: how sure the content looks like the
 * format) and import functions of the format table. */
int io_detect_html(str data);
int io_detect_email(str data);
int io_detect_json(str data);
int io_detect_jsonl(str data);
int io_detect_csv(str data);
int io_detect_markdown(str data);

ds_rc io_import_text(io_job *j, str data, ds_err *e);
ds_rc io_import_markdown(io_job *j, str data, ds_err *e);
ds_rc io_import_html(io_job *j, str data, ds_err *e);
ds_rc io_import_email(io_job *j, str data, ds_err *e);
ds_rc io_import_jsonl(io_job *j, str data, ds_err *e);
ds_rc io_import_json(io_job *j, str data, ds_err *e);
ds_rc io_import_csv(io_job *j, str data, ds_err *e);

#endif
