#!/usr/bin/python3
"""tconv against PyTorch (Debian's python3-torch, CPU) on the benchmark suite's layers.

    /usr/bin/python3 perf/compare_torch.py [build/perf/tconv_bench] [--filter SUBSTR] [--reps N] [--csv]

Runs `tconv_bench --csv` for tconv's numbers, then each layer through torch.nn.functional
(conv_transpose2d / conv2d, NCHW, the same shapes and FLOPs; TF-SAME odd crops are expressed with
PyTorch's padding/output_padding, which costs the same), and prints GFLOP/s of both and the ratio.
Optional: the library and its tests do not need torch.
"""
import argparse
import csv
import io
import os
import statistics
import subprocess
import sys
import time

import torch
import torch.nn.functional as F


def parse_spec(spec):
    t = spec.split()
    op, (n, h, w, ci, co, k, s), pad = t[0], map(int, t[1:8]), t[8]
    extra = dict(x.split("=") for x in t[9:] if "=" in x)
    g, d = int(extra.get("groups", 1)), int(extra.get("dil", 1))
    ke = d * (k - 1) + 1
    if op == "tr":
        full = (h - 1) * s + ke
        if pad == "SAME":
            out = h * s
        elif pad == "VALID":
            out = h * s + max(ke - s, 0)
        else:
            p = int(pad[1:])
            out = full - 2 * p
        # PyTorch: out = full - 2p + op, 0 <= op < max(s, d): pick the smallest p that reaches out
        p = max(0, -(-(full - out) // 2))
        op_ = out - (full - 2 * p)
        return dict(tr=True, n=n, h=h, w=w, ci=ci, co=co, k=k, s=s, p=p, op=op_, g=g, d=d)
    if pad == "SAME":
        p = (ke - 1) // 2  # the suite's SAME convs have odd kernels and stride 1 or VALID-equal sizes
    elif pad == "VALID":
        p = 0
    else:
        p = int(pad[1:])
    return dict(tr=False, n=n, h=h, w=w, ci=ci, co=co, k=k, s=s, p=p, op=0, g=g, d=d)


def torch_time(L, reps):
    x = torch.randn(L["n"], L["ci"], L["h"], L["w"])
    if L["tr"]:
        wt = torch.randn(L["ci"], L["co"] // L["g"], L["k"], L["k"])
        fn = lambda: F.conv_transpose2d(x, wt, None, L["s"], L["p"], L["op"], L["g"], L["d"])
    else:
        wt = torch.randn(L["co"], L["ci"] // L["g"], L["k"], L["k"])
        fn = lambda: F.conv2d(x, wt, None, L["s"], L["p"], L["d"], L["g"])
    with torch.inference_mode():
        y = fn()
        ts = []
        for _ in range(reps):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
    return statistics.median(ts), tuple(y.shape)


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
        flops = 2.0 * L["n"] * L["k"] * L["k"] * (L["ci"] // L["g"]) * L["co"] * (
            L["h"] * L["w"] if L["tr"] else shape[2] * shape[3])
        tg = float(tconv[name]["gflops"])
        rows.append((name, "conv2d_transpose" if L["tr"] else "conv2d", tg, flops / t * 1e-9))
    if a.csv:
        print("layer,op,tconv_gflops,torch_gflops,ratio")
        for r in rows:
            print('"%s",%s,%.2f,%.2f,%.2f' % (r[0], r[1], r[2], r[3], r[2] / r[3]))
    else:
        print("PyTorch %s, %d threads" % (torch.__version__, torch.get_num_threads()))
        print("%-34s %-17s %9s %9s %7s" % ("layer", "op", "tconv", "torch", "ratio"))
        for r in rows:
            print("%-34s %-17s %9.1f %9.1f %7.2f" % (r[0], r[1], r[2], r[3], r[2] / r[3]))
        tr = [r[2] / r[3] for r in rows if r[1] == "conv2d_transpose"]
        if tr:
            print("conv2d_transpose: tconv / PyTorch geomean %.2f, min %.2f" % (statistics.geometric_mean(tr), min(tr)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
