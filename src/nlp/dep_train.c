/* dep_train.c - training the dependency parser (dep.h) with the dynamic
 * oracle of Goldberg & Nivre (2012), "A dynamic oracle for arc-eager
 * dependency parsing".
 *
 * The method. A static oracle gives one gold transition sequence per
 * tree, so the model only ever sees configurations on that path and has
 * no idea what to do after its first mistake. The dynamic oracle instead
 * computes, for any configuration and any transition, its cost: how many
 * gold arcs become unreachable by taking it. For arc-eager these costs
 * are local (the paper's Table 1, with b the buffer front, s the stack
 * top, and only arcs still reachable counted):
 *
 *   LEFT   s's gold head is further in the buffer; s's gold dependents
 *          in the buffer (b included);
 *   RIGHT  b's gold head is elsewhere in the stack or in the buffer;
 *          b's gold dependents on the stack still without a head;
 *   REDUCE s's gold dependents in the buffer;
 *   SHIFT  b's gold head or gold dependents (headless) on the stack;
 *
 * plus one for the wrong label on an arc that is gold. Training is then
 * "error exploration": at every configuration the perceptron predicts a
 * transition; if its cost is not the minimum, the weights move towards
 * the best-scoring zero-cost transition. From pass `explore_from` on,
 * with probability `explore_p` the parser then follows its own mistake,
 * so it learns to recover from the configurations it will really meet.
 *
 * The costs are exact for projective trees; the 5% of EWT training trees
 * that are not projective are first made so by lifting (Kahane et al.
 * 1998, as in pseudo-projective parsing without the label encoding):
 * the shortest non-projective arc h -> d becomes head(h) -> d until none
 * is left. The parser thus never predicts non-projective arcs.
 *
 * Determinism: sentence order and exploration come from ap_rng seeded by
 * `seed`, the perceptron is integer, and the model with the best dev LAS
 * (earliest pass on ties) is the one returned. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nlp/ap_train.h"
#include "nlp/conllu.h"
#include "nlp/dep.h"
#include "nlp/dep_int.h"
#include "util/xalloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- the training set ---- */

typedef struct tsent {
    uint32_t off, n; /* words off .. off+n-1 of the arrays below */
} tsent;

typedef struct tset {
    tsent *sents;
    size_t n_sents, cap_sents;
    str *form, *upos, *xpos, *deprel;
    str *alt;      /* the tagger's runner-up UPOS, empty: none */
    float *altm;   /* and its margin */
    int32_t *head; /* gold head, 0..n */
    uint16_t *lab; /* label id */
    size_t n_words, cap_words;
    str *labels; /* sorted unique DEPRELs */
    uint32_t n_labels, root_label;
} tset;

static void tset_fini(tset *t)
{
    xfree(t->sents);
    xfree(t->form);
    xfree(t->upos);
    xfree(t->xpos);
    xfree(t->deprel);
    xfree(t->alt);
    xfree(t->altm);
    xfree(t->head);
    xfree(t->lab);
    xfree(t->labels);
    memset(t, 0, sizeof *t);
}

#define ALT_KEY "AltUPOS="

void dep_alt_misc(char *out, size_t cap, str upos, float margin)
{
    snprintf(out, cap, ALT_KEY STR_FMT ":%.2f",
             (int)(upos.len > 40 ? 40 : upos.len), upos.ptr, (double)margin);
}

/* The runner-up of a MISC column (dep_alt_misc's item; empty and INFINITY
 * when absent or malformed). */
static void misc_alt(str misc, str *out_upos, float *out_margin)
{
    *out_upos = STR("");
    *out_margin = INFINITY;
    str rest = misc, item;
    while (rest.len) {
        if (!str_cut(&rest, '|', &item)) {
            item = rest;
            rest = STR("");
        }
        if (!str_starts(item, STR(ALT_KEY))) {
            continue;
        }
        str v = str_sub(item, sizeof ALT_KEY - 1, item.len), u;
        char num[32];
        if (!str_cut(&v, ':', &u) || !u.len || !v.len || v.len >= sizeof num) {
            return;
        }
        memcpy(num, v.ptr, v.len);
        num[v.len] = 0;
        char *end;
        float m = strtof(num, &end);
        if (*end || !(m >= 0)) {
            return;
        }
        *out_upos = u;
        *out_margin = m;
        return;
    }
}

static ds_rc tset_read(tset *t, str data, ds_err *e)
{
    conllu_reader r;
    conllu_reader_init(&r, data);
    conllu_sent s;
    conllu_sent_init(&s);
    ds_rc rc = DS_OK;
    for (;;) {
        bool got;
        if ((rc = conllu_next(&r, &s, &got, e)) != DS_OK) {
            break;
        }
        if (!got) {
            break;
        }
        if (s.n_words == 0) {
            continue;
        }
        size_t need = t->n_words + s.n_words;
        size_t c = t->cap_words;
        t->form = xgrow(t->form, &c, need, sizeof *t->form);
        c = t->cap_words;
        t->upos = xgrow(t->upos, &c, need, sizeof *t->upos);
        c = t->cap_words;
        t->xpos = xgrow(t->xpos, &c, need, sizeof *t->xpos);
        c = t->cap_words;
        t->deprel = xgrow(t->deprel, &c, need, sizeof *t->deprel);
        c = t->cap_words;
        t->lab = xgrow(t->lab, &c, need, sizeof *t->lab);
        c = t->cap_words;
        t->alt = xgrow(t->alt, &c, need, sizeof *t->alt);
        c = t->cap_words;
        t->altm = xgrow(t->altm, &c, need, sizeof *t->altm);
        t->head = xgrow(t->head, &t->cap_words, need, sizeof *t->head);
        t->sents =
            xgrow(t->sents, &t->cap_sents, t->n_sents + 1, sizeof *t->sents);
        tsent *ts = &t->sents[t->n_sents++];
        ts->off = (uint32_t)t->n_words;
        ts->n = (uint32_t)s.n_words;
        for (size_t i = 0; i < s.n_lines; i++) {
            const conllu_line *l = &s.lines[i];
            if (l->kind != CONLLU_WORD) {
                continue;
            }
            size_t w = t->n_words++;
            t->form[w] = l->form;
            t->upos[w] = l->upos;
            t->xpos[w] = l->xpos;
            t->deprel[w] = l->deprel;
            misc_alt(l->misc, &t->alt[w], &t->altm[w]);
            t->head[w] =
                l->head < 0 || (size_t)l->head > s.n_words ? 0 : l->head;
            t->lab[w] = 0;
        }
    }
    conllu_sent_fini(&s);
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    const str *x = a, *y = b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->ptr, y->ptr, n);
    if (c) {
        return c;
    }
    return x->len < y->len ? -1 : x->len > y->len;
}

/* Builds the sorted label set and the label ids. */
static ds_rc tset_labels(tset *t, ds_err *e)
{
    str *all = xmalloc((t->n_words + 1) * sizeof *all);
    memcpy(all, t->deprel, t->n_words * sizeof *all);
    qsort(all, t->n_words, sizeof *all, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < t->n_words; i++) {
        if (u == 0 || cmp_str(&all[u - 1], &all[i]) != 0) {
            all[u++] = all[i];
        }
    }
    if (u > DEP_MAX_LABELS) {
        xfree(all);
        return ds_fail(e, DS_EFORMAT, "training data has %zu labels (max %d)",
                       u, DEP_MAX_LABELS);
    }
    t->labels = all;
    t->n_labels = (uint32_t)u;
    bool root = false;
    for (uint32_t l = 0; l < u; l++) {
        if (str_eq(all[l], STR("root"))) {
            t->root_label = l;
            root = true;
        }
    }
    if (!root) {
        return ds_fail(e, DS_EFORMAT, "training data has no 'root' label");
    }
    for (size_t i = 0; i < t->n_words; i++) {
        str *f = bsearch(&t->deprel[i], all, u, sizeof *all, cmp_str);
        t->lab[i] = (uint16_t)(f - all);
    }
    return DS_OK;
}

/* ---- projectivization by lifting ---- */

/* Is k a descendant of h (heads 1-based in hd[1..n], hd[0] unused)? */
static bool descends(const int32_t *hd, uint32_t k, uint32_t h, uint32_t n)
{
    for (uint32_t steps = 0; steps <= n; steps++) {
        if (k == h) {
            return true;
        }
        if (k == 0) {
            return false;
        }
        k = (uint32_t)hd[k];
    }
    return false; /* a cycle: not a tree (never for valid data) */
}

/* Lifts non-projective arcs in hd[1..n]; returns the number of lifts. */
static size_t projectivize(int32_t *hd, uint32_t n)
{
    size_t lifts = 0;
    for (;;) {
        uint32_t best = 0, best_span = UINT32_MAX;
        for (uint32_t d = 1; d <= n; d++) {
            uint32_t h = (uint32_t)hd[d];
            if (h == 0) {
                continue;
            }
            uint32_t lo = h < d ? h : d, hi = h < d ? d : h;
            for (uint32_t k = lo + 1; k < hi; k++) {
                if (!descends(hd, k, h, n)) {
                    if (hi - lo < best_span) {
                        best_span = hi - lo;
                        best = d;
                    }
                    break;
                }
            }
        }
        if (!best || lifts > 4 * (size_t)n) {
            return lifts;
        }
        hd[best] = hd[hd[best]];
        lifts++;
    }
}

/* ---- the dynamic oracle ---- */

typedef struct oracle {
    const int32_t *gh;  /* gold heads, [1..n] */
    const uint16_t *gl; /* gold labels, [1..n] */
    uint8_t *in_stack;  /* [n+2] */
} oracle;

void dep_type_costs(const dep_state *s, const int32_t *gh,
                    const uint8_t *in_stack, uint32_t out[4])
{
    const oracle oo = {gh, NULL, (uint8_t *)in_stack};
    const oracle *o = &oo;
    const uint32_t n = s->n, b = s->b, s0 = s->stack[s->sp - 1];
    /* b's gold head reachable from the stack? */
    uint32_t bh = (uint32_t)o->gh[b];
    bool bh_stack = o->in_stack[bh] && (bh != 0 || s->root_child == 0);
    bool bh_buf = bh > b;
    uint32_t b_deps_stack = 0;
    for (uint32_t i = 1; i < s->sp; i++) {
        uint32_t k = s->stack[i];
        if (s->head[k] < 0 && (uint32_t)o->gh[k] == b) {
            b_deps_stack++;
        }
    }
    uint32_t s0_deps_buf = 0;
    if (s0 != 0) {
        for (uint32_t k = b; k <= n; k++) {
            s0_deps_buf += (uint32_t)o->gh[k] == s0;
        }
    }
    out[DEP_SHIFT] = bh_stack + b_deps_stack;
    out[DEP_RIGHT] = (bh != s0 && (bh_buf || bh_stack)) + b_deps_stack;
    if (s0 == 0 && bh != 0) {
        /* the root takes one child: the gold root word, if still in the
         * buffer, can no longer be attached */
        for (uint32_t k = b + 1; k <= n; k++) {
            if (o->gh[k] == 0) {
                out[DEP_RIGHT]++;
                break;
            }
        }
    }
    out[DEP_REDUCE] = s0_deps_buf;
    out[DEP_LEFT] = (s0 != 0 && (uint32_t)o->gh[s0] > b) + s0_deps_buf;
}

/* ---- the training loop ---- */

typedef struct trainer {
    const dep_train_opts *o;
    tset tr, dv;
    ap_trainer *ap;
    dep_scratch sc;
    int32_t *scores;
    uint32_t *cost;
    uint8_t *in_stack;
    int32_t *gh;  /* gold heads of the sentence, [1..n] */
    uint16_t *gl; /* gold labels, [1..n] */
    size_t cap_stack;
    ap_rng explore;
    size_t n_ok, n_all; /* transitions with a zero-cost prediction */
    dep_dict dict;
    dep_dict_slot *dict_tab;
} trainer;

/* ---- the ambiguity-class dictionary ---- */

typedef struct wtag {
    uint64_t key; /* lower-case form hash */
    uint64_t bit; /* UPOS bit */
} wtag;

static int cmp_wtag(const void *a, const void *b)
{
    const wtag *x = a, *y = b;
    if (x->key != y->key) {
        return x->key < y->key ? -1 : 1;
    }
    return x->bit < y->bit ? -1 : x->bit > y->bit;
}

/* Words seen at least twice get the set of UPOS tags that make at least
 * 5% of their occurrences (one-off tagging errors stay out). */
static void build_dict(trainer *T)
{
    const tset *t = &T->tr;
    wtag *a = xmalloc((t->n_words + 1) * sizeof *a);
    dep_wordh h[3];
    for (size_t i = 0; i < t->n_words; i++) {
        dep_input in = {&t->form[i], &t->upos[i], &t->xpos[i], NULL, NULL};
        dep_hash_words(&in, 1, 0, 0, NULL, h);
        a[i] = (wtag){h[1].lw, dep_upos_bit(t->upos[i])};
    }
    qsort(a, t->n_words, sizeof *a, cmp_wtag);
    size_t n_keys = 0;
    for (size_t i = 0; i < t->n_words;) {
        size_t j = i;
        while (j < t->n_words && a[j].key == a[i].key) {
            j++;
        }
        n_keys++;
        i = j;
    }
    uint32_t cap = (uint32_t)(n_keys * 2 + 1);
    dep_dict_slot *tab = xcalloc(cap, sizeof *tab);
    for (size_t i = 0; i < t->n_words;) {
        size_t j = i;
        while (j < t->n_words && a[j].key == a[i].key) {
            j++;
        }
        size_t total = j - i;
        uint64_t mask = 0;
        for (size_t k = i; k < j;) {
            size_t l = k;
            while (l < j && a[l].bit == a[k].bit) {
                l++;
            }
            if ((l - k) * 20 >= total) {
                mask |= a[k].bit;
            }
            k = l;
        }
        if (total >= 2 && mask && a[i].key) {
            uint32_t s = (uint32_t)(((a[i].key >> 32) * (uint64_t)cap) >> 32);
            while (tab[s].key) {
                s = s + 1 == cap ? 0 : s + 1;
            }
            tab[s] = (dep_dict_slot){a[i].key, mask};
        }
        i = j;
    }
    xfree(a);
    T->dict_tab = tab;
    T->dict = (dep_dict){tab, cap, NULL, 0};
}

/* Keeps in_stack (the oracle's view of the stack) up to date for class c
 * about to be applied to s. */
static void mark_stack(uint8_t *in_stack, const dep_state *s, uint32_t c,
                       uint32_t L)
{
    uint32_t ty = dep_cls_type(c, L);
    if (ty == DEP_SHIFT || ty == DEP_RIGHT) {
        in_stack[s->b] = 1;
    } else {
        in_stack[s->stack[s->sp - 1]] = 0;
    }
}

static oracle sent_setup(trainer *T, const tset *t, uint32_t si)
{
    const tsent *ts = &t->sents[si];
    const uint32_t n = ts->n;
    dep_state_start(&T->sc, n);
    dep_input in = {t->form + ts->off, t->upos + ts->off, t->xpos + ts->off,
                    t->alt + ts->off, t->altm + ts->off};
    dep_hash_words(&in, n, T->o->pos_mode, T->o->alt_margin, &T->dict,
                   T->sc.wh);
    if (n + 2 > T->cap_stack) {
        T->cap_stack = (n + 2) * 2;
        xfree(T->in_stack);
        xfree(T->gh);
        xfree(T->gl);
        T->in_stack = xmalloc(T->cap_stack);
        T->gh = xmalloc(T->cap_stack * sizeof *T->gh);
        T->gl = xmalloc(T->cap_stack * sizeof *T->gl);
    }
    T->gh[0] = 0;
    T->gl[0] = 0;
    memcpy(T->gh + 1, t->head + ts->off, n * sizeof *T->gh);
    memcpy(T->gl + 1, t->lab + ts->off, n * sizeof *T->gl);
    memset(T->in_stack, 0, n + 2);
    T->in_stack[0] = 1;
    return (oracle){T->gh, T->gl, T->in_stack};
}

/* Legal transitions that lose gold arcs, for ap_margin_rival. */
typedef struct costly {
    const uint32_t *cost; /* UINT32_MAX: illegal */
    uint32_t min;
} costly;

static bool is_costly(const void *ctx, uint32_t c)
{
    const costly *cy = ctx;
    return cy->cost[c] != UINT32_MAX && cy->cost[c] > cy->min;
}

static void train_sent(trainer *T, const tset *t, uint32_t si, bool explore)
{
    const uint32_t L = t->n_labels, R = t->root_label;
    const uint32_t nc = 2 + 2 * L;
    oracle o = sent_setup(T, t, si);
    dep_state *s = &T->sc.st;
    uint64_t f[DEP_MAX_FEATS];
    uint32_t tc[4];
    for (;;) {
        uint32_t m = dep_legal(s);
        if (!m) {
            break;
        }
        size_t nf = dep_feats(s, T->sc.wh, f);
        memset(T->scores, 0, nc * sizeof *T->scores);
        ap_trainer_score_add(T->ap, f, nf, T->scores);
        dep_type_costs(s, o.gh, o.in_stack, tc);
        const uint32_t s0 = s->stack[s->sp - 1], b = s->b;
        /* costs per class; UINT32_MAX for illegal ones */
        for (uint32_t c = 0; c < nc; c++) {
            T->cost[c] = UINT32_MAX;
        }
        if (m & (1u << DEP_SHIFT)) {
            T->cost[DEP_SHIFT] = tc[DEP_SHIFT];
        }
        if (m & (1u << DEP_REDUCE)) {
            T->cost[DEP_REDUCE] = tc[DEP_REDUCE];
        }
        if (m & (1u << DEP_LEFT)) {
            bool g = (uint32_t)o.gh[s0] == b;
            for (uint32_t l = 0; l < L; l++) {
                if (l != R) {
                    T->cost[dep_cls_left(l)] =
                        tc[DEP_LEFT] + (g && l != o.gl[s0]);
                }
            }
        }
        if (m & (1u << DEP_RIGHT)) {
            bool g = (uint32_t)o.gh[b] == s0;
            for (uint32_t l = 0; l < L; l++) {
                if ((s0 == 0) == (l == R)) {
                    T->cost[dep_cls_right(l, L)] =
                        tc[DEP_RIGHT] + (g && l != o.gl[b]);
                }
            }
        }
        uint32_t minc = UINT32_MAX;
        int32_t pred = -1, gold = -1;
        for (uint32_t c = 0; c < nc; c++) {
            if (T->cost[c] == UINT32_MAX) {
                continue;
            }
            if (pred < 0 || T->scores[c] > T->scores[pred]) {
                pred = (int32_t)c;
            }
            if (T->cost[c] < minc) {
                minc = T->cost[c];
            }
        }
        for (uint32_t c = 0; c < nc; c++) {
            if (T->cost[c] == minc &&
                (gold < 0 || T->scores[c] > T->scores[gold])) {
                gold = (int32_t)c;
            }
        }
        bool ok = T->cost[pred] == minc;
        T->n_all++;
        T->n_ok += ok;
        int32_t rival = ok ? gold : pred;
        if (ok && T->o->margin) {
            /* the best costly transition, if it comes within the margin */
            costly cy = {T->cost, minc};
            uint32_t r2 = ap_margin_rival(T->scores, nc, (uint32_t)pred,
                                          T->o->margin, is_costly, &cy);
            if (r2 != (uint32_t)pred) {
                gold = pred;
                rival = (int32_t)r2;
            }
        }
        ap_train_update(T->ap, f, nf, (uint32_t)gold, (uint32_t)rival);
        uint32_t next = (uint32_t)gold;
        if (ok) {
            next = (uint32_t)pred;
        } else if (explore &&
                   (double)(ap_rng_next(&T->explore) >> 11) * 0x1.0p-53 <
                       T->o->explore_p) {
            next = (uint32_t)pred;
        }
        mark_stack(T->in_stack, s, next, L);
        dep_apply(s, next, L);
    }
}

/* ---- global training of a beam (--beam B > 1) ----
 *
 * The perceptron scores whole transition sequences (summed scores); the
 * beam keeps the B best prefixes. Max-violation updates (Huang, Fayong &
 * Guo 2012): search to the end, find the step where the best prefix beats
 * the gold prefix by the most, and move the weights +1 along the gold
 * prefix and -1 along that best prefix, up to that step. The gold
 * sequence comes from the static oracle below. */

/* The static oracle's class in state g: LEFT or RIGHT with the gold label
 * when that arc is gold, else REDUCE when it loses no gold arc, else
 * SHIFT (for the projective training trees this rebuilds the gold tree). */
static uint32_t static_oracle(const dep_state *g, const oracle *o, uint32_t L)
{
    uint32_t m = dep_legal(g);
    uint32_t s0 = g->stack[g->sp - 1], b = g->b;
    uint32_t tc[4];
    dep_type_costs(g, o->gh, o->in_stack, tc);
    if ((m & (1u << DEP_LEFT)) && (uint32_t)o->gh[s0] == b) {
        return dep_cls_left(o->gl[s0]);
    }
    if ((m & (1u << DEP_RIGHT)) && (uint32_t)o->gh[b] == s0) {
        return dep_cls_right(o->gl[b], L);
    }
    if ((m & (1u << DEP_REDUCE)) && tc[DEP_REDUCE] == 0) {
        return DEP_REDUCE;
    }
    return DEP_SHIFT;
}

/* delta on the features of seq[0..len) replayed from the start state. */
static void replay_update(trainer *T, dep_bitem *scratch, const uint16_t *seq,
                          uint32_t len, int32_t delta, uint32_t L)
{
    uint64_t f[DEP_MAX_FEATS];
    dep_state_copy(&scratch->st, &T->sc.st);
    for (uint32_t k = 0; k < len; k++) {
        size_t nf = dep_feats(&scratch->st, T->sc.wh, f);
        ap_train_add(T->ap, f, nf, seq[k], delta);
        dep_apply(&scratch->st, seq[k], L);
    }
}

/* The trainer's current (not averaged) scores of every class in state s
 * (a dep_score_fn). */
static void score_trainer(void *ctx, const dep_state *s, int32_t *scores)
{
    trainer *T = ctx;
    uint64_t f[DEP_MAX_FEATS];
    size_t nf = dep_feats(s, T->sc.wh, f);
    memset(scores, 0, ap_trainer_n_classes(T->ap) * sizeof *scores);
    ap_trainer_score_add(T->ap, f, nf, scores);
}

/* The beam trainer's items: the beam, and a scratch item, the gold
 * prefix's state and the best prefix at the worst violation. */
typedef struct beam_ws {
    dep_beam bm;
    dep_bitem scratch, gold_st, viol;
    uint16_t *gold; /* the gold sequence */
} beam_ws;

static void beam_ws_fini(beam_ws *w)
{
    dep_beam_fini(&w->bm);
    dep_bitem_free(&w->scratch);
    dep_bitem_free(&w->gold_st);
    dep_bitem_free(&w->viol);
    xfree(w->gold);
    memset(w, 0, sizeof *w);
}

static void beam_ws_fit(beam_ws *w, uint32_t B, size_t n)
{
    if (!dep_beam_fit(&w->bm, B, n)) {
        return;
    }
    dep_bitem_free(&w->scratch);
    dep_bitem_free(&w->gold_st);
    dep_bitem_free(&w->viol);
    xfree(w->gold);
    dep_bitem_alloc(&w->scratch, w->bm.cap);
    dep_bitem_alloc(&w->gold_st, w->bm.cap);
    dep_bitem_alloc(&w->viol, w->bm.cap);
    w->gold = xmalloc(w->bm.cap * sizeof *w->gold);
}

static void train_sent_beam(trainer *T, beam_ws *w, const tset *t, uint32_t si)
{
    const uint32_t n = t->sents[si].n, L = t->n_labels, R = t->root_label;
    const uint32_t B = T->o->beam;
    oracle o = sent_setup(T, t, si);
    beam_ws_fit(w, B, n);
    /* the gold sequence */
    uint32_t G = 0;
    dep_state *g = &w->scratch.st;
    dep_state_copy(g, &T->sc.st);
    while (dep_legal(g)) {
        uint32_t c = static_oracle(g, &o, L);
        mark_stack(o.in_stack, g, c, L);
        w->gold[G++] = (uint16_t)c;
        dep_apply(g, c, L);
    }
    dep_state_copy(&w->bm.cur[0].st, &T->sc.st);
    w->bm.cur[0].score = 0;
    w->bm.cur[0].nh = 0;
    w->bm.cur[0].gold = true;
    dep_state_copy(&w->gold_st.st, &T->sc.st);
    int64_t gscore = 0, worst = 0;
    uint32_t worst_len = 0; /* gold prefix length at the worst violation */
    bool violated = false;
    uint32_t nb = 1;
    for (uint32_t step = 0;; step++) {
        size_t k = dep_beam_expand(&w->bm, nb, step, score_trainer, T,
                                   T->scores, L, R, w->gold, G);
        if (!k) {
            break;
        }
        /* the gold prefix's score, one step further */
        if (step < G) {
            score_trainer(T, &w->gold_st.st, T->scores);
            gscore += T->scores[w->gold[step]];
            dep_apply(&w->gold_st.st, w->gold[step], L);
        }
        const dep_bcand *top = &w->bm.cand[0];
        T->n_all++;
        T->n_ok += top->gold;
        bool worse = !top->gold && (!violated || top->score - gscore > worst);
        if (worse) {
            worst = top->score - gscore;
            worst_len = step + 1 < G ? step + 1 : G;
            violated = true;
        }
        nb = (uint32_t)k;
        dep_beam_advance(&w->bm, nb, L);
        if (worse) { /* the top candidate is now the first item */
            const dep_bitem *best = &w->bm.cur[0];
            memcpy(w->viol.hist, best->hist, best->nh * sizeof *best->hist);
            w->viol.nh = best->nh;
        }
    }
    if (violated && worst >= 0) {
        replay_update(T, &w->scratch, w->gold, worst_len, +1, L);
        replay_update(T, &w->scratch, w->viol.hist, w->viol.nh, -1, L);
    }
    ap_train_tick(T->ap);
}

static ds_rc write_model(const trainer *T, void **out, size_t *out_len,
                         ds_err *e)
{
    model_writer *w = model_writer_new(MODEL_KIND_PARSE);
    dep_opts_sec o = {DEP_SECTION_VERSION, DEP_FEATSET,
                      T->tr.n_labels,      T->tr.root_label,
                      T->o->pos_mode,      T->dict.cap,
                      T->dict.clu_cap,     T->o->beam > 1 ? T->o->beam : 1,
                      T->o->alt_margin};
    ds_rc rc = model_writer_add(w, "dep.opts", &o, sizeof o, e);
    if (rc == DS_OK && T->dict.cap) {
        rc = model_writer_add(w, "dep.dict", T->dict.tab,
                              T->dict.cap * sizeof *T->dict.tab, e);
    }
    if (rc == DS_OK && T->dict.clu_cap) {
        rc = model_writer_add(w, "dep.clu", T->dict.clu,
                              T->dict.clu_cap * sizeof *T->dict.clu, e);
    }
    if (rc == DS_OK) {
        rc = ap_trainer_write(T->ap, w, "dep", NULL, e);
    }
    if (rc == DS_OK) {
        *out = model_writer_take(w, out_len);
    }
    model_writer_free(w);
    return rc;
}

static ds_rc eval_bytes(const void *bytes, size_t len, str dev,
                        const pos_model *pm, dep_eval *out, ds_err *e)
{
    model_file *mf = NULL;
    dep_model *m = NULL;
    ds_rc rc = model_open_mem(bytes, len, "parse.model", &mf, e);
    if (rc != DS_OK) {
        return rc;
    }
    if ((rc = dep_model_from(mf, &m, e)) == DS_OK) {
        dep_parser *p = dep_parser_new(m);
        pos_tagger *tg = pm ? pos_tagger_new(pm) : NULL;
        rc = dep_eval_conllu(p, pm, tg, dev, out, e);
        pos_tagger_free(tg);
        dep_parser_free(p);
        dep_model_free(m);
    }
    model_close(mf);
    return rc;
}

/* Replaces the UPOS/XPOS of every word, and the runner-ups, by the
 * tagger's. */
static void tag_set(tset *t, const pos_model *pm)
{
    pos_tagger *tg = pos_tagger_new(pm);
    uint16_t *tags = NULL, *alt = NULL;
    size_t cap = 0, cap2 = 0;
    for (size_t i = 0; i < t->n_sents; i++) {
        const tsent *ts = &t->sents[i];
        tags = xgrow(tags, &cap, ts->n, sizeof *tags);
        alt = xgrow(alt, &cap2, ts->n, sizeof *alt);
        pos_tag_sent_alt(tg, t->form + ts->off, ts->n, tags, alt,
                         t->altm + ts->off);
        for (uint32_t k = 0; k < ts->n; k++) {
            t->upos[ts->off + k] = pos_tag_upos(pm, tags[k]);
            t->xpos[ts->off + k] = pos_tag_xpos(pm, tags[k]);
            t->alt[ts->off + k] = pos_alt_upos(pm, alt[k]);
        }
    }
    xfree(tags);
    xfree(alt);
    pos_tagger_free(tg);
}

ds_rc dep_train_mem(str train, str dev, const dep_train_opts *o,
                    void **out_model, size_t *out_len, dep_train_result *out,
                    ds_err *e)
{
    *out_model = NULL;
    *out_len = 0;
    memset(out, 0, sizeof *out);
    double t_start = now_s();
    trainer T;
    memset(&T, 0, sizeof T);
    T.o = o;
    dep_scratch_init(&T.sc);
    void *best = NULL;
    size_t best_len = 0;
    uint32_t *order = NULL;
    beam_ws ws;
    memset(&ws, 0, sizeof ws);
    str *names = NULL;
    ds_rc rc;
    if ((rc = tset_read(&T.tr, train, e)) != DS_OK) {
        goto out;
    }
    if (T.tr.n_sents == 0) {
        rc = ds_fail(e, DS_EINVAL, "no training sentences");
        goto out;
    }
    if ((rc = tset_labels(&T.tr, e)) != DS_OK) {
        goto out;
    }
    /* projectivize the training trees */
    {
        int32_t *hd = NULL;
        size_t cap = 0;
        for (size_t i = 0; i < T.tr.n_sents; i++) {
            const tsent *ts = &T.tr.sents[i];
            hd = xgrow(hd, &cap, ts->n + 1, sizeof *hd);
            hd[0] = 0;
            memcpy(hd + 1, T.tr.head + ts->off, ts->n * sizeof *hd);
            size_t lifts = projectivize(hd, ts->n);
            if (lifts) {
                out->nonproj_sents++;
                out->lifted_arcs += lifts;
                memcpy(T.tr.head + ts->off, hd + 1, ts->n * sizeof *hd);
            }
        }
        xfree(hd);
    }
    if (o->pos && o->tag_train) {
        tag_set(&T.tr, o->pos);
    }
    build_dict(&T);
    if (o->pos && o->word_classes) {
        pos_model_word_classes(o->pos, &T.dict.clu, &T.dict.clu_cap);
    }
    out->train_words = T.tr.n_words;
    out->train_sents = T.tr.n_sents;
    out->n_labels = T.tr.n_labels;
    const uint32_t L = T.tr.n_labels, nc = 2 + 2 * L;
    names = xcalloc(nc, sizeof *names);
    char *nbuf = xmalloc((size_t)nc * 80);
    for (uint32_t c = 0; c < nc; c++) {
        char *p = nbuf + (size_t)c * 80;
        if (c < 2) {
            snprintf(p, 80, "%s", c == 0 ? "SHIFT" : "REDUCE");
        } else {
            str l = T.tr.labels[dep_cls_label(c, L)];
            snprintf(p, 80, "%s" STR_FMT,
                     dep_cls_type(c, L) == DEP_LEFT ? "L:" : "R:",
                     (int)(l.len > 70 ? 70 : l.len), l.ptr);
        }
        names[c] = str_c(p);
    }
    ap_train_opts ao = {o->min_count, o->prune_below};
    T.ap = ap_trainer_new(names, nc, &ao);
    xfree(nbuf);
    T.scores = xmalloc(nc * sizeof *T.scores);
    T.cost = xmalloc(nc * sizeof *T.cost);
    T.explore.s = o->seed ^ 0x6a09e667f3bcc909ULL;
    ap_rng shuf = {o->seed};
    order = xmalloc(T.tr.n_sents * sizeof *order);
    for (size_t i = 0; i < T.tr.n_sents; i++) {
        order[i] = (uint32_t)i;
    }
    double best_las = -1;
    bool best_fits = false;
    for (uint32_t it = 1; it <= o->iterations; it++) {
        double t0 = now_s();
        ap_shuffle(&shuf, order, T.tr.n_sents);
        T.n_ok = T.n_all = 0;
        bool explore = o->explore_from && it >= o->explore_from;
        for (size_t i = 0; i < T.tr.n_sents; i++) {
            if (o->beam > 1) {
                train_sent_beam(&T, &ws, &T.tr, order[i]);
            } else {
                train_sent(&T, &T.tr, order[i], explore);
            }
        }
        ap_trainer_end_epoch(T.ap);
        void *bytes = NULL;
        size_t len = 0;
        if ((rc = write_model(&T, &bytes, &len, e)) != DS_OK) {
            goto out;
        }
        dep_eval ev;
        if ((rc = eval_bytes(bytes, len, dev, o->pos, &ev, e)) != DS_OK) {
            xfree(bytes);
            goto out;
        }
        double acc = T.n_all ? 100.0 * (double)T.n_ok / (double)T.n_all : 0;
        if (o->progress) {
            o->progress(o->progress_ctx, it, acc, &ev, len, now_s() - t0);
        }
        bool fits = !o->max_bytes || len <= o->max_bytes;
        bool smaller = best && !best_fits && len < best_len;
        if ((fits && (!best_fits || ev.las > best_las)) || smaller || !best) {
            best_fits = fits;
            best_las = ev.las;
            xfree(best);
            best = bytes;
            best_len = len;
            out->best_iter = it;
            out->dev = ev;
            out->model_bytes = len;
        } else {
            xfree(bytes);
        }
    }
    *out_model = best;
    *out_len = best_len;
    best = NULL;
    rc = DS_OK;
out:
    out->seconds = now_s() - t_start;
    xfree(best);
    xfree(order);
    xfree(names);
    xfree(T.scores);
    xfree(T.cost);
    xfree(T.dict_tab);
    xfree(T.in_stack);
    xfree(T.gh);
    xfree(T.gl);
    beam_ws_fini(&ws);
    ap_trainer_free(T.ap);
    dep_scratch_fini(&T.sc);
    tset_fini(&T.tr);
    tset_fini(&T.dv);
    return rc;
}
