/* dep.h - transition-based dependency parser for Universal Dependencies.
 *
 * Greedy arc-eager parsing (Nivre 2003) with the root at the bottom of
 * the stack, scored by one averaged perceptron (ap.h) over the rich
 * non-local feature set of Zhang & Nivre (2011), trained with the dynamic
 * oracle of Goldberg & Nivre (2012). Transitions and labels are joint
 * classes: SHIFT, REDUCE, LEFT-l and RIGHT-l for every DEPREL l of the
 * training data, subtypes included ("nsubj:pass"). The method, its
 * choices and the figures are in doc/internals/parser.md.
 *
 * Input is one sentence of syntactic words (a UD multiword token gives
 * its words, "don't" -> "do" "n't") with their UPOS and XPOS as strings;
 * output is, per word, its head (0 for the root, else 1-based word
 * index) and its label id. Every output is a tree: exactly one word has
 * head 0, every word has a head, and there is no cycle -- whatever the
 * input and the model (dep_tree_valid() checks it).
 *
 * Thread safety: a dep_model is immutable after loading and may be shared;
 * a dep_parser holds the per-call scratch and belongs to one thread.
 *
 * Model files: kind MODEL_KIND_PARSE, sections "dep.hdr/cls/tab/ent" (the
 * ap model, classes "SHIFT", "REDUCE", "L:<label>", "R:<label>") and
 * "dep.opts" (format and feature-set version). The shipped model is
 * models/parse.model. */
#ifndef NLP_DEP_H
#define NLP_DEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/model.h"
#include "nlp/pos.h"
#include "util/err.h"
#include "util/str.h"

#define DEP_MODEL_FILE "parse.model" /* in model_default_dir() */

#define DEP_MAX_BEAM 64 /* the widest beam a model may ask for */

typedef struct dep_model dep_model;   /* opaque, immutable, shareable */
typedef struct dep_parser dep_parser; /* opaque, one per thread */

/* Opens and validates the model file at path (mmap). Free with
 * dep_model_free(). DS_ENOTFOUND when the file does not exist, DS_EIO,
 * DS_EFORMAT (with the path and the reason: not a parser model, bad
 * class names, no "root" label, damaged ap tables). */
DS_MUST_USE ds_rc dep_model_open(const char *path, dep_model **out_m,
                                 ds_err *e);
/* The same from an open model file, which is borrowed: it must outlive
 * *out_m. */
DS_MUST_USE ds_rc dep_model_from(const model_file *mf, dep_model **out_m,
                                 ds_err *e);
/* NULL is a no-op. Closes the file only if dep_model_open opened it. */
void dep_model_free(dep_model *m);

/* Number of labels; label ids are 0 .. dep_n_labels()-1. */
uint32_t dep_n_labels(const dep_model *m);
/* The DEPREL of a label id (a view into the model file; "_" when out of
 * range). */
str dep_label_name(const dep_model *m, uint32_t label);
/* Size in bytes of the model file. */
size_t dep_model_size(const dep_model *m);

/* A parser (scratch memory) for m, which is borrowed and must outlive it.
 * Free with dep_parser_free() (NULL is a no-op). */
dep_parser *dep_parser_new(const dep_model *m);
void dep_parser_free(dep_parser *p);

/* A sentence for the parser: per word (index i is word i+1) its form,
 * UPOS and XPOS (views, any bytes, empty allowed), and optionally the
 * tagger's runner-up (pos_tag_sent_alt): the best UPOS other than the
 * chosen one (empty: none) and how far below it scored. alt_upos and
 * alt_margin are both NULL when the tags are given (gold POS); a model
 * trained without them ignores them. */
typedef struct dep_input {
    const str *forms, *upos, *xpos;
    const str *alt_upos;
    const float *alt_margin;
} dep_input;

/* Parses one sentence of n words. Writes out_heads[i] (0 = root, else
 * 1..n) and out_labels[i] (a label id) for i < n. n == 0 does nothing.
 * The result is always a valid tree (see above). Cannot fail; memory
 * grows with the longest sentence seen. */
void dep_parse(dep_parser *p, const dep_input *in, size_t n,
               uint32_t *out_heads, uint16_t *out_labels);

/* The beam the model was trained for (1: greedy). */
uint32_t dep_model_beam(const dep_model *m);
/* Decode with another beam width (0: the model's; at most DEP_MAX_BEAM):
 * a globally trained model (train parse --beam) may be decoded narrower
 * for speed, and sums its scores along a sequence. A greedy model sums
 * the log-probabilities of its transitions instead (its scores are not
 * trained to add up; each state's become a softmax, dep_local_logprob):
 * the shipped one gains about 0.6 UAS at width 2 and 1.0 at width 4,
 * at 58 % and 44 % of the greedy speed. */
void dep_parser_set_beam(dep_parser *p, uint32_t width);

/* Whether the model reads the tagger's runner-up tags (dep_input). */
bool dep_uses_alt(const dep_model *m);

/* True when heads[0..n) (values 0..n, 0 = root) form a tree: exactly one
 * word attached to 0, every word reaches 0, no cycle. */
bool dep_tree_valid(const uint32_t *heads, size_t n);

/* ---- Evaluation with gold tokens (dossier eval parse, tests) ---- */

typedef struct dep_eval {
    size_t words, sentences;
    size_t head_ok;        /* UAS numerator */
    size_t label_ok;       /* label accuracy numerator (full DEPREL) */
    size_t both_ok;        /* LAS numerator (full DEPREL, subtypes included) */
    size_t both_univ_ok;   /* LAS with the universal part only (CoNLL 2018) */
    size_t pos_ok;         /* predicted UPOS equal to gold (when tagging) */
    size_t pos_ok_head_ok; /* of those, words with the right head */
    double uas, las, la, las_univ, upos_acc; /* percentages */
    /* UAS on the words whose predicted UPOS is right, and on the others
     * (when tagging; 0 with gold POS) */
    double uas_tag_right, uas_tag_wrong;
    double seconds;     /* parsing CPU time of the calling thread (no
                           tagging, no reading) */
    double words_per_s; /* words / seconds */
    double tag_seconds; /* tagging time (predicted POS) */
} dep_eval;

/* Parses every sentence of a CoNLL-U text (gold tokenization: the word
 * lines; multiword token lines and empty nodes are skipped) and compares
 * with its HEAD and DEPREL columns, punctuation included. With tagger ==
 * NULL the gold UPOS/XPOS columns are the parser's input, else the
 * predictions of tagger, a tagger for pm. DS_EFORMAT with the line for
 * malformed data. */
DS_MUST_USE ds_rc dep_eval_conllu(dep_parser *p, const pos_model *pm,
                                  pos_tagger *tagger, str conllu, dep_eval *out,
                                  ds_err *e);

/* ---- Training (dossier train parse, tests; in dep_train.c) ---- */

typedef struct dep_train_opts {
    uint32_t iterations;   /* passes over the training data */
    uint64_t seed;         /* shuffling and exploration (ap_rng) */
    uint32_t explore_from; /* first pass (1-based) that follows the model's
                              own wrong transitions (dynamic oracle) */
    double explore_p;      /* probability of following such a transition */
    uint32_t margin; /* also update when a right transition wins by less */
    /* > 1: train a beam of this width globally (max-violation updates
     * over whole transition sequences, static oracle, no exploration) and
     * decode with it; 0 or 1: greedy with the dynamic oracle. */
    uint32_t beam;
    uint32_t min_count; /* drop features seen fewer times (first pass) */
    double prune_below; /* drop averaged weights smaller than this */
    size_t max_bytes;   /* passes whose model file is larger are not
                           selected (0: no limit; when none fits, the
                           smallest is) */
    uint32_t pos_mode;  /* POS in the templates: 0 UPOS+XPOS joint, 1
                           UPOS, 2 XPOS (both always appear alone too) */
    /* Optional: tag the dev words with this tagger instead of using the
     * gold POS columns (NULL: gold POS), and the training words too when
     * tag_train is set (otherwise the training POS columns are used as
     * they are: gold, or jackknifed predictions put there by the
     * caller). */
    const pos_model *pos;
    bool tag_train;
    /* Copy the word classes of pos into the model and use them in the
     * features (feature set 5). */
    bool word_classes;
    /* Runner-up UPOS features for words whose tag won by less than this
     * (weight units; 0: none). The runner-ups come from the tagger `pos`
     * for dev (and train with tag_train), else from the training file's
     * MISC column (dep_alt_misc, written by the jackknife). */
    uint32_t alt_margin;
    /* Called after each pass (may be NULL). */
    void (*progress)(void *ctx, uint32_t iter, double train_acc,
                     const dep_eval *dev, size_t model_bytes, double seconds);
    void *progress_ctx;
} dep_train_opts;

/* The MISC item that carries a word's runner-up in a training file,
 * "AltUPOS=NOUN:37.50" (the trainer reads it back), into out (cap bytes,
 * NUL-terminated; the UPOS is cut at 40 bytes). */
void dep_alt_misc(char *out, size_t cap, str upos, float margin);

typedef struct dep_train_result {
    uint32_t best_iter; /* 1-based pass written */
    dep_eval dev;       /* of the written model */
    size_t model_bytes;
    uint32_t n_labels;
    size_t train_words, train_sents;
    size_t nonproj_sents; /* training trees that needed lifting */
    size_t lifted_arcs;
    double seconds; /* whole training */
} dep_train_result;

/* Trains on the CoNLL-U text `train`, selects the pass with the best LAS
 * on `dev` (earliest on ties) among those within max_bytes and returns that
 * model file in a new buffer
 * (*out_model, *out_len; free with xfree). Same inputs and options, same
 * bytes. DS_EFORMAT for malformed data, DS_EINVAL for empty data. */
DS_MUST_USE ds_rc dep_train_mem(str train, str dev, const dep_train_opts *o,
                                void **out_model, size_t *out_len,
                                dep_train_result *out, ds_err *e);

#endif
