/*
 * api.c - the public entry points: resolve and check the call and its options, plan it, provide
 * the workspace (the caller's, or one allocation), run it, report the profile. Nothing is written
 * to an output before every check has passed and the workspace exists, so a failing call leaves
 * its outputs untouched.
 *
 * Every computation is one enum tconv_op. The gradients run on a derived problem: the data
 * gradient is the forward pass of the adjoint problem (conv <-> transposed conv), the filter
 * gradient of a transposed conv is the conv filter gradient of its adjoint with x and dy exchanged.
 */
#include <stdint.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

#define ALIGN_SLACK 64 /* the caller's workspace may have any alignment */

static bool op_transposed(enum tconv_op op)
{
    return op == TCONV_OP_CONV2D_TRANSPOSE || op == TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA ||
           op == TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER || op == TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS;
}

static bool op_is(enum tconv_op op, enum tconv_op conv, enum tconv_op transposed)
{
    return op == conv || op == transposed;
}
static bool op_forward(enum tconv_op op) { return op_is(op, TCONV_OP_CONV2D, TCONV_OP_CONV2D_TRANSPOSE); }
static bool op_data(enum tconv_op op)
{
    return op_is(op, TCONV_OP_CONV2D_BACKWARD_DATA, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA);
}
static bool op_filter(enum tconv_op op)
{
    return op_is(op, TCONV_OP_CONV2D_BACKWARD_FILTER, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER);
}

/*
 * Threads for tconv's tiles. Measured on 2 cores (DEVELOPERS.md): OpenMP threads next to the
 * pthreads build of OpenBLAS lose 2.9x, because libgomp's threads keep spinning while OpenBLAS's
 * own workers run. So with that build the tiles run on the calling thread and OpenBLAS threads each
 * GEMM (one level at a time); with the OpenMP build, tconv's threads run the tiles and each GEMM is
 * single-threaded.
 */
int tconv__loop_threads(int requested)
{
#ifdef _OPENMP
    if (tconv__blas_threading() == 1) return 1;
    return requested > 0 ? requested : omp_get_max_threads();
#else
    (void)requested;
    return 1;
#endif
}

static enum tconv_status check_options(const char *fn, enum tconv_op op, const struct tconv_options *opt)
{
    if (!opt) return TCONV_OK;
    if (opt->num_threads < 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "num_threads = %d is invalid: it must be >= 0 (0 = default)",
                           opt->num_threads);
    if ((int)opt->algorithm < 0 || (int)opt->algorithm > (int)TCONV_ALGORITHM_DIRECT)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "algorithm = %d is invalid: it must be TCONV_ALGORITHM_AUTO (0), GEMM (1), SUBPIXEL (2) or "
                           "DIRECT (3)",
                           (int)opt->algorithm);
    if (opt->accumulate != 0 && opt->accumulate != 1)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "accumulate = %d is invalid: it must be 0 or 1",
                           opt->accumulate);
    if (opt->accumulate && op_forward(op))
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "accumulate = 1 applies to the backward calls only; it must be 0 for the forward pass");
    return TCONV_OK;
}

/* Bytes for the shared packed filter and nthreads scratch buffers, plus alignment slack. */
static size_t workspace_bytes(const struct tconv__plan *pl, int nthreads)
{
    return ALIGN_SLACK + tconv__round64(pl->shared_bytes) + (size_t)nthreads * pl->scratch_bytes;
}

/* A validated, planned call: the user's problem, the one that executes, its plan and threads. */
struct call {
    struct tconv__problem user, exec;
    struct tconv__plan pl;
    int threads;
};

static int64_t out_elems(enum tconv_op op, const struct tconv__problem *pr);
static bool has_work(enum tconv_op op, const struct tconv__problem *pr);

static enum tconv_status prepare(const char *fn, enum tconv_op op, const struct tconv_params *p,
                                 const struct tconv_options *opt, struct call *c)
{
    enum tconv_status st = tconv__resolve(fn, p, op_transposed(op), &c->user, NULL);
    if (st != TCONV_OK) return st;
    if ((st = check_options(fn, op, opt)) != TCONV_OK) return st;
    if (!op_forward(op) && c->user.act != TCONV_ACTIVATION_NONE)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "activation = %d: the gradients are those of the linear op, so activation must be "
                           "TCONV_ACTIVATION_NONE (0); apply the activation's derivative to dy first",
                           (int)c->user.act);
    const enum tconv_algorithm algo = opt ? opt->algorithm : TCONV_ALGORITHM_AUTO;
    if (!op_forward(op) && !op_data(op) && !op_filter(op) &&
        (algo == TCONV_ALGORITHM_SUBPIXEL || algo == TCONV_ALGORITHM_GEMM))
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn, "the bias gradient has one algorithm (DIRECT): %s was asked",
                           tconv_algorithm_name(algo));
    if (out_elems(op, &c->user) == 0 || !has_work(op, &c->user)) {
        /* nothing to compute (zeros at most): no plan. An empty tensor's other sizes can be anything, and
           the tiling's products of them need not fit int64. */
        c->exec = c->user;
        memset(&c->pl, 0, sizeof c->pl);
        c->pl.algorithm = algo;
        c->threads = 1;
        return TCONV_OK;
    }
    if (op_forward(op)) {
        c->exec = c->user;
        st = tconv__plan(fn, &c->exec, algo, &c->pl);
    } else if (op_data(op)) {
        tconv__adjoint(&c->user, &c->exec);
        st = tconv__plan(fn, &c->exec, algo, &c->pl);
    } else if (op_filter(op)) {
        if (c->user.transposed)
            tconv__adjoint(&c->user, &c->exec);
        else
            c->exec = c->user;
        st = tconv__plan_filter_grad(fn, &c->exec, algo, &c->pl);
    } else {
        c->exec = c->user;
        st = tconv__plan_bias_grad(&c->exec, &c->pl);
    }
    if (st != TCONV_OK) return st;
    c->threads =
        (int)tconv__max(1, tconv__min(tconv__min(tconv__loop_threads(opt ? opt->num_threads : 0), c->pl.ntiles), 1024));
    return TCONV_OK;
}

/* Elements of the tensor each op writes: y, dx, dfilter or dbias. */
static int64_t out_elems(enum tconv_op op, const struct tconv__problem *pr)
{
    if (op_forward(op)) return pr->y_elems;
    if (op_data(op)) return pr->x_elems;
    if (op_filter(op)) return pr->f_elems;
    return pr->co;
}

/* The call has something to compute (not just zeros): its inputs are not empty. */
static bool has_work(enum tconv_op op, const struct tconv__problem *pr)
{
    if (op_forward(op)) return pr->y_elems > 0 && pr->x_elems > 0; /* (empty x: y is the bias) */
    if (op_filter(op)) return pr->x_elems > 0 && pr->y_elems > 0;
    return pr->y_elems > 0; /* data and bias gradients read dy */
}

/* y of an empty x: the bias (or 0) through the activation, per output channel. */
static void bias_only(const struct tconv__problem *pr, const float *bias, float *y)
{
    const int64_t px = pr->out_h * pr->out_w;
    for (int64_t i = 0; i < pr->y_elems; i++) {
        const int64_t c = pr->layout == TCONV_NHWC ? i % pr->co : i / px % pr->co;
        y[i] = tconv__act(pr->act, bias ? bias[c] : 0.0f);
    }
}

static enum tconv_status null_check(const char *fn, const char *name, const void *ptr, int64_t elems, bool needed)
{
    if (ptr == NULL && elems > 0 && needed)
        return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "%s must not be NULL: it has %lld elements", name,
                           (long long)elems);
    return TCONV_OK;
}

/* Tensors of each op: (a, b, out) = forward (x, filter, y), data (dy, filter, dx),
   filter (x, dy, dfilter), bias (dy, -, dbias). */
static enum tconv_status check_tensors(const char *fn, enum tconv_op op, const struct tconv__problem *pr,
                                       const float *a, const float *b, float *out)
{
    if (op_forward(op)) return tconv__check_pointers(fn, pr, a, b, out);
    enum tconv_status st;
    const bool work = has_work(op, pr);
    if (op_data(op)) {
        if ((st = null_check(fn, "dx", out, pr->x_elems, true)) || (st = null_check(fn, "dy", a, pr->y_elems, true)) ||
            (st = null_check(fn, "filter", b, pr->f_elems, work && pr->x_elems > 0)))
            return st;
    } else if (op_filter(op)) {
        if ((st = null_check(fn, "dfilter", out, pr->f_elems, true)) ||
            (st = null_check(fn, "x", a, pr->x_elems, work)) || (st = null_check(fn, "dy", b, pr->y_elems, work)))
            return st;
    } else if ((st = null_check(fn, "dbias", out, pr->co, true)) || (st = null_check(fn, "dy", a, pr->y_elems, true))) {
        return st;
    }
    return TCONV_OK;
}

static enum tconv_status run(const char *fn, enum tconv_op op, const struct tconv_params *p, const float *a,
                             const float *b, const float *bias, float *out, void *workspace, size_t ws_bytes,
                             const struct tconv_options *opt)
{
    const double start = opt && opt->profile ? tconv__now() : 0.0;
    struct call c;
    enum tconv_status st = prepare(fn, op, p, opt, &c);
    if (st != TCONV_OK) return st;
    if ((st = check_tensors(fn, op, &c.user, a, b, out)) != TCONV_OK) return st;
    const bool accumulate = opt && opt->accumulate;
    const int64_t n_out = out_elems(op, &c.user);
    if (n_out == 0 || !has_work(op, &c.user)) { /* nothing to compute: an empty output, or a zero gradient */
        if (n_out > 0 && op_forward(op))
            bias_only(&c.user, bias, out);
        else if (n_out > 0 && !accumulate)
            memset(out, 0, (size_t)n_out * sizeof(float));
        if (opt && opt->profile) *opt->profile = (struct tconv_profile){.algorithm = c.pl.algorithm, .threads = 0};
        return TCONV_OK;
    }
    void *owned = NULL;
    int threads = c.threads;
    if (!workspace) {
        ws_bytes = workspace_bytes(&c.pl, threads);
        if ((owned = workspace = tconv__alloc(ws_bytes)) == NULL)
            return tconv__fail(TCONV_ERR_OUT_OF_MEMORY, fn, "could not allocate a workspace of %zu bytes", ws_bytes);
    } else {
        if (ws_bytes < workspace_bytes(&c.pl, 1))
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                               "workspace_bytes = %zu is too small: this call needs at least %zu (%zu with %d "
                               "threads; the workspace size query gives it)",
                               ws_bytes, workspace_bytes(&c.pl, 1), workspace_bytes(&c.pl, threads), threads);
        while (threads > 1 && ws_bytes < workspace_bytes(&c.pl, threads)) threads--; /* same result, fewer threads */
    }
    char *base = (char *)(((uintptr_t)workspace + ALIGN_SLACK - 1) & ~(uintptr_t)(ALIGN_SLACK - 1));
    struct tconv__run r = {.accumulate = accumulate};
    if (op_forward(op)) {
        r.x = a, r.f = b, r.bias = bias, r.y = out;
    } else if (op_data(op)) {
        r.x = a, r.f = b, r.y = out; /* dx = adjoint forward of dy */
    } else if (op_filter(op)) {
        const bool tr = c.user.transposed; /* the adjoint conv's input is the transposed conv's dy */
        r.x = tr ? b : a, r.dy = tr ? a : b, r.dw = out;
    } else {
        r.dy = a, r.dw = out;
    }
    struct tconv__times sum;
    tconv__execute(&c.exec, &c.pl, r, base, threads, opt && opt->profile, &sum);
    tconv__free(owned);
    if (opt && opt->profile) {
        const double total = tconv__now() - start;
        const double busy = sum.pack + sum.im2col + sum.gemm + sum.col2im + sum.epilogue;
        const double k = busy > 0 ? total / busy : 0.0;
        *opt->profile = (struct tconv_profile){.total = total,
                                               .pack = sum.pack * k,
                                               .im2col = sum.im2col * k,
                                               .gemm = sum.gemm * k,
                                               .col2im = sum.col2im * k,
                                               .epilogue = sum.epilogue * k,
                                               .algorithm = c.pl.algorithm,
                                               .threads = threads};
    }
    return TCONV_OK;
}

static enum tconv_status run_reference(const char *fn, enum tconv_op op, const struct tconv_params *p, const float *a,
                                       const float *b, const float *bias, float *out)
{
    struct tconv__problem pr;
    enum tconv_status st = tconv__resolve(fn, p, op_transposed(op), &pr, NULL);
    if (st != TCONV_OK) return st;
    if (!op_forward(op) && pr.act != TCONV_ACTIVATION_NONE)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "activation = %d: the gradients are those of the linear op, so activation must be "
                           "TCONV_ACTIVATION_NONE (0); apply the activation's derivative to dy first",
                           (int)pr.act);
    if ((st = check_tensors(fn, op, &pr, a, b, out)) != TCONV_OK) return st;
    if (out_elems(op, &pr) == 0) return TCONV_OK;
    if (op_forward(op)) return tconv__reference_run(fn, &pr, a, b, bias, out);
    if (!has_work(op, &pr)) {
        memset(out, 0, (size_t)out_elems(op, &pr) * sizeof(float));
        return TCONV_OK;
    }
    const enum tconv__grad what = op_data(op)     ? TCONV__GRAD_DATA
                                  : op_filter(op) ? TCONV__GRAD_FILTER
                                                  : TCONV__GRAD_BIAS;
    return tconv__reference_grad(fn, &pr, what, a, b, out);
}

/* ---- geometry ---- */

TCONV_API enum tconv_status tconv_conv2d_geometry(const struct tconv_params *p, struct tconv_geometry *g)
{
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, "tconv_conv2d_geometry", "g must not be NULL");
    return tconv__resolve("tconv_conv2d_geometry", p, false, &pr, g);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_geometry(const struct tconv_params *p, struct tconv_geometry *g)
{
    struct tconv__problem pr;
    if (!g) return tconv__fail(TCONV_ERR_NULL_POINTER, "tconv_conv2d_transpose_geometry", "g must not be NULL");
    return tconv__resolve("tconv_conv2d_transpose_geometry", p, true, &pr, g);
}

/* ---- workspace queries ---- */

static enum tconv_status query(const char *fn, enum tconv_op op, const struct tconv_params *p,
                               const struct tconv_options *opt, size_t *bytes);

TCONV_API enum tconv_status tconv_workspace_size(enum tconv_op op, const struct tconv_params *p,
                                                 const struct tconv_options *opt, size_t *bytes)
{
    const char *fn = "tconv_workspace_size";
    if ((int)op < 0 || (int)op > (int)TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS)
        return tconv__fail(
            TCONV_ERR_INVALID_ARGUMENT, fn,
            "op = %d is invalid: it must be TCONV_OP_CONV2D (0) .. TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS "
            "(7)",
            (int)op);
    return query(fn, op, p, opt, bytes);
}

static enum tconv_status query(const char *fn, enum tconv_op op, const struct tconv_params *p,
                               const struct tconv_options *opt, size_t *bytes)
{
    if (!bytes) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "bytes must not be NULL");
    struct call c;
    enum tconv_status st = prepare(fn, op, p, opt, &c);
    if (st != TCONV_OK) return st;
    *bytes = out_elems(op, &c.user) == 0 || !has_work(op, &c.user) ? 0 : workspace_bytes(&c.pl, c.threads);
    return TCONV_OK;
}

TCONV_API enum tconv_status tconv_conv2d_workspace_size(const struct tconv_params *p, size_t *bytes)
{
    return query("tconv_conv2d_workspace_size", TCONV_OP_CONV2D, p, NULL, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size(const struct tconv_params *p, size_t *bytes)
{
    return query("tconv_conv2d_transpose_workspace_size", TCONV_OP_CONV2D_TRANSPOSE, p, NULL, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_workspace_size_ex(const struct tconv_params *p,
                                                           const struct tconv_options *opt, size_t *bytes)
{
    return query("tconv_conv2d_workspace_size_ex", TCONV_OP_CONV2D, p, opt, bytes);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size_ex(const struct tconv_params *p,
                                                                     const struct tconv_options *opt, size_t *bytes)
{
    return query("tconv_conv2d_transpose_workspace_size_ex", TCONV_OP_CONV2D_TRANSPOSE, p, opt, bytes);
}

/* ---- forward ---- */

TCONV_API enum tconv_status tconv_conv2d(const struct tconv_params *p, const float *x, const float *filter,
                                         const float *bias, float *y)
{
    return run("tconv_conv2d", TCONV_OP_CONV2D, p, x, filter, bias, y, NULL, 0, NULL);
}

TCONV_API enum tconv_status tconv_conv2d_transpose(const struct tconv_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y)
{
    return run("tconv_conv2d_transpose", TCONV_OP_CONV2D_TRANSPOSE, p, x, filter, bias, y, NULL, 0, NULL);
}

TCONV_API enum tconv_status tconv_conv2d_ex(const struct tconv_params *p, const float *x, const float *filter,
                                            const float *bias, float *y, void *workspace, size_t workspace_bytes,
                                            const struct tconv_options *opt)
{
    return run("tconv_conv2d_ex", TCONV_OP_CONV2D, p, x, filter, bias, y, workspace, workspace_bytes, opt);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_ex(const struct tconv_params *p, const float *x, const float *filter,
                                                      const float *bias, float *y, void *workspace,
                                                      size_t workspace_bytes, const struct tconv_options *opt)
{
    return run("tconv_conv2d_transpose_ex", TCONV_OP_CONV2D_TRANSPOSE, p, x, filter, bias, y, workspace,
               workspace_bytes, opt);
}

TCONV_API enum tconv_status tconv_conv2d_reference(const struct tconv_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y)
{
    return run_reference("tconv_conv2d_reference", TCONV_OP_CONV2D, p, x, filter, bias, y);
}

TCONV_API enum tconv_status tconv_conv2d_transpose_reference(const struct tconv_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y)
{
    return run_reference("tconv_conv2d_transpose_reference", TCONV_OP_CONV2D_TRANSPOSE, p, x, filter, bias, y);
}

/* ---- gradients: plain, _ex and _reference for each of the six ---- */

#define GRADIENT(name, OP, A, B)                                                                                       \
    TCONV_API enum tconv_status name(const struct tconv_params *p, const float *A, const float *B, float *out)         \
    {                                                                                                                  \
        return run(#name, OP, p, A, B, NULL, out, NULL, 0, NULL);                                                      \
    }                                                                                                                  \
    TCONV_API enum tconv_status name##_ex(const struct tconv_params *p, const float *A, const float *B, float *out,    \
                                          void *workspace, size_t workspace_bytes, const struct tconv_options *opt)    \
    {                                                                                                                  \
        return run(#name "_ex", OP, p, A, B, NULL, out, workspace, workspace_bytes, opt);                              \
    }                                                                                                                  \
    TCONV_API enum tconv_status name##_reference(const struct tconv_params *p, const float *A, const float *B,         \
                                                 float *out)                                                           \
    {                                                                                                                  \
        return run_reference(#name "_reference", OP, p, A, B, NULL, out);                                              \
    }

GRADIENT(tconv_conv2d_backward_data, TCONV_OP_CONV2D_BACKWARD_DATA, dy, filter)
GRADIENT(tconv_conv2d_backward_filter, TCONV_OP_CONV2D_BACKWARD_FILTER, x, dy)
GRADIENT(tconv_conv2d_transpose_backward_data, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA, dy, filter)
GRADIENT(tconv_conv2d_transpose_backward_filter, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER, x, dy)

#define BIAS_GRADIENT(name, OP)                                                                                        \
    TCONV_API enum tconv_status name(const struct tconv_params *p, const float *dy, float *dbias)                      \
    {                                                                                                                  \
        return run(#name, OP, p, dy, NULL, NULL, dbias, NULL, 0, NULL);                                                \
    }                                                                                                                  \
    TCONV_API enum tconv_status name##_ex(const struct tconv_params *p, const float *dy, float *dbias,                 \
                                          void *workspace, size_t workspace_bytes, const struct tconv_options *opt)    \
    {                                                                                                                  \
        return run(#name "_ex", OP, p, dy, NULL, NULL, dbias, workspace, workspace_bytes, opt);                        \
    }                                                                                                                  \
    TCONV_API enum tconv_status name##_reference(const struct tconv_params *p, const float *dy, float *dbias)          \
    {                                                                                                                  \
        return run_reference(#name "_reference", OP, p, dy, NULL, NULL, dbias);                                        \
    }

BIAS_GRADIENT(tconv_conv2d_backward_bias, TCONV_OP_CONV2D_BACKWARD_BIAS)
BIAS_GRADIENT(tconv_conv2d_transpose_backward_bias, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS)

TCONV_API const char *tconv_algorithm_name(enum tconv_algorithm a)
{
    switch (a) {
    case TCONV_ALGORITHM_AUTO: return "AUTO";
    case TCONV_ALGORITHM_GEMM: return "GEMM";
    case TCONV_ALGORITHM_SUBPIXEL: return "SUBPIXEL";
    case TCONV_ALGORITHM_DIRECT: return "DIRECT";
    }
    return "unknown";
}

/* ---- the filter tensor ---- */

static enum tconv_status filter_problem(const char *fn, enum tconv_op op, const struct tconv_params *p,
                                        struct tconv__problem *pr)
{
    if ((int)op < 0 || (int)op > (int)TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "op = %d is invalid: it must be TCONV_OP_CONV2D (0) .. "
                           "TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS (7)",
                           (int)op);
    return tconv__resolve(fn, p, op_transposed(op), pr, NULL);
}

TCONV_API enum tconv_status tconv_filter_shape(enum tconv_op op, const struct tconv_params *p, int64_t dims[4],
                                               enum tconv_filter_layout *layout)
{
    const char *fn = "tconv_filter_shape";
    struct tconv__problem pr;
    enum tconv_status st = filter_problem(fn, op, p, &pr);
    if (st != TCONV_OK) return st;
    if (!dims) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "dims must not be NULL");
    const int64_t ni = pr.transposed ? pr.ci : pr.cig, no = pr.transposed ? pr.cog : pr.co;
    const int64_t kh = pr.h.k, kw = pr.w.k;
    switch (pr.flayout) {
    case TCONV_FILTER_HWIO: dims[0] = kh, dims[1] = kw, dims[2] = ni, dims[3] = no; break;
    case TCONV_FILTER_OIHW: dims[0] = no, dims[1] = ni, dims[2] = kh, dims[3] = kw; break;
    case TCONV_FILTER_HWOI: dims[0] = kh, dims[1] = kw, dims[2] = no, dims[3] = ni; break;
    default: dims[0] = ni, dims[1] = no, dims[2] = kh, dims[3] = kw; break;
    }
    if (layout) *layout = pr.flayout;
    return TCONV_OK;
}

TCONV_API enum tconv_status tconv_filter_index(enum tconv_op op, const struct tconv_params *p, int64_t out_channel,
                                               int64_t in_channel, int64_t ky, int64_t kx, int64_t *index)
{
    const char *fn = "tconv_filter_index";
    struct tconv__problem pr;
    enum tconv_status st = filter_problem(fn, op, p, &pr);
    if (st != TCONV_OK) return st;
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
    *index = pr.transposed ? tconv__filter_index(&pr, in_channel, out_channel % pr.cog, ky, kx)
                           : tconv__filter_index(&pr, out_channel, in_channel % pr.cig, ky, kx);
    return TCONV_OK;
}
