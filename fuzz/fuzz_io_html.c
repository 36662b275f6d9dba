/* fuzz_io_html.c - fuzz target: the HTML importer (charset sniffing and
 * conversion, gumbo, the extractor) on arbitrary bytes, strict and
 * lenient. Every emitted record must keep the io_record invariants; only
 * DS_OK, DS_EFORMAT and DS_ETOOBIG are acceptable outcomes. */
#include "fuzz_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_io_both("html", "f.html", (str){(const char *)data, size});
    return 0;
}
