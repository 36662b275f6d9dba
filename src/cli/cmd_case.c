/* cmd_case.c - `dossier case`: show a case, define its markings. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "json/json.h"
#include "util/xalloc.h"

static const char usage_text[] =
    "usage: dossier case show [--json]\n"
    "       dossier case markings --levels L1,L2,... [--compartments C1,...]\n"
    "\n"
    "`show` prints the case file, its schema version and its markings.\n"
    "`markings` defines the ordered marking levels (lowest first) and the\n"
    "need-to-know compartments of a new case, before any document is\n"
    "ingested; the default is TLP 2.0: CLEAR,GREEN,AMBER,AMBER+STRICT,RED\n"
    "with no compartments. A document marked SECRET//HUMINT is visible to\n"
    "a clearance of SECRET or higher that includes HUMINT.\n"
    "\n"
    "options:\n"
    "  --db PATH   the case (default $DOSSIER_DB or ./dossier.db)\n";

/* Splits a comma-separated list in place; returns the count. */
static size_t split(char *s, char **out, size_t max)
{
    size_t n = 0;
    char *p = s;
    while (p && *p && n < max) {
        char *comma = strchr(p, ',');
        if (comma) {
            *comma = '\0';
        }
        out[n++] = p;
        p = comma ? comma + 1 : NULL;
    }
    return n;
}

static int show(bool json)
{
    int status;
    kg_db *db = cli_open(KG_OPEN_READONLY, &status);
    if (!db) {
        return status;
    }
    const char *const *levels, *const *comps;
    size_t nl = kg_levels(db, &levels), nc = kg_compartments(db, &comps);
    buf out;
    buf_init(&out, 0);
    const char *path = cli_db_path ? cli_db_path : getenv("DOSSIER_DB");
    if (!path || !*path) {
        path = "dossier.db";
    }
    if (json) {
        json_w j;
        json_init(&j, &out);
        json_obj(&j);
        json_kv_str(&j, "path", path);
        json_kv_int(&j, "schema", kg_schema_version());
        json_key(&j, "levels");
        json_arr(&j);
        for (size_t i = 0; i < nl; i++) {
            json_str(&j, levels[i]);
        }
        json_end(&j);
        json_key(&j, "compartments");
        json_arr(&j);
        for (size_t i = 0; i < nc; i++) {
            if (comps[i]) {
                json_str(&j, comps[i]);
            }
        }
        json_end(&j);
        json_end(&j);
        buf_putc(&out, '\n');
    } else {
        buf_printf(&out, "case          %s\nschema        %d\nlevels        ",
                   path, kg_schema_version());
        for (size_t i = 0; i < nl; i++) {
            buf_printf(&out, "%s%s", i ? " < " : "", levels[i]);
        }
        buf_puts(&out, "\ncompartments  ");
        bool any = false;
        for (size_t i = 0; i < nc; i++) {
            if (comps[i]) {
                buf_printf(&out, "%s%s", any ? ", " : "", comps[i]);
                any = true;
            }
        }
        buf_puts(&out, any ? "\n" : "(none)\n");
    }
    cli_print(&out);
    buf_fini(&out);
    kg_close(db);
    return CLI_OK;
}

int cmd_case(int argc, char **argv)
{
    enum { O_LEVELS = 256, O_COMPS, O_JSON };
    static const struct option opts[] = {
        {"levels", required_argument, NULL, O_LEVELS},
        {"compartments", required_argument, NULL, O_COMPS},
        {"json", no_argument, NULL, O_JSON},
        CLI_COMMON_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    const char *levels = NULL, *comps = NULL;
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        switch (c) {
        case O_LEVELS:
            levels = optarg;
            break;
        case O_COMPS:
            comps = optarg;
            break;
        case O_JSON:
            json = true;
            break;
        default: {
            int st = cli_common_option("case", c, argv, usage_text);
            if (st != -2) {
                return st == -1 ? cli_usage_error("case", "unhandled option")
                                : st;
            }
        }
        }
    }
    if (optind >= argc) {
        return cli_usage_error("case", "say `show` or `markings`");
    }
    const char *sub = argv[optind];
    if (optind + 1 < argc) {
        return cli_usage_error("case", "unexpected argument '%s'",
                               argv[optind + 1]);
    }
    if (strcmp(sub, "show") == 0) {
        return show(json);
    }
    if (strcmp(sub, "markings") != 0) {
        return cli_usage_error("case", "unknown subcommand '%s'", sub);
    }
    if (!levels) {
        return cli_usage_error("case", "markings needs --levels");
    }
    char *lv = xstrdup(levels), *cv = xstrdup(comps ? comps : "");
    char *lnames[KG_MAX_LEVELS + 1], *cnames[KG_MAX_COMPARTMENTS + 1];
    size_t nl = split(lv, lnames, KG_MAX_LEVELS + 1);
    size_t nc = split(cv, cnames, KG_MAX_COMPARTMENTS + 1);
    int status;
    kg_db *db = cli_open(KG_OPEN_CREATE, &status);
    if (db) {
        ds_err e;
        if (kg_set_markings(db, (const char *const *)lnames, nl,
                            (const char *const *)cnames, nc, &e)) {
            status = cli_report(&e);
        } else {
            status = CLI_OK;
        }
        kg_close(db);
    }
    xfree(lv);
    xfree(cv);
    return status == CLI_OK ? show(json) : status;
}
