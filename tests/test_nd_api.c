/*
 * test_nd_api.c - the N-D API (struct tconv_nd_params, rank 1..3), linked against the shared library as
 * a user does:
 *   - rank 1 and rank 3, every op and gradient, against the N-D references: exactly, on dyadic data
 *     (every product and partial sum is exact in float, so any summation order gives the same bits);
 *   - rank 2 gives bitwise the 2-D API's results, statuses and geometry (one implementation);
 *   - entries at index >= rank are ignored: junk there changes nothing;
 *   - a rank outside 1..3 is refused by every entry point, naming rank, the output untouched;
 *   - tconv_nd_params_init's defaults; gradients of an empty problem are zero (nothing with accumulate);
 *   - results independent of the thread count.
 */
#include "common.h"

/* The element counts of a resolved N-D call. */
struct sizes {
    int64_t x, y, f;
};

static int64_t prod(const int64_t *a, int rank)
{
    int64_t t = 1;
    for (int i = 0; i < rank; i++) t *= a[i];
    return t;
}

static struct sizes sizes_of(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    const struct sizes s = {p->batch * prod(p->in, p->rank) * p->in_channels,
                            p->batch * prod(g->out, p->rank) * p->out_channels,
                            prod(p->kernel, p->rank) * p->in_channels * (p->out_channels / p->groups)};
    return s;
}

static const char *describe(char *buf, size_t len, bool tr, const struct tconv_nd_params *p)
{
    int n =
        snprintf(buf, len, "%s rank %d %s filter %d n%lld ci%lld co%lld g%lld pad %s", tr ? "conv_transpose" : "conv",
                 p->rank, layout_name(p->layout), (int)p->filter_layout, (long long)p->batch, (long long)p->in_channels,
                 (long long)p->out_channels, (long long)p->groups, padding_str(p->padding));
    for (int i = 0; i < p->rank && n > 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, " [in %lld k %lld s %lld d %lld pb %lld pa %lld out %lld op %lld]",
                      (long long)p->in[i], (long long)p->kernel[i], (long long)p->stride[i], (long long)p->dilation[i],
                      (long long)p->pad_before[i], (long long)p->pad_after[i], (long long)p->out[i],
                      (long long)p->output_padding[i]);
    return buf;
}

/* A random valid problem of the rank: non-cubic sizes, every padding mode, groups and depthwise, dilation,
   output sizes across the admissible range (transposed), output_padding. */
static struct tconv_nd_params random_problem(struct rng *r, int rank, bool tr)
{
    for (;;) {
        struct tconv_nd_params p;
        tconv_nd_params_init(&p, rank);
        p.layout = (enum tconv_layout)rng_int(r, 0, 1);
        p.filter_layout = (enum tconv_filter_layout)rng_int(r, 0, 4);
        p.batch = rng_int(r, 1, 2);
        if (rng_int(r, 0, 3) == 0) {
            p.groups = p.in_channels = p.out_channels = rng_int(r, 1, 4); /* depthwise */
        } else {
            p.groups = rng_int(r, 1, 2);
            p.in_channels = p.groups * rng_int(r, 1, 3);
            p.out_channels = p.groups * rng_int(r, 1, 3);
        }
        p.padding = (enum tconv_padding)rng_int(r, 0, 3);
        const int64_t max_in = rank == 3 ? 5 : 9;
        for (int i = 0; i < rank; i++) {
            p.in[i] = rng_int(r, 1, max_in);
            p.kernel[i] = rng_int(r, 1, 4);
            p.stride[i] = rng_int(r, 1, 3);
            p.dilation[i] = rng_int(r, 0, 3) == 0 ? 2 : 1;
            if (p.padding == TCONV_PADDING_EXPLICIT) {
                p.pad_before[i] = rng_int(r, 0, 2);
                p.pad_after[i] = rng_int(r, 0, 2);
                const int64_t lim = p.stride[i] > p.dilation[i] ? p.stride[i] : p.dilation[i];
                if (tr && rng_int(r, 0, 1)) p.output_padding[i] = rng_int(r, 0, lim - 1);
            }
        }
        p.activation = (enum tconv_activation)rng_int(r, 0, 1);
        struct tconv_nd_geometry g;
        if ((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&p, &g) != TCONV_OK) continue;
        if (prod(g.out, rank) == 0) continue;
        if (tr && p.padding != TCONV_PADDING_EXPLICIT && rng_int(r, 0, 1))
            for (int i = 0; i < rank; i++) p.out[i] = rng_int(r, g.out_min[i] > 0 ? g.out_min[i] : 1, g.out_max[i]);
        return p;
    }
}

typedef enum tconv_status (*fwd_fn)(const struct tconv_nd_params *, const float *, const float *, const float *,
                                    float *);
typedef enum tconv_status (*grad2_fn)(const struct tconv_nd_params *, const float *, const float *, float *);
typedef enum tconv_status (*grad1_fn)(const struct tconv_nd_params *, const float *, float *);

static void check_exact(const char *what, const char *desc, const float *y, const float *ref, int64_t n)
{
    const int64_t i = first_mismatch(y, ref, n, 0.0, 0.0);
    ck_assert_msg(i < 0, "%s differs from its reference at %lld: %.9g vs %.9g (%s)", what, (long long)i,
                  i < 0 ? 0.0 : (double)y[i], i < 0 ? 0.0 : (double)ref[i], desc);
}

/* Every op and gradient of a random problem against the references, exactly. */
static void against_references(int rank, int cases, uint64_t stream)
{
    struct rng r = rng_make(test_seed(), stream);
    char desc[512];
    for (int c = 0; c < cases; c++) {
        const bool tr = c % 2 == 1;
        const struct tconv_nd_params p = random_problem(&r, rank, tr);
        struct tconv_nd_geometry g;
        ck_assert_int_eq((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&p, &g), TCONV_OK);
        const struct sizes s = sizes_of(&p, &g);
        describe(desc, sizeof desc, tr, &p);
        float *x = guarded_alloc(s.x), *f = guarded_alloc(s.f), *b = guarded_alloc(p.out_channels);
        float *y = guarded_alloc(s.y), *yr = guarded_alloc(s.y), *dy = guarded_alloc(s.y);
        float *dx = guarded_alloc(s.x), *dxr = guarded_alloc(s.x), *df = guarded_alloc(s.f), *dfr = guarded_alloc(s.f);
        float *db = guarded_alloc(p.out_channels), *dbr = guarded_alloc(p.out_channels);
        fill_dyadic(&r, x, s.x);
        fill_dyadic(&r, f, s.f);
        fill_dyadic(&r, b, p.out_channels);
        fill_dyadic(&r, dy, s.y);
        const fwd_fn fwd = tr ? tconv_convnd_transpose : tconv_convnd;
        const fwd_fn fwd_ref = tr ? tconv_convnd_transpose_reference : tconv_convnd_reference;
        ck_assert_msg(fwd(&p, x, f, b, y) == TCONV_OK, "%s: %s", tconv_last_error(), desc);
        ck_assert_msg(fwd_ref(&p, x, f, b, yr) == TCONV_OK, "%s: %s", tconv_last_error(), desc);
        check_exact("y", desc, y, yr, s.y);

        struct tconv_nd_params lin = p; /* the gradients are those of the linear op */
        lin.activation = TCONV_ACTIVATION_NONE;
        const grad2_fn data = tr ? tconv_convnd_transpose_backward_data : tconv_convnd_backward_data;
        const grad2_fn data_ref =
            tr ? tconv_convnd_transpose_backward_data_reference : tconv_convnd_backward_data_reference;
        const grad2_fn filt = tr ? tconv_convnd_transpose_backward_filter : tconv_convnd_backward_filter;
        const grad2_fn filt_ref =
            tr ? tconv_convnd_transpose_backward_filter_reference : tconv_convnd_backward_filter_reference;
        const grad1_fn bias = tr ? tconv_convnd_transpose_backward_bias : tconv_convnd_backward_bias;
        const grad1_fn bias_ref =
            tr ? tconv_convnd_transpose_backward_bias_reference : tconv_convnd_backward_bias_reference;
        ck_assert_msg(data(&lin, dy, f, dx) == TCONV_OK && data_ref(&lin, dy, f, dxr) == TCONV_OK, "%s: %s",
                      tconv_last_error(), desc);
        check_exact("dx", desc, dx, dxr, s.x);
        ck_assert_msg(filt(&lin, x, dy, df) == TCONV_OK && filt_ref(&lin, x, dy, dfr) == TCONV_OK, "%s: %s",
                      tconv_last_error(), desc);
        check_exact("dfilter", desc, df, dfr, s.f);
        ck_assert_msg(bias(&lin, dy, db) == TCONV_OK && bias_ref(&lin, dy, dbr) == TCONV_OK, "%s: %s",
                      tconv_last_error(), desc);
        check_exact("dbias", desc, db, dbr, p.out_channels);
        float *all[] = {x, f, b, y, yr, dy, dx, dxr, df, dfr, db, dbr};
        const int64_t n[] = {s.x, s.f, p.out_channels, s.y,           s.y, s.y, s.x, s.x,
                             s.f, s.f, p.out_channels, p.out_channels};
        for (int i = 0; i < 12; i++) {
            ck_assert_msg(guards_intact(all[i], n[i]), "buffer %d written out of bounds (%s)", i, desc);
            guarded_free(all[i]);
        }
    }
}

START_TEST(rank1_against_references) { against_references(1, 300, 1); }
END_TEST

START_TEST(rank3_against_references) { against_references(3, 200, 3); }
END_TEST

/* Rank 2 through the N-D API: the 2-D API's bits, statuses and geometry. */
START_TEST(rank2_is_the_2d_api)
{
    struct rng r = rng_make(test_seed(), 2);
    char desc[512];
    for (int c = 0; c < 200; c++) {
        const bool tr = c % 2 == 1;
        const struct tconv_nd_params n = random_problem(&r, 2, tr);
        struct tconv_params p;
        tconv_params_init(&p);
        p.layout = n.layout;
        p.filter_layout = n.filter_layout;
        p.batch = n.batch;
        p.in_channels = n.in_channels;
        p.out_channels = n.out_channels;
        p.groups = n.groups;
        p.in_h = n.in[0];
        p.in_w = n.in[1];
        p.kernel_h = n.kernel[0];
        p.kernel_w = n.kernel[1];
        p.stride_h = n.stride[0];
        p.stride_w = n.stride[1];
        p.dilation_h = n.dilation[0];
        p.dilation_w = n.dilation[1];
        p.padding = n.padding;
        p.pad_top = n.pad_before[0];
        p.pad_bottom = n.pad_after[0];
        p.pad_left = n.pad_before[1];
        p.pad_right = n.pad_after[1];
        p.out_h = n.out[0];
        p.out_w = n.out[1];
        p.output_padding_h = n.output_padding[0];
        p.output_padding_w = n.output_padding[1];
        p.activation = n.activation;
        describe(desc, sizeof desc, tr, &n);
        struct tconv_nd_geometry gn;
        struct tconv_geometry g2;
        ck_assert_int_eq((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&n, &gn), TCONV_OK);
        ck_assert_int_eq((tr ? tconv_conv2d_transpose_geometry : tconv_conv2d_geometry)(&p, &g2), TCONV_OK);
        const int64_t want[10] = {g2.out_h,     g2.out_w,     g2.pad_top,   g2.pad_left,  g2.pad_bottom,
                                  g2.pad_right, g2.out_h_min, g2.out_w_min, g2.out_h_max, g2.out_w_max};
        const int64_t got[10] = {gn.out[0],       gn.out[1],     gn.pad_before[0], gn.pad_before[1], gn.pad_after[0],
                                 gn.pad_after[1], gn.out_min[0], gn.out_min[1],    gn.out_max[0],    gn.out_max[1]};
        for (int i = 0; i < 10; i++)
            ck_assert_msg(got[i] == want[i], "geometry field %d: %lld vs %lld (%s)", i, (long long)got[i],
                          (long long)want[i], desc);
        const struct sizes s = sizes_of(&n, &gn);
        float *x = guarded_alloc(s.x), *f = guarded_alloc(s.f), *b = guarded_alloc(n.out_channels);
        float *dy = guarded_alloc(s.y), *o2 = guarded_alloc(s.x + s.y + s.f), *on = guarded_alloc(s.x + s.y + s.f);
        fill_uniform(&r, x, s.x); /* not dyadic: the same bits need the same summation order */
        fill_uniform(&r, f, s.f);
        fill_uniform(&r, b, n.out_channels);
        fill_uniform(&r, dy, s.y);
        struct tconv_nd_params nl = n;
        struct tconv_params pl = p;
        nl.activation = TCONV_ACTIVATION_NONE;
        pl.activation = TCONV_ACTIVATION_NONE;
        for (int op = 0; op < 8; op++) {
            const struct tconv_params *pp = op < 2 ? &p : &pl;
            const struct tconv_nd_params *np = op < 2 ? &n : &nl;
            if ((op == 0 || (op >= 2 && op <= 4)) == tr) continue; /* the ops of this problem's forward op */
            int64_t len = 0;
            enum tconv_status s2 = TCONV_OK, sn = TCONV_OK;
            memset(o2, 0, (size_t)(s.x + s.y + s.f) * sizeof(float));
            memset(on, 0, (size_t)(s.x + s.y + s.f) * sizeof(float));
            switch ((enum tconv_op)op) {
            case TCONV_OP_CONV2D:
                s2 = tconv_conv2d(pp, x, f, b, o2);
                sn = tconv_convnd(np, x, f, b, on);
                len = s.y;
                break;
            case TCONV_OP_CONV2D_TRANSPOSE:
                s2 = tconv_conv2d_transpose(pp, x, f, b, o2);
                sn = tconv_convnd_transpose(np, x, f, b, on);
                len = s.y;
                break;
            case TCONV_OP_CONV2D_BACKWARD_DATA:
                s2 = tconv_conv2d_backward_data(pp, dy, f, o2);
                sn = tconv_convnd_backward_data(np, dy, f, on);
                len = s.x;
                break;
            case TCONV_OP_CONV2D_BACKWARD_FILTER:
                s2 = tconv_conv2d_backward_filter(pp, x, dy, o2);
                sn = tconv_convnd_backward_filter(np, x, dy, on);
                len = s.f;
                break;
            case TCONV_OP_CONV2D_BACKWARD_BIAS:
                s2 = tconv_conv2d_backward_bias(pp, dy, o2);
                sn = tconv_convnd_backward_bias(np, dy, on);
                len = n.out_channels;
                break;
            case TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA:
                s2 = tconv_conv2d_transpose_backward_data(pp, dy, f, o2);
                sn = tconv_convnd_transpose_backward_data(np, dy, f, on);
                len = s.x;
                break;
            case TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER:
                s2 = tconv_conv2d_transpose_backward_filter(pp, x, dy, o2);
                sn = tconv_convnd_transpose_backward_filter(np, x, dy, on);
                len = s.f;
                break;
            case TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS:
            default:
                s2 = tconv_conv2d_transpose_backward_bias(pp, dy, o2);
                sn = tconv_convnd_transpose_backward_bias(np, dy, on);
                len = n.out_channels;
                break;
            }
            ck_assert_msg(s2 == TCONV_OK && sn == TCONV_OK, "op %d: %d / %d: %s (%s)", op, s2, sn, tconv_last_error(),
                          desc);
            ck_assert_msg(memcmp(o2, on, (size_t)len * sizeof(float)) == 0, "op %d: not the 2-D API's bits (%s)", op,
                          desc);
            size_t w2 = 0, wn = 0;
            ck_assert_int_eq(tconv_workspace_size((enum tconv_op)op, pp, NULL, &w2), TCONV_OK);
            ck_assert_int_eq(tconv_nd_workspace_size((enum tconv_op)op, np, NULL, &wn), TCONV_OK);
            ck_assert_msg(w2 == wn, "op %d: workspace %zu vs %zu (%s)", op, w2, wn, desc);
        }
        guarded_free(x);
        guarded_free(f);
        guarded_free(b);
        guarded_free(dy);
        guarded_free(o2);
        guarded_free(on);
    }
}
END_TEST

/* Junk at index >= rank: the same bits as zeros there. */
START_TEST(entries_beyond_rank_are_ignored)
{
    struct rng r = rng_make(test_seed(), 4);
    for (int rank = 1; rank <= 2; rank++)
        for (int tr = 0; tr < 2; tr++) {
            const struct tconv_nd_params p = random_problem(&r, rank, tr);
            struct tconv_nd_params junk = p;
            for (int i = rank; i < TCONV_MAX_RANK; i++) {
                junk.in[i] = INT64_MAX;
                junk.kernel[i] = -7;
                junk.stride[i] = 0;
                junk.dilation[i] = -1;
                junk.pad_before[i] = junk.pad_after[i] = 99;
                junk.out[i] = -3;
                junk.output_padding[i] = 1000;
            }
            struct tconv_nd_geometry g, gj;
            ck_assert_int_eq((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&p, &g), TCONV_OK);
            ck_assert_msg((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&junk, &gj) == TCONV_OK, "%s",
                          tconv_last_error());
            ck_assert_mem_eq(&g, &gj, sizeof g);
            const struct sizes s = sizes_of(&p, &g);
            float *x = guarded_alloc(s.x), *f = guarded_alloc(s.f), *y = guarded_alloc(s.y), *yj = guarded_alloc(s.y);
            fill_uniform(&r, x, s.x);
            fill_uniform(&r, f, s.f);
            ck_assert_int_eq((tr ? tconv_convnd_transpose : tconv_convnd)(&p, x, f, NULL, y), TCONV_OK);
            ck_assert_msg((tr ? tconv_convnd_transpose : tconv_convnd)(&junk, x, f, NULL, yj) == TCONV_OK, "%s",
                          tconv_last_error());
            ck_assert_mem_eq(y, yj, (size_t)s.y * sizeof *y);
            guarded_free(x);
            guarded_free(f);
            guarded_free(y);
            guarded_free(yj);
        }
}
END_TEST

/* rank 0 or 4: every entry point says rank, and writes nothing. */
START_TEST(rank_out_of_range)
{
    const int bad[] = {0, 4, -1};
    for (int k = 0; k < 3; k++) {
        struct tconv_nd_params p;
        tconv_nd_params_init(&p, 2);
        p.batch = p.in_channels = p.out_channels = 1;
        p.in[0] = p.in[1] = 3;
        p.kernel[0] = p.kernel[1] = 2;
        p.rank = bad[k];
        char want[48];
        snprintf(want, sizeof want, "rank = %d is invalid", bad[k]);
        float x[9] = {0}, f[4] = {0}, y[16], g[16];
        struct tconv_nd_geometry geo;
        size_t bytes = 12345;
        memset(y, 0x7f, sizeof y);
        memset(&geo, 0x7f, sizeof geo);
        const enum tconv_status st[] = {
            tconv_convnd_geometry(&p, &geo),
            tconv_convnd_transpose_geometry(&p, &geo),
            tconv_convnd(&p, x, f, NULL, y),
            tconv_convnd_transpose_reference(&p, x, f, NULL, y),
            tconv_convnd_backward_filter(&p, x, y, g),
            tconv_convnd_transpose_backward_bias_ex(&p, x, g, NULL, 0, NULL),
            tconv_nd_workspace_size(TCONV_OP_CONV, &p, NULL, &bytes),
        };
        for (size_t i = 0; i < sizeof st / sizeof *st; i++)
            ck_assert_msg(st[i] == TCONV_ERR_INVALID_ARGUMENT, "entry %zu: status %d", i, st[i]);
        ck_assert_msg(strstr(tconv_last_error(), want), "%s", tconv_last_error());
        for (size_t i = 0; i < sizeof y; i++) ck_assert(((unsigned char *)y)[i] == 0x7f);
        ck_assert_uint_eq(bytes, 12345);
    }
    /* NULL parameters */
    struct tconv_nd_geometry geo;
    ck_assert_int_eq(tconv_convnd_geometry(NULL, &geo), TCONV_ERR_NULL_POINTER);
    ck_assert_msg(strstr(tconv_last_error(), "p (the parameters) must not be NULL"), "%s", tconv_last_error());
}
END_TEST

START_TEST(params_init_and_op_aliases)
{
    struct tconv_nd_params p;
    memset(&p, 0x5a, sizeof p);
    tconv_nd_params_init(&p, 3);
    ck_assert_int_eq(p.rank, 3);
    ck_assert_int_eq(p.groups, 1);
    ck_assert(p.layout == TCONV_NHWC && p.filter_layout == TCONV_FILTER_DEFAULT && p.padding == TCONV_PADDING_VALID);
    ck_assert(p.activation == TCONV_ACTIVATION_NONE && p.batch == 0 && p.in_channels == 0 && p.out_channels == 0);
    for (int i = 0; i < TCONV_MAX_RANK; i++) {
        ck_assert(p.stride[i] == 1 && p.dilation[i] == 1);
        ck_assert(p.in[i] == 0 && p.kernel[i] == 0 && p.pad_before[i] == 0 && p.pad_after[i] == 0);
        ck_assert(p.out[i] == 0 && p.output_padding[i] == 0);
    }
    tconv_nd_params_init(&p, 7); /* zeroed and defaulted all the same; the calls refuse the rank */
    ck_assert(p.rank == 7 && p.stride[2] == 1 && p.groups == 1);
    ck_assert_int_eq(TCONV_OP_CONV, TCONV_OP_CONV2D);
    ck_assert_int_eq(TCONV_OP_CONV_TRANSPOSE, TCONV_OP_CONV2D_TRANSPOSE);
    ck_assert_int_eq(TCONV_MAX_RANK, 3);
}
END_TEST

/* The sum over nothing: an empty problem's filter and bias gradients are zero; accumulate adds nothing. */
START_TEST(empty_gradients_are_zero)
{
    for (int empty_axis = 0; empty_axis < 2; empty_axis++)
        for (int tr = 0; tr < 2; tr++) {
            struct tconv_nd_params p;
            tconv_nd_params_init(&p, 3);
            p.batch = empty_axis ? 2 : 0;
            p.in_channels = 2;
            p.out_channels = 3;
            for (int i = 0; i < 3; i++) {
                p.in[i] = 4;
                p.kernel[i] = 2;
            }
            if (empty_axis) {
                p.in[1] = 0;
                p.padding = TCONV_PADDING_SAME; /* VALID refuses a kernel longer than the axis */
            }
            float x[1] = {0}, dy[1] = {0}, df[2 * 2 * 2 * 2 * 3], db[3];
            for (int acc = 0; acc < 2; acc++) {
                for (int i = 0; i < 24; i++) df[i] = 5.0f;
                for (int i = 0; i < 3; i++) db[i] = 5.0f;
                struct tconv_options o = TCONV_OPTIONS_INIT;
                o.accumulate = acc;
                ck_assert_msg((tr ? tconv_convnd_transpose_backward_filter_ex
                                  : tconv_convnd_backward_filter_ex)(&p, x, dy, df, NULL, 0, &o) == TCONV_OK,
                              "%s", tconv_last_error());
                ck_assert_msg((tr ? tconv_convnd_transpose_backward_bias_ex
                                  : tconv_convnd_backward_bias_ex)(&p, dy, db, NULL, 0, &o) == TCONV_OK,
                              "%s", tconv_last_error());
                for (int i = 0; i < 24; i++) ck_assert_float_eq(df[i], acc ? 5.0f : 0.0f);
                for (int i = 0; i < 3; i++) ck_assert_float_eq(db[i], acc ? 5.0f : 0.0f);
            }
        }
}
END_TEST

/* A rank-3 call on 1, 2 and 3 threads: the same bits. */
START_TEST(rank3_thread_count_independent)
{
    struct rng r = rng_make(test_seed(), 5);
    struct tconv_nd_params p;
    tconv_nd_params_init(&p, 3);
    p.batch = 2;
    p.in_channels = 8;
    p.out_channels = 6;
    const int64_t in[3] = {5, 7, 6}, k[3] = {3, 2, 4}, s[3] = {2, 1, 2};
    for (int i = 0; i < 3; i++) {
        p.in[i] = in[i];
        p.kernel[i] = k[i];
        p.stride[i] = s[i];
    }
    p.padding = TCONV_PADDING_SAME;
    for (int tr = 0; tr < 2; tr++) {
        struct tconv_nd_geometry g;
        ck_assert_int_eq((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&p, &g), TCONV_OK);
        const struct sizes sz = sizes_of(&p, &g);
        float *x = guarded_alloc(sz.x), *f = guarded_alloc(sz.f), *y1 = guarded_alloc(sz.y);
        fill_uniform(&r, x, sz.x);
        fill_uniform(&r, f, sz.f);
        for (int t = 1; t <= 3; t++) {
            float *y = guarded_alloc(sz.y);
            struct tconv_options o = TCONV_OPTIONS_INIT;
            o.num_threads = t;
            ck_assert_int_eq((tr ? tconv_convnd_transpose_ex : tconv_convnd_ex)(&p, x, f, NULL, y, NULL, 0, &o),
                             TCONV_OK);
            if (t == 1)
                memcpy(y1, y, (size_t)sz.y * sizeof *y);
            else
                ck_assert_msg(memcmp(y, y1, (size_t)sz.y * sizeof *y) == 0, "%d threads differ (transposed %d)", t, tr);
            guarded_free(y);
        }
        guarded_free(x);
        guarded_free(f);
        guarded_free(y1);
    }
}
END_TEST

/* Geometry rows worked out by hand from TensorFlow's and PyTorch's formulas (independent of geometry.c). */
struct geo_row {
    const char *what;
    bool tr;
    int rank;
    enum tconv_padding pad;
    int64_t in[3], k[3], s[3], d[3], pb[3], pa[3], out[3], op[3];
    int64_t want_out[3], want_pb[3], want_pa[3], want_min[3], want_max[3];
};

static const struct geo_row geo_rows[] = {
    /* conv1d: TF VALID (10 - 3 + 2) / 2 = 4 */
    {"conv1d VALID", false, 1, TCONV_PADDING_VALID, {10}, {3}, {2}, {1}, {0}, {0}, {0}, {0}, {4}, {0}, {0}, {4}, {4}},
    /* conv1d SAME: ceil(10/2) = 5, total (5-1)*2 + 3 - 10 = 1, the odd pixel after */
    {"conv1d SAME", false, 1, TCONV_PADDING_SAME, {10}, {3}, {2}, {1}, {0}, {0}, {0}, {0}, {5}, {0}, {1}, {5}, {5}},
    /* conv3d SAME, dilation 2 on h (extent 3): totals 2, 2, 2 */
    {"conv3d SAME",
     false,
     3,
     TCONV_PADDING_SAME,
     {5, 7, 6},
     {3, 2, 4},
     {2, 1, 2},
     {1, 2, 1},
     {0},
     {0},
     {0},
     {0},
     {3, 7, 3},
     {1, 1, 1},
     {1, 1, 1},
     {3, 7, 3},
     {3, 7, 3}},
    /* conv3d_transpose VALID (Keras default in*s + max(k - s, 0); admissible [F, F + s - 1], F = (in-1)*s + k) */
    {"conv3d_transpose VALID",
     true,
     3,
     TCONV_PADDING_VALID,
     {2, 3, 4},
     {3, 2, 2},
     {2, 2, 1},
     {1, 1, 1},
     {0},
     {0},
     {0},
     {0},
     {5, 6, 5},
     {0, 0, 0},
     {0, 0, 0},
     {5, 6, 5},
     {6, 7, 5}},
    /* HiFi-GAN: PyTorch ConvTranspose1d(k=16, s=8, padding=4) on 32: (32-1)*8 - 2*4 + 16 = 256 */
    {"ConvTranspose1d k16 s8 p4",
     true,
     1,
     TCONV_PADDING_EXPLICIT,
     {32},
     {16},
     {8},
     {1},
     {4},
     {4},
     {0},
     {0},
     {256},
     {4},
     {4},
     {256},
     {263}},
    /* ... with output_padding 3: 259 */
    {"ConvTranspose1d output_padding 3",
     true,
     1,
     TCONV_PADDING_EXPLICIT,
     {32},
     {16},
     {8},
     {1},
     {4},
     {4},
     {0},
     {3},
     {259},
     {4},
     {1},
     {256},
     {263}},
    /* 3-D U-Net up-conv: ConvTranspose3d(k=2, s=2) 16^3 -> 32^3 (TF SAME gives the same) */
    {"ConvTranspose3d k2 s2 SAME",
     true,
     3,
     TCONV_PADDING_SAME,
     {16, 16, 16},
     {2, 2, 2},
     {2, 2, 2},
     {1, 1, 1},
     {0},
     {0},
     {0},
     {0},
     {32, 32, 32},
     {0, 0, 0},
     {0, 0, 0},
     {31, 31, 31},
     {32, 32, 32}},
};

START_TEST(geometry_rows)
{
    const struct geo_row *r = &geo_rows[_i];
    struct tconv_nd_params p;
    tconv_nd_params_init(&p, r->rank);
    p.batch = 1;
    p.in_channels = p.out_channels = 1;
    p.padding = r->pad;
    for (int i = 0; i < r->rank; i++) {
        p.in[i] = r->in[i];
        p.kernel[i] = r->k[i];
        p.stride[i] = r->s[i];
        p.dilation[i] = r->d[i];
        p.pad_before[i] = r->pb[i];
        p.pad_after[i] = r->pa[i];
        p.out[i] = r->out[i];
        p.output_padding[i] = r->op[i];
    }
    struct tconv_nd_geometry g;
    ck_assert_msg((r->tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&p, &g) == TCONV_OK, "%s: %s",
                  r->what, tconv_last_error());
    for (int i = 0; i < r->rank; i++) {
        ck_assert_msg(g.out[i] == r->want_out[i], "%s: out[%d] = %lld", r->what, i, (long long)g.out[i]);
        ck_assert_msg(g.pad_before[i] == r->want_pb[i], "%s: pad_before[%d] = %lld", r->what, i,
                      (long long)g.pad_before[i]);
        ck_assert_msg(g.pad_after[i] == r->want_pa[i], "%s: pad_after[%d] = %lld", r->what, i,
                      (long long)g.pad_after[i]);
        ck_assert_msg(g.out_min[i] == r->want_min[i] && g.out_max[i] == r->want_max[i], "%s: [%lld, %lld] on %d",
                      r->what, (long long)g.out_min[i], (long long)g.out_max[i], i);
    }
    for (int i = r->rank; i < TCONV_MAX_RANK; i++) ck_assert(g.out[i] == 0 && g.out_max[i] == 0);
}
END_TEST

/* Messages name the axis: the field and its index, or the dimension. */
START_TEST(messages_name_the_axis)
{
    struct tconv_nd_params p;
    tconv_nd_params_init(&p, 3);
    p.batch = p.in_channels = p.out_channels = 1;
    for (int i = 0; i < 3; i++) {
        p.in[i] = 4;
        p.kernel[i] = 2;
    }
    struct tconv_nd_geometry g;
    p.kernel[1] = 0;
    ck_assert_int_eq(tconv_convnd_geometry(&p, &g), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tconv_last_error(), "kernel[1] = 0 is invalid: it must be >= 1"), "%s", tconv_last_error());
    p.kernel[1] = 2;
    p.out[0] = 9; /* VALID transposed depth: [5, 5] */
    ck_assert_int_eq(tconv_convnd_transpose_geometry(&p, &g), TCONV_ERR_SHAPE_MISMATCH);
    ck_assert_msg(strstr(tconv_last_error(), "output depth") && strstr(tconv_last_error(), "[5, 5]"), "%s",
                  tconv_last_error());
    p.out[0] = 0;
    p.stride[2] = 0;
    ck_assert_int_eq(tconv_convnd_geometry(&p, &g), TCONV_ERR_INVALID_ARGUMENT);
    ck_assert_msg(strstr(tconv_last_error(), "stride[2] = 0 is invalid"), "%s", tconv_last_error());
}
END_TEST

int main(void)
{
    Suite *s = suite_create("nd_api");
    TCase *tc = tcase_create("nd_api");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, rank1_against_references);
    tcase_add_test(tc, rank3_against_references);
    tcase_add_test(tc, rank2_is_the_2d_api);
    tcase_add_test(tc, entries_beyond_rank_are_ignored);
    tcase_add_test(tc, rank_out_of_range);
    tcase_add_test(tc, params_init_and_op_aliases);
    tcase_add_test(tc, empty_gradients_are_zero);
    tcase_add_test(tc, rank3_thread_count_independent);
    tcase_add_loop_test(tc, geometry_rows, 0, (int)(sizeof geo_rows / sizeof *geo_rows));
    tcase_add_test(tc, messages_name_the_axis);
    suite_add_tcase(s, tc);
    return run_suite(s);
}
