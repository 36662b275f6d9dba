/* cli_ner.h - `dossier train ner` and `dossier eval ner` (cmd_ner.c),
 * called from the train and eval subcommand tables. argv[0] is "ner". */
#ifndef CLI_CLI_NER_H
#define CLI_CLI_NER_H

int cmd_train_ner(int argc, char **argv);
int cmd_eval_ner(int argc, char **argv);

#endif
