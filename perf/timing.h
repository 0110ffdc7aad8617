/* timing.h - the clock and the median's sort order the benchmark and its peer columns share. */
#ifndef TCONV_PERF_TIMING_H
#define TCONV_PERF_TIMING_H

#include <time.h>

static inline double bench_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* qsort's order of doubles, for medians. */
static inline int bench_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#endif
