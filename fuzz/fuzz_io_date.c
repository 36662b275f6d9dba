/* fuzz_io_date.c - fuzz target: io_date_parse on arbitrary bytes. An
 * accepted date is "YYYY-MM-DD" or "YYYY-MM-DDTHH:MM:SSZ" with a year in
 * 1000-9999, a real day of its month, and parses back to itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int digits(const char *s, size_t n)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            abort();
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char out[32];
    memset(out, 0x55, sizeof out);
    if (!io_date_parse((str){(const char *)data, size}, out)) {
        return 0;
    }
    size_t n = strnlen(out, sizeof out);
    if ((n != 10 && n != 20) || out[4] != '-' || out[7] != '-') {
        abort();
    }
    int y = digits(out, 4), m = digits(out + 5, 2), d = digits(out + 8, 2);
    static const int dm[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (y < 1000 || m < 1 || m > 12 || d < 1 || d > dm[m - 1]) {
        abort();
    }
    if (n == 20 && (out[10] != 'T' || out[13] != ':' || out[16] != ':' ||
                    out[19] != 'Z' || digits(out + 11, 2) > 23 ||
                    digits(out + 14, 2) > 59 || digits(out + 17, 2) > 59)) {
        abort();
    }
    char again[32];
    if (!io_date_parse((str){out, n}, again) || strcmp(again, out) != 0) {
        abort();
    }
    return 0;
}
