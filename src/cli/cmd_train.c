/* cmd_train.c - `dossier train`: trains the statistical models.
 *
 *   dossier train pos --train FILE --dev FILE --out FILE [options]
 *
 * Each model family is a subcommand in train_subs[]; its hyper-parameters
 * are rows of one table (name, default, help) that both parses the options
 * and prints --help (STYLE C12). Progress goes to stderr, one line per
 * iteration; the summary to stdout. Exit status 0 ok, 1 failure, 2 usage. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_hp.h"
#include "cli/cli_ner.h"
#include "cli/cli_parse.h"
#include "nlp/pos_train.h"
#include "nlp/sent.h"

/* ---- train pos ---- */

#define XSTR_(x) #x
#define XSTR(x)  XSTR_(x) /* a default from pos_train.h as text */

enum {
    POS_TRAIN,
    POS_DEV,
    POS_OUT,
    POS_ITER,
    POS_SEED,
    POS_MIN_COUNT,
    POS_PRUNE,
    POS_DICT_MIN,
    POS_DICT_RATIO,
    POS_MARGIN
};

static const cli_hparam pos_params[] = {
    [POS_TRAIN] = {"train", HP_PATH, NULL, "training data (CoNLL-U)"},
    [POS_DEV] = {"dev", HP_PATH, NULL,
                 "development data (CoNLL-U): progress and model selection"},
    [POS_OUT] = {"out", HP_PATH, NULL, "model file to write"},
    [POS_ITER] = {"iterations", HP_UINT, XSTR(POS_TRAIN_ITERATIONS),
                  "passes over the training data"},
    [POS_SEED] = {"seed", HP_UINT, "1", "seed of the sentence shuffling"},
    [POS_MIN_COUNT] = {"min-count", HP_UINT, XSTR(POS_TRAIN_MIN_COUNT),
                       "drop features seen fewer times in the first pass"},
    [POS_PRUNE] = {"prune", HP_REAL, XSTR(POS_TRAIN_PRUNE),
                   "drop averaged weights below this (update units)"},
    [POS_DICT_MIN] = {"dict-min", HP_UINT, XSTR(POS_TRAIN_DICT_MIN),
                      "tag dictionary: minimum occurrences of a word"},
    [POS_DICT_RATIO] = {"dict-ratio", HP_REAL, XSTR(POS_TRAIN_DICT_RATIO),
                        "tag dictionary: minimum share of a tag"},
    [POS_MARGIN] = {"margin", HP_UINT, XSTR(POS_TRAIN_MARGIN),
                    "also update when the gold tag wins by less than this "
                    "(score units; 0: only on mistakes)"},
    {NULL, 0, NULL, NULL},
};

static void pos_progress(void *ctx, uint32_t iter, double train_acc,
                         const pos_eval *dev, const ap_train_stats *st,
                         double seconds)
{
    (void)ctx;
    fprintf(stderr,
            "iter %2u  train %.2f  dev UPOS %.2f XPOS %.2f  features %zu "
            "pairs %zu  %.1fs\n",
            iter, train_acc, dev->upos_acc, dev->xpos_acc, st->n_kept,
            st->n_pairs, seconds);
}

static int train_pos(int argc, char **argv)
{
    static const char summary[] =
        "Trains the part-of-speech tagger (joint UPOS+XPOS, greedy averaged\n"
        "perceptron) on a CoNLL-U treebank; the iteration with the best dev\n"
        "UPOS accuracy is written.";
    cli_hp_values v;
    int st = cli_hp_parse("train pos", argc, argv, summary, pos_params, &v);
    if (st >= 0) {
        return st;
    }
    if (v.u[POS_ITER] < 1 || v.u[POS_ITER] > 1000) {
        return cli_usage_error("train", "pos: --iterations must be 1..1000");
    }
    if (v.u[POS_MIN_COUNT] > UINT32_MAX || v.u[POS_DICT_MIN] > UINT32_MAX) {
        return cli_usage_error("train", "pos: count out of range");
    }
    pos_train_opts o = {
        .train_path = v.text[POS_TRAIN],
        .dev_path = v.text[POS_DEV],
        .out_path = v.text[POS_OUT],
        .iterations = (uint32_t)v.u[POS_ITER],
        .seed = v.u[POS_SEED],
        .min_count = (uint32_t)v.u[POS_MIN_COUNT],
        .prune_below = v.r[POS_PRUNE],
        .dict_min = (uint32_t)v.u[POS_DICT_MIN],
        .dict_ratio = v.r[POS_DICT_RATIO],
        .margin = (uint32_t)v.u[POS_MARGIN],
        .progress = pos_progress,
    };
    pos_train_result r;
    ds_err e;
    if (pos_train(&o, &r, &e) != DS_OK) {
        return cli_report(&e);
    }
    printf("model       %s\n", o.out_path);
    printf("best iter   %u of %u\n", r.best_iter, o.iterations);
    printf("dev UPOS    %.2f\n", r.dev.upos_acc);
    printf("dev XPOS    %.2f\n", r.dev.xpos_acc);
    printf("tags        %u (joint UPOS XPOS)\n", r.n_tags);
    printf("features    %zu kept of %zu seen, %zu weights\n", r.stats.n_kept,
           r.stats.n_seen, r.stats.n_pairs);
    printf("dictionary  %zu words\n", r.dict_words);
    printf("size        %zu bytes\n", r.model_bytes);
    printf("time        %.1f s\n", r.seconds);
    return CLI_OK;
}

/* ---- train sent ---- */

enum {
    SENT_TRAIN,
    SENT_DEV,
    SENT_OUT,
    SENT_ITER,
    SENT_SEED,
    SENT_MIN_COUNT,
    SENT_PRUNE,
    SENT_TUNE
};

static const cli_hparam sent_params[] = {
    [SENT_TRAIN] = {"train", HP_PATH, NULL, "training data (CoNLL-U)"},
    [SENT_DEV] = {"dev", HP_PATH, NULL,
                  "development data (CoNLL-U): pass and threshold selection"},
    [SENT_OUT] = {"out", HP_PATH, NULL, "model file to write"},
    [SENT_ITER] = {"iterations", HP_UINT, "8", "passes over the examples"},
    [SENT_SEED] = {"seed", HP_UINT, "1", "seed of the example shuffling"},
    [SENT_MIN_COUNT] = {"min-count", HP_UINT, "2",
                        "drop features seen fewer times in the first pass"},
    [SENT_PRUNE] = {"prune", HP_REAL, "0.5",
                    "drop averaged weights below this (update units)"},
    [SENT_TUNE] = {"tune-threshold", HP_UINT, "1",
                   "1: choose the decision threshold on dev; 0: use 0"},
    {NULL, 0, NULL, NULL},
};

static void sent_progress(void *ctx, uint32_t iter, double f1, double p,
                          double r, int32_t thr, double seconds)
{
    (void)ctx;
    fprintf(stderr,
            "iter %2u  dev sentences P %.2f R %.2f F1 %.2f  threshold %d  "
            "%.1fs\n",
            iter, p, r, f1, thr, seconds);
}

static int train_sent(int argc, char **argv)
{
    static const char summary[] =
        "Trains the sentence-boundary classifier (binary averaged perceptron\n"
        "at the tokenizer's candidate boundaries) on a CoNLL-U treebank whose\n"
        "raw text is rebuilt as `dossier eval tokenize` does; the pass and\n"
        "threshold with the best dev sentence F1 are written.";
    cli_hp_values v;
    int st = cli_hp_parse("train sent", argc, argv, summary, sent_params, &v);
    if (st >= 0) {
        return st;
    }
    if (v.u[SENT_ITER] < 1 || v.u[SENT_ITER] > 1000) {
        return cli_usage_error("train", "sent: --iterations must be 1..1000");
    }
    if (v.u[SENT_MIN_COUNT] > UINT32_MAX || v.u[SENT_TUNE] > 1) {
        return cli_usage_error("train", "sent: value out of range");
    }
    sent_train_opts o = SENT_TRAIN_OPTS_DEFAULT;
    o.iterations = (uint32_t)v.u[SENT_ITER];
    o.seed = v.u[SENT_SEED];
    o.min_count = (uint32_t)v.u[SENT_MIN_COUNT];
    o.prune_below = v.r[SENT_PRUNE];
    o.tune_threshold = v.u[SENT_TUNE] != 0;
    o.progress = sent_progress;
    sent_train_result r;
    ds_err e;
    if (sent_train_files(v.text[SENT_TRAIN], v.text[SENT_DEV], v.text[SENT_OUT],
                         &o, &r, &e) != DS_OK) {
        return cli_report(&e);
    }
    printf("model       %s\n", v.text[SENT_OUT]);
    printf("best iter   %u of %u, threshold %d\n", r.best_iter, o.iterations,
           r.threshold);
    printf("dev sent.   P %.2f R %.2f F1 %.2f\n", r.dev_p, r.dev_r, r.dev_f1);
    printf("examples    %zu candidates, %zu boundaries\n", r.n_examples,
           r.n_positive);
    printf("features    %zu kept, %zu weights\n", r.n_features, r.n_pairs);
    printf("size        %zu bytes\n", r.model_bytes);
    printf("time        %.1f s\n", r.seconds);
    return CLI_OK;
}

/* ---- the subcommand table ---- */

typedef struct train_sub {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
} train_sub;

static const train_sub train_subs[] = {
    {"pos", train_pos, "part-of-speech tagger (UPOS and XPOS) from CoNLL-U"},
    {"sent", train_sent, "sentence-boundary classifier from CoNLL-U"},
    {"ner", cmd_train_ner,
     "named-entity recognizer (BILOU perceptron) from CoNLL or IOB2"},
    {"parse", cmd_train_parse,
     "dependency parser (arc-eager, dynamic oracle) from CoNLL-U"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fputs("usage: dossier train MODEL [OPTIONS]\n\nmodels:\n", f);
    for (const train_sub *s = train_subs; s->name; s++) {
        fprintf(f, "  %-8s %s\n", s->name, s->summary);
    }
    fputs("\n`dossier train MODEL --help` lists a model's hyper-parameters.\n"
          "Training is deterministic: same data and options, same bytes.\n",
          f);
}

int cmd_train(int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage_error("train",
                               "missing model (pos, sent, ner, parse)");
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
        strcmp(sub, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    for (const train_sub *s = train_subs; s->name; s++) {
        if (strcmp(s->name, sub) == 0) {
            return s->run(argc - 1, argv + 1);
        }
    }
    return cli_usage_error("train", "unknown model '%s'", sub);
}
