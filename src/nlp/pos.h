/* pos.h - part-of-speech tagger: UPOS and XPOS for English (UD EWT).
 *
 * A greedy left-to-right tagger over an averaged perceptron (ap.h) whose
 * classes are joint "UPOS XPOS" tags (102 in EWT train), so one decision
 * gives both columns. Features (Ratnaparkhi/Collins/Honnibal/Choi style,
 * see doc/internals/pos.md): the word, its lower case, prefixes of 1-4
 * and suffixes of 1-5 characters, shapes, flags, an ambiguity class from a
 * tag dictionary (jackknifed in training), the same for the words at
 * -2..+2, word classes (copied into the model from models/ner-clusters.txt
 * at training time), word and class bigrams, the two previous predicted
 * tags and conjunctions.
 *
 * Speed: features that depend on one word form only (most of them) are
 * scored once per word type and kept in the tagger's cache (ap_vcache), so
 * tagging a known word costs a few vector additions and nine table
 * probes; a frequent word whose dictionary entry is "closed" (pos_int.h)
 * is scored over its 1-4 dictionary tags only. A pos_model is immutable and may
 * be shared by threads; a pos_tagger (cache and scratch) belongs to one thread.
 *
 * Model files: kind MODEL_KIND_POS, sections "pos.hdr/cls/tab/ent" (the
 * ap model), "pos.dict" (tag dictionary), "pos.clus" (word classes),
 * "pos.opts" (feature options) and optionally "ps2.*" (a second pass);
 * see doc/FORMATS.md. The shipped model is models/pos.model. */
#ifndef NLP_POS_H
#define NLP_POS_H

#include <stddef.h>
#include <stdint.h>

#include "nlp/model.h"
#include "nlp/tok.h"
#include "util/err.h"
#include "util/str.h"

#define POS_MODEL_FILE "pos.model" /* in model_default_dir() */

typedef struct pos_model pos_model;   /* opaque, immutable, shareable */
typedef struct pos_tagger pos_tagger; /* opaque, one per thread */

/* Opens and validates the model file at path (mmap). Free with
 * pos_model_free(). DS_ENOTFOUND when the file does not exist, DS_EIO,
 * DS_EFORMAT (with the path and the reason). */
DS_MUST_USE ds_rc pos_model_open(const char *path, pos_model **out_m,
                                 ds_err *e);
/* The same from an open model file, which is borrowed: it must outlive
 * *out_m. */
DS_MUST_USE ds_rc pos_model_from(const model_file *mf, pos_model **out_m,
                                 ds_err *e);
void pos_model_free(pos_model *m);

/* Number of joint tags; tag ids are 0 .. pos_n_tags()-1. */
uint32_t pos_n_tags(const pos_model *m);
/* The UPOS and XPOS of a tag id (views into the model file). */
str pos_tag_upos(const pos_model *m, uint32_t tag);
str pos_tag_xpos(const pos_model *m, uint32_t tag);
/* Size in bytes of the model file. */
size_t pos_model_size(const pos_model *m);
/* The model's word-class table (nlp/word.h format, valid as long as the
 * model; *out_cap 0 when it has none): the parser's trainer copies it. */
void pos_model_word_classes(const pos_model *m, const uint64_t **out_tab,
                            uint32_t *out_cap);

/* A tagger for m (borrowed: must outlive the tagger). Free with
 * pos_tagger_free(). */
pos_tagger *pos_tagger_new(const pos_model *m);
void pos_tagger_free(pos_tagger *t);

/* Tags one sentence of n words (views; any bytes) into out_tags[0..n). */
void pos_tag_sent(pos_tagger *t, const str *words, size_t n,
                  uint16_t *out_tags);

/* The same, and per word the runner-up with another UPOS: out_alt[i] is
 * the best-scoring tag whose UPOS differs from out_tags[i]'s (POS_NO_ALT
 * when there is none: a closed word with a single UPOS), out_margin[i]
 * how far below the chosen tag it scored, in weight units (the
 * perceptron's update steps; INFINITY without an alternative). The
 * margins come from the first pass (0 when a second pass chose a tag the
 * first scored lower). The parser reads a small margin as
 * "this tag may be wrong, and then it is probably that one". */
#define POS_NO_ALT 0xffffu
void pos_tag_sent_alt(pos_tagger *t, const str *words, size_t n,
                      uint16_t *out_tags, uint16_t *out_alt, float *out_margin);
/* The UPOS of a runner-up: empty for POS_NO_ALT (the parser's "none",
 * dep_input). */
str pos_alt_upos(const pos_model *m, uint16_t alt);

/* Tags the tokens of a tokenizer result, sentence by sentence:
 * out_tags[i] is the tag of r->toks[i] (text is the tokenized text). */
void pos_tag_tokens(pos_tagger *t, str text, const tok_result *r,
                    uint16_t *out_tags);
/* The same with the runner-ups of pos_tag_sent_alt (out_alt and
 * out_margin indexed like the tokens; both NULL: pos_tag_tokens). */
void pos_tag_tokens_alt(pos_tagger *t, str text, const tok_result *r,
                        uint16_t *out_tags, uint16_t *out_alt,
                        float *out_margin);

/* ---- Evaluation with gold tokens (dossier eval pos, tests, bench) ---- */

typedef struct pos_eval {
    size_t words; /* words scored (CoNLL-U word lines) */
    size_t sentences;
    size_t upos_ok, xpos_ok, both_ok;
    double upos_acc, xpos_acc, both_acc; /* percentages */
    double seconds;                      /* tagging time only */
    double words_per_s;
} pos_eval;

/* Tags every sentence of a CoNLL-U text (gold tokenization: the word
 * lines) and compares with its UPOS and XPOS columns. DS_EFORMAT with the
 * line for malformed data. */
DS_MUST_USE ds_rc pos_eval_conllu(pos_tagger *t, str conllu, pos_eval *out,
                                  ds_err *e);

#endif
