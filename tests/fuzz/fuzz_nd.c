/*
 * fuzz_nd.c - libFuzzer target for the N-D API: bytes -> a struct tconv_nd_params with any rank (in and out
 * of 1..3) and any values, junk at the indices beyond the rank included -> both geometries and every
 * workspace query; when the tensors are small, all eight ops (plain and _ex with fuzzed threads) against the
 * N-D references on small integer tensors, where every sum is exact, so the fast path must agree bit for
 * bit, and the same call with the entries beyond the rank zeroed must give the same bits. Any status other
 * than TCONV_OK must leave the output untouched.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tconv.h"

static const struct tconv_nd_params *cur_p; /* the case being run, printed with any failure */

static void describe(void)
{
    const struct tconv_nd_params *p = cur_p;
    if (!p) return;
    fprintf(stderr,
            "  rank %d layout %d filter_layout %d batch %lld in_channels %lld out_channels %lld groups %lld padding %d "
            "activation %d\n",
            p->rank, (int)p->layout, (int)p->filter_layout, (long long)p->batch, (long long)p->in_channels,
            (long long)p->out_channels, (long long)p->groups, (int)p->padding, (int)p->activation);
    for (int i = 0; i < TCONV_MAX_RANK; i++)
        fprintf(stderr, "  axis %d: in %lld kernel %lld stride %lld dilation %lld pads %lld,%lld out %lld op %lld\n", i,
                (long long)p->in[i], (long long)p->kernel[i], (long long)p->stride[i], (long long)p->dilation[i],
                (long long)p->pad_before[i], (long long)p->pad_after[i], (long long)p->out[i],
                (long long)p->output_padding[i]);
}

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "fuzz_nd: %s:%d: %s: ", __FILE__, __LINE__, #cond);                                        \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fprintf(stderr, "\n");                                                                                     \
            describe();                                                                                                \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

/* a * the product of v[0..rank) * c, or -1 when a factor is negative or it overflows */
static int64_t elems(int64_t a, const int64_t *v, int rank, int64_t c)
{
    int64_t x = a;
    if (a < 0 || c < 0) return -1;
    for (int i = 0; i < rank; i++)
        if (v[i] < 0 || !mul_ok(x, v[i], &x)) return -1;
    return mul_ok(x, c, &x) ? x : -1;
}

enum { FWD, TR, CBD, CBF, CBB, TBD, TBF, TBB, NOPS };

/* One op by index: fast (plain, or _ex with opt) or reference. */
static enum tconv_status run(int op, int how, const struct tconv_nd_params *p, const float *x, const float *w,
                             const float *b, const float *dy, float *out, const struct tconv_options *o)
{
    const bool ref = how == 2, ex = how == 1;
    switch (op) {
    case FWD:
        return ref  ? tconv_convnd_reference(p, x, w, b, out)
               : ex ? tconv_convnd_ex(p, x, w, b, out, NULL, 0, o)
                    : tconv_convnd(p, x, w, b, out);
    case TR:
        return ref  ? tconv_convnd_transpose_reference(p, x, w, b, out)
               : ex ? tconv_convnd_transpose_ex(p, x, w, b, out, NULL, 0, o)
                    : tconv_convnd_transpose(p, x, w, b, out);
    case CBD:
        return ref  ? tconv_convnd_backward_data_reference(p, dy, w, out)
               : ex ? tconv_convnd_backward_data_ex(p, dy, w, out, NULL, 0, o)
                    : tconv_convnd_backward_data(p, dy, w, out);
    case CBF:
        return ref  ? tconv_convnd_backward_filter_reference(p, x, dy, out)
               : ex ? tconv_convnd_backward_filter_ex(p, x, dy, out, NULL, 0, o)
                    : tconv_convnd_backward_filter(p, x, dy, out);
    case CBB:
        return ref  ? tconv_convnd_backward_bias_reference(p, dy, out)
               : ex ? tconv_convnd_backward_bias_ex(p, dy, out, NULL, 0, o)
                    : tconv_convnd_backward_bias(p, dy, out);
    case TBD:
        return ref  ? tconv_convnd_transpose_backward_data_reference(p, dy, w, out)
               : ex ? tconv_convnd_transpose_backward_data_ex(p, dy, w, out, NULL, 0, o)
                    : tconv_convnd_transpose_backward_data(p, dy, w, out);
    case TBF:
        return ref  ? tconv_convnd_transpose_backward_filter_reference(p, x, dy, out)
               : ex ? tconv_convnd_transpose_backward_filter_ex(p, x, dy, out, NULL, 0, o)
                    : tconv_convnd_transpose_backward_filter(p, x, dy, out);
    default:
        return ref  ? tconv_convnd_transpose_backward_bias_reference(p, dy, out)
               : ex ? tconv_convnd_transpose_backward_bias_ex(p, dy, out, NULL, 0, o)
                    : tconv_convnd_transpose_backward_bias(p, dy, out);
    }
}

#define LIMIT 4096 /* elements per tensor for the ops to run */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    struct tconv_nd_params p;
    uint8_t rank_byte = 2;
    (void)byte(&r, &rank_byte);
    tconv_nd_params_init(&p, rank_byte < 250 ? 1 + rank_byte % 3 : (int)rank_byte - 252); /* -2..3, mostly 1..3 */
    p.layout = (enum tconv_layout)enum_value(&r, 2, 0);
    p.filter_layout = (enum tconv_filter_layout)enum_value(&r, 5, 0);
    p.batch = size_value(&r, 1);
    p.in_channels = size_value(&r, 1);
    p.out_channels = size_value(&r, 1);
    p.groups = size_value(&r, 1);
    p.padding = (enum tconv_padding)enum_value(&r, 4, 0);
    uint8_t sel = 0;
    (void)byte(&r, &sel);
    for (int i = 0; i < TCONV_MAX_RANK; i++) { /* every axis: the ones beyond the rank must not matter */
        p.in[i] = size_value(&r, 3);
        p.kernel[i] = size_value(&r, 2);
        p.stride[i] = size_value(&r, 1);
        p.dilation[i] = size_value(&r, 1);
        if (p.padding == TCONV_PADDING_EXPLICIT || (sel & 16)) {
            p.pad_before[i] = size_value(&r, 0);
            p.pad_after[i] = size_value(&r, 0);
        }
        if (sel & 1) p.out[i] = size_value(&r, 0);
        if (sel & 2) p.output_padding[i] = size_value(&r, 0);
    }
    p.activation = (enum tconv_activation)enum_value(&r, 2, 0);
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.num_threads = enum_value(&r, 4, 0);
    cur_p = &p;
    if (getenv("FUZZ_VERBOSE")) describe(); /* to replay a crash- or timeout- input by hand */
    const int rank = p.rank >= 1 && p.rank <= TCONV_MAX_RANK ? p.rank : 0;
    struct tconv_nd_params clean = p; /* the same call with zeros beyond the rank */
    for (int i = rank; i < TCONV_MAX_RANK; i++) {
        clean.in[i] = clean.kernel[i] = clean.pad_before[i] = clean.pad_after[i] = 0;
        clean.out[i] = clean.output_padding[i] = 0;
        clean.stride[i] = clean.dilation[i] = 0;
    }

    /* geometry: untouched on failure, the entries beyond the rank irrelevant */
    struct tconv_nd_geometry g[2], g0, gc;
    memset(&g0, 0xA5, sizeof g0);
    enum tconv_status gst[2];
    for (int t = 0; t < 2; t++) {
        g[t] = g0;
        gst[t] = t ? tconv_convnd_transpose_geometry(&p, &g[t]) : tconv_convnd_geometry(&p, &g[t]);
        CHECK(gst[t] == TCONV_OK || !memcmp(&g[t], &g0, sizeof g0), "geometry written on status %d", (int)gst[t]);
        CHECK(gst[t] != TCONV_ERR_INVALID_ARGUMENT || rank || strstr(tconv_last_error(), "rank"),
              "a bad rank refused for another reason: %s", tconv_last_error());
        const enum tconv_status sc =
            t ? tconv_convnd_transpose_geometry(&clean, &gc) : tconv_convnd_geometry(&clean, &gc);
        CHECK(sc == gst[t], "entries beyond rank %d changed the geometry's status: %d vs %d", rank, (int)sc,
              (int)gst[t]);
        CHECK(sc != TCONV_OK || !memcmp(&gc, &g[t], sizeof gc), "entries beyond rank %d changed the geometry", rank);
        for (int i = 0; gst[t] == TCONV_OK && i < rank; i++)
            CHECK(g[t].out[i] >= 0 && g[t].out_min[i] >= 0, "negative output size on axis %d", i);
    }
    for (int op = 0; op < NOPS; op++) {
        size_t bytes = 12345;
        const enum tconv_status st = tconv_nd_workspace_size((enum tconv_op)op, &p, &o, &bytes);
        CHECK(st == TCONV_OK || bytes == 12345, "workspace size written on status %d", (int)st);
    }
    if (!rank || (gst[0] != TCONV_OK && gst[1] != TCONV_OK)) return 0;

    /* the ops, when every tensor and the work are small */
    const int64_t cig = p.groups > 0 ? p.in_channels / p.groups : -1,
                  cog = p.groups > 0 ? p.out_channels / p.groups : -1;
    const int64_t nx = elems(p.batch, p.in, rank, p.in_channels), nf = elems(cig, p.kernel, rank, p.out_channels);
    const int64_t taps = elems(1, p.kernel, rank, 1);
    int64_t ny[2] = {-1, -1};
    for (int t = 0; t < 2; t++)
        if (gst[t] == TCONV_OK) ny[t] = elems(p.batch, g[t].out, rank, p.out_channels);
    if (nx < 0 || nx > LIMIT || nf < 0 || nf > LIMIT || taps < 0 || ny[0] > LIMIT || ny[1] > LIMIT) return 0;
    const int64_t nyy = ny[0] > ny[1] ? ny[0] : ny[1];
    if ((nyy * cig > nx * cog ? nyy * cig : nx * cog) * taps > ((int64_t)1 << 20)) return 0;
    const int64_t nb = p.out_channels > 0 && p.out_channels <= LIMIT ? p.out_channels : 1;
    float *x = malloc((size_t)(nx > 0 ? nx : 1) * 4), *w = malloc((size_t)(nf > 0 ? nf : 1) * 4);
    float *b = malloc((size_t)nb * 4), *dy = malloc((size_t)(nyy > 0 ? nyy : 1) * 4);
    fill(&r, x, nx, 1);
    fill(&r, w, nf, 2);
    fill(&r, b, nb, 3);
    fill(&r, dy, nyy, 4);
    const float *bias = sel & 8 ? NULL : b; /* no bias is legal */
    for (int op = 0; op < NOPS; op++) {
        const bool tr = op == TR || op >= TBD;
        if (ny[tr] < 0) continue;
        const int64_t n = op == FWD || op == TR    ? ny[tr]
                          : op == CBD || op == TBD ? nx
                          : op == CBF || op == TBF ? nf
                                                   : nb;
        float *ref = sentinel_buf(n), *fast = sentinel_buf(n), *fex = sentinel_buf(n), *fcl = sentinel_buf(n);
        const enum tconv_status sr = run(op, 2, &p, x, w, bias, dy, ref, &o);
        const enum tconv_status sf = run(op, 0, &p, x, w, bias, dy, fast, &o);
        const enum tconv_status se = run(op, 1, &p, x, w, bias, dy, fex, &o);
        const enum tconv_status sc = run(op, 0, &clean, x, w, bias, dy, fcl, &o);
        CHECK(sr == sf && sf == sc, "op %d: reference %d, fast %d, zeros beyond rank %d", op, (int)sr, (int)sf,
              (int)sc);
        /* _ex: the same, unless the fuzzed thread count is refused (a negative one), untouched then */
        const bool ex_refused = se != sf && se == TCONV_ERR_INVALID_ARGUMENT && o.num_threads < 0;
        CHECK(se == sf || ex_refused, "op %d: _ex (threads %d) status %d, plain %d", op, o.num_threads, (int)se,
              (int)sf);
        if (se != TCONV_OK) CHECK(untouched(fex, n), "op %d _ex wrote on status %d", op, (int)se);
        if (sr != TCONV_OK) {
            CHECK(untouched(ref, n) && untouched(fast, n) && untouched(fcl, n), "op %d wrote on status %d", op,
                  (int)sr);
        } else {
            for (int64_t i = 0; i < n; i++)
                CHECK(ref[i] == fast[i] && fast[i] == fcl[i] && (se != TCONV_OK || fast[i] == fex[i]),
                      "op %d at %lld: reference %g, fast %g, _ex (threads %d) %g, zeros beyond rank %g", op,
                      (long long)i, ref[i], fast[i], o.num_threads, fex[i], fcl[i]);
        }
        free(ref);
        free(fast);
        free(fex);
        free(fcl);
    }
    free(x);
    free(w);
    free(b);
    free(dy);
    return 0;
}
