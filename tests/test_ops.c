/*
 * test_ops.c - the algorithms (src/conv_im2col.c, col2im.c, subpixel.c, pointwise.c, depthwise.c) through
 * the public fast paths:
 *   - the seed documents' numbers, exactly;
 *   - a sweep of 1200 fixed-seed random cases (both ops, both layouts, all filter layouts, every
 *     padding mode, strides 1-4, kernels 1-7 incl. kernel < stride, dilation 1-3, groups incl.
 *     depthwise, batch 1-3, odd sizes, given output sizes and output_padding, bias, ReLU) against
 *     the references: exactly on dyadic data, |y-ref| <= atol + rtol*|ref| on uniform data;
 *   - the adjoint identity <conv(x), v> == <x, conv_transpose(v)>;
 *   - tile edges of the column buffer (forced small tiles), the 1x1 paths and their guards.
 * Threads and reproducibility: test_threads.c.
 */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common.h"
#include "internals.h"
#include "seed_data.h"

typedef enum tconv_status (*op_fn)(const struct tconv_params *, const float *, const float *, const float *, float *);

static op_fn fast_op(bool tr) { return tr ? tconv_conv2d_transpose : tconv_conv2d; }
static op_fn ref_op(bool tr) { return tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference; }

static enum tconv_status geometry(bool tr, const struct tconv_params *p, struct tconv_geometry *g)
{
    return tr ? tconv_conv2d_transpose_geometry(p, g) : tconv_conv2d_geometry(p, g);
}

/* ---------------------------------------------------------------- seeds, fast path */

/* The seeds' calls: TCONV_PARAMS_INIT's defaults and the fields given. */
#define SEED(...)                                                                                                      \
    ((struct tconv_params){.groups = 1, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__})

START_TEST(seeds_fast_path)
{
    struct tconv_params p = SEED(.batch = 1, .in_h = 2, .in_w = 2, .in_channels = 1, .out_channels = 1, .kernel_h = 3,
                                 .kernel_w = 3, .stride_h = 2, .stride_w = 2, .out_h = 5, .out_w = 5);
    float y[3 * 8 * 8 * 4];
    for (int nchw = 0; nchw < 2; nchw++) { /* one channel: both layouts hold the same bytes */
        p.layout = nchw ? TCONV_NCHW : TCONV_NHWC;
        ck_assert_int_eq(tconv_conv2d_transpose(&p, &seed003_x[0][0], &seed003_filter[0][0], NULL, y), TCONV_OK);
        ck_assert_msg(memcmp(y, seed003_out, sizeof seed003_out) == 0, "seed 003 %s", layout_name(p.layout));
    }

    /* seed 002: ones, SAME, 3 images of 4x4x2 -> 8x8x4 */
    p = SEED(.batch = 3, .in_h = 4, .in_w = 4, .in_channels = 2, .out_channels = 4, .kernel_h = 3, .kernel_w = 3,
             .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8);
    float x[3 * 4 * 4 * 2], f[3 * 3 * 4 * 2];
    for (int i = 0; i < 96; i++) x[i] = 1;
    for (int i = 0; i < 72; i++) f[i] = 1;
    ck_assert_int_eq(tconv_conv2d_transpose(&p, x, f, NULL, y), TCONV_OK);
    for (int i = 0; i < 3 * 64 * 4; i++) ck_assert_msg(y[i] == (&seed002_out[0][0])[(i / 4) % 64], "seed 002 [%d]", i);

    /* seed 000 / 001: dense == 1x1 conv, and back (the pointwise GEMM paths) */
    float x0[16], d[32], back[16];
    for (int i = 0; i < 16; i++) x0[i] = (float)seed000_x[i];
    p = SEED(.batch = 1, .in_h = 4, .in_w = 4, .in_channels = 1, .out_channels = 2, .kernel_h = 1, .kernel_w = 1);
    ck_assert_int_eq(tconv_conv2d(&p, x0, seed000_kernel, NULL, d), TCONV_OK);
    for (int i = 0; i < SEED000_PIXELS; i++)
        for (int c = 0; c < 2; c++)
            ck_assert_msg(fabs(d[2 * i + c] - seed000_dense[i][c]) <= 5e-7 * fabs(seed000_dense[i][c]),
                          "seed 000 pixel %d", i);
    p.in_channels = 2;
    p.out_channels = 1;
    ck_assert_int_eq(tconv_conv2d_transpose(&p, d, seed000_kernel, NULL, back), TCONV_OK);
    for (int i = 0; i < 16; i++)
        ck_assert_msg(fabs(back[i] - seed001_transpose[i]) <= 1e-6 * seed001_transpose[i], "seed 001 pixel %d", i);

    /* seed 004: 5x5 and 6x6; the 6th row and column hold no input */
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y5[25], y6[36];
    p = SEED(.batch = 1, .in_h = 2, .in_w = 2, .in_channels = 1, .out_channels = 1, .kernel_h = 3, .kernel_w = 3,
             .stride_h = 2, .stride_w = 2);
    ck_assert_int_eq(tconv_conv2d_transpose(&p, seed004_x, ones, NULL, y5), TCONV_OK);
    p.out_h = p.out_w = 6;
    ck_assert_int_eq(tconv_conv2d_transpose(&p, seed004_x, ones, NULL, y6), TCONV_OK);
    for (int i = 0; i < 6; i++)
        for (int j = 0; j < 6; j++) ck_assert(y6[i * 6 + j] == (i < 5 && j < 5 ? y5[i * 5 + j] : 0.0f));
    float r5[25];
    p.out_h = p.out_w = 0;
    ck_assert_int_eq(tconv_conv2d_transpose_reference(&p, seed004_x, ones, NULL, r5), TCONV_OK);
    ck_assert(first_mismatch(y5, r5, 25, 0, 1e-6) < 0);
    ck_assert(fabs(y5[12] - 27.0) <= 27.0 * 1e-6); /* the centre: all four inputs overlap */
}
END_TEST

/* ---------------------------------------------------------------- the sweep */

struct sweep_case {
    bool tr, bias, dyadic;
    struct tconv_params p;
};

#define SWEEP_CASES 1200
#define SWEEP_CHUNK 25
#define MAX_ELEMS   30000

/* Case i of the sweep: a deterministic function of (seed, i). */
static struct sweep_case make_case(uint64_t seed, int i)
{
    struct rng r = rng_make(seed, 1000 + (uint64_t)i);
    for (;;) {
        struct sweep_case c = {.tr = i & 1, .bias = rng_int(&r, 0, 1), .dyadic = (i % 4) != 3};
        struct tconv_params *p = &c.p;
        *p = (struct tconv_params)TCONV_PARAMS_INIT;
        p->layout = (enum tconv_layout)rng_int(&r, 0, 1);
        p->filter_layout = (enum tconv_filter_layout)rng_int(&r, 0, 4);
        p->padding = (enum tconv_padding)rng_int(&r, 0, 3);
        const int kind = (int)rng_int(&r, 0, 4);
        if (kind == 4) { /* depthwise */
            p->groups = p->in_channels = p->out_channels = rng_int(&r, 1, 6);
            if (rng_int(&r, 0, 1)) /* whole vectors of 16 and a remainder: depthwise.c's register kernel */
                p->groups = p->in_channels = p->out_channels = rng_int(&r, 14, 40);
        } else {
            p->groups = kind == 3 ? 3 : kind == 2 ? 2 : 1;
            p->in_channels = p->groups * rng_int(&r, 1, 4);
            p->out_channels = p->groups * rng_int(&r, 1, 4);
        }
        p->kernel_h = rng_int(&r, 1, 7);
        p->kernel_w = rng_int(&r, 1, 7);
        p->stride_h = rng_int(&r, 1, 4);
        p->stride_w = rng_int(&r, 1, 4);
        p->dilation_h = rng_int(&r, 0, 1) ? 1 : rng_int(&r, 2, 3);
        p->dilation_w = rng_int(&r, 0, 1) ? 1 : rng_int(&r, 2, 3);
        p->batch = rng_int(&r, 1, 3);
        p->in_h = rng_int(&r, 1, c.tr ? 9 : 16);
        p->in_w = rng_int(&r, 1, c.tr ? 9 : 16);
        if (p->padding == TCONV_PADDING_EXPLICIT) {
            p->pad_top = rng_int(&r, 0, 3);
            p->pad_bottom = rng_int(&r, 0, 3);
            p->pad_left = rng_int(&r, 0, 3);
            p->pad_right = rng_int(&r, 0, 3);
        }
        p->activation = rng_int(&r, 0, 9) < 3 ? TCONV_ACTIVATION_RELU : TCONV_ACTIVATION_NONE;
        struct tconv_geometry g;
        if (geometry(c.tr, p, &g) != TCONV_OK) continue;
        if (c.tr) {
            const int how = (int)rng_int(&r, 0, 2);
            if (how == 1) { /* TF output_shape: any admissible size */
                p->out_h = rng_int(&r, g.out_h_min > 0 ? g.out_h_min : 1, g.out_h_max);
                p->out_w = rng_int(&r, g.out_w_min > 0 ? g.out_w_min : 1, g.out_w_max);
            } else if (how == 2 && p->padding == TCONV_PADDING_EXPLICIT) { /* PyTorch output_padding */
                p->output_padding_h = rng_int(&r, 0, (p->stride_h > p->dilation_h ? p->stride_h : p->dilation_h) - 1);
                p->output_padding_w = rng_int(&r, 0, (p->stride_w > p->dilation_w ? p->stride_w : p->dilation_w) - 1);
            }
            if (geometry(c.tr, p, &g) != TCONV_OK) continue;
        }
        const int64_t ny = p->batch * g.out_h * g.out_w * p->out_channels;
        const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels;
        if (ny == 0 || ny > MAX_ELEMS || nx > MAX_ELEMS) continue;
        return c;
    }
}

/* Run one case through the fast path and the reference; returns false with msg filled on failure. */
static bool check_case(const struct sweep_case *c, uint64_t stream, char *msg, size_t len)
{
    const struct tconv_params *p = &c->p;
    struct tconv_geometry g;
    char cs[512];
    case_str(cs, sizeof cs, c->tr, p);
    if (geometry(c->tr, p, &g) != TCONV_OK) {
        snprintf(msg, len, "%s: geometry failed: %s", cs, tconv_last_error());
        return false;
    }
    const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels, nf = filter_elems(p);
    const int64_t ny = p->batch * g.out_h * g.out_w * p->out_channels;
    struct rng r = rng_make(test_seed(), stream);
    float *x = malloc((size_t)nx * 4 + 4), *f = malloc((size_t)nf * 4), *b = malloc((size_t)p->out_channels * 4);
    float *y = guarded_alloc(ny), *ref = malloc((size_t)ny * 4);
    void (*fill)(struct rng *, float *, int64_t) = c->dyadic ? fill_dyadic : fill_uniform;
    fill(&r, x, nx);
    fill(&r, f, nf);
    fill(&r, b, p->out_channels);
    bool ok = true;
    enum tconv_status s2 = ref_op(c->tr)(p, x, f, c->bias ? b : NULL, ref);
    if (s2 != TCONV_OK) {
        snprintf(msg, len, "%s: reference status %d: %s", cs, s2, tconv_last_error());
        ok = false;
    }
    const int64_t terms = p->kernel_h * p->kernel_w * (p->in_channels / p->groups);
    const double atol = c->dyadic ? 0.0 : 1e-6 * (double)terms, rtol = c->dyadic ? 0.0 : 1e-5;
    /* AUTO through the plain call, then every algorithm that applies, forced, through the _ex call
       (GEMM with a caller-provided workspace of exactly the queried size) */
    for (int a = -1; ok && a <= (int)TCONV_ALGORITHM_DIRECT; a++) {
        if (a == (int)TCONV_ALGORITHM_AUTO) continue;
        struct tconv_options opt = TCONV_OPTIONS_INIT;
        opt.algorithm = a < 0 ? TCONV_ALGORITHM_AUTO : (enum tconv_algorithm)a;
        size_t bytes = 0;
        void *ws = NULL;
        enum tconv_status s1;
        for (int64_t i = 0; i < ny; i++) y[i] = NAN;
        if (a < 0) {
            s1 = fast_op(c->tr)(p, x, f, c->bias ? b : NULL, y);
        } else {
            s1 = c->tr ? tconv_conv2d_transpose_workspace_size_ex(p, &opt, &bytes)
                       : tconv_conv2d_workspace_size_ex(p, &opt, &bytes);
            if (s1 == TCONV_ERR_UNSUPPORTED) continue; /* the algorithm does not apply */
            if (s1 == TCONV_OK && a == (int)TCONV_ALGORITHM_GEMM) ws = malloc(bytes);
            if (s1 == TCONV_OK)
                s1 = (c->tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(p, x, f, c->bias ? b : NULL, y, ws,
                                                                           ws ? bytes : 0, &opt);
        }
        free(ws);
        const char *an = a < 0 ? "AUTO" : tconv_algorithm_name((enum tconv_algorithm)a);
        if (s1 != TCONV_OK) {
            snprintf(msg, len, "%s [%s%s]: status %d: %s", cs, an, ws ? ", caller workspace" : "", s1,
                     tconv_last_error());
            ok = false;
        } else if (!guards_intact(y, ny)) {
            snprintf(msg, len, "%s [%s]: wrote outside y", cs, an);
            ok = false;
        } else {
            int64_t bad = first_mismatch(y, ref, ny, atol, rtol);
            if (bad >= 0) {
                snprintf(msg, len, "%s%s [%s]: y[%lld] = %.9g, reference %.9g (atol %g, rtol %g)", cs,
                         c->bias ? " bias" : "", an, (long long)bad, y[bad], ref[bad], atol, rtol);
                ok = false;
            }
        }
    }
    free(x);
    free(f);
    free(b);
    guarded_free(y);
    free(ref);
    return ok;
}

START_TEST(sweep_against_reference)
{
    const uint64_t seed = test_seed();
    char msg[1024];
    for (int i = _i * SWEEP_CHUNK; i < (_i + 1) * SWEEP_CHUNK; i++) {
        struct sweep_case c = make_case(seed, i);
        ck_assert_msg(check_case(&c, 5000 + (uint64_t)i, msg, sizeof msg), "sweep case %d (seed %llu): %s", i,
                      (unsigned long long)seed, msg);
    }
}
END_TEST

/* The sweep covers what it claims (a sweep that silently stopped covering a mode is a defect). */
START_TEST(sweep_coverage)
{
    int n_tr = 0, layout[2] = {0}, flayout[5] = {0}, pad[4] = {0}, k_lt_s = 0, dil = 0, dw = 0, g23 = 0, batch = 0,
        bias = 0, relu = 0, tail = 0, given = 0, op = 0, odd_split = 0, s4 = 0, k7 = 0, d3 = 0, uniform = 0, k1 = 0,
        subpixel = 0, direct = 0, kes = 0, dw_vec = 0;
    for (int i = 0; i < SWEEP_CASES; i++) {
        struct sweep_case c = make_case(test_seed(), i);
        const struct tconv_params *p = &c.p;
        struct tconv_geometry g;
        ck_assert_int_eq(geometry(c.tr, p, &g), TCONV_OK);
        n_tr += c.tr;
        layout[p->layout]++;
        flayout[p->filter_layout]++;
        pad[p->padding]++;
        k_lt_s += p->kernel_h < p->stride_h;
        dil += p->dilation_h > 1 || p->dilation_w > 1;
        dw += p->groups > 1 && p->groups == p->in_channels && p->groups == p->out_channels;
        g23 += p->groups == 2 || p->groups == 3;
        dw_vec += !c.tr && p->layout == TCONV_NHWC && p->groups == p->in_channels && p->groups >= 16 &&
                  p->groups == p->out_channels;
        batch += p->batch > 1;
        bias += c.bias;
        relu += p->activation == TCONV_ACTIVATION_RELU;
        tail += c.tr && (g.pad_bottom < 0 || g.pad_right < 0);
        given += c.tr && p->out_h != 0;
        op += p->output_padding_h != 0 || p->output_padding_w != 0;
        odd_split += (p->padding == TCONV_PADDING_SAME || p->padding == TCONV_PADDING_SAME_LOWER) &&
                     g.pad_top != g.pad_bottom && g.pad_bottom >= 0;
        s4 += p->stride_h == 4;
        k7 += p->kernel_h == 7;
        d3 += p->dilation_h == 3;
        uniform += !c.dyadic;
        k1 += p->kernel_h == 1 && p->kernel_w == 1;
        size_t bytes;
        struct tconv_options opt = TCONV_OPTIONS_INIT;
        opt.algorithm = TCONV_ALGORITHM_SUBPIXEL;
        subpixel += c.tr && tconv_conv2d_transpose_workspace_size_ex(p, &opt, &bytes) == TCONV_OK;
        opt.algorithm = TCONV_ALGORITHM_DIRECT;
        direct += (c.tr ? tconv_conv2d_transpose_workspace_size_ex : tconv_conv2d_workspace_size_ex)(p, &opt, &bytes) ==
                  TCONV_OK;
        kes += c.tr && p->kernel_h == p->stride_h && p->kernel_w == p->stride_w && p->dilation_h == 1 &&
               p->dilation_w == 1;
    }
    ck_assert_int_ge(subpixel, 200);
    ck_assert_int_ge(direct, 150);
    ck_assert_int_ge(kes, 5);
    ck_assert_int_ge(SWEEP_CASES, 500);
    ck_assert_int_ge(n_tr, 500);
    ck_assert_int_ge(SWEEP_CASES - n_tr, 500);
    for (int i = 0; i < 2; i++) ck_assert_int_ge(layout[i], 400);
    for (int i = 0; i < 5; i++) ck_assert_int_ge(flayout[i], 150);
    for (int i = 0; i < 4; i++) ck_assert_int_ge(pad[i], 200);
    ck_assert_int_ge(k_lt_s, 100);
    ck_assert_int_ge(dil, 300);
    ck_assert_int_ge(dw, 100);
    fprintf(stderr, "sweep: %d NHWC depthwise convs of 16 channels or more\n", dw_vec);
    ck_assert_int_ge(dw_vec, 20);
    ck_assert_int_ge(g23, 200);
    ck_assert_int_ge(batch, 400);
    ck_assert_int_ge(bias, 400);
    ck_assert_int_ge(relu, 200);
    ck_assert_int_ge(tail, 50);
    ck_assert_int_ge(given, 100);
    ck_assert_int_ge(op, 30);
    ck_assert_int_ge(odd_split, 50);
    ck_assert_int_ge(s4, 100);
    ck_assert_int_ge(k7, 60);
    ck_assert_int_ge(d3, 100);
    ck_assert_int_ge(uniform, 250);
    ck_assert_int_ge(k1, 15);
}
END_TEST

/* ---------------------------------------------------------------- adjoint identity */

static double dot(const float *a, const float *b, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

/* conv2d_transpose with the same filter tensor and padding is the adjoint of conv2d: exact on dyadic data. */
START_TEST(adjoint_identity)
{
    int tested = 0;
    for (int i = 0; tested < 200; i++) {
        struct sweep_case c = make_case(test_seed() + 77, 2 * i); /* even: conv2d cases */
        struct tconv_params p = c.p;
        p.activation = TCONV_ACTIVATION_NONE;
        struct tconv_geometry g;
        ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_OK);
        struct tconv_params t = p;
        t.in_h = g.out_h;
        t.in_w = g.out_w;
        t.out_h = p.in_h;
        t.out_w = p.in_w;
        t.in_channels = p.out_channels;
        t.out_channels = p.in_channels;
        t.filter_layout = swap_io(p.filter_layout);
        char cs[512];
        struct tconv_geometry gt;
        ck_assert_msg(tconv_conv2d_transpose_geometry(&t, &gt) == TCONV_OK, "%s: %s", case_str(cs, sizeof cs, true, &t),
                      tconv_last_error());
        const int64_t nx = p.batch * p.in_h * p.in_w * p.in_channels, nf = filter_elems(&p);
        const int64_t ny = p.batch * g.out_h * g.out_w * p.out_channels;
        struct rng r = rng_make(test_seed(), 9000 + (uint64_t)i);
        float *x = malloc(nx * 4), *f = malloc(nf * 4), *v = malloc(ny * 4), *cx = malloc(ny * 4), *tv = malloc(nx * 4);
        fill_dyadic(&r, x, nx);
        fill_dyadic(&r, f, nf);
        fill_dyadic(&r, v, ny);
        for (int fast = 0; fast < 2; fast++) {
            ck_assert_int_eq((fast ? tconv_conv2d : tconv_conv2d_reference)(&p, x, f, NULL, cx), TCONV_OK);
            ck_assert_int_eq((fast ? tconv_conv2d_transpose : tconv_conv2d_transpose_reference)(&t, v, f, NULL, tv),
                             TCONV_OK);
            const double a = dot(cx, v, ny), b = dot(x, tv, nx);
            ck_assert_msg(a == b, "%s: <conv(x), v> = %.17g, <x, conv_transpose(v)> = %.17g (%s)",
                          case_str(cs, sizeof cs, false, &p), a, b, fast ? "fast" : "reference");
        }
        free(x);
        free(f);
        free(v);
        free(cx);
        free(tv);
        tested++;
    }
}
END_TEST

/* ---------------------------------------------------------------- named cases: 1x1 guards, real layers */

struct named_case {
    const char *name;
    bool tr;
    struct tconv_params p;
};

#define Q(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 2, .in_h = 6, .in_w = 5, .in_channels = 3, .out_channels = 4, .groups = 1, .kernel_h = 1,             \
        .kernel_w = 1, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                     \
    }
#define QV(...) ((struct tconv_params)Q(__VA_ARGS__))

static const struct named_case named_cases[] = {
    {"1x1 s1: im2col skipped", false, Q()},
    {"1x1 s1 NCHW OIHW", false, Q(.layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_OIHW)},
    {"1x1 s1 groups 3", false, Q(.in_channels = 6, .out_channels = 9, .groups = 3, .layout = TCONV_NCHW)},
    {"1x1 stride 2 must not skip im2col (darknet's bug)", false, Q(.stride_h = 2, .stride_w = 2)},
    {"1x1 stride 2 NCHW", false, Q(.stride_h = 2, .layout = TCONV_NCHW)},
    {"1x1 padded must not skip im2col", false,
     Q(.padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_left = 2, .pad_bottom = 0, .pad_right = 1)},
    {"1x1 dilated is still pointwise", false, Q(.dilation_h = 3, .dilation_w = 2)},
    {"transposed 1x1 s1: a plain GEMM", true, Q()},
    {"transposed 1x1 s1 NCHW IOHW", true, Q(.layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_IOHW)},
    {"transposed 1x1 s2 (zeros between)", true, Q(.stride_h = 2, .stride_w = 2)},
    {"transposed 1x1 cropped", true,
     Q(.padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 1, .pad_left = 0, .pad_right = 2)},
    {"transposed 1x1 output_padding via dilation", true,
     Q(.dilation_h = 2, .padding = TCONV_PADDING_EXPLICIT, .output_padding_h = 1)},
    {"transposed 1x1 SAME s1 out given", true, Q(.padding = TCONV_PADDING_SAME, .out_h = 6, .out_w = 5)},
    {"dcgan-like k4 s2 p1", true,
     Q(.batch = 3, .in_h = 4, .in_w = 4, .in_channels = 16, .out_channels = 8, .kernel_h = 4, .kernel_w = 4,
       .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
       .pad_right = 1, .activation = TCONV_ACTIVATION_RELU)},
    {"unet-like k2 s2 (kernel == stride)", true,
     Q(.in_h = 7, .in_w = 5, .in_channels = 8, .out_channels = 4, .kernel_h = 2, .kernel_w = 2, .stride_h = 2,
       .stride_w = 2, .layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_IOHW)},
    {"fcn-like k16 s8 p4, 5 classes", true,
     Q(.batch = 1, .in_h = 3, .in_w = 4, .in_channels = 5, .out_channels = 5, .kernel_h = 16, .kernel_w = 16,
       .stride_h = 8, .stride_w = 8, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 4, .pad_bottom = 4, .pad_left = 4,
       .pad_right = 4)},
    {"depthwise 4x4 s2 transposed", true,
     Q(.in_channels = 6, .out_channels = 6, .groups = 6, .kernel_h = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 2,
       .padding = TCONV_PADDING_SAME)},
    {"depthwise 3x3 conv", false,
     Q(.in_channels = 5, .out_channels = 5, .groups = 5, .kernel_h = 3, .kernel_w = 3, .padding = TCONV_PADDING_SAME,
       .layout = TCONV_NCHW)},
    {"resnet-like 3x3 SAME", false,
     Q(.in_h = 9, .in_w = 9, .in_channels = 16, .out_channels = 16, .kernel_h = 3, .kernel_w = 3,
       .padding = TCONV_PADDING_SAME, .activation = TCONV_ACTIVATION_RELU)},
    {"seed001 conv s3 VALID, small channels", false,
     Q(.in_h = 14, .in_w = 14, .kernel_h = 3, .kernel_w = 3, .stride_h = 3, .stride_w = 3)},
    {"kernel < stride, SAME, bias-only tail", true,
     Q(.in_h = 3, .in_w = 2, .kernel_h = 2, .kernel_w = 1, .stride_h = 4, .stride_w = 3,
       .padding = TCONV_PADDING_SAME)},
};

START_TEST(named_against_reference)
{
    const struct named_case *n = &named_cases[_i];
    char msg[1024];
    for (int dy = 0; dy < 2; dy++)
        for (int b = 0; b < 2; b++) {
            struct sweep_case c = {.tr = n->tr, .bias = b, .dyadic = !dy, .p = n->p};
            ck_assert_msg(check_case(&c, 300 + (uint64_t)_i, msg, sizeof msg), "%s: %s", n->name, msg);
        }
}
END_TEST

/* ---------------------------------------------------------------- forced tiles */

/* Run one algorithm with forced tile extents (rows, cols, K block) on nthreads threads (below the front door). */
static void run_tiled(bool tr, const struct tconv_params *p, enum tconv_algorithm algo, int64_t rows, int64_t cols,
                      int64_t kblock, int nthreads, const float *x, const float *f, const float *b, float *y)
{
    struct tconv__problem pr;
    struct tconv__plan pl;
    /* the first extent forces whatever counts rows, images or channels; the second columns or band rows */
    const struct tconv__force force = {
        .rows = rows, .images = rows, .channels = rows, .cols = cols, .band_rows = cols, .kblock = kblock};
    ck_assert_int_eq(tconv__resolve("t", p, tr, &pr, NULL), TCONV_OK);
    ck_assert_msg(tconv__plan_forward("t", &pr, algo, &force, &pl) == TCONV_OK, "%s", tconv_last_error());
    run_plan(&pr, &pl, (struct tconv__run){.x = x, .filter = f, .bias = b, .y = y, .timed = true}, nthreads);
}

struct tile_case {
    const char *name;
    bool tr;
    enum tconv_algorithm algo;
    struct tconv_params p;
};

#define T(...)                                                                                                         \
    Q(.batch = 3, .in_h = 7, .in_w = 5, .in_channels = 4, .out_channels = 6, .groups = 2, .kernel_h = 3,               \
      .kernel_w = 2, .stride_h = 2, .padding = TCONV_PADDING_SAME, __VA_ARGS__)

static const struct tile_case tile_cases[] = {
    {"conv GEMM NHWC", false, TCONV_ALGORITHM_GEMM, T()},
    {"conv GEMM NCHW OIHW", false, TCONV_ALGORITHM_GEMM, T(.layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_OIHW)},
    {"conv GEMM NHWC packed IOHW", false, TCONV_ALGORITHM_GEMM, T(.filter_layout = TCONV_FILTER_IOHW)},
    {"conv pointwise NHWC", false, TCONV_ALGORITHM_GEMM, T(.kernel_h = 1, .kernel_w = 1, .stride_h = 1)},
    {"conv pointwise NCHW", false, TCONV_ALGORITHM_GEMM,
     T(.kernel_h = 1, .kernel_w = 1, .stride_h = 1, .layout = TCONV_NCHW)},
    {"transposed col2im NHWC", true, TCONV_ALGORITHM_GEMM, T()},
    {"transposed col2im NHWC dilated, cropped", true, TCONV_ALGORITHM_GEMM,
     T(.dilation_h = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 2, .pad_bottom = 1, .pad_left = 1)},
    {"transposed col2im NCHW", true, TCONV_ALGORITHM_GEMM, T(.layout = TCONV_NCHW)},
    {"transposed pointwise NHWC", true, TCONV_ALGORITHM_GEMM, T(.kernel_h = 1, .kernel_w = 1, .stride_h = 1)},
    {"transposed pointwise NCHW", true, TCONV_ALGORITHM_GEMM,
     T(.kernel_h = 1, .kernel_w = 1, .stride_h = 1, .layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_HWIO)},
    {"transposed 1x1 input, out == kernel (GEMM into y)", true, TCONV_ALGORITHM_GEMM,
     T(.in_h = 1, .in_w = 1, .groups = 1, .kernel_h = 4, .kernel_w = 3, .stride_h = 1, .padding = TCONV_PADDING_VALID,
       .activation = TCONV_ACTIVATION_RELU)},
    {"transposed 1x1 input, out == kernel, NCHW IOHW", true, TCONV_ALGORITHM_GEMM,
     T(.in_h = 1, .in_w = 1, .groups = 1, .kernel_h = 4, .kernel_w = 3, .stride_h = 3, .stride_w = 2,
       .padding = TCONV_PADDING_VALID, .layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_IOHW)},
    {"transposed 1x1 input, cropped (not into y)", true, TCONV_ALGORITHM_GEMM,
     T(.in_h = 1, .in_w = 1, .groups = 1, .kernel_h = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 2,
       .padding = TCONV_PADDING_SAME)},
    {"transposed subpixel NHWC k3 s2", true, TCONV_ALGORITHM_SUBPIXEL, T()},
    {"transposed subpixel NCHW k3 s2", true, TCONV_ALGORITHM_SUBPIXEL, T(.layout = TCONV_NCHW)},
    {"transposed subpixel kernel == stride (x in place)", true, TCONV_ALGORITHM_SUBPIXEL,
     T(.kernel_h = 2, .kernel_w = 3, .stride_h = 2, .stride_w = 3, .padding = TCONV_PADDING_VALID)},
    {"transposed subpixel kernel == stride NCHW", true, TCONV_ALGORITHM_SUBPIXEL,
     T(.kernel_h = 2, .kernel_w = 3, .stride_h = 2, .stride_w = 3, .padding = TCONV_PADDING_VALID,
       .layout = TCONV_NCHW)},
    {"transposed subpixel stride 1 dilated", true, TCONV_ALGORITHM_SUBPIXEL,
     T(.stride_h = 1, .dilation_h = 2, .dilation_w = 3, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_right = 2)},
    {"transposed subpixel output_padding, crop", true, TCONV_ALGORITHM_SUBPIXEL,
     T(.kernel_h = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .pad_left = 3, .pad_right = 0, .output_padding_h = 1, .output_padding_w = 1)},
    {"depthwise conv NHWC", false, TCONV_ALGORITHM_DIRECT, T(.in_channels = 5, .out_channels = 5, .groups = 5)},
    {"depthwise conv NCHW", false, TCONV_ALGORITHM_DIRECT,
     T(.in_channels = 5, .out_channels = 5, .groups = 5, .layout = TCONV_NCHW)},
    {"depthwise transposed NHWC", true, TCONV_ALGORITHM_DIRECT,
     T(.in_channels = 5, .out_channels = 5, .groups = 5, .kernel_h = 4, .stride_w = 3)},
    {"depthwise transposed NCHW", true, TCONV_ALGORITHM_DIRECT,
     T(.in_channels = 5, .out_channels = 5, .groups = 5, .layout = TCONV_NCHW, .dilation_w = 2)},
};

START_TEST(tile_edges)
{
    const struct tile_case *tc = &tile_cases[_i];
    const struct tconv_params *p = &tc->p;
    struct rng r = rng_make(test_seed(), 21 + (uint64_t)_i);
    struct tconv_geometry g;
    ck_assert_int_eq(geometry(tc->tr, p, &g), TCONV_OK);
    const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels, nf = filter_elems(p);
    const int64_t ny = p->batch * g.out_h * g.out_w * p->out_channels;
    float *x = malloc(nx * 4), *f = malloc(nf * 4), *b = malloc(p->out_channels * 4), *ref = malloc(ny * 4);
    float *y = guarded_alloc(ny);
    fill_dyadic(&r, x, nx);
    fill_dyadic(&r, f, nf);
    fill_dyadic(&r, b, p->out_channels);
    ck_assert_int_eq(ref_op(tc->tr)(p, x, f, b, ref), TCONV_OK);
    /* extents 1 and odd ones put tile edges mid-row, mid-image and mid-phase; 0 = the planner's own */
    const int64_t ext[][3] = {{1, 1, 5}, {3, 2, 1}, {7, 0, 0}, {0, 3, 7}, {2, 5, 2}, {1000, 1000, 1000}, {0, 0, 0}};
    for (size_t e = 0; e < sizeof ext / sizeof *ext; e++)
        for (int threads = 1; threads <= 3; threads += 2) {
            for (int64_t i = 0; i < ny; i++) y[i] = NAN;
            run_tiled(tc->tr, p, tc->algo, ext[e][0], ext[e][1], ext[e][2], threads, x, f, b, y);
            char cs[512];
            const int64_t bad = first_mismatch(y, ref, ny, 0, 0);
            ck_assert_msg(bad < 0 && guards_intact(y, ny), "%s: %s, tiles (%lld, %lld, K %lld), %d threads: y[%lld]",
                          tc->name, case_str(cs, sizeof cs, tc->tr, p), (long long)ext[e][0], (long long)ext[e][1],
                          (long long)ext[e][2], threads, (long long)bad);
        }
    free(x);
    free(f);
    free(b);
    free(ref);
    guarded_free(y);
}
END_TEST

/* ---------------------------------------------------------------- empty and degenerate */

START_TEST(empty_input_gives_bias)
{
    struct tconv_params p =
        Q(.in_h = 0, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME,
          .out_h = 4, .out_w = 10, .activation = TCONV_ACTIVATION_RELU);
    const float f[3 * 3 * 3 * 4] = {0}, bias[4] = {-1, 0.5f, 2, -3};
    float y[2 * 4 * 10 * 4];
    for (int lay = 0; lay < 2; lay++) {
        p.layout = (enum tconv_layout)lay;
        for (int i = 0; i < 320; i++) y[i] = NAN;
        ck_assert_int_eq(tconv_conv2d_transpose(&p, NULL, f, bias, y), TCONV_OK); /* x has no elements */
        for (int i = 0; i < 320; i++) {
            const int c = lay ? (i / 40) % 4 : i % 4;
            ck_assert_msg(y[i] == (bias[c] > 0 ? bias[c] : 0), "%s [%d] = %g", layout_name(p.layout), i, y[i]);
        }
    }
    /* batch 0: a successful no-op that reads and writes nothing */
    p.batch = 0;
    ck_assert_int_eq(tconv_conv2d_transpose(&p, NULL, f, bias, NULL), TCONV_OK);
    p.out_h = p.out_w = 0;
    ck_assert_int_eq(tconv_conv2d(&p, NULL, NULL, NULL, NULL), TCONV_OK);
}
END_TEST

/* The NHWC depthwise conv's register kernel starts its vectors where x is 64-byte aligned (stride 1,
   whole vectors of channels): every float offset of x and of y, exact against the reference on dyadic
   data, with bias and ReLU, SAME (border columns) and VALID (none). */
START_TEST(depthwise_alignment)
{
    struct tconv_params p = Q(.in_h = 5, .in_w = 11, .in_channels = 32, .out_channels = 32, .groups = 32, .kernel_h = 3,
                              .kernel_w = 3, .activation = TCONV_ACTIVATION_RELU);
    enum { NX = 2 * 5 * 11 * 32, NF = 3 * 3 * 32 };
    float *xbuf = aligned_alloc(64, (NX + 64) * sizeof(float)), *ybuf = aligned_alloc(64, (NX + 64) * sizeof(float));
    float *ref = malloc(NX * sizeof(float)), f[NF], bias[32];
    struct rng r = rng_make(test_seed(), 77);
    fill_dyadic(&r, f, NF);
    fill_dyadic(&r, bias, 32);
    for (int pad = 0; pad < 2; pad++) {
        p.padding = pad ? TCONV_PADDING_SAME : TCONV_PADDING_VALID;
        struct tconv_geometry g;
        ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_OK);
        const int64_t ny = p.batch * g.out_h * g.out_w * 32;
        for (int xo = 0; xo < 16; xo++) {
            float *x = xbuf + xo, *y = ybuf + (xo * 7) % 16;
            fill_dyadic(&r, x, NX);
            ck_assert_int_eq(tconv_conv2d_reference(&p, x, f, bias, ref), TCONV_OK);
            for (int64_t i = 0; i < ny; i++) y[i] = NAN;
            ck_assert_int_eq(tconv_conv2d(&p, x, f, bias, y), TCONV_OK);
            for (int64_t i = 0; i < ny; i++)
                ck_assert_msg(y[i] == ref[i], "%s, x at float offset %d: y[%lld] = %g, want %g (seed %llu)",
                              pad ? "SAME" : "VALID", xo, (long long)i, y[i], ref[i], (unsigned long long)test_seed());
        }
    }
    free(xbuf);
    free(ybuf);
    free(ref);
}
END_TEST

/* The geometry and the element counts of x, the filter and y of a named case. */
static void case_sizes(const struct named_case *n, struct tconv_geometry *g, int64_t *nx, int64_t *nf, int64_t *ny)
{
    const struct tconv_params *p = &n->p;
    ck_assert_msg(geometry(n->tr, p, g) == TCONV_OK, "%s: %s", n->name, tconv_last_error());
    *nx = p->batch * p->in_h * p->in_w * p->in_channels;
    *nf = filter_elems(p);
    *ny = p->batch * g->out_h * g->out_w * p->out_channels;
}

/* ---------------------------------------------------------------- non-finite inputs */

/* One NaN or Inf in x or in the filter. The rules README states ("Non-finite inputs"):
   - every output the reference makes non-finite is non-finite in every fast path;
   - a non-finite x reaches exactly the outputs its pixel reaches, in every algorithm except a
     forced SUBPIXEL whose kernel is not a multiple of the stride (its zero taps carry it further);
   - a non-finite weight: GEMM conv and SUBPIXEL also multiply the zero padding (0 x NaN = NaN), so
     they may add non-finite outputs near the edges; away from the edges all paths agree;
   - finite outputs are equal (dyadic data: exactly). */
static const struct named_case nonfinite_cases[] = {
    {"conv 3x3 SAME", false, Q(.in_h = 7, .in_w = 6, .kernel_h = 3, .kernel_w = 3, .padding = TCONV_PADDING_SAME)},
    {"conv 3x3 s2 NCHW", false,
     Q(.in_h = 9, .in_w = 8, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2, .layout = TCONV_NCHW,
       .padding = TCONV_PADDING_SAME)},
    {"conv depthwise 3x3", false,
     Q(.in_h = 7, .in_w = 6, .in_channels = 4, .out_channels = 4, .groups = 4, .kernel_h = 3, .kernel_w = 3,
       .padding = TCONV_PADDING_SAME)},
    {"conv 1x1", false, Q(.in_h = 5, .in_w = 4, .kernel_h = 1, .kernel_w = 1)},
    {"transposed 3x3 s2 SAME", true,
     Q(.in_h = 5, .in_w = 4, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
       .padding = TCONV_PADDING_SAME)},
    {"transposed 4x4 s2 p1", true,
     Q(.in_h = 5, .in_w = 4, .kernel_h = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 2,
       .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 1, .pad_left = 1, .pad_right = 1)},
    {"transposed 2x2 s2 NCHW", true,
     Q(.in_h = 5, .in_w = 4, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2, .layout = TCONV_NCHW)},
    {"transposed depthwise 4x4 s2", true,
     Q(.in_h = 5, .in_w = 4, .in_channels = 4, .out_channels = 4, .groups = 4, .kernel_h = 4, .kernel_w = 4,
       .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME)},
};

/* Does every tap of output (oy, ox) read inside x (conv), or every tap that lands on it come from a
   pixel of x (transposed)? Then no padding zero takes part. */
static bool interior(bool tr, const struct tconv_params *p, const struct tconv_geometry *g, int64_t oy, int64_t ox)
{
    const int64_t o[2] = {oy, ox}, k[2] = {p->kernel_h, p->kernel_w}, s[2] = {p->stride_h, p->stride_w};
    const int64_t d[2] = {p->dilation_h, p->dilation_w}, pb[2] = {g->pad_top, g->pad_left}, in[2] = {p->in_h, p->in_w};
    for (int a = 0; a < 2; a++)
        for (int64_t t = 0; t < k[a]; t++) {
            if (!tr) {
                const int64_t i = o[a] * s[a] + t * d[a] - pb[a];
                if (i < 0 || i >= in[a]) return false;
            } else {
                const int64_t q = o[a] + pb[a] - t * d[a]; /* = i * s */
                if (q < 0 || (q % s[a] == 0 && q / s[a] >= in[a])) return false;
                if (q % s[a] == 0) continue;
                /* a phase this tap does not serve: sub-pixel's zero tap reads x[(q - r) / s]... */
                if (q / s[a] >= in[a]) return false;
            }
        }
    return true;
}

START_TEST(non_finite_inputs)
{
    const struct named_case *n = &nonfinite_cases[_i];
    const struct tconv_params *p = &n->p;
    struct tconv_geometry g;
    int64_t nx, nf, ny;
    case_sizes(n, &g, &nx, &nf, &ny);
    const bool nchw = p->layout == TCONV_NCHW;
    struct rng r = rng_make(test_seed(), 500 + (uint64_t)_i);
    float *x = malloc(nx * 4), *f = malloc(nf * 4), *b = malloc(p->out_channels * 4), *y = malloc(ny * 4);
    float *ref = malloc(ny * 4);
    const bool filled = (p->kernel_h % p->stride_h == 0) && (p->kernel_w % p->stride_w == 0);
    const float values[3] = {NAN, INFINITY, -INFINITY};
    for (int in_w = 0; in_w < 2; in_w++)  /* 0: x, 1: the filter */
        for (int pos = 0; pos < 3; pos++) /* first, middle and last element */
            for (int v = 0; v < 3; v++)
                for (int algo = 0; algo < 4; algo++) {
                    fill_dyadic(&r, x, nx);
                    fill_dyadic(&r, f, nf);
                    fill_dyadic(&r, b, p->out_channels);
                    float *t = in_w ? f : x;
                    const int64_t nt = in_w ? nf : nx, at = pos == 0 ? 0 : pos == 1 ? nt / 2 : nt - 1;
                    t[at] = values[v];
                    struct tconv_options o = TCONV_OPTIONS_INIT;
                    struct tconv_profile prof = TCONV_PROFILE_INIT;
                    o.algorithm = (enum tconv_algorithm)algo;
                    o.profile = &prof;
                    const enum tconv_status st =
                        (n->tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(p, x, f, b, y, NULL, 0, &o);
                    if (st == TCONV_ERR_UNSUPPORTED) continue; /* a forced algorithm that does not apply */
                    ck_assert_int_eq(st, TCONV_OK);
                    ck_assert_int_eq(ref_op(n->tr)(p, x, f, b, ref), TCONV_OK);
                    const bool sub = prof.algorithm == TCONV_ALGORITHM_SUBPIXEL;
                    const bool conv_gemm = !n->tr && prof.algorithm == TCONV_ALGORITHM_GEMM;
                    int64_t ref_bad = 0;
                    for (int64_t i = 0; i < ny; i++) {
                        const bool a = !isfinite(y[i]), e = !isfinite(ref[i]);
                        ref_bad += e;
                        const int64_t px = nchw ? i % (g.out_h * g.out_w) : i / p->out_channels % (g.out_h * g.out_w);
                        const bool in_core = interior(n->tr, p, &g, px / g.out_w, px % g.out_w);
                        const bool may_add = in_w ? (conv_gemm || sub) && !in_core : sub && !filled;
                        ck_assert_msg(a == e || (a && may_add),
                                      "%s, %s = %g at %lld, %s: y[%lld] = %g, reference %g (interior %d)", n->name,
                                      in_w ? "w" : "x", values[v], (long long)at, tconv_algorithm_name(prof.algorithm),
                                      (long long)i, y[i], ref[i], in_core);
                        if (!a && !e)
                            ck_assert_msg(y[i] == ref[i], "%s: finite y[%lld] = %g, reference %g", n->name,
                                          (long long)i, y[i], ref[i]);
                    }
                    ck_assert_msg(ref_bad > 0 || (in_w && p->groups > 1), "%s: the %s value reached nothing", n->name,
                                  in_w ? "filter" : "x");
                }
    free(x);
    free(f);
    free(b);
    free(y);
    free(ref);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ops");
    TCase *tc = tcase_create("ops");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, seeds_fast_path);
    tcase_add_loop_test(tc, sweep_against_reference, 0, SWEEP_CASES / SWEEP_CHUNK);
    tcase_add_test(tc, sweep_coverage);
    tcase_add_test(tc, adjoint_identity);
    tcase_add_loop_test(tc, named_against_reference, 0, (int)(sizeof named_cases / sizeof *named_cases));
    tcase_add_loop_test(tc, tile_edges, 0, (int)(sizeof tile_cases / sizeof *tile_cases));
    tcase_add_test(tc, empty_input_gives_bias);
    tcase_add_test(tc, depthwise_alignment);
    tcase_add_loop_test(tc, non_finite_inputs, 0, (int)(sizeof nonfinite_cases / sizeof *nonfinite_cases));
    suite_add_tcase(s, tc);
    return run_suite(s);
}
