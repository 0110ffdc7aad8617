/*
 * test_reference.c - the naive oracles (src/reference.c) against numbers that do not come from
 * tconv: the seed documents' printed results, hand-computed sums, and identities that tie the
 * two references to textbook definitions (transposed conv = full conv with the flipped kernel;
 * dilation = a zero-stuffed kernel; groups = separate convolutions; layouts are permutations).
 */
#include "common.h"
#include "algorithms.h"
#include "kernels.h"
#include "seed_data.h"

#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 1, .in_h = 3, .in_w = 3, .in_channels = 1, .out_channels = 1, .groups = 1, .kernel_h = 3,             \
        .kernel_w = 3, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                     \
    }
#define PV(...) ((struct tconv_params)P(__VA_ARGS__))

typedef enum tconv_status (*op_fn)(const struct tconv_params *, const float *, const float *, const float *, float *);

START_TEST(seed003_exact)
{
    struct tconv_params p = P(.in_h = 2, .in_w = 2, .stride_h = 2, .stride_w = 2, .out_h = 5, .out_w = 5);
    float y[25];
    ck_assert_int_eq(tconv_conv2d_transpose_reference(&p, &seed003_x[0][0], &seed003_filter[0][0], NULL, y), TCONV_OK);
    for (int i = 0; i < 25; i++) ck_assert_msg(y[i] == (&seed003_out[0][0])[i], "[%d] = %g", i, y[i]);
}
END_TEST

START_TEST(seed002_exact)
{
    struct tconv_params p = P(.batch = 3, .in_h = 4, .in_w = 4, .in_channels = 2, .out_channels = 4, .stride_h = 2,
                              .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8);
    static float x[3 * 4 * 4 * 2], f[3 * 3 * 4 * 2], y[3 * 8 * 8 * 4];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = 1;
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) f[i] = 1;
    ck_assert_int_eq(tconv_conv2d_transpose_reference(&p, x, f, NULL, y), TCONV_OK);
    for (int i = 0; i < 3 * 64 * 4; i++) /* every image and every channel shows the pattern */
        ck_assert_msg(y[i] == (&seed002_out[0][0])[(i / 4) % 64], "[%d] = %g", i, y[i]);
}
END_TEST

/* seed 004: 5x5 and 6x6 both legal; hand-computed sums of the overlapping 3x3 ones blocks */
START_TEST(seed004_values)
{
    static const double want5[5][5] = {{4.5, 4.5, 9.9, 5.4, 5.4},
                                       {4.5, 4.5, 9.9, 5.4, 5.4},
                                       {12.6, 12.6, 27.0, 14.4, 14.4},
                                       {8.1, 8.1, 17.1, 9.0, 9.0},
                                       {8.1, 8.1, 17.1, 9.0, 9.0}};
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    for (int o = 5; o <= 6; o++) {
        struct tconv_params p = P(.in_h = 2, .in_w = 2, .stride_h = 2, .stride_w = 2, .out_h = o, .out_w = o);
        float y[36];
        ck_assert_int_eq(tconv_conv2d_transpose_reference(&p, seed004_x, ones, NULL, y), TCONV_OK);
        for (int i = 0; i < o; i++)
            for (int j = 0; j < o; j++) {
                double want = (i < 5 && j < 5) ? want5[i][j] : 0.0;
                ck_assert_msg(fabs(y[i * o + j] - want) <= 1e-6 * fabs(want), "%dx%d (%d,%d) = %g, want %g", o, o, i, j,
                              y[i * o + j], want);
            }
    }
}
END_TEST

/* seed 000: conv 1x1 == dense; seed 001: its transpose */
START_TEST(seed000_001_dense)
{
    float x[16], y[32], back[16];
    for (int i = 0; i < 16; i++) x[i] = (float)seed000_x[i];
    struct tconv_params p = P(.in_h = 4, .in_w = 4, .out_channels = 2, .kernel_h = 1, .kernel_w = 1);
    ck_assert_int_eq(tconv_conv2d_reference(&p, x, seed000_kernel, NULL, y), TCONV_OK);
    for (int i = 0; i < SEED000_PIXELS; i++)
        for (int c = 0; c < 2; c++)
            ck_assert_msg(fabs(y[2 * i + c] - seed000_dense[i][c]) <= 5e-7 * fabs(seed000_dense[i][c]),
                          "pixel %d ch %d: %.8g vs %.8g", i, c, y[2 * i + c], seed000_dense[i][c]);
    p.in_channels = 2;
    p.out_channels = 1;
    ck_assert_int_eq(tconv_conv2d_transpose_reference(&p, y, seed000_kernel, NULL, back), TCONV_OK);
    for (int i = 0; i < 16; i++)
        ck_assert_msg(fabs(back[i] - seed001_transpose[i]) <= 1e-6 * seed001_transpose[i], "pixel %d: %.8g vs %.8g", i,
                      back[i], seed001_transpose[i]);
}
END_TEST

START_TEST(conv_hand_sums)
{
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y[9];
    struct tconv_params p = P(.kernel_h = 2, .kernel_w = 2);
    ck_assert_int_eq(tconv_conv2d_reference(&p, x, ones, NULL, y), TCONV_OK);
    ck_assert(y[0] == 12 && y[1] == 16 && y[2] == 24 && y[3] == 28);
    p = PV(.padding = TCONV_PADDING_SAME);
    const float box[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    const float bias = -20.0f;
    p.activation = TCONV_ACTIVATION_RELU;
    ck_assert_int_eq(tconv_conv2d_reference(&p, x, ones, &bias, y), TCONV_OK);
    for (int i = 0; i < 9; i++) ck_assert_msg(y[i] == (box[i] > 20 ? box[i] - 20 : 0), "[%d] = %g", i, y[i]);
}
END_TEST

/* Seed 003's "why is the kernel inversed": a stride-1 transposed conv is the full conv (padding
   ke-1 on both sides) with the kernel rotated by 180 degrees. */
START_TEST(transpose_is_full_conv_with_flipped_kernel)
{
    struct rng r = rng_make(test_seed(), 5);
    for (int it = 0; it < 20; it++) {
        const int64_t h = rng_int(&r, 1, 6), w = rng_int(&r, 1, 6), kh = rng_int(&r, 1, 4), kw = rng_int(&r, 1, 4);
        float x[36], f[16], ff[16], a[100], b[100];
        fill_dyadic(&r, x, h * w);
        fill_dyadic(&r, f, kh * kw);
        for (int i = 0; i < kh * kw; i++) ff[i] = f[kh * kw - 1 - i];
        struct tconv_params t = P(.in_h = h, .in_w = w, .kernel_h = kh, .kernel_w = kw);
        struct tconv_params c =
            P(.in_h = h, .in_w = w, .kernel_h = kh, .kernel_w = kw, .padding = TCONV_PADDING_EXPLICIT,
              .pad_top = kh - 1, .pad_bottom = kh - 1, .pad_left = kw - 1, .pad_right = kw - 1);
        ck_assert_int_eq(tconv_conv2d_transpose_reference(&t, x, f, NULL, a), TCONV_OK);
        ck_assert_int_eq(tconv_conv2d_reference(&c, x, ff, NULL, b), TCONV_OK);
        for (int i = 0; i < (h + kh - 1) * (w + kw - 1); i++) ck_assert(a[i] == b[i]);
    }
}
END_TEST

/* Dilation d is the same as a kernel of extent (k-1)*d+1 with zeros between the taps. */
START_TEST(dilation_is_zero_stuffing)
{
    struct rng r = rng_make(test_seed(), 6);
    for (int it = 0; it < 40; it++) {
        const bool tr = it & 1;
        const int64_t k = rng_int(&r, 1, 3), d = rng_int(&r, 2, 3), s = rng_int(&r, 1, 3), ke = (k - 1) * d + 1;
        const int64_t in = tr ? rng_int(&r, 1, 5) : rng_int(&r, ke, ke + 5);
        float x[144], f[9], fs[49], a[900], b[900];
        fill_dyadic(&r, x, in * in);
        fill_dyadic(&r, f, k * k);
        memset(fs, 0, sizeof fs);
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++) fs[i * d * ke + j * d] = f[i * k + j];
        struct tconv_params p = P(.in_h = in, .in_w = in, .kernel_h = k, .kernel_w = k, .dilation_h = d,
                                  .dilation_w = d, .stride_h = s, .stride_w = s);
        struct tconv_params q = P(.in_h = in, .in_w = in, .kernel_h = ke, .kernel_w = ke, .stride_h = s, .stride_w = s);
        op_fn fn = tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference;
        ck_assert_int_eq(fn(&p, x, f, NULL, a), TCONV_OK);
        ck_assert_int_eq(fn(&q, x, fs, NULL, b), TCONV_OK);
        struct tconv_geometry g;
        ck_assert_int_eq(tr ? tconv_conv2d_transpose_geometry(&p, &g) : tconv_conv2d_geometry(&p, &g), TCONV_OK);
        for (int i = 0; i < g.out_h * g.out_w; i++) ck_assert(a[i] == b[i]);
    }
}
END_TEST

/* NHWC <-> NCHW and every filter layout describe the same operation. */
static void to_nchw(const float *src, float *dst, int64_t n, int64_t h, int64_t w, int64_t c)
{
    for (int64_t b = 0; b < n; b++)
        for (int64_t y = 0; y < h; y++)
            for (int64_t x = 0; x < w; x++)
                for (int64_t k = 0; k < c; k++) dst[((b * c + k) * h + y) * w + x] = src[((b * h + y) * w + x) * c + k];
}

START_TEST(layouts_are_permutations)
{
    struct rng r = rng_make(test_seed(), 7);
    for (int it = 0; it < 40; it++) {
        const bool tr = it & 1;
        const int64_t g = rng_int(&r, 1, 2);
        struct tconv_params p =
            P(.batch = 2, .in_h = rng_int(&r, 3, 6), .in_w = rng_int(&r, 3, 6), .in_channels = g * rng_int(&r, 1, 3),
              .out_channels = g * rng_int(&r, 1, 3), .groups = g, .kernel_h = rng_int(&r, 1, 3),
              .kernel_w = rng_int(&r, 1, 3), .stride_h = rng_int(&r, 1, 2), .stride_w = rng_int(&r, 1, 2),
              .padding = TCONV_PADDING_SAME);
        struct tconv_geometry geo;
        ck_assert_int_eq(tr ? tconv_conv2d_transpose_geometry(&p, &geo) : tconv_conv2d_geometry(&p, &geo), TCONV_OK);
        const int64_t nx = p.batch * p.in_h * p.in_w * p.in_channels,
                      ny = p.batch * geo.out_h * geo.out_w * p.out_channels;
        const int64_t nf = filter_elems(&p);
        float *x = malloc(nx * 4), *xc = malloc(nx * 4), *f = malloc(nf * 4), *fl = malloc(nf * 4);
        float *y0 = malloc(ny * 4), *y1 = malloc(ny * 4), *yc = malloc(ny * 4), *bias = malloc(p.out_channels * 4);
        fill_dyadic(&r, x, nx);
        fill_dyadic(&r, f, nf);
        fill_dyadic(&r, bias, p.out_channels);
        to_nchw(x, xc, p.batch, p.in_h, p.in_w, p.in_channels);
        op_fn fn = tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference;
        ck_assert_int_eq(fn(&p, x, f, bias, y0), TCONV_OK);
        /* the same logical filter written in each layout */
        struct tconv__problem src, dst;
        ck_assert_int_eq(tconv__resolve("t", &p, tr, &src, NULL), TCONV_OK);
        for (int l = 1; l <= 4; l++) {
            struct tconv_params q = p;
            q.filter_layout = (enum tconv_filter_layout)l;
            ck_assert_int_eq(tconv__resolve("t", &q, tr, &dst, NULL), TCONV_OK);
            const int64_t nfull = tr ? p.in_channels : p.out_channels, nloc = tr ? dst.cog : dst.cig;
            for (int64_t a = 0; a < nfull; a++)
                for (int64_t b = 0; b < nloc; b++)
                    for (int64_t ky = 0; ky < p.kernel_h; ky++)
                        for (int64_t kx = 0; kx < p.kernel_w; kx++)
                            fl[tconv__filter_index(&dst, a, b, 0, ky, kx)] =
                                f[tconv__filter_index(&src, a, b, 0, ky, kx)];
            for (int nchw = 0; nchw < 2; nchw++) {
                q.layout = nchw ? TCONV_NCHW : TCONV_NHWC;
                ck_assert_int_eq(fn(&q, nchw ? xc : x, fl, bias, y1), TCONV_OK);
                if (nchw) to_nchw(y0, yc, p.batch, geo.out_h, geo.out_w, p.out_channels);
                ck_assert_msg(memcmp(y1, nchw ? yc : y0, ny * 4) == 0, "%s layout %s/%s differs",
                              tr ? "transposed" : "conv", nchw ? "NCHW" : "NHWC", filter_name(q.filter_layout));
            }
        }
        free(x);
        free(xc);
        free(f);
        free(fl);
        free(y0);
        free(y1);
        free(yc);
        free(bias);
    }
}
END_TEST

/* groups == separate convolutions on channel slices, concatenated */
START_TEST(groups_are_separate_convs)
{
    struct rng r = rng_make(test_seed(), 8);
    for (int it = 0; it < 20; it++) {
        const bool tr = it & 1;
        const int64_t g = rng_int(&r, 2, 3), cig = rng_int(&r, 1, 3), cog = rng_int(&r, 1, 3);
        struct tconv_params p = P(.in_h = 4, .in_w = 5, .in_channels = g * cig, .out_channels = g * cog, .groups = g,
                                  .kernel_h = 2, .kernel_w = 3, .stride_h = 2, .stride_w = 1, .layout = TCONV_NCHW,
                                  .filter_layout = tr ? TCONV_FILTER_IOHW : TCONV_FILTER_OIHW);
        struct tconv_params q = p;
        q.in_channels = cig;
        q.out_channels = cog;
        q.groups = 1;
        struct tconv_geometry geo;
        ck_assert_int_eq(tr ? tconv_conv2d_transpose_geometry(&p, &geo) : tconv_conv2d_geometry(&p, &geo), TCONV_OK);
        const int64_t px = 20, opx = geo.out_h * geo.out_w, fg = 6 * cig * cog;
        float x[3 * 3 * 20], f[3 * 6 * 9], y[3 * 3 * 60], yg[3 * 60];
        fill_dyadic(&r, x, g * cig * px);
        fill_dyadic(&r, f, g * fg);
        op_fn fn = tr ? tconv_conv2d_transpose_reference : tconv_conv2d_reference;
        ck_assert_int_eq(fn(&p, x, f, NULL, y), TCONV_OK);
        for (int64_t k = 0; k < g; k++) {
            /* OIHW / IOHW keep a group's weights contiguous */
            ck_assert_int_eq(fn(&q, x + k * cig * px, f + k * fg, NULL, yg), TCONV_OK);
            ck_assert(memcmp(yg, y + k * cog * opx, cog * opx * 4) == 0);
        }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("reference");
    TCase *tc = tcase_create("reference");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, seed003_exact);
    tcase_add_test(tc, seed002_exact);
    tcase_add_test(tc, seed004_values);
    tcase_add_test(tc, seed000_001_dense);
    tcase_add_test(tc, conv_hand_sums);
    tcase_add_test(tc, transpose_is_full_conv_with_flipped_kernel);
    tcase_add_test(tc, dilation_is_zero_stuffing);
    tcase_add_test(tc, layouts_are_permutations);
    tcase_add_test(tc, groups_are_separate_convs);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
