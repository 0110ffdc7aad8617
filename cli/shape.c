/*
 * shape.c - `tconv shape`: the output size, the padding split, every admissible output size of a
 * transposed conv and how TensorFlow, Keras, PyTorch and ONNX spell each; --explain lists the
 * (input pixel, tap) pairs behind one output pixel.
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "explain.h"
#include "options.h"
#include "options_nd.h"
#include "spell.h"

/* At most this many admissible sizes are listed with their spellings. */
#define SHAPE_MAX_LISTED 16

enum { OPT_EXPLAIN = OPT_OWN };

static const struct option shape_long[] = {
    CLI_SHARED_OPTIONS, {"explain", required_argument, NULL, OPT_EXPLAIN}, {NULL, 0, NULL, 0}};

static const char shape_help[] =
    "usage: tconv shape OP --input-shape N,H,W,C --kernel-size KH,KW [options]\n"
    "OP: conv2d, conv2d_transpose; conv1d, conv1d_transpose, conv3d, conv3d_transpose; conv, conv_transpose\n"
    "    (the rank of --input-shape: N,W,C is 1-D, N,D,H,W,C 3-D)\n"
    "Prints the output size, the padding split, every admissible output size of a transposed conv, and how\n"
    "TensorFlow, Keras, PyTorch and ONNX spell each one (tf.nn.conv1d_transpose, Conv3DTranspose,\n"
    "nn.ConvTranspose1d, ONNX ConvTranspose, ...). --explain OY,OX (2-D) lists the (input pixel, tap) pairs\n"
    "that feed output pixel (OY, OX).\n"
    "e.g. tconv shape conv1d_transpose --input-shape 1,32,512 --kernel-size 16 --strides 8 --padding 4 --filters 256\n"
    "options:\n" CLI_SHARED_HELP "  --explain OY,OX\n" CLI_HELP_TAIL;

struct shape_args {
    const char *explain; /* OY,OX or NULL */
};

static int shape_own(void *ctx, int id, const char *arg)
{
    struct shape_args *a = ctx;
    if (id == OPT_EXPLAIN && a->explain) return cli_usage("shape", "--explain given twice; give it once");
    a->explain = arg;
    return 0;
}

static const struct cli_command shape_command = {"shape", "", shape_long, shape_help, shape_own};

static void print_summary(const struct cli_opts *o, bool tr, const struct tconv_geometry *g)
{
    const struct tconv_params *p = &o->p;
    const bool nchw = p->layout == TCONV_NCHW;
    const long long n = (long long)p->batch, oc = (long long)p->out_channels, oh = (long long)g->out_h;
    const long long ow = (long long)g->out_w;
    printf("%s: x [%lld,%lld,%lld,%lld] -> y [%lld,%lld,%lld,%lld] (%s)\n", tr ? "conv2d_transpose" : "conv2d",
           (long long)o->in[0], (long long)o->in[1], (long long)o->in[2], (long long)o->in[3], n, nchw ? oc : oh,
           nchw ? oh : ow, nchw ? ow : oc, nchw ? "NCHW" : "NHWC");
    printf("kernel %lldx%lld, strides %lldx%lld, dilations %lldx%lld, groups %lld, padding %s\n",
           (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w,
           (long long)p->dilation_h, (long long)p->dilation_w, (long long)p->groups, cli_padding_names[p->padding]);
    if (!tr) {
        printf("padding of x: top %lld, bottom %lld, left %lld, right %lld\n", (long long)g->pad_top,
               (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right);
        return;
    }
    /* the full result is what the crop applies to: out + begin crop + end crop */
    printf("full result (in-1)*stride + dilation*(kernel-1) + 1: %lld x %lld\n",
           (long long)(g->out_h + g->pad_top + g->pad_bottom), (long long)(g->out_w + g->pad_left + g->pad_right));
    printf("admissible output sizes: height %lld..%lld, width %lld..%lld%s\n", (long long)g->out_h_min,
           (long long)g->out_h_max, (long long)g->out_w_min, (long long)g->out_w_max,
           cli_text(o, OPT_OUTPUT_SHAPE) ? "" : " (no --output-shape: the Keras default is used)");
    printf("crop of the full result: top %lld, bottom %lld, left %lld, right %lld%s\n", (long long)g->pad_top,
           (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right,
           (g->pad_bottom < 0 || g->pad_right < 0) ? " (negative: trailing outputs get no input, bias only)" : "");
}

/* Every admissible size of a transposed conv (or height and width stepped together when there are many). */
static void print_admissible(const struct tconv_params *p, const struct tconv_geometry *g)
{
    const long long nh = (long long)(g->out_h_max - g->out_h_min + 1),
                    nw = (long long)(g->out_w_max - g->out_w_min + 1);
    const bool all = nh <= SHAPE_MAX_LISTED && nw <= SHAPE_MAX_LISTED && nh * nw <= SHAPE_MAX_LISTED;
    const long long count = all ? nh * nw : (nh > nw ? nh : nw);
    const long long shown = count < SHAPE_MAX_LISTED ? count : SHAPE_MAX_LISTED;
    printf("every admissible output size%s:\n", all ? "" : " (height and width stepped together)");
    for (long long i = 0; i < shown; i++) {
        struct tconv_params q = *p;
        struct tconv_geometry gq;
        q.output_padding_h = 0;
        q.output_padding_w = 0;
        q.out_h = g->out_h_min + (all ? i / nw : (i < nh ? i : nh - 1));
        q.out_w = g->out_w_min + (all ? i % nw : (i < nw ? i : nw - 1));
        if (tconv_conv2d_transpose_geometry(&q, &gq) != TCONV_OK) continue;
        printf("  out %lldx%lld (crop top %lld, bottom %lld, left %lld, right %lld)%s\n", (long long)gq.out_h,
               (long long)gq.out_w, (long long)gq.pad_top, (long long)gq.pad_bottom, (long long)gq.pad_left,
               (long long)gq.pad_right, gq.out_h == g->out_h && gq.out_w == g->out_w ? "  <- this call" : "");
        spell_print(stdout, true, &q, &gq, "      ");
    }
    if (shown < count) printf("  ... and %lld more (every size in the ranges above is admissible)\n", count - shown);
}

/* conv2d and conv2d_transpose: the 2-D path, as it always was. */
static int shape_2d(struct cli_opts *o, const struct shape_args *a, bool tr)
{
    int64_t at[2] = {0, 0};
    int rc;
    if ((rc = cli_resolve("shape", o)) || (rc = cli_explain_at("shape", a->explain, at)) ||
        (rc = cli_apply_shapes("shape", o)))
        return rc;
    struct tconv_geometry g;
    if ((tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(&o->p, &g) != TCONV_OK)
        return cli_fail("shape", "%s", tconv_last_error());
    print_summary(o, tr, &g);
    printf("spellings of this configuration:\n");
    spell_print(stdout, tr, &o->p, &g, "  ");
    if (tr && (g.out_h_max > g.out_h_min || g.out_w_max > g.out_w_min)) print_admissible(&o->p, &g);
    return a->explain ? explain_pixel(stdout, "shape", tr, &o->p, &g, at[0], at[1], NULL) : CLI_OK;
}

int cmd_shape(int argc, char **argv)
{
    if (argc < 2) {
        fputs(shape_help, stderr);
        return CLI_USAGE;
    }
    struct cli_opts o;
    struct shape_args a = {NULL};
    int first = 0, want = 0, rank = 0;
    bool tr = false;
    int rc = cli_parse(&shape_command, argc, argv, &o, &a, &first);
    if (rc) return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    if ((rc = cli_forward_op_nd("shape", argc, argv, first, &tr, &want))) return rc;
    /* conv2d keeps the 2-D path whatever the shape says (its messages as they always were) */
    if (want != 2 && (rc = cli_shape_rank("shape", &o, want, argv[first], &rank))) return rc;
    if (want == 2 || rank == 2 || rank == 0) return shape_2d(&o, &a, tr);
    if (a.explain) return cli_usage("shape", "--explain OY,OX is for 2-D; this --input-shape is %d-D", rank);
    struct cli_nd nd;
    if ((rc = cli_resolve_nd("shape", &o, rank, &nd)) || (rc = cli_apply_shapes_nd("shape", &o, &nd))) return rc;
    return shape_nd(&o, &nd, tr);
}
