// A C++11 program outside the tree, built with `pkg-config --cflags --libs tconv` only: seed 003 through
// the expert call, with the options and a profile, all from the initialiser functions (C++11 has no
// designated initialisers for TCONV_PARAMS_INIT).
#include <tconv.h>

#include <cstdio>
#include <vector>

int main()
{
    tconv_params p;
    tconv_params_init(&p);
    p.batch = 1, p.in_h = 2, p.in_w = 2, p.in_channels = 1, p.out_channels = 1;
    p.kernel_h = 3, p.kernel_w = 3, p.stride_h = 2, p.stride_w = 2, p.out_h = 5, p.out_w = 5;
    const std::vector<float> x = {-67, -77, -117, -127}, f = {-1, 2, -3, 4, -5, 6, -7, 8, -9};
    std::vector<float> y(25, -1.0f);

    tconv_profile profile;
    tconv_profile_init(&profile);
    tconv_options o;
    tconv_options_init(&o);
    o.num_threads = 1;
    o.profile = &profile;
    if (tconv_conv2d_transpose_ex(&p, x.data(), f.data(), nullptr, y.data(), nullptr, 0, &o) != TCONV_OK) {
        std::fprintf(stderr, "%s\n", tconv_last_error());
        return 1;
    }
    std::printf("tconv %s (C++%ld): y[0] = %g, y[24] = %g, algorithm %d, %d thread(s)\n", tconv_version(),
                static_cast<long>(__cplusplus), y[0], y[24], static_cast<int>(profile.algorithm), profile.threads);
    if (profile.algorithm == TCONV_ALGORITHM_NONE || profile.algorithm == TCONV_ALGORITHM_AUTO) {
        std::fprintf(stderr, "the profile reports no algorithm\n");
        return 1;
    }
    return y[0] == 67.0f && y[24] == 1143.0f ? 0 : 1;
}
