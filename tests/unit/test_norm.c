/* test_norm.c - NFC normalization and the offset map back to the source. */
#include <string.h>

#include "../harness.h"
#include "nlp/norm.h"

/* ASCII and already-NFC text: identical copy, empty map. */
static void t_fast_path(void)
{
    norm_text t = {0};
    CHECK(norm_nfc(STR("plain ASCII text"), &t, NULL) == DS_OK);
    CHECK_STRN(t.text, t.len, "plain ASCII text");
    CHECK_EQ_INT(t.n_map, 0);
    CHECK_EQ_INT(norm_orig_offset(&t, 6), 6);
    /* Precomposed e-acute, curly quotes, CJK: NFC already. */
    const char *nfc = "caf\xC3\xA9 \xE2\x80\x9Cq\xE2\x80\x9D \xE6\x97\xA5";
    CHECK(norm_nfc(str_c(nfc), &t, NULL) == DS_OK);
    CHECK_STRN(t.text, t.len, nfc);
    CHECK_EQ_INT(t.n_map, 0);
    norm_text_fini(&t);
    CHECK(norm_nfc(STR(""), &t, NULL) == DS_OK);
    CHECK_EQ_INT(t.len, 0);
    norm_text_fini(&t);
}

/* e + U+0301 composes to U+00E9; offsets after it shift by one byte. */
static void t_combining(void)
{
    norm_text t = {0};
    const char *in = "cafe\xCC\x81 ok"; /* 8 bytes: c a f e 0xCC 0x81 ' ' */
    CHECK(norm_nfc(str_c(in), &t, NULL) == DS_OK);
    CHECK_STRN(t.text, t.len, "caf\xC3\xA9 ok");
    CHECK(t.n_map > 0);
    CHECK_EQ_INT(norm_orig_offset(&t, 0), 0);
    CHECK_EQ_INT(norm_orig_offset(&t, 3), 3); /* start of é */
    CHECK_EQ_INT(norm_orig_offset(&t, 5), 6); /* after é */
    CHECK_EQ_INT(norm_orig_offset(&t, 6), 7); /* "ok" */
    CHECK_EQ_INT(norm_orig_offset(&t, 8), 9); /* end */
    norm_text_fini(&t);
}

/* Marks are reordered canonically and composed: a + U+0323 + U+0302 and
 * a + U+0302 + U+0323 both give U+1EAD. */
static void t_reorder(void)
{
    norm_text t = {0};
    CHECK(norm_nfc(STR("xa\xCC\x82\xCC\xA3y"), &t, NULL) == DS_OK);
    CHECK_STRN(t.text, t.len,
               "x\xE1\xBA\xAD"
               "y");
    CHECK_EQ_INT(norm_orig_offset(&t, 4), 6); /* "y" */
    norm_text_fini(&t);
    CHECK(norm_nfc(STR("xa\xCC\xA3\xCC\x82y"), &t, NULL) == DS_OK);
    CHECK_STRN(t.text, t.len,
               "x\xE1\xBA\xAD"
               "y");
    norm_text_fini(&t);
}

/* Round trip: every normalized character boundary outside a changed unit
 * maps to a source offset holding the same bytes. */
static void t_round_trip(void)
{
    const char *in = "A\xCC\x8A"
                     "ngstr\xC3\xB6m, Zo\xC3\xAB"
                     " and "
                     "\xE2\x84\xAB"
                     "x e\xCC\x81"
                     "e\xCC\x81 end";
    norm_text t = {0};
    CHECK(norm_nfc(str_c(in), &t, NULL) == DS_OK);
    const char *tail = strstr(t.text, " end");
    CHECK(tail != NULL);
    if (tail) {
        size_t off = (size_t)(tail - t.text);
        size_t o = norm_orig_offset(&t, off);
        CHECK(o < strlen(in));
        CHECK(strncmp(in + o, " end", 4) == 0);
    }
    const char *and = strstr(t.text, " and ");
    CHECK(and != NULL);
    if (and) {
        size_t o = norm_orig_offset(&t, (size_t)(and-t.text));
        CHECK(strncmp(in + o, " and ", 5) == 0);
    }
    /* U+212B ANGSTROM SIGN becomes U+00C5. */
    CHECK(strstr(t.text, "\xC3\x85x") != NULL);
    CHECK_EQ_INT(norm_orig_offset(&t, t.len), strlen(in));
    norm_text_fini(&t);
}

static void t_invalid(void)
{
    norm_text t = {0};
    ds_err e;
    CHECK(norm_nfc(STR("ok \xC3"), &t, &e) == DS_EFORMAT);
    CHECK(t.text == NULL);
}

int main(void)
{
    RUN(t_fast_path);
    RUN(t_combining);
    RUN(t_reorder);
    RUN(t_round_trip);
    RUN(t_invalid);
    return harness_done();
}
