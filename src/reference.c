/*
 * reference.c - the naive oracles the fast paths are tested against. Written for obviousness,
 * not speed, and independent of the lowering: conv2d is the textbook direct loop nest; the
 * transposed conv is the scatter seed 003's answer draws - every input pixel times the whole
 * kernel, overlaid at the stride into the full (uncropped) result, which is then cropped; the
 * gradients are direct loops; resize-convolution builds the upsampled tensor, then the direct conv.
 * All accumulate in double and round once. They share the validated problem (geometry.c) and the
 * filter indexing with the fast paths: tests/torch_oracle.py checks those against PyTorch.
 */
#include <math.h>
#include <stdint.h>

#include "reference.h"

/* Spatial positions are (z, y, x) on the axes (d, h, w); a 2-D problem has z = 0 only. */
static int64_t x_index(const struct tconv__problem *pr, int64_t b, int64_t c, int64_t iz, int64_t iy, int64_t ix)
{
    return pr->layout == TCONV_NHWC ? (((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w + ix) * pr->ci + c
                                    : (((b * pr->ci + c) * pr->in_d + iz) * pr->in_h + iy) * pr->in_w + ix;
}

static int64_t y_index(const struct tconv__problem *pr, int64_t b, int64_t c, int64_t oz, int64_t oy, int64_t ox)
{
    return pr->layout == TCONV_NHWC ? (((b * pr->out_d + oz) * pr->out_h + oy) * pr->out_w + ox) * pr->co + c
                                    : (((b * pr->co + c) * pr->out_d + oz) * pr->out_h + oy) * pr->out_w + ox;
}

/* Big position of small index i and tap t on axis a, and whether it lies inside the big side. */
static bool big_pos(const struct tconv__axis *a, int64_t i, int64_t t, int64_t *p)
{
    *p = i * a->s + t * a->d - a->before;
    return *p >= 0 && *p < a->big;
}

static float finish(const struct tconv__problem *pr, double acc, const float *bias, int64_t o)
{
    if (bias) acc += bias[o];
    if (pr->act == TCONV_ACTIVATION_RELU && acc < 0.0) acc = 0.0;
    return (float)acc;
}

static void conv_direct(const struct tconv__problem *pr, const float *x, const float *w, const float *bias, float *y)
{
    const struct tconv__axis *dd = &pr->d, *h = &pr->h, *wd = &pr->w;
    for (int64_t b = 0; b < pr->n; b++)
        for (int64_t o = 0; o < pr->co; o++) {
            const int64_t g = o / pr->cog;
            for (int64_t oz = 0; oz < pr->out_d; oz++)
                for (int64_t oy = 0; oy < pr->out_h; oy++)
                    for (int64_t ox = 0; ox < pr->out_w; ox++) {
                        double acc = 0.0;
                        for (int64_t c = 0; c < pr->cig; c++)
                            for (int64_t kz = 0, iz; kz < dd->k; kz++) {
                                if (!big_pos(dd, oz, kz, &iz)) continue;
                                for (int64_t ky = 0, iy; ky < h->k; ky++) {
                                    if (!big_pos(h, oy, ky, &iy)) continue;
                                    for (int64_t kx = 0, ix; kx < wd->k; kx++) {
                                        if (!big_pos(wd, ox, kx, &ix)) continue;
                                        acc += (double)x[x_index(pr, b, g * pr->cig + c, iz, iy, ix)] *
                                               (double)w[tconv__filter_index(pr, o, c, kz, ky, kx)];
                                    }
                                }
                            }
                        y[y_index(pr, b, o, oz, oy, ox)] = finish(pr, acc, bias, o);
                    }
        }
}

/* One output channel volume at a time, in double: every input pixel scatters the whole kernel to
   full-result position i*s + t*d, which lands on y at that minus the crop pb when inside y. (Only the
   cropped volume is held: the full result can be far larger than y, e.g. under a large explicit crop.) */
static enum tconv_status transpose_scatter(const char *fn, const struct tconv__problem *pr, const float *x,
                                           const float *w, const float *bias, float *y)
{
    const struct tconv__axis *dd = &pr->d, *h = &pr->h, *wd = &pr->w;
    const int64_t cells = pr->out_d * pr->out_h * pr->out_w; /* <= INT_MAX: checked by resolve */
    double *plane = tconv__alloc((size_t)cells * sizeof(double));
    if (!plane)
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate the reference's output plane (%lld x %lld)",
                           (long long)pr->out_h, (long long)pr->out_w);
    for (int64_t b = 0; b < pr->n; b++)
        for (int64_t o = 0; o < pr->co; o++) {
            const int64_t g = o / pr->cog, ol = o % pr->cog;
            for (int64_t t = 0; t < cells; t++) plane[t] = 0.0;
            for (int64_t i = g * pr->cig; i < (g + 1) * pr->cig && pr->x_elems > 0; i++) /* (empty x: bias only) */
                for (int64_t iz = 0; iz < pr->in_d; iz++)
                    for (int64_t iy = 0; iy < pr->in_h; iy++)
                        for (int64_t ix = 0; ix < pr->in_w; ix++) {
                            const double v = x[x_index(pr, b, i, iz, iy, ix)];
                            for (int64_t kz = 0, oz; kz < dd->k; kz++) { /* pb >= 0 in every mode */
                                if (!big_pos(dd, iz, kz, &oz)) continue;
                                for (int64_t ky = 0, oy; ky < h->k; ky++) {
                                    if (!big_pos(h, iy, ky, &oy)) continue;
                                    for (int64_t kx = 0, ox; kx < wd->k; kx++) {
                                        if (!big_pos(wd, ix, kx, &ox)) continue;
                                        plane[(oz * pr->out_h + oy) * pr->out_w + ox] +=
                                            v * (double)w[tconv__filter_index(pr, i, ol, kz, ky, kx)];
                                    }
                                }
                            }
                        }
            for (int64_t oz = 0; oz < pr->out_d; oz++)
                for (int64_t oy = 0; oy < pr->out_h; oy++)
                    for (int64_t ox = 0; ox < pr->out_w; ox++)
                        y[y_index(pr, b, o, oz, oy, ox)] =
                            finish(pr, plane[(oz * pr->out_h + oy) * pr->out_w + ox], bias, o);
        }
    tconv__free(plane);
    return TCONV_OK;
}

enum tconv_status tconv__reference_run(const char *fn, const struct tconv__problem *pr, const float *x,
                                       const float *filter, const float *bias, float *y)
{
    if (!pr->transposed) {
        conv_direct(pr, x, filter, bias, y);
        return TCONV_OK;
    }
    return transpose_scatter(fn, pr, x, filter, bias, y);
}

/* ---- gradients: direct loops in double, written for obviousness ---- */

static enum tconv_status grad_data(const char *fn, const struct tconv__problem *pr, const float *dy, const float *w,
                                   float *dx)
{
    const struct tconv__axis *dd = &pr->d, *h = &pr->h, *wd = &pr->w;
    if (!pr->transposed) { /* conv: scatter every dy element back through every tap */
        double *acc = tconv__alloc((size_t)pr->x_elems * sizeof(double));
        if (!acc) return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate the reference's dx");
        for (int64_t i = 0; i < pr->x_elems; i++) acc[i] = 0.0;
        for (int64_t b = 0; b < pr->n; b++)
            for (int64_t o = 0; o < pr->co; o++) {
                const int64_t g = o / pr->cog;
                for (int64_t oz = 0; oz < pr->out_d; oz++)
                    for (int64_t oy = 0; oy < pr->out_h; oy++)
                        for (int64_t ox = 0; ox < pr->out_w; ox++) {
                            const double v = dy[y_index(pr, b, o, oz, oy, ox)];
                            for (int64_t c = 0; c < pr->cig; c++)
                                for (int64_t kz = 0; kz < dd->k; kz++)
                                    for (int64_t ky = 0; ky < h->k; ky++)
                                        for (int64_t kx = 0; kx < wd->k; kx++) {
                                            int64_t iz, iy, ix;
                                            if (!big_pos(dd, oz, kz, &iz) || !big_pos(h, oy, ky, &iy) ||
                                                !big_pos(wd, ox, kx, &ix))
                                                continue;
                                            acc[x_index(pr, b, g * pr->cig + c, iz, iy, ix)] +=
                                                v * (double)w[tconv__filter_index(pr, o, c, kz, ky, kx)];
                                        }
                        }
            }
        for (int64_t i = 0; i < pr->x_elems; i++) dx[i] = (float)acc[i];
        tconv__free(acc);
        return TCONV_OK;
    }
    /* transposed: dx (the small side) gathers dy over every tap, a plain conv */
    for (int64_t b = 0; b < pr->n; b++)
        for (int64_t i = 0; i < pr->ci; i++) {
            const int64_t g = i / pr->cig;
            for (int64_t iz = 0; iz < pr->in_d; iz++)
                for (int64_t iy = 0; iy < pr->in_h; iy++)
                    for (int64_t ix = 0; ix < pr->in_w; ix++) {
                        double acc = 0.0;
                        for (int64_t o = 0; o < pr->cog; o++)
                            for (int64_t kz = 0; kz < dd->k; kz++)
                                for (int64_t ky = 0; ky < h->k; ky++)
                                    for (int64_t kx = 0; kx < wd->k; kx++) {
                                        int64_t oz, oy, ox;
                                        if (!big_pos(dd, iz, kz, &oz) || !big_pos(h, iy, ky, &oy) ||
                                            !big_pos(wd, ix, kx, &ox))
                                            continue;
                                        acc += (double)dy[y_index(pr, b, g * pr->cog + o, oz, oy, ox)] *
                                               (double)w[tconv__filter_index(pr, i, o, kz, ky, kx)];
                                    }
                        dx[x_index(pr, b, i, iz, iy, ix)] = (float)acc;
                    }
        }
    return TCONV_OK;
}

/* The value of (input, output gradient) pixel pair for small position (sz, sy, sx) and big (bz, by, bx). */
static double pair(const struct tconv__problem *pr, const float *x, const float *dy, int64_t b, int64_t cin,
                   int64_t cout, const int64_t s[3], const int64_t g[3])
{
    return pr->transposed
               ? (double)x[x_index(pr, b, cin, s[0], s[1], s[2])] * (double)dy[y_index(pr, b, cout, g[0], g[1], g[2])]
               : (double)x[x_index(pr, b, cin, g[0], g[1], g[2])] * (double)dy[y_index(pr, b, cout, s[0], s[1], s[2])];
}

/* dW of every weight: the sum over the batch and the pixels of (input value) x (output gradient). */
static void grad_filter(const struct tconv__problem *pr, const float *x, const float *dy, float *dw)
{
    const struct tconv__axis *dd = &pr->d, *h = &pr->h, *wd = &pr->w;
    const int64_t nfull = pr->transposed ? pr->ci : pr->co, nlocal = pr->transposed ? pr->cog : pr->cig;
    for (int64_t f = 0; f < nfull; f++)
        for (int64_t l = 0; l < nlocal; l++)
            for (int64_t kz = 0; kz < dd->k; kz++)
                for (int64_t ky = 0; ky < h->k; ky++)
                    for (int64_t kx = 0; kx < wd->k; kx++) {
                        /* conv: f = output channel o, l = input channel in o's group; transposed: f = input
                           channel i, l = output channel in i's group. Both: small index s, big index
                           s*stride + k*d - pb. */
                        const int64_t g = pr->transposed ? f / pr->cig : f / pr->cog;
                        const int64_t cin = pr->transposed ? f : g * pr->cig + l,
                                      cout = pr->transposed ? g * pr->cog + l : f;
                        double acc = 0.0;
                        int64_t sp[3], bp[3];
                        for (int64_t b = 0; b < pr->n; b++)
                            for (sp[0] = 0; sp[0] < dd->small; sp[0]++)
                                for (sp[1] = 0; sp[1] < h->small; sp[1]++)
                                    for (sp[2] = 0; sp[2] < wd->small; sp[2]++) {
                                        if (!big_pos(dd, sp[0], kz, &bp[0]) || !big_pos(h, sp[1], ky, &bp[1]) ||
                                            !big_pos(wd, sp[2], kx, &bp[2]))
                                            continue;
                                        acc += pair(pr, x, dy, b, cin, cout, sp, bp);
                                    }
                        dw[tconv__filter_index(pr, f, l, kz, ky, kx)] = (float)acc;
                    }
}

enum tconv_status tconv__reference_grad(const char *fn, const struct tconv__problem *pr, enum tconv__grad what,
                                        const float *a, const float *b, float *out)
{
    switch (what) {
    case TCONV__GRAD_DATA: return grad_data(fn, pr, a, b, out);
    case TCONV__GRAD_FILTER: grad_filter(pr, a, b, out); return TCONV_OK;
    default:
        for (int64_t o = 0; o < pr->co; o++) {
            double acc = 0.0;
            for (int64_t n = 0; n < pr->n; n++)
                for (int64_t oz = 0; oz < pr->out_d; oz++)
                    for (int64_t oy = 0; oy < pr->out_h; oy++)
                        for (int64_t ox = 0; ox < pr->out_w; ox++) acc += a[y_index(pr, n, o, oz, oy, ox)];
            out[o] = (float)acc;
        }
        return TCONV_OK;
    }
}

/* ---- resize-convolution: the two steps ---- */

/* Upsampled coordinate u of an axis of n pixels, scale s: nearest takes pixel floor(u/s); bilinear with
   half-pixel centres reads (u + 0.5)/s - 0.5, clamped to [0, n-1], between its two neighbours. */
static double upsampled(const double *line, int64_t n, int64_t s, int64_t u, enum tconv_resize mode, int64_t stride)
{
    if (mode == TCONV_RESIZE_NEAREST) return line[u / s * stride];
    double src = ((double)u + 0.5) / (double)s - 0.5;
    if (src < 0) src = 0;
    const int64_t i0 = (int64_t)floor(src), i1 = i0 + 1 < n ? i0 + 1 : n - 1;
    const double w = src - (double)i0;
    return (1.0 - w) * line[i0 * stride] + w * line[i1 * stride];
}

enum tconv_status tconv__reference_resize(const char *fn, const struct tconv__problem *conv, int64_t scale,
                                          enum tconv_resize mode, const float *x, const float *filter,
                                          const float *bias, float *y)
{
    const int64_t uh = conv->in_h, uw = conv->in_w, ih = uh / scale, iw = uw / scale;
    const int64_t half_n = uh * iw; /* doubles of one channel upsampled along h only */
    float *up = tconv__alloc((size_t)conv->x_elems * sizeof(float));
    double *col = tconv__alloc((size_t)tconv__max(ih, 1) * sizeof(double));
    double *half = tconv__alloc((size_t)tconv__max(half_n, 1) * sizeof(double));
    if (!up || !col || !half) {
        tconv__free(up);
        tconv__free(col);
        tconv__free(half);
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate the reference's upsampled input");
    }
    /* separably, one (image, channel) plane at a time: first along h, then along w */
    const struct tconv__problem small = {
        .layout = conv->layout, .n = conv->n, .ci = conv->ci, .in_d = 1, .in_h = ih, .in_w = iw};
    for (int64_t b = 0; b < conv->n; b++)
        for (int64_t c = 0; c < conv->ci; c++) {
            for (int64_t ix = 0; ix < iw; ix++) {
                for (int64_t iy = 0; iy < ih; iy++) col[iy] = x[x_index(&small, b, c, 0, iy, ix)];
                for (int64_t u = 0; u < uh; u++) half[u * iw + ix] = upsampled(col, ih, scale, u, mode, 1);
            }
            for (int64_t u = 0; u < uh; u++)
                for (int64_t v = 0; v < uw; v++)
                    up[x_index(conv, b, c, 0, u, v)] = (float)upsampled(half + u * iw, iw, scale, v, mode, 1);
        }
    tconv__free(col);
    tconv__free(half);
    const enum tconv_status st = tconv__reference_run(fn, conv, up, filter, bias, y);
    tconv__free(up);
    return st;
}
