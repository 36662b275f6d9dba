/* tok_eval.c - tokenizer evaluation against CoNLL-U (see tok_eval.h). */
#include "nlp/tok_eval.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/conllu.h"
#include "nlp/tok.h"
#include "util/xalloc.h"

/* A growable array of [start, end) byte spans. */
typedef struct spans {
    uint32_t (*v)[2];
    size_t n, cap;
} spans;

static void spans_add(spans *s, size_t a, size_t b)
{
    if (s->n == s->cap) {
        s->v = xgrow(s->v, &s->cap, s->n + 1, sizeof *s->v);
    }
    s->v[s->n][0] = (uint32_t)a;
    s->v[s->n][1] = (uint32_t)b;
    s->n++;
}

static int cmp_span(const void *x, const void *y)
{
    const uint32_t *a = x, *b = y;
    if (a[0] != b[0]) {
        return a[0] < b[0] ? -1 : 1;
    }
    if (a[1] != b[1]) {
        return a[1] < b[1] ? -1 : 1;
    }
    return 0;
}

/* Counts gold and system spans and the exact matches between them. */
static void score(spans *gold, spans *sys, tok_eval_prf *out)
{
    if (gold->n) { /* qsort(NULL, 0, ...) is undefined */
        qsort(gold->v, gold->n, sizeof *gold->v, cmp_span);
    }
    if (sys->n) {
        qsort(sys->v, sys->n, sizeof *sys->v, cmp_span);
    }
    size_t i = 0, j = 0, ok = 0;
    while (i < gold->n && j < sys->n) {
        int c = cmp_span(gold->v[i], sys->v[j]);
        if (c == 0) {
            ok++;
            i++;
            j++;
        } else if (c < 0) {
            i++;
        } else {
            j++;
        }
    }
    out->gold = gold->n;
    out->system = sys->n;
    out->correct = ok;
    out->precision = sys->n ? 100.0 * (double)ok / (double)sys->n : 0;
    out->recall = gold->n ? 100.0 * (double)ok / (double)gold->n : 0;
    double pr = out->precision + out->recall;
    out->f1 = pr > 0 ? 2 * out->precision * out->recall / pr : 0;
}

/* Appends the surface tokens of sentence s to the text, recording gold
 * token, word and sentence spans. */
static ds_rc add_sentence(const conllu_sent *s, buf *text, spans *gt, spans *gw,
                          spans *gs, bool *space_after)
{
    size_t start = text->len, end = text->len;
    uint32_t covered = 0; /* last word id inside a multiword token */
    for (size_t i = 0; i < s->n_lines; i++) {
        const conllu_line *tl = &s->lines[i];
        if (tl->kind == CONLLU_EMPTY ||
            (tl->kind == CONLLU_WORD && tl->id <= covered)) {
            continue;
        }
        size_t a = text->len;
        if (buf_append(text, tl->form.ptr, tl->form.len) != DS_OK) {
            return DS_ETOOBIG;
        }
        size_t b = text->len;
        spans_add(gt, a, b);
        end = b;
        if (tl->kind == CONLLU_MWT) {
            covered = tl->id_end;
            /* Words at their sub-spans when they spell the surface form. */
            size_t k = i + 1, off = a, n_w = 0;
            bool spells = true;
            for (; k < s->n_lines && n_w <= tl->id_end - tl->id; k++) {
                const conllu_line *w = &s->lines[k];
                if (w->kind != CONLLU_WORD) {
                    continue;
                }
                n_w++;
                if (off + w->form.len > b ||
                    memcmp(text->ptr + off, w->form.ptr, w->form.len) != 0) {
                    spells = false;
                }
                off += w->form.len;
            }
            spells = spells && off == b;
            off = a;
            n_w = 0;
            for (k = i + 1; k < s->n_lines && n_w <= tl->id_end - tl->id; k++) {
                const conllu_line *w = &s->lines[k];
                if (w->kind != CONLLU_WORD) {
                    continue;
                }
                n_w++;
                if (spells) {
                    spans_add(gw, off, off + w->form.len);
                    off += w->form.len;
                } else {
                    /* An impossible span: counts as gold, never matches. */
                    spans_add(gw, a, a);
                }
            }
        } else {
            spans_add(gw, a, b);
        }
        *space_after = tl->space_after;
        if (tl->space_after && buf_putc(text, ' ') != DS_OK) {
            return DS_ETOOBIG;
        }
    }
    /* The separator after the sentence is decided by the caller. */
    if (*space_after) {
        text->len--;
    }
    spans_add(gs, start, end);
    return DS_OK;
}

/* Rebuilds the raw text of a treebank into *text (initialized by the
 * caller) with the gold token, word and sentence spans. */
static ds_rc rebuild(str data, const char *name, buf *text, spans *gt,
                     spans *gw, spans *gs, size_t *n_paragraphs, ds_err *e)
{
    ds_rc rc = DS_OK;
    conllu_reader rd;
    conllu_sent s;
    ds_err inner;
    conllu_reader_init(&rd, data);
    conllu_sent_init(&s);
    bool first = true, space_after = true, got;
    *n_paragraphs = 0;
    for (;;) {
        rc = conllu_next(&rd, &s, &got, &inner);
        if (rc != DS_OK) {
            rc = ds_fail(e, rc, "%s:%s", name, inner.msg);
            break;
        }
        if (!got) {
            break;
        }
        if (first || s.newdoc || s.newpar) {
            (*n_paragraphs)++;
        }
        if (!first) {
            const char *sep = s.newdoc || s.newpar ? "\n\n"
                              : space_after        ? " "
                                                   : "";
            if (buf_puts(text, sep) != DS_OK) {
                rc = ds_fail(e, DS_ETOOBIG, "%s: text too big", name);
                break;
            }
        }
        first = false;
        if (add_sentence(&s, text, gt, gw, gs, &space_after) != DS_OK) {
            rc = ds_fail(e, DS_ETOOBIG, "%s: text too big", name);
            break;
        }
    }
    conllu_sent_fini(&s);
    return rc;
}

ds_rc tok_eval_rebuild(str data, const char *name, buf *text,
                       uint32_t **out_spans, size_t *out_n, ds_err *e)
{
    spans gt = {0}, gw = {0}, gs = {0};
    size_t n_par;
    *out_spans = NULL;
    *out_n = 0;
    ds_rc rc = rebuild(data, name, text, &gt, &gw, &gs, &n_par, e);
    if (rc == DS_OK && gs.n) {
        uint32_t *v = xmalloc(gs.n * 2 * sizeof *v);
        memcpy(v, gs.v, gs.n * 2 * sizeof *v);
        *out_spans = v;
        *out_n = gs.n;
    }
    xfree(gt.v);
    xfree(gw.v);
    xfree(gs.v);
    return rc;
}

ds_rc tok_eval_text_with(str data, const char *name, const sent_model *m,
                         tok_eval_scores *out, ds_err *e)
{
    memset(out, 0, sizeof *out);
    ds_rc rc = DS_OK;
    buf text;
    spans gt = {0}, gw = {0}, gs = {0}, st = {0}, sw = {0}, ss = {0};
    tok_result r;
    buf_init(&text, (size_t)UINT32_MAX - 1);
    tok_result_init(&r);
    rc = rebuild(data, name, &text, &gt, &gw, &gs, &out->n_paragraphs, e);
    if (rc != DS_OK) {
        goto out;
    }
    out->text_bytes = text.len;
    rc = tok_run_with(buf_str(&text), m, &r, e);
    if (rc != DS_OK) {
        goto out;
    }
    /* System surface tokens are runs of spans joined by TOK_F_JOIN. */
    for (size_t i = 0; i < r.n_toks; i++) {
        size_t a = r.toks[i].off;
        spans_add(&sw, a, a + r.toks[i].len);
        while ((r.toks[i].flags & TOK_F_JOIN) && i + 1 < r.n_toks) {
            i++;
            spans_add(&sw, r.toks[i].off, r.toks[i].off + r.toks[i].len);
        }
        spans_add(&st, a, r.toks[i].off + r.toks[i].len);
    }
    for (size_t i = 0; i < r.n_sents; i++) {
        spans_add(&ss, r.sents[i].off, r.sents[i].end);
    }
    score(&gt, &st, &out->tokens);
    score(&gw, &sw, &out->words);
    score(&gs, &ss, &out->sentences);
out:
    tok_result_fini(&r);
    buf_fini(&text);
    xfree(gt.v);
    xfree(gw.v);
    xfree(gs.v);
    xfree(st.v);
    xfree(sw.v);
    xfree(ss.v);
    return rc;
}

ds_rc tok_eval_text(str data, const char *name, tok_eval_scores *out, ds_err *e)
{
    return tok_eval_text_with(data, name, tok_default_sentence_model(), out, e);
}

ds_rc tok_eval_conllu_with(const char *path, const sent_model *m,
                           tok_eval_scores *out, ds_err *e)
{
    char *data;
    size_t len;
    ds_rc rc = conllu_load_file(path, &data, &len, e);
    if (rc != DS_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = tok_eval_text_with((str){data, len}, path, m, out, e);
    xfree(data);
    return rc;
}

ds_rc tok_eval_conllu(const char *path, tok_eval_scores *out, ds_err *e)
{
    char *data;
    size_t len;
    ds_rc rc = conllu_load_file(path, &data, &len, e);
    if (rc != DS_OK) {
        memset(out, 0, sizeof *out);
        return rc;
    }
    rc = tok_eval_text((str){data, len}, path, out, e);
    xfree(data);
    return rc;
}
