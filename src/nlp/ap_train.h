/* ap_train.h - averaged perceptron: training (see ap.h for inference).
 *
 * Used only by `dossier train` and tests. The caller owns the learning
 * loop: for each example it extracts hashed features (the same function as
 * at inference), asks ap_trainer_best() for the current prediction, and
 * calls ap_train_update() with the gold class and that prediction. After
 * each pass over the data it calls ap_trainer_end_epoch(). At any time,
 * ap_trainer_write() stores the averaged, pruned and quantized weights as
 * an ap model (ap.h) in a model_writer; training may continue afterwards
 * (this is how a trainer evaluates on dev data after each epoch).
 *
 * Everything is deterministic: weights and update counts are integers,
 * averages are computed exactly (int64 sums), and the written tables
 * depend only on the set of features and weights, not on the order in
 * which features were first seen. Shuffle the examples with ap_rng
 * (below), never rand().
 *
 * Averaging is the lazy form (Daumé's trick as in Honnibal's tagger): each
 * weight keeps its running total and the step of its last change, so an
 * update costs O(features), not O(model). */
#ifndef NLP_AP_TRAIN_H
#define NLP_AP_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "nlp/ap.h"
#include "nlp/model.h"
#include "util/err.h"
#include "util/str.h"

typedef struct ap_train_opts {
    /* Features seen fewer times than this in the first epoch are dropped
     * from the written model (they still take part in training). */
    uint32_t min_count;
    /* Averaged weights with |w| below this (in perceptron update units)
     * are dropped from the written model. */
    double prune_below;
} ap_train_opts;

#define AP_TRAIN_OPTS_DEFAULT ((ap_train_opts){1, 0.0})

typedef struct ap_trainer ap_trainer; /* opaque */

/* A trainer for n_classes classes named class_names[0..n_classes) (copied).
 * 1 <= n_classes <= AP_MAX_CLASSES. Free with ap_trainer_free(). */
ap_trainer *ap_trainer_new(const str *class_names, uint32_t n_classes,
                           const ap_train_opts *opts);
void ap_trainer_free(ap_trainer *tr);

uint32_t ap_trainer_n_classes(const ap_trainer *tr);

/* acc[c] += current (not averaged) weights of class c for the features. */
void ap_trainer_score_add(const ap_trainer *tr, const uint64_t *feats, size_t n,
                          int32_t *acc);
/* The current best class (lowest id on ties). */
uint32_t ap_trainer_best(const ap_trainer *tr, const uint64_t *feats, size_t n);

/* One training example: counts the features, advances the step, and when
 * pred != gold moves each feature's weight for gold up by 1 and for pred
 * down by 1. */
void ap_train_update(ap_trainer *tr, const uint64_t *feats, size_t n,
                     uint32_t gold, uint32_t pred);

/* The rival of a margin update (doc/internals/perceptron.md), when the
 * prediction was right: the best-scoring class other than gold among
 * those allowed (allowed NULL: every class; lowest id on ties) if it
 * scored less than `margin` below gold, else gold itself (no update).
 * Each trainer has its own notion of allowed: every tag, the labels a
 * BILOU sequence admits, the transitions that cost something. */
uint32_t ap_margin_rival(const int32_t *scores, uint32_t n_classes,
                         uint32_t gold, uint32_t margin,
                         bool (*allowed)(const void *ctx, uint32_t c),
                         const void *ctx);

/* For structured (sequence-level) updates: adds delta to the weight of
 * class cls for each of the n features (counting them, in the first pass,
 * when delta > 0), without advancing the step; ap_train_tick() advances
 * it once per example, for the averaging. */
void ap_train_add(ap_trainer *tr, const uint64_t *feats, size_t n, uint32_t cls,
                  int32_t delta);
void ap_train_tick(ap_trainer *tr);

/* Marks the end of a pass over the data (feature counting for min_count
 * stops after the first). */
void ap_trainer_end_epoch(ap_trainer *tr);

typedef struct ap_train_stats {
    uint64_t steps;    /* examples seen */
    size_t n_seen;     /* distinct features seen */
    size_t n_weighted; /* features with a non-zero weight */
    size_t n_kept;     /* features written */
    size_t n_pairs;    /* (class, weight) pairs written */
    size_t bytes;      /* bytes of the four sections */
} ap_train_stats;

/* Writes the averaged model into w as sections "<prefix>.hdr", ".cls",
 * ".tab", ".ent" (prefix: 1-3 bytes). Statistics go to *out_stats when it
 * is not NULL. The trainer is unchanged. */
DS_MUST_USE ds_rc ap_trainer_write(const ap_trainer *tr, model_writer *w,
                                   const char *prefix,
                                   ap_train_stats *out_stats, ds_err *e);

/* ---- Deterministic PRNG (splitmix64) for shuffling ---- */
typedef struct ap_rng {
    uint64_t s;
} ap_rng;

static inline uint64_t ap_rng_next(ap_rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Fisher-Yates shuffle of n uint32 indices. */
void ap_shuffle(ap_rng *r, uint32_t *idx, size_t n);

#endif
