/*
 * shape_nd.c - `tconv shape` for 1-D and 3-D (conv1d, conv3d and their transposes): the sizes, the pads or
 * crops per axis by name (depth, height, width), every admissible output size of a transposed conv, and the
 * four frameworks' spellings of the rank (spell_nd.c).
 */
#include <stdio.h>

#include "cli.h"
#include "options_nd.h"
#include "spell_nd.h"

/* At most this many admissible sizes are listed with their spellings (shape.c's SHAPE_MAX_LISTED). */
#define SHAPE_ND_MAX_LISTED 16

/* "[1,32,512]" */
static void print_shape(const int64_t *s, int n)
{
    printf("[");
    for (int d = 0; d < n; d++) printf("%s%lld", d ? "," : "", (long long)s[d]);
    printf("]");
}

/* "16" or "2x2x2" */
static void print_axes(const int64_t *v, int rank)
{
    for (int a = 0; a < rank; a++) printf("%s%lld", a ? "x" : "", (long long)v[a]);
}

/* "width 4, 4" or "depth 0, 1; height 0, 1; width 0, 1": begin and end per axis. */
static void print_pairs(int rank, const int64_t *b, const int64_t *e)
{
    for (int a = 0; a < rank; a++)
        printf("%s%s %lld, %lld", a ? "; " : "", cli_axis_name(rank, a), (long long)b[a], (long long)e[a]);
}

static void print_transposed(const struct cli_opts *o, const struct tconv_nd_params *p,
                             const struct tconv_nd_geometry *g)
{
    int64_t full[TCONV_MAX_RANK];
    bool negative = false;
    for (int a = 0; a < p->rank; a++) {
        full[a] = g->out[a] + g->pad_before[a] + g->pad_after[a]; /* what the crop applies to */
        negative = negative || g->pad_after[a] < 0;
    }
    printf("full result (in-1)*stride + dilation*(kernel-1) + 1: ");
    for (int a = 0; a < p->rank; a++) printf("%s%lld", a ? " x " : "", (long long)full[a]);
    printf("\nadmissible output sizes: ");
    for (int a = 0; a < p->rank; a++)
        printf("%s%s %lld..%lld", a ? ", " : "", cli_axis_name(p->rank, a), (long long)g->out_min[a],
               (long long)g->out_max[a]);
    printf("%s\ncrop of the full result (begin, end): ",
           cli_text(o, OPT_OUTPUT_SHAPE) ? "" : " (no --output-shape: the Keras default is used)");
    print_pairs(p->rank, g->pad_before, g->pad_after);
    printf("%s\n", negative ? " (negative: trailing outputs get no input, bias only)" : "");
}

static void print_summary(const struct cli_opts *o, const struct cli_nd *nd, bool tr, const struct tconv_nd_geometry *g)
{
    const struct tconv_nd_params *p = &nd->p;
    const int r = p->rank;
    int64_t y[CLI_ND_DIMS];
    cli_nd_join(r, p->layout, p->batch, g->out, p->out_channels, y);
    printf("conv%dd%s: x ", r, tr ? "_transpose" : "");
    print_shape(nd->in, r + 2);
    printf(" -> y ");
    print_shape(y, r + 2);
    printf(" (%s)\nkernel ", cli_layout_name(r, p->layout));
    print_axes(p->kernel, r);
    printf(", strides ");
    print_axes(p->stride, r);
    printf(", dilations ");
    print_axes(p->dilation, r);
    printf(", groups %lld, padding %s\n", (long long)p->groups, cli_padding_names[p->padding]);
    if (tr) {
        print_transposed(o, p, g);
        return;
    }
    printf("padding of x (begin, end): ");
    print_pairs(r, g->pad_before, g->pad_after);
    printf("\n");
}

/* Admissible size i of n (every combination when all, else the axes stepped together). */
static void nth_size(const struct tconv_nd_geometry *g, int rank, bool all, long long i, int64_t *out)
{
    for (int a = rank - 1; a >= 0; a--) { /* the last axis varies fastest */
        const long long n = (long long)(g->out_max[a] - g->out_min[a] + 1);
        out[a] = g->out_min[a] + (all ? i % n : i < n ? i : n - 1);
        if (all) i /= n;
    }
}

/* Every admissible size of a transposed conv (or the axes stepped together when there are many). */
static void print_admissible(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    long long count = 1, longest = 1;
    for (int a = 0; a < p->rank; a++) {
        const long long n = (long long)(g->out_max[a] - g->out_min[a] + 1);
        count = n > SHAPE_ND_MAX_LISTED || count > SHAPE_ND_MAX_LISTED ? SHAPE_ND_MAX_LISTED + 1 : count * n;
        longest = n > longest ? n : longest;
    }
    const bool all = count <= SHAPE_ND_MAX_LISTED;
    const long long total = all ? count : longest, shown = total < SHAPE_ND_MAX_LISTED ? total : SHAPE_ND_MAX_LISTED;
    printf("every admissible output size%s:\n", all ? "" : " (the axes stepped together)");
    for (long long i = 0; i < shown; i++) {
        struct tconv_nd_params q = *p;
        struct tconv_nd_geometry gq;
        bool this_call = true;
        nth_size(g, p->rank, all, i, q.out);
        for (int a = 0; a < p->rank; a++) {
            q.output_padding[a] = 0;
            this_call = this_call && q.out[a] == g->out[a];
        }
        if (tconv_convnd_transpose_geometry(&q, &gq) != TCONV_OK) continue;
        printf("  out ");
        print_axes(gq.out, p->rank);
        printf(" (crop ");
        print_pairs(p->rank, gq.pad_before, gq.pad_after);
        printf(")%s\n", this_call ? "  <- this call" : "");
        spell_nd_print(stdout, true, &q, &gq, "      ");
    }
    if (shown < total) printf("  ... and %lld more (every size in the ranges above is admissible)\n", total - shown);
}

int shape_nd(const struct cli_opts *o, const struct cli_nd *nd, bool tr)
{
    const struct tconv_nd_params *p = &nd->p;
    struct tconv_nd_geometry g;
    if ((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(p, &g) != TCONV_OK)
        return cli_fail("shape", "%s", tconv_last_error());
    print_summary(o, nd, tr, &g);
    printf("spellings of this configuration:\n");
    spell_nd_print(stdout, tr, p, &g, "  ");
    bool range = false;
    for (int a = 0; a < p->rank; a++) range = range || g.out_max[a] > g.out_min[a];
    if (tr && range) print_admissible(p, &g);
    return CLI_OK;
}
