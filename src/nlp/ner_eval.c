/* ner_eval.c - NER data files and conlleval-identical scoring (see
 * ner_eval.h). */
#include "nlp/ner_eval.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nlp/conllu.h"
#include "util/xalloc.h"

/* ---- data files ---- */

static void add_sent_end(ner_corpus *c)
{
    uint32_t last = (uint32_t)c->n_toks;
    if (c->sent[c->n_sents] == last) {
        return; /* empty sentence */
    }
    c->n_sents++;
    c->sent = xgrow(c->sent, &c->cap_sents, c->n_sents + 2, sizeof *c->sent);
    c->sent[c->n_sents] = last;
}

static void add_doc_start(ner_corpus *c)
{
    if (c->doc[c->n_docs] == (uint32_t)c->n_sents) {
        return; /* no sentence yet in the current document */
    }
    c->n_docs++;
    c->doc = xgrow(c->doc, &c->cap_docs, c->n_docs + 2, sizeof *c->doc);
    c->doc[c->n_docs] = (uint32_t)c->n_sents;
}

static bool is_space(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

/* Splits a line into at most max fields on runs of the separator class:
 * tab only when tabs, else any white space. Returns the number. */
static size_t split_fields(str line, bool tabs, str *f, size_t max)
{
    size_t n = 0, i = 0;
    while (i < line.len && n < max + 1) {
        if (!tabs) {
            while (i < line.len && is_space(line.ptr[i])) {
                i++;
            }
            if (i == line.len) {
                break;
            }
        }
        size_t s = i;
        while (i < line.len &&
               (tabs ? line.ptr[i] != '\t' : !is_space(line.ptr[i]))) {
            i++;
        }
        if (n < max) {
            f[n] = (str){line.ptr + s, i - s};
        }
        n++;
        if (tabs && i < line.len) {
            i++; /* the tab */
            if (i == line.len && n < max) {
                f[n++] = (str){line.ptr + i, 0};
            }
        }
    }
    return n;
}

ds_rc ner_corpus_parse(str text, ner_format fmt, const char *name,
                       ner_corpus *out, ds_err *e)
{
    memset(out, 0, sizeof *out);
    if (!name) {
        name = "data";
    }
    if (fmt == NER_FMT_AUTO) {
        fmt = NER_FMT_CONLL;
        str rest = text, line;
        while (str_cut(&rest, '\n', &line)) {
            line = str_trim(line);
            if (line.len == 0) {
                continue;
            }
            if (line.ptr[0] == '#' && line.len >= 2 && line.ptr[1] == ' ') {
                fmt = NER_FMT_IOB2;
            } else if (line.ptr[0] >= '0' && line.ptr[0] <= '9' &&
                       memchr(line.ptr, '\t', line.len)) {
                fmt = NER_FMT_IOB2;
            }
            break;
        }
    }
    out->format = fmt;
    out->sent = xgrow(NULL, &out->cap_sents, 2, sizeof *out->sent);
    out->sent[0] = 0;
    out->doc = xgrow(NULL, &out->cap_docs, 2, sizeof *out->doc);
    out->doc[0] = 0;
    str rest = text, line;
    size_t lineno = 0;
    while (str_cut(&rest, '\n', &line)) {
        lineno++;
        if (line.len && line.ptr[line.len - 1] == '\r') {
            line.len--;
        }
        str t = str_trim(line);
        if (t.len == 0) {
            add_sent_end(out);
            continue;
        }
        str f[8];
        if (fmt == NER_FMT_IOB2) {
            if (t.ptr[0] == '#') {
                if (str_starts(t, STR("# newdoc"))) {
                    add_sent_end(out);
                    add_doc_start(out);
                }
                continue;
            }
            size_t nf = split_fields(line, true, f, 8);
            if (nf < 3) {
                ner_corpus_fini(out);
                return ds_fail(e, DS_EFORMAT,
                               "%s:%zu: expected ID, WORD and TAG separated "
                               "by tabs",
                               name, lineno);
            }
            if (f[1].len == 0 || f[2].len == 0) {
                ner_corpus_fini(out);
                return ds_fail(e, DS_EFORMAT, "%s:%zu: empty word or tag", name,
                               lineno);
            }
            out->toks = xgrow(out->toks, &out->cap_toks, out->n_toks + 1,
                              sizeof *out->toks);
            out->toks[out->n_toks++] = (ner_tok){f[1], (str){"", 0}, f[2]};
        } else {
            size_t nf = split_fields(t, false, f, 8);
            if (str_eq(f[0], STR("-DOCSTART-"))) {
                add_sent_end(out);
                add_doc_start(out);
                continue;
            }
            if (nf < 2) {
                ner_corpus_fini(out);
                return ds_fail(e, DS_EFORMAT,
                               "%s:%zu: expected WORD [POS CHUNK] TAG", name,
                               lineno);
            }
            size_t last = nf < 8 ? nf - 1 : 7;
            str pos = nf >= 3 ? f[1] : (str){"", 0};
            out->toks = xgrow(out->toks, &out->cap_toks, out->n_toks + 1,
                              sizeof *out->toks);
            out->toks[out->n_toks++] = (ner_tok){f[0], pos, f[last]};
        }
        if (out->n_toks >= UINT32_MAX - 1) {
            ner_corpus_fini(out);
            return ds_fail(e, DS_ETOOBIG, "%s: too many tokens", name);
        }
    }
    add_sent_end(out);
    add_doc_start(out);
    return DS_OK;
}

ds_rc ner_corpus_load(const char *path, ner_format fmt, ner_corpus *out,
                      ds_err *e)
{
    memset(out, 0, sizeof *out);
    char *data;
    size_t len;
    ds_rc rc = conllu_load_file(path, &data, &len, e);
    if (rc != DS_OK) {
        return rc;
    }
    if ((rc = ner_corpus_parse((str){data, len}, fmt, path, out, e)) != DS_OK) {
        xfree(data);
        return rc;
    }
    out->own = data;
    return DS_OK;
}

/* Appends corpus b (whose words point into bytes the caller keeps) to a. */
static void corpus_append(ner_corpus *a, const ner_corpus *b)
{
    uint32_t t0 = (uint32_t)a->n_toks, s0 = (uint32_t)a->n_sents;
    a->toks = xgrow(a->toks, &a->cap_toks, a->n_toks + b->n_toks + 1,
                    sizeof *a->toks);
    memcpy(a->toks + a->n_toks, b->toks, b->n_toks * sizeof *b->toks);
    a->n_toks += b->n_toks;
    a->sent = xgrow(a->sent, &a->cap_sents, a->n_sents + b->n_sents + 2,
                    sizeof *a->sent);
    for (size_t i = 1; i <= b->n_sents; i++) {
        a->sent[a->n_sents + i] = t0 + b->sent[i];
    }
    a->n_sents += b->n_sents;
    a->doc =
        xgrow(a->doc, &a->cap_docs, a->n_docs + b->n_docs + 2, sizeof *a->doc);
    for (size_t i = 1; i <= b->n_docs; i++) {
        a->doc[a->n_docs + i] = s0 + b->doc[i];
    }
    a->n_docs += b->n_docs;
}

ds_rc ner_corpus_load_list(const char *paths, ner_format fmt, ner_corpus *out,
                           ds_err *e)
{
    memset(out, 0, sizeof *out);
    if (!strchr(paths, ',')) {
        return ner_corpus_load(paths, fmt, out, e);
    }
    /* Every file's bytes go into one buffer the corpus owns; each file is
     * parsed on its own (its format detected, its lines named). */
    size_t n = 1;
    for (const char *p = paths; *p; p++) {
        n += *p == ',';
    }
    char **names = xcalloc(n, sizeof *names);
    char **data = xcalloc(n, sizeof *data);
    size_t *len = xcalloc(n, sizeof *len);
    size_t total = 0;
    ds_rc rc = DS_OK;
    const char *p = paths;
    for (size_t i = 0; i < n; i++) {
        const char *c = strchr(p, ',');
        size_t l = c ? (size_t)(c - p) : strlen(p);
        names[i] = xstrndup(p, l);
        p += l + (c != NULL);
        if (l == 0) {
            rc =
                ds_fail(e, DS_EINVAL, "%s: empty file name in the list", paths);
            goto out;
        }
        if ((rc = conllu_load_file(names[i], &data[i], &len[i], e)) != DS_OK) {
            goto out;
        }
        total += len[i];
    }
    char *all = xmalloc(total + 1);
    out->own = all;
    out->format = NER_FMT_CONLL;
    out->sent = xgrow(NULL, &out->cap_sents, 2, sizeof *out->sent);
    out->doc = xgrow(NULL, &out->cap_docs, 2, sizeof *out->doc);
    out->sent[0] = out->doc[0] = 0;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        memcpy(all + off, data[i], len[i]);
        ner_corpus one;
        if ((rc = ner_corpus_parse((str){all + off, len[i]}, fmt, names[i],
                                   &one, e)) != DS_OK) {
            ner_corpus_fini(out);
            goto out;
        }
        off += len[i];
        /* POS columns only when every file has them */
        if (one.format != NER_FMT_CONLL) {
            out->format = one.format;
        }
        if (out->n_toks + one.n_toks >= UINT32_MAX - 1) {
            ner_corpus_fini(&one);
            ner_corpus_fini(out);
            rc = ds_fail(e, DS_ETOOBIG, "%s: too many tokens", paths);
            goto out;
        }
        corpus_append(out, &one);
        ner_corpus_fini(&one);
    }
    all[total] = '\0';
out:
    for (size_t i = 0; i < n; i++) {
        xfree(names[i]);
        xfree(data[i]);
    }
    xfree(names);
    xfree(data);
    xfree(len);
    return rc;
}

void ner_corpus_fini(ner_corpus *c)
{
    xfree(c->own);
    xfree(c->toks);
    xfree(c->sent);
    xfree(c->doc);
    memset(c, 0, sizeof *c);
}

/* ---- tags ---- */

void ner_tag_split(str tag, str *out_prefix, str *out_type)
{
    /* conlleval: /^([^-]*)-(.*)$/ */
    const char *d = memchr(tag.ptr, '-', tag.len);
    if (!d) {
        *out_prefix = tag;
        *out_type = (str){"", 0};
        return;
    }
    *out_prefix = (str){tag.ptr, (size_t)(d - tag.ptr)};
    *out_type = (str){d + 1, tag.len - (size_t)(d - tag.ptr) - 1};
}

static bool is1(str s, char c)
{
    return s.len == 1 && s.ptr[0] == c;
}

static bool end_of_chunk(str pt, str t, str ptype, str type)
{
    bool r = false;
    if (is1(pt, 'B') && (is1(t, 'B') || is1(t, 'O'))) {
        r = true;
    }
    if (is1(pt, 'I') && (is1(t, 'B') || is1(t, 'O'))) {
        r = true;
    }
    if (is1(pt, 'E') && (is1(t, 'E') || is1(t, 'I') || is1(t, 'O'))) {
        r = true;
    }
    if (!is1(pt, 'O') && !is1(pt, '.') && !str_eq(ptype, type)) {
        r = true;
    }
    if (is1(pt, ']') || is1(pt, '[')) {
        r = true;
    }
    return r;
}

static bool start_of_chunk(str pt, str t, str ptype, str type)
{
    bool r = false;
    if ((is1(pt, 'B') || is1(pt, 'I') || is1(pt, 'O')) && is1(t, 'B')) {
        r = true;
    }
    if (is1(pt, 'O') && (is1(t, 'I') || is1(t, 'E'))) {
        r = true;
    }
    if (is1(pt, 'E') && (is1(t, 'E') || is1(t, 'I'))) {
        r = true;
    }
    if (!is1(t, 'O') && !is1(t, '.') && !str_eq(ptype, type)) {
        r = true;
    }
    if (is1(t, '[') || is1(t, ']')) {
        r = true;
    }
    return r;
}

size_t ner_tags_chunks(const str *tags, size_t n, uint32_t *out_first,
                       uint32_t *out_last, str *out_type)
{
    str lp = STR("O"), lt = {"", 0};
    size_t nc = 0;
    bool open = false;
    for (size_t i = 0; i <= n; i++) {
        str p = STR("O"), ty = {"", 0};
        if (i < n) {
            ner_tag_split(tags[i], &p, &ty);
        }
        if (open && end_of_chunk(lp, p, lt, ty)) {
            out_last[nc - 1] = (uint32_t)i - 1;
            open = false;
        }
        if (i < n && start_of_chunk(lp, p, lt, ty)) {
            out_first[nc] = (uint32_t)i;
            out_last[nc] = (uint32_t)i;
            out_type[nc] = ty;
            nc++;
            open = true;
        }
        lp = p;
        lt = ty;
    }
    return nc;
}

/* ---- scoring ---- */

void ner_scorer_init(ner_scorer *s, const char *drop_types)
{
    memset(s, 0, sizeof *s);
    s->last_correct = s->last_guessed = STR("O");
    s->last_correct_type = s->last_guessed_type = (str){"", 0};
    if (drop_types) {
        str rest = str_c(drop_types), one;
        while (str_cut(&rest, ',', &one) && s->n_drop < 8) {
            one = str_trim(one);
            if (one.len) {
                s->drop[s->n_drop++] = one;
            }
        }
    }
}

static size_t type_slot(ner_scorer *s, str type)
{
    for (size_t i = 0; i < s->n_names; i++) {
        if (strlen(s->names[i]) == type.len &&
            memcmp(s->names[i], type.ptr, type.len) == 0) {
            return i;
        }
    }
    if (s->n_names == NER_EVAL_MAX_TYPES) {
        return NER_EVAL_MAX_TYPES - 1; /* overflow bucket */
    }
    size_t n = type.len < 31 ? type.len : 31;
    memcpy(s->names[s->n_names], type.ptr, n);
    s->names[s->n_names][n] = '\0';
    return s->n_names++;
}

static void feed(ner_scorer *s, str correct, str ctype, str guessed, str gtype,
                 bool boundary)
{
    bool ec =
        end_of_chunk(s->last_correct, correct, s->last_correct_type, ctype);
    bool eg =
        end_of_chunk(s->last_guessed, guessed, s->last_guessed_type, gtype);
    if (s->in_correct) {
        if (ec && eg && str_eq(s->last_guessed_type, s->last_correct_type)) {
            s->in_correct = false;
            s->ev.all.correct++;
            s->correct_chunk[type_slot(s, s->last_correct_type)]++;
        } else if (ec != eg || !str_eq(gtype, ctype)) {
            s->in_correct = false;
        }
    }
    bool sc =
        start_of_chunk(s->last_correct, correct, s->last_correct_type, ctype);
    bool sg =
        start_of_chunk(s->last_guessed, guessed, s->last_guessed_type, gtype);
    if (sc && sg && str_eq(gtype, ctype)) {
        s->in_correct = true;
    }
    if (sc) {
        s->ev.all.gold++;
        s->found_correct[type_slot(s, ctype)]++;
    }
    if (sg) {
        s->ev.all.guessed++;
        s->found_guessed[type_slot(s, gtype)]++;
    }
    if (!boundary) {
        if (str_eq(correct, guessed) && str_eq(gtype, ctype)) {
            s->ev.correct_tags++;
        }
        s->ev.tokens++;
    }
    s->last_correct = correct;
    s->last_correct_type = ctype;
    s->last_guessed = guessed;
    s->last_guessed_type = gtype;
}

static bool dropped(const ner_scorer *s, str type)
{
    for (size_t i = 0; i < s->n_drop; i++) {
        if (str_eq(s->drop[i], type)) {
            return true;
        }
    }
    return false;
}

void ner_scorer_add(ner_scorer *s, str gold, str guessed)
{
    str cp, ct, gp, gt;
    ner_tag_split(gold, &cp, &ct);
    ner_tag_split(guessed, &gp, &gt);
    if (s->n_drop) {
        if (ct.len && dropped(s, ct)) {
            cp = STR("O");
            ct = (str){"", 0};
        }
        if (gt.len && dropped(s, gt)) {
            gp = STR("O");
            gt = (str){"", 0};
        }
    }
    feed(s, cp, ct, gp, gt, false);
}

void ner_scorer_boundary(ner_scorer *s)
{
    feed(s, STR("O"), (str){"", 0}, STR("O"), (str){"", 0}, true);
}

static void prf(ner_prf *p)
{
    p->precision =
        p->guessed ? 100.0 * (double)p->correct / (double)p->guessed : 0.0;
    p->recall = p->gold ? 100.0 * (double)p->correct / (double)p->gold : 0.0;
    p->f1 = p->precision + p->recall > 0
                ? 2.0 * p->precision * p->recall / (p->precision + p->recall)
                : 0.0;
}

void ner_scorer_finish(ner_scorer *s, ner_eval *out)
{
    if (s->in_correct) {
        s->ev.all.correct++;
        s->correct_chunk[type_slot(s, s->last_correct_type)]++;
        s->in_correct = false;
    }
    ner_eval ev = s->ev;
    prf(&ev.all);
    ev.accuracy =
        ev.tokens ? 100.0 * (double)ev.correct_tags / (double)ev.tokens : 0.0;
    /* Types in name order, as conlleval sorts them; the empty type (an
     * I/B prefix with no type) is listed too, like conlleval does. */
    size_t idx[NER_EVAL_MAX_TYPES];
    for (size_t i = 0; i < s->n_names; i++) {
        idx[i] = i;
    }
    for (size_t i = 1; i < s->n_names; i++) {
        for (size_t j = i;
             j > 0 && strcmp(s->names[idx[j - 1]], s->names[idx[j]]) > 0; j--) {
            size_t t = idx[j];
            idx[j] = idx[j - 1];
            idx[j - 1] = t;
        }
    }
    ev.n_types = 0;
    for (size_t k = 0; k < s->n_names; k++) {
        size_t i = idx[k];
        if (!s->found_correct[i] && !s->found_guessed[i]) {
            continue; /* e.g. "" seen only on O tokens */
        }
        ner_type_score *ts = &ev.types[ev.n_types++];
        memcpy(ts->name, s->names[i], sizeof ts->name);
        ts->prf.gold = s->found_correct[i];
        ts->prf.guessed = s->found_guessed[i];
        ts->prf.correct = s->correct_chunk[i];
        prf(&ts->prf);
    }
    *out = ev;
}

/* ---- evaluation of a model ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Whether the gold tags are IOB1 (a chunk may begin with "I-"): then the
 * output is written in IOB1 too, so that token accuracy means something
 * (chunk scores do not depend on it). */
static bool is_iob1(const ner_corpus *c)
{
    for (size_t s = 0; s < c->n_sents; s++) {
        str lp = STR("O"), lt = {"", 0};
        for (size_t i = c->sent[s]; i < c->sent[s + 1]; i++) {
            str p, ty;
            ner_tag_split(c->toks[i].tag, &p, &ty);
            if (is1(p, 'I') && (is1(lp, 'O') || !str_eq(lt, ty))) {
                return true;
            }
            lp = p;
            lt = ty;
        }
    }
    return false;
}

void ner_evaluate(ner_tagger *t, const ner_corpus *c, bool use_pos,
                  const char *drop_types, ner_eval *out)
{
    bool iob1 = is_iob1(c);
    ner_scorer sc;
    ner_scorer_init(&sc, drop_types);
    size_t cap = 0, pcap = 0, lcap = 0;
    str *words = NULL, *pos = NULL;
    uint16_t *labels = NULL;
    ner_span *spans = NULL;
    size_t scap = 0;
    char names[2 * NER_MAX_TYPES + 1][40];
    str name_v[2 * NER_MAX_TYPES + 1];
    const ner_model *m = NULL;
    double secs = 0;
    size_t stcap = 0;
    uint32_t *starts = NULL;
    for (size_t d = 0; d < c->n_docs; d++) {
        uint32_t s0 = c->doc[d], s1 = c->doc[d + 1];
        size_t a0 = c->sent[s0], nt = c->sent[s1] - a0;
        words = xgrow(words, &cap, nt + 1, sizeof *words);
        pos = xgrow(pos, &pcap, nt + 1, sizeof *pos);
        labels = xgrow(labels, &lcap, nt + 1, sizeof *labels);
        spans = xgrow(spans, &scap, nt + 1, sizeof *spans);
        starts = xgrow(starts, &stcap, s1 - s0 + 1, sizeof *starts);
        for (size_t i = 0; i < nt; i++) {
            words[i] = c->toks[a0 + i].word;
            pos[i] = c->toks[a0 + i].pos;
        }
        for (uint32_t s = s0; s <= s1; s++) {
            starts[s - s0] = (uint32_t)(c->sent[s] - a0);
        }
        double t0 = now_s();
        ner_tag_doc_flat(t, words, use_pos ? pos : NULL, starts, s1 - s0, spans,
                         labels);
        secs += now_s() - t0;
        if (!m) {
            m = ner_tagger_model(t);
            for (uint16_t l = 0; l < 2 * NER_MAX_TYPES + 1; l++) {
                name_v[l] = ner_label_name(m, l, names[l], sizeof names[l]);
            }
        }
        for (uint32_t s = s0; s < s1; s++) {
            size_t a = c->sent[s] - a0, n = c->sent[s + 1] - c->sent[s];
            const uint16_t *lab = labels + a;
            for (size_t i = 0; i < n; i++) {
                uint16_t l = lab[i];
                if (iob1 && l && (l - 1) % 2 == 0 &&
                    !(i && lab[i - 1] && (lab[i - 1] - 1) / 2 == (l - 1) / 2)) {
                    l++; /* B-X not after X: I-X in IOB1 */
                }
                str g = l < 2 * NER_MAX_TYPES + 1 ? name_v[l] : STR("O");
                ner_scorer_add(&sc, c->toks[c->sent[s] + i].tag, g);
            }
            ner_scorer_boundary(&sc);
            sc.ev.sentences++;
        }
        sc.ev.docs++;
    }
    xfree(starts);
    ner_scorer_finish(&sc, out);
    out->seconds = secs;
    out->tokens_per_s = secs > 0 ? (double)out->tokens / secs : 0;
    xfree(words);
    xfree(pos);
    xfree(labels);
    xfree(spans);
}
