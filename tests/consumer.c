/* A program outside the tree, built only with `pkg-config --cflags --libs tconv`: seed 003. */
#include <stdio.h>
#include <tconv.h>

int main(void)
{
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = 1, p.in_h = 2, p.in_w = 2, p.in_channels = 1, p.out_channels = 1;
    p.kernel_h = 3, p.kernel_w = 3, p.stride_h = 2, p.stride_w = 2, p.out_h = 5, p.out_w = 5;
    const float x[4] = {-67, -77, -117, -127}, f[9] = {-1, 2, -3, 4, -5, 6, -7, 8, -9};
    float y[25];
    if (tconv_conv2d_transpose(&p, x, f, NULL, y) != TCONV_OK) {
        fprintf(stderr, "%s\n", tconv_last_error());
        return 1;
    }
    printf("tconv %s: y[0] = %g, y[24] = %g\n", tconv_version(), y[0], y[24]);
    return y[0] == 67.0f && y[24] == 1143.0f ? 0 : 1;
}
