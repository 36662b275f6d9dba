/* sent.h - the learned sentence-boundary decision (on top of tok.c's rules).
 *
 * The tokenizer's rules propose candidate boundaries (tok_cand in tok.h):
 * after terminal punctuation, abbreviations, addresses and colons, at line
 * breaks, and before a capital or digit where nothing marks an end (the
 * headlines, e-mail headers and sign-offs a rule cannot see). At each
 * candidate a binary averaged perceptron (ap.h) over a few dozen hashed
 * features decides: the tokens around the gap (forms, lower-cased forms,
 * shapes, lengths, abbreviation class per the tokenizer's lists, initials),
 * the next two tokens, the kind of cue, the line break, the rules' own
 * decision, and the position in the sentence and the paragraph. The
 * boundary is taken when score(end) - score(no) > the model's threshold
 * (tuned on dev at training time).
 *
 * Only candidates are scored (about one token in ten), so the cost is
 * about 25 table probes there. The model is immutable after loading and may be
 * shared by any number of threads.
 *
 * File: models/sent.model (model.h container, kind SENT_MODEL_KIND), with
 * the perceptron under prefix "snt" and a section "snt.cfg" (u32 version,
 * i32 threshold in score units, little-endian). See
 * doc/internals/tokenizer.md. */
#ifndef NLP_SENT_H
#define NLP_SENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/model.h"
#include "nlp/tok.h"
#include "util/err.h"
#include "util/str.h"

#define SENT_MODEL_FILE "sent.model" /* in model_default_dir() */
/* The container kind of sentence models. model.h lists kinds 1-4; this is
 * the next free value until it gets a MODEL_KIND_ name there. */
#define SENT_MODEL_KIND  MODEL_KIND_SENT
#define SENT_CFG_VERSION 1u
#define SENT_MAX_FEATS   64 /* bound on sent_features() */

enum { SENT_NO = 0, SENT_END = 1 }; /* classes of the model */

/* Opens and validates a sentence model file. DS_EIO / DS_EFORMAT with the
 * path in the message. Free with sent_model_free(). */
DS_MUST_USE ds_rc sent_model_open(const char *path, sent_model **out_m,
                                  ds_err *e);

/* Builds a model over an open model file, which the model then owns (it
 * is closed by sent_model_free, also on failure). */
DS_MUST_USE ds_rc sent_model_from(model_file *mf, sent_model **out_m,
                                  ds_err *e);

/* NULL is a no-op. */
void sent_model_free(sent_model *m);

/* The decision threshold, in score units. */
int32_t sent_model_threshold(const sent_model *m);
/* The value of one score unit in perceptron update units (ap_scale). */
float sent_model_scale(const sent_model *m);

/* Writes the hashed features of candidate c into out (at least
 * SENT_MAX_FEATS entries); returns how many. The same function serves
 * training and inference. Cannot fail. */
size_t sent_features(const tok_cand *c, uint64_t *out);

/* score(end) - score(no) for candidate c, in score units. */
int32_t sent_margin(const sent_model *m, const tok_cand *c);

/* Whether the sentence ends at candidate c. */
bool sent_decide(const sent_model *m, const tok_cand *c);

/* ---- Training (sent_train.c; `dossier train sent`) ----
 *
 * Rebuilds the raw text of the training treebank exactly as tok_eval does
 * (tok_eval_rebuild), runs the tokenizer on it and collects one example per
 * candidate boundary (label: a gold sentence starts at the next token),
 * with the sentence in progress following the gold decisions. Then
 * `iterations` passes of averaged-perceptron training, examples shuffled
 * with `seed`; after each pass the model is scored on dev (sentence F1 of
 * tok_eval, for each threshold of a small grid); the best (pass,
 * threshold), earliest on ties, is written. Same data and options, same
 * bytes. */
typedef struct sent_train_opts {
    uint32_t iterations; /* passes over the examples */
    uint64_t seed;       /* shuffling */
    uint32_t min_count;  /* drop features seen fewer times (first pass) */
    double prune_below;  /* drop averaged weights smaller than this */
    bool tune_threshold; /* search the threshold on dev (else 0) */
    /* Called after each pass (may be NULL): dev scores with the best
     * threshold of that pass. */
    void (*progress)(void *ctx, uint32_t iter, double dev_f1, double dev_p,
                     double dev_r, int32_t threshold, double seconds);
    void *progress_ctx;
} sent_train_opts;

#define SENT_TRAIN_OPTS_DEFAULT                                                \
    ((sent_train_opts){8, 1, 2, 0.5, true, NULL, NULL})

typedef struct sent_train_result {
    uint32_t best_iter;          /* 1-based */
    int32_t threshold;           /* score units */
    double dev_p, dev_r, dev_f1; /* sentences, written model */
    size_t n_examples, n_positive;
    size_t n_features, n_pairs; /* written model */
    size_t model_bytes;
    double seconds;
} sent_train_result;

/* Trains on the CoNLL-U text `train`, selects on `dev` (names for
 * messages); the model file's bytes go to *out_bytes (free with xfree).
 * DS_EFORMAT for malformed input, DS_EINVAL when train has no candidate. */
DS_MUST_USE ds_rc sent_train_mem(str train, const char *train_name, str dev,
                                 const char *dev_name, const sent_train_opts *o,
                                 void **out_bytes, size_t *out_len,
                                 sent_train_result *out, ds_err *e);

/* Reads the files, trains as sent_train_mem and writes out_path
 * atomically. */
DS_MUST_USE ds_rc sent_train_files(const char *train_path, const char *dev_path,
                                   const char *out_path,
                                   const sent_train_opts *o,
                                   sent_train_result *out, ds_err *e);

#endif
