/* word.c - word shapes, counts and affixes for the taggers (see word.h). */
#include "nlp/word.h"

#include <string.h>

#include "nlp/ap.h"
#include "nlp/ap_int.h"

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
