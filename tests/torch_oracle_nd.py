#!/usr/bin/python3
"""torch_oracle_nd.py - tconv's N-D API (conv1d / conv3d and their transposes, some conv2d) against PyTorch.

    /usr/bin/python3 tests/torch_oracle_nd.py path/to/libtconv.so [--cases N] [--geometry-cases G] [--case I]
                                              [--geometry-case J] [--seed S] [--verbose]

The N-D part of the independent oracle (issue 12): it shares no code with the library. It loads the shared
library with ctypes (struct tconv_nd_params / tconv_nd_geometry mirrored by hand here, tconv_options and
tconv_profile from tests/torch_oracle.py), and derives every expected value from
  * the per-axis size/padding formulas of tests/torch_oracle.py (conv_axis, transpose_axis, transpose_range: the
    documented rules of include/tconv.h, which hold unchanged on every axis of an N-D call), and
  * PyTorch in float64 on the CPU: conv = F.pad + F.conv1d/conv2d/conv3d(padding=0); transposed conv =
    F.conv_transpose1d/2d/3d(padding=0) giving the full result, then crop / zero-extend per axis, plus bias and
    ReLU; data layouts (NWC/NHWC/NDHWC, NCW/NCHW/NCDHW) by permute, the four filter layouts ("HW" = every spatial
    axis) by permuting torch's OI... (conv) / IO... (transposed) weight; the six gradients by torch.autograd.

Geometry jobs (--geometry-cases, default 600; ranks 1, 3 and 2 in turn, both ops): random parameters across every
padding mode (EXPLICIT with asymmetric pads), given output sizes, output_padding and dilation. All five arrays of
tconv_convnd_geometry / _transpose_geometry against the formulas (entries at index >= rank must be 0; the
parameters carry junk there, which must be ignored); the output size PyTorch's own F.convNd gives on the padded
input (conv) and its F.conv_transposeNd's full result and, with symmetric pads, its padding/output_padding
spelling (transposed); for the transposed op every output size of the admissible range and one past each end on
every axis, and every output_padding up to max(stride, dilation); then inadmissible variants (conv out not the
computed size, output_padding on conv or beyond its bound or with a non-EXPLICIT padding, out disagreeing with
output_padding, pads with non-EXPLICIT padding, stride/dilation/kernel 0, negative pads, rank 0 and 4, a VALID
conv whose kernel exceeds the input): the documented status from the geometry call and from the op, with its
output buffer untouched.

Value jobs (--cases, default 600; rank 1, rank 3, rank 1, rank 3, rank 2 in turn, conv and transposed alternately;
10 in every 50 large: 500-3000 pixels on rank 1, 8-16 per axis on rank 3, 10-40 on rank 2, for the planner's split
reductions, bands and image blocks):
groups (1, grouped, depthwise), dilation, stride, both data layouts, every filter layout, bias, ReLU, every padding
mode, transposed output sizes given by output_padding, out, both, or computed. Per job: the forward call (plain,
_reference, _ex with AUTO on 1 and 2 threads and with each forced algorithm, TCONV_ERR_UNSUPPORTED meaning not
applicable, and _ex with a caller workspace of the size tconv_nd_workspace_size reports), the three gradients of the op against torch.autograd (activation NONE): plain, _reference, _ex on 1 and
2 threads, with accumulate = 0 and 1 (adds into a pre-filled buffer), and with each forced algorithm. Tolerance per
element as tests/torch_oracle.py: |got - ref| <= u*min(2*(K+3), 8*sqrt(K+3))*(sum|terms| + |init|), K the element's
true reduction length (the op run on all-ones tensors), u = 2^-24; float32-exact inputs, tconv fed float32.

Seed: TCONV_TEST_SEED (default 20261122), or --seed; each job draws from its own generator seeded by (seed, kind,
index), so `--case I` / `--geometry-case J` reruns one job; every failure line prints the seed, the index, every
parameter and that command. The jobs run in a worker process, as tests/torch_oracle.py's: a crash is reported as the
failure of the running job and a new worker goes on. Output: one line per failed check, a coverage summary, and the
last line `torch oracle nd: N passed, M failed` (N, M count jobs). Exit 0 if all pass, 1 otherwise, 77 (meson's skip)
if torch or numpy cannot be imported, unless TCONV_REQUIRE_TORCH=1 (then 1).
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

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch_oracle as T  # noqa: E402  (the per-axis formulas, the enums, Options/Profile, the tolerance)
from torch_oracle import (OK, ERR_INVALID_ARGUMENT, ERR_SHAPE_MISMATCH, ERR_UNSUPPORTED, NHWC, NCHW,  # noqa: E402
                          FILTER_DEFAULT, FILTER_HWIO, FILTER_OIHW, FILTER_HWOI, FILTER_IOHW, VALID, SAME, SAME_LOWER,
                          EXPLICIT, ACT_NONE, ACT_RELU, ALGO_AUTO, ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT, ALGO_NAMES,
                          LAYOUT_NAMES, FILTER_NAMES, PADDING_NAMES, AxisError, Options, Profile, FP, OPTP)

np = torch = F = None   # imported by the worker process only

NAME = "torch oracle nd"
DEFAULT_SEED = T.DEFAULT_SEED
DEFAULT_CASES = 600
DEFAULT_GEOMETRY_CASES = 600
MAX_RANK = 3


def import_torch():
    """numpy and torch, or exit 77 (meson's skip); 1 under TCONV_REQUIRE_TORCH=1."""
    global np, torch, F
    try:
        import numpy
        import torch as torch_
        import torch.nn.functional as functional
    except Exception as e:
        if os.environ.get("TCONV_REQUIRE_TORCH") == "1":
            print("%s: FAILED: cannot import torch/numpy (%s: %s) and TCONV_REQUIRE_TORCH=1" %
                  (NAME, type(e).__name__, e))
            sys.exit(1)
        print("%s: skipped: cannot import torch/numpy (%s: %s)" % (NAME, type(e).__name__, e))
        sys.exit(77)
    np, torch, F = numpy, torch_, functional
    T.np, T.torch, T.F = numpy, torch_, functional   # torch_oracle's tolerance() and Out use its own globals


# ---------------------------------------------------------------------------------------------------------------
# include/tconv.h's N-D section, mirrored by hand
# ---------------------------------------------------------------------------------------------------------------
I64R = C.c_int64 * MAX_RANK
ND_ARRAYS = ["in", "kernel", "stride", "dilation", "pad_before", "pad_after", "out", "output_padding"]


class NDParams(C.Structure):
    _fields_ = [("rank", C.c_int), ("layout", C.c_int), ("filter_layout", C.c_int), ("batch", C.c_int64),
                ("in_channels", C.c_int64), ("out_channels", C.c_int64), ("groups", C.c_int64),
                ("in", I64R), ("kernel", I64R), ("stride", I64R), ("dilation", I64R), ("padding", C.c_int),
                ("pad_before", I64R), ("pad_after", I64R), ("out", I64R), ("output_padding", I64R),
                ("activation", C.c_int)]


GEO_ARRAYS = ["out", "pad_before", "pad_after", "out_min", "out_max"]


class NDGeometry(C.Structure):
    _fields_ = [(f, I64R) for f in GEO_ARRAYS]


NPP = C.POINTER(NDParams)
GRADS = ("backward_data", "backward_filter", "backward_bias")


def load(path):
    lib = C.CDLL(path)

    def sig(name, *args):
        fn = getattr(lib, name)
        fn.argtypes = list(args)
        fn.restype = C.c_int
        return fn

    lib.tconv_last_error.restype = C.c_char_p
    lib.tconv_last_error.argtypes = []
    sig("tconv_convnd_geometry", NPP, C.POINTER(NDGeometry))
    sig("tconv_convnd_transpose_geometry", NPP, C.POINTER(NDGeometry))
    for op in ("tconv_convnd", "tconv_convnd_transpose"):
        sig(op, NPP, FP, FP, FP, FP)
        sig(op + "_reference", NPP, FP, FP, FP, FP)
        sig(op + "_ex", NPP, FP, FP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
        for gname in ("backward_data", "backward_filter"):
            sig(op + "_" + gname, NPP, FP, FP, FP)
            sig(op + "_" + gname + "_reference", NPP, FP, FP, FP)
            sig(op + "_" + gname + "_ex", NPP, FP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
        sig(op + "_backward_bias", NPP, FP, FP)
        sig(op + "_backward_bias_reference", NPP, FP, FP)
        sig(op + "_backward_bias_ex", NPP, FP, FP, C.c_void_p, C.c_size_t, OPTP)
    sig("tconv_nd_workspace_size", C.c_int, NPP, OPTP, C.POINTER(C.c_size_t))
    # this declaration against the library's initialiser (into room to spare): the documented defaults, same size
    init = lib.tconv_nd_params_init
    init.argtypes, init.restype = [C.c_void_p, C.c_int], None
    for rank in (1, 2, 3):
        room = C.create_string_buffer(b"\xa5" * 4096, 4096)
        init(room, rank)
        got = NDParams.from_buffer_copy(room.raw[:C.sizeof(NDParams)])
        bad = got.rank != rank or got.groups != 1 or any(
            list(getattr(got, f)) != [1] * MAX_RANK for f in ("stride", "dilation")) or any(
            list(getattr(got, f)) != [0] * MAX_RANK for f in ND_ARRAYS if f not in ("stride", "dilation")) or any(
            getattr(got, f) for f in ("layout", "filter_layout", "batch", "in_channels", "out_channels", "padding",
                                      "activation"))
        if bad or room.raw[C.sizeof(NDParams):] != b"\xa5" * (4096 - C.sizeof(NDParams)):
            sys.exit("%s: tconv_nd_params_init(p, %d) disagrees with this script's struct tconv_nd_params" %
                     (NAME, rank))
    return lib


# ---------------------------------------------------------------------------------------------------------------
# The formulas, per axis (tests/torch_oracle.py's)
# ---------------------------------------------------------------------------------------------------------------
def expected_geometry(cfg):
    """{out, pad_before, pad_after, out_min, out_max} as lists of rank entries, or raises AxisError."""
    r, tr = cfg["rank"], cfg["tr"]
    if not 1 <= r <= MAX_RANK:
        raise AxisError(ERR_INVALID_ARGUMENT, "rank")
    # per-axis argument checks first (every axis), as the header's limits say: each is INVALID_ARGUMENT
    for i in range(r):
        if cfg["in"][i] < 0 or cfg["kernel"][i] < 1 or cfg["stride"][i] < 1 or cfg["dilation"][i] < 1 or \
                cfg["out"][i] < 0 or cfg["pad_before"][i] < 0 or cfg["pad_after"][i] < 0 or \
                cfg["output_padding"][i] < 0:
            raise AxisError(ERR_INVALID_ARGUMENT, "a size out of range on axis %d" % i)
        if cfg["padding"] != EXPLICIT and (cfg["pad_before"][i] or cfg["pad_after"][i]):
            raise AxisError(ERR_INVALID_ARGUMENT, "pads with %s padding" % PADDING_NAMES[cfg["padding"]])
        if cfg["output_padding"][i] and (not tr or cfg["padding"] != EXPLICIT or
                                         cfg["output_padding"][i] >= max(cfg["stride"][i], cfg["dilation"][i])):
            raise AxisError(ERR_INVALID_ARGUMENT, "output_padding")
    geo = dict((f, [0] * MAX_RANK) for f in GEO_ARRAYS)
    for i in range(r):
        a = (cfg["padding"], cfg["in"][i], cfg["kernel"][i], cfg["stride"][i], cfg["dilation"][i],
             cfg["pad_before"][i], cfg["pad_after"][i], cfg["out"][i])
        got = T.transpose_axis(*a, cfg["output_padding"][i]) if tr else T.conv_axis(*a)
        for f, v in zip(GEO_ARRAYS, got):
            geo[f][i] = v
    return geo


def full_sizes(cfg):
    return [T.transpose_range(cfg["padding"], cfg["in"][i], cfg["kernel"][i], cfg["stride"][i], cfg["dilation"][i],
                              cfg["pad_before"][i], cfg["pad_after"][i], 0)[0] for i in range(cfg["rank"])]


# ---------------------------------------------------------------------------------------------------------------
# PyTorch, float64
# ---------------------------------------------------------------------------------------------------------------
def conv_fn(r):
    return {1: F.conv1d, 2: F.conv2d, 3: F.conv3d}[r]


def conv_t_fn(r):
    return {1: F.conv_transpose1d, 2: F.conv_transpose2d, 3: F.conv_transpose3d}[r]


def torch_pad_arg(before, after):
    """F.pad's argument: the last axis first."""
    out = []
    for b, a in reversed(list(zip(before, after))):
        out += [b, a]
    return tuple(out)


BASE = {False: "OI", True: "IO"}
RESOLVED = {False: "HWIO", True: "HWOI"}


def layout_letters(tr, fl):
    return RESOLVED[tr] if fl == FILTER_DEFAULT else FILTER_NAMES[fl]


def filter_perm(tr, fl, r):
    """The permutation of torch's weight (OI+spatial for conv, IO+spatial for transposed) into tconv's layout."""
    spatial = [str(i) for i in range(r)]
    base = list(BASE[tr]) + spatial
    letters = []
    for ch in layout_letters(tr, fl):
        if ch == "H":
            letters += spatial
        elif ch != "W":
            letters.append(ch)
    return [base.index(ch) for ch in letters]


def oracle_forward(cfg, geo, x, w, b, relu):
    """y (channels first, float64) of the op cfg describes, with the pads and sizes of geo (the formulas)."""
    r, g = cfg["rank"], cfg["groups"]
    s, d = tuple(cfg["stride"][:r]), tuple(cfg["dilation"][:r])
    out = geo["out"][:r]
    if not cfg["tr"]:
        xp = F.pad(x, torch_pad_arg(geo["pad_before"][:r], geo["pad_after"][:r]))
        y = conv_fn(r)(xp, w, None, s, 0, d, g)
    else:
        full = conv_t_fn(r)(x, w, None, s, 0, 0, g, d)
        ext = [max(0, geo["pad_before"][i] + out[i] - full.shape[2 + i]) for i in range(r)]
        full = F.pad(full, torch_pad_arg([0] * r, ext))   # positions past the full result: bias only
        y = full
        for i in range(r):
            y = y.narrow(2 + i, geo["pad_before"][i], out[i])
    assert list(y.shape[2:]) == list(out), (tuple(y.shape), geo)
    if b is not None:
        y = y + b.view([1, -1] + [1] * r)
    return torch.relu(y) if relu else y


def torch_native(cfg, geo, x, w, b):
    """PyTorch's own spelling where it has one (symmetric pads; stride-1 SAME), a check of the pad/crop above."""
    r, g = cfg["rank"], cfg["groups"]
    s, d = tuple(cfg["stride"][:r]), tuple(cfg["dilation"][:r])
    pb, pa = geo["pad_before"][:r], geo["pad_after"][:r]
    if not cfg["tr"]:
        if cfg["padding"] == SAME and all(v == 1 for v in s):
            return conv_fn(r)(x, w, b, 1, "same", d, g)
        if pb == pa:
            return conv_fn(r)(x, w, b, s, tuple(pb), d, g)
        return None
    if cfg["padding"] != EXPLICIT or cfg["pad_before"][:r] != cfg["pad_after"][:r]:
        return None
    opad = tuple(cfg["pad_after"][i] - pa[i] for i in range(r))   # out - (F - 2p)
    if any(o < 0 or o >= max(s[i], d[i]) for i, o in enumerate(opad)):
        return None
    return conv_t_fn(r)(x, w, b, s, tuple(pb), opad, g, d)


# ---------------------------------------------------------------------------------------------------------------
# Configurations
# ---------------------------------------------------------------------------------------------------------------
SCALARS = ["rank", "layout", "filter_layout", "batch", "in_channels", "out_channels", "groups", "padding",
           "activation"]


def describe(cfg):
    r = cfg["rank"]
    parts = ["op=%s" % opname(cfg)]
    for f in SCALARS:
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
    for f in ND_ARRAYS:
        parts.append("%s=%s" % (f, ",".join(str(v) for v in cfg[f][:max(r, 1)])))
    parts.append("bias=%d" % cfg.get("bias", 0))
    return " ".join(parts)


def opname(cfg):
    r = cfg["rank"]
    return "conv%sd%s" % (r if 1 <= r <= 3 else "N", "_transpose" if cfg["tr"] else "")


def make_params(cfg, junk=False, **over):
    c = dict(cfg)
    c.update(over)
    p = NDParams()
    for f in SCALARS:
        setattr(p, f, c[f])
    for f in ND_ARRAYS:
        vals = list(c[f]) + [0] * MAX_RANK
        if junk:   # entries at index >= rank are ignored
            r = max(c["rank"], 0)
            vals = vals[:r] + [-7 - j for j in range(MAX_RANK - r)] + [0] * MAX_RANK
        getattr(p, f)[:] = vals[:MAX_RANK]
    return p


def blank(rank, tr):
    cfg = dict((f, 0) for f in SCALARS)
    cfg.update(rank=rank, tr=tr, groups=1, size_mode="computed", bias=False)
    for f in ND_ARRAYS:
        cfg[f] = [1 if f in ("stride", "dilation") else 0 for _ in range(MAX_RANK)]
    return cfg


def draw_channels(rng, cfg):
    u = rng.random()
    if u < 0.45:
        g, ci, co = 1, rng.randint(1, 4), rng.randint(1, 4)
    elif u < 0.75:
        g = rng.randint(2, 3)
        a, b = rng.randint(1, 3), rng.randint(1, 3)
        if a == b == 1:
            b = 2
        ci, co = g * a, g * b
    else:
        g = ci = co = rng.randint(2, 5)
    cfg.update(groups=g, in_channels=ci, out_channels=co)


def draw_config(rng, rank, tr, value, large=False):
    """A valid configuration and its geometry. value: sizes for the value jobs (rank 3 kept small); large: a value
    job with thousands of pixels (the planner's split reductions, bands and blocks of images)."""
    while True:
        cfg = blank(rank, tr)
        cfg["layout"] = rng.choice([NHWC, NCHW])
        cfg["filter_layout"] = rng.choice([FILTER_DEFAULT, FILTER_HWIO, FILTER_OIHW, FILTER_HWOI, FILTER_IOHW])
        draw_channels(rng, cfg)
        if large and rng.random() < 0.5:   # few filter-gradient blocks over many pixels: a split reduction
            cfg.update(groups=1, in_channels=rng.randint(1, 3), out_channels=rng.randint(1, 3))
        cfg["batch"] = rng.randint(1, 2 if rank == 3 else 3)
        if large and rank < 3:
            cfg["batch"] = rng.choice([1, 1, 2, 4])
        if value and rng.random() < 0.04:
            cfg["batch"] = 0   # a successful no-op forward; zero filter and bias gradients
        for i in range(rank):
            if large:
                n = rng.randint(500, 3000) if rank == 1 else rng.randint(8, 16) if rank == 3 else rng.randint(10, 40)
                k, s, d = rng.randint(1, 4), rng.choice([1, 1, 1, 2, 3] if rank == 1 else [1, 1, 2]), rng.choice([1, 1, 2])
            elif value and rank == 3:
                n, k, s = rng.randint(1, 5), rng.randint(1, 3), rng.randint(1, 2)
                d = rng.choice([1, 1, 1, 2])
            elif value:
                n, k, s = rng.randint(1, 12 if rank == 1 else 8), rng.randint(1, 5), rng.randint(1, 3)
                d = rng.choice([1, 1, 1, 2, 3])
            else:
                n, k, s = rng.randint(1, 16), rng.randint(1, 6), rng.randint(1, 4)
                d = rng.choice([1, 1, 2, 3, 4])
            cfg["in"][i], cfg["kernel"][i], cfg["stride"][i], cfg["dilation"][i] = n, k, s, d
        cfg["padding"] = rng.choice([VALID, SAME, SAME_LOWER, EXPLICIT])
        if cfg["padding"] == EXPLICIT and rng.random() < 0.9:
            for i in range(rank):
                cfg["pad_before"][i], cfg["pad_after"][i] = rng.randint(0, 3), rng.randint(0, 3)
        cfg["bias"] = rng.random() < 0.5
        cfg["activation"] = ACT_RELU if rng.random() < 0.3 else ACT_NONE
        if tr:
            ax = [T.transpose_range(cfg["padding"], cfg["in"][i], cfg["kernel"][i], cfg["stride"][i],
                                    cfg["dilation"][i], cfg["pad_before"][i], cfg["pad_after"][i], 0)
                  for i in range(rank)]
            if min(lo for _, lo, _, _ in ax) < 1:
                continue
            u = rng.random()
            if cfg["padding"] == EXPLICIT and u < 0.4:
                cfg["size_mode"] = "output_padding"
            elif cfg["padding"] == EXPLICIT and u < 0.6:
                cfg["size_mode"] = "output_padding+out"
            elif u < 0.8:
                cfg["size_mode"] = "out"
            for i, (full, lo, hi, default) in enumerate(ax):
                if cfg["size_mode"].startswith("output_padding"):
                    op = rng.randint(0, hi - lo)
                    cfg["output_padding"][i] = op
                    if cfg["size_mode"] == "output_padding+out":
                        cfg["out"][i] = lo + op
                elif cfg["size_mode"] == "out":
                    cfg["out"][i] = rng.randint(lo, hi)
        elif rng.random() < 0.2:
            cfg["size_mode"] = "out"
        try:
            geo = expected_geometry(cfg)
        except AxisError:
            continue
        if min(geo["out"][:rank]) < 1:
            continue
        if not tr and cfg["size_mode"] == "out":
            cfg["out"] = list(geo["out"])
        cfg["large"] = large
        return cfg, geo


RANK_CYCLE = (1, 3, 1, 3, 2)
LARGE_EVERY = 50   # value jobs i with i % 50 >= 40 are large (ranks 1, 1, 3, 3, 2 twice; both ops)


def is_large(kind, i):
    return kind == "case" and i % LARGE_EVERY >= LARGE_EVERY - 10


def draw(seed, kind, i):
    rank = RANK_CYCLE[(i // 2) % len(RANK_CYCLE)]
    return draw_config(random.Random("%d:nd-%s:%d" % (seed, kind, i)), rank, i % 2 == 1, kind == "case",
                       is_large(kind, i))


# ---------------------------------------------------------------------------------------------------------------
# A job
# ---------------------------------------------------------------------------------------------------------------
class Job(T.Case):
    """Reuses torch_oracle.Case's compare() and last_error(); fail() prints this script's reproducer."""

    def fail(self, check, msg):
        self.failures.append("FAIL seed=%d %s=%d check=%s: %s | %s | size_mode=%s | rerun: TCONV_TEST_SEED=%d "
                             "/usr/bin/python3 %s %s --%s %d" %
                             (self.seed, self.flag, self.index, check, msg, describe(self.cfg), self.cfg["size_mode"],
                              self.seed, self.argv0, self.libpath, self.flag, self.index))

    def geometry_call(self, cfg, junk=False, **over):
        g = NDGeometry()
        fn = self.lib.tconv_convnd_transpose_geometry if cfg["tr"] else self.lib.tconv_convnd_geometry
        st = fn(C.byref(make_params(cfg, junk=junk, **over)), C.byref(g))
        return st, dict((f, list(getattr(g, f))) for f in GEO_ARRAYS)

    def diff(self, got, want):
        return ", ".join("%s=%s (want %s)" % (f, got[f], want[f]) for f in GEO_ARRAYS if got[f] != want[f])


class GeometryJob(Job):
    flag = "geometry-case"

    def check_cfg(self, check, cfg, junk=False):
        """Geometry call vs formulas for cfg (valid or not); returns (status, geometry) of tconv."""
        try:
            want, want_st = expected_geometry(cfg), OK
        except AxisError as e:
            want, want_st = None, e.status
        st, g = self.geometry_call(cfg, junk=junk)
        self.stats["checks"]["geometry " + ("ok" if want_st == OK else "error")] += 1
        if st != want_st:
            self.fail(check, "status %d, want %d (%s)" % (st, want_st, self.last_error()))
        elif want is not None and g != want:
            self.fail(check, "tconv_convnd%s_geometry disagrees with the formulas: %s" %
                      ("_transpose" if cfg["tr"] else "", self.diff(g, want)))
        elif want_st != OK:
            msg = self.last_error()
            fn = "tconv_convnd%s_geometry" % ("_transpose" if cfg["tr"] else "")
            if not msg.startswith(fn + ": "):
                self.fail(check, "the message does not name %s: %s" % (fn, msg))
        return st, g

    def torch_sizes(self):
        """PyTorch's own output sizes on one-channel zeros."""
        cfg, geo, r = self.cfg, self.geo, self.cfg["rank"]
        s, d = tuple(cfg["stride"][:r]), tuple(cfg["dilation"][:r])
        w = torch.zeros([1, 1] + cfg["kernel"][:r], dtype=torch.float64)
        x = torch.zeros([1, 1] + cfg["in"][:r], dtype=torch.float64)
        self.stats["checks"]["torch sizes"] += 1
        if not cfg["tr"]:
            if min(geo["out"][:r]) < 1:
                return
            xp = F.pad(x, torch_pad_arg(geo["pad_before"][:r], geo["pad_after"][:r]))
            got = list(conv_fn(r)(xp, w, None, s, 0, d).shape[2:])
            if got != geo["out"][:r]:
                self.fail("torch-size", "F.conv%dd on the padded input gives %s, the formulas %s" %
                          (r, got, geo["out"][:r]))
            if cfg["padding"] == SAME and all(v == 1 for v in s):
                got = list(conv_fn(r)(x, w, None, 1, "same", d).shape[2:])
                if got != geo["out"][:r]:
                    self.fail("torch-size", "F.conv%dd(padding='same') gives %s, the formulas %s" %
                              (r, got, geo["out"][:r]))
            return
        full = list(conv_t_fn(r)(x, w, None, s, 0, 0, 1, d).shape[2:])
        if full != full_sizes(cfg):
            self.fail("torch-size", "F.conv_transpose%dd's full result is %s, the formulas' %s" %
                      (r, full, full_sizes(cfg)))
        if cfg["padding"] == EXPLICIT and cfg["pad_before"][:r] == cfg["pad_after"][:r] and \
                min(geo["out_min"][:r]) >= 1:
            # every output_padding PyTorch accepts, vs the formulas' out for it
            for i in range(r):
                for op in range(max(s[i], d[i])):
                    opad = [0] * r
                    opad[i] = op
                    got = list(conv_t_fn(r)(x, w, None, s, tuple(cfg["pad_before"][:r]), tuple(opad), 1,
                                            d).shape[2:])
                    c2 = dict(cfg, out=[0] * MAX_RANK, output_padding=opad + [0] * (MAX_RANK - r))
                    want = expected_geometry(c2)["out"][:r]
                    self.stats["checks"]["torch sizes"] += 1
                    if got != want:
                        self.fail("torch-size", "F.conv_transpose%dd(padding=%s, output_padding=%s) gives %s, the "
                                  "formulas %s" % (r, cfg["pad_before"][:r], opad, got, want))

    def invalid_variants(self):
        cfg, geo, r, tr = self.cfg, self.geo, self.cfg["rank"], self.cfg["tr"]
        rng = random.Random("%d:nd-geometry-invalid:%d" % (self.seed, self.index))
        i = self.axis = rng.randrange(r)
        v = []

        def arr(f, val):
            a = list(cfg[f])
            a[i] = val
            return {f: a}

        if tr:
            v.append(("out above the range", dict(arr("out", geo["out_max"][i] + 1), output_padding=[0] * 3),
                      ERR_SHAPE_MISMATCH))
            if geo["out_min"][i] > 1:
                v.append(("out below the range", dict(arr("out", geo["out_min"][i] - 1), output_padding=[0] * 3),
                          ERR_SHAPE_MISMATCH))
            lim = max(cfg["stride"][i], cfg["dilation"][i])
            if cfg["padding"] == EXPLICIT:
                v.append(("output_padding == max(stride, dilation)", dict(arr("output_padding", lim), out=[0] * 3),
                          ERR_INVALID_ARGUMENT))
                if lim > 1:
                    op = list(cfg["output_padding"])
                    op[i] = 1
                    o = list(cfg["out"])
                    o[i] = geo["out_min"][i]
                    v.append(("out disagrees with output_padding", dict(output_padding=op, out=o),
                              ERR_SHAPE_MISMATCH))
            else:
                v.append(("output_padding with %s padding" % PADDING_NAMES[cfg["padding"]],
                          dict(arr("output_padding", 1), out=[0] * 3), ERR_INVALID_ARGUMENT))
        else:
            v.append(("conv out not the computed size", arr("out", geo["out"][i] + 1), ERR_SHAPE_MISMATCH))
            v.append(("output_padding on conv", arr("output_padding", 1), ERR_INVALID_ARGUMENT))
            # VALID with the dilated kernel longer than the input by more than the stride: a negative size
            ke = cfg["dilation"][i] * (cfg["kernel"][i] - 1) + 1
            n = max(ke - 2 * cfg["stride"][i], 0)
            if n >= 0 and T.cdiv(n - ke + cfg["stride"][i], cfg["stride"][i]) < 0:
                change = dict(arr("in", n), padding=VALID, pad_before=[0] * 3, pad_after=[0] * 3, out=[0] * 3)
                # VALID on every axis: an earlier one may be negative too, and the message names the first
                c = dict(cfg, **change)
                first = min(j for j in range(r) if T.cdiv(c["in"][j] - c["dilation"][j] * (c["kernel"][j] - 1) - 1 +
                                                          c["stride"][j], c["stride"][j]) < 0)
                v.append(("VALID kernel beyond the input", change, ERR_INVALID_ARGUMENT, first))
        if cfg["padding"] != EXPLICIT:
            v.append(("pad_after with %s padding" % PADDING_NAMES[cfg["padding"]], arr("pad_after", 1),
                      ERR_INVALID_ARGUMENT))
        else:
            v.append(("negative pad_before", arr("pad_before", -1), ERR_INVALID_ARGUMENT))
        v.append(("stride 0", arr("stride", 0), ERR_INVALID_ARGUMENT))
        v.append(("dilation 0", arr("dilation", 0), ERR_INVALID_ARGUMENT))
        v.append(("kernel 0", arr("kernel", 0), ERR_INVALID_ARGUMENT))
        v.append(("rank %d" % (0 if self.index % 4 < 2 else 4), dict(rank=0 if self.index % 4 < 2 else 4),
                  ERR_INVALID_ARGUMENT))
        return v

    def run_invalid(self, label, change, want_st):
        c = dict(self.cfg)
        c.update(change)
        c["size_mode"] = "invalid: " + label
        saved, self.cfg = self.cfg, c
        try:
            expected_geometry(c)
            self.fail("invalid", "%s: the oracle's own formulas accept it" % label)
            return
        except AxisError as e:
            if e.status != want_st:
                self.fail("invalid", "%s: the formulas give %d, expected %d" % (label, e.status, want_st))
                return
        finally:
            self.cfg = saved
        self.cfg = c
        try:
            st, _ = self.geometry_call(c)
            self.stats["invalid"][label.split(" with ")[0]] += 1
            msg = self.last_error()
            if st != want_st:
                self.fail("invalid/geometry", "%s: status %d, want %d (%s)" % (label, st, want_st, msg))
            elif not self.axis_named(label, msg):
                self.fail("invalid/geometry", "%s on axis %d: the message does not name the axis: %s" %
                          (label, self.bad_axis, msg))
            # the op itself: the same status, its output untouched
            big = 8192
            nrng = np.random.default_rng([self.seed, self.index, 7])
            x, w, b = (nrng.uniform(-1, 1, big).astype(np.float32) for _ in range(3))
            out = nrng.uniform(-1, 1, big).astype(np.float32)
            before = out.copy()
            p = make_params(c)
            fn = "tconv_convnd" + ("_transpose" if c["tr"] else "")
            st = getattr(self.lib, fn)(C.byref(p), T.fptr(x), T.fptr(w), T.fptr(b), T.fptr(out))
            msg = self.last_error()
            if st != want_st:
                self.fail("invalid/" + fn, "%s: status %d, want %d (%s)" % (label, st, want_st, msg))
            elif not msg.startswith(fn + ": "):
                self.fail("invalid/" + fn, "%s: the message does not name %s: %s" % (label, fn, msg))
            if not np.array_equal(out.view(np.uint32), before.view(np.uint32)):
                self.fail("invalid/" + fn, "%s: the output buffer was written on failure" % label)
        finally:
            self.cfg = saved

    def run(self):
        cfg, r = self.cfg, self.cfg["rank"]
        st, g = self.check_cfg("geometry", cfg)
        st2, g2 = self.check_cfg("geometry/junk beyond rank", cfg, junk=True)
        if (st, g) != (st2, g2):
            self.fail("geometry/junk beyond rank", "entries at index >= rank change the result: %s" % self.diff(g2, g))
        self.torch_sizes()
        if cfg["tr"]:
            for i in range(r):
                lo, hi = self.geo["out_min"][i], self.geo["out_max"][i]
                for o in range(max(lo - 1, 1), hi + 2):
                    c2 = dict(cfg, out=list(cfg["out"]), output_padding=list(cfg["output_padding"]))
                    c2["out"][i] = o
                    c2["output_padding"][i] = 0
                    self.check_cfg("geometry-sweep out[%d]=%d" % (i, o), c2)
                if cfg["padding"] == EXPLICIT:
                    for op in range(0, max(cfg["stride"][i], cfg["dilation"][i]) + 1):
                        c2 = dict(cfg, out=list(cfg["out"]), output_padding=list(cfg["output_padding"]))
                        c2["out"][i] = 0
                        c2["output_padding"][i] = op
                        self.check_cfg("geometry-sweep output_padding[%d]=%d" % (i, op), c2)
        for variant in self.invalid_variants():
            label, change, want_st = variant[:3]
            self.bad_axis = variant[3] if len(variant) > 3 else self.axis
            self.run_invalid(label, change, want_st)

    def axis_named(self, label, msg):
        """The message of a per-axis error names the axis: by index (stride[2]) or by its dimension (out_w)."""
        r, i = self.cfg["rank"], self.bad_axis
        if label.startswith("rank"):
            return True
        letter = "dhw"[MAX_RANK - r + i]
        return "[%d]" % i in msg or "_%s " % letter in msg


class ValueJob(Job):
    flag = "case"

    def run(self):
        cfg, geo, stats, lib = self.cfg, self.geo, self.stats, self.lib
        tr, r = cfg["tr"], cfg["rank"]
        rng = random.Random("%d:nd-data:%d" % (self.seed, self.index))
        nrng = np.random.default_rng([self.seed, 12, self.index])
        st, tg = self.geometry_call(cfg)
        stats["checks"]["geometry"] += 1
        if st != OK or tg != geo:
            self.fail("geometry", "status %d (%s): %s" % (st, self.last_error() if st else "",
                                                          self.diff(tg, geo) if st == OK else ""))
            return
        n, ci, co, g = cfg["batch"], cfg["in_channels"], cfg["out_channels"], cfg["groups"]
        ins, ks, outs = cfg["in"][:r], cfg["kernel"][:r], geo["out"][:r]
        wshape = [ci, co // g] + ks if tr else [co, ci // g] + ks
        perm = filter_perm(tr, cfg["filter_layout"], r)
        last = cfg["layout"] == NHWC
        to_cl = [0] + list(range(2, 2 + r)) + [1]

        def rnd(*shape):
            return torch.from_numpy(nrng.uniform(-1, 1, size=shape).astype(np.float32).astype(np.float64))

        def to_layout(t):
            t = t.detach()
            return (t.permute(*to_cl) if last else t).contiguous().numpy()

        def to_filter(t):
            return t.detach().permute(*perm).contiguous().numpy()

        x = rnd(n, ci, *ins)
        w = rnd(*wshape)
        b = rnd(co) if cfg["bias"] else None
        relu = cfg["activation"] == ACT_RELU
        with torch.no_grad():
            ref = oracle_forward(cfg, geo, x, w, b, relu)
            A = oracle_forward(cfg, geo, x.abs(), w.abs(), None if b is None else b.abs(), False)
            K = oracle_forward(cfg, geo, torch.ones_like(x), torch.ones_like(w), None, False)
            nat = torch_native(cfg, geo, x, w, b)
            if nat is not None:
                stats["checks"]["torch native spelling"] += 1
                pre = oracle_forward(cfg, geo, x, w, b, False)
                if nat.shape != pre.shape or not torch.allclose(nat, pre, rtol=1e-12, atol=1e-12):
                    self.fail("oracle-self-check", "PyTorch's own padding/output_padding spelling disagrees with "
                              "pad + conv / full + crop (shape %s vs %s)" % (tuple(nat.shape), tuple(pre.shape)))
        xa, wa = to_layout(x), to_filter(w)
        ba = T.padded(b.numpy(), 0) if b is not None else None
        xbuf, wbuf = T.padded(xa, 0), T.padded(wa, 0)
        x0, w0 = xbuf.copy(), wbuf.copy()
        ref_l, A_l, K_l = to_layout(ref), to_layout(A), to_layout(K)
        yshape = tuple(ref_l.shape)
        ny = ref_l.size
        fn = "tconv_convnd" + ("_transpose" if tr else "")
        name = opname(cfg)
        p = make_params(cfg, junk=self.index % 3 == 0)

        calls = [("forward", None, None), ("forward/reference", None, None)]
        for algo in (ALGO_AUTO, ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT):
            for th in (1, 2):
                calls.append(("forward/ex[%s,threads=%d]" % (ALGO_NAMES[algo], th), algo, th))
        calls.append(("forward/ex[AUTO,threads=2,workspace]", ALGO_AUTO, 2))
        for check, algo, th in calls:
            y = T.Out(ny)
            prof = Profile()
            if check.endswith("workspace]"):
                # a caller workspace of exactly the size tconv_nd_workspace_size reports (TCONV_OP_CONV = 0,
                # TCONV_OP_CONV_TRANSPOSE = 1)
                opt = Options(num_threads=th, algorithm=algo, profile=C.pointer(prof), accumulate=0)
                nbytes = C.c_size_t(0)
                st = lib.tconv_nd_workspace_size(1 if tr else 0, C.byref(p), C.byref(opt), C.byref(nbytes))
                if st != OK:
                    self.fail(check, "tconv_nd_workspace_size: status %d: %s" % (st, self.last_error()))
                    continue
                ws = C.create_string_buffer(max(nbytes.value, 1))
                st = getattr(lib, fn + "_ex")(C.byref(p), T.fptr(xbuf), T.fptr(wbuf), T.fptr(ba), y.ptr(), ws,
                                              nbytes.value, C.byref(opt))
            elif algo is None:
                st = getattr(lib, fn + ("_reference" if check.endswith("reference") else ""))(
                    C.byref(p), T.fptr(xbuf), T.fptr(wbuf), T.fptr(ba), y.ptr())
            else:
                opt = Options(num_threads=th, algorithm=algo, profile=C.pointer(prof), accumulate=0)
                st = getattr(lib, fn + "_ex")(C.byref(p), T.fptr(xbuf), T.fptr(wbuf), T.fptr(ba), y.ptr(), None, 0,
                                              C.byref(opt))
            stats["forward calls"]["|".join((name, check.split("[")[0] if algo is None else ALGO_NAMES[algo],
                                             "OK" if st == OK else "UNSUPPORTED" if st == ERR_UNSUPPORTED
                                             else "error"))] += 1
            if algo not in (None, ALGO_AUTO) and st == ERR_UNSUPPORTED:
                if not np.all(np.isnan(y.buf)):
                    self.fail(check, "TCONV_ERR_UNSUPPORTED but the output was written")
                continue
            if st != OK:
                self.fail(check, "status %d: %s" % (st, self.last_error()))
                continue
            if n == 0:   # nothing computed: the profile says so (include/tconv.h, struct tconv_profile)
                if algo is not None and (prof.algorithm != T.ALGO_NONE or prof.threads != 0):
                    self.fail(check, "batch 0: the profile says %s ran on %d threads, want NONE and 0" %
                              (ALGO_NAMES.get(prof.algorithm, prof.algorithm), prof.threads))
            else:
                if algo not in (None, ALGO_AUTO) and prof.algorithm != algo:
                    self.fail(check, "the profile says %s ran" % ALGO_NAMES.get(prof.algorithm, prof.algorithm))
                if algo is not None and not 1 <= prof.threads <= th:
                    self.fail(check, "the profile says %d threads ran (asked %d)" % (prof.threads, th))
            self.compare(check, y, ref_l, K_l, A_l, yshape)
        if not (np.array_equal(xbuf, x0) and np.array_equal(wbuf, w0)):
            self.fail("forward", "an input was modified")
        stats["checks"][name] += 1

        # the three gradients (p: the forward op, activation NONE)
        pg = make_params(cfg, junk=self.index % 3 == 1, activation=ACT_NONE)
        dy = rnd(n, co, *outs)

        def grads(xv, wv, dyv):
            xv = xv.clone().requires_grad_(True)
            wv = wv.clone().requires_grad_(True)
            bv = torch.zeros(co, dtype=torch.float64, requires_grad=True)
            oracle_forward(cfg, geo, xv, wv, bv, False).backward(dyv)
            return xv.grad, wv.grad, bv.grad

        gx, gw, gb = grads(x, w, dy)
        Ax, Aw, Ab = grads(x.abs(), w.abs(), dy.abs())
        Kx, Kw, Kb = grads(torch.ones_like(x), torch.ones_like(w), torch.ones_like(dy))
        pix_in, pix_out = int(np.prod(ins)), int(np.prod(outs))
        if Kw.max().item() > n * (pix_in if tr else pix_out) or Kb.max().item() != n * pix_out:
            self.fail("oracle-self-check", "reduction lengths %d / %d exceed batch x pixels" %
                      (Kw.max().item(), Kb.max().item()))
        dybuf = T.padded(to_layout(dy), 0)
        dy0 = dybuf.copy()
        specs = {
            "backward_data": (xa.size, to_layout(gx), to_layout(Kx), to_layout(Ax), tuple(xa.shape),
                              lambda out: (T.fptr(dybuf), T.fptr(wbuf), out)),
            "backward_filter": (wa.size, to_filter(gw), to_filter(Kw), to_filter(Aw), tuple(wa.shape),
                                lambda out: (T.fptr(xbuf), T.fptr(dybuf), out)),
            "backward_bias": (co, gb.numpy(), Kb.numpy(), Ab.numpy(), (co,), lambda out: (T.fptr(dybuf), out)),
        }
        for gname, (cnt, gref, gK, gA, gshape, args) in specs.items():
            base = "%s_%s" % (fn, gname)
            stats["checks"]["%s_%s" % (name, gname)] += 1
            runs = [("plain", None, None, False), ("reference", None, None, False)]
            for th in (1, 2):
                for acc in (False, True):
                    runs.append(("ex", ALGO_AUTO, th, acc))
            for algo in (ALGO_GEMM, ALGO_SUBPIXEL, ALGO_DIRECT):
                runs.append(("ex", algo, rng.choice([1, 2]), rng.random() < 0.5))
            for kind, algo, th, acc in runs:
                init = nrng.uniform(-1, 1, size=cnt).astype(np.float32) if acc else None
                out = T.Out(cnt, init=init)
                prof = Profile()
                if kind == "plain":
                    st = getattr(lib, base)(C.byref(pg), *args(out.ptr()))
                    check = "%s_%s" % (name, gname)
                elif kind == "reference":
                    st = getattr(lib, base + "_reference")(C.byref(pg), *args(out.ptr()))
                    check = "%s_%s/reference" % (name, gname)
                else:
                    opt = Options(num_threads=th, algorithm=algo, profile=C.pointer(prof), accumulate=int(acc))
                    st = getattr(lib, base + "_ex")(C.byref(pg), *args(out.ptr()), None, 0, C.byref(opt))
                    check = "%s_%s/ex[%s,threads=%d%s]" % (name, gname, ALGO_NAMES[algo], th,
                                                          ",accumulate" if acc else "")
                    stats["gradient ex calls"]["%s/%s|%s" % (
                        gname, ALGO_NAMES[algo], "OK" if st == OK else "UNSUPPORTED" if st == ERR_UNSUPPORTED
                        else "error")] += 1
                    stats["checks"]["gradient _ex threads=%d" % th] += 1
                    if acc and st == OK:
                        stats["checks"]["accumulate=1 calls"] += 1
                if algo not in (None, ALGO_AUTO) and st == ERR_UNSUPPORTED:
                    if not np.array_equal(out.buf[:cnt], init if acc else np.full(cnt, np.nan, np.float32),
                                          equal_nan=True):
                        self.fail(check, "TCONV_ERR_UNSUPPORTED but the output was written")
                    continue
                if st != OK:
                    self.fail(check, "status %d: %s" % (st, self.last_error()))
                    continue
                if algo not in (None, ALGO_AUTO) and prof.algorithm != algo and n > 0:
                    self.fail(check, "the profile says %s ran" % ALGO_NAMES.get(prof.algorithm, prof.algorithm))
                want = gref.ravel() + (init.astype(np.float64) if acc else 0)
                self.compare(check, out, want, gK, gA, gshape, init=init)
        if not (np.array_equal(xbuf, x0) and np.array_equal(wbuf, w0) and np.array_equal(dybuf, dy0)):
            self.fail("gradients", "an input was modified")


def coverage_key(cfg, geo, kind):
    r = cfg["rank"]
    keys = ["%s:%s" % (kind, opname(cfg)), "%s:rank %d" % (kind, r),
            "padding:" + PADDING_NAMES[cfg["padding"]]]
    if kind == "values":
        g, ci, co = cfg["groups"], cfg["in_channels"], cfg["out_channels"]
        keys += ["layout:" + LAYOUT_NAMES[cfg["layout"]], "filter:" + FILTER_NAMES[cfg["filter_layout"]],
                 "groups:" + ("1" if g == 1 else "depthwise" if g == ci == co else "grouped"),
                 "bias:" + ("yes" if cfg["bias"] else "no"),
                 "activation:" + ("RELU" if cfg["activation"] == ACT_RELU else "NONE"), "batch:%d" % cfg["batch"]]
    keys.append("dilation:" + (">1" if max(cfg["dilation"][:r]) > 1 else "1"))
    keys.append("stride:" + (">1" if max(cfg["stride"][:r]) > 1 else "1"))
    if cfg["padding"] == EXPLICIT and cfg["pad_before"][:r] != cfg["pad_after"][:r]:
        keys.append("explicit pads:asymmetric")
    if geo["pad_before"][:r] != geo["pad_after"][:r]:
        keys.append("resolved pads:asymmetric")
    if cfg["tr"]:
        keys.append("transposed size:" + cfg["size_mode"])
        if min(geo["pad_after"][:r]) < 0:
            keys.append("transposed size:bias-only positions past the full result")
    if kind == "values":
        keys.append("size:" + ("large" if cfg.get("large") else "small"))
    if r > 1 and len(set(geo["out"][:r])) > 1:
        keys.append("non-cubic:out")
    return keys


# ---------------------------------------------------------------------------------------------------------------
# Driver (as tests/torch_oracle.py's: a worker process, restarted after a crash)
# ---------------------------------------------------------------------------------------------------------------
def parse_args():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("lib", help="path to libtconv.so")
    ap.add_argument("--cases", type=int, default=DEFAULT_CASES, help="value jobs (default %(default)s)")
    ap.add_argument("--geometry-cases", type=int, default=DEFAULT_GEOMETRY_CASES,
                    help="geometry jobs (default %(default)s)")
    ap.add_argument("--case", type=int, default=None, help="run only value job I of this seed")
    ap.add_argument("--geometry-case", type=int, default=None, help="run only geometry job J of this seed")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=None, help="overrides TCONV_TEST_SEED")
    ap.add_argument("--verbose", action="store_true", help="print each job before running it")
    ap.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.seed is None:
        env = os.environ.get("TCONV_TEST_SEED", "")
        args.seed = int(env, 0) if env else DEFAULT_SEED
    args.argv0 = sys.argv[0] if os.path.isabs(sys.argv[0]) else os.path.relpath(os.path.abspath(sys.argv[0]))
    one = args.case is not None or args.geometry_case is not None
    args.jobs = ([("geometry", j) for j in ([args.geometry_case] if args.geometry_case is not None else
                                            [] if one else range(args.geometry_cases))] +
                 [("case", i) for i in ([args.case] if args.case is not None else [] if one else range(args.cases))])
    return args


COUNTERS = ("cover", "checks", "forward calls", "gradient ex calls", "invalid")


def new_stats():
    s = {"passed": 0, "failed": 0, "worst_ratio": [0.0, ""], "worst_ratio_K16": [0.0, ""]}
    for k in COUNTERS:
        s[k] = collections.Counter()
    return s


def run_job(lib, args, job, stats):
    kind, i = job
    cfg, geo = draw(args.seed, kind, i)
    if args.verbose:
        print("%s %d: %s size_mode=%s" % (kind, i, describe(cfg), cfg["size_mode"]), flush=True)
    cls = GeometryJob if kind == "geometry" else ValueJob
    j = cls(lib, args.seed, i, cfg, geo, stats, args.argv0, args.lib)
    try:
        j.run()
    except Exception as e:  # an oracle bug must not pass silently
        j.cfg = cfg
        j.fail("exception", "%s: %s" % (type(e).__name__, e))
    stats["cover"].update(coverage_key(cfg, geo, "geometry" if kind == "geometry" else "values"))
    return j.failures


def worker(args):
    import_torch()
    try:
        lib = load(args.lib)
    except (OSError, AttributeError) as e:
        print("@fatal cannot load %s: %s" % (args.lib, e), flush=True)
        return 1
    torch.set_num_threads(1)
    faulthandler.enable()
    import warnings
    warnings.filterwarnings("ignore", message=".*padding='same'.*")
    versions = "torch %s, numpy %s" % (torch.__version__, np.__version__)
    for k in range(args.worker, len(args.jobs)):
        print("@job %d" % k, flush=True)
        stats = new_stats()
        fails = run_job(lib, args, args.jobs[k], stats)
        stats["failed" if fails else "passed"] += 1
        T.report(fails, args.jobs[k][1])
        stats["versions"] = versions
        print("@result " + json.dumps(stats, default=lambda c: dict(c)), flush=True)
    print("@end", flush=True)
    return 0


def merge(total, part):
    for k in ("passed", "failed"):
        total[k] += part[k]
    for k in COUNTERS:
        total[k].update(part[k])
    for k in ("worst_ratio", "worst_ratio_K16"):
        if part[k][0] > total[k][0]:
            total[k] = part[k]
    total["versions"] = part.get("versions", "")


def main():
    args = parse_args()
    if args.worker is not None:
        return worker(args)
    ngeo = sum(1 for k, _ in args.jobs if k == "geometry")
    print("%s: seed %d (TCONV_TEST_SEED overrides), %d geometry jobs + %d value jobs, %s" %
          (NAME, args.seed, ngeo, len(args.jobs) - ngeo, args.lib), flush=True)
    t0 = time.time()
    total = new_stats()
    first = 0
    passthrough = [a for a in sys.argv[1:] if a != "--verbose"]
    while first < len(args.jobs):
        cmd = [sys.executable, os.path.abspath(__file__)] + passthrough + \
              ["--seed", str(args.seed), "--worker", str(first)]
        if args.verbose:
            cmd.append("--verbose")
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
                print("%s: %s" % (NAME, line[len("@fatal "):].strip()))
            else:
                sys.stdout.write(line)
                sys.stdout.flush()
        rc = child.wait()
        if rc == 0 and ended:
            break
        if current is None:
            if rc != 77:
                print("%s: the worker failed (exit status %d) outside any job" % (NAME, rc))
                print("%s: %d passed, %d failed" % (NAME, total["passed"], total["failed"] + 1))
            return 77 if rc == 77 else 1
        kind, index = args.jobs[current]
        cfg, geo = draw(args.seed, kind, index)
        flag = "geometry-case" if kind == "geometry" else "case"
        print("FAIL seed=%d %s=%d check=crash: the process died (exit status %d%s) while running this job | %s | "
              "size_mode=%s | rerun: TCONV_TEST_SEED=%d /usr/bin/python3 %s %s --%s %d" %
              (args.seed, flag, index, rc, " = signal %d" % -rc if rc < 0 else "", describe(cfg), cfg["size_mode"],
               args.seed, args.argv0, args.lib, flag, index), flush=True)
        total["failed"] += 1
        total["crashed"] = total.get("crashed", 0) + 1
        total["cover"].update(coverage_key(cfg, geo, "geometry" if kind == "geometry" else "values"))
        first = current + 1
    elapsed = time.time() - t0

    print("coverage (%d jobs; %s; %.1f s):" % (total["passed"] + total["failed"], total.get("versions", "?"),
                                               elapsed))
    groups = collections.OrderedDict()
    for k in sorted(total["cover"]):
        head, item = k.split(":", 1)
        groups.setdefault(head, []).append("%s %d" % (item, total["cover"][k]))
    for head, items in groups.items():
        print("  %-18s %s" % (head, ", ".join(items)))
    print("  %-18s %s" % ("checks", ", ".join("%s %d" % kv for kv in sorted(total["checks"].items()))))
    print("  %-18s %s" % ("invalid", ", ".join("%s %d" % kv for kv in sorted(total["invalid"].items()))))
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
        print("  %-18s %d jobs" % ("crashed", total["crashed"]))
    print("%s: %d passed, %d failed" % (NAME, total["passed"], total["failed"]))
    return 1 if total["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
