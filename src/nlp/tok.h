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

/* "WORD", "NUMBER", ... Never NULL. */
const char *tok_kind_name(tok_kind k);

#endif
