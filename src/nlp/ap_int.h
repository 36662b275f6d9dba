/* ap_int.h - the on-disk layout of averaged perceptron models, shared by
 * ap.c (reader) and ap_train.c (writer). Not for use outside src/nlp/ap*.c
 * (and the unit tests, which build files by hand). doc/FORMATS.md
 * describes the same layout in prose.
 *
 * Section version 2 (8-byte slots). Version 1 had 16-byte slots {u64 key,
 * u32 start, u32 n}: the table was two thirds of every model file, and a
 * lookup read a slot line and then a weight line. Version 2 keeps 40 bits
 * of the key and a 24-bit start in one u64, and moves n in front of the
 * weights it counts, so a lookup still touches one slot and one weight
 * line while the table is half as large. Version 1 files are refused with
 * a message to retrain (doc/internals/perceptron.md says why). */
#ifndef NLP_AP_INT_H
#define NLP_AP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "nlp/ap.h"
#include "util/err.h"

#define AP_SECTION_VERSION 2u

/* "<P>.hdr" */
typedef struct ap_hdr {
    uint32_t version;   /* AP_SECTION_VERSION */
    uint32_t n_classes; /* 1 .. AP_MAX_CLASSES */
    uint32_t cap;       /* table slots, > n_feats */
    uint32_t n_feats;   /* occupied slots */
    uint64_t n_words;   /* 4-byte words in "<P>.ent", <= AP_MAX_WORDS */
    float scale;        /* value of one weight unit, > 0, finite */
    uint32_t reserved;  /* 0 */
} ap_hdr;

/* "<P>.tab": cap slots of one u64, 0 = empty. An occupied slot is
 *
 *     (key << AP_START_BITS) | start
 *
 * i.e. the low AP_FP_BITS (40) bits of the feature key in the high bits
 * (the fingerprint), and in the low AP_START_BITS (24) bits the index in
 * "<P>.ent" of the feature's first weight. The word before that one is
 * the list's header, so start >= 1 and an occupied slot is never 0.
 *
 * Why the low bits: ap_home() picks the home slot from the high 32 bits
 * of the key, and for cap <= 2^24 the slot is fixed by the top 24 of them
 * (up to one slot of carry), so a probe that has reached a slot knows
 * about nothing of the low 40: an absent feature matches a stored
 * fingerprint with a chance of about 2^-40 per occupied slot probed
 * (doc/FORMATS.md). The writer refuses a table where one stored feature
 * would hide another (same fingerprint earlier on its probe path). */
typedef uint64_t ap_slot;
#define AP_START_BITS 24u
#define AP_FP_BITS    (64u - AP_START_BITS)
#define AP_START_MASK ((UINT64_C(1) << AP_START_BITS) - 1)
/* "<P>.ent" has at most this many words, so that every start fits. */
#define AP_MAX_WORDS (UINT64_C(1) << AP_START_BITS)

/* The slot of a feature whose weights begin at word `start` (>= 1). */
static inline ap_slot ap_slot_make(uint64_t key, uint32_t start)
{
    return (key << AP_START_BITS) | start;
}

/* "<P>.ent": n_words 4-byte words. For each feature, in any order (the
 * writer puts the most frequent first) and without gaps or overlaps (the
 * loader checks): one header word n (the number of
 * weights, 1 .. n_classes), then n (class, weight) pairs (ap_weight) in
 * strictly increasing class order. A feature with n = n_classes pairs is
 * a full row: its classes are then 0 .. n_classes - 1, zero weights
 * included; the writer stores a feature so when it has weights for at
 * least NUM/DEN of the classes. */
#define AP_FULL_ROW_NUM 1u
#define AP_FULL_ROW_DEN 2u
typedef ap_weight ap_ent;

/* "<P>.cls": uint32 offsets[n_classes + 1] (relative to the end of the
 * offset array, increasing), then the names' bytes (not NUL-terminated). */

/* The home slot of a key in a table of cap slots (multiply-shift on the
 * high bits: cap need not be a power of two). */
static inline uint32_t ap_home(uint64_t key, uint32_t cap)
{
    return (uint32_t)(((key >> 32) * (uint64_t)cap) >> 32);
}

/* DS_OK when a model whose "<P>.ent" has n_words words can be stored,
 * else DS_ETOOBIG naming the limit (AP_MAX_WORDS). The writer's check,
 * apart so that a test can reach it without a 64 MiB model. */
DS_MUST_USE ds_rc ap_check_words(const char *prefix, uint64_t n_words,
                                 ds_err *e);

#endif
