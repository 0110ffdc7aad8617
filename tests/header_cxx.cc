// tconv.h must compile as C++ (extern "C", no C-only constructs outside the macro).
#include "tconv.h"

#include <cstring>

int main()
{
    tconv_params p;
    std::memset(&p, 0, sizeof p);
    p.groups = p.stride_h = p.stride_w = p.dilation_h = p.dilation_w = 1;
    tconv_geometry g;
    // zero channels: rejected with TCONV_ERR_INVALID_ARGUMENT, through the C ABI
    return tconv_conv2d_geometry(&p, &g) == TCONV_ERR_INVALID_ARGUMENT ? 0 : 1;
}
