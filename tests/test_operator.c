/*
 * test_operator.c - operators (tconv_operator_create / _run / _destroy), linked against the shared
 * library as a user does:
 *   - a run is bitwise the plain call: at create's batch with AUTO, and at any other batch with the
 *     operator's algorithm forced; for every algorithm and packing (canonical filter layouts, sub-pixel
 *     phases, depthwise, the shared col, GEMM into y), ranks 1..3, both layouts, groups;
 *   - the caller's filter and bias may change or be freed after create;
 *   - many threads run one operator at once, each with its own workspace (also under TSan in CI);
 *   - bad input: a status and a message naming the argument, *out and y untouched.
 * Allocation failure is in test_alloc.c (the fault-injecting build).
 */
#include <pthread.h>

#include "common.h"

/* Every case at create's batch, then these batches. */
static const int64_t other_batches[] = {0, 1, 3, 5};
#define NBATCHES ((int)(sizeof other_batches / sizeof *other_batches))
/* Threads of the concurrency test, and runs each. */
#define NCALLERS 6
#define NRUNS    8

struct op_case {
    const char *name;
    enum tconv_op op;
    struct tconv_nd_params p;
};

#define ND(r, ...)                                                                                                     \
    {                                                                                                                  \
        .rank = r, .batch = 2, .in_channels = 4, .out_channels = 6, .groups = 1, .stride = {1, 1, 1},                  \
        .dilation = {1, 1, 1}, .kernel = {3, 3, 3}, .in = {5, 6, 7}, __VA_ARGS__                                       \
    }
#define TR         TCONV_OP_CONV_TRANSPOSE
#define CONV       TCONV_OP_CONV
#define EXPL(b, a) .padding = TCONV_PADDING_EXPLICIT, .pad_before = {b, b, b}, .pad_after = {a, a, a}

static const struct op_case cases[] = {
    {"conv 2-D HWIO (no packing)", CONV, ND(2, .padding = TCONV_PADDING_SAME)},
    {"conv 2-D OIHW (canonical packing)", CONV, ND(2, .filter_layout = TCONV_FILTER_OIHW, .stride = {2, 1})},
    {"conv 2-D NCHW grouped", CONV, ND(2, .layout = TCONV_NCHW, .groups = 2, .dilation = {2, 1}, EXPL(1, 2))},
    {"transposed 2-D k4 s2 (sub-pixel phases)", TR, ND(2, .kernel = {4, 4}, .stride = {2, 2}, EXPL(1, 1))},
    {"transposed 2-D k3 s2 IOHW (GEMM + col2im, canonical)", TR,
     ND(2, .kernel = {3, 3}, .stride = {2, 2}, .filter_layout = TCONV_FILTER_IOHW, .padding = TCONV_PADDING_SAME)},
    {"transposed 2-D NCHW k2 s2 (in place)", TR, ND(2, .layout = TCONV_NCHW, .kernel = {2, 2}, .stride = {2, 2})},
    {"transposed 2-D 1x1 input (GEMM into y)", TR, ND(2, .in = {1, 1}, .kernel = {4, 4})},
    {"transposed 2-D depthwise (direct)", TR,
     ND(2, .in_channels = 6, .groups = 6, .kernel = {4, 4}, .stride = {2, 2}, EXPL(1, 1))},
    {"conv 2-D depthwise NCHW (direct)", CONV,
     ND(2, .layout = TCONV_NCHW, .in_channels = 6, .groups = 6, .padding = TCONV_PADDING_SAME)},
    {"conv 1-D k7 ReLU", CONV, ND(1, .in = {19}, .kernel = {7}, EXPL(3, 3), .activation = TCONV_ACTIVATION_RELU)},
    {"transposed 1-D k16 s8 (HiFi-GAN)", TR, ND(1, .in = {6}, .kernel = {16}, .stride = {8}, EXPL(4, 4))},
    {"transposed 3-D k3 s2 output_padding (shared col)", TR,
     ND(3, .in = {3, 4, 3}, .stride = {2, 2, 2}, EXPL(1, 1), .output_padding = {1, 1, 1})},
    {"transposed 1-D big filter IOHW (shared col after the packed filter)", TR,
     ND(1, .in = {8}, .in_channels = 300, .out_channels = 64, .kernel = {16}, .stride = {8}, EXPL(4, 4),
        .filter_layout = TCONV_FILTER_IOHW)},
    {"conv 3-D OIDHW", CONV, ND(3, .in = {4, 5, 3}, .filter_layout = TCONV_FILTER_OIHW, .padding = TCONV_PADDING_SAME)},
    {"transposed 3-D empty axis", TR, ND(3, .in = {0, 4, 3})},
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

static int64_t prod(const int64_t *a, int rank)
{
    int64_t t = 1;
    for (int i = 0; i < rank; i++) t *= a[i];
    return t;
}

/* The element counts of x, y and the filter of c at batch n. */
static void counts(const struct op_case *c, int64_t n, int64_t *nx, int64_t *ny, int64_t *nf)
{
    struct tconv_nd_params p = c->p;
    struct tconv_nd_geometry g;
    p.batch = n;
    ck_assert_int_eq((c->op == TR ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&p, &g), TCONV_OK);
    *nx = n * prod(p.in, p.rank) * p.in_channels;
    *ny = n * prod(g.out, p.rank) * p.out_channels;
    *nf = prod(p.kernel, p.rank) * p.in_channels * p.out_channels / p.groups;
}

static enum tconv_status plain(const struct op_case *c, int64_t n, const float *x, const float *f, const float *b,
                               float *y, enum tconv_algorithm algo)
{
    struct tconv_nd_params p = c->p;
    struct tconv_options o = TCONV_OPTIONS_INIT;
    p.batch = n;
    o.algorithm = algo;
    return (c->op == TR ? tconv_convnd_transpose_ex : tconv_convnd_ex)(&p, x, f, b, y, NULL, 0, &o);
}

/* Bytes of n floats, at least one (malloc(0) may return NULL). */
static size_t fbytes(int64_t n) { return (size_t)(n > 0 ? n : 1) * sizeof(float); }

START_TEST(run_is_the_plain_call)
{
    const struct op_case *c = &cases[_i];
    const int64_t n0 = c->p.batch, nmax = 5;
    int64_t nx, ny, nf;
    counts(c, nmax, &nx, &ny, &nf);
    float *x = malloc(fbytes(nx)), *f = malloc(fbytes(nf)), *b = malloc(fbytes(c->p.out_channels));
    float *y = malloc(fbytes(ny)), *ref = malloc(fbytes(ny));
    struct rng r = rng_make(test_seed(), 9100 + (uint64_t)_i);
    fill_uniform(&r, x, nx);
    fill_uniform(&r, f, nf);
    fill_uniform(&r, b, c->p.out_channels);
    struct tconv_operator *op = NULL;
    ck_assert_msg(tconv_operator_create(c->op, &c->p, f, b, NULL, &op) == TCONV_OK, "%s: %s", c->name,
                  tconv_last_error());
    const enum tconv_algorithm algo = tconv_operator_algorithm(op);
    /* the caller's filter and bias are the operator's no more */
    float *f_saved = malloc(fbytes(nf)), *b_saved = malloc(fbytes(c->p.out_channels));
    memcpy(f_saved, f, fbytes(nf));
    memcpy(b_saved, b, fbytes(c->p.out_channels));
    for (int64_t i = 0; i < nf; i++) f[i] = NAN;
    for (int64_t i = 0; i < c->p.out_channels; i++) b[i] = NAN;
    for (int k = -1; k < NBATCHES; k++) {
        const int64_t n = k < 0 ? n0 : other_batches[k];
        int64_t cx, cy, cf;
        counts(c, n, &cx, &cy, &cf);
        ck_assert_int_eq(
            plain(c, n, x, f_saved, b_saved, ref, k < 0 || algo == TCONV_ALGORITHM_NONE ? TCONV_ALGORITHM_AUTO : algo),
            TCONV_OK);
        for (int64_t i = 0; i < cy; i++) y[i] = -7.0f;
        ck_assert_msg(tconv_operator_run(op, n, x, y, NULL, 0) == TCONV_OK, "%s, batch %lld: %s", c->name, (long long)n,
                      tconv_last_error());
        ck_assert_msg(memcmp(y, ref, (size_t)cy * sizeof(float)) == 0,
                      "%s, batch %lld, algorithm %s: the run differs from the plain call (seed %llu)", c->name,
                      (long long)n, tconv_algorithm_name(algo), (unsigned long long)test_seed());
        /* with a caller's workspace of the size asked: the same bits */
        size_t bytes = 0;
        ck_assert_int_eq(tconv_operator_workspace_size(op, n, &bytes), TCONV_OK);
        void *ws = malloc(bytes ? bytes : 1);
        for (int64_t i = 0; i < cy; i++) y[i] = -7.0f;
        ck_assert_int_eq(tconv_operator_run(op, n, x, y, ws, bytes), TCONV_OK);
        ck_assert_msg(memcmp(y, ref, (size_t)cy * sizeof(float)) == 0, "%s, batch %lld: with a workspace", c->name,
                      (long long)n);
        free(ws);
    }
    tconv_operator_destroy(op);
    free(x);
    free(f);
    free(b);
    free(y);
    free(ref);
    free(f_saved);
    free(b_saved);
}
END_TEST

/* The algorithms the cases exercise: each packing the operator knows. */
START_TEST(every_algorithm_reached)
{
    bool seen[4] = {false};
    for (int i = 0; i < NCASES; i++) {
        int64_t nx, ny, nf;
        counts(&cases[i], cases[i].p.batch, &nx, &ny, &nf);
        float *f = calloc((size_t)(nf > 0 ? nf : 1), sizeof(float));
        struct tconv_operator *op = NULL;
        ck_assert_int_eq(tconv_operator_create(cases[i].op, &cases[i].p, f, NULL, NULL, &op), TCONV_OK);
        const enum tconv_algorithm a = tconv_operator_algorithm(op);
        if (a != TCONV_ALGORITHM_NONE) seen[a] = true;
        ck_assert_int_eq(a == TCONV_ALGORITHM_NONE, i == NCASES - 1); /* only the empty axis computes nothing */
        tconv_operator_destroy(op);
        free(f);
    }
    ck_assert_msg(seen[TCONV_ALGORITHM_GEMM] && seen[TCONV_ALGORITHM_SUBPIXEL] && seen[TCONV_ALGORITHM_DIRECT],
                  "gemm %d subpixel %d direct %d", seen[TCONV_ALGORITHM_GEMM], seen[TCONV_ALGORITHM_SUBPIXEL],
                  seen[TCONV_ALGORITHM_DIRECT]);
}
END_TEST

/* A forced algorithm is the operator's on every run. */
START_TEST(forced_algorithm)
{
    const struct op_case *c = &cases[3]; /* k4 s2: SUBPIXEL by choice, GEMM when forced */
    int64_t nx, ny, nf;
    counts(c, 3, &nx, &ny, &nf);
    float *x = malloc(fbytes(nx)), *f = malloc(fbytes(nf)), *y = malloc(fbytes(ny)), *ref = malloc(fbytes(ny));
    struct rng r = rng_make(test_seed(), 9200);
    fill_uniform(&r, x, nx);
    fill_uniform(&r, f, nf);
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.algorithm = TCONV_ALGORITHM_GEMM;
    o.num_threads = 1;
    struct tconv_operator *op = NULL;
    ck_assert_int_eq(tconv_operator_create(c->op, &c->p, f, NULL, &o, &op), TCONV_OK);
    ck_assert_int_eq(tconv_operator_algorithm(op), TCONV_ALGORITHM_GEMM);
    ck_assert_int_eq(plain(c, 3, x, f, NULL, ref, TCONV_ALGORITHM_GEMM), TCONV_OK);
    ck_assert_int_eq(tconv_operator_run(op, 3, x, y, NULL, 0), TCONV_OK);
    ck_assert(memcmp(y, ref, (size_t)ny * sizeof(float)) == 0);
    tconv_operator_destroy(op);
    free(x);
    free(f);
    free(y);
    free(ref);
}
END_TEST

/* ---- many threads, one operator ---- */

struct caller {
    const struct tconv_operator *op;
    const struct op_case *c;
    const float *x;    /* NRUNS inputs of batch n */
    const float *want; /* their results */
    int64_t n, nx, ny;
    int bad; /* runs that failed or differed */
};

static void *caller_main(void *arg)
{
    struct caller *k = arg;
    size_t bytes = 0;
    if (tconv_operator_workspace_size(k->op, k->n, &bytes) != TCONV_OK) {
        k->bad = NRUNS;
        return NULL;
    }
    void *ws = malloc(bytes ? bytes : 1);
    float *y = malloc(fbytes(k->ny));
    for (int i = 0; i < NRUNS; i++) {
        if (tconv_operator_run(k->op, k->n, k->x + i * k->nx, y, ws, bytes) != TCONV_OK ||
            memcmp(y, k->want + i * k->ny, (size_t)k->ny * sizeof(float)) != 0)
            k->bad++;
    }
    free(y);
    free(ws);
    return NULL;
}

START_TEST(concurrent_runs)
{
    const struct op_case *c = &cases[_i];
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.num_threads = 1; /* the callers are the threads */
    int64_t nxm, nym, nf;
    counts(c, 3, &nxm, &nym, &nf); /* the largest batch a caller runs */
    float *f = malloc(fbytes(nf)), *b = malloc(fbytes(c->p.out_channels));
    float *x = malloc(fbytes(NRUNS * nxm));
    struct rng r = rng_make(test_seed(), 9300 + (uint64_t)_i);
    fill_uniform(&r, f, nf);
    fill_uniform(&r, b, c->p.out_channels);
    fill_uniform(&r, x, NRUNS * nxm);
    struct tconv_operator *op = NULL;
    ck_assert_int_eq(tconv_operator_create(c->op, &c->p, f, b, &o, &op), TCONV_OK);
    struct caller k[NCALLERS];
    pthread_t t[NCALLERS];
    for (int i = 0; i < NCALLERS; i++) {
        const int64_t n = 1 + i % 3; /* callers at different batches at once */
        int64_t nx, ny;
        counts(c, n, &nx, &ny, &nf);
        k[i] = (struct caller){op, c, x, NULL, n, nx, ny, 0};
    }
    /* the expected results, per batch size, from the operator alone */
    float *wants[3];
    for (int64_t n = 1; n <= 3; n++) {
        int64_t nx, ny;
        counts(c, n, &nx, &ny, &nf);
        wants[n - 1] = malloc(fbytes(NRUNS * ny));
        for (int j = 0; j < NRUNS; j++)
            ck_assert_int_eq(tconv_operator_run(op, n, x + j * nx, wants[n - 1] + j * ny, NULL, 0), TCONV_OK);
    }
    for (int i = 0; i < NCALLERS; i++) {
        k[i].want = wants[k[i].n - 1];
        ck_assert_int_eq(pthread_create(&t[i], NULL, caller_main, &k[i]), 0);
    }
    for (int i = 0; i < NCALLERS; i++) {
        pthread_join(t[i], NULL);
        ck_assert_msg(k[i].bad == 0, "%s: caller %d (batch %lld): %d of %d runs failed or differed", c->name, i,
                      (long long)k[i].n, k[i].bad, NRUNS);
    }
    tconv_operator_destroy(op);
    for (int n = 0; n < 3; n++) free(wants[n]);
    free(f);
    free(b);
    free(x);
}
END_TEST

/* ---- bad input ---- */

static void expect(enum tconv_status got, enum tconv_status want, const char *needle)
{
    ck_assert_msg(got == want, "status %d, want %d (%s)", got, want, tconv_last_error());
    ck_assert_msg(strstr(tconv_last_error(), needle), "message '%s' lacks '%s'", tconv_last_error(), needle);
}

START_TEST(bad_input)
{
    const struct op_case *c = &cases[1];
    float f[4 * 6 * 9] = {0}, x[2 * 4 * 5 * 6] = {0}, y[2 * 6 * 5 * 6], before[2 * 6 * 5 * 6];
    struct tconv_operator *const sentinel = (struct tconv_operator *)(uintptr_t)0x1234;
    struct tconv_operator *op = sentinel;
    expect(tconv_operator_create(c->op, &c->p, f, NULL, NULL, NULL), TCONV_ERR_NULL_POINTER, "out");
    expect(tconv_operator_create((enum tconv_op)2, &c->p, f, NULL, NULL, &op), TCONV_ERR_INVALID_ARGUMENT, "op = 2");
    expect(tconv_operator_create(c->op, NULL, f, NULL, NULL, &op), TCONV_ERR_NULL_POINTER, "p");
    expect(tconv_operator_create(c->op, &c->p, NULL, NULL, NULL, &op), TCONV_ERR_NULL_POINTER, "filter");
    struct tconv_nd_params p = c->p;
    p.rank = 4;
    expect(tconv_operator_create(c->op, &p, f, NULL, NULL, &op), TCONV_ERR_INVALID_ARGUMENT, "rank");
    p = c->p;
    p.kernel[1] = 0;
    expect(tconv_operator_create(c->op, &p, f, NULL, NULL, &op), TCONV_ERR_INVALID_ARGUMENT, "kernel");
    struct tconv_profile prof = TCONV_PROFILE_INIT;
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.profile = &prof;
    expect(tconv_operator_create(c->op, &c->p, f, NULL, &o, &op), TCONV_ERR_UNSUPPORTED, "opt->profile");
    o = (struct tconv_options)TCONV_OPTIONS_INIT;
    o.algorithm = TCONV_ALGORITHM_SUBPIXEL; /* a conv has no sub-pixel path */
    expect(tconv_operator_create(c->op, &c->p, f, NULL, &o, &op), TCONV_ERR_UNSUPPORTED, "SUBPIXEL");
    ck_assert_ptr_eq(op, sentinel); /* untouched by every failure */

    ck_assert_int_eq(tconv_operator_create(c->op, &c->p, f, NULL, NULL, &op), TCONV_OK);
    for (size_t i = 0; i < sizeof y / sizeof *y; i++) before[i] = y[i] = (float)i;
    expect(tconv_operator_run(NULL, 1, x, y, NULL, 0), TCONV_ERR_NULL_POINTER, "op");
    expect(tconv_operator_run(op, -1, x, y, NULL, 0), TCONV_ERR_INVALID_ARGUMENT, "batch");
    expect(tconv_operator_run(op, 1, NULL, y, NULL, 0), TCONV_ERR_NULL_POINTER, "x");
    expect(tconv_operator_run(op, 1, x, NULL, NULL, 0), TCONV_ERR_NULL_POINTER, "y");
    size_t bytes = 0;
    ck_assert_int_eq(tconv_operator_workspace_size(op, 2, &bytes), TCONV_OK);
    ck_assert_uint_gt(bytes, 0);
    char small[64];
    expect(tconv_operator_run(op, 2, x, y, small, sizeof small), TCONV_ERR_INVALID_ARGUMENT, "workspace");
    ck_assert(memcmp(y, before, sizeof y) == 0);
    expect(tconv_operator_workspace_size(op, 2, NULL), TCONV_ERR_NULL_POINTER, "bytes");
    expect(tconv_operator_workspace_size(NULL, 2, &bytes), TCONV_ERR_NULL_POINTER, "op");
    ck_assert_int_eq(tconv_operator_algorithm(NULL), TCONV_ALGORITHM_NONE);
    tconv_operator_destroy(op);
    tconv_operator_destroy(NULL);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("operator");
    TCase *tc = tcase_create("operator");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, run_is_the_plain_call, 0, NCASES);
    tcase_add_test(tc, every_algorithm_reached);
    tcase_add_test(tc, forced_algorithm);
    tcase_add_loop_test(tc, concurrent_runs, 0, NCASES);
    tcase_add_test(tc, bad_input);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
