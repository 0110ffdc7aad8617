/*
 * lower.c - the lowering kernels: im2col (conv), col2im (transposed conv), filter packing, and the
 * fused bias + activation write. Pure index code: no allocation, no BLAS, no validation.
 *
 * Threads: every loop here is an OpenMP loop over disjoint outputs (rows of col, rows of y), so
 * results do not depend on the thread count, and no atomics are needed. col2im is written in
 * gather form: each output row is summed by one thread, taps in a fixed (ky, kx) order, then the
 * bias and activation are applied in the same pass.
 */
#include <string.h>

#include "internal.h"

/* Work below this many floats stays on one thread: a team costs more than it saves. */
#define PAR_MIN 32768

static inline float act(enum tconv_activation a, float v) { return a == TCONV_ACTIVATION_RELU && v < 0.0f ? 0.0f : v; }

/* ---- filter packing ---- */

/* The layout each driver reads in place: the default one for NHWC, PyTorch's for NCHW. */
static enum tconv_filter_layout canonical(const struct tconv__problem *pr)
{
    if (pr->transposed) return pr->layout == TCONV_NHWC ? TCONV_FILTER_HWOI : TCONV_FILTER_IOHW;
    return pr->layout == TCONV_NHWC ? TCONV_FILTER_HWIO : TCONV_FILTER_OIHW;
}

bool tconv__filter_is_canonical(const struct tconv__problem *pr) { return pr->flayout == canonical(pr); }

void tconv__pack_filter(const struct tconv__problem *pr, const float *filter, float *packed, int nthreads)
{
    struct tconv__problem dst = *pr;
    dst.flayout = canonical(pr);
    const int64_t nfull = pr->transposed ? pr->ci : pr->co; /* the axis not split by groups */
    const int64_t nlocal = pr->transposed ? pr->cog : pr->cig;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (pr->f_elems > PAR_MIN)
    for (int64_t f = 0; f < nfull; f++)
        for (int64_t l = 0; l < nlocal; l++)
            for (int64_t ky = 0; ky < pr->h.k; ky++)
                for (int64_t kx = 0; kx < pr->w.k; kx++)
                    packed[tconv__filter_index(&dst, f, l, ky, kx)] = filter[tconv__filter_index(pr, f, l, ky, kx)];
}

/* ---- workspace plans ---- */

/* Column buffers are tiled to stay near this size (at least one row / image). */
#define COL_BUDGET ((int64_t)16 << 20)

static size_t filter_bytes(const struct tconv__problem *pr)
{
    return tconv__filter_is_canonical(pr) ? 0 : (size_t)pr->f_elems * sizeof(float);
}

/* 1x1, stride 1, no padding: x itself is the column matrix (dilation is moot for a 1x1 tap). */
bool tconv__conv_is_pointwise(const struct tconv__problem *pr)
{
    return pr->h.k == 1 && pr->w.k == 1 && pr->h.s == 1 && pr->w.s == 1 && pr->h.pb == 0 && pr->h.pa == 0 &&
           pr->w.pb == 0 && pr->w.pa == 0;
}

void tconv__plan_conv2d(const struct tconv__problem *pr, struct tconv__plan *plan)
{
    const int64_t kdim = pr->h.k * pr->w.k * pr->cig; /* <= INT_MAX, checked */
    const int64_t rows = pr->layout == TCONV_NHWC ? pr->n * pr->out_h * pr->out_w : pr->out_h * pr->out_w;
    int64_t tile = COL_BUDGET / (kdim * (int64_t)sizeof(float));
    if (tile < 1) tile = 1;
    if (tile > rows) tile = rows;
    if (tile > INT32_MAX) tile = INT32_MAX;
    plan->filter_bytes = filter_bytes(pr);
    plan->tile = tconv__conv_is_pointwise(pr) ? 0 : tile;
    plan->col_bytes = (size_t)plan->tile * (size_t)kdim * sizeof(float);
}

bool tconv__transpose_is_pointwise(const struct tconv__problem *pr)
{
    return pr->h.k == 1 && pr->w.k == 1 && pr->h.s == 1 && pr->w.s == 1 && pr->h.pb == 0 && pr->w.pb == 0 &&
           pr->out_h == pr->in_h && pr->out_w == pr->in_w;
}

void tconv__plan_conv2d_transpose(const struct tconv__problem *pr, struct tconv__plan *plan)
{
    const int64_t ndim = pr->h.k * pr->w.k * pr->cog; /* <= INT_MAX, checked */
    int64_t per_image = pr->in_h * pr->in_w * ndim;   /* floats of col for one image and group */
    int64_t tile = 1;
    if (pr->layout == TCONV_NHWC && per_image > 0) {
        tile = COL_BUDGET / ((int64_t)sizeof(float) * per_image);
        if (tile < 1) tile = 1;
        if (tile > pr->n) tile = pr->n;
        while (tile > 1 && tile * pr->in_h * pr->in_w > INT32_MAX) tile--; /* GEMM M is an int */
    }
    plan->filter_bytes = filter_bytes(pr);
    plan->tile = tconv__transpose_is_pointwise(pr) ? 0 : tile;
    /* per_image * tile <= max(budget, per_image), and per_image fits: its factors were checked */
    plan->col_bytes = plan->tile ? (size_t)per_image * (size_t)tile * sizeof(float) : 0;
}

/* ---- im2col ---- */

void tconv__im2col_nhwc(const struct tconv__problem *pr, const float *x, int64_t group, int64_t r0, int64_t r1,
                        float *col, int nthreads)
{
    const struct tconv__axis *h = &pr->h, *w = &pr->w;
    const int64_t cig = pr->cig, kdim = h->k * w->k * cig;
    const size_t cbytes = (size_t)cig * sizeof(float);
#pragma omp parallel for num_threads(nthreads) schedule(static) if ((r1 - r0) * kdim > PAR_MIN)
    for (int64_t r = r0; r < r1; r++) {
        const int64_t ox = r % pr->out_w, oy = (r / pr->out_w) % pr->out_h, b = r / (pr->out_w * pr->out_h);
        float *dst = col + (r - r0) * kdim;
        for (int64_t ky = 0; ky < h->k; ky++) {
            const int64_t iy = oy * h->s - h->pb + ky * h->d;
            for (int64_t kx = 0; kx < w->k; kx++, dst += cig) {
                const int64_t ix = ox * w->s - w->pb + kx * w->d;
                if (iy < 0 || iy >= pr->in_h || ix < 0 || ix >= pr->in_w)
                    memset(dst, 0, cbytes);
                else
                    memcpy(dst, x + ((b * pr->in_h + iy) * pr->in_w + ix) * pr->ci + group * cig, cbytes);
            }
        }
    }
}

void tconv__im2col_nchw(const struct tconv__problem *pr, const float *x_img, int64_t group, int64_t q0,
                        int64_t q1, float *col, int nthreads)
{
    const struct tconv__axis *h = &pr->h, *w = &pr->w;
    const int64_t rows = pr->cig * h->k * w->k, width = q1 - q0;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (rows * width > PAR_MIN)
    for (int64_t row = 0; row < rows; row++) {
        const int64_t kx = row % w->k, ky = (row / w->k) % h->k, c = row / (w->k * h->k);
        const float *plane = x_img + (group * pr->cig + c) * pr->in_h * pr->in_w;
        float *dst = col + row * width;
        for (int64_t q = q0; q < q1;) {
            const int64_t oy = q / pr->out_w, ox0 = q % pr->out_w;
            const int64_t ox1 = (q1 - q) < (pr->out_w - ox0) ? ox0 + (q1 - q) : pr->out_w; /* end of this row */
            const int64_t iy = oy * h->s - h->pb + ky * h->d;
            if (iy < 0 || iy >= pr->in_h) {
                memset(dst, 0, (size_t)(ox1 - ox0) * sizeof(float));
            } else {
                const float *src = plane + iy * pr->in_w;
                for (int64_t ox = ox0; ox < ox1; ox++) {
                    const int64_t ix = ox * w->s - w->pb + kx * w->d;
                    dst[ox - ox0] = (ix >= 0 && ix < pr->in_w) ? src[ix] : 0.0f;
                }
            }
            dst += ox1 - ox0;
            q += ox1 - ox0;
        }
    }
}

/* ---- col2im (gather form) ---- */

/* The kernel rows ky that reach big row p, and the small row each reads: p = i*s + ky*d - pb. */
static inline bool tap_source(const struct tconv__axis *a, int64_t p, int64_t t, int64_t *i)
{
    const int64_t q = p + a->pb - t * a->d;
    if (q < 0 || q % a->s != 0) return false;
    *i = q / a->s;
    return *i < a->small;
}

/* For tap kx along w: the small indices ix whose big position ox = ix*s + kx*d - pb lies in [0, big). */
static inline void tap_range(const struct tconv__axis *a, int64_t t, int64_t *lo, int64_t *hi)
{
    const int64_t off = t * a->d - a->pb; /* ox = ix*s + off */
    int64_t l = off >= 0 ? 0 : (-off + a->s - 1) / a->s;
    int64_t h = a->big - off <= 0 ? 0 : (a->big - off + a->s - 1) / a->s; /* ix*s + off < big */
    if (h > a->small) h = a->small;
    *lo = l;
    *hi = h > l ? h : l;
}

void tconv__col2im_nhwc(const struct tconv__problem *pr, const float *col, int64_t group, int64_t b0, int64_t b1,
                        const float *bias, float *y, int nthreads)
{
    const struct tconv__axis *h = &pr->h, *w = &pr->w;
    const int64_t cog = pr->cog, ndim = h->k * w->k * cog, rows = (b1 - b0) * pr->out_h;
    const float *bg = bias ? bias + group * cog : NULL;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (rows * pr->out_w * cog > PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t b = b0 + r / pr->out_h, oy = r % pr->out_h;
        float *yrow = y + (b * pr->out_h + oy) * pr->out_w * pr->co + group * cog;
        for (int64_t ox = 0; ox < pr->out_w; ox++) memset(yrow + ox * pr->co, 0, (size_t)cog * sizeof(float));
        for (int64_t ky = 0; ky < h->k; ky++) {
            int64_t iy;
            if (!tap_source(h, oy, ky, &iy)) continue;
            const float *crow = col + ((b - b0) * pr->in_h + iy) * pr->in_w * ndim;
            for (int64_t kx = 0; kx < w->k; kx++) {
                int64_t lo, hi;
                tap_range(w, kx, &lo, &hi);
                for (int64_t ix = lo; ix < hi; ix++) {
                    const float *src = crow + ix * ndim + (ky * w->k + kx) * cog;
                    float *dst = yrow + (ix * w->s + kx * w->d - w->pb) * pr->co;
                    for (int64_t o = 0; o < cog; o++) dst[o] += src[o];
                }
            }
        }
        if (bg || pr->act != TCONV_ACTIVATION_NONE)
            for (int64_t ox = 0; ox < pr->out_w; ox++)
                for (int64_t o = 0; o < cog; o++) {
                    float *v = yrow + ox * pr->co + o;
                    *v = act(pr->act, bg ? *v + bg[o] : *v);
                }
    }
}

void tconv__col2im_nchw(const struct tconv__problem *pr, const float *col, int64_t group, const float *bias,
                        float *y_img, int nthreads)
{
    const struct tconv__axis *h = &pr->h, *w = &pr->w;
    const int64_t cog = pr->cog, rows = cog * pr->out_h, in_px = pr->in_h * pr->in_w;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (rows * pr->out_w > PAR_MIN)
    for (int64_t r = 0; r < rows; r++) {
        const int64_t o = r / pr->out_h, oy = r % pr->out_h;
        float *yrow = y_img + ((group * cog + o) * pr->out_h + oy) * pr->out_w;
        memset(yrow, 0, (size_t)pr->out_w * sizeof(float));
        for (int64_t ky = 0; ky < h->k; ky++) {
            int64_t iy;
            if (!tap_source(h, oy, ky, &iy)) continue;
            for (int64_t kx = 0; kx < w->k; kx++) {
                int64_t lo, hi;
                tap_range(w, kx, &lo, &hi);
                const float *src = col + ((o * h->k + ky) * w->k + kx) * in_px + iy * pr->in_w;
                float *dst = yrow + kx * w->d - w->pb;
                for (int64_t ix = lo; ix < hi; ix++) dst[ix * w->s] += src[ix];
            }
        }
        if (bias || pr->act != TCONV_ACTIVATION_NONE) {
            const float bv = bias ? bias[group * cog + o] : 0.0f;
            for (int64_t ox = 0; ox < pr->out_w; ox++) yrow[ox] = act(pr->act, bias ? yrow[ox] + bv : yrow[ox]);
        }
    }
}

/* ---- bias + activation over a finished y ---- */

void tconv__bias_act(const struct tconv__problem *pr, const float *bias, float *y, int nthreads)
{
    if (!bias && pr->act == TCONV_ACTIVATION_NONE) return;
    const int64_t px = pr->out_h * pr->out_w, co = pr->co;
    if (pr->layout == TCONV_NHWC) {
        const int64_t rows = pr->n * px;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (pr->y_elems > PAR_MIN)
        for (int64_t r = 0; r < rows; r++) {
            float *v = y + r * co;
            for (int64_t c = 0; c < co; c++) v[c] = act(pr->act, bias ? v[c] + bias[c] : v[c]);
        }
    } else {
        const int64_t planes = pr->n * co;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (pr->y_elems > PAR_MIN)
        for (int64_t pl = 0; pl < planes; pl++) {
            float *v = y + pl * px;
            const float bv = bias ? bias[pl % co] : 0.0f;
            for (int64_t q = 0; q < px; q++) v[q] = act(pr->act, bias ? v[q] + bv : v[q]);
        }
    }
}
