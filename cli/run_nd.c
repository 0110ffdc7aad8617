/*
 * run_nd.c - `tconv run` for 1-D and 3-D: either op or one of the six gradients through the library's N-D
 * API (tconv_convnd_ex, tconv_convnd_transpose_backward_data_ex, ...) on .npy files of rank + 2 dimensions.
 * As run.c: the sizes come from the files (x the input, the filter the kernel and output channels, dy the
 * output), checked against each other and the options; the result is printed or written as float32 .npy.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options_nd.h"
#include "run.h"

/* A 1-D result of at most this many positions is printed as rows, one per (image, channel). */
#define RUN_ND_MAX_ROW 64
/* Any other result of at most this many elements is printed in full. */
#define RUN_ND_MAX_PRINTED_VALUES 64
/* Every row is printed when there are at most this many images and channels (run.c's planes). */
#define RUN_ND_ALL_ROWS_BATCH    2
#define RUN_ND_ALL_ROWS_CHANNELS 4

/* One run of rank 1 or 3. */
struct run_nd {
    const struct run_op *op;
    char name[48]; /* conv1d_transpose, conv3d_backward_filter, ... */
    struct cli_opts *o;
    const struct run_args *a;
    struct tconv_options opt;
    struct cli_nd nd;
    const struct npy_array *x; /* NULL: no -x */
    struct npy_array w, b, dy;
    struct tconv_nd_geometry g;
    int ndim;                    /* of the result */
    int64_t shape[CLI_ND_DIMS];  /* of the result */
    int64_t filter[CLI_ND_DIMS]; /* the filter's shape, as the parameters give it */
    enum tconv_filter_layout fl; /* the filter layout, DEFAULT resolved */
    int k0, ai, ao;              /* where the filter keeps its spatial axes, I and O */
    int64_t count;               /* the result's elements */
    float *out;
};

/* ------------------------------------------------------------------ the files */

/* batch, spatial sizes and in_channels: from x, else from --input-shape. */
static int infer_input(struct run_nd *r)
{
    struct tconv_nd_params *p = &r->nd.p;
    const int dims = p->rank + 2;
    const int64_t *in = r->x ? r->x->shape : r->nd.in;
    if (r->x && cli_text(r->o, OPT_INPUT_SHAPE) && memcmp(r->x->shape, r->nd.in, (size_t)dims * sizeof *in)) {
        char s[128];
        run_shape_text(s, sizeof s, dims, r->x->shape);
        return cli_fail("run", "%s has shape %s, --input-shape says %s", r->a->x, s, cli_text(r->o, OPT_INPUT_SHAPE));
    }
    cli_nd_split(p->rank, p->layout, in, &p->batch, p->in, &p->in_channels);
    if (p->groups < 1) return cli_fail("run", "groups = %lld is invalid: it must be >= 1", (long long)p->groups);
    return 0;
}

/* ------------------------------------------------------------------ the filter */

/* Where layout fl keeps the spatial axes (from k0), I and O: HWIO [k..][I][O], OIHW [O][I][k..],
   HWOI [k..][O][I], IOHW [I][O][k..] ("HW" for every spatial axis). DEFAULT: TF's (HWIO, HWOI transposed). */
static void filter_axes(struct run_nd *r)
{
    const int rank = r->nd.p.rank;
    r->fl = r->nd.p.filter_layout;
    if (r->fl == TCONV_FILTER_DEFAULT) r->fl = r->op->transposed ? TCONV_FILTER_HWOI : TCONV_FILTER_HWIO;
    const bool spatial_first = r->fl == TCONV_FILTER_HWIO || r->fl == TCONV_FILTER_HWOI;
    const bool i_first = r->fl == TCONV_FILTER_HWIO || r->fl == TCONV_FILTER_IOHW;
    const int base = spatial_first ? rank : 0;
    r->k0 = spatial_first ? 0 : 2;
    r->ai = base + (i_first ? 0 : 1);
    r->ao = base + (i_first ? 1 : 0);
}

/* The filter's shape for the parameters: I = in_channels / groups (conv) or in_channels (transposed), O alike. */
static void filter_shape(struct run_nd *r)
{
    const struct tconv_nd_params *p = &r->nd.p;
    const bool tr = r->op->transposed;
    for (int a = 0; a < p->rank; a++) r->filter[r->k0 + a] = p->kernel[a];
    r->filter[r->ai] = tr ? p->in_channels : p->in_channels / p->groups;
    r->filter[r->ao] = tr ? p->out_channels / p->groups : p->out_channels;
}

static int filter_input_mismatch(const struct run_nd *r, int64_t ni)
{
    const struct tconv_nd_params *p = &r->nd.p;
    const long long ch = (long long)p->in_channels, g = (long long)p->groups;
    char sh[128];
    run_shape_text(sh, sizeof sh, p->rank + 2, r->w.shape);
    if (r->op->transposed)
        return cli_fail("run",
                        "%s has shape %s: as %s for conv%dd_transpose its input-channel axis (I) is %lld, but x has "
                        "%lld channel%s (they must be equal)",
                        r->a->w, sh, cli_filter_layout_names[r->fl], p->rank, (long long)ni, ch, plural(ch));
    return cli_fail("run",
                    "%s has shape %s: as %s for conv%dd its input-channel axis (I) is %lld, but x has %lld channel%s "
                    "and groups = %lld, which needs I = in_channels / groups%s",
                    r->a->w, sh, cli_filter_layout_names[r->fl], p->rank, (long long)ni, ch, plural(ch), g,
                    ch % g ? " (and groups must divide in_channels)" : "");
}

/* The kernel and out_channels from the filter (conv: O = out_channels; transposed: O = out_channels / groups). */
static int infer_from_filter(struct run_nd *r)
{
    struct tconv_nd_params *p = &r->nd.p;
    filter_axes(r);
    if (!r->a->w) return 0;
    const int64_t ni = r->w.shape[r->ai], no = r->w.shape[r->ao];
    if (ni != (r->op->transposed ? p->in_channels : p->in_channels / p->groups) ||
        (!r->op->transposed && p->in_channels % p->groups))
        return filter_input_mismatch(r, ni);
    for (int a = 0; a < p->rank; a++) {
        const int64_t k = r->w.shape[r->k0 + a];
        if (cli_text(r->o, OPT_KERNEL_SIZE) && k != p->kernel[a])
            return cli_fail("run", "%s's kernel is %lld on the %s axis, --kernel-size says %lld", r->a->w, (long long)k,
                            cli_axis_name(p->rank, a), (long long)p->kernel[a]);
        p->kernel[a] = k;
    }
    p->out_channels = no;
    if (r->op->transposed && __builtin_mul_overflow(no, p->groups, &p->out_channels))
        return cli_fail("run", "%s: %lld output channels per group times %lld groups overflows", r->a->w, (long long)no,
                        (long long)p->groups);
    return 0;
}

/* ------------------------------------------------------------------ the output */

/* --output-shape: the spatial sizes, or the whole shape (whose batch and channels must match). */
static int apply_output_shape(struct run_nd *r)
{
    struct tconv_nd_params *p = &r->nd.p;
    const int rank = p->rank;
    if (r->nd.n_out == rank) memcpy(p->out, r->nd.out, (size_t)rank * sizeof *p->out);
    if (r->nd.n_out != rank + 2) return 0;
    int64_t n, c;
    cli_nd_split(rank, p->layout, r->nd.out, &n, p->out, &c);
    if (n != p->batch || c != p->out_channels)
        return cli_fail("run", "--output-shape %s does not match batch %lld and %lld output channel%s",
                        cli_text(r->o, OPT_OUTPUT_SHAPE), (long long)p->batch, (long long)p->out_channels,
                        plural(p->out_channels));
    return 0;
}

/* out_channels (and a transposed conv's output size) from dy; then --filters and --output-shape. */
static int infer_output(struct run_nd *r)
{
    struct tconv_nd_params *p = &r->nd.p;
    if (r->a->dy) {
        int64_t n, c, sp[TCONV_MAX_RANK];
        cli_nd_split(p->rank, p->layout, r->dy.shape, &n, sp, &c);
        if (r->a->w && c != p->out_channels)
            return cli_fail("run", "%s has %lld channel%s, the filter gives %lld output channel%s", r->a->dy,
                            (long long)c, plural(c), (long long)p->out_channels, plural(p->out_channels));
        p->out_channels = c;
        if (r->op->transposed && !r->nd.n_out) memcpy(p->out, sp, (size_t)p->rank * sizeof *sp);
    }
    if (cli_text(r->o, OPT_FILTERS) && r->nd.filters != p->out_channels)
        return cli_fail("run", "--filters %lld, but the files give %lld output channel%s", (long long)r->nd.filters,
                        (long long)p->out_channels, plural(p->out_channels));
    return apply_output_shape(r);
}

/* A file's shape against the one the parameters give: 0, or CLI_FAILED naming both. */
static int same_shape(const char *path, const int64_t *got, const int64_t *want, int dims, const char *what)
{
    char a[128], b[128];
    if (!memcmp(got, want, (size_t)dims * sizeof *got)) return 0;
    run_shape_text(a, sizeof a, dims, got);
    run_shape_text(b, sizeof b, dims, want);
    return cli_fail("run", "%s has shape %s, but %s has shape %s", path, a, what, b);
}

/* The library's geometry; then the files against it: the filter's whole shape, dy and the bias. */
static int check_geometry(struct run_nd *r)
{
    const struct tconv_nd_params *p = &r->nd.p;
    const int dims = p->rank + 2;
    char what[96];
    if ((r->op->transposed ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(p, &r->g) != TCONV_OK)
        return cli_fail("run", "%s", tconv_last_error());
    filter_shape(r);
    snprintf(what, sizeof what, "the %s filter of this %s", cli_filter_layout_names[r->fl], r->name);
    if (r->a->w && same_shape(r->a->w, r->w.shape, r->filter, dims, what)) return CLI_FAILED;
    int64_t y[CLI_ND_DIMS];
    cli_nd_join(p->rank, p->layout, p->batch, r->g.out, p->out_channels, y);
    snprintf(what, sizeof what, "y of this conv%dd%s", p->rank, r->op->transposed ? "_transpose" : "");
    if (r->a->dy && same_shape(r->a->dy, r->dy.shape, y, dims, what)) return CLI_FAILED;
    if (r->a->b && r->b.shape[0] != p->out_channels)
        return cli_fail("run", "%s has %lld element%s, the bias needs out_channels = %lld", r->a->b,
                        (long long)r->b.shape[0], plural(r->b.shape[0]), (long long)p->out_channels);
    return 0;
}

/* The result's shape, and room for it. */
static int make_result(struct run_nd *r)
{
    const struct tconv_nd_params *p = &r->nd.p;
    r->ndim = p->rank + 2;
    if (r->op->kind == FORWARD) cli_nd_join(p->rank, p->layout, p->batch, r->g.out, p->out_channels, r->shape);
    if (r->op->kind == DATA) cli_nd_join(p->rank, p->layout, p->batch, p->in, p->in_channels, r->shape);
    if (r->op->kind == FILTER) memcpy(r->shape, r->filter, sizeof r->shape);
    if (r->op->kind == BIAS) {
        r->ndim = 1;
        r->shape[0] = p->out_channels;
    }
    r->count = 1;
    for (int d = 0; d < r->ndim; d++) r->count *= r->shape[d]; /* the library bounded every tensor below 2^61 */
    r->out = malloc(r->count > 0 ? (size_t)r->count * sizeof(float) : 1);
    if (!r->out) return cli_fail("run", "out of memory for %lld elements", (long long)r->count);
    return 0;
}

/* ------------------------------------------------------------------ the call */

static enum tconv_status call(const void *ctx)
{
    const struct run_nd *r = ctx;
    const struct tconv_nd_params *p = &r->nd.p;
    const bool tr = r->op->transposed;
    const float *x = r->x ? r->x->data : NULL, *w = r->w.data, *dy = r->dy.data;
    switch (r->op->kind) {
    case FORWARD:
        return (tr ? tconv_convnd_transpose_ex : tconv_convnd_ex)(p, x, w, r->b.data, r->out, NULL, 0, &r->opt);
    case DATA:
        return (tr ? tconv_convnd_transpose_backward_data_ex : tconv_convnd_backward_data_ex)(p, dy, w, r->out, NULL, 0,
                                                                                              &r->opt);
    case FILTER:
        return (tr ? tconv_convnd_transpose_backward_filter_ex : tconv_convnd_backward_filter_ex)(p, x, dy, r->out,
                                                                                                  NULL, 0, &r->opt);
    default:
        return (tr ? tconv_convnd_transpose_backward_bias_ex : tconv_convnd_backward_bias_ex)(p, dy, r->out, NULL, 0,
                                                                                              &r->opt);
    }
}

/* --time: as run.c's (the forward op's multiply-adds per second, the algorithm). */
static void print_time(struct run_nd *r)
{
    const struct tconv_nd_params *p = &r->nd.p;
    const double median = run_median_seconds(call, r);
    double small = (double)p->batch, taps = 1;
    for (int a = 0; a < p->rank; a++) {
        small *= (double)(r->op->transposed ? p->in[a] : r->g.out[a]);
        taps *= (double)p->kernel[a];
    }
    const double flops = 2.0 * small * taps * (double)(p->in_channels / p->groups) * (double)p->out_channels;
    struct tconv_profile prof = TCONV_PROFILE_INIT;
    r->opt.profile = &prof;
    call(r);
    r->opt.profile = NULL;
    run_print_time(r->op, median, flops, &prof);
}

/* ------------------------------------------------------------------ the result */

/* 1-D images as rows, numpy's y[b, :, c] (NWC) or y[b, c, :] (NCW): all of them when there are few. */
static bool print_rows(const struct run_nd *r, const char *sh)
{
    int64_t n, c, w;
    cli_nd_split(1, r->nd.p.layout, r->shape, &n, &w, &c);
    const bool nchw = r->nd.p.layout == TCONV_NCHW;
    const bool all = n <= RUN_ND_ALL_ROWS_BATCH && c <= RUN_ND_ALL_ROWS_CHANNELS;
    for (int64_t b = 0; b < (all ? n : 1); b++)
        for (int64_t ch = 0; ch < (all ? c : 1); ch++) {
            if (nchw)
                printf("%s[%lld, %lld, :] of %s =\n ", r->op->result, (long long)b, (long long)ch, sh);
            else
                printf("%s[%lld, :, %lld] of %s =\n ", r->op->result, (long long)b, (long long)ch, sh);
            for (int64_t x = 0; x < w; x++)
                printf(" %9.6g", (double)r->out[nchw ? (b * c + ch) * w + x : (b * w + x) * c + ch]);
            printf("\n");
        }
    return all;
}

static void print_result(const struct run_nd *r)
{
    char sh[128];
    const char *name = r->op->result;
    run_shape_text(sh, sizeof sh, r->ndim, r->shape);
    if (r->count == 0) {
        printf("%s %s is empty (0 elements)\n", name, sh);
        return;
    }
    const bool row = (r->op->kind == FORWARD || r->op->kind == DATA) && r->nd.p.rank == 1;
    if (row && r->shape[r->nd.p.layout == TCONV_NCHW ? 2 : 1] <= RUN_ND_MAX_ROW) {
        if (print_rows(r, sh)) return;
        printf("all %lld rows: ", (long long)(r->count / r->shape[r->nd.p.layout == TCONV_NCHW ? 2 : 1]));
    } else if (r->count <= RUN_ND_MAX_PRINTED_VALUES) {
        run_print_values(name, sh, r->out, r->count);
        return;
    }
    run_print_summary(name, sh, r->out, r->count);
}

static int report(const struct run_nd *r)
{
    char err[512], sh[128];
    if (!r->a->o) {
        print_result(r);
        return CLI_OK;
    }
    if (npy_save(r->a->o, r->out, r->ndim, r->shape, err, sizeof err)) return cli_fail("run", "%s", err);
    run_shape_text(sh, sizeof sh, r->ndim, r->shape);
    printf("wrote %s: %s %s float32\n", r->a->o, r->op->result, sh);
    return CLI_OK;
}

static int execute(struct run_nd *r)
{
    const int dims = r->nd.p.rank + 2;
    int rc = cli_resolve_nd("run", r->o, r->nd.p.rank, &r->nd);
    r->nd.p.activation = r->o->p.activation; /* --relu / --activation, resolved by run.c */
    if (!rc) rc = run_load(r->a->w, "the filter", &r->w, dims);
    if (!rc) rc = run_load(r->a->b, "the bias", &r->b, 1);
    if (!rc) rc = run_load(r->a->dy, "dy", &r->dy, dims);
    if (!rc) rc = infer_input(r);
    if (!rc) rc = infer_from_filter(r);
    if (!rc) rc = infer_output(r);
    if (!rc) rc = check_geometry(r);
    if (!rc) rc = make_result(r);
    if (rc) return rc;
    if (call(r) != TCONV_OK) return cli_fail("run", "%s", tconv_last_error());
    if (r->a->time) print_time(r);
    return report(r);
}

int run_nd(const struct run_op *op, int rank, struct cli_opts *o, const struct run_args *a,
           const struct tconv_options *opt, struct npy_array *x)
{
    struct run_nd r;
    memset(&r, 0, sizeof r);
    r.op = op;
    r.o = o;
    r.a = a;
    r.opt = *opt;
    r.x = x;
    r.nd.p.rank = rank;
    snprintf(r.name, sizeof r.name, "conv%dd%s", rank, op->name + strlen("conv2d"));
    const int rc = execute(&r);
    free(r.w.data);
    free(r.b.data);
    free(r.dy.data);
    free(r.out);
    return rc;
}
