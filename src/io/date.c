/* date.c - the date parser of the importers (see io_date_parse in io.h).
 *
 * Dates arrive in whatever form the source used: ISO 8601 in HTML meta
 * tags and JSON, RFC 2822 in e-mail, "March 3, 2026" in datelines. We
 * accept the unambiguous forms only: "03/04/2026" is March 4 in the US and
 * April 3 elsewhere, so numeric dates must start with the year.
 *
 * Everything with a time of day is converted to UTC through a day count
 * (Howard Hinnant's days_from_civil), so that an offset carries correctly
 * across midnight, month and year ends; the year range 1000-9999 is checked
 * after that conversion, so "9999-12-31T23:00-02:00" is rejected rather
 * than printed as year 10000. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "io/io_int.h"

typedef struct dt {
    int y, mo, d, h, mi, s;
    bool has_time;
    int off_min; /* minutes east of UTC */
} dt;

typedef struct cur {
    const char *p, *end;
} cur;

static bool at_end(const cur *c)
{
    return c->p >= c->end;
}

static int peek(const cur *c)
{
    return c->p < c->end ? (unsigned char)*c->p : -1;
}

static bool eat(cur *c, char ch)
{
    if (peek(c) == (unsigned char)ch) {
        c->p++;
        return true;
    }
    return false;
}

static void skip_ws(cur *c)
{
    while (peek(c) == ' ' || peek(c) == '\t' || peek(c) == '\n' ||
           peek(c) == '\r') {
        c->p++;
    }
}

/* A run of at most `max` digits; returns how many were read (0: none).
 * Longer runs are left for the grammar to reject at the next step. */
static int num(cur *c, int max, int *out)
{
    int n = 0, v = 0;
    while (n < max && peek(c) >= '0' && peek(c) <= '9') {
        v = v * 10 + (*c->p - '0');
        c->p++;
        n++;
    }
    *out = v;
    return n;
}

static str word(cur *c)
{
    const char *b = c->p;
    while (c->p < c->end && isalpha((unsigned char)*c->p)) {
        c->p++;
    }
    return (str){b, (size_t)(c->p - b)};
}

static const char *const months[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december"};

/* 1-12 for a month name or its 3-letter abbreviation ("Sept" too). */
static int month_of(str w)
{
    for (int i = 0; i < 12; i++) {
        str full = str_c(months[i]);
        if (str_eqi(w, full) || (w.len == 3 && str_startsi(full, w)) ||
            (i == 8 && str_eqi(w, STR("sept")))) {
            return i + 1;
        }
    }
    return 0;
}

static bool is_weekday(str w)
{
    static const char *const days[] = {"monday",   "tuesday", "wednesday",
                                       "thursday", "friday",  "saturday",
                                       "sunday"};
    for (int i = 0; i < 7; i++) {
        str full = str_c(days[i]);
        if (str_eqi(w, full) || (w.len >= 3 && w.len < full.len &&
                                 str_startsi(full, w) && w.len <= 4)) {
            return true;
        }
    }
    return false;
}

/* ---- Calendar arithmetic ---- */

static bool leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int y, int m)
{
    static const int dm[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && leap(y) ? 29 : dm[m - 1];
}

static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = era * 400 + yoe + (*m <= 2);
}

static bool write_secs(int64_t secs, char out[32])
{
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    if (y < 1000 || y > 9999) {
        return false;
    }
    snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02dZ", (int)y, m, d,
             (int)(rem / 3600), (int)(rem / 60 % 60), (int)(rem % 60));
    return true;
}

/* Checks the fields, converts to UTC and writes the result. */
static bool finish(const dt *t, char out[32])
{
    if (t->y < 1000 || t->y > 9999 || t->mo < 1 || t->mo > 12 || t->d < 1 ||
        t->d > days_in_month(t->y, t->mo)) {
        return false;
    }
    if (!t->has_time) {
        snprintf(out, 32, "%04d-%02d-%02d", t->y, t->mo, t->d);
        return true;
    }
    if (t->h > 23 || t->mi > 59 || t->s > 60) {
        return false;
    }
    int s = t->s == 60 ? 59 : t->s; /* a leap second: keep the minute */
    int64_t secs = days_from_civil(t->y, t->mo, t->d) * 86400 + t->h * 3600 +
                   t->mi * 60 + s - (int64_t)t->off_min * 60;
    return write_secs(secs, out);
}

/* ---- Time of day and zones ---- */

/* Named zones of RFC 2822 plus the few European and Asian ones that show
 * up in mail headers; an unknown alphabetic zone counts as UTC, as RFC
 * 5322 section 4.3 says for the military letters. */
static int zone_minutes(str w)
{
    static const struct {
        const char *name;
        int off;
    } zones[] = {{"UT", 0},     {"UTC", 0},    {"GMT", 0},    {"Z", 0},
                 {"EST", -300}, {"EDT", -240}, {"CST", -360}, {"CDT", -300},
                 {"MST", -420}, {"MDT", -360}, {"PST", -480}, {"PDT", -420},
                 {"CET", 60},   {"CEST", 120}, {"EET", 120},  {"EEST", 180},
                 {"WET", 0},    {"WEST", 60},  {"JST", 540}};
    for (size_t i = 0; i < sizeof zones / sizeof zones[0]; i++) {
        if (str_eqi(w, str_c(zones[i].name))) {
            return zones[i].off;
        }
    }
    return 0;
}

/* "+01:00", "-0500", "+01", "Z", "GMT", "UTC+2"... Returns false when what
 * follows is not a zone (the cursor is then unchanged). */
static bool parse_zone(cur *c, int *off)
{
    cur save = *c;
    int sign = 0;
    *off = 0;
    if (peek(c) == '+' || peek(c) == '-') {
        sign = *c->p == '-' ? -1 : 1;
        c->p++;
    } else if (isalpha(peek(c))) {
        str w = word(c);
        if (w.len > 5) {
            *c = save;
            return false;
        }
        *off = zone_minutes(w);
        if ((str_eqi(w, STR("UTC")) || str_eqi(w, STR("GMT"))) &&
            (peek(c) == '+' || peek(c) == '-')) {
            sign = *c->p == '-' ? -1 : 1;
            c->p++;
        } else {
            return true;
        }
    } else {
        return false;
    }
    int hh, mm = 0;
    int n = num(c, 2, &hh);
    if (n == 0) {
        *c = save;
        return false;
    }
    if (eat(c, ':')) {
        if (num(c, 2, &mm) != 2) {
            *c = save;
            return false;
        }
    } else if (n == 2 && peek(c) >= '0' && peek(c) <= '9') {
        if (num(c, 2, &mm) != 2) {
            *c = save;
            return false;
        }
    }
    if (hh > 23 || mm > 59) {
        *c = save;
        return false;
    }
    *off = sign * (hh * 60 + mm);
    return true;
}

/* HH:MM[:SS[.frac]] [AM|PM]. */
static bool parse_time(cur *c, dt *t)
{
    if (num(c, 2, &t->h) == 0 || !eat(c, ':') || num(c, 2, &t->mi) != 2) {
        return false;
    }
    t->s = 0;
    if (eat(c, ':') && num(c, 2, &t->s) != 2) {
        return false;
    }
    if (peek(c) == '.' || peek(c) == ',') {
        c->p++;
        int frac;
        if (num(c, 9, &frac) == 0) {
            return false;
        }
    }
    cur save = *c;
    skip_ws(c);
    str w = word(c);
    if (str_eqi(w, STR("am")) || str_eqi(w, STR("pm"))) {
        if (t->h < 1 || t->h > 12) {
            return false;
        }
        t->h = (t->h % 12) + (str_eqi(w, STR("pm")) ? 12 : 0);
    } else {
        *c = save;
    }
    t->has_time = true;
    return true;
}

/* After a time: optional zone, optional "(comment)". */
static bool parse_tail(cur *c, dt *t)
{
    skip_ws(c);
    if (!at_end(c) && t->has_time && peek(c) != '(') {
        if (!parse_zone(c, &t->off_min)) {
            return false;
        }
        skip_ws(c);
    }
    if (eat(c, '(')) {
        while (!at_end(c) && *c->p != ')') {
            c->p++;
        }
        if (!eat(c, ')')) {
            return false;
        }
        skip_ws(c);
    }
    return at_end(c);
}

/* ---- The two grammars ---- */

/* ISO 8601 and the year-first numeric forms: 2026-03-03, 2026/03/03,
 * 2026.03.03, each optionally with T or ' ' and a time and zone. */
static bool parse_iso(cur *c, dt *t)
{
    if (num(c, 4, &t->y) != 4) {
        return false;
    }
    char sep = (char)peek(c);
    if (sep != '-' && sep != '/' && sep != '.') {
        return false;
    }
    c->p++;
    int n = num(c, 2, &t->mo);
    if (n == 0 || (sep == '-' && n != 2) || !eat(c, sep)) {
        return false;
    }
    n = num(c, 2, &t->d);
    if (n == 0 || (sep == '-' && n != 2)) {
        return false;
    }
    if (peek(c) == 'T' || peek(c) == 't' || peek(c) == ' ') {
        cur save = *c;
        c->p++;
        skip_ws(c);
        if (!parse_time(c, t)) {
            *c = save;
        }
    }
    return parse_tail(c, t);
}

/* [Weekday,] D Month Y [time [zone]] and [Weekday,] Month D[,] Y [time]:
 * RFC 2822 and the forms of news datelines. */
static bool parse_words(cur *c, dt *t)
{
    cur save = *c;
    str w = word(c);
    if (w.len && is_weekday(w)) {
        eat(c, '.');
        skip_ws(c);
        eat(c, ',');
        skip_ws(c);
    } else {
        *c = save;
    }
    bool day_first = peek(c) >= '0' && peek(c) <= '9';
    int yn;
    if (day_first) {
        if (num(c, 2, &t->d) == 0) {
            return false;
        }
        w = word(c); /* an ordinal suffix: 3rd */
        if (w.len && !(str_eqi(w, STR("st")) || str_eqi(w, STR("nd")) ||
                       str_eqi(w, STR("rd")) || str_eqi(w, STR("th")))) {
            return false;
        }
        skip_ws(c);
        eat(c, '-');
        if (!(t->mo = month_of(word(c)))) {
            return false;
        }
        eat(c, '.');
        skip_ws(c);
        eat(c, '-');
        eat(c, ',');
        skip_ws(c);
        yn = num(c, 4, &t->y);
        /* RFC 2822 obsolete syntax: 2- and 3-digit years. */
        if (yn == 2) {
            t->y += t->y < 50 ? 2000 : 1900;
        } else if (yn == 3) {
            t->y += 1900;
        } else if (yn != 4) {
            return false;
        }
    } else {
        if (!(t->mo = month_of(word(c)))) {
            return false;
        }
        eat(c, '.');
        skip_ws(c);
        if (num(c, 2, &t->d) == 0) {
            return false;
        }
        w = word(c);
        if (w.len && !(str_eqi(w, STR("st")) || str_eqi(w, STR("nd")) ||
                       str_eqi(w, STR("rd")) || str_eqi(w, STR("th")))) {
            return false;
        }
        eat(c, ',');
        skip_ws(c);
        if (num(c, 4, &t->y) != 4) {
            return false;
        }
    }
    cur before_time = *c;
    skip_ws(c);
    eat(c, ',');
    skip_ws(c);
    str at = word(c);
    if (!str_eqi(at, STR("at"))) {
        c->p -= at.len;
    }
    skip_ws(c);
    if (!parse_time(c, t)) {
        *c = before_time;
    }
    return parse_tail(c, t);
}

bool io_date_parse(str s, char out[32])
{
    s = str_trim(s);
    if (s.len == 0 || s.len > 64) {
        return false;
    }
    dt t;
    cur c = {s.ptr, s.ptr + s.len};
    memset(&t, 0, sizeof t);
    if (parse_iso(&c, &t)) {
        return finish(&t, out);
    }
    memset(&t, 0, sizeof t);
    c.p = s.ptr;
    if (parse_words(&c, &t)) {
        return finish(&t, out);
    }
    return false;
}

bool io_date_from_epoch(double t, char out[32])
{
    if (!isfinite(t)) {
        return false;
    }
    /* Past 1e11 seconds (year 5138) a number is far more likely to be
     * JavaScript milliseconds. */
    if (fabs(t) >= 1e11) {
        t /= 1000;
    }
    if (t < -3e10 || t > 3e11) {
        return false;
    }
    return write_secs((int64_t)floor(t), out);
}
