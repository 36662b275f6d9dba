/* annot.h - the whole pipeline over one document: part of speech, named
 * entities and dependency parse for every token of a tokenizer result.
 *
 * The stages run one after the other over the whole document (every
 * sentence through the tagger, then the recognizer over the document, then
 * every sentence through the parser), not sentence by sentence through all
 * three: each model's tables and word caches stay in the CPU caches for a
 * whole stage instead of evicting each other at every sentence (measured:
 * tagging and recognition ran at half their own speed when interleaved
 * with the parser), and a two-stage recognizer sees the whole document, as
 * `dossier eval ner` does. Used by `dossier annotate` and bench/nlp.
 *
 * Thread safety: an annotator holds per-thread taggers and caches; the
 * models may be shared by any number of annotators. */
#ifndef NLP_ANNOT_H
#define NLP_ANNOT_H

#include <stddef.h>
#include <stdint.h>

#include "nlp/dep.h"
#include "nlp/ner.h"
#include "nlp/pos.h"
#include "nlp/tok.h"
#include "util/str.h"

typedef struct annotator annotator; /* opaque, one per thread */

/* An annotator over the models (borrowed; they must outlive it). ner may
 * be NULL: no entities (every label 0, "O"); dep may be NULL: no parse
 * (head and deprel NULL in the annotation). */
annotator *annotator_new(const pos_model *pos, const ner_model *ner,
                         const dep_model *dep);
void annotator_free(annotator *a);
/* Parses with a beam of the given width (dep_parser_set_beam; 0: the
 * model's). No effect without a parser. */
void annotator_set_beam(annotator *a, uint32_t width);

/* The result for a document of n tokens, arrays indexed like r->toks and
 * owned by the annotator (valid until its next annotate_doc or free):
 * form (a view into the text), UPOS and XPOS (views into the tagger's
 * model), tag id, IOB2 entity label (ner_label_name), head (0 the root,
 * else 1-based within the token's sentence) and DEPREL id (dep_label_name),
 * and the entity spans (token indices into r->toks). */
typedef struct annotation {
    size_t n;
    const str *form, *upos, *xpos;
    const uint16_t *tag, *ner;
    const uint32_t *head;   /* NULL without a parser */
    const uint16_t *deprel; /* NULL without a parser */
    const ner_span *spans;
    size_t n_spans;
} annotation;

/* Annotates the tokens r of text (the text r was computed from). */
annotation annotate_doc(annotator *a, str text, const tok_result *r);

#endif
