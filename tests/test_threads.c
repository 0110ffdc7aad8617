/*
 * test_threads.c - what tconv promises about threads, asserted for the configuration that runs:
 *   - the profile reports the team that really ran: min(num_threads, tiles) on OpenMP, 1 next to the
 *     pthreads build of OpenBLAS, inside the caller's parallel region, without OpenMP, and under
 *     OMP_THREAD_LIMIT=1;
 *   - results are bitwise equal across 1, 2 and 3 threads (and run to run), for both ops and the
 *     gradients, whatever BLAS branch runs; and within |a-b| <= 1e-6*K + 1e-5*|b| of the reference;
 *   - a call from inside the caller's own OpenMP parallel region runs on the calling thread and gives
 *     the bits of the call made alone;
 *   - under OMP_THREAD_LIMIT=1 or OMP_DYNAMIC=true (the `limits` case, registered with those
 *     environments) nothing hangs, although OpenBLAS's own threaded sgemm does there, and the bits
 *     are those of a 1-thread call.
 * Which branch runs is printed; CI sets TCONV_EXPECT_BLAS (openmp, pthreads, generic) for each of its
 * configurations, and a different branch than expected fails: no check silently degrades.
 */
#ifdef _OPENMP
#include <omp.h>
#endif

#include "common.h"
#include "internals.h"

/* The most threads a call may report: omp_get_max_threads() for num_threads = 0. */
static int max_threads(int requested)
{
#ifdef _OPENMP
    return requested > 0 ? requested : omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}

static const char *branch_name(int b)
{
    switch (b) {
    case 0: return "sequential OpenBLAS";
    case 1: return "pthreads";
    case 2: return "openmp";
    default: return "generic";
    }
}

/* The BLAS branch that runs, checked against TCONV_EXPECT_BLAS when CI sets it. */
static int blas_branch(void)
{
    const int b = tconv__blas_threading();
    const char *want = getenv("TCONV_EXPECT_BLAS");
    if (want && *want)
        ck_assert_msg(!strcmp(want, branch_name(b)), "TCONV_EXPECT_BLAS=%s, but the BLAS loaded is %s", want,
                      branch_name(b));
    return b;
}

/* The team a call with num_threads n and `tiles` tiles must report (no thread limit in effect). */
static int expected_team(int n, int64_t tiles)
{
#ifdef _OPENMP
    if (blas_branch() == 1) return 1; /* pthreads OpenBLAS threads each GEMM; tconv's tiles stay on the caller */
    return (int)(n < tiles ? n : tiles);
#else
    (void)n;
    (void)tiles;
    return 1;
#endif
}

#define Q(...)                                                                                                         \
    {                                                                                                                  \
        .groups = 1, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                       \
    }

struct named_case {
    const char *name;
    bool tr;
    struct tconv_params p;
};

static const struct named_case cases[] = {
    {"conv 3x3 NHWC", false,
     Q(.batch = 2, .in_h = 17, .in_w = 19, .in_channels = 16, .out_channels = 24, .kernel_h = 3, .kernel_w = 3,
       .padding = TCONV_PADDING_SAME)},
    {"conv 5x3 s2 NCHW groups 2", false,
     Q(.batch = 2, .in_h = 21, .in_w = 18, .in_channels = 16, .out_channels = 8, .groups = 2, .kernel_h = 5,
       .kernel_w = 3, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .layout = TCONV_NCHW)},
    {"transposed 4x4 s2 NHWC, ReLU", true,
     Q(.batch = 3, .in_h = 13, .in_w = 11, .in_channels = 16, .out_channels = 12, .kernel_h = 4, .kernel_w = 4,
       .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 1, .pad_left = 1,
       .pad_right = 1, .activation = TCONV_ACTIVATION_RELU)},
    {"transposed 3x3 s2 NCHW OIHW", true,
     Q(.batch = 2, .in_h = 15, .in_w = 14, .in_channels = 12, .out_channels = 16, .kernel_h = 3, .kernel_w = 3,
       .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .layout = TCONV_NCHW,
       .filter_layout = TCONV_FILTER_OIHW)},
    {"conv 1x1 NHWC", false,
     Q(.batch = 3, .in_h = 32, .in_w = 32, .in_channels = 32, .out_channels = 16, .kernel_h = 1, .kernel_w = 1)},
    {"transposed k4 s2 (sub-pixel) NHWC", true,
     Q(.batch = 2, .in_h = 24, .in_w = 20, .in_channels = 8, .out_channels = 8, .kernel_h = 4, .kernel_w = 4,
       .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME)},
    {"transposed k2 s2 (kernel == stride) NCHW", true,
     Q(.batch = 2, .in_h = 24, .in_w = 20, .in_channels = 16, .out_channels = 8, .kernel_h = 2, .kernel_w = 2,
       .stride_h = 2, .stride_w = 2, .layout = TCONV_NCHW)},
    {"depthwise 3x3 NHWC", false,
     Q(.batch = 2, .in_h = 33, .in_w = 31, .in_channels = 24, .out_channels = 24, .groups = 24, .kernel_h = 3,
       .kernel_w = 3, .padding = TCONV_PADDING_SAME)},
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

/* The four computations of a case: forward, data, filter and bias gradients (the gradients linear). */
enum kind { FWD, DATA, FILT, BIAS, NKINDS };
static const char *const kind_names[NKINDS] = {"forward", "data gradient", "filter gradient", "bias gradient"};

struct tensors {
    int64_t nx, nf, ny, nb;
    float *x, *f, *b, *dy;
};

static struct tensors make_tensors(const struct named_case *c, uint64_t stream)
{
    struct tconv_geometry g;
    const struct tconv_params *p = &c->p;
    ck_assert_int_eq((c->tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(p, &g), TCONV_OK);
    struct tensors t = {.nx = p->batch * p->in_h * p->in_w * p->in_channels,
                        .nf = filter_elems(p),
                        .ny = p->batch * g.out_h * g.out_w * p->out_channels,
                        .nb = p->out_channels};
    struct rng r = rng_make(test_seed(), stream);
    t.x = malloc(t.nx * 4);
    t.f = malloc(t.nf * 4);
    t.b = malloc(t.nb * 4);
    t.dy = malloc(t.ny * 4);
    fill_uniform(&r, t.x, t.nx);
    fill_uniform(&r, t.f, t.nf);
    fill_uniform(&r, t.b, t.nb);
    fill_uniform(&r, t.dy, t.ny);
    return t;
}

static void free_tensors(struct tensors *t)
{
    free(t->x);
    free(t->f);
    free(t->b);
    free(t->dy);
}

static int64_t out_elems(const struct tensors *t, enum kind k)
{
    const int64_t n[NKINDS] = {t->ny, t->nx, t->nf, t->nb};
    return n[k];
}

/* One computation of case c with options o into out; reference = the naive one. */
static enum tconv_status compute(const struct named_case *c, enum kind k, const struct tensors *t, float *out,
                                 const struct tconv_options *o, bool reference)
{
    struct tconv_params pl = c->p; /* the gradients take no activation */
    pl.activation = TCONV_ACTIVATION_NONE;
    const struct tconv_params *p = &c->p;
    if (reference) switch (k) {
        case FWD: return (c->tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference)(p, t->x, t->f, t->b, out);
        case DATA:
            return (c->tr ? tconv_conv2d_transpose_backward_data_reference
                          : tconv_conv2d_backward_data_reference)(&pl, t->dy, t->f, out);
        case FILT:
            return (c->tr ? tconv_conv2d_transpose_backward_filter_reference
                          : tconv_conv2d_backward_filter_reference)(&pl, t->x, t->dy, out);
        default:
            return (c->tr ? tconv_conv2d_transpose_backward_bias_reference
                          : tconv_conv2d_backward_bias_reference)(&pl, t->dy, out);
        }
    switch (k) {
    case FWD: return (c->tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(p, t->x, t->f, t->b, out, NULL, 0, o);
    case DATA:
        return (c->tr ? tconv_conv2d_transpose_backward_data_ex : tconv_conv2d_backward_data_ex)(&pl, t->dy, t->f, out,
                                                                                                 NULL, 0, o);
    case FILT:
        return (c->tr ? tconv_conv2d_transpose_backward_filter_ex : tconv_conv2d_backward_filter_ex)(&pl, t->x, t->dy,
                                                                                                     out, NULL, 0, o);
    default:
        return (c->tr ? tconv_conv2d_transpose_backward_bias_ex : tconv_conv2d_backward_bias_ex)(&pl, t->dy, out, NULL,
                                                                                                 0, o);
    }
}

/* The reduction length of each output element (the tolerance grows with it). */
static int64_t terms(const struct named_case *c, enum kind k, const struct tensors *t)
{
    const struct tconv_params *p = &c->p;
    const int64_t taps = p->kernel_h * p->kernel_w;
    switch (k) {
    case FWD: return taps * (c->tr ? p->out_channels : p->in_channels) / p->groups;
    case DATA: return taps * (c->tr ? p->in_channels : p->out_channels) / p->groups;
    case FILT: return (c->tr ? t->nx / p->in_channels : t->ny / p->out_channels); /* batch x small side's pixels */
    default: return t->ny / p->out_channels;
    }
}

/* The tiles of the plan that runs a computation (the team can be no larger). */
static int64_t tiles_of(const struct named_case *c, enum kind k)
{
    struct tconv__problem user, exec;
    struct tconv__plan pl;
    struct tconv_params p = c->p;
    if (k != FWD) p.activation = TCONV_ACTIVATION_NONE;
    ck_assert_int_eq(tconv__resolve("t", &p, c->tr, &user, NULL), TCONV_OK);
    if (k == DATA || (k == FILT && c->tr))
        tconv__adjoint(&user, &exec);
    else
        exec = user;
    if (k == FILT)
        ck_assert_int_eq(tconv__plan_filter_grad("t", &exec, TCONV_ALGORITHM_AUTO, NULL, &pl), TCONV_OK);
    else if (k == BIAS)
        ck_assert_int_eq(tconv__plan_bias_grad("t", &exec, TCONV_ALGORITHM_AUTO, &pl), TCONV_OK);
    else
        ck_assert_int_eq(tconv__plan_forward("t", &exec, TCONV_ALGORITHM_AUTO, NULL, &pl), TCONV_OK);
    return pl.ntiles;
}

/* 1, 2 and 3 threads and 2 again: the team reported is the one expected, and the bits are equal. */
START_TEST(bitwise_across_thread_counts)
{
    const struct named_case *c = &cases[_i];
    struct tensors t = make_tensors(c, 31 + (uint64_t)_i);
    printf("%s: BLAS branch %s, OpenMP %s\n", c->name, branch_name(blas_branch()),
#ifdef _OPENMP
           "on"
#else
           "off"
#endif
    );
    for (int k = 0; k < NKINDS; k++) {
        const int64_t n = out_elems(&t, (enum kind)k), tiles = tiles_of(c, (enum kind)k);
        const int threads[4] = {1, 2, 3, 2};
        float *out[4], *ref = malloc(n * 4);
        for (int i = 0; i < 4; i++) {
            struct tconv_profile prof = TCONV_PROFILE_INIT;
            struct tconv_options o = TCONV_OPTIONS_INIT;
            o.num_threads = threads[i];
            o.profile = &prof;
            out[i] = malloc(n * 4);
            ck_assert_int_eq(compute(c, (enum kind)k, &t, out[i], &o, false), TCONV_OK);
            ck_assert_msg(prof.threads == expected_team(threads[i], tiles),
                          "%s %s: num_threads %d, %lld tiles: the profile reports %d threads, want %d", c->name,
                          kind_names[k], threads[i], (long long)tiles, prof.threads, expected_team(threads[i], tiles));
        }
        for (int i = 0; i < 4; i++)
            ck_assert_msg(memcmp(out[i], out[1], n * 4) == 0, "%s %s: %d and 2 threads are not bitwise equal", c->name,
                          kind_names[k], threads[i]);
        ck_assert_int_eq(compute(c, (enum kind)k, &t, ref, NULL, true), TCONV_OK);
        const int64_t bad = first_mismatch(out[1], ref, n, 1e-6 * (double)terms(c, (enum kind)k, &t), 1e-5);
        ck_assert_msg(bad < 0, "%s %s: [%lld] = %.9g, reference %.9g", c->name, kind_names[k], (long long)bad,
                      bad < 0 ? 0 : out[1][bad], bad < 0 ? 0 : ref[bad]);
        for (int i = 0; i < 4; i++) free(out[i]);
        free(ref);
    }
    free_tensors(&t);
}
END_TEST

/* Called from every thread of the caller's parallel region: each call runs on its calling thread and
   gives the bits of the same call made alone. */
START_TEST(inside_the_callers_parallel_region)
{
    const struct named_case *c = &cases[_i % NCASES];
    const enum kind k = (enum kind)(_i / NCASES);
    struct tensors t = make_tensors(c, 41 + (uint64_t)_i);
    const int64_t n = out_elems(&t, k);
    float *alone = malloc(n * 4), *in_region[2] = {malloc(n * 4), malloc(n * 4)};
    ck_assert_int_eq(compute(c, k, &t, alone, NULL, false), TCONV_OK);
    int status[2] = {-1, -1}, team[2] = {-1, -1}, region = 0;
#ifdef _OPENMP
#pragma omp parallel num_threads(2)
    {
        const int me = omp_get_thread_num();
        if (me == 0) region = omp_get_num_threads();
        struct tconv_profile prof = TCONV_PROFILE_INIT;
        struct tconv_options o = TCONV_OPTIONS_INIT;
        o.num_threads = 2; /* asked for, but one level of parallelism: the caller's */
        o.profile = &prof;
        status[me] = compute(c, k, &t, in_region[me], &o, false);
        team[me] = prof.threads;
    }
#endif
    for (int i = 0; i < region; i++) {
        ck_assert_int_eq(status[i], TCONV_OK);
        ck_assert_msg(team[i] == 1, "%s %s: a call in a team of %d ran on %d threads", c->name, kind_names[k], region,
                      team[i]);
        ck_assert_msg(memcmp(in_region[i], alone, n * 4) == 0, "%s %s: thread %d's result differs from the call alone",
                      c->name, kind_names[k], i);
    }
    if (region < 2) printf("%s: no parallel region of 2 threads here (team %d): nothing to check\n", c->name, region);
    free(alone);
    free(in_region[0]);
    free(in_region[1]);
    free_tensors(&t);
}
END_TEST

/* Run by meson with OMP_THREAD_LIMIT=1, and again with OMP_DYNAMIC=true: problems large enough that
   OpenBLAS threads a GEMM when asked to, and then waits forever for the threads OpenMP does not give.
   Each (case, computation) is its own forked test whose FIRST BLAS call is a threaded tconv call: once
   OpenBLAS has run single-threaded it stays so until its thread count is reset, which would hide the
   hang. Nothing hangs (meson's timeout would say), the team is what OpenMP gave, and the bits are
   those of a 1-thread call made afterwards. */
static const struct named_case big[2] = {
    {"conv 3x3 NHWC 256->256", false,
     Q(.batch = 4, .in_h = 32, .in_w = 32, .in_channels = 256, .out_channels = 256, .kernel_h = 3, .kernel_w = 3,
       .padding = TCONV_PADDING_SAME)},
    {"transposed 4x4 s2 NCHW 256->128", true,
     Q(.batch = 4, .in_h = 16, .in_w = 16, .in_channels = 256, .out_channels = 128, .kernel_h = 4, .kernel_w = 4,
       .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .layout = TCONV_NCHW)},
};

START_TEST(limits)
{
    const struct named_case *c = &big[_i / 3];
    const enum kind k = (enum kind)(_i % 3); /* forward, data and filter gradients: the GEMMs */
    const char *limit = getenv("OMP_THREAD_LIMIT"), *dynamic = getenv("OMP_DYNAMIC");
    printf("limits: %s %s, OMP_THREAD_LIMIT=%s OMP_DYNAMIC=%s, BLAS branch %s\n", c->name, kind_names[k],
           limit ? limit : "(unset)", dynamic ? dynamic : "(unset)", branch_name(blas_branch()));
    struct tensors t = make_tensors(c, 51 + (uint64_t)_i);
    const int64_t n = out_elems(&t, k);
    float *many[2] = {malloc(n * 4), malloc(n * 4)}, *one = malloc(n * 4);
    struct tconv_options o = TCONV_OPTIONS_INIT;
    struct tconv_profile prof = TCONV_PROFILE_INIT;
    o.profile = &prof;
    for (int i = 0; i < 2; i++) {
        o.num_threads = 2 - 2 * i; /* 2, then 0: omp_get_max_threads() */
        ck_assert_int_eq(compute(c, k, &t, many[i], &o, false), TCONV_OK);
        if (limit && atoi(limit) == 1)
            ck_assert_msg(prof.threads == 1, "%s %s: OMP_THREAD_LIMIT=1 but the profile says %d threads", c->name,
                          kind_names[k], prof.threads);
        ck_assert_msg(prof.threads >= 1 && prof.threads <= max_threads(o.num_threads), "%s %s: %d threads", c->name,
                      kind_names[k], prof.threads);
    }
    o.num_threads = 1;
    ck_assert_int_eq(compute(c, k, &t, one, &o, false), TCONV_OK);
    for (int i = 0; i < 2; i++)
        ck_assert_msg(memcmp(one, many[i], n * 4) == 0, "%s %s: num_threads %d differs from 1 thread", c->name,
                      kind_names[k], 2 - 2 * i);
    free(many[0]);
    free(many[1]);
    free(one);
    free_tensors(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("threads");
    TCase *tc = tcase_create("threads");
    tcase_set_timeout(tc, 600);
    tcase_add_loop_test(tc, bitwise_across_thread_counts, 0, NCASES);
    tcase_add_loop_test(tc, inside_the_callers_parallel_region, 0, NCASES * NKINDS);
    suite_add_tcase(s, tc);
    TCase *lim = tcase_create("limits");
    tcase_set_timeout(lim, 600);
    tcase_add_loop_test(lim, limits, 0, 6);
    suite_add_tcase(s, lim);
    return run_suite(s);
}
