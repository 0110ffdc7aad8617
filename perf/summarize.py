#!/usr/bin/python3
"""summarize.py - issue 13's targets from runs of `tconv_bench --csv`: the median and range over the runs of
each layer's ratios, and the geomeans the targets name.

    /usr/bin/python3 perf/summarize.py run1.csv run2.csv run3.csv [--markdown]

Each CSV is one whole run of the benchmark (ratios are taken within a run; the median is over runs). Groups:
  - transposed / conv vs the sgemm bound: every row of the op; GEMM-friendly = both channel counts >= 64
    (the sgemm has rows enough for its kernels) and not depthwise;
  - compute-bound transposed layers vs oneDNN: DCGAN 2-4, U-Net, the TF seed layer, SR 3x3;
  - GEMM convs vs oneDNN: the 2-D convs that are not depthwise;
  - FCN 2x/8x/32x, DCGAN 1 and 5 vs oneDNN and XNNPACK; depthwise vs oneDNN.
"""
import csv
import math
import statistics
import sys

COMPUTE_BOUND_TR = ("dcgan:tconv2", "dcgan:tconv3", "dcgan:tconv4", "unet:up1", "unet:up2", "seed001:tconv", "sr:tconv")
SMALL_TR = ("fcn:2x", "fcn-8s", "fcn-32s", "dcgan:tconv1", "dcgan:tconv5")
DEPTHWISE = ("dw:tconv", "dw:conv")
NOT_GEMM_FRIENDLY = ("fcn", "dcgan:tconv5", "dw:")  # a channel count under 64, or depthwise


def load(paths):
    runs = []
    for p in paths:
        with open(p, newline="") as f:
            runs.append({r["layer"]: r for r in csv.DictReader(f)})
    return runs


def num(r, key):
    try:
        v = float(r[key])
    except (KeyError, ValueError):
        return math.nan
    return v


def per_layer(runs, key):
    """layer -> list of the key's value over the runs (NaN dropped)."""
    out = {}
    for run in runs:
        for name, r in run.items():
            v = num(r, key)
            if not math.isnan(v):
                out.setdefault(name, []).append(v)
    return out


def geomean(vals):
    vals = [v for v in vals if v > 0]
    return math.exp(sum(map(math.log, vals)) / len(vals)) if vals else math.nan


def group_geomeans(runs, key, names):
    """The group's geomean in each run: its median and range over the runs."""
    g = []
    for run in runs:
        vals = [num(r, key) for n, r in run.items() if n in names]
        vals = [v for v in vals if not math.isnan(v)]
        if vals:
            g.append(geomean(vals))
    return (statistics.median(g), min(g), max(g)) if g else (math.nan,) * 3


def main(argv):
    md = "--markdown" in argv
    paths = [a for a in argv if not a.startswith("--")]
    if not paths:
        print(__doc__)
        return 2
    runs = load(paths)
    names = list(runs[0].keys())
    core = {r.get("blas_core", "?") for run in runs for r in run.values()}
    ops = {n: runs[0][n]["op"] for n in names}
    tr = [n for n in names if "transpose" in ops[n]]
    conv = [n for n in names if "transpose" not in ops[n]]
    keys = (("ratio", "x bound"), ("dnnl_ratio", "x oneDNN"), ("xnn_ratio", "x XNNPACK"))
    cols = {k: per_layer(runs, k) for k, _ in keys}
    ms = per_layer(runs, "ms")

    def cell(k, n):
        v = cols[k].get(n, [])
        if not v:
            return "-"
        return "%.2f (%.2f-%.2f)" % (statistics.median(v), min(v), max(v)) if len(v) > 1 else "%.2f" % v[0]

    print("OpenBLAS core: %s; %d runs" % (", ".join(sorted(core)), len(runs)))
    if md:
        print("| layer | algorithm | ms | " + " | ".join(t for _, t in keys) + " |")
        print("|---|---|---:|" + "---:|" * len(keys))
    for n in names:
        algo = runs[0][n]["algorithm"]
        m = statistics.median(ms[n]) if n in ms else math.nan
        row = [n, algo, "%.3f" % m] + [cell(k, n) for k, _ in keys]
        print(("| " + " | ".join(row) + " |") if md else "  ".join(row))

    friendly = {n for n in names if not n.startswith(NOT_GEMM_FRIENDLY)}
    extra = []
    summary = [
        ("transposed x bound (geomean, all transposed rows)", "ratio", set(tr)),
        ("transposed x bound, GEMM-friendly rows", "ratio", set(tr) & friendly),
        ("conv x bound (geomean, all conv rows)", "ratio", set(conv)),
        ("compute-bound transposed x oneDNN", "dnnl_ratio", {n for n in names if n.startswith(COMPUTE_BOUND_TR)}),
        ("GEMM convs (2-D, not depthwise) x oneDNN", "dnnl_ratio",
         {n for n in conv if "dw:" not in n and ops[n] == "conv2d"}),
        ("GEMM convs, all ranks x oneDNN", "dnnl_ratio", {n for n in conv if "dw:" not in n}),
    ]
    for pre in SMALL_TR + DEPTHWISE:
        for key in ("dnnl_ratio", "xnn_ratio"):
            v = [x for n in names if n.startswith(pre) for x in cols[key].get(n, [])]
            if v:
                summary_line = "%s %s: %.2f (%.2f-%.2f)" % (pre, key, statistics.median(v), min(v), max(v))
                extra.append(summary_line)
    print()
    for line in extra:
        print(line)
    for title, key, group in summary:
        have = [(statistics.median(cols[key][n]), n) for n in group if n in cols[key]]
        if not have:
            continue
        med, lo, hi = group_geomeans(runs, key, group)
        worst = min(have)
        print("%s: %.2f (%.2f-%.2f); lowest %s %.2f" % (title, med, lo, hi, worst[1], worst[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
