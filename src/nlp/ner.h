/* ner.h - named-entity recognizer: PER, ORG, LOC, MISC (CoNLL-2003) or
 * PER, ORG, LOC (UNER, web text), from tokens.
 *
 * A greedy left-to-right tagger over an averaged perceptron (ap.h) whose
 * classes are BILOU labels ("O", "B-PER", "I-PER", "L-PER", "U-PER", ...).
 * Decoding is constrained to well-formed label sequences, so every output
 * is a set of non-overlapping spans. Features (doc/internals/ner.md): word,
 * lower case, shapes, affixes 1-4, capitalization flags and POS over a
 * window of -2..+2, word classes (exchange clustering of unlabelled text),
 * the two previous labels and their conjunctions with the
 * word, gazetteer matches (compiled into the model file) and non-local
 * document features after Ratinov & Roth 2009: the entity type given
 * earlier in the same document to the same (case-folded) token.
 *
 * Speed: features of one word form (and its POS) are scored once per word
 * type into the tagger's ap_vcache; tagging a known word costs a few
 * vector additions and a handful of table probes.
 *
 * Threads: a ner_model is immutable and may be shared; a ner_tagger (the
 * caches, the document memory and scratch arrays) belongs to one thread.
 *
 * Model files: kind MODEL_KIND_NER, sections "ner.hdr/cls/tab/ent" (the
 * ap model), "ner.opts", "ner.gaz" (the gazetteer table) and "ner.clu"
 * (word classes); see
 * doc/internals/ner.md. Shipped models: models/ner-conll.model (news,
 * CoNLL-2003) and models/ner-web.model (web/forum text, UNER EWT). */
#ifndef NLP_NER_H
#define NLP_NER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/model.h"
#include "nlp/tok.h"
#include "util/err.h"
#include "util/str.h"

#define NER_MODEL_CONLL "ner-conll.model" /* in model_default_dir() */
#define NER_MODEL_WEB   "ner-web.model"
#define NER_MAX_TYPES   8

typedef struct ner_model ner_model;   /* opaque, immutable, shareable */
typedef struct ner_tagger ner_tagger; /* opaque, one per thread */

/* One entity: tokens first..last (inclusive) of the sentence (ner_tag_sent)
 * or of the document (ner_tag_doc, ner_tag_tokens). conf in (0, 1] is the
 * smallest per-token margin confidence of the span (a logistic of the
 * score margin over the best other admissible label). */
typedef struct ner_span {
    uint32_t first, last;
    uint16_t type; /* < ner_n_types() */
    float conf;
} ner_span;

/* ---- Models ---- */

/* Opens and validates the model file at path (mmap). Free with
 * ner_model_free(). DS_ENOTFOUND/DS_EIO/DS_EFORMAT with the path. */
DS_MUST_USE ds_rc ner_model_open(const char *path, ner_model **out_m,
                                 ds_err *e);
/* The same from an open model file (borrowed: must outlive *out_m). */
DS_MUST_USE ds_rc ner_model_from(const model_file *mf, ner_model **out_m,
                                 ds_err *e);
void ner_model_free(ner_model *m);

/* Entity types ("LOC", "MISC", ...; views into the model file). */
uint32_t ner_n_types(const ner_model *m);
str ner_type_name(const ner_model *m, uint32_t type);
/* Whether the model was trained with POS features: then ner_tag_* should
 * be given PTB (XPOS) tags; without them it still works, less well. */
bool ner_model_uses_pos(const ner_model *m);
size_t ner_model_size(const ner_model *m);
/* Number of gazetteer entries compiled into the model. */
size_t ner_model_gaz_entries(const ner_model *m);

/* ---- Tagging ---- */

/* A tagger for m (borrowed: must outlive it). Free with ner_tagger_free(). */
ner_tagger *ner_tagger_new(const ner_model *m);
void ner_tagger_free(ner_tagger *t);
/* The model the tagger was made for. */
const ner_model *ner_tagger_model(const ner_tagger *t);

/* Starts a new document: forgets the labels of earlier sentences (the
 * non-local features). ner_tag_doc and ner_tag_tokens call it. With a
 * two-stage model, ner_tag_sent sees only the document so far (earlier
 * sentences and this one); ner_tag_doc* see all of it. */
void ner_doc_begin(ner_tagger *t);

/* Tags one sentence of n words (views; any bytes), continuing the current
 * document. pos: n PTB tags or NULL. Writes the spans to out_spans (room
 * for n) and returns their number; out_labels (may be NULL) receives n
 * IOB2 label ids (see ner_label_name). */
size_t ner_tag_sent(ner_tagger *t, const str *words, const str *pos, size_t n,
                    ner_span *out_spans, uint16_t *out_labels);

/* One sentence of a document. */
typedef struct ner_sent {
    const str *words;
    const str *pos; /* NULL: no POS */
    size_t n;
} ner_sent;

/* Tags a whole document (ner_doc_begin + ner_tag_sent per sentence). Span
 * token indices count across the document (the first token of sentence s
 * is the sum of the lengths before s). out_spans needs room for the total
 * number of tokens. Returns the number of spans. */
size_t ner_tag_doc(ner_tagger *t, const ner_sent *sents, size_t n_sents,
                   ner_span *out_spans);

/* Tags a whole document given as one array of words (and PTB tags or
 * NULL) with sentence i at sent_start[i] .. sent_start[i + 1] - 1 (n_sents
 * + 1 entries). Span indices count across the document; out_labels (may
 * be NULL) receives sent_start[n_sents] IOB2 label ids. A two-stage model
 * runs its first stage over the whole document before the second. */
size_t ner_tag_doc_flat(ner_tagger *t, const str *words, const str *pos,
                        const uint32_t *sent_start, size_t n_sents,
                        ner_span *out_spans, uint16_t *out_labels);

/* Tags the tokens of a tokenizer result as one document (text is the
 * tokenized text; pos: r->n_toks PTB tags or NULL). Span indices are
 * indices into r->toks; out_spans needs room for r->n_toks. */
size_t ner_tag_tokens(ner_tagger *t, str text, const tok_result *r,
                      const str *pos, ner_span *out_spans);

/* IOB2 label ids used by out_labels: 0 is "O", 1 + 2*type is "B-TYPE",
 * 2 + 2*type is "I-TYPE". Writes the name to out (at least 16 bytes) and
 * returns it as a view. */
str ner_label_name(const ner_model *m, uint16_t label, char *out, size_t cap);

/* ---- Training (dossier train ner; doc/internals/ner.md) ---- */

typedef struct ner_eval ner_eval; /* ner_eval.h */

typedef enum ner_format {
    NER_FMT_AUTO = 0,
    NER_FMT_CONLL, /* "WORD POS CHUNK TAG" lines, -DOCSTART-, IOB1 or IOB2 */
    NER_FMT_IOB2   /* "ID<TAB>WORD<TAB>TAG..." lines, "# newdoc" (UNER) */
} ner_format;

typedef struct ner_train_opts {
    const char *train_path, *dev_path, *out_path;
    const char *gaz_dir;    /* gazetteer lists (models/gaz) or NULL */
    const char *clusters;   /* "WORD<TAB>CLASS" lines (word classes) or NULL */
    const char *drop_types; /* comma-separated types to treat as O */
    ner_format format;
    uint32_t iterations;    /* passes over the training data */
    uint64_t seed;          /* document shuffling */
    uint32_t min_count;     /* drop features seen fewer times (first pass) */
    double prune_below;     /* drop averaged weights smaller than this */
    bool use_pos;           /* POS features from the data's POS column */
    bool use_doc;           /* non-local document features */
    uint32_t stages;        /* 1, or 2: a second stage over the first's labels
                               of the whole document (Ratinov & Roth 2009) */
    uint32_t folds;         /* jackknife folds for the second stage (0: 5) */
    uint32_t jk_iterations; /* passes of each fold's model (0: 8) */
    uint32_t margin;        /* also update when gold wins by less (0: off) */
    /* Called after each pass (may be NULL). */
    void (*progress)(void *ctx, uint32_t iter, double train_acc,
                     const ner_eval *dev, size_t n_feats, size_t bytes,
                     double seconds);
    void *progress_ctx;
} ner_train_opts;

typedef struct ner_train_result {
    uint32_t best_iter; /* 1-based */
    double dev_f1;
    double stage1_f1; /* dev F1 of the first stage (two stages) */
    size_t model_bytes, n_feats, n_pairs, gaz_entries;
    size_t train_tokens, train_docs;
    double seconds;
} ner_train_result;

/* Trains on the train file, selects the pass with the best dev F1
 * (earliest on ties) and writes it to out_path. Deterministic: same
 * inputs and options, same bytes. */
DS_MUST_USE ds_rc ner_train(const ner_train_opts *o, ner_train_result *out,
                            ds_err *e);

#endif
