/* dedup.c - fingerprints for duplicate detection (doc/internals/dedup.md).
 *
 * Exact duplicates: BLAKE2b-256 (libsodium) of the text with every run of
 * white space collapsed to one space and the ends trimmed, so that a copy
 * re-wrapped by another system still counts as the same text.
 *
 * Near duplicates (a syndicated wire story with a new headline, a dropped
 * paragraph, a few edited words): MinHash over lower-cased word 4-shingles,
 * in its one-permutation form (Li, Owen & Zhang 2012): each shingle is
 * hashed once, the top 6 bits of the hash pick one of 64 bins and the bin
 * keeps the minimum of the remaining bits. The share of equal bins between
 * two signatures estimates the Jaccard similarity of the shingle sets
 * (standard error about 0.06 at 64 bins), at one hash per shingle instead
 * of 64. Empty bins, which only short texts have, borrow the value of the
 * next non-empty bin (rotation densification, Shrivastava & Li 2014) so that
 * two short texts do not agree on emptiness alone. Banding (16 bands of 4
 * bins) finds candidates without comparing against every document: two
 * documents with Jaccard 0.7 share at least one band with probability
 * 1 - (1 - 0.7^4)^16 = 0.996; candidates are then confirmed on the whole
 * signature against the threshold. */
#include <sodium.h>
#include <string.h>

#include "pipe/pipe.h"
#include "util/utf8.h"

#define SHINGLE      4
#define MIN_SHINGLES 8

static bool is_ws(unsigned char c)
{
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' ||
           c == '\v';
}

void pipe_text_hash(str text, uint8_t out[KG_HASH_BYTES])
{
    /* The collapsed text goes through a small buffer so that the hash is
     * fed in large blocks rather than word by word. */
    unsigned char chunk[4096];
    size_t n_chunk = 0;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, KG_HASH_BYTES);
    const unsigned char *p = (const unsigned char *)text.ptr;
    bool space = false, any = false;
    for (size_t i = 0; i < text.len; i++) {
        if (is_ws(p[i])) {
            space = any;
            continue;
        }
        if (n_chunk + 2 > sizeof chunk) {
            crypto_generichash_update(&st, chunk, n_chunk);
            n_chunk = 0;
        }
        if (space) {
            chunk[n_chunk++] = ' ';
            space = false;
        }
        chunk[n_chunk++] = p[i];
        any = true;
    }
    crypto_generichash_update(&st, chunk, n_chunk);
    crypto_generichash_final(&st, out, KG_HASH_BYTES);
}

/* splitmix64's finalizer: a fast, well-mixed 64-bit permutation. */
static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* FNV-1a over the ASCII-lower-cased bytes of one word. */
static uint64_t word_hash(const char *p, size_t n)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)p[i];
        if (c >= 'A' && c <= 'Z') {
            c += 32;
        }
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return h;
}

bool pipe_minhash(str text, const tok_span *toks, size_t n_toks,
                  uint64_t sig[KG_MINHASH_SIZE],
                  uint64_t bands[KG_MINHASH_BANDS])
{
    uint64_t win[SHINGLE];
    size_t n_words = 0, n_shingles = 0;
    const uint64_t empty = UINT64_MAX, low = (UINT64_C(1) << 58) - 1;
    for (int k = 0; k < KG_MINHASH_SIZE; k++) {
        sig[k] = UINT64_MAX;
    }
    for (size_t i = 0; i < n_toks; i++) {
        const tok_span *t = &toks[i];
        /* Words and numbers carry the story; punctuation would only add
         * noise from typographic differences between copies. */
        if (t->kind != TOK_WORD && t->kind != TOK_NUMBER) {
            continue;
        }
        if ((size_t)t->off + t->len > text.len) {
            continue;
        }
        win[n_words % SHINGLE] = word_hash(text.ptr + t->off, t->len);
        n_words++;
        if (n_words < SHINGLE) {
            continue;
        }
        uint64_t h = 0;
        for (size_t k = 0; k < SHINGLE; k++) {
            h = mix64(h ^ win[(n_words + k) % SHINGLE]);
        }
        n_shingles++;
        uint64_t bin = h >> 58, v = h & low;
        sig[bin] = v < sig[bin] ? v : sig[bin];
    }
    if (n_shingles >= MIN_SHINGLES) {
        /* Densify: each empty bin takes the value of the next non-empty bin
         * (circularly), tagged with the distance so that bins filled from
         * the same source still differ from a genuine equal value. */
        uint64_t filled[KG_MINHASH_SIZE];
        for (int k = 0; k < KG_MINHASH_SIZE; k++) {
            filled[k] = sig[k];
            for (int d = 1; filled[k] == empty && d < KG_MINHASH_SIZE; d++) {
                uint64_t src = sig[(k + d) % KG_MINHASH_SIZE];
                if (src != empty) {
                    filled[k] = mix64(src + (uint64_t)d) & low;
                }
            }
        }
        memcpy(sig, filled, sizeof filled);
    }
    if (n_shingles < MIN_SHINGLES) {
        return false;
    }
    int rows = KG_MINHASH_SIZE / KG_MINHASH_BANDS;
    for (int b = 0; b < KG_MINHASH_BANDS; b++) {
        uint64_t h = mix64((uint64_t)b + 1);
        for (int r = 0; r < rows; r++) {
            h = mix64(h ^ sig[b * rows + r]);
        }
        /* SQLite integers are signed: keep the key in int64 range. */
        bands[b] = h >> 1;
    }
    return true;
}
