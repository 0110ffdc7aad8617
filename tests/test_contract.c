/*
 * test_contract.c - what include/tconv.h promises, point by point, where an outside review found the
 * behaviour and the header disagreeing (linked against the shared library, as a user would):
 *   - DIRECT runs any problem with one input and one output channel per group, groups == 1 included;
 *   - SUBPIXEL is refused when a stride exceeds the output size;
 *   - a forced algorithm is checked on empty problems too, and a call with nothing to compute reports
 *     TCONV_ALGORITHM_NONE and 0 threads;
 *   - every left-to-right partial product of an element count is bounded, even when a later factor is 0;
 *   - which algorithms the gradients accept;
 *   - outputs and workspaces must not alias any other argument;
 *   - tconv_filter_shape / tconv_filter_index against the header's declarators;
 *   - tconv_resize_conv2d_ex and its workspace query;
 *   - the ABI rules of the extensible structs: struct_size, a newer header's options and profile.
 */
#include "common.h"

#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 2, .in_h = 5, .in_w = 6, .in_channels = 4, .out_channels = 6, .groups = 2, .kernel_h = 3,             \
        .kernel_w = 3, .stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1, .padding = TCONV_PADDING_SAME,  \
        __VA_ARGS__                                                                                                    \
    }

typedef enum tconv_status (*fwd_ex_fn)(const struct tconv_params *, const float *, const float *, const float *,
                                       float *, void *, size_t, const struct tconv_options *);
typedef enum tconv_status (*fwd_fn)(const struct tconv_params *, const float *, const float *, const float *, float *);

static fwd_ex_fn fwd_ex(bool tr) { return tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex; }
static fwd_fn fwd_ref(bool tr) { return tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference; }

static int64_t y_elems(bool tr, const struct tconv_params *p)
{
    struct tconv_geometry g;
    ck_assert_int_eq((tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(p, &g), TCONV_OK);
    return p->batch * g.out_h * g.out_w * p->out_channels;
}

static int64_t x_elems(const struct tconv_params *p) { return p->batch * p->in_h * p->in_w * p->in_channels; }

/* ---------------------------------------------------------------- DIRECT */

START_TEST(direct_runs_single_channel_groups_one)
{
    struct rng r = rng_make(test_seed(), 201);
    for (int tr = 0; tr < 2; tr++)
        for (int lay = 0; lay < 2; lay++) {
            const struct tconv_params p = P(.in_channels = 1, .out_channels = 1, .groups = 1, .kernel_w = 2,
                                            .layout = (enum tconv_layout)lay, .activation = TCONV_ACTIVATION_RELU);
            const int64_t nx = x_elems(&p), ny = y_elems(tr, &p), nf = filter_elems(&p);
            float x[256], f[16], b[1], y[256], ref[256], dw[16], dw_ref[16];
            fill_dyadic(&r, x, nx);
            fill_dyadic(&r, f, nf);
            fill_dyadic(&r, b, 1);
            struct tconv_profile prof = TCONV_PROFILE_INIT;
            struct tconv_options o = TCONV_OPTIONS_INIT;
            o.algorithm = TCONV_ALGORITHM_DIRECT;
            o.profile = &prof;
            ck_assert_msg(fwd_ex(tr)(&p, x, f, b, y, NULL, 0, &o) == TCONV_OK, "%s", tconv_last_error());
            ck_assert_int_eq(prof.algorithm, TCONV_ALGORITHM_DIRECT);
            ck_assert_int_eq(fwd_ref(tr)(&p, x, f, b, ref), TCONV_OK);
            ck_assert(memcmp(y, ref, (size_t)ny * 4) == 0); /* dyadic data: exact */
            o.algorithm = TCONV_ALGORITHM_AUTO;             /* AUTO takes the direct loops too */
            ck_assert_int_eq(fwd_ex(tr)(&p, x, f, b, y, NULL, 0, &o), TCONV_OK);
            ck_assert_int_eq(prof.algorithm, TCONV_ALGORITHM_DIRECT);
            /* the filter gradient's DIRECT path: dy = y */
            struct tconv_params pg = p;
            pg.activation = TCONV_ACTIVATION_NONE;
            o.algorithm = TCONV_ALGORITHM_DIRECT;
            ck_assert_int_eq((tr ? tconv_conv2d_transpose_backward_filter_ex
                                 : tconv_conv2d_backward_filter_ex)(&pg, x, y, dw, NULL, 0, &o),
                             TCONV_OK);
            ck_assert_int_eq((tr ? tconv_conv2d_transpose_backward_filter_reference
                                 : tconv_conv2d_backward_filter_reference)(&pg, x, y, dw_ref),
                             TCONV_OK);
            ck_assert(memcmp(dw, dw_ref, (size_t)nf * 4) == 0);
            ck_assert_int_eq(prof.algorithm, TCONV_ALGORITHM_DIRECT);
        }
}
END_TEST

/* ---------------------------------------------------------------- SUBPIXEL */

START_TEST(subpixel_needs_stride_within_output)
{
    /* 1x1 input, k2 s2 SAME admits out 1 or 2: with out 1 there are 4 phases for 1 output */
    struct tconv_params p = P(.batch = 1, .in_h = 1, .in_w = 1, .in_channels = 2, .out_channels = 2, .groups = 1,
                              .kernel_h = 2, .kernel_w = 2, .out_h = 1, .out_w = 1);
    float x[2] = {1, 2}, f[16] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8}, y[8] = {7, 7}, ref[8];
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.algorithm = TCONV_ALGORITHM_SUBPIXEL;
    ck_assert_int_eq(tconv_conv2d_transpose_ex(&p, x, f, NULL, y, NULL, 0, &o), TCONV_ERR_UNSUPPORTED);
    ck_assert_msg(strstr(tconv_last_error(), "a stride no larger than the output"), "%s", tconv_last_error());
    ck_assert(y[0] == 7 && y[1] == 7);
    p.out_h = p.out_w = 2; /* now it runs, and agrees with the reference */
    ck_assert_int_eq(tconv_conv2d_transpose_ex(&p, x, f, NULL, y, NULL, 0, &o), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d_transpose_reference(&p, x, f, NULL, ref), TCONV_OK);
    ck_assert(memcmp(y, ref, sizeof ref) == 0);
}
END_TEST

/* ---------------------------------------------------------------- empty problems */

/* A forced algorithm is refused by the same rules when there is nothing to compute; one that can run
   "runs" nothing: the profile says NONE and 0 threads, y is the bias. */
START_TEST(forced_algorithms_on_empty_problems)
{
    const struct {
        const char *name;
        bool tr;
        struct tconv_params p;
    } empties[] = {
        {"batch 0", false, P(.batch = 0)},
        {"empty output (VALID, kernel > input)", false, P(.in_h = 2, .padding = TCONV_PADDING_VALID)},
        {"bias only (transposed, empty x, out given)", true, P(.in_h = 0, .out_h = 4, .out_w = 12)},
    };
    for (size_t i = 0; i < sizeof empties / sizeof *empties; i++) {
        const struct tconv_params *p = &empties[i].p;
        const bool tr = empties[i].tr;
        const int64_t ny = y_elems(tr, p);
        ck_assert(ny <= 1024 && x_elems(p) <= 1024 && filter_elems(p) <= 1024);
        float x[1024] = {0}, f[1024] = {0}, b[6] = {1, -2, 3, -4, 5, -6}, y[1024];
        struct tconv_profile prof = TCONV_PROFILE_INIT;
        prof.algorithm = TCONV_ALGORITHM_GEMM;
        prof.threads = 9;
        struct tconv_options o = TCONV_OPTIONS_INIT;
        o.profile = &prof;
        o.algorithm = TCONV_ALGORITHM_DIRECT; /* 2 channels per group: not depthwise */
        ck_assert_msg(fwd_ex(tr)(p, x, f, b, y, NULL, 0, &o) == TCONV_ERR_UNSUPPORTED, "%s: DIRECT accepted",
                      empties[i].name);
        if (!tr) {
            o.algorithm = TCONV_ALGORITHM_SUBPIXEL;
            ck_assert_msg(fwd_ex(tr)(p, x, f, b, y, NULL, 0, &o) == TCONV_ERR_UNSUPPORTED, "%s: SUBPIXEL accepted",
                          empties[i].name);
        }
        for (int a = 0; a < 2; a++) { /* AUTO, GEMM: nothing ran */
            o.algorithm = a ? TCONV_ALGORITHM_GEMM : TCONV_ALGORITHM_AUTO;
            for (int64_t j = 0; j < ny; j++) y[j] = NAN;
            ck_assert_msg(fwd_ex(tr)(p, x, f, b, y, NULL, 0, &o) == TCONV_OK, "%s: %s", empties[i].name,
                          tconv_last_error());
            ck_assert_msg(prof.algorithm == TCONV_ALGORITHM_NONE && prof.threads == 0,
                          "%s: the profile says %s on %d threads", empties[i].name,
                          tconv_algorithm_name(prof.algorithm), prof.threads);
            for (int64_t j = 0; j < ny; j++) /* NHWC: channel = j % 6 */
                ck_assert_msg(y[j] == b[j % 6], "%s: y[%lld] = %g", empties[i].name, (long long)j, y[j]);
        }
        /* the bias gradient has one algorithm, empty or not */
        o.algorithm = TCONV_ALGORITHM_GEMM;
        float db[6];
        ck_assert_int_eq(
            (tr ? tconv_conv2d_transpose_backward_bias_ex : tconv_conv2d_backward_bias_ex)(p, y, db, NULL, 0, &o),
            TCONV_ERR_UNSUPPORTED);
    }
    ck_assert_str_eq(tconv_algorithm_name(TCONV_ALGORITHM_NONE), "NONE");
}
END_TEST

/* ---------------------------------------------------------------- element counts */

START_TEST(every_partial_product_is_bounded)
{
    /* batch 2^62 with in_w = 0: x has no element, but batch alone passes 2^61 */
    struct tconv_params p = P(.batch = (int64_t)1 << 62, .in_h = 1, .in_w = 0, .padding = TCONV_PADDING_VALID,
                              .kernel_h = 1, .kernel_w = 1, .stride_h = 1, .stride_w = 1);
    struct tconv_geometry g;
    ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_ERR_SIZE_OVERFLOW);
    ck_assert_msg(strstr(tconv_last_error(), "first 1 factor exceeds"), "%s", tconv_last_error());
    ck_assert_int_eq(tconv_conv2d_transpose_geometry(&p, &g), TCONV_ERR_SIZE_OVERFLOW);
    p.batch = (int64_t)1 << 40; /* the product of two factors reaches 2^61 */
    p.in_h = (int64_t)1 << 21;
    ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_ERR_SIZE_OVERFLOW);
    ck_assert_msg(strstr(tconv_last_error(), "first 2 factors exceeds"), "%s", tconv_last_error());
    p.in_h = (int64_t)1 << 20; /* 2^60: below the bound, and x is empty: a valid no-op */
    ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_OK);
    ck_assert_int_eq(tconv_conv2d(&p, NULL, NULL, NULL, NULL), TCONV_OK);
}
END_TEST

/* ---------------------------------------------------------------- gradients' algorithms */

START_TEST(gradient_algorithms)
{
    const struct tconv_params p = P();
    static float x[4096], dy[4096], w[4096], out[4096];
    struct tconv_options o = TCONV_OPTIONS_INIT;
    const enum tconv_status bias_want[4] = {TCONV_OK, TCONV_ERR_UNSUPPORTED, TCONV_ERR_UNSUPPORTED, TCONV_OK};
    for (int a = 0; a < 4; a++) {
        o.algorithm = (enum tconv_algorithm)a;
        ck_assert_int_eq(tconv_conv2d_backward_bias_ex(&p, dy, out, NULL, 0, &o), bias_want[a]);
        ck_assert_int_eq(tconv_conv2d_transpose_backward_bias_ex(&p, dy, out, NULL, 0, &o), bias_want[a]);
    }
    o.algorithm = TCONV_ALGORITHM_SUBPIXEL;
    ck_assert_int_eq(tconv_conv2d_backward_filter_ex(&p, x, dy, out, NULL, 0, &o), TCONV_ERR_UNSUPPORTED);
    ck_assert_int_eq(tconv_conv2d_transpose_backward_filter_ex(&p, x, dy, out, NULL, 0, &o), TCONV_ERR_UNSUPPORTED);
    /* SUBPIXEL is conv2d_transpose's forward pass: also conv2d's data gradient (stride 2, dilation 1) */
    ck_assert_msg(tconv_conv2d_backward_data_ex(&p, dy, w, out, NULL, 0, &o) == TCONV_OK, "%s", tconv_last_error());
    o.algorithm = TCONV_ALGORITHM_NONE; /* reported only, never a request */
    ck_assert_int_eq(tconv_conv2d_ex(&p, x, w, NULL, out, NULL, 0, &o), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tconv_last_error(), "algorithm = 4 is invalid"), "%s", tconv_last_error());
}
END_TEST

/* ---------------------------------------------------------------- aliasing */

START_TEST(outputs_must_not_alias)
{
    const struct tconv_params p = P();
    const int64_t nx = x_elems(&p), nf = filter_elems(&p), ny = y_elems(false, &p);
    static float buf[16384];
    for (int i = 0; i < 16384; i++) buf[i] = (float)(i % 13);
    float *x = buf, *f = buf + 4096, *b = buf + 8192, *y = buf + 9000;
    const float before = buf[9000];
    /* each pair shares memory: y over the end of x, y == filter, y over the bias */
    float *ys[3] = {x + nx - 1, f, b - 1};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(tconv_conv2d(&p, x, f, b, ys[i]), TCONV_ERR_INVALID_ARGUMENT);
        ck_assert_msg(strstr(tconv_last_error(), "overlaps"), "%s", tconv_last_error());
    }
    for (int i = 0; i < 16384; i++) ck_assert(buf[i] == (float)(i % 13)); /* nothing written */
    /* gradients: dx over dy, dfilter over x, dbias over dy */
    ck_assert_int_eq(tconv_conv2d_backward_data(&p, y, f, y + ny - 1), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tconv_conv2d_backward_filter(&p, x, y, x + 1), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tconv_conv2d_backward_bias(&p, y, y + 3), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tconv_last_error(), "dbias overlaps dy"), "%s", tconv_last_error());
    /* a caller's workspace over y, or over x */
    static char ws[1 << 20];
    size_t need;
    ck_assert_int_eq(tconv_conv2d_workspace_size(&p, &need), TCONV_OK);
    ck_assert(need + 64 < sizeof ws);
    float *y_in_ws = (float *)(void *)(ws + 64);
    ck_assert_int_eq(tconv_conv2d_ex(&p, x, f, b, y_in_ws, ws, need + 64, NULL), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tconv_last_error(), "workspace overlaps y"), "%s", tconv_last_error());
    ck_assert_int_eq(tconv_conv2d_ex(&p, x, f, b, y, (char *)x, need, NULL), TCONV_ERR_INVALID_ARGUMENT);
    /* adjacent, not overlapping: fine */
    ck_assert_msg(tconv_conv2d(&p, x, x + nx, b, x + nx + nf) == TCONV_OK, "%s", tconv_last_error());
    ck_assert(buf[9000] == before);
}
END_TEST

/* ---------------------------------------------------------------- the filter tensor */

/* The header's table, written out: w(out_channel o, in_channel i, ky, kx) in each layout. */
static int64_t declarator(bool tr, enum tconv_filter_layout l, const struct tconv_params *p, int64_t o, int64_t i,
                          int64_t ky, int64_t kx)
{
    const int64_t KH = p->kernel_h, KW = p->kernel_w, g = p->groups;
    const int64_t I = tr ? p->in_channels : p->in_channels / g; /* the I axis: per group for conv2d */
    const int64_t O = tr ? p->out_channels / g : p->out_channels;
    const int64_t il = tr ? i : i % I, ol = tr ? o % O : o;
    switch (l) {
    case TCONV_FILTER_HWIO: return ((ky * KW + kx) * I + il) * O + ol;
    case TCONV_FILTER_OIHW: return ((ol * I + il) * KH + ky) * KW + kx;
    case TCONV_FILTER_HWOI: return ((ky * KW + kx) * O + ol) * I + il;
    default: return ((il * O + ol) * KH + ky) * KW + kx;
    }
}

START_TEST(filter_shape_and_index)
{
    for (int tr = 0; tr < 2; tr++)
        for (int l = 0; l <= 4; l++) {
            const struct tconv_params p = P(.in_channels = 4, .out_channels = 6, .groups = 2, .kernel_h = 3,
                                            .kernel_w = 2, .filter_layout = (enum tconv_filter_layout)l);
            const enum tconv_op op = tr ? TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER : TCONV_OP_CONV2D;
            const enum tconv_filter_layout want =
                l ? (enum tconv_filter_layout)l : (tr ? TCONV_FILTER_HWOI : TCONV_FILTER_HWIO);
            int64_t dims[4];
            enum tconv_filter_layout got;
            ck_assert_int_eq(tconv_filter_shape(op, &p, dims, &got), TCONV_OK);
            ck_assert_int_eq(got, want);
            const int64_t I = tr ? 4 : 2, O = tr ? 3 : 6;
            const int64_t table[5][4] = {
                {0}, {3, 2, I, O}, {O, I, 3, 2}, {3, 2, O, I}, {I, O, 3, 2}}; /* HWIO, OIHW, HWOI, IOHW */
            for (int d = 0; d < 4; d++) ck_assert_int_eq(dims[d], table[want][d]);
            for (int64_t o = 0; o < 6; o++)
                for (int64_t i = 0; i < 4; i++)
                    for (int64_t ky = 0; ky < 3; ky++)
                        for (int64_t kx = 0; kx < 2; kx++) {
                            int64_t idx = -1;
                            const enum tconv_status st = tconv_filter_index(op, &p, o, i, ky, kx, &idx);
                            if (o / 3 != i / 2) { /* different groups: not connected */
                                ck_assert_int_eq(st, TCONV_ERR_INVALID_ARGUMENT);
                                continue;
                            }
                            ck_assert_int_eq(st, TCONV_OK);
                            ck_assert_int_eq(idx, declarator(tr, want, &p, o, i, ky, kx));
                        }
            int64_t idx;
            ck_assert_int_eq(tconv_filter_index(op, &p, 6, 0, 0, 0, &idx), TCONV_ERR_INVALID_ARGUMENT);
            ck_assert_msg(strstr(tconv_last_error(), "out_channel = 6 is invalid: it must be in [0, 6)"), "%s",
                          tconv_last_error());
            ck_assert_int_eq(tconv_filter_index(op, &p, 0, 0, 3, 0, &idx), TCONV_ERR_INVALID_ARGUMENT);
            ck_assert_int_eq(tconv_filter_index(op, &p, 0, 0, 0, 0, NULL), TCONV_ERR_NULL_POINTER);
            ck_assert_int_eq(tconv_filter_shape(op, &p, NULL, NULL), TCONV_ERR_NULL_POINTER);
            ck_assert_int_eq(tconv_filter_shape((enum tconv_op)8, &p, dims, NULL), TCONV_ERR_INVALID_ARGUMENT);
        }
}
END_TEST

/* ---------------------------------------------------------------- resize-convolution's _ex */

START_TEST(resize_ex_and_workspace)
{
    struct rng r = rng_make(test_seed(), 203);
    for (int mode = 0; mode < 2; mode++)
        for (int lay = 0; lay < 2; lay++) {
            const struct tconv_params p = P(.batch = 2, .in_h = 6, .in_w = 5, .stride_h = 1, .stride_w = 1,
                                            .layout = (enum tconv_layout)lay, .activation = TCONV_ACTIVATION_RELU);
            struct tconv_params pu = p; /* the conv on the x2-upsampled tensor */
            pu.in_h *= 2;
            pu.in_w *= 2;
            const int64_t nx = x_elems(&p), nf = filter_elems(&p), ny = y_elems(false, &pu);
            float *x = malloc(nx * 4), *f = malloc(nf * 4), *b = malloc(6 * 4), *y0 = malloc(ny * 4);
            float *y = guarded_alloc(ny);
            fill_uniform(&r, x, nx);
            fill_uniform(&r, f, nf);
            fill_uniform(&r, b, 6);
            const enum tconv_resize m = (enum tconv_resize)mode;
            ck_assert_int_eq(tconv_resize_conv2d(&p, 2, m, x, f, b, y0), TCONV_OK);
            size_t need, one;
            struct tconv_options o1 = TCONV_OPTIONS_INIT;
            o1.num_threads = 1;
            ck_assert_int_eq(tconv_resize_conv2d_workspace_size(&p, 2, m, NULL, &need), TCONV_OK);
            ck_assert_int_eq(tconv_resize_conv2d_workspace_size(&p, 2, m, &o1, &one), TCONV_OK);
            ck_assert(one > 0 && one <= need);
            char *ws = malloc(need);
            struct tconv_profile prof = TCONV_PROFILE_INIT;
            struct tconv_options o = TCONV_OPTIONS_INIT;
            o.profile = &prof;
            const size_t sizes[3] = {need, one, 0};
            for (int i = 0; i < 3; i++) { /* the queried size, one thread's share, none: the same bits */
                for (int64_t j = 0; j < ny; j++) y[j] = NAN;
                ck_assert_msg(tconv_resize_conv2d_ex(&p, 2, m, x, f, b, y, i < 2 ? ws : NULL, sizes[i], &o) == TCONV_OK,
                              "%s", tconv_last_error());
                ck_assert_msg(memcmp(y, y0, ny * 4) == 0 && guards_intact(y, ny), "mode %d, workspace case %d", mode,
                              i);
                ck_assert(prof.algorithm != TCONV_ALGORITHM_NONE && prof.threads >= 1 && prof.total > 0);
                ck_assert(prof.gemm > 0);
            }
            ck_assert_int_eq(tconv_resize_conv2d_ex(&p, 2, m, x, f, b, y, ws, one - 1, NULL),
                             TCONV_ERR_INVALID_ARGUMENT);
            o.accumulate = 1; /* forward: no accumulate */
            ck_assert_int_eq(tconv_resize_conv2d_ex(&p, 2, m, x, f, b, y, NULL, 0, &o), TCONV_ERR_INVALID_ARGUMENT);
            o.accumulate = 0;
            o.algorithm = TCONV_ALGORITHM_DIRECT; /* 2 channels per group */
            ck_assert_int_eq(tconv_resize_conv2d_ex(&p, 2, m, x, f, b, y, NULL, 0, &o), TCONV_ERR_UNSUPPORTED);
            free(ws);
            free(x);
            free(f);
            free(b);
            free(y0);
            guarded_free(y);
        }
}
END_TEST

/* ---------------------------------------------------------------- extensible structs (ABI rules) */

static bool all_bytes(const void *p, size_t n, unsigned char v)
{
    const unsigned char *b = (const unsigned char *)p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != v) return false;
    return true;
}

/* A newer header's tconv_options / tconv_profile: this library's fields, then ones it does not know. */
enum { NEWER = 24 /* bytes a later version might append */, BEYOND = 8 /* the caller's own, after the struct */ };
union newer_options {
    struct tconv_options o;
    unsigned char bytes[sizeof(struct tconv_options) + NEWER];
};
union newer_profile {
    struct tconv_profile p;
    unsigned char bytes[sizeof(struct tconv_profile) + NEWER + BEYOND];
};

START_TEST(struct_size_rules)
{
    struct rng r = rng_make(test_seed(), 209);
    const struct tconv_params p = P();
    const bool tr = true;
    float x[2 * 5 * 6 * 4], f[3 * 3 * 4 * 3], y[2 * 10 * 12 * 6], want[2 * 10 * 12 * 6];
    const int64_t ny = y_elems(tr, &p);
    ck_assert_int_eq(ny, (int64_t)(sizeof y / sizeof *y));
    fill_dyadic(&r, x, x_elems(&p));
    fill_dyadic(&r, f, filter_elems(&p));
    ck_assert_int_eq(fwd_ex(tr)(&p, x, f, NULL, want, NULL, 0, NULL), TCONV_OK);
    char msg[96];

    /* an uninitialised or too small struct_size: refused, y untouched */
    const size_t bad[] = {0, sizeof(struct tconv_options) - 8, 4097};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        struct tconv_options o = TCONV_OPTIONS_INIT;
        o.struct_size = bad[i];
        snprintf(msg, sizeof msg, "opt->struct_size = %zu is invalid", bad[i]);
        memset(y, 0x7f, sizeof y);
        ck_assert_int_eq(fwd_ex(tr)(&p, x, f, NULL, y, NULL, 0, &o), TCONV_ERR_INVALID_ARGUMENT);
        ck_assert_msg(strstr(tconv_last_error(), msg), "%s", tconv_last_error());
        ck_assert(all_bytes(y, sizeof y, 0x7f));
    }

    /* a newer header's options, its new fields at their default 0: the same result, bit for bit */
    union newer_options no;
    memset(&no, 0, sizeof no);
    tconv_options_init(&no.o);
    no.o.struct_size = sizeof no;
    ck_assert_int_eq(fwd_ex(tr)(&p, x, f, NULL, y, NULL, 0, &no.o), TCONV_OK);
    ck_assert_mem_eq(y, want, sizeof y);
    /* ... one of them set: an option this library cannot honour is an error, not ignored */
    no.bytes[sizeof(struct tconv_options) + 5] = 3;
    memset(y, 0x7f, sizeof y);
    ck_assert_int_eq(fwd_ex(tr)(&p, x, f, NULL, y, NULL, 0, &no.o), TCONV_ERR_UNSUPPORTED);
    snprintf(msg, sizeof msg, "byte %zu of the options (struct_size = %zu) is 3", sizeof(struct tconv_options) + 5,
             sizeof no);
    ck_assert_msg(strstr(tconv_last_error(), msg), "%s", tconv_last_error());
    ck_assert(all_bytes(y, sizeof y, 0x7f));

    /* a profile without struct_size: refused before anything runs */
    struct tconv_options o = TCONV_OPTIONS_INIT;
    struct tconv_profile bad_prof;
    memset(&bad_prof, 0, sizeof bad_prof);
    o.profile = &bad_prof;
    memset(y, 0x7f, sizeof y);
    ck_assert_int_eq(fwd_ex(tr)(&p, x, f, NULL, y, NULL, 0, &o), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tconv_last_error(), "opt->profile->struct_size = 0 is invalid"), "%s", tconv_last_error());
    ck_assert(all_bytes(y, sizeof y, 0x7f));
    ck_assert(all_bytes(&bad_prof, sizeof bad_prof, 0));

    /* a newer header's profile: this library's fields written, the newer ones zeroed, nothing past struct_size */
    union newer_profile np;
    memset(&np, 0xab, sizeof np);
    np.p.struct_size = sizeof(struct tconv_profile) + NEWER;
    o.profile = &np.p;
    ck_assert_int_eq(fwd_ex(tr)(&p, x, f, NULL, y, NULL, 0, &o), TCONV_OK);
    ck_assert_mem_eq(y, want, sizeof y);
    ck_assert_uint_eq(np.p.struct_size, sizeof(struct tconv_profile) + NEWER); /* the caller's, kept */
    ck_assert(np.p.algorithm != TCONV_ALGORITHM_NONE && np.p.threads >= 1 && np.p.total > 0);
    ck_assert(all_bytes(np.bytes + sizeof(struct tconv_profile), NEWER, 0));
    ck_assert(all_bytes(np.bytes + sizeof(struct tconv_profile) + NEWER, BEYOND, 0xab));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("contract");
    TCase *tc = tcase_create("contract");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, direct_runs_single_channel_groups_one);
    tcase_add_test(tc, subpixel_needs_stride_within_output);
    tcase_add_test(tc, forced_algorithms_on_empty_problems);
    tcase_add_test(tc, every_partial_product_is_bounded);
    tcase_add_test(tc, gradient_algorithms);
    tcase_add_test(tc, outputs_must_not_alias);
    tcase_add_test(tc, filter_shape_and_index);
    tcase_add_test(tc, resize_ex_and_workspace);
    tcase_add_test(tc, struct_size_rules);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
