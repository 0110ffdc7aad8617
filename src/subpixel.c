/*
 * subpixel.c - conv2d_transpose as a stride-1 conv over x plus depth-to-space (TCONV__TR_SUBPIXEL).
 *
 * With dilation 1 (or stride 1) on each axis, output o = q*s + r - before reads
 *     full[q*s + r] = sum_j x[q - (m-1-j)] . w[(m-1-j)*s + r],   m = ceil(k/s)
 * which is a stride-1 conv of x with m x m windows (im2col over the coarse positions q) whose
 * s*s*cog output channels are the phases r: one GEMM, then depth-to-space into y. No overlap-add.
 * Per axis: the depth axis too (phases s_d*s_h*s_w, windows m_d x m_h x m_w); trivial for a 2-D call.
 * When kernel == stride (m = 1) the windows are x itself, so the GEMM reads x in place.
 */
#include "algorithms.h"
#include "kernels.h"

/* The phase (pz, py, px) of phase number ph = (pz*sh + py)*sw + px. */
struct phase {
    int64_t z, y, x;
};
static struct phase phase_of(const struct tconv__problem *pr, int64_t ph)
{
    return (struct phase){ph / (pr->h.s * pr->w.s), ph / pr->w.s % pr->h.s, ph % pr->w.s};
}

/* Depth-to-space, NHWC: GEMM rows [r0, r1) of positions (b, qz, qy, qx), phases [ph0, ph1), into y. The
   problem's sizes are read into locals once: the loop stores floats and steps through the phases in order. */
static void to_space_nhwc(const struct tconv__run *r, int64_t g, int64_t r0, int64_t r1, int64_t ph0, int64_t ph1,
                          const float *c)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__subpixel_plan *sp = &r->pl->u.subpixel;
    const int64_t cog = pr->cog, co = pr->co, sd = pr->d.s, sh = pr->h.s, sw = pr->w.s, ncols = (ph1 - ph0) * cog;
    const int64_t od = pr->out_d, oh = pr->out_h, ow = pr->out_w;
    const int64_t qd = sp->sub.out_d, qh = sp->sub.out_h, qw = sp->sub.out_w, pos = qd * qh * qw;
    const enum tconv_activation act = pr->act;
    const bool accumulate = r->accumulate;
    const float *bg = r->bias ? r->bias + g * cog : NULL;
    const struct phase first = phase_of(pr, ph0);
    for (int64_t row = r0; row < r1; row++) {
        const int64_t b = row / pos, qz = row / (qw * qh) % qd, qy = row / qw % qh, qx = row % qw;
        /* output position of phase (0, 0, 0) at this coarse position */
        const int64_t z0 = (sp->qlo_d + qz) * sd - pr->d.before, y0 = (sp->qlo_h + qy) * sh - pr->h.before;
        const int64_t x0 = (sp->qlo_w + qx) * sw - pr->w.before;
        float *yb = r->y + b * od * oh * ow * co + g * cog;
        int64_t pz = first.z, py = first.y, px = first.x;
        for (int64_t ph = ph0; ph < ph1; ph++) {
            const int64_t oz = z0 + pz, oy = y0 + py, ox = x0 + px;
            if (++px == sw) { /* the next phase */
                px = 0;
                if (++py == sh) {
                    py = 0;
                    pz++;
                }
            }
            if (oz < 0 || oz >= od || oy < 0 || oy >= oh || ox < 0 || ox >= ow) continue;
            float *dst = yb + ((oz * oh + oy) * ow + ox) * co;
            const float *src = c + (row - r0) * ncols + (ph - ph0) * cog;
            if (accumulate) /* gradients: no bias, no activation */
                for (int64_t o = 0; o < cog; o++) dst[o] += src[o];
            else
                for (int64_t o = 0; o < cog; o++) dst[o] = tconv__act(act, bg ? src[o] + bg[o] : src[o]);
        }
    }
}

static void tile_nhwc(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__subpixel_plan *sp = &r->pl->u.subpixel;
    const struct tconv__blocks *bl = &sp->b;
    const int64_t cig = pr->cig, cog = pr->cog, phases = sp->phases;
    const int64_t kp = sp->sub.d.k * sp->sub.h.k * sp->sub.w.k * cig;
    const int64_t pos = sp->sub.out_d * sp->sub.out_h * sp->sub.out_w;
    const int64_t per_group = bl->row_tiles * bl->col_tiles, g = tile / per_group;
    const int64_t r0 = tile % per_group / bl->col_tiles * bl->rows, r1 = tconv__min(pr->n * pos, r0 + bl->rows);
    const int64_t ph0 = tile % bl->col_tiles * bl->cols, ph1 = tconv__min(phases, ph0 + bl->cols);
    const int64_t ncols = (ph1 - ph0) * cog;
    const float *a = scratch;
    int64_t lda = kp;
    float *c = scratch + (sp->a_in_place ? 0 : bl->rows * kp);
    double t0 = TCONV__CLOCK();
    if (sp->a_in_place) {
        a = r->x + r0 * pr->ci + g * cig;
        lda = pr->ci;
    } else {
        tconv__im2col_nhwc(&sp->sub, r->x, g, r0, r1, 0, kp, scratch);
        TCONV__LAP(im2col);
    }
    if (sp->b_canonical) /* HWOI: rows (ky, kx, o) are the phases (ry, rx, o) */
        tconv__sgemm(false, true, r1 - r0, ncols, kp, a, lda, r->f + ph0 * cog * pr->ci + g * cig, pr->ci, 0.0f, c,
                     ncols);
    else
        tconv__sgemm(false, false, r1 - r0, ncols, kp, a, lda, r->f + g * kp * phases * cog + ph0 * cog, phases * cog,
                     0.0f, c, ncols);
    TCONV__LAP(gemm);
    to_space_nhwc(r, g, r0, r1, ph0, ph1, c);
    TCONV__LAP(col2im);
}

static void tile_nchw(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__subpixel_plan *sp = &r->pl->u.subpixel;
    const struct tconv__blocks *bl = &sp->b;
    const int64_t cig = pr->cig, cog = pr->cog, sd = pr->d.s, sh = pr->h.s, sw = pr->w.s, phases = sp->phases;
    const int64_t kp = sp->sub.d.k * sp->sub.h.k * sp->sub.w.k * cig, qw = sp->sub.out_w, qh = sp->sub.out_h;
    const int64_t pos = sp->sub.out_d * qh * qw, in_px = pr->in_d * pr->in_h * pr->in_w;
    const int64_t b = tile / (pr->g * bl->col_tiles), g = tile / bl->col_tiles % pr->g;
    const int64_t q0 = tile % bl->col_tiles * bl->cols, q1 = tconv__min(pos, q0 + bl->cols);
    const int64_t width = q1 - q0, m = cog * phases;
    const float *x_img = in_px ? r->x + b * pr->ci * in_px : NULL;
    const float *bm = scratch;
    int64_t ldb = width;
    float *c = scratch + (sp->a_in_place ? 0 : kp * bl->cols);
    double t0 = TCONV__CLOCK();
    if (sp->a_in_place) {
        bm = x_img + g * cig * in_px + q0;
        ldb = in_px;
    } else {
        tconv__im2col_nchw(&sp->sub, x_img, g, q0, q1, 0, kp, scratch);
        TCONV__LAP(im2col);
    }
    if (sp->b_canonical) /* IOHW: columns (o, ky, kx) are the rows (o, ry, rx) */
        tconv__sgemm(true, false, m, width, kp, r->f + g * cig * m, m, bm, ldb, 0.0f, c, width);
    else
        tconv__sgemm(false, false, m, width, kp, r->f + g * m * kp, kp, bm, ldb, 0.0f, c, width);
    TCONV__LAP(gemm);
    /* depth-to-space: row (o, rz, ry, rx), position q = (qz, qy, qx) -> y[b][g*cog + o][oz][oy][ox] */
    const int64_t out_px = pr->out_d * pr->out_h * pr->out_w;
    float *y_img = r->y + b * pr->co * out_px;
    for (int64_t row = 0; row < m; row++) {
        const int64_t o = row / phases, ph = row % phases;
        const struct phase p = phase_of(pr, ph);
        const float bv = r->bias ? r->bias[g * cog + o] : 0.0f;
        float *plane = y_img + (g * cog + o) * out_px;
        int64_t qx = q0 % qw, qy = q0 / qw % qh, qz = q0 / (qw * qh); /* q's position, stepped below */
        for (int64_t q = q0; q < q1; q++) {
            const int64_t oz = (sp->qlo_d + qz) * sd + p.z - pr->d.before;
            const int64_t oy = (sp->qlo_h + qy) * sh + p.y - pr->h.before;
            const int64_t ox = (sp->qlo_w + qx) * sw + p.x - pr->w.before;
            if (++qx == qw) {
                qx = 0;
                if (++qy == qh) {
                    qy = 0;
                    qz++;
                }
            }
            if (oz < 0 || oz >= pr->out_d || oy < 0 || oy >= pr->out_h || ox < 0 || ox >= pr->out_w) continue;
            const float v = c[row * width + q - q0];
            if (r->accumulate)
                plane[(oz * pr->out_h + oy) * pr->out_w + ox] += v;
            else
                plane[(oz * pr->out_h + oy) * pr->out_w + ox] = tconv__act(pr->act, r->bias ? v + bv : v);
        }
    }
    TCONV__LAP(col2im);
}

void tconv__subpixel_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    if (r->pr->layout == TCONV_NHWC)
        tile_nhwc(r, tile, scratch, t);
    else
        tile_nchw(r, tile, scratch, t);
}

/* ---- the phase matrix ---- */

/* Kernel tap behind sub-pixel window tap j (of m) and phase r on one axis; -1 if it is a padding zero. */
static int64_t subpixel_tap(const struct tconv__axis *a, int64_t m, int64_t j, int64_t r)
{
    const int64_t t = a->s == 1 ? m - 1 - j : (m - 1 - j) * a->s + r;
    return t < a->k ? t : -1;
}

int64_t tconv__pack_subpixel_tiles(const struct tconv__plan *pl, const struct tconv__problem *pr)
{
    const struct tconv__problem *sub = &pl->u.subpixel.sub;
    return pr->g * sub->d.k * sub->h.k * sub->w.k * pr->cig;
}

/* One row u = (g, jz, jy, jx, c) of the NHWC matrix (the same elements of the NCHW one). */
void tconv__pack_subpixel_tile(const struct tconv__run *r, int64_t u, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const struct tconv__subpixel_plan *sp = &r->pl->u.subpixel;
    const int64_t md = sp->sub.d.k, mh = sp->sub.h.k, mw = sp->sub.w.k, cig = pr->cig, cog = pr->cog;
    const int64_t sd = pr->d.s, sh = pr->h.s, sw = pr->w.s;
    const int64_t kp = md * mh * mw * cig, np = sp->phases * cog;
    const int64_t g = u / kp, c = u % cig, jx = u / cig % mw, jy = u / (cig * mw) % mh, jz = u / (cig * mw * mh) % md;
    const struct tconv__fstrides ss = tconv__filter_strides(pr);
    double t0 = TCONV__CLOCK();
    for (int64_t rz = 0; rz < sd; rz++) {
        const int64_t kz = subpixel_tap(&pr->d, md, jz, rz);
        for (int64_t ry = 0; ry < sh; ry++) {
            const int64_t ky = subpixel_tap(&pr->h, mh, jy, ry);
            for (int64_t rx = 0; rx < sw; rx++) {
                const int64_t kx = subpixel_tap(&pr->w, mw, jx, rx);
                const int64_t phase = (rz * sh + ry) * sw + rx;
                const bool zero =
                    kz < 0 || ky < 0 || kx < 0; /* a padding tap of a kernel not divisible by the stride */
                const float *src =
                    zero ? r->filter : r->filter + (g * cig + c) * ss.full + kz * ss.kz + ky * ss.ky + kx * ss.kx;
                for (int64_t o = 0; o < cog; o++) {
                    const float v = zero ? 0.0f : src[o * ss.local];
                    if (pr->layout == TCONV_NHWC) /* [g][(jz, jy, jx, c)][(rz, ry, rx, o)] */
                        r->packed[u * np + phase * cog + o] = v;
                    else /* [g][(o, rz, ry, rx)][(c, jz, jy, jx)] */
                        r->packed[(g * np + o * sp->phases + phase) * kp + ((c * md + jz) * mh + jy) * mw + jx] = v;
                }
            }
        }
    }
    TCONV__LAP(pack);
}
