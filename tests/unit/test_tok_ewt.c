/* test_tok_ewt.c - the tokenizer's accuracy on UD English EWT dev.
 *
 * Reads ../shared/data/ud-ewt/dev.conllu (from the repository root), or
 * $DOSSIER_SHARED/data/ud-ewt/dev.conllu; the treebank is not part of the
 * repository, so the test is skipped when the file is absent. */
#include <stdlib.h>
#include <unistd.h>

#include "../harness.h"
#include "nlp/tok_eval.h"

static char path[4096];

static void t_ewt_dev(void)
{
    tok_eval_scores sc;
    ds_err e;
    ds_rc rc = tok_eval_conllu(path, &sc, &e);
    CHECK_EQ_INT(rc, DS_OK);
    if (rc != DS_OK) {
        printf("# %s\n", e.msg);
        return;
    }
    printf("# tokens F1 %.2f, words F1 %.2f, sentences F1 %.2f\n", sc.tokens.f1,
           sc.words.f1, sc.sentences.f1);
    CHECK(sc.tokens.f1 >= 99.0);
    CHECK(sc.sentences.f1 >= 85.0);
}

int main(void)
{
    const char *shared = getenv("DOSSIER_SHARED");
    snprintf(path, sizeof path, "%s/data/ud-ewt/dev.conllu",
             shared && *shared ? shared : "../shared");
    if (access(path, R_OK) == 0) {
        RUN(t_ewt_dev);
    } else {
        SKIP(t_ewt_dev, "UD EWT dev not found (set DOSSIER_SHARED)");
    }
    return harness_done();
}
