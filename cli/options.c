/*
 * options.c - the shared option spellings of tconv shape, run and overlap (see options.h): the
 * getopt_long loop with one message format for every command-line error, strict integer lists, and
 * the resolution of the options' texts into struct tconv_params.
 */
#define _GNU_SOURCE /* getopt_long */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const char *const cli_padding_names[4] = {"VALID", "SAME", "SAME_LOWER", "EXPLICIT"};
const char *const cli_filter_layout_names[5] = {"DEFAULT", "HWIO", "OIHW", "HWOI", "IOHW"};
const char *const cli_algorithm_names[4] = {"auto", "gemm", "subpixel", "direct"};
static const char *const layout_names[2] = {"NHWC", "NCHW"};
/* --padding's names; SAME_UPPER is ONNX's name for TensorFlow's SAME */
static const char *const padding_mode_names[4] = {"VALID", "SAME", "SAME_LOWER", "SAME_UPPER"};

/* The shared table once more, to name an option in messages. */
static const struct option shared_table[] = {CLI_SHARED_OPTIONS, {NULL, 0, NULL, 0}};

/* Deepest bracket nesting of a list: TensorFlow's [[0,0],[t,b],[l,r],[0,0]] needs 2. */
#define LIST_MAX_DEPTH 4

__attribute__((format(printf, 2, 0))) static void vreport(const char *cmd, const char *fmt, va_list ap)
{
    fprintf(stderr, "tconv%s%s: ", cmd ? " " : "", cmd ? cmd : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    fprintf(stderr, "(see 'tconv%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
    return CLI_USAGE;
}

int cli_fail(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vreport(cmd, fmt, ap);
    va_end(ap);
    return CLI_FAILED;
}

int cli_enum(const char *s, const char *const *names, int n)
{
    for (int i = 0; i < n; i++)
        if (!strcasecmp(s, names[i])) return i;
    return -1;
}

/* ------------------------------------------------------------------ integer lists */

static int list_error(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int list_error(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, whylen, fmt, ap);
    va_end(ap);
    return -1;
}

static bool opening(char c) { return c == '[' || c == '('; }
static bool closing(char c) { return c == ']' || c == ')'; }

/* One whole int64 at *s (sign, digits); advances *s past it. */
static int list_number(const char **s, int64_t *v, char *why, size_t whylen)
{
    const char *start = *s;
    char *end;
    errno = 0;
    const long long x = strtoll(start, &end, 10);
    if (end == start || (*end && !strchr(",]) ", *end)))
        return list_error(why, whylen, "'%.*s' is not an integer", (int)strcspn(start, ",]) "), start);
    if (errno == ERANGE) return list_error(why, whylen, "%.*s is out of range", (int)(end - start), start);
    *v = x;
    *s = end;
    return 0;
}

int cli_int_list(const char *s, int64_t *v, int max, char *why, size_t whylen)
{
    char stack[LIST_MAX_DEPTH];
    int depth = 0, n = 0;
    bool need_comma = false; /* a value or a closed list came last */
    for (; *s; s++) {
        const char c = *s;
        if (c == ' ') continue;
        if (opening(c) || c == '-' || c == '+' || (c >= '0' && c <= '9')) {
            if (need_comma) return list_error(why, whylen, "a ',' is missing before '%s'", s);
            if (opening(c)) {
                if (depth == LIST_MAX_DEPTH) return list_error(why, whylen, "brackets nested too deeply");
                stack[depth++] = c;
                continue;
            }
            if (n == max) return list_error(why, whylen, "more than %d value%s", max, plural(max));
            if (list_number(&s, &v[n++], why, whylen)) return -1;
            s--; /* the loop's s++ */
            need_comma = true;
        } else if (c == ',') {
            if (!need_comma) return list_error(why, whylen, "an empty element");
            need_comma = false;
        } else if (closing(c)) {
            if (!depth || stack[depth - 1] != (c == ']' ? '[' : '('))
                return list_error(why, whylen, "an unmatched '%c'", c);
            if (!need_comma) return list_error(why, whylen, "an empty element before '%c'", c);
            depth--;
        } else {
            return list_error(why, whylen, "unexpected '%c'", c);
        }
    }
    if (depth) return list_error(why, whylen, "an unclosed '%c'", stack[depth - 1]);
    if (!need_comma) return list_error(why, whylen, n ? "a trailing ','" : "no value");
    return n;
}

int cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *v)
{
    char why[96];
    int64_t t[1];
    const int n = cli_int_list(s, t, 1, why, sizeof why);
    if (n == 1 && t[0] >= lo && t[0] <= hi) {
        *v = t[0];
        return 0;
    }
    if (n == 1) snprintf(why, sizeof why, "it must be in [%lld, %lld]", (long long)lo, (long long)hi);
    return cli_usage(cmd, "%s wants an integer, got '%s': %s", opt, s, why);
}

/* ------------------------------------------------------------------ the getopt_long loop */

static const char *option_name(const struct option *table, int id);

const char *cli_option_name(int id) { return option_name(shared_table, id); }

static const char *option_name(const struct option *table, int id)
{
    for (const struct option *t = table; t->name; t++)
        if (t->val == id) return t->name;
    return "?";
}

/* getopt_long's '?': an unknown or ambiguous option, or an argument given to a flag (opterr is 0: ours). */
static int bad_option(const struct cli_command *cmd, char **argv)
{
    const char *arg = argv[optind - 1];
    if (strncmp(arg, "--", 2)) return cli_usage(cmd->name, "unrecognized option '-%c'", optopt);
    const int len = (int)strcspn(arg + 2, "=");
    if (optopt) return cli_usage(cmd->name, "option '--%.*s' doesn't allow an argument", len, arg + 2);
    char list[512] = "";
    int matches = 0;
    for (const struct option *t = cmd->long_opts; t->name; t++)
        if (!strncmp(t->name, arg + 2, (size_t)len) && strlen(list) + strlen(t->name) + 8 < sizeof list) {
            matches++;
            strcat(strcat(strcat(list, " '--"), t->name), "'");
        }
    if (matches > 1) return cli_usage(cmd->name, "option '--%.*s' is ambiguous; possibilities:%s", len, arg + 2, list);
    return cli_usage(cmd->name, "unrecognized option '%s'", arg);
}

/* getopt_long's ':': the last option lacks its argument. */
static int missing_argument(const struct cli_command *cmd, char **argv)
{
    if (!strncmp(argv[optind - 1], "--", 2))
        return cli_usage(cmd->name, "option '--%s' requires an argument", option_name(cmd->long_opts, optopt));
    return cli_usage(cmd->name, "option '-%c' requires an argument", optopt);
}

static int shared_option(const char *cmd, struct cli_opts *o, int id, const char *arg)
{
    const char **slot = &o->text[id - OPT_INPUT_SHAPE];
    if (*slot)
        return cli_usage(cmd, "--%s given twice ('%s' and '%s'); give it once", option_name(shared_table, id), *slot,
                         arg);
    *slot = arg;
    return 0;
}

int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_opts *o, void *ctx, int *first_operand)
{
    char shorts[64];
    snprintf(shorts, sizeof shorts, ":h%s", cmd->short_opts); /* ':' first: a missing argument returns ':' */
    memset(o, 0, sizeof *o);
    o->p = (struct tconv_params)TCONV_PARAMS_INIT;
    opterr = 0; /* our messages, not getopt's */
    optind = 0; /* glibc: 0 re-initialises getopt's hidden state (the fuzzer parses many times per process) */
    for (;;) {
        const int id = getopt_long(argc, argv, shorts, cmd->long_opts, NULL);
        int rc;
        if (id == -1) break;
        if (id == 'h') {
            fputs(cmd->help, stdout);
            return CLI_HELP_SHOWN;
        }
        if (id == '?')
            rc = bad_option(cmd, argv);
        else if (id == ':')
            rc = missing_argument(cmd, argv);
        else if (id >= OPT_INPUT_SHAPE && id < OPT_SHARED_END)
            rc = shared_option(cmd->name, o, id, optarg);
        else
            rc = cmd->own(ctx, id, optarg);
        if (rc) return rc;
    }
    *first_operand = optind;
    return 0;
}

/* ------------------------------------------------------------------ resolution */

/* The filter layouts' names at ranks 1 and 3, by enum tconv_filter_layout (DEFAULT first): aliases of HWIO... */
static const char *const filter_layout_aliases[2][5] = {{"DEFAULT", "WIO", "OIW", "WOI", "IOW"},
                                                        {"DEFAULT", "DHWIO", "OIDHW", "DHWOI", "IODHW"}};
/* ... and of NHWC / NCHW */
static const char *const layout_aliases[2][2] = {{"NWC", "NCW"}, {"NDHWC", "NCDHW"}};

int cli_resolve_names(const char *cmd, struct cli_opts *o, int rank)
{
    const char *v = cli_text(o, OPT_LAYOUT);
    const int alias = rank == 1 ? 0 : 1; /* rank 2 has no aliases */
    if (v) {
        int k = cli_enum(v, layout_names, 2);
        if (k < 0 && rank != 2 && (k = cli_enum(v, layout_aliases[alias], 2)) < 0)
            return cli_usage(cmd, "--layout is %s or %s (or NHWC, NCHW), got '%s'", layout_aliases[alias][0],
                             layout_aliases[alias][1], v);
        if (k < 0) return cli_usage(cmd, "--layout is NHWC or NCHW, got '%s'", v);
        o->p.layout = (enum tconv_layout)k;
    }
    if ((v = cli_text(o, OPT_FILTER_LAYOUT))) {
        int k = cli_enum(v, cli_filter_layout_names, 5);
        if (k < 0 && rank != 2 && (k = cli_enum(v, filter_layout_aliases[alias], 5)) < 0) {
            const char *const *n = filter_layout_aliases[alias];
            return cli_usage(cmd, "--filter-layout is DEFAULT, %s, %s, %s or %s (or HWIO, OIHW, HWOI, IOHW), got '%s'",
                             n[1], n[2], n[3], n[4], v);
        }
        if (k < 0) return cli_usage(cmd, "--filter-layout is DEFAULT, HWIO, OIHW, HWOI or IOHW, got '%s'", v);
        o->p.filter_layout = (enum tconv_filter_layout)k;
    }
    return 0;
}

/* A per-axis option: V (both axes), VH,VW, or with tf_form TensorFlow's 4-element list in --layout order. */
static int resolve_axes(const char *cmd, const struct cli_opts *o, int id, const char *forms, bool tf_form, int64_t *h,
                        int64_t *w)
{
    const char *v = cli_text(o, id), *name = option_name(shared_table, id);
    if (!v) return 0;
    int64_t t[4];
    char why[96];
    const int n = cli_int_list(v, t, tf_form ? 4 : 2, why, sizeof why);
    if (n < 0) return cli_usage(cmd, "--%s wants %s, got '%s': %s", name, forms, v, why);
    if (n == 1 || n == 2) {
        *h = t[0];
        *w = t[n - 1];
        return 0;
    }
    if (n != 4) return cli_usage(cmd, "--%s wants %s, got %d values in '%s'", name, forms, n, v);
    const bool nchw = o->p.layout == TCONV_NCHW;
    if (t[0] != 1 || (nchw ? t[1] : t[3]) != 1)
        return cli_usage(cmd, "--%s %s: TensorFlow's 4-element form is %s for %s data (batch and channel entries 1)",
                         name, v, nchw ? "[1,1,H,W]" : "[1,H,W,1]", nchw ? "NCHW" : "NHWC");
    *h = nchw ? t[2] : t[1];
    *w = nchw ? t[3] : t[2];
    return 0;
}

/* --padding as a list: P, PH,PW, [[t,b],[l,r]], or TensorFlow's 4x2 list in --layout order. */
static int padding_list(const char *cmd, struct cli_opts *o, const char *v)
{
    static const char forms[] = "SAME, VALID, SAME_LOWER, P, PH,PW, [[t,b],[l,r]] or [[0,0],[t,b],[l,r],[0,0]]";
    int64_t t[8];
    char why[96];
    const int n = cli_int_list(v, t, 8, why, sizeof why);
    if (n < 0) return cli_usage(cmd, "--padding wants %s, got '%s': %s", forms, v, why);
    const bool nchw = o->p.layout == TCONV_NCHW;
    const int64_t *tb = n == 8 ? t + (nchw ? 4 : 2) : t; /* t, b, l, r from here (n 4 and 8) */
    if (n == 8 && (t[0] || t[1] || (nchw ? t[2] || t[3] : t[6] || t[7])))
        return cli_usage(cmd, "--padding %s: the batch and channel pads must be 0 (%s data)", v,
                         nchw ? "NCHW" : "NHWC");
    struct tconv_params *p = &o->p;
    if (n == 1 || n == 2) {
        p->pad_top = t[0];
        p->pad_bottom = t[0];
        p->pad_left = t[n - 1];
        p->pad_right = t[n - 1];
    } else if (n == 4 || n == 8) {
        p->pad_top = tb[0];
        p->pad_bottom = tb[1];
        p->pad_left = tb[2];
        p->pad_right = tb[3];
    } else {
        return cli_usage(cmd, "--padding wants %s, got %d values in '%s'", forms, n, v);
    }
    p->padding = TCONV_PADDING_EXPLICIT;
    return 0;
}

int cli_padding_mode(const char *s)
{
    const int mode = cli_enum(s, padding_mode_names, 4);
    return mode == 3 ? TCONV_PADDING_SAME : mode;
}

/* --padding NAME or LIST, or --pads T,L,B,R (ONNX): one of them, never both. */
static int resolve_padding(const char *cmd, struct cli_opts *o)
{
    const char *pad = cli_text(o, OPT_PADDING), *pads = cli_text(o, OPT_PADS);
    const int mode = pad ? cli_enum(pad, padding_mode_names, 4) : -1;
    if (pad && pads)
        return cli_usage(cmd, "--padding %s and --pads %s conflict: %s; give one", pad, pads,
                         mode >= 0 ? "a padding mode and explicit pads" : "two explicit spellings of the pads");
    if (mode >= 0) {
        o->p.padding = mode == 3 ? TCONV_PADDING_SAME : (enum tconv_padding)mode;
        return 0;
    }
    if (pad) return padding_list(cmd, o, pad);
    if (!pads) return 0;
    int64_t t[4];
    char why[96];
    const int n = cli_int_list(pads, t, 4, why, sizeof why);
    if (n != 4) {
        if (n >= 0) snprintf(why, sizeof why, "%d value%s", n, plural(n));
        return cli_usage(cmd, "--pads wants T,L,B,R (ONNX order), got '%s': %s", pads, why);
    }
    o->p.padding = TCONV_PADDING_EXPLICIT;
    o->p.pad_top = t[0];
    o->p.pad_left = t[1];
    o->p.pad_bottom = t[2];
    o->p.pad_right = t[3];
    return 0;
}

/* A shape option with one of the allowed counts of values: the count, or -1 after the message. */
static int shape_list(const char *cmd, const char *v, const char *name, const char *forms, int64_t *t, int a, int b)
{
    char why[96];
    const int n = cli_int_list(v, t, a > b ? a : b, why, sizeof why);
    if (n >= 0 && n != a && n != b) snprintf(why, sizeof why, "%d value%s", n, plural(n));
    if (n < 0 || (n != a && n != b)) {
        cli_usage(cmd, "--%s wants %s, got '%s': %s", name, forms, v, why);
        return -1;
    }
    return n;
}

static int resolve_shapes(const char *cmd, struct cli_opts *o)
{
    const char *v = cli_text(o, OPT_INPUT_SHAPE);
    if (v && shape_list(cmd, v, "input-shape", "N,H,W,C", o->in, 4, 4) < 0) return CLI_USAGE;
    if ((v = cli_text(o, OPT_OUTPUT_SHAPE)) &&
        (o->n_out = shape_list(cmd, v, "output-shape", "N,H,W,C or H,W", o->out, 4, 2)) < 0)
        return CLI_USAGE;
    if ((v = cli_text(o, OPT_FILTERS)) && cli_int(cmd, "--filters", v, INT64_MIN, INT64_MAX, &o->filters))
        return CLI_USAGE;
    if ((v = cli_text(o, OPT_GROUPS)) && cli_int(cmd, "--groups", v, INT64_MIN, INT64_MAX, &o->p.groups))
        return CLI_USAGE;
    return 0;
}

int cli_resolve(const char *cmd, struct cli_opts *o)
{
    struct tconv_params *p = &o->p;
    int rc = cli_resolve_names(cmd, o, 2); /* first: the 4-element lists read the layout */
    if (!rc) rc = resolve_axes(cmd, o, OPT_KERNEL_SIZE, "K or KH,KW", false, &p->kernel_h, &p->kernel_w);
    if (!rc) rc = resolve_axes(cmd, o, OPT_STRIDES, "S, SH,SW or 1,SH,SW,1", true, &p->stride_h, &p->stride_w);
    if (!rc) rc = resolve_axes(cmd, o, OPT_DILATIONS, "D, DH,DW or 1,DH,DW,1", true, &p->dilation_h, &p->dilation_w);
    if (!rc)
        rc = resolve_axes(cmd, o, OPT_OUTPUT_PADDING, "P or PH,PW", false, &p->output_padding_h, &p->output_padding_w);
    if (!rc) rc = resolve_padding(cmd, o);
    if (!rc) rc = resolve_shapes(cmd, o);
    return rc;
}

int cli_forward_op(const char *cmd, int argc, char **argv, int first, bool *transposed)
{
    if (first >= argc) return cli_usage(cmd, "which op? conv2d or conv2d_transpose");
    if (first + 1 < argc) return cli_usage(cmd, "unexpected argument '%s'", argv[first + 1]);
    if (strcmp(argv[first], "conv2d") && strcmp(argv[first], "conv2d_transpose"))
        return cli_usage(cmd, "unknown op '%s' (conv2d or conv2d_transpose)", argv[first]);
    *transposed = !strcmp(argv[first], "conv2d_transpose");
    return 0;
}

int cli_explain_at(const char *cmd, const char *text, int64_t at[2])
{
    if (!text) return 0;
    char why[96];
    const int n = cli_int_list(text, at, 2, why, sizeof why);
    if (n == 2) return 0;
    if (n >= 0) snprintf(why, sizeof why, "%d value%s", n, plural(n));
    return cli_usage(cmd, "--explain wants OY,OX, got '%s': %s", text, why);
}

void cli_nhwc(const struct tconv_params *p, const int64_t *s, int64_t nhwc[4])
{
    const bool nchw = p->layout == TCONV_NCHW;
    nhwc[0] = s[0];
    nhwc[1] = nchw ? s[2] : s[1];
    nhwc[2] = nchw ? s[3] : s[2];
    nhwc[3] = nchw ? s[1] : s[3];
}

void cli_layout_order(const struct tconv_params *p, int64_t n, int64_t h, int64_t w, int64_t c, int64_t s[4])
{
    const bool nchw = p->layout == TCONV_NCHW;
    s[0] = n;
    s[1] = nchw ? c : h;
    s[2] = nchw ? h : w;
    s[3] = nchw ? w : c;
}

int cli_apply_shapes(const char *cmd, struct cli_opts *o)
{
    if (!cli_text(o, OPT_INPUT_SHAPE) || !cli_text(o, OPT_KERNEL_SIZE))
        return cli_usage(cmd, "--input-shape and --kernel-size are required");
    struct tconv_params *p = &o->p;
    int64_t x[4];
    cli_nhwc(p, o->in, x);
    p->batch = x[0];
    p->in_h = x[1];
    p->in_w = x[2];
    p->in_channels = x[3];
    p->out_channels = cli_text(o, OPT_FILTERS) ? o->filters : x[3];
    if (o->n_out == 2) {
        p->out_h = o->out[0];
        p->out_w = o->out[1];
    } else if (o->n_out == 4) {
        int64_t y[4];
        cli_nhwc(p, o->out, y);
        if (y[0] != x[0])
            return cli_fail(cmd, "--output-shape batch %lld differs from the input batch %lld", (long long)y[0],
                            (long long)x[0]);
        if (cli_text(o, OPT_FILTERS) && y[3] != o->filters)
            return cli_fail(cmd, "--output-shape channels %lld differ from --filters %lld", (long long)y[3],
                            (long long)o->filters);
        p->out_channels = y[3];
        p->out_h = y[1];
        p->out_w = y[2];
    }
    return 0;
}
