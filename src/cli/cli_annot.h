/* cli_annot.h - printing a document's annotation (nlp/annot.h) sentence
 * by sentence: CoNLL-U (ID FORM _ UPOS XPOS _ HEAD DEPREL _ MISC, with
 * TokenRange=START:END byte offsets, SpaceAfter=No and NER=<IOB2> in MISC,
 * '# sent_id' and '# text' comments, range lines for multiword tokens) or
 * one JSON object per sentence. Without a parse, HEAD and DEPREL are "_"
 * (JSON null). */
#ifndef CLI_CLI_ANNOT_H
#define CLI_CLI_ANNOT_H

#include <stddef.h>

#include "json/json.h"
#include "nlp/annot.h"
#include "nlp/dep.h"
#include "nlp/ner.h"
#include "nlp/tok.h"
#include "util/str.h"

/* What the printers need: the annotation and the models that name its
 * labels. */
typedef struct cli_annot {
    annotation an;
    const ner_model *nm; /* NULL: no NER (column "O") */
    const dep_model *dm; /* NULL: no parse */
} cli_annot;

/* Appends sentence si of the tokens r of text to b as CoNLL-U. */
void cli_annot_conllu(const cli_annot *a, str text, const tok_result *r,
                      size_t si, buf *b);
/* Writes sentence si as one JSON object to j. */
void cli_annot_json(const cli_annot *a, str text, const tok_result *r,
                    size_t si, json_w *j);
/* Every sentence: as JSON objects to j (an open array writing to out),
 * or, with j NULL, as CoNLL-U to out; out goes to stdout (cli_print)
 * whenever it grows past 64 KiB, so a large document streams. */
void cli_annot_sentences(const cli_annot *a, str text, const tok_result *r,
                         json_w *j, buf *out);

#endif
