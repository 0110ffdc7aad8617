/*
 * run.c - `tconv run`: either op or one of the six gradients on NumPy .npy files. The sizes come from
 * the files (x gives the input, the filter the kernel and output channels, dy the output), checked
 * against each other and against the options; the library validates the rest and checks the filter's
 * shape. The result is printed or written as float32 .npy; --explain and --time look inside.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "explain.h"
#include "npy.h"
#include "options.h"
#include "options_nd.h"
#include "run.h"

/* Images of at most this many pixels a side are printed as grids; other results as a summary. */
#define RUN_MAX_PRINTED_SIDE 32
/* A result of at most this many elements that is not an image (dbias, dfilter) is printed in full. */
#define RUN_MAX_PRINTED_VALUES 64
/* Every plane is printed when there are at most this many images and channels. */
#define RUN_ALL_PLANES_BATCH    2
#define RUN_ALL_PLANES_CHANNELS 4

static const struct run_op run_ops[] = {
    {"conv2d", false, FORWARD, TCONV_OP_CONV2D, "y"},
    {"conv2d_transpose", true, FORWARD, TCONV_OP_CONV2D_TRANSPOSE, "y"},
    {"conv2d_backward_data", false, DATA, TCONV_OP_CONV2D_BACKWARD_DATA, "dx"},
    {"conv2d_backward_filter", false, FILTER, TCONV_OP_CONV2D_BACKWARD_FILTER, "dfilter"},
    {"conv2d_backward_bias", false, BIAS, TCONV_OP_CONV2D_BACKWARD_BIAS, "dbias"},
    {"conv2d_transpose_backward_data", true, DATA, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA, "dx"},
    {"conv2d_transpose_backward_filter", true, FILTER, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER, "dfilter"},
    {"conv2d_transpose_backward_bias", true, BIAS, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS, "dbias"},
};
#define RUN_OPS ((int)(sizeof run_ops / sizeof *run_ops))

enum {
    OPT_DY = OPT_OWN,
    OPT_RELU,
    OPT_ACTIVATION,
    OPT_TIME,
    OPT_THREADS,
    OPT_ALGORITHM,
    OPT_EXPLAIN,
};

static const struct option run_long[] = {CLI_SHARED_OPTIONS,
                                         {"input", required_argument, NULL, 'x'},
                                         {"filter", required_argument, NULL, 'w'},
                                         {"bias", required_argument, NULL, 'b'},
                                         {"dy", required_argument, NULL, OPT_DY},
                                         {"output", required_argument, NULL, 'o'},
                                         {"relu", no_argument, NULL, OPT_RELU},
                                         {"activation", required_argument, NULL, OPT_ACTIVATION},
                                         {"time", no_argument, NULL, OPT_TIME},
                                         {"threads", required_argument, NULL, OPT_THREADS},
                                         {"algorithm", required_argument, NULL, OPT_ALGORITHM},
                                         {"explain", required_argument, NULL, OPT_EXPLAIN},
                                         {NULL, 0, NULL, 0}};

static const char run_help[] =
    "usage: tconv run OP -x x.npy -w w.npy [-b b.npy] [--dy dy.npy] [options] [-o out.npy]\n"
    "OP: conv2d, conv2d_transpose, and their gradients conv2d_backward_data|_filter|_bias,\n"
    "    conv2d_transpose_backward_data|_filter|_bias; conv1d... and conv3d... alike (1-D, 3-D), or\n"
    "    conv, conv_transpose, conv_backward_data, ... with the rank of x (or --input-shape): 3 dimensions\n"
    "    (N,W,C) are 1-D, 4 (N,H,W,C) 2-D, 5 (N,D,H,W,C) 3-D\n"
    "Runs OP on NumPy .npy files (float32 C order; float64, big-endian and Fortran order are converted)\n"
    "and writes the result as float32 .npy (y, dx, dfilter in --filter-layout, or dbias). Without -o it is\n"
    "printed. Sizes come from the files; the gradients also need:\n"
    "  backward_data:   --dy and -w, and x's shape as --input-shape\n"
    "  backward_filter: -x and --dy, and --kernel-size\n"
    "  backward_bias:   --dy, --input-shape and --kernel-size\n"
    "options:\n"
    "  -x, --input FILE, -w, --filter FILE, -b, --bias FILE, --dy FILE, -o, --output FILE\n" CLI_SHARED_HELP
    "  --relu | --activation relu|none   fused after the bias (forward only)\n"
    "  --time                     median time of 11 runs and GFLOP/s\n"
    "  --threads N, --algorithm auto|gemm|subpixel|direct\n"
    "  --explain OY,OX            forward, 2-D: the (input pixel, tap) pairs behind y[0, OY, OX, 0], with\n"
    "                             values, the bias and the activation\n" CLI_HELP_TAIL;

/* One run: the op, the options, the tensors, the result. */
struct run {
    const struct run_op *op;
    const char *name; /* the op as given (conv2d_transpose, conv1d_backward_data, conv_transpose, ...) */
    int want;         /* the rank its name gives: 1..3, or 0 (conv...: x's rank) */
    bool x_loaded;    /* x was read to find the rank */
    struct cli_opts o;
    struct run_args a;
    struct tconv_options opt;
    int64_t explain_at[2];
    struct npy_array x, w, b, dy;
    struct tconv_geometry g;
    int ndim;         /* of the result */
    int64_t shape[4]; /* of the result */
    int64_t count;    /* its elements */
    float *out;
};

static int once(const char **slot, const char *arg, const char *name)
{
    if (*slot) return cli_usage("run", "%s given twice ('%s' and '%s'); give it once", name, *slot, arg);
    *slot = arg;
    return 0;
}

static int run_own(void *ctx, int id, const char *arg)
{
    struct run_args *a = ctx;
    switch (id) {
    case 'x': return once(&a->x, arg, "-x");
    case 'w': return once(&a->w, arg, "-w");
    case 'b': return once(&a->b, arg, "-b");
    case 'o': return once(&a->o, arg, "-o");
    case OPT_DY: return once(&a->dy, arg, "--dy");
    case OPT_ACTIVATION: return once(&a->activation, arg, "--activation");
    case OPT_THREADS: return once(&a->threads, arg, "--threads");
    case OPT_ALGORITHM: return once(&a->algorithm, arg, "--algorithm");
    case OPT_EXPLAIN: return once(&a->explain, arg, "--explain");
    case OPT_RELU: a->relu = true; return 0;
    default: a->time = true; return 0; /* OPT_TIME */
    }
}

static const struct cli_command run_command = {"run", "x:w:b:o:", run_long, run_help, run_own};

/* ------------------------------------------------------------------ the command line */

/* OP: conv, conv1d, conv2d or conv3d, then the op's 2-D name past "conv2d" (_transpose_backward_data, ...). */
static int find_op(int argc, char **argv, int first, const struct run_op **op, int *rank)
{
    static const char *const ranks[] = {"", "1d", "2d", "3d"};
    if (first >= argc) return cli_usage("run", "which op? conv2d, conv2d_transpose or a gradient (see OP)");
    if (first + 1 < argc) return cli_usage("run", "unexpected argument '%s'", argv[first + 1]);
    const char *name = argv[first];
    for (int r = TCONV_MAX_RANK; r >= 0 && !strncmp(name, "conv", 4); r--) {
        const size_t n = strlen(ranks[r]);
        if (strncmp(name + 4, ranks[r], n)) continue;
        for (int i = 0; i < RUN_OPS; i++)
            if (!strcmp(name + 4 + n, run_ops[i].name + strlen("conv2d"))) {
                *op = &run_ops[i];
                *rank = r;
                return 0;
            }
        break;
    }
    return cli_usage("run", "unknown op '%s'", name);
}

/* --relu / --activation, --threads, --algorithm, --explain */
static int resolve_own(struct run *r)
{
    static const char *const activations[2] = {"none", "relu"};
    const struct run_args *a = &r->a;
    if (a->relu && a->activation)
        return cli_usage("run", "--relu and --activation %s both set the activation; give one", a->activation);
    if (a->relu) r->o.p.activation = TCONV_ACTIVATION_RELU;
    if (a->activation) {
        const int k = cli_enum(a->activation, activations, 2);
        if (k < 0) return cli_usage("run", "--activation is relu or none, got '%s'", a->activation);
        r->o.p.activation = (enum tconv_activation)k;
    }
    int64_t threads = 0;
    if (a->threads && cli_int("run", "--threads", a->threads, 0, INT32_MAX, &threads)) return CLI_USAGE;
    r->opt.num_threads = (int)threads;
    if (a->algorithm) {
        const int k = cli_enum(a->algorithm, cli_algorithm_names, 4);
        if (k < 0) return cli_usage("run", "--algorithm is auto, gemm, subpixel or direct, got '%s'", a->algorithm);
        r->opt.algorithm = (enum tconv_algorithm)k;
    }
    return cli_explain_at("run", a->explain, r->explain_at);
}

/* The files and options each kind of op needs, and the ones it does not take. */
static int check_needs(const struct run *r)
{
    static const char *const shapes[] = {"N,W,C, N,H,W,C or N,D,H,W,C", "N,W,C", "N,H,W,C", "N,D,H,W,C"};
    static const char *const kernels[] = {"(one value per axis)", "K", "KH,KW", "KD,KH,KW"};
    const enum run_kind k = r->op->kind;
    const char *name = r->name;
    const bool need_x = k == FORWARD || k == FILTER, need_w = k == FORWARD || k == DATA;
    if (need_x && !r->a.x) return cli_usage("run", "%s needs -x x.npy", name);
    if (need_w && !r->a.w) return cli_usage("run", "%s needs -w w.npy", name);
    if (k != FORWARD && !r->a.dy) return cli_usage("run", "%s needs --dy dy.npy", name);
    if (!need_x && !cli_text(&r->o, OPT_INPUT_SHAPE))
        return cli_usage("run", "%s needs x's shape as --input-shape %s", name, shapes[r->want]);
    if (!need_w && !cli_text(&r->o, OPT_KERNEL_SIZE))
        return cli_usage("run", "%s needs --kernel-size %s", name, kernels[r->want]);
    if (k != FORWARD && (r->a.b || r->a.explain || r->a.relu || r->a.activation))
        return cli_usage("run", "%s: -b, --explain and the activation apply to the forward ops", name);
    if (k == FORWARD && r->a.dy) return cli_usage("run", "%s: --dy applies to the gradients", name);
    return 0;
}

/* ------------------------------------------------------------------ the tensors */

void run_shape_text(char *buf, size_t len, int ndim, const int64_t *s)
{
    size_t k = (size_t)snprintf(buf, len, "(");
    for (int d = 0; d < ndim && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, "%lld%s", (long long)s[d], d + 1 < ndim ? ", " : ndim == 1 ? "," : "");
    if (k < len) snprintf(buf + k, len - k, ")");
}

/* Reads path into a, with a note on stderr for what was converted. */
static int load_file(const char *path, struct npy_array *a)
{
    char err[512];
    if (npy_load(path, a, err, sizeof err)) return cli_fail("run", "%s", err);
    if (a->note[0]) fprintf(stderr, "tconv run: %s: converted %s\n", path, a->note);
    return 0;
}

int run_load(const char *path, const char *what, struct npy_array *a, int ndim)
{
    if (!path) return 0;
    if (load_file(path, a)) return CLI_FAILED;
    if (a->ndim != ndim)
        return cli_fail("run", "%s: %s must have %d dimension%s, it has %d", path, what, ndim, plural(ndim), a->ndim);
    return 0;
}

static int load_all(struct run *r)
{
    int rc = run_load(r->x_loaded ? NULL : r->a.x, "x", &r->x, 4); /* a loaded x is 4-D: its rank chose this path */
    if (!rc) rc = run_load(r->a.w, "the filter", &r->w, 4);
    if (!rc) rc = run_load(r->a.b, "the bias", &r->b, 1);
    if (!rc) rc = run_load(r->a.dy, "dy", &r->dy, 4);
    return rc;
}

/* batch, in_h, in_w, in_channels: from x, else from --input-shape. */
static int infer_input(struct run *r)
{
    struct tconv_params *p = &r->o.p;
    const int64_t *in = r->a.x ? r->x.shape : r->o.in;
    if (r->a.x && cli_text(&r->o, OPT_INPUT_SHAPE) && memcmp(r->x.shape, r->o.in, sizeof r->o.in)) {
        char a[128];
        run_shape_text(a, sizeof a, 4, r->x.shape);
        return cli_fail("run", "%s has shape %s, --input-shape says %s", r->a.x, a, cli_text(&r->o, OPT_INPUT_SHAPE));
    }
    int64_t nhwc[4];
    cli_nhwc(p, in, nhwc);
    p->batch = nhwc[0];
    p->in_h = nhwc[1];
    p->in_w = nhwc[2];
    p->in_channels = nhwc[3];
    if (p->groups < 1) return cli_fail("run", "groups = %lld is invalid: it must be >= 1", (long long)p->groups);
    return 0;
}

/*
 * Which axis of op's filter in layout fl holds kh, kw, I and O: the library names the shape of a filter
 * with distinct sizes (kernel 2x3, 5 input and 7 output channels, one group), so no copy of its layout
 * table lives here. *resolved: fl with DEFAULT resolved.
 */
static int filter_axes(enum tconv_op op, enum tconv_filter_layout fl, int axis[4], enum tconv_filter_layout *resolved)
{
    static const int64_t sizes[4] = {2, 3, 5, 7};
    struct tconv_params q = TCONV_PARAMS_INIT;
    int64_t dims[4];
    q.filter_layout = fl;
    q.batch = 1;
    q.in_h = 3;
    q.in_w = 3;
    q.kernel_h = sizes[0];
    q.kernel_w = sizes[1];
    q.in_channels = sizes[2];
    q.out_channels = sizes[3];
    if (tconv_filter_shape(op, &q, dims, resolved) != TCONV_OK) return cli_fail("run", "%s", tconv_last_error());
    for (int k = 0; k < 4; k++)
        for (int d = 0; d < 4; d++)
            if (dims[d] == sizes[k]) axis[k] = d;
    return 0;
}

/* The I axis must match x: conv2d's holds in_channels / groups, conv2d_transpose's in_channels. */
static int filter_input_mismatch(const struct run *r, enum tconv_filter_layout fl, int64_t ni)
{
    const struct tconv_params *p = &r->o.p;
    const long long ch = (long long)p->in_channels, g = (long long)p->groups;
    char sh[128];
    run_shape_text(sh, sizeof sh, 4, r->w.shape);
    if (r->op->transposed)
        return cli_fail("run",
                        "%s has shape %s: as %s for conv2d_transpose its input-channel axis (I) is %lld, but x has "
                        "%lld channel%s (they must be equal)",
                        r->a.w, sh, cli_filter_layout_names[fl], (long long)ni, ch, plural(ch));
    if (ch % g == 0 && ni > 0 && ch % ni == 0)
        return cli_fail(
            "run",
            "%s has shape %s: as %s for conv2d its input-channel axis (I) is %lld, but x has %lld channel%s "
            "and groups = %lld, which needs I = %lld (a grouped conv? pass --groups %lld)",
            r->a.w, sh, cli_filter_layout_names[fl], (long long)ni, ch, plural(ch), g, ch / g, ch / (long long)ni);
    return cli_fail(
        "run",
        "%s has shape %s: as %s for conv2d its input-channel axis (I) is %lld, but x has %lld channel%s and "
        "groups = %lld, which needs I = in_channels / groups%s",
        r->a.w, sh, cli_filter_layout_names[fl], (long long)ni, ch, plural(ch), g,
        ch % g ? " (and groups must divide in_channels)" : "");
}

/* kernel_h, kernel_w and out_channels from the filter (conv2d: O = out_channels; transposed: O = out/groups). */
static int infer_from_filter(struct run *r)
{
    struct tconv_params *p = &r->o.p;
    int axis[4];
    enum tconv_filter_layout fl;
    if (!r->a.w) return 0;
    if (filter_axes(r->op->op, p->filter_layout, axis, &fl)) return CLI_FAILED;
    const int64_t kh = r->w.shape[axis[0]], kw = r->w.shape[axis[1]];
    const int64_t ni = r->w.shape[axis[2]], no = r->w.shape[axis[3]];
    if (ni != (r->op->transposed ? p->in_channels : p->in_channels / p->groups) ||
        (!r->op->transposed && p->in_channels % p->groups))
        return filter_input_mismatch(r, fl, ni);
    if (cli_text(&r->o, OPT_KERNEL_SIZE) && (kh != p->kernel_h || kw != p->kernel_w))
        return cli_fail("run", "%s's kernel is %lldx%lld, --kernel-size says %lldx%lld", r->a.w, (long long)kh,
                        (long long)kw, (long long)p->kernel_h, (long long)p->kernel_w);
    p->kernel_h = kh;
    p->kernel_w = kw;
    p->out_channels = no;
    if (r->op->transposed && __builtin_mul_overflow(no, p->groups, &p->out_channels))
        return cli_fail("run", "%s: %lld output channels per group times %lld groups overflows", r->a.w, (long long)no,
                        (long long)p->groups);
    return 0;
}

/* out_channels (and a transposed conv's output size) from dy; then --filters and --output-shape. */
static int infer_output(struct run *r)
{
    struct tconv_params *p = &r->o.p;
    if (r->a.dy) {
        int64_t y[4];
        cli_nhwc(p, r->dy.shape, y);
        if (r->a.w && y[3] != p->out_channels)
            return cli_fail("run", "%s has %lld channel%s, the filter gives %lld output channel%s", r->a.dy,
                            (long long)y[3], plural(y[3]), (long long)p->out_channels, plural(p->out_channels));
        p->out_channels = y[3];
        if (r->op->transposed && !r->o.n_out) {
            p->out_h = y[1];
            p->out_w = y[2];
        }
    }
    if (cli_text(&r->o, OPT_FILTERS) && r->o.filters != p->out_channels)
        return cli_fail("run", "--filters %lld, but the files give %lld output channel%s", (long long)r->o.filters,
                        (long long)p->out_channels, plural(p->out_channels));
    if (r->o.n_out == 2) {
        p->out_h = r->o.out[0];
        p->out_w = r->o.out[1];
    } else if (r->o.n_out == 4) {
        int64_t y[4];
        cli_nhwc(p, r->o.out, y);
        if (y[0] != p->batch || y[3] != p->out_channels)
            return cli_fail("run", "--output-shape %s does not match batch %lld and %lld output channel%s",
                            cli_text(&r->o, OPT_OUTPUT_SHAPE), (long long)p->batch, (long long)p->out_channels,
                            plural(p->out_channels));
        p->out_h = y[1];
        p->out_w = y[2];
    }
    return 0;
}

/* The library's geometry; then the files against it: the filter's whole shape (as the library gives it), dy, the
   bias, and --explain's pixel (before anything runs, so a refused run prints nothing). */
static int check_geometry(struct run *r)
{
    const struct tconv_params *p = &r->o.p;
    char a[128], b[128];
    if ((r->op->transposed ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(p, &r->g) != TCONV_OK)
        return cli_fail("run", "%s", tconv_last_error());
    int64_t want[4];
    enum tconv_filter_layout fl;
    if (r->a.w && tconv_filter_shape(r->op->op, p, want, &fl) != TCONV_OK)
        return cli_fail("run", "%s", tconv_last_error());
    if (r->a.w && memcmp(want, r->w.shape, sizeof want)) {
        run_shape_text(a, sizeof a, 4, r->w.shape);
        run_shape_text(b, sizeof b, 4, want);
        return cli_fail("run", "%s has shape %s, but this %s takes a %s filter of shape %s", r->a.w, a, r->op->name,
                        cli_filter_layout_names[fl], b);
    }
    cli_layout_order(p, p->batch, r->g.out_h, r->g.out_w, p->out_channels, want);
    if (r->a.dy && memcmp(want, r->dy.shape, sizeof want)) {
        run_shape_text(a, sizeof a, 4, r->dy.shape);
        run_shape_text(b, sizeof b, 4, want);
        return cli_fail("run", "%s has shape %s, but y of this %s has shape %s", r->a.dy, a,
                        r->op->transposed ? "conv2d_transpose" : "conv2d", b);
    }
    if (r->a.b && r->b.shape[0] != p->out_channels)
        return cli_fail("run", "%s has %lld element%s, the bias needs out_channels = %lld", r->a.b,
                        (long long)r->b.shape[0], plural(r->b.shape[0]), (long long)p->out_channels);
    return r->a.explain ? explain_check("run", p, &r->g, r->explain_at[0], r->explain_at[1], true) : 0;
}

/* The result's shape, and room for it. */
static int make_result(struct run *r)
{
    const struct tconv_params *p = &r->o.p;
    r->ndim = 4;
    if (r->op->kind == FORWARD)
        cli_layout_order(p, p->batch, r->g.out_h, r->g.out_w, p->out_channels, r->shape);
    else if (r->op->kind == DATA)
        cli_layout_order(p, p->batch, p->in_h, p->in_w, p->in_channels, r->shape);
    else if (r->op->kind == FILTER && tconv_filter_shape(r->op->op, p, r->shape, NULL) != TCONV_OK)
        return cli_fail("run", "%s", tconv_last_error());
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

static enum tconv_status call(const struct run *r)
{
    const struct tconv_params *p = &r->o.p;
    const bool tr = r->op->transposed;
    const float *x = r->x.data, *w = r->w.data, *dy = r->dy.data;
    switch (r->op->kind) {
    case FORWARD:
        return (tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(p, x, w, r->b.data, r->out, NULL, 0, &r->opt);
    case DATA:
        return (tr ? tconv_conv2d_transpose_backward_data_ex : tconv_conv2d_backward_data_ex)(p, dy, w, r->out, NULL, 0,
                                                                                              &r->opt);
    case FILTER:
        return (tr ? tconv_conv2d_transpose_backward_filter_ex : tconv_conv2d_backward_filter_ex)(p, x, dy, r->out,
                                                                                                  NULL, 0, &r->opt);
    default:
        return (tr ? tconv_conv2d_transpose_backward_bias_ex : tconv_conv2d_backward_bias_ex)(p, dy, r->out, NULL, 0,
                                                                                              &r->opt);
    }
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double run_median_seconds(enum tconv_status (*fn)(const void *ctx), const void *ctx)
{
    double t[RUN_TIMED_CALLS];
    for (int i = 0; i < RUN_TIMED_CALLS; i++) {
        const double t0 = now();
        fn(ctx);
        t[i] = now() - t0;
    }
    qsort(t, RUN_TIMED_CALLS, sizeof *t, cmp_double);
    return t[RUN_TIMED_CALLS / 2];
}

static enum tconv_status call_run(const void *r) { return call(r); }

/* --time: the median of RUN_TIMED_CALLS calls, GFLOP/s (of the forward op's multiply-adds), the algorithm. */
static void print_time(struct run *r)
{
    const struct tconv_params *p = &r->o.p;
    const double median = run_median_seconds(call_run, r);
    const int64_t small = p->batch * (r->op->transposed ? p->in_h * p->in_w : r->g.out_h * r->g.out_w);
    const double flops = 2.0 * (double)small * (double)(p->kernel_h * p->kernel_w) *
                         (double)(p->in_channels / p->groups) * (double)p->out_channels;
    struct tconv_profile prof = TCONV_PROFILE_INIT;
    r->opt.profile = &prof;
    call(r);
    r->opt.profile = NULL;
    run_print_time(r->op, median, flops, &prof);
}

/* Image planes as grids: every plane when there are few, else numpy's y[0, ..., 0]. True when all were shown. */
static bool print_planes(const struct run *r, const char *sh)
{
    int64_t s[4];
    cli_nhwc(&r->o.p, r->shape, s);
    const bool nchw = r->o.p.layout == TCONV_NCHW;
    const bool all = s[0] <= RUN_ALL_PLANES_BATCH && s[3] <= RUN_ALL_PLANES_CHANNELS;
    for (int64_t b = 0; b < (all ? s[0] : 1); b++)
        for (int64_t c = 0; c < (all ? s[3] : 1); c++) {
            if (nchw)
                printf("%s[%lld, %lld, :, :] of %s =\n", r->op->result, (long long)b, (long long)c, sh);
            else
                printf("%s[%lld, :, :, %lld] of %s =\n", r->op->result, (long long)b, (long long)c, sh);
            for (int64_t y = 0; y < s[1]; y++) {
                printf(" ");
                for (int64_t x = 0; x < s[2]; x++) {
                    const int64_t i =
                        nchw ? ((b * s[3] + c) * s[1] + y) * s[2] + x : ((b * s[1] + y) * s[2] + x) * s[3] + c;
                    printf(" %9.6g", (double)r->out[i]);
                }
                printf("\n");
            }
        }
    return all;
}

void run_print_time(const struct run_op *op, double median, double flops, const struct tconv_profile *prof)
{
    if (op->kind == BIAS)
        printf("time: %.4g ms (median of %d)\n", median * 1e3, RUN_TIMED_CALLS);
    else
        printf("time: %.4g ms (median of %d), %.3g GFLOP/s, algorithm %s on %d thread%s\n", median * 1e3,
               RUN_TIMED_CALLS, flops / median * 1e-9, tconv_algorithm_name(prof->algorithm), prof->threads,
               plural(prof->threads));
}

void run_print_values(const char *name, const char *shape, const float *v, int64_t n)
{
    printf("%s %s =", name, shape);
    for (int64_t i = 0; i < n; i++) printf(" %.6g", (double)v[i]);
    printf("\n");
}

void run_print_summary(const char *name, const char *shape, const float *v, int64_t n)
{
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    for (int64_t i = 0; i < n; i++) {
        mn = fmin(mn, v[i]);
        mx = fmax(mx, v[i]);
        sum += v[i];
    }
    printf("%s %s: min %.6g, max %.6g, mean %.6g (write it with -o FILE.npy)\n", name, shape, mn, mx, sum / (double)n);
}

static void print_result(const struct run *r)
{
    char sh[128];
    const char *name = r->op->result;
    run_shape_text(sh, sizeof sh, r->ndim, r->shape);
    if (r->count == 0) {
        printf("%s %s is empty (0 elements)\n", name, sh);
        return;
    }
    int64_t s[4];
    cli_nhwc(&r->o.p, r->shape, s);
    const bool image = r->op->kind == FORWARD || r->op->kind == DATA;
    if (image && s[1] <= RUN_MAX_PRINTED_SIDE && s[2] <= RUN_MAX_PRINTED_SIDE) {
        if (print_planes(r, sh)) return;
        printf("all %lld planes: ", (long long)(s[0] * s[3]));
    } else if (!image && r->count <= RUN_MAX_PRINTED_VALUES) {
        run_print_values(name, sh, r->out, r->count);
        return;
    }
    run_print_summary(name, sh, r->out, r->count);
}

/* -o, or the result printed; then --explain with the values. */
static int report(const struct run *r)
{
    char err[512], sh[128];
    if (r->a.o && npy_save(r->a.o, r->out, r->ndim, r->shape, err, sizeof err)) return cli_fail("run", "%s", err);
    run_shape_text(sh, sizeof sh, r->ndim, r->shape);
    if (r->a.o)
        printf("wrote %s: %s %s float32\n", r->a.o, r->op->result, sh);
    else
        print_result(r);
    if (!r->a.explain) return CLI_OK;
    const struct tconv_params *p = &r->o.p;
    const int64_t oy = r->explain_at[0], ox = r->explain_at[1];
    const int64_t at = p->layout == TCONV_NCHW ? oy * r->g.out_w + ox : (oy * r->g.out_w + ox) * p->out_channels;
    const struct explain_values v = {r->x.data, r->w.data, r->a.b ? r->b.data : NULL, r->out[at]};
    return explain_pixel(stdout, "run", r->op->transposed, p, &r->g, oy, ox, &v);
}

static int execute(struct run *r)
{
    int rc = load_all(r);
    if (!rc) rc = infer_input(r);
    if (!rc) rc = infer_from_filter(r);
    if (!rc) rc = infer_output(r);
    if (!rc) rc = check_geometry(r);
    if (!rc) rc = make_result(r);
    if (rc) return rc;
    if (call(r) != TCONV_OK) return cli_fail("run", "%s", tconv_last_error());
    if (r->a.time) print_time(r);
    return report(r);
}

/* The rank of the run: x's dimensions minus 2, else --input-shape's; the op's name must agree. */
static int find_rank(struct run *r, int *rank)
{
    if (!r->a.x) return cli_shape_rank("run", &r->o, r->want, r->name, rank);
    if (load_file(r->a.x, &r->x)) return CLI_FAILED;
    r->x_loaded = true;
    *rank = r->x.ndim - 2;
    if (r->want ? *rank == r->want : *rank >= 1 && *rank <= TCONV_MAX_RANK) return 0;
    if (r->want)
        return cli_fail("run", "%s: x must have %d dimensions for %s, it has %d", r->a.x, r->want + 2, r->name,
                        r->x.ndim);
    return cli_fail("run",
                    "%s: x must have 3, 4 or 5 dimensions (N,W,C, N,H,W,C or N,D,H,W,C in --layout order), it has %d",
                    r->a.x, r->x.ndim);
}

/* conv1d..., conv3d... and conv... (whose rank x or --input-shape gives): rank 2 goes the 2-D way. */
static int run_any_rank(struct run *r)
{
    int rc, rank = 0;
    if ((rc = resolve_own(r)) || (rc = check_needs(r)) || (rc = find_rank(r, &rank))) return rc;
    if (rank == 2) return (rc = cli_resolve("run", &r->o)) ? rc : execute(r);
    if (r->a.explain) return cli_usage("run", "--explain OY,OX is for 2-D; this run is %d-D", rank);
    return run_nd(r->op, rank, &r->o, &r->a, &r->opt, r->x_loaded ? &r->x : NULL);
}

int cmd_run(int argc, char **argv)
{
    if (argc < 2) {
        fputs(run_help, stderr);
        return CLI_USAGE;
    }
    struct run r;
    memset(&r, 0, sizeof r);
    r.opt = (struct tconv_options)TCONV_OPTIONS_INIT;
    int first = 0;
    int rc = cli_parse(&run_command, argc, argv, &r.o, &r.a, &first);
    if (rc) return rc == CLI_HELP_SHOWN ? CLI_OK : rc;
    if ((rc = find_op(argc, argv, first, &r.op, &r.want))) return rc;
    r.name = argv[first];
    if (r.want != 2)
        rc = run_any_rank(&r);
    else if (!(rc = cli_resolve("run", &r.o)) && !(rc = resolve_own(&r)) && !(rc = check_needs(&r)))
        rc = execute(&r); /* conv2d...: the 2-D path, as it always was */
    free(r.x.data);
    free(r.w.data);
    free(r.b.data);
    free(r.dy.data);
    free(r.out);
    return rc;
}
