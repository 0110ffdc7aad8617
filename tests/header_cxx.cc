// tconv.h from C++ (built as C++11 with -Wall -Wextra -pedantic-errors -Werror): the macros compile warning-free,
// and the initialiser functions give the same values.
#include "tconv.h"

int main()
{
    tconv_params m = TCONV_PARAMS_INIT, f;
    tconv_params_init(&f);
    tconv_options o = TCONV_OPTIONS_INIT, of;
    tconv_options_init(&of);
    tconv_profile pr = TCONV_PROFILE_INIT, pf;
    tconv_profile_init(&pf);
    if (m.groups != 1 || f.groups != 1 || f.stride_w != 1 || f.dilation_h != 1 || f.kernel_h != 0 || m.stride_h != 1)
        return 1;
    if (o.struct_size != sizeof o || of.struct_size != sizeof of || pr.struct_size != sizeof pr ||
        pf.struct_size != sizeof pf)
        return 2;
    f.batch = 1;
    f.in_h = f.in_w = 2;
    f.in_channels = f.out_channels = 1;
    f.kernel_h = f.kernel_w = 3;
    f.stride_h = f.stride_w = 2;
    f.out_h = f.out_w = 5;
    const float x[4] = {-67, -77, -117, -127}, w[9] = {-1, 2, -3, 4, -5, 6, -7, 8, -9};
    float y[25];
    of.profile = &pf;
    if (tconv_conv2d_transpose_ex(&f, x, w, nullptr, y, nullptr, 0, &of) != TCONV_OK) return 3;
    return y[0] == 67.0f && pf.algorithm != TCONV_ALGORITHM_NONE ? 0 : 4;
}
