/*
 * fuzz_common.h - what the libFuzzer targets over parameters share (fuzz_params.c, fuzz_nd.c): reading
 * values from the input (mostly small, sometimes the edges of the integer types; enums in and out of
 * range), small integer tensors, and output buffers whose sentinel shows whether a call wrote them.
 */
#ifndef TCONV_FUZZ_COMMON_H
#define TCONV_FUZZ_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

struct reader {
    const uint8_t *p;
    size_t n;
};

static inline bool byte(struct reader *r, uint8_t *b)
{
    if (!r->n) return false;
    *b = *r->p++;
    r->n--;
    return true;
}

/* Mostly small sizes (so the ops run), sometimes the edges of the integer types. */
static inline int64_t size_value(struct reader *r, int64_t def)
{
    static const int64_t edge[] = {-1,
                                   -2,
                                   16,
                                   31,
                                   33,
                                   64,
                                   46341,
                                   65536,
                                   1000000,
                                   2147483647,
                                   2147483648,
                                   4294967296,
                                   4294967297,
                                   3037000500,
                                   INT64_MAX / 3 + 1,
                                   INT64_MAX / 2,
                                   (int64_t)1 << 62,
                                   INT64_MAX,
                                   INT64_MIN,
                                   -INT64_MAX,
                                   0x3fffffffffffffff};
    uint8_t b;
    if (!byte(r, &b)) return def;
    if (b < 224) return b % 9;
    return edge[(b - 224) % (sizeof edge / sizeof *edge)];
}

static inline int enum_value(struct reader *r, int n, int def)
{
    static const int odd[] = {-1, 7, 100, 2147483647, -2147483647 - 1};
    uint8_t b;
    if (!byte(r, &b)) return def;
    return b < 240 ? b % n : odd[(b - 240) % 5];
}

/* Small integers in [-3, 3], from the input while it lasts. */
static inline void fill(struct reader *r, float *a, int64_t n, uint32_t salt)
{
    for (int64_t i = 0; i < n; i++) {
        uint8_t b;
        if (!byte(r, &b)) b = (uint8_t)((uint32_t)i * 2654435761u >> 7 ^ salt);
        a[i] = (float)(b % 7) - 3.0f;
    }
}

static inline float *sentinel_buf(int64_t n)
{
    float *b = malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    for (int64_t i = 0; i < n; i++) b[i] = -777.25f;
    return b;
}

static inline bool untouched(const float *b, int64_t n)
{
    for (int64_t i = 0; i < n; i++)
        if (b[i] != -777.25f) return false;
    return true;
}

static inline bool mul_ok(int64_t a, int64_t b, int64_t *out) { return !__builtin_mul_overflow(a, b, out); }

#endif
