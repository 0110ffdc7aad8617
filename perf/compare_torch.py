#!/usr/bin/python3
"""tconv against PyTorch (Debian's python3-torch, CPU) on the benchmark suite's layers.

    /usr/bin/python3 perf/compare_torch.py [build/perf/tconv_bench] [--filter SUBSTR] [--reps N] [--csv]

Runs `tconv_bench --csv` for tconv's numbers, then each layer through torch.nn.functional
(conv_transpose1d/2d/3d, conv1d/2d/3d, channels first, the same shapes and FLOPs; TF-SAME odd crops
are expressed with PyTorch's padding/output_padding, which costs the same), and prints GFLOP/s of both,
the ratio, and the geomean of the ratios per op.
Optional: the library and its tests do not need torch.
"""
import argparse
import csv
import io
import math
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F


OPS = {  # tconv_bench's op word -> (transposed, rank)
    "tr": (True, 2), "conv": (False, 2), "tr1": (True, 1), "conv1": (False, 1), "tr3": (True, 3), "conv3": (False, 3)}


def parse_spec(spec):
    """A `tconv_bench --list` SPEC: "tr|conv[1|3] N [D [H]] W CIN COUT K S PAD [groups=G] [dil=D] [op=P] ..."."""
    t = spec.split()
    tr, rank = OPS[t[0]]
    nums = [int(v) for v in t[1:rank + 6]]
    n, sizes, (ci, co, k, s) = nums[0], nums[1:rank + 1], nums[rank + 1:]
    pad = t[rank + 6]
    extra = dict(x.split("=") for x in t[rank + 7:] if "=" in x)
    g, d, outpad = int(extra.get("groups", 1)), int(extra.get("dil", 1)), int(extra.get("op", 0))
    ke = d * (k - 1) + 1
    L = dict(tr=tr, rank=rank, n=n, sizes=sizes, ci=ci, co=co, k=k, s=s, g=g, d=d, op=0)
    if tr:
        full = (sizes[0] - 1) * s + ke  # the suite's sizes, kernels and strides are the same on every axis
        if pad == "SAME":
            out = sizes[0] * s
        elif pad == "VALID":
            out = sizes[0] * s + max(ke - s, 0)
        else:
            out = full - 2 * int(pad[1:]) + outpad
        # PyTorch: out = full - 2p + op, 0 <= op < max(s, d): pick the smallest p that reaches out
        p = max(0, -(-(full - out) // 2))
        L.update(p=p, op=out - (full - 2 * p))
        return L
    if pad == "SAME":
        p = (ke - 1) // 2  # the suite's SAME convs have odd kernels and stride 1 or VALID-equal sizes
    elif pad == "VALID":
        p = 0
    else:
        p = int(pad[1:])
    L.update(p=p)
    return L


def torch_time(L, reps):
    r, k = L["rank"], L["k"]
    x = torch.randn(L["n"], L["ci"], *L["sizes"])
    conv_t = (F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d)[r - 1]
    conv = (F.conv1d, F.conv2d, F.conv3d)[r - 1]
    if L["tr"]:
        wt = torch.randn(L["ci"], L["co"] // L["g"], *([k] * r))
        fn = lambda: conv_t(x, wt, None, L["s"], L["p"], L["op"], L["g"], L["d"])
    else:
        wt = torch.randn(L["co"], L["ci"] // L["g"], *([k] * r))
        fn = lambda: conv(x, wt, None, L["s"], L["p"], L["d"], L["g"])
    with torch.inference_mode():
        y = fn()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return statistics.median(ts), tuple(y.shape)


def op_name(L):
    return "conv%dd%s" % (L["rank"], "_transpose" if L["tr"] else "")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("bench", nargs="?", default="build/perf/tconv_bench")
    ap.add_argument("--filter", default="")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--csv", action="store_true")
    ap.add_argument("--threads", type=int, default=0, help="PyTorch threads (default: every core)")
    a = ap.parse_args()
    # Debian's build starts with 1 intra-op thread; give PyTorch every core, as tconv has
    torch.set_num_threads(a.threads or os.cpu_count() or 1)
    specs = {}
    for line in subprocess.run([a.bench, "--list"], check=True, capture_output=True, text=True).stdout.splitlines():
        name, spec = line.split("\t")
        if a.filter in name:
            specs[name] = spec
    args = [a.bench, "--csv", "--no-dnnl"] + (["--filter", a.filter] if a.filter else [])
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    tconv = {r["layer"]: r for r in csv.DictReader(io.StringIO(out))}
    rows = []
    for name, spec in specs.items():
        L = parse_spec(spec)
        t, shape = torch_time(L, a.reps)
        px = L["sizes"] if L["tr"] else shape[2:]
        flops = 2.0 * L["n"] * L["k"] ** L["rank"] * (L["ci"] // L["g"]) * L["co"] * math.prod(px)
        rows.append((name, op_name(L), float(tconv[name]["gflops"]), flops / t * 1e-9))
    if a.csv:
        print("layer,op,tconv_gflops,torch_gflops,ratio")
        for r in rows:
            print('"%s",%s,%.2f,%.2f,%.2f' % (r[0], r[1], r[2], r[3], r[2] / r[3]))
    else:
        print("PyTorch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
        print("%-34s %-17s %9s %9s %7s" % ("layer", "op", "tconv", "torch", "ratio"))
        for r in rows:
            print("%-34s %-17s %9.1f %9.1f %7.2f" % (r[0], r[1], r[2], r[3], r[2] / r[3]))
        for op in sorted({r[1] for r in rows}):
            q = [r[2] / r[3] for r in rows if r[1] == op]
            print("%s: tconv / PyTorch geomean %.2f, min %.2f (%d layers)" % (
                op, statistics.geometric_mean(q), min(q), len(q)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
