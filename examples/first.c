#include <stdio.h>
#include <tconv.h>

int main(void)
{
    struct tconv_params p;
    tconv_params_init(&p); /* defaults: NHWC, TensorFlow's filter layout, VALID */
    p.batch = 1;
    p.in_h = 2;
    p.in_w = 2;
    p.in_channels = 1;
    p.out_channels = 1;
    p.kernel_h = 3;
    p.kernel_w = 3;
    p.stride_h = 2;
    p.stride_w = 2;
    p.out_h = 5; /* tf.nn.conv2d_transpose's output_shape (1, 5, 5, 1) */
    p.out_w = 5;
    const float x[4] = {-67, -77, -117, -127};
    const float f[9] = {-1, 2, -3, 4, -5, 6, -7, 8, -9}; /* [kh][kw][out][in] (HWOI) */
    float y[25];
    if (tconv_conv2d_transpose(&p, x, f, NULL, y) != TCONV_OK) {
        fprintf(stderr, "%s\n", tconv_last_error());
        return 1;
    }
    printf("%g\n", y[0]); /* 67 = (-67) * (-1): the kernel is not flipped */
    return 0;
}
