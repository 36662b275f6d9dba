/* norm.c - NFC normalization with an offset map (see norm.h).
 *
 * The text is cut into normalization units that NFC cannot merge or
 * reorder across: a unit starts at a starter (combining class 0) that can
 * never be the second half of a canonical composition. ASCII characters are
 * such starters, so ASCII text needs no work at all beyond a copy. A unit
 * that is one non-ASCII code point without a canonical decomposition and
 * without composition partners is NFC by itself (curly quotes, CJK, most
 * letters); only the remaining units are passed to utf8proc, and only units
 * whose bytes changed enter the map. The one approximation: the Tibetan
 * vowels U+0F73/0F75/0F81 (starters that decompose into non-starters) are
 * not reordered with marks before them. */
#include "nlp/norm.h"

#include <stdbool.h>
#include <string.h>

#include <utf8proc.h>

#include "util/utf8.h"
#include "util/xalloc.h"

/* Whether a unit may start at code point cp: a starter that does not
 * compose with what precedes it. Hangul vowel and final jamo compose
 * algorithmically with the syllable before them. */
static bool unit_start(uint32_t cp)
{
    if (cp < 0x80) {
        return true;
    }
    if ((cp >= 0x1161 && cp <= 0x1175) || (cp >= 0x11A8 && cp <= 0x11C2)) {
        return false;
    }
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
    return p->combining_class == 0 && p->comb_index == UINT16_MAX;
}

/* Whether the single code point cp is NFC on its own. */
static bool stable_alone(uint32_t cp)
{
    if (cp >= 0xAC00 && cp <= 0xD7A3) {
        return true; /* precomposed Hangul syllables */
    }
    const utf8proc_property_t *p = utf8proc_get_property((utf8proc_int32_t)cp);
    bool canon_decomp = p->decomp_seqindex != UINT16_MAX && p->decomp_type == 0;
    return p->combining_class == 0 && !canon_decomp;
}

static void add_point(norm_text *t, size_t norm_off, size_t orig_off)
{
    t->map = xgrow(t->map, &t->cap_map, 2 * (t->n_map + 1), sizeof *t->map);
    t->map[2 * t->n_map] = (uint32_t)norm_off;
    t->map[2 * t->n_map + 1] = (uint32_t)orig_off;
    t->n_map++;
}

ds_rc norm_nfc(str in, norm_text *out, ds_err *e)
{
    norm_text_fini(out);
    if (in.len >= UINT32_MAX) {
        return ds_fail(e, DS_ETOOBIG, "text of %zu bytes is over 4 GiB",
                       in.len);
    }
    const char *s = in.ptr;
    size_t n = in.len;
    size_t i = 0;
    /* Fast path: find the first non-ASCII byte; if there is none the text
     * is NFC as it is. */
    while (i < n && (unsigned char)s[i] < 0x80) {
        i++;
    }
    if (i == n) {
        out->text = xmalloc(n + 1);
        memcpy(out->text, s, n);
        out->text[n] = '\0';
        out->len = n;
        return DS_OK;
    }
    ds_rc rc = DS_OK;
    buf b;
    buf_init(&b, 0);
    utf8proc_int32_t small[32], *cps = small; /* code points of one unit */
    size_t cap_cps = 32;
    size_t copied = 0; /* input before this offset is already in b */
    /* Back up to the start of the unit holding the first non-ASCII byte:
     * the ASCII character before it may be a base for combining marks. */
    i = i > 0 ? i - 1 : 0;
    while (i < n) {
        size_t u = i;
        uint32_t cp;
        size_t l = utf8_next(s + i, s + n, &cp);
        if (l == 0) {
            rc = ds_fail(e, DS_EFORMAT, "invalid UTF-8 at byte %zu", i);
            goto out;
        }
        i += l;
        size_t n_cp = 1;
        while (i < n) {
            uint32_t c2;
            size_t l2 = utf8_next(s + i, s + n, &c2);
            if (l2 == 0 || unit_start(c2)) {
                break;
            }
            i += l2;
            n_cp++;
        }
        if (n_cp == 1 && (cp < 0x80 || stable_alone(cp))) {
            continue;
        }
        /* Decompose, then compose (what utf8proc_map does, but into our
         * own buffers). */
        utf8proc_ssize_t cnt = utf8proc_decompose(
            (const utf8proc_uint8_t *)s + u, (utf8proc_ssize_t)(i - u), cps,
            (utf8proc_ssize_t)cap_cps, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        if (cnt > (utf8proc_ssize_t)cap_cps) {
            cps = xgrow(cps == small ? NULL : cps, &cap_cps, (size_t)cnt,
                        sizeof *cps);
            cnt = utf8proc_decompose(
                (const utf8proc_uint8_t *)s + u, (utf8proc_ssize_t)(i - u), cps,
                (utf8proc_ssize_t)cap_cps, UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        }
        if (cnt >= 0) {
            cnt = utf8proc_normalize_utf32(cps, cnt,
                                           UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        }
        if (cnt < 0) {
            rc = ds_fail(e, DS_EFORMAT, "cannot normalize at byte %zu: %s", u,
                         utf8proc_errmsg(cnt));
            goto out;
        }
        char enc[64];
        size_t el = 0;
        bool same = true;
        for (utf8proc_ssize_t k = 0; k < cnt && same; k++) {
            char one[4];
            size_t ol = utf8_encode((uint32_t)cps[k], one);
            same = el + ol <= i - u && memcmp(s + u + el, one, ol) == 0;
            el += ol;
        }
        if (same && el == i - u) {
            continue;
        }
        if (buf_append(&b, s + copied, u - copied) != DS_OK) {
            rc = ds_fail(e, DS_ETOOBIG, "normalized text too big");
            goto out;
        }
        add_point(out, b.len, u);
        for (utf8proc_ssize_t k = 0; k < cnt; k++) {
            el = utf8_encode((uint32_t)cps[k], enc);
            (void)buf_append(&b, enc, el);
        }
        if (b.len >= UINT32_MAX) {
            rc = ds_fail(e, DS_ETOOBIG, "normalized text over 4 GiB");
            goto out;
        }
        add_point(out, b.len, i);
        copied = i;
    }
    if (buf_append(&b, s + copied, n - copied) != DS_OK ||
        b.len >= UINT32_MAX) {
        rc = ds_fail(e, DS_ETOOBIG, "normalized text over 4 GiB");
        goto out;
    }
    out->text = buf_take(&b, &out->len);
out:
    if (cps != small) {
        xfree(cps);
    }
    buf_fini(&b);
    if (rc != DS_OK) {
        norm_text_fini(out);
    }
    return rc;
}

size_t norm_orig_offset(const norm_text *t, size_t norm_off)
{
    if (t->n_map == 0) {
        return norm_off;
    }
    /* The last point with norm position <= norm_off. */
    size_t lo = 0, hi = t->n_map;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (t->map[2 * mid] <= norm_off) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == 0) {
        return norm_off; /* before the first change */
    }
    size_t k = lo - 1;
    size_t np = t->map[2 * k], op = t->map[2 * k + 1];
    if (k % 2 == 0 && norm_off > np) {
        return op; /* inside a changed unit: its start */
    }
    return op + (norm_off - np);
}

void norm_text_fini(norm_text *t)
{
    xfree(t->text);
    xfree(t->map);
    memset(t, 0, sizeof *t);
}
