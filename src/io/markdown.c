/* markdown.c - the Markdown importer: markup off, words and paragraph
 * breaks kept.
 *
 * This is not a CommonMark renderer. The NLP pipeline needs the prose, so
 * the importer works line by line: block markers (headings, list bullets,
 * quotes, fences, table rules) are dropped, inline markup (emphasis, code
 * spans, links, images, HTML tags, entities) is reduced to its text, and
 * blank lines survive as paragraph breaks. Constructs spanning lines (a link
 * whose text wraps) keep their brackets; see doc/internals/importers.md.
 *
 * Every look-ahead inside a line is bounded (SCAN_MAX) so that a line of a
 * million '[' costs linear time, not quadratic. */
#include <string.h>

#include "io/io_int.h"
#include "util/utf8.h"
#include "util/xalloc.h"

#define SCAN_MAX 512

/* ---- Detection ---- */

int io_detect_markdown(str data)
{
    str head = str_sub(data, 0, 4096), line;
    if (str_starts(head, STR("---\n")) || str_starts(head, STR("---\r\n"))) {
        return 70; /* YAML front matter */
    }
    int score = 0, n = 0;
    while (n++ < 40 && str_cut(&head, '\n', &line)) {
        if (str_starts(line, STR("# ")) || str_starts(line, STR("## ")) ||
            str_starts(line, STR("```"))) {
            score += 15;
        } else if (str_starts(line, STR("* ")) || str_starts(line, STR("- "))) {
            score += 3;
        }
        if (memmem(line.ptr, line.len, "](", 2)) {
            score += 5;
        }
    }
    return score > 60 ? 60 : score;
}

/* ---- Inline markup ---- */

static bool is_alnum(unsigned char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
           (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool is_punct(unsigned char c)
{
    return c > 0x20 && c < 0x7F && !is_alnum(c);
}

/* Offset of the ']' matching the '[' at s[i], or 0. */
static size_t match_bracket(str s, size_t i, char open, char close)
{
    int depth = 0;
    size_t lim = i + SCAN_MAX < s.len ? i + SCAN_MAX : s.len;
    for (size_t k = i; k < lim; k++) {
        if (s.ptr[k] == '\\') {
            k++;
        } else if (s.ptr[k] == open) {
            depth++;
        } else if (s.ptr[k] == close && --depth == 0) {
            return k;
        }
    }
    return 0;
}

/* Decodes the HTML entity at s[i] ('&') when it is one of the common ones;
 * returns its length or 0. */
static size_t entity(str s, size_t i, buf *out)
{
    static const struct {
        const char *name;
        const char *text;
    } ents[] = {{"&amp;", "&"},
                {"&lt;", "<"},
                {"&gt;", ">"},
                {"&quot;", "\""},
                {"&apos;", "'"},
                {"&nbsp;", " "},
                {"&mdash;", "\xE2\x80\x94"},
                {"&ndash;", "\xE2\x80\x93"},
                {"&hellip;", "\xE2\x80\xA6"}};
    str rest = str_sub(s, i, 12);
    for (size_t k = 0; k < sizeof ents / sizeof ents[0]; k++) {
        if (str_starts(rest, str_c(ents[k].name))) {
            (void)buf_puts(out, ents[k].text);
            return strlen(ents[k].name);
        }
    }
    if (rest.len > 3 && rest.ptr[1] == '#') {
        bool hex = rest.ptr[2] == 'x' || rest.ptr[2] == 'X';
        uint32_t cp = 0;
        size_t k = hex ? 3 : 2, digits = 0;
        for (; k < rest.len && digits < 7; k++, digits++) {
            char c = rest.ptr[k];
            int v = c >= '0' && c <= '9'          ? c - '0'
                    : hex && c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : hex && c >= 'A' && c <= 'F' ? c - 'A' + 10
                                                  : -1;
            if (v < 0) {
                break;
            }
            cp = cp * (hex ? 16 : 10) + (uint32_t)v;
        }
        char enc[4];
        size_t n;
        if (digits && k < rest.len && rest.ptr[k] == ';' && cp != 0 &&
            (n = utf8_encode(cp, enc)) != 0) {
            (void)buf_append(out, enc, n);
            return k + 1;
        }
    }
    return 0;
}

/* Length of an HTML tag or comment at s[i] ('<'), or 0. */
static size_t html_tag(str s, size_t i)
{
    if (i + 1 >= s.len) {
        return 0;
    }
    unsigned char c = (unsigned char)s.ptr[i + 1];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '/' ||
          c == '!' || c == '?')) {
        return 0;
    }
    size_t lim = i + SCAN_MAX < s.len ? i + SCAN_MAX : s.len;
    for (size_t k = i + 1; k < lim; k++) {
        if (s.ptr[k] == '>') {
            return k - i + 1;
        }
        if (s.ptr[k] == '<') {
            return 0;
        }
    }
    return 0;
}

static void inline_text(str s, buf *out, int depth);

/* Emphasis markers (* _ ~~) go when they touch a word on one side; an
 * underscore inside a word (snake_case) and a spaced " * " stay. */
static size_t emphasis(str s, size_t i, buf *out)
{
    char m = s.ptr[i];
    size_t k = i;
    while (k < s.len && s.ptr[k] == m) {
        k++;
    }
    size_t run = k - i;
    unsigned char before = i ? (unsigned char)s.ptr[i - 1] : ' ';
    unsigned char after = k < s.len ? (unsigned char)s.ptr[k] : ' ';
    bool left = after != ' ' && after != '\t';
    bool right = before != ' ' && before != '\t';
    bool drop = left || right;
    if (m == '_' && is_alnum(before) && is_alnum(after)) {
        drop = false;
    }
    if (m == '~' && run < 2) {
        drop = false;
    }
    if (!drop) {
        (void)buf_append(out, s.ptr + i, run);
    }
    return run;
}

static void inline_text(str s, buf *out, int depth)
{
    for (size_t i = 0; i < s.len;) {
        char c = s.ptr[i];
        size_t n;
        if (c == '\\' && i + 1 < s.len &&
            is_punct((unsigned char)s.ptr[i + 1])) {
            (void)buf_putc(out, s.ptr[i + 1]);
            i += 2;
        } else if (c == '`') {
            size_t k = i;
            while (k < s.len && s.ptr[k] == '`') {
                k++;
            }
            size_t run = k - i, end = 0;
            size_t lim = k + SCAN_MAX < s.len ? k + SCAN_MAX : s.len;
            for (size_t q = k; q < lim;) {
                size_t r = q;
                while (r < s.len && s.ptr[r] == '`') {
                    r++;
                }
                if (r - q == run) {
                    end = q;
                    break;
                }
                q = r > q ? r : q + 1;
            }
            if (end) {
                /* Code span: content verbatim, markup inside kept. */
                str code = str_trim(str_sub(s, k, end - k));
                (void)buf_append(out, code.ptr, code.len);
                i = end + run;
            } else {
                (void)buf_append(out, s.ptr + i, run);
                i = k;
            }
        } else if ((c == '[' ||
                    (c == '!' && i + 1 < s.len && s.ptr[i + 1] == '[')) &&
                   depth < 4) {
            size_t open = c == '!' ? i + 1 : i;
            size_t close = match_bracket(s, open, '[', ']');
            size_t tail = 0;
            if (close && close + 1 < s.len && s.ptr[close + 1] == '(') {
                tail = match_bracket(s, close + 1, '(', ')');
            } else if (close && close + 1 < s.len && s.ptr[close + 1] == '[') {
                tail = match_bracket(s, close + 1, '[', ']');
            }
            if (tail) {
                /* [text](url), [text][ref], ![alt](src): the words only. */
                inline_text(str_sub(s, open + 1, close - open - 1), out,
                            depth + 1);
                i = tail + 1;
            } else {
                (void)buf_putc(out, c);
                i++;
            }
        } else if (c == '<') {
            n = html_tag(s, i);
            str inner = str_sub(s, i + 1, n > 2 ? n - 2 : 0);
            if (n && (str_startsi(inner, STR("http://")) ||
                      str_startsi(inner, STR("https://")) ||
                      str_startsi(inner, STR("mailto:")))) {
                (void)buf_append(out, inner.ptr, inner.len); /* autolink */
            } else if (!n) {
                (void)buf_putc(out, c);
                n = 1;
            }
            i += n;
        } else if (c == '&' && (n = entity(s, i, out)) != 0) {
            i += n;
        } else if (c == '*' || c == '_' || c == '~') {
            i += emphasis(s, i, out);
        } else {
            (void)buf_putc(out, c);
            i++;
        }
    }
}

/* ---- Blocks ---- */

static size_t indent_of(str s)
{
    size_t i = 0;
    while (i < s.len && (s.ptr[i] == ' ' || s.ptr[i] == '\t')) {
        i++;
    }
    return i;
}

/* A fence opener/closer: 3+ backticks or tildes. Returns the run length. */
static size_t fence(str t, char *ch)
{
    if (t.len < 3 || (t.ptr[0] != '`' && t.ptr[0] != '~')) {
        return 0;
    }
    size_t k = 0;
    while (k < t.len && t.ptr[k] == t.ptr[0]) {
        k++;
    }
    if (k < 3) {
        return 0;
    }
    *ch = t.ptr[0];
    return k;
}

/* A line of only -, * or _ (3 or more, spaces allowed), or of '='. */
static bool rule_line(str t, char *ch)
{
    size_t count = 0;
    char m = 0;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        if (c == ' ' || c == '\t') {
            continue;
        }
        if ((c != '-' && c != '*' && c != '_' && c != '=') || (m && c != m)) {
            return false;
        }
        m = c;
        count++;
    }
    *ch = m;
    return count >= 3 || (m == '=' && count >= 1);
}

static str strip_list_marker(str t)
{
    if (t.len >= 2 && (t.ptr[0] == '-' || t.ptr[0] == '*' || t.ptr[0] == '+') &&
        (t.ptr[1] == ' ' || t.ptr[1] == '\t')) {
        t = str_sub(t, 2, t.len);
    } else {
        size_t k = 0;
        while (k < t.len && k < 9 && t.ptr[k] >= '0' && t.ptr[k] <= '9') {
            k++;
        }
        if (k && k + 1 < t.len && (t.ptr[k] == '.' || t.ptr[k] == ')') &&
            t.ptr[k + 1] == ' ') {
            t = str_sub(t, k + 2, t.len);
        } else {
            return t;
        }
    }
    t = str_trim(t);
    if (str_starts(t, STR("[ ] ")) || str_startsi(t, STR("[x] "))) {
        t = str_sub(t, 4, t.len);
    }
    return t;
}

/* "[id]: http://..." reference definitions carry no prose. */
static bool ref_definition(str t)
{
    if (t.len < 4 || t.ptr[0] != '[') {
        return false;
    }
    size_t close = match_bracket(t, 0, '[', ']');
    return close && close + 1 < t.len && t.ptr[close + 1] == ':';
}

static bool table_rule(str t)
{
    bool dash = false, pipe = false;
    for (size_t i = 0; i < t.len; i++) {
        char c = t.ptr[i];
        dash |= c == '-';
        pipe |= c == '|';
        if (c != '-' && c != '|' && c != ':' && c != ' ' && c != '\t') {
            return false;
        }
    }
    return dash && pipe;
}

static char *unquote(str v)
{
    v = str_trim(v);
    if (v.len >= 2 && (v.ptr[0] == '"' || v.ptr[0] == '\'') &&
        v.ptr[v.len - 1] == v.ptr[0]) {
        v = str_sub(v, 1, v.len - 2);
    }
    return v.len ? io_strdup(v) : NULL;
}

static void set_once(char **field, char *v)
{
    if (*field || !v) {
        xfree(v);
        return;
    }
    *field = v;
}

/* YAML front matter: simple "key: value" lines between "---" lines. Returns
 * the text after it (all of `text` when there is none). */
static str front_matter(io_job *j, str text, io_record *r)
{
    if (!str_starts(text, STR("---\n"))) {
        return text;
    }
    str rest = str_sub(text, 4, text.len), line;
    str body = rest;
    while (str_cut(&rest, '\n', &line)) {
        str t = str_trim(line);
        if (str_eq(t, STR("---")) || str_eq(t, STR("..."))) {
            body = rest;
            goto found;
        }
    }
    return text; /* no closing line: not front matter */
found:
    rest = str_sub(text, 4, (size_t)(body.ptr - text.ptr) - 4);
    while (str_cut(&rest, '\n', &line)) {
        str key;
        str v = line;
        if (!str_cut(&v, ':', &key) || !v.ptr || key.len == 0 ||
            key.ptr[0] == ' ') {
            continue;
        }
        key = str_trim(key);
        char date[32];
        if (str_eqi(key, STR("title"))) {
            set_once(&r->title, unquote(v));
        } else if (str_eqi(key, STR("date")) ||
                   str_eqi(key, STR("published")) ||
                   str_eqi(key, STR("published_at"))) {
            char *d = unquote(v);
            if (d && io_date_parse(str_c(d), date)) {
                set_once(&r->published, xstrdup(date));
            } else if (d) {
                io_diagf(j, "front matter", "unrecognised date '%.60s'", d);
            }
            xfree(d);
        } else if (str_eqi(key, STR("url")) || str_eqi(key, STR("link"))) {
            set_once(&r->url, unquote(v));
        } else if (str_eqi(key, STR("source"))) {
            set_once(&r->source, unquote(v));
        } else if (str_eqi(key, STR("author"))) {
            set_once(&r->author, unquote(v));
        }
    }
    return body;
}

ds_rc io_import_markdown(io_job *j, str data, ds_err *e)
{
    io_record r;
    memset(&r, 0, sizeof r);
    buf lines, out;
    buf_init(&lines, 0);
    buf_init(&out, 0);
    ds_rc rc = io_put_lines(&lines, data);
    if (rc != DS_OK) {
        buf_fini(&lines);
        return ds_fail(e, rc, "text too large");
    }
    str rest = front_matter(j, buf_str(&lines), &r), line;
    char fence_ch = 0;
    size_t fence_len = 0;
    bool heading_seen = false; /* a title from a lower-level heading */
    char *first_heading = NULL;
    /* The previous paragraph line, for setext headings ("Title\n====="). */
    size_t prev_start = 0;
    bool prev_text = false;
    while (str_cut(&rest, '\n', &line)) {
        if (fence_len) {
            char ch;
            str t = str_trim(line);
            if (fence(t, &ch) >= fence_len && ch == fence_ch &&
                str_trim(str_sub(t, fence_len, t.len)).len == 0) {
                fence_len = 0;
                (void)buf_puts(&out, "\n");
            } else {
                (void)buf_append(&out, line.ptr, line.len);
                (void)buf_putc(&out, '\n');
            }
            continue;
        }
        size_t ind = indent_of(line);
        str t = str_trim(line);
        char ch;
        size_t fl;
        bool was_text = prev_text;
        prev_text = false;
        if (t.len == 0) {
            (void)buf_putc(&out, '\n');
            continue;
        }
        if (ind < 4 && (fl = fence(t, &ch)) != 0 &&
            (ch == '~' || !memchr(t.ptr + fl, '`', t.len - fl))) {
            fence_ch = ch;
            fence_len = fl;
            (void)buf_puts(&out, "\n");
            continue;
        }
        while (t.len && t.ptr[0] == '>') {
            t = str_trim(str_sub(t, 1, t.len));
        }
        if (rule_line(t, &ch)) {
            if (was_text && (ch == '=' || ch == '-')) {
                /* Setext heading: the line before was the heading. */
                str h = str_trim(
                    str_sub(buf_str(&out), prev_start, out.len - prev_start));
                if (ch == '=' && !r.title) {
                    r.title = io_strdup(h);
                } else if (!first_heading) {
                    first_heading = io_strdup(h);
                }
            }
            (void)buf_puts(&out, "\n");
            continue;
        }
        if (t.ptr[0] == '#') {
            size_t level = 0;
            while (level < t.len && t.ptr[level] == '#') {
                level++;
            }
            if (level <= 6 && (level == t.len || t.ptr[level] == ' ')) {
                str h = str_trim(str_sub(t, level, t.len));
                while (h.len && h.ptr[h.len - 1] == '#') {
                    h.len--;
                }
                h = str_trim(h);
                size_t start = out.len;
                (void)buf_putc(&out, '\n');
                inline_text(h, &out, 0);
                str done = str_trim(str_sub(buf_str(&out), start, out.len));
                if (level == 1 && !r.title && done.len) {
                    r.title = io_strdup(done);
                } else if (!first_heading && done.len) {
                    first_heading = io_strdup(done);
                }
                heading_seen = true;
                (void)buf_puts(&out, "\n\n");
                continue;
            }
        }
        if (ref_definition(t) || table_rule(t)) {
            continue;
        }
        t = strip_list_marker(t);
        if (t.len && t.ptr[0] == '|') {
            t = str_sub(t, 1, t.len);
            if (t.len && t.ptr[t.len - 1] == '|') {
                t.len--;
            }
            t = str_trim(t);
        }
        prev_start = out.len;
        inline_text(t, &out, 0);
        (void)buf_putc(&out, '\n');
        prev_text = true;
    }
    if (!r.title && first_heading) {
        r.title = first_heading;
        first_heading = NULL;
    }
    xfree(first_heading);
    str text = buf_str(&out);
    /* Without headings, the plain-text rules guess a title; the date
     * rules (date line, dateline) apply either way. */
    char *no_title = NULL;
    io_text_guess_meta(text, heading_seen || r.title ? &no_title : &r.title,
                       &r.published);
    xfree(no_title);
    r.text = buf_take(&out, &r.text_len);
    rc = io_emit(j, &r, "", e);
    buf_fini(&lines);
    return rc;
}
