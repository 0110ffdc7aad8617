/*
 * blas.c - the one place that calls the BLAS: swapping it is a change to this file only. Callers
 * have checked every dimension against INT_MAX. How many threads run the GEMMs is decided in
 * execute.c; this file only reports which threading the loaded BLAS has.
 */
#include <cblas.h>

#include "kernels.h"

#if TCONV_HAVE_OPENBLAS_GET_PARALLEL
int openblas_get_parallel(void); /* OpenBLAS: 0 sequential, 1 pthreads, 2 OpenMP */
#endif

int tconv__blas_threading(void)
{
#if TCONV_HAVE_OPENBLAS_GET_PARALLEL
    return openblas_get_parallel();
#else
    return -1;
#endif
}

void tconv__sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc)
{
    if (m == 0 || n == 0) return;
    cblas_sgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans, trans_b ? CblasTrans : CblasNoTrans, (int)m, (int)n,
                (int)k, 1.0f, a, (int)lda, b, (int)ldb, beta, c, (int)ldc);
}
