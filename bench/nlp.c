/* bench/nlp.c - speed of the statistical NLP models (prints figures; not a
 * test).
 *
 *   build/release/bench/nlp [--models DIR] [--shared DIR] [--seconds S]
 *
 * POS: loads models/pos.model (timing the load), reads UD EWT dev.conllu
 * into memory (gold tokens), and tags it over and over on one core until
 * at least S seconds (default 1) of tagging have passed; prints words/s
 * per core next to the target, the model size and the load time, and the
 * dev accuracy of the first pass. Skips (exit 0, with a message) when the
 * data or the model is absent. Then the same for the named-entity
 * recognizer (CoNLL-2003 dev), the dependency parser (EWT dev, predicted
 * tags; parsing time only; then, without a target, the same model decoded
 * with a beam of 4, the accuracy `--beam 4` buys for its speed) and the
 * whole annotate pipeline on raw text
 * (tokenize -> POS -> NER -> parse), and the load time and size of all
 * the models together. Every row times warm caches: a first pass over
 * the data runs before the clock starts and its rate is printed apart as
 * "first (cold-cache) pass", as a long ingest sees each cache filled once.
 * Exit status: 0 ran or skipped, 2 usage error. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nlp/conllu.h"
#include "nlp/annot.h"
#include "nlp/dep.h"
#include "nlp/model.h"
#include "nlp/ner.h"
#include "nlp/ner_eval.h"
#include "nlp/pos.h"
#include "nlp/tok.h"
#include "util/str.h"
#include "util/xalloc.h"

#define TARGET_POS_WPS      1000000.0
#define TARGET_NER_TPS      1000000.0
#define TARGET_PARSE_WPS    150000.0
#define TARGET_ANNOTATE_TPS 120000.0

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* CPU time of the calling thread: the per-core figure stays meaningful
 * when other processes share the machine. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

typedef struct corpus {
    str *words;
    size_t n_words, cap;
    size_t *sent_start; /* n_sents + 1 */
    size_t n_sents, cap_s;
} corpus;

static bool load_corpus(const char *path, char **text, corpus *c)
{
    size_t len;
    ds_err e;
    if (conllu_load_file(path, text, &len, &e) != DS_OK) {
        fprintf(stderr, "bench/nlp: %s\n", e.msg);
        return false;
    }
    conllu_reader r;
    conllu_sent s;
    conllu_reader_init(&r, (str){*text, len});
    conllu_sent_init(&s);
    memset(c, 0, sizeof *c);
    for (;;) {
        bool got;
        if (conllu_next(&r, &s, &got, &e) != DS_OK) {
            fprintf(stderr, "bench/nlp: %s: %s\n", path, e.msg);
            conllu_sent_fini(&s);
            return false;
        }
        if (!got) {
            break;
        }
        c->sent_start = xgrow(c->sent_start, &c->cap_s, c->n_sents + 2,
                              sizeof *c->sent_start);
        c->sent_start[c->n_sents] = c->n_words;
        for (size_t i = 0; i < s.n_lines; i++) {
            if (s.lines[i].kind == CONLLU_WORD) {
                c->words =
                    xgrow(c->words, &c->cap, c->n_words + 1, sizeof *c->words);
                c->words[c->n_words++] = s.lines[i].form;
            }
        }
        c->n_sents++;
    }
    c->sent_start[c->n_sents] = c->n_words;
    conllu_sent_fini(&s);
    return true;
}

static void bench_pos(const char *models, const char *shared, double secs)
{
    char mpath[4096], dpath[4096];
    snprintf(mpath, sizeof mpath, "%s/%s", models, POS_MODEL_FILE);
    snprintf(dpath, sizeof dpath, "%s/data/ud-ewt/dev.conllu", shared);
    if (!exists(mpath)) {
        printf("pos: SKIP (no model at %s; run `make models`)\n", mpath);
        return;
    }
    if (!exists(dpath)) {
        printf("pos: SKIP (no data at %s; set --shared or $DOSSIER_SHARED)\n",
               dpath);
        return;
    }
    double t0 = now_s();
    pos_model *m;
    ds_err e;
    if (pos_model_open(mpath, &m, &e) != DS_OK) {
        printf("pos: FAIL %s\n", e.msg);
        return;
    }
    double load_ms = (now_s() - t0) * 1e3;
    char *text = NULL;
    corpus c;
    if (!load_corpus(dpath, &text, &c)) {
        pos_model_free(m);
        return;
    }
    pos_tagger *t = pos_tagger_new(m);
    uint16_t *tags = xmalloc((c.n_words + 1) * sizeof *tags);
    /* First pass: cold caches. */
    double c0 = now_s();
    for (size_t s = 0; s < c.n_sents; s++) {
        size_t a = c.sent_start[s], b = c.sent_start[s + 1];
        pos_tag_sent(t, c.words + a, b - a, tags + a);
    }
    double cold = (double)c.n_words / (now_s() - c0);
    size_t words = 0, passes = 0;
    double start = now_s(), el = 0, cpu0 = cpu_s();
    while (el < secs) {
        for (size_t s = 0; s < c.n_sents; s++) {
            size_t a = c.sent_start[s], b = c.sent_start[s + 1];
            pos_tag_sent(t, c.words + a, b - a, tags + a);
        }
        words += c.n_words;
        passes++;
        el = now_s() - start;
    }
    double wps = (double)words / el;
    double cpu_wps = (double)words / (cpu_s() - cpu0);
    printf("%-6s %12s %10s %10s %10s %s\n", "model", "words/s", "target",
           "load ms", "bytes", "notes");
    printf("%-6s %12.0f %10.0f %10.1f %10zu %s; %zu words x %zu passes in "
           "%.2f s; %.0f words per CPU-second of this thread; first "
           "(cold-cache) pass %.0f words/s\n",
           "pos", wps, TARGET_POS_WPS, load_ms, pos_model_size(m),
           wps >= TARGET_POS_WPS ? "target met" : "BELOW TARGET", c.n_words,
           passes, el, cpu_wps, cold);
    xfree(tags);
    pos_tagger_free(t);
    pos_model_free(m);
    xfree(c.words);
    xfree(c.sent_start);
    xfree(text);
}

static void row(const char *name, double rate, double target, const char *unit,
                const char *notes)
{
    printf("%-9s %12.0f %10.0f  %-12s %s %s\n", name, rate, target,
           rate >= target ? "target met" : "BELOW TARGET", unit, notes);
}

static void bench_ner(const char *models, const char *shared, double secs)
{
    char mpath[4096], dpath[4096], notes[256];
    snprintf(mpath, sizeof mpath, "%s/%s", models, NER_MODEL_CONLL);
    snprintf(dpath, sizeof dpath, "%s/data/conll2003/dev.txt", shared);
    if (!exists(mpath) || !exists(dpath)) {
        printf("ner: SKIP (no %s)\n", exists(mpath) ? dpath : mpath);
        return;
    }
    ner_model *m;
    ner_corpus c;
    ds_err e;
    if (ner_model_open(mpath, &m, &e) != DS_OK ||
        ner_corpus_load(dpath, NER_FMT_CONLL, &c, &e) != DS_OK) {
        printf("ner: FAIL %s\n", e.msg);
        return;
    }
    ner_tagger *t = ner_tagger_new(m);
    ner_eval first, ev;
    ner_evaluate(t, &c, false, NULL, &first);
    size_t tokens = 0;
    double cpu0 = cpu_s(), el = 0;
    while (el < secs) {
        ner_evaluate(t, &c, false, NULL, &ev);
        tokens += ev.tokens;
        el = cpu_s() - cpu0;
    }
    snprintf(notes, sizeof notes,
             "per CPU-second; dev F1 %.2f; first (cold-cache) pass %.0f "
             "tokens/s; model %zu bytes",
             first.all.f1, first.tokens_per_s, ner_model_size(m));
    row("ner", (double)tokens / el, TARGET_NER_TPS, "tokens/s", notes);
    ner_tagger_free(t);
    ner_corpus_fini(&c);
    ner_model_free(m);
}

/* Parses dev (conllu text) with dp until secs of parsing time have
 * passed; returns words per CPU-second and the last pass's UAS / LAS. */
static double parse_rate(dep_parser *dp, const pos_model *pm, pos_tagger *tg,
                         str conllu, double secs, double *uas, double *las)
{
    dep_eval ev;
    ds_err e;
    size_t words = 0;
    double parse_s = 0;
    while (parse_s < secs) {
        if (dep_eval_conllu(dp, pm, tg, conllu, &ev, &e) != DS_OK) {
            printf("parse: FAIL %s\n", e.msg);
            break;
        }
        words += ev.words;
        parse_s += ev.seconds;
        *uas = ev.uas;
        *las = ev.las;
    }
    return parse_s > 0 ? (double)words / parse_s : 0;
}

static void bench_parse(const char *models, const char *shared, double secs)
{
    char ppath[4096], mpath[4096], dpath[4096], notes[256];
    snprintf(ppath, sizeof ppath, "%s/%s", models, POS_MODEL_FILE);
    snprintf(mpath, sizeof mpath, "%s/parse.model", models);
    snprintf(dpath, sizeof dpath, "%s/data/ud-ewt/dev.conllu", shared);
    if (!exists(mpath) || !exists(ppath) || !exists(dpath)) {
        printf("parse: SKIP (no model or data)\n");
        return;
    }
    pos_model *pm;
    dep_model *dm;
    ds_err e;
    char *text = NULL;
    size_t len = 0;
    if (pos_model_open(ppath, &pm, &e) != DS_OK ||
        dep_model_open(mpath, &dm, &e) != DS_OK ||
        conllu_load_file(dpath, &text, &len, &e) != DS_OK) {
        printf("parse: FAIL %s\n", e.msg);
        return;
    }
    pos_tagger *tg = pos_tagger_new(pm);
    dep_parser *dp = dep_parser_new(dm);
    /* First pass: cold caches (the parser's role cache, the tagger's word
     * cache), reported apart as for POS and NER. */
    dep_eval first;
    if (dep_eval_conllu(dp, pm, tg, (str){text, len}, &first, &e) != DS_OK) {
        printf("parse: FAIL %s\n", e.msg);
        goto done;
    }
    double uas = 0, las = 0;
    double wps = parse_rate(dp, pm, tg, (str){text, len}, secs, &uas, &las);
    snprintf(notes, sizeof notes,
             "per CPU-second, parsing only; dev UAS %.2f LAS %.2f with "
             "predicted tags; first (cold-cache) pass %.0f words/s; model "
             "%zu bytes",
             uas, las, (double)first.words / first.seconds, dep_model_size(dm));
    row("parse", wps, TARGET_PARSE_WPS, "words/s", notes);
    /* the accuracy a user gets for speed with --beam 4 (no target) */
    dep_parser_set_beam(dp, 4);
    wps = parse_rate(dp, pm, tg, (str){text, len}, secs / 2, &uas, &las);
    printf("%-9s %12.0f %10s  %-12s words/s the same model decoded with "
           "--beam 4: dev UAS %.2f LAS %.2f\n",
           "parse-b4", wps, "-", "(no target)", uas, las);
done:
    dep_parser_free(dp);
    pos_tagger_free(tg);
    dep_model_free(dm);
    pos_model_free(pm);
    xfree(text);
}

/* Raw text through the whole pipeline: the dev words joined with spaces,
 * one line per sentence, tokenized again by tok_run. */
static void bench_annotate(const char *models, const char *shared, double secs)
{
    char ppath[4096], npath[4096], mpath[4096], dpath[4096], notes[256];
    snprintf(ppath, sizeof ppath, "%s/%s", models, POS_MODEL_FILE);
    snprintf(npath, sizeof npath, "%s/%s", models, NER_MODEL_CONLL);
    snprintf(mpath, sizeof mpath, "%s/parse.model", models);
    snprintf(dpath, sizeof dpath, "%s/data/ud-ewt/dev.conllu", shared);
    if (!exists(mpath) || !exists(ppath) || !exists(npath) || !exists(dpath)) {
        printf("annotate: SKIP (no model or data)\n");
        return;
    }
    double t0 = now_s();
    pos_model *pm;
    ner_model *nm;
    dep_model *dm;
    ds_err e;
    if (pos_model_open(ppath, &pm, &e) != DS_OK ||
        ner_model_open(npath, &nm, &e) != DS_OK ||
        dep_model_open(mpath, &dm, &e) != DS_OK) {
        printf("annotate: FAIL %s\n", e.msg);
        return;
    }
    double load_ms = (now_s() - t0) * 1e3;
    size_t bytes = pos_model_size(pm) + ner_model_size(nm) + dep_model_size(dm);
    char *src = NULL;
    corpus c;
    if (!load_corpus(dpath, &src, &c)) {
        return;
    }
    buf raw;
    buf_init(&raw, 0);
    for (size_t s = 0; s < c.n_sents; s++) {
        for (size_t w = c.sent_start[s]; w < c.sent_start[s + 1]; w++) {
            buf_append(&raw, c.words[w].ptr, c.words[w].len);
            buf_putc(&raw, w + 1 < c.sent_start[s + 1] ? ' ' : '\n');
        }
    }
    str text = buf_str(&raw);
    annotator *an = annotator_new(pm, nm, dm);
    tok_result r;
    tok_result_init(&r);
    /* First pass: cold caches, reported apart as for POS and NER. */
    double cold = 0, c0 = cpu_s();
    if (tok_run(text, &r, &e) == DS_OK) {
        (void)annotate_doc(an, text, &r);
        cold = (double)r.n_toks / (cpu_s() - c0);
    }
    size_t tokens = 0;
    double cpu0 = cpu_s(), el = 0;
    while (el < secs) {
        if (tok_run(text, &r, &e) != DS_OK) {
            break;
        }
        (void)annotate_doc(an, text, &r);
        tokens += r.n_toks;
        el = cpu_s() - cpu0;
    }
    snprintf(notes, sizeof notes,
             "per CPU-second, raw text: tokenize, POS, NER, parse; first "
             "(cold-cache) pass %.0f tokens/s; models %.1f MB loaded in "
             "%.1f ms",
             cold, (double)bytes / 1e6, load_ms);
    row("annotate", (double)tokens / el, TARGET_ANNOTATE_TPS, "tokens/s",
        notes);
    tok_result_fini(&r);
    annotator_free(an);
    buf_fini(&raw);
    xfree(c.words);
    xfree(c.sent_start);
    xfree(src);
    dep_model_free(dm);
    ner_model_free(nm);
    pos_model_free(pm);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"models", required_argument, NULL, 'm'},
        {"shared", required_argument, NULL, 's'},
        {"seconds", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    char mdir[4096];
    const char *models = model_default_dir(mdir, sizeof mdir);
    const char *shared = getenv("DOSSIER_SHARED");
    if (!shared || !*shared) {
        shared = "../shared";
    }
    double secs = 1.0;
    int c;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'm':
            models = optarg;
            break;
        case 's':
            shared = optarg;
            break;
        case 't':
            secs = strtod(optarg, NULL);
            if (!(secs > 0)) {
                fprintf(stderr, "bench/nlp: bad --seconds\n");
                return 2;
            }
            break;
        case 'h':
            printf("usage: bench/nlp [--models DIR] [--shared DIR] "
                   "[--seconds S]\n");
            return 0;
        default:
            fprintf(stderr, "usage: bench/nlp [--models DIR] [--shared DIR] "
                            "[--seconds S]\n");
            return 2;
        }
    }
    printf("bench/nlp: models %s, data %s (one core)\n", models, shared);
    bench_pos(models, shared, secs);
    printf("%-9s %12s %10s\n", "", "rate", "target");
    bench_ner(models, shared, secs);
    bench_parse(models, shared, secs);
    bench_annotate(models, shared, secs);
    return 0;
}
