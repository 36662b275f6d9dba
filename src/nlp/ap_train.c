/* ap_train.c - averaged perceptron training (see ap_train.h, ap_int.h). */
#include "nlp/ap_train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/ap_int.h"
#include "util/xalloc.h"

typedef struct tentry {
    int64_t total; /* sum of the weight over the steps before ts */
    int32_t w;     /* current weight */
    uint32_t ts;   /* step at which w was set */
    uint32_t cls;
} tentry;

typedef struct tfeat {
    uint64_t key;
    uint32_t count; /* occurrences in the first epoch */
    uint32_t row;   /* first entry in the pool */
    uint16_t n, cap;
} tfeat;

struct ap_trainer {
    uint32_t n_classes;
    ap_train_opts opts;
    char **names;
    size_t *name_len;
    uint32_t step;
    uint32_t epoch;
    /* open addressing: slot -> feature index + 1 (0 = empty) */
    uint32_t *slots;
    size_t slot_mask;
    tfeat *feats;
    size_t n_feats, cap_feats;
    tentry *pool;
    size_t n_pool, cap_pool;
};

ap_trainer *ap_trainer_new(const str *class_names, uint32_t n_classes,
                           const ap_train_opts *opts)
{
    ap_trainer *tr = xcalloc(1, sizeof *tr);
    tr->n_classes = n_classes;
    tr->opts = opts ? *opts : AP_TRAIN_OPTS_DEFAULT;
    tr->names = xcalloc(n_classes, sizeof *tr->names);
    tr->name_len = xcalloc(n_classes, sizeof *tr->name_len);
    for (uint32_t c = 0; c < n_classes; c++) {
        tr->names[c] = xstrndup(class_names[c].ptr, class_names[c].len);
        tr->name_len[c] = class_names[c].len;
    }
    tr->slot_mask = (1u << 16) - 1;
    tr->slots = xcalloc(tr->slot_mask + 1, sizeof *tr->slots);
    return tr;
}

void ap_trainer_free(ap_trainer *tr)
{
    if (!tr) {
        return;
    }
    for (uint32_t c = 0; c < tr->n_classes; c++) {
        xfree(tr->names[c]);
    }
    xfree(tr->names);
    xfree(tr->name_len);
    xfree(tr->slots);
    xfree(tr->feats);
    xfree(tr->pool);
    xfree(tr);
}

uint32_t ap_trainer_n_classes(const ap_trainer *tr)
{
    return tr->n_classes;
}

static inline size_t slot_of(uint64_t key, size_t mask)
{
    return (size_t)(key ^ (key >> 31)) & mask;
}

static tfeat *tfind(const ap_trainer *tr, uint64_t key)
{
    size_t s = slot_of(key, tr->slot_mask);
    for (;;) {
        uint32_t v = tr->slots[s];
        if (v == 0) {
            return NULL;
        }
        if (tr->feats[v - 1].key == key) {
            return &tr->feats[v - 1];
        }
        s = (s + 1) & tr->slot_mask;
    }
}

static void rehash(ap_trainer *tr)
{
    size_t mask = tr->slot_mask * 2 + 1;
    uint32_t *slots = xcalloc(mask + 1, sizeof *slots);
    for (size_t i = 0; i < tr->n_feats; i++) {
        size_t s = slot_of(tr->feats[i].key, mask);
        while (slots[s]) {
            s = (s + 1) & mask;
        }
        slots[s] = (uint32_t)(i + 1);
    }
    xfree(tr->slots);
    tr->slots = slots;
    tr->slot_mask = mask;
}

static tfeat *tget(ap_trainer *tr, uint64_t key)
{
    size_t s = slot_of(key, tr->slot_mask);
    for (;;) {
        uint32_t v = tr->slots[s];
        if (v == 0) {
            break;
        }
        if (tr->feats[v - 1].key == key) {
            return &tr->feats[v - 1];
        }
        s = (s + 1) & tr->slot_mask;
    }
    tr->feats =
        xgrow(tr->feats, &tr->cap_feats, tr->n_feats + 1, sizeof *tr->feats);
    tfeat *f = &tr->feats[tr->n_feats++];
    memset(f, 0, sizeof *f);
    f->key = key;
    tr->slots[s] = (uint32_t)tr->n_feats;
    if (tr->n_feats * 2 > tr->slot_mask) {
        rehash(tr);
    }
    return f;
}

void ap_trainer_score_add(const ap_trainer *tr, const uint64_t *feats, size_t n,
                          int32_t *acc)
{
    for (size_t i = 0; i < n; i++) {
        const tfeat *f = tfind(tr, feats[i]);
        if (!f || !f->n) {
            continue; /* (an empty pool is NULL: no pointer arithmetic) */
        }
        const tentry *e = tr->pool + f->row;
        for (uint32_t k = 0; k < f->n; k++) {
            acc[e[k].cls] += e[k].w;
        }
    }
}

uint32_t ap_trainer_best(const ap_trainer *tr, const uint64_t *feats, size_t n)
{
    int32_t acc[AP_MAX_CLASSES];
    memset(acc, 0, tr->n_classes * sizeof acc[0]);
    ap_trainer_score_add(tr, feats, n, acc);
    return ap_argmax(acc, tr->n_classes);
}

static void upd(ap_trainer *tr, tfeat *f, uint32_t cls, int32_t d)
{
    /* a feature without entries may have no row yet (and the pool be
     * NULL, where even a zero offset is undefined) */
    tentry *e = f->n ? tr->pool + f->row : NULL;
    uint32_t k = 0;
    while (k < f->n && e[k].cls != cls) {
        k++;
    }
    if (k == f->n) {
        if (f->n == f->cap) {
            /* Move the row to the end of the pool with twice the room (the
             * old space is abandoned: rows only grow, and rarely). */
            uint32_t ncap = f->cap ? f->cap * 2u : 2u;
            if (ncap > tr->n_classes) {
                ncap = tr->n_classes;
            }
            tr->pool = xgrow(tr->pool, &tr->cap_pool, tr->n_pool + ncap,
                             sizeof *tr->pool);
            if (f->n) {
                memcpy(tr->pool + tr->n_pool, tr->pool + f->row,
                       f->n * sizeof *tr->pool);
            }
            f->row = (uint32_t)tr->n_pool;
            f->cap = (uint16_t)ncap;
            tr->n_pool += ncap;
            e = tr->pool + f->row;
        }
        e[k] = (tentry){0, 0, tr->step, cls};
        f->n++;
    }
    e[k].total += (int64_t)(tr->step - e[k].ts) * e[k].w;
    e[k].ts = tr->step;
    e[k].w += d;
}

uint32_t ap_margin_rival(const int32_t *scores, uint32_t n_classes,
                         uint32_t gold, uint32_t margin,
                         bool (*allowed)(const void *ctx, uint32_t c),
                         const void *ctx)
{
    uint32_t best = UINT32_MAX;
    for (uint32_t c = 0; c < n_classes; c++) {
        if (c != gold && (!allowed || allowed(ctx, c)) &&
            (best == UINT32_MAX || scores[c] > scores[best])) {
            best = c;
        }
    }
    if (best != UINT32_MAX &&
        (int64_t)scores[gold] - scores[best] < (int64_t)margin) {
        return best;
    }
    return gold;
}

void ap_train_update(ap_trainer *tr, const uint64_t *feats, size_t n,
                     uint32_t gold, uint32_t pred)
{
    tr->step++;
    for (size_t i = 0; i < n; i++) {
        tfeat *f = tget(tr, feats[i]);
        if (tr->epoch == 0 && f->count < UINT32_MAX) {
            f->count++;
        }
        if (gold != pred) {
            upd(tr, f, gold, +1);
            upd(tr, f, pred, -1);
        }
    }
}

void ap_train_add(ap_trainer *tr, const uint64_t *feats, size_t n, uint32_t cls,
                  int32_t delta)
{
    for (size_t i = 0; i < n; i++) {
        tfeat *f = tget(tr, feats[i]);
        if (tr->epoch == 0 && delta > 0 && f->count < UINT32_MAX) {
            f->count++;
        }
        upd(tr, f, cls, delta);
    }
}

void ap_train_tick(ap_trainer *tr)
{
    tr->step++;
}

void ap_trainer_end_epoch(ap_trainer *tr)
{
    tr->epoch++;
}

/* ---- writing ---- */

ds_rc ap_check_words(const char *prefix, uint64_t n_words, ds_err *e)
{
    if (n_words > AP_MAX_WORDS) {
        return ds_fail(e, DS_ETOOBIG,
                       "'%s' model: %llu words of weights and list headers, "
                       "more than the %llu (2^%u) that the table's %u-bit "
                       "starts address",
                       prefix, (unsigned long long)n_words,
                       (unsigned long long)AP_MAX_WORDS, AP_START_BITS,
                       AP_START_BITS);
    }
    return DS_OK;
}

typedef struct kfeat {
    uint64_t key;
    uint32_t first, n; /* into the pair scratch */
    uint32_t count;    /* occurrences in the first epoch */
    uint32_t slot;     /* in the table, once inserted */
} kfeat;

static int cmp_kfeat(const void *a, const void *b)
{
    uint64_t x = ((const kfeat *)a)->key, y = ((const kfeat *)b)->key;
    return x < y ? -1 : x > y;
}

/* The most frequent features first (then by key, so the order is the
 * same on every run). */
static int cmp_kfeat_heat(const void *a, const void *b)
{
    const kfeat *x = a, *y = b;
    if (x->count != y->count) {
        return x->count > y->count ? -1 : 1;
    }
    return x->key < y->key ? -1 : x->key > y->key;
}

static int cmp_tentry_cls(const void *a, const void *b)
{
    uint32_t x = ((const tentry *)a)->cls, y = ((const tentry *)b)->cls;
    return x < y ? -1 : x > y;
}

static ds_rc add_sec(model_writer *w, const char *prefix, const char *name,
                     const void *p, size_t n, ds_err *e)
{
    char tag[MODEL_TAG_MAX + 1];
    snprintf(tag, sizeof tag, "%s.%s", prefix, name);
    return model_writer_add(w, tag, p, n, e);
}

ds_rc ap_trainer_write(const ap_trainer *tr, model_writer *w,
                       const char *prefix, ap_train_stats *out_stats, ds_err *e)
{
    if (strlen(prefix) < 1 || strlen(prefix) > 3) {
        return ds_fail(e, DS_EINVAL, "ap model prefix '%s': 1 to 3 bytes",
                       prefix);
    }
    ds_rc rc = DS_OK;
    unsigned char *cls = NULL; /* step 5 (freed at out: on errors before) */
    const uint64_t T = tr->step ? tr->step : 1;
    /* 1. Averaged weights of the features that pass min_count. */
    kfeat *kf = xmalloc((tr->n_feats + 1) * sizeof *kf);
    size_t n_kf = 0, n_weighted = 0;
    double *avg = NULL;
    uint16_t *pcls = NULL;
    size_t n_pairs = 0, cap_pairs = 0;
    double maxabs = 0;
    for (size_t i = 0; i < tr->n_feats; i++) {
        const tfeat *f = &tr->feats[i];
        if (f->n == 0) {
            continue;
        }
        n_weighted++;
        if (f->count < tr->opts.min_count) {
            continue;
        }
        tentry row[AP_MAX_CLASSES];
        memcpy(row, tr->pool + f->row, f->n * sizeof row[0]);
        qsort(row, f->n, sizeof row[0], cmp_tentry_cls);
        uint32_t first = (uint32_t)n_pairs;
        for (uint32_t k = 0; k < f->n; k++) {
            int64_t tot =
                row[k].total + (int64_t)(T - row[k].ts + 1) * row[k].w;
            double a = (double)tot / (double)T;
            if (a == 0 || fabs(a) < tr->opts.prune_below) {
                continue;
            }
            if (n_pairs == cap_pairs) {
                size_t c2 = cap_pairs;
                avg = xgrow(avg, &c2, n_pairs + 1, sizeof *avg);
                pcls = xgrow(pcls, &cap_pairs, n_pairs + 1, sizeof *pcls);
            }
            avg[n_pairs] = a;
            pcls[n_pairs] = (uint16_t)row[k].cls;
            n_pairs++;
            if (fabs(a) > maxabs) {
                maxabs = fabs(a);
            }
        }
        if (n_pairs > first) {
            kf[n_kf++] = (kfeat){f->key, first, (uint32_t)(n_pairs - first),
                                 f->count, 0};
        }
    }
    double scale = maxabs > 0 ? maxabs / 32767.0 : 1.0;
    /* 2. Quantize; drop pairs that round to 0 and features left empty. */
    size_t n_keep = 0;
    for (size_t i = 0; i < n_kf; i++) {
        uint32_t kept = 0;
        for (uint32_t k = 0; k < kf[i].n; k++) {
            if (lrint(avg[kf[i].first + k] / scale) != 0) {
                kept++;
            }
        }
        if (kept) {
            kf[n_keep++] = kf[i];
        }
    }
    qsort(kf, n_keep, sizeof *kf, cmp_kfeat);
    /* 3. The table: load <= 0.6, keys inserted in increasing order.
     * slot_feat: slot -> feature index + 1, 0 = empty. */
    uint32_t cap = (uint32_t)(n_keep + n_keep * 2 / 3 + 8);
    uint32_t *slot_feat = xcalloc(cap, sizeof *slot_feat);
    for (size_t i = 0; i < n_keep; i++) {
        uint32_t s = ap_home(kf[i].key, cap);
        while (slot_feat[s]) {
            s = s + 1 == cap ? 0 : s + 1;
        }
        slot_feat[s] = (uint32_t)(i + 1);
        kf[i].slot = s;
    }
    /* 4. The lists, each a header word n then its pairs, the features seen
     * most often in training first: the lists a decoder reads all the time
     * then share a few hundred KB of cache lines and pages instead of being
     * spread over the whole section (parser +6 % words/s, doc/internals/
     * perceptron.md). A feature with weights for at least half the classes
     * gets a full row (every class, zeros included: ap_weights_add's
     * vector path). */
    qsort(kf, n_keep, sizeof *kf, cmp_kfeat_heat);
    for (size_t i = 0; i < n_keep; i++) {
        slot_feat[kf[i].slot] = (uint32_t)(i + 1);
    }
    const uint32_t nc = tr->n_classes;
    size_t n_ent = 0, cap_ent = 0;
    ap_ent *ent = xgrow(NULL, &cap_ent, n_pairs + n_keep + 1, sizeof *ent);
    ap_slot *tab = xcalloc(cap, sizeof *tab);
    for (size_t i = 0; i < n_keep; i++) {
        const kfeat *k = &kf[i];
        const uint32_t s = k->slot;
        ent = xgrow(ent, &cap_ent, n_ent + 1 + (k->n > nc ? k->n : nc),
                    sizeof *ent);
        size_t head = n_ent++;
        size_t first = n_ent;
        for (uint32_t j = 0; j < k->n; j++) {
            long q = lrint(avg[k->first + j] / scale);
            if (q == 0) {
                continue;
            }
            ent[n_ent].cls = pcls[k->first + j];
            ent[n_ent].w = (int16_t)(q > 32767    ? 32767
                                     : q < -32767 ? -32767
                                                  : q);
            n_ent++;
        }
        uint32_t n = (uint32_t)(n_ent - first);
        if (n * AP_FULL_ROW_DEN >= nc * AP_FULL_ROW_NUM && n < nc) {
            ap_ent row[AP_MAX_CLASSES];
            memset(row, 0, nc * sizeof row[0]);
            for (uint32_t c = 0; c < nc; c++) {
                row[c].cls = (uint16_t)c;
            }
            for (size_t j = first; j < n_ent; j++) {
                row[ent[j].cls].w = ent[j].w;
            }
            memcpy(ent + first, row, nc * sizeof row[0]);
            n_ent = first + nc;
            n = nc;
        }
        memcpy(ent + head, &n, sizeof n);
        /* a start past AP_START_BITS spoils the slot; such a model is
         * refused just below */
        tab[s] = ap_slot_make(k->key, (uint32_t)first);
    }
    if ((rc = ap_check_words(prefix, n_ent, e)) != DS_OK) {
        goto out;
    }
    /* No feature hidden by another with the same fingerprint earlier on
     * its probe path (ap.c's find would return the other's weights). With
     * 40 bits this takes about 2^-40 per slot passed, under 10^-6 for our
     * largest model: refused, not handled. */
    const uint64_t fp_mask = (UINT64_C(1) << AP_FP_BITS) - 1;
    for (uint32_t s = 0; s < cap; s++) {
        if (!slot_feat[s]) {
            continue;
        }
        uint64_t key = kf[slot_feat[s] - 1].key;
        for (uint32_t t = ap_home(key, cap); t != s;
             t = t + 1 == cap ? 0 : t + 1) {
            uint64_t other = kf[slot_feat[t] - 1].key;
            if (((other ^ key) & fp_mask) == 0) {
                rc = ds_fail(e, DS_EINVAL,
                             "'%s' model: features %016llx and %016llx have "
                             "the same %u-bit fingerprint (a chance of about "
                             "one in 10^12 per pair): the table cannot hold "
                             "both",
                             prefix, (unsigned long long)other,
                             (unsigned long long)key, AP_FP_BITS);
                goto out;
            }
        }
    }
    /* 5. Class names. */
    size_t nb = 0;
    for (uint32_t c = 0; c < tr->n_classes; c++) {
        nb += tr->name_len[c];
    }
    size_t cls_len = ((size_t)tr->n_classes + 1) * 4 + nb;
    cls = xcalloc(1, cls_len);
    uint32_t off = 0;
    unsigned char *names = cls + ((size_t)tr->n_classes + 1) * 4;
    for (uint32_t c = 0; c < tr->n_classes; c++) {
        memcpy(cls + (size_t)c * 4, &off, 4);
        memcpy(names + off, tr->names[c], tr->name_len[c]);
        off += (uint32_t)tr->name_len[c];
    }
    memcpy(cls + (size_t)tr->n_classes * 4, &off, 4);
    ap_hdr h = {AP_SECTION_VERSION,
                tr->n_classes,
                cap,
                (uint32_t)n_keep,
                n_ent,
                (float)scale,
                0};
    if ((rc = add_sec(w, prefix, "hdr", &h, sizeof h, e)) != DS_OK ||
        (rc = add_sec(w, prefix, "cls", cls, cls_len, e)) != DS_OK ||
        (rc = add_sec(w, prefix, "tab", tab, (size_t)cap * sizeof *tab, e)) !=
            DS_OK ||
        (rc = add_sec(w, prefix, "ent", ent, n_ent * sizeof *ent, e)) !=
            DS_OK) {
        goto out;
    }
    if (out_stats) {
        out_stats->steps = tr->step;
        out_stats->n_seen = tr->n_feats;
        out_stats->n_weighted = n_weighted;
        out_stats->n_kept = n_keep;
        out_stats->n_pairs = n_ent - n_keep; /* without the headers */
        out_stats->bytes = sizeof h + cls_len + (size_t)cap * sizeof *tab +
                           n_ent * sizeof *ent;
    }
out:
    xfree(cls);
    xfree(ent);
    xfree(slot_feat);
    xfree(tab);
    xfree(avg);
    xfree(pcls);
    xfree(kf);
    return rc;
}

void ap_shuffle(ap_rng *r, uint32_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)(ap_rng_next(r) % i);
        uint32_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
