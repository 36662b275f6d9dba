/* cmd_stats.c - `dossier stats`: what the case holds, as the viewer may
 * see it. */
#include <getopt.h>
#include <stdio.h>

#include "cli/cli.h"
#include "json/json.h"

static const char usage_text[] =
    "usage: dossier stats [--clearance C] [--json] [--db PATH]\n"
    "\n"
    "Counts documents, copies, sources, sentences, tokens, mentions,\n"
    "entities and claims, by format, source and marking - over the\n"
    "documents the viewer may see only.\n";

static void groups_json(json_w *j, const char *key, const kg_count *g, size_t n)
{
    json_key(j, key);
    json_obj(j);
    for (size_t i = 0; i < n; i++) {
        json_kv_int(j, g[i].name, g[i].n);
    }
    json_end(j);
}

static void groups_text(buf *out, const char *title, const kg_count *g,
                        size_t n)
{
    buf_printf(out, "%s\n", title);
    for (size_t i = 0; i < n; i++) {
        buf_printf(out, "  %-24s %lld\n", g[i].name, (long long)g[i].n);
    }
}

int cmd_stats(int argc, char **argv)
{
    enum { O_CLR = 256, O_JSON };
    static const struct option opts[] = {
        {"clearance", required_argument, NULL, O_CLR},
        {"json", no_argument, NULL, O_JSON},
        CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *clearance = NULL;
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_CLR:
            clearance = optarg;
            break;
        case O_JSON:
            json = true;
            break;
        default: {
            int st = cli_common_option("stats", c, argv, usage_text);
            if (st != -2) {
                return st == -1 ? cli_usage_error("stats", "unhandled option")
                                : st;
            }
        }
        }
    }
    if (optind < argc) {
        return cli_usage_error("stats", "unexpected argument '%s'",
                               argv[optind]);
    }
    int status;
    kg_marking clr;
    kg_db *db = cli_open_viewer(clearance, &clr, &status);
    if (!db) {
        return status;
    }
    kg_stats s;
    ds_err e;
    if (kg_stats_get(db, clr, &s, &e)) {
        kg_close(db);
        return cli_report(&e);
    }
    buf out, mk;
    buf_init(&out, 0);
    buf_init(&mk, 0);
    kg_marking_format(db, s.join, &mk);
    if (json) {
        json_w j;
        json_init(&j, &out);
        json_obj(&j);
        json_kv_int(&j, "documents", s.documents);
        json_kv_int(&j, "copies", s.duplicates);
        json_kv_int(&j, "sources", s.sources);
        json_kv_int(&j, "sentences", s.sentences);
        json_kv_int(&j, "tokens", s.tokens);
        json_kv_int(&j, "bytes", s.bytes);
        json_kv_int(&j, "mentions", s.mentions);
        json_kv_int(&j, "entities", s.entities);
        json_kv_int(&j, "claims", s.claims);
        json_kv_str(&j, "first_published", s.first_published);
        json_kv_str(&j, "last_published", s.last_published);
        groups_json(&j, "by_format", s.by_format, s.n_by_format);
        groups_json(&j, "by_source", s.by_source, s.n_by_source);
        groups_json(&j, "by_marking", s.by_marking, s.n_by_marking);
        json_kv_str(&j, "marking", mk.ptr);
        json_end(&j);
        buf_putc(&out, '\n');
    } else {
        buf_printf(
            &out,
            "documents   %lld (%lld near copies)\n"
            "sources     %lld\n"
            "sentences   %lld\n"
            "tokens      %lld\n"
            "text        %.1f MB\n"
            "mentions    %lld\n"
            "entities    %lld\n"
            "claims      %lld\n"
            "published   %s .. %s\n",
            (long long)s.documents, (long long)s.duplicates,
            (long long)s.sources, (long long)s.sentences, (long long)s.tokens,
            (double)s.bytes / 1e6, (long long)s.mentions, (long long)s.entities,
            (long long)s.claims, s.first_published ? s.first_published : "-",
            s.last_published ? s.last_published : "-");
        groups_text(&out, "by format", s.by_format, s.n_by_format);
        groups_text(&out, "by source", s.by_source, s.n_by_source);
        groups_text(&out, "by marking", s.by_marking, s.n_by_marking);
        buf_printf(&out, "marking of this output: %s\n", mk.ptr);
    }
    cli_print(&out);
    buf_fini(&out);
    buf_fini(&mk);
    kg_stats_fini(&s);
    kg_close(db);
    return CLI_OK;
}
