#!/usr/bin/python3
"""torch_oracle.py - tconv against PyTorch, an oracle that shares no code with the library.

    /usr/bin/python3 tests/torch_oracle.py path/to/libtconv.so [--cases N] [--case I] [--resize-cases R]
                                           [--resize-case J] [--seed S]

Every other sweep of the suite compares tconv's fast paths with tconv's own naive references, which share
the geometry resolution and the filter indexing with them. This script does not: it loads the shared
library with ctypes (mirroring include/tconv.h by hand), draws random configurations, and derives every
expected value from
  * its own Python implementation of the documented size/padding formulas (include/tconv.h, TensorFlow's
    GetWindowedOutputSize, ONNX SAME_LOWER, the transposed conv's full result and crop), and
  * PyTorch in float64 on the CPU: conv2d = F.pad + F.conv2d(padding=0); conv2d_transpose =
    F.conv_transpose2d(padding=0) giving the full result, then crop / zero-extend, plus bias and ReLU;
    data layouts by permute, filter layouts by permuting the OIHW (conv) / IOHW (transposed) torch weight;
    the six gradients by torch.autograd through that same forward.
tconv's geometry functions are called only to check that they agree with the formulas.

Per configuration (half conv2d, half conv2d_transpose): the geometry (all ten fields; for the transposed op
every output size of the admissible range and one past each end), tconv_filter_shape/_index, the forward
call, its _ex call with every forced algorithm (GEMM, SUBPIXEL, DIRECT; TCONV_ERR_UNSUPPORTED means "not
applicable") on 1 and 2 threads, the naive _reference call, and the three gradients of the op (plain, _ex
with each algorithm and sometimes accumulate = 1, and _reference). Then a set of invalid configurations
(inadmissible output_shape, output_padding >= max(stride, dilation), ...) must fail with the documented
status and leave the output buffer untouched. Aliasing (2 in every 40 configurations): each call of the op
and its gradients (plain, _ex, _reference) with its output overlapping each of its inputs (inside, equal, one
element at either end), and an _ex caller workspace overlapping the output or an input, must be
TCONV_ERR_INVALID_ARGUMENT with every buffer untouched; the output right next to an input (no shared byte) must
give the bits of separate buffers.

Resize-convolution (--resize-cases, default 400): tconv_resize_conv2d against F.interpolate (nearest, or bilinear
with align_corners=False; checked against our own formulas) in float64 followed by the same oracle conv, for scale
1-4, every layout, filter layout and padding: the plain call, _reference, _ex with each forced algorithm on 1 and 2
threads, and _ex with a caller workspace of exactly the queried size (at an odd address, guarded) and one byte
less (refused below one thread's share, fewer threads above it); the profile's algorithm and threads. Every 10th
derives invalid calls: scale 0 and -1, mode 7 and -1, accumulate = 1, y overlapping x or the filter, a workspace
overlapping y (TCONV_ERR_INVALID_ARGUMENT, buffers untouched), and y right after x (fine).

Seed: TCONV_TEST_SEED (default 20261122, the C tests' default), or --seed. Each configuration draws from
its own generator seeded by (seed, index), so `--case I` reruns configuration I alone (and the invalid and
aliasing configurations derived from it), `--resize-case J` resize-convolution J; every failure line prints the
seed, the index, every parameter and that command. The sweep runs in a worker process (this script with
--worker): if tconv crashes it, the running configuration is reported as failed and a new worker goes on with the
next one.
Output: one line per failed check, a coverage summary, and the last line `torch oracle: N passed, M failed`
(N, M count configurations, invalid and aliasing ones included). Exit 0 if all pass, 1 otherwise, 77 (meson's
skip) if torch or numpy cannot be imported, unless TCONV_REQUIRE_TORCH=1 (then 1).
"""
import argparse
import collections
import ctypes as C
import faulthandler
import json
import os
import random
import subprocess
import sys
import time
import warnings

np = torch = F = None   # imported by the worker process only (import_torch)


def import_torch():
    """numpy and torch, or exit 77 (meson's skip); 1 under TCONV_REQUIRE_TORCH=1."""
    global np, torch, F
    try:
        import numpy
        import torch as torch_
        import torch.nn.functional as functional
    except Exception as e:  # ImportError, or a broken install (OSError from a missing shared object)
        if os.environ.get("TCONV_REQUIRE_TORCH") == "1":
            print("torch oracle: FAILED: cannot import torch/numpy (%s: %s) and TCONV_REQUIRE_TORCH=1" %
                  (type(e).__name__, e))
            sys.exit(1)
        print("torch oracle: skipped: cannot import torch/numpy (%s: %s)" % (type(e).__name__, e))
        sys.exit(77)
    np, torch, F = numpy, torch_, functional


DEFAULT_SEED = 20261122
DEFAULT_CASES = 2000

# ---------------------------------------------------------------------------------------------------------------
# include/tconv.h, mirrored by hand
# ---------------------------------------------------------------------------------------------------------------
OK, ERR_NULL_POINTER, ERR_INVALID_ARGUMENT, ERR_SHAPE_MISMATCH, ERR_UNSUPPORTED = 0, 1, 2, 3, 4
NHWC, NCHW = 0, 1
FILTER_DEFAULT, FILTER_HWIO, FILTER_OIHW, FILTER_HWOI, FILTER_IOHW = 0, 1, 2, 3, 4
VALID, SAME, SAME_LOWER, EXPLICIT = 0, 1, 2, 3
ACT_NONE, ACT_RELU = 0, 1
ALGO_AUTO, ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT, ALGO_NONE = 0, 1, 2, 3, 4
OP_CONV2D, OP_CONV2D_TRANSPOSE = 0, 1
# enum tconv_op, in order: the forward ops, then the six gradients
OPS = {(False, "forward"): 0, (True, "forward"): 1, (False, "backward_data"): 2, (False, "backward_filter"): 3,
       (False, "backward_bias"): 4, (True, "backward_data"): 5, (True, "backward_filter"): 6,
       (True, "backward_bias"): 7}
RESIZE_NEAREST, RESIZE_BILINEAR = 0, 1
RESIZE_NAMES = {RESIZE_NEAREST: "NEAREST", RESIZE_BILINEAR: "BILINEAR"}

LAYOUT_NAMES = {NHWC: "NHWC", NCHW: "NCHW"}
FILTER_NAMES = {FILTER_DEFAULT: "DEFAULT", FILTER_HWIO: "HWIO", FILTER_OIHW: "OIHW", FILTER_HWOI: "HWOI",
                FILTER_IOHW: "IOHW"}
PADDING_NAMES = {VALID: "VALID", SAME: "SAME", SAME_LOWER: "SAME_LOWER", EXPLICIT: "EXPLICIT"}
ALGO_NAMES = {ALGO_AUTO: "AUTO", ALGO_GEMM: "GEMM", ALGO_SUBPIXEL: "SUBPIXEL", ALGO_DIRECT: "DIRECT", ALGO_NONE: "NONE"}

PARAM_FIELDS = ["layout", "filter_layout", "batch", "in_h", "in_w", "in_channels", "out_channels", "groups",
                "kernel_h", "kernel_w", "stride_h", "stride_w", "dilation_h", "dilation_w", "padding", "pad_top",
                "pad_bottom", "pad_left", "pad_right", "out_h", "out_w", "output_padding_h", "output_padding_w",
                "activation"]
ENUM_FIELDS = {"layout", "filter_layout", "padding", "activation"}


class Params(C.Structure):
    _fields_ = [(f, C.c_int if f in ENUM_FIELDS else C.c_int64) for f in PARAM_FIELDS]


GEOMETRY_FIELDS = ["out_h", "out_w", "pad_top", "pad_bottom", "pad_left", "pad_right", "out_h_min", "out_h_max",
                   "out_w_min", "out_w_max"]


class Geometry(C.Structure):
    _fields_ = [(f, C.c_int64) for f in GEOMETRY_FIELDS]


class Sized(C.Structure):
    """tconv's extensible structs: struct_size (the first field) is this declaration's sizeof."""

    def __init__(self, **kw):
        super().__init__(struct_size=C.sizeof(self), **kw)


class Profile(Sized):
    _fields_ = [("struct_size", C.c_size_t), ("total", C.c_double), ("pack", C.c_double), ("im2col", C.c_double),
                ("gemm", C.c_double), ("col2im", C.c_double), ("epilogue", C.c_double), ("algorithm", C.c_int),
                ("threads", C.c_int)]


class Options(Sized):
    _fields_ = [("struct_size", C.c_size_t), ("num_threads", C.c_int), ("algorithm", C.c_int),
                ("profile", C.POINTER(Profile)), ("accumulate", C.c_int)]


FP = C.POINTER(C.c_float)
PP = C.POINTER(Params)
OPTP = C.POINTER(Options)


def load(path):
    lib = C.CDLL(path)

    def sig(name, *args):
        fn = getattr(lib, name)
        fn.argtypes = list(args)
        fn.restype = C.c_int
        return fn

    lib.tconv_last_error.restype = C.c_char_p
    lib.tconv_last_error.argtypes = []
    sig("tconv_conv2d_geometry", PP, C.POINTER(Geometry))
    sig("tconv_conv2d_transpose_geometry", PP, C.POINTER(Geometry))
    for op in ("tconv_conv2d", "tconv_conv2d_transpose"):
        sig(op, PP, FP, FP, FP, FP)
        sig(op + "_reference", PP, FP, FP, FP, FP)
        sig(op + "_ex", PP, FP, FP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
        sig(op + "_backward_data", PP, FP, FP, FP)
        sig(op + "_backward_data_reference", PP, FP, FP, FP)
        sig(op + "_backward_data_ex", PP, FP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
        sig(op + "_backward_filter", PP, FP, FP, FP)
        sig(op + "_backward_filter_reference", PP, FP, FP, FP)
        sig(op + "_backward_filter_ex", PP, FP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
        sig(op + "_backward_bias", PP, FP, FP)
        sig(op + "_backward_bias_reference", PP, FP, FP)
        sig(op + "_backward_bias_ex", PP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
    sig("tconv_workspace_size", C.c_int, PP, OPTP, C.POINTER(C.c_size_t))
    sig("tconv_resize_conv2d", PP, C.c_int64, C.c_int, FP, FP, FP, FP)
    sig("tconv_resize_conv2d_reference", PP, C.c_int64, C.c_int, FP, FP, FP, FP)
    sig("tconv_resize_conv2d_ex", PP, C.c_int64, C.c_int, FP, FP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
    sig("tconv_resize_conv2d_workspace_size", PP, C.c_int64, C.c_int, OPTP, C.POINTER(C.c_size_t))
    sig("tconv_filter_shape", C.c_int, PP, C.POINTER(C.c_int64 * 4), C.POINTER(C.c_int))
    sig("tconv_filter_index", C.c_int, PP, C.c_int64, C.c_int64, C.c_int64, C.c_int64, C.POINTER(C.c_int64))
    # These declarations against the library's own initialisers (into room to spare): the same sizes.
    for cls, init in ((Params, "tconv_params_init"), (Options, "tconv_options_init"), (Profile, "tconv_profile_init")):
        room = C.create_string_buffer(4096)
        getattr(lib, init).argtypes, getattr(lib, init).restype = [C.c_void_p], None
        getattr(lib, init)(room)
        if cls is Params:
            got = Params.from_buffer_copy(room.raw[:C.sizeof(Params)])
            defaults = {f: 1 if f in ("groups", "stride_h", "stride_w", "dilation_h", "dilation_w") else 0
                        for f in PARAM_FIELDS}
            if any(getattr(got, f) != v for f, v in defaults.items()) or any(room.raw[C.sizeof(Params):]):
                sys.exit("torch_oracle: tconv_params_init disagrees with this script's struct tconv_params")
        elif C.c_size_t.from_buffer_copy(room.raw[:C.sizeof(C.c_size_t)]).value != C.sizeof(cls):
            sys.exit(f"torch_oracle: {init} sets struct_size {C.c_size_t.from_buffer_copy(room.raw[:8]).value}, "
                     f"this script declares {C.sizeof(cls)}")
    return lib


# ---------------------------------------------------------------------------------------------------------------
# The documented formulas, per spatial axis (include/tconv.h; TensorFlow, Keras, ONNX, PyTorch)
# ---------------------------------------------------------------------------------------------------------------
def cdiv(a, b):
    """C's integer division (truncation toward zero), as TensorFlow's (in - ke + s) / s."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


class AxisError(Exception):
    def __init__(self, status, why):
        super().__init__(why)
        self.status = status


def conv_axis(mode, n, k, s, d, pb, pa, out_given):
    """conv2d on one axis: (out, pad_before, pad_after, out_min, out_max)."""
    ke = d * (k - 1) + 1
    if mode in (SAME, SAME_LOWER):
        out = -(-n // s)                                   # ceil(in / s)
        total = max((out - 1) * s + ke - n, 0)
        b = total // 2 if mode == SAME else total - total // 2   # TF SAME: odd pixel at the end; ONNX SAME_LOWER: first
        a = total - b
    else:
        b, a = (pb, pa) if mode == EXPLICIT else (0, 0)
        out = cdiv(n + b + a - ke + s, s)                  # TF: (in + pb + pa - ke + s) / s
        if out < 0:
            raise AxisError(ERR_INVALID_ARGUMENT, "negative output")
    if out_given and out_given != out:
        raise AxisError(ERR_SHAPE_MISMATCH, "conv out %d != computed %d" % (out_given, out))
    return out, b, a, out, out


def transpose_range(mode, n, k, s, d, pb, pa, op):
    """conv2d_transpose on one axis: (full F, lowest admissible out, highest, default out)."""
    ke = d * (k - 1) + 1
    full = (n - 1) * s + ke
    if mode in (SAME, SAME_LOWER):
        return full, (n - 1) * s + 1, n * s, n * s
    if mode == VALID:
        return full, full, full + s - 1, n * s + max(ke - s, 0)   # Keras's default
    lo = full - pb - pa                                   # PyTorch / ONNX pads
    return full, lo, lo + max(s, d) - 1, lo + op


def transpose_axis(mode, n, k, s, d, pb, pa, out_given, op):
    """conv2d_transpose on one axis: (out, crop_before, crop_after = F - before - out, out_min, out_max)."""
    if op != 0:
        if mode != EXPLICIT or op < 0 or op >= max(s, d):
            raise AxisError(ERR_INVALID_ARGUMENT, "output_padding")
    full, lo, hi, default = transpose_range(mode, n, k, s, d, pb, pa, op)
    if mode == EXPLICIT and out_given and op and out_given != default:
        raise AxisError(ERR_SHAPE_MISMATCH, "out disagrees with output_padding")
    out = out_given or default
    if out < 0:
        raise AxisError(ERR_INVALID_ARGUMENT, "negative output")
    if out_given and n > 0 and not lo <= out <= hi:
        raise AxisError(ERR_SHAPE_MISMATCH, "out %d outside [%d, %d]" % (out, lo, hi))
    if mode == EXPLICIT:
        b = pb
    elif mode == VALID:
        b = 0
    else:
        total = max(full - out, 0)
        b = total // 2 if mode == SAME else total - total // 2
    return out, b, full - b - out, max(lo, 0), hi


def expected_geometry(cfg):
    """The ten fields of struct tconv_geometry (dict), or raises AxisError with the expected status."""
    tr = cfg["tr"]
    h = (cfg["padding"], cfg["in_h"], cfg["kernel_h"], cfg["stride_h"], cfg["dilation_h"], cfg["pad_top"],
         cfg["pad_bottom"], cfg["out_h"])
    w = (cfg["padding"], cfg["in_w"], cfg["kernel_w"], cfg["stride_w"], cfg["dilation_w"], cfg["pad_left"],
         cfg["pad_right"], cfg["out_w"])
    if tr:
        gh = transpose_axis(*h, cfg["output_padding_h"])
        gw = transpose_axis(*w, cfg["output_padding_w"])
    else:
        if cfg["output_padding_h"] or cfg["output_padding_w"]:
            raise AxisError(ERR_INVALID_ARGUMENT, "output_padding on conv2d")
        gh, gw = conv_axis(*h), conv_axis(*w)
    return dict(out_h=gh[0], out_w=gw[0], pad_top=gh[1], pad_bottom=gh[2], pad_left=gw[1], pad_right=gw[2],
                out_h_min=gh[3], out_h_max=gh[4], out_w_min=gw[3], out_w_max=gw[4])


# ---------------------------------------------------------------------------------------------------------------
# PyTorch, float64: the forward op and its gradients
# ---------------------------------------------------------------------------------------------------------------
# The torch weight of each op, and every filter layout as a permutation of it (the table of include/tconv.h:
# conv2d's groups split I, conv2d_transpose's split O, because the transposed op takes the filter tensor of
# the conv it transposes: torch's conv_transpose2d weight is [in, out/groups, kh, kw] = IOHW).
BASE = {False: "OIHW", True: "IOHW"}
RESOLVED = {False: {FILTER_DEFAULT: "HWIO"}, True: {FILTER_DEFAULT: "HWOI"}}


def layout_letters(tr, fl):
    return RESOLVED[tr].get(fl, FILTER_NAMES[fl])


def filter_perm(tr, fl):
    base = BASE[tr]
    return [base.index(ch) for ch in layout_letters(tr, fl)]


def oracle_forward(cfg, geo, x, w, b, relu):
    """y (NCHW, float64) of the op described by cfg, with the pads and sizes of geo (our formulas)."""
    s = (cfg["stride_h"], cfg["stride_w"])
    d = (cfg["dilation_h"], cfg["dilation_w"])
    g = cfg["groups"]
    if not cfg["tr"]:
        xp = F.pad(x, (geo["pad_left"], geo["pad_right"], geo["pad_top"], geo["pad_bottom"]))
        y = F.conv2d(xp, w, None, s, 0, d, g)
    else:
        full = F.conv_transpose2d(x, w, None, s, 0, 0, g, d)
        fh, fw = full.shape[2], full.shape[3]
        t, l, oh, ow = geo["pad_top"], geo["pad_left"], geo["out_h"], geo["out_w"]
        # positions past the full result receive no input: zero-extend, then crop y[o] = full[o + before]
        full = F.pad(full, (0, max(0, l + ow - fw), 0, max(0, t + oh - fh)))
        y = full[:, :, t:t + oh, l:l + ow]
    assert tuple(y.shape[2:]) == (geo["out_h"], geo["out_w"]), (tuple(y.shape), geo)
    if b is not None:
        y = y + b.view(1, -1, 1, 1)
    return torch.relu(y) if relu else y


def torch_native(cfg, geo, x, w, b):
    """The same op in PyTorch's own spelling, where it has one (symmetric pads, stride-1 SAME): a check of the
    pad/crop construction above. None if PyTorch cannot express it."""
    s = (cfg["stride_h"], cfg["stride_w"])
    d = (cfg["dilation_h"], cfg["dilation_w"])
    g = cfg["groups"]
    ph, pw = geo["pad_top"], geo["pad_left"]
    if not cfg["tr"]:
        if cfg["padding"] == SAME and s == (1, 1):
            return F.conv2d(x, w, b, 1, "same", d, g)
        if geo["pad_bottom"] == ph and geo["pad_right"] == pw:
            return F.conv2d(x, w, b, s, (ph, pw), d, g)
        return None
    if cfg["padding"] != EXPLICIT or geo["pad_top"] != cfg["pad_bottom"] or geo["pad_left"] != cfg["pad_right"]:
        return None
    oph, opw = cfg["pad_bottom"] - geo["pad_bottom"], cfg["pad_right"] - geo["pad_right"]  # out - (F - 2p)
    return F.conv_transpose2d(x, w, b, s, (ph, pw), (oph, opw), g, d)


# ---------------------------------------------------------------------------------------------------------------
# Tolerance
# ---------------------------------------------------------------------------------------------------------------
U32 = 2.0 ** -24   # float32 unit roundoff
TOL_C = 2.0        # worst-case bound: gamma_n = n*u/(1-n*u), times a margin of 2
TOL_LAMBDA = 8.0   # probabilistic bound's lambda: per-element failure probability < 2*K*exp(-32) ~ 3e-14*K
# Every output element e of every op is a sum of products: e = sum_{j<K_e} a_j*b_j (+ bias, + with accumulate
# the init value already in the buffer). The oracle computes, per element and exactly (float64 on float32-exact
# inputs):
#   A_e = the same op (or gradient) run on |x|, |w|, |b|, |dy|   (sum_j |a_j*b_j| + |bias|)
#   K_e = the same op run on all-ones tensors, no bias          (the number of terms that are not padding)
# so K_e is the true reduction length of each element: in_channels/groups * (taps inside x) for y and dx, and
# for the filter gradients batch * (the out_h*out_w pixels (conv) / in_h*in_w pixels (transposed) whose tap
# lands inside), batch*out_h*out_w for the bias gradients. Whatever the order or blocking of tconv's float32
# summation (GEMM with beta = 1, col2im, sub-pixel, direct loops, FMA or not), the worst-case bound (Higham,
# "Accuracy and Stability of Numerical Algorithms", 2nd ed., eq. 3.5) for a sum of n = K_e + 2 terms (the
# products, the bias, the init) is |fl(e) - e| <= gamma_n * (A_e + |init_e|), gamma_n = n*u/(1-n*u); for
# n above ~16 the probabilistic bound of Higham & Mary (SIAM J. Sci. Comput. 41(5), 2019, thm 3.1),
# lambda*sqrt(n)*u*(A_e + |init_e|), is the tighter one. The tolerance, per element:
#   |got_e - ref_e| <= u * min(TOL_C*(K_e+3), TOL_LAMBDA*sqrt(K_e+3)) * (A_e + |init_e|)
# Elements with no terms (bias-only positions, gradients no pixel reaches) must therefore match exactly.


def tolerance(K, A, init=None):
    if init is not None:
        A = A + np.abs(init)
    return U32 * np.minimum(TOL_C * (K + 3.0), TOL_LAMBDA * np.sqrt(K + 3.0)) * A


# ---------------------------------------------------------------------------------------------------------------
# Drawing configurations
# ---------------------------------------------------------------------------------------------------------------
def describe(cfg):
    """Every parameter of a configuration, as one reproducer string (resize-convolution: in_h, in_w are x's)."""
    if "scale" in cfg:
        parts = ["op=resize_conv2d scale=%s mode=%s" % (cfg["scale"], RESIZE_NAMES.get(cfg["mode"], cfg["mode"]))]
    else:
        parts = ["op=%s" % ("conv2d_transpose" if cfg["tr"] else "conv2d")]
    for f in PARAM_FIELDS:
        v = cfg[f]
        if f == "layout":
            v = LAYOUT_NAMES.get(v, v)
        elif f == "filter_layout":
            v = FILTER_NAMES.get(v, v)
        elif f == "padding":
            v = PADDING_NAMES.get(v, v)
        elif f == "activation":
            v = {ACT_NONE: "NONE", ACT_RELU: "RELU"}.get(v, v)
        parts.append("%s=%s" % (f, v))
    parts.append("bias=%d" % cfg["bias"])
    return " ".join(parts)


def draw_config(rng, tr):
    while True:
        cfg = dict((f, 0) for f in PARAM_FIELDS)
        cfg["tr"] = tr
        cfg["layout"] = rng.choice([NHWC, NCHW])
        cfg["filter_layout"] = rng.choice([FILTER_DEFAULT, FILTER_HWIO, FILTER_OIHW, FILTER_HWOI, FILTER_IOHW])
        u = rng.random()
        if u < 0.45:
            g, ci, co = 1, rng.randint(1, 4), rng.randint(1, 4)
        elif u < 0.75:   # grouped (not depthwise): includes a channel multiplier (groups == in_channels)
            g = rng.randint(2, 3)
            a, b = rng.randint(1, 3), rng.randint(1, 3)
            if a == b == 1:
                b = 2
            ci, co = g * a, g * b
        else:            # depthwise: groups == in_channels == out_channels
            g = ci = co = rng.randint(2, 5)
        cfg.update(groups=g, in_channels=ci, out_channels=co, batch=rng.randint(1, 3))
        cfg.update(in_h=rng.randint(1, 9), in_w=rng.randint(1, 9), kernel_h=rng.randint(1, 5),
                   kernel_w=rng.randint(1, 5), stride_h=rng.randint(1, 3), stride_w=rng.randint(1, 3),
                   dilation_h=rng.choice([1, 1, 1, 2, 3]), dilation_w=rng.choice([1, 1, 1, 2, 3]))
        cfg["padding"] = rng.choice([VALID, SAME, SAME_LOWER, EXPLICIT])
        if cfg["padding"] == EXPLICIT and rng.random() < 0.85:
            cfg.update(pad_top=rng.randint(0, 3), pad_bottom=rng.randint(0, 3), pad_left=rng.randint(0, 3),
                       pad_right=rng.randint(0, 3))
        cfg["bias"] = rng.random() < 0.5
        cfg["activation"] = ACT_RELU if rng.random() < 0.3 else ACT_NONE
        cfg["size_mode"] = "computed"
        if tr:
            ax = []
            for a in "hw":
                rng_args = (cfg["padding"], cfg["in_" + a], cfg["kernel_" + a], cfg["stride_" + a],
                            cfg["dilation_" + a], cfg["pad_top" if a == "h" else "pad_left"],
                            cfg["pad_bottom" if a == "h" else "pad_right"], 0)
                ax.append(transpose_range(*rng_args))
            if min(lo for _, lo, _, _ in ax) < 1:
                continue  # the crop eats the whole result: tconv's own tests cover those errors
            u = rng.random()
            if cfg["padding"] == EXPLICIT and u < 0.4:
                cfg["size_mode"] = "output_padding"
            elif cfg["padding"] == EXPLICIT and u < 0.6:
                cfg["size_mode"] = "output_padding+out"
            elif u < 0.8:
                cfg["size_mode"] = "out"
            for a, (full, lo, hi, default) in zip("hw", ax):
                if cfg["size_mode"].startswith("output_padding"):
                    op = rng.randint(0, hi - lo)   # 0 <= op < max(s, d)
                    cfg["output_padding_" + a] = op
                    if cfg["size_mode"] == "output_padding+out":
                        cfg["out_" + a] = lo + op
                elif cfg["size_mode"] == "out":
                    cfg["out_" + a] = rng.randint(lo, hi)   # TF's output_shape: any admissible size
        elif rng.random() < 0.2:
            cfg["size_mode"] = "out"
        try:
            geo = expected_geometry(cfg)
        except AxisError:
            continue
        if geo["out_h"] < 1 or geo["out_w"] < 1:
            continue
        if not tr and cfg["size_mode"] == "out":
            cfg["out_h"], cfg["out_w"] = geo["out_h"], geo["out_w"]
        return cfg, geo


def make_params(cfg, **over):
    d = dict((f, cfg[f]) for f in PARAM_FIELDS)
    d.update(over)
    return Params(**d)


# ---------------------------------------------------------------------------------------------------------------
# Buffers
# ---------------------------------------------------------------------------------------------------------------
GUARD = 4096   # floats after every output (NaN, checked) and input (zeros): room for an index bug to show


def fptr(a):
    return a.ctypes.data_as(FP) if a is not None else None


class Out:
    """A float32 output of n elements followed by a guard of NaNs (also NaN-filled: every element must be
    written), or pre-filled with init (accumulate)."""

    def __init__(self, n, init=None, extra=0):
        self.n = n
        self.buf = np.full(n + max(extra, 0) + GUARD, np.nan, dtype=np.float32)
        if init is not None:
            self.buf[:n] = init
        self.tail = self.buf[n:].view(np.uint32).copy()

    def ptr(self):
        return fptr(self.buf)

    def guard_ok(self):
        return np.array_equal(self.buf[self.n:].view(np.uint32), self.tail)

    @property
    def data(self):
        return self.buf[:self.n]


def padded(a, extra):
    """A float32 copy of a (flattened) with room after it, so a call that believes a tensor is bigger than the
    oracle does reads zeros instead of foreign memory."""
    flat = np.ascontiguousarray(a, dtype=np.float32).ravel()
    buf = np.zeros(flat.size + max(extra, 0) + GUARD, dtype=np.float32)
    buf[:flat.size] = flat
    return buf


# ---------------------------------------------------------------------------------------------------------------
# One configuration
# ---------------------------------------------------------------------------------------------------------------
class Case:
    flag = "case"   # --case I reruns it

    def __init__(self, lib, seed, index, cfg, geo, stats, argv0, libpath):
        self.lib, self.seed, self.index, self.cfg, self.geo, self.stats = lib, seed, index, cfg, geo, stats
        self.failures = []
        self.argv0, self.libpath = argv0, libpath

    def fail(self, check, msg):
        self.failures.append("FAIL seed=%d %s=%d check=%s: %s | %s | size_mode=%s | rerun: TCONV_TEST_SEED=%d "
                             "/usr/bin/python3 %s %s --%s %d" %
                             (self.seed, self.flag, self.index, check, msg, describe(self.cfg), self.cfg["size_mode"],
                              self.seed, self.argv0, self.libpath, self.flag, self.index))

    def last_error(self):
        return self.lib.tconv_last_error().decode(errors="replace")

    # -- comparisons ---------------------------------------------------------------------------------------------
    def compare(self, check, out, ref, K, A, shape, init=None, extra=None):
        """out: Out; ref, K, A: float64 arrays in tconv's layout (shape); extra: a further absolute tolerance per
        element (resize-convolution's upsampling), same shape."""
        if not out.guard_ok():
            self.fail(check, "wrote past the end of its %d-element output" % out.n)
            return False
        got = out.data.astype(np.float64)
        ref, K, A = ref.ravel(), K.ravel(), A.ravel()
        tol = tolerance(K, A, None if init is None else init.astype(np.float64))
        if extra is not None:
            tol = tol + extra.ravel()
        err = np.abs(got - ref)
        bad = ~(err <= tol)    # NaN (an element never written) is bad
        pos = tol > 0
        if pos.any() and not bad.any():
            ratio = np.where(pos, err, 0) / np.where(pos, tol, 1)
            for key, sel in (("worst_ratio", pos), ("worst_ratio_K16", pos & (K >= 16))):
                if sel.any():
                    r = float(np.max(np.where(sel, ratio, 0)))
                    if r > self.stats[key][0]:
                        self.stats[key] = [r, check]
        if bad.any():
            j = int(np.argmax(np.where(bad, np.nan_to_num(err, nan=np.inf) - tol, -np.inf)))
            self.fail(check, "%d of %d elements differ; worst at %s%s: got %.9g, want %.12g, |err| %.3g > tol %.3g "
                      "(K=%d terms, sum|terms|=%.4g)" %
                      (int(bad.sum()), bad.size, shape_name(shape), list(np.unravel_index(j, shape)), got[j], ref[j],
                       err[j], tol[j], K[j], A[j]))
            return False
        return True

    # -- geometry ------------------------------------------------------------------------------------------------
    def tconv_geometry(self, cfg, **over):
        g = Geometry()
        fn = self.lib.tconv_conv2d_transpose_geometry if cfg["tr"] else self.lib.tconv_conv2d_geometry
        st = fn(C.byref(make_params(cfg, **over)), C.byref(g))
        return st, dict((f, getattr(g, f)) for f in GEOMETRY_FIELDS)

    def check_geometry(self):
        cfg = self.cfg
        st, g = self.tconv_geometry(cfg)
        self.stats["checks"]["geometry"] += 1
        if st != OK:
            self.fail("geometry", "status %d (%s), want OK" % (st, self.last_error()))
            return None
        diff = ["%s=%d (want %d)" % (f, g[f], self.geo[f]) for f in GEOMETRY_FIELDS if g[f] != self.geo[f]]
        if diff:
            self.fail("geometry", "tconv_%s_geometry disagrees with the formulas: %s" %
                      ("conv2d_transpose" if cfg["tr"] else "conv2d", ", ".join(diff)))
        if cfg["tr"]:
            # every output size of the admissible range, and one past each end, per axis
            for a in "hw":
                lo, hi = self.geo["out_%s_min" % a], self.geo["out_%s_max" % a]
                for o in range(max(lo - 1, 1), hi + 2):
                    c2 = dict(cfg)
                    c2["out_" + a] = o
                    if cfg["output_padding_" + a]:
                        c2["output_padding_" + a] = 0   # a given out alone (TF's output_shape)
                    try:
                        want = expected_geometry(c2)
                        want_st = OK
                    except AxisError as e:
                        want, want_st = None, e.status
                    st2, g2 = self.tconv_geometry(c2)
                    self.stats["checks"]["geometry sweep"] += 1
                    if st2 != want_st:
                        self.fail("geometry-sweep", "out_%s=%d (admissible [%d, %d] by the formulas): status %d, "
                                  "want %d (%s)" % (a, o, lo, hi, st2, want_st, self.last_error()))
                    elif want is not None and g2 != want:
                        self.fail("geometry-sweep", "out_%s=%d: %s" % (a, o, ", ".join(
                            "%s=%d (want %d)" % (f, g2[f], want[f]) for f in GEOMETRY_FIELDS if g2[f] != want[f])))
        return g

    def check_filter_helpers(self, rng):
        cfg, tr = self.cfg, self.cfg["tr"]
        op = OP_CONV2D_TRANSPOSE if tr else OP_CONV2D
        p = make_params(cfg)
        dims = (C.c_int64 * 4)()
        fl = C.c_int(-1)
        st = self.lib.tconv_filter_shape(op, C.byref(p), C.byref(dims), C.byref(fl))
        want_shape = tuple(self.wshape_base[i] for i in self.perm)
        want_fl = [k for k, v in FILTER_NAMES.items() if v == layout_letters(tr, cfg["filter_layout"])][0]
        self.stats["checks"]["filter_shape/index"] += 1
        if st != OK or tuple(dims) != want_shape or fl.value != want_fl:
            self.fail("filter_shape", "status %d, dims %s layout %d; want %s layout %d (%s)" %
                      (st, tuple(dims), fl.value, want_shape, want_fl, layout_letters(tr, cfg["filter_layout"])))
        ci, co, g = cfg["in_channels"], cfg["out_channels"], cfg["groups"]
        for _ in range(4):
            grp = rng.randrange(g)
            i = grp * (ci // g) + rng.randrange(ci // g)
            o = grp * (co // g) + rng.randrange(co // g)
            ky, kx = rng.randrange(cfg["kernel_h"]), rng.randrange(cfg["kernel_w"])
            base = (i, o % (co // g), ky, kx) if tr else (o, i % (ci // g), ky, kx)   # IOHW / OIHW index
            want = int(np.ravel_multi_index(tuple(base[j] for j in self.perm), want_shape))
            idx = C.c_int64(-1)
            st = self.lib.tconv_filter_index(op, C.byref(p), o, i, ky, kx, C.byref(idx))
            if st != OK or idx.value != want:
                self.fail("filter_index", "out_channel=%d in_channel=%d ky=%d kx=%d: status %d index %d, want %d" %
                          (o, i, ky, kx, st, idx.value, want))
                break

    # -- the run -------------------------------------------------------------------------------------------------
    def run(self):
        cfg, geo, stats, lib = self.cfg, self.geo, self.stats, self.lib
        tr = cfg["tr"]
        rng = random.Random("%d:%d:data" % (self.seed, self.index))
        nrng = np.random.default_rng([self.seed, self.index])
        tg = self.check_geometry()
        n, ci, co, g = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
        kh, kw = cfg["kernel_h"], cfg["kernel_w"]
        oh, ow = geo["out_h"], geo["out_w"]
        self.wshape_base = (ci, co // g, kh, kw) if tr else (co, ci // g, kh, kw)
        self.perm = filter_perm(tr, cfg["filter_layout"])
        self.check_filter_helpers(rng)
        # what tconv believes y holds, to size buffers safely even when it disagrees with the formulas
        t_y = n * co * (tg["out_h"] * tg["out_w"] if tg else 0)
        extra_y = max(0, t_y - n * co * oh * ow)
        if tg and (tg["out_h"], tg["out_w"]) != (oh, ow):
            self.fail("data", "skipped: tconv's output size %dx%d differs from the formulas' %dx%d" %
                      (tg["out_h"], tg["out_w"], oh, ow))
            return

        def rnd(*shape):   # float32-exact values, so tconv and torch read the same numbers
            return torch.from_numpy(nrng.uniform(-1, 1, size=shape).astype(np.float32).astype(np.float64))

        x = rnd(n, ci, cfg["in_h"], cfg["in_w"])
        w = rnd(*self.wshape_base)
        b = rnd(co) if cfg["bias"] else None
        relu = cfg["activation"] == ACT_RELU
        nchw = cfg["layout"] == NCHW

        def to_layout(t):  # NCHW torch -> tconv's layout, numpy float64
            t = t.detach()
            return (t if nchw else t.permute(0, 2, 3, 1)).contiguous().numpy()

        def to_filter(t):
            return t.detach().permute(*self.perm).contiguous().numpy()

        with torch.no_grad():
            ref = oracle_forward(cfg, geo, x, w, b, relu)
            A = oracle_forward(cfg, geo, x.abs(), w.abs(), None if b is None else b.abs(), False)
            K = oracle_forward(cfg, geo, torch.ones_like(x), torch.ones_like(w), None, False)
            nat = torch_native(cfg, geo, x, w, b)
            if nat is not None:
                stats["checks"]["torch native spelling"] += 1
                pre = ref if not relu else oracle_forward(cfg, geo, x, w, b, False)
                if nat.shape != pre.shape or not torch.allclose(nat, pre, rtol=1e-12, atol=1e-12):
                    self.fail("oracle-self-check", "PyTorch's own padding/output_padding spelling disagrees with "
                              "pad + conv / full + crop (shape %s vs %s)" % (tuple(nat.shape), tuple(pre.shape)))
        yshape = tuple(to_layout(ref).shape)
        xa, wa = to_layout(x), to_filter(w)
        ba = padded(b.numpy(), 0) if b is not None else None
        xbuf, wbuf = padded(xa, 0), padded(wa, 0)
        x0, w0 = xbuf.copy(), wbuf.copy()
        ref_l, A_l, K_l = to_layout(ref), to_layout(A), to_layout(K)
        opname = "conv2d_transpose" if tr else "conv2d"
        p = make_params(cfg)

        # forward: plain, naive reference, and _ex with each forced algorithm on 1 and 2 threads
        calls = [("forward", None, None), ("forward/reference", None, None)]
        for algo in (ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT):
            for th in (1, 2):
                calls.append(("forward/ex[%s,threads=%d]" % (ALGO_NAMES[algo], th), algo, th))
        for name, algo, th in calls:
            y = Out(n * co * oh * ow, extra=extra_y)
            prof = Profile()
            if name == "forward":
                st = getattr(lib, "tconv_" + opname)(C.byref(p), fptr(xbuf), fptr(wbuf), fptr(ba), y.ptr())
            elif name == "forward/reference":
                st = getattr(lib, "tconv_%s_reference" % opname)(C.byref(p), fptr(xbuf), fptr(wbuf), fptr(ba),
                                                                  y.ptr())
            else:
                opt = Options(num_threads=th, algorithm=algo, profile=C.pointer(prof), accumulate=0)
                st = getattr(lib, "tconv_%s_ex" % opname)(C.byref(p), fptr(xbuf), fptr(wbuf), fptr(ba), y.ptr(), None,
                                                           0, C.byref(opt))
            stats["forward calls"]["|".join((opname, name.split("[")[0] if algo is None else ALGO_NAMES[algo],
                                             "OK" if st == OK else "UNSUPPORTED" if st == ERR_UNSUPPORTED
                                             else "error"))] += 1
            if algo is not None and st == ERR_UNSUPPORTED:
                if not np.all(np.isnan(y.buf)):
                    self.fail(name, "TCONV_ERR_UNSUPPORTED but the output was written")
                continue
            if st != OK:
                self.fail(name, "status %d: %s" % (st, self.last_error()))
                continue
            if algo is not None and prof.algorithm != algo:
                self.fail(name, "the profile says %s ran" % ALGO_NAMES.get(prof.algorithm, prof.algorithm))
            if algo is not None and not 1 <= prof.threads <= th:
                self.fail(name, "the profile says %d threads ran (asked %d)" % (prof.threads, th))
            self.compare(name, y, ref_l, K_l, A_l, yshape)
        if not (np.array_equal(xbuf, x0) and np.array_equal(wbuf, w0)):
            self.fail("forward", "an input was modified")
        stats["checks"][opname] += 1

        # the three gradients of the linear op (p describes the forward op, activation NONE)
        pg = make_params(cfg, activation=ACT_NONE)
        dy = rnd(n, co, oh, ow)

        def grads(xv, wv, dyv, with_bias=True):
            xv = xv.clone().requires_grad_(True)
            wv = wv.clone().requires_grad_(True)
            bv = torch.zeros(co, dtype=torch.float64, requires_grad=True)
            y_ = oracle_forward(cfg, geo, xv, wv, bv if with_bias else None, False)
            y_.backward(dyv)
            return xv.grad, wv.grad, bv.grad if with_bias else torch.zeros(co, dtype=torch.float64)

        gx, gw, gb = grads(x, w, dy)
        Ax, Aw, Ab = grads(x.abs(), w.abs(), dy.abs())
        Kx, Kw, Kb = grads(torch.ones_like(x), torch.ones_like(w), torch.ones_like(dy))
        # sanity of the reduction lengths: filter gradients reduce over batch x (out pixels | in pixels)
        red = n * (cfg["in_h"] * cfg["in_w"] if tr else oh * ow)
        if Kw.max().item() > red or Kb.max().item() != n * oh * ow:
            self.fail("oracle-self-check", "reduction length %d / %d exceeds batch x pixels %d / %d" %
                      (Kw.max().item(), Kb.max().item(), red, n * oh * ow))
        dybuf = padded(to_layout(dy), extra_y)
        dy0 = dybuf.copy()
        grad_specs = {
            "backward_data": (n * ci * cfg["in_h"] * cfg["in_w"], to_layout(gx), to_layout(Kx), to_layout(Ax),
                              tuple(xa.shape), lambda out: (fptr(dybuf), fptr(wbuf), out)),
            "backward_filter": (wa.size, to_filter(gw), to_filter(Kw), to_filter(Aw), tuple(wa.shape),
                                lambda out: (fptr(xbuf), fptr(dybuf), out)),
            "backward_bias": (co, gb.numpy(), Kb.numpy(), Ab.numpy(), (co,), lambda out: (fptr(dybuf), out)),
        }
        for gname, (cnt, gref, gK, gA, gshape, args) in grad_specs.items():
            base = "tconv_%s_%s" % (opname, gname)
            stats["checks"]["%s_%s" % (opname, gname)] += 1
            runs = [("plain", None, None, False), ("reference", None, None, False)]
            for algo in (ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT):
                runs.append(("ex", algo, rng.choice([1, 2]), rng.random() < 0.25))
            for kind, algo, th, acc in runs:
                init = nrng.uniform(-1, 1, size=cnt).astype(np.float32) if acc else None
                out = Out(cnt, init=init)
                prof = Profile()
                if kind == "plain":
                    st = getattr(lib, base)(C.byref(pg), *args(out.ptr()))
                    check = "%s_%s" % (opname, gname)
                elif kind == "reference":
                    st = getattr(lib, base + "_reference")(C.byref(pg), *args(out.ptr()))
                    check = "%s_%s/reference" % (opname, gname)
                else:
                    opt = Options(num_threads=th, algorithm=algo, profile=C.pointer(prof), accumulate=int(acc))
                    st = getattr(lib, base + "_ex")(C.byref(pg), *args(out.ptr()), None, 0, C.byref(opt))
                    check = "%s_%s/ex[%s,threads=%d%s]" % (opname, gname, ALGO_NAMES[algo], th,
                                                          ",accumulate" if acc else "")
                    stats["gradient ex calls"]["%s/%s|%s" % (gname, ALGO_NAMES[algo], "OK" if st == OK else
                                                             "UNSUPPORTED" if st == ERR_UNSUPPORTED
                                                             else "error")] += 1
                    if acc and st == OK:
                        stats["checks"]["accumulate=1 calls"] += 1
                if algo is not None and st == ERR_UNSUPPORTED:
                    continue
                if st != OK:
                    self.fail(check, "status %d: %s" % (st, self.last_error()))
                    continue
                if algo is not None and prof.algorithm != algo:
                    self.fail(check, "the profile says %s ran" % ALGO_NAMES.get(prof.algorithm, prof.algorithm))
                want = gref.ravel() + (init.astype(np.float64) if acc else 0)
                self.compare(check, out, want, gK, gA, gshape, init=init)
        if not (np.array_equal(xbuf, x0) and np.array_equal(wbuf, w0) and np.array_equal(dybuf, dy0)):
            self.fail("gradients", "an input was modified")


def shape_name(shape):
    return "x".join(str(s) for s in shape)


# ---------------------------------------------------------------------------------------------------------------
# Invalid configurations: the documented status, a message, and an untouched output
# ---------------------------------------------------------------------------------------------------------------
def invalid_variants(cfg, geo):
    """(label, cfg changes, expected status, parameter the message must name, which call)."""
    v = []
    s_h, d_h, s_w, d_w = cfg["stride_h"], cfg["dilation_h"], cfg["stride_w"], cfg["dilation_w"]
    if cfg["tr"]:
        v.append(("output_shape above the range", dict(out_h=geo["out_h_max"] + 1, output_padding_h=0,
                                                       output_padding_w=0), ERR_SHAPE_MISMATCH, "out_h"))
        if geo["out_w_min"] > 1:
            v.append(("output_shape below the range", dict(out_w=geo["out_w_min"] - 1, output_padding_h=0,
                                                           output_padding_w=0), ERR_SHAPE_MISMATCH, "out_w"))
        if cfg["padding"] == EXPLICIT:
            v.append(("output_padding_h == max(stride, dilation)", dict(output_padding_h=max(s_h, d_h), out_h=0),
                      ERR_INVALID_ARGUMENT, "output_padding_h"))
            v.append(("output_padding_w > max(stride, dilation)", dict(output_padding_w=max(s_w, d_w) + 1, out_w=0),
                      ERR_INVALID_ARGUMENT, "output_padding_w"))
            if max(s_h, d_h) > 1:   # output_padding 1 gives out_min + 1; out_min alone is admissible
                v.append(("out_h disagrees with output_padding_h", dict(output_padding_h=1, out_h=geo["out_h_min"]),
                          ERR_SHAPE_MISMATCH, "out_h"))
        else:
            v.append(("output_padding with %s padding" % PADDING_NAMES[cfg["padding"]],
                      dict(output_padding_w=1, out_w=0), ERR_INVALID_ARGUMENT, "output_padding_w"))
    else:
        v.append(("conv out_h not the computed size", dict(out_h=geo["out_h"] + 1), ERR_SHAPE_MISMATCH, "out_h"))
        v.append(("output_padding on conv2d", dict(output_padding_h=1), ERR_INVALID_ARGUMENT, "output_padding_h"))
    v.append(("gradient with activation RELU", dict(activation=ACT_RELU), ERR_INVALID_ARGUMENT, "activation"))
    return v


def run_invalid(lib, seed, index, cfg, geo, label, change, want_st, name, stats, argv0, libpath):
    """One invalid configuration; returns the failure lines."""
    c = dict(cfg)
    c.update(change)
    c["size_mode"] = "invalid: " + label
    case = Case(lib, seed, index, c, geo, stats, argv0, libpath)
    tr = c["tr"]
    opname = "conv2d_transpose" if tr else "conv2d"
    grad = label.startswith("gradient")
    if not grad:   # the case must be invalid by our formulas too
        try:
            expected_geometry(c)
            case.fail("invalid", "%s: the oracle's own formulas accept it" % label)
            return case.failures
        except AxisError as e:
            if e.status != want_st:
                case.fail("invalid", "%s: the formulas give status %d, expected %d" % (label, e.status, want_st))
                return case.failures
        st, _ = case.tconv_geometry(c)
        if st != want_st:
            case.fail("invalid/geometry", "%s: status %d, want %d (%s)" % (label, st, want_st, case.last_error()))
    # generous buffers: the largest sizes either side could believe in
    big = c["batch"] * max(c["in_channels"], c["out_channels"]) * 64 * 64 + 4096
    rng = np.random.default_rng([seed, index, 7])
    x = rng.uniform(-1, 1, big).astype(np.float32)
    w = rng.uniform(-1, 1, big).astype(np.float32)
    b = rng.uniform(-1, 1, big).astype(np.float32)
    p = make_params(c)
    for call in (["backward_data", "backward_filter", "backward_bias"] if grad else ["forward", "backward_data"]):
        out = rng.uniform(-1, 1, big).astype(np.float32)
        before = out.copy()
        fn = "tconv_%s%s" % (opname, "" if call == "forward" else "_" + call)
        if call == "forward":
            st = getattr(lib, fn)(C.byref(p), fptr(x), fptr(w), fptr(b), fptr(out))
        elif call == "backward_data":
            st = getattr(lib, fn)(C.byref(p), fptr(x), fptr(w), fptr(out))
        elif call == "backward_filter":
            st = getattr(lib, fn)(C.byref(p), fptr(x), fptr(w), fptr(out))
        else:
            st = getattr(lib, fn)(C.byref(p), fptr(x), fptr(out))
        msg = case.last_error()
        stats["invalid calls"][label] += 1
        if st != want_st:
            case.fail("invalid/" + call, "%s: status %d, want %d (%s)" % (label, st, want_st, msg))
        elif name not in msg or not msg.startswith(fn + ": "):
            case.fail("invalid/" + call, "%s: the message does not name %s / %s: %s" % (label, fn, name, msg))
        if not np.array_equal(out.view(np.uint32), before.view(np.uint32)):
            case.fail("invalid/" + call, "%s: the output buffer was written on failure" % label)
    return case.failures


# ---------------------------------------------------------------------------------------------------------------
# Resize-convolution: upsample x by `scale` (nearest / bilinear), then conv2d with p (include/tconv.h)
# ---------------------------------------------------------------------------------------------------------------
DEFAULT_RESIZE_CASES = 400
# Tolerance of resize-convolution: the conv's own (above), computed on the exact interpolation of |x|
# (>= |interpolation of x|, as the weights are >= 0), plus the upsampling's roundings, bounded worst-case:
#   nearest   the upsampled pixels are copies (exact). But nearest + a stride-1 conv may run as one transposed conv
#             whose composed kernel tap is the float32 sum of up to m = min(k, ceil(s/d)) conv taps per axis
#             (header: "a composed kernel of (kernel-1)*dilation + scale taps"); such a sum is off by at most
#             (m_h*m_w - 1)*u*sum|w_t|, and every (x pixel, conv tap) pair appears once in A, so this adds
#             (m_h*m_w - 1)*u*A.
#   bilinear  per upsampled coordinate v of an axis with n source pixels, float32 computes the source coordinate
#             f = fl(fl((v + 0.5)/s) - 0.5): the division rounds once (q = (v + 0.5)/s < n, so by < u*n), the
#             subtraction of 0.5 from q >= 0.5 is exact, and f_exact is a multiple of 1/(2s), far from an integer
#             unless it is one, so floor(f) is exact: each weight l = f - floor(f) is off by <= u*n, 1 - l by
#             <= u*(n + 1) (one more rounding). Then (1-ly)*((1-lx)*a + lx*b) + ly*((1-lx)*c + lx*d): per level
#             the weights' errors, two products and a sum, (n_w + 3)*u*(|a| + |b|) inside, (n_h + 3)*u*(...) outside,
#             so the upsampled value is within (n_h + n_w + 6)*u*(|a|+|b|+|c|+|d|) of the exact interpolation (a..d its
#             four source pixels, counted again where the edge clamps them together; FMA only removes roundings).
#             Through the conv that adds (in_h + in_w + 6)*u*B, B = the conv of those corner sums with |w|, computed
#             by the oracle. Both terms get TOL_C's margin of 2. (Without this term scale-3 cases with one tap fail:
#             1/3 and 2/3 are not float32 numbers.)


def resize_up(cfg):
    """The conv over the upsampled x that p describes (in_h, in_w multiplied by scale)."""
    up = dict((k, v) for k, v in cfg.items() if k not in ("scale", "mode"))
    up["in_h"], up["in_w"], up["tr"] = cfg["in_h"] * cfg["scale"], cfg["in_w"] * cfg["scale"], False
    return up


def draw_resize_config(rng):
    """A resize-convolution: scale 1-4, both modes, x of 1..6 pixels a side, the conv of draw_config (strides set to
    1 half the time: nearest + a stride-1 conv is the composed path)."""
    while True:
        cfg, _ = draw_config(rng, tr=False)
        cfg.update(scale=rng.randint(1, 4), mode=rng.choice([RESIZE_NEAREST, RESIZE_BILINEAR]),
                   in_h=rng.randint(1, 6), in_w=rng.randint(1, 6), out_h=0, out_w=0)
        if rng.random() < 0.5:
            cfg["stride_h"] = cfg["stride_w"] = 1
        try:
            geo = expected_geometry(resize_up(cfg))
        except AxisError:
            continue
        if geo["out_h"] < 1 or geo["out_w"] < 1:
            continue
        if cfg["size_mode"] == "out":
            cfg["out_h"], cfg["out_w"] = geo["out_h"], geo["out_w"]
        return cfg, geo


def draw_resize(seed, r):
    return draw_resize_config(random.Random("%d:resize:%d" % (seed, r)))


def resize_matrices(n, s, mode):
    """Our own upsampling of one axis of n pixels: (weights, corners), each (n*s) x n. Row v of weights holds the
    weights of x's pixels in upsampled pixel v (nearest: pixel v // s; bilinear: half-pixel centres, the source
    coordinate (v + 0.5)/s - 0.5 clamped at 0 and its upper neighbour at n - 1); corners counts each of the two
    source pixels once (both of them, even where a weight is 0)."""
    wm, cm = np.zeros((n * s, n)), np.zeros((n * s, n))
    for v in range(n * s):
        if mode == RESIZE_NEAREST:
            wm[v, v // s] = cm[v, v // s] = 1.0
            continue
        f = max((2 * v + 1 - s) / (2.0 * s), 0.0)
        i0 = int(f)
        i1 = min(i0 + 1, n - 1)
        lam = f - i0
        wm[v, i0] += 1.0 - lam
        wm[v, i1] += lam
        cm[v, i0] += 1.0
        cm[v, i1] += 1.0
    return wm, cm


def resize_extra_tolerance(cfg, A, B):
    """The upsampling's share of the tolerance (see the comment above): float64, the shape of A."""
    if cfg["mode"] == RESIZE_NEAREST:
        s = cfg["scale"]
        m = 1
        for a in "hw":
            m *= min(cfg["kernel_" + a], -(-s // cfg["dilation_" + a]))
        return TOL_C * (m - 1) * U32 * A
    return TOL_C * (cfg["in_h"] + cfg["in_w"] + 6) * U32 * B


def composed_path(cfg, geo):
    """Whether the composed path should run (coverage only): the header's rule (nearest, a stride-1 conv, padding
    within the dilated kernel) and, as src/resize.c also requires, no dilation beyond the scale on an axis with
    more than one tap (the header's list of exceptions does not mention that one)."""
    return (cfg["mode"] == RESIZE_NEAREST and cfg["stride_h"] == cfg["stride_w"] == 1 and
            all(geo[pad] <= cfg["dilation_" + a] * (cfg["kernel_" + a] - 1) and
                (cfg["kernel_" + a] == 1 or cfg["dilation_" + a] <= cfg["scale"])
                for a, pad in (("h", "pad_top"), ("w", "pad_left"))))


class Workspace:
    """A caller workspace of nbytes at a deliberately odd address (the header: any alignment is fine), between
    guard bytes that must survive the call."""

    def __init__(self, nbytes, misalign):
        self.nbytes, self.misalign = nbytes, misalign
        self.buf = np.full(nbytes + misalign + 256, 0xA5, dtype=np.uint8)
        self.addr = self.buf.ctypes.data + misalign

    def guards_ok(self):
        return (np.all(self.buf[:self.misalign] == 0xA5) and
                np.all(self.buf[self.misalign + self.nbytes:] == 0xA5))


class ResizeCase(Case):
    flag = "resize-case"

    def check_status(self, check, st, want, y, what="the output"):
        """False (and a failure) unless st == want; on a failure status y (an Out) must be untouched (all NaN)."""
        if st != want:
            self.fail(check, "status %d, want %d (%s)" % (st, want, self.last_error()))
            return False
        if st != OK and not np.all(np.isnan(y.buf)):
            self.fail(check, "status %d but %s was written" % (st, what))
            return False
        return True

    def run(self):
        cfg, geo, stats, lib = self.cfg, self.geo, self.stats, self.lib
        s, mode = cfg["scale"], cfg["mode"]
        up = resize_up(cfg)
        nrng = np.random.default_rng([self.seed, 1, self.index])   # streams of their own (not the random cases')
        rng = random.Random("%d:resize:%d:data" % (self.seed, self.index))
        # tconv's geometry of the conv over the upsampled x must be the formulas'
        st, tg = self.tconv_geometry(up)
        stats["checks"]["resize geometry"] += 1
        if st != OK or tg != geo:
            self.fail("resize/geometry", "tconv_conv2d_geometry of the upsampled conv: status %d, %s; want %s" %
                      (st, tg, geo))
            return
        n, ci, co, g = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
        kh, kw, ih, iw = cfg["kernel_h"], cfg["kernel_w"], cfg["in_h"], cfg["in_w"]
        oh, ow = geo["out_h"], geo["out_w"]
        self.wshape_base = (co, ci // g, kh, kw)
        self.perm = filter_perm(False, cfg["filter_layout"])

        def rnd(*shape):
            return torch.from_numpy(nrng.uniform(-1, 1, size=shape).astype(np.float32).astype(np.float64))

        x = rnd(n, ci, ih, iw)
        w = rnd(*self.wshape_base)
        b = rnd(co) if cfg["bias"] else None
        relu = cfg["activation"] == ACT_RELU
        nchw = cfg["layout"] == NCHW
        size = (ih * s, iw * s)

        def upsample(t):   # PyTorch's own resize, float64
            if mode == RESIZE_NEAREST:
                return F.interpolate(t, size=size, mode="nearest")
            return F.interpolate(t, size=size, mode="bilinear", align_corners=False)

        def to_layout(t):
            t = t.detach()
            return (t if nchw else t.permute(0, 2, 3, 1)).contiguous().numpy()

        with torch.no_grad():
            xu = upsample(x)
            wh, chm = resize_matrices(ih, s, mode)
            ww, cwm = resize_matrices(iw, s, mode)
            th, tw = torch.from_numpy(wh), torch.from_numpy(ww)
            own = torch.einsum("nchw,Hh,Ww->ncHW", x, th, tw)
            stats["checks"]["resize: F.interpolate = our formulas"] += 1
            if not torch.allclose(xu, own, rtol=0, atol=1e-12):
                self.fail("oracle-self-check", "F.interpolate(mode=%s) differs from our own upsampling by %.3g" %
                          (RESIZE_NAMES[mode], (xu - own).abs().max().item()))
            ref = oracle_forward(up, geo, xu, w, b, relu)
            A = oracle_forward(up, geo, upsample(x.abs()), w.abs(), None if b is None else b.abs(), False)
            K = oracle_forward(up, geo, torch.ones(n, ci, size[0], size[1], dtype=torch.float64),
                               torch.ones_like(w), None, False)
            B = None
            if mode == RESIZE_BILINEAR:
                corners = torch.einsum("nchw,Hh,Ww->ncHW", x.abs(), torch.from_numpy(chm), torch.from_numpy(cwm))
                B = to_layout(oracle_forward(up, geo, corners, w.abs(), None, False))
        ref_l, A_l, K_l = to_layout(ref), to_layout(A), to_layout(K)
        extra = resize_extra_tolerance(cfg, A_l, B)
        yshape = ref_l.shape
        ny = n * co * oh * ow
        xbuf = padded(to_layout(x), 0)
        wbuf = padded(w.permute(*self.perm).contiguous().numpy(), 0)
        bbuf = padded(b.numpy(), 0) if b is not None else None
        x0, w0 = xbuf.copy(), wbuf.copy()
        p = make_params(cfg)
        key = RESIZE_NAMES[mode]

        def count(call, st):
            stats["resize calls"]["%s|%s|%s" % (key, call, "OK" if st == OK else "UNSUPPORTED" if st == ERR_UNSUPPORTED
                                                 else "status %d" % st)] += 1

        def check_profile(check, prof, algo, th):
            if algo != ALGO_AUTO and prof.algorithm != algo:
                self.fail(check, "the profile says %s ran" % ALGO_NAMES.get(prof.algorithm, prof.algorithm))
            elif prof.algorithm not in (ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT):
                self.fail(check, "the profile's algorithm is %d (%s), not one that computes" %
                          (prof.algorithm, ALGO_NAMES.get(prof.algorithm, "?")))
            if not 1 <= prof.threads <= th:
                self.fail(check, "the profile says %d threads ran (asked %d)" % (prof.threads, th))
            if not (prof.total >= 0 and all(getattr(prof, f) >= 0 for f in ("pack", "im2col", "gemm", "col2im",
                                                                              "epilogue"))):
                self.fail(check, "negative times in the profile")

        # the plain call, the reference, _ex with each forced algorithm on 1 and 2 threads
        calls = [("plain", None, None), ("reference", None, None)]
        for algo in (ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT):
            for th in (1, 2):
                calls.append(("ex[%s,threads=%d]" % (ALGO_NAMES[algo], th), algo, th))
        for name, algo, th in calls:
            check = "resize/" + name
            y = Out(ny)
            prof = Profile()
            if name == "plain":
                st = lib.tconv_resize_conv2d(C.byref(p), s, mode, fptr(xbuf), fptr(wbuf), fptr(bbuf), y.ptr())
            elif name == "reference":
                st = lib.tconv_resize_conv2d_reference(C.byref(p), s, mode, fptr(xbuf), fptr(wbuf), fptr(bbuf),
                                                       y.ptr())
            else:
                opt = Options(num_threads=th, algorithm=algo, profile=C.pointer(prof), accumulate=0)
                st = lib.tconv_resize_conv2d_ex(C.byref(p), s, mode, fptr(xbuf), fptr(wbuf), fptr(bbuf), y.ptr(),
                                                None, 0, C.byref(opt))
            count(name.split("[")[0] if algo is None else ALGO_NAMES[algo], st)
            if algo is not None and st == ERR_UNSUPPORTED:
                if not np.all(np.isnan(y.buf)):
                    self.fail(check, "TCONV_ERR_UNSUPPORTED but the output was written")
                continue
            if st != OK:
                self.fail(check, "status %d: %s" % (st, self.last_error()))
                continue
            if algo is not None:
                check_profile(check, prof, algo, th)
            self.compare(check, y, ref_l, K_l, A_l, yshape, extra=extra)

        # a caller workspace of exactly the queried size (at an odd address), and one byte too few
        sizes = {}
        for th in (1, 2):
            opt = Options(num_threads=th, algorithm=ALGO_AUTO, profile=None, accumulate=0)
            nb = C.c_size_t(0)
            st = lib.tconv_resize_conv2d_workspace_size(C.byref(p), s, mode, C.byref(opt), C.byref(nb))
            count("workspace_size", st)
            if st != OK:
                self.fail("resize/workspace_size", "threads=%d: status %d: %s" % (th, st, self.last_error()))
                return
            sizes[th] = nb.value
        if sizes[2] < sizes[1]:
            self.fail("resize/workspace_size", "2 threads need %d bytes, fewer than 1 thread's %d" %
                      (sizes[2], sizes[1]))
        for th in (1, 2):
            for short in (0, 1):
                nbytes = sizes[th] - short
                if nbytes < 0:
                    continue
                check = "resize/ex[workspace %s%d bytes,threads=%d]" % ("queried-1 = " if short else "", nbytes, th)
                ws = Workspace(nbytes, rng.randrange(1, 8))
                y = Out(ny)
                prof = Profile()
                opt = Options(num_threads=th, algorithm=ALGO_AUTO, profile=C.pointer(prof), accumulate=0)
                st = lib.tconv_resize_conv2d_ex(C.byref(p), s, mode, fptr(xbuf), fptr(wbuf), fptr(bbuf), y.ptr(),
                                                C.c_void_p(ws.addr), nbytes, C.byref(opt))
                count("ex[workspace%s]" % (" short" if short else ""), st)
                if not ws.guards_ok():
                    self.fail(check, "wrote outside its %d-byte workspace" % nbytes)
                # one byte short of one thread's share: refused; short of 2 threads' only: fewer threads, same result
                if short and nbytes < sizes[1]:
                    if self.check_status(check, st, ERR_INVALID_ARGUMENT, y) and "workspace" not in self.last_error():
                        self.fail(check, "the message does not name the workspace: %s" % self.last_error())
                    continue
                if st != OK:
                    self.fail(check, "status %d: %s" % (st, self.last_error()))
                    continue
                check_profile(check, prof, ALGO_AUTO, 1 if short else th)
                self.compare(check, y, ref_l, K_l, A_l, yshape, extra=extra)
        if not (np.array_equal(xbuf, x0) and np.array_equal(wbuf, w0)):
            self.fail("resize", "an input was modified")
        stats["checks"]["resize_conv2d"] += 1


def resize_invalid_variants(cfg):
    """(label, scale, mode, opt accumulate, how y is placed, expected status, what the message must name)."""
    s, m = cfg["scale"], cfg["mode"]
    return [("scale 0", 0, m, 0, "apart", ERR_INVALID_ARGUMENT, "scale"),
            ("scale -1", -1, m, 0, "apart", ERR_INVALID_ARGUMENT, "scale"),
            ("mode 7", s, 7, 0, "apart", ERR_INVALID_ARGUMENT, "mode"),
            ("mode -1", s, -1, 0, "apart", ERR_INVALID_ARGUMENT, "mode"),
            ("accumulate 1", s, m, 1, "apart", ERR_INVALID_ARGUMENT, "accumulate"),
            ("y overlaps x (y inside x)", s, m, 0, "inside", ERR_INVALID_ARGUMENT, "overlaps"),
            ("y overlaps x (y == x)", s, m, 0, "same", ERR_INVALID_ARGUMENT, "overlaps"),
            ("y overlaps x (y ends inside x)", s, m, 0, "before", ERR_INVALID_ARGUMENT, "overlaps"),
            ("y overlaps the filter", s, m, 0, "filter", ERR_INVALID_ARGUMENT, "overlaps"),
            ("workspace overlaps y", s, m, 0, "workspace", ERR_INVALID_ARGUMENT, "overlaps"),
            ("y right after x (no overlap: OK)", s, m, 0, "adjacent", OK, "")]


def run_resize_invalid(lib, seed, r, cfg, geo, variant, stats, argv0, libpath):
    """One invalid resize-convolution call, on every entry point it applies to: the documented status, a message
    naming the function and the parameter, every buffer untouched. Returns the failure lines."""
    label, scale, mode, acc, place, want_st, name = variant
    c = dict(cfg)
    c["size_mode"] = "invalid: " + label
    case = ResizeCase(lib, seed, r, c, geo, stats, argv0, libpath)
    rng = np.random.default_rng([seed, 2, r])
    n, ci, co = c["batch"], c["in_channels"], c["out_channels"]
    nx = n * ci * c["in_h"] * c["in_w"]
    ny = n * co * geo["out_h"] * geo["out_w"]
    nw = c["kernel_h"] * c["kernel_w"] * ci // c["groups"] * co
    p = make_params(c)
    bbuf = rng.uniform(-1, 1, co + GUARD).astype(np.float32) if c["bias"] else None
    if place == "workspace":
        entries = ["ex"]
    elif acc:
        entries = ["ex", "workspace_size"]   # accumulate is an option: of _ex and of the query
    elif place == "apart":
        entries = ["plain", "ex", "reference", "workspace_size"]
    else:
        entries = ["plain", "ex", "reference"]

    def invoke(entry, xv, wv, yv, ws=None, nbytes=0):
        opt = Options(num_threads=1, algorithm=ALGO_AUTO, profile=None, accumulate=acc)
        if entry == "plain":
            return lib.tconv_resize_conv2d(C.byref(p), scale, mode, xv, wv, fptr(bbuf), yv)
        if entry == "reference":
            return lib.tconv_resize_conv2d_reference(C.byref(p), scale, mode, xv, wv, fptr(bbuf), yv)
        if entry == "ex":
            return lib.tconv_resize_conv2d_ex(C.byref(p), scale, mode, xv, wv, fptr(bbuf), yv, ws, nbytes,
                                              C.byref(opt))
        qb = C.c_size_t(12345)
        st = lib.tconv_resize_conv2d_workspace_size(C.byref(p), scale, mode, C.byref(opt), C.byref(qb))
        if st != OK and qb.value != 12345:
            case.fail("resize-invalid/workspace_size", "%s: failed but wrote *bytes" % label)
        return st

    for entry in entries:
        # one buffer holding x and y, y where `place` says (apart: after x, no overlap)
        pos_x, pos_y = 0, nx + 64
        if place == "inside":
            pos_y = nx // 2
        elif place == "same":
            pos_y = 0
        elif place == "before":
            pos_x, pos_y = ny - 1, 0    # y's last element on x's first
        elif place == "adjacent":
            pos_y = nx
        big = rng.uniform(-1, 1, max(pos_x + nx, pos_y + ny) + GUARD).astype(np.float32)
        wbig = rng.uniform(-1, 1, nw + ny + GUARD).astype(np.float32)
        xv, yv, wv = fptr(big[pos_x:]), fptr(big[pos_y:]), fptr(wbig)
        if place == "filter":
            yv = fptr(wbig[nw // 2:])
        ws, nbytes, extra = None, 0, []
        if place == "workspace":
            qb = C.c_size_t(0)
            if lib.tconv_resize_conv2d_workspace_size(C.byref(p), scale, mode, C.byref(Options(num_threads=1)),
                                                      C.byref(qb)) != OK:
                case.fail("resize-invalid/" + entry, "%s: the workspace query failed: %s" % (label, case.last_error()))
                continue
            nbytes = qb.value
            if nbytes == 0:
                stats["checks"]["resize invalid: workspace checks skipped (none needed)"] += 1
                continue
            ybig = np.full(ny + nbytes // 4 + 2 + GUARD, np.nan, dtype=np.float32)   # y, the workspace from its middle
            yv = fptr(ybig)
            ws = C.c_void_p(ybig.ctypes.data + (ny // 2) * 4)
            extra = [ybig]
        snap = [(a, a.copy()) for a in [big, wbig] + extra + ([bbuf] if bbuf is not None else [])]
        st = invoke(entry, xv, wv, yv, ws, nbytes)
        msg = case.last_error()
        stats["invalid calls"]["resize: " + label] += 1
        check = "resize-invalid/" + entry
        fn = "tconv_resize_conv2d" + ("" if entry == "plain" else "_" + entry)
        if st != want_st:
            case.fail(check, "%s: status %d, want %d (%s)" % (label, st, want_st, msg))
            continue
        if want_st == OK:   # the control: adjacent buffers are fine, and give the result of separate ones
            y_sep = Out(ny)
            invoke(entry, fptr(snap[0][1][pos_x:]), wv, y_sep.ptr())
            if not np.array_equal(big[pos_y:pos_y + ny].view(np.uint32), y_sep.data.view(np.uint32)):
                case.fail(check, "%s: y differs from the same call on separate buffers" % label)
            if not np.array_equal(big[pos_x:pos_x + nx], snap[0][1][pos_x:pos_x + nx]):
                case.fail(check, "%s: x was modified" % label)
            continue
        if name not in msg or not msg.startswith(fn + ": "):
            case.fail(check, "%s: the message does not name %s / %s: %s" % (label, fn, name, msg))
        for a, before in snap:
            if not np.array_equal(a.view(np.uint32), before.view(np.uint32)):
                case.fail(check, "%s: a buffer was written on failure" % label)
                break
    return case.failures


def resize_coverage_key(cfg, geo):
    keys = ["resize mode:" + RESIZE_NAMES[cfg["mode"]], "resize scale:%d" % cfg["scale"],
            "resize layout:" + LAYOUT_NAMES[cfg["layout"]], "resize filter:" + FILTER_NAMES[cfg["filter_layout"]],
            "resize padding:" + PADDING_NAMES[cfg["padding"]]]
    g, ci, co = cfg["groups"], cfg["in_channels"], cfg["out_channels"]
    keys.append("resize groups:" + ("1" if g == 1 else "depthwise" if g == ci == co else "grouped"))
    keys.append("resize stride:" + (">1" if cfg["stride_h"] > 1 or cfg["stride_w"] > 1 else "1"))
    keys.append("resize dilation:" + (">1" if cfg["dilation_h"] > 1 or cfg["dilation_w"] > 1 else "1"))
    ns = cfg["in_h"] != cfg["in_w"] or cfg["kernel_h"] != cfg["kernel_w"] or geo["out_h"] != geo["out_w"]
    keys.append("resize non-square:" + ("yes" if ns else "no"))
    keys.append("resize path:" + ("composed" if composed_path(cfg, geo) else "upsampled"))
    keys.append("resize bias/relu:" + ("bias" if cfg["bias"] else "no bias") + "+" +
                ("RELU" if cfg["activation"] == ACT_RELU else "NONE"))
    return keys


# ---------------------------------------------------------------------------------------------------------------
# Aliasing: no call computes in place (include/tconv.h): an output sharing memory with an input, or a caller's
# workspace sharing memory with any tensor, is TCONV_ERR_INVALID_ARGUMENT with every buffer untouched; outputs
# right next to an input (no shared byte) are fine and give the result of separate buffers.
# ---------------------------------------------------------------------------------------------------------------
ALIAS_EVERY = 40   # aliasing checks derive from two of every 40 random configurations (a conv2d, a transposed)


def alias_specs(cfg, geo):
    """The calls of cfg's op, each as (call, input roles, output role) with the roles' element counts."""
    n, ci, co = cfg["batch"], cfg["in_channels"], cfg["out_channels"]
    xe = n * ci * cfg["in_h"] * cfg["in_w"]
    ye = n * co * geo["out_h"] * geo["out_w"]
    fe = cfg["kernel_h"] * cfg["kernel_w"] * ci * co // cfg["groups"]
    sizes = dict(x=xe, w=fe, b=co, y=ye, dy=ye, dx=xe, dw=fe, db=co)
    specs = [("forward", ["x", "w", "b"], "y"), ("backward_data", ["dy", "w"], "dx"),
             ("backward_filter", ["x", "dy"], "dw"), ("backward_bias", ["dy"], "db")]
    return sizes, specs


def run_alias(lib, seed, index, cfg, geo, stats, argv0, libpath):
    """Outputs overlapping each input of each call (plain, _ex, _reference), a caller workspace overlapping each
    tensor, and the adjacent controls. Returns the failure lines."""
    c = dict(cfg, activation=ACT_NONE, size_mode="aliasing")   # ACT_NONE: the gradients take the forward's p
    case = Case(lib, seed, index, c, geo, stats, argv0, libpath)
    tr = c["tr"]
    opname = "conv2d_transpose" if tr else "conv2d"
    rng = np.random.default_rng([seed, 3, index])
    sizes, specs = alias_specs(c, geo)
    p = make_params(c)
    data = dict((r, rng.uniform(-1, 1, sizes[r]).astype(np.float32)) for r in ("x", "w", "b", "dy"))

    inputs_of = dict((what, ins) for what, ins, _ in specs)

    def call(what, entry, ptrs, ws=None, nbytes=0):
        base = "tconv_%s%s" % (opname, "" if what == "forward" else "_" + what)
        fn = base + {"plain": "", "ex": "_ex", "reference": "_reference"}[entry]
        args = [ptrs[r] for r in inputs_of[what]] + [ptrs["out"]]
        if entry == "ex":
            args += [ws, nbytes, C.byref(Options(num_threads=1))]
        return fn, getattr(lib, fn)(C.byref(p), *args)

    for what, ins, outr in specs:
        nout = sizes[outr]
        # the result on separate buffers (the adjacent controls must reproduce it bit for bit)
        sep = {}
        for entry in ("plain", "ex", "reference"):
            bufs = dict((r, padded(data[r], 0)) for r in ins)
            out = Out(nout)
            ptrs = dict((r, fptr(bufs[r])) for r in ins)
            ptrs["out"] = out.ptr()
            fn, st = call(what, entry, ptrs)
            if st != OK:
                case.fail("alias/" + what, "%s on separate buffers: status %d (%s)" % (fn, st, case.last_error()))
                return case.failures
            sep[entry] = out.data.copy()
        # (partner input, placement of the output relative to it, expected status)
        layouts = []
        for r in ins:
            nr = sizes[r]
            layouts += [(r, nr // 2, ERR_INVALID_ARGUMENT, "%s inside %s" % (outr, r)),
                        (r, 0, ERR_INVALID_ARGUMENT, "%s == %s" % (outr, r)),
                        (r, -(nout - 1), ERR_INVALID_ARGUMENT, "%s ends on %s's first element" % (outr, r)),
                        (r, nr - 1, ERR_INVALID_ARGUMENT, "%s starts on %s's last element" % (outr, r)),
                        (r, nr, OK, "%s right after %s" % (outr, r)),
                        (r, -nout, OK, "%s right before %s" % (outr, r))]
        for partner, off, want, label in layouts:
            for entry in ("plain", "ex", "reference"):
                pa = max(0, -off)
                po = pa + off
                shared = rng.uniform(-1, 1, max(pa + sizes[partner], po + nout) + GUARD).astype(np.float32)
                shared[pa:pa + sizes[partner]] = data[partner]
                bufs = dict((r, padded(data[r], 0)) for r in ins if r != partner)
                ptrs = dict((r, fptr(bufs[r])) for r in bufs)
                ptrs[partner] = fptr(shared[pa:])
                ptrs["out"] = fptr(shared[po:])
                snap = [(a, a.copy()) for a in list(bufs.values()) + [shared]]
                fn, st = call(what, entry, ptrs)
                msg = case.last_error()
                check = "alias/%s" % fn
                stats["alias calls"]["%s %s|%s" % (what, entry, "refused" if st == ERR_INVALID_ARGUMENT else
                                                   "OK" if st == OK else "status %d" % st)] += 1
                if st != want:
                    case.fail(check, "%s: status %d, want %d (%s)" % (label, st, want, msg))
                    continue
                if want == OK:
                    got = shared[po:po + nout]
                    if not np.array_equal(got.view(np.uint32), sep[entry].view(np.uint32)):
                        case.fail(check, "%s: the result differs from the same call on separate buffers" % label)
                    if not np.array_equal(shared[pa:pa + sizes[partner]], data[partner]):
                        case.fail(check, "%s: the input %s was modified" % (label, partner))
                    continue
                if not msg.startswith(fn + ": ") or "overlaps" not in msg:
                    case.fail(check, "%s: the message does not say %s overlaps: %s" % (label, fn, msg))
                for a, before in snap:
                    if not np.array_equal(a.view(np.uint32), before.view(np.uint32)):
                        case.fail(check, "%s: a buffer was written on failure" % label)
                        break
        # a caller workspace over the output or over an input (of exactly the queried size)
        op = OPS[(tr, what)]
        qb = C.c_size_t(0)
        if lib.tconv_workspace_size(op, C.byref(p), C.byref(Options(num_threads=1)), C.byref(qb)) != OK:
            case.fail("alias/workspace_size", "%s: status != OK (%s)" % (what, case.last_error()))
            continue
        nbytes = qb.value
        if nbytes == 0:
            stats["checks"]["alias: workspace checks skipped (none needed)"] += 1
            continue
        wsf = -(-nbytes // 4)
        for target in [outr] + ins:
            nt = sizes[target]
            for off, want, label in ((nt // 2, ERR_INVALID_ARGUMENT, "workspace inside %s" % target),
                                     (-(wsf - 1), ERR_INVALID_ARGUMENT, "workspace ends on %s's first element"
                                      % target),
                                     (nt, OK, "workspace right after %s" % target)):
                pa = max(0, -off)
                pw = pa + off
                shared = np.full(max(pa + nt, pw + wsf) + GUARD, np.nan, dtype=np.float32)
                if target != outr:
                    shared[pa:pa + nt] = data[target]
                bufs = dict((r, padded(data[r], 0)) for r in ins if r != target)
                ptrs = dict((r, fptr(bufs[r])) for r in bufs)
                out = None
                if target == outr:
                    ptrs["out"] = fptr(shared[pa:])
                else:
                    ptrs[target] = fptr(shared[pa:])
                    out = Out(nout)
                    ptrs["out"] = out.ptr()
                snap = [(a, a.copy()) for a in list(bufs.values()) + [shared] + ([out.buf] if out else [])]
                # the workspace's last float may be partial: nbytes exactly
                fn, st = call(what, "ex", ptrs, C.c_void_p(shared[pw:].ctypes.data), nbytes)
                msg = case.last_error()
                check = "alias/%s" % fn
                stats["alias calls"]["%s ex workspace|%s" % (what, "refused" if st == ERR_INVALID_ARGUMENT else
                                                             "OK" if st == OK else "status %d" % st)] += 1
                if st != want:
                    case.fail(check, "%s (%d bytes): status %d, want %d (%s)" % (label, nbytes, st, want, msg))
                    continue
                if want == OK:
                    got = shared[pa:pa + nt] if target == outr else out.data
                    if not np.array_equal(got.view(np.uint32), sep["ex"].view(np.uint32)):
                        case.fail(check, "%s: the result differs from the same call without a workspace" % label)
                    continue
                if not msg.startswith(fn + ": ") or "workspace" not in msg or "overlaps" not in msg:
                    case.fail(check, "%s: the message does not say the workspace overlaps: %s" % (label, msg))
                for a, before in snap:
                    if not np.array_equal(a.view(np.uint32), before.view(np.uint32)):
                        case.fail(check, "%s: a buffer was written on failure" % label)
                        break
    return case.failures


# ---------------------------------------------------------------------------------------------------------------
def coverage_key(cfg, geo):
    keys = ["op:" + ("conv2d_transpose" if cfg["tr"] else "conv2d"),
            "layout:" + LAYOUT_NAMES[cfg["layout"]],
            "filter:" + FILTER_NAMES[cfg["filter_layout"]],
            "padding:" + PADDING_NAMES[cfg["padding"]]]
    g, ci, co = cfg["groups"], cfg["in_channels"], cfg["out_channels"]
    keys.append("groups:" + ("1" if g == 1 else "depthwise" if g == ci == co else "grouped"))
    keys.append("dilation:" + (">1" if cfg["dilation_h"] > 1 or cfg["dilation_w"] > 1 else "1"))
    keys.append("stride:" + (">1" if cfg["stride_h"] > 1 or cfg["stride_w"] > 1 else "1"))
    ns = [a for a in ("in", "kernel", "stride", "dilation") if cfg[a + "_h"] != cfg[a + "_w"]]
    if geo["out_h"] != geo["out_w"]:
        ns.append("out")
    if (geo["pad_top"], geo["pad_bottom"]) != (geo["pad_left"], geo["pad_right"]):
        ns.append("pads")
    keys.append("non-square:" + ("any" if ns else "none"))
    keys += ["non-square:" + a for a in ns]
    if cfg["padding"] == EXPLICIT:
        if cfg["pad_top"] != cfg["pad_bottom"] or cfg["pad_left"] != cfg["pad_right"]:
            keys.append("explicit pads:asymmetric")
        keys.append("explicit pads:" + ("zero" if not any(cfg[k] for k in ("pad_top", "pad_bottom", "pad_left",
                                                                       "pad_right")) else "non-zero"))
    if cfg["tr"]:
        keys.append("transposed size:" + cfg["size_mode"])
        if geo["pad_bottom"] < 0 or geo["pad_right"] < 0:
            keys.append("transposed size:bias-only positions past the full result")
    keys.append("bias:" + ("yes" if cfg["bias"] else "no"))
    keys.append("activation:" + ("RELU" if cfg["activation"] == ACT_RELU else "NONE"))
    keys.append("batch:%d" % cfg["batch"])
    return keys


def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lib", help="path to libtconv.so")
    ap.add_argument("--cases", type=int, default=DEFAULT_CASES, help="random configurations (default %(default)s)")
    ap.add_argument("--resize-cases", type=int, default=DEFAULT_RESIZE_CASES,
                    help="random resize-convolutions (default %(default)s)")
    ap.add_argument("--case", type=int, default=None, help="run only configuration I of this seed (and the invalid "
                    "and aliasing configurations derived from it)")
    ap.add_argument("--resize-case", type=int, default=None, help="run only resize-convolution R of this seed (and "
                    "the invalid calls derived from it)")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=None, help="overrides TCONV_TEST_SEED")
    ap.add_argument("--verbose", action="store_true", help="print each configuration before running it")
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)   # the first job to run
    args = ap.parse_args()
    if args.seed is None:
        env = os.environ.get("TCONV_TEST_SEED", "")
        args.seed = int(env, 0) if env else DEFAULT_SEED
    args.argv0 = sys.argv[0] if os.path.isabs(sys.argv[0]) else os.path.relpath(os.path.abspath(sys.argv[0]))
    one = args.case is not None or args.resize_case is not None
    args.indices = [args.case] if args.case is not None else [] if one else list(range(args.cases))
    args.resize_indices = ([args.resize_case] if args.resize_case is not None else [] if one
                           else list(range(args.resize_cases)))
    return args


def new_stats():
    return {"passed": 0, "failed": 0, "random": 0, "invalid": 0, "alias": 0, "resize": 0, "resize invalid": 0,
            "cover": collections.Counter(), "checks": collections.Counter(), "forward calls": collections.Counter(),
            "gradient ex calls": collections.Counter(), "invalid calls": collections.Counter(),
            "resize calls": collections.Counter(), "alias calls": collections.Counter(),
            "worst_ratio": [0.0, ""], "worst_ratio_K16": [0.0, ""]}


COUNTERS = ("cover", "checks", "forward calls", "gradient ex calls", "invalid calls", "resize calls", "alias calls")
TALLIES = ("passed", "failed", "random", "invalid", "alias", "resize", "resize invalid")


def draw(seed, i):
    return draw_config(random.Random("%d:%d" % (seed, i)), tr=i % 2 == 1)


def jobs_of(args):
    """Every job of the run, in order, as (kind, index, variant): the random configurations; the invalid ones
    derived from every 15th (alternately conv2d and conv2d_transpose); the aliasing checks of 2 in ALIAS_EVERY;
    the resize-convolutions; the invalid resize calls of every 10th. --case / --resize-case: that one and what
    derives from it."""
    jobs = [("case", i, None) for i in args.indices]
    for i in args.indices:
        if i % 15 == 0 or args.case is not None:
            cfg, geo = draw(args.seed, i)
            jobs += [("invalid", i, v) for v in invalid_variants(cfg, geo)]
    jobs += [("alias", i, None) for i in args.indices if i % ALIAS_EVERY < 2 or args.case is not None]
    jobs += [("resize", r, None) for r in args.resize_indices]
    for r in args.resize_indices:
        if r % 10 == 0 or args.resize_case is not None:
            cfg, _ = draw_resize(args.seed, r)
            jobs += [("resize invalid", r, v) for v in resize_invalid_variants(cfg)]
    return jobs


def job_config(args, job):
    """(cfg, geo, label) of a job, for the coverage and a crash report."""
    kind, i, v = job
    if kind.startswith("resize"):
        cfg, geo = draw_resize(args.seed, i)
        cfg = dict(cfg)
        if kind == "resize invalid":
            cfg["size_mode"] = "invalid: " + v[0]
        return cfg, geo, "resize-case"
    cfg, geo = draw(args.seed, i)
    cfg = dict(cfg)
    if kind == "invalid":
        cfg.update(v[1])
        cfg["size_mode"] = "invalid: " + v[0]
    elif kind == "alias":
        cfg["size_mode"] = "aliasing"
    return cfg, geo, "case"


def report(failures, index):
    shown = failures[:4]
    for line in shown:
        print(line)
    if len(failures) > len(shown):
        more = [f.split(" check=", 1)[1].split(":", 1)[0] for f in failures[len(shown):]]
        print("     (%d: %d more failed checks: %s)" % (index, len(more), "; ".join(more)))


def run_job(lib, args, job, stats):
    """Runs one job; returns its failure lines."""
    kind, i, v = job
    a = (stats, args.argv0, args.lib)
    if kind == "case":
        cfg, geo = draw(args.seed, i)
        if args.verbose:
            print("case %d: %s size_mode=%s" % (i, describe(cfg), cfg["size_mode"]), flush=True)
        case = Case(lib, args.seed, i, cfg, geo, *a)
        try:
            case.run()
        except Exception as e:  # an oracle bug must not pass silently
            case.fail("exception", "%s: %s" % (type(e).__name__, e))
        stats["random"] += 1
        stats["cover"].update(coverage_key(cfg, geo))
        return case.failures
    if kind == "invalid":
        cfg, geo = draw(args.seed, i)
        label, change, want_st, name = v
        stats["invalid"] += 1
        stats["cover"]["invalid:" + label] += 1
        return run_invalid(lib, args.seed, i, cfg, geo, label, change, want_st, name, *a)
    if kind == "alias":
        cfg, geo = draw(args.seed, i)
        stats["alias"] += 1
        stats["cover"]["aliasing:" + ("conv2d_transpose" if cfg["tr"] else "conv2d")] += 1
        return run_alias(lib, args.seed, i, cfg, geo, *a)
    cfg, geo = draw_resize(args.seed, i)
    if kind == "resize":
        if args.verbose:
            print("resize case %d: %s size_mode=%s" % (i, describe(cfg), cfg["size_mode"]), flush=True)
        case = ResizeCase(lib, args.seed, i, cfg, geo, *a)
        try:
            case.run()
        except Exception as e:
            case.fail("exception", "%s: %s" % (type(e).__name__, e))
        stats["resize"] += 1
        stats["cover"].update(resize_coverage_key(cfg, geo))
        return case.failures
    stats["resize invalid"] += 1
    stats["cover"]["resize invalid:" + v[0]] += 1
    return run_resize_invalid(lib, args.seed, i, cfg, geo, v, *a)


def worker(args):
    """Runs the jobs from number args.worker on; prints "@job K" before each, its failure lines, "@result JSON" (its
    counts) after each, and "@end"."""
    import_torch()
    try:
        lib = load(args.lib)
    except OSError as e:
        print("@fatal cannot load %s: %s" % (args.lib, e), flush=True)
        return 1
    torch.set_num_threads(1)
    faulthandler.enable()   # a crash inside tconv prints the Python stack: which call
    warnings.filterwarnings("ignore", message=".*padding='same'.*")
    versions = "torch %s, numpy %s" % (torch.__version__, np.__version__)
    jobs = jobs_of(args)
    for k in range(args.worker, len(jobs)):
        print("@job %d" % k, flush=True)
        stats = new_stats()
        fails = run_job(lib, args, jobs[k], stats)
        stats["failed" if fails else "passed"] += 1
        report(fails, jobs[k][1])
        stats["versions"] = versions
        print("@result " + json.dumps(stats, default=lambda c: dict(c)), flush=True)
    print("@end", flush=True)
    return 0


def merge(total, part):
    for k in TALLIES:
        total[k] += part[k]
    for k in COUNTERS:
        total[k].update(part[k])
    for k in ("worst_ratio", "worst_ratio_K16"):
        if part[k][0] > total[k][0]:
            total[k] = part[k]
    total["versions"] = part.get("versions", "")


def main():
    """The parent: runs the sweep in a worker process (python3 this-file --worker K ...), so that a crash inside
    tconv (a heap overflow, say) is reported as the failure of the job that was running, and the sweep goes on in a
    new worker from the next one."""
    args = parse_args()
    if args.worker is not None:
        return worker(args)
    print("torch oracle: seed %d (TCONV_TEST_SEED overrides), %d configurations + %d resize-convolutions, %s" %
          (args.seed, len(args.indices), len(args.resize_indices), args.lib), flush=True)
    t0 = time.time()
    total = new_stats()
    jobs = jobs_of(args)
    first = 0
    passthrough = [a for a in sys.argv[1:] if a != "--verbose"]
    while first < len(jobs):
        cmd = [sys.executable, os.path.abspath(__file__)] + passthrough + \
              ["--seed", str(args.seed), "--worker", str(first)]
        if args.verbose:
            cmd.append("--verbose")
        # OpenMP threads that sleep instead of spinning between regions: the 2-thread calls otherwise crawl
        # (5x here) when other jobs share the cores. Results do not depend on it.
        env = dict(os.environ)
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        current, ended = None, False
        for line in child.stdout:
            if line.startswith("@job "):
                current = int(line.split()[1])
            elif line.startswith("@result "):
                merge(total, json.loads(line[len("@result "):]))
                current = None
            elif line.startswith("@end"):
                ended = True
            elif line.startswith("@fatal "):
                print("torch oracle: " + line[len("@fatal "):].strip())
            else:
                sys.stdout.write(line)
                sys.stdout.flush()
        rc = child.wait()
        if rc == 0 and ended:
            break
        if current is None:   # no job running: the worker could not start (77: no torch)
            if rc != 77:
                print("torch oracle: the worker failed (exit status %d) outside any configuration" % rc)
                print("torch oracle: %d passed, %d failed" % (total["passed"], total["failed"] + 1))
            return 77 if rc == 77 else 1
        # the worker died inside a job: that job failed; go on after it
        kind, index, v = jobs[current]
        cfg, geo, flag = job_config(args, jobs[current])
        detail = "" if kind in ("case", "resize") else " (%s: %s)" % (kind, "aliasing" if v is None else v[0])
        print("FAIL seed=%d %s=%d check=crash: the process died (exit status %d%s) while running this "
              "configuration%s | %s | size_mode=%s | rerun: TCONV_TEST_SEED=%d /usr/bin/python3 %s %s --%s %d" %
              (args.seed, flag, index, rc, " = signal %d" % -rc if rc < 0 else "", detail, describe(cfg),
               cfg["size_mode"], args.seed, args.argv0, args.lib, flag, index), flush=True)
        total["failed"] += 1
        total["crashed"] = total.get("crashed", 0) + 1
        tally = {"case": "random", "resize": "resize"}.get(kind, kind)
        total[tally] += 1
        if kind == "case":
            total["cover"].update(coverage_key(cfg, geo))
        elif kind == "resize":
            total["cover"].update(resize_coverage_key(cfg, geo))
        first = current + 1
    elapsed = time.time() - t0

    # coverage summary
    print("coverage (configurations: %d random + %d invalid + %d aliasing; resize-convolutions: %d random + %d "
          "invalid; %s; %.1f s):" % (total["random"], total["invalid"], total["alias"], total["resize"],
                                     total["resize invalid"], total.get("versions", "?"), elapsed))
    groups = collections.OrderedDict()
    for k in sorted(total["cover"]):
        head, item = k.split(":", 1)
        groups.setdefault(head, []).append("%s %d" % (item, total["cover"][k]))
    for head, items in groups.items():
        print("  %-18s %s" % (head, ", ".join(items)))
    print("  %-18s %s" % ("checks", ", ".join("%s %d" % kv for kv in sorted(total["checks"].items()))))
    fw = collections.defaultdict(list)
    for key, c in sorted(total["forward calls"].items()):
        op, algo, st = key.split("|")
        fw[op].append("%s %s %d" % (algo, st, c))
    for key, c in sorted(total["resize calls"].items()):
        mode, call, st = key.split("|")
        fw["resize " + mode].append("%s %s %d" % (call, st, c))
    for op, items in fw.items():
        print("  %-18s %s" % ("calls " + op, ", ".join(items)))
    print("  %-18s %s" % ("gradient _ex", ", ".join("%s %d" % (k.replace("|", " "), c) for k, c in
                                                    sorted(total["gradient ex calls"].items()))))
    print("  %-18s %s" % ("aliasing calls", ", ".join("%s %d" % (k.replace("|", " "), c) for k, c in
                                                      sorted(total["alias calls"].items()))))
    for key, what in (("worst_ratio", "largest |err|"), ("worst_ratio_K16", "  ... with K >= 16")):
        r, where = total[key]
        print("  %-18s %.3g of the tolerance (%s)" % (what, r, where))
    if total.get("crashed"):
        print("  %-18s %d configurations" % ("crashed", total["crashed"]))
    print("torch oracle: %d passed, %d failed" % (total["passed"], total["failed"]))
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
