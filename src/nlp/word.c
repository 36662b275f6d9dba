/* word.c - word shapes, counts and affixes for the taggers (see word.h). */
#include "nlp/word.h"

#include <stdlib.h>
#include <string.h>

#include "nlp/ap.h"
#include "nlp/ap_int.h"
#include "nlp/conllu.h"
#include "util/xalloc.h"

static inline char shape_char(unsigned char c)
{
    if (c >= 'A' && c <= 'Z') {
        return 'X';
    }
    if (c >= 'a' && c <= 'z') {
        return 'x';
    }
    if (c >= '0' && c <= '9') {
        return 'd';
    }
    if (c >= 0x80) {
        return 'u';
    }
    return (char)c;
}

void word_shape_of(str s, size_t low_cap, word_shape *out)
{
    char shape[32], sshape[32];
    size_t ns = 0, nss = 0;
    char last = 0;
    int run = 0;
    memset(out, 0, sizeof *out);
    if (low_cap > WORD_LOW_MAX) {
        low_cap = WORD_LOW_MAX;
    }
    size_t nl = s.len < low_cap ? s.len : low_cap;
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if (i < nl) {
            out->low[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        if ((c & 0xc0) == 0x80) {
            continue; /* UTF-8 continuation byte */
        }
        out->n_chars++;
        char sc = shape_char(c);
        if (sc == 'X') {
            out->n_upper++;
            out->n_alpha++;
            if (out->n_chars == 1) {
                out->first_upper = true;
            } else {
                out->later_upper = true;
            }
        } else if (sc == 'x') {
            out->n_alpha++;
        } else if (sc == 'd') {
            out->n_digit++;
        } else if (sc == '-') {
            out->hyphen = true;
        } else if (sc == '.') {
            out->period = true;
        } else if (sc == '\'') {
            out->apos = true;
        } else if (sc == 'u') {
            out->nonascii = true;
        }
        run = sc == last ? run + 1 : 1;
        if (run <= 3 && ns < sizeof shape) {
            shape[ns++] = sc;
        }
        if (run == 1 && nss < sizeof sshape) {
            sshape[nss++] = sc;
        }
        last = sc;
    }
    out->n_low = nl;
    out->form = ap_hash(s.ptr, s.len);
    out->lower = s.len <= low_cap ? ap_hash(out->low, nl) : out->form;
    out->shape = ap_hash(shape, ns);
    out->sshape = ap_hash(sshape, nss);
}

void word_affixes(const word_shape *w, uint64_t *pre, size_t n_pre,
                  uint64_t *suf, size_t n_suf)
{
    const char *low = w->low;
    size_t nl = w->n_low;
    size_t cut[6], nc = 0;
    /* Character starts from the left: prefix k ends where character k+1
     * starts. */
    for (size_t i = 0; i < nl && nc < n_pre + 1 && nc < 6; i++) {
        if (((unsigned char)low[i] & 0xc0) != 0x80) {
            cut[nc++] = i;
        }
    }
    for (size_t k = 0; k < n_pre; k++) {
        size_t end = k + 1 < nc ? cut[k + 1] : nl;
        pre[k] = ap_hash(low, end);
    }
    nc = 0;
    for (size_t i = nl; i > 0 && nc < n_suf && nc < 6; i--) {
        if (((unsigned char)low[i - 1] & 0xc0) != 0x80) {
            cut[nc++] = i - 1;
        }
    }
    for (size_t k = 0; k < n_suf; k++) {
        size_t start = k < nc ? cut[k] : (nc ? cut[nc - 1] : 0);
        suf[k] = ap_hash(low + start, nl - start);
    }
}

uint32_t word_class_get(const uint64_t *tab, uint32_t cap, uint64_t h)
{
    if (cap == 0) {
        return 0;
    }
    uint64_t key = word_class_key(h);
    uint32_t s = ap_home(key, cap);
    for (;;) {
        uint64_t v = tab[s];
        if ((v & WORD_CLASS_KEY) == key) {
            return (uint32_t)(v & 0xffffu);
        }
        if (v == 0) {
            return 0;
        }
        if (++s == cap) {
            s = 0;
        }
    }
}

ds_rc word_class_section(const model_file *mf, const char *tag, uint32_t cap,
                         uint32_t max_class, const uint64_t **out_tab,
                         ds_err *e)
{
    *out_tab = NULL;
    if (cap == 0) {
        return DS_OK;
    }
    const void *p;
    size_t n;
    ds_rc rc = model_need(mf, tag, &p, &n, e);
    if (rc != DS_OK) {
        return rc;
    }
    const char *mn = model_name(mf);
    if (n != (size_t)cap * sizeof(uint64_t)) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: section '%s' has %zu bytes for %u slots", mn, tag,
                       n, cap);
    }
    const uint64_t *t = p;
    bool has_empty = false;
    for (uint32_t i = 0; i < cap; i++) {
        uint32_t c = (uint32_t)(t[i] & 0xffffu);
        if (t[i] == 0) {
            has_empty = true;
        } else if (c == 0 || (max_class && c > max_class) ||
                   !(t[i] & WORD_CLASS_KEY)) {
            return ds_fail(e, DS_EFORMAT, "%s: section '%s' slot %u is bad", mn,
                           tag, i);
        }
    }
    if (!has_empty) {
        return ds_fail(e, DS_EFORMAT, "%s: section '%s' is full", mn, tag);
    }
    *out_tab = t;
    return DS_OK;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

ds_rc word_class_load(const char *path, uint64_t **out_tab, uint32_t *out_cap,
                      uint32_t *out_n_classes, size_t *out_words, ds_err *e)
{
    *out_tab = NULL;
    *out_cap = *out_n_classes = 0;
    *out_words = 0;
    char *text;
    size_t len;
    ds_rc rc = conllu_load_file(path, &text, &len, e);
    if (rc != DS_OK) {
        return rc;
    }
    uint64_t *ents = NULL;
    size_t n = 0, cap = 0, lineno = 0;
    uint32_t max_c = 0;
    str rest = {text, len}, line;
    while (str_cut(&rest, '\n', &line)) {
        lineno++;
        if (line.len == 0) {
            continue;
        }
        str w;
        long long c;
        if (!str_cut(&line, '\t', &w) || w.len == 0 ||
            !str_to_i64(str_trim(line), &c) || c < 0 ||
            c >= (long long)WORD_MAX_CLASS) {
            xfree(ents);
            xfree(text);
            return ds_fail(e, DS_EFORMAT,
                           "%s:%zu: expected WORD<TAB>CLASS (0..%u)", path,
                           lineno, WORD_MAX_CLASS - 1);
        }
        ents = xgrow(ents, &cap, n + 1, sizeof *ents);
        ents[n++] = word_class_key(ap_hash(w.ptr, w.len)) | (uint64_t)(c + 1);
        if ((uint32_t)c + 1 > max_c) {
            max_c = (uint32_t)c + 1;
        }
    }
    xfree(text);
    /* Sorted, so the table depends only on the set of lines; on a repeated
     * key the smallest class comes first and stays. */
    qsort(ents, n, sizeof *ents, cmp_u64);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m == 0 ||
            (ents[m - 1] & WORD_CLASS_KEY) != (ents[i] & WORD_CLASS_KEY)) {
            ents[m++] = ents[i];
        }
    }
    uint32_t tcap = (uint32_t)(m + m / 2 + 8);
    uint64_t *t = xcalloc(tcap, sizeof *t);
    for (size_t i = 0; i < m; i++) {
        uint32_t s = ap_home(ents[i] & WORD_CLASS_KEY, tcap);
        while (t[s]) {
            s = s + 1 == tcap ? 0 : s + 1;
        }
        t[s] = ents[i];
    }
    xfree(ents);
    *out_tab = t;
    *out_cap = tcap;
    *out_n_classes = max_c;
    *out_words = m;
    return DS_OK;
}
