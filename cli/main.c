/*
 * main.c - the tconv program: `tconv COMMAND [options]`, one command per file.
 *
 *   tconv demo     the seed documents' printed numbers recomputed by tconv, side by side  (demo.c)
 *   tconv shape    output size, admissible sizes, padding split and the four frameworks' spellings  (shape.c)
 *   tconv run      either op or a gradient on NumPy .npy files  (run.c)
 *   tconv overlap  the checkerboard of a transposed conv, counted, judged and drawn  (overlap.c)
 *
 * Shared: options.c (the option spellings), spell.c, verdict.c, explain.c, heatmap.c, npy.c, png.c.
 * Errors go to stderr with exit status 2 (usage) or 1 (a failed call or file, a demo mismatch).
 */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "tconv.h"

static const struct {
    const char *name;
    int (*run)(int argc, char **argv);
} commands[] = {{"demo", cmd_demo}, {"shape", cmd_shape}, {"run", cmd_run}, {"overlap", cmd_overlap}};

static const char help[] =
    "usage: tconv <command> [options]     (tconv <command> --help for each)\n"
    "commands:\n"
    "  demo      recompute the numbers printed in the seed documents and show them side by side\n"
    "  shape     output size, admissible output sizes, padding split and TF/Keras/PyTorch/ONNX spellings;\n"
    "            --explain OY,OX: which input pixels and taps feed an output pixel\n"
    "  run       conv2d, conv2d_transpose or one of their gradients on NumPy .npy files\n"
    "  overlap   how many (input pixel, tap) pairs land on each output pixel of a transposed conv:\n"
    "            the checkerboard, a verdict, why, and --png to draw it\n"
    "  --version print the library version\n"
    "  --help    this text\n"
    "shape, run and overlap take 1-D and 3-D too: conv1d..., conv3d..., or conv... with the rank of\n"
    "--input-shape or x (N,W,C is 1-D, N,H,W,C 2-D, N,D,H,W,C 3-D).\n"
    "Errors go to stderr; the exit status is 0 on success, 1 when a call or a file fails, 2 on usage errors.\n";

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs(help, stderr);
        return CLI_USAGE;
    }
    const char *first = argv[1];
    if (!strcmp(first, "--help") || !strcmp(first, "-h") || !strcmp(first, "help")) {
        fputs(help, stdout);
        return CLI_OK;
    }
    if (!strcmp(first, "--version")) {
        printf("tconv %s\n", tconv_version());
        return CLI_OK;
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(first, commands[i].name)) return commands[i].run(argc - 1, argv + 1);
    if (first[0] == '-') return cli_usage(NULL, "unrecognized option '%s'", first);
    return cli_usage(NULL, "unknown command '%s'", first);
}
