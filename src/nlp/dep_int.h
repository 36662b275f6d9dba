/* dep_int.h - the arc-eager transition system and the feature templates,
 * shared by the parser (dep.c) and its trainer (dep_train.c), which must
 * compute exactly the same features. Not for use outside src/nlp/dep*. */
#ifndef NLP_DEP_INT_H
#define NLP_DEP_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nlp/ap.h"
#include "nlp/dep.h"
#include "util/str.h"

#define DEP_SECTION_VERSION 1u
#define DEP_FEATSET         5u  /* feature templates in dep_feats() */
#define DEP_MAX_FEATS       160 /* features per state */
#define DEP_MAX_LABELS      1000

/* "dep.opts" */
typedef struct dep_opts_sec {
    uint32_t version; /* DEP_SECTION_VERSION */
    uint32_t featset; /* DEP_FEATSET */
    uint32_t n_labels;
    uint32_t root_label; /* id of "root" */
    uint32_t pos_mode;   /* a dep_pos_mode: what "POS" means in features */
    uint32_t dict_cap;   /* slots in "dep.dict" (0: no dictionary) */
    uint32_t clu_cap;    /* slots in "dep.clu" (0: no word classes) */
    uint32_t beam;       /* decoding beam (0 or 1: greedy) */
    /* The tagger's runner-up UPOS is a feature of words whose chosen tag
     * won by less than this many weight units (0: not used). Absent from
     * files written before it (the section is then 4 bytes shorter). */
    uint32_t alt_margin;
} dep_opts_sec;
#define DEP_OPTS_V5_SIZE (8 * sizeof(uint32_t))

/* "dep.dict": the ambiguity classes of the training words. Open
 * addressing on the lower-case form's hash (home slot: multiply-shift of
 * the high 32 bits, linear probing), key 0 = empty slot; val is the set
 * of UPOS tags the word had in training (bit per tag, dep_upos_bit),
 * never 0. */
typedef struct dep_dict_slot {
    uint64_t key;
    uint64_t val;
} dep_dict_slot;

typedef struct dep_dict {
    const dep_dict_slot *tab;
    uint32_t cap; /* 0: empty */
    /* "dep.clu": word classes, copied from the POS model at training
     * time (nlp/word.h table format; clu_cap 0: none) */
    const uint64_t *clu;
    uint32_t clu_cap;
} dep_dict;

/* The ambiguity class of a word, 0 when unknown. */
uint64_t dep_dict_get(const dep_dict *d, uint64_t lower_hash);
/* The bit of a UPOS tag (the 17 UD tags, anything else bit 17). */
uint64_t dep_upos_bit(str upos);

/* The tag behind the POS templates. */
typedef enum dep_pos_mode {
    DEP_POS_JOINT = 0, /* UPOS and XPOS together */
    DEP_POS_UPOS = 1,
    DEP_POS_XPOS = 2
} dep_pos_mode;

/* Class layout: 0 SHIFT, 1 REDUCE, 2+l LEFT-l, 2+L+l RIGHT-l. */
enum { DEP_SHIFT = 0, DEP_REDUCE = 1, DEP_LEFT = 2, DEP_RIGHT = 3 };

static inline uint32_t dep_cls_left(uint32_t l)
{
    return 2 + l;
}

static inline uint32_t dep_cls_right(uint32_t l, uint32_t n_labels)
{
    return 2 + n_labels + l;
}

/* Type (DEP_SHIFT..DEP_RIGHT) and label of a class. */
static inline uint32_t dep_cls_type(uint32_t c, uint32_t n_labels)
{
    return c < 2 ? c : c < 2 + n_labels ? DEP_LEFT : DEP_RIGHT;
}

static inline uint32_t dep_cls_label(uint32_t c, uint32_t n_labels)
{
    return c < 2 ? 0 : c < 2 + n_labels ? c - 2 : c - 2 - n_labels;
}

/* Per-word hashed values for the features; index 0 is the root, 1..n the
 * words, n+1 "no word". */
typedef struct dep_wordh {
    uint64_t w, p, wp; /* form, joint UPOS+XPOS, both */
    uint64_t lw, suf;  /* lower-case form, its last 3 bytes */
    uint64_t u, x;     /* UPOS, XPOS alone */
    uint64_t amb;      /* ambiguity class (dep.dict), or a constant */
    uint64_t c;        /* word class (dep.clu), or a constant */
    uint64_t a;        /* runner-up UPOS and doubt (dep_alt_hash), 0 none */
} dep_wordh;

/* The runner-up feature value of a word whose tag won by `margin` over
 * the best tag with UPOS alt_upos: 0 (none) unless margin < alt_margin. */
uint64_t dep_alt_hash(str alt_upos, float margin, uint32_t alt_margin);

/* Fills wh[0..n+1] from the words (word i+1 at index i of in's arrays). */
void dep_hash_words(const dep_input *in, size_t n, uint32_t pos_mode,
                    uint32_t alt_margin, const dep_dict *dict, dep_wordh *wh);

/* A parser configuration. Word 0 is the root, always at stack[0]; the
 * buffer is b..n (empty when b > n). Children are kept as the two
 * leftmost and two rightmost (0 = none: the root is never a child), with
 * counts and label sets for the valency and label-set features. */
typedef struct dep_state {
    uint32_t n;
    uint32_t *stack;
    uint32_t sp; /* stack size, >= 1 */
    uint32_t b;
    int32_t *head;   /* [n+2], -1 none */
    uint16_t *label; /* [n+2] label id + 1, 0 none */
    uint32_t *l1, *l2, *r1, *r2;
    uint16_t *nl, *nr;
    uint64_t *ls, *rs;
    uint32_t root_child; /* word attached to the root, 0 none */
} dep_state;

/* Scratch for a state of up to cap words. */
typedef struct dep_scratch {
    size_t cap;
    dep_state st;
    dep_wordh *wh;
} dep_scratch;

void dep_scratch_init(dep_scratch *s);
void dep_scratch_fini(dep_scratch *s);
/* Makes room for n words and resets the state to the initial
 * configuration of an n-word sentence. */
void dep_state_start(dep_scratch *s, size_t n);

/* The features of the state (at most DEP_MAX_FEATS): the role features
 * of every role (below) and the context features. */
size_t dep_feats(const dep_state *s, const dep_wordh *wh, uint64_t *out);

/* Role features depend on one word only (its form and POS, in one
 * position: s0, n0, s0's leftmost child...), so the parser caches their
 * summed scores per (role, word); the context features combine several
 * words or the partial tree. dep_feats() = all role features of
 * dep_roles() + dep_ctx_feats(). */
enum {
    DEP_R_S0,
    DEP_R_N0,
    DEP_R_N1,
    DEP_R_N2,
    DEP_R_S1,
    DEP_R_S0H,
    DEP_R_S0H2,
    DEP_R_S0L,
    DEP_R_S0L2,
    DEP_R_S0R,
    DEP_R_S0R2,
    DEP_R_N0L,
    DEP_R_N0L2,
    DEP_N_ROLES
};
/* Roles s0, n0, n1, n2, s1 (the first five) have 11-12 features each and
 * are worth caching; the others have two. */
#ifndef DEP_N_CACHED_ROLES
#define DEP_N_CACHED_ROLES (DEP_R_S1 + 1)
#endif
#define DEP_MAX_ROLE_FEATS 12
/* out[role] = the word in that role (n + 1: none). */
void dep_roles(const dep_state *s, uint32_t *out);
size_t dep_role_feats(uint32_t role, const dep_wordh *h, uint64_t *out);
size_t dep_ctx_feats(const dep_state *s, const dep_wordh *wh, uint64_t *out);

/* Which transition types are legal, as a bit mask (1 << DEP_SHIFT ...),
 * and whether RIGHT is only legal with the root label (s0 is the root). */
uint32_t dep_legal(const dep_state *s);

/* Applies class c (must be legal). */
void dep_apply(dep_state *s, uint32_t c, uint32_t n_labels);

/* Adds the arc h -> d with label l (d has no head). */
void dep_add_arc(dep_state *s, uint32_t h, uint32_t d, uint32_t l);

/* The label rule of the single-root tree, for a transition type t that
 * dep_legal allows: LEFT never takes the root label; RIGHT takes it from
 * the root (s0 = 0) and only from there. */
static inline bool dep_label_legal(uint32_t t, uint32_t l, bool root_s0,
                                   uint32_t root_label)
{
    if (t == DEP_LEFT) {
        return l != root_label;
    }
    if (t == DEP_RIGHT) {
        return root_s0 ? l == root_label : l != root_label;
    }
    return true;
}

/* Best legal class for the scores (lowest id on ties); -1 when none (the
 * buffer is empty). */
int32_t dep_best_legal(const dep_state *s, const int32_t *scores,
                       uint32_t n_labels, uint32_t root_label);

/* Ends the parse once the buffer is empty: pops the stack, attaching each
 * word without a head to the word below it (or, when that is the root
 * and the root has a child already, to that child) with the label with
 * the best RIGHT score in scores (recomputed by the callback, which may
 * be NULL: then label `fallback`). Afterwards every word has a head and
 * exactly one word is attached to the root. */
typedef void (*dep_score_fn)(void *ctx, const dep_state *s, int32_t *scores);
void dep_finish(dep_state *s, uint32_t n_labels, uint32_t root_label,
                uint32_t fallback, dep_score_fn fn, void *ctx, int32_t *scores);

/* ---- Beam search (dep.c; the trainer's in dep_train.c) ---- */

/* One hypothesis: a state of its own, its summed score and the classes
 * that led to it. */
typedef struct dep_bitem {
    dep_state st;
    int64_t score;
    uint16_t *hist; /* room for 2n + 4 classes */
    uint32_t nh;
    bool gold; /* training: the gold sequence so far */
    void *mem;
} dep_bitem;

/* A candidate: item `parent` followed by class cls (-1: the item has
 * finished and stays as it is). */
typedef struct dep_bcand {
    int64_t score;
    int32_t parent, cls;
    bool gold;
} dep_bcand;

/* Two generations of B items and the candidates between them, grown to
 * the longest sentence (the parser's and the trainer's). One step of a
 * beam search is dep_beam_expand, then dep_beam_advance. */
typedef struct dep_beam {
    uint32_t B;
    size_t cap; /* classes of history per item (>= 2n + 4) */
    dep_bitem *cur, *nxt;
    dep_bcand *cand; /* B: the best of a step's candidates */
} dep_beam;

/* A greedy model decoded with a beam (dep_parser_set_beam) ranks
 * sequences by summed log-probabilities. dep_local_logprob turns the
 * scores of state s into them: a softmax over the legal classes at
 * temperature tau per score unit, written in thousandths of a nat and
 * never below -DEP_LOCAL_FLOOR nats (so that sums over long sentences stay
 * far from overflow; a transition that unlikely never survives a beam).
 * Illegal classes get the same treatment and are meaningless;
 * dep_beam_expand never reads them.
 * DEP_LOCAL_TAU is the temperature per update unit of weight (the stored
 * weights' scale varies between models, the perceptron's update unit does
 * not): on EWT dev at a beam of 4, over three greedy models, 0.02-0.03
 * gave the same UAS within 0.4, 0.015 and 0.05 0.2-1.3 less, 0.01 2-4
 * less (doc/internals/parser.md). */
#define DEP_LOCAL_TAU   0.025
#define DEP_LOCAL_FLOOR 20
void dep_local_logprob(const dep_state *s, int32_t *scores, uint32_t n_labels,
                       uint32_t root_label, double tau);
/* Such a beam also drops the sequences more than DEP_LOCAL_PRUNE nats
 * below the best of the step (at a beam of 4: 2.35 kept a step). On EWT
 * dev at a beam of 4, over four greedy models: the same UAS within 0.06
 * and 1.5 times the speed of the full beam (0.7 nats: -0.4 UAS; 1.2:
 * -0.1). */
#define DEP_LOCAL_PRUNE 1.5

/* How many of the k candidates of a step (b->cand, best first) score at
 * least the best's minus margin; 1 at least when k > 0. */
size_t dep_beam_within(const dep_beam *b, size_t k, int64_t margin);

/* Makes room for an n-word sentence; returns true when it (re)allocated. */
bool dep_beam_fit(dep_beam *b, uint32_t B, size_t n);
void dep_beam_fini(dep_beam *b);

/* The B best candidates of the nb items in b->cur, best first, in
 * b->cand: of every legal class of every item, scored by fn (into scores,
 * n_classes long), and each finished item as it is. A candidate is gold
 * when its item is and its class extends the gold sequence gold[0..G) at
 * this step (gold may be NULL: decoding). Returns the number kept (at
 * most B), or 0 when every item has finished (b->cur is then
 * untouched). */
size_t dep_beam_expand(dep_beam *b, uint32_t nb, uint32_t step, dep_score_fn fn,
                       void *ctx, int32_t *scores, uint32_t n_labels,
                       uint32_t root_label, const uint16_t *gold, uint32_t G);
/* The next generation from the first nn candidates (state, score, gold
 * flag, history), which then becomes b->cur. */
void dep_beam_advance(dep_beam *b, uint32_t nn, uint32_t n_labels);

/* Room for states of up to cap - 2 words and cap classes of history. */
void dep_bitem_alloc(dep_bitem *it, size_t cap);
void dep_bitem_free(dep_bitem *it);
void dep_state_copy(dep_state *d, const dep_state *s);
/* Whether class c is legal in st (mask = dep_legal(st)): its type is in
 * the mask and its label passes dep_label_legal. */
bool dep_cls_legal(const dep_state *st, uint32_t mask, uint32_t c,
                   uint32_t n_labels, uint32_t root_label);

/* ---- The dynamic oracle (dep_train.c) ---- */

/* Costs (gold arcs made unreachable, Goldberg & Nivre 2012) of SHIFT,
 * REDUCE, LEFT and RIGHT without labels, in out[DEP_SHIFT..DEP_RIGHT],
 * for a state whose buffer is not empty. gh[1..n] are the gold heads (a
 * projective tree), in_stack[0..n] flags the words on the stack. The
 * labelled cost of LEFT-l / RIGHT-l adds 1 when the arc is gold and l is
 * not its label. Values for illegal transitions are meaningless. */
void dep_type_costs(const dep_state *s, const int32_t *gh,
                    const uint8_t *in_stack, uint32_t out[4]);

#endif
