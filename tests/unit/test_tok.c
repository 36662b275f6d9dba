/* test_tok.c - tokenizer and sentence splitter cases.
 *
 * Each case renders the tokenization as text: tokens separated by a space,
 * the parts of a split surface token (TOK_F_JOIN) by "+", and a sentence
 * boundary as " // ". */
#include <string.h>

#include "../harness.h"
#include "nlp/tok.h"
#include "util/str.h"

static char *render(const char *text, tok_result *r)
{
    static char out[4096];
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < r->n_toks && o + 300 < sizeof out; i++) {
        const tok_span *t = &r->toks[i];
        if (i > 0 && (t->flags & TOK_F_SENT_START)) {
            o += (size_t)snprintf(out + o, sizeof out - o, "// ");
        }
        o += (size_t)snprintf(out + o, sizeof out - o, "%.*s%s", (int)t->len,
                              text + t->off,
                              (t->flags & TOK_F_JOIN) ? "+" : " ");
    }
    if (o > 0 && out[o - 1] == ' ') {
        out[o - 1] = '\0';
    }
    return out;
}

static const struct {
    const char *in, *want;
} cases[] = {
    /* basics and punctuation */
    {"Hello, world!", "Hello , world !"},
    {"(see below)", "( see below )"},
    {"\"Quoted,\" he said.", "\" Quoted , \" he said ."},
    {"\xE2\x80\x9C"
     "Curly"
     "\xE2\x80\x9D"
     " quotes",
     "\xE2\x80\x9C Curly \xE2\x80\x9D quotes"},
    {"Wait... what?!", "Wait ... what ?!"},
    {"So\xE2\x80\xA6 yes", "So \xE2\x80\xA6 yes"},
    {"a -- b", "a -- b"},
    {"word--word", "word -- word"},
    /* contractions and possessives (UD multiword tokens) */
    {"I don't know", "I do+n't know"},
    {"We can't, won't", "We ca+n't , wo+n't"},
    {"I cannot go", "I can+not go"},
    {"gonna wanna", "gon+na wan+na"},
    {"John's car", "John+'s car"},
    {"the parents' car", "the parents+' car"},
    {"They're here, I'm sure", "They+'re here , I+'m sure"},
    {"it\xE2\x80\x99s", "it+\xE2\x80\x99s"},
    {"o'clock", "o'clock"},
    /* numbers */
    {"$1,000.50 and 3.5%", "$ 1,000.50 and 3.5 %"},
    {"at 10:30 on 11/28/2000", "at 10:30 on 11/28/2000"},
    {"the 1970s and 3rd", "the 1970s and 3rd"},
    {"at 5pm", "at 5 pm"},
    {"in '72", "in '72"},
    /* hyphens and slashes, EWT style */
    {"a 15-year term", "a 15 - year term"},
    {"e-mail non-stop", "e-mail non-stop"},
    {"call 713-853-6197", "call 713-853-6197"},
    {"and/or w/o", "and / or w/o"},
    /* abbreviations and initials */
    {"Mr. Smith and Dr. Jones", "Mr. Smith and Dr. Jones"},
    {"the U.S. Army", "the U.S. Army"},
    {"e.g. this", "e.g. this"},
    {"J. R. R. Tolkien wrote.", "J. R. R. Tolkien wrote ."},
    {"apples, pears, etc. and more", "apples , pears , etc. and more"},
    /* web text */
    {"see http://example.com/a?b=1.", "see http://example.com/a?b=1 ."},
    {"(www.example.org)", "( www.example.org )"},
    {"mail bob.smith@example.com now", "mail bob.smith@example.com now"},
    {"host 192.168.0.1 up", "host 192.168.0.1 up"},
    {"ip6 fe80::1 up", "ip6 fe80::1 up"},
    {"#breaking @user hi", "#breaking @user hi"},
    {"nice :) really", "nice :) really"},
    /* multi-byte text */
    {"Caf\xC3\xA9 na\xC3\xAFve", "Caf\xC3\xA9 na\xC3\xAFve"},
    {"\xE6\x97\xA5\xE6\x9C\xAC\xE3\x80\x82",
     "\xE6\x97\xA5\xE6\x9C\xAC \xE3\x80\x82"},
    {"a\xC2\xA0"
     "b",
     "a b"},
    /* sentences */
    {"It rained. We left.", "It rained . // We left ."},
    {"Really? Yes! OK.", "Really ? // Yes ! // OK ."},
    {"He said \"Go.\" Then he left.", "He said \" Go . \" // Then he left ."},
    {"Mr. Smith went to Washington. He left.",
     "Mr. Smith went to Washington . // He left ."},
    {"Apple Inc. The company", "Apple Inc. // The company"},
    {"First para\n\nSecond para", "First para // Second para"},
    {"1. First item", "1 . First item"},
    {"Ends without punctuation", "Ends without punctuation"},
};

static void t_cases(void)
{
    tok_result r;
    tok_result_init(&r);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ds_err e;
        CHECK(tok_run(str_c(cases[i].in), &r, &e) == DS_OK);
        char *got = render(cases[i].in, &r);
        if (strcmp(got, cases[i].want) != 0) {
            printf("# case %zu: %s\n#   want: %s\n#   got:  %s\n", i,
                   cases[i].in, cases[i].want, got);
        }
        CHECK_STR(got, cases[i].want);
    }
    tok_result_fini(&r);
}

static void t_empty(void)
{
    tok_result r;
    tok_result_init(&r);
    CHECK(tok_run(STR(""), &r, NULL) == DS_OK);
    CHECK_EQ_INT(r.n_toks, 0);
    CHECK_EQ_INT(r.n_sents, 0);
    CHECK(tok_run(STR(" \n\t \n"), &r, NULL) == DS_OK);
    CHECK_EQ_INT(r.n_toks, 0);
    CHECK_EQ_INT(r.n_sents, 0);
    tok_result_fini(&r);
}

/* Offsets are bytes into the input, including after multi-byte text. */
static void t_offsets_are_bytes(void)
{
    const char *text = "\xC3\xA9t\xC3\xA9 caf\xC3\xA9s!";
    tok_result r;
    tok_result_init(&r);
    CHECK(tok_run(str_c(text), &r, NULL) == DS_OK);
    CHECK_EQ_INT(r.n_toks, 3);
    CHECK_EQ_INT(r.toks[0].off, 0);
    CHECK_EQ_INT(r.toks[0].len, 5);
    CHECK_EQ_INT(r.toks[1].off, 6);
    CHECK_EQ_INT(r.toks[1].len, 6);
    CHECK_EQ_INT(r.toks[2].off, 12);
    CHECK(r.toks[0].flags & TOK_F_SPACE_AFTER);
    CHECK(!(r.toks[1].flags & TOK_F_SPACE_AFTER));
    CHECK_EQ_INT(r.n_sents, 1);
    CHECK_EQ_INT(r.sents[0].off, 0);
    CHECK_EQ_INT(r.sents[0].end, 13);
    tok_result_fini(&r);
}

static void t_kinds(void)
{
    const char *text = "Go 42 , $ http://a.io x@y.org 10.0.0.1 #tag @me";
    const tok_kind want[] = {TOK_WORD,   TOK_NUMBER,  TOK_PUNCT,
                             TOK_SYMBOL, TOK_URL,     TOK_EMAIL,
                             TOK_IP,     TOK_HASHTAG, TOK_MENTION};
    tok_result r;
    tok_result_init(&r);
    CHECK(tok_run(str_c(text), &r, NULL) == DS_OK);
    CHECK_EQ_INT(r.n_toks, 9);
    for (size_t i = 0; i < 9 && i < r.n_toks; i++) {
        CHECK_STR(tok_kind_name(r.toks[i].kind), tok_kind_name(want[i]));
    }
    CHECK_STR(tok_kind_name(TOK_KIND_COUNT), "?");
    tok_result_fini(&r);
}

/* Sentences cover all tokens, in order, without gaps. */
static void t_sentences_cover(void)
{
    const char *text = "One. Two? Three!\n\nFour \"five.\" Six (seven.) End";
    tok_result r;
    tok_result_init(&r);
    CHECK(tok_run(str_c(text), &r, NULL) == DS_OK);
    size_t next = 0;
    for (size_t i = 0; i < r.n_sents; i++) {
        CHECK_EQ_INT(r.sents[i].first_tok, next);
        CHECK(r.sents[i].n_toks > 0);
        next += r.sents[i].n_toks;
    }
    CHECK_EQ_INT(next, r.n_toks);
    CHECK_EQ_INT(r.n_sents, 6);
    tok_result_fini(&r);
}

/* Reusing a result keeps working (reset keeps memory). */
static void t_reuse(void)
{
    tok_result r;
    tok_result_init(&r);
    CHECK(tok_run(STR("a b c d e f g h i j k l m n o p"), &r, NULL) == DS_OK);
    CHECK_EQ_INT(r.n_toks, 16);
    CHECK(tok_run(STR("ok."), &r, NULL) == DS_OK);
    CHECK_EQ_INT(r.n_toks, 2);
    CHECK_EQ_INT(r.n_sents, 1);
    tok_result_fini(&r);
}

int main(void)
{
    RUN(t_cases);
    RUN(t_empty);
    RUN(t_offsets_are_bytes);
    RUN(t_kinds);
    RUN(t_sentences_cover);
    RUN(t_reuse);
    return harness_done();
}
