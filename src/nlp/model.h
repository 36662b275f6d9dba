/* model.h - the model file container: versioned, checksummed, mmap-able.
 *
 * A model file is a header, a table of named sections and the section
 * payloads (doc/FORMATS.md, "Model files"). This module knows nothing of
 * what the sections mean; the averaged perceptron (ap.h) and the taggers
 * store their tables in sections and read them back in place, without
 * copying, from the mapped file.
 *
 * Reading: model_open_file() maps a file, model_open_mem() takes a buffer.
 * Both validate the header, every section's offset and size against the
 * file size, and the checksum, before anything else is read; a truncated,
 * altered or foreign file gives DS_EFORMAT with a message naming the file
 * and what is wrong ("models/pos.model: checksum mismatch"). Section
 * payloads start on 16-byte boundaries of the file, so arrays of
 * fixed-width little-endian integers in them can be read in place.
 *
 * Writing (training only): model_writer_new(), model_writer_add() per
 * section, model_writer_write_file() (atomic: temp file + rename) or
 * model_writer_take() (to memory, for tests). Output depends only on the
 * sections added, in the order added: no time stamps, padding is zero.
 *
 * Thread safety: a model_file is immutable after opening; any number of
 * threads may read sections from it. */
#ifndef NLP_MODEL_H
#define NLP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"

#define MODEL_MAGIC          "DSMF" /* the first 4 bytes of every file */
#define MODEL_FORMAT_VERSION 1u
#define MODEL_TAG_MAX        8 /* bytes in a section tag (NUL-padded) */
#define MODEL_MAX_SECTIONS   64

/* What a model file holds (the header's kind field). */
typedef enum model_kind {
    MODEL_KIND_TEST = 1,  /* unit tests and fuzz seeds: bare ap sections */
    MODEL_KIND_POS = 2,   /* part-of-speech tagger (pos.h) */
    MODEL_KIND_NER = 3,   /* named-entity recognizer (reserved) */
    MODEL_KIND_PARSE = 4, /* dependency parser (dep.h) */
    MODEL_KIND_SENT = 5   /* sentence-boundary classifier (sent.h) */
} model_kind;

typedef struct model_file model_file; /* opaque; see above */

/* Maps the file at `path` read-only and validates it (see above). On
 * success *out_m is a new model_file; close it with model_close(). Errors:
 * DS_EIO (cannot open or map), DS_EFORMAT (not a valid model file), both
 * with the path in the message. */
DS_MUST_USE ds_rc model_open_file(const char *path, model_file **out_m,
                                  ds_err *e);

/* Validates `len` bytes at `ptr` as a model file. The memory is borrowed
 * and must outlive *out_m, unless it is not 16-byte aligned: then it is
 * copied. `name` (may be NULL: "model") names the model in messages. */
DS_MUST_USE ds_rc model_open_mem(const void *ptr, size_t len, const char *name,
                                 model_file **out_m, ds_err *e);

/* Unmaps or frees. NULL is a no-op. */
void model_close(model_file *m);

uint32_t model_kind_of(const model_file *m);
/* The name given at opening (the path for model_open_file). */
const char *model_name(const model_file *m);
/* Total size in bytes of the file. */
size_t model_size(const model_file *m);

/* Finds the section `tag` (at most MODEL_TAG_MAX bytes). Returns false
 * when absent. *out_ptr (16-byte aligned) and *out_len stay valid until
 * model_close(). */
bool model_section(const model_file *m, const char *tag, const void **out_ptr,
                   size_t *out_len);

/* Like model_section but absence is an error: DS_EFORMAT "NAME: missing
 * section 'TAG'". */
DS_MUST_USE ds_rc model_need(const model_file *m, const char *tag,
                             const void **out_ptr, size_t *out_len, ds_err *e);

/* ---- Writing (training) ---- */

typedef struct model_writer model_writer;

/* Starts a model file of the given kind. Free with model_writer_free(). */
model_writer *model_writer_new(uint32_t kind);
void model_writer_free(model_writer *w);

/* Appends a section (copies `len` bytes). Tags are 1..MODEL_TAG_MAX
 * printable ASCII bytes, unique in the file. DS_EINVAL on a bad or
 * duplicate tag or more than MODEL_MAX_SECTIONS sections. */
DS_MUST_USE ds_rc model_writer_add(model_writer *w, const char *tag,
                                   const void *data, size_t len, ds_err *e);

/* The whole file in a new buffer (free with xfree), 16-byte aligned. */
void *model_writer_take(model_writer *w, size_t *out_len);

/* Writes the file to `path` through a temporary file in the same
 * directory and a rename, so readers never see a partial model. DS_EIO
 * with the path on failure. */
DS_MUST_USE ds_rc model_writer_write_file(model_writer *w, const char *path,
                                          ds_err *e);

/* ---- Helpers ---- */

/* The checksum of model files: a 64-bit hash, 8 bytes at a time with a
 * multiply-xorshift mix (not cryptographic; it detects corruption, not
 * tampering). Stable across versions of this program: it is part of the
 * file format. */
uint64_t model_hash64(const void *data, size_t len, uint64_t seed);
/* The value of the checksum field (bytes 24-31) of a model file held in
 * base[0, len), len >= 32: model_hash64 over [0,24) then [32,len). Tests
 * and fuzz targets use it to reseal a file they altered. */
uint64_t model_file_checksum(const void *base, size_t len);

/* Where the shipped models are looked for: $DOSSIER_MODELS if set, else
 * the directory "models" two levels above the running executable when
 * that exists (build/release/dossier -> ./models of the source tree), else
 * the directory "models" next to the executable, else "./models". Writes
 * a NUL-terminated path into out (at most cap bytes) and returns out. */
const char *model_default_dir(char *out, size_t cap);

/* model_default_dir() + "/" + file, e.g. model_default_path("pos.model"). */
const char *model_default_path(const char *file, char *out, size_t cap);

#endif
