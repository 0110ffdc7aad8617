/*
 * bilinear.c - FCN's bilinear initialiser (Caffe's "bilinear" filler, tconv_bilinear_filter): the
 * transposed-conv weights that make it bilinear interpolation, per channel.
 */
#include <math.h>

#include "analysis.h"

/* Caffe's bilinear filler on one axis: f = ceil(k/2), c = (2f - 1 - f%2) / (2f), w[t] = 1 - |t/f - c|. */
static double bilinear_tap(int64_t k, int64_t t)
{
    const int64_t f = (k + 1) / 2;
    const double c = (double)(2 * f - 1 - f % 2) / (2.0 * (double)f);
    return 1.0 - fabs((double)t / (double)f - c);
}

void tconv__bilinear_fill(const struct tconv__problem *pr, float *filter)
{
    const bool depthwise = pr->g == pr->ci && pr->g == pr->co; /* else diagonal: channel i feeds channel i */
    for (int64_t i = 0; i < pr->ci; i++)                       /* transposed: full axis = input channel i */
        for (int64_t o = 0; o < pr->cog; o++)                  /* per group: output channel o */
            for (int64_t ky = 0; ky < pr->h.k; ky++)
                for (int64_t kx = 0; kx < pr->w.k; kx++) {
                    const bool on = depthwise || o == i;
                    filter[tconv__filter_index(pr, i, o, 0, ky, kx)] =
                        on ? (float)(bilinear_tap(pr->h.k, ky) * bilinear_tap(pr->w.k, kx)) : 0.0f;
                }
}
