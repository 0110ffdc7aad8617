/*
 * tconv - command-line front end of libtconv.
 *
 *   tconv demo     the seed documents' printed numbers recomputed by tconv, side by side
 *   tconv shape    output size, admissible sizes, padding split and the TF/Keras/PyTorch/ONNX spellings
 *   tconv run      either op or a gradient on NumPy .npy files
 *   tconv overlap  the checkerboard of a transposed conv, counted, judged and drawn
 * (shape, run and overlap live in commands.c.)
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

#include "cli.h"
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
        printf("  (%d,%d)   %15.7e %15.7e    %15.7e %15.7e  %s\n", i / 4, i % 4, conv_out[2 * i], conv_out[2 * i + 1],
               seed000_dense[i][0], seed000_dense[i][1], a ? "" : "<- differs");
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
               (long long)g.out_h, (long long)g.out_w, (long long)p.out_channels, (long long)p.batch, want_h, want_w,
               (long long)p.out_channels, ok ? "" : "  <- differs");
    return ok;
}

static void demo_seed001_shapes(void)
{
    printf("[seed 001] Output shapes of the TensorFlow examples\n");
    struct tconv_params p = TCONV_PARAMS_INIT;
    bool ok = true;
    p.batch = 64, p.in_h = 7, p.in_w = 7, p.in_channels = 256, p.out_channels = 128, p.kernel_h = 3, p.kernel_w = 3,
    p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_SAME;
    ok &= shape_line("layers.conv2d_transpose([64,7,7,256], 128, 3, 2, SAME)", true, p, 14, 14);
    p.out_h = 14, p.out_w = 14;
    ok &= shape_line("nn.conv2d_transpose(..., output_shape=[64,14,14,128])", true, p, 14, 14);
    p = (struct tconv_params)TCONV_PARAMS_INIT;
    p.batch = 64, p.in_h = 14, p.in_w = 14, p.in_channels = 128, p.out_channels = 256, p.kernel_h = 3, p.kernel_w = 3,
    p.stride_h = 2, p.stride_w = 2, p.padding = TCONV_PADDING_SAME;
    ok &= shape_line("nn.conv2d([64,14,14,128], [3,3,128,256], 2, SAME)", false, p, 7, 7);
    p.stride_h = p.stride_w = 3, p.padding = TCONV_PADDING_VALID;
    ok &= shape_line("nn.conv2d([64,14,14,128], [3,3,128,256], 3, VALID)", false, p, 4, 4);
    p = (struct tconv_params)TCONV_PARAMS_INIT;
    p.batch = 64, p.in_h = 4, p.in_w = 4, p.in_channels = 256, p.out_channels = 128, p.kernel_h = 3, p.kernel_w = 3,
    p.stride_h = 3, p.stride_w = 3, p.padding = TCONV_PADDING_VALID;
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
    print_grid("y[0, :, :, 0] from tconv                                                  | seed 002 printed", ch0, 8,
               8, &seed002_out[0][0]);
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

int cmd_demo(void)
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

/* ------------------------------------------------------------------ main */

static const char help[] =
    "usage: tconv <command> [options]     (tconv <command> --help for each)\n"
    "commands:\n"
    "  demo      recompute the numbers printed in the seed documents and show them side by side\n"
    "  shape     output size, admissible output sizes, padding split and TF/Keras/PyTorch/ONNX spellings;\n"
    "            --explain OY,OX: which input pixels and taps feed an output pixel\n"
    "  run       conv2d, conv2d_transpose or one of their gradients on NumPy .npy files\n"
    "  overlap   how many (input pixel, tap) pairs land on each output pixel of a transposed conv:\n"
    "            the checkerboard, a verdict, why, and --png to draw it\n"
    "  --version print the library version\n"
    "  --help    this text\n"
    "Errors go to stderr; the exit status is 0 on success, 1 when a call or a file fails, 2 on usage errors.\n";

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
            printf("usage: tconv demo\nRecomputes every number the seed documents print, side by side with them;\n"
                   "exit status 1 if any differ.\n");
            return 0;
        }
        if (argc > 2) return usage_error("demo: unexpected argument '%s'", argv[2]);
        return cmd_demo();
    }
    if (!strcmp(argv[1], "shape")) return cmd_shape(argc - 1, argv + 1);
    if (!strcmp(argv[1], "run")) return cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "overlap")) return cmd_overlap(argc - 1, argv + 1);
    return usage_error("unknown command '%s'", argv[1]);
}
