/* fuzz_reseal.h - what the model-loading fuzz targets share: a copy of a
 * model file with its size and checksum fields made right again
 * (doc/FORMATS.md: bytes 16-23 the size, 24-31 the checksum), so that a
 * mutated file gets past the checksum to the structural checks behind it.
 * Each target tries an input as is and resealed. Included by one target
 * each. */
#ifndef FUZZ_FUZZ_RESEAL_H
#define FUZZ_FUZZ_RESEAL_H

#include <stdint.h>
#include <string.h>

#include "nlp/model.h"
#include "util/xalloc.h"

/* A resealed copy (free with xfree), or NULL when the input is too short
 * to hold a header or does not start with the model magic. */
static inline uint8_t *fuzz_resealed(const uint8_t *data, size_t size)
{
    if (size < 32 || memcmp(data, MODEL_MAGIC, 4) != 0) {
        return NULL;
    }
    uint8_t *copy = xmalloc(size);
    memcpy(copy, data, size);
    uint64_t sz = size;
    memcpy(copy + 16, &sz, 8);
    uint64_t h = model_file_checksum(copy, size);
    memcpy(copy + 24, &h, 8);
    return copy;
}

/* Runs fn on the input as is, then on its resealed copy when it has one. */
static inline void fuzz_as_is_and_resealed(void (*fn)(const uint8_t *, size_t),
                                           const uint8_t *data, size_t size)
{
    fn(data, size);
    uint8_t *copy = fuzz_resealed(data, size);
    if (copy) {
        fn(copy, size);
        xfree(copy);
    }
}

#endif
