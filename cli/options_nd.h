/*
 * options_nd.h - the shared options for 1-D and 3-D (issue 12): the rank of a command line (from the op's
 * name or the number of dimensions of --input-shape), and the per-axis spellings resolved into struct
 * tconv_nd_params. Rank 2 keeps options.c's 2-D path, so every 2-D command line prints what it always did.
 *
 * Per-axis options take one value (every axis) or one per axis; --strides and --dilations also TensorFlow's
 * rank + 2 elements in --layout order; --padding P, one per axis, [[b,e],...] per axis or TensorFlow's full
 * list; --pads ONNX's begins then ends; --output-shape N,...,C or the spatial sizes only.
 */
#ifndef TCONV_CLI_OPTIONS_ND_H
#define TCONV_CLI_OPTIONS_ND_H

#include <stdbool.h>
#include <stdint.h>

#include "options.h"

/* A tensor of rank r has r + 2 dimensions: batch, channels and the spatial axes. */
#define CLI_ND_DIMS (TCONV_MAX_RANK + 2)

/* The shared options resolved for rank 1 or 3 (and what cli_apply_shapes_nd() makes of the shapes). */
struct cli_nd {
    struct tconv_nd_params p;
    int64_t in[CLI_ND_DIMS];  /* --input-shape, in --layout order */
    int64_t out[CLI_ND_DIMS]; /* --output-shape: full (n_out = rank + 2) or spatial only (n_out = rank) */
    int n_out;
    int64_t filters;
};

/* "depth", "height", "width" of axis a of rank r (rank 1's only axis is the width). */
const char *cli_axis_name(int rank, int a);

/* "NWC", "NCW", "NDHWC", ... of rank r (2: "NHWC", "NCHW"). */
const char *cli_layout_name(int rank, enum tconv_layout layout);

/*
 * The op operand of shape and overlap: conv1d, conv2d, conv3d, their _transpose, or conv / conv_transpose
 * (rank 0: --input-shape says). The only operand. 0, or CLI_USAGE after the message.
 */
int cli_forward_op_nd(const char *cmd, int argc, char **argv, int first, bool *transposed, int *rank);

/*
 * The rank --input-shape gives (its count of values minus 2), checked against want (1..3, or 0 for any):
 * *rank, or 0 when the option is absent; CLI_USAGE after a message naming the option, its value and the
 * allowed counts. op names the op in that message ("conv1d").
 */
int cli_shape_rank(const char *cmd, const struct cli_opts *o, int want, const char *op, int *rank);

/* The shared options' texts for rank 1 or 3 into n (names, per-axis lists, padding, shapes): 0 or CLI_USAGE. */
int cli_resolve_nd(const char *cmd, struct cli_opts *o, int rank, struct cli_nd *n);

/* shape and overlap: batch, spatial sizes and channels from --input-shape, --output-shape and --filters. */
int cli_apply_shapes_nd(const char *cmd, const struct cli_opts *o, struct cli_nd *n);

/* A shape in --layout order of rank r <-> batch, spatial sizes and channels. */
void cli_nd_split(int rank, enum tconv_layout layout, const int64_t *shape, int64_t *n, int64_t *sp, int64_t *c);
void cli_nd_join(int rank, enum tconv_layout layout, int64_t n, const int64_t *sp, int64_t c, int64_t *shape);

#endif
