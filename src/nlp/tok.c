/* tok.c - the rule-based tokenizer and sentence splitter (see tok.h).
 *
 * Two passes over the text:
 *
 * 1. Tokenization. White space (ASCII and Unicode Z*) cuts the text into
 *    chunks. Inside a chunk we scan left to right: at each position try the
 *    "whole-thing" patterns (URL, e-mail, IP address, #hashtag, @mention),
 *    else scan a word (letters/digits joined by in-word connectors such as
 *    the dot of "U.S" or "3.5", the comma of "1,000", the apostrophe of
 *    "don't", hyphens and slashes), else a punctuation run. A scanned word
 *    is then re-split where UD EWT splits: most hyphens ("15-year" -> "15"
 *    "-" "year", but "non-stop", "e-mail", phone numbers stay whole), most
 *    slashes ("and/or" but not "w/o" or "11/28/2000"), and contractions and
 *    possessives as multiword tokens ("don't" -> "do"+"n't"). A final dot
 *    stays on the word only for known abbreviations, initials and
 *    letter-dot sequences ("U.S.", "e.g.").
 *
 * 2. Sentence splitting over the token array: a blank line always ends a
 *    sentence; otherwise a run of terminal punctuation (. ! ? ...) plus any
 *    closing quotes/brackets ends one when white space and a likely sentence
 *    start (capital, digit, opening quote or bracket) follow. Abbreviations
 *    end a sentence only before a typical sentence-initial word. When a
 *    sentence model is given (sent.h), it decides at every candidate gap,
 *    with the rules' decision as one of its features.
 *
 * The rules were tuned on UD English EWT train and measured on dev; see
 * doc/internals/tokenizer.md. Hot paths are ASCII-only byte tests; utf8proc
 * is asked only about non-ASCII code points. */
#include "nlp/tok.h"

#include <pthread.h>
#include <stdbool.h>
#include <string.h>
#include <unistd.h>

#include <utf8proc.h>

#include "nlp/model.h"
#include "nlp/sent.h"
#include "util/log.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* TOK_F_* bit used only between the passes: the token starts a new line. */
#define F_LINE_START (1u << 4)

/* ---- Character classes ---- */

static inline bool is_asp(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
           c == '\v';
}

static inline bool is_adigit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

static inline bool is_aupper(unsigned char c)
{
    return c >= 'A' && c <= 'Z';
}

static inline bool is_alower(unsigned char c)
{
    return c >= 'a' && c <= 'z';
}

static inline bool is_aalpha(unsigned char c)
{
    return is_aupper(c) || is_alower(c);
}

static inline bool is_aalnum(unsigned char c)
{
    return is_aalpha(c) || is_adigit(c);
}

/* Decodes the code point at s[i] (i < n). Invalid bytes decode as one byte
 * with cp 0xFFFD, so callers always make progress. */
static inline size_t dec(const char *s, size_t i, size_t n, uint32_t *cp)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t k = utf8_next(s + i, s + n, cp);
    return k ? k : 1;
}

static inline bool cp_space(uint32_t cp)
{
    if (cp < 0x80) {
        return is_asp((unsigned char)cp);
    }
    /* Zero-width space and BOM separate like spaces in web text. */
    if (cp == 0x85 || cp == 0x200B || cp == 0xFEFF) {
        return true;
    }
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_ZS || cat == UTF8PROC_CATEGORY_ZL ||
           cat == UTF8PROC_CATEGORY_ZP;
}

/* Letters, marks and numbers: what words are made of. */
static inline bool cp_word(uint32_t cp)
{
    if (cp < 0x80) {
        return is_aalnum((unsigned char)cp);
    }
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_NO;
}

static inline bool cp_upper(uint32_t cp)
{
    if (cp < 0x80) {
        return is_aupper((unsigned char)cp);
    }
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_LU || cat == UTF8PROC_CATEGORY_LT;
}

static inline bool cp_letter(uint32_t cp)
{
    if (cp < 0x80) {
        return is_aalpha((unsigned char)cp);
    }
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat >= UTF8PROC_CATEGORY_LU && cat <= UTF8PROC_CATEGORY_LO;
}

/* Right single quotation mark U+2019, the curly apostrophe. */
static inline bool is_rsquo(const char *s, size_t i, size_t n)
{
    return i + 3 <= n && (unsigned char)s[i] == 0xE2 &&
           (unsigned char)s[i + 1] == 0x80 && (unsigned char)s[i + 2] == 0x99;
}

/* Length of an apostrophe (' ` or U+2019) at s[i], else 0. */
static inline size_t apos_len(const char *s, size_t i, size_t n)
{
    if (i >= n) {
        return 0;
    }
    if (s[i] == '\'' || s[i] == '`') {
        return 1;
    }
    return is_rsquo(s, i, n) ? 3 : 0;
}

/* Whether the code point at s[i] (i < n) is a word character. */
static inline bool word_at(const char *s, size_t i, size_t n)
{
    if (i >= n) {
        return false;
    }
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        return is_aalnum(c);
    }
    uint32_t cp;
    dec(s, i, n, &cp);
    return cp_word(cp);
}

static inline bool letter_at(const char *s, size_t i, size_t n)
{
    if (i >= n) {
        return false;
    }
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        return is_aalpha(c);
    }
    uint32_t cp;
    dec(s, i, n, &cp);
    return cp_letter(cp);
}

/* ---- Word lists ---- */

static bool in_list(const char *const *list, const char *p, size_t len)
{
    for (; *list; list++) {
        /* First byte first: these lists are checked on hot paths. */
        if ((*list)[0] == p[0] && strlen(*list) == len &&
            memcmp(*list, p, len) == 0) {
            return true;
        }
    }
    return false;
}

static bool in_list_ci(const char *const *list, const char *p, size_t len)
{
    unsigned char p0 = (unsigned char)p[0];
    if (is_aupper(p0)) {
        p0 = (unsigned char)(p0 + 32);
    }
    for (; *list; list++) {
        if ((unsigned char)(*list)[0] != p0 || strlen(*list) != len) {
            continue;
        }
        size_t k = 0;
        while (k < len) {
            unsigned char a = (unsigned char)p[k];
            if (is_aupper(a)) {
                a = (unsigned char)(a + 32);
            }
            if (a != (unsigned char)(*list)[k]) {
                break;
            }
            k++;
        }
        if (k == len) {
            return true;
        }
    }
    return false;
}

/* Abbreviations that keep their final dot (matched case-sensitively,
 * without the dot). Titles come first: they never end a sentence. */
static const char *const abbr_title[] = {
    "Mr",   "Mrs",  "Ms",  "Dr",   "Messrs", "Mssrs",  "Prof", "Gen",
    "Gov",  "Sen",  "Rep", "Reps", "Lt",     "Col",    "Capt", "Cpt",
    "Sgt",  "Cpl",  "Rev", "Hon",  "Pres",   "Adm",    "Maj",  "Cmdr",
    "Supt", "Insp", "St",  "Mt",   "Ft",     "Sr",     "Mme",  "Mlle",
    "Atty", "Gov",  "Fr",  "Dept", "Assn",   "Ass't",  "Spec", "Attn",
    "vs",   "Vs",   "v",   "No",   "Nos",    "Vol",    "vol",  "pp",
    "Fig",  "fig",  "Sec", "Para", "approx", "Approx", "ca",   "cf",
    "Cf",   "ext",  "Ext", "Tel",  "tel",    "Ph",     "Fax",  "Mob",
    NULL};
static const char *const abbr_other[] = {
    "Inc",   "Corp",  "Co",   "Ltd",  "Bros", "Jr",    "etc",  "Etc",  "al",
    "et",    "Jan",   "Feb",  "Mar",  "Apr",  "Jun",   "Jul",  "Aug",  "Sep",
    "Sept",  "Oct",   "Nov",  "Dec",  "Mon",  "Tue",   "Tues", "Wed",  "Thu",
    "Thur",  "Thurs", "Fri",  "Sat",  "Sun",  "Ave",   "Blvd", "Rd",   "Hwy",
    "Ln",    "Pl",    "Ste",  "Bldg", "Ariz", "Calif", "Colo", "Conn", "Fla",
    "Ga",    "Ill",   "Ind",  "Kan",  "Ky",   "La",    "Md",   "Mass", "Mich",
    "Minn",  "Miss",  "Mo",   "Mont", "Neb",  "Nev",   "Okla", "Ore",  "Pa",
    "Penn",  "Tenn",  "Tex",  "Va",   "Vt",   "Wash",  "Wis",  "Wyo",  "Que",
    "Ont",   "lb",    "lbs",  "oz",   "ft",   "yrs",   "hrs",  "mins", "min",
    "sec",   "esp",   "Esp",  "eg",   "ie",   "dept",  "est",  "misc", "info",
    "Arrv",  "arrv",  "lv",   "rec",  "rep",  "dom",   "Conf", "eve",  "Univ",
    "Intl",  "Natl",  "Govt", "govt", "Dist", "Div",   "Mfg",  "Svc",  "Svcs",
    "Assoc", "Inst",  "Jour", NULL};

/* Capitalized words that typically start a sentence: after an
 * abbreviation that could also end one ("Inc.", "etc.", "U.S."), only these
 * make us split. */
static const char *const sent_starters[] = {
    "The",     "A",     "An",     "I",      "He",    "She",   "It",     "We",
    "They",    "You",   "This",   "That",   "These", "Those", "There",  "But",
    "And",     "So",    "Or",     "If",     "In",    "On",    "At",     "As",
    "For",     "When",  "What",   "Why",    "How",   "Who",   "Where",  "My",
    "Our",     "Their", "His",    "Her",    "Its",   "Your",  "Now",    "Then",
    "However", "Also",  "Please", "Thanks", "Thank", "Let",   "Do",     "Is",
    "Are",     "Was",   "Not",    "No",     "Yes",   "After", "Before", "While",
    NULL};

/* Hyphenated prefixes that EWT keeps attached ("non-stop", "e-mail"). */
static const char *const hyph_prefix[] = {
    "e",     "non",  "pre",     "anti",  "mid",    "re",    "post", "co",
    "over",  "pro",  "multi",   "ex",    "semi",   "cross", "neo",  "psycho",
    "socio", "arch", "counter", "intra", "inter",  "ultra", "un",   "sub",
    "meh",   "bi",   "tri",     "quasi", "pseudo", NULL};

/* Units and multipliers split off a preceding number ("5pm" -> "5" "pm"). */
static const char *const units[] = {"am", "pm", "k",  "m",   "b",  "bn",  "kg",
                                    "km", "mm", "cm", "mph", "lb", "lbs", "mg",
                                    "ml", "gb", "mb", "hrs", NULL};

/* Words written without an apostrophe that UD EWT still splits into two
 * syntactic words; the number is the length of the first word. */
static const struct {
    const char *w;
    unsigned char cut, len;
} glued[] = {
    {"cannot", 3, 6},   {"gonna", 3, 5},  {"wanna", 3, 5},   {"gotta", 3, 5},
    {"outta", 3, 5},    {"dont", 2, 4},   {"didnt", 3, 5},   {"doesnt", 4, 6},
    {"cant", 2, 4},     {"wont", 2, 4},   {"isnt", 2, 4},    {"wasnt", 3, 5},
    {"arent", 3, 5},    {"werent", 4, 6}, {"couldnt", 5, 7}, {"wouldnt", 5, 7},
    {"shouldnt", 6, 8}, {"havent", 4, 6}, {"hasnt", 3, 5},   {"hadnt", 3, 5},
    {"aint", 2, 4},     {"im", 1, 2},     {"ive", 1, 3},     {"youre", 3, 5},
    {"theyre", 4, 6},   {"thats", 4, 5},  {"theres", 5, 6},  {"whats", 4, 5},
};

/* ---- Emitting tokens ---- */

typedef struct tk_state {
    const char *s;
    size_t n;
    tok_result *r;
    uint8_t pending;  /* TOK_F_PARA_START / F_LINE_START for the next token */
    bool squote_open; /* a single quote opened and not yet closed */
} tk_state;

static void emit(tk_state *t, size_t off, size_t len, tok_kind kind,
                 unsigned flags)
{
    tok_result *r = t->r;
    if (r->n_toks == r->cap_toks) {
        r->toks = xgrow(r->toks, &r->cap_toks, r->n_toks + 1, sizeof *r->toks);
    }
    tok_span *sp = &r->toks[r->n_toks++];
    sp->off = (uint32_t)off;
    sp->len = (uint32_t)len;
    sp->kind = (uint8_t)kind;
    sp->flags = (uint8_t)(flags | t->pending);
    t->pending = 0;
}

/* ---- Whole-token patterns ---- */

static bool starts_ci(const char *s, size_t i, size_t n, const char *lit)
{
    size_t k = strlen(lit);
    if (n - i < k) {
        return false;
    }
    for (size_t j = 0; j < k; j++) {
        unsigned char c = (unsigned char)s[i + j];
        if (is_aupper(c)) {
            c = (unsigned char)(c + 32);
        }
        if (c != (unsigned char)lit[j]) {
            return false;
        }
    }
    return true;
}

/* Trims trailing punctuation that is more likely sentence punctuation than
 * part of a URL or address: dots, commas, quotes, unbalanced brackets. */
static size_t trim_tail(const char *s, size_t a, size_t b)
{
    while (b > a) {
        unsigned char c = (unsigned char)s[b - 1];
        if (c == '.' || c == ',' || c == ';' || c == ':' || c == '!' ||
            c == '?' || c == '\'' || c == '"' || c == '>') {
            b--;
            continue;
        }
        if (c == ')' || c == ']') {
            unsigned char o = c == ')' ? '(' : '[';
            int bal = 0;
            for (size_t k = a; k < b; k++) {
                bal += s[k] == (char)o;
                bal -= s[k] == (char)c;
            }
            if (bal < 0) {
                b--;
                continue;
            }
            break;
        }
        /* Curly closing quotes U+201D and U+2019. */
        if (b - a >= 3 && (unsigned char)s[b - 3] == 0xE2 &&
            (unsigned char)s[b - 2] == 0x80 &&
            ((unsigned char)s[b - 1] == 0x9D ||
             (unsigned char)s[b - 1] == 0x99)) {
            b -= 3;
            continue;
        }
        break;
    }
    return b;
}

/* A URL starting at i inside chunk [i, b): returns its end or 0. */
static size_t match_url(const char *s, size_t i, size_t b)
{
    size_t k;
    if (starts_ci(s, i, b, "http://")) {
        k = 7;
    } else if (starts_ci(s, i, b, "https://")) {
        k = 8;
    } else if (starts_ci(s, i, b, "ftp://")) {
        k = 6;
    } else if (starts_ci(s, i, b, "www.")) {
        k = 4;
    } else {
        return 0;
    }
    if (i + k >= b || !is_aalnum((unsigned char)s[i + k])) {
        return 0;
    }
    size_t e = trim_tail(s, i, b);
    return e > i + k ? e : 0;
}

static bool email_local(unsigned char c)
{
    return is_aalnum(c) || c == '.' || c == '_' || c == '%' || c == '+' ||
           c == '-';
}

/* An e-mail address starting at i: local@host.tld; returns its end or 0. */
static size_t match_email(const char *s, size_t i, size_t b)
{
    size_t k = i;
    while (k < b && email_local((unsigned char)s[k])) {
        k++;
    }
    if (k == i || k >= b || s[k] != '@') {
        return 0;
    }
    size_t h = ++k, last_dot = 0;
    while (k < b &&
           (is_aalnum((unsigned char)s[k]) || s[k] == '-' || s[k] == '.')) {
        if (s[k] == '.') {
            last_dot = k;
        }
        k++;
    }
    while (k > h && !is_aalnum((unsigned char)s[k - 1])) {
        k--;
    }
    if (last_dot <= h || last_dot + 2 > k) {
        return 0;
    }
    for (size_t j = last_dot + 1; j < k; j++) {
        if (!is_aalpha((unsigned char)s[j])) {
            return 0;
        }
    }
    return k;
}

static bool is_hex(unsigned char c)
{
    return is_adigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* An IPv4 dotted quad or an IPv6 address (with "::" or 7 colons) at i. */
static size_t match_ip(const char *s, size_t i, size_t b)
{
    size_t k = i;
    int parts = 0;
    while (parts < 4) {
        size_t d = k;
        while (k < b && k - d < 4 && is_adigit((unsigned char)s[k])) {
            k++;
        }
        if (k == d || k - d > 3) {
            break;
        }
        parts++;
        if (parts < 4 && k + 1 < b && s[k] == '.' &&
            is_adigit((unsigned char)s[k + 1])) {
            k++;
        } else {
            break;
        }
    }
    if (parts == 4 && (k >= b || !is_aalnum((unsigned char)s[k])) &&
        !(k + 1 < b && s[k] == '.' && is_aalnum((unsigned char)s[k + 1]))) {
        return k;
    }
    /* IPv6: hex digits and colons only. */
    k = i;
    int colons = 0;
    bool dbl = false;
    while (k < b && (is_hex((unsigned char)s[k]) || s[k] == ':')) {
        if (s[k] == ':') {
            colons++;
            if (k > i && s[k - 1] == ':') {
                dbl = true;
            }
        }
        k++;
    }
    if ((colons == 7 || (dbl && colons >= 2 && colons <= 7)) &&
        (k >= b || !is_aalnum((unsigned char)s[k])) && k - i >= 3) {
        while (k > i && s[k - 1] == ':' && !(k >= 2 && s[k - 2] == ':')) {
            k--;
        }
        return k;
    }
    return 0;
}

/* Domain endings that make a dotted word a URL ("google.com"). */
static bool has_tld(const char *s, size_t a, size_t b)
{
    static const char *const tld[] = {"com", "org", "net", "edu",  "gov", "uk",
                                      "ca",  "de",  "io",  "info", NULL};
    size_t k = b;
    while (k > a && s[k - 1] != '.') {
        k--;
    }
    if (k <= a + 1) {
        return false;
    }
    return in_list_ci(tld, s + k, b - k);
}

/* ---- Words ---- */

/* Scans a word from i (a word character) to the end of the chunk b and
 * returns its end. In-word connectors join only between the right kinds of
 * characters, so "end." and "(a)" never swallow the punctuation. */
static size_t scan_word(const char *s, size_t i, size_t b)
{
    size_t k = i;
    while (k < b) {
        unsigned char c = (unsigned char)s[k];
        if (c < 0x80) {
            if (is_aalnum(c)) {
                k++;
                continue;
            }
            unsigned char prev = (unsigned char)s[k - 1];
            unsigned char next = k + 1 < b ? (unsigned char)s[k + 1] : 0;
            bool ok = false;
            switch (c) {
            case '.':
            case '-':
            case '_':
            case '/':
                ok = is_aalnum(prev) && word_at(s, k + 1, b);
                break;
            case ',':
            case ':':
                ok = is_adigit(prev) && is_adigit(next);
                break;
            case '\'':
            case '`':
                ok = letter_at(s, k + 1, b) || (is_adigit(prev) && next == 's');
                break;
            case '&':
                ok = is_aupper(prev) && is_aupper(next);
                break;
            default:
                break;
            }
            if (!ok) {
                break;
            }
            k++;
            continue;
        }
        uint32_t cp;
        size_t l = dec(s, k, b, &cp);
        if (cp_word(cp) || cp == 0xAD) {
            k += l;
            continue;
        }
        if (cp == 0x2019 && letter_at(s, k + l, b)) {
            k += l;
            continue;
        }
        break;
    }
    return k;
}

static bool all_digits(const char *s, size_t a, size_t b)
{
    if (a >= b) {
        return false;
    }
    for (size_t k = a; k < b; k++) {
        if (!is_adigit((unsigned char)s[k])) {
            return false;
        }
    }
    return true;
}

static bool has_dot(const char *s, size_t a, size_t b)
{
    return memchr(s + a, '.', b - a) != NULL;
}

/* Whether the hyphen at h, between parts [la, h) and [h+1, re), stays
 * inside the word (EWT conventions, counted on train). */
static bool keep_hyphen(const char *s, size_t la, size_t h, size_t re)
{
    size_t ll = h - la, rl = re - (h + 1);
    if (in_list_ci(hyph_prefix, s + la, ll)) {
        return true;
    }
    if (all_digits(s, la, h) && all_digits(s, h + 1, re)) {
        /* Phone numbers and ZIP+4: 555-1234, 713-853-6197, 1-800-...,
         * 77002-1234. Ranges such as 1990-1995 split. */
        if (rl == 4 && (ll == 3 || ll == 5 || ll == 1)) {
            return true;
        }
        if (rl == 3 && (ll == 3 || ll == 1)) {
            return true;
        }
        return false;
    }
    /* File names and host names: "Em-enro2.doc", "Get-A-Free-House.com". */
    if (has_dot(s, la, h) || has_dot(s, h + 1, re)) {
        return true;
    }
    return false;
}

/* Whether the slash at h stays inside: dates, phone numbers and short
 * abbreviations ("w/o", "L/C") do; "and/or" does not. */
static bool keep_slash(const char *s, size_t la, size_t h, size_t re)
{
    if (all_digits(s, la, h) && all_digits(s, h + 1, re)) {
        return true;
    }
    return h - la == 1 && re - (h + 1) == 1;
}

/* Emits a word piece [a, b) without hyphens or slashes, splitting a final
 * contraction or possessive into a second syntactic word. */
static void emit_piece(tk_state *t, size_t a, size_t b, unsigned last_flags)
{
    const char *s = t->s;
    tok_kind kind = is_adigit((unsigned char)s[a]) ? TOK_NUMBER : TOK_WORD;
    size_t cut = 0;
    if (kind == TOK_NUMBER) {
        /* "5pm", "10k", "2.7m": EWT splits a unit or multiplier off a
         * number (but not ordinals or decades: "3rd", "1970s"). */
        size_t k = a;
        while (k < b && (is_adigit((unsigned char)s[k]) || s[k] == '.' ||
                         s[k] == ',' || s[k] == ':')) {
            k++;
        }
        if (k < b && in_list_ci(units, s + k, b - k)) {
            emit(t, a, k - a, TOK_NUMBER, 0);
            emit(t, k, b - k, TOK_WORD, last_flags);
            return;
        }
    }
    /* n't, and 's 're 've 'll 'd 'm, with any apostrophe. */
    for (size_t k = b; k > a + 1 && k + 4 > b;) {
        k--;
        size_t al = 0;
        size_t j = k;
        /* Find an apostrophe ending at or before k. */
        if (s[j] == '\'' || s[j] == '`') {
            al = 1;
        } else if (j >= a + 2 && (unsigned char)s[j] == 0x99 &&
                   is_rsquo(s, j - 2, b)) {
            j -= 2;
            al = 3;
        } else {
            continue;
        }
        size_t suf = b - (j + al); /* letters after the apostrophe */
        const char *x = s + j + al;
        if (suf == 1 && (x[0] == 't' || x[0] == 'T') && j > a + 1 &&
            (s[j - 1] == 'n' || s[j - 1] == 'N')) {
            cut = j - 1;
        } else if ((suf == 1 && strchr("sSdDmM", x[0])) ||
                   (suf == 2 &&
                    in_list_ci((const char *const[]){"re", "ve", "ll", NULL}, x,
                               2))) {
            cut = j;
        }
        break;
    }
    if (!cut && b - a >= 2 && b - a <= 8 && is_aalpha((unsigned char)s[a])) {
        unsigned char a0 = (unsigned char)(s[a] | 0x20); /* lower case */
        for (size_t g = 0; g < sizeof glued / sizeof glued[0]; g++) {
            if (glued[g].len == b - a && (unsigned char)glued[g].w[0] == a0 &&
                in_list_ci((const char *const[]){glued[g].w, NULL}, s + a,
                           b - a)) {
                cut = a + glued[g].cut;
                break;
            }
        }
    }
    if (cut > a && cut < b) {
        emit(t, a, cut - a, kind, TOK_F_JOIN);
        emit(t, cut, b - cut, TOK_WORD, last_flags);
    } else {
        emit(t, a, b - a, kind, last_flags);
    }
}

/* Emits the scanned word [a, b) (its final dot, if any, already decided),
 * splitting at hyphens and slashes that EWT splits. */
static void emit_word(tk_state *t, size_t a, size_t b)
{
    const char *s = t->s;
    size_t start = a; /* start of the not yet emitted part */
    size_t la = a;    /* start of the part left of the next connector */
    for (size_t k = a; k < b; k++) {
        char c = s[k];
        if (c != '-' && c != '/') {
            continue;
        }
        size_t re = k + 1;
        while (re < b && s[re] != '-' && s[re] != '/') {
            re++;
        }
        bool keep =
            c == '-' ? keep_hyphen(s, la, k, re) : keep_slash(s, la, k, re);
        if (!keep) {
            emit_piece(t, start, k, 0);
            emit(t, k, 1, TOK_PUNCT, 0);
            start = k + 1;
        }
        la = k + 1;
    }
    if (start == a && has_dot(s, a, b) && has_tld(s, a, b)) {
        emit(t, a, b - a, TOK_URL, 0);
        return;
    }
    emit_piece(t, start, b, 0);
}

/* Company suffixes keep their dot even before a capital ("Apple Inc.
 * Chief ..."); other abbreviations give it up there, as EWT does at the end
 * of a sentence ("..., etc." -> "etc" "."). */
static const char *const abbr_firm[] = {"Inc",  "Corp", "Co", "Ltd",
                                        "Bros", "Jr",   "Sr", NULL};

/* Whether the word [a, b), followed by a dot at b, keeps that dot:
 * abbreviations, initials and letter-dot sequences ("U.S", "e.g", "Ph.D").
 * `after` is the first character after the dot and any spaces (0 at the
 * end of the text). */
static bool takes_dot(const char *s, size_t a, size_t b, unsigned char after)
{
    size_t len = b - a;
    if (len == 1) {
        return is_aalpha((unsigned char)s[a]);
    }
    if (len == 2 && s[a] == 'N' && s[a + 1] == 'o') {
        return is_adigit(after); /* "No. 5" but "said No." */
    }
    if (in_list(abbr_title, s + a, len) || in_list(abbr_firm, s + a, len)) {
        return true;
    }
    if (in_list(abbr_other, s + a, len)) {
        return after != 0 && !is_aupper(after);
    }
    if (!has_dot(s, a, b)) {
        return false;
    }
    /* Letter-dot sequences: every dot-separated part is 1-2 letters. */
    size_t run = 0;
    for (size_t k = a; k < b; k++) {
        unsigned char c = (unsigned char)s[k];
        if (c == '.') {
            if (run == 0) {
                return false;
            }
            run = 0;
        } else if (is_aalpha(c) && run < 2) {
            run++;
        } else {
            return false;
        }
    }
    return true;
}

/* ---- Punctuation ---- */

static const char *const emoticons[] = {
    ":-)", ":-(", ";-)", ":-D", ":-P", ":-p", ":'(", ":-/", ":)", ":(",
    ";)",  ":D",  ":P",  ":p",  ":/",  "<3",  "^_^", "^^",  "XD", NULL};

/* Two digits then no more word characters: the "72" of "'72". */
static bool year_digits(const char *s, size_t k, size_t b)
{
    return b - k >= 2 && is_adigit((unsigned char)s[k]) &&
           is_adigit((unsigned char)s[k + 1]) && !word_at(s, k + 2, b);
}

static bool open_punct(unsigned char c)
{
    return c == '(' || c == '[' || c == '{' || c == '<';
}

/* Emits the punctuation or symbol token at i inside chunk [.., b) and
 * returns its end. */
static size_t do_punct(tk_state *t, size_t i, size_t b, size_t chunk_a)
{
    const char *s = t->s;
    unsigned char c = (unsigned char)s[i];
    size_t k = i + 1;
    if (c < 0x80) {
        /* Emoticons, when not glued to a following word. */
        if (c == ':' || c == ';' || c == '<' || c == '^' || c == 'X') {
            for (const char *const *e = emoticons; *e; e++) {
                size_t el = strlen(*e);
                if (b - i >= el && memcmp(s + i, *e, el) == 0 &&
                    !word_at(s, i + el, b)) {
                    emit(t, i, el, TOK_SYMBOL, 0);
                    return i + el;
                }
            }
        }
        if (c == '.' || c == '!' || c == '?') {
            /* Terminal runs stay together: "...", "?!", "!!!". */
            while (k < b) {
                if (s[k] == '.' || s[k] == '!' || s[k] == '?') {
                    k++;
                } else if (b - k >= 3 && (unsigned char)s[k] == 0xE2 &&
                           (unsigned char)s[k + 1] == 0x80 &&
                           (unsigned char)s[k + 2] == 0xA6) {
                    k += 3;
                } else {
                    break;
                }
            }
            emit(t, i, k - i, TOK_PUNCT, 0);
            return k;
        }
        if (strchr("-*=_~<>^+'`/\\|#", c)) {
            while (k < b && (unsigned char)s[k] == c) {
                k++;
            }
        }
        if (c == '\'' && k == i + 1 && year_digits(s, k, b)) {
            emit(t, i, 3, TOK_NUMBER, 0); /* '72 */
            return i + 3;
        }
        if (c == '\'' || c == '`') {
            /* Opening when it starts the chunk or follows an opener. */
            bool opening = i == chunk_a ||
                           open_punct((unsigned char)s[i - 1]) ||
                           s[i - 1] == '"';
            if (k - i == 1) {
                t->squote_open = opening;
            }
        }
        bool sym = strchr("$%&+<=>^|~#@", c) != NULL;
        emit(t, i, k - i, sym ? TOK_SYMBOL : TOK_PUNCT, 0);
        return k;
    }
    uint32_t cp;
    size_t l = dec(s, i, b, &cp);
    k = i + l;
    if (cp == 0x2026) { /* ellipsis, possibly with more terminal marks */
        while (k < b && (s[k] == '.' || s[k] == '!' || s[k] == '?')) {
            k++;
        }
        emit(t, i, k - i, TOK_PUNCT, 0);
        return k;
    }
    if (cp == 0x2018 || cp == 0x2019) {
        if (cp == 0x2019 && year_digits(s, k, b)) {
            emit(t, i, l + 2, TOK_NUMBER, 0); /* ’72 */
            return k + 2;
        }
        t->squote_open = cp == 0x2018;
        /* Doubled curly single quotes are one token: ’’ ‘’. */
        size_t q = k;
        while (b - q >= 3 && (unsigned char)s[q] == 0xE2 &&
               (unsigned char)s[q + 1] == 0x80 &&
               ((unsigned char)s[q + 2] == 0x98 ||
                (unsigned char)s[q + 2] == 0x99)) {
            q += 3;
        }
        emit(t, i, q - i, TOK_PUNCT, 0);
        return q;
    }
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    bool punct = cat >= UTF8PROC_CATEGORY_PC && cat <= UTF8PROC_CATEGORY_PO;
    emit(t, i, l, punct ? TOK_PUNCT : TOK_SYMBOL, 0);
    return k;
}

/* ---- Chunks ---- */

/* Tokenizes the white-space-free chunk [a, b). */
static void do_chunk(tk_state *t, size_t a, size_t b)
{
    const char *s = t->s;
    size_t i = a;
    while (i < b) {
        unsigned char c = (unsigned char)s[i];
        size_t e;
        if ((c == 'h' || c == 'H' || c == 'w' || c == 'W' || c == 'f' ||
             c == 'F') &&
            (e = match_url(s, i, b)) != 0) {
            emit(t, i, e - i, TOK_URL, 0);
            i = e;
            continue;
        }
        if (email_local(c) && memchr(s + i, '@', b - i) &&
            (e = match_email(s, i, b)) != 0) {
            emit(t, i, e - i, TOK_EMAIL, 0);
            i = e;
            continue;
        }
        if ((is_hex(c)) && (e = match_ip(s, i, b)) != 0) {
            emit(t, i, e - i, TOK_IP, 0);
            i = e;
            continue;
        }
        if ((c == '#' || c == '@') && letter_at(s, i + 1, b) &&
            (i == a || !is_aalnum((unsigned char)s[i - 1]))) {
            e = i + 1;
            while (e < b && (word_at(s, e, b) || s[e] == '_')) {
                uint32_t cp;
                e += dec(s, e, b, &cp);
            }
            emit(t, i, e - i, c == '#' ? TOK_HASHTAG : TOK_MENTION, 0);
            i = e;
            continue;
        }
        if (c < 0x80 ? is_aalnum(c) : word_at(s, i, b)) {
            e = scan_word(s, i, b);
            if (e < b && s[e] == '.' && !(e + 1 < b && s[e + 1] == '.')) {
                size_t k = e + 1;
                while (k < t->n && is_asp((unsigned char)s[k])) {
                    k++;
                }
                if (takes_dot(s, i, e, k < t->n ? (unsigned char)s[k] : 0)) {
                    e++;
                }
            }
            /* Plural possessive "parents'" unless a single quote is open
             * (then the apostrophe closes it). */
            size_t al;
            if (!t->squote_open && (s[e - 1] == 's' || s[e - 1] == 'S') &&
                (al = apos_len(s, e, b)) != 0 && !word_at(s, e + al, b) &&
                e - i > 1) {
                emit_word(t, i, e);
                t->r->toks[t->r->n_toks - 1].flags |= TOK_F_JOIN;
                emit(t, e, al, TOK_WORD, 0);
                i = e + al;
                continue;
            }
            emit_word(t, i, e);
            i = e;
            continue;
        }
        i = do_punct(t, i, b, a);
    }
}

/* ---- Sentences ---- */

static bool tok_is(const char *s, const tok_span *tk, const char *lit)
{
    size_t l = strlen(lit);
    return tk->len == l && memcmp(s + tk->off, lit, l) == 0;
}

/* A run of terminal punctuation: ". ! ? ..." in any mix. */
static bool is_terminal(const char *s, const tok_span *tk)
{
    if (tk->kind != TOK_PUNCT) {
        return false;
    }
    unsigned char c = (unsigned char)s[tk->off];
    return c == '.' || c == '!' || c == '?' ||
           (tk->len >= 3 && c == 0xE2 &&
            (unsigned char)s[tk->off + 1] == 0x80 &&
            (unsigned char)s[tk->off + 2] == 0xA6);
}

/* Closing quotes and brackets that stay with the sentence they end. */
static bool is_closer(const char *s, const tok_span *tk)
{
    if (tk->kind != TOK_PUNCT) {
        return false;
    }
    unsigned char c = (unsigned char)s[tk->off];
    if (tk->len == 1) {
        return c == ')' || c == ']' || c == '}' || c == '"' || c == '\'';
    }
    if (c == '\'' || c == '`') {
        return true; /* '' */
    }
    if (tk->len == 3 && c == 0xE2 && (unsigned char)s[tk->off + 1] == 0x80) {
        unsigned char d = (unsigned char)s[tk->off + 2];
        return d == 0x9D || d == 0x99; /* ” ’ */
    }
    if (tk->len == 2 && c == 0xC2 && (unsigned char)s[tk->off + 1] == 0xBB) {
        return true; /* » */
    }
    return false;
}

/* Whether token tk can start a sentence after terminal punctuation. After
 * a full stop, ! or ? EWT starts a new sentence whatever follows (97% even
 * before a lower-case word, counted on train); after a bare ellipsis only
 * before a capital, digit or opening punctuation (`weak`). */
static bool starts_sentence(const char *s, size_t n, const tok_span *tk,
                            bool weak)
{
    unsigned char c = (unsigned char)s[tk->off];
    if (tk->kind == TOK_PUNCT && strchr(")]},;:.!?", c)) {
        return false; /* ". . ." spaced out, "? ?", "( see. )" */
    }
    if (!weak) {
        return true;
    }
    if (c < 0x80) {
        return is_aupper(c) || is_adigit(c) || strchr("\"'`([{<$*#@-", c) ||
               (tk->len == 1 && c == 'i');
    }
    uint32_t cp;
    dec(s, tk->off, n, &cp);
    if (cp_upper(cp)) {
        return true;
    }
    utf8proc_category_t cat = utf8proc_category((utf8proc_int32_t)cp);
    return cat == UTF8PROC_CATEGORY_PS || cat == UTF8PROC_CATEGORY_PI ||
           cat == UTF8PROC_CATEGORY_SO;
}

/* A capital or a digit: what follows a URL or address that ends a
 * sentence without a full stop (e-mail signatures, link lists). */
static bool cap_or_digit(const char *s, size_t n, const tok_span *tk)
{
    unsigned char c = (unsigned char)s[tk->off];
    if (c < 0x80) {
        return is_aupper(c) || is_adigit(c);
    }
    uint32_t cp;
    dec(s, tk->off, n, &cp);
    return cp_upper(cp);
}

/* Whether token i (a WORD ending in '.') is an abbreviation after which a
 * sentence may end, given the next token. */
static bool abbr_ends(const char *s, const tok_span *w, const tok_span *next)
{
    size_t len = w->len - 1;
    const char *p = s + w->off;
    if (len == 1 || in_list(abbr_title, p, len)) {
        return false; /* initials and titles: "J. R. R.", "Mr." */
    }
    return in_list(sent_starters, s + next->off, next->len);
}

/* Whether a line break before token j (no blank line) ends the sentence:
 * list items and short headline-like lines do. */
static bool line_break_ends(const char *s, const tok_result *r, size_t j,
                            size_t line_start)
{
    const tok_span *nx = &r->toks[j];
    unsigned char c = (unsigned char)s[nx->off];
    if (c == '-' || c == '*' || c == '#' || c == '>' ||
        (nx->len == 2 && (unsigned char)s[nx->off] == 0xE2)) {
        return true; /* bullets */
    }
    if (j + 1 < r->n_toks && nx->kind == TOK_NUMBER &&
        (tok_is(s, &r->toks[j + 1], ".") || tok_is(s, &r->toks[j + 1], ")"))) {
        return true; /* "1." list items */
    }
    const tok_span *pv = &r->toks[j - 1];
    size_t line_len = pv->off + pv->len - line_start;
    unsigned char last = (unsigned char)s[pv->off + pv->len - 1];
    if (last == ',' || last == ';') {
        return false;
    }
    return line_len < 50 && is_aupper(c);
}

static void add_sent(tok_result *r, size_t first, size_t end_tok)
{
    if (r->n_sents == r->cap_sents) {
        r->sents =
            xgrow(r->sents, &r->cap_sents, r->n_sents + 1, sizeof *r->sents);
    }
    tok_sent *st = &r->sents[r->n_sents++];
    st->first_tok = (uint32_t)first;
    st->n_toks = (uint32_t)(end_tok - first);
    st->off = r->toks[first].off;
    st->end = r->toks[end_tok - 1].off + r->toks[end_tok - 1].len;
    r->toks[first].flags |= TOK_F_SENT_START;
}

/* Whether token tk cannot end a sentence: an opening bracket or quote. */
static bool no_end_after(const char *s, const tok_span *tk)
{
    if (tk->kind != TOK_PUNCT) {
        return false;
    }
    unsigned char c = (unsigned char)s[tk->off];
    if (tk->len == 1) {
        return c == '(' || c == '[' || c == '{';
    }
    return tk->len == 3 && c == 0xE2 && (unsigned char)s[tk->off + 1] == 0x80 &&
           ((unsigned char)s[tk->off + 2] == 0x9C ||
            (unsigned char)s[tk->off + 2] == 0x98); /* “ ‘ */
}

/* A colon, semicolon or dash run: "UPDATE :", "KABUL -". */
static bool colon_like(const char *s, const tok_span *tk)
{
    if (tk->kind != TOK_PUNCT) {
        return false;
    }
    unsigned char c = (unsigned char)s[tk->off];
    if (c == ':' || c == ';' || c == '-') {
        return true;
    }
    return tk->len == 3 && c == 0xE2 && (unsigned char)s[tk->off + 1] == 0x80 &&
           ((unsigned char)s[tk->off + 2] == 0x93 ||
            (unsigned char)s[tk->off + 2] == 0x94); /* – — */
}

/* Whether the gap between pv and a capitalized or numeric nx is worth
 * asking the model. Counted on EWT train, a sentence ends after a
 * lower-case word before a capital or digit 1% of the time (94 of 10,000
 * gaps), between two all-caps words or two numbers about as rarely; those
 * gaps are 60% of the candidates and would cost more time than they
 * bring recall. */
static bool cap_cand(const char *s, const tok_span *pv, const tok_span *nx)
{
    unsigned char a = (unsigned char)s[pv->off];
    if (pv->kind == TOK_WORD && a < 0x80 && !is_aupper(a)) {
        return false; /* "the Chernobyl", "of 1986" */
    }
    bool pv_caps = pv->kind == TOK_WORD && pv->len > 1 &&
                   is_aupper((unsigned char)s[pv->off + 1]);
    bool nx_caps = nx->kind == TOK_WORD && nx->len > 1 &&
                   is_aupper((unsigned char)s[nx->off]) &&
                   is_aupper((unsigned char)s[nx->off + 1]);
    if (pv_caps && nx_caps) {
        return false; /* "CHERNOBYL ACCIDENT" */
    }
    if (pv->kind == TOK_NUMBER && (nx->kind == TOK_NUMBER || nx_caps)) {
        return false; /* "10:30 AM" */
    }
    return true;
}

/* One past the last token of the paragraph that contains token j. */
static size_t para_end_from(const tok_result *r, size_t j)
{
    size_t k = j + 1;
    while (k < r->n_toks && !(r->toks[k].flags & TOK_F_PARA_START)) {
        k++;
    }
    return k;
}

/* The splitter. For each gap between tokens it computes the rules'
 * decision; when `decide` is set and the gap is a candidate (tok_cand), the
 * callback has the last word. A blank line always ends a sentence. The
 * sentence in progress (`first`) follows the decisions actually taken. */
static void split_sentences(const char *s, size_t n, tok_result *r,
                            tok_decide_fn decide, void *ctx)
{
    size_t first = 0, line_start = 0, para_first = 0;
    size_t para_end = decide ? para_end_from(r, 0) : r->n_toks;
    uint32_t n_words = 0, n_caps = 0;
    tok_memo memo;
    if (decide) {
        memset(memo.key, 0, sizeof memo.key);
    }
    for (size_t j = 1; j < r->n_toks; j++) {
        tok_span *nx = &r->toks[j];
        const tok_span *pv = &r->toks[j - 1];
        if (pv->kind == TOK_WORD) {
            n_words++;
            n_caps += cap_or_digit(s, n, pv);
        }
        bool end = false;
        if (nx->flags & TOK_F_PARA_START) {
            end = true;
            para_first = j;
            if (decide) {
                para_end = para_end_from(r, j);
            }
        } else if (pv->flags & TOK_F_SPACE_AFTER) {
            /* Walk back over closers to the terminal punctuation. */
            size_t k = j - 1;
            while (k > first && is_closer(s, &r->toks[k]) &&
                   !(r->toks[k - 1].flags & TOK_F_SPACE_AFTER)) {
                k--;
            }
            const tok_span *tk = &r->toks[k];
            int type = -1;
            if (is_terminal(s, tk)) {
                type = TOK_CAND_TERM;
                if (k > first) {
                    bool weak = !memchr(s + tk->off, '!', tk->len) &&
                                !memchr(s + tk->off, '?', tk->len) &&
                                !(tk->len == 1 && s[tk->off] == '.');
                    /* "1." opening a list item is not a sentence. */
                    bool list_num = k == first + 1 &&
                                    r->toks[first].kind == TOK_NUMBER &&
                                    tk->len == 1;
                    end = !list_num && starts_sentence(s, n, nx, weak);
                }
            } else if (tk->kind == TOK_WORD && tk->len > 1 &&
                       s[tk->off + tk->len - 1] == '.' && k == j - 1) {
                type = TOK_CAND_ABBR;
                end = abbr_ends(s, tk, nx);
            } else if (k == j - 1 &&
                       (tk->kind == TOK_URL || tk->kind == TOK_EMAIL ||
                        (tk->kind == TOK_SYMBOL &&
                         (s[tk->off] == '>' || s[tk->off] == ':' ||
                          s[tk->off] == ';')))) {
                /* Link lists, signatures, "> quoted" mail, smileys. */
                type = TOK_CAND_ADDR;
                end = nx->kind == TOK_URL || cap_or_digit(s, n, nx);
            }
            if (!end && (nx->flags & F_LINE_START)) {
                end = line_break_ends(s, r, j, line_start);
            }
            if (decide) {
                bool cap = cap_or_digit(s, n, nx);
                if (type < 0 && colon_like(s, pv)) {
                    type = TOK_CAND_COLON;
                } else if (type < 0 && tok_is(s, pv, ",")) {
                    type = cap ? TOK_CAND_COMMA : -1;
                } else if (type < 0 && !no_end_after(s, pv) &&
                           (cap || nx->kind == TOK_URL ||
                            nx->kind == TOK_EMAIL) &&
                           cap_cand(s, pv, nx)) {
                    type = TOK_CAND_CAP;
                } else if (type < 0 && (nx->flags & F_LINE_START)) {
                    type = TOK_CAND_LINE;
                }
                /* Line breaks the rules split at stay split: the training
                 * text (tok_eval) has none, so the model knows nothing
                 * about them. */
                bool nl = (nx->flags & F_LINE_START) != 0;
                if (type >= 0 && !(nl && end)) {
                    tok_cand c = {.s = s,
                                  .n = n,
                                  .r = r,
                                  .j = j,
                                  .k = k,
                                  .first = first,
                                  .para_first = para_first,
                                  .para_end = para_end,
                                  .line_start = line_start,
                                  .n_words = n_words,
                                  .n_caps = n_caps,
                                  .type = (uint8_t)type,
                                  .rule = end,
                                  .line_break = nl,
                                  .memo = &memo};
                    end = decide(ctx, &c);
                }
            }
        } else if (decide && j - 1 > first && is_terminal(s, pv) &&
                   (nx->kind == TOK_WORD || nx->kind == TOK_NUMBER)) {
            /* "it?how", "country.They": glued, the rules never split. */
            tok_cand c = {.s = s,
                          .n = n,
                          .r = r,
                          .j = j,
                          .k = j - 1,
                          .first = first,
                          .para_first = para_first,
                          .para_end = para_end,
                          .line_start = line_start,
                          .n_words = n_words,
                          .n_caps = n_caps,
                          .type = TOK_CAND_GLUED,
                          .rule = false,
                          .line_break = false,
                          .memo = &memo};
            end = decide(ctx, &c);
        }
        if (nx->flags & F_LINE_START) {
            line_start = nx->off;
        }
        if (end) {
            add_sent(r, first, j);
            first = j;
            n_words = n_caps = 0;
        }
    }
    if (r->n_toks > first) {
        add_sent(r, first, r->n_toks);
    }
    for (size_t j = 0; j < r->n_toks; j++) {
        r->toks[j].flags &= (uint8_t)~F_LINE_START;
    }
}

/* ---- Public API ---- */

void tok_result_init(tok_result *r)
{
    memset(r, 0, sizeof *r);
}

void tok_result_reset(tok_result *r)
{
    r->n_toks = 0;
    r->n_sents = 0;
}

void tok_result_fini(tok_result *r)
{
    xfree(r->toks);
    xfree(r->sents);
    memset(r, 0, sizeof *r);
}

ds_rc tok_run_decide(str text, tok_decide_fn decide, void *ctx, tok_result *out,
                     ds_err *e)
{
    tok_result_reset(out);
    if (text.len >= UINT32_MAX) {
        return ds_fail(e, DS_ETOOBIG, "text of %zu bytes is over 4 GiB",
                       text.len);
    }
    tk_state t = {.s = text.ptr, .n = text.len, .r = out};
    const char *s = text.ptr;
    size_t n = text.len, i = 0;
    while (i < n) {
        /* White space: count line breaks for paragraph detection. */
        int nl = 0;
        size_t ws = i;
        while (i < n) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x80) {
                if (!is_asp(c)) {
                    break;
                }
                nl += c == '\n';
                i++;
                continue;
            }
            uint32_t cp;
            size_t l = dec(s, i, n, &cp);
            if (!cp_space(cp)) {
                break;
            }
            nl += cp == 0x2029 ? 2 : cp == 0x2028;
            i += l;
        }
        if (i >= n) {
            break;
        }
        if (i > ws && out->n_toks) {
            out->toks[out->n_toks - 1].flags |= TOK_F_SPACE_AFTER;
        }
        if (nl >= 2) {
            t.pending = TOK_F_PARA_START | F_LINE_START;
            t.squote_open = false;
        } else if (nl == 1 || out->n_toks == 0) {
            t.pending = F_LINE_START;
        }
        size_t a = i;
        while (i < n) {
            unsigned char c = (unsigned char)s[i];
            if (c < 0x80) {
                if (is_asp(c)) {
                    break;
                }
                i++;
                continue;
            }
            uint32_t cp;
            size_t l = dec(s, i, n, &cp);
            if (cp_space(cp)) {
                break;
            }
            i += l;
        }
        do_chunk(&t, a, i);
    }
    if (out->n_toks) {
        out->toks[0].flags &= (uint8_t)~TOK_F_PARA_START;
        split_sentences(s, n, out, decide, ctx);
    }
    return DS_OK;
}

static bool decide_model(void *ctx, const tok_cand *c)
{
    return sent_decide((const sent_model *)ctx, c);
}

ds_rc tok_run_with(str text, const sent_model *m, tok_result *out, ds_err *e)
{
    return tok_run_decide(text, m ? decide_model : NULL, (void *)m, out, e);
}

/* The default model: loaded once by the first tok_run of the process. */
static pthread_once_t default_once = PTHREAD_ONCE_INIT;
static sent_model *default_model;

static void load_default(void)
{
    char path[4096];
    model_default_path(SENT_MODEL_FILE, path, sizeof path);
    if (access(path, R_OK) != 0) {
        return; /* no model shipped: the rules alone */
    }
    ds_err e;
    if (sent_model_open(path, &default_model, &e) != DS_OK) {
        LOG(LOG_DEBUG, "nlp", "sentence model not used: %s", e.msg);
        default_model = NULL;
    }
}

const sent_model *tok_default_sentence_model(void)
{
    pthread_once(&default_once, load_default);
    return default_model;
}

ds_rc tok_run(str text, tok_result *out, ds_err *e)
{
    return tok_run_with(text, tok_default_sentence_model(), out, e);
}

int tok_abbrev_class(const char *p, size_t len)
{
    if (len == 0) {
        return 0;
    }
    if (in_list(abbr_title, p, len)) {
        return 1;
    }
    return in_list(abbr_other, p, len) ? 2 : 0;
}

bool tok_is_sent_starter(const char *p, size_t len)
{
    return len > 0 && in_list(sent_starters, p, len);
}

const char *tok_kind_name(tok_kind k)
{
    static const char *const names[TOK_KIND_COUNT] = {
        "WORD",  "NUMBER", "PUNCT",   "SYMBOL", "URL",
        "EMAIL", "IP",     "HASHTAG", "MENTION"};
    if ((unsigned)k >= TOK_KIND_COUNT) {
        return "?";
    }
    return names[k];
}
