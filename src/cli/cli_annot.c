/* cli_annot.c - printing a document's annotation (tokens, POS, parse,
 * entities) as CoNLL-U or JSON, for `dossier annotate` and `dossier docs
 * ID --conllu` (cli_annot.h). */
#include "cli/cli_annot.h"

#include "cli/cli.h"

/* Appends s to b with CoNLL-U field hygiene: tabs and line breaks become
 * spaces (they cannot occur inside a token, but # text may hold them). */
static void put_field(buf *b, str s)
{
    for (size_t i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        (void)buf_putc(b, ch == '\t' || ch == '\n' || ch == '\r' ? ' ' : ch);
    }
}

/* The IOB2 label of token k ("O" without a recognizer). */
static str ner_of(const cli_annot *a, size_t k, char *tmp, size_t cap)
{
    if (!a->nm || a->an.ner[k] == 0) {
        return STR("O");
    }
    return ner_label_name(a->nm, a->an.ner[k], tmp, cap);
}

void cli_annot_conllu(const cli_annot *a, str text, const tok_result *r,
                      size_t si, buf *b)
{
    const tok_sent *se = &r->sents[si];
    const size_t n = se->n_toks, f = se->first_tok;
    const annotation *an = &a->an;
    (void)buf_printf(b, "# sent_id = %zu\n# text = ", si + 1);
    put_field(b, str_sub(text, se->off, se->end - se->off));
    (void)buf_putc(b, '\n');
    for (size_t i = 0; i < n; i++) {
        const tok_span *sp = &r->toks[se->first_tok + i];
        /* a multiword token: this span and the following joined ones */
        bool in_mwt =
            i > 0 && (r->toks[se->first_tok + i - 1].flags & TOK_F_JOIN);
        if (!in_mwt && (sp->flags & TOK_F_JOIN)) {
            size_t j = i;
            while (j + 1 < n &&
                   (r->toks[se->first_tok + j].flags & TOK_F_JOIN)) {
                j++;
            }
            const tok_span *last = &r->toks[se->first_tok + j];
            (void)buf_printf(b, "%zu-%zu\t", i + 1, j + 1);
            put_field(b,
                      str_sub(text, sp->off, last->off + last->len - sp->off));
            (void)buf_printf(b, "\t_\t_\t_\t_\t_\t_\t_\tTokenRange=%u:%u%s\n",
                             sp->off, last->off + last->len,
                             (last->flags & TOK_F_SPACE_AFTER) || j + 1 == n
                                 ? ""
                                 : "|SpaceAfter=No");
        }
        bool part = in_mwt || (sp->flags & TOK_F_JOIN);
        (void)buf_printf(b, "%zu\t", i + 1);
        put_field(b, an->form[f + i]);
        (void)buf_puts(b, "\t_\t");
        put_field(b, an->upos[f + i]);
        (void)buf_putc(b, '\t');
        put_field(b, an->xpos[f + i]);
        if (an->head && a->dm) {
            (void)buf_printf(b, "\t_\t%u\t", an->head[f + i]);
            put_field(b, dep_label_name(a->dm, an->deprel[f + i]));
        } else {
            (void)buf_puts(b, "\t_\t_\t_");
        }
        (void)buf_printf(b, "\t_\tTokenRange=%u:%u", sp->off,
                         sp->off + sp->len);
        if (!part && !(sp->flags & TOK_F_SPACE_AFTER) && i + 1 < n) {
            (void)buf_puts(b, "|SpaceAfter=No");
        }
        char tmp[32];
        (void)buf_puts(b, "|NER=");
        put_field(b, ner_of(a, f + i, tmp, sizeof tmp));
        (void)buf_putc(b, '\n');
    }
    (void)buf_putc(b, '\n');
}

void cli_annot_json(const cli_annot *a, str text, const tok_result *r,
                    size_t si, json_w *j)
{
    const tok_sent *se = &r->sents[si];
    const size_t f = se->first_tok;
    const annotation *an = &a->an;
    json_obj(j);
    json_kv_int(j, "sent_id", (int64_t)si + 1);
    json_key(j, "text");
    json_strn(j, str_sub(text, se->off, se->end - se->off));
    json_kv_int(j, "start", se->off);
    json_kv_int(j, "end", se->end);
    json_key(j, "words");
    json_arr(j);
    for (size_t i = 0; i < se->n_toks; i++) {
        const tok_span *sp = &r->toks[se->first_tok + i];
        json_obj(j);
        json_kv_int(j, "id", (int64_t)i + 1);
        json_key(j, "form");
        json_strn(j, an->form[f + i]);
        json_key(j, "upos");
        json_strn(j, an->upos[f + i]);
        json_key(j, "xpos");
        json_strn(j, an->xpos[f + i]);
        json_key(j, "head");
        if (an->head && a->dm) {
            json_int(j, an->head[f + i]);
            json_key(j, "deprel");
            json_strn(j, dep_label_name(a->dm, an->deprel[f + i]));
        } else {
            json_null(j);
            json_key(j, "deprel");
            json_null(j);
        }
        json_kv_int(j, "start", sp->off);
        json_kv_int(j, "end", (int64_t)sp->off + sp->len);
        json_key(j, "space_after");
        json_bool(j, (sp->flags & TOK_F_SPACE_AFTER) != 0);
        json_key(j, "joined_with_next");
        json_bool(j, (sp->flags & TOK_F_JOIN) != 0);
        char tmp[32];
        json_key(j, "ner");
        json_strn(j, ner_of(a, f + i, tmp, sizeof tmp));
        json_end(j);
    }
    json_end(j);
    json_end(j);
}

void cli_annot_sentences(const cli_annot *a, str text, const tok_result *r,
                         json_w *j, buf *out)
{
    for (size_t si = 0; si < r->n_sents; si++) {
        if (j) {
            cli_annot_json(a, text, r, si, j);
        } else {
            cli_annot_conllu(a, text, r, si, out);
        }
        if (out->len > (1u << 16)) {
            cli_print(out);
            buf_reset(out);
        }
    }
}
