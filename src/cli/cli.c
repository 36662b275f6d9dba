/* cli.c - the subcommand table, dispatch, and helpers every command shares
 * (opening the case, the viewer's clearance, argument checks). */
#include "cli/cli.h"
#include "cli/cli_parse.h"

#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

const char *cli_db_path = NULL;

const cli_cmd cli_commands[] = {
    {"ingest", cmd_ingest, "add documents (files, directories, -) to a case"},
    {"search", cmd_search, "full-text search with ranked, highlighted hits"},
    {"docs", cmd_docs, "list documents, or show one with its metadata"},
    {"stats", cmd_stats, "what the case holds"},
    {"case", cmd_case, "show a case, define its markings"},
    {"annotate", cmd_annotate,
     "raw text to CoNLL-U: tokens, POS, NER, dependency parse"},
    {"eval", cmd_eval, "measure the NLP pipeline on annotated data"},
    {"train", cmd_train,
     "train a model (pos, sent, ner, parse) from annotated data"},
    {"help", cmd_help, "list the commands"},
    {"version", cmd_version, "print the version"},
    {NULL, NULL, NULL},
};

int cli_dispatch(int argc, char **argv)
{
    for (const cli_cmd *c = cli_commands; c->name; c++) {
        if (strcmp(c->name, argv[0]) == 0) {
            return c->run(argc, argv);
        }
    }
    fprintf(stderr, "dossier: unknown command '%s' (see `dossier help`)\n",
            argv[0]);
    return CLI_USAGE;
}

int cmd_help(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "--help") != 0) {
        for (const cli_cmd *c = cli_commands; c->name; c++) {
            if (strcmp(c->name, argv[1]) == 0) {
                char *v[] = {argv[1], "--help", NULL};
                return c->run(2, v);
            }
        }
        fprintf(stderr, "dossier help: unknown command '%s'\n", argv[1]);
        return CLI_USAGE;
    }
    printf("dossier - from a folder of documents to a searchable, evidenced, "
           "access-controlled case\n\n"
           "usage: dossier [--db PATH] [--log SPEC] COMMAND [ARGS...]\n\n"
           "commands:\n");
    for (const cli_cmd *c = cli_commands; c->name; c++) {
        printf("  %-9s %s\n", c->name, c->summary);
    }
    printf("\nThe case is --db PATH, else $DOSSIER_DB, else ./dossier.db.\n"
           "`dossier COMMAND --help` describes one command. Exit status: "
           "0 ok, 1 failure, 2 usage error.\n");
    return CLI_OK;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("dossier %s (case schema %d)\n", DOSSIER_VERSION,
           kg_schema_version());
    return CLI_OK;
}

int cli_report(const ds_err *e)
{
    fprintf(stderr, "dossier: %s\n", e->msg[0] ? e->msg : ds_rc_name(e->rc));
    return e->rc == DS_EINVAL ? CLI_USAGE : CLI_FAIL;
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "dossier %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\n(see `dossier %s --help`)\n", cmd);
    return CLI_USAGE;
}

static const char *db_path(void)
{
    if (cli_db_path) {
        return cli_db_path;
    }
    const char *env = getenv("DOSSIER_DB");
    return env && *env ? env : "dossier.db";
}

kg_db *cli_open(int flags, int *out_status)
{
    kg_db *db;
    ds_err e;
    if (kg_open(db_path(), flags, &db, &e)) {
        fprintf(stderr, "dossier: %s\n", e.msg);
        *out_status = CLI_FAIL;
        return NULL;
    }
    return db;
}

bool cli_clearance(kg_db *db, const char *text, kg_marking *out)
{
    ds_err e;
    if (!text) {
        text = getenv("DOSSIER_CLEARANCE");
    }
    if (!text || !*text) {
        *out = kg_clearance_all(db);
        return true;
    }
    if (kg_marking_parse(db, text, out, &e)) {
        fprintf(stderr, "dossier: --clearance: %s\n", e.msg);
        return false;
    }
    return true;
}

kg_db *cli_open_viewer(const char *clearance, kg_marking *out, int *out_status)
{
    kg_db *db = cli_open(KG_OPEN_READONLY, out_status);
    if (db && !cli_clearance(db, clearance, out)) {
        kg_close(db);
        *out_status = CLI_USAGE;
        return NULL;
    }
    return db;
}

bool cli_date_arg(const char *cmd, const char *opt, const char *val,
                  char out[32])
{
    if (!io_date_parse(str_c(val), out)) {
        cli_usage_error(cmd, "%s '%s' is not a date (e.g. 2026-03-01)", opt,
                        val);
        return false;
    }
    return true;
}

bool cli_int_arg(const char *cmd, const char *opt, const char *val, long min,
                 long max, long *out)
{
    long long v;
    if (!str_to_i64(str_c(val), &v) || v < min || v > max) {
        cli_usage_error(cmd, "%s '%s' must be a whole number from %ld to %ld",
                        opt, val, min, max);
        return false;
    }
    *out = (long)v;
    return true;
}

bool cli_ner_mode_arg(const char *cmd, const char *val, pipe_ner_mode *out)
{
    if (!pipe_ner_mode_parse(val, out)) {
        cli_usage_error(cmd, "--ner '%s' must be auto, news, web or none", val);
        return false;
    }
    return true;
}

int cli_common_option(const char *cmd, int c, char **argv, const char *usage)
{
    switch (c) {
    case CLI_OPT_DB:
        cli_db_path = optarg;
        return -2;
    case CLI_OPT_HELP:
        fputs(usage, stdout);
        return CLI_OK;
    case ':':
        return cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
    case '?':
        return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
    default:
        return -1;
    }
}

void cli_print(const buf *b)
{
    if (b->len) {
        fwrite(b->ptr, 1, b->len, stdout);
    }
}
