/*
 * demo.c - `tconv demo`: every number the seed documents print, recomputed by libtconv and shown
 * side by side with the seed's (data/seed_data.h); exit status 1 if any block differs.
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "seed_data.h"
#include "tconv.h"

static const struct option demo_long[] = {{"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};

static const char demo_help[] = "usage: tconv demo\n"
                                "Recomputes every number the seed documents print, side by side with them;\n"
                                "exit status 1 if any differ.\n";

static int demo_own(void *ctx, int id, const char *arg)
{
    (void)ctx;
    (void)id;
    (void)arg;
    return CLI_USAGE; /* the table has no options of its own */
}

static const struct cli_command demo_command = {"demo", "", demo_long, demo_help, demo_own};

/* One printed number against tconv's: rtol covers the 8 printed digits and the read-back kernel. */
static bool agree(double got, double want, double rtol, double atol)
{
    return fabs(got - want) <= atol + rtol * fabs(want);
}

/* "=> AGREE" or "=> DIFFER" under a block; true when it agrees. */
static bool verdict(bool ok, const char *what)
{
    printf("  => %s: %s\n\n", ok ? "AGREE" : "DIFFER", what);
    return ok;
}

static bool failed(void)
{
    fprintf(stderr, "tconv demo: %s\n", tconv_last_error());
    return false;
}

/* A square NHWC layer with TensorFlow's filter layout. */
static struct tconv_params layer(int64_t batch, int64_t in, int64_t cin, int64_t cout, int64_t k, int64_t s,
                                 enum tconv_padding padding)
{
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = batch;
    p.in_h = in;
    p.in_w = in;
    p.in_channels = cin;
    p.out_channels = cout;
    p.kernel_h = k;
    p.kernel_w = k;
    p.stride_h = s;
    p.stride_w = s;
    p.padding = padding;
    return p;
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

/* Seed 000: a dense layer is a 1x1 convolution; conv_out receives it for seed 001. */
static bool demo_seed000(float conv_out[32])
{
    struct tconv_params p = layer(1, 4, 1, 2, 1, 1, TCONV_PADDING_VALID);
    float x[16];
    for (int i = 0; i < 16; i++) x[i] = (float)seed000_x[i];
    printf("[seed 000] A dense layer is a 1x1 convolution\n");
    printf("  x = np.random.rand(1, 4, 4, 1) with np.random.seed(1); kernel [1,1,1,2] = [%.7f, %.7f]\n",
           seed000_kernel[0], seed000_kernel[1]);
    printf("  (the kernel is read back from the seed's printed output: dense[0] / x[0])\n");
    if (tconv_conv2d(&p, x, seed000_kernel, NULL, conv_out) != TCONV_OK) return failed();
    printf("  pixel   tconv_conv2d 1x1 (2 channels)      seed 000 printed (dense == conv)\n");
    bool ok = true;
    for (int i = 0; i < SEED000_PIXELS; i++) {
        const bool a = agree(conv_out[2 * i], seed000_dense[i][0], 5e-7, 1e-12) &&
                       agree(conv_out[2 * i + 1], seed000_dense[i][1], 5e-7, 1e-12);
        ok = ok && a;
        printf("  (%d,%d)   %15.7e %15.7e    %15.7e %15.7e  %s\n", i / 4, i % 4, conv_out[2 * i], conv_out[2 * i + 1],
               seed000_dense[i][0], seed000_dense[i][1], a ? "" : "<- differs");
    }
    return verdict(ok, "9 printed pixels (the seed is cut off after them), relative tolerance 5e-7");
}

/* Seed 001: ... and its transpose is a 1x1 transposed convolution. */
static bool demo_seed001(const float conv_out[32])
{
    struct tconv_params t = layer(1, 4, 2, 1, 1, 1, TCONV_PADDING_VALID);
    float back[16];
    printf("[seed 001] ... and its transpose is a 1x1 transposed convolution\n");
    printf("  conv2d_transpose(conv_out, 1, (1,1), (1,1)): HWOI kernel [1,1,1,2], the same two values\n");
    if (tconv_conv2d_transpose(&t, conv_out, seed000_kernel, NULL, back) != TCONV_OK) return failed();
    printf("  pixel   tconv_conv2d_transpose    seed 001 printed\n");
    bool ok = true;
    for (int i = 0; i < 16; i++) {
        const bool a = agree(back[i], seed001_transpose[i], 1e-6, 1e-12);
        ok = ok && a;
        printf("  (%d,%d)   %15.7e           %15.7e  %s\n", i / 4, i % 4, back[i], seed001_transpose[i],
               a ? "" : "<- differs");
    }
    return verdict(ok, "16 pixels, relative tolerance 1e-6");
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

static bool demo_seed001_shapes(void)
{
    printf("[seed 001] Output shapes of the TensorFlow examples\n");
    struct tconv_params p = layer(64, 7, 256, 128, 3, 2, TCONV_PADDING_SAME);
    bool ok = shape_line("layers.conv2d_transpose([64,7,7,256], 128, 3, 2, SAME)", true, p, 14, 14);
    p.out_h = 14;
    p.out_w = 14;
    ok &= shape_line("nn.conv2d_transpose(..., output_shape=[64,14,14,128])", true, p, 14, 14);
    p = layer(64, 14, 128, 256, 3, 2, TCONV_PADDING_SAME);
    ok &= shape_line("nn.conv2d([64,14,14,128], [3,3,128,256], 2, SAME)", false, p, 7, 7);
    p = layer(64, 14, 128, 256, 3, 3, TCONV_PADDING_VALID);
    ok &= shape_line("nn.conv2d([64,14,14,128], [3,3,128,256], 3, VALID)", false, p, 4, 4);
    p = layer(64, 4, 256, 128, 3, 3, TCONV_PADDING_VALID);
    ok &= shape_line("layers.conv2d_transpose([64,4,4,256], 128, 3, 3, VALID)", true, p, 12, 12);
    p.out_h = 14;
    p.out_w = 14;
    ok &= shape_line("nn.conv2d_transpose(..., output_shape=[64,14,14,128])", true, p, 14, 14);
    return verdict(ok, "Keras infers the smallest VALID size (12); TF's output_shape may ask for any of [12, 14]");
}

static bool demo_seed002(void)
{
    printf("[seed 002] conv2d_transpose(ones[3,4,4,2], ones[3,3,4,2], [3,8,8,4], strides 2, SAME)\n");
    struct tconv_params p = layer(3, 4, 2, 4, 3, 2, TCONV_PADDING_SAME);
    p.out_h = 8;
    p.out_w = 8;
    float x[3 * 4 * 4 * 2], f[3 * 3 * 4 * 2], y[3 * 8 * 8 * 4], ch0[64];
    for (size_t i = 0; i < sizeof x / sizeof *x; i++) x[i] = 1.0f;
    for (size_t i = 0; i < sizeof f / sizeof *f; i++) f[i] = 1.0f;
    if (tconv_conv2d_transpose(&p, x, f, NULL, y) != TCONV_OK) return failed();
    bool ok = true;
    for (int i = 0; i < 64; i++) {
        ch0[i] = y[i * 4];
        ok = ok && ch0[i] == seed002_out[i / 8][i % 8];
    }
    print_grid("y[0, :, :, 0] from tconv                                                  | seed 002 printed", ch0, 8,
               8, &seed002_out[0][0]);
    printf("  SAME, k=3, s=2, out=8: full result 9, total crop 1 -> 0 at the top/left, 1 at the bottom/right.\n");
    printf("  The 2-4-8 checkerboard is the overlap count: 3 is not divisible by 2 (Odena et al. 2016).\n");
    return verdict(ok, "all 64 values exactly");
}

static bool demo_seed003(void)
{
    printf("[seed 003] Why is the first element 67? conv2d_transpose(x, f, (1,5,5,1), strides 2, VALID)\n");
    struct tconv_params p = layer(1, 2, 1, 1, 3, 2, TCONV_PADDING_VALID);
    p.out_h = 5;
    p.out_w = 5;
    float y[25];
    if (tconv_conv2d_transpose(&p, &seed003_x[0][0], &seed003_filter[0][0], NULL, y) != TCONV_OK) return failed();
    const bool ok = memcmp(y, seed003_out, sizeof y) == 0;
    print_grid("tconv                                     | seed 003 printed", y, 5, 5, &seed003_out[0][0]);
    printf("  y[0,0] = x[0,0] * f[0,0] = (-67) * (-1) = 67: each input pixel scatters the whole kernel,\n");
    printf("  unflipped, at stride 2. Read as a convolution over the upsampled input it is the kernel\n");
    printf("  flipped, which is why it looks \"inversed\".\n");
    return verdict(ok, "all 25 values exactly");
}

static bool demo_seed004(void)
{
    printf("[seed 004] Keras gives (1,5,5,1); tf.nn.conv2d_transpose accepts (1,5,5,1) and (1,6,6,1)\n");
    struct tconv_params p = layer(1, 2, 1, 1, 3, 2, TCONV_PADDING_VALID);
    const float f[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float y[49];
    struct tconv_geometry g;
    bool ok = tconv_conv2d_transpose_geometry(&p, &g) == TCONV_OK && g.out_h == 5;
    printf("  out_h = 0 (Keras: infer)  -> %lldx%lld; admissible: [%lld, %lld]\n", (long long)g.out_h,
           (long long)g.out_w, (long long)g.out_h_min, (long long)g.out_h_max);
    for (int o = 4; o <= 7; o++) {
        p.out_h = o;
        p.out_w = o;
        const enum tconv_status st = tconv_conv2d_transpose(&p, seed004_x, f, NULL, y);
        ok = ok && ((st == TCONV_OK) == (o == 5 || o == 6));
        if (st == TCONV_OK) {
            char title[64];
            snprintf(title, sizeof title, "output_shape (1,%d,%d,1): accepted", o, o);
            print_grid(title, y, o, o, NULL);
        } else {
            printf("  output_shape (1,%d,%d,1): rejected: %s\n", o, o, tconv_last_error());
        }
    }
    return verdict(ok, "5x5 and 6x6 accepted (the 6th row/column receives no input), 4x4 and 7x7 rejected");
}

int cmd_demo(int argc, char **argv)
{
    struct cli_opts unused;
    int first = 0;
    const int rc = cli_parse(&demo_command, argc, argv, &unused, NULL, &first);
    if (rc) return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    if (first < argc) return cli_usage("demo", "unexpected argument '%s'", argv[first]);
    printf("tconv %s demo: the numbers printed in the seed documents, recomputed by libtconv\n\n", tconv_version());
    float conv_out[32] = {0}; /* seed 001 transposes seed 000's result */
    int differ = 0;
    differ += !demo_seed000(conv_out);
    differ += !demo_seed001(conv_out);
    differ += !demo_seed001_shapes();
    differ += !demo_seed002();
    differ += !demo_seed003();
    differ += !demo_seed004();
    if (differ)
        return cli_fail("demo", "%d block%s differ%s from the seeds", differ, plural(differ), differ == 1 ? "s" : "");
    printf("All seed blocks agree.\n");
    return CLI_OK;
}
