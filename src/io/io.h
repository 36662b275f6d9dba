/* io.h - importers: one input file (or stdin buffer) in, zero or more
 * records out.
 *
 * An importer turns the bytes of one file into records (a title, some
 * metadata and the main text as valid UTF-8 with \n line ends), hands each
 * record to a callback and frees it when the callback returns. Problems that
 * concern one record (a bad JSONL line, a CSV row without text) become
 * diagnostics through a second callback and the file goes on; only budget
 * failures, I/O failures and whole-file format errors (invalid UTF-8 in
 * strict mode, a binary file, unparsable JSON) end the import with a ds_rc.
 *
 * Formats live in a table in io.c (name, extensions, content detector,
 * import function); doc/internals/importers.md describes each format, the
 * detection order, the field mapping and the limits.
 *
 * Boundary: io/ owns gumbo (HTML), jansson (JSON) and iconv (charsets). It
 * knows nothing about SQLite or the NLP pipeline. */
#ifndef IO_IO_H
#define IO_IO_H

#include <stdbool.h>
#include <stddef.h>

#include "util/err.h"
#include "util/str.h"

/* One imported document. Every char * is a NUL-terminated heap string
 * (xmalloc) or NULL when unknown; all are valid UTF-8 without NUL bytes. */
typedef struct io_record {
    const char *format; /* "text", "markdown", "html", "email", "jsonl",
                           "json" or "csv" (static storage) */
    char *title;
    char *url;       /* canonical URL; e-mail: "mid:<message-id>" */
    char *published; /* "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" (UTC) */
    char *source;    /* publication or site name, when the input says */
    char *author;
    char *text; /* main text: valid UTF-8, \n line ends, never empty */
    size_t text_len;
    size_t record_no;  /* 1-based number within the file (JSONL line, CSV
                          data row, JSON array item); 0 for single-document
                          formats */
    size_t n_replaced; /* invalid sequences replaced by U+FFFD (lenient) */
} io_record;

typedef struct io_options {
    bool lenient;          /* invalid UTF-8 -> U+FFFD, not a file error */
    size_t max_file_bytes; /* 0 = default, 64 MiB */
    size_t max_text_bytes; /* per record; 0 = default, 8 MiB */
    size_t max_records;    /* per file; 0 = default, 1,000,000 */
    const char *format;    /* force a format by name; NULL = detect */
    /* Field mapping for JSON, JSONL and CSV: one name or alternatives
     * separated by '|', tried in order (case-insensitive); JSON names may
     * be dotted paths ("data.body"). NULL = the defaults:
     * text|body|content, title|headline, date|published|published_at,
     * url|link, source. */
    const char *field_text, *field_title, *field_date, *field_url,
        *field_source;
} io_options;

#define IO_DEFAULT_MAX_FILE_BYTES ((size_t)64 << 20)
#define IO_DEFAULT_MAX_TEXT_BYTES ((size_t)8 << 20)
#define IO_DEFAULT_MAX_RECORDS    ((size_t)1000000)

/* Fills *o with the defaults (strict UTF-8, the limits above, format
 * detection, the default field mapping). This function can't fail. */
void io_options_init(io_options *o);

/* Receives one record. The record and its strings belong to the importer
 * and are freed when this returns; to keep a string without copying it,
 * the callback may take it and set the field to NULL (free it with xfree).
 * A status other than DS_OK stops the import and io_import returns it (with
 * *e as the callback filled it). */
typedef ds_rc (*io_emit_fn)(void *ctx, io_record *rec, ds_err *e);

/* What a diagnostic means for the record it concerns. */
typedef enum io_diag_kind {
    IO_DIAG_WARNING, /* the record was imported; something was odd (an
                        unrecognised date, replaced UTF-8, ignored parts) */
    IO_DIAG_SKIPPED  /* the record was dropped (invalid JSON line, no text) */
} io_diag_kind;

/* Receives a problem that does not stop the file: `where` is a position
 * such as "line 12", "row 3", "item 5" or "" for the file as a whole; `msg`
 * says what ("invalid JSON: ...", "no text field, skipped"). Both strings
 * are only valid during the call. */
typedef void (*io_diag_fn)(void *ctx, io_diag_kind kind, const char *where,
                           const char *msg);

/* Guesses the format of `data` (file name `name`, may be NULL): by content
 * first (HTML tags, RFC 5322 headers, JSON/JSONL shape, CSV header,
 * Markdown headings or front matter), the extension only as a hint. Returns
 * a format name from the table (static storage); "text" when nothing else
 * fits. This function can't fail. */
const char *io_detect(const char *name, str data);

/* True when `name` is a format io_import knows. */
bool io_format_known(const char *name);

/* The known format names, comma-separated, for usage messages. */
const char *io_format_list(void);

/* Imports `data` (the whole content of file `name`, which is used only for
 * format detection and may be NULL). Calls emit once per record and diag
 * for each per-record problem (diag may be NULL). `o` may be NULL for the
 * defaults. Returns DS_OK when the file was read to its end, even when
 * every record was skipped. Fails with DS_ETOOBIG (file, record count or,
 * for single-document formats, text over a limit), DS_EFORMAT (binary
 * file, invalid UTF-8 in strict mode, malformed JSON file, CSV without a
 * text column, ...), DS_EINVAL (unknown forced format) or whatever emit
 * returned. The message says what and where ("invalid UTF-8 at line 3,
 * column 17 (byte 52)"); the caller prefixes the path. */
DS_MUST_USE ds_rc io_import(const char *name, str data, const io_options *o,
                            io_emit_fn emit, io_diag_fn diag, void *ctx,
                            ds_err *e);

/* Reads the whole file at `path` ("-" reads stdin) into *out, which must be
 * initialised (buf_init); at most max_bytes (0 = the 64 MiB default).
 * Fails with DS_ETOOBIG when the file is larger, DS_EIO / DS_ENOTFOUND on
 * an operating-system error; messages name the path. */
DS_MUST_USE ds_rc io_read_file(const char *path, size_t max_bytes, buf *out,
                               ds_err *e);

/* Parses a date or date-time in one of the forms importers meet: ISO 8601
 * ("2026-03-03", "2026-03-03T10:15:00+01:00", "2026-03-03 10:15Z"), RFC
 * 2822 ("Tue, 3 Mar 2026 10:15:00 +0100"), "March 3, 2026", "Mar. 3,
 * 2026", "3 March 2026", "2026/03/03". Date-times are converted to UTC
 * (a time without zone is taken as UTC). Writes "YYYY-MM-DD" or
 * "YYYY-MM-DDTHH:MM:SSZ" into out and returns true; returns false (out
 * untouched) for anything else, for impossible dates (Feb 30, month 13)
 * and for years outside 1000-9999 after the conversion to UTC. */
bool io_date_parse(str s, char out[32]);

#endif
