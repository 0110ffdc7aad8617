/*
 * verdict.h - what an overlap map of conv2d_transpose says (tconv overlap): uniform, a checkerboard
 * (with its period and max/min ratio) or holes, why (per axis, the taps that fall on each output phase),
 * and the standard fixes. The steady-state pattern is computed per axis in O(stride); the map only says
 * which pixels, near the edges of x, get fewer taps than the pattern.
 */
#ifndef TCONV_CLI_VERDICT_H
#define TCONV_CLI_VERDICT_H

#include <stdint.h>
#include <stdio.h>

#include "tconv.h"

/* The pattern keeps one count per output phase; strides beyond this get no analysis (the map still prints). */
#define VERDICT_MAX_STRIDE 64

/* One axis, away from the edges of x: output position o gets taps[(o + crop) mod stride] taps. */
struct verdict_axis {
    int64_t taps[VERDICT_MAX_STRIDE];
    int64_t stride, min, max;
    int64_t period; /* the smallest period of taps[]: a divisor of the stride */
};

enum verdict_kind {
    VERDICT_UNIFORM,      /* every pixel away from the edges gets the same number of taps */
    VERDICT_CHECKERBOARD, /* the counts repeat with a period, between min >= 1 and max */
    VERDICT_HOLES,        /* some pixels get no tap at all, however large x is */
    VERDICT_UNANALYSED    /* a stride above VERDICT_MAX_STRIDE */
};

struct verdict {
    enum verdict_kind kind;
    struct verdict_axis h, w;
    int64_t lo, hi; /* fewest and most taps per pixel away from the edges: h.min*w.min, h.max*w.max */
    int64_t fewer;  /* output pixels of the map with fewer taps than the pattern gives them (near the edges) */
    int64_t pixels; /* out_h * out_w */
};

/* The pattern of one axis: kernel k, stride s (1..VERDICT_MAX_STRIDE), dilation d, begin crop c. */
void verdict_axis(int64_t k, int64_t s, int64_t d, int64_t c, struct verdict_axis *a);

/* Judges the map (int32_t[out_h][out_w], tconv_overlap_map's) of p, whose geometry is g. */
void verdict_judge(const struct tconv_params *p, const struct tconv_geometry *g, const int32_t *map, struct verdict *v);

/* The "verdict:", "why:" and "fix:" lines. */
void verdict_print(FILE *f, const struct tconv_params *p, const struct verdict *v);

#endif
