/* test_conllu.c - the CoNLL-U reader on small hand-written sentences. */
#include <string.h>

#include "../harness.h"
#include "nlp/conllu.h"

static const char good[] =
    "# newdoc id = d1\n"
    "# newpar\n"
    "# sent_id = s1\n"
    "# text = We're here.\n"
    "1-2\tWe're\t_\t_\t_\t_\t_\t_\t_\t_\n"
    "1\tWe\twe\tPRON\tPRP\tCase=Nom\t3\tnsubj\t3:nsubj\t_\n"
    "2\t're\tbe\tAUX\tVBP\t_\t3\tcop\t3:cop\t_\n"
    "3\there\there\tADV\tRB\t_\t0\troot\t0:root\tSpaceAfter=No\n"
    "4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t3:punct\t_\n"
    "\n"
    "# text = Go\n"
    "1\tGo\tgo\tVERB\tVB\t_\t0\troot\t0:root\t_\n"
    "1.1\tyou\tyou\tPRON\tPRP\t_\t_\t_\t1:nsubj\t_\n"
    "\n";

static void t_reads_sentences(void)
{
    conllu_reader r;
    conllu_sent s;
    bool got;
    ds_err e;
    conllu_reader_init(&r, (str){good, sizeof good - 1});
    conllu_sent_init(&s);
    CHECK(conllu_next(&r, &s, &got, &e) == DS_OK);
    CHECK(got);
    CHECK(s.newdoc && s.newpar && s.has_text);
    CHECK_STRN(s.text.ptr, s.text.len, "We're here.");
    CHECK_STRN(s.sent_id.ptr, s.sent_id.len, "s1");
    CHECK_EQ_INT(s.n_lines, 5);
    CHECK_EQ_INT(s.n_words, 4);
    CHECK_EQ_INT(s.lines[0].kind, CONLLU_MWT);
    CHECK_EQ_INT(s.lines[0].id, 1);
    CHECK_EQ_INT(s.lines[0].id_end, 2);
    CHECK_EQ_INT(s.lines[0].head, -1);
    CHECK_STRN(s.lines[2].form.ptr, s.lines[2].form.len, "'re");
    CHECK_STRN(s.lines[2].upos.ptr, s.lines[2].upos.len, "AUX");
    CHECK_STRN(s.lines[1].feats.ptr, s.lines[1].feats.len, "Case=Nom");
    CHECK_EQ_INT(s.lines[1].head, 3);
    CHECK(!s.lines[3].space_after);
    CHECK(s.lines[4].space_after);
    CHECK_EQ_INT(s.lines[4].line, 9);

    CHECK(conllu_next(&r, &s, &got, &e) == DS_OK);
    CHECK(got);
    CHECK(!s.newdoc && !s.newpar);
    CHECK_EQ_INT(s.n_lines, 2);
    CHECK_EQ_INT(s.n_words, 1);
    CHECK_EQ_INT(s.lines[1].kind, CONLLU_EMPTY);
    CHECK_EQ_INT(s.lines[1].sub, 1);

    CHECK(conllu_next(&r, &s, &got, &e) == DS_OK);
    CHECK(!got);
    conllu_sent_fini(&s);
}

/* Each malformed input gives DS_EFORMAT naming the line. */
static void t_malformed(void)
{
    static const struct {
        const char *in, *msg;
    } bad[] = {
        {"1\tx\n", "1: expected 10 tab-separated fields"},
        {"1\ta\tb\tc\td\te\tf\tg\th\ti\tj\n", "1: more than 10 fields"},
        {"# c\nx\ta\t_\t_\t_\t_\t0\troot\t_\t_\n", "2: bad ID"},
        {"1\ta\t_\t_\t_\t_\tzz\troot\t_\t_\n", "1: bad HEAD"},
        {"1\t\t_\t_\t_\t_\t0\troot\t_\t_\n", "1: empty FORM"},
        {"2\ta\t_\t_\t_\t_\t0\troot\t_\t_\n", "1: word ID out of sequence"},
        {"1\ta\t_\t_\t_\t_\t5\troot\t_\t_\n",
         "1: HEAD points past the last word"},
        {"1-3\tab\t_\t_\t_\t_\t_\t_\t_\t_\n"
         "1\ta\t_\t_\t_\t_\t0\troot\t_\t_\n"
         "2\tb\t_\t_\t_\t_\t1\tdep\t_\t_\n",
         "1: multiword token range without its words"},
        {"3-1\tab\t_\t_\t_\t_\t_\t_\t_\t_\n", "1: bad multiword token range"},
        {"# only a comment\n", "1: sentence without words"},
    };
    conllu_sent s;
    conllu_sent_init(&s);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        conllu_reader r;
        bool got;
        ds_err e;
        conllu_reader_init(&r, str_c(bad[i].in));
        ds_rc rc = conllu_next(&r, &s, &got, &e);
        CHECK_EQ_INT(rc, DS_EFORMAT);
        if (rc == DS_EFORMAT) {
            CHECK(strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) == 0);
            if (strncmp(e.msg, bad[i].msg, strlen(bad[i].msg)) != 0) {
                printf("# case %zu: got \"%s\"\n", i, e.msg);
            }
        }
    }
    conllu_sent_fini(&s);
}

/* After an error the reader continues with the next sentence. */
static void t_recovers(void)
{
    const char *in = "1\tbad\n\n1\tok\t_\t_\t_\t_\t0\troot\t_\t_\n";
    conllu_reader r;
    conllu_sent s;
    bool got;
    conllu_reader_init(&r, str_c(in));
    conllu_sent_init(&s);
    CHECK(conllu_next(&r, &s, &got, NULL) == DS_EFORMAT);
    CHECK(conllu_next(&r, &s, &got, NULL) == DS_OK);
    CHECK(got);
    CHECK_EQ_INT(s.n_words, 1);
    CHECK_EQ_INT(s.lines[0].line, 3);
    conllu_sent_fini(&s);
}

/* CRLF line endings, no final newline, empty input. */
static void t_edges(void)
{
    conllu_reader r;
    conllu_sent s;
    bool got;
    conllu_sent_init(&s);
    conllu_reader_init(&r, STR("1\ta\t_\t_\t_\t_\t0\troot\t_\tSpaceAfter=No\r\n"
                               "2\tb\t_\t_\t_\t_\t1\tdep\t_\t_"));
    CHECK(conllu_next(&r, &s, &got, NULL) == DS_OK);
    CHECK(got);
    CHECK_EQ_INT(s.n_words, 2);
    CHECK(!s.lines[0].space_after);
    CHECK_STRN(s.lines[1].misc.ptr, s.lines[1].misc.len, "_");
    conllu_reader_init(&r, STR(""));
    CHECK(conllu_next(&r, &s, &got, NULL) == DS_OK);
    CHECK(!got);
    conllu_sent_fini(&s);
}

static void t_load_missing(void)
{
    char *data;
    size_t len;
    ds_err e;
    CHECK(conllu_load_file("/nonexistent/x.conllu", &data, &len, &e) == DS_EIO);
    CHECK(data == NULL);
}

int main(void)
{
    RUN(t_reads_sentences);
    RUN(t_malformed);
    RUN(t_recovers);
    RUN(t_edges);
    RUN(t_load_missing);
    return harness_done();
}
