/* test_kg.c - the case store: schema, markings, the write path and the
 * evidence-and-markings rule on every read function. */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../harness.h"
#include "kg/kg.h"
#include "nlp/tok.h"
#include "pipe/pipe.h"
#include "util/xalloc.h"

static char dir[] = "/tmp/dossier-test-kg-XXXXXX";
static int n_db;

static kg_db *fresh(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/case%d.db", dir, n_db++);
    kg_db *db = NULL;
    ds_err e;
    if (kg_open(path, KG_OPEN_CREATE, &db, &e)) {
        fprintf(stderr, "open: %s\n", e.msg);
    }
    return db;
}

/* Stores text as one document with the given marking. */
static const kg_mention_in *put_mentions;
static size_t put_n_mentions;

static int64_t put(kg_db *db, const char *title, const char *text,
                   const char *marking, kg_store_result *res)
{
    kg_doc_in d = {0};
    ds_err e;
    tok_result tr;
    uint64_t sig[KG_MINHASH_SIZE];
    tok_result_init(&tr);
    d.title = title;
    d.text = str_c(text);
    d.format = "text";
    d.credibility = 6;
    if (kg_marking_parse(db, marking, &d.marking, &e)) {
        return -1;
    }
    if (tok_run(d.text, &tr, &e)) {
        return -1;
    }
    pipe_text_hash(d.text, d.hash);
    if (pipe_minhash(d.text, tr.toks, tr.n_toks, sig, d.bands)) {
        d.minhash = sig;
    }
    d.n_tokens = (uint32_t)tr.n_toks;
    uint32_t spans[64];
    for (size_t i = 0; i < tr.n_sents && i < 32; i++) {
        spans[2 * i] = tr.sents[i].off;
        spans[2 * i + 1] = tr.sents[i].end;
    }
    d.sentences = spans;
    d.n_sentences = tr.n_sents < 32 ? tr.n_sents : 32;
    d.mentions = put_mentions;
    d.n_mentions = put_n_mentions;
    int64_t id = -1;
    kg_stored st;
    if (kg_begin(db, &e) ||
        kg_doc_store(db, &d, PIPE_NEAR_THRESHOLD, &st, &e) ||
        kg_commit(db, &e)) {
        fprintf(stderr, "store: %s\n", e.msg);
    } else {
        id = st.id;
    }
    if (res) {
        *res = st.result;
    }
    tok_result_fini(&tr);
    return id;
}

static const char story[] =
    "Officials in Velmora confirmed on Tuesday that the consultancy run by "
    "Adrian Kessel had received payments from a foreign trade office. The "
    "payments, totalling 2.4 million euros, were not declared to the "
    "parliamentary register. Kessel denied any wrongdoing and said the "
    "contracts concerned port logistics. Investigators said the trade "
    "office employed a known intelligence officer.";

static const char story_copy[] =
    "Officials in Velmora confirmed on Tuesday that the consultancy run by "
    "Adrian Kessel had received payments from a foreign trade office. The "
    "payments, totalling 2.4 million euros, were not declared to the "
    "parliamentary register. Kessel denied any wrongdoing and said the "
    "contracts concerned port logistics and shipping. Investigators said "
    "the trade office employed a known intelligence officer.";

static void t_create_mode_and_schema(void)
{
    kg_db *db = fresh();
    CHECK(db != NULL);
    char path[256];
    snprintf(path, sizeof path, "%s/case%d.db", dir, n_db - 1);
    struct stat sb;
    CHECK(stat(path, &sb) == 0);
    CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    kg_close(db);
    /* Reopen: no migration needed, same version. */
    ds_err e;
    CHECK(kg_open(path, KG_OPEN_READONLY, &db, &e) == DS_OK);
    kg_close(db);
    CHECK(kg_schema_version() >= 1);
}

static void t_open_missing_and_foreign(void)
{
    kg_db *db;
    ds_err e;
    char path[256];
    snprintf(path, sizeof path, "%s/missing.db", dir);
    CHECK_EQ_INT(kg_open(path, KG_OPEN_READONLY, &db, &e), DS_ENOTFOUND);
    CHECK(strstr(e.msg, "missing.db") != NULL);
    snprintf(path, sizeof path, "%s/notes.txt", dir);
    FILE *f = fopen(path, "w");
    fputs("this is not a database, just some notes of mine\n", f);
    fclose(f);
    CHECK_EQ_INT(kg_open(path, KG_OPEN_READONLY, &db, &e), DS_EFORMAT);
}

static void t_marking_parse_format(void)
{
    kg_db *db = fresh();
    kg_marking m;
    ds_err e;
    buf b;
    buf_init(&b, 0);
    CHECK(kg_marking_parse(db, "amber", &m, &e) == DS_OK);
    CHECK_EQ_INT(m.level, 2);
    CHECK(kg_marking_parse(db, "TLP:AMBER+STRICT", &m, &e) == DS_OK);
    CHECK_EQ_INT(m.level, 3);
    kg_marking_format(db, m, &b);
    CHECK_STR(b.ptr, "AMBER+STRICT");
    CHECK_EQ_INT(kg_marking_parse(db, "PURPLE", &m, &e), DS_EINVAL);
    CHECK(strstr(e.msg, "CLEAR") != NULL);
    CHECK_EQ_INT(kg_marking_parse(db, "RED//NOFORN", &m, &e), DS_EINVAL);
    const char *lv[] = {"UNCLASSIFIED", "CONFIDENTIAL", "SECRET"};
    const char *cp[] = {"HUMINT", "ORCA"};
    CHECK(kg_set_markings(db, lv, 3, cp, 2, &e) == DS_OK);
    CHECK(kg_marking_parse(db, "secret//orca/humint", &m, &e) == DS_OK);
    CHECK_EQ_INT(m.level, 2);
    CHECK_EQ_INT(m.comps, 3);
    buf_reset(&b);
    kg_marking_format(db, m, &b);
    CHECK_STR(b.ptr, "SECRET//HUMINT/ORCA");
    kg_marking all = kg_clearance_all(db);
    CHECK_EQ_INT(all.level, 2);
    CHECK_EQ_INT(all.comps, 3);
    /* Visibility: level and compartments both. */
    kg_marking c = {2, 1}, d1 = {1, 1}, d2 = {1, 2}, d3 = {0, 0};
    CHECK(kg_may_see(c, d1));
    CHECK(!kg_may_see(c, d2));
    CHECK(kg_may_see(c, d3));
    CHECK(!kg_may_see(d3, d1));
    /* Markings are frozen once a document exists. */
    CHECK(put(db, "t", story, "CONFIDENTIAL", NULL) > 0);
    CHECK_EQ_INT(kg_set_markings(db, lv, 2, cp, 0, &e), DS_ECONFLICT);
    buf_fini(&b);
    kg_close(db);
}

static void t_exact_and_near_duplicates(void)
{
    kg_db *db = fresh();
    kg_store_result r;
    int64_t a = put(db, "a", story, "GREEN", &r);
    CHECK(a > 0);
    CHECK_EQ_INT(r, KG_STORED);
    /* Same text, white space differs: exact duplicate. */
    char spaced[sizeof story + 8];
    snprintf(spaced, sizeof spaced, "  %s\n", story);
    CHECK_EQ_INT(put(db, "a2", spaced, "GREEN", &r), a);
    CHECK_EQ_INT(r, KG_EXACT_DUPLICATE);
    /* The same text at a higher marking is visible to fewer people: skip. */
    CHECK_EQ_INT(put(db, "a3", story, "AMBER", &r), a);
    CHECK_EQ_INT(r, KG_EXACT_DUPLICATE);
    int64_t b = put(db, "b", story_copy, "GREEN", &r);
    CHECK(b > a);
    CHECK_EQ_INT(r, KG_NEAR_DUPLICATE);
    kg_doc d;
    ds_err e;
    CHECK(kg_doc_get(db, kg_clearance_all(db), b, false, &d, &e) == DS_OK);
    CHECK_EQ_INT(d.duplicate_of, a);
    CHECK(d.similarity >= PIPE_NEAR_THRESHOLD);
    kg_doc_fini(&d);
    kg_close(db);
}

/* A copy is never linked to (nor skipped for) an original that some viewer
 * of the copy may not see: duplicates never hide text. */
static void t_duplicates_never_hide(void)
{
    kg_db *db = fresh();
    kg_store_result r;
    int64_t amber = put(db, "amber", story, "AMBER", &r);
    int64_t green = put(db, "green", story, "GREEN", &r);
    CHECK_EQ_INT(r, KG_STORED);
    CHECK(green != amber);
    int64_t green2 = put(db, "green copy", story_copy, "GREEN", &r);
    CHECK_EQ_INT(r, KG_NEAR_DUPLICATE);
    kg_doc d;
    ds_err e;
    kg_marking g = {1, 0};
    CHECK(kg_doc_get(db, g, green2, false, &d, &e) == DS_OK);
    CHECK_EQ_INT(d.duplicate_of, green);
    kg_doc_fini(&d);
    kg_close(db);
}

static void t_invisible_reads_as_missing(void)
{
    kg_db *db = fresh();
    int64_t id = put(db, "secret", story, "RED", NULL);
    kg_doc d;
    ds_err e1, e2;
    kg_marking g = {1, 0};
    CHECK_EQ_INT(kg_doc_get(db, g, id, true, &d, &e1), DS_ENOTFOUND);
    CHECK_EQ_INT(kg_doc_get(db, g, id + 100, true, &d, &e2), DS_ENOTFOUND);
    /* Same message shape for both. */
    char m1[64], m2[64];
    snprintf(m1, sizeof m1, "no document %lld", (long long)id);
    snprintf(m2, sizeof m2, "no document %lld", (long long)id + 100);
    CHECK_STR(e1.msg, m1);
    CHECK_STR(e2.msg, m2);
    uint32_t *sv;
    size_t ns;
    CHECK_EQ_INT(kg_doc_sentences(db, g, id, &sv, &ns, &e1), DS_ENOTFOUND);
    kg_close(db);
}

static const char *other[] = {
    "The harbour authority of Velmora published its annual report on port "
    "logistics, noting record container volumes and new cranes.",
    "A court in Ostrava heard that the defence engineer had reported the "
    "approach by a foreign intelligence officer to his security manager.",
    "Parliament debated the register of foreign payments after a series of "
    "reports about undeclared consultancy contracts.",
};

/* Fills db with the GREEN documents, then (when with_amber) AMBER ones
 * that repeat and extend the story. */
static void fill(kg_db *db, bool with_amber)
{
    put(db, "green story", story, "GREEN", NULL);
    for (int i = 0; i < 3; i++) {
        put(db, "green other", other[i], "GREEN", NULL);
    }
    if (with_amber) {
        put(db, "amber source report",
            "Source report: Kessel met the trade office officer twice in "
            "Velmora; the consultancy payments were arranged by the officer. "
            "Kessel payments Kessel payments.",
            "AMBER", NULL);
        put(db, "amber note",
            "Note on port logistics contracts and the consultancy register.",
            "AMBER", NULL);
    }
}

/* The differential test of doc/MARKINGS.md: what a GREEN viewer gets from a
 * GREEN+AMBER case equals what anyone gets from the GREEN-only case -
 * rows, totals, scores and snippets. */
static void t_green_view_equals_green_case(void)
{
    kg_db *mixed = fresh(), *green = fresh();
    fill(mixed, true);
    fill(green, false);
    kg_marking g = {1, 0};
    const char *queries[] = {
        "Kessel",   "payments",          "port logistics",
        "consult*", "Velmora NOT court", "\"trade office\""};
    for (size_t q = 0; q < sizeof queries / sizeof *queries; q++) {
        kg_search_opts o = {.query = queries[q], .limit = 10, .snippets = true};
        kg_hits a, b;
        ds_err e;
        CHECK(kg_search(mixed, g, &o, &a, &e) == DS_OK);
        CHECK(kg_search(green, g, &o, &b, &e) == DS_OK);
        CHECK_EQ_INT(a.total, b.total);
        CHECK_EQ_INT(a.n, b.n);
        for (size_t i = 0; i < a.n && i < b.n; i++) {
            CHECK_EQ_INT(a.v[i].id, b.v[i].id);
            CHECK(a.v[i].score == b.v[i].score);
            CHECK_STR(a.v[i].snippet, b.v[i].snippet);
        }
        CHECK_EQ_INT(a.join.level, b.join.level);
        kg_hits_fini(&a);
        kg_hits_fini(&b);
    }
    /* And the AMBER viewer does see more. */
    kg_search_opts o = {.query = "Kessel", .limit = 10};
    kg_hits h;
    ds_err e;
    CHECK(kg_search(mixed, kg_clearance_all(mixed), &o, &h, &e) == DS_OK);
    CHECK_EQ_INT(h.total, 2);
    CHECK_EQ_INT(h.join.level, 2);
    kg_hits_fini(&h);

    kg_stats sa, sb;
    CHECK(kg_stats_get(mixed, g, &sa, &e) == DS_OK);
    CHECK(kg_stats_get(green, g, &sb, &e) == DS_OK);
    CHECK_EQ_INT(sa.documents, sb.documents);
    CHECK_EQ_INT(sa.tokens, sb.tokens);
    CHECK_EQ_INT(sa.bytes, sb.bytes);
    CHECK_EQ_INT(sa.n_by_marking, sb.n_by_marking);
    kg_stats_fini(&sa);
    kg_stats_fini(&sb);

    kg_list_opts lo = {.limit = 50};
    kg_docs da, db2;
    CHECK(kg_doc_list(mixed, g, &lo, &da, &e) == DS_OK);
    CHECK(kg_doc_list(green, g, &lo, &db2, &e) == DS_OK);
    CHECK_EQ_INT(da.total, db2.total);
    CHECK_EQ_INT(da.n, db2.n);
    kg_docs_fini(&da);
    kg_docs_fini(&db2);
    kg_close(mixed);
    kg_close(green);
}

static void t_search_errors_and_filters(void)
{
    kg_db *db = fresh();
    fill(db, false);
    kg_search_opts o = {.query = "\"unbalanced", .limit = 10};
    kg_hits h;
    ds_err e;
    CHECK_EQ_INT(kg_search(db, kg_clearance_all(db), &o, &h, &e), DS_EINVAL);
    o.query = "";
    CHECK_EQ_INT(kg_search(db, kg_clearance_all(db), &o, &h, &e), DS_EINVAL);
    o.query = "Velmora";
    o.source = "no such source";
    CHECK(kg_search(db, kg_clearance_all(db), &o, &h, &e) == DS_OK);
    CHECK_EQ_INT(h.total, 0);
    kg_hits_fini(&h);
    kg_close(db);
}

static void t_query_rewrite(void)
{
    struct {
        const char *in, *out;
    } cases[] = {
        {"Kessel", "Kessel"},
        {"203.0.113.47", "\"203.0.113.47\""},
        {"evil-site.example OR Kessel", "\"evil-site.example\" OR Kessel"},
        {"\"trade office\" NOT port*", "\"trade office\" NOT port*"},
        {"title:Kessel body:a-b", "title:Kessel body:\"a-b\""},
        {"(a.b OR c) AND d", "(\"a.b\" OR c) AND d"},
        {"NEAR(trade office, 3)", "NEAR(trade office, 3)"},
        {"ops@mail.example", "\"ops@mail.example\""},
        {"Zoë", "Zoë"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *r = kg_query_rewrite(cases[i].in);
        CHECK_STR(r, cases[i].out);
        free(r);
    }
    /* And an indicator is found by search. */
    kg_db *db = fresh();
    put(db, "ioc",
        "The phishing server at 203.0.113.47 hosted the page "
        "login-portal.example for the campaign against the bid "
        "teams of the radar tender.",
        "GREEN", NULL);
    kg_search_opts o = {.query = "203.0.113.47", .limit = 10};
    kg_hits h;
    ds_err e;
    CHECK(kg_search(db, kg_clearance_all(db), &o, &h, &e) == DS_OK);
    CHECK_EQ_INT(h.total, 1);
    kg_hits_fini(&h);
    o.query = "login-portal.example";
    CHECK(kg_search(db, kg_clearance_all(db), &o, &h, &e) == DS_OK);
    CHECK_EQ_INT(h.total, 1);
    kg_hits_fini(&h);
    kg_close(db);
}

/* Mentions are evidence: counted and shown only through visible
 * documents, and a near copy keeps none. */
static void t_mentions_follow_visibility(void)
{
    kg_db *db = fresh();
    kg_mention_in m[2] = {{70, 83, 0, "PER", 0.9f}, {13, 20, 0, "LOC", 0.8f}};
    put_mentions = m;
    put_n_mentions = 2;
    int64_t amber = put(db, "amber", story, "AMBER", NULL);
    kg_store_result r;
    int64_t copy = put(db, "copy", story_copy, "AMBER", &r);
    put_mentions = NULL;
    put_n_mentions = 0;
    CHECK_EQ_INT(r, KG_NEAR_DUPLICATE);
    kg_mention *v;
    size_t n;
    ds_err e;
    CHECK(kg_doc_mentions(db, kg_clearance_all(db), amber, &v, &n, &e) ==
          DS_OK);
    CHECK_EQ_INT(n, 2);
    if (n == 2) {
        CHECK_STR(v[0].text, "Velmora");
        CHECK_STR(v[1].text, "Adrian Kessel");
        CHECK_STR(v[1].type, "PER");
    }
    kg_mentions_free(v, n);
    CHECK(kg_doc_mentions(db, kg_clearance_all(db), copy, &v, &n, &e) == DS_OK);
    CHECK_EQ_INT(n, 0);
    kg_mentions_free(v, n);
    kg_marking g = {1, 0};
    CHECK_EQ_INT(kg_doc_mentions(db, g, amber, &v, &n, &e), DS_ENOTFOUND);
    kg_stats s;
    CHECK(kg_stats_get(db, g, &s, &e) == DS_OK);
    CHECK_EQ_INT(s.mentions, 0);
    kg_stats_fini(&s);
    CHECK(kg_stats_get(db, kg_clearance_all(db), &s, &e) == DS_OK);
    CHECK_EQ_INT(s.mentions, 2);
    kg_stats_fini(&s);
    kg_close(db);
}

/* Sentence spans come back as stored, in order. */
static void t_sentences_round_trip(void)
{
    kg_db *db = fresh();
    int64_t id = put(db, "s", story, "GREEN", NULL);
    uint32_t *v;
    size_t n;
    ds_err e;
    CHECK(kg_doc_sentences(db, kg_clearance_all(db), id, &v, &n, &e) == DS_OK);
    CHECK_EQ_INT(n, 4);
    if (n == 4) {
        CHECK_EQ_INT(v[0], 0);
        CHECK(v[1] > v[0] && v[2] > v[1] && v[7] <= sizeof story - 1);
        CHECK_STRN(story + v[6], v[7] - v[6],
                   "Investigators said the trade office employed a known "
                   "intelligence officer.");
    }
    xfree(v);
    kg_close(db);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(t_create_mode_and_schema);
    RUN(t_open_missing_and_foreign);
    RUN(t_marking_parse_format);
    RUN(t_exact_and_near_duplicates);
    RUN(t_duplicates_never_hide);
    RUN(t_invisible_reads_as_missing);
    RUN(t_green_view_equals_green_case);
    RUN(t_search_errors_and_filters);
    RUN(t_query_rewrite);
    RUN(t_mentions_follow_visibility);
    RUN(t_sentences_round_trip);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0) {
        fprintf(stderr, "could not remove %s\n", dir);
    }
    return harness_done();
}
