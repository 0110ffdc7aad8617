/*
 * problem.h - a validated call as every layer below the front door sees it, and the index maps
 * between its tensors.
 *
 * One spatial axis, both ops: the "big" side (conv input / transposed output) and the "small" side
 * (conv output / transposed input) share one index map,
 *     big position p = i*s + t*d - before,   small index i in [0, small), tap t in [0, k).
 * conv2d gathers big -> col (im2col); conv2d_transpose sums col -> big (col2im). The adjoint of a
 * problem (conv <-> transposed) has the very same axes.
 */
#ifndef TCONV_PROBLEM_H
#define TCONV_PROBLEM_H

#include "base.h"

#pragma GCC visibility push(hidden)

struct tconv__axis {
    int64_t big, small;
    int64_t k, s, d; /* kernel, stride, dilation */
    int64_t ke;      /* the dilated extent d*(k-1) + 1 */
    int64_t before;  /* conv: zero padding before x; transposed: the crop before the full result */
    int64_t after;   /* (small-1)*s + ke - before - big: how far the last kernel placement reaches past the big
                        side's end. > 0: padding read (conv) or cropped (transposed); < 0: big positions no
                        placement reaches (conv: x never read; transposed: y is the bias only there) */
};

/* A validated call: every size checked, every product below fits int64_t and size_t. */
struct tconv__problem {
    bool transposed;
    enum tconv_layout layout;
    enum tconv_filter_layout flayout; /* resolved, never DEFAULT */
    enum tconv_activation act;
    int64_t n, ci, co, g, cig, cog; /* batch, channels in/out, groups, channels per group */
    struct tconv__axis d, h, w;     /* depth, height, width; a 2-D call has a trivial depth axis (all sizes 1) */
    int64_t in_d, in_h, in_w, out_d, out_h, out_w; /* of x and y, whichever op */
    int64_t x_elems, y_elems, f_elems;
};

/* ---- geometry.c ---- */
/* Validate p (not the tensor pointers) for conv2d (transposed = false) or conv2d_transpose and fill
 *pr; g (may be NULL) receives the public geometry. */
enum tconv_status tconv__resolve(const char *fn, const struct tconv_params *p, bool transposed,
                                 struct tconv__problem *pr, struct tconv_geometry *g);
/* The same for an N-D call (rank 1..3; the axes below rank trivial): the per-axis rules of tconv__resolve, on
   every axis. A rank-2 call resolves to the problem tconv__resolve gives for the same 2-D parameters. g (may
   be NULL) receives the public geometry, per caller axis. */
enum tconv_status tconv__resolve_nd(const char *fn, const struct tconv_nd_params *p, bool transposed,
                                    struct tconv__problem *pr, struct tconv_nd_geometry *g);
/*
 * The adjoint problem: conv <-> transposed conv with the same axes, channels swapped and the filter
 * layout's I and O swapped (the same filter tensor). The forward pass of adjoint(p) is the data
 * gradient of p; the filter gradient of a transposed p is the conv filter gradient of adjoint(p)
 * with x and dy exchanged.
 */
void tconv__adjoint(const struct tconv__problem *in, struct tconv__problem *out);
/* The filter layout each GEMM reads in place: TensorFlow's for NHWC, PyTorch's for NCHW. */
enum tconv_filter_layout tconv__canonical_layout(const struct tconv__problem *pr);

/* Index of w(full-axis channel, per-group channel, kz, ky, kx) in the filter, any layout (see tconv.h):
   conv's full axis is O and its per-group axis I; a transposed conv's the other way round. "HW" stands
   for every spatial axis, outermost first: HWIO is [kd][kh][kw][I][O], OIHW [O][I][kd][kh][kw]. */
static inline int64_t tconv__filter_index(const struct tconv__problem *pr, int64_t full, int64_t local, int64_t kz,
                                          int64_t ky, int64_t kx)
{
    const int64_t ni = pr->transposed ? pr->ci : pr->cig;
    const int64_t no = pr->transposed ? pr->cog : pr->co;
    const int64_t i = pr->transposed ? full : local;
    const int64_t o = pr->transposed ? local : full;
    const int64_t kh = pr->h.k, kw = pr->w.k;
    const int64_t tap = (kz * kh + ky) * kw + kx, taps = pr->d.k * kh * kw;
    switch (pr->flayout) {
    case TCONV_FILTER_HWIO: return (tap * ni + i) * no + o;
    case TCONV_FILTER_OIHW: return (o * ni + i) * taps + tap;
    case TCONV_FILTER_HWOI: return (tap * no + o) * ni + i;
    case TCONV_FILTER_IOHW:
    default: return (i * no + o) * taps + tap;
    }
}

/* The same as strides: index = full*sf + local*sl + kz*sz + ky*sy + kx*sx (every layout is a permutation). */
struct tconv__fstrides {
    int64_t full, local, kz, ky, kx;
};
static inline struct tconv__fstrides tconv__filter_strides(const struct tconv__problem *pr)
{
    const int64_t base = tconv__filter_index(pr, 0, 0, 0, 0, 0);
    return (struct tconv__fstrides){
        tconv__filter_index(pr, 1, 0, 0, 0, 0) - base, tconv__filter_index(pr, 0, 1, 0, 0, 0) - base,
        tconv__filter_index(pr, 0, 0, 1, 0, 0) - base, tconv__filter_index(pr, 0, 0, 0, 1, 0) - base,
        tconv__filter_index(pr, 0, 0, 0, 0, 1) - base};
}

/* The trivial depth axis of a 2-D problem, and whether an axis is one. */
static inline struct tconv__axis tconv__unit_axis(void)
{
    return (struct tconv__axis){.big = 1, .small = 1, .k = 1, .s = 1, .d = 1, .ke = 1, .before = 0, .after = 0};
}
static inline bool tconv__axis_trivial(const struct tconv__axis *a)
{
    return a->big == 1 && a->small == 1 && a->k == 1 && a->before == 0 && a->after == 0;
}

/* The axis col2im bands cut (NHWC): rows of h, or in 3-D planes of d, each per_out (per_in) flattened
   output (input) rows (z, y); out_rows / in_rows count the rows or planes. */
struct tconv__outer {
    const struct tconv__axis *a;
    int64_t out_rows, in_rows, per_out, per_in;
};
static inline struct tconv__outer tconv__outer_axis(const struct tconv__problem *pr)
{
    if (tconv__axis_trivial(&pr->d)) return (struct tconv__outer){&pr->h, pr->out_h, pr->in_h, 1, 1};
    return (struct tconv__outer){&pr->d, pr->out_d, pr->in_d, pr->out_h, pr->in_h};
}

/* The element step s*c between consecutive positions of a run of n. A run of n >= 2 inside one
   tensor proves s*c fits; a run of one never steps, and s*c may overflow then (a stride larger than
   the tensor, e.g. INT64_MAX with a single output column). */
static inline int64_t tconv__step(int64_t s, int64_t c, int64_t n) { return n > 1 ? s * c : 0; }

/* Transposed gather geometry on one axis (p = i*s + t*d - before):
   the small index i that tap t sends to big position p, if any ... */
static inline bool tconv__tap_source(const struct tconv__axis *a, int64_t p, int64_t t, int64_t *i)
{
    const int64_t q = p + a->before - t * a->d;
    if (q < 0 || q % a->s != 0) return false;
    *i = q / a->s;
    return *i < a->small;
}
/* ... and the small indices [lo, hi) whose big position i*s + t*d - before lies in [0, big). */
static inline void tconv__tap_range(const struct tconv__axis *a, int64_t t, int64_t *lo, int64_t *hi)
{
    const int64_t off = t * a->d - a->before;
    const int64_t l = off >= 0 ? 0 : (-off - 1) / a->s + 1;            /* ceil(-off / s), no s - 1 to overflow */
    int64_t h = a->big - off <= 0 ? 0 : (a->big - off - 1) / a->s + 1; /* ceil((big - off) / s) */
    if (h > a->small) h = a->small;
    *lo = l;
    *hi = h > l ? h : l;
}

#pragma GCC visibility pop

#endif /* TCONV_PROBLEM_H */
