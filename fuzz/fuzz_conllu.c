/* fuzz_conllu.c - fuzz target: the CoNLL-U reader and the tokenizer
 * evaluation on arbitrary bytes. Every field view must lie inside the
 * input, and the reader must always make progress to the end. */
#include <stdint.h>
#include <stdlib.h>

#include "nlp/conllu.h"
#include "nlp/tok_eval.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void in_bounds(str f, const uint8_t *data, size_t size)
{
    const char *lo = (const char *)data, *hi = lo + size;
    if (f.len && (f.ptr < lo || f.ptr + f.len > hi)) {
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    str in = {(const char *)data, size};
    conllu_reader r;
    conllu_sent s;
    conllu_reader_init(&r, in);
    conllu_sent_init(&s);
    for (size_t guard = 0; guard <= size + 1; guard++) {
        bool got = false;
        ds_rc rc = conllu_next(&r, &s, &got, NULL);
        if (!got) {
            break;
        }
        (void)rc;
        in_bounds(s.text, data, size);
        for (size_t i = 0; i < s.n_lines; i++) {
            const conllu_line *l = &s.lines[i];
            in_bounds(l->form, data, size);
            in_bounds(l->misc, data, size);
            in_bounds(l->deps, data, size);
        }
        if (r.pos > size) {
            abort();
        }
    }
    conllu_sent_fini(&s);
    /* The evaluation path (rebuild text, tokenize, score) on valid text. */
    if (utf8_validate(in, NULL)) {
        tok_eval_scores sc;
        if (tok_eval_text(in, "fuzz", &sc, NULL) != DS_OK) {
            return 0; /* malformed input is reported, not a crash */
        }
    }
    return 0;
}
