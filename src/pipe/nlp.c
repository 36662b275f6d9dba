/* nlp.c - the NLP stage of ingestion: part-of-speech tags and named
 * entities for each prepared document, turned into mention evidence; and
 * the whole annotation of a document (POS, entities, dependency parse) for
 * the stages and commands that read the grammar.
 *
 * The models are loaded once (pipe_nlp_open) and shared read-only by every
 * worker; each worker has its own taggers and scratch (pipe_nlp_worker),
 * because taggers keep per-thread caches. Which entity model a document
 * gets depends on its format: e-mail gets the web model (UNER EWT), the
 * rest the CoNLL news model, unless the ingest forces one. Mentions
 * (pipe_nlp_run) skip the tagger when the entity model reads no POS and
 * never parse: that is the ingest's hot path. pipe_nlp_annotate runs the
 * same tagger and recognizer, so its entities are the stored mentions, and
 * the parser when it is loaded. */
#include <stdio.h>
#include <string.h>

#include "nlp/annot.h"
#include "nlp/dep.h"
#include "nlp/ner.h"
#include "nlp/pos.h"
#include "pipe/pipe_nlp.h"
#include "util/xalloc.h"

/* Slots of the two entity models. */
enum { NEWS = 0, WEB = 1 };

struct pipe_nlp {
    model_file *pos_mf;
    pos_model *pos;
    ner_model *ner[2];             /* [NEWS], [WEB]; NULL when not loaded */
    char *types[2][NER_MAX_TYPES]; /* type names as C strings */
    dep_model *dep;                /* NULL unless pipe_nlp_load_parser */
    uint32_t beam;                 /* the parser's width, 0 the model's */
    pipe_ner_mode mode;
};

struct pipe_nlp_worker {
    const pipe_nlp *nlp;
    pos_tagger *pos;
    ner_tagger *ner[2];
    annotator *an[2]; /* made on first use by pipe_nlp_annotate */
    uint16_t *tags;
    str *xpos;
    ner_span *spans;
    size_t cap;
};

const char *pipe_ner_mode_name(pipe_ner_mode m)
{
    static const char *names[] = {"auto", "news", "web", "none"};
    return (unsigned)m < 4 ? names[m] : "?";
}

bool pipe_ner_mode_parse(const char *s, pipe_ner_mode *out)
{
    for (int m = 0; m < 4; m++) {
        if (strcmp(s, pipe_ner_mode_name((pipe_ner_mode)m)) == 0) {
            *out = (pipe_ner_mode)m;
            return true;
        }
    }
    return false;
}

static ds_rc open_ner(pipe_nlp *n, int which, const char *dir, const char *file,
                      ds_err *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    ds_rc rc = ner_model_open(path, &n->ner[which], e);
    if (rc) {
        return rc;
    }
    uint32_t nt = ner_n_types(n->ner[which]);
    for (uint32_t t = 0; t < nt && t < NER_MAX_TYPES; t++) {
        str name = ner_type_name(n->ner[which], t);
        n->types[which][t] = xstrndup(name.ptr, name.len);
    }
    return DS_OK;
}

ds_rc pipe_nlp_open(const char *dir, pipe_ner_mode mode, pipe_nlp **out,
                    ds_err *e)
{
    pipe_nlp *n = xcalloc(1, sizeof *n);
    char path[4096];
    ds_rc rc;
    n->mode = mode;
    *out = NULL;
    snprintf(path, sizeof path, "%s/%s", dir, POS_MODEL_FILE);
    if ((rc = pos_model_open(path, &n->pos, e))) {
        goto fail;
    }
    if ((mode == PIPE_NER_AUTO || mode == PIPE_NER_NEWS) &&
        (rc = open_ner(n, NEWS, dir, NER_MODEL_CONLL, e))) {
        goto fail;
    }
    if ((mode == PIPE_NER_AUTO || mode == PIPE_NER_WEB) &&
        (rc = open_ner(n, WEB, dir, NER_MODEL_WEB, e))) {
        goto fail;
    }
    *out = n;
    return DS_OK;
fail:
    pipe_nlp_free(n);
    return rc;
}

void pipe_nlp_free(pipe_nlp *n)
{
    if (!n) {
        return;
    }
    for (int w = 0; w < 2; w++) {
        ner_model_free(n->ner[w]);
        for (int t = 0; t < NER_MAX_TYPES; t++) {
            xfree(n->types[w][t]);
        }
    }
    pos_model_free(n->pos);
    dep_model_free(n->dep);
    xfree(n);
}

ds_rc pipe_nlp_load_parser(pipe_nlp *n, const char *dir, ds_err *e)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, DEP_MODEL_FILE);
    dep_model *m = NULL;
    ds_rc rc = dep_model_open(path, &m, e);
    if (rc == DS_OK) {
        dep_model_free(n->dep);
        n->dep = m;
    }
    return rc;
}

void pipe_nlp_set_beam(pipe_nlp *n, uint32_t width)
{
    n->beam = width;
}

const dep_model *pipe_nlp_parser(const pipe_nlp *n)
{
    return n->dep;
}

pipe_nlp_worker *pipe_nlp_worker_new(const pipe_nlp *n)
{
    pipe_nlp_worker *w = xcalloc(1, sizeof *w);
    w->nlp = n;
    w->pos = pos_tagger_new(n->pos);
    for (int i = 0; i < 2; i++) {
        if (n->ner[i]) {
            w->ner[i] = ner_tagger_new(n->ner[i]);
        }
    }
    return w;
}

void pipe_nlp_worker_free(pipe_nlp_worker *w)
{
    if (!w) {
        return;
    }
    pos_tagger_free(w->pos);
    for (int i = 0; i < 2; i++) {
        ner_tagger_free(w->ner[i]);
        annotator_free(w->an[i]);
    }
    xfree(w->tags);
    xfree(w->xpos);
    xfree(w->spans);
    xfree(w);
}

/* The model for a document of this format. */
static int pick(const pipe_nlp *n, const char *format)
{
    if (n->mode == PIPE_NER_NEWS || n->mode == PIPE_NER_WEB) {
        return n->mode == PIPE_NER_WEB ? WEB : NEWS;
    }
    /* E-mail is the informal text we can recognise by format; records
     * (JSON, CSV) are as often news items as posts, so they get the news
     * model unless the ingest says --ner web. */
    bool web = format && strcmp(format, "email") == 0;
    return web ? WEB : NEWS;
}

/* The sentence holding token t (sentences cover the tokens in order). */
static uint32_t sentence_of(const tok_result *r, uint32_t t)
{
    size_t lo = 0, hi = r->n_sents;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (r->sents[mid].first_tok <= t) {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    return (uint32_t)lo;
}

static bool trailing_junk(str text, const tok_span *t)
{
    str w = str_sub(text, t->off, t->len);
    return t->kind == TOK_PUNCT || str_eq(w, STR("'s")) ||
           str_eq(w, STR("\xE2\x80\x99s")) || str_eq(w, STR("'"));
}

size_t pipe_nlp_run(pipe_nlp_worker *w, str text, const tok_result *r,
                    const char *format, kg_mention_in **out)
{
    const pipe_nlp *n = w->nlp;
    *out = NULL;
    if (r->n_toks == 0 || n->mode == PIPE_NER_NONE) {
        return 0;
    }
    if (r->n_toks > w->cap) {
        w->cap = r->n_toks;
        w->tags = xrealloc(w->tags, w->cap * sizeof *w->tags);
        w->xpos = xrealloc(w->xpos, w->cap * sizeof *w->xpos);
        w->spans = xrealloc(w->spans, w->cap * sizeof *w->spans);
    }
    int which = pick(n, format);
    ner_tagger *nt = w->ner[which];
    if (!nt) {
        return 0;
    }
    const str *pos = NULL;
    if (ner_model_uses_pos(n->ner[which])) {
        pos_tag_tokens(w->pos, text, r, w->tags);
        for (size_t i = 0; i < r->n_toks; i++) {
            w->xpos[i] = pos_tag_xpos(n->pos, w->tags[i]);
        }
        pos = w->xpos;
    }
    size_t ns = ner_tag_tokens(nt, text, r, pos, w->spans);
    if (ns == 0) {
        return 0;
    }
    kg_mention_in *m = xcalloc(ns, sizeof *m);
    size_t k = 0;
    for (size_t i = 0; i < ns; i++) {
        const ner_span *s = &w->spans[i];
        if (s->first > s->last || s->last >= r->n_toks ||
            s->type >= NER_MAX_TYPES || !n->types[which][s->type]) {
            continue;
        }
        /* Evidence spans name the entity, not its grammar: a trailing
         * possessive or punctuation token the tagger took in is dropped
         * ("the Agency's" -> "Agency"). */
        uint32_t last = s->last;
        while (last > s->first && trailing_junk(text, &r->toks[last])) {
            last--;
        }
        const tok_span *a = &r->toks[s->first], *b = &r->toks[last];
        m[k].start = a->off;
        m[k].end = b->off + b->len;
        m[k].sentence = sentence_of(r, s->first);
        m[k].type = n->types[which][s->type];
        m[k].confidence = s->conf;
        k++;
    }
    *out = m;
    return k;
}

annotation pipe_nlp_annotate(pipe_nlp_worker *w, str text, const tok_result *r,
                             const char *format, const ner_model **out_ner)
{
    const pipe_nlp *n = w->nlp;
    int which = pick(n, format);
    const ner_model *nm = n->mode == PIPE_NER_NONE ? NULL : n->ner[which];
    if (!w->an[which]) {
        w->an[which] = annotator_new(n->pos, nm, n->dep);
        annotator_set_beam(w->an[which], n->beam);
    }
    *out_ner = nm;
    return annotate_doc(w->an[which], text, r);
}
