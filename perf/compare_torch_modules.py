#!/usr/bin/python3
"""tconv.torch's modules against torch.nn's on the benchmark suite's layers: forward (inference: eval() and
torch.inference_mode(), where tconv runs its packed operator) and forward + backward (training), alternating
the two in one run, plus the per-call Python overhead of the tconv modules.

    PYTHONPATH=python TCONV_LIBRARY=build/libtconv.so.0 /usr/bin/python3 perf/compare_torch_modules.py \\
        [build/perf/tconv_bench] [--filter SUBSTR] [--reps N] [--threads N] [--csv]

The layers come from `tconv_bench --list` (channels first: PyTorch's layouts). Both sides run with the same
torch.get_num_threads() (default: every core). Ratios > 1: tconv is faster. The overhead is the median time of
a tconv module's forward on a 1x1 problem minus that of the library call alone (ctypes, the same problem).
"""
import argparse
import ctypes
import math
import os
import statistics
import subprocess
import sys
import time

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from compare_torch import parse_spec  # noqa: E402  (the suite's SPEC as PyTorch's arguments)

import tconv.torch as tnn  # noqa: E402
from tconv import _lib  # noqa: E402


def modules(L):
    r = L["rank"]
    name = ("ConvTranspose%dd" if L["tr"] else "Conv%dd") % r
    kw = dict(stride=L["s"], padding=L["p"], dilation=L["d"], groups=L["g"], bias=True)
    if L["tr"]:
        kw["output_padding"] = L["op"]
    ref = getattr(torch.nn, name)(L["ci"], L["co"], L["k"], **kw)
    mod = getattr(tnn, name)(L["ci"], L["co"], L["k"], **kw)
    mod.load_state_dict(ref.state_dict())
    return ref, mod


def alternate(fa, fb, reps):
    fa(), fb()
    ta, tb = [], []
    for _ in range(reps):
        t0 = time.perf_counter()
        fa()
        t1 = time.perf_counter()
        fb()
        ta.append(t1 - t0)
        tb.append(time.perf_counter() - t1)
    return statistics.median(ta), statistics.median(tb)


def layer_times(L, reps):
    ref, mod = modules(L)
    x = torch.randn(L["n"], L["ci"], *L["sizes"])
    ref.eval(), mod.eval()

    def fwd(m):
        with torch.inference_mode():
            return m(x)

    t_fwd, r_fwd = alternate(lambda: fwd(mod), lambda: fwd(ref), reps)
    ref.train(), mod.train()
    xg = x.clone().requires_grad_()
    dy = torch.randn(fwd(ref).shape)

    def step(m):
        m.zero_grad(set_to_none=True)
        xg.grad = None
        m(xg).backward(dy)

    t_fb, r_fb = alternate(lambda: step(mod), lambda: step(ref), max(3, reps // 2))
    return t_fwd, r_fwd, t_fb, r_fb


def overhead(reps=2000):
    """tconv.torch's per-call cost above the library's: a 1x1 ConvTranspose2d forward, in inference and in
    training (autograd), against tconv_convnd_transpose_ex on the same tensors through ctypes."""
    m = tnn.ConvTranspose2d(1, 1, 1)
    x = torch.randn(1, 1, 1, 1)
    c = tnn._Call(True, (1, 1, 1, 1), (1, 1, 1, 1), (1, 1), (0, 0), (1, 1), 1, (0, 0), torch.get_num_threads())
    y = torch.empty(1, 1, 1, 1)
    w, b = m.weight.detach(), m.bias.detach()
    fn, p, opt = _lib.lib.tconv_convnd_transpose_ex, ctypes.byref(c.p), ctypes.byref(c.opt)

    def med(f):
        for _ in range(100):
            f()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            f()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    t_lib = med(lambda: fn(p, x.data_ptr(), w.data_ptr(), b.data_ptr(), y.data_ptr(), None, 0, opt))
    m.eval()
    with torch.inference_mode():
        t_inf = med(lambda: m(x))
    m.train()
    t_train = med(lambda: m(x))
    with torch.inference_mode():
        t_torch = med(lambda: torch.nn.functional.conv_transpose2d(x, w, b))
    return t_lib, t_inf, t_train, t_torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench", nargs="?", default="build/perf/tconv_bench")
    ap.add_argument("--filter", default="")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--threads", type=int, default=0, help="threads of both (default: every core)")
    ap.add_argument("--csv", action="store_true")
    a = ap.parse_args()
    torch.set_num_threads(a.threads or os.cpu_count() or 1)
    rows = []
    for line in subprocess.run([a.bench, "--list"], check=True, capture_output=True, text=True).stdout.splitlines():
        name, spec = line.split("\t")
        if a.filter not in name:
            continue
        L = parse_spec(spec)
        op = "conv%dd%s" % (L["rank"], "_transpose" if L["tr"] else "")
        t_fwd, r_fwd, t_fb, r_fb = layer_times(L, a.reps)
        rows.append((name, op, t_fwd, r_fwd, t_fb, r_fb))
        if not a.csv:
            print("%-34s %-17s fwd %8.3f / %8.3f ms = %5.2fx   fwd+bwd %8.3f / %8.3f ms = %5.2fx" % (
                name, op, r_fwd * 1e3, t_fwd * 1e3, r_fwd / t_fwd, r_fb * 1e3, t_fb * 1e3, r_fb / t_fb), flush=True)
    t_lib, t_inf, t_train, t_torch = overhead()
    if a.csv:
        print("layer,op,tconv_fwd_ms,torch_fwd_ms,fwd_ratio,tconv_fwdbwd_ms,torch_fwdbwd_ms,fwdbwd_ratio")
        for n, op, tf, rf, tb, rb in rows:
            print('"%s",%s,%.4f,%.4f,%.3f,%.4f,%.4f,%.3f' % (n, op, tf * 1e3, rf * 1e3, rf / tf, tb * 1e3, rb * 1e3, rb / tb))
    else:
        print("PyTorch %s, %d threads (ratios: torch time / tconv time)" % (torch.__version__, torch.get_num_threads()))
        for op in sorted({r[1] for r in rows}):
            f = [r[3] / r[2] for r in rows if r[1] == op]
            b = [r[5] / r[4] for r in rows if r[1] == op]
            print("%s: forward geomean %.2fx (min %.2f), forward+backward %.2fx (min %.2f), %d layers" % (
                op, statistics.geometric_mean(f), min(f), statistics.geometric_mean(b), min(b), len(f)))
        tr = [r for r in rows if "transpose" in r[1]]
        if tr:
            print("all transposed: forward %.2fx, forward+backward %.2fx geomean (%d layers)" % (
                statistics.geometric_mean([r[3] / r[2] for r in tr]),
                statistics.geometric_mean([r[5] / r[4] for r in tr]), len(tr)))
        print("per call, 1x1 ConvTranspose2d: library %.1f us; tconv.torch forward %.1f us in inference (overhead %.1f us),"
              " %.1f us with autograd (overhead %.1f us); torch's own F.conv_transpose2d %.1f us" % (
                  t_lib * 1e6, t_inf * 1e6, (t_inf - t_lib) * 1e6, t_train * 1e6, (t_train - t_lib) * 1e6,
                  t_torch * 1e6))
    return 0


if __name__ == "__main__":
    sys.exit(main())
