/* fuzz_model.c - fuzz target: the model container and the averaged
 * perceptron loader on arbitrary bytes. Whatever loads must be usable:
 * scoring, lookups and class names stay inside the buffer. Seeds in
 * fuzz/corpus/model/ are a tiny valid model (test kind, prefix "toy") and
 * truncated and altered copies. Each input is tried as is and resealed
 * (fuzz_reseal.h: its checksum recomputed), so that mutations reach the
 * structural checks behind the checksum. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "nlp/ap.h"
#include "nlp/model.h"
#include "nlp/pos.h"
#include "util/xalloc.h"

#include "fuzz_reseal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one(const uint8_t *data, size_t size)
{
    model_file *mf = NULL;
    if (model_open_mem(data, size, "fuzz", &mf, NULL) != DS_OK) {
        return;
    }
    static const char *const prefixes[] = {"toy", "pos"};
    for (size_t p = 0; p < 2; p++) {
        ap_model *m = NULL;
        if (ap_model_load(mf, prefixes[p], &m, NULL) != DS_OK) {
            continue;
        }
        uint32_t nc = ap_n_classes(m);
        size_t total = 0;
        for (uint32_t c = 0; c < nc; c++) {
            total += ap_class_name(m, c).len;
        }
        if (total > size) {
            abort();
        }
        uint64_t feats[4] = {ap_feat(1, 0), ap_feat(1, 1), ap_feat(4, 0),
                             ap_feat(2, 3)};
        float *sc = xcalloc(nc, sizeof *sc);
        uint32_t best = ap_best(m, feats, 4, sc);
        if (best >= nc) {
            abort();
        }
        xfree(sc);
        ap_model_free(m);
    }
    /* The tagger's loader on the same container. */
    pos_model *pm = NULL;
    if (pos_model_from(mf, &pm, NULL) == DS_OK) {
        pos_model_free(pm);
    }
    model_close(mf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_as_is_and_resealed(one, data, size);
    return 0;
}
