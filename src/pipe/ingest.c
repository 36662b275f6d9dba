/* ingest.c - the ingest pipeline (see pipe.h).
 *
 * Shape: the calling thread lists the input files (directories walked in
 * name order), then workers take files by index and turn each into a
 * file_result (its prepared documents and its problems), and the calling
 * thread - the one writer - consumes the results strictly in file order.
 * Ordered consumption makes document ids independent of thread timing, so
 * two runs over the same input build the same case. A window bounds how far
 * workers may run ahead of the writer, which bounds memory.
 *
 * With jobs == 1 there are no threads at all: each file is prepared and
 * stored in turn by the calling thread.
 *
 * Crash safety comes from the store: documents are written in batched
 * transactions; a process killed mid-batch loses that batch and nothing
 * else (WAL), and the same ingest run again skips every document already
 * stored as an exact duplicate of itself. */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "nlp/norm.h"
#include "nlp/tok.h"
#include "pipe/pipe.h"
#include "util/xalloc.h"

#define MAX_DEPTH 64

void pipe_opts_init(pipe_opts *o)
{
    memset(o, 0, sizeof *o);
    io_options_init(&o->io);
    o->credibility = 6;
    o->jobs = 1;
    o->near_threshold = PIPE_NEAR_THRESHOLD;
    o->batch_docs = PIPE_BATCH_DOCS;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- Listing the input ---- */

typedef struct file_list {
    char **paths;
    uint64_t *sizes;
    char **errors; /* non-NULL: the path could not be listed */
    size_t n, cap;
    uint64_t total_bytes;
} file_list;

static void list_add(file_list *l, const char *path, uint64_t size,
                     const char *err)
{
    size_t cap = l->cap;
    l->paths = xgrow(l->paths, &cap, l->n + 1, sizeof *l->paths);
    cap = l->cap;
    l->sizes = xgrow(l->sizes, &cap, l->n + 1, sizeof *l->sizes);
    cap = l->cap;
    l->errors = xgrow(l->errors, &cap, l->n + 1, sizeof *l->errors);
    l->cap = cap;
    l->paths[l->n] = xstrdup(path);
    l->sizes[l->n] = size;
    l->errors[l->n] = err ? xstrdup(err) : NULL;
    l->total_bytes += size;
    l->n++;
}

static int cmp_name(const struct dirent **a, const struct dirent **b)
{
    return strcmp((*a)->d_name, (*b)->d_name);
}

static void list_path(file_list *l, const char *path, int depth, bool explicit)
{
    struct stat sb;
    if (strcmp(path, "-") == 0) {
        list_add(l, "-", 0, NULL);
        return;
    }
    if (stat(path, &sb) != 0) {
        list_add(l, path, 0, strerror(errno));
        return;
    }
    if (S_ISREG(sb.st_mode)) {
        list_add(l, path, (uint64_t)sb.st_size, NULL);
        return;
    }
    if (!S_ISDIR(sb.st_mode)) {
        if (explicit) {
            list_add(l, path, 0, "not a regular file or directory");
        }
        return;
    }
    if (depth >= MAX_DEPTH) {
        list_add(l, path, 0, "directories nested too deep (symlink loop?)");
        return;
    }
    struct dirent **ents;
    int n = scandir(path, &ents, NULL, cmp_name);
    if (n < 0) {
        list_add(l, path, 0, strerror(errno));
        return;
    }
    for (int i = 0; i < n; i++) {
        /* Hidden files and directories (.git, editor swap files) are not
         * documents. */
        if (ents[i]->d_name[0] != '.') {
            size_t len = strlen(path) + strlen(ents[i]->d_name) + 2;
            char *child = xmalloc(len);
            snprintf(child, len, "%s%s%s", path,
                     path[strlen(path) - 1] == '/' ? "" : "/", ents[i]->d_name);
            list_path(l, child, depth + 1, false);
            xfree(child);
        }
        xfree(ents[i]); /* scandir allocates with malloc */
    }
    xfree(ents);
}

static void list_free(file_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        xfree(l->paths[i]);
        xfree(l->errors[i]);
    }
    xfree(l->paths);
    xfree(l->sizes);
    xfree(l->errors);
}

/* ---- Preparing documents (workers) ---- */

typedef struct prep_doc {
    char *title, *url, *author, *published, *source;
    const char *format;
    norm_text text;
    uint32_t *sents; /* [2 * n_sents] start, end */
    size_t n_sents;
    uint32_t n_tokens;
    uint8_t hash[KG_HASH_BYTES];
    uint64_t sig[KG_MINHASH_SIZE], bands[KG_MINHASH_BANDS];
    bool has_sig;
    size_t record_no, n_replaced;
    kg_mention_in *mentions;
    size_t n_mentions;
} prep_doc;

typedef struct diag_msg {
    bool skipped; /* the record was dropped, not just odd */
    char *msg;
} diag_msg;

typedef struct file_result {
    prep_doc *docs;
    size_t n_docs, cap_docs;
    diag_msg *diags;
    size_t n_diags, cap_diags;
    char *fail; /* the file as a whole failed */
    uint64_t bytes;
} file_result;

typedef struct worker_ctx {
    tok_result tok;
    pipe_nlp_worker *nlp; /* NULL: no NLP stage */
    buf data;
    file_result *res;
    const pipe_opts *o;
} worker_ctx;

static void prep_free(prep_doc *d)
{
    xfree(d->title);
    xfree(d->url);
    xfree(d->author);
    xfree(d->published);
    xfree(d->source);
    norm_text_fini(&d->text);
    xfree(d->sents);
    xfree(d->mentions);
}

static void result_free(file_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n_docs; i++) {
        prep_free(&r->docs[i]);
    }
    for (size_t i = 0; i < r->n_diags; i++) {
        xfree(r->diags[i].msg);
    }
    xfree(r->docs);
    xfree(r->diags);
    xfree(r->fail);
    xfree(r);
}

static void add_diag(file_result *r, bool skipped, const char *msg)
{
    r->diags = xgrow(r->diags, &r->cap_diags, r->n_diags + 1, sizeof *r->diags);
    r->diags[r->n_diags].skipped = skipped;
    r->diags[r->n_diags].msg = xstrdup(msg);
    r->n_diags++;
}

static void on_diag(void *ctx, io_diag_kind kind, const char *where,
                    const char *msg)
{
    worker_ctx *w = ctx;
    char line[600];
    /* `where` ("line 12") already places the record in the file. */
    snprintf(line, sizeof line, "%s%s%s", where, *where ? ": " : "", msg);
    add_diag(w->res, kind == IO_DIAG_SKIPPED, line);
}

static char *take(char **p)
{
    char *s = *p;
    *p = NULL;
    return s;
}

static ds_rc on_record(void *ctx, io_record *rec, ds_err *e)
{
    worker_ctx *w = ctx;
    file_result *r = w->res;
    ds_rc rc;
    r->docs = xgrow(r->docs, &r->cap_docs, r->n_docs + 1, sizeof *r->docs);
    prep_doc *d = &r->docs[r->n_docs];
    memset(d, 0, sizeof *d);
    if ((rc = norm_nfc((str){rec->text, rec->text_len}, &d->text, e))) {
        return rc;
    }
    if ((rc = tok_run((str){d->text.text, d->text.len}, &w->tok, e))) {
        norm_text_fini(&d->text);
        return rc;
    }
    r->n_docs++;
    d->title = take(&rec->title);
    d->url = take(&rec->url);
    d->author = take(&rec->author);
    d->published = take(&rec->published);
    d->source = take(&rec->source);
    d->format = rec->format;
    d->record_no = rec->record_no;
    d->n_replaced = rec->n_replaced;
    d->n_tokens = (uint32_t)w->tok.n_toks;
    d->n_sents = w->tok.n_sents;
    d->sents = xmalloc((d->n_sents ? d->n_sents : 1) * 2 * sizeof(uint32_t));
    for (size_t i = 0; i < d->n_sents; i++) {
        d->sents[2 * i] = w->tok.sents[i].off;
        d->sents[2 * i + 1] = w->tok.sents[i].end;
    }
    str text = {d->text.text, d->text.len};
    pipe_text_hash(text, d->hash);
    d->has_sig =
        pipe_minhash(text, w->tok.toks, w->tok.n_toks, d->sig, d->bands);
    if (w->nlp) {
        d->n_mentions =
            pipe_nlp_run(w->nlp, text, &w->tok, d->format, &d->mentions);
    }
    return DS_OK;
}

/* Reads and prepares one file. Never fails: problems land in the result. */
static file_result *prepare_file(worker_ctx *w, const char *path,
                                 const char *list_error)
{
    file_result *r = xcalloc(1, sizeof *r);
    ds_err e;
    ds_err_clear(&e);
    if (list_error) {
        r->fail = xstrdup(list_error);
        return r;
    }
    w->res = r;
    buf_reset(&w->data);
    if (io_read_file(path, w->o->io.max_file_bytes, &w->data, &e)) {
        r->fail = xstrdup(e.msg);
        return r;
    }
    r->bytes = w->data.len;
    ds_rc rc = io_import(path, buf_str(&w->data), &w->o->io, on_record, on_diag,
                         w, &e);
    if (rc) {
        /* A file fails whole: what it produced before the error is
         * dropped, so a rerun after fixing the file stores it once. */
        for (size_t i = 0; i < r->n_docs; i++) {
            prep_free(&r->docs[i]);
        }
        r->n_docs = 0;
        r->fail = xstrdup(e.msg);
    }
    return r;
}

/* ---- Storing (the writer) ---- */

typedef struct writer {
    kg_db *db;
    const pipe_opts *o;
    pipe_summary *sum;
    size_t in_batch;
    bool in_tx;
    char *last_source;
    int64_t last_source_id;
    double t0, last_progress;
    size_t files_done, n_files;
    uint64_t bytes_done, total_bytes;
} writer;

static void emit(const writer *w, pipe_event *ev)
{
    if (w->o->on_event) {
        w->o->on_event(w->o->ctx, ev);
    }
}

static void progress(writer *w, bool final)
{
    if (!w->o->progress) {
        return;
    }
    double t = now_s();
    if (!final && t - w->last_progress < 0.25) {
        return;
    }
    w->last_progress = t;
    double el = t - w->t0;
    double docs =
        (double)(w->sum->stored + w->sum->near_duplicates + w->sum->duplicates);
    double mbs = el > 0 ? (double)w->bytes_done / 1e6 / el : 0;
    double eta = 0;
    if (w->bytes_done > 0 && w->total_bytes > w->bytes_done) {
        eta = el * (double)(w->total_bytes - w->bytes_done) /
              (double)w->bytes_done;
    }
    fprintf(stderr,
            "\r\033[Kingest: %zu/%zu files, %.0f documents, %.0f docs/s, "
            "%.1f MB/s, ETA %d:%02d",
            w->files_done, w->n_files, docs, el > 0 ? docs / el : 0, mbs,
            (int)eta / 60, (int)eta % 60);
    if (final) {
        fputc('\n', stderr);
    }
}

static ds_rc source_id(writer *w, const char *name, int64_t *out, ds_err *e)
{
    if (!name || !*name) {
        *out = 0;
        return DS_OK;
    }
    if (w->last_source && strcmp(w->last_source, name) == 0) {
        *out = w->last_source_id;
        return DS_OK;
    }
    ds_rc rc = kg_source_ensure(w->db, name, NULL, w->o->reliability, out, e);
    if (rc == DS_OK) {
        xfree(w->last_source);
        w->last_source = xstrdup(name);
        w->last_source_id = *out;
    }
    return rc;
}

static ds_rc store_result(writer *w, const char *path, file_result *r,
                          ds_err *e)
{
    ds_rc rc;
    pipe_event ev;
    w->sum->files++;
    w->files_done++;
    w->bytes_done += r->bytes;
    w->sum->bytes += r->bytes;
    if (r->fail) {
        w->sum->files_failed++;
        ev = (pipe_event){
            .kind = PIPE_EV_FILE_FAILED, .path = path, .msg = r->fail};
        emit(w, &ev);
        return DS_OK;
    }
    for (size_t i = 0; i < r->n_diags; i++) {
        ev = (pipe_event){
            .kind = PIPE_EV_WARNING, .path = path, .msg = r->diags[i].msg};
        if (r->diags[i].skipped) {
            w->sum->records_failed++;
            ev.kind = PIPE_EV_RECORD_FAILED;
        }
        emit(w, &ev);
    }
    for (size_t i = 0; i < r->n_docs; i++) {
        prep_doc *d = &r->docs[i];
        w->sum->records++;
        if (!w->in_tx) {
            if ((rc = kg_begin(w->db, e))) {
                return rc;
            }
            w->in_tx = true;
        }
        char origin[4200];
        if (d->record_no) {
            snprintf(origin, sizeof origin, "%s#%zu", path, d->record_no);
        } else {
            snprintf(origin, sizeof origin, "%s", path);
        }
        kg_doc_in in = {0};
        if ((rc = source_id(w, w->o->source ? w->o->source : d->source,
                            &in.source_id, e))) {
            return rc;
        }
        in.title = d->title;
        in.url = d->url;
        in.author = d->author;
        in.published = d->published;
        in.origin = origin;
        in.format = d->format;
        in.text = (str){d->text.text, d->text.len};
        in.offset_map = (const uint8_t *)d->text.map;
        in.offset_map_len = d->text.n_map * 2 * sizeof *d->text.map;
        in.marking = w->o->marking;
        in.credibility = w->o->credibility;
        memcpy(in.hash, d->hash, sizeof in.hash);
        if (d->has_sig) {
            memcpy(in.bands, d->bands, sizeof in.bands);
            in.minhash = d->sig;
        }
        in.sentences = d->sents;
        in.n_sentences = d->n_sents;
        in.n_tokens = d->n_tokens;
        in.mentions = d->mentions;
        in.n_mentions = d->n_mentions;
        kg_stored st;
        if ((rc = kg_doc_store(w->db, &in, w->o->near_threshold, &st, e))) {
            return ds_wrap(e, "%s", origin);
        }
        ev = (pipe_event){.path = path,
                          .record_no = d->record_no,
                          .doc_id = st.id,
                          .original = st.original,
                          .similarity = st.similarity,
                          .title = d->title};
        switch (st.result) {
        case KG_STORED:
            w->sum->stored++;
            ev.kind = PIPE_EV_STORED;
            break;
        case KG_NEAR_DUPLICATE:
            w->sum->near_duplicates++;
            ev.kind = PIPE_EV_NEAR_DUPLICATE;
            break;
        case KG_EXACT_DUPLICATE:
            w->sum->duplicates++;
            ev.kind = PIPE_EV_DUPLICATE;
            break;
        }
        emit(w, &ev);
        if (++w->in_batch >= w->o->batch_docs) {
            if ((rc = kg_commit(w->db, e))) {
                return rc;
            }
            w->in_tx = false;
            w->in_batch = 0;
        }
    }
    progress(w, false);
    return DS_OK;
}

/* ---- Threads ---- */

typedef struct shared {
    pthread_mutex_t mu;
    pthread_cond_t ready;   /* a result arrived */
    pthread_cond_t advance; /* the writer consumed a result or stopped */
    const file_list *files;
    file_result **results;
    size_t next_take, next_write, window;
    bool stop;
    const pipe_opts *o;
} shared;

static void *worker_main(void *arg)
{
    shared *s = arg;
    worker_ctx w = {.o = s->o};
    if (s->o->nlp) {
        w.nlp = pipe_nlp_worker_new(s->o->nlp);
    }
    tok_result_init(&w.tok);
    buf_init(&w.data, 0);
    for (;;) {
        pthread_mutex_lock(&s->mu);
        while (!s->stop && s->next_take < s->files->n &&
               s->next_take >= s->next_write + s->window) {
            pthread_cond_wait(&s->advance, &s->mu);
        }
        if (s->stop || s->next_take >= s->files->n) {
            pthread_mutex_unlock(&s->mu);
            break;
        }
        size_t i = s->next_take++;
        pthread_mutex_unlock(&s->mu);
        file_result *r =
            prepare_file(&w, s->files->paths[i], s->files->errors[i]);
        pthread_mutex_lock(&s->mu);
        s->results[i] = r;
        pthread_cond_broadcast(&s->ready);
        pthread_mutex_unlock(&s->mu);
    }
    tok_result_fini(&w.tok);
    pipe_nlp_worker_free(w.nlp);
    buf_fini(&w.data);
    return NULL;
}

ds_rc pipe_ingest(kg_db *db, const char *const *paths, size_t n_paths,
                  const pipe_opts *o, pipe_summary *out, ds_err *e)
{
    ds_rc rc = DS_OK;
    file_list files = {0};
    memset(out, 0, sizeof *out);
    if (sodium_init() < 0) {
        return ds_fail(e, DS_EBUG, "libsodium failed to initialise");
    }
    for (size_t i = 0; i < n_paths; i++) {
        list_path(&files, paths[i], 0, true);
    }
    writer w = {.db = db,
                .o = o,
                .sum = out,
                .t0 = now_s(),
                .n_files = files.n,
                .total_bytes = files.total_bytes};
    int jobs = o->jobs < 1 ? 1 : o->jobs;
    if (jobs == 1) {
        worker_ctx wc = {.o = o};
        if (o->nlp) {
            wc.nlp = pipe_nlp_worker_new(o->nlp);
        }
        tok_result_init(&wc.tok);
        buf_init(&wc.data, 0);
        for (size_t i = 0; i < files.n && rc == DS_OK; i++) {
            file_result *r = prepare_file(&wc, files.paths[i], files.errors[i]);
            rc = store_result(&w, files.paths[i], r, e);
            result_free(r);
        }
        tok_result_fini(&wc.tok);
        pipe_nlp_worker_free(wc.nlp);
        buf_fini(&wc.data);
    } else {
        shared s = {.files = &files, .o = o, .window = (size_t)jobs * 8 + 16};
        s.results = xcalloc(files.n + 1, sizeof *s.results);
        pthread_mutex_init(&s.mu, NULL);
        pthread_cond_init(&s.ready, NULL);
        pthread_cond_init(&s.advance, NULL);
        pthread_t *th = xcalloc((size_t)jobs, sizeof *th);
        for (int t = 0; t < jobs; t++) {
            pthread_create(&th[t], NULL, worker_main, &s);
        }
        for (size_t i = 0; i < files.n; i++) {
            pthread_mutex_lock(&s.mu);
            while (!s.results[i]) {
                pthread_cond_wait(&s.ready, &s.mu);
            }
            file_result *r = s.results[i];
            s.results[i] = NULL;
            pthread_mutex_unlock(&s.mu);
            if (rc == DS_OK) {
                rc = store_result(&w, files.paths[i], r, e);
            }
            result_free(r);
            pthread_mutex_lock(&s.mu);
            s.next_write = i + 1;
            if (rc) {
                s.stop = true;
            }
            pthread_cond_broadcast(&s.advance);
            pthread_mutex_unlock(&s.mu);
            if (rc) {
                break;
            }
        }
        for (int t = 0; t < jobs; t++) {
            pthread_join(th[t], NULL);
        }
        for (size_t i = 0; i < files.n; i++) {
            result_free(s.results[i]);
        }
        xfree(s.results);
        xfree(th);
        pthread_mutex_destroy(&s.mu);
        pthread_cond_destroy(&s.ready);
        pthread_cond_destroy(&s.advance);
    }
    if (w.in_tx) {
        if (rc == DS_OK) {
            rc = kg_commit(db, e);
        }
        if (rc) {
            kg_rollback(db);
        }
    }
    progress(&w, true);
    out->seconds = now_s() - w.t0;
    xfree(w.last_source);
    list_free(&files);
    return rc;
}
