#define _POSIX_C_SOURCE 200809L /* clock_gettime */
/*
 * bench.c - tconv's benchmark: named real layers (or one from the command line), each timed
 * through tconv and against the same-shape sgemm bound measured in the same run.
 *
 *   tconv_bench [--quick] [--csv] [--filter SUBSTR] [--reps N] [--threads N]
 *               [--algorithm auto|gemm|subpixel|direct] [--no-dnnl] [--list] [--layer SPEC]
 *
 * Per layer: the algorithm tconv ran, median time, GFLOP/s of tconv, of the sgemm bound (one
 * cblas_sgemm of the lowering's own M x N x K over the whole batch, per group), of the naive
 * reference (small layers), the ratio tconv / bound, oneDNN's GFLOP/s and the ratio tconv / oneDNN
 * (when built with oneDNN), the workspace bytes, and where the time went (pack + im2col, gemm,
 * col2im / depth-to-space / direct loops, separate bias + activation). Progress goes to stderr.
 * tconv runs with a caller-provided workspace, so the timed calls allocate nothing.
 *
 * --quick runs every layer at batch 1 once, checks the output is finite and agrees with the
 * reference on the small ones: the smoke run in `meson test`, so the benchmark never rots.
 *
 * SPEC: "tr|conv N H W CIN COUT K S PAD [groups=G] [dil=D] [nchw] [relu]", PAD = SAME|VALID|pP.
 *
 * --resize times tconv_resize_conv2d (upsample x s, then a conv) against the two steps a user would
 * otherwise write: materialise the upsampled tensor, then tconv_conv2d_ex on it (same run, alternating).
 */
#include <cblas.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tconv.h"
#if TCONV_BENCH_DNNL
#include "dnnl_layer.h"
#endif

struct layer {
    const char *name;
    bool tr;
    struct tconv_params p;
};

#define L(n, t, ...)                                                                                                   \
    {                                                                                                                  \
        n, t, { .groups = 1, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__ }             \
    }
#define SQ(h, ci, co, k, s)                                                                                            \
    .in_h = h, .in_w = h, .in_channels = ci, .out_channels = co, .kernel_h = k, .kernel_w = k, .stride_h = s,          \
    .stride_w = s
#define PADN(n) .padding = TCONV_PADDING_EXPLICIT, .pad_top = n, .pad_bottom = n, .pad_left = n, .pad_right = n

static const struct layer suite[] = {
    /* DCGAN generator, batch 64 */
    L("dcgan:tconv1 1x1x100->4x4x512", true, .batch = 64, SQ(1, 100, 512, 4, 1)),
    L("dcgan:tconv2 4->8 512->256", true, .batch = 64, SQ(4, 512, 256, 4, 2), PADN(1)),
    L("dcgan:tconv3 8->16 256->128", true, .batch = 64, SQ(8, 256, 128, 4, 2), PADN(1)),
    L("dcgan:tconv4 16->32 128->64", true, .batch = 64, SQ(16, 128, 64, 4, 2), PADN(1)),
    L("dcgan:tconv5 32->64 64->3", true, .batch = 64, SQ(32, 64, 3, 4, 2), PADN(1)),
    /* U-Net up-convolutions, k2 s2 */
    L("unet:up1 28->56 512->256", true, .batch = 1, SQ(28, 512, 256, 2, 2)),
    L("unet:up2 56->112 256->128", true, .batch = 1, SQ(56, 256, 128, 2, 2)),
    /* FCN upsampling of 21 classes */
    L("fcn:2x 16->32 k4 s2", true, .batch = 1, SQ(16, 21, 21, 4, 2), PADN(1)),
    L("fcn-8s:8x 64->512 k16 s8", true, .batch = 1, SQ(64, 21, 21, 16, 8), PADN(4)),
    L("fcn-32s:32x 16->512 k64 s32", true, .batch = 1, SQ(16, 21, 21, 64, 32), PADN(16)),
    /* the TF seed layer */
    L("seed001:tconv 7->14 256->128 SAME", true, .batch = 64, SQ(7, 256, 128, 3, 2), .padding = TCONV_PADDING_SAME),
    /* super-resolution 3x3 s1 */
    L("sr:tconv 3x3 s1 128x128x64", true, .batch = 1, SQ(128, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
    /* depthwise 4x4 s2 upsampling */
    L("dw:tconv 4x4 s2 32ch", true, .batch = 8, SQ(32, 32, 32, 4, 2), .groups = 32, PADN(1)),
    /* convolutions */
    L("seed001:conv 14->4 k3 s3 VALID", false, .batch = 64, SQ(14, 128, 256, 3, 3)),
    L("resnet:3x3 56x56x64 b1", false, .batch = 1, SQ(56, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:3x3 56x56x64 b8", false, .batch = 8, SQ(56, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:3x3 28x28x128 b1", false, .batch = 1, SQ(28, 128, 128, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:3x3 28x28x128 b8", false, .batch = 8, SQ(28, 128, 128, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:1x1 56x56 256->64 b8", false, .batch = 8, SQ(56, 256, 64, 1, 1)),
    L("dw:conv 3x3 56x56x64", false, .batch = 8, SQ(56, 64, 64, 3, 1), .groups = 64, .padding = TCONV_PADDING_SAME),
};

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Median seconds of reps runs of fn(ctx) after one warm-up. */
static double median_time(void (*fn)(void *), void *ctx, int reps)
{
    double t[64];
    if (reps > 64) reps = 64;
    if (reps < 1) reps = 1;
    fn(ctx);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        fn(ctx);
        t[i] = now() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, cmp_double);
    return reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
}

/* Medians of reps alternating runs of fa and fb, after one warm-up of each. */
static void median_pair(void (*fa)(void *), void *a, void (*fb)(void *), void *b, int reps, double *ta, double *tb)
{
    double x[64], y[64];
    if (reps > 64) reps = 64;
    if (reps < 1) reps = 1;
    fa(a), fb(b);
    for (int i = 0; i < reps; i++) {
        double t0 = now();
        fa(a);
        double t1 = now();
        fb(b);
        x[i] = t1 - t0, y[i] = now() - t1;
    }
    qsort(x, (size_t)reps, sizeof *x, cmp_double);
    qsort(y, (size_t)reps, sizeof *y, cmp_double);
    *ta = reps % 2 ? x[reps / 2] : 0.5 * (x[reps / 2 - 1] + x[reps / 2]);
    *tb = reps % 2 ? y[reps / 2] : 0.5 * (y[reps / 2 - 1] + y[reps / 2]);
}

struct run {
    const struct layer *l;
    const float *x, *f, *b;
    float *y;
    void *ws;
    size_t ws_bytes;
    struct tconv_options opt;
    enum tconv_status st;
    bool reference;
};

static void run_op(void *c)
{
    struct run *r = c;
    const struct tconv_params *p = &r->l->p;
    if (r->reference)
        r->st = (r->l->tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference)(p, r->x, r->f, r->b, r->y);
    else
        r->st = (r->l->tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(p, r->x, r->f, r->b, r->y, r->ws, r->ws_bytes,
                                                                         &r->opt);
}

struct gemm {
    int m, n, k, groups;
    float *a, *b, *c;
};

static void run_gemm(void *c)
{
    struct gemm *g = c;
    for (int i = 0; i < g->groups; i++)
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, g->m, g->n, g->k, 1.0f, g->a, g->k, g->b, g->n, 0.0f,
                    g->c, g->n);
}

static void fill(float *a, int64_t n, uint64_t seed)
{
    for (int64_t i = 0; i < n; i++) {
        seed = seed * 6364136223846793005ull + 1442695040888963407ull;
        a[i] = (float)((seed >> 40) & 0xffff) / 32768.0f - 1.0f;
    }
}

static bool parse_layer(const char *spec, struct layer *l)
{
    char op[8], pad[16], rest[128] = "";
    long long n, h, w, ci, co, k, s;
    if (sscanf(spec, "%7s %lld %lld %lld %lld %lld %lld %lld %15s %127[^\n]", op, &n, &h, &w, &ci, &co, &k, &s, pad,
               rest) < 9)
        return false;
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = n, p.in_h = h, p.in_w = w, p.in_channels = ci, p.out_channels = co;
    p.kernel_h = p.kernel_w = k, p.stride_h = p.stride_w = s;
    if (!strcmp(pad, "SAME"))
        p.padding = TCONV_PADDING_SAME;
    else if (!strcmp(pad, "VALID"))
        p.padding = TCONV_PADDING_VALID;
    else if (pad[0] == 'p') {
        p.padding = TCONV_PADDING_EXPLICIT;
        p.pad_top = p.pad_bottom = p.pad_left = p.pad_right = atoll(pad + 1);
    } else
        return false;
    for (char *t = strtok(rest, " "); t; t = strtok(NULL, " ")) {
        if (!strncmp(t, "groups=", 7))
            p.groups = atoll(t + 7);
        else if (!strncmp(t, "dil=", 4))
            p.dilation_h = p.dilation_w = atoll(t + 4);
        else if (!strcmp(t, "nchw"))
            p.layout = TCONV_NCHW;
        else if (!strcmp(t, "relu"))
            p.activation = TCONV_ACTIVATION_RELU;
        else
            return false;
    }
    l->name = "command line";
    l->tr = !strcmp(op, "tr");
    l->p = p;
    return !strcmp(op, "tr") || !strcmp(op, "conv");
}

static void print_spec(const struct layer *l)
{
    const struct tconv_params *p = &l->p;
    char pad[24];
    if (p->padding == TCONV_PADDING_SAME)
        snprintf(pad, sizeof pad, "SAME");
    else if (p->padding == TCONV_PADDING_VALID)
        snprintf(pad, sizeof pad, "VALID");
    else
        snprintf(pad, sizeof pad, "p%lld", (long long)p->pad_top);
    printf("%s\t%s %lld %lld %lld %lld %lld %lld %lld %s", l->name, l->tr ? "tr" : "conv", (long long)p->batch,
           (long long)p->in_h, (long long)p->in_w, (long long)p->in_channels, (long long)p->out_channels,
           (long long)p->kernel_h, (long long)p->stride_h, pad);
    if (p->groups > 1) printf(" groups=%lld", (long long)p->groups);
    if (p->dilation_h > 1) printf(" dil=%lld", (long long)p->dilation_h);
    if (p->layout == TCONV_NCHW) printf(" nchw");
    printf("\n");
}

/* ---- backward rows (--backward): the data and filter gradients of the layer ---- */

struct grad_run {
    const struct layer *l;
    bool filter;
    const float *a, *b;
    float *out;
    void *ws;
    size_t ws_bytes;
    struct tconv_options opt;
    enum tconv_status st;
};

static void run_grad(void *c)
{
    struct grad_run *g = c;
    const struct tconv_params *p = &g->l->p;
    if (g->filter)
        g->st = (g->l->tr ? tconv_conv2d_transpose_backward_filter_ex
                          : tconv_conv2d_backward_filter_ex)(p, g->a, g->b, g->out, g->ws, g->ws_bytes, &g->opt);
    else
        g->st = (g->l->tr ? tconv_conv2d_transpose_backward_data_ex
                          : tconv_conv2d_backward_data_ex)(p, g->a, g->b, g->out, g->ws, g->ws_bytes, &g->opt);
}

/* The gradient's own GEMM over the whole batch, per group: the data gradient is the adjoint op's
   forward GEMM; the filter gradient reduces over every pixel of the small side. */
static int bench_backward(const struct layer *l, const float *x, const float *f, const float *dy, int reps,
                          const struct tconv_options *base, bool csv)
{
    const struct tconv_params *p = &l->p;
    struct tconv_geometry g;
    (l->tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(p, &g);
    const int64_t cig = p->in_channels / p->groups, cog = p->out_channels / p->groups, taps = p->kernel_h * p->kernel_w;
    const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels, nf = taps * cig * p->out_channels;
    const int64_t small_px = p->batch * (l->tr ? p->in_h * p->in_w : g.out_h * g.out_w);
    const double flops = 2.0 * (double)small_px * (double)taps * (double)cig * (double)p->out_channels;
    int failures = 0;
    for (int k = 0; k < 2; k++) {
        const bool filter = k == 1;
        /* conv problem of the lowering: (in, out) channels per group of the conv side */
        const int64_t ci_c = l->tr ? cog : cig, co_c = l->tr ? cig : cog;
        struct gemm gm = {.groups = (int)p->groups};
        /* the small side's pixels are M of every one of these GEMMs (K of the filter gradient's) */
        if (filter)
            gm.m = (int)(taps * ci_c), gm.n = (int)co_c, gm.k = (int)small_px;
        else if (l->tr)
            gm.m = (int)small_px, gm.n = (int)co_c, gm.k = (int)(taps * ci_c); /* the adjoint conv */
        else
            gm.m = (int)small_px, gm.n = (int)(taps * ci_c), gm.k = (int)co_c; /* the adjoint transposed conv */
        gm.a = malloc((size_t)gm.m * gm.k * 4), gm.b = malloc((size_t)gm.k * gm.n * 4),
        gm.c = malloc((size_t)gm.m * gm.n * 4);
        fill(gm.a, (int64_t)gm.m * gm.k, 6), fill(gm.b, (int64_t)gm.k * gm.n, 7);
        float *out = malloc((size_t)(filter ? nf : nx) * 4);
        struct grad_run gr = {l, filter, filter ? x : dy, filter ? dy : f, out, NULL, 0, *base, TCONV_OK};
        gr.opt.profile = NULL;
        const enum tconv_op op =
            filter ? (l->tr ? TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER : TCONV_OP_CONV2D_BACKWARD_FILTER)
                   : (l->tr ? TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA : TCONV_OP_CONV2D_BACKWARD_DATA);
        if (tconv_workspace_size(op, p, base, &gr.ws_bytes) != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l->name, tconv_last_error());
            failures++;
        } else {
            gr.ws = malloc(gr.ws_bytes ? gr.ws_bytes : 1);
            double t, tb;
            median_pair(run_grad, &gr, run_gemm, &gm, reps, &t, &tb);
            struct tconv_profile prof;
            gr.opt.profile = &prof;
            run_grad(&gr);
            if (gr.st != TCONV_OK) {
                fprintf(stderr, "%s: %s\n", l->name, tconv_last_error());
                failures++;
            }
            const double gf = flops / t * 1e-9, gb = flops / tb * 1e-9, tot = prof.total > 0 ? prof.total : 1;
            char name[96];
            snprintf(name, sizeof name, "%s [%s]", l->name, filter ? "bwd filter" : "bwd data");
            if (csv)
                printf("\"%s\",%s,%s,%d,%.4f,%.2f,%.2f,%.3f,nan,nan,nan,%zu,%.1f,%.1f,%.1f,%.1f,\n", name,
                       filter ? "backward_filter" : "backward_data", tconv_algorithm_name(prof.algorithm), prof.threads,
                       t * 1e3, gf, gb, gf / gb, gr.ws_bytes, 100 * (prof.pack + prof.im2col) / tot,
                       100 * prof.gemm / tot, 100 * prof.col2im / tot, 100 * prof.epilogue / tot);
            else
                printf("%-34s %-8s %3d %9.3f %8.1f %8.1f %6.3f %7s %8s %6s %8.2f  %3.0f/%3.0f/%3.0f/%3.0f\n", name,
                       tconv_algorithm_name(prof.algorithm), prof.threads, t * 1e3, gf, gb, gf / gb, "", "", "",
                       (double)gr.ws_bytes / 1048576.0, 100 * (prof.pack + prof.im2col) / tot, 100 * prof.gemm / tot,
                       100 * prof.col2im / tot, 100 * prof.epilogue / tot);
            fflush(stdout);
            free(gr.ws);
        }
        free(out), free(gm.a), free(gm.b), free(gm.c);
    }
    return failures;
}

/* ---- resize-convolution rows (--resize) ---- */

struct resize_layer {
    const char *name;
    int64_t scale;
    enum tconv_resize mode;
    struct tconv_params p; /* the conv on the upsampled tensor; in_h/in_w are x's */
};

#define RL(n, s, m, ...)                                                                                               \
    {                                                                                                                  \
        n, s, m,                                                                                                       \
        {                                                                                                              \
            .groups = 1, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1,                               \
            .padding = TCONV_PADDING_SAME, __VA_ARGS__                                                                 \
        }                                                                                                              \
    }
static const struct resize_layer resize_suite[] = {
    RL("gan:nearest x2 16->32 256->128 k3", 2, TCONV_RESIZE_NEAREST, .batch = 8, SQ(16, 256, 128, 3, 1)),
    RL("seg:nearest x2 28->56 128->64 k3", 2, TCONV_RESIZE_NEAREST, .batch = 4, SQ(28, 128, 64, 3, 1)),
    RL("sr:nearest x2 64->128 64->64 k3", 2, TCONV_RESIZE_NEAREST, .batch = 1, SQ(64, 64, 64, 3, 1)),
    RL("sr:nearest x4 32->128 32->32 k5", 4, TCONV_RESIZE_NEAREST, .batch = 1, SQ(32, 32, 32, 5, 1)),
    RL("seg:bilinear x2 28->56 128->64 k3", 2, TCONV_RESIZE_BILINEAR, .batch = 4, SQ(28, 128, 64, 3, 1)),
};

struct resize_run {
    const struct resize_layer *l;
    struct tconv_params big; /* p with the upsampled input size */
    const float *x, *f, *b;
    float *up, *y;
    void *ws;
    size_t ws_bytes;
    struct tconv_options opt;
    enum tconv_status st;
};

static void run_resize(void *c)
{
    struct resize_run *r = c;
    r->st = tconv_resize_conv2d(&r->l->p, r->l->scale, r->l->mode, r->x, r->f, r->b, r->y);
}

/* The two steps: nearest or bilinear (half-pixel, clamped) upsampling of NHWC x, then tconv_conv2d_ex. */
static void run_two_step(void *c)
{
    struct resize_run *r = c;
    const struct tconv_params *p = &r->l->p;
    const int64_t s = r->l->scale, H = p->in_h * s, W = p->in_w * s, C = p->in_channels;
    for (int64_t n = 0; n < p->batch; n++)
        for (int64_t oy = 0; oy < H; oy++)
            for (int64_t ox = 0; ox < W; ox++) {
                float *dst = r->up + ((n * H + oy) * W + ox) * C;
                if (r->l->mode == TCONV_RESIZE_NEAREST) {
                    memcpy(dst, r->x + ((n * p->in_h + oy / s) * p->in_w + ox / s) * C, (size_t)C * 4);
                    continue;
                }
                const double fy = fmax(0.0, (oy + 0.5) / (double)s - 0.5), fx = fmax(0.0, (ox + 0.5) / (double)s - 0.5);
                const int64_t y0 = (int64_t)fy, x0 = (int64_t)fx;
                const int64_t y1 = y0 + 1 < p->in_h ? y0 + 1 : y0, x1 = x0 + 1 < p->in_w ? x0 + 1 : x0;
                const float wy = (float)(fy - (double)y0), wx = (float)(fx - (double)x0);
                const float *a = r->x + ((n * p->in_h + y0) * p->in_w + x0) * C;
                const float *b = r->x + ((n * p->in_h + y0) * p->in_w + x1) * C;
                const float *cc = r->x + ((n * p->in_h + y1) * p->in_w + x0) * C;
                const float *d = r->x + ((n * p->in_h + y1) * p->in_w + x1) * C;
                for (int64_t k = 0; k < C; k++)
                    dst[k] = (1 - wy) * ((1 - wx) * a[k] + wx * b[k]) + wy * ((1 - wx) * cc[k] + wx * d[k]);
            }
    r->st = tconv_conv2d_ex(&r->big, r->up, r->f, r->b, r->y, r->ws, r->ws_bytes, &r->opt);
}

static int bench_resize(bool quick, bool csv, const char *filter, int reps, const struct tconv_options *base)
{
    int failures = 0;
    const int n = (int)(sizeof resize_suite / sizeof *resize_suite);
    if (csv)
        printf("layer,mode,scale,threads,ms,two_step_ms,speedup,gflops_of_two_step,upsampled_bytes\n");
    else
        printf("%-36s %9s %12s %8s %14s %10s\n", "resize-conv layer", "ms", "two-step ms", "speedup", "GFLOP/s (2st)",
               "up MB");
    for (int i = 0; i < n; i++) {
        struct resize_layer l = resize_suite[i];
        if (filter && !strstr(l.name, filter)) continue;
        fprintf(stderr, "[%d/%d] %s\n", i + 1, n, l.name);
        if (quick) l.p.batch = 1;
        struct resize_run r = {.l = &l, .big = l.p, .opt = *base};
        r.big.in_h *= l.scale, r.big.in_w *= l.scale;
        struct tconv_geometry g;
        if (tconv_conv2d_geometry(&r.big, &g) != TCONV_OK ||
            tconv_conv2d_workspace_size_ex(&r.big, base, &r.ws_bytes) != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
            failures++;
            continue;
        }
        const struct tconv_params *p = &l.p;
        const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels, nup = nx * l.scale * l.scale;
        const int64_t ny = p->batch * g.out_h * g.out_w * p->out_channels;
        const int64_t nf = p->kernel_h * p->kernel_w * p->in_channels * p->out_channels;
        float *x = malloc((size_t)nx * 4), *f = malloc((size_t)nf * 4), *b = malloc((size_t)p->out_channels * 4);
        float *y1 = malloc((size_t)ny * 4), *y2 = malloc((size_t)ny * 4), *up = malloc((size_t)nup * 4);
        fill(x, nx, 11), fill(f, nf, 12), fill(b, p->out_channels, 13);
        r.x = x, r.f = f, r.b = b, r.up = up, r.ws = malloc(r.ws_bytes ? r.ws_bytes : 1);
        struct resize_run r2 = r;
        r.y = y1, r2.y = y2;
        const double flops = 2.0 * (double)ny * (double)(p->kernel_h * p->kernel_w * p->in_channels);
        double t = 0, t2 = 0;
        median_pair(run_resize, &r, run_two_step, &r2, reps ? reps : quick ? 1 : (flops > 5e9 ? 7 : 15), &t, &t2);
        if (r.st != TCONV_OK || r2.st != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
            failures++;
        }
        for (int64_t k = 0; k < ny; k++)
            if (!(fabsf(y1[k] - y2[k]) <= 1e-3f + 1e-4f * fabsf(y2[k]))) {
                fprintf(stderr, "%s: resize_conv2d %g vs two steps %g at %lld\n", l.name, y1[k], y2[k], (long long)k);
                failures++;
                break;
            }
        struct tconv_profile prof;
        r2.opt.profile = &prof;
        run_two_step(&r2);
        if (csv)
            printf("\"%s\",%s,%lld,%d,%.4f,%.4f,%.3f,%.2f,%lld\n", l.name,
                   l.mode == TCONV_RESIZE_NEAREST ? "nearest" : "bilinear", (long long)l.scale, prof.threads, t * 1e3,
                   t2 * 1e3, t2 / t, flops / t2 * 1e-9, (long long)(nup * 4));
        else
            printf("%-36s %9.3f %12.3f %7.2fx %14.1f %10.2f\n", l.name, t * 1e3, t2 * 1e3, t2 / t, flops / t2 * 1e-9,
                   (double)nup * 4 / 1048576.0);
        fflush(stdout);
        free(x), free(f), free(b), free(y1), free(y2), free(up), free(r.ws);
    }
    return failures;
}

static const char usage[] =
    "usage: tconv_bench [--quick] [--csv] [--filter SUBSTR] [--reps N] [--threads N]\n"
    "                   [--algorithm auto|gemm|subpixel|direct] [--no-dnnl] [--backward] [--resize] [--list]\n"
    "                   [--layer SPEC]\n"
    "SPEC: \"tr|conv N H W CIN COUT K S PAD [groups=G] [dil=D] [nchw] [relu]\", PAD = SAME|VALID|pP\n";

int main(int argc, char **argv)
{
    bool quick = false, csv = false, use_dnnl = true, list = false, backward = false, resize = false;
    const char *filter = NULL;
    int reps = 0;
    struct tconv_options base = TCONV_OPTIONS_INIT;
    struct layer one;
    const struct layer *layers = suite;
    int nlayers = (int)(sizeof suite / sizeof *suite);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--quick"))
            quick = true;
        else if (!strcmp(a, "--csv"))
            csv = true;
        else if (!strcmp(a, "--no-dnnl"))
            use_dnnl = false;
        else if (!strcmp(a, "--list"))
            list = true;
        else if (!strcmp(a, "--backward"))
            backward = true;
        else if (!strcmp(a, "--resize"))
            resize = true;
        else if (!strcmp(a, "--filter") && v)
            filter = v, i++;
        else if (!strcmp(a, "--reps") && v)
            reps = atoi(v), i++;
        else if (!strcmp(a, "--threads") && v)
            base.num_threads = atoi(v), i++;
        else if (!strcmp(a, "--algorithm") && v) {
            const char *names[4] = {"auto", "gemm", "subpixel", "direct"};
            int k = 0;
            while (k < 4 && strcmp(v, names[k])) k++;
            if (k == 4) {
                fprintf(stderr, "tconv_bench: unknown algorithm '%s'\n%s", v, usage);
                return 2;
            }
            base.algorithm = (enum tconv_algorithm)k, i++;
        } else if (!strcmp(a, "--layer") && v) {
            if (!parse_layer(v, &one)) {
                fprintf(stderr, "tconv_bench: bad --layer '%s'\n%s", v, usage);
                return 2;
            }
            layers = &one, nlayers = 1, i++;
        } else {
            fprintf(stderr, "%s", usage);
            return strcmp(a, "--help") ? 2 : 0;
        }
    }
    if (list) {
        for (int i = 0; i < nlayers; i++) print_spec(&layers[i]);
        return 0;
    }
#if !TCONV_BENCH_DNNL
    use_dnnl = false;
#endif
    if (quick) use_dnnl = false;
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    fprintf(stderr, "tconv %s, OPENBLAS_CORETYPE=%s, threads %d%s\n", tconv_version(), coretype ? coretype : "(unset)",
            base.num_threads, base.num_threads ? "" : " (default)");
    if (resize) {
        const int fails = bench_resize(quick, csv, filter, reps, &base);
        if (fails) fprintf(stderr, "%d failure(s)\n", fails);
        return fails ? 1 : 0;
    }
    if (csv)
        printf("layer,op,algorithm,threads,ms,gflops,bound_gflops,ratio,ref_gflops,dnnl_gflops,dnnl_ratio,"
               "workspace_bytes,pack_im2col_pct,gemm_pct,col2im_pct,epilogue_pct,dnnl_impl\n");
    else
        printf("%-34s %-8s %3s %9s %8s %8s %6s %7s %8s %6s %8s  %s\n", "layer", "algo", "thr", "ms", "GFLOP/s", "sgemm",
               "ratio", "ref", "oneDNN", "/dnnl", "ws MB", "im2col/gemm/col2im/epi %");
    int failures = 0;
    for (int li = 0; li < nlayers; li++) {
        struct layer l = layers[li];
        if (filter && !strstr(l.name, filter)) continue;
        fprintf(stderr, "[%d/%d] %s\n", li + 1, nlayers, l.name);
        if (quick) l.p.batch = 1;
        struct tconv_geometry g;
        enum tconv_status st = l.tr ? tconv_conv2d_transpose_geometry(&l.p, &g) : tconv_conv2d_geometry(&l.p, &g);
        if (st != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
            failures++;
            continue;
        }
        const struct tconv_params *p = &l.p;
        const int64_t cig = p->in_channels / p->groups, cog = p->out_channels / p->groups;
        const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels;
        const int64_t ny = p->batch * g.out_h * g.out_w * p->out_channels;
        const int64_t nf = p->kernel_h * p->kernel_w * cig * p->out_channels;
        const int64_t small_px = p->batch * (l.tr ? p->in_h * p->in_w : g.out_h * g.out_w);
        const double flops =
            2.0 * (double)small_px * (double)p->kernel_h * (double)p->kernel_w * (double)cig * (double)p->out_channels;
        float *x = malloc((size_t)nx * 4), *f = malloc((size_t)nf * 4), *b = malloc((size_t)p->out_channels * 4);
        float *y = malloc((size_t)ny * 4), *yr = malloc((size_t)ny * 4);
        fill(x, nx, 1), fill(f, nf, 2), fill(b, p->out_channels, 3);
        const int r = reps ? reps : quick ? 1 : (flops > 5e9 ? 7 : 15);

        struct run run = {&l, x, f, b, y, NULL, 0, base, TCONV_OK, false};
        st =
            (l.tr ? tconv_conv2d_transpose_workspace_size_ex : tconv_conv2d_workspace_size_ex)(p, &base, &run.ws_bytes);
        if (st != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
            failures++;
            free(x), free(f), free(b), free(y), free(yr);
            continue;
        }
        run.ws = malloc(run.ws_bytes ? run.ws_bytes : 1);
        /* the sgemm bound: the lowering's GEMM over the whole batch, one call per group */
        struct gemm gm;
        gm.groups = (int)p->groups;
        gm.m = (int)small_px;
        gm.n = (int)(l.tr ? p->kernel_h * p->kernel_w * cog : cog);
        gm.k = (int)(l.tr ? cig : p->kernel_h * p->kernel_w * cig);
        gm.a = malloc((size_t)gm.m * gm.k * 4), gm.b = malloc((size_t)gm.k * gm.n * 4);
        gm.c = malloc((size_t)gm.m * gm.n * 4);
        fill(gm.a, (int64_t)gm.m * gm.k, 4), fill(gm.b, (int64_t)gm.k * gm.n, 5);
        /* tconv and the bound alternate, so both see the same machine */
        double t = 0, tb = 0;
        median_pair(run_op, &run, run_gemm, &gm, r, &t, &tb);
        free(gm.a), free(gm.b), free(gm.c);
        if (run.st != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
            failures++;
        }
        /* where the time goes: the median of three profiled runs */
        struct tconv_profile prof[3];
        for (int i = 0; i < 3; i++) {
            run.opt.profile = &prof[i];
            run_op(&run);
        }
        run.opt.profile = NULL;
        struct tconv_profile pm = prof[0];
        for (int i = 1; i < 3; i++)
            if ((prof[i].total - prof[0].total) * (prof[i].total - prof[3 - i].total) <= 0) pm = prof[i];
        for (int64_t i = 0; i < ny; i++)
            if (!isfinite(y[i])) {
                fprintf(stderr, "%s: non-finite output at %lld\n", l.name, (long long)i);
                failures++;
                break;
            }
        /* the naive reference, on small layers; in --quick it also checks tconv's output */
        double tref = NAN;
        if (flops < (quick ? 1e8 : 3e8)) {
            struct run rr = run;
            rr.reference = true, rr.y = yr;
            tref = median_time(run_op, &rr, quick ? 1 : 3);
            for (int64_t i = 0; i < ny; i++)
                if (fabsf(y[i] - yr[i]) > 1e-3f + 1e-4f * fabsf(yr[i])) {
                    fprintf(stderr, "%s: tconv %g vs reference %g at %lld\n", l.name, y[i], yr[i], (long long)i);
                    failures++;
                    break;
                }
        }
        double tdnnl = NAN;
        char impl[128] = "";
#if TCONV_BENCH_DNNL
        if (use_dnnl) {
            char err[256];
            tdnnl = dnnl_layer_time(l.tr, p, x, f, b, y, r, impl, sizeof impl, err, sizeof err);
            if (tdnnl < 0) {
                fprintf(stderr, "%s: oneDNN: %s\n", l.name, err);
                tdnnl = NAN;
            }
        }
#endif
        const double gf = flops / t * 1e-9, gb = flops / tb * 1e-9, gr = flops / tref * 1e-9, gd = flops / tdnnl * 1e-9;
        const double tot = pm.total > 0 ? pm.total : 1.0;
        const double pi = 100 * (pm.pack + pm.im2col) / tot, pg = 100 * pm.gemm / tot, pc = 100 * pm.col2im / tot,
                     pe = 100 * pm.epilogue / tot;
        if (csv)
            printf("\"%s\",%s,%s,%d,%.4f,%.2f,%.2f,%.3f,%.3f,%.2f,%.3f,%zu,%.1f,%.1f,%.1f,%.1f,%s\n", l.name,
                   l.tr ? "conv2d_transpose" : "conv2d", tconv_algorithm_name(pm.algorithm), pm.threads, t * 1e3, gf,
                   gb, gf / gb, gr, gd, gf / gd, run.ws_bytes, pi, pg, pc, pe, impl);
        else
            printf("%-34s %-8s %3d %9.3f %8.1f %8.1f %6.3f %7.2f %8.1f %6.2f %8.2f  %3.0f/%3.0f/%3.0f/%3.0f\n", l.name,
                   tconv_algorithm_name(pm.algorithm), pm.threads, t * 1e3, gf, gb, gf / gb, gr, gd, gf / gd,
                   (double)run.ws_bytes / 1048576.0, pi, pg, pc, pe);
        fflush(stdout);
        if (backward) failures += bench_backward(&l, x, f, y, r, &base, csv);
        free(x), free(f), free(b), free(y), free(yr), free(run.ws);
    }
    if (failures) fprintf(stderr, "%d failure(s)\n", failures);
    return failures ? 1 : 0;
}
