/* ap_int.h - the on-disk layout of averaged perceptron models, shared by
 * ap.c (reader) and ap_train.c (writer). Not for use outside src/nlp/ap*.c.
 * doc/FORMATS.md describes the same layout in prose. */
#ifndef NLP_AP_INT_H
#define NLP_AP_INT_H

#include <stdint.h>

#include "nlp/ap.h"

#define AP_SECTION_VERSION 1u

/* "<P>.hdr" */
typedef struct ap_hdr {
    uint32_t version;   /* AP_SECTION_VERSION */
    uint32_t n_classes; /* 1 .. AP_MAX_CLASSES */
    uint32_t cap;       /* table slots, > n_feats */
    uint32_t n_feats;   /* occupied slots */
    uint64_t n_ents;    /* (class, weight) pairs */
    float scale;        /* value of one weight unit, > 0, finite */
    uint32_t reserved;  /* 0 */
} ap_hdr;

/* "<P>.tab": cap slots; key 0 marks an empty slot. */
typedef struct ap_slot {
    uint64_t key;
    uint32_t start; /* first pair in "<P>.ent" */
    uint32_t n;     /* number of pairs, 1 .. n_classes */
} ap_slot;

/* "<P>.ent": n_ents pairs, per feature in increasing class order. A
 * feature with n = n_classes pairs is a full row: its classes are 0 ..
 * n_classes - 1 (the loader checks), zero weights included; the writer
 * stores a feature so when it has weights for at least NUM/DEN of the
 * classes. */
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

#endif
