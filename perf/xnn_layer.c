/*
 * xnn_layer.c - the same layer through XNNPACK (optional comparison, built when libXNNPACK is found):
 * xnn_create_convolution2d_nhwc_f32 / xnn_create_deconvolution2d_nhwc_f32, created once (XNNPACK packs
 * the weights there), then setup + run timed, as an inference engine calls it; a pthreadpool of the
 * benchmark's threads. XNNPACK is 2-D and NHWC: 1-D layers run as H = 1, 3-D and NCHW ones are skipped.
 * The output is checked against tconv's so the two really compute the same layer.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <pthreadpool.h>
#include <xnnpack.h>

#include "xnn_layer.h"
#include "timing.h"

#define XNN_MAX_REPS 64

/* The layer as 2-D: rank 1 is H = 1 (axis 0 of the 2-D arrays is h). */
struct layer2d {
    size_t n, ih, iw, kh, kw, sh, sw, dh, dw, oh, ow;
    size_t top, bottom, left, right, adj_h, adj_w; /* conv: padding; transposed: crops and the extra rows */
};

static int as_2d(bool tr, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g, struct layer2d *l)
{
    const int a = p->rank == 2 ? 0 : -1; /* index of h in p's arrays, -1: h is 1 */
#define AX(field, def) (a < 0 ? (def) : (size_t)p->field[a])
    *l = (struct layer2d){.n = (size_t)p->batch,
                          .ih = AX(in, 1),
                          .iw = (size_t)p->in[p->rank - 1],
                          .kh = AX(kernel, 1),
                          .kw = (size_t)p->kernel[p->rank - 1],
                          .sh = AX(stride, 1),
                          .sw = (size_t)p->stride[p->rank - 1],
                          .dh = AX(dilation, 1),
                          .dw = (size_t)p->dilation[p->rank - 1],
                          .oh = a < 0 ? 1 : (size_t)g->out[0],
                          .ow = (size_t)g->out[p->rank - 1]};
#undef AX
    const int64_t before_h = a < 0 ? 0 : g->pad_before[0], after_h = a < 0 ? 0 : g->pad_after[0];
    const int64_t before_w = g->pad_before[p->rank - 1], after_w = g->pad_after[p->rank - 1];
    if (before_h < 0 || before_w < 0) return -1;
    l->top = (size_t)before_h;
    l->left = (size_t)before_w;
    /* transposed: a negative crop at the end is XNNPACK's adjustment (output_padding), below the stride */
    l->bottom = after_h > 0 ? (size_t)after_h : 0;
    l->right = after_w > 0 ? (size_t)after_w : 0;
    l->adj_h = after_h < 0 ? (size_t)-after_h : 0;
    l->adj_w = after_w < 0 ? (size_t)-after_w : 0;
    if (!tr && (l->adj_h || l->adj_w)) return -1;
    return l->adj_h >= l->sh || l->adj_w >= l->sw ? -1 : 0;
}

double xnn_layer_time(bool tr, const struct tconv_nd_params *p, const float *x, const float *w, const float *bias,
                      const float *y_tconv, int reps, int threads, char *err, size_t errlen)
{
    struct tconv_nd_geometry g;
    struct layer2d l;
    if (p->rank == 3 || p->layout != TCONV_NHWC || p->filter_layout != TCONV_FILTER_DEFAULT) {
        snprintf(err, errlen, "XNNPACK runs 1-D and 2-D NHWC layers with tconv's default filters only");
        return -1.0;
    }
    if ((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(p, &g) != TCONV_OK || as_2d(tr, p, &g, &l)) {
        snprintf(err, errlen, "XNNPACK has no spelling of this layer's padding");
        return -1.0;
    }
    if (xnn_initialize(NULL) != xnn_status_success) {
        snprintf(err, errlen, "xnn_initialize failed");
        return -1.0;
    }
    const size_t G = (size_t)p->groups, ci = (size_t)p->in_channels, co = (size_t)p->out_channels;
    const size_t cig = ci / G, cog = co / G, taps = l.kh * l.kw, ny = l.n * l.oh * l.ow * co;
    const float lo = p->activation == TCONV_ACTIVATION_RELU ? 0.0f : -INFINITY;
    double result = -1.0, t[XNN_MAX_REPS];
    float *wx = malloc(G * cog * taps * cig * sizeof(float)), *y = malloc((ny ? ny : 1) * sizeof(float));
    pthreadpool_t pool = pthreadpool_create((size_t)threads);
    xnn_operator_t op = NULL;
    enum xnn_status s;
    /* XNNPACK's weights: [g][o][kh][kw][i] for both ops; tconv's HWIO (conv) or HWOI (transposed) */
    for (size_t gg = 0; gg < G; gg++)
        for (size_t o = 0; o < cog; o++)
            for (size_t tp = 0; tp < taps; tp++)
                for (size_t i = 0; i < cig; i++)
                    wx[((gg * cog + o) * taps + tp) * cig + i] =
                        tr ? w[(tp * cog + o) * ci + gg * cig + i] : w[(tp * cig + i) * co + gg * cog + o];
    if (tr)
        s = xnn_create_deconvolution2d_nhwc_f32((uint32_t)l.top, (uint32_t)l.right, (uint32_t)l.bottom,
                                                (uint32_t)l.left, (uint32_t)l.kh, (uint32_t)l.kw, (uint32_t)l.sh,
                                                (uint32_t)l.sw, (uint32_t)l.dh, (uint32_t)l.dw, (uint32_t)G, cig, cog,
                                                ci, co, wx, bias, lo, INFINITY, 0, &op);
    else
        s = xnn_create_convolution2d_nhwc_f32((uint32_t)l.top, (uint32_t)l.right, (uint32_t)l.bottom, (uint32_t)l.left,
                                              (uint32_t)l.kh, (uint32_t)l.kw, (uint32_t)l.sh, (uint32_t)l.sw,
                                              (uint32_t)l.dh, (uint32_t)l.dw, (uint32_t)G, cig, cog, ci, co, wx, bias,
                                              lo, INFINITY, 0, &op);
    if (s != xnn_status_success || !wx || !y) {
        snprintf(err, errlen, "xnn_create_%sconvolution2d_nhwc_f32: status %d", tr ? "de" : "", (int)s);
        goto done;
    }
    if (reps > XNN_MAX_REPS) reps = XNN_MAX_REPS;
    for (int i = -1; i < reps; i++) { /* one warm-up */
        const double t0 = bench_now();
        s = tr ? xnn_setup_deconvolution2d_nhwc_f32(op, l.n, l.ih, l.iw, (uint32_t)l.adj_h, (uint32_t)l.adj_w, x, y,
                                                    pool)
               : xnn_setup_convolution2d_nhwc_f32(op, l.n, l.ih, l.iw, x, y, pool);
        if (s == xnn_status_success) s = xnn_run_operator(op, pool);
        if (s != xnn_status_success) {
            snprintf(err, errlen, "XNNPACK setup / run: status %d", (int)s);
            goto done;
        }
        if (i >= 0) t[i] = bench_now() - t0;
    }
    for (size_t i = 0; i < ny; i++)
        if (fabsf(y[i] - y_tconv[i]) > 1e-3f + 1e-3f * fabsf(y_tconv[i])) {
            snprintf(err, errlen, "XNNPACK and tconv differ at %zu: %g vs %g", i, y[i], y_tconv[i]);
            result = PEER_DIFFERS;
            goto done;
        }
    qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
    result = t[reps / 2];
done:
    if (op) xnn_delete_operator(op);
    if (pool) pthreadpool_destroy(pool);
    free(wx);
    free(y);
    return result;
}
