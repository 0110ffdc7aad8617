/*
 * decoder.c - inference through a small upsampling decoder with tconv's plain calls, each layer checked
 * against the library's reference implementation.
 *
 *   z (4x4x8) --conv2d_transpose 4x4 s2 SAME, bias, ReLU--> h1 (8x8x8)
 *             --conv2d_transpose 4x4 s2 SAME, bias, ReLU--> h2 (16x16x4)
 *             --conv2d 3x3 s1 SAME, bias------------------> y  (16x16x1)
 *
 * One image, NHWC data, TensorFlow's default filter layouts (HWOI for the transposed convs, HWIO for the
 * conv). The latent vector and the weights come from a fixed-seed generator, so every run computes the
 * same numbers. Each layer is then recomputed by tconv's reference (plain loops, double accumulation)
 * from the same input: the two must agree within the rounding error a float32 sum of that many terms can
 * make. Prints a line per layer; exits 1 on a mismatch, 2 if a call fails. The test suite runs it.
 */
#include <float.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "tconv.h"

/* The latent input: a 4x4 grid of 8 channels (what an encoder would have produced). */
#define LATENT_SIDE     4
#define LATENT_CHANNELS 8
/* Any fixed seed: the point is that every run draws the same weights. */
#define SEED 2026u
/* Biases in [-0.1, 0.1): small next to the weighted sums, as trained biases usually are. */
#define BIAS_SCALE 0.1f

/* One layer of the decoder. */
struct layer {
    const char *op;   /* printed */
    bool transposed;  /* conv2d_transpose (upsamples) or conv2d */
    int64_t kernel;   /* square kernel */
    int64_t stride;   /* 2 doubles the size in a transposed conv */
    int64_t channels; /* output channels */
    bool relu;
};

/* Kernel 4 at stride 2 is a multiple of the stride: every output pixel receives the same number of taps,
   so the upsampling adds no checkerboard (tconv overlap shows it). */
static const struct layer decoder[] = {
    {"conv2d_transpose 4x4 s2 SAME + bias + ReLU", true, 4, 2, 8, true},
    {"conv2d_transpose 4x4 s2 SAME + bias + ReLU", true, 4, 2, 4, true},
    {"conv2d 3x3 s1 SAME + bias", false, 3, 1, 1, false},
};
#define LAYERS ((int)(sizeof decoder / sizeof *decoder))

/* A uniform number in [-1, 1) from a 32-bit linear congruential generator (Numerical Recipes' constants). */
static float uniform(uint32_t *state)
{
    *state = *state * 1664525u + 1013904223u;
    return (float)(*state >> 8) / 8388608.0f - 1.0f; /* 24 random bits over 2^23: [0, 2) */
}

static void fill(float *a, int64_t n, float scale, uint32_t *state)
{
    for (int64_t i = 0; i < n; i++) a[i] = scale * uniform(state);
}

static float *absolute(const float *a, int64_t n)
{
    float *r = malloc((size_t)n * sizeof *r);
    if (r)
        for (int64_t i = 0; i < n; i++) r[i] = fabsf(a[i]);
    return r;
}

/* How many products are summed into one output element: the rounding error of a float32 sum grows with it.
   A transposed conv's output pixel is reached by ceil(kernel / stride) taps per axis. */
static int64_t reduction_length(const struct layer *l, const struct tconv_params *p)
{
    const int64_t taps = l->transposed ? (l->kernel + l->stride - 1) / l->stride : l->kernel;
    return taps * taps * p->in_channels;
}

/* The parameters of layer l on an input of side x side x channels. */
static struct tconv_params layer_params(const struct layer *l, int64_t side, int64_t channels)
{
    /* Everything not set here keeps its default: NHWC, the default filter layout, groups 1, dilation 1, and
       out_h = out_w = 0, which lets tconv compute the output size (SAME: in * stride for a transposed conv). */
    struct tconv_params p;
    tconv_params_init(&p);
    p.batch = 1;
    p.in_h = side;
    p.in_w = side;
    p.in_channels = channels;
    p.out_channels = l->channels;
    p.kernel_h = l->kernel;
    p.kernel_w = l->kernel;
    p.stride_h = l->stride;
    p.stride_w = l->stride;
    p.padding = TCONV_PADDING_SAME;
    p.activation = l->relu ? TCONV_ACTIVATION_RELU : TCONV_ACTIVATION_NONE;
    return p;
}

/*
 * y (tconv's result) against the reference. A float32 sum of K products, in any order, is within
 * K * (FLT_EPSILON / 2) * sum|product| of the exact sum; the bias adds one rounding and the reference's
 * conversion to float another, so (K + 2) * FLT_EPSILON * sum|terms| bounds the difference with a factor
 * 2 to spare. sum|terms| is the reference run on |x|, |w| and |bias| (ReLU leaves those sums alone).
 * Returns 1 on a mismatch, 0 otherwise (2 if a call failed); *worst is the largest |difference| / tolerance.
 */
static int check(const struct layer *l, const struct tconv_params *p, const float *x, int64_t nx, const float *w,
                 int64_t nw, const float *b, const float *y, int64_t ny, double *worst)
{
    enum tconv_status (*reference)(const struct tconv_params *, const float *, const float *, const float *, float *) =
        l->transposed ? tconv_conv2d_transpose_reference : tconv_conv2d_reference;
    float *ref = malloc((size_t)ny * sizeof *ref), *mag = malloc((size_t)ny * sizeof *mag);
    float *ax = absolute(x, nx), *aw = absolute(w, nw), *ab = absolute(b, p->out_channels);
    int rc = 2;
    if (ref && mag && ax && aw && ab && reference(p, x, w, b, ref) == TCONV_OK &&
        reference(p, ax, aw, ab, mag) == TCONV_OK) {
        const double k = (double)reduction_length(l, p);
        rc = 0;
        *worst = 0;
        for (int64_t i = 0; i < ny; i++) {
            const double tol = (k + 2) * FLT_EPSILON * mag[i] + FLT_MIN; /* FLT_MIN: an all-zero sum */
            const double ratio = fabs((double)y[i] - ref[i]) / tol;
            *worst = ratio > *worst ? ratio : *worst;
            if (ratio > 1) rc = 1;
        }
    }
    if (rc == 2) fprintf(stderr, "decoder: %s\n", ref && mag && ax && aw && ab ? tconv_last_error() : "out of memory");
    free(ref);
    free(mag);
    free(ax);
    free(aw);
    free(ab);
    return rc;
}

/* One layer: draws its weights, runs it with the plain call into *y (allocated), checks it. 0, 1 or 2. */
static int run_layer(int i, const struct tconv_params *p, const float *x, uint32_t *state, float **y,
                     struct tconv_geometry *g)
{
    const struct layer *l = &decoder[i];
    /* The geometry call validates p and gives the output size before anything is allocated. */
    if ((l->transposed ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(p, g) != TCONV_OK) {
        fprintf(stderr, "decoder: %s\n", tconv_last_error());
        return 2;
    }
    const int64_t nx = p->in_h * p->in_w * p->in_channels, ny = g->out_h * g->out_w * p->out_channels;
    const int64_t nw = p->kernel_h * p->kernel_w * p->in_channels * p->out_channels; /* groups 1: every pair */
    float *w = malloc((size_t)nw * sizeof *w), *b = malloc((size_t)p->out_channels * sizeof *b);
    *y = malloc((size_t)ny * sizeof **y);
    int rc = 2;
    double worst = 0;
    if (!w || !b || !*y) {
        fprintf(stderr, "decoder: out of memory\n");
    } else {
        /* Weights of about 1/sqrt(K): a sum of K products then does not grow with K, layer after layer. */
        fill(w, nw, 1.0f / sqrtf((float)reduction_length(l, p)), state);
        fill(b, p->out_channels, BIAS_SCALE, state);
        /* The plain call: tconv allocates its scratch and picks the algorithm and the threads itself. */
        if ((l->transposed ? tconv_conv2d_transpose : tconv_conv2d)(p, x, w, b, *y) != TCONV_OK)
            fprintf(stderr, "decoder: %s\n", tconv_last_error());
        else
            rc = check(l, p, x, nx, w, nw, b, *y, ny, &worst);
    }
    if (rc != 2) {
        char shape[64];
        snprintf(shape, sizeof shape, "1x%lldx%lldx%lld", (long long)g->out_h, (long long)g->out_w,
                 (long long)p->out_channels);
        printf("layer %d  %-44s -> %-10s  |tconv - reference| <= %.3f x tolerance%s\n", i + 1, l->op, shape, worst,
               rc ? "  MISMATCH" : "");
    }
    free(w);
    free(b);
    return rc;
}

int main(void)
{
    uint32_t state = SEED;
    int64_t side = LATENT_SIDE, channels = LATENT_CHANNELS;
    float *x = malloc((size_t)(side * side * channels) * sizeof *x);
    if (!x) return 2;
    fill(x, side * side * channels, 1.0f, &state);
    printf("decoder: latent 1x%lldx%lldx%lld (NHWC), seed %u\n", (long long)side, (long long)side, (long long)channels,
           SEED);

    int status = 0;
    for (int i = 0; i < LAYERS && status != 2; i++) {
        const struct tconv_params p = layer_params(&decoder[i], side, channels);
        struct tconv_geometry g = {0};
        float *y = NULL;
        const int rc = run_layer(i, &p, x, &state, &y, &g);
        status = rc > status ? rc : status;
        free(x);
        x = y; /* this layer's output is the next layer's input */
        side = g.out_h;
        channels = p.out_channels;
    }

    if (status == 0) {
        const int64_t n = side * side * channels;
        double lo = INFINITY, hi = -INFINITY, sum = 0;
        for (int64_t i = 0; i < n; i++) {
            lo = fmin(lo, x[i]);
            hi = fmax(hi, x[i]);
            sum += x[i];
        }
        printf("decoded 1x%lldx%lldx%lld: min %.4f, max %.4f, mean %.4f; every layer agrees with the reference\n",
               (long long)side, (long long)side, (long long)channels, lo, hi, sum / (double)n);
    } else if (status == 1) {
        fprintf(stderr, "decoder: tconv and the reference disagree beyond the rounding tolerance\n");
    }
    free(x);
    return status;
}
