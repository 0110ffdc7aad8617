/*
 * test_nd.c - the three spatial axes below the front door (issue 12's groundwork): rank-1 and rank-3
 * problems resolved with tconv__resolve_nd, every algorithm's forward pass and the gradients run as
 * plans (internals.h) and checked against the 3-axis references:
 *   - dyadic data exactly, uniform data with |y - ref| <= atol + rtol*|ref| (atol from the reduction
 *     length);
 *   - non-cubic sizes, strides, dilations, padding before/after, groups, depthwise, NDHWC and NCDHW, the
 *     four filter layouts, bias and ReLU, the planner's tiles and forced small ones on 1 and 3 threads
 *     (bitwise the same);
 *   - rank 2 through tconv__resolve_nd resolves to tconv__resolve's problem (so the same plan and bits);
 *   - every plan kind that handles depth is reached by some case.
 * Failures print the case, the filter layout, the data, the algorithm and the seed.
 */
#include <float.h>

#include "common.h"
#include "internals.h"
#include "reference.h"

/* A case: an N-D call and whether it is the transposed op. */
struct nd_case {
    const char *name;
    bool tr;
    struct tconv_nd_params p;
};

/* Defaults: one of everything, spatial axes given per case. */
#define ND(R, ...)                                                                                                     \
    {                                                                                                                  \
        .rank = (R), .batch = 2, .in_channels = 4, .out_channels = 6, .groups = 2, .kernel = {1, 1, 1},                \
        .stride = {1, 1, 1}, .dilation = {1, 1, 1}, __VA_ARGS__                                                        \
    }
#define EXPL .padding = TCONV_PADDING_EXPLICIT
#define DW   .in_channels = 5, .out_channels = 5, .groups = 5

static const struct nd_case cases[] = {
    {"conv 3-D explicit, groups", false,
     ND(3, .in = {5, 6, 7}, .kernel = {3, 2, 3}, .stride = {2, 1, 2}, .dilation = {1, 2, 1}, EXPL,
        .pad_before = {1, 0, 2}, .pad_after = {0, 1, 1})},
    {"conv 3-D SAME, dilated depth, ReLU", false,
     ND(3, .in = {4, 5, 3}, .kernel = {2, 3, 3}, .stride = {1, 2, 1}, .dilation = {2, 1, 1},
        .padding = TCONV_PADDING_SAME, .activation = TCONV_ACTIVATION_RELU)},
    {"conv 3-D VALID, kernel < stride", false,
     ND(3, .in = {7, 5, 6}, .kernel = {2, 1, 2}, .stride = {3, 2, 2}, .groups = 1)},
    {"conv 3-D SAME_LOWER, one group", false,
     ND(3, .in = {3, 4, 5}, .kernel = {3, 2, 2}, .stride = {2, 2, 1}, .padding = TCONV_PADDING_SAME_LOWER,
        .groups = 1)},
    {"conv 3-D pointwise", false, ND(3, .in = {3, 4, 5})},
    {"conv 3-D depthwise, padded front and back", false,
     ND(3, DW, .in = {4, 6, 5}, .kernel = {3, 3, 2}, .stride = {2, 1, 1}, EXPL, .pad_before = {1, 1, 0},
        .pad_after = {2, 0, 1})},
    {"transposed 3-D SAME, groups", true,
     ND(3, .in = {3, 4, 5}, .kernel = {3, 3, 2}, .stride = {2, 2, 1}, .padding = TCONV_PADDING_SAME)},
    {"transposed 3-D explicit crop, output padding", true,
     ND(3, .in = {2, 3, 4}, .kernel = {4, 2, 4}, .stride = {2, 2, 2}, EXPL, .pad_before = {1, 0, 2},
        .pad_after = {1, 1, 0}, .output_padding = {1, 1, 0}, .activation = TCONV_ACTIVATION_RELU)},
    {"transposed 3-D kernel == stride", true,
     ND(3, .in = {2, 3, 2}, .kernel = {2, 2, 3}, .stride = {2, 2, 3}, .groups = 1)},
    {"transposed 3-D stride 1 dilated", true,
     ND(3, .in = {3, 4, 4}, .kernel = {2, 3, 2}, .dilation = {2, 1, 3}, EXPL, .pad_before = {1, 1, 0},
        .pad_after = {0, 2, 1})},
    {"transposed 3-D dilated and strided", true,
     ND(3, .in = {3, 2, 3}, .kernel = {2, 2, 3}, .stride = {2, 1, 2}, .dilation = {2, 3, 1})},
    {"transposed 3-D 1x1x1 input into y", true, ND(3, .in = {1, 1, 1}, .kernel = {2, 3, 2}, .groups = 1)},
    {"transposed 3-D pointwise", true, ND(3, .in = {2, 3, 4})},
    {"transposed 3-D depthwise, cropped", true,
     ND(3, DW, .in = {3, 3, 4}, .kernel = {3, 2, 2}, .stride = {2, 1, 2}, .dilation = {1, 2, 1}, EXPL,
        .pad_before = {1, 0, 1}, .pad_after = {0, 1, 0})},
    {"conv 1-D explicit dilated", false,
     ND(1, .in = {9}, .kernel = {3}, .stride = {2}, .dilation = {2}, EXPL, .pad_before = {2}, .pad_after = {1})},
    {"transposed 1-D SAME", true, ND(1, .in = {6}, .kernel = {4}, .stride = {3}, .padding = TCONV_PADDING_SAME)},
    {"conv 1-D depthwise", false, ND(1, DW, .in = {8}, .kernel = {3}, .stride = {1}, .padding = TCONV_PADDING_SAME)},
    {"conv 1-D depthwise, 37 channels (vectors and a remainder), strided, ReLU", false,
     ND(1, .in_channels = 37, .out_channels = 37, .groups = 37, .in = {23}, .kernel = {5}, .stride = {2},
        .padding = TCONV_PADDING_SAME, .activation = TCONV_ACTIVATION_RELU)},
    {"conv 3-D depthwise, 17 channels, 5x13 tap rows (more than the register kernel lists)", false,
     ND(3, .in_channels = 17, .out_channels = 17, .groups = 17, .in = {5, 13, 1}, .kernel = {5, 13, 1},
        .padding = TCONV_PADDING_SAME)},
    {"conv 2-D through the N-D resolver", false,
     ND(2, .in = {5, 7}, .kernel = {3, 2}, .stride = {2, 1}, .padding = TCONV_PADDING_SAME)},
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

static const enum tconv_filter_layout layouts[4] = {TCONV_FILTER_HWIO, TCONV_FILTER_OIHW, TCONV_FILTER_HWOI,
                                                    TCONV_FILTER_IOHW};
/* Tiles at every edge: one of everything, or odd small extents. */
static const struct tconv__force small_tiles = {
    .rows = 3, .cols = 2, .images = 1, .band_rows = 2, .channels = 1, .kblock = 5, .oblock = 2, .chunk = 7, .parts = 2};
/* The same with bands instead of image blocks: col2im bands of 2 output rows (3-D: planes), edges recomputed. */
static const struct tconv__force small_bands = {
    .rows = 3, .cols = 2, .images = 0, .band_rows = 2, .channels = 1, .kblock = 5, .oblock = 2, .chunk = 7, .parts = 2};
/* ... and with the shared col: GEMM tiles of 3 rows x 2 columns, col2im bands of 2. */
static const struct tconv__force small_shared = {.rows = 3,
                                                 .cols = 2,
                                                 .images = 0,
                                                 .band_rows = 2,
                                                 .shared = 1,
                                                 .channels = 1,
                                                 .kblock = 5,
                                                 .oblock = 2,
                                                 .chunk = 7,
                                                 .parts = 2};
/* The tilings every plan runs with: the planner's, then the forced ones. */
static const struct tconv__force *const forces[] = {NULL, &small_tiles, &small_bands, &small_shared};
#define NFORCES ((int)(sizeof forces / sizeof *forces))
/* Relative rounding of a float sum of n terms of magnitude <= 1, with margin. */
#define TOL_FACTOR 4.0

static struct tconv_nd_params with(const struct nd_case *c, int layout, int fl)
{
    struct tconv_nd_params p = c->p;
    p.layout = (enum tconv_layout)layout;
    p.filter_layout = layouts[fl];
    return p;
}

static struct tconv__problem resolve(const struct tconv_nd_params *p, bool tr)
{
    struct tconv__problem pr;
    ck_assert_msg(tconv__resolve_nd("t", p, tr, &pr, NULL) == TCONV_OK, "%s", tconv_last_error());
    return pr;
}

/* One problem's data and what failed, for the message. */
struct ctx {
    const struct nd_case *c;
    int layout, fl, dyadic;
    uint64_t seed;
};

static void check(const struct ctx *k, const char *what, enum tconv_algorithm algo, bool forced, int threads,
                  const float *got, const float *ref, int64_t n, int64_t terms)
{
    const double tol = k->dyadic ? 0.0 : TOL_FACTOR * (double)terms * FLT_EPSILON;
    const int64_t bad = first_mismatch(got, ref, n, tol, tol);
    ck_assert_msg(bad < 0,
                  "%s (%s, filter %s, %s data): %s, algorithm %s, %s tiles, %d threads: [%lld] = %g, want %g "
                  "(seed %llu)",
                  k->c->name, k->layout ? "channels first" : "channels last", filter_name(layouts[k->fl]),
                  k->dyadic ? "dyadic" : "uniform", what, tconv_algorithm_name(algo), forced ? "forced" : "planned",
                  threads, (long long)bad, bad >= 0 ? got[bad] : 0.0, bad >= 0 ? ref[bad] : 0.0,
                  (unsigned long long)k->seed);
}

static void fill(struct rng *r, bool dyadic, float *a, int64_t n)
{
    if (dyadic)
        fill_dyadic(r, a, n);
    else
        fill_uniform(r, a, n);
}

/* Run a plan on 1 and 3 threads: bitwise the same; out holds the 1-thread result. */
static void run_both(const struct tconv__problem *pr, const struct tconv__plan *pl, struct tconv__run r, float **out,
                     float *scratch, int64_t n)
{
    for (int64_t i = 0; i < n; i++) (*out)[i] = NAN;
    run_plan(pr, pl, r, 1);
    for (int64_t i = 0; i < n; i++) scratch[i] = NAN;
    if (r.y)
        r.y = scratch;
    else
        r.dw = scratch;
    run_plan(pr, pl, r, 3);
    ck_assert_msg(memcmp(*out, scratch, (size_t)n * sizeof(float)) == 0, "1 and 3 threads differ");
}

static const enum tconv_algorithm algos[4] = {TCONV_ALGORITHM_AUTO, TCONV_ALGORITHM_GEMM, TCONV_ALGORITHM_SUBPIXEL,
                                              TCONV_ALGORITHM_DIRECT};

/* The forward pass of pr (x -> y) by every algorithm that can run it, against ref. */
static void forward_all(const struct ctx *k, const char *what, const struct tconv__problem *pr, const float *x,
                        const float *f, const float *bias, const float *ref, int64_t terms)
{
    float *y = malloc((size_t)pr->y_elems * sizeof(float)), *y3 = malloc((size_t)pr->y_elems * sizeof(float));
    for (int a = 0; a < 4; a++)
        for (int forced = 0; forced < NFORCES; forced++) {
            struct tconv__plan pl;
            if (tconv__plan_forward("t", pr, algos[a], forces[forced], &pl) != TCONV_OK) {
                ck_assert_msg(a >= 2, "%s: %s refused %s: %s", k->c->name, what, tconv_algorithm_name(algos[a]),
                              tconv_last_error());
                continue; /* SUBPIXEL or DIRECT does not apply */
            }
            run_both(pr, &pl, (struct tconv__run){.x = x, .filter = f, .bias = bias, .y = y}, &y, y3, pr->y_elems);
            check(k, what, algos[a], forced != 0, 1, y, ref, pr->y_elems, terms);
        }
    free(y);
    free(y3);
}

/* A filter or bias gradient plan of pr against ref. */
static void grad_all(const struct ctx *k, const char *what, bool bias_grad, const struct tconv__problem *pr,
                     const float *x, const float *dy, const float *ref, int64_t n, int64_t terms)
{
    float *dw = malloc((size_t)n * sizeof(float)), *dw3 = malloc((size_t)n * sizeof(float));
    for (int a = 0; a < 4; a++)
        for (int forced = 0; forced < NFORCES; forced++) {
            struct tconv__plan pl;
            const enum tconv_status st = bias_grad ? tconv__plan_bias_grad("t", pr, algos[a], &pl)
                                                   : tconv__plan_filter_grad("t", pr, algos[a], forces[forced], &pl);
            if (st != TCONV_OK) continue; /* an algorithm that does not apply */
            run_both(pr, &pl, (struct tconv__run){.x = x, .dy = dy, .dw = dw}, &dw, dw3, n);
            check(k, what, algos[a], forced != 0, 1, dw, ref, n, terms);
        }
    free(dw);
    free(dw3);
}

START_TEST(against_references)
{
    const struct nd_case *c = &cases[_i];
    for (int layout = 0; layout < 2; layout++)
        for (int fl = 0; fl < 4; fl++)
            for (int dyadic = 0; dyadic < 2; dyadic++) {
                const struct ctx k = {c, layout, fl, dyadic, test_seed()};
                const struct tconv_nd_params p = with(c, layout, fl);
                const struct tconv__problem pr = resolve(&p, c->tr);
                struct tconv__problem adj;
                tconv__adjoint(&pr, &adj);
                struct rng r = rng_make(test_seed(), 7000 + (uint64_t)(_i * 16 + layout * 8 + fl * 2 + dyadic));
                float *x = malloc((size_t)pr.x_elems * 4), *f = malloc((size_t)pr.f_elems * 4);
                float *b = malloc((size_t)pr.co * 4), *dy = malloc((size_t)pr.y_elems * 4);
                float *ref = malloc((size_t)(pr.x_elems + pr.y_elems + pr.f_elems + pr.co) * 4);
                fill(&r, dyadic, x, pr.x_elems);
                fill(&r, dyadic, f, pr.f_elems);
                fill(&r, dyadic, b, pr.co);
                fill(&r, dyadic, dy, pr.y_elems);
                const int64_t taps = pr.d.k * pr.h.k * pr.w.k;
                const int64_t px = pr.n * pr.out_d * pr.out_h * pr.out_w;
                const int64_t small_px = pr.transposed ? pr.n * pr.in_d * pr.in_h * pr.in_w : px;

                /* forward */
                ck_assert_int_eq(tconv__reference_run("t", &pr, x, f, b, ref), TCONV_OK);
                forward_all(&k, "forward", &pr, x, f, b, ref, pr.cig * taps + 1);
                /* data gradient: the adjoint's forward pass of dy */
                ck_assert_int_eq(tconv__reference_grad("t", &pr, TCONV__GRAD_DATA, dy, f, ref), TCONV_OK);
                forward_all(&k, "data gradient", &adj, dy, f, NULL, ref, pr.cog * taps);
                /* filter gradient: a transposed conv's is its adjoint's with x and dy exchanged */
                ck_assert_int_eq(tconv__reference_grad("t", &pr, TCONV__GRAD_FILTER, x, dy, ref), TCONV_OK);
                if (pr.transposed)
                    grad_all(&k, "filter gradient", false, &adj, dy, x, ref, pr.f_elems, small_px);
                else
                    grad_all(&k, "filter gradient", false, &pr, x, dy, ref, pr.f_elems, small_px);
                /* bias gradient */
                ck_assert_int_eq(tconv__reference_grad("t", &pr, TCONV__GRAD_BIAS, dy, NULL, ref), TCONV_OK);
                grad_all(&k, "bias gradient", true, &pr, NULL, dy, ref, pr.co, px);
                free(x);
                free(f);
                free(b);
                free(dy);
                free(ref);
            }
}
END_TEST

/* Every plan kind that handles depth is reached by some rank-3 case (forward, data gradient, gradients). */
START_TEST(every_kind_reached)
{
    bool seen[TCONV__BIAS_GRAD + 1] = {false};
    for (int i = 0; i < NCASES; i++) {
        if (cases[i].p.rank != 3) continue;
        for (int layout = 0; layout < 2; layout++) {
            const struct tconv_nd_params p = with(&cases[i], layout, 0);
            const struct tconv__problem pr = resolve(&p, cases[i].tr);
            struct tconv__problem adj;
            struct tconv__plan pl;
            tconv__adjoint(&pr, &adj);
            for (int a = 0; a < 4; a++) {
                if (tconv__plan_forward("t", &pr, algos[a], NULL, &pl) == TCONV_OK) seen[pl.kind] = true;
                if (tconv__plan_forward("t", &adj, algos[a], NULL, &pl) == TCONV_OK) seen[pl.kind] = true;
                if (tconv__plan_filter_grad("t", pr.transposed ? &adj : &pr, algos[a], NULL, &pl) == TCONV_OK)
                    seen[pl.kind] = true;
            }
            ck_assert_int_eq(tconv__plan_bias_grad("t", &pr, TCONV_ALGORITHM_AUTO, &pl), TCONV_OK);
            seen[pl.kind] = true;
        }
    }
    for (int kind = TCONV__CONV_IM2COL; kind <= TCONV__BIAS_GRAD; kind++)
        ck_assert_msg(seen[kind] || kind == TCONV__TR_COL2IM_BANDS || kind == TCONV__TR_COL2IM_SHARED,
                      "plan kind %d never runs a 3-D case", kind);
}
END_TEST

/* Rank 2 through the N-D resolver is the 2-D problem (so the same plan and the same bits). */
START_TEST(rank2_is_2d)
{
    struct rng r = rng_make(test_seed(), 7777);
    for (int t = 0; t < 200; t++) {
        const bool tr = t % 2;
        const enum tconv_padding mode = (enum tconv_padding)rng_int(&r, 0, 3);
        const int64_t s[2] = {rng_int(&r, 1, 3), rng_int(&r, 1, 3)}, dl[2] = {rng_int(&r, 1, 2), rng_int(&r, 1, 2)};
        const int64_t k[2] = {rng_int(&r, 1, 4), rng_int(&r, 1, 4)}, in[2] = {rng_int(&r, 1, 6), rng_int(&r, 1, 6)};
        const int64_t pb[2] = {mode == TCONV_PADDING_EXPLICIT ? rng_int(&r, 0, 2) : 0,
                               mode == TCONV_PADDING_EXPLICIT ? rng_int(&r, 0, 2) : 0};
        const int64_t pa[2] = {mode == TCONV_PADDING_EXPLICIT ? rng_int(&r, 0, 2) : 0,
                               mode == TCONV_PADDING_EXPLICIT ? rng_int(&r, 0, 2) : 0};
        const struct tconv_params p2 = {.layout = (enum tconv_layout)(t / 2 % 2),
                                        .filter_layout = layouts[t / 4 % 4],
                                        .batch = 2,
                                        .in_h = in[0],
                                        .in_w = in[1],
                                        .in_channels = 4,
                                        .out_channels = 2,
                                        .groups = 2,
                                        .kernel_h = k[0],
                                        .kernel_w = k[1],
                                        .stride_h = s[0],
                                        .stride_w = s[1],
                                        .dilation_h = dl[0],
                                        .dilation_w = dl[1],
                                        .padding = mode,
                                        .pad_top = pb[0],
                                        .pad_bottom = pa[0],
                                        .pad_left = pb[1],
                                        .pad_right = pa[1]};
        const struct tconv_nd_params pn = {.rank = 2,
                                           .layout = p2.layout,
                                           .filter_layout = p2.filter_layout,
                                           .batch = 2,
                                           .in_channels = 4,
                                           .out_channels = 2,
                                           .groups = 2,
                                           .in = {in[0], in[1]},
                                           .kernel = {k[0], k[1]},
                                           .stride = {s[0], s[1]},
                                           .dilation = {dl[0], dl[1]},
                                           .padding = mode,
                                           .pad_before = {pb[0], pb[1]},
                                           .pad_after = {pa[0], pa[1]}};
        struct tconv__problem a, b;
        const enum tconv_status s2 = tconv__resolve("t", &p2, tr, &a, NULL),
                                sn = tconv__resolve_nd("t", &pn, tr, &b, NULL);
        ck_assert_msg(s2 == sn, "case %d: status %d (2-D) vs %d (N-D)", t, (int)s2, (int)sn);
        if (s2 != TCONV_OK) continue;
        const struct tconv__axis *ax[3][2] = {{&a.d, &b.d}, {&a.h, &b.h}, {&a.w, &b.w}};
        for (int i = 0; i < 3; i++)
            ck_assert_msg(memcmp(ax[i][0], ax[i][1], sizeof(struct tconv__axis)) == 0, "case %d: axis %d", t, i);
        ck_assert(a.transposed == b.transposed && a.layout == b.layout && a.flayout == b.flayout && a.act == b.act);
        ck_assert(a.n == b.n && a.ci == b.ci && a.co == b.co && a.g == b.g && a.cig == b.cig && a.cog == b.cog);
        ck_assert(a.in_d == b.in_d && a.in_h == b.in_h && a.in_w == b.in_w);
        ck_assert(a.out_d == b.out_d && a.out_h == b.out_h && a.out_w == b.out_w);
        ck_assert(a.x_elems == b.x_elems && a.y_elems == b.y_elems && a.f_elems == b.f_elems);
    }
}
END_TEST

/* The N-D resolver's own checks: rank, per-axis values, sizes that overflow. */
START_TEST(nd_refusals)
{
    struct tconv__problem pr;
    struct tconv_nd_params p = (struct tconv_nd_params)ND(3, .in = {2, 2, 2});
    ck_assert_int_eq(tconv__resolve_nd("t", &p, false, &pr, NULL), TCONV_OK);
    ck_assert(pr.in_d == 2 && pr.out_d == 2 && pr.x_elems == 2 * 8 * 4);
    p.rank = 4;
    ck_assert_int_eq(tconv__resolve_nd("t", &p, false, &pr, NULL), TCONV_ERR_INVALID_ARGUMENT);
    p = (struct tconv_nd_params)ND(3, .in = {2, 2, 2}, .stride = {1, 0, 1});
    ck_assert_int_eq(tconv__resolve_nd("t", &p, false, &pr, NULL), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "stride[1]"));
    p = (struct tconv_nd_params)ND(3, .in = {2, 2, 2}, .pad_before = {1, 0, 0}); /* padding without EXPLICIT */
    ck_assert_int_eq(tconv__resolve_nd("t", &p, false, &pr, NULL), TCONV_ERR_INVALID_ARGUMENT);
    p = (struct tconv_nd_params)ND(3, .in = {INT64_MAX / 4, 4, 4});
    ck_assert_int_eq(tconv__resolve_nd("t", &p, false, &pr, NULL), TCONV_ERR_SIZE_OVERFLOW);
    p = (struct tconv_nd_params)ND(1, .in = {3}, .out = {4});
    ck_assert_int_eq(tconv__resolve_nd("t", &p, false, &pr, NULL), TCONV_ERR_SHAPE_MISMATCH);
    ck_assert(pr.in_d == 2); /* untouched on failure */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nd");
    TCase *tc = tcase_create("nd");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, against_references, 0, NCASES);
    tcase_add_test(tc, every_kind_reached);
    tcase_add_test(tc, rank2_is_2d);
    tcase_add_test(tc, nd_refusals);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
