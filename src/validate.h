/*
 * validate.h - the rules a call's arguments must follow beyond its parameters (geometry.c checks
 * those): options, enumerations, tensors and workspaces. One rule, one function, one message naming
 * the argument, its value and what is allowed. The front door (api.c) applies them before anything
 * is allocated or written.
 */
#ifndef TCONV_VALIDATE_H
#define TCONV_VALIDATE_H

#include "problem.h"

#pragma GCC visibility push(hidden)

/* One tensor argument: its name in messages, its address and its element count (floats). */
struct tconv__tensor {
    const char *name;
    const void *ptr;
    int64_t elems;
    bool needed; /* NULL is an error when elems > 0 and the call reads or writes it */
};

/* The caller's options (NULL: the defaults) into *out in this library's layout: struct_size checked, the
   fields it covers copied, the rest defaults (a newer header's must be 0), then each option and the
   profile's struct_size checked. forward: accumulate must be 0. */
enum tconv_status tconv__read_options(const char *fn, const struct tconv_options *opt, bool forward,
                                      struct tconv_options *out);
/* *src into the caller's profile, as much as its struct_size covers (validated by tconv__read_options). */
void tconv__write_profile(struct tconv_profile *dst, const struct tconv_profile *src);
/* The gradients are those of the linear op: activation must be NONE. */
enum tconv_status tconv__check_linear(const char *fn, const struct tconv__problem *pr);
enum tconv_status tconv__check_op(const char *fn, enum tconv_op op);
/* p is not NULL (the same message as geometry.c's resolve gives). */
enum tconv_status tconv__check_params(const char *fn, const struct tconv_params *p);
enum tconv_status tconv__check_resize(const char *fn, const struct tconv_params *p, int64_t scale,
                                      enum tconv_resize mode);
/* The overlap map counts in int32_t; the bilinear filter is per channel and dense. */
enum tconv_status tconv__check_overlap_map(const char *fn, const struct tconv__problem *pr);
enum tconv_status tconv__check_bilinear(const char *fn, const struct tconv__problem *pr);
/* NULL rules for every tensor, then the output must share no byte with any input. */
enum tconv_status tconv__check_tensors(const char *fn, const struct tconv__tensor *inputs, int ninputs,
                                       const struct tconv__tensor *output);
/* A caller's workspace: at least `least` bytes, and no byte shared with any tensor of the call. */
enum tconv_status tconv__check_workspace(const char *fn, const void *ws, size_t bytes, size_t least, size_t all,
                                         int threads, const struct tconv__tensor *tensors, int ntensors);

#pragma GCC visibility pop

#endif /* TCONV_VALIDATE_H */
