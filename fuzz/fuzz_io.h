/* fuzz_io.h - what the importer fuzz targets share: run one import on
 * arbitrary bytes and abort on anything an importer must never do (emit a
 * record that breaks the io_record invariants, or fail with a status other
 * than DS_OK, DS_EFORMAT or DS_ETOOBIG). Included by one target each. */
#ifndef FUZZ_FUZZ_IO_H
#define FUZZ_FUZZ_IO_H

#include <stdint.h>
#include <stdlib.h>

#include "io/io_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline ds_rc fuzz_io_check(void *ctx, io_record *r, ds_err *e)
{
    (void)ctx, (void)e;
    if (!io_record_valid(r)) {
        abort();
    }
    return DS_OK;
}

static inline void fuzz_io_import(const io_options *o, const char *name, str in)
{
    ds_err e;
    ds_rc rc = io_import(name, in, o, fuzz_io_check, NULL, NULL, &e);
    if (rc != DS_OK && rc != DS_EFORMAT && rc != DS_ETOOBIG) {
        abort();
    }
}

/* Imports `in` as `format`, strict and then lenient. */
static inline void fuzz_io_both(const char *format, const char *name, str in)
{
    io_options o;
    io_options_init(&o);
    o.format = format;
    for (int lenient = 0; lenient < 2; lenient++) {
        o.lenient = lenient;
        fuzz_io_import(&o, name, in);
    }
}

#endif
