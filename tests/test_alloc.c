/*
 * test_alloc.c - allocation failure, against a build of the library whose one allocator can fail on
 * its Nth call (TCONV_FAULT_INJECTION). For every entry point that allocates and every N up to the
 * number of allocations the call makes: TCONV_ERR_OUT_OF_MEMORY with a message, nothing left
 * allocated, the output untouched; at N + 1 the call succeeds. Operators: create, run and destroy as one call. Sizes
 * that overflow fail before any allocation, and calls given a workspace allocate nothing.
 */
#include "common.h"
#include "algorithms.h"
#include "kernels.h"

#define P(...)                                                                                                         \
    {                                                                                                                  \
        .batch = 2, .in_h = 6, .in_w = 5, .in_channels = 4, .out_channels = 6, .groups = 2, .kernel_h = 3,             \
        .kernel_w = 3, .stride_h = 2, .stride_w = 2, .dilation_h = 1, .dilation_w = 1, .padding = TCONV_PADDING_SAME,  \
        __VA_ARGS__                                                                                                    \
    }

enum { CAP = 32768 };
static float x[CAP], w[CAP], b[64], dy[CAP];

/* One entry point on fixed small tensors, writing out (n floats). */
struct entry {
    const char *name;
    int64_t n; /* output floats, set by the caller */
    enum tconv_status (*call)(const struct tconv_params *p, float *out);
    struct tconv_params p;
};

#define FWD(fn)                                                                                                        \
    static enum tconv_status call_##fn(const struct tconv_params *p, float *out) { return fn(p, x, w, b, out); }
#define DATA(fn)                                                                                                       \
    static enum tconv_status call_##fn(const struct tconv_params *p, float *out) { return fn(p, dy, w, out); }
#define FILT(fn)                                                                                                       \
    static enum tconv_status call_##fn(const struct tconv_params *p, float *out) { return fn(p, x, dy, out); }
#define BIAS(fn)                                                                                                       \
    static enum tconv_status call_##fn(const struct tconv_params *p, float *out) { return fn(p, dy, out); }
FWD(tconv_conv2d)
FWD(tconv_conv2d_transpose)
FWD(tconv_conv2d_reference)
FWD(tconv_conv2d_transpose_reference)
DATA(tconv_conv2d_backward_data)
DATA(tconv_conv2d_transpose_backward_data)
DATA(tconv_conv2d_backward_data_reference)
DATA(tconv_conv2d_transpose_backward_data_reference)
FILT(tconv_conv2d_backward_filter)
FILT(tconv_conv2d_transpose_backward_filter)
FILT(tconv_conv2d_backward_filter_reference)
FILT(tconv_conv2d_transpose_backward_filter_reference)
BIAS(tconv_conv2d_backward_bias)
BIAS(tconv_conv2d_transpose_backward_bias)
static enum tconv_status call_resize_nearest(const struct tconv_params *p, float *out)
{
    return tconv_resize_conv2d(p, 2, TCONV_RESIZE_NEAREST, x, w, b, out);
}
static enum tconv_status call_resize_bilinear(const struct tconv_params *p, float *out)
{
    return tconv_resize_conv2d(p, 2, TCONV_RESIZE_BILINEAR, x, w, b, out);
}
static enum tconv_status call_resize_reference(const struct tconv_params *p, float *out)
{
    return tconv_resize_conv2d_reference(p, 2, TCONV_RESIZE_NEAREST, x, w, b, out);
}
static enum tconv_status call_overlap(const struct tconv_params *p, float *out)
{
    return tconv_overlap_map(p, (int32_t *)(void *)out);
}

/* An operator's life on p as rank 2: create (packing), one run, destroy. */
static enum tconv_status call_operator(enum tconv_op op, const struct tconv_params *p, float *out)
{
    struct tconv_nd_params q;
    tconv_nd_params_init(&q, 2);
    q.layout = p->layout;
    q.filter_layout = p->filter_layout;
    q.batch = p->batch;
    q.in_channels = p->in_channels;
    q.out_channels = p->out_channels;
    q.groups = p->groups;
    q.padding = p->padding;
    q.in[0] = p->in_h, q.in[1] = p->in_w;
    q.kernel[0] = p->kernel_h, q.kernel[1] = p->kernel_w;
    q.stride[0] = p->stride_h, q.stride[1] = p->stride_w;
    struct tconv_operator *o = NULL;
    enum tconv_status st = tconv_operator_create(op, &q, w, b, NULL, &o);
    if (st != TCONV_OK) return st;
    st = tconv_operator_run(o, q.batch, x, out, NULL, 0);
    tconv_operator_destroy(o);
    return st;
}
static enum tconv_status call_operator_conv(const struct tconv_params *p, float *out)
{
    return call_operator(TCONV_OP_CONV, p, out);
}
static enum tconv_status call_operator_transpose(const struct tconv_params *p, float *out)
{
    return call_operator(TCONV_OP_CONV_TRANSPOSE, p, out);
}

static const struct entry entries[] = {
    {"tconv_operator conv (canonical packing)", 0, call_operator_conv, P(.filter_layout = TCONV_FILTER_OIHW)},
    {"tconv_operator conv (depthwise)", 0, call_operator_conv, P(.out_channels = 4, .groups = 4)},
    {"tconv_operator conv_transpose (sub-pixel)", 0, call_operator_transpose, P(.kernel_h = 4, .kernel_w = 4)},
    {"tconv_operator conv_transpose (no packing)", 0, call_operator_transpose, P()},
    {"tconv_conv2d", 0, call_tconv_conv2d, P()},
    {"tconv_conv2d (depthwise)", 0, call_tconv_conv2d, P(.out_channels = 4, .groups = 4)},
    {"tconv_conv2d_transpose", 0, call_tconv_conv2d_transpose, P()},
    {"tconv_conv2d_transpose (sub-pixel)", 0, call_tconv_conv2d_transpose, P(.kernel_h = 4, .kernel_w = 4)},
    {"tconv_conv2d_reference", 0, call_tconv_conv2d_reference, P()},
    {"tconv_conv2d_transpose_reference", 0, call_tconv_conv2d_transpose_reference, P()},
    {"tconv_conv2d_backward_data", 0, call_tconv_conv2d_backward_data, P()},
    {"tconv_conv2d_transpose_backward_data", 0, call_tconv_conv2d_transpose_backward_data, P()},
    {"tconv_conv2d_backward_data_reference", 0, call_tconv_conv2d_backward_data_reference, P()},
    {"tconv_conv2d_transpose_backward_data_reference", 0, call_tconv_conv2d_transpose_backward_data_reference, P()},
    {"tconv_conv2d_backward_filter", 0, call_tconv_conv2d_backward_filter, P()},
    {"tconv_conv2d_backward_filter (split reduction)", 0, call_tconv_conv2d_backward_filter,
     P(.batch = 4, .in_h = 30, .in_w = 30, .kernel_h = 1, .kernel_w = 1, .stride_h = 1, .stride_w = 1)},
    {"tconv_conv2d_transpose_backward_filter", 0, call_tconv_conv2d_transpose_backward_filter, P()},
    {"tconv_conv2d_backward_filter_reference", 0, call_tconv_conv2d_backward_filter_reference, P()},
    {"tconv_conv2d_transpose_backward_filter_reference", 0, call_tconv_conv2d_transpose_backward_filter_reference, P()},
    {"tconv_conv2d_backward_bias", 0, call_tconv_conv2d_backward_bias, P()},
    {"tconv_conv2d_transpose_backward_bias", 0, call_tconv_conv2d_transpose_backward_bias, P()},
    {"tconv_resize_conv2d nearest (composed kernel)", 0, call_resize_nearest, P(.stride_h = 1, .stride_w = 1)},
    {"tconv_resize_conv2d bilinear (upsampled tensor)", 0, call_resize_bilinear, P(.stride_h = 1, .stride_w = 1)},
    {"tconv_resize_conv2d_reference", 0, call_resize_reference, P(.stride_h = 1, .stride_w = 1)},
    {"tconv_overlap_map", 0, call_overlap, P()},
};

static float out[CAP], before[CAP];

START_TEST(every_allocation_can_fail)
{
    const struct entry *e = &entries[_i];
    struct rng r = rng_make(test_seed(), 77);
    fill_dyadic(&r, x, CAP);
    fill_dyadic(&r, w, CAP);
    fill_dyadic(&r, b, 64);
    fill_dyadic(&r, dy, CAP);
    fill_uniform(&r, before, CAP);
    /* a clean run: how many allocations the call makes */
    tconv__fi_arm(0);
    memcpy(out, before, sizeof out);
    ck_assert_msg(e->call(&e->p, out) == TCONV_OK, "%s: %s", e->name, tconv_last_error());
    const int64_t calls = tconv__fi_calls();
    ck_assert_msg(tconv__fi_live() == 0, "%s: %lld blocks left allocated", e->name, (long long)tconv__fi_live());
    if (calls == 0) { /* an allocation-free call: it succeeds even when every allocation would fail */
        tconv__fi_arm(1);
        ck_assert_int_eq(e->call(&e->p, out), TCONV_OK);
        ck_assert_int_eq(tconv__fi_calls(), 0);
        tconv__fi_arm(0);
        return;
    }
    for (int64_t n = 1; n <= calls; n++) {
        memcpy(out, before, sizeof out);
        tconv__fi_arm(n);
        const enum tconv_status st = e->call(&e->p, out);
        ck_assert_msg(st == TCONV_ERR_OUT_OF_MEMORY, "%s: allocation %lld of %lld failed, status %d", e->name,
                      (long long)n, (long long)calls, st);
        ck_assert_msg(strstr(tconv_last_error(), "allocate"), "%s: message: %s", e->name, tconv_last_error());
        ck_assert_msg(tconv__fi_live() == 0, "%s: allocation %lld failed and %lld blocks leaked", e->name, (long long)n,
                      (long long)tconv__fi_live());
        ck_assert_msg(memcmp(out, before, sizeof out) == 0, "%s: allocation %lld failed and the output was written",
                      e->name, (long long)n);
    }
    tconv__fi_arm(calls + 1); /* one past the last: succeeds */
    ck_assert_int_eq(e->call(&e->p, out), TCONV_OK);
    tconv__fi_arm(0);
}
END_TEST

/* Sizes that overflow fail before anything is allocated; a caller's workspace means no allocation. */
START_TEST(overflow_before_allocation_and_workspace_without)
{
    struct tconv_params p = P(.batch = ((int64_t)1 << 62) + 1);
    tconv__fi_arm(0);
    ck_assert_int_eq(tconv_conv2d(&p, x, w, b, out), TCONV_ERR_SIZE_OVERFLOW);
    ck_assert_int_eq(tconv_conv2d_transpose_backward_filter(&p, x, dy, out), TCONV_ERR_SIZE_OVERFLOW);
    ck_assert_int_eq(tconv_resize_conv2d(&p, 2, TCONV_RESIZE_BILINEAR, x, w, b, out), TCONV_ERR_SIZE_OVERFLOW);
    ck_assert_int_eq(tconv__fi_calls(), 0);

    const struct tconv_params q = P();
    size_t bytes;
    ck_assert_int_eq(tconv_conv2d_transpose_workspace_size(&q, &bytes), TCONV_OK);
    void *ws = malloc(bytes);
    tconv__fi_arm(1); /* any allocation would fail */
    ck_assert_int_eq(tconv_conv2d_transpose_ex(&q, x, w, b, out, ws, bytes, NULL), TCONV_OK);
    ck_assert_int_eq(tconv__fi_calls(), 0);
    tconv__fi_arm(0);
    free(ws);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("alloc");
    TCase *tc = tcase_create("alloc");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, every_allocation_can_fail, 0, (int)(sizeof entries / sizeof *entries));
    tcase_add_test(tc, overflow_before_allocation_and_workspace_without);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
