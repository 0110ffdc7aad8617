/*
 * lower.c - the lowering kernels: im2col, col2im (gather form), the canonical filter packing and
 * the epilogues (bias + activation). Pure index code: no allocation, no BLAS, no validation, no
 * threads. Each kernel works on one tile, or one block of the filter, on the calling thread.
 *
 * col2im is a gather: each output row is zeroed, the taps that land on it are added in a fixed
 * (ky, kx) order, then bias and activation are applied while the row is in cache. No atomics, no
 * dependence on the thread count.
 *
 * The innermost row loops are compiled for x86-64, AVX2 and AVX-512 (target_clones, chosen at load
 * time). C11 mode keeps a*b+c as a multiply and an add (no FMA contraction), so every clone
 * computes the same bits.
 */
#include <string.h>

#include "kernels.h"

/* ---- filter packing ---- */

void tconv__pack_canonical(const struct tconv__problem *pr, const float *filter, float *packed, int64_t lo, int64_t hi)
{
    struct tconv__problem dst = *pr;
    dst.flayout = tconv__canonical_layout(pr);
    const struct tconv__fstrides ss = tconv__filter_strides(pr), ds = tconv__filter_strides(&dst);
    const int64_t nlocal = pr->transposed ? pr->cog : pr->cig; /* the axis split by groups */
    for (int64_t f = lo; f < hi; f++)
        for (int64_t kz = 0; kz < pr->d.k; kz++)
            for (int64_t ky = 0; ky < pr->h.k; ky++)
                for (int64_t kx = 0; kx < pr->w.k; kx++)
                    for (int64_t l = 0; l < nlocal; l++)
                        packed[f * ds.full + l * ds.local + kz * ds.kz + ky * ds.ky + kx * ds.kx] =
                            filter[f * ss.full + l * ss.local + kz * ss.kz + ky * ss.ky + kx * ss.kx];
}

/* ---- im2col ---- */

/* dst[i*ds + c] = src[i*ss + c] for i < n, c < nc (nc small: the copies are unrolled) */
#define COPY_FIXED(NC)                                                                                                 \
    for (int64_t i = 0; i < n; i++)                                                                                    \
        for (int64_t c = 0; c < (NC); c++) dst[i * ds + c] = src[i * ss + c];
static void copy_rows(float *restrict dst, int64_t ds, const float *restrict src, int64_t ss, int64_t n, int64_t nc)
{
    switch (nc) {
    case 1: COPY_FIXED(1) break;
    case 2: COPY_FIXED(2) break;
    case 3: COPY_FIXED(3) break;
    case 4: COPY_FIXED(4) break;
    default:
        for (int64_t i = 0; i < n; i++) memcpy(dst + i * ds, src + i * ss, (size_t)nc * sizeof(float));
    }
}

static void zero_rows(float *dst, int64_t ds, int64_t n, int64_t nc)
{
    for (int64_t i = 0; i < n; i++) memset(dst + i * ds, 0, (size_t)nc * sizeof(float));
}

void tconv__im2col_nhwc(const struct tconv__problem *pr, const float *x, int64_t group, int64_t r0, int64_t r1,
                        int64_t k0, int64_t k1, float *col)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t cig = pr->cig, width = k1 - k0, taps_hw = h->k * w->k;
    /* one output row segment (b, oz, oy, ox in [ox0, ox1)) at a time; per tap, a strided copy over ox */
    for (int64_t r = r0; r < r1;) {
        const int64_t ox0 = r % pr->out_w, oy = (r / pr->out_w) % pr->out_h, zr = r / (pr->out_w * pr->out_h);
        const int64_t oz = zr % pr->out_d, b = zr / pr->out_d;
        const int64_t n = tconv__min(pr->out_w - ox0, r1 - r);
        float *seg = col + (r - r0) * width;
        for (int64_t k = k0; k < k1;) { /* runs of channels of one tap */
            const int64_t t = k / cig, c = k % cig, run = tconv__min(cig - c, k1 - k);
            const int64_t kz = t / taps_hw, ky = t % taps_hw / w->k, kx = t % w->k;
            const int64_t iz = oz * dz->s - dz->before + kz * dz->d, iy = oy * h->s - h->before + ky * h->d;
            float *dst = seg + (k - k0);
            if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) {
                zero_rows(dst, width, n, run);
            } else {
                /* ox whose ix = ox*s + kx*d - pb lies in [0, in_w), clipped to the segment */
                int64_t lo, hi;
                tconv__tap_range(w, kx, &lo, &hi);
                lo = tconv__min(tconv__max(lo, ox0), ox0 + n);
                hi = tconv__max(tconv__min(hi, ox0 + n), lo);
                zero_rows(dst, width, lo - ox0, run);
                if (hi > lo) /* (else the source address would lie outside x) */
                    copy_rows(
                        dst + (lo - ox0) * width, width,
                        x +
                            (((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w + lo * w->s + kx * w->d - w->before) *
                                pr->ci +
                            group * cig + c,
                        tconv__step(w->s, pr->ci, hi - lo), hi - lo, run);
                zero_rows(dst + (hi - ox0) * width, width, ox0 + n - hi, run);
            }
            k += run;
        }
        r += n;
    }
}

void tconv__im2col_nchw(const struct tconv__problem *pr, const float *x_img, int64_t group, int64_t q0, int64_t q1,
                        int64_t k0, int64_t k1, float *col)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t width = q1 - q0, plane = pr->in_d * pr->in_h * pr->in_w;
    if (plane == 0) { /* no input pixels (x may be NULL): every tap is padding */
        memset(col, 0, (size_t)((k1 - k0) * width) * sizeof(float));
        return;
    }
    for (int64_t row = k0; row < k1; row++) {
        const int64_t kx = row % w->k, ky = (row / w->k) % h->k, kz = row / (w->k * h->k) % dz->k;
        const int64_t c = row / (w->k * h->k * dz->k);
        const float *src_plane = x_img + (group * pr->cig + c) * plane;
        float *dst = col + (row - k0) * width;
        for (int64_t q = q0; q < q1;) {
            const int64_t oy = q / pr->out_w % pr->out_h, oz = q / (pr->out_w * pr->out_h), ox0 = q % pr->out_w;
            const int64_t ox1 = tconv__min(pr->out_w, ox0 + (q1 - q)); /* end of this output row */
            const int64_t iz = oz * dz->s - dz->before + kz * dz->d, iy = oy * h->s - h->before + ky * h->d;
            if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) {
                memset(dst, 0, (size_t)(ox1 - ox0) * sizeof(float));
            } else {
                const float *src = src_plane + (iz * pr->in_h + iy) * pr->in_w;
                for (int64_t ox = ox0; ox < ox1; ox++) {
                    const int64_t ix = ox * w->s - w->before + kx * w->d;
                    dst[ox - ox0] = (ix >= 0 && ix < pr->in_w) ? src[ix] : 0.0f;
                }
            }
            dst += ox1 - ox0;
            q += ox1 - ox0;
        }
    }
}

/* ---- col2im (gather form) ---- */

/* dst[ix*ds + o] += src[ix*ss + o] for ix < n, o < c; few channels get loops the compiler unrolls */
#define ADD_ROWS_FIXED(C)                                                                                              \
    for (int64_t i = 0; i < n; i++)                                                                                    \
        for (int64_t o = 0; o < (C); o++) dst[i * ds + o] += src[i * ss + o];
TCONV_CLONES static void add_rows(float *restrict dst, int64_t ds, const float *restrict src, int64_t ss, int64_t n,
                                  int64_t c)
{
    switch (c) {
    case 1: ADD_ROWS_FIXED(1) break;
    case 2: ADD_ROWS_FIXED(2) break;
    case 3: ADD_ROWS_FIXED(3) break;
    case 4: ADD_ROWS_FIXED(4) break;
    default:
        for (int64_t i = 0; i < n; i++)
            for (int64_t o = 0; o < c; o++) dst[i * ds + o] += src[i * ss + o];
    }
}

/* dst[ix*ds] += src[ix] for ix < n */
TCONV_CLONES static void add_strided(float *restrict dst, int64_t ds, const float *restrict src, int64_t n)
{
    for (int64_t i = 0; i < n; i++) dst[i * ds] += src[i];
}

void tconv__col2im_nhwc(const struct tconv__problem *pr, const float *col, int64_t group, int64_t b0, int64_t b1,
                        int64_t oy0, int64_t oy1, int64_t iy0, int64_t rows, const float *bias, float *y,
                        bool accumulate)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t cog = pr->cog, ndim = dz->k * h->k * w->k * cog, out_rows = pr->out_d * pr->out_h;
    const float *bg = bias ? bias + group * cog : NULL;
    for (int64_t b = b0; b < b1; b++)
        for (int64_t orow = oy0; orow < oy1; orow++) { /* output row (oz, oy) */
            const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
            float *yrow = y + (b * out_rows + orow) * pr->out_w * pr->co + group * cog;
            if (!accumulate) /* accumulating starts from y's values instead of zero */
                for (int64_t ox = 0; ox < pr->out_w; ox++) memset(yrow + ox * pr->co, 0, (size_t)cog * sizeof(float));
            for (int64_t kz = 0; kz < dz->k; kz++) {
                int64_t iz;
                if (!tconv__tap_source(dz, oz, kz, &iz)) continue;
                for (int64_t ky = 0; ky < h->k; ky++) {
                    int64_t iy;
                    if (!tconv__tap_source(h, oy, ky, &iy)) continue;
                    const int64_t irow = iz * pr->in_h + iy; /* input row (iz, iy) */
                    if (irow < iy0 || irow >= iy0 + rows) continue;
                    const float *crow =
                        col + ((b - b0) * rows + irow - iy0) * pr->in_w * ndim + (kz * h->k + ky) * w->k * cog;
                    for (int64_t kx = 0; kx < w->k; kx++) {
                        int64_t lo, hi;
                        tconv__tap_range(w, kx, &lo, &hi);
                        if (hi > lo)
                            add_rows(yrow + (lo * w->s + kx * w->d - w->before) * pr->co,
                                     tconv__step(w->s, pr->co, hi - lo), crow + lo * ndim + kx * cog, ndim, hi - lo,
                                     cog);
                    }
                }
            }
            tconv__epilogue_cols(pr->act, bg, yrow, pr->out_w, cog, pr->co);
        }
}

void tconv__col2im_nchw(const struct tconv__problem *pr, const float *col, int64_t group, int64_t o0, int64_t o1,
                        const float *bias, float *y_img, bool accumulate)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t in_px = pr->in_d * pr->in_h * pr->in_w, out_px = pr->out_d * pr->out_h * pr->out_w;
    for (int64_t o = o0; o < o1; o++) {
        float *plane = y_img + (group * pr->cog + o) * out_px;
        for (int64_t orow = 0; orow < pr->out_d * pr->out_h; orow++) { /* output row (oz, oy) */
            const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
            float *yrow = plane + orow * pr->out_w;
            if (!accumulate) memset(yrow, 0, (size_t)pr->out_w * sizeof(float));
            for (int64_t kz = 0; kz < dz->k; kz++) {
                int64_t iz;
                if (!tconv__tap_source(dz, oz, kz, &iz)) continue;
                for (int64_t ky = 0; ky < h->k; ky++) {
                    int64_t iy;
                    if (!tconv__tap_source(h, oy, ky, &iy)) continue;
                    for (int64_t kx = 0; kx < w->k; kx++) {
                        int64_t lo, hi;
                        tconv__tap_range(w, kx, &lo, &hi);
                        const float *src = col + ((((o - o0) * dz->k + kz) * h->k + ky) * w->k + kx) * in_px +
                                           (iz * pr->in_h + iy) * pr->in_w;
                        if (hi > lo) add_strided(yrow + (lo * w->s + kx * w->d - w->before), w->s, src + lo, hi - lo);
                    }
                }
            }
        }
        tconv__epilogue_rows(pr->act, bias ? bias + group * pr->cog + o : NULL, plane, 1, out_px, 0);
    }
}

/* ---- epilogues ---- */
/* The clones are static and called through small wrappers: GCC gives a non-static target_clones
   function's ifunc resolver default visibility, which would export it from libtconv.so. */

static TCONV_CLONES void epilogue_cols(enum tconv_activation act, const float *bias, float *y, int64_t rows,
                                       int64_t cols, int64_t ld)
{
    if (!bias && act == TCONV_ACTIVATION_NONE) return;
    for (int64_t r = 0; r < rows; r++) {
        float *restrict v = y + r * ld;
        if (bias && act == TCONV_ACTIVATION_RELU)
            for (int64_t c = 0; c < cols; c++) v[c] = tconv__act(TCONV_ACTIVATION_RELU, v[c] + bias[c]);
        else if (bias)
            for (int64_t c = 0; c < cols; c++) v[c] += bias[c];
        else
            for (int64_t c = 0; c < cols; c++) v[c] = tconv__act(TCONV_ACTIVATION_RELU, v[c]);
    }
}

static TCONV_CLONES void epilogue_rows(enum tconv_activation act, const float *bias, float *y, int64_t rows,
                                       int64_t cols, int64_t ld)
{
    if (!bias && act == TCONV_ACTIVATION_NONE) return;
    for (int64_t r = 0; r < rows; r++) {
        float *restrict v = y + r * ld;
        const float bv = bias ? bias[r] : 0.0f;
        if (bias && act == TCONV_ACTIVATION_RELU)
            for (int64_t c = 0; c < cols; c++) v[c] = tconv__act(TCONV_ACTIVATION_RELU, v[c] + bv);
        else if (bias)
            for (int64_t c = 0; c < cols; c++) v[c] += bv;
        else
            for (int64_t c = 0; c < cols; c++) v[c] = tconv__act(TCONV_ACTIVATION_RELU, v[c]);
    }
}

void tconv__epilogue_cols(enum tconv_activation act, const float *bias, float *y, int64_t rows, int64_t cols,
                          int64_t ld)
{
    epilogue_cols(act, bias, y, rows, cols, ld);
}

void tconv__epilogue_rows(enum tconv_activation act, const float *bias, float *y, int64_t rows, int64_t cols,
                          int64_t ld)
{
    epilogue_rows(act, bias, y, rows, cols, ld);
}
