/*
 * spell_nd.c - the four frameworks' spellings of a 1-D or 3-D configuration (see spell_nd.h).
 *
 * Notation as spell.c's, per axis a: pad_before[a] / pad_after[a] are the conv's pads or the transposed
 * conv's begin / end crops of its full result F = out + begin + end (a negative end crop: trailing outputs
 * that get no input). A rank-1 tuple is printed as its one number (16, not (16,)), as the frameworks take it.
 */
#include "spell_nd.h"

#include "plural.h"
#include "text.h"

/* Enough for any spelling (spell.c's SPELL_LINE_MAX, three axes). */
#define SPELL_ND_LINE_MAX 1536

static long long max0(int64_t v) { return v > 0 ? (long long)v : 0; }
static bool nchw(const struct tconv_nd_params *p) { return p->layout == TCONV_NCHW; }

static bool any_above_one(const int64_t *v, int rank)
{
    for (int a = 0; a < rank; a++)
        if (v[a] != 1) return true;
    return false;
}

static bool dilated(const struct tconv_nd_params *p) { return any_above_one(p->dilation, p->rank); }
/* Keras's base convolution refuses strides > 1 together with dilation_rate > 1 (any axes). */
static bool keras_refuses(const struct tconv_nd_params *p) { return any_above_one(p->stride, p->rank) && dilated(p); }

/* "16" at rank 1, "(2,2,2)" otherwise: Keras's and PyTorch's per-axis arguments. */
static void tuple(struct text *t, const int64_t *v, int rank)
{
    if (rank == 1) {
        text_put(t, "%lld", (long long)v[0]);
        return;
    }
    text_put(t, "(");
    for (int a = 0; a < rank; a++) text_put(t, "%s%lld", a ? "," : "", (long long)v[a]);
    text_put(t, ")");
}

/* "[a,b,c]": ONNX's attributes. */
static void list(struct text *t, const int64_t *v, int rank)
{
    text_put(t, "[");
    for (int a = 0; a < rank; a++) text_put(t, "%s%lld", a ? "," : "", (long long)v[a]);
    text_put(t, "]");
}

/* "(b,e)" at rank 1, "((b,e),(b,e),(b,e))" otherwise: Keras's ZeroPadding and Cropping layers; ends >= 0. */
static void pairs(struct text *t, const int64_t *b, const int64_t *e, int rank)
{
    if (rank > 1) text_put(t, "(");
    for (int a = 0; a < rank; a++) text_put(t, "%s(%lld,%lld)", a ? "," : "", (long long)b[a], max0(e[a]));
    if (rank > 1) text_put(t, ")");
}

/* A shape in data_format order: [n, s.., c] or [n, c, s..]. */
static void shape(struct text *t, const struct tconv_nd_params *p, int64_t n, const int64_t *s, int64_t c)
{
    text_put(t, "[%lld", (long long)n);
    if (nchw(p)) text_put(t, ",%lld", (long long)c);
    for (int a = 0; a < p->rank; a++) text_put(t, ",%lld", (long long)s[a]);
    if (!nchw(p)) text_put(t, ",%lld", (long long)c);
    text_put(t, "]");
}

/* numpy's slice of y keeping [from[a], from[a] + out[a]) of each axis, in data_format order. */
static void slice(struct text *t, const struct tconv_nd_params *p, const int64_t *from, const int64_t *out)
{
    text_put(t, "y[:, %s", nchw(p) ? ":, " : "");
    for (int a = 0; a < p->rank; a++)
        text_put(t, "%lld:%lld%s", (long long)from[a], (long long)(from[a] + out[a]), a + 1 < p->rank ? ", " : "");
    text_put(t, "%s]", nchw(p) ? "" : ", :");
}

static const char *tf_format(const struct tconv_nd_params *p) { return p->rank == 1 ? "NCW" : "NCDHW"; }

/* p with padding mode m and, for a transposed conv, out (else computed): a named mode takes no pads. */
static struct tconv_nd_params with_mode(const struct tconv_nd_params *p, enum tconv_padding m, const int64_t *out)
{
    struct tconv_nd_params q = *p;
    q.padding = m;
    for (int a = 0; a < p->rank; a++) {
        q.out[a] = out ? out[a] : 0;
        q.output_padding[a] = q.pad_before[a] = q.pad_after[a] = 0;
    }
    return q;
}

/* ------------------------------------------------------------------ TensorFlow */

/* TensorFlow's per-axis argument: the number at rank 1, the full [1,v..,1] / [1,1,v..] list at rank 3. */
static void tf_axes(struct text *t, const struct tconv_nd_params *p, const int64_t *v)
{
    if (p->rank == 1) {
        text_put(t, "%lld", (long long)v[0]);
        return;
    }
    text_put(t, "[1,%s%lld,%lld,%lld%s]", nchw(p) ? "1," : "", (long long)v[0], (long long)v[1], (long long)v[2],
             nchw(p) ? "" : ",1");
}

/*
 * TensorFlow's 1-D and 3-D ops pad 'SAME' or 'VALID' only: p's own mode when it is one of them, else the one
 * that gives g's pads (and size), VALID first (PyTorch's padding=0), or NULL. An explicit padding often is one
 * of them (HiFi-GAN's padding=4 with out 256 is SAME's split).
 */
static const char *tf_named(bool tr, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    static const enum tconv_padding modes[2] = {TCONV_PADDING_VALID, TCONV_PADDING_SAME};
    if (p->padding == TCONV_PADDING_SAME || p->padding == TCONV_PADDING_VALID)
        return p->padding == TCONV_PADDING_SAME ? "SAME" : "VALID";
    for (int m = 0; m < 2; m++) {
        const struct tconv_nd_params q = with_mode(p, modes[m], tr ? g->out : NULL);
        struct tconv_nd_geometry h;
        if ((tr ? tconv_convnd_transpose_geometry : tconv_convnd_geometry)(&q, &h) != TCONV_OK) continue;
        bool same = true;
        for (int a = 0; a < p->rank; a++)
            same = same && h.out[a] == g->out[a] && h.pad_before[a] == g->pad_before[a] &&
                   h.pad_after[a] == g->pad_after[a];
        if (same) return m ? "SAME" : "VALID";
    }
    return NULL;
}

static void tf_tail(struct text *t, const struct tconv_nd_params *p)
{
    if (nchw(p)) text_put(t, ", data_format='%s'", tf_format(p));
    if (dilated(p)) {
        text_put(t, ", dilations=");
        tf_axes(t, p, p->dilation);
    }
    text_put(t, ")");
}

/* tf.nn.conv1d takes stride=, tf.nn.conv3d strides=; other pads are a tf.pad in front of a 'VALID' conv. */
static void tf_conv(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    const char *named = tf_named(false, p, g);
    if (!named) {
        text_put(t, "tf.pad(x, [[0,0],%s", nchw(p) ? "[0,0]," : "");
        for (int a = 0; a < p->rank; a++)
            text_put(t, "[%lld,%lld]%s", (long long)g->pad_before[a], (long long)g->pad_after[a],
                     a + 1 < p->rank ? "," : "");
        text_put(t, "%s]), then ", nchw(p) ? "" : ",[0,0]");
    }
    text_put(t, "tf.nn.conv%dd(x, w, %s=", p->rank, p->rank == 1 ? "stride" : "strides");
    tf_axes(t, p, p->stride);
    text_put(t, ", padding='%s'", named ? named : "VALID");
    tf_tail(t, p);
}

static void tf_transpose_call(struct text *t, const struct tconv_nd_params *p, const int64_t *out, const char *pad)
{
    text_put(t, "tf.nn.conv%dd_transpose(x, w, output_shape=", p->rank);
    shape(t, p, p->batch, out, p->out_channels);
    text_put(t, ", strides=");
    tf_axes(t, p, p->stride);
    text_put(t, ", padding='%s'", pad);
    tf_tail(t, p);
}

/* Other crops: 'VALID' (nothing cropped, out in [F, F + s - 1]) with the trailing bias-only stretch, then a slice. */
static void tf_transpose(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    const char *named = tf_named(true, p, g);
    if (named) {
        tf_transpose_call(t, p, g->out, named);
        return;
    }
    int64_t out[TCONV_MAX_RANK] = {0, 0, 0};
    for (int a = 0; a < p->rank; a++) out[a] = g->out[a] + g->pad_before[a] + max0(g->pad_after[a]);
    const struct tconv_nd_params q = with_mode(p, TCONV_PADDING_VALID, out);
    struct tconv_nd_geometry h;
    if (tconv_convnd_transpose_geometry(&q, &h) != TCONV_OK) {
        text_put(t,
                 "not expressible: TensorFlow's 1-D and 3-D transposed convs take padding 'SAME' or 'VALID' only, and "
                 "'VALID' cannot reach this size");
        return;
    }
    text_put(t, "not expressible directly: TensorFlow's 1-D and 3-D ops pad 'SAME' or 'VALID' only; ");
    tf_transpose_call(t, p, q.out, "VALID");
    text_put(t, ", then ");
    slice(t, p, g->pad_before, g->out);
}

/* ------------------------------------------------------------------ Keras */

static void keras_tail(struct text *t, const struct tconv_nd_params *p)
{
    if (dilated(p)) {
        text_put(t, ", dilation_rate=");
        tuple(t, p->dilation, p->rank);
    }
    if (nchw(p)) text_put(t, ", data_format='channels_first'");
    text_put(t, ")");
}

static void keras_head(struct text *t, const struct tconv_nd_params *p, bool tr, const char *padding)
{
    text_put(t, "Conv%dD%s(%lld, ", p->rank, tr ? "Transpose" : "", (long long)p->out_channels);
    tuple(t, p->kernel, p->rank);
    text_put(t, ", strides=");
    tuple(t, p->stride, p->rank);
    text_put(t, ", padding='%s'", padding);
}

/* Conv1D's padding='causal': all of the dilated kernel's reach before x, nothing after. */
static bool keras_causal(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    return p->rank == 1 && g->pad_before[0] == p->dilation[0] * (p->kernel[0] - 1) && g->pad_after[0] == 0 &&
           g->pad_before[0] > 0;
}

/* 'same', 'valid' (or 'causal'); other pads are a ZeroPadding layer in front of a 'valid' conv. */
static void keras_conv(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    if (keras_refuses(p)) {
        text_put(t, "not expressible: Keras refuses strides > 1 together with dilation_rate > 1");
        return;
    }
    const char *named = tf_named(false, p, g);
    const bool causal = !named && keras_causal(p, g);
    if (!named && !causal) {
        text_put(t, "ZeroPadding%dD(", p->rank);
        pairs(t, g->pad_before, g->pad_after, p->rank);
        text_put(t, "%s), then ", nchw(p) ? ", data_format='channels_first'" : "");
    }
    keras_head(t, p, false, causal ? "causal" : named && named[0] == 'S' ? "same" : "valid");
    if (p->groups != 1) text_put(t, ", groups=%lld", (long long)p->groups);
    keras_tail(t, p);
}

/* 'same' / 'valid' with Keras's default size or an output_padding < stride per axis: true when that spells it.
   Keras's size for output_padding op: (in-1)*s + ke - 2*pad + op, pad = ke/2 ('same') or 0 ('valid'). */
static bool keras_named(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g,
                        const char *named)
{
    const bool same = named[0] == 'S';
    /* out 0: Keras's default size */
    const struct tconv_nd_params q = with_mode(p, same ? TCONV_PADDING_SAME : TCONV_PADDING_VALID, NULL);
    struct tconv_nd_geometry keras;
    int64_t op[TCONV_MAX_RANK] = {0, 0, 0};
    bool is_default = true, fits = true;
    if (tconv_convnd_transpose_geometry(&q, &keras) != TCONV_OK) return false;
    for (int a = 0; a < p->rank; a++) {
        const int64_t ke = p->dilation[a] * (p->kernel[a] - 1) + 1,
                      full = g->out[a] + g->pad_before[a] + g->pad_after[a];
        op[a] = g->out[a] - (full - (same ? 2 * (ke / 2) : 0));
        is_default = is_default && keras.out[a] == g->out[a];
        fits = fits && op[a] >= 0 && op[a] < p->stride[a];
    }
    if (!is_default && !fits) return false;
    keras_head(t, p, true, same ? "same" : "valid");
    if (!is_default) {
        text_put(t, ", output_padding=");
        tuple(t, op, p->rank);
    }
    keras_tail(t, p);
    return true;
}

/* Any crop: 'valid' with output_padding = the trailing bias-only stretch, then a Cropping layer. */
static void keras_cropped(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    int64_t op[TCONV_MAX_RANK] = {0, 0, 0};
    bool crop = false;
    for (int a = 0; a < p->rank; a++) {
        op[a] = max0(-g->pad_after[a]);
        crop = crop || g->pad_before[a] || g->pad_after[a] > 0;
        if (op[a] >= p->stride[a]) {
            text_put(t, "not expressible: the output runs past the full result by the stride or more (output_padding < "
                        "strides)");
            return;
        }
    }
    keras_head(t, p, true, "valid");
    text_put(t, ", output_padding=");
    tuple(t, op, p->rank);
    keras_tail(t, p);
    if (!crop) return;
    /* Cropping1D has no data_format (it crops axis 1): channels first, the channels go last around it */
    const bool permute = p->rank == 1 && nchw(p);
    text_put(t, ", then %sCropping%dD(", permute ? "Permute((2,1)), " : "", p->rank);
    pairs(t, g->pad_before, g->pad_after, p->rank);
    text_put(t, "%s)%s", nchw(p) && !permute ? ", data_format='channels_first'" : "",
             permute ? ", Permute((2,1))" : "");
}

static void keras_transpose(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    if (p->groups != 1) {
        text_put(t, "not expressible: Conv%dDTranspose has no groups argument", p->rank);
        return;
    }
    if (keras_refuses(p)) {
        text_put(t, "not expressible: Keras refuses strides > 1 together with dilation_rate > 1");
        return;
    }
    const char *named = tf_named(true, p, g);
    if (named && keras_named(t, p, g, named)) return;
    keras_cropped(t, p, g);
}

/* ------------------------------------------------------------------ PyTorch */

static void torch_tail(struct text *t, const struct tconv_nd_params *p)
{
    text_put(t, ", dilation=");
    tuple(t, p->dilation, p->rank);
    text_put(t, ", groups=%lld)", (long long)p->groups);
}

/* F.pad's pads: the last axis first, (begin, end) each. */
static void torch_pad(struct text *t, const int64_t *b, const int64_t *e, int rank)
{
    text_put(t, "F.pad(x, (");
    for (int a = rank - 1; a >= 0; a--) text_put(t, "%lld, %lld%s", (long long)b[a], (long long)e[a], a ? ", " : "");
    text_put(t, ")), then ");
}

static void torch_conv_call(struct text *t, const struct tconv_nd_params *p, const int64_t *pad)
{
    text_put(t, "nn.Conv%dd(%lld, %lld, ", p->rank, (long long)p->in_channels, (long long)p->out_channels);
    tuple(t, p->kernel, p->rank);
    text_put(t, ", stride=");
    tuple(t, p->stride, p->rank);
    text_put(t, ", padding=");
    tuple(t, pad, p->rank);
    torch_tail(t, p);
}

/* Symmetric pads are padding=; others an F.pad in front. PyTorch refuses an empty output: an empty axis is
   padded up to one window and the result sliced back to nothing. */
static void torch_conv(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    static const int64_t zero[TCONV_MAX_RANK] = {0, 0, 0};
    int64_t end[TCONV_MAX_RANK];
    bool symmetric = true, empty = false;
    for (int a = 0; a < p->rank; a++) {
        const int64_t ke = p->dilation[a] * (p->kernel[a] - 1) + 1;
        const int64_t short_by = ke - (p->in[a] + g->pad_before[a] + g->pad_after[a]);
        end[a] = g->pad_after[a] + (g->out[a] == 0 ? max0(short_by) : 0);
        symmetric = symmetric && g->pad_before[a] == g->pad_after[a];
        empty = empty || g->out[a] == 0;
    }
    if (empty) text_put(t, "not expressible directly: PyTorch refuses an empty output; ");
    if (!symmetric || empty) torch_pad(t, g->pad_before, end, p->rank);
    torch_conv_call(t, p, symmetric && !empty ? g->pad_before : zero);
    if (!empty) return;
    text_put(t, ", then ");
    slice(t, &(struct tconv_nd_params){.rank = p->rank, .layout = TCONV_NCHW}, zero, g->out);
}

static void torch_transpose_call(struct text *t, const struct tconv_nd_params *p, const int64_t *pad, const int64_t *op)
{
    text_put(t, "nn.ConvTranspose%dd(%lld, %lld, ", p->rank, (long long)p->in_channels, (long long)p->out_channels);
    tuple(t, p->kernel, p->rank);
    text_put(t, ", stride=");
    tuple(t, p->stride, p->rank);
    text_put(t, ", padding=");
    tuple(t, pad, p->rank);
    text_put(t, ", output_padding=");
    tuple(t, op, p->rank);
    torch_tail(t, p);
}

/* PyTorch crops padding c at the start and c - output_padding at the end, 0 <= output_padding < max(s, d). Per
   axis: that, or c = min(begin, max(end, 0)), op = max(-end, 0) and a slice starting begin - c in. */
static void torch_transpose(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    int64_t c[TCONV_MAX_RANK] = {0}, op[TCONV_MAX_RANK] = {0}, from[TCONV_MAX_RANK] = {0};
    bool direct = true, empty = false;
    for (int a = 0; a < p->rank; a++) {
        const int64_t b = g->pad_before[a], e = g->pad_after[a], d = b - e;
        const int64_t lim = p->stride[a] > p->dilation[a] ? p->stride[a] : p->dilation[a];
        empty = empty || g->out[a] == 0;
        direct = direct && d >= 0 && d < lim;
        c[a] = g->out[a] == 0 ? 0 : b < max0(e) ? b : max0(e); /* an empty axis crops nothing */
        op[a] = g->out[a] == 0 ? 0 : max0(-e);
        from[a] = b - c[a];
    }
    if (direct && !empty) {
        for (int a = 0; a < p->rank; a++) op[a] = g->pad_before[a] - g->pad_after[a];
        torch_transpose_call(t, p, g->pad_before, op);
        return;
    }
    if (empty)
        text_put(t, "not expressible directly: PyTorch refuses an empty output; ");
    else
        text_put(t, "not expressible directly: PyTorch crops at least as much at the start as at the end; ");
    torch_transpose_call(t, p, c, op);
    text_put(t, ", then ");
    slice(t, &(struct tconv_nd_params){.rank = p->rank, .layout = TCONV_NCHW}, from, g->out);
}

/* ------------------------------------------------------------------ ONNX */

static void onnx_pads(struct text *t, const int64_t *b, const int64_t *e, int rank)
{
    text_put(t, " pads=[");
    for (int a = 0; a < 2 * rank; a++)
        text_put(t, "%s%lld", a ? "," : "", a < rank ? (long long)b[a] : max0(e[a - rank]));
    text_put(t, "]");
}

static void onnx_tail(struct text *t, const struct tconv_nd_params *p)
{
    text_put(t, " strides=");
    list(t, p->stride, p->rank);
    if (dilated(p)) {
        text_put(t, " dilations=");
        list(t, p->dilation, p->rank);
    }
    if (p->groups != 1) text_put(t, " group=%lld", (long long)p->groups);
}

static void onnx_conv(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    text_put(t, "Conv kernel_shape=");
    list(t, p->kernel, p->rank);
    onnx_pads(t, g->pad_before, g->pad_after, p->rank);
    onnx_tail(t, p);
    if (p->padding == TCONV_PADDING_SAME) text_put(t, " (or auto_pad=SAME_UPPER)");
    if (p->padding == TCONV_PADDING_SAME_LOWER) text_put(t, " (or auto_pad=SAME_LOWER)");
}

/* With output_shape, ONNX splits total = F + output_padding - out itself: begin = total/2 under SAME_UPPER,
   total - total/2 otherwise. Which rule (if any) gives this crop on every axis. */
static const char *onnx_output_shape_rule(const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    bool lower = true, upper = true;
    for (int a = 0; a < p->rank; a++) {
        const int64_t total = g->pad_before[a] + max0(g->pad_after[a]);
        lower = lower && total - total / 2 == g->pad_before[a];
        upper = upper && total / 2 == g->pad_before[a];
    }
    return lower ? "" : upper ? " and auto_pad=SAME_UPPER" : NULL;
}

/* pads are crops >= 0; a negative end crop (trailing bias-only outputs) is output_padding instead. */
static void onnx_transpose(struct text *t, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g)
{
    int64_t op[TCONV_MAX_RANK];
    for (int a = 0; a < p->rank; a++) op[a] = max0(-g->pad_after[a]);
    text_put(t, "ConvTranspose kernel_shape=");
    list(t, p->kernel, p->rank);
    onnx_pads(t, g->pad_before, g->pad_after, p->rank);
    text_put(t, " output_padding=");
    list(t, op, p->rank);
    onnx_tail(t, p);
    const char *rule = onnx_output_shape_rule(p, g);
    if (!rule) return;
    text_put(t, " (or output_shape=");
    list(t, g->out, p->rank);
    text_put(t, "%s in place of pads)", rule);
}

/* ------------------------------------------------------------------ */

size_t spell_nd(enum spell_framework fw, bool transposed, const struct tconv_nd_params *p,
                const struct tconv_nd_geometry *g, char *buf, size_t len)
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

void spell_nd_print(FILE *f, bool transposed, const struct tconv_nd_params *p, const struct tconv_nd_geometry *g,
                    const char *indent)
{
    char line[SPELL_ND_LINE_MAX];
    for (int fw = 0; fw < SPELL_FRAMEWORKS; fw++) {
        spell_nd((enum spell_framework)fw, transposed, p, g, line, sizeof line);
        fprintf(f, "%s%-12s%s\n", indent, spell_framework_names[fw], line);
    }
}
