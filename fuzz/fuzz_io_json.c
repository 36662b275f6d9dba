/* fuzz_io_json.c - fuzz target: the JSON and JSON Lines importers (jansson
 * plus our field mapping, dotted paths, epoch dates) on arbitrary bytes.
 * The first byte picks JSON or JSONL and strict or lenient, so one corpus
 * serves both. Every emitted record must keep the io_record invariants;
 * only DS_OK, DS_EFORMAT and DS_ETOOBIG are acceptable outcomes. */
#include "fuzz_io.h"

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
    fuzz_io_import(&o, NULL, (str){(const char *)data + 1, size - 1});
    return 0;
}
