/* test_ap.c - the model container (model.h) and the averaged perceptron
 * (ap.h, ap_train.h): hashing, training, round trips, corrupt files. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "nlp/ap.h"
#include "nlp/ap_int.h"
#include "nlp/ap_train.h"
#include "nlp/model.h"
#include "util/xalloc.h"

/* ---- hashing ---- */

static void t_hash_stable(void)
{
    CHECK(ap_hash("the", 3) == ap_hash("the", 3));
    CHECK(ap_hash("the", 3) != ap_hash("The", 3));
    CHECK(ap_hash("", 0) != ap_hash("\0", 1));
    CHECK(ap_feat(1, 5) != ap_feat(2, 5));
    CHECK(ap_feat2(1, 5, 6) != ap_feat2(1, 6, 5));
    CHECK(ap_feat(0, 0) != 0);
    CHECK(model_hash64("abc", 3, 0) == model_hash64("abc", 3, 0));
    CHECK(model_hash64("abc", 3, 0) != model_hash64("abc", 3, 1));
}

/* Pinned values: these hashes are part of the model format (feature keys
 * and the file checksum); a change needs a new format version. */
#define HASH_THE    0x3780b4108811fddcULL
#define FEAT_7_WORD 0xb6d2e48afd12ecbbULL
#define MHASH_33    0xeed6d607365a2532ULL
static void t_hash_pinned(void)
{
    CHECK(ap_hash("the", 3) == HASH_THE);
    CHECK(ap_feat_str(7, STR("word")) == FEAT_7_WORD);
    CHECK(model_hash64("0123456789abcdef0123456789abcdef!", 33, 42) ==
          MHASH_33);
}

/* ---- a toy problem: 3 classes, each announced by its own features, plus
 * shared noise features; linearly separable ---- */

#define TOY_N 300

static void toy_example(uint32_t i, uint64_t *f, size_t *n, uint32_t *gold)
{
    uint32_t c = i % 3;
    *gold = c;
    size_t k = 0;
    f[k++] = ap_feat(1, c);                 /* the class's own marker */
    f[k++] = ap_feat(2, (i * 7919u) % 5);   /* noise */
    f[k++] = ap_feat(3, (i * 104729u) % 4); /* noise */
    f[k++] = ap_feat(4, 0);                 /* bias */
    *n = k;
}

static const str toy_names[3] = {{"A", 1}, {"B", 1}, {"C", 1}};

static ap_trainer *toy_train(uint32_t epochs, uint64_t seed)
{
    ap_trainer *tr = ap_trainer_new(toy_names, 3, NULL);
    uint32_t idx[TOY_N];
    for (uint32_t i = 0; i < TOY_N; i++) {
        idx[i] = i;
    }
    ap_rng rng = {seed};
    for (uint32_t ep = 0; ep < epochs; ep++) {
        ap_shuffle(&rng, idx, TOY_N);
        for (uint32_t j = 0; j < TOY_N; j++) {
            uint64_t f[8];
            size_t n;
            uint32_t gold;
            toy_example(idx[j], f, &n, &gold);
            uint32_t pred = ap_trainer_best(tr, f, n);
            ap_train_update(tr, f, n, gold, pred);
        }
        ap_trainer_end_epoch(tr);
    }
    return tr;
}

static void *toy_file(uint64_t seed, size_t *out_len)
{
    ap_trainer *tr = toy_train(5, seed);
    model_writer *w = model_writer_new(MODEL_KIND_TEST);
    ds_err e;
    ds_rc rc = ap_trainer_write(tr, w, "toy", NULL, &e);
    CHECK_EQ_INT(rc, DS_OK);
    void *p = model_writer_take(w, out_len);
    model_writer_free(w);
    ap_trainer_free(tr);
    return p;
}

static void t_toy_learns(void)
{
    size_t len;
    void *p = toy_file(1, &len);
    model_file *mf;
    ap_model *m;
    ds_err e;
    CHECK_EQ_INT(model_open_mem(p, len, "toy", &mf, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_OK);
    CHECK_EQ_INT(ap_n_classes(m), 3);
    CHECK_STRN(ap_class_name(m, 1).ptr, ap_class_name(m, 1).len, "B");
    CHECK_EQ_INT(ap_class_id(m, STR("C")), 2);
    CHECK_EQ_INT(ap_class_id(m, STR("D")), -1);
    uint32_t right = 0;
    for (uint32_t i = 0; i < TOY_N; i++) {
        uint64_t f[8];
        size_t n;
        uint32_t gold;
        toy_example(i, f, &n, &gold);
        right += ap_best(m, f, n, NULL) == gold;
    }
    CHECK_EQ_INT(right, TOY_N);
    ap_model_free(m);
    model_close(mf);
    xfree(p);
}

static void t_deterministic(void)
{
    size_t l1, l2, l3;
    void *a = toy_file(7, &l1), *b = toy_file(7, &l2), *c = toy_file(8, &l3);
    CHECK(l1 == l2 && memcmp(a, b, l1) == 0);
    (void)c; /* another seed may or may not give other weights */
    xfree(a);
    xfree(b);
    xfree(c);
}

/* Trainer scores (current weights) and model scores (averaged) differ,
 * but writing, reading and rewriting must preserve the model exactly;
 * and the file round trip through disk gives identical scores. */
static void t_round_trip(void)
{
    size_t len;
    void *p = toy_file(3, &len);
    char path[] = "/tmp/test_ap_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK((size_t)write(fd, p, len) == len);
    close(fd);
    model_file *m1, *m2;
    ap_model *a1, *a2;
    ds_err e;
    CHECK_EQ_INT(model_open_mem(p, len, NULL, &m1, &e), DS_OK);
    CHECK_EQ_INT(model_open_file(path, &m2, &e), DS_OK);
    CHECK_EQ_INT(model_kind_of(m2), MODEL_KIND_TEST);
    CHECK_EQ_INT(model_size(m2), len);
    CHECK_EQ_INT(ap_model_load(m1, "toy", &a1, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(m2, "toy", &a2, &e), DS_OK);
    for (uint32_t i = 0; i < 50; i++) {
        uint64_t f[8];
        size_t n;
        uint32_t gold;
        toy_example(i, f, &n, &gold);
        float s1[3], s2[3];
        ap_score(a1, f, n, s1);
        ap_score(a2, f, n, s2);
        CHECK(memcmp(s1, s2, sizeof s1) == 0);
        int32_t acc[3] = {0, 0, 0};
        ap_score_add(a1, f, n, acc);
        CHECK(acc[0] * ap_scale(a1) == s1[0]);
    }
    const ap_weight *w;
    CHECK(ap_lookup(a1, ap_feat(1, 0), &w) >= 1);
    CHECK_EQ_INT(ap_lookup(a1, ap_feat(99, 0), &w), 0);
    ap_model_free(a1);
    ap_model_free(a2);
    model_close(m1);
    model_close(m2);
    unlink(path);
    xfree(p);
}

/* ap_score_add_rows gives each row what ap_score_add gives it alone:
 * 80 features (more than one batch), a third of them unknown, spread
 * over 7 rows in no order. */
static void t_score_rows(void)
{
    size_t len;
    void *p = toy_file(3, &len);
    model_file *mf;
    ap_model *m;
    ds_err e;
    CHECK_EQ_INT(model_open_mem(p, len, NULL, &mf, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_OK);
    enum { N = 80, ROWS = 7, STRIDE = 4 };
    uint64_t f[N];
    uint32_t row[N];
    int32_t one[ROWS * STRIDE] = {0}, all[ROWS * STRIDE] = {0};
    for (uint32_t i = 0; i < N; i++) {
        f[i] = i % 3 == 2 ? ap_feat(99, i) : ap_feat(1 + i % 4, (i * 7u) % 5);
        row[i] = (i * 5u + i / 3) % ROWS;
        ap_score_add(m, &f[i], 1, one + row[i] * STRIDE);
    }
    ap_score_add_rows(m, f, row, N, all, STRIDE);
    CHECK(memcmp(one, all, sizeof one) == 0);
    /* The same through the queue, vector by vector, with room asked for
     * 60 at a time so that it is looked up and emptied along the way. */
    int32_t queued[ROWS * STRIDE] = {0};
    ap_rows q;
    ap_rows_init(&q, m, queued, STRIDE);
    size_t flushes = 0;
    for (uint32_t r = 0; r < ROWS; r++) {
        size_t before = q.n;
        uint64_t *room = ap_rows_room(&q, 60);
        flushes += q.n < before;
        size_t k = 0;
        for (uint32_t i = 0; i < N; i++) {
            if (row[i] == r) {
                room[k++] = f[i];
            }
        }
        ap_rows_add(&q, k, r);
    }
    ap_rows_flush(&q);
    CHECK_EQ_INT(q.n, 0);
    CHECK(flushes > 0);
    CHECK(memcmp(one, queued, sizeof one) == 0);
    bool any = false;
    for (size_t k = 0; k < ROWS * STRIDE; k++) {
        any |= all[k] != 0;
    }
    CHECK(any);
    ap_model_free(m);
    model_close(mf);
    xfree(p);
}

static void t_pruning(void)
{
    ap_train_opts o = {1000, 0.0}; /* every feature below min_count */
    ap_trainer *tr = ap_trainer_new(toy_names, 3, &o);
    uint64_t f[8];
    size_t n;
    uint32_t gold;
    for (uint32_t i = 0; i < 30; i++) {
        toy_example(i, f, &n, &gold);
        ap_train_update(tr, f, n, gold, ap_trainer_best(tr, f, n));
    }
    model_writer *w = model_writer_new(MODEL_KIND_TEST);
    ap_train_stats st;
    ds_err e;
    CHECK_EQ_INT(ap_trainer_write(tr, w, "toy", &st, &e), DS_OK);
    CHECK_EQ_INT(st.n_kept, 0);
    CHECK(st.n_weighted > 0);
    size_t len;
    void *p = model_writer_take(w, &len);
    model_file *mf;
    ap_model *m;
    CHECK_EQ_INT(model_open_mem(p, len, NULL, &mf, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_OK);
    CHECK_EQ_INT(ap_n_features(m), 0);
    CHECK_EQ_INT(ap_best(m, f, n, NULL), 0);
    ap_model_free(m);
    model_close(mf);
    xfree(p);
    model_writer_free(w);
    ap_trainer_free(tr);
}

/* ---- corrupt files ---- */

static void t_truncated(void)
{
    size_t len;
    void *p = toy_file(1, &len);
    ds_err e;
    for (size_t l = 0; l < len; l++) {
        model_file *mf = NULL;
        ds_rc rc = model_open_mem(p, l, "toy.model", &mf, &e);
        CHECK_EQ_INT(rc, DS_EFORMAT);
        CHECK(mf == NULL);
        CHECK(strncmp(e.msg, "toy.model: ", 11) == 0);
    }
    model_file *mf = NULL;
    CHECK_EQ_INT(model_open_mem(p, len / 2, "toy.model", &mf, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "truncated") != NULL);
    xfree(p);
}

static void t_flipped(void)
{
    size_t len;
    unsigned char *p = toy_file(1, &len);
    ds_err e;
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            p[i] ^= (unsigned char)(1u << bit);
            model_file *mf = NULL;
            ds_rc rc = model_open_mem(p, len, "m", &mf, &e);
            CHECK_EQ_INT(rc, DS_EFORMAT);
            model_close(mf);
            p[i] ^= (unsigned char)(1u << bit);
        }
    }
    p[200 % len] ^= 1;
    model_file *mf = NULL;
    if (model_open_mem(p, len, "models/x.model", &mf, &e) == DS_EFORMAT &&
        len > 200) {
        CHECK_STR(e.msg, "models/x.model: checksum mismatch (file altered or "
                         "damaged)");
    }
    xfree(p);
}

/* A 4-class model with one feature whose weights are (cls, w) pairs e[4],
 * written by hand as a full row: "<P>.ent" is the header word 4, then
 * the pairs, and the slot points at word 1. */
static ds_rc full_row_model(const ap_ent *e4, model_file **mf, void **out_buf,
                            ds_err *e)
{
    const uint64_t key = ap_feat(7, 7);
    ap_hdr h = {AP_SECTION_VERSION, 4, 2, 1, 5, 0.5f, 0};
    ap_slot tab[2] = {0, 0};
    tab[ap_home(key, 2)] = ap_slot_make(key, 1);
    ap_ent ent[5];
    const uint32_t n = 4;
    memcpy(&ent[0], &n, sizeof n);
    memcpy(&ent[1], e4, 4 * sizeof *e4);
    unsigned char cls[5 * 4 + 4];
    for (uint32_t c = 0; c <= 4; c++) {
        memcpy(cls + c * 4, &c, 4);
    }
    memcpy(cls + 20, "abcd", 4);
    model_writer *w = model_writer_new(MODEL_KIND_TEST);
    ds_rc rc;
    if ((rc = model_writer_add(w, "toy.hdr", &h, sizeof h, e)) != DS_OK ||
        (rc = model_writer_add(w, "toy.cls", cls, sizeof cls, e)) != DS_OK ||
        (rc = model_writer_add(w, "toy.tab", tab, sizeof tab, e)) != DS_OK ||
        (rc = model_writer_add(w, "toy.ent", ent, sizeof ent, e)) != DS_OK) {
        model_writer_free(w);
        return rc;
    }
    size_t len;
    *out_buf = model_writer_take(w, &len);
    model_writer_free(w);
    return model_open_mem(*out_buf, len, "full", mf, e);
}

static void t_full_rows(void)
{
    /* A trained feature with weights for every class is a full row. */
    const str names[6] = {STR("a"), STR("b"), STR("c"),
                          STR("d"), STR("e"), STR("f")};
    ap_trainer *tr = ap_trainer_new(names, 6, NULL);
    for (uint32_t i = 0; i < 60; i++) {
        uint64_t f[2] = {ap_feat(1, 0), ap_feat(2, i % 6)};
        ap_train_update(tr, f, 2, i % 6, (i + 1) % 6);
    }
    model_writer *w = model_writer_new(MODEL_KIND_TEST);
    ds_err e;
    CHECK_EQ_INT(ap_trainer_write(tr, w, "toy", NULL, &e), DS_OK);
    size_t len;
    void *p = model_writer_take(w, &len);
    model_writer_free(w);
    ap_trainer_free(tr);
    model_file *mf;
    ap_model *m;
    CHECK_EQ_INT(model_open_mem(p, len, NULL, &mf, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_OK);
    const ap_weight *x;
    uint32_t n = ap_lookup(m, ap_feat(1, 0), &x);
    CHECK_EQ_INT(n, 6);
    int32_t fast[6] = {0}, slow[6] = {0};
    ap_weights_add(fast, x, n, 6);
    for (uint32_t c = 0; c < n; c++) {
        CHECK_EQ_INT(x[c].cls, c);
        slow[x[c].cls] += x[c].w;
    }
    CHECK(memcmp(fast, slow, sizeof fast) == 0);
    ap_model_free(m);
    model_close(mf);
    xfree(p);

    /* Negative weights come out sign-extended; classes out of order in a
     * full row are refused at loading. */
    ap_ent good[4] = {{0, -3}, {1, 0}, {2, 32767}, {3, -32767}};
    void *mem = NULL;
    CHECK_EQ_INT(full_row_model(good, &mf, &mem, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_OK);
    n = ap_lookup(m, ap_feat(7, 7), &x);
    CHECK_EQ_INT(n, 4);
    int32_t acc[4] = {10, 10, 10, 10};
    ap_weights_add(acc, x, n, 4);
    CHECK_EQ_INT(acc[0], 7);
    CHECK_EQ_INT(acc[1], 10);
    CHECK_EQ_INT(acc[2], 32777);
    CHECK_EQ_INT(acc[3], -32757);
    ap_model_free(m);
    model_close(mf);
    xfree(mem);
    ap_ent bad[4] = {{1, 1}, {0, 2}, {2, 3}, {3, 4}};
    CHECK_EQ_INT(full_row_model(bad, &mf, &mem, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "full row") != NULL);
    model_close(mf);
    xfree(mem);
}

static void put64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

static void reseal(unsigned char *p, size_t len)
{
    /* Recompute the checksum so that the structural checks are reached. */
    put64(p + 24, model_file_checksum(p, len));
}

/* The offset and size of section `tag` in a model held in p[0, len). */
static size_t sec_at(const unsigned char *p, size_t len, const char *tag,
                     size_t *out_n)
{
    model_file *mf = NULL;
    ds_err e;
    const void *sp = NULL;
    *out_n = 0;
    if (model_open_mem(p, len, "m", &mf, &e) != DS_OK ||
        !model_section(mf, tag, &sp, out_n)) {
        model_close(mf);
        return 0;
    }
    size_t off = (size_t)((const unsigned char *)sp - p);
    model_close(mf);
    return off;
}

static void t_header_checks(void)
{
    size_t len;
    unsigned char *p = toy_file(1, &len);
    unsigned char *q = xmalloc(len);
    model_file *mf = NULL;
    ds_err e;

    memcpy(q, p, len);
    q[0] = 'X';
    CHECK_EQ_INT(model_open_mem(q, len, "m", &mf, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "bad magic") != NULL);

    memcpy(q, p, len);
    q[4] = 9;
    reseal(q, len);
    CHECK_EQ_INT(model_open_mem(q, len, "m", &mf, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "m: model format version 9, this program reads version 1");

    /* First section's size pushed past the end of the file. */
    memcpy(q, p, len);
    put64(q + 32 + 16, len);
    reseal(q, len);
    CHECK_EQ_INT(model_open_mem(q, len, "m", &mf, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "m: section 'toy.hdr' extends past end of file");

    /* Offset that wraps around. */
    memcpy(q, p, len);
    put64(q + 32 + 8, UINT64_MAX - 7);
    reseal(q, len);
    CHECK_EQ_INT(model_open_mem(q, len, "m", &mf, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "extends past end of file") != NULL);

    /* Section count beyond the table. */
    memcpy(q, p, len);
    q[12] = 60;
    reseal(q, len);
    CHECK_EQ_INT(model_open_mem(q, len, "m", &mf, &e), DS_EFORMAT);

    /* A valid container whose ap header lies: the ap loader says so. */
    memcpy(q, p, len);
    size_t hn;
    size_t hoff = sec_at(q, len, "toy.hdr", &hn);
    CHECK(hoff != 0 && hn == sizeof(ap_hdr));
    q[hoff + 4] = 0xff; /* n_classes */
    q[hoff + 5] = 0xff;
    reseal(q, len);
    CHECK_EQ_INT(model_open_mem(q, len, "m", &mf, &e), DS_OK);
    ap_model *am = NULL;
    CHECK_EQ_INT(ap_model_load(mf, "toy", &am, &e), DS_EFORMAT);
    CHECK(am == NULL);
    CHECK_EQ_INT(ap_model_load(mf, "zz", &am, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "m: missing section 'zz.hdr'");
    model_close(mf);

    /* Unaligned buffer: copied, still fine. */
    unsigned char *u = xmalloc(len + 1);
    memcpy(u + 1, p, len);
    CHECK_EQ_INT(model_open_mem(u + 1, len, "m", &mf, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &am, &e), DS_OK);
    ap_model_free(am);
    model_close(mf);
    xfree(u);

    xfree(q);
    xfree(p);
}

/* ---- the table format (section version 2, ap_int.h) ---- */

static uint32_t get32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static void put32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

/* Reseals q and loads prefix "toy": the rc, the message in e. */
static ds_rc load_toy(unsigned char *q, size_t len, ds_err *e)
{
    reseal(q, len);
    model_file *mf = NULL;
    ds_rc rc = model_open_mem(q, len, "m", &mf, e);
    if (rc != DS_OK) {
        return rc;
    }
    ap_model *m = NULL;
    rc = ap_model_load(mf, "toy", &m, e);
    ap_model_free(m);
    model_close(mf);
    return rc;
}

/* The toy features' occurrences in the first epoch (toy_example): the
 * bias 300, each class marker 100, each value of template 3 75, of
 * template 2 60. */
static uint32_t toy_count(uint32_t tpl)
{
    static const uint32_t count[5] = {0, 100, 60, 75, 300};
    return count[tpl];
}

typedef struct toy_list {
    uint32_t start, n, count;
} toy_list;

static int cmp_toy_list(const void *a, const void *b)
{
    uint32_t x = ((const toy_list *)a)->start, y = ((const toy_list *)b)->start;
    return x < y ? -1 : x > y;
}

/* What the writer stores: 8-byte slots of (low 40 key bits << 24) |
 * start, each start one word after a header n that ap_lookup returns,
 * the lists tiling "<P>.ent", the most frequent features first. */
static void t_slot_layout(void)
{
    size_t len;
    unsigned char *p = toy_file(1, &len);
    size_t hn, tn, en;
    size_t ho = sec_at(p, len, "toy.hdr", &hn);
    size_t to = sec_at(p, len, "toy.tab", &tn);
    size_t eo = sec_at(p, len, "toy.ent", &en);
    CHECK(ho && to && eo);
    ap_hdr h;
    CHECK_EQ_INT(hn, sizeof h);
    memcpy(&h, p + ho, sizeof h);
    CHECK_EQ_INT(h.version, 2);
    CHECK_EQ_INT(tn, (size_t)h.cap * 8);
    CHECK_EQ_INT(en, h.n_words * 4);
    model_file *mf;
    ap_model *m;
    ds_err e;
    CHECK_EQ_INT(model_open_mem(p, len, "m", &mf, &e), DS_OK);
    CHECK_EQ_INT(ap_model_load(mf, "toy", &m, &e), DS_OK);
    const ap_weight *w;
    uint32_t found = 0;
    toy_list lists[32];
    for (uint32_t s = 0; s < h.cap; s++) {
        uint64_t v;
        memcpy(&v, p + to + (size_t)s * 8, 8);
        if (!v) {
            continue;
        }
        uint32_t start = (uint32_t)(v & 0xffffff);
        uint32_t n = get32(p + eo + (size_t)(start - 1) * 4);
        /* Any key with these low 40 bits probing from here matches: find
         * the toy feature by its template and value. */
        for (uint32_t tpl = 1; tpl <= 4; tpl++) {
            for (uint64_t val = 0; val < 5; val++) {
                uint64_t k = ap_feat(tpl, val);
                if ((k & 0xffffffffffULL) == v >> 24) {
                    CHECK_EQ_INT(ap_lookup(m, k, &w), n);
                    CHECK(w ==
                          (const ap_weight *)(const void *)(p + eo) + start);
                    if (found < 32) {
                        lists[found] = (toy_list){start, n, toy_count(tpl)};
                    }
                    found++;
                }
            }
        }
    }
    CHECK(found <= 32);
    qsort(lists, found, sizeof *lists, cmp_toy_list);
    uint64_t next = 1;
    for (uint32_t i = 0; i < found && i < 32; i++) {
        CHECK_EQ_INT(lists[i].start, next);
        next = lists[i].start + lists[i].n + 1;
        if (i > 0) {
            CHECK(lists[i].count <= lists[i - 1].count);
        }
    }
    CHECK_EQ_INT(next, h.n_words + 1);
    CHECK_EQ_INT(found, h.n_feats);
    /* The fingerprint is the low 40 bits: a key that differs only above
     * them and has the same home slot (bits 32-39 of the key are not in
     * the top 24 bits of the high word, so it has) reads the same list:
     * the false match doc/FORMATS.md counts with. */
    uint64_t k = ap_feat(1, 0);
    const ap_weight *w2;
    uint32_t n1 = ap_lookup(m, k, &w);
    CHECK(n1 > 0);
    uint64_t k1 = k ^ (1ULL << 39), k2 = k ^ (1ULL << 40);
    CHECK_EQ_INT(ap_home(k1, h.cap), ap_home(k, h.cap));
    CHECK_EQ_INT(ap_lookup(m, k1, &w2), 0); /* bit 39: in the fingerprint */
    CHECK_EQ_INT(ap_home(k2, h.cap), ap_home(k, h.cap));
    CHECK_EQ_INT(ap_lookup(m, k2, &w2), n1);
    CHECK(w2 == w);
    ap_model_free(m);
    model_close(mf);
    xfree(p);
}

/* Damaged lists and slots (resealed, so that the checksum passes): each
 * refused with its reason, never read out of bounds (make SAN=1). */
static void t_slot_corrupt(void)
{
    size_t len;
    unsigned char *p = toy_file(1, &len);
    unsigned char *q = xmalloc(len);
    size_t hn, tn, en;
    size_t ho = sec_at(p, len, "toy.hdr", &hn);
    size_t to = sec_at(p, len, "toy.tab", &tn);
    size_t eo = sec_at(p, len, "toy.ent", &en);
    ap_hdr h;
    memcpy(&h, p + ho, sizeof h);
    /* The slot whose list starts at word 1, the one whose list is last. */
    uint32_t s0 = h.cap, sl = h.cap, startl = 0;
    uint64_t v0 = 0, vl = 0;
    for (uint32_t s = 0; s < h.cap; s++) {
        uint64_t v;
        memcpy(&v, p + to + (size_t)s * 8, 8);
        if (v && (v & 0xffffff) == 1) {
            s0 = s;
            v0 = v;
        }
        if (v && (v & 0xffffff) > startl) {
            sl = s;
            vl = v;
            startl = (uint32_t)(v & 0xffffff);
        }
    }
    CHECK(s0 < h.cap && sl < h.cap && sl != s0);
    uint32_t n0 = get32(p + eo);
    ds_err e;

    memcpy(q, p, len);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_OK);

    /* Header n: 0, more than the classes, one too few (the next list is
     * then not where its slot says), past the end of the section. */
    memcpy(q, p, len);
    put32(q + eo, 0);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "m: section 'toy.ent' word 0: a list of 0 weights "
                     "(1 to 3)");
    memcpy(q, p, len);
    put32(q + eo, 4);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "a list of 4 weights") != NULL);
    if (n0 > 1) {
        memcpy(q, p, len);
        put32(q + eo, n0 - 1);
        CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
        char want[128];
        snprintf(want, sizeof want,
                 "m: section 'toy.ent' word %u: no slot's list starts here "
                 "(the lists must tile the section)",
                 n0);
        CHECK_STR(e.msg, want);
    }
    /* The last list made longer than what is left. */
    uint32_t nl = get32(p + eo + (size_t)(startl - 1) * 4);
    if (nl < 3) {
        memcpy(q, p, len);
        put32(q + eo + (size_t)(startl - 1) * 4, nl + 1);
        CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
        CHECK(strstr(e.msg, "extends past its end") != NULL);
    }

    /* A slot's start: 0, past the section, the largest value. */
    const uint32_t bad_start[] = {0, (uint32_t)h.n_words, 0xffffff};
    for (size_t i = 0; i < 3; i++) {
        memcpy(q, p, len);
        put64(q + to + (size_t)s0 * 8, (v0 & ~0xffffffULL) | bad_start[i]);
        CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
        CHECK(strstr(e.msg, "points outside 'toy.ent'") != NULL);
    }
    /* A start inside the section but not where the lists say: word 0
     * then heads no list. */
    memcpy(q, p, len);
    put64(q + to + (size_t)s0 * 8, (v0 & ~0xffffffULL) | 2);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "word 0: no slot's list starts here") != NULL);
    /* Two slots pointing to one list. */
    memcpy(q, p, len);
    put64(q + to + (size_t)sl * 8, (vl & ~0xffffffULL) | 1);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "points to word 1 of 'toy.ent', as an earlier slot "
                        "does") != NULL);
    /* One more slot (and feature in the header) whose header word is a
     * pair inside the first list: the other lists still tile the section,
     * but reading that one would take a pair for a length. */
    if (n0 > 1) {
        uint32_t se = 0;
        for (; se < h.cap; se++) {
            uint64_t v;
            memcpy(&v, p + to + (size_t)se * 8, 8);
            if (!v) {
                break;
            }
        }
        CHECK(se < h.cap && h.n_feats + 2 < h.cap);
        memcpy(q, p, len);
        put64(q + to + (size_t)se * 8, (UINT64_C(0x123456789a) << 24) | 3);
        ap_hdr h2 = h;
        h2.n_feats++;
        memcpy(q + ho, &h2, sizeof h2);
        CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
        CHECK(strstr(e.msg, "of them tile 'toy.ent' (the others overlap "
                            "them)") != NULL);
    }

    /* A class out of range, classes out of order. */
    memcpy(q, p, len);
    q[eo + 4] = 3; /* the first pair's class (little-endian u16) */
    q[eo + 5] = 0;
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "word 1: class 3 ") != NULL); /* (maybe a full row) */
    if (n0 > 1) {
        memcpy(q, p, len);
        unsigned char t[4];
        memcpy(t, q + eo + 4, 4); /* swap the first two pairs */
        memcpy(q + eo + 4, q + eo + 8, 4);
        memcpy(q + eo + 8, t, 4);
        CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
        CHECK(strstr(e.msg, "word 2: class ") != NULL &&
              strstr(e.msg, "order") != NULL);
    }

    /* Header words: more than AP_MAX_WORDS, or not the section's size. */
    memcpy(q, p, len);
    put64(q + ho + 16, AP_MAX_WORDS + 1);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "(at most 16777216)") != NULL);
    memcpy(q, p, len);
    put64(q + ho + 16, h.n_words - 1);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);
    /* A slot emptied: fewer features than the header says (the lists
     * after it are then out of place first). */
    memcpy(q, p, len);
    put64(q + to + (size_t)s0 * 8, 0);
    CHECK_EQ_INT(load_toy(q, len, &e), DS_EFORMAT);

    xfree(q);
    xfree(p);
}

/* A file of section version 1 (16-byte slots) is refused with a message
 * to retrain, whatever its tables hold. */
static void t_version1_refused(void)
{
    size_t len;
    unsigned char *p = toy_file(1, &len);
    size_t hn;
    size_t ho = sec_at(p, len, "toy.hdr", &hn);
    put32(p + ho, 1);
    ds_err e;
    CHECK_EQ_INT(load_toy(p, len, &e), DS_EFORMAT);
    /* (strcmp: CHECK_STR's report of a string this long would be cut) */
    CHECK(strcmp(e.msg, "m: 'toy' model has perceptron sections of version 1 "
                        "(16-byte table slots), this program reads version "
                        "2: retrain the model (`make models` rebuilds the "
                        "shipped ones)") == 0);
    put32(p + ho, 3);
    CHECK_EQ_INT(load_toy(p, len, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "m: 'toy' model version 3, expected 2");
    xfree(p);
}

/* The writer's limits: the words its 24-bit starts address, and two
 * features with the same fingerprint on one probe path. */
static void t_writer_limits(void)
{
    ds_err e;
    CHECK_EQ_INT(ap_check_words("pos", AP_MAX_WORDS, &e), DS_OK);
    CHECK_EQ_INT(ap_check_words("pos", AP_MAX_WORDS + 1, &e), DS_ETOOBIG);
    CHECK_STR(e.msg, "'pos' model: 16777217 words of weights and list "
                     "headers, more than the 16777216 (2^24) that the "
                     "table's 24-bit starts address");

    /* k and k + 2^40: the same low 40 bits, high words 256 apart, so the
     * same home slot in a small table: the second would be unreachable. */
    const uint64_t k = 0x123456789abcdef1ULL;
    for (int clash = 0; clash < 2; clash++) {
        ap_trainer *tr = ap_trainer_new(toy_names, 3, NULL);
        uint64_t f[3] = {k, clash ? k + (1ULL << 40) : k + (1ULL << 39),
                         ap_feat(4, 0)};
        for (uint32_t i = 0; i < 12; i++) {
            ap_train_update(tr, f, 3, i % 3, (i + 1) % 3);
        }
        model_writer *w = model_writer_new(MODEL_KIND_TEST);
        ds_rc rc = ap_trainer_write(tr, w, "toy", NULL, &e);
        if (clash) {
            CHECK_EQ_INT(rc, DS_EINVAL);
            CHECK(strstr(e.msg, "same 40-bit fingerprint") != NULL);
        } else {
            CHECK_EQ_INT(rc, DS_OK);
        }
        model_writer_free(w);
        ap_trainer_free(tr);
    }
}

static void t_open_file_errors(void)
{
    model_file *mf = NULL;
    ds_err e;
    CHECK_EQ_INT(model_open_file("/nonexistent/x.model", &mf, &e),
                 DS_ENOTFOUND);
    CHECK(strstr(e.msg, "/nonexistent/x.model") != NULL);
    CHECK_EQ_INT(model_open_file("/dev/null", &mf, &e), DS_EIO);
    model_writer *w = model_writer_new(1);
    CHECK_EQ_INT(model_writer_add(w, "abc", "x", 1, &e), DS_OK);
    CHECK_EQ_INT(model_writer_add(w, "abc", "x", 1, &e), DS_EINVAL);
    CHECK_EQ_INT(model_writer_add(w, "waytoolongtag", "x", 1, &e), DS_EINVAL);
    CHECK_EQ_INT(model_writer_add(w, "a b", "x", 1, &e), DS_EINVAL);
    CHECK_EQ_INT(model_writer_add(w, "empty", NULL, 0, &e), DS_OK);
    char path[] = "/tmp/test_ap_w_XXXXXX";
    int fd = mkstemp(path);
    close(fd);
    CHECK_EQ_INT(model_writer_write_file(w, path, &e), DS_OK);
    CHECK_EQ_INT(model_open_file(path, &mf, &e), DS_OK);
    const void *sp;
    size_t sn;
    CHECK(model_section(mf, "abc", &sp, &sn) && sn == 1 &&
          *(const char *)sp == 'x');
    CHECK(model_section(mf, "empty", &sp, &sn) && sn == 0);
    CHECK(!model_section(mf, "nope", &sp, &sn));
    model_close(mf);
    unlink(path);
    model_writer_free(w);
}

static bool even_only(const void *ctx, uint32_t c)
{
    (void)ctx;
    return c % 2 == 0;
}

/* The margin update's rival: the best other allowed class within the
 * margin, lowest id on ties, else the gold class (no update). */
static void t_margin_rival(void)
{
    const int32_t sc[5] = {10, 7, 9, 9, 2};
    CHECK_EQ_INT(ap_margin_rival(sc, 5, 0, 5, NULL, NULL), 2); /* tie 2, 3 */
    CHECK_EQ_INT(ap_margin_rival(sc, 5, 0, 1, NULL, NULL), 0); /* 10-9 >= 1 */
    CHECK_EQ_INT(ap_margin_rival(sc, 5, 0, 2, NULL, NULL), 2);
    CHECK_EQ_INT(ap_margin_rival(sc, 5, 0, 0, NULL, NULL), 0); /* no margin */
    CHECK_EQ_INT(ap_margin_rival(sc, 5, 1, 100, even_only, NULL), 0);
    CHECK_EQ_INT(ap_margin_rival(sc, 5, 0, 100, even_only, NULL), 2);
    CHECK_EQ_INT(ap_margin_rival(sc, 1, 0, 100, NULL, NULL), 0); /* alone */
}

static void t_vcache(void)
{
    ap_vcache *c = ap_vcache_new(5, 3); /* 8 slots */
    bool fresh;
    int32_t *v = ap_vcache_get(c, 42, &fresh);
    CHECK(fresh);
    CHECK(v[0] == 0 && v[2] == 0);
    v[1] = 7;
    v = ap_vcache_get(c, 42, &fresh);
    CHECK(!fresh && v[1] == 7);
    ap_vcache_clear(c);
    v = ap_vcache_get(c, 42, &fresh);
    CHECK(fresh && v[1] == 0);
    ap_vcache_free(c);
}

int main(void)
{
    RUN(t_hash_stable);
    RUN(t_hash_pinned);
    RUN(t_toy_learns);
    RUN(t_deterministic);
    RUN(t_score_rows);
    RUN(t_round_trip);
    RUN(t_pruning);
    RUN(t_truncated);
    RUN(t_flipped);
    RUN(t_header_checks);
    RUN(t_open_file_errors);
    RUN(t_vcache);
    RUN(t_full_rows);
    RUN(t_margin_rival);
    RUN(t_slot_layout);
    RUN(t_slot_corrupt);
    RUN(t_version1_refused);
    RUN(t_writer_limits);
    return harness_done();
}
