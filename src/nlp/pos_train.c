/* pos_train.c - training the part-of-speech tagger (see pos_train.h). */
#include "nlp/pos_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nlp/ap.h"
#include "nlp/conllu.h"
#include "nlp/ap_int.h"
#include "nlp/pos_int.h"
#include "util/xalloc.h"

typedef struct tsent {
    uint32_t first, n; /* into the word arrays */
} tsent;

typedef struct tdata {
    str *forms;
    str *joint_names; /* per word: "UPOS XPOS" (points into name_buf) */
    uint32_t *gold;
    pos_word *pw;
    size_t n_words, cap_words;
    tsent *sents;
    size_t n_sents, cap_sents;
    /* tag set */
    str *tag_str;
    uint32_t n_tags;
} tdata;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the word lines of a CoNLL-U text; joint tag names are built in
 * *names (one "UPOS XPOS" C string per word, owned by the caller). */
static ds_rc read_data(str text, const char *path, tdata *d, char ***names,
                       ds_err *e)
{
    conllu_reader r;
    conllu_sent s;
    conllu_reader_init(&r, text);
    conllu_sent_init(&s);
    ds_rc rc = DS_OK;
    size_t cap_names = 0;
    for (;;) {
        bool got;
        if ((rc = conllu_next(&r, &s, &got, e)) != DS_OK) {
            ds_wrap(e, "%s", path);
            break;
        }
        if (!got) {
            break;
        }
        uint32_t first = (uint32_t)d->n_words;
        for (size_t i = 0; i < s.n_lines; i++) {
            const conllu_line *l = &s.lines[i];
            if (l->kind != CONLLU_WORD) {
                continue;
            }
            d->forms = xgrow(d->forms, &d->cap_words, d->n_words + 1,
                             sizeof *d->forms);
            *names = xgrow(*names, &cap_names, d->n_words + 1, sizeof **names);
            d->forms[d->n_words] = l->form;
            size_t nl = l->upos.len + 1 + l->xpos.len;
            char *nm = xmalloc(nl + 1);
            memcpy(nm, l->upos.ptr, l->upos.len);
            nm[l->upos.len] = ' ';
            memcpy(nm + l->upos.len + 1, l->xpos.ptr, l->xpos.len);
            nm[nl] = '\0';
            (*names)[d->n_words] = nm;
            d->n_words++;
        }
        if (d->n_words > first) {
            d->sents = xgrow(d->sents, &d->cap_sents, d->n_sents + 1,
                             sizeof *d->sents);
            d->sents[d->n_sents++] =
                (tsent){first, (uint32_t)(d->n_words - first)};
        }
    }
    conllu_sent_fini(&s);
    return rc;
}

static uint32_t find_tag(char **sorted, uint32_t n, const char *name)
{
    uint32_t lo = 0, hi = n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        int c = strcmp(sorted[mid], name);
        if (c == 0) {
            return mid;
        }
        if (c < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return UINT32_MAX;
}

typedef struct lt {
    uint64_t lower;
    uint32_t tag;
    uint32_t idx; /* word index */
} lt;

static int cmp_lt(const void *a, const void *b)
{
    const lt *x = a, *y = b;
    if (x->lower != y->lower) {
        return x->lower < y->lower ? -1 : 1;
    }
    if (x->tag != y->tag) {
        return x->tag < y->tag ? -1 : 1;
    }
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

typedef struct tagcount {
    uint32_t tag, n;
} tagcount;

static int cmp_tc_desc(const void *a, const void *b)
{
    const tagcount *x = a, *y = b;
    if (x->n != y->n) {
        return x->n > y->n ? -1 : 1;
    }
    return x->tag < y->tag ? -1 : x->tag > y->tag;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Dictionary value (pos_int.h) of a word seen `total` times with the
 * given tags and counts (tc is reordered); 0 below dict_min. */
static uint64_t dict_val(tagcount *tc, uint32_t m, uint32_t total,
                         const pos_train_opts *o)
{
    if (total == 0 || total < o->dict_min) {
        return 0;
    }
    qsort(tc, m, sizeof *tc, cmp_tc_desc);
    uint32_t listed[POS_DICT_TAGS], nl = 0, covered = 0;
    bool all_fit = true;
    for (uint32_t i = 0; i < m; i++) {
        if (tc[i].n == 0 || !((double)tc[i].n > o->dict_ratio * total)) {
            continue;
        }
        if (nl == POS_DICT_TAGS) {
            all_fit = false;
            continue;
        }
        listed[nl++] = tc[i].tag;
        covered += tc[i].n;
    }
    qsort(listed, nl, sizeof *listed, cmp_u32);
    uint64_t v = 0;
    for (uint32_t i = 0; i < nl; i++) {
        v |= (uint64_t)(listed[i] + 1) << (12 * i);
    }
    uint32_t b = 1;
    for (uint32_t x = total; x > 1 && b < 255; x >>= 1) {
        b++;
    }
    v |= (uint64_t)b << 48;
    if (nl && all_fit && o->restrict_min && total >= o->restrict_min &&
        (double)covered >= o->restrict_cover * (double)total) {
        v |= POS_DICT_CLOSED;
    }
    return v;
}

/* The tag dictionary of the whole training data (returned, for the
 * tagger), and the dictionary values each training word sees: with
 * folds > 1, those of a dictionary built without the word's fold
 * (sentence index mod folds), so that training meets unknown words and
 * incomplete ambiguity classes as often as tagging new text does. */
typedef struct kv {
    uint64_t key, val;
} kv;

static int cmp_kv(const void *a, const void *b)
{
    uint64_t x = ((const kv *)a)->key, y = ((const kv *)b)->key;
    return x < y ? -1 : x > y;
}

/* Appends the entries keyed by wkey[] (one per word) to *ents; the value
 * each training word sees goes to wval[]. */
static void dict_entries(tdata *d, const uint64_t *wkey, uint64_t *wval,
                         const pos_train_opts *o, uint32_t folds, kv **ents,
                         size_t *n_ents, size_t *cap_ents)
{
    uint32_t *fold = xmalloc((d->n_words + 1) * sizeof *fold);
    for (size_t s = 0; s < d->n_sents; s++) {
        for (uint32_t i = 0; i < d->sents[s].n; i++) {
            fold[d->sents[s].first + i] = folds > 1 ? (uint32_t)(s % folds) : 0;
        }
    }
    uint32_t F = folds > 1 ? folds : 1;
    lt *v = xmalloc((d->n_words + 1) * sizeof *v);
    for (size_t i = 0; i < d->n_words; i++) {
        v[i] = (lt){wkey[i], d->gold[i], (uint32_t)i};
    }
    qsort(v, d->n_words, sizeof *v, cmp_lt);
    tagcount *tc = NULL, *tc2 = NULL;
    uint32_t *fc = NULL; /* m * F per-fold counts */
    size_t cap_tc = 0, cap_tc2 = 0, cap_fc = 0;
    uint32_t ftot[64];
    for (size_t i = 0; i < d->n_words;) {
        size_t j = i;
        while (j < d->n_words && v[j].lower == v[i].lower) {
            j++;
        }
        uint32_t total = (uint32_t)(j - i), m = 0;
        memset(ftot, 0, sizeof ftot);
        for (size_t a = i; a < j;) {
            size_t b = a;
            while (b < j && v[b].tag == v[a].tag) {
                b++;
            }
            tc = xgrow(tc, &cap_tc, m + 1, sizeof *tc);
            fc = xgrow(fc, &cap_fc, (size_t)(m + 1) * F, sizeof *fc);
            tc[m] = (tagcount){v[a].tag, (uint32_t)(b - a)};
            memset(fc + (size_t)m * F, 0, F * sizeof *fc);
            for (size_t q = a; q < b; q++) {
                uint32_t f = fold[v[q].idx];
                fc[(size_t)m * F + f]++;
                ftot[f]++;
            }
            m++;
            a = b;
        }
        tc2 = xgrow(tc2, &cap_tc2, m, sizeof *tc2);
        if (F > 1) {
            for (uint32_t f = 0; f < F; f++) {
                if (!ftot[f]) {
                    continue;
                }
                for (uint32_t t = 0; t < m; t++) {
                    tc2[t] =
                        (tagcount){tc[t].tag, tc[t].n - fc[(size_t)t * F + f]};
                }
                uint64_t val = dict_val(tc2, m, total - ftot[f], o);
                for (size_t q = i; q < j; q++) {
                    if (fold[v[q].idx] == f) {
                        wval[v[q].idx] = val;
                    }
                }
            }
        }
        memcpy(tc2, tc, m * sizeof *tc2);
        uint64_t val = dict_val(tc2, m, total, o);
        if (F <= 1) {
            for (size_t q = i; q < j; q++) {
                wval[v[q].idx] = val;
            }
        }
        if (val) {
            *ents = xgrow(*ents, cap_ents, *n_ents + 1, sizeof **ents);
            (*ents)[(*n_ents)++] = (kv){v[i].lower, val};
        }
        i = j;
    }
    xfree(tc);
    xfree(tc2);
    xfree(fc);
    xfree(fold);
    xfree(v);
}

/* The tag dictionary (pos_int.h) of the whole training data, keyed by the
 * lower-case forms; the training words' dictionary fields are set as
 * dict_entries() says. */
static pos_dict_slot *build_dict(tdata *d, const pos_train_opts *o,
                                 uint32_t folds, uint32_t *out_cap,
                                 size_t *out_words)
{
    uint64_t *wkey = xmalloc((d->n_words + 1) * sizeof *wkey);
    uint64_t *wval = xmalloc((d->n_words + 1) * sizeof *wval);
    kv *ents = NULL;
    size_t nk = 0, cap_ents = 0;
    for (size_t i = 0; i < d->n_words; i++) {
        wkey[i] = d->pw[i].lower;
    }
    dict_entries(d, wkey, wval, o, folds, &ents, &nk, &cap_ents);
    for (size_t i = 0; i < d->n_words; i++) {
        pos_word_set_dict(&d->pw[i], wval[i]);
    }
    qsort(ents, nk, sizeof *ents, cmp_kv);
    uint32_t cap = (uint32_t)(nk + nk * 2 / 3 + 8);
    pos_dict_slot *tab = xcalloc(cap, sizeof *tab);
    for (size_t i = 0; i < nk; i++) { /* keys are sorted: deterministic */
        uint32_t s = ap_home(ents[i].key, cap);
        while (tab[s].key) {
            s = s + 1 == cap ? 0 : s + 1;
        }
        tab[s] = (pos_dict_slot){ents[i].key, ents[i].val};
    }
    xfree(ents);
    xfree(wkey);
    xfree(wval);
    *out_cap = cap;
    *out_words = nk;
    return tab;
}

/* All features of word i of sentence s (explicit, as the tagger sums
 * them from its caches). */
static size_t token_feats(const tdata *d, const tsent *s, uint32_t i,
                          uint32_t p1, uint32_t p2, const pos_word *pseudo,
                          uint64_t *f)
{
    size_t n = 0;
    const pos_word *pw = d->pw + s->first;
    const pos_word *wv[5];
    for (int k = -POS_WINDOW; k <= POS_WINDOW; k++) {
        long j = (long)i + k;
        const pos_word *w = j < 0             ? &pseudo[-j]
                            : j >= (long)s->n ? &pseudo[j - (long)s->n + 3]
                                              : &pw[j];
        wv[k + POS_WINDOW] = w;
        n += pos_word_feats(w, k, f + n);
    }
    n += pos_pair_feats(p1, p2, f + n);
    n += pos_bigram_feats(wv, f + n);
    n += pos_ctx_feats(p1, p2, wv, f + n);
    return n;
}

static ds_rc snapshot(const ap_trainer *tr, const pos_dict *dict,
                      uint32_t n_clusters, model_writer **out_w,
                      ap_train_stats *st, ds_err *e)
{
    model_writer *w = model_writer_new(MODEL_KIND_POS);
    pos_opts_sec os = {POS_SECTION_VERSION, dict->cap, dict->clus_cap,
                       n_clusters};
    ds_rc rc;
    if ((rc = ap_trainer_write(tr, w, "pos", st, e)) != DS_OK ||
        (rc = model_writer_add(w, "pos.opts", &os, sizeof os, e)) != DS_OK ||
        (rc = model_writer_add(w, "pos.dict", dict->tab,
                               (size_t)dict->cap * sizeof *dict->tab, e)) !=
            DS_OK ||
        (dict->clus_cap &&
         (rc = model_writer_add(w, "pos.clus", dict->clus,
                                (size_t)dict->clus_cap * sizeof *dict->clus,
                                e)) != DS_OK)) {
        model_writer_free(w);
        return rc;
    }
    *out_w = w;
    return DS_OK;
}

/* A model file in memory, opened with a tagger. */
typedef struct mem_tagger {
    void *bytes;
    size_t len;
    model_file *mf;
    pos_model *pm;
    pos_tagger *tg;
} mem_tagger;

static void mem_tagger_close(mem_tagger *mt)
{
    pos_tagger_free(mt->tg);
    pos_model_free(mt->pm);
    model_close(mt->mf);
    xfree(mt->bytes);
    memset(mt, 0, sizeof *mt);
}

/* Takes the bytes of w (w stays the caller's) and opens them. */
static ds_rc mem_tagger_open(model_writer *w, mem_tagger *mt, ds_err *e)
{
    memset(mt, 0, sizeof *mt);
    mt->bytes = model_writer_take(w, &mt->len);
    ds_rc rc = model_open_mem(mt->bytes, mt->len, "snapshot", &mt->mf, e);
    if (rc == DS_OK) {
        rc = pos_model_from(mt->mf, &mt->pm, e);
    }
    if (rc != DS_OK) {
        mem_tagger_close(mt);
        return rc;
    }
    mt->tg = pos_tagger_new(mt->pm);
    return DS_OK;
}

/* A closed word's candidate tags, for ap_margin_rival. */
typedef struct cands {
    const uint16_t *tag;
    uint32_t n;
} cands;

static bool in_cands(const void *ctx, uint32_t c)
{
    const cands *cs = ctx;
    for (uint32_t q = 0; q < cs->n; q++) {
        if (cs->tag[q] == c) {
            return true;
        }
    }
    return false;
}

/* One first-pass training epoch over the sentences in `order`. Returns the
 * number of words predicted right. */
static size_t epoch1(ap_trainer *tr, const tdata *d, const uint32_t *order,
                     const pos_word *pseudo, const pos_train_opts *o)
{
    size_t right = 0;
    for (size_t si = 0; si < d->n_sents; si++) {
        const tsent *s = &d->sents[order[si]];
        uint32_t p1 = POS_NO_TAG, p2 = POS_NO_TAG;
        for (uint32_t i = 0; i < s->n; i++) {
            uint64_t
                f[POS_OFFSETS * POS_MAX_WORD_FEATS + 8 + 2 * POS_MAX_CTX_FEATS];
            size_t nf = token_feats(d, s, i, p1, p2, pseudo, f);
            uint32_t gold = d->gold[s->first + i];
            uint32_t pred;
            uint16_t cd[POS_DICT_TAGS];
            uint32_t nk = o->restrict_train
                              ? pos_dict_cands(d->pw[s->first + i].dval, cd)
                              : 0;
            /* The update goes against the prediction when it is wrong,
             * else (with a margin) against the best other tag when that
             * comes within the margin, else nowhere (rival = gold). */
            uint32_t rival;
            if (nk || o->margin) {
                int32_t acc[AP_MAX_CLASSES];
                memset(acc, 0, d->n_tags * sizeof acc[0]);
                ap_trainer_score_add(tr, f, nf, acc);
                pred = nk ? cd[0] : 0;
                uint32_t lim = nk ? nk : d->n_tags;
                for (uint32_t q = 0; q < lim; q++) {
                    uint32_t c = nk ? cd[q] : q;
                    if (acc[c] > acc[pred]) {
                        pred = c;
                    }
                }
                cands cs = {cd, nk};
                rival = pred != gold
                            ? pred
                            : ap_margin_rival(acc, d->n_tags, gold, o->margin,
                                              nk ? in_cands : NULL, &cs);
            } else {
                pred = ap_trainer_best(tr, f, nf);
                rival = pred;
            }
            ap_train_update(tr, f, nf, gold, rival);
            right += pred == gold;
            p2 = p1;
            p1 = pred;
        }
    }
    return right;
}

/* Trains the first pass on d (whose words carry their jackknifed
 * dictionary values) for `iters` epochs. With dev.ptr, each epoch is
 * evaluated and the best by dev UPOS (earliest on ties) kept, with its
 * figures in *res; else the last. *out_w: the model (pass-1 sections). */
static ds_rc train_pass1(const tdata *d, const pos_dict *dict,
                         uint32_t n_clusters, const pos_train_opts *o,
                         uint32_t iters, uint64_t seed, str dev,
                         pos_train_result *res, model_writer **out_w, ds_err *e)
{
    *out_w = NULL;
    pos_word pseudo[5];
    for (uint32_t p = 1; p <= 4; p++) {
        pos_word_pseudo(&pseudo[p], p);
    }
    ap_train_opts ao = {o->min_count, o->prune_below};
    ap_trainer *tr = ap_trainer_new(d->tag_str, d->n_tags, &ao);
    uint32_t *order = xmalloc((d->n_sents + 1) * sizeof *order);
    for (size_t i = 0; i < d->n_sents; i++) {
        order[i] = (uint32_t)i;
    }
    ap_rng rng = {seed};
    double best_upos = -1;
    model_writer *best = NULL;
    ds_rc rc = DS_OK;
    for (uint32_t it = 1; it <= iters; it++) {
        double t0 = now_s();
        ap_shuffle(&rng, order, d->n_sents);
        size_t right = epoch1(tr, d, order, pseudo, o);
        ap_trainer_end_epoch(tr);
        if (!dev.ptr && it < iters) {
            continue;
        }
        model_writer *w;
        ap_train_stats st;
        if ((rc = snapshot(tr, dict, n_clusters, &w, &st, e)) != DS_OK) {
            break;
        }
        if (!dev.ptr) {
            best = w;
            break;
        }
        mem_tagger mt;
        pos_eval ev;
        if ((rc = mem_tagger_open(w, &mt, e)) != DS_OK ||
            (rc = pos_eval_conllu(mt.tg, dev, &ev, e)) != DS_OK) {
            mem_tagger_close(&mt);
            model_writer_free(w);
            ds_wrap(e, "%s", o->dev_path);
            break;
        }
        size_t bytes = mt.len;
        mem_tagger_close(&mt);
        if (o->progress) {
            o->progress(o->progress_ctx, it,
                        100.0 * (double)right / (double)d->n_words, &ev, &st,
                        now_s() - t0);
        }
        if (ev.upos_acc > best_upos) {
            best_upos = ev.upos_acc;
            model_writer_free(best);
            best = w;
            res->best_iter = it;
            res->dev = ev;
            res->stats = st;
            res->model_bytes = bytes;
        } else {
            model_writer_free(w);
        }
    }
    xfree(order);
    ap_trainer_free(tr);
    if (rc != DS_OK) {
        model_writer_free(best);
        return rc;
    }
    *out_w = best;
    return DS_OK;
}

/* The sentences of d whose index mod folds is not f, as a new tdata
 * (views into d's forms; free with sub_free). */
static void sub_data(const tdata *d, uint32_t folds, uint32_t f, tdata *sd)
{
    memset(sd, 0, sizeof *sd);
    sd->forms = xmalloc((d->n_words + 1) * sizeof *sd->forms);
    sd->gold = xmalloc((d->n_words + 1) * sizeof *sd->gold);
    sd->pw = xmalloc((d->n_words + 1) * sizeof *sd->pw);
    sd->sents = xmalloc((d->n_sents + 1) * sizeof *sd->sents);
    for (size_t s = 0; s < d->n_sents; s++) {
        if (s % folds == f) {
            continue;
        }
        const tsent *t = &d->sents[s];
        sd->sents[sd->n_sents++] = (tsent){(uint32_t)sd->n_words, t->n};
        memcpy(sd->forms + sd->n_words, d->forms + t->first,
               t->n * sizeof *sd->forms);
        memcpy(sd->gold + sd->n_words, d->gold + t->first,
               t->n * sizeof *sd->gold);
        memcpy(sd->pw + sd->n_words, d->pw + t->first, t->n * sizeof *sd->pw);
        sd->n_words += t->n;
    }
    sd->tag_str = d->tag_str;
    sd->n_tags = d->n_tags;
}

static void sub_free(tdata *sd)
{
    xfree(sd->forms);
    xfree(sd->gold);
    xfree(sd->pw);
    xfree(sd->sents);
}

/* Jackknifed first-pass output for the second pass: each training
 * sentence is tagged by a first pass trained without its fold (sentence
 * index mod folds2). t1: tags; s1: scores (pos_tag_pass1); pw2: the words
 * with the dictionary values that first pass saw (its candidate tags and
 * ambiguity classes), for the second pass's features. */
static ds_rc jackknife_pass1(const tdata *d, const pos_dict *full,
                             uint32_t n_clusters, const pos_train_opts *o,
                             uint16_t *t1, float *s1, pos_word *pw2, ds_err *e)
{
    uint32_t F = o->pass2_folds;
    ds_rc rc = DS_OK;
    for (uint32_t f = 0; f < F && rc == DS_OK; f++) {
        tdata sd;
        sub_data(d, F, f, &sd);
        uint32_t cap;
        size_t nw;
        pos_dict_slot *tab = build_dict(&sd, o, o->folds, &cap, &nw);
        pos_dict dict = {tab, cap, full->clus_cap, full->clus};
        model_writer *w = NULL;
        rc = train_pass1(&sd, &dict, n_clusters, o, o->pass2_fold_iterations,
                         o->seed + 1000 + f, (str){NULL, 0}, NULL, &w, e);
        mem_tagger mt;
        if (rc == DS_OK && (rc = mem_tagger_open(w, &mt, e)) == DS_OK) {
            for (size_t s = f; s < d->n_sents; s += F) {
                const tsent *t = &d->sents[s];
                pos_tag_pass1(mt.tg, d->forms + t->first, t->n, t1 + t->first,
                              s1 + (size_t)t->first * d->n_tags);
                for (uint32_t i = 0; i < t->n; i++) {
                    pos_word *pw = &pw2[t->first + i];
                    *pw = d->pw[t->first + i];
                    pos_word_set_dict(pw, pos_dict_get(&dict, pw->lower));
                }
            }
            mem_tagger_close(&mt);
        }
        model_writer_free(w);
        xfree(tab);
        sub_free(&sd);
    }
    return rc;
}

/* Copies the sections `tags` of mf (those present) into a new writer. */
static ds_rc copy_sections(const model_file *mf, model_writer **out_w,
                           ds_err *e)
{
    static const char *const tags[] = {"pos.hdr", "pos.cls",  "pos.tab",
                                       "pos.ent", "pos.opts", "pos.dict",
                                       "pos.clus"};
    model_writer *w = model_writer_new(MODEL_KIND_POS);
    for (size_t i = 0; i < sizeof tags / sizeof tags[0]; i++) {
        const void *p;
        size_t n;
        ds_rc rc;
        if (model_section(mf, tags[i], &p, &n) &&
            (rc = model_writer_add(w, tags[i], p, n, e)) != DS_OK) {
            model_writer_free(w);
            return rc;
        }
    }
    *out_w = w;
    return DS_OK;
}

/* Trains the second pass on the jackknifed first-pass output and keeps it
 * (added to *best1) if some epoch beats the first pass alone on dev. */
static ds_rc train_pass2(const tdata *d, const uint16_t *t1, const float *s1,
                         const pos_word *pw2, const pos_train_opts *o, str dev,
                         model_writer **best1, pos_train_result *out, ds_err *e)
{
    mem_tagger base;
    ds_rc rc = mem_tagger_open(*best1, &base, e);
    if (rc != DS_OK) {
        return rc;
    }
    ap_train_opts ao = {o->min_count, o->prune_below};
    ap_trainer *tr = ap_trainer_new(d->tag_str, d->n_tags, &ao);
    uint32_t *order = xmalloc((d->n_sents + 1) * sizeof *order);
    for (size_t i = 0; i < d->n_sents; i++) {
        order[i] = (uint32_t)i;
    }
    uint32_t nt = d->n_tags;
    int32_t *acc = xmalloc(nt * sizeof *acc);
    ap_rng rng = {o->seed + 2000};
    double best_upos = out->dev.upos_acc;
    model_writer *best = NULL;
    pos_word end;
    pos_word_pseudo(&end, 3);
    for (uint32_t it = 1; it <= o->pass2_iterations && rc == DS_OK; it++) {
        double t0 = now_s();
        ap_shuffle(&rng, order, d->n_sents);
        size_t right = 0;
        for (size_t si = 0; si < d->n_sents; si++) {
            const tsent *s = &d->sents[order[si]];
            uint32_t p1 = POS_NO_TAG;
            for (uint32_t i = 0; i < s->n; i++) {
                size_t w = s->first + i;
                const float *row = s1 + w * nt;
                uint32_t r1 = i + 1 < s->n ? t1[w + 1] : POS_NO_TAG;
                uint32_t r2 = i + 2 < s->n ? t1[w + 2] : POS_NO_TAG;
                uint64_t f[4 + POS_MAX_CTX_FEATS];
                size_t nf = pos_pass2_pair_feats(r1, r2, f);
                nf +=
                    pos_pass2_feats(p1, r1, r2, &pw2[w],
                                    i + 1 < s->n ? &pw2[w + 1] : &end, f + nf);
                memset(acc, 0, nt * sizeof *acc);
                ap_trainer_score_add(tr, f, nf, acc);
                uint32_t pred = UINT32_MAX, n_ok = 0;
                float bs = 0;
                for (uint32_t c = 0; c < nt; c++) {
                    if (row[c] == -INFINITY) {
                        continue;
                    }
                    n_ok++;
                    float v = row[c] + (float)acc[c];
                    if (pred == UINT32_MAX || v > bs) {
                        bs = v;
                        pred = c;
                    }
                }
                uint32_t gold = d->gold[w];
                if (n_ok > 1 && row[gold] != -INFINITY) {
                    ap_train_update(tr, f, nf, gold, pred);
                }
                right += pred == gold;
                p1 = pred;
            }
        }
        ap_trainer_end_epoch(tr);
        model_writer *w = NULL;
        ap_train_stats st;
        mem_tagger mt;
        pos_eval ev;
        if ((rc = copy_sections(base.mf, &w, e)) != DS_OK ||
            (rc = ap_trainer_write(tr, w, "ps2", &st, e)) != DS_OK ||
            (rc = mem_tagger_open(w, &mt, e)) != DS_OK) {
            model_writer_free(w);
            break;
        }
        rc = pos_eval_conllu(mt.tg, dev, &ev, e);
        size_t bytes = mt.len;
        mem_tagger_close(&mt);
        if (rc != DS_OK) {
            model_writer_free(w);
            ds_wrap(e, "%s", o->dev_path);
            break;
        }
        if (o->progress) {
            o->progress(o->progress_ctx, 100 + it,
                        100.0 * (double)right / (double)d->n_words, &ev, &st,
                        now_s() - t0);
        }
        if (ev.upos_acc > best_upos) {
            best_upos = ev.upos_acc;
            model_writer_free(best);
            best = w;
            out->pass2_iter = it;
            out->dev = ev;
            out->model_bytes = bytes;
        } else {
            model_writer_free(w);
        }
    }
    if (best) {
        model_writer_free(*best1);
        *best1 = best;
    }
    xfree(acc);
    xfree(order);
    ap_trainer_free(tr);
    mem_tagger_close(&base);
    return rc;
}

ds_rc pos_train(const pos_train_opts *o_in, pos_train_result *out, ds_err *e)
{
    pos_train_opts oo = *o_in;
    const pos_train_opts *o = &oo;
    if (!oo.folds) {
        oo.folds = POS_TRAIN_FOLDS;
    }
    if (!oo.restrict_min) {
        oo.restrict_min = POS_TRAIN_RESTRICT_MIN;
    }
    if (!(oo.restrict_cover > 0)) {
        oo.restrict_cover = POS_TRAIN_RESTRICT_COVER;
    }
    if (!oo.pass2_folds) {
        oo.pass2_folds = POS_TRAIN_PASS2_FOLDS;
    }
    if (!oo.pass2_fold_iterations) {
        oo.pass2_fold_iterations = POS_TRAIN_PASS2_FOLD_ITER;
    }
    if (!oo.pass2_iterations) {
        oo.pass2_iterations = POS_TRAIN_PASS2_ITER;
    }
    if (oo.folds > 64) {
        return ds_fail(e, DS_EINVAL, "pos: at most 64 folds");
    }
    memset(out, 0, sizeof *out);
    double t_start = now_s();
    char *train_text = NULL, *dev_text = NULL;
    size_t train_len = 0, dev_len = 0;
    char **names = NULL;
    tdata d;
    memset(&d, 0, sizeof d);
    pos_dict_slot *dict = NULL;
    uint64_t *clus = NULL;
    uint32_t clus_cap = 0;
    model_writer *best = NULL;
    char **sorted = NULL;
    uint16_t *t1 = NULL;
    float *s1 = NULL;
    pos_word *pw2 = NULL;
    ds_rc rc;
    if ((rc = conllu_load_file(o->train_path, &train_text, &train_len, e)) !=
            DS_OK ||
        (rc = conllu_load_file(o->dev_path, &dev_text, &dev_len, e)) != DS_OK) {
        goto out;
    }
    if ((rc = read_data((str){train_text, train_len}, o->train_path, &d, &names,
                        e)) != DS_OK) {
        goto out;
    }
    if (d.n_words == 0) {
        rc = ds_fail(e, DS_EFORMAT, "%s: no words", o->train_path);
        goto out;
    }
    /* Tag set: sorted distinct names. */
    sorted = xmalloc(d.n_words * sizeof *sorted);
    memcpy(sorted, names, d.n_words * sizeof *sorted);
    qsort(sorted, d.n_words, sizeof *sorted, cmp_cstr);
    uint32_t nt = 0;
    for (size_t i = 0; i < d.n_words; i++) {
        if (nt == 0 || strcmp(sorted[nt - 1], sorted[i]) != 0) {
            sorted[nt++] = sorted[i];
        }
    }
    if (nt > POS_MAX_TAGS) {
        rc = ds_fail(e, DS_EFORMAT, "%s: %u distinct tags, at most %u",
                     o->train_path, nt, POS_MAX_TAGS);
        goto out;
    }
    d.gold = xmalloc(d.n_words * sizeof *d.gold);
    for (size_t i = 0; i < d.n_words; i++) {
        d.gold[i] = find_tag(sorted, nt, names[i]);
    }
    d.tag_str = xmalloc(nt * sizeof *d.tag_str);
    for (uint32_t t = 0; t < nt; t++) {
        d.tag_str[t] = str_c(sorted[t]);
    }
    d.n_tags = nt;
    /* Word classes, word features, then the dictionary, then the
     * ambiguity classes. */
    char cpath[4096];
    const char *cl_path = o->clusters_path;
    if (!cl_path) {
        model_default_path(POS_TRAIN_CLUSTERS, cpath, sizeof cpath);
        cl_path = access(cpath, R_OK) == 0 ? cpath : "";
    }
    if (*cl_path &&
        (rc = word_class_load(cl_path, &clus, &clus_cap, &out->n_clusters,
                              &out->cluster_words, e)) != DS_OK) {
        goto out;
    }
    pos_dict nodict = {NULL, 0, clus_cap, clus};
    d.pw = xmalloc(d.n_words * sizeof *d.pw);
    for (size_t i = 0; i < d.n_words; i++) {
        pos_word_init(&d.pw[i], d.forms[i], &nodict);
    }
    uint32_t dict_cap;
    dict = build_dict(&d, o, o->folds, &dict_cap, &out->dict_words);
    pos_dict full = {dict, dict_cap, clus_cap, clus};
    out->n_tags = nt;
    out->train_words = d.n_words;
    str dev = {dev_text, dev_len};
    if ((rc = train_pass1(&d, &full, out->n_clusters, o, o->iterations, o->seed,
                          dev, out, &best, e)) != DS_OK) {
        goto out;
    }
    if (!best) {
        rc = ds_fail(e, DS_EINVAL, "no training iterations");
        goto out;
    }
    out->pass1_upos = out->dev.upos_acc;
    if (o->pass2_folds > 1) {
        t1 = xmalloc(d.n_words * sizeof *t1);
        s1 = xmalloc(d.n_words * nt * sizeof *s1);
        pw2 = xmalloc(d.n_words * sizeof *pw2);
        if ((rc = jackknife_pass1(&d, &full, out->n_clusters, o, t1, s1, pw2,
                                  e)) != DS_OK ||
            (rc = train_pass2(&d, t1, s1, pw2, o, dev, &best, out, e)) !=
                DS_OK) {
            goto out;
        }
    }
    if (o->out_path &&
        (rc = model_writer_write_file(best, o->out_path, e)) != DS_OK) {
        goto out;
    }
    out->seconds = now_s() - t_start;
out:
    if (names) {
        for (size_t i = 0; i < d.n_words; i++) {
            xfree(names[i]);
        }
        xfree(names);
    }
    xfree(sorted);
    model_writer_free(best);
    xfree(t1);
    xfree(s1);
    xfree(pw2);
    xfree(dict);
    xfree(clus);
    xfree(d.tag_str);
    xfree(d.forms);
    xfree(d.gold);
    xfree(d.pw);
    xfree(d.sents);
    xfree(train_text);
    xfree(dev_text);
    return rc;
}
