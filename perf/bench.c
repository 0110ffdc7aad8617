#define _GNU_SOURCE /* getopt_long, clock_gettime, strtok_r */
/*
 * bench.c - tconv's benchmark: named real layers (or one from the command line), each timed
 * through tconv and against the same-shape sgemm bound measured in the same run.
 *
 *   tconv_bench [--quick] [--csv] [--filter SUBSTR] [--reps N] [--threads N]
 *               [--algorithm auto|gemm|subpixel|direct] [--no-dnnl] [--backward] [--resize] [--list]
 *               [--layer SPEC]        (getopt_long: --opt=value works too; integers are checked whole)
 *
 * Per layer: the algorithm tconv ran, median time, GFLOP/s of tconv, of the sgemm bound (one
 * cblas_sgemm of the lowering's own M x N x K over the whole batch, per group), of the naive
 * reference (small layers), the ratio tconv / bound, oneDNN's GFLOP/s and the ratio tconv / oneDNN
 * (when built with oneDNN), XNNPACK's likewise, the workspace bytes, and where the time went (pack + im2col, gemm,
 * col2im / depth-to-space / direct loops, separate bias + activation). Progress goes to stderr.
 * tconv runs with a caller-provided workspace, so the timed calls allocate nothing.
 * Two tconv times, each in the same cache state as what it is compared with: against the bound, runs
 * alternating with the sgemm's (the ms column); against the peers, which time their runs back to back
 * (warm caches), tconv's own runs back to back (CSV peer_basis_ms). A memory-bound layer whose tensors
 * fit the last-level cache runs up to 2x faster warm.
 *
 * --quick runs every layer at batch 1 once, checks the output is finite and agrees with the
 * reference on the small ones: the smoke run in `meson test`, so the benchmark never rots.
 *
 * SPEC: "tr|conv N H W CIN COUT K S PAD [groups=G] [dil=D] [op=P] [nchw] [relu]", PAD = SAME|VALID|pP;
 * tr1|conv1 N W ... for 1-D, tr3|conv3 N D H W ... for 3-D (sizes, kernel, stride, padding the same on
 * every axis; op = output_padding). The layers run through the N-D API (rank 2 = the 2-D API's bits).
 *
 * --resize times tconv_resize_conv2d (upsample x s, then a conv) against the two steps a user would
 * otherwise write: materialise the upsampled tensor, then tconv_conv2d_ex on it (same run, alternating).
 */
#include <cblas.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "tconv.h"
#include "timing.h"
#if TCONV_BENCH_DNNL
#include "dnnl_layer.h"
#endif
#if TCONV_BENCH_XNNPACK
#include "xnn_layer.h"
#endif
#if TCONV_BENCH_CORENAME
char *openblas_get_corename(void); /* OpenBLAS: the kernels it runs (Haswell, SkylakeX, ...) */
#endif

/* Timed runs per layer at most (the median buffers' size). */
#define BENCH_MAX_REPS 64
/* Words of a --layer SPEC: at most eleven fields (rank 3) and five options. */
#define LAYER_MAX_WORDS 16

struct layer {
    const char *name;
    bool tr;
    struct tconv_nd_params p; /* rank 2 rows are bitwise the 2-D API's calls */
};

/* A row of rank r: the 2-D defaults on every axis, then the row's own fields. */
#define L(n, t, r, ...)                                                                                                \
    {                                                                                                                  \
        n, t, { .rank = r, .groups = 1, .stride = {1, 1, 1}, .dilation = {1, 1, 1}, __VA_ARGS__ }                      \
    }
/* Square (rank 2), cubic (rank 3) or 1-D sizes: in, channels, kernel and stride the same on every axis. */
#define SQ(h, ci, co, k, s) .in = {h, h}, .in_channels = ci, .out_channels = co, .kernel = {k, k}, .stride = {s, s}
#define CUBE(d, ci, co, k, s)                                                                                          \
    .in = {d, d, d}, .in_channels = ci, .out_channels = co, .kernel = {k, k, k}, .stride = {s, s, s}
#define LINE(w, ci, co, k, s) .in = {w}, .in_channels = ci, .out_channels = co, .kernel = {k}, .stride = {s}
#define PADN(n)               .padding = TCONV_PADDING_EXPLICIT, .pad_before = {n, n, n}, .pad_after = {n, n, n}

static const struct layer suite[] = {
    /* DCGAN generator, batch 64 */
    L("dcgan:tconv1 1x1x100->4x4x512", true, 2, .batch = 64, SQ(1, 100, 512, 4, 1)),
    L("dcgan:tconv2 4->8 512->256", true, 2, .batch = 64, SQ(4, 512, 256, 4, 2), PADN(1)),
    L("dcgan:tconv3 8->16 256->128", true, 2, .batch = 64, SQ(8, 256, 128, 4, 2), PADN(1)),
    L("dcgan:tconv4 16->32 128->64", true, 2, .batch = 64, SQ(16, 128, 64, 4, 2), PADN(1)),
    L("dcgan:tconv5 32->64 64->3", true, 2, .batch = 64, SQ(32, 64, 3, 4, 2), PADN(1)),
    /* U-Net up-convolutions, k2 s2 */
    L("unet:up1 28->56 512->256", true, 2, .batch = 1, SQ(28, 512, 256, 2, 2)),
    L("unet:up2 56->112 256->128", true, 2, .batch = 1, SQ(56, 256, 128, 2, 2)),
    /* FCN upsampling of 21 classes */
    L("fcn:2x 16->32 k4 s2", true, 2, .batch = 1, SQ(16, 21, 21, 4, 2), PADN(1)),
    L("fcn-8s:8x 64->512 k16 s8", true, 2, .batch = 1, SQ(64, 21, 21, 16, 8), PADN(4)),
    L("fcn-32s:32x 16->512 k64 s32", true, 2, .batch = 1, SQ(16, 21, 21, 64, 32), PADN(16)),
    /* the TF seed layer */
    L("seed001:tconv 7->14 256->128 SAME", true, 2, .batch = 64, SQ(7, 256, 128, 3, 2), .padding = TCONV_PADDING_SAME),
    /* super-resolution 3x3 s1 */
    L("sr:tconv 3x3 s1 128x128x64", true, 2, .batch = 1, SQ(128, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
    /* depthwise 4x4 s2 upsampling */
    L("dw:tconv 4x4 s2 32ch", true, 2, .batch = 8, SQ(32, 32, 32, 4, 2), .groups = 32, PADN(1)),
    /* convolutions */
    L("seed001:conv 14->4 k3 s3 VALID", false, 2, .batch = 64, SQ(14, 128, 256, 3, 3)),
    L("resnet:3x3 56x56x64 b1", false, 2, .batch = 1, SQ(56, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:3x3 56x56x64 b8", false, 2, .batch = 8, SQ(56, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:3x3 28x28x128 b1", false, 2, .batch = 1, SQ(28, 128, 128, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:3x3 28x28x128 b8", false, 2, .batch = 8, SQ(28, 128, 128, 3, 1), .padding = TCONV_PADDING_SAME),
    L("resnet:1x1 56x56 256->64 b8", false, 2, .batch = 8, SQ(56, 256, 64, 1, 1)),
    L("dw:conv 3x3 56x56x64", false, 2, .batch = 8, SQ(56, 64, 64, 3, 1), .groups = 64, .padding = TCONV_PADDING_SAME),
    /* 1-D: HiFi-GAN V1's upsampling (ConvTranspose1d, padding (k - s) / 2) and a k7 conv at 512 channels */
    L("hifigan:up1 1d 32->256 512->256", true, 1, .batch = 16, LINE(32, 512, 256, 16, 8), PADN(4)),
    L("hifigan:up2 1d 256->2048 256->128", true, 1, .batch = 16, LINE(256, 256, 128, 16, 8), PADN(4)),
    L("hifigan:up3 1d 2048->4096 128->64", true, 1, .batch = 16, LINE(2048, 128, 64, 4, 2), PADN(1)),
    L("hifigan:conv1d k7 32x512", false, 1, .batch = 16, LINE(32, 512, 512, 7, 1), PADN(3)),
    /* 3-D: U-Net / V-Net decoders (ConvTranspose3d k2 s2; k3 s2 p1 output_padding 1) and a 3x3x3 conv */
    L("unet3d:up1 16->32 256->128", true, 3, .batch = 1, CUBE(16, 256, 128, 2, 2)),
    L("unet3d:up2 32->64 128->64", true, 3, .batch = 1, CUBE(32, 128, 64, 2, 2)),
    L("vnet3d:tconv 3x3x3 s2 16->32 64->32", true, 3, .batch = 1, CUBE(16, 64, 32, 3, 2), PADN(1),
      .output_padding = {1, 1, 1}),
    L("vnet3d:conv 3x3x3 32^3x64", false, 3, .batch = 1, CUBE(32, 64, 64, 3, 1), .padding = TCONV_PADDING_SAME),
};

/* The product of the first rank entries of v: a layer's pixels or taps. */
static int64_t prod(const int64_t *v, int rank)
{
    int64_t n = 1;
    for (int i = 0; i < rank; i++) n *= v[i];
    return n;
}

static enum tconv_status layer_geometry(const struct layer *l, struct tconv_nd_geometry *g)
{
    return (l->tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&l->p, g);
}

/* "conv1d_transpose" ... "conv3d": the op's name for the CSV. */
static const char *op_name(const struct layer *l)
{
    static const char *const names[2][TCONV_MAX_RANK] = {{"conv1d", "conv2d", "conv3d"},
                                                         {"conv1d_transpose", "conv2d_transpose", "conv3d_transpose"}};
    return names[l->tr][l->p.rank - 1];
}

/* Median seconds of reps runs of fn(ctx) after one warm-up. */
static double median_time(void (*fn)(void *), void *ctx, int reps)
{
    double t[BENCH_MAX_REPS];
    if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
    if (reps < 1) reps = 1;
    fn(ctx);
    for (int i = 0; i < reps; i++) {
        double t0 = bench_now();
        fn(ctx);
        t[i] = bench_now() - t0;
    }
    qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
    return reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
}

/* Medians of reps alternating runs of fa and fb, after one warm-up of each. */
static void median_pair(void (*fa)(void *), void *a, void (*fb)(void *), void *b, int reps, double *ta, double *tb)
{
    double x[BENCH_MAX_REPS], y[BENCH_MAX_REPS];
    if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
    if (reps < 1) reps = 1;
    fa(a);
    fb(b);
    for (int i = 0; i < reps; i++) {
        double t0 = bench_now();
        fa(a);
        double t1 = bench_now();
        fb(b);
        x[i] = t1 - t0;
        y[i] = bench_now() - t1;
    }
    qsort(x, (size_t)reps, sizeof *x, bench_cmp_double);
    qsort(y, (size_t)reps, sizeof *y, bench_cmp_double);
    *ta = reps % 2 ? x[reps / 2] : 0.5 * (x[reps / 2 - 1] + x[reps / 2]);
    *tb = reps % 2 ? y[reps / 2] : 0.5 * (y[reps / 2 - 1] + y[reps / 2]);
}

/* The median of reps runs of fa back to back, after one warm-up: how the peers time theirs. */
static double median_alone(void (*fa)(void *), void *a, int reps)
{
    double x[BENCH_MAX_REPS];
    if (reps > BENCH_MAX_REPS) reps = BENCH_MAX_REPS;
    if (reps < 1) reps = 1;
    fa(a);
    for (int i = 0; i < reps; i++) {
        double t0 = bench_now();
        fa(a);
        x[i] = bench_now() - t0;
    }
    qsort(x, (size_t)reps, sizeof *x, bench_cmp_double);
    return reps % 2 ? x[reps / 2] : 0.5 * (x[reps / 2 - 1] + x[reps / 2]);
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
    const struct tconv_operator *op; /* --operator: runs of it (filter packed at create) */
};

static void run_op(void *c)
{
    struct run *r = c;
    const struct tconv_nd_params *p = &r->l->p;
    if (r->op)
        r->st = tconv_operator_run(r->op, p->batch, r->x, r->y, r->ws, r->ws_bytes);
    else if (r->reference)
        r->st = (r->l->tr ? tconv_convnd_transpose_reference : tconv_convnd_reference)(p, r->x, r->f, r->b, r->y);
    else
        r->st = (r->l->tr ? tconv_convnd_transpose_ex : tconv_convnd_ex)(p, r->x, r->f, r->b, r->y, r->ws, r->ws_bytes,
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

/* A whole int64 in [lo, hi], nothing after it. */
static bool strict_int(const char *s, long long lo, long long hi, long long *v)
{
    char *end;
    errno = 0;
    const long long x = strtoll(s, &end, 10);
    if (end == s || *end || errno == ERANGE || x < lo || x > hi) return false;
    *v = x;
    return true;
}

/* Sets v on the first three axes (entries past the rank are ignored). */
static void set_axes(int64_t *a, int64_t v)
{
    for (int i = 0; i < TCONV_MAX_RANK; i++) a[i] = v;
}

/* One of --layer's trailing words: groups=G, dil=D, op=P (output_padding), nchw or relu. */
static bool layer_option(const char *t, struct tconv_nd_params *p)
{
    long long v;
    if (!strncmp(t, "groups=", 7) && strict_int(t + 7, 1, INT64_MAX, &v))
        p->groups = v;
    else if (!strncmp(t, "dil=", 4) && strict_int(t + 4, 1, INT64_MAX, &v))
        set_axes(p->dilation, v);
    else if (!strncmp(t, "op=", 3) && strict_int(t + 3, 0, INT64_MAX, &v))
        set_axes(p->output_padding, v);
    else if (!strcmp(t, "nchw"))
        p->layout = TCONV_NCHW;
    else if (!strcmp(t, "relu"))
        p->activation = TCONV_ACTIVATION_RELU;
    else
        return false;
    return true;
}

/* The op word: tr / conv (rank 2), tr1 / conv1, tr3 / conv3. False if it is none of them. */
static bool layer_op(const char *w, bool *tr, int *rank)
{
    size_t n;
    if (!strncmp(w, "tr", 2))
        n = 2;
    else if (!strncmp(w, "conv", 4))
        n = 4;
    else
        return false;
    *tr = n == 2;
    *rank = !w[n] ? 2 : (w[n] == '1' || w[n] == '3') && !w[n + 1] ? w[n] - '0' : 0;
    return *rank != 0;
}

/* SPEC: "tr|conv N H W CIN COUT K S PAD [groups=G] [dil=D] [op=P] [nchw] [relu]" (rank 2), tr1/conv1 with W only,
   tr3/conv3 with D H W; PAD = SAME|VALID|pP (any case). */
static bool parse_layer(const char *spec, struct layer *l)
{
    char buf[256];
    char *words[LAYER_MAX_WORDS], *save = NULL;
    int n = 0, rank;
    bool tr;
    if (snprintf(buf, sizeof buf, "%s", spec) >= (int)sizeof buf) return false;
    for (char *t = strtok_r(buf, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
        if (n == LAYER_MAX_WORDS) return false;
        words[n++] = t;
    }
    if (n < 1 || !layer_op(words[0], &tr, &rank)) return false;
    const int nint = rank + 5; /* N, the sizes, CIN COUT K S */
    long long v[TCONV_MAX_RANK + 5];
    if (n < nint + 2) return false;
    for (int i = 0; i < nint; i++)
        if (!strict_int(words[i + 1], 0, INT64_MAX, &v[i])) return false;
    struct tconv_nd_params p;
    tconv_nd_params_init(&p, rank);
    p.batch = v[0];
    for (int i = 0; i < rank; i++) p.in[i] = v[1 + i];
    p.in_channels = v[rank + 1];
    p.out_channels = v[rank + 2];
    set_axes(p.kernel, v[rank + 3]);
    set_axes(p.stride, v[rank + 4]);
    const char *padw = words[nint + 1];
    long long pad;
    if (!strcasecmp(padw, "SAME"))
        p.padding = TCONV_PADDING_SAME;
    else if (!strcasecmp(padw, "VALID"))
        p.padding = TCONV_PADDING_VALID;
    else if ((padw[0] == 'p' || padw[0] == 'P') && strict_int(padw + 1, 0, INT64_MAX, &pad)) {
        p.padding = TCONV_PADDING_EXPLICIT;
        set_axes(p.pad_before, pad);
        set_axes(p.pad_after, pad);
    } else
        return false;
    for (int i = nint + 2; i < n; i++)
        if (!layer_option(words[i], &p)) return false;
    l->name = "command line";
    l->tr = tr;
    l->p = p;
    return true;
}

static void print_spec(const struct layer *l)
{
    const struct tconv_nd_params *p = &l->p;
    printf("%s\t%s%s %lld", l->name, l->tr ? "tr" : "conv",
           p->rank == 2   ? ""
           : p->rank == 1 ? "1"
                          : "3",
           (long long)p->batch);
    for (int i = 0; i < p->rank; i++) printf(" %lld", (long long)p->in[i]);
    printf(" %lld %lld %lld %lld", (long long)p->in_channels, (long long)p->out_channels, (long long)p->kernel[0],
           (long long)p->stride[0]);
    if (p->padding == TCONV_PADDING_SAME)
        printf(" SAME");
    else if (p->padding == TCONV_PADDING_VALID)
        printf(" VALID");
    else
        printf(" p%lld", (long long)p->pad_before[0]);
    if (p->groups > 1) printf(" groups=%lld", (long long)p->groups);
    if (p->dilation[0] > 1) printf(" dil=%lld", (long long)p->dilation[0]);
    if (p->output_padding[0] > 0) printf(" op=%lld", (long long)p->output_padding[0]);
    if (p->layout == TCONV_NCHW) printf(" nchw");
    if (p->activation == TCONV_ACTIVATION_RELU) printf(" relu");
    printf("\n");
}

/* The OpenBLAS kernels that run (for the figures: pinned Haswell, or SkylakeX, ...). */
static const char *blas_core(void)
{
#if TCONV_BENCH_CORENAME
    return openblas_get_corename();
#else
    return "unknown";
#endif
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
    const struct tconv_nd_params *p = &g->l->p;
    if (g->filter)
        g->st = (g->l->tr ? tconv_convnd_transpose_backward_filter_ex
                          : tconv_convnd_backward_filter_ex)(p, g->a, g->b, g->out, g->ws, g->ws_bytes, &g->opt);
    else
        g->st = (g->l->tr ? tconv_convnd_transpose_backward_data_ex
                          : tconv_convnd_backward_data_ex)(p, g->a, g->b, g->out, g->ws, g->ws_bytes, &g->opt);
}

/* The gradient's own GEMM over the whole batch, per group: the data gradient is the adjoint op's
   forward GEMM; the filter gradient reduces over every pixel of the small side. */
static int bench_backward(const struct layer *l, const float *x, const float *f, const float *dy, int reps,
                          const struct tconv_options *base, bool csv)
{
    const struct tconv_nd_params *p = &l->p;
    struct tconv_nd_geometry g;
    layer_geometry(l, &g);
    const int64_t cig = p->in_channels / p->groups, cog = p->out_channels / p->groups, taps = prod(p->kernel, p->rank);
    const int64_t nx = p->batch * prod(p->in, p->rank) * p->in_channels, nf = taps * cig * p->out_channels;
    const int64_t small_px = p->batch * prod(l->tr ? p->in : g.out, p->rank);
    const double flops = 2.0 * (double)small_px * (double)taps * (double)cig * (double)p->out_channels;
    int failures = 0;
    for (int k = 0; k < 2; k++) {
        const bool filter = k == 1;
        /* conv problem of the lowering: (in, out) channels per group of the conv side */
        const int64_t ci_c = l->tr ? cog : cig, co_c = l->tr ? cig : cog;
        /* the small side's pixels are M of every one of these GEMMs (K of the filter gradient's); the data
           gradient of a transposed conv is the adjoint conv's GEMM, of a conv the adjoint transposed conv's */
        struct gemm gm = {.groups = (int)p->groups, .m = (int)small_px};
        gm.n = (int)(filter || l->tr ? co_c : taps * ci_c);
        gm.k = (int)(l->tr ? taps * ci_c : co_c);
        if (filter) {
            gm.m = (int)(taps * ci_c);
            gm.k = (int)small_px;
        }
        gm.a = malloc((size_t)gm.m * gm.k * 4);
        gm.b = malloc((size_t)gm.k * gm.n * 4);
        gm.c = malloc((size_t)gm.m * gm.n * 4);
        fill(gm.a, (int64_t)gm.m * gm.k, 6);
        fill(gm.b, (int64_t)gm.k * gm.n, 7);
        float *out = malloc((size_t)(filter ? nf : nx) * 4);
        struct grad_run gr = {l, filter, filter ? x : dy, filter ? dy : f, out, NULL, 0, *base, TCONV_OK};
        gr.opt.profile = NULL;
        const enum tconv_op op =
            filter ? (l->tr ? TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER : TCONV_OP_CONV2D_BACKWARD_FILTER)
                   : (l->tr ? TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA : TCONV_OP_CONV2D_BACKWARD_DATA);
        if (tconv_nd_workspace_size(op, p, base, &gr.ws_bytes) != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l->name, tconv_last_error());
            failures++;
        } else {
            gr.ws = malloc(gr.ws_bytes ? gr.ws_bytes : 1);
            double t, tb;
            median_pair(run_grad, &gr, run_gemm, &gm, reps, &t, &tb);
            struct tconv_profile prof = TCONV_PROFILE_INIT;
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
                printf("\"%s\",%s,%s,%d,%.4f,%.2f,%.2f,%.3f,nan,nan,nan,%zu,%.1f,%.1f,%.1f,%.1f,,nan,nan,nan,nan,%s,%."
                       "1f\n",
                       name, filter ? "backward_filter" : "backward_data", tconv_algorithm_name(prof.algorithm),
                       prof.threads, t * 1e3, gf, gb, gf / gb, gr.ws_bytes, 100 * (prof.pack + prof.im2col) / tot,
                       100 * prof.gemm / tot, 100 * prof.col2im / tot, 100 * prof.epilogue / tot, blas_core(),
                       100 * prof.pack / tot);
            else
                printf("%-34s %-8s %3d %9.3f %8.1f %8.1f %6.3f %7s %8s %6s %8s %6s %8.2f  %3.0f/%3.0f/%3.0f/%3.0f\n",
                       name, tconv_algorithm_name(prof.algorithm), prof.threads, t * 1e3, gf, gb, gf / gb, "", "", "",
                       "", "", (double)gr.ws_bytes / 1048576.0, 100 * (prof.pack + prof.im2col) / tot,
                       100 * prof.gemm / tot, 100 * prof.col2im / tot, 100 * prof.epilogue / tot);
            fflush(stdout);
            free(gr.ws);
        }
        free(out);
        free(gm.a);
        free(gm.b);
        free(gm.c);
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
/* SQ for the 2-D struct tconv_params of the resize rows */
#define SQ2D(h, ci, co, k, s)                                                                                          \
    .in_h = h, .in_w = h, .in_channels = ci, .out_channels = co, .kernel_h = k, .kernel_w = k, .stride_h = s,          \
    .stride_w = s
static const struct resize_layer resize_suite[] = {
    RL("gan:nearest x2 16->32 256->128 k3", 2, TCONV_RESIZE_NEAREST, .batch = 8, SQ2D(16, 256, 128, 3, 1)),
    RL("seg:nearest x2 28->56 128->64 k3", 2, TCONV_RESIZE_NEAREST, .batch = 4, SQ2D(28, 128, 64, 3, 1)),
    RL("sr:nearest x2 64->128 64->64 k3", 2, TCONV_RESIZE_NEAREST, .batch = 1, SQ2D(64, 64, 64, 3, 1)),
    RL("sr:nearest x4 32->128 32->32 k5", 4, TCONV_RESIZE_NEAREST, .batch = 1, SQ2D(32, 32, 32, 5, 1)),
    RL("seg:bilinear x2 28->56 128->64 k3", 2, TCONV_RESIZE_BILINEAR, .batch = 4, SQ2D(28, 128, 64, 3, 1)),
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
        r.big.in_h *= l.scale;
        r.big.in_w *= l.scale;
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
        fill(x, nx, 11);
        fill(f, nf, 12);
        fill(b, p->out_channels, 13);
        r.x = x;
        r.f = f;
        r.b = b;
        r.up = up;
        r.ws = malloc(r.ws_bytes ? r.ws_bytes : 1);
        struct resize_run r2 = r;
        r.y = y1;
        r2.y = y2;
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
        struct tconv_profile prof = TCONV_PROFILE_INIT;
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
        free(x);
        free(f);
        free(b);
        free(y1);
        free(y2);
        free(up);
        free(r.ws);
    }
    return failures;
}

static const char usage[] =
    "usage: tconv_bench [--quick] [--csv] [--filter SUBSTR] [--reps N] [--threads N]\n"
    "                   [--algorithm auto|gemm|subpixel|direct] [--no-dnnl] [--no-xnnpack] [--operator]\n"
    "                   [--backward] [--resize] [--list] [--batch N] [--layer SPEC]\n"
    "--operator: time operator runs (the filter packed once at create), and the plain call against them\n"
    "--batch N: run every layer at batch N\n"
    "SPEC: \"tr|conv N H W CIN COUT K S PAD [groups=G] [dil=D] [op=P] [nchw] [relu]\", PAD = SAME|VALID|pP;\n"
    "      1-D: tr1|conv1 N W CIN ..., 3-D: tr3|conv3 N D H W CIN ... (op = output_padding)\n"
    "--reps N: 1..64 timed runs per layer (default 7-15); --threads N: 0 = the default\n";

/* What the command line asks for. */
struct bench_args {
    bool quick, csv, use_dnnl, use_xnn, list, backward, resize, operator_runs;
    const char *filter;
    int reps;      /* 0: 7-15 per layer */
    int64_t batch; /* --batch: every layer's batch (-1: the layer's own) */
    struct tconv_options base;
    struct layer one; /* --layer */
    const struct layer *layers;
    int nlayers;
};

enum {
    OPT_QUICK = 256,
    OPT_CSV,
    OPT_NO_DNNL,
    OPT_NO_XNN,
    OPT_OPERATOR,
    OPT_BATCH,
    OPT_LIST,
    OPT_BACKWARD,
    OPT_RESIZE,
    OPT_FILTER,
    OPT_REPS,
    OPT_THREADS,
    OPT_ALGORITHM,
    OPT_LAYER
};

static const struct option options[] = {{"quick", no_argument, NULL, OPT_QUICK},
                                        {"csv", no_argument, NULL, OPT_CSV},
                                        {"no-dnnl", no_argument, NULL, OPT_NO_DNNL},
                                        {"no-xnnpack", no_argument, NULL, OPT_NO_XNN},
                                        {"operator", no_argument, NULL, OPT_OPERATOR},
                                        {"batch", required_argument, NULL, OPT_BATCH},
                                        {"list", no_argument, NULL, OPT_LIST},
                                        {"backward", no_argument, NULL, OPT_BACKWARD},
                                        {"resize", no_argument, NULL, OPT_RESIZE},
                                        {"filter", required_argument, NULL, OPT_FILTER},
                                        {"reps", required_argument, NULL, OPT_REPS},
                                        {"threads", required_argument, NULL, OPT_THREADS},
                                        {"algorithm", required_argument, NULL, OPT_ALGORITHM},
                                        {"layer", required_argument, NULL, OPT_LAYER},
                                        {"help", no_argument, NULL, 'h'},
                                        {NULL, 0, NULL, 0}};

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tconv_bench: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'tconv_bench --help')\n");
    va_end(ap);
    return 2;
}

/* One option with its value: 0, or 2 after the message. */
static int bench_option(struct bench_args *a, int id, const char *v)
{
    static const char *const algorithms[4] = {"auto", "gemm", "subpixel", "direct"};
    long long n;
    switch (id) {
    case OPT_QUICK: a->quick = true; break;
    case OPT_CSV: a->csv = true; break;
    case OPT_NO_DNNL: a->use_dnnl = false; break;
    case OPT_NO_XNN: a->use_xnn = false; break;
    case OPT_OPERATOR: a->operator_runs = true; break;
    case OPT_BATCH:
        if (!strict_int(v, 0, INT32_MAX, &n)) return usage_error("--batch wants an integer >= 0, got '%s'", v);
        a->batch = n;
        break;
    case OPT_LIST: a->list = true; break;
    case OPT_BACKWARD: a->backward = true; break;
    case OPT_RESIZE: a->resize = true; break;
    case OPT_FILTER: a->filter = v; break;
    case OPT_REPS:
        if (!strict_int(v, 1, BENCH_MAX_REPS, &n))
            return usage_error("--reps wants 1..%d, got '%s'", BENCH_MAX_REPS, v);
        a->reps = (int)n;
        break;
    case OPT_THREADS:
        if (!strict_int(v, 0, INT32_MAX, &n)) return usage_error("--threads wants an integer >= 0, got '%s'", v);
        a->base.num_threads = (int)n;
        break;
    case OPT_ALGORITHM:
        for (n = 0; n < 4 && strcasecmp(v, algorithms[n]); n++) continue;
        if (n == 4) return usage_error("--algorithm is auto, gemm, subpixel or direct, got '%s'", v);
        a->base.algorithm = (enum tconv_algorithm)n;
        break;
    default: /* OPT_LAYER */
        if (!parse_layer(v, &a->one)) return usage_error("bad --layer '%s' (SPEC: see --help)", v);
        a->layers = &a->one;
        a->nlayers = 1;
    }
    return 0;
}

/* 0, 2 after a message, or -1 when --help was printed. */
static int parse_args(int argc, char **argv, struct bench_args *a)
{
    opterr = 0; /* the messages are ours */
    for (int id; (id = getopt_long(argc, argv, ":h", options, NULL)) != -1;) {
        int rc;
        if (id == 'h') {
            fputs(usage, stdout);
            return -1;
        }
        if (id == ':') return usage_error("option '%s' requires an argument", argv[optind - 1]);
        if (id == '?') return usage_error("unrecognized option '%s'", argv[optind - 1]);
        if ((rc = bench_option(a, id, optarg))) return rc;
    }
    if (optind < argc) return usage_error("unexpected argument '%s'", argv[optind]);
    return 0;
}

/* The sgemm bound: the lowering's GEMM over the whole batch, one call per group, alternating with tconv so
   both see the same machine. Returns tconv's median; *tb the bound's. */
static double time_against_bound(struct run *run, int64_t small_px, int reps, double *tb)
{
    const struct layer *l = run->l;
    const struct tconv_nd_params *p = &l->p;
    const int64_t cig = p->in_channels / p->groups, cog = p->out_channels / p->groups, taps = prod(p->kernel, p->rank);
    struct gemm gm;
    gm.groups = (int)p->groups;
    gm.m = (int)small_px;
    gm.n = (int)(l->tr ? taps * cog : cog);
    gm.k = (int)(l->tr ? cig : taps * cig);
    gm.a = malloc((size_t)gm.m * gm.k * 4);
    gm.b = malloc((size_t)gm.k * gm.n * 4);
    gm.c = malloc((size_t)gm.m * gm.n * 4);
    fill(gm.a, (int64_t)gm.m * gm.k, 4);
    fill(gm.b, (int64_t)gm.k * gm.n, 5);
    double t = 0;
    median_pair(run_op, run, run_gemm, &gm, reps, &t, tb);
    free(gm.a);
    free(gm.b);
    free(gm.c);
    return t;
}

/* Where the time goes: the median (by total) of three profiled runs. */
static struct tconv_profile median_profile(struct run *run)
{
    struct tconv_profile prof[3];
    for (int i = 0; i < 3; i++) {
        tconv_profile_init(&prof[i]);
        run->opt.profile = &prof[i];
        run_op(run);
    }
    run->opt.profile = NULL;
    struct tconv_profile pm = prof[0];
    for (int i = 1; i < 3; i++)
        if ((prof[i].total - prof[0].total) * (prof[i].total - prof[3 - i].total) <= 0) pm = prof[i];
    return pm;
}

/* y finite; on small layers the naive reference's time (*tref) and, in --quick, its agreement. Failures. */
static int check_output(struct run *run, int64_t ny, float *yr, double flops, bool quick, double *tref)
{
    int failures = 0;
    const char *name = run->l->name;
    for (int64_t i = 0; i < ny; i++)
        if (!isfinite(run->y[i])) {
            fprintf(stderr, "%s: non-finite output at %lld\n", name, (long long)i);
            failures++;
            break;
        }
    *tref = NAN;
    if (flops >= (quick ? 1e8 : 3e8)) return failures;
    struct run rr = *run;
    rr.reference = true;
    rr.y = yr;
    *tref = median_time(run_op, &rr, quick ? 1 : 3);
    for (int64_t i = 0; i < ny; i++)
        if (fabsf(run->y[i] - yr[i]) > 1e-3f + 1e-4f * fabsf(yr[i])) {
            fprintf(stderr, "%s: tconv %g vs reference %g at %lld\n", name, run->y[i], yr[i], (long long)i);
            failures++;
            break;
        }
    return failures;
}

/* One layer's measurements, for its row. */
struct row {
    double t, tb, tref, tdnnl, txnn, flops;
    double tplain; /* --operator: the plain call, alternating with the operator's runs (else NAN) */
    double tpeer;  /* back to back, as oneDNN and XNNPACK are timed: the basis of the peer ratios */
    struct tconv_profile pm;
    size_t ws_bytes;
    char impl[128];
};

static void print_row(const struct layer *l, const struct row *r, bool csv)
{
    const double gf = r->flops / r->t * 1e-9, gb = r->flops / r->tb * 1e-9, gr = r->flops / r->tref * 1e-9;
    const double gd = r->flops / r->tdnnl * 1e-9, gx = r->flops / r->txnn * 1e-9, gp = r->flops / r->tpeer * 1e-9;
    const double tot = r->pm.total > 0 ? r->pm.total : 1.0;
    const double pi = 100 * (r->pm.pack + r->pm.im2col) / tot, pg = 100 * r->pm.gemm / tot;
    const double pc = 100 * r->pm.col2im / tot, pe = 100 * r->pm.epilogue / tot;
    if (csv)
        printf("\"%s\",%s,%s,%d,%.4f,%.2f,%.2f,%.3f,%.3f,%.2f,%.3f,%zu,%.1f,%.1f,%.1f,%.1f,%s,%.2f,%.3f,%.4f,%.3f,%s,%."
               "1f,%.4f\n",
               l->name, op_name(l), tconv_algorithm_name(r->pm.algorithm), r->pm.threads, r->t * 1e3, gf, gb, gf / gb,
               gr, gd, gp / gd, r->ws_bytes, pi, pg, pc, pe, r->impl, gx, gp / gx, r->tplain * 1e3, r->tplain / r->t,
               blas_core(), 100 * r->pm.pack / tot, r->tpeer * 1e3);
    else {
        printf("%-34s %-8s %3d %9.3f %8.1f %8.1f %6.3f %7.2f %8.1f %6.2f %8.1f %6.2f %8.2f  %3.0f/%3.0f/%3.0f/%3.0f",
               l->name, tconv_algorithm_name(r->pm.algorithm), r->pm.threads, r->t * 1e3, gf, gb, gf / gb, gr, gd,
               gp / gd, gx, gp / gx, (double)r->ws_bytes / 1048576.0, pi, pg, pc, pe);
        if (!isnan(r->tplain)) printf("  %6.2f", r->tplain / r->t);
        printf("\n");
    }
    fflush(stdout);
}

/* oneDNN's and XNNPACK's times of the layer (NAN where not measured), on tconv's output y. The failures: a
   peer whose output is not tconv's. */
static int time_peers(const struct layer *l, const struct bench_args *a, const float *x, const float *f, const float *b,
                      const float *y, int reps, struct row *row)
{
    char err[256];
    int failures = 0;
    row->tdnnl = row->txnn = NAN;
    (void)l, (void)a, (void)x, (void)f, (void)b, (void)y, (void)reps, (void)err;
#if TCONV_BENCH_DNNL
    if (a->use_dnnl && (row->tdnnl = dnnl_layer_time(l->tr, &l->p, x, f, b, y, reps, row->impl, sizeof row->impl, err,
                                                     sizeof err)) < 0) {
        fprintf(stderr, "%s: oneDNN: %s\n", l->name, err);
        failures += row->tdnnl == PEER_DIFFERS;
        row->tdnnl = NAN;
    }
#endif
#if TCONV_BENCH_XNNPACK
    /* XNNPACK on as many threads as tconv's call ran */
    if (a->use_xnn && (row->txnn = xnn_layer_time(l->tr, &l->p, x, f, b, y, reps,
                                                  row->pm.threads > 0 ? row->pm.threads : 1, err, sizeof err)) < 0) {
        fprintf(stderr, "%s: XNNPACK: %s\n", l->name, err);
        failures += row->txnn == PEER_DIFFERS;
        row->txnn = NAN;
    }
#endif
    return failures;
}

/* --operator: the layer's operator, created once (packing excluded from the times); run->op and a workspace
   for both it and the plain call. 0, or 1 after the message. */
static int make_operator(struct run *run, struct tconv_operator **op)
{
    const struct layer *l = run->l;
    size_t bytes = 0;
    if (tconv_operator_create(l->tr ? TCONV_OP_CONV_TRANSPOSE : TCONV_OP_CONV, &l->p, run->f, run->b, &run->opt, op) !=
            TCONV_OK ||
        tconv_operator_workspace_size(*op, l->p.batch, &bytes) != TCONV_OK) {
        fprintf(stderr, "%s: operator: %s\n", l->name, tconv_last_error());
        return 1;
    }
    if (bytes > run->ws_bytes) {
        free(run->ws);
        run->ws = malloc(bytes);
        run->ws_bytes = bytes;
    }
    return 0;
}

/* One forward layer (and with --backward its gradients): the number of failures. */
static int bench_layer(struct layer l, const struct bench_args *a)
{
    if (a->quick) l.p.batch = 1;
    if (a->batch >= 0) l.p.batch = a->batch;
    struct tconv_nd_geometry g;
    const struct tconv_nd_params *p = &l.p;
    if (layer_geometry(&l, &g) != TCONV_OK) {
        fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
        return 1;
    }
    const int64_t cig = p->in_channels / p->groups, taps = prod(p->kernel, p->rank);
    const int64_t nx = p->batch * prod(p->in, p->rank) * p->in_channels;
    const int64_t ny = p->batch * prod(g.out, p->rank) * p->out_channels;
    const int64_t nf = taps * cig * p->out_channels;
    const int64_t small_px = p->batch * prod(l.tr ? p->in : g.out, p->rank);
    struct row row = {.flops = 2.0 * (double)small_px * (double)taps * (double)cig * (double)p->out_channels,
                      .tplain = NAN};
    float *x = malloc((size_t)nx * 4), *f = malloc((size_t)nf * 4), *b = malloc((size_t)p->out_channels * 4);
    float *y = malloc((size_t)ny * 4), *yr = malloc((size_t)ny * 4);
    fill(x, nx, 1);
    fill(f, nf, 2);
    fill(b, p->out_channels, 3);
    const int reps = a->reps ? a->reps : a->quick ? 1 : (row.flops > 5e9 ? 7 : 15);
    struct run run = {&l, x, f, b, y, NULL, 0, a->base, TCONV_OK, false, NULL};
    struct tconv_operator *op = NULL;
    int failures = 0;
    if (tconv_nd_workspace_size(l.tr ? TCONV_OP_CONV_TRANSPOSE : TCONV_OP_CONV, p, &a->base, &run.ws_bytes) !=
        TCONV_OK) {
        fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
        failures++;
    } else {
        run.ws = malloc(run.ws_bytes ? run.ws_bytes : 1);
        if (a->operator_runs && (failures += make_operator(&run, &op)) == 0) {
            struct run plain = run;
            run.op = op;
            median_pair(run_op, &plain, run_op, &run, reps, &row.tplain, &row.t); /* operator vs plain */
        }
        row.t = time_against_bound(&run, small_px, reps, &row.tb); /* the operator's runs with --operator */
        row.tpeer = median_alone(run_op, &run, reps);
        if (run.st != TCONV_OK) {
            fprintf(stderr, "%s: %s\n", l.name, tconv_last_error());
            failures++;
        }
        run.op = NULL; /* a profile is the plain call's (operators write none): the same algorithm */
        row.pm = median_profile(&run);
        row.ws_bytes = run.ws_bytes;
        failures += check_output(&run, ny, yr, row.flops, a->quick, &row.tref);
        failures += time_peers(&l, a, x, f, b, y, reps, &row);
        print_row(&l, &row, a->csv);
        if (a->backward) failures += bench_backward(&l, x, f, y, reps, &a->base, a->csv);
        free(run.ws);
    }
    tconv_operator_destroy(op);
    free(x);
    free(f);
    free(b);
    free(y);
    free(yr);
    return failures;
}

int main(int argc, char **argv)
{
    struct bench_args a = {.use_dnnl = true,
                           .use_xnn = true,
                           .batch = -1,
                           .base = TCONV_OPTIONS_INIT,
                           .layers = suite,
                           .nlayers = (int)(sizeof suite / sizeof *suite)};
    const int rc = parse_args(argc, argv, &a);
    if (rc) return rc < 0 ? 0 : rc;
    if (a.list) {
        for (int i = 0; i < a.nlayers; i++) print_spec(&a.layers[i]);
        return 0;
    }
#if !TCONV_BENCH_DNNL
    a.use_dnnl = false;
#endif
#if !TCONV_BENCH_XNNPACK
    a.use_xnn = false;
#endif
    if (a.quick) a.use_dnnl = a.use_xnn = false;
    const char *coretype = getenv("OPENBLAS_CORETYPE");
    fprintf(stderr, "tconv %s, OpenBLAS core %s (OPENBLAS_CORETYPE=%s), threads %d%s%s\n", tconv_version(), blas_core(),
            coretype ? coretype : "(unset)", a.base.num_threads, a.base.num_threads ? "" : " (default)",
            a.operator_runs ? ", operator runs (packing excluded)" : "");
    int failures = 0;
    if (a.resize) {
        failures = bench_resize(a.quick, a.csv, a.filter, a.reps, &a.base);
    } else {
        if (a.csv)
            printf("layer,op,algorithm,threads,ms,gflops,bound_gflops,ratio,ref_gflops,dnnl_gflops,dnnl_ratio,"
                   "workspace_bytes,pack_im2col_pct,gemm_pct,col2im_pct,epilogue_pct,dnnl_impl,xnn_gflops,xnn_ratio,"
                   "plain_ms,operator_speedup,blas_core,pack_pct,peer_basis_ms\n");
        else
            printf("%-34s %-8s %3s %9s %8s %8s %6s %7s %8s %6s %8s %6s %8s  %s%s\n", "layer", "algo", "thr", "ms",
                   "GFLOP/s", "sgemm", "ratio", "ref", "oneDNN", "/dnnl", "XNNPACK", "/xnn", "ws MB",
                   "im2col/gemm/col2im/epi %", a.operator_runs ? "  x plain" : "");
        for (int i = 0; i < a.nlayers; i++) {
            if (a.filter && !strstr(a.layers[i].name, a.filter)) continue;
            fprintf(stderr, "[%d/%d] %s\n", i + 1, a.nlayers, a.layers[i].name);
            failures += bench_layer(a.layers[i], &a);
        }
    }
    if (failures) fprintf(stderr, "%d failure%s\n", failures, failures == 1 ? "" : "s");
    return failures ? 1 : 0;
}
