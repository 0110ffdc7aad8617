/* dnnl_layer.h - time one layer through oneDNN (perf/ only; built when libdnnl is found). */
#ifndef TCONV_PERF_DNNL_LAYER_H
#define TCONV_PERF_DNNL_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "tconv.h"

#ifndef PEER_DIFFERS
/* A peer's answer when its output is not tconv's: a failure of the benchmark, not a layer it cannot run. */
#define PEER_DIFFERS (-2.0)
#endif

/* Median seconds of reps runs of the layer p (any rank, tconv's default filter layout in w) through
   oneDNN, after checking its output against y_tconv; -1 with err filled on failure (PEER_DIFFERS when its output
   differs). */
double dnnl_layer_time(bool transposed, const struct tconv_nd_params *p, const float *x, const float *w,
                       const float *bias, const float *y_tconv, int reps, char *impl, size_t impllen, char *err,
                       size_t errlen);

#endif
