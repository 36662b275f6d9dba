/* fuzz_tok.c - fuzz target: NFC normalization and the tokenizer.
 *
 * Invalid UTF-8 is repaired first (the tokenizer's contract is valid
 * UTF-8, and that is what importers hand it). Checks the invariants every
 * caller relies on: spans are non-empty, in bounds, in order and do not
 * overlap; sentences cover the tokens contiguously; normalized offsets map
 * back inside the source. */
#include <stdint.h>
#include <stdlib.h>

#include "nlp/norm.h"
#include "nlp/tok.h"
#include "util/str.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    buf b;
    buf_init(&b, 0);
    if (utf8_repair((str){(const char *)data, size}, &b, NULL) != DS_OK) {
        abort();
    }
    str text = buf_str(&b);
    norm_text nt = {0};
    if (norm_nfc(text, &nt, NULL) != DS_OK) {
        abort();
    }
    for (size_t i = 0; i <= nt.len; i++) {
        if (norm_orig_offset(&nt, i) > text.len) {
            abort();
        }
    }
    tok_result r;
    tok_result_init(&r);
    str in = {nt.text, nt.len};
    if (tok_run(in, &r, NULL) != DS_OK) {
        abort();
    }
    size_t prev_end = 0;
    for (size_t i = 0; i < r.n_toks; i++) {
        const tok_span *t = &r.toks[i];
        if (t->len == 0 || t->off < prev_end || t->off + t->len > in.len ||
            t->kind >= TOK_KIND_COUNT) {
            abort();
        }
        if ((t->flags & TOK_F_JOIN) &&
            (i + 1 >= r.n_toks || r.toks[i + 1].off != t->off + t->len)) {
            abort(); /* split parts are adjacent */
        }
        prev_end = t->off + t->len;
    }
    size_t next = 0;
    for (size_t i = 0; i < r.n_sents; i++) {
        const tok_sent *s = &r.sents[i];
        if (s->first_tok != next || s->n_toks == 0 ||
            s->first_tok + s->n_toks > r.n_toks ||
            s->off != r.toks[s->first_tok].off || s->end < s->off) {
            abort();
        }
        next += s->n_toks;
    }
    if (next != r.n_toks) {
        abort();
    }
    tok_result_fini(&r);
    norm_text_fini(&nt);
    buf_fini(&b);
    return 0;
}
