/*
 * api.c - every public function of tconv.h, written out, and the one path the computations take
 * (the front door): validate every argument, plan, provide the workspace (the caller's, or one
 * allocation), execute, report the profile. Nothing is written to an output before every check has
 * passed and the workspace exists, so a failing call leaves its outputs untouched.
 *
 * Every computation is one `enum what`. The gradients run on a derived problem: the data gradient is
 * the forward pass of the adjoint problem (conv <-> transposed conv), the filter gradient of a
 * transposed conv is the conv filter gradient of its adjoint with x and dy exchanged. Resize-
 * convolution runs its first stage (resize.c) before its plan's.
 */
#include <stdint.h>
#include <string.h>

#include "analysis.h"
#include "reference.h"
#include "resize.h"
#include "validate.h"

#define STR_(x) #x
#define STR(x)  STR_(x)

enum what { FORWARD, DATA, FILTER, BIAS, RESIZE };

/* What a public entry point asks for. Tensors by role: FORWARD and RESIZE (a = x, b = filter, bias -> y),
   DATA (a = dy, b = filter -> dx), FILTER (a = x, b = dy -> dfilter), BIAS (a = dy -> dbias). */
struct request {
    const char *fn;
    enum what what;
    bool transposed;                  /* the forward op is conv2d_transpose */
    const struct tconv_params *p;     /* a 2-D call */
    const struct tconv_nd_params *nd; /* an N-D call (p is NULL) */
    int64_t scale;                    /* RESIZE */
    enum tconv_resize mode;           /* RESIZE */
    const float *a, *b, *bias;
    float *out;
    void *workspace;
    size_t workspace_bytes;
    const struct tconv_options *opt;
    const float *packed;   /* an operator's run: its filter as the tiles read it (the plan's pack is skipped) */
    enum tconv__pack pack; /* ... packed at create for this pack kind */
};

/* A validated, planned call. */
struct call {
    struct tconv__problem user; /* as the caller described it (resize: the conv over the upsampled x) */
    struct tconv__problem exec; /* the problem that runs: user, its adjoint, or resize's composed conv */
    struct tconv__plan plan;
    struct tconv__stage prologue; /* resize's first stage (no tiles otherwise) */
    bool composed;                /* resize: the prologue composes the filter (else it upsamples x) */
    size_t staged_bytes;          /* what the prologue writes, first in the workspace */
    int64_t x_elems;              /* the caller's x (resize: before upsampling) */
    int threads;
    struct tconv_options opt; /* the caller's options in this library's layout (defaults for NULL) */
};

static bool forward(const struct request *rq) { return rq->what == FORWARD || rq->what == RESIZE; }

/* ---- validation ---- */

static enum tconv_status resolve(const struct request *rq, struct call *c)
{
    enum tconv_status st;
    memset(c, 0, sizeof *c);
    if (rq->what == RESIZE) {
        if ((st = tconv__check_resize(rq->fn, rq->p, rq->scale, rq->mode)) != TCONV_OK) return st;
        if ((st = tconv__resize_problem(rq->fn, rq->p, rq->scale, &c->user)) != TCONV_OK) return st;
        c->x_elems = c->user.n * rq->p->in_h * rq->p->in_w * c->user.ci; /* partial products of the upsampled */
        return TCONV_OK;
    }
    st = rq->nd ? tconv__resolve_nd(rq->fn, rq->nd, rq->transposed, &c->user, NULL)
                : tconv__resolve(rq->fn, rq->p, rq->transposed, &c->user, NULL);
    if (st != TCONV_OK) return st;
    c->x_elems = c->user.x_elems;
    return TCONV_OK;
}

/* The tensors of the call by role (inputs[0..n), then the output), with the NULL rules of each. */
static int tensors(const struct request *rq, const struct call *c, struct tconv__tensor *in, struct tconv__tensor *out)
{
    const struct tconv__problem *u = &c->user;
    const bool work = c->x_elems > 0 && u->y_elems > 0;
    switch (rq->what) {
    case FORWARD:
    case RESIZE:
        *out = (struct tconv__tensor){"y", rq->out, u->y_elems, true};
        in[0] = (struct tconv__tensor){"x", rq->a, c->x_elems, work};
        in[1] = (struct tconv__tensor){"filter", rq->b, u->f_elems, u->y_elems > 0};
        in[2] = (struct tconv__tensor){"bias", rq->bias, u->co, false};
        return 3;
    case DATA:
        *out = (struct tconv__tensor){"dx", rq->out, u->x_elems, true};
        in[0] = (struct tconv__tensor){"dy", rq->a, u->y_elems, true};
        in[1] = (struct tconv__tensor){"filter", rq->b, u->f_elems, work};
        return 2;
    case FILTER:
        *out = (struct tconv__tensor){"dfilter", rq->out, u->f_elems, true};
        in[0] = (struct tconv__tensor){"x", rq->a, u->x_elems, work};
        in[1] = (struct tconv__tensor){"dy", rq->b, u->y_elems, work};
        return 2;
    case BIAS:
    default:
        *out = (struct tconv__tensor){"dbias", rq->out, u->co, true};
        in[0] = (struct tconv__tensor){"dy", rq->a, u->y_elems, true};
        return 1;
    }
}

/* ---- planning ---- */

/* Bytes of the workspace for nthreads: alignment slack, the prologue's output, the plan's part. */
static size_t workspace_bytes(const struct call *c, int nthreads)
{
    if (c->plan.kind == TCONV__NOTHING) return 0;
    return TCONV__ALIGN + tconv__round64(c->staged_bytes) + tconv__plan_workspace(&c->plan, nthreads);
}

static enum tconv_status plan(const struct request *rq, struct call *c)
{
    const enum tconv_algorithm algo = c->opt.algorithm;
    const char *fn = rq->fn;
    enum tconv_status st;
    switch (rq->what) {
    case FORWARD:
        c->exec = c->user;
        st = tconv__plan_forward(fn, &c->exec, algo, NULL, &c->plan);
        break;
    case DATA:
        tconv__adjoint(&c->user, &c->exec);
        st = tconv__plan_forward(fn, &c->exec, algo, NULL, &c->plan);
        break;
    case FILTER:
        if (c->user.transposed)
            tconv__adjoint(&c->user, &c->exec);
        else
            c->exec = c->user;
        st = tconv__plan_filter_grad(fn, &c->exec, algo, NULL, &c->plan);
        break;
    case BIAS:
        c->exec = c->user;
        st = tconv__plan_bias_grad(fn, &c->exec, algo, &c->plan);
        break;
    case RESIZE:
    default: {
        struct tconv__resize_plan rp;
        st = tconv__resize_plan(fn, &c->user, rq->scale, rq->mode, rq->p->in_h, rq->p->in_w, algo, &rp);
        c->exec = rp.exec;
        c->plan = rp.plan;
        c->prologue = rp.prologue;
        c->composed = rp.composed;
        if (rp.staged_floats > (int64_t)(INT64_MAX / 1024 / sizeof(float))) /* the plan's bound, for the prologue */
            return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn,
                               "the workspace of this resize-convolution (%lld staged floats) is beyond addressable "
                               "memory",
                               (long long)rp.staged_floats);
        c->staged_bytes = (size_t)rp.staged_floats * sizeof(float);
    }
    }
    if (st != TCONV_OK) return st;
    if (rq->packed && c->plan.kind != TCONV__NOTHING) {
        if (c->plan.pack != rq->pack) /* the algorithm is fixed at create, and with it the packing */
            return tconv__fail(TCONV_ERR_UNSUPPORTED, fn, "this batch would need the filter packed as %d, not %d",
                               (int)c->plan.pack, (int)rq->pack);
        tconv__plan_prepacked(&c->plan);
    }
    const int requested = tconv__threads_requested(c->opt.num_threads);
    c->threads = (int)tconv__max(1, tconv__min(requested, c->plan.ntiles));
    return TCONV_OK;
}

/* Validate and plan (everything but the tensors). */
static enum tconv_status prepare(const struct request *rq, struct call *c)
{
    enum tconv_status st = resolve(rq, c);
    if (st != TCONV_OK) return st;
    if ((st = tconv__read_options(rq->fn, rq->opt, forward(rq), &c->opt)) != TCONV_OK) return st;
    if (!forward(rq) && (st = tconv__check_linear(rq->fn, &c->user)) != TCONV_OK) return st;
    return plan(rq, c);
}

/* ---- execution ---- */

/* y of a forward call with nothing to compute (an empty x): act(bias), per output channel. */
static void bias_only(const struct tconv__problem *pr, const float *bias, float *y)
{
    const int64_t px = pr->out_d * pr->out_h * pr->out_w;
    for (int64_t i = 0; i < pr->y_elems; i++) {
        const int64_t ch = pr->layout == TCONV_NHWC ? i % pr->co : i / px % pr->co;
        y[i] = tconv__act(pr->act, bias ? bias[ch] : 0.0f);
    }
}

/* A call whose plan has nothing to compute: the bias (forward), or a zero gradient. */
static void nothing_to_compute(const struct request *rq, const struct call *c, const struct tconv__tensor *out)
{
    if (out->elems == 0) return;
    if (forward(rq))
        bias_only(&c->user, rq->bias, rq->out);
    else if (!c->opt.accumulate)
        memset(rq->out, 0, (size_t)out->elems * sizeof(float));
}

/* The tensors of the run, the workspace carved up: [prologue output][plan's shared part][scratch]. */
static void bind(const struct request *rq, const struct call *c, char *base, struct tconv__run *r)
{
    float *staged = (float *)(void *)base;
    float *shared = (float *)(void *)(base + tconv__round64(c->staged_bytes));
    *r = (struct tconv__run){.pr = &c->exec, .pl = &c->plan, .packed = shared, .partial = shared};
    r->accumulate = c->opt.accumulate;
    r->timed = c->opt.profile != NULL;
    switch (rq->what) {
    case FORWARD:
        r->x = rq->a;
        r->filter = rq->b;
        r->bias = rq->bias;
        r->y = rq->out;
        break;
    case DATA: /* dx = the adjoint's forward pass of dy */
        r->x = rq->a;
        r->filter = rq->b;
        r->y = rq->out;
        break;
    case FILTER: /* a transposed conv's: its adjoint's, whose input is the transposed conv's dy */
        r->x = c->user.transposed ? rq->b : rq->a;
        r->dy = c->user.transposed ? rq->a : rq->b;
        r->dw = rq->out;
        break;
    case BIAS:
        r->dy = rq->a;
        r->dw = rq->out;
        break;
    case RESIZE:
    default:
        r->resize = (struct tconv__resize){&c->user, rq->scale, rq->mode, rq->a, rq->b, staged};
        r->x = c->composed ? rq->a : staged;
        r->filter = c->composed ? staged : rq->b;
        r->bias = rq->bias;
        r->y = rq->out;
        break;
    }
    r->f = rq->packed ? rq->packed : c->plan.pack != TCONV__PACK_NONE ? shared : r->filter;
}

static void report(struct tconv_profile *profile, double start, const struct tconv__times *sum,
                   enum tconv_algorithm algorithm, int threads)
{
    const double total = tconv__now() - start;
    const double busy = sum->pack + sum->im2col + sum->gemm + sum->col2im + sum->epilogue;
    const double k = busy > 0 ? total / busy : 0.0; /* phases as shares of the wall-clock total */
    tconv__write_profile(profile, &(struct tconv_profile){.total = total,
                                                          .pack = sum->pack * k,
                                                          .im2col = sum->im2col * k,
                                                          .gemm = sum->gemm * k,
                                                          .col2im = sum->col2im * k,
                                                          .epilogue = sum->epilogue * k,
                                                          .algorithm = algorithm,
                                                          .threads = threads});
}

/* The front door of every computation. */
static enum tconv_status run(const struct request *rq)
{
    const double start = tconv__now();
    struct call c;
    enum tconv_status st = prepare(rq, &c);
    if (st != TCONV_OK) return st;
    struct tconv_profile *profile = c.opt.profile;
    struct tconv__tensor in[4], out; /* room for the output after the inputs: the workspace check */
    const int nin = tensors(rq, &c, in, &out);
    if ((st = tconv__check_tensors(rq->fn, in, nin, &out)) != TCONV_OK) return st;
    if (c.plan.kind == TCONV__NOTHING) {
        nothing_to_compute(rq, &c, &out);
        if (profile) report(profile, start, &(struct tconv__times){0}, TCONV_ALGORITHM_NONE, 0);
        return TCONV_OK;
    }
    void *owned = NULL, *workspace = rq->workspace;
    size_t ws_bytes = rq->workspace_bytes;
    int threads = c.threads;
    if (!workspace) {
        ws_bytes = workspace_bytes(&c, threads);
        if ((owned = workspace = tconv__alloc(ws_bytes)) == NULL)
            return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, rq->fn, "could not allocate a workspace of %zu bytes",
                               ws_bytes);
    } else {
        in[nin] = out;
        if ((st = tconv__check_workspace(rq->fn, workspace, ws_bytes, workspace_bytes(&c, 1),
                                         workspace_bytes(&c, threads), threads, in, nin + 1)) != TCONV_OK)
            return st;
        while (threads > 1 && ws_bytes < workspace_bytes(&c, threads)) threads--; /* same result, fewer threads */
    }
    char *base = (char *)(((uintptr_t)workspace + TCONV__ALIGN - 1) & ~(uintptr_t)(TCONV__ALIGN - 1));
    struct tconv__run r;
    bind(rq, &c, base, &r);
    struct tconv__stages stages = {0};
    if (rq->what == RESIZE) stages.s[stages.n++] = c.prologue;
    (rq->packed ? tconv__plan_compute_stages : tconv__plan_stages)(&c.plan, &c.exec, &stages);
    struct tconv__times sum;
    char *scratch = base + tconv__round64(c.staged_bytes) + tconv__round64(c.plan.shared_bytes);
    const int team = tconv__execute(&stages, &r, scratch, c.plan.scratch_bytes, threads, &sum);
    tconv__free(owned);
    if (profile) report(profile, start, &sum, c.plan.algorithm, team);
    return TCONV_OK;
}

/* The workspace size query of a computation. */
static enum tconv_status query(const struct request *rq, size_t *bytes)
{
    if (!bytes) return tconv__fail(TCONV_ERR_NULL_POINTER, rq->fn, "bytes must not be NULL");
    struct call c;
    enum tconv_status st = prepare(rq, &c);
    if (st != TCONV_OK) return st;
    *bytes = workspace_bytes(&c, c.threads);
    return TCONV_OK;
}

/* The naive reference of a computation: validated like the fast path, then reference.c. */
static enum tconv_status reference(const struct request *rq)
{
    struct call c;
    enum tconv_status st = resolve(rq, &c);
    if (st != TCONV_OK) return st;
    if (!forward(rq) && (st = tconv__check_linear(rq->fn, &c.user)) != TCONV_OK) return st;
    struct tconv__tensor in[3], out;
    const int nin = tensors(rq, &c, in, &out);
    if ((st = tconv__check_tensors(rq->fn, in, nin, &out)) != TCONV_OK) return st;
    /* an empty input: the bias or a zero gradient (whatever the other sizes, which need not be small) */
    const struct tconv__problem *u = &c.user;
    const bool empty = forward(rq)          ? c.x_elems == 0 || u->y_elems == 0
                       : rq->what == FILTER ? u->x_elems == 0 || u->y_elems == 0
                                            : u->y_elems == 0;
    if (out.elems == 0 || empty) {
        nothing_to_compute(rq, &c, &out);
        return TCONV_OK;
    }
    switch (rq->what) {
    case FORWARD: return tconv__reference_run(rq->fn, &c.user, rq->a, rq->b, rq->bias, rq->out);
    case RESIZE: return tconv__reference_resize(rq->fn, &c.user, rq->scale, rq->mode, rq->a, rq->b, rq->bias, rq->out);
    case DATA: return tconv__reference_grad(rq->fn, &c.user, TCONV__GRAD_DATA, rq->a, rq->b, rq->out);
    case FILTER: return tconv__reference_grad(rq->fn, &c.user, TCONV__GRAD_FILTER, rq->a, rq->b, rq->out);
    case BIAS:
    default: return tconv__reference_grad(rq->fn, &c.user, TCONV__GRAD_BIAS, rq->a, NULL, rq->out);
    }
}

/* ---- status, names, version ---- */

TCONV_API const char *tconv_status_string(enum tconv_status s)
{
    switch (s) {
    case TCONV_OK: return "TCONV_OK: success";
    case TCONV_ERR_NULL_POINTER: return "TCONV_ERR_NULL_POINTER: a required pointer was NULL";
    case TCONV_ERR_INVALID_ARGUMENT: return "TCONV_ERR_INVALID_ARGUMENT: a parameter is out of its allowed range";
    case TCONV_ERR_SHAPE_MISMATCH:
        return "TCONV_ERR_SHAPE_MISMATCH: a requested output size is not what the parameters give";
    case TCONV_ERR_UNSUPPORTED: return "TCONV_ERR_UNSUPPORTED: legal, but not supported by this build";
    case TCONV_ERR_SIZE_OVERFLOW: return "TCONV_ERR_SIZE_OVERFLOW: an element or byte count overflows";
    case TCONV_ERR_OUT_OF_MEMORY: return "TCONV_ERR_OUT_OF_MEMORY: a workspace allocation failed";
    }
    return "unknown tconv_status";
}

TCONV_API const char *tconv_last_error(void) { return tconv__last_error(); }

TCONV_API const char *tconv_algorithm_name(enum tconv_algorithm a)
{
    switch (a) {
    case TCONV_ALGORITHM_AUTO: return "AUTO";
    case TCONV_ALGORITHM_GEMM: return "GEMM";
    case TCONV_ALGORITHM_SUBPIXEL: return "SUBPIXEL";
    case TCONV_ALGORITHM_DIRECT: return "DIRECT";
    case TCONV_ALGORITHM_NONE: return "NONE";
    }
    return "unknown";
}

TCONV_API const char *tconv_version(void)
{
    return STR(TCONV_VERSION_MAJOR) "." STR(TCONV_VERSION_MINOR) "." STR(TCONV_VERSION_PATCH);
}

/* ---- initialisers: this header's (0.2.0) layouts, forever (the ABI rules in tconv.h) ---- */

TCONV_API void tconv_params_init(struct tconv_params *p) { *p = (struct tconv_params)TCONV_PARAMS_INIT; }

TCONV_API void tconv_options_init(struct tconv_options *o) { *o = (struct tconv_options)TCONV_OPTIONS_INIT; }

TCONV_API void tconv_profile_init(struct tconv_profile *pr) { *pr = (struct tconv_profile)TCONV_PROFILE_INIT; }

/* ---- geometry and the filter tensor ---- */

TCONV_API enum tconv_status tconv_conv2d_geometry(const struct tconv_params *p, struct tconv_geometry *g)
{
    const char *fn = "tconv_conv2d_geometry";
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "g must not be NULL");
    return tconv__resolve(fn, p, false, &pr, g);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_geometry(const struct tconv_params *p, struct tconv_geometry *g)
{
    const char *fn = "tconv_conv2d_transpose_geometry";
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "g must not be NULL");
    return tconv__resolve(fn, p, true, &pr, g);
}

TCONV_API void tconv_nd_params_init(struct tconv_nd_params *p, int rank)
{
    memset(p, 0, sizeof *p);
    p->rank = rank;
    p->groups = 1;
    for (int i = 0; i < TCONV_MAX_RANK; i++) {
        p->stride[i] = 1;
        p->dilation[i] = 1;
    }
}

TCONV_API enum tconv_status tconv_convnd_geometry(const struct tconv_nd_params *p, struct tconv_nd_geometry *g)
{
    const char *fn = "tconv_convnd_geometry";
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "g must not be NULL");
    return tconv__resolve_nd(fn, p, false, &pr, g);
}

TCONV_API enum tconv_status tconv_convnd_transpose_geometry(const struct tconv_nd_params *p,
                                                            struct tconv_nd_geometry *g)
{
    const char *fn = "tconv_convnd_transpose_geometry";
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "g must not be NULL");
    return tconv__resolve_nd(fn, p, true, &pr, g);
}

static bool op_transposed(enum tconv_op op)
{
    return op == TCONV_OP_CONV2D_TRANSPOSE || op == TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA ||
           op == TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER || op == TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS;
}

TCONV_API enum tconv_status tconv_filter_shape(enum tconv_op op, const struct tconv_params *p, int64_t dims[4],
                                               enum tconv_filter_layout *layout)
{
    const char *fn = "tconv_filter_shape";
    struct tconv__problem pr;
    enum tconv_status st;
    if ((st = tconv__check_op(fn, op)) != TCONV_OK) return st;
    if ((st = tconv__resolve(fn, p, op_transposed(op), &pr, NULL)) != TCONV_OK) return st;
    if (!dims) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "dims must not be NULL");
    /* the four axes (kernel_h, kernel_w, I, O) in each layout's order */
    static const int order[5][4] = {[TCONV_FILTER_HWIO] = {0, 1, 2, 3},
                                    [TCONV_FILTER_OIHW] = {3, 2, 0, 1},
                                    [TCONV_FILTER_HWOI] = {0, 1, 3, 2},
                                    [TCONV_FILTER_IOHW] = {2, 3, 0, 1}};
    const int64_t axis[4] = {pr.h.k, pr.w.k, pr.transposed ? pr.ci : pr.cig, pr.transposed ? pr.cog : pr.co};
    int64_t d[4];
    for (int i = 0; i < 4; i++) d[i] = axis[order[pr.flayout][i]];
    memcpy(dims, d, sizeof d);
    if (layout) *layout = pr.flayout;
    return TCONV_OK;
}

TCONV_API enum tconv_status tconv_filter_index(enum tconv_op op, const struct tconv_params *p, int64_t out_channel,
                                               int64_t in_channel, int64_t ky, int64_t kx, int64_t *index)
{
    const char *fn = "tconv_filter_index";
    struct tconv__problem pr;
    enum tconv_status st;
    if ((st = tconv__check_op(fn, op)) != TCONV_OK) return st;
    if ((st = tconv__resolve(fn, p, op_transposed(op), &pr, NULL)) != TCONV_OK) return st;
    if (!index) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "index must not be NULL");
    const struct {
        const char *name;
        int64_t v, n;
    } args[4] = {
        {"out_channel", out_channel, pr.co}, {"in_channel", in_channel, pr.ci}, {"ky", ky, pr.h.k}, {"kx", kx, pr.w.k}};
    for (int i = 0; i < 4; i++)
        if (args[i].v < 0 || args[i].v >= args[i].n)
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "%s = %lld is invalid: it must be in [0, %lld)",
                               args[i].name, (long long)args[i].v, (long long)args[i].n);
    if (out_channel / pr.cog != in_channel / pr.cig)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "out_channel = %lld (group %lld) and in_channel = %lld (group %lld) are in different "
                           "groups: with groups = %lld they are not connected",
                           (long long)out_channel, (long long)(out_channel / pr.cog), (long long)in_channel,
                           (long long)(in_channel / pr.cig), (long long)pr.g);
    /* full axis: conv O, transposed I; per-group axis: the other, within its group */
    *index = pr.transposed ? tconv__filter_index(&pr, in_channel, out_channel % pr.cog, 0, ky, kx)
                           : tconv__filter_index(&pr, out_channel, in_channel % pr.cig, 0, ky, kx);
    return TCONV_OK;
}

/* ---- workspace queries ---- */

static const struct {
    enum what what;
    bool transposed;
} ops[] = {
    [TCONV_OP_CONV2D] = {FORWARD, false},
    [TCONV_OP_CONV2D_TRANSPOSE] = {FORWARD, true},
    [TCONV_OP_CONV2D_BACKWARD_DATA] = {DATA, false},
    [TCONV_OP_CONV2D_BACKWARD_FILTER] = {FILTER, false},
    [TCONV_OP_CONV2D_BACKWARD_BIAS] = {BIAS, false},
    [TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA] = {DATA, true},
    [TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER] = {FILTER, true},
    [TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS] = {BIAS, true},
};

TCONV_API enum tconv_status tconv_workspace_size(enum tconv_op op, const struct tconv_params *p,
                                                 const struct tconv_options *opt, size_t *bytes)
{
    const char *fn = "tconv_workspace_size";
    enum tconv_status st = tconv__check_op(fn, op);
    if (st != TCONV_OK) return st;
    return query(
        &(struct request){.fn = fn, .what = ops[op].what, .transposed = ops[op].transposed, .p = p, .opt = opt}, bytes);
}

TCONV_API enum tconv_status tconv_nd_workspace_size(enum tconv_op op, const struct tconv_nd_params *p,
                                                    const struct tconv_options *opt, size_t *bytes)
{
    const char *fn = "tconv_nd_workspace_size";
    enum tconv_status st = tconv__check_op(fn, op);
    if (st != TCONV_OK) return st;
    return query(
        &(struct request){.fn = fn, .what = ops[op].what, .transposed = ops[op].transposed, .nd = p, .opt = opt},
        bytes);
}

TCONV_API enum tconv_status tconv_conv2d_workspace_size(const struct tconv_params *p, size_t *bytes)
{
    return query(&(struct request){.fn = "tconv_conv2d_workspace_size", .what = FORWARD, .transposed = false, .p = p},
                 bytes);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size(const struct tconv_params *p, size_t *bytes)
{
    return query(
        &(struct request){.fn = "tconv_conv2d_transpose_workspace_size", .what = FORWARD, .transposed = true, .p = p},
        bytes);
}

TCONV_API enum tconv_status tconv_conv2d_workspace_size_ex(const struct tconv_params *p,
                                                           const struct tconv_options *opt, size_t *bytes)
{
    return query(
        &(struct request){
            .fn = "tconv_conv2d_workspace_size_ex", .what = FORWARD, .transposed = false, .p = p, .opt = opt},
        bytes);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size_ex(const struct tconv_params *p,
                                                                     const struct tconv_options *opt, size_t *bytes)
{
    return query(
        &(struct request){
            .fn = "tconv_conv2d_transpose_workspace_size_ex", .what = FORWARD, .transposed = true, .p = p, .opt = opt},
        bytes);
}

/* ---- forward ---- */

TCONV_API enum tconv_status tconv_conv2d(const struct tconv_params *p, const float *x, const float *filter,
                                         const float *bias, float *y)
{
    return run(&(struct request){.fn = "tconv_conv2d",
                                 .what = FORWARD,
                                 .transposed = false,
                                 .p = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y});
}

TCONV_API enum tconv_status tconv_conv2d_transpose(const struct tconv_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose",
                                 .what = FORWARD,
                                 .transposed = true,
                                 .p = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y});
}

TCONV_API enum tconv_status tconv_conv2d_ex(const struct tconv_params *p, const float *x, const float *filter,
                                            const float *bias, float *y, void *workspace, size_t workspace_bytes,
                                            const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_ex",
                                 .what = FORWARD,
                                 .transposed = false,
                                 .p = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_ex(const struct tconv_params *p, const float *x, const float *filter,
                                                      const float *bias, float *y, void *workspace,
                                                      size_t workspace_bytes, const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose_ex",
                                 .what = FORWARD,
                                 .transposed = true,
                                 .p = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_reference(const struct tconv_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y)
{
    return reference(&(struct request){.fn = "tconv_conv2d_reference",
                                       .what = FORWARD,
                                       .transposed = false,
                                       .p = p,
                                       .a = x,
                                       .b = filter,
                                       .bias = bias,
                                       .out = y});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_reference(const struct tconv_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y)
{
    return reference(&(struct request){.fn = "tconv_conv2d_transpose_reference",
                                       .what = FORWARD,
                                       .transposed = true,
                                       .p = p,
                                       .a = x,
                                       .b = filter,
                                       .bias = bias,
                                       .out = y});
}

/* ---- gradients of conv2d ---- */

TCONV_API enum tconv_status tconv_conv2d_backward_data(const struct tconv_params *p, const float *dy,
                                                       const float *filter, float *dx)
{
    return run(&(struct request){.fn = "tconv_conv2d_backward_data",
                                 .what = DATA,
                                 .transposed = false,
                                 .p = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx});
}

TCONV_API enum tconv_status tconv_conv2d_backward_data_ex(const struct tconv_params *p, const float *dy,
                                                          const float *filter, float *dx, void *workspace,
                                                          size_t workspace_bytes, const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_backward_data_ex",
                                 .what = DATA,
                                 .transposed = false,
                                 .p = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_backward_data_reference(const struct tconv_params *p, const float *dy,
                                                                 const float *filter, float *dx)
{
    return reference(&(struct request){.fn = "tconv_conv2d_backward_data_reference",
                                       .what = DATA,
                                       .transposed = false,
                                       .p = p,
                                       .a = dy,
                                       .b = filter,
                                       .out = dx});
}

TCONV_API enum tconv_status tconv_conv2d_backward_filter(const struct tconv_params *p, const float *x, const float *dy,
                                                         float *dfilter)
{
    return run(&(struct request){.fn = "tconv_conv2d_backward_filter",
                                 .what = FILTER,
                                 .transposed = false,
                                 .p = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter});
}

TCONV_API enum tconv_status tconv_conv2d_backward_filter_ex(const struct tconv_params *p, const float *x,
                                                            const float *dy, float *dfilter, void *workspace,
                                                            size_t workspace_bytes, const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_backward_filter_ex",
                                 .what = FILTER,
                                 .transposed = false,
                                 .p = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_backward_filter_reference(const struct tconv_params *p, const float *x,
                                                                   const float *dy, float *dfilter)
{
    return reference(&(struct request){.fn = "tconv_conv2d_backward_filter_reference",
                                       .what = FILTER,
                                       .transposed = false,
                                       .p = p,
                                       .a = x,
                                       .b = dy,
                                       .out = dfilter});
}

TCONV_API enum tconv_status tconv_conv2d_backward_bias(const struct tconv_params *p, const float *dy, float *dbias)
{
    return run(&(struct request){
        .fn = "tconv_conv2d_backward_bias", .what = BIAS, .transposed = false, .p = p, .a = dy, .out = dbias});
}

TCONV_API enum tconv_status tconv_conv2d_backward_bias_ex(const struct tconv_params *p, const float *dy, float *dbias,
                                                          void *workspace, size_t workspace_bytes,
                                                          const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_backward_bias_ex",
                                 .what = BIAS,
                                 .transposed = false,
                                 .p = p,
                                 .a = dy,
                                 .out = dbias,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_backward_bias_reference(const struct tconv_params *p, const float *dy,
                                                                 float *dbias)
{
    return reference(&(struct request){.fn = "tconv_conv2d_backward_bias_reference",
                                       .what = BIAS,
                                       .transposed = false,
                                       .p = p,
                                       .a = dy,
                                       .out = dbias});
}

/* ---- gradients of conv2d_transpose ---- */

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_data(const struct tconv_params *p, const float *dy,
                                                                 const float *filter, float *dx)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose_backward_data",
                                 .what = DATA,
                                 .transposed = true,
                                 .p = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_data_ex(const struct tconv_params *p, const float *dy,
                                                                    const float *filter, float *dx, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose_backward_data_ex",
                                 .what = DATA,
                                 .transposed = true,
                                 .p = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_data_reference(const struct tconv_params *p,
                                                                           const float *dy, const float *filter,
                                                                           float *dx)
{
    return reference(&(struct request){.fn = "tconv_conv2d_transpose_backward_data_reference",
                                       .what = DATA,
                                       .transposed = true,
                                       .p = p,
                                       .a = dy,
                                       .b = filter,
                                       .out = dx});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_filter(const struct tconv_params *p, const float *x,
                                                                   const float *dy, float *dfilter)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose_backward_filter",
                                 .what = FILTER,
                                 .transposed = true,
                                 .p = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_filter_ex(const struct tconv_params *p, const float *x,
                                                                      const float *dy, float *dfilter, void *workspace,
                                                                      size_t workspace_bytes,
                                                                      const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose_backward_filter_ex",
                                 .what = FILTER,
                                 .transposed = true,
                                 .p = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_filter_reference(const struct tconv_params *p,
                                                                             const float *x, const float *dy,
                                                                             float *dfilter)
{
    return reference(&(struct request){.fn = "tconv_conv2d_transpose_backward_filter_reference",
                                       .what = FILTER,
                                       .transposed = true,
                                       .p = p,
                                       .a = x,
                                       .b = dy,
                                       .out = dfilter});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_bias(const struct tconv_params *p, const float *dy,
                                                                 float *dbias)
{
    return run(&(struct request){
        .fn = "tconv_conv2d_transpose_backward_bias", .what = BIAS, .transposed = true, .p = p, .a = dy, .out = dbias});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_bias_ex(const struct tconv_params *p, const float *dy,
                                                                    float *dbias, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_conv2d_transpose_backward_bias_ex",
                                 .what = BIAS,
                                 .transposed = true,
                                 .p = p,
                                 .a = dy,
                                 .out = dbias,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_conv2d_transpose_backward_bias_reference(const struct tconv_params *p,
                                                                           const float *dy, float *dbias)
{
    return reference(&(struct request){.fn = "tconv_conv2d_transpose_backward_bias_reference",
                                       .what = BIAS,
                                       .transposed = true,
                                       .p = p,
                                       .a = dy,
                                       .out = dbias});
}

/* ---- N-D (rank 1..3): the same requests, resolved by tconv__resolve_nd ---- */

TCONV_API enum tconv_status tconv_convnd(const struct tconv_nd_params *p, const float *x, const float *filter,
                                         const float *bias, float *y)
{
    return run(&(struct request){.fn = "tconv_convnd",
                                 .what = FORWARD,
                                 .transposed = false,
                                 .nd = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y});
}

TCONV_API enum tconv_status tconv_convnd_transpose(const struct tconv_nd_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose",
                                 .what = FORWARD,
                                 .transposed = true,
                                 .nd = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y});
}

TCONV_API enum tconv_status tconv_convnd_ex(const struct tconv_nd_params *p, const float *x, const float *filter,
                                            const float *bias, float *y, void *workspace, size_t workspace_bytes,
                                            const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_ex",
                                 .what = FORWARD,
                                 .transposed = false,
                                 .nd = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_transpose_ex(const struct tconv_nd_params *p, const float *x,
                                                      const float *filter, const float *bias, float *y, void *workspace,
                                                      size_t workspace_bytes, const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_ex",
                                 .what = FORWARD,
                                 .transposed = true,
                                 .nd = p,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_reference(const struct tconv_nd_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y)
{
    return reference(&(struct request){.fn = "tconv_convnd_reference",
                                       .what = FORWARD,
                                       .transposed = false,
                                       .nd = p,
                                       .a = x,
                                       .b = filter,
                                       .bias = bias,
                                       .out = y});
}

TCONV_API enum tconv_status tconv_convnd_transpose_reference(const struct tconv_nd_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y)
{
    return reference(&(struct request){.fn = "tconv_convnd_transpose_reference",
                                       .what = FORWARD,
                                       .transposed = true,
                                       .nd = p,
                                       .a = x,
                                       .b = filter,
                                       .bias = bias,
                                       .out = y});
}

/* ---- gradients of conv2d ---- */

TCONV_API enum tconv_status tconv_convnd_backward_data(const struct tconv_nd_params *p, const float *dy,
                                                       const float *filter, float *dx)
{
    return run(&(struct request){.fn = "tconv_convnd_backward_data",
                                 .what = DATA,
                                 .transposed = false,
                                 .nd = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx});
}

TCONV_API enum tconv_status tconv_convnd_backward_data_ex(const struct tconv_nd_params *p, const float *dy,
                                                          const float *filter, float *dx, void *workspace,
                                                          size_t workspace_bytes, const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_backward_data_ex",
                                 .what = DATA,
                                 .transposed = false,
                                 .nd = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_backward_data_reference(const struct tconv_nd_params *p, const float *dy,
                                                                 const float *filter, float *dx)
{
    return reference(&(struct request){.fn = "tconv_convnd_backward_data_reference",
                                       .what = DATA,
                                       .transposed = false,
                                       .nd = p,
                                       .a = dy,
                                       .b = filter,
                                       .out = dx});
}

TCONV_API enum tconv_status tconv_convnd_backward_filter(const struct tconv_nd_params *p, const float *x,
                                                         const float *dy, float *dfilter)
{
    return run(&(struct request){.fn = "tconv_convnd_backward_filter",
                                 .what = FILTER,
                                 .transposed = false,
                                 .nd = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter});
}

TCONV_API enum tconv_status tconv_convnd_backward_filter_ex(const struct tconv_nd_params *p, const float *x,
                                                            const float *dy, float *dfilter, void *workspace,
                                                            size_t workspace_bytes, const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_backward_filter_ex",
                                 .what = FILTER,
                                 .transposed = false,
                                 .nd = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_backward_filter_reference(const struct tconv_nd_params *p, const float *x,
                                                                   const float *dy, float *dfilter)
{
    return reference(&(struct request){.fn = "tconv_convnd_backward_filter_reference",
                                       .what = FILTER,
                                       .transposed = false,
                                       .nd = p,
                                       .a = x,
                                       .b = dy,
                                       .out = dfilter});
}

TCONV_API enum tconv_status tconv_convnd_backward_bias(const struct tconv_nd_params *p, const float *dy, float *dbias)
{
    return run(&(struct request){
        .fn = "tconv_convnd_backward_bias", .what = BIAS, .transposed = false, .nd = p, .a = dy, .out = dbias});
}

TCONV_API enum tconv_status tconv_convnd_backward_bias_ex(const struct tconv_nd_params *p, const float *dy,
                                                          float *dbias, void *workspace, size_t workspace_bytes,
                                                          const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_backward_bias_ex",
                                 .what = BIAS,
                                 .transposed = false,
                                 .nd = p,
                                 .a = dy,
                                 .out = dbias,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_backward_bias_reference(const struct tconv_nd_params *p, const float *dy,
                                                                 float *dbias)
{
    return reference(&(struct request){.fn = "tconv_convnd_backward_bias_reference",
                                       .what = BIAS,
                                       .transposed = false,
                                       .nd = p,
                                       .a = dy,
                                       .out = dbias});
}

/* ---- gradients of conv2d_transpose ---- */

TCONV_API enum tconv_status tconv_convnd_transpose_backward_data(const struct tconv_nd_params *p, const float *dy,
                                                                 const float *filter, float *dx)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_backward_data",
                                 .what = DATA,
                                 .transposed = true,
                                 .nd = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_data_ex(const struct tconv_nd_params *p, const float *dy,
                                                                    const float *filter, float *dx, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_backward_data_ex",
                                 .what = DATA,
                                 .transposed = true,
                                 .nd = p,
                                 .a = dy,
                                 .b = filter,
                                 .out = dx,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_data_reference(const struct tconv_nd_params *p,
                                                                           const float *dy, const float *filter,
                                                                           float *dx)
{
    return reference(&(struct request){.fn = "tconv_convnd_transpose_backward_data_reference",
                                       .what = DATA,
                                       .transposed = true,
                                       .nd = p,
                                       .a = dy,
                                       .b = filter,
                                       .out = dx});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_filter(const struct tconv_nd_params *p, const float *x,
                                                                   const float *dy, float *dfilter)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_backward_filter",
                                 .what = FILTER,
                                 .transposed = true,
                                 .nd = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_filter_ex(const struct tconv_nd_params *p, const float *x,
                                                                      const float *dy, float *dfilter, void *workspace,
                                                                      size_t workspace_bytes,
                                                                      const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_backward_filter_ex",
                                 .what = FILTER,
                                 .transposed = true,
                                 .nd = p,
                                 .a = x,
                                 .b = dy,
                                 .out = dfilter,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_filter_reference(const struct tconv_nd_params *p,
                                                                             const float *x, const float *dy,
                                                                             float *dfilter)
{
    return reference(&(struct request){.fn = "tconv_convnd_transpose_backward_filter_reference",
                                       .what = FILTER,
                                       .transposed = true,
                                       .nd = p,
                                       .a = x,
                                       .b = dy,
                                       .out = dfilter});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_bias(const struct tconv_nd_params *p, const float *dy,
                                                                 float *dbias)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_backward_bias",
                                 .what = BIAS,
                                 .transposed = true,
                                 .nd = p,
                                 .a = dy,
                                 .out = dbias});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_bias_ex(const struct tconv_nd_params *p, const float *dy,
                                                                    float *dbias, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_convnd_transpose_backward_bias_ex",
                                 .what = BIAS,
                                 .transposed = true,
                                 .nd = p,
                                 .a = dy,
                                 .out = dbias,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_convnd_transpose_backward_bias_reference(const struct tconv_nd_params *p,
                                                                           const float *dy, float *dbias)
{
    return reference(&(struct request){.fn = "tconv_convnd_transpose_backward_bias_reference",
                                       .what = BIAS,
                                       .transposed = true,
                                       .nd = p,
                                       .a = dy,
                                       .out = dbias});
}

/* ---- checkerboards: the overlap map, the bilinear initialiser, resize-convolution ---- */

TCONV_API enum tconv_status tconv_overlap_map(const struct tconv_params *p, int32_t *counts)
{
    const char *fn = "tconv_overlap_map";
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve(fn, p, true, &pr, NULL);
    if (st != TCONV_OK) return st;
    if ((st = tconv__check_overlap_map(fn, &pr)) != TCONV_OK) return st;
    const struct tconv__tensor out = {"counts", counts, pr.out_h * pr.out_w, true};
    if ((st = tconv__check_tensors(fn, NULL, 0, &out)) != TCONV_OK || out.elems == 0) return st;
    return tconv__overlap_counts(fn, &pr, counts);
}

TCONV_API enum tconv_status tconv_bilinear_filter(const struct tconv_params *p, float *filter)
{
    const char *fn = "tconv_bilinear_filter";
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve(fn, p, true, &pr, NULL);
    if (st != TCONV_OK) return st;
    if ((st = tconv__check_bilinear(fn, &pr)) != TCONV_OK) return st;
    const struct tconv__tensor out = {"filter", filter, pr.f_elems, true};
    if ((st = tconv__check_tensors(fn, NULL, 0, &out)) != TCONV_OK) return st;
    tconv__bilinear_fill(&pr, filter);
    return TCONV_OK;
}

TCONV_API enum tconv_status tconv_resize_conv2d(const struct tconv_params *p, int64_t scale, enum tconv_resize mode,
                                                const float *x, const float *filter, const float *bias, float *y)
{
    return run(&(struct request){.fn = "tconv_resize_conv2d",
                                 .what = RESIZE,
                                 .transposed = false,
                                 .p = p,
                                 .scale = scale,
                                 .mode = mode,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y});
}

TCONV_API enum tconv_status tconv_resize_conv2d_ex(const struct tconv_params *p, int64_t scale, enum tconv_resize mode,
                                                   const float *x, const float *filter, const float *bias, float *y,
                                                   void *workspace, size_t workspace_bytes,
                                                   const struct tconv_options *opt)
{
    return run(&(struct request){.fn = "tconv_resize_conv2d_ex",
                                 .what = RESIZE,
                                 .transposed = false,
                                 .p = p,
                                 .scale = scale,
                                 .mode = mode,
                                 .a = x,
                                 .b = filter,
                                 .bias = bias,
                                 .out = y,
                                 .workspace = workspace,
                                 .workspace_bytes = workspace_bytes,
                                 .opt = opt});
}

TCONV_API enum tconv_status tconv_resize_conv2d_workspace_size(const struct tconv_params *p, int64_t scale,
                                                               enum tconv_resize mode, const struct tconv_options *opt,
                                                               size_t *bytes)
{
    return query(&(struct request){.fn = "tconv_resize_conv2d_workspace_size",
                                   .what = RESIZE,
                                   .transposed = false,
                                   .p = p,
                                   .scale = scale,
                                   .mode = mode,
                                   .opt = opt},
                 bytes);
}

TCONV_API enum tconv_status tconv_resize_conv2d_reference(const struct tconv_params *p, int64_t scale,
                                                          enum tconv_resize mode, const float *x, const float *filter,
                                                          const float *bias, float *y)
{
    return reference(&(struct request){.fn = "tconv_resize_conv2d_reference",
                                       .what = RESIZE,
                                       .transposed = false,
                                       .p = p,
                                       .scale = scale,
                                       .mode = mode,
                                       .a = x,
                                       .b = filter,
                                       .bias = bias,
                                       .out = y});
}

/* ---- operators: planned and packed once, run many times ---- */

struct tconv_operator {
    struct tconv_nd_params p; /* as created; every run sets its own batch */
    bool transposed;
    struct tconv_options opt; /* in this library's layout; the algorithm chosen at create, forced */
    enum tconv__pack pack;
    enum tconv_algorithm algorithm; /* NONE: nothing to compute (an empty axis or no channels) */
    float *packed;                  /* the filter as the algorithm's tiles read it (a copy when it needs no packing) */
    float *bias;                    /* a copy, or NULL */
};

/* The filter into o->packed: the plan's pack stage, on the call's threads (its tiles need no scratch). */
static enum tconv_status pack_filter(const char *fn, const struct call *c, const float *filter,
                                     struct tconv_operator *o)
{
    if (c->plan.kind == TCONV__NOTHING || c->plan.pack == TCONV__PACK_NONE) {
        if (c->user.f_elems > 0) memcpy(o->packed, filter, (size_t)c->user.f_elems * sizeof(float));
        return TCONV_OK;
    }
    char *scratch = tconv__alloc((size_t)c->threads * TCONV__SCRATCH_HEADER);
    if (!scratch) return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate the packing's scratch");
    struct tconv__run r = {.pr = &c->exec, .pl = &c->plan, .filter = filter, .packed = o->packed};
    struct tconv__stages stages = {0};
    struct tconv__times sum;
    tconv__plan_pack_stage(&c->plan, &c->exec, &stages);
    tconv__execute(&stages, &r, scratch, TCONV__SCRATCH_HEADER, c->threads, &sum);
    tconv__free(scratch);
    return TCONV_OK;
}

TCONV_API void tconv_operator_destroy(struct tconv_operator *op)
{
    if (!op) return;
    tconv__free(op->packed);
    tconv__free(op->bias);
    tconv__free(op);
}

TCONV_API enum tconv_status tconv_operator_create(enum tconv_op op, const struct tconv_nd_params *p,
                                                  const float *filter, const float *bias,
                                                  const struct tconv_options *opt, struct tconv_operator **out)
{
    const char *fn = "tconv_operator_create";
    if (!out) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "out must not be NULL");
    if (op != TCONV_OP_CONV && op != TCONV_OP_CONV_TRANSPOSE)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "op = %d is invalid: an operator is TCONV_OP_CONV (0) or TCONV_OP_CONV_TRANSPOSE (1)",
                           (int)op);
    if (!p) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "p (the parameters) must not be NULL");
    struct tconv_nd_params at = *p; /* batch 0 would plan nothing: choose for one image */
    if (at.batch == 0) at.batch = 1;
    struct call c;
    const struct request rq = {
        .fn = fn, .what = FORWARD, .transposed = op == TCONV_OP_CONV_TRANSPOSE, .nd = &at, .opt = opt};
    enum tconv_status st = prepare(&rq, &c);
    if (st != TCONV_OK) return st;
    if (c.opt.profile)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "opt->profile must be NULL: an operator's runs may be concurrent, so none writes a "
                           "profile (time them yourself)");
    if (!filter && c.user.f_elems > 0)
        return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "filter must not be NULL (it has %lld elements)",
                           (long long)c.user.f_elems);
    const size_t nf =
        c.plan.kind == TCONV__NOTHING ? (size_t)c.user.f_elems : tconv__plan_packed_floats(&c.plan, &c.exec);
    struct tconv_operator *o = tconv__alloc(sizeof *o);
    if (o) {
        *o = (struct tconv_operator){.p = *p, .transposed = rq.transposed, .opt = c.opt, .pack = c.plan.pack};
        o->packed = tconv__alloc(tconv__max(1, (int64_t)nf) * sizeof(float));
        o->bias = bias ? tconv__alloc((size_t)tconv__max(1, c.user.co) * sizeof(float)) : NULL;
    }
    if (!o || !o->packed || (bias && !o->bias)) {
        tconv_operator_destroy(o);
        return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate the operator (%zu filter floats)", nf);
    }
    o->algorithm = c.plan.algorithm;
    if (c.plan.kind != TCONV__NOTHING) o->opt.algorithm = c.plan.algorithm;
    if (bias) memcpy(o->bias, bias, (size_t)c.user.co * sizeof(float));
    if ((st = pack_filter(fn, &c, filter, o)) != TCONV_OK) {
        tconv_operator_destroy(o);
        return st;
    }
    *out = o;
    return TCONV_OK;
}

/* A run of op as a request: the N-D forward call with the operator's filter, bias and options. */
static struct request operator_request(const char *fn, const struct tconv_operator *op, struct tconv_nd_params *p,
                                       int64_t batch)
{
    *p = op->p;
    p->batch = batch;
    return (struct request){.fn = fn,
                            .what = FORWARD,
                            .transposed = op->transposed,
                            .nd = p,
                            .b = op->packed,
                            .bias = op->bias,
                            .opt = &op->opt,
                            .packed = op->packed,
                            .pack = op->pack};
}

TCONV_API enum tconv_status tconv_operator_workspace_size(const struct tconv_operator *op, int64_t batch, size_t *bytes)
{
    const char *fn = "tconv_operator_workspace_size";
    if (!op) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "op must not be NULL");
    struct tconv_nd_params p;
    const struct request rq = operator_request(fn, op, &p, batch);
    return query(&rq, bytes);
}

TCONV_API enum tconv_status tconv_operator_run(const struct tconv_operator *op, int64_t batch, const float *x, float *y,
                                               void *workspace, size_t workspace_bytes)
{
    const char *fn = "tconv_operator_run";
    if (!op) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "op must not be NULL");
    struct tconv_nd_params p;
    struct request rq = operator_request(fn, op, &p, batch);
    rq.a = x;
    rq.out = y;
    rq.workspace = workspace;
    rq.workspace_bytes = workspace_bytes;
    return run(&rq);
}

TCONV_API enum tconv_algorithm tconv_operator_algorithm(const struct tconv_operator *op)
{
    return op ? op->algorithm : TCONV_ALGORITHM_NONE;
}
