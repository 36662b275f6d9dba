/* norm.h - Unicode NFC normalization that remembers where each byte came
 * from.
 *
 * The tokenizer and taggers see NFC text (so "é" typed as e + U+0301 and
 * the precomposed "é" are one spelling), but spans shown to the user must
 * point into the source text. norm_nfc copies the text in NFC and keeps a
 * compact map back to the original byte offsets: only the places where
 * normalization changed bytes are recorded, so already-NFC text (nearly all
 * text) has an empty map and norm_orig_offset is the identity. */
#ifndef NLP_NORM_H
#define NLP_NORM_H

#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/str.h"

/* The normalized text and its offset map. `map` holds n_map pairs
 * {norm_off, orig_off} (map[2k], map[2k+1]), sorted by norm_off, two per
 * changed unit: its start and its end. An offset between a unit's end and
 * the next unit's start maps by a constant shift; an offset inside a
 * changed unit maps to the unit's start. */
typedef struct norm_text {
    char *text; /* NUL-terminated, owned */
    size_t len;
    uint32_t *map; /* owned; NULL when n_map == 0 */
    size_t n_map;  /* number of pairs */
    size_t cap_map;
} norm_text;

/* Normalizes `in` (valid UTF-8) to NFC into *out, which must be
 * zero-initialized or finished with norm_text_fini (its previous content
 * is released). Returns DS_ETOOBIG for texts of 4 GiB or more, DS_EFORMAT
 * if utf8proc rejects the input (invalid UTF-8). */
DS_MUST_USE ds_rc norm_nfc(str in, norm_text *out, ds_err *e);

/* The byte offset in the original text for byte offset `norm_off` of the
 * normalized text (norm_off <= t->len). */
size_t norm_orig_offset(const norm_text *t, size_t norm_off);

/* Releases the text and the map; *t is zeroed and may be reused. */
void norm_text_fini(norm_text *t);

#endif
