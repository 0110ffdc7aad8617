/*
 * api.c - the public entry points: resolve and check the call and its options, plan it, provide
 * the workspace (the caller's, or one allocation), run it, report the profile. Nothing is written
 * to y before every check has passed and the workspace exists, so a failing call leaves y
 * untouched.
 */
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

#define ALIGN_SLACK 64 /* the caller's workspace may have any alignment */

/*
 * Threads for tconv's tiles. Measured on 2 cores (DEVELOPERS.md): OpenMP threads next to the
 * pthreads build of OpenBLAS lose up to 3.6x, because libgomp's threads keep spinning while
 * OpenBLAS's own workers run the GEMM. So with that build the tiles run on the calling thread and
 * only the GEMM is parallel (one level at a time); with the OpenMP build, tconv's threads run the
 * tiles and each GEMM is single-threaded.
 */
static int loop_threads(const struct tconv_options *opt)
{
#ifdef _OPENMP
    if (tconv__blas_threading() == 1) return 1;
    return opt && opt->num_threads > 0 ? opt->num_threads : omp_get_max_threads();
#else
    (void)opt;
    return 1;
#endif
}

static enum tconv_status check_options(const char *fn, const struct tconv_options *opt)
{
    if (!opt) return TCONV_OK;
    if (opt->num_threads < 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "num_threads = %d is invalid: it must be >= 0 (0 = default)",
                           opt->num_threads);
    if ((int)opt->algorithm < 0 || (int)opt->algorithm > (int)TCONV_ALGORITHM_DIRECT)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "algorithm = %d is invalid: it must be TCONV_ALGORITHM_AUTO (0), GEMM (1), SUBPIXEL (2) or "
                           "DIRECT (3)",
                           (int)opt->algorithm);
    return TCONV_OK;
}

/* Bytes for the shared packed filter and nthreads scratch buffers, plus alignment slack. */
static size_t workspace_bytes(const struct tconv__plan *pl, int nthreads)
{
    return ALIGN_SLACK + tconv__round64(pl->shared_bytes) + (size_t)nthreads * pl->scratch_bytes;
}

/* Validate and plan a call; *threads is how many threads its tiles can use. */
static enum tconv_status prepare(const char *fn, const struct tconv_params *p, bool transposed,
                                 const struct tconv_options *opt, struct tconv__problem *pr, struct tconv__plan *pl,
                                 int *threads)
{
    enum tconv_status st = tconv__resolve(fn, p, transposed, pr, NULL);
    if (st != TCONV_OK) return st;
    if ((st = check_options(fn, opt)) != TCONV_OK) return st;
    if ((st = tconv__plan(fn, pr, opt ? opt->algorithm : TCONV_ALGORITHM_AUTO, pl)) != TCONV_OK) return st;
    *threads = (int)tconv__max(1, tconv__min(tconv__min(loop_threads(opt), pl->ntiles), 1024));
    return TCONV_OK;
}

static enum tconv_status workspace_query(const char *fn, const struct tconv_params *p, bool transposed,
                                         const struct tconv_options *opt, size_t *bytes)
{
    struct tconv__problem pr;
    struct tconv__plan pl;
    int threads;
    if (!bytes) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "bytes must not be NULL");
    enum tconv_status st = prepare(fn, p, transposed, opt, &pr, &pl, &threads);
    if (st != TCONV_OK) return st;
    *bytes = pr.y_elems == 0 ? 0 : workspace_bytes(&pl, threads);
    return TCONV_OK;
}

static enum tconv_status run(const char *fn, bool transposed, const struct tconv_params *p, const float *x,
                             const float *filter, const float *bias, float *y, void *workspace, size_t ws_bytes,
                             const struct tconv_options *opt)
{
    const double start = opt && opt->profile ? tconv__now() : 0.0;
    struct tconv__problem pr;
    struct tconv__plan pl;
    int threads;
    enum tconv_status st = prepare(fn, p, transposed, opt, &pr, &pl, &threads);
    if (st != TCONV_OK) return st;
    if ((st = tconv__check_pointers(fn, &pr, x, filter, y)) != TCONV_OK) return st;
    if (pr.y_elems == 0) { /* batch 0 or an empty output: nothing to write */
        if (opt && opt->profile)
            *opt->profile = (struct tconv_profile){.algorithm = pl.algorithm, .threads = 0};
        return TCONV_OK;
    }
    void *owned = NULL;
    if (!workspace) {
        ws_bytes = workspace_bytes(&pl, threads);
        if ((owned = workspace = tconv__alloc(ws_bytes)) == NULL)
            return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate a workspace of %zu bytes", ws_bytes);
    } else {
        if (ws_bytes < workspace_bytes(&pl, 1))
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                               "workspace_bytes = %zu is too small: this call needs at least %zu (%zu with %d "
                               "threads; the _workspace_size query gives it)",
                               ws_bytes, workspace_bytes(&pl, 1), workspace_bytes(&pl, threads), threads);
        while (threads > 1 && ws_bytes < workspace_bytes(&pl, threads)) threads--; /* same result, fewer threads */
    }
    char *base = (char *)(((uintptr_t)workspace + ALIGN_SLACK - 1) & ~(uintptr_t)(ALIGN_SLACK - 1));
    struct tconv__times sum;
    tconv__execute(&pr, &pl, x, filter, bias, y, base, threads, opt && opt->profile, &sum);
    tconv__free(owned);
    if (opt && opt->profile) {
        const double total = tconv__now() - start;
        const double busy = sum.pack + sum.im2col + sum.gemm + sum.col2im + sum.epilogue;
        const double k = busy > 0 ? total / busy : 0.0;
        *opt->profile = (struct tconv_profile){.total = total, .pack = sum.pack * k, .im2col = sum.im2col * k,
                                               .gemm = sum.gemm * k, .col2im = sum.col2im * k,
                                               .epilogue = sum.epilogue * k, .algorithm = pl.algorithm,
                                               .threads = threads};
    }
    return TCONV_OK;
}

static enum tconv_status run_reference(const char *fn, bool transposed, const struct tconv_params *p,
                                       const float *x, const float *filter, const float *bias, float *y)
{
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve(fn, p, transposed, &pr, NULL);
    if (st != TCONV_OK) return st;
    if ((st = tconv__check_pointers(fn, &pr, x, filter, y)) != TCONV_OK) return st;
    if (pr.y_elems == 0) return TCONV_OK;
    return tconv__reference_run(fn, &pr, x, filter, bias, y);
}

TCONV_API enum tconv_status tconv_conv2d_geometry(const struct tconv_params *p, struct tconv_geometry *g)
{
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, "tconv_conv2d_geometry", "g must not be NULL");
    return tconv__resolve("tconv_conv2d_geometry", p, false, &pr, g);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_geometry(const struct tconv_params *p, struct tconv_geometry *g)
{
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, "tconv_conv2d_transpose_geometry", "g must not be NULL");
    return tconv__resolve("tconv_conv2d_transpose_geometry", p, true, &pr, g);
}

TCONV_API enum tconv_status tconv_conv2d(const struct tconv_params *p, const float *x, const float *filter,
                                         const float *bias, float *y)
{
    return run("tconv_conv2d", false, p, x, filter, bias, y, NULL, 0, NULL);
}

TCONV_API enum tconv_status tconv_conv2d_transpose(const struct tconv_params *p, const float *x,
                                                   const float *filter, const float *bias, float *y)
{
    return run("tconv_conv2d_transpose", true, p, x, filter, bias, y, NULL, 0, NULL);
}

TCONV_API enum tconv_status tconv_conv2d_ex(const struct tconv_params *p, const float *x, const float *filter,
                                            const float *bias, float *y, void *workspace, size_t workspace_bytes,
                                            const struct tconv_options *opt)
{
    return run("tconv_conv2d_ex", false, p, x, filter, bias, y, workspace, workspace_bytes, opt);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_ex(const struct tconv_params *p, const float *x,
                                                      const float *filter, const float *bias, float *y,
                                                      void *workspace, size_t workspace_bytes,
                                                      const struct tconv_options *opt)
{
    return run("tconv_conv2d_transpose_ex", true, p, x, filter, bias, y, workspace, workspace_bytes, opt);
}

TCONV_API enum tconv_status tconv_conv2d_workspace_size(const struct tconv_params *p, size_t *bytes)
{
    return workspace_query("tconv_conv2d_workspace_size", p, false, NULL, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size(const struct tconv_params *p, size_t *bytes)
{
    return workspace_query("tconv_conv2d_transpose_workspace_size", p, true, NULL, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_workspace_size_ex(const struct tconv_params *p,
                                                           const struct tconv_options *opt, size_t *bytes)
{
    return workspace_query("tconv_conv2d_workspace_size_ex", p, false, opt, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size_ex(const struct tconv_params *p,
                                                                     const struct tconv_options *opt, size_t *bytes)
{
    return workspace_query("tconv_conv2d_transpose_workspace_size_ex", p, true, opt, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_reference(const struct tconv_params *p, const float *x,
                                                   const float *filter, const float *bias, float *y)
{
    return run_reference("tconv_conv2d_reference", false, p, x, filter, bias, y);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_reference(const struct tconv_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y)
{
    return run_reference("tconv_conv2d_transpose_reference", true, p, x, filter, bias, y);
}

TCONV_API const char *tconv_algorithm_name(enum tconv_algorithm a)
{
    switch (a) {
    case TCONV_ALGORITHM_AUTO: return "AUTO";
    case TCONV_ALGORITHM_GEMM: return "GEMM";
    case TCONV_ALGORITHM_SUBPIXEL: return "SUBPIXEL";
    case TCONV_ALGORITHM_DIRECT: return "DIRECT";
    }
    return "unknown";
}
