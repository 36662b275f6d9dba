/* ap.h - averaged perceptron: inference (load a model, score features).
 *
 * A multi-class linear model over hashed string features, the learning
 * core of the tagger, the named-entity recognizer and the parser. Training
 * is apart, in ap_train.h (libpostal's split); this half is read-only and
 * thread-safe after loading. See doc/internals/perceptron.md for why an
 * averaged perceptron with greedy decoding.
 *
 * Features. A feature is a 64-bit hash of a template id and a value
 * ("word=the" is ap_feat(TPL_WORD, ap_hash(str "the"))). Hash values once
 * (per token, per word type) and combine them with the inline mixers
 * below; no feature strings are ever built. 0 is never a feature (it
 * marks empty table slots); the mixers never return it. The hashes are
 * part of the model format: they must not change without a new format
 * version (test_ap checks fixed values).
 *
 * Scores. Weights are stored as int16 with one scale per model; scores
 * accumulate as int32 in units of ap_scale(m). Integer accumulation makes
 * scores independent of feature order, so a caller may cache partial sums
 * (e.g. all features of one word type, see ap_vcache below) and add them
 * later with bit-identical results.
 *
 * Storage (doc/FORMATS.md): four sections "<P>.hdr", "<P>.cls", "<P>.tab",
 * "<P>.ent" of a model file (model.h), where P is a prefix of 1-3 bytes so
 * one file can hold several models (e.g. "pos", or "arc" and "lab"). The
 * table is open addressing keyed by the feature hash, load factor <= 0.6,
 * 8-byte slots holding 40 bits of the key and where the feature's
 * non-zero weights start, as (class, int16) pairs after one word giving
 * their number: a lookup reads about one slot line and one weight line.
 * Keeping 40 bits of 64 means an absent feature reads a stored one's
 * weights with a chance of about 2^-40 per probe (doc/FORMATS.md). */
#ifndef NLP_AP_H
#define NLP_AP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/model.h"
#include "util/err.h"
#include "util/str.h"

#define AP_MAX_CLASSES 4096

/* ---- Feature hashing ---- */

/* Hash of a byte span (e.g. a word form). Stable (part of the format). */
uint64_t ap_hash(const void *p, size_t n);

static inline uint64_t ap_mix(uint64_t h)
{
    h ^= h >> 31;
    h *= 0x7fb5d329728ea185ULL;
    h ^= h >> 27;
    h *= 0x81dadef4bc2dd44dULL;
    h ^= h >> 33;
    return h ? h : 0x9e3779b97f4a7c15ULL;
}

/* Feature from a template id and one hashed value. */
static inline uint64_t ap_feat(uint32_t tpl, uint64_t v)
{
    return ap_mix(v ^ ((uint64_t)tpl * 0x9e3779b97f4a7c15ULL));
}

/* Feature from a template id and two values (a conjunction). */
static inline uint64_t ap_feat2(uint32_t tpl, uint64_t a, uint64_t b)
{
    return ap_mix(ap_mix(a ^ ((uint64_t)tpl * 0x9e3779b97f4a7c15ULL)) + b);
}

/* Feature from a template id and a byte span: ap_feat(tpl, ap_hash(s)). */
static inline uint64_t ap_feat_str(uint32_t tpl, str s)
{
    return ap_feat(tpl, ap_hash(s.ptr, s.len));
}

/* ---- Models ---- */

typedef struct ap_model ap_model; /* opaque, immutable after loading */

/* Reads the model stored under `prefix` in mf, validating every count,
 * offset and class id (DS_EFORMAT naming the file and section). The
 * tables are used in place: mf must stay open while *out_m is used.
 * Free with ap_model_free(). */
DS_MUST_USE ds_rc ap_model_load(const model_file *mf, const char *prefix,
                                ap_model **out_m, ds_err *e);
void ap_model_free(ap_model *m);

uint32_t ap_n_classes(const ap_model *m);
/* The name of class c (< ap_n_classes), a view into the model file. */
str ap_class_name(const ap_model *m, uint32_t c);
/* The id of the class named `name`, or -1. */
int32_t ap_class_id(const ap_model *m, str name);
/* Number of features with at least one non-zero weight. */
size_t ap_n_features(const ap_model *m);
/* The value of one score unit (int32 scores * scale = weight sums). */
float ap_scale(const ap_model *m);

/* acc[c] += the weights of class c for each of the n features, for every
 * class c (acc has ap_n_classes entries). Unknown features add nothing. */
void ap_score_add(const ap_model *m, const uint64_t *feats, size_t n,
                  int32_t *acc);

/* The same for features of several score vectors at once: feature i adds
 * to acc + rows[i] * stride. One batch of probes for all of them, so that
 * more cache misses overlap than within one vector's few features. */
void ap_score_add_rows(const ap_model *m, const uint64_t *feats,
                       const uint32_t *rows, size_t n, int32_t *acc,
                       size_t stride);

/* A queue of features for several score vectors, filled vector by
 * vector (token by token) and looked up by ap_score_add_rows when the next
 * vector's features might not fit, so that one batch of probes spans
 * several tokens:
 *
 *     ap_rows q;
 *     ap_rows_init(&q, m, acc, stride);
 *     for each token i:
 *         ap_rows_add(&q, my_feats(i, ap_rows_room(&q, MY_MAX)), i);
 *     ap_rows_flush(&q);
 */
#define AP_ROWS_CAP 128
typedef struct ap_rows {
    const ap_model *m;
    int32_t *acc;
    size_t stride, n;
    uint64_t f[AP_ROWS_CAP];
    uint32_t row[AP_ROWS_CAP];
} ap_rows;

static inline void ap_rows_init(ap_rows *q, const ap_model *m, int32_t *acc,
                                size_t stride)
{
    q->m = m;
    q->acc = acc;
    q->stride = stride;
    q->n = 0;
}

/* Looks up and empties the queue. */
void ap_rows_flush(ap_rows *q);

/* Where to write the next vector's features, at most max of them (max <=
 * AP_ROWS_CAP); the queue is flushed first when they might not fit. */
static inline uint64_t *ap_rows_room(ap_rows *q, size_t max)
{
    if (q->n + max > AP_ROWS_CAP) {
        ap_rows_flush(q);
    }
    return q->f + q->n;
}

/* Queues the k features just written at ap_rows_room for vector r. */
static inline void ap_rows_add(ap_rows *q, size_t k, uint32_t r)
{
    for (size_t i = q->n; i < q->n + k; i++) {
        q->row[i] = r;
    }
    q->n += k;
}

/* One non-zero weight of a feature, in score units. */
typedef struct ap_weight {
    uint16_t cls;
    int16_t w;
} ap_weight;

/* The weights of one feature: returns its number of non-zero classes (0
 * when unknown) and points *out_w at that many pairs, in increasing class
 * order (valid as long as the model). */
uint32_t ap_lookup(const ap_model *m, uint64_t feat, const ap_weight **out_w);
/* Asks the CPU for the table slots of n features ahead of their
 * ap_lookup, so that the cache misses of independent lookups overlap
 * (ap_score_add does this itself). */
void ap_prefetch(const ap_model *m, const uint64_t *feats, size_t n);

typedef int32_t ap_v4i __attribute__((vector_size(16)));

/* acc[c] += the weight of class c, for the n pairs at w from ap_lookup on
 * a model of n_classes classes. A full row (n == n_classes: classes 0 ..
 * n - 1 in order, see doc/FORMATS.md) is added four classes at a time:
 * each little-endian pair read as an int32 is cls + (w << 16), so an
 * arithmetic shift by 16 gives the weight. */
static inline void ap_weights_add(int32_t *acc, const ap_weight *w, uint32_t n,
                                  uint32_t n_classes)
{
    uint32_t k = 0;
    if (n == n_classes) {
        for (; k + 4 <= n; k += 4) {
            ap_v4i x, a;
            __builtin_memcpy(&x, w + k, sizeof x);
            __builtin_memcpy(&a, acc + k, sizeof a);
            a += x >> 16;
            __builtin_memcpy(acc + k, &a, sizeof a);
        }
    }
    for (; k < n; k++) {
        acc[w[k].cls] += w[k].w;
    }
}

/* out[c] = scale * (sum of the weights of class c over the features). */
void ap_score(const ap_model *m, const uint64_t *feats, size_t n, float *out);

/* The best class for the features (lowest id on ties); the scores go to
 * out_scores when it is not NULL (ap_n_classes floats). */
uint32_t ap_best(const ap_model *m, const uint64_t *feats, size_t n,
                 float *out_scores);

/* Index of the largest of n int32 scores (lowest index on ties). n > 0. */
uint32_t ap_argmax(const int32_t *scores, uint32_t n);

/* ---- A cache of partial score vectors (one per thread) ----
 *
 * Most tagger features depend only on one word form; their summed scores
 * per word type can be computed once and reused. ap_vcache is a
 * direct-mapped cache of int32 vectors keyed by a 64-bit hash. It is
 * mutable: give each thread its own. */
typedef struct ap_vcache ap_vcache;

/* n_slots is rounded up to a power of two; width is the number of int32
 * per entry. Free with ap_vcache_free(). */
ap_vcache *ap_vcache_new(size_t n_slots, size_t width);
void ap_vcache_free(ap_vcache *c);
/* Empties the cache (e.g. when switching to another model). */
void ap_vcache_clear(ap_vcache *c);

/* The entry for `key`. On a miss the slot is taken over for key, zeroed,
 * and *out_fresh set to true: the caller fills it. Valid until the next
 * ap_vcache_get or ap_vcache_clear on the same cache. key != 0. */
int32_t *ap_vcache_get(ap_vcache *c, uint64_t key, bool *out_fresh);

#endif
