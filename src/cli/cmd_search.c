/* cmd_search.c - `dossier search`: full-text search over what the viewer
 * may see. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "json/json.h"

static const char usage_text[] =
    "usage: dossier search QUERY... [options]\n"
    "\n"
    "Ranks the documents the viewer may see by BM25 (computed over those\n"
    "documents only) and prints highlighted snippets. QUERY uses SQLite\n"
    "FTS5 syntax: words (all must match), \"exact phrases\", OR, NOT,\n"
    "prefix*, NEAR(a b, 5), and column filters title:word.\n"
    "\n"
    "options:\n"
    "  --clearance C     the viewer's clearance, e.g. GREEN or\n"
    "                    SECRET//HUMINT (default $DOSSIER_CLEARANCE, else\n"
    "                    everything in the case)\n"
    "  --from DATE       published on or after DATE\n"
    "  --to DATE         published on or before DATE\n"
    "  --source NAME     only documents of this source\n"
    "  --limit N         results per page (default 10)\n"
    "  --offset N        skip the first N results\n"
    "  --json            machine-readable output\n"
    "  --db PATH         the case (default $DOSSIER_DB or ./dossier.db)\n";

int cmd_search(int argc, char **argv)
{
    enum { O_CLR = 256, O_FROM, O_TO, O_SOURCE, O_LIMIT, O_OFFSET, O_JSON };
    static const struct option opts[] = {
        {"clearance", required_argument, NULL, O_CLR},
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"source", required_argument, NULL, O_SOURCE},
        {"limit", required_argument, NULL, O_LIMIT},
        {"offset", required_argument, NULL, O_OFFSET},
        {"json", no_argument, NULL, O_JSON},
        CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *clearance = NULL;
    char from[32], to[32];
    kg_search_opts so = {.limit = 10, .snippets = true};
    bool json = false;
    long v;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_CLR:
            clearance = optarg;
            break;
        case O_FROM:
            if (!cli_date_arg("search", "--from", optarg, from)) {
                return CLI_USAGE;
            }
            so.from = from;
            break;
        case O_TO:
            if (!cli_date_arg("search", "--to", optarg, to)) {
                return CLI_USAGE;
            }
            so.to = to;
            break;
        case O_SOURCE:
            so.source = optarg;
            break;
        case O_LIMIT:
            if (!cli_int_arg("search", "--limit", optarg, 1, 10000, &v)) {
                return CLI_USAGE;
            }
            so.limit = (int)v;
            break;
        case O_OFFSET:
            if (!cli_int_arg("search", "--offset", optarg, 0, 1000000000, &v)) {
                return CLI_USAGE;
            }
            so.offset = (int)v;
            break;
        case O_JSON:
            json = true;
            break;
        default: {
            int st = cli_common_option("search", c, argv, usage_text);
            if (st != -2) {
                return st == -1 ? cli_usage_error("search", "unhandled option")
                                : st;
            }
        }
        }
    }
    if (optind >= argc) {
        return cli_usage_error("search", "no QUERY given");
    }
    buf q, out;
    buf_init(&q, 0);
    buf_init(&out, 0);
    for (int i = optind; i < argc; i++) {
        buf_printf(&q, "%s%s", i > optind ? " " : "", argv[i]);
    }
    so.query = q.ptr;
    int status;
    kg_marking clr;
    kg_db *db = cli_open_viewer(clearance, &clr, &status);
    if (!db) {
        buf_fini(&q);
        return status;
    }
    if (!json) {
        so.hl_open = "\033[1m";
        so.hl_close = "\033[0m";
        if (!isatty(1)) {
            so.hl_open = "[";
            so.hl_close = "]";
        }
    }
    kg_hits hits;
    ds_err e;
    if (kg_search(db, clr, &so, &hits, &e)) {
        kg_close(db);
        buf_fini(&q);
        return cli_report(&e);
    }
    buf mk;
    buf_init(&mk, 0);
    kg_marking_format(db, hits.join, &mk);
    if (json) {
        json_w j;
        json_init(&j, &out);
        json_obj(&j);
        json_kv_str(&j, "query", so.query);
        json_kv_int(&j, "total", hits.total);
        json_kv_str(&j, "marking", mk.ptr);
        json_key(&j, "hits");
        json_arr(&j);
        for (size_t i = 0; i < hits.n; i++) {
            kg_hit *h = &hits.v[i];
            buf m1;
            buf_init(&m1, 0);
            kg_marking_format(db, h->marking, &m1);
            json_obj(&j);
            json_kv_int(&j, "id", h->id);
            json_kv_num(&j, "score", h->score);
            json_kv_str(&j, "title", h->title);
            json_kv_str(&j, "published", h->published);
            json_kv_str(&j, "source", h->source);
            json_kv_str(&j, "url", h->url);
            json_kv_str(&j, "marking", m1.ptr);
            if (h->duplicate_of) {
                json_kv_int(&j, "duplicate_of", h->duplicate_of);
            }
            json_kv_str(&j, "snippet", h->snippet);
            json_end(&j);
            buf_fini(&m1);
        }
        json_end(&j);
        json_end(&j);
        buf_putc(&out, '\n');
    } else {
        for (size_t i = 0; i < hits.n; i++) {
            kg_hit *h = &hits.v[i];
            buf_printf(&out, "#%lld  %.2f  %s  %s%s\n", (long long)h->id,
                       h->score, h->published ? h->published : "----------",
                       h->title && *h->title ? h->title : "(untitled)",
                       h->duplicate_of ? "  (copy)" : "");
            if (h->snippet) {
                /* One line per hit: newlines inside the snippet would break
                 * the layout. */
                buf_puts(&out, "    ");
                for (const char *p = h->snippet; *p; p++) {
                    buf_putc(&out, *p == '\n' ? ' ' : *p);
                }
                buf_putc(&out, '\n');
            }
        }
        buf_printf(&out, "%zu of %lld result%s", hits.n, (long long)hits.total,
                   hits.total == 1 ? "" : "s");
        if (hits.total > 0) {
            buf_printf(&out, " - marking %s", mk.ptr);
        }
        buf_putc(&out, '\n');
    }
    cli_print(&out);
    buf_fini(&mk);
    buf_fini(&out);
    buf_fini(&q);
    kg_hits_fini(&hits);
    kg_close(db);
    return CLI_OK;
}
