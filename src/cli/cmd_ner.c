/* cmd_ner.c - `dossier train ner` and `dossier eval ner`.
 *
 *   dossier train ner --train FILE --dev FILE --out FILE [options]
 *   dossier eval ner FILE [--model PATH] [--format conll|iob2]
 *                    [--drop-types T,...] [--no-pos] [--json]
 *
 * The training hyper-parameters are rows of one table (name, default,
 * help) that both parses the options and prints --help (STYLE C12).
 * Progress goes to stderr, one line per pass; summaries to stdout. Exit
 * status 0 ok, 1 failure, 2 usage. */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_hp.h"
#include "cli/cli_ner.h"
#include "json/json.h"
#include "nlp/model.h"
#include "nlp/ner.h"
#include "nlp/ner_eval.h"

/* ---- train ner ---- */

enum {
    P_TRAIN,
    P_DEV,
    P_OUT,
    P_FORMAT,
    P_GAZ,
    P_CLUSTERS,
    P_DROP,
    P_ITER,
    P_SEED,
    P_MIN_COUNT,
    P_PRUNE,
    P_POS,
    P_DOC,
    P_STAGES,
    P_FOLDS,
    P_JK_ITER,
    P_MARGIN,
    P_COUNT
};

static const cli_hparam params[] = {
    [P_TRAIN] = {"train", HP_PATH, NULL,
                 "training data (CoNLL or IOB2); A,B,... joins files, a file "
                 "listed twice weighs double"},
    [P_DEV] = {"dev", HP_PATH, NULL,
               "development data: progress and model selection"},
    [P_OUT] = {"out", HP_PATH, NULL, "model file to write"},
    [P_FORMAT] = {"format", HP_TEXT, "auto", "conll, iob2 or auto"},
    [P_GAZ] = {"gaz", HP_TEXT, "",
               "directory of gazetteer lists (models/gaz); empty: none"},
    [P_CLUSTERS] = {"clusters", HP_TEXT, "",
                    "word classes, WORD<TAB>CLASS lines (models/ner-clusters"
                    ".txt); empty: none"},
    [P_DROP] = {"drop-types", HP_TEXT, "",
                "comma-separated entity types trained as O (e.g. OTH)"},
    [P_ITER] = {"iterations", HP_UINT, "12", "passes over the training data"},
    [P_SEED] = {"seed", HP_UINT, "1", "seed of the document shuffling"},
    [P_MIN_COUNT] = {"min-count", HP_UINT, "1",
                     "drop features seen fewer times in the first pass"},
    [P_PRUNE] = {"prune", HP_REAL, "0.5",
                 "drop averaged weights below this (update units)"},
    [P_POS] = {"pos", HP_BOOL, "0",
               "POS features from the data's POS column (CoNLL): 1 or 0"},
    [P_DOC] = {"doc", HP_BOOL, "1",
               "non-local document features (Ratinov & Roth): 1 or 0"},
    [P_STAGES] = {"stages", HP_UINT, "1",
                  "1, or 2: a second stage over the first stage's labels of "
                  "the whole document"},
    [P_FOLDS] = {"folds", HP_UINT, "5",
                 "jackknife folds for the second stage's training labels"},
    [P_JK_ITER] = {"jk-iterations", HP_UINT, "8",
                   "passes of each jackknife fold's model"},
    [P_MARGIN] = {"margin", HP_UINT, "100",
                  "also update when the gold label wins by less than this "
                  "(score units; 0: only on mistakes)"},
    {NULL, 0, NULL, NULL},
};

static const char train_summary[] =
    "Trains the named-entity recognizer (greedy averaged perceptron over\n"
    "BILOU labels) on CoNLL-2003 or UNER-style IOB data; the pass with the\n"
    "best dev F1 (conlleval) is written.";

static bool parse_format(const char *s, ner_format *out)
{
    if (strcmp(s, "auto") == 0) {
        *out = NER_FMT_AUTO;
    } else if (strcmp(s, "conll") == 0) {
        *out = NER_FMT_CONLL;
    } else if (strcmp(s, "iob2") == 0) {
        *out = NER_FMT_IOB2;
    } else {
        return false;
    }
    return true;
}

static void train_progress(void *ctx, uint32_t iter, double train_acc,
                           const ner_eval *dev, size_t n_feats, size_t bytes,
                           double seconds)
{
    (void)ctx;
    fprintf(stderr,
            "iter %2u  train acc %.2f  dev P %.2f R %.2f F1 %.2f  features "
            "%zu  %.1f MB  %.1fs\n",
            iter, train_acc, dev->all.precision, dev->all.recall, dev->all.f1,
            n_feats, (double)bytes / 1e6, seconds);
}

int cmd_train_ner(int argc, char **argv)
{
    cli_hp_values v;
    int st = cli_hp_parse("train ner", argc, argv, train_summary, params, &v);
    if (st >= 0) {
        return st;
    }
    const char *const *text = v.text;
    const unsigned long long *u = v.u;
    const double *r = v.r;
    ner_train_opts o = {
        .train_path = text[P_TRAIN],
        .dev_path = text[P_DEV],
        .out_path = text[P_OUT],
        .gaz_dir = *text[P_GAZ] ? text[P_GAZ] : NULL,
        .clusters = *text[P_CLUSTERS] ? text[P_CLUSTERS] : NULL,
        .drop_types = *text[P_DROP] ? text[P_DROP] : NULL,
        .iterations = (uint32_t)u[P_ITER],
        .seed = u[P_SEED],
        .min_count = (uint32_t)u[P_MIN_COUNT],
        .prune_below = r[P_PRUNE],
        .use_pos = u[P_POS] != 0,
        .use_doc = u[P_DOC] != 0,
        .stages = (uint32_t)u[P_STAGES],
        .folds = (uint32_t)u[P_FOLDS],
        .jk_iterations = (uint32_t)u[P_JK_ITER],
        .margin = (uint32_t)u[P_MARGIN],
        .progress = train_progress,
    };
    if (!parse_format(text[P_FORMAT], &o.format)) {
        return cli_usage_error("train", "ner: --format: conll, iob2 or auto");
    }
    if (u[P_ITER] < 1 || u[P_ITER] > 1000) {
        return cli_usage_error("train", "ner: --iterations must be 1..1000");
    }
    if (u[P_STAGES] < 1 || u[P_STAGES] > 2) {
        return cli_usage_error("train", "ner: --stages must be 1 or 2");
    }
    if (u[P_FOLDS] < 2 || u[P_FOLDS] > 50 || u[P_JK_ITER] < 1 ||
        u[P_JK_ITER] > 1000) {
        return cli_usage_error("train", "ner: --folds must be 2..50 and "
                                        "--jk-iterations 1..1000");
    }
    if (u[P_MIN_COUNT] > UINT32_MAX) {
        return cli_usage_error("train", "ner: --min-count out of range");
    }
    ner_train_result res;
    ds_err e;
    if (ner_train(&o, &res, &e) != DS_OK) {
        return cli_report(&e);
    }
    printf("model       %s\n", o.out_path);
    printf("best iter   %u of %u\n", res.best_iter, o.iterations);
    printf("dev F1      %.2f\n", res.dev_f1);
    if (o.stages == 2) {
        printf("stage 1 F1  %.2f\n", res.stage1_f1);
    }
    printf("features    %zu, %zu weights\n", res.n_feats, res.n_pairs);
    printf("gazetteer   %zu entries\n", res.gaz_entries);
    printf("train       %zu tokens, %zu documents\n", res.train_tokens,
           res.train_docs);
    printf("size        %zu bytes\n", res.model_bytes);
    printf("time        %.1f s\n", res.seconds);
    return CLI_OK;
}

/* ---- eval ner ---- */

static const char eval_usage_text[] =
    "usage: dossier eval ner FILE [--model PATH] [--format conll|iob2]\n"
    "                            [--drop-types T,...] [--no-pos] [--json]\n"
    "\n"
    "Tags the gold tokens of a CoNLL-2003 (IOB1 or IOB2) or UNER IOB2 file\n"
    "document by document and prints overall and per-type precision,\n"
    "recall and F1 exactly as conlleval computes them, plus tagging speed\n"
    "(tokens/s, one core; the file is tagged repeatedly for at least one\n"
    "second). The model defaults to " NER_MODEL_CONLL " in the models\n"
    "directory for CoNLL files and " NER_MODEL_WEB " for IOB2 files.\n"
    "--drop-types scores the listed types as O (e.g. OTH for UNER).\n"
    "--no-pos ignores the file's POS column.\n";

static double r2(double x)
{
    return round(x * 100.0) / 100.0;
}

static void prf_json(json_w *j, const ner_prf *p)
{
    json_obj(j);
    json_kv_int(j, "gold", (int64_t)p->gold);
    json_kv_int(j, "guessed", (int64_t)p->guessed);
    json_kv_int(j, "correct", (int64_t)p->correct);
    json_kv_num(j, "precision", r2(p->precision));
    json_kv_num(j, "recall", r2(p->recall));
    json_kv_num(j, "f1", r2(p->f1));
    json_end(j);
}

int cmd_eval_ner(int argc, char **argv)
{
    static const struct option opts[] = {
        {"model", required_argument, NULL, 'm'},
        {"format", required_argument, NULL, 'f'},
        {"drop-types", required_argument, NULL, 'd'},
        {"no-pos", no_argument, NULL, 'p'},
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *model = NULL, *drop = NULL;
    ner_format fmt = NER_FMT_AUTO;
    bool json = false, no_pos = false;
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            model = optarg;
            break;
        case 'f':
            if (!parse_format(optarg, &fmt)) {
                return cli_usage_error("eval", "ner: --format: conll, iob2 "
                                               "or auto");
            }
            break;
        case 'd':
            drop = optarg;
            break;
        case 'p':
            no_pos = true;
            break;
        case 'j':
            json = true;
            break;
        case 'h':
            fputs(eval_usage_text, stdout);
            return CLI_OK;
        default:
            return cli_usage_error("eval",
                                   "ner: unknown option or missing "
                                   "value '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return cli_usage_error("eval", "ner: expected one data file");
    }
    const char *path = argv[optind];
    ds_err e;
    ner_corpus corp;
    if (ner_corpus_load(path, fmt, &corp, &e) != DS_OK) {
        return cli_report(&e);
    }
    if (corp.n_toks == 0) {
        ner_corpus_fini(&corp);
        fprintf(stderr, "dossier eval: %s: %s\n", path, CLI_EVAL_EMPTY);
        return CLI_FAIL;
    }
    char mp[4096];
    if (!model) {
        model = model_default_path(
            corp.format == NER_FMT_IOB2 ? NER_MODEL_WEB : NER_MODEL_CONLL, mp,
            sizeof mp);
    }
    ner_model *m;
    if (ner_model_open(model, &m, &e) != DS_OK) {
        ner_corpus_fini(&corp);
        return cli_report(&e);
    }
    ner_tagger *t = ner_tagger_new(m);
    ner_eval ev;
    ner_evaluate(t, &corp, !no_pos, drop, &ev);
    /* Speed: repeat until at least one second of tagging. */
    double secs = ev.seconds;
    size_t toks = ev.tokens;
    while (secs < 1.0 && ev.tokens > 0) {
        ner_eval again;
        ner_evaluate(t, &corp, !no_pos, drop, &again);
        secs += again.seconds;
        toks += again.tokens;
    }
    double tps = secs > 0 ? (double)toks / secs : 0;
    double cold = ev.tokens_per_s; /* the first pass: empty caches */
    if (json) {
        buf b;
        buf_init(&b, 0);
        json_w j;
        json_init(&j, &b);
        json_obj(&j);
        json_kv_str(&j, "file", path);
        json_kv_str(&j, "model", model);
        json_kv_int(&j, "tokens", (int64_t)ev.tokens);
        json_kv_int(&j, "sentences", (int64_t)ev.sentences);
        json_kv_int(&j, "documents", (int64_t)ev.docs);
        json_kv_num(&j, "accuracy", r2(ev.accuracy));
        json_key(&j, "overall");
        prf_json(&j, &ev.all);
        json_key(&j, "types");
        json_obj(&j);
        for (size_t i = 0; i < ev.n_types; i++) {
            json_key(&j, ev.types[i].name);
            prf_json(&j, &ev.types[i].prf);
        }
        json_end(&j);
        json_kv_num(&j, "tokens_per_s", round(tps));
        json_kv_num(&j, "tokens_per_s_first_pass", round(cold));
        json_end(&j);
        buf_putc(&b, '\n');
        cli_print(&b);
        buf_fini(&b);
    } else {
        /* conlleval's report, then the speed. */
        printf("processed %zu tokens with %zu phrases; found: %zu phrases; "
               "correct: %zu.\n",
               ev.tokens, ev.all.gold, ev.all.guessed, ev.all.correct);
        printf("accuracy: %6.2f%%; precision: %6.2f%%; recall: %6.2f%%; "
               "FB1: %6.2f\n",
               ev.accuracy, ev.all.precision, ev.all.recall, ev.all.f1);
        for (size_t i = 0; i < ev.n_types; i++) {
            const ner_prf *p = &ev.types[i].prf;
            printf("%17s: precision: %6.2f%%; recall: %6.2f%%; FB1: %6.2f  "
                   "%zu\n",
                   ev.types[i].name, p->precision, p->recall, p->f1,
                   p->guessed);
        }
        printf("speed: %.0f tokens/s (one core, %zu tokens in %.2f s; first "
               "pass %.0f tokens/s)\n",
               tps, toks, secs, cold);
    }
    ner_tagger_free(t);
    ner_model_free(m);
    ner_corpus_fini(&corp);
    return CLI_OK;
}
