/* word.h - what the taggers read off one word form: its lower case, its
 * shape ("Xxxx", "dd-dd"), character counts and character affixes.
 *
 * The POS tagger and the entity recognizer both build their word
 * features from this; each maps the counts to its own flag bits. The
 * hashes are part of the shipped models' features: any change here means
 * retraining (tools/make-models.sh). */
#ifndef NLP_WORD_H
#define NLP_WORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/model.h"
#include "util/err.h"
#include "util/str.h"

#define WORD_LOW_MAX 128 /* bytes of lower case kept */

typedef struct word_shape {
    char low[WORD_LOW_MAX]; /* ASCII-lower-cased first n_low bytes */
    size_t n_low;
    /* Counts over characters (UTF-8 continuation bytes skipped). */
    size_t n_chars, n_alpha, n_digit, n_upper;
    bool first_upper, later_upper; /* an ASCII capital first / later */
    bool hyphen, period, apos, nonascii;
    uint64_t form;   /* ap_hash of the bytes */
    uint64_t lower;  /* ap_hash of the lower case; = form past low_cap */
    uint64_t shape;  /* runs of one class cut at 3: "Xxxx", "dd.dd" */
    uint64_t sshape; /* runs cut at 1: "Xx", "d.d" */
} word_shape;

/* Fills *out from s, keeping at most low_cap (<= WORD_LOW_MAX) bytes of
 * lower case. This function can't fail. */
void word_shape_of(str s, size_t low_cap, word_shape *out);

/* Hashes of the lower case's first 1..n_pre and last 1..n_suf characters
 * (n_pre <= 4, n_suf <= 5); a word shorter than that repeats its whole
 * form. */
void word_affixes(const word_shape *w, uint64_t *pre, size_t n_pre,
                  uint64_t *suf, size_t n_suf);

/* Word-class tables ("pos.clus", "dep.clu"; doc/FORMATS.md): open
 * addressing on the form's ap_hash (home slot ap_home), one uint64 per
 * slot, bits 16..63 of the hash and the class (1..WORD_MAX_CLASS) in bits
 * 0..15; 0 = empty slot, and a table has at least one (loaders check). */
#define WORD_CLASS_KEY (~0xffffULL)
#define WORD_MAX_CLASS 0xfffeu

/* The slot key of a form hash (never 0). */
static inline uint64_t word_class_key(uint64_t h)
{
    h &= WORD_CLASS_KEY;
    return h ? h : 0x10000u;
}

/* The class of the form with hash h in tab[0..cap), 0 when absent. */
uint32_t word_class_get(const uint64_t *tab, uint32_t cap, uint64_t h);

/* The word-class table stored in section `tag` of mf with cap slots
 * (0: none, *out_tab NULL; the section may then be absent), validated:
 * cap slots of 8 bytes, every used slot with a class in 1..max_class
 * (max_class 0: any), at least one empty slot (so lookups end).
 * DS_EFORMAT names the file and the section. */
ds_rc word_class_section(const model_file *mf, const char *tag, uint32_t cap,
                         uint32_t max_class, const uint64_t **out_tab,
                         ds_err *e);

/* Training only: reads "WORD<TAB>CLASS" lines (CLASS 0-based, at most
 * WORD_MAX_CLASS - 1; models/ner-clusters.txt) into a new table (free with
 * xfree) keyed by the exact form, the class stored + 1. A word listed
 * twice (or a 48-bit hash collision) keeps its smallest class. The table
 * depends only on the set of lines. *out_n_classes is the largest class
 * + 1, *out_words the number of words kept. DS_EFORMAT names the file and
 * line of a bad line. */
ds_rc word_class_load(const char *path, uint64_t **out_tab, uint32_t *out_cap,
                      uint32_t *out_n_classes, size_t *out_words, ds_err *e);

#endif
