/*
 * overlap.c - `tconv overlap`: how many (input pixel, kernel tap) pairs land on each output pixel of
 * a transposed convolution (the library's tconv_overlap_map), printed as a grid, judged (verdict.c)
 * and, with --png, drawn with its colour bar (heatmap.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "heatmap.h"
#include "options.h"
#include "options_nd.h"
#include "verdict.h"

/* The command holds the whole map and scans it: the library takes any size, this command 2^24 pixels. */
#define OVERLAP_MAX_PIXELS ((int64_t)1 << 24)
/* Maps up to this many pixels a side are printed as a grid. */
#define OVERLAP_MAX_PRINTED 48
/* Without --cell, the PNG's map is about this many pixels on its longer side (cells of 1..32 pixels). */
#define OVERLAP_PNG_TARGET 640
#define OVERLAP_MAX_CELL   64

enum { OPT_PNG = OPT_OWN, OPT_CELL };

static const struct option overlap_long[] = {CLI_SHARED_OPTIONS,
                                             {"png", required_argument, NULL, OPT_PNG},
                                             {"cell", required_argument, NULL, OPT_CELL},
                                             {NULL, 0, NULL, 0}};

static const char overlap_help[] =
    "usage: tconv overlap OP --input-shape N,H,W,C --kernel-size KH,KW [options] [--png FILE]\n"
    "OP: conv2d_transpose, conv1d_transpose, conv3d_transpose, or conv_transpose (the rank of --input-shape)\n"
    "How many (input pixel, kernel tap) pairs land on each output pixel of a transposed convolution: the\n"
    "grid (1-D: one row; 3-D: one grid per depth slice, or a summary when large), how many positions get\n"
    "each count, a verdict (uniform, or the ratio max/min and the period) and why. --png (2-D) draws it as a\n"
    "heat map with a colour bar labelled with the counts.\n"
    "e.g. tconv overlap conv3d_transpose --input-shape 1,4,4,4,1 --kernel-size 3 --strides 2 --padding SAME\n"
    "options:\n" CLI_SHARED_HELP "  --png FILE                 a heat map of the counts (zlib-compressed PNG; 2-D)\n"
    "  --cell N                   pixels per output pixel in the PNG, 1..64 (default: fit ~640)\n" CLI_HELP_TAIL;

struct overlap_args {
    const char *png;
    int64_t cell; /* 0: fit */
};

static int overlap_own(void *ctx, int id, const char *arg)
{
    struct overlap_args *a = ctx;
    if (id == OPT_PNG) {
        if (a->png) return cli_usage("overlap", "--png given twice; give it once");
        a->png = arg;
        return 0;
    }
    if (a->cell) return cli_usage("overlap", "--cell given twice; give it once");
    return cli_int("overlap", "--cell", arg, 1, OVERLAP_MAX_CELL, &a->cell);
}

static const struct cli_command overlap_command = {"overlap", "", overlap_long, overlap_help, overlap_own};

static void print_map(const struct tconv_params *p, const struct tconv_geometry *g, const int32_t *m)
{
    const int64_t oh = g->out_h, ow = g->out_w;
    printf("conv2d_transpose: how many (input pixel, kernel tap) pairs land on each output pixel\n");
    printf("input %lldx%lld, kernel %lldx%lld, strides %lldx%lld, dilations %lldx%lld, padding %s -> output %lldx%lld "
           "(crop top %lld, bottom %lld, left %lld, right %lld)\n",
           (long long)p->in_h, (long long)p->in_w, (long long)p->kernel_h, (long long)p->kernel_w,
           (long long)p->stride_h, (long long)p->stride_w, (long long)p->dilation_h, (long long)p->dilation_w,
           cli_padding_names[p->padding], (long long)oh, (long long)ow, (long long)g->pad_top, (long long)g->pad_bottom,
           (long long)g->pad_left, (long long)g->pad_right);
    if (oh > OVERLAP_MAX_PRINTED || ow > OVERLAP_MAX_PRINTED) {
        printf("(%lldx%lld: too large to print; --png draws it)\n", (long long)oh, (long long)ow);
        return;
    }
    int32_t mx = 0;
    for (int64_t i = 0; i < oh * ow; i++) mx = m[i] > mx ? m[i] : mx;
    const int width = mx >= 100 ? 4 : mx >= 10 ? 3 : 2;
    for (int64_t y = 0; y < oh; y++) {
        for (int64_t x = 0; x < ow; x++) printf("%*d", width, m[y * ow + x]);
        printf("\n");
    }
}

static int draw(const struct overlap_args *a, const struct tconv_geometry *g, const int32_t *m)
{
    const int64_t longer = g->out_h > g->out_w ? g->out_h : g->out_w;
    const int64_t fit = OVERLAP_PNG_TARGET / (longer > 0 ? longer : 1);
    const int cell = (int)(a->cell ? a->cell : fit < 1 ? 1 : fit > 32 ? 32 : fit);
    struct heatmap_info info;
    char err[512];
    if (g->out_h < 1 || g->out_w < 1)
        return cli_fail("overlap", "--png: the %lldx%lld output is empty, nothing to draw", (long long)g->out_h,
                        (long long)g->out_w);
    if (heatmap_write(a->png, m, g->out_h, g->out_w, cell, &info, err, sizeof err))
        return cli_fail("overlap", "%s", err);
    printf("wrote %s: %dx%d pixels: the map (%dx%d, %d per output pixel) and a colour bar from %d tap%s (dark "
           "purple) to %d (yellow)\n",
           a->png, info.width, info.height, info.map_width, info.map_height, cell, (int)info.min, plural(info.min),
           (int)info.max);
    return CLI_OK;
}

/* conv2d_transpose: the 2-D path, as it always was. */
static int overlap_2d(struct cli_opts *o, const struct overlap_args *a)
{
    int rc;
    if ((rc = cli_resolve("overlap", o)) || (rc = cli_apply_shapes("overlap", o))) return rc;
    struct tconv_geometry g;
    if (tconv_conv2d_transpose_geometry(&o->p, &g) != TCONV_OK) return cli_fail("overlap", "%s", tconv_last_error());
    if (g.out_h * g.out_w > OVERLAP_MAX_PIXELS)
        return cli_fail("overlap",
                        "the %lldx%lld output has more than 2^24 pixels; tconv_overlap_map() takes it, this command "
                        "does not",
                        (long long)g.out_h, (long long)g.out_w);
    int32_t *m = malloc((size_t)(g.out_h * g.out_w > 0 ? g.out_h * g.out_w : 1) * sizeof *m);
    if (!m) return cli_fail("overlap", "out of memory");
    if (tconv_overlap_map(&o->p, m) != TCONV_OK) {
        free(m);
        return cli_fail("overlap", "%s", tconv_last_error());
    }
    struct verdict v;
    print_map(&o->p, &g, m);
    verdict_judge(&o->p, &g, m, &v);
    verdict_print(stdout, &o->p, &v);
    rc = a->png ? draw(a, &g, m) : CLI_OK;
    free(m);
    return rc;
}

int cmd_overlap(int argc, char **argv)
{
    if (argc < 2) {
        fputs(overlap_help, stderr);
        return CLI_USAGE;
    }
    struct cli_opts o;
    struct overlap_args a = {NULL, 0};
    int first = 0, want = 0, rank = 0;
    bool tr = false;
    int rc = cli_parse(&overlap_command, argc, argv, &o, &a, &first);
    if (rc) return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    if ((rc = cli_forward_op_nd("overlap", argc, argv, first, &tr, &want))) return rc;
    if (!tr)
        return cli_usage("overlap", "the overlap map is a conv%s_transpose property; got '%s'",
                         want == 0   ? ""
                         : want == 1 ? "1d"
                         : want == 2 ? "2d"
                                     : "3d",
                         argv[first]);
    /* conv2d_transpose keeps the 2-D path whatever the shape says */
    if (want != 2 && (rc = cli_shape_rank("overlap", &o, want, argv[first], &rank))) return rc;
    if (want == 2 || rank == 2 || rank == 0) return overlap_2d(&o, &a);
    if (a.png || a.cell)
        return cli_usage("overlap", "--png and --cell draw 2-D maps; this --input-shape is %d-D", rank);
    struct cli_nd nd;
    if ((rc = cli_resolve_nd("overlap", &o, rank, &nd)) || (rc = cli_apply_shapes_nd("overlap", &o, &nd))) return rc;
    return overlap_nd(&nd);
}
