/*
 * pointwise.c - a 1x1 kernel with stride 1 and nothing padded or cropped, either op
 * (TCONV__POINTWISE): one GEMM per tile over x in place, no im2col and no col2im (seed 000: a dense
 * layer is a 1x1 conv). With the canonical filter layouts:
 *   NHWC  y[r][g*cog + o] = x[r][g*cig + i] . W(i, o)    conv: HWIO w[i][o]; transposed: HWOI w[o][i]
 *   NCHW  y[g*cog + o][q] = W(i, o) . x[g*cig + i][q]    conv: OIHW w[o][i]; transposed: IOHW w[i][o]
 */
#include "algorithms.h"
#include "kernels.h"

void tconv__pointwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const struct tconv__blocks *bl = &r->pl->u.pointwise.b;
    /* 1x1x1, stride 1, nothing padded: x and y have the same pixels, d*h*w of them */
    const int64_t cig = pr->cig, cog = pr->cog, px = pr->out_d * pr->out_h * pr->out_w;
    const float beta = r->accumulate ? 1.0f : 0.0f; /* accumulate: y += op(x) */
    double t0 = TCONV__CLOCK();
    if (pr->layout == TCONV_NHWC) { /* tiles (group, row block, column block) */
        const int64_t per_group = bl->row_tiles * bl->col_tiles, g = tile / per_group;
        const int64_t mi = tile % per_group / bl->col_tiles, ni = tile % bl->col_tiles;
        const int64_t r0 = mi * bl->rows, r1 = tconv__min(pr->n * px, r0 + bl->rows);
        const int64_t c0 = ni * bl->cols, c1 = tconv__min(cog, c0 + bl->cols);
        const float *a = r->x + r0 * pr->ci + g * cig;
        float *c = r->y + r0 * pr->co + g * cog + c0;
        if (pr->transposed) /* HWOI: w[g*cog + o][i] over the group's input block */
            tconv__sgemm(false, true, r1 - r0, c1 - c0, cig, a, pr->ci, r->f + c0 * pr->ci + g * cig, pr->ci, beta, c,
                         pr->co);
        else /* HWIO: w[i][g*cog + o] */
            tconv__sgemm(false, false, r1 - r0, c1 - c0, cig, a, pr->ci, r->f + g * cog + c0, pr->co, beta, c, pr->co);
        TCONV__LAP(gemm);
        tconv__epilogue_cols(pr->act, r->bias ? r->bias + g * cog + c0 : NULL, c, r1 - r0, c1 - c0, pr->co);
    } else { /* tiles (image, group, pixel block) */
        const int64_t b = tile / (pr->g * bl->col_tiles), g = tile / bl->col_tiles % pr->g;
        const int64_t q0 = tile % bl->col_tiles * bl->cols, q1 = tconv__min(px, q0 + bl->cols);
        const float *xb = r->x + (b * pr->ci + g * cig) * px + q0;
        float *c = r->y + (b * pr->co + g * cog) * px + q0;
        if (pr->transposed) /* IOHW: w[g*cig + i][o] */
            tconv__sgemm(true, false, cog, q1 - q0, cig, r->f + g * cig * cog, cog, xb, px, beta, c, px);
        else /* OIHW: w[g*cog + o][i] */
            tconv__sgemm(false, false, cog, q1 - q0, cig, r->f + g * cog * cig, cig, xb, px, beta, c, px);
        TCONV__LAP(gemm);
        tconv__epilogue_rows(pr->act, r->bias ? r->bias + g * cog : NULL, c, cog, q1 - q0, px);
    }
    TCONV__LAP(epilogue);
}
