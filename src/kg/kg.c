/* kg.c - opening a case, its schema migrations, markings and the write
 * path used by ingestion (see kg.h). The read paths are in kg_read.c. */
#include "kg/kg.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kg/kg_int.h"
#include "kg/schema.sql.h"
#include "util/xalloc.h"

/* 'DOSS': tells a dossier case from any other SQLite file. */
#define KG_APPLICATION_ID 0x444F5353

int kg_schema_version(void)
{
    return KG_SCHEMA_VERSION;
}

ds_rc kg_prepare(kg_db *db, const char *sql, sqlite3_stmt **out, ds_err *e)
{
    if (sqlite3_prepare_v2(db->h, sql, -1, out, NULL) != SQLITE_OK) {
        *out = NULL;
        return ds_fail(e, DS_EDB, "%s: %s", db->path, sqlite3_errmsg(db->h));
    }
    return DS_OK;
}

ds_rc kg_exec(kg_db *db, const char *sql, ds_err *e)
{
    char *msg = NULL;
    if (sqlite3_exec(db->h, sql, NULL, NULL, &msg) != SQLITE_OK) {
        int code = sqlite3_errcode(db->h);
        ds_rc rc = (code == SQLITE_NOTADB || code == SQLITE_CORRUPT)
                       ? DS_EFORMAT
                       : DS_EDB;
        ds_fail(e, rc, "%s: %s", db->path, msg ? msg : "unknown error");
        sqlite3_free(msg);
        return rc;
    }
    return DS_OK;
}

char *kg_col_dup(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    if (!t) {
        return NULL;
    }
    return xstrndup((const char *)t, (size_t)sqlite3_column_bytes(st, i));
}

static ds_rc pragma_int(kg_db *db, const char *sql, int *out, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc = kg_prepare(db, sql, &st, e);
    if (rc) {
        return rc;
    }
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        *out = sqlite3_column_int(st, 0);
    } else {
        int code = sqlite3_errcode(db->h);
        rc = ds_fail(e, code == SQLITE_NOTADB ? DS_EFORMAT : DS_EDB, "%s: %s",
                     db->path, sqlite3_errmsg(db->h));
    }
    sqlite3_finalize(st);
    return rc;
}

/* Brings the schema to KG_SCHEMA_VERSION, one transaction for all steps, so
 * a crash leaves either the old or the new schema. */
static ds_rc migrate(kg_db *db, ds_err *e)
{
    int version = 0, app = 0, tables = 0;
    ds_rc rc;
    if ((rc = pragma_int(db, "PRAGMA user_version", &version, e)) ||
        (rc = pragma_int(db, "PRAGMA application_id", &app, e)) ||
        (rc = pragma_int(db, "SELECT count(*) FROM sqlite_master", &tables,
                         e))) {
        return rc;
    }
    if (app != KG_APPLICATION_ID && (tables > 0 || version > 0)) {
        return ds_fail(e, DS_EFORMAT, "%s: not a dossier case", db->path);
    }
    if (version > KG_SCHEMA_VERSION) {
        return ds_fail(e, DS_EFORMAT,
                       "%s: case schema %d is newer than this dossier (%d)",
                       db->path, version, KG_SCHEMA_VERSION);
    }
    if (version == KG_SCHEMA_VERSION) {
        return DS_OK;
    }
    if (db->readonly && tables > 0) {
        /* An older case opened by a read command is still migrated: the
         * migration is atomic and keeps every row. */
    }
    if ((rc = kg_exec(db, "BEGIN IMMEDIATE", e))) {
        return rc;
    }
    /* Another process may have migrated while we waited for the lock. */
    if ((rc = pragma_int(db, "PRAGMA user_version", &version, e))) {
        goto fail;
    }
    for (int v = version; v < KG_SCHEMA_VERSION; v++) {
        if ((rc = kg_exec(db, kg_migrations[v], e))) {
            goto fail;
        }
    }
    char sql[128];
    snprintf(sql, sizeof sql,
             "PRAGMA user_version = %d; "
             "PRAGMA application_id = %d",
             KG_SCHEMA_VERSION, KG_APPLICATION_ID);
    if ((rc = kg_exec(db, sql, e)) ||
        (rc = kg_exec(db,
                      "INSERT OR IGNORE INTO meta(key, value) VALUES "
                      "('created_at', strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                      e)) ||
        (rc = kg_exec(db, "COMMIT", e))) {
        goto fail;
    }
    return DS_OK;
fail:
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

static void free_markings(kg_db *db)
{
    for (size_t i = 0; i < db->n_levels; i++) {
        xfree(db->levels[i]);
    }
    for (size_t i = 0; i < KG_MAX_COMPARTMENTS; i++) {
        xfree(db->comps[i]);
        db->comps[i] = NULL;
    }
    db->n_levels = db->n_comps = 0;
}

static ds_rc load_markings(kg_db *db, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc;
    free_markings(db);
    if ((rc = kg_prepare(db,
                         "SELECT rank, name FROM marking_levels "
                         "ORDER BY rank",
                         &st, e))) {
        return rc;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        int rank = sqlite3_column_int(st, 0);
        if (rank != (int)db->n_levels || db->n_levels >= KG_MAX_LEVELS) {
            sqlite3_finalize(st);
            return ds_fail(e, DS_EFORMAT, "%s: marking levels are not 0..n",
                           db->path);
        }
        db->levels[db->n_levels++] = kg_col_dup(st, 1);
    }
    sqlite3_finalize(st);
    if (db->n_levels == 0) {
        return ds_fail(e, DS_EFORMAT, "%s: the case defines no marking level",
                       db->path);
    }
    if ((rc = kg_prepare(db, "SELECT id, name FROM compartments ORDER BY id",
                         &st, e))) {
        return rc;
    }
    while (sqlite3_step(st) == SQLITE_ROW) {
        int id = sqlite3_column_int(st, 0);
        if (id < 0 || id >= KG_MAX_COMPARTMENTS) {
            continue;
        }
        db->comps[id] = kg_col_dup(st, 1);
        if ((size_t)id + 1 > db->n_comps) {
            db->n_comps = (size_t)id + 1;
        }
    }
    sqlite3_finalize(st);
    return DS_OK;
}

ds_rc kg_open(const char *path, int flags, kg_db **out, ds_err *e)
{
    struct stat sb;
    ds_rc rc;
    *out = NULL;
    if (stat(path, &sb) != 0) {
        if (errno != ENOENT) {
            return ds_fail(e, DS_EIO, "%s: %s", path, strerror(errno));
        }
        if (!(flags & KG_OPEN_CREATE)) {
            return ds_fail(e, DS_ENOTFOUND,
                           "no case at %s (create one with `dossier ingest`, "
                           "or give --db)",
                           path);
        }
        /* Create the file ourselves so that it is the owner's only; SQLite
         * gives its -wal and -shm files the same mode. */
        int fd = open(path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            return ds_fail(e, DS_EIO, "create %s: %s", path, strerror(errno));
        }
        if (fd >= 0) {
            close(fd);
        }
    } else if (!S_ISREG(sb.st_mode)) {
        return ds_fail(e, DS_EINVAL, "%s: not a regular file", path);
    }
    kg_db *db = xcalloc(1, sizeof *db);
    db->path = xstrdup(path);
    db->readonly = (flags & KG_OPEN_READONLY) != 0;
    if (sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE, NULL) !=
        SQLITE_OK) {
        rc = ds_fail(e, DS_EDB, "open %s: %s", path,
                     db->h ? sqlite3_errmsg(db->h) : "out of memory");
        goto fail;
    }
    sqlite3_extended_result_codes(db->h, 0);
    sqlite3_busy_timeout(db->h, 10000);
    /* WAL: readers never block the writer; synchronous=NORMAL keeps every
     * committed transaction across a killed process (not across power
     * loss, which would lose at most the last commits, never corrupt). */
    if ((rc = kg_exec(db, "PRAGMA journal_mode=WAL", e)) ||
        (rc = kg_exec(db,
                      "PRAGMA synchronous=NORMAL; "
                      "PRAGMA foreign_keys=ON; PRAGMA temp_store=MEMORY; "
                      "PRAGMA cache_size=-32768",
                      e)) ||
        (rc = migrate(db, e)) || (rc = load_markings(db, e)) ||
        (rc = kg_rank_register(db, e))) {
        goto fail;
    }
    if (db->readonly && (rc = kg_exec(db, "PRAGMA query_only=1", e))) {
        goto fail;
    }
    *out = db;
    return DS_OK;
fail:
    kg_close(db);
    return rc;
}

void kg_close(kg_db *db)
{
    if (!db) {
        return;
    }
    sqlite3_stmt *sts[] = {db->st_hash,    db->st_band,    db->st_mh,
                           db->st_doc,     db->st_fts,     db->st_sent,
                           db->st_bandins, db->st_src_get, db->st_src_ins,
                           db->st_src_upd, db->st_mention};
    for (size_t i = 0; i < sizeof sts / sizeof sts[0]; i++) {
        sqlite3_finalize(sts[i]);
    }
    kg_vis_free(db);
    free_markings(db);
    /* sqlite3_close fails (and leaks the connection) while any statement
     * is left unfinalized: that is a bug here, so make it loud in debug
     * builds. */
    if (db->h && sqlite3_close(db->h) != SQLITE_OK) {
        assert(!"kg_close: a statement was left unfinalized");
    }
    xfree(db->path);
    xfree(db);
}

/* ---- Markings ---- */

kg_marking kg_marking_lowest(void)
{
    return (kg_marking){0, 0};
}

kg_marking kg_marking_join(kg_marking a, kg_marking b)
{
    return (kg_marking){a.level > b.level ? a.level : b.level,
                        a.comps | b.comps};
}

bool kg_may_see(kg_marking clearance, kg_marking doc)
{
    return doc.level <= clearance.level && (doc.comps & ~clearance.comps) == 0;
}

kg_marking kg_clearance_all(kg_db *db)
{
    uint64_t all = 0;
    for (size_t i = 0; i < db->n_comps; i++) {
        if (db->comps[i]) {
            all |= (uint64_t)1 << i;
        }
    }
    return (kg_marking){(int)db->n_levels - 1, all};
}

size_t kg_levels(kg_db *db, const char *const **out_names)
{
    *out_names = (const char *const *)db->levels;
    return db->n_levels;
}

size_t kg_compartments(kg_db *db, const char *const **out_names)
{
    *out_names = (const char *const *)db->comps;
    return db->n_comps;
}

static void known_levels(kg_db *db, buf *b)
{
    for (size_t i = 0; i < db->n_levels; i++) {
        buf_printf(b, "%s%s", i ? ", " : "", db->levels[i]);
    }
}

ds_rc kg_marking_parse(kg_db *db, const char *s, kg_marking *out, ds_err *e)
{
    str rest = str_trim(str_c(s));
    if (str_startsi(rest, STR("TLP:"))) {
        rest = str_sub(rest, 4, rest.len);
    }
    str level = rest, comps = {"", 0};
    const char *sep = NULL;
    for (size_t i = 0; i + 1 < rest.len; i++) {
        if (rest.ptr[i] == '/' && rest.ptr[i + 1] == '/') {
            sep = rest.ptr + i;
            break;
        }
    }
    if (sep) {
        level = (str){rest.ptr, (size_t)(sep - rest.ptr)};
        comps = str_sub(rest, level.len + 2, rest.len);
    }
    level = str_trim(level);
    out->level = -1;
    out->comps = 0;
    for (size_t i = 0; i < db->n_levels; i++) {
        if (str_eqi(level, str_c(db->levels[i]))) {
            out->level = (int)i;
        }
    }
    if (out->level < 0) {
        buf b;
        buf_init(&b, 0);
        known_levels(db, &b);
        ds_fail(e, DS_EINVAL, "unknown marking level '" STR_FMT "' (known: %s)",
                STR_ARG(level), b.ptr ? b.ptr : "");
        buf_fini(&b);
        return DS_EINVAL;
    }
    while (comps.len) {
        size_t n = 0;
        while (n < comps.len && comps.ptr[n] != '/' && comps.ptr[n] != ',') {
            n++;
        }
        str name = str_trim(str_sub(comps, 0, n));
        comps = str_sub(comps, n + 1, comps.len);
        if (name.len == 0) {
            continue;
        }
        int found = -1;
        for (size_t i = 0; i < db->n_comps; i++) {
            if (db->comps[i] && str_eqi(name, str_c(db->comps[i]))) {
                found = (int)i;
            }
        }
        if (found < 0) {
            return ds_fail(e, DS_EINVAL,
                           "unknown compartment '" STR_FMT
                           "' (define it with `dossier case markings`)",
                           STR_ARG(name));
        }
        out->comps |= (uint64_t)1 << found;
    }
    return DS_OK;
}

void kg_marking_format(kg_db *db, kg_marking m, buf *out)
{
    if (m.level >= 0 && (size_t)m.level < db->n_levels) {
        buf_puts(out, db->levels[m.level]);
    } else {
        buf_printf(out, "LEVEL%d", m.level);
    }
    const char *sep = "//";
    for (size_t i = 0; i < KG_MAX_COMPARTMENTS; i++) {
        if (m.comps & ((uint64_t)1 << i)) {
            buf_puts(out, sep);
            buf_puts(out, i < db->n_comps && db->comps[i] ? db->comps[i] : "?");
            sep = "/";
        }
    }
}

ds_rc kg_set_markings(kg_db *db, const char *const *levels, size_t n_levels,
                      const char *const *comps, size_t n_comps, ds_err *e)
{
    sqlite3_stmt *st = NULL;
    int n_docs = 0;
    ds_rc rc;
    if (n_levels == 0 || n_levels > KG_MAX_LEVELS) {
        return ds_fail(e, DS_EINVAL, "a case needs 1 to %d marking levels",
                       KG_MAX_LEVELS);
    }
    if (n_comps > KG_MAX_COMPARTMENTS) {
        return ds_fail(e, DS_EINVAL, "at most %d compartments",
                       KG_MAX_COMPARTMENTS);
    }
    if ((rc = kg_exec(db, "BEGIN IMMEDIATE", e))) {
        return rc;
    }
    if ((rc = pragma_int(db, "SELECT count(*) FROM documents", &n_docs, e))) {
        goto fail;
    }
    if (n_docs > 0) {
        rc = ds_fail(e, DS_ECONFLICT,
                     "%s holds %d documents: markings can only be defined "
                     "on an empty case",
                     db->path, n_docs);
        goto fail;
    }
    if ((rc = kg_exec(db,
                      "DELETE FROM marking_levels; "
                      "DELETE FROM compartments",
                      e))) {
        goto fail;
    }
    for (int pass = 0; pass < 2; pass++) {
        const char *const *names = pass ? comps : levels;
        size_t n = pass ? n_comps : n_levels;
        const char *sql = pass ? "INSERT INTO compartments(id, name) "
                                 "VALUES (?, ?)"
                               : "INSERT INTO marking_levels(rank, name) "
                                 "VALUES (?, ?)";
        if ((rc = kg_prepare(db, sql, &st, e))) {
            goto fail;
        }
        for (size_t i = 0; i < n; i++) {
            str nm = str_trim(str_c(names[i]));
            bool bad = nm.len == 0 || nm.len > 64;
            for (size_t k = 0; k < nm.len; k++) {
                char c = nm.ptr[k];
                if (c == '/' || c == ',' || c == ' ' || c == ':') {
                    bad = true;
                }
            }
            if (bad) {
                rc = ds_fail(e, DS_EINVAL,
                             "invalid %s name '%s' (1-64 characters, no "
                             "spaces, '/', ',' or ':')",
                             pass ? "compartment" : "level", names[i]);
                goto fail;
            }
            sqlite3_bind_int(st, 1, (int)i);
            sqlite3_bind_text(st, 2, nm.ptr, (int)nm.len, SQLITE_TRANSIENT);
            if (sqlite3_step(st) != SQLITE_DONE) {
                rc = ds_fail(e, DS_EINVAL, "%s name '%s': %s",
                             pass ? "compartment" : "level", names[i],
                             sqlite3_errmsg(db->h));
                goto fail;
            }
            sqlite3_reset(st);
        }
        sqlite3_finalize(st);
        st = NULL;
    }
    if ((rc = kg_exec(db, "COMMIT", e))) {
        goto fail;
    }
    return load_markings(db, e);
fail:
    sqlite3_finalize(st);
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
    load_markings(db, NULL);
    return rc;
}

/* ---- Writing ---- */

ds_rc kg_begin(kg_db *db, ds_err *e)
{
    return kg_exec(db, "BEGIN IMMEDIATE", e);
}

ds_rc kg_commit(kg_db *db, ds_err *e)
{
    return kg_exec(db, "COMMIT", e);
}

void kg_rollback(kg_db *db)
{
    sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
}

static ds_rc step_done(kg_db *db, sqlite3_stmt *st, const char *what, ds_err *e)
{
    int s = sqlite3_step(st);
    sqlite3_reset(st);
    if (s != SQLITE_DONE && s != SQLITE_ROW) {
        return ds_fail(e, DS_EDB, "%s: %s: %s", db->path, what,
                       sqlite3_errmsg(db->h));
    }
    return DS_OK;
}

static void bind_opt(sqlite3_stmt *st, int i, const char *s)
{
    if (s) {
        sqlite3_bind_text(st, i, s, -1, SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, i);
    }
}

ds_rc kg_source_ensure(kg_db *db, const char *name, const char *url,
                       char reliability, int64_t *out_id, ds_err *e)
{
    ds_rc rc;
    if (reliability && (reliability < 'A' || reliability > 'F')) {
        return ds_fail(e, DS_EINVAL, "reliability '%c' is not A-F",
                       reliability);
    }
    if (!db->st_src_get &&
        ((rc = kg_prepare(db,
                          "SELECT id, reliability FROM sources "
                          "WHERE name = ?",
                          &db->st_src_get, e)) ||
         (rc = kg_prepare(db,
                          "INSERT INTO sources(name, url, reliability, "
                          "created_at) VALUES (?, ?, ?, "
                          "strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                          &db->st_src_ins, e)) ||
         (rc = kg_prepare(db,
                          "UPDATE sources SET reliability = ?, "
                          "url = coalesce(?, url) WHERE id = ?",
                          &db->st_src_upd, e)))) {
        return rc;
    }
    sqlite3_stmt *st = db->st_src_get;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const unsigned char *r = sqlite3_column_text(st, 1);
        bool change = reliability && (!r || r[0] != (unsigned char)reliability);
        sqlite3_reset(st);
        *out_id = id;
        if (change) {
            char rs[2] = {reliability, 0};
            sqlite3_bind_text(db->st_src_upd, 1, rs, 1, SQLITE_TRANSIENT);
            bind_opt(db->st_src_upd, 2, url);
            sqlite3_bind_int64(db->st_src_upd, 3, id);
            return step_done(db, db->st_src_upd, "update source", e);
        }
        return DS_OK;
    }
    sqlite3_reset(st);
    char rs[2] = {reliability ? reliability : 'F', 0};
    st = db->st_src_ins;
    sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    bind_opt(st, 2, url);
    sqlite3_bind_text(st, 3, rs, 1, SQLITE_TRANSIENT);
    if ((rc = step_done(db, st, "insert source", e))) {
        return rc;
    }
    *out_id = sqlite3_last_insert_rowid(db->h);
    return DS_OK;
}

static ds_rc prepare_write(kg_db *db, ds_err *e)
{
    ds_rc rc;
    if (db->st_doc) {
        return DS_OK;
    }
    if ((rc = kg_prepare(db,
                         "SELECT id, level, compartments FROM documents "
                         "WHERE content_hash = ?",
                         &db->st_hash, e)) ||
        (rc = kg_prepare(db, "SELECT doc_id FROM doc_bands WHERE band = ?",
                         &db->st_band, e)) ||
        (rc = kg_prepare(db,
                         "SELECT minhash, level, compartments "
                         "FROM documents WHERE id = ?",
                         &db->st_mh, e)) ||
        (rc = kg_prepare(
             db,
             "INSERT INTO documents(source_id, title, url, author, "
             "published, ingested_at, origin, format, content_hash, level, "
             "compartments, credibility, duplicate_of, similarity, text_len, "
             "n_tokens, n_sentences, offset_map, minhash) VALUES (?1, ?2, ?3, "
             "?4, ?5, strftime('%Y-%m-%dT%H:%M:%SZ','now'), ?6, ?7, ?8, ?9, "
             "?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
             &db->st_doc, e)) ||
        (rc = kg_prepare(db,
                         "INSERT INTO doc_fts(rowid, title, body) "
                         "VALUES (?, ?, ?)",
                         &db->st_fts, e)) ||
        (rc = kg_prepare(db,
                         "INSERT INTO sentences(doc_id, spans) VALUES (?, ?)",
                         &db->st_sent, e)) ||
        (rc = kg_prepare(db,
                         "INSERT OR IGNORE INTO doc_bands(band, doc_id) "
                         "VALUES (?, ?)",
                         &db->st_bandins, e)) ||
        (rc = kg_prepare(db,
                         "INSERT INTO mentions(doc_id, start, end, sentence, "
                         "type, text, confidence) VALUES (?, ?, ?, ?, ?, ?, ?)",
                         &db->st_mention, e))) {
        return rc;
    }
    return DS_OK;
}

static double minhash_similarity(const uint64_t *a, const void *b, size_t b_len)
{
    if (b_len != KG_MINHASH_SIZE * sizeof(uint64_t)) {
        return 0;
    }
    uint64_t bv[KG_MINHASH_SIZE];
    memcpy(bv, b, sizeof bv);
    int same = 0;
    for (int i = 0; i < KG_MINHASH_SIZE; i++) {
        same += a[i] == bv[i];
    }
    return (double)same / KG_MINHASH_SIZE;
}

ds_rc kg_doc_store(kg_db *db, const kg_doc_in *d, double near_threshold,
                   kg_stored *out, ds_err *e)
{
    ds_rc rc;
    if ((rc = prepare_write(db, e))) {
        return rc;
    }
    memset(out, 0, sizeof *out);
    /* Exact copy: skipped only when an earlier copy is visible to everyone
     * who may see this one, i.e. its marking is at or below ours. */
    sqlite3_stmt *st = db->st_hash;
    sqlite3_bind_blob(st, 1, d->hash, KG_HASH_BYTES, SQLITE_STATIC);
    while (sqlite3_step(st) == SQLITE_ROW) {
        kg_marking m = {sqlite3_column_int(st, 1),
                        (uint64_t)sqlite3_column_int64(st, 2)};
        if (kg_may_see(d->marking, m)) {
            out->id = sqlite3_column_int64(st, 0);
            out->original = out->id;
            out->result = KG_EXACT_DUPLICATE;
            out->similarity = 1.0;
            sqlite3_reset(st);
            return DS_OK;
        }
    }
    sqlite3_reset(st);

    /* Near copy: candidates share an LSH band; the full signature confirms.
     * The same visibility condition applies to the original. */
    int64_t best = 0;
    double best_sim = 0;
    if (d->minhash) {
        int64_t seen[64];
        size_t n_seen = 0;
        for (int b = 0; b < KG_MINHASH_BANDS; b++) {
            sqlite3_bind_int64(db->st_band, 1, (int64_t)d->bands[b]);
            while (sqlite3_step(db->st_band) == SQLITE_ROW) {
                int64_t cand = sqlite3_column_int64(db->st_band, 0);
                bool dup = false;
                for (size_t k = 0; k < n_seen; k++) {
                    dup |= seen[k] == cand;
                }
                if (dup || n_seen == 64) {
                    continue;
                }
                seen[n_seen++] = cand;
                sqlite3_bind_int64(db->st_mh, 1, cand);
                if (sqlite3_step(db->st_mh) == SQLITE_ROW) {
                    kg_marking m = {
                        sqlite3_column_int(db->st_mh, 1),
                        (uint64_t)sqlite3_column_int64(db->st_mh, 2)};
                    double sim = minhash_similarity(
                        d->minhash, sqlite3_column_blob(db->st_mh, 0),
                        (size_t)sqlite3_column_bytes(db->st_mh, 0));
                    if (kg_may_see(d->marking, m) && sim >= near_threshold &&
                        (sim > best_sim || (sim == best_sim && cand < best))) {
                        best = cand;
                        best_sim = sim;
                    }
                }
                sqlite3_reset(db->st_mh);
            }
            sqlite3_reset(db->st_band);
        }
    }

    st = db->st_doc;
    if (d->source_id) {
        sqlite3_bind_int64(st, 1, d->source_id);
    } else {
        sqlite3_bind_null(st, 1);
    }
    bind_opt(st, 2, d->title);
    bind_opt(st, 3, d->url);
    bind_opt(st, 4, d->author);
    bind_opt(st, 5, d->published);
    bind_opt(st, 6, d->origin);
    bind_opt(st, 7, d->format ? d->format : "text");
    sqlite3_bind_blob(st, 8, d->hash, KG_HASH_BYTES, SQLITE_STATIC);
    sqlite3_bind_int(st, 9, d->marking.level);
    sqlite3_bind_int64(st, 10, (int64_t)d->marking.comps);
    sqlite3_bind_int(st, 11, d->credibility);
    if (best) {
        sqlite3_bind_int64(st, 12, best);
        sqlite3_bind_double(st, 13, best_sim);
    } else {
        sqlite3_bind_null(st, 12);
        sqlite3_bind_null(st, 13);
    }
    sqlite3_bind_int64(st, 14, (int64_t)d->text.len);
    sqlite3_bind_int64(st, 15, d->n_tokens);
    sqlite3_bind_int64(st, 16, (int64_t)d->n_sentences);
    if (d->offset_map_len) {
        sqlite3_bind_blob(st, 17, d->offset_map, (int)d->offset_map_len,
                          SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 17);
    }
    if (d->minhash) {
        sqlite3_bind_blob(st, 18, d->minhash,
                          KG_MINHASH_SIZE * sizeof(uint64_t), SQLITE_STATIC);
    } else {
        sqlite3_bind_null(st, 18);
    }
    if ((rc = step_done(db, st, "insert document", e))) {
        return rc;
    }
    int64_t id = sqlite3_last_insert_rowid(db->h);

    st = db->st_fts;
    sqlite3_bind_int64(st, 1, id);
    bind_opt(st, 2, d->title ? d->title : "");
    sqlite3_bind_text(st, 3, d->text.ptr, (int)d->text.len, SQLITE_STATIC);
    if ((rc = step_done(db, st, "index document text", e))) {
        return rc;
    }
    if (d->n_sentences) {
        size_t nb = d->n_sentences * 8;
        unsigned char *spans = xmalloc(nb);
        for (size_t i = 0; i < 2 * d->n_sentences; i++) {
            uint32_t v = d->sentences[i];
            spans[4 * i] = (unsigned char)v;
            spans[4 * i + 1] = (unsigned char)(v >> 8);
            spans[4 * i + 2] = (unsigned char)(v >> 16);
            spans[4 * i + 3] = (unsigned char)(v >> 24);
        }
        st = db->st_sent;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_blob(st, 2, spans, (int)nb, SQLITE_STATIC);
        rc = step_done(db, st, "insert sentences", e);
        xfree(spans);
        if (rc) {
            return rc;
        }
    }
    /* Mentions are evidence spans into the text just stored; a near copy
     * keeps none (its original's count once). */
    for (size_t i = 0; !best && i < d->n_mentions; i++) {
        const kg_mention_in *m = &d->mentions[i];
        if (m->start >= m->end || m->end > d->text.len) {
            return ds_fail(e, DS_EBUG, "mention %u-%u outside the text",
                           m->start, m->end);
        }
        st = db->st_mention;
        sqlite3_bind_int64(st, 1, id);
        sqlite3_bind_int64(st, 2, m->start);
        sqlite3_bind_int64(st, 3, m->end);
        sqlite3_bind_int64(st, 4, m->sentence);
        sqlite3_bind_text(st, 5, m->type, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 6, d->text.ptr + m->start,
                          (int)(m->end - m->start), SQLITE_STATIC);
        sqlite3_bind_double(st, 7, m->confidence);
        if ((rc = step_done(db, st, "insert mention", e))) {
            return rc;
        }
    }
    /* Only originals are candidates, so a chain of copies links to its
     * root, and the band table stays proportional to distinct stories. */
    if (!best && d->minhash) {
        for (int b = 0; b < KG_MINHASH_BANDS; b++) {
            sqlite3_bind_int64(db->st_bandins, 1, (int64_t)d->bands[b]);
            sqlite3_bind_int64(db->st_bandins, 2, id);
            if ((rc = step_done(db, db->st_bandins, "insert band", e))) {
                return rc;
            }
        }
    }
    out->id = id;
    out->result = best ? KG_NEAR_DUPLICATE : KG_STORED;
    out->original = best;
    out->similarity = best ? best_sim : 0;
    return DS_OK;
}
