/*
 * spell.c - the four frameworks' spellings of a configuration (see spell.h).
 *
 * Notation per axis: s stride, d dilation, k kernel, ke = d*(k-1) + 1; a transposed conv crops its full
 * result of F = out + crop_begin + crop_end positions (the library's geometry: pad_top/pad_left are the
 * begin crops, pad_bottom/pad_right the end crops, negative when trailing outputs get no input).
 */
#include "spell.h"

#include "plural.h"
#include "text.h"

const char *const spell_framework_names[SPELL_FRAMEWORKS] = {"TensorFlow", "Keras", "PyTorch", "ONNX"};

/* Enough for any spelling: a handful of 20-digit numbers and the words around them. */
#define SPELL_LINE_MAX 1024

static long long max0(int64_t v) { return v > 0 ? (long long)v : 0; }
static bool nchw(const struct tconv_params *p) { return p->layout == TCONV_NCHW; }
static bool dilated(const struct tconv_params *p) { return p->dilation_h != 1 || p->dilation_w != 1; }
/* Keras's base convolution refuses strides > 1 together with dilation_rate > 1 (any axes). */
static bool keras_refuses(const struct tconv_params *p) { return (p->stride_h > 1 || p->stride_w > 1) && dilated(p); }

/* ------------------------------------------------------------------ TensorFlow */

/* A 4-element per-dimension list in data_format order: [a,h,w,a] (NHWC) or [a,a,h,w] (NCHW). */
static void tf_list(struct text *t, const struct tconv_params *p, long long a, int64_t h, int64_t w)
{
    if (nchw(p))
        text_put(t, "[%lld,%lld,%lld,%lld]", a, a, (long long)h, (long long)w);
    else
        text_put(t, "[%lld,%lld,%lld,%lld]", a, (long long)h, (long long)w, a);
}

/* padding='SAME' / 'VALID', or the explicit list [[0,0],[t,b],[l,r],[0,0]] in data_format order. */
static void tf_padding(struct text *t, const struct tconv_params *p, int64_t pt, int64_t pb, int64_t pl, int64_t pr)
{
    if (p->padding == TCONV_PADDING_SAME || p->padding == TCONV_PADDING_VALID) {
        text_put(t, ", padding='%s'", p->padding == TCONV_PADDING_SAME ? "SAME" : "VALID");
        return;
    }
    text_put(t, ", padding=[[0,0],%s[%lld,%lld],[%lld,%lld]%s]", nchw(p) ? "[0,0]," : "", (long long)pt, (long long)pb,
             (long long)pl, (long long)pr, nchw(p) ? "" : ",[0,0]");
}

static void tf_tail(struct text *t, const struct tconv_params *p)
{
    if (nchw(p)) text_put(t, ", data_format='NCHW'");
    if (dilated(p)) {
        text_put(t, ", dilations=");
        tf_list(t, p, 1, p->dilation_h, p->dilation_w);
    }
    text_put(t, ")");
}

static void tf_conv(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    text_put(t, "tf.nn.conv2d(x, w, strides=");
    tf_list(t, p, 1, p->stride_h, p->stride_w);
    tf_padding(t, p, g->pad_top, g->pad_bottom, g->pad_left, g->pad_right);
    tf_tail(t, p);
}

/* TensorFlow takes output_shape; its explicit paddings [pt, pb] admit out in [F - pt - pb, F - pt - pb + s - 1],
   so a trailing bias-only stretch (a negative end crop) must stay below the stride. */
static void tf_transpose(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    const bool named = p->padding == TCONV_PADDING_SAME || p->padding == TCONV_PADDING_VALID;
    if (!named && (g->pad_bottom <= -p->stride_h || g->pad_right <= -p->stride_w)) {
        text_put(t,
                 "not expressible: the output runs %lld row%s and %lld column%s past the full result; TensorFlow's "
                 "explicit paddings allow at most stride - 1",
                 max0(-g->pad_bottom), plural(max0(-g->pad_bottom)), max0(-g->pad_right), plural(max0(-g->pad_right)));
        return;
    }
    const long long n = (long long)p->batch, oh = (long long)g->out_h, ow = (long long)g->out_w;
    const long long oc = (long long)p->out_channels;
    text_put(t, "tf.nn.conv2d_transpose(x, w, output_shape=[%lld,%lld,%lld,%lld], strides=", n, nchw(p) ? oc : oh,
             nchw(p) ? oh : ow, nchw(p) ? ow : oc);
    tf_list(t, p, 1, p->stride_h, p->stride_w);
    tf_padding(t, p, g->pad_top, max0(g->pad_bottom), g->pad_left, max0(g->pad_right));
    tf_tail(t, p);
}

/* ------------------------------------------------------------------ Keras */

static void keras_tail(struct text *t, const struct tconv_params *p)
{
    if (dilated(p)) text_put(t, ", dilation_rate=(%lld,%lld)", (long long)p->dilation_h, (long long)p->dilation_w);
    if (nchw(p)) text_put(t, ", data_format='channels_first'");
    text_put(t, ")");
}

/* Conv2D pads 'same' or 'valid'; other pads are a ZeroPadding2D layer in front of a 'valid' Conv2D. */
static void keras_conv(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    if (keras_refuses(p)) {
        text_put(t, "not expressible: Keras refuses strides > 1 together with dilation_rate > 1");
        return;
    }
    const bool same = p->padding == TCONV_PADDING_SAME;
    const bool padded = g->pad_top || g->pad_bottom || g->pad_left || g->pad_right;
    if (!same && p->padding != TCONV_PADDING_VALID && padded)
        text_put(t, "ZeroPadding2D(((%lld,%lld),(%lld,%lld))%s), then ", (long long)g->pad_top,
                 (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right,
                 nchw(p) ? ", data_format='channels_first'" : "");
    text_put(t, "Conv2D(%lld, (%lld,%lld), strides=(%lld,%lld), padding='%s'", (long long)p->out_channels,
             (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w,
             same ? "same" : "valid");
    if (p->groups != 1) text_put(t, ", groups=%lld", (long long)p->groups);
    keras_tail(t, p);
}

/* Keras's output size for output_padding op (deconv_output_length): (in-1)*s + ke - 2*pad + op with
   pad = ke/2 ('same') or 0 ('valid'), where (in-1)*s + ke is the full result F. The op it needs, per axis. */
static int64_t keras_output_padding(bool same, int64_t k, int64_t d, int64_t out, int64_t full)
{
    const int64_t ke = d * (k - 1) + 1;
    return out - (full - (same ? 2 * (ke / 2) : 0));
}

static void keras_head(struct text *t, const struct tconv_params *p, const char *padding)
{
    text_put(t, "Conv2DTranspose(%lld, (%lld,%lld), strides=(%lld,%lld), padding='%s'", (long long)p->out_channels,
             (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h, (long long)p->stride_w, padding);
}

/* 'same' / 'valid' with Keras's default size or an output_padding < stride: true when that spells it. */
static bool keras_named(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    const bool same = p->padding == TCONV_PADDING_SAME;
    struct tconv_params q = *p;
    struct tconv_geometry keras;
    q.out_h = 0; /* the library's default size for out 0 is Keras's */
    q.out_w = 0;
    if (tconv_conv2d_transpose_geometry(&q, &keras) != TCONV_OK) return false;
    if (keras.out_h == g->out_h && keras.out_w == g->out_w) {
        keras_head(t, p, same ? "same" : "valid");
        keras_tail(t, p);
        return true;
    }
    const int64_t oph =
        keras_output_padding(same, p->kernel_h, p->dilation_h, g->out_h, g->out_h + g->pad_top + g->pad_bottom);
    const int64_t opw =
        keras_output_padding(same, p->kernel_w, p->dilation_w, g->out_w, g->out_w + g->pad_left + g->pad_right);
    if (oph < 0 || oph >= p->stride_h || opw < 0 || opw >= p->stride_w) return false;
    keras_head(t, p, same ? "same" : "valid");
    text_put(t, ", output_padding=(%lld,%lld)", (long long)oph, (long long)opw);
    keras_tail(t, p);
    return true;
}

/* Any crop: 'valid' with output_padding = the trailing bias-only stretch (F + op outputs), then Cropping2D. */
static void keras_cropped(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    const long long oph = max0(-g->pad_bottom), opw = max0(-g->pad_right);
    if (oph >= p->stride_h || opw >= p->stride_w) {
        text_put(t, "not expressible: the output runs past the full result by the stride or more (output_padding < "
                    "strides)");
        return;
    }
    keras_head(t, p, "valid");
    text_put(t, ", output_padding=(%lld,%lld)", oph, opw);
    keras_tail(t, p);
    if (g->pad_top || g->pad_bottom > 0 || g->pad_left || g->pad_right > 0)
        text_put(t, ", then Cropping2D(((%lld,%lld),(%lld,%lld))%s)", (long long)g->pad_top, max0(g->pad_bottom),
                 (long long)g->pad_left, max0(g->pad_right), nchw(p) ? ", data_format='channels_first'" : "");
}

static void keras_transpose(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    if (p->groups != 1) {
        text_put(t, "not expressible: Conv2DTranspose has no groups argument");
        return;
    }
    if (keras_refuses(p)) {
        text_put(t, "not expressible: Keras refuses strides > 1 together with dilation_rate > 1");
        return;
    }
    const bool named = p->padding == TCONV_PADDING_SAME || p->padding == TCONV_PADDING_VALID;
    if (named && keras_named(t, p, g)) return;
    keras_cropped(t, p, g);
}

/* ------------------------------------------------------------------ PyTorch */

static void torch_tail(struct text *t, const struct tconv_params *p)
{
    text_put(t, ", dilation=(%lld,%lld), groups=%lld)", (long long)p->dilation_h, (long long)p->dilation_w,
             (long long)p->groups);
}

/* PyTorch's conv modules refuse to compute an empty output: pad the input up to one window on an empty
   axis, then slice the result back to nothing. */
static void torch_conv_empty(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    const int64_t keh = p->dilation_h * (p->kernel_h - 1) + 1, kew = p->dilation_w * (p->kernel_w - 1) + 1;
    const int64_t short_h = keh - (p->in_h + g->pad_top + g->pad_bottom);
    const int64_t short_w = kew - (p->in_w + g->pad_left + g->pad_right);
    text_put(t, "not expressible directly: PyTorch refuses an empty output; ");
    text_put(t, "F.pad(x, (%lld, %lld, %lld, %lld)), then ", (long long)g->pad_left,
             (long long)g->pad_right + (g->out_w == 0 ? max0(short_w) : 0), (long long)g->pad_top,
             (long long)g->pad_bottom + (g->out_h == 0 ? max0(short_h) : 0));
    text_put(t, "nn.Conv2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(0,0)", (long long)p->in_channels,
             (long long)p->out_channels, (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h,
             (long long)p->stride_w);
    torch_tail(t, p);
    text_put(t, ", then y[:, :, 0:%lld, 0:%lld]", (long long)g->out_h, (long long)g->out_w);
}

static void torch_conv(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    if (g->out_h == 0 || g->out_w == 0) {
        torch_conv_empty(t, p, g);
        return;
    }
    const bool symmetric = g->pad_top == g->pad_bottom && g->pad_left == g->pad_right;
    if (!symmetric) /* F.pad takes (left, right, top, bottom) */
        text_put(t, "F.pad(x, (%lld, %lld, %lld, %lld)), then ", (long long)g->pad_left, (long long)g->pad_right,
                 (long long)g->pad_top, (long long)g->pad_bottom);
    text_put(t, "nn.Conv2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(%lld,%lld)", (long long)p->in_channels,
             (long long)p->out_channels, (long long)p->kernel_h, (long long)p->kernel_w, (long long)p->stride_h,
             (long long)p->stride_w, symmetric ? (long long)g->pad_top : 0, symmetric ? (long long)g->pad_left : 0);
    torch_tail(t, p);
}

static void torch_transpose_call(struct text *t, const struct tconv_params *p, long long ph, long long pw,
                                 long long oph, long long opw)
{
    text_put(t,
             "nn.ConvTranspose2d(%lld, %lld, (%lld,%lld), stride=(%lld,%lld), padding=(%lld,%lld), "
             "output_padding=(%lld,%lld)",
             (long long)p->in_channels, (long long)p->out_channels, (long long)p->kernel_h, (long long)p->kernel_w,
             (long long)p->stride_h, (long long)p->stride_w, ph, pw, oph, opw);
    torch_tail(t, p);
}

/* PyTorch crops padding p at the start and p - output_padding at the end, 0 <= output_padding < max(s, d):
   it never crops more at the end than at the start. Otherwise: crop less and slice. */
static void torch_transpose(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    const int64_t oph = g->pad_top - g->pad_bottom, opw = g->pad_left - g->pad_right;
    const int64_t limh = p->stride_h > p->dilation_h ? p->stride_h : p->dilation_h;
    const int64_t limw = p->stride_w > p->dilation_w ? p->stride_w : p->dilation_w;
    const bool empty = g->out_h == 0 || g->out_w == 0; /* PyTorch refuses to compute an empty output */
    if (!empty && oph >= 0 && oph < limh && opw >= 0 && opw < limw) {
        torch_transpose_call(t, p, (long long)g->pad_top, (long long)g->pad_left, (long long)oph, (long long)opw);
        return;
    }
    /* padding c = min(begin, max(end, 0)) keeps full[c, F - c + op) with op = max(-end, 0); y starts begin - c in.
       An empty axis crops nothing (c = 0, op = 0): the full result, sliced to nothing. */
    const long long ch = g->out_h == 0                      ? 0
                         : g->pad_top < max0(g->pad_bottom) ? (long long)g->pad_top
                                                            : max0(g->pad_bottom);
    const long long cw = g->out_w == 0                      ? 0
                         : g->pad_left < max0(g->pad_right) ? (long long)g->pad_left
                                                            : max0(g->pad_right);
    const long long ah = (long long)g->pad_top - ch, aw = (long long)g->pad_left - cw;
    if (empty)
        text_put(t, "not expressible directly: PyTorch refuses an empty output; ");
    else
        text_put(
            t,
            "not expressible directly: the crop is %lld/%lld (top/bottom), %lld/%lld (left/right) and PyTorch crops "
            "at least as much at the start; ",
            (long long)g->pad_top, (long long)g->pad_bottom, (long long)g->pad_left, (long long)g->pad_right);
    torch_transpose_call(t, p, ch, cw, g->out_h == 0 ? 0 : max0(-g->pad_bottom),
                         g->out_w == 0 ? 0 : max0(-g->pad_right));
    text_put(t, ", then y[:, :, %lld:%lld, %lld:%lld]", ah, ah + (long long)g->out_h, aw, aw + (long long)g->out_w);
}

/* ------------------------------------------------------------------ ONNX */

static void onnx_tail(struct text *t, const struct tconv_params *p)
{
    text_put(t, " strides=[%lld,%lld]", (long long)p->stride_h, (long long)p->stride_w);
    if (dilated(p)) text_put(t, " dilations=[%lld,%lld]", (long long)p->dilation_h, (long long)p->dilation_w);
    if (p->groups != 1) text_put(t, " group=%lld", (long long)p->groups);
}

static void onnx_conv(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    text_put(t, "Conv pads=[%lld,%lld,%lld,%lld]", (long long)g->pad_top, (long long)g->pad_left,
             (long long)g->pad_bottom, (long long)g->pad_right);
    onnx_tail(t, p);
    if (p->padding == TCONV_PADDING_SAME) text_put(t, " (or auto_pad=SAME_UPPER)");
    if (p->padding == TCONV_PADDING_SAME_LOWER) text_put(t, " (or auto_pad=SAME_LOWER)");
}

/* With output_shape, ONNX splits total = F + output_padding - out itself: begin = total/2 under SAME_UPPER,
   total - total/2 otherwise. Which rule (if any) gives this crop on both axes. */
static const char *onnx_output_shape_rule(const struct tconv_geometry *g)
{
    const int64_t th = g->pad_top + max0(g->pad_bottom), tw = g->pad_left + max0(g->pad_right);
    if (th - th / 2 == g->pad_top && tw - tw / 2 == g->pad_left) return "";
    if (th / 2 == g->pad_top && tw / 2 == g->pad_left) return " and auto_pad=SAME_UPPER";
    return NULL;
}

/* pads are crops >= 0; a negative end crop (trailing bias-only outputs) is output_padding instead. */
static void onnx_transpose(struct text *t, const struct tconv_params *p, const struct tconv_geometry *g)
{
    const long long eh = max0(g->pad_bottom), ew = max0(g->pad_right);
    text_put(t, "ConvTranspose pads=[%lld,%lld,%lld,%lld] output_padding=[%lld,%lld]", (long long)g->pad_top,
             (long long)g->pad_left, eh, ew, eh - (long long)g->pad_bottom, ew - (long long)g->pad_right);
    onnx_tail(t, p);
    const char *rule = onnx_output_shape_rule(g);
    if (rule)
        text_put(t, " (or output_shape=[%lld,%lld]%s in place of pads)", (long long)g->out_h, (long long)g->out_w,
                 rule);
}

/* ------------------------------------------------------------------ */

size_t spell(enum spell_framework fw, bool transposed, const struct tconv_params *p, const struct tconv_geometry *g,
             char *buf, size_t len)
{
    struct text t = {buf, len, 0};
    if (len) buf[0] = '\0';
    switch (fw) {
    case SPELL_TENSORFLOW: (transposed ? tf_transpose : tf_conv)(&t, p, g); break;
    case SPELL_KERAS: (transposed ? keras_transpose : keras_conv)(&t, p, g); break;
    case SPELL_PYTORCH: (transposed ? torch_transpose : torch_conv)(&t, p, g); break;
    case SPELL_ONNX: (transposed ? onnx_transpose : onnx_conv)(&t, p, g); break;
    }
    return t.n;
}

void spell_print(FILE *f, bool transposed, const struct tconv_params *p, const struct tconv_geometry *g,
                 const char *indent)
{
    char line[SPELL_LINE_MAX];
    for (int fw = 0; fw < SPELL_FRAMEWORKS; fw++) {
        spell((enum spell_framework)fw, transposed, p, g, line, sizeof line);
        fprintf(f, "%s%-12s%s\n", indent, spell_framework_names[fw], line);
    }
}
