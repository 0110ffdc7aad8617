/*
 * filter_grad.c - the filter gradient of a conv problem (x the big side, dy the small side) as
 * im2col + sgemm reductions (TCONV__FILTER_GRAD); a transposed conv's is its adjoint's with x and dy
 * exchanged. Per group g:
 *   NHWC  dW[t*cig + c][o] = sum_r col[r][t*cig + c] . dy[r][g*cog + o]   (r = b, oz, oy, ox; t = kz, ky, kx)
 *   NCHW  dW[o][c*taps + t] = sum_b sum_q dy[b][g*cog + o][q] . col_b[c*taps + t][q]
 * Every tile owns a block of dW and reduces over the pixels in chunks, in a fixed order (beta = 1 after
 * the first), then writes the block into the caller's filter layout. With parts > 1 each part of the
 * pixels writes its own partial dW and a last stage sums them in part order: the same bits for any
 * thread count.
 */
#include <string.h>

#include "algorithms.h"
#include "kernels.h"

/* Filter elements one tile of the partial-gradient sum adds up: big enough to amortise a tile. */
#define SUM_BLOCK 16384

static void store(float *dw, int64_t idx, float v, bool accumulate) { dw[idx] = accumulate ? dw[idx] + v : v; }

/* The reduction over pixels [u0, u1) of all n*OH*OW, for K rows [k0, k1) and channels [o0, o1) of group g:
   acc = NHWC [k][o], NCHW [o][k]. */
static void reduce(const struct tconv__run *r, int64_t g, int64_t u0, int64_t u1, int64_t k0, int64_t k1, int64_t o0,
                   int64_t o1, float *col, float *acc, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const int64_t chunk = r->pl->u.filter_grad.chunk, nk = k1 - k0, no = o1 - o0, cog = pr->cog;
    double t0 = TCONV__CLOCK();
    bool first = true;
    if (pr->layout == TCONV_NHWC) {
        for (int64_t r0 = u0; r0 < u1; r0 += chunk) {
            const int64_t r1 = tconv__min(u1, r0 + chunk);
            tconv__im2col_nhwc(pr, r->x, g, r0, r1, k0, k1, col);
            TCONV__LAP(im2col);
            tconv__sgemm(true, false, nk, no, r1 - r0, col, nk, r->dy + r0 * pr->co + g * cog + o0, pr->co,
                         first ? 0.0f : 1.0f, acc, no);
            TCONV__LAP(gemm);
            first = false;
        }
    } else {
        const int64_t px = pr->out_d * pr->out_h * pr->out_w, in_px = pr->in_d * pr->in_h * pr->in_w;
        for (int64_t b = u0 / px; b < pr->n && b * px < u1; b++) {
            const int64_t end = tconv__min(px, u1 - b * px);
            for (int64_t q0 = tconv__max(0, u0 - b * px); q0 < end; q0 += chunk) {
                const int64_t q1 = tconv__min(end, q0 + chunk);
                tconv__im2col_nchw(pr, in_px ? r->x + b * pr->ci * in_px : NULL, g, q0, q1, k0, k1, col);
                TCONV__LAP(im2col);
                tconv__sgemm(false, true, no, nk, q1 - q0, r->dy + (b * pr->co + g * cog + o0) * px + q0, px, col,
                             q1 - q0, first ? 0.0f : 1.0f, acc, nk);
                TCONV__LAP(gemm);
                first = false;
            }
        }
    }
    if (first) memset(acc, 0, (size_t)(nk * no) * sizeof(float)); /* no pixels: a zero gradient */
}

void tconv__filter_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__filter_grad_plan *fp = &r->pl->u.filter_grad;
    const int64_t cig = pr->cig, cog = pr->cog, taps = pr->d.k * pr->h.k * pr->w.k, kdim = taps * cig;
    const int64_t part = tile % fp->parts, block = tile / fp->parts; /* pixels part, dW block */
    const int64_t g = block / (fp->kblocks * fp->oblocks), kbi = block / fp->oblocks % fp->kblocks;
    const int64_t k0 = kbi * fp->kblock, k1 = tconv__min(kdim, k0 + fp->kblock), nk = k1 - k0;
    const int64_t o0 = block % fp->oblocks * fp->oblock, o1 = tconv__min(cog, o0 + fp->oblock), no = o1 - o0;
    /* this part of the reduction: pixels [u0, u1) of all n*OH*OW, in order */
    const int64_t all = pr->n * pr->out_d * pr->out_h * pr->out_w;
    const int64_t u0 = all / fp->parts * part + tconv__min(part, all % fp->parts);
    const int64_t u1 = u0 + all / fp->parts + (part < all % fp->parts);
    float *col = scratch, *acc = scratch + fp->chunk * fp->kblock;
    reduce(r, g, u0, u1, k0, k1, o0, o1, col, acc, t);
    double t0 = TCONV__CLOCK();
    float *dst = fp->parts > 1 ? r->partial + part * pr->f_elems : r->dw;
    const bool accumulate = fp->parts > 1 ? false : r->accumulate;
    /* into the caller's layout; conv's filter: full axis = output channel, per-group axis = input channel */
    const struct tconv__fstrides fs = tconv__filter_strides(pr);
    for (int64_t k = k0; k < k1; k++) {
        const int64_t c = pr->layout == TCONV_NHWC ? k % cig : k / taps;
        const int64_t tap = pr->layout == TCONV_NHWC ? k / cig : k % taps;
        const int64_t taps_hw = pr->h.k * pr->w.k, kz = tap / taps_hw, ky = tap % taps_hw / pr->w.k;
        const int64_t base = c * fs.local + kz * fs.kz + ky * fs.ky + tap % pr->w.k * fs.kx;
        for (int64_t o = o0; o < o1; o++) {
            const float v = pr->layout == TCONV_NHWC ? acc[(k - k0) * no + o - o0] : acc[(o - o0) * nk + k - k0];
            store(dst, base + (g * cog + o) * fs.full, v, accumulate);
        }
    }
    TCONV__LAP(epilogue);
}

int64_t tconv__filter_grad_sum_tiles(const struct tconv__problem *pr) { return tconv__cdiv(pr->f_elems, SUM_BLOCK); }

void tconv__filter_grad_sum_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const int64_t nf = r->pr->f_elems, parts = r->pl->u.filter_grad.parts;
    const int64_t i0 = tile * SUM_BLOCK, i1 = tconv__min(nf, i0 + SUM_BLOCK);
    double t0 = TCONV__CLOCK();
    for (int64_t i = i0; i < i1; i++) {
        float v = r->partial[i];
        for (int64_t p = 1; p < parts; p++) v += r->partial[p * nf + i];
        r->dw[i] = r->accumulate ? r->dw[i] + v : v;
    }
    TCONV__LAP(epilogue);
}
