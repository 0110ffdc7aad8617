/*
 * internal.h - what the layers of tconv share. Nothing here is exported (hidden visibility).
 *
 * Layers, top to bottom:
 *   api.c                        public entry points: argument checks, options, workspace, timing
 *   geometry.c                   validation of tconv_params and the resolved problem
 *   plan.c                       algorithm choice, tiling, workspace sizes, the parallel tile loop
 *   conv2d.c, conv2d_transpose.c, depthwise.c
 *                                drivers: one function per algorithm that computes one tile
 *   lower.c                      im2col, col2im (gather form), depth-to-space, filter packing, epilogues
 *   blas.c                       the one wrapper around cblas_sgemm
 *   reference.c                  naive direct conv and naive scatter transposed conv
 *
 * Parallelism: a call is cut into independent output tiles whose shapes depend on the problem
 * only; threads take tiles (one level of parallelism: tconv's threads, each running a
 * single-threaded sgemm). Every output element is computed by one tile in a fixed order, so
 * results do not depend on the thread count.
 */
#ifndef TCONV_INTERNAL_H
#define TCONV_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tconv.h"

/* Hot loops compiled for x86-64, AVX2 and AVX-512, picked at load time (GCC's ifunc). Not under
   ThreadSanitizer: the ifunc resolvers would run before its runtime starts, and crash. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__linux__) &&                           \
    !defined(__SANITIZE_THREAD__)
#define TCONV_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define TCONV_CLONES
#endif

/* Hidden even where -fvisibility does not reach: target_clones' ifunc resolvers are default otherwise. */
#pragma GCC visibility push(hidden)

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
    int64_t n, ci, co, g, cig, cog; /* batch, channels in/out, groups, channels per group */
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
#ifdef TCONV_FAULT_INJECTION
void tconv__fi_arm(int64_t fail_at); /* 0: never fail; resets the call count */
int64_t tconv__fi_calls(void);
int64_t tconv__fi_live(void);
#endif
void *tconv__alloc(size_t bytes); /* 64-byte aligned; NULL on failure. The only allocator. */
void tconv__free(void *ptr);
double tconv__now(void); /* monotonic seconds */

/* ---- geometry.c ---- */
/* Validate p (not the tensor pointers) and fill *pr; g may be NULL. */
enum tconv_status tconv__resolve(const char *fn, const struct tconv_params *p, bool transposed,
                                 struct tconv__problem *pr, struct tconv_geometry *g);
/*
 * The adjoint problem: conv <-> transposed conv with the same axes, channels swapped and the filter
 * layout's I and O swapped (the same filter tensor). The forward pass of adjoint(p) is the data
 * gradient of p; the filter gradient of a transposed p is the conv filter gradient of adjoint(p)
 * with x and dy exchanged.
 */
void tconv__adjoint(const struct tconv__problem *in, struct tconv__problem *out);
/* Check the tensor pointers of a resolved problem (NULL allowed only for empty tensors). */
enum tconv_status tconv__check_pointers(const char *fn, const struct tconv__problem *pr, const float *x,
                                        const float *filter, float *y);
/* Index of w(full-axis channel, per-group channel, ky, kx) in the filter, any layout (see tconv.h). */
static inline int64_t tconv__filter_index(const struct tconv__problem *pr, int64_t full, int64_t local, int64_t ky,
                                          int64_t kx)
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
    case TCONV_FILTER_IOHW:
    default: return ((i * no + o) * kh + ky) * kw + kx;
    }
}

/* The same as strides: index = full*sf + local*sl + ky*sy + kx*sx (every layout is a permutation). */
struct tconv__fstrides {
    int64_t full, local, ky, kx;
};
static inline struct tconv__fstrides tconv__filter_strides(const struct tconv__problem *pr)
{
    const int64_t base = tconv__filter_index(pr, 0, 0, 0, 0);
    return (struct tconv__fstrides){
        tconv__filter_index(pr, 1, 0, 0, 0) - base, tconv__filter_index(pr, 0, 1, 0, 0) - base,
        tconv__filter_index(pr, 0, 0, 1, 0) - base, tconv__filter_index(pr, 0, 0, 0, 1) - base};
}

/* ---- api.c ---- */
/* Threads for tconv's tiles: the request (0 = omp_get_max_threads()), or 1 next to the pthreads
   build of OpenBLAS (DEVELOPERS.md). */
int tconv__loop_threads(int requested);

/* ---- blas.c ---- */
/* The BLAS's own threading: 0 sequential, 1 pthreads, 2 OpenMP (OpenBLAS), -1 unknown. */
int tconv__blas_threading(void);
/* Row-major C = A(^T) * B(^T) + beta*C; dimensions already checked to fit int. */
void tconv__sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, const float *a, int64_t lda,
                  const float *b, int64_t ldb, float beta, float *c, int64_t ldc);

/* ---- plan.c ---- */
enum tconv__kind {
    TCONV__CONV_GEMM,      /* im2col + sgemm, or x in place when pointwise */
    TCONV__TR_COL2IM,      /* sgemm + col2im (x in place as A; pointwise writes y directly) */
    TCONV__TR_SUBPIXEL,    /* im2col over coarse positions + sgemm + depth-to-space */
    TCONV__DW_DIRECT,      /* depthwise direct loops */
    TCONV__FILTER_GRAD,    /* filter gradient: im2col + sgemm reduction over the batch and pixels */
    TCONV__FILTER_GRAD_DW, /* depthwise filter gradient: direct loops */
    TCONV__BIAS_GRAD       /* bias gradient: sums per channel */
};

/* Per-thread phase times, kept in the header of each thread's scratch. */
struct tconv__times {
    double pack, im2col, gemm, col2im, epilogue;
};

struct tconv__plan {
    enum tconv_algorithm algorithm; /* what runs, as the public enum names it */
    enum tconv__kind kind;
    bool pointwise;       /* GEMM without a column buffer (x is A / y is C) */
    int64_t ntiles;       /* tiles per group for GEMM kinds; see plan.c for each kind */
    int64_t tm, tn;       /* tile extents, meaning per kind (plan.c) */
    int64_t mt, nt;       /* tiles along each extent */
    int64_t rows_in;      /* transposed col2im NHWC: most input rows one band needs */
    bool whole_images;    /* transposed col2im NHWC: tiles are blocks of tm images */
    size_t shared_bytes;  /* packed filter (read-only once packed) */
    size_t scratch_bytes; /* per thread, including the tconv__times header */
    size_t col_floats;    /* of the scratch: column buffer floats (then the GEMM output) */
    /* sub-pixel: the im2col problem over coarse positions, and where they start */
    struct tconv__problem sub;
    int64_t qlo_h, qlo_w, phases; /* first coarse position per axis; s_h*s_w */
    bool a_in_place;              /* sub-pixel with 1x1 windows over exactly the input: x is A */
    bool b_canonical;             /* sub-pixel with kernel == stride: the phases are the kernel taps, so the
                                     filter is read in its canonical layout (like col2im's GEMM) */
    bool direct_y;                /* col2im with a 1x1 input, no crop, out == kernel: col is y itself */
    bool overflow;                /* a buffer size overflowed int64_t while tiling */
    /* conv: K is summed in blocks of kb (beta = 1 after the first) when it is huge.
       filter gradients: tiles are (group, block of kb rows of K, block of ob output channels) of dW,
       each summing over the batch and the pixels in chunks of `chunk` (fixed order) */
    int64_t kb, ob, chunk, kblocks, oblocks;
    int64_t psplit; /* > 1: the pixels are split in psplit fixed parts whose partial dW (in the
                       shared workspace) are summed in order afterwards: more tiles for small
                       filters, the same bits for any thread count */
};

/* Choose the algorithm (forced or AUTO) and the tiling. Fails with TCONV_ERR_UNSUPPORTED when a
   forced algorithm cannot run the problem. */
enum tconv_status tconv__plan(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm forced,
                              struct tconv__plan *plan);
/* The same with forced tile extents (> 0; tests use it to put tile edges everywhere). */
enum tconv_status tconv__plan_tiles(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm forced,
                                    int64_t force_tm, int64_t force_tn, int64_t force_kb, struct tconv__plan *plan);

/* Everything a tile function needs; scratch is this thread's. */
struct tconv__run {
    const struct tconv__problem *pr;
    const struct tconv__plan *pl;
    const float *x, *f, *bias; /* f: the filter in the layout the kind reads (packed if needed) */
    float *y;
    bool accumulate; /* add into y (gradient accumulation) instead of overwriting it */
    const float *dy; /* filter / bias gradients: the output gradient (x is the input) */
    float *dw;       /* filter gradient (layout pr->flayout) or bias gradient */
    float *partial;  /* filter gradient with psplit > 1: psplit partial gradients, same layout */
};
typedef void (*tconv__tile_fn)(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                               bool timed);

/* Plan a filter gradient (GEMM or DIRECT for depthwise) or a bias gradient of the conv problem pr. */
enum tconv_status tconv__plan_filter_grad(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm forced,
                                          struct tconv__plan *pl);
enum tconv_status tconv__plan_bias_grad(const struct tconv__problem *pr, struct tconv__plan *pl);
/* The same with forced blocks of K rows, output channels and reduction chunk (> 0; tests). */
enum tconv_status tconv__plan_filter_grad_tiles(const char *fn, const struct tconv__problem *pr,
                                                enum tconv_algorithm forced, int64_t force_kb, int64_t force_ob,
                                                int64_t force_chunk, int64_t force_split, struct tconv__plan *pl);

/* Pack the filter if the kind needs it, then run every tile on nthreads threads. ws holds
   shared_bytes + nthreads * scratch_bytes, 64-byte aligned. Returns the per-phase thread time.
   run carries the tensors; its pr and pl are set here. */
void tconv__execute(const struct tconv__problem *pr, const struct tconv__plan *pl, struct tconv__run run, void *ws,
                    int nthreads, bool timed, struct tconv__times *sum);

/* ---- conv2d.c, conv2d_transpose.c, depthwise.c: one tile each ---- */
/* Charge the time since the last lap to phase `field` of t (when timing). */
#define TCONV__LAP(field)                                                                                              \
    do {                                                                                                               \
        if (timed) {                                                                                                   \
            const double now_ = tconv__now();                                                                          \
            t->field += now_ - t0;                                                                                     \
            t0 = now_;                                                                                                 \
        }                                                                                                              \
    } while (0)
void tconv__conv_gemm_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                           bool timed);
void tconv__tr_col2im_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                           bool timed);
void tconv__tr_subpixel_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                             bool timed);
void tconv__dw_direct_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                           bool timed);
/* backward.c */
void tconv__filter_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                             bool timed);
void tconv__filter_grad_dw_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                                bool timed);
void tconv__bias_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                           bool timed);

/* ---- lower.c ---- */
/* The filter layout each GEMM kind reads in place; anything else is packed into it. */
enum tconv_filter_layout tconv__canonical_layout(const struct tconv__problem *pr);
bool tconv__filter_is_canonical(const struct tconv__problem *pr);
void tconv__pack_filter(const struct tconv__problem *pr, const float *filter, float *packed, int nthreads);
/* Sub-pixel weights: NHWC [g][(jy, jx, c)][(ry, rx, o)], NCHW [g][(o, ry, rx)][(c, jy, jx)]. */
void tconv__pack_subpixel(const struct tconv__problem *pr, const struct tconv__plan *pl, const float *filter,
                          float *packed, int nthreads);
/* Depthwise weights: NHWC [ky][kx][c], NCHW [c][ky][kx]. */
void tconv__pack_depthwise(const struct tconv__problem *pr, const float *filter, float *packed, int nthreads);

/* conv geometry, NHWC: col[r - r0][k - k0] for global rows r = (b*OH + oy)*OW + ox in [r0, r1) and
   columns k = (ky*KW + kx)*cig + c in [k0, k1) (all of them: 0, KH*KW*cig). */
void tconv__im2col_nhwc(const struct tconv__problem *pr, const float *x, int64_t group, int64_t r0, int64_t r1,
                        int64_t k0, int64_t k1, float *col);
/* conv geometry, NCHW, one image: col[k - k0][q - q0] for rows k = (c*KH + ky)*KW + kx in [k0, k1) and
   output pixels q in [q0, q1). */
void tconv__im2col_nchw(const struct tconv__problem *pr, const float *x_img, int64_t group, int64_t q0, int64_t q1,
                        int64_t k0, int64_t k1, float *col);
/*
 * transposed, NHWC, one group: y rows [oy0, oy1) of images [b0, b1) from
 * col[((b - b0)*rows + iy - iy0)*IW + ix][(ky*KW + kx)*cog + o], where rows = the input rows col holds.
 */
void tconv__col2im_nhwc(const struct tconv__problem *pr, const float *col, int64_t group, int64_t b0, int64_t b1,
                        int64_t oy0, int64_t oy1, int64_t iy0, int64_t rows, const float *bias, float *y,
                        bool accumulate);
/* transposed, NCHW, one image: channels [o0, o1) of group g from col[((o - o0)*KH + ky)*KW + kx][iy*IW + ix]. */
void tconv__col2im_nchw(const struct tconv__problem *pr, const float *col, int64_t group, int64_t o0, int64_t o1,
                        const float *bias, float *y_img, bool accumulate);
/* act(v + bias) over a block: rows x cols with row stride ld (bias indexed by column, or by row). */
void tconv__epilogue_cols(enum tconv_activation act, const float *bias, float *y, int64_t rows, int64_t cols,
                          int64_t ld);
void tconv__epilogue_rows(enum tconv_activation act, const float *bias, float *y, int64_t rows, int64_t cols,
                          int64_t ld);

/* The element step s*c between consecutive positions of a run of n. A run of n >= 2 inside one
   tensor proves s*c fits; a run of one never steps, and s*c may overflow then (a stride larger than
   the tensor, e.g. INT64_MAX with a single output column). */
static inline int64_t tconv__step(int64_t s, int64_t c, int64_t n) { return n > 1 ? s * c : 0; }

/* Transposed gather geometry on one axis (p = i*s + t*d - pb):
   the small index i that tap t sends to big position p, if any ... */
static inline bool tconv__tap_source(const struct tconv__axis *a, int64_t p, int64_t t, int64_t *i)
{
    const int64_t q = p + a->pb - t * a->d;
    if (q < 0 || q % a->s != 0) return false;
    *i = q / a->s;
    return *i < a->small;
}
/* ... and the small indices [lo, hi) whose big position i*s + t*d - pb lies in [0, big). */
static inline void tconv__tap_range(const struct tconv__axis *a, int64_t t, int64_t *lo, int64_t *hi)
{
    const int64_t off = t * a->d - a->pb;
    const int64_t l = off >= 0 ? 0 : (-off - 1) / a->s + 1;            /* ceil(-off / s), no s - 1 to overflow */
    int64_t h = a->big - off <= 0 ? 0 : (a->big - off - 1) / a->s + 1; /* ceil((big - off) / s) */
    if (h > a->small) h = a->small;
    *lo = l;
    *hi = h > l ? h : l;
}

/* ---- reference.c ---- */
enum tconv_status tconv__reference_run(const char *fn, const struct tconv__problem *pr, const float *x,
                                       const float *filter, const float *bias, float *y);
/* Gradients of the problem pr (conv or transposed): data (a = dy, b = filter, out = dx),
   filter (a = x, b = dy, out = dfilter), bias (a = dy, out = dbias). */
enum tconv__grad { TCONV__GRAD_DATA, TCONV__GRAD_FILTER, TCONV__GRAD_BIAS };
enum tconv_status tconv__reference_grad(const char *fn, const struct tconv__problem *pr, enum tconv__grad what,
                                        const float *a, const float *b, float *out);

/* ---- small helpers ---- */
/* Workspace pieces start on 64-byte boundaries. */
static inline size_t tconv__round64(size_t n) { return (n + 63) & ~(size_t)63; }
/* Saturating a*b and a+b for sizes >= 0: the tiling heuristics multiply sizes whose products need
   not fit (huge kernels, huge padding); a saturated result is then refused by the workspace bound. */
static inline int64_t tconv__smul(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_mul_overflow(a, b, &r) ? INT64_MAX : r;
}
static inline int64_t tconv__sadd(int64_t a, int64_t b)
{
    int64_t r;
    return __builtin_add_overflow(a, b, &r) ? INT64_MAX : r;
}
static inline bool tconv__mul(int64_t a, int64_t b, int64_t *r) { return !__builtin_mul_overflow(a, b, r); }
static inline bool tconv__add(int64_t a, int64_t b, int64_t *r) { return !__builtin_add_overflow(a, b, r); }
static inline int64_t tconv__min(int64_t a, int64_t b) { return a < b ? a : b; }
static inline int64_t tconv__max(int64_t a, int64_t b) { return a > b ? a : b; }
static inline int64_t tconv__cdiv(int64_t a, int64_t b)
{
    return a <= 0 ? 0 : (a - 1) / b + 1;
} /* a >= 0, b > 0; no a + b to overflow */
/* floor(a / b) for any sign of a, b > 0 */
static inline int64_t tconv__fdiv(int64_t a, int64_t b)
{
    return a >= 0 ? a / b : -((-a - 1) / b) - 1;
} /* (no b - 1 added) */
static inline float tconv__act(enum tconv_activation a, float v)
{
    return a == TCONV_ACTIVATION_RELU && v < 0.0f ? 0.0f : v; /* NaN stays NaN */
}

#pragma GCC visibility pop

#endif /* TCONV_INTERNAL_H */
