/*
 * alloc.c - the one allocator of the library: every buffer tconv allocates comes from here, on the
 * calling thread, before any output is written. Test builds (TCONV_FAULT_INJECTION, tests/test_alloc.c)
 * can make this thread's Nth allocation fail and count calls and live blocks.
 */
#include <stdlib.h>

#include "base.h"

#ifdef TCONV_FAULT_INJECTION
static _Thread_local int64_t fi_fail_at, fi_calls, fi_live;
void tconv__fi_arm(int64_t fail_at)
{
    fi_fail_at = fail_at;
    fi_calls = 0;
}
int64_t tconv__fi_calls(void) { return fi_calls; }
int64_t tconv__fi_live(void) { return fi_live; }
#endif

/* 64-byte aligned: cache lines, AVX-512 loads. */
void *tconv__alloc(size_t bytes)
{
#ifdef TCONV_FAULT_INJECTION
    if (++fi_calls == fi_fail_at) return NULL;
#endif
    if (bytes == 0) bytes = TCONV__ALIGN;
    bytes = tconv__round64(bytes); /* aligned_alloc wants a multiple of the alignment */
    if (bytes == 0) return NULL;   /* the rounding wrapped */
    void *p = aligned_alloc(TCONV__ALIGN, bytes);
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
