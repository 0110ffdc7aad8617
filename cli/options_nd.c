/*
 * options_nd.c - the shared options for 1-D and 3-D (see options_nd.h): the op's rank, and the per-axis
 * lists of a rank resolved into struct tconv_nd_params, with messages that name the option, the value and
 * the counts the rank takes.
 */
#include "options_nd.h"

#include <stdio.h>
#include <string.h>

/* Room for any list an option of rank <= 3 takes: TensorFlow's padding has 2 * (3 + 2) values. */
#define ND_LIST_MAX 16
/* Room for a forms text such as "S, SD,SH,SW or 1,SD,SH,SW,1". */
#define ND_FORMS_MAX 160

const char *cli_axis_name(int rank, int a)
{
    static const char *const names[TCONV_MAX_RANK] = {"depth", "height", "width"};
    return names[TCONV_MAX_RANK - rank + a];
}

const char *cli_layout_name(int rank, enum tconv_layout layout)
{
    static const char *const names[2][TCONV_MAX_RANK] = {{"NWC", "NHWC", "NDHWC"}, {"NCW", "NCHW", "NCDHW"}};
    return names[layout == TCONV_NCHW][rank - 1];
}

/* "D", "H", "W" of axis a of rank r. */
static char axis_letter(int rank, int a) { return "DHW"[TCONV_MAX_RANK - rank + a]; }

/* ------------------------------------------------------------------ the op and its rank */

int cli_forward_op_nd(const char *cmd, int argc, char **argv, int first, bool *transposed, int *rank)
{
    static const char *const names[] = {"conv", "conv1d", "conv2d", "conv3d"};
    if (first >= argc) return cli_usage(cmd, "which op? conv2d or conv2d_transpose (1-D: conv1d..., 3-D: conv3d...)");
    if (first + 1 < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[first + 1]);
    const char *op = argv[first];
    for (int r = 0; r <= TCONV_MAX_RANK; r++) {
        const size_t n = strlen(names[r]);
        if (strncmp(op, names[r], n) || (op[n] && strcmp(op + n, "_transpose"))) continue;
        *transposed = op[n] != '\0';
        *rank = r;
        return 0;
    }
    /* the 2-D message first, as it always was; then the other ranks */
    fprintf(stderr, "tconv %s: unknown op '%s' (conv2d or conv2d_transpose)\n", cmd, op);
    return cli_usage(cmd, "1-D and 3-D: conv1d, conv1d_transpose, conv3d, conv3d_transpose; conv and conv_transpose "
                          "take the rank from --input-shape");
}

int cli_shape_rank(const char *cmd, const struct cli_opts *o, int want, const char *op, int *rank)
{
    static const char *const forms[TCONV_MAX_RANK] = {"N,W,C", "N,H,W,C", "N,D,H,W,C"};
    const char *v = cli_text(o, OPT_INPUT_SHAPE);
    int64_t t[ND_LIST_MAX];
    char why[96];
    *rank = 0;
    if (!v) return 0;
    const int n = cli_int_list(v, t, ND_LIST_MAX, why, sizeof why);
    if (n >= 0) snprintf(why, sizeof why, "%d value%s", n, plural(n));
    if (want && n != want + 2)
        return cli_usage(cmd, "--input-shape wants %s for %s (%d values), got '%s': %s", forms[want - 1], op, want + 2,
                         v, why);
    if (n < 3 || n > TCONV_MAX_RANK + 2)
        return cli_usage(cmd,
                         "--input-shape wants N,W,C (1-D), N,H,W,C (2-D) or N,D,H,W,C (3-D): 3, 4 or 5 values in "
                         "--layout order, got '%s': %s",
                         v, why);
    *rank = n - 2;
    return 0;
}

/* ------------------------------------------------------------------ per-axis lists */

/* "S, SD,SH,SW or 1,SD,SH,SW,1": option letter l's spellings at rank r (tf: TensorFlow's full form too). */
static void axis_forms(char *buf, size_t len, char l, int rank, bool tf, bool nchw)
{
    size_t k = (size_t)snprintf(buf, len, "%c", l);
    if (rank > 1) {
        k += (size_t)snprintf(buf + k, len - k, "%s ", tf ? "," : " or");
        for (int a = 0; a < rank; a++)
            k += (size_t)snprintf(buf + k, len - k, "%s%c%c", a ? "," : "", l, axis_letter(rank, a));
    }
    if (!tf) return;
    k += (size_t)snprintf(buf + k, len - k, " or 1,%s", nchw ? "1," : "");
    if (rank == 1) k += (size_t)snprintf(buf + k, len - k, "%c", l); /* 1-D: the one value, as at the start */
    for (int a = 0; a < rank && rank > 1; a++)
        k += (size_t)snprintf(buf + k, len - k, "%s%c%c", a ? "," : "", l, axis_letter(rank, a));
    snprintf(buf + k, len - k, "%s", nchw ? "" : ",1");
}

/* The counts text of a per-axis option: "1 or 3 values", "1, 3 or 5 values", "1 value". */
static void axis_counts(char *buf, size_t len, int rank, bool tf)
{
    if (rank == 1)
        snprintf(buf, len, tf ? "1 or 3 values" : "1 value");
    else
        snprintf(buf, len, tf ? "1, %d or %d values" : "1 or %d values", rank, rank + 2);
}

/* TensorFlow's full form of --strides / --dilations: batch and channel entries 1; the spatial ones into v. */
static int tf_full_form(const char *cmd, const char *name, const char *s, const int64_t *t, int rank, bool nchw,
                        int64_t *v)
{
    const int64_t channel = nchw ? t[1] : t[rank + 1];
    if (t[0] != 1 || channel != 1)
        return cli_usage(cmd, "--%s %s: TensorFlow's %d-element form is %s for %s data (batch and channel entries 1)",
                         name, s, rank + 2,
                         rank == 1 ? (nchw ? "[1,1,W]" : "[1,W,1]")
                         : nchw    ? "[1,1,D,H,W]"
                                   : "[1,D,H,W,1]",
                         cli_layout_name(rank, nchw ? TCONV_NCHW : TCONV_NHWC));
    for (int a = 0; a < rank; a++) v[a] = t[a + (nchw ? 2 : 1)];
    return 0;
}

/* A per-axis option: V (every axis), one value per axis, or with tf TensorFlow's rank + 2 in --layout order. */
static int axes(const char *cmd, const struct cli_opts *o, int id, char letter, int rank, bool tf, int64_t *v)
{
    const char *s = cli_text(o, id), *name = cli_option_name(id);
    const bool nchw = o->p.layout == TCONV_NCHW;
    if (!s) return 0;
    int64_t t[ND_LIST_MAX];
    char why[96], forms[ND_FORMS_MAX], counts[48];
    axis_forms(forms, sizeof forms, letter, rank, tf, nchw);
    axis_counts(counts, sizeof counts, rank, tf);
    const int n = cli_int_list(s, t, ND_LIST_MAX, why, sizeof why);
    if (n < 0) return cli_usage(cmd, "--%s wants %s, got '%s': %s", name, forms, s, why);
    if (n == 1 || n == rank) {
        for (int a = 0; a < rank; a++) v[a] = t[n == 1 ? 0 : a];
        return 0;
    }
    if (tf && n == rank + 2) return tf_full_form(cmd, name, s, t, rank, nchw, v);
    return cli_usage(cmd, "--%s wants %s (%d-D: %s), got %d value%s in '%s'", name, forms, rank, counts, n, plural(n),
                     s);
}

/* ------------------------------------------------------------------ padding */

/* "P, PD,PH,PW, [[b,e],[b,e],[b,e]] or [[0,0],[b,e],[b,e],[b,e],[0,0]]" of rank r. */
static void padding_forms(char *buf, size_t len, int rank, bool nchw)
{
    static const char *const per_axis[TCONV_MAX_RANK] = {"", "PH,PW, ", "PD,PH,PW, "};
    static const char *const pairs[TCONV_MAX_RANK] = {"[b,e]", "[b,e],[b,e]", "[b,e],[b,e],[b,e]"};
    snprintf(buf, len, "SAME, VALID, SAME_LOWER, P, %s[%s] (begin, end per axis) or [[0,0],%s%s%s]", per_axis[rank - 1],
             pairs[rank - 1], nchw ? "[0,0]," : "", pairs[rank - 1], nchw ? "" : ",[0,0]");
}

/* --padding as a list of n values t: P, one per axis, begin/end per axis, or TensorFlow's full list. */
static int padding_values(const char *cmd, struct cli_nd *nd, const char *s, const int64_t *t, int n, bool nchw)
{
    struct tconv_nd_params *p = &nd->p;
    const int r = p->rank, full = 2 * (r + 2);
    const int64_t *pairs = n == full ? t + (nchw ? 4 : 2) : t; /* begin, end per axis from here */
    if (n == full && (t[0] || t[1] || (nchw ? t[2] || t[3] : t[full - 2] || t[full - 1])))
        return cli_usage(cmd, "--padding %s: the batch and channel pads must be 0 (%s data)", s,
                         cli_layout_name(r, p->layout));
    for (int a = 0; a < r; a++) {
        const bool symmetric = n == 1 || (n == r && r > 1);
        p->pad_before[a] = symmetric ? t[n == 1 ? 0 : a] : pairs[2 * a];
        p->pad_after[a] = symmetric ? t[n == 1 ? 0 : a] : pairs[2 * a + 1];
    }
    p->padding = TCONV_PADDING_EXPLICIT;
    return 0;
}

static int padding_list(const char *cmd, struct cli_nd *nd, const char *s)
{
    const int r = nd->p.rank;
    const bool nchw = nd->p.layout == TCONV_NCHW;
    char forms[ND_FORMS_MAX], why[96];
    int64_t t[ND_LIST_MAX];
    padding_forms(forms, sizeof forms, r, nchw);
    const int n = cli_int_list(s, t, ND_LIST_MAX, why, sizeof why);
    if (n < 0) return cli_usage(cmd, "--padding wants %s, got '%s': %s", forms, s, why);
    if (n == 1 || n == r || n == 2 * r || n == 2 * (r + 2)) return padding_values(cmd, nd, s, t, n, nchw);
    if (r == 1)
        return cli_usage(cmd, "--padding wants %s (1-D: 1, 2 or 6 values), got %d value%s in '%s'", forms, n, plural(n),
                         s);
    return cli_usage(cmd, "--padding wants %s (%d-D: 1, %d, %d or %d values), got %d value%s in '%s'", forms, r, r,
                     2 * r, 2 * (r + 2), n, plural(n), s);
}

/* --pads: ONNX's begins for every axis, then the ends. */
static int onnx_pads(const char *cmd, struct cli_nd *nd, const char *s)
{
    static const char *const forms[TCONV_MAX_RANK] = {"B,E", "BH,BW,EH,EW", "BD,BH,BW,ED,EH,EW"};
    const int r = nd->p.rank;
    int64_t t[ND_LIST_MAX];
    char why[96];
    const int n = cli_int_list(s, t, ND_LIST_MAX, why, sizeof why);
    if (n != 2 * r) {
        if (n >= 0) snprintf(why, sizeof why, "%d value%s", n, plural(n));
        return cli_usage(cmd, "--pads wants %s (ONNX order, begins then ends: %d values for %d-D), got '%s': %s",
                         forms[r - 1], 2 * r, r, s, why);
    }
    for (int a = 0; a < r; a++) {
        nd->p.pad_before[a] = t[a];
        nd->p.pad_after[a] = t[r + a];
    }
    nd->p.padding = TCONV_PADDING_EXPLICIT;
    return 0;
}

static int resolve_padding_nd(const char *cmd, const struct cli_opts *o, struct cli_nd *nd)
{
    const char *pad = cli_text(o, OPT_PADDING), *pads = cli_text(o, OPT_PADS);
    const int mode = pad ? cli_padding_mode(pad) : -1;
    if (pad && pads)
        return cli_usage(cmd, "--padding %s and --pads %s conflict: %s; give one", pad, pads,
                         mode >= 0 ? "a padding mode and explicit pads" : "two explicit spellings of the pads");
    if (mode >= 0) {
        nd->p.padding = (enum tconv_padding)mode;
        return 0;
    }
    if (pad) return padding_list(cmd, nd, pad);
    return pads ? onnx_pads(cmd, nd, pads) : 0;
}

/* ------------------------------------------------------------------ shapes */

static int resolve_shapes_nd(const char *cmd, const struct cli_opts *o, struct cli_nd *nd)
{
    static const char *const forms[TCONV_MAX_RANK] = {"W or N,W,C", "H,W or N,H,W,C", "D,H,W or N,D,H,W,C"};
    const int r = nd->p.rank;
    const char *v = cli_text(o, OPT_INPUT_SHAPE);
    char why[96];
    static const char *const shapes[TCONV_MAX_RANK] = {"N,W,C", "N,H,W,C", "N,D,H,W,C"};
    if (v && cli_int_list(v, nd->in, CLI_ND_DIMS, why, sizeof why) != r + 2) /* run: x said the rank */
        return cli_usage(cmd, "--input-shape wants %s (%d values) for this %d-D %s, got '%s'", shapes[r - 1], r + 2, r,
                         cmd, v);
    if ((v = cli_text(o, OPT_OUTPUT_SHAPE))) {
        int64_t t[ND_LIST_MAX];
        const int n = cli_int_list(v, t, ND_LIST_MAX, why, sizeof why);
        if (n >= 0) snprintf(why, sizeof why, "%d value%s", n, plural(n));
        if (n != r && n != r + 2)
            return cli_usage(cmd, "--output-shape wants %s (%d or %d values for %d-D), got '%s': %s", forms[r - 1], r,
                             r + 2, r, v, why);
        memcpy(nd->out, t, (size_t)n * sizeof *t);
        nd->n_out = n;
    }
    if ((v = cli_text(o, OPT_FILTERS)) && cli_int(cmd, "--filters", v, INT64_MIN, INT64_MAX, &nd->filters))
        return CLI_USAGE;
    if ((v = cli_text(o, OPT_GROUPS)) && cli_int(cmd, "--groups", v, INT64_MIN, INT64_MAX, &nd->p.groups))
        return CLI_USAGE;
    return 0;
}

int cli_resolve_nd(const char *cmd, struct cli_opts *o, int rank, struct cli_nd *nd)
{
    memset(nd, 0, sizeof *nd);
    tconv_nd_params_init(&nd->p, rank);
    int rc = cli_resolve_names(cmd, o, rank); /* first: TensorFlow's full lists read the layout */
    struct tconv_nd_params *p = &nd->p;
    p->layout = o->p.layout;
    p->filter_layout = o->p.filter_layout;
    if (!rc) rc = axes(cmd, o, OPT_KERNEL_SIZE, 'K', rank, false, p->kernel);
    if (!rc) rc = axes(cmd, o, OPT_STRIDES, 'S', rank, true, p->stride);
    if (!rc) rc = axes(cmd, o, OPT_DILATIONS, 'D', rank, true, p->dilation);
    if (!rc) rc = axes(cmd, o, OPT_OUTPUT_PADDING, 'P', rank, false, p->output_padding);
    if (!rc) rc = resolve_padding_nd(cmd, o, nd);
    if (!rc) rc = resolve_shapes_nd(cmd, o, nd);
    return rc;
}

void cli_nd_split(int rank, enum tconv_layout layout, const int64_t *s, int64_t *n, int64_t *sp, int64_t *c)
{
    const bool nchw = layout == TCONV_NCHW;
    *n = s[0];
    *c = nchw ? s[1] : s[rank + 1];
    for (int a = 0; a < rank; a++) sp[a] = s[a + (nchw ? 2 : 1)];
}

void cli_nd_join(int rank, enum tconv_layout layout, int64_t n, const int64_t *sp, int64_t c, int64_t *s)
{
    const bool nchw = layout == TCONV_NCHW;
    s[0] = n;
    s[nchw ? 1 : rank + 1] = c;
    for (int a = 0; a < rank; a++) s[a + (nchw ? 2 : 1)] = sp[a];
}

int cli_apply_shapes_nd(const char *cmd, const struct cli_opts *o, struct cli_nd *nd)
{
    if (!cli_text(o, OPT_INPUT_SHAPE) || !cli_text(o, OPT_KERNEL_SIZE))
        return cli_usage(cmd, "--input-shape and --kernel-size are required");
    struct tconv_nd_params *p = &nd->p;
    const int r = p->rank;
    cli_nd_split(r, p->layout, nd->in, &p->batch, p->in, &p->in_channels);
    p->out_channels = cli_text(o, OPT_FILTERS) ? nd->filters : p->in_channels;
    if (nd->n_out == r) memcpy(p->out, nd->out, (size_t)r * sizeof *p->out);
    if (nd->n_out != r + 2) return 0;
    int64_t n, c;
    cli_nd_split(r, p->layout, nd->out, &n, p->out, &c);
    if (n != p->batch)
        return cli_fail(cmd, "--output-shape batch %lld differs from the input batch %lld", (long long)n,
                        (long long)p->batch);
    if (cli_text(o, OPT_FILTERS) && c != nd->filters)
        return cli_fail(cmd, "--output-shape channels %lld differ from --filters %lld", (long long)c,
                        (long long)nd->filters);
    p->out_channels = c;
    return 0;
}
