/* fuzz_dep.c - fuzz target: the dependency parser over arbitrary token
 * sequences, and its model loader over arbitrary bytes.
 *
 * Input starting with the model magic "DSMF" goes to model_open_mem +
 * dep_model_from, as is and resealed (fuzz_reseal.h); whatever loads must
 * parse without crashing and give trees. Anything else is split into words
 * at ASCII white space; each word's first byte picks its UPOS/XPOS from a
 * small list (so the tags are fuzzed too, including empty ones), and the
 * words are parsed with a tiny model trained once on synthetic trees (with
 * runner-up features: each word also gets a runner-up UPOS and a margin
 * from its last two bytes, absent for some). The output must be a valid
 * tree (dep_tree_valid) at the model's beam width and at width 3, else the
 * target aborts. Seeds in fuzz/corpus/dep/. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/dep.h"
#include "nlp/model.h"
#include "util/str.h"
#include "util/xalloc.h"

#include "fuzz_reseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A tiny training set: three tree shapes over a few tags. */
static const char TRAIN[] = "1\tThe\t_\tDET\tDT\t_\t2\tdet\t_\t_\n"
                            "2\tdog\t_\tNOUN\tNN\t_\t3\tnsubj\t_\t_\n"
                            "3\tbarks\t_\tVERB\tVBZ\t_\t0\troot\t_\t_\n"
                            "4\t.\t_\tPUNCT\t.\t_\t3\tpunct\t_\t_\n"
                            "\n"
                            "1\tShe\t_\tPRON\tPRP\t_\t2\tnsubj\t_\t_\n"
                            "2\tsaw\t_\tVERB\tVBD\t_\t0\troot\t_\t_\n"
                            "3\ta\t_\tDET\tDT\t_\t5\tdet\t_\t_\n"
                            "4\tbig\t_\tADJ\tJJ\t_\t5\tamod\t_\t_\n"
                            "5\tcat\t_\tNOUN\tNN\t_\t2\tobj\t_\t_\n"
                            "6\tin\t_\tADP\tIN\t_\t8\tcase\t_\t_\n"
                            "7\tthe\t_\tDET\tDT\t_\t8\tdet\t_\t_\n"
                            "8\tpark\t_\tNOUN\tNN\t_\t2\tobl\t_\t_\n"
                            "9\t.\t_\tPUNCT\t.\t_\t2\tpunct\t_\t_\n"
                            "\n"
                            "1\tYes\t_\tINTJ\tUH\t_\t0\troot\t_\t_\n"
                            "\n";

static const char *const TAGS[][2] = {
    {"NOUN", "NN"}, {"VERB", "VBZ"}, {"DET", "DT"},   {"ADJ", "JJ"},
    {"PUNCT", "."}, {"ADP", "IN"},   {"PRON", "PRP"}, {"", ""},
    {"X", "ADD"},   {"INTJ", "UH"},
};

static dep_model *tiny;
static model_file *tiny_mf;
static void *tiny_bytes;

/* Parses at the model's width and at width 3 (a greedy model then sums
 * log-probabilities, a beam model is decoded narrower or wider). */
static void check_parse(const dep_model *m, const dep_input *in, size_t n)
{
    dep_parser *p = dep_parser_new(m);
    uint32_t *heads = xmalloc((n + 1) * sizeof *heads);
    uint16_t *labs = xmalloc((n + 1) * sizeof *labs);
    for (uint32_t width = 0; width <= 3; width += 3) {
        dep_parser_set_beam(p, width);
        dep_parse(p, in, n, heads, labs);
        if (n && !dep_tree_valid(heads, n)) {
            abort();
        }
        for (size_t i = 0; i < n; i++) {
            if (labs[i] >= dep_n_labels(m)) {
                abort();
            }
        }
    }
    xfree(heads);
    xfree(labs);
    dep_parser_free(p);
}

static void run(const uint8_t *data, size_t size)
{
    if (!tiny) {
        dep_train_opts o = {.iterations = 2,
                            .seed = 1,
                            .explore_from = 2,
                            .explore_p = 0.9,
                            .min_count = 1,
                            .alt_margin = 100};
        dep_train_result r;
        size_t len;
        if (dep_train_mem(STR(TRAIN), STR(TRAIN), &o, &tiny_bytes, &len, &r,
                          NULL) != DS_OK ||
            model_open_mem(tiny_bytes, len, "tiny", &tiny_mf, NULL) != DS_OK ||
            dep_model_from(tiny_mf, &tiny, NULL) != DS_OK) {
            abort();
        }
    }
    const dep_model *m = tiny;
    model_file *mf = NULL;
    dep_model *loaded = NULL;
    if (size >= 4 && memcmp(data, MODEL_MAGIC, 4) == 0) {
        if (model_open_mem(data, size, "fuzz", &mf, NULL) != DS_OK) {
            return;
        }
        if (dep_model_from(mf, &loaded, NULL) != DS_OK) {
            model_close(mf);
            return;
        }
        m = loaded;
    }
    /* words at white space */
    size_t cap = size / 2 + 2, n = 0;
    str *w = xmalloc(cap * sizeof *w);
    str *u = xmalloc(cap * sizeof *u);
    str *x = xmalloc(cap * sizeof *x);
    str *au = xmalloc(cap * sizeof *au);
    float *am = xmalloc(cap * sizeof *am);
    size_t i = 0;
    while (i < size) {
        while (i < size && (data[i] == ' ' || data[i] == '\n' ||
                            data[i] == '\t' || data[i] == '\r')) {
            i++;
        }
        size_t start = i;
        while (i < size && !(data[i] == ' ' || data[i] == '\n' ||
                             data[i] == '\t' || data[i] == '\r')) {
            i++;
        }
        if (i > start && n < cap) {
            size_t t = data[start] % (sizeof TAGS / sizeof TAGS[0]);
            w[n] = (str){(const char *)data + start, i - start};
            u[n] = str_c(TAGS[t][0]);
            x[n] = str_c(TAGS[(t + data[i - 1]) % 10][1]);
            au[n] = str_c(TAGS[data[i - 1] % 10][0]);
            am[n] = (float)data[(start + i) / 2] * 0.5f;
            n++;
        }
    }
    dep_input in = {w, u, x, au, am};
    check_parse(m, &in, n);
    dep_input plain = {w, u, x, NULL, NULL};
    check_parse(m, &plain, n);
    xfree(au);
    xfree(am);
    xfree(w);
    xfree(u);
    xfree(x);
    dep_model_free(loaded);
    model_close(mf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_as_is_and_resealed(run, data, size);
    return 0;
}
