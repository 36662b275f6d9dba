/* kg_int.h - what the files of src/kg/ share; nothing outside includes it. */
#ifndef KG_KG_INT_H
#define KG_KG_INT_H

#include <sqlite3.h>

#include "kg/kg.h"

/* Visible-document bitmap: bit id set when the viewer may see document id.
 * Built once per read call and consulted by the ranking function so that
 * BM25's collection statistics come from visible documents only. */
typedef struct kg_vis {
    uint64_t *bits;
    int64_t max_id;
    int64_t n_docs;   /* visible documents */
    double avg_title; /* mean title length in tokens over visible docs */
    double avg_body;  /* mean body length in tokens over visible docs */
    /* What the bitmap was built for: valid while the clearance is the
     * same and nothing changed the case (PRAGMA data_version for other
     * connections' commits, total_changes for this one's writes). */
    bool valid;
    kg_marking clearance;
    int64_t data_version, total_changes;
} kg_vis;

struct kg_db {
    sqlite3 *h;
    char *path;
    bool readonly;
    char *levels[KG_MAX_LEVELS];
    size_t n_levels;
    char *comps[KG_MAX_COMPARTMENTS];
    size_t n_comps;
    /* Prepared statements of the write path, made on first use. */
    sqlite3_stmt *st_hash, *st_band, *st_mh, *st_doc, *st_fts, *st_sent,
        *st_bandins, *st_src_get, *st_src_ins, *st_src_upd, *st_mention;
    kg_vis vis; /* valid during one read call */
};

/* Prepares sql on db; DS_EDB with the statement's purpose in the message. */
ds_rc kg_prepare(kg_db *db, const char *sql, sqlite3_stmt **out, ds_err *e);
/* Runs SQL with no result rows. */
ds_rc kg_exec(kg_db *db, const char *sql, ds_err *e);
/* Makes db->vis describe the clearance, rebuilding it only when the
 * clearance or the case changed since the last call. */
ds_rc kg_vis_build(kg_db *db, kg_marking clearance, ds_err *e);
void kg_vis_free(kg_db *db);
/* Registers the ds_bm25() ranking function on the connection. */
ds_rc kg_rank_register(kg_db *db, ds_err *e);
/* The SQL text of the visibility test on documents alias d, with ?1 the
 * clearance level and ?2 its compartment mask. */
#define KG_VISIBLE_SQL "(d.level <= ?1 AND (d.compartments & ~?2) = 0)"
/* A duplicated C string of column i, NULL for SQL NULL. */
char *kg_col_dup(sqlite3_stmt *st, int i);

#endif
