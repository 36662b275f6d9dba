/* pos_train.h - training the part-of-speech tagger (pos.h) from CoNLL-U.
 *
 * Used by `dossier train pos` and tools/make-models.sh. Reads the training
 * file (FORM, UPOS, XPOS of word lines), builds the joint tag set (sorted
 * "UPOS XPOS" names) and the tag dictionary, then runs `iterations` passes
 * of greedy averaged-perceptron training over the sentences in an order
 * shuffled with `seed` (ap_rng). After each pass the averaged model is
 * evaluated on the dev file; the pass with the best dev UPOS accuracy
 * (earliest on ties) is written to out_path. Same inputs and options, same
 * bytes. */
#ifndef NLP_POS_TRAIN_H
#define NLP_POS_TRAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "nlp/ap_train.h"
#include "nlp/pos.h"
#include "util/err.h"

/* The shipped tagger's settings (tools/make-models.sh): the defaults of
 * `dossier train pos` and of the jackknife taggers of `train parse`, so
 * that the parser trains on tags as good as those it will see. */
#define POS_TRAIN_ITERATIONS 12
#define POS_TRAIN_MIN_COUNT  2
#define POS_TRAIN_PRUNE      1.0
#define POS_TRAIN_DICT_MIN   1
#define POS_TRAIN_DICT_RATIO 0.02
#define POS_TRAIN_MARGIN     100

/* Defaults of the options below that are 0. */
#define POS_TRAIN_FOLDS           10
#define POS_TRAIN_RESTRICT_MIN    20
#define POS_TRAIN_RESTRICT_COVER  0.995
#define POS_TRAIN_CLUSTERS        "ner-clusters.txt"
#define POS_TRAIN_PASS2_FOLDS     1 /* off: it did not help (pos.md) */
#define POS_TRAIN_PASS2_FOLD_ITER 5
#define POS_TRAIN_PASS2_ITER      8

typedef struct pos_train_opts {
    const char *train_path, *dev_path, *out_path;
    uint32_t iterations; /* passes over the training data */
    uint64_t seed;       /* shuffling */
    uint32_t min_count;  /* drop features seen fewer times (first pass) */
    double prune_below;  /* drop averaged weights smaller than this */
    uint32_t dict_min;   /* words seen fewer times get no dictionary entry */
    double dict_ratio;   /* a tag enters a word's class above this share */
    /* Jackknifing: training words see the dictionary of the other folds
     * (sentence index mod folds); 0 or 1: of the whole training data. */
    uint32_t folds;
    /* A word seen at least restrict_min times whose listed tags cover at
     * least restrict_cover of its occurrences is "closed": the tagger only
     * considers its listed tags. restrict_min 0: no word is closed. */
    uint32_t restrict_min;
    double restrict_cover;
    bool restrict_train; /* the same restriction during training */
    /* Also update when the gold tag wins by fewer than this many score
     * units (a perceptron with margin; 0: only on mistakes). */
    uint32_t margin;
    /* Word classes, "WORD<TAB>CLASS" lines (models/ner-clusters.txt,
     * tools/build-clusters.sh); they are copied into the model. NULL: the
     * file POS_TRAIN_CLUSTERS of model_default_dir() when it exists, else
     * none; "": none. */
    const char *clusters_path;
    /* Second pass (pos_int.h): trained on the output of first passes
     * trained without the sentence's fold (pass2_folds folds,
     * pass2_fold_iterations epochs each), pass2_iterations epochs; kept
     * when it beats the first pass alone on dev. pass2_folds 1: none;
     * 0: POS_TRAIN_PASS2_FOLDS. */
    uint32_t pass2_folds, pass2_fold_iterations, pass2_iterations;
    /* Called after each pass (may be NULL). */
    void (*progress)(void *ctx, uint32_t iter, double train_acc,
                     const pos_eval *dev, const ap_train_stats *st,
                     double seconds);
    void *progress_ctx;
} pos_train_opts;

typedef struct pos_train_result {
    uint32_t best_iter;   /* 1-based, of the first pass */
    uint32_t pass2_iter;  /* 1-based, 0: no second pass in the model */
    double pass1_upos;    /* dev UPOS of the first pass alone */
    pos_eval dev;         /* of the written model */
    ap_train_stats stats; /* of the written model */
    size_t model_bytes;
    uint32_t n_tags;
    size_t train_words, dict_words;
    size_t cluster_words; /* words with a class in the model, 0: none */
    uint32_t n_clusters;
    double seconds; /* whole training */
} pos_train_result;

DS_MUST_USE ds_rc pos_train(const pos_train_opts *o, pos_train_result *out,
                            ds_err *e);

#endif
