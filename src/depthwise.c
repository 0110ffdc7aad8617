/*
 * depthwise.c - direct loops for depthwise convolution and transposed convolution (one input and one
 * output channel per group: in_channels/groups == out_channels/groups == 1), forward and filter
 * gradient, where a GEMM per group has K = 1 and cannot win (TCONV__DEPTHWISE,
 * TCONV__FILTER_GRAD_DEPTHWISE). Weights are packed channel-innermost for NHWC ([kz][ky][kx][c]) and per
 * channel for NCHW. Rows are (z, y) flattened: a 2-D problem has z = kz = 0.
 *
 * NHWC tiles are bands of output rows; each output pixel's channels form one vector, taps are added
 * in (ky, kx) order. NCHW tiles are channel planes. The transposed case gathers the taps that land
 * on each output row, like col2im, so no output is shared between tiles.
 */
#include <string.h>

#include "algorithms.h"
#include "kernels.h"

/* dst[i*ds + c] += src[i*ss + c] * w[c] for i < n, c < nc */
TCONV_CLONES static void mac_rows(float *restrict dst, int64_t ds, const float *restrict src, int64_t ss,
                                  const float *restrict w, int64_t n, int64_t nc)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < nc; c++) dst[i * ds + c] += src[i * ss + c] * w[c];
}

/* dst[i*ds] += src[i*ss] * w for i < n */
TCONV_CLONES static void mac_strided(float *restrict dst, int64_t ds, const float *restrict src, int64_t ss, float w,
                                     int64_t n)
{
    for (int64_t i = 0; i < n; i++) dst[i * ds] += src[i * ss] * w;
}

/* One output row (b, oz, oy) of the NHWC conv: taps in (kz, ky, kx) order. */
static void conv_nhwc(const struct tconv__problem *pr, const float *x, const float *wp, int64_t b, int64_t oz,
                      int64_t oy, float *yrow)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t c_n = pr->co;
    for (int64_t kz = 0; kz < dz->k; kz++) {
        const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
        if (iz < 0 || iz >= pr->in_d) continue;
        for (int64_t ky = 0; ky < h->k; ky++) {
            const int64_t iy = oy * h->s - h->before + ky * h->d;
            if (iy < 0 || iy >= pr->in_h) continue;
            const float *xrow = x + ((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w * c_n;
            const float *wrow = wp + (kz * h->k + ky) * w->k * c_n;
            for (int64_t kx = 0; kx < w->k; kx++) {
                int64_t lo, hi;
                tconv__tap_range(w, kx, &lo, &hi); /* same map: ix = ox*s + kx*d - pb */
                if (hi > lo)
                    mac_rows(yrow + lo * c_n, c_n, xrow + (lo * w->s + kx * w->d - w->before) * c_n,
                             tconv__step(w->s, c_n, hi - lo), wrow + kx * c_n, hi - lo, c_n);
            }
        }
    }
}

static void transpose_nhwc(const struct tconv__problem *pr, const float *x, const float *wp, int64_t b, int64_t oz,
                           int64_t oy, float *yrow)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t c_n = pr->co;
    for (int64_t kz = 0; kz < dz->k; kz++) {
        int64_t iz;
        if (!tconv__tap_source(dz, oz, kz, &iz)) continue;
        for (int64_t ky = 0; ky < h->k; ky++) {
            int64_t iy;
            if (!tconv__tap_source(h, oy, ky, &iy)) continue;
            const float *xrow = x + ((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w * c_n;
            const float *wrow = wp + (kz * h->k + ky) * w->k * c_n;
            for (int64_t kx = 0; kx < w->k; kx++) {
                int64_t lo, hi;
                tconv__tap_range(w, kx, &lo, &hi);
                if (hi > lo)
                    mac_rows(yrow + (lo * w->s + kx * w->d - w->before) * c_n, tconv__step(w->s, c_n, hi - lo),
                             xrow + lo * c_n, c_n, wrow + kx * c_n, hi - lo, c_n);
            }
        }
    }
}

/* One channel volume of the NCHW conv: xp and plane hold in_d*in_h*in_w and out_d*out_h*out_w pixels. */
static void conv_nchw(const struct tconv__problem *pr, const float *xp, const float *wc, float *plane)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    for (int64_t orow = 0; orow < pr->out_d * pr->out_h; orow++) { /* output row (oz, oy) */
        const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
        for (int64_t kz = 0; kz < dz->k; kz++) {
            const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
            if (iz < 0 || iz >= pr->in_d) continue;
            for (int64_t ky = 0; ky < h->k; ky++) {
                const int64_t iy = oy * h->s - h->before + ky * h->d;
                if (iy < 0 || iy >= pr->in_h) continue;
                const int64_t irow = iz * pr->in_h + iy;
                const float *wt = wc + (kz * h->k + ky) * w->k;
                for (int64_t kx = 0; kx < w->k; kx++) {
                    int64_t lo, hi;
                    tconv__tap_range(w, kx, &lo, &hi);
                    if (hi > lo)
                        mac_strided(plane + orow * pr->out_w + lo, 1,
                                    xp + (irow * pr->in_w + lo * w->s + kx * w->d - w->before), w->s, wt[kx], hi - lo);
                }
            }
        }
    }
}

static void transpose_nchw(const struct tconv__problem *pr, const float *xp, const float *wc, float *plane)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    for (int64_t orow = 0; orow < pr->out_d * pr->out_h; orow++) { /* output row (oz, oy) */
        const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
        for (int64_t kz = 0; kz < dz->k; kz++) {
            int64_t iz;
            if (!tconv__tap_source(dz, oz, kz, &iz)) continue;
            for (int64_t ky = 0; ky < h->k; ky++) {
                int64_t iy;
                if (!tconv__tap_source(h, oy, ky, &iy)) continue;
                const int64_t irow = iz * pr->in_h + iy;
                const float *wt = wc + (kz * h->k + ky) * w->k;
                for (int64_t kx = 0; kx < w->k; kx++) {
                    int64_t lo, hi;
                    tconv__tap_range(w, kx, &lo, &hi);
                    if (hi > lo)
                        mac_strided(plane + (orow * pr->out_w + lo * w->s + kx * w->d - w->before), w->s,
                                    xp + irow * pr->in_w + lo, 1, wt[kx], hi - lo);
                }
            }
        }
    }
}

void tconv__depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const struct tconv__depthwise_plan *dp = &r->pl->u.depthwise;
    const int64_t in_px = pr->in_d * pr->in_h * pr->in_w, out_rows = pr->out_d * pr->out_h;
    const bool no_input = in_px == 0; /* x may be NULL: every output is the bias */
    double t0 = TCONV__CLOCK();
    if (pr->layout == TCONV_NHWC) { /* tiles (image, band of output rows (oz, oy)) */
        const int64_t b = tile / dp->bands, oy0 = tile % dp->bands * dp->rows_out;
        const int64_t oy1 = tconv__min(out_rows, oy0 + dp->rows_out);
        for (int64_t orow = oy0; orow < oy1; orow++) {
            const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
            float *yrow = r->y + (b * out_rows + orow) * pr->out_w * pr->co;
            if (!r->accumulate) memset(yrow, 0, (size_t)(pr->out_w * pr->co) * sizeof(float));
            if (!no_input && pr->transposed)
                transpose_nhwc(pr, r->x, r->f, b, oz, oy, yrow);
            else if (!no_input)
                conv_nhwc(pr, r->x, r->f, b, oz, oy, yrow);
            tconv__epilogue_cols(pr->act, r->bias, yrow, pr->out_w, pr->co, pr->co);
        }
    } else { /* tiles (image, channel volume) */
        const int64_t b = tile / pr->co, c = tile % pr->co, px = out_rows * pr->out_w;
        float *plane = r->y + (b * pr->co + c) * px;
        const float *xp = no_input ? NULL : r->x + (b * pr->ci + c) * in_px;
        const float *wc = r->f + c * pr->d.k * pr->h.k * pr->w.k;
        if (!r->accumulate) memset(plane, 0, (size_t)px * sizeof(float));
        if (!no_input) {
            if (pr->transposed)
                transpose_nchw(pr, xp, wc, plane);
            else
                conv_nchw(pr, xp, wc, plane);
        }
        tconv__epilogue_rows(pr->act, r->bias ? r->bias + c : NULL, plane, 1, px, 0);
    }
    TCONV__LAP(col2im);
}

/* One channel's taps t = (kz, ky, kx): NHWC [t][c], NCHW [c][t]. */
void tconv__pack_depthwise_tile(const struct tconv__run *r, int64_t c, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const int64_t c_n = pr->co, taps = pr->d.k * pr->h.k * pr->w.k;
    double t0 = TCONV__CLOCK();
    for (int64_t kz = 0; kz < pr->d.k; kz++)
        for (int64_t ky = 0; ky < pr->h.k; ky++)
            for (int64_t kx = 0; kx < pr->w.k; kx++) {
                const int64_t tap = (kz * pr->h.k + ky) * pr->w.k + kx;
                const float v = r->filter[tconv__filter_index(pr, c, 0, kz, ky, kx)];
                if (pr->layout == TCONV_NHWC)
                    r->packed[tap * c_n + c] = v;
                else
                    r->packed[c * taps + tap] = v;
            }
    TCONV__LAP(pack);
}

/* ---- filter gradient ---- */

static void store(float *dw, int64_t idx, float v, bool accumulate) { dw[idx] = accumulate ? dw[idx] + v : v; }

/* acc[c] += a[i*as + c] * b[i*bs + c] for i < n, c < nc */
TCONV_CLONES static void mac_pixels(float *restrict acc, const float *restrict a, int64_t as, const float *restrict b,
                                    int64_t bs, int64_t n, int64_t nc)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < nc; c++) acc[c] += a[i * as + c] * b[i * bs + c];
}

void tconv__filter_grad_depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__channels_plan *cp = &r->pl->u.channels;
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t taps_hw = h->k * w->k, taps = dz->k * taps_hw, c_n = pr->co;
    const int64_t out_rows = pr->out_d * pr->out_h, in_rows = pr->in_d * pr->in_h;
    double t0 = TCONV__CLOCK();
    if (pr->layout == TCONV_NHWC) { /* tile: one tap, a block of channels */
        const int64_t tap = tile / cp->blocks, c0 = tile % cp->blocks * cp->channels;
        const int64_t nc = tconv__min(c_n, c0 + cp->channels) - c0;
        const int64_t kz = tap / taps_hw, ky = tap % taps_hw / w->k, kx = tap % w->k;
        float *acc = scratch;
        memset(acc, 0, (size_t)nc * sizeof(float));
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi); /* output columns whose tap kx reads inside x */
        for (int64_t b = 0; b < pr->n; b++)
            for (int64_t orow = 0; orow < out_rows && hi > lo; orow++) {
                const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
                const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
                const int64_t iy = oy * h->s - h->before + ky * h->d;
                if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) continue;
                const int64_t irow = iz * pr->in_h + iy;
                mac_pixels(acc, r->dy + ((b * out_rows + orow) * pr->out_w + lo) * c_n + c0, c_n,
                           r->x + ((b * in_rows + irow) * pr->in_w + lo * w->s + kx * w->d - w->before) * c_n + c0,
                           tconv__step(w->s, c_n, hi - lo), hi - lo, nc);
            }
        for (int64_t c = 0; c < nc; c++)
            store(r->dw, tconv__filter_index(pr, c0 + c, 0, kz, ky, kx), acc[c], r->accumulate);
    } else { /* tile: one channel, one tap */
        const int64_t c = tile / taps, kz = tile % taps / taps_hw, ky = tile % taps_hw / w->k, kx = tile % w->k;
        const int64_t px = out_rows * pr->out_w, in_px = in_rows * pr->in_w;
        float acc = 0.0f;
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi);
        for (int64_t b = 0; b < pr->n; b++) {
            const float *dyp = r->dy + (b * c_n + c) * px, *xp = in_px ? r->x + (b * pr->ci + c) * in_px : NULL;
            for (int64_t orow = 0; orow < out_rows && hi > lo && xp; orow++) {
                const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
                const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
                const int64_t iy = oy * h->s - h->before + ky * h->d;
                if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) continue;
                const float *xr = xp + (iz * pr->in_h + iy) * pr->in_w;
                for (int64_t ox = lo; ox < hi; ox++)
                    acc += dyp[orow * pr->out_w + ox] * xr[ox * w->s + kx * w->d - w->before];
            }
        }
        store(r->dw, tconv__filter_index(pr, c, 0, kz, ky, kx), acc, r->accumulate);
    }
    TCONV__LAP(col2im);
}
