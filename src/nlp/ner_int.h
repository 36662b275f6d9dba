/* ner_int.h - features and gazetteers shared by the recognizer (ner.c) and
 * its trainer (ner_train.c). Both must compute exactly the same features:
 * the trainer lists them explicitly, the tagger sums cached per-word blocks,
 * and integer scores make the two equal. Not for use outside src/nlp/ner*. */
#ifndef NLP_NER_INT_H
#define NLP_NER_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/ap.h"
#include "util/str.h"

#define NER_SECTION_VERSION 1u
#define NER_WINDOW          2 /* words at -2..+2 */
#define NER_OFFSETS         (2 * NER_WINDOW + 1)
#define NER_MAX_WORD_FEATS  24 /* per word and offset */
#define NER_MAX_CTX_FEATS   96
#define NER_NO_LABEL        0xffffu /* "previous label" before the sentence */
#define NER_GAZ_CATS        8
#define NER_GAZ_MAXLEN      8 /* tokens in a gazetteer entry */
#define NER_MAX_TYPES_INT   8 /* NER_MAX_TYPES of ner.h */
#define NER_ALL_FEATS       (NER_OFFSETS * NER_MAX_WORD_FEATS + 4 + NER_MAX_CTX_FEATS)

enum {
    NER_OPT_POS = 1u << 0, /* POS features */
    NER_OPT_DOC = 1u << 1, /* non-local document features */
    NER_OPT_TWO = 1u << 2  /* a second stage ("nr2") over the first one's
                              labels for the whole document */
};

/* "ner.opts" */
typedef struct ner_opts_sec {
    uint32_t version;     /* NER_SECTION_VERSION */
    uint32_t flags;       /* NER_OPT_* */
    uint32_t gaz_cap;     /* slots in "ner.gaz" (0: no gazetteer) */
    uint32_t gaz_entries; /* entries compiled (for information) */
    uint32_t clu_cap;     /* slots in "ner.clu" (0: no word classes) */
    uint32_t reserved[3];
} ner_opts_sec;

/* Gazetteer category names, in bit order; the lists are
 * models/gaz/<name>.txt. */
extern const char *const ner_gaz_cat_names[NER_GAZ_CATS];

/* "ner.gaz": open addressing on key = sequence hash with the low 16 bits
 * cleared (ner_gaz_key); slot = key | category bits | NER_GAZ_PREFIX when
 * the sequence begins a longer entry; 0 = empty slot. */
#define NER_GAZ_PREFIX 0x8000u
typedef struct ner_gaz {
    const uint64_t *tab;
    uint32_t cap; /* 0: none */
} ner_gaz;

static inline uint64_t ner_gaz_step(uint64_t h, uint64_t lower)
{
    return ap_mix(h ^ (lower * 0x9e3779b97f4a7c15ULL + 0x6a09e667ULL));
}
#define NER_GAZ_SEED 0x3c6ef372fe94f82bULL
static inline uint64_t ner_gaz_key(uint64_t h)
{
    uint64_t k = h & ~(uint64_t)0xffff;
    return k ? k : 0x10000u;
}
/* The bits stored for key (0 when absent). */
uint32_t ner_gaz_get(const ner_gaz *g, uint64_t key);

/* Per-token gazetteer codes: 4 bits per category, 0 none, 1 B, 2 I, 3 L,
 * 4 U (the longest entry of the category covering the token). */
void ner_gaz_match(const ner_gaz *g, const uint64_t *lower, size_t n,
                   uint32_t *out_codes /* n */);
/* The same when the one-token values (ner_gaz_unigram) are known: tokens
 * whose value is 0 start no entry, so their starts cost no probe. */
void ner_gaz_match_uni(const ner_gaz *g, const uint64_t *lower,
                       const uint32_t *uni, size_t n, uint32_t *out_codes);
/* The table bits of the one-token sequence `lower`. */
uint32_t ner_gaz_unigram(const ner_gaz *g, uint64_t lower);

/* "ner.clu": word classes, open addressing like "ner.gaz": slot =
 * ner_gaz_key(ap_hash(form)) | (class + 1); 0 = empty slot. */
typedef struct ner_clu {
    const uint64_t *tab;
    uint32_t cap; /* 0: none */
} ner_clu;

/* The class + 1 of a form (exact bytes), 0 when unknown. */
uint32_t ner_clu_get(const ner_clu *c, uint64_t form_hash);

/* What the features need to know of one word (or of a sentence boundary
 * pseudo-word when pseudo != 0). */
typedef struct ner_word {
    uint64_t form, lower, shape, sshape, pos;
    uint64_t pre[4], suf[4];
    uint32_t flags;
    uint32_t pseudo; /* 0: a word; 1,2: -1,-2 before; 3,4: +1,+2 after */
    uint32_t clu;    /* word class + 1 (exact, else lower or title case) */
} ner_word;

enum {
    NER_F_INITCAP = 1u << 0,
    NER_F_ALLCAP = 1u << 1,
    NER_F_HASCAP = 1u << 2,
    NER_F_DIGIT = 1u << 3,
    NER_F_ALLDIGIT = 1u << 4,
    NER_F_HYPHEN = 1u << 5,
    NER_F_PERIOD = 1u << 6,
    NER_F_ALPHA = 1u << 7,
    NER_F_NONASCII = 1u << 8,
    NER_F_MIXED = 1u << 9, /* an upper-case letter after the first */
    NER_F_APOS = 1u << 10
    /* bits 12..15: length bucket */
};

/* The lower-case hash of a form (ASCII folding), as used by gazetteers and
 * the document memory. */
uint64_t ner_lower_hash(str s);

/* Fills *w for the word form s and its POS tag (empty: none); clu may
 * have cap 0. */
void ner_word_init(ner_word *w, str s, str pos, const ner_clu *clu);
void ner_word_pseudo(ner_word *w, uint32_t which);
/* The cache key of (form, POS). */
uint64_t ner_word_key(str s, str pos);

/* The features of word w when it stands at offset k (-2..2) from the word
 * being tagged (POS features only when use_pos). Returns their number
 * (<= NER_MAX_WORD_FEATS). */
size_t ner_word_feats(const ner_word *w, int k, bool use_pos, uint64_t *out);

/* Features of the two previous labels only (cacheable per pair). */
size_t ner_pair_feats(uint32_t p1, uint32_t p2, uint64_t *out);

typedef struct ner_s2 ner_s2; /* below */

/* Everything else about token i. Nothing here depends on the labels
 * chosen for earlier tokens of the sentence (those are the pair and
 * p1-word features), so the tagger scores these for several tokens in one
 * batch before it decodes. */
typedef struct ner_ctx {
    const ner_word *prev, *cur, *next;    /* prev/next may be pseudo-words */
    uint32_t gaz_prev, gaz_cur, gaz_next; /* ner_gaz_match codes */
    uint32_t doc;      /* document memory: 0 none, 1 seen as O, 2+type */
    uint32_t doc_next; /* the same for the next token */
    bool first;        /* first token of the sentence */
    bool caps_sent;    /* most letters of the sentence are capitals */
    bool use_pos;
    const ner_s2 *s2; /* second stage only */
} ner_ctx;

/* Stage-1 labels aggregated over a document (two-stage models): per
 * case-folded token with a capital letter, what the first stage said of
 * its occurrences. */
typedef struct ner_agg_val {
    uint32_t mask;  /* bit v for each document value v (ner_doc_value) */
    uint16_t first; /* value of the first occurrence */
    uint16_t ext;   /* bit t: inside a multi-token entity of type t */
    uint16_t cnt[2 + NER_MAX_TYPES_INT]; /* occurrences per value */
} ner_agg_val;

typedef struct ner_agg {
    uint64_t *key;
    uint32_t *gen;
    ner_agg_val *val;
    size_t mask, n;
    uint32_t cur;
} ner_agg;

void ner_agg_init(ner_agg *a);
void ner_agg_fini(ner_agg *a);
void ner_agg_begin(ner_agg *a);
const ner_agg_val *ner_agg_get(const ner_agg *a, uint64_t key);
/* Records the stage-1 classes cls of the n words of one sentence. */
void ner_agg_add_sent(ner_agg *a, const ner_word *w, const uint32_t *cls,
                      size_t n);

/* What the second stage adds to a token's context. */
struct ner_s2 {
    uint32_t s1_prev, s1_cur, s1_next; /* stage-1 classes (NER_NO_LABEL) */
    const ner_agg_val *agg, *agg_prev, *agg_next; /* NULL: none */
};

/* Features of the previous label and the current word (cacheable per
 * pair), then everything else about token i. */
size_t ner_p1w_feats(uint32_t p1, const ner_word *cur, uint64_t *out);
size_t ner_ctx_feats(const ner_ctx *c, uint64_t *out);

/* BILOU classes: 0 "O", 1 + 4*type + {0 B, 1 I, 2 L, 3 U}. */
static inline bool ner_cls_open(uint32_t c)
{
    return c != 0 && c != NER_NO_LABEL && ((c - 1) & 3u) < 2;
}
/* Whether class c may follow class prev (NER_NO_LABEL at the start); at
 * the last token only O, L and U close the sequence. */
static inline bool ner_cls_allowed(uint32_t prev, uint32_t c, bool last)
{
    if (ner_cls_open(prev)) {
        uint32_t t = (prev - 1) / 4;
        if (c == 0 || (c - 1) / 4 != t) {
            return false;
        }
        uint32_t b = (c - 1) & 3u;
        return last ? b == 2 : (b == 1 || b == 2);
    }
    if (c == 0) {
        return true;
    }
    uint32_t b = (c - 1) & 3u;
    return last ? b == 3 : (b == 0 || b == 3);
}

/* Document memory value to record for a token of class c. */
static inline uint32_t ner_doc_value(uint32_t c)
{
    return c == 0 ? 1u : 2u + (c - 1) / 4;
}

/* The document memory: lower-case form hash -> ner_doc_value; an entity
 * type replaces anything, O only fills an empty entry. Slots are stamped
 * with a generation, so starting a document costs nothing. */
typedef struct ner_docmem {
    uint64_t *key;
    uint32_t *val, *gen;
    size_t mask, n;
    uint32_t cur;
} ner_docmem;

void ner_docmem_init(ner_docmem *d);
void ner_docmem_fini(ner_docmem *d);
void ner_docmem_begin(ner_docmem *d);
uint32_t ner_docmem_get(const ner_docmem *d, uint64_t key);
void ner_docmem_put(ner_docmem *d, uint64_t key, uint32_t val);
/* Whether a token takes part in the document memory (it has a capital). */
static inline bool ner_doc_word(const ner_word *w)
{
    return (w->flags & NER_F_HASCAP) != 0;
}

#endif
