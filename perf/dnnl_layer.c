/*
 * dnnl_layer.c - the same layer through oneDNN (optional comparison, built when libdnnl is found).
 * Any rank, tconv's layout for source and destination (NWC, NHWC, NDHWC or channels first);
 * weights in the format oneDNN picks (reordered once, outside the timing, as an inference deployment
 * would). The output is checked against tconv's so the two really compute the same layer.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <oneapi/dnnl/dnnl.h>

#include "dnnl_layer.h"
#include "timing.h"

#define CK(call)                                                                                                       \
    do {                                                                                                               \
        dnnl_status_t s_ = (call);                                                                                     \
        if (s_ != dnnl_success) {                                                                                      \
            snprintf(err, errlen, "%s: status %d", #call, (int)s_);                                                    \
            goto done;                                                                                                 \
        }                                                                                                              \
    } while (0)

/* oneDNN's format tags by rank: activations channels last / first, weights plain and grouped. */
static const dnnl_format_tag_t tag_nxc[TCONV_MAX_RANK] = {dnnl_nwc, dnnl_nhwc, dnnl_ndhwc};
static const dnnl_format_tag_t tag_ncx[TCONV_MAX_RANK] = {dnnl_ncw, dnnl_nchw, dnnl_ncdhw};
static const dnnl_format_tag_t tag_oix[TCONV_MAX_RANK] = {dnnl_oiw, dnnl_oihw, dnnl_oidhw};
static const dnnl_format_tag_t tag_goix[TCONV_MAX_RANK] = {dnnl_goiw, dnnl_goihw, dnnl_goidhw};

double dnnl_layer_time(bool tr, const struct tconv_nd_params *p, const float *x, const float *w, const float *bias,
                       const float *y_tconv, int reps, char *impl, size_t impllen, char *err, size_t errlen)
{
    double result = -1.0;
    struct tconv_nd_geometry g;
    if ((tr ? tconv_convnd_transpose_geometry(p, &g) : tconv_convnd_geometry(p, &g)) != TCONV_OK) {
        snprintf(err, errlen, "%s", tconv_last_error());
        return -1.0;
    }
    const int r = p->rank;
    const int64_t G = p->groups, ci = p->in_channels, co = p->out_channels, cig = ci / G, cog = co / G;
    int64_t taps = 1, npix = 1;
    dnnl_engine_t eng = NULL;
    dnnl_stream_t stream = NULL;
    dnnl_primitive_desc_t pd = NULL, rpd = NULL;
    dnnl_primitive_t prim = NULL, reorder = NULL;
    dnnl_memory_t msrc = NULL, mw_user = NULL, mw = NULL, mb = NULL, mdst = NULL;
    float *wl = NULL, *yd = NULL;
    dnnl_memory_desc_t src_md, dst_md, wany_md, wuser_md, b_md;
    /* dims: [n][c][spatial...]; weights [g][o][i][k...] or [o][i][k...] */
    dnnl_dims_t src_dims = {p->batch, ci}, dst_dims = {p->batch, co}, wg = {G, cog, cig}, w1 = {co, ci}, bdims = {co};
    dnnl_dims_t strides, dil, pl, pr;
    for (int i = 0; i < r; i++) {
        src_dims[2 + i] = p->in[i];
        dst_dims[2 + i] = g.out[i];
        wg[3 + i] = w1[2 + i] = p->kernel[i];
        strides[i] = p->stride[i];
        dil[i] = p->dilation[i] - 1;
        pl[i] = g.pad_before[i];
        pr[i] = g.pad_after[i];
        taps *= p->kernel[i];
        npix *= g.out[i];
    }
    const dnnl_format_tag_t act = (p->layout == TCONV_NCHW ? tag_ncx : tag_nxc)[r - 1];

    CK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));
    CK(dnnl_memory_desc_init_by_tag(&src_md, r + 2, src_dims, dnnl_f32, act));
    CK(dnnl_memory_desc_init_by_tag(&dst_md, r + 2, dst_dims, dnnl_f32, act));
    CK(dnnl_memory_desc_init_by_tag(&b_md, 1, bdims, dnnl_f32, dnnl_a));
    if (G > 1) {
        CK(dnnl_memory_desc_init_by_tag(&wany_md, r + 3, wg, dnnl_f32, dnnl_format_tag_any));
        CK(dnnl_memory_desc_init_by_tag(&wuser_md, r + 3, wg, dnnl_f32, tag_goix[r - 1]));
    } else {
        CK(dnnl_memory_desc_init_by_tag(&wany_md, r + 2, w1, dnnl_f32, dnnl_format_tag_any));
        CK(dnnl_memory_desc_init_by_tag(&wuser_md, r + 2, w1, dnnl_f32, tag_oix[r - 1]));
    }
    if (tr) {
        dnnl_deconvolution_desc_t d;
        CK(dnnl_dilated_deconvolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_deconvolution_direct, &src_md,
                                                        &wany_md, bias ? &b_md : NULL, &dst_md, strides, dil, pl, pr));
        CK(dnnl_primitive_desc_create(&pd, &d, NULL, eng, NULL));
    } else {
        dnnl_convolution_desc_t d;
        CK(dnnl_dilated_convolution_forward_desc_init(&d, dnnl_forward_inference, dnnl_convolution_direct, &src_md,
                                                      &wany_md, bias ? &b_md : NULL, &dst_md, strides, dil, pl, pr));
        CK(dnnl_primitive_desc_create(&pd, &d, NULL, eng, NULL));
    }
    const char *name = NULL;
    CK(dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &name));
    snprintf(impl, impllen, "%s", name ? name : "?");
    CK(dnnl_primitive_create(&prim, pd));

    /* weights: tconv's default layout -> oneDNN's logical [g][o][i][taps] -> its chosen format (the taps in
       the same order, outermost axis first, in both) */
    wl = malloc((size_t)(G * cog * cig * taps) * sizeof(float));
    for (int64_t gg = 0; gg < G; gg++)
        for (int64_t o = 0; o < cog; o++)
            for (int64_t i = 0; i < cig; i++)
                for (int64_t t = 0; t < taps; t++)
                    wl[((gg * cog + o) * cig + i) * taps + t] = tr ? w[(t * cog + o) * ci + gg * cig + i]  /* HWOI */
                                                                   : w[(t * cig + i) * co + gg * cog + o]; /* HWIO */
    const dnnl_memory_desc_t *w_md = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    CK(dnnl_memory_create(&mw_user, &wuser_md, eng, wl));
    CK(dnnl_memory_create(&mw, w_md, eng, DNNL_MEMORY_ALLOCATE));
    CK(dnnl_reorder_primitive_desc_create(&rpd, &wuser_md, eng, w_md, eng, NULL));
    CK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = {{DNNL_ARG_FROM, mw_user}, {DNNL_ARG_TO, mw}};
    CK(dnnl_primitive_execute(reorder, stream, 2, rargs));
    CK(dnnl_stream_wait(stream));

    const size_t ny = (size_t)(p->batch * npix * co);
    yd = malloc(ny * sizeof(float));
    CK(dnnl_memory_create(&msrc, &src_md, eng, (void *)x));
    CK(dnnl_memory_create(&mdst, &dst_md, eng, yd));
    if (bias) CK(dnnl_memory_create(&mb, &b_md, eng, (void *)bias));
    dnnl_exec_arg_t args[4] = {{DNNL_ARG_SRC, msrc}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, mdst}, {DNNL_ARG_BIAS, mb}};
    const int nargs = bias ? 4 : 3;
    double t[64];
    if (reps > 64) reps = 64;
    CK(dnnl_primitive_execute(prim, stream, nargs, args)); /* warm-up */
    CK(dnnl_stream_wait(stream));
    for (int i = 0; i < reps; i++) {
        double t0 = bench_now();
        CK(dnnl_primitive_execute(prim, stream, nargs, args));
        CK(dnnl_stream_wait(stream));
        t[i] = bench_now() - t0;
    }
    /* the same layer: oneDNN's output against tconv's */
    for (size_t i = 0; i < ny; i++)
        if (fabsf(yd[i] - y_tconv[i]) > 1e-3f + 1e-3f * fabsf(y_tconv[i])) {
            snprintf(err, errlen, "oneDNN and tconv differ at %zu: %g vs %g", i, yd[i], y_tconv[i]);
            result = PEER_DIFFERS;
            goto done;
        }
    qsort(t, (size_t)reps, sizeof *t, bench_cmp_double);
    result = t[reps / 2];
done:
    if (reorder) dnnl_primitive_destroy(reorder);
    if (rpd) dnnl_primitive_desc_destroy(rpd);
    if (prim) dnnl_primitive_destroy(prim);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (msrc) dnnl_memory_destroy(msrc);
    if (mw_user) dnnl_memory_destroy(mw_user);
    if (mw) dnnl_memory_destroy(mw);
    if (mb) dnnl_memory_destroy(mb);
    if (mdst) dnnl_memory_destroy(mdst);
    if (stream) dnnl_stream_destroy(stream);
    if (eng) dnnl_engine_destroy(eng);
    free(wl);
    free(yd);
    return result;
}
