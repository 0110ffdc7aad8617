/*
 * test_lower.c - the lowering kernels (src/lower.c) on tiny hand-computed cases: im2col in both
 * layouts (padding, stride, dilation, groups, row/pixel tiles), col2im in gather form (seed 003's
 * scatter, seed 002's overlap pattern, crops, bias, ReLU), the filter index of every layout
 * against the C array declarators in tconv.h, filter packing, and the bias + activation pass.
 */
#include "common.h"
#include "algorithms.h"
#include "kernels.h"
#include "seed_data.h"

#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 1, .in_h = 3, .in_w = 3, .in_channels = 1, .out_channels = 1, .groups = 1, .kernel_h = 2,             \
        .kernel_w = 2, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                     \
    }
#define PV(...) ((struct tconv_params)P(__VA_ARGS__))

static struct tconv__problem mk(bool tr, struct tconv_params p)
{
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve("test", &p, tr, &pr, NULL);
    ck_assert_msg(st == TCONV_OK, "resolve: %s", tconv_last_error());
    return pr;
}

static void expect_floats(const float *got, const float *want, int n, const char *what)
{
    for (int i = 0; i < n; i++) ck_assert_msg(got[i] == want[i], "%s: [%d] = %g, want %g", what, i, got[i], want[i]);
}

START_TEST(im2col_nhwc_valid)
{
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    const float want[16] = {1, 2, 4, 5, 2, 3, 5, 6, 4, 5, 7, 8, 5, 6, 8, 9};
    struct tconv__problem pr = mk(false, PV());
    float col[16];
    tconv__im2col_nhwc(&pr, x, 0, 0, 4, 0, 4, col);
    expect_floats(col, want, 16, "k2 VALID");
    /* a tile of rows 1..2 only */
    memset(col, 0, sizeof col);
    tconv__im2col_nhwc(&pr, x, 0, 1, 3, 0, 4, col);
    expect_floats(col, want + 4, 8, "rows [1, 3)");
}
END_TEST

/* A block of im2col columns [k0, k1) is that slice of the full col (filter gradients tile K). */
START_TEST(im2col_column_blocks)
{
    float x[2 * 6 * 5 * 3];
    for (int i = 0; i < 180; i++) x[i] = (float)(i + 1);
    for (int nchw = 0; nchw < 2; nchw++) {
        struct tconv__problem pr =
            mk(false,
               PV(.batch = 2, .in_h = 6, .in_w = 5, .in_channels = 3, .out_channels = 3, .kernel_h = 3, .kernel_w = 2,
                  .stride_h = 2, .padding = TCONV_PADDING_SAME, .layout = nchw ? TCONV_NCHW : TCONV_NHWC));
        const int64_t kdim = 3 * 2 * 3, rows = nchw ? pr.out_h * pr.out_w : 2 * pr.out_h * pr.out_w;
        float full[18 * 40], part[18 * 40];
        if (nchw)
            tconv__im2col_nchw(&pr, x, 0, 0, rows, 0, kdim, full);
        else
            tconv__im2col_nhwc(&pr, x, 0, 0, rows, 0, kdim, full);
        const int64_t blocks[3][2] = {{0, 5}, {5, 13}, {13, 18}};
        for (int b = 0; b < 3; b++) {
            const int64_t k0 = blocks[b][0], k1 = blocks[b][1];
            if (nchw)
                tconv__im2col_nchw(&pr, x, 0, 0, rows, k0, k1, part);
            else
                tconv__im2col_nhwc(&pr, x, 0, 0, rows, k0, k1, part);
            for (int64_t r = 0; r < rows; r++)
                for (int64_t k = k0; k < k1; k++)
                    ck_assert(nchw ? part[(k - k0) * rows + r] == full[k * rows + r]
                                   : part[r * (k1 - k0) + k - k0] == full[r * kdim + k]);
        }
    }
}
END_TEST

START_TEST(im2col_nhwc_same_padding)
{
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    struct tconv__problem pr = mk(false, PV(.kernel_h = 3, .kernel_w = 3, .padding = TCONV_PADDING_SAME));
    float col[81];
    tconv__im2col_nhwc(&pr, x, 0, 0, 9, 0, 9, col);
    const float row0[9] = {0, 0, 0, 0, 1, 2, 0, 4, 5}, row8[9] = {5, 6, 0, 8, 9, 0, 0, 0, 0};
    expect_floats(col, row0, 9, "SAME row (0,0)");
    expect_floats(col + 72, row8, 9, "SAME row (2,2)");
}
END_TEST

START_TEST(im2col_stride_dilation)
{
    float x[36];
    for (int i = 0; i < 36; i++) x[i] = (float)(i + 1);
    struct tconv__problem pr =
        mk(false, PV(.in_h = 6, .in_w = 6, .stride_h = 2, .stride_w = 2, .dilation_h = 2, .dilation_w = 2));
    ck_assert(pr.out_h == 2 && pr.out_w == 2);
    const float want[16] = {1, 3, 13, 15, 3, 5, 15, 17, 13, 15, 25, 27, 15, 17, 27, 29};
    float col[16], colc[16];
    tconv__im2col_nhwc(&pr, x, 0, 0, 4, 0, 4, col);
    expect_floats(col, want, 16, "NHWC s2 d2");
    /* NCHW gives the transpose: col[tap][pixel] */
    pr.layout = TCONV_NCHW;
    tconv__im2col_nchw(&pr, x, 0, 0, 4, 0, 4, colc);
    for (int t = 0; t < 4; t++)
        for (int q = 0; q < 4; q++) ck_assert(colc[t * 4 + q] == want[q * 4 + t]);
}
END_TEST

START_TEST(im2col_nchw_tiles_and_groups)
{
    /* 2 channels, groups 2: group 1 reads channel 1 (= 10 + channel 0) */
    float x[18];
    for (int i = 0; i < 9; i++) {
        x[i] = (float)(i + 1);
        x[9 + i] = (float)(i + 11);
    }
    struct tconv__problem pr = mk(false, PV(.layout = TCONV_NCHW, .in_channels = 2, .out_channels = 2, .groups = 2));
    float col[4 * 4];
    /* pixels [1, 4) of group 1: rows are taps (ky,kx), width 3 */
    tconv__im2col_nchw(&pr, x, 1, 1, 4, 0, 4, col);
    const float want[12] = {12, 14, 15, 13, 15, 16, 15, 17, 18, 16, 18, 19};
    expect_floats(col, want, 12, "NCHW group 1, pixels [1, 4)");
}
END_TEST

/* col[i][t] = x[i] * f[t]: col2im alone must give seed 003's printed result. */
static void seed003_col(float *col, bool nchw)
{
    for (int i = 0; i < 4; i++)
        for (int t = 0; t < 9; t++) {
            float v = (&seed003_x[0][0])[i] * (&seed003_filter[0][0])[t];
            if (nchw)
                col[t * 4 + i] = v;
            else
                col[i * 9 + t] = v;
        }
}

START_TEST(col2im_seed003)
{
    for (int nchw = 0; nchw < 2; nchw++) {
        struct tconv__problem pr =
            mk(true, PV(.layout = nchw ? TCONV_NCHW : TCONV_NHWC, .in_h = 2, .in_w = 2, .kernel_h = 3, .kernel_w = 3,
                        .stride_h = 2, .stride_w = 2, .out_h = 5, .out_w = 5));
        float col[36], y[25];
        seed003_col(col, nchw);
        for (int i = 0; i < 25; i++) y[i] = NAN;
        if (nchw)
            tconv__col2im_nchw(&pr, col, 0, 0, 1, NULL, y, false);
        else
            tconv__col2im_nhwc(&pr, col, 0, 0, 1, 0, 5, 0, 2, NULL, y, false);
        expect_floats(y, &seed003_out[0][0], 25, nchw ? "NCHW" : "NHWC");

        /* bias then ReLU, fused in the same write */
        const float bias = -300.0f;
        pr.act = TCONV_ACTIVATION_RELU;
        if (nchw)
            tconv__col2im_nchw(&pr, col, 0, 0, 1, &bias, y, false);
        else
            tconv__col2im_nhwc(&pr, col, 0, 0, 1, 0, 5, 0, 2, &bias, y, false);
        for (int i = 0; i < 25; i++) {
            float v = (&seed003_out[0][0])[i] - 300.0f;
            ck_assert_msg(y[i] == (v > 0 ? v : 0), "bias+relu [%d] = %g", i, y[i]);
        }
        /* accumulate: y += result (gradient accumulation), no bias, no activation */
        pr.act = TCONV_ACTIVATION_NONE;
        for (int i = 0; i < 25; i++) y[i] = 1000.0f;
        if (nchw)
            tconv__col2im_nchw(&pr, col, 0, 0, 1, NULL, y, true);
        else
            tconv__col2im_nhwc(&pr, col, 0, 0, 1, 0, 5, 0, 2, NULL, y, true);
        for (int i = 0; i < 25; i++) ck_assert(y[i] == 1000.0f + (&seed003_out[0][0])[i]);
    }
}
END_TEST

/* Ones scattered: col2im counts the overlaps; seed 002 (2 input channels) is twice this. */
START_TEST(col2im_overlap_count_with_crop)
{
    for (int nchw = 0; nchw < 2; nchw++) {
        struct tconv__problem pr =
            mk(true, PV(.layout = nchw ? TCONV_NCHW : TCONV_NHWC, .in_h = 4, .in_w = 4, .kernel_h = 3, .kernel_w = 3,
                        .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8));
        float col[16 * 9], y[64];
        for (int i = 0; i < 16 * 9; i++) col[i] = 1.0f;
        if (nchw)
            tconv__col2im_nchw(&pr, col, 0, 0, 1, NULL, y, false);
        else
            tconv__col2im_nhwc(&pr, col, 0, 0, 1, 0, 8, 0, 4, NULL, y, false);
        for (int i = 0; i < 64; i++)
            ck_assert_msg(2 * y[i] == (&seed002_out[0][0])[i], "%s [%d] = %g", nchw ? "NCHW" : "NHWC", i, y[i]);
    }
}
END_TEST

/* Output positions past the full result get the bias only (TF SAME with k < s, tensorflow#45999). */
START_TEST(col2im_bias_only_tail)
{
    struct tconv__problem pr = mk(true, PV(.in_h = 2, .in_w = 2, .kernel_h = 2, .kernel_w = 2, .stride_h = 6,
                                           .stride_w = 6, .padding = TCONV_PADDING_SAME));
    ck_assert(pr.out_h == 12 && pr.h.after == -4);
    float col[4 * 4], y[144];
    for (int i = 0; i < 16; i++) col[i] = 1.0f;
    const float bias = 0.5f;
    tconv__col2im_nhwc(&pr, col, 0, 0, 1, 0, 12, 0, 2, &bias, y, false);
    for (int oy = 0; oy < 12; oy++)
        for (int ox = 0; ox < 12; ox++) {
            bool hit = (oy % 6) < 2 && (ox % 6) < 2; /* full result is 8 wide: taps at 0,1 and 6,7 */
            ck_assert_msg(y[oy * 12 + ox] == (hit ? 1.5f : 0.5f), "(%d,%d) = %g", oy, ox, y[oy * 12 + ox]);
        }
}
END_TEST

/* The filter index of every layout, for both ops, against the declarators written in tconv.h. */
enum { KH = 2, KW = 3, CI = 4, CO = 6, G = 2 };

static float code(int full, int local, int ky, int kx) { return (float)(1000 * full + 100 * local + 10 * ky + kx); }

START_TEST(filter_layouts_match_header)
{
    /* conv2d: I = in/g (local), O = out (full) */
    static float hwio[KH][KW][CI / G][CO], oihw[CO][CI / G][KH][KW], hwoi[KH][KW][CO][CI / G], iohw[CI / G][CO][KH][KW];
    /* conv2d_transpose: I = in (full), O = out/g (local) */
    static float thwio[KH][KW][CI][CO / G], toihw[CO / G][CI][KH][KW], thwoi[KH][KW][CO / G][CI],
        tiohw[CI][CO / G][KH][KW];
    for (int ky = 0; ky < KH; ky++)
        for (int kx = 0; kx < KW; kx++) {
            for (int o = 0; o < CO; o++)
                for (int c = 0; c < CI / G; c++) {
                    hwio[ky][kx][c][o] = oihw[o][c][ky][kx] = hwoi[ky][kx][o][c] = iohw[c][o][ky][kx] =
                        code(o, c, ky, kx);
                }
            for (int i = 0; i < CI; i++)
                for (int o = 0; o < CO / G; o++) {
                    thwio[ky][kx][i][o] = toihw[o][i][ky][kx] = thwoi[ky][kx][o][i] = tiohw[i][o][ky][kx] =
                        code(i, o, ky, kx);
                }
        }
    const float *conv[5] = {NULL, &hwio[0][0][0][0], &oihw[0][0][0][0], &hwoi[0][0][0][0], &iohw[0][0][0][0]};
    const float *tr[5] = {NULL, &thwio[0][0][0][0], &toihw[0][0][0][0], &thwoi[0][0][0][0], &tiohw[0][0][0][0]};
    for (int t = 0; t < 2; t++)
        for (int l = 1; l <= 4; l++) {
            struct tconv__problem pr = mk(t, PV(.in_channels = CI, .out_channels = CO, .groups = G, .kernel_h = KH,
                                                .kernel_w = KW, .filter_layout = (enum tconv_filter_layout)l));
            const float *w = t ? tr[l] : conv[l];
            const int nfull = t ? CI : CO, nlocal = t ? CO / G : CI / G;
            for (int f = 0; f < nfull; f++)
                for (int c = 0; c < nlocal; c++)
                    for (int ky = 0; ky < KH; ky++)
                        for (int kx = 0; kx < KW; kx++)
                            ck_assert_msg(w[tconv__filter_index(&pr, f, c, 0, ky, kx)] == code(f, c, ky, kx),
                                          "%s layout %s (%d,%d,%d,%d)", t ? "transposed" : "conv",
                                          filter_name((enum tconv_filter_layout)l), f, c, ky, kx);

            /* packing into the driver's layout keeps every weight (checked through the canonical index) */
            for (int nchw = 0; nchw < 2; nchw++) {
                struct tconv__problem q = pr;
                q.layout = nchw ? TCONV_NCHW : TCONV_NHWC;
                float packed[KH * KW * CI * CO / G];
                for (size_t i = 0; i < sizeof packed / sizeof *packed; i++) packed[i] = NAN;
                tconv__pack_canonical(&q, w, packed, 0, nfull);
                struct tconv__problem canon = q;
                canon.flayout =
                    t ? (nchw ? TCONV_FILTER_IOHW : TCONV_FILTER_HWOI) : (nchw ? TCONV_FILTER_OIHW : TCONV_FILTER_HWIO);
                ck_assert(canon.flayout == tconv__canonical_layout(&q));
                for (int f = 0; f < nfull; f++)
                    for (int c = 0; c < nlocal; c++)
                        for (int ky = 0; ky < KH; ky++)
                            for (int kx = 0; kx < KW; kx++)
                                ck_assert(packed[tconv__filter_index(&canon, f, c, 0, ky, kx)] == code(f, c, ky, kx));
            }
        }
}
END_TEST

START_TEST(epilogues)
{
    /* columns: bias per column; rows: bias per row; NaN survives ReLU; untouched outside the block */
    float y[4 * 5];
    const float bias[5] = {-1.0f, 0.0f, 2.0f, 0.5f, -3.0f};
    for (int rows = 0; rows < 2; rows++) {
        for (int i = 0; i < 20; i++) y[i] = (float)(i % 7) - 3.0f;
        y[6] = NAN;
        if (rows)
            tconv__epilogue_rows(TCONV_ACTIVATION_RELU, bias, y, 3, 4, 5); /* 3 x 4 block, ld 5 */
        else
            tconv__epilogue_cols(TCONV_ACTIVATION_RELU, bias, y, 3, 4, 5);
        for (int i = 0; i < 20; i++) {
            const int r = i / 5, c = i % 5;
            const float v0 = (float)(i % 7) - 3.0f, v = v0 + bias[rows ? r : c];
            if (i == 6)
                ck_assert_msg(isnan(y[i]), "NaN must survive ReLU");
            else if (r < 3 && c < 4)
                ck_assert_msg(y[i] == (v > 0 ? v : 0), "%s [%d] = %g", rows ? "rows" : "cols", i, y[i]);
            else
                ck_assert_msg(y[i] == v0, "outside the block [%d] changed", i);
        }
    }
    /* no bias, no activation: nothing to do */
    for (int i = 0; i < 20; i++) y[i] = (float)-i;
    tconv__epilogue_cols(TCONV_ACTIVATION_NONE, NULL, y, 4, 5, 5);
    for (int i = 0; i < 20; i++) ck_assert(y[i] == (float)-i);
}
END_TEST

/* A band of output rows from a col buffer that holds only the input rows that reach it. */
START_TEST(col2im_band)
{
    struct tconv__problem pr = mk(true, PV(.in_h = 2, .in_w = 2, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                                           .stride_w = 2, .out_h = 5, .out_w = 5));
    float col[36], y[25];
    seed003_col(col, false);
    for (int i = 0; i < 25; i++) y[i] = NAN;
    /* output rows [3, 5) need input row 1 only (oy = 2*iy + ky): col rows of iy = 1 */
    tconv__col2im_nhwc(&pr, col + 2 * 9, 0, 0, 1, 3, 5, 1, 1, NULL, y, false);
    for (int i = 0; i < 25; i++)
        if (i < 15)
            ck_assert(isnan(y[i]));
        else
            ck_assert_msg(y[i] == (&seed003_out[0][0])[i], "[%d] = %g", i, y[i]);
}
END_TEST

/* Sub-pixel weights: k3 s2 -> windows of m = 2 taps per phase; tap (m-1-j)*s + r, zero past the kernel. */
START_TEST(subpixel_packing)
{
    struct tconv_params p = P(.in_h = 4, .in_w = 4, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                              .padding = TCONV_PADDING_SAME);
    const float w[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    for (int nchw = 0; nchw < 2; nchw++) {
        p.layout = nchw ? TCONV_NCHW : TCONV_NHWC;
        struct tconv__problem pr = mk(true, p);
        struct tconv__plan pl;
        ck_assert_int_eq(tconv__plan_forward("t", &pr, TCONV_ALGORITHM_SUBPIXEL, NULL, &pl), TCONV_OK);
        const struct tconv__subpixel_plan *sp = &pl.u.subpixel;
        ck_assert(pl.kind == TCONV__TR_SUBPIXEL && pl.pack == TCONV__PACK_SUBPIXEL);
        ck_assert(sp->sub.h.k == 2 && sp->phases == 4 && sp->qlo_h == 0 && sp->sub.out_h == 4 && sp->sub.h.before == 1);
        float packed[16];
        struct tconv__times times;
        const struct tconv__run r = {.pr = &pr, .pl = &pl, .filter = w, .packed = packed};
        ck_assert_int_eq(tconv__pack_subpixel_tiles(&pl, &pr), 4);
        for (int64_t u = 0; u < tconv__pack_subpixel_tiles(&pl, &pr); u++)
            tconv__pack_subpixel_tile(&r, u, NULL, &times);
        for (int jy = 0; jy < 2; jy++)
            for (int jx = 0; jx < 2; jx++)
                for (int ry = 0; ry < 2; ry++)
                    for (int rx = 0; rx < 2; rx++) {
                        const int ky = (1 - jy) * 2 + ry, kx = (1 - jx) * 2 + rx;
                        const float want = ky < 3 && kx < 3 ? w[ky * 3 + kx] : 0.0f;
                        const int k = jy * 2 + jx, ph = ry * 2 + rx;
                        ck_assert(packed[nchw ? ph * 4 + k : k * 4 + ph] == want);
                    }
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lower");
    TCase *tc = tcase_create("lower");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, im2col_nhwc_valid);
    tcase_add_test(tc, im2col_nhwc_same_padding);
    tcase_add_test(tc, im2col_column_blocks);
    tcase_add_test(tc, im2col_stride_dilation);
    tcase_add_test(tc, im2col_nchw_tiles_and_groups);
    tcase_add_test(tc, col2im_seed003);
    tcase_add_test(tc, col2im_overlap_count_with_crop);
    tcase_add_test(tc, col2im_bias_only_tail);
    tcase_add_test(tc, filter_layouts_match_header);
    tcase_add_test(tc, epilogues);
    tcase_add_test(tc, col2im_band);
    tcase_add_test(tc, subpixel_packing);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
