/*
 * explain.h - --explain OY,OX of tconv shape and tconv run: which (input pixel, kernel tap) pairs feed
 * output pixel (OY, OX) of batch 0, output channel 0, and with tensors their values, the bias and the
 * activation, so that the last number is what tconv computed.
 */
#ifndef TCONV_CLI_EXPLAIN_H
#define TCONV_CLI_EXPLAIN_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tconv.h"

/* The tensors of a run (x NULL: the pairs only, as tconv shape prints them). */
struct explain_values {
    const float *x, *w;
    const float *bias; /* NULL: no bias */
    float y;           /* what tconv computed at (0, OY, OX, 0) */
};

/* Whether (oy, ox) can be explained: inside the output, y not empty when values are shown, a kernel of at
   most 2^24 taps (every tap is tried). 0, or CLI_FAILED after a message naming cmd. */
int explain_check(const char *cmd, const struct tconv_params *p, const struct tconv_geometry *g, int64_t oy, int64_t ox,
                  bool values);

/* Prints the explanation to f, or a message naming cmd on stderr: 0, or CLI_FAILED. */
int explain_pixel(FILE *f, const char *cmd, bool transposed, const struct tconv_params *p,
                  const struct tconv_geometry *g, int64_t oy, int64_t ox, const struct explain_values *v);

#endif
