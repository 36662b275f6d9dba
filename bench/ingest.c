/* bench/ingest.c - ingestion and search benchmark (prints figures; not a
 * test).
 *
 *   build/release/bench/ingest [--docs N] [--keep DIR] [--bin PATH]
 *                              [--queries N] [--generate-only DIR] [BIN]
 *
 * 1. Generates N (default 10,000) news-sized English documents (3-4 KB
 *    each) as .txt files with a fixed-seed PRNG, so every run and every
 *    machine sees the same bytes.
 * 2. Runs `BIN --db DB ingest DOCS --jobs 1 --ner none` into a fresh case,
 *    then the same with --jobs 2, then both again with the NLP stage
 *    (--ner auto: POS tags and entity mentions), each into a fresh case,
 *    and reports wall time, CPU time and peak RSS of the child (wait4), as
 *    documents/s and MB/s.
 * 3. Opens the --jobs 1 case read-only through the kg library and times 400
 *    mixed full-text queries (limit 10, snippets on): p50/p95/p99 in ms.
 *
 * The figures are printed next to the targets of doc/ARCHITECTURE.md. The
 * exit status is 0 when everything ran (whether or not targets were met),
 * 1 when the binary could not be run or the case could not be searched,
 * 2 on a usage error. See bench/README.md. */
#include <errno.h>
#include <stdbool.h>
#include <ftw.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kg/kg.h"
#include "util/str.h"
#include "util/xalloc.h"

#define DEFAULT_DOCS    10000
#define DEFAULT_QUERIES 400
#define SEED            0x5eed2026dec0de01ULL

/* Targets (one core unless said otherwise). */
#define TARGET_DOCS_S 2000.0
#define TARGET_MB_S   20.0
#define TARGET_RSS_MB 200.0
#define TARGET_P50_MS 5.0

/* ---- PRNG: splitmix64, tiny and fully deterministic ---- */

static uint64_t rng_state = SEED;

static uint64_t rng_next(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in [0, n); n > 0. The modulo bias is irrelevant here. */
static size_t rng_below(size_t n)
{
    return (size_t)(rng_next() % n);
}

#define PICK(arr)  ((arr)[rng_below(sizeof(arr) / sizeof((arr)[0]))])
#define COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* ---- Word pools: all invented ---- */

static const char *const first_names[] = {
    "Adrian",  "Agnes",   "Aleksander", "Amara",   "Anders", "Beatrix",
    "Bruno",   "Camille", "Cyrus",      "Dalia",   "Damian", "Edith",
    "Elias",   "Esther",  "Farid",      "Freya",   "Gideon", "Greta",
    "Hassan",  "Helga",   "Ilan",       "Ingrid",  "Ivo",    "Jasper",
    "Johanna", "Kasimir", "Katarina",   "Leon",    "Linnea", "Lucian",
    "Magnus",  "Malin",   "Marek",      "Mira",    "Nadia",  "Nikolai",
    "Noor",    "Oskar",   "Petra",      "Quentin", "Rasmus", "Renata",
    "Sami",    "Selma",   "Silas",      "Sofia",   "Tariq",  "Thea",
    "Tomas",   "Ursula",  "Valentin",   "Vera",    "Viktor", "Wilma",
    "Xavier",  "Yara",    "Yusuf",      "Zara",    "Emil",   "Lotte",
};

static const char *const surnames[] = {
    "Albrecht",   "Amundsen",  "Baranek",   "Bellweather", "Brodsky",
    "Castellan",  "Corvin",    "Dahlgren",  "Delacroix",   "Dvorak",
    "Eklund",     "Falkner",   "Fennimore", "Gallardo",    "Grunwald",
    "Haddad",     "Halloran",  "Hartigan",  "Ibsenholt",   "Jankowski",
    "Jessop",     "Kaczmar",   "Kelderman", "Lachance",    "Lindgren",
    "Lomax",      "Marchand",  "Mendel",    "Morrow",      "Nakashima",
    "Nyberg",     "Oakenfold", "Okafor",    "Orlov",       "Pemberton",
    "Petrakis",   "Quayle",    "Radcliffe", "Reinholt",    "Rosales",
    "Sandoval",   "Strand",    "Szabo",     "Tanaka",      "Thorne",
    "Underhill",  "Valcourt",  "Varga",     "Vesely",      "Wainwright",
    "Weiss",      "Whitlock",  "Yilmaz",    "Zelenko",     "Zubair",
    "Achterberg", "Renwick",   "Velesko",   "Thackeray",   "Harlow",
};

static const char *const titles[] = {
    "Dr. ",   "Mr. ",  "Ms. ", "Gen. ", "Col. ", "Sen. ",
    "Prof. ", "Adm. ", "",     "",      "",      "",
};

static const char *const roles[] = {
    "the director of",          "a senior analyst at",
    "the spokeswoman for",      "the chief executive of",
    "a former official at",     "the deputy head of",
    "an engineer at",           "the general counsel of",
    "a board member of",        "the spokesman for",
    "an investigator at",       "the head of security at",
    "a procurement adviser to", "the finance director of",
};

typedef struct org {
    const char *name, *acr;
    bool the; /* "the National Security Bureau", but "Oriel Maritime" */
} org;

static const org orgs[] = {
    {"National Security Bureau", "NSB", true},
    {"Defence Procurement Agency", "DPA", true},
    {"Kestrel Dynamics", "KDL", false},
    {"Northgate Signals Group", "NSG", false},
    {"Baltrin Aerospace Corporation", "BAC", false},
    {"Office for Export Control", "OEC", true},
    {"Carandian Cyber Directorate", "CCD", true},
    {"Ministry of the Interior", "MOI", true},
    {"Open Contracts Initiative", "OCI", true},
    {"Directorate of External Studies", "DES", true},
    {"Varnholm Trade Mission", "VTM", true},
    {"Ostmark Shipping Line", "OSL", true},
    {"Grayfield Analytics", "GFA", false},
    {"Institute for Strategic Resilience", "ISR", true},
    {"Federal Audit Chamber", "FAC", true},
    {"Coastal Guard Command", "CGC", true},
    {"Meridian Telecom", "MTC", false},
    {"Silverpine Consulting", "SPC", false},
    {"Tellurian Microsystems", "TMS", false},
    {"Rowan Energy Holdings", "REH", false},
    {"State Prosecutor's Office", "SPO", true},
    {"Brightwater Systems", "BWS", false},
    {"Oriel Maritime", "ORM", false},
    {"Ashgrove Strategic Partners", "ASP", false},
    {"Velmora Chamber of Commerce", "VCC", true},
    {"Northern Rail Consortium", "NRC", true},
    {"Arcturus Data Centres", "ADC", false},
    {"Zephyr Logistics", "ZLG", false},
    {"Bureau of Financial Intelligence", "BFI", true},
    {"Defence Research Establishment", "DRE", true},
};

static const char *const places[] = {
    "Velmora",     "Port Halden",    "Saltmarsh Point", "Kirrin Bay", "Dunmere",
    "Carrow Vale", "Lindholm",       "Esterby",         "Marrowgate", "Tarsk",
    "Brennick",    "Holloway Sound", "Vesterhavn",      "Greyhaven",  "Aldmoor",
    "Falkreach",   "Norrby",         "Westmarch",       "Rothwick",   "Sundby",
    "Merridge",    "Ebbing Cross",   "Valen",           "Stormholt",  "Quillon",
    "Pellor",      "Tiberne",        "Varnholm",        "Carandia",   "Ostwick",
};

static const char *const weekdays[] = {"Monday",   "Tuesday", "Wednesday",
                                       "Thursday", "Friday",  "Saturday",
                                       "Sunday"};
static const char *const months[] = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

static const char *const things[] = {
    "contracts",  "documents", "shipments", "meetings",   "payments",
    "requests",   "servers",   "accounts",  "licences",   "invoices",
    "visits",     "transfers", "permits",   "reports",    "warnings",
    "components", "e-mails",   "passports", "containers", "subsidies",
};

static const char *const acts[] = {
    "reviewed",  "approved", "blocked",   "delayed",   "investigated",
    "disclosed", "flagged",  "audited",   "suspended", "renewed",
    "cancelled", "examined", "withheld",  "signed",    "questioned",
    "leaked",    "archived", "recovered", "traced",    "challenged",
};

static const char *const adjs[] = {
    "undisclosed", "classified",  "routine",      "unusual", "encrypted",
    "disputed",    "preliminary", "confidential", "overdue", "anonymous",
    "foreign",     "internal",    "sensitive",    "late",    "duplicate",
};

static const char *const topics[] = {
    "the export licence",
    "the merger",
    "the radar tender",
    "the data breach",
    "the audit",
    "the budget review",
    "the port expansion",
    "the pipeline project",
    "the satellite programme",
    "the sanctions case",
    "the border inquiry",
    "the cable contract",
    "the phishing campaign",
    "the lobbying register",
    "the hospital tender",
};

static const char *const reasons[] = {
    "the rules were not followed",  "nobody could explain the payments",
    "the deadline was too close",   "the records were incomplete",
    "we had a duty to our members", "the public has a right to know",
    "the risk was simply too high", "the paperwork did not match",
};

static const char *const said[] = {
    "said",
    "told reporters",
    "said in a statement",
    "confirmed",
    "wrote",
    "told the committee",
    "added",
    "said in an interview",
};

/* Sentence templates. Slots:
 *   {P} a person of the cast (full name with title and role on first
 *       mention, surname afterwards)   {O} an organisation of the cast
 *   {L} a place   {W} a weekday   {D} a date   {M} a money amount
 *   {N} a small number   {T} things   {V} a past-tense act   {J} adjective
 *   {C} a topic   {R} a reason   {S} a verb of saying
 * Slots every few words keep shared 5-word shingles between documents
 * rare, so that generated documents are not near-duplicates. */
static const char *const sentences[] = {
    "{P} {S} on {W} that {O} had {V} {N} {J} {T} in {L} since {D}.",
    "According to {O}, {N} {T} linked to {C} were {V} in {L} last month.",
    "\"We {V} the {T} because {R},\" {P} {S}.",
    "{O} {V} {C} on {D}, two people familiar with the matter {S}.",
    "The {J} {T}, worth {M}, were {V} by {O} after a review in {L}.",
    "{P} declined to comment on {C}, but {O} {S} it had {V} {N} {T}.",
    "In {L}, {P} met officials of {O} at least {N} times before {D}.",
    "Documents seen by reporters show {M} in {J} {T} routed through {L}.",
    "{O} has not been accused of wrongdoing and {V} the {J} {T} on {W}.",
    "\"This is about {C}, not about {L},\" {P} {S} on {W}.",
    "The case against {P} centres on {N} {T} {V} between {D} and {D}.",
    "A spokesperson for {O} {S} that {C} would be {V} by {D}.",
    "{P}, who joined {O} in {Y}, {S} the {T} had been {V} in {L}.",
    "Investigators in {L} {V} {N} {J} {T} and {M} in cash on {W}.",
    "{O} {S} on {W} it would ask {O} to explain {C} by {D}.",
    "Neither {P} nor {O} responded to requests for comment on {W}.",
    "The {J} report, dated {D}, lists {N} {T} and a total of {M}.",
    "\"{R},\" {P} {S}, adding that {O} had {V} the {T}.",
    "Between {D} and {D}, {O} {V} {N} {T} from {L} to {L}.",
    "{P} {S} the committee in {L} that {C} had cost {M} so far.",
    "On {W}, {O} {V} {N} {T} registered to a firm in {L}.",
    "Officials in {L} {S} the {J} {T} were first {V} on {D}.",
};

static const char *const headlines[] = {
    "{O} {V} {J} {T} after {C} in {L}", "{P} questioned over {M} in {J} {T}",
    "{L} inquiry: {O} {V} {N} {T}",     "{O} faces questions over {C}",
    "{J} {T} {V} as {O} reviews {C}",
};

/* ---- Document generator ---- */

#define CAST_PEOPLE 5
#define CAST_ORGS   3

typedef struct person {
    const char *title, *first, *last, *role;
    size_t org; /* index into orgs */
    bool introduced;
} person;

typedef struct cast {
    person p[CAST_PEOPLE];
    size_t org[CAST_ORGS];
    bool org_introduced[CAST_ORGS];
    size_t place[2];
} cast;

static void cast_pick(cast *c)
{
    for (size_t i = 0; i < CAST_ORGS; i++) {
        c->org[i] = rng_below(COUNT(orgs));
        c->org_introduced[i] = false;
    }
    for (size_t i = 0; i < CAST_PEOPLE; i++) {
        person *p = &c->p[i];
        p->title = PICK(titles);
        p->first = PICK(first_names);
        p->last = PICK(surnames);
        p->role = PICK(roles);
        p->org = c->org[rng_below(CAST_ORGS)];
        p->introduced = false;
    }
    c->place[0] = rng_below(COUNT(places));
    c->place[1] = rng_below(COUNT(places));
}

static void put(buf *b, const char *s)
{
    if (buf_puts(b, s) != DS_OK)
        abort(); /* uncapped buffer: cannot fail */
}

static void putf_int(buf *b, long v)
{
    if (buf_printf(b, "%ld", v) != DS_OK)
        abort();
}

static void put_date(buf *b)
{
    int year = 2025 + (int)rng_below(2);
    size_t m = rng_below(12);
    int day = 1 + (int)rng_below(28);
    if (rng_below(3) == 0) {
        if (buf_printf(b, "%d %s %d", day, months[m], year) != DS_OK)
            abort();
    } else if (buf_printf(b, "%s %d, %d", months[m], day, year) != DS_OK) {
        abort();
    }
}

static void put_money(buf *b)
{
    static const char *const cur[] = {"crowns", "euros", "dollars"};
    switch (rng_below(3)) {
    case 0:
        if (buf_printf(b, "%u.%u million %s", 1 + (unsigned)rng_below(400),
                       (unsigned)rng_below(10), PICK(cur)) != DS_OK)
            abort();
        break;
    case 1:
        if (buf_printf(b, "%u,%03u %s", 1 + (unsigned)rng_below(900),
                       (unsigned)rng_below(1000), PICK(cur)) != DS_OK)
            abort();
        break;
    default:
        if (buf_printf(b, "$%u million", 2 + (unsigned)rng_below(250)) != DS_OK)
            abort();
    }
}

static void put_org(buf *b, cast *c, bool headline)
{
    size_t i = rng_below(CAST_ORGS);
    const org *o = &orgs[c->org[i]];
    if (headline) {
        put(b, o->name);
    } else if (!c->org_introduced[i]) {
        put(b, o->the ? "the " : "");
        put(b, o->name);
        put(b, " (");
        put(b, o->acr);
        put(b, ")");
        c->org_introduced[i] = true;
    } else if (rng_below(2)) {
        put(b, o->acr);
    } else {
        put(b, o->the ? "the " : "");
        put(b, o->name);
    }
}

static void put_person(buf *b, cast *c, bool headline)
{
    person *p = &c->p[rng_below(CAST_PEOPLE)];
    if (headline) {
        put(b, p->last);
        return;
    }
    if (!p->introduced) {
        put(b, p->title);
        put(b, p->first);
        put(b, " ");
        put(b, p->last);
        put(b, ", ");
        put(b, p->role);
        put(b, orgs[p->org].the ? " the " : " ");
        put(b, orgs[p->org].name);
        put(b, ",");
        p->introduced = true;
    } else {
        put(b, p->title[0] && rng_below(2) ? p->title : "");
        put(b, p->last);
    }
}

/* Expands template t into b. The first letter of a sentence is upper-cased
 * by the caller. */
static void expand(buf *b, cast *c, const char *t, bool headline)
{
    for (const char *s = t; *s; s++) {
        if (s[0] != '{' || !s[1] || s[2] != '}') {
            if (buf_putc(b, *s) != DS_OK)
                abort();
            continue;
        }
        switch (s[1]) {
        case 'P':
            put_person(b, c, headline);
            break;
        case 'O':
            put_org(b, c, headline);
            break;
        case 'L':
            put(b,
                rng_below(3) ? places[c->place[rng_below(2)]] : PICK(places));
            break;
        case 'W':
            put(b, PICK(weekdays));
            break;
        case 'D':
            put_date(b);
            break;
        case 'M':
            put_money(b);
            break;
        case 'N':
            putf_int(b, 2 + (long)rng_below(60));
            break;
        case 'Y':
            putf_int(b, 2005 + (long)rng_below(20));
            break;
        case 'T':
            put(b, PICK(things));
            break;
        case 'V':
            put(b, PICK(acts));
            break;
        case 'J':
            put(b, PICK(adjs));
            break;
        case 'C':
            put(b, PICK(topics));
            break;
        case 'R':
            put(b, PICK(reasons));
            break;
        case 'S':
            put(b, PICK(said));
            break;
        default:
            abort(); /* a template typo */
        }
        s += 2;
    }
}

static void upcase_from(buf *b, size_t off)
{
    /* Skip an opening quote. */
    while (off < b->len && (b->ptr[off] == '"' || b->ptr[off] == ' '))
        off++;
    if (off < b->len && b->ptr[off] >= 'a' && b->ptr[off] <= 'z')
        b->ptr[off] = (char)(b->ptr[off] - 'a' + 'A');
}

/* One document into b (reset first). */
static void gen_doc(buf *b)
{
    cast c;
    buf_reset(b);
    cast_pick(&c);
    size_t target = 3000 + rng_below(1000);

    size_t h0 = b->len;
    expand(b, &c, PICK(headlines), true);
    upcase_from(b, h0);
    put(b, "\n\n");

    /* Dateline: "PORT HALDEN, March 3, 2026 — " */
    size_t d0 = b->len;
    put(b, places[c.place[0]]);
    for (size_t i = d0; i < b->len; i++)
        if (b->ptr[i] >= 'a' && b->ptr[i] <= 'z')
            b->ptr[i] = (char)(b->ptr[i] - 'a' + 'A');
    put(b, ", ");
    if (buf_printf(b, "%s %d, %d", months[rng_below(12)],
                   1 + (int)rng_below(28), 2025 + (int)rng_below(2)) != DS_OK)
        abort();
    put(b, " \xe2\x80\x94 "); /* em dash */

    /* Paragraphs of 2-4 sentences until the target size is reached. */
    while (b->len < target) {
        size_t n = 2 + rng_below(3);
        for (size_t i = 0; i < n; i++) {
            if (i > 0)
                put(b, " ");
            size_t s0 = b->len;
            expand(b, &c, PICK(sentences), false);
            upcase_from(b, s0);
        }
        put(b, "\n\n");
    }
}

/* Writes n documents into dir (created if missing). Returns total bytes,
 * or -1 after printing the reason. */
static long long generate(const char *dir, long n)
{
    if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
        fprintf(stderr, "bench: mkdir %s: %s\n", dir, strerror(errno));
        return -1;
    }
    rng_state = SEED;
    buf b, path;
    buf_init(&b, 0);
    buf_init(&path, 0);
    long long total = 0;
    for (long i = 0; i < n; i++) {
        gen_doc(&b);
        buf_reset(&path);
        if (buf_printf(&path, "%s/doc%06ld.txt", dir, i) != DS_OK)
            abort();
        FILE *f = fopen(path.ptr, "wb");
        if (!f || fwrite(b.ptr, 1, b.len, f) != b.len || fclose(f) != 0) {
            fprintf(stderr, "bench: write %s: %s\n", path.ptr, strerror(errno));
            if (f)
                fclose(f);
            buf_fini(&b);
            buf_fini(&path);
            return -1;
        }
        total += (long long)b.len;
    }
    buf_fini(&b);
    buf_fini(&path);
    return total;
}

/* ---- Running the binary ---- */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct run_result {
    int status; /* exit status, or 128+signal, or -1 when not run */
    double wall_s, cpu_s, user_s, sys_s;
    long maxrss_kb;
} run_result;

/* Runs argv with stdout and stderr to out_path; waits with wait4. */
static run_result run_child(char *const argv[], const char *out_path)
{
    run_result r = {.status = -1};
    fflush(stdout);
    fflush(stderr);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        fprintf(stderr, "bench: fork: %s\n", strerror(errno));
        return r;
    }
    if (pid == 0) {
        FILE *o = freopen(out_path, "w", stdout);
        if (!o || dup2(fileno(stdout), 2) < 0)
            _exit(126);
        execv(argv[0], argv);
        fprintf(stderr, "bench: exec %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    while (wait4(pid, &st, 0, &ru) < 0) {
        if (errno != EINTR) {
            fprintf(stderr, "bench: wait4: %s\n", strerror(errno));
            return r;
        }
    }
    r.wall_s = now_s() - t0;
    r.user_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
    r.sys_s = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
    r.cpu_s = r.user_s + r.sys_s;
    r.maxrss_kb = ru.ru_maxrss;
    r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return r;
}

/* Prints the last non-empty lines of the child's output (its summary). */
static void print_tail(const char *path, int max_lines)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return;
    char *lines[8] = {0};
    int n = 0;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t len = strlen(line);
        while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = 0;
        if (!len)
            continue;
        if (n == max_lines) {
            xfree(lines[0]);
            memmove(lines, lines + 1, sizeof lines[0] * (size_t)(n - 1));
            n--;
        }
        lines[n++] = xstrdup(line);
    }
    fclose(f);
    for (int i = 0; i < n; i++) {
        printf("    | %s\n", lines[i]);
        xfree(lines[i]);
    }
}

static const char *mark(bool ok)
{
    return ok ? "ok" : "MISSED";
}

static void report_run(const char *label, const run_result *r, long docs,
                       long long bytes, bool one_core)
{
    double mb = (double)bytes / 1e6;
    double dps = r->wall_s > 0 ? (double)docs / r->wall_s : 0;
    double mbps = r->wall_s > 0 ? mb / r->wall_s : 0;
    double rss_mb = (double)r->maxrss_kb / 1024.0;
    printf("  %s: exit %d, wall %.2f s, cpu %.2f s (user %.2f, sys %.2f)\n",
           label, r->status, r->wall_s, r->cpu_s, r->user_s, r->sys_s);
    if (one_core) {
        printf("    documents/s        %10.0f   target >= %.0f   %s\n", dps,
               TARGET_DOCS_S, mark(dps >= TARGET_DOCS_S));
        printf("    MB/s               %10.2f   target >= %.0f     %s\n", mbps,
               TARGET_MB_S, mark(mbps >= TARGET_MB_S));
    } else {
        printf("    documents/s        %10.0f\n", dps);
        printf("    MB/s               %10.2f\n", mbps);
    }
    printf("    peak RSS (MB)      %10.1f   target <= %.0f    %s\n", rss_mb,
           TARGET_RSS_MB, mark(rss_mb <= TARGET_RSS_MB));
    if (r->cpu_s > 0)
        printf("    per CPU-second     %10.0f docs, %.2f MB\n",
               (double)docs / r->cpu_s, mb / r->cpu_s);
}

/* ---- Search ---- */

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Nearest-rank percentile of sorted v. */
static double pct(const double *v, size_t n, double q)
{
    size_t k = (size_t)(q * (double)n + 0.999999);
    if (k < 1)
        k = 1;
    if (k > n)
        k = n;
    return v[k - 1];
}

static const char *one_word_place(void)
{
    for (;;) {
        const char *p = PICK(places);
        if (!strchr(p, ' '))
            return p;
    }
}

/* Query number i (deterministic mix of the five kinds). */
static void make_query(buf *q, size_t i)
{
    buf_reset(q);
    ds_rc rc = DS_OK;
    switch (i % 5) {
    case 0: /* single name */
        rc = buf_printf(q, "%s", PICK(surnames));
        break;
    case 1: /* two-word AND */
        rc = buf_printf(q, "%s AND %s", PICK(surnames), one_word_place());
        break;
    case 2: /* phrase: a full name or an organisation */
        if (rng_below(2))
            rc = buf_printf(q, "\"%s %s\"", PICK(first_names), PICK(surnames));
        else
            rc = buf_printf(q, "\"%s\"", PICK(orgs).name);
        break;
    case 3: { /* prefix */
        const char *s = PICK(surnames);
        rc = buf_printf(q, "%.4s*", s);
        break;
    }
    default: /* NOT */
        rc = buf_printf(q, "%s NOT %s", PICK(surnames), one_word_place());
    }
    if (rc != DS_OK)
        abort();
}

static const char *const query_kinds[] = {"name", "AND", "phrase", "prefix*",
                                          "NOT"};

/* Runs the n queries once; lat[i] gets query i's latency in ms. Returns
 * the number of failed queries. */
static size_t time_queries(kg_db *db, kg_marking all, size_t n, bool snippets,
                           double *lat, int64_t *out_hits, int64_t *out_matches)
{
    buf q;
    buf_init(&q, 0);
    rng_state = SEED ^ 0x51a5c4ULL; /* the same queries on every pass */
    size_t failed = 0;
    *out_hits = *out_matches = 0;
    ds_err e;
    ds_err_clear(&e);
    for (size_t i = 0; i < n; i++) {
        make_query(&q, i);
        kg_search_opts o = {.query = q.ptr, .limit = 10, .snippets = snippets};
        kg_hits h = {0};
        double t0 = now_s();
        ds_rc rc = kg_search(db, all, &o, &h, &e);
        lat[i] = (now_s() - t0) * 1000.0;
        if (rc != DS_OK) {
            if (failed++ < 3)
                fprintf(stderr, "bench: query %s: %s\n", q.ptr, e.msg);
            ds_err_clear(&e);
            continue;
        }
        *out_hits += (int64_t)h.n;
        *out_matches += h.total;
        kg_hits_fini(&h);
    }
    buf_fini(&q);
    return failed;
}

static int run_search(const char *db_path, size_t n_queries)
{
    kg_db *db = NULL;
    ds_err e;
    ds_err_clear(&e);
    if (kg_open(db_path, KG_OPEN_READONLY, &db, &e) != DS_OK) {
        fprintf(stderr, "bench: open %s: %s\n", db_path, e.msg);
        return 1;
    }
    kg_marking all = kg_clearance_all(db);
    double *lat = xcalloc(n_queries, sizeof *lat);
    double *sorted = xcalloc(n_queries, sizeof *sorted);
    int64_t hits = 0, matches = 0;

    double t_all = now_s();
    size_t failed =
        time_queries(db, all, n_queries, true, lat, &hits, &matches);
    t_all = now_s() - t_all;
    memcpy(sorted, lat, n_queries * sizeof *lat);
    qsort(sorted, n_queries, sizeof *sorted, cmp_double);
    double p50 = pct(sorted, n_queries, 0.50);
    printf("  %zu queries (names, AND, \"phrases\", prefix*, NOT), limit 10, "
           "snippets on: %.2f s total, %zu failed\n",
           n_queries, t_all, failed);
    printf("    mean hits/query %.1f, mean matches/query %.1f\n",
           (double)hits / (double)n_queries,
           (double)matches / (double)n_queries);
    printf("    p50 (ms)           %10.2f   target <= %.0f      %s\n", p50,
           TARGET_P50_MS, mark(p50 <= TARGET_P50_MS));
    printf("    p95 (ms)           %10.2f\n", pct(sorted, n_queries, 0.95));
    printf("    p99 (ms)           %10.2f\n", pct(sorted, n_queries, 0.99));
    printf("    max (ms)           %10.2f\n", sorted[n_queries - 1]);

    /* p50 by kind of query (query i is of kind i % 5). */
    printf("    p50 by kind (ms)  ");
    for (size_t k = 0; k < COUNT(query_kinds); k++) {
        size_t m = 0;
        for (size_t i = k; i < n_queries; i += COUNT(query_kinds))
            sorted[m++] = lat[i];
        if (!m)
            continue;
        qsort(sorted, m, sizeof *sorted, cmp_double);
        printf(" %s %.2f", query_kinds[k], pct(sorted, m, 0.50));
    }
    printf("\n");

    /* The same queries without snippets, to show what snippets cost. */
    size_t failed2 =
        time_queries(db, all, n_queries, false, lat, &hits, &matches);
    memcpy(sorted, lat, n_queries * sizeof *lat);
    qsort(sorted, n_queries, sizeof *sorted, cmp_double);
    printf("    snippets off: p50 %.2f ms, p95 %.2f ms, p99 %.2f ms\n",
           pct(sorted, n_queries, 0.50), pct(sorted, n_queries, 0.95),
           pct(sorted, n_queries, 0.99));
    (void)failed2;

    /* A query that matches nothing: the fixed cost of one kg_search call
     * (visibility set, statistics), independent of the matches. */
    size_t n_none = n_queries < 50 ? n_queries : 50;
    for (size_t i = 0; i < n_none; i++) {
        kg_search_opts o = {
            .query = "zzqxnomatch", .limit = 10, .snippets = true};
        kg_hits h = {0};
        double t0 = now_s();
        if (kg_search(db, all, &o, &h, &e) == DS_OK)
            kg_hits_fini(&h);
        ds_err_clear(&e);
        sorted[i] = (now_s() - t0) * 1000.0;
    }
    qsort(sorted, n_none, sizeof *sorted, cmp_double);
    printf("    no-match query (per-call overhead): p50 %.2f ms\n",
           pct(sorted, n_none, 0.50));

    xfree(sorted);
    xfree(lat);
    kg_close(db);
    return failed == n_queries ? 1 : 0;
}

/* ---- Main ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        fprintf(stderr, "bench: remove %s: %s\n", path, strerror(errno));
    return 0;
}

static void rm_tree(const char *dir)
{
    nftw(dir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: bench/ingest [--docs N] [--queries N] [--keep DIR] "
            "[--bin PATH] [BIN]\n"
            "       bench/ingest --generate-only DIR [--docs N]\n"
            "  --docs N           documents to generate (default %d)\n"
            "  --queries N        search queries to time (default %d)\n"
            "  --keep DIR         work in DIR and keep documents and cases\n"
            "  --bin PATH         the dossier binary "
            "(default build/release/dossier)\n"
            "  --generate-only DIR  write the documents to DIR and exit\n",
            DEFAULT_DOCS, DEFAULT_QUERIES);
}

static bool parse_count(const char *s, long *out)
{
    long long v;
    if (!str_to_i64(str_c(s), &v) || v < 1 || v > 10000000)
        return false;
    *out = (long)v;
    return true;
}

static char *path_join(const char *dir, const char *name)
{
    buf b;
    buf_init(&b, 0);
    if (buf_printf(&b, "%s/%s", dir, name) != DS_OK)
        abort();
    return buf_take(&b, NULL);
}

int main(int argc, char **argv)
{
    long n_docs = DEFAULT_DOCS, n_queries = DEFAULT_QUERIES;
    const char *keep = NULL, *bin = NULL, *gen_only = NULL;
    static const struct option longopts[] = {
        {"docs", required_argument, NULL, 'n'},
        {"queries", required_argument, NULL, 'q'},
        {"keep", required_argument, NULL, 'k'},
        {"bin", required_argument, NULL, 'b'},
        {"generate-only", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    int c;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (!parse_count(optarg, &n_docs)) {
                fprintf(stderr, "bench: --docs wants a positive number\n");
                return 2;
            }
            break;
        case 'q':
            if (!parse_count(optarg, &n_queries)) {
                fprintf(stderr, "bench: --queries wants a positive number\n");
                return 2;
            }
            break;
        case 'k':
            keep = optarg;
            break;
        case 'b':
            bin = optarg;
            break;
        case 'g':
            gen_only = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc)
        bin = argv[optind++];
    if (optind < argc) {
        usage(stderr);
        return 2;
    }

    if (gen_only) {
        long long bytes = generate(gen_only, n_docs);
        if (bytes < 0)
            return 1;
        printf("generated %ld documents, %.2f MB in %s\n", n_docs,
               (double)bytes / 1e6, gen_only);
        return 0;
    }

    if (!bin)
        bin = "build/release/dossier";
    if (access(bin, X_OK) != 0) {
        fprintf(stderr, "bench: %s: %s (build it with make, or pass --bin)\n",
                bin, strerror(errno));
        return 1;
    }

    char tmpl[4096];
    const char *work;
    if (keep) {
        if (mkdir(keep, 0700) != 0 && errno != EEXIST) {
            fprintf(stderr, "bench: mkdir %s: %s\n", keep, strerror(errno));
            return 1;
        }
        work = keep;
    } else {
        const char *tmp = getenv("TMPDIR");
        snprintf(tmpl, sizeof tmpl, "%s/dossier-bench-XXXXXX",
                 tmp && *tmp ? tmp : "/tmp");
        if (!mkdtemp(tmpl)) {
            fprintf(stderr, "bench: mkdtemp %s: %s\n", tmpl, strerror(errno));
            return 1;
        }
        work = tmpl;
    }
    char *docs = path_join(work, "docs");
    char *db1 = path_join(work, "jobs1.db");
    char *db2 = path_join(work, "jobs2.db");
    char *db3 = path_join(work, "nlp1.db");
    char *db4 = path_join(work, "nlp2.db");
    char *out = path_join(work, "ingest.out");
    int rc = 0;

    printf("dossier ingest/search benchmark (%s)\n", bin);
    double tg = now_s();
    long long bytes = generate(docs, n_docs);
    if (bytes < 0) {
        rc = 1;
        goto done;
    }
    printf("  generated %ld documents, %.2f MB (mean %.0f bytes) in %.2f s "
           "into %s\n",
           n_docs, (double)bytes / 1e6, (double)bytes / (double)n_docs,
           now_s() - tg, docs);

    /* The store alone (--ner none: what issue 2's targets are about), then
     * the whole ingest with the NLP stage (POS tags and entity mentions). */
    static const char *const jobs[] = {"1", "2", "1", "2"};
    static const char *const ner[] = {"none", "none", "auto", "auto"};
    char *dbs[] = {db1, db2, db3, db4};
    for (size_t j = 0; j < 4; j++) {
        /* A fresh case every time (remove what --keep left behind). */
        static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
        for (size_t s = 0; s < COUNT(sfx); s++) {
            char p[4200];
            snprintf(p, sizeof p, "%s%s", dbs[j], sfx[s]);
            unlink(p);
        }
        char *av[] = {(char *)bin,    "--db",   dbs[j],          "ingest",
                      docs,           "--jobs", (char *)jobs[j], "--ner",
                      (char *)ner[j], NULL};
        printf("\n  $ %s --db %s ingest %s --jobs %s --ner %s\n", bin, dbs[j],
               docs, jobs[j], ner[j]);
        run_result r = run_child(av, out);
        print_tail(out, 3);
        if (r.status < 0) {
            rc = 1;
            goto done;
        }
        char label[64];
        snprintf(label, sizeof label, "--jobs %s --ner %s", jobs[j], ner[j]);
        report_run(label, &r, n_docs, bytes, j == 0);
        if (r.status != 0) {
            fprintf(stderr, "bench: ingest --jobs %s exited with %d\n", jobs[j],
                    r.status);
            rc = 1;
        }
        struct stat st;
        if (stat(dbs[j], &st) == 0)
            printf("    case file          %10.1f MB\n",
                   (double)st.st_size / 1e6);
    }

    printf("\n  search (kg_search on the --jobs 1 case)\n");
    if (run_search(db1, (size_t)n_queries) != 0)
        rc = 1;

done:
    if (!keep)
        rm_tree(work);
    else
        printf("\n  kept %s\n", work);
    xfree(docs);
    xfree(db1);
    xfree(db2);
    xfree(db3);
    xfree(db4);
    xfree(out);
    return rc;
}
