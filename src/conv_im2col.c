/*
 * conv_im2col.c - conv2d lowered to im2col + sgemm, one tile at a time (TCONV__CONV_IM2COL).
 *
 * NHWC: per group, a tile is a block of rows r = (b, oz, oy, ox) and columns of y (taps t = (kz, ky, kx)):
 *     y[r][g*cog + o] = col[r][t*cig + c] . w_hwio[t*cig + c][g*cog + o]
 * NCHW: per image and group, a tile is a block of output pixels q = (oz, oy, ox):
 *     y[g*cog + o][q] = w_oihw[g*cog + o][c*taps + t] . col[c*taps + t][q]
 * (a 2-D problem: oz = kz = 0, one depth.)
 * A huge K (kernel x kernel x channels) is summed in blocks of kblock (beta = 1 after the first), so
 * the column buffer stays bounded.
 */
#include "algorithms.h"
#include "kernels.h"

static void tile_nhwc(const struct tconv__run *r, int64_t tile, float *col, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__conv_plan *cp = &r->pl->u.conv;
    const int64_t kdim = pr->d.k * pr->h.k * pr->w.k * pr->cig, cog = pr->cog;
    const int64_t per_group = cp->b.row_tiles * cp->b.col_tiles, g = tile / per_group;
    const int64_t mi = tile % per_group / cp->b.col_tiles, ni = tile % cp->b.col_tiles;
    const int64_t rows = pr->n * pr->out_d * pr->out_h * pr->out_w;
    const int64_t r0 = mi * cp->b.rows, r1 = tconv__min(rows, r0 + cp->b.rows);
    const int64_t c0 = ni * cp->b.cols, c1 = tconv__min(cog, c0 + cp->b.cols);
    float *c = r->y + r0 * pr->co + g * cog + c0;
    double t0 = TCONV__CLOCK();
    for (int64_t k0 = 0; k0 < kdim; k0 += cp->kblock) {
        const int64_t k1 = tconv__min(kdim, k0 + cp->kblock);
        tconv__im2col_nhwc(pr, r->x, g, r0, r1, k0, k1, col);
        TCONV__LAP(im2col);
        const float beta = k0 > 0 || r->accumulate ? 1.0f : 0.0f; /* accumulate: y += conv(x) */
        tconv__sgemm(false, false, r1 - r0, c1 - c0, k1 - k0, col, k1 - k0, r->f + k0 * pr->co + g * cog + c0, pr->co,
                     beta, c, pr->co);
        TCONV__LAP(gemm);
    }
    tconv__epilogue_cols(pr->act, r->bias ? r->bias + g * cog + c0 : NULL, c, r1 - r0, c1 - c0, pr->co);
    TCONV__LAP(epilogue);
}

static void tile_nchw(const struct tconv__run *r, int64_t tile, float *col, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__conv_plan *cp = &r->pl->u.conv;
    const int64_t kdim = pr->d.k * pr->h.k * pr->w.k * pr->cig, cog = pr->cog;
    const int64_t b = tile / (pr->g * cp->b.col_tiles), g = tile / cp->b.col_tiles % pr->g;
    const int64_t qi = tile % cp->b.col_tiles;
    const int64_t px = pr->out_d * pr->out_h * pr->out_w, in_px = pr->in_d * pr->in_h * pr->in_w;
    const int64_t q0 = qi * cp->b.cols, q1 = tconv__min(px, q0 + cp->b.cols);
    const float *x_img = in_px ? r->x + b * pr->ci * in_px : NULL;
    float *c = r->y + (b * pr->co + g * cog) * px + q0;
    double t0 = TCONV__CLOCK();
    for (int64_t k0 = 0; k0 < kdim; k0 += cp->kblock) {
        const int64_t k1 = tconv__min(kdim, k0 + cp->kblock);
        tconv__im2col_nchw(pr, x_img, g, q0, q1, k0, k1, col);
        TCONV__LAP(im2col);
        const float beta = k0 > 0 || r->accumulate ? 1.0f : 0.0f;
        tconv__sgemm(false, false, cog, q1 - q0, k1 - k0, r->f + g * cog * kdim + k0, kdim, col, q1 - q0, beta, c, px);
        TCONV__LAP(gemm);
    }
    tconv__epilogue_rows(pr->act, r->bias ? r->bias + g * cog : NULL, c, cog, q1 - q0, px);
    TCONV__LAP(epilogue);
}

void tconv__conv_im2col_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    if (r->pr->layout == TCONV_NHWC)
        tile_nhwc(r, tile, scratch, t);
    else
        tile_nchw(r, tile, scratch, t);
}
