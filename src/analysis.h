/*
 * analysis.h - what tconv computes about a transposed convolution rather than with it: the overlap
 * map (overlap.c) and the bilinear initialiser (bilinear.c). The front door validates first.
 */
#ifndef TCONV_ANALYSIS_H
#define TCONV_ANALYSIS_H

#include "problem.h"

#pragma GCC visibility push(hidden)

/* counts[oy][ox] of the transposed problem pr (out_h*out_w cells, kernel_h*kernel_w <= INT32_MAX). */
enum tconv_status tconv__overlap_counts(const char *fn, const struct tconv__problem *pr, int32_t *counts);
/* The bilinear upsampling kernel into the transposed problem pr's filter (depthwise or diagonal, dilation 1). */
void tconv__bilinear_fill(const struct tconv__problem *pr, float *filter);

#pragma GCC visibility pop

#endif /* TCONV_ANALYSIS_H */
