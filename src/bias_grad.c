/*
 * bias_grad.c - the bias gradient (TCONV__BIAS_GRAD): dbias[o] = the sum of dy over the batch and
 * the pixels, per output channel, accumulated in double in a fixed order.
 */
#include "algorithms.h"

static void store(float *dw, int64_t idx, float v, bool accumulate) { dw[idx] = accumulate ? dw[idx] + v : v; }

void tconv__bias_grad_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__channels_plan *cp = &r->pl->u.channels;
    const int64_t px = pr->out_d * pr->out_h * pr->out_w;
    double t0 = TCONV__CLOCK();
    if (pr->layout == TCONV_NHWC) { /* a block of channels, summed over every row in order */
        const int64_t c0 = tile * cp->channels, nc = tconv__min(pr->co, c0 + cp->channels) - c0, rows = pr->n * px;
        double *acc = (double *)(void *)scratch;
        for (int64_t c = 0; c < nc; c++) acc[c] = 0.0;
        for (int64_t row = 0; row < rows; row++) {
            const float *v = r->dy + row * pr->co + c0;
            for (int64_t c = 0; c < nc; c++) acc[c] += v[c];
        }
        for (int64_t c = 0; c < nc; c++) store(r->dw, c0 + c, (float)acc[c], r->accumulate);
    } else { /* one channel: its planes in every image */
        double acc = 0.0;
        for (int64_t b = 0; b < pr->n; b++) {
            const float *v = r->dy + (b * pr->co + tile) * px;
            for (int64_t q = 0; q < px; q++) acc += v[q];
        }
        store(r->dw, tile, (float)acc, r->accumulate);
    }
    TCONV__LAP(epilogue);
}
