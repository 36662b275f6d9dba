/* main.c - process entry: global flags, then dispatch to cli/.
 *
 *   dossier [--db PATH] [--log SPEC] [--version] COMMAND [ARGS...]
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "util/log.h"

static void usage(FILE *f)
{
    fputs("usage: dossier [--db PATH] [--log SPEC] COMMAND [ARGS...]\n"
          "       dossier help         list the commands\n"
          "       dossier COMMAND --help\n",
          f);
}

int main(int argc, char **argv)
{
    int i = 1;
    log_configure(NULL);
    /* Global flags stop at the first word that is not one of them, so each
     * command owns the rest of the line. */
    while (i < argc && argv[i][0] == '-') {
        const char *a = argv[i];
        if (strcmp(a, "--db") == 0 && i + 1 < argc) {
            cli_db_path = argv[i + 1];
            i += 2;
        } else if (strncmp(a, "--db=", 5) == 0) {
            cli_db_path = a + 5;
            i++;
        } else if (strcmp(a, "--log") == 0 && i + 1 < argc) {
            log_configure(argv[i + 1]);
            i += 2;
        } else if (strcmp(a, "--version") == 0) {
            char *v[] = {"version", NULL};
            return cmd_version(1, v);
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            char *v[] = {"help", NULL};
            return cmd_help(1, v);
        } else {
            fprintf(stderr, "dossier: unknown option '%s'\n", a);
            usage(stderr);
            return CLI_USAGE;
        }
    }
    if (i >= argc) {
        usage(stderr);
        return CLI_USAGE;
    }
    return cli_dispatch(argc - i, argv + i);
}
