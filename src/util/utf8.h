/* utf8.h - the one UTF-8 decoder, validation and repair.
 *
 * Text is validated once, where it enters (importers, CLI files); inside the
 * program all text is valid UTF-8 and every offset is a byte offset. */
#ifndef UTIL_UTF8_H
#define UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/str.h"

/* Decodes one code point at p, never reading at or past end. Returns the
 * number of bytes consumed (1-4), or 0 for an invalid, overlong, surrogate or
 * truncated sequence (then *out_cp is 0xFFFD). */
size_t utf8_next(const char *p, const char *end, uint32_t *out_cp);

/* Encodes cp (<= 0x10FFFF, not a surrogate) into out (4 bytes room).
 * Returns the number of bytes written (1-4), 0 for an invalid cp. */
size_t utf8_encode(uint32_t cp, char *out);

/* True when s is valid UTF-8. Otherwise, when out_bad is non-NULL, stores
 * the byte offset of the first invalid sequence. */
bool utf8_validate(str s, size_t *out_bad);

/* Appends s to b replacing every invalid sequence by U+FFFD; returns the
 * number of replacements in *out_repl (may be NULL). DS_ETOOBIG past the
 * buffer cap. */
ds_rc utf8_repair(str s, buf *b, size_t *out_repl);

/* Line and column (1-based, columns in bytes) of byte offset off in s, for
 * error messages that say where. */
void utf8_line_col(str s, size_t off, size_t *out_line, size_t *out_col);

#endif
