/* fuzz_io_email.c - fuzz target: the e-mail importer (headers, RFC 2047,
 * MIME nesting, QP and base64, charsets) on arbitrary bytes, strict and
 * lenient. Every emitted record must keep the io_record invariants; only
 * DS_OK, DS_EFORMAT and DS_ETOOBIG are acceptable outcomes. */
#include "fuzz_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_io_both("email", "f.eml", (str){(const char *)data, size});
    return 0;
}
