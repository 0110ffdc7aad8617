/*
 * tconv.h alone, strict C (built as C99 and as C11 with -Wall -Wextra -pedantic-errors -Werror): the
 * macros and the initialiser functions agree, field by field.
 */
#include "tconv.h"

#include <string.h>

static int params_equal(const struct tconv_params *a, const struct tconv_params *b)
{
    return a->layout == b->layout && a->filter_layout == b->filter_layout && a->batch == b->batch &&
           a->in_h == b->in_h && a->in_w == b->in_w && a->in_channels == b->in_channels &&
           a->out_channels == b->out_channels && a->groups == b->groups && a->kernel_h == b->kernel_h &&
           a->kernel_w == b->kernel_w && a->stride_h == b->stride_h && a->stride_w == b->stride_w &&
           a->dilation_h == b->dilation_h && a->dilation_w == b->dilation_w && a->padding == b->padding &&
           a->pad_top == b->pad_top && a->pad_bottom == b->pad_bottom && a->pad_left == b->pad_left &&
           a->pad_right == b->pad_right && a->out_h == b->out_h && a->out_w == b->out_w &&
           a->output_padding_h == b->output_padding_h && a->output_padding_w == b->output_padding_w &&
           a->activation == b->activation;
}

int main(void)
{
    struct tconv_params m = TCONV_PARAMS_INIT, f, d;
    struct tconv_options om = TCONV_OPTIONS_INIT, of;
    struct tconv_profile pm = TCONV_PROFILE_INIT, pf;
    struct tconv_geometry g;
    memset(&f, 0x5a, sizeof f); /* the function must set every field */
    memset(&of, 0x5a, sizeof of);
    memset(&pf, 0x5a, sizeof pf);
    tconv_params_init(&f);
    tconv_options_init(&of);
    tconv_profile_init(&pf);
    memset(&d, 0, sizeof d); /* the documented defaults */
    d.groups = d.stride_h = d.stride_w = d.dilation_h = d.dilation_w = 1;
    if (!params_equal(&m, &f) || !params_equal(&m, &d)) return 1;
    if (om.struct_size != sizeof om || of.struct_size != sizeof of || of.num_threads != 0 ||
        of.algorithm != TCONV_ALGORITHM_AUTO || of.profile != NULL || of.accumulate != 0 || om.num_threads != 0 ||
        om.algorithm != TCONV_ALGORITHM_AUTO || om.profile != NULL || om.accumulate != 0)
        return 2;
    if (pm.struct_size != sizeof pm || pf.struct_size != sizeof pf || pf.total != 0 || pf.gemm != 0 ||
        pf.algorithm != TCONV_ALGORITHM_NONE || pf.threads != 0 || pm.algorithm != TCONV_ALGORITHM_NONE)
        return 3;
    /* zero channels: rejected through the C ABI */
    return tconv_conv2d_geometry(&m, &g) == TCONV_ERR_INVALID_ARGUMENT ? 0 : 4;
}
