/*
 * internal.h - what the layers of tconv share. Nothing here is exported (hidden visibility).
 *
 * Layers, top to bottom:
 *   api.c                        public entry points: argument checks, workspace, dispatch
 *   geometry.c                   validation of tconv_params and the resolved problem
 *   conv2d.c, conv2d_transpose.c drivers: tile the batch, call the lowering kernels and sgemm
 *   lower.c                      im2col, col2im (gather form), filter packing, bias + activation
 *   blas.c                       the one wrapper around cblas_sgemm
 *   reference.c                  naive direct conv and naive scatter transposed conv
 */
#ifndef TCONV_INTERNAL_H
#define TCONV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tconv.h"

/*
 * One spatial axis of the lowering. Both ops share one index map between the "big" side
 * (conv input / transposed output) and the "small" side (conv output / transposed input):
 *     big position  p = i*s + t*d - pb   for small index i in [0, small) and tap t in [0, k).
 * conv2d gathers big -> col (im2col); conv2d_transpose sums col -> big (col2im).
 */
struct tconv__axis {
    int64_t big, small;
    int64_t k, s, d, ke;
    int64_t pb, pa; /* conv: zero padding of x; transposed: crop of the full result (pa may be < 0) */
};

/* A validated call: every size checked, every product below fits int64_t and size_t. */
struct tconv__problem {
    bool transposed;
    enum tconv_layout layout;
    enum tconv_filter_layout flayout; /* resolved, never DEFAULT */
    enum tconv_activation act;
    int64_t n, ci, co, g, cig, cog;  /* batch, channels in/out, groups, channels per group */
    struct tconv__axis h, w;
    int64_t in_h, in_w, out_h, out_w; /* of x and y, whichever op */
    int64_t x_elems, y_elems, f_elems;
};

/* ---- status.c ---- */
/* Record a failure for tconv_last_error() and return s. fn names the public function. */
enum tconv_status tconv__fail(enum tconv_status s, const char *fn, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* ---- geometry.c ---- */
/* Validate p (not the tensor pointers) and fill *pr; g may be NULL. */
enum tconv_status tconv__resolve(const char *fn, const struct tconv_params *p, bool transposed,
                                 struct tconv__problem *pr, struct tconv_geometry *g);
/* Check the tensor pointers of a resolved problem (NULL allowed only for empty tensors). */
enum tconv_status tconv__check_pointers(const char *fn, const struct tconv__problem *pr, const float *x,
                                        const float *filter, float *y);
/* Index of w(full-axis channel, per-group channel, ky, kx) in the filter, any layout (see tconv.h). */
static inline int64_t tconv__filter_index(const struct tconv__problem *pr, int64_t full, int64_t local,
                                          int64_t ky, int64_t kx)
{
    /* conv: I is per group, O is full; transposed: I is full, O is per group */
    const int64_t ni = pr->transposed ? pr->ci : pr->cig;
    const int64_t no = pr->transposed ? pr->cog : pr->co;
    const int64_t i = pr->transposed ? full : local;
    const int64_t o = pr->transposed ? local : full;
    const int64_t kh = pr->h.k, kw = pr->w.k;
    switch (pr->flayout) {
    case TCONV_FILTER_HWIO: return ((ky * kw + kx) * ni + i) * no + o;
    case TCONV_FILTER_OIHW: return ((o * ni + i) * kh + ky) * kw + kx;
    case TCONV_FILTER_HWOI: return ((ky * kw + kx) * no + o) * ni + i;
    case TCONV_FILTER_IOHW: default: return ((i * no + o) * kh + ky) * kw + kx;
    }
}

/* ---- memory (api.c) ---- */
void *tconv__alloc(size_t bytes); /* 64-byte aligned; NULL on failure */
void tconv__free(void *ptr);

/* ---- blas.c ---- */
/* The BLAS's own threading: 0 sequential, 1 pthreads, 2 OpenMP (OpenBLAS), -1 unknown. */
int tconv__blas_threading(void);
/* Row-major C = A(^T) * B(^T) + beta*C; dimensions already checked to fit int. */
void tconv__sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/* ---- lower.c ---- */
/* Workspace plans: bytes needed by the drivers for a problem (already overflow-checked). */
struct tconv__plan {
    size_t filter_bytes; /* packed filter, 0 if the caller's layout is used in place */
    size_t col_bytes;    /* column buffer */
    int64_t tile;        /* conv NHWC: rows of col per tile; conv NCHW: pixels; transposed: images */
};
void tconv__plan_conv2d(const struct tconv__problem *pr, struct tconv__plan *plan);
void tconv__plan_conv2d_transpose(const struct tconv__problem *pr, struct tconv__plan *plan);

/* The fast paths without a column buffer: 1x1, stride 1, no padding or crop. */
bool tconv__conv_is_pointwise(const struct tconv__problem *pr);
bool tconv__transpose_is_pointwise(const struct tconv__problem *pr);

/* Pack the filter into the canonical layout of the driver (see lower.c). */
void tconv__pack_filter(const struct tconv__problem *pr, const float *filter, float *packed, int nthreads);
bool tconv__filter_is_canonical(const struct tconv__problem *pr);

/* conv, NHWC: col[r - r0][(ky*KW + kx)*cig + c] for global rows r = (b*OH + oy)*OW + ox in [r0, r1). */
void tconv__im2col_nhwc(const struct tconv__problem *pr, const float *x, int64_t group, int64_t r0, int64_t r1,
                        float *col, int nthreads);
/* conv, NCHW, one image: col[(c*KH + ky)*KW + kx][q - q0] for output pixels q in [q0, q1). */
void tconv__im2col_nchw(const struct tconv__problem *pr, const float *x_img, int64_t group, int64_t q0,
                        int64_t q1, float *col, int nthreads);
/* transposed, NHWC: y for images [b0, b1) and one group from col[(b*IH + iy)*IW + ix][(ky*KW+kx)*cog + o]. */
void tconv__col2im_nhwc(const struct tconv__problem *pr, const float *col, int64_t group, int64_t b0,
                        int64_t b1, const float *bias, float *y, int nthreads);
/* transposed, NCHW, one image: y_img from col[(o*KH + ky)*KW + kx][iy*IW + ix] for one group. */
void tconv__col2im_nchw(const struct tconv__problem *pr, const float *col, int64_t group, const float *bias,
                        float *y_img, int nthreads);
/* y = act(y + bias) over rows x channels (NHWC) or channels x pixels (NCHW). */
void tconv__bias_act(const struct tconv__problem *pr, const float *bias, float *y, int nthreads);

/* ---- conv2d.c, conv2d_transpose.c ---- */
/* ws holds at least the plan's bytes. */
void tconv__conv2d_run(const struct tconv__problem *pr, const struct tconv__plan *plan, const float *x,
                       const float *filter, const float *bias, float *y, void *ws, int nthreads);
void tconv__conv2d_transpose_run(const struct tconv__problem *pr, const struct tconv__plan *plan,
                                 const float *x, const float *filter, const float *bias, float *y, void *ws,
                                 int nthreads);

/* ---- reference.c ---- */
enum tconv_status tconv__reference_run(const char *fn, const struct tconv__problem *pr, const float *x,
                                       const float *filter, const float *bias, float *y);

/* Largest GEMM M handed to BLAS at once (its dimensions are int). */
#define TCONV__M_CHUNK ((int64_t)1 << 30)

/* Workspace pieces start on 64-byte boundaries. */
static inline size_t tconv__round64(size_t n) { return (n + 63) & ~(size_t)63; }

/* ---- checked arithmetic ---- */
static inline bool tconv__mul(int64_t a, int64_t b, int64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool tconv__add(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }

#endif /* TCONV_INTERNAL_H */
