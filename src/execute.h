/*
 * execute.h - running a plan: the tensors of one call, the stages of tiles the executor runs, and
 * the thread policy. execute.c holds the only parallel region of the library.
 */
#ifndef TCONV_EXECUTE_H
#define TCONV_EXECUTE_H

#include "plan.h"

#pragma GCC visibility push(hidden)

/* Per-thread phase times, kept in the header of each thread's scratch. */
struct tconv__times {
    double pack, im2col, gemm, col2im, epilogue;
};
/* Bytes before a thread's scratch buffer: its tconv__times, padded to a cache line. */
#define TCONV__SCRATCH_HEADER 64

/* Resize-convolution's first stage (resize.c): compose the filter, or upsample x, into `staged`. */
struct tconv__resize {
    const struct tconv__problem *conv; /* the conv over the upsampled tensor, as the caller described it */
    int64_t scale;
    enum tconv_resize mode;
    const float *x, *filter; /* the caller's */
    float *staged;           /* in the workspace: the composed filter or the upsampled x */
};

/* Everything a tile needs; scratch is the running thread's own. */
struct tconv__run {
    const struct tconv__problem *pr; /* the problem that runs */
    const struct tconv__plan *pl;
    const float *x, *bias; /* x: the input the tiles read (conv: the big side; filter gradients: the conv's x) */
    const float *f;        /* the filter as the tiles read it: the caller's, or the packed copy */
    const float *filter;   /* the filter the pack stage reads */
    float *packed;         /* where the pack stage writes (the shared workspace) */
    float *y;              /* forward and data gradients: the output */
    const float *dy;       /* filter and bias gradients: the output gradient */
    float *dw;             /* filter gradient (layout pr->flayout) or bias gradient */
    float *partial;        /* filter gradient with parts > 1: the partial gradients, same layout */
    bool accumulate;       /* add into the output (gradient accumulation) instead of overwriting it */
    bool timed;            /* charge phase times to the thread's tconv__times */
    struct tconv__resize resize;
};

typedef void (*tconv__tile_fn)(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);

/* Stages run one after the other (a barrier between them); each one's tiles are independent. A stage
   that is not `parallel` is too small to pay for a barrier: the calling thread runs it, before or after
   the team's region when it comes first or last. */
struct tconv__stage {
    tconv__tile_fn fn;
    int64_t ntiles;
    bool parallel;
};
/* Elements a filter-sized stage must touch to be worth sharing out (measured: a barrier costs about as
   much as copying 64K floats). */
#define TCONV__PARALLEL_ELEMS 65536
#define TCONV__MAX_STAGES     4 /* resize's prologue, packing, the tiles, the partial-gradient sum */
struct tconv__stages {
    int n;
    struct tconv__stage s[TCONV__MAX_STAGES];
};

/* Charge the time since the last lap to phase `field` of t (when timing); t0 is the tile's clock. */
#define TCONV__LAP(field)                                                                                              \
    do {                                                                                                               \
        if (r->timed) {                                                                                                \
            const double now_ = tconv__now();                                                                          \
            t->field += now_ - t0;                                                                                     \
            t0 = now_;                                                                                                 \
        }                                                                                                              \
    } while (0)
#define TCONV__CLOCK() (r->timed ? tconv__now() : 0.0)

/* ---- plan.c ---- */
/* The stages of a plan: its pack stage (if any), its tiles, its partial-gradient sum (if any). */
void tconv__plan_stages(const struct tconv__plan *pl, const struct tconv__problem *pr, struct tconv__stages *st);
/* ... the first of them alone (an operator packs at create), or the rest (its runs). */
void tconv__plan_pack_stage(const struct tconv__plan *pl, const struct tconv__problem *pr, struct tconv__stages *st);
void tconv__plan_compute_stages(const struct tconv__plan *pl, const struct tconv__problem *pr,
                                struct tconv__stages *st);
/* Floats of the filter as a forward plan's tiles read it: the packed layout, or the filter as given. */
size_t tconv__plan_packed_floats(const struct tconv__plan *pl, const struct tconv__problem *pr);
/* A forward plan whose filter comes packed already: its shared part without the packed filter. */
void tconv__plan_prepacked(struct tconv__plan *pl);

/* ---- execute.c ---- */
/*
 * The thread policy, in one place: how many threads a call asks for.
 *   - without OpenMP: 1;
 *   - next to the pthreads build of OpenBLAS: 1, and OpenBLAS threads each GEMM (DEVELOPERS.md);
 *   - called from inside an active parallel region: 1 (one level of parallelism at a time);
 *   - else `requested`, or omp_get_max_threads() when it is 0; at most TCONV__MAX_THREADS.
 */
int tconv__threads_requested(int requested);
/*
 * Run the stages on at most nthreads threads (each thread's scratch at scratch + t*scratch_bytes).
 * Returns the size of the team that ran, which OpenMP may make smaller than asked (OMP_THREAD_LIMIT,
 * OMP_DYNAMIC, nesting); *sum (when r->timed) the per-phase thread time of the threads that ran.
 */
int tconv__execute(const struct tconv__stages *st, const struct tconv__run *r, char *scratch, size_t scratch_bytes,
                   int nthreads, struct tconv__times *sum);

#pragma GCC visibility pop

#endif /* TCONV_EXECUTE_H */
