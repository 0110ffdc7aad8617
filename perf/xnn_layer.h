/* xnn_layer.h - time one layer through XNNPACK (perf/ only; built when libXNNPACK is found). */
#ifndef TCONV_PERF_XNN_LAYER_H
#define TCONV_PERF_XNN_LAYER_H

#include <stdbool.h>
#include <stddef.h>

#include "tconv.h"

#ifndef PEER_DIFFERS
/* A peer's answer when its output is not tconv's: a failure of the benchmark, not a layer it cannot run. */
#define PEER_DIFFERS (-2.0)
#endif

/* Median seconds of reps runs (setup + run, the operator created once) of the layer p (rank 1 or 2, NHWC,
   tconv's default filter layout in w) through XNNPACK on `threads` threads, after checking its output
   against y_tconv; -1 with err filled (PEER_DIFFERS when it differs) when XNNPACK cannot run it or fails. */
double xnn_layer_time(bool transposed, const struct tconv_nd_params *p, const float *x, const float *w,
                      const float *bias, const float *y_tconv, int reps, int threads, char *err, size_t errlen);

#endif
