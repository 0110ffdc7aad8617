/*
 * test_cli.c - the tconv program's testable modules: the four frameworks' spellings (cli/spell.c), the
 * overlap verdict and its period analysis (cli/verdict.c), and the strict integer lists of the options
 * (cli/options.c). Every expected spelling below was worked out by hand from the framework's documented
 * formula, written next to it; the geometry comes from the library.
 */
#define _POSIX_C_SOURCE 200809L /* open_memstream */
#include "common.h"
#include "options.h"
#include "seed_data.h"
#include "spell.h"
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
    return run_suite(s);
}
