#!/usr/bin/python3
"""spellings_torch_nd.py - the 1-D and 3-D PyTorch spellings `tconv shape` prints, checked by PyTorch itself.

    /usr/bin/python3 tests/spellings_torch_nd.py path/to/tconv [--configs N] [--seed S]

For random conv1d, conv3d and transposed configurations (NCW / NCDHW data, every padding spelling: SAME, VALID,
SAME_LOWER, P, one P per axis, [b,e] per axis, ONNX --pads; --output-padding), this runs `tconv shape` and
evaluates every `PyTorch` line it prints (the call's, and each admissible output size's) with torch: the steps
joined by ", then " (F.pad, nn.ConvNd / nn.ConvTransposeNd, y[...] slices; a "not expressible directly: <why>; "
prefix is dropped) on a random input. Checks: the output shape is the one tconv printed for that line, and for
the call's line the values equal `tconv run` on the same tensors (small integers: exact), the weight passed in
torch's own layout (--filter-layout OIHW / IOHW). Exit 0 / 1, or 77 without torch and numpy.
"""
import argparse
import os
import random
import re
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except Exception as e:  # ImportError, or a broken install
    print(f"spellings torch nd: skipped: cannot import torch/numpy ({type(e).__name__}: {e})")
    sys.exit(77)

ap = argparse.ArgumentParser()
ap.add_argument("tconv")
ap.add_argument("--configs", type=int, default=120)
ap.add_argument("--seed", type=int, default=int(os.environ.get("TCONV_TEST_SEED", "20261201")))
args = ap.parse_args()


def draw(rng):
    """A random configuration: the tconv options and what torch needs."""
    rank = rng.choice([1, 3])
    tr = rng.random() < 0.6
    groups = rng.choice([1, 1, 2])
    cin, cout = groups * rng.randint(1, 2), groups * rng.randint(1, 2)
    top = 7 if rank == 1 else 4
    lst = lambda v: ",".join(map(str, v))
    ins = [rng.randint(1, top) for _ in range(rank)]
    k = [rng.randint(1, 4) for _ in range(rank)]
    s = [rng.randint(1, 3) for _ in range(rank)]
    d = [rng.randint(1, 2) for _ in range(rank)]
    opts = ["--layout", "NCHW", "--filter-layout", "IOHW" if tr else "OIHW", "--input-shape",
            lst([1, cin] + ins), "--kernel-size", lst(k), "--strides", lst(s), "--dilations", lst(d), "--filters",
            str(cout), "--groups", str(groups)]
    kind = rng.choice(["SAME", "VALID", "SAME_LOWER", "P", "per-axis", "pairs", "pads"])
    if kind in ("SAME", "VALID", "SAME_LOWER"):
        opts += ["--padding", kind]
    else:
        b = [rng.randint(0, 2) for _ in range(rank)]
        e = [rng.randint(0, 2) for _ in range(rank)]
        if kind == "P":
            opts += ["--padding", str(b[0])]
        elif kind == "per-axis":
            opts += ["--padding", lst(b)] if rank > 1 else ["--padding", str(b[0])]
        elif kind == "pairs":
            opts += ["--padding", "[" + ",".join(f"[{b[a]},{e[a]}]" for a in range(rank)) + "]"]
        else:
            opts += ["--pads", lst(b + e)]
        if tr and rng.random() < 0.5:
            opts += ["--output-padding", lst([rng.randint(0, max(s[a], d[a]) - 1) for a in range(rank)])]
    return rank, tr, cin, cout, ins, k, groups, opts


def evaluate(spelling, x, weight, bias):
    """The PyTorch spelling's result on x, the module's weight and bias set to the given ones."""
    m = re.match(r"not expressible directly: [^;]*; (.*)$", spelling)
    if m:
        spelling = m.group(1)
    y = x
    for step in re.split(r", then (?=F\.pad|nn\.|y\[)", spelling):
        if step.startswith("F.pad"):
            y = eval(step, {"F": F, "x": y})
        elif step.startswith("nn."):
            mod = eval(step, {"nn": nn}).double()
            with torch.no_grad():
                mod.weight.copy_(weight)
                mod.bias.copy_(bias)
                y = mod(y)
        else:
            y = eval(step, {"y": y})
    return y


def printed_spellings(out):
    """(the y shape, the PyTorch spelling) of the call and of each admissible size, from tconv shape's output."""
    found, y = [], None
    for line in out.splitlines():
        m = re.match(r"conv\dd(_transpose)?: x \[[0-9,]*\] -> y \[([0-9,]*)\]", line)
        if m:
            y = [int(v) for v in m.group(2).split(",")]
        m = re.match(r"  out ([0-9x]+) \(", line)
        if m:
            y = y[:2] + [int(v) for v in m.group(1).split("x")]
        m = re.match(r" +PyTorch +(.*)$", line)
        if m:
            found.append((list(y), m.group(1)))
    return found


def check(i, rng, tmp):
    rank, tr, cin, cout, ins, k, groups, opts = draw(rng)
    op = f"conv{rank}d" + ("_transpose" if tr else "")
    r = subprocess.run([args.tconv, "shape", op] + opts, capture_output=True, text=True)
    cmd = f"tconv shape {op} {' '.join(opts)}"
    if r.returncode:
        counts["refused"] += 1
        return True  # a configuration the library refuses (an empty input, a kernel past it): no spelling
    x = torch.from_numpy(np.random.default_rng(i).integers(-3, 4, [1, cin] + ins).astype(np.float64))
    wshape = [cin, cout // groups] + k if tr else [cout, cin // groups] + k
    w = torch.from_numpy(np.random.default_rng(i + 1).integers(-3, 4, wshape).astype(np.float64))
    b = torch.from_numpy(np.random.default_rng(i + 2).integers(-3, 4, [cout]).astype(np.float64))
    ok = True
    for n, (shape, spelling) in enumerate(printed_spellings(r.stdout)):
        counts["spellings"] += 1
        counts["indirect"] += spelling.startswith("not expressible")
        try:
            y = evaluate(spelling, x, w, b)
        except Exception as e:
            print(f"FAIL: {cmd}\n  {spelling}\n  torch: {type(e).__name__}: {e}")
            ok = False
            continue
        if list(y.shape) != shape:
            print(f"FAIL: {cmd}\n  {spelling}\n  torch gives {list(y.shape)}, tconv printed {shape}")
            ok = False
        elif n == 0:
            ok = same_values(cmd, op, opts, x, w, b, y, tmp) and ok
    return ok


def same_values(cmd, op, opts, x, w, b, y, tmp):
    """tconv run's y on the same tensors equals torch's (the call's own spelling)."""
    files = {}
    for name, t in (("x", x), ("w", w), ("b", b)):
        files[name] = os.path.join(tmp, name + ".npy")
        np.save(files[name], t.numpy().astype(np.float32))
    run = [a for a in opts if a]
    at = run.index("--input-shape")
    del run[at:at + 2]
    r = subprocess.run([args.tconv, "run", op, "-x", files["x"], "-w", files["w"], "-b", files["b"], "-o",
                        os.path.join(tmp, "y.npy")] + run, capture_output=True, text=True)
    if r.returncode:
        print(f"FAIL: {cmd}: tconv run: {r.stderr.strip()}")
        return False
    got = np.load(os.path.join(tmp, "y.npy"))
    if not np.array_equal(got.astype(np.float64), y.detach().numpy()):
        print(f"FAIL: {cmd}: tconv run and torch differ by {np.max(np.abs(got - y.detach().numpy()))}")
        return False
    return True


passed = failed = 0
counts = {"refused": 0, "spellings": 0, "indirect": 0}
with tempfile.TemporaryDirectory() as tmp:
    for i in range(args.configs):
        if check(i, random.Random(args.seed * 1000 + i), tmp):
            passed += 1
        else:
            failed += 1
print(f"spellings torch nd: {counts['spellings']} spellings evaluated ({counts['indirect']} through a slice), "
      f"{counts['refused']} configurations refused by the library")
print(f"spellings torch nd: {passed} passed, {failed} failed (seed {args.seed})")
sys.exit(1 if failed else 0)
