/*
 * options.h - what tconv shape, run and overlap share: the option spellings of a configuration
 * (TensorFlow's, Keras's, PyTorch's and ONNX's), parsed with getopt_long into struct tconv_params,
 * strict integer and name parsing, and the messages and exit statuses of every command.
 *
 * A command lists its getopt_long table (CLI_SHARED_OPTIONS plus its own entries) in a struct
 * cli_command; cli_parse() collects the shared options' texts and hands the command its own options;
 * cli_resolve() then turns the texts into parameters, so the result never depends on option order.
 */
#ifndef TCONV_CLI_OPTIONS_H
#define TCONV_CLI_OPTIONS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "plural.h"
#include "tconv.h"

/* Exit statuses of every command. */
#define CLI_OK     0
#define CLI_FAILED 1 /* a library call or a file failed */
#define CLI_USAGE  2 /* the command line is wrong */
/* cli_parse's answer when it printed --help: the command is done, with status 0. */
#define CLI_HELP_SHOWN (-1)

/* getopt_long ids of the shared options: above any character, so they never clash with a short option. */
enum cli_shared_id {
    OPT_INPUT_SHAPE = 256,
    OPT_KERNEL_SIZE,
    OPT_FILTERS,
    OPT_STRIDES,
    OPT_DILATIONS,
    OPT_PADDING,
    OPT_PADS,
    OPT_OUTPUT_SHAPE,
    OPT_OUTPUT_PADDING,
    OPT_GROUPS,
    OPT_LAYOUT,
    OPT_FILTER_LAYOUT,
    OPT_SHARED_END, /* one past the last shared option */
    OPT_OWN = 512   /* a command's own long-only options count up from here */
};
#define CLI_SHARED_COUNT (OPT_SHARED_END - OPT_INPUT_SHAPE)

/* The shared entries of a command's getopt_long table (the command adds its own and the terminator). */
#define CLI_SHARED_OPTIONS                                                                                             \
    {"input-shape", required_argument, NULL, OPT_INPUT_SHAPE},                                                         \
        {"kernel-size", required_argument, NULL, OPT_KERNEL_SIZE}, {"filters", required_argument, NULL, OPT_FILTERS},  \
        {"strides", required_argument, NULL, OPT_STRIDES}, {"dilations", required_argument, NULL, OPT_DILATIONS},      \
        {"padding", required_argument, NULL, OPT_PADDING}, {"pads", required_argument, NULL, OPT_PADS},                \
        {"output-shape", required_argument, NULL, OPT_OUTPUT_SHAPE},                                                   \
        {"output-padding", required_argument, NULL, OPT_OUTPUT_PADDING},                                               \
        {"groups", required_argument, NULL, OPT_GROUPS}, {"layout", required_argument, NULL, OPT_LAYOUT},              \
        {"filter-layout", required_argument, NULL, OPT_FILTER_LAYOUT},                                                 \
    {                                                                                                                  \
        "help", no_argument, NULL, 'h'                                                                                 \
    }

/* The help lines of the shared options, for a command's help text. */
#define CLI_SHARED_HELP                                                                                                \
    "  --input-shape N,H,W,C      x's shape in --layout order (run: taken from -x); its length is the rank:\n"         \
    "                             N,W,C 1-D, N,H,W,C 2-D, N,D,H,W,C 3-D\n"                                             \
    "  --kernel-size K|KH,KW      one value, or one per spatial axis (K 1-D, KD,KH,KW 3-D) (run: taken from -w)\n"     \
    "  --filters C                output channels (run: taken from -w or --dy)\n"                                      \
    "  --strides S|SH,SW|1,SH,SW,1                            TensorFlow's rank+2 form in --layout order\n"            \
    "  --dilations D|DH,DW|1,DH,DW,1                          1 = dense\n"                                             \
    "  --padding SAME|VALID|SAME_LOWER|[[t,b],[l,r]]|[[0,0],[t,b],[l,r],[0,0]]|P|PH,PW\n"                              \
    "                             TF names and lists ([b,e] per axis); P / PH,PW: PyTorch's symmetric padding\n"       \
    "  --pads T,L,B,R             ONNX pads (begins, then ends: 1-D B,E, 3-D 6 values); not with --padding\n"          \
    "  --output-shape N,H,W,C|H,W TensorFlow's output_shape (transposed), or its spatial sizes\n"                      \
    "  --output-padding P|PH,PW   PyTorch / ONNX output_padding (transposed, explicit padding)\n"                      \
    "  --groups G                 default 1\n"                                                                         \
    "  --layout NHWC|NCHW         data layout, default NHWC (1-D: also NWC|NCW, 3-D: NDHWC|NCDHW)\n"                   \
    "  --filter-layout DEFAULT|HWIO|OIHW|HWOI|IOHW   default: TF's (HWIO conv, HWOI transposed); HW = every\n"         \
    "                             spatial axis (1-D: WIO.., 3-D: DHWIO..)\n"

/* The last lines of a command's help. */
#define CLI_HELP_TAIL                                                                                                  \
    "Names (padding, layouts, algorithm, activation) are case-insensitive; --opt=value and --opt value both work.\n"

/* One command's parser. */
struct cli_command {
    const char *name;               /* "run": messages start "tconv run: " */
    const char *short_opts;         /* getopt short options besides -h, e.g. "x:w:b:o:" */
    const struct option *long_opts; /* CLI_SHARED_OPTIONS, the command's own, {NULL, 0, NULL, 0} */
    const char *help;               /* what --help prints */
    /* takes one of the command's own options (arg NULL for a flag): 0, or an exit status it reported */
    int (*own)(void *ctx, int id, const char *arg);
};

/* The shared options as given, and what cli_resolve() made of them. */
struct cli_opts {
    const char *text[CLI_SHARED_COUNT]; /* each shared option's argument, NULL when not given */
    struct tconv_params p;              /* everything but the sizes from --input-shape / --output-shape */
    int64_t in[4];                      /* --input-shape, in --layout order */
    int64_t out[4];                     /* --output-shape: N,H,W,C in --layout order (n_out 4), or H,W (n_out 2) */
    int n_out;
    int64_t filters;
};

/* The shared option's text, or NULL when it was not given. */
static inline const char *cli_text(const struct cli_opts *o, int id) { return o->text[id - OPT_INPUT_SHAPE]; }

/*
 * Parses argv[1..] (argv[0] is the command's name; getopt may reorder argv): shared options into o,
 * the command's own through cmd->own. *first_operand is the index of the first non-option argument.
 * Returns 0, CLI_HELP_SHOWN, or CLI_USAGE after printing the message. Resets getopt first, so it may
 * run any number of times in one process.
 */
int cli_parse(const struct cli_command *cmd, int argc, char **argv, struct cli_opts *o, void *ctx, int *first_operand);

/* Turns the shared options' texts into o->p and the shapes (order-independent): 0, or CLI_USAGE after the message. */
int cli_resolve(const char *cmd, struct cli_opts *o);

/* --layout and --filter-layout into o->p (ranks 1 and 3 also take NWC, NCDHW, WIO, IODHW, ...): 0, or CLI_USAGE
   after the message. */
int cli_resolve_names(const char *cmd, struct cli_opts *o, int rank);

/* --padding's mode names (SAME_UPPER is SAME): the enum tconv_padding, or -1 when s is none of them. */
int cli_padding_mode(const char *s);

/* A shared option's long name without the dashes ("strides"). */
const char *cli_option_name(int id);

/* The op operand of shape and overlap: conv2d or conv2d_transpose (exact names), the only operand. */
int cli_forward_op(const char *cmd, int argc, char **argv, int first, bool *transposed);

/* --explain OY,OX (text NULL: not given, nothing to do): 0, or CLI_USAGE after the message. */
int cli_explain_at(const char *cmd, const char *text, int64_t at[2]);

/* A tensor shape in --layout order <-> (n, h, w, c). */
void cli_nhwc(const struct tconv_params *p, const int64_t *shape, int64_t nhwc[4]);
void cli_layout_order(const struct tconv_params *p, int64_t n, int64_t h, int64_t w, int64_t c, int64_t shape[4]);

/* shape and overlap: batch, spatial size and channels from --input-shape, --output-shape and --filters. */
int cli_apply_shapes(const char *cmd, struct cli_opts *o);

/*
 * Strict integer lists: "1,2", "[1, 2]", "(1, 2)", "[[0,0],[1,2]]" (brackets balanced, one comma between
 * elements, every element a whole int64). Up to max values into v; the count, or -1 with why filled.
 */
int cli_int_list(const char *s, int64_t *v, int max, char *why, size_t whylen);

/* One integer in [lo, hi] for option opt: 0, or CLI_USAGE after "tconv CMD: OPT wants ..., got 'S'". */
int cli_int(const char *cmd, const char *opt, const char *s, int64_t lo, int64_t hi, int64_t *v);

/* names[i] equal to s ignoring case: i, or -1. */
int cli_enum(const char *s, const char *const *names, int n);

/* "tconv CMD: message" and "(see 'tconv CMD --help')" on stderr; returns CLI_USAGE. */
int cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "tconv CMD: message" on stderr; returns CLI_FAILED. */
int cli_fail(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The names of the library's enums, as printed. */
extern const char *const cli_padding_names[4];       /* by enum tconv_padding */
extern const char *const cli_filter_layout_names[5]; /* by enum tconv_filter_layout */
extern const char *const cli_algorithm_names[4];     /* by enum tconv_algorithm, lower case */

#endif
