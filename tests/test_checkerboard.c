/*
 * test_checkerboard.c - src/overlap.c, bilinear.c and resize.c: the overlap map (seed 002's pattern,
 * and a brute-force count over random configurations), the bilinear initialiser (its taps, and
 * conv2d_transpose with it against bilinear interpolation computed independently, inside and at the
 * borders), and resize-convolution against the naive two-step composition over a sweep, counting the
 * cases where the planner really composed the kernel. (PyTorch checks resize too: tests/torch_oracle.py.)
 */
#include "common.h"
#include "resize.h"
#include "seed_data.h"

#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 1, .in_h = 4, .in_w = 4, .in_channels = 1, .out_channels = 1, .groups = 1, .kernel_h = 3,             \
        .kernel_w = 3, .stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                     \
    }

START_TEST(overlap_seed002)
{
    struct tconv_params p =
        P(.in_channels = 2, .out_channels = 4, .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8);
    int32_t c[64];
    ck_assert_int_eq(tconv_overlap_map(&p, c), TCONV_OK);
    for (int i = 0; i < 64; i++) /* seed 002 sums ones over 2 input channels: twice the count */
        ck_assert_msg(2 * c[i] == (&seed002_out[0][0])[i], "[%d] = %d", i, c[i]);
}
END_TEST

__extension__ typedef __int128 i128;

/* tconv_overlap_map against every input pixel times every tap, landing at i*s + t*d - pad. */
static void check_map(const struct tconv_params *pp)
{
    const struct tconv_params p = *pp;
    struct tconv_geometry g;
    ck_assert_int_eq(tconv_conv2d_transpose_geometry(&p, &g), TCONV_OK);
    int32_t *c = malloc(g.out_h * g.out_w * 4 + 4), *want = calloc(g.out_h * g.out_w + 1, 4);
    ck_assert_int_eq(tconv_overlap_map(&p, c), TCONV_OK);
    for (int64_t iy = 0; iy < p.in_h; iy++)
        for (int64_t ix = 0; ix < p.in_w; ix++)
            for (int64_t ky = 0; ky < p.kernel_h; ky++)
                for (int64_t kx = 0; kx < p.kernel_w; kx++) {
                    /* (in int128: huge dilations are part of the test) */
                    const i128 oy = (i128)iy * p.stride_h + (i128)ky * p.dilation_h - g.pad_top;
                    const i128 ox = (i128)ix * p.stride_w + (i128)kx * p.dilation_w - g.pad_left;
                    if (oy >= 0 && oy < g.out_h && ox >= 0 && ox < g.out_w) want[(int64_t)oy * g.out_w + (int64_t)ox]++;
                }
    char cs[512];
    for (int64_t i = 0; i < g.out_h * g.out_w; i++)
        ck_assert_msg(c[i] == want[i], "%s: [%lld] = %d, want %d", case_str(cs, sizeof cs, true, &p), (long long)i,
                      c[i], want[i]);
    free(c);
    free(want);
}

START_TEST(overlap_brute_force)
{
    struct rng r = rng_make(test_seed(), 61);
    int cropped = 0; /* cases with fewer (pixel, position) pairs than taps: the map's other walk */
    for (int it = 0; it < 600; it++) {
        struct tconv_params p = P(.in_h = rng_int(&r, 1, 7), .in_w = rng_int(&r, 1, 7), .kernel_h = rng_int(&r, 1, 12),
                                  .kernel_w = rng_int(&r, 1, 12), .stride_h = rng_int(&r, 1, 4),
                                  .stride_w = rng_int(&r, 1, 4), .dilation_h = rng_int(&r, 1, 2),
                                  .dilation_w = rng_int(&r, 1, 2), .padding = (enum tconv_padding)rng_int(&r, 0, 3));
        if (p.padding == TCONV_PADDING_EXPLICIT) {
            p.pad_top = rng_int(&r, 0, 12);
            p.pad_bottom = rng_int(&r, 0, 12);
            p.pad_left = rng_int(&r, 0, 12);
            p.pad_right = rng_int(&r, 0, 12);
        }
        struct tconv_geometry g;
        if (tconv_conv2d_transpose_geometry(&p, &g) != TCONV_OK) continue; /* a crop beyond the result */
        cropped += p.in_h * g.out_h < p.kernel_h || p.in_w * g.out_w < p.kernel_w;
        check_map(&p);
    }
    ck_assert_int_ge(cropped, 10);
    /* dilations and strides near INT64_MAX (fuzzer finds: the count's bounds overflowed) */
    const struct tconv_params huge[] = {
        P(.in_h = 1, .in_w = 2, .kernel_h = 1, .kernel_w = 1, .stride_h = 3, .dilation_h = 3074457345618258603,
          .dilation_w = INT64_MAX, .padding = TCONV_PADDING_SAME),
        P(.in_h = 2, .in_w = 3, .kernel_h = 2, .kernel_w = 3, .stride_h = (int64_t)1 << 40, .dilation_w = INT64_MAX / 4,
          .padding = TCONV_PADDING_EXPLICIT, .pad_bottom = ((int64_t)1 << 40) - 1, .pad_left = INT64_MAX / 4 - 1,
          .pad_right = INT64_MAX / 4 - 1),
    };
    for (size_t i = 0; i < sizeof huge / sizeof *huge; i++) check_map(&huge[i]);
    /* batch 0 leaves the crop unchecked (as TF): an INT64_MAX crop lands nothing (a fuzzer find) */
    struct tconv_params b0 =
        P(.batch = 0, .in_h = 1, .in_w = 2, .in_channels = 2, .kernel_h = 1, .kernel_w = 1, .stride_h = 2,
          .stride_w = 64, .dilation_h = 64, .dilation_w = INT64_MAX, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
          .pad_bottom = 6, .pad_left = INT64_MAX, .out_h = 1, .out_w = 2);
    int32_t m2[2] = {-1, -1};
    ck_assert_int_eq(tconv_overlap_map(&b0, m2), TCONV_ERR_SIZE_OVERFLOW); /* out + padding overflows */
    ck_assert(m2[0] == -1 && m2[1] == -1);
    b0.pad_left = INT64_MAX - 2; /* the largest crop that fits: nothing lands */
    ck_assert_int_eq(tconv_overlap_map(&b0, m2), TCONV_OK);
    ck_assert(m2[0] == 0 && m2[1] == 0);
    /* an empty x: its crop is not checked against the output size (as TF); nothing lands (a fuzzer find) */
    struct tconv_params e = P(.in_h = 0, .in_w = 5, .stride_w = 7, .padding = TCONV_PADDING_EXPLICIT,
                              .pad_left = INT64_MAX - 9, .pad_right = 1, .out_h = 1, .out_w = 8);
    int32_t z[8];
    memset(z, 0xff, sizeof z);
    ck_assert_int_eq(tconv_overlap_map(&e, z), TCONV_OK);
    for (int i = 0; i < 8; i++) ck_assert_int_eq(z[i], 0);
    struct tconv_params p = P(.stride_h = 0);
    int32_t c[64];
    ck_assert_int_eq(tconv_overlap_map(&p, c), TCONV_ERR_INVALID_ARGUMENT);
    p = (struct tconv_params)P();
    ck_assert_int_eq(tconv_overlap_map(&p, NULL), TCONV_ERR_NULL_POINTER);
}
END_TEST

START_TEST(bilinear_taps)
{
    struct tconv_params p = P(.kernel_h = 4, .kernel_w = 5, .in_channels = 2, .out_channels = 2,
                              .filter_layout = TCONV_FILTER_IOHW); /* w[i][o][ky][kx], groups 1: diagonal */
    float w[2 * 2 * 4 * 5];
    ck_assert_int_eq(tconv_bilinear_filter(&p, w), TCONV_OK);
    const double t4[4] = {0.25, 0.75, 0.75, 0.25}, t5[5] = {1.0 / 3, 2.0 / 3, 1.0, 2.0 / 3, 1.0 / 3};
    for (int i = 0; i < 2; i++)
        for (int o = 0; o < 2; o++)
            for (int ky = 0; ky < 4; ky++)
                for (int kx = 0; kx < 5; kx++) {
                    const float v = w[((i * 2 + o) * 4 + ky) * 5 + kx];
                    const float want = i == o ? (float)(t4[ky] * t5[kx]) : 0.0f;
                    ck_assert_msg(v == want, "w[%d][%d][%d][%d] = %g, want %g", i, o, ky, kx, v, want);
                }
    /* per channel needs depthwise or groups 1 with equal channels */
    p.out_channels = 4;
    ck_assert_int_eq(tconv_bilinear_filter(&p, w), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "upsamples each channel on its own"));
}
END_TEST

/* Bilinear interpolation by hand: half-pixel centres, source index (o + 0.5)/s - 0.5, either with
   zeros outside x or with the source clamped to x (edge-clamped, as PyTorch / TF half_pixel_centers). */
static double interp(const float *x, int64_t n, int64_t s, int64_t o, bool clamp)
{
    double src = ((double)o + 0.5) / (double)s - 0.5;
    if (clamp && src < 0) src = 0;
    if (clamp && src > (double)(n - 1)) src = (double)(n - 1);
    const int64_t i0 = (int64_t)floor(src);
    const double f = src - (double)i0;
    const double a = i0 >= 0 && i0 < n ? x[i0] : 0.0, b = i0 + 1 >= 0 && i0 + 1 < n ? x[i0 + 1] : 0.0;
    return (1 - f) * a + f * b;
}

START_TEST(bilinear_upsampling)
{
    struct rng r = rng_make(test_seed(), 63);
    for (int64_t s = 2; s <= 4; s++)
        for (int depthwise = 0; depthwise < 2; depthwise++)
            for (int lay = 0; lay < 2; lay++) {
                const int64_t k = 2 * s - s % 2, pad = (k - s) / 2, h = 5, w = 7, c = 3;
                struct tconv_params p =
                    P(.in_h = h, .in_w = w, .in_channels = c, .out_channels = c, .groups = depthwise ? c : 1,
                      .kernel_h = k, .kernel_w = k, .stride_h = s, .stride_w = s, .padding = TCONV_PADDING_EXPLICIT,
                      .pad_top = pad, .pad_bottom = pad, .pad_left = pad, .pad_right = pad,
                      .layout = (enum tconv_layout)lay,
                      .filter_layout = depthwise ? TCONV_FILTER_HWOI : TCONV_FILTER_OIHW);
                struct tconv_geometry g;
                ck_assert_int_eq(tconv_conv2d_transpose_geometry(&p, &g), TCONV_OK);
                ck_assert(g.out_h == s * h && g.out_w == s * w);
                float x[5 * 7 * 3], f[8 * 8 * 3 * 3], y[20 * 28 * 3], plane[35];
                fill_uniform(&r, x, h * w * c);
                ck_assert_int_eq(tconv_bilinear_filter(&p, f), TCONV_OK);
                ck_assert_int_eq(tconv_conv2d_transpose(&p, x, f, NULL, y), TCONV_OK);
                const int64_t border = (s + 1) / 2;
                for (int64_t ch = 0; ch < c; ch++) {
                    for (int64_t i = 0; i < h * w; i++) plane[i] = lay ? x[ch * h * w + i] : x[i * c + ch];
                    for (int64_t oy = 0; oy < s * h; oy++)
                        for (int64_t ox = 0; ox < s * w; ox++) {
                            /* separable: interpolate the rows, then the column */
                            double rows_zero[5], rows_clamp[5];
                            for (int64_t iy = 0; iy < h; iy++) {
                                rows_zero[iy] = interp(plane + iy * w, w, s, ox, false);
                                rows_clamp[iy] = interp(plane + iy * w, w, s, ox, true);
                            }
                            float rz[5], rc[5];
                            for (int64_t iy = 0; iy < h; iy++) {
                                rz[iy] = (float)rows_zero[iy];
                                rc[iy] = (float)rows_clamp[iy];
                            }
                            const double zero = interp(rz, h, s, oy, false), clamped = interp(rc, h, s, oy, true);
                            const float v = lay ? y[(ch * s * h + oy) * s * w + ox] : y[(oy * s * w + ox) * c + ch];
                            ck_assert_msg(fabs(v - zero) <= 1e-5, "s %lld: (%lld,%lld) = %g, bilinear with zeros %g",
                                          (long long)s, (long long)oy, (long long)ox, v, zero);
                            const bool inside =
                                oy >= border && oy < s * h - border && ox >= border && ox < s * w - border;
                            if (inside)
                                ck_assert_msg(fabs(v - clamped) <= 1e-5,
                                              "s %lld: (%lld,%lld) = %g, clamped bilinear %g", (long long)s,
                                              (long long)oy, (long long)ox, v, clamped);
                        }
                }
            }
}
END_TEST

/* ---- resize-convolution against the naive two steps ---- */

START_TEST(resize_hand_case)
{
    /* nearest x2 then a 1x1 identity conv: the upsampled image itself */
    struct tconv_params p = P(.in_h = 2, .in_w = 2, .kernel_h = 1, .kernel_w = 1, .stride_h = 1, .stride_w = 1);
    const float x[4] = {1, 2, 3, 4}, one = 1.0f;
    float y[16];
    ck_assert_int_eq(tconv_resize_conv2d(&p, 2, TCONV_RESIZE_NEAREST, x, &one, NULL, y), TCONV_OK);
    const float want[16] = {1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4};
    for (int i = 0; i < 16; i++) ck_assert(y[i] == want[i]);
    /* bilinear x2 of a 2x2 then identity: PyTorch's upsample (align_corners=False) gives the rows 1, 1.25, 1.75, 2 */
    ck_assert_int_eq(tconv_resize_conv2d(&p, 2, TCONV_RESIZE_BILINEAR, x, &one, NULL, y), TCONV_OK);
    const float row0[4] = {1.0f, 1.25f, 1.75f, 2.0f};
    for (int i = 0; i < 4; i++) ck_assert_msg(y[i] == row0[i], "[%d] = %g", i, y[i]);
    ck_assert(y[4] == 1.5f); /* (0.75*1 + 0.25*3) */
    ck_assert_int_eq(tconv_resize_conv2d(&p, 0, TCONV_RESIZE_NEAREST, x, &one, NULL, y), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "scale = 0 is invalid"));
    ck_assert_int_eq(tconv_resize_conv2d(&p, 2, (enum tconv_resize)7, x, &one, NULL, y), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_int_eq(tconv_resize_conv2d(&p, 2, TCONV_RESIZE_NEAREST, NULL, &one, NULL, y), TCONV_ERR_NULL_POINTER);
}
END_TEST

START_TEST(resize_sweep)
{
    struct rng r = rng_make(test_seed(), 65);
    int composed = 0;
    for (int it = 0; it < 300; it++) {
        struct tconv_params p = TCONV_PARAMS_INIT;
        const int64_t g = rng_int(&r, 1, 2);
        p.batch = rng_int(&r, 1, 2);
        p.in_h = rng_int(&r, 1, 6);
        p.in_w = rng_int(&r, 1, 6);
        p.in_channels = g * rng_int(&r, 1, 3);
        p.out_channels = g * rng_int(&r, 1, 3);
        p.groups = g;
        p.kernel_h = rng_int(&r, 1, 4);
        p.kernel_w = rng_int(&r, 1, 4);
        p.stride_h = p.stride_w = rng_int(&r, 0, 3) ? 1 : 2;
        p.dilation_h = rng_int(&r, 1, 2);
        p.dilation_w = rng_int(&r, 1, 2);
        p.padding = (enum tconv_padding)rng_int(&r, 0, 3);
        if (p.padding == TCONV_PADDING_EXPLICIT) {
            p.pad_top = rng_int(&r, 0, 3);
            p.pad_bottom = rng_int(&r, 0, 3);
            p.pad_left = rng_int(&r, 0, 3);
            p.pad_right = rng_int(&r, 0, 3);
        }
        p.layout = (enum tconv_layout)rng_int(&r, 0, 1);
        p.filter_layout = (enum tconv_filter_layout)rng_int(&r, 0, 4);
        p.activation = (enum tconv_activation)rng_int(&r, 0, 1);
        const int64_t s = rng_int(&r, 1, 3);
        const enum tconv_resize mode = (enum tconv_resize)rng_int(&r, 0, 1);
        struct tconv_params pu = p;
        pu.in_h *= s;
        pu.in_w *= s;
        struct tconv_geometry geo;
        if (tconv_conv2d_geometry(&pu, &geo) != TCONV_OK || geo.out_h * geo.out_w == 0) continue;
        struct tconv__problem conv;
        struct tconv__resize_plan rp;
        ck_assert_int_eq(tconv__resize_problem("t", &p, s, &conv), TCONV_OK);
        ck_assert_int_eq(tconv__resize_plan("t", &conv, s, mode, p.in_h, p.in_w, TCONV_ALGORITHM_AUTO, &rp), TCONV_OK);
        composed += rp.composed; /* what the planner chose, not what the case allows */
        const int64_t nx = p.batch * p.in_h * p.in_w * p.in_channels, nf = filter_elems(&p);
        const int64_t ny = p.batch * geo.out_h * geo.out_w * p.out_channels;
        float *x = malloc(nx * 4), *f = malloc(nf * 4), *b = malloc(p.out_channels * 4), *ref = malloc(ny * 4);
        float *y = guarded_alloc(ny);
        const bool dyadic = mode == TCONV_RESIZE_NEAREST;
        (dyadic ? fill_dyadic : fill_uniform)(&r, x, nx);
        (dyadic ? fill_dyadic : fill_uniform)(&r, f, nf);
        (dyadic ? fill_dyadic : fill_uniform)(&r, b, p.out_channels);
        ck_assert_int_eq(tconv_resize_conv2d_reference(&p, s, mode, x, f, b, ref), TCONV_OK);
        for (int64_t i = 0; i < ny; i++) y[i] = NAN;
        ck_assert_int_eq(tconv_resize_conv2d(&p, s, mode, x, f, b, y), TCONV_OK);
        char cs[512];
        const int64_t bad = first_mismatch(y, ref, ny, dyadic ? 0 : 1e-5 * nf, dyadic ? 0 : 1e-5);
        ck_assert_msg(bad < 0 && guards_intact(y, ny), "%s, %s x%lld: y[%lld] = %g, two steps %g",
                      case_str(cs, sizeof cs, false, &p), mode ? "bilinear" : "nearest", (long long)s, (long long)bad,
                      bad < 0 ? 0 : y[bad], bad < 0 ? 0 : ref[bad]);
        free(x);
        free(f);
        free(b);
        free(ref);
        guarded_free(y);
    }
    ck_assert_msg(composed >= 60, "the composed-kernel path ran %d times", composed);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("checkerboard");
    TCase *tc = tcase_create("checkerboard");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, overlap_seed002);
    tcase_add_test(tc, overlap_brute_force);
    tcase_add_test(tc, bilinear_taps);
    tcase_add_test(tc, bilinear_upsampling);
    tcase_add_test(tc, resize_hand_case);
    tcase_add_test(tc, resize_sweep);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
