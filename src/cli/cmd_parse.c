/* cmd_parse.c - the dependency parser's commands:
 *
 *   dossier train parse --train FILE --dev FILE --out FILE [options]
 *   dossier eval parse FILE.conllu [--model PATH] [--pos-model PATH]
 *                      [--gold-pos] [--json]
 *   dossier annotate [FILE|-] [--json] [--model PATH] [--pos-model PATH]
 *
 * `train parse` takes its hyper-parameters from one table (name, type,
 * default, help) that both parses the options and prints --help. `eval
 * parse` prints UAS, LAS and label accuracy over every word (punctuation
 * included, the UD convention) and the parsing speed. `annotate` runs raw
 * text through the tokenizer, the POS tagger, the named-entity recognizer
 * (when its model is there) and the parser and prints CoNLL-U (or JSON)
 * with byte offsets and the NER label (IOB2) in MISC. */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "cli/cli_annot.h"
#include "cli/cli_hp.h"
#include "cli/cli_parse.h"
#include "util/utf8.h"
#include "json/json.h"
#include "nlp/annot.h"
#include "nlp/conllu.h"
#include "nlp/dep.h"

#include "nlp/model.h"
#include "nlp/ner.h"
#include "nlp/pos.h"
#include "nlp/pos_train.h"
#include "nlp/tok.h"
#include "util/xalloc.h"

/* ---- train parse: the hyper-parameter table ---- */

enum {
    P_TRAIN,
    P_DEV,
    P_OUT,
    P_POS,
    P_JACKKNIFE,
    P_JK_OUT,
    P_ITER,
    P_SEED,
    P_EXPLORE_FROM,
    P_EXPLORE_P,
    P_MARGIN,
    P_CLASSES,
    P_BEAM,
    P_ALT,
    P_MIN_COUNT,
    P_PRUNE,
    P_POS_MODE,
    P_MAX_MB,
    P_N
};

static const cli_hparam params[] = {
    [P_TRAIN] = {"train", HP_PATH, NULL, "training data (CoNLL-U)"},
    [P_DEV] = {"dev", HP_PATH, NULL,
               "development data (CoNLL-U): progress and model selection"},
    [P_OUT] = {"out", HP_PATH, NULL, "model file to write"},
    [P_POS] = {"pos-model", HP_PATH, "gold",
               "tag train and dev with this POS model ('gold': use the "
               "gold UPOS/XPOS columns)"},
    [P_JACKKNIFE] = {"jackknife", HP_UINT, "10",
                     "with --pos-model: tag train by K-fold jackknifing "
                     "(K taggers, `train pos` defaults, each on K-1 folds); "
                     "0: tag it with --pos-model itself; 1: keep its POS "
                     "columns (e.g. a file from --tagged-out)"},
    [P_JK_OUT] = {"tagged-out", HP_PATH, "-",
                  "also write the training data with its jackknifed POS "
                  "to this file ('-': do not)"},
    [P_ITER] = {"iterations", HP_UINT, "10", "passes over the training data"},
    [P_SEED] = {"seed", HP_UINT, "1",
                "seed of the sentence shuffling and of the exploration"},
    [P_EXPLORE_FROM] = {"explore-from", HP_UINT, "2",
                        "first pass that follows the model's own mistakes "
                        "(dynamic oracle; 0: never)"},
    [P_EXPLORE_P] = {"explore-p", HP_REAL, "0.9",
                     "probability of following a wrong prediction"},
    [P_MARGIN] = {"margin", HP_UINT, "0",
                  "also update when a right transition wins by less than "
                  "this (score units; 0: only on mistakes)"},
    [P_CLASSES] = {"classes", HP_BOOL, "1",
                   "word-class features, from the classes in --pos-model"},
    [P_BEAM] = {"beam", HP_UINT, "1",
                "beam width: > 1 trains a beam globally and decodes with it "
                "(slower, doc/internals/parser.md); 1: greedy"},
    [P_ALT] = {"alt-margin", HP_UINT, "0",
               "features of the tagger's runner-up UPOS for words whose tag "
               "won by less than this (weight units; 0: none)"},
    [P_MIN_COUNT] = {"min-count", HP_UINT, "2",
                     "drop features seen fewer times in the first pass"},
    [P_PRUNE] = {"prune", HP_REAL, "1.25",
                 "drop averaged weights below this (update units)"},
    [P_POS_MODE] = {"pos-mode", HP_UINT, "0",
                    "the tag in the POS templates: 0 UPOS+XPOS, 1 UPOS, "
                    "2 XPOS"},
    [P_MAX_MB] = {"max-mb", HP_REAL, "12",
                  "select only passes whose model is at most this many MB "
                  "(10^6 bytes; 0: no limit)"},
    {NULL, 0, NULL, NULL},
};

static const char train_summary[] =
    "Trains the dependency parser (arc-eager, averaged perceptron,\n"
    "dynamic oracle) on a CoNLL-U treebank; the pass with the best\n"
    "dev LAS is written.";

static void train_progress(void *ctx, uint32_t iter, double train_acc,
                           const dep_eval *dev, size_t model_bytes,
                           double seconds)
{
    (void)ctx;
    fprintf(stderr,
            "iter %2u  train %.2f  dev UAS %.2f LAS %.2f (univ %.2f) LA "
            "%.2f  %.1f MB  %.1fs\n",
            iter, train_acc, dev->uas, dev->las, dev->las_univ, dev->la,
            (double)model_bytes / 1e6, seconds);
}

/* ---- train parse: jackknifed POS for the training set ----
 *
 * A parser trained on gold POS learns to trust tags that the tagger gets
 * wrong 5% of the time at run time; a parser trained on tags from a
 * tagger that saw the same sentences (99% right) learns much the same.
 * Jackknifing gives the training set tags as noisy as at run time: split
 * the sentences into K folds (sentence i goes to fold i mod K), train a
 * tagger on K-1 folds with the shipped tagger's settings and tag the
 * remaining one. The folds are written to a temporary directory because
 * pos_train() reads files. */

typedef struct block {
    size_t off, len; /* a sentence's lines in the text, without the blank
                        line after it */
} block;

static size_t split_blocks(str t, block **out)
{
    size_t n = 0, cap = 0;
    block *b = NULL;
    size_t i = 0;
    while (i < t.len) {
        /* skip blank lines */
        while (i < t.len && (t.ptr[i] == '\n' || t.ptr[i] == '\r')) {
            i++;
        }
        if (i >= t.len) {
            break;
        }
        size_t start = i;
        for (;;) {
            const char *nl = memchr(t.ptr + i, '\n', t.len - i);
            size_t end = nl ? (size_t)(nl - t.ptr) : t.len;
            bool blank = end == i || (end == i + 1 && t.ptr[i] == '\r');
            if (blank) {
                break;
            }
            i = nl ? end + 1 : t.len;
            if (i >= t.len) {
                break;
            }
        }
        b = xgrow(b, &cap, n + 1, sizeof *b);
        b[n++] = (block){start, i - start};
    }
    *out = b;
    return n;
}

/* Runner-ups further below than this are not written (the parser's
 * --alt-margin is expected to be much smaller). */
#define JK_ALT_MAX 1000.0f

/* Appends block bl of t with the UPOS and XPOS of its word lines replaced
 * by the tagger's, and the tagger's runner-up UPOS and its margin
 * (pos_tag_sent_alt) added to MISC as "AltUPOS=NOUN:37.5" when it is
 * within JK_ALT_MAX. */
static void tag_block(str t, block bl, const pos_model *pm, pos_tagger *tg,
                      buf *out)
{
    str lines[4096];
    size_t nl = 0;
    str rest = str_sub(t, bl.off, bl.len), line;
    while (nl < 4096 && str_cut(&rest, '\n', &line)) {
        lines[nl++] = line;
    }
    if (rest.len) { /* a sentence of over 4096 lines: keep its tags */
        (void)buf_append(out, t.ptr + bl.off, bl.len);
        (void)buf_puts(out, t.ptr[bl.off + bl.len - 1] == '\n' ? "\n" : "\n\n");
        return;
    }
    str forms[4096];
    uint16_t tags[4096], alt[4096];
    float margin[4096];
    size_t word_line[4096];
    size_t nw = 0;
    for (size_t i = 0; i < nl; i++) {
        str f[10], r = lines[i], x;
        size_t k = 0;
        if (r.len && r.ptr[0] == '#') {
            continue;
        }
        while (k < 10 && str_cut(&r, '\t', &x)) {
            f[k++] = x;
        }
        bool word = k == 10 && f[0].len > 0;
        for (size_t c = 0; word && c < f[0].len; c++) {
            word = f[0].ptr[c] >= '0' && f[0].ptr[c] <= '9';
        }
        if (word) {
            forms[nw] = f[1];
            word_line[nw++] = i;
        }
    }
    pos_tag_sent_alt(tg, forms, nw, tags, alt, margin);
    size_t w = 0;
    for (size_t i = 0; i < nl; i++) {
        if (w < nw && word_line[w] == i) {
            str f[10], r = lines[i], x;
            size_t k = 0;
            while (k < 10 && str_cut(&r, '\t', &x)) {
                f[k++] = x;
            }
            f[3] = pos_tag_upos(pm, tags[w]);
            f[4] = pos_tag_xpos(pm, tags[w]);
            char item[96] = "";
            if (alt[w] != POS_NO_ALT && margin[w] < JK_ALT_MAX) {
                dep_alt_misc(item, sizeof item, pos_tag_upos(pm, alt[w]),
                             margin[w]);
            }
            for (size_t c = 0; c < 10; c++) {
                bool misc_empty = c == 9 && str_eq(f[9], STR("_"));
                if (!(misc_empty && item[0])) {
                    (void)buf_append(out, f[c].ptr, f[c].len);
                }
                if (c == 9 && item[0]) {
                    (void)buf_puts(out, misc_empty ? "" : "|");
                    (void)buf_puts(out, item);
                }
                (void)buf_putc(out, c == 9 ? '\n' : '\t');
            }
            w++;
        } else {
            (void)buf_append(out, lines[i].ptr, lines[i].len);
            (void)buf_putc(out, '\n');
        }
    }
    (void)buf_putc(out, '\n');
}

/* Reads every sentence of a loaded CoNLL-U file, so that a malformed line
 * is reported with its file's name: the trainer reads train and dev as
 * texts and cannot say which one was wrong. */
static ds_rc check_conllu(const char *path, str text, ds_err *e)
{
    conllu_reader r;
    conllu_sent s;
    conllu_reader_init(&r, text);
    conllu_sent_init(&s);
    ds_rc rc;
    bool got = true;
    while ((rc = conllu_next(&r, &s, &got, e)) == DS_OK && got) {
    }
    conllu_sent_fini(&s);
    if (rc != DS_OK) {
        ds_wrap(e, "%s", path);
    }
    return rc;
}

static ds_rc write_file(const char *path, const buf *b, ds_err *e)
{
    FILE *f = fopen(path, "wb");
    if (!f) {
        return ds_fail(e, DS_EIO, "%s: cannot write", path);
    }
    bool ok = fwrite(b->ptr, 1, b->len, f) == b->len;
    if (fclose(f) != 0 || !ok) {
        return ds_fail(e, DS_EIO, "%s: cannot write", path);
    }
    return DS_OK;
}

static ds_rc jackknife(str train, const char *dev_path, uint32_t K,
                       char **out_text, size_t *out_len, ds_err *e)
{
    block *bl = NULL;
    size_t nb = split_blocks(train, &bl);
    char **tagged = xcalloc(nb ? nb : 1, sizeof *tagged);
    size_t *tagged_len = xcalloc(nb ? nb : 1, sizeof *tagged_len);
    char dir[] = "/tmp/dossier-jk-XXXXXX";
    char tpath[64], mpath[64];
    ds_rc rc = DS_OK;
    bool have_dir = mkdtemp(dir) != NULL;
    if (!have_dir) {
        rc = ds_fail(e, DS_EIO, "cannot create a temporary directory");
        goto out;
    }
    snprintf(tpath, sizeof tpath, "%s/train.conllu", dir);
    snprintf(mpath, sizeof mpath, "%s/pos.model", dir);
    for (uint32_t k = 0; k < K && rc == DS_OK; k++) {
        buf b;
        buf_init(&b, 0);
        for (size_t i = 0; i < nb; i++) {
            if (i % K != k) {
                (void)buf_append(&b, train.ptr + bl[i].off, bl[i].len);
                (void)buf_puts(&b, "\n\n");
            }
        }
        rc = write_file(tpath, &b, e);
        buf_fini(&b);
        if (rc != DS_OK) {
            break;
        }
        /* The settings of the shipped tagger, so that the parser trains
         * on tags as good as it will see. */
        pos_train_opts po = {.train_path = tpath,
                             .dev_path = dev_path,
                             .out_path = mpath,
                             .iterations = POS_TRAIN_ITERATIONS,
                             .seed = 1,
                             .min_count = POS_TRAIN_MIN_COUNT,
                             .prune_below = POS_TRAIN_PRUNE,
                             .dict_min = POS_TRAIN_DICT_MIN,
                             .dict_ratio = POS_TRAIN_DICT_RATIO,
                             .margin = POS_TRAIN_MARGIN};
        pos_train_result pr;
        if ((rc = pos_train(&po, &pr, e)) != DS_OK) {
            break;
        }
        pos_model *pm = NULL;
        if ((rc = pos_model_open(mpath, &pm, e)) != DS_OK) {
            break;
        }
        pos_tagger *tg = pos_tagger_new(pm);
        for (size_t i = k; i < nb; i += K) {
            buf o;
            buf_init(&o, 0);
            tag_block(train, bl[i], pm, tg, &o);
            tagged[i] = buf_take(&o, &tagged_len[i]);
        }
        pos_tagger_free(tg);
        pos_model_free(pm);
        fprintf(stderr, "jackknife fold %u/%u: tagger dev UPOS %.2f\n", k + 1,
                K, pr.dev.upos_acc);
    }
    if (rc == DS_OK) {
        buf all;
        buf_init(&all, 0);
        for (size_t i = 0; i < nb; i++) {
            (void)buf_append(&all, tagged[i], tagged_len[i]);
        }
        *out_text = buf_take(&all, out_len);
    }
out:
    if (have_dir) {
        remove(tpath);
        remove(mpath);
        rmdir(dir);
    }
    for (size_t i = 0; i < nb; i++) {
        xfree(tagged[i]);
    }
    xfree(tagged);
    xfree(tagged_len);
    xfree(bl);
    return rc;
}

static ds_rc write_model_file(const char *path, const void *p, size_t n,
                              ds_err *e)
{
    char tmp[4096];
    int k = snprintf(tmp, sizeof tmp, "%s.tmp", path);
    if (k < 0 || (size_t)k >= sizeof tmp) {
        return ds_fail(e, DS_EINVAL, "%s: path too long", path);
    }
    FILE *f = fopen(tmp, "wb");
    if (!f) {
        return ds_fail(e, DS_EIO, "%s: cannot write", tmp);
    }
    bool ok = fwrite(p, 1, n, f) == n;
    ok = (fclose(f) == 0) && ok;
    if (!ok || rename(tmp, path) != 0) {
        remove(tmp);
        return ds_fail(e, DS_EIO, "%s: cannot write", path);
    }
    return DS_OK;
}

int cmd_train_parse(int argc, char **argv)
{
    cli_hp_values v;
    int st = cli_hp_parse("train parse", argc, argv, train_summary, params, &v);
    if (st >= 0) {
        return st;
    }
    if (v.u[P_ITER] < 1 || v.u[P_ITER] > 1000) {
        return cli_usage_error("train", "parse: --iterations must be 1..1000");
    }
    if (v.u[P_BEAM] < 1 || v.u[P_BEAM] > DEP_MAX_BEAM) {
        return cli_usage_error("train", "parse: --beam must be 1..%d",
                               DEP_MAX_BEAM);
    }
    if (v.u[P_MIN_COUNT] > UINT32_MAX || v.u[P_EXPLORE_FROM] > 1000 ||
        v.u[P_POS_MODE] > 2 || v.r[P_EXPLORE_P] > 1.0 || v.u[P_ALT] > 1000000) {
        return cli_usage_error("train", "parse: value out of range");
    }
    ds_err e;
    pos_model *pm = NULL;
    if (strcmp(v.text[P_POS], "gold") != 0 &&
        pos_model_open(v.text[P_POS], &pm, &e) != DS_OK) {
        return cli_report(&e);
    }
    dep_train_opts o = {
        .iterations = (uint32_t)v.u[P_ITER],
        .seed = v.u[P_SEED],
        .explore_from = (uint32_t)v.u[P_EXPLORE_FROM],
        .explore_p = v.r[P_EXPLORE_P],
        .margin = (uint32_t)v.u[P_MARGIN],
        .min_count = (uint32_t)v.u[P_MIN_COUNT],
        .prune_below = v.r[P_PRUNE],
        .pos_mode = (uint32_t)v.u[P_POS_MODE],
        .word_classes = v.u[P_CLASSES] != 0,
        .beam = (uint32_t)v.u[P_BEAM],
        .alt_margin = (uint32_t)v.u[P_ALT],
        .max_bytes = (size_t)(v.r[P_MAX_MB] * 1e6),
        .pos = pm,
        .tag_train = pm && v.u[P_JACKKNIFE] == 0,
        .progress = train_progress,
    };
    dep_train_result res;
    char *tr = NULL, *dv = NULL, *jk = NULL;
    size_t trn = 0, dvn = 0, jkn = 0;
    void *model = NULL;
    size_t mlen = 0;
    ds_rc rc;
    double t0 = (double)clock();
    (void)t0;
    if ((rc = conllu_load_file(v.text[P_TRAIN], &tr, &trn, &e)) != DS_OK ||
        (rc = conllu_load_file(v.text[P_DEV], &dv, &dvn, &e)) != DS_OK ||
        (rc = check_conllu(v.text[P_TRAIN], (str){tr, trn}, &e)) != DS_OK ||
        (rc = check_conllu(v.text[P_DEV], (str){dv, dvn}, &e)) != DS_OK) {
        goto done;
    }
    str train = {tr, trn};
    if (pm && v.u[P_JACKKNIFE] > 1) {
        if ((rc = jackknife(train, v.text[P_DEV], (uint32_t)v.u[P_JACKKNIFE],
                            &jk, &jkn, &e)) != DS_OK) {
            goto done;
        }
        train = (str){jk, jkn};
        if (strcmp(v.text[P_JK_OUT], "-") != 0 &&
            (rc = write_model_file(v.text[P_JK_OUT], jk, jkn, &e)) != DS_OK) {
            goto done;
        }
    }
    if ((rc = dep_train_mem(train, (str){dv, dvn}, &o, &model, &mlen, &res,
                            &e)) != DS_OK) {
        goto done;
    }
    rc = write_model_file(v.text[P_OUT], model, mlen, &e);
done:
    xfree(model);
    xfree(tr);
    xfree(dv);
    xfree(jk);
    pos_model_free(pm);
    if (rc != DS_OK) {
        return cli_report(&e);
    }
    printf("wrote %s: %zu bytes, pass %u of %u, %u labels\n", v.text[P_OUT],
           res.model_bytes, res.best_iter, o.iterations, res.n_labels);
    printf("train: %zu sentences, %zu words, %zu non-projective (%zu arcs "
           "lifted); POS %s\n",
           res.train_sents, res.train_words, res.nonproj_sents, res.lifted_arcs,
           !pm                    ? "gold"
           : v.u[P_JACKKNIFE] > 1 ? "jackknifed"
                                  : "tagged by --pos-model");
    printf("dev:   UAS %.2f  LAS %.2f  LAS(universal) %.2f  LA %.2f\n",
           res.dev.uas, res.dev.las, res.dev.las_univ, res.dev.la);
    printf("time:  %.1f s\n", res.seconds);
    return CLI_OK;
}

/* ---- eval parse ---- */

static void eval_usage(FILE *f)
{
    fputs("usage: dossier eval parse FILE.conllu [--model PATH] "
          "[--pos-model PATH] [--gold-pos] [--beam B] [--json]\n"
          "\n"
          "Parses the gold words of each sentence and prints UAS, LAS and\n"
          "label accuracy over all words (punctuation included), LAS on the\n"
          "universal part of the labels (CoNLL 2018), and the parsing speed\n"
          "(words per second of CPU time, one core). POS comes from the\n"
          "tagger (--pos-model, default pos.model in the models directory)\n"
          "unless --gold-pos. --beam decodes with B hypotheses instead of\n"
          "the model's width: a model trained with train parse --beam sums\n"
          "its scores, a greedy model its transitions' log-probabilities.\n",
          f);
}

static void json_path(const char *s)
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

int cmd_eval_parse(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"model", required_argument, NULL, 'm'},
        {"pos-model", required_argument, NULL, 'p'},
        {"gold-pos", no_argument, NULL, 'g'},
        {"beam", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false, gold = false;
    long beam = 0;
    const char *model = NULL, *pmodel = NULL;
    char def[4096], pdef[4096];
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
        case 'p':
            pmodel = optarg;
            break;
        case 'g':
            gold = true;
            break;
        case 'b':
            if (!cli_int_arg("eval", "--beam", optarg, 1, DEP_MAX_BEAM,
                             &beam)) {
                return CLI_USAGE;
            }
            break;
        case 'h':
            eval_usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("eval",
                                   "unknown option or missing value "
                                   "'%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 != argc) {
        return cli_usage_error("eval", "parse needs exactly one FILE");
    }
    if (!model) {
        model = model_default_path(DEP_MODEL_FILE, def, sizeof def);
    }
    if (!pmodel) {
        pmodel = model_default_path(POS_MODEL_FILE, pdef, sizeof pdef);
    }
    const char *path = argv[optind];
    ds_err e;
    dep_model *m = NULL;
    pos_model *pm = NULL;
    pos_tagger *tg = NULL;
    dep_parser *p = NULL;
    char *data = NULL;
    size_t len = 0;
    int status = CLI_OK;
    if (dep_model_open(model, &m, &e) != DS_OK ||
        (!gold && pos_model_open(pmodel, &pm, &e) != DS_OK)) {
        fprintf(stderr, "dossier eval: %s\n", e.msg);
        status = CLI_FAIL;
        goto out;
    }
    p = dep_parser_new(m);
    dep_parser_set_beam(p, (uint32_t)beam);
    tg = pm ? pos_tagger_new(pm) : NULL;
    dep_eval ev;
    if (conllu_load_file(path, &data, &len, &e) != DS_OK) {
        fprintf(stderr, "dossier eval: %s\n", e.msg);
        status = CLI_FAIL;
        goto out;
    }
    if (dep_eval_conllu(p, pm, tg, (str){data, len}, &ev, &e) != DS_OK) {
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
        json_path(path);
        printf(",\n  \"model\": ");
        json_path(model);
        printf(",\n  \"pos\": ");
        if (gold) {
            printf("\"gold\"");
        } else {
            json_path(pmodel);
        }
        printf(",\n  \"beam\": %ld", beam ? beam : (long)dep_model_beam(m));
        printf(",\n  \"sentences\": %zu,\n  \"words\": %zu,\n"
               "  \"uas\": %.2f,\n  \"las\": %.2f,\n  \"las_universal\": %.2f,"
               "\n  \"label_accuracy\": %.2f,\n  \"upos_accuracy\": %.2f,\n",
               ev.sentences, ev.words, ev.uas, ev.las, ev.las_univ, ev.la,
               ev.upos_acc);
        /* UAS on the words the tagger got right and on the others (null
         * with gold POS) */
        if (gold) {
            printf("  \"uas_tag_right\": null,\n  \"uas_tag_wrong\": null,\n");
        } else {
            printf("  \"uas_tag_right\": %.2f,\n  \"uas_tag_wrong\": %.2f,\n",
                   ev.uas_tag_right, ev.uas_tag_wrong);
        }
        printf("  \"words_per_second\": %.0f\n}\n", ev.words_per_s);
    } else {
        printf("%-16s %9s %8s %8s\n", "metric", "score", "correct", "words");
        printf("%-16s %9.2f %8zu %8zu\n", "UAS", ev.uas, ev.head_ok, ev.words);
        printf("%-16s %9.2f %8zu %8zu\n", "LAS", ev.las, ev.both_ok, ev.words);
        printf("%-16s %9.2f %8zu %8zu\n", "LAS (universal)", ev.las_univ,
               ev.both_univ_ok, ev.words);
        printf("%-16s %9.2f %8zu %8zu\n", "label accuracy", ev.la, ev.label_ok,
               ev.words);
        if (!gold) {
            printf("%-16s %9.2f %8zu %8zu\n", "UPOS (tagger)", ev.upos_acc,
                   ev.pos_ok, ev.words);
            /* Where the parser's errors are: on words the tagger got
             * right, and on the others. */
            printf("%-16s %9.2f %8zu %8zu\n", "UAS, tag right",
                   ev.uas_tag_right, ev.pos_ok_head_ok, ev.pos_ok);
            printf("%-16s %9.2f %8zu %8zu\n", "UAS, tag wrong",
                   ev.uas_tag_wrong, ev.head_ok - ev.pos_ok_head_ok,
                   ev.words - ev.pos_ok);
        }
        printf("POS: %s\n", gold ? "gold" : "predicted");
        long width = beam ? beam : (long)dep_model_beam(m);
        printf("beam: %ld%s%s\n", width, beam ? "" : " (the model's)",
               width > 1 && dep_model_beam(m) == 1
                   ? " (a greedy model: summed log-probabilities)"
                   : "");
        printf("speed: %.0f words/s (parsing only, CPU time of one core)\n",
               ev.words_per_s);
    }
out:
    xfree(data);
    dep_parser_free(p);
    pos_tagger_free(tg);
    pos_model_free(pm);
    dep_model_free(m);
    return status;
}

/* ---- annotate ---- */

static void annotate_usage(FILE *f)
{
    fputs("usage: dossier annotate [FILE|-] [--json] [--model PATH] "
          "[--pos-model PATH] [--ner-model PATH|none] [--beam B]\n"
          "\n"
          "Tokenizes raw UTF-8 text, tags and parses it, and prints CoNLL-U:\n"
          "ID FORM LEMMA(_) UPOS XPOS FEATS(_) HEAD DEPREL DEPS(_) MISC, with\n"
          "TokenRange=START:END (byte offsets), SpaceAfter=No and NER=<IOB2>\n"
          "in MISC, '# sent_id' and '# text' comments; multiword tokens get\n"
          "a range line. --json prints the same as one JSON object. NER\n"
          "uses ner-conll.model of the models directory when present (else\n"
          "the column is O), or --ner-model; the input is one document.\n"
          "--beam B parses with B hypotheses instead of the model's width:\n"
          "with the shipped greedy model, 4 is about 1 UAS more accurate at\n"
          "44 % of the speed (doc/internals/parser.md).\n",
          f);
}

/* Reads all of path ("-" or NULL: stdin) into a new buffer. */
static ds_rc read_all(const char *path, char **out, size_t *out_len, ds_err *e)
{
    FILE *f = stdin;
    if (path && strcmp(path, "-") != 0) {
        f = fopen(path, "rb");
        if (!f) {
            return ds_fail(e, DS_EIO, "%s: %s", path, strerror(errno));
        }
    }
    buf b;
    buf_init(&b, (size_t)1 << 30);
    char chunk[65536];
    size_t got;
    ds_rc rc = DS_OK;
    errno = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, got) != DS_OK) {
            rc = ds_fail(e, DS_ETOOBIG, "%s: input over 1 GiB",
                         path ? path : "-");
            break;
        }
    }
    if (rc == DS_OK && ferror(f)) {
        rc = ds_fail(e, DS_EIO, "%s: %s", path ? path : "-",
                     errno ? strerror(errno) : "read error");
    }
    if (f != stdin) {
        fclose(f);
    }
    if (rc != DS_OK) {
        buf_fini(&b);
        return rc;
    }
    *out = buf_take(&b, out_len);
    return DS_OK;
}

/* Raw text must be valid UTF-8: the offsets printed point into it. */
static ds_rc check_utf8(const char *path, str text, ds_err *e)
{
    size_t bad, line, col;
    if (utf8_validate(text, &bad)) {
        return DS_OK;
    }
    utf8_line_col(text, bad, &line, &col);
    return ds_fail(e, DS_EFORMAT,
                   "%s: invalid UTF-8 at line %zu, column %zu (byte %zu)",
                   path && strcmp(path, "-") != 0 ? path : "-", line, col, bad);
}

int cmd_annotate(int argc, char **argv)
{
    static const struct option opts[] = {
        {"json", no_argument, NULL, 'j'},
        {"model", required_argument, NULL, 'm'},
        {"pos-model", required_argument, NULL, 'p'},
        {"ner-model", required_argument, NULL, 'n'},
        {"beam", required_argument, NULL, 'b'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    long beam = 0;
    const char *model = NULL, *pmodel = NULL, *nmodel = NULL;
    char def[4096], pdef[4096], ndef[4096];
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
        case 'p':
            pmodel = optarg;
            break;
        case 'n':
            nmodel = optarg;
            break;
        case 'b':
            if (!cli_int_arg("annotate", "--beam", optarg, 1, DEP_MAX_BEAM,
                             &beam)) {
                return CLI_USAGE;
            }
            break;
        case 'h':
            annotate_usage(stdout);
            return CLI_OK;
        default:
            return cli_usage_error("annotate",
                                   "unknown option or missing "
                                   "value '%s'",
                                   argv[optind - 1]);
        }
    }
    if (optind + 1 < argc) {
        return cli_usage_error("annotate", "at most one FILE");
    }
    const char *path = optind < argc ? argv[optind] : "-";
    if (!model) {
        model = model_default_path(DEP_MODEL_FILE, def, sizeof def);
    }
    if (!pmodel) {
        pmodel = model_default_path(POS_MODEL_FILE, pdef, sizeof pdef);
    }
    bool ner_optional = !nmodel;
    if (!nmodel) {
        nmodel = model_default_path(NER_MODEL_CONLL, ndef, sizeof ndef);
    }
    ds_err e;
    dep_model *m = NULL;
    pos_model *pm = NULL;
    ner_model *nm = NULL;
    char *text = NULL;
    size_t len = 0;
    tok_result r;
    tok_result_init(&r);
    annotator *an = NULL;
    cli_annot a;
    memset(&a, 0, sizeof a);
    int status = CLI_OK;
    buf out;
    buf_init(&out, 0);
    if (dep_model_open(model, &m, &e) != DS_OK ||
        pos_model_open(pmodel, &pm, &e) != DS_OK ||
        read_all(path, &text, &len, &e) != DS_OK ||
        check_utf8(path, (str){text, len}, &e) != DS_OK ||
        tok_run((str){text, len}, &r, &e) != DS_OK) {
        status = cli_report(&e);
        goto out;
    }
    /* NER: the default model is optional (an "O" column without it); a
     * model named with --ner-model must load. */
    if (strcmp(nmodel, "none") != 0 &&
        ner_model_open(nmodel, &nm, &e) != DS_OK &&
        !(ner_optional && e.rc == DS_ENOTFOUND)) {
        status = cli_report(&e);
        goto out;
    }
    str t = {text, len};
    an = annotator_new(pm, nm, m);
    annotator_set_beam(an, (uint32_t)beam);
    a.an = annotate_doc(an, t, &r);
    a.nm = nm;
    a.dm = m;
    json_w j;
    if (json) {
        json_init(&j, &out);
        json_obj(&j);
        json_key(&j, "ner_model");
        if (nm) {
            json_str(&j, nmodel);
        } else {
            json_null(&j);
        }
        json_key(&j, "sentences");
        json_arr(&j);
    }
    cli_annot_sentences(&a, t, &r, json ? &j : NULL, &out);
    if (json) {
        json_end(&j);
        json_end(&j);
        (void)buf_putc(&out, '\n');
    }
    cli_print(&out);
out:
    buf_fini(&out);
    annotator_free(an);
    ner_model_free(nm);
    tok_result_fini(&r);
    xfree(text);
    pos_model_free(pm);
    dep_model_free(m);
    return status;
}
