/* ner_eval.h - NER data files and conlleval-identical scoring.
 *
 * Reading: CoNLL-2003 style files ("WORD POS CHUNK TAG", space separated,
 * "-DOCSTART-" lines start documents, blank lines end sentences) and the
 * IOB2 files of Universal NER ("ID<TAB>WORD<TAB>TAG<TAB>...", "# newdoc"
 * comments start documents). Tags may be IOB1, IOB2 or BILOU/IOBES; they
 * are kept as written and interpreted the way conlleval does.
 *
 * Scoring follows conlleval.pl (CoNLL-2000 version 2004-01-26) exactly:
 * its startOfChunk/endOfChunk rules on (prefix, type) pairs, a chunk is
 * correct when gold and guessed start and end together with the same type,
 * sentence boundaries count as O, and P/R/F1 are percentages. The only
 * difference: "-DOCSTART-" lines are not counted as tokens (conlleval
 * counts them as correctly tagged O tokens, which changes only the
 * token accuracy). */
#ifndef NLP_NER_EVAL_H
#define NLP_NER_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/ner.h"
#include "util/err.h"
#include "util/str.h"

/* ---- Data files ---- */

typedef struct ner_tok {
    str word, pos, tag; /* pos is empty when the format has none */
} ner_tok;

typedef struct ner_corpus {
    char *own; /* the file's bytes when loaded by ner_corpus_load */
    ner_tok *toks;
    size_t n_toks, cap_toks;
    uint32_t *sent; /* sentence i: toks[sent[i] .. sent[i+1]), n_sents+1 */
    size_t n_sents, cap_sents;
    uint32_t *doc; /* document d: sentences doc[d] .. doc[d+1]), n_docs+1 */
    size_t n_docs, cap_docs;
    ner_format format; /* as detected */
} ner_corpus;

/* Parses text (borrowed: must outlive the corpus) in the given format
 * (NER_FMT_AUTO: "# " comments or tab-separated numbered lines mean IOB2,
 * else CoNLL). DS_EFORMAT with "NAME:LINE: reason" for a malformed line. */
DS_MUST_USE ds_rc ner_corpus_parse(str text, ner_format fmt, const char *name,
                                   ner_corpus *out, ds_err *e);
/* Reads the file at path and parses it; the corpus owns the bytes. */
DS_MUST_USE ds_rc ner_corpus_load(const char *path, ner_format fmt,
                                  ner_corpus *out, ds_err *e);
/* Reads a comma-separated list of files (a single name: ner_corpus_load)
 * into one corpus, in order, each file parsed in its own format. A file
 * listed twice is read twice: its sentences weigh double in training. The
 * format is NER_FMT_CONLL only when every file is. */
DS_MUST_USE ds_rc ner_corpus_load_list(const char *paths, ner_format fmt,
                                       ner_corpus *out, ds_err *e);
void ner_corpus_fini(ner_corpus *c);

/* ---- Tag sequences ---- */

/* Splits a tag into conlleval's prefix and type: "B-PER" -> "B", "PER";
 * "O" -> "O", "". */
void ner_tag_split(str tag, str *out_prefix, str *out_type);

/* Chunk starts/ends of a tag sequence, as conlleval sees them: for each
 * chunk found, out_first/out_last receive the token range and out_type the
 * type (views into tags). Returns the number of chunks (<= n). */
size_t ner_tags_chunks(const str *tags, size_t n, uint32_t *out_first,
                       uint32_t *out_last, str *out_type);

/* ---- Scoring ---- */

#define NER_EVAL_MAX_TYPES 32

typedef struct ner_prf {
    size_t gold, guessed, correct;
    double precision, recall, f1; /* percentages */
} ner_prf;

typedef struct ner_type_score {
    char name[32];
    ner_prf prf;
} ner_type_score;

struct ner_eval {
    size_t tokens, correct_tags, sentences, docs;
    double accuracy; /* percentage of tokens whose tag (prefix+type) match */
    ner_prf all;
    ner_type_score types[NER_EVAL_MAX_TYPES]; /* sorted by name */
    size_t n_types;
    double seconds;      /* tagging time only */
    double tokens_per_s; /* tokens / seconds */
};

/* conlleval's state machine, fed token by token. */
typedef struct ner_scorer {
    str drop[8];
    size_t n_drop;
    bool in_correct;
    str last_correct, last_correct_type, last_guessed, last_guessed_type;
    ner_eval ev;
    size_t found_correct[NER_EVAL_MAX_TYPES], found_guessed[NER_EVAL_MAX_TYPES],
        correct_chunk[NER_EVAL_MAX_TYPES];
    char names[NER_EVAL_MAX_TYPES][32];
    size_t n_names;
} ner_scorer;

/* drop_types: comma-separated types scored as O (NULL: none). The views
 * passed to ner_scorer_add must stay valid until the next call. */
void ner_scorer_init(ner_scorer *s, const char *drop_types);
void ner_scorer_add(ner_scorer *s, str gold, str guessed);
/* A sentence boundary (blank line). */
void ner_scorer_boundary(ner_scorer *s);
/* Computes the percentages into *out. */
void ner_scorer_finish(ner_scorer *s, ner_eval *out);

/* Tags every document of c with t (with the POS column when use_pos) and
 * scores it against the gold tags. Timing covers tagging only. */
void ner_evaluate(ner_tagger *t, const ner_corpus *c, bool use_pos,
                  const char *drop_types, ner_eval *out);

#endif
