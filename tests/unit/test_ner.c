/* test_ner.c - the named-entity recognizer: features, tag schemes,
 * conlleval scoring, deterministic training, model files, and dev scores of
 * the shipped models (skipped when ../shared is absent). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "nlp/ap.h"
#include "nlp/model.h"
#include "nlp/ner.h"
#include "nlp/ner_eval.h"
#include "nlp/ner_int.h"
#include "nlp/tok.h"
#include "util/xalloc.h"

/* Dev F1 of the shipped models when they were trained (models/README.md);
 * the checks allow 0.3 less. */
#define CONLL_DEV_F1 92.59
#define WEB_DEV_F1   71.63

static void t_word_features(void)
{
    ner_word w;
    ner_word_init(&w, STR("McDonald"), (str){"", 0}, NULL);
    CHECK(w.shape == ap_hash("XxXxxx", 6));
    CHECK(w.sshape == ap_hash("XxXx", 4));
    CHECK(w.lower == ap_hash("mcdonald", 8));
    CHECK(w.lower == ner_lower_hash(STR("MCDONALD")));
    CHECK(w.pre[1] == ap_hash("mc", 2));
    CHECK(w.suf[2] == ap_hash("ald", 3));
    CHECK_EQ_INT(w.flags & 0xfff,
                 NER_F_INITCAP | NER_F_MIXED | NER_F_HASCAP | NER_F_ALPHA);
    CHECK_EQ_INT(w.flags >> 12, 5); /* 8 characters */
    ner_word_init(&w, STR("IBM"), (str){"", 0}, NULL);
    CHECK_EQ_INT(w.flags & 0xfff,
                 NER_F_INITCAP | NER_F_ALLCAP | NER_F_HASCAP | NER_F_ALPHA);
    ner_word_init(&w, STR("1996-08-22"), (str){"", 0}, NULL);
    CHECK(w.shape == ap_hash("ddd-dd-dd", 9));
    CHECK(w.flags & NER_F_DIGIT);
    CHECK(w.flags & NER_F_HYPHEN);
    /* Feature counts per offset, without and with POS. */
    uint64_t f[NER_MAX_WORD_FEATS];
    ner_word_init(&w, STR("Paris"), (str){"", 0}, NULL);
    CHECK_EQ_INT(ner_word_feats(&w, 0, false, f), 14);
    CHECK_EQ_INT(ner_word_feats(&w, 1, false, f), 8);
    CHECK_EQ_INT(ner_word_feats(&w, -2, false, f), 3);
    ner_word_init(&w, STR("Paris"), STR("NNP"), NULL);
    CHECK_EQ_INT(ner_word_feats(&w, 0, true, f), 16);
    CHECK_EQ_INT(ner_word_feats(&w, 0, false, f), 14);
    /* Features are stable values (they are part of the model format). */
    ner_word_init(&w, STR("Paris"), (str){"", 0}, NULL);
    ner_word_feats(&w, 0, false, f);
    uint64_t g[NER_MAX_WORD_FEATS];
    ner_word w2;
    ner_word_init(&w2, STR("Paris"), (str){"", 0}, NULL);
    ner_word_feats(&w2, 0, false, g);
    CHECK(memcmp(f, g, 14 * sizeof f[0]) == 0);
    ner_word_init(&w2, STR("paris"), (str){"", 0}, NULL);
    ner_word_feats(&w2, 0, false, g);
    CHECK(f[0] == g[0]); /* lower case */
    CHECK(f[3] != g[3]); /* form */
    /* The previous label is seen by the pair and label-word features
     * only; the context features are the same whatever it is. */
    uint64_t l0[4], l1[4];
    CHECK_EQ_INT(ner_p1w_feats(0, &w, l0), ner_p1w_feats(1, &w, l1));
    CHECK(l0[0] != l1[0]);
    ner_word pre, nx;
    ner_word_pseudo(&pre, 1);
    ner_word_pseudo(&nx, 3);
    ner_ctx c = {.prev = &pre, .cur = &w, .next = &nx, .first = true};
    uint64_t a[NER_MAX_CTX_FEATS], b[NER_MAX_CTX_FEATS];
    size_t na = ner_ctx_feats(&c, a);
    CHECK_EQ_INT(na, 4);
    c.gaz_cur = 4u << (4 * 3); /* a one-token country */
    c.doc = 2;
    size_t nb = ner_ctx_feats(&c, b);
    CHECK_EQ_INT(nb, 8);
    CHECK(memcmp(a, b, na * sizeof a[0]) == 0);
    uint64_t p[4], q[4];
    ner_p1w_feats(1, &w, p);
    ner_p1w_feats(2, &w, q);
    CHECK(p[0] != q[0] && p[1] != q[1]);
}

static void t_bilou_constraints(void)
{
    /* O=0, B-X=1, I-X=2, L-X=3, U-X=4, B-Y=5 ... */
    CHECK(ner_cls_allowed(NER_NO_LABEL, 1, false));
    CHECK(!ner_cls_allowed(NER_NO_LABEL, 2, false));
    CHECK(!ner_cls_allowed(NER_NO_LABEL, 1, true));
    CHECK(ner_cls_allowed(NER_NO_LABEL, 4, true));
    CHECK(ner_cls_allowed(1, 2, false));
    CHECK(ner_cls_allowed(1, 3, false));
    CHECK(!ner_cls_allowed(1, 0, false));
    CHECK(!ner_cls_allowed(1, 7, false)); /* L-Y after B-X */
    CHECK(!ner_cls_allowed(2, 2, true));
    CHECK(ner_cls_allowed(3, 5, false));
    CHECK(ner_cls_allowed(4, 0, true));
}

static void t_iob_chunks(void)
{
    /* IOB1: I- starts a chunk after O; B- separates two of one type. */
    str iob1[] = {STR("I-PER"), STR("I-PER"), STR("B-PER"), STR("O"),
                  STR("I-LOC"), STR("I-ORG"), STR("I-ORG")};
    uint32_t fi[8], la[8];
    str ty[8];
    size_t n = ner_tags_chunks(iob1, 7, fi, la, ty);
    CHECK_EQ_INT(n, 4);
    CHECK_EQ_INT(fi[0], 0);
    CHECK_EQ_INT(la[0], 1);
    CHECK_EQ_INT(fi[1], 2);
    CHECK_EQ_INT(la[1], 2);
    CHECK_EQ_INT(fi[2], 4);
    CHECK_EQ_INT(la[2], 4);
    CHECK(str_eq(ty[2], STR("LOC")));
    CHECK_EQ_INT(fi[3], 5);
    CHECK_EQ_INT(la[3], 6);
    CHECK(str_eq(ty[3], STR("ORG")));
    /* IOB2 and BILOU give the same chunks. */
    str iob2[] = {STR("B-PER"), STR("I-PER"), STR("B-PER"), STR("O"),
                  STR("B-LOC"), STR("B-ORG"), STR("I-ORG")};
    CHECK_EQ_INT(ner_tags_chunks(iob2, 7, fi, la, ty), 4);
    CHECK_EQ_INT(la[0], 1);
    CHECK_EQ_INT(fi[3], 5);
    str bilou[] = {STR("B-PER"), STR("L-PER"), STR("U-PER"), STR("O"),
                   STR("U-LOC"), STR("B-ORG"), STR("L-ORG")};
    /* conlleval knows B, I, E, S but not L and U: any of them continues a
     * chunk of the same type, so "B L U" of one type is one chunk. */
    CHECK_EQ_INT(ner_tags_chunks(bilou, 7, fi, la, ty), 3);
    CHECK_EQ_INT(la[0], 2);
    CHECK_EQ_INT(fi[2], 5);
    CHECK_EQ_INT(la[2], 6);
}

static void t_conlleval_iob2(void)
{
    static const char *gold[] = {"B-PER", "I-PER", "O",    "B-LOC",
                                 "O",     "B-ORG", "I-ORG"};
    static const char *gues[] = {"B-PER", "I-PER", "O", "B-ORG",
                                 "O",     "B-ORG", "O"};
    ner_scorer s;
    ner_scorer_init(&s, NULL);
    for (size_t i = 0; i < 7; i++) {
        ner_scorer_add(&s, str_c(gold[i]), str_c(gues[i]));
    }
    ner_scorer_boundary(&s);
    ner_eval ev;
    ner_scorer_finish(&s, &ev);
    CHECK_EQ_INT(ev.tokens, 7);
    CHECK_EQ_INT(ev.correct_tags, 5);
    CHECK_EQ_INT(ev.all.gold, 3);
    CHECK_EQ_INT(ev.all.guessed, 3);
    CHECK_EQ_INT(ev.all.correct, 1);
    CHECK(ev.all.f1 > 33.33 && ev.all.f1 < 33.34);
    CHECK_EQ_INT(ev.n_types, 3);
    CHECK_STR(ev.types[0].name, "LOC");
    CHECK_EQ_INT(ev.types[0].prf.gold, 1);
    CHECK_EQ_INT(ev.types[0].prf.guessed, 0);
    CHECK_STR(ev.types[1].name, "ORG");
    CHECK_EQ_INT(ev.types[1].prf.guessed, 2);
    CHECK_EQ_INT(ev.types[1].prf.correct, 0);
    CHECK_STR(ev.types[2].name, "PER");
    CHECK_EQ_INT(ev.types[2].prf.correct, 1);
    CHECK(ev.types[2].prf.f1 == 100.0);
}

static void t_conlleval_iob1(void)
{
    /* A sentence boundary closes chunks; I- after O opens one. */
    static const char *gold[] = {"I-PER", "I-PER", "B-PER", "O", "I-LOC"};
    static const char *gues[] = {"I-PER", "I-PER", "I-PER", "O", "B-LOC"};
    ner_scorer s;
    ner_scorer_init(&s, NULL);
    for (size_t i = 0; i < 5; i++) {
        ner_scorer_add(&s, str_c(gold[i]), str_c(gues[i]));
    }
    ner_scorer_boundary(&s);
    ner_scorer_add(&s, STR("I-MISC"), STR("I-MISC"));
    ner_eval ev;
    ner_scorer_finish(&s, &ev);
    CHECK_EQ_INT(ev.tokens, 6);
    CHECK_EQ_INT(ev.correct_tags, 4);
    CHECK_EQ_INT(ev.all.gold, 4);    /* PER, PER, LOC, MISC */
    CHECK_EQ_INT(ev.all.guessed, 3); /* PER(0-2), LOC, MISC */
    CHECK_EQ_INT(ev.all.correct, 2); /* LOC, MISC */
    /* --drop-types scores a type as O. */
    ner_scorer_init(&s, "LOC,MISC");
    for (size_t i = 0; i < 5; i++) {
        ner_scorer_add(&s, str_c(gold[i]), str_c(gues[i]));
    }
    ner_scorer_finish(&s, &ev);
    CHECK_EQ_INT(ev.all.gold, 2);
    CHECK_EQ_INT(ev.all.correct, 0);
}

static const char tiny_conll[] =
    "-DOCSTART- -X- -X- O\n\n"
    "John NNP B-NP I-PER\nSmith NNP I-NP I-PER\nvisited VBD B-VP O\n"
    "Paris NNP B-NP I-LOC\n. . O O\n\n"
    "Smith VBD B-VP I-PER\nlikes VBZ B-VP O\nIBM NNP B-NP I-ORG\n. . O O\n\n"
    "-DOCSTART- -X- -X- O\n\n"
    "Mary NNP B-NP I-PER\nworks VBZ B-VP O\nfor IN B-PP O\n"
    "Acme NNP B-NP I-ORG\nCorp NNP I-NP I-ORG\nin IN B-PP O\n"
    "London NNP B-NP I-LOC\n. . O O\n\n"
    "German JJ B-NP I-MISC\nbeer NN I-NP O\n. . O O\n";

static const char tiny_iob2[] =
    "# newdoc id = a\n# sent_id = a-1\n# text = I met Bob in Rome\n"
    "1\tI\tO\t-\t-\n2\tmet\tO\t-\t-\n3\tBob\tB-PER\t-\t-\n"
    "4\tin\tO\t-\t-\n5\tRome\tB-LOC\t-\t-\n\n"
    "# sent_id = a-2\n1\tGo\tO\t-\t-\n2\tNew\tB-LOC\t-\t-\n"
    "3\tYork\tI-LOC\t-\t-\n4\tAmerican\tB-OTH\t-\t-\n\n";

static void t_corpus(void)
{
    ner_corpus c;
    ds_err e;
    CHECK(ner_corpus_parse(STR(tiny_conll), NER_FMT_AUTO, "t", &c, &e) ==
          DS_OK);
    CHECK_EQ_INT(c.format, NER_FMT_CONLL);
    CHECK_EQ_INT(c.n_docs, 2);
    CHECK_EQ_INT(c.n_sents, 4);
    CHECK_EQ_INT(c.n_toks, 20);
    CHECK(str_eq(c.toks[0].pos, STR("NNP")));
    CHECK(str_eq(c.toks[1].tag, STR("I-PER")));
    ner_corpus_fini(&c);
    CHECK(ner_corpus_parse(STR(tiny_iob2), NER_FMT_AUTO, "t", &c, &e) == DS_OK);
    CHECK_EQ_INT(c.format, NER_FMT_IOB2);
    CHECK_EQ_INT(c.n_docs, 1);
    CHECK_EQ_INT(c.n_sents, 2);
    CHECK_EQ_INT(c.n_toks, 9);
    CHECK(str_eq(c.toks[2].word, STR("Bob")));
    CHECK(str_eq(c.toks[2].tag, STR("B-PER")));
    ner_corpus_fini(&c);
    /* Malformed: a line without a tag column. */
    CHECK(ner_corpus_parse(STR("1\tBob\n"), NER_FMT_IOB2, "t", &c, &e) ==
          DS_EFORMAT);
    CHECK(strstr(e.msg, "t:1:") != NULL);
}

static char *write_tmp(const char *name, const char *data)
{
    static char path[3][256];
    static int k;
    char *p = path[k++ % 3];
    snprintf(p, 256, "/tmp/test_ner_%ld_%s", (long)getpid(), name);
    FILE *f = fopen(p, "wb");
    if (f) {
        fputs(data, f);
        fclose(f);
    }
    return p;
}

static unsigned char *slurp(const char *path, size_t *out_n)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        *out_n = 0;
        return NULL;
    }
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    unsigned char *b = xmalloc((size_t)n + 1);
    *out_n = fread(b, 1, (size_t)n, f);
    fclose(f);
    return b;
}

static void t_train_deterministic(void)
{
    char *data = write_tmp("train.txt", tiny_conll);
    char out1[256], out2[256];
    snprintf(out1, sizeof out1, "%s.m1", data);
    snprintf(out2, sizeof out2, "%s.m2", data);
    ner_train_opts o = {.train_path = data,
                        .dev_path = data,
                        .out_path = out1,
                        .iterations = 3,
                        .seed = 7,
                        .min_count = 1,
                        .prune_below = 0,
                        .use_doc = true};
    ner_train_result r1, r2;
    ds_err e;
    CHECK(ner_train(&o, &r1, &e) == DS_OK);
    o.out_path = out2;
    CHECK(ner_train(&o, &r2, &e) == DS_OK);
    size_t n1, n2;
    unsigned char *b1 = slurp(out1, &n1), *b2 = slurp(out2, &n2);
    CHECK(b1 && b2 && n1 == n2 && n1 > 0 && memcmp(b1, b2, n1) == 0);
    /* The model learns its training data and tags a document. */
    ner_model *m = NULL;
    CHECK(ner_model_open(out1, &m, &e) == DS_OK);
    if (m) {
        CHECK_EQ_INT(ner_n_types(m), 4);
        CHECK(str_eq(ner_type_name(m, 0), STR("LOC")));
        CHECK(!ner_model_uses_pos(m));
        ner_tagger *t = ner_tagger_new(m);
        str w1[] = {STR("John"), STR("Smith"), STR("visited"), STR("Paris"),
                    STR(".")};
        str w2[] = {STR("Smith"), STR("likes"), STR("IBM"), STR(".")};
        ner_sent ss[2] = {{w1, NULL, 5}, {w2, NULL, 4}};
        ner_span sp[9];
        size_t ns = ner_tag_doc(t, ss, 2, sp);
        CHECK(ns >= 3);
        for (size_t i = 0; i < ns; i++) {
            CHECK(sp[i].first <= sp[i].last && sp[i].last < 9);
            CHECK(sp[i].type < 4);
            CHECK(sp[i].conf > 0 && sp[i].conf <= 1);
        }
        CHECK_EQ_INT(sp[0].first, 0);
        CHECK_EQ_INT(sp[0].last, 1);
        CHECK(str_eq(ner_type_name(m, sp[0].type), STR("PER")));
        /* From raw text through the tokenizer: spans index the tokens. */
        str text = STR("John Smith visited Paris. Smith likes IBM.");
        tok_result r;
        tok_result_init(&r);
        CHECK(tok_run(text, &r, &e) == DS_OK);
        ner_span *ts = xcalloc(r.n_toks + 1, sizeof *ts);
        size_t nt = ner_tag_tokens(t, text, &r, NULL, ts);
        CHECK(nt >= 2 && nt <= r.n_toks);
        for (size_t i = 0; i < nt; i++) {
            CHECK(ts[i].last < r.n_toks);
        }
        if (nt) {
            CHECK_EQ_INT(ts[0].first, 0);
            CHECK_EQ_INT(ts[0].last, 1);
        }
        xfree(ts);
        tok_result_fini(&r);
        /* An empty sentence and one of odd bytes. */
        CHECK_EQ_INT(ner_tag_sent(t, w1, NULL, 0, sp, NULL), 0);
        str odd[] = {{"\xff\xfe", 2}, {"", 0}, STR("--")};
        uint16_t lab[3];
        ns = ner_tag_sent(t, odd, NULL, 3, sp, lab);
        CHECK(ns <= 3);
        ner_tagger_free(t);
        ner_model_free(m);
    }
    /* Truncated and altered files are rejected with a message. */
    if (b1 && n1 > 64) {
        model_file *mf = NULL;
        CHECK(model_open_mem(b1, n1 / 2, "cut", &mf, &e) != DS_OK);
        unsigned char *b3 = xmalloc(n1);
        memcpy(b3, b1, n1);
        b3[n1 - 3] ^= 0x40;
        CHECK(model_open_mem(b3, n1, "bad", &mf, &e) == DS_EFORMAT);
        xfree(b3);
    }
    xfree(b1);
    xfree(b2);
    unlink(out1);
    unlink(out2);
    unlink(data);
}

/* Two stages: deterministic, and both tagging paths work. */
static void t_train_two_stage(void)
{
    char *data = write_tmp("train2.txt", tiny_conll);
    char out1[256], out2[256];
    snprintf(out1, sizeof out1, "%s.m1", data);
    snprintf(out2, sizeof out2, "%s.m2", data);
    ner_train_opts o = {.train_path = data,
                        .dev_path = data,
                        .out_path = out1,
                        .iterations = 3,
                        .seed = 3,
                        .min_count = 1,
                        .prune_below = 0,
                        .use_doc = true,
                        .stages = 2,
                        .folds = 2,
                        .jk_iterations = 2};
    ner_train_result r1, r2;
    ds_err e;
    CHECK(ner_train(&o, &r1, &e) == DS_OK);
    o.out_path = out2;
    CHECK(ner_train(&o, &r2, &e) == DS_OK);
    size_t n1, n2;
    unsigned char *b1 = slurp(out1, &n1), *b2 = slurp(out2, &n2);
    CHECK(b1 && b2 && n1 == n2 && n1 > 0 && memcmp(b1, b2, n1) == 0);
    ner_model *m = NULL;
    CHECK(ner_model_open(out1, &m, &e) == DS_OK);
    if (m) {
        ner_tagger *t = ner_tagger_new(m);
        str w1[] = {STR("John"), STR("Smith"), STR("visited"), STR("Paris"),
                    STR(".")};
        str w2[] = {STR("Smith"), STR("likes"), STR("IBM"), STR(".")};
        ner_sent ss[2] = {{w1, NULL, 5}, {w2, NULL, 4}};
        ner_span sp[9];
        size_t ns = ner_tag_doc(t, ss, 2, sp);
        CHECK(ns >= 1 && ns <= 9);
        for (size_t i = 0; i < ns; i++) {
            CHECK(sp[i].first <= sp[i].last && sp[i].last < 9);
            CHECK(sp[i].type < ner_n_types(m));
        }
        ner_doc_begin(t);
        uint16_t lab[5];
        ns = ner_tag_sent(t, w1, NULL, 5, sp, lab);
        CHECK(ns <= 5);
        ns = ner_tag_sent(t, w2, NULL, 4, sp, lab);
        CHECK(ns <= 4);
        ner_tagger_free(t);
        ner_model_free(m);
    }
    xfree(b1);
    xfree(b2);
    unlink(out1);
    unlink(out2);
    unlink(data);
}

/* Trains two passes on train (a file or a list), dev on dev, with the
 * types in drop trained as O; returns the model's number of entity types,
 * -1 when training or loading failed. */
static int trained_types(const char *train, const char *dev, const char *drop)
{
    char out[1100];
    snprintf(out, sizeof out, "%s.m", dev);
    ner_train_opts o = {.train_path = train,
                        .dev_path = dev,
                        .out_path = out,
                        .iterations = 2,
                        .seed = 1,
                        .min_count = 1,
                        .drop_types = drop,
                        .use_doc = true};
    ner_train_result r;
    ds_err e;
    ner_model *m = NULL;
    int n = -1;
    if (ner_train(&o, &r, &e) == DS_OK &&
        ner_model_open(out, &m, &e) == DS_OK) {
        n = (int)ner_n_types(m);
        ner_model_free(m);
    }
    unlink(out);
    return n;
}

static void t_train_iob2_drop(void)
{
    char *data = write_tmp("u.iob2", tiny_iob2);
    CHECK_EQ_INT(trained_types(data, data, "OTH"), 2); /* LOC, PER */
    unlink(data);
}

/* --train A,B joins files of either format into one corpus, in order; a
 * file listed twice is read twice; a bad file is named with its line. */
static void t_corpus_list(void)
{
    char a[256], b[256], bad[256], list[1024];
    snprintf(a, sizeof a, "%s", write_tmp("la.txt", tiny_conll));
    snprintf(b, sizeof b, "%s", write_tmp("lb.iob2", tiny_iob2));
    snprintf(bad, sizeof bad, "%s", write_tmp("lbad.iob2", "1\tBob\n"));
    ner_corpus c;
    ds_err e;
    snprintf(list, sizeof list, "%s,%s,%s", b, a, b);
    CHECK(ner_corpus_load_list(list, NER_FMT_AUTO, &c, &e) == DS_OK);
    CHECK_EQ_INT(c.format, NER_FMT_IOB2); /* not every file has POS */
    CHECK_EQ_INT(c.n_toks, 9 + 20 + 9);
    CHECK_EQ_INT(c.n_sents, 2 + 4 + 2);
    CHECK_EQ_INT(c.n_docs, 1 + 2 + 1);
    CHECK_EQ_INT(c.sent[c.n_sents], c.n_toks);
    CHECK_EQ_INT(c.doc[c.n_docs], c.n_sents);
    CHECK_EQ_INT(c.sent[2], 9); /* the CoNLL file starts after b */
    CHECK_EQ_INT(c.doc[1], 2);  /* ... in a document of its own */
    CHECK(str_eq(c.toks[9 + 1].tag, STR("I-PER")));
    CHECK(str_eq(c.toks[29 + 2].word, STR("Bob"))); /* b again */
    ner_corpus_fini(&c);
    snprintf(list, sizeof list, "%s,%s", a, a);
    CHECK(ner_corpus_load_list(list, NER_FMT_AUTO, &c, &e) == DS_OK);
    CHECK_EQ_INT(c.format, NER_FMT_CONLL);
    CHECK_EQ_INT(c.n_toks, 40);
    ner_corpus_fini(&c);
    snprintf(list, sizeof list, "%s,%s", a, bad);
    CHECK(ner_corpus_load_list(list, NER_FMT_AUTO, &c, &e) == DS_EFORMAT);
    CHECK(strstr(e.msg, "lbad.iob2:1:") != NULL);
    snprintf(list, sizeof list, "%s,", a);
    CHECK(ner_corpus_load_list(list, NER_FMT_AUTO, &c, &e) == DS_EINVAL);
    snprintf(list, sizeof list, "%s,/nonexistent/x.iob2", a);
    CHECK(ner_corpus_load_list(list, NER_FMT_AUTO, &c, &e) != DS_OK);
    CHECK(strstr(e.msg, "/nonexistent/x.iob2") != NULL);
    /* Training reads the list; MISC and OTH dropped leave LOC, ORG, PER. */
    snprintf(list, sizeof list, "%s,%s", b, a);
    CHECK_EQ_INT(trained_types(list, b, "OTH,MISC"), 3);
    unlink(a);
    unlink(b);
    unlink(bad);
}

static const char *shared_dir(void)
{
    const char *s = getenv("DOSSIER_SHARED");
    return s && *s ? s : "../shared";
}

static bool dev_check(const char *mfile, const char *dev_rel, const char *drop,
                      double want, const char **why)
{
    char dev[1024], mp[1024];
    snprintf(dev, sizeof dev, "%s/%s", shared_dir(), dev_rel);
    if (access(dev, R_OK) != 0) {
        *why = "shared data absent (set DOSSIER_SHARED)";
        return false;
    }
    model_default_path(mfile, mp, sizeof mp);
    if (access(mp, R_OK) != 0) {
        *why = "model not built";
        return false;
    }
    ner_corpus c;
    ner_model *m = NULL;
    ds_err e;
    if (ner_corpus_load(dev, NER_FMT_AUTO, &c, &e) != DS_OK ||
        ner_model_open(mp, &m, &e) != DS_OK) {
        printf("# %s\n", e.msg);
        CHECK(0);
        return true;
    }
    ner_tagger *t = ner_tagger_new(m);
    ner_eval ev;
    ner_evaluate(t, &c, true, drop, &ev);
    printf("# %s on %s: P %.2f R %.2f F1 %.2f (want >= %.2f), %.0f tokens/s\n",
           mfile, dev_rel, ev.all.precision, ev.all.recall, ev.all.f1,
           want - 0.3, ev.tokens_per_s);
    CHECK(ev.all.f1 >= want - 0.3);
    ner_tagger_free(t);
    ner_model_free(m);
    ner_corpus_fini(&c);
    return true;
}

static const char *skip_why;

static void t_dev_conll(void)
{
    (void)dev_check(NER_MODEL_CONLL, "data/conll2003/dev.txt", NULL,
                    CONLL_DEV_F1, &skip_why);
}

static void t_dev_web(void)
{
    (void)dev_check(NER_MODEL_WEB, "data/uner-ewt/dev.iob2", "OTH", WEB_DEV_F1,
                    &skip_why);
}

static bool can_dev(const char *mfile, const char *dev_rel)
{
    char dev[1024], mp[1024];
    snprintf(dev, sizeof dev, "%s/%s", shared_dir(), dev_rel);
    if (access(dev, R_OK) != 0) {
        skip_why = "shared data absent (set DOSSIER_SHARED)";
        return false;
    }
    model_default_path(mfile, mp, sizeof mp);
    if (access(mp, R_OK) != 0) {
        skip_why = "model not built (models/)";
        return false;
    }
    return true;
}

int main(void)
{
    RUN(t_word_features);
    RUN(t_bilou_constraints);
    RUN(t_iob_chunks);
    RUN(t_conlleval_iob2);
    RUN(t_conlleval_iob1);
    RUN(t_corpus);
    RUN(t_train_deterministic);
    RUN(t_train_two_stage);
    RUN(t_train_iob2_drop);
    RUN(t_corpus_list);
    if (can_dev(NER_MODEL_CONLL, "data/conll2003/dev.txt")) {
        RUN(t_dev_conll);
    } else {
        SKIP(t_dev_conll, skip_why);
    }
    if (can_dev(NER_MODEL_WEB, "data/uner-ewt/dev.iob2")) {
        RUN(t_dev_web);
    } else {
        SKIP(t_dev_web, skip_why);
    }
    return harness_done();
}
