/*
 * verdict.c - the overlap map's verdict, why and fix (see verdict.h).
 *
 * Per axis, tap t of the kernel lands on full-result position i*s + t*d, which is output o = i*s + t*d - c
 * for begin crop c: output phase r = (t*d - c) mod s. Away from the edges of x every such pixel gets one
 * landing per tap of its phase; the 2-D count is the product of the two axes' counts.
 */
#include "verdict.h"

#include <stdbool.h>

#include "plural.h"

static int64_t gcd(int64_t a, int64_t b)
{
    while (b) {
        const int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* The smallest period of a->taps[0, s) (a divisor of s). */
static int64_t smallest_period(const struct verdict_axis *a)
{
    for (int64_t period = 1; period < a->stride; period++) {
        if (a->stride % period) continue;
        bool repeats = true;
        for (int64_t r = 0; r + period < a->stride && repeats; r++) repeats = a->taps[r] == a->taps[r + period];
        if (repeats) return period;
    }
    return a->stride;
}

void verdict_axis(int64_t k, int64_t s, int64_t d, int64_t c, struct verdict_axis *a)
{
    a->stride = s;
    for (int64_t r = 0; r < s; r++) a->taps[r] = 0;
    /* the phases of taps t and t + s/gcd(s, d) agree: one period of taps, each counted with its repeats */
    const int64_t rep = s / gcd(s, d % s);
    for (int64_t t = 0; t < k && t < rep; t++) {
        const int64_t r = ((t % s) * (d % s) % s - c % s + 2 * s) % s;
        a->taps[r] += (k - 1 - t) / rep + 1;
    }
    a->min = a->taps[0];
    a->max = a->taps[0];
    for (int64_t r = 1; r < s; r++) {
        a->min = a->taps[r] < a->min ? a->taps[r] : a->min;
        a->max = a->taps[r] > a->max ? a->taps[r] : a->max;
    }
    a->period = smallest_period(a);
}

void verdict_judge(const struct tconv_params *p, const struct tconv_geometry *g, const int32_t *map, struct verdict *v)
{
    v->pixels = g->out_h * g->out_w;
    v->fewer = 0;
    if (p->stride_h > VERDICT_MAX_STRIDE || p->stride_w > VERDICT_MAX_STRIDE) {
        v->kind = VERDICT_UNANALYSED;
        return;
    }
    verdict_axis(p->kernel_h, p->stride_h, p->dilation_h, g->pad_top, &v->h);
    verdict_axis(p->kernel_w, p->stride_w, p->dilation_w, g->pad_left, &v->w);
    v->lo = v->h.min * v->w.min;
    v->hi = v->h.max * v->w.max;
    v->kind = v->lo == v->hi ? VERDICT_UNIFORM : v->lo == 0 ? VERDICT_HOLES : VERDICT_CHECKERBOARD;
    for (int64_t y = 0; y < g->out_h; y++) { /* taps[] count from the crop already (verdict_axis) */
        const int64_t th = v->h.taps[y % p->stride_h];
        for (int64_t x = 0; x < g->out_w; x++) v->fewer += map[y * g->out_w + x] < th * v->w.taps[x % p->stride_w];
    }
}

static void print_verdict_line(FILE *f, const struct verdict *v)
{
    const long long lo = (long long)v->lo, hi = (long long)v->hi;
    if (v->kind == VERDICT_UNIFORM)
        fprintf(f, "verdict: uniform: %lld tap%s on every output pixel away from the edges of x", lo, plural(lo));
    else if (v->kind == VERDICT_HOLES)
        fprintf(f,
                "verdict: holes: the taps per pixel vary from 0 to %lld with a period of %lldx%lld pixels; some "
                "output pixels get no input at all",
                hi, (long long)v->h.period, (long long)v->w.period);
    else
        fprintf(f,
                "verdict: checkerboard: %lld to %lld taps per pixel (max/min %.2f) with a period of %lldx%lld pixels",
                lo, hi, (double)hi / (double)lo, (long long)v->h.period, (long long)v->w.period);
    if (v->fewer)
        fprintf(f, "; %lld of the %lld pixel%s, near the edges, get%s fewer", (long long)v->fewer, (long long)v->pixels,
                plural(v->pixels), v->fewer == 1 ? "s" : "");
    fprintf(f, "\n");
}

/* Per uneven axis: its taps split unevenly over the stride's output phases. */
static void print_why(FILE *f, const struct tconv_params *p, const struct verdict *v)
{
    const struct {
        const char *name, *lines;
        int64_t k, d;
        const struct verdict_axis *a;
    } ax[2] = {{"height", "rows", p->kernel_h, p->dilation_h, &v->h},
               {"width", "columns", p->kernel_w, p->dilation_w, &v->w}};
    fprintf(f, "why:");
    for (int i = 0, n = 0; i < 2; i++)
        if (ax[i].a->min != ax[i].a->max)
            fprintf(f, "%s %s: %lld tap%s (dilation %lld) over stride %lld reach%s the output %s %lld to %lld times",
                    n++ ? ";" : "", ax[i].name, (long long)ax[i].k, plural(ax[i].k), (long long)ax[i].d,
                    (long long)ax[i].a->stride, ax[i].k == 1 ? "es" : "", ax[i].lines, (long long)ax[i].a->min,
                    (long long)ax[i].a->max);
    fprintf(f, ". The kernel does not spread evenly over the stride: the checkerboard of Odena et al., "
               "\"Deconvolution and Checkerboard Artifacts\" (2016).\n");
}

/* The next kernel that spreads evenly (dilation 1): a multiple of the stride. */
static int64_t even_kernel(int64_t k, const struct verdict_axis *a)
{
    return a->min == a->max ? k : (k / a->stride + 1) * a->stride;
}

void verdict_print(FILE *f, const struct tconv_params *p, const struct verdict *v)
{
    if (v->kind == VERDICT_UNANALYSED) {
        fprintf(f, "verdict: (strides over %d: no pattern analysis)\n", VERDICT_MAX_STRIDE);
        return;
    }
    print_verdict_line(f, v);
    if (v->kind == VERDICT_UNIFORM) {
        fprintf(f,
                "why: the kernel (%lldx%lld) spreads evenly over the stride (%lldx%lld): every output phase gets the "
                "same number of taps.\n",
                (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w);
        return;
    }
    print_why(f, p, v);
    char scale[48];
    if (p->stride_h == p->stride_w)
        snprintf(scale, sizeof scale, "%lld", (long long)p->stride_h);
    else
        snprintf(scale, sizeof scale, "%lld,%lld", (long long)p->stride_h, (long long)p->stride_w);
    fprintf(f,
            "fix: a kernel that is a multiple of the stride (%lldx%lld here, with dilation 1), resize-convolution "
            "(nearest x%s then a stride-1 conv: tconv_resize_conv2d), or tconv_bilinear_filter as the initial "
            "weights.\n",
            (long long)even_kernel(p->kernel_h, &v->h), (long long)even_kernel(p->kernel_w, &v->w), scale);
}
