/*
 * cli.h - the tconv program's commands, one file each (main.c dispatches to them). Each takes the
 * arguments after "tconv" (argv[0] is the command's name) and returns the exit status: 0, 1 (a call
 * or a file failed) or 2 (usage).
 */
#ifndef TCONV_CLI_H
#define TCONV_CLI_H

#include <stdbool.h>

int cmd_demo(int argc, char **argv);
int cmd_shape(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_overlap(int argc, char **argv);

/* The 1-D and 3-D halves of shape, overlap and run (shape_nd.c, overlap_nd.c, run_nd.c). */
struct cli_opts;
struct cli_nd;
int shape_nd(const struct cli_opts *o, const struct cli_nd *nd, bool transposed);
int overlap_nd(const struct cli_nd *nd);

#endif
