/*
 * upsampler.c - a tiny fully-convolutional upsampler trained with tconv's gradients and plain SGD.
 *
 *   x (16x16x1) --conv2d 3x3 s2 SAME, 8 ch, bias, ReLU--> h (8x8x8) --conv2d_transpose 4x4 s2 p1, bias--> y (16x16x1)
 *
 * The task: reproduce the input, a blurred random image, through the stride-2 bottleneck
 * (loss = mean((y - x)^2)). The blur is tconv_conv2d itself with a box kernel. Prints the loss
 * and exits 0 only if it dropped at least 10x; the test suite runs it.
 *
 *   usage: upsampler [steps]   (default 400)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tconv.h"

#define N 8  /* images per batch */
#define S 16 /* image size */
#define C 8  /* bottleneck channels */

static float uniform(unsigned long long *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return (float)((*s >> 40) & 0xffffff) / 16777216.0f * 2.0f - 1.0f;
}

#define CHECK(call)                                                                                                    \
    do {                                                                                                               \
        if ((call) != TCONV_OK) {                                                                                      \
            fprintf(stderr, "upsampler: %s\n", tconv_last_error());                                                    \
            exit(2);                                                                                                   \
        }                                                                                                              \
    } while (0)

int main(int argc, char **argv)
{
    const int steps = argc > 1 ? atoi(argv[1]) : 400;
    const float lr = 0.5f; /* 1.0 diverges on this problem */
    unsigned long long seed = 42;

    /* data: noise blurred twice with a 3x3 box, by tconv_conv2d (HWIO [3][3][1][1]) */
    static float noise[N * S * S], tmp[N * S * S], x[N * S * S];
    const float box[9] = {1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9, 1.f / 9};
    struct tconv_params blur = TCONV_PARAMS_INIT;
    blur.batch = N;
    blur.in_h = S;
    blur.in_w = S;
    blur.in_channels = 1;
    blur.out_channels = 1;
    blur.kernel_h = blur.kernel_w = 3;
    blur.padding = TCONV_PADDING_SAME;
    for (int i = 0; i < N * S * S; i++) noise[i] = uniform(&seed);
    CHECK(tconv_conv2d(&blur, noise, box, NULL, tmp));
    CHECK(tconv_conv2d(&blur, tmp, box, NULL, x));

    /* layer 1: conv2d 3x3 s2 SAME, 1 -> C, ReLU fused in the forward pass */
    struct tconv_params p1 = TCONV_PARAMS_INIT;
    p1.batch = N;
    p1.in_h = S;
    p1.in_w = S;
    p1.in_channels = 1;
    p1.out_channels = C;
    p1.kernel_h = p1.kernel_w = 3;
    p1.stride_h = p1.stride_w = 2;
    p1.padding = TCONV_PADDING_SAME;
    struct tconv_params p1_relu = p1;
    p1_relu.activation = TCONV_ACTIVATION_RELU;
    /* layer 2: conv2d_transpose 4x4 s2, padding 1 (PyTorch's / DCGAN's upsampling), C -> 1 */
    struct tconv_params p2 = TCONV_PARAMS_INIT;
    p2.batch = N;
    p2.in_h = S / 2;
    p2.in_w = S / 2;
    p2.in_channels = C;
    p2.out_channels = 1;
    p2.kernel_h = p2.kernel_w = 4;
    p2.stride_h = p2.stride_w = 2;
    p2.padding = TCONV_PADDING_EXPLICIT;
    p2.pad_top = p2.pad_bottom = p2.pad_left = p2.pad_right = 1;

    static float w1[9 * C], b1[C], w2[16 * C], b2[1], h[N * 8 * 8 * C], y[N * S * S];
    static float dy[N * S * S], dh[N * 8 * 8 * C], dw1[9 * C], db1[C], dw2[16 * C], db2[1];
    for (int i = 0; i < 9 * C; i++) w1[i] = uniform(&seed) * sqrtf(2.0f / 9.0f); /* He-style scale */
    for (int i = 0; i < 16 * C; i++) w2[i] = uniform(&seed) * sqrtf(1.0f / (4.0f * C));
    memset(b1, 0, sizeof b1);
    memset(b2, 0, sizeof b2);

    double first = 0, last = 0;
    for (int step = 0; step <= steps; step++) {
        /* forward */
        CHECK(tconv_conv2d(&p1_relu, x, w1, b1, h));
        CHECK(tconv_conv2d_transpose(&p2, h, w2, b2, y));
        double loss = 0;
        for (int i = 0; i < N * S * S; i++) {
            const float e = y[i] - x[i];
            loss += (double)e * e;
            dy[i] = 2.0f * e / (N * S * S);
        }
        loss /= N * S * S;
        if (step == 0) first = loss;
        last = loss;
        if (step % 50 == 0) printf("step %4d  loss %.6f\n", step, loss);
        if (step == steps) break;
        /* backward: y = T(h) + b2, h = relu(conv(x) + b1) */
        CHECK(tconv_conv2d_transpose_backward_bias(&p2, dy, db2));
        CHECK(tconv_conv2d_transpose_backward_filter(&p2, h, dy, dw2));
        CHECK(tconv_conv2d_transpose_backward_data(&p2, dy, w2, dh));
        for (int i = 0; i < N * 8 * 8 * C; i++) dh[i] = h[i] > 0.0f ? dh[i] : 0.0f; /* ReLU' */
        CHECK(tconv_conv2d_backward_bias(&p1, dh, db1));
        CHECK(tconv_conv2d_backward_filter(&p1, x, dh, dw1));
        /* plain SGD */
        for (int i = 0; i < 9 * C; i++) w1[i] -= lr * dw1[i];
        for (int i = 0; i < C; i++) b1[i] -= lr * db1[i];
        for (int i = 0; i < 16 * C; i++) w2[i] -= lr * dw2[i];
        b2[0] -= lr * db2[0];
    }
    printf("loss %.6f -> %.6f: %.1fx lower after %d steps of SGD (lr %g)\n", first, last, first / last, steps,
           (double)lr);
    if (!(last * 10.0 <= first)) {
        fprintf(stderr, "upsampler: the loss dropped only %.2fx (want >= 10x)\n", first / last);
        return 1;
    }
    return 0;
}
