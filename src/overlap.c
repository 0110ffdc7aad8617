/*
 * overlap.c - the overlap map of a transposed convolution (tconv_overlap_map): how many (input pixel,
 * kernel tap) pairs land on each output pixel. A uniform map adds no pattern; a kernel not divisible
 * by the stride gives the periodic checkerboard of Odena et al., "Deconvolution and Checkerboard
 * Artifacts" (2016). The map is the outer product of one count per axis.
 * 2-D only: its problems come from tconv__resolve, whose depth axis is trivial (h and w are mapped).
 */
#include <string.h>

#include "analysis.h"

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
        a = b;
        b = r;
    }
    struct lattice L = {a, s / a, d / a, 0};
    i128 r0 = L.d, r1 = L.s % L.d, t0 = 0, t1 = 1; /* extended Euclid: t0 * s = r0 (mod d) */
    while (r1) {
        const i128 q = r0 / r1, r2 = r0 - q * r1, t2 = t0 - q * t1;
        r0 = r1;
        r1 = r2;
        t0 = t1;
        t1 = t2;
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
        c[p] = tconv__add(p, a->before, &q) ? (int32_t)lattice_count(&L, q, a->small, a->k) : 0;
    }
}

enum tconv_status tconv__overlap_counts(const char *fn, const struct tconv__problem *pr, int32_t *counts)
{
    const int64_t cells = pr->out_h * pr->out_w; /* <= INT_MAX: checked by resolve */
    if (pr->in_h == 0 || pr->in_w == 0) {        /* an empty x reaches nothing (and its crop is unchecked, as in TF) */
        memset(counts, 0, (size_t)cells * sizeof(int32_t));
        return TCONV_OK;
    }
    int32_t *ch = tconv__alloc((size_t)(pr->out_h + pr->out_w) * sizeof(int32_t));
    if (!ch)
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate %lld counts",
                           (long long)(pr->out_h + pr->out_w));
    int32_t *cw = ch + pr->out_h;
    axis_counts(&pr->h, ch);
    axis_counts(&pr->w, cw);
    for (int64_t oy = 0; oy < pr->out_h; oy++)
        for (int64_t ox = 0; ox < pr->out_w; ox++) counts[oy * pr->out_w + ox] = ch[oy] * cw[ox];
    tconv__free(ch);
    return TCONV_OK;
}
