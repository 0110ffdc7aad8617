#!/usr/bin/python3
"""torch_oracle.py - tconv against PyTorch, an oracle that shares no code with the library.

    /usr/bin/python3 tests/torch_oracle.py path/to/libtconv.so [--cases N] [--case I] [--seed S]

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
status and leave the output buffer untouched.

Seed: TCONV_TEST_SEED (default 20261122, the C tests' default), or --seed. Each configuration draws from
its own generator seeded by (seed, index), so `--case I` reruns configuration I alone (and the invalid
configurations derived from it); every failure line prints the seed, the index, every parameter and that
command. The sweep runs in a worker process (this script with --worker): if tconv crashes it, the running
configuration is reported as failed and a new worker goes on with the next one.
Output: one line per failed check, a coverage summary, and the last line `torch oracle: N passed, M failed`
(N, M count configurations). Exit 0 if all pass, 1 otherwise, 77 (meson's skip) if torch or numpy cannot
be imported, unless TCONV_REQUIRE_TORCH=1 (then 1).
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
ALGO_AUTO, ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT = 0, 1, 2, 3
OP_CONV2D, OP_CONV2D_TRANSPOSE = 0, 1

LAYOUT_NAMES = {NHWC: "NHWC", NCHW: "NCHW"}
FILTER_NAMES = {FILTER_DEFAULT: "DEFAULT", FILTER_HWIO: "HWIO", FILTER_OIHW: "OIHW", FILTER_HWOI: "HWOI",
                FILTER_IOHW: "IOHW"}
PADDING_NAMES = {VALID: "VALID", SAME: "SAME", SAME_LOWER: "SAME_LOWER", EXPLICIT: "EXPLICIT"}
ALGO_NAMES = {ALGO_AUTO: "AUTO", ALGO_GEMM: "GEMM", ALGO_SUBPIXEL: "SUBPIXEL", ALGO_DIRECT: "DIRECT"}

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


class Profile(C.Structure):
    _fields_ = [("total", C.c_double), ("pack", C.c_double), ("im2col", C.c_double), ("gemm", C.c_double),
                ("col2im", C.c_double), ("epilogue", C.c_double), ("algorithm", C.c_int), ("threads", C.c_int)]


class Options(C.Structure):
    _fields_ = [("num_threads", C.c_int), ("algorithm", C.c_int), ("profile", C.POINTER(Profile)),
                ("accumulate", C.c_int)]


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
    sig("tconv_filter_shape", C.c_int, PP, C.POINTER(C.c_int64 * 4), C.POINTER(C.c_int))
    sig("tconv_filter_index", C.c_int, PP, C.c_int64, C.c_int64, C.c_int64, C.c_int64, C.POINTER(C.c_int64))
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
    """Every parameter of a configuration, as one reproducer string."""
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
    def __init__(self, lib, seed, index, cfg, geo, stats, argv0, libpath):
        self.lib, self.seed, self.index, self.cfg, self.geo, self.stats = lib, seed, index, cfg, geo, stats
        self.failures = []
        self.argv0, self.libpath = argv0, libpath

    def fail(self, check, msg):
        self.failures.append("FAIL seed=%d case=%d check=%s: %s | %s | size_mode=%s | rerun: TCONV_TEST_SEED=%d "
                             "/usr/bin/python3 %s %s --case %d" %
                             (self.seed, self.index, check, msg, describe(self.cfg), self.cfg["size_mode"],
                              self.seed, self.argv0, self.libpath, self.index))

    def last_error(self):
        return self.lib.tconv_last_error().decode(errors="replace")

    # -- comparisons ---------------------------------------------------------------------------------------------
    def compare(self, check, out, ref, K, A, shape, init=None):
        """out: Out; ref, K, A: float64 arrays in tconv's layout (shape)."""
        if not out.guard_ok():
            self.fail(check, "wrote past the end of its %d-element output" % out.n)
            return False
        got = out.data.astype(np.float64)
        ref, K, A = ref.ravel(), K.ravel(), A.ravel()
        tol = tolerance(K, A, None if init is None else init.astype(np.float64))
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
    ap.add_argument("--case", type=int, default=None, help="run only configuration I of this seed (and the invalid "
                    "configurations derived from it)")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=None, help="overrides TCONV_TEST_SEED")
    ap.add_argument("--verbose", action="store_true", help="print each configuration before running it")
    ap.add_argument("--worker", type=str, default=None, help=argparse.SUPPRESS)   # "first_case,first_invalid"
    args = ap.parse_args()
    if args.seed is None:
        env = os.environ.get("TCONV_TEST_SEED", "")
        args.seed = int(env, 0) if env else DEFAULT_SEED
    args.argv0 = sys.argv[0] if os.path.isabs(sys.argv[0]) else os.path.relpath(os.path.abspath(sys.argv[0]))
    args.indices = [args.case] if args.case is not None else list(range(args.cases))
    return args


def new_stats():
    return {"passed": 0, "failed": 0, "random": 0, "invalid": 0, "cover": collections.Counter(),
            "checks": collections.Counter(), "forward calls": collections.Counter(),
            "gradient ex calls": collections.Counter(), "invalid calls": collections.Counter(),
            "worst_ratio": [0.0, ""], "worst_ratio_K16": [0.0, ""]}


def draw(seed, i):
    return draw_config(random.Random("%d:%d" % (seed, i)), tr=i % 2 == 1)


def invalid_jobs(args):
    """The invalid configurations, in order: derived from every 15th random one (alternately conv2d and
    conv2d_transpose), or from the one --case names."""
    jobs = []
    for i in args.indices:
        if i % 15 == 0 or args.case is not None:
            cfg, geo = draw(args.seed, i)
            jobs += [(i, cfg, geo, v) for v in invalid_variants(cfg, geo)]
    return jobs


def report(failures, index):
    shown = failures[:4]
    for line in shown:
        print(line)
    if len(failures) > len(shown):
        more = [f.split(" check=", 1)[1].split(":", 1)[0] for f in failures[len(shown):]]
        print("     (case %d: %d more failed checks: %s)" % (index, len(more), "; ".join(more)))


def worker(args):
    """Runs the configurations from args.worker = "first_case,first_invalid" on; prints "@case I" / "@invalid J"
    before each, its failure lines, "@result JSON" (its counts) after each, and "@end"."""
    import_torch()
    first_case, first_invalid = (int(v) for v in args.worker.split(","))
    try:
        lib = load(args.lib)
    except OSError as e:
        print("@fatal cannot load %s: %s" % (args.lib, e), flush=True)
        return 1
    torch.set_num_threads(1)
    faulthandler.enable()   # a crash inside tconv prints the Python stack: which call
    warnings.filterwarnings("ignore", message=".*padding='same'.*")
    versions = "torch %s, numpy %s" % (torch.__version__, np.__version__)

    def result(stats):
        stats["versions"] = versions
        print("@result " + json.dumps(stats, default=lambda c: dict(c)), flush=True)

    for i in args.indices[args.indices.index(first_case):] if first_case in args.indices else []:
        cfg, geo = draw(args.seed, i)
        print("@case %d" % i, flush=True)
        stats = new_stats()
        if args.verbose:
            print("case %d: %s size_mode=%s" % (i, describe(cfg), cfg["size_mode"]), flush=True)
        case = Case(lib, args.seed, i, cfg, geo, stats, args.argv0, args.lib)
        try:
            case.run()
        except Exception as e:  # an oracle bug must not pass silently
            case.fail("exception", "%s: %s" % (type(e).__name__, e))
        stats["random"] += 1
        stats["cover"].update(coverage_key(cfg, geo))
        stats["failed" if case.failures else "passed"] += 1
        report(case.failures, i)
        result(stats)
    for j, (i, cfg, geo, (label, change, want_st, name)) in enumerate(invalid_jobs(args)):
        if j < first_invalid:
            continue
        print("@invalid %d" % j, flush=True)
        stats = new_stats()
        fails = run_invalid(lib, args.seed, i, cfg, geo, label, change, want_st, name, stats, args.argv0, args.lib)
        stats["invalid"] += 1
        stats["cover"]["invalid:" + label] += 1
        stats["failed" if fails else "passed"] += 1
        report(fails, i)
        result(stats)
    print("@end", flush=True)
    return 0


def merge(total, part):
    for k in ("passed", "failed", "random", "invalid"):
        total[k] += part[k]
    for k in ("cover", "checks", "forward calls", "gradient ex calls", "invalid calls"):
        total[k].update(part[k])
    for k in ("worst_ratio", "worst_ratio_K16"):
        if part[k][0] > total[k][0]:
            total[k] = part[k]
    total["versions"] = part.get("versions", "")


def main():
    """The parent: runs the sweep in a worker process (python3 this-file --worker ...), so that a crash inside
    tconv (a heap overflow, say) is reported as the failure of the configuration that was running, and the
    sweep goes on in a new worker from the next one."""
    args = parse_args()
    if args.worker is not None:
        return worker(args)
    print("torch oracle: seed %d (TCONV_TEST_SEED overrides), %d configurations, %s" %
          (args.seed, len(args.indices), args.lib), flush=True)
    t0 = time.time()
    total = new_stats()
    n_invalid = len(invalid_jobs(args))
    first_case, first_invalid = args.indices[0], 0
    passthrough = [a for a in sys.argv[1:] if a != "--verbose"]
    while True:
        cmd = [sys.executable, os.path.abspath(__file__)] + passthrough + \
              ["--seed", str(args.seed), "--worker", "%d,%d" % (first_case, first_invalid)]
        if args.verbose:
            cmd.append("--verbose")
        # OpenMP threads that sleep instead of spinning between regions: the 2-thread calls otherwise crawl
        # (5x here) when other jobs share the cores. Results do not depend on it.
        env = dict(os.environ)
        env.setdefault("OMP_WAIT_POLICY", "PASSIVE")
        child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        current, ended = None, False
        for line in child.stdout:
            if line.startswith("@case "):
                current = ("case", int(line.split()[1]))
            elif line.startswith("@invalid "):
                current = ("invalid", int(line.split()[1]))
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
        if current is None:   # no configuration running: the worker could not start (77: no torch)
            if rc != 77:
                print("torch oracle: the worker failed (exit status %d) outside any configuration" % rc)
                print("torch oracle: %d passed, %d failed" % (total["passed"], total["failed"] + 1))
            return 77 if rc == 77 else 1
        # the worker died inside a configuration: that configuration failed; go on after it
        what, k = current
        if what == "case":
            cfg, geo = draw(args.seed, k)
            detail, index = "", k
        else:
            index, cfg, geo, v = invalid_jobs(args)[k]
            cfg = dict(cfg, **v[1])
            cfg["size_mode"] = "invalid: " + v[0]
            detail = " (invalid configuration %d: %s)" % (k, v[0])
        print("FAIL seed=%d case=%d check=crash: the process died (exit status %d%s) while running this "
              "configuration%s | %s | size_mode=%s | rerun: TCONV_TEST_SEED=%d /usr/bin/python3 %s %s --case %d" %
              (args.seed, index, rc, " = signal %d" % -rc if rc < 0 else "", detail, describe(cfg),
               cfg["size_mode"], args.seed, args.argv0, args.lib, index), flush=True)
        total["failed"] += 1
        total["crashed"] = total.get("crashed", 0) + 1
        if what == "case":
            total["random"] += 1
            total["cover"].update(coverage_key(cfg, geo))
            pos = args.indices.index(k) + 1
            if pos < len(args.indices):
                first_case = args.indices[pos]
            else:
                first_case, first_invalid = -1, 0
        else:
            total["invalid"] += 1
            first_case, first_invalid = -1, k + 1
        if first_case == -1 and first_invalid >= n_invalid:
            break
    elapsed = time.time() - t0

    # coverage summary
    print("coverage (configurations: %d random + %d invalid; %s; %.1f s):" %
          (total["random"], total["invalid"], total.get("versions", "?"), elapsed))
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
    for op, items in fw.items():
        print("  %-18s %s" % ("calls " + op, ", ".join(items)))
    print("  %-18s %s" % ("gradient _ex", ", ".join("%s %d" % (k.replace("|", " "), c) for k, c in
                                                    sorted(total["gradient ex calls"].items()))))
    for key, what in (("worst_ratio", "largest |err|"), ("worst_ratio_K16", "  ... with K >= 16")):
        r, where = total[key]
        print("  %-18s %.3g of the tolerance (%s)" % (what, r, where))
    if total.get("crashed"):
        print("  %-18s %d configurations" % ("crashed", total["crashed"]))
    print("torch oracle: %d passed, %d failed" % (total["passed"], total["failed"]))
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
