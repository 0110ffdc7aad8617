/* Built by a project that has tconv as a subproject: a 3x3 conv2d, and the version meson's dependency
 * reported is the one the library says. */
#include <stdio.h>
#include <string.h>
#include <tconv.h>

int main(void)
{
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.batch = 1, p.in_h = 3, p.in_w = 3, p.in_channels = 1, p.out_channels = 1, p.kernel_h = 2, p.kernel_w = 2;
    const float x[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, f[4] = {1, 10, 100, 1000};
    const float want[4] = {5421, 6532, 8754, 9865};
    float y[4];
    int i;
    if (tconv_conv2d(&p, x, f, NULL, y) != TCONV_OK) {
        fprintf(stderr, "%s\n", tconv_last_error());
        return 1;
    }
    printf("tconv %s (dependency version %s): y = %g %g %g %g\n", tconv_version(), EXPECTED_VERSION, y[0], y[1], y[2],
           y[3]);
    if (strcmp(tconv_version(), EXPECTED_VERSION) != 0) return 1;
    for (i = 0; i < 4; i++)
        if (y[i] != want[i]) return 1;
    return 0;
}
