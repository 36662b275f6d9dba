/* tok.h - rule-based tokenizer and sentence splitter for English news and
 * web text.
 *
 * Tokens are byte spans of the input text, which stays where it is (the
 * tokenizer copies nothing). Conventions follow Universal Dependencies
 * (English EWT): punctuation is split off, most hyphenated compounds are
 * split at the hyphen, contractions and possessives are split into
 * syntactic words ("don't" -> "do" + "n't", "John's" -> "John" + "'s").
 * Such a split word is a sub-span of one surface token; the flag
 * TOK_F_JOIN on a span says the next span belongs to the same surface token
 * (a UD multiword token). See doc/internals/tokenizer.md for the rules. */
#ifndef NLP_TOK_H
#define NLP_TOK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/str.h"

typedef enum tok_kind {
    TOK_WORD,      /* letters, possibly with digits, apostrophes, hyphens */
    TOK_NUMBER,    /* starts with a digit: 1,000.50  10:30  3rd  1970s */
    TOK_PUNCT,     /* . , ; " ( ... -- and Unicode P* */
    TOK_SYMBOL,    /* $ % + = & emoticons and Unicode S* (emoji) */
    TOK_URL,       /* http(s)://..., www.... */
    TOK_EMAIL,     /* user@host.tld */
    TOK_IP,        /* IPv4 dotted quad or IPv6 */
    TOK_HASHTAG,   /* #word */
    TOK_MENTION,   /* @user */
    TOK_KIND_COUNT /* number of kinds, for sizing tables */
} tok_kind;

enum {
    TOK_F_SPACE_AFTER = 1u << 0, /* white space follows the span */
    TOK_F_SENT_START = 1u << 1,  /* first token of a sentence */
    TOK_F_JOIN = 1u << 2,        /* next span is part of the same surface
                                    token (a split contraction/possessive) */
    TOK_F_PARA_START = 1u << 3   /* first token after a blank line */
};

typedef struct tok_span {
    uint32_t off;  /* byte offset into the text (texts < 4 GiB) */
    uint32_t len;  /* byte length, > 0 */
    uint8_t kind;  /* a tok_kind */
    uint8_t flags; /* TOK_F_* */
} tok_span;

typedef struct tok_sent {
    uint32_t first_tok, n_toks; /* token range, n_toks > 0 */
    uint32_t off, end;          /* byte range: first token .. last token */
} tok_sent;

/* The output of tok_run. Arrays are owned by the result and reused across
 * runs (tok_result_reset keeps the memory). */
typedef struct tok_result {
    tok_span *toks;
    size_t n_toks, cap_toks;
    tok_sent *sents;
    size_t n_sents, cap_sents;
} tok_result;

void tok_result_init(tok_result *r);
/* Drops the tokens and sentences, keeps the memory. */
void tok_result_reset(tok_result *r);
void tok_result_fini(tok_result *r);

/* Tokenizes `text` (valid UTF-8; other bytes are treated as symbols, never
 * read past the end) and splits it into sentences, replacing the content of
 * *out. Every token belongs to exactly one sentence; sentences are in text
 * order and cover the tokens contiguously. Returns DS_ETOOBIG when the text
 * is 4 GiB or longer; otherwise cannot fail. */
DS_MUST_USE ds_rc tok_run(str text, tok_result *out, ds_err *e);

/* ---- Learned sentence boundaries ----
 *
 * The rules above propose; a small averaged-perceptron classifier
 * (sent.h, models/sent.model) may decide at every candidate boundary:
 * after terminal punctuation, an abbreviation, an address or a colon, at a
 * line break, and before a capital or digit when nothing marks the end
 * (headlines, sign-offs). A blank line always ends a sentence. */

typedef struct sent_model sent_model; /* sent.h */

/* Like tok_run, with an explicit sentence model; NULL means the rules
 * alone. The model is only read (any number of threads may share it). */
DS_MUST_USE ds_rc tok_run_with(str text, const sent_model *m, tok_result *out,
                               ds_err *e);

/* The model tok_run uses: sent.model in model_default_dir() (see
 * nlp/model.h, $DOSSIER_MODELS), loaded on first use (once, thread-safe)
 * and kept until exit. NULL when the file is absent or invalid: tok_run
 * then falls back to the rules. */
const sent_model *tok_default_sentence_model(void);

/* Scratch memory of the decider for one run of the splitter (zeroed at
 * its start): sent.c keeps the summaries of recent tokens here, since
 * neighbouring candidates share tokens. */
typedef struct tok_memo {
    uint64_t key[8];    /* token index + 1, 0 when empty */
    uint64_t val[8][4]; /* the decider's data for that token */
} tok_memo;

/* A candidate boundary before token j, as the splitter sees it. All
 * tokens of the text are in r; the sentence being built starts at token
 * `first`. */
typedef struct tok_cand {
    const char *s;            /* the text */
    size_t n;                 /* its length */
    const tok_result *r;      /* tokens (sentences not yet filled) */
    size_t j;                 /* the boundary is between tokens j-1 and j */
    size_t k;                 /* j-1, or the terminal punctuation before
                                 closing quotes/brackets glued to it */
    size_t first;             /* first token of the current sentence */
    size_t para_first;        /* first token of the paragraph */
    size_t para_end;          /* one past the last token of the paragraph */
    size_t line_start;        /* byte offset where the line of j-1 starts */
    uint32_t n_words, n_caps; /* words and capitalized words since first */
    uint8_t type;             /* a TOK_CAND_* */
    bool rule;                /* what the rules decide */
    bool line_break;          /* a line break between j-1 and j */
    tok_memo *memo;           /* scratch for the decider (see above) */
} tok_cand;

enum {
    TOK_CAND_TERM = 0,  /* after . ! ? ... (and closers glued to them) */
    TOK_CAND_ABBR = 1,  /* after a word ending in "." */
    TOK_CAND_ADDR = 2,  /* after a URL, e-mail address, > or emoticon */
    TOK_CAND_COLON = 3, /* after : ; - -- */
    TOK_CAND_CAP = 4,   /* after anything else, before a capital/digit */
    TOK_CAND_LINE = 5,  /* a line break (no other cue) */
    TOK_CAND_COMMA = 6, /* after a comma, before a capital or digit
                           ("Regards, Debra", "Hi, Yes ...") */
    TOK_CAND_GLUED = 7, /* after . ! ? with no space, before a word
                           ("it?how", "country.They") */
    TOK_CAND_TYPES = 8
};

/* Decides a candidate: true ends the sentence before token j. */
typedef bool (*tok_decide_fn)(void *ctx, const tok_cand *c);

/* Like tok_run, but every candidate boundary is decided by `decide`
 * (NULL: the rules). Used by tok_run_with and by the trainer (sent.h). */
DS_MUST_USE ds_rc tok_run_decide(str text, tok_decide_fn decide, void *ctx,
                                 tok_result *out, ds_err *e);

/* Abbreviation class of a word without its final dot, per the tokenizer's
 * lists: 0 none, 1 title ("Mr", never ends a sentence), 2 other ("Inc",
 * "etc"). */
int tok_abbrev_class(const char *p, size_t len);

/* Whether the word is a typical sentence starter ("The", "But", ...). */
bool tok_is_sent_starter(const char *p, size_t len);

/* "WORD", "NUMBER", ... Never NULL. */
const char *tok_kind_name(tok_kind k);

#endif
