/*
 * test_cli.c - the tconv program's testable modules: the four frameworks' spellings (cli/spell.c), the
 * overlap verdict and its period analysis (cli/verdict.c), and the strict integer lists of the options
 * (cli/options.c). Every expected spelling below was worked out by hand from the framework's documented
 * formula, written next to it; the geometry comes from the library.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include <stdarg.h>

#include "common.h"
#include "options.h"
#include "options_nd.h"
#include "overlap_nd.h"
#include "seed_data.h"
#include "spell.h"
#include "spell_nd.h"
#include "verdict.h"

/* A layer: NHWC, batch 1, default filter layout; the fields not given are TCONV_PARAMS_INIT's. */
#define L(...)                                                                                                         \
    (struct tconv_params)                                                                                              \
    {                                                                                                                  \
        .batch = 1, .in_channels = 1, .out_channels = 1, .groups = 1, .stride_h = 1, .stride_w = 1, .dilation_h = 1,   \
        .dilation_w = 1, __VA_ARGS__                                                                                   \
    }

static void check_spell(enum spell_framework fw, bool tr, struct tconv_params p, const char *want)
{
    struct tconv_geometry g;
    ck_assert_msg((tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(&p, &g) == TCONV_OK, "%s",
                  tconv_last_error());
    char got[1024];
    const size_t n = spell(fw, tr, &p, &g, got, sizeof got);
    ck_assert_uint_eq(n, strlen(got));
    ck_assert_msg(!strcmp(got, want), "%s:\n got  %s\n want %s", spell_framework_names[fw], got, want);
}

/* The four spellings of one configuration. */
static void check_all(bool tr, struct tconv_params p, const char *tf, const char *keras, const char *torch,
                      const char *onnx)
{
    check_spell(SPELL_TENSORFLOW, tr, p, tf);
    check_spell(SPELL_KERAS, tr, p, keras);
    check_spell(SPELL_PYTORCH, tr, p, torch);
    check_spell(SPELL_ONNX, tr, p, onnx);
}

/* ------------------------------------------------------------------ conv2d */

START_TEST(conv_valid)
{
    /* VALID: out = (in - ke + s) / s: (7-3+2)/2 = 3, (5-2+1)/1 = 4; no pads anywhere */
    check_all(false,
              L(.in_h = 7, .in_w = 5, .in_channels = 3, .out_channels = 4, .kernel_h = 3, .kernel_w = 2, .stride_h = 2),
              "tf.nn.conv2d(x, w, strides=[1,2,1,1], padding='VALID')",
              "Conv2D(4, (3,2), strides=(2,1), padding='valid')",
              "nn.Conv2d(3, 4, (3,2), stride=(2,1), padding=(0,0), dilation=(1,1), groups=1)",
              "Conv pads=[0,0,0,0] strides=[2,1]");
}
END_TEST

START_TEST(conv_same)
{
    /* SAME: out = ceil(in/s); total = (out-1)*s + ke - in; begin total/2, the odd pixel at the end.
       h: in 6, k 3, s 2: out 3, total 1 -> (0, 1). w: in 5, k 4, s 2: out 3, total 3 -> (1, 2).
       PyTorch has no asymmetric padding: F.pad(x, (left, right, top, bottom)) first. ONNX pads = [t, l, b, r]. */
    check_all(false,
              L(.in_h = 6, .in_w = 5, .in_channels = 2, .out_channels = 3, .kernel_h = 3, .kernel_w = 4, .stride_h = 2,
                .stride_w = 2, .padding = TCONV_PADDING_SAME),
              "tf.nn.conv2d(x, w, strides=[1,2,2,1], padding='SAME')",
              "Conv2D(3, (3,4), strides=(2,2), padding='same')",
              "F.pad(x, (1, 2, 0, 1)), then nn.Conv2d(2, 3, (3,4), stride=(2,2), padding=(0,0), dilation=(1,1), "
              "groups=1)",
              "Conv pads=[0,1,1,2] strides=[2,2] (or auto_pad=SAME_UPPER)");
}
END_TEST

START_TEST(conv_same_lower)
{
    /* SAME_LOWER (ONNX): the odd pixel first: h total 1 -> (1, 0), w total 3 -> (2, 1). TensorFlow has no such
       mode: explicit paddings. Keras pads 'same'/'valid' only: a ZeroPadding2D layer, then 'valid'. */
    check_all(false,
              L(.in_h = 6, .in_w = 5, .in_channels = 2, .out_channels = 3, .kernel_h = 3, .kernel_w = 4, .stride_h = 2,
                .stride_w = 2, .padding = TCONV_PADDING_SAME_LOWER),
              "tf.nn.conv2d(x, w, strides=[1,2,2,1], padding=[[0,0],[1,0],[2,1],[0,0]])",
              "ZeroPadding2D(((1,0),(2,1))), then Conv2D(3, (3,4), strides=(2,2), padding='valid')",
              "F.pad(x, (2, 1, 1, 0)), then nn.Conv2d(2, 3, (3,4), stride=(2,2), padding=(0,0), dilation=(1,1), "
              "groups=1)",
              "Conv pads=[1,2,0,1] strides=[2,2] (or auto_pad=SAME_LOWER)");
}
END_TEST

START_TEST(conv_explicit)
{
    /* explicit asymmetric pads t 2, b 0, l 1, r 3 */
    check_all(false,
              L(.in_h = 5, .in_w = 5, .out_channels = 2, .kernel_h = 3, .kernel_w = 3,
                .padding = TCONV_PADDING_EXPLICIT, .pad_top = 2, .pad_left = 1, .pad_right = 3),
              "tf.nn.conv2d(x, w, strides=[1,1,1,1], padding=[[0,0],[2,0],[1,3],[0,0]])",
              "ZeroPadding2D(((2,0),(1,3))), then Conv2D(2, (3,3), strides=(1,1), padding='valid')",
              "F.pad(x, (1, 3, 2, 0)), then nn.Conv2d(1, 2, (3,3), stride=(1,1), padding=(0,0), dilation=(1,1), "
              "groups=1)",
              "Conv pads=[2,1,0,3] strides=[1,1]");
    /* symmetric per axis: PyTorch's own padding=(ph, pw) */
    check_spell(SPELL_PYTORCH, false,
                L(.in_h = 5, .in_w = 5, .kernel_h = 3, .kernel_w = 3, .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1,
                  .pad_bottom = 1, .pad_left = 2, .pad_right = 2),
                "nn.Conv2d(1, 1, (3,3), stride=(1,1), padding=(1,2), dilation=(1,1), groups=1)");
}
END_TEST

/* An empty output: VALID with a 5x5 kernel over 3x5 (TF: (3 - 5 + 3) / 3 = 0 rows). PyTorch's Conv2d refuses
   an input smaller than the kernel, so the input is padded to one window (2 more rows) and the result sliced
   to nothing. Transposed: in 3x2, k 1, s 3: F 7x4, crops 0/0 and 3/1 give out 7x0; no crop, then sliced [3:3]. */
START_TEST(pytorch_empty_output)
{
    check_spell(SPELL_PYTORCH, false,
                L(.in_h = 3, .in_w = 5, .kernel_h = 5, .kernel_w = 5, .stride_h = 3, .stride_w = 3),
                "not expressible directly: PyTorch refuses an empty output; F.pad(x, (0, 0, 0, 2)), then "
                "nn.Conv2d(1, 1, (5,5), stride=(3,3), padding=(0,0), dilation=(1,1), groups=1), then "
                "y[:, :, 0:0, 0:1]");
    check_spell(SPELL_PYTORCH, true,
                L(.in_h = 3, .in_w = 2, .kernel_h = 1, .kernel_w = 1, .stride_h = 3, .stride_w = 3,
                  .padding = TCONV_PADDING_EXPLICIT, .pad_left = 3, .pad_right = 1),
                "not expressible directly: PyTorch refuses an empty output; nn.ConvTranspose2d(1, 1, (1,1), "
                "stride=(3,3), padding=(0,0), output_padding=(0,0), dilation=(1,1), groups=1), then "
                "y[:, :, 0:7, 3:3]");
}
END_TEST

START_TEST(conv_dilation_groups_nchw)
{
    /* NCHW data: TF's lists in data_format order [1,1,h,w]; Keras channels_first. d 2x3: ke 5x7 */
    check_all(false,
              L(.layout = TCONV_NCHW, .in_h = 9, .in_w = 9, .in_channels = 4, .out_channels = 6, .groups = 2,
                .kernel_h = 3, .kernel_w = 3, .dilation_h = 2, .dilation_w = 3),
              "tf.nn.conv2d(x, w, strides=[1,1,1,1], padding='VALID', data_format='NCHW', dilations=[1,1,2,3])",
              "Conv2D(6, (3,3), strides=(1,1), padding='valid', groups=2, dilation_rate=(2,3), "
              "data_format='channels_first')",
              "nn.Conv2d(4, 6, (3,3), stride=(1,1), padding=(0,0), dilation=(2,3), groups=2)",
              "Conv pads=[0,0,0,0] strides=[1,1] dilations=[2,3] group=2");
    /* Keras refuses strides > 1 together with dilation_rate > 1 */
    check_spell(SPELL_KERAS, false,
                L(.in_h = 9, .in_w = 9, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .dilation_w = 2),
                "not expressible: Keras refuses strides > 1 together with dilation_rate > 1");
}
END_TEST

/* ------------------------------------------------------------------ conv2d_transpose */

START_TEST(transpose_valid_default)
{
    /* seed 004: F = (in-1)*s + ke = 5; Keras's default for 'valid' is in*s + max(ke - s, 0) = 5 */
    check_all(true, L(.in_h = 2, .in_w = 2, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2),
              "tf.nn.conv2d_transpose(x, w, output_shape=[1,5,5,1], strides=[1,2,2,1], padding='VALID')",
              "Conv2DTranspose(1, (3,3), strides=(2,2), padding='valid')",
              "nn.ConvTranspose2d(1, 1, (3,3), stride=(2,2), padding=(0,0), output_padding=(0,0), dilation=(1,1), "
              "groups=1)",
              "ConvTranspose pads=[0,0,0,0] output_padding=[0,0] strides=[2,2] (or output_shape=[5,5] in place of "
              "pads)");
}
END_TEST

START_TEST(transpose_valid_output_shape)
{
    /* in 3x2, k 3x2, s 2x3: F = 7 x 5. output_shape 8x6: one trailing bias-only row and column.
       Keras: default (3*2 + 1, 2*3 + 0) = (7, 6); output_padding op with O = (in-1)*s + ke + op: (1, 1).
       PyTorch: crop p = 0 at the start, p - op = -1 at the end: op = (1, 1) < stride.
       ONNX: O = s*(in-1) + op + ke - pads: pads 0, op (1, 1); with output_shape, total = F + op - O = 0. */
    check_all(
        true,
        L(.in_h = 3, .in_w = 2, .kernel_h = 3, .kernel_w = 2, .stride_h = 2, .stride_w = 3, .out_h = 8, .out_w = 6),
        "tf.nn.conv2d_transpose(x, w, output_shape=[1,8,6,1], strides=[1,2,3,1], padding='VALID')",
        "Conv2DTranspose(1, (3,2), strides=(2,3), padding='valid', output_padding=(1,1))",
        "nn.ConvTranspose2d(1, 1, (3,2), stride=(2,3), padding=(0,0), output_padding=(1,1), dilation=(1,1), "
        "groups=1)",
        "ConvTranspose pads=[0,0,0,0] output_padding=[1,1] strides=[2,3] (or output_shape=[8,6] in place of "
        "pads)");
}
END_TEST

START_TEST(transpose_same_seed002)
{
    /* seed 002: F = 9, out 8: TF crops total 1 at the END (0, 1). PyTorch crops at least as much at the start:
       crop 0 and slice. ONNX output_shape splits total 1 as (0, 1) only under SAME_UPPER. */
    check_all(true,
              L(.in_h = 4, .in_w = 4, .in_channels = 2, .out_channels = 4, .kernel_h = 3, .kernel_w = 3, .stride_h = 2,
                .stride_w = 2, .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8),
              "tf.nn.conv2d_transpose(x, w, output_shape=[1,8,8,4], strides=[1,2,2,1], padding='SAME')",
              "Conv2DTranspose(4, (3,3), strides=(2,2), padding='same')",
              "not expressible directly: the crop is 0/1 (top/bottom), 0/1 (left/right) and PyTorch crops at least "
              "as much at the start; nn.ConvTranspose2d(2, 4, (3,3), stride=(2,2), padding=(0,0), "
              "output_padding=(0,0), dilation=(1,1), groups=1), then y[:, :, 0:8, 0:8]",
              "ConvTranspose pads=[0,0,1,1] output_padding=[0,0] strides=[2,2] (or output_shape=[8,8] and "
              "auto_pad=SAME_UPPER in place of pads)");
}
END_TEST

START_TEST(transpose_same_output_padding)
{
    /* in 3x4, k 4x3, s 2: F = 8 x 9; out 5x7 (admissible: [5, 6] x [7, 8]). TF SAME: total 3 -> (1, 2), 2 -> (1, 1).
       Keras: default (6, 8); with op: O = (in-1)*s + ke - 2*(ke/2) + op: h 4 + 4 - 4 + op = 5 -> op 1;
       w 6 + 3 - 2 + op = 7 -> op 0.
       PyTorch: end crop 2 > start crop 1: padding (1, 1) gives 6x7, sliced.
       ONNX output_shape: h total 3 splits (1, 2) under SAME_UPPER only; w total 2 splits (1, 1) either way. */
    check_all(true,
              L(.in_h = 3, .in_w = 4, .kernel_h = 4, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                .padding = TCONV_PADDING_SAME, .out_h = 5, .out_w = 7),
              "tf.nn.conv2d_transpose(x, w, output_shape=[1,5,7,1], strides=[1,2,2,1], padding='SAME')",
              "Conv2DTranspose(1, (4,3), strides=(2,2), padding='same', output_padding=(1,0))",
              "not expressible directly: the crop is 1/2 (top/bottom), 1/1 (left/right) and PyTorch crops at least "
              "as much at the start; nn.ConvTranspose2d(1, 1, (4,3), stride=(2,2), padding=(1,1), "
              "output_padding=(0,0), dilation=(1,1), groups=1), then y[:, :, 0:5, 0:7]",
              "ConvTranspose pads=[1,1,2,1] output_padding=[0,0] strides=[2,2] (or output_shape=[5,7] and "
              "auto_pad=SAME_UPPER in place of pads)");
}
END_TEST

START_TEST(transpose_same_lower)
{
    /* SAME_LOWER: in 4x3, k 3, s 2, out 8x6: F = 9 x 7, total 1 each, the odd crop first: (1, 0).
       TF: explicit paddings (out in [F - 1, F]). Keras: 'valid' (F) then Cropping2D.
       PyTorch: start 1, end 1 - op = 0: op 1. ONNX output_shape: total 1 -> begin 1 without auto_pad. */
    check_all(true,
              L(.in_h = 4, .in_w = 3, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                .padding = TCONV_PADDING_SAME_LOWER, .out_h = 8, .out_w = 6),
              "tf.nn.conv2d_transpose(x, w, output_shape=[1,8,6,1], strides=[1,2,2,1], "
              "padding=[[0,0],[1,0],[1,0],[0,0]])",
              "Conv2DTranspose(1, (3,3), strides=(2,2), padding='valid', output_padding=(0,0)), then "
              "Cropping2D(((1,0),(1,0)))",
              "nn.ConvTranspose2d(1, 1, (3,3), stride=(2,2), padding=(1,1), output_padding=(1,1), dilation=(1,1), "
              "groups=1)",
              "ConvTranspose pads=[1,1,0,0] output_padding=[0,0] strides=[2,2] (or output_shape=[8,6] in place of "
              "pads)");
}
END_TEST

START_TEST(transpose_explicit_asymmetric)
{
    /* explicit pads t 2, b 0, l 0, r 1 with output_padding (1, 2): in 3x4, k 3x2, s 2x3: F = 7 x 11,
       out = F - t - b + op = 6 x 12; crops (2, -1) and (0, -1).
       TF: explicit [[2,0],[0,0]], out in [F - 2, F - 2 + s - 1] = [5, 6] and [11, 13].
       Keras: 'valid' with output_padding = the trailing stretch (1, 1): 8 x 12, then crop 2 rows on top.
       PyTorch: start 2, end -1 needs op 3 >= stride 2: padding 0, op (1, 1) gives 8 x 12, sliced [2:8, 0:12].
       ONNX: pads [2,0,0,0] + output_padding (1, 1): O = 4 + 1 + 3 - 2 = 6, 9 + 1 + 2 = 12; output_shape would
       split total 2 evenly (1, 1): no auto_pad gives (2, 0). */
    check_all(true,
              L(.in_h = 3, .in_w = 4, .kernel_h = 3, .kernel_w = 2, .stride_h = 2, .stride_w = 3,
                .padding = TCONV_PADDING_EXPLICIT, .pad_top = 2, .pad_right = 1, .output_padding_h = 1,
                .output_padding_w = 2),
              "tf.nn.conv2d_transpose(x, w, output_shape=[1,6,12,1], strides=[1,2,3,1], "
              "padding=[[0,0],[2,0],[0,0],[0,0]])",
              "Conv2DTranspose(1, (3,2), strides=(2,3), padding='valid', output_padding=(1,1)), then "
              "Cropping2D(((2,0),(0,0)))",
              "not expressible directly: the crop is 2/-1 (top/bottom), 0/-1 (left/right) and PyTorch crops at least "
              "as much at the start; nn.ConvTranspose2d(1, 1, (3,2), stride=(2,3), padding=(0,0), "
              "output_padding=(1,1), dilation=(1,1), groups=1), then y[:, :, 2:8, 0:12]",
              "ConvTranspose pads=[2,0,0,0] output_padding=[1,1] strides=[2,3]");
}
END_TEST

START_TEST(transpose_dilation_groups)
{
    /* d 3x2, k 2x3, s 1: F = 2 + 3 + 1 = 6, 2 + 4 + 1 = 7. Keras's Conv2DTranspose has no groups. */
    check_all(true,
              L(.in_h = 3, .in_w = 3, .in_channels = 4, .out_channels = 6, .groups = 2, .kernel_h = 2, .kernel_w = 3,
                .dilation_h = 3, .dilation_w = 2),
              "tf.nn.conv2d_transpose(x, w, output_shape=[1,6,7,6], strides=[1,1,1,1], padding='VALID', "
              "dilations=[1,3,2,1])",
              "not expressible: Conv2DTranspose has no groups argument",
              "nn.ConvTranspose2d(4, 6, (2,3), stride=(1,1), padding=(0,0), output_padding=(0,0), dilation=(3,2), "
              "groups=2)",
              "ConvTranspose pads=[0,0,0,0] output_padding=[0,0] strides=[1,1] dilations=[3,2] group=2 (or "
              "output_shape=[6,7] in place of pads)");
    check_spell(
        SPELL_KERAS, true,
        L(.in_h = 3, .in_w = 3, .out_channels = 6, .kernel_h = 2, .kernel_w = 3, .dilation_h = 3, .dilation_w = 2),
        "Conv2DTranspose(6, (2,3), strides=(1,1), padding='valid', dilation_rate=(3,2))");
    check_spell(SPELL_KERAS, true,
                L(.in_h = 3, .in_w = 3, .kernel_h = 2, .kernel_w = 3, .stride_h = 2, .dilation_w = 2),
                "not expressible: Keras refuses strides > 1 together with dilation_rate > 1");
}
END_TEST

START_TEST(transpose_past_the_stride)
{
    /* dilation 3 > stride 1 admits output_padding 2 (PyTorch: op < max(s, d)): F = 2 + 3 + 1 = 6, out 8.
       TensorFlow's explicit paddings and Keras's output_padding allow at most stride - 1 = 0 extra. */
    check_all(true,
              L(.in_h = 3, .in_w = 3, .kernel_h = 2, .kernel_w = 2, .dilation_h = 3, .dilation_w = 3,
                .padding = TCONV_PADDING_EXPLICIT, .output_padding_h = 2, .output_padding_w = 2),
              "not expressible: the output runs 2 rows and 2 columns past the full result; TensorFlow's explicit "
              "paddings allow at most stride - 1",
              "not expressible: the output runs past the full result by the stride or more (output_padding < strides)",
              "nn.ConvTranspose2d(1, 1, (2,2), stride=(1,1), padding=(0,0), output_padding=(2,2), dilation=(3,3), "
              "groups=1)",
              "ConvTranspose pads=[0,0,0,0] output_padding=[2,2] strides=[1,1] dilations=[3,3] (or "
              "output_shape=[8,8] in place of pads)");
}
END_TEST

START_TEST(transpose_nchw)
{
    /* NCHW: output_shape is [n, c, h, w]; SAME default in*s = 6 */
    const struct tconv_params p =
        L(.layout = TCONV_NCHW, .in_h = 3, .in_w = 3, .in_channels = 2, .out_channels = 5, .kernel_h = 3, .kernel_w = 3,
          .stride_h = 2, .stride_w = 2, .padding = TCONV_PADDING_SAME);
    check_spell(SPELL_TENSORFLOW, true, p,
                "tf.nn.conv2d_transpose(x, w, output_shape=[1,5,6,6], strides=[1,1,2,2], padding='SAME', "
                "data_format='NCHW')");
    check_spell(SPELL_KERAS, true, p,
                "Conv2DTranspose(5, (3,3), strides=(2,2), padding='same', data_format='channels_first')");
}
END_TEST

START_TEST(spell_buffer)
{
    /* like snprintf: the length it needs, a terminated prefix in a short buffer */
    const struct tconv_params p = L(.in_h = 7, .in_w = 5, .kernel_h = 3, .kernel_w = 2);
    struct tconv_geometry g;
    ck_assert_int_eq(tconv_conv2d_geometry(&p, &g), TCONV_OK);
    char small[8];
    const size_t n = spell(SPELL_ONNX, false, &p, &g, small, sizeof small);
    ck_assert_uint_eq(n, strlen("Conv pads=[0,0,0,0] strides=[1,1]"));
    ck_assert_str_eq(small, "Conv pa");
}
END_TEST

/* ------------------------------------------------------------------ verdict */

static struct verdict judge(struct tconv_params p, struct tconv_geometry *g, int32_t **map)
{
    struct verdict v;
    ck_assert_int_eq(tconv_conv2d_transpose_geometry(&p, g), TCONV_OK);
    *map = malloc((size_t)(g->out_h * g->out_w) * sizeof **map);
    ck_assert_int_eq(tconv_overlap_map(&p, *map), TCONV_OK);
    verdict_judge(&p, g, *map, &v);
    return v;
}

static void check_printed(const struct tconv_params *p, const struct verdict *v, const char *want_first_line)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    verdict_print(f, p, v);
    fclose(f);
    ck_assert_msg(!strncmp(text, want_first_line, strlen(want_first_line)) && text[strlen(want_first_line)] == '\n',
                  "got:\n%s\nwant first line:\n%s", text, want_first_line);
    free(text);
}

static void check_axis(int64_t k, int64_t s, int64_t d, int64_t c, const int64_t *want, int64_t period)
{
    struct verdict_axis a;
    verdict_axis(k, s, d, c, &a);
    for (int64_t r = 0; r < s; r++)
        ck_assert_msg(a.taps[r] == want[r], "k %lld s %lld d %lld c %lld: taps[%lld] = %lld, want %lld", (long long)k,
                      (long long)s, (long long)d, (long long)c, (long long)r, (long long)a.taps[r], (long long)want[r]);
    ck_assert_int_eq(a.period, period);
}

START_TEST(verdict_uniform)
{
    /* k 4 = 2 x s 2: every phase gets 2 taps per axis; the outer 2-pixel ring of the 8x8 output gets fewer */
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p = L(.in_h = 4, .in_w = 4, .kernel_h = 4, .kernel_w = 4, .stride_h = 2, .stride_w = 2,
                                    .padding = TCONV_PADDING_SAME);
    const struct verdict v = judge(p, &g, &m);
    ck_assert_int_eq(v.kind, VERDICT_UNIFORM);
    ck_assert_int_eq(v.lo, 4);
    ck_assert_int_eq(v.hi, 4);
    ck_assert_int_eq(v.h.period, 1);
    ck_assert_int_eq(v.fewer, 64 - 36);
    check_printed(&p, &v,
                  "verdict: uniform: 4 taps on every output pixel away from the edges of x; 28 of the 64 pixels, near "
                  "the edges, get fewer");
    free(m);
}
END_TEST

START_TEST(verdict_checkerboard_seed002)
{
    /* seed 002: k 3, s 2, SAME 8x8, crop 0 at the start. Tap t lands on phase t mod 2: phase 0 gets taps 0 and 2,
       phase 1 tap 1: (2, 1) per axis, 1 to 4 per pixel, period 2. Times the 2 input channels of all-ones data
       the map is the seed's printed output: 2 2 4 2 4 ... */
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p = L(.in_h = 4, .in_w = 4, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                                    .padding = TCONV_PADDING_SAME, .out_h = 8, .out_w = 8);
    const struct verdict v = judge(p, &g, &m);
    ck_assert_int_eq(v.kind, VERDICT_CHECKERBOARD);
    ck_assert_int_eq(v.h.taps[0], 2);
    ck_assert_int_eq(v.h.taps[1], 1);
    ck_assert_int_eq(v.lo, 1);
    ck_assert_int_eq(v.hi, 4);
    ck_assert_int_eq(v.h.period, 2);
    ck_assert_int_eq(v.w.period, 2);
    ck_assert_int_eq(v.fewer, 15);
    for (int i = 0; i < 64; i++) ck_assert_int_eq(2 * m[i], (int)(&seed002_out[0][0])[i]);
    check_printed(&p, &v,
                  "verdict: checkerboard: 1 to 4 taps per pixel (max/min 4.00) with a period of 2x2 pixels; 15 of the "
                  "64 pixels, near the edges, get fewer");
    free(m);
}
END_TEST

START_TEST(verdict_checkerboard_non_square)
{
    /* k 3x5, s 2x3: height (2, 1) period 2; width: taps 0..4 on phases 0 1 2 0 1 -> (2, 2, 1) period 3.
       1 to 4 taps per pixel, ratio 4. */
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p = L(.in_h = 6, .in_w = 5, .kernel_h = 3, .kernel_w = 5, .stride_h = 2, .stride_w = 3);
    const struct verdict v = judge(p, &g, &m);
    const int64_t w[3] = {2, 2, 1};
    ck_assert_int_eq(v.kind, VERDICT_CHECKERBOARD);
    for (int r = 0; r < 3; r++) ck_assert_int_eq(v.w.taps[r], w[r]);
    ck_assert_int_eq(v.lo, 1);
    ck_assert_int_eq(v.hi, 4);
    check_printed(&p, &v,
                  "verdict: checkerboard: 1 to 4 taps per pixel (max/min 4.00) with a period of 2x3 pixels; 78 of the "
                  "221 pixels, near the edges, get fewer");
    free(m);
}
END_TEST

START_TEST(verdict_holes)
{
    /* k 1 < s 3: two of three phases get nothing */
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p =
        L(.in_h = 3, .in_w = 3, .kernel_h = 1, .kernel_w = 1, .stride_h = 3, .stride_w = 3, .out_h = 9, .out_w = 9);
    const struct verdict v = judge(p, &g, &m);
    ck_assert_int_eq(v.kind, VERDICT_HOLES);
    ck_assert_int_eq(v.hi, 1);
    ck_assert_int_eq(v.h.period, 3);
    ck_assert_int_eq(v.fewer, 0);
    check_printed(&p, &v,
                  "verdict: holes: the taps per pixel vary from 0 to 1 with a period of 3x3 pixels; some output pixels "
                  "get no input at all");
    free(m);
}
END_TEST

START_TEST(verdict_dilation)
{
    /* k 2, s 2: dilation 2 puts both taps on even phases (holes), dilation 3 on one of each (uniform) */
    check_axis(2, 2, 2, 0, (const int64_t[]){2, 0}, 2);
    check_axis(2, 2, 3, 0, (const int64_t[]){1, 1}, 1);
    /* k 2, s 4, d 2: phases 0 and 2: the pattern repeats every 2 pixels, half the stride */
    check_axis(2, 4, 2, 0, (const int64_t[]){1, 0, 1, 0}, 2);
    /* k 5, s 3, d 2: phases 0 2 1 0 2 -> (2, 1, 2) */
    check_axis(5, 3, 2, 0, (const int64_t[]){2, 1, 2}, 3);
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p = L(.in_h = 5, .in_w = 5, .kernel_h = 2, .kernel_w = 2, .stride_h = 2, .stride_w = 2,
                                    .dilation_h = 2, .dilation_w = 3);
    const struct verdict v = judge(p, &g, &m);
    ck_assert_int_eq(v.kind, VERDICT_HOLES);
    ck_assert_int_eq(v.hi, 2);
    ck_assert_int_eq(v.h.period, 2);
    ck_assert_int_eq(v.w.period, 1);
    free(m);
}
END_TEST

START_TEST(verdict_crops)
{
    /* a begin crop c shifts the phases: output o is full position o + c. k 3, s 2: c 0 -> (2, 1), c 1 -> (1, 2) */
    check_axis(3, 2, 1, 0, (const int64_t[]){2, 1}, 2);
    check_axis(3, 2, 1, 1, (const int64_t[]){1, 2}, 2);
    check_axis(3, 2, 1, 7, (const int64_t[]){1, 2}, 2);
    /* k 2, s 3, c 1: taps 0 and 1 at full phases 0 and 1 are outputs of phases 2 and 0 */
    check_axis(2, 3, 1, 1, (const int64_t[]){1, 0, 1}, 3);
    /* the same through the library's crop: explicit pads 1 on top and left */
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p = L(.in_h = 4, .in_w = 4, .kernel_h = 3, .kernel_w = 3, .stride_h = 2, .stride_w = 2,
                                    .padding = TCONV_PADDING_EXPLICIT, .pad_top = 1, .pad_left = 1);
    const struct verdict v = judge(p, &g, &m);
    ck_assert_int_eq(g.pad_top, 1);
    ck_assert_int_eq(v.h.taps[0], 1);
    ck_assert_int_eq(v.h.taps[1], 2);
    ck_assert_int_eq(m[1 * g.out_w + 1], 4); /* full (2, 2): both axes phase 1 of the crop: 2 x 2 */
    free(m);
}
END_TEST

START_TEST(verdict_unanalysed)
{
    struct tconv_geometry g;
    int32_t *m;
    const struct tconv_params p = L(.in_h = 2, .in_w = 2, .kernel_h = 3, .kernel_w = 3, .stride_h = 65);
    const struct verdict v = judge(p, &g, &m);
    ck_assert_int_eq(v.kind, VERDICT_UNANALYSED);
    check_printed(&p, &v, "verdict: (strides over 64: no pattern analysis)");
    free(m);
}
END_TEST

/* ------------------------------------------------------------------ integer lists */

static void check_list(const char *s, int max, int want_n, const int64_t *want, const char *want_why)
{
    int64_t v[8];
    char why[96] = "";
    const int n = cli_int_list(s, v, max, why, sizeof why);
    ck_assert_msg(n == want_n, "'%s': %d values, want %d (%s)", s, n, want_n, why);
    for (int i = 0; i < n; i++) ck_assert_msg(v[i] == want[i], "'%s'[%d] = %lld", s, i, (long long)v[i]);
    if (want_why) ck_assert_str_eq(why, want_why);
}

START_TEST(int_lists)
{
    check_list("[[0,0],[1,2],[3,4],[0,0]]", 8, 8, (const int64_t[]){0, 0, 1, 2, 3, 4, 0, 0}, NULL);
    check_list("(1, -2)", 2, 2, (const int64_t[]){1, -2}, NULL);
    check_list("9223372036854775807", 1, 1, (const int64_t[]){INT64_MAX}, NULL);
    check_list("1,2,3", 2, -1, NULL, "more than 2 values");
    check_list("1,,2", 4, -1, NULL, "an empty element");
    check_list("[1,2)", 4, -1, NULL, "an unmatched ')'");
    check_list("[1,2", 4, -1, NULL, "an unclosed '['");
    check_list("1 2", 4, -1, NULL, "a ',' is missing before '2'");
    check_list("1,", 4, -1, NULL, "a trailing ','");
    check_list("", 4, -1, NULL, "no value");
    check_list("0x10", 4, -1, NULL, "'0x10' is not an integer");
    check_list("9223372036854775808", 4, -1, NULL, "9223372036854775808 is out of range");
    ck_assert_int_eq(cli_enum("same_LOWER", (const char *const[]){"SAME", "SAME_LOWER"}, 2), 1);
    ck_assert_int_eq(cli_enum("SAMELOWER", (const char *const[]){"SAME", "SAME_LOWER"}, 2), -1);
}
END_TEST

/* ------------------------------------------------------------------ 1-D and 3-D */

/* A rank-r layer: NHWC, batch 1, one channel in and out, stride and dilation 1, the rest given per test. */
static struct tconv_nd_params nd_layer(int rank)
{
    struct tconv_nd_params p;
    tconv_nd_params_init(&p, rank);
    p.batch = 1;
    p.in_channels = p.out_channels = 1;
    return p;
}

static void check_nd_all(bool tr, const struct tconv_nd_params *p, const char *const want[SPELL_FRAMEWORKS])
{
    struct tconv_nd_geometry g;
    ck_assert_msg((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(p, &g) == TCONV_OK, "%s",
                  tconv_last_error());
    for (int fw = 0; fw < SPELL_FRAMEWORKS; fw++) {
        char got[1536];
        const size_t n = spell_nd((enum spell_framework)fw, tr, p, &g, got, sizeof got);
        ck_assert_uint_eq(n, strlen(got));
        ck_assert_msg(!strcmp(got, want[fw]), "%s:\n got  %s\n want %s", spell_framework_names[fw], got, want[fw]);
    }
}

START_TEST(nd_spell_hifigan)
{
    /* nn.ConvTranspose1d(512, 256, 16, stride=8, padding=4) on (1, 512, 32): F = 31*8 + 16 = 264, crop 4 and 4,
       out 256. TF SAME with output_shape 256: total 264 - 256 = 8, split 4 / 4, the same crop; Keras 'same'
       defaults to in*s = 256; ONNX without auto_pad puts total - total/2 = 4 first: output_shape works too. */
    struct tconv_nd_params p = nd_layer(1);
    p.layout = TCONV_NCHW;
    p.filter_layout = TCONV_FILTER_IOHW;
    p.in_channels = 512;
    p.out_channels = 256;
    p.in[0] = 32;
    p.kernel[0] = 16;
    p.stride[0] = 8;
    p.padding = TCONV_PADDING_EXPLICIT;
    p.pad_before[0] = p.pad_after[0] = 4;
    check_nd_all(true, &p,
                 (const char *const[]){
                     "tf.nn.conv1d_transpose(x, w, output_shape=[1,256,256], strides=8, padding='SAME', "
                     "data_format='NCW')",
                     "Conv1DTranspose(256, 16, strides=8, padding='same', data_format='channels_first')",
                     "nn.ConvTranspose1d(512, 256, 16, stride=8, padding=4, output_padding=0, dilation=1, groups=1)",
                     "ConvTranspose kernel_shape=[16] pads=[4,4] output_padding=[0] strides=[8] (or output_shape=[256] "
                     "in place of pads)"});
}
END_TEST

START_TEST(nd_spell_conv3d_same_lower)
{
    /* in 8x16x16, k 3, s 2: out 4x8x8; total (out-1)*2 + 3 - in = 1 per axis, SAME_LOWER puts it first: pads
       (1, 0) on each axis. TF's 3-D ops pad SAME or VALID only: tf.pad; F.pad lists the last axis first. */
    struct tconv_nd_params p = nd_layer(3);
    p.in_channels = 4;
    p.out_channels = 8;
    p.in[0] = 8;
    p.in[1] = p.in[2] = 16;
    p.kernel[0] = p.kernel[1] = p.kernel[2] = 3;
    p.stride[0] = p.stride[1] = p.stride[2] = 2;
    p.padding = TCONV_PADDING_SAME_LOWER;
    check_nd_all(false, &p,
                 (const char *const[]){
                     "tf.pad(x, [[0,0],[1,0],[1,0],[1,0],[0,0]]), then tf.nn.conv3d(x, w, strides=[1,2,2,2,1], "
                     "padding='VALID')",
                     "ZeroPadding3D(((1,0),(1,0),(1,0))), then Conv3D(8, (3,3,3), strides=(2,2,2), padding='valid')",
                     "F.pad(x, (1, 0, 1, 0, 1, 0)), then nn.Conv3d(4, 8, (3,3,3), stride=(2,2,2), padding=(0,0,0), "
                     "dilation=(1,1,1), groups=1)",
                     "Conv kernel_shape=[3,3,3] pads=[1,1,1,0,0,0] strides=[2,2,2] (or auto_pad=SAME_LOWER)"});
}
END_TEST

START_TEST(nd_spell_causal_and_groups)
{
    /* Keras's Conv1D padding='causal' is the dilated kernel's reach, d*(k-1) = 4, before x and nothing after */
    struct tconv_nd_params p = nd_layer(1);
    p.in[0] = 10;
    p.kernel[0] = 3;
    p.dilation[0] = 2;
    p.padding = TCONV_PADDING_EXPLICIT;
    p.pad_before[0] = 4;
    check_nd_all(false, &p,
                 (const char *const[]){"tf.pad(x, [[0,0],[4,0],[0,0]]), then tf.nn.conv1d(x, w, stride=1, "
                                       "padding='VALID', dilations=2)",
                                       "Conv1D(1, 3, strides=1, padding='causal', dilation_rate=2)",
                                       "F.pad(x, (4, 0)), then nn.Conv1d(1, 1, 3, stride=1, padding=0, dilation=2, "
                                       "groups=1)",
                                       "Conv kernel_shape=[3] pads=[4,0] strides=[1] dilations=[2]"});
    /* a grouped conv3d_transpose, k 2 s 2 VALID on 2^3: out 4^3; Keras's Conv3DTranspose has no groups */
    struct tconv_nd_params q = nd_layer(3);
    q.in_channels = q.out_channels = q.groups = 2;
    for (int a = 0; a < 3; a++) q.in[a] = q.kernel[a] = q.stride[a] = 2;
    check_nd_all(true, &q,
                 (const char *const[]){
                     "tf.nn.conv3d_transpose(x, w, output_shape=[1,4,4,4,2], strides=[1,2,2,2,1], padding='VALID')",
                     "not expressible: Conv3DTranspose has no groups argument",
                     "nn.ConvTranspose3d(2, 2, (2,2,2), stride=(2,2,2), padding=(0,0,0), output_padding=(0,0,0), "
                     "dilation=(1,1,1), groups=2)",
                     "ConvTranspose kernel_shape=[2,2,2] pads=[0,0,0,0,0,0] output_padding=[0,0,0] strides=[2,2,2] "
                     "group=2 (or output_shape=[4,4,4] in place of pads)"});
}
END_TEST

/* The shared options with the given texts (NULL ends the id, text pairs), resolved for rank r. */
static int resolve_nd(int rank, struct cli_nd *nd, ...)
{
    struct cli_opts o;
    memset(&o, 0, sizeof o);
    o.p = (struct tconv_params)TCONV_PARAMS_INIT;
    va_list ap;
    va_start(ap, nd);
    for (int id; (id = va_arg(ap, int));) o.text[id - OPT_INPUT_SHAPE] = va_arg(ap, const char *);
    va_end(ap);
    const int rc = cli_resolve_nd("test", &o, rank, nd);
    return rc ? rc : cli_apply_shapes_nd("test", &o, nd);
}

static void check_axes(const int64_t *got, int rank, const int64_t *want, const char *what)
{
    for (int a = 0; a < rank; a++)
        ck_assert_msg(got[a] == want[a], "%s[%d] = %lld, want %lld", what, a, (long long)got[a], (long long)want[a]);
}

START_TEST(nd_options)
{
    struct cli_nd nd;
    /* NCDHW: TensorFlow's 5-element strides are [1,1,sd,sh,sw]; the pads' full list [[0,0],[0,0],[b,e]..] */
    ck_assert_int_eq(resolve_nd(3, &nd, OPT_INPUT_SHAPE, "2,3,4,5,6", OPT_KERNEL_SIZE, "3", OPT_LAYOUT, "ncdhw",
                                OPT_STRIDES, "1,1,2,3,4", OPT_PADDING, "[[0,0],[0,0],[1,2],[3,4],[5,6]]", 0),
                     0);
    check_axes(nd.p.stride, 3, (const int64_t[]){2, 3, 4}, "stride");
    check_axes(nd.p.pad_before, 3, (const int64_t[]){1, 3, 5}, "pad_before");
    check_axes(nd.p.pad_after, 3, (const int64_t[]){2, 4, 6}, "pad_after");
    check_axes(nd.p.in, 3, (const int64_t[]){4, 5, 6}, "in"); /* N C D H W */
    ck_assert_int_eq(nd.p.in_channels, 3);
    check_axes(nd.p.kernel, 3, (const int64_t[]){3, 3, 3}, "kernel");
    /* one value per axis (PyTorch's symmetric padding), ONNX's begins then ends, the full output shape */
    ck_assert_int_eq(resolve_nd(3, &nd, OPT_INPUT_SHAPE, "1,4,5,6,2", OPT_KERNEL_SIZE, "1,2,3", OPT_PADDING, "1,2,3",
                                OPT_OUTPUT_SHAPE, "1,7,8,9,5", 0),
                     0);
    check_axes(nd.p.pad_before, 3, (const int64_t[]){1, 2, 3}, "pad_before");
    check_axes(nd.p.pad_after, 3, (const int64_t[]){1, 2, 3}, "pad_after");
    check_axes(nd.p.out, 3, (const int64_t[]){7, 8, 9}, "out");
    ck_assert_int_eq(nd.p.out_channels, 5);
    ck_assert_int_eq(resolve_nd(3, &nd, OPT_INPUT_SHAPE, "1,4,5,6,2", OPT_KERNEL_SIZE, "3", OPT_PADS, "1,2,3,4,5,6",
                                OPT_DILATIONS, "[1,2,3]", 0),
                     0);
    check_axes(nd.p.pad_before, 3, (const int64_t[]){1, 2, 3}, "pad_before");
    check_axes(nd.p.pad_after, 3, (const int64_t[]){4, 5, 6}, "pad_after");
    check_axes(nd.p.dilation, 3, (const int64_t[]){1, 2, 3}, "dilation");
    /* 1-D: [b, e] is one axis' pair, P both ends; output shape W only; NWC strides [1, s, 1] */
    ck_assert_int_eq(resolve_nd(1, &nd, OPT_INPUT_SHAPE, "1,32,8", OPT_KERNEL_SIZE, "16", OPT_PADDING, "[4,3]",
                                OPT_STRIDES, "[1,8,1]", OPT_OUTPUT_SHAPE, "257", OPT_FILTERS, "4", 0),
                     0);
    ck_assert_int_eq(nd.p.pad_before[0], 4);
    ck_assert_int_eq(nd.p.pad_after[0], 3);
    ck_assert_int_eq(nd.p.stride[0], 8);
    ck_assert_int_eq(nd.p.out[0], 257);
    ck_assert_int_eq(nd.p.out_channels, 4);
    ck_assert_int_eq(nd.p.in[0], 32);
    /* the wrong count for the rank is a usage error */
    ck_assert_int_eq(resolve_nd(3, &nd, OPT_INPUT_SHAPE, "1,4,5,6,2", OPT_KERNEL_SIZE, "3,3", 0), CLI_USAGE);
    ck_assert_int_eq(resolve_nd(1, &nd, OPT_INPUT_SHAPE, "1,4,2", OPT_KERNEL_SIZE, "3", OPT_PADS, "1,1,1,1", 0),
                     CLI_USAGE);
    ck_assert_int_eq(
        resolve_nd(3, &nd, OPT_INPUT_SHAPE, "1,4,5,6,2", OPT_KERNEL_SIZE, "3", OPT_STRIDES, "2,2,2,2,2", 0), CLI_USAGE);
}
END_TEST

START_TEST(nd_rank_and_names)
{
    struct cli_opts o;
    int rank = -1;
    bool tr = true;
    memset(&o, 0, sizeof o);
    o.text[OPT_INPUT_SHAPE - OPT_INPUT_SHAPE] = "1,32,8";
    ck_assert_int_eq(cli_shape_rank("test", &o, 0, "conv", &rank), 0);
    ck_assert_int_eq(rank, 1);
    ck_assert_int_eq(cli_shape_rank("test", &o, 3, "conv3d", &rank), CLI_USAGE);
    o.text[0] = "1,2,3,4,5,6";
    ck_assert_int_eq(cli_shape_rank("test", &o, 0, "conv", &rank), CLI_USAGE);
    o.text[0] = NULL;
    ck_assert_int_eq(cli_shape_rank("test", &o, 0, "conv", &rank), 0);
    ck_assert_int_eq(rank, 0);
    char *argv[] = {"shape", "conv3d_transpose", "conv", "conv1d", "conv4d"};
    ck_assert_int_eq(cli_forward_op_nd("test", 2, argv, 1, &tr, &rank), 0);
    ck_assert(tr);
    ck_assert_int_eq(rank, 3);
    ck_assert_int_eq(cli_forward_op_nd("test", 3, argv, 2, &tr, &rank), 0);
    ck_assert(!tr);
    ck_assert_int_eq(rank, 0);
    ck_assert_int_eq(cli_forward_op_nd("test", 4, argv, 3, &tr, &rank), 0);
    ck_assert_int_eq(rank, 1);
    ck_assert_int_eq(cli_forward_op_nd("test", 5, argv, 4, &tr, &rank), CLI_USAGE);
    ck_assert_str_eq(cli_layout_name(1, TCONV_NCHW), "NCW");
    ck_assert_str_eq(cli_layout_name(3, TCONV_NHWC), "NDHWC");
    ck_assert_str_eq(cli_axis_name(1, 0), "width");
    ck_assert_str_eq(cli_axis_name(3, 0), "depth");
}
END_TEST

START_TEST(nd_overlap_axis)
{
    /* k 3, s 2, crop 1 (padding=1, output_padding=1 on 8): output o is full position o + 1, which odd positions
       reach once (tap 1) and even ones twice (taps 0 and 2), but full 16 only from tap 2 of input 7 */
    int64_t c[16];
    overlap_axis(8, 3, 2, 1, 1, 16, c);
    check_axes(c, 16, (const int64_t[]){1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 1}, "count");
    /* k 2, s 3, d 2: taps at 0 and 2 of each stride-3 block, nothing at 1 (holes) */
    int64_t h[7];
    overlap_axis(2, 2, 3, 2, 0, 7, h);
    check_axes(h, 7, (const int64_t[]){1, 0, 1, 1, 0, 1, 0}, "count");
}
END_TEST

/* The 3-D map by brute force: every (input voxel, tap) pair scattered, with the inputs from -pad to in + pad
   (the pattern away from the edges) counted separately. */
static void brute_overlap(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g, int64_t pad,
                          int64_t *real, int64_t *pattern)
{
    const int64_t n = g->out[0] * g->out[1] * g->out[2];
    memset(real, 0, (size_t)n * sizeof *real);
    memset(pattern, 0, (size_t)n * sizeof *pattern);
    for (int64_t i0 = -pad; i0 < p->in[0] + pad; i0++)
        for (int64_t i1 = -pad; i1 < p->in[1] + pad; i1++)
            for (int64_t i2 = -pad; i2 < p->in[2] + pad; i2++)
                for (int64_t t = 0; t < p->kernel[0] * p->kernel[1] * p->kernel[2]; t++) {
                    const int64_t i[3] = {i0, i1, i2}, k[3] = {t / (p->kernel[1] * p->kernel[2]),
                                                               t / p->kernel[2] % p->kernel[1], t % p->kernel[2]};
                    int64_t o[3];
                    bool inside = true, real_input = true;
                    for (int a = 0; a < 3; a++) {
                        o[a] = i[a] * p->stride[a] + k[a] * p->dilation[a] - g->pad_before[a];
                        inside = inside && o[a] >= 0 && o[a] < g->out[a];
                        real_input = real_input && i[a] >= 0 && i[a] < p->in[a];
                    }
                    if (!inside) continue;
                    const int64_t at = (o[0] * g->out[1] + o[1]) * g->out[2] + o[2];
                    pattern[at]++;
                    real[at] += real_input;
                }
}

static void check_overlap_3d(const struct tconv_nd_params *p)
{
    struct tconv_nd_geometry g;
    struct overlap_nd m;
    ck_assert_msg(tconv_convnd_transpose_geometry(p, &g) == TCONV_OK, "%s", tconv_last_error());
    ck_assert_int_eq(overlap_nd_build(p, &g, &m), 0);
    const int64_t n = g.out[0] * g.out[1] * g.out[2];
    int64_t *real = malloc((size_t)n * sizeof *real), *pattern = malloc((size_t)n * sizeof *pattern), fewer = 0;
    brute_overlap(p, &g, 8, real, pattern); /* 8 > kernel * dilation / stride + 1 here */
    int64_t pos[3], value[64], times[64], total = 0;
    for (pos[0] = 0; pos[0] < g.out[0]; pos[0]++)
        for (pos[1] = 0; pos[1] < g.out[1]; pos[1]++)
            for (pos[2] = 0; pos[2] < g.out[2]; pos[2]++) {
                const int64_t at = (pos[0] * g.out[1] + pos[1]) * g.out[2] + pos[2];
                ck_assert_int_eq(overlap_nd_at(&m, pos), real[at]);
                fewer += real[at] < pattern[at];
            }
    ck_assert_int_eq(m.fewer, fewer);
    const int distinct = overlap_nd_histogram(&m, value, times, 64);
    ck_assert_int_ge(distinct, 1);
    for (int i = 0; i < distinct; i++) {
        int64_t brute = 0;
        for (int64_t at = 0; at < n; at++) brute += real[at] == value[i];
        ck_assert_int_eq(times[i], brute);
        total += times[i];
    }
    ck_assert_int_eq(total, n);
    free(real);
    free(pattern);
    overlap_nd_free(&m);
}

START_TEST(nd_overlap_verdict_text)
{
    /* 1-D k 3, s 2, crop 1 (padding=1, output_padding=1 on 8, out 16): phases of output o = o mod 2 get 1 (even:
       full o + 1 odd, tap 1) and 2 (odd: taps 0 and 2); only the last output (full 16, no input 8) gets fewer */
    struct tconv_nd_params p = nd_layer(1);
    struct tconv_nd_geometry g;
    struct overlap_nd m;
    p.in[0] = 8;
    p.kernel[0] = 3;
    p.stride[0] = 2;
    p.padding = TCONV_PADDING_EXPLICIT;
    p.pad_before[0] = p.pad_after[0] = 1;
    p.output_padding[0] = 1;
    ck_assert(tconv_convnd_transpose_geometry(&p, &g) == TCONV_OK);
    ck_assert_int_eq(overlap_nd_build(&p, &g, &m), 0);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    overlap_nd_verdict_print(f, &p, &m);
    fclose(f);
    ck_assert_str_eq(text, "verdict: checkerboard: 1 to 2 taps per position (max/min 2.00) with a period of 2 "
                           "positions; 1 of the 16 positions, near the edges, gets fewer\n"
                           "why: width: 3 taps (dilation 1) over stride 2 reach the output positions 1 to 2 times. "
                           "The kernel does not spread evenly over the stride: the checkerboard of Odena et al., "
                           "\"Deconvolution and Checkerboard Artifacts\" (2016).\n"
                           "fix: a kernel that is a multiple of the stride (4 here, with dilation 1), or "
                           "resize-convolution (nearest upsampling, then a stride-1 conv; the library's "
                           "tconv_resize_conv2d and tconv_bilinear_filter are 2-D only).\n");
    free(text);
    overlap_nd_free(&m);
    /* 3-D k 2, s 2 on 3^3: every voxel one tap, none fewer (the kernel tiles the output) */
    struct tconv_nd_params q = nd_layer(3);
    for (int a = 0; a < 3; a++) {
        q.in[a] = 3;
        q.kernel[a] = q.stride[a] = 2;
    }
    ck_assert(tconv_convnd_transpose_geometry(&q, &g) == TCONV_OK);
    ck_assert_int_eq(overlap_nd_build(&q, &g, &m), 0);
    f = open_memstream(&text, &len);
    overlap_nd_verdict_print(f, &q, &m);
    fclose(f);
    ck_assert_str_eq(text, "verdict: uniform: 1 tap on every output voxel away from the edges of x\n"
                           "why: the kernel (2x2x2) spreads evenly over the stride (2x2x2): every output phase gets "
                           "the same number of taps.\n");
    free(text);
    overlap_nd_free(&m);
}
END_TEST

START_TEST(nd_overlap_brute_force)
{
    /* the separable counts against every pair scattered: VALID, SAME with odd crops, dilation, uneven strides */
    struct tconv_nd_params p = nd_layer(3);
    const int64_t cases[][4][3] = {
        /* in, kernel, stride, dilation */
        {{2, 3, 3}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}},
        {{3, 2, 4}, {3, 4, 2}, {2, 3, 1}, {1, 2, 3}},
        {{4, 3, 2}, {5, 3, 4}, {3, 2, 2}, {1, 1, 2}},
    };
    for (int c = 0; c < 3; c++)
        for (int mode = 0; mode < 2; mode++) {
            p.padding = mode ? TCONV_PADDING_SAME : TCONV_PADDING_VALID;
            for (int a = 0; a < 3; a++) {
                p.in[a] = cases[c][0][a];
                p.kernel[a] = cases[c][1][a];
                p.stride[a] = cases[c][2][a];
                p.dilation[a] = cases[c][3][a];
            }
            check_overlap_3d(&p);
        }
    /* an explicit crop of 1 at the start and an output past the full result */
    p.padding = TCONV_PADDING_EXPLICIT;
    for (int a = 0; a < 3; a++) {
        p.in[a] = 3;
        p.kernel[a] = 3;
        p.stride[a] = 2;
        p.dilation[a] = 1;
        p.pad_before[a] = 1;
        p.pad_after[a] = 0;
        p.output_padding[a] = 1;
    }
    check_overlap_3d(&p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli");
    TCase *sp = tcase_create("spell");
    tcase_add_test(sp, conv_valid);
    tcase_add_test(sp, conv_same);
    tcase_add_test(sp, conv_same_lower);
    tcase_add_test(sp, conv_explicit);
    tcase_add_test(sp, conv_dilation_groups_nchw);
    tcase_add_test(sp, pytorch_empty_output);
    tcase_add_test(sp, transpose_valid_default);
    tcase_add_test(sp, transpose_valid_output_shape);
    tcase_add_test(sp, transpose_same_seed002);
    tcase_add_test(sp, transpose_same_output_padding);
    tcase_add_test(sp, transpose_same_lower);
    tcase_add_test(sp, transpose_explicit_asymmetric);
    tcase_add_test(sp, transpose_dilation_groups);
    tcase_add_test(sp, transpose_past_the_stride);
    tcase_add_test(sp, transpose_nchw);
    tcase_add_test(sp, spell_buffer);
    suite_add_tcase(s, sp);
    TCase *vd = tcase_create("verdict");
    tcase_add_test(vd, verdict_uniform);
    tcase_add_test(vd, verdict_checkerboard_seed002);
    tcase_add_test(vd, verdict_checkerboard_non_square);
    tcase_add_test(vd, verdict_holes);
    tcase_add_test(vd, verdict_dilation);
    tcase_add_test(vd, verdict_crops);
    tcase_add_test(vd, verdict_unanalysed);
    suite_add_tcase(s, vd);
    TCase *op = tcase_create("options");
    tcase_add_test(op, int_lists);
    suite_add_tcase(s, op);
    TCase *nd = tcase_create("nd");
    tcase_add_test(nd, nd_spell_hifigan);
    tcase_add_test(nd, nd_spell_conv3d_same_lower);
    tcase_add_test(nd, nd_spell_causal_and_groups);
    tcase_add_test(nd, nd_options);
    tcase_add_test(nd, nd_rank_and_names);
    tcase_add_test(nd, nd_overlap_axis);
    tcase_add_test(nd, nd_overlap_verdict_text);
    tcase_add_test(nd, nd_overlap_brute_force);
    suite_add_tcase(s, nd);
    return run_suite(s);
}
