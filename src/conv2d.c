/*
 * conv2d.c - the convolution tile: im2col + sgemm (+ bias and activation on the tile).
 *
 * NHWC: y is one matrix [batch*OH*OW][out_channels]; a tile is a block of its rows (crossing
 * image boundaries: the batch is folded into the GEMM's M) and of one group's columns:
 *     y[r][g*cog + o] = col[r][(ky*KW + kx)*cig + c] . w_hwio[(ky*KW + kx)*cig + c][g*cog + o]
 * NCHW: per image and group, a tile is a block of output pixels:
 *     y[g*cog + o][q] = w_oihw[g*cog + o][(c*KH + ky)*KW + kx] . col[(c*KH + ky)*KW + kx][q]
 * A 1x1, stride-1, unpadded conv reads x in place as the column matrix (seed 000: dense == 1x1 conv).
 */
#include "internal.h"

void tconv__conv_gemm_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t, bool timed)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__plan *pl = r->pl;
    const int64_t kdim = pr->h.k * pr->w.k * pr->cig, cig = pr->cig, cog = pr->cog;
    const float beta = r->accumulate ? 1.0f : 0.0f; /* accumulate: y += conv(x) */
    double t0 = timed ? tconv__now() : 0.0;
    if (pr->layout == TCONV_NHWC) {
        const int64_t per_g = pl->mt * pl->nt, g = tile / per_g, mi = tile % per_g / pl->nt, ni = tile % pl->nt;
        const int64_t rows = pr->n * pr->out_h * pr->out_w;
        const int64_t r0 = mi * pl->tm, r1 = tconv__min(rows, r0 + pl->tm);
        const int64_t c0 = ni * pl->tn, c1 = tconv__min(cog, c0 + pl->tn);
        float *c = r->y + r0 * pr->co + g * cog + c0;
        if (pl->pointwise) {
            tconv__sgemm(false, false, r1 - r0, c1 - c0, kdim, r->x + r0 * pr->ci + g * cig, pr->ci,
                         r->f + g * cog + c0, pr->co, beta, c, pr->co);
            TCONV__LAP(gemm);
        }
        for (int64_t k0 = 0; k0 < kdim && !pl->pointwise; k0 += pl->kb) { /* one block of K unless K is huge */
            const int64_t k1 = tconv__min(kdim, k0 + pl->kb);
            tconv__im2col_nhwc(pr, r->x, g, r0, r1, k0, k1, scratch);
            TCONV__LAP(im2col);
            tconv__sgemm(false, false, r1 - r0, c1 - c0, k1 - k0, scratch, k1 - k0, r->f + k0 * pr->co + g * cog + c0,
                         pr->co, k0 ? 1.0f : beta, c, pr->co);
            TCONV__LAP(gemm);
        }
        tconv__epilogue_cols(pr->act, r->bias ? r->bias + g * cog + c0 : NULL, c, r1 - r0, c1 - c0, pr->co);
        TCONV__LAP(epilogue);
    } else {
        const int64_t b = tile / (pr->g * pl->nt), g = tile / pl->nt % pr->g, qi = tile % pl->nt;
        const int64_t px = pr->out_h * pr->out_w, in_px = pr->in_h * pr->in_w;
        const int64_t q0 = qi * pl->tn, q1 = tconv__min(px, q0 + pl->tn);
        const float *x_img = in_px ? r->x + b * pr->ci * in_px : NULL;
        float *c = r->y + (b * pr->co + g * cog) * px + q0;
        if (pl->pointwise) {
            tconv__sgemm(false, false, cog, q1 - q0, kdim, r->f + g * cog * kdim, kdim, x_img + g * cig * in_px + q0,
                         in_px, beta, c, px);
            TCONV__LAP(gemm);
        }
        for (int64_t k0 = 0; k0 < kdim && !pl->pointwise; k0 += pl->kb) { /* one block of K unless K is huge */
            const int64_t k1 = tconv__min(kdim, k0 + pl->kb);
            tconv__im2col_nchw(pr, x_img, g, q0, q1, k0, k1, scratch);
            TCONV__LAP(im2col);
            tconv__sgemm(false, false, cog, q1 - q0, k1 - k0, r->f + g * cog * kdim + k0, kdim, scratch, q1 - q0,
                         k0 ? 1.0f : beta, c, px);
            TCONV__LAP(gemm);
        }
        tconv__epilogue_rows(pr->act, r->bias ? r->bias + g * cog : NULL, c, cog, q1 - q0, px);
        TCONV__LAP(epilogue);
    }
}
