/* kg_read.c - every read path of the case store (see kg.h).
 *
 * Each function takes the viewer's clearance and computes its rows, counts,
 * totals, scores and snippets from the documents that clearance may see.
 * Ranking is the one place where that needs care: SQLite's built-in bm25()
 * takes its collection statistics (document count, average length, document
 * frequency of each term) from the whole index, so the score of a visible
 * document would move when a secret document is added. ds_bm25() below
 * computes the same Okapi BM25 from visible documents only, using a bitmap
 * of visible document ids (kg_vis) built once per call. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kg/kg_int.h"
#include "util/xalloc.h"

/* ---- Visibility ---- */

static bool vis_has(const kg_vis *v, int64_t id)
{
    return id > 0 && id <= v->max_id &&
           (v->bits[id >> 6] >> (id & 63) & 1) != 0;
}

void kg_vis_free(kg_db *db)
{
    xfree(db->vis.bits);
    memset(&db->vis, 0, sizeof db->vis);
}

/* SQLite's varint, as FTS5 writes it in its docsize table. */
static size_t get_varint(const unsigned char *p, const unsigned char *end,
                         uint64_t *out)
{
    uint64_t v = 0;
    size_t i = 0;
    while (p + i < end && i < 9) {
        unsigned char c = p[i];
        if (i == 8) {
            v = (v << 8) | c;
            *out = v;
            return 9;
        }
        v = (v << 7) | (c & 0x7F);
        i++;
        if (!(c & 0x80)) {
            *out = v;
            return i;
        }
    }
    *out = v;
    return i;
}

static int64_t data_version(kg_db *db)
{
    sqlite3_stmt *st;
    int64_t v = -1;
    if (kg_prepare(db, "PRAGMA data_version", &st, NULL) == DS_OK) {
        if (sqlite3_step(st) == SQLITE_ROW) {
            v = sqlite3_column_int64(st, 0);
        }
        sqlite3_finalize(st);
    }
    return v;
}

ds_rc kg_vis_build(kg_db *db, kg_marking clearance, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc;
    int64_t max_id = 0;
    int64_t dv = data_version(db), tc = sqlite3_total_changes64(db->h);
    if (db->vis.valid && db->vis.clearance.level == clearance.level &&
        db->vis.clearance.comps == clearance.comps &&
        db->vis.data_version == dv && db->vis.total_changes == tc) {
        return DS_OK;
    }
    kg_vis_free(db);
    if ((rc = kg_prepare(db, "SELECT coalesce(max(id), 0) FROM documents", &st,
                         e))) {
        return rc;
    }
    if (sqlite3_step(st) == SQLITE_ROW) {
        max_id = sqlite3_column_int64(st, 0);
    }
    sqlite3_finalize(st);
    db->vis.max_id = max_id;
    db->vis.bits = xcalloc((size_t)(max_id >> 6) + 1, sizeof(uint64_t));
    if ((rc = kg_prepare(db,
                         "SELECT d.id, z.sz FROM documents d "
                         "JOIN doc_fts_docsize z ON z.id = d.id "
                         "WHERE " KG_VISIBLE_SQL,
                         &st, e))) {
        return rc;
    }
    sqlite3_bind_int(st, 1, clearance.level);
    sqlite3_bind_int64(st, 2, (int64_t)clearance.comps);
    double sum_title = 0, sum_body = 0;
    int64_t n = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t id = sqlite3_column_int64(st, 0);
        const unsigned char *p = sqlite3_column_blob(st, 1);
        const unsigned char *end = p + sqlite3_column_bytes(st, 1);
        uint64_t t = 0, b = 0;
        if (p) {
            p += get_varint(p, end, &t);
            get_varint(p, end, &b);
        }
        sum_title += (double)t;
        sum_body += (double)b;
        if (id > 0 && id <= max_id) {
            db->vis.bits[id >> 6] |= (uint64_t)1 << (id & 63);
        }
        n++;
    }
    sqlite3_finalize(st);
    db->vis.n_docs = n;
    db->vis.avg_title = n ? sum_title / (double)n : 0;
    db->vis.avg_body = n ? sum_body / (double)n : 0;
    db->vis.valid = true;
    db->vis.clearance = clearance;
    db->vis.data_version = dv;
    db->vis.total_changes = tc;
    return DS_OK;
}

/* ---- Ranking: BM25 over the visible documents ---- */

#define BM25_K1 1.2
#define BM25_B  0.75

typedef struct rank_aux {
    int n_phrases;
    double *idf; /* [n_phrases] */
} rank_aux;

static void rank_aux_free(void *p)
{
    rank_aux *a = p;
    if (a) {
        xfree(a->idf);
        xfree(a);
    }
}

typedef struct df_count {
    const kg_vis *vis;
    int64_t n;
} df_count;

static int count_visible_row(const Fts5ExtensionApi *api, Fts5Context *fts,
                             void *ctx)
{
    df_count *c = ctx;
    if (vis_has(c->vis, api->xRowid(fts))) {
        c->n++;
    }
    return SQLITE_OK;
}

static void ds_bm25(const Fts5ExtensionApi *api, Fts5Context *fts,
                    sqlite3_context *ctx, int n_val, sqlite3_value **val)
{
    (void)n_val;
    (void)val;
    kg_db *db = api->xUserData(fts);
    const kg_vis *vis = &db->vis;
    rank_aux *aux = api->xGetAuxdata(fts, 0);
    int rc;
    if (!aux) {
        aux = xcalloc(1, sizeof *aux);
        aux->n_phrases = api->xPhraseCount(fts);
        aux->idf = xcalloc((size_t)aux->n_phrases + 1, sizeof(double));
        double N = (double)vis->n_docs;
        for (int i = 0; i < aux->n_phrases; i++) {
            df_count c = {vis, 0};
            rc = api->xQueryPhrase(fts, i, &c, count_visible_row);
            if (rc != SQLITE_OK) {
                rank_aux_free(aux);
                sqlite3_result_error_code(ctx, rc);
                return;
            }
            double df = (double)c.n;
            /* The "+1" form keeps idf positive for very common terms. */
            aux->idf[i] = log((N - df + 0.5) / (df + 0.5) + 1.0);
        }
        if ((rc = api->xSetAuxdata(fts, aux, rank_aux_free)) != SQLITE_OK) {
            sqlite3_result_error_code(ctx, rc);
            return;
        }
    }
    /* Column weights: a hit in the title counts twice a hit in the body. */
    static const double weight[2] = {2.0, 1.0};
    double avg[2] = {vis->avg_title, vis->avg_body};
    int n_inst = 0;
    if ((rc = api->xInstCount(fts, &n_inst)) != SQLITE_OK) {
        sqlite3_result_error_code(ctx, rc);
        return;
    }
    /* tf[phrase][column] */
    int tf_small[2 * 16];
    int *tf = aux->n_phrases <= 16
                  ? tf_small
                  : xcalloc((size_t)aux->n_phrases * 2, sizeof(int));
    memset(tf, 0, (size_t)aux->n_phrases * 2 * sizeof(int));
    for (int i = 0; i < n_inst; i++) {
        int ph, col, off;
        if (api->xInst(fts, i, &ph, &col, &off) == SQLITE_OK && ph >= 0 &&
            ph < aux->n_phrases && col >= 0 && col < 2) {
            tf[ph * 2 + col]++;
        }
    }
    double score = 0;
    for (int col = 0; col < 2; col++) {
        int len = 0;
        api->xColumnSize(fts, col, &len);
        double norm = BM25_K1 * (1 - BM25_B +
                                 BM25_B * (avg[col] > 0 ? len / avg[col] : 0));
        for (int ph = 0; ph < aux->n_phrases; ph++) {
            double f = tf[ph * 2 + col];
            if (f > 0) {
                score += weight[col] * aux->idf[ph] * (f * (BM25_K1 + 1)) /
                         (f + norm);
            }
        }
    }
    if (tf != tf_small) {
        xfree(tf);
    }
    sqlite3_result_double(ctx, score);
}

ds_rc kg_rank_register(kg_db *db, ds_err *e)
{
    fts5_api *api = NULL;
    sqlite3_stmt *st;
    ds_rc rc;
    if ((rc = kg_prepare(db, "SELECT fts5(?1)", &st, e))) {
        return rc;
    }
    sqlite3_bind_pointer(st, 1, (void *)&api, "fts5_api_ptr", NULL);
    sqlite3_step(st);
    sqlite3_finalize(st);
    if (!api || api->iVersion < 2) {
        return ds_fail(e, DS_EDB, "SQLite was built without FTS5");
    }
    if (api->xCreateFunction(api, "ds_bm25", db, ds_bm25, NULL) != SQLITE_OK) {
        return ds_fail(e, DS_EDB, "register ds_bm25: %s",
                       sqlite3_errmsg(db->h));
    }
    return DS_OK;
}

/* ---- Search ---- */

/* The filters every listing shares; ?1 level, ?2 compartments, ?3 from,
 * ?4 to, ?5 source name. */
#define FILTER_SQL                                                             \
    KG_VISIBLE_SQL                                                             \
    " AND (?3 IS NULL OR d.published >= ?3)"                                   \
    " AND (?4 IS NULL OR substr(d.published, 1, length(?4)) <= ?4)"            \
    " AND (?5 IS NULL OR d.source_id = (SELECT id FROM sources "               \
    "WHERE name = ?5))"

static void bind_filters(sqlite3_stmt *st, kg_marking c, const char *from,
                         const char *to, const char *source)
{
    sqlite3_bind_int(st, 1, c.level);
    sqlite3_bind_int64(st, 2, (int64_t)c.comps);
    const char *v[3] = {from, to, source};
    for (int i = 0; i < 3; i++) {
        if (v[i]) {
            sqlite3_bind_text(st, 3 + i, v[i], -1, SQLITE_STATIC);
        } else {
            sqlite3_bind_null(st, 3 + i);
        }
    }
}

static ds_rc query_error(kg_db *db, ds_err *e)
{
    /* Every failure of a MATCH step with plain SQLITE_ERROR comes from the
     * query text ("fts5: syntax error near ...", "unterminated string",
     * "no such column"); anything else is the store's. */
    if (sqlite3_errcode(db->h) == SQLITE_ERROR) {
        return ds_fail(e, DS_EINVAL, "bad search query: %s",
                       sqlite3_errmsg(db->h));
    }
    return ds_fail(e, DS_EDB, "%s: search: %s", db->path,
                   sqlite3_errmsg(db->h));
}

static bool bare_char(unsigned char c)
{
    /* FTS5 barewords: ASCII letters and digits, '_', and any non-ASCII
     * byte. */
    return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') ||
           ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}

char *kg_query_rewrite(const char *q)
{
    buf b;
    buf_init(&b, 0);
    size_t n = strlen(q), i = 0;
    while (i < n) {
        char c = q[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '(' || c == ')' ||
            c == '+' || c == '^') {
            buf_putc(&b, c);
            i++;
            continue;
        }
        if (c == '"') {
            /* A quoted string is FTS5's own; copy it up to its end. */
            size_t j = i + 1;
            while (j < n && !(q[j] == '"' && (j + 1 >= n || q[j + 1] != '"'))) {
                j += q[j] == '"' ? 2 : 1;
            }
            buf_append(&b, q + i, (j < n ? j + 1 : n) - i);
            i = j < n ? j + 1 : n;
            continue;
        }
        if (strncmp(q + i, "NEAR(", 5) == 0) {
            /* NEAR(a b, N) is copied whole; its terms are barewords. */
            const char *close = strchr(q + i, ')');
            size_t j = close ? (size_t)(close - q) + 1 : n;
            buf_append(&b, q + i, j - i);
            i = j;
            continue;
        }
        size_t j = i;
        while (j < n && q[j] != ' ' && q[j] != '\t' && q[j] != '\n' &&
               q[j] != '(' && q[j] != ')' && q[j] != '"') {
            j++;
        }
        str tok = {q + i, j - i};
        /* A column filter keeps its prefix: title:word, body:word. */
        if (str_startsi(tok, STR("title:")) || str_startsi(tok, STR("body:"))) {
            size_t k = tok.ptr[0] == 't' || tok.ptr[0] == 'T' ? 6 : 5;
            buf_append(&b, tok.ptr, k);
            tok = str_sub(tok, k, tok.len);
        }
        bool star = tok.len > 1 && tok.ptr[tok.len - 1] == '*';
        str core = star ? str_sub(tok, 0, tok.len - 1) : tok;
        bool bare = core.len > 0;
        for (size_t k = 0; k < core.len; k++) {
            bare &= bare_char((unsigned char)core.ptr[k]);
        }
        if (bare) {
            buf_append(&b, tok.ptr, tok.len);
        } else if (core.len) {
            /* An indicator (203.0.113.47, evil-domain.example, a@b.c):
             * search it as the phrase of its parts. */
            buf_putc(&b, '"');
            for (size_t k = 0; k < core.len; k++) {
                if (core.ptr[k] == '"') {
                    buf_putc(&b, '"');
                }
                buf_putc(&b, core.ptr[k]);
            }
            buf_putc(&b, '"');
            if (star) {
                buf_putc(&b, '*');
            }
        } else {
            buf_append(&b, tok.ptr, tok.len);
        }
        i = j;
    }
    return buf_take(&b, NULL);
}

ds_rc kg_search(kg_db *db, kg_marking clr, const kg_search_opts *o,
                kg_hits *out, ds_err *e)
{
    sqlite3_stmt *st = NULL;
    ds_rc rc;
    memset(out, 0, sizeof *out);
    int limit = o->limit > 0 ? o->limit : 10;
    int offset = o->offset > 0 ? o->offset : 0;
    if (!o->query || !*o->query) {
        return ds_fail(e, DS_EINVAL, "empty search query");
    }
    /* One read transaction: the bitmap, the total and the page all see
     * the same state of the case, whatever other processes commit. */
    bool own_tx = sqlite3_get_autocommit(db->h) != 0;
    if (own_tx && (rc = kg_exec(db, "BEGIN", e))) {
        return rc;
    }
    char *query = kg_query_rewrite(o->query);
    if ((rc = kg_vis_build(db, clr, e))) {
        goto out;
    }
    /* Total and the join of markings over every visible match. */
    if ((rc =
             kg_prepare(db,
                        "SELECT d.level, d.compartments, count(*) "
                        "FROM doc_fts JOIN documents d ON d.id = doc_fts.rowid "
                        "WHERE doc_fts MATCH ?6 AND " FILTER_SQL
                        " GROUP BY d.level, d.compartments",
                        &st, e))) {
        goto out;
    }
    bind_filters(st, clr, o->from, o->to, o->source);
    sqlite3_bind_text(st, 6, query, -1, SQLITE_STATIC);
    int s;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kg_marking m = {sqlite3_column_int(st, 0),
                        (uint64_t)sqlite3_column_int64(st, 1)};
        out->join = kg_marking_join(out->join, m);
        out->total += sqlite3_column_int64(st, 2);
    }
    if (s != SQLITE_DONE) {
        rc = query_error(db, e);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (out->total == 0) {
        goto out;
    }
    /* Rank every visible match but fetch only the page; snippets are made
     * afterwards for the page alone (snippet() in the ranking query would
     * run for every match). */
    if ((rc = kg_prepare(
             db,
             "SELECT d.id, d.title, d.url, d.published, s.name, d.level, "
             "d.compartments, d.duplicate_of, ds_bm25(doc_fts) AS score "
             "FROM doc_fts JOIN documents d ON d.id = doc_fts.rowid "
             "LEFT JOIN sources s ON s.id = d.source_id "
             "WHERE doc_fts MATCH ?6 AND " FILTER_SQL
             " ORDER BY score DESC, d.id LIMIT ?7 OFFSET ?8",
             &st, e))) {
        goto out;
    }
    bind_filters(st, clr, o->from, o->to, o->source);
    sqlite3_bind_text(st, 6, query, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 7, limit);
    sqlite3_bind_int(st, 8, offset);
    size_t cap = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        out->v = xgrow(out->v, &cap, out->n + 1, sizeof *out->v);
        kg_hit *h = &out->v[out->n++];
        memset(h, 0, sizeof *h);
        h->id = sqlite3_column_int64(st, 0);
        h->title = kg_col_dup(st, 1);
        h->url = kg_col_dup(st, 2);
        h->published = kg_col_dup(st, 3);
        h->source = kg_col_dup(st, 4);
        h->marking = (kg_marking){sqlite3_column_int(st, 5),
                                  (uint64_t)sqlite3_column_int64(st, 6)};
        int64_t dup = sqlite3_column_int64(st, 7);
        h->duplicate_of = vis_has(&db->vis, dup) ? dup : 0;
        h->score = sqlite3_column_double(st, 8);
    }
    if (s != SQLITE_DONE) {
        rc = query_error(db, e);
        goto out;
    }
    sqlite3_finalize(st);
    st = NULL;
    if (o->snippets && out->n) {
        if ((rc = kg_prepare(db,
                             "SELECT snippet(doc_fts, 1, ?2, ?3, '...', 16) "
                             "FROM doc_fts WHERE doc_fts MATCH ?1 AND "
                             "rowid = ?4",
                             &st, e))) {
            goto out;
        }
        sqlite3_bind_text(st, 1, query, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 2, o->hl_open ? o->hl_open : "[", -1,
                          SQLITE_STATIC);
        sqlite3_bind_text(st, 3, o->hl_close ? o->hl_close : "]", -1,
                          SQLITE_STATIC);
        for (size_t i = 0; i < out->n; i++) {
            sqlite3_bind_int64(st, 4, out->v[i].id);
            if (sqlite3_step(st) == SQLITE_ROW) {
                out->v[i].snippet = kg_col_dup(st, 0);
            }
            sqlite3_reset(st);
        }
    }
out:
    sqlite3_finalize(st);
    if (own_tx) {
        sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL);
    }
    xfree(query);
    if (rc) {
        kg_hits_fini(out);
    }
    return rc;
}

void kg_hits_fini(kg_hits *h)
{
    for (size_t i = 0; i < h->n; i++) {
        kg_hit *x = &h->v[i];
        xfree(x->title);
        xfree(x->url);
        xfree(x->published);
        xfree(x->source);
        xfree(x->snippet);
    }
    xfree(h->v);
    memset(h, 0, sizeof *h);
}

/* ---- Documents ---- */

#define DOC_COLS                                                               \
    "d.id, d.title, d.url, d.author, d.published, d.ingested_at, d.origin, "   \
    "d.format, s.name, s.reliability, d.credibility, d.level, "                \
    "d.compartments, d.duplicate_of, d.similarity, d.text_len, "               \
    "d.n_sentences, d.n_tokens"

static void read_doc(kg_db *db, sqlite3_stmt *st, kg_doc *d)
{
    memset(d, 0, sizeof *d);
    d->id = sqlite3_column_int64(st, 0);
    d->title = kg_col_dup(st, 1);
    d->url = kg_col_dup(st, 2);
    d->author = kg_col_dup(st, 3);
    d->published = kg_col_dup(st, 4);
    d->ingested_at = kg_col_dup(st, 5);
    d->origin = kg_col_dup(st, 6);
    d->format = kg_col_dup(st, 7);
    d->source = kg_col_dup(st, 8);
    const unsigned char *r = sqlite3_column_text(st, 9);
    d->reliability = r ? (char)r[0] : 0;
    d->credibility = sqlite3_column_int(st, 10);
    d->marking = (kg_marking){sqlite3_column_int(st, 11),
                              (uint64_t)sqlite3_column_int64(st, 12)};
    d->duplicate_of = sqlite3_column_int64(st, 13);
    d->similarity = sqlite3_column_double(st, 14);
    d->text_len = sqlite3_column_int64(st, 15);
    d->n_sentences = sqlite3_column_int64(st, 16);
    d->n_tokens = sqlite3_column_int64(st, 17);
    (void)db;
}

/* Whether document id exists and the clearance may see it. */
static bool doc_visible(kg_db *db, kg_marking c, int64_t id)
{
    sqlite3_stmt *st;
    bool yes = false;
    if (kg_prepare(
            db, "SELECT 1 FROM documents d WHERE d.id = ?3 AND " KG_VISIBLE_SQL,
            &st, NULL)) {
        return false;
    }
    sqlite3_bind_int(st, 1, c.level);
    sqlite3_bind_int64(st, 2, (int64_t)c.comps);
    sqlite3_bind_int64(st, 3, id);
    yes = sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    return yes;
}

ds_rc kg_doc_list(kg_db *db, kg_marking clr, const kg_list_opts *o,
                  kg_docs *out, ds_err *e)
{
    sqlite3_stmt *st = NULL;
    ds_rc rc;
    int s;
    memset(out, 0, sizeof *out);
    if ((rc = kg_prepare(db,
                         "SELECT d.level, d.compartments, count(*) "
                         "FROM documents d WHERE " FILTER_SQL
                         " GROUP BY d.level, d.compartments",
                         &st, e))) {
        return rc;
    }
    bind_filters(st, clr, o->from, o->to, o->source);
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        kg_marking m = {sqlite3_column_int(st, 0),
                        (uint64_t)sqlite3_column_int64(st, 1)};
        out->join = kg_marking_join(out->join, m);
        out->total += sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        return ds_fail(e, DS_EDB, "%s: list: %s", db->path,
                       sqlite3_errmsg(db->h));
    }
    if ((rc = kg_prepare(
             db,
             "SELECT " DOC_COLS " FROM documents d "
             "LEFT JOIN sources s ON s.id = d.source_id WHERE " FILTER_SQL
             " ORDER BY coalesce(d.published, '') "
             "DESC, d.id DESC LIMIT ?6 OFFSET ?7",
             &st, e))) {
        return rc;
    }
    bind_filters(st, clr, o->from, o->to, o->source);
    sqlite3_bind_int(st, 6, o->limit > 0 ? o->limit : 50);
    sqlite3_bind_int(st, 7, o->offset > 0 ? o->offset : 0);
    size_t cap = 0;
    while ((s = sqlite3_step(st)) == SQLITE_ROW) {
        out->v = xgrow(out->v, &cap, out->n + 1, sizeof *out->v);
        read_doc(db, st, &out->v[out->n++]);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_DONE) {
        kg_docs_fini(out);
        return ds_fail(e, DS_EDB, "%s: list: %s", db->path,
                       sqlite3_errmsg(db->h));
    }
    /* A copy's original is visible to whoever sees the copy (kg_doc_store
     * guarantees it); the check keeps that true for cases written by
     * anything else. */
    for (size_t i = 0; i < out->n; i++) {
        if (out->v[i].duplicate_of &&
            !doc_visible(db, clr, out->v[i].duplicate_of)) {
            out->v[i].duplicate_of = 0;
            out->v[i].similarity = 0;
        }
    }
    return DS_OK;
}

ds_rc kg_doc_get(kg_db *db, kg_marking clr, int64_t id, bool want_text,
                 kg_doc *out, ds_err *e)
{
    sqlite3_stmt *st = NULL;
    ds_rc rc;
    memset(out, 0, sizeof *out);
    if ((rc = kg_prepare(db,
                         "SELECT " DOC_COLS " FROM documents d "
                         "LEFT JOIN sources s ON s.id = d.source_id "
                         "WHERE d.id = ?3 AND " KG_VISIBLE_SQL,
                         &st, e))) {
        return rc;
    }
    sqlite3_bind_int(st, 1, clr.level);
    sqlite3_bind_int64(st, 2, (int64_t)clr.comps);
    sqlite3_bind_int64(st, 3, id);
    int s = sqlite3_step(st);
    if (s == SQLITE_ROW) {
        read_doc(db, st, out);
    }
    sqlite3_finalize(st);
    if (s != SQLITE_ROW) {
        /* Missing and not permitted read the same (doc/MARKINGS.md). */
        return ds_fail(e, DS_ENOTFOUND, "no document %lld", (long long)id);
    }
    if (out->duplicate_of && !doc_visible(db, clr, out->duplicate_of)) {
        out->duplicate_of = 0;
        out->similarity = 0;
    }
    if (want_text) {
        if ((rc = kg_prepare(db, "SELECT body FROM doc_fts WHERE rowid = ?",
                             &st, e))) {
            kg_doc_fini(out);
            return rc;
        }
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW) {
            out->text = kg_col_dup(st, 0);
        }
        sqlite3_finalize(st);
        if (!out->text) {
            out->text = xstrdup("");
        }
    }
    return DS_OK;
}

ds_rc kg_doc_sentences(kg_db *db, kg_marking clr, int64_t id,
                       uint32_t **out_pairs, size_t *out_n, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc;
    *out_pairs = NULL;
    *out_n = 0;
    if (!doc_visible(db, clr, id)) {
        return ds_fail(e, DS_ENOTFOUND, "no document %lld", (long long)id);
    }
    if ((rc = kg_prepare(db, "SELECT spans FROM sentences WHERE doc_id = ?",
                         &st, e))) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    size_t n = 0;
    uint32_t *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW) {
        const unsigned char *p = sqlite3_column_blob(st, 0);
        size_t nb = (size_t)sqlite3_column_bytes(st, 0);
        n = p ? nb / 8 : 0;
        v = xmalloc((n ? n : 1) * 2 * sizeof *v);
        for (size_t i = 0; i < 2 * n; i++) {
            v[i] = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 |
                   (uint32_t)p[4 * i + 2] << 16 | (uint32_t)p[4 * i + 3] << 24;
        }
    }
    sqlite3_finalize(st);
    *out_pairs = v;
    *out_n = n;
    return DS_OK;
}

ds_rc kg_doc_mentions(kg_db *db, kg_marking clr, int64_t id, kg_mention **out_v,
                      size_t *out_n, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc;
    *out_v = NULL;
    *out_n = 0;
    if (!doc_visible(db, clr, id)) {
        return ds_fail(e, DS_ENOTFOUND, "no document %lld", (long long)id);
    }
    if ((rc = kg_prepare(db,
                         "SELECT id, start, end, coalesce(sentence, 0), type, "
                         "text, confidence FROM mentions WHERE doc_id = ? "
                         "ORDER BY start, end",
                         &st, e))) {
        return rc;
    }
    sqlite3_bind_int64(st, 1, id);
    size_t cap = 0, n = 0;
    kg_mention *v = NULL;
    while (sqlite3_step(st) == SQLITE_ROW) {
        v = xgrow(v, &cap, n + 1, sizeof *v);
        v[n].id = sqlite3_column_int64(st, 0);
        v[n].start = (uint32_t)sqlite3_column_int64(st, 1);
        v[n].end = (uint32_t)sqlite3_column_int64(st, 2);
        v[n].sentence = (uint32_t)sqlite3_column_int64(st, 3);
        v[n].type = kg_col_dup(st, 4);
        v[n].text = kg_col_dup(st, 5);
        v[n].confidence = sqlite3_column_double(st, 6);
        n++;
    }
    sqlite3_finalize(st);
    *out_v = v;
    *out_n = n;
    return DS_OK;
}

void kg_mentions_free(kg_mention *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        xfree(v[i].type);
        xfree(v[i].text);
    }
    xfree(v);
}

void kg_doc_fini(kg_doc *d)
{
    xfree(d->title);
    xfree(d->url);
    xfree(d->author);
    xfree(d->published);
    xfree(d->ingested_at);
    xfree(d->origin);
    xfree(d->format);
    xfree(d->source);
    xfree(d->text);
    memset(d, 0, sizeof *d);
}

void kg_docs_fini(kg_docs *d)
{
    for (size_t i = 0; i < d->n; i++) {
        kg_doc_fini(&d->v[i]);
    }
    xfree(d->v);
    memset(d, 0, sizeof *d);
}

/* ---- Statistics ---- */

static ds_rc count_groups(kg_db *db, kg_marking c, const char *sql,
                          kg_count **out, size_t *out_n, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc;
    size_t cap = 0;
    *out = NULL;
    *out_n = 0;
    if ((rc = kg_prepare(db, sql, &st, e))) {
        return rc;
    }
    sqlite3_bind_int(st, 1, c.level);
    sqlite3_bind_int64(st, 2, (int64_t)c.comps);
    while (sqlite3_step(st) == SQLITE_ROW) {
        *out = xgrow(*out, &cap, *out_n + 1, sizeof **out);
        char *name = kg_col_dup(st, 0);
        (*out)[*out_n].name = name ? name : xstrdup("(none)");
        (*out)[*out_n].n = sqlite3_column_int64(st, 1);
        (*out_n)++;
    }
    sqlite3_finalize(st);
    return DS_OK;
}

ds_rc kg_stats_get(kg_db *db, kg_marking c, kg_stats *out, ds_err *e)
{
    sqlite3_stmt *st;
    ds_rc rc;
    memset(out, 0, sizeof *out);
    if ((rc = kg_prepare(
             db,
             "SELECT count(*), count(d.duplicate_of), "
             "count(DISTINCT d.source_id), coalesce(sum(d.n_sentences), 0), "
             "coalesce(sum(d.n_tokens), 0), coalesce(sum(d.text_len), 0), "
             "min(d.published), max(d.published), coalesce(max(d.level), 0) "
             "FROM documents d WHERE " KG_VISIBLE_SQL,
             &st, e))) {
        return rc;
    }
    sqlite3_bind_int(st, 1, c.level);
    sqlite3_bind_int64(st, 2, (int64_t)c.comps);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->documents = sqlite3_column_int64(st, 0);
        out->duplicates = sqlite3_column_int64(st, 1);
        out->sources = sqlite3_column_int64(st, 2);
        out->sentences = sqlite3_column_int64(st, 3);
        out->tokens = sqlite3_column_int64(st, 4);
        out->bytes = sqlite3_column_int64(st, 5);
        out->first_published = kg_col_dup(st, 6);
        out->last_published = kg_col_dup(st, 7);
    }
    sqlite3_finalize(st);
    /* Derived objects count only through visible evidence. */
    if ((rc = kg_prepare(
             db,
             "SELECT (SELECT count(*) FROM mentions m JOIN documents d "
             "ON d.id = m.doc_id WHERE " KG_VISIBLE_SQL "), "
             "(SELECT count(DISTINCT m.entity_id) FROM mentions m JOIN "
             "documents d ON d.id = m.doc_id WHERE " KG_VISIBLE_SQL "), "
             "(SELECT count(DISTINCT ce.claim_id) FROM claim_evidence ce JOIN "
             "documents d ON d.id = ce.doc_id WHERE " KG_VISIBLE_SQL ")",
             &st, e))) {
        kg_stats_fini(out);
        return rc;
    }
    sqlite3_bind_int(st, 1, c.level);
    sqlite3_bind_int64(st, 2, (int64_t)c.comps);
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->mentions = sqlite3_column_int64(st, 0);
        out->entities = sqlite3_column_int64(st, 1);
        out->claims = sqlite3_column_int64(st, 2);
    }
    sqlite3_finalize(st);
    if ((rc = count_groups(
             db, c,
             "SELECT d.format, count(*) FROM documents d WHERE " KG_VISIBLE_SQL
             " GROUP BY 1 ORDER BY 2 DESC, 1",
             &out->by_format, &out->n_by_format, e)) ||
        (rc = count_groups(
             db, c,
             "SELECT s.name, count(*) FROM documents d LEFT "
             "JOIN sources s ON s.id = d.source_id WHERE " KG_VISIBLE_SQL
             " GROUP BY 1 ORDER BY 2 DESC, 1",
             &out->by_source, &out->n_by_source, e))) {
        kg_stats_fini(out);
        return rc;
    }
    /* By marking, formatted here so callers need not know the encoding. */
    if ((rc = kg_prepare(db,
                         "SELECT d.level, d.compartments, count(*) FROM "
                         "documents d WHERE " KG_VISIBLE_SQL
                         " GROUP BY 1, 2 ORDER BY 1, 2",
                         &st, e))) {
        kg_stats_fini(out);
        return rc;
    }
    sqlite3_bind_int(st, 1, c.level);
    sqlite3_bind_int64(st, 2, (int64_t)c.comps);
    size_t cap = 0;
    while (sqlite3_step(st) == SQLITE_ROW) {
        kg_marking m = {sqlite3_column_int(st, 0),
                        (uint64_t)sqlite3_column_int64(st, 1)};
        buf b;
        buf_init(&b, 0);
        kg_marking_format(db, m, &b);
        out->by_marking = xgrow(out->by_marking, &cap, out->n_by_marking + 1,
                                sizeof *out->by_marking);
        out->by_marking[out->n_by_marking].name = buf_take(&b, NULL);
        out->by_marking[out->n_by_marking].n = sqlite3_column_int64(st, 2);
        out->n_by_marking++;
        out->join = kg_marking_join(out->join, m);
    }
    sqlite3_finalize(st);
    return DS_OK;
}

void kg_stats_fini(kg_stats *s)
{
    kg_count *groups[3] = {s->by_format, s->by_source, s->by_marking};
    size_t ns[3] = {s->n_by_format, s->n_by_source, s->n_by_marking};
    for (int g = 0; g < 3; g++) {
        for (size_t i = 0; i < ns[g]; i++) {
            xfree(groups[g][i].name);
        }
        xfree(groups[g]);
    }
    xfree(s->first_published);
    xfree(s->last_published);
    memset(s, 0, sizeof *s);
}
