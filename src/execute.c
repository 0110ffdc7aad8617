/*
 * execute.c - the only parallel region of the library, and its thread policy.
 *
 * A call's stages (packing, the tiles, a final sum) run inside one OpenMP region, a barrier between
 * stages, tiles taken dynamically. Each thread runs whole tiles with a single-threaded sgemm: one
 * level of parallelism. The result does not depend on which thread runs which tile.
 *
 * Threads and OpenBLAS (DEVELOPERS.md). The OpenMP build of OpenBLAS decides how many threads one
 * sgemm uses from the calling thread's OpenMP state: 1 inside an active parallel region, else
 * omp_get_max_threads(). If it then threads a GEMM while OpenMP hands it fewer threads than it
 * asked for (OMP_THREAD_LIMIT=1, OMP_DYNAMIC=true, a team of one), it waits for the missing threads
 * forever. So the calling thread sets its nthreads-var to 1 for the call (restored afterwards; the
 * num_threads clause still sizes the team) and the team's threads inherit it, as every parallel
 * region's implicit tasks do: each GEMM is single-threaded whatever team OpenMP gave.
 */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "execute.h"
#include "kernels.h"

/* OpenBLAS's pthreads build (openblas_get_parallel() == 1) keeps its own workers. */
#define BLAS_PTHREADS 1

int tconv__threads_requested(int requested)
{
#ifdef _OPENMP
    if (tconv__blas_threading() == BLAS_PTHREADS) return 1; /* it threads each GEMM; ours would spin (2.9x) */
    if (omp_in_parallel()) return 1;                        /* the caller's region is the level */
    const int n = requested > 0 ? requested : omp_get_max_threads();
    return n < TCONV__MAX_THREADS ? n : TCONV__MAX_THREADS;
#else
    (void)requested;
    return 1;
#endif
}

/* Stages [s0, s1) on the calling thread, charging thread 0's times. */
static void run_serial(const struct tconv__stages *st, int s0, int s1, const struct tconv__run *r, char *scratch)
{
    struct tconv__times *t = (struct tconv__times *)(void *)scratch;
    float *buf = (float *)(void *)(scratch + TCONV__SCRATCH_HEADER);
    for (int s = s0; s < s1; s++)
        for (int64_t i = 0; i < st->s[s].ntiles; i++) st->s[s].fn(r, i, buf, t);
}

#ifdef _OPENMP
/* Stages [s0, s1) on a team of nthreads; a small stage among them runs on one thread of the team.
   Returns the team's size. */
static int run_team(const struct tconv__stages *st, int s0, int s1, const struct tconv__run *r, char *scratch,
                    size_t scratch_bytes, int nthreads)
{
    int team = 1;
#pragma omp parallel num_threads(nthreads)
    {
#pragma omp single nowait /* no barrier: the first threads start on tiles while the others wake */
        team = omp_get_num_threads();
        char *mine = scratch + (size_t)omp_get_thread_num() * scratch_bytes;
        struct tconv__times *t = (struct tconv__times *)(void *)mine;
        float *buf = (float *)(void *)(mine + TCONV__SCRATCH_HEADER);
        for (int s = s0; s < s1; s++) {
            const struct tconv__stage stage = st->s[s];
            if (!stage.parallel) {
#pragma omp single
                for (int64_t i = 0; i < stage.ntiles; i++) stage.fn(r, i, buf, t);
            } else {
#pragma omp for schedule(dynamic, 1)
                for (int64_t i = 0; i < stage.ntiles; i++) stage.fn(r, i, buf, t);
            }
        }
    }
    return team;
}
#endif

int tconv__execute(const struct tconv__stages *st, const struct tconv__run *r, char *scratch, size_t scratch_bytes,
                   int nthreads, struct tconv__times *sum)
{
    int team = 1;
    for (int t = 0; t < nthreads; t++) memset(scratch + (size_t)t * scratch_bytes, 0, sizeof(struct tconv__times));
#ifdef _OPENMP
    /* the pthreads build threads each GEMM itself: leave its thread count alone */
    const bool pin = tconv__blas_threading() != BLAS_PTHREADS;
    const int saved = omp_get_max_threads();
    if (pin && saved != 1) omp_set_num_threads(1); /* its GEMMs single-threaded, and the team's (see the top) */
    if (nthreads > 1) {
        /* small stages first and last run on the calling thread, outside the region: no barrier for them */
        int s0 = 0, s1 = st->n;
        while (s0 < s1 && !st->s[s0].parallel) s0++;
        while (s1 > s0 && !st->s[s1 - 1].parallel) s1--;
        run_serial(st, 0, s0, r, scratch);
        if (s1 > s0) team = run_team(st, s0, s1, r, scratch, scratch_bytes, nthreads);
        run_serial(st, s1, st->n, r, scratch);
    } else {
        run_serial(st, 0, st->n, r, scratch);
    }
    if (pin && saved != 1) omp_set_num_threads(saved);
#else
    (void)nthreads;
    run_serial(st, 0, st->n, r, scratch);
#endif
    memset(sum, 0, sizeof *sum);
    for (int t = 0; t < team; t++) { /* only the threads that ran wrote their times */
        const struct tconv__times *tt =
            (const struct tconv__times *)(const void *)(scratch + (size_t)t * scratch_bytes);
        sum->pack += tt->pack;
        sum->im2col += tt->im2col;
        sum->gemm += tt->gemm;
        sum->col2im += tt->col2im;
        sum->epilogue += tt->epilogue;
    }
    return team;
}
