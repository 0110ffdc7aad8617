/*
 * depthwise.c - direct loops for depthwise convolution and transposed convolution (one input and one
 * output channel per group: in_channels/groups == out_channels/groups == 1), forward and filter
 * gradient, where a GEMM per group has K = 1 and cannot win (TCONV__DEPTHWISE,
 * TCONV__FILTER_GRAD_DEPTHWISE). Weights are packed channel-innermost for NHWC ([kz][ky][kx][c]) and per
 * channel for NCHW. Rows are (z, y) flattened: a 2-D problem has z = kz = 0.
 *
 * NHWC tiles are bands of output rows; each output pixel's channels form one vector, taps are added
 * in (ky, kx) order. NCHW tiles are channel planes. The transposed case gathers the taps that land
 * on each output row, like col2im, so no output is shared between tiles.
 */
#include <string.h>

#include "algorithms.h"
#include "kernels.h"

/* The NHWC conv's register kernel (GCC and clang vector types; other compilers take the generic loop). */
#define DW_VEC      16 /* channels per sum: one AVX-512 register, two AVX2 ones */
#define DW_PX       4  /* output columns at once: four independent add chains hide the add latency */
#define DW_SLIDE_KW 5  /* the widest filter whose x vectors the kernel reuses across taps (5: EfficientNet's) */
#define DW_ROWS_MAX 64 /* tap rows (kz, ky) listed per output row; a taller filter takes the generic loop */

/* dst[i*ds + c] += src[i*ss + c] * w[c] for i < n, c < nc */
TCONV_CLONES static void mac_rows(float *restrict dst, int64_t ds, const float *restrict src, int64_t ss,
                                  const float *restrict w, int64_t n, int64_t nc)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < nc; c++) dst[i * ds + c] += src[i * ss + c] * w[c];
}

/* dst[i*ds] += src[i*ss] * w for i < n */
TCONV_CLONES static void mac_strided(float *restrict dst, int64_t ds, const float *restrict src, int64_t ss, float w,
                                     int64_t n)
{
    for (int64_t i = 0; i < n; i++) dst[i * ds] += src[i * ss] * w;
}

/* The tap rows (kz, ky) of one NHWC conv output row that read inside x: x's row and the filter's. */
struct tap_rows {
    int64_t n;
    const float *x[DW_ROWS_MAX];
    const float *w[DW_ROWS_MAX];
};

/* Collects at most DW_ROWS_MAX rows; false when there are more (the generic loop then takes them all). */
static bool conv_tap_rows(const struct tconv__problem *pr, const float *x, const float *wp, int64_t b, int64_t oz,
                          int64_t oy, struct tap_rows *t)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t c_n = pr->co;
    t->n = 0;
    for (int64_t kz = 0; kz < dz->k; kz++) {
        const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
        if (iz < 0 || iz >= pr->in_d) continue;
        for (int64_t ky = 0; ky < h->k; ky++) {
            const int64_t iy = oy * h->s - h->before + ky * h->d;
            if (iy < 0 || iy >= pr->in_h) continue;
            if (t->n == DW_ROWS_MAX) return false;
            t->x[t->n] = x + ((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w * c_n;
            t->w[t->n] = wp + (kz * h->k + ky) * w->k * tconv__dw_ld(pr);
            t->n++;
        }
    }
    return true;
}

/* The generic loop on output columns [ox0, ox1) and channels [c0, c0 + nc) of one row: y there holds
   zeros (or what it accumulates into); every tap adds a row segment, taps in (kz, ky, kx) order. */
static void conv_nhwc_part(const struct tconv__problem *pr, const struct tap_rows *t, float *yrow, int64_t ox0,
                           int64_t ox1, int64_t c0, int64_t nc)
{
    const struct tconv__axis *w = &pr->w;
    const int64_t c_n = pr->co;
    for (int64_t r = 0; r < t->n; r++)
        for (int64_t kx = 0; kx < w->k; kx++) {
            int64_t lo, hi;
            tconv__tap_range(w, kx, &lo, &hi); /* same map: ix = ox*s + kx*d - pb */
            lo = tconv__max(lo, ox0);
            hi = tconv__min(hi, ox1);
            if (hi > lo)
                mac_rows(yrow + lo * c_n + c0, c_n, t->x[r] + (lo * w->s + kx * w->d - w->before) * c_n + c0,
                         tconv__step(w->s, c_n, hi - lo), t->w[r] + kx * tconv__dw_ld(pr) + c0, hi - lo, nc);
        }
}

static void zero_part(float *yrow, int64_t c_n, int64_t ox0, int64_t ox1, int64_t c0, int64_t nc)
{
    for (int64_t ox = ox0; ox < ox1; ox++) memset(yrow + ox * c_n + c0, 0, (size_t)nc * sizeof(float));
}

#if defined(__GNUC__)
typedef float dw_vec __attribute__((vector_size(DW_VEC * sizeof(float))));
_Static_assert(DW_VEC <= TCONV__DW_WRAP, "a vector starting at any channel must find its weights packed");

/* Unaligned vector loads. A macro, not a function: a 64-byte vector returned by value would change the
   psABI between the clones. */
#define DW_LOAD(v, p) memcpy(&(v), (p), sizeof(dw_vec))

typedef int32_t dw_mask __attribute__((vector_size(DW_VEC * sizeof(float))));

/* y = act(a + bias), the epilogue's arithmetic: ReLU keeps NaN and -0 as tconv__act does. */
static inline void dw_store(float *y, const dw_vec *sum, const float *bias, enum tconv_activation act)
{
    dw_vec a = *sum, b;
    if (bias) {
        DW_LOAD(b, bias);
        a += b;
    }
    if (act == TCONV_ACTIVATION_RELU) a = (dw_vec)((dw_mask)a & ~(a < (dw_vec){0}));
    memcpy(y, &a, sizeof a);
}

/* The sums of DW_PX columns and one channel vector over every tap row, where columns and taps step alike
   (stride == dilation): x's DW_PX + kw - 1 vectors of a row are loaded once, not DW_PX*kw times. kw is a
   constant where this is inlined. Taps added in (row, kx) order, as everywhere. */
static inline __attribute__((always_inline)) void block_slide(dw_vec *a, const struct tap_rows *t, int64_t xoff,
                                                              int64_t woff, int64_t wld, int64_t xs, const int kw)
{
    for (int64_t r = 0; r < t->n; r++) {
        const float *xp = t->x[r] + xoff, *wr = t->w[r] + woff;
        dw_vec xv[DW_PX + DW_SLIDE_KW - 1], wv[DW_SLIDE_KW];
        for (int j = 0; j < DW_PX + kw - 1; j++) DW_LOAD(xv[j], xp + j * xs);
        for (int kx = 0; kx < kw; kx++) DW_LOAD(wv[kx], wr + kx * wld);
        for (int kx = 0; kx < kw; kx++)
            for (int i = 0; i < DW_PX; i++) a[i] += xv[i + kx] * wv[kx];
    }
}

/* Output columns [0, px) (x_r and y start at the first) and channel vectors [0, nvec) of one row, each
   sum kept in a register over every tap: y = (y or 0) + x*w tap by tap, in the generic loop's order, so
   both give the same bits. x_r's columns are xs floats apart and its taps xd. */
TCONV_CLONES static void conv_vec(float *restrict y, const struct tap_rows *t, int64_t kw, int64_t c_n, int64_t wld,
                                  int64_t xs, int64_t xd, int64_t px, int64_t nvec, bool accumulate, const float *bias,
                                  enum tconv_activation act)
{
    int64_t p = 0;
    for (; p + DW_PX <= px; p += DW_PX) /* a block of columns, all its channels: x's lines used at once */
        for (int64_t c = 0; c < nvec * DW_VEC; c += DW_VEC) {
            float *yp = y + p * c_n + c;
            dw_vec a[DW_PX], wv, xv;
            for (int i = 0; i < DW_PX; i++)
                if (accumulate)
                    DW_LOAD(a[i], yp + i * c_n);
                else
                    a[i] = (dw_vec){0};
            if (xs == xd && kw == 3) /* MobileNet's and friends' 3-wide filters */
                block_slide(a, t, p * xs + c, c, wld, xs, 3);
            else if (xs == xd && kw == DW_SLIDE_KW)
                block_slide(a, t, p * xs + c, c, wld, xs, DW_SLIDE_KW);
            else
                for (int64_t r = 0; r < t->n; r++) {
                    const float *xp = t->x[r] + p * xs + c, *wr = t->w[r] + c;
                    for (int64_t kx = 0; kx < kw; kx++) {
                        DW_LOAD(wv, wr + kx * wld);
                        for (int i = 0; i < DW_PX; i++) {
                            DW_LOAD(xv, xp + kx * xd + i * xs);
                            a[i] += xv * wv;
                        }
                    }
                }
            for (int i = 0; i < DW_PX; i++) dw_store(yp + i * c_n, &a[i], bias ? bias + c : NULL, act);
        }
    for (; p < px; p++)
        for (int64_t c = 0; c < nvec * DW_VEC; c += DW_VEC) {
            float *yp = y + p * c_n + c;
            dw_vec a = {0}, wv, xv;
            if (accumulate) DW_LOAD(a, yp);
            for (int64_t r = 0; r < t->n; r++)
                for (int64_t kx = 0; kx < kw; kx++) {
                    DW_LOAD(xv, t->x[r] + p * xs + kx * xd + c);
                    DW_LOAD(wv, t->w[r] + kx * wld + c);
                    a += xv * wv;
                }
            dw_store(yp, &a, bias ? bias + c : NULL, act);
        }
}
#endif

#if defined(__GNUC__)
/* Column ox of one output row by the register kernel (channel vectors [0, nvec*DW_VEC)), with the taps
   kx that read inside x: a contiguous run, as ix grows with kx. */
static void conv_column(const struct tconv__problem *pr, const struct tap_rows *t, float *yrow, int64_t ox,
                        int64_t nvec, bool accumulate, const float *bias)
{
    const struct tconv__axis *w = &pr->w;
    const int64_t c_n = pr->co, wld = tconv__dw_ld(pr);
    int64_t k0 = 0, k1 = 0;
    for (int64_t kx = 0; kx < w->k; kx++) {
        const int64_t ix = ox * w->s + kx * w->d - w->before;
        if (ix < 0) k0 = kx + 1;
        if (ix < pr->in_w) k1 = kx + 1;
    }
    struct tap_rows xt = *t;
    for (int64_t r = 0; r < t->n; r++) {
        xt.x[r] = t->x[r] + (ox * w->s + k0 * w->d - w->before) * c_n;
        xt.w[r] = t->w[r] + k0 * wld;
    }
    conv_vec(yrow + ox * c_n, &xt, tconv__max(0, k1 - k0), c_n, wld, 0, w->d * c_n, 1, nvec, accumulate, bias, pr->act);
}
#endif

/* One output row (b, oz, oy) of the NHWC conv: whole channel vectors by the register kernel, column by
   column at the borders, the channels left over by the generic loop. With stride 1, whole vectors of
   channels and no accumulate, the interior's vectors start where x's are 64-byte aligned (a misaligned
   vector load touches two cache lines) and the last of a column runs into the next column's first
   channels (the packed filter and the bias repeat their first channels after the last for it); the two
   columns that leaves partial are then computed whole, writing the same bits again. */
static void conv_nhwc(const struct tconv__problem *pr, const float *x, const float *wp, const float *bias,
                      const float *bias_wrap, int64_t b, int64_t oz, int64_t oy, float *yrow, bool accumulate)
{
    const struct tconv__axis *w = &pr->w;
    const int64_t c_n = pr->co, out_w = pr->out_w, wld = tconv__dw_ld(pr);
    struct tap_rows t;
    const bool few = conv_tap_rows(pr, x, wp, b, oz, oy, &t);
    int64_t a = 0, e = out_w, nvec = 0, h = 0; /* interior columns [a, e); vectors from channel h */
    for (int64_t kx = 0; kx < w->k; kx++) {
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi);
        a = tconv__max(a, lo);
        e = tconv__min(e, hi);
    }
    e = tconv__max(a, e);
#if defined(__GNUC__)
    nvec = few ? c_n / DW_VEC : 0;
    if (nvec > 0 && w->s == 1 && c_n % DW_VEC == 0 && e - a >= 2 && t.n > 0 && !accumulate) {
        const int64_t mis = (int64_t)((uintptr_t)t.x[0] / sizeof(float) % DW_VEC); /* every x row's: c_n % 16 == 0 */
        h = (DW_VEC - mis) % DW_VEC;
    }
#endif
    const int64_t cv = nvec * DW_VEC; /* channels [cv, c_n) go the generic way */
    if (cv < c_n) {
        if (!accumulate) zero_part(yrow, c_n, 0, out_w, cv, c_n - cv);
        if (!few) { /* more tap rows than the list holds: row by row */
            for (int64_t kz = 0; kz < pr->d.k; kz++)
                for (int64_t ky = 0; ky < pr->h.k; ky++) {
                    struct tap_rows one = {.n = 0};
                    const int64_t iz = oz * pr->d.s - pr->d.before + kz * pr->d.d;
                    const int64_t iy = oy * pr->h.s - pr->h.before + ky * pr->h.d;
                    if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) continue;
                    one.n = 1;
                    one.x[0] = x + ((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w * c_n;
                    one.w[0] = wp + (kz * pr->h.k + ky) * w->k * wld;
                    conv_nhwc_part(pr, &one, yrow, 0, out_w, cv, c_n - cv);
                }
        } else {
            conv_nhwc_part(pr, &t, yrow, 0, out_w, cv, c_n - cv);
        }
        tconv__epilogue_cols(pr->act, bias ? bias + cv : NULL, yrow + cv, out_w, c_n - cv, c_n);
    }
#if defined(__GNUC__)
    if (nvec == 0) return;
    for (int64_t ox = 0; ox < out_w; ox++)
        if (ox < a || ox >= e) conv_column(pr, &t, yrow, ox, nvec, accumulate, bias);
    if (e == a) return;
    struct tap_rows xt = t; /* x and w rows at column a's first tap, channel h */
    for (int64_t r = 0; r < t.n; r++) {
        xt.x[r] = t.x[r] + (a * w->s - w->before) * c_n + h;
        xt.w[r] = t.w[r] + h;
    }
    conv_vec(yrow + a * c_n + h, &xt, w->k, c_n, wld, w->s * c_n, w->d * c_n, e - a - (h > 0), nvec, accumulate,
             bias ? bias_wrap + h : NULL, pr->act);
    if (h > 0) { /* columns a and e - 1 are partial: whole again */
        conv_column(pr, &t, yrow, a, nvec, false, bias);
        conv_column(pr, &t, yrow, e - 1, nvec, false, bias);
    }
#else
    (void)bias_wrap;
#endif
}

static void transpose_nhwc(const struct tconv__problem *pr, const float *x, const float *wp, int64_t b, int64_t oz,
                           int64_t oy, float *yrow)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t c_n = pr->co, wld = tconv__dw_ld(pr);
    for (int64_t kz = 0; kz < dz->k; kz++) {
        int64_t iz;
        if (!tconv__tap_source(dz, oz, kz, &iz)) continue;
        for (int64_t ky = 0; ky < h->k; ky++) {
            int64_t iy;
            if (!tconv__tap_source(h, oy, ky, &iy)) continue;
            const float *xrow = x + ((b * pr->in_d + iz) * pr->in_h + iy) * pr->in_w * c_n;
            const float *wrow = wp + (kz * h->k + ky) * w->k * wld;
            for (int64_t kx = 0; kx < w->k; kx++) {
                int64_t lo, hi;
                tconv__tap_range(w, kx, &lo, &hi);
                if (hi > lo)
                    mac_rows(yrow + (lo * w->s + kx * w->d - w->before) * c_n, tconv__step(w->s, c_n, hi - lo),
                             xrow + lo * c_n, c_n, wrow + kx * wld, hi - lo, c_n);
            }
        }
    }
}

/* One channel volume of the NCHW conv: xp and plane hold in_d*in_h*in_w and out_d*out_h*out_w pixels. */
static void conv_nchw(const struct tconv__problem *pr, const float *xp, const float *wc, float *plane)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    for (int64_t orow = 0; orow < pr->out_d * pr->out_h; orow++) { /* output row (oz, oy) */
        const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
        for (int64_t kz = 0; kz < dz->k; kz++) {
            const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
            if (iz < 0 || iz >= pr->in_d) continue;
            for (int64_t ky = 0; ky < h->k; ky++) {
                const int64_t iy = oy * h->s - h->before + ky * h->d;
                if (iy < 0 || iy >= pr->in_h) continue;
                const int64_t irow = iz * pr->in_h + iy;
                const float *wt = wc + (kz * h->k + ky) * w->k;
                for (int64_t kx = 0; kx < w->k; kx++) {
                    int64_t lo, hi;
                    tconv__tap_range(w, kx, &lo, &hi);
                    if (hi > lo)
                        mac_strided(plane + orow * pr->out_w + lo, 1,
                                    xp + (irow * pr->in_w + lo * w->s + kx * w->d - w->before), w->s, wt[kx], hi - lo);
                }
            }
        }
    }
}

static void transpose_nchw(const struct tconv__problem *pr, const float *xp, const float *wc, float *plane)
{
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    for (int64_t orow = 0; orow < pr->out_d * pr->out_h; orow++) { /* output row (oz, oy) */
        const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
        for (int64_t kz = 0; kz < dz->k; kz++) {
            int64_t iz;
            if (!tconv__tap_source(dz, oz, kz, &iz)) continue;
            for (int64_t ky = 0; ky < h->k; ky++) {
                int64_t iy;
                if (!tconv__tap_source(h, oy, ky, &iy)) continue;
                const int64_t irow = iz * pr->in_h + iy;
                const float *wt = wc + (kz * h->k + ky) * w->k;
                for (int64_t kx = 0; kx < w->k; kx++) {
                    int64_t lo, hi;
                    tconv__tap_range(w, kx, &lo, &hi);
                    if (hi > lo)
                        mac_strided(plane + (orow * pr->out_w + lo * w->s + kx * w->d - w->before), w->s,
                                    xp + irow * pr->in_w + lo, 1, wt[kx], hi - lo);
                }
            }
        }
    }
}

void tconv__depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__depthwise_plan *dp = &r->pl->u.depthwise;
    const int64_t in_px = pr->in_d * pr->in_h * pr->in_w, out_rows = pr->out_d * pr->out_h;
    const bool no_input = in_px == 0; /* x may be NULL: every output is the bias */
    double t0 = TCONV__CLOCK();
    if (pr->layout == TCONV_NHWC) { /* tiles (image, band of output rows (oz, oy)) */
        const int64_t b = tile / dp->bands, oy0 = tile % dp->bands * dp->rows_out;
        const int64_t oy1 = tconv__min(out_rows, oy0 + dp->rows_out);
        float *bias_wrap = scratch; /* the bias as the packed filter: its first channels again after the last */
        if (r->bias)
            for (int64_t c = 0; c < tconv__dw_ld(pr); c++) bias_wrap[c] = r->bias[c % pr->co];
        for (int64_t orow = oy0; orow < oy1; orow++) {
            const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
            float *yrow = r->y + (b * out_rows + orow) * pr->out_w * pr->co;
            if (!no_input && !pr->transposed) {
                conv_nhwc(pr, r->x, r->f, r->bias, bias_wrap, b, oz, oy, yrow, r->accumulate); /* all, epilogue too */
            } else {
                if (!r->accumulate) memset(yrow, 0, (size_t)(pr->out_w * pr->co) * sizeof(float));
                if (!no_input) transpose_nhwc(pr, r->x, r->f, b, oz, oy, yrow);
                tconv__epilogue_cols(pr->act, r->bias, yrow, pr->out_w, pr->co, pr->co);
            }
        }
    } else { /* tiles (image, channel volume) */
        const int64_t b = tile / pr->co, c = tile % pr->co, px = out_rows * pr->out_w;
        float *plane = r->y + (b * pr->co + c) * px;
        const float *xp = no_input ? NULL : r->x + (b * pr->ci + c) * in_px;
        const float *wc = r->f + c * pr->d.k * pr->h.k * pr->w.k;
        if (!r->accumulate) memset(plane, 0, (size_t)px * sizeof(float));
        if (!no_input) {
            if (pr->transposed)
                transpose_nchw(pr, xp, wc, plane);
            else
                conv_nchw(pr, xp, wc, plane);
        }
        tconv__epilogue_rows(pr->act, r->bias ? r->bias + c : NULL, plane, 1, px, 0);
    }
    TCONV__LAP(col2im);
}

/* One channel's taps t = (kz, ky, kx): NHWC [t][c] (channels 0..15 again after the last), NCHW [c][t]. */
void tconv__pack_depthwise_tile(const struct tconv__run *r, int64_t c, float *scratch, struct tconv__times *t)
{
    (void)scratch;
    const struct tconv__problem *pr = r->pr;
    const int64_t c_n = pr->co, taps = pr->d.k * pr->h.k * pr->w.k;
    double t0 = TCONV__CLOCK();
    for (int64_t kz = 0; kz < pr->d.k; kz++)
        for (int64_t ky = 0; ky < pr->h.k; ky++)
            for (int64_t kx = 0; kx < pr->w.k; kx++) {
                const int64_t tap = (kz * pr->h.k + ky) * pr->w.k + kx;
                const float v = r->filter[tconv__filter_index(pr, c, 0, kz, ky, kx)];
                if (pr->layout == TCONV_NHWC) {
                    r->packed[tap * tconv__dw_ld(pr) + c] = v;
                    if (c < TCONV__DW_WRAP && c_n + c < tconv__dw_ld(pr))
                        r->packed[tap * tconv__dw_ld(pr) + c_n + c] = v;
                } else
                    r->packed[c * taps + tap] = v;
            }
    TCONV__LAP(pack);
}

/* ---- filter gradient ---- */

static void store(float *dw, int64_t idx, float v, bool accumulate) { dw[idx] = accumulate ? dw[idx] + v : v; }

/* acc[c] += a[i*as + c] * b[i*bs + c] for i < n, c < nc */
TCONV_CLONES static void mac_pixels(float *restrict acc, const float *restrict a, int64_t as, const float *restrict b,
                                    int64_t bs, int64_t n, int64_t nc)
{
    for (int64_t i = 0; i < n; i++)
        for (int64_t c = 0; c < nc; c++) acc[c] += a[i * as + c] * b[i * bs + c];
}

void tconv__filter_grad_depthwise_tile(const struct tconv__run *r, int64_t tile, float *scratch, struct tconv__times *t)
{
    const struct tconv__problem *pr = r->pr;
    const struct tconv__channels_plan *cp = &r->pl->u.channels;
    const struct tconv__axis *dz = &pr->d, *h = &pr->h, *w = &pr->w;
    const int64_t taps_hw = h->k * w->k, taps = dz->k * taps_hw, c_n = pr->co;
    const int64_t out_rows = pr->out_d * pr->out_h, in_rows = pr->in_d * pr->in_h;
    double t0 = TCONV__CLOCK();
    if (pr->layout == TCONV_NHWC) { /* tile: one tap, a block of channels */
        const int64_t tap = tile / cp->blocks, c0 = tile % cp->blocks * cp->channels;
        const int64_t nc = tconv__min(c_n, c0 + cp->channels) - c0;
        const int64_t kz = tap / taps_hw, ky = tap % taps_hw / w->k, kx = tap % w->k;
        float *acc = scratch;
        memset(acc, 0, (size_t)nc * sizeof(float));
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi); /* output columns whose tap kx reads inside x */
        for (int64_t b = 0; b < pr->n; b++)
            for (int64_t orow = 0; orow < out_rows && hi > lo; orow++) {
                const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
                const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
                const int64_t iy = oy * h->s - h->before + ky * h->d;
                if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) continue;
                const int64_t irow = iz * pr->in_h + iy;
                mac_pixels(acc, r->dy + ((b * out_rows + orow) * pr->out_w + lo) * c_n + c0, c_n,
                           r->x + ((b * in_rows + irow) * pr->in_w + lo * w->s + kx * w->d - w->before) * c_n + c0,
                           tconv__step(w->s, c_n, hi - lo), hi - lo, nc);
            }
        for (int64_t c = 0; c < nc; c++)
            store(r->dw, tconv__filter_index(pr, c0 + c, 0, kz, ky, kx), acc[c], r->accumulate);
    } else { /* tile: one channel, one tap */
        const int64_t c = tile / taps, kz = tile % taps / taps_hw, ky = tile % taps_hw / w->k, kx = tile % w->k;
        const int64_t px = out_rows * pr->out_w, in_px = in_rows * pr->in_w;
        float acc = 0.0f;
        int64_t lo, hi;
        tconv__tap_range(w, kx, &lo, &hi);
        for (int64_t b = 0; b < pr->n; b++) {
            const float *dyp = r->dy + (b * c_n + c) * px, *xp = in_px ? r->x + (b * pr->ci + c) * in_px : NULL;
            for (int64_t orow = 0; orow < out_rows && hi > lo && xp; orow++) {
                const int64_t oz = orow / pr->out_h, oy = orow % pr->out_h;
                const int64_t iz = oz * dz->s - dz->before + kz * dz->d;
                const int64_t iy = oy * h->s - h->before + ky * h->d;
                if (iz < 0 || iz >= pr->in_d || iy < 0 || iy >= pr->in_h) continue;
                const float *xr = xp + (iz * pr->in_h + iy) * pr->in_w;
                for (int64_t ox = lo; ox < hi; ox++)
                    acc += dyp[orow * pr->out_w + ox] * xr[ox * w->s + kx * w->d - w->before];
            }
        }
        store(r->dw, tconv__filter_index(pr, c, 0, kz, ky, kx), acc, r->accumulate);
    }
    TCONV__LAP(col2im);
}
