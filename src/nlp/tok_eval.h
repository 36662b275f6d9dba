/* tok_eval.h - scores the tokenizer and sentence splitter against a
 * CoNLL-U treebank, the way the CoNLL 2018 UD shared task evaluation does.
 *
 * The raw text is rebuilt from the treebank: surface tokens joined with a
 * space unless MISC says SpaceAfter=No, sentences of one paragraph joined
 * the same way, paragraphs ("# newpar", "# newdoc") separated by a blank
 * line. tok_run then tokenizes that text and spans are compared by their
 * byte offsets (neither side's spans contain white space, so this equals
 * the shared task's alignment on the non-white-space characters).
 *
 * - Tokens: surface tokens; a multiword token ("don't") counts once.
 * - Words: syntactic words; inside a multiword token gold words are placed
 *   at the sub-spans their forms occupy when they spell the surface form
 *   ("do" + "n't"), otherwise they cannot match (an approximation of the
 *   script's LCS alignment, which affects a handful of forms such as
 *   "its" -> "it" + "s" written for "it's").
 * - Sentences: spans from the first to the last token of each sentence. */
#ifndef NLP_TOK_EVAL_H
#define NLP_TOK_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "nlp/tok.h"
#include "util/err.h"
#include "util/str.h"

typedef struct tok_eval_prf {
    size_t gold, system, correct;
    double precision, recall, f1; /* percentages, 0 when undefined */
} tok_eval_prf;

typedef struct tok_eval_scores {
    tok_eval_prf tokens, words, sentences;
    size_t text_bytes; /* size of the rebuilt raw text */
    size_t n_paragraphs;
} tok_eval_scores;

/* Evaluates tok_run on the CoNLL-U text `data`; `name` (a file name) is
 * used in messages. DS_EFORMAT "NAME:LINE: reason" for malformed input. */
DS_MUST_USE ds_rc tok_eval_text(str data, const char *name,
                                tok_eval_scores *out, ds_err *e);

/* Like tok_eval_text with an explicit sentence model (NULL: the rules
 * alone); tok_eval_text uses tok_default_sentence_model(). */
DS_MUST_USE ds_rc tok_eval_text_with(str data, const char *name,
                                     const sent_model *m, tok_eval_scores *out,
                                     ds_err *e);

/* Reads the CoNLL-U file at path and evaluates it as tok_eval_text does.
 * DS_EIO when it cannot be read. */
DS_MUST_USE ds_rc tok_eval_conllu(const char *path, tok_eval_scores *out,
                                  ds_err *e);

/* Like tok_eval_conllu with an explicit sentence model (NULL: rules). */
DS_MUST_USE ds_rc tok_eval_conllu_with(const char *path, const sent_model *m,
                                       tok_eval_scores *out, ds_err *e);

/* Rebuilds the raw text of the CoNLL-U `data` exactly as the evaluation
 * does, appending it to *text (initialized by the caller), and returns the
 * gold sentences as byte spans, in text order, in a new array *out_spans
 * (free with xfree) of 2 * *out_n entries: start, end (exclusive) of each.
 * For the trainer of the sentence model (sent.h), so that it sees exactly
 * the text inference sees. */
DS_MUST_USE ds_rc tok_eval_rebuild(str data, const char *name, buf *text,
                                   uint32_t **out_spans, size_t *out_n,
                                   ds_err *e);

#endif
