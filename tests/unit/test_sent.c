/* test_sent.c - the learned sentence-boundary decision (sent.h): candidate
 * features, a tiny deterministic training run, loading, and the fallback
 * to the rules when no model is there. Needs neither ../shared nor
 * models/ (the shipped model is used only when present). */
#include <stdlib.h>
#include <string.h>

#include "../harness.h"
#include "nlp/model.h"
#include "nlp/sent.h"
#include "nlp/tok.h"
#include "util/xalloc.h"

/* ---- Features ---- */

typedef struct seen {
    size_t n_cands;
    uint8_t types[16];
    size_t js[16];
    uint64_t feats[SENT_MAX_FEATS];
    size_t n_feats;
    bool ok;
} seen;

static bool record(void *ctx, const tok_cand *c)
{
    seen *x = ctx;
    uint64_t f[SENT_MAX_FEATS], g[SENT_MAX_FEATS];
    size_t n = sent_features(c, f);
    size_t m = sent_features(c, g);
    x->ok = x->ok && n > 0 && n <= SENT_MAX_FEATS && n == m &&
            memcmp(f, g, n * sizeof *f) == 0;
    for (size_t i = 0; i < n; i++) {
        x->ok = x->ok && f[i] != 0;
    }
    if (x->n_cands < 16) {
        x->types[x->n_cands] = c->type;
        x->js[x->n_cands] = c->j;
    }
    if (x->n_cands == 0) {
        memcpy(x->feats, f, n * sizeof *f);
        x->n_feats = n;
    }
    x->n_cands++;
    return c->rule;
}

static void t_candidates_and_features(void)
{
    /* Tokens: It(0) works(1) .(2) Thanks(3) Mike(4) See(5) you(6) ,(7)
     * Bob(8) */
    const char *text = "It works. Thanks Mike See you, Bob";
    seen x = {.ok = true};
    tok_result r;
    tok_result_init(&r);
    ds_err e;
    CHECK_EQ_INT(tok_run_decide((str){text, strlen(text)}, record, &x, &r, &e),
                 DS_OK);
    CHECK(x.ok);
    CHECK_EQ_INT(x.n_cands, 4);
    CHECK_EQ_INT(x.types[0], TOK_CAND_TERM);
    CHECK_EQ_INT(x.js[0], 3);
    CHECK_EQ_INT(x.types[1], TOK_CAND_CAP); /* Thanks | Mike */
    CHECK_EQ_INT(x.types[2], TOK_CAND_CAP); /* Mike | See */
    CHECK_EQ_INT(x.types[3], TOK_CAND_COMMA);
    /* The rules decide as tok_run_with(NULL) does. */
    CHECK_EQ_INT(r.n_sents, 2);
    /* Same candidate in another text position: same features. */
    const char *text2 = "It works. Thanks Mike See you, Bob";
    seen y = {.ok = true};
    CHECK_EQ_INT(
        tok_run_decide((str){text2, strlen(text2)}, record, &y, &r, &e), DS_OK);
    CHECK_EQ_INT(y.n_feats, x.n_feats);
    CHECK(memcmp(x.feats, y.feats, x.n_feats * sizeof *x.feats) == 0);
    tok_result_fini(&r);
}

static void t_lists(void)
{
    CHECK_EQ_INT(tok_abbrev_class("Mr", 2), 1);
    CHECK_EQ_INT(tok_abbrev_class("Inc", 3), 2);
    CHECK_EQ_INT(tok_abbrev_class("dog", 3), 0);
    CHECK(tok_is_sent_starter("The", 3));
    CHECK(!tok_is_sent_starter("the", 3));
}

/* ---- Training ---- */

static const char train_conllu[] =
    "# newdoc\n"
    "1\tHello\thello\tINTJ\tUH\t_\t0\troot\t_\t_\n"
    "2\tthere\tthere\tADV\tRB\t_\t1\tadvmod\t_\tSpaceAfter=No\n"
    "3\t.\t.\tPUNCT\t.\t_\t1\tpunct\t_\t_\n"
    "\n"
    "1\tThanks\tthanks\tNOUN\tNNS\t_\t0\troot\t_\t_\n"
    "\n"
    "1\tMike\tMike\tPROPN\tNNP\t_\t0\troot\t_\t_\n"
    "\n"
    "1\tMr.\tMr.\tPROPN\tNNP\t_\t2\tcompound\t_\t_\n"
    "2\tSmith\tSmith\tPROPN\tNNP\t_\t3\tnsubj\t_\t_\n"
    "3\tcame\tcome\tVERB\tVBD\t_\t0\troot\t_\tSpaceAfter=No\n"
    "4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_\n"
    "\n"
    "1\tWe\twe\tPRON\tPRP\t_\t2\tnsubj\t_\t_\n"
    "2\tleft\tleave\tVERB\tVBD\t_\t0\troot\t_\t_\n"
    "3\tearly\tearly\tADV\tRB\t_\t2\tadvmod\t_\tSpaceAfter=No\n"
    "4\t!\t!\tPUNCT\t.\t_\t2\tpunct\t_\t_\n"
    "\n"
    "1\tThanks\tthanks\tNOUN\tNNS\t_\t0\troot\t_\t_\n"
    "\n"
    "1\tAnn\tAnn\tPROPN\tNNP\t_\t0\troot\t_\t_\n"
    "\n";

static void t_training_is_deterministic(void)
{
    str tr = {train_conllu, sizeof train_conllu - 1};
    sent_train_opts o = SENT_TRAIN_OPTS_DEFAULT;
    o.iterations = 4;
    o.min_count = 1;
    o.prune_below = 0;
    void *a = NULL, *b = NULL;
    size_t la = 0, lb = 0;
    sent_train_result ra, rb;
    ds_err e;
    CHECK_EQ_INT(sent_train_mem(tr, "train", tr, "dev", &o, &a, &la, &ra, &e),
                 DS_OK);
    CHECK_EQ_INT(sent_train_mem(tr, "train", tr, "dev", &o, &b, &lb, &rb, &e),
                 DS_OK);
    CHECK(la > 0 && la == lb);
    CHECK(a && b && memcmp(a, b, la) == 0);
    CHECK(ra.n_examples >= 4);
    CHECK(ra.n_positive >= 2);
    /* Learns the training data: every sentence found. */
    CHECK(ra.dev_f1 > 99.9);
    /* The bytes are a valid model that decides like the trainer said. */
    model_file *mf = NULL;
    sent_model *m = NULL;
    CHECK_EQ_INT(model_open_mem(a, la, "tiny", &mf, &e), DS_OK);
    CHECK_EQ_INT(sent_model_from(mf, &m, &e), DS_OK);
    CHECK_EQ_INT(sent_model_threshold(m), ra.threshold);
    const char *text = "Hello there. Thanks Mike Mr. Smith came.";
    tok_result r;
    tok_result_init(&r);
    CHECK_EQ_INT(tok_run_with((str){text, strlen(text)}, m, &r, &e), DS_OK);
    CHECK_EQ_INT(r.n_sents, 4);
    tok_result_fini(&r);
    sent_model_free(m);
    xfree(a);
    xfree(b);
}

static void t_training_needs_candidates(void)
{
    static const char one[] = "1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_\n\n";
    str tr = {one, sizeof one - 1};
    sent_train_opts o = SENT_TRAIN_OPTS_DEFAULT;
    void *a = NULL;
    size_t la = 0;
    sent_train_result res;
    ds_err e;
    CHECK_EQ_INT(sent_train_mem(tr, "one", tr, "one", &o, &a, &la, &res, &e),
                 DS_EINVAL);
    CHECK(a == NULL);
}

/* ---- Loading and fallback ---- */

static void t_fallback_without_model(void)
{
    /* main() pointed $DOSSIER_MODELS at a directory without sent.model. */
    CHECK(tok_default_sentence_model() == NULL);
    const char *text = "It works. Thanks Mike See you, Bob";
    tok_result a, b;
    tok_result_init(&a);
    tok_result_init(&b);
    ds_err e;
    CHECK_EQ_INT(tok_run((str){text, strlen(text)}, &a, &e), DS_OK);
    CHECK_EQ_INT(tok_run_with((str){text, strlen(text)}, NULL, &b, &e), DS_OK);
    CHECK_EQ_INT(a.n_sents, b.n_sents);
    CHECK_EQ_INT(a.n_toks, b.n_toks);
    CHECK_EQ_INT(a.n_sents, 2);
    tok_result_fini(&a);
    tok_result_fini(&b);
}

static void t_open_errors(void)
{
    sent_model *m = (sent_model *)1;
    ds_err e;
    CHECK(sent_model_open("/nonexistent/sent.model", &m, &e) != DS_OK);
    CHECK(m == NULL);
    /* A valid container of another kind is refused. */
    model_writer *w = model_writer_new(MODEL_KIND_TEST);
    CHECK_EQ_INT(model_writer_add(w, "x", "abc", 3, &e), DS_OK);
    size_t len;
    void *p = model_writer_take(w, &len);
    model_writer_free(w);
    model_file *mf;
    CHECK_EQ_INT(model_open_mem(p, len, "other", &mf, &e), DS_OK);
    CHECK_EQ_INT(sent_model_from(mf, &m, &e), DS_EFORMAT);
    CHECK(m == NULL);
    xfree(p);
}

static void t_shipped_model(void)
{
    sent_model *m;
    ds_err e;
    CHECK_EQ_INT(sent_model_open("models/" SENT_MODEL_FILE, &m, &e), DS_OK);
    if (!m) {
        return;
    }
    const char *text =
        "Mr. Smith arrived. He said hello to Dr. Jones and left.";
    tok_result r;
    tok_result_init(&r);
    CHECK_EQ_INT(tok_run_with((str){text, strlen(text)}, m, &r, &e), DS_OK);
    CHECK_EQ_INT(r.n_sents, 2);
    tok_result_fini(&r);
    sent_model_free(m);
}

int main(void)
{
    /* Before any tok_run: the default model is looked up once. */
    setenv("DOSSIER_MODELS", "/nonexistent-dossier-models", 1);
    RUN(t_candidates_and_features);
    RUN(t_lists);
    RUN(t_training_is_deterministic);
    RUN(t_training_needs_candidates);
    RUN(t_fallback_without_model);
    RUN(t_open_errors);
    FILE *f = fopen("models/" SENT_MODEL_FILE, "rb");
    if (f) {
        fclose(f);
        RUN(t_shipped_model);
    } else {
        SKIP(t_shipped_model, "models/sent.model not found");
    }
    return harness_done();
}
