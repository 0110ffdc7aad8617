/*
 * kernels.h - the building blocks the algorithms are made of: im2col, col2im (gather form), the
 * canonical filter packing and the bias + activation epilogues (lower.c), and the one sgemm (blas.c).
 * Pure index code on one tile, on the calling thread: no allocation, no validation, no threads.
 */
#ifndef TCONV_KERNELS_H
#define TCONV_KERNELS_H

#include "problem.h"

#pragma GCC visibility push(hidden)

/* ---- blas.c ---- */
/* The BLAS's own threading: 0 sequential, 1 pthreads, 2 OpenMP (OpenBLAS), -1 unknown (another CBLAS). */
int tconv__blas_threading(void);
/* Row-major C = A(^T) * B(^T) + beta*C; dimensions already checked to fit int. */
void tconv__sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/* ---- lower.c ---- */
/* Filter elements [lo, hi) of the packing order (full channel, kz, ky, kx, local channel) copied from the
   caller's layout into tconv__canonical_layout(pr). Spatial positions are (z, y, x) on the axes (d, h, w):
   a 2-D problem has a trivial depth axis (z = kz = 0). */
void tconv__pack_canonical(const struct tconv__problem *pr, const float *filter, float *packed, int64_t lo, int64_t hi);

/* conv geometry, NHWC (NDHWC): col[r - r0][k - k0] for global rows r = ((b*OD + oz)*OH + oy)*OW + ox in
   [r0, r1) and columns k = ((kz*KH + ky)*KW + kx)*cig + c in [k0, k1) (all of them: 0, KD*KH*KW*cig). */
void tconv__im2col_nhwc(const struct tconv__problem *pr, const float *x, int64_t group, int64_t r0, int64_t r1,
                        int64_t k0, int64_t k1, float *col);
/* conv geometry, NCHW (NCDHW), one image: col[k - k0][q - q0] for rows k = ((c*KD + kz)*KH + ky)*KW + kx in
   [k0, k1) and output pixels q = (oz*OH + oy)*OW + ox in [q0, q1). */
void tconv__im2col_nchw(const struct tconv__problem *pr, const float *x_img, int64_t group, int64_t q0, int64_t q1,
                        int64_t k0, int64_t k1, float *col);
/*
 * transposed, NHWC, one group: y rows [oy0, oy1) of images [b0, b1) from
 * col[((b - b0)*rows + iy - iy0)*IW + ix][((kz*KH + ky)*KW + kx)*cog + o], where rows = the input rows col
 * holds. A row is (z, y) flattened: y row oz*OH + oy, x row iz*IH + iy (a 2-D problem: just oy, iy).
 */
void tconv__col2im_nhwc(const struct tconv__problem *pr, const float *col, int64_t group, int64_t b0, int64_t b1,
                        int64_t oy0, int64_t oy1, int64_t iy0, int64_t rows, const float *bias, float *y,
                        bool accumulate);
/* transposed, NCHW, one image: channels [o0, o1) of group g from
   col[(((o - o0)*KD + kz)*KH + ky)*KW + kx][(iz*IH + iy)*IW + ix]. */
void tconv__col2im_nchw(const struct tconv__problem *pr, const float *col, int64_t group, int64_t o0, int64_t o1,
                        const float *bias, float *y_img, bool accumulate);
/* act(v + bias) over a block: rows x cols with row stride ld (bias indexed by column, or by row). */
void tconv__epilogue_cols(enum tconv_activation act, const float *bias, float *y, int64_t rows, int64_t cols,
                          int64_t ld);
void tconv__epilogue_rows(enum tconv_activation act, const float *bias, float *y, int64_t rows, int64_t cols,
                          int64_t ld);

#pragma GCC visibility pop

#endif /* TCONV_KERNELS_H */
