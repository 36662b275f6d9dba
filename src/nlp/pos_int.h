/* pos_int.h - feature extraction shared by the tagger (pos.c) and its
 * trainer (pos_train.c). Both must compute exactly the same features: the
 * trainer lists them explicitly, the tagger sums cached per-word blocks,
 * and integer scores make the two equal. Not for use outside src/nlp/pos*. */
#ifndef NLP_POS_INT_H
#define NLP_POS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "nlp/ap.h"
#include "util/str.h"

#define POS_SECTION_VERSION 1u
#define POS_WINDOW          2 /* words at -2..+2 */
#define POS_OFFSETS         (2 * POS_WINDOW + 1)
#define POS_MAX_WORD_FEATS  24 /* per word and offset */
#define POS_MAX_CTX_FEATS   8
#define POS_NO_TAG          0xffffu /* "previous tag" before the sentence */

/* "pos.opts" */
typedef struct pos_opts_sec {
    uint32_t version;  /* POS_SECTION_VERSION */
    uint32_t dict_cap; /* slots in "pos.dict" */
    uint32_t reserved[2];
} pos_opts_sec;

/* "pos.dict": open addressing on the lower-case form's hash (ap_home),
 * key 0 = empty slot; val is the word's ambiguity class (a hash of the
 * tags it had in training). */
typedef struct pos_dict_slot {
    uint64_t key;
    uint64_t val;
} pos_dict_slot;

typedef struct pos_dict {
    const pos_dict_slot *tab;
    uint32_t cap; /* 0: empty dictionary */
} pos_dict;

/* What the features need to know of one word (or of a sentence boundary
 * pseudo-word when pseudo != 0). */
typedef struct pos_word {
    uint64_t form, lower, shape, sshape, amb;
    uint64_t pre[4], suf[4];
    uint32_t flags;
    uint32_t pseudo; /* 0: a word; 1,2: -1,-2 before; 3,4: +1,+2 after */
} pos_word;

/* Fills *w for the word form s. */
void pos_word_init(pos_word *w, str s, const pos_dict *d);
/* Fills *w for a boundary pseudo-word (1..4, see above). */
void pos_word_pseudo(pos_word *w, uint32_t which);

/* The features of word w when it stands at offset k (-2..2) from the word
 * being tagged. Returns their number (<= POS_MAX_WORD_FEATS). */
size_t pos_word_feats(const pos_word *w, int k, uint64_t *out);

/* Features of the two previous tags only (cacheable per pair). */
size_t pos_pair_feats(uint32_t p1, uint32_t p2, uint64_t *out);

/* Features of two or three neighbouring words (no tags): computed once per
 * token before decoding. prev/next may be pseudo-words. Only the fields
 * lower, amb, sshape and suf[2] of the words are used. Returns their
 * number (<= POS_MAX_CTX_FEATS). */
size_t pos_bigram_feats(const pos_word *prev, const pos_word *cur,
                        const pos_word *next, uint64_t *out);

/* Features joining the previous tags and the current word (same fields).
 * Returns their number (<= POS_MAX_CTX_FEATS). */
size_t pos_ctx_feats(uint32_t p1, uint32_t p2, const pos_word *cur,
                     uint64_t *out);

/* Ambiguity class of a lower-case form hash, 0 when not in the dictionary. */
uint64_t pos_dict_get(const pos_dict *d, uint64_t lower);

#endif
