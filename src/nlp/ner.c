/* ner.c - the named-entity recognizer: model loading, greedy constrained
 * BILOU decoding with cached per-word scores, document memory (see ner.h,
 * ner_int.h). */
#include "nlp/ner.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nlp/ap.h"
#include "nlp/ap_int.h"
#include "nlp/ner_int.h"
#include "nlp/word.h"
#include "util/xalloc.h"

struct ner_model {
    model_file *own; /* when opened from a path */
    const model_file *mf;
    ap_model *ap;
    ap_model *ap2; /* second stage (NER_OPT_TWO) or NULL */
    uint32_t flags;
    ner_gaz gaz;
    ner_clu clu;
    uint32_t gaz_entries;
    uint32_t n_types;
    str types[NER_MAX_TYPES];
    ner_word pseudo[5]; /* index 1..4 */
};

/* Checks the class names: "O", then B-/I-/L-/U- of each type in order. */
static ds_rc check_classes(ner_model *m, const char *mn, ds_err *e)
{
    uint32_t nc = ap_n_classes(m->ap);
    if (nc < 5 || (nc - 1) % 4 != 0 || (nc - 1) / 4 > NER_MAX_TYPES ||
        !str_eq(ap_class_name(m->ap, 0), STR("O"))) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: NER classes are not O + BILOU "
                       "labels",
                       mn);
    }
    m->n_types = (nc - 1) / 4;
    static const char pre[4] = {'B', 'I', 'L', 'U'};
    for (uint32_t t = 0; t < m->n_types; t++) {
        str b = ap_class_name(m->ap, 1 + 4 * t);
        if (b.len < 3 || b.len > 30 || b.ptr[1] != '-') {
            return ds_fail(e, DS_EFORMAT, "%s: bad NER class name", mn);
        }
        str ty = {b.ptr + 2, b.len - 2};
        for (uint32_t k = 0; k < 4; k++) {
            str c = ap_class_name(m->ap, 1 + 4 * t + k);
            if (c.len != b.len || c.ptr[0] != pre[k] || c.ptr[1] != '-' ||
                memcmp(c.ptr + 2, ty.ptr, ty.len) != 0) {
                return ds_fail(e, DS_EFORMAT, "%s: bad NER class name", mn);
            }
        }
        m->types[t] = ty;
    }
    return DS_OK;
}

ds_rc ner_model_from(const model_file *mf, ner_model **out_m, ds_err *e)
{
    *out_m = NULL;
    const char *mn = model_name(mf);
    if (model_kind_of(mf) != MODEL_KIND_NER) {
        return ds_fail(e, DS_EFORMAT, "%s: not a named-entity model (kind %u)",
                       mn, model_kind_of(mf));
    }
    const void *op, *gp;
    size_t on, gn;
    ds_rc rc;
    if ((rc = model_need(mf, "ner.opts", &op, &on, e)) != DS_OK ||
        (rc = model_need(mf, "ner.gaz", &gp, &gn, e)) != DS_OK) {
        return rc;
    }
    ner_opts_sec o;
    if (on != sizeof o) {
        return ds_fail(e, DS_EFORMAT, "%s: section 'ner.opts' has %zu bytes",
                       mn, on);
    }
    memcpy(&o, op, sizeof o);
    if (o.version != NER_SECTION_VERSION) {
        return ds_fail(e, DS_EFORMAT, "%s: recognizer version %u, expected %u",
                       mn, o.version, NER_SECTION_VERSION);
    }
    if (gn != (size_t)o.gaz_cap * sizeof(uint64_t)) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: section 'ner.gaz' has %zu bytes for %u slots", mn,
                       gn, o.gaz_cap);
    }
    const uint64_t *gt = gp, *ct;
    if ((rc = word_class_section(mf, "ner.clu", o.clu_cap, 0, &ct, e)) !=
        DS_OK) {
        return rc;
    }
    bool has_empty = o.gaz_cap == 0;
    for (uint32_t i = 0; i < o.gaz_cap && !has_empty; i++) {
        has_empty = gt[i] == 0;
    }
    if (!has_empty) {
        return ds_fail(e, DS_EFORMAT, "%s: section 'ner.gaz' is full", mn);
    }
    ap_model *ap, *ap2 = NULL;
    if ((rc = ap_model_load(mf, "ner", &ap, e)) != DS_OK) {
        return rc;
    }
    if ((o.flags & NER_OPT_TWO) &&
        (rc = ap_model_load(mf, "nr2", &ap2, e)) != DS_OK) {
        ap_model_free(ap);
        return rc;
    }
    if (ap2 && ap_n_classes(ap2) != ap_n_classes(ap)) {
        ap_model_free(ap);
        ap_model_free(ap2);
        return ds_fail(e, DS_EFORMAT,
                       "%s: the two stages have different "
                       "classes",
                       mn);
    }
    ner_model *m = xcalloc(1, sizeof *m);
    m->mf = mf;
    m->ap = ap;
    m->ap2 = ap2;
    m->flags = o.flags;
    m->gaz = (ner_gaz){gt, o.gaz_cap};
    m->clu = (ner_clu){ct, o.clu_cap};
    m->gaz_entries = o.gaz_entries;
    if ((rc = check_classes(m, mn, e)) != DS_OK) {
        ap_model_free(ap2);
        ap_model_free(ap);
        xfree(m);
        return rc;
    }
    for (uint32_t p = 1; p <= 4; p++) {
        ner_word_pseudo(&m->pseudo[p], p);
    }
    *out_m = m;
    return DS_OK;
}

ds_rc ner_model_open(const char *path, ner_model **out_m, ds_err *e)
{
    *out_m = NULL;
    model_file *mf;
    ds_rc rc = model_open_file(path, &mf, e);
    if (rc != DS_OK) {
        return rc;
    }
    if ((rc = ner_model_from(mf, out_m, e)) != DS_OK) {
        model_close(mf);
        return rc;
    }
    (*out_m)->own = mf;
    return DS_OK;
}

void ner_model_free(ner_model *m)
{
    if (!m) {
        return;
    }
    ap_model_free(m->ap);
    ap_model_free(m->ap2);
    model_close(m->own);
    xfree(m);
}

uint32_t ner_n_types(const ner_model *m)
{
    return m->n_types;
}

str ner_type_name(const ner_model *m, uint32_t type)
{
    return type < m->n_types ? m->types[type] : STR("");
}

bool ner_model_uses_pos(const ner_model *m)
{
    return (m->flags & NER_OPT_POS) != 0;
}

size_t ner_model_size(const ner_model *m)
{
    return model_size(m->mf);
}

size_t ner_model_gaz_entries(const ner_model *m)
{
    return m->gaz_entries;
}

str ner_label_name(const ner_model *m, uint16_t label, char *out, size_t cap)
{
    if (label == 0 || label > 2 * m->n_types || cap < 4) {
        snprintf(out, cap, "O");
        return (str){out, strlen(out)};
    }
    uint32_t t = (label - 1u) / 2u;
    int n = snprintf(out, cap, "%c-%.*s", (label - 1u) % 2u ? 'I' : 'B',
                     STR_ARG(m->types[t]));
    if (n < 0) {
        n = 0;
    }
    return (str){out, (size_t)n < cap ? (size_t)n : cap - 1};
}

/* ---- tagger ---- */

#define WORD_CACHE_SLOTS 32768
#define PAIR_CACHE_SLOTS 1024
#define P1W_CACHE_SLOTS  16384
#define EXTRA                                                                  \
    8 /* int32 after the blocks: lower, sshape, pos, flags,                    \
        gazetteer unigram bits */

/* The caches and document memory of one stage's ap model. */
typedef struct ner_stage {
    const ap_model *ap;
    ap_vcache *words, *pairs, *p1w;
    int32_t *pseudo_blocks; /* 5 * width, index 1..4 */
    ner_docmem doc;
} ner_stage;

struct ner_tagger {
    const ner_model *m;
    uint32_t nc;
    bool use_pos, use_doc;
    size_t width;
    ner_stage st[2];
    uint32_t n_stages;
    ner_agg agg; /* stage-1 labels of the document (two stages) */
    size_t cap;
    int32_t *acc;  /* n * nc */
    ner_word *ctx; /* n + 2: ctx[0] before, ctx[n+1] after */
    uint64_t *lower, *wkey;
    uint32_t *gaz, *uni;
    uint32_t *cls, *cls1;
    float *conf;
    /* whole-document buffers (two stages) */
    size_t dcap, dscap;
    uint32_t *dcls; /* stage-1 classes of the document's tokens */
    float *dconf;   /* and their margins */
    uint64_t *dlow; /* case-folded hashes, 0 when not a document word */
    str *dwords, *dpos;
    uint32_t *dstart;
};

static void stage_init(ner_tagger *t, ner_stage *st, const ap_model *ap)
{
    const ner_model *m = t->m;
    st->ap = ap;
    st->words = ap_vcache_new(WORD_CACHE_SLOTS, t->width);
    st->pairs = ap_vcache_new(PAIR_CACHE_SLOTS, t->nc);
    st->p1w = ap_vcache_new(P1W_CACHE_SLOTS, t->nc);
    st->pseudo_blocks = xcalloc(5 * t->width, sizeof(int32_t));
    for (uint32_t p = 1; p <= 4; p++) {
        int32_t *b = st->pseudo_blocks + p * t->width;
        for (int k = -NER_WINDOW; k <= NER_WINDOW; k++) {
            uint64_t f[NER_MAX_WORD_FEATS];
            size_t nf = ner_word_feats(&m->pseudo[p], k, t->use_pos, f);
            ap_score_add(ap, f, nf, b + (size_t)(k + NER_WINDOW) * t->nc);
        }
    }
    ner_docmem_init(&st->doc);
}

static void stage_fini(ner_stage *st)
{
    if (!st->ap) {
        return;
    }
    ap_vcache_free(st->words);
    ap_vcache_free(st->pairs);
    ap_vcache_free(st->p1w);
    xfree(st->pseudo_blocks);
    ner_docmem_fini(&st->doc);
}

ner_tagger *ner_tagger_new(const ner_model *m)
{
    ner_tagger *t = xcalloc(1, sizeof *t);
    t->m = m;
    t->nc = ap_n_classes(m->ap);
    t->use_pos = (m->flags & NER_OPT_POS) != 0;
    t->use_doc = (m->flags & NER_OPT_DOC) != 0;
    t->width = (size_t)NER_OFFSETS * t->nc + EXTRA;
    stage_init(t, &t->st[0], m->ap);
    t->n_stages = 1;
    if (m->ap2) {
        stage_init(t, &t->st[1], m->ap2);
        t->n_stages = 2;
    }
    ner_agg_init(&t->agg);
    return t;
}

void ner_tagger_free(ner_tagger *t)
{
    if (!t) {
        return;
    }
    stage_fini(&t->st[0]);
    stage_fini(&t->st[1]);
    ner_agg_fini(&t->agg);
    xfree(t->acc);
    xfree(t->ctx);
    xfree(t->lower);
    xfree(t->wkey);
    xfree(t->gaz);
    xfree(t->uni);
    xfree(t->cls);
    xfree(t->cls1);
    xfree(t->conf);
    xfree(t->dcls);
    xfree(t->dconf);
    xfree(t->dlow);
    xfree(t->dwords);
    xfree(t->dpos);
    xfree(t->dstart);
    xfree(t);
}

const ner_model *ner_tagger_model(const ner_tagger *t)
{
    return t->m;
}

void ner_doc_begin(ner_tagger *t)
{
    for (uint32_t k = 0; k < t->n_stages; k++) {
        ner_docmem_begin(&t->st[k].doc);
    }
    ner_agg_begin(&t->agg);
}

static void scatter(ner_tagger *t, const int32_t *block, long j, size_t n)
{
    uint32_t nc = t->nc;
    for (int k = -NER_WINDOW; k <= NER_WINDOW; k++) {
        long i = j - k;
        if (i < 0 || (size_t)i >= n) {
            continue;
        }
        int32_t *a = t->acc + (size_t)i * nc;
        const int32_t *b = block + (size_t)(k + NER_WINDOW) * nc;
        for (uint32_t c = 0; c < nc; c++) {
            a[c] += b[c];
        }
    }
}

static void reserve(ner_tagger *t, size_t n)
{
    if (n <= t->cap) {
        return;
    }
    t->cap = n;
    xfree(t->acc);
    xfree(t->ctx);
    xfree(t->lower);
    xfree(t->wkey);
    xfree(t->gaz);
    xfree(t->uni);
    xfree(t->cls);
    xfree(t->cls1);
    xfree(t->conf);
    t->uni = xmalloc(n * sizeof *t->uni);
    t->wkey = xmalloc(n * sizeof *t->wkey);
    t->acc = xmalloc(n * t->nc * sizeof *t->acc);
    t->ctx = xmalloc((n + 2) * sizeof *t->ctx);
    t->lower = xmalloc(n * sizeof *t->lower);
    t->gaz = xmalloc(n * sizeof *t->gaz);
    t->cls = xmalloc(n * sizeof *t->cls);
    t->cls1 = xmalloc(n * sizeof *t->cls1);
    t->conf = xmalloc(n * sizeof *t->conf);
}

/* The cached block of a word; fills *cw with what the context features
 * need (lower, sshape, pos, flags). */
static const int32_t *word_block(ner_tagger *t, ner_stage *st, str w, str ps,
                                 uint64_t *out_key, ner_word *cw,
                                 uint32_t *out_uni)
{
    uint32_t nc = t->nc;
    uint64_t key = ner_word_key(w, ps);
    *out_key = key;
    bool fresh;
    int32_t *v = ap_vcache_get(st->words, key, &fresh);
    int32_t *x = v + (size_t)NER_OFFSETS * nc;
    if (fresh) {
        ner_word nw;
        ner_word_init(&nw, w, ps, &t->m->clu);
        for (int k = -NER_WINDOW; k <= NER_WINDOW; k++) {
            uint64_t f[NER_MAX_WORD_FEATS];
            size_t nf = ner_word_feats(&nw, k, t->use_pos, f);
            ap_score_add(st->ap, f, nf, v + (size_t)(k + NER_WINDOW) * nc);
        }
        memcpy(x, &nw.lower, 8);
        memcpy(x + 2, &nw.sshape, 8);
        memcpy(x + 4, &nw.pos, 8);
        memcpy(x + 6, &nw.flags, 4);
        x[7] = (int32_t)ner_gaz_unigram(&t->m->gaz, nw.lower);
    }
    cw->pseudo = 0;
    memcpy(&cw->lower, x, 8);
    memcpy(&cw->sshape, x + 2, 8);
    memcpy(&cw->pos, x + 4, 8);
    memcpy(&cw->flags, x + 6, 4);
    *out_uni = (uint32_t)x[7];
    return v;
}

static bool caps_sentence(const ner_word *w, size_t n)
{
    size_t nl = 0, ncap = 0;
    for (size_t i = 0; i < n; i++) {
        if (w[i].flags & NER_F_ALPHA) {
            nl++;
            ncap += (w[i].flags & NER_F_ALLCAP) != 0;
        }
    }
    return nl >= 2 && ncap * 2 > nl;
}

/* One greedy pass of stage k over a sentence: t->cls and t->conf; s1 (the
 * stage-1 classes of the sentence) for the second stage. Updates the
 * stage's document memory. */
static void tag_pass(ner_tagger *t, uint32_t k, const str *words,
                     const str *pos, size_t n, const uint32_t *s1)
{
    const ner_model *m = t->m;
    ner_stage *st = &t->st[k];
    uint32_t nc = t->nc;
    memset(t->acc, 0, n * nc * sizeof *t->acc);
    /* 1. Word-local scores, one cache lookup per word (and pseudo-word). */
    for (long j = -NER_WINDOW; j < (long)n + NER_WINDOW; j++) {
        if (j < 0 || (size_t)j >= n) {
            uint32_t p = j < 0 ? (uint32_t)-j : (uint32_t)(j - (long)n) + 3;
            scatter(t, st->pseudo_blocks + p * t->width, j, n);
            continue;
        }
        str ps = pos && t->use_pos ? pos[j] : (str){"", 0};
        ner_word *cw = &t->ctx[j + 1];
        const int32_t *v =
            word_block(t, st, words[j], ps, &t->wkey[j], cw, &t->uni[j]);
        t->lower[j] = cw->lower;
        scatter(t, v, j, n);
    }
    t->ctx[0] = m->pseudo[1];
    t->ctx[n + 1] = m->pseudo[3];
    bool caps_sent = caps_sentence(t->ctx + 1, n);
    ner_gaz_match_uni(&m->gaz, t->lower, t->uni, n, t->gaz);
    /* 2. Everything but the previous labels, for several tokens at a
     * time: one batch of table probes whose cache misses overlap. */
    _Static_assert(NER_MAX_CTX_FEATS <= AP_ROWS_CAP, "context fits ap_rows");
    ap_rows q;
    ap_rows_init(&q, st->ap, t->acc, nc);
    for (size_t i = 0; i < n; i++) {
        const ner_word *cw = &t->ctx[i + 1];
        ner_s2 s2;
        if (s1) {
            const ner_word *pw = &t->ctx[i], *nw = &t->ctx[i + 2];
            s2.s1_prev = i ? s1[i - 1] : NER_NO_LABEL;
            s2.s1_cur = s1[i];
            s2.s1_next = i + 1 < n ? s1[i + 1] : NER_NO_LABEL;
            s2.agg = ner_doc_word(cw) ? ner_agg_get(&t->agg, cw->lower) : NULL;
            s2.agg_prev =
                i && ner_doc_word(pw) ? ner_agg_get(&t->agg, pw->lower) : NULL;
            s2.agg_next = i + 1 < n && ner_doc_word(nw)
                              ? ner_agg_get(&t->agg, nw->lower)
                              : NULL;
        }
        ner_ctx cx = {
            .prev = &t->ctx[i],
            .cur = cw,
            .next = &t->ctx[i + 2],
            .gaz_prev = i ? t->gaz[i - 1] : 0,
            .gaz_cur = t->gaz[i],
            .gaz_next = i + 1 < n ? t->gaz[i + 1] : 0,
            .doc = t->use_doc && ner_doc_word(cw)
                       ? ner_docmem_get(&st->doc, cw->lower)
                       : 0,
            .doc_next = t->use_doc && i + 1 < n && ner_doc_word(&t->ctx[i + 2])
                            ? ner_docmem_get(&st->doc, t->ctx[i + 2].lower)
                            : 0,
            .first = i == 0,
            .caps_sent = caps_sent,
            .use_pos = t->use_pos,
            .s2 = s1 ? &s2 : NULL,
        };
        ap_rows_add(&q, ner_ctx_feats(&cx, ap_rows_room(&q, NER_MAX_CTX_FEATS)),
                    (uint32_t)i);
    }
    ap_rows_flush(&q);
    /* 3. Greedy left to right with the previous two labels. */
    uint32_t p1 = NER_NO_LABEL, p2 = NER_NO_LABEL;
    float scale = ap_scale(st->ap);
    for (size_t i = 0; i < n; i++) {
        int32_t *s = t->acc + i * nc;
        uint64_t pk = ap_mix(((uint64_t)p1 << 16 | p2) + 1);
        bool fresh;
        int32_t *pv = ap_vcache_get(st->pairs, pk, &fresh);
        if (fresh) {
            uint64_t f[4];
            size_t nf = ner_pair_feats(p1, p2, f);
            ap_score_add(st->ap, f, nf, pv);
        }
        for (uint32_t c = 0; c < nc; c++) {
            s[c] += pv[c];
        }
        const ner_word *cw = &t->ctx[i + 1];
        int32_t *qv = ap_vcache_get(
            st->p1w,
            ap_mix(t->wkey[i] + ((uint64_t)p1 + 1) * 0x9e3779b97f4a7c15ULL),
            &fresh);
        if (fresh) {
            uint64_t f[4];
            size_t nf = ner_p1w_feats(p1, cw, f);
            ap_score_add(st->ap, f, nf, qv);
        }
        for (uint32_t c = 0; c < nc; c++) {
            s[c] += qv[c];
        }
        /* Constrained argmax and the margin over the runner-up. */
        bool last = i + 1 == n;
        uint32_t best = UINT32_MAX, second = UINT32_MAX;
        for (uint32_t c = 0; c < nc; c++) {
            if (!ner_cls_allowed(p1, c, last)) {
                continue;
            }
            if (best == UINT32_MAX || s[c] > s[best]) {
                second = best;
                best = c;
            } else if (second == UINT32_MAX || s[c] > s[second]) {
                second = c;
            }
        }
        t->cls[i] = best;
        float margin =
            second == UINT32_MAX ? 30.0f : (float)(s[best] - s[second]) * scale;
        t->conf[i] = margin;
        p2 = p1;
        p1 = best;
    }
    if (t->use_doc) {
        for (size_t i = 0; i < n; i++) {
            if (ner_doc_word(&t->ctx[i + 1])) {
                ner_docmem_put(&st->doc, t->lower[i], ner_doc_value(t->cls[i]));
            }
        }
    }
}

/* Spans and labels of t->cls. */
static size_t emit(const ner_tagger *t, size_t n, ner_span *out_spans,
                   uint16_t *out_labels)
{
    size_t ns = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t c = t->cls[i];
        if (out_labels) {
            out_labels[i] =
                c == 0
                    ? 0
                    : (uint16_t)(1 + 2 * ((c - 1) / 4) +
                                 (((c - 1) & 3u) == 1 || ((c - 1) & 3u) == 2));
        }
        if (c != 0 && (((c - 1) & 3u) == 0 || ((c - 1) & 3u) == 3)) {
            float mg = t->conf[i];
            size_t j = i;
            while (((t->cls[j] - 1) & 3u) != 3 && ((t->cls[j] - 1) & 3u) != 2 &&
                   j + 1 < n) {
                j++;
                if (t->conf[j] < mg) {
                    mg = t->conf[j];
                }
            }
            out_spans[ns++] =
                (ner_span){(uint32_t)i, (uint32_t)j, (uint16_t)((c - 1) / 4),
                           1.0f / (1.0f + expf(-mg))};
        }
    }
    return ns;
}

/* Whether the second stage should see a sentence: some capitalized token
 * of it was given different values by the first stage in the document.
 * Elsewhere the second stage would almost always agree with the first, so
 * its labels stand (and fill the second stage's document memory). */
static bool needs_stage2(const ner_tagger *t, const uint64_t *low, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (low[i]) {
            const ner_agg_val *a = ner_agg_get(&t->agg, low[i]);
            if (a && (a->mask & (a->mask - 1))) {
                return true;
            }
        }
    }
    return false;
}

/* Stage 1's labels of a sentence stand: the second stage's document
 * memory records them. */
static void keep_stage1(ner_tagger *t, const uint64_t *low, size_t n)
{
    if (!t->use_doc) {
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (low[i]) {
            ner_docmem_put(&t->st[1].doc, low[i], ner_doc_value(t->cls[i]));
        }
    }
}

size_t ner_tag_sent(ner_tagger *t, const str *words, const str *pos, size_t n,
                    ner_span *out_spans, uint16_t *out_labels)
{
    if (n == 0) {
        return 0;
    }
    reserve(t, n);
    tag_pass(t, 0, words, pos, n, NULL);
    if (t->n_stages == 2) {
        /* The document so far: earlier sentences and this one. */
        memcpy(t->cls1, t->cls, n * sizeof *t->cls);
        ner_agg_add_sent(&t->agg, t->ctx + 1, t->cls1, n);
        for (size_t i = 0; i < n; i++) {
            t->lower[i] =
                ner_doc_word(&t->ctx[i + 1]) ? t->ctx[i + 1].lower : 0;
        }
        if (needs_stage2(t, t->lower, n)) {
            tag_pass(t, 1, words, pos, n, t->cls1);
        } else {
            keep_stage1(t, t->lower, n);
        }
    }
    return emit(t, n, out_spans, out_labels);
}

size_t ner_tag_doc_flat(ner_tagger *t, const str *words, const str *pos,
                        const uint32_t *sent_start, size_t n_sents,
                        ner_span *out_spans, uint16_t *out_labels)
{
    ner_doc_begin(t);
    size_t ns = 0;
    if (t->n_stages == 2) {
        size_t nt = sent_start[n_sents];
        if (nt > t->dcap) {
            xfree(t->dcls);
            xfree(t->dconf);
            xfree(t->dlow);
            t->dcap = nt;
            t->dcls = xmalloc(nt * sizeof *t->dcls);
            t->dconf = xmalloc(nt * sizeof *t->dconf);
            t->dlow = xmalloc(nt * sizeof *t->dlow);
        }
        /* Stage 1 over the whole document, then stage 2. */
        for (size_t s = 0; s < n_sents; s++) {
            size_t a = sent_start[s], n = sent_start[s + 1] - a;
            if (n == 0) {
                continue;
            }
            reserve(t, n);
            tag_pass(t, 0, words + a, pos ? pos + a : NULL, n, NULL);
            memcpy(t->dcls + a, t->cls, n * sizeof *t->cls);
            memcpy(t->dconf + a, t->conf, n * sizeof *t->conf);
            for (size_t i = 0; i < n; i++) {
                t->dlow[a + i] =
                    ner_doc_word(&t->ctx[i + 1]) ? t->ctx[i + 1].lower : 0;
            }
            ner_agg_add_sent(&t->agg, t->ctx + 1, t->cls, n);
        }
    }
    for (size_t s = 0; s < n_sents; s++) {
        size_t a = sent_start[s], n = sent_start[s + 1] - a;
        if (n == 0) {
            continue;
        }
        reserve(t, n);
        if (t->n_stages == 1) {
            tag_pass(t, 0, words + a, pos ? pos + a : NULL, n, NULL);
        } else if (needs_stage2(t, t->dlow + a, n)) {
            tag_pass(t, 1, words + a, pos ? pos + a : NULL, n, t->dcls + a);
        } else {
            memcpy(t->cls, t->dcls + a, n * sizeof *t->cls);
            memcpy(t->conf, t->dconf + a, n * sizeof *t->conf);
            keep_stage1(t, t->dlow + a, n);
        }
        size_t got =
            emit(t, n, out_spans + ns, out_labels ? out_labels + a : NULL);
        for (size_t i = ns; i < ns + got; i++) {
            out_spans[i].first += (uint32_t)a;
            out_spans[i].last += (uint32_t)a;
        }
        ns += got;
    }
    return ns;
}

size_t ner_tag_doc(ner_tagger *t, const ner_sent *sents, size_t n_sents,
                   ner_span *out_spans)
{
    size_t nt = 0;
    bool any_pos = false;
    for (size_t s = 0; s < n_sents; s++) {
        nt += sents[s].n;
        any_pos |= sents[s].pos != NULL;
    }
    if (nt > t->dscap || n_sents + 1 > t->dscap) {
        size_t c = nt > n_sents + 1 ? nt : n_sents + 1;
        xfree(t->dwords);
        xfree(t->dpos);
        xfree(t->dstart);
        t->dscap = c;
        t->dwords = xmalloc(c * sizeof *t->dwords);
        t->dpos = xmalloc(c * sizeof *t->dpos);
        t->dstart = xmalloc((c + 1) * sizeof *t->dstart);
    }
    size_t base = 0;
    for (size_t s = 0; s < n_sents; s++) {
        t->dstart[s] = (uint32_t)base;
        for (size_t i = 0; i < sents[s].n; i++) {
            t->dwords[base + i] = sents[s].words[i];
            t->dpos[base + i] = sents[s].pos ? sents[s].pos[i] : (str){"", 0};
        }
        base += sents[s].n;
    }
    t->dstart[n_sents] = (uint32_t)base;
    return ner_tag_doc_flat(t, t->dwords, any_pos ? t->dpos : NULL, t->dstart,
                            n_sents, out_spans, NULL);
}

size_t ner_tag_tokens(ner_tagger *t, str text, const tok_result *r,
                      const str *pos, ner_span *out_spans)
{
    str *words = xmalloc((r->n_toks + 1) * sizeof *words);
    uint32_t *start = xmalloc((r->n_sents + 1) * sizeof *start);
    for (size_t i = 0; i < r->n_toks; i++) {
        words[i] = str_sub(text, r->toks[i].off, r->toks[i].len);
    }
    /* Sentences as the tokenizer gives them (contiguous, in order); tokens
     * between sentences, if any, are skipped. */
    size_t ns = 0;
    uint32_t end = 0;
    bool contiguous = true;
    for (size_t s = 0; s < r->n_sents; s++) {
        const tok_sent *se = &r->sents[s];
        contiguous &= se->first_tok == end;
        start[s] = se->first_tok;
        end = se->first_tok + se->n_toks;
    }
    start[r->n_sents] = end;
    if (contiguous) {
        ns =
            ner_tag_doc_flat(t, words, pos, start, r->n_sents, out_spans, NULL);
    } else {
        ner_doc_begin(t);
        for (size_t s = 0; s < r->n_sents; s++) {
            const tok_sent *se = &r->sents[s];
            size_t k = ner_tag_sent(t, words + se->first_tok,
                                    pos ? pos + se->first_tok : NULL,
                                    se->n_toks, out_spans + ns, NULL);
            for (size_t i = ns; i < ns + k; i++) {
                out_spans[i].first += se->first_tok;
                out_spans[i].last += se->first_tok;
            }
            ns += k;
        }
    }
    xfree(start);
    xfree(words);
    return ns;
}
