/*
 * backward.c - the filter and bias gradients (the data gradients run the adjoint op's forward
 * tiles). Every tile owns a block of the gradient and reduces over the batch and the pixels in a
 * fixed order, so results do not depend on the thread count.
 *
 * Filter gradient of a conv problem (x the big side, dy the small side), per group g:
 *   NHWC  dW[(ky*KW + kx)*cig + c][o] = sum_r col[r][(ky*KW + kx)*cig + c] . dy[r][g*cog + o]   (r = b, oy, ox)
 *   NCHW  dW[o][(c*KH + ky)*KW + kx] = sum_b sum_q dy[b][g*cog + o][q] . col_b[(c*KH + ky)*KW + kx][q]
 * computed as sgemm over chunks of rows (beta = 1 after the first), then written into the caller's
 * filter layout. Depthwise problems use direct loops; the bias gradient sums dy per channel in double.
 */
#include <string.h>

#include "internal.h"

static void store(float *dw, int64_t idx, float v, bool accumulate) { dw[idx] = accumulate ? dw[idx] + v : v; }

void tconv__filter_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                             bool timed)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__plan *pl = r->pl;
    const int64_t cig = pr->cig, cog = pr->cog, taps = pr->h.k * pr->w.k, kdim = taps * cig;
    const int64_t part = tile % pl->psplit, block = tile / pl->psplit; /* pixels part, dW block */
    const int64_t g = block / (pl->kblocks * pl->oblocks), kbi = block / pl->oblocks % pl->kblocks;
    const int64_t k0 = kbi * pl->kb, k1 = tconv__min(kdim, k0 + pl->kb), nk = k1 - k0;
    const int64_t o0 = block % pl->oblocks * pl->ob, o1 = tconv__min(cog, o0 + pl->ob), no = o1 - o0;
    /* this part of the reduction: rows [u0, u1) of all n*OH*OW pixels, in order */
    const int64_t all = pr->n * pr->out_h * pr->out_w;
    const int64_t u0 = all / pl->psplit * part + tconv__min(part, all % pl->psplit);
    const int64_t u1 = u0 + all / pl->psplit + (part < all % pl->psplit);
    float *dst = pl->psplit > 1 ? r->partial + part * pr->f_elems : r->dw;
    const bool accumulate = pl->psplit > 1 ? false : r->accumulate;
    float *col = scratch, *acc = scratch + pl->chunk * pl->kb;
    double t0 = timed ? tconv__now() : 0.0;
    bool first = true;
    if (pr->layout == TCONV_NHWC) {
        for (int64_t r0 = u0; r0 < u1; r0 += pl->chunk) {
            const int64_t r1 = tconv__min(u1, r0 + pl->chunk);
            tconv__im2col_nhwc(pr, r->x, g, r0, r1, k0, k1, col);
            TCONV__LAP(im2col);
            tconv__sgemm(true, false, nk, no, r1 - r0, col, nk, r->dy + r0 * pr->co + g * cog + o0, pr->co,
                         first ? 0.0f : 1.0f, acc, no);
            TCONV__LAP(gemm);
            first = false;
        }
    } else {
        const int64_t px = pr->out_h * pr->out_w, in_px = pr->in_h * pr->in_w;
        for (int64_t b = u0 / px; b < pr->n && b * px < u1; b++)
            for (int64_t q0 = tconv__max(0, u0 - b * px); q0 < tconv__min(px, u1 - b * px); q0 += pl->chunk) {
                const int64_t q1 = tconv__min(tconv__min(px, u1 - b * px), q0 + pl->chunk);
                tconv__im2col_nchw(pr, in_px ? r->x + b * pr->ci * in_px : NULL, g, q0, q1, k0, k1, col);
                TCONV__LAP(im2col);
                tconv__sgemm(false, true, no, nk, q1 - q0, r->dy + (b * pr->co + g * cog + o0) * px + q0, px, col,
                             q1 - q0, first ? 0.0f : 1.0f, acc, nk);
                TCONV__LAP(gemm);
                first = false;
            }
    }
    if (first) memset(acc, 0, (size_t)(nk * no) * sizeof(float)); /* no pixels: a zero gradient */
    /* into the caller's layout; conv's filter: full axis = output channel, per-group axis = input channel */
    const struct tconv__fstrides fs = tconv__filter_strides(pr);
    for (int64_t k = k0; k < k1; k++) {
        int64_t c, tap;
        if (pr->layout == TCONV_NHWC)
            c = k % cig, tap = k / cig;
        else
            c = k / taps, tap = k % taps;
        const int64_t base = c * fs.local + tap / pr->w.k * fs.ky + tap % pr->w.k * fs.kx;
        for (int64_t o = o0; o < o1; o++) {
            const float v = pr->layout == TCONV_NHWC ? acc[(k - k0) * no + o - o0] : acc[(o - o0) * nk + k - k0];
            store(dst, base + (g * cog + o) * fs.full, v, accumulate);
        }
    }
    TCONV__LAP(epilogue);
}

/* acc[c] += a[i*as + c] * b[i*bs + c] for i < n, c < nc */
TCONV_CLONES static void mac_pixels(float *restrict acc, const float *restrict a, int64_t as, const float *restrict b,
                                    int64_t bs, int64_t n, int64_t nc)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < nc; c++) acc[c] += a[i * as + c] * b[i * bs + c];
}

void tconv__filter_grad_dw_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                                bool timed)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__plan *pl = r->pl;
    const struct tconv__axis *h = &pr->h, *w = &pr->w;
    const int64_t taps = h->k * w->k, c_n = pr->co;
    double t0 = timed ? tconv__now() : 0.0;
    if (pr->layout == TCONV_NHWC) { /* tile: one tap, a block of channels */
        const int64_t tap = tile / pl->oblocks, c0 = tile % pl->oblocks * pl->ob,
                      nc = tconv__min(c_n, c0 + pl->ob) - c0;
        const int64_t ky = tap / w->k, kx = tap % w->k;
        float *acc = scratch;
        memset(acc, 0, (size_t)nc * sizeof(float));
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi); /* output columns whose tap kx reads inside x */
        for (int64_t b = 0; b < pr->n; b++)
            for (int64_t oy = 0; oy < pr->out_h && hi > lo; oy++) {
                const int64_t iy = oy * h->s - h->pb + ky * h->d;
                if (iy < 0 || iy >= pr->in_h) continue;
                mac_pixels(acc, r->dy + ((b * pr->out_h + oy) * pr->out_w + lo) * c_n + c0, c_n,
                           r->x + ((b * pr->in_h + iy) * pr->in_w + lo * w->s + kx * w->d - w->pb) * c_n + c0,
                           tconv__step(w->s, c_n, hi - lo), hi - lo, nc);
            }
        for (int64_t c = 0; c < nc; c++)
            store(r->dw, tconv__filter_index(pr, c0 + c, 0, ky, kx), acc[c], r->accumulate);
    } else { /* tile: one channel, one tap */
        const int64_t c = tile / taps, ky = tile % taps / w->k, kx = tile % w->k;
        const int64_t px = pr->out_h * pr->out_w, in_px = pr->in_h * pr->in_w;
        float acc = 0.0f;
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi);
        for (int64_t b = 0; b < pr->n; b++) {
            const float *dyp = r->dy + (b * c_n + c) * px, *xp = in_px ? r->x + (b * pr->ci + c) * in_px : NULL;
            for (int64_t oy = 0; oy < pr->out_h && hi > lo && xp; oy++) {
                const int64_t iy = oy * h->s - h->pb + ky * h->d;
                if (iy < 0 || iy >= pr->in_h) continue;
                const float *xr = xp + iy * pr->in_w;
                for (int64_t ox = lo; ox < hi; ox++)
                    acc += dyp[oy * pr->out_w + ox] * xr[ox * w->s + kx * w->d - w->pb];
            }
        }
        store(r->dw, tconv__filter_index(pr, c, 0, ky, kx), acc, r->accumulate);
    }
    TCONV__LAP(col2im);
}

void tconv__bias_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t, bool timed)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__plan *pl = r->pl;
    const int64_t px = pr->out_h * pr->out_w;
    double t0 = timed ? tconv__now() : 0.0;
    if (pr->layout == TCONV_NHWC) { /* a block of channels, summed over every row in order */
        const int64_t c0 = tile * pl->ob, nc = tconv__min(pr->co, c0 + pl->ob) - c0, rows = pr->n * px;
        double *acc = (double *)(void *)scratch;
        for (int64_t c = 0; c < nc; c++) acc[c] = 0.0;
        for (int64_t row = 0; row < rows; row++) {
            const float *v = r->dy + row * pr->co + c0;
            for (int64_t c = 0; c < nc; c++) acc[c] += v[c];
        }
        for (int64_t c = 0; c < nc; c++) store(r->dw, c0 + c, (float)acc[c], r->accumulate);
    } else { /* one channel: its planes in every image */
        double acc = 0.0;
        for (int64_t b = 0; b < pr->n; b++) {
            const float *v = r->dy + (b * pr->co + tile) * px;
            for (int64_t q = 0; q < px; q++) acc += v[q];
        }
        store(r->dw, tile, (float)acc, r->accumulate);
    }
    TCONV__LAP(epilogue);
}
