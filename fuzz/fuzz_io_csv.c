/* fuzz_io_csv.c - fuzz target: the CSV importer (quoting, delimiters,
 * the field mapping) on arbitrary bytes, strict and
 * lenient. Every emitted record must keep the io_record invariants; only
 * DS_OK, DS_EFORMAT and DS_ETOOBIG are acceptable outcomes. */
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
    io_options o;
    io_options_init(&o);
    o.format = "csv";
    for (int lenient = 0; lenient < 2; lenient++) {
        o.lenient = lenient;
        ds_err e;
        ds_rc rc = io_import("f.csv", (str){(const char *)data, size}, &o,
                             check, NULL, NULL, &e);
        if (rc != DS_OK && rc != DS_EFORMAT && rc != DS_ETOOBIG) {
            abort();
        }
    }
    return 0;
}
