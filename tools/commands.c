/*
 * commands.c - `tconv shape`, `tconv run` and `tconv overlap`, which share one set of argument
 * spellings: TensorFlow's (--padding SAME|VALID|[[t,b],[l,r]], --output-shape, --strides 1,s,s,1)
 * and PyTorch's / ONNX's (--padding P, --pads t,l,b,r, --output-padding, --groups, --dilations).
 * Errors go to stderr: usage errors exit 2, failed calls and bad files exit 1.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "npy.h"
#include "png.h"
#include "tconv.h"

int usage_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "tconv: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n(see 'tconv --help')\n");
    va_end(ap);
    return 2;
}

enum kind { FORWARD, DATA, FILTER, BIAS };

struct cli {
    const char *op;
    bool tr; /* the op is conv2d_transpose or one of its gradients */
    enum kind kind;
    struct tconv_params p;
    bool have_in, have_out, have_kernel, have_filters;
    long long in[4], out[4];
    int n_out;
    long long filters;
    const char *x, *w, *b, *dy, *o, *png;
    bool time, explain;
    long long ey, ex;
    int threads, cell;
    enum tconv_algorithm algo;
};

static const char *const ops[8] = {"conv2d",
                                   "conv2d_transpose",
                                   "conv2d_backward_data",
                                   "conv2d_backward_filter",
                                   "conv2d_backward_bias",
                                   "conv2d_transpose_backward_data",
                                   "conv2d_transpose_backward_filter",
                                   "conv2d_transpose_backward_bias"};

static bool parse_op(const char *name, struct cli *c, bool forward_only)
{
    for (int i = 0; i < (forward_only ? 2 : 8); i++)
        if (!strcmp(name, ops[i])) {
            c->op = ops[i];
            c->tr = i == 1 || i >= 5;
            c->kind = i < 2 ? FORWARD : (enum kind)(i < 5 ? i - 1 : i - 4);
            return true;
        }
    return false;
}

/* Up to max integers from "1,2,3" / "[1, 2]" / "[[0,0],[1,2]]" / "(1, 2)"; the count, or -1. */
static int parse_ints(const char *s, long long *v, int max)
{
    int n = 0;
    while (*s) {
        if (isdigit((unsigned char)*s) || *s == '-') {
            char *end;
            errno = 0;
            long long x = strtoll(s, &end, 10);
            if (end == s || errno || n == max) return -1;
            v[n++] = x;
            s = end;
        } else if (strchr(",[]() ", *s)) {
            s++;
        } else {
            return -1;
        }
    }
    return n;
}

/* "2" -> (2,2); "2,3" -> (2,3); TensorFlow's 4-element [1,2,3,1] -> (2,3). */
static bool parse_pair(const char *s, int64_t *h, int64_t *w)
{
    long long v[4];
    const int n = parse_ints(s, v, 4);
    if (n == 1)
        *h = *w = v[0];
    else if (n == 2)
        *h = v[0], *w = v[1];
    else if (n == 4)
        *h = v[1], *w = v[2];
    else
        return false;
    return true;
}

static const char shared_help[] =
    "  --input-shape N,H,W,C      x's shape in --layout order (run: taken from -x)\n"
    "  --kernel-size K|KH,KW      (run: taken from -w)\n"
    "  --filters C                output channels (run: taken from -w or --dy)\n"
    "  --strides S|SH,SW|1,SH,SW,1\n"
    "  --dilations D|DH,DW|1,DH,DW,1                          1 = dense\n"
    "  --padding SAME|VALID|SAME_LOWER|[[t,b],[l,r]]|[[0,0],[t,b],[l,r],[0,0]]|P|PH,PW\n"
    "                             TF names and lists; P / PH,PW: PyTorch's symmetric padding\n"
    "  --pads T,L,B,R             ONNX pads (begins, then ends)\n"
    "  --output-shape N,H,W,C|H,W TensorFlow's output_shape (conv2d_transpose)\n"
    "  --output-padding P|PH,PW   PyTorch / ONNX output_padding (conv2d_transpose, explicit padding)\n"
    "  --groups G                 default 1\n"
    "  --layout NHWC|NCHW         data layout, default NHWC\n"
    "  --filter-layout DEFAULT|HWIO|OIHW|HWOI|IOHW   default: TF's (HWIO conv2d, HWOI conv2d_transpose)\n";

/* 0: parsed; 2: a usage error (reported); HELP_SHOWN: --help was printed, the command is done (status 0). */
#define HELP_SHOWN (-1)
static int parse_options(int argc, char **argv, int first, struct cli *c, const char *allowed, const char *help)
{
    for (int i = first; i < argc; i++) {
        const char *o = argv[i];
        if (!strcmp(o, "--help") || !strcmp(o, "-h")) {
            fputs(help, stdout);
            return HELP_SHOWN;
        }
        /* flags */
        if (!strcmp(o, "--time") && strstr(allowed, "time")) {
            c->time = true;
            continue;
        }
        if (!strcmp(o, "--relu") && strstr(allowed, "relu")) {
            c->p.activation = TCONV_ACTIVATION_RELU;
            continue;
        }
        if (o[0] != '-') return usage_error("%s: unexpected argument '%s'", argv[0], o);
        if (i + 1 >= argc) return usage_error("%s: option '%s' needs a value", argv[0], o);
        const char *v = argv[++i];
        long long t[8];
        if (!strcmp(o, "--input-shape")) {
            if (parse_ints(v, c->in, 4) != 4)
                return usage_error("%s: --input-shape wants N,H,W,C, got '%s'", argv[0], v);
            c->have_in = true;
        } else if (!strcmp(o, "--output-shape")) {
            c->n_out = parse_ints(v, c->out, 4);
            if (c->n_out != 4 && c->n_out != 2)
                return usage_error("%s: --output-shape wants N,H,W,C or H,W, got '%s'", argv[0], v);
            c->have_out = true;
        } else if (!strcmp(o, "--kernel-size")) {
            if (!parse_pair(v, &c->p.kernel_h, &c->p.kernel_w))
                return usage_error("%s: --kernel-size wants K or KH,KW, got '%s'", argv[0], v);
            c->have_kernel = true;
        } else if (!strcmp(o, "--strides")) {
            if (!parse_pair(v, &c->p.stride_h, &c->p.stride_w))
                return usage_error("%s: --strides wants S, SH,SW or 1,SH,SW,1, got '%s'", argv[0], v);
        } else if (!strcmp(o, "--dilations")) {
            if (!parse_pair(v, &c->p.dilation_h, &c->p.dilation_w))
                return usage_error("%s: --dilations wants D, DH,DW or 1,DH,DW,1, got '%s'", argv[0], v);
        } else if (!strcmp(o, "--output-padding")) {
            if (!parse_pair(v, &c->p.output_padding_h, &c->p.output_padding_w))
                return usage_error("%s: --output-padding wants P or PH,PW, got '%s'", argv[0], v);
        } else if (!strcmp(o, "--groups")) {
            if (parse_ints(v, t, 1) != 1) return usage_error("%s: --groups wants an integer, got '%s'", argv[0], v);
            c->p.groups = t[0];
        } else if (!strcmp(o, "--filters")) {
            if (parse_ints(v, t, 1) != 1) return usage_error("%s: --filters wants an integer, got '%s'", argv[0], v);
            c->filters = t[0], c->have_filters = true;
        } else if (!strcmp(o, "--layout")) {
            if (!strcmp(v, "NHWC"))
                c->p.layout = TCONV_NHWC;
            else if (!strcmp(v, "NCHW"))
                c->p.layout = TCONV_NCHW;
            else
                return usage_error("%s: --layout is NHWC or NCHW, got '%s'", argv[0], v);
        } else if (!strcmp(o, "--filter-layout")) {
            const char *names[5] = {"DEFAULT", "HWIO", "OIHW", "HWOI", "IOHW"};
            int k = 0;
            while (k < 5 && strcmp(v, names[k])) k++;
            if (k == 5)
                return usage_error("%s: --filter-layout is DEFAULT, HWIO, OIHW, HWOI or IOHW, got '%s'", argv[0], v);
            c->p.filter_layout = (enum tconv_filter_layout)k;
        } else if (!strcmp(o, "--padding")) {
            if (!strcmp(v, "SAME") || !strcmp(v, "same") || !strcmp(v, "SAME_UPPER"))
                c->p.padding = TCONV_PADDING_SAME;
            else if (!strcmp(v, "VALID") || !strcmp(v, "valid"))
                c->p.padding = TCONV_PADDING_VALID;
            else if (!strcmp(v, "SAME_LOWER"))
                c->p.padding = TCONV_PADDING_SAME_LOWER;
            else {
                const int n = parse_ints(v, t, 8);
                c->p.padding = TCONV_PADDING_EXPLICIT;
                if (n == 1)
                    c->p.pad_top = c->p.pad_bottom = c->p.pad_left = c->p.pad_right = t[0];
                else if (n == 2)
                    c->p.pad_top = c->p.pad_bottom = t[0], c->p.pad_left = c->p.pad_right = t[1];
                else if (n == 4)
                    c->p.pad_top = t[0], c->p.pad_bottom = t[1], c->p.pad_left = t[2], c->p.pad_right = t[3];
                else if (n == 8)
                    c->p.pad_top = t[2], c->p.pad_bottom = t[3], c->p.pad_left = t[4], c->p.pad_right = t[5];
                else
                    return usage_error("%s: --padding is SAME, VALID, SAME_LOWER, [[t,b],[l,r]], P or PH,PW; got '%s'",
                                       argv[0], v);
            }
        } else if (!strcmp(o, "--pads")) {
            if (parse_ints(v, t, 4) != 4)
                return usage_error("%s: --pads wants T,L,B,R (ONNX order), got '%s'", argv[0], v);
            c->p.padding = TCONV_PADDING_EXPLICIT;
            c->p.pad_top = t[0], c->p.pad_left = t[1], c->p.pad_bottom = t[2], c->p.pad_right = t[3];
        } else if (!strcmp(o, "--explain") && strstr(allowed, "explain")) {
            if (parse_ints(v, t, 2) != 2) return usage_error("%s: --explain wants OY,OX, got '%s'", argv[0], v);
            c->explain = true, c->ey = t[0], c->ex = t[1];
        } else if (!strcmp(o, "--activation") && strstr(allowed, "relu")) {
            if (!strcmp(v, "relu"))
                c->p.activation = TCONV_ACTIVATION_RELU;
            else if (!strcmp(v, "none"))
                c->p.activation = TCONV_ACTIVATION_NONE;
            else
                return usage_error("%s: --activation is relu or none, got '%s'", argv[0], v);
        } else if (!strcmp(o, "--threads") && strstr(allowed, "run")) {
            if (parse_ints(v, t, 1) != 1 || t[0] < 0)
                return usage_error("%s: --threads wants N >= 0, got '%s'", argv[0], v);
            c->threads = (int)t[0];
        } else if (!strcmp(o, "--algorithm") && strstr(allowed, "run")) {
            const char *names[4] = {"auto", "gemm", "subpixel", "direct"};
            int k = 0;
            while (k < 4 && strcmp(v, names[k])) k++;
            if (k == 4) return usage_error("%s: --algorithm is auto, gemm, subpixel or direct, got '%s'", argv[0], v);
            c->algo = (enum tconv_algorithm)k;
        } else if ((!strcmp(o, "-x") || !strcmp(o, "--input")) && strstr(allowed, "run")) {
            c->x = v;
        } else if ((!strcmp(o, "-w") || !strcmp(o, "--filter")) && strstr(allowed, "run")) {
            c->w = v;
        } else if ((!strcmp(o, "-b") || !strcmp(o, "--bias")) && strstr(allowed, "run")) {
            c->b = v;
        } else if (!strcmp(o, "--dy") && strstr(allowed, "run")) {
            c->dy = v;
        } else if ((!strcmp(o, "-o") || !strcmp(o, "--output")) && strstr(allowed, "run")) {
            c->o = v;
        } else if (!strcmp(o, "--png") && strstr(allowed, "png")) {
            c->png = v;
        } else if (!strcmp(o, "--cell") && strstr(allowed, "png")) {
            if (parse_ints(v, t, 1) != 1 || t[0] < 1 || t[0] > 64)
                return usage_error("%s: --cell wants 1..64 pixels, got '%s'", argv[0], v);
            c->cell = (int)t[0];
        } else {
            return usage_error("%s: unknown option '%s'", argv[0], o);
        }
    }
    return 0;
}

/* x / y shapes in layout order <-> (n, h, w, c) */
static void from_layout(const struct tconv_params *p, const long long *s, long long *n, long long *h, long long *w,
                        long long *c)
{
    const bool nchw = p->layout == TCONV_NCHW;
    *n = s[0], *h = nchw ? s[2] : s[1], *w = nchw ? s[3] : s[2], *c = nchw ? s[1] : s[3];
}

static void to_layout(const struct tconv_params *p, int64_t n, int64_t h, int64_t w, int64_t c, int64_t *s)
{
    const bool nchw = p->layout == TCONV_NCHW;
    s[0] = n, s[1] = nchw ? c : h, s[2] = nchw ? h : w, s[3] = nchw ? w : c;
}

static enum tconv_filter_layout resolved_layout(const struct tconv_params *p, bool tr)
{
    if (p->filter_layout != TCONV_FILTER_DEFAULT) return p->filter_layout;
    return tr ? TCONV_FILTER_HWOI : TCONV_FILTER_HWIO;
}

/* A filter array's dims in layout l: (kh, kw, I, O) <-> shape */
static void filter_from_shape(enum tconv_filter_layout l, const int64_t *s, int64_t *kh, int64_t *kw, int64_t *ni,
                              int64_t *no)
{
    switch (l) {
    case TCONV_FILTER_HWIO: *kh = s[0], *kw = s[1], *ni = s[2], *no = s[3]; break;
    case TCONV_FILTER_OIHW: *no = s[0], *ni = s[1], *kh = s[2], *kw = s[3]; break;
    case TCONV_FILTER_HWOI: *kh = s[0], *kw = s[1], *no = s[2], *ni = s[3]; break;
    default: *ni = s[0], *no = s[1], *kh = s[2], *kw = s[3]; break;
    }
}

static void filter_to_shape(enum tconv_filter_layout l, int64_t kh, int64_t kw, int64_t ni, int64_t no, int64_t *s)
{
    switch (l) {
    case TCONV_FILTER_HWIO: s[0] = kh, s[1] = kw, s[2] = ni, s[3] = no; break;
    case TCONV_FILTER_OIHW: s[0] = no, s[1] = ni, s[2] = kh, s[3] = kw; break;
    case TCONV_FILTER_HWOI: s[0] = kh, s[1] = kw, s[2] = no, s[3] = ni; break;
    default: s[0] = ni, s[1] = no, s[2] = kh, s[3] = kw; break;
    }
}

/* The filter's I and O axis sizes: conv2d I = in/g, O = out; conv2d_transpose I = in, O = out/g. */
static void filter_io(const struct tconv_params *p, bool tr, int64_t *ni, int64_t *no)
{
    *ni = tr ? p->in_channels : p->in_channels / p->groups;
    *no = tr ? p->out_channels / p->groups : p->out_channels;
}

/* Index of w(full-axis channel, per-group channel, ky, kx), the declarators of tconv.h. */
static int64_t widx(const struct tconv_params *p, bool tr, int64_t full, int64_t local, int64_t ky, int64_t kx)
{
    int64_t ni, no;
    filter_io(p, tr, &ni, &no);
    const int64_t i = tr ? full : local, o = tr ? local : full, kh = p->kernel_h, kw = p->kernel_w;
    switch (resolved_layout(p, tr)) {
    case TCONV_FILTER_HWIO: return ((ky * kw + kx) * ni + i) * no + o;
    case TCONV_FILTER_OIHW: return ((o * ni + i) * kh + ky) * kw + kx;
    case TCONV_FILTER_HWOI: return ((ky * kw + kx) * no + o) * ni + i;
    default: return ((i * no + o) * kh + ky) * kw + kx;
    }
}

static enum tconv_status geometry(const struct cli *c, struct tconv_geometry *g)
{
    return c->tr ? tconv_conv2d_transpose_geometry(&c->p, g) : tconv_conv2d_geometry(&c->p, g);
}

/* Apply --input-shape / --output-shape / --filters to p (shape and overlap take sizes from options). */
static int apply_shapes(struct cli *c, const char *cmd)
{
    if (!c->have_in || !c->have_kernel) return usage_error("%s: --input-shape and --kernel-size are required", cmd);
    long long n, h, w, ch;
    from_layout(&c->p, c->in, &n, &h, &w, &ch);
    c->p.batch = n, c->p.in_h = h, c->p.in_w = w, c->p.in_channels = ch;
    c->p.out_channels = c->have_filters ? c->filters : ch;
    if (c->have_out) {
        if (c->n_out == 4) {
            long long on, oh, ow, oc;
            from_layout(&c->p, c->out, &on, &oh, &ow, &oc);
            if (on != n) {
                fprintf(stderr, "tconv: %s: --output-shape batch %lld differs from the input batch %lld\n", cmd, on, n);
                return 1;
            }
            if (c->have_filters && oc != c->filters) {
                fprintf(stderr, "tconv: %s: --output-shape channels %lld differ from --filters %lld\n", cmd, oc,
                        c->filters);
                return 1;
            }
            c->p.out_channels = oc, c->p.out_h = oh, c->p.out_w = ow;
        } else {
            c->p.out_h = c->out[0], c->p.out_w = c->out[1];
        }
    }
    return 0;
}

/* ------------------------------------------------------------------ spellings (shape) */

static void print_spellings(const struct tconv_params *p, const struct tconv_geometry *g, bool tr, const char *ind)
{
    const long long kh = p->kernel_h, kw = p->kernel_w, sh = p->stride_h, sw = p->stride_w;
    const char *pad = p->padding == TCONV_PADDING_SAME ? "SAME" : p->padding == TCONV_PADDING_VALID ? "VALID" : NULL;
    if (!tr) {
        if (pad)
            printf("%sTensorFlow  tf.nn.conv2d(x, w, strides=[1,%lld,%lld,1], padding='%s')\n", ind, sh, sw, pad);
        else
            printf("%sTensorFlow  tf.nn.conv2d(x, w, strides=[1,%lld,%lld,1], "
                   "padding=[[0,0],[%lld,%lld],[%lld,%lld],[0,0]])\n",
                   ind, sh, sw, (long long)g->pad_top, (long long)g->pad_bottom, (long long)g->pad_left,
                   (long long)g->pad_right);
        if (g->pad_top == g->pad_bottom && g->pad_left == g->pad_right)
            printf("%sPyTorch     nn.Conv2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(%lld,%lld), "
                   "dilation=(%lld,%lld), groups=%lld)\n",
                   ind, (long long)p->in_channels, (long long)p->out_channels, kh, kw, sh, sw, (long long)g->pad_top,
                   (long long)g->pad_left, (long long)p->dilation_h, (long long)p->dilation_w, (long long)p->groups);
        else
            printf("%sPyTorch     F.pad(x, (%lld, %lld, %lld, %lld)) then nn.Conv2d(..., padding=0): asymmetric "
                   "padding has no Conv2d argument\n",
                   ind, (long long)g->pad_left, (long long)g->pad_right, (long long)g->pad_top,
                   (long long)g->pad_bottom);
        printf("%sONNX        Conv pads=[%lld,%lld,%lld,%lld] strides=[%lld,%lld]%s\n", ind, (long long)g->pad_top,
               (long long)g->pad_left, (long long)g->pad_bottom, (long long)g->pad_right, sh, sw,
               p->padding == TCONV_PADDING_SAME ? " (or auto_pad=SAME_UPPER)" : "");
        return;
    }
    /* TensorFlow takes output_shape; SAME/VALID crop by its own rule, explicit paddings [pt, pb] admit out in
       [F - pt - pb, F - pt - pb + s - 1] */
    const long long keh = p->dilation_h * (kh - 1) + 1, kew = p->dilation_w * (kw - 1) + 1;
    const long long fh = (p->in_h - 1) * sh + keh, fw = (p->in_w - 1) * sw + kew;
    const long long oh = g->out_h, ow = g->out_w;
    if (pad)
        printf(
            "%sTensorFlow  tf.nn.conv2d_transpose(x, w, output_shape=[%lld,%lld,%lld,%lld], strides=[1,%lld,%lld,1], "
            "padding='%s')\n",
            ind, (long long)p->batch, oh, ow, (long long)p->out_channels, sh, sw, pad);
    else if (g->pad_bottom > -sh && g->pad_right > -sw)
        printf(
            "%sTensorFlow  tf.nn.conv2d_transpose(x, w, output_shape=[%lld,%lld,%lld,%lld], strides=[1,%lld,%lld,1], "
            "padding=[[0,0],[%lld,%lld],[%lld,%lld],[0,0]])\n",
            ind, (long long)p->batch, oh, ow, (long long)p->out_channels, sh, sw, (long long)g->pad_top,
            (long long)(g->pad_bottom > 0 ? g->pad_bottom : 0), (long long)g->pad_left,
            (long long)(g->pad_right > 0 ? g->pad_right : 0));
    else
        printf("%sTensorFlow  not expressible: the output extends %lld/%lld past the full result, more than stride-1\n",
               ind, (long long)-g->pad_bottom, (long long)-g->pad_right);
    /* Keras runs TF's op with 'same'/'valid' and a size from deconv_output_length: default in*s (same) or
       in*s + max(ke-s, 0) (valid); with output_padding op < s: (in-1)*s + ke - 2*pad + op, pad = ke//2 or 0 */
    if (pad) {
        const bool same = p->padding == TCONV_PADDING_SAME;
        const long long dh = same ? p->in_h * sh : p->in_h * sh + (keh > sh ? keh - sh : 0);
        const long long dw = same ? p->in_w * sw : p->in_w * sw + (kew > sw ? kew - sw : 0);
        const long long oph = oh - (fh - (same ? 2 * (keh / 2) : 0)), opw = ow - (fw - (same ? 2 * (kew / 2) : 0));
        if (dh == oh && dw == ow)
            printf("%sKeras       Conv2DTranspose(%lld, (%lld,%lld), strides=(%lld,%lld), padding='%s')\n", ind,
                   (long long)p->out_channels, kh, kw, sh, sw, same ? "same" : "valid");
        else if (oph >= 0 && oph < sh && opw >= 0 && opw < sw)
            printf("%sKeras       Conv2DTranspose(%lld, (%lld,%lld), strides=(%lld,%lld), padding='%s', "
                   "output_padding=(%lld,%lld))\n",
                   ind, (long long)p->out_channels, kh, kw, sh, sw, same ? "same" : "valid", oph, opw);
        else
            printf("%sKeras       not expressible: no output_padding < stride gives this output size\n", ind);
    } else {
        printf("%sKeras       not expressible: Keras pads 'same' or 'valid' only\n", ind);
    }
    /* PyTorch: crop p at the start, p - output_padding at the end, 0 <= op < max(s, d) */
    const long long oph = g->pad_top - g->pad_bottom, opw = g->pad_left - g->pad_right;
    const long long limh = sh > p->dilation_h ? sh : p->dilation_h, limw = sw > p->dilation_w ? sw : p->dilation_w;
    if (oph >= 0 && oph < limh && opw >= 0 && opw < limw)
        printf("%sPyTorch     nn.ConvTranspose2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(%lld,%lld), "
               "output_padding=(%lld,%lld), dilation=(%lld,%lld), groups=%lld)\n",
               ind, (long long)p->in_channels, (long long)p->out_channels, kh, kw, sh, sw, (long long)g->pad_top,
               (long long)g->pad_left, oph, opw, (long long)p->dilation_h, (long long)p->dilation_w,
               (long long)p->groups);
    else
        printf("%sPyTorch     not expressible directly: the crop is %lld/%lld (top/bottom), %lld/%lld (left/right) and "
               "PyTorch crops at least as much at the start; use padding=(%lld,%lld) and slice off the extra trailing "
               "rows/columns\n",
               ind, (long long)g->pad_top, (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right,
               (long long)g->pad_top, (long long)g->pad_left);
    /* ONNX: pads' ends must be >= 0; a negative end crop becomes output_padding */
    const long long eh = g->pad_bottom > 0 ? g->pad_bottom : 0, ew = g->pad_right > 0 ? g->pad_right : 0;
    printf("%sONNX        ConvTranspose pads=[%lld,%lld,%lld,%lld] output_padding=[%lld,%lld] strides=[%lld,%lld] "
           "(or output_shape=[%lld,%lld])\n",
           ind, (long long)g->pad_top, (long long)g->pad_left, eh, ew, eh - g->pad_bottom, ew - g->pad_right, sh, sw,
           oh, ow);
}

/* Which (input pixel, tap) pairs feed output pixel (oy, ox). x, w: optional values (batch 0, output channel 0). */
static int explain(const struct cli *c, const struct tconv_geometry *g, const float *x, const float *w, const float *y)
{
    const struct tconv_params *p = &c->p;
    if (c->ey < 0 || c->ey >= g->out_h || c->ex < 0 || c->ex >= g->out_w) {
        fprintf(stderr, "tconv: --explain %lld,%lld is outside the %lldx%lld output\n", c->ey, c->ex,
                (long long)g->out_h, (long long)g->out_w);
        return 1;
    }
    if (p->kernel_h * p->kernel_w > ((int64_t)1 << 24)) { /* it walks every tap */
        fprintf(stderr, "tconv: --explain walks every tap: a %lldx%lld kernel has more than 2^24\n",
                (long long)p->kernel_h, (long long)p->kernel_w);
        return 1;
    }
    const int64_t s_h = p->stride_h, s_w = p->stride_w, d_h = p->dilation_h, d_w = p->dilation_w;
    const int64_t cig = p->in_channels / p->groups, pairs_max = p->kernel_h * p->kernel_w;
    const char *yname = c->tr ? "y" : "y";
    printf("%s[0, %lld, %lld, 0] (NHWC indices: batch 0, output channel 0)", yname, c->ey, c->ex);
    if (c->tr)
        printf(" is full-result position (%lld, %lld): the crop is %lld rows on top, %lld columns on the left\n",
               c->ey + (long long)g->pad_top, c->ex + (long long)g->pad_left, (long long)g->pad_top,
               (long long)g->pad_left);
    else
        printf(" reads x at (oy*%lld + ky*%lld - %lld, ox*%lld + kx*%lld - %lld)\n", (long long)s_h, (long long)d_h,
               (long long)g->pad_top, (long long)s_w, (long long)d_w, (long long)g->pad_left);
    int n = 0;
    double sum = 0.0;
    for (int64_t ky = 0; ky < p->kernel_h; ky++)
        for (int64_t kx = 0; kx < p->kernel_w; kx++) {
            int64_t iy, ix;
            if (c->tr) { /* iy*s + ky*d - pad = oy */
                const int64_t qy = c->ey + g->pad_top - ky * d_h, qx = c->ex + g->pad_left - kx * d_w;
                if (qy < 0 || qx < 0 || qy % s_h || qx % s_w) continue;
                iy = qy / s_h, ix = qx / s_w;
            } else {
                iy = c->ey * s_h + ky * d_h - g->pad_top, ix = c->ex * s_w + kx * d_w - g->pad_left;
            }
            if (iy < 0 || iy >= p->in_h || ix < 0 || ix >= p->in_w) continue;
            n++;
            if (c->tr)
                printf("  input pixel (%lld, %lld) through tap (%lld, %lld): %lld*%lld + %lld*%lld = %lld, %lld*%lld + "
                       "%lld*%lld = %lld",
                       (long long)iy, (long long)ix, (long long)ky, (long long)kx, (long long)iy, (long long)s_h,
                       (long long)ky, (long long)d_h, (long long)(iy * s_h + ky * d_h), (long long)ix, (long long)s_w,
                       (long long)kx, (long long)d_w, (long long)(ix * s_w + kx * d_w));
            else
                printf("  tap (%lld, %lld) reads input pixel (%lld, %lld)", (long long)ky, (long long)kx, (long long)iy,
                       (long long)ix);
            if (x && w) { /* the group of output channel 0: input channels [0, cig) */
                double v = 0.0;
                float xa = 0, wa = 0;
                for (int64_t ci = 0; ci < cig; ci++) {
                    const int64_t xi = p->layout == TCONV_NCHW ? (ci * p->in_h + iy) * p->in_w + ix
                                                               : (iy * p->in_w + ix) * p->in_channels + ci;
                    xa = x[xi], wa = w[c->tr ? widx(p, true, ci, 0, ky, kx) : widx(p, false, 0, ci, ky, kx)];
                    v += (double)xa * wa;
                }
                if (cig == 1)
                    printf(": x = %g times w = %g gives %g", (double)xa, (double)wa, v);
                else
                    printf(": sum over %lld input channels of x . w = %g", (long long)cig, v);
                sum += v;
            }
            printf("\n");
        }
    printf("%d of the kernel's %lld taps reach it", n, (long long)pairs_max);
    if (x && w) printf("; their sum is %g, tconv computed %g", sum, (double)y[0]);
    printf("\n");
    if (c->tr && n == 1 && x && w)
        printf("(the kernel is not flipped: each input pixel scatters the whole kernel; read as a convolution "
               "over the zero-stuffed input, the same sum uses the kernel rotated by 180 degrees)\n");
    return 0;
}

/* shape and overlap: the options, the shapes they give, and the geometry. 0, HELP_SHOWN, or an exit status. */
static int options_and_geometry(int argc, char **argv, struct cli *c, const char *allowed, const char *help,
                                const char *cmd, struct tconv_geometry *g)
{
    int rc = parse_options(argc, argv, 2, c, allowed, help);
    if (rc || (rc = apply_shapes(c, cmd))) return rc;
    if (geometry(c, g) != TCONV_OK) {
        fprintf(stderr, "tconv: %s\n", tconv_last_error());
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ shape */

static const char shape_help_head[] =
    "usage: tconv shape conv2d|conv2d_transpose --input-shape N,H,W,C --kernel-size KH,KW [options]\n"
    "Prints the output size, the padding split, every admissible output size of a transposed conv, and how\n"
    "TensorFlow, Keras, PyTorch and ONNX spell each one. --explain OY,OX lists the (input pixel, tap) pairs\n"
    "that feed output pixel (OY, OX).\noptions:\n";

int cmd_shape(int argc, char **argv)
{
    char help[4096];
    snprintf(help, sizeof help, "%s%s  --explain OY,OX\n", shape_help_head, shared_help);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct cli c = {.p = TCONV_PARAMS_INIT};
    if (!parse_op(argv[1], &c, true))
        return usage_error("shape: unknown op '%s' (conv2d or conv2d_transpose)", argv[1]);
    struct tconv_geometry g;
    const int rc = options_and_geometry(argc, argv, &c, "explain", help, "shape", &g);
    if (rc) return rc == HELP_SHOWN ? 0 : rc;
    const struct tconv_params *p = &c.p;
    const bool nchw = p->layout == TCONV_NCHW;
    const char *modes[4] = {"VALID", "SAME", "SAME_LOWER", "EXPLICIT"};
    int64_t ys[4];
    to_layout(p, p->batch, g.out_h, g.out_w, p->out_channels, ys);
    printf("%s: x [%lld,%lld,%lld,%lld] -> y [%lld,%lld,%lld,%lld] (%s)\n", c.op, c.in[0], c.in[1], c.in[2], c.in[3],
           (long long)ys[0], (long long)ys[1], (long long)ys[2], (long long)ys[3], nchw ? "NCHW" : "NHWC");
    printf("kernel %lldx%lld, strides %lldx%lld, dilations %lldx%lld, groups %lld, padding %s\n",
           (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w,
           (long long)p->dilation_h, (long long)p->dilation_w, (long long)p->groups, modes[p->padding]);
    if (c.tr) {
        const long long fh = (p->in_h - 1) * p->stride_h + p->dilation_h * (p->kernel_h - 1) + 1;
        const long long fw = (p->in_w - 1) * p->stride_w + p->dilation_w * (p->kernel_w - 1) + 1;
        printf("full result (in-1)*stride + dilation*(kernel-1) + 1: %lld x %lld\n", fh, fw);
        printf("admissible output sizes: height %lld..%lld, width %lld..%lld%s\n", (long long)g.out_h_min,
               (long long)g.out_h_max, (long long)g.out_w_min, (long long)g.out_w_max,
               c.have_out ? "" : " (no --output-shape: the Keras default is used)");
        printf("crop of the full result: top %lld, bottom %lld, left %lld, right %lld%s\n", (long long)g.pad_top,
               (long long)g.pad_bottom, (long long)g.pad_left, (long long)g.pad_right,
               (g.pad_bottom < 0 || g.pad_right < 0) ? " (negative: trailing outputs get no input, bias only)" : "");
    } else {
        printf("padding of x: top %lld, bottom %lld, left %lld, right %lld\n", (long long)g.pad_top,
               (long long)g.pad_bottom, (long long)g.pad_left, (long long)g.pad_right);
    }
    printf("spellings of this configuration:\n");
    print_spellings(p, &g, c.tr, "  ");
    if (c.tr && (g.out_h_max > g.out_h_min || g.out_w_max > g.out_w_min)) {
        /* every admissible size, and how each framework asks for it */
        const long long nh = g.out_h_max - g.out_h_min + 1, nw = g.out_w_max - g.out_w_min + 1;
        const bool all = nh <= 16 && nw <= 16 && nh * nw <= 16;
        const long long count = all ? nh * nw : (nh > nw ? nh : nw), shown = count < 16 ? count : 16;
        printf("every admissible output size%s:\n", all ? "" : " (height and width stepped together)");
        for (long long i = 0; i < shown; i++) {
            struct tconv_params q = *p;
            q.output_padding_h = q.output_padding_w = 0;
            q.out_h = g.out_h_min + (all ? i / nw : (i < nh ? i : nh - 1));
            q.out_w = g.out_w_min + (all ? i % nw : (i < nw ? i : nw - 1));
            struct tconv_geometry gq;
            if (tconv_conv2d_transpose_geometry(&q, &gq) != TCONV_OK) continue;
            printf("  out %lldx%lld (crop top %lld, bottom %lld, left %lld, right %lld)%s\n", (long long)gq.out_h,
                   (long long)gq.out_w, (long long)gq.pad_top, (long long)gq.pad_bottom, (long long)gq.pad_left,
                   (long long)gq.pad_right, gq.out_h == g.out_h && gq.out_w == g.out_w ? "  <- this call" : "");
            print_spellings(&q, &gq, true, "      ");
        }
        if (shown < count)
            printf("  ... and %lld more (every size in the ranges above is admissible)\n", count - shown);
    }
    if (c.explain) return explain(&c, &g, NULL, NULL, NULL);
    return 0;
}

/* ------------------------------------------------------------------ run */

static const char run_help_head[] =
    "usage: tconv run OP -x x.npy -w w.npy [-b b.npy] [--dy dy.npy] [options] [-o out.npy]\n"
    "OP: conv2d, conv2d_transpose, and their gradients conv2d_backward_data|_filter|_bias,\n"
    "    conv2d_transpose_backward_data|_filter|_bias\n"
    "Runs OP on NumPy .npy files (float32 C order; float64, big-endian and Fortran order are converted)\n"
    "and writes the result as float32 .npy (y, dx, dfilter in --filter-layout, or dbias). Without -o it is\n"
    "printed. Sizes come from the files; the gradients also need:\n"
    "  backward_data:   --dy and -w, and x's shape as --input-shape\n"
    "  backward_filter: -x and --dy, and --kernel-size\n"
    "  backward_bias:   --dy, --input-shape and --kernel-size\n"
    "options:\n";

static const char run_help_tail[] =
    "  --relu | --activation relu|none   fused after the bias (forward only)\n"
    "  --time                     median time of 11 runs and GFLOP/s\n"
    "  --threads N, --algorithm auto|gemm|subpixel|direct\n"
    "  --explain OY,OX            forward: the (input pixel, tap) pairs behind y[0, OY, OX, 0], with values\n";

static int load(const char *path, const char *what, struct npy_array *a, int ndim)
{
    char err[512];
    if (npy_load(path, a, err, sizeof err)) {
        fprintf(stderr, "tconv: run: %s\n", err);
        return 1;
    }
    if (a->note[0]) fprintf(stderr, "tconv: run: %s: converted %s\n", path, a->note);
    if (a->ndim != ndim) {
        fprintf(stderr, "tconv: run: %s: %s must have %d dimensions, it has %d\n", path, what, ndim, a->ndim);
        return 1;
    }
    return 0;
}

static void shape_str(char *buf, size_t len, int ndim, const int64_t *s)
{
    size_t k = (size_t)snprintf(buf, len, "(");
    for (int d = 0; d < ndim; d++)
        k += (size_t)snprintf(buf + k, len - k, "%lld%s", (long long)s[d], d + 1 < ndim ? ", " : ndim == 1 ? "," : "");
    snprintf(buf + k, len - k, ")");
}

static void print_result(const char *name, const float *v, int ndim, const int64_t *s, const struct tconv_params *p,
                         bool image)
{
    char sh[96];
    shape_str(sh, sizeof sh, ndim, s);
    int64_t count = 1;
    for (int d = 0; d < ndim; d++) count *= s[d];
    const bool nchw = p->layout == TCONV_NCHW;
    const int64_t h = image ? (nchw ? s[2] : s[1]) : 0, w = image ? (nchw ? s[3] : s[2]) : 0;
    const int64_t ch = image ? (nchw ? s[1] : s[3]) : 0;
    if (image && h <= 32 && w <= 32 && h * w > 0) {
        /* every plane when there are few, else the first (numpy's y[0, ..., 0]) and a summary */
        const bool all = s[0] <= 2 && ch <= 4;
        for (int64_t b = 0; b < (all ? s[0] : 1); b++)
            for (int64_t c = 0; c < (all ? ch : 1); c++) {
                if (nchw)
                    printf("%s[%lld, %lld, :, :] of %s =\n", name, (long long)b, (long long)c, sh);
                else
                    printf("%s[%lld, :, :, %lld] of %s =\n", name, (long long)b, (long long)c, sh);
                for (int64_t y = 0; y < h; y++) {
                    printf(" ");
                    for (int64_t x = 0; x < w; x++) {
                        const int64_t i = nchw ? ((b * ch + c) * h + y) * w + x : ((b * h + y) * w + x) * ch + c;
                        printf(" %9.6g", (double)v[i]);
                    }
                    printf("\n");
                }
            }
        if (all) return;
        printf("all %lld planes: ", (long long)(s[0] * ch));
    } else if (!image && count <= 64) {
        printf("%s %s =", name, sh);
        for (int64_t i = 0; i < count; i++) printf(" %.6g", (double)v[i]);
        printf("\n");
        return;
    }
    double mn = INFINITY, mx = -INFINITY, sum = 0;
    for (int64_t i = 0; i < count; i++) mn = fmin(mn, v[i]), mx = fmax(mx, v[i]), sum += v[i];
    printf("%s %s: min %.6g, max %.6g, mean %.6g (write it with -o FILE.npy)\n", name, sh, mn, mx,
           count ? sum / (double)count : 0.0);
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

static enum tconv_status call(const struct cli *c, const float *x, const float *w, const float *b, const float *dy,
                              float *out, const struct tconv_options *o)
{
    const struct tconv_params *p = &c->p;
    switch (c->kind) {
    case FORWARD: return (c->tr ? tconv_conv2d_transpose_ex : tconv_conv2d_ex)(p, x, w, b, out, NULL, 0, o);
    case DATA:
        return (c->tr ? tconv_conv2d_transpose_backward_data_ex : tconv_conv2d_backward_data_ex)(p, dy, w, out, NULL, 0,
                                                                                                 o);
    case FILTER:
        return (c->tr ? tconv_conv2d_transpose_backward_filter_ex : tconv_conv2d_backward_filter_ex)(p, x, dy, out,
                                                                                                     NULL, 0, o);
    default:
        return (c->tr ? tconv_conv2d_transpose_backward_bias_ex : tconv_conv2d_backward_bias_ex)(p, dy, out, NULL, 0,
                                                                                                 o);
    }
}

int cmd_run(int argc, char **argv)
{
    char help[4096];
    snprintf(help, sizeof help, "%s%s%s", run_help_head, shared_help, run_help_tail);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct cli c = {.p = TCONV_PARAMS_INIT};
    if (!parse_op(argv[1], &c, false)) return usage_error("run: unknown op '%s' (see tconv run --help)", argv[1]);
    int rc = parse_options(argc, argv, 2, &c, "run relu time explain", help);
    if (rc == HELP_SHOWN) return 0;
    if (rc) return rc;
    struct tconv_params *p = &c.p;
    const bool need_x = c.kind == FORWARD || c.kind == FILTER, need_w = c.kind == FORWARD || c.kind == DATA;
    const bool need_dy = c.kind != FORWARD;
    if (need_x && !c.x) return usage_error("run %s: -x x.npy is required", c.op);
    if (need_w && !c.w) return usage_error("run %s: -w w.npy is required", c.op);
    if (need_dy && !c.dy) return usage_error("run %s: --dy dy.npy is required", c.op);
    if (!need_x && !c.have_in) return usage_error("run %s: x's shape is needed as --input-shape N,H,W,C", c.op);
    if (!need_w && !c.have_kernel) return usage_error("run %s: --kernel-size KH,KW is required", c.op);
    if (c.b && c.kind != FORWARD) return usage_error("run %s: -b applies to the forward ops", c.op);
    if (c.explain && c.kind != FORWARD) return usage_error("run %s: --explain applies to the forward ops", c.op);

    struct npy_array ax = {0}, aw = {0}, ab = {0}, ady = {0};
    rc = 1;
    float *out = NULL;
    if ((c.x && load(c.x, "x", &ax, 4)) || (c.w && load(c.w, "the filter", &aw, 4)) ||
        (c.b && load(c.b, "the bias", &ab, 1)) || (c.dy && load(c.dy, "dy", &ady, 4)))
        goto done;
    /* x's shape */
    long long in[4];
    if (c.x) {
        for (int d = 0; d < 4; d++) in[d] = ax.shape[d];
        if (c.have_in && memcmp(in, c.in, sizeof in)) {
            fprintf(stderr,
                    "tconv: run: %s has shape (%lld, %lld, %lld, %lld), --input-shape says %lld,%lld,%lld,%lld\n", c.x,
                    in[0], in[1], in[2], in[3], c.in[0], c.in[1], c.in[2], c.in[3]);
            goto done;
        }
    } else {
        memcpy(in, c.in, sizeof in);
    }
    long long n, h, w, ch;
    from_layout(p, in, &n, &h, &w, &ch);
    p->batch = n, p->in_h = h, p->in_w = w, p->in_channels = ch;
    const enum tconv_filter_layout fl = resolved_layout(p, c.tr);
    const char *fln[5] = {"DEFAULT", "HWIO", "OIHW", "HWOI", "IOHW"};
    if (p->groups < 1) {
        fprintf(stderr, "tconv: run: groups = %lld is invalid: it must be >= 1\n", (long long)p->groups);
        goto done;
    }
    /* the filter gives the kernel and the output channels: conv2d I = in/g, O = out; transposed I = in, O = out/g */
    if (c.w) {
        int64_t kh, kw, ni, no;
        filter_from_shape(fl, aw.shape, &kh, &kw, &ni, &no);
        const int64_t want_i = c.tr ? ch : ch / p->groups;
        if (ni != want_i || (!c.tr && ch % p->groups)) {
            char sh[96];
            shape_str(sh, sizeof sh, 4, aw.shape);
            if (c.tr)
                fprintf(stderr,
                        "tconv: run: %s has shape %s: as %s for conv2d_transpose its input-channel axis (I) is %lld, "
                        "but x has %lld channels (they must be equal)\n",
                        c.w, sh, fln[fl], (long long)ni, ch);
            else if (ch % p->groups == 0 && ni > 0 && ch % ni == 0)
                fprintf(stderr,
                        "tconv: run: %s has shape %s: as %s for conv2d its input-channel axis (I) is %lld, but x has "
                        "%lld channels and groups = %lld, which needs I = %lld (a grouped conv? pass --groups %lld)\n",
                        c.w, sh, fln[fl], (long long)ni, ch, (long long)p->groups, ch / p->groups, ch / ni);
            else
                fprintf(stderr,
                        "tconv: run: %s has shape %s: as %s for conv2d its input-channel axis (I) is %lld, but x has "
                        "%lld channels and groups = %lld, which needs I = in_channels / groups%s\n",
                        c.w, sh, fln[fl], (long long)ni, ch, (long long)p->groups,
                        ch % p->groups ? " (and groups must divide in_channels)" : "");
            goto done;
        }
        if (c.have_kernel && (kh != p->kernel_h || kw != p->kernel_w)) {
            fprintf(stderr, "tconv: run: %s's kernel is %lldx%lld, --kernel-size says %lldx%lld\n", c.w, (long long)kh,
                    (long long)kw, (long long)p->kernel_h, (long long)p->kernel_w);
            goto done;
        }
        p->kernel_h = kh, p->kernel_w = kw;
        p->out_channels = c.tr ? no * p->groups : no;
    }
    /* dy gives the output channels (and, for a transposed conv, its size) */
    if (c.dy) {
        long long yn, yh, yw, yc;
        const long long ys[4] = {ady.shape[0], ady.shape[1], ady.shape[2], ady.shape[3]};
        from_layout(p, ys, &yn, &yh, &yw, &yc);
        if (c.w && yc != p->out_channels) {
            fprintf(stderr, "tconv: run: %s has %lld channels, the filter gives %lld output channels\n", c.dy, yc,
                    (long long)p->out_channels);
            goto done;
        }
        p->out_channels = yc;
        if (c.tr && !c.have_out) p->out_h = yh, p->out_w = yw;
    }
    if (c.have_filters && c.filters != p->out_channels) {
        fprintf(stderr, "tconv: run: --filters %lld, but the files give %lld output channels\n", c.filters,
                (long long)p->out_channels);
        goto done;
    }
    if (c.have_out) {
        if (c.n_out == 4) {
            long long on, oh, ow, oc;
            from_layout(p, c.out, &on, &oh, &ow, &oc);
            if (on != n || oc != p->out_channels) {
                fprintf(stderr,
                        "tconv: run: --output-shape %lld,%lld,%lld,%lld does not match batch %lld and %lld output "
                        "channels\n",
                        c.out[0], c.out[1], c.out[2], c.out[3], n, (long long)p->out_channels);
                goto done;
            }
            p->out_h = oh, p->out_w = ow;
        } else {
            p->out_h = c.out[0], p->out_w = c.out[1];
        }
    }
    struct tconv_geometry g;
    if (geometry(&c, &g) != TCONV_OK) {
        fprintf(stderr, "tconv: run: %s\n", tconv_last_error());
        goto done;
    }
    int64_t ys[4];
    to_layout(p, p->batch, g.out_h, g.out_w, p->out_channels, ys);
    if (c.dy && memcmp(ys, ady.shape, sizeof ys)) {
        char a[96], b[96];
        shape_str(a, sizeof a, 4, ady.shape), shape_str(b, sizeof b, 4, ys);
        fprintf(stderr, "tconv: run: %s has shape %s, but y of this %s has shape %s\n", c.dy, a,
                c.tr ? "conv2d_transpose" : "conv2d", b);
        goto done;
    }
    if (c.b && ab.shape[0] != p->out_channels) {
        fprintf(stderr, "tconv: run: %s has %lld elements, the bias needs out_channels = %lld\n", c.b,
                (long long)ab.shape[0], (long long)p->out_channels);
        goto done;
    }
    if (c.explain && (c.ey < 0 || c.ey >= g.out_h || c.ex < 0 || c.ex >= g.out_w)) {
        fprintf(stderr, "tconv: --explain %lld,%lld is outside the %lldx%lld output\n", c.ey, c.ex, (long long)g.out_h,
                (long long)g.out_w);
        goto done;
    }
    /* the result's shape */
    int ndim = 4;
    int64_t os[4];
    int64_t fi, fo;
    filter_io(p, c.tr, &fi, &fo);
    if (c.kind == FORWARD)
        memcpy(os, ys, sizeof os);
    else if (c.kind == DATA)
        to_layout(p, p->batch, p->in_h, p->in_w, p->in_channels, os);
    else if (c.kind == FILTER)
        filter_to_shape(fl, p->kernel_h, p->kernel_w, fi, fo, os);
    else
        ndim = 1, os[0] = p->out_channels;
    int64_t count = 1;
    for (int d = 0; d < ndim; d++) count *= os[d];
    out = malloc(count > 0 ? (size_t)count * sizeof(float) : 1);
    if (!out) {
        fprintf(stderr, "tconv: run: out of memory for %lld elements\n", (long long)count);
        goto done;
    }
    struct tconv_options o = TCONV_OPTIONS_INIT;
    o.num_threads = c.threads, o.algorithm = c.algo;
    if (call(&c, ax.data, aw.data, ab.data, ady.data, out, &o) != TCONV_OK) {
        fprintf(stderr, "tconv: run: %s\n", tconv_last_error());
        goto done;
    }
    if (c.time) {
        double t[11];
        for (int i = 0; i < 11; i++) {
            const double t0 = now();
            call(&c, ax.data, aw.data, ab.data, ady.data, out, &o);
            t[i] = now() - t0;
        }
        qsort(t, 11, sizeof *t, cmp_double);
        const int64_t small = p->batch * (c.tr ? p->in_h * p->in_w : g.out_h * g.out_w);
        const double flops = 2.0 * (double)small * (double)(p->kernel_h * p->kernel_w) *
                             (double)(p->in_channels / p->groups) * (double)p->out_channels;
        struct tconv_profile prof;
        o.profile = &prof;
        call(&c, ax.data, aw.data, ab.data, ady.data, out, &o);
        if (c.kind == BIAS)
            printf("time: %.4g ms (median of 11)\n", t[5] * 1e3);
        else
            printf("time: %.4g ms (median of 11), %.3g GFLOP/s, algorithm %s on %d thread%s\n", t[5] * 1e3,
                   flops / t[5] * 1e-9, tconv_algorithm_name(prof.algorithm), prof.threads,
                   prof.threads == 1 ? "" : "s");
    }
    const char *names[4] = {"y", "dx", "dfilter", "dbias"};
    if (c.o) {
        char err[512];
        if (npy_save(c.o, out, ndim, os, err, sizeof err)) {
            fprintf(stderr, "tconv: run: %s\n", err);
            goto done;
        }
        char sh[96];
        shape_str(sh, sizeof sh, ndim, os);
        printf("wrote %s: %s %s float32\n", c.o, names[c.kind], sh);
    } else {
        print_result(names[c.kind], out, ndim, os, p, c.kind <= DATA);
    }
    if (c.explain &&
        explain(&c, &g, ax.data, aw.data,
                out + (p->layout == TCONV_NCHW ? c.ey * g.out_w + c.ex : (c.ey * g.out_w + c.ex) * p->out_channels)))
        goto done;
    rc = 0;
done:
    free(ax.data), free(aw.data), free(ab.data), free(ady.data), free(out);
    return rc;
}

/* ------------------------------------------------------------------ overlap */

static const char overlap_help_head[] =
    "usage: tconv overlap conv2d_transpose --input-shape N,H,W,C --kernel-size KH,KW [options] [--png FILE]\n"
    "How many (input pixel, kernel tap) pairs land on each output pixel of a transposed convolution: the\n"
    "grid, a verdict (uniform, or the ratio max/min and the period) and why. --png draws it as a heat map.\n"
    "options:\n";

/* Steady-state taps per output position of one axis (an unbounded input): they repeat with period s. */
static int axis_pattern(int64_t k, int64_t s, int64_t d, int64_t pb, int64_t *vals)
{
    /* tap t lands on the output phases r with r + pb - t*d = 0 (mod s): r = (t*d - pb) mod s. The
       residues repeat every s/gcd(s, d) taps, so one period of taps, each weighted by its repeats */
    for (int64_t r = 0; r < s; r++) vals[r] = 0;
    int64_t g = s, b = d % s;
    while (b) {
        const int64_t t = g % b;
        g = b, b = t;
    }
    const int64_t rep = s / g;
    for (int64_t t = 0; t < k && t < rep; t++)
        vals[((t % s) * (d % s) % s - pb % s + 2 * s) % s] += (k - 1 - t) / rep + 1;
    int64_t period = s; /* the smallest period of the pattern */
    for (int64_t P = 1; P < s; P++)
        if (s % P == 0) {
            bool ok = true;
            for (int64_t r = 0; r + P < s && ok; r++) ok = vals[r] == vals[r + P];
            if (ok) {
                period = P;
                break;
            }
        }
    return (int)period;
}

int cmd_overlap(int argc, char **argv)
{
    char help[4096];
    snprintf(help, sizeof help,
             "%s%s  --png FILE                 a heat map of the counts\n"
             "  --cell N                   pixels per output pixel in the PNG (default: fit ~640)\n",
             overlap_help_head, shared_help);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(help, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    struct cli c = {.p = TCONV_PARAMS_INIT};
    if (strcmp(argv[1], "conv2d_transpose"))
        return usage_error("overlap: the overlap map is a conv2d_transpose property; got '%s'", argv[1]);
    parse_op(argv[1], &c, true);
    struct tconv_geometry g;
    int rc = options_and_geometry(argc, argv, &c, "png", help, "overlap", &g);
    if (rc) return rc == HELP_SHOWN ? 0 : rc;
    const struct tconv_params *p = &c.p;
    const int64_t oh = g.out_h, ow = g.out_w;
    if (oh * ow > ((int64_t)1 << 24)) { /* the CLI holds and scans the map; the library has no such limit */
        fprintf(stderr,
                "tconv: overlap: the %lldx%lld output has more than 2^24 pixels; tconv_overlap_map() takes it, "
                "this command does not\n",
                (long long)oh, (long long)ow);
        return 1;
    }
    int32_t *m = malloc((size_t)(oh * ow > 0 ? oh * ow : 1) * sizeof(int32_t));
    if (!m || tconv_overlap_map(p, m) != TCONV_OK) {
        fprintf(stderr, "tconv: overlap: %s\n", m ? tconv_last_error() : "out of memory");
        free(m);
        return 1;
    }
    const char *modes[4] = {"VALID", "SAME", "SAME_LOWER", "EXPLICIT"};
    printf("conv2d_transpose: how many (input pixel, kernel tap) pairs land on each output pixel\n");
    printf("input %lldx%lld, kernel %lldx%lld, strides %lldx%lld, dilations %lldx%lld, padding %s -> output %lldx%lld "
           "(crop top %lld, bottom %lld, left %lld, right %lld)\n",
           (long long)p->in_h, (long long)p->in_w, (long long)p->kernel_h, (long long)p->kernel_w,
           (long long)p->stride_h, (long long)p->stride_w, (long long)p->dilation_h, (long long)p->dilation_w,
           modes[p->padding], (long long)oh, (long long)ow, (long long)g.pad_top, (long long)g.pad_bottom,
           (long long)g.pad_left, (long long)g.pad_right);
    int32_t mx = 0;
    for (int64_t i = 0; i < oh * ow; i++) mx = m[i] > mx ? m[i] : mx;
    if (oh <= 48 && ow <= 48) {
        const int width = mx >= 100 ? 4 : mx >= 10 ? 3 : 2;
        for (int64_t y = 0; y < oh; y++) {
            for (int64_t x = 0; x < ow; x++) printf("%*d", width, m[y * ow + x]);
            printf("\n");
        }
    } else {
        printf("(%lldx%lld: too large to print; --png draws it)\n", (long long)oh, (long long)ow);
    }
    /* the pattern away from the borders, per axis */
    int64_t vh[64], vw[64];
    if (p->stride_h > 64 || p->stride_w > 64) {
        printf("verdict: (strides over 64: no pattern analysis)\n");
    } else {
        const int ph = axis_pattern(p->kernel_h, p->stride_h, p->dilation_h, g.pad_top, vh);
        const int pw = axis_pattern(p->kernel_w, p->stride_w, p->dilation_w, g.pad_left, vw);
        int64_t hmin = vh[0], hmax = vh[0], wmin = vw[0], wmax = vw[0];
        for (int64_t r = 0; r < p->stride_h; r++)
            hmin = vh[r] < hmin ? vh[r] : hmin, hmax = vh[r] > hmax ? vh[r] : hmax;
        for (int64_t r = 0; r < p->stride_w; r++)
            wmin = vw[r] < wmin ? vw[r] : wmin, wmax = vw[r] > wmax ? vw[r] : wmax;
        const int64_t lo = hmin * wmin, hi = hmax * wmax;
        int64_t border = 0; /* output pixels that get fewer taps than the pattern: the edges of x */
        for (int64_t y = 0; y < oh; y++)
            for (int64_t x = 0; x < ow; x++) {
                const int64_t ry = ((y + g.pad_top) % p->stride_h), rx = ((x + g.pad_left) % p->stride_w);
                border += m[y * ow + x] < vh[ry] * vw[rx];
            }
        if (lo == hi)
            printf("verdict: uniform: %lld taps on every output pixel away from the edges of x", (long long)lo);
        else if (lo == 0)
            printf("verdict: holes: the taps per pixel vary from 0 to %lld with a period of %dx%d pixels; some output "
                   "pixels get no input at all",
                   (long long)hi, ph, pw);
        else
            printf("verdict: checkerboard: %lld to %lld taps per pixel (max/min %.2f) with a period of %dx%d pixels",
                   (long long)lo, (long long)hi, (double)hi / (double)lo, ph, pw);
        if (border)
            printf("; %lld of the %lld pixels, near the edges, get fewer", (long long)border, (long long)(oh * ow));
        printf("\n");
        if (lo != hi) {
            /* per axis: the taps of one kernel row/column split unevenly over the stride's output phases */
            const struct {
                const char *name;
                int64_t k, s, d, mn, mx;
            } ax[2] = {{"height", p->kernel_h, p->stride_h, p->dilation_h, hmin, hmax},
                       {"width", p->kernel_w, p->stride_w, p->dilation_w, wmin, wmax}};
            printf("why:");
            for (int i = 0, n = 0; i < 2; i++)
                if (ax[i].mn != ax[i].mx)
                    printf("%s %s: %lld taps (dilation %lld) over stride %lld reach the output %s %lld to %lld times",
                           n++ ? ";" : "", ax[i].name, (long long)ax[i].k, (long long)ax[i].d, (long long)ax[i].s,
                           i ? "columns" : "rows", (long long)ax[i].mn, (long long)ax[i].mx);
            printf(". The kernel does not spread evenly over the stride: the checkerboard of Odena et al., "
                   "\"Deconvolution and Checkerboard Artifacts\" (2016).\n");
            /* the next kernel that does (dilation 1): a multiple of the stride */
            int64_t fk[2];
            char sx[48];
            if (p->stride_h == p->stride_w)
                snprintf(sx, sizeof sx, "%lld", (long long)p->stride_h);
            else
                snprintf(sx, sizeof sx, "%lld,%lld", (long long)p->stride_h, (long long)p->stride_w);
            for (int i = 0; i < 2; i++) fk[i] = ax[i].mn == ax[i].mx ? ax[i].k : (ax[i].k / ax[i].s + 1) * ax[i].s;
            printf(
                "fix: a kernel that is a multiple of the stride (%lldx%lld here, with dilation 1), resize-convolution "
                "(nearest x%s then a stride-1 conv: tconv_resize_conv2d), or tconv_bilinear_filter as the "
                "initial weights.\n",
                (long long)fk[0], (long long)fk[1], sx);
        } else {
            printf(
                "why: the kernel (%lldx%lld) spreads evenly over the stride (%lldx%lld): every output phase gets the "
                "same number of taps.\n",
                (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w);
        }
    }
    if (c.png) {
        const int cell = c.cell ? c.cell : (int)fmax(1, fmin(32, 640.0 / (double)(oh > ow ? oh : ow)));
        const int64_t W = ow * cell, H = oh * cell;
        if (W > 16384 || H > 16384 || W < 1 || H < 1) {
            fprintf(stderr, "tconv: overlap: a %lldx%lld image is too large for --png; use --cell 1\n", (long long)W,
                    (long long)H);
            free(m);
            return 1;
        }
        uint8_t *rgb = malloc((size_t)(W * H * 3));
        if (!rgb) {
            free(m);
            fprintf(stderr, "tconv: overlap: out of memory\n");
            return 1;
        }
        for (int64_t y = 0; y < H; y++)
            for (int64_t x = 0; x < W; x++)
                png_colormap(mx ? (double)m[(y / cell) * ow + x / cell] / mx : 0.0, rgb + (y * W + x) * 3);
        char err[256];
        rc = png_write_rgb(c.png, rgb, (int)W, (int)H, err, sizeof err);
        free(rgb);
        if (rc) {
            fprintf(stderr, "tconv: overlap: %s\n", err);
            free(m);
            return 1;
        }
        printf("wrote %s: %lldx%lld pixels, %d per output pixel, dark = 0 taps, yellow = %d\n", c.png, (long long)W,
               (long long)H, cell, mx);
    }
    free(m);
    return 0;
}
