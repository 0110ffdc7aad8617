/*
 * test_geometry.c - the validation / geometry layer (src/geometry.c) through
 * tconv_conv2d_geometry and tconv_conv2d_transpose_geometry: output sizes, padding splits and
 * admissible ranges of every padding mode (TensorFlow, Keras, PyTorch, ONNX rules and the seeds'
 * shapes), and every rejected parameter with its status and message.
 */
#include <limits.h>

#include "common.h"

/* A base parameter set: 1 image, 1->1 channels, 3x3 kernel, stride 1, VALID. */
#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 1, .in_h = 4, .in_w = 4, .in_channels = 1, .out_channels = 1, .groups = 1, .kernel_h = 3,             \
        .kernel_w = 3, .stride_h = 1, .stride_w = 1, .dilation_h = 1, .dilation_w = 1, __VA_ARGS__                     \
    }
#define PV(...) ((struct tconv_params)P(__VA_ARGS__))

struct geo_case {
    const char *name;
    bool tr;
    struct tconv_params p;
    /* expected, height axis (the width axis is checked against the same numbers: cases are square);
       omin < 0: check out only */
    int64_t out, pb, pa, omin, omax;
};

static const struct geo_case geo_cases[] = {
    /* conv2d: TensorFlow's GetWindowedOutputSize */
    {"seed001 conv SAME s2 14->7, odd pixel at the end", false,
     P(.in_h = 14, .in_w = 14, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME), 7, 0, 1, 7, 7},
    {"seed001 conv VALID s3 14->4", false, P(.in_h = 14, .in_w = 14, .stride_h = 3, .stride_w = 3), 4, 0, 0, 4, 4},
    {"conv SAME_LOWER s2 14->7, odd pixel first", false,
     P(.in_h = 14, .in_w = 14, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME_LOWER), 7, 1, 0, 7, 7},
    {"conv SAME k4 s1: total 3 -> (1, 2)", false,
     P(.in_h = 5, .in_w = 5, .kernel_h = 4, .kernel_w = 4, .padding = TCONV_PADDING_SAME), 5, 1, 2, 5, 5},
    {"conv SAME_LOWER k4 s1: total 3 -> (2, 1)", false,
     P(.in_h = 5, .in_w = 5, .kernel_h = 4, .kernel_w = 4, .padding = TCONV_PADDING_SAME_LOWER), 5, 2, 1, 5, 5},
    {"conv SAME k1 s2: no padding", false,
     P(.in_h = 5, .in_w = 5, .kernel_h = 1, .kernel_w = 1, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME),
     3, 0, 0, 3, 3},
    {"conv EXPLICIT (1,2) s2: (7+3-3)/2+1", false,
     P(.in_h = 7, .in_w = 7, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 2, .pad_left = 1, .pad_right = 2),
     4, 1, 2, 4, 4},
    {"conv VALID dilation 2: extent 5", false, P(.in_h = 10, .in_w = 10, .dilation_h = 2, .dilation_w = 2), 6, 0, 0, 6,
     6},
    {"conv VALID in < extent: TF's (2-5+2)/2 = 0, an empty output", false,
     P(.in_h = 2, .in_w = 2, .kernel_h = 5, .kernel_w = 5, .stride_h = 2, .stride_w = 2), 0, 0, 0, 0, 0},
    {"seed000 dense == 1x1 conv: 4x4 stays 4x4", false, P(.kernel_h = 1, .kernel_w = 1, .out_channels = 2), 4, 0, 0, 4,
     4},
    {"conv SAME on an empty input", false, P(.in_h = 0, .in_w = 0, .padding = TCONV_PADDING_SAME), 0, 1, 1, 0, 0},
    {"conv out_h given and equal", false, P(.in_h = 8, .in_w = 8, .out_h = 6, .out_w = 6), 6, 0, 0, 6, 6},

    /* conv2d_transpose: TensorFlow's output_shape check, Keras defaults, PyTorch output_padding */
    {"seed004 VALID k3 s2: Keras default 5", true, P(.in_h = 2, .in_w = 2, .stride_h = 2, .stride_w = 2), 5, 0, 0, 5,
     6},
    {"seed004 VALID k3 s2: output_shape 6 (last row bias only)", true,
     P(.in_h = 2, .in_w = 2, .stride_h = 2, .stride_w = 2, .out_h = 6, .out_w = 6), 6, 0, -1, 5, 6},
    {"seed002 SAME k3 s2 4->8: crop (0, 1)", true,
     P(.in_h = 4, .in_w = 4, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8), 8, 0,
     1, 7, 8},
    {"SAME k3 s2 4->7: crop (1, 1)", true,
     P(.in_h = 4, .in_w = 4, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 7, .out_w = 7), 7, 1,
     1, 7, 8},
    {"SAME k4 s2 4->8: crop (1, 1)", true,
     P(.in_h = 4, .in_w = 4, .kernel_h = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME),
     8, 1, 1, 7, 8},
    {"SAME k5 s2 4->8: crop (1, 2), the extra at the end", true,
     P(.in_h = 4, .in_w = 4, .kernel_h = 5, .kernel_w = 5, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME),
     8, 1, 2, 7, 8},
    {"SAME_LOWER k5 s2 4->8: crop (2, 1)", true,
     P(.in_h = 4, .in_w = 4, .kernel_h = 5, .kernel_w = 5, .stride_h = 2, .stride_w = 2,
       .padding = TCONV_PADDING_SAME_LOWER),
     8, 2, 1, 7, 8},
    {"tensorflow#45999 SAME k2 s6 2->12: 4 trailing bias-only rows", true,
     P(.in_h = 2, .in_w = 2, .kernel_h = 2, .kernel_w = 2, .stride_h = 6, .stride_w = 6, .padding = TCONV_PADDING_SAME),
     12, 0, -4, 7, 12},
    {"seed001 layers.conv2d_transpose 7 k3 s2 SAME -> 14", true,
     P(.in_h = 7, .in_w = 7, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME), 14, 0, 1, 13, 14},
    {"seed001 layers.conv2d_transpose 4 k3 s3 VALID -> 12", true, P(.in_h = 4, .in_w = 4, .stride_h = 3, .stride_w = 3),
     12, 0, 0, 12, 14},
    {"seed001 nn.conv2d_transpose 4 k3 s3 VALID output_shape 14", true,
     P(.in_h = 4, .in_w = 4, .stride_h = 3, .stride_w = 3, .out_h = 14, .out_w = 14), 14, 0, -2, 12, 14},
    {"seed001 text: k3 s2 VALID 4 -> 9", true, P(.stride_h = 2, .stride_w = 2), 9, 0, 0, 9, 10},
    {"seed001 text: k1 s2 VALID 4 -> Keras 8 (full result 7)", true,
     P(.kernel_h = 1, .kernel_w = 1, .stride_h = 2, .stride_w = 2), 8, 0, -1, 7, 8},
    {"seed001 text: k1 s2 SAME 4 -> 8", true,
     P(.kernel_h = 1, .kernel_w = 1, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME), 8, 0, -1, 7, 8},
    {"PyTorch k3 s2 p1 op1: 5 -> 10", true,
     P(.in_h = 5, .in_w = 5, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .pad_left = 1, .pad_right = 1, .output_padding_h = 1, .output_padding_w = 1),
     10, 1, 0, 9, 10},
    {"PyTorch k3 s2 p1 op0: 5 -> 9", true,
     P(.in_h = 5, .in_w = 5, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .pad_left = 1, .pad_right = 1),
     9, 1, 1, 9, 10},
    {"TF explicit paddings with output_shape 10", true,
     P(.in_h = 5, .in_w = 5, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .pad_left = 1, .pad_right = 1, .out_h = 10, .out_w = 10),
     10, 1, 0, 9, 10},
    {"both out and output_padding, agreeing", true,
     P(.in_h = 5, .in_w = 5, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .pad_left = 1, .pad_right = 1, .out_h = 10, .out_w = 10, .output_padding_h = 1,
       .output_padding_w = 1),
     10, 1, 0, 9, 10},
    {"PyTorch rule: output_padding 1 < dilation 2 with stride 1", true,
     P(.dilation_h = 2, .dilation_w = 2, .padding = TCONV_PADDING_EXPLICIT, .output_padding_h = 1,
       .output_padding_w = 1),
     9, 0, -1, 8, 9},
    {"ONNX asymmetric pads (0, 2)", true,
     P(.stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_bottom = 2, .pad_right = 2), 7, 0, 2, 7,
     8},
    {"dilated transposed VALID: extent 5, 3 -> 7", true, P(.in_h = 3, .in_w = 3, .dilation_h = 2, .dilation_w = 2), 7,
     0, 0, 7, 7},
    {"empty input: out given, the range check is skipped (TF)", true,
     P(.in_h = 0, .in_w = 3, .padding = TCONV_PADDING_SAME, .out_h = 5, .out_w = 5), 5, 0, 0, -1, -1},
    {"1x1 s1 transposed: out == in", true, P(.kernel_h = 1, .kernel_w = 1), 4, 0, 0, 4, 4},
};

START_TEST(geometry_table)
{
    const struct geo_case *c = &geo_cases[_i];
    struct tconv_geometry g;
    memset(&g, 0x55, sizeof g);
    enum tconv_status st = c->tr ? tconv_conv2d_transpose_geometry(&c->p, &g) : tconv_conv2d_geometry(&c->p, &g);
    ck_assert_msg(st == TCONV_OK, "%s: status %d: %s", c->name, st, tconv_last_error());
    if (c->omin < 0) { /* the empty-input case: only the sizes are asserted */
        ck_assert_msg(g.out_h == 5 && g.out_w == 5, "%s: out %lld x %lld", c->name, (long long)g.out_h,
                      (long long)g.out_w);
        return;
    }
    ck_assert_msg(g.out_h == c->out && g.out_w == c->out, "%s: out %lld x %lld, want %lld", c->name, (long long)g.out_h,
                  (long long)g.out_w, (long long)c->out);
    ck_assert_msg(g.pad_top == c->pb && g.pad_bottom == c->pa && g.pad_left == c->pb && g.pad_right == c->pa,
                  "%s: pads (%lld, %lld, %lld, %lld), want (%lld, %lld)", c->name, (long long)g.pad_top,
                  (long long)g.pad_bottom, (long long)g.pad_left, (long long)g.pad_right, (long long)c->pb,
                  (long long)c->pa);
    ck_assert_msg(g.out_h_min == c->omin && g.out_h_max == c->omax && g.out_w_min == c->omin && g.out_w_max == c->omax,
                  "%s: range [%lld, %lld], want [%lld, %lld]", c->name, (long long)g.out_h_min, (long long)g.out_h_max,
                  (long long)c->omin, (long long)c->omax);
}
END_TEST

/*
 * Non-square rows: h and w differ in every input that matters (in, kernel, stride, dilation, pads, output
 * size) and in every expected value where the formulas allow, so a mix-up of the two axes (or of
 * pad_bottom and pad_right) fails a row. Each expected value is worked out by hand in the comment:
 *   conv (TensorFlow GetWindowedOutputSize):  ke = d*(k-1)+1;  VALID/EXPLICIT out = (in + pb + pa - ke + s) / s
 *     (C division);  SAME/SAME_LOWER out = ceil(in/s), total = max((out-1)*s + ke - in, 0),
 *     SAME pb = total/2 (TF, ONNX SAME_UPPER), SAME_LOWER pb = total - total/2 (ONNX), pa = total - pb.
 *   transposed: F = (in-1)*s + ke;  SAME* range [(in-1)*s+1, in*s], default in*s, total = max(F - out, 0),
 *     pb as for conv;  VALID range [F, F+s-1], default in*s + max(ke-s, 0) (Keras), pb = 0;
 *     EXPLICIT (PyTorch/ONNX) lo = F - pb - pa, range [lo, lo + max(s,d) - 1], out = lo + output_padding;
 *     the reported after-pad is F - pb - out (< 0: trailing bias-only positions).
 */
struct geo2_case {
    const char *name;
    bool tr;
    struct tconv_params p;
    int64_t out_h, out_w, pad_top, pad_bottom, pad_left, pad_right, h_min, h_max, w_min, w_max;
};

static const struct geo2_case geo2_cases[] = {
    /* h: ke 3, (11-3+2)/2 = 5.  w: ke 2*(2-1)+1 = 3, (8-3+3)/3 = 8/3 = 2 (without the dilation: 9/3 = 3). */
    {"conv VALID 11x8 k3x2 s2x3 d1x2", false,
     P(.in_h = 11, .in_w = 8, .kernel_h = 3, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .dilation_w = 2), 5, 2, 0, 0,
     0, 0, 5, 5, 2, 2},
    /* h: ceil(9/2) = 5, total 4*2+6-9 = 5 -> (5/2, 5-2) = (2, 3).  w: ceil(7/3) = 3, total 2*3+2-7 = 1 -> (0, 1). */
    {"conv SAME 9x7 k6x2 s2x3", false,
     P(.in_h = 9, .in_w = 7, .kernel_h = 6, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .padding = TCONV_PADDING_SAME),
     5, 3, 2, 3, 0, 1, 5, 5, 3, 3},
    /* as above, SAME_LOWER: h total 5 -> (5-5/2, 5/2) = (3, 2).  w total 1 -> (1, 0). */
    {"conv SAME_LOWER 9x7 k6x2 s2x3", false,
     P(.in_h = 9, .in_w = 7, .kernel_h = 6, .kernel_w = 2, .stride_h = 2, .stride_w = 3,
       .padding = TCONV_PADDING_SAME_LOWER),
     5, 3, 3, 2, 1, 0, 5, 5, 3, 3},
    /* h: ke 2*2+1 = 5, ceil(8/1) = 8, total 7+5-8 = 4 -> (2, 2).  w: ke 3, ceil(6/2) = 3, total 2*2+3-6 = 1 -> (0, 1).
     */
    {"conv SAME 8x6 k3 s1x2 d2x1", false,
     P(.in_h = 8, .in_w = 6, .stride_w = 2, .dilation_h = 2, .padding = TCONV_PADDING_SAME), 8, 3, 2, 2, 0, 1, 8, 8, 3,
     3},
    /* h: ke 2*2+1 = 5, (7+1+3-5+2)/2 = 4.  w: ke 4, (10+2+0-4+3)/3 = 11/3 = 3.  Pads as given. */
    {"conv EXPLICIT 7x10 k3x4 s2x3 d2x1 pads (1,3,2,0)", false,
     P(.in_h = 7, .in_w = 10, .kernel_w = 4, .stride_h = 2, .stride_w = 3, .dilation_h = 2,
       .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 3, .pad_left = 2, .pad_right = 0),
     4, 3, 1, 3, 2, 0, 4, 4, 3, 3},
    /* TF's check of a given size. h: ke 3*1+1 = 4, (6-4+1)/1 = 3.  w: ke 5, (11-5+2)/2 = 4. */
    {"conv VALID 6x11 k2x5 s1x2 d3x1, out 3x4 given", false,
     P(.in_h = 6, .in_w = 11, .kernel_h = 2, .kernel_w = 5, .stride_w = 2, .dilation_h = 3, .out_h = 3, .out_w = 4), 3,
     4, 0, 0, 0, 0, 3, 3, 4, 4},
    /* h: F = 2*2+5 = 9, range [2*2+1, 3*2] = [5, 6], default 6, total 9-6 = 3 -> pb 1, after 9-1-6 = 2.
       w: F = 3*3+2 = 11, range [3*3+1, 4*3] = [10, 12], default 12, total max(11-12, 0) = 0 -> pb 0, after 11-12 = -1.
     */
    {"transposed SAME 3x4 k5x2 s2x3 (Keras/TF default in*s)", true,
     P(.in_h = 3, .in_w = 4, .kernel_h = 5, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .padding = TCONV_PADDING_SAME),
     6, 12, 1, 2, 0, -1, 5, 6, 10, 12},
    /* as above, SAME_LOWER: h total 3 -> pb 3-3/2 = 2, after 9-2-6 = 1.  w total 0 -> pb 0, after -1. */
    {"transposed SAME_LOWER 3x4 k5x2 s2x3", true,
     P(.in_h = 3, .in_w = 4, .kernel_h = 5, .kernel_w = 2, .stride_h = 2, .stride_w = 3,
       .padding = TCONV_PADDING_SAME_LOWER),
     6, 12, 2, 1, 0, -1, 5, 6, 10, 12},
    /* TF output_shape 5x10: h total 9-5 = 4 -> pb 2, after 9-2-5 = 2.  w total 11-10 = 1 -> pb 0, after 11-0-10 = 1. */
    {"transposed SAME 3x4 k5x2 s2x3, output_shape 5x10", true,
     P(.in_h = 3, .in_w = 4, .kernel_h = 5, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .padding = TCONV_PADDING_SAME,
       .out_h = 5, .out_w = 10),
     5, 10, 2, 2, 0, 1, 5, 6, 10, 12},
    /* h: ke 2*2+1 = 5, F = 3*2+5 = 11, Keras 4*2+max(5-2, 0) = 11, range [11, 12], after 0.
       w: ke 2, F = 2*3+2 = 8, Keras 3*3+max(2-3, 0) = 9, range [8, 10], after 8-9 = -1. */
    {"transposed VALID 4x3 k3x2 s2x3 d2x1 (Keras default)", true,
     P(.in_h = 4, .in_w = 3, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .dilation_h = 2), 11, 9, 0, 0, 0, -1, 11, 12,
     8, 10},
    /* TF output_shape 12x8 of the row above: after h 11-0-12 = -1, w 8-0-8 = 0. */
    {"transposed VALID 4x3 k3x2 s2x3 d2x1, output_shape 12x8", true,
     P(.in_h = 4, .in_w = 3, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .dilation_h = 2, .out_h = 12, .out_w = 8), 12,
     8, 0, -1, 0, 0, 11, 12, 8, 10},
    /* PyTorch padding/output_padding, asymmetric (ONNX pads).
       h: ke 3, F = 4*2+3 = 11, lo 11-1-2 = 8, max(s,d) 2 -> [8, 9], out 8+1 = 9, after 11-1-9 = 1.
       w: ke 2*3+1 = 7, F = 3*3+7 = 16, lo 16-3-0 = 13, max(s,d) 3 -> [13, 15], out 13+2 = 15, after 16-3-15 = -2. */
    {"transposed EXPLICIT 5x4 k3x4 s2x3 d1x2 pads (1,2,3,0) output_padding 1x2", true,
     P(.in_h = 5, .in_w = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 3, .dilation_w = 2,
       .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 2, .pad_left = 3, .pad_right = 0,
       .output_padding_h = 1, .output_padding_w = 2),
     9, 15, 1, 1, 3, -2, 8, 9, 13, 15},
    /* TF explicit paddings + output_shape 8x14 of the row above: after h 11-1-8 = 2, w 16-3-14 = -1. */
    {"transposed EXPLICIT 5x4 k3x4 s2x3 d1x2 pads (1,2,3,0), output_shape 8x14", true,
     P(.in_h = 5, .in_w = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 3, .dilation_w = 2,
       .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_bottom = 2, .pad_left = 3, .pad_right = 0, .out_h = 8,
       .out_w = 14),
     8, 14, 1, 2, 3, -1, 8, 9, 13, 15},
    /* PyTorch's rule output_padding < max(stride, dilation), here from the dilation on h.
       h: ke 3*1+1 = 4, F = 1*1+4 = 5, [5, 5+3-1 = 7], out 5+2 = 7, after -2.
       w: ke 3, F = 2*2+3 = 7, [7, 7+2-1 = 8], out 7+1 = 8, after -1. */
    {"transposed EXPLICIT 2x3 k2x3 s1x2 d3x1 output_padding 2x1", true,
     P(.in_h = 2, .in_w = 3, .kernel_h = 2, .stride_w = 2, .dilation_h = 3, .padding = TCONV_PADDING_EXPLICIT,
       .output_padding_h = 2, .output_padding_w = 1),
     7, 8, 0, -2, 0, -1, 5, 7, 7, 8},
    /* output_padding and out both given, agreeing (ONNX output_shape with output_padding).
       h: ke 2, F = 2*3+2 = 8, lo 8-0-1 = 7, [7, 9], out 7+2 = 9, after 8-0-9 = -1.
       w: ke 3, F = 1*2+3 = 5, lo 5-2-1 = 2, [2, 3], out 2+1 = 3, after 5-2-3 = 0. */
    {"transposed EXPLICIT 3x2 k2x3 s3x2 pads (0,1,2,1) output_padding 2x1 and out 9x3", true,
     P(.in_h = 3, .in_w = 2, .kernel_h = 2, .stride_h = 3, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT,
       .pad_bottom = 1, .pad_left = 2, .pad_right = 1, .output_padding_h = 2, .output_padding_w = 1, .out_h = 9,
       .out_w = 3),
     9, 3, 0, -1, 2, 0, 7, 9, 2, 3},
};

START_TEST(geometry_non_square)
{
    const struct geo2_case *c = &geo2_cases[_i];
    struct tconv_geometry g;
    memset(&g, 0x55, sizeof g);
    enum tconv_status st = c->tr ? tconv_conv2d_transpose_geometry(&c->p, &g) : tconv_conv2d_geometry(&c->p, &g);
    ck_assert_msg(st == TCONV_OK, "%s: status %d: %s", c->name, st, tconv_last_error());
    const int64_t got[10] = {g.out_h,     g.out_w,     g.pad_top,   g.pad_bottom, g.pad_left,
                             g.pad_right, g.out_h_min, g.out_h_max, g.out_w_min,  g.out_w_max};
    const int64_t want[10] = {c->out_h,     c->out_w, c->pad_top, c->pad_bottom, c->pad_left,
                              c->pad_right, c->h_min, c->h_max,   c->w_min,      c->w_max};
    static const char *const names[10] = {"out_h",     "out_w",     "pad_top",   "pad_bottom", "pad_left",
                                          "pad_right", "out_h_min", "out_h_max", "out_w_min",  "out_w_max"};
    for (int i = 0; i < 10; i++)
        ck_assert_msg(got[i] == want[i], "%s: %s = %lld, want %lld", c->name, names[i], (long long)got[i],
                      (long long)want[i]);
}
END_TEST

/* Every size in the reported range is accepted, and one past either end is rejected. */
START_TEST(transpose_range_is_exact)
{
    struct rng r = rng_make(test_seed(), 11);
    for (int it = 0; it < 400; it++) {
        struct tconv_params p = P(.in_h = rng_int(&r, 1, 9), .in_w = rng_int(&r, 1, 9), .kernel_h = rng_int(&r, 1, 7),
                                  .kernel_w = rng_int(&r, 1, 7), .stride_h = rng_int(&r, 1, 4),
                                  .stride_w = rng_int(&r, 1, 4), .dilation_h = rng_int(&r, 1, 3),
                                  .dilation_w = rng_int(&r, 1, 3), .padding = (enum tconv_padding)rng_int(&r, 0, 3));
        if (p.padding == TCONV_PADDING_EXPLICIT) {
            p.pad_top = rng_int(&r, 0, 2);
            p.pad_bottom = rng_int(&r, 0, 2);
            p.pad_left = rng_int(&r, 0, 2);
            p.pad_right = rng_int(&r, 0, 2);
        }
        struct tconv_geometry g, g2;
        char buf[512];
        if (tconv_conv2d_transpose_geometry(&p, &g) != TCONV_OK) continue; /* negative sizes: tested elsewhere */
        case_str(buf, sizeof buf, true, &p);
        ck_assert_msg(g.out_h >= g.out_h_min && g.out_h <= g.out_h_max, "%s: default outside range", buf);
        for (int64_t o = g.out_h_min - 1; o <= g.out_h_max + 1; o++) {
            struct tconv_params q = p;
            q.out_h = o;
            enum tconv_status st = tconv_conv2d_transpose_geometry(&q, &g2);
            bool want = o >= g.out_h_min && o <= g.out_h_max && o > 0;
            if (o <= 0) continue; /* 0 means "computed"; negative is tested elsewhere */
            ck_assert_msg((st == TCONV_OK) == want, "%s: out_h %lld -> status %d (seed %llu)", buf, (long long)o, st,
                          (unsigned long long)test_seed());
            if (st != TCONV_OK) {
                ck_assert_msg(st == TCONV_ERR_SHAPE_MISMATCH, "%s: out_h %lld: %s", buf, (long long)o,
                              tconv_last_error());
                continue;
            }
            /* TensorFlow's definition: a conv2d of the output size with the same parameters gives back in_h
               (VALID/SAME; EXPLICIT up to the dilation slack of the output_padding rule) */
            struct tconv_params c = p;
            c.in_h = o;
            c.in_w = g2.out_w;
            c.output_padding_h = c.output_padding_w = 0;
            struct tconv_geometry gc;
            ck_assert_int_eq(tconv_conv2d_geometry(&c, &gc), TCONV_OK);
            if (p.padding != TCONV_PADDING_EXPLICIT || o - g.out_h_min < p.stride_h)
                ck_assert_msg(gc.out_h == p.in_h, "%s: conv2d(%lld) = %lld, not in_h", buf, (long long)o,
                              (long long)gc.out_h);
            if (p.padding == TCONV_PADDING_SAME || p.padding == TCONV_PADDING_SAME_LOWER)
                ck_assert_msg(gc.pad_top == g2.pad_top, "%s: SAME split differs from conv2d's", buf);
            /* the crop accounts for the whole full result */
            const int64_t full = (p.in_h - 1) * p.stride_h + p.dilation_h * (p.kernel_h - 1) + 1;
            ck_assert_int_eq(g2.pad_top + o + g2.pad_bottom, full);
        }
    }
}
END_TEST

struct bad_case {
    const char *name;
    bool tr;
    struct tconv_params p;
    enum tconv_status st;
    const char *msg1, *msg2; /* substrings the message must hold */
};

static const struct bad_case bad_cases[] = {
    {"layout", false, P(.layout = (enum tconv_layout)7), TCONV_ERR_INVALID_ARGUMENT, "layout = 7", "TCONV_NCHW (1)"},
    {"filter_layout", true, P(.filter_layout = (enum tconv_filter_layout)9), TCONV_ERR_INVALID_ARGUMENT,
     "filter_layout = 9", "IOHW (4)"},
    {"padding", false, P(.padding = (enum tconv_padding) - 1), TCONV_ERR_INVALID_ARGUMENT, "padding = -1",
     "EXPLICIT (3)"},
    {"activation", true, P(.activation = (enum tconv_activation)5), TCONV_ERR_INVALID_ARGUMENT, "activation = 5",
     "RELU (1)"},
    {"batch", false, P(.batch = -1), TCONV_ERR_INVALID_ARGUMENT, "batch = -1", ">= 0"},
    {"in_h", true, P(.in_h = -3), TCONV_ERR_INVALID_ARGUMENT, "in_h = -3", ">= 0"},
    {"in_w", false, P(.in_w = -1), TCONV_ERR_INVALID_ARGUMENT, "in_w = -1", ">= 0"},
    {"in_channels", false, P(.in_channels = 0), TCONV_ERR_INVALID_ARGUMENT, "in_channels = 0", ">= 1"},
    {"out_channels", true, P(.out_channels = -2), TCONV_ERR_INVALID_ARGUMENT, "out_channels = -2", ">= 1"},
    {"groups", false, P(.groups = 0), TCONV_ERR_INVALID_ARGUMENT, "groups = 0", ">= 1"},
    {"kernel_h", true, P(.kernel_h = 0), TCONV_ERR_INVALID_ARGUMENT, "kernel_h = 0", ">= 1"},
    {"kernel_w", false, P(.kernel_w = -5), TCONV_ERR_INVALID_ARGUMENT, "kernel_w = -5", ">= 1"},
    {"stride_h", false, P(.stride_h = 0), TCONV_ERR_INVALID_ARGUMENT, "stride_h = 0", ">= 1"},
    {"stride_w", true, P(.stride_w = 0), TCONV_ERR_INVALID_ARGUMENT, "stride_w = 0", ">= 1"},
    {"dilation_h 0 (oneDNN's dense)", true, P(.dilation_h = 0), TCONV_ERR_INVALID_ARGUMENT, "dilation_h = 0", ">= 1"},
    {"dilation_w", false, P(.dilation_w = -1), TCONV_ERR_INVALID_ARGUMENT, "dilation_w = -1", ">= 1"},
    {"out_h negative", true, P(.out_h = -8), TCONV_ERR_INVALID_ARGUMENT, "out_h = -8", ">= 0"},
    {"groups not dividing in_channels", false, P(.in_channels = 6, .out_channels = 4, .groups = 4),
     TCONV_ERR_INVALID_ARGUMENT, "in_channels = 6", "groups = 4"},
    {"groups not dividing out_channels", true, P(.in_channels = 4, .out_channels = 6, .groups = 4),
     TCONV_ERR_INVALID_ARGUMENT, "out_channels = 6", "groups = 4"},
    {"negative explicit pad", false, P(.padding = TCONV_PADDING_EXPLICIT, .pad_left = -1), TCONV_ERR_INVALID_ARGUMENT,
     "pad_left = -1", ">= 0"},
    {"pad with SAME", true, P(.padding = TCONV_PADDING_SAME, .pad_top = 1), TCONV_ERR_INVALID_ARGUMENT, "pad_top = 1",
     "only used with TCONV_PADDING_EXPLICIT"},
    {"output_padding on conv2d", false, P(.output_padding_h = 1), TCONV_ERR_INVALID_ARGUMENT, "output_padding_h = 1",
     "conv2d_transpose only"},
    {"output_padding with VALID", true, P(.stride_h = 2, .output_padding_w = 1), TCONV_ERR_INVALID_ARGUMENT,
     "output_padding_w = 1", "only used with TCONV_PADDING_EXPLICIT"},
    {"output_padding >= stride", true, P(.stride_h = 2, .padding = TCONV_PADDING_EXPLICIT, .output_padding_h = 2),
     TCONV_ERR_INVALID_ARGUMENT, "output_padding_h = 2", "[0, 2)"},
    {"conv out_h mismatch", false, P(.in_h = 8, .in_w = 8, .out_h = 5), TCONV_ERR_SHAPE_MISMATCH, "out_h = 5",
     "computed output height 6"},
    {"conv negative output", false, P(.in_h = 1, .in_w = 4), TCONV_ERR_INVALID_ARGUMENT, "out_h would be negative",
     "in_h = 1"},
    {"seed004 output_shape 4", true, P(.in_h = 2, .in_w = 2, .stride_h = 2, .stride_w = 2, .out_h = 4, .out_w = 5),
     TCONV_ERR_SHAPE_MISMATCH, "out_h = 4 is not an admissible output height", "[5, 6]"},
    {"seed004 output_shape 7", true, P(.in_h = 2, .in_w = 2, .stride_h = 2, .stride_w = 2, .out_h = 5, .out_w = 7),
     TCONV_ERR_SHAPE_MISMATCH, "out_w = 7 is not an admissible output width", "[5, 6]"},
    {"SAME output_shape too small", true,
     P(.stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 6, .out_w = 8), TCONV_ERR_SHAPE_MISMATCH,
     "out_h = 6", "[7, 8]"},
    {"out and output_padding disagree", true,
     P(.in_h = 5, .in_w = 5, .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1, .out_h = 9, .output_padding_h = 1),
     TCONV_ERR_SHAPE_MISMATCH, "out_h = 9 disagrees with output_padding_h = 1", "10"},
    {"transposed crop larger than the result", true,
     P(.in_h = 1, .in_w = 1, .kernel_h = 1, .kernel_w = 1, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
       .pad_bottom = 1),
     TCONV_ERR_INVALID_ARGUMENT, "out_h would be negative", "EXPLICIT"},
    /* overflow and limits */
    {"batch x pixels overflows", false, P(.batch = INT64_MAX, .in_h = 3, .in_w = 3), TCONV_ERR_SIZE_OVERFLOW,
     "x has too many elements", "batch x in_h x in_w x in_channels"},
    {"bytes just over SIZE_MAX", false,
     P(.batch = ((int64_t)1 << 62) + 1, .in_h = 1, .in_w = 1, .kernel_h = 1, .kernel_w = 1), TCONV_ERR_SIZE_OVERFLOW,
     "4611686018427387905", "must fit int64_t and size_t"},
    {"elements one over the limit", false,
     P(.batch = ((int64_t)1 << 61), .in_h = 1, .in_w = 1, .kernel_h = 1, .kernel_w = 1), TCONV_ERR_SIZE_OVERFLOW,
     "2305843009213693952", "exceeds 2305843009213693951"},
    {"transposed out + crop over INT64_MAX (fuzz: the crop passed as admissible)", true,
     P(.in_w = 4, .kernel_w = 1, .stride_w = 64, .dilation_w = INT64_MAX, .padding = TCONV_PADDING_EXPLICIT,
       .pad_left = INT64_MAX, .out_w = 2),
     TCONV_ERR_SIZE_OVERFLOW, "out + padding overflows int64_t on the width axis", "pad_left = 9223372036854775807"},
    {"pad_top INT64_MAX", false, P(.padding = TCONV_PADDING_EXPLICIT, .pad_top = INT64_MAX), TCONV_ERR_SIZE_OVERFLOW,
     "in + padding overflows int64_t", "pad_top = 9223372036854775807"},
    {"out_h INT64_MAX", true, P(.out_h = INT64_MAX, .out_w = 3), TCONV_ERR_SHAPE_MISMATCH,
     "out_h = 9223372036854775807 is not an admissible output height", "admit out_h in"},
    {"in_h x in_w over 2^62", true, P(.in_h = (int64_t)1 << 31, .in_w = (int64_t)1 << 31, .kernel_h = 1, .kernel_w = 1),
     TCONV_ERR_SIZE_OVERFLOW, "has too many elements", "2147483648"},
    {"dilated extent overflows", false, P(.kernel_h = INT64_MAX, .dilation_h = 2), TCONV_ERR_SIZE_OVERFLOW,
     "dilated kernel extent", "kernel_h = 9223372036854775807"},
    {"full result overflows", true, P(.stride_h = INT64_MAX / 2), TCONV_ERR_SIZE_OVERFLOW, "full result",
     "stride_h = 4611686018427387903"},
    {"a dimension of 2^31 reaches BLAS", false, P(.in_h = (int64_t)1 << 31, .in_w = 1, .kernel_h = 1, .kernel_w = 1),
     TCONV_ERR_UNSUPPORTED, "in_h x in_w = 2147483648", "INT_MAX"},
    {"channels over INT_MAX", true,
     P(.in_h = 1, .in_w = 1, .kernel_h = 1, .kernel_w = 1, .in_channels = (int64_t)INT_MAX + 1), TCONV_ERR_UNSUPPORTED,
     "in_channels = 2147483648", "INT_MAX"},
    {"filter elements overflow", false,
     P(.kernel_h = (int64_t)1 << 20, .kernel_w = (int64_t)1 << 20, .in_channels = (int64_t)1 << 20,
       .out_channels = 1 << 20, .in_h = (int64_t)1 << 20, .in_w = (int64_t)1 << 20),
     TCONV_ERR_SIZE_OVERFLOW, "the filter has too many elements", "1048576"},
};

START_TEST(bad_parameters)
{
    const struct bad_case *c = &bad_cases[_i];
    struct tconv_geometry g, before;
    memset(&g, 0x5a, sizeof g);
    before = g;
    enum tconv_status st = c->tr ? tconv_conv2d_transpose_geometry(&c->p, &g) : tconv_conv2d_geometry(&c->p, &g);
    const char *msg = tconv_last_error();
    ck_assert_msg(st == c->st, "%s: status %d, want %d (%s)", c->name, st, c->st, msg);
    ck_assert_msg(strstr(msg, c->msg1) && strstr(msg, c->msg2), "%s: message \"%s\" lacks \"%s\" / \"%s\"", c->name,
                  msg, c->msg1, c->msg2);
    ck_assert_msg(strstr(msg, c->tr ? "tconv_conv2d_transpose_geometry: " : "tconv_conv2d_geometry: ") == msg,
                  "%s: message does not name the function: %s", c->name, msg);
    ck_assert_msg(memcmp(&g, &before, sizeof g) == 0, "%s: the geometry was written on failure", c->name);
}
END_TEST

START_TEST(null_pointers)
{
    struct tconv_params p = P();
    struct tconv_geometry g;
    ck_assert_int_eq(tconv_conv2d_geometry(NULL, &g), TCONV_ERR_NULL_POINTER);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "p (the parameters) must not be NULL"));
    ck_assert_int_eq(tconv_conv2d_transpose_geometry(&p, NULL), TCONV_ERR_NULL_POINTER);
    ck_assert_ptr_nonnull(strstr(tconv_last_error(), "g must not be NULL"));
}
END_TEST

/* TCONV_PARAMS_INIT gives the documented defaults. */
START_TEST(params_init)
{
    struct tconv_params p = TCONV_PARAMS_INIT;
    ck_assert(p.layout == TCONV_NHWC && p.filter_layout == TCONV_FILTER_DEFAULT && p.padding == TCONV_PADDING_VALID);
    ck_assert(p.groups == 1 && p.stride_h == 1 && p.stride_w == 1 && p.dilation_h == 1 && p.dilation_w == 1);
    ck_assert(p.batch == 0 && p.out_h == 0 && p.output_padding_h == 0 && p.activation == TCONV_ACTIVATION_NONE);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("geometry");
    TCase *tc = tcase_create("geometry");
    tcase_set_timeout(tc, 60);
    tcase_add_loop_test(tc, geometry_table, 0, (int)(sizeof geo_cases / sizeof *geo_cases));
    tcase_add_loop_test(tc, geometry_non_square, 0, (int)(sizeof geo2_cases / sizeof *geo2_cases));
    tcase_add_test(tc, transpose_range_is_exact);
    tcase_add_loop_test(tc, bad_parameters, 0, (int)(sizeof bad_cases / sizeof *bad_cases));
    tcase_add_test(tc, null_pointers);
    tcase_add_test(tc, params_init);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
