/* fuzz_io_text.c - fuzz target: format detection plus the plain-text and
 * Markdown importers (title/date heuristics, inline markup, front matter)
 * on arbitrary bytes. Detection must return a known format; every emitted
 * record must keep the io_record invariants. */
#include <stdint.h>
#include <stdlib.h>

#include "io/io_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static ds_rc check(void *ctx, io_record *r, ds_err *e)
{
    (void)ctx, (void)e;
    if (!io_record_valid(r)) {
        abort();
    }
    return DS_OK;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    str in = {(const char *)data, size};
    if (!io_format_known(io_detect(NULL, in))) {
        abort();
    }
    static const char *const forced[] = {NULL, "text", "markdown"};
    for (size_t i = 0; i < 3; i++) {
        io_options o;
        io_options_init(&o);
        o.format = forced[i];
        o.lenient = i != 1;
        ds_err e;
        ds_rc rc = io_import(NULL, in, &o, check, NULL, NULL, &e);
        if (rc != DS_OK && rc != DS_EFORMAT && rc != DS_ETOOBIG) {
            abort();
        }
    }
    return 0;
}
