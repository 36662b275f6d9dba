/* fuzz_io_text.c - fuzz target: format detection plus the plain-text and
 * Markdown importers (title/date heuristics, inline markup, front matter)
 * on arbitrary bytes. Detection must return a known format; every emitted
 * record must keep the io_record invariants. */
#include "fuzz_io.h"

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
        fuzz_io_import(&o, NULL, in);
    }
    return 0;
}
