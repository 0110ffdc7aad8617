/*
 * overlap_nd.c - the separable overlap map of a 1-D or 3-D transposed conv and its verdict (see overlap_nd.h).
 *
 * Per axis, input position i and tap t land on full-result position i*s + t*d, output o = i*s + t*d - crop.
 * Away from the edges of x, output o gets verdict_axis's taps[o mod s]; the map says where the
 * edges give fewer. Both are per axis, so every whole-map number is a product over the axes.
 */
#include "overlap_nd.h"

#include <stdlib.h>
#include <string.h>

#include "options_nd.h"
#include "plural.h"

/* The histogram multiplies the axes' distinct counts: beyond this many per axis, or this many combinations, it
   is not computed (an axis has at most kernel + 1 distinct counts). */
#define OVERLAP_HIST_AXIS_MAX   256
#define OVERLAP_HIST_COMBOS_MAX 4096

/* The inputs that can land inside [0, out): i*s + t*d - crop in range for some tap t. */
static void landing_inputs(int64_t in, int64_t k, int64_t s, int64_t d, int64_t crop, int64_t out, int64_t *first,
                           int64_t *last)
{
    const int64_t lo = crop - (k - 1) * d; /* i*s >= lo: the last tap reaches 0 */
    *first = lo > 0 ? (lo + s - 1) / s : 0;
    *last = (crop + out - 1) / s; /* i*s <= crop + out - 1: the first tap stays inside */
    if (*last > in - 1) *last = in - 1;
}

void overlap_axis(int64_t in, int64_t k, int64_t s, int64_t d, int64_t crop, int64_t out, int64_t *counts)
{
    int64_t first, last;
    for (int64_t o = 0; o < out; o++) counts[o] = 0;
    landing_inputs(in, k, s, d, crop, out, &first, &last);
    for (int64_t i = first; i <= last; i++)
        for (int64_t t = 0; t < k; t++) {
            const int64_t o = i * s + t * d - crop;
            if (o >= 0 && o < out) counts[o]++;
        }
}

int64_t overlap_axis_work(int64_t in, int64_t k, int64_t s, int64_t d, int64_t crop, int64_t out)
{
    int64_t first, last;
    landing_inputs(in, k, s, d, crop, out, &first, &last);
    return last < first ? out : out + (last - first + 1) * k;
}

int64_t overlap_nd_at(const struct overlap_nd *m, const int64_t *pos)
{
    int64_t c = 1;
    for (int a = 0; a < m->rank; a++) c *= m->count[a][pos[a]];
    return c;
}

/* Positions of axis a whose pattern is nonzero, and those of them that get all of it. verdict_axis's phases
   already count from the crop (tap t reaches phase (t*d - crop) mod s): output o gets taps[o mod s]. */
static void axis_fewer(const struct overlap_nd *m, int a, int64_t *live, int64_t *full)
{
    const struct verdict_axis *v = &m->axis[a];
    *live = *full = 0;
    for (int64_t o = 0; o < m->out[a]; o++) {
        const int64_t want = v->taps[o % v->stride];
        *live += want > 0;
        *full += want > 0 && m->count[a][o] == want;
    }
}

/* The pattern per axis, its products, and how many positions get fewer: a position gets fewer when no axis'
   pattern is 0 there and some axis' count falls short of it. */
static void judge(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g, struct overlap_nd *m)
{
    int64_t live = 1, full = 1;
    m->lo = m->hi = 1;
    m->kind = VERDICT_UNANALYSED;
    for (int a = 0; a < p->rank; a++)
        if (p->stride[a] > VERDICT_MAX_STRIDE) return;
    for (int a = 0; a < p->rank; a++) {
        int64_t l, f;
        verdict_axis(p->kernel[a], p->stride[a], p->dilation[a], g->pad_before[a], &m->axis[a]);
        m->lo *= m->axis[a].min;
        m->hi *= m->axis[a].max;
        axis_fewer(m, a, &l, &f);
        live *= l;
        full *= f;
    }
    m->kind = m->lo == m->hi ? VERDICT_UNIFORM : m->lo == 0 ? VERDICT_HOLES : VERDICT_CHECKERBOARD;
    m->fewer = live - full;
}

int overlap_nd_build(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g, struct overlap_nd *m)
{
    memset(m, 0, sizeof *m);
    m->rank = p->rank;
    m->positions = 1;
    for (int a = 0; a < p->rank; a++) {
        m->out[a] = g->out[a];
        m->positions *= g->out[a];
        m->count[a] = malloc((size_t)(g->out[a] > 0 ? g->out[a] : 1) * sizeof(int64_t));
        if (!m->count[a]) {
            overlap_nd_free(m);
            return -1;
        }
        overlap_axis(p->in[a], p->kernel[a], p->stride[a], p->dilation[a], g->pad_before[a], g->out[a], m->count[a]);
    }
    judge(p, g, m);
    return 0;
}

void overlap_nd_free(struct overlap_nd *m)
{
    for (int a = 0; a < TCONV_MAX_RANK; a++) {
        free(m->count[a]);
        m->count[a] = NULL;
    }
}

/* ------------------------------------------------------------------ the histogram */

/* Adds `times` positions of count v to the ascending value[] / times[] of *n entries (room for max). */
static bool hist_add(int64_t *value, int64_t *times, int *n, int max, int64_t v, int64_t t)
{
    int i = 0;
    while (i < *n && value[i] < v) i++;
    if (i < *n && value[i] == v) {
        times[i] += t;
        return true;
    }
    if (*n == max) return false;
    memmove(value + i + 1, value + i, (size_t)(*n - i) * sizeof *value);
    memmove(times + i + 1, times + i, (size_t)(*n - i) * sizeof *times);
    value[i] = v;
    times[i] = t;
    (*n)++;
    return true;
}

/* Axis a's distinct counts and how often each occurs (at most k + 1 of them: room for max). */
static int axis_histogram(const struct overlap_nd *m, int a, int64_t *value, int64_t *times, int max)
{
    int n = 0;
    for (int64_t o = 0; o < m->out[a]; o++)
        if (!hist_add(value, times, &n, max, m->count[a][o], 1)) return -1;
    return n;
}

int overlap_nd_histogram(const struct overlap_nd *m, int64_t *value, int64_t *times, int max)
{
    int64_t v[TCONV_MAX_RANK][OVERLAP_HIST_AXIS_MAX], t[TCONV_MAX_RANK][OVERLAP_HIST_AXIS_MAX];
    int n[TCONV_MAX_RANK] = {1, 1, 1}, combos = 1, out = 0;
    for (int a = 0; a < TCONV_MAX_RANK; a++) v[a][0] = t[a][0] = 1; /* the axes beyond the rank: one 1 */
    for (int a = 0; a < m->rank; a++) {
        if ((n[a] = axis_histogram(m, a, v[a], t[a], OVERLAP_HIST_AXIS_MAX)) < 0) return -1;
        if (n[a] && combos > OVERLAP_HIST_COMBOS_MAX / n[a]) return -1;
        combos *= n[a];
    }
    for (int i = 0; i < combos; i++) {
        const int i0 = i / (n[1] * n[2]), i1 = i / n[2] % n[1], i2 = i % n[2];
        if (!hist_add(value, times, &out, max, v[0][i0] * v[1][i1] * v[2][i2], t[0][i0] * t[1][i1] * t[2][i2]))
            return -1;
    }
    return out;
}

/* ------------------------------------------------------------------ the verdict */

/* "position" (1-D) or "voxel" (3-D) */
static const char *unit(int rank) { return rank == 1 ? "position" : "voxel"; }

/* "2" or "2x2x2": the period per axis */
static void print_period(FILE *f, const struct overlap_nd *m)
{
    for (int a = 0; a < m->rank; a++) fprintf(f, "%s%lld", a ? "x" : "", (long long)m->axis[a].period);
}

static void print_verdict_line(FILE *f, const struct overlap_nd *m)
{
    const long long lo = (long long)m->lo, hi = (long long)m->hi;
    const char *u = unit(m->rank);
    if (m->kind == VERDICT_UNIFORM) {
        fprintf(f, "verdict: uniform: %lld tap%s on every output %s away from the edges of x", lo, plural(lo), u);
    } else {
        if (m->kind == VERDICT_HOLES)
            fprintf(f, "verdict: holes: the taps per %s vary from 0 to %lld with a period of ", u, hi);
        else
            fprintf(f, "verdict: checkerboard: %lld to %lld taps per %s (max/min %.2f) with a period of ", lo, hi, u,
                    (double)hi / (double)lo);
        print_period(f, m);
        fprintf(f, " %ss%s", u, m->kind == VERDICT_HOLES ? "; some output positions get no input at all" : "");
    }
    if (m->fewer)
        fprintf(f, "; %lld of the %lld %s%s, near the edges, get%s fewer", (long long)m->fewer, (long long)m->positions,
                u, plural(m->positions), m->fewer == 1 ? "s" : "");
    fprintf(f, "\n");
}

/* Per uneven axis: its taps split unevenly over the stride's output phases. */
static void print_why(FILE *f, const struct tconv_nd_params *p, const struct overlap_nd *m)
{
    static const char *const lines[TCONV_MAX_RANK] = {"slices", "rows", "columns"};
    fprintf(f, "why:");
    for (int a = 0, n = 0; a < p->rank; a++) {
        const struct verdict_axis *v = &m->axis[a];
        const long long k = (long long)p->kernel[a];
        if (v->min == v->max) continue;
        fprintf(f, "%s %s: %lld tap%s (dilation %lld) over stride %lld reach%s the output %s %lld to %lld times",
                n++ ? ";" : "", cli_axis_name(p->rank, a), k, plural(k), (long long)p->dilation[a],
                (long long)v->stride, k == 1 ? "es" : "", p->rank == 1 ? "positions" : lines[a], (long long)v->min,
                (long long)v->max);
    }
    fprintf(f, ". The kernel does not spread evenly over the stride: the checkerboard of Odena et al., "
               "\"Deconvolution and Checkerboard Artifacts\" (2016).\n");
}

/* "16" or "2x2x2" of v, or with even the next kernel per axis that spreads evenly (a multiple of the stride). */
static void print_kernel(FILE *f, const struct tconv_nd_params *p, const struct overlap_nd *m, bool even)
{
    for (int a = 0; a < p->rank; a++) {
        const struct verdict_axis *v = &m->axis[a];
        const int64_t k = p->kernel[a];
        fprintf(f, "%s%lld", a ? "x" : "", (long long)(even && v->min != v->max ? (k / v->stride + 1) * v->stride : k));
    }
}

void overlap_nd_verdict_print(FILE *f, const struct tconv_nd_params *p, const struct overlap_nd *m)
{
    if (m->kind == VERDICT_UNANALYSED) {
        fprintf(f, "verdict: (strides over %d: no pattern analysis)\n", VERDICT_MAX_STRIDE);
        return;
    }
    print_verdict_line(f, m);
    if (m->kind == VERDICT_UNIFORM) {
        fprintf(f, "why: the kernel (");
        print_kernel(f, p, m, false);
        fprintf(f, ") spreads evenly over the stride (");
        for (int a = 0; a < p->rank; a++) fprintf(f, "%s%lld", a ? "x" : "", (long long)p->stride[a]);
        fprintf(f, "): every output phase gets the same number of taps.\n");
        return;
    }
    print_why(f, p, m);
    fprintf(f, "fix: a kernel that is a multiple of the stride (");
    print_kernel(f, p, m, true);
    fprintf(f, " here, with dilation 1), or resize-convolution (nearest upsampling, then a stride-1 conv; the "
               "library's tconv_resize_conv2d and tconv_bilinear_filter are 2-D only).\n");
}
