/* fuzz_io_csv.c - fuzz target: the CSV importer (quoting, delimiters,
 * the field mapping) on arbitrary bytes, strict and
 * lenient. Every emitted record must keep the io_record invariants; only
 * DS_OK, DS_EFORMAT and DS_ETOOBIG are acceptable outcomes. */
#include "fuzz_io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_io_both("csv", "f.csv", (str){(const char *)data, size});
    return 0;
}
