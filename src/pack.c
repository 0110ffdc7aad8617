/*
 * pack.c - the pack stage of the GEMM plans whose filter is not in the layout they read
 * (TCONV__PACK_CANONICAL): one full-axis channel (conv: output channel; transposed: input channel)
 * per tile. The sub-pixel and depthwise packings live with their algorithms.
 */
#include "algorithms.h"
#include "kernels.h"

int64_t tconv__pack_canonical_tiles(const struct tconv__problem *pr) { return pr->transposed ? pr->ci : pr->co; }

void tconv__pack_canonical_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    double t0 = TCONV__CLOCK();
    tconv__pack_canonical(r->pr, r->filter, r->packed, tile, tile + 1);
    TCONV__LAP(pack);
}
