/*
 * geometry.c - validation of struct tconv_params, the resolved problem, and its adjoint.
 *
 * Every rule is one check with one status and one message naming the parameter, its value and
 * the allowed range. Nothing is written to the caller's tensors here, so a failure leaves them
 * untouched. All size arithmetic is checked: a product or sum that overflows int64_t is
 * TCONV_ERR_SIZE_OVERFLOW, found before anything is allocated.
 */
#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <stdio.h>

#include "problem.h"
#include "validate.h"

/* Room for the factor list of a size message: 5 factors of up to 20 characters and their separators. */
#define PRODUCT_TEXT 160

static const char *padding_name(enum tconv_padding m)
{
    switch (m) {
    case TCONV_PADDING_VALID: return "VALID";
    case TCONV_PADDING_SAME: return "SAME";
    case TCONV_PADDING_SAME_LOWER: return "SAME_LOWER";
    default: return "EXPLICIT";
    }
}

/* One axis' parameters as the caller spelled them, for checks and messages. */
struct axis_args {
    char a;          /* 'h' or 'w' */
    const char *dim; /* "height" or "width" */
    const char *pb_name, *pa_name;
    int64_t in, k, s, d, pb, pa, out, op;
    const char *conv; /* the convolution a transposed size must invert: "conv1d", "conv2d" or "conv3d" */
};

static enum tconv_status overflow(const char *fn, const char *what, struct axis_args *x)
{
    return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn,
                       "%s overflows int64_t on the %s axis (in_%c = %lld, kernel_%c = %lld, stride_%c = %lld, "
                       "dilation_%c = %lld, %s = %lld, %s = %lld)",
                       what, x->dim, x->a, (long long)x->in, x->a, (long long)x->k, x->a, (long long)x->s, x->a,
                       (long long)x->d, x->pb_name, (long long)x->pb, x->pa_name, (long long)x->pa);
}

static enum tconv_status negative_out(const char *fn, struct axis_args *x, int64_t out, int64_t ke,
                                      enum tconv_padding mode)
{
    return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                       "the computed out_%c would be negative (%lld): in_%c = %lld, kernel_%c = %lld, "
                       "stride_%c = %lld, dilation_%c = %lld (dilated extent %lld), %s padding %lld + %lld",
                       x->a, (long long)out, x->a, (long long)x->in, x->a, (long long)x->k, x->a, (long long)x->s, x->a,
                       (long long)x->d, (long long)ke, padding_name(mode), (long long)x->pb, (long long)x->pa);
}

/* conv2d on one axis: big = in, small = out (TensorFlow's GetWindowedOutputSizeVerbose). */
/* (small-1)*s + ke - before - big (see struct tconv__axis), saturated: a conv's value only tells
   whether the last window ends exactly at the end of x, and with a huge stride it need not fit. */
static int64_t reach_after(const struct tconv__axis *a)
{
    int64_t t;
    if (!tconv__mul(a->small - 1, a->s, &t) || !tconv__add(t, a->ke, &t) || __builtin_sub_overflow(t, a->before, &t) ||
        __builtin_sub_overflow(t, a->big, &t))
        return INT64_MIN;
    return t;
}

static enum tconv_status conv_axis(const char *fn, struct axis_args *x, enum tconv_padding mode, struct tconv__axis *ax,
                                   int64_t *pad_after)
{
    int64_t ke, out, pb = 0, pa = 0, t;
    if (!tconv__mul(x->d, x->k - 1, &ke) || !tconv__add(ke, 1, &ke))
        return overflow(fn, "the dilated kernel extent dilation*(kernel-1)+1", x);
    if (mode == TCONV_PADDING_SAME || mode == TCONV_PADDING_SAME_LOWER) {
        out = x->in / x->s + (x->in % x->s != 0);
        /* total = max((out-1)*s + ke - in, 0); (out-1)*s < in, so only the + ke can overflow */
        int64_t total;
        if (!tconv__mul(out - 1, x->s, &t) || !tconv__add(t, ke, &t))
            return overflow(fn, "the SAME padding (out-1)*stride + extent", x);
        total = t - x->in > 0 ? t - x->in : 0;
        pb = mode == TCONV_PADDING_SAME ? total / 2 : total - total / 2;
        pa = total - pb;
    } else {
        if (mode == TCONV_PADDING_EXPLICIT) {
            pb = x->pb;
            pa = x->pa;
        }
        /* TensorFlow: out = (in + pb + pa - ke + s) / s in C division; negative is an error */
        if (!tconv__add(x->in, pb, &t) || !tconv__add(t, pa, &t) || !tconv__add(t, x->s - ke, &t))
            return overflow(fn, "in + padding", x);
        out = t / x->s;
        if (out < 0) return negative_out(fn, x, out, ke, mode);
    }
    if (x->out != 0 && x->out != out)
        return tconv__fail(TCONV_ERR_SHAPE_MISMATCH, fn,
                           "out_%c = %lld does not match the computed output %s %lld (in_%c = %lld, kernel_%c = "
                           "%lld, stride_%c = %lld, dilation_%c = %lld, %s padding %lld + %lld); set out_%c = 0 "
                           "or %lld",
                           x->a, (long long)x->out, x->dim, (long long)out, x->a, (long long)x->in, x->a,
                           (long long)x->k, x->a, (long long)x->s, x->a, (long long)x->d, padding_name(mode),
                           (long long)pb, (long long)pa, x->a, (long long)out);
    *ax = (struct tconv__axis){.big = x->in, .small = out, .k = x->k, .s = x->s, .d = x->d, .ke = ke, .before = pb};
    ax->after = reach_after(ax);
    *pad_after = pa;
    return TCONV_OK;
}

/*
 * conv2d_transpose on one axis: small = in, big = out. The full result has F = (in-1)*s + ke
 * positions; y[o] = full[o + pb]. empty: the input tensor has no pixels, in which case
 * TensorFlow skips the admissible-size check (the output is bias only).
 */
static enum tconv_status transpose_axis(const char *fn, struct axis_args *x, enum tconv_padding mode, bool empty,
                                        struct tconv__axis *ax, int64_t *omin, int64_t *omax)
{
    int64_t ke, full, lo, hi, def, out, pb, t;
    if (!tconv__mul(x->d, x->k - 1, &ke) || !tconv__add(ke, 1, &ke))
        return overflow(fn, "the dilated kernel extent dilation*(kernel-1)+1", x);
    if (!tconv__mul(x->in - 1, x->s, &full) || !tconv__add(full, ke, &full))
        return overflow(fn, "the full result size (in-1)*stride + extent", x);
    switch (mode) {
    case TCONV_PADDING_SAME:
    case TCONV_PADDING_SAME_LOWER:
        if (!tconv__mul(x->in, x->s, &hi)) return overflow(fn, "in*stride", x);
        lo = hi - x->s + 1;
        def = hi;
        break;
    case TCONV_PADDING_VALID:
        lo = full;
        if (!tconv__add(full, x->s - 1, &hi)) return overflow(fn, "the largest admissible output", x);
        /* Keras: in*s + max(ke - s, 0) */
        if (!tconv__mul(x->in, x->s, &def) || !tconv__add(def, ke > x->s ? ke - x->s : 0, &def))
            return overflow(fn, "the default output in*stride + max(extent-stride, 0)", x);
        break;
    default: /* EXPLICIT */
        if (__builtin_sub_overflow(full, x->pb, &lo) || __builtin_sub_overflow(lo, x->pa, &lo))
            return overflow(fn, "the output size full - padding", x);
        if (!tconv__add(lo, (x->s > x->d ? x->s : x->d) - 1, &hi))
            return overflow(fn, "the largest admissible output", x);
        def = lo + x->op;
        if (x->out != 0 && x->op != 0 && x->out != def)
            return tconv__fail(TCONV_ERR_SHAPE_MISMATCH, fn,
                               "out_%c = %lld disagrees with output_padding_%c = %lld: in_%c = %lld, kernel_%c = "
                               "%lld, stride_%c = %lld, dilation_%c = %lld, %s = %lld, %s = %lld give out_%c = "
                               "%lld + output_padding_%c = %lld",
                               x->a, (long long)x->out, x->a, (long long)x->op, x->a, (long long)x->in, x->a,
                               (long long)x->k, x->a, (long long)x->s, x->a, (long long)x->d, x->pb_name,
                               (long long)x->pb, x->pa_name, (long long)x->pa, x->a, (long long)lo, x->a,
                               (long long)def);
        break;
    }
    out = x->out != 0 ? x->out : def;
    if (out < 0) return negative_out(fn, x, out, ke, mode);
    if (x->out != 0 && !empty && (out < lo || out > hi))
        return tconv__fail(TCONV_ERR_SHAPE_MISMATCH, fn,
                           "out_%c = %lld is not an admissible output %s: in_%c = %lld, kernel_%c = %lld, "
                           "stride_%c = %lld, dilation_%c = %lld with %s padding admit out_%c in [%lld, %lld] "
                           "(a %s of out_%c with these parameters must give back in_%c)",
                           x->a, (long long)out, x->dim, x->a, (long long)x->in, x->a, (long long)x->k, x->a,
                           (long long)x->s, x->a, (long long)x->d, padding_name(mode), x->a,
                           (long long)(lo > 0 ? lo : 0), (long long)hi, x->conv, x->a, x->a);
    if (mode == TCONV_PADDING_EXPLICIT) {
        pb = x->pb;
    } else if (mode == TCONV_PADDING_VALID) {
        pb = 0;
    } else {
        int64_t total;
        if (__builtin_sub_overflow(full, out, &t)) return overflow(fn, "full - out", x);
        total = t > 0 ? t : 0;
        pb = mode == TCONV_PADDING_SAME ? total / 2 : total - total / 2;
    }
    /* out + pad_before must fit, as in + padding must for the conv this is the transpose of: it bounds
       every position o + pb the lowering forms */
    if (!tconv__add(out, pb, &t) || (x->pa > 0 && !tconv__add(t, x->pa, &t))) return overflow(fn, "out + padding", x);
    /* end crop; < 0 means trailing positions past the full result (bias only) */
    if (__builtin_sub_overflow(full, pb, &t) || __builtin_sub_overflow(t, out, &t))
        return overflow(fn, "the end crop full - pad - out", x);
    *ax = (struct tconv__axis){
        .big = out, .small = x->in, .k = x->k, .s = x->s, .d = x->d, .ke = ke, .before = pb, .after = t};
    *omin = lo > 0 ? lo : 0;
    *omax = hi;
    return TCONV_OK;
}

#define CHECK_MIN(field, lo)                                                                                           \
    do {                                                                                                               \
        if (p->field < (lo))                                                                                           \
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, #field " = %lld is invalid: it must be >= %d",          \
                               (long long)p->field, (lo));                                                             \
    } while (0)

static enum tconv_status check_enums(const char *fn, const struct tconv_params *p)
{
    if ((int)p->layout < 0 || (int)p->layout > (int)TCONV_NCHW)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "layout = %d is invalid: it must be TCONV_NHWC (0) or TCONV_NCHW (1)", (int)p->layout);
    if ((int)p->filter_layout < 0 || (int)p->filter_layout > (int)TCONV_FILTER_IOHW)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "filter_layout = %d is invalid: it must be TCONV_FILTER_DEFAULT (0), HWIO (1), OIHW (2), "
                           "HWOI (3) or IOHW (4)",
                           (int)p->filter_layout);
    if ((int)p->padding < 0 || (int)p->padding > (int)TCONV_PADDING_EXPLICIT)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "padding = %d is invalid: it must be TCONV_PADDING_VALID (0), SAME (1), SAME_LOWER (2) "
                           "or EXPLICIT (3)",
                           (int)p->padding);
    if ((int)p->activation < 0 || (int)p->activation > (int)TCONV_ACTIVATION_RELU)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "activation = %d is invalid: it must be TCONV_ACTIVATION_NONE (0) or RELU (1)",
                           (int)p->activation);
    return TCONV_OK;
}

static enum tconv_status check_scalars(const char *fn, const struct tconv_params *p, bool tr)
{
    CHECK_MIN(batch, 0);
    CHECK_MIN(in_h, 0);
    CHECK_MIN(in_w, 0);
    CHECK_MIN(in_channels, 1);
    CHECK_MIN(out_channels, 1);
    CHECK_MIN(groups, 1);
    CHECK_MIN(kernel_h, 1);
    CHECK_MIN(kernel_w, 1);
    CHECK_MIN(stride_h, 1);
    CHECK_MIN(stride_w, 1);
    CHECK_MIN(dilation_h, 1);
    CHECK_MIN(dilation_w, 1);
    CHECK_MIN(out_h, 0);
    CHECK_MIN(out_w, 0);
    if (p->in_channels % p->groups != 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "in_channels = %lld is not divisible by groups = %lld",
                           (long long)p->in_channels, (long long)p->groups);
    if (p->out_channels % p->groups != 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "out_channels = %lld is not divisible by groups = %lld",
                           (long long)p->out_channels, (long long)p->groups);
    const char *names[4] = {"pad_top", "pad_bottom", "pad_left", "pad_right"};
    const int64_t pads[4] = {p->pad_top, p->pad_bottom, p->pad_left, p->pad_right};
    for (int i = 0; i < 4; i++) {
        if (p->padding == TCONV_PADDING_EXPLICIT && pads[i] < 0)
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "%s = %lld is invalid: it must be >= 0", names[i],
                               (long long)pads[i]);
        if (p->padding != TCONV_PADDING_EXPLICIT && pads[i] != 0)
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                               "%s = %lld is only used with TCONV_PADDING_EXPLICIT; it must be 0 with %s padding",
                               names[i], (long long)pads[i], padding_name(p->padding));
    }
    const char *opn[2] = {"output_padding_h", "output_padding_w"};
    const int64_t ops[2] = {p->output_padding_h, p->output_padding_w};
    const int64_t lim[2] = {p->stride_h > p->dilation_h ? p->stride_h : p->dilation_h,
                            p->stride_w > p->dilation_w ? p->stride_w : p->dilation_w};
    for (int i = 0; i < 2; i++) {
        if (ops[i] == 0) continue;
        if (!tr)
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                               "%s = %lld applies to conv2d_transpose only; it must be 0 for conv2d", opn[i],
                               (long long)ops[i]);
        if (p->padding != TCONV_PADDING_EXPLICIT)
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                               "%s = %lld is only used with TCONV_PADDING_EXPLICIT; it must be 0 with %s padding "
                               "(give out_%c instead)",
                               opn[i], (long long)ops[i], padding_name(p->padding), i ? 'w' : 'h');
        if (ops[i] < 0 || ops[i] >= lim[i])
            return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                               "%s = %lld is invalid: it must be in [0, %lld) (less than stride_%c = %lld or "
                               "dilation_%c = %lld)",
                               opn[i], (long long)ops[i], (long long)lim[i], i ? 'w' : 'h',
                               (long long)(i ? p->stride_w : p->stride_h), i ? 'w' : 'h',
                               (long long)(i ? p->dilation_w : p->dilation_h));
    }
    return TCONV_OK;
}

/* r = f[0]*f[1]*...*f[nf-1] where every left-to-right partial product is at most lim (so a later 0
   factor does not excuse an earlier overflow); else a message naming the factors. */
static enum tconv_status product(const char *fn, const char *what, const char *names, const int64_t *f, int nf,
                                 int64_t lim, int64_t *r)
{
    int64_t t = 1;
    for (int i = 0; i < nf; i++)
        if (!tconv__mul(t, f[i], &t) || t > lim) {
            char list[PRODUCT_TEXT] = "";
            for (int j = 0, at = 0; j < nf && at < (int)sizeof list; j++)
                at += snprintf(list + at, sizeof list - (size_t)at, "%s%lld", j ? " x " : "", (long long)f[j]);
            return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn,
                               "%s has too many elements: %s = %s, and the product of its first %d factor%s exceeds "
                               "%lld (every partial element count in bytes must fit int64_t and size_t)",
                               what, names, list, i + 1, i ? "s" : "", (long long)lim);
        }
    *r = t;
    return TCONV_OK;
}

static enum tconv_status blas_limit(const char *fn, const char *what, int64_t a, int64_t b, int64_t c)
{
    int64_t t;
    if (!tconv__mul(a, b, &t) || !tconv__mul(t, c, &t) || t > INT_MAX)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "%s = %lld x %lld x %lld exceeds INT_MAX = %d, the largest dimension the BLAS interface "
                           "takes",
                           what, (long long)a, (long long)b, (long long)c, INT_MAX);
    return TCONV_OK;
}

/* Elements of one tensor at most: its bytes must fit size_t and int64_t. */
#define ELEMS_MAX                                                                                                      \
    ((int64_t)((SIZE_MAX / sizeof(float)) < (uint64_t)(INT64_MAX / (int64_t)sizeof(float))                             \
                   ? SIZE_MAX / sizeof(float)                                                                          \
                   : (uint64_t)(INT64_MAX / (int64_t)sizeof(float))))

/* The op, the layouts and the channels of a resolved problem (the same for 2-D and N-D; validated). */
static void channels(struct tconv__problem *r, bool tr, enum tconv_layout layout, enum tconv_filter_layout fl,
                     enum tconv_activation act, int64_t batch, int64_t ci, int64_t co, int64_t groups)
{
    r->transposed = tr;
    r->layout = layout;
    r->flayout = fl != TCONV_FILTER_DEFAULT ? fl : (tr ? TCONV_FILTER_HWOI : TCONV_FILTER_HWIO);
    r->act = act;
    r->n = batch;
    r->ci = ci;
    r->co = co;
    r->g = groups;
    r->cig = ci / groups;
    r->cog = co / groups;
}

enum tconv_status tconv__resolve(const char *fn, const struct tconv_params *p, bool tr, struct tconv__problem *pr,
                                 struct tconv_geometry *g)
{
    enum tconv_status st;
    if ((st = tconv__check_params(fn, p)) != TCONV_OK) return st;
    if ((st = check_enums(fn, p)) != TCONV_OK) return st;
    if ((st = check_scalars(fn, p, tr)) != TCONV_OK) return st;

    struct axis_args ah = {'h',         "height",      "pad_top",  "pad_bottom",  p->in_h,  p->kernel_h,
                           p->stride_h, p->dilation_h, p->pad_top, p->pad_bottom, p->out_h, p->output_padding_h,
                           "conv2d"};
    struct axis_args aw = {'w',         "width",       "pad_left",  "pad_right",  p->in_w,  p->kernel_w,
                           p->stride_w, p->dilation_w, p->pad_left, p->pad_right, p->out_w, p->output_padding_w,
                           "conv2d"};
    struct tconv__problem r = {0};
    struct tconv_geometry geo = {0};
    if (tr) {
        const bool empty = p->in_h == 0 || p->in_w == 0;
        if ((st = transpose_axis(fn, &ah, p->padding, empty, &r.h, &geo.out_h_min, &geo.out_h_max)) != TCONV_OK)
            return st;
        if ((st = transpose_axis(fn, &aw, p->padding, empty, &r.w, &geo.out_w_min, &geo.out_w_max)) != TCONV_OK)
            return st;
        r.in_h = r.h.small;
        r.in_w = r.w.small;
        r.out_h = r.h.big;
        r.out_w = r.w.big;
        geo.pad_bottom = r.h.after; /* the end crop, < 0 past the full result */
        geo.pad_right = r.w.after;
    } else {
        if ((st = conv_axis(fn, &ah, p->padding, &r.h, &geo.pad_bottom)) != TCONV_OK) return st;
        if ((st = conv_axis(fn, &aw, p->padding, &r.w, &geo.pad_right)) != TCONV_OK) return st;
        r.in_h = r.h.big;
        r.in_w = r.w.big;
        r.out_h = r.h.small;
        r.out_w = r.w.small;
        geo.out_h_min = geo.out_h_max = r.out_h;
        geo.out_w_min = geo.out_w_max = r.out_w;
    }
    r.d = tconv__unit_axis(); /* a 2-D call: the trivial depth axis */
    r.in_d = r.out_d = 1;
    geo.out_h = r.out_h;
    geo.out_w = r.out_w;
    geo.pad_top = r.h.before;
    geo.pad_left = r.w.before;
    channels(&r, tr, p->layout, p->filter_layout, p->activation, p->batch, p->in_channels, p->out_channels, p->groups);

    const int64_t lim = ELEMS_MAX;
    const int64_t xf[4] = {r.n, r.in_h, r.in_w, r.ci}, yf[4] = {r.n, r.out_h, r.out_w, r.co};
    const int64_t ff[4] = {r.h.k, r.w.k, r.ci, r.cog};
    if ((st = product(fn, "x", "batch x in_h x in_w x in_channels", xf, 4, lim, &r.x_elems))) return st;
    if ((st = product(fn, "y", "batch x out_h x out_w x out_channels", yf, 4, lim, &r.y_elems))) return st;
    if ((st = product(fn, "the filter", "kernel_h x kernel_w x in_channels x out_channels/groups", ff, 4, lim,
                      &r.f_elems)))
        return st;

    /* what reaches cblas_sgemm as an int */
    if ((st = blas_limit(fn, "in_channels", r.ci, 1, 1)) || (st = blas_limit(fn, "out_channels", r.co, 1, 1)) ||
        (st = blas_limit(fn, "in_h x in_w", r.in_h, r.in_w, 1)) ||
        (st = blas_limit(fn, "out_h x out_w", r.out_h, r.out_w, 1)))
        return st;
    if (!tr && (st = blas_limit(fn, "kernel_h x kernel_w x in_channels/groups", r.h.k, r.w.k, r.cig))) return st;
    if (tr && (st = blas_limit(fn, "kernel_h x kernel_w x out_channels/groups", r.h.k, r.w.k, r.cog))) return st;

    *pr = r;
    if (g) *g = geo;
    return TCONV_OK;
}

/* One axis of an N-D call: >= lo, with the axis named in the message. */
static enum tconv_status nd_min(const char *fn, const char *field, int axis, int64_t v, int64_t lo)
{
    if (v >= lo) return TCONV_OK;
    return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "%s[%d] = %lld is invalid: it must be >= %lld", field, axis,
                       (long long)v, (long long)lo);
}

static enum tconv_status nd_axis_check(const char *fn, const struct tconv_nd_params *p, bool tr, int i)
{
    enum tconv_status st;
    const bool expl = p->padding == TCONV_PADDING_EXPLICIT;
    if ((st = nd_min(fn, "in", i, p->in[i], 0)) || (st = nd_min(fn, "kernel", i, p->kernel[i], 1)) ||
        (st = nd_min(fn, "stride", i, p->stride[i], 1)) || (st = nd_min(fn, "dilation", i, p->dilation[i], 1)) ||
        (st = nd_min(fn, "out", i, p->out[i], 0)) || (st = nd_min(fn, "pad_before", i, p->pad_before[i], 0)) ||
        (st = nd_min(fn, "pad_after", i, p->pad_after[i], 0)) ||
        (st = nd_min(fn, "output_padding", i, p->output_padding[i], 0)))
        return st;
    if (!expl && (p->pad_before[i] != 0 || p->pad_after[i] != 0))
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "pad_before[%d] = %lld, pad_after[%d] = %lld are only used with TCONV_PADDING_EXPLICIT; "
                           "they must be 0 with %s padding",
                           i, (long long)p->pad_before[i], i, (long long)p->pad_after[i], padding_name(p->padding));
    const int64_t lim = p->stride[i] > p->dilation[i] ? p->stride[i] : p->dilation[i];
    if (p->output_padding[i] != 0 && (!tr || !expl || p->output_padding[i] >= lim))
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "output_padding[%d] = %lld is invalid: it needs conv_transpose with EXPLICIT padding and "
                           "must be less than stride[%d] = %lld or dilation[%d] = %lld",
                           i, (long long)p->output_padding[i], i, (long long)p->stride[i], i,
                           (long long)p->dilation[i]);
    return TCONV_OK;
}

enum tconv_status tconv__resolve_nd(const char *fn, const struct tconv_nd_params *p, bool tr, struct tconv__problem *pr,
                                    struct tconv_nd_geometry *g)
{
    static const char axis_char[3] = {'d', 'h', 'w'};
    static const char *const axis_dim[3] = {"depth", "height", "width"};
    static const char *const conv_name[3] = {"conv1d", "conv2d", "conv3d"};
    enum tconv_status st;
    if (!p) return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "p (the parameters) must not be NULL");
    if (p->rank < 1 || p->rank > 3)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "rank = %d is invalid: it must be 1, 2 or 3", p->rank);
    const struct tconv_params e = {
        .layout = p->layout, .filter_layout = p->filter_layout, .padding = p->padding, .activation = p->activation};
    if ((st = check_enums(fn, &e)) != TCONV_OK) return st;
    CHECK_MIN(batch, 0);
    CHECK_MIN(in_channels, 1);
    CHECK_MIN(out_channels, 1);
    CHECK_MIN(groups, 1);
    if (p->in_channels % p->groups != 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "in_channels = %lld is not divisible by groups = %lld",
                           (long long)p->in_channels, (long long)p->groups);
    if (p->out_channels % p->groups != 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "out_channels = %lld is not divisible by groups = %lld",
                           (long long)p->out_channels, (long long)p->groups);
    const int first = 3 - p->rank; /* the caller's axis i is internal axis first + i (0 d, 1 h, 2 w) */
    bool empty = false;
    for (int i = 0; i < p->rank; i++) {
        if ((st = nd_axis_check(fn, p, tr, i)) != TCONV_OK) return st;
        empty = empty || p->in[i] == 0;
    }
    struct tconv__problem r = {0};
    struct tconv_nd_geometry geo;
    memset(&geo, 0, sizeof geo);
    struct tconv__axis *axes[3] = {&r.d, &r.h, &r.w};
    for (int a = 0; a < 3; a++) {
        const int i = a - first;
        if (i < 0) {
            *axes[a] = tconv__unit_axis();
            continue;
        }
        struct axis_args x = {
            axis_char[a], axis_dim[a],          "pad_before",          "pad_after",      p->in[i],
            p->kernel[i], p->stride[i],         p->dilation[i],        p->pad_before[i], p->pad_after[i],
            p->out[i],    p->output_padding[i], conv_name[p->rank - 1]};
        int64_t u0, u1;
        if (tr)
            st = transpose_axis(fn, &x, p->padding, empty, axes[a], &u0, &u1);
        else
            st = conv_axis(fn, &x, p->padding, axes[a], &u0);
        if (st != TCONV_OK) return st;
        /* the public geometry, as tconv__resolve's on each axis */
        geo.out[i] = tr ? axes[a]->big : axes[a]->small;
        geo.pad_before[i] = axes[a]->before;
        geo.pad_after[i] = tr ? axes[a]->after : u0;
        geo.out_min[i] = tr ? u0 : geo.out[i];
        geo.out_max[i] = tr ? u1 : geo.out[i];
    }
    r.in_d = tr ? r.d.small : r.d.big;
    r.in_h = tr ? r.h.small : r.h.big;
    r.in_w = tr ? r.w.small : r.w.big;
    r.out_d = tr ? r.d.big : r.d.small;
    r.out_h = tr ? r.h.big : r.h.small;
    r.out_w = tr ? r.w.big : r.w.small;
    channels(&r, tr, p->layout, p->filter_layout, p->activation, p->batch, p->in_channels, p->out_channels, p->groups);
    const int64_t lim = ELEMS_MAX;
    const int64_t xf[5] = {r.n, r.in_d, r.in_h, r.in_w, r.ci}, yf[5] = {r.n, r.out_d, r.out_h, r.out_w, r.co};
    const int64_t ff[5] = {r.d.k, r.h.k, r.w.k, r.ci, r.cog};
    int64_t in_px = 0, out_px = 0;
    if ((st = product(fn, "x", "batch x in_d x in_h x in_w x in_channels", xf, 5, lim, &r.x_elems)) ||
        (st = product(fn, "y", "batch x out_d x out_h x out_w x out_channels", yf, 5, lim, &r.y_elems)) ||
        (st = product(fn, "the filter", "kernel_d x kernel_h x kernel_w x in_channels x out_channels/groups", ff, 5,
                      lim, &r.f_elems)) ||
        (st = product(fn, "x's pixels", "in_d x in_h x in_w", xf + 1, 3, lim, &in_px)) ||
        (st = product(fn, "y's pixels", "out_d x out_h x out_w", yf + 1, 3, lim, &out_px)))
        return st;
    if ((st = blas_limit(fn, "in_channels", r.ci, 1, 1)) || (st = blas_limit(fn, "out_channels", r.co, 1, 1)) ||
        (st = blas_limit(fn, "in_d x in_h x in_w", in_px, 1, 1)) ||
        (st = blas_limit(fn, "out_d x out_h x out_w", out_px, 1, 1)) ||
        (st = blas_limit(fn, "kernel_d x kernel_h x kernel_w x channels/groups", r.d.k, r.h.k * r.w.k,
                         tr ? r.cog : r.cig)))
        return st;
    *pr = r;
    if (g) *g = geo;
    return TCONV_OK;
}

static enum tconv_filter_layout swap_io(enum tconv_filter_layout l)
{
    switch (l) {
    case TCONV_FILTER_HWIO: return TCONV_FILTER_HWOI;
    case TCONV_FILTER_HWOI: return TCONV_FILTER_HWIO;
    case TCONV_FILTER_OIHW: return TCONV_FILTER_IOHW;
    case TCONV_FILTER_IOHW:
    default: return TCONV_FILTER_OIHW;
    }
}

/* The axes are shared as they are: `before` and `after` mean the same offsets for both ops. */
void tconv__adjoint(const struct tconv__problem *in, struct tconv__problem *out)
{
    struct tconv__problem a = *in;
    a.transposed = !in->transposed;
    a.flayout = swap_io(in->flayout); /* the same tensor: I and O trade places */
    a.act = TCONV_ACTIVATION_NONE;
    a.ci = in->co;
    a.co = in->ci;
    a.cig = in->cog;
    a.cog = in->cig;
    a.in_d = in->out_d;
    a.in_h = in->out_h;
    a.in_w = in->out_w;
    a.out_d = in->in_d;
    a.out_h = in->in_h;
    a.out_w = in->in_w;
    a.x_elems = in->y_elems;
    a.y_elems = in->x_elems;
    *out = a;
}

enum tconv_filter_layout tconv__canonical_layout(const struct tconv__problem *pr)
{
    if (pr->transposed) return pr->layout == TCONV_NHWC ? TCONV_FILTER_HWOI : TCONV_FILTER_IOHW;
    return pr->layout == TCONV_NHWC ? TCONV_FILTER_HWIO : TCONV_FILTER_OIHW;
}
