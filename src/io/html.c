/* html.c - the HTML importer: charset, gumbo parse, main text, metadata.
 *
 * A news page is mostly boilerplate (navigation, share buttons, related
 * links, cookie banners); the analyst wants the article. We prefer the
 * page's own markup of its content (<article>, then <main> or
 * role="main", then <body>), drop elements that are never prose (script,
 * nav, aside, forms, ...) and turn block structure into paragraph breaks,
 * since later stages split sentences on them.
 *
 * Metadata follows the conventions publishers use for search engines and
 * social cards (Open Graph, Dublin Core, article:published_time, canonical
 * links), falling back on <title>, <h1> and <time datetime>.
 *
 * The tree is walked iteratively with an explicit stack: HTML5 puts no
 * limit on nesting depth, and hostile input must not exhaust the C stack. */
#include <string.h>

#include <gumbo.h>

#include "io/io_int.h"
#include "util/utf8.h"
#include "util/xalloc.h"

/* ---- Detection ---- */

static str skip_ws_comments(str s)
{
    for (;;) {
        s = str_trim(s);
        if (!str_starts(s, STR("<!--"))) {
            return s;
        }
        const char *end = memmem(s.ptr, s.len, "-->", 3);
        if (!end) {
            return s;
        }
        s = str_sub(s, (size_t)(end - s.ptr) + 3, s.len);
    }
}

static bool contains_ci(str s, const char *needle)
{
    str n = str_c(needle);
    for (size_t i = 0; i + n.len <= s.len; i++) {
        if (str_startsi(str_sub(s, i, n.len), n)) {
            return true;
        }
    }
    return false;
}

int io_detect_html(str data)
{
    str s = skip_ws_comments(str_sub(data, 0, 4096));
    if (str_startsi(s, STR("<!doctype html"))) {
        return 95;
    }
    if (str_startsi(s, STR("<html"))) {
        return 90;
    }
    if (str_startsi(s, STR("<?xml")) && contains_ci(s, "<html")) {
        return 85;
    }
    if (s.len && s.ptr[0] == '<' &&
        (contains_ci(s, "<body") || contains_ci(s, "<head") ||
         contains_ci(s, "<div") || contains_ci(s, "<p>") ||
         contains_ci(s, "<p ") || contains_ci(s, "<article"))) {
        return 60;
    }
    return 0;
}

/* ---- Charset ---- */

/* The charset label of the first <meta charset=...> or <meta
 * http-equiv=Content-Type content="...; charset=..."> in the first 4 KiB
 * (the HTML5 prescan looks at 1024 bytes; pages in the wild are sloppier).
 * Writes it into out; false when there is none. */
static bool meta_charset(str s, char out[48])
{
    s = str_sub(s, 0, 4096);
    for (size_t i = 0; i + 5 < s.len; i++) {
        if (!str_startsi(str_sub(s, i, 5), STR("<meta"))) {
            continue;
        }
        const char *gt = memchr(s.ptr + i, '>', s.len - i);
        str tag = str_sub(s, i, gt ? (size_t)(gt - s.ptr) - i : s.len - i);
        for (size_t k = 0; k + 7 < tag.len; k++) {
            if (!str_startsi(str_sub(tag, k, 7), STR("charset"))) {
                continue;
            }
            size_t p = k + 7;
            while (p < tag.len && tag.ptr[p] == ' ') {
                p++;
            }
            if (p >= tag.len || tag.ptr[p] != '=') {
                continue;
            }
            p++;
            while (p < tag.len && (tag.ptr[p] == ' ' || tag.ptr[p] == '"' ||
                                   tag.ptr[p] == '\'')) {
                p++;
            }
            size_t n = 0;
            while (p + n < tag.len && n < 47) {
                char c = tag.ptr[p + n];
                if (c == '"' || c == '\'' || c == ';' || c == ' ' || c == '/' ||
                    c == '>') {
                    break;
                }
                out[n++] = c;
            }
            out[n] = '\0';
            return n > 0;
        }
    }
    return false;
}

ds_rc io_html_decode(io_job *j, str raw, const char *hint, buf *out,
                     size_t *n_repl, ds_err *e)
{
    char label[48];
    const char *cs = NULL;
    if (hint && hint[0]) {
        cs = hint; /* the transport's word beats the document's */
    } else if (meta_charset(raw, label)) {
        cs = label;
    }
    return io_decode(j, raw, cs, "", out, n_repl, e);
}

/* ---- Nesting guard ---- */

/* gumbo's tree construction scans the stack of open elements for most
 * start tags, so its cost is (number of tags) x (nesting depth): 200,000
 * nested <div>s take minutes. Real pages nest a few hundred levels at
 * most, so before parsing we estimate the depth from the tags (void and
 * self-closing-in-practice elements do not count, comments and
 * script/style content are skipped) and refuse deeper documents. */
#define MAX_NESTING 1000

static bool opens_level(str name)
{
    static const char *const flat[] = {
        "area",     "base",   "br",       "col",     "embed",    "hr",
        "img",      "input",  "link",     "meta",    "param",    "source",
        "track",    "wbr",    "p",        "li",      "dt",       "dd",
        "tr",       "td",     "th",       "option",  "optgroup", "rb",
        "rt",       "rp",     "thead",    "tbody",   "tfoot",    "colgroup",
        "caption",  "keygen", "basefont", "bgsound", "frame",    "image",
        "menuitem", "a",      "nobr"};
    for (size_t i = 0; i < sizeof flat / sizeof flat[0]; i++) {
        if (str_eqi(name, str_c(flat[i]))) {
            return false;
        }
    }
    return true;
}

/* Offset where the estimated depth passes MAX_NESTING, or s.len. */
static size_t too_deep(str s)
{
    size_t depth = 0;
    for (size_t i = 0; i + 1 < s.len; i++) {
        if (s.ptr[i] != '<') {
            continue;
        }
        const char *p = s.ptr + i + 1, *end = s.ptr + s.len;
        if (*p == '!' && str_starts(str_sub(s, i, 4), STR("<!--"))) {
            const char *c = memmem(p, (size_t)(end - p), "-->", 3);
            i = c ? (size_t)(c - s.ptr) + 2 : s.len;
            continue;
        }
        if (*p == '/') {
            depth -= depth > 0;
            continue;
        }
        size_t n = 0;
        while (p + n < end && n < 16 &&
               ((p[n] >= 'a' && p[n] <= 'z') || (p[n] >= 'A' && p[n] <= 'Z') ||
                (n && p[n] >= '0' && p[n] <= '9'))) {
            n++;
        }
        str name = {p, n};
        if (n == 0 || !opens_level(name)) {
            continue;
        }
        if (str_eqi(name, STR("script")) || str_eqi(name, STR("style"))) {
            /* Raw text: "<div>" inside a script string is no element. */
            const char *c = memmem(p, (size_t)(end - p), "</", 2);
            while (c &&
                   !str_startsi((str){c + 2, (size_t)(end - c - 2)}, name)) {
                c = memmem(c + 2, (size_t)(end - c - 2), "</", 2);
            }
            i = c ? (size_t)(c - s.ptr) : s.len;
            continue;
        }
        if (++depth > MAX_NESTING) {
            return i;
        }
    }
    return s.len;
}

/* ---- Tree walking ---- */

typedef struct frame {
    const GumboNode *node;
    unsigned child;
} frame;

/* Visitor: enter returns false to skip the node's children. */
typedef struct visitor {
    bool (*enter)(void *ctx, const GumboNode *n);
    void (*leave)(void *ctx, const GumboNode *n);
    void *ctx;
} visitor;

static const GumboVector *children(const GumboNode *n)
{
    if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) {
        return &n->v.element.children;
    }
    if (n->type == GUMBO_NODE_DOCUMENT) {
        return &n->v.document.children;
    }
    return NULL;
}

static void walk(const GumboNode *root, const visitor *v)
{
    frame *stack = NULL;
    size_t cap = 0, depth = 0;
    if (v->enter(v->ctx, root)) {
        stack = xgrow(stack, &cap, 1, sizeof *stack);
        stack[depth++] = (frame){root, 0};
    } else if (v->leave) {
        v->leave(v->ctx, root);
    }
    while (depth) {
        frame *f = &stack[depth - 1];
        const GumboVector *kids = children(f->node);
        if (!kids || f->child >= kids->length) {
            if (v->leave) {
                v->leave(v->ctx, f->node);
            }
            depth--;
            continue;
        }
        const GumboNode *c = kids->data[f->child++];
        if (v->enter(v->ctx, c)) {
            stack = xgrow(stack, &cap, depth + 1, sizeof *stack);
            stack[depth++] = (frame){c, 0};
        } else if (v->leave) {
            v->leave(v->ctx, c);
        }
    }
    xfree(stack);
}

static GumboTag tag_of(const GumboNode *n)
{
    return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE
               ? n->v.element.tag
               : GUMBO_TAG_UNKNOWN;
}

static const char *attr(const GumboNode *n, const char *name)
{
    if (n->type != GUMBO_NODE_ELEMENT) {
        return NULL;
    }
    const GumboAttribute *a =
        gumbo_get_attribute(&n->v.element.attributes, name);
    return a ? a->value : NULL;
}

static bool attr_is(const GumboNode *n, const char *name, const char *value)
{
    const char *v = attr(n, name);
    return v && str_eqi(str_trim(str_c(v)), str_c(value));
}

/* Elements that never hold the article's prose. */
static bool never_prose(const GumboNode *n)
{
    switch (tag_of(n)) {
    case GUMBO_TAG_HEAD:
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_FORM:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_AUDIO:
    case GUMBO_TAG_VIDEO:
    case GUMBO_TAG_TITLE:
        return true;
    default:
        break;
    }
    if (n->type == GUMBO_NODE_TEMPLATE) {
        return true;
    }
    return attr(n, "hidden") != NULL || attr_is(n, "aria-hidden", "true") ||
           attr_is(n, "role", "navigation") ||
           attr_is(n, "role", "complementary");
}

/* Line-break weight of an element: 3 paragraph, 2 line, 1 space, 0 none. */
static int block_weight(GumboTag t)
{
    switch (t) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_H1:
    case GUMBO_TAG_H2:
    case GUMBO_TAG_H3:
    case GUMBO_TAG_H4:
    case GUMBO_TAG_H5:
    case GUMBO_TAG_H6:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_CENTER:
    case GUMBO_TAG_BODY:
        return 3;
    case GUMBO_TAG_LI:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_OPTION:
        return 2;
    case GUMBO_TAG_TD:
    case GUMBO_TAG_TH:
        return 1;
    default:
        return 0;
    }
}

/* ---- Text extraction ---- */

typedef struct extractor {
    buf *out;
    int pending;  /* break owed before the next text: 0-3 as block_weight */
    int pre;      /* depth inside <pre> */
    bool is_body; /* the root is <body>: site header/footer are boilerplate */
    const GumboNode *root;
} extractor;

static void flush(extractor *x)
{
    if (x->out->len && x->pending) {
        (void)buf_puts(x->out, x->pending == 3   ? "\n\n"
                               : x->pending == 2 ? "\n"
                                                 : " ");
    }
    x->pending = 0;
}

static void put_text(extractor *x, const char *t)
{
    size_t n = strlen(t);
    if (x->pre) {
        flush(x);
        (void)buf_append(x->out, t, n);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)t[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
            if (!x->pending) {
                x->pending = 1;
            }
            continue;
        }
        if (c == 0xC2 && i + 1 < n && (unsigned char)t[i + 1] == 0xA0) {
            if (!x->pending) { /* no-break space: a space for the NLP */
                x->pending = 1;
            }
            i++;
            continue;
        }
        flush(x);
        (void)buf_putc(x->out, (char)c);
    }
}

static void owe(extractor *x, int w)
{
    if (w > x->pending) {
        x->pending = w;
    }
}

static bool ex_enter(void *ctx, const GumboNode *n)
{
    extractor *x = ctx;
    switch (n->type) {
    case GUMBO_NODE_TEXT:
    case GUMBO_NODE_CDATA:
    case GUMBO_NODE_WHITESPACE:
        put_text(x, n->v.text.text);
        return false;
    case GUMBO_NODE_ELEMENT:
        break;
    default:
        return n->type == GUMBO_NODE_DOCUMENT;
    }
    GumboTag t = n->v.element.tag;
    if (n != x->root && never_prose(n)) {
        return false;
    }
    if (x->is_body && n != x->root &&
        (t == GUMBO_TAG_HEADER || t == GUMBO_TAG_FOOTER ||
         attr_is(n, "role", "banner") || attr_is(n, "role", "contentinfo"))) {
        return false;
    }
    if (t == GUMBO_TAG_BR) {
        owe(x, x->pending >= 2 ? 3 : 2);
        return false;
    }
    owe(x, block_weight(t));
    if (t == GUMBO_TAG_PRE) {
        x->pre++;
    }
    return true;
}

static void ex_leave(void *ctx, const GumboNode *n)
{
    extractor *x = ctx;
    if (n->type != GUMBO_NODE_ELEMENT) {
        return;
    }
    GumboTag t = n->v.element.tag;
    if (t == GUMBO_TAG_PRE && x->pre) {
        x->pre--;
    }
    if (t != GUMBO_TAG_BR) {
        owe(x, block_weight(t));
    }
}

/* The text of a subtree as one line (for <title>, <h1>). */
static char *text_of(const GumboNode *n)
{
    buf b;
    buf_init(&b, 0);
    extractor x = {&b, 0, 0, false, n};
    visitor v = {ex_enter, ex_leave, &x};
    walk(n, &v);
    return buf_take(&b, NULL);
}

/* ---- Metadata and the content root ---- */

typedef struct meta {
    const GumboNode *title, *h1, *body, *main, *time;
    const GumboNode *articles[16];
    size_t n_articles;
    int article_depth; /* inside an <article>: nested ones are parts */
    const char *og_title, *og_url, *canonical, *site, *author;
    const char *dates[8]; /* by priority, see date_rank */
} meta;

/* Where a date meta tag ranks: 0 is best, -1 not a date tag. The
 * article-specific tags come before generic "date" ones, which some CMSs
 * fill with the page's modification time. */
static int date_rank(const char *key)
{
    static const char *const keys[] = {"article:published_time",
                                       "datepublished",
                                       "og:published_time",
                                       "dc.date.issued",
                                       "dcterms.issued",
                                       "pubdate|publishdate|"
                                       "publish-date|"
                                       "publication_date|"
                                       "parsely-pub-date|"
                                       "sailthru.date|"
                                       "citation_publication_date",
                                       "dc.date|dcterms.date|dcterms.created",
                                       "date"};
    str k = str_c(key);
    for (int i = 0; i < 8; i++) {
        str alts = str_c(keys[i]), one;
        while (str_cut(&alts, '|', &one)) {
            if (str_eqi(one, k)) {
                return i;
            }
        }
    }
    return -1;
}

static bool has_token(const char *list, const char *tok)
{
    str l = str_c(list), one;
    while (str_cut(&l, ' ', &one)) {
        if (str_eqi(one, str_c(tok))) {
            return true;
        }
    }
    return false;
}

static bool meta_enter(void *ctx, const GumboNode *n)
{
    meta *m = ctx;
    if (n->type == GUMBO_NODE_DOCUMENT) {
        return true;
    }
    if (n->type != GUMBO_NODE_ELEMENT) {
        return false;
    }
    const char *key, *content;
    switch (n->v.element.tag) {
    case GUMBO_TAG_TITLE:
        if (!m->title) {
            m->title = n;
        }
        return false;
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
        return false;
    case GUMBO_TAG_META:
        key = attr(n, "property");
        if (!key) {
            key = attr(n, "name");
        }
        if (!key) {
            key = attr(n, "itemprop");
        }
        content = attr(n, "content");
        if (!key || !content) {
            return false;
        }
        if (str_eqi(str_c(key), STR("og:title")) && !m->og_title) {
            m->og_title = content;
        } else if (str_eqi(str_c(key), STR("og:url")) && !m->og_url) {
            m->og_url = content;
        } else if (str_eqi(str_c(key), STR("og:site_name")) && !m->site) {
            m->site = content;
        } else if ((str_eqi(str_c(key), STR("author")) ||
                    str_eqi(str_c(key), STR("dc.creator")) ||
                    (str_eqi(str_c(key), STR("article:author")) &&
                     !str_startsi(str_c(content), STR("http")))) &&
                   !m->author) {
            m->author = content;
        } else {
            int r = date_rank(key);
            if (r >= 0 && !m->dates[r]) {
                m->dates[r] = content;
            }
        }
        return false;
    case GUMBO_TAG_LINK:
        if (has_token(attr(n, "rel"), "canonical") && !m->canonical) {
            m->canonical = attr(n, "href");
        }
        return false;
    case GUMBO_TAG_BODY:
        if (!m->body) {
            m->body = n;
        }
        return true;
    case GUMBO_TAG_MAIN:
        if (!m->main) {
            m->main = n;
        }
        return true;
    case GUMBO_TAG_ARTICLE:
        if (m->article_depth == 0 && m->n_articles < 16) {
            m->articles[m->n_articles++] = n;
        }
        m->article_depth++;
        return true;
    case GUMBO_TAG_H1:
        if (!m->h1) {
            m->h1 = n;
        }
        return false;
    default:
        if (!m->main && attr_is(n, "role", "main")) {
            m->main = n;
        }
        return true;
    }
}

static void meta_leave(void *ctx, const GumboNode *n)
{
    meta *m = ctx;
    if (tag_of(n) == GUMBO_TAG_ARTICLE && m->article_depth > 0) {
        m->article_depth--;
    }
}

static bool time_enter(void *ctx, const GumboNode *n)
{
    const GumboNode **found = ctx;
    if (*found || never_prose(n)) {
        return false;
    }
    if (tag_of(n) == GUMBO_TAG_TIME && attr(n, "datetime")) {
        *found = n;
        return false;
    }
    return n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_DOCUMENT;
}

static void *g_alloc(void *ud, size_t n)
{
    (void)ud;
    return xmalloc(n);
}

static void g_free(void *ud, void *p)
{
    (void)ud;
    xfree(p);
}

static char *dup_or_null(const char *s)
{
    str t = str_trim(str_c(s));
    return t.len ? io_strdup(t) : NULL;
}

/* Extracts the text under root into a new string. */
static char *extract(const GumboNode *root, bool is_body, size_t *len)
{
    buf b;
    buf_init(&b, 0);
    extractor x = {&b, 0, 0, is_body, root};
    visitor v = {ex_enter, ex_leave, &x};
    walk(root, &v);
    return buf_take(&b, len);
}

ds_rc io_html_extract(io_job *j, str html, io_record *r, ds_err *e)
{
    size_t deep = too_deep(html);
    if (deep < html.len) {
        return ds_fail(e, DS_EFORMAT,
                       "HTML nested more than %d elements deep (at byte "
                       "%zu); refusing to parse",
                       MAX_NESTING, deep);
    }
    GumboOptions opt = kGumboDefaultOptions;
    opt.allocator = g_alloc;
    opt.deallocator = g_free;
    opt.max_errors = 0; /* we never read gumbo's error list */
    GumboOutput *g = gumbo_parse_with_options(&opt, html.ptr, html.len);
    meta m;
    memset(&m, 0, sizeof m);
    visitor mv = {meta_enter, meta_leave, &m};
    walk(g->document, &mv);

    /* The content root: the biggest top-level <article> (listing pages
     * have several), unless it is a stub; then <main>; then <body>. */
    size_t len = 0;
    char *text = NULL;
    const GumboNode *root = NULL;
    for (size_t i = 0; i < m.n_articles; i++) {
        size_t n;
        char *t = extract(m.articles[i], false, &n);
        if (n > len) {
            xfree(text);
            text = t;
            len = n;
            root = m.articles[i];
        } else {
            xfree(t);
        }
    }
    if (len < 80 && m.main) {
        /* <main> is the page's own word, whatever its length. */
        xfree(text);
        root = m.main;
        text = extract(root, false, &len);
    }
    if (len == 0 || (!m.main && len < 80)) {
        xfree(text);
        root = m.body ? m.body : g->root;
        text = extract(root, true, &len);
    }
    if (!r->text) {
        r->text = text;
        r->text_len = len;
    } else {
        xfree(text);
    }

    const char *title = m.og_title;
    char *owned = NULL;
    if (!title && m.title) {
        title = owned = text_of(m.title);
    }
    if ((!title || str_trim(str_c(title)).len == 0) && m.h1) {
        xfree(owned);
        title = owned = text_of(m.h1);
    }
    if (!r->title) {
        r->title = dup_or_null(title);
    }
    xfree(owned);
    if (!r->url) {
        r->url = dup_or_null(m.canonical ? m.canonical : m.og_url);
    }
    if (!r->source) {
        r->source = dup_or_null(m.site);
    }
    if (!r->author) {
        r->author = dup_or_null(m.author);
    }
    if (!r->published) {
        char date[32];
        const GumboNode *tm = NULL;
        walk(root, &(visitor){time_enter, NULL, (void *)&tm});
        for (int i = 0; i < 8 && !r->published; i++) {
            if (m.dates[i] && io_date_parse(str_c(m.dates[i]), date)) {
                r->published = xstrdup(date);
            }
        }
        if (!r->published && tm &&
            io_date_parse(str_c(attr(tm, "datetime")), date)) {
            r->published = xstrdup(date);
        }
        if (!r->published && (m.dates[0] || tm)) {
            io_diagf(j, "", "unrecognised date '%.60s'",
                     m.dates[0] ? m.dates[0] : attr(tm, "datetime"));
        }
    }
    gumbo_destroy_output(&opt, g);
    return DS_OK;
}

ds_rc io_import_html(io_job *j, str data, ds_err *e)
{
    io_record r;
    memset(&r, 0, sizeof r);
    buf dec;
    buf_init(&dec, 0);
    size_t repl = 0;
    ds_rc rc = io_html_decode(j, data, NULL, &dec, &repl, e);
    if (rc == DS_OK) {
        rc = io_html_extract(j, buf_str(&dec), &r, e);
    }
    buf_fini(&dec);
    if (rc != DS_OK) {
        io_record_fini(&r);
        return rc;
    }
    r.n_replaced = repl;
    return io_emit(j, &r, "", e);
}
