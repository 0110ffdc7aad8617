"""test_spellings.py - tconv.functional against torch.nn.functional (the same arguments, float64 oracle),
tconv.tf with TensorFlow's spellings (seed 003, the backprop names), and the install list of the package."""
import glob
import os
import random
import re

import numpy as np
import pytest

import tconv

torch = pytest.importorskip("torch")
F = torch.nn.functional
SEED = int(os.environ.get("TCONV_TEST_SEED", "20261201"))
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("transposed", [False, True])
def test_functional_is_torch_functional(rank, transposed):
    r = random.Random(SEED + 10 * rank + transposed)
    rng = np.random.default_rng(SEED + rank)
    name = ("conv_transpose%dd" if transposed else "conv%dd") % rank
    ran = 0
    for _ in range(10):
        g = r.choice([1, 2])
        cin, cout = g * r.randint(1, 3), g * r.randint(1, 3)
        k, s, d = r.randint(1, 3), r.randint(1, 3), r.choice([1, 2])
        p = r.randint(0, (k - 1) * d)
        size = [r.randint((k - 1) * d + 1, 6) for _ in range(rank)]
        x = rng.uniform(-1, 1, (2, cin) + tuple(size)).astype(np.float32)
        wshape = (cin, cout // g) if transposed else (cout, cin // g)
        w = rng.uniform(-1, 1, wshape + (k,) * rank).astype(np.float32)
        b = rng.uniform(-1, 1, cout).astype(np.float32)
        kw = dict(stride=s, padding=p, dilation=d, groups=g)
        if transposed:
            kw["output_padding"] = r.randint(0, max(s, d) - 1)
        t = [torch.from_numpy(a.astype(np.float64)) for a in (x, w, b)]
        try:
            ref = getattr(F, name)(*t, **kw).numpy()
        except RuntimeError:
            continue
        y = getattr(tconv.functional, name)(x, w, b, **kw)
        np.testing.assert_allclose(y, ref, rtol=1e-5, atol=1e-5 * (k ** rank) * cin)
        ran += 1
    assert ran >= 7


@pytest.mark.filterwarnings("ignore:Using padding=.same.")  # torch notes the even kernel's copy
def test_functional_same_and_valid():
    x = np.random.default_rng(SEED).uniform(-1, 1, (1, 2, 9)).astype(np.float32)
    w = np.random.default_rng(SEED + 1).uniform(-1, 1, (3, 2, 4)).astype(np.float32)
    for pad in ("same", "valid"):
        ref = F.conv1d(torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64)), padding=pad)
        np.testing.assert_allclose(tconv.functional.conv1d(x, w, padding=pad), ref.numpy(), rtol=1e-5, atol=1e-5)


def test_tf_spellings():
    x = np.array([[[[-67], [-77]], [[-117], [-127]]]], dtype=np.float32)
    f = np.arange(-1, -10, -1).reshape(3, 3, 1, 1) * np.array([1, -1, 1, -1, 1, -1, 1, -1, 1]).reshape(3, 3, 1, 1)
    y = tconv.tf.conv2d_transpose(x, f, output_shape=(1, 5, 5, 1), strides=[1, 2, 2, 1], padding="VALID")
    assert list(y[0, 0, :, 0]) == [67.0, -134.0, 278.0, -154.0, 231.0]  # seed 003's first row
    rng = np.random.default_rng(SEED)
    xi = rng.uniform(-1, 1, (2, 6, 6, 3)).astype(np.float32)
    wi = rng.uniform(-1, 1, (3, 3, 3, 4)).astype(np.float32)
    yi = tconv.tf.conv2d(xi, wi, strides=[1, 2, 2, 1], padding=[[0, 0], [1, 1], [0, 2], [0, 0]])
    np.testing.assert_array_equal(yi, tconv.conv(xi, wi, strides=2, padding=[(1, 1), (0, 2)]))
    dy = rng.uniform(-1, 1, yi.shape).astype(np.float32)
    np.testing.assert_array_equal(
        tconv.tf.conv2d_backprop_input(xi.shape, wi, dy, strides=[1, 2, 2, 1], padding=[[0, 0], [1, 1], [0, 2], [0, 0]]),
        tconv.conv_backward_data(dy, wi, xi.shape, strides=2, padding=[(1, 1), (0, 2)]))
    np.testing.assert_array_equal(
        tconv.tf.conv2d_backprop_filter(xi, wi.shape, dy, strides=[1, 2, 2, 1], padding=[[0, 0], [1, 1], [0, 2], [0, 0]]),
        tconv.conv_backward_filter(xi, dy, wi.shape, strides=2, padding=[(1, 1), (0, 2)]))
    x1 = rng.uniform(-1, 1, (1, 8, 2)).astype(np.float32)
    w1 = rng.uniform(-1, 1, (3, 2, 2)).astype(np.float32)
    np.testing.assert_array_equal(tconv.tf.conv1d(x1, w1, stride=1, padding="SAME"), tconv.conv(x1, w1, padding="SAME"))


def test_every_module_of_the_package_is_installed():
    build = open(os.path.join(ROOT, "python", "meson.build")).read()
    installed = set(re.findall(r"'tconv/(\w+\.py)'", build))
    present = {os.path.basename(p) for p in glob.glob(os.path.join(ROOT, "python", "tconv", "*.py"))}
    assert present == installed, "python/meson.build installs %s; python/tconv has %s" % (sorted(installed),
                                                                                        sorted(present))


def run_pytorch_spelling(text, x, w, b):
    """Evaluate geometry()'s PyTorch spelling: 'F.pad(x, ...)', 'nn.Conv...(...)' with tconv's weights, 'y[...]'."""
    y = torch.from_numpy(x.astype(np.float64))
    for step in text.split(", then "):
        if step.startswith("F.pad(x, "):
            y = F.pad(y, eval(step[len("F.pad(x, "):-1]))
        elif step.startswith("nn."):
            m = eval(step, {"nn": torch.nn}).double()
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(w.astype(np.float64)))
                m.bias.copy_(torch.from_numpy(b.astype(np.float64)))
                y = m(y)
        elif step.startswith("y["):
            y = eval(step, {"y": y})
        else:
            raise AssertionError("unknown step %r in %r" % (step, text))
    return y.detach().numpy()


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("op", ["conv", "conv_transpose"])
def test_pytorch_spellings_run_in_torch(rank, op):
    """Every PyTorch spelling geometry() prints, run by torch, gives tconv's output (channels first)."""
    r = random.Random(SEED + 20 * rank + len(op))
    rng = np.random.default_rng(SEED + 5 * rank)
    tr = op == "conv_transpose"
    data, fmt = ["NCW", "NCHW", "NCDHW"][rank - 1], ("IO" if tr else "OI") + "DHW"[3 - rank:]
    ran = 0
    for _ in range(20):
        g = r.choice([1, 2])
        cin, cout = g * r.randint(1, 2), g * r.randint(1, 2)
        kernel = [r.randint(1, 4) for _ in range(rank)]
        stride = [r.randint(1, 3) for _ in range(rank)]
        dil = [r.choice([1, 2]) for _ in range(rank)]
        size = [r.randint(2, 5) for _ in range(rank)]
        if not tr:
            size = [max(s, (k - 1) * d + 1) for s, k, d in zip(size, kernel, dil)]
        padding = r.choice(["SAME", "VALID", "SAME_LOWER", [(r.randint(0, 2), r.randint(0, 2)) for _ in range(rank)]])
        x = rng.uniform(-1, 1, (1, cin) + tuple(size)).astype(np.float32)
        w = rng.uniform(-1, 1, ((cin, cout // g) if tr else (cout, cin // g)) + tuple(kernel)).astype(np.float32)
        b = rng.uniform(-1, 1, cout).astype(np.float32)
        kw = dict(strides=stride, padding=padding, dilations=dil, groups=g, data_format=data, filter_format=fmt)
        try:
            geo = tconv.geometry(op, x.shape, w.shape, **kw)
            y = (tconv.conv_transpose if tr else tconv.conv)(x, w, b, **kw)
        except tconv.Error:
            continue
        text = geo["spellings"]["pytorch"]
        if text.startswith("not expressible"):
            continue
        np.testing.assert_allclose(run_pytorch_spelling(text, x, w, b), y, rtol=1e-5, atol=1e-5, err_msg=text)
        ran += 1
    assert ran >= 10, ran


def test_spellings_of_known_calls():
    s = tconv.geometry("conv_transpose", (1, 7, 7, 256), (3, 3, 128, 256), strides=2, padding="SAME")["spellings"]
    assert s["tensorflow"] == "tf.nn.conv2d_transpose(x, w, output_shape=[1,14,14,128], strides=[1,2,2,1], padding='SAME')"
    assert s["keras"] == "Conv2DTranspose(128, (3,3), strides=(2,2), padding='same')"
    assert s["onnx"] == "ConvTranspose pads=[0,0,1,1] output_padding=[0,0] strides=[2,2] dilations=[1,1] group=1"
    assert s["pytorch"].endswith("padding=(0,0), output_padding=(0,0), dilation=(1,1), groups=1), then y[:, :, 0:14, 0:14]")
    s = tconv.geometry("conv_transpose", (16, 32, 512), (16, 256, 512), strides=8, padding=4)["spellings"]  # HiFi-GAN
    assert s["pytorch"] == "nn.ConvTranspose1d(512, 256, (16,), stride=(8,), padding=(4,), output_padding=(0,), " \
                           "dilation=(1,), groups=1)"
    assert s["keras"] == "Conv1DTranspose(256, (16,), strides=(8,), padding='valid'), then Cropping1D((4,4))"
    assert s["tensorflow"].startswith("tf.nn.conv1d_transpose(x, w, output_shape=[16,264,256], strides=[8], "
                                      "padding='VALID'), then y[:, 4:260, :]")
    s = tconv.geometry("conv", (1, 9, 9, 3), (3, 3, 3, 8), strides=2, padding=[(0, 1), (2, 2)])["spellings"]
    assert s["tensorflow"] == "tf.nn.convolution(x, w, strides=[2,2], padding=[[0,0],[0,1],[2,2],[0,0]])"
    assert s["pytorch"] == "F.pad(x, (2,2,0,1)), then nn.Conv2d(3, 8, (3,3), stride=(2,2), padding=(0,0), " \
                           "dilation=(1,1), groups=1)"
    assert s["onnx"] == "Conv pads=[0,2,1,2] strides=[2,2] dilations=[1,1] group=1"
