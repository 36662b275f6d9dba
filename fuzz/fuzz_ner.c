/* fuzz_ner.c - fuzz target: the NER data reader and scorer, and the NER
 * model loader, on arbitrary bytes. A corpus that parses is scored against
 * itself (as many chunks found as gold, every tag right); a model that loads
 * must tag a sentence with spans inside it; model input is tried as is and
 * resealed (fuzz_reseal.h). Seeds in fuzz/corpus/ner/: tiny CoNLL and IOB2
 * files and a tiny model with truncated and altered copies. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/model.h"
#include "nlp/ner.h"
#include "nlp/ner_eval.h"
#include "util/xalloc.h"

#include "fuzz_reseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The model loader: whatever loads must tag with spans inside the
 * sentence. */
static void model_check(const uint8_t *data, size_t size)
{
    model_file *mf = NULL;
    if (model_open_mem(data, size, "fuzz", &mf, NULL) == DS_OK) {
        ner_model *m = NULL;
        if (ner_model_from(mf, &m, NULL) == DS_OK) {
            ner_tagger *t = ner_tagger_new(m);
            str w[] = {STR("John"), STR("Smith"), STR("visited"),
                       STR("New"),  STR("York"),  STR(".")};
            str p[] = {STR("NNP"), STR("NNP"), STR("VBD"),
                       STR("NNP"), STR("NNP"), STR(".")};
            ner_span sp[6];
            uint16_t lab[6];
            size_t ns = ner_tag_sent(t, w, p, 6, sp, lab);
            for (size_t i = 0; i < ns; i++) {
                if (sp[i].first > sp[i].last || sp[i].last >= 6 ||
                    sp[i].type >= ner_n_types(m)) {
                    abort();
                }
            }
            char name[40];
            for (size_t i = 0; i < 6; i++) {
                (void)ner_label_name(m, lab[i], name, sizeof name);
            }
            ner_tagger_free(t);
            ner_model_free(m);
        }
        model_close(mf);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_as_is_and_resealed(model_check, data, size);
    /* The data reader and conlleval scoring. */
    for (int f = NER_FMT_CONLL; f <= NER_FMT_IOB2; f++) {
        ner_corpus c;
        if (ner_corpus_parse((str){(const char *)data, size}, (ner_format)f,
                             "fuzz", &c, NULL) != DS_OK) {
            continue;
        }
        ner_scorer s;
        ner_scorer_init(&s, "OTH");
        for (size_t i = 0; i < c.n_sents; i++) {
            for (size_t k = c.sent[i]; k < c.sent[i + 1]; k++) {
                if (k >= c.n_toks) {
                    abort();
                }
                ner_scorer_add(&s, c.toks[k].tag, c.toks[k].tag);
            }
            ner_scorer_boundary(&s);
        }
        ner_eval ev;
        ner_scorer_finish(&s, &ev);
        /* Not correct == gold: with odd prefixes conlleval may open a chunk
         * before the previous one ends, and so may we. */
        if (ev.all.correct > ev.all.gold || ev.all.gold != ev.all.guessed ||
            ev.correct_tags != ev.tokens) {
            abort();
        }
        ner_corpus_fini(&c);
    }
    return 0;
}
