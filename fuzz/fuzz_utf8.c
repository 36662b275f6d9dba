/* fuzz_utf8.c - fuzz target: the UTF-8 decoder, validator and repairer
 * must agree. Valid input repairs to itself with no replacements; any
 * repaired output validates; utf8_next never reads past the end and walks
 * valid text exactly to its end. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/str.h"
#include "util/utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    str in = {(const char *)data, size};
    size_t bad = 0;
    bool valid = utf8_validate(in, &bad);
    buf b;
    buf_init(&b, 0);
    size_t repl = 0;
    if (utf8_repair(in, &b, &repl) != DS_OK) {
        abort();
    }
    str out = buf_str(&b);
    if (!utf8_validate(out, NULL)) {
        abort();
    }
    if (valid && (repl != 0 || out.len != size ||
                  (size && memcmp(out.ptr, data, size) != 0))) {
        abort();
    }
    if (!valid && (repl == 0 || bad >= size)) {
        abort();
    }
    /* Walk the repaired text: every step decodes and re-encodes to the
     * same bytes. */
    const char *p = out.ptr, *end = out.ptr + out.len;
    while (p < end) {
        uint32_t cp;
        size_t n = utf8_next(p, end, &cp);
        char enc[4];
        if (n == 0 || n > (size_t)(end - p) || utf8_encode(cp, enc) != n ||
            memcmp(enc, p, n) != 0) {
            abort();
        }
        p += n;
    }
    buf_fini(&b);
    return 0;
}
