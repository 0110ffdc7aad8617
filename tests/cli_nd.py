#!/usr/bin/python3
"""tconv run at ranks 1 and 3 against numpy loops that share no code with the library (run by meson as
cli-nd; exit 77, a skip, without numpy).

Small integer tensors make every sum exact, so tconv's .npy must equal numpy's bitwise. One relation covers
all eight ops: for the conv, output position o of the small side reads big (padded input) position
o*s + t*d - pad_before through tap t; the transposed conv is its adjoint (big = y, small = x), and the
gradients follow. Filters go through a dense per-tap (C_in, C_out) matrix, zero across groups.
usage: cli_nd.py path/to/tconv
"""
import itertools
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: no numpy")
    sys.exit(77)

tconv = sys.argv[1]
rng = np.random.default_rng(20261201)


def filter_dense(w, layout, rank, tr, cin, cout, groups):
    """w in its file layout -> dense[tap..][cin][cout] (zeros across groups)."""
    k_first = layout in ("HWIO", "HWOI")
    i_first = layout in ("HWIO", "IOHW")
    if not k_first:
        w = np.moveaxis(w, (0, 1), (rank, rank + 1))  # [k..][a][b]
    if not i_first:
        w = np.swapaxes(w, rank, rank + 1)  # [k..][I][O]
    ipg, opg = cin // groups, cout // groups
    dense = np.zeros(w.shape[:rank] + (cin, cout), np.float64)
    for g in range(groups):
        ci, co = slice(g * ipg, (g + 1) * ipg), slice(g * opg, (g + 1) * opg)
        dense[..., ci, co] = w[..., ci if tr else slice(None), co if not tr else slice(None)]
    return dense


def filter_file(dense, layout, rank, tr, groups):
    """The inverse of filter_dense: the group blocks in the file layout."""
    cin, cout = dense.shape[rank], dense.shape[rank + 1]
    ipg, opg = cin // groups, cout // groups
    w = np.zeros(dense.shape[:rank] + ((cin, opg) if tr else (ipg, cout)))
    for g in range(groups):
        ci, co = slice(g * ipg, (g + 1) * ipg), slice(g * opg, (g + 1) * opg)
        w[..., ci if tr else slice(None), co if not tr else slice(None)] = dense[..., ci, co]
    if layout not in ("HWIO", "IOHW"):
        w = np.swapaxes(w, rank, rank + 1)
    if layout not in ("HWIO", "HWOI"):
        w = np.moveaxis(w, (rank, rank + 1), (0, 1))
    return w


def pairs(c):
    """Every (small position o, tap t, big position b) of configuration c with b inside big."""
    for o in itertools.product(*(range(n) for n in c["small"])):
        for t in itertools.product(*(range(k) for k in c["k"])):
            b = tuple(o[a] * c["s"][a] + t[a] * c["d"][a] - c["pb"][a] for a in range(c["rank"]))
            if all(0 <= b[a] < c["big"][a] for a in range(c["rank"])):
                yield o, t, b


def reference(c, op, x, w, dy):
    """numpy's result of op (channels last; dense filter); x / dy channels last."""
    tr, kind = c["tr"], op
    small_c, big_c = (c["cin"], c["cout"]) if tr else (c["cout"], c["cin"])
    n = c["n"]
    if kind == "forward":
        out = np.zeros((n,) + tuple(c["big" if tr else "small"]) + (c["cout"],))
        for o, t, b in pairs(c):
            if tr:
                out[(slice(None),) + b] += x[(slice(None),) + o] @ w[t]
            else:
                out[(slice(None),) + o] += x[(slice(None),) + b] @ w[t]
        return out
    if kind == "data":
        out = np.zeros((n,) + tuple(c["small" if tr else "big"]) + (c["cin"],))
        for o, t, b in pairs(c):
            if tr:
                out[(slice(None),) + o] += dy[(slice(None),) + b] @ w[t].T
            else:
                out[(slice(None),) + b] += dy[(slice(None),) + o] @ w[t].T
        return out
    if kind == "filter":
        out = np.zeros(tuple(c["k"]) + (c["cin"], c["cout"]))
        for o, t, b in pairs(c):
            xs, ys = (x[(slice(None),) + o], dy[(slice(None),) + b]) if tr else (x[(slice(None),) + b],
                                                                                dy[(slice(None),) + o])
            out[t] += xs.T @ ys
        return out
    return dy.reshape(-1, dy.shape[-1]).sum(axis=0)


def run(c, op, files, tmp):
    """tconv run; the result as numpy, or None with the failure printed."""
    suffix = {"forward": "", "data": "_backward_data", "filter": "_backward_filter", "bias": "_backward_bias"}[op]
    name = c["name"] + ("_transpose" if c["tr"] else "") + suffix
    args = [tconv, "run", name] + files + c["args"] + ["-o", os.path.join(tmp, "r.npy")]
    r = subprocess.run(args, capture_output=True, text=True)
    if r.returncode:
        print(f"FAIL: {' '.join(args[1:])}: exit {r.returncode}: {r.stderr.strip()}")
        return None
    return np.load(os.path.join(tmp, "r.npy"))


def to_file(a, nchw):
    return np.ascontiguousarray(np.moveaxis(a, -1, 1) if nchw else a).astype(np.float32)


def from_file(a, nchw):
    return np.moveaxis(a, 1, -1) if nchw else a


def check(c, tmp):
    """Every op of configuration c: forward (with bias), backward data, filter and bias."""
    rank, nchw, g = c["rank"], c["layout"] == "NCHW", c["groups"]
    small, big = c["small"], c["big"]  # the conv's big side is x itself (its pads read zeros)
    xs = (c["n"],) + tuple(small if c["tr"] else big) + (c["cin"],)
    x = rng.integers(-4, 5, xs).astype(np.float64)
    wf = filter_file(rng.integers(-4, 5, tuple(c["k"]) + (c["cin"], c["cout"])).astype(np.float64), c["fl"], rank,
                     c["tr"], g)
    dense = filter_dense(wf, c["fl"], rank, c["tr"], c["cin"], c["cout"], g)
    bias = rng.integers(-4, 5, c["cout"]).astype(np.float64)
    y_shape = (c["n"],) + tuple(big if c["tr"] else small) + (c["cout"],)
    dy = rng.integers(-4, 5, y_shape).astype(np.float64)
    paths = {k: os.path.join(tmp, k + ".npy") for k in ("x", "w", "b", "dy")}
    np.save(paths["x"], to_file(x, nchw))
    np.save(paths["w"], wf.astype(np.float32))
    np.save(paths["b"], bias.astype(np.float32))
    np.save(paths["dy"], to_file(dy, nchw))
    shape_x = ["--input-shape", ",".join(map(str, to_file(x, nchw).shape))]
    ks = ["--kernel-size", ",".join(map(str, c["k"]))]
    cases = [("forward", ["-x", paths["x"], "-w", paths["w"], "-b", paths["b"]],
              reference(c, "forward", x, dense, None) + bias, True),
             ("data", ["--dy", paths["dy"], "-w", paths["w"]] + shape_x, reference(c, "data", None, dense, dy), True),
             ("filter", ["-x", paths["x"], "--dy", paths["dy"]] + ks,
              filter_file(reference(c, "filter", x, None, dy), c["fl"], rank, c["tr"], g), False),
             ("bias", ["--dy", paths["dy"]] + shape_x + ks, reference(c, "bias", None, None, dy), False)]
    bad = 0
    for op, files, want, image in cases:
        got = run(c, op, files, tmp)
        if got is None:
            bad += 1
            continue
        got = from_file(got, nchw) if image else got
        if got.shape != want.shape or not np.array_equal(got, want):
            print(f"FAIL: {c['name']} tr={c['tr']} {op} {c['args']}: shape {got.shape} vs {want.shape}, "
                  f"max diff {np.max(np.abs(got - want)) if got.shape == want.shape else '-'}")
            bad += 1
    return len(cases) - bad, bad


def config(rank, tr, n, cin, cout, inp, k, s, d, pb, pe, out, groups=1, layout="NHWC", fl="DEFAULT", extra=()):
    """A configuration with explicit pads (pe: the conv's end pad, or the transposed conv's end crop)."""
    small = [((inp[a] + pb[a] + pe[a] - d[a] * (k[a] - 1) - 1) // s[a] + 1) for a in range(rank)] if not tr else inp
    big = inp if not tr else out
    lst = lambda v: ",".join(map(str, v))
    args = ["--strides", lst(s), "--dilations", lst(d), "--groups", str(groups), "--layout", layout,
            "--filter-layout", fl]
    if tr:
        args += ["--pads", lst(list(pb) + list(pe)), "--output-shape", lst(out)]
    else:
        args += ["--pads", lst(list(pb) + list(pe))]
    resolved = fl if fl != "DEFAULT" else ("HWOI" if tr else "HWIO")
    return {"rank": rank, "tr": tr, "n": n, "cin": cin, "cout": cout, "k": k, "s": s, "d": d, "pb": pb,
            "small": small, "big": big, "groups": groups, "layout": layout, "fl": resolved,
            "name": f"conv{rank}d", "args": args + list(extra)}


configs = [
    # HiFi-GAN's upsampler in small: ConvTranspose1d k16 s8 p4 on length 4 -> 32 (F = 40, cropped 4 and 4)
    config(1, True, 1, 2, 3, [4], [16], [8], [1], [4], [4], [32], layout="NCHW", fl="IOHW"),
    # k3 s2, the checkerboard geometry; an output running past the full result F = 11 (end crop -1)
    config(1, True, 2, 3, 2, [5], [3], [2], [1], [0], [0], [12]),
    config(1, False, 2, 4, 6, [9], [3], [2], [2], [1], [2], None, groups=2),
    config(1, False, 1, 3, 2, [7], [3], [1], [1], [2], [0], None, layout="NCHW", fl="OIHW"),
    # a 3-D U-Net step k2 s2 (4^3 -> 8^3) and a cropped, grouped, dilated one
    config(3, True, 1, 2, 3, [2, 3, 2], [2, 2, 2], [2, 2, 2], [1, 1, 1], [0, 0, 0], [0, 0, 0], [4, 6, 4],
           layout="NCHW", fl="IOHW"),
    config(3, True, 1, 4, 2, [2, 2, 3], [3, 2, 3], [2, 1, 2], [1, 2, 1], [1, 0, 0], [0, 1, 1], [4, 3, 6], groups=2),
    config(3, False, 2, 2, 3, [4, 5, 3], [2, 3, 2], [2, 1, 2], [1, 1, 1], [0, 1, 1], [1, 1, 0], None),
    config(3, False, 1, 3, 2, [3, 4, 4], [2, 2, 3], [1, 2, 1], [2, 1, 1], [1, 0, 1], [0, 1, 1], None,
           layout="NCHW", fl="OIHW"),
]
passed = failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for c in configs:
        p, f = check(c, tmp)
        passed += p
        failed += f
print(f"tconv run at ranks 1 and 3 against numpy: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
