"""test_ddp.py - examples/ddp_train.py: 2 processes under DistributedDataParallel (gloo, 1 thread each) train
the same weights as 1 process on the combined batch, and the loss drops at least 10x.

After 10 steps the two agree to float32 rounding (<= 1e-5 relative, ~100 ulps: the gradient sums are added in
another order); over 300 steps of SGD with momentum such differences grow, so the final weights are held to
1e-2 relative and the final losses to 1%."""
import os
import subprocess
import sys

import pytest

torch = pytest.importorskip("torch")
EXAMPLE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "examples", "ddp_train.py")


def run(tmp_path, name, *args):
    out = str(tmp_path / name)
    r = subprocess.run([sys.executable, EXAMPLE, "--out", out] + list(args), capture_output=True, text=True,
                       timeout=300)
    assert r.returncode == 0, r.stdout + r.stderr
    print(r.stdout)
    return torch.load(out)


def rel(a, b):
    return max(((a[k] - b[k]).abs().max() / a[k].abs().max().clamp(min=1e-30)).item() for k in a)


def test_two_processes_train_what_one_does(tmp_path):
    one = run(tmp_path, "one.pt")
    two = run(tmp_path, "two.pt", "--spawn", "2")
    assert one["world"] == 1 and two["world"] == 2
    assert rel(one["snapshots"][10], two["snapshots"][10]) <= 1e-5
    assert rel(one["state_dict"], two["state_dict"]) <= 1e-2
    for r in (one, two):
        assert r["losses"][0] / r["losses"][-1] >= 10, r["losses"][::50]
    assert abs(one["losses"][-1] - two["losses"][-1]) <= 0.01 * one["losses"][-1]
