/*
 * resize.c - resize-convolution (tconv_resize_conv2d): upsample x by `scale`, then a conv; the
 * checkerboard-free alternative to a strided transposed conv (Odena et al. 2016).
 *
 * Nearest upsampling followed by a stride-1 conv is itself a stride-`scale` transposed conv whose
 * kernel composes the conv's: per axis, composed tap t' in [(k-1-t)*d, (k-1-t)*d + s) takes w[t].
 * That is how it runs when it is cheaper: a first stage writes the composed filter into the workspace
 * (in the layout the transposed conv's GEMM reads), then the transposed conv's plan runs, with no
 * upsampled tensor and fewer flops. Otherwise (bilinear, a strided conv, padding beyond the dilated
 * kernel, a dilation past the scale) the first stage builds the upsampled tensor and the conv's plan
 * runs on it.
 * 2-D only: the conv comes from tconv__resolve (a trivial depth axis), and the composed problem keeps it.
 */
#include <math.h>
#include <string.h>

#include "resize.h"

enum tconv_status tconv__resize_problem(const char *fn, const struct tconv_params *p, int64_t scale,
                                        struct tconv__problem *conv)
{
    struct tconv_params pu = *p; /* not NULL: tconv__check_resize */
    if (!tconv__mul(p->in_h, scale, &pu.in_h) || !tconv__mul(p->in_w, scale, &pu.in_w))
        return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn,
                           "in_h x scale = %lld x %lld or in_w x scale = %lld x %lld overflows int64_t",
                           (long long)p->in_h, (long long)scale, (long long)p->in_w, (long long)scale);
    return tconv__resolve(fn, &pu, false, conv, NULL);
}

/* The transposed axis equal to nearest x s then the stride-1 conv axis `a` (x has `small` pixels), if
   composing is possible (a->before <= (k-1)*d, so the composed crop is >= 0) and cheaper ((k-1)*d + s
   composed taps against k*s for the two steps). */
static bool composed_axis(const struct tconv__axis *a, int64_t s, int64_t small, struct tconv__axis *out)
{
    int64_t kc;
    if (a->s != 1 || a->before > (a->k - 1) * a->d || !tconv__add((a->k - 1) * a->d, s, &kc)) return false;
    if (a->k > 1 && a->d > s) return false;
    const int64_t before = (a->k - 1) * a->d - a->before;
    *out = (struct tconv__axis){.big = a->small, .small = small, .k = kc, .s = s, .d = 1, .ke = kc, .before = before};
    out->after = (small - 1) * s + kc - before - a->small;
    return true;
}

/* The composed transposed problem of conv (x of xh x xw), or false when the two steps must run. */
static bool composed_problem(const struct tconv__problem *conv, int64_t s, int64_t xh, int64_t xw,
                             struct tconv__problem *t)
{
    struct tconv__axis ah, aw;
    int64_t taps, blas_k;
    if (!composed_axis(&conv->h, s, xh, &ah) || !composed_axis(&conv->w, s, xw, &aw)) return false;
    *t = *conv;
    t->transposed = true;
    t->h = ah;
    t->w = aw;
    t->in_h = xh;
    t->in_w = xw;
    t->x_elems = conv->n * xh * xw * conv->ci; /* each partial product at most conv's: it fits */
    /* the checks resolve makes on a transposed conv's filter: it must fit memory and the BLAS's int */
    if (!tconv__mul(ah.k, aw.k, &taps) || !tconv__mul(taps, conv->ci * conv->cog, &t->f_elems) ||
        t->f_elems > INT64_MAX / 8 || !tconv__mul(taps, conv->cog, &blas_k) || blas_k > INT32_MAX)
        return false;
    t->flayout = tconv__canonical_layout(t); /* composed straight into the layout the GEMM reads */
    return true;
}

enum tconv_status tconv__resize_plan(const char *fn, const struct tconv__problem *conv, int64_t scale,
                                     enum tconv_resize mode, int64_t xh, int64_t xw, enum tconv_algorithm algo,
                                     struct tconv__resize_plan *rp)
{
    memset(rp, 0, sizeof *rp);
    rp->composed = mode == TCONV_RESIZE_NEAREST && composed_problem(conv, scale, xh, xw, &rp->exec);
    if (!rp->composed) rp->exec = *conv;
    enum tconv_status st = tconv__plan_forward(fn, &rp->exec, algo, NULL, &rp->plan);
    if (st != TCONV_OK || rp->plan.kind == TCONV__NOTHING) return st;
    if (rp->composed) {
        rp->prologue = (struct tconv__stage){tconv__resize_compose_tile, rp->exec.h.k * rp->exec.w.k,
                                             rp->exec.f_elems > TCONV__PARALLEL_ELEMS};
        rp->staged_floats = rp->exec.f_elems;
    } else {
        const int64_t planes = conv->layout == TCONV_NHWC ? conv->n : conv->n * conv->ci;
        rp->prologue = (struct tconv__stage){tconv__resize_upsample_tile, planes * conv->in_h,
                                             conv->x_elems > TCONV__PARALLEL_ELEMS};
        rp->staged_floats = conv->x_elems;
    }
    return TCONV_OK;
}

/* One composed tap (ty, tx): the sum of the conv taps whose s x s blocks, at ((k-1-ky)*d, (k-1-kx)*d),
   cover it, for every (output, input) channel pair, written in the transposed problem's layout. */
void tconv__resize_compose_tile(const struct tconv__run *r, int64_t tap, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pc = r->resize.conv, *pt = r->pr;
    const int64_t s = r->resize.scale, ty = tap / pt->w.k, tx = tap % pt->w.k;
    const struct tconv__fstrides fs = tconv__filter_strides(pc), ts = tconv__filter_strides(pt);
    float *dst = r->resize.staged;
    double t0 = TCONV__CLOCK();
    for (int64_t o = 0; o < pc->co; o++) {
        const int64_t group = o / pc->cog;
        for (int64_t c = 0; c < pc->cig; c++) {
            float v = 0.0f;
            for (int64_t ky = 0; ky < pc->h.k; ky++) {
                const int64_t y0 = (pc->h.k - 1 - ky) * pc->h.d;
                if (ty < y0 || ty >= y0 + s) continue;
                for (int64_t kx = 0; kx < pc->w.k; kx++) {
                    const int64_t x0 = (pc->w.k - 1 - kx) * pc->w.d;
                    if (tx < x0 || tx >= x0 + s) continue;
                    v += r->resize.filter[o * fs.full + c * fs.local + ky * fs.ky + kx * fs.kx];
                }
            }
            /* transposed: full axis = input channel (group*cig + c), per-group axis = output channel */
            dst[(group * pc->cig + c) * ts.full + o % pc->cog * ts.local + ty * ts.ky + tx * ts.kx] = v;
        }
    }
    TCONV__LAP(pack);
}

/* Source rows/columns and weight of one upsampled coordinate: nearest (w = 0: i0 only) or bilinear with
   half-pixel centres, the source clamped at 0 and at the last pixel. */
static void source_of(int64_t u, int64_t s, int64_t n, enum tconv_resize mode, int64_t *i0, int64_t *i1, float *w)
{
    if (mode == TCONV_RESIZE_NEAREST) {
        *i0 = u / s;
        *i1 = *i0;
        *w = 0.0f;
        return;
    }
    const float f = fmaxf(((float)u + 0.5f) / (float)s - 0.5f, 0.0f);
    *i0 = (int64_t)f;
    *i1 = *i0 + (*i0 < n - 1);
    *w = f - (float)*i0;
}

/* One row of the upsampled tensor (x's layout): row = (plane, u), a plane being an image (NHWC, the
   channels innermost) or one channel of one image (NCHW). */
void tconv__resize_upsample_tile(const struct tconv__run *r, int64_t row, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pc = r->resize.conv;
    const int64_t s = r->resize.scale, uh = pc->in_h, uw = pc->in_w, ih = uh / s, iw = uw / s;
    const int64_t depth = pc->layout == TCONV_NHWC ? pc->ci : 1;
    const int64_t plane = row / uh, u = row % uh;
    const enum tconv_resize mode = r->resize.mode;
    double t0 = TCONV__CLOCK();
    int64_t y0, y1;
    float ly;
    source_of(u, s, ih, mode, &y0, &y1, &ly);
    const float *r0 = r->resize.x + (plane * ih + y0) * iw * depth, *r1 = r->resize.x + (plane * ih + y1) * iw * depth;
    float *dst = r->resize.staged + row * uw * depth;
    for (int64_t v = 0; v < uw; v++) {
        int64_t x0, x1;
        float lx;
        source_of(v, s, iw, mode, &x0, &x1, &lx);
        const float *a = r0 + x0 * depth, *b = r0 + x1 * depth, *c = r1 + x0 * depth, *d = r1 + x1 * depth;
        float *o = dst + v * depth;
        if (mode == TCONV_RESIZE_NEAREST)
            memcpy(o, a, (size_t)depth * sizeof(float));
        else
            for (int64_t k = 0; k < depth; k++)
                o[k] = (1.0f - ly) * ((1.0f - lx) * a[k] + lx * b[k]) + ly * ((1.0f - lx) * c[k] + lx * d[k]);
    }
    TCONV__LAP(im2col);
}
