#!/usr/bin/python3
"""Turn `tconv_bench --csv` output into a PNG bar chart (Debian's python3-matplotlib).

    ./build/perf/tconv_bench --csv > bench.csv && /usr/bin/python3 perf/plot.py bench.csv bench.png

Per layer: GFLOP/s of tconv, of the same-shape sgemm bound and of oneDNN (when measured), with the
ratio tconv / bound written above each group.
"""
import csv
import math
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    rows = list(csv.DictReader(open(sys.argv[1])))
    if not rows:
        print("plot.py: no rows in %s" % sys.argv[1], file=sys.stderr)
        return 1
    names = [r["layer"] for r in rows]
    series = [("tconv", "gflops", "#1f77b4"), ("sgemm bound", "bound_gflops", "#aaaaaa"),
              ("oneDNN", "dnnl_gflops", "#ff7f0e")]
    series = [s for s in series if any(not math.isnan(float(r[s[1]])) for r in rows)]
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(max(10, 0.7 * len(rows)), 6))
    for i, (label, key, color) in enumerate(series):
        vals = [float(r[key]) if not math.isnan(float(r[key])) else 0.0 for r in rows]
        ax.bar([j + (i - (len(series) - 1) / 2) * width for j in range(len(rows))], vals, width, label=label,
               color=color)
    for j, r in enumerate(rows):
        top = max(float(r[k]) for _, k, _ in series if not math.isnan(float(r[k])))
        ax.text(j, top * 1.02, "%.2f" % float(r["ratio"]), ha="center", fontsize=7)
    ax.set_xticks(range(len(rows)))
    ax.set_xticklabels(names, rotation=60, ha="right", fontsize=7)
    ax.set_ylabel("GFLOP/s")
    ax.set_title("tconv vs the same-shape sgemm bound (number: ratio tconv / bound)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(sys.argv[2], dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
