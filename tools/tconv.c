/*
 * tconv - command-line front end of libtconv.
 *
 *   tconv demo     the seed documents' printed numbers recomputed by tconv, side by side
 *   tconv shape    output size, admissible sizes, padding split and the TF/Keras/PyTorch/ONNX spellings
 *
 * Errors go to stderr with exit status 2 (usage) or 1 (a failed call or a demo mismatch).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "seed_data.h"
#include "tconv.h"

/* ------------------------------------------------------------------ demo */

static int demo_failures;

/* One printed number against tconv's: rtol covers the 8 printed digits and the read-back kernel. */
static bool agree(double got, double want, double rtol, double atol)
{
    return fabs(got - want) <= atol + rtol * fabs(want);
}

static void verdict(bool ok, const char *what)
{
    printf("  => %s: %s\n\n", ok ? "AGREE" : "DIFFER", what);
    if (!ok) demo_failures++;
}

static void demo_seed000_001(void)
{
    struct tconv_params p = TCONV_PARAMS_INIT;
    float x[16], conv_out[32], back[16];
    for (int i = 0; i < 16; i++) x[i] = (float)seed000_x[i];
    p.batch = 1, p.in_h = 4, p.in_w = 4, p.in_channels = 1, p.out_channels = 2, p.kernel_h = 1, p.kernel_w = 1;

    printf("[seed 000] A dense layer is a 1x1 convolution\n");
    printf("  x = np.random.rand(1, 4, 4, 1) with np.random.seed(1); kernel [1,1,1,2] = [%.7f, %.7f]\n",
           seed000_kernel[0], seed000_kernel[1]);
    printf("  (the kernel is read back from the seed's printed output: dense[0] / x[0])\n");
    enum tconv_status st = tconv_conv2d(&p, x, seed000_kernel, NULL, conv_out);
    if (st != TCONV_OK) {
        fprintf(stderr, "tconv demo: %s\n", tconv_last_error());
        demo_failures++;
        return;
    }
    printf("  pixel   tconv_conv2d 1x1 (2 channels)      seed 000 printed (dense == conv)\n");
    bool ok = true;
    for (int i = 0; i < SEED000_PIXELS; i++) {
        bool a = agree(conv_out[2 * i], seed000_dense[i][0], 5e-7, 1e-12) &&
                 agree(conv_out[2 * i + 1], seed000_dense[i][1], 5e-7, 1e-12);
        ok = ok && a;
        printf("  (%d,%d)   %15.7e %15.7e    %15.7e %15.7e  %s\n", i / 4, i % 4, conv_out[2 * i],
               conv_out[2 * i + 1], seed000_dense[i][0], seed000_dense[i][1], a ? "" : "<- differs");
    }
    verdict(ok, "9 printed pixels (the seed is cut off after them), relative tolerance 5e-7");

    printf("[seed 001] ... and its transpose is a 1x1 transposed convolution\n");
    printf("  conv2d_transpose(conv_out, 1, (1,1), (1,1)): HWOI kernel [1,1,1,2], the same two values\n");
    struct tconv_params t = p;
    t.in_channels = 2, t.out_channels = 1;
    if ((st = tconv_conv2d_transpose(&t, conv_out, seed000_kernel, NULL, back)) != TCONV_OK) {
        fprintf(stderr, "tconv demo: %s\n", tconv_last_error());
        demo_failures++;
        return;
    }
    printf("  pixel   tconv_conv2d_transpose    seed 001 printed\n");
    ok = true;
    for (int i = 0; i < 16; i++) {
        bool a = agree(back[i], seed001_transpose[i], 1e-6, 1e-12);
        ok = ok && a;
        printf("  (%d,%d)   %15.7e           %15.7e  %s\n", i / 4, i % 4, back[i], seed001_transpose[i],
               a ? "" : "<- differs");
    }
    verdict(ok, "16 pixels, relative tolerance 1e-6");
}

static bool shape_line(const char *what, bool transposed, struct tconv_params p, int want_h, int want_w)
{
    struct tconv_geometry g;
    enum tconv_status st = transposed ? tconv_conv2d_transpose_geometry(&p, &g) : tconv_conv2d_geometry(&p, &g);
    bool ok = st == TCONV_OK && g.out_h == want_h && g.out_w == want_w;
    if (st != TCONV_OK)
        printf("  %-58s error: %s\n", what, tconv_last_error());
    else
        printf("  %-58s (%lld, %lld, %lld, %lld)   seed: (%lld, %d, %d, %lld)%s\n", what, (long long)p.batch,
               (long long)g.out_h, (long long)g.out_w, (long long)p.out_channels, (long long)p.batch, want_h,
               want_w, (long long)p.out_channels, ok ? "" : "  <- differs");
    return ok;
}

static void demo_seed001_shapes(void)
{
    printf("[seed 001] Output shapes of the TensorFlow examples\n");
    struct tconv_params p = TCONV_PARAMS_INIT;
    bool ok = true;
    p.batch = 64, p.in_h = 7, p.in_w = 7, p.in_channels = 256, p.out_channels = 128, p.kernel_h = 3,
    p.kernel_w = 3, p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_SAME;
    ok &= shape_line("layers.conv2d_transpose([64,7,7,256], 128, 3, 2, SAME)", true, p, 14, 14);
    p.out_h = 14, p.out_w = 14;
    ok &= shape_line("nn.conv2d_transpose(..., output_shape=[64,14,14,128])", true, p, 14, 14);
    p = (struct tconv_params)TCONV_PARAMS_INIT;
    p.batch = 64, p.in_h = 14, p.in_w = 14, p.in_channels = 128, p.out_channels = 256, p.kernel_h = 3,
    p.kernel_w = 3, p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_SAME;
    ok &= shape_line("nn.conv2d([64,14,14,128], [3,3,128,256], 2, SAME)", false, p, 7, 7);
    p.stride_h = p.stride_w = 3, p.padding = TCONV_PADDING_VALID;
    ok &= shape_line("nn.conv2d([64,14,14,128], [3,3,128,256], 3, VALID)", false, p, 4, 4);
    p = (struct tconv_params)TCONV_PARAMS_INIT;
    p.batch = 64, p.in_h = 4, p.in_w = 4, p.in_channels = 256, p.out_channels = 128, p.kernel_h = 3,
    p.kernel_w = 3, p.stride_h = 3, p.stride_w = 3, p.padding = TCONV_PADDING_VALID;
    ok &= shape_line("layers.conv2d_transpose([64,4,4,256], 128, 3, 3, VALID)", true, p, 12, 12);
    p.out_h = 14, p.out_w = 14;
    ok &= shape_line("nn.conv2d_transpose(..., output_shape=[64,14,14,128])", true, p, 14, 14);
    verdict(ok, "Keras infers the smallest VALID size (12); TF's output_shape may ask for any of [12, 14]");
}

static void print_grid(const char *title, const float *a, int h, int w, const float *ref)
{
    printf("  %s\n", title);
    for (int i = 0; i < h; i++) {
        printf("   ");
        for (int j = 0; j < w; j++) printf(" %7g", a[i * w + j]);
        if (ref) {
            printf("   |");
            for (int j = 0; j < w; j++) printf(" %7g", ref[i * w + j]);
        }
        printf("\n");
    }
}

static void demo_seed002(void)
{
    printf("[seed 002] conv2d_transpose(ones[3,4,4,2], ones[3,3,4,2], [3,8,8,4], strides 2, SAME)\n");
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = 3, p.in_h = 4, p.in_w = 4, p.in_channels = 2, p.out_channels = 4, p.kernel_h = 3, p.kernel_w = 3,
    p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_SAME, p.out_h = 8, p.out_w = 8;
    float x[3 * 4 * 4 * 2], f[3 * 3 * 4 * 2], y[3 * 8 * 8 * 4], ch0[64];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = 1.0f;
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) f[i] = 1.0f;
    if (tconv_conv2d_transpose(&p, x, f, NULL, y) != TCONV_OK) {
        fprintf(stderr, "tconv demo: %s\n", tconv_last_error());
        demo_failures++;
        return;
    }
    bool ok = true;
    for (int i = 0; i < 64; i++) {
        ch0[i] = y[i * 4];
        ok = ok && ch0[i] == seed002_out[i / 8][i % 8];
    }
    print_grid("y[0, :, :, 0] from tconv                                                  | seed 002 printed", ch0,
               8, 8, &seed002_out[0][0]);
    printf("  SAME, k=3, s=2, out=8: full result 9, total crop 1 -> 0 at the top/left, 1 at the bottom/right.\n");
    printf("  The 2-4-8 checkerboard is the overlap count: 3 is not divisible by 2 (Odena et al. 2016).\n");
    verdict(ok, "all 64 values exactly");
}

static void demo_seed003(void)
{
    printf("[seed 003] Why is the first element 67? conv2d_transpose(x, f, (1,5,5,1), strides 2, VALID)\n");
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = 1, p.in_h = 2, p.in_w = 2, p.in_channels = 1, p.out_channels = 1, p.kernel_h = 3, p.kernel_w = 3,
    p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_VALID, p.out_h = 5, p.out_w = 5;
    float y[25];
    if (tconv_conv2d_transpose(&p, &seed003_x[0][0], &seed003_filter[0][0], NULL, y) != TCONV_OK) {
        fprintf(stderr, "tconv demo: %s\n", tconv_last_error());
        demo_failures++;
        return;
    }
    bool ok = memcmp(y, seed003_out, sizeof y) == 0;
    print_grid("tconv                                     | seed 003 printed", y, 5, 5, &seed003_out[0][0]);
    printf("  y[0,0] = x[0,0] * f[0,0] = (-67) * (-1) = 67: each input pixel scatters the whole kernel,\n");
    printf("  unflipped, at stride 2. Read as a convolution over the upsampled input it is the kernel\n");
    printf("  flipped, which is why it looks \"inversed\".\n");
    verdict(ok, "all 25 values exactly");
}

static void demo_seed004(void)
{
    printf("[seed 004] Keras gives (1,5,5,1); tf.nn.conv2d_transpose accepts (1,5,5,1) and (1,6,6,1)\n");
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = 1, p.in_h = 2, p.in_w = 2, p.in_channels = 1, p.out_channels = 1, p.kernel_h = 3, p.kernel_w = 3,
    p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_VALID;
    float f[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1}, y[49];
    struct tconv_geometry g;
    bool ok = tconv_conv2d_transpose_geometry(&p, &g) == TCONV_OK && g.out_h == 5;
    printf("  out_h = 0 (Keras: infer)  -> %lldx%lld; admissible: [%lld, %lld]\n", (long long)g.out_h,
           (long long)g.out_w, (long long)g.out_h_min, (long long)g.out_h_max);
    for (int o = 4; o <= 7; o++) {
        p.out_h = p.out_w = o;
        enum tconv_status st = tconv_conv2d_transpose(&p, seed004_x, f, NULL, y);
        bool want = o == 5 || o == 6;
        ok = ok && ((st == TCONV_OK) == want);
        if (st == TCONV_OK) {
            char title[64];
            snprintf(title, sizeof title, "output_shape (1,%d,%d,1): accepted", o, o);
            print_grid(title, y, o, o, NULL);
        } else {
            printf("  output_shape (1,%d,%d,1): rejected: %s\n", o, o, tconv_last_error());
        }
    }
    verdict(ok, "5x5 and 6x6 accepted (the 6th row/column receives no input), 4x4 and 7x7 rejected");
}

static int cmd_demo(void)
{
    printf("tconv %s demo: the numbers printed in the seed documents, recomputed by libtconv\n\n", tconv_version());
    demo_seed000_001();
    demo_seed001_shapes();
    demo_seed002();
    demo_seed003();
    demo_seed004();
    if (demo_failures) {
        fprintf(stderr, "tconv demo: %d block(s) differ from the seeds\n", demo_failures);
        return 1;
    }
    printf("All seed blocks agree.\n");
    return 0;
}

/* ------------------------------------------------------------------ shape */

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tconv: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'tconv --help')\n");
    va_end(ap);
    return 2;
}

/* Parse up to max integers from "1,2,3" / "[1, 2]" / "[[0,0],[1,2]]"; returns the count or -1. */
static int parse_ints(const char *s, long long *v, int max)
{
    int n = 0;
    while (*s) {
        if (isdigit((unsigned char)*s) || *s == '-') {
            char *end;
            errno = 0;
            long long x = strtoll(s, &end, 10);
            if (end == s || errno) return -1;
            if (n == max) return -1;
            v[n++] = x;
            s = end;
        } else if (*s == ',' || *s == '[' || *s == ']' || *s == ' ' || *s == '(' || *s == ')') {
            s++;
        } else {
            return -1;
        }
    }
    return n;
}

/* "2" -> (2,2); "2,3" -> (2,3); TF's 4-element [1,2,3,1] -> (2,3). */
static bool parse_pair(const char *s, int64_t *h, int64_t *w)
{
    long long v[4];
    int n = parse_ints(s, v, 4);
    if (n == 1) *h = *w = v[0];
    else if (n == 2) *h = v[0], *w = v[1];
    else if (n == 4) *h = v[1], *w = v[2];
    else return false;
    return true;
}

static void print_spellings(const struct tconv_params *p, const struct tconv_geometry *g, bool tr)
{
    const int64_t kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
    const char *pad = p->padding == TCONV_PADDING_SAME ? "SAME" : p->padding == TCONV_PADDING_VALID ? "VALID" : NULL;
    printf("spellings of this configuration:\n");
    if (!tr) {
        if (pad)
            printf("  TensorFlow  tf.nn.conv2d(x, w, strides=[1,%lld,%lld,1], padding='%s')\n", (long long)sh,
                   (long long)sw, pad);
        else
            printf("  TensorFlow  tf.nn.conv2d(x, w, strides=[1,%lld,%lld,1], padding=[[0,0],[%lld,%lld],[%lld,%lld],[0,0]])\n",
                   (long long)sh, (long long)sw, (long long)g->pad_top, (long long)g->pad_bottom,
                   (long long)g->pad_left, (long long)g->pad_right);
        if (g->pad_top == g->pad_bottom && g->pad_left == g->pad_right)
            printf("  PyTorch     nn.Conv2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(%lld,%lld), "
                   "dilation=(%lld,%lld), groups=%lld)\n",
                   (long long)p->in_channels, (long long)p->out_channels, (long long)kh, (long long)kw,
                   (long long)sh, (long long)sw, (long long)g->pad_top, (long long)g->pad_left,
                   (long long)p->dilation_h, (long long)p->dilation_w, (long long)p->groups);
        else
            printf("  PyTorch     F.pad(x, (%lld, %lld, %lld, %lld)) then nn.Conv2d(..., padding=0): "
                   "asymmetric padding has no Conv2d argument\n",
                   (long long)g->pad_left, (long long)g->pad_right, (long long)g->pad_top,
                   (long long)g->pad_bottom);
        printf("  ONNX        Conv pads=[%lld,%lld,%lld,%lld] strides=[%lld,%lld]%s\n", (long long)g->pad_top,
               (long long)g->pad_left, (long long)g->pad_bottom, (long long)g->pad_right, (long long)sh,
               (long long)sw, p->padding == TCONV_PADDING_SAME ? " (or auto_pad=SAME_UPPER)" : "");
        return;
    }
    /* transposed: TensorFlow takes output_shape; SAME/VALID crop by its own rule, explicit paddings
       [pt, pb] admit out in [F - pt - pb, F - pt - pb + s - 1] */
    const int64_t keh = p->dilation_h * (kh - 1) + 1, kew = p->dilation_w * (kw - 1) + 1;
    const int64_t fh = (p->in_h - 1) * sh + keh, fw = (p->in_w - 1) * sw + kew;
    if (pad)
        printf("  TensorFlow  tf.nn.conv2d_transpose(x, w, output_shape=[%lld,%lld,%lld,%lld], strides=[1,%lld,%lld,1], "
               "padding='%s')\n",
               (long long)p->batch, (long long)g->out_h, (long long)g->out_w, (long long)p->out_channels,
               (long long)sh, (long long)sw, pad);
    else if (g->pad_bottom > -sh && g->pad_right > -sw)
        printf("  TensorFlow  tf.nn.conv2d_transpose(x, w, output_shape=[%lld,%lld,%lld,%lld], strides=[1,%lld,%lld,1], "
               "padding=[[0,0],[%lld,%lld],[%lld,%lld],[0,0]])\n",
               (long long)p->batch, (long long)g->out_h, (long long)g->out_w, (long long)p->out_channels,
               (long long)sh, (long long)sw, (long long)g->pad_top,
               (long long)(g->pad_bottom > 0 ? g->pad_bottom : 0), (long long)g->pad_left,
               (long long)(g->pad_right > 0 ? g->pad_right : 0));
    else
        printf("  TensorFlow  not expressible: the output extends %lld/%lld past the full result, more than stride-1\n",
               (long long)-g->pad_bottom, (long long)-g->pad_right);
    /* Keras runs TF's op with padding 'same'/'valid' and an output size from deconv_output_length:
       default in*s (same) or in*s + max(ke-s, 0) (valid); with output_padding op < s:
       (in-1)*s + ke - 2*pad + op, pad = ke//2 (same) or 0 (valid) */
    if (pad) {
        const bool same = p->padding == TCONV_PADDING_SAME;
        const int64_t dh = same ? p->in_h * sh : p->in_h * sh + (keh > sh ? keh - sh : 0);
        const int64_t dw = same ? p->in_w * sw : p->in_w * sw + (kew > sw ? kew - sw : 0);
        const int64_t oph = g->out_h - (fh - (same ? 2 * (keh / 2) : 0));
        const int64_t opw = g->out_w - (fw - (same ? 2 * (kew / 2) : 0));
        if (dh == g->out_h && dw == g->out_w)
            printf("  Keras       Conv2DTranspose(%lld, (%lld,%lld), strides=(%lld,%lld), padding='%s')\n",
                   (long long)p->out_channels, (long long)kh, (long long)kw, (long long)sh, (long long)sw,
                   same ? "same" : "valid");
        else if (oph >= 0 && oph < sh && opw >= 0 && opw < sw)
            printf("  Keras       Conv2DTranspose(%lld, (%lld,%lld), strides=(%lld,%lld), padding='%s', "
                   "output_padding=(%lld,%lld))\n",
                   (long long)p->out_channels, (long long)kh, (long long)kw, (long long)sh, (long long)sw,
                   same ? "same" : "valid", (long long)oph, (long long)opw);
        else
            printf("  Keras       not expressible: no output_padding < stride gives this output size\n");
    } else {
        printf("  Keras       not expressible: Keras pads 'same' or 'valid' only\n");
    }
    /* PyTorch: crop p at the start, p - output_padding at the end, 0 <= op < max(s, d) */
    const int64_t oph = g->pad_top - g->pad_bottom, opw = g->pad_left - g->pad_right;
    const int64_t limh = sh > p->dilation_h ? sh : p->dilation_h, limw = sw > p->dilation_w ? sw : p->dilation_w;
    if (oph >= 0 && oph < limh && opw >= 0 && opw < limw)
        printf("  PyTorch     nn.ConvTranspose2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(%lld,%lld), "
               "output_padding=(%lld,%lld), dilation=(%lld,%lld), groups=%lld)\n",
               (long long)p->in_channels, (long long)p->out_channels, (long long)kh, (long long)kw, (long long)sh,
               (long long)sw, (long long)g->pad_top, (long long)g->pad_left, (long long)oph, (long long)opw,
               (long long)p->dilation_h, (long long)p->dilation_w, (long long)p->groups);
    else
        printf("  PyTorch     not expressible directly: the crop is %lld/%lld (top/bottom), %lld/%lld (left/right) "
               "and PyTorch crops at least as much at the start; use padding=(%lld,%lld) and slice off the extra "
               "trailing rows/columns\n",
               (long long)g->pad_top, (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right,
               (long long)g->pad_top, (long long)g->pad_left);
    /* ONNX: pads end must be >= 0; a negative end crop becomes output_padding */
    const int64_t eh = g->pad_bottom > 0 ? g->pad_bottom : 0, ew = g->pad_right > 0 ? g->pad_right : 0;
    printf("  ONNX        ConvTranspose pads=[%lld,%lld,%lld,%lld] output_padding=[%lld,%lld] strides=[%lld,%lld] "
           "(or output_shape=[%lld,%lld])\n",
           (long long)g->pad_top, (long long)g->pad_left, (long long)eh, (long long)ew, (long long)(eh - g->pad_bottom),
           (long long)(ew - g->pad_right), (long long)sh, (long long)sw, (long long)g->out_h, (long long)g->out_w);
}

static const char shape_help[] =
    "usage: tconv shape conv2d|conv2d_transpose --input-shape N,H,W,C --kernel-size KH,KW\n"
    "                   [--filters C_OUT] [--strides S|SH,SW] [--dilations D|DH,DW] [--groups G]\n"
    "                   [--padding SAME|VALID|SAME_LOWER|[[t,b],[l,r]]] [--output-shape N,H,W,C]\n"
    "                   [--output-padding H,W] [--layout NHWC|NCHW]\n"
    "Prints the output size, every admissible output size (transposed), the padding split and how\n"
    "TensorFlow, Keras, PyTorch and ONNX spell the same configuration. Spellings follow TensorFlow:\n"
    "--input-shape and --output-shape are in --layout order (default NHWC); --strides and --dilations\n"
    "take 1, 2 or TF's 4 values; --filters defaults to the input channels.\n";

static int cmd_shape(int argc, char **argv)
{
    if (argc < 1 || !strcmp(argv[0], "--help") || !strcmp(argv[0], "-h")) {
        fputs(shape_help, argc < 1 ? stderr : stdout);
        return argc < 1 ? 2 : 0;
    }
    bool tr;
    if (!strcmp(argv[0], "conv2d")) tr = false;
    else if (!strcmp(argv[0], "conv2d_transpose")) tr = true;
    else return usage_error("shape: unknown op '%s' (conv2d or conv2d_transpose)", argv[0]);

    struct tconv_params p = TCONV_PARAMS_INIT;
    long long in[4] = {0}, outs[4] = {0};
    bool have_in = false, have_k = false, have_out = false;
    int64_t filters = 0;
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            fputs(shape_help, stdout);
            return 0;
        }
        if (i + 1 >= argc) return usage_error("shape: option '%s' needs a value", o);
        const char *v = argv[++i];
        long long t[8];
        if (!strcmp(o, "--input-shape")) {
            if (parse_ints(v, in, 4) != 4) return usage_error("shape: --input-shape wants N,H,W,C, got '%s'", v);
            have_in = true;
        } else if (!strcmp(o, "--output-shape")) {
            int n = parse_ints(v, outs, 4);
            if (n != 4) return usage_error("shape: --output-shape wants N,H,W,C, got '%s'", v);
            have_out = true;
        } else if (!strcmp(o, "--kernel-size")) {
            if (!parse_pair(v, &p.kernel_h, &p.kernel_w)) return usage_error("shape: bad --kernel-size '%s'", v);
            have_k = true;
        } else if (!strcmp(o, "--strides")) {
            if (!parse_pair(v, &p.stride_h, &p.stride_w)) return usage_error("shape: bad --strides '%s'", v);
        } else if (!strcmp(o, "--dilations")) {
            if (!parse_pair(v, &p.dilation_h, &p.dilation_w)) return usage_error("shape: bad --dilations '%s'", v);
        } else if (!strcmp(o, "--output-padding")) {
            if (!parse_pair(v, &p.output_padding_h, &p.output_padding_w))
                return usage_error("shape: bad --output-padding '%s'", v);
        } else if (!strcmp(o, "--groups")) {
            if (parse_ints(v, t, 1) != 1) return usage_error("shape: bad --groups '%s'", v);
            p.groups = t[0];
        } else if (!strcmp(o, "--filters")) {
            if (parse_ints(v, t, 1) != 1) return usage_error("shape: bad --filters '%s'", v);
            filters = t[0];
        } else if (!strcmp(o, "--layout")) {
            if (!strcmp(v, "NHWC")) p.layout = TCONV_NHWC;
            else if (!strcmp(v, "NCHW")) p.layout = TCONV_NCHW;
            else return usage_error("shape: --layout is NHWC or NCHW, got '%s'", v);
        } else if (!strcmp(o, "--padding")) {
            if (!strcmp(v, "SAME") || !strcmp(v, "same")) p.padding = TCONV_PADDING_SAME;
            else if (!strcmp(v, "VALID") || !strcmp(v, "valid")) p.padding = TCONV_PADDING_VALID;
            else if (!strcmp(v, "SAME_LOWER")) p.padding = TCONV_PADDING_SAME_LOWER;
            else {
                int n = parse_ints(v, t, 8);
                p.padding = TCONV_PADDING_EXPLICIT;
                if (n == 4) p.pad_top = t[0], p.pad_bottom = t[1], p.pad_left = t[2], p.pad_right = t[3];
                else if (n == 8) p.pad_top = t[2], p.pad_bottom = t[3], p.pad_left = t[4], p.pad_right = t[5];
                else return usage_error("shape: --padding is SAME, VALID, SAME_LOWER or [[t,b],[l,r]], got '%s'", v);
            }
        } else {
            return usage_error("shape: unknown option '%s'", o);
        }
    }
    if (!have_in || !have_k) return usage_error("shape: %s", "--input-shape and --kernel-size are required");
    const bool nchw = p.layout == TCONV_NCHW;
    p.batch = in[0], p.in_h = nchw ? in[2] : in[1], p.in_w = nchw ? in[3] : in[2], p.in_channels = nchw ? in[1] : in[3];
    p.out_channels = filters ? filters : p.in_channels;
    if (have_out) {
        const long long oc = nchw ? outs[1] : outs[3];
        if (outs[0] != p.batch) {
            fprintf(stderr, "tconv: shape: --output-shape batch %lld differs from the input batch %lld\n", outs[0],
                    (long long)p.batch);
            return 1;
        }
        if (filters && oc != filters) {
            fprintf(stderr, "tconv: shape: --output-shape channels %lld differ from --filters %lld\n", oc,
                    (long long)filters);
            return 1;
        }
        p.out_channels = oc;
        p.out_h = nchw ? outs[2] : outs[1], p.out_w = nchw ? outs[3] : outs[2];
    }
    struct tconv_geometry g;
    enum tconv_status st = tr ? tconv_conv2d_transpose_geometry(&p, &g) : tconv_conv2d_geometry(&p, &g);
    if (st != TCONV_OK) {
        fprintf(stderr, "tconv: %s\n", tconv_last_error());
        return 1;
    }
    const char *modes[4] = {"VALID", "SAME", "SAME_LOWER", "EXPLICIT"};
    printf("%s: x [%lld,%lld,%lld,%lld] -> y [%lld,%lld,%lld,%lld] (%s)\n", tr ? "conv2d_transpose" : "conv2d",
           in[0], in[1], in[2], in[3], (long long)p.batch, (long long)(nchw ? p.out_channels : g.out_h),
           (long long)(nchw ? g.out_h : g.out_w), (long long)(nchw ? g.out_w : p.out_channels),
           nchw ? "NCHW" : "NHWC");
    printf("kernel %lldx%lld, strides %lldx%lld, dilations %lldx%lld, groups %lld, padding %s\n",
           (long long)p.kernel_h, (long long)p.kernel_w, (long long)p.stride_h, (long long)p.stride_w,
           (long long)p.dilation_h, (long long)p.dilation_w, (long long)p.groups, modes[p.padding]);
    if (tr) {
        const int64_t fh = (p.in_h - 1) * p.stride_h + p.dilation_h * (p.kernel_h - 1) + 1;
        const int64_t fw = (p.in_w - 1) * p.stride_w + p.dilation_w * (p.kernel_w - 1) + 1;
        printf("full result (in-1)*stride + dilation*(kernel-1) + 1: %lld x %lld\n", (long long)fh, (long long)fw);
        printf("admissible output sizes: height %lld..%lld, width %lld..%lld%s\n", (long long)g.out_h_min,
               (long long)g.out_h_max, (long long)g.out_w_min, (long long)g.out_w_max,
               have_out ? "" : " (no --output-shape: the Keras default is used)");
        printf("crop of the full result: top %lld, bottom %lld, left %lld, right %lld%s\n", (long long)g.pad_top,
               (long long)g.pad_bottom, (long long)g.pad_left, (long long)g.pad_right,
               (g.pad_bottom < 0 || g.pad_right < 0) ? " (negative: trailing outputs get no input, bias only)" : "");
    } else {
        printf("padding of x: top %lld, bottom %lld, left %lld, right %lld\n", (long long)g.pad_top,
               (long long)g.pad_bottom, (long long)g.pad_left, (long long)g.pad_right);
    }
    print_spellings(&p, &g, tr);
    return 0;
}

/* ------------------------------------------------------------------ main */

static const char help[] =
    "usage: tconv <command> [options]\n"
    "commands:\n"
    "  demo      recompute the numbers printed in the seed documents and show them side by side\n"
    "  shape     output size, admissible output sizes, padding split and TF/Keras/PyTorch/ONNX spellings\n"
    "            (tconv shape --help)\n"
    "  --version print the library version\n"
    "  --help    this text\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help, stderr);
        return 2;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        fputs(help, stdout);
        return 0;
    }
    if (!strcmp(argv[1], "--version")) {
        printf("tconv %s\n", tconv_version());
        return 0;
    }
    if (!strcmp(argv[1], "demo")) {
        if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            printf("usage: tconv demo\nRecomputes every number the seed documents print; exit status 1 if any differ.\n");
            return 0;
        }
        if (argc > 2) return usage_error("demo: unexpected argument '%s'", argv[2]);
        return cmd_demo();
    }
    if (!strcmp(argv[1], "shape")) return cmd_shape(argc - 2, argv + 2);
    return usage_error("unknown command '%s'", argv[1]);
}
