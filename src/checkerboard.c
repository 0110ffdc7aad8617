/*
 * checkerboard.c - what transposed convolutions add to an image, and the two standard fixes:
 *   tconv_overlap_map       how many (input pixel, tap) pairs land on each output pixel;
 *   tconv_bilinear_filter   FCN's bilinear initialiser (Caffe's "bilinear" filler);
 *   tconv_resize_conv2d     nearest / bilinear upsampling then a conv (Odena et al. 2016), with
 *                           nearest + stride-1 conv run as one transposed conv with a composed kernel.
 */
#include <math.h>
#include <string.h>

#include "internal.h"

/* ---- overlap map ---- */

/* The (i, t) pairs with i in [0, n), t in [0, k) and i*s + t*d = q: integer points on a line,
   counted in O(1) from s^-1 mod d (after dividing out g = gcd(s, d)), found once per axis. So the
   map costs O(out) however large the kernel, the stride or the crop. */
__extension__ typedef __int128 i128; /* products like k*d, and q * s^-1, exceed int64_t */
struct lattice {
    int64_t g, s, d, inv;
};

static struct lattice lattice_make(int64_t s, int64_t d)
{
    int64_t a = s, b = d;
    while (b) {
        const int64_t r = a % b;
        a = b, b = r;
    }
    struct lattice L = {a, s / a, d / a, 0};
    i128 r0 = L.d, r1 = L.s % L.d, t0 = 0, t1 = 1; /* extended Euclid: t0 * s = r0 (mod d) */
    while (r1) {
        const i128 q = r0 / r1, r2 = r0 - q * r1, t2 = t0 - q * t1;
        r0 = r1, r1 = r2, t0 = t1, t1 = t2;
    }
    L.inv = (int64_t)(((t0 % L.d) + L.d) % L.d); /* r0 == 1: s and d are coprime now */
    return L;
}

static int64_t lattice_count(const struct lattice *L, int64_t q, int64_t n, int64_t k)
{
    if (q < 0 || q % L->g) return 0;
    q /= L->g;
    const int64_t s = L->s, d = L->d;
    const int64_t i0 = (int64_t)((i128)(q % d) * L->inv % d); /* i = i0 (mod d) makes t an integer */
    const i128 lo_num = (i128)q - (i128)k * d;                /* t < k  <=>  i*s > q - k*d */
    const i128 lo = lo_num < 0 ? 0 : lo_num / s + 1, hi = tconv__min(n - 1, q / s); /* t >= 0 <=> i*s <= q */
    if (hi < lo) return 0;
    const i128 first = lo + ((i0 - lo % d) % d + d) % d;
    return first > hi ? 0 : (int64_t)((hi - first) / d + 1);
}

/* Taps that land on each big position of one axis: #{(i, t) : i*s + t*d - pb = p}. The crop is not
   always bounded (batch 0 skips TF's size checks): a p + pb past INT64_MAX is past every i*s + t*d. */
static void axis_counts(const struct tconv__axis *a, int32_t *c)
{
    const struct lattice L = lattice_make(a->s, a->d);
    for (int64_t p = 0; p < a->big; p++) {
        int64_t q;
        c[p] = tconv__add(p, a->pb, &q) ? (int32_t)lattice_count(&L, q, a->small, a->k) : 0;
    }
}

TCONV_API enum tconv_status tconv_overlap_map(const struct tconv_params *p, int32_t *counts)
{
    const char *fn = "tconv_overlap_map";
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve(fn, p, true, &pr, NULL);
    if (st != TCONV_OK) return st;
    int64_t taps;
    if (!tconv__mul(pr.h.k, pr.w.k, &taps) || taps > INT32_MAX)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "kernel_h x kernel_w = %lld x %lld exceeds INT32_MAX, the largest count the map holds",
                           (long long)pr.h.k, (long long)pr.w.k);
    const int64_t cells = pr.out_h * pr.out_w; /* <= INT_MAX: checked by resolve */
    if (cells == 0) return TCONV_OK;
    if (!counts)
        return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "counts must not be NULL: the map has %lld cells",
                           (long long)cells);
    if (pr.in_h == 0 || pr.in_w == 0) { /* an empty x reaches nothing (and its crop is unchecked, as in TF) */
        memset(counts, 0, (size_t)cells * sizeof(int32_t));
        return TCONV_OK;
    }
    int32_t *ch = tconv__alloc((size_t)(pr.out_h + pr.out_w) * sizeof(int32_t));
    if (!ch)
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate %lld counts",
                           (long long)(pr.out_h + pr.out_w));
    int32_t *cw = ch + pr.out_h;
    axis_counts(&pr.h, ch);
    axis_counts(&pr.w, cw);
    for (int64_t oy = 0; oy < pr.out_h; oy++)
        for (int64_t ox = 0; ox < pr.out_w; ox++) counts[oy * pr.out_w + ox] = ch[oy] * cw[ox];
    tconv__free(ch);
    return TCONV_OK;
}

/* ---- bilinear initialiser ---- */

/* Caffe's bilinear filler on one axis: f = ceil(k/2), c = (2f - 1 - f%2) / (2f), w[t] = 1 - |t/f - c|. */
static double bilinear_tap(int64_t k, int64_t t)
{
    const int64_t f = (k + 1) / 2;
    const double c = (double)(2 * f - 1 - f % 2) / (2.0 * (double)f);
    return 1.0 - fabs((double)t / (double)f - c);
}

TCONV_API enum tconv_status tconv_bilinear_filter(const struct tconv_params *p, float *filter)
{
    const char *fn = "tconv_bilinear_filter";
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve(fn, p, true, &pr, NULL);
    if (st != TCONV_OK) return st;
    const bool depthwise = pr.g == pr.ci && pr.g == pr.co, diagonal = pr.g == 1 && pr.ci == pr.co;
    if (!depthwise && !diagonal)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "the bilinear filter upsamples each channel on its own: it needs groups == in_channels == "
                           "out_channels, or groups == 1 with in_channels == out_channels; here groups = %lld, "
                           "in_channels = %lld, out_channels = %lld",
                           (long long)pr.g, (long long)pr.ci, (long long)pr.co);
    if (pr.h.d != 1 || pr.w.d != 1)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "dilation %lldx%lld: the bilinear kernel is dense, dilation must be 1", (long long)pr.h.d,
                           (long long)pr.w.d);
    if (!filter)
        return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "filter must not be NULL: it has %lld elements",
                           (long long)pr.f_elems);
    for (int64_t i = 0; i < pr.ci; i++)      /* transposed: full axis = input channel i */
        for (int64_t o = 0; o < pr.cog; o++) /* per group: output channel o */
            for (int64_t ky = 0; ky < pr.h.k; ky++)
                for (int64_t kx = 0; kx < pr.w.k; kx++) {
                    const bool on = depthwise || o == i;
                    filter[tconv__filter_index(&pr, i, o, ky, kx)] =
                        on ? (float)(bilinear_tap(pr.h.k, ky) * bilinear_tap(pr.w.k, kx)) : 0.0f;
                }
    return TCONV_OK;
}

/* ---- resize-convolution ---- */

/* Source rows/columns and weight of one upsampled coordinate: nearest (w = 0: i0 only) or bilinear with
   half-pixel centres, the source clamped at 0 and at the last pixel. */
static void source_of(int64_t u, int64_t s, int64_t n, enum tconv_resize mode, int64_t *i0, int64_t *i1, float *w)
{
    if (mode == TCONV_RESIZE_NEAREST) {
        *i0 = *i1 = u / s, *w = 0.0f;
        return;
    }
    const float f = fmaxf(((float)u + 0.5f) / (float)s - 0.5f, 0.0f);
    *i0 = (int64_t)f, *i1 = *i0 + (*i0 < n - 1), *w = f - (float)*i0;
}

/* up (x's layout) = x upsampled by s; rows in parallel, the channel loop innermost in NHWC. */
static void upsample(const struct tconv__problem *pc, int64_t s, enum tconv_resize mode, const float *x, float *up,
                     int threads)
{
    (void)threads; /* without OpenMP */
    const int64_t ih = pc->in_h / s, iw = pc->in_w / s, uh = pc->in_h, uw = pc->in_w, ci = pc->ci;
    const bool nhwc = pc->layout == TCONV_NHWC;
    const int64_t planes = nhwc ? pc->n : pc->n * ci, depth = nhwc ? ci : 1; /* NCHW: one channel per plane */
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1)
    for (int64_t r = 0; r < planes * uh; r++) {
        const int64_t pl = r / uh, u = r % uh;
        int64_t y0, y1;
        float ly;
        source_of(u, s, ih, mode, &y0, &y1, &ly);
        const float *r0 = x + (pl * ih + y0) * iw * depth, *r1 = x + (pl * ih + y1) * iw * depth;
        float *dst = up + r * uw * depth;
        for (int64_t v = 0; v < uw; v++) {
            int64_t x0, x1;
            float lx;
            source_of(v, s, iw, mode, &x0, &x1, &lx);
            const float *a = r0 + x0 * depth, *b = r0 + x1 * depth, *c = r1 + x0 * depth, *d = r1 + x1 * depth;
            float *o = dst + v * depth;
            if (mode == TCONV_RESIZE_NEAREST)
                memcpy(o, a, (size_t)depth * sizeof(float));
            else
                for (int64_t k = 0; k < depth; k++)
                    o[k] = (1.0f - ly) * ((1.0f - lx) * a[k] + lx * b[k]) + ly * ((1.0f - lx) * c[k] + lx * d[k]);
        }
    }
}

/* The stride-s transposed conv equal to nearest x s upsampling then the stride-1 conv pc (needs
   pb <= (k-1)*d so the composed crop is >= 0): taps t' in [(k-1-t)*d, (k-1-t)*d + s) all take w[t]. */
static bool composed_axis(const struct tconv__axis *a, int64_t s, int64_t small, struct tconv__axis *out)
{
    int64_t kc;
    if (a->s != 1 || a->pb > (a->k - 1) * a->d || !tconv__add((a->k - 1) * a->d, s, &kc)) return false;
    if (a->k > 1 && a->d > s) return false; /* (k-1)*d + s > k*s taps: more work than the two steps */
    const int64_t pb = (a->k - 1) * a->d - a->pb;
    *out = (struct tconv__axis){.big = a->small,
                                .small = small,
                                .k = kc,
                                .s = s,
                                .d = 1,
                                .ke = kc,
                                .pb = pb,
                                .pa = (small - 1) * s + kc - pb - a->small};
    return true;
}

static enum tconv_status resize(const char *fn, const struct tconv_params *p, int64_t s, enum tconv_resize mode,
                                const float *x, const float *filter, const float *bias, float *y, bool reference)
{
    if (!p) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "p (the parameters) must not be NULL");
    if (s < 1)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "scale = %lld is invalid: it must be >= 1", (long long)s);
    if ((int)mode < 0 || (int)mode > (int)TCONV_RESIZE_BILINEAR)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "mode = %d is invalid: it must be TCONV_RESIZE_NEAREST (0) or TCONV_RESIZE_BILINEAR (1)",
                           (int)mode);
    struct tconv_params pu = *p;
    if (!tconv__mul(p->in_h, s, &pu.in_h) || !tconv__mul(p->in_w, s, &pu.in_w))
        return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn, "in_h x scale = %lld x %lld overflows int64_t",
                           (long long)p->in_h, (long long)s);
    struct tconv__problem pc; /* the conv on the upsampled tensor */
    enum tconv_status st = tconv__resolve(fn, &pu, false, &pc, NULL);
    if (st != TCONV_OK) return st;
    const int64_t x_elems = pc.x_elems / (s * s); /* x itself: in_h*scale*in_w*scale divides exactly */
    struct tconv__problem small = pc;
    small.x_elems = x_elems;
    if ((st = tconv__check_pointers(fn, &small, x, filter, y)) != TCONV_OK) return st;
    if (pc.y_elems == 0) return TCONV_OK;

    struct tconv__axis ah, aw;
    const bool compose = !reference && mode == TCONV_RESIZE_NEAREST && composed_axis(&pc.h, s, p->in_h, &ah) &&
                         composed_axis(&pc.w, s, p->in_w, &aw);
    if (compose) {
        /* one transposed conv: x (small) -> y, kernel (k-1)*d + s, stride s, in the canonical layout */
        struct tconv__problem t = pc;
        t.transposed = true;
        t.h = ah, t.w = aw;
        t.in_h = p->in_h, t.in_w = p->in_w, t.x_elems = x_elems;
        t.flayout = TCONV_FILTER_HWOI; /* any layout works with any data layout; HWOI makes taps contiguous */
        if (!tconv__mul(ah.k * aw.k, pc.ci * pc.cog, &t.f_elems) || t.f_elems > INT64_MAX / 8)
            return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn, "the composed kernel is too large");
        struct tconv__plan pl;
        if ((st = tconv__plan(fn, &t, TCONV_ALGORITHM_AUTO, &pl)) != TCONV_OK) return st;
        const int threads = (int)tconv__max(1, tconv__min(tconv__loop_threads(0), pl.ntiles));
        const int64_t slice = pc.ci * pc.cog; /* one tap of the transposed filter: [o local][i full] */
        const size_t fbytes = tconv__round64((size_t)t.f_elems * sizeof(float));
        const size_t rbytes = tconv__round64((size_t)(pc.h.k * pc.w.k * slice) * sizeof(float));
        const size_t bytes = fbytes + rbytes + tconv__round64(pl.shared_bytes) + (size_t)threads * pl.scratch_bytes;
        char *ws = tconv__alloc(bytes);
        if (!ws) return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate a workspace of %zu bytes", bytes);
        float *wc = (float *)(void *)ws, *rp = (float *)(void *)(ws + fbytes); /* 64-byte aligned blocks */
        /* the conv filter as transposed taps: rp[ky][kx][o % cog][group's input block + c] */
        const struct tconv__fstrides fs = tconv__filter_strides(&pc);
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && slice > 4096)
        for (int64_t tap = 0; tap < pc.h.k * pc.w.k; tap++) {
            const float *src = filter + tconv__filter_index(&pc, 0, 0, tap / pc.w.k, tap % pc.w.k);
            float *dst = rp + tap * slice;
            for (int64_t o = 0; o < pc.co; o++)
                for (int64_t c = 0; c < pc.cig; c++)
                    dst[o % pc.cog * pc.ci + o / pc.cog * pc.cig + c] = src[o * fs.full + c * fs.local];
        }
        /* composed tap (ty, tx) sums the conv taps whose s x s blocks, at ((k-1-ky)*d, (k-1-kx)*d), cover it */
#pragma omp parallel for num_threads(threads) schedule(static) if (threads > 1 && slice > 4096)
        for (int64_t tap = 0; tap < ah.k * aw.k; tap++) {
            const int64_t ty = tap / aw.k, tx = tap % aw.k;
            float *restrict dst = wc + tap * slice;
            memset(dst, 0, (size_t)slice * sizeof(float));
            for (int64_t ky = 0; ky < pc.h.k; ky++) {
                const int64_t y0 = (pc.h.k - 1 - ky) * pc.h.d;
                if (ty < y0 || ty >= y0 + s) continue;
                for (int64_t kx = 0; kx < pc.w.k; kx++) {
                    const int64_t x0 = (pc.w.k - 1 - kx) * pc.w.d;
                    if (tx < x0 || tx >= x0 + s) continue;
                    const float *restrict src = rp + (ky * pc.w.k + kx) * slice;
                    for (int64_t e = 0; e < slice; e++) dst[e] += src[e];
                }
            }
        }
        struct tconv__times sum;
        tconv__execute(&t, &pl, (struct tconv__run){.x = x, .f = wc, .bias = bias, .y = y}, ws + fbytes + rbytes,
                       threads, false, &sum);
        tconv__free(ws);
        return TCONV_OK;
    }
    /* build the upsampled tensor, then the conv */
    float *up = tconv__alloc((size_t)pc.x_elems * sizeof(float));
    if (!up)
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate the upsampled input (%lld floats)",
                           (long long)pc.x_elems);
    upsample(&pc, s, mode, x, up, tconv__loop_threads(0));
    if (reference) {
        st = tconv__reference_run(fn, &pc, up, filter, bias, y);
    } else {
        struct tconv__plan pl;
        if ((st = tconv__plan(fn, &pc, TCONV_ALGORITHM_AUTO, &pl)) == TCONV_OK) {
            const int threads = (int)tconv__max(1, tconv__min(tconv__loop_threads(0), pl.ntiles));
            const size_t bytes = tconv__round64(pl.shared_bytes) + (size_t)threads * pl.scratch_bytes;
            char *ws = tconv__alloc(bytes);
            if (!ws) {
                st = tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate a workspace of %zu bytes", bytes);
            } else {
                struct tconv__times sum;
                tconv__execute(&pc, &pl, (struct tconv__run){.x = up, .f = filter, .bias = bias, .y = y}, ws, threads,
                               false, &sum);
                tconv__free(ws);
            }
        }
    }
    tconv__free(up);
    return st;
}

TCONV_API enum tconv_status tconv_resize_conv2d(const struct tconv_params *p, int64_t scale, enum tconv_resize mode,
                                                const float *x, const float *filter, const float *bias, float *y)
{
    return resize("tconv_resize_conv2d", p, scale, mode, x, filter, bias, y, false);
}

TCONV_API enum tconv_status tconv_resize_conv2d_reference(const struct tconv_params *p, int64_t scale,
                                                          enum tconv_resize mode, const float *x, const float *filter,
                                                          const float *bias, float *y)
{
    return resize("tconv_resize_conv2d_reference", p, scale, mode, x, filter, bias, y, true);
}
