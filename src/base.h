/*
 * base.h - what every file of the library uses: the failure message, the one allocator, the
 * clock, and overflow-checked and saturating integer arithmetic. Nothing here is exported.
 */
#ifndef TCONV_BASE_H
#define TCONV_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tconv.h"

/* Hot loops compiled for x86-64, AVX2 and AVX-512, picked at load time (GCC's ifunc). Not under
   ThreadSanitizer: the ifunc resolvers would run before its runtime starts, and crash. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) &&                           \
    !defined(__SANITIZE_THREAD__)
#define TCONV_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define TCONV_CLONES
#endif

/* Hidden even where -fvisibility does not reach: target_clones' ifunc resolvers are default otherwise. */
#pragma GCC visibility push(hidden)

/* ---- error.c ---- */
/* Record a failure for tconv_last_error() and return s. fn names the public function. */
enum tconv_status tconv__fail(enum tconv_status s, const char *fn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
const char *tconv__last_error(void); /* this thread's last message, "" if none */

/* ---- alloc.c ---- */
void *tconv__alloc(size_t bytes); /* 64-byte aligned; NULL on failure. The only allocator. */
void tconv__free(void *ptr);
#ifdef TCONV_FAULT_INJECTION
void tconv__fi_arm(int64_t fail_at); /* 0: never fail; resets the call count */
int64_t tconv__fi_calls(void);
int64_t tconv__fi_live(void);
#endif

/* ---- clock.c ---- */
double tconv__now(void); /* monotonic seconds */

/* ---- arithmetic ---- */
/* Workspace pieces start on 64-byte boundaries (cache lines, AVX-512 loads). */
#define TCONV__ALIGN 64
static inline size_t tconv__round64(size_t n) { return (n + TCONV__ALIGN - 1) & ~(size_t)(TCONV__ALIGN - 1); }
/* Checked a*b and a+b: false when the result does not fit int64_t. */
static inline bool tconv__mul(int64_t a, int64_t b, int64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool tconv__add(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }
/* Saturating a*b and a+b for sizes >= 0: the tiling heuristics multiply sizes whose products need
   not fit (huge kernels, huge padding); a saturated result is then refused by the workspace bound. */
static inline int64_t tconv__smul(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}
static inline int64_t tconv__sadd(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}
static inline int64_t tconv__min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t tconv__max(int64_t a, int64_t b) { return a > b ? a : b; }
/* ceil(a / b) for a >= 0, b > 0, with no a + b - 1 to overflow */
static inline int64_t tconv__cdiv(int64_t a, int64_t b) { return a <= 0 ? 0 : (a - 1) / b + 1; }
/* floor(a / b) for any sign of a, b > 0 (no b - 1 added) */
static inline int64_t tconv__fdiv(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a - 1) / b) - 1; }
/* The activation after the bias; NaN stays NaN. */
static inline float tconv__act(enum tconv_activation a, float v)
{
    return a == TCONV_ACTIVATION_RELU && v < 0.0f ? 0.0f : v;
}

#pragma GCC visibility pop

#endif /* TCONV_BASE_H */
