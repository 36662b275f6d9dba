/* cli_parse.h - the parser's commands (cmd_parse.c), wired into the
 * command tables by cli.c (annotate), cmd_train.c (train parse) and
 * cmd_eval.c (eval parse). Each takes argv with argv[0] the (sub)command
 * name and returns the exit status (0 ok, 1 failure, 2 usage). */
#ifndef CLI_CLI_PARSE_H
#define CLI_CLI_PARSE_H

/* dossier train parse --train FILE --dev FILE --out FILE [options] */
int cmd_train_parse(int argc, char **argv);

/* dossier eval parse FILE.conllu [--model PATH] [--pos-model PATH]
 *                    [--gold-pos] [--json] */
int cmd_eval_parse(int argc, char **argv);

/* dossier annotate [FILE|-] [--json] [--model PATH] [--pos-model PATH] */
int cmd_annotate(int argc, char **argv);

#endif
