/*
 * conv2d.c - the convolution driver: im2col + sgemm, tiled so the column buffer stays bounded.
 *
 * NHWC: the whole batch is one matrix of output pixels, so a tile of rows may span images:
 *     y[r][g*cog + o] = col[r][(ky*KW + kx)*cig + c] . w_hwio[(ky*KW + kx)*cig + c][g*cog + o]
 * NCHW: one image at a time, a tile of output pixels:
 *     y[g*cog + o][q] = w_oihw[g*cog + o][(c*KH + ky)*KW + kx] . col[(c*KH + ky)*KW + kx][q]
 * A 1x1, stride-1, unpadded conv reads x in place as the column matrix (seed 000: dense == 1x1 conv).
 * Parallelism, one level at a time: OpenMP inside im2col and the bias pass, BLAS threads inside sgemm.
 */
#include "internal.h"

void tconv__conv2d_run(const struct tconv__problem *pr, const struct tconv__plan *plan, const float *x,
                       const float *filter, const float *bias, float *y, void *ws, int nthreads)
{
    const float *f = filter;
    float *col = (float *)((char *)ws + tconv__round64(plan->filter_bytes));
    if (plan->filter_bytes) {
        tconv__pack_filter(pr, filter, (float *)ws, nthreads);
        f = (const float *)ws;
    }
    const int64_t kdim = pr->h.k * pr->w.k * pr->cig, cig = pr->cig, cog = pr->cog;
    if (pr->layout == TCONV_NHWC) {
        const int64_t rows = pr->n * pr->out_h * pr->out_w;
        const int64_t tile = plan->tile ? plan->tile : TCONV__M_CHUNK;
        for (int64_t r0 = 0; r0 < rows; r0 += tile) {
            const int64_t r1 = rows - r0 < tile ? rows : r0 + tile;
            for (int64_t g = 0; g < pr->g; g++) {
                if (plan->tile) {
                    tconv__im2col_nhwc(pr, x, g, r0, r1, col, nthreads);
                    tconv__sgemm(false, false, r1 - r0, cog, kdim, col, kdim, f + g * cog, pr->co, 0.0f,
                                 y + r0 * pr->co + g * cog, pr->co);
                } else { /* pointwise: x rows are the columns (out == in) */
                    tconv__sgemm(false, false, r1 - r0, cog, cig, x + r0 * pr->ci + g * cig, pr->ci, f + g * cog,
                                 pr->co, 0.0f, y + r0 * pr->co + g * cog, pr->co);
                }
            }
        }
    } else {
        const int64_t px = pr->out_h * pr->out_w, in_px = pr->in_h * pr->in_w;
        for (int64_t b = 0; b < pr->n; b++) {
            const float *x_img = x ? x + b * pr->ci * in_px : NULL;
            float *y_img = y + b * pr->co * px;
            for (int64_t g = 0; g < pr->g; g++) {
                const float *a = f + g * cog * kdim;
                float *c = y_img + g * cog * px;
                if (!plan->tile) {
                    tconv__sgemm(false, false, cog, px, cig, a, kdim, x_img + g * cig * in_px, in_px, 0.0f, c, px);
                    continue;
                }
                for (int64_t q0 = 0; q0 < px; q0 += plan->tile) {
                    const int64_t q1 = px - q0 < plan->tile ? px : q0 + plan->tile;
                    tconv__im2col_nchw(pr, x_img, g, q0, q1, col, nthreads);
                    tconv__sgemm(false, false, cog, q1 - q0, kdim, a, kdim, col, q1 - q0, 0.0f, c + q0, px);
                }
            }
        }
    }
    tconv__bias_act(pr, bias, y, nthreads);
}
