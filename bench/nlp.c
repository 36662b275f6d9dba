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
 * data or the model is absent. The NER and parser rows go below the POS
 * one. Exit status: 0 ran or skipped, 2 usage error. */
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nlp/conllu.h"
#include "nlp/model.h"
#include "nlp/pos.h"
#include "util/str.h"
#include "util/xalloc.h"

#define TARGET_POS_WPS 1000000.0

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
    /* NER and parser rows go here. */
    return 0;
}
