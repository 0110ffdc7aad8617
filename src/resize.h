/*
 * resize.h - resize-convolution's planning and first stage (resize.c). The front door resolves the
 * conv over the upsampled tensor, asks for a plan, and runs the prologue stage before the plan's own.
 */
#ifndef TCONV_RESIZE_H
#define TCONV_RESIZE_H

#include "execute.h"

#pragma GCC visibility push(hidden)

struct tconv__resize_plan {
    bool composed;                /* nearest x s + conv runs as one transposed conv with a composed kernel */
    struct tconv__problem exec;   /* the problem that runs: the composed transposed conv, or the conv */
    struct tconv__plan plan;      /* its plan */
    struct tconv__stage prologue; /* composes the filter or upsamples x into the workspace */
    int64_t staged_floats;        /* what the prologue writes */
};

/* Validate p with x's size multiplied by scale (p, scale and mode already checked: tconv__check_resize): the
   conv that reads the upsampled tensor. */
enum tconv_status tconv__resize_problem(const char *fn, const struct tconv_params *p, int64_t scale,
                                        struct tconv__problem *conv);
/* Plan it for an x of xh x xw (AUTO or a forced algorithm for the conv that runs). */
enum tconv_status tconv__resize_plan(const char *fn, const struct tconv__problem *conv, int64_t scale,
                                     enum tconv_resize mode, int64_t xh, int64_t xw, enum tconv_algorithm algo,
                                     struct tconv__resize_plan *rp);
/* The prologue's tiles: one composed tap, or one upsampled row. */
void tconv__resize_compose_tile(const struct tconv__run *r, int64_t tap, float *scratch, struct tconv__times *t);
void tconv__resize_upsample_tile(const struct tconv__run *r, int64_t row, float *scratch, struct tconv__times *t);

#pragma GCC visibility pop

#endif /* TCONV_RESIZE_H */
