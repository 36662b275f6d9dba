/* ap.c - averaged perceptron inference (see ap.h, ap_int.h). */
#include "nlp/ap.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "nlp/ap_int.h"
#include "util/xalloc.h"

struct ap_model {
    ap_hdr hdr;
    const ap_slot *tab;
    const ap_ent *ent;
    const uint32_t *cls_off;
    const char *cls_bytes;
};

/* ---- hashing ---- */

uint64_t ap_hash(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = 0x243f6a8885a308d3ULL ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t v;
        memcpy(&v, s, 8);
        h = (h ^ v) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
        s += 8;
        n -= 8;
    }
    if (n) {
        uint64_t v = 0;
        memcpy(&v, s, n);
        h = (h ^ v) * 0xc4ceb9fe1a85ec53ULL;
        h ^= h >> 29;
    }
    return ap_mix(h);
}

/* ---- loading ---- */

static ds_rc sec(const model_file *mf, const char *prefix, const char *name,
                 const void **p, size_t *n, ds_err *e)
{
    char tag[MODEL_TAG_MAX + 1];
    snprintf(tag, sizeof tag, "%s.%s", prefix, name);
    return model_need(mf, tag, p, n, e);
}

/* The "<P>.ent" word at index i (the header of the list that starts at
 * i + 1). memcpy: the words are read where pairs of u16 are read too. */
static inline uint32_t ent_word(const ap_ent *ent, uint64_t i)
{
    uint32_t v;
    memcpy(&v, ent + i, sizeof v);
    return v;
}

/* Checks the table and the weight lists of a version-2 model (ap_int.h):
 * every occupied slot points into "<P>.ent" at a list header no other
 * slot points to, and the lists so pointed to tile the section from word
 * 0 to its end in some order (the writer's: most frequent first), so
 * each is inside the section, none overlaps another and every word is
 * checked once; each header n in 1..n_classes, classes strictly
 * increasing and below n_classes; as many occupied slots as the header
 * says (fewer than cap, so that a probe ends at an empty slot). */
static ds_rc check_lists(const char *mn, const char *prefix, const ap_hdr *h,
                         const ap_slot *tab, const ap_ent *ent, ds_err *e)
{
    /* bit i: a slot's list has its header at word i */
    uint64_t *head = xcalloc((size_t)(h->n_words + 63) / 64, sizeof *head);
    ds_rc rc = DS_OK;
    uint32_t used = 0;
    for (uint32_t s = 0; s < h->cap; s++) {
        if (tab[s] == 0) {
            continue;
        }
        used++;
        uint64_t start = tab[s] & AP_START_MASK;
        if (start == 0 || start >= h->n_words) {
            rc = ds_fail(e, DS_EFORMAT,
                         "%s: section '%s.tab' slot %u points outside "
                         "'%s.ent' (word %llu of %llu)",
                         mn, prefix, s, prefix, (unsigned long long)start,
                         (unsigned long long)h->n_words);
            goto out;
        }
        uint64_t i = start - 1, bit = UINT64_C(1) << (i & 63);
        if (head[i / 64] & bit) {
            rc = ds_fail(e, DS_EFORMAT,
                         "%s: section '%s.tab' slot %u points to word %llu "
                         "of '%s.ent', as an earlier slot does",
                         mn, prefix, s, (unsigned long long)start, prefix);
            goto out;
        }
        head[i / 64] |= bit;
    }
    if (used != h->n_feats) {
        rc = ds_fail(e, DS_EFORMAT,
                     "%s: section '%s.tab' has %u features, header says %u", mn,
                     prefix, used, h->n_feats);
        goto out;
    }
    uint32_t lists = 0;
    for (uint64_t i = 0; i < h->n_words;) {
        if (!(head[i / 64] & (UINT64_C(1) << (i & 63)))) {
            rc = ds_fail(e, DS_EFORMAT,
                         "%s: section '%s.ent' word %llu: no slot's list "
                         "starts here (the lists must tile the section)",
                         mn, prefix, (unsigned long long)i);
            goto out;
        }
        uint32_t n = ent_word(ent, i);
        if (n < 1 || n > h->n_classes) {
            rc = ds_fail(e, DS_EFORMAT,
                         "%s: section '%s.ent' word %llu: a list of %u "
                         "weights (1 to %u)",
                         mn, prefix, (unsigned long long)i, n, h->n_classes);
            goto out;
        }
        if (n > h->n_words - i - 1) {
            rc = ds_fail(e, DS_EFORMAT,
                         "%s: section '%s.ent': the list at word %llu "
                         "extends past its end",
                         mn, prefix, (unsigned long long)i);
            goto out;
        }
        /* Strictly increasing classes below n_classes: a full row (added
         * without reading its classes) is then 0 .. n_classes - 1. */
        const ap_ent *w = ent + i + 1;
        for (uint32_t k = 0; k < n; k++) {
            const char *why = w[k].cls >= h->n_classes ? "out of range"
                              : k > 0 && w[k].cls <= w[k - 1].cls
                                  ? "out of order"
                                  : NULL;
            if (why) {
                rc =
                    ds_fail(e, DS_EFORMAT,
                            "%s: section '%s.ent' word %llu: class %u %s%s", mn,
                            prefix, (unsigned long long)(i + 1 + k), w[k].cls,
                            why, n == h->n_classes ? " in a full row" : "");
                goto out;
            }
        }
        i += 1 + (uint64_t)n;
        lists++;
    }
    if (lists != used) {
        /* a slot's header fell inside another slot's list */
        rc = ds_fail(e, DS_EFORMAT,
                     "%s: section '%s.tab' points to %u lists, %u of them "
                     "tile '%s.ent' (the others overlap them)",
                     mn, prefix, used, lists, prefix);
    }
out:
    xfree(head);
    return rc;
}

ds_rc ap_model_load(const model_file *mf, const char *prefix, ap_model **out_m,
                    ds_err *e)
{
    *out_m = NULL;
    const char *mn = model_name(mf);
    if (strlen(prefix) < 1 || strlen(prefix) > 3) {
        return ds_fail(e, DS_EINVAL, "ap model prefix '%s': 1 to 3 bytes",
                       prefix);
    }
    const void *hp, *cp, *tp, *ep;
    size_t hn, cn, tn, en;
    ds_rc rc;
    if ((rc = sec(mf, prefix, "hdr", &hp, &hn, e)) != DS_OK ||
        (rc = sec(mf, prefix, "cls", &cp, &cn, e)) != DS_OK ||
        (rc = sec(mf, prefix, "tab", &tp, &tn, e)) != DS_OK ||
        (rc = sec(mf, prefix, "ent", &ep, &en, e)) != DS_OK) {
        return rc;
    }
    ap_hdr h;
    /* The version first: a version-1 header has the same size, but say
     * "retrain" rather than whatever else it fails. */
    uint32_t version = 0;
    if (hn >= sizeof version) {
        memcpy(&version, hp, sizeof version);
    }
    if (version == 1) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: '%s' model has perceptron sections of version 1 "
                       "(16-byte table slots), this program reads version "
                       "%u: retrain the model (`make models` rebuilds the "
                       "shipped ones)",
                       mn, prefix, AP_SECTION_VERSION);
    }
    if (hn != sizeof h) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: section '%s.hdr' has %zu bytes, "
                       "expected %zu",
                       mn, prefix, hn, sizeof h);
    }
    memcpy(&h, hp, sizeof h);
    if (h.version != AP_SECTION_VERSION) {
        return ds_fail(e, DS_EFORMAT, "%s: '%s' model version %u, expected %u",
                       mn, prefix, h.version, AP_SECTION_VERSION);
    }
    if (h.n_classes < 1 || h.n_classes > AP_MAX_CLASSES) {
        return ds_fail(e, DS_EFORMAT, "%s: '%s' model has %u classes", mn,
                       prefix, h.n_classes);
    }
    if (!(h.scale > 0) || !isfinite(h.scale)) {
        return ds_fail(e, DS_EFORMAT, "%s: '%s' model has a bad scale", mn,
                       prefix);
    }
    if (h.cap == 0 || h.n_feats >= h.cap ||
        tn != (size_t)h.cap * sizeof(ap_slot)) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: section '%s.tab' does not match its header "
                       "(%zu bytes, %u slots, %u features)",
                       mn, prefix, tn, h.cap, h.n_feats);
    }
    if (h.n_words > AP_MAX_WORDS || en != h.n_words * sizeof(ap_ent)) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: section '%s.ent' has %zu bytes for %llu words "
                       "(at most %llu)",
                       mn, prefix, en, (unsigned long long)h.n_words,
                       (unsigned long long)AP_MAX_WORDS);
    }
    /* Class names: offsets increasing, inside the section. */
    size_t off_bytes = ((size_t)h.n_classes + 1) * 4;
    if (cn < off_bytes) {
        return ds_fail(e, DS_EFORMAT, "%s: section '%s.cls' is too short", mn,
                       prefix);
    }
    const uint32_t *co = cp;
    size_t name_bytes = cn - off_bytes;
    if (co[0] != 0 || co[h.n_classes] != name_bytes) {
        return ds_fail(e, DS_EFORMAT, "%s: section '%s.cls' is inconsistent",
                       mn, prefix);
    }
    for (uint32_t c = 0; c < h.n_classes; c++) {
        if (co[c + 1] < co[c]) {
            return ds_fail(e, DS_EFORMAT,
                           "%s: section '%s.cls' is inconsistent", mn, prefix);
        }
    }
    if ((rc = check_lists(mn, prefix, &h, tp, ep, e)) != DS_OK) {
        return rc;
    }
    ap_model *m = xcalloc(1, sizeof *m);
    m->hdr = h;
    m->tab = tp;
    m->ent = ep;
    m->cls_off = co;
    m->cls_bytes = (const char *)cp + off_bytes;
    *out_m = m;
    return DS_OK;
}

void ap_model_free(ap_model *m)
{
    if (!m) {
        return;
    }
    xfree(m);
}

uint32_t ap_n_classes(const ap_model *m)
{
    return m->hdr.n_classes;
}

str ap_class_name(const ap_model *m, uint32_t c)
{
    if (c >= m->hdr.n_classes) {
        return (str){"", 0};
    }
    return (str){m->cls_bytes + m->cls_off[c],
                 m->cls_off[c + 1] - m->cls_off[c]};
}

int32_t ap_class_id(const ap_model *m, str name)
{
    for (uint32_t c = 0; c < m->hdr.n_classes; c++) {
        if (str_eq(ap_class_name(m, c), name)) {
            return (int32_t)c;
        }
    }
    return -1;
}

size_t ap_n_features(const ap_model *m)
{
    return m->hdr.n_feats;
}

float ap_scale(const ap_model *m)
{
    return m->hdr.scale;
}

/* ---- scoring ---- */

/* The start of key's weights in m->ent (>= 1), or 0 when the key is not
 * in the table. One xor compares the fingerprint and yields the start:
 * slot ^ (key << AP_START_BITS) is below 2^AP_START_BITS exactly when the
 * slot holds key's low AP_FP_BITS bits, and it is then the start. An
 * empty slot gives 0 there only for a key whose low bits are all 0,
 * which reads as "absent" too, and ends the probe. */
static inline uint32_t find(const ap_model *m, uint64_t key)
{
    const uint64_t fp = key << AP_START_BITS;
    uint32_t cap = m->hdr.cap;
    uint32_t s = ap_home(key, cap);
    for (;;) {
        ap_slot v = m->tab[s];
        uint64_t x = v ^ fp;
        if (x <= AP_START_MASK) {
            return (uint32_t)x;
        }
        if (v == 0) {
            return 0;
        }
        if (++s == cap) {
            s = 0;
        }
    }
}

/* The number of weights of the list that starts at word `start`. */
static inline uint32_t list_n(const ap_model *m, uint32_t start)
{
    return ent_word(m->ent, start - 1);
}

uint32_t ap_lookup(const ap_model *m, uint64_t feat, const ap_weight **out_w)
{
    uint32_t start = find(m, feat);
    if (!start) {
        *out_w = NULL;
        return 0;
    }
    *out_w = m->ent + start;
    return list_n(m, start);
}

void ap_prefetch(const ap_model *m, const uint64_t *feats, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        __builtin_prefetch(&m->tab[ap_home(feats[i], m->hdr.cap)]);
    }
}

/* Lookups in batches: the home slots of a batch are prefetched first,
 * then the lists of the slots found (header and weights: one line, or
 * two when the list crosses a line), so that the cache misses of
 * independent probes overlap instead of following one another. Feature i
 * adds to acc + rows[i] * stride, or to acc when rows is NULL. */
#define SCORE_BATCH     16 /* ap_score_add: one vector's features */
#define SCORE_BATCH_MAX 32 /* ap_score_add_rows: several vectors' */

static inline void score_batched(const ap_model *m, const uint64_t *feats,
                                 const uint32_t *rows, size_t n, int32_t *acc,
                                 size_t stride, size_t batch)
{
    while (n) {
        size_t b = n < batch ? n : batch;
        uint32_t st[SCORE_BATCH_MAX];
        for (size_t i = 0; i < b; i++) {
            __builtin_prefetch(&m->tab[ap_home(feats[i], m->hdr.cap)]);
        }
        for (size_t i = 0; i < b; i++) {
            st[i] = find(m, feats[i]);
            if (st[i]) {
                __builtin_prefetch(m->ent + st[i] - 1);
            }
        }
        for (size_t i = 0; i < b; i++) {
            if (st[i]) {
                ap_weights_add(rows ? acc + (size_t)rows[i] * stride : acc,
                               m->ent + st[i], list_n(m, st[i]),
                               m->hdr.n_classes);
            }
        }
        feats += b;
        rows = rows ? rows + b : NULL;
        n -= b;
    }
}

void ap_score_add(const ap_model *m, const uint64_t *feats, size_t n,
                  int32_t *acc)
{
    if (n > 1) {
        score_batched(m, feats, NULL, n, acc, 0, SCORE_BATCH);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t start = find(m, feats[i]);
        if (!start) {
            continue;
        }
        ap_weights_add(acc, m->ent + start, list_n(m, start), m->hdr.n_classes);
    }
}

void ap_score_add_rows(const ap_model *m, const uint64_t *feats,
                       const uint32_t *rows, size_t n, int32_t *acc,
                       size_t stride)
{
    score_batched(m, feats, rows, n, acc, stride, SCORE_BATCH_MAX);
}

void ap_rows_flush(ap_rows *q)
{
    ap_score_add_rows(q->m, q->f, q->row, q->n, q->acc, q->stride);
    q->n = 0;
}

void ap_score(const ap_model *m, const uint64_t *feats, size_t n, float *out)
{
    uint32_t nc = m->hdr.n_classes;
    int32_t acc[AP_MAX_CLASSES];
    memset(acc, 0, nc * sizeof acc[0]);
    ap_score_add(m, feats, n, acc);
    for (uint32_t c = 0; c < nc; c++) {
        out[c] = (float)acc[c] * m->hdr.scale;
    }
}

uint32_t ap_argmax(const int32_t *scores, uint32_t n)
{
    /* The maximum first (a branch-free loop the compiler vectorizes), then
     * its first position. */
    int32_t mx = scores[0];
    for (uint32_t c = 1; c < n; c++) {
        mx = scores[c] > mx ? scores[c] : mx;
    }
    uint32_t best = 0;
    while (scores[best] != mx) {
        best++;
    }
    return best;
}

uint32_t ap_best(const ap_model *m, const uint64_t *feats, size_t n,
                 float *out_scores)
{
    uint32_t nc = m->hdr.n_classes;
    int32_t acc[AP_MAX_CLASSES];
    memset(acc, 0, nc * sizeof acc[0]);
    ap_score_add(m, feats, n, acc);
    if (out_scores) {
        for (uint32_t c = 0; c < nc; c++) {
            out_scores[c] = (float)acc[c] * m->hdr.scale;
        }
    }
    return ap_argmax(acc, nc);
}

/* ---- vector cache ----
 *
 * Set-associative (AP_VC_WAYS ways per set, least recently used way
 * replaced): a direct-mapped cache loses too many entries to collisions
 * between frequent words. */

#define AP_VC_WAYS 4

struct ap_vcache {
    size_t set_mask, width;
    uint64_t *keys;  /* n_slots, AP_VC_WAYS per set */
    uint32_t *stamp; /* n_slots: time of last use */
    uint32_t tick;
    int32_t *vecs;
};

ap_vcache *ap_vcache_new(size_t n_slots, size_t width)
{
    size_t n = AP_VC_WAYS;
    while (n < n_slots) {
        n <<= 1;
    }
    ap_vcache *c = xcalloc(1, sizeof *c);
    c->set_mask = n / AP_VC_WAYS - 1;
    c->width = width ? width : 1;
    c->keys = xcalloc(n, sizeof *c->keys);
    c->stamp = xcalloc(n, sizeof *c->stamp);
    c->vecs = xmalloc(n * c->width * sizeof *c->vecs);
    return c;
}

void ap_vcache_free(ap_vcache *c)
{
    if (!c) {
        return;
    }
    xfree(c->keys);
    xfree(c->stamp);
    xfree(c->vecs);
    xfree(c);
}

void ap_vcache_clear(ap_vcache *c)
{
    size_t n = (c->set_mask + 1) * AP_VC_WAYS;
    memset(c->keys, 0, n * sizeof *c->keys);
    memset(c->stamp, 0, n * sizeof *c->stamp);
    c->tick = 0;
}

int32_t *ap_vcache_get(ap_vcache *c, uint64_t key, bool *out_fresh)
{
    size_t s0 = ((size_t)(key ^ (key >> 29)) & c->set_mask) * AP_VC_WAYS;
    uint32_t now = ++c->tick;
    size_t victim = s0;
    for (size_t s = s0; s < s0 + AP_VC_WAYS; s++) {
        if (c->keys[s] == key) {
            c->stamp[s] = now;
            *out_fresh = false;
            return c->vecs + s * c->width;
        }
        /* Oldest use; wrap-around of tick only makes a poorer choice. */
        if (now - c->stamp[s] > now - c->stamp[victim]) {
            victim = s;
        }
    }
    c->keys[victim] = key;
    c->stamp[victim] = now;
    int32_t *v = c->vecs + victim * c->width;
    memset(v, 0, c->width * sizeof *v);
    *out_fresh = true;
    return v;
}
