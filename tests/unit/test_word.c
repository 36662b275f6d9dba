/* test_word.c - what the taggers read off a word form (nlp/word.h): shapes
 * and counts, affixes, and the word-class tables. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../harness.h"
#include "nlp/ap.h"
#include "nlp/model.h"
#include "nlp/word.h"
#include "util/xalloc.h"

static void t_shape(void)
{
    word_shape w;
    word_shape_of(STR("McDonald-2"), WORD_LOW_MAX, &w);
    CHECK_EQ_INT(w.n_chars, 10);
    CHECK_EQ_INT(w.n_upper, 2);
    CHECK_EQ_INT(w.n_digit, 1);
    CHECK(w.first_upper && w.later_upper && w.hyphen && !w.period);
    CHECK(w.n_low == 10 && memcmp(w.low, "mcdonald-2", 10) == 0);
    CHECK(w.lower == ap_hash("mcdonald-2", 10));
    CHECK(w.form == ap_hash("McDonald-2", 10));
    word_shape v;
    word_shape_of(STR("Smith"), WORD_LOW_MAX, &v);
    word_shape u;
    word_shape_of(STR("Jones"), WORD_LOW_MAX, &u);
    CHECK(v.shape == u.shape && v.sshape == u.sshape);
    word_shape_of(STR("smith"), WORD_LOW_MAX, &u);
    CHECK(v.sshape != u.sshape && v.lower == u.lower);
}

static void t_affixes(void)
{
    word_shape w;
    word_shape_of(STR("Running"), WORD_LOW_MAX, &w);
    uint64_t pre[4], suf[5];
    word_affixes(&w, pre, 4, suf, 5);
    CHECK(pre[0] == ap_hash("r", 1) && pre[3] == ap_hash("runn", 4));
    CHECK(suf[0] == ap_hash("g", 1) && suf[2] == ap_hash("ing", 3));
    word_shape_of(STR("at"), WORD_LOW_MAX, &w);
    word_affixes(&w, pre, 4, suf, 5);
    CHECK(pre[3] == ap_hash("at", 2) && suf[4] == ap_hash("at", 2));
}

static const char *write_tmp(const char *text, char *path)
{
    strcpy(path, "/tmp/test_word_XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    return path;
}

static uint32_t cls(const uint64_t *t, uint32_t cap, const char *w)
{
    return word_class_get(t, cap, ap_hash(w, strlen(w)));
}

static void t_classes(void)
{
    char path[64];
    uint64_t *t;
    uint32_t cap, n;
    size_t words;
    ds_err e;
    write_tmp("Paris\t3\nparis\t7\nthe\t0\nthe\t5\n\nLondon\t3\n", path);
    CHECK_EQ_INT(word_class_load(path, &t, &cap, &n, &words, &e), DS_OK);
    CHECK_EQ_INT(words, 4); /* "the" twice: one entry */
    CHECK_EQ_INT(n, 8);     /* classes 0..7, stored + 1 */
    CHECK_EQ_INT(cls(t, cap, "Paris"), 4);
    CHECK_EQ_INT(cls(t, cap, "paris"), 8);
    CHECK_EQ_INT(cls(t, cap, "London"), 4);
    CHECK_EQ_INT(cls(t, cap, "the"), 1); /* the smallest class stays */
    CHECK_EQ_INT(cls(t, cap, "Berlin"), 0);
    CHECK_EQ_INT(word_class_get(t, 0, ap_hash("Paris", 5)), 0);
    bool has_empty = false;
    for (uint32_t i = 0; i < cap; i++) {
        has_empty |= t[i] == 0;
    }
    CHECK(has_empty);
    /* The same lines in another order give the same table. */
    uint64_t *t2;
    uint32_t cap2;
    write_tmp("London\t3\nthe\t5\nthe\t0\nparis\t7\nParis\t3\n", path);
    CHECK_EQ_INT(word_class_load(path, &t2, &cap2, &n, &words, &e), DS_OK);
    CHECK(cap2 == cap && memcmp(t, t2, cap * sizeof *t) == 0);
    xfree(t);
    xfree(t2);
    /* Bad lines name the file and the line. */
    static const char *const bad[] = {"a\t1\nb 2\n", "a\t1\n\tb\n", "a\t-1\n",
                                      "a\tx\n", "a\t65534\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_tmp(bad[i], path);
        CHECK_EQ_INT(word_class_load(path, &t, &cap, &n, &words, &e),
                     DS_EFORMAT);
        CHECK(strstr(e.msg, path) != NULL);
        CHECK(strstr(e.msg, i < 2 ? ":2:" : ":1:") != NULL);
        CHECK(t == NULL);
        unlink(path);
    }
    CHECK(word_class_load("/nonexistent/classes.txt", &t, &cap, &n, &words,
                          &e) != DS_OK);
    CHECK(strstr(e.msg, "/nonexistent/classes.txt") != NULL);
}

/* A model file with one section "t.clu" of the given slots. */
static model_file *clu_file(const uint64_t *slots, size_t n, void **mem)
{
    model_writer *w = model_writer_new(MODEL_KIND_TEST);
    ds_err e;
    CHECK_EQ_INT(model_writer_add(w, "t.clu", slots, n * 8, &e), DS_OK);
    size_t len;
    *mem = model_writer_take(w, &len);
    model_writer_free(w);
    model_file *mf = NULL;
    CHECK_EQ_INT(model_open_mem(*mem, len, "m", &mf, &e), DS_OK);
    return mf;
}

static void t_class_section(void)
{
    uint64_t key = word_class_key(ap_hash("Paris", 5));
    uint64_t good[3] = {0, key | 4, 0};
    void *mem;
    model_file *mf = clu_file(good, 3, &mem);
    const uint64_t *t;
    ds_err e;
    CHECK_EQ_INT(word_class_section(mf, "t.clu", 3, 4, &t, &e), DS_OK);
    CHECK(t != NULL);
    CHECK_EQ_INT(word_class_section(mf, "t.clu", 0, 4, &t, &e), DS_OK);
    CHECK(t == NULL); /* no table */
    CHECK_EQ_INT(word_class_section(mf, "t.clu", 2, 4, &t, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "has 24 bytes for 2 slots") != NULL);
    CHECK_EQ_INT(word_class_section(mf, "t.clu", 3, 3, &t, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "slot 1 is bad") != NULL);
    CHECK_EQ_INT(word_class_section(mf, "x.clu", 3, 4, &t, &e), DS_EFORMAT);
    model_close(mf);
    xfree(mem);
    uint64_t full[2] = {key | 1, word_class_key(ap_hash("Rome", 4)) | 2};
    mf = clu_file(full, 2, &mem);
    CHECK_EQ_INT(word_class_section(mf, "t.clu", 2, 0, &t, &e), DS_EFORMAT);
    CHECK(strstr(e.msg, "m: section 't.clu' is full") != NULL);
    model_close(mf);
    xfree(mem);
}

int main(void)
{
    RUN(t_shape);
    RUN(t_affixes);
    RUN(t_classes);
    RUN(t_class_section);
    return harness_done();
}
