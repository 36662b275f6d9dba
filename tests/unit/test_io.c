/* test_io.c - the importers (src/io/): every format with its edge cases,
 * the whole-file checks (size, binary, UTF-8 strict and lenient), format
 * detection and the date parser. Fixtures are in tests/fixtures/io/; run
 * from the repository root. */
#include <stdbool.h>
#include <string.h>

#include "../harness.h"
#include "io/io.h"
#include "io/io_int.h" /* io_record_valid */
#include "util/xalloc.h"

#define FIX  "tests/fixtures/io/"
#define MAXR 16

/* What an import produced: copies of the records and the diagnostics. */
typedef struct got {
    int n;
    io_record r[MAXR];
    int nd;
    char diag[MAXR][300];
    int stop_after; /* emit fails after this many records (0: never) */
    bool take_text; /* emit takes ownership of the text */
    char *taken;
} got;

static char *dup0(const char *s)
{
    return s ? xstrdup(s) : NULL;
}

static ds_rc collect(void *ctx, io_record *r, ds_err *e)
{
    got *g = ctx;
    if (g->stop_after && g->n >= g->stop_after) {
        return ds_fail(e, DS_EIO, "consumer gave up");
    }
    if (g->n < MAXR) {
        io_record *c = &g->r[g->n];
        *c = *r;
        c->title = dup0(r->title);
        c->url = dup0(r->url);
        c->published = dup0(r->published);
        c->source = dup0(r->source);
        c->author = dup0(r->author);
        c->text = xstrndup(r->text, r->text_len);
    }
    if (g->take_text && !g->taken) {
        g->taken = r->text;
        r->text = NULL;
    }
    g->n++;
    return DS_OK;
}

static void on_diag(void *ctx, io_diag_kind kind, const char *where,
                    const char *msg)
{
    (void)kind;
    got *g = ctx;
    if (g->nd < MAXR) {
        snprintf(g->diag[g->nd], sizeof g->diag[0], "%s%s%s", where,
                 where[0] ? ": " : "", msg);
    }
    g->nd++;
}

static void got_free(got *g)
{
    for (int i = 0; i < g->n && i < MAXR; i++) {
        xfree(g->r[i].title);
        xfree(g->r[i].url);
        xfree(g->r[i].published);
        xfree(g->r[i].source);
        xfree(g->r[i].author);
        xfree(g->r[i].text);
    }
    xfree(g->taken);
    memset(g, 0, sizeof *g);
}

static bool has_diag(const got *g, const char *needle)
{
    for (int i = 0; i < g->nd && i < MAXR; i++) {
        if (strstr(g->diag[i], needle)) {
            return true;
        }
    }
    return false;
}

/* Imports a string; `name` drives detection unless o->format is set. */
static ds_rc run_str(const char *name, const char *data, size_t len,
                     const io_options *o, got *g, ds_err *e)
{
    memset(g->r, 0, sizeof g->r);
    ds_err_clear(e);
    return io_import(name, (str){data, len}, o, collect, on_diag, g, e);
}

static ds_rc run(const char *name, const char *data, const io_options *o,
                 got *g, ds_err *e)
{
    return run_str(name, data, strlen(data), o, g, e);
}

static ds_rc run_file(const char *path, const io_options *o, got *g, ds_err *e)
{
    buf b;
    buf_init(&b, 0);
    ds_err_clear(e);
    ds_rc rc = io_read_file(path, 0, &b, e);
    if (rc == DS_OK) {
        rc = run_str(path, b.ptr, b.len, o, g, e);
    }
    buf_fini(&b);
    return rc;
}

static bool contains(const char *hay, const char *needle)
{
    return hay && strstr(hay, needle) != NULL;
}

/* ---- Plain text ---- */

static void t_text_crlf_bom_dateline(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "wire_crlf_bom.txt", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 1);
    CHECK_STR(g.r[0].format, "text");
    CHECK_STR(g.r[0].title, "Port of Bergen closed after fire");
    CHECK_STR(g.r[0].published, "2026-03-03");
    CHECK_EQ_INT(g.r[0].record_no, 0);
    CHECK(!strchr(g.r[0].text, '\r'));
    CHECK(strncmp(g.r[0].text, "Port of", 7) == 0); /* BOM gone */
    CHECK(contains(g.r[0].text, "Tuesday\nafter a fire"));
    CHECK(contains(g.r[0].text, "depot.\n\nNo one"));
    CHECK_EQ_INT(g.r[0].text_len, strlen(g.r[0].text));
    got_free(&g);
}

static void t_text_heuristics(void)
{
    got g = {0};
    ds_err e;
    /* A hard-wrapped paragraph's first line is no title. */
    CHECK_EQ_INT(run("a.txt",
                     "The minister said on Tuesday that the port\n"
                     "would stay closed until further notice.\n",
                     NULL, &g, &e),
                 DS_OK);
    CHECK(g.r[0].title == NULL);
    CHECK(g.r[0].published == NULL);
    got_free(&g);
    /* A labelled date line, then a title. */
    CHECK_EQ_INT(run("b.txt",
                     "Date: Tue, 3 Mar 2026 10:15:00 +0100\n\n"
                     "Harbour reopens\n\nShips are moving again.\n",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].published, "2026-03-03T09:15:00Z");
    CHECK_STR(g.r[0].title, "Harbour reopens");
    got_free(&g);
    /* A sentence is no title; CR-only line ends become \n. */
    CHECK_EQ_INT(run("c.txt", "Just one sentence.\r\rAnother.\r", NULL, &g, &e),
                 DS_OK);
    CHECK(g.r[0].title == NULL);
    CHECK_STR(g.r[0].text, "Just one sentence.\n\nAnother.");
    got_free(&g);
    /* Dateline with a country and an agency. */
    CHECK_EQ_INT(run("d.txt",
                     "TROMS\xC3\x98, Norway, Mar. 4, 2026 (AP) -- Snow.\n",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].published, "2026-03-04");
    got_free(&g);
    /* A memorandum: the letterhead runs on, the Subject line names it. */
    CHECK_EQ_INT(run("e.txt",
                     "HARBOUR AUTHORITY - LEGAL OFFICE\nRESTRICTED\n\n"
                     "To: The Board\nSubject:  Review of the pier contract \n"
                     "\nThe review found nothing unusual.\n",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].title, "Review of the pier contract");
    got_free(&g);
}

static void t_text_empty(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run("empty.txt", " \n\n\t\n", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 0);
    CHECK(has_diag(&g, "no text"));
    got_free(&g);
}

static void t_binary(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "binary.bin", NULL, &g, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "looks binary (NUL byte at byte 8)");
    CHECK_EQ_INT(g.n, 0);
    got_free(&g);
    /* Control characters without NULs. */
    char junk[200];
    for (size_t i = 0; i < sizeof junk; i++) {
        junk[i] = (char)(1 + i % 8);
    }
    CHECK_EQ_INT(run_str("x.txt", junk, sizeof junk, NULL, &g, &e), DS_EFORMAT);
    CHECK(contains(e.msg, "looks binary"));
    got_free(&g);
}

static void t_utf16(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "utf16.txt", NULL, &g, &e), DS_OK);
    CHECK_STR(g.r[0].text, "Hello from UTF-16 \xC3\xA9");
    got_free(&g);
}

static void t_utf8_strict(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "bad_utf8.txt", NULL, &g, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "invalid UTF-8 at line 2, column 32 (byte 41); "
                     "--lenient replaces it with U+FFFD");
    CHECK_EQ_INT(g.n, 0);
    got_free(&g);
    /* The byte offset counts the BOM that was stripped. */
    CHECK_EQ_INT(run("x.txt", "\xEF\xBB\xBFok\xFF", NULL, &g, &e), DS_EFORMAT);
    CHECK(contains(e.msg, "line 1, column 3 (byte 5)"));
    got_free(&g);
}

static void t_utf8_lenient(void)
{
    got g = {0};
    ds_err e;
    io_options o;
    io_options_init(&o);
    o.lenient = true;
    CHECK_EQ_INT(run_file(FIX "bad_utf8.txt", &o, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.r[0].n_replaced, 1);
    CHECK(contains(g.r[0].text, "caf\xEF\xBF\xBD here"));
    CHECK(has_diag(&g, "1 invalid sequence replaced"));
    got_free(&g);
    /* A truncated sequence, an overlong one, a surrogate: one U+FFFD for
     * each broken sequence (with its continuation bytes). */
    CHECK_EQ_INT(
        run("x.txt", "a\xE2\x82 b\xC0\xAF c\xED\xA0\x80 d", &o, &g, &e), DS_OK);
    CHECK_EQ_INT(g.r[0].n_replaced, 3);
    CHECK_STR(g.r[0].text, "a\xEF\xBF\xBD b\xEF\xBF\xBD c\xEF\xBF\xBD d");
    got_free(&g);
}

/* ---- Limits ---- */

static void t_limits(void)
{
    got g = {0};
    ds_err e;
    io_options o;
    io_options_init(&o);
    o.max_file_bytes = 1 << 20;
    static char big[(1 << 20) + 512];
    memset(big, 'a', sizeof big);
    CHECK_EQ_INT(run_str("big.txt", big, sizeof big, &o, &g, &e), DS_ETOOBIG);
    CHECK_STR(e.msg, "file is 1.0 MiB, over the 1 MiB limit "
                     "(--max-file-size)");
    got_free(&g);

    io_options_init(&o);
    o.max_text_bytes = 10;
    CHECK_EQ_INT(run("t.txt", "Eleven bytes and more", &o, &g, &e), DS_ETOOBIG);
    CHECK(contains(e.msg, "over the 10 bytes limit (--max-text-size)"));
    got_free(&g);
    /* In a record format the record is skipped, the file goes on. */
    CHECK_EQ_INT(run("t.jsonl",
                     "{\"text\": \"this one is too long\"}\n"
                     "{\"text\": \"short\"}\n",
                     &o, &g, &e),
                 DS_OK);
    CHECK_EQ_INT(g.n, 1);
    CHECK_STR(g.r[0].text, "short");
    CHECK(has_diag(&g, "line 1: text is 20 bytes, over the 10 bytes"));
    got_free(&g);

    io_options_init(&o);
    o.max_records = 2;
    CHECK_EQ_INT(
        run("t.jsonl",
            "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": \"c\"}\n", &o, &g,
            &e),
        DS_ETOOBIG);
    CHECK_EQ_INT(g.n, 2);
    CHECK_STR(e.msg, "line 3: more than 2 records (--max-records)");
    got_free(&g);
}

/* A metadata field longer than the limit is cut before the character that
 * would reach it, the blank in front of that character included (a
 * fuzzed HTML title once came out exactly 2,048 bytes long). */
static void t_meta_cut(void)
{
    got g = {0};
    ds_err e;
    static const char *tails[] = {" bcd", " \u00c5x"};
    static const size_t keep[] = {2046, 2045};
    for (size_t k = 0; k < 2; k++) {
        buf b;
        buf_init(&b, 0);
        (void)buf_puts(&b, "{\"title\": \"");
        for (size_t i = 0; i < keep[k]; i++) {
            (void)buf_putc(&b, 'a');
        }
        (void)buf_puts(&b, tails[k]);
        (void)buf_puts(&b, "\", \"text\": \"Body.\"}\n");
        CHECK_EQ_INT(run_str("t.jsonl", b.ptr, b.len, NULL, &g, &e), DS_OK);
        CHECK_EQ_INT(g.n, 1);
        CHECK(g.n == 1 && g.r[0].title && strlen(g.r[0].title) == keep[k]);
        CHECK(g.n == 1 && io_record_valid(&g.r[0]));
        got_free(&g);
        buf_fini(&b);
    }
}

static void t_read_file(void)
{
    buf b;
    buf_init(&b, 0);
    ds_err e;
    ds_err_clear(&e);
    CHECK_EQ_INT(io_read_file(FIX "no-such-file.txt", 0, &b, &e), DS_ENOTFOUND);
    CHECK_STR(e.msg, "open " FIX "no-such-file.txt: No such file or "
                     "directory");
    CHECK_EQ_INT(io_read_file(FIX, 0, &b, &e), DS_EINVAL);
    CHECK(contains(e.msg, "is a directory"));
    CHECK_EQ_INT(io_read_file(FIX "news.html", 100, &b, &e), DS_ETOOBIG);
    CHECK(contains(e.msg, FIX "news.html: file is 1.1 KiB, over the 100 "
                              "bytes limit (--max-file-size)"));
    CHECK_EQ_INT(b.len, 0);
    CHECK_EQ_INT(io_read_file(FIX "utf16.txt", 0, &b, &e), DS_OK);
    CHECK_EQ_INT(b.len, 44);
    buf_fini(&b);
}

/* ---- Markdown ---- */

static void t_markdown(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "doc.md", NULL, &g, &e), DS_OK);
    CHECK_STR(g.r[0].format, "markdown");
    CHECK_STR(g.r[0].title, "Front matter title");
    CHECK_STR(g.r[0].published, "2026-03-03");
    CHECK_STR(g.r[0].url, "https://example.com/md");
    CHECK_STR(g.r[0].author, "Kari");
    const char *t = g.r[0].text;
    const char *head = "Heading One\n\nSome emphasis, strong, a link and alt "
                       "text.\n";
    CHECK(strncmp(t, head, strlen(head)) == 0);
    CHECK(contains(t, "snake_case_names and code spans intact; a tag goes."));
    CHECK(contains(t, "first item\nsecond item\nnumbered\n\nquoted line"));
    CHECK(contains(t, "int main(void) { return *p; }")); /* fence verbatim */
    CHECK(contains(t, "a | b\n1 | 2"));
    CHECK(!contains(t, "title:"));
    CHECK(!contains(t, "https://"));
    CHECK(!contains(t, "```"));
    got_free(&g);

    CHECK_EQ_INT(run("n.md",
                     "Intro line\n\nTitle Here\n==========\n\n## Sub\n\n"
                     "Text with \\*escaped\\* stars &amp; 5 * 3.\n",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].title, "Title Here");
    CHECK(contains(g.r[0].text, "Text with *escaped* stars & 5 * 3."));
    CHECK(!contains(g.r[0].text, "==="));
    got_free(&g);
}

/* ---- HTML ---- */

static void t_html_news(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "news.html", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 1);
    io_record *r = &g.r[0];
    CHECK_STR(r->format, "html");
    CHECK_STR(r->title, "Port of Bergen closed after fire"); /* og:title */
    CHECK_STR(r->url, "https://example.com/news/port-closed");
    CHECK_STR(r->published, "2026-03-03T09:15:00Z");
    CHECK_STR(r->source, "Daily Bugle");
    CHECK_STR(r->author, "Kari Nordmann");
    CHECK(contains(r->text, "fuel depot.\n\nOfficials said the fire was "
                            "contained by noon & no one was hurt.\nShipping"));
    CHECK(contains(r->text, "Depot: \xC3\x85sane\nShips diverted: 4"));
    static const char *const boiler[] = {"Most read", "Copyright",  "tracking",
                                         "Search",    "JavaScript", "World",
                                         "color"};
    for (size_t i = 0; i < sizeof boiler / sizeof boiler[0]; i++) {
        CHECK(!contains(r->text, boiler[i]));
    }
    got_free(&g);
}

static void t_html_latin1(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "latin1.html", NULL, &g, &e), DS_OK);
    CHECK_STR(g.r[0].title, "Caf\xC3\xA9 news");
    CHECK(contains(g.r[0].text, "\xE2\x80\x9C"
                                "Caf\xC3\xA9\xE2\x80\x9D "
                                "costs 5 \xE2\x82\xAC."));
    CHECK_STR(g.r[0].published, "2026-03-02"); /* <time datetime> */
    got_free(&g);
    /* Undeclared and not UTF-8: windows-1252, with a diagnostic. */
    CHECK_EQ_INT(run("u.html", "<html><body><p>na\xEFve</p></body></html>",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].text, "na\xC3\xAFve");
    CHECK(has_diag(&g, "read as windows-1252"));
    got_free(&g);
}

static void t_html_body_fallback(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(
        run("p.html",
            "<html><head><meta name=\"DC.date\" content=\"3 March 2026\">"
            "</head><body><header>Site banner</header>"
            "<div role=\"navigation\">Menu</div>"
            "<h1>Only &lt;h1&gt; title</h1><div>First block</div>"
            "<div>Second<br><br>block</div><pre>  keep   spaces\n  here"
            "</pre><p hidden>secret</p><table><tr><td>a</td><td>b</td></tr>"
            "</table><footer>Footer</footer></body></html>",
            NULL, &g, &e),
        DS_OK);
    io_record *r = &g.r[0];
    CHECK_STR(r->title, "Only <h1> title");
    CHECK_STR(r->published, "2026-03-03");
    CHECK_STR(r->text, "Only <h1> title\n\nFirst block\n\nSecond\n\nblock"
                       "\n\n  keep   spaces\n  here\n\na b");
    got_free(&g);
    /* <title> beats <h1> when there is no og:title; <main> is used. */
    CHECK_EQ_INT(run("m.html",
                     "<!doctype html><title>Doc title</title><nav>x</nav>"
                     "<main><h1>H</h1><p>Main text</p></main><p>outside</p>",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].title, "Doc title");
    CHECK_STR(g.r[0].text, "H\n\nMain text");
    got_free(&g);
}

static void t_html_nesting(void)
{
    got g = {0};
    ds_err e;
    buf b;
    buf_init(&b, 0);
    /* 900 levels parse; "<div>" strings inside a script do not count. */
    (void)buf_puts(&b, "<html><body><script>");
    for (int i = 0; i < 2000; i++) {
        (void)buf_puts(&b, "'<div>'+");
    }
    (void)buf_puts(&b, "''</script>");
    for (int i = 0; i < 900; i++) {
        (void)buf_puts(&b, "<div>");
    }
    (void)buf_puts(&b, "deep text");
    CHECK_EQ_INT(run_str("n.html", b.ptr, b.len, NULL, &g, &e), DS_OK);
    CHECK_STR(g.r[0].text, "deep text");
    got_free(&g);
    /* Past 1000 levels gumbo would go quadratic: refused. */
    for (int i = 0; i < 200; i++) {
        (void)buf_puts(&b, "<span>");
    }
    CHECK_EQ_INT(run_str("n.html", b.ptr, b.len, NULL, &g, &e), DS_EFORMAT);
    CHECK(contains(e.msg, "HTML nested more than 1000 elements deep"));
    buf_fini(&b);
    got_free(&g);
}

/* ---- E-mail ---- */

static void t_email_qp(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "mail_qp.eml", NULL, &g, &e), DS_OK);
    io_record *r = &g.r[0];
    CHECK_STR(r->format, "email");
    /* Two encoded-words (B then Q) on folded lines: the blank between
     * them goes, the '_' inside the Q word stays a space. */
    CHECK_STR(r->title, "Port closed \xE2\x80\x94 update \xC3\xA9t\xC3\xA9");
    CHECK_STR(r->author, "Ren\xC3\xA9 Dupont <rene@example.org>");
    CHECK_STR(r->published, "2026-03-03T09:15:00Z");
    CHECK_STR(r->url, "mid:abc123@example.org");
    CHECK(contains(r->text, "the fuel depot. Caf\xC3\xA9 owners"));
    CHECK(contains(r->text, "Regards,\nRen\xC3\xA9"));
    got_free(&g);
}

static void t_email_multipart(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "mail_multipart.eml", NULL, &g, &e), DS_OK);
    io_record *r = &g.r[0];
    CHECK_STR(r->title, "Convoy report");
    CHECK_STR(r->published, "2026-03-03T04:30:00Z");
    CHECK_STR(r->url, "mid:conv-42@example.org");
    CHECK_STR(r->text, "Plain body: the convoy left \xC3\x85sane at 06:00.\n"
                       "Second line.\n\nFooter note from Ren\xC3\xA9.");
    CHECK(!contains(r->text, "HTML body"));
    CHECK(!contains(r->text, "multi-part message"));
    CHECK(has_diag(&g, "1 attachment not imported: convoy.pdf"));
    got_free(&g);
}

static void t_email_html_only(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "mail_html_only.eml", NULL, &g, &e), DS_OK);
    CHECK_STR(g.r[0].title, "Newsletter");
    CHECK_STR(g.r[0].published, "2026-03-03T08:00:00Z");
    CHECK_STR(g.r[0].text, "Only HTML here: caf\xC3\xA9 opens.");
    got_free(&g);
}

static void t_email_nesting_and_edge(void)
{
    got g = {0};
    ds_err e;
    /* 40 levels of multipart/mixed: bounded, with a diagnostic. */
    buf b;
    buf_init(&b, 0);
    (void)buf_puts(&b, "From: a@b\nSubject: deep\n");
    for (int i = 0; i < 40; i++) {
        (void)buf_printf(&b,
                         "Content-Type: multipart/mixed; boundary=b%d\n\n"
                         "--b%d\n",
                         i, i);
    }
    (void)buf_puts(&b, "Content-Type: text/plain\n\ndeep text\n");
    CHECK_EQ_INT(run_str("d.eml", b.ptr, b.len, NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 0);
    CHECK(has_diag(&g, "nested deeper than 16"));
    buf_fini(&b);
    got_free(&g);
    /* No MIME at all, CRLF, Q-encoded subject in another charset. */
    CHECK_EQ_INT(run("x.eml",
                     "From: x@y\r\nTo: z@w\r\nSubject: =?koi8-r?Q?=F0=D2"
                     "=C9=D7=C5=D4?=\r\nDate: garbage\r\n\r\nBody "
                     "line\r\n",
                     NULL, &g, &e),
                 DS_OK);
    CHECK_STR(g.r[0].title, "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82");
    CHECK_STR(g.r[0].text, "Body line");
    CHECK(g.r[0].published == NULL);
    CHECK(has_diag(&g, "unrecognised Date header 'garbage'"));
    got_free(&g);
    /* Invalid UTF-8 in a part declared UTF-8: strict fails, naming it. */
    CHECK_EQ_INT(run("y.eml",
                     "From: x@y\nSubject: s\nContent-Type: text/plain; "
                     "charset=utf-8\n\nbad \xC3\x28 byte\n",
                     NULL, &g, &e),
                 DS_EFORMAT);
    CHECK(contains(e.msg, "invalid UTF-8 in the text/plain part at line 1, "
                          "column 5"));
    got_free(&g);
}

/* ---- JSON, JSON Lines, CSV ---- */

static void t_jsonl(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "records.jsonl", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 3);
    CHECK_STR(g.r[0].format, "jsonl");
    CHECK_EQ_INT(g.r[0].record_no, 1);
    CHECK_STR(g.r[0].title, "First");
    CHECK_STR(g.r[0].url, "https://example.com/1");
    CHECK_STR(g.r[1].title, "Second"); /* headline, body, published_at */
    CHECK_STR(g.r[1].text, "Beta text.");
    CHECK_STR(g.r[1].published, "2026-03-02");
    CHECK_STR(g.r[1].source, "Wire");
    CHECK_EQ_INT(g.r[2].record_no, 7);
    CHECK_STR(g.r[2].text, "Para one.\n\nPara two.");
    CHECK_STR(g.r[2].published, "2026-03-03T09:35:00Z"); /* epoch */
    CHECK(has_diag(&g, "line 3: invalid JSON at column"));
    CHECK(has_diag(&g, "line 4: no text field (text|body|content), skipped"));
    CHECK(has_diag(&g, "line 6: not a JSON object"));
    got_free(&g);
}

static void t_json(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "records.json", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 2);
    CHECK_STR(g.r[0].author, "A. Writer");
    CHECK_EQ_INT(g.r[1].record_no, 4);
    CHECK_STR(g.r[1].published, "2026-03-03");
    CHECK(has_diag(&g, "item 2: no text field"));
    CHECK(has_diag(&g, "item 3: not a JSON object"));
    got_free(&g);
    /* A dotted path reaches the nested body. */
    io_options o;
    io_options_init(&o);
    o.field_text = "text|data.body";
    CHECK_EQ_INT(run_file(FIX "records.json", &o, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 3);
    CHECK_STR(g.r[1].text, "Nested body.");
    got_free(&g);
    /* A single object is one record, record_no 0. */
    CHECK_EQ_INT(
        run("one.json", "{\"Title\": \"T\", \"TEXT\": \"x\"}", NULL, &g, &e),
        DS_OK);
    CHECK_EQ_INT(g.n, 1);
    CHECK_EQ_INT(g.r[0].record_no, 0);
    CHECK_STR(g.r[0].title, "T"); /* keys match case-insensitively */
    got_free(&g);
    /* A syntax error fails the file with line and column. */
    CHECK_EQ_INT(run("bad.json", "[\n {\"text\": \"a\"},\n {\"text\": }\n]",
                     NULL, &g, &e),
                 DS_EFORMAT);
    CHECK(strncmp(e.msg, "line 3, column ", 15) == 0);
    CHECK(contains(e.msg, ": JSON: "));
    got_free(&g);
}

static void t_csv(void)
{
    got g = {0};
    ds_err e;
    CHECK_EQ_INT(run_file(FIX "records.csv", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 3);
    CHECK_STR(g.r[0].format, "csv");
    CHECK_STR(g.r[0].title, "Simple");
    CHECK_STR(g.r[1].title, "Quoted, with comma");
    CHECK_STR(g.r[1].text, "She said \"hello\".\nSecond line, same field.");
    CHECK_STR(g.r[1].published, "2026-03-02");
    CHECK_EQ_INT(g.r[1].record_no, 2);
    CHECK_EQ_INT(g.r[2].record_no, 5);
    CHECK(g.r[2].published == NULL);
    CHECK(has_diag(&g, "line 5: no text, skipped"));
    CHECK(has_diag(&g, "line 6: 3 fields, the header has 5"));
    CHECK(has_diag(&g, "line 7: unrecognised date 'yesterday'"));
    got_free(&g);
    /* Semicolons, CRLF, blanks before a quote, custom text column. */
    io_options o;
    io_options_init(&o);
    o.field_text = "message";
    CHECK_EQ_INT(
        run("s.csv", "Message;Date\r\n \"a;b\";2026-03-01\r\n", &o, &g, &e),
        DS_OK);
    CHECK_EQ_INT(g.n, 1);
    CHECK_STR(g.r[0].text, "a;b");
    got_free(&g);
    CHECK_EQ_INT(run("n.csv", "a,b\n1,2\n", NULL, &g, &e), DS_EFORMAT);
    CHECK_STR(e.msg, "CSV: no text column (looked for text|body|content; "
                     "the header has: a, b)");
    got_free(&g);
    CHECK_EQ_INT(run("u.csv", "text\nok\n\"open\n", NULL, &g, &e), DS_OK);
    CHECK_EQ_INT(g.n, 1);
    CHECK(has_diag(&g, "line 3: unterminated quoted field"));
    got_free(&g);
}

/* ---- Detection, API contract ---- */

static void t_detect(void)
{
    static const struct {
        const char *name, *data, *want;
    } cases[] = {
        {"x.bin", "<!DOCTYPE html><p>x", "html"},
        {NULL, "  <!-- c --><html><body>x</body></html>", "html"},
        {"a.txt", "From: a@b\nTo: c@d\nSubject: s\n\nbody", "email"},
        {NULL, "Subject: s\nHello: there\n\nbody", "text"},
        {NULL, "{\"text\": \"a\"}\n{\"text\": \"b\"}\n", "jsonl"},
        {NULL, "{\"text\": \"a\"}", "json"},
        {"x.jsonl", "{\"text\": \"a\"}", "jsonl"},
        {NULL, "{\n  \"text\": \"a\"\n}\n", "json"},
        {NULL, "[{\"text\": \"a\"}]", "json"},
        {NULL, "id,title,text\n1,a,b\n", "csv"},
        {NULL, "BERGEN, March 3, 2026 - The port, said", "text"},
        {"t.csv", "a,b\n1,2\n", "csv"},
        {NULL, "---\ntitle: x\n---\nbody", "markdown"},
        {"x.md", "plain words", "markdown"},
        {"notes.txt", "# not really markdown\n\nwords", "text"},
        {NULL, "# Title\n\n## Part\n\n```\ncode\n```\n", "markdown"},
        {NULL, "", "text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *got_fmt = io_detect(cases[i].name, str_c(cases[i].data));
        if (strcmp(got_fmt, cases[i].want) != 0) {
            CHECK_STR(cases[i].data, got_fmt); /* shows the failing case */
        }
    }
    CHECK(io_format_known("csv"));
    CHECK(!io_format_known("pdf"));
}

static void t_forced_format_and_emit(void)
{
    got g = {0};
    ds_err e;
    io_options o;
    io_options_init(&o);
    o.format = "pdf";
    CHECK_EQ_INT(run("x", "x", &o, &g, &e), DS_EINVAL);
    CHECK(contains(e.msg, "unknown format 'pdf' (known: text, markdown"));
    got_free(&g);
    /* Forcing text keeps the HTML source as text. */
    o.format = "text";
    CHECK_EQ_INT(run("x.html", "<p>hi</p>", &o, &g, &e), DS_OK);
    CHECK_STR(g.r[0].text, "<p>hi</p>");
    got_free(&g);
    /* A failing consumer stops the import with its error. */
    g.stop_after = 1;
    CHECK_EQ_INT(
        run("x.jsonl", "{\"text\":\"a\"}\n{\"text\":\"b\"}\n", NULL, &g, &e),
        DS_EIO);
    CHECK_STR(e.msg, "consumer gave up");
    got_free(&g);
    /* The consumer may take a string; the importer then does not free
     * it (ASan would report a double free). */
    g.take_text = true;
    CHECK_EQ_INT(run("x.txt", "take me", NULL, &g, &e), DS_OK);
    CHECK_STR(g.taken, "take me");
    got_free(&g);
    /* NULL options and NULL diag are allowed. */
    ds_err_clear(&e);
    CHECK_EQ_INT(io_import(NULL, STR("{\"x\":1}\n{\"y\":2}\n"), NULL, collect,
                           NULL, &g, &e),
                 DS_OK);
    CHECK_EQ_INT(g.n, 0);
    got_free(&g);
}

static void t_dates(void)
{
    static const struct {
        const char *in, *want; /* want NULL: rejected */
    } cases[] = {
        {"2026-03-03", "2026-03-03"},
        {"2026-03-03T10:15:00Z", "2026-03-03T10:15:00Z"},
        {"2026-03-03T10:15:00+01:00", "2026-03-03T09:15:00Z"},
        {"2026-03-03T10:15:00.250-0530", "2026-03-03T15:45:00Z"},
        {"2026-01-01T00:30:00+01:00", "2025-12-31T23:30:00Z"},
        {"2026-03-03 10:15", "2026-03-03T10:15:00Z"},
        {"Tue, 3 Mar 2026 10:15:00 +0100", "2026-03-03T09:15:00Z"},
        {"Tue, 3 Mar 2026 10:15:00 +0100 (CET)", "2026-03-03T09:15:00Z"},
        {"3 Mar 2026 23:00 EST", "2026-03-04T04:00:00Z"},
        {"3 Mar 99 10:00 GMT", "1999-03-03T10:00:00Z"},
        {"March 3, 2026", "2026-03-03"},
        {"Mar. 3, 2026", "2026-03-03"},
        {"3 March 2026", "2026-03-03"},
        {"Tuesday, March 3rd, 2026", "2026-03-03"},
        {"2026/03/03", "2026-03-03"},
        {"2024-02-29", "2024-02-29"},
        {"March 3, 2026 at 4:05 pm", "2026-03-03T16:05:00Z"},
        {"9999-12-31T23:59:59Z", "9999-12-31T23:59:59Z"},
        {"9999-12-31T23:00:00-02:00", NULL}, /* would be year 10000 */
        {"1000-01-01T00:30:00+01:00", NULL}, /* would be year 999 */
        {"2026-02-29", NULL},
        {"Feb 30, 2026", NULL},
        {"2026-13-01", NULL},
        {"2026-00-10", NULL},
        {"0999-12-31", NULL},
        {"10000-01-01", NULL},
        {"03/03/2026", NULL}, /* ambiguous */
        {"2026-03-03T24:00:00Z", NULL},
        {"2026-03-03T10:15:00+25:00", NULL},
        {"2026-03-03 trailing words", NULL},
        {"March 2026", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char out[32] = "unchanged";
        bool ok = io_date_parse(str_c(cases[i].in), out);
        if (cases[i].want) {
            CHECK_STR(ok ? out : cases[i].in, cases[i].want);
        } else if (ok) {
            CHECK_STR(cases[i].in, "(rejected)");
        } else {
            CHECK_STR(out, "unchanged");
        }
    }
}

int main(void)
{
    RUN(t_text_crlf_bom_dateline);
    RUN(t_text_heuristics);
    RUN(t_text_empty);
    RUN(t_binary);
    RUN(t_utf16);
    RUN(t_utf8_strict);
    RUN(t_utf8_lenient);
    RUN(t_limits);
    RUN(t_meta_cut);
    RUN(t_read_file);
    RUN(t_markdown);
    RUN(t_html_news);
    RUN(t_html_latin1);
    RUN(t_html_body_fallback);
    RUN(t_html_nesting);
    RUN(t_email_qp);
    RUN(t_email_multipart);
    RUN(t_email_html_only);
    RUN(t_email_nesting_and_edge);
    RUN(t_jsonl);
    RUN(t_json);
    RUN(t_csv);
    RUN(t_detect);
    RUN(t_forced_format_and_emit);
    RUN(t_dates);
    return harness_done();
}
