/* conllu.c - the CoNLL-U reader (see conllu.h).
 *
 * The reader is a cursor over a buffer: each line is a view, split on tabs
 * into exactly ten fields. Every check reports the line number, so a broken
 * treebank file says where it is broken. */
#include "nlp/conllu.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/utf8.h"
#include "util/xalloc.h"

void conllu_reader_init(conllu_reader *r, str data)
{
    r->data = data;
    r->pos = 0;
    r->line = 0;
}

void conllu_sent_init(conllu_sent *s)
{
    memset(s, 0, sizeof *s);
}

void conllu_sent_fini(conllu_sent *s)
{
    xfree(s->lines);
    memset(s, 0, sizeof *s);
}

static void sent_clear(conllu_sent *s)
{
    s->line = 0;
    s->newdoc = s->newpar = s->has_text = false;
    s->text = (str){"", 0};
    s->sent_id = (str){"", 0};
    s->n_lines = 0;
    s->n_words = 0;
}

/* The next line without its "\n" (and a "\r" before it). */
static bool next_line(conllu_reader *r, str *out)
{
    if (r->pos >= r->data.len) {
        return false;
    }
    const char *p = r->data.ptr + r->pos;
    size_t rest = r->data.len - r->pos;
    const char *nl = memchr(p, '\n', rest);
    size_t len = nl ? (size_t)(nl - p) : rest;
    r->pos += nl ? len + 1 : len;
    r->line++;
    if (len && p[len - 1] == '\r') {
        len--;
    }
    *out = (str){p, len};
    return true;
}

/* Parses a decimal uint32 that is the whole of s. */
static bool parse_u32(str s, uint32_t *out)
{
    if (s.len == 0 || s.len > 9) {
        return false;
    }
    uint32_t v = 0;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] < '0' || s.ptr[i] > '9') {
            return false;
        }
        v = v * 10 + (uint32_t)(s.ptr[i] - '0');
    }
    *out = v;
    return true;
}

/* The value of a "# key = value" comment when the line has that key. */
static bool comment_value(str line, const char *key, str *out)
{
    str rest = str_trim(str_sub(line, 1, line.len));
    size_t kl = strlen(key);
    if (rest.len < kl || memcmp(rest.ptr, key, kl) != 0) {
        return false;
    }
    rest = str_sub(rest, kl, rest.len);
    if (rest.len && rest.ptr[0] != ' ' && rest.ptr[0] != '=' &&
        rest.ptr[0] != '\t') {
        return false; /* "# textual" is not "# text" */
    }
    rest = str_trim(rest);
    if (rest.len && rest.ptr[0] == '=') {
        rest = str_trim(str_sub(rest, 1, rest.len));
    }
    *out = rest;
    return true;
}

static bool misc_space_after_no(str misc)
{
    str rest = misc, item;
    while (str_cut(&rest, '|', &item)) {
        if (str_eq(item, STR("SpaceAfter=No"))) {
            return true;
        }
    }
    return false;
}

/* Parses one token line into *tl. Returns false with a reason in *why. */
static bool parse_token(str line, conllu_line *tl, const char **why)
{
    str f[10];
    str rest = line;
    size_t nf = 0;
    while (nf < 10) {
        const char *tab = memchr(rest.ptr, '\t', rest.len);
        if (!tab) {
            f[nf++] = rest;
            rest.len = 0;
            break;
        }
        f[nf++] = (str){rest.ptr, (size_t)(tab - rest.ptr)};
        rest = str_sub(rest, (size_t)(tab - rest.ptr) + 1, rest.len);
        if (nf == 10) {
            *why = "more than 10 fields";
            return false;
        }
    }
    if (nf != 10) {
        *why = "expected 10 tab-separated fields";
        return false;
    }
    memset(tl, 0, sizeof *tl);
    str id = f[0];
    const char *dash = memchr(id.ptr, '-', id.len);
    const char *dot = memchr(id.ptr, '.', id.len);
    if (dash) {
        size_t k = (size_t)(dash - id.ptr);
        if (!parse_u32(str_sub(id, 0, k), &tl->id) ||
            !parse_u32(str_sub(id, k + 1, id.len), &tl->id_end) ||
            tl->id == 0 || tl->id_end <= tl->id) {
            *why = "bad multiword token range in ID";
            return false;
        }
        tl->kind = CONLLU_MWT;
    } else if (dot) {
        size_t k = (size_t)(dot - id.ptr);
        if (!parse_u32(str_sub(id, 0, k), &tl->id) ||
            !parse_u32(str_sub(id, k + 1, id.len), &tl->sub) || tl->sub == 0) {
            *why = "bad empty node ID";
            return false;
        }
        tl->id_end = tl->id;
        tl->kind = CONLLU_EMPTY;
    } else {
        if (!parse_u32(id, &tl->id) || tl->id == 0) {
            *why = "bad ID";
            return false;
        }
        tl->id_end = tl->id;
        tl->kind = CONLLU_WORD;
    }
    tl->form = f[1];
    tl->lemma = f[2];
    tl->upos = f[3];
    tl->xpos = f[4];
    tl->feats = f[5];
    tl->deprel = f[7];
    tl->deps = f[8];
    tl->misc = f[9];
    if (tl->form.len == 0) {
        *why = "empty FORM";
        return false;
    }
    if (str_eq(f[6], STR("_"))) {
        tl->head = -1; /* MWT lines, empty nodes, blind test files */
    } else {
        uint32_t h;
        if (!parse_u32(f[6], &h)) {
            *why = "bad HEAD";
            return false;
        }
        tl->head = (int32_t)h;
    }
    tl->space_after = !misc_space_after_no(tl->misc);
    return true;
}

/* Checks id sequencing across the sentence: words 1..n in order, each
 * multiword range starting at the next word id. */
static bool check_ids(const conllu_sent *s, size_t *bad_line, const char **why)
{
    uint32_t next = 1;
    for (size_t i = 0; i < s->n_lines; i++) {
        const conllu_line *tl = &s->lines[i];
        *bad_line = tl->line;
        if (tl->kind == CONLLU_WORD) {
            if (tl->id != next) {
                *why = "word ID out of sequence";
                return false;
            }
            next++;
        } else if (tl->kind == CONLLU_MWT) {
            if (tl->id != next) {
                *why = "multiword token range does not start at the next "
                       "word";
                return false;
            }
            /* Its words must follow directly. */
            size_t k = i + 1;
            for (uint32_t w = tl->id; w <= tl->id_end; w++, k++) {
                while (k < s->n_lines && s->lines[k].kind == CONLLU_EMPTY) {
                    k++;
                }
                if (k >= s->n_lines || s->lines[k].kind != CONLLU_WORD ||
                    s->lines[k].id != w) {
                    *why = "multiword token range without its words";
                    return false;
                }
            }
        } else if (tl->id + 1 != next) {
            *why = "empty node out of sequence";
            return false;
        }
    }
    for (size_t i = 0; i < s->n_lines; i++) {
        const conllu_line *tl = &s->lines[i];
        if (tl->kind == CONLLU_WORD && tl->head >= 0 &&
            (uint32_t)tl->head >= next) {
            *bad_line = tl->line;
            *why = "HEAD points past the last word";
            return false;
        }
    }
    return true;
}

ds_rc conllu_next(conllu_reader *r, conllu_sent *s, bool *out_got, ds_err *e)
{
    sent_clear(s);
    *out_got = false;
    str line;
    bool any = false;
    const char *why = NULL;
    size_t bad_line = 0;
    while (next_line(r, &line)) {
        if (str_trim(line).len == 0) {
            if (any) {
                break;
            }
            continue; /* blank lines before a sentence */
        }
        if (!any) {
            s->line = r->line;
            any = true;
        }
        if (line.ptr[0] == '#') {
            str v;
            if (comment_value(line, "newdoc", &v)) {
                s->newdoc = true;
            } else if (comment_value(line, "newpar", &v)) {
                s->newpar = true;
            } else if (comment_value(line, "text", &v)) {
                s->has_text = true;
                s->text = v;
            } else if (comment_value(line, "sent_id", &v)) {
                s->sent_id = v;
            }
            continue;
        }
        if (why) {
            continue; /* skip the rest of a bad sentence */
        }
        conllu_line tl;
        if (!parse_token(line, &tl, &why)) {
            bad_line = r->line;
            continue;
        }
        tl.line = r->line;
        if (s->n_lines == s->cap_lines) {
            s->lines = xgrow(s->lines, &s->cap_lines, s->n_lines + 1,
                             sizeof *s->lines);
        }
        s->lines[s->n_lines++] = tl;
        s->n_words += tl.kind == CONLLU_WORD;
    }
    if (!any) {
        return DS_OK;
    }
    *out_got = true;
    if (!why && s->n_words == 0) {
        why = "sentence without words";
        bad_line = s->line;
    }
    if (!why) {
        check_ids(s, &bad_line, &why);
    }
    if (why) {
        return ds_fail(e, DS_EFORMAT, "%zu: %s", bad_line, why);
    }
    return DS_OK;
}

ds_rc conllu_load_file(const char *path, char **out_data, size_t *out_len,
                       ds_err *e)
{
    *out_data = NULL;
    *out_len = 0;
    ds_rc rc = DS_OK;
    buf b;
    buf_init(&b, 0);
    FILE *f = fopen(path, "rb");
    if (!f) {
        rc = ds_fail(e, DS_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    char chunk[65536];
    size_t got;
    errno = 0;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (buf_append(&b, chunk, got) != DS_OK) {
            rc = ds_fail(e, DS_ETOOBIG, "%s: too big", path);
            goto out;
        }
    }
    if (ferror(f)) {
        /* fread sets errno: "Is a directory" says more than "read error" */
        rc = ds_fail(e, DS_EIO, "%s: %s", path,
                     errno ? strerror(errno) : "read error");
        goto out;
    }
    size_t bad;
    if (!utf8_validate(buf_str(&b), &bad)) {
        size_t line, col;
        utf8_line_col(buf_str(&b), bad, &line, &col);
        rc = ds_fail(e, DS_EFORMAT, "%s:%zu: invalid UTF-8", path, line);
        goto out;
    }
    *out_data = buf_take(&b, out_len);
out:
    if (f) {
        fclose(f);
    }
    buf_fini(&b);
    return rc;
}
