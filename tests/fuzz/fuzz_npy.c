/*
 * fuzz_npy.c - libFuzzer target for the tconv program's .npy reader: any bytes either parse (and
 * then the shape, the element count and the data agree, and writing the array back and parsing it
 * again gives the same values) or fail with an error that starts with "byte N:" or "out of memory".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "npy.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);
int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
    struct npy_array a;
    char err[256] = "";
    if (npy_parse(data, size, &a, err, sizeof err) != 0) {
        if (strncmp(err, "byte ", 5) && strncmp(err, "out of memory", 13)) {
            fprintf(stderr, "fuzz_npy: an error without a byte offset: %s\n", err);
            abort();
        }
        return 0;
    }
    int64_t count = 1;
    for (int d = 0; d < a.ndim; d++) count *= a.shape[d];
    if (count != a.count || a.ndim < 0 || a.ndim > NPY_MAX_DIMS) {
        fprintf(stderr, "fuzz_npy: shape and count disagree\n");
        abort();
    }
    /* round trip through the writer (small arrays: the file system is slow) */
    if (a.count <= 4096) {
        char path[64];
        snprintf(path, sizeof path, "/tmp/fuzz_npy_%d.npy", (int)getpid());
        struct npy_array b;
        if (npy_save(path, a.data, a.ndim, a.shape, err, sizeof err) || npy_load(path, &b, err, sizeof err)) {
            fprintf(stderr, "fuzz_npy: round trip: %s\n", err);
            abort();
        }
        if (b.ndim != a.ndim || b.count != a.count || memcmp(b.shape, a.shape, (size_t)a.ndim * sizeof *a.shape) ||
            memcmp(b.data, a.data, (size_t)a.count * sizeof(float)) || b.note[0]) {
            fprintf(stderr, "fuzz_npy: round trip changed the array\n");
            abort();
        }
        free(b.data);
        unlink(path);
    }
    free(a.data);
    return 0;
}
