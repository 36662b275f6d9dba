/* cmd_eval.c - `dossier eval`: scores the NLP components against annotated
 * data.
 *
 *   dossier eval tokenize FILE.conllu [--rules | --model PATH] [--json]
 *   dossier eval pos FILE.conllu [--model PATH] [--json]
 *   dossier eval ner FILE [--model PATH] [--format conll|iob2] [--json]
 *   dossier eval parse FILE.conllu [--model PATH] [--gold-pos] [--json]
 *
 * Each evaluation is a subcommand in the table below; `eval pos`, `eval ner`
 * and `eval parse` are added there as their components arrive. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_ner.h"
#include "cli/cli_parse.h"
#include "nlp/conllu.h"
#include "nlp/model.h"
#include "nlp/pos.h"
#include "nlp/sent.h"
#include "nlp/tok_eval.h"
#include "util/xalloc.h"

typedef struct eval_sub {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the subcommand name */
    const char *summary;
} eval_sub;

static int eval_tokenize(int argc, char **argv);
static int eval_pos(int argc, char **argv);

/* One row per evaluation; NULL-name terminated. */
static const eval_sub eval_subs[] = {
    {"tokenize", eval_tokenize,
     "tokens, words and sentences against a CoNLL-U file"},
    {"pos", eval_pos, "UPOS and XPOS accuracy of the tagger with gold tokens"},
    {"ner", cmd_eval_ner,
     "entity P/R/F1 per type (conlleval) on CoNLL or IOB2 data, tokens/s"},
    {"parse", cmd_eval_parse,
     "UAS/LAS of the dependency parser with gold tokens"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
    fputs("usage: dossier eval SUBCOMMAND [OPTIONS] FILE\n"
          "\n"
          "subcommands:\n",
          f);
    for (const eval_sub *s = eval_subs; s->name; s++) {
        fprintf(f, "  %-10s %s\n", s->name, s->summary);
    }
    fputs(
        "\n"
        "  dossier eval tokenize FILE.conllu [--rules | --model PATH] "
        "[--json]\n"
        "      Rebuilds the raw text of a UD treebank, runs the tokenizer\n"
        "      and prints precision, recall and F1 (CoNLL 2018 style).\n"
        "      Sentences: the rules plus sent.model from the models\n"
        "      directory when present, the model PATH, or (--rules) the\n"
        "      rules alone.\n"
        "  dossier eval pos FILE.conllu [--model PATH] [--json]\n"
        "      Tags the gold words of each sentence and prints UPOS and XPOS\n"
        "      accuracy and the tagging speed (words/s, one core). The\n"
        "      model defaults to pos.model in the models directory\n"
        "      ($DOSSIER_MODELS, else models/).\n"
        "  dossier eval ner FILE [--model PATH] [--format conll|iob2]\n"
        "                   [--drop-types T,...] [--json]\n"
        "      Entity precision, recall and F1 overall and per type, as\n"
        "      conlleval computes them (IOB1 or IOB2 input), and tokens/s.\n"
        "  dossier eval parse FILE.conllu [--model PATH] [--pos-model PATH]\n"
        "                   [--gold-pos] [--json]\n"
        "      UAS and LAS of the dependency parser with gold tokens and\n"
        "      predicted (or --gold-pos) tags, and words/s.\n"
        "\n"
        "A FILE that cannot be read, is malformed (named with its line)\n"
        "or has no words to score exits 1.\n",
        f);
}

static void print_prf_json(const char *name, const tok_eval_prf *p, bool last)
{
    printf("  \"%s\": {\"gold\": %zu, \"system\": %zu, \"correct\": %zu, "
           "\"precision\": %.2f, \"recall\": %.2f, \"f1\": %.2f}%s\n",
           name, p->gold, p->system, p->correct, p->precision, p->recall, p->f1,
           last ? "" : ",");
}

static void print_prf_row(const char *name, const tok_eval_prf *p)
{
    printf("%-10s %9.2f %9.2f %9.2f %8zu %8zu\n", name, p->precision, p->recall,
           p->f1, p->gold, p->system);
}

static int eval_tokenize(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"rules", no_argument, NULL, 'r'},
        {"model", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, rules = false;
    const char *model = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'r':
            rules = true;
            break;
        case 'm':
            model = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("eval",
                                   "unknown option or missing value "
                                   "'%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return cli_usage_error("eval", "tokenize needs exactly one FILE");
    }
    const char *path = argv[optind];
    if (rules && model) {
        return cli_usage_error("eval", "tokenize: --rules and --model "
                                       "exclude each other");
    }
    tok_eval_scores sc;
    ds_err e;
    /* The sentence splitter: the rules alone, a given model, or what
     * tok_run uses (sent.model in the models directory, else rules). */
    sent_model *own = NULL;
    const sent_model *sm = NULL;
    if (model) {
        if (sent_model_open(model, &own, &e) != DS_OK) {
            fprintf(stderr, "dossier eval: %s\n", e.msg);
            return CLI_FAIL;
        }
        sm = own;
    } else if (!rules) {
        sm = tok_default_sentence_model();
    }
    ds_rc rc = tok_eval_conllu_with(path, sm, &sc, &e);
    sent_model_free(own);
    if (rc != DS_OK) {
        fprintf(stderr, "dossier eval: %s\n", e.msg);
        return CLI_FAIL;
    }
    if (sc.words.gold == 0) {
        fprintf(stderr, "dossier eval: %s: %s\n", path, CLI_EVAL_EMPTY);
        return CLI_FAIL;
    }
    if (json) {
        printf("{\n  \"file\": \"");
        for (const char *p = path; *p; p++) {
            if (*p == '"' || *p == '\\') {
                putchar('\\');
            }
            if ((unsigned char)*p >= 0x20) {
                putchar(*p);
            }
        }
        printf("\",\n  \"text_bytes\": %zu,\n", sc.text_bytes);
        printf("  \"sentence_splitter\": \"%s\",\n", sm ? "model" : "rules");
        print_prf_json("tokens", &sc.tokens, false);
        print_prf_json("words", &sc.words, false);
        print_prf_json("sentences", &sc.sentences, true);
        printf("}\n");
    } else {
        printf("%-10s %9s %9s %9s %8s %8s\n", "metric", "precision", "recall",
               "f1", "gold", "system");
        print_prf_row("tokens", &sc.tokens);
        print_prf_row("words", &sc.words);
        print_prf_row("sentences", &sc.sentences);
        printf("(sentences: %s)\n", sm ? "rules + model" : "rules");
    }
    return CLI_OK;
}

static void json_str(const char *s)
{
    putchar('"');
    for (const char *p = s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            putchar('\\');
        }
        if ((unsigned char)*p >= 0x20) {
            putchar(*p);
        }
    }
    putchar('"');
}

static int eval_pos(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"model", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    const char *model = NULL;
    char def[4096];
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            json = true;
            break;
        case 'm':
            model = optarg;
            break;
        case 'h':
            usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("eval",
                                   "unknown option or missing value "
                                   "'%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return cli_usage_error("eval", "pos needs exactly one FILE");
    }
    if (!model) {
        model = model_default_path(POS_MODEL_FILE, def, sizeof def);
    }
    const char *path = argv[optind];
    ds_err e;
    pos_model *m = NULL;
    char *data = NULL;
    size_t len = 0;
    if (pos_model_open(model, &m, &e) != DS_OK) {
        fprintf(stderr, "dossier eval: %s\n", e.msg);
        return CLI_FAIL;
    }
    int status = CLI_OK;
    pos_tagger *t = pos_tagger_new(m);
    pos_eval ev;
    if (conllu_load_file(path, &data, &len, &e) != DS_OK) {
        fprintf(stderr, "dossier eval: %s\n", e.msg);
        status = CLI_FAIL;
        goto out;
    }
    if (pos_eval_conllu(t, (str){data, len}, &ev, &e) != DS_OK) {
        /* The reader's message says the line; the file is named here. */
        fprintf(stderr, "dossier eval: %s:%s\n", path, e.msg);
        status = CLI_FAIL;
        goto out;
    }
    if (ev.words == 0) {
        fprintf(stderr, "dossier eval: %s: %s\n", path, CLI_EVAL_EMPTY);
        status = CLI_FAIL;
        goto out;
    }
    if (json) {
        printf("{\n  \"file\": ");
        json_str(path);
        printf(",\n  \"model\": ");
        json_str(model);
        printf(",\n  \"sentences\": %zu,\n  \"words\": %zu,\n"
               "  \"upos\": {\"correct\": %zu, \"accuracy\": %.2f},\n"
               "  \"xpos\": {\"correct\": %zu, \"accuracy\": %.2f},\n"
               "  \"upos_xpos\": {\"correct\": %zu, \"accuracy\": %.2f},\n"
               "  \"words_per_second\": %.0f\n}\n",
               ev.sentences, ev.words, ev.upos_ok, ev.upos_acc, ev.xpos_ok,
               ev.xpos_acc, ev.both_ok, ev.both_acc, ev.words_per_s);
    } else {
        printf("%-10s %9s %8s %8s\n", "metric", "accuracy", "correct", "words");
        printf("%-10s %9.2f %8zu %8zu\n", "UPOS", ev.upos_acc, ev.upos_ok,
               ev.words);
        printf("%-10s %9.2f %8zu %8zu\n", "XPOS", ev.xpos_acc, ev.xpos_ok,
               ev.words);
        printf("%-10s %9.2f %8zu %8zu\n", "UPOS+XPOS", ev.both_acc, ev.both_ok,
               ev.words);
        printf("speed      %.0f words/s (tagging only, one core, one pass)\n",
               ev.words_per_s);
    }
out:
    xfree(data);
    pos_tagger_free(t);
    pos_model_free(m);
    return status;
}

int cmd_eval(int argc, char **argv)
{
    if (argc < 2) {
        return cli_usage_error("eval", "missing subcommand");
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0 ||
        strcmp(sub, "help") == 0) {
        usage(stdout);
        return CLI_OK;
    }
    for (const eval_sub *s = eval_subs; s->name; s++) {
        if (strcmp(s->name, sub) == 0) {
            return s->run(argc - 1, argv + 1);
        }
    }
    if (sub[0] == '-') {
        return cli_usage_error("eval", "unknown option '%s'", sub);
    }
    return cli_usage_error("eval", "unknown subcommand '%s'", sub);
}
