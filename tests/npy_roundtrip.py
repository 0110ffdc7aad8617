#!/usr/bin/python3
"""numpy <-> tconv .npy round trips (run by cli.sh when Debian's python3-numpy is installed).

numpy writes random tensors in every dtype/order tconv accepts; `tconv run conv2d` with an identity
1x1 filter must give the values back bitwise, in a file byte-identical to what numpy.save writes.
usage: npy_roundtrip.py path/to/tconv
"""
import io
import os
import subprocess
import sys
import tempfile

import numpy as np

tconv = sys.argv[1]
rng = np.random.default_rng(20261122)
print("seed 20261122")
shapes = [(1, 1, 1, 1), (2, 3, 5, 7), (1, 17, 1, 3), (3, 1, 250, 2), (1, 1000, 1, 1), (1, 12, 34, 56)]
kinds = ["<f4", "<f8", ">f4", ">f8", "fortran"]
passed = failed = 0
with tempfile.TemporaryDirectory() as tmp:
    for shape in shapes:
        for kind in kinds:
            x = rng.standard_normal(shape).astype(np.float32)
            x[..., 0] *= 1e30  # large and tiny magnitudes survive the trip
            x[..., -1] *= 1e-30
            c = shape[3]
            w = np.eye(c, dtype=np.float32).reshape(1, 1, c, c)
            xin = np.asfortranarray(x) if kind == "fortran" else x.astype(kind)
            np.save(os.path.join(tmp, "x.npy"), xin)
            np.save(os.path.join(tmp, "w.npy"), w)
            r = subprocess.run([tconv, "run", "conv2d", "-x", os.path.join(tmp, "x.npy"), "-w",
                                os.path.join(tmp, "w.npy"), "-o", os.path.join(tmp, "y.npy")],
                               capture_output=True, text=True)
            ok = r.returncode == 0
            if ok:
                got = open(os.path.join(tmp, "y.npy"), "rb").read()
                want = io.BytesIO()
                np.save(want, x)
                y = np.load(os.path.join(tmp, "y.npy"))
                ok = y.dtype == np.float32 and np.array_equal(y, x) and got == want.getvalue()
            if ok:
                passed += 1
            else:
                failed += 1
                print(f"FAIL: shape {shape} {kind}: exit {r.returncode}, stderr: {r.stderr.strip()}")
print(f"npy round trips: {passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
