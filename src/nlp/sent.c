/* sent.c - features and decision of the learned sentence splitter (sent.h).
 *
 * Every feature is a hash of a template id and one or two values (ap.h).
 * A token is summarized once per candidate (tinfo: hashes of the form,
 * the ASCII-lower-cased form and the shape, a length bucket); templates
 * then combine those. Tokens outside the paragraph read as the sentinels
 * "<bop>" / "<eop>", so a gap at the end of a paragraph looks the same in
 * training and at inference. */
#include "nlp/sent.h"

#include <string.h>

#include "nlp/ap.h"
#include "util/utf8.h"
#include "util/xalloc.h"

struct sent_model {
    model_file *mf;
    ap_model *ap;
    int32_t threshold;
};

/* ---- Loading ---- */

static uint32_t rd32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

ds_rc sent_model_from(model_file *mf, sent_model **out_m, ds_err *e)
{
    *out_m = NULL;
    const void *p;
    size_t len;
    ds_rc rc;
    if (model_kind_of(mf) != SENT_MODEL_KIND) {
        rc = ds_fail(e, DS_EFORMAT, "%s: not a sentence model (kind %u)",
                     model_name(mf), model_kind_of(mf));
        model_close(mf);
        return rc;
    }
    if ((rc = model_need(mf, "snt.cfg", &p, &len, e)) != DS_OK) {
        model_close(mf);
        return rc;
    }
    if (len != 8 || rd32(p) != SENT_CFG_VERSION) {
        rc =
            ds_fail(e, DS_EFORMAT, "%s: bad section 'snt.cfg'", model_name(mf));
        model_close(mf);
        return rc;
    }
    ap_model *ap;
    if ((rc = ap_model_load(mf, "snt", &ap, e)) != DS_OK) {
        model_close(mf);
        return rc;
    }
    if (ap_n_classes(ap) != 2) {
        rc = ds_fail(e, DS_EFORMAT, "%s: sentence model needs 2 classes",
                     model_name(mf));
        ap_model_free(ap);
        model_close(mf);
        return rc;
    }
    sent_model *m = xcalloc(1, sizeof *m);
    m->mf = mf;
    m->ap = ap;
    m->threshold = (int32_t)rd32((const unsigned char *)p + 4);
    *out_m = m;
    return DS_OK;
}

ds_rc sent_model_open(const char *path, sent_model **out_m, ds_err *e)
{
    *out_m = NULL;
    model_file *mf;
    ds_rc rc = model_open_file(path, &mf, e);
    if (rc != DS_OK) {
        return rc;
    }
    return sent_model_from(mf, out_m, e);
}

void sent_model_free(sent_model *m)
{
    if (!m) {
        return;
    }
    ap_model_free(m->ap);
    model_close(m->mf);
    xfree(m);
}

int32_t sent_model_threshold(const sent_model *m)
{
    return m->threshold;
}

float sent_model_scale(const sent_model *m)
{
    return ap_scale(m->ap);
}

/* ---- Token summaries ---- */

/* Feature templates. Part of the model: renumbering needs retraining. */
enum {
    T_BIAS = 1,
    T_TYPE,
    T_RULE,
    T_NL,
    T_PREV_LOW,
    T_PREV2_LOW,
    T_TERM,
    T_BEFORE_LOW,
    T_BEFORE_SHAPE,
    T_BEFORE_LEN,
    T_ABBR,
    T_INITIAL,
    T_NEXT_LOW,
    T_NEXT_SHAPE,
    T_NEXT_FORM,
    T_NEXT2_LOW,
    T_NEXT2_SHAPE,
    T_NEXT_STARTER,
    T_PREV_SHAPE,
    T_PREV_KIND,
    T_NEXT_KIND,
    T_PREV_NEXT_SHAPE,
    T_PREV_LOW_NEXT_SHAPE,
    T_PREV_SHAPE_NEXT_LOW,
    T_POS_SENT,
    T_POS_PARA,
    T_TO_PARA_END,
    T_CAPS,
    T_CLOSER,
    T_NEXT_GLUED,
    T_NEXT_NEXT2_SHAPE,
    T_TERM_NEXT_SHAPE,
    T_PREV_LEN,
    T_RULE_NEXT_SHAPE,
    T_PREV2_SHAPE_PREV_SHAPE
};

typedef struct tinfo {
    uint64_t form, low, shape;
    uint32_t len; /* bytes */
    uint8_t kind; /* tok_kind, or TOK_KIND_COUNT for a sentinel */
    bool cap;     /* starts with a capital letter */
} tinfo;

static uint8_t bucket(size_t v)
{
    static const uint8_t b[] = {0, 1, 2, 3, 4, 4, 5, 5, 5, 5};
    if (v < sizeof b) {
        return b[v];
    }
    return v < 20 ? 6 : v < 40 ? 7 : 8;
}

/* The values of the sentinels "<bop>" and "<eop>" (fixed: part of the
 * model). */
#define H_BOP 0x5b0f1d3c7a9e2b41ULL
#define H_EOP 0x6c1e2f4d8b0a3c52ULL

static void sentinel(tinfo *t, const char *name)
{
    uint64_t h = name[1] == 'b' ? H_BOP : H_EOP;
    *t = (tinfo){h, h, h, 0, TOK_KIND_COUNT, false};
}

/* Shape: upper X, lower x, digit d, other ASCII itself, other non-ASCII
 * u (letters) or o; runs of one class collapse to one character; at most
 * 12 characters. */
static void summarize(const char *s, size_t n, const tok_span *tk, tinfo *t)
{
    const char *p = s + tk->off;
    size_t len = tk->len;
    char low[48], shp[12];
    size_t nl = 0, ns = 0;
    char last = 0;
    bool lowered = false;
    t->form = ap_hash(p, len);
    t->len = (uint32_t)len;
    t->kind = tk->kind;
    t->cap = false;
    for (size_t i = 0; i < len;) {
        unsigned char c = (unsigned char)p[i];
        char cls;
        size_t step = 1;
        if (c < 0x80) {
            if (c >= 'A' && c <= 'Z') {
                cls = 'X';
                c = (unsigned char)(c + 32);
                lowered = true;
            } else if (c >= 'a' && c <= 'z') {
                cls = 'x';
            } else if (c >= '0' && c <= '9') {
                cls = 'd';
            } else {
                cls = (char)c;
            }
            if (nl < sizeof low) {
                low[nl++] = (char)c;
            }
        } else {
            uint32_t cp;
            step = utf8_next(p + i, s + n, &cp);
            if (step == 0) {
                step = 1;
            }
            cls = 'u';
            for (size_t k = 0; k < step && nl < sizeof low; k++) {
                low[nl++] = p[i + k];
            }
        }
        if (i == 0) {
            t->cap = cls == 'X';
        }
        if (cls != last && ns < sizeof shp) {
            shp[ns++] = cls;
            last = cls;
        }
        i += step;
    }
    t->low = len <= sizeof low && lowered ? ap_hash(low, nl) : t->form;
    t->shape = ap_hash(shp, ns);
}

/* The summary of token i, or a sentinel outside [lo, hi). Summaries are
 * kept in the run's memo (direct-mapped on the token index). */
static void info_at(const tok_cand *c, size_t i, size_t lo, size_t hi, tinfo *t)
{
    if (i < lo || i >= hi || i >= c->r->n_toks) {
        sentinel(t, i < lo ? "<bop>" : "<eop>");
        return;
    }
    tok_memo *m = c->memo;
    if (!m) {
        summarize(c->s, c->n, &c->r->toks[i], t);
        return;
    }
    size_t h = i & 7;
    uint64_t *v = m->val[h];
    if (m->key[h] == (uint64_t)i + 1) {
        *t = (tinfo){v[0],
                     v[1],
                     v[2],
                     (uint32_t)v[3],
                     (uint8_t)(v[3] >> 32),
                     (bool)(v[3] >> 40)};
        return;
    }
    summarize(c->s, c->n, &c->r->toks[i], t);
    m->key[h] = (uint64_t)i + 1;
    v[0] = t->form;
    v[1] = t->low;
    v[2] = t->shape;
    v[3] = t->len | (uint64_t)t->kind << 32 | (uint64_t)t->cap << 40;
}

/* ---- Features ---- */

size_t sent_features(const tok_cand *c, uint64_t *f)
{
    const tok_result *r = c->r;
    const char *s = c->s;
    size_t n = 0, j = c->j;
    uint64_t type = c->type;
    tinfo prev, prev2, next, next2, term, before;
    size_t lo = c->para_first, hi = c->para_end;
    info_at(c, j - 1, lo, hi, &prev);
    info_at(c, j >= 2 ? j - 2 : (size_t)-1, lo, hi, &prev2);
    if (j < 2) {
        sentinel(&prev2, "<bop>");
    }
    info_at(c, j, lo, hi, &next);
    info_at(c, j + 1, lo, hi, &next2);

    f[n++] = ap_feat(T_TYPE, type);
    f[n++] = ap_feat2(T_RULE, type, c->rule);
    if (c->line_break) {
        f[n++] = ap_feat(T_NL, type);
    }
    f[n++] = ap_feat2(T_PREV_LOW, type, prev.low);
    f[n++] = ap_feat(T_PREV2_LOW, prev2.low);
    f[n++] = ap_feat(T_PREV_SHAPE, prev.shape);
    f[n++] = ap_feat2(T_PREV_KIND, prev.kind, next.kind);
    f[n++] = ap_feat(T_NEXT_LOW, next.low);
    f[n++] = ap_feat2(T_NEXT_SHAPE, type, next.shape);
    f[n++] = ap_feat(T_NEXT2_LOW, next2.low);
    f[n++] = ap_feat2(T_PREV_NEXT_SHAPE, prev.shape, next.shape);
    f[n++] = ap_feat2(T_PREV_LOW_NEXT_SHAPE, prev.low, next.shape);
    f[n++] = ap_feat2(T_PREV_SHAPE_NEXT_LOW, prev.shape, next.low);
    if (next.kind != TOK_KIND_COUNT) {
        const tok_span *nt = &r->toks[j];
        f[n++] =
            ap_feat2(T_NEXT_STARTER, type,
                     next.cap && tok_is_sent_starter(s + nt->off, nt->len));
    }
    /* The cue: the terminal punctuation (maybe before closers), and the
     * word before it (or the abbreviation itself). */
    size_t k = c->k;
    if (k + 1 < j) {
        f[n++] = ap_feat2(T_CLOSER, prev.form, k + 2 < j);
    }
    size_t wi = c->type == TOK_CAND_ABBR ? j - 1 : k - 1;
    if (c->type == TOK_CAND_TERM || c->type == TOK_CAND_COLON ||
        c->type == TOK_CAND_ADDR || c->type == TOK_CAND_GLUED) {
        info_at(c, k, lo, hi, &term);
        f[n++] = ap_feat2(T_TERM, type, term.form);
        f[n++] = ap_feat2(T_TERM_NEXT_SHAPE, term.form, next.shape);
    }
    if (k >= 1 && (c->type == TOK_CAND_TERM || c->type == TOK_CAND_ABBR ||
                   c->type == TOK_CAND_GLUED)) {
        info_at(c, wi, lo, hi, &before);
        f[n++] = ap_feat2(T_BEFORE_LOW, type, before.low);
        f[n++] = ap_feat2(T_BEFORE_SHAPE, type, before.shape);
        size_t wl = before.len;
        int ab = 0;
        if (before.kind == TOK_WORD) {
            const tok_span *w = &r->toks[wi];
            const char *p = s + w->off;
            size_t l = w->len;
            if (l > 1 && p[l - 1] == '.') {
                l--;
            }
            wl = l;
            ab = tok_abbrev_class(p, l);
            f[n++] = ap_feat2(T_INITIAL, type, l == 1 && before.cap);
        }
        f[n++] = ap_feat2(T_BEFORE_LEN, type, bucket(wl));
        f[n++] = ap_feat2(T_ABBR, type, (uint64_t)ab);
    }
    /* Position: in the sentence so far, in the paragraph, to its end. */
    f[n++] = ap_feat2(T_POS_SENT, type, bucket(j - c->first));
    f[n++] = ap_feat2(T_TO_PARA_END, type, bucket(c->para_end - j));
    /* Share of capitalized words so far: headlines are Title Case. */
    unsigned share =
        c->n_words ? (4 * c->n_caps + c->n_words / 2) / c->n_words : 5;
    f[n++] = ap_feat2(T_CAPS, type * 16 + share, bucket(c->n_words));
    return n;
}

int32_t sent_margin(const sent_model *m, const tok_cand *c)
{
    uint64_t f[SENT_MAX_FEATS];
    size_t n = sent_features(c, f);
    int32_t acc[2] = {0, 0};
    ap_score_add(m->ap, f, n, acc);
    return acc[SENT_END] - acc[SENT_NO];
}

bool sent_decide(const sent_model *m, const tok_cand *c)
{
    return sent_margin(m, c) > m->threshold;
}
