/* fuzz_io_json.c - fuzz target: the JSON and JSON Lines importers (jansson
 * plus our field mapping, dotted paths, epoch dates) on arbitrary bytes.
 * The first byte picks JSON or JSONL and strict or lenient, so one corpus
 * serves both. Every emitted record must keep the io_record invariants;
 * only DS_OK, DS_EFORMAT and DS_ETOOBIG are acceptable outcomes. */
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
    if (size == 0) {
        return 0;
    }
    io_options o;
    io_options_init(&o);
    o.format = data[0] & 1 ? "jsonl" : "json";
    o.lenient = (data[0] & 2) != 0;
    if (data[0] & 4) {
        o.field_text = "message|data.body|items";
        o.field_date = "meta.when";
    }
    ds_err e;
    ds_rc rc = io_import(NULL, (str){(const char *)data + 1, size - 1}, &o,
                         check, NULL, NULL, &e);
    if (rc != DS_OK && rc != DS_EFORMAT && rc != DS_ETOOBIG) {
        abort();
    }
    return 0;
}
