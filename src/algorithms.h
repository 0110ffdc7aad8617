/*
 * algorithms.h - the tile functions of every plan kind (plan.h), one file per algorithm. A tile
 * function computes tile number `tile` of its stage completely, on the calling thread, in a fixed
 * order, using only its own scratch.
 */
#ifndef TCONV_ALGORITHMS_H
#define TCONV_ALGORITHMS_H

#include "execute.h"

#pragma GCC visibility push(hidden)

/* conv_im2col.c */
void tconv__conv_im2col_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* pointwise.c */
void tconv__pointwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* col2im.c: the transposed conv's GEMM + col2im, and its GEMM straight into y */
void tconv__into_y_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
void tconv__col2im_images_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
void tconv__col2im_bands_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* TR_COL2IM_SHARED's two stages: the GEMM into the shared col, then col2im bands reading it */
void tconv__shared_col_gemm_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
void tconv__shared_col_col2im_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
void tconv__col2im_planes_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* subpixel.c */
void tconv__subpixel_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* The phase matrix, one row per tile: NHWC [g][(jy, jx, c)][(ry, rx, o)], NCHW [g][(o, ry, rx)][(c, jy, jx)]. */
void tconv__pack_subpixel_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
int64_t tconv__pack_subpixel_tiles(const struct tconv__plan *pl, const struct tconv__problem *pr);
/* depthwise.c: forward of either op, and the filter gradient */
#define TCONV__DW_WRAP                                                                                                 \
    16 /* NHWC: a tap's weights repeat their first channels after the last, for a vector that wraps */
/* Floats per tap of the packed NHWC depthwise weights (and of the tile's wrapped bias). */
static inline int64_t tconv__dw_ld(const struct tconv__problem *pr) { return pr->co + TCONV__DW_WRAP; }
void tconv__depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
void tconv__filter_grad_depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch,
                                       struct tconv__times *t);
/* Depthwise weights, one channel per tile: NHWC [ky][kx][c] with each tap's row of tconv__dw_ld floats,
   NCHW [c][ky][kx]. */
void tconv__pack_depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* filter_grad.c */
void tconv__filter_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* The partial gradients summed in part order, a block of filter elements per tile. */
void tconv__filter_grad_sum_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
int64_t tconv__filter_grad_sum_tiles(const struct tconv__problem *pr);
/* bias_grad.c */
void tconv__bias_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
/* pack.c: the canonical layout change, a block of filter elements per tile */
void tconv__pack_canonical_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t);
int64_t tconv__pack_canonical_tiles(const struct tconv__problem *pr);

#pragma GCC visibility pop

#endif /* TCONV_ALGORITHMS_H */
