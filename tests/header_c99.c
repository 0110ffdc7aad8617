/* tconv.h must compile alone as strict C99 (built with -std=c99 -pedantic -Werror). */
#include "tconv.h"

int main(void)
{
    struct tconv_params p = TCONV_PARAMS_INIT;
    struct tconv_geometry g;
    return tconv_conv2d_geometry(&p, &g) == TCONV_ERR_INVALID_ARGUMENT ? 0 : 1;
}
