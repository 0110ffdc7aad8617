/*
 * test_api.c - the public surface, linked against the shared library as a user would:
 * status strings, the version, every status code on bad input with the output left untouched
 * (guard zones included), NULL rules for empty tensors, per-thread error messages, and calls from
 * several threads at once giving the same bits as the same calls made alone.
 */
#include <pthread.h>

#include "common.h"

#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 2, .in_h = 5, .in_w = 6, .in_channels = 4, .out_channels = 6, .groups = 2, .kernel_h = 3,             \
        .kernel_w = 3, .stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1, .padding = TCONV_PADDING_SAME,  \
        __VA_ARGS__                                                                                                    \
    }
#define PV(...) ((struct tconv_params)P(__VA_ARGS__))

typedef enum tconv_status (*op_fn)(const struct tconv_params *, const float *, const float *, const float *, float *);
static const struct {
    const char *name;
    op_fn fn;
    bool tr;
} ops[4] = {
    {"tconv_conv2d", tconv_conv2d, false},
    {"tconv_conv2d_transpose", tconv_conv2d_transpose, true},
    {"tconv_conv2d_reference", tconv_conv2d_reference, false},
    {"tconv_conv2d_transpose_reference", tconv_conv2d_transpose_reference, true},
};

START_TEST(status_strings)
{
    const char *names[7] = {"TCONV_OK",
                            "TCONV_ERR_NULL_POINTER",
                            "TCONV_ERR_INVALID_ARGUMENT",
                            "TCONV_ERR_SHAPE_MISMATCH",
                            "TCONV_ERR_UNSUPPORTED",
                            "TCONV_ERR_SIZE_OVERFLOW",
                            "TCONV_ERR_OUT_OF_MEMORY"};
    /* the numbers are a contract */
    ck_assert(TCONV_OK == 0 && TCONV_ERR_NULL_POINTER == 1 && TCONV_ERR_INVALID_ARGUMENT == 2 &&
              TCONV_ERR_SHAPE_MISMATCH == 3 && TCONV_ERR_UNSUPPORTED == 4 && TCONV_ERR_SIZE_OVERFLOW == 5 &&
              TCONV_ERR_OUT_OF_MEMORY == 6);
    for (int i = 0; i < 7; i++) {
        const char *s = tconv_status_string((enum tconv_status)i);
        ck_assert_ptr_nonnull(s);
        ck_assert_msg(strncmp(s, names[i], strlen(names[i])) == 0 && s[strlen(names[i])] == ':', "%d: %s", i, s);
        for (int j = 0; j < i; j++) ck_assert_str_ne(s, tconv_status_string((enum tconv_status)j));
    }
    ck_assert_str_eq(tconv_status_string((enum tconv_status)99), "unknown tconv_status");
    ck_assert_str_eq(tconv_status_string((enum tconv_status) - 1), "unknown tconv_status");
}
END_TEST

START_TEST(version)
{
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", TCONV_VERSION_MAJOR, TCONV_VERSION_MINOR, TCONV_VERSION_PATCH);
    ck_assert_str_eq(tconv_version(), want);
    ck_assert_str_eq(tconv_version(), TCONV_MESON_VERSION); /* meson.build, the header and the library agree */
}
END_TEST

/* A bad call: a mutation of a valid one. */
struct bad {
    const char *name;
    struct tconv_params p;
    int null_arg; /* 0 none, 1 p, 2 x, 3 filter, 4 y */
    enum tconv_status conv_st, tr_st;
    const char *msg;
};

static const struct bad bads[] = {
    {"NULL p", P(), 1, TCONV_ERR_NULL_POINTER, TCONV_ERR_NULL_POINTER, "p (the parameters) must not be NULL"},
    {"NULL x", P(), 2, TCONV_ERR_NULL_POINTER, TCONV_ERR_NULL_POINTER, "x must not be NULL"},
    {"NULL filter", P(), 3, TCONV_ERR_NULL_POINTER, TCONV_ERR_NULL_POINTER, "filter must not be NULL"},
    {"NULL y", P(), 4, TCONV_ERR_NULL_POINTER, TCONV_ERR_NULL_POINTER, "y must not be NULL"},
    {"negative size", P(.in_w = -6), 0, TCONV_ERR_INVALID_ARGUMENT, TCONV_ERR_INVALID_ARGUMENT, "in_w = -6"},
    {"stride 0", P(.stride_h = 0), 0, TCONV_ERR_INVALID_ARGUMENT, TCONV_ERR_INVALID_ARGUMENT, "stride_h = 0"},
    {"bad enum", P(.padding = (enum tconv_padding)4), 0, TCONV_ERR_INVALID_ARGUMENT, TCONV_ERR_INVALID_ARGUMENT,
     "padding = 4"},
    {"groups", P(.groups = 3), 0, TCONV_ERR_INVALID_ARGUMENT, TCONV_ERR_INVALID_ARGUMENT,
     "in_channels = 4 is not divisible by groups = 3"},
    {"inadmissible out", P(.out_h = 7), 0, TCONV_ERR_SHAPE_MISMATCH, TCONV_ERR_SHAPE_MISMATCH, "out_h = 7"},
    {"overflow", P(.batch = INT64_MAX / 4), 0, TCONV_ERR_SIZE_OVERFLOW, TCONV_ERR_SIZE_OVERFLOW,
     "has too many elements"},
    {"BLAS limit",
     P(.batch = 1, .in_h = 1, .in_w = 1, .kernel_h = 1, .kernel_w = 1, .groups = 1, .in_channels = (int64_t)1 << 31), 0,
     TCONV_ERR_UNSUPPORTED, TCONV_ERR_UNSUPPORTED, "INT_MAX"},
};

START_TEST(bad_input_leaves_output_untouched)
{
    const struct bad *b = &bads[_i];
    static float x[4096], f[4096], bias[64];
    const int64_t ny = 2048;
    float *y = guarded_alloc(ny), *before = malloc((ny + 2 * GUARD) * 4);
    for (int i = 0; i < 4096; i++) x[i] = f[i] = 1.0f;
    for (int k = 0; k < 4; k++) {
        for (int64_t i = 0; i < ny; i++) y[i] = (float)i; /* a pattern, distinct from any result */
        memcpy(before, y - GUARD, (ny + 2 * GUARD) * 4);
        enum tconv_status st = ops[k].fn(b->null_arg == 1 ? NULL : &b->p, b->null_arg == 2 ? NULL : x,
                                         b->null_arg == 3 ? NULL : f, bias, b->null_arg == 4 ? NULL : y);
        const enum tconv_status want = ops[k].tr ? b->tr_st : b->conv_st;
        const char *msg = tconv_last_error();
        ck_assert_msg(st == want, "%s / %s: status %d, want %d: %s", b->name, ops[k].name, st, want, msg);
        ck_assert_msg(strncmp(msg, ops[k].name, strlen(ops[k].name)) == 0 && msg[strlen(ops[k].name)] == ':',
                      "%s: message does not name %s: %s", b->name, ops[k].name, msg);
        ck_assert_msg(strstr(msg, b->msg), "%s / %s: message lacks \"%s\": %s", b->name, ops[k].name, b->msg, msg);
        ck_assert_msg(memcmp(before, y - GUARD, (ny + 2 * GUARD) * 4) == 0, "%s / %s: output touched", b->name,
                      ops[k].name);
    }
    guarded_free(y);
    free(before);
}
END_TEST

/* Success: every output element written, nothing outside; empty tensors may be NULL. */
START_TEST(success_writes_exactly_y)
{
    struct rng r = rng_make(test_seed(), 41);
    for (int k = 0; k < 4; k++)
        for (int lay = 0; lay < 2; lay++) {
            struct tconv_params p = P(.layout = (enum tconv_layout)lay, .activation = TCONV_ACTIVATION_RELU);
            struct tconv_geometry g;
            ck_assert_int_eq(ops[k].tr ? tconv_conv2d_transpose_geometry(&p, &g) : tconv_conv2d_geometry(&p, &g),
                             TCONV_OK);
            const int64_t nx = p.batch * p.in_h * p.in_w * p.in_channels, nf = filter_elems(&p);
            const int64_t ny = p.batch * g.out_h * g.out_w * p.out_channels;
            float *x = malloc(nx * 4), *f = malloc(nf * 4), *y = guarded_alloc(ny);
            fill_uniform(&r, x, nx);
            fill_uniform(&r, f, nf);
            for (int64_t i = 0; i < ny; i++) y[i] = NAN;
            ck_assert_int_eq(ops[k].fn(&p, x, f, NULL, y), TCONV_OK);
            for (int64_t i = 0; i < ny; i++)
                ck_assert_msg(!isnan(y[i]) && y[i] >= 0, "%s: y[%lld] not written", ops[k].name, (long long)i);
            ck_assert_msg(guards_intact(y, ny), "%s wrote outside y", ops[k].name);
            free(x);
            free(f);
            guarded_free(y);
        }
}
END_TEST

START_TEST(null_allowed_for_empty_tensors)
{
    for (int k = 0; k < 4; k++) {
        struct tconv_params p = P(.batch = 0);
        ck_assert_int_eq(ops[k].fn(&p, NULL, NULL, NULL, NULL), TCONV_OK);
        /* no input rows: conv gives TF's (0-3+2)/2 = 0 rows (nothing to write); transposed gives Keras's
           1 x 13 output, which receives no input: zeros */
        p = PV(.in_h = 0, .padding = TCONV_PADDING_VALID);
        float y[2 * 1 * 13 * 6];
        for (int i = 0; i < 156; i++) y[i] = NAN;
        enum tconv_status st = ops[k].fn(&p, NULL, (const float[3 * 3 * 2 * 6]){0}, NULL, y);
        ck_assert_msg(st == TCONV_OK, "%s: %d %s", ops[k].name, st, tconv_last_error());
        for (int i = 0; i < 156; i++) ck_assert(ops[k].tr ? y[i] == 0.0f : isnan(y[i]));
    }
}
END_TEST

/* Each thread sees its own last error, and a success leaves it unchanged. */
static void *error_thread(void *arg)
{
    const int64_t stride = (int64_t)(intptr_t)arg;
    char want[64];
    snprintf(want, sizeof want, "stride_w = %lld is invalid", (long long)stride);
    for (int i = 0; i < 2000; i++) {
        struct tconv_params p = P(.stride_w = stride);
        struct tconv_geometry g;
        if (tconv_conv2d_geometry(&p, &g) != TCONV_ERR_INVALID_ARGUMENT) return (void *)1;
        p.stride_w = 1;
        if (tconv_conv2d_geometry(&p, &g) != TCONV_OK) return (void *)2;
        if (!strstr(tconv_last_error(), want)) return (void *)3;
    }
    return NULL;
}

START_TEST(last_error_is_per_thread)
{
    pthread_t t[4];
    for (intptr_t i = 0; i < 4; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, error_thread, (void *)(-i)), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        pthread_join(t[i], &ret);
        ck_assert_msg(ret == NULL, "thread %d: failure %d", i, (int)(intptr_t)ret);
    }
}
END_TEST

/* Different ops and shapes from 8 threads at once give the same bits as the same calls made alone
   (also run under ThreadSanitizer in CI: .ci/run). */
enum { K_CONV, K_TR, K_TR_EX, K_DATA, K_FILTER, K_BIAS, K_RESIZE, K_TR_DATA, NKINDS };
static const char *const kind_names[NKINDS] = {"conv2d",
                                               "conv2d_transpose",
                                               "conv2d_transpose_ex (workspace, 2 threads)",
                                               "conv2d_backward_data",
                                               "conv2d_transpose_backward_filter",
                                               "conv2d_backward_bias",
                                               "resize_conv2d nearest x2",
                                               "conv2d_transpose_backward_data"};
struct job {
    int kind;
    struct tconv_params p;
    float *x, *f, *b, *dy, *alone;
    void *ws;
    size_t ws_bytes;
    int64_t nout;
    int failed;
};

static enum tconv_status job_call(const struct job *j, float *out)
{
    const struct tconv_params *p = &j->p;
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.num_threads = 2;
    switch (j->kind) {
    case K_CONV: return tconv_conv2d(p, j->x, j->f, j->b, out);
    case K_TR: return tconv_conv2d_transpose(p, j->x, j->f, j->b, out);
    case K_TR_EX: return tconv_conv2d_transpose_ex(p, j->x, j->f, j->b, out, j->ws, j->ws_bytes, &o);
    case K_DATA: return tconv_conv2d_backward_data(p, j->dy, j->f, out);
    case K_FILTER: return tconv_conv2d_transpose_backward_filter(p, j->x, j->dy, out);
    case K_BIAS: return tconv_conv2d_backward_bias(p, j->dy, out);
    case K_RESIZE: return tconv_resize_conv2d(p, 2, TCONV_RESIZE_NEAREST, j->x, j->f, j->b, out);
    default: return tconv_conv2d_transpose_backward_data(p, j->dy, j->f, out);
    }
}

static void *job_thread(void *arg)
{
    struct job *j = arg;
    float *y = malloc(j->nout * 4);
    struct tconv_params bad = j->p; /* and a failing call of its own, whose message must stay its own */
    bad.kernel_w = -1 - j->kind;
    char want[64];
    snprintf(want, sizeof want, "kernel_w = %d is invalid", -1 - j->kind);
    for (int it = 0; it < 12 && !j->failed; it++) {
        if (job_call(j, y) != TCONV_OK || memcmp(y, j->alone, j->nout * 4) != 0) j->failed = it + 1;
        struct job jb = *j;
        jb.p = bad;
        if (job_call(&jb, y) != TCONV_ERR_INVALID_ARGUMENT || !strstr(tconv_last_error(), want)) j->failed = 100 + it;
    }
    free(y);
    return NULL;
}

START_TEST(concurrent_calls)
{
    struct rng r = rng_make(test_seed(), 43);
    struct job jobs[NKINDS];
    for (int i = 0; i < NKINDS; i++) {
        struct job *j = &jobs[i];
        memset(j, 0, sizeof *j);
        j->kind = i;
        const bool tr = i == K_TR || i == K_TR_EX || i == K_FILTER || i == K_TR_DATA;
        j->p = PV(.batch = 1 + i % 3, .in_h = 9 + i, .in_w = 8 + 2 * i, .in_channels = 8, .out_channels = 6,
                  .layout = (enum tconv_layout)(i % 2), .filter_layout = (enum tconv_filter_layout)(i % 5),
                  .kernel_h = 3 + i % 2, .kernel_w = 3 + i % 2);
        if (i == K_RESIZE) j->p.stride_h = j->p.stride_w = 1;
        struct tconv_params big = j->p; /* resize: the conv runs on the upsampled size */
        if (i == K_RESIZE) {
            big.in_h *= 2;
            big.in_w *= 2;
        }
        struct tconv_geometry g;
        ck_assert_int_eq((tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(&big, &g), TCONV_OK);
        const int64_t nx = j->p.batch * j->p.in_h * j->p.in_w * 8, nf = filter_elems(&j->p);
        const int64_t ny = j->p.batch * g.out_h * g.out_w * 6;
        j->nout = i == K_DATA || i == K_TR_DATA ? nx : i == K_FILTER ? nf : i == K_BIAS ? 6 : ny;
        j->x = malloc(nx * 4);
        j->f = malloc(nf * 4);
        j->b = malloc(6 * 4);
        j->dy = malloc(ny * 4);
        j->alone = malloc(j->nout * 4);
        fill_uniform(&r, j->x, nx);
        fill_uniform(&r, j->f, nf);
        fill_uniform(&r, j->b, 6);
        fill_uniform(&r, j->dy, ny);
        if (i == K_TR_EX) {
            struct tconv_options o = TCONV_OPTIONS_INIT;
            o.num_threads = 2;
            ck_assert_int_eq(tconv_conv2d_transpose_workspace_size_ex(&j->p, &o, &j->ws_bytes), TCONV_OK);
            j->ws = malloc(j->ws_bytes);
        }
        ck_assert_msg(job_call(j, j->alone) == TCONV_OK, "%s: %s", kind_names[i], tconv_last_error());
    }
    pthread_t t[NKINDS];
    for (int i = 0; i < NKINDS; i++) ck_assert_int_eq(pthread_create(&t[i], NULL, job_thread, &jobs[i]), 0);
    for (int i = 0; i < NKINDS; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < NKINDS; i++) {
        ck_assert_msg(!jobs[i].failed, "thread %d (%s) differed from the call made alone at iteration %d", i,
                      kind_names[i], jobs[i].failed);
        free(jobs[i].x);
        free(jobs[i].f);
        free(jobs[i].b);
        free(jobs[i].dy);
        free(jobs[i].alone);
        free(jobs[i].ws);
    }
}
END_TEST

/* ---- the expert interface: workspace, options, profile ---- */

START_TEST(workspace_queries)
{
    struct tconv_params p = P();
    size_t a = 0, b = 0;
    ck_assert_int_eq(tconv_conv2d_workspace_size(&p, &a), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d_transpose_workspace_size(&p, &b), TCONV_OK);
    ck_assert(a > 0 && b > 0);
    /* the _ex query with NULL options is the plain one */
    size_t a2 = 0;
    ck_assert_int_eq(tconv_conv2d_workspace_size_ex(&p, NULL, &a2), TCONV_OK);
    ck_assert_uint_eq(a, a2);
    /* nothing to compute, nothing needed */
    p.batch = 0;
    ck_assert_int_eq(tconv_conv2d_transpose_workspace_size(&p, &b), TCONV_OK);
    ck_assert_uint_eq(b, 0);
    /* the same validation as the op */
    p = (struct tconv_params)P(.stride_w = 0);
    ck_assert_int_eq(tconv_conv2d_workspace_size(&p, &a), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "tconv_conv2d_workspace_size: stride_w = 0"));
    ck_assert_int_eq(tconv_conv2d_transpose_workspace_size(&p, NULL), TCONV_ERR_NULL_POINTER);
}
END_TEST

START_TEST(caller_workspace)
{
    struct rng r = rng_make(test_seed(), 47);
    for (int k = 0; k < 2; k++) {
        const bool tr = k == 1;
        struct tconv_params p = P(.batch = 3, .in_h = 11, .in_w = 9, .activation = TCONV_ACTIVATION_RELU);
        struct tconv_geometry g;
        ck_assert_int_eq(tr ? tconv_conv2d_transpose_geometry(&p, &g) : tconv_conv2d_geometry(&p, &g), TCONV_OK);
        const int64_t nx = p.batch * p.in_h * p.in_w * p.in_channels, nf = filter_elems(&p);
        const int64_t ny = p.batch * g.out_h * g.out_w * p.out_channels;
        float *x = malloc(nx * 4), *f = malloc(nf * 4), *bias = malloc(6 * 4), *y0 = malloc(ny * 4);
        float *y = guarded_alloc(ny);
        fill_uniform(&r, x, nx);
        fill_uniform(&r, f, nf);
        fill_uniform(&r, bias, 6);
        op_fn plain = tr ? tconv_conv2d_transpose : tconv_conv2d;
        ck_assert_int_eq(plain(&p, x, f, bias, y0), TCONV_OK);
        size_t need;
        ck_assert_int_eq((tr ? tconv_conv2d_transpose_workspace_size : tconv_conv2d_workspace_size)(&p, &need),
                         TCONV_OK);
        size_t one; /* what one thread needs */
        struct tconv_options o1 = TCONV_OPTIONS_INIT;
        o1.num_threads = 1;
        ck_assert_int_eq(
            (tr ? tconv_conv2d_transpose_workspace_size_ex : tconv_conv2d_workspace_size_ex)(&p, &o1, &one), TCONV_OK);
        ck_assert(one <= need);
        char *ws = malloc(need + 1);
        enum tconv_status (*ex)(const struct tconv_params *, const float *, const float *, const float *, float *,
                                void *, size_t, const struct tconv_options *) =
            tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex;
        /* exactly the queried size, then misaligned, then one thread's share (fewer threads), then NULL:
           the same bits every time */
        const size_t sizes[4] = {need, need, one, 0};
        for (int i = 0; i < 4; i++) {
            for (int64_t j = 0; j < ny; j++) y[j] = NAN;
            ck_assert_msg(ex(&p, x, f, bias, y, i == 3 ? NULL : ws + (i == 1), sizes[i], NULL) == TCONV_OK, "%d: %s", i,
                          tconv_last_error());
            ck_assert_msg(memcmp(y, y0, ny * 4) == 0 && guards_intact(y, ny), "%s: workspace case %d differs",
                          tr ? "transposed" : "conv", i);
        }
        /* too small for even one thread: an error naming the sizes, y untouched */
        for (int64_t j = 0; j < ny; j++) y[j] = 7.0f;
        ck_assert_int_eq(ex(&p, x, f, bias, y, ws, 16, NULL), TCONV_ERR_INVALID_ARGUMENT);
        ck_assert_msg(strstr(tconv_last_error(), "workspace_bytes = 16 is too small"), "%s", tconv_last_error());
        for (int64_t j = 0; j < ny; j++) ck_assert(y[j] == 7.0f);
        free(ws);
        free(x);
        free(f);
        free(bias);
        free(y0);
        guarded_free(y);
    }
}
END_TEST

struct opt_case {
    const char *name;
    bool tr;
    struct tconv_params p;
    struct tconv_options o;
    enum tconv_status st;
    const char *msg;
};

static const struct opt_case opt_cases[] = {
    {"negative threads",
     false,
     P(),
     {sizeof(struct tconv_options), -1, TCONV_ALGORITHM_AUTO, NULL, 0},
     TCONV_ERR_INVALID_ARGUMENT,
     "num_threads = -1 is invalid"},
    {"bad algorithm",
     true,
     P(),
     {sizeof(struct tconv_options), 0, (enum tconv_algorithm)9, NULL, 0},
     TCONV_ERR_INVALID_ARGUMENT,
     "algorithm = 9 is invalid"},
    {"sub-pixel conv",
     false,
     P(),
     {sizeof(struct tconv_options), 0, TCONV_ALGORITHM_SUBPIXEL, NULL, 0},
     TCONV_ERR_UNSUPPORTED,
     "SUBPIXEL applies to conv2d_transpose only"},
    {"sub-pixel with stride and dilation",
     true,
     P(.dilation_h = 2),
     {sizeof(struct tconv_options), 0, TCONV_ALGORITHM_SUBPIXEL, NULL, 0},
     TCONV_ERR_UNSUPPORTED,
     "needs dilation 1 or stride 1"},
    {"direct, not depthwise",
     true,
     P(),
     {sizeof(struct tconv_options), 0, TCONV_ALGORITHM_DIRECT, NULL, 0},
     TCONV_ERR_UNSUPPORTED,
     "DIRECT needs a depthwise problem"},
    {"accumulate on the forward pass",
     false,
     P(),
     {sizeof(struct tconv_options), 0, TCONV_ALGORITHM_AUTO, NULL, 1},
     TCONV_ERR_INVALID_ARGUMENT,
     "accumulate = 1 applies to the backward calls only"},
    {"accumulate not 0 or 1",
     true,
     P(),
     {sizeof(struct tconv_options), 0, TCONV_ALGORITHM_AUTO, NULL, 2},
     TCONV_ERR_INVALID_ARGUMENT,
     "accumulate = 2 is invalid"},
};

START_TEST(bad_options)
{
    const struct opt_case *c = &opt_cases[_i];
    float x[4096] = {0}, f[4096] = {0}, y[4096];
    for (int i = 0; i < 4096; i++) y[i] = 3.0f;
    size_t bytes;
    enum tconv_status st = (c->tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(&c->p, x, f, NULL, y, NULL, 0, &c->o);
    ck_assert_msg(st == c->st && strstr(tconv_last_error(), c->msg), "%s: %d %s", c->name, st, tconv_last_error());
    for (int i = 0; i < 4096; i++) ck_assert(y[i] == 3.0f);
    st = (c->tr ? tconv_conv2d_transpose_workspace_size_ex : tconv_conv2d_workspace_size_ex)(&c->p, &c->o, &bytes);
    ck_assert_msg(st == c->st, "%s: query %d", c->name, st);
}
END_TEST

START_TEST(profile_and_names)
{
    struct tconv_params p = P(.batch = 4, .in_h = 16, .in_w = 16, .in_channels = 8, .out_channels = 8, .groups = 8,
                              .kernel_h = 4, .kernel_w = 4);
    static float x[4 * 16 * 16 * 8], f[4 * 4 * 8], y[4 * 32 * 32 * 8];
    struct tconv_profile prof;
    memset(&prof, 0, sizeof prof);
    prof.struct_size = sizeof prof;
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.profile = &prof;
    o.num_threads = 2;
    ck_assert_int_eq(tconv_conv2d_transpose_ex(&p, x, f, NULL, y, NULL, 0, &o), TCONV_OK);
    ck_assert_int_eq(prof.algorithm, TCONV_ALGORITHM_DIRECT); /* depthwise: AUTO takes the direct loops */
    ck_assert(prof.threads >= 1 && prof.threads <= 2 && prof.total > 0);
    const double sum = prof.pack + prof.im2col + prof.gemm + prof.col2im + prof.epilogue;
    ck_assert_msg(fabs(sum - prof.total) <= 1e-9 + 1e-6 * prof.total, "phases %g vs total %g", sum, prof.total);
    ck_assert_str_eq(tconv_algorithm_name(TCONV_ALGORITHM_SUBPIXEL), "SUBPIXEL");
    ck_assert_str_eq(tconv_algorithm_name((enum tconv_algorithm)42), "unknown");
}
END_TEST

/* ------------------------------------------------- inputs the fuzzer found (tests/fuzz), kept */

/* Every op through the fast path and its reference, on dyadic data (exact), with each status equal. */
typedef enum tconv_status (*grad_fn)(const struct tconv_params *, const float *, const float *, float *);
typedef enum tconv_status (*bias_fn)(const struct tconv_params *, const float *, float *);

static const struct fuzz_case {
    const char *name; /* what the fuzzer found */
    bool tr;
    struct tconv_params p;
} fuzz_cases[] = {
    {"conv stride_w INT64_MAX: tap ranges overflowed (wrong y)", false,
     P(.batch = 3, .in_h = 5, .in_w = 7, .in_channels = 2, .out_channels = 4, .groups = 1, .kernel_w = 7,
       .stride_w = INT64_MAX, .dilation_w = 3)},
    {"conv stride_h INT64_MAX, its data gradient: a floor-division overflowed", false,
     P(.batch = 1, .in_h = 2, .in_w = 2, .in_channels = 1, .out_channels = 1, .groups = 1, .kernel_h = 1, .kernel_w = 2,
       .stride_h = INT64_MAX, .stride_w = 1, .dilation_w = 2)},
    {"transposed stride_w 2^40, one input column", true,
     P(.in_h = 3, .in_w = 1, .in_channels = 2, .out_channels = 2, .groups = 1, .stride_w = (int64_t)1 << 40, .out_w = 3,
       .padding = TCONV_PADDING_VALID)},
    {"empty x with in_h = 2^31: the reference walked every row", true,
     P(.batch = 1, .in_h = (int64_t)1 << 31, .in_w = 0, .in_channels = 4, .out_channels = 4, .kernel_h = 4,
       .kernel_w = 7, .stride_w = 4, .dilation_h = 3, .dilation_w = 3, .padding = TCONV_PADDING_VALID, .out_h = 1)},
    {"batch 2^50 and y empty: no tiling is planned for an empty call", false,
     P(.batch = (int64_t)1 << 50, .in_h = 1, .in_w = 0, .kernel_w = 1, .in_channels = 2, .out_channels = 2, .groups = 2,
       .stride_h = 1, .stride_w = 1, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 200, .pad_bottom = 200)},
    {"a crop of 2^29 on each side: the reference held the 2^30-row full result", true,
     P(.batch = 1, .in_h = 3, .in_w = 2, .kernel_h = 2, .dilation_h = (int64_t)1 << 30,
       .padding = TCONV_PADDING_EXPLICIT, .pad_top = (int64_t)1 << 29, .pad_bottom = (int64_t)1 << 29, .stride_h = 1)},
};

START_TEST(fuzz_regressions)
{
    const struct fuzz_case *fc = &fuzz_cases[_i];
    const struct tconv_params *p = &fc->p;
    struct tconv_params pg = *p; /* the gradients take no activation */
    pg.activation = TCONV_ACTIVATION_NONE;
    struct tconv_geometry g;
    ck_assert_msg((fc->tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(p, &g) == TCONV_OK, "%s: %s",
                  fc->name, tconv_last_error());
    const int64_t nx = p->batch * p->in_h * p->in_w * p->in_channels;
    const int64_t ny = p->batch * g.out_h * g.out_w * p->out_channels;
    const int64_t nf = p->kernel_h * p->kernel_w * (p->in_channels / p->groups) * p->out_channels;
    const int64_t cap = 1 << 16;
    ck_assert(nx <= cap && ny <= cap && nf <= cap);
    struct rng r = rng_make(test_seed(), 900 + (uint64_t)_i);
    float *x = malloc((nx + 1) * 4), *w = malloc((nf + 1) * 4), *b = malloc(p->out_channels * 4);
    float *dy = malloc((ny + 1) * 4), *out = malloc(cap * 4), *ref = malloc(cap * 4);
    fill_dyadic(&r, x, nx);
    fill_dyadic(&r, w, nf);
    fill_dyadic(&r, b, p->out_channels);
    fill_dyadic(&r, dy, ny);
    for (int kind = 0; kind < 4; kind++) { /* forward, data, filter and bias gradients of this op */
        const int op = fc->tr ? (kind ? 4 + kind : 1) : (kind ? 1 + kind : 0);
        size_t bytes = 1;
        ck_assert_msg(tconv_workspace_size((enum tconv_op)op, kind ? &pg : p, NULL, &bytes) == TCONV_OK,
                      "%s: op %d workspace: %s", fc->name, op, tconv_last_error());
        enum tconv_status sf, sr;
        int64_t n;
        switch (kind) {
        case 0:
            n = ny;
            sf = (fc->tr ? tconv_conv2d_transpose : tconv_conv2d)(p, x, w, b, out);
            sr = (fc->tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference)(p, x, w, b, ref);
            break;
        case 1:
            n = nx;
            sf = (fc->tr ? tconv_conv2d_transpose_backward_data : tconv_conv2d_backward_data)(&pg, dy, w, out);
            sr = (fc->tr ? tconv_conv2d_transpose_backward_data_reference
                         : tconv_conv2d_backward_data_reference)(&pg, dy, w, ref);
            break;
        case 2:
            n = nf;
            sf = (fc->tr ? tconv_conv2d_transpose_backward_filter : tconv_conv2d_backward_filter)(&pg, x, dy, out);
            sr = (fc->tr ? tconv_conv2d_transpose_backward_filter_reference
                         : tconv_conv2d_backward_filter_reference)(&pg, x, dy, ref);
            break;
        default:
            n = p->out_channels;
            sf = (fc->tr ? tconv_conv2d_transpose_backward_bias : tconv_conv2d_backward_bias)(&pg, dy, out);
            sr = (fc->tr ? tconv_conv2d_transpose_backward_bias_reference
                         : tconv_conv2d_backward_bias_reference)(&pg, dy, ref);
        }
        ck_assert_msg(sf == TCONV_OK && sr == TCONV_OK, "%s: op %d: %d / %d: %s", fc->name, op, sf, sr,
                      tconv_last_error());
        for (int64_t i = 0; i < n; i++)
            ck_assert_msg(out[i] == ref[i], "%s: op %d: [%lld] = %g, reference %g", fc->name, op, (long long)i, out[i],
                          ref[i]);
    }
    free(x);
    free(w);
    free(b);
    free(dy);
    free(out);
    free(ref);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("api");
    TCase *tc = tcase_create("api");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, status_strings);
    tcase_add_test(tc, version);
    tcase_add_loop_test(tc, bad_input_leaves_output_untouched, 0, (int)(sizeof bads / sizeof *bads));
    tcase_add_test(tc, success_writes_exactly_y);
    tcase_add_test(tc, null_allowed_for_empty_tensors);
    tcase_add_test(tc, last_error_is_per_thread);
    tcase_add_test(tc, workspace_queries);
    tcase_add_test(tc, caller_workspace);
    tcase_add_loop_test(tc, bad_options, 0, (int)(sizeof opt_cases / sizeof *opt_cases));
    tcase_add_test(tc, profile_and_names);
    tcase_add_loop_test(tc, fuzz_regressions, 0, (int)(sizeof fuzz_cases / sizeof *fuzz_cases));
    suite_add_tcase(s, tc);
    TCase *cc = tcase_create("concurrency"); /* CK_RUN_CASE=concurrency: the ThreadSanitizer run */
    tcase_set_timeout(cc, 600);
    tcase_add_test(cc, concurrent_calls);
    suite_add_tcase(s, cc);
    return run_suite(s);
}
