/*
 * conv2d_transpose.c - the transposed convolution driver: sgemm + col2im.
 *
 * NHWC: a block of whole images at a time, one GEMM over all their pixels, then col2im:
 *     col[(b*IH + iy)*IW + ix][(ky*KW + kx)*cog + o] = x[...][g*cig + i] . w_hwoi[(ky*KW + kx)*cog + o][g*cig + i]
 * NCHW: one image at a time:
 *     col[(o*KH + ky)*KW + kx][iy*IW + ix] = w_iohw[g*cig + i][(o*KH + ky)*KW + kx] . x[g*cig + i][iy*IW + ix]
 * col2im then gathers, for every output row, the taps that land on it (see lower.c), and
 * writes act(sum + bias) once. A 1x1, stride-1, uncropped transposed conv is a plain GEMM into y.
 */
#include "internal.h"

void tconv__conv2d_transpose_run(const struct tconv__problem *pr, const struct tconv__plan *plan,
                                 const float *x, const float *filter, const float *bias, float *y, void *ws,
                                 int nthreads)
{
    const float *f = filter;
    float *col = (float *)((char *)ws + tconv__round64(plan->filter_bytes));
    if (plan->filter_bytes) {
        tconv__pack_filter(pr, filter, (float *)ws, nthreads);
        f = (const float *)ws;
    }
    const int64_t ndim = pr->h.k * pr->w.k * pr->cog, cig = pr->cig, cog = pr->cog;
    const int64_t in_px = pr->in_h * pr->in_w;
    if (pr->layout == TCONV_NHWC) {
        if (!plan->tile) { /* pointwise: y[r][g*cog + o] = x[r][g*cig + i] . w[o][g*cig + i] */
            const int64_t rows = pr->n * in_px;
            for (int64_t r0 = 0; r0 < rows; r0 += TCONV__M_CHUNK) {
                const int64_t r1 = rows - r0 < TCONV__M_CHUNK ? rows : r0 + TCONV__M_CHUNK;
                for (int64_t g = 0; g < pr->g; g++)
                    tconv__sgemm(false, true, r1 - r0, cog, cig, x + r0 * pr->ci + g * cig, pr->ci, f + g * cig,
                                 pr->ci, 0.0f, y + r0 * pr->co + g * cog, pr->co);
            }
            tconv__bias_act(pr, bias, y, nthreads);
            return;
        }
        for (int64_t b0 = 0; b0 < pr->n; b0 += plan->tile) {
            const int64_t b1 = pr->n - b0 < plan->tile ? pr->n : b0 + plan->tile;
            for (int64_t g = 0; g < pr->g; g++) {
                if (in_px > 0)
                    tconv__sgemm(false, true, (b1 - b0) * in_px, ndim, cig, x + b0 * in_px * pr->ci + g * cig,
                                 pr->ci, f + g * cig, pr->ci, 0.0f, col, ndim);
                tconv__col2im_nhwc(pr, col, g, b0, b1, bias, y, nthreads);
            }
        }
    } else {
        const int64_t px = pr->out_h * pr->out_w;
        for (int64_t b = 0; b < pr->n; b++) {
            const float *x_img = x ? x + b * pr->ci * in_px : NULL;
            float *y_img = y + b * pr->co * px;
            for (int64_t g = 0; g < pr->g; g++) {
                const float *a = f + g * cig * ndim; /* [cig][ndim], used transposed */
                if (!plan->tile) {
                    tconv__sgemm(true, false, cog, px, cig, a, ndim, x_img + g * cig * in_px, in_px, 0.0f,
                                 y_img + g * cog * px, px);
                    continue;
                }
                if (in_px > 0)
                    tconv__sgemm(true, false, ndim, in_px, cig, a, ndim, x_img + g * cig * in_px, in_px, 0.0f, col,
                                 in_px);
                tconv__col2im_nchw(pr, col, g, bias, y_img, nthreads);
            }
        }
        if (!plan->tile) tconv__bias_act(pr, bias, y, nthreads);
    }
}
