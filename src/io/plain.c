/* plain.c - the plain-text importer and the text heuristics (title, date,
 * wire dateline) that Markdown shares.
 *
 * A plain-text file carries no markup, so its metadata is guessed from the
 * first lines, conservatively: a wrong title or date is worse than none,
 * because analysts filter and sort on them. */
#include <string.h>

#include "io/io_int.h"
#include "util/xalloc.h"

/* How far into the text the heuristics look (non-empty lines). */
#define HEAD_LINES 6
/* A title longer than this is a sentence or a paragraph. */
#define TITLE_MAX 200

/* The lines of the head of the text, with the blank lines between them. */
typedef struct head_line {
    str s;            /* trimmed */
    bool blank_after; /* followed by a blank line or the end of the text */
} head_line;

static size_t head_lines(str text, head_line out[HEAD_LINES])
{
    size_t n = 0;
    str rest = text, line;
    while (n < HEAD_LINES && str_cut(&rest, '\n', &line)) {
        line = str_trim(line);
        if (line.len == 0) {
            if (n) {
                out[n - 1].blank_after = true;
            }
            continue;
        }
        out[n].s = line;
        out[n].blank_after = rest.len == 0;
        n++;
    }
    return n;
}

/* A line that is a date and nothing else, possibly labelled ("Date: ..."). */
static bool date_line(str s, char out[32])
{
    static const char *const labels[] = {
        "date:", "published:", "dated:", "posted:", "published on"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        if (str_startsi(s, str_c(labels[i]))) {
            s = str_sub(s, strlen(labels[i]), s.len);
            break;
        }
    }
    return io_date_parse(str_trim(s), out);
}

/* Finds the dash that ends a dateline lead: an em dash, an en dash, "--"
 * or a spaced hyphen. Returns the offset of the dash or s.len. */
static size_t dateline_dash(str s)
{
    size_t lim = s.len < 120 ? s.len : 120;
    for (size_t i = 0; i < lim; i++) {
        if (str_starts(str_sub(s, i, 3), STR("\xE2\x80\x94")) ||
            str_starts(str_sub(s, i, 3), STR("\xE2\x80\x93")) ||
            str_starts(str_sub(s, i, 2), STR("--")) ||
            (i > 0 && s.ptr[i - 1] == ' ' &&
             str_starts(str_sub(s, i, 2), STR("- ")))) {
            return i;
        }
    }
    return s.len;
}

/* "BERGEN, March 3, 2026 -- ..." and "BERGEN, Norway, March 3 2026 (AP)
 * -- ...": an upper-case place, a comma, a date, an optional agency in
 * parentheses and a dash. */
static bool dateline(str s, char out[32])
{
    size_t dash = dateline_dash(s);
    if (dash == s.len) {
        return false;
    }
    str lead = str_trim(str_sub(s, 0, dash));
    if (lead.len && lead.ptr[lead.len - 1] == ')') {
        const char *open = memchr(lead.ptr, '(', lead.len);
        if (open) {
            lead = str_trim(str_sub(lead, 0, (size_t)(open - lead.ptr)));
        }
    }
    const char *comma = memchr(lead.ptr, ',', lead.len);
    if (!comma || comma == lead.ptr || comma - lead.ptr > 40) {
        return false;
    }
    str place = str_sub(lead, 0, (size_t)(comma - lead.ptr));
    if (!(place.ptr[0] >= 'A' && place.ptr[0] <= 'Z')) {
        return false;
    }
    for (size_t i = 0; i < place.len; i++) {
        unsigned char c = (unsigned char)place.ptr[i];
        /* Upper case, or non-ASCII (TROMSØ), or separators. */
        if (!((c >= 'A' && c <= 'Z') || c >= 0x80 || c == ' ' || c == '.' ||
              c == '-' || c == '\'')) {
            return false;
        }
    }
    str rest = str_sub(lead, place.len + 1, lead.len);
    if (io_date_parse(rest, out)) {
        return true;
    }
    /* "BERGEN, Norway, March 3, 2026": skip one more part. */
    const char *c2 = memchr(rest.ptr, ',', rest.len);
    return c2 && io_date_parse(
                     str_sub(rest, (size_t)(c2 - rest.ptr) + 1, rest.len), out);
}

static bool title_like(str s)
{
    if (s.len == 0 || s.len > TITLE_MAX) {
        return false;
    }
    char last = s.ptr[s.len - 1];
    return last != '.' && last != ',' && last != ';' && last != ':';
}

void io_text_guess_meta(str text, char **title, char **published)
{
    head_line h[HEAD_LINES];
    memset(h, 0, sizeof h);
    size_t n = head_lines(text, h);
    char date[32];
    bool is_date[HEAD_LINES] = {false};
    for (size_t i = 0; i < n; i++) {
        if (date_line(h[i].s, date)) {
            is_date[i] = true;
            if (!*published) {
                *published = xstrdup(date);
            }
        } else if (!*published && dateline(h[i].s, date)) {
            *published = xstrdup(date);
        }
    }
    /* The title is the first line that is not a date, when a blank line
     * (or a date line) follows it: a hard-wrapped paragraph's first line
     * is short too, but it runs on into the next line. */
    for (size_t i = 0; i < n && !*title; i++) {
        if (is_date[i]) {
            continue;
        }
        bool alone = h[i].blank_after || (i + 1 < n && is_date[i + 1]);
        if (alone && title_like(h[i].s) && !dateline(h[i].s, date)) {
            *title = io_strdup(h[i].s);
        }
        break;
    }
    /* A memorandum or a forwarded note names itself in a header line
     * ("Subject: ..."), whatever its letterhead says. */
    for (size_t i = 0; i < n && !*title; i++) {
        static const char *const keys[] = {"Subject:", "Re:"};
        for (size_t k = 0; k < 2 && !*title; k++) {
            str key = str_c(keys[k]);
            if (str_startsi(h[i].s, key)) {
                str rest = str_trim(str_sub(h[i].s, key.len, h[i].s.len));
                if (rest.len && rest.len <= TITLE_MAX) {
                    *title = io_strdup(rest);
                }
            }
        }
    }
}

ds_rc io_import_text(io_job *j, str data, ds_err *e)
{
    io_record r;
    memset(&r, 0, sizeof r);
    buf b;
    buf_init(&b, 0);
    ds_rc rc = io_put_lines(&b, data);
    if (rc != DS_OK) {
        buf_fini(&b);
        return ds_fail(e, rc, "text too large");
    }
    r.text = buf_take(&b, &r.text_len);
    io_text_guess_meta((str){r.text, r.text_len}, &r.title, &r.published);
    return io_emit(j, &r, "", e);
}
