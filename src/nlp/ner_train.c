/* ner_train.c - training the named-entity recognizer (see ner.h, "Training",
 * and doc/internals/ner.md).
 *
 * Data: a CoNLL or IOB2 file (ner_eval.h reads both); tags are turned into
 * chunks the way conlleval reads them (so IOB1, IOB2 and BILOU all work),
 * types listed in drop_types become O, and the chunks become BILOU classes.
 * Gazetteers: every models/gaz/<category>.txt list (one entry per line,
 * tokens separated by spaces) is compiled into the "ner.gaz" table of the
 * model. Training: greedy decoding with the model's own previous labels and
 * document memory, documents in an order shuffled with the seed, and after
 * each pass the averaged model is scored on dev; the best pass is written. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "nlp/ap_int.h"
#include "nlp/ap_train.h"
#include "nlp/conllu.h"
#include "nlp/ner.h"
#include "nlp/ner_eval.h"
#include "nlp/ner_int.h"
#include "nlp/word.h"
#include "util/xalloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- gazetteers ---- */

typedef struct gkv {
    uint64_t key;
    uint32_t bits;
} gkv;

typedef struct gbuild {
    gkv *v;
    size_t n, cap;
    size_t entries;
} gbuild;

static void gadd(gbuild *g, uint64_t key, uint32_t bits)
{
    g->v = xgrow(g->v, &g->cap, g->n + 1, sizeof *g->v);
    g->v[g->n++] = (gkv){key, bits};
}

/* Adds one entry given as tokens. */
static void gadd_entry(gbuild *g, const str *toks, size_t n, uint32_t cat)
{
    if (n == 0 || n > NER_GAZ_MAXLEN) {
        return;
    }
    uint64_t h = NER_GAZ_SEED;
    for (size_t i = 0; i < n; i++) {
        h = ner_gaz_step(h, ner_lower_hash(toks[i]));
        gadd(g, ner_gaz_key(h), i + 1 == n ? 1u << cat : NER_GAZ_PREFIX);
    }
    g->entries++;
}

/* Splits an entry into tokens at spaces; with split_hyphens also at '-'
 * (kept as a token), as tokenizers that split hyphenated words see it. */
static size_t gtokens(str line, bool split_hyphens, str *out, size_t max)
{
    size_t n = 0, i = 0;
    while (i < line.len) {
        while (i < line.len && line.ptr[i] == ' ') {
            i++;
        }
        size_t s = i;
        while (i < line.len && line.ptr[i] != ' ' &&
               !(split_hyphens && line.ptr[i] == '-')) {
            i++;
        }
        if (i > s) {
            if (n == max) {
                return max + 1;
            }
            out[n++] = (str){line.ptr + s, i - s};
        }
        if (split_hyphens && i < line.len && line.ptr[i] == '-') {
            if (n == max) {
                return max + 1;
            }
            out[n++] = (str){line.ptr + i, 1};
            i++;
        }
    }
    return n;
}

static int cmp_gkv(const void *a, const void *b)
{
    uint64_t x = ((const gkv *)a)->key, y = ((const gkv *)b)->key;
    return x < y ? -1 : x > y;
}

static ds_rc build_gaz(const char *dir, uint64_t **out_tab, uint32_t *out_cap,
                       uint32_t *out_entries, ds_err *e)
{
    *out_tab = NULL;
    *out_cap = 0;
    *out_entries = 0;
    if (!dir || !*dir) {
        return DS_OK;
    }
    gbuild g = {0};
    size_t files = 0;
    for (uint32_t c = 0; c < NER_GAZ_CATS; c++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.txt", dir, ner_gaz_cat_names[c]);
        char *data;
        size_t len;
        ds_err e2;
        if (conllu_load_file(path, &data, &len, &e2) != DS_OK) {
            if (e2.rc == DS_EIO) {
                continue; /* absent list */
            }
            xfree(g.v);
            *e = e2;
            return e2.rc;
        }
        files++;
        str rest = {data, len}, line;
        while (str_cut(&rest, '\n', &line)) {
            line = str_trim(line);
            if (line.len == 0 || line.ptr[0] == '#') {
                continue;
            }
            str toks[NER_GAZ_MAXLEN];
            size_t n = gtokens(line, false, toks, NER_GAZ_MAXLEN);
            if (n <= NER_GAZ_MAXLEN) {
                gadd_entry(&g, toks, n, c);
            }
            if (memchr(line.ptr, '-', line.len)) {
                n = gtokens(line, true, toks, NER_GAZ_MAXLEN);
                if (n <= NER_GAZ_MAXLEN) {
                    gadd_entry(&g, toks, n, c);
                }
            }
        }
        xfree(data);
    }
    if (files == 0) {
        xfree(g.v);
        return ds_fail(e, DS_ENOTFOUND, "%s: no gazetteer lists (%s.txt ...)",
                       dir, ner_gaz_cat_names[0]);
    }
    /* Merge equal keys, then insert in key order (deterministic). */
    qsort(g.v, g.n, sizeof *g.v, cmp_gkv);
    size_t nk = 0;
    for (size_t i = 0; i < g.n; i++) {
        if (nk && g.v[nk - 1].key == g.v[i].key) {
            g.v[nk - 1].bits |= g.v[i].bits;
        } else {
            g.v[nk++] = g.v[i];
        }
    }
    uint32_t cap = (uint32_t)(nk + nk / 2 + 8);
    uint64_t *tab = xcalloc(cap, sizeof *tab);
    for (size_t i = 0; i < nk; i++) {
        uint32_t s = ap_home(g.v[i].key, cap);
        while (tab[s]) {
            s = s + 1 == cap ? 0 : s + 1;
        }
        tab[s] = g.v[i].key | g.v[i].bits;
    }
    *out_tab = tab;
    *out_cap = cap;
    *out_entries = (uint32_t)g.entries;
    xfree(g.v);
    return DS_OK;
}

/* ---- data ---- */

typedef struct tdata {
    const ner_corpus *c;
    ner_word *w;     /* per token */
    uint32_t *gold;  /* BILOU class per token */
    uint32_t *gaz;   /* gazetteer codes per token */
    uint8_t *caps;   /* per sentence: caps_sent */
    uint64_t *lower; /* scratch */
} tdata;

static bool type_dropped(str ty, const char *drop)
{
    if (!drop) {
        return false;
    }
    str rest = str_c(drop), one;
    while (str_cut(&rest, ',', &one)) {
        if (str_eq(str_trim(one), ty)) {
            return true;
        }
    }
    return false;
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

/* Collects the entity types of the corpus (sorted, without dropped ones and
 * the pseudo-type "O" some files use as "B-O"). */
static ds_rc collect_types(const ner_corpus *c, const char *drop, str *types,
                           uint32_t *out_n, const char *name, ds_err *e)
{
    uint32_t nt = 0;
    uint32_t *fi = xmalloc((c->n_toks + 1) * sizeof *fi);
    uint32_t *la = xmalloc((c->n_toks + 1) * sizeof *la);
    str *ty = xmalloc((c->n_toks + 1) * sizeof *ty);
    str *tags = xmalloc((c->n_toks + 1) * sizeof *tags);
    ds_rc rc = DS_OK;
    for (size_t s = 0; s < c->n_sents && rc == DS_OK; s++) {
        size_t a = c->sent[s], n = c->sent[s + 1] - a;
        for (size_t i = 0; i < n; i++) {
            tags[i] = c->toks[a + i].tag;
        }
        size_t k = ner_tags_chunks(tags, n, fi, la, ty);
        for (size_t j = 0; j < k; j++) {
            if (ty[j].len == 0 || str_eq(ty[j], STR("O")) ||
                type_dropped(ty[j], drop)) {
                continue;
            }
            bool seen = false;
            for (uint32_t t = 0; t < nt; t++) {
                seen |= str_eq(types[t], ty[j]);
            }
            if (seen) {
                continue;
            }
            if (nt == NER_MAX_TYPES || ty[j].len > 28) {
                rc = ds_fail(e, DS_EFORMAT,
                             "%s: too many entity types or a long type name "
                             "('%.*s'; at most %d types)",
                             name, STR_ARG(ty[j]), NER_MAX_TYPES);
                break;
            }
            types[nt++] = ty[j];
        }
    }
    xfree(fi);
    xfree(la);
    xfree(ty);
    xfree(tags);
    qsort(types, nt, sizeof *types, cmp_str);
    *out_n = nt;
    if (rc == DS_OK && nt == 0) {
        rc = ds_fail(e, DS_EFORMAT, "%s: no entities", name);
    }
    return rc;
}

/* Gold BILOU classes of every token. */
static void gold_classes(const ner_corpus *c, const str *types, uint32_t nt,
                         const char *drop, uint32_t *gold)
{
    uint32_t *fi = xmalloc((c->n_toks + 1) * sizeof *fi);
    uint32_t *la = xmalloc((c->n_toks + 1) * sizeof *la);
    str *ty = xmalloc((c->n_toks + 1) * sizeof *ty);
    str *tags = xmalloc((c->n_toks + 1) * sizeof *tags);
    memset(gold, 0, c->n_toks * sizeof *gold);
    for (size_t s = 0; s < c->n_sents; s++) {
        size_t a = c->sent[s], n = c->sent[s + 1] - a;
        for (size_t i = 0; i < n; i++) {
            tags[i] = c->toks[a + i].tag;
        }
        size_t k = ner_tags_chunks(tags, n, fi, la, ty);
        for (size_t j = 0; j < k; j++) {
            if (type_dropped(ty[j], drop)) {
                continue;
            }
            uint32_t t = 0;
            while (t < nt && !str_eq(types[t], ty[j])) {
                t++;
            }
            if (t == nt) {
                continue;
            }
            uint32_t base = 1 + 4 * t;
            if (fi[j] == la[j]) {
                gold[a + fi[j]] = base + 3;
            } else {
                gold[a + fi[j]] = base;
                for (uint32_t i = fi[j] + 1; i < la[j]; i++) {
                    gold[a + i] = base + 1;
                }
                gold[a + la[j]] = base + 2;
            }
        }
    }
    xfree(fi);
    xfree(la);
    xfree(ty);
    xfree(tags);
}

/* ---- training ---- */

/* Constrained argmax over the trainer's current scores. */
static uint32_t best_allowed(const int32_t *s, uint32_t nc, uint32_t p1,
                             bool last)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t c = 0; c < nc; c++) {
        if (ner_cls_allowed(p1, c, last) &&
            (best == UINT32_MAX || s[c] > s[best])) {
            best = c;
        }
    }
    return best;
}

/* What may follow the previous label, for ap_margin_rival. */
typedef struct admit {
    uint32_t prev;
    bool last;
} admit;

static bool admissible(const void *ctx, uint32_t c)
{
    const admit *a = ctx;
    return ner_cls_allowed(a->prev, c, a->last);
}

/* One pass over document d. Returns the number of correct tokens. */
static size_t train_doc(ap_trainer *tr, const tdata *td, size_t d,
                        uint32_t flags, uint32_t margin, const ner_word *pseudo,
                        ner_docmem *dm, const uint32_t *s1all, ner_agg *agg)
{
    const ner_corpus *c = td->c;
    uint32_t nc = ap_trainer_n_classes(tr);
    bool use_pos = (flags & NER_OPT_POS) != 0;
    bool use_doc = (flags & NER_OPT_DOC) != 0;
    size_t right = 0;
    ner_docmem_begin(dm);
    if (s1all) {
        ner_agg_begin(agg);
        for (uint32_t s = c->doc[d]; s < c->doc[d + 1]; s++) {
            size_t a = c->sent[s], n = c->sent[s + 1] - a;
            ner_agg_add_sent(agg, td->w + a, s1all + a, n);
        }
    }
    int32_t sc[AP_MAX_CLASSES];
    for (uint32_t s = c->doc[d]; s < c->doc[d + 1]; s++) {
        size_t a = c->sent[s], n = c->sent[s + 1] - a;
        const ner_word *w = td->w + a;
        uint32_t p1 = NER_NO_LABEL, p2 = NER_NO_LABEL;
        uint32_t pred_buf[512];
        uint32_t *pred = n <= 512 ? pred_buf : xmalloc(n * sizeof *pred);
        for (size_t i = 0; i < n; i++) {
            uint64_t f[NER_ALL_FEATS];
            size_t nf = 0;
            for (int k = -NER_WINDOW; k <= NER_WINDOW; k++) {
                long j = (long)i + k;
                const ner_word *x = j < 0          ? &pseudo[-j]
                                    : j >= (long)n ? &pseudo[j - (long)n + 3]
                                                   : &w[j];
                nf += ner_word_feats(x, k, use_pos, f + nf);
            }
            nf += ner_pair_feats(p1, p2, f + nf);
            nf += ner_p1w_feats(p1, &w[i], f + nf);
            ner_s2 s2;
            if (s1all) {
                const uint32_t *s1 = s1all + a;
                s2.s1_prev = i ? s1[i - 1] : NER_NO_LABEL;
                s2.s1_cur = s1[i];
                s2.s1_next = i + 1 < n ? s1[i + 1] : NER_NO_LABEL;
                s2.agg =
                    ner_doc_word(&w[i]) ? ner_agg_get(agg, w[i].lower) : NULL;
                s2.agg_prev = i && ner_doc_word(&w[i - 1])
                                  ? ner_agg_get(agg, w[i - 1].lower)
                                  : NULL;
                s2.agg_next = i + 1 < n && ner_doc_word(&w[i + 1])
                                  ? ner_agg_get(agg, w[i + 1].lower)
                                  : NULL;
            }
            ner_ctx cx = {
                .prev = i ? &w[i - 1] : &pseudo[1],
                .cur = &w[i],
                .next = i + 1 < n ? &w[i + 1] : &pseudo[3],
                .gaz_prev = i ? td->gaz[a + i - 1] : 0,
                .gaz_cur = td->gaz[a + i],
                .gaz_next = i + 1 < n ? td->gaz[a + i + 1] : 0,
                .doc = use_doc && ner_doc_word(&w[i])
                           ? ner_docmem_get(dm, w[i].lower)
                           : 0,
                .doc_next = use_doc && i + 1 < n && ner_doc_word(&w[i + 1])
                                ? ner_docmem_get(dm, w[i + 1].lower)
                                : 0,
                .first = i == 0,
                .caps_sent = td->caps[s] != 0,
                .use_pos = use_pos,
                .s2 = s1all ? &s2 : NULL,
            };
            nf += ner_ctx_feats(&cx, f + nf);
            memset(sc, 0, nc * sizeof sc[0]);
            ap_trainer_score_add(tr, f, nf, sc);
            uint32_t pr = best_allowed(sc, nc, p1, i + 1 == n);
            uint32_t gold = td->gold[a + i];
            uint32_t rival = pr;
            if (pr == gold && margin) {
                /* the best admissible other label, if within the margin */
                admit ad = {p1, i + 1 == n};
                rival = ap_margin_rival(sc, nc, gold, margin, admissible, &ad);
            }
            ap_train_update(tr, f, nf, gold, rival);
            right += pr == gold;
            pred[i] = pr;
            p2 = p1;
            p1 = pr;
        }
        if (use_doc) {
            for (size_t i = 0; i < n; i++) {
                if (ner_doc_word(&w[i])) {
                    ner_docmem_put(dm, w[i].lower, ner_doc_value(pred[i]));
                }
            }
        }
        if (pred != pred_buf) {
            xfree(pred);
        }
    }
    return right;
}

/* The model file of a trainer; with s1 (a stage-1 model file), the
 * trainer is the second stage: s1's "ner.*" sections are copied and the
 * trainer's weights go to "nr2". */
static ds_rc snapshot(const ap_trainer *tr, uint32_t flags, const uint64_t *gaz,
                      uint32_t gaz_cap, uint32_t gaz_entries,
                      const uint64_t *clu, uint32_t clu_cap,
                      const model_file *s1, model_writer **out_w,
                      ap_train_stats *st, ds_err *e)
{
    model_writer *w = model_writer_new(MODEL_KIND_NER);
    if (s1) {
        flags |= NER_OPT_TWO;
    }
    ner_opts_sec os = {NER_SECTION_VERSION, flags,   gaz_cap,
                       gaz_entries,         clu_cap, {0, 0, 0}};
    ds_rc rc = DS_OK;
    if (s1) {
        static const char *const secs[] = {"ner.hdr", "ner.cls", "ner.tab",
                                           "ner.ent"};
        for (size_t i = 0; i < 4 && rc == DS_OK; i++) {
            const void *p;
            size_t n;
            if ((rc = model_need(s1, secs[i], &p, &n, e)) == DS_OK) {
                rc = model_writer_add(w, secs[i], p, n, e);
            }
        }
        if (rc != DS_OK) {
            model_writer_free(w);
            return rc;
        }
    }
    if ((rc = ap_trainer_write(tr, w, s1 ? "nr2" : "ner", st, e)) != DS_OK ||
        (rc = model_writer_add(w, "ner.opts", &os, sizeof os, e)) != DS_OK ||
        (rc = model_writer_add(w, "ner.gaz", gaz, (size_t)gaz_cap * sizeof *gaz,
                               e)) != DS_OK ||
        (rc = model_writer_add(w, "ner.clu", clu, (size_t)clu_cap * sizeof *clu,
                               e)) != DS_OK) {
        model_writer_free(w);
        return rc;
    }
    *out_w = w;
    return DS_OK;
}

static ds_rc eval_snapshot(model_writer *w, const ner_corpus *dev, bool use_pos,
                           const char *drop, ner_eval *out, size_t *out_bytes,
                           ds_err *e)
{
    size_t len;
    void *p = model_writer_take(w, &len);
    *out_bytes = len;
    model_file *mf = NULL;
    ner_model *nm = NULL;
    ds_rc rc = model_open_mem(p, len, "snapshot", &mf, e);
    if (rc == DS_OK) {
        rc = ner_model_from(mf, &nm, e);
    }
    if (rc == DS_OK) {
        ner_tagger *tg = ner_tagger_new(nm);
        ner_evaluate(tg, dev, use_pos, drop, out);
        ner_tagger_free(tg);
    }
    ner_model_free(nm);
    model_close(mf);
    xfree(p);
    return rc;
}

/* What every stage's training needs. */
typedef struct stage {
    const ner_train_opts *o;
    const tdata *td;
    uint32_t flags;
    const ner_word *pseudo;
    ner_docmem *dm;
    ner_agg *agg;
    const str *cls;
    uint32_t nc;
    const ap_train_opts *ao;
    const ner_corpus *dev;
    bool use_pos;
    const uint64_t *gaz, *clu;
    uint32_t gaz_cap, gaz_entries, clu_cap;
} stage;

/* Trains one model over the documents docs[0..nd) for `iterations`
 * passes (the order shuffled with seed). With select, each pass is scored
 * on dev and the best kept (the result fields are set); otherwise the
 * last pass is the result. s1/s1cls: second stage over the stage-1 model
 * s1 and the stage-1 classes of the training tokens. */
static ds_rc run_stage(const stage *sg, uint32_t *docs, size_t nd,
                       uint32_t iterations, uint64_t seed, bool select,
                       const model_file *s1, const uint32_t *s1cls,
                       model_writer **out_best, ner_train_result *out,
                       ds_err *e)
{
    const ner_train_opts *o = sg->o;
    ap_trainer *tr = ap_trainer_new(sg->cls, sg->nc, sg->ao);
    ap_rng rng = {seed};
    double best_f1 = -1;
    model_writer *best = NULL;
    ds_rc rc = DS_OK;
    for (uint32_t it = 1; it <= iterations; it++) {
        double t0 = now_s();
        ap_shuffle(&rng, docs, nd);
        size_t right = 0, toks = 0;
        for (size_t di = 0; di < nd; di++) {
            const ner_corpus *c = sg->td->c;
            right += train_doc(tr, sg->td, docs[di], sg->flags, o->margin,
                               sg->pseudo, sg->dm, s1cls, sg->agg);
            toks += c->sent[c->doc[docs[di] + 1]] - c->sent[c->doc[docs[di]]];
        }
        ap_trainer_end_epoch(tr);
        if (!select && it < iterations) {
            continue;
        }
        model_writer *w;
        ap_train_stats st;
        if ((rc = snapshot(tr, sg->flags, sg->gaz, sg->gaz_cap, sg->gaz_entries,
                           sg->clu, sg->clu_cap, s1, &w, &st, e)) != DS_OK) {
            break;
        }
        if (!select) {
            best = w;
            break;
        }
        ner_eval ev;
        size_t bytes;
        if ((rc = eval_snapshot(w, sg->dev, sg->use_pos, o->drop_types, &ev,
                                &bytes, e)) != DS_OK) {
            model_writer_free(w);
            break;
        }
        if (o->progress) {
            o->progress(o->progress_ctx, it,
                        100.0 * (double)right / (double)(toks ? toks : 1), &ev,
                        st.n_kept, bytes, now_s() - t0);
        }
        if (ev.all.f1 > best_f1) {
            best_f1 = ev.all.f1;
            model_writer_free(best);
            best = w;
            out->best_iter = it;
            out->dev_f1 = ev.all.f1;
            out->n_feats = st.n_kept;
            out->n_pairs = st.n_pairs;
            out->model_bytes = bytes;
        } else {
            model_writer_free(w);
        }
    }
    ap_trainer_free(tr);
    if (rc == DS_OK && !best) {
        rc = ds_fail(e, DS_EINVAL, "no training iterations");
    }
    if (rc != DS_OK) {
        model_writer_free(best);
        return rc;
    }
    *out_best = best;
    return DS_OK;
}

/* BILOU classes from IOB2 label ids (ner_tag_* out_labels) of a sentence. */
static void labels_to_cls(const uint16_t *lab, size_t n, uint32_t *cls)
{
    for (size_t i = 0; i < n; i++) {
        uint16_t l = lab[i];
        if (l == 0) {
            cls[i] = 0;
            continue;
        }
        uint32_t t = (l - 1u) / 2u;
        bool begins = (l - 1u) % 2u == 0;
        bool cont = i + 1 < n && lab[i + 1] == 2 + 2 * t;
        uint32_t b = begins ? (cont ? 0u : 3u) : (cont ? 1u : 2u);
        cls[i] = 1 + 4 * t + b;
    }
}

/* Tags the documents d with d % folds == k with the stage-1 model in w
 * (consumed) and stores their classes in s1cls. */
static ds_rc tag_fold(model_writer *w, const ner_corpus *c, uint32_t folds,
                      uint32_t k, bool use_pos, uint32_t *s1cls, ds_err *e)
{
    size_t len;
    void *p = model_writer_take(w, &len);
    model_file *mf = NULL;
    ner_model *nm = NULL;
    ds_rc rc = model_open_mem(p, len, "fold", &mf, e);
    if (rc == DS_OK) {
        rc = ner_model_from(mf, &nm, e);
    }
    if (rc == DS_OK) {
        ner_tagger *tg = ner_tagger_new(nm);
        str *words = xmalloc((c->n_toks + 1) * sizeof *words);
        str *pos = xmalloc((c->n_toks + 1) * sizeof *pos);
        uint16_t *lab = xmalloc((c->n_toks + 1) * sizeof *lab);
        ner_span *spans = xmalloc((c->n_toks + 1) * sizeof *spans);
        uint32_t *starts = xmalloc((c->n_sents + 1) * sizeof *starts);
        for (size_t i = 0; i < c->n_toks; i++) {
            words[i] = c->toks[i].word;
            pos[i] = c->toks[i].pos;
        }
        for (size_t d = k; d < c->n_docs; d += folds) {
            uint32_t s0 = c->doc[d], s1 = c->doc[d + 1];
            size_t a0 = c->sent[s0];
            for (uint32_t s = s0; s <= s1; s++) {
                starts[s - s0] = (uint32_t)(c->sent[s] - a0);
            }
            ner_tag_doc_flat(tg, words + a0, use_pos ? pos + a0 : NULL, starts,
                             s1 - s0, spans, lab + a0);
            for (uint32_t s = s0; s < s1; s++) {
                labels_to_cls(lab + c->sent[s], c->sent[s + 1] - c->sent[s],
                              s1cls + c->sent[s]);
            }
        }
        xfree(words);
        xfree(pos);
        xfree(lab);
        xfree(spans);
        xfree(starts);
        ner_tagger_free(tg);
    }
    ner_model_free(nm);
    model_close(mf);
    xfree(p);
    return rc;
}

ds_rc ner_train(const ner_train_opts *o, ner_train_result *out, ds_err *e)
{
    memset(out, 0, sizeof *out);
    double t_start = now_s();
    ner_corpus tc, dc;
    memset(&tc, 0, sizeof tc);
    memset(&dc, 0, sizeof dc);
    tdata td;
    memset(&td, 0, sizeof td);
    model_writer *best = NULL;
    model_file *s1mf = NULL;
    void *s1bytes = NULL;
    uint32_t *s1cls = NULL;
    ner_agg agg;
    ner_agg_init(&agg);
    uint32_t *order = NULL;
    uint64_t *gaz = NULL, *clu = NULL;
    uint32_t gaz_cap = 0, gaz_entries = 0, clu_cap = 0;
    ner_docmem dm;
    ner_docmem_init(&dm);
    ds_rc rc;
    if ((rc = ner_corpus_load_list(o->train_path, o->format, &tc, e)) !=
            DS_OK ||
        (rc = ner_corpus_load(o->dev_path, o->format, &dc, e)) != DS_OK) {
        goto out;
    }
    if (tc.n_toks == 0) {
        rc = ds_fail(e, DS_EFORMAT, "%s: no tokens", o->train_path);
        goto out;
    }
    str types[NER_MAX_TYPES];
    uint32_t nt;
    if ((rc = collect_types(&tc, o->drop_types, types, &nt, o->train_path,
                            e)) != DS_OK) {
        goto out;
    }
    if ((rc = build_gaz(o->gaz_dir, &gaz, &gaz_cap, &gaz_entries, e)) !=
        DS_OK) {
        goto out;
    }
    if (!gaz) {
        gaz = xcalloc(1, sizeof *gaz); /* one empty slot: no gazetteer */
        gaz_cap = 1;
    }
    ner_gaz g = {gaz, gaz_cap};
    uint32_t n_classes;
    size_t n_class_words;
    if (o->clusters && *o->clusters &&
        (rc = word_class_load(o->clusters, &clu, &clu_cap, &n_classes,
                              &n_class_words, e)) != DS_OK) {
        goto out;
    }
    if (!clu) {
        clu = xcalloc(1, sizeof *clu);
        clu_cap = 1;
    }
    ner_clu cl = {clu, clu_cap};
    uint32_t flags =
        (o->use_pos ? NER_OPT_POS : 0) | (o->use_doc ? NER_OPT_DOC : 0);
    bool use_pos = o->use_pos && tc.format == NER_FMT_CONLL;
    if (!use_pos) {
        flags &= ~(uint32_t)NER_OPT_POS;
    }
    /* Classes. */
    uint32_t nc = 1 + 4 * nt;
    char names[1 + 4 * NER_MAX_TYPES][40];
    str cls[1 + 4 * NER_MAX_TYPES];
    snprintf(names[0], sizeof names[0], "O");
    cls[0] = str_c(names[0]);
    static const char pre[4] = {'B', 'I', 'L', 'U'};
    for (uint32_t t = 0; t < nt; t++) {
        for (uint32_t k = 0; k < 4; k++) {
            char *nm = names[1 + 4 * t + k];
            snprintf(nm, 40, "%c-%.*s", pre[k], STR_ARG(types[t]));
            cls[1 + 4 * t + k] = str_c(nm);
        }
    }
    /* Per-token data. */
    td.c = &tc;
    td.w = xmalloc(tc.n_toks * sizeof *td.w);
    td.gold = xmalloc(tc.n_toks * sizeof *td.gold);
    td.gaz = xmalloc(tc.n_toks * sizeof *td.gaz);
    td.caps = xcalloc(tc.n_sents + 1, 1);
    td.lower = xmalloc(tc.n_toks * sizeof *td.lower);
    for (size_t i = 0; i < tc.n_toks; i++) {
        ner_word_init(&td.w[i], tc.toks[i].word,
                      use_pos ? tc.toks[i].pos : (str){"", 0}, &cl);
        td.lower[i] = td.w[i].lower;
    }
    for (size_t s = 0; s < tc.n_sents; s++) {
        size_t a = tc.sent[s], n = tc.sent[s + 1] - a;
        ner_gaz_match(&g, td.lower + a, n, td.gaz + a);
        size_t nl = 0, ncap = 0;
        for (size_t i = a; i < a + n; i++) {
            if (td.w[i].flags & NER_F_ALPHA) {
                nl++;
                ncap += (td.w[i].flags & NER_F_ALLCAP) != 0;
            }
        }
        td.caps[s] = nl >= 2 && ncap * 2 > nl;
    }
    gold_classes(&tc, types, nt, o->drop_types, td.gold);
    ner_word pseudo[5];
    for (uint32_t p = 1; p <= 4; p++) {
        ner_word_pseudo(&pseudo[p], p);
    }
    ap_train_opts ao = {o->min_count, o->prune_below};
    out->train_tokens = tc.n_toks;
    out->train_docs = tc.n_docs;
    out->gaz_entries = gaz_entries;
    order = xmalloc((tc.n_docs + 1) * sizeof *order);
    stage st = {
        .o = o,
        .td = &td,
        .flags = flags,
        .pseudo = pseudo,
        .dm = &dm,
        .agg = &agg,
        .cls = cls,
        .nc = nc,
        .ao = &ao,
        .dev = &dc,
        .use_pos = use_pos,
        .gaz = gaz,
        .gaz_cap = gaz_cap,
        .gaz_entries = gaz_entries,
        .clu = clu,
        .clu_cap = clu_cap,
    };
    uint32_t stages = o->stages == 2 ? 2 : 1;
    if (stages == 2) {
        /* Jackknifed stage-1 labels of the training documents: fold k is
         * tagged by a model trained on the other folds. */
        uint32_t folds = o->folds >= 2 ? o->folds : 5;
        s1cls = xcalloc(tc.n_toks + 1, sizeof *s1cls);
        for (uint32_t k = 0; k < folds; k++) {
            size_t nd = 0;
            for (size_t d = 0; d < tc.n_docs; d++) {
                if (d % folds != k) {
                    order[nd++] = (uint32_t)d;
                }
            }
            model_writer *fw = NULL;
            if ((rc = run_stage(&st, order, nd,
                                o->jk_iterations ? o->jk_iterations : 8,
                                o->seed + k + 1, false, NULL, NULL, &fw, out,
                                e)) != DS_OK) {
                goto out;
            }
            rc = tag_fold(fw, &tc, folds, k, use_pos, s1cls, e);
            model_writer_free(fw);
            if (rc != DS_OK) {
                goto out;
            }
            if (o->progress) {
                fprintf(stderr, "fold %u of %u tagged\n", k + 1, folds);
            }
        }
    }
    for (size_t i = 0; i < tc.n_docs; i++) {
        order[i] = (uint32_t)i;
    }
    if ((rc = run_stage(&st, order, tc.n_docs, o->iterations, o->seed, true,
                        NULL, NULL, &best, out, e)) != DS_OK) {
        goto out;
    }
    if (stages == 2) {
        size_t len;
        s1bytes = model_writer_take(best, &len);
        model_writer_free(best);
        best = NULL;
        if ((rc = model_open_mem(s1bytes, len, "stage 1", &s1mf, e)) != DS_OK) {
            goto out;
        }
        out->stage1_f1 = out->dev_f1;
        for (size_t i = 0; i < tc.n_docs; i++) {
            order[i] = (uint32_t)i;
        }
        if ((rc = run_stage(&st, order, tc.n_docs, o->iterations, o->seed, true,
                            s1mf, s1cls, &best, out, e)) != DS_OK) {
            goto out;
        }
    }
    if (o->out_path &&
        (rc = model_writer_write_file(best, o->out_path, e)) != DS_OK) {
        goto out;
    }
    out->seconds = now_s() - t_start;
out:
    model_writer_free(best);
    model_close(s1mf);
    xfree(s1bytes);
    xfree(s1cls);
    ner_agg_fini(&agg);
    xfree(order);
    xfree(gaz);
    xfree(clu);
    xfree(td.w);
    xfree(td.gold);
    xfree(td.gaz);
    xfree(td.caps);
    xfree(td.lower);
    ner_docmem_fini(&dm);
    ner_corpus_fini(&tc);
    ner_corpus_fini(&dc);
    return rc;
}
