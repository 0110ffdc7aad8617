/*
 * overlap_cmd_nd.c - `tconv overlap` for conv1d_transpose and conv3d_transpose: the counts (1-D: one row;
 * 3-D: an HxW grid per depth slice when small, else a summary), how many positions hold each count, and the
 * verdict (overlap_nd.c).
 */
#include <stdint.h>
#include <stdio.h>

#include "cli.h"
#include "options_nd.h"
#include "overlap_nd.h"

/* A 1-D map of up to this many positions is printed as one row. */
#define OVERLAP_ND_MAX_ROW 256
/* A 3-D map is printed per depth slice up to this many slices of up to this many rows and columns. */
#define OVERLAP_ND_MAX_SLICES 16
#define OVERLAP_ND_MAX_SIDE   48
/* The counts are kept per axis: an axis of at most this many steps to count (outputs, and taps of the inputs
   that land), as tconv overlap's 2-D limit of 2^24 pixels. */
#define OVERLAP_ND_MAX_WORK ((int64_t)1 << 26)
/* At most this many distinct counts are listed with their positions. */
#define OVERLAP_ND_HIST_SHOWN 12

static void print_axes(const int64_t *v, int rank)
{
    for (int a = 0; a < rank; a++) printf("%s%lld", a ? "x" : "", (long long)v[a]);
}

static void print_header(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    const char *u = p->rank == 1 ? "position" : "voxel";
    printf("conv%dd_transpose: how many (input %s, kernel tap) pairs land on each output %s\ninput ", p->rank, u, u);
    print_axes(p->in, p->rank);
    printf(", kernel ");
    print_axes(p->kernel, p->rank);
    printf(", strides ");
    print_axes(p->stride, p->rank);
    printf(", dilations ");
    print_axes(p->dilation, p->rank);
    printf(", padding %s -> output ", cli_padding_names[p->padding]);
    print_axes(g->out, p->rank);
    printf(" (crop");
    for (int a = 0; a < p->rank; a++)
        printf("%s %s %lld, %lld", a ? ";" : "", cli_axis_name(p->rank, a), (long long)g->pad_before[a],
               (long long)g->pad_after[a]);
    printf(")\n");
}

/* The width of a printed count: as tconv overlap's 2-D grid. */
static int cell_width(const struct overlap_nd *m)
{
    int64_t mx = 1;
    for (int a = 0; a < m->rank; a++) {
        int64_t axis_max = 0;
        for (int64_t o = 0; o < m->out[a]; o++) axis_max = m->count[a][o] > axis_max ? m->count[a][o] : axis_max;
        mx *= axis_max;
    }
    return mx >= 100 ? 4 : mx >= 10 ? 3 : 2;
}

/* The counts: 1-D one row, 3-D a grid per depth slice; false when too large to print. */
static bool print_map(const struct overlap_nd *m)
{
    const int w = cell_width(m);
    int64_t pos[TCONV_MAX_RANK] = {0, 0, 0};
    if (m->rank == 1) {
        if (m->out[0] > OVERLAP_ND_MAX_ROW) return false;
        for (pos[0] = 0; pos[0] < m->out[0]; pos[0]++) printf("%*lld", w, (long long)overlap_nd_at(m, pos));
        printf("\n");
        return true;
    }
    if (m->out[0] > OVERLAP_ND_MAX_SLICES || m->out[1] > OVERLAP_ND_MAX_SIDE || m->out[2] > OVERLAP_ND_MAX_SIDE)
        return false;
    for (pos[0] = 0; pos[0] < m->out[0]; pos[0]++) {
        printf("depth %lld:\n", (long long)pos[0]);
        for (pos[1] = 0; pos[1] < m->out[1]; pos[1]++) {
            for (pos[2] = 0; pos[2] < m->out[2]; pos[2]++) printf("%*lld", w, (long long)overlap_nd_at(m, pos));
            printf("\n");
        }
    }
    return true;
}

/* "counts: 1 tap on 33 positions, 2 taps on 32 positions" */
static void print_histogram(const struct overlap_nd *m)
{
    const char *u = m->rank == 1 ? "position" : "voxel";
    int64_t value[OVERLAP_ND_HIST_SHOWN], times[OVERLAP_ND_HIST_SHOWN];
    const int n = overlap_nd_histogram(m, value, times, OVERLAP_ND_HIST_SHOWN);
    if (n < 0) { /* the extremes are the products of the axes' */
        int64_t lo = 1, hi = 1;
        for (int a = 0; a < m->rank; a++) {
            int64_t axis_lo = INT64_MAX, axis_hi = 0;
            for (int64_t o = 0; o < m->out[a]; o++) {
                axis_lo = m->count[a][o] < axis_lo ? m->count[a][o] : axis_lo;
                axis_hi = m->count[a][o] > axis_hi ? m->count[a][o] : axis_hi;
            }
            lo *= axis_lo;
            hi *= axis_hi;
        }
        printf("counts: %lld to %lld taps per %s (more than %d distinct values)\n", (long long)lo, (long long)hi, u,
               OVERLAP_ND_HIST_SHOWN);
        return;
    }
    printf("counts:");
    for (int i = 0; i < n; i++)
        printf("%s %lld tap%s on %lld %s%s", i ? "," : "", (long long)value[i], plural(value[i]), (long long)times[i],
               u, plural(times[i]));
    printf("%s\n", n ? "" : " none (the output is empty)");
}

/* Each axis within OVERLAP_ND_MAX_WORK, and the whole map's positions countable in an int64. */
static int check_size(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    int64_t positions = 1;
    for (int a = 0; a < p->rank; a++) {
        const int64_t work =
            overlap_axis_work(p->in[a], p->kernel[a], p->stride[a], p->dilation[a], g->pad_before[a], g->out[a]);
        if (work > OVERLAP_ND_MAX_WORK || __builtin_mul_overflow(positions, g->out[a], &positions))
            return cli_fail("overlap",
                            "the %s axis (output %lld, kernel %lld) takes more than 2^26 steps to count; this command "
                            "stops there",
                            cli_axis_name(p->rank, a), (long long)g->out[a], (long long)p->kernel[a]);
    }
    return 0;
}

int overlap_nd(const struct cli_nd *nd)
{
    const struct tconv_nd_params *p = &nd->p;
    struct tconv_nd_geometry g;
    struct overlap_nd m;
    if (tconv_convnd_transpose_geometry(p, &g) != TCONV_OK) return cli_fail("overlap", "%s", tconv_last_error());
    if (check_size(p, &g)) return CLI_FAILED;
    if (overlap_nd_build(p, &g, &m)) return cli_fail("overlap", "out of memory");
    print_header(p, &g);
    if (!print_map(&m)) {
        printf("(");
        print_axes(g.out, p->rank);
        printf(": too large to print %s; the summary:)\n", p->rank == 1 ? "as a row" : "per depth slice");
    }
    print_histogram(&m);
    overlap_nd_verdict_print(stdout, p, &m);
    overlap_nd_free(&m);
    return CLI_OK;
}
