/*
 * overlap_nd.h - the overlap counts of a 1-D or 3-D transposed convolution (tconv overlap): how many (input
 * position, kernel tap) pairs land on each output position. The count is separable, the product of one 1-D
 * count per axis (a tap (t_d, t_h, t_w) lands on the product of its axes' landings), so the map of any size is
 * kept as its axes; the verdict is verdict.c's per-axis pattern, multiplied over the axes.
 */
#ifndef TCONV_CLI_OVERLAP_ND_H
#define TCONV_CLI_OVERLAP_ND_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tconv.h"
#include "verdict.h"

/* The map of a transposed conv of rank 1..3, per axis, and its verdict. */
struct overlap_nd {
    int rank;
    int64_t out[TCONV_MAX_RANK];
    int64_t *count[TCONV_MAX_RANK]; /* count[a][o]: the pairs of axis a on output position o (malloc'd) */
    enum verdict_kind kind;
    struct verdict_axis axis[TCONV_MAX_RANK]; /* away from the edges of x (unless VERDICT_UNANALYSED) */
    int64_t lo, hi;                           /* fewest and most taps per position away from the edges */
    int64_t fewer;                            /* positions of the map with fewer taps than the pattern gives */
    int64_t positions;                        /* the product of out[] */
};

/*
 * One axis: counts[o] for o in [0, out) = the number of (i, t), 0 <= i < in, 0 <= t < k, with
 * i*s + t*d - crop == o (crop: the begin crop of the full result).
 */
void overlap_axis(int64_t in, int64_t k, int64_t s, int64_t d, int64_t crop, int64_t out, int64_t *counts);

/* The steps overlap_axis takes for these arguments (the command refuses a map that would take too long). */
int64_t overlap_axis_work(int64_t in, int64_t k, int64_t s, int64_t d, int64_t crop, int64_t out);

/* The map and verdict of transposed conv p with geometry g: 0, or -1 when out of memory. */
int overlap_nd_build(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g, struct overlap_nd *m);
void overlap_nd_free(struct overlap_nd *m);

/* The count at output position pos[0..rank). */
int64_t overlap_nd_at(const struct overlap_nd *m, const int64_t *pos);

/* The map's values and how many positions hold each, ascending: up to max pairs into value[] and times[];
   the number of distinct values, or -1 when there are more than max. */
int overlap_nd_histogram(const struct overlap_nd *m, int64_t *value, int64_t *times, int max);

/* The "verdict:", "why:" and "fix:" lines (verdict_print's, for the rank's axes). */
void overlap_nd_verdict_print(FILE *f, const struct tconv_nd_params *p, const struct overlap_nd *m);

#endif
