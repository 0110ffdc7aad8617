/*
 * conv2d_transpose.c - the transposed convolution tiles.
 *
 * GEMM + col2im. NHWC: a tile is a block of whole images, or a band of output rows of one image
 * together with the input rows that reach it (a few recomputed at band edges):
 *     col[(b*IH + iy)*IW + ix][(ky*KW + kx)*cog + o] = x[...][g*cig + i] . w_hwoi[(ky*KW + kx)*cog + o][g*cig + i]
 * then col2im gathers, for every output row, the taps that land on it and writes act(sum + bias).
 * NCHW: a tile is a block of output channels of one image:
 *     col[(o*KH + ky)*KW + kx][iy*IW + ix] = w_iohw[g*cig + i][(o*KH + ky)*KW + kx] . x[g*cig + i][iy*IW + ix]
 * A 1x1, stride-1, uncropped transposed conv is a plain GEMM into y, and so is one whose input is 1x1
 * and whose output is exactly the kernel (DCGAN's first layer): there col *is* y.
 *
 * Sub-pixel. With dilation 1 (or stride 1) on each axis, output o = q*s + r - pb reads
 *     full[q*s + r] = sum_j x[q - (m-1-j)] . w[(m-1-j)*s + r],   m = ceil(k/s)
 * which is a stride-1 conv of x with m x m windows (im2col over the coarse positions q) whose
 * s*s*cog output channels are the phases r: one GEMM, then depth-to-space into y. No overlap-add.
 * When kernel == stride (m = 1) the windows are x itself, so the GEMM reads x in place.
 */
#include "internal.h"

void tconv__tr_col2im_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t, bool timed)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__plan *pl = r->pl;
    const int64_t ncol = pr->h.k * pr->w.k * pr->cog, cig = pr->cig, cog = pr->cog, in_px = pr->in_h * pr->in_w;
    const float beta = r->accumulate ? 1.0f : 0.0f; /* accumulate: y += conv_transpose(x) */
    double t0 = timed ? tconv__now() : 0.0;
    if (pl->direct_y) { /* 1x1 input: y[b][col] = x[b][i] . w[col][i] (HWOI^T) or x[b][i] . w[i][col] (IOHW) */
        const int64_t mi = tile / pl->nt, ni = tile % pl->nt;
        const int64_t b0 = mi * pl->tm, b1 = tconv__min(pr->n, b0 + pl->tm);
        const int64_t c0 = ni * pl->tn, c1 = tconv__min(ncol, c0 + pl->tn);
        float *c = r->y + b0 * ncol + c0;
        if (pr->layout == TCONV_NHWC)
            tconv__sgemm(false, true, b1 - b0, c1 - c0, cig, r->x + b0 * pr->ci, pr->ci, r->f + c0 * pr->ci, pr->ci,
                         beta, c, ncol);
        else
            tconv__sgemm(false, false, b1 - b0, c1 - c0, cig, r->x + b0 * pr->ci, pr->ci, r->f + c0, ncol, beta, c,
                         ncol);
        TCONV__LAP(gemm);
        if (r->bias || pr->act != TCONV_ACTIVATION_NONE) {
            /* column j of y[b] is channel j % co (NHWC) or j / (OH*OW) (NCHW): runs of one channel */
            const int64_t run = pr->layout == TCONV_NHWC ? 1 : pr->out_h * pr->out_w;
            for (int64_t b = b0; b < b1; b++)
                for (int64_t j = c0; j < c1;) {
                    const int64_t o = j / run % pr->co, end = tconv__min(c1, (j / run + 1) * run);
                    if (pr->layout == TCONV_NHWC && j % pr->co == 0 && c1 - j >= pr->co) { /* whole pixels */
                        const int64_t px = (c1 - j) / pr->co;
                        tconv__epilogue_cols(pr->act, r->bias, r->y + b * ncol + j, px, pr->co, pr->co);
                        j += px * pr->co;
                        continue;
                    }
                    tconv__epilogue_rows(pr->act, r->bias ? r->bias + o : NULL, r->y + b * ncol + j, 1, end - j, 0);
                    j = end;
                }
            TCONV__LAP(epilogue);
        }
    } else if (pl->pointwise && pr->layout == TCONV_NHWC) { /* y[r][g*cog + o] = x[r][g*cig + i] . w[o][g*cig + i] */
        const int64_t per_g = pl->mt * pl->nt, g = tile / per_g, mi = tile % per_g / pl->nt, ni = tile % pl->nt;
        const int64_t r0 = mi * pl->tm, r1 = tconv__min(pr->n * in_px, r0 + pl->tm);
        const int64_t c0 = ni * pl->tn, c1 = tconv__min(cog, c0 + pl->tn);
        float *c = r->y + r0 * pr->co + g * cog + c0;
        tconv__sgemm(false, true, r1 - r0, c1 - c0, cig, r->x + r0 * pr->ci + g * cig, pr->ci,
                     r->f + c0 * pr->ci + g * cig, pr->ci, beta, c, pr->co);
        TCONV__LAP(gemm);
        tconv__epilogue_cols(pr->act, r->bias ? r->bias + g * cog + c0 : NULL, c, r1 - r0, c1 - c0, pr->co);
        TCONV__LAP(epilogue);
    } else if (pl->pointwise) { /* NCHW: y[g*cog + o][q] = w[g*cig + i][o] . x[g*cig + i][q] */
        const int64_t b = tile / (pr->g * pl->nt), g = tile / pl->nt % pr->g, qi = tile % pl->nt;
        const int64_t q0 = qi * pl->tn, q1 = tconv__min(in_px, q0 + pl->tn);
        float *c = r->y + (b * pr->co + g * cog) * in_px + q0;
        tconv__sgemm(true, false, cog, q1 - q0, cig, r->f + g * cig * cog, cog,
                     r->x + (b * pr->ci + g * cig) * in_px + q0, in_px, beta, c, in_px);
        TCONV__LAP(gemm);
        tconv__epilogue_rows(pr->act, r->bias ? r->bias + g * cog : NULL, c, cog, q1 - q0, in_px);
        TCONV__LAP(epilogue);
    } else if (pr->layout == TCONV_NHWC) {
        const int64_t g = tile / pl->mt, k = tile % pl->mt;
        int64_t b0, b1, oy0, oy1, iy0, rows;
        if (pl->whole_images) {
            b0 = k * pl->tm, b1 = tconv__min(pr->n, b0 + pl->tm), oy0 = 0, oy1 = pr->out_h, iy0 = 0, rows = pr->in_h;
        } else { /* the input rows iy with iy*s + ky*d - pb in [oy0, oy1) for some ky */
            const int64_t bands = tconv__cdiv(pr->out_h, pl->tm);
            b0 = k / bands, b1 = b0 + 1, oy0 = k % bands * pl->tm, oy1 = tconv__min(pr->out_h, oy0 + pl->tm);
            iy0 = tconv__max(0, -tconv__fdiv(-(oy0 + pr->h.pb - (pr->h.k - 1) * pr->h.d), pr->h.s));
            const int64_t iy1 = tconv__min(pr->in_h - 1, tconv__fdiv(oy1 - 1 + pr->h.pb, pr->h.s));
            rows = tconv__max(0, iy1 - iy0 + 1);
        }
        if (rows > 0 && pr->in_w > 0)
            tconv__sgemm(false, true, (b1 - b0) * rows * pr->in_w, ncol, cig,
                         r->x + ((b0 * pr->in_h + iy0) * pr->in_w) * pr->ci + g * cig, pr->ci, r->f + g * cig, pr->ci,
                         0.0f, scratch, ncol);
        TCONV__LAP(gemm);
        tconv__col2im_nhwc(pr, scratch, g, b0, b1, oy0, oy1, iy0, rows, r->bias, r->y, r->accumulate);
        TCONV__LAP(col2im);
    } else {
        const int64_t b = tile / (pr->g * pl->mt), g = tile / pl->mt % pr->g, oi = tile % pl->mt;
        const int64_t o0 = oi * pl->tm, o1 = tconv__min(cog, o0 + pl->tm), taps = pr->h.k * pr->w.k;
        float *y_img = r->y + b * pr->co * pr->out_h * pr->out_w;
        if (in_px > 0)
            tconv__sgemm(true, false, (o1 - o0) * taps, in_px, cig, r->f + g * cig * ncol + o0 * taps, ncol,
                         r->x + (b * pr->ci + g * cig) * in_px, in_px, 0.0f, scratch, in_px);
        TCONV__LAP(gemm);
        tconv__col2im_nchw(pr, scratch, g, o0, o1, r->bias, y_img, r->accumulate);
        TCONV__LAP(col2im);
    }
}

void tconv__tr_subpixel_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t,
                             bool timed)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__plan *pl = r->pl;
    const struct tconv__problem *sub = &pl->sub;
    const int64_t cig = pr->cig, cog = pr->cog, sh = pr->h.s, sw = pr->w.s, s = pl->phases;
    const int64_t kp = sub->h.k * sub->w.k * cig, qh = sub->out_h, qw = sub->out_w, pos = qh * qw;
    const int64_t in_px = pr->in_h * pr->in_w;
    double t0 = timed ? tconv__now() : 0.0;
    if (pr->layout == TCONV_NHWC) {
        const int64_t per_g = pl->mt * pl->nt, g = tile / per_g, mi = tile % per_g / pl->nt, ni = tile % pl->nt;
        const int64_t r0 = mi * pl->tm, r1 = tconv__min(pr->n * pos, r0 + pl->tm);
        const int64_t ph0 = ni * pl->tn, ph1 = tconv__min(s, ph0 + pl->tn), ncols = (ph1 - ph0) * cog;
        const float *a = scratch;
        int64_t lda = kp;
        float *c = scratch + (pl->a_in_place ? 0 : pl->tm * kp);
        if (pl->a_in_place) {
            a = r->x + r0 * pr->ci + g * cig, lda = pr->ci;
        } else {
            tconv__im2col_nhwc(sub, r->x, g, r0, r1, 0, kp, scratch);
            TCONV__LAP(im2col);
        }
        if (pl->b_canonical) /* HWOI: rows (ky, kx, o) are the phases (ry, rx, o) */
            tconv__sgemm(false, true, r1 - r0, ncols, kp, a, lda, r->f + ph0 * cog * pr->ci + g * cig, pr->ci, 0.0f, c,
                         ncols);
        else
            tconv__sgemm(false, false, r1 - r0, ncols, kp, a, lda, r->f + g * kp * s * cog + ph0 * cog, s * cog, 0.0f,
                         c, ncols);
        TCONV__LAP(gemm);
        /* depth-to-space: position (b, qy, qx), phase (ry, rx) -> y[b][oy][ox][g*cog + o] */
        const float *bg = r->bias ? r->bias + g * cog : NULL;
        for (int64_t row = r0; row < r1; row++) {
            const int64_t b = row / pos, qy = row / qw % qh, qx = row % qw;
            for (int64_t ph = ph0; ph < ph1; ph++) {
                const int64_t oy = (pl->qlo_h + qy) * sh + ph / sw - pr->h.pb;
                const int64_t ox = (pl->qlo_w + qx) * sw + ph % sw - pr->w.pb;
                if (oy < 0 || oy >= pr->out_h || ox < 0 || ox >= pr->out_w) continue;
                float *dst = r->y + ((b * pr->out_h + oy) * pr->out_w + ox) * pr->co + g * cog;
                const float *src = c + (row - r0) * ncols + (ph - ph0) * cog;
                if (r->accumulate) /* gradients: no bias, no activation */
                    for (int64_t o = 0; o < cog; o++) dst[o] += src[o];
                else
                    for (int64_t o = 0; o < cog; o++) dst[o] = tconv__act(pr->act, bg ? src[o] + bg[o] : src[o]);
            }
        }
        TCONV__LAP(col2im);
    } else {
        const int64_t b = tile / (pr->g * pl->nt), g = tile / pl->nt % pr->g, qi = tile % pl->nt;
        const int64_t q0 = qi * pl->tn, q1 = tconv__min(pos, q0 + pl->tn), width = q1 - q0, m = cog * s;
        const float *x_img = in_px ? r->x + b * pr->ci * in_px : NULL;
        const float *bm = scratch;
        int64_t ldb = width;
        float *c = scratch + (pl->a_in_place ? 0 : kp * pl->tn);
        if (pl->a_in_place) {
            bm = x_img + g * cig * in_px + q0, ldb = in_px;
        } else {
            tconv__im2col_nchw(sub, x_img, g, q0, q1, 0, kp, scratch);
            TCONV__LAP(im2col);
        }
        if (pl->b_canonical) /* IOHW: columns (o, ky, kx) are the rows (o, ry, rx) */
            tconv__sgemm(true, false, m, width, kp, r->f + g * cig * m, m, bm, ldb, 0.0f, c, width);
        else
            tconv__sgemm(false, false, m, width, kp, r->f + g * m * kp, kp, bm, ldb, 0.0f, c, width);
        TCONV__LAP(gemm);
        /* depth-to-space: row (o, ry, rx), position q -> y[b][g*cog + o][oy][ox] */
        float *y_img = r->y + b * pr->co * pr->out_h * pr->out_w;
        for (int64_t row = 0; row < m; row++) {
            const int64_t o = row / s, ph = row % s;
            const float bv = r->bias ? r->bias[g * cog + o] : 0.0f;
            float *plane = y_img + (g * cog + o) * pr->out_h * pr->out_w;
            for (int64_t q = q0; q < q1; q++) {
                const int64_t oy = (pl->qlo_h + q / qw) * sh + ph / sw - pr->h.pb;
                const int64_t ox = (pl->qlo_w + q % qw) * sw + ph % sw - pr->w.pb;
                if (oy < 0 || oy >= pr->out_h || ox < 0 || ox >= pr->out_w) continue;
                const float v = c[row * width + q - q0];
                if (r->accumulate)
                    plane[oy * pr->out_w + ox] += v;
                else
                    plane[oy * pr->out_w + ox] = tconv__act(pr->act, r->bias ? v + bv : v);
            }
        }
        TCONV__LAP(col2im);
    }
}
