/* pos_int.h - feature extraction shared by the tagger (pos.c) and its
 * trainer (pos_train.c). Both must compute exactly the same features: the
 * trainer lists them explicitly, the tagger sums cached per-word blocks,
 * and integer scores make the two equal. Not for use outside src/nlp/pos*
 * (and the unit test). doc/internals/pos.md describes the features. */
#ifndef NLP_POS_INT_H
#define NLP_POS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/ap.h"
#include "nlp/word.h"
#include "util/str.h"

#define POS_SECTION_VERSION 3u
#define POS_WINDOW          2 /* words at -2..+2 */
#define POS_OFFSETS         (2 * POS_WINDOW + 1)
#define POS_MAX_WORD_FEATS  32 /* per word and offset */
#define POS_MAX_CTX_FEATS   16
#define POS_NO_TAG          0xffffu /* "previous tag" before the sentence */
#define POS_MAX_TAGS        4094u   /* tag ids fit the dictionary's 12 bits */

/* "pos.opts" */
typedef struct pos_opts_sec {
    uint32_t version;    /* POS_SECTION_VERSION */
    uint32_t dict_cap;   /* slots in "pos.dict" */
    uint32_t clus_cap;   /* slots in "pos.clus" (0: no word classes) */
    uint32_t n_clusters; /* word classes are 1..n_clusters */
} pos_opts_sec;

/* "pos.clus": word classes (clusters of distributional similarity, from
 * models/ner-clusters.txt at training time) in the word-class table
 * format of word.h (word_class_get), keyed by the exact form. */
#define POS_CLUS_KEY WORD_CLASS_KEY
#define POS_MAX_CLUS WORD_MAX_CLASS
static inline uint64_t pos_clus_key(uint64_t h)
{
    return word_class_key(h);
}

/* "pos.dict": open addressing on the lower-case form's hash (ap_home),
 * key 0 = empty slot. val is the word's dictionary entry:
 *   bits  0..47  up to POS_DICT_TAGS tag ids + 1 (12 bits each, 0 = none),
 *                increasing: the tags above the --dict-ratio share
 *   bits 48..55  frequency bucket (1 + floor(log2(count)), at most 255)
 *   bit  63      closed: the listed tags cover (nearly) every occurrence
 *                of a frequent word, so the tagger scores only those
 * The ambiguity-class feature is a hash of bits 0..47. */
typedef struct pos_dict_slot {
    uint64_t key;
    uint64_t val;
} pos_dict_slot;

#define POS_DICT_TAGS    4
#define POS_DICT_TAGBITS 0xffffffffffffULL
#define POS_DICT_CLOSED  (1ULL << 63)

/* The tag dictionary and the word classes (what pos_word_init looks up). */
typedef struct pos_dict {
    const pos_dict_slot *tab;
    uint32_t cap;      /* 0: empty dictionary */
    uint32_t clus_cap; /* 0: no word classes */
    const uint64_t *clus;
} pos_dict;

/* What the features need to know of one word (or of a sentence boundary
 * pseudo-word when pseudo != 0). */
typedef struct pos_word {
    uint64_t form, lower, shape, sshape;
    uint64_t amb;  /* ambiguity class feature value, 0: not in dictionary */
    uint64_t dval; /* the raw dictionary value, 0: not in dictionary */
    uint64_t pre[4], suf[5];
    uint32_t flags;
    uint32_t pseudo; /* 0: a word; 1,2: -1,-2 before; 3,4: +1,+2 after */
    uint32_t clus;   /* word class of the exact form, 0: none */
    uint32_t lclus;  /* word class of the lower case, 0: none */
} pos_word;

/* Fills *w for the word form s. */
void pos_word_init(pos_word *w, str s, const pos_dict *d);
/* Sets the dictionary fields of w from a dictionary value (0: absent). */
void pos_word_set_dict(pos_word *w, uint64_t dval);
/* Fills *w for a boundary pseudo-word (1..4, see above). */
void pos_word_pseudo(pos_word *w, uint32_t which);

/* The features of word w when it stands at offset k (-2..2) from the word
 * being tagged. Returns their number (<= POS_MAX_WORD_FEATS). */
size_t pos_word_feats(const pos_word *w, int k, uint64_t *out);

/* Features of the two previous tags only (cacheable per pair). */
size_t pos_pair_feats(uint32_t p1, uint32_t p2, uint64_t *out);

/* Features of neighbouring words (no tags): computed once per token before
 * decoding. w[0..4] are the words at -2..+2 (pseudo-words at the edges).
 * Returns their number (<= POS_MAX_CTX_FEATS). */
size_t pos_bigram_feats(const pos_word *const w[5], uint64_t *out);

/* Features joining the previous tags and the words around (same w).
 * Returns their number (<= POS_MAX_CTX_FEATS). */
size_t pos_ctx_feats(uint32_t p1, uint32_t p2, const pos_word *const w[5],
                     uint64_t *out);

/* ---- Second pass (optional "pos2" model in the file) ----
 * After the first greedy pass, a second greedy left-to-right pass decides
 * each word again with score = pass-1 score + pass-2 score (both in weight
 * units: int32 scores times the model's ap_scale). The pass-2 features
 * see the first pass's tags of the next two words (r1, r2; POS_NO_TAG past
 * the end) and the previous pass-2 tag p1. Words with one candidate tag
 * keep it. */

/* Features of the right tags only (cacheable per pair). Returns 3. */
size_t pos_pass2_pair_feats(uint32_t r1, uint32_t r2, uint64_t *out);
/* The other pass-2 features of word c (next word nx). Returns their
 * number (<= POS_MAX_CTX_FEATS). */
size_t pos_pass2_feats(uint32_t p1, uint32_t r1, uint32_t r2, const pos_word *c,
                       const pos_word *nx, uint64_t *out);

/* The first pass only (for training the second): tags into out_tags and,
 * when s1 is not NULL, the pass-1 scores in weight units into
 * s1[i * n_tags + c], -INFINITY for the tags a closed word excludes. */
struct pos_tagger;
void pos_tag_pass1(struct pos_tagger *t, const str *words, size_t n,
                   uint16_t *out_tags, float *s1);

/* The candidate tags of a closed dictionary value into out[0..4);
 * returns their number, 0 when the word is not closed (every tag). */
static inline uint32_t pos_dict_cands(uint64_t dval, uint16_t *out)
{
    if (!(dval & POS_DICT_CLOSED)) {
        return 0;
    }
    uint32_t n = 0;
    for (int i = 0; i < POS_DICT_TAGS; i++) {
        uint32_t t = (uint32_t)(dval >> (12 * i)) & 0xfffu;
        if (t) {
            out[n++] = (uint16_t)(t - 1);
        }
    }
    return n;
}

/* Dictionary value of a lower-case form hash, 0 when not in the dictionary. */
uint64_t pos_dict_get(const pos_dict *d, uint64_t lower);
/* Word class of a form hash (ap_hash), 0 when it has none. */
uint32_t pos_clus_get(const pos_dict *d, uint64_t form);

#endif
