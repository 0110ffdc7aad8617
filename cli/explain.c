/*
 * explain.c - --explain OY,OX (see explain.h): every tap of the kernel is tried against the output
 * pixel; the ones that reach it are listed with their input pixel and, for a run, x times w.
 */
#include "explain.h"

#include "options.h"

/* It walks every tap of the kernel: bound the walk. */
#define EXPLAIN_MAX_TAPS ((int64_t)1 << 24)

/* The input pixel that tap (ky, kx) of output (oy, ox) reads: false when it reads none. */
static bool tap_source(bool transposed, const struct tconv_params *p, const struct tconv_geometry *g, int64_t oy,
                       int64_t ox, int64_t ky, int64_t kx, int64_t *iy, int64_t *ix)
{
    if (transposed) { /* iy*s + ky*d - crop = oy */
        const int64_t qy = oy + g->pad_top - ky * p->dilation_h, qx = ox + g->pad_left - kx * p->dilation_w;
        if (qy < 0 || qx < 0 || qy % p->stride_h || qx % p->stride_w) return false;
        *iy = qy / p->stride_h;
        *ix = qx / p->stride_w;
    } else {
        *iy = oy * p->stride_h + ky * p->dilation_h - g->pad_top;
        *ix = ox * p->stride_w + kx * p->dilation_w - g->pad_left;
    }
    return *iy >= 0 && *iy < p->in_h && *ix >= 0 && *ix < p->in_w;
}

/* x . w over the input channels of output channel 0's group (channels [0, in/groups)), batch 0. */
static double tap_value(FILE *f, bool transposed, const struct tconv_params *p, const struct explain_values *v,
                        int64_t iy, int64_t ix, int64_t ky, int64_t kx)
{
    const enum tconv_op op = transposed ? TCONV_OP_CONV2D_TRANSPOSE : TCONV_OP_CONV2D;
    const int64_t cig = p->in_channels / p->groups;
    double sum = 0.0;
    float xa = 0.0f, wa = 0.0f;
    for (int64_t c = 0; c < cig; c++) {
        const int64_t xi =
            p->layout == TCONV_NCHW ? (c * p->in_h + iy) * p->in_w + ix : (iy * p->in_w + ix) * p->in_channels + c;
        int64_t wi = 0;
        tconv_filter_index(op, p, 0, c, ky, kx, &wi); /* p ran: it is valid */
        xa = v->x[xi];
        wa = v->w[wi];
        sum += (double)xa * wa;
    }
    if (cig == 1)
        fprintf(f, ": x = %g times w = %g gives %g", (double)xa, (double)wa, sum);
    else
        fprintf(f, ": sum over %lld input channels of x . w = %g", (long long)cig, sum);
    return sum;
}

static void print_header(FILE *f, bool transposed, const struct tconv_params *p, const struct tconv_geometry *g,
                         int64_t oy, int64_t ox)
{
    if (p->layout == TCONV_NCHW)
        fprintf(f, "y[0, 0, %lld, %lld] (NCHW indices: batch 0, output channel 0)", (long long)oy, (long long)ox);
    else
        fprintf(f, "y[0, %lld, %lld, 0] (NHWC indices: batch 0, output channel 0)", (long long)oy, (long long)ox);
    if (transposed)
        fprintf(f, " is full-result position (%lld, %lld): the crop is %lld row%s on top, %lld column%s on the left\n",
                (long long)(oy + g->pad_top), (long long)(ox + g->pad_left), (long long)g->pad_top, plural(g->pad_top),
                (long long)g->pad_left, plural(g->pad_left));
    else
        fprintf(f, " reads x at (oy*%lld + ky*%lld - %lld, ox*%lld + kx*%lld - %lld)\n", (long long)p->stride_h,
                (long long)p->dilation_h, (long long)g->pad_top, (long long)p->stride_w, (long long)p->dilation_w,
                (long long)g->pad_left);
}

/* The last line: how many taps, and with values the sum, the bias and the activation up to tconv's number. */
static void print_total(FILE *f, const struct tconv_params *p, int64_t reached, double sum,
                        const struct explain_values *v)
{
    const long long taps = (long long)(p->kernel_h * p->kernel_w);
    fprintf(f, "%lld of the kernel's %lld tap%s reach%s it", (long long)reached, taps, plural(taps),
            reached == 1 ? "es" : "");
    if (v && v->x) {
        fprintf(f, "; the sum is %g", sum);
        if (v->bias) {
            sum += (double)v->bias[0];
            fprintf(f, " + bias %g = %g", (double)v->bias[0], sum);
        }
        if (p->activation == TCONV_ACTIVATION_RELU) fprintf(f, " -> ReLU -> %g", sum > 0.0 ? sum : 0.0);
        fprintf(f, ", tconv computed %g", (double)v->y);
    }
    fprintf(f, "\n");
}

int explain_check(const char *cmd, const struct tconv_params *p, const struct tconv_geometry *g, int64_t oy, int64_t ox,
                  bool values)
{
    if (oy < 0 || oy >= g->out_h || ox < 0 || ox >= g->out_w)
        return cli_fail(cmd, "--explain %lld,%lld is outside the %lldx%lld output", (long long)oy, (long long)ox,
                        (long long)g->out_h, (long long)g->out_w);
    if (values && p->batch == 0) return cli_fail(cmd, "--explain: y is empty (batch 0), there is no pixel to explain");
    if (p->kernel_h > EXPLAIN_MAX_TAPS / p->kernel_w)
        return cli_fail(cmd, "--explain walks every tap: a %lldx%lld kernel has more than 2^24", (long long)p->kernel_h,
                        (long long)p->kernel_w);
    return 0;
}

int explain_pixel(FILE *f, const char *cmd, bool transposed, const struct tconv_params *p,
                  const struct tconv_geometry *g, int64_t oy, int64_t ox, const struct explain_values *v)
{
    const int rc = explain_check(cmd, p, g, oy, ox, v && v->x);
    if (rc) return rc;
    print_header(f, transposed, p, g, oy, ox);
    int64_t reached = 0;
    double sum = 0.0;
    for (int64_t ky = 0; ky < p->kernel_h; ky++)
        for (int64_t kx = 0; kx < p->kernel_w; kx++) {
            int64_t iy, ix;
            if (!tap_source(transposed, p, g, oy, ox, ky, kx, &iy, &ix)) continue;
            reached++;
            if (transposed)
                fprintf(
                    f,
                    "  input pixel (%lld, %lld) through tap (%lld, %lld): %lld*%lld + %lld*%lld = %lld, %lld*%lld + "
                    "%lld*%lld = %lld",
                    (long long)iy, (long long)ix, (long long)ky, (long long)kx, (long long)iy, (long long)p->stride_h,
                    (long long)ky, (long long)p->dilation_h, (long long)(iy * p->stride_h + ky * p->dilation_h),
                    (long long)ix, (long long)p->stride_w, (long long)kx, (long long)p->dilation_w,
                    (long long)(ix * p->stride_w + kx * p->dilation_w));
            else
                fprintf(f, "  tap (%lld, %lld) reads input pixel (%lld, %lld)", (long long)ky, (long long)kx,
                        (long long)iy, (long long)ix);
            if (v && v->x) sum += tap_value(f, transposed, p, v, iy, ix, ky, kx);
            fprintf(f, "\n");
        }
    print_total(f, p, reached, sum, v);
    if (transposed && reached == 1 && v && v->x)
        fprintf(f, "(the kernel is not flipped: each input pixel scatters the whole kernel; read as a convolution "
                   "over the zero-stuffed input, the same sum uses the kernel rotated by 180 degrees)\n");
    return 0;
}
