/* ner-clusters.c - word classes for the named-entity recognizer by the
 * exchange algorithm (Kneser & Ney 1993; Martin, Liermann & Ney 1998):
 * words are moved, one at a time and in order of frequency, to the class
 * that most increases the likelihood of a class bigram model, until no
 * move helps or the pass limit is reached. Deterministic: same input, same
 * classes.
 *
 *   ner-clusters CLASSES MIN_COUNT PASSES < text > clusters.txt
 *
 * Input: one sentence per line, tokens separated by spaces. Output: one
 * "WORD<TAB>CLASS" line per word seen MIN_COUNT or more times, sorted by
 * word (bytes). Built and run by tools/build-clusters.sh; a developer
 * tool, not part of dossier. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *xm(size_t n)
{
    void *p = calloc(1, n ? n : 1);
    if (!p) {
        fputs("ner-clusters: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

/* ---- vocabulary: open addressing on an FNV hash ---- */

typedef struct word {
    char *s;
    uint32_t count, id;
} word;

static word *voc;
static size_t nvoc, capvoc;
static uint32_t *vslot;
static size_t vmask;

static uint64_t fnv(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
    }
    return h;
}

static uint32_t intern(const char *s, size_t n)
{
    size_t i = fnv(s, n) & vmask;
    while (vslot[i]) {
        word *w = &voc[vslot[i] - 1];
        if (strlen(w->s) == n && memcmp(w->s, s, n) == 0) {
            return vslot[i] - 1;
        }
        i = (i + 1) & vmask;
    }
    if (nvoc == capvoc) {
        capvoc = capvoc ? capvoc * 2 : 1024;
        voc = realloc(voc, capvoc * sizeof *voc);
        if (!voc) {
            exit(1);
        }
    }
    voc[nvoc].s = xm(n + 1);
    memcpy(voc[nvoc].s, s, n);
    voc[nvoc].count = 0;
    vslot[i] = (uint32_t)++nvoc;
    if (nvoc * 2 > vmask) {
        size_t nm = vmask * 2 + 1;
        uint32_t *ns = xm((nm + 1) * sizeof *ns);
        for (size_t k = 0; k < nvoc; k++) {
            size_t j = fnv(voc[k].s, strlen(voc[k].s)) & nm;
            while (ns[j]) {
                j = (j + 1) & nm;
            }
            ns[j] = (uint32_t)(k + 1);
        }
        free(vslot);
        vslot = ns;
        vmask = nm;
    }
    return (uint32_t)(nvoc - 1);
}

/* ---- bigrams ---- */

typedef struct big {
    uint32_t a, b, n;
} big;

static int cmp_ab(const void *x, const void *y)
{
    const big *p = x, *q = y;
    if (p->a != q->a) {
        return p->a < q->a ? -1 : 1;
    }
    return p->b < q->b ? -1 : p->b > q->b;
}

static int cmp_ba(const void *x, const void *y)
{
    const big *p = x, *q = y;
    if (p->b != q->b) {
        return p->b < q->b ? -1 : 1;
    }
    return p->a < q->a ? -1 : p->a > q->a;
}

static inline double f(double x)
{
    return x > 0 ? x * log(x) : 0;
}

static const word *sort_base;
static int cmp_freq(const void *x, const void *y)
{
    const word *p = &sort_base[*(const uint32_t *)x];
    const word *q = &sort_base[*(const uint32_t *)y];
    if (p->count != q->count) {
        return p->count > q->count ? -1 : 1;
    }
    return strcmp(p->s, q->s);
}

static int cmp_str_idx(const void *x, const void *y)
{
    return strcmp(sort_base[*(const uint32_t *)x].s,
                  sort_base[*(const uint32_t *)y].s);
}

int main(int argc, char **argv)
{
    if (argc != 4) {
        fputs("usage: ner-clusters CLASSES MIN_COUNT PASSES < text\n", stderr);
        return 2;
    }
    uint32_t C = (uint32_t)strtoul(argv[1], NULL, 10);
    uint32_t minc = (uint32_t)strtoul(argv[2], NULL, 10);
    int passes = atoi(argv[3]);
    if (C < 2 || C > 4096) {
        return 2;
    }
    vmask = (1u << 16) - 1;
    vslot = xm((vmask + 1) * sizeof *vslot);
    /* Pass 1: tokens -> ids (0 = sentence boundary "<s>"). */
    intern("<s>", 3);
    uint32_t *toks = NULL;
    size_t ntok = 0, captok = 0;
    char *line = NULL;
    size_t lcap = 0;
    ssize_t len;
    while ((len = getline(&line, &lcap, stdin)) >= 0) {
        size_t i = 0;
        int any = 0;
        while (i < (size_t)len) {
            while (i < (size_t)len && (line[i] == ' ' || line[i] == '\n' ||
                                       line[i] == '\t' || line[i] == '\r')) {
                i++;
            }
            size_t s = i;
            while (i < (size_t)len && line[i] != ' ' && line[i] != '\n' &&
                   line[i] != '\t' && line[i] != '\r') {
                i++;
            }
            if (i > s) {
                if (ntok + 2 >= captok) {
                    captok = captok ? captok * 2 : 1 << 20;
                    toks = realloc(toks, captok * sizeof *toks);
                    if (!toks) {
                        return 1;
                    }
                }
                if (!any) {
                    toks[ntok++] = 0;
                    any = 1;
                }
                uint32_t id = intern(line + s, i - s);
                voc[id].count++;
                toks[ntok++] = id;
            }
        }
    }
    toks = realloc(toks, (ntok + 1) * sizeof *toks);
    toks[ntok++] = 0;
    /* Frequent words get ids 1..V-1 in frequency order; the rest and the
     * boundary share id 0 (a fixed class 0). */
    uint32_t *ord = xm(nvoc * sizeof *ord);
    for (size_t i = 0; i < nvoc; i++) {
        ord[i] = (uint32_t)i;
    }
    sort_base = voc;
    qsort(ord + 1, nvoc - 1, sizeof *ord, cmp_freq);
    uint32_t V = 1;
    for (size_t k = 1; k < nvoc; k++) {
        voc[ord[k]].id = voc[ord[k]].count >= minc ? V++ : 0;
    }
    voc[0].id = 0;
    fprintf(stderr, "tokens %zu, types %zu, clustered %u, classes %u\n", ntok,
            nvoc, V - 1, C);
    uint32_t *wid = xm(V * sizeof *wid); /* id -> vocabulary index */
    for (size_t k = 0; k < nvoc; k++) {
        if (voc[k].id) {
            wid[voc[k].id] = (uint32_t)k;
        }
    }
    /* Bigram counts over ids. */
    big *bg = xm(ntok * sizeof *bg);
    size_t nb = 0;
    for (size_t i = 0; i + 1 < ntok; i++) {
        bg[nb++] = (big){voc[toks[i]].id, voc[toks[i + 1]].id, 1};
    }
    free(toks);
    qsort(bg, nb, sizeof *bg, cmp_ab);
    size_t m = 0;
    for (size_t i = 0; i < nb; i++) {
        if (m && bg[m - 1].a == bg[i].a && bg[m - 1].b == bg[i].b) {
            bg[m - 1].n++;
        } else {
            bg[m++] = bg[i];
        }
    }
    nb = m;
    big *rb = bg; /* by a: right neighbours */
    big *lb = xm(nb * sizeof *lb);
    memcpy(lb, bg, nb * sizeof *lb);
    qsort(lb, nb, sizeof *lb, cmp_ba); /* by b: left neighbours */
    size_t *rs = xm((V + 1) * sizeof *rs), *ls = xm((V + 1) * sizeof *ls);
    for (size_t i = 0, w = 0; w <= V; w++) {
        while (i < nb && rb[i].a < w) {
            i++;
        }
        rs[w] = i;
    }
    for (size_t i = 0, w = 0; w <= V; w++) {
        while (i < nb && lb[i].b < w) {
            i++;
        }
        ls[w] = i;
    }
    /* Initial classes: word id i -> 1 + (i-1) mod (C-1); id 0 -> class 0. */
    uint32_t *cls = xm(V * sizeof *cls);
    for (uint32_t w = 1; w < V; w++) {
        cls[w] = 1 + (w - 1) % (C - 1);
    }
    int64_t *N = xm((size_t)C * C * sizeof *N);
    int64_t *NL = xm(C * sizeof *NL), *NR = xm(C * sizeof *NR);
    for (size_t i = 0; i < nb; i++) {
        uint32_t a = cls[rb[i].a], b = cls[rb[i].b];
        N[(size_t)a * C + b] += rb[i].n;
        NL[a] += rb[i].n;
        NR[b] += rb[i].n;
    }
    int64_t *right = xm(C * sizeof *right), *left = xm(C * sizeof *left);
    uint32_t *rl = xm(C * sizeof *rl), *ll = xm(C * sizeof *ll);
    for (int pass = 0; pass < passes; pass++) {
        size_t moved = 0;
        for (uint32_t w = 1; w < V; w++) {
            uint32_t a = cls[w];
            int64_t self = 0, nl = 0, nr = 0;
            size_t nrl = 0, nll = 0;
            for (size_t i = rs[w]; i < rs[w + 1]; i++) {
                nl += rb[i].n;
                if (rb[i].b == w) {
                    self += rb[i].n;
                    continue;
                }
                uint32_t c = cls[rb[i].b];
                if (!right[c]) {
                    rl[nrl++] = c;
                }
                right[c] += rb[i].n;
            }
            for (size_t i = ls[w]; i < ls[w + 1]; i++) {
                nr += lb[i].n;
                if (lb[i].a == w) {
                    continue;
                }
                uint32_t c = cls[lb[i].a];
                if (!left[c]) {
                    ll[nll++] = c;
                }
                left[c] += lb[i].n;
            }
            /* Take w out of a. */
            for (size_t k = 0; k < nrl; k++) {
                N[(size_t)a * C + rl[k]] -= right[rl[k]];
            }
            for (size_t k = 0; k < nll; k++) {
                N[(size_t)ll[k] * C + a] -= left[ll[k]];
            }
            N[(size_t)a * C + a] -= self;
            NL[a] -= nl;
            NR[a] -= nr;
            /* Best class for w. */
            uint32_t best = a;
            double best_d = -1e300;
            for (uint32_t b = 1; b < C; b++) {
                double d = 0;
                const int64_t *row = N + (size_t)b * C;
                for (size_t k = 0; k < nrl; k++) {
                    uint32_t c = rl[k];
                    if (c == b) {
                        continue;
                    }
                    d += f((double)(row[c] + right[c])) - f((double)row[c]);
                }
                for (size_t k = 0; k < nll; k++) {
                    uint32_t c = ll[k];
                    if (c == b) {
                        continue;
                    }
                    int64_t x = N[(size_t)c * C + b];
                    d += f((double)(x + left[c])) - f((double)x);
                }
                int64_t bb = row[b];
                d +=
                    f((double)(bb + right[b] + left[b] + self)) - f((double)bb);
                d -= f((double)(NL[b] + nl)) - f((double)NL[b]);
                d -= f((double)(NR[b] + nr)) - f((double)NR[b]);
                if (d > best_d + 1e-9 || (b == a && d >= best_d - 1e-9)) {
                    best_d = d;
                    best = b;
                }
            }
            /* Put w into best. */
            uint32_t b = best;
            for (size_t k = 0; k < nrl; k++) {
                N[(size_t)b * C + rl[k]] += right[rl[k]];
                right[rl[k]] = 0;
            }
            for (size_t k = 0; k < nll; k++) {
                N[(size_t)ll[k] * C + b] += left[ll[k]];
                left[ll[k]] = 0;
            }
            N[(size_t)b * C + b] += self;
            NL[b] += nl;
            NR[b] += nr;
            if (b != a) {
                cls[w] = b;
                moved++;
            }
        }
        fprintf(stderr, "pass %d: %zu moves\n", pass + 1, moved);
        if (!moved) {
            break;
        }
    }
    /* Output sorted by word. */
    uint32_t *out = xm(V * sizeof *out);
    for (uint32_t w = 1; w < V; w++) {
        out[w - 1] = wid[w];
    }
    qsort(out, V - 1, sizeof *out, cmp_str_idx);
    for (uint32_t k = 0; k + 1 < V; k++) {
        printf("%s\t%u\n", voc[out[k]].s, cls[voc[out[k]].id]);
    }
    return 0;
}
