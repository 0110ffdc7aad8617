/*
 * status.c - status strings, the per-thread last error, the version and the one allocator.
 * The only state in the library is the thread-local error text below: each thread owns its own
 * (test builds with TCONV_FAULT_INJECTION add thread-local allocation counters).
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "internal.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

static _Thread_local char last_error[768];

enum tconv_status tconv__fail(enum tconv_status s, const char *fn, const char *fmt, ...)
{
    va_list ap;
    int n = snprintf(last_error, sizeof last_error, "%s: ", fn);
    if (n < 0 || (size_t)n >= sizeof last_error) return s;
    va_start(ap, fmt);
    vsnprintf(last_error + n, sizeof last_error - (size_t)n, fmt, ap);
    va_end(ap);
    return s;
}

TCONV_API const char *tconv_last_error(void) { return last_error; }

TCONV_API const char *tconv_status_string(enum tconv_status s)
{
    switch (s) {
    case TCONV_OK: return "TCONV_OK: success";
    case TCONV_ERR_NULL_POINTER: return "TCONV_ERR_NULL_POINTER: a required pointer was NULL";
    case TCONV_ERR_INVALID_ARGUMENT: return "TCONV_ERR_INVALID_ARGUMENT: a parameter is out of its allowed range";
    case TCONV_ERR_SHAPE_MISMATCH:
        return "TCONV_ERR_SHAPE_MISMATCH: a requested output size is not what the parameters give";
    case TCONV_ERR_UNSUPPORTED: return "TCONV_ERR_UNSUPPORTED: legal, but not supported by this build";
    case TCONV_ERR_SIZE_OVERFLOW: return "TCONV_ERR_SIZE_OVERFLOW: an element or byte count overflows";
    case TCONV_ERR_OUT_OF_MEMORY: return "TCONV_ERR_OUT_OF_MEMORY: a workspace allocation failed";
    }
    return "unknown tconv_status";
}

TCONV_API const char *tconv_version(void)
{
    return STR(TCONV_VERSION_MAJOR) "." STR(TCONV_VERSION_MINOR) "." STR(TCONV_VERSION_PATCH);
}

#ifdef TCONV_FAULT_INJECTION
/* Test builds only (tests/test_alloc.c): this thread's allocator fails on its Nth call, and counts
   its calls and live blocks. Every allocation happens on the calling thread, before any output is
   written, so a failure at any N must leave the output untouched and nothing allocated. */
static _Thread_local int64_t fi_fail_at, fi_calls, fi_live;
void tconv__fi_arm(int64_t fail_at) { fi_fail_at = fail_at, fi_calls = 0; }
int64_t tconv__fi_calls(void) { return fi_calls; }
int64_t tconv__fi_live(void) { return fi_live; }
#endif

/* The one allocation function of the library: 64-byte aligned (cache lines, AVX-512 loads). */
void *tconv__alloc(size_t bytes)
{
#ifdef TCONV_FAULT_INJECTION
    if (++fi_calls == fi_fail_at) return NULL;
#endif
    if (bytes == 0) bytes = 64;
    bytes = (bytes + 63) & ~(size_t)63; /* aligned_alloc wants a multiple of the alignment */
    if (bytes == 0) return NULL;        /* the rounding wrapped */
    void *p = aligned_alloc(64, bytes);
#ifdef TCONV_FAULT_INJECTION
    fi_live += p != NULL;
#endif
    return p;
}

void tconv__free(void *ptr)
{
#ifdef TCONV_FAULT_INJECTION
    fi_live -= ptr != NULL;
#endif
    free(ptr);
}

double tconv__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
