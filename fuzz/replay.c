/* replay.c - runs a fuzz target over saved inputs, without libFuzzer.
 *
 *   replay_X DIR_OR_FILE...
 *
 * Every file (directories are read one level deep, in name order) is fed
 * to the target's LLVMFuzzerTestOneInput. A file passes when the target
 * returns; a crash or a sanitizer report ends the process, which the test
 * runner counts as a failure. Built with gcc by `make test`, so the corpus
 * (seeds and every crash ever found) is a regression suite that needs no
 * fuzzer. Output is TAP-style, ending in "N passed, N failed". */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/str.h"
#include "util/xalloc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int n_test, n_pass, n_fail;

static void run_file(const char *path)
{
    n_test++;
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("not ok %d - %s  (%s)\n", n_test, path, strerror(errno));
        n_fail++;
        return;
    }
    buf b;
    buf_init(&b, 0);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        (void)buf_append(&b, chunk, got);
    }
    fclose(f);
    /* Copy to an exact-size heap block so ASan sees reads past the end. */
    uint8_t *data = xmalloc(b.len ? b.len : 1);
    if (b.len) {
        memcpy(data, b.ptr, b.len);
    }
    fflush(stdout);
    LLVMFuzzerTestOneInput(data, b.len);
    xfree(data);
    buf_fini(&b);
    printf("ok %d - %s\n", n_test, path);
    n_pass++;
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        n_test++;
        n_fail++;
        printf("not ok %d - %s  (%s)\n", n_test, dir, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.') {
            continue;
        }
        names = xgrow(names, &cap, n + 1, sizeof *names);
        size_t len = strlen(dir) + strlen(de->d_name) + 2;
        names[n] = xmalloc(len);
        snprintf(names[n], len, "%s/%s", dir, de->d_name);
        n++;
    }
    closedir(d);
    qsort(names, n, sizeof *names, cmp_names);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(names[i], &st) == 0 && S_ISREG(st.st_mode)) {
            run_file(names[i]);
        }
        xfree(names[i]);
    }
    xfree(names);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s DIR_OR_FILE...\n", argv[0]);
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
            run_dir(argv[i]);
        } else {
            run_file(argv[i]);
        }
    }
    printf("%d passed, %d failed\n", n_pass, n_fail);
    return n_fail ? 1 : 0;
}
