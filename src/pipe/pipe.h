/* pipe.h - the ingest pipeline: files -> records -> prepared documents ->
 * the case store.
 *
 * This is the only module where importers (io/), text processing (nlp/) and
 * the store (kg/) meet. Workers read, import, normalize, tokenize and hash
 * documents in parallel; one writer (the calling thread) stores them in
 * file order, in batched transactions, so a killed ingest loses at most the
 * open batch and the same command run again stores each document once. */
#ifndef PIPE_PIPE_H
#define PIPE_PIPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/io.h"
#include "kg/kg.h"
#include "nlp/tok.h"
#include "pipe/pipe_nlp.h"
#include "util/err.h"

/* One event of an ingest, for the front end to print. */
typedef enum pipe_event_kind {
    PIPE_EV_STORED,
    PIPE_EV_NEAR_DUPLICATE,
    PIPE_EV_DUPLICATE,
    PIPE_EV_FILE_FAILED,   /* msg says why; the file stored nothing */
    PIPE_EV_RECORD_FAILED, /* one record of a file, the rest goes on */
    PIPE_EV_WARNING        /* e.g. invalid UTF-8 replaced */
} pipe_event_kind;

typedef struct pipe_event {
    pipe_event_kind kind;
    const char *path;  /* the file ("-" for standard input) */
    size_t record_no;  /* 0 for single-document files */
    int64_t doc_id;    /* stored id, or the original of a duplicate */
    int64_t original;  /* near duplicate: the original */
    double similarity; /* near duplicate: estimated Jaccard */
    const char *title;
    const char *msg; /* failures and warnings */
} pipe_event;

typedef void (*pipe_event_fn)(void *ctx, const pipe_event *ev);

typedef struct pipe_opts {
    io_options io;
    kg_marking marking;    /* of every document of this ingest */
    const char *source;    /* source name for all documents; NULL = the
                              record's own source field, if any */
    char reliability;      /* 'A'..'F' for that source, 0 = leave as is */
    int credibility;       /* 1..6; 6 = cannot be judged */
    int jobs;              /* worker threads; 1 = all in the calling thread */
    double near_threshold; /* estimated Jaccard for near duplicates */
    size_t batch_docs;     /* documents per transaction */
    bool progress;         /* progress line on stderr */
    const pipe_nlp *nlp;   /* models for entity mentions; NULL: none */
    pipe_event_fn on_event;
    void *ctx;
} pipe_opts;

/* Near duplicates: MinHash over word 4-shingles, Jaccard estimate >= 0.7
 * (doc/internals/dedup.md). */
#define PIPE_NEAR_THRESHOLD 0.7
#define PIPE_BATCH_DOCS     1024

void pipe_opts_init(pipe_opts *o);

typedef struct pipe_summary {
    size_t files, files_failed;
    size_t records, records_failed;
    size_t stored, near_duplicates, duplicates;
    uint64_t bytes; /* input bytes read */
    double seconds;
} pipe_summary;

/* Ingests every path (files, directories recursively in name order, "-"
 * for standard input) into db. Per-file and per-record failures are
 * reported through on_event and counted in *out; they do not stop the
 * ingest. Returns an error only when the store itself fails (then the
 * open batch is rolled back and nothing already committed is lost). */
ds_rc pipe_ingest(kg_db *db, const char *const *paths, size_t n_paths,
                  const pipe_opts *o, pipe_summary *out, ds_err *e) DS_MUST_USE;

/* The normalized-text hash (BLAKE2b-256 over the text with white-space
 * runs collapsed), as used for exact duplicates. */
void pipe_text_hash(str text, uint8_t out[KG_HASH_BYTES]);
/* MinHash signature over lower-cased word 4-shingles of the tokens of text,
 * and its LSH band keys. Returns false when the text has too few shingles
 * for a meaningful estimate (then only exact duplicates are detected). */
bool pipe_minhash(str text, const tok_span *toks, size_t n_toks,
                  uint64_t sig[KG_MINHASH_SIZE],
                  uint64_t bands[KG_MINHASH_BANDS]);

#endif
