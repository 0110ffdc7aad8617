/*
 * col2im.c - conv2d_transpose lowered to sgemm + col2im, one tile at a time.
 *
 * TR_COL2IM_IMAGES / _BANDS (NHWC): a tile is a block of whole images, or a band of output rows of one
 * image together with the input rows that reach it (a few recomputed at band edges):
 *     col[(b*IH + iy)*IW + ix][(ky*KW + kx)*cog + o] = x[...][g*cig + i] . w_hwoi[(ky*KW + kx)*cog + o][g*cig + i]
 * then col2im gathers, for every output row, the taps that land on it and writes act(sum + bias).
 * TR_COL2IM_PLANES (NCHW): a tile is a block of output channels of one image:
 *     col[(o*KH + ky)*KW + kx][iy*IW + ix] = w_iohw[g*cig + i][(o*KH + ky)*KW + kx] . x[g*cig + i][iy*IW + ix]
 * TR_INTO_Y: a 1x1 input whose full result is exactly y (DCGAN's first layer): col *is* y.
 */
#include "algorithms.h"
#include "kernels.h"

void tconv__into_y_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const struct tconv__blocks *bl = &r->pl->u.into_y.b;
    const int64_t ncol = pr->d.k * pr->h.k * pr->w.k * pr->cog, cig = pr->cig;
    const int64_t b0 = tile / bl->col_tiles * bl->rows, b1 = tconv__min(pr->n, b0 + bl->rows);
    const int64_t c0 = tile % bl->col_tiles * bl->cols, c1 = tconv__min(ncol, c0 + bl->cols);
    const float beta = r->accumulate ? 1.0f : 0.0f;
    float *c = r->y + b0 * ncol + c0;
    double t0 = TCONV__CLOCK();
    /* y[b][col] = x[b][i] . w[col][i] (HWOI, transposed) or x[b][i] . w[i][col] (IOHW) */
    if (pr->layout == TCONV_NHWC)
        tconv__sgemm(false, true, b1 - b0, c1 - c0, cig, r->x + b0 * pr->ci, pr->ci, r->f + c0 * pr->ci, pr->ci, beta,
                     c, ncol);
    else
        tconv__sgemm(false, false, b1 - b0, c1 - c0, cig, r->x + b0 * pr->ci, pr->ci, r->f + c0, ncol, beta, c, ncol);
    TCONV__LAP(gemm);
    if (!r->bias && pr->act == TCONV_ACTIVATION_NONE) return;
    /* column j of y[b] is channel j % co (NHWC) or j / (OH*OW) (NCHW): runs of one channel */
    const int64_t run = pr->layout == TCONV_NHWC ? 1 : pr->out_d * pr->out_h * pr->out_w;
    for (int64_t b = b0; b < b1; b++)
        for (int64_t j = c0; j < c1;) {
            const int64_t o = j / run % pr->co, end = tconv__min(c1, (j / run + 1) * run);
            if (pr->layout == TCONV_NHWC && j % pr->co == 0 && c1 - j >= pr->co) { /* whole pixels */
                const int64_t pixels = (c1 - j) / pr->co;
                tconv__epilogue_cols(pr->act, r->bias, r->y + b * ncol + j, pixels, pr->co, pr->co);
                j += pixels * pr->co;
                continue;
            }
            tconv__epilogue_rows(pr->act, r->bias ? r->bias + o : NULL, r->y + b * ncol + j, 1, end - j, 0);
            j = end;
        }
    TCONV__LAP(epilogue);
}

/* NHWC: the GEMM of input rows [iy0, iy0 + rows) of images [b0, b1), then col2im of output rows [oy0, oy1)
   (rows (z, y) flattened: see tconv__col2im_nhwc). */
static void gemm_col2im_nhwc(const struct tconv__run *r, int64_t g, int64_t b0, int64_t b1, int64_t oy0, int64_t oy1,
                             int64_t iy0, int64_t rows, float *col, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const int64_t ncol = pr->d.k * pr->h.k * pr->w.k * pr->cog, cig = pr->cig;
    double t0 = TCONV__CLOCK();
    if (rows > 0 && pr->in_w > 0)
        tconv__sgemm(false, true, (b1 - b0) * rows * pr->in_w, ncol, cig,
                     r->x + ((b0 * pr->in_d * pr->in_h + iy0) * pr->in_w) * pr->ci + g * cig, pr->ci, r->f + g * cig,
                     pr->ci, 0.0f, col, ncol);
    TCONV__LAP(gemm);
    tconv__col2im_nhwc(pr, col, g, b0, b1, oy0, oy1, iy0, rows, r->bias, r->y, r->accumulate);
    TCONV__LAP(col2im);
}

void tconv__col2im_images_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__images_plan *ip = &r->pl->u.images;
    const int64_t g = tile / ip->blocks, b0 = tile % ip->blocks * ip->images, b1 = tconv__min(pr->n, b0 + ip->images);
    gemm_col2im_nhwc(r, g, b0, b1, 0, pr->out_d * pr->out_h, 0, pr->in_d * pr->in_h, scratch, t);
}

void tconv__col2im_bands_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__bands_plan *bp = &r->pl->u.bands;
    const struct tconv__outer o = tconv__outer_axis(pr); /* rows of h, or planes of d */
    const struct tconv__axis *h = o.a;
    const int64_t per_group = pr->n * bp->bands, g = tile / per_group, b = tile % per_group / bp->bands;
    const int64_t oy0 = tile % bp->bands * bp->rows_out, oy1 = tconv__min(o.out_rows, oy0 + bp->rows_out);
    /* the input rows iy with iy*s + ky*d - before in [oy0, oy1) for some ky */
    const int64_t iy0 = tconv__max(0, -tconv__fdiv(-(oy0 + h->before - (h->k - 1) * h->d), h->s));
    const int64_t iy1 = tconv__min(o.in_rows - 1, tconv__fdiv(oy1 - 1 + h->before, h->s));
    gemm_col2im_nhwc(r, g, b, b + 1, oy0 * o.per_out, oy1 * o.per_out, iy0 * o.per_in,
                     tconv__max(0, iy1 - iy0 + 1) * o.per_in, scratch, t);
}

/* The shared col of image b, group g: [input row (z, y)][ix][ncol]. */
static float *shared_col(const struct tconv__run *r, int64_t g, int64_t b)
{
    const struct tconv__problem *pr = r->pr;
    const int64_t per_image = pr->in_d * pr->in_h * pr->in_w * pr->d.k * pr->h.k * pr->w.k * pr->cog;
    return r->packed + r->pl->u.shared_col.col_at + (g * pr->n + b) * per_image;
}

void tconv__shared_col_gemm_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const struct tconv__blocks *bl = &r->pl->u.shared_col.b;
    const int64_t ncol = pr->d.k * pr->h.k * pr->w.k * pr->cog, cig = pr->cig;
    const int64_t per_group = bl->row_tiles * bl->col_tiles, g = tile / per_group, rt = tile % per_group;
    const int64_t r0 = rt / bl->col_tiles * bl->rows;
    const int64_t rows = tconv__min(pr->n * pr->in_d * pr->in_h * pr->in_w, r0 + bl->rows) - r0;
    const int64_t c0 = rt % bl->col_tiles * bl->cols, c1 = tconv__min(ncol, c0 + bl->cols);
    double t0 = TCONV__CLOCK();
    /* col[row][c] = x[row][g*cig + i] . w_hwoi[c][g*cig + i], rows of every image of group g at once */
    tconv__sgemm(false, true, rows, c1 - c0, cig, r->x + r0 * pr->ci + g * cig, pr->ci, r->f + c0 * pr->ci + g * cig,
                 pr->ci, 0.0f, shared_col(r, g, 0) + r0 * ncol + c0, ncol);
    TCONV__LAP(gemm);
}

void tconv__shared_col_col2im_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const struct tconv__shared_col_plan *sc = &r->pl->u.shared_col;
    const struct tconv__outer o = tconv__outer_axis(pr);
    const int64_t per_group = pr->n * sc->bands, g = tile / per_group, b = tile % per_group / sc->bands;
    const int64_t oy0 = tile % sc->bands * sc->rows_out, oy1 = tconv__min(o.out_rows, oy0 + sc->rows_out);
    double t0 = TCONV__CLOCK();
    tconv__col2im_nhwc(pr, shared_col(r, g, b), g, b, b + 1, oy0 * o.per_out, oy1 * o.per_out, 0, pr->in_d * pr->in_h,
                       r->bias, r->y, r->accumulate);
    TCONV__LAP(col2im);
}

void tconv__col2im_planes_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__planes_plan *pp = &r->pl->u.planes;
    const int64_t taps = pr->d.k * pr->h.k * pr->w.k, ncol = taps * pr->cog, cig = pr->cig;
    const int64_t in_px = pr->in_d * pr->in_h * pr->in_w;
    const int64_t b = tile / (pr->g * pp->blocks), g = tile / pp->blocks % pr->g;
    const int64_t o0 = tile % pp->blocks * pp->channels, o1 = tconv__min(pr->cog, o0 + pp->channels);
    float *y_img = r->y + b * pr->co * pr->out_d * pr->out_h * pr->out_w;
    double t0 = TCONV__CLOCK();
    if (in_px > 0)
        tconv__sgemm(true, false, (o1 - o0) * taps, in_px, cig, r->f + g * cig * ncol + o0 * taps, ncol,
                     r->x + (b * pr->ci + g * cig) * in_px, in_px, 0.0f, scratch, in_px);
    TCONV__LAP(gemm);
    tconv__col2im_nchw(pr, scratch, g, o0, o1, r->bias, y_img, r->accumulate);
    TCONV__LAP(col2im);
}
