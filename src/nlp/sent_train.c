/* sent_train.c - training the sentence-boundary classifier (sent.h).
 *
 * 1. The training treebank's raw text is rebuilt as tok_eval does, so the
 *    features see exactly what inference sees (sentences of a paragraph
 *    joined by spaces, paragraphs by blank lines).
 * 2. tok_run_decide runs the tokenizer over it with a callback that, at
 *    every candidate boundary, stores the features and answers with the
 *    gold decision (a gold sentence starts at the next token), so the
 *    sentence in progress is the gold one.
 * 3. Passes of averaged-perceptron training over the stored examples,
 *    shuffled with a splitmix64 seed. After each pass the averaged model
 *    is written to memory, reopened, and run on the dev text for each
 *    threshold of a grid (update units, nearest to 0 first); the best
 *    sentence F1 wins, the earliest (pass, threshold) on ties.
 *
 * Everything is integer or a pure function of the inputs: the same data
 * and options give the same bytes. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "nlp/ap_train.h"
#include "nlp/conllu.h"
#include "nlp/sent.h"
#include "nlp/tok_eval.h"
#include "util/xalloc.h"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The examples: features of example i are feats[off[i] .. off[i+1]). */
typedef struct examples {
    uint64_t *feats;
    size_t n_feats, cap_feats;
    size_t *off, cap_off;
    uint8_t *gold;
    size_t n, cap;
    const uint8_t *is_start; /* per text byte: a gold sentence starts */
    size_t n_pos;
} examples;

static bool collect(void *ctx, const tok_cand *c)
{
    examples *x = ctx;
    if (x->n + 2 > x->cap_off) {
        x->off = xgrow(x->off, &x->cap_off, x->n + 2, sizeof *x->off);
    }
    if (x->n + 1 > x->cap) {
        x->gold = xgrow(x->gold, &x->cap, x->n + 1, sizeof *x->gold);
    }
    if (x->n_feats + SENT_MAX_FEATS > x->cap_feats) {
        x->feats = xgrow(x->feats, &x->cap_feats, x->n_feats + SENT_MAX_FEATS,
                         sizeof *x->feats);
    }
    size_t k = sent_features(c, x->feats + x->n_feats);
    bool g = x->is_start[c->r->toks[c->j].off] != 0;
    x->off[x->n] = x->n_feats;
    x->gold[x->n] = g;
    x->n_feats += k;
    x->n++;
    x->off[x->n] = x->n_feats;
    x->n_pos += g;
    return g;
}

/* The dev text and its gold sentence spans. */
typedef struct devset {
    buf text;
    uint32_t *spans; /* start, end pairs in text order */
    size_t n;
} devset;

typedef struct thr_ctx {
    const sent_model *m;
    int32_t thr;
} thr_ctx;

static bool decide_thr(void *ctx, const tok_cand *c)
{
    const thr_ctx *t = ctx;
    return sent_margin(t->m, c) > t->thr;
}

/* Sentence precision, recall and F1 (percent) of m with threshold thr on
 * the dev text, as tok_eval counts them (exact byte spans). */
static void dev_score(const devset *d, const sent_model *m, int32_t thr,
                      tok_result *r, double *p, double *rc, double *f1)
{
    thr_ctx t = {m, thr};
    ds_err e;
    *p = *rc = *f1 = 0;
    if (tok_run_decide(buf_str(&d->text), decide_thr, &t, r, &e) != DS_OK) {
        return;
    }
    size_t i = 0, k = 0, ok = 0;
    while (i < d->n && k < r->n_sents) {
        uint32_t ga = d->spans[2 * i], gb = d->spans[2 * i + 1];
        uint32_t sa = r->sents[k].off, sb = r->sents[k].end;
        if (ga == sa && gb == sb) {
            ok++;
            i++;
            k++;
        } else if (ga < sa || (ga == sa && gb < sb)) {
            i++;
        } else {
            k++;
        }
    }
    *p = r->n_sents ? 100.0 * (double)ok / (double)r->n_sents : 0;
    *rc = d->n ? 100.0 * (double)ok / (double)d->n : 0;
    *f1 = *p + *rc > 0 ? 2 * *p * *rc / (*p + *rc) : 0;
}

/* Thresholds tried, in update units, nearest to 0 first (ties keep the
 * earlier one). */
static const double thr_grid[] = {0,  0.5, -0.5, 1, -1, 1.5, -1.5, 2,
                                  -2, 3,   -3,   4, -4, 6,   8};

/* Writes the trainer's averaged model with threshold `thr` (in score
 * units of that model) as a complete model file in memory. */
static ds_rc write_model(const ap_trainer *tr, int32_t thr, void **out,
                         size_t *out_len, ap_train_stats *st, ds_err *e)
{
    model_writer *w = model_writer_new(SENT_MODEL_KIND);
    unsigned char cfg[8];
    uint32_t v = SENT_CFG_VERSION, t = (uint32_t)thr;
    for (int i = 0; i < 4; i++) {
        cfg[i] = (unsigned char)(v >> (8 * i));
        cfg[4 + i] = (unsigned char)(t >> (8 * i));
    }
    ds_rc rc = ap_trainer_write(tr, w, "snt", st, e);
    if (rc == DS_OK) {
        rc = model_writer_add(w, "snt.cfg", cfg, sizeof cfg, e);
    }
    if (rc == DS_OK) {
        *out = model_writer_take(w, out_len);
    }
    model_writer_free(w);
    return rc;
}

static ds_rc open_bytes(const void *p, size_t len, sent_model **m, ds_err *e)
{
    model_file *mf;
    ds_rc rc = model_open_mem(p, len, "sent snapshot", &mf, e);
    if (rc != DS_OK) {
        return rc;
    }
    return sent_model_from(mf, m, e);
}

ds_rc sent_train_mem(str train, const char *train_name, str dev,
                     const char *dev_name, const sent_train_opts *o,
                     void **out_bytes, size_t *out_len, sent_train_result *out,
                     ds_err *e)
{
    memset(out, 0, sizeof *out);
    *out_bytes = NULL;
    *out_len = 0;
    double t0 = now_s();
    examples x;
    memset(&x, 0, sizeof x);
    devset d;
    memset(&d, 0, sizeof d);
    buf text;
    buf_init(&text, (size_t)UINT32_MAX - 1);
    buf_init(&d.text, (size_t)UINT32_MAX - 1);
    uint32_t *gspans = NULL, *order = NULL;
    uint8_t *is_start = NULL;
    size_t n_gold = 0;
    tok_result r;
    tok_result_init(&r);
    ap_trainer *tr = NULL;
    void *best = NULL;
    size_t best_len = 0;
    ds_rc rc;

    /* 1-2: examples from the training text. */
    rc = tok_eval_rebuild(train, train_name, &text, &gspans, &n_gold, e);
    if (rc != DS_OK) {
        goto out;
    }
    is_start = xcalloc(text.len + 1, 1);
    for (size_t i = 0; i < n_gold; i++) {
        is_start[gspans[2 * i]] = 1;
    }
    x.is_start = is_start;
    rc = tok_run_decide(buf_str(&text), collect, &x, &r, e);
    if (rc != DS_OK) {
        goto out;
    }
    if (x.n == 0) {
        rc = ds_fail(e, DS_EINVAL, "%s: no candidate sentence boundary",
                     train_name);
        goto out;
    }
    out->n_examples = x.n;
    out->n_positive = x.n_pos;
    rc = tok_eval_rebuild(dev, dev_name, &d.text, &d.spans, &d.n, e);
    if (rc != DS_OK) {
        goto out;
    }

    /* 3: training. */
    const str names[2] = {STR("no"), STR("end")};
    ap_train_opts ao = {o->min_count, o->prune_below};
    tr = ap_trainer_new(names, 2, &ao);
    ap_rng rng = {o->seed};
    order = xmalloc(x.n * sizeof *order);
    for (size_t i = 0; i < x.n; i++) {
        order[i] = (uint32_t)i;
    }
    double best_f1 = -1;
    for (uint32_t it = 1; it <= o->iterations; it++) {
        ap_shuffle(&rng, order, x.n);
        for (size_t q = 0; q < x.n; q++) {
            size_t i = order[q];
            const uint64_t *f = x.feats + x.off[i];
            size_t nf = x.off[i + 1] - x.off[i];
            uint32_t pred = ap_trainer_best(tr, f, nf);
            ap_train_update(tr, f, nf, x.gold[i], pred);
        }
        ap_trainer_end_epoch(tr);

        /* Snapshot with threshold 0, to learn the scale; then the grid. */
        void *p;
        size_t len;
        ap_train_stats st;
        sent_model *m = NULL;
        rc = write_model(tr, 0, &p, &len, &st, e);
        if (rc == DS_OK) {
            rc = open_bytes(p, len, &m, e);
        }
        if (rc != DS_OK) {
            xfree(p);
            goto out;
        }
        double scale = sent_model_scale(m);
        size_t n_grid =
            o->tune_threshold ? sizeof thr_grid / sizeof *thr_grid : 1;
        double it_f1 = -1, it_p = 0, it_r = 0;
        int32_t it_thr = 0;
        for (size_t g = 0; g < n_grid; g++) {
            int32_t thr =
                (int32_t)(thr_grid[g] / scale + (thr_grid[g] < 0 ? -0.5 : 0.5));
            double dp, dr, df;
            dev_score(&d, m, thr, &r, &dp, &dr, &df);
            if (df > it_f1) {
                it_f1 = df;
                it_p = dp;
                it_r = dr;
                it_thr = thr;
            }
        }
        sent_model_free(m);
        xfree(p);
        if (o->progress) {
            o->progress(o->progress_ctx, it, it_f1, it_p, it_r, it_thr,
                        now_s() - t0);
        }
        if (it_f1 > best_f1) {
            best_f1 = it_f1;
            xfree(best);
            rc = write_model(tr, it_thr, &best, &best_len, &st, e);
            if (rc != DS_OK) {
                goto out;
            }
            out->best_iter = it;
            out->threshold = it_thr;
            out->dev_f1 = it_f1;
            out->dev_p = it_p;
            out->dev_r = it_r;
            out->n_features = st.n_kept;
            out->n_pairs = st.n_pairs;
        }
    }
    out->model_bytes = best_len;
    *out_bytes = best;
    *out_len = best_len;
    best = NULL;
out:
    out->seconds = now_s() - t0;
    xfree(best);
    ap_trainer_free(tr);
    tok_result_fini(&r);
    buf_fini(&text);
    buf_fini(&d.text);
    xfree(d.spans);
    xfree(gspans);
    xfree(is_start);
    xfree(order);
    xfree(x.feats);
    xfree(x.off);
    xfree(x.gold);
    return rc;
}

ds_rc sent_train_files(const char *train_path, const char *dev_path,
                       const char *out_path, const sent_train_opts *o,
                       sent_train_result *out, ds_err *e)
{
    char *tr = NULL, *dv = NULL;
    size_t tl = 0, dl = 0;
    void *bytes = NULL;
    size_t len = 0;
    memset(out, 0, sizeof *out);
    ds_rc rc = conllu_load_file(train_path, &tr, &tl, e);
    if (rc == DS_OK) {
        rc = conllu_load_file(dev_path, &dv, &dl, e);
    }
    if (rc == DS_OK) {
        rc = sent_train_mem((str){tr, tl}, train_path, (str){dv, dl}, dev_path,
                            o, &bytes, &len, out, e);
    }
    if (rc == DS_OK) {
        model_file *mf;
        /* Write through model_writer for the atomic rename: reopen the
         * bytes to validate them, then copy the file. */
        rc = model_open_mem(bytes, len, out_path, &mf, e);
        if (rc == DS_OK) {
            model_close(mf);
            char tmp[4096];
            snprintf(tmp, sizeof tmp, "%s.tmp", out_path);
            FILE *f = fopen(tmp, "wb");
            if (!f || fwrite(bytes, 1, len, f) != len) {
                rc = ds_fail(e, DS_EIO, "%s: cannot write", tmp);
            }
            if (f && fclose(f) != 0 && rc == DS_OK) {
                rc = ds_fail(e, DS_EIO, "%s: cannot write", tmp);
            }
            if (rc == DS_OK && rename(tmp, out_path) != 0) {
                rc = ds_fail(e, DS_EIO, "%s: cannot rename to %s", tmp,
                             out_path);
            }
            if (rc != DS_OK) {
                remove(tmp);
            }
        }
    }
    xfree(bytes);
    xfree(tr);
    xfree(dv);
    return rc;
}
