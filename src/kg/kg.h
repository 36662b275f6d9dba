/* kg.h - the case store: one SQLite file per case.
 *
 * This is the only module that includes <sqlite3.h>. It owns the schema and
 * its migrations (doc/SCHEMA.md), the markings of a case, the write path used
 * by ingestion, and every read path. The evidence-and-markings rule
 * (doc/MARKINGS.md) is enforced here and only here: every read function
 * takes the viewer's clearance and computes rows, counts, totals, scores and
 * snippets from the documents that viewer may see, so no command, endpoint
 * or export can bypass it.
 *
 * A kg_db handle is used by one thread at a time. Ingestion opens one handle
 * for its single writer thread. */
#ifndef KG_KG_H
#define KG_KG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/err.h"
#include "util/str.h"

typedef struct kg_db kg_db;

/* ---- Opening ---- */

enum {
    KG_OPEN_CREATE = 1,   /* create the file (mode 0600) when missing */
    KG_OPEN_READONLY = 2, /* read-only: every read command */
};

/* Opens (and migrates to the current schema) the case at path. Without
 * KG_OPEN_CREATE a missing file is DS_ENOTFOUND ("no case at PATH"). A file
 * that is not a dossier case, or of a newer schema, is DS_EFORMAT. */
ds_rc kg_open(const char *path, int flags, kg_db **out, ds_err *e) DS_MUST_USE;
/* Closes the handle; NULL is a no-op. */
void kg_close(kg_db *db);
/* The schema version this build writes (PRAGMA user_version). */
int kg_schema_version(void);

/* ---- Markings and clearances ----
 *
 * A marking is a level from the case's ordered list (TLP 2.0 by default:
 * CLEAR < GREEN < AMBER < AMBER+STRICT < RED) plus a set of need-to-know
 * compartments. A clearance has the same shape. A viewer may see a document
 * when doc.level <= clearance.level and doc.comps is a subset of
 * clearance.comps. Compartments are bits: at most 63 per case. */
typedef struct kg_marking {
    int level;      /* rank in the case's level list, 0 = lowest */
    uint64_t comps; /* bit i = compartment with id i */
} kg_marking;

#define KG_MAX_LEVELS       16
#define KG_MAX_COMPARTMENTS 63

/* Parses "AMBER", "TLP:AMBER+STRICT", "SECRET//HUMINT/ORCA" (level, then
 * "//" and compartments separated by '/' or ','), case-insensitive. Unknown
 * levels or compartments are DS_EINVAL naming the known ones. */
ds_rc kg_marking_parse(kg_db *db, const char *s, kg_marking *out,
                       ds_err *e) DS_MUST_USE;
/* Writes the canonical text of m ("AMBER", "SECRET//HUMINT/ORCA") to out. */
void kg_marking_format(kg_db *db, kg_marking m, buf *out);
/* The clearance that sees everything in the case. */
kg_marking kg_clearance_all(kg_db *db);
/* The lowest marking (no compartments): the join of nothing. */
kg_marking kg_marking_lowest(void);
/* The join: highest level, union of compartments. */
kg_marking kg_marking_join(kg_marking a, kg_marking b);
bool kg_may_see(kg_marking clearance, kg_marking doc);
/* Level names in order; valid while db is open. */
size_t kg_levels(kg_db *db, const char *const **out_names);
size_t kg_compartments(kg_db *db, const char *const **out_names);

/* Defines the case's levels (lowest first) and compartments. Allowed only
 * while the case holds no document (DS_ECONFLICT otherwise), so a stored
 * marking can never change meaning. */
ds_rc kg_set_markings(kg_db *db, const char *const *levels, size_t n_levels,
                      const char *const *comps, size_t n_comps,
                      ds_err *e) DS_MUST_USE;

/* ---- Writing (ingestion) ---- */

ds_rc kg_begin(kg_db *db, ds_err *e) DS_MUST_USE; /* BEGIN IMMEDIATE */
ds_rc kg_commit(kg_db *db, ds_err *e) DS_MUST_USE;
void kg_rollback(kg_db *db);

/* Finds or creates the source called name. A reliability of 0 leaves an
 * existing grade alone ('F', "cannot be judged", for a new source); 'A'..'F'
 * sets it. */
ds_rc kg_source_ensure(kg_db *db, const char *name, const char *url,
                       char reliability, int64_t *out_id,
                       ds_err *e) DS_MUST_USE;

#define KG_HASH_BYTES    32 /* BLAKE2b-256 of the normalized text */
#define KG_MINHASH_BANDS 16

/* An entity mention found in a document's text: the evidence span (byte
 * offsets into the stored text), its type (PER, ORG, LOC, MISC, ...), the
 * sentence it is in and the recognizer's confidence. */
typedef struct kg_mention_in {
    uint32_t start, end;
    uint32_t sentence;
    const char *type;
    float confidence;
} kg_mention_in;

typedef struct kg_doc_in {
    int64_t source_id; /* 0: none */
    const char *title, *url, *author, *published, *origin, *format;
    str text;                  /* NFC-normalized, valid UTF-8 */
    const uint8_t *offset_map; /* normalized->original change points */
    size_t offset_map_len;
    kg_marking marking;
    int credibility; /* 1..6 (6 = cannot be judged) */
    uint8_t hash[KG_HASH_BYTES];
    uint64_t bands[KG_MINHASH_BANDS]; /* LSH band keys of the MinHash */
    const uint64_t *minhash;          /* full signature (KG_MINHASH_SIZE) */
    /* Sentences as byte offsets into text: [start0,end0,start1,end1,...]. */
    const uint32_t *sentences;
    size_t n_sentences;
    uint32_t n_tokens;
    /* Entity mentions; stored only for originals (a near copy is not
     * analysed twice). */
    const kg_mention_in *mentions;
    size_t n_mentions;
} kg_doc_in;

#define KG_MINHASH_SIZE 64

typedef enum kg_store_result {
    KG_STORED,         /* a new document */
    KG_NEAR_DUPLICATE, /* stored, linked to an earlier copy, not analysed */
    KG_EXACT_DUPLICATE /* not stored: the same text, visible to everyone who
                          may see this copy, is already in the case */
} kg_store_result;

/* Stores one document inside the current transaction: exact-duplicate check
 * on the hash, near-duplicate check on the LSH bands (confirmed on the full
 * signature, Jaccard estimate >= threshold), then the document row, its text
 * in the full-text index and its sentences. A copy is only ever linked to an
 * original that everyone who may see the copy may also see, so duplicate
 * handling never hides text from a viewer. */
typedef struct kg_stored {
    kg_store_result result;
    int64_t id;        /* the stored document; for an exact duplicate, the
                          existing copy */
    int64_t original;  /* near duplicate: the original it is linked to */
    double similarity; /* near duplicate: estimated Jaccard */
} kg_stored;

ds_rc kg_doc_store(kg_db *db, const kg_doc_in *d, double near_threshold,
                   kg_stored *out, ds_err *e) DS_MUST_USE;

/* ---- Reading: every function takes the viewer's clearance ---- */

typedef struct kg_search_opts {
    const char *query;     /* FTS5 syntax */
    const char *from, *to; /* published date bounds, inclusive, ISO */
    const char *source;    /* source name */
    int limit;             /* default 10 */
    int offset;
    bool snippets;                  /* compute highlighted snippets */
    const char *hl_open, *hl_close; /* highlight marks, default "[" "]" */
} kg_search_opts;

typedef struct kg_hit {
    int64_t id;
    char *title, *url, *published, *source, *snippet;
    double score; /* BM25 over the visible documents; higher is better */
    kg_marking marking;
    int64_t duplicate_of; /* 0 when none (or not visible) */
} kg_hit;

typedef struct kg_hits {
    kg_hit *v;
    size_t n;
    int64_t total;   /* all visible matches, not just this page */
    kg_marking join; /* join of the markings of what was returned */
} kg_hits;

/* Full-text search over the documents the clearance may see. A malformed
 * query is DS_EINVAL with SQLite's reason. Free with kg_hits_fini. */
ds_rc kg_search(kg_db *db, kg_marking clearance, const kg_search_opts *o,
                kg_hits *out, ds_err *e) DS_MUST_USE;
void kg_hits_fini(kg_hits *h);

/* The query as FTS5 will read it: terms that are not FTS5 barewords
 * (indicators such as 203.0.113.47, evil-site.example, a@b.example) are
 * quoted into phrases; operators, quoted strings, prefixes, NEAR() and
 * column filters are kept. Free with xfree. Can't fail. */
char *kg_query_rewrite(const char *q);

typedef struct kg_doc {
    int64_t id;
    char *title, *url, *author, *published, *ingested_at, *origin, *format;
    char *source;
    char reliability; /* of the source, 0 when none */
    int credibility;
    kg_marking marking;
    int64_t duplicate_of; /* 0 when none or not visible to the viewer */
    double similarity;
    int64_t text_len, n_sentences, n_tokens;
    char *text; /* only filled by kg_doc_get with want_text */
} kg_doc;

typedef struct kg_docs {
    kg_doc *v;
    size_t n;
    int64_t total;
    kg_marking join;
} kg_docs;

typedef struct kg_list_opts {
    const char *from, *to, *source;
    int limit, offset;
} kg_list_opts;

/* Lists visible documents, newest published first. */
ds_rc kg_doc_list(kg_db *db, kg_marking clearance, const kg_list_opts *o,
                  kg_docs *out, ds_err *e) DS_MUST_USE;
/* One document. Not visible and missing look the same: DS_ENOTFOUND. */
ds_rc kg_doc_get(kg_db *db, kg_marking clearance, int64_t id, bool want_text,
                 kg_doc *out, ds_err *e) DS_MUST_USE;
/* Sentence offsets of a visible document: n pairs (start, end). */
ds_rc kg_doc_sentences(kg_db *db, kg_marking clearance, int64_t id,
                       uint32_t **out_pairs, size_t *out_n,
                       ds_err *e) DS_MUST_USE;
typedef struct kg_mention {
    int64_t id;
    uint32_t start, end, sentence;
    char *type, *text;
    double confidence;
} kg_mention;

/* The entity mentions of a visible document, in text order. Free with
 * kg_mentions_free(v, n). Not visible reads as DS_ENOTFOUND. */
ds_rc kg_doc_mentions(kg_db *db, kg_marking clearance, int64_t id,
                      kg_mention **out_v, size_t *out_n, ds_err *e) DS_MUST_USE;
void kg_mentions_free(kg_mention *v, size_t n);
void kg_doc_fini(kg_doc *d);
void kg_docs_fini(kg_docs *d);

typedef struct kg_count {
    char *name;
    int64_t n;
} kg_count;

typedef struct kg_stats {
    int64_t documents, duplicates, sources, sentences, tokens, bytes;
    int64_t mentions, entities, claims;
    char *first_published, *last_published;
    kg_count *by_format, *by_source, *by_marking;
    size_t n_by_format, n_by_source, n_by_marking;
    kg_marking join;
} kg_stats;

/* Totals over the visible documents only. */
ds_rc kg_stats_get(kg_db *db, kg_marking clearance, kg_stats *out,
                   ds_err *e) DS_MUST_USE;
void kg_stats_fini(kg_stats *s);

#endif
