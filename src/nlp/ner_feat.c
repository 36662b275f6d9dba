/* ner_feat.c - NER features and gazetteer matching (see ner_int.h). The
 * template ids below are hashed into the model's keys: never renumber. */
#include <string.h>

#include "nlp/ap_int.h"
#include "nlp/ner_int.h"
#include "nlp/word.h"
#include "util/xalloc.h"

const char *const ner_gaz_cat_names[NER_GAZ_CATS] = {
    "per-first", "per-last",   "per-full", "loc-country",
    "loc-city",  "loc-region", "org",      "misc-demonym",
};

enum {
    T_BIAS = 1,
    T_FORM,
    T_LOWER,
    T_PRE1,
    T_SUF1 = T_PRE1 + 4,
    T_SHAPE = T_SUF1 + 4,
    T_SSHAPE,
    T_FLAGS,
    T_POS,
    T_POS_SSHAPE,
    T_PSEUDO,
    T_SUF3,
    /* context templates */
    T_P1 = 100,
    T_P2,
    T_P1P2,
    T_P1_LOWER,
    T_P1_SSHAPE,
    T_LOWER_PREV,
    T_LOWER_NEXT,
    T_SSHAPE3,
    T_POS_PREV,
    T_POS_NEXT,
    T_FIRST,
    T_CAPS_SENT,
    T_GAZ,
    T_GAZ_CAP,
    T_GAZ_PREV,
    T_GAZ_NEXT,
    T_DOC,
    T_DOC_SSHAPE,
    T_P1_FLAGS,
    T_DOC_NEXT,
    T_CLU,
    /* second stage */
    T_S1_CUR,
    T_S1_PREV,
    T_S1_NEXT,
    T_S1_PCN,
    T_AGG_MAJ,
    T_AGG_MAJ_SSHAPE,
    T_AGG_FIRST,
    T_AGG_MASK,
    T_AGG_EXT,
    T_AGG_MAJ_NEXT,
    T_AGG_MAJ_PREV,
    T_AGG_S1,
};

/* The most frequent value of an aggregate (lowest on ties). */
static uint32_t agg_major(const ner_agg_val *v)
{
    uint32_t best = 1;
    for (uint32_t k = 2; k < 2 + NER_MAX_TYPES_INT; k++) {
        if (v->cnt[k] > v->cnt[best]) {
            best = k;
        }
    }
    return best;
}

#define WT(t, k) ((uint32_t)(t)*8u + (uint32_t)((k) + 2))

uint64_t ner_lower_hash(str s)
{
    char low[128];
    if (s.len > sizeof low) {
        return ap_hash(s.ptr, s.len);
    }
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return ap_hash(low, s.len);
}

uint64_t ner_word_key(str s, str pos)
{
    uint64_t h = ap_hash(s.ptr, s.len);
    if (pos.len) {
        h = ap_feat2(7, h, ap_hash(pos.ptr, pos.len));
    }
    return h;
}

void ner_word_init(ner_word *w, str s, str pos, const ner_clu *clu)
{
    memset(w, 0, sizeof *w);
    word_shape ws;
    word_shape_of(s, WORD_LOW_MAX, &ws);
    uint32_t fl = 0;
    fl |= ws.first_upper ? NER_F_INITCAP : 0;
    /* A capital after the first character, unless all are capitals. */
    bool all_caps = ws.n_upper == ws.n_chars && ws.n_chars > 1;
    fl |= ws.later_upper && !all_caps ? NER_F_MIXED : 0;
    fl |= ws.hyphen ? NER_F_HYPHEN : 0;
    fl |= ws.period ? NER_F_PERIOD : 0;
    fl |= ws.apos ? NER_F_APOS : 0;
    fl |= ws.nonascii ? NER_F_NONASCII : 0;
    fl |= ws.n_digit ? NER_F_DIGIT : 0;
    fl |= ws.n_digit && ws.n_digit == ws.n_chars ? NER_F_ALLDIGIT : 0;
    fl |= ws.n_upper ? NER_F_HASCAP : 0;
    fl |= ws.n_upper && ws.n_upper == ws.n_alpha && ws.n_alpha > 1
              ? NER_F_ALLCAP
              : 0;
    fl |= ws.n_alpha ? NER_F_ALPHA : 0;
    size_t nch = ws.n_chars;
    uint32_t lb = nch <= 3 ? (uint32_t)nch : nch <= 6 ? 4u : 5u;
    fl |= lb << 12;
    w->flags = fl;
    w->form = ws.form;
    w->lower = ws.lower;
    w->shape = ws.shape;
    w->sshape = ws.sshape;
    w->pos = pos.len ? ap_hash(pos.ptr, pos.len) : 0;
    if (clu && clu->cap) {
        w->clu = ner_clu_get(clu, w->form);
        if (!w->clu && s.len <= WORD_LOW_MAX) {
            w->clu = ner_clu_get(clu, w->lower);
            /* "BRITAIN" and "britain" may be listed as "Britain". */
            char *low = ws.low;
            if (!w->clu && ws.n_low > 0 && low[0] >= 'a' && low[0] <= 'z') {
                low[0] = (char)(low[0] - 32);
                w->clu = ner_clu_get(clu, ap_hash(low, ws.n_low));
                low[0] = (char)(low[0] + 32);
            }
        }
    }
    /* Prefixes and suffixes by characters (1..4), of the lower case. */
    word_affixes(&ws, w->pre, 4, w->suf, 4);
}

void ner_word_pseudo(ner_word *w, uint32_t which)
{
    memset(w, 0, sizeof *w);
    w->pseudo = which;
    w->form = w->lower = w->shape = w->sshape = w->pos =
        ap_mix(0x5eed0000u + which);
}

size_t ner_word_feats(const ner_word *w, int k, bool use_pos, uint64_t *out)
{
    size_t n = 0;
    if (w->pseudo) {
        out[n++] = ap_feat(WT(T_PSEUDO, k), w->pseudo);
        return n;
    }
    out[n++] = ap_feat(WT(T_LOWER, k), w->lower);
    out[n++] = ap_feat(WT(T_SSHAPE, k), w->sshape);
    if (w->clu) {
        out[n++] = ap_feat(WT(T_CLU, k), w->clu);
    }
    if (use_pos && w->pos) {
        out[n++] = ap_feat(WT(T_POS, k), w->pos);
    }
    if (k == 0) {
        out[n++] = ap_feat(WT(T_BIAS, 0), 0);
        out[n++] = ap_feat(WT(T_FORM, 0), w->form);
        for (int i = 0; i < 4; i++) {
            out[n++] = ap_feat(WT(T_PRE1 + i, 0), w->pre[i]);
            out[n++] = ap_feat(WT(T_SUF1 + i, 0), w->suf[i]);
        }
        out[n++] = ap_feat(WT(T_SHAPE, 0), w->shape);
        out[n++] = ap_feat(WT(T_FLAGS, 0), w->flags);
        if (use_pos && w->pos) {
            out[n++] = ap_feat2(WT(T_POS_SSHAPE, 0), w->pos, w->sshape);
        }
    } else if (k == -1 || k == 1) {
        out[n++] = ap_feat(WT(T_FORM, k), w->form);
        out[n++] = ap_feat(WT(T_FLAGS, k), w->flags);
        out[n++] = ap_feat(WT(T_SUF3, k), w->suf[2]);
        out[n++] = ap_feat(WT(T_SUF1 + 1, k), w->suf[1]);
        out[n++] = ap_feat(WT(T_PRE1 + 2, k), w->pre[2]);
        out[n++] = ap_feat(WT(T_SHAPE, k), w->shape);
    } else {
        out[n++] = ap_feat(WT(T_FLAGS, k), w->flags);
    }
    return n;
}

size_t ner_pair_feats(uint32_t p1, uint32_t p2, uint64_t *out)
{
    out[0] = ap_feat(T_P1, p1);
    out[1] = ap_feat(T_P2, p2);
    out[2] = ap_feat(T_P1P2, ((uint64_t)p1 << 16) | p2);
    return 3;
}

size_t ner_p1w_feats(uint32_t p1, const ner_word *cur, uint64_t *out)
{
    out[0] = ap_feat2(T_P1_LOWER, p1, cur->lower);
    out[1] = ap_feat2(T_P1_SSHAPE, p1, cur->sshape);
    return 2;
}

size_t ner_ctx_feats(const ner_ctx *c, uint64_t *out)
{
    size_t n = 0;
    const ner_word *cur = c->cur;
    out[n++] = ap_feat2(T_LOWER_PREV, c->prev->lower, cur->lower);
    out[n++] = ap_feat2(T_LOWER_NEXT, cur->lower, c->next->lower);
    out[n++] = ap_feat2(T_SSHAPE3, ap_mix(c->prev->sshape + cur->sshape),
                        c->next->sshape);
    if (c->use_pos && cur->pos) {
        out[n++] = ap_feat2(T_POS_PREV, c->prev->pos, cur->pos);
        out[n++] = ap_feat2(T_POS_NEXT, cur->pos, c->next->pos);
    }
    if (c->first) {
        out[n++] = ap_feat(T_FIRST, cur->sshape);
    }
    if (c->caps_sent) {
        out[n++] = ap_feat(T_CAPS_SENT, cur->sshape);
    }
    uint32_t cap = (cur->flags & NER_F_INITCAP) ? 1u : 0u;
    for (uint32_t k = 0; k < NER_GAZ_CATS; k++) {
        uint32_t g = (c->gaz_cur >> (4 * k)) & 15u;
        if (g) {
            out[n++] = ap_feat(T_GAZ, k << 4 | g);
            out[n++] = ap_feat(T_GAZ_CAP, k << 8 | g << 1 | cap);
        }
        if ((c->gaz_prev >> (4 * k)) & 15u) {
            out[n++] = ap_feat(T_GAZ_PREV, k);
        }
        if ((c->gaz_next >> (4 * k)) & 15u) {
            out[n++] = ap_feat(T_GAZ_NEXT, k);
        }
    }
    if (c->doc) {
        out[n++] = ap_feat(T_DOC, c->doc);
        out[n++] = ap_feat2(T_DOC_SSHAPE, c->doc, cur->sshape);
    }
    if (c->doc_next) {
        out[n++] = ap_feat(T_DOC_NEXT, c->doc_next);
    }
    const ner_s2 *s2 = c->s2;
    if (s2) {
        out[n++] = ap_feat(T_S1_CUR, s2->s1_cur);
        out[n++] = ap_feat(T_S1_PREV, s2->s1_prev);
        out[n++] = ap_feat(T_S1_NEXT, s2->s1_next);
        out[n++] =
            ap_feat(T_S1_PCN, ((uint64_t)s2->s1_prev << 32) |
                                  (uint64_t)s2->s1_cur << 16 | s2->s1_next);
        if (s2->agg) {
            const ner_agg_val *a = s2->agg;
            uint32_t maj = agg_major(a);
            out[n++] = ap_feat(T_AGG_MAJ, maj);
            out[n++] = ap_feat2(T_AGG_MAJ_SSHAPE, maj, cur->sshape);
            out[n++] = ap_feat(T_AGG_FIRST, a->first);
            out[n++] = ap_feat(T_AGG_MASK, a->mask);
            out[n++] = ap_feat(T_AGG_S1, (uint64_t)maj << 16 | s2->s1_cur);
            if (a->ext) {
                out[n++] = ap_feat(T_AGG_EXT, a->ext);
            }
        }
        if (s2->agg_prev) {
            out[n++] = ap_feat(T_AGG_MAJ_PREV, agg_major(s2->agg_prev));
        }
        if (s2->agg_next) {
            out[n++] = ap_feat(T_AGG_MAJ_NEXT, agg_major(s2->agg_next));
        }
    }
    return n;
}

uint32_t ner_clu_get(const ner_clu *c, uint64_t form_hash)
{
    return word_class_get(c->tab, c->cap, form_hash);
}

/* ---- gazetteers ---- */

uint32_t ner_gaz_get(const ner_gaz *g, uint64_t key)
{
    if (g->cap == 0) {
        return 0;
    }
    uint32_t s = ap_home(key, g->cap);
    for (;;) {
        uint64_t v = g->tab[s];
        if (v == 0) {
            return 0;
        }
        if ((v & ~(uint64_t)0xffff) == key) {
            return (uint32_t)(v & 0xffff);
        }
        if (++s == g->cap) {
            s = 0;
        }
    }
}

uint32_t ner_gaz_unigram(const ner_gaz *g, uint64_t lower)
{
    return ner_gaz_get(g, ner_gaz_key(ner_gaz_step(NER_GAZ_SEED, lower)));
}

void ner_gaz_match(const ner_gaz *g, const uint64_t *lower, size_t n,
                   uint32_t *out_codes)
{
    ner_gaz_match_uni(g, lower, NULL, n, out_codes);
}

void ner_gaz_match_uni(const ner_gaz *g, const uint64_t *lower,
                       const uint32_t *uni, size_t n, uint32_t *out_codes)
{
    memset(out_codes, 0, n * sizeof *out_codes);
    if (g->cap == 0) {
        return;
    }
    /* For each category, the longest match starting at i; then mark the
     * covered tokens unless a longer match of the category covers them. */
    uint8_t best_len[NER_GAZ_CATS];
    for (size_t i = 0; i < n; i++) {
        if (uni && uni[i] == 0) {
            continue;
        }
        memset(best_len, 0, sizeof best_len);
        uint64_t h = NER_GAZ_SEED;
        for (size_t l = 1; l <= NER_GAZ_MAXLEN && i + l <= n; l++) {
            h = ner_gaz_step(h, lower[i + l - 1]);
            uint32_t v =
                l == 1 && uni ? uni[i] : ner_gaz_get(g, ner_gaz_key(h));
            for (uint32_t k = 0; k < NER_GAZ_CATS; k++) {
                if (v & (1u << k)) {
                    best_len[k] = (uint8_t)l;
                }
            }
            if (!(v & NER_GAZ_PREFIX)) {
                break;
            }
        }
        for (uint32_t k = 0; k < NER_GAZ_CATS; k++) {
            size_t l = best_len[k];
            if (!l) {
                continue;
            }
            /* Skip when a token is already covered by this category from
             * an earlier (longer-reaching) start. */
            bool taken = false;
            for (size_t j = i; j < i + l; j++) {
                if ((out_codes[j] >> (4 * k)) & 15u) {
                    taken = true;
                    break;
                }
            }
            if (taken) {
                continue;
            }
            for (size_t j = i; j < i + l; j++) {
                uint32_t code = l == 1           ? 4u
                                : j == i         ? 1u
                                : j == i + l - 1 ? 3u
                                                 : 2u;
                out_codes[j] |= code << (4 * k);
            }
        }
    }
}

/* ---- document memory ---- */

void ner_docmem_init(ner_docmem *d)
{
    memset(d, 0, sizeof *d);
    d->mask = 1023;
    d->key = xcalloc(d->mask + 1, sizeof *d->key);
    d->val = xcalloc(d->mask + 1, sizeof *d->val);
    d->gen = xcalloc(d->mask + 1, sizeof *d->gen);
    d->cur = 1;
}

void ner_docmem_fini(ner_docmem *d)
{
    xfree(d->key);
    xfree(d->val);
    xfree(d->gen);
    memset(d, 0, sizeof *d);
}

void ner_docmem_begin(ner_docmem *d)
{
    d->cur++;
    d->n = 0;
    if (d->cur == 0) { /* wrapped: clear the stamps */
        memset(d->gen, 0, (d->mask + 1) * sizeof *d->gen);
        d->cur = 1;
    }
}

static inline size_t dm_slot(uint64_t key, size_t mask)
{
    return (size_t)(key ^ (key >> 29)) & mask;
}

uint32_t ner_docmem_get(const ner_docmem *d, uint64_t key)
{
    size_t s = dm_slot(key, d->mask);
    for (;;) {
        if (d->gen[s] != d->cur) {
            return 0;
        }
        if (d->key[s] == key) {
            return d->val[s];
        }
        s = (s + 1) & d->mask;
    }
}

static void dm_grow(ner_docmem *d)
{
    size_t old = d->mask + 1;
    uint64_t *k = d->key;
    uint32_t *v = d->val, *g = d->gen;
    uint32_t cur = d->cur;
    d->mask = old * 2 - 1;
    d->key = xcalloc(old * 2, sizeof *d->key);
    d->val = xcalloc(old * 2, sizeof *d->val);
    d->gen = xcalloc(old * 2, sizeof *d->gen);
    d->n = 0;
    for (size_t i = 0; i < old; i++) {
        if (g[i] == cur) {
            ner_docmem_put(d, k[i], v[i]);
        }
    }
    xfree(k);
    xfree(v);
    xfree(g);
}

void ner_docmem_put(ner_docmem *d, uint64_t key, uint32_t val)
{
    size_t s = dm_slot(key, d->mask);
    for (;;) {
        if (d->gen[s] != d->cur) {
            d->gen[s] = d->cur;
            d->key[s] = key;
            d->val[s] = val;
            if (++d->n * 2 > d->mask) {
                dm_grow(d);
            }
            return;
        }
        if (d->key[s] == key) {
            if (val >= 2 || d->val[s] == 0) {
                d->val[s] = val;
            }
            return;
        }
        s = (s + 1) & d->mask;
    }
}

/* ---- stage-1 aggregates (two-stage models) ---- */

void ner_agg_init(ner_agg *a)
{
    memset(a, 0, sizeof *a);
    a->mask = 1023;
    a->key = xcalloc(a->mask + 1, sizeof *a->key);
    a->gen = xcalloc(a->mask + 1, sizeof *a->gen);
    a->val = xcalloc(a->mask + 1, sizeof *a->val);
    a->cur = 1;
}

void ner_agg_fini(ner_agg *a)
{
    xfree(a->key);
    xfree(a->gen);
    xfree(a->val);
    memset(a, 0, sizeof *a);
}

void ner_agg_begin(ner_agg *a)
{
    a->cur++;
    a->n = 0;
    if (a->cur == 0) {
        memset(a->gen, 0, (a->mask + 1) * sizeof *a->gen);
        a->cur = 1;
    }
}

const ner_agg_val *ner_agg_get(const ner_agg *a, uint64_t key)
{
    size_t s = dm_slot(key, a->mask);
    for (;;) {
        if (a->gen[s] != a->cur) {
            return NULL;
        }
        if (a->key[s] == key) {
            return &a->val[s];
        }
        s = (s + 1) & a->mask;
    }
}

static ner_agg_val *agg_slot(ner_agg *a, uint64_t key);

static void agg_grow(ner_agg *a)
{
    size_t old = a->mask + 1;
    uint64_t *k = a->key;
    uint32_t *g = a->gen;
    ner_agg_val *v = a->val;
    uint32_t cur = a->cur;
    a->mask = old * 2 - 1;
    a->key = xcalloc(old * 2, sizeof *a->key);
    a->gen = xcalloc(old * 2, sizeof *a->gen);
    a->val = xcalloc(old * 2, sizeof *a->val);
    a->n = 0;
    for (size_t i = 0; i < old; i++) {
        if (g[i] == cur) {
            *agg_slot(a, k[i]) = v[i];
        }
    }
    xfree(k);
    xfree(g);
    xfree(v);
}

static ner_agg_val *agg_slot(ner_agg *a, uint64_t key)
{
    if ((a->n + 1) * 2 > a->mask) {
        agg_grow(a);
    }
    size_t s = dm_slot(key, a->mask);
    for (;;) {
        if (a->gen[s] != a->cur) {
            a->gen[s] = a->cur;
            a->key[s] = key;
            memset(&a->val[s], 0, sizeof a->val[s]);
            a->n++;
            return &a->val[s];
        }
        if (a->key[s] == key) {
            return &a->val[s];
        }
        s = (s + 1) & a->mask;
    }
}

void ner_agg_add_sent(ner_agg *a, const ner_word *w, const uint32_t *cls,
                      size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!ner_doc_word(&w[i])) {
            continue;
        }
        uint32_t c = cls[i];
        uint32_t v = ner_doc_value(c);
        if (v >= 2 + NER_MAX_TYPES_INT) {
            continue;
        }
        ner_agg_val *x = agg_slot(a, w[i].lower);
        if (x->mask == 0) {
            x->first = (uint16_t)v;
        }
        x->mask |= 1u << v;
        if (x->cnt[v] < UINT16_MAX) {
            x->cnt[v]++;
        }
        if (c != 0 && ((c - 1) & 3u) != 3) {
            x->ext |= (uint16_t)(1u << ((c - 1) / 4));
        }
    }
}
