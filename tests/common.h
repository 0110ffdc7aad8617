/*
 * common.h - what every test program shares: a seeded RNG (TCONV_TEST_SEED overrides the fixed
 * default, and every failure message prints it), value fills, guarded buffers, a case printer
 * and the tolerance compare |y - ref| <= atol + rtol*|ref|.
 *
 * Rule for all tests: nothing in main() may start OpenMP or BLAS threads; Check forks each test
 * and libgomp is not fork-safe. All work happens inside START_TEST bodies.
 */
#ifndef TCONV_TEST_COMMON_H
#define TCONV_TEST_COMMON_H

#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tconv.h"

#define DEFAULT_TEST_SEED 20261122u

static inline uint64_t test_seed(void)
{
    const char *s = getenv("TCONV_TEST_SEED");
    return s && *s ? strtoull(s, NULL, 0) : DEFAULT_TEST_SEED;
}

struct rng {
    uint64_t s;
};

static inline struct rng rng_make(uint64_t seed, uint64_t stream)
{
    struct rng r = {seed * 0x9E3779B97F4A7C15ull ^ (stream + 0xD1B54A32D192ED03ull)};
    return r;
}

static inline uint64_t rng_next(struct rng *r) /* splitmix64 */
{
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* uniform integer in [lo, hi] */
static inline int64_t rng_int(struct rng *r, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

/* Dyadic values k/8, k in [-16, 16]: every product and every sum of our sizes is exact in float. */
static inline void fill_dyadic(struct rng *r, float *a, int64_t n)
{
    for (int64_t i = 0; i < n; i++) a[i] = (float)rng_int(r, -16, 16) / 8.0f;
}

static inline void fill_uniform(struct rng *r, float *a, int64_t n)
{
    for (int64_t i = 0; i < n; i++) a[i] = (float)((double)(rng_next(r) >> 11) * 0x1.0p-53 * 2.0 - 1.0);
}

/* Buffers with guard zones: GUARD floats of a sentinel pattern on both sides. */
#define GUARD 64
static const uint32_t guard_bits = 0x7fc0beefu; /* a quiet NaN nobody computes */

static inline float *guarded_alloc(int64_t n)
{
    float *b = malloc(((size_t)n + 2 * GUARD) * sizeof(float));
    if (!b) return NULL;
    for (int64_t i = 0; i < n + 2 * GUARD; i++) memcpy(&b[i], &guard_bits, 4);
    return b + GUARD;
}

/* true if both guard zones still hold the pattern */
static inline bool guards_intact(const float *p, int64_t n)
{
    for (int64_t i = 1; i <= GUARD; i++) {
        uint32_t a, b;
        memcpy(&a, &p[-i], 4);
        memcpy(&b, &p[n - 1 + i], 4);
        if (a != guard_bits || b != guard_bits) return false;
    }
    return true;
}

static inline void guarded_free(float *p)
{
    if (p) free(p - GUARD);
}

static inline const char *layout_name(enum tconv_layout l) { return l == TCONV_NCHW ? "NCHW" : "NHWC"; }

static inline const char *filter_name(enum tconv_filter_layout f)
{
    static const char *const n[] = {"DEFAULT", "HWIO", "OIHW", "HWOI", "IOHW"};
    return (int)f >= 0 && (int)f <= 4 ? n[f] : "?";
}

static inline const char *padding_str(enum tconv_padding m)
{
    static const char *const n[] = {"VALID", "SAME", "SAME_LOWER", "EXPLICIT"};
    return (int)m >= 0 && (int)m <= 3 ? n[m] : "?";
}

/* A one-line reproducer of a case. */
static inline const char *case_str(char *buf, size_t len, bool tr, const struct tconv_params *p)
{
    snprintf(buf, len,
             "%s %s/%s n%" PRId64 " %" PRId64 "x%" PRId64 "x%" PRId64 " -> c%" PRId64 " g%" PRId64 " k%" PRId64
             "x%" PRId64 " s%" PRId64 "x%" PRId64 " d%" PRId64 "x%" PRId64 " %s pads(%" PRId64 ",%" PRId64 ",%" PRId64
             ",%" PRId64 ") out(%" PRId64 "x%" PRId64 ") op(%" PRId64 ",%" PRId64 ") act%d",
             tr ? "conv2d_transpose" : "conv2d", layout_name(p->layout), filter_name(p->filter_layout), p->batch,
             p->in_h, p->in_w, p->in_channels, p->out_channels, p->groups, p->kernel_h, p->kernel_w, p->stride_h,
             p->stride_w, p->dilation_h, p->dilation_w, padding_str(p->padding), p->pad_top, p->pad_bottom, p->pad_left,
             p->pad_right, p->out_h, p->out_w, p->output_padding_h, p->output_padding_w, (int)p->activation);
    return buf;
}

/* First index where |y - ref| > atol + rtol*|ref| (or where one is NaN and the other is not), or -1. */
static inline int64_t first_mismatch(const float *y, const float *ref, int64_t n, double atol, double rtol)
{
    for (int64_t i = 0; i < n; i++) {
        if (isnan(y[i]) || isnan(ref[i])) {
            if (isnan(y[i]) != isnan(ref[i])) return i;
            continue;
        }
        if (fabs((double)y[i] - (double)ref[i]) > atol + rtol * fabs((double)ref[i])) return i;
    }
    return -1;
}

/* Element counts of a call's tensors (params assumed valid). */
static inline int64_t filter_elems(const struct tconv_params *p)
{
    return p->kernel_h * p->kernel_w * p->in_channels * (p->out_channels / p->groups);
}

/* The filter layout that reads the same tensor for the other op: a conv's HWIO is its transpose's HWOI
   (the per-group axis moves from I to O), OIHW is IOHW; DEFAULT already means the matching one. */
static inline enum tconv_filter_layout swap_io(enum tconv_filter_layout l)
{
    switch (l) {
    case TCONV_FILTER_HWIO: return TCONV_FILTER_HWOI;
    case TCONV_FILTER_HWOI: return TCONV_FILTER_HWIO;
    case TCONV_FILTER_OIHW: return TCONV_FILTER_IOHW;
    case TCONV_FILTER_IOHW: return TCONV_FILTER_OIHW;
    default: return TCONV_FILTER_DEFAULT;
    }
}

/* Run a suite; returns the process exit status. Every test gets a timeout that fits it. */
static inline int run_suite(Suite *s)
{
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed) fprintf(stderr, "seed: TCONV_TEST_SEED=%" PRIu64 " reproduces this run\n", test_seed());
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

#endif
