/* cli.h - the command-line front end: a table of subcommands.
 *
 * main.c handles only the global flags and dispatches here. Each command
 * lives in its own cli/cmd_<name>.c, parses its own options with
 * getopt_long, prints usage to stdout for --help and to stderr on misuse,
 * writes results to stdout and diagnostics to stderr, and returns the exit
 * status: 0 ok, 1 runtime failure, 2 usage error. */
#ifndef CLI_CLI_H
#define CLI_CLI_H

#include <stdbool.h>

#include "util/err.h"

enum { CLI_OK = 0, CLI_FAIL = 1, CLI_USAGE = 2 };

/* What `dossier eval` says of a data file with nothing to score (empty,
 * comments only, or no word lines): an error, not a table of zeros. */
#define CLI_EVAL_EMPTY "nothing to score (no words in the file)"

typedef struct cli_cmd {
    const char *name;
    int (*run)(int argc, char **argv); /* argv[0] is the command name */
    const char *summary;               /* one line for `dossier help` */
} cli_cmd;

/* NULL-name terminated. */
extern const cli_cmd cli_commands[];

/* Runs the command named argv[0]; unknown names are a usage error. */
int cli_dispatch(int argc, char **argv);

/* The case database path: --db, else $DOSSIER_DB, else ./dossier.db.
 * Set by main.c from the global --db flag or by a command's own --db. */
extern const char *cli_db_path;

/* Prints "dossier: <msg>" to stderr for a failed call and returns the exit
 * status for it (2 for DS_EINVAL raised by option checks, else 1). */
int cli_report(const ds_err *e);

/* Prints "dossier <cmd>: <fmt>" + hint to stderr and returns CLI_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

int cmd_ingest(int argc, char **argv);
int cmd_search(int argc, char **argv);
int cmd_docs(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_case(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_help(int argc, char **argv);
int cmd_version(int argc, char **argv);

#endif

/* ---- Helpers shared by the commands (cli.c) ---- */
#include "kg/kg.h"
#include "pipe/pipe_nlp.h"
#include "util/str.h"

/* Opens the case at cli_db_path; prints the error and returns NULL on
 * failure (then *out_status is the exit status). */
kg_db *cli_open(int flags, int *out_status);
/* The viewer's clearance: the --clearance text if given, else
 * $DOSSIER_CLEARANCE, else everything in the case (the CLI user owns the
 * case file). Prints the error and returns false on a bad value. */
bool cli_clearance(kg_db *db, const char *text, kg_marking *out);
/* Opens the case read-only for a viewer with the given --clearance text
 * (see cli_clearance). Prints the error and returns NULL on failure, with
 * *out_status the exit status. */
kg_db *cli_open_viewer(const char *clearance, kg_marking *out, int *out_status);
/* Checks and normalizes a --from/--to date into out ("YYYY-MM-DD" or a
 * full timestamp); false (after printing why) when it is not a date. */
bool cli_date_arg(const char *cmd, const char *opt, const char *val,
                  char out[32]);
/* Parses a positive integer option value; false after printing why. */
bool cli_int_arg(const char *cmd, const char *opt, const char *val, long min,
                 long max, long *out);
/* Parses a --ner value (auto, news, web, none); false after printing
 * why. */
bool cli_ner_mode_arg(const char *cmd, const char *val, pipe_ner_mode *out);
/* Options every command takes, for its getopt_long table:
 *     static const struct option opts[] = { ..., CLI_COMMON_OPTIONS, {0} };
 * and the codes they return. */
enum { CLI_OPT_DB = 1000, CLI_OPT_HELP };
#define CLI_COMMON_OPTIONS                                                     \
    {"db", required_argument, NULL, CLI_OPT_DB},                               \
    {                                                                          \
        "help", no_argument, NULL, CLI_OPT_HELP                                \
    }

/* Handles the getopt_long result c when it is one every command shares:
 * --db, --help (prints usage to stdout), a missing value (':') or an
 * unknown option. Returns -1 when c is none of those (the command handles
 * it), -2 when it was handled and parsing goes on (--db), else the exit
 * status the command must return. The loop must use the optstring ":..."
 * with opterr = 0. */
int cli_common_option(const char *cmd, int c, char **argv, const char *usage);

/* Writes b to stdout. */
void cli_print(const buf *b);
