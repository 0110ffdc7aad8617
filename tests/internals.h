/*
 * internals.h - for the tests that drive the layers below the front door (they link tconv_core):
 * run one plan (forced tiles, a given thread count) the way api.c does, on a fresh workspace.
 */
#ifndef TCONV_TEST_INTERNALS_H
#define TCONV_TEST_INTERNALS_H

#include "algorithms.h"
#include "kernels.h"

/* Execute plan pl of problem pr with r's tensors (x, filter, bias, y / dy, dw set by the caller) on
   nthreads; returns the team that ran. */
static inline int run_plan(const struct tconv__problem *pr, const struct tconv__plan *pl, struct tconv__run r,
                           int nthreads)
{
    char *ws = (char *)tconv__alloc(tconv__plan_workspace(pl, nthreads));
    struct tconv__stages st = {0};
    struct tconv__times sum;
    r.pr = pr;
    r.pl = pl;
    r.packed = r.partial = (float *)(void *)ws;
    r.f = pl->pack != TCONV__PACK_NONE ? r.packed : r.filter;
    tconv__plan_stages(pl, pr, &st);
    const int team = tconv__execute(&st, &r, ws + tconv__round64(pl->shared_bytes), pl->scratch_bytes, nthreads, &sum);
    tconv__free(ws);
    return team;
}

#endif
