/*
 * fuzz_params.c - libFuzzer target: bytes -> a struct tconv_params with any values (negative, zero,
 * huge, bad enums) and options -> geometry, every workspace query, the overlap map, the bilinear
 * filter; and, when the sizes are small, all eight ops (fast path, plain and _ex with the fuzzed
 * options) and resize-convolution against their references on small integer tensors, where every
 * sum is exact, so the fast path must agree bit for bit. Any status other than TCONV_OK must leave
 * the output untouched.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "tconv.h"

/* The case being run, printed with any failure. */
static const struct tconv_params *cur_p;
static const struct tconv_options *cur_o;

static void describe(void)
{
    const struct tconv_params *p = cur_p;
    if (!p) return;
    fprintf(
        stderr,
        "  params: layout %d filter_layout %d batch %lld in %lldx%lld in_channels %lld out_channels %lld groups %lld"
        " kernel %lldx%lld stride %lldx%lld dilation %lldx%lld padding %d pads %lld,%lld,%lld,%lld out %lldx%lld"
        " output_padding %lld,%lld activation %d\n  options: threads %d algorithm %d accumulate %d\n",
        (int)p->layout, (int)p->filter_layout, (long long)p->batch, (long long)p->in_h, (long long)p->in_w,
        (long long)p->in_channels, (long long)p->out_channels, (long long)p->groups, (long long)p->kernel_h,
        (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w, (long long)p->dilation_h,
        (long long)p->dilation_w, (int)p->padding, (long long)p->pad_top, (long long)p->pad_bottom,
        (long long)p->pad_left, (long long)p->pad_right, (long long)p->out_h, (long long)p->out_w,
        (long long)p->output_padding_h, (long long)p->output_padding_w, (int)p->activation, cur_o->num_threads,
        (int)cur_o->algorithm, cur_o->accumulate);
}

#define CHECK(cond, ...)                                                                                               \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "fuzz_params: %s:%d: %s: ", __FILE__, __LINE__, #cond);                                    \
            fprintf(stderr, __VA_ARGS__);                                                                              \
            fprintf(stderr, "\n");                                                                                     \
            describe();                                                                                                \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

static int64_t elems(int64_t a, int64_t b, int64_t c, int64_t d)
{
    int64_t x;
    if (a < 0 || b < 0 || c < 0 || d < 0 || !mul_ok(a, b, &x) || !mul_ok(x, c, &x) || !mul_ok(x, d, &x)) return -1;
    return x;
}

enum { FWD, TR, CBD, CBF, CBB, TBD, TBF, TBB, NOPS };

/* One op by index: fast (plain, or _ex with opt) or reference. in1/in2 per the op's signature. */
static enum tconv_status run(int op, int how, const struct tconv_params *p, const float *x, const float *w,
                             const float *b, const float *dy, float *out, const struct tconv_options *o)
{
    const bool ref = how == 2, ex = how == 1;
    switch (op) {
    case FWD:
        return ref  ? tconv_conv2d_reference(p, x, w, b, out)
               : ex ? tconv_conv2d_ex(p, x, w, b, out, NULL, 0, o)
                    : tconv_conv2d(p, x, w, b, out);
    case TR:
        return ref  ? tconv_conv2d_transpose_reference(p, x, w, b, out)
               : ex ? tconv_conv2d_transpose_ex(p, x, w, b, out, NULL, 0, o)
                    : tconv_conv2d_transpose(p, x, w, b, out);
    case CBD:
        return ref  ? tconv_conv2d_backward_data_reference(p, dy, w, out)
               : ex ? tconv_conv2d_backward_data_ex(p, dy, w, out, NULL, 0, o)
                    : tconv_conv2d_backward_data(p, dy, w, out);
    case CBF:
        return ref  ? tconv_conv2d_backward_filter_reference(p, x, dy, out)
               : ex ? tconv_conv2d_backward_filter_ex(p, x, dy, out, NULL, 0, o)
                    : tconv_conv2d_backward_filter(p, x, dy, out);
    case CBB:
        return ref  ? tconv_conv2d_backward_bias_reference(p, dy, out)
               : ex ? tconv_conv2d_backward_bias_ex(p, dy, out, NULL, 0, o)
                    : tconv_conv2d_backward_bias(p, dy, out);
    case TBD:
        return ref  ? tconv_conv2d_transpose_backward_data_reference(p, dy, w, out)
               : ex ? tconv_conv2d_transpose_backward_data_ex(p, dy, w, out, NULL, 0, o)
                    : tconv_conv2d_transpose_backward_data(p, dy, w, out);
    case TBF:
        return ref  ? tconv_conv2d_transpose_backward_filter_reference(p, x, dy, out)
               : ex ? tconv_conv2d_transpose_backward_filter_ex(p, x, dy, out, NULL, 0, o)
                    : tconv_conv2d_transpose_backward_filter(p, x, dy, out);
    default:
        return ref  ? tconv_conv2d_transpose_backward_bias_reference(p, dy, out)
               : ex ? tconv_conv2d_transpose_backward_bias_ex(p, dy, out, NULL, 0, o)
                    : tconv_conv2d_transpose_backward_bias(p, dy, out);
    }
}

#define LIMIT 4096 /* elements per tensor for the ops to run */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct reader r = {data, size};
    struct tconv_params p = TCONV_PARAMS_INIT;
    p.layout = (enum tconv_layout)enum_value(&r, 2, 0);
    p.filter_layout = (enum tconv_filter_layout)enum_value(&r, 5, 0);
    p.batch = size_value(&r, 1);
    p.in_h = size_value(&r, 3);
    p.in_w = size_value(&r, 3);
    p.in_channels = size_value(&r, 1);
    p.out_channels = size_value(&r, 1);
    p.groups = size_value(&r, 1);
    p.kernel_h = size_value(&r, 2);
    p.kernel_w = size_value(&r, 2);
    p.stride_h = size_value(&r, 1);
    p.stride_w = size_value(&r, 1);
    p.dilation_h = size_value(&r, 1);
    p.dilation_w = size_value(&r, 1);
    p.padding = (enum tconv_padding)enum_value(&r, 4, 0);
    if (p.padding == TCONV_PADDING_EXPLICIT || (r.n && r.p[0] == 0xEE)) { /* pads on other modes: rejected */
        p.pad_top = size_value(&r, 0);
        p.pad_bottom = size_value(&r, 0);
        p.pad_left = size_value(&r, 0);
        p.pad_right = size_value(&r, 0);
    }
    uint8_t sel = 0;
    (void)byte(&r, &sel);
    if (sel & 1) {
        p.out_h = size_value(&r, 0);
        p.out_w = size_value(&r, 0);
    }
    if (sel & 2) {
        p.output_padding_h = size_value(&r, 0);
        p.output_padding_w = size_value(&r, 0);
    }
    p.activation = (enum tconv_activation)enum_value(&r, 2, 0);
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.num_threads = enum_value(&r, 4, 0);
    o.algorithm = (enum tconv_algorithm)enum_value(&r, 4, 0);
    o.accumulate = (sel & 4) ? enum_value(&r, 2, 0) : 0;
    cur_p = &p;
    cur_o = &o;
    if (getenv("FUZZ_VERBOSE")) describe(); /* to replay a crash- or timeout- input by hand */

    /* geometry: untouched on failure */
    struct tconv_geometry g[2], g0;
    memset(&g0, 0xA5, sizeof g0);
    enum tconv_status gst[2];
    for (int t = 0; t < 2; t++) {
        g[t] = g0;
        gst[t] = t ? tconv_conv2d_transpose_geometry(&p, &g[t]) : tconv_conv2d_geometry(&p, &g[t]);
        CHECK(gst[t] == TCONV_OK || !memcmp(&g[t], &g0, sizeof g0), "geometry written on status %d", (int)gst[t]);
        CHECK(gst[t] != TCONV_OK || (g[t].out_h >= 0 && g[t].out_w >= 0), "negative output size");
    }
    /* workspace queries: untouched on failure */
    for (int op = 0; op < NOPS; op++) {
        size_t bytes = 12345;
        const enum tconv_status st = tconv_workspace_size((enum tconv_op)op, &p, &o, &bytes);
        CHECK(st == TCONV_OK || bytes == 12345, "workspace size written on status %d", (int)st);
    }
    size_t bytes = 12345;
    CHECK(tconv_workspace_size((enum tconv_op)(sel % 16 + 8), &p, &o, &bytes) != TCONV_OK && bytes == 12345,
          "a bad op was accepted");

    const bool tr_ok = gst[1] == TCONV_OK;
    /* overlap map and bilinear filter (transposed geometry) */
    if (tr_ok && g[1].out_h * g[1].out_w <= LIMIT) {
        const int64_t cells = g[1].out_h * g[1].out_w;
        int32_t *m = malloc((size_t)(cells > 0 ? cells : 1) * sizeof(int32_t));
        for (int64_t i = 0; i < cells; i++) m[i] = -5;
        const enum tconv_status st = tconv_overlap_map(&p, m);
        for (int64_t i = 0; i < cells; i++)
            CHECK(st == TCONV_OK ? m[i] >= 0 && m[i] <= p.kernel_h * p.kernel_w : m[i] == -5, "overlap map cell %lld",
                  (long long)i);
        free(m);
    }
    const int64_t nf = elems(p.kernel_h, p.kernel_w, p.groups > 0 ? p.in_channels / p.groups : -1, p.out_channels);
    if (tr_ok && nf >= 0 && nf <= LIMIT) {
        float *f = sentinel_buf(nf);
        if (tconv_bilinear_filter(&p, f) != TCONV_OK) CHECK(untouched(f, nf), "bilinear filter written on failure");
        free(f);
    }

    /* the ops, when every tensor is small */
    const int64_t nx = elems(p.batch, p.in_h, p.in_w, p.in_channels);
    int64_t ny[2] = {-1, -1};
    for (int t = 0; t < 2; t++)
        if (gst[t] == TCONV_OK) ny[t] = elems(p.batch, g[t].out_h, g[t].out_w, p.out_channels);
    if (nx < 0 || nx > LIMIT || nf < 0 || nf > LIMIT || (ny[0] < 0 && ny[1] < 0) || ny[0] > LIMIT || ny[1] > LIMIT)
        return 0;
    const int64_t nyy = ny[0] > ny[1] ? ny[0] : ny[1];
    /* and the work small too (multiply-adds of the references: y x taps x in/g, x x taps x out/g) */
    const int64_t cig = p.in_channels / p.groups, cog = p.out_channels / p.groups, taps = p.kernel_h * p.kernel_w;
    if ((nyy * cig > nx * cog ? nyy * cig : nx * cog) * taps > ((int64_t)1 << 20)) return 0;
    const int64_t cap = (nx > nyy ? nx : nyy) > nf ? (nx > nyy ? nx : nyy) : nf;
    const int64_t nb = p.out_channels > 0 && p.out_channels <= LIMIT ? p.out_channels : 1;
    float *x = malloc((size_t)(nx > 0 ? nx : 1) * 4), *w = malloc((size_t)(nf > 0 ? nf : 1) * 4);
    float *b = malloc((size_t)nb * 4), *dy = malloc((size_t)(nyy > 0 ? nyy : 1) * 4);
    float *init = malloc((size_t)(cap + nb) * 4);
    fill(&r, x, nx, 1);
    fill(&r, w, nf, 2);
    fill(&r, b, nb, 3);
    fill(&r, dy, nyy, 4);
    fill(&r, init, cap + nb, 5);
    const float *bias = sel & 8 ? NULL : b; /* no bias is legal */
    for (int op = 0; op < NOPS; op++) {
        const bool tr = op == TR || op >= TBD;
        if (ny[tr] < 0) continue;
        const int64_t n = op == FWD || op == TR    ? ny[tr]
                          : op == CBD || op == TBD ? nx
                          : op == CBF || op == TBF ? nf
                                                   : nb;
        float *ref = sentinel_buf(n), *fast = sentinel_buf(n), *fex = malloc((size_t)(n > 0 ? n : 1) * 4);
        const enum tconv_status sr = run(op, 2, &p, x, w, bias, dy, ref, &o);
        const enum tconv_status sf = run(op, 0, &p, x, w, bias, dy, fast, &o);
        CHECK(sr == sf, "op %d: reference status %d, fast %d", op, (int)sr, (int)sf);
        if (sr != TCONV_OK) {
            CHECK(untouched(ref, n) && untouched(fast, n), "op %d wrote its output on status %d", op, (int)sr);
        } else {
            for (int64_t i = 0; i < n; i++)
                CHECK(ref[i] == fast[i], "op %d: fast %g != reference %g at %lld", op, fast[i], ref[i], (long long)i);
        }
        /* _ex with the fuzzed options: accumulate adds to what is there; a forced algorithm may refuse */
        memcpy(fex, init, (size_t)n * 4);
        const enum tconv_status se = run(op, 1, &p, x, w, bias, dy, fex, &o);
        if (se != TCONV_OK) {
            CHECK(!memcmp(fex, init, (size_t)n * 4), "op %d _ex wrote its output on status %d", op, (int)se);
            CHECK(sr != TCONV_OK || se == TCONV_ERR_UNSUPPORTED || se == TCONV_ERR_INVALID_ARGUMENT,
                  "op %d _ex failed with %d where the plain call succeeded", op, (int)se);
        } else {
            CHECK(sr == TCONV_OK, "op %d _ex succeeded where the reference failed", op);
            for (int64_t i = 0; i < n; i++) {
                const float want = o.accumulate == 1 ? init[i] + ref[i] : ref[i];
                CHECK(fex[i] == want, "op %d _ex (threads %d, algorithm %d, accumulate %d): %g != %g at %lld", op,
                      o.num_threads, (int)o.algorithm, o.accumulate, fex[i], want, (long long)i);
            }
        }
        free(ref);
        free(fast);
        free(fex);
    }
    /* resize-convolution: scale 1..3, both modes (nearest is exact; bilinear within rounding) */
    uint8_t rs = 0;
    (void)byte(&r, &rs);
    const int64_t scale = rs % 4 == 3 ? -1 : rs % 4 + 1;
    const enum tconv_resize mode = (enum tconv_resize)(rs & 4 ? 1 : 0);
    if (scale < 0) {
        float y1 = -777.25f;
        CHECK(tconv_resize_conv2d(&p, scale, mode, x, w, b, &y1) != TCONV_OK && y1 == -777.25f, "scale -1 accepted");
    } else if (p.in_h <= 64 && p.in_w <= 64) {
        struct tconv_params pu = p;
        pu.in_h *= scale;
        pu.in_w *= scale;
        struct tconv_geometry gu;
        const bool up_ok = tconv_conv2d_geometry(&pu, &gu) == TCONV_OK;
        const int64_t nu = up_ok ? elems(p.batch, gu.out_h, gu.out_w, p.out_channels) : 0;
        if (nu >= 0 && nu <= LIMIT && elems(pu.batch, pu.in_h, pu.in_w, pu.in_channels) <= LIMIT) {
            float *ref = sentinel_buf(nu), *fast = sentinel_buf(nu);
            const enum tconv_status sr = tconv_resize_conv2d_reference(&p, scale, mode, x, w, bias, ref);
            const enum tconv_status sf = tconv_resize_conv2d(&p, scale, mode, x, w, bias, fast);
            CHECK(sr == sf, "resize: reference status %d, fast %d", (int)sr, (int)sf);
            CHECK(sr == TCONV_OK || !up_ok || nu == 0 || (untouched(ref, nu) && untouched(fast, nu)),
                  "resize wrote its output on failure");
            for (int64_t i = 0; sr == TCONV_OK && i < nu; i++) {
                const float d = fast[i] - ref[i], tol = mode ? 1e-4f * (1.0f + (ref[i] < 0 ? -ref[i] : ref[i])) : 0.0f;
                CHECK(d <= tol && -d <= tol, "resize x%lld mode %d: fast %g != reference %g at %lld", (long long)scale,
                      (int)mode, fast[i], ref[i], (long long)i);
            }
            free(ref);
            free(fast);
        }
    }
    free(x);
    free(w);
    free(b);
    free(dy);
    free(init);
    return 0;
}
