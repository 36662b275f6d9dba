/* annot.c - tagging, recognition and parsing of a whole document, stage by
 * stage (annot.h says why in that order). */
#include "nlp/annot.h"

#include <string.h>

#include "util/xalloc.h"

struct annotator {
    const pos_model *pm;
    const ner_model *nm;
    pos_tagger *tg;
    ner_tagger *nt;
    dep_parser *dp;
    bool alt; /* the parser reads the tagger's runner-ups */
    size_t cap;
    str *form, *upos, *xpos, *alt_upos;
    float *alt_margin;
    uint16_t *tag, *alt_tag, *ner, *deprel;
    uint32_t *head;
    ner_span *spans;
};

annotator *annotator_new(const pos_model *pos, const ner_model *ner,
                         const dep_model *dep)
{
    annotator *a = xcalloc(1, sizeof *a);
    a->pm = pos;
    a->nm = ner;
    a->tg = pos_tagger_new(pos);
    a->nt = ner ? ner_tagger_new(ner) : NULL;
    a->dp = dep ? dep_parser_new(dep) : NULL;
    a->alt = dep && dep_uses_alt(dep);
    return a;
}

void annotator_set_beam(annotator *a, uint32_t width)
{
    if (a->dp) {
        dep_parser_set_beam(a->dp, width);
    }
}

void annotator_free(annotator *a)
{
    if (!a) {
        return;
    }
    pos_tagger_free(a->tg);
    ner_tagger_free(a->nt);
    dep_parser_free(a->dp);
    xfree(a->form);
    xfree(a->upos);
    xfree(a->xpos);
    xfree(a->tag);
    xfree(a->alt_upos);
    xfree(a->alt_margin);
    xfree(a->alt_tag);
    xfree(a->ner);
    xfree(a->deprel);
    xfree(a->head);
    xfree(a->spans);
    xfree(a);
}

static void grow(annotator *a, size_t n)
{
    if (n <= a->cap) {
        return;
    }
    a->cap = n + n / 2 + 16;
    a->form = xrealloc(a->form, a->cap * sizeof *a->form);
    a->upos = xrealloc(a->upos, a->cap * sizeof *a->upos);
    a->xpos = xrealloc(a->xpos, a->cap * sizeof *a->xpos);
    a->tag = xrealloc(a->tag, a->cap * sizeof *a->tag);
    a->alt_upos = xrealloc(a->alt_upos, a->cap * sizeof *a->alt_upos);
    a->alt_margin = xrealloc(a->alt_margin, a->cap * sizeof *a->alt_margin);
    a->alt_tag = xrealloc(a->alt_tag, a->cap * sizeof *a->alt_tag);
    a->ner = xrealloc(a->ner, a->cap * sizeof *a->ner);
    a->deprel = xrealloc(a->deprel, a->cap * sizeof *a->deprel);
    a->head = xrealloc(a->head, a->cap * sizeof *a->head);
    a->spans = xrealloc(a->spans, a->cap * sizeof *a->spans);
}

annotation annotate_doc(annotator *a, str text, const tok_result *r)
{
    const size_t n = r->n_toks;
    if (n == 0) {
        return (annotation){0};
    }
    grow(a, n);
    for (size_t k = 0; k < n; k++) {
        a->form[k] = str_sub(text, r->toks[k].off, r->toks[k].len);
    }
    pos_tag_tokens_alt(a->tg, text, r, a->tag, a->alt ? a->alt_tag : NULL,
                       a->alt ? a->alt_margin : NULL);
    for (size_t k = 0; k < n; k++) {
        a->upos[k] = pos_tag_upos(a->pm, a->tag[k]);
        a->xpos[k] = pos_tag_xpos(a->pm, a->tag[k]);
        if (a->alt) {
            a->alt_upos[k] = pos_alt_upos(a->pm, a->alt_tag[k]);
        }
    }
    size_t ns = 0;
    memset(a->ner, 0, n * sizeof *a->ner);
    if (a->nt) {
        ns = ner_tag_tokens(a->nt, text, r, a->xpos, a->spans);
        for (size_t s = 0; s < ns; s++) {
            const ner_span *sp = &a->spans[s];
            a->ner[sp->first] = (uint16_t)(1 + 2 * sp->type);
            for (uint32_t k = sp->first + 1; k <= sp->last; k++) {
                a->ner[k] = (uint16_t)(2 + 2 * sp->type);
            }
        }
    }
    for (size_t s = 0; a->dp && s < r->n_sents; s++) {
        const tok_sent *se = &r->sents[s];
        size_t f = se->first_tok;
        dep_input in = {a->form + f, a->upos + f, a->xpos + f,
                        a->alt ? a->alt_upos + f : NULL,
                        a->alt ? a->alt_margin + f : NULL};
        dep_parse(a->dp, &in, se->n_toks, a->head + f, a->deprel + f);
    }
    return (annotation){n,
                        a->form,
                        a->upos,
                        a->xpos,
                        a->tag,
                        a->ner,
                        a->dp ? a->head : NULL,
                        a->dp ? a->deprel : NULL,
                        a->spans,
                        ns};
}
