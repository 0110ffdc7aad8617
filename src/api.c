/*
 * api.c - the public entry points: resolve and check the call, size and allocate the workspace,
 * dispatch to a driver or the reference. Nothing is written to y before every check has passed
 * and the workspace exists, so a failing call leaves y untouched.
 */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

/*
 * Threads for tconv's own loops (im2col, col2im, packing, bias). Measured on 2 cores (DEVELOPERS.md):
 * OpenMP loops next to the pthreads build of OpenBLAS lose up to 3.6x, because libgomp's threads
 * keep spinning after each loop while OpenBLAS's own workers run the GEMM. So with that build the
 * loops stay on the calling thread and only the GEMM is parallel (one level at a time); with the
 * OpenMP build both share libgomp's pool and the loops use every thread.
 */
static int default_threads(void)
{
#ifdef _OPENMP
    return tconv__blas_threading() == 1 ? 1 : omp_get_max_threads();
#else
    return 1;
#endif
}

static enum tconv_status run(const char *fn, bool transposed, bool reference, const struct tconv_params *p,
                             const float *x, const float *filter, const float *bias, float *y)
{
    struct tconv__problem pr;
    struct tconv__plan plan;
    enum tconv_status st = tconv__resolve(fn, p, transposed, &pr, NULL);
    if (st != TCONV_OK) return st;
    if ((st = tconv__check_pointers(fn, &pr, x, filter, y)) != TCONV_OK) return st;
    if (pr.y_elems == 0) return TCONV_OK; /* batch 0 or an empty output: nothing to write */
    if (reference) return tconv__reference_run(fn, &pr, x, filter, bias, y);

    if (transposed)
        tconv__plan_conv2d_transpose(&pr, &plan);
    else
        tconv__plan_conv2d(&pr, &plan);
    const size_t bytes = tconv__round64(plan.filter_bytes) + plan.col_bytes;
    void *ws = NULL;
    if (bytes > 0 && (ws = tconv__alloc(bytes)) == NULL)
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate a workspace of %zu bytes", bytes);
    if (transposed)
        tconv__conv2d_transpose_run(&pr, &plan, x, filter, bias, y, ws, default_threads());
    else
        tconv__conv2d_run(&pr, &plan, x, filter, bias, y, ws, default_threads());
    tconv__free(ws);
    return TCONV_OK;
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
    return run("tconv_conv2d", false, false, p, x, filter, bias, y);
}

TCONV_API enum tconv_status tconv_conv2d_transpose(const struct tconv_params *p, const float *x,
                                                   const float *filter, const float *bias, float *y)
{
    return run("tconv_conv2d_transpose", true, false, p, x, filter, bias, y);
}

TCONV_API enum tconv_status tconv_conv2d_reference(const struct tconv_params *p, const float *x,
                                                   const float *filter, const float *bias, float *y)
{
    return run("tconv_conv2d_reference", false, true, p, x, filter, bias, y);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_reference(const struct tconv_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y)
{
    return run("tconv_conv2d_transpose_reference", true, true, p, x, filter, bias, y);
}
