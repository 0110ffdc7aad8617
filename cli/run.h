/*
 * run.h - what `tconv run`'s 2-D path (run.c) and its 1-D / 3-D path (run_nd.c) share: the ops, the
 * command's own options, and the timing of --time.
 */
#ifndef TCONV_CLI_RUN_H
#define TCONV_CLI_RUN_H

#include <stdbool.h>

#include "npy.h"
#include "options.h"

/* --time: the median of this many timed calls. */
#define RUN_TIMED_CALLS 11

enum run_kind { FORWARD, DATA, FILTER, BIAS };

struct run_op {
    const char *name; /* the 2-D name: conv2d, conv2d_transpose_backward_data, ... */
    bool transposed;  /* conv2d_transpose or one of its gradients */
    enum run_kind kind;
    enum tconv_op op;
    const char *result; /* the name of what it computes */
};

/* The command's own options as given. */
struct run_args {
    const char *x, *w, *b, *dy, *o, *activation, *threads, *algorithm, *explain;
    bool relu, time;
};

/* The median of RUN_TIMED_CALLS calls of fn(ctx), in seconds. */
double run_median_seconds(enum tconv_status (*fn)(const void *ctx), const void *ctx);

/* Reads path (NULL: nothing to do) into a, which must have ndim dimensions: 0, or CLI_FAILED after the message. */
int run_load(const char *path, const char *what, struct npy_array *a, int ndim);

/* "(1, 65, 1)": numpy's spelling of a shape. */
void run_shape_text(char *buf, size_t len, int ndim, const int64_t *shape);

/* --time's line: the median, GFLOP/s of flops, the algorithm and threads of the profiled call. */
void run_print_time(const struct run_op *op, double median, double flops, const struct tconv_profile *prof);
/* "name shape = v0 v1 ...": every value of a small result. */
void run_print_values(const char *name, const char *shape, const float *v, int64_t n);
/* "name shape: min, max, mean (write it with -o FILE.npy)": a large result. */
void run_print_summary(const char *name, const char *shape, const float *v, int64_t n);

/*
 * The 1-D / 3-D run of op (rank 1 or 3): o holds the shared options' texts (names resolved), opt the
 * --threads / --algorithm / activation options, x the loaded -x (ndim 0: not given). Returns the exit status.
 */
int run_nd(const struct run_op *op, int rank, struct cli_opts *o, const struct run_args *a,
           const struct tconv_options *opt, struct npy_array *x);

#endif
