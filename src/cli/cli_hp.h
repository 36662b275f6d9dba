/* cli_hp.h - hyper-parameter tables for the training commands.
 *
 * One table per trainer (name, type, default, help) both parses the
 * options and prints --help (STYLE C12), so the documentation of a
 * hyper-parameter cannot drift from what is parsed. Used by `dossier train
 * pos|sent|ner|parse`. */
#ifndef CLI_CLI_HP_H
#define CLI_CLI_HP_H

#include <stdio.h>

#define CLI_HP_MAX 32 /* rows per table */

typedef enum cli_hp_type {
    HP_PATH, /* a file or directory */
    HP_TEXT, /* any text */
    HP_UINT, /* a whole number >= 0 */
    HP_REAL, /* a number >= 0 */
    HP_BOOL  /* 0 or 1 */
} cli_hp_type;

typedef struct cli_hparam {
    const char *name; /* the long option, without "--" */
    cli_hp_type type;
    const char *def; /* default as text; NULL: required */
    const char *help;
} cli_hparam;

/* Parsed values, indexed like the table (text always; u for HP_UINT and
 * HP_BOOL, r for HP_REAL). */
typedef struct cli_hp_values {
    const char *text[CLI_HP_MAX];
    unsigned long long u[CLI_HP_MAX];
    double r[CLI_HP_MAX];
} cli_hp_values;

/* Prints "usage: dossier CMD --req X ... [options]", the summary and one
 * line per row. cmd is e.g. "train ner". */
void cli_hp_usage(FILE *f, const char *cmd, const char *summary,
                  const cli_hparam *tab);

/* Parses argv (argv[0] is the subcommand) against the NULL-name
 * terminated tab into *v, defaults first. Returns -1 on success, else the
 * exit status the command must return (CLI_OK after --help, CLI_USAGE
 * after a message naming the option). cmd is e.g. "train ner". */
int cli_hp_parse(const char *cmd, int argc, char **argv, const char *summary,
                 const cli_hparam *tab, cli_hp_values *v);

#endif
