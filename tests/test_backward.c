/*
 * test_backward.c - the gradients (src/filter_grad.c, bias_grad.c, depthwise.c, and the data gradients
 * through the adjoint forward paths):
 *   - finite differences: the loss L = <v, op(x, W) + b> is linear in x, in W and in b, so with
 *     dyadic values and a power-of-two step the central difference is the exact gradient; every
 *     element of dx, dW and db of small cases is checked against it, for both ops;
 *   - the adjoint identities <conv(x), dy> == <x, backward_data(dy)> and <op(x; W), dy> == <W, backward_filter(x, dy)>;
 *   - a sweep of 400 fixed-seed random cases of all six gradients (AUTO and every algorithm that
 *     applies) against the references;
 *   - the shared code paths bit for bit: conv2d_backward_data == conv2d_transpose,
 *     conv2d_transpose_backward_data == conv2d, and the two filter gradients with x and dy exchanged;
 *   - accumulate, split reductions, empty problems, bad input (threads: test_threads.c).
 */
#include "common.h"
#include "internals.h"

typedef enum tconv_status (*fwd_fn)(const struct tconv_params *, const float *, const float *, const float *, float *);
typedef enum tconv_status (*grad_fn)(const struct tconv_params *, const float *, const float *, float *);
typedef enum tconv_status (*grad_ex_fn)(const struct tconv_params *, const float *, const float *, float *, void *,
                                        size_t, const struct tconv_options *);
typedef enum tconv_status (*bias_fn)(const struct tconv_params *, const float *, float *);

static enum tconv_status geometry(bool tr, const struct tconv_params *p, struct tconv_geometry *g)
{
    return tr ? tconv_conv2d_transpose_geometry(p, g) : tconv_conv2d_geometry(p, g);
}

/* The six gradients of one op, fast, _ex and reference. */
struct grads {
    fwd_fn fwd, fwd_ref;
    grad_fn data, filter, data_ref, filter_ref;
    grad_ex_fn data_ex, filter_ex;
    bias_fn bias, bias_ref;
};

static const struct grads G[2] = {
    {tconv_conv2d, tconv_conv2d_reference, tconv_conv2d_backward_data, tconv_conv2d_backward_filter,
     tconv_conv2d_backward_data_reference, tconv_conv2d_backward_filter_reference, tconv_conv2d_backward_data_ex,
     tconv_conv2d_backward_filter_ex, tconv_conv2d_backward_bias, tconv_conv2d_backward_bias_reference},
    {tconv_conv2d_transpose, tconv_conv2d_transpose_reference, tconv_conv2d_transpose_backward_data,
     tconv_conv2d_transpose_backward_filter, tconv_conv2d_transpose_backward_data_reference,
     tconv_conv2d_transpose_backward_filter_reference, tconv_conv2d_transpose_backward_data_ex,
     tconv_conv2d_transpose_backward_filter_ex, tconv_conv2d_transpose_backward_bias,
     tconv_conv2d_transpose_backward_bias_reference},
};

struct sizes {
    int64_t nx, ny, nf, nb;
};

static struct sizes sizes_of(bool tr, const struct tconv_params *p)
{
    struct tconv_geometry g;
    ck_assert_msg(geometry(tr, p, &g) == TCONV_OK, "%s", tconv_last_error());
    return (struct sizes){p->batch * p->in_h * p->in_w * p->in_channels, p->batch * g.out_h * g.out_w * p->out_channels,
                          filter_elems(p), p->out_channels};
}

static double dot(const float *a, const float *b, int64_t n)
{
    double s = 0;
    for (int64_t i = 0; i < n; i++) s += (double)a[i] * (double)b[i];
    return s;
}

#define Q(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 2, .in_h = 5, .in_w = 4, .in_channels = 2, .out_channels = 3, .groups = 1, .kernel_h = 3,             \
        .kernel_w = 2, .stride_h = 2, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                     \
    }

struct named {
    const char *name;
    bool tr;
    struct tconv_params p;
};

static const struct named fd_cases[] = {
    {"conv NHWC SAME", false, Q(.padding = TCONV_PADDING_SAME)},
    {"conv NCHW OIHW groups 2, dilated", false,
     Q(.in_channels = 4, .out_channels = 2, .groups = 2, .dilation_w = 2, .layout = TCONV_NCHW,
       .filter_layout = TCONV_FILTER_OIHW)},
    {"conv EXPLICIT asymmetric, HWOI", false,
     Q(.padding = TCONV_PADDING_EXPLICIT, .pad_top = 2, .pad_left = 1, .filter_layout = TCONV_FILTER_HWOI)},
    {"conv depthwise", false, Q(.in_channels = 3, .out_channels = 3, .groups = 3, .padding = TCONV_PADDING_SAME)},
    {"conv NCHW k4 s2 (data gradient by sub-pixel)", false,
     Q(.in_h = 8, .in_w = 6, .kernel_h = 4, .kernel_w = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME,
       .layout = TCONV_NCHW)},
    {"transposed NHWC SAME (odd crop)", true, Q(.padding = TCONV_PADDING_SAME)},
    {"transposed NCHW IOHW, output_padding", true,
     Q(.layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_IOHW, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .output_padding_h = 1)},
    {"transposed k < s: a bias-only tail", true,
     Q(.kernel_h = 1, .stride_h = 3, .padding = TCONV_PADDING_SAME, .out_h = 15, .out_w = 4)},
    {"transposed depthwise, dilated", true,
     Q(.in_channels = 2, .out_channels = 2, .groups = 2, .dilation_h = 2, .filter_layout = TCONV_FILTER_OIHW)},
    {"transposed depthwise, 20 channels, stride 2 (dx: the register kernel, accumulated)", true,
     Q(.in_channels = 20, .out_channels = 20, .groups = 20, .in_w = 9, .stride_w = 2, .padding = TCONV_PADDING_SAME)},
};

/* L = <v, op(x, W) + b>, in double, through the reference forward (exact on dyadic data). */
static double loss(bool tr, const struct tconv_params *p, const float *x, const float *w, const float *b,
                   const float *v, float *y, int64_t ny)
{
    ck_assert_int_eq(G[tr].fwd_ref(p, x, w, b, y), TCONV_OK);
    return dot(v, y, ny);
}

START_TEST(finite_differences)
{
    const struct named *c = &fd_cases[_i];
    const bool tr = c->tr;
    const struct tconv_params *p = &c->p;
    const struct sizes z = sizes_of(tr, p);
    struct rng r = rng_make(test_seed(), 100 + (uint64_t)_i);
    float *x = malloc(z.nx * 4), *w = malloc(z.nf * 4), *b = malloc(z.nb * 4), *v = malloc(z.ny * 4);
    float *y = malloc(z.ny * 4), *dx = malloc(z.nx * 4), *dw = malloc(z.nf * 4), *db = malloc(z.nb * 4);
    fill_dyadic(&r, x, z.nx);
    fill_dyadic(&r, w, z.nf);
    fill_dyadic(&r, b, z.nb);
    fill_dyadic(&r, v, z.ny);
    const float h = 0.5f;
    for (int ref = 0; ref < 2; ref++) {
        ck_assert_int_eq((ref ? G[tr].data_ref : G[tr].data)(p, v, w, dx), TCONV_OK);
        ck_assert_int_eq((ref ? G[tr].filter_ref : G[tr].filter)(p, x, v, dw), TCONV_OK);
        ck_assert_int_eq((ref ? G[tr].bias_ref : G[tr].bias)(p, v, db), TCONV_OK);
        struct {
            float *param, *grad;
            int64_t n;
            const char *name;
        } sets[3] = {{x, dx, z.nx, "dx"}, {w, dw, z.nf, "dfilter"}, {b, db, z.nb, "dbias"}};
        for (int s = 0; s < 3; s++)
            for (int64_t i = 0; i < sets[s].n; i++) {
                const float keep = sets[s].param[i];
                sets[s].param[i] = keep + h;
                const double lp = loss(tr, p, x, w, b, v, y, z.ny);
                sets[s].param[i] = keep - h;
                const double lm = loss(tr, p, x, w, b, v, y, z.ny);
                sets[s].param[i] = keep;
                const double fd = (lp - lm) / (2.0 * h);
                ck_assert_msg(fd == (double)sets[s].grad[i], "%s: %s %s[%lld] = %.9g, finite difference %.9g", c->name,
                              ref ? "reference" : "fast", sets[s].name, (long long)i, sets[s].grad[i], fd);
            }
    }
    free(x);
    free(w);
    free(b);
    free(v);
    free(y);
    free(dx);
    free(dw);
    free(db);
}
END_TEST

/* ---------------------------------------------------------------- the sweep */

struct gcase {
    bool tr, dyadic;
    struct tconv_params p;
};

#define GRAD_CASES 400
#define GRAD_CHUNK 20

static struct gcase make_case(uint64_t seed, int i)
{
    struct rng r = rng_make(seed, 20000 + (uint64_t)i);
    for (;;) {
        struct gcase c = {.tr = i & 1, .dyadic = (i % 4) != 3};
        struct tconv_params *p = &c.p;
        *p = (struct tconv_params)TCONV_PARAMS_INIT;
        p->layout = (enum tconv_layout)rng_int(&r, 0, 1);
        p->filter_layout = (enum tconv_filter_layout)rng_int(&r, 0, 4);
        p->padding = (enum tconv_padding)rng_int(&r, 0, 3);
        const int kind = (int)rng_int(&r, 0, 4);
        if (kind == 4) {
            p->groups = p->in_channels = p->out_channels = rng_int(&r, 2, 5);
            if (rng_int(&r, 0, 1)) /* whole vectors of 16 and a remainder: depthwise.c's register kernel */
                p->groups = p->in_channels = p->out_channels = rng_int(&r, 14, 36);
        } else {
            p->groups = kind == 3 ? 3 : kind == 2 ? 2 : 1;
            p->in_channels = p->groups * rng_int(&r, 1, 4);
            p->out_channels = p->groups * rng_int(&r, 1, 4);
        }
        p->kernel_h = rng_int(&r, 1, 5);
        p->kernel_w = rng_int(&r, 1, 5);
        p->stride_h = rng_int(&r, 1, 3);
        p->stride_w = rng_int(&r, 1, 3);
        p->dilation_h = rng_int(&r, 0, 2) ? 1 : 2;
        p->dilation_w = rng_int(&r, 0, 2) ? 1 : 2;
        p->batch = rng_int(&r, 1, 3);
        p->in_h = rng_int(&r, 1, c.tr ? 7 : 12);
        p->in_w = rng_int(&r, 1, c.tr ? 7 : 12);
        if (p->padding == TCONV_PADDING_EXPLICIT) {
            p->pad_top = rng_int(&r, 0, 2);
            p->pad_bottom = rng_int(&r, 0, 2);
            p->pad_left = rng_int(&r, 0, 2);
            p->pad_right = rng_int(&r, 0, 2);
        }
        struct tconv_geometry g;
        if (geometry(c.tr, p, &g) != TCONV_OK) continue;
        if (c.tr && rng_int(&r, 0, 1) && g.out_h_max >= 1 && g.out_w_max >= 1) {
            p->out_h = rng_int(&r, g.out_h_min > 0 ? g.out_h_min : 1, g.out_h_max);
            p->out_w = rng_int(&r, g.out_w_min > 0 ? g.out_w_min : 1, g.out_w_max);
            if (geometry(c.tr, p, &g) != TCONV_OK) continue;
        }
        if (g.out_h * g.out_w == 0 || p->batch * g.out_h * g.out_w * p->out_channels > 20000) continue;
        return c;
    }
}

static bool close_enough(const float *y, const float *ref, int64_t n, bool dyadic, int64_t terms, char *msg, size_t len,
                         const char *what)
{
    const double atol = dyadic ? 0.0 : 2e-6 * (double)terms, rtol = dyadic ? 0.0 : 1e-5;
    const int64_t bad = first_mismatch(y, ref, n, atol, rtol);
    if (bad >= 0) snprintf(msg, len, "%s[%lld] = %.9g, reference %.9g", what, (long long)bad, y[bad], ref[bad]);
    return bad < 0;
}

static bool check_grad_case(const struct gcase *c, uint64_t stream, char *msg, size_t len)
{
    const bool tr = c->tr;
    const struct tconv_params *p = &c->p;
    const struct sizes z = sizes_of(tr, p);
    struct rng r = rng_make(test_seed(), stream);
    float *x = malloc(z.nx * 4 + 4), *w = malloc(z.nf * 4), *dy = malloc(z.ny * 4);
    float *outs[2] = {guarded_alloc(z.nx), guarded_alloc(z.nf)}, *ref = malloc((z.nx + z.nf + z.nb) * 4);
    float *out;
    void (*fill)(struct rng *, float *, int64_t) = c->dyadic ? fill_dyadic : fill_uniform;
    fill(&r, x, z.nx);
    fill(&r, w, z.nf);
    fill(&r, dy, z.ny);
    char cs[512], what[96];
    case_str(cs, sizeof cs, tr, p);
    bool ok = true;
    /* the reduction length of each gradient element: dx sums taps x the output channels of its group; dW and
       dbias sum over the batch and the small side's pixels (conv: y's; transposed: x's) */
    const int64_t tdata = p->kernel_h * p->kernel_w * (p->out_channels / p->groups);
    const int64_t tfilt = tr ? z.nx / p->in_channels : z.ny / p->out_channels, tbias = z.ny / p->out_channels;
    ck_assert_int_eq(G[tr].data_ref(p, dy, w, ref), TCONV_OK);
    ck_assert_int_eq(G[tr].filter_ref(p, x, dy, ref + z.nx), TCONV_OK);
    ck_assert_int_eq(G[tr].bias_ref(p, dy, ref + z.nx + z.nf), TCONV_OK);
    for (int a = -1; ok && a <= (int)TCONV_ALGORITHM_DIRECT; a++) {
        if (a == 0) continue;
        struct tconv_options o = TCONV_OPTIONS_INIT;
        o.algorithm = a < 0 ? TCONV_ALGORITHM_AUTO : (enum tconv_algorithm)a;
        const char *an = a < 0 ? "AUTO" : tconv_algorithm_name(o.algorithm);
        for (int k = 0; k < 2 && ok; k++) { /* data, filter */
            const int64_t n = k ? z.nf : z.nx;
            out = outs[k];
            for (int64_t i = 0; i < n; i++) out[i] = NAN;
            enum tconv_status st =
                k ? G[tr].filter_ex(p, x, dy, out, NULL, 0, &o) : G[tr].data_ex(p, dy, w, out, NULL, 0, &o);
            if (st == TCONV_ERR_UNSUPPORTED) continue; /* that algorithm does not apply */
            snprintf(what, sizeof what, "%s [%s]", k ? "dfilter" : "dx", an);
            if (st != TCONV_OK) {
                snprintf(msg, len, "%s: %s: status %d %s", cs, what, st, tconv_last_error());
                ok = false;
            } else if (!guards_intact(out, n)) {
                snprintf(msg, len, "%s: %s wrote outside", cs, what);
                ok = false;
            } else {
                char m2[256];
                if (!close_enough(out, ref + (k ? z.nx : 0), n, c->dyadic, k ? tfilt : tdata, m2, sizeof m2, what)) {
                    snprintf(msg, len, "%s: %s", cs, m2);
                    ok = false;
                }
            }
        }
    }
    if (ok) {
        out = malloc(z.nb * 4);
        ck_assert_int_eq(G[tr].bias(p, dy, out), TCONV_OK);
        char m2[256];
        if (!close_enough(out, ref + z.nx + z.nf, z.nb, c->dyadic, tbias, m2, sizeof m2, "dbias")) {
            snprintf(msg, len, "%s: %s", cs, m2);
            ok = false;
        }
        free(out);
    }
    free(x);
    free(w);
    free(dy);
    guarded_free(outs[0]);
    guarded_free(outs[1]);
    free(ref);
    return ok;
}

START_TEST(sweep_against_reference)
{
    char msg[1024];
    for (int i = _i * GRAD_CHUNK; i < (_i + 1) * GRAD_CHUNK; i++) {
        struct gcase c = make_case(test_seed(), i);
        ck_assert_msg(check_grad_case(&c, 30000 + (uint64_t)i, msg, sizeof msg), "gradient case %d (seed %llu): %s", i,
                      (unsigned long long)test_seed(), msg);
    }
}
END_TEST

START_TEST(sweep_coverage)
{
    int tr = 0, layouts[2] = {0}, pads[4] = {0}, dw = 0, dil = 0, groups = 0;
    for (int i = 0; i < GRAD_CASES; i++) {
        struct gcase c = make_case(test_seed(), i);
        tr += c.tr;
        layouts[c.p.layout]++;
        pads[c.p.padding]++;
        dw += c.p.groups > 1 && c.p.groups == c.p.in_channels && c.p.groups == c.p.out_channels;
        dil += c.p.dilation_h > 1 || c.p.dilation_w > 1;
        groups += c.p.groups > 1;
    }
    ck_assert_int_ge(GRAD_CASES, 300);
    ck_assert_int_ge(tr, 150);
    ck_assert_int_ge(layouts[0], 120);
    ck_assert_int_ge(layouts[1], 120);
    for (int i = 0; i < 4; i++) ck_assert_int_ge(pads[i], 60);
    ck_assert_int_ge(dw, 40);
    ck_assert_int_ge(dil, 80);
    ck_assert_int_ge(groups, 120);
}
END_TEST

/* ---------------------------------------------------------------- adjoint identities */

START_TEST(adjoint_identities)
{
    for (int i = 0; i < 120; i++) {
        struct gcase c = make_case(test_seed() + 5, i);
        const bool tr = c.tr;
        const struct tconv_params *p = &c.p;
        const struct sizes z = sizes_of(tr, p);
        struct rng r = rng_make(test_seed(), 40000 + (uint64_t)i);
        float *x = malloc(z.nx * 4 + 4), *w = malloc(z.nf * 4), *dy = malloc(z.ny * 4), *y = malloc(z.ny * 4);
        float *dx = malloc(z.nx * 4 + 4), *dw = malloc(z.nf * 4);
        fill_dyadic(&r, x, z.nx);
        fill_dyadic(&r, w, z.nf);
        fill_dyadic(&r, dy, z.ny);
        ck_assert_int_eq(G[tr].fwd(p, x, w, NULL, y), TCONV_OK);
        ck_assert_int_eq(G[tr].data(p, dy, w, dx), TCONV_OK);
        ck_assert_int_eq(G[tr].filter(p, x, dy, dw), TCONV_OK);
        const double a = dot(y, dy, z.ny), bx = dot(x, dx, z.nx), bw = dot(w, dw, z.nf);
        char cs[512];
        case_str(cs, sizeof cs, tr, p);
        ck_assert_msg(a == bx, "%s: <op(x), dy> = %.17g, <x, backward_data(dy)> = %.17g", cs, a, bx);
        ck_assert_msg(a == bw, "%s: <op(x; W), dy> = %.17g, <W, backward_filter(x, dy)> = %.17g", cs, a, bw);
        free(x);
        free(w);
        free(dy);
        free(y);
        free(dx);
        free(dw);
    }
}
END_TEST

/* ---------------------------------------------------------------- shared paths, bit for bit */

/* The transposed conv that is the adjoint of conv p: the same filter tensor, the same padding mode,
   output_shape = conv's input size. */
static struct tconv_params transpose_of(const struct tconv_params *p)
{
    struct tconv_geometry g;
    ck_assert_int_eq(tconv_conv2d_geometry(p, &g), TCONV_OK);
    struct tconv_params t = *p;
    t.in_h = g.out_h;
    t.in_w = g.out_w;
    t.out_h = p->in_h;
    t.out_w = p->in_w;
    t.in_channels = p->out_channels;
    t.out_channels = p->in_channels;
    t.filter_layout = swap_io(p->filter_layout);
    return t;
}

START_TEST(shared_paths_bitwise)
{
    int tested = 0;
    for (int i = 0; tested < 100; i++) {
        struct gcase c = make_case(test_seed() + 9, 2 * i); /* conv cases */
        const struct tconv_params *p = &c.p;
        const struct tconv_params t = transpose_of(p);
        struct tconv_geometry gt;
        if (tconv_conv2d_transpose_geometry(&t, &gt) != TCONV_OK) continue;
        const struct sizes z = sizes_of(false, p);
        struct rng r = rng_make(test_seed(), 50000 + (uint64_t)i);
        float *x = malloc(z.nx * 4 + 4), *w = malloc(z.nf * 4), *dy = malloc(z.ny * 4);
        float *a = malloc((z.nx + z.ny + z.nf) * 4), *b = malloc((z.nx + z.ny + z.nf) * 4);
        fill_uniform(&r, x, z.nx);
        fill_uniform(&r, w, z.nf);
        fill_uniform(&r, dy, z.ny);
        char cs[512];
        case_str(cs, sizeof cs, false, p);
        /* conv2d's data gradient is conv2d_transpose of dy */
        ck_assert_int_eq(tconv_conv2d_backward_data(p, dy, w, a), TCONV_OK);
        ck_assert_int_eq(tconv_conv2d_transpose(&t, dy, w, NULL, b), TCONV_OK);
        ck_assert_msg(memcmp(a, b, z.nx * 4) == 0, "%s: conv2d_backward_data != conv2d_transpose", cs);
        /* conv2d_transpose's data gradient is conv2d */
        ck_assert_int_eq(tconv_conv2d_transpose_backward_data(&t, x, w, a), TCONV_OK);
        ck_assert_int_eq(tconv_conv2d(p, x, w, NULL, b), TCONV_OK);
        ck_assert_msg(memcmp(a, b, z.ny * 4) == 0, "%s: conv2d_transpose_backward_data != conv2d", cs);
        /* the two filter gradients, with x and dy exchanged */
        ck_assert_int_eq(tconv_conv2d_backward_filter(p, x, dy, a), TCONV_OK);
        ck_assert_int_eq(tconv_conv2d_transpose_backward_filter(&t, dy, x, b), TCONV_OK);
        ck_assert_msg(memcmp(a, b, z.nf * 4) == 0, "%s: the filter gradients differ", cs);
        free(x);
        free(w);
        free(dy);
        free(a);
        free(b);
        tested++;
    }
}
END_TEST

/* ---------------------------------------------------------------- accumulate, empty, errors, threads */

START_TEST(accumulate)
{
    for (int k = 0; k < (int)(sizeof fd_cases / sizeof *fd_cases); k++) {
        const struct named *c = &fd_cases[k];
        const struct sizes z = sizes_of(c->tr, &c->p);
        struct rng r = rng_make(test_seed(), 60 + (uint64_t)k);
        float *x = malloc(z.nx * 4), *w = malloc(z.nf * 4), *dy = malloc(z.ny * 4), *g0 = malloc(z.nx * 4 + z.nf * 4);
        float *acc = malloc(z.nx * 4 + z.nf * 4);
        fill_dyadic(&r, x, z.nx);
        fill_dyadic(&r, w, z.nf);
        fill_dyadic(&r, dy, z.ny);
        struct tconv_options o = TCONV_OPTIONS_INIT;
        o.accumulate = 1;
        for (int f = 0; f < 2; f++)
            for (int a = 0; a <= (int)TCONV_ALGORITHM_DIRECT; a++) { /* every algorithm that applies */
                const int64_t n = f ? z.nf : z.nx;
                ck_assert_int_eq(f ? G[c->tr].filter(&c->p, x, dy, g0) : G[c->tr].data(&c->p, dy, w, g0), TCONV_OK);
                for (int64_t i = 0; i < n; i++) acc[i] = (float)(i % 5) - 2.0f;
                o.algorithm = (enum tconv_algorithm)a;
                enum tconv_status st = f ? G[c->tr].filter_ex(&c->p, x, dy, acc, NULL, 0, &o)
                                         : G[c->tr].data_ex(&c->p, dy, w, acc, NULL, 0, &o);
                if (st == TCONV_ERR_UNSUPPORTED) continue;
                ck_assert_int_eq(st, TCONV_OK);
                for (int64_t i = 0; i < n; i++)
                    ck_assert_msg(acc[i] == (float)(i % 5) - 2.0f + g0[i],
                                  "%s: %s[%lld] accumulated by %s: %g, want %g + %g", c->name, f ? "dfilter" : "dx",
                                  (long long)i, tconv_algorithm_name(o.algorithm), acc[i], (float)(i % 5) - 2.0f,
                                  g0[i]);
            }
        o.algorithm = TCONV_ALGORITHM_AUTO;
        float db[64], db0[64];
        ck_assert_int_le(z.nb, 64);
        ck_assert_int_eq(G[c->tr].bias(&c->p, dy, db0), TCONV_OK);
        for (int i = 0; i < 64; i++) db[i] = 1.0f;
        ck_assert_int_eq((c->tr ? tconv_conv2d_transpose_backward_bias_ex
                                : tconv_conv2d_backward_bias_ex)(&c->p, dy, db, NULL, 0, &o),
                         TCONV_OK);
        for (int i = 0; i < z.nb; i++) ck_assert(db[i] == 1.0f + db0[i]);
        free(x);
        free(w);
        free(dy);
        free(g0);
        free(acc);
    }
}
END_TEST

START_TEST(empty_problems)
{
    /* conv VALID with in < kernel: an empty y, so every gradient of x and W is zero (or untouched when accumulating) */
    struct tconv_params p = Q(.in_h = 2, .kernel_h = 4);
    struct tconv_geometry g;
    ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_OK);
    ck_assert_int_eq(g.out_h, 0);
    float x[2 * 2 * 4 * 2], dx[2 * 2 * 4 * 2], dw[4 * 2 * 2 * 3], db[3];
    for (int i = 0; i < 32; i++) {
        x[i] = 1.0f;
        dx[i] = 5.0f;
    }
    for (int i = 0; i < 48; i++) dw[i] = 5.0f;
    ck_assert_int_eq(tconv_conv2d_backward_data(&p, NULL, NULL, dx), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d_backward_filter(&p, x, NULL, dw), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d_backward_bias(&p, NULL, db), TCONV_OK);
    for (int i = 0; i < 32; i++) ck_assert(dx[i] == 0.0f);
    for (int i = 0; i < 48; i++) ck_assert(dw[i] == 0.0f);
    for (int i = 0; i < 3; i++) ck_assert(db[i] == 0.0f);
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.accumulate = 1;
    for (int i = 0; i < 48; i++) dw[i] = 5.0f;
    ck_assert_int_eq(tconv_conv2d_backward_filter_ex(&p, x, NULL, dw, NULL, 0, &o), TCONV_OK);
    for (int i = 0; i < 48; i++) ck_assert(dw[i] == 5.0f);
    /* batch 0: nothing to write, NULL everywhere */
    p = (struct tconv_params)Q(.batch = 0);
    ck_assert_int_eq(tconv_conv2d_transpose_backward_data(&p, NULL, NULL, NULL), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d_transpose_backward_filter(&p, NULL, NULL, dw), TCONV_OK);
    for (int i = 0; i < 48; i++) /* batch 0: a zero filter gradient (3x2 kernel, 2 in, 3 out: 36 weights) */
        ck_assert(dw[i] == (i < 36 ? 0.0f : 5.0f));
    ck_assert_int_eq(tconv_conv2d_transpose_backward_filter_reference(&p, NULL, NULL, dw), TCONV_OK);
}
END_TEST

struct bad {
    const char *name;
    int op; /* 0 data, 1 filter, 2 bias */
    bool tr;
    struct tconv_params p;
    int null_arg; /* 0 none, 1 first input, 2 second input, 3 output */
    enum tconv_status st;
    const char *msg;
};

static const struct bad bads[] = {
    {"ReLU in p", 0, false, Q(.activation = TCONV_ACTIVATION_RELU), 0, TCONV_ERR_INVALID_ARGUMENT,
     "activation must be TCONV_ACTIVATION_NONE"},
    {"stride 0", 1, true, Q(.stride_w = 0), 0, TCONV_ERR_INVALID_ARGUMENT, "stride_w = 0"},
    {"NULL dy", 0, true, Q(), 1, TCONV_ERR_NULL_POINTER, "dy must not be NULL"},
    {"NULL filter", 0, false, Q(), 2, TCONV_ERR_NULL_POINTER, "filter must not be NULL"},
    {"NULL dx", 0, false, Q(), 3, TCONV_ERR_NULL_POINTER, "dx must not be NULL"},
    {"NULL x", 1, false, Q(), 1, TCONV_ERR_NULL_POINTER, "x must not be NULL"},
    {"NULL dfilter", 1, true, Q(), 3, TCONV_ERR_NULL_POINTER, "dfilter must not be NULL"},
    {"NULL dbias", 2, false, Q(), 3, TCONV_ERR_NULL_POINTER, "dbias must not be NULL"},
    {"inadmissible output", 1, true, Q(.out_h = 3), 0, TCONV_ERR_SHAPE_MISMATCH, "out_h = 3"},
    {"groups", 2, true, Q(.groups = 2), 0, TCONV_ERR_INVALID_ARGUMENT, "out_channels = 3 is not divisible"},
};

START_TEST(bad_input)
{
    const struct bad *c = &bads[_i];
    static float a[4096], b[4096], out[4096];
    for (int i = 0; i < 4096; i++) {
        a[i] = b[i] = 1.0f;
        out[i] = 9.0f;
    }
    const float *in1 = c->null_arg == 1 ? NULL : a, *in2 = c->null_arg == 2 ? NULL : b;
    float *o = c->null_arg == 3 ? NULL : out;
    for (int ref = 0; ref < 2; ref++) {
        enum tconv_status st;
        if (c->op == 0)
            st = (ref ? G[c->tr].data_ref : G[c->tr].data)(&c->p, in1, in2, o);
        else if (c->op == 1)
            st = (ref ? G[c->tr].filter_ref : G[c->tr].filter)(&c->p, in1, in2, o);
        else
            st = (ref ? G[c->tr].bias_ref : G[c->tr].bias)(&c->p, in1, o);
        ck_assert_msg(st == c->st && strstr(tconv_last_error(), c->msg), "%s (%s): %d %s", c->name,
                      ref ? "reference" : "fast", st, tconv_last_error());
        for (int i = 0; i < 4096; i++) ck_assert_msg(out[i] == 9.0f, "%s: output touched", c->name);
    }
    /* the workspace query says the same */
    size_t bytes;
    const enum tconv_op ops[2][3] = {
        {TCONV_OP_CONV2D_BACKWARD_DATA, TCONV_OP_CONV2D_BACKWARD_FILTER, TCONV_OP_CONV2D_BACKWARD_BIAS},
        {TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER,
         TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS}};
    if (c->null_arg == 0) ck_assert_int_eq(tconv_workspace_size(ops[c->tr][c->op], &c->p, NULL, &bytes), c->st);
}
END_TEST

START_TEST(options_and_queries)
{
    struct tconv_params p = Q(.padding = TCONV_PADDING_SAME);
    struct tconv_options o = TCONV_OPTIONS_INIT;
    size_t bytes;
    o.algorithm = TCONV_ALGORITHM_SUBPIXEL;
    ck_assert_int_eq(tconv_workspace_size(TCONV_OP_CONV2D_BACKWARD_FILTER, &p, &o, &bytes), TCONV_ERR_UNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "not to filter gradients"));
    /* conv2d's data gradient is a transposed conv: sub-pixel applies to it */
    ck_assert_int_eq(tconv_workspace_size(TCONV_OP_CONV2D_BACKWARD_DATA, &p, &o, &bytes), TCONV_OK);
    ck_assert_int_eq(tconv_workspace_size((enum tconv_op)99, &p, NULL, &bytes), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tconv_workspace_size(TCONV_OP_CONV2D, &p, NULL, NULL), TCONV_ERR_NULL_POINTER);
    /* the generic query agrees with the forward ones */
    size_t a, b;
    ck_assert_int_eq(tconv_workspace_size(TCONV_OP_CONV2D_TRANSPOSE, &p, NULL, &a), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d_transpose_workspace_size(&p, &b), TCONV_OK);
    ck_assert_uint_eq(a, b);
    /* a caller workspace of the queried size, and one thread's share: the same bits */
    const struct sizes z = sizes_of(false, &p);
    struct rng r = rng_make(test_seed(), 77);
    float *x = malloc(z.nx * 4), *dy = malloc(z.ny * 4), *d1 = malloc(z.nf * 4), *d2 = malloc(z.nf * 4);
    fill_uniform(&r, x, z.nx);
    fill_uniform(&r, dy, z.ny);
    ck_assert_int_eq(tconv_conv2d_backward_filter(&p, x, dy, d1), TCONV_OK);
    o = (struct tconv_options)TCONV_OPTIONS_INIT;
    ck_assert_int_eq(tconv_workspace_size(TCONV_OP_CONV2D_BACKWARD_FILTER, &p, &o, &bytes), TCONV_OK);
    void *ws = malloc(bytes);
    ck_assert_int_eq(tconv_conv2d_backward_filter_ex(&p, x, dy, d2, ws, bytes, &o), TCONV_OK);
    ck_assert(memcmp(d1, d2, z.nf * 4) == 0);
    ck_assert_int_eq(tconv_conv2d_backward_filter_ex(&p, x, dy, d2, ws, 8, &o), TCONV_ERR_INVALID_ARGUMENT);
    free(ws);
    free(x);
    free(dy);
    free(d1);
    free(d2);
}
END_TEST

/* Filter gradients with forced blocks: K blocks, output-channel blocks and reduction chunks that
   end mid-tap, mid-row and mid-image, on 1 and 3 threads. */
START_TEST(filter_grad_blocks)
{
    const struct named cases[4] = {
        {"conv NHWC", false, Q(.in_channels = 4, .out_channels = 6, .groups = 2, .padding = TCONV_PADDING_SAME)},
        {"conv NCHW OIHW", false,
         Q(.in_channels = 3, .out_channels = 5, .layout = TCONV_NCHW, .filter_layout = TCONV_FILTER_OIHW,
           .dilation_h = 2, .padding = TCONV_PADDING_SAME)},
        {"transposed NHWC", true, Q(.in_channels = 4, .out_channels = 6, .groups = 2, .padding = TCONV_PADDING_SAME)},
        {"depthwise NHWC", false, Q(.in_channels = 5, .out_channels = 5, .groups = 5, .padding = TCONV_PADDING_SAME)},
    };
    const int64_t blocks[][4] = {{1, 1, 1, 1}, {5, 2, 7, 1}, {7, 3, 3, 3}, {1000, 1000, 1000, 1}, {4, 4, 5, 7}};
    for (int k = 0; k < 4; k++) {
        const struct named *c = &cases[k];
        const struct sizes z = sizes_of(c->tr, &c->p);
        struct rng r = rng_make(test_seed(), 95 + (uint64_t)k);
        float *x = malloc(z.nx * 4), *dy = malloc(z.ny * 4), *ref = malloc(z.nf * 4), *dw = guarded_alloc(z.nf);
        fill_dyadic(&r, x, z.nx);
        fill_dyadic(&r, dy, z.ny);
        ck_assert_int_eq(G[c->tr].filter_ref(&c->p, x, dy, ref), TCONV_OK);
        struct tconv__problem user, pr;
        ck_assert_int_eq(tconv__resolve("t", &c->p, c->tr, &user, NULL), TCONV_OK);
        if (c->tr)
            tconv__adjoint(&user, &pr);
        else
            pr = user;
        for (size_t b = 0; b < sizeof blocks / sizeof *blocks; b++)
            for (int threads = 1; threads <= 3; threads += 2) {
                struct tconv__plan pl;
                const struct tconv__force force = {.kblock = blocks[b][0],
                                                   .oblock = blocks[b][1],
                                                   .channels = blocks[b][1],
                                                   .chunk = blocks[b][2],
                                                   .parts = blocks[b][3]};
                ck_assert_int_eq(tconv__plan_filter_grad("t", &pr, TCONV_ALGORITHM_AUTO, &force, &pl), TCONV_OK);
                for (int64_t i = 0; i < z.nf; i++) dw[i] = NAN;
                run_plan(&pr, &pl, (struct tconv__run){.x = c->tr ? dy : x, .dy = c->tr ? x : dy, .dw = dw}, threads);
                const int64_t bad = first_mismatch(dw, ref, z.nf, 0, 0);
                ck_assert_msg(bad < 0 && guards_intact(dw, z.nf),
                              "%s: blocks (%lld, %lld, %lld), %lld parts, %d threads: dw[%lld]", c->name,
                              (long long)blocks[b][0], (long long)blocks[b][1], (long long)blocks[b][2],
                              (long long)blocks[b][3], threads, (long long)bad);
            }
        free(x);
        free(dy);
        free(ref);
        guarded_free(dw);
    }
}
END_TEST

/* Reductions AUTO splits, through the public calls, plain and accumulated (exact on dyadic data): filter
   gradients over 2048 pixels with a small filter (the plan: 2 parts of pixels, then the sum stage), and bias
   gradients of 150 channels (NHWC: channel blocks of 64, the last one partial). */
START_TEST(split_reductions)
{
    const struct named cases[] = {
        {"conv NHWC, 2 parts", false, Q(.in_h = 32, .in_w = 32, .stride_h = 1, .padding = TCONV_PADDING_SAME)},
        {"conv NCHW, 2 parts", false,
         Q(.in_h = 32, .in_w = 32, .stride_h = 1, .padding = TCONV_PADDING_SAME, .layout = TCONV_NCHW)},
        {"transposed NHWC, 2 parts", true, Q(.in_h = 32, .in_w = 32, .stride_h = 1, .padding = TCONV_PADDING_SAME)},
        {"conv NHWC, 150 channels", false, Q(.out_channels = 150)},
        {"transposed NCHW, 150 channels", true, Q(.out_channels = 150, .layout = TCONV_NCHW)},
    };
    for (int k = 0; k < (int)(sizeof cases / sizeof *cases); k++) {
        const struct named *c = &cases[k];
        const struct sizes z = sizes_of(c->tr, &c->p);
        if (k < 3) { /* the reduction this case is for: 2 parts */
            struct tconv__problem user, pr;
            struct tconv__plan pl;
            ck_assert_int_eq(tconv__resolve("t", &c->p, c->tr, &user, NULL), TCONV_OK);
            if (c->tr)
                tconv__adjoint(&user, &pr);
            else
                pr = user;
            ck_assert_int_eq(tconv__plan_filter_grad("t", &pr, TCONV_ALGORITHM_AUTO, NULL, &pl), TCONV_OK);
            ck_assert_msg(pl.kind == TCONV__FILTER_GRAD && pl.u.filter_grad.parts == 2, "%s: %lld parts", c->name,
                          (long long)pl.u.filter_grad.parts);
        }
        struct rng r = rng_make(test_seed(), 97 + (uint64_t)k);
        float *x = malloc(z.nx * 4), *dy = malloc(z.ny * 4), *ref = malloc((z.nf + z.nb) * 4);
        float *out = guarded_alloc(z.nf + z.nb);
        fill_dyadic(&r, x, z.nx);
        fill_dyadic(&r, dy, z.ny);
        ck_assert_int_eq(G[c->tr].filter_ref(&c->p, x, dy, ref), TCONV_OK);
        ck_assert_int_eq(G[c->tr].bias_ref(&c->p, dy, ref + z.nf), TCONV_OK);
        for (int acc = 0; acc < 2; acc++) {
            struct tconv_options o = TCONV_OPTIONS_INIT;
            o.accumulate = acc;
            for (int64_t i = 0; i < z.nf + z.nb; i++) out[i] = acc ? (float)(i % 5) - 2.0f : NAN;
            ck_assert_int_eq(G[c->tr].filter_ex(&c->p, x, dy, out, NULL, 0, &o), TCONV_OK);
            ck_assert_int_eq((c->tr ? tconv_conv2d_transpose_backward_bias_ex
                                    : tconv_conv2d_backward_bias_ex)(&c->p, dy, out + z.nf, NULL, 0, &o),
                             TCONV_OK);
            ck_assert(guards_intact(out, z.nf + z.nb));
            for (int64_t i = 0; i < z.nf + z.nb; i++) {
                const float want = ref[i] + (acc ? (float)(i % 5) - 2.0f : 0.0f);
                ck_assert_msg(out[i] == want, "%s%s: %s[%lld] = %g, want %g", c->name, acc ? ", accumulate" : "",
                              i < z.nf ? "dfilter" : "dbias", (long long)(i < z.nf ? i : i - z.nf), out[i], want);
            }
        }
        free(x);
        free(dy);
        free(ref);
        guarded_free(out);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("backward");
    TCase *tc = tcase_create("backward");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, finite_differences, 0, (int)(sizeof fd_cases / sizeof *fd_cases));
    tcase_add_loop_test(tc, sweep_against_reference, 0, GRAD_CASES / GRAD_CHUNK);
    tcase_add_test(tc, sweep_coverage);
    tcase_add_test(tc, adjoint_identities);
    tcase_add_test(tc, shared_paths_bitwise);
    tcase_add_test(tc, accumulate);
    tcase_add_test(tc, empty_problems);
    tcase_add_loop_test(tc, bad_input, 0, (int)(sizeof bads / sizeof *bads));
    tcase_add_test(tc, options_and_queries);
    tcase_add_test(tc, filter_grad_blocks);
    tcase_add_test(tc, split_reductions);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
