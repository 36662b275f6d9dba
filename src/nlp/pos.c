/* pos.c - the part-of-speech tagger: features, model loading, greedy
 * decoding with cached per-word scores, evaluation (see pos.h). */
#include "nlp/pos.h"
#include "nlp/word.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nlp/ap.h"
#include "nlp/conllu.h"
#include "nlp/ap_int.h"
#include "nlp/pos_int.h"
#include "util/xalloc.h"

/* ---- features ---- */

/* Template ids. Word templates are combined with the offset (tpl * 8 +
 * k + 2); never renumber without bumping POS_SECTION_VERSION: the ids are
 * hashed into the model's keys. */
enum {
    T_BIAS = 1,
    T_FORM,
    T_LOWER,
    T_PRE1,
    T_SUF1 = T_PRE1 + 4,
    T_SHAPE = T_SUF1 + 5,
    T_SSHAPE,
    T_FLAGS,
    T_AMB,
    T_AMB_SUF3,
    T_PSEUDO,
    T_SUF3,
    T_SUF2,
    T_SUF4,
    T_AMB_FREQ,
    T_PRE2,
    T_CLUS,      /* word class (exact form, else lower case) */
    T_LCLUS,     /* word class of the lower case */
    T_CLUS_CASE, /* class x capitalization flags */
    T_CLUS_SUF2, /* class x suffix 2 */
    /* context templates */
    T_P1 = 100,
    T_P2,
    T_P1P2,
    T_P1_LOWER,
    T_P1_AMB,
    T_LOWER_PREV,
    T_LOWER_NEXT,
    T_P1P2_AMB_UNUSED, /* kept: the ids below are hashed into keys */
    T_AMB_NEXT,
    T_AMB_PREV,
    T_LOWER_PN,
    T_P1_SSHAPE,
    T_P2_LOWER,
    T_CLUS_PREV, /* class(-1) x class(0) */
    T_CLUS_NEXT, /* class(0) x class(+1) */
    T_P1_CLUS_UNUSED,
    /* pass-2 templates */
    T2_R1 = 200,
    T2_R2,
    T2_R1R2,
    T2_R1_LOWER,
    T2_R1_AMB,
    T2_P1_R1,
    T2_R1_CLUS,
    T2_R1_LOWER1,
    T2_P1,
};

enum {
    F_DIGIT = 1u << 0,
    F_HYPHEN = 1u << 1,
    F_UPPER = 1u << 2,
    F_ALLUPPER = 1u << 3,
    F_INITUPPER = 1u << 4,
    F_ALPHA = 1u << 5,
    F_PERIOD = 1u << 6,
    F_NONASCII = 1u << 7,
    F_ALLDIGIT = 1u << 8,
    /* bits 12..15: length bucket */
};

#define WT(t, k) ((uint32_t)(t)*8u + (uint32_t)((k) + 2))

void pos_word_set_dict(pos_word *w, uint64_t dval)
{
    w->dval = dval;
    w->amb = dval ? ap_mix((dval & POS_DICT_TAGBITS) + 0x9e37u) : 0;
}

void pos_word_init(pos_word *w, str s, const pos_dict *d)
{
    memset(w, 0, sizeof *w);
    word_shape ws;
    word_shape_of(s, 64, &ws);
    uint32_t fl = 0;
    fl |= ws.first_upper ? F_INITUPPER : 0;
    fl |= ws.hyphen ? F_HYPHEN : 0;
    fl |= ws.period ? F_PERIOD : 0;
    fl |= ws.nonascii ? F_NONASCII : 0;
    fl |= ws.n_digit ? F_DIGIT : 0;
    fl |= ws.n_digit && ws.n_digit == ws.n_chars ? F_ALLDIGIT : 0;
    fl |= ws.n_upper ? F_UPPER : 0;
    fl |= ws.n_upper && ws.n_upper == ws.n_alpha ? F_ALLUPPER : 0;
    fl |= ws.n_alpha ? F_ALPHA : 0;
    size_t nch = ws.n_chars;
    uint32_t lb = nch <= 3 ? (uint32_t)nch : nch <= 6 ? 4u : 5u;
    fl |= lb << 12;
    w->flags = fl;
    w->form = ws.form;
    w->lower = ws.lower;
    w->shape = ws.shape;
    w->sshape = ws.sshape;
    /* Prefixes (1..4) and suffixes (1..5) by characters, of the lower
     * case; a word shorter than that repeats its whole form. */
    word_affixes(&ws, w->pre, 4, w->suf, 5);
    pos_word_set_dict(w, pos_dict_get(d, w->lower));
    w->clus = pos_clus_get(d, w->form);
    w->lclus = w->lower == w->form ? w->clus : pos_clus_get(d, w->lower);
}

void pos_word_pseudo(pos_word *w, uint32_t which)
{
    memset(w, 0, sizeof *w);
    w->pseudo = which;
    w->form = w->lower = w->amb = ap_mix(0x5eed0000u + which);
    w->sshape = w->suf[1] = w->suf[2] = w->lower;
}

size_t pos_word_feats(const pos_word *w, int k, uint64_t *out)
{
    size_t n = 0;
    if (w->pseudo) {
        out[n++] = ap_feat(WT(T_PSEUDO, k), w->pseudo);
        return n;
    }
    out[n++] = ap_feat(WT(T_LOWER, k), w->lower);
    out[n++] = ap_feat(WT(T_AMB, k), w->amb);
    uint32_t cl = w->clus ? w->clus : w->lclus;
    if (k != 0) {
        out[n++] = ap_feat(WT(T_CLUS, k), cl);
    }
    if (k == 0) {
        out[n++] = ap_feat(WT(T_BIAS, 0), 0);
        out[n++] = ap_feat(WT(T_FORM, 0), w->form);
        for (int i = 0; i < 4; i++) {
            out[n++] = ap_feat(WT(T_PRE1 + i, 0), w->pre[i]);
        }
        for (int i = 0; i < 5; i++) {
            out[n++] = ap_feat(WT(T_SUF1 + i, 0), w->suf[i]);
        }
        out[n++] = ap_feat(WT(T_SHAPE, 0), w->shape);
        out[n++] = ap_feat(WT(T_SSHAPE, 0), w->sshape);
        out[n++] = ap_feat(WT(T_FLAGS, 0), w->flags);
        out[n++] = ap_feat2(WT(T_AMB_SUF3, 0), w->amb, w->suf[2]);
        out[n++] = ap_feat2(WT(T_AMB_FREQ, 0), w->amb, (w->dval >> 48) & 0xff);
        out[n++] = ap_feat(WT(T_CLUS, 0), w->clus);
        out[n++] = ap_feat(WT(T_LCLUS, 0), w->lclus);
        out[n++] = ap_feat2(WT(T_CLUS_CASE, 0), cl,
                            w->flags & (F_INITUPPER | F_ALLUPPER));
        out[n++] = ap_feat2(WT(T_CLUS_SUF2, 0), cl, w->suf[1]);
    } else if (k == -1 || k == 1) {
        out[n++] = ap_feat(WT(T_SUF3, k), w->suf[2]);
        out[n++] = ap_feat(WT(T_SSHAPE, k), w->sshape);
        out[n++] = ap_feat(WT(T_FLAGS, k), w->flags);
        out[n++] = ap_feat(WT(T_SUF2, k), w->suf[1]);
        out[n++] = ap_feat(WT(T_SUF4, k), w->suf[3]);
        out[n++] = ap_feat(WT(T_FORM, k), w->form);
        out[n++] = ap_feat(WT(T_SHAPE, k), w->shape);
        out[n++] = ap_feat(WT(T_PRE2, k), w->pre[1]);
    } else {
        out[n++] = ap_feat(WT(T_SUF3, k), w->suf[2]);
        out[n++] = ap_feat(WT(T_SSHAPE, k), w->sshape);
    }
    return n;
}

size_t pos_pair_feats(uint32_t p1, uint32_t p2, uint64_t *out)
{
    out[0] = ap_feat(T_P1, p1);
    out[1] = ap_feat(T_P2, p2);
    out[2] = ap_feat(T_P1P2, ((uint64_t)p1 << 16) | p2);
    return 3;
}

size_t pos_bigram_feats(const pos_word *const w[5], uint64_t *out)
{
    size_t n = 0;
    const pos_word *p = w[1], *c = w[2], *nx = w[3];
    out[n++] = ap_feat2(T_LOWER_PREV, p->lower, c->lower);
    out[n++] = ap_feat2(T_LOWER_NEXT, c->lower, nx->lower);
    out[n++] = ap_feat2(T_AMB_NEXT, c->amb, nx->amb);
    out[n++] = ap_feat2(T_AMB_PREV, p->amb, c->amb);
    out[n++] = ap_feat2(T_LOWER_PN, p->lower, nx->lower);
    {
        uint32_t cp = p->clus ? p->clus : p->lclus;
        uint32_t cc = c->clus ? c->clus : c->lclus;
        uint32_t cn = nx->clus ? nx->clus : nx->lclus;
        out[n++] = ap_feat2(T_CLUS_PREV, cp + (p->pseudo << 16), cc);
        out[n++] = ap_feat2(T_CLUS_NEXT, cc, cn + (nx->pseudo << 16));
    }
    return n;
}

size_t pos_ctx_feats(uint32_t p1, uint32_t p2, const pos_word *const w[5],
                     uint64_t *out)
{
    size_t n = 0;
    const pos_word *c = w[2];
    out[n++] = ap_feat2(T_P1_LOWER, p1, c->lower);
    out[n++] = ap_feat2(T_P1_AMB, p1, c->amb);
    out[n++] = ap_feat2(T_P1_SSHAPE, p1, c->sshape);
    out[n++] = ap_feat2(T_P2_LOWER, p2, c->lower);
    return n;
}

size_t pos_pass2_pair_feats(uint32_t r1, uint32_t r2, uint64_t *out)
{
    out[0] = ap_feat(T2_R1, r1);
    out[1] = ap_feat(T2_R2, r2);
    out[2] = ap_feat(T2_R1R2, ((uint64_t)r1 << 16) | r2);
    return 3;
}

size_t pos_pass2_feats(uint32_t p1, uint32_t r1, uint32_t r2, const pos_word *c,
                       const pos_word *nx, uint64_t *out)
{
    (void)r2;
    size_t n = 0;
    (void)nx;
    out[n++] = ap_feat2(T2_R1_LOWER, r1, c->lower);
    out[n++] = ap_feat2(T2_R1_CLUS, r1, c->clus ? c->clus : c->lclus);
    out[n++] = ap_feat2(T2_R1_AMB, r1, c->amb);
    out[n++] = ap_feat2(T2_P1_R1, ((uint64_t)p1 << 16) | r1, c->amb);
    return n;
}

uint64_t pos_dict_get(const pos_dict *d, uint64_t lower)
{
    if (d->cap == 0) {
        return 0;
    }
    uint32_t s = ap_home(lower, d->cap);
    for (;;) {
        if (d->tab[s].key == lower) {
            return d->tab[s].val;
        }
        if (d->tab[s].key == 0) {
            return 0;
        }
        if (++s == d->cap) {
            s = 0;
        }
    }
}

uint32_t pos_clus_get(const pos_dict *d, uint64_t form)
{
    return word_class_get(d->clus, d->clus_cap, form);
}

/* ---- model ---- */

struct pos_model {
    model_file *own; /* when opened from a path */
    const model_file *mf;
    ap_model *ap;
    ap_model *ap2; /* second pass, NULL: none */
    float sc1, sc2;
    pos_dict dict;
    uint32_t n_tags;
    str *upos, *xpos;
    uint16_t *ugroup;   /* per tag: the smallest tag id with its UPOS */
    pos_word pseudo[5]; /* index 1..4 */
};

ds_rc pos_model_from(const model_file *mf, pos_model **out_m, ds_err *e)
{
    *out_m = NULL;
    const char *mn = model_name(mf);
    if (model_kind_of(mf) != MODEL_KIND_POS) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: not a part-of-speech model (kind %u)", mn,
                       model_kind_of(mf));
    }
    const void *op, *dp;
    size_t on, dn;
    ds_rc rc;
    if ((rc = model_need(mf, "pos.opts", &op, &on, e)) != DS_OK ||
        (rc = model_need(mf, "pos.dict", &dp, &dn, e)) != DS_OK) {
        return rc;
    }
    pos_opts_sec o;
    if (on != sizeof o) {
        return ds_fail(e, DS_EFORMAT, "%s: section 'pos.opts' has %zu bytes",
                       mn, on);
    }
    memcpy(&o, op, sizeof o);
    if (o.version != POS_SECTION_VERSION) {
        return ds_fail(e, DS_EFORMAT, "%s: tagger version %u, expected %u", mn,
                       o.version, POS_SECTION_VERSION);
    }
    if (dn != (size_t)o.dict_cap * sizeof(pos_dict_slot)) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: section 'pos.dict' has %zu bytes for %u slots", mn,
                       dn, o.dict_cap);
    }
    const uint64_t *cs;
    if (o.n_clusters > POS_MAX_CLUS || (o.clus_cap && !o.n_clusters)) {
        return ds_fail(e, DS_EFORMAT, "%s: %u word classes", mn, o.n_clusters);
    }
    if ((rc = word_class_section(mf, "pos.clus", o.clus_cap, o.n_clusters, &cs,
                                 e)) != DS_OK) {
        return rc;
    }
    const pos_dict_slot *ds = dp;
    bool has_empty = o.dict_cap == 0;
    for (uint32_t i = 0; i < o.dict_cap && !has_empty; i++) {
        has_empty = ds[i].key == 0;
    }
    if (!has_empty) {
        return ds_fail(e, DS_EFORMAT, "%s: section 'pos.dict' is full", mn);
    }
    ap_model *ap;
    if ((rc = ap_model_load(mf, "pos", &ap, e)) != DS_OK) {
        return rc;
    }
    uint32_t n_cls = ap_n_classes(ap);
    if (n_cls > POS_MAX_TAGS) {
        ap_model_free(ap);
        return ds_fail(e, DS_EFORMAT, "%s: %u tags, at most %u", mn, n_cls,
                       POS_MAX_TAGS);
    }
    for (uint32_t i = 0; i < o.dict_cap; i++) {
        uint16_t c[POS_DICT_TAGS];
        uint32_t nc = ds[i].key ? pos_dict_cands(ds[i].val, c) : 0;
        bool bad = ds[i].key && (ds[i].val & POS_DICT_CLOSED) && nc == 0;
        for (uint32_t k = 0; k < nc; k++) {
            bad |= c[k] >= n_cls || (k && c[k] <= c[k - 1]);
        }
        if (bad) {
            ap_model_free(ap);
            return ds_fail(e, DS_EFORMAT,
                           "%s: section 'pos.dict' slot %u has bad tags", mn,
                           i);
        }
    }
    /* A tag is "UPOS XPOS" (XPOS may be empty); an empty name has no UPOS
     * to group by. */
    for (uint32_t t = 0; t < n_cls; t++) {
        if (ap_class_name(ap, t).len == 0) {
            ap_model_free(ap);
            return ds_fail(e, DS_EFORMAT, "%s: tag %u has an empty name", mn,
                           t);
        }
    }
    ap_model *ap2 = NULL;
    const void *h2;
    size_t h2n;
    if (model_section(mf, "ps2.hdr", &h2, &h2n)) {
        if ((rc = ap_model_load(mf, "ps2", &ap2, e)) != DS_OK) {
            ap_model_free(ap);
            return rc;
        }
        if (ap_n_classes(ap2) != n_cls) {
            ap_model_free(ap);
            ap_model_free(ap2);
            return ds_fail(e, DS_EFORMAT,
                           "%s: the second pass has %u tags, the first %u", mn,
                           ap_n_classes(ap2), n_cls);
        }
    }
    pos_model *m = xcalloc(1, sizeof *m);
    m->mf = mf;
    m->ap = ap;
    m->ap2 = ap2;
    m->sc1 = ap_scale(ap);
    m->sc2 = ap2 ? ap_scale(ap2) : 0;
    m->dict = (pos_dict){ds, o.dict_cap, o.clus_cap, cs};
    m->n_tags = ap_n_classes(ap);
    m->upos = xcalloc(m->n_tags, sizeof *m->upos);
    m->xpos = xcalloc(m->n_tags, sizeof *m->xpos);
    m->ugroup = xcalloc(m->n_tags, sizeof *m->ugroup);
    for (uint32_t t = 0; t < m->n_tags; t++) {
        str name = ap_class_name(ap, t), u = name;
        str rest = name;
        (void)str_cut(&rest, ' ', &u); /* name is not empty (above) */
        m->upos[t] = u;
        m->xpos[t] = rest;
        uint32_t g = t;
        for (uint32_t q = 0; q < t && g == t; q++) {
            g = str_eq(m->upos[q], u) ? q : t;
        }
        m->ugroup[t] = (uint16_t)g;
    }
    for (uint32_t p = 1; p <= 4; p++) {
        pos_word_pseudo(&m->pseudo[p], p);
    }
    *out_m = m;
    return DS_OK;
}

ds_rc pos_model_open(const char *path, pos_model **out_m, ds_err *e)
{
    *out_m = NULL;
    model_file *mf;
    ds_rc rc = model_open_file(path, &mf, e);
    if (rc != DS_OK) {
        return rc;
    }
    if ((rc = pos_model_from(mf, out_m, e)) != DS_OK) {
        model_close(mf);
        return rc;
    }
    (*out_m)->own = mf;
    return DS_OK;
}

void pos_model_free(pos_model *m)
{
    if (!m) {
        return;
    }
    ap_model_free(m->ap);
    ap_model_free(m->ap2);
    xfree(m->upos);
    xfree(m->xpos);
    xfree(m->ugroup);
    model_close(m->own);
    xfree(m);
}

uint32_t pos_n_tags(const pos_model *m)
{
    return m->n_tags;
}

str pos_tag_upos(const pos_model *m, uint32_t tag)
{
    return tag < m->n_tags ? m->upos[tag] : STR("_");
}

str pos_tag_xpos(const pos_model *m, uint32_t tag)
{
    return tag < m->n_tags ? m->xpos[tag] : STR("_");
}

size_t pos_model_size(const pos_model *m)
{
    return model_size(m->mf);
}

void pos_model_word_classes(const pos_model *m, const uint64_t **out_tab,
                            uint32_t *out_cap)
{
    *out_tab = m->dict.clus;
    *out_cap = m->dict.clus_cap;
}

/* ---- tagger ---- */

#define WORD_CACHE_SLOTS 8192
#define PAIR_CACHE_SLOTS 4096
#define PW_INTS          ((sizeof(pos_word) + 3) / 4)

/* Per word type (ap_vcache entry): POS_OFFSETS score vectors of nc int32
 * (the word's features at offsets -2..+2), then its pos_word. */
struct pos_tagger {
    const pos_model *m;
    uint32_t nc;
    uint32_t ncp; /* nc rounded up to a multiple of 4: vector stride */
    size_t width;
    ap_vcache *words, *pairs;
    ap_vcache *rpairs; /* pass 2: right-tag pairs */
    int32_t *acc;      /* n * nc */
    uint16_t *t1;      /* n: pass-1 tags when there is a second pass */
    int32_t *s2;       /* ncp: pass-2 scores of one word */
    pos_word *ctx;     /* n + 4: ctx[i + 2] is word i, pseudo-words around */
    uint64_t *keys;    /* n: form hashes */
    uint16_t *cand;    /* n * POS_DICT_TAGS */
    uint8_t *n_cand;   /* n: 0 = every tag */
    size_t cap;
    int32_t *pseudo_blocks; /* 5 * width, index 1..4 */
};

pos_tagger *pos_tagger_new(const pos_model *m)
{
    pos_tagger *t = xcalloc(1, sizeof *t);
    t->m = m;
    t->nc = m->n_tags;
    t->ncp = (t->nc + 3) & ~3u;
    t->width = (size_t)POS_OFFSETS * t->ncp + PW_INTS;
    t->words = ap_vcache_new(WORD_CACHE_SLOTS, t->width);
    t->pairs = ap_vcache_new(PAIR_CACHE_SLOTS, t->ncp);
    t->rpairs = ap_vcache_new(PAIR_CACHE_SLOTS, t->ncp);
    t->s2 = xcalloc(t->ncp, sizeof *t->s2);
    t->pseudo_blocks = xcalloc(5 * t->width, sizeof(int32_t));
    for (uint32_t p = 1; p <= 4; p++) {
        int32_t *b = t->pseudo_blocks + p * t->width;
        for (int k = -POS_WINDOW; k <= POS_WINDOW; k++) {
            uint64_t f[POS_MAX_WORD_FEATS];
            size_t nf = pos_word_feats(&m->pseudo[p], k, f);
            ap_score_add(m->ap, f, nf, b + (size_t)(k + POS_WINDOW) * t->ncp);
        }
    }
    return t;
}

void pos_tagger_free(pos_tagger *t)
{
    if (!t) {
        return;
    }
    ap_vcache_free(t->words);
    ap_vcache_free(t->pairs);
    ap_vcache_free(t->rpairs);
    xfree(t->s2);
    xfree(t->t1);
    xfree(t->acc);
    xfree(t->ctx);
    xfree(t->keys);
    xfree(t->cand);
    xfree(t->n_cand);
    xfree(t->pseudo_blocks);
    xfree(t);
}

/* The cache entry of a word form (filled on a miss). */
static const int32_t *word_entry(pos_tagger *t, str w, uint64_t key)
{
    bool fresh;
    int32_t *v = ap_vcache_get(t->words, key, &fresh);
    if (fresh) {
        const pos_model *m = t->m;
        pos_word pw;
        pos_word_init(&pw, w, &m->dict);
        for (int k = -POS_WINDOW; k <= POS_WINDOW; k++) {
            uint64_t f[POS_MAX_WORD_FEATS];
            size_t nf = pos_word_feats(&pw, k, f);
            ap_score_add(m->ap, f, nf, v + (size_t)(k + POS_WINDOW) * t->ncp);
        }
        memcpy(v + (size_t)POS_OFFSETS * t->ncp, &pw, sizeof pw);
    }
    return v;
}

/* a[0..n) += b[0..n), n a multiple of 4 (vector extension: SSE2 or the
 * like, or plain scalar code on other machines). */
typedef int32_t v4i32 __attribute__((vector_size(16)));

static inline void vadd(int32_t *a, const int32_t *b, uint32_t n)
{
    for (uint32_t c = 0; c < n; c += 4) {
        v4i32 x, y;
        memcpy(&x, a + c, sizeof x);
        memcpy(&y, b + c, sizeof y);
        x += y;
        memcpy(a + c, &x, sizeof x);
    }
}

/* Adds word j's block for offset k to the scores of word i = j - k: only
 * to its candidate tags when it has a closed dictionary entry. */
static void scatter(pos_tagger *t, const int32_t *block, long j, size_t n)
{
    uint32_t nc = t->ncp;
    for (int k = -POS_WINDOW; k <= POS_WINDOW; k++) {
        long i = j - k;
        if (i < 0 || (size_t)i >= n) {
            continue;
        }
        int32_t *a = t->acc + (size_t)i * nc;
        const int32_t *b = block + (size_t)(k + POS_WINDOW) * nc;
        uint32_t nk = t->n_cand[i];
        if (nk) {
            const uint16_t *cd = t->cand + (size_t)i * POS_DICT_TAGS;
            for (uint32_t q = 0; q < nk; q++) {
                a[cd[q]] += b[cd[q]];
            }
        } else {
            vadd(a, b, nc);
        }
    }
}

/* Grows the per-sentence buffers to n words. */
static void ensure_cap(pos_tagger *t, size_t n)
{
    uint32_t nc = t->ncp;
    if (n > t->cap) {
        t->cap = n;
        xfree(t->acc);
        xfree(t->ctx);
        xfree(t->keys);
        xfree(t->cand);
        xfree(t->n_cand);
        xfree(t->t1);
        t->t1 = xmalloc(n * sizeof *t->t1);
        t->acc = xmalloc(n * nc * sizeof *t->acc);
        t->ctx = xmalloc((n + 4) * sizeof *t->ctx);
        t->keys = xmalloc(n * sizeof *t->keys);
        t->cand = xmalloc(n * POS_DICT_TAGS * sizeof *t->cand);
        t->n_cand = xmalloc(n);
    }
}

/* The first pass: tags into out_tags; t->acc keeps the scores (for a
 * closed word, of its candidate tags only). */
static void pass1(pos_tagger *t, const str *words, size_t n, uint16_t *out_tags)
{
    const pos_model *m = t->m;
    uint32_t nc = t->ncp; /* stride; argmax over the t->nc real tags */
    ensure_cap(t, n);
    memset(t->acc, 0, n * nc * sizeof *t->acc);
    /* 1. The words (one cache lookup each) and their candidate tags. */
    for (size_t j = 0; j < n; j++) {
        str w = words[j];
        uint64_t key = ap_hash(w.ptr, w.len);
        t->keys[j] = key;
        const int32_t *v = word_entry(t, w, key);
        memcpy(&t->ctx[j + 2], v + (size_t)POS_OFFSETS * nc, sizeof(pos_word));
        t->n_cand[j] = (uint8_t)pos_dict_cands(t->ctx[j + 2].dval,
                                               t->cand + j * POS_DICT_TAGS);
    }
    t->ctx[0] = m->pseudo[2];
    t->ctx[1] = m->pseudo[1];
    t->ctx[n + 2] = m->pseudo[3];
    t->ctx[n + 3] = m->pseudo[4];
    /* 2. Word-local scores: each word's blocks go to its neighbours (the
     * entry is looked up again: a colliding word may have taken it). */
    for (long j = -POS_WINDOW; j < (long)n + POS_WINDOW; j++) {
        if (j < 0 || (size_t)j >= n) {
            uint32_t p = j < 0 ? (uint32_t)-j : (uint32_t)(j - (long)n) + 3;
            scatter(t, t->pseudo_blocks + p * t->width, j, n);
            continue;
        }
        scatter(t, word_entry(t, words[j], t->keys[j]), j, n);
    }
    /* 3. Word n-grams: tag-independent, so the probes of several tokens
     * go in one batch whose cache misses overlap (ap_rows). */
    _Static_assert(POS_MAX_CTX_FEATS <= AP_ROWS_CAP, "n-grams fit ap_rows");
    ap_rows ng;
    ap_rows_init(&ng, m->ap, t->acc, nc);
    for (size_t i = 0; i < n; i++) {
        const pos_word *const wv[5] = {&t->ctx[i], &t->ctx[i + 1],
                                       &t->ctx[i + 2], &t->ctx[i + 3],
                                       &t->ctx[i + 4]};
        ap_rows_add(&ng,
                    pos_bigram_feats(wv, ap_rows_room(&ng, POS_MAX_CTX_FEATS)),
                    (uint32_t)i);
    }
    ap_rows_flush(&ng);
    /* 4. Greedy left to right with the previous two tags. */
    uint32_t p1 = POS_NO_TAG, p2 = POS_NO_TAG;
    for (size_t i = 0; i < n; i++) {
        int32_t *s = t->acc + i * nc;
        uint64_t pk = ap_mix(((uint64_t)p1 << 16 | p2) + 1);
        bool fresh;
        int32_t *pv = ap_vcache_get(t->pairs, pk, &fresh);
        if (fresh) {
            uint64_t f[4];
            size_t nf = pos_pair_feats(p1, p2, f);
            ap_score_add(m->ap, f, nf, pv);
        }
        const pos_word *const wv[5] = {&t->ctx[i], &t->ctx[i + 1],
                                       &t->ctx[i + 2], &t->ctx[i + 3],
                                       &t->ctx[i + 4]};
        uint64_t f[POS_MAX_CTX_FEATS];
        size_t nf = pos_ctx_feats(p1, p2, wv, f);
        ap_score_add(m->ap, f, nf, s);
        uint32_t best;
        uint32_t nk = t->n_cand[i];
        if (nk) {
            const uint16_t *cd = t->cand + i * POS_DICT_TAGS;
            best = cd[0];
            int32_t bs = s[best] += pv[best];
            for (uint32_t q = 1; q < nk; q++) {
                int32_t v = s[cd[q]] += pv[cd[q]];
                if (v > bs) {
                    bs = v;
                    best = cd[q];
                }
            }
        } else {
            vadd(s, pv, nc);
            best = ap_argmax(s, t->nc);
        }
        out_tags[i] = (uint16_t)best;
        p2 = p1;
        p1 = best;
    }
}

/* The second pass over the first's tags t->t1 and scores t->acc. */
static void pass2(pos_tagger *t, size_t n, uint16_t *out_tags)
{
    const pos_model *m = t->m;
    uint32_t nc = t->ncp;
    const uint16_t *t1 = t->t1;
    float sc1 = m->sc1, sc2 = m->sc2;
    uint32_t p1 = POS_NO_TAG;
    for (size_t i = 0; i < n; i++) {
        uint32_t nk = t->n_cand[i];
        const uint16_t *cd = t->cand + i * POS_DICT_TAGS;
        if (nk == 1) {
            out_tags[i] = cd[0];
            p1 = cd[0];
            continue;
        }
        uint32_t r1 = i + 1 < n ? t1[i + 1] : POS_NO_TAG;
        uint32_t r2 = i + 2 < n ? t1[i + 2] : POS_NO_TAG;
        uint64_t pk = ap_mix(((uint64_t)r1 << 16 | r2) + 7);
        bool fresh;
        int32_t *pv = ap_vcache_get(t->rpairs, pk, &fresh);
        if (fresh) {
            uint64_t f[4];
            size_t nf = pos_pass2_pair_feats(r1, r2, f);
            ap_score_add(m->ap2, f, nf, pv);
        }
        int32_t *s2 = t->s2;
        memcpy(s2, pv, nc * sizeof *s2);
        uint64_t f[POS_MAX_CTX_FEATS];
        size_t nf =
            pos_pass2_feats(p1, r1, r2, &t->ctx[i + 2], &t->ctx[i + 3], f);
        ap_score_add(m->ap2, f, nf, s2);
        const int32_t *s = t->acc + i * nc;
        uint32_t best;
        if (nk) {
            best = cd[0];
            float bs = (float)s[best] * sc1 + (float)s2[best] * sc2;
            for (uint32_t q = 1; q < nk; q++) {
                float v = (float)s[cd[q]] * sc1 + (float)s2[cd[q]] * sc2;
                if (v > bs) {
                    bs = v;
                    best = cd[q];
                }
            }
        } else {
            best = 0;
            float bs = (float)s[0] * sc1 + (float)s2[0] * sc2;
            for (uint32_t c = 1; c < t->nc; c++) {
                float v = (float)s[c] * sc1 + (float)s2[c] * sc2;
                if (v > bs) {
                    bs = v;
                    best = c;
                }
            }
        }
        out_tags[i] = (uint16_t)best;
        p1 = best;
    }
}

void pos_tag_sent(pos_tagger *t, const str *words, size_t n, uint16_t *out_tags)
{
    if (n == 0) {
        return;
    }
    if (!t->m->ap2) {
        pass1(t, words, n, out_tags);
        return;
    }
    ensure_cap(t, n);
    pass1(t, words, n, t->t1);
    pass2(t, n, out_tags);
}

void pos_tag_sent_alt(pos_tagger *t, const str *words, size_t n,
                      uint16_t *out_tags, uint16_t *out_alt, float *out_margin)
{
    pos_tag_sent(t, words, n, out_tags);
    if (n == 0) {
        return;
    }
    /* The first pass's scores are in t->acc, also after a second pass
     * (which adds its own only to decide). */
    const pos_model *m = t->m;
    const uint16_t *ug = m->ugroup;
    for (size_t i = 0; i < n; i++) {
        const int32_t *s = t->acc + i * t->ncp;
        uint32_t best = out_tags[i], alt = POS_NO_ALT;
        int32_t as = 0;
        uint32_t nk = t->n_cand[i];
        const uint16_t *cd = t->cand + i * POS_DICT_TAGS;
        for (uint32_t q = 0; q < (nk ? nk : m->n_tags); q++) {
            uint32_t c = nk ? cd[q] : q;
            if (ug[c] != ug[best] && (alt == POS_NO_ALT || s[c] > as)) {
                alt = c;
                as = s[c];
            }
        }
        out_alt[i] = (uint16_t)alt;
        /* at least 0: after a second pass the chosen tag may have scored
         * below the runner-up in the first */
        int32_t d = s[best] - as;
        out_margin[i] =
            alt == POS_NO_ALT ? INFINITY : (float)(d > 0 ? d : 0) * m->sc1;
    }
}

str pos_alt_upos(const pos_model *m, uint16_t alt)
{
    return alt == POS_NO_ALT ? STR("") : pos_tag_upos(m, alt);
}

void pos_tag_pass1(pos_tagger *t, const str *words, size_t n,
                   uint16_t *out_tags, float *s1)
{
    if (n == 0) {
        return;
    }
    pass1(t, words, n, out_tags);
    if (!s1) {
        return;
    }
    uint32_t nc = t->nc;
    float sc = t->m->sc1;
    for (size_t i = 0; i < n; i++) {
        const int32_t *s = t->acc + i * t->ncp;
        float *o = s1 + i * nc;
        uint32_t nk = t->n_cand[i];
        if (nk) {
            const uint16_t *cd = t->cand + i * POS_DICT_TAGS;
            for (uint32_t c = 0; c < nc; c++) {
                o[c] = -INFINITY;
            }
            for (uint32_t q = 0; q < nk; q++) {
                o[cd[q]] = (float)s[cd[q]] * sc;
            }
        } else {
            for (uint32_t c = 0; c < nc; c++) {
                o[c] = (float)s[c] * sc;
            }
        }
    }
}

void pos_tag_tokens(pos_tagger *t, str text, const tok_result *r,
                    uint16_t *out_tags)
{
    pos_tag_tokens_alt(t, text, r, out_tags, NULL, NULL);
}

void pos_tag_tokens_alt(pos_tagger *t, str text, const tok_result *r,
                        uint16_t *out_tags, uint16_t *out_alt,
                        float *out_margin)
{
    str *words = NULL;
    size_t cap = 0;
    for (size_t s = 0; s < r->n_sents; s++) {
        const tok_sent *se = &r->sents[s];
        words = xgrow(words, &cap, se->n_toks, sizeof *words);
        for (uint32_t i = 0; i < se->n_toks; i++) {
            const tok_span *sp = &r->toks[se->first_tok + i];
            words[i] = str_sub(text, sp->off, sp->len);
        }
        size_t f = se->first_tok;
        if (out_alt) {
            pos_tag_sent_alt(t, words, se->n_toks, out_tags + f, out_alt + f,
                             out_margin + f);
        } else {
            pos_tag_sent(t, words, se->n_toks, out_tags + f);
        }
    }
    xfree(words);
}

/* ---- evaluation ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

ds_rc pos_eval_conllu(pos_tagger *t, str conllu, pos_eval *out, ds_err *e)
{
    memset(out, 0, sizeof *out);
    conllu_reader r;
    conllu_sent s;
    conllu_reader_init(&r, conllu);
    conllu_sent_init(&s);
    str *words = NULL, *gu = NULL, *gx = NULL;
    uint16_t *tags = NULL;
    size_t cap = 0, cap2 = 0, cap3 = 0, cap4 = 0;
    ds_rc rc = DS_OK;
    for (;;) {
        bool got;
        if ((rc = conllu_next(&r, &s, &got, e)) != DS_OK) {
            goto out;
        }
        if (!got) {
            break;
        }
        size_t n = 0;
        for (size_t i = 0; i < s.n_lines; i++) {
            const conllu_line *l = &s.lines[i];
            if (l->kind != CONLLU_WORD) {
                continue;
            }
            words = xgrow(words, &cap, n + 1, sizeof *words);
            gu = xgrow(gu, &cap2, n + 1, sizeof *gu);
            gx = xgrow(gx, &cap3, n + 1, sizeof *gx);
            words[n] = l->form;
            gu[n] = l->upos;
            gx[n] = l->xpos;
            n++;
        }
        if (n == 0) {
            continue;
        }
        tags = xgrow(tags, &cap4, n, sizeof *tags);
        double t0 = now_s();
        pos_tag_sent(t, words, n, tags);
        out->seconds += now_s() - t0;
        out->sentences++;
        for (size_t i = 0; i < n; i++) {
            bool u = str_eq(pos_tag_upos(t->m, tags[i]), gu[i]);
            bool x = str_eq(pos_tag_xpos(t->m, tags[i]), gx[i]);
            out->upos_ok += u;
            out->xpos_ok += x;
            out->both_ok += u && x;
        }
        out->words += n;
    }
    if (out->words) {
        out->upos_acc = 100.0 * (double)out->upos_ok / (double)out->words;
        out->xpos_acc = 100.0 * (double)out->xpos_ok / (double)out->words;
        out->both_acc = 100.0 * (double)out->both_ok / (double)out->words;
    }
    out->words_per_s = out->seconds > 0 ? (double)out->words / out->seconds : 0;
out:
    conllu_sent_fini(&s);
    xfree(words);
    xfree(gu);
    xfree(gx);
    xfree(tags);
    return rc;
}
