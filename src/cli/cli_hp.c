/* cli_hp.c - hyper-parameter tables for the training commands (see
 * cli_hp.h). */
#include "cli/cli_hp.h"

#include <getopt.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

static const char *metavar(cli_hp_type t)
{
    switch (t) {
    case HP_PATH:
        return "FILE";
    case HP_UINT:
        return "N";
    case HP_REAL:
        return "X";
    case HP_BOOL:
        return "0|1";
    case HP_TEXT:
        break;
    }
    return "TEXT";
}

void cli_hp_usage(FILE *f, const char *cmd, const char *summary,
                  const cli_hparam *tab)
{
    fprintf(f, "usage: dossier %s", cmd);
    for (const cli_hparam *h = tab; h->name; h++) {
        if (!h->def) {
            fprintf(f, " --%s %s", h->name, metavar(h->type));
        }
    }
    fprintf(f, " [options]\n\n%s\n\noptions:\n", summary);
    for (const cli_hparam *h = tab; h->name; h++) {
        char left[64];
        snprintf(left, sizeof left, "--%s %s", h->name, metavar(h->type));
        fprintf(f, "  %-22s %s", left, h->help);
        if (h->def) {
            fprintf(f, " (default %s)", *h->def ? h->def : "none");
        } else {
            fprintf(f, " (required)");
        }
        fputc('\n', f);
    }
    fprintf(f, "  %-22s %s\n", "--help", "this text");
}

static bool set(const char *cmd, const cli_hparam *h, const char *val,
                cli_hp_values *v, size_t i)
{
    char *end = NULL;
    v->text[i] = val;
    switch (h->type) {
    case HP_UINT:
    case HP_BOOL:
        if (!*val || *val == '-') {
            goto bad;
        }
        v->u[i] = strtoull(val, &end, 0);
        if (*end || (h->type == HP_BOOL && v->u[i] > 1)) {
            goto bad;
        }
        break;
    case HP_REAL:
        v->r[i] = strtod(val, &end);
        if (!*val || *end || v->r[i] < 0) {
            goto bad;
        }
        break;
    case HP_PATH:
    case HP_TEXT:
        break;
    }
    return true;
bad:
    cli_usage_error(cmd, "--%s: bad value '%s' (%s)", h->name, val,
                    metavar(h->type));
    return false;
}

int cli_hp_parse(const char *cmd, int argc, char **argv, const char *summary,
                 const cli_hparam *tab, cli_hp_values *v)
{
    struct option opts[CLI_HP_MAX + 2];
    size_t n = 0;
    for (; tab[n].name && n < CLI_HP_MAX; n++) {
        opts[n] = (struct option){tab[n].name, required_argument, NULL, (int)n};
        v->text[n] = NULL;
        if (tab[n].def && !set(cmd, &tab[n], tab[n].def, v, n)) {
            return CLI_USAGE;
        }
    }
    enum { HELP = 1000 };
    opts[n] = (struct option){"help", no_argument, NULL, HELP};
    opts[n + 1] = (struct option){NULL, 0, NULL, 0};
    optind = 1;
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, ":", opts, NULL)) != -1) {
        if (c == HELP) {
            cli_hp_usage(stdout, cmd, summary, tab);
            return CLI_OK;
        }
        if (c == ':') {
            return cli_usage_error(cmd, "%s needs a value", argv[optind - 1]);
        }
        if (c < 0 || (size_t)c >= n) {
            return cli_usage_error(cmd, "unknown option '%s'",
                                   argv[optind - 1]);
        }
        if (!set(cmd, &tab[c], optarg, v, (size_t)c)) {
            return CLI_USAGE;
        }
    }
    if (optind < argc) {
        return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
    }
    for (size_t i = 0; i < n; i++) {
        if (!v->text[i]) {
            return cli_usage_error(cmd, "--%s is required", tab[i].name);
        }
    }
    return -1;
}
