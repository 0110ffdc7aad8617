/*
 * reference.h - the naive references (reference.c): the oracles of tconv's own tests, shipped as
 * the public *_reference calls.
 */
#ifndef TCONV_REFERENCE_H
#define TCONV_REFERENCE_H

#include "problem.h"

#pragma GCC visibility push(hidden)

enum tconv_status tconv__reference_run(const char *fn, const struct tconv__problem *pr, const float *x,
                                       const float *filter, const float *bias, float *y);
/* Gradients of the problem pr (conv or transposed): data (a = dy, b = filter, out = dx),
   filter (a = x, b = dy, out = dfilter), bias (a = dy, out = dbias). */
enum tconv__grad { TCONV__GRAD_DATA, TCONV__GRAD_FILTER, TCONV__GRAD_BIAS };
enum tconv_status tconv__reference_grad(const char *fn, const struct tconv__problem *pr, enum tconv__grad what,
                                        const float *a, const float *b, float *out);
/* The conv over x upsampled by scale (conv: that conv as resolved; x has in_h/scale x in_w/scale pixels). */
enum tconv_status tconv__reference_resize(const char *fn, const struct tconv__problem *conv, int64_t scale,
                                          enum tconv_resize mode, const float *x, const float *filter,
                                          const float *bias, float *y);

#pragma GCC visibility pop

#endif /* TCONV_REFERENCE_H */
