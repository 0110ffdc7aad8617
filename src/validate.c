/*
 * validate.c - the argument rules of validate.h. Each returns TCONV_OK or records one message with
 * tconv__fail; none allocates or writes a tensor.
 */
#include <stdint.h>
#include <string.h>

#include "validate.h"

/* The layouts of 0.2.0, the first with struct_size: no tconv header declares anything smaller. */
#define OPTIONS_SIZE_0_2 sizeof(struct tconv_options)
#define PROFILE_SIZE_0_2 sizeof(struct tconv_profile)
/* A bound on any future growth: a struct_size beyond it is an uninitialised field, not a newer header. */
#define STRUCT_SIZE_MAX ((size_t)4096)

/* struct_size of one of the caller's extensible structs: within [least, STRUCT_SIZE_MAX]. */
static enum tconv_status check_struct_size(const char *fn, const char *name, size_t size, size_t least)
{
    if (size >= least && size <= STRUCT_SIZE_MAX) return TCONV_OK;
    return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                       "%s = %zu is invalid: it must be the sizeof of the caller's header, in [%zu, %zu] (set it "
                       "with the _init function or the _INIT macro)",
                       name, size, least, STRUCT_SIZE_MAX);
}

enum tconv_status tconv__read_options(const char *fn, const struct tconv_options *opt, bool forward,
                                      struct tconv_options *out)
{
    tconv_options_init(out);
    if (!opt) return TCONV_OK;
    enum tconv_status st = check_struct_size(fn, "opt->struct_size", opt->struct_size, OPTIONS_SIZE_0_2);
    if (st != TCONV_OK) return st;
    /* A newer header's options: only zeros (their defaults) beyond what this library knows. */
    const unsigned char *tail = (const unsigned char *)opt;
    for (size_t i = sizeof *out; i < opt->struct_size; i++)
        if (tail[i] != 0)
            return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                               "byte %zu of the options (struct_size = %zu) is %u: an option this library (%s, "
                               "struct_size %zu) does not know; it must be 0 here",
                               i, opt->struct_size, (unsigned)tail[i], tconv_version(), sizeof *out);
    memcpy(out, opt, sizeof *out < opt->struct_size ? sizeof *out : opt->struct_size);
    if (out->profile && (st = check_struct_size(fn, "opt->profile->struct_size", out->profile->struct_size,
                                                PROFILE_SIZE_0_2)) != TCONV_OK)
        return st;
    if (out->num_threads < 0)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "num_threads = %d is invalid: it must be >= 0 (0 = default)",
                           out->num_threads);
    if ((int)out->algorithm < (int)TCONV_ALGORITHM_AUTO || (int)out->algorithm > (int)TCONV_ALGORITHM_DIRECT)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "algorithm = %d is invalid: it must be TCONV_ALGORITHM_AUTO (0), GEMM (1), SUBPIXEL (2) or "
                           "DIRECT (3)",
                           (int)out->algorithm);
    if (out->accumulate != 0 && out->accumulate != 1)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "accumulate = %d is invalid: it must be 0 or 1",
                           out->accumulate);
    if (out->accumulate && forward)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "accumulate = 1 applies to the backward calls only; it must be 0 for the forward pass");
    return TCONV_OK;
}

void tconv__write_profile(struct tconv_profile *dst, const struct tconv_profile *src)
{
    const size_t size = dst->struct_size; /* checked by tconv__read_options: >= the 0.2.0 size */
    struct tconv_profile p = *src;
    p.struct_size = size;
    memcpy(dst, &p, size < sizeof p ? size : sizeof p);
    if (size > sizeof p) memset((char *)dst + sizeof p, 0, size - sizeof p); /* a newer header's fields */
}

enum tconv_status tconv__check_linear(const char *fn, const struct tconv__problem *pr)
{
    if (pr->act == TCONV_ACTIVATION_NONE) return TCONV_OK;
    return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                       "activation = %d: the gradients are those of the linear op, so activation must be "
                       "TCONV_ACTIVATION_NONE (0); apply the activation's derivative to dy first",
                       (int)pr->act);
}

enum tconv_status tconv__check_op(const char *fn, enum tconv_op op)
{
    if ((int)op >= (int)TCONV_OP_CONV2D && (int)op <= (int)TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS) return TCONV_OK;
    return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                       "op = %d is invalid: it must be TCONV_OP_CONV2D (0) .. TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS "
                       "(7)",
                       (int)op);
}

enum tconv_status tconv__check_params(const char *fn, const struct tconv_params *p)
{
    if (p) return TCONV_OK;
    return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "p (the parameters) must not be NULL");
}

enum tconv_status tconv__check_resize(const char *fn, const struct tconv_params *p, int64_t scale,
                                      enum tconv_resize mode)
{
    const enum tconv_status st = tconv__check_params(fn, p);
    if (st != TCONV_OK) return st;
    if (scale < 1)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn, "scale = %lld is invalid: it must be >= 1",
                           (long long)scale);
    if ((int)mode < (int)TCONV_RESIZE_NEAREST || (int)mode > (int)TCONV_RESIZE_BILINEAR)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "mode = %d is invalid: it must be TCONV_RESIZE_NEAREST (0) or TCONV_RESIZE_BILINEAR (1)",
                           (int)mode);
    return TCONV_OK;
}

/* Do [a, a + an) and [b, b + bn) share a byte? (Addresses compared as integers: the buffers are the
   caller's and need not belong to one array.) */
static bool overlap(const void *a, size_t an, const void *b, size_t bn)
{
    if (!a || !b || an == 0 || bn == 0) return false;
    const uintptr_t x = (uintptr_t)a, y = (uintptr_t)b;
    return x < y + bn && y < x + an;
}

static size_t bytes_of(const struct tconv__tensor *t) { return (size_t)t->elems * sizeof(float); }

static enum tconv_status shared_memory(const char *fn, const char *a, const void *pa, size_t na, const char *b,
                                       const void *pb, size_t nb)
{
    return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                       "%s overlaps %s: %s = [%p, +%zu bytes) and %s = [%p, +%zu bytes) share memory; the output and "
                       "the workspace must not alias any other argument",
                       a, b, a, pa, na, b, pb, nb);
}

enum tconv_status tconv__check_tensors(const char *fn, const struct tconv__tensor *inputs, int ninputs,
                                       const struct tconv__tensor *output)
{
    if (!output->ptr && output->elems > 0 && output->needed)
        return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "%s must not be NULL: it has %lld elements", output->name,
                           (long long)output->elems);
    for (int i = 0; i < ninputs; i++)
        if (!inputs[i].ptr && inputs[i].elems > 0 && inputs[i].needed)
            return tconv__fail(TCONV_ERR_NULL_POINTER, fn, "%s must not be NULL: it has %lld elements", inputs[i].name,
                               (long long)inputs[i].elems);
    for (int i = 0; i < ninputs; i++)
        if (overlap(output->ptr, bytes_of(output), inputs[i].ptr, bytes_of(&inputs[i])))
            return shared_memory(fn, output->name, output->ptr, bytes_of(output), inputs[i].name, inputs[i].ptr,
                                 bytes_of(&inputs[i]));
    return TCONV_OK;
}

enum tconv_status tconv__check_workspace(const char *fn, const void *ws, size_t bytes, size_t least, size_t all,
                                         int threads, const struct tconv__tensor *tensors, int ntensors)
{
    if (bytes < least)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "workspace_bytes = %zu is too small: this call needs at least %zu (%zu with %d "
                           "threads; the workspace size query gives it)",
                           bytes, least, all, threads);
    for (int i = 0; i < ntensors; i++)
        if (overlap(ws, bytes, tensors[i].ptr, bytes_of(&tensors[i])))
            return shared_memory(fn, "workspace", ws, bytes, tensors[i].name, tensors[i].ptr, bytes_of(&tensors[i]));
    return TCONV_OK;
}

enum tconv_status tconv__check_overlap_map(const char *fn, const struct tconv__problem *pr)
{
    int64_t taps;
    if (tconv__mul(pr->h.k, pr->w.k, &taps) && taps <= INT32_MAX) return TCONV_OK;
    return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                       "kernel_h x kernel_w = %lld x %lld exceeds INT32_MAX, the largest count the map holds",
                       (long long)pr->h.k, (long long)pr->w.k);
}

enum tconv_status tconv__check_bilinear(const char *fn, const struct tconv__problem *pr)
{
    const bool depthwise = pr->g == pr->ci && pr->g == pr->co, diagonal = pr->g == 1 && pr->ci == pr->co;
    if (!depthwise && !diagonal)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "the bilinear filter upsamples each channel on its own: it needs groups == in_channels == "
                           "out_channels, or groups == 1 with in_channels == out_channels; here groups = %lld, "
                           "in_channels = %lld, out_channels = %lld",
                           (long long)pr->g, (long long)pr->ci, (long long)pr->co);
    if (pr->h.d != 1 || pr->w.d != 1)
        return tconv__fail(TCONV_ERR_INVALID_ARGUMENT, fn,
                           "dilation %lldx%lld: the bilinear kernel is dense, dilation must be 1", (long long)pr->h.d,
                           (long long)pr->w.d);
    return TCONV_OK;
}
