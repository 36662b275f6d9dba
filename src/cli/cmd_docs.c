/* cmd_docs.c - `dossier docs`: list documents, or show one. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/cli_annot.h"
#include "json/json.h"
#include "nlp/dep.h"
#include "nlp/model.h"
#include "pipe/pipe_nlp.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: dossier docs [ID] [options]\n"
    "\n"
    "Without ID, lists the documents the viewer may see, newest first.\n"
    "With ID, shows that document's metadata (and its text with --text).\n"
    "\n"
    "options:\n"
    "  --clearance C     the viewer's clearance (default $DOSSIER_CLEARANCE,\n"
    "                    else everything in the case)\n"
    "  --text            show the document's text\n"
    "  --sentences       show the document's sentences, one per line\n"
    "  --mentions        show the entity mentions found in it (evidence\n"
    "                    spans: byte offsets into the text)\n"
    "  --conllu          instead, the document's grammar as CoNLL-U (tokens,\n"
    "                    POS, dependency parse, entities; as JSON with\n"
    "                    --json): what ingest's NLP stage computes, again\n"
    "                    from the stored text with the same models\n"
    "  --ner MODE        with --conllu: auto (by format, as ingest), news,\n"
    "                    web or none\n"
    "  --models DIR      with --conllu: where the models are (default\n"
    "                    $DOSSIER_MODELS, else the models/ directory of\n"
    "                    the install)\n"
    "  --beam B          with --conllu: parse with B hypotheses (4: about\n"
    "                    a point of UAS more, at 44 % of the speed)\n"
    "  --from DATE, --to DATE, --source NAME   filters for the list\n"
    "  --limit N         documents per page (default 50)\n"
    "  --offset N        skip the first N documents\n"
    "  --json            machine-readable output\n"
    "  --db PATH         the case (default $DOSSIER_DB or ./dossier.db)\n";

static void doc_json(kg_db *db, json_w *j, const kg_doc *d)
{
    buf mk;
    buf_init(&mk, 0);
    kg_marking_format(db, d->marking, &mk);
    json_kv_int(j, "id", d->id);
    json_kv_str(j, "title", d->title);
    json_kv_str(j, "published", d->published);
    json_kv_str(j, "source", d->source);
    if (d->reliability) {
        char r[2] = {d->reliability, 0};
        json_kv_str(j, "reliability", r);
    }
    json_kv_int(j, "credibility", d->credibility);
    json_kv_str(j, "marking", mk.ptr);
    json_kv_str(j, "url", d->url);
    json_kv_str(j, "author", d->author);
    json_kv_str(j, "format", d->format);
    json_kv_str(j, "origin", d->origin);
    json_kv_str(j, "ingested_at", d->ingested_at);
    if (d->duplicate_of) {
        json_kv_int(j, "duplicate_of", d->duplicate_of);
        json_kv_num(j, "similarity", d->similarity);
    }
    json_kv_int(j, "bytes", d->text_len);
    json_kv_int(j, "sentences", d->n_sentences);
    json_kv_int(j, "tokens", d->n_tokens);
    buf_fini(&mk);
}

static void mentions_out(buf *out, bool json, json_w *j, const kg_mention *v,
                         size_t n)
{
    if (json) {
        json_key(j, "mentions");
        json_arr(j);
        for (size_t i = 0; i < n; i++) {
            json_obj(j);
            json_kv_str(j, "type", v[i].type);
            json_kv_str(j, "text", v[i].text);
            json_kv_int(j, "start", v[i].start);
            json_kv_int(j, "end", v[i].end);
            json_kv_int(j, "sentence", v[i].sentence);
            json_kv_num(j, "confidence", v[i].confidence);
            json_end(j);
        }
        json_end(j);
        return;
    }
    buf_printf(out, "\n%zu mention%s\n", n, n == 1 ? "" : "s");
    for (size_t i = 0; i < n; i++) {
        buf_printf(out, "  %-5s %6u-%-6u  %s\n", v[i].type, v[i].start,
                   v[i].end, v[i].text);
    }
}

static int show(kg_db *db, kg_marking clr, int64_t id, bool text,
                bool sentences, bool mentions, bool json)
{
    kg_doc d;
    ds_err e;
    uint32_t *sv = NULL;
    size_t ns = 0;
    if (kg_doc_get(db, clr, id, text || sentences, &d, &e)) {
        return cli_report(&e);
    }
    if (sentences && kg_doc_sentences(db, clr, id, &sv, &ns, &e)) {
        kg_doc_fini(&d);
        return cli_report(&e);
    }
    kg_mention *mv = NULL;
    size_t nm = 0;
    if (mentions && kg_doc_mentions(db, clr, id, &mv, &nm, &e)) {
        xfree(sv);
        kg_doc_fini(&d);
        return cli_report(&e);
    }
    buf out, mk;
    buf_init(&out, 0);
    buf_init(&mk, 0);
    kg_marking_format(db, d.marking, &mk);
    if (json) {
        json_w j;
        json_init(&j, &out);
        json_obj(&j);
        doc_json(db, &j, &d);
        if (text) {
            json_kv_str(&j, "text", d.text);
        }
        if (sentences) {
            json_key(&j, "sentence_spans");
            json_arr(&j);
            for (size_t i = 0; i < ns; i++) {
                json_arr(&j);
                json_int(&j, sv[2 * i]);
                json_int(&j, sv[2 * i + 1]);
                json_end(&j);
            }
            json_end(&j);
        }
        if (mentions) {
            mentions_out(&out, true, &j, mv, nm);
        }
        json_end(&j);
        buf_putc(&out, '\n');
    } else {
        buf_printf(&out, "document    %lld\n", (long long)d.id);
        buf_printf(&out, "title       %s\n", d.title ? d.title : "");
        buf_printf(&out, "marking     %s\n", mk.ptr);
        buf_printf(&out, "published   %s\n", d.published ? d.published : "");
        buf_printf(&out, "source      %s", d.source ? d.source : "");
        if (d.reliability) {
            buf_printf(&out, " (reliability %c)", d.reliability);
        }
        buf_printf(&out, "\ncredibility %d\n", d.credibility);
        if (d.url) {
            buf_printf(&out, "url         %s\n", d.url);
        }
        if (d.author) {
            buf_printf(&out, "author      %s\n", d.author);
        }
        buf_printf(&out, "format      %s\n", d.format ? d.format : "");
        buf_printf(&out, "origin      %s\n", d.origin ? d.origin : "");
        buf_printf(&out, "ingested    %s\n",
                   d.ingested_at ? d.ingested_at : "");
        if (d.duplicate_of) {
            buf_printf(&out, "copy of     %lld (similarity %.2f)\n",
                       (long long)d.duplicate_of, d.similarity);
        }
        buf_printf(&out,
                   "size        %lld bytes, %lld sentences, %lld "
                   "tokens\n",
                   (long long)d.text_len, (long long)d.n_sentences,
                   (long long)d.n_tokens);
        if (text) {
            buf_printf(&out, "\n%s\n", d.text);
        }
        if (sentences) {
            buf_putc(&out, '\n');
            size_t tl = strlen(d.text);
            for (size_t i = 0; i < ns; i++) {
                uint32_t a = sv[2 * i], b = sv[2 * i + 1];
                if (a > b || b > tl) {
                    continue;
                }
                buf_printf(&out, "%zu\t%u-%u\t", i + 1, a, b);
                for (uint32_t k = a; k < b; k++) {
                    buf_putc(&out, d.text[k] == '\n' ? ' ' : d.text[k]);
                }
                buf_putc(&out, '\n');
            }
        }
        if (mentions) {
            mentions_out(&out, false, NULL, mv, nm);
        }
    }
    cli_print(&out);
    buf_fini(&out);
    buf_fini(&mk);
    xfree(sv);
    kg_mentions_free(mv, nm);
    kg_doc_fini(&d);
    return CLI_OK;
}

/* `docs ID --conllu`: the annotation the NLP stage gives the stored text
 * (pipe_nlp_annotate), printed like `dossier annotate`. */
static int show_grammar(kg_db *db, kg_marking clr, int64_t id,
                        const char *models_dir, pipe_ner_mode mode,
                        uint32_t beam, bool json)
{
    kg_doc d;
    ds_err e;
    if (kg_doc_get(db, clr, id, true, &d, &e)) {
        return cli_report(&e);
    }
    char dir[4096];
    if (!models_dir) {
        models_dir = model_default_dir(dir, sizeof dir);
    }
    pipe_nlp *nlp = NULL;
    pipe_nlp_worker *w = NULL;
    tok_result r;
    tok_result_init(&r);
    int status = CLI_OK;
    str text = str_c(d.text ? d.text : "");
    if (pipe_nlp_open(models_dir, mode, &nlp, &e) ||
        pipe_nlp_load_parser(nlp, models_dir, &e) || tok_run(text, &r, &e)) {
        status = cli_report(&e);
        goto out;
    }
    pipe_nlp_set_beam(nlp, beam);
    w = pipe_nlp_worker_new(nlp);
    cli_annot a = {.dm = pipe_nlp_parser(nlp)};
    a.an = pipe_nlp_annotate(w, text, &r, d.format, &a.nm);
    buf out;
    buf_init(&out, 0);
    json_w j;
    if (json) {
        json_init(&j, &out);
        json_obj(&j);
        json_kv_int(&j, "id", d.id);
        json_kv_str(&j, "format", d.format);
        json_key(&j, "sentences");
        json_arr(&j);
    } else {
        buf_printf(&out, "# newdoc id = %lld\n", (long long)d.id);
    }
    cli_annot_sentences(&a, text, &r, json ? &j : NULL, &out);
    if (json) {
        json_end(&j);
        json_end(&j);
        buf_putc(&out, '\n');
    }
    cli_print(&out);
    buf_fini(&out);
out:
    pipe_nlp_worker_free(w);
    pipe_nlp_free(nlp);
    tok_result_fini(&r);
    kg_doc_fini(&d);
    return status;
}

static int list(kg_db *db, kg_marking clr, const kg_list_opts *lo, bool json)
{
    kg_docs docs;
    ds_err e;
    if (kg_doc_list(db, clr, lo, &docs, &e)) {
        return cli_report(&e);
    }
    buf out, mk;
    buf_init(&out, 0);
    buf_init(&mk, 0);
    kg_marking_format(db, docs.join, &mk);
    if (json) {
        json_w j;
        json_init(&j, &out);
        json_obj(&j);
        json_kv_int(&j, "total", docs.total);
        json_kv_str(&j, "marking", mk.ptr);
        json_key(&j, "documents");
        json_arr(&j);
        for (size_t i = 0; i < docs.n; i++) {
            json_obj(&j);
            doc_json(db, &j, &docs.v[i]);
            json_end(&j);
        }
        json_end(&j);
        json_end(&j);
        buf_putc(&out, '\n');
    } else {
        if (docs.n) {
            buf_printf(&out, "%6s  %-10s  %-12s  %-8s  %s\n", "ID", "PUBLISHED",
                       "MARKING", "FORMAT", "TITLE");
        }
        for (size_t i = 0; i < docs.n; i++) {
            kg_doc *d = &docs.v[i];
            buf m1;
            buf_init(&m1, 0);
            kg_marking_format(db, d->marking, &m1);
            buf_printf(&out, "%6lld  %-10.10s  %-12s  %-8s  %s%s\n",
                       (long long)d->id, d->published ? d->published : "",
                       m1.ptr, d->format ? d->format : "",
                       d->title && *d->title ? d->title : "(untitled)",
                       d->duplicate_of ? "  (copy)" : "");
            buf_fini(&m1);
        }
        buf_printf(&out, "%zu of %lld document%s", docs.n,
                   (long long)docs.total, docs.total == 1 ? "" : "s");
        if (docs.total > 0) {
            buf_printf(&out, " - marking %s", mk.ptr);
        }
        buf_putc(&out, '\n');
    }
    cli_print(&out);
    buf_fini(&out);
    buf_fini(&mk);
    kg_docs_fini(&docs);
    return CLI_OK;
}

int cmd_docs(int argc, char **argv)
{
    enum {
        O_CLR = 256,
        O_TEXT,
        O_SENT,
        O_MENT,
        O_FROM,
        O_TO,
        O_SOURCE,
        O_LIMIT,
        O_OFFSET,
        O_JSON,
        O_CONLLU,
        O_NER,
        O_MODELS,
        O_BEAM
    };
    static const struct option opts[] = {
        {"clearance", required_argument, NULL, O_CLR},
        {"text", no_argument, NULL, O_TEXT},
        {"sentences", no_argument, NULL, O_SENT},
        {"mentions", no_argument, NULL, O_MENT},
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"source", required_argument, NULL, O_SOURCE},
        {"limit", required_argument, NULL, O_LIMIT},
        {"offset", required_argument, NULL, O_OFFSET},
        {"json", no_argument, NULL, O_JSON},
        {"conllu", no_argument, NULL, O_CONLLU},
        {"ner", required_argument, NULL, O_NER},
        {"models", required_argument, NULL, O_MODELS},
        {"beam", required_argument, NULL, O_BEAM},
        CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *clearance = NULL;
    char from[32], to[32];
    kg_list_opts lo = {.limit = 50};
    bool json = false, text = false, sentences = false, mentions = false;
    bool conllu = false;
    const char *models_dir = NULL;
    pipe_ner_mode ner_mode = PIPE_NER_AUTO;
    long v, beam = 0;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_CLR:
            clearance = optarg;
            break;
        case O_TEXT:
            text = true;
            break;
        case O_SENT:
            sentences = true;
            break;
        case O_MENT:
            mentions = true;
            break;
        case O_FROM:
            if (!cli_date_arg("docs", "--from", optarg, from)) {
                return CLI_USAGE;
            }
            lo.from = from;
            break;
        case O_TO:
            if (!cli_date_arg("docs", "--to", optarg, to)) {
                return CLI_USAGE;
            }
            lo.to = to;
            break;
        case O_SOURCE:
            lo.source = optarg;
            break;
        case O_LIMIT:
            if (!cli_int_arg("docs", "--limit", optarg, 1, 100000, &v)) {
                return CLI_USAGE;
            }
            lo.limit = (int)v;
            break;
        case O_OFFSET:
            if (!cli_int_arg("docs", "--offset", optarg, 0, 1000000000, &v)) {
                return CLI_USAGE;
            }
            lo.offset = (int)v;
            break;
        case O_JSON:
            json = true;
            break;
        case O_CONLLU:
            conllu = true;
            break;
        case O_NER:
            if (!cli_ner_mode_arg("docs", optarg, &ner_mode)) {
                return CLI_USAGE;
            }
            break;
        case O_MODELS:
            models_dir = optarg;
            break;
        case O_BEAM:
            if (!cli_int_arg("docs", "--beam", optarg, 1, DEP_MAX_BEAM,
                             &beam)) {
                return CLI_USAGE;
            }
            break;
        default: {
            int st = cli_common_option("docs", c, argv, usage_text);
            if (st != -2) {
                return st == -1 ? cli_usage_error("docs", "unhandled option")
                                : st;
            }
        }
        }
    }
    long long id = 0;
    if (optind < argc) {
        if (optind + 1 < argc) {
            return cli_usage_error("docs", "one document ID at most");
        }
        if (!str_to_i64(str_c(argv[optind]), &id) || id < 1) {
            return cli_usage_error("docs", "'%s' is not a document ID",
                                   argv[optind]);
        }
    }
    if (conllu && !id) {
        return cli_usage_error("docs", "--conllu needs a document ID");
    }
    int status;
    kg_marking clr;
    kg_db *db = cli_open_viewer(clearance, &clr, &status);
    if (!db) {
        return status;
    }
    status = conllu ? show_grammar(db, clr, id, models_dir, ner_mode,
                                   (uint32_t)beam, json)
             : id   ? show(db, clr, id, text, sentences, mentions, json)
                    : list(db, clr, &lo, json);
    kg_close(db);
    return status;
}
