/*
 * npy.h - NumPy .npy files (format 1.0, 2.0 and 3.0), read strictly and written the way
 * numpy.save writes them. float32 in C order is the native case; float64, big-endian and
 * Fortran-order arrays are converted on reading. Every malformed file is an error that names the
 * byte offset where it went wrong; nothing is read outside the buffer.
 */
#ifndef TCONV_NPY_H
#define TCONV_NPY_H

#include <stddef.h>
#include <stdint.h>

#define NPY_MAX_DIMS 8

struct npy_array {
    int ndim;
    int64_t shape[NPY_MAX_DIMS];
    int64_t count;  /* elements */
    float *data;    /* C order, float32; malloc'd */
    char note[128]; /* what was converted ("float64 -> float32", "Fortran order -> C order"), or "" */
};

/* Parse a whole .npy file held in buf[0, len). Returns 0, or -1 with err filled
   ("byte 10: ..."). On success a->data must be freed with free(). */
int npy_parse(const unsigned char *buf, size_t len, struct npy_array *a, char *err, size_t errlen);

/* Read and parse a file. Errors are prefixed with the path. */
int npy_load(const char *path, struct npy_array *a, char *err, size_t errlen);

/* Write float32 data of the given shape in C order, exactly as numpy.save would. */
int npy_save(const char *path, const float *data, int ndim, const int64_t *shape, char *err, size_t errlen);

#endif
