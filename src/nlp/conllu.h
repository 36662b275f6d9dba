/* conllu.h - a reader for CoNLL-U treebank files (Universal Dependencies).
 *
 * Used by the tokenizer evaluation and, later, by the POS tagger and parser
 * trainers. The reader works on a text buffer the caller owns (typically a
 * whole file from conllu_load_file); every field is a `str` view into that
 * buffer, valid as long as the buffer. Malformed input is reported with its
 * line number and never read out of bounds.
 *
 * Format (https://universaldependencies.org/format.html): sentences are
 * separated by blank lines; comment lines start with '#' ("# text = ...",
 * "# newdoc", "# newpar", "# sent_id = ..."); token lines have ten
 * tab-separated fields ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC.
 * ID is an integer word id, a range "3-4" for a multiword token whose
 * words follow, or a decimal "5.1" for an empty node. */
#ifndef NLP_CONLLU_H
#define NLP_CONLLU_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/str.h"

typedef enum conllu_kind {
    CONLLU_WORD, /* a syntactic word: id */
    CONLLU_MWT,  /* a multiword token: ids id..id_end */
    CONLLU_EMPTY /* an empty node: id.sub (enhanced graphs) */
} conllu_kind;

typedef struct conllu_line {
    uint32_t id, id_end; /* id_end == id except for CONLLU_MWT; for
                            CONLLU_EMPTY id is the integer part */
    uint32_t sub;        /* CONLLU_EMPTY: the part after the dot */
    uint8_t kind;        /* a conllu_kind */
    bool space_after;    /* false when MISC has SpaceAfter=No */
    int32_t head;        /* -1 when HEAD is "_" (MWT, empty node) */
    str form, lemma, upos, xpos, feats, deprel, deps, misc;
    size_t line; /* 1-based line number in the buffer */
} conllu_line;

/* One sentence: its comment-derived metadata and its token lines in file
 * order (multiword token lines come before their words). */
typedef struct conllu_sent {
    size_t line;         /* line of the first comment or token line */
    bool newdoc, newpar; /* "# newdoc" / "# newpar" seen */
    bool has_text;       /* "# text = ..." seen */
    str text;            /* its value (views into the buffer) */
    str sent_id;
    conllu_line *lines;
    size_t n_lines, cap_lines;
    size_t n_words; /* number of CONLLU_WORD lines */
} conllu_sent;

typedef struct conllu_reader {
    str data;
    size_t pos;  /* next byte to read */
    size_t line; /* number of lines consumed */
} conllu_reader;

/* Starts reading `data` (borrowed; must outlive the reader and every
 * sentence read from it). */
void conllu_reader_init(conllu_reader *r, str data);

void conllu_sent_init(conllu_sent *s);
void conllu_sent_fini(conllu_sent *s);

/* Reads the next sentence into *s (replacing its content, reusing its
 * memory). Sets *out_got to false at the end of the data. Returns
 * DS_EFORMAT with "LINE: reason" in e for a malformed line (wrong number of
 * fields, bad ID or HEAD, ids out of sequence, a multiword range that does
 * not match the words after it, an empty FORM); the reader is then
 * positioned after the bad sentence, so callers may continue. */
DS_MUST_USE ds_rc conllu_next(conllu_reader *r, conllu_sent *s, bool *out_got,
                              ds_err *e);

/* Reads a whole file into a new NUL-terminated buffer (free with xfree)
 * and checks that it is valid UTF-8. DS_EIO when it cannot be read,
 * DS_EFORMAT ("LINE: invalid UTF-8") when it is not text. Training and
 * evaluation data are files we are handed, like model files. */
DS_MUST_USE ds_rc conllu_load_file(const char *path, char **out_data,
                                   size_t *out_len, ds_err *e);

#endif
