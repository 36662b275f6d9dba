/* model.c - the model file container (see model.h and doc/FORMATS.md).
 *
 * Layout (all integers little-endian):
 *
 *   0   magic "DSMF"
 *   4   u32 format version (MODEL_FORMAT_VERSION)
 *   8   u32 model kind
 *   12  u32 number of sections n
 *   16  u64 file size in bytes
 *   24  u64 checksum: model_hash64 over bytes [0,24) then [32,size)
 *   32  section table: n entries of 24 bytes {char tag[8]; u64 off; u64 size}
 *   ... payloads, each starting at a multiple of 16, in table order,
 *       zero padding between them
 */
#include "nlp/model.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/str.h"
#include "util/xalloc.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "model files are read in place: a little-endian host is required"
#endif

#define HDR_SIZE   32u
#define ENTRY_SIZE 24u
#define ALIGN      16u

typedef struct section {
    char tag[MODEL_TAG_MAX + 1];
    uint64_t off, size;
} section;

struct model_file {
    const unsigned char *base;
    size_t len;
    bool mapped; /* munmap at close */
    bool owned;  /* xfree at close */
    uint32_t kind;
    uint32_t n_sections;
    section sections[MODEL_MAX_SECTIONS];
    char name[256];
};

/* ---- hash ---- */

static inline uint64_t rd64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static inline uint32_t rd32(const unsigned char *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static inline uint64_t mix64(uint64_t h)
{
    h ^= h >> 32;
    h *= 0xd6e8feb86659fd93ULL;
    h ^= h >> 32;
    return h;
}

uint64_t model_hash64(const void *data, size_t len, uint64_t seed)
{
    const unsigned char *p = data;
    uint64_t h = seed ^ (len * 0x9e3779b97f4a7c15ULL);
    /* Four independent lanes keep the multiplier pipeline busy. */
    uint64_t a = h, b = h + 1, c = h + 2, d = h + 3;
    while (len >= 32) {
        a = (a ^ rd64(p)) * 0x9e3779b97f4a7c15ULL;
        b = (b ^ rd64(p + 8)) * 0xc2b2ae3d27d4eb4fULL;
        c = (c ^ rd64(p + 16)) * 0x165667b19e3779f9ULL;
        d = (d ^ rd64(p + 24)) * 0x27d4eb2f165667c5ULL;
        a ^= a >> 29;
        b ^= b >> 31;
        c ^= c >> 27;
        d ^= d >> 33;
        p += 32;
        len -= 32;
    }
    h = mix64(a) ^ mix64(b + 0x9e37) ^ mix64(c + 0x79b9) ^ mix64(d + 0x7f4a);
    while (len >= 8) {
        h = mix64((h ^ rd64(p)) * 0x9e3779b97f4a7c15ULL);
        p += 8;
        len -= 8;
    }
    if (len) {
        uint64_t t = 0;
        memcpy(&t, p, len);
        h = mix64((h ^ t ^ ((uint64_t)len << 56)) * 0xc2b2ae3d27d4eb4fULL);
    }
    return mix64(h);
}

uint64_t model_file_checksum(const void *base, size_t len)
{
    /* Bytes [0,24) then [32,len): the checksum field is not covered. */
    uint64_t h = model_hash64(base, 24, 0x44534d4631ULL);
    return model_hash64((const unsigned char *)base + HDR_SIZE, len - HDR_SIZE,
                        h);
}

/* ---- reading ---- */

static ds_rc bad(ds_err *e, const model_file *m, const char *what)
{
    return ds_fail(e, DS_EFORMAT, "%s: %s", m->name, what);
}

static ds_rc validate(model_file *m, ds_err *e)
{
    const unsigned char *b = m->base;
    char msg[200];
    if (m->len < HDR_SIZE) {
        snprintf(msg, sizeof msg, "file is too short to be a model (%zu bytes)",
                 m->len);
        return bad(e, m, msg);
    }
    if (memcmp(b, MODEL_MAGIC, 4) != 0) {
        return bad(e, m, "not a dossier model file (bad magic)");
    }
    uint32_t version = rd32(b + 4);
    if (version != MODEL_FORMAT_VERSION) {
        snprintf(msg, sizeof msg,
                 "model format version %u, this program reads version %u",
                 version, MODEL_FORMAT_VERSION);
        return bad(e, m, msg);
    }
    m->kind = rd32(b + 8);
    uint32_t n = rd32(b + 12);
    uint64_t size = rd64(b + 16);
    if (size != m->len) {
        snprintf(msg, sizeof msg,
                 "file has %zu bytes but its header says %llu (truncated or "
                 "extended)",
                 m->len, (unsigned long long)size);
        return bad(e, m, msg);
    }
    if (n > MODEL_MAX_SECTIONS) {
        snprintf(msg, sizeof msg, "too many sections (%u, at most %u)", n,
                 MODEL_MAX_SECTIONS);
        return bad(e, m, msg);
    }
    size_t table_end = HDR_SIZE + (size_t)n * ENTRY_SIZE;
    if (table_end > m->len) {
        return bad(e, m, "section table extends past end of file");
    }
    if (model_file_checksum(b, m->len) != rd64(b + 24)) {
        return bad(e, m, "checksum mismatch (file altered or damaged)");
    }
    uint64_t prev_end = table_end;
    for (uint32_t i = 0; i < n; i++) {
        const unsigned char *ent = b + HDR_SIZE + (size_t)i * ENTRY_SIZE;
        section *s = &m->sections[i];
        memcpy(s->tag, ent, MODEL_TAG_MAX);
        s->tag[MODEL_TAG_MAX] = '\0';
        size_t tl = strlen(s->tag);
        bool ok = tl > 0;
        for (size_t k = 0; k < MODEL_TAG_MAX; k++) {
            unsigned char ch = ent[k];
            if (k < tl ? (ch < 0x21 || ch > 0x7e) : ch != 0) {
                ok = false;
            }
        }
        if (!ok) {
            snprintf(msg, sizeof msg, "section %u has a malformed tag", i);
            return bad(e, m, msg);
        }
        s->off = rd64(ent + 8);
        s->size = rd64(ent + 16);
        if (s->off > m->len || s->size > m->len - s->off) {
            snprintf(msg, sizeof msg, "section '%s' extends past end of file",
                     s->tag);
            return bad(e, m, msg);
        }
        if (s->off % ALIGN != 0 || s->off < prev_end) {
            snprintf(msg, sizeof msg, "section '%s' is misplaced (offset %llu)",
                     s->tag, (unsigned long long)s->off);
            return bad(e, m, msg);
        }
        prev_end = s->off + s->size;
        for (uint32_t j = 0; j < i; j++) {
            if (strcmp(m->sections[j].tag, s->tag) == 0) {
                snprintf(msg, sizeof msg, "section '%s' appears twice", s->tag);
                return bad(e, m, msg);
            }
        }
    }
    m->n_sections = n;
    return DS_OK;
}

static model_file *mf_new(const char *name)
{
    model_file *m = xcalloc(1, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name ? name : "model");
    return m;
}

ds_rc model_open_mem(const void *ptr, size_t len, const char *name,
                     model_file **out_m, ds_err *e)
{
    *out_m = NULL;
    model_file *m = mf_new(name);
    if (len > 0 && ((uintptr_t)ptr % ALIGN) != 0) {
        void *copy = xmalloc(len);
        memcpy(copy, ptr, len);
        m->base = copy;
        m->owned = true;
    } else {
        m->base = ptr;
    }
    m->len = len;
    ds_rc rc = validate(m, e);
    if (rc != DS_OK) {
        model_close(m);
        return rc;
    }
    *out_m = m;
    return DS_OK;
}

ds_rc model_open_file(const char *path, model_file **out_m, ds_err *e)
{
    *out_m = NULL;
    model_file *m = mf_new(path);
    ds_rc rc = DS_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rc = ds_fail(e, errno == ENOENT ? DS_ENOTFOUND : DS_EIO,
                     "%s: cannot open model: %s", path, strerror(errno));
        goto out;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        rc = ds_fail(e, DS_EIO, "%s: %s", path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(st.st_mode)) {
        rc = ds_fail(e, DS_EIO, "%s: not a regular file", path);
        goto out;
    }
    m->len = (size_t)st.st_size;
    if (m->len < HDR_SIZE) {
        rc = validate(m, e); /* "file is too short" */
        goto out;
    }
    void *p = mmap(NULL, m->len, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
    if (p == MAP_FAILED) {
        rc = ds_fail(e, DS_EIO, "%s: mmap: %s", path, strerror(errno));
        goto out;
    }
    m->base = p;
    m->mapped = true;
    rc = validate(m, e);
out:
    if (fd >= 0) {
        close(fd);
    }
    if (rc != DS_OK) {
        model_close(m);
        return rc;
    }
    *out_m = m;
    return DS_OK;
}

void model_close(model_file *m)
{
    if (!m) {
        return;
    }
    if (m->mapped) {
        munmap((void *)m->base, m->len);
    } else if (m->owned) {
        xfree((void *)m->base);
    }
    xfree(m);
}

uint32_t model_kind_of(const model_file *m)
{
    return m->kind;
}

const char *model_name(const model_file *m)
{
    return m->name;
}

size_t model_size(const model_file *m)
{
    return m->len;
}

bool model_section(const model_file *m, const char *tag, const void **out_ptr,
                   size_t *out_len)
{
    for (uint32_t i = 0; i < m->n_sections; i++) {
        if (strncmp(m->sections[i].tag, tag, MODEL_TAG_MAX) == 0) {
            *out_ptr = m->base + m->sections[i].off;
            *out_len = (size_t)m->sections[i].size;
            return true;
        }
    }
    *out_ptr = NULL;
    *out_len = 0;
    return false;
}

ds_rc model_need(const model_file *m, const char *tag, const void **out_ptr,
                 size_t *out_len, ds_err *e)
{
    if (!model_section(m, tag, out_ptr, out_len)) {
        return ds_fail(e, DS_EFORMAT, "%s: missing section '%s'", m->name, tag);
    }
    return DS_OK;
}

/* ---- writing ---- */

struct model_writer {
    uint32_t kind;
    uint32_t n;
    section sections[MODEL_MAX_SECTIONS];
    unsigned char *data[MODEL_MAX_SECTIONS];
};

model_writer *model_writer_new(uint32_t kind)
{
    model_writer *w = xcalloc(1, sizeof *w);
    w->kind = kind;
    return w;
}

void model_writer_free(model_writer *w)
{
    if (!w) {
        return;
    }
    for (uint32_t i = 0; i < w->n; i++) {
        xfree(w->data[i]);
    }
    xfree(w);
}

ds_rc model_writer_add(model_writer *w, const char *tag, const void *data,
                       size_t len, ds_err *e)
{
    size_t tl = strlen(tag);
    if (tl == 0 || tl > MODEL_TAG_MAX) {
        return ds_fail(e, DS_EINVAL, "model section tag '%s': 1 to %d bytes",
                       tag, MODEL_TAG_MAX);
    }
    for (size_t k = 0; k < tl; k++) {
        if ((unsigned char)tag[k] < 0x21 || (unsigned char)tag[k] > 0x7e) {
            return ds_fail(e, DS_EINVAL,
                           "model section tag '%s': not "
                           "printable ASCII",
                           tag);
        }
    }
    if (w->n >= MODEL_MAX_SECTIONS) {
        return ds_fail(e, DS_EINVAL, "more than %d model sections",
                       MODEL_MAX_SECTIONS);
    }
    for (uint32_t i = 0; i < w->n; i++) {
        if (strcmp(w->sections[i].tag, tag) == 0) {
            return ds_fail(e, DS_EINVAL, "model section '%s' added twice", tag);
        }
    }
    section *s = &w->sections[w->n];
    memset(s->tag, 0, sizeof s->tag);
    memcpy(s->tag, tag, tl);
    s->size = len;
    w->data[w->n] = xmalloc(len ? len : 1);
    if (len) {
        memcpy(w->data[w->n], data, len);
    }
    w->n++;
    return DS_OK;
}

static void wr32(unsigned char *p, uint32_t v)
{
    memcpy(p, &v, 4);
}

static void wr64(unsigned char *p, uint64_t v)
{
    memcpy(p, &v, 8);
}

void *model_writer_take(model_writer *w, size_t *out_len)
{
    size_t off = HDR_SIZE + (size_t)w->n * ENTRY_SIZE;
    for (uint32_t i = 0; i < w->n; i++) {
        off = (off + ALIGN - 1) / ALIGN * ALIGN;
        w->sections[i].off = off;
        off += w->sections[i].size;
    }
    size_t len = off;
    unsigned char *b = xcalloc(1, len);
    memcpy(b, MODEL_MAGIC, 4);
    wr32(b + 4, MODEL_FORMAT_VERSION);
    wr32(b + 8, w->kind);
    wr32(b + 12, w->n);
    wr64(b + 16, len);
    for (uint32_t i = 0; i < w->n; i++) {
        unsigned char *ent = b + HDR_SIZE + (size_t)i * ENTRY_SIZE;
        memcpy(ent, w->sections[i].tag, MODEL_TAG_MAX);
        wr64(ent + 8, w->sections[i].off);
        wr64(ent + 16, w->sections[i].size);
        if (w->sections[i].size) {
            memcpy(b + w->sections[i].off, w->data[i],
                   (size_t)w->sections[i].size);
        }
    }
    wr64(b + 24, model_file_checksum(b, len));
    *out_len = len;
    return b;
}

ds_rc model_writer_write_file(model_writer *w, const char *path, ds_err *e)
{
    size_t len;
    void *b = model_writer_take(w, &len);
    char tmp[PATH_MAX];
    ds_rc rc = DS_OK;
    FILE *f = NULL;
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >=
        sizeof tmp) {
        rc = ds_fail(e, DS_EINVAL, "%s: path too long", path);
        goto out;
    }
    f = fopen(tmp, "wb");
    if (!f) {
        rc = ds_fail(e, DS_EIO, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (fwrite(b, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f))) {
        rc = ds_fail(e, DS_EIO, "%s: write: %s", tmp, strerror(errno));
        goto out;
    }
    if (fclose(f) != 0) {
        f = NULL;
        rc = ds_fail(e, DS_EIO, "%s: close: %s", tmp, strerror(errno));
        goto out;
    }
    f = NULL;
    if (rename(tmp, path) != 0) {
        rc = ds_fail(e, DS_EIO, "rename %s to %s: %s", tmp, path,
                     strerror(errno));
        goto out;
    }
out:
    if (f) {
        fclose(f);
    }
    if (rc != DS_OK) {
        unlink(tmp);
    }
    xfree(b);
    return rc;
}

/* ---- where models live ---- */

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

const char *model_default_dir(char *out, size_t cap)
{
    const char *env = getenv("DOSSIER_MODELS");
    if (env && *env) {
        snprintf(out, cap, "%s", env);
        return out;
    }
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n > 0) {
        exe[n] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            char cand[PATH_MAX + 32];
            snprintf(cand, sizeof cand, "%s/../../models", exe);
            if (is_dir(cand)) {
                snprintf(out, cap, "%s", cand);
                return out;
            }
            snprintf(cand, sizeof cand, "%s/models", exe);
            if (is_dir(cand)) {
                snprintf(out, cap, "%s", cand);
                return out;
            }
        }
    }
    snprintf(out, cap, "models");
    return out;
}

const char *model_default_path(const char *file, char *out, size_t cap)
{
    char dir[PATH_MAX];
    model_default_dir(dir, sizeof dir);
    snprintf(out, cap, "%s/%s", dir, file);
    return out;
}
