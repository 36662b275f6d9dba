/* pipe_nlp.h - the NLP stage of the ingest pipeline (see nlp.c). */
#ifndef PIPE_PIPE_NLP_H
#define PIPE_PIPE_NLP_H

#include <stdbool.h>
#include <stddef.h>

#include "kg/kg.h"
#include "nlp/annot.h"
#include "nlp/tok.h"
#include "util/err.h"
#include "util/str.h"

/* Which entity model documents get. */
typedef enum pipe_ner_mode {
    PIPE_NER_AUTO, /* by format: web model for e-mail, news model for
                      the rest */
    PIPE_NER_NEWS, /* CoNLL-2003 model (PER, ORG, LOC, MISC) */
    PIPE_NER_WEB,  /* UNER EWT model (PER, ORG, LOC) */
    PIPE_NER_NONE  /* no entity recognition */
} pipe_ner_mode;

const char *pipe_ner_mode_name(pipe_ner_mode m);
bool pipe_ner_mode_parse(const char *s, pipe_ner_mode *out);

typedef struct pipe_nlp pipe_nlp;               /* shared, read-only */
typedef struct pipe_nlp_worker pipe_nlp_worker; /* one per thread */

/* Loads the models from dir (pos.model and the entity models the mode
 * needs). DS_ENOTFOUND / DS_EFORMAT name the file. Free with
 * pipe_nlp_free(). */
ds_rc pipe_nlp_open(const char *dir, pipe_ner_mode mode, pipe_nlp **out,
                    ds_err *e) DS_MUST_USE;
void pipe_nlp_free(pipe_nlp *n);
/* Also loads the dependency parser (parse.model in dir), which
 * pipe_nlp_annotate then runs. Call before making workers. */
ds_rc pipe_nlp_load_parser(pipe_nlp *n, const char *dir, ds_err *e) DS_MUST_USE;
/* Workers made after this parse with a beam of the given width
 * (dep_parser_set_beam; 0, the default: the model's). */
void pipe_nlp_set_beam(pipe_nlp *n, uint32_t width);
/* The parser (label names), NULL when not loaded. */
const dep_model *pipe_nlp_parser(const pipe_nlp *n);

pipe_nlp_worker *pipe_nlp_worker_new(const pipe_nlp *n);
void pipe_nlp_worker_free(pipe_nlp_worker *w);

/* Tags the tokens r of text and returns its entity mentions (byte spans
 * into text, with their sentence) in *out, a new array to free with
 * xfree (NULL when there are none). Can't fail. */
size_t pipe_nlp_run(pipe_nlp_worker *w, str text, const tok_result *r,
                    const char *format, kg_mention_in **out);

/* The grammar of a document for the stages that read it (relation and
 * event extraction) and for `dossier docs ID --conllu`: POS of every token,
 * the entities of the model pipe_nlp_run picks for this format (the same
 * spans as the stored mentions, before their trailing punctuation is
 * trimmed) and, when the parser is loaded, the dependency parse. *out_ner
 * is that entity model (label names; NULL with --ner none). The result is
 * owned by the worker: valid until its next call. Deterministic: the same
 * text gives the same annotation at ingest and at any later time, so the
 * stored text, sentences and mentions are all a later stage needs. */
annotation pipe_nlp_annotate(pipe_nlp_worker *w, str text, const tok_result *r,
                             const char *format, const ner_model **out_ner);

#endif
