"""test_numpy.py - the Python package's NumPy functions (python/tconv) against oracles that share no code
with libtconv: TensorFlow's seed 003 by hand, a NumPy scatter loop, and PyTorch (float64) for every op,
gradient and rank. Run by `meson test` (suite python) with TCONV_LIBRARY set to the built library.

Tolerances: float32 sums of K terms are within K * 2^-24 * sum|terms| of the exact value, so each
element's bound is (K + 2) * 2^-24 times the same op on |x| and |w| (+ |b|), computed in float64.
"""
import itertools
import os
import random

import numpy as np
import pytest

import tconv

torch = pytest.importorskip("torch")
F = torch.nn.functional
SEED = int(os.environ.get("TCONV_TEST_SEED", "20261201"))
EPS32 = 2.0 ** -24

# ---------------------------------------------------------------------------------------- the seed


def test_seed_003_first_element_is_67():
    x = np.array([[[[-67], [-77]], [[-117], [-127]]]], dtype=np.float64)  # float64, as the seed's numpy
    f = np.array([[[[-1]], [[2]], [[-3]]], [[[4]], [[-5]], [[6]]], [[[-7]], [[8]], [[-9]]]], dtype=np.float64)
    y = tconv.conv_transpose(x, f, output_shape=(1, 5, 5, 1), strides=[1, 2, 2, 1], padding="VALID")
    assert y.dtype == np.float32 and y.shape == (1, 5, 5, 1)
    assert y[0, 0, 0, 0] == 67.0
    # the seed's printed output: its first row, and the second row's first element
    assert list(y[0, 0, :, 0]) == [67.0, -134.0, 278.0, -154.0, 231.0]
    assert y[0, 1, 0, 0] == -268.0


# ------------------------------------------------------------------------ a NumPy scatter reference


def scatter_transpose_nhwc(x, w, strides, pads, out):
    """y[b, o*s - pb + k*d ...] += x[b, i, c] * w[k, o, c] (HWOI), cropped: the definition, one tap at a time."""
    n, h, wd, ci = x.shape
    kh, kw, co, _ = w.shape
    y = np.zeros((n, out[0], out[1], co))
    for b, i, j, c, a, e in itertools.product(range(n), range(h), range(wd), range(ci), range(kh), range(kw)):
        oy, ox = i * strides[0] - pads[0] + a, j * strides[1] - pads[1] + e
        if 0 <= oy < out[0] and 0 <= ox < out[1]:
            y[b, oy, ox, :] += x[b, i, j, c] * w[a, e, :, c]
    return y


def test_transpose_against_scatter_loop():
    rng = np.random.default_rng(SEED)
    x = rng.integers(-4, 5, (2, 3, 4, 3)).astype(np.float32)
    w = rng.integers(-4, 5, (3, 2, 5, 3)).astype(np.float32)  # HWOI
    y = tconv.conv_transpose(x, w, output_shape=(6, 8), strides=2, padding="SAME")
    g = tconv.geometry("conv_transpose", x.shape, w.shape, strides=2, padding="SAME", output_shape=(6, 8))
    ref = scatter_transpose_nhwc(x.astype(np.float64), w.astype(np.float64), (2, 2), g["pad_before"], (6, 8))
    np.testing.assert_array_equal(y, ref)  # small integers: exact


# ---------------------------------------------------------------------------------- torch oracles


def to_torch_layout(a, rank, channels_last):
    """x / y of tconv's layout as torch's NC*."""
    t = torch.from_numpy(np.asarray(a, dtype=np.float64))
    return t.permute(0, rank + 1, *range(1, rank + 1)) if channels_last else t


def from_torch_layout(t, rank, channels_last):
    t = t.detach()
    return t.permute(0, *range(2, rank + 2), 1).numpy() if channels_last else t.numpy()


def filter_to_torch(w, rank, fmt, transposed):
    """w in tconv's filter_format as torch's OIHW (conv) or IOHW (transposed)."""
    spatial = [i for i, ch in enumerate(fmt) if ch == "S"]
    want = "OI" if not transposed else "IO"
    perm = [fmt.index(want[0]), fmt.index(want[1])] + spatial
    return torch.from_numpy(np.asarray(w, dtype=np.float64)).permute(*perm)


FORMATS = {"HWIO": "SIO", "OIHW": "OIS", "HWOI": "SOI", "IOHW": "IOS"}


def fmt_letters(name, rank):
    return FORMATS[name].replace("S", "S" * rank)


def filter_shape(fmt, rank, kernel, i, o):
    dims = {"I": [i], "O": [o]}
    out = []
    for ch in FORMATS[fmt]:
        out += list(kernel) if ch == "S" else dims[ch]
    return tuple(out)


def check_close(got, want, bound, what):
    assert got.shape == want.shape, "%s: shape %s, want %s" % (what, got.shape, want.shape)
    err = np.abs(got.astype(np.float64) - want)
    bad = np.argwhere(err > bound)
    assert bad.size == 0, "%s: %d elements off, first at %s: %r vs %r (bound %g; seed %d)" % (
        what, len(bad), tuple(bad[0]), got[tuple(bad[0])], want[tuple(bad[0])], bound[tuple(bad[0])], SEED)


def random_case(r, rank, transposed):
    groups = r.choice([1, 1, 2])
    cig, cog = r.randint(1, 3), r.randint(1, 3)
    kernel = [r.randint(1, 4) for _ in range(rank)]
    strides = [r.randint(1, 3) for _ in range(rank)]
    dil = [r.choice([1, 1, 2]) for _ in range(rank)]
    size = [r.randint(1, 5 if rank == 3 else 7) for _ in range(rank)]
    if not transposed:  # the conv's input must hold the dilated kernel after padding
        size = [max(s, (k - 1) * d + 1) for s, k, d in zip(size, kernel, dil)]
    pads = [r.randint(0, (k - 1) * d) for k, d in zip(kernel, dil)]
    op = [r.randint(0, max(s, d) - 1) if transposed else 0 for s, d in zip(strides, dil)]
    return dict(groups=groups, cin=cig * groups, cout=cog * groups, kernel=kernel, strides=strides, dilations=dil,
                size=size, pads=pads, output_padding=op, batch=r.randint(1, 2))


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("transposed", [False, True])
def test_forward_against_torch(rank, transposed):
    r = random.Random(SEED * 10 + rank * 2 + transposed)
    rng = np.random.default_rng(SEED + rank)
    compared = 0
    for case in range(25):
        c = random_case(r, rank, transposed)
        channels_last = r.random() < 0.5
        fmt = r.choice(["HWIO", "OIHW", "HWOI", "IOHW"])
        data_format = [("NWC", "NCW"), ("NHWC", "NCHW"), ("NDHWC", "NCDHW")][rank - 1][0 if channels_last else 1]
        i_dim = c["cin"] if transposed else c["cin"] // c["groups"]
        o_dim = c["cout"] // c["groups"] if transposed else c["cout"]
        wshape = filter_shape(fmt, rank, c["kernel"], i_dim, o_dim)
        xshape = (c["batch"],) + tuple(c["size"]) + (c["cin"],) if channels_last else (c["batch"], c["cin"]) + tuple(c["size"])
        x = rng.uniform(-1, 1, xshape).astype(np.float32)
        w = rng.uniform(-1, 1, wshape).astype(np.float32)
        b = rng.uniform(-1, 1, c["cout"]).astype(np.float32)
        relu = r.random() < 0.3
        kw = dict(strides=c["strides"], padding=[(p, p) for p in c["pads"]], dilations=c["dilations"],
                  groups=c["groups"], data_format=data_format, filter_format=fmt.replace("HW", "DHW"[3 - rank:]),
                  activation="relu" if relu else None)
        xt, wt = to_torch_layout(x, rank, channels_last), filter_to_torch(w, rank, fmt_letters(fmt, rank), transposed)
        bt = torch.from_numpy(b.astype(np.float64))
        conv_t = [None, F.conv1d, F.conv2d, F.conv3d][rank] if not transposed else \
            [None, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][rank]
        extra = dict(output_padding=c["output_padding"]) if transposed else {}
        if transposed:
            kw["output_padding"] = c["output_padding"]
        try:
            ref = conv_t(xt, wt, bt, stride=c["strides"], padding=c["pads"], dilation=c["dilations"],
                         groups=c["groups"], **extra)
        except RuntimeError:
            continue  # torch refuses (output_padding >= stride and dilation, empty output): so must tconv
        if relu:
            ref = torch.relu(ref)
        ref_abs = conv_t(xt.abs(), wt.abs(), bt.abs(), stride=c["strides"], padding=c["pads"],
                         dilation=c["dilations"], groups=c["groups"], **extra)
        y = (tconv.conv_transpose if transposed else tconv.conv)(x, w, b, **kw)
        terms = int(np.prod(c["kernel"])) * (c["cin"] // c["groups"] if not transposed else c["cin"] // c["groups"])
        want = from_torch_layout(ref, rank, channels_last)
        bound = (terms + 2) * EPS32 * from_torch_layout(ref_abs, rank, channels_last) + 1e-30
        check_close(y, want, bound, "case %d %s rank %d %s" % (case, "transposed" if transposed else "conv", rank, kw))
        compared += 1
    assert compared >= 20, "only %d of 25 cases ran (seed %d)" % (compared, SEED)


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("transposed", [False, True])
def test_gradients_against_torch(rank, transposed):
    r = random.Random(SEED * 7 + rank * 2 + transposed)
    rng = np.random.default_rng(SEED + 100 + rank)
    compared = 0
    for case in range(12):
        c = random_case(r, rank, transposed)
        i_dim = c["cin"] if transposed else c["cin"] // c["groups"]
        o_dim = c["cout"] // c["groups"] if transposed else c["cout"]
        # PyTorch's layouts: NC*, OIHW / IOHW
        fmt = "IOHW" if transposed else "OIHW"
        data_format = ["NCW", "NCHW", "NCDHW"][rank - 1]
        wshape = filter_shape(fmt, rank, c["kernel"], i_dim, o_dim)
        x = rng.uniform(-1, 1, (c["batch"], c["cin"]) + tuple(c["size"])).astype(np.float32)
        w = rng.uniform(-1, 1, wshape).astype(np.float32)
        xt = torch.from_numpy(x.astype(np.float64)).requires_grad_()
        wt = torch.from_numpy(w.astype(np.float64)).requires_grad_()
        bt = torch.zeros(c["cout"], dtype=torch.float64, requires_grad=True)
        fn = [None, F.conv1d, F.conv2d, F.conv3d][rank] if not transposed else \
            [None, F.conv_transpose1d, F.conv_transpose2d, F.conv_transpose3d][rank]
        extra = dict(output_padding=c["output_padding"]) if transposed else {}
        try:
            yt = fn(xt, wt, bt, stride=c["strides"], padding=c["pads"], dilation=c["dilations"], groups=c["groups"],
                    **extra)
        except RuntimeError:
            continue
        if yt.numel() == 0:
            continue
        dy = rng.uniform(-1, 1, tuple(yt.shape)).astype(np.float32)
        yt.backward(torch.from_numpy(dy.astype(np.float64)))
        kw = dict(strides=c["strides"], padding=[(p, p) for p in c["pads"]], dilations=c["dilations"],
                  groups=c["groups"], data_format=data_format, filter_format=fmt.replace("HW", "DHW"[3 - rank:]))
        if transposed:
            kw["output_padding"] = c["output_padding"]
        name = "conv_transpose" if transposed else "conv"
        dx = getattr(tconv, name + "_backward_data")(dy, w, x.shape, **kw)
        dw = getattr(tconv, name + "_backward_filter")(x, dy, w.shape, **kw)
        db = getattr(tconv, name + "_backward_bias")(dy, data_format=data_format)
        # bounds: the same sums over |.|, as float64 autograd of the |.| problem
        xa = torch.from_numpy(np.abs(x).astype(np.float64)).requires_grad_()
        wa = torch.from_numpy(np.abs(w).astype(np.float64)).requires_grad_()
        ya = fn(xa, wa, None, stride=c["strides"], padding=c["pads"], dilation=c["dilations"], groups=c["groups"],
                **extra)
        ya.backward(torch.from_numpy(np.abs(dy).astype(np.float64)))
        terms_dx = int(np.prod(c["kernel"])) * c["cout"]
        terms_dw = c["batch"] * max(int(np.prod(c["size"])), int(np.prod(yt.shape[2:])))  # positions reduced
        what = "case %d %s rank %d %s" % (case, name, rank, kw)
        check_close(dx, xt.grad.numpy(), (terms_dx + 2) * EPS32 * xa.grad.numpy() + 1e-30, what + ": dx")
        check_close(dw, wt.grad.numpy(), (terms_dw + 2) * EPS32 * wa.grad.numpy() + 1e-30, what + ": dw")
        db_bound = (terms_dw + 2) * EPS32 * np.abs(dy).reshape(dy.shape[0], c["cout"], -1).sum(axis=(0, 2)) + 1e-30
        check_close(db, bt.grad.numpy(), db_bound, what + ": db")
        compared += 1
    assert compared >= 9, "only %d of 12 cases ran (seed %d)" % (compared, SEED)


# ------------------------------------------------------------------------------ conversion, errors


def test_float64_fortran_order_and_views_are_converted():
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-1, 1, (2, 5, 6, 3))
    w = rng.uniform(-1, 1, (3, 3, 3, 4))
    want = tconv.conv(np.ascontiguousarray(x, np.float32), np.ascontiguousarray(w, np.float32), padding="SAME")
    got = tconv.conv(np.asfortranarray(x), w, padding="SAME")  # float64, Fortran order
    np.testing.assert_array_equal(got, want)
    big = np.zeros((2, 10, 6, 3))
    big[:, ::2] = x
    np.testing.assert_array_equal(tconv.conv(big[:, ::2], w, padding="SAME"), want)  # a strided view


def test_threads_and_algorithms_agree():
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-1, 1, (3, 7, 7, 8)).astype(np.float32)
    w = rng.uniform(-1, 1, (4, 4, 5, 8)).astype(np.float32)
    y1 = tconv.conv_transpose(x, w, strides=2, padding="SAME", threads=1)
    for threads in (2, 3):  # the library promises the same bits for any thread count
        np.testing.assert_array_equal(tconv.conv_transpose(x, w, strides=2, padding="SAME", threads=threads), y1)
    ys = tconv.conv_transpose(x, w, strides=2, padding="SAME", algorithm="subpixel")
    np.testing.assert_allclose(ys, y1, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize(
    "call, exc, words",
    [
        (lambda x, w: tconv.conv_transpose(x, w, output_shape=(1, 7, 7, 1), strides=2, padding="SAME"),
         tconv.ShapeMismatchError, ["out_h = 7", "[3, 4]"]),
        (lambda x, w: tconv.conv(x, w[:, :, :, :1].repeat(2, axis=2)), tconv.ShapeMismatchError, ["filter", "(3, 3, 1, 1)"]),
        (lambda x, w: tconv.conv(x, w, strides=0), tconv.InvalidArgumentError, ["stride", "0"]),
        (lambda x, w: tconv.conv(x, w, data_format="NCWH"), tconv.InvalidArgumentError, ["data_format", "NCWH"]),
        (lambda x, w: tconv.conv(x, w, padding="FULL"), tconv.InvalidArgumentError, ["padding", "FULL"]),
        (lambda x, w: tconv.conv(x, w, strides=(1, 2, 2)), tconv.InvalidArgumentError, ["strides", "3 values"]),
        (lambda x, w: tconv.conv(x[0], w), tconv.ShapeMismatchError, ["3 dimensions"]),
        (lambda x, w: tconv.conv(x, w, b=np.zeros(2)), tconv.ShapeMismatchError, ["b has shape"]),
    ],
)
def test_bad_input_raises_with_the_message(call, exc, words):
    x = np.ones((1, 2, 2, 1), np.float32)
    w = np.ones((3, 3, 1, 1), np.float32)
    x0 = x.copy()
    with pytest.raises(exc) as e:
        call(x, w)
    assert isinstance(e.value, ValueError) and isinstance(e.value, tconv.Error)
    for word in words:
        assert word in str(e.value), (word, str(e.value))
    np.testing.assert_array_equal(x, x0)


def test_integers_are_converted_and_complex_is_refused():
    y = tconv.conv(np.arange(9).reshape(1, 3, 3, 1), np.full((1, 1, 1, 1), 2))  # int64 arrays
    assert y.dtype == np.float32 and list(y.ravel()) == [2.0 * i for i in range(9)]
    with pytest.raises(TypeError, match="dtype complex128"):
        tconv.conv(np.ones((1, 3, 3, 1), np.complex128), np.ones((1, 1, 1, 1), np.float32))


def test_geometry():
    g = tconv.geometry("conv_transpose", (64, 7, 7, 256), (3, 3, 128, 256), strides=2, padding="SAME")
    assert g["output_shape"] == (64, 14, 14, 128)
    assert g["admissible"] == ((13, 14), (13, 14))
    assert g["pad_before"] == (0, 0) and g["pad_after"] == (1, 1)
    g = tconv.geometry("conv", (1, 16, 8), (4, 16, 5), strides=2, padding=3, filter_format="OIW",
                       data_format="NCW")
    assert g["output_shape"] == (1, 4, 5)  # (8 + 6 - 5) // 2 + 1
    assert g["pad_before"] == (3,) and g["admissible"] == ((5, 5),)


# ------------------------------------------------------------- overlap map, bilinear filter, resize_conv


def brute_overlap(in_sizes, kernel, strides, dil, before, out):
    counts = np.zeros(out, dtype=np.int64)
    for i in itertools.product(*[range(n) for n in in_sizes]):
        for t in itertools.product(*[range(k) for k in kernel]):
            o = [ii * s + tt * d - b for ii, tt, s, d, b in zip(i, t, strides, dil, before)]
            if all(0 <= oo < n for oo, n in zip(o, out)):
                counts[tuple(o)] += 1
    return counts


@pytest.mark.parametrize("rank", [1, 2, 3])
def test_overlap_map_against_a_brute_force_scatter(rank):
    r = random.Random(SEED + 50 + rank)
    compared = 0
    for _ in range(15):
        size = [r.randint(1, 5) for _ in range(rank)]
        kernel = [r.randint(1, 5) for _ in range(rank)]
        strides = [r.randint(1, 3) for _ in range(rank)]
        dil = [r.choice([1, 2]) for _ in range(rank)]
        padding = r.choice(["SAME", "VALID", [(r.randint(0, 2), r.randint(0, 2)) for _ in range(rank)]])
        x_shape, w_shape = (1,) + tuple(size) + (3,), tuple(kernel) + (2, 3)
        try:
            g = tconv.geometry("conv_transpose", x_shape, w_shape, strides=strides, padding=padding, dilations=dil)
        except tconv.InvalidArgumentError:
            continue  # a crop larger than the result
        compared += 1
        m = tconv.overlap_map(x_shape, w_shape, strides=strides, padding=padding, dilations=dil)
        want = brute_overlap(size, kernel, strides, dil, g["pad_before"], g["output_shape"][1:-1])
        assert m.dtype == np.int32
        np.testing.assert_array_equal(m, want, err_msg="%s %s %s %s %s" % (size, kernel, strides, dil, padding))
    assert compared >= 8, compared


def test_overlap_map_checkerboard_row():
    row = tconv.overlap_map((1, 8, 1), (3, 1, 1), strides=2, padding=1, output_padding=1)
    assert list(row) == [1, 2] * 7 + [1, 1]  # k3 s2 p1 op1: 1 2 1 2 ... and the last position 1


def test_bilinear_filter_is_caffes_and_upsamples_bilinearly():
    f = tconv.bilinear_filter(3, 4, 2)  # HWOI, diagonal
    k1 = np.array([0.25, 0.75, 0.75, 0.25], dtype=np.float32)
    assert f.shape == (4, 4, 3, 3)
    for i in range(3):
        for j in range(3):
            np.testing.assert_array_equal(f[:, :, i, j], np.outer(k1, k1) if i == j else 0)
    f3 = tconv.bilinear_filter(2, (3, 4, 4), (2, 2, 2), depthwise=True, filter_format="IODHW")
    kd = np.array([0.25, 0.75, 0.75], dtype=np.float32)  # k = 3: f = 2, c = 3/4, 1 - |i/f - c| (Caffe's filler)
    assert f3.shape == (2, 1, 3, 4, 4)
    np.testing.assert_array_equal(f3[1, 0], np.multiply.outer(kd, np.outer(k1, k1)))
    # padding 1 on each side: bilinear interpolation with half-pixel centres, away from a 1-pixel border
    x = np.random.default_rng(SEED).uniform(-1, 1, (1, 3, 6, 7)).astype(np.float32)
    w = tconv.bilinear_filter(3, 4, 2, depthwise=True, filter_format="IOHW")
    y = tconv.conv_transpose(x, w, strides=2, padding=1, groups=3, data_format="NCHW", filter_format="IOHW")
    ref = F.interpolate(torch.from_numpy(x.astype(np.float64)), scale_factor=2, mode="bilinear",
                        align_corners=False).numpy()
    np.testing.assert_allclose(y[:, :, 1:-1, 1:-1], ref[:, :, 1:-1, 1:-1], rtol=1e-6, atol=1e-6)


def test_resize_conv_against_the_two_steps():
    rng = np.random.default_rng(SEED)
    x = rng.uniform(-1, 1, (2, 5, 4, 3)).astype(np.float32)
    w = rng.uniform(-1, 1, (3, 3, 3, 4)).astype(np.float32)
    b = rng.uniform(-1, 1, 4).astype(np.float32)
    y = tconv.resize_conv(x, w, b, scale=2, mode="nearest", padding="SAME", activation="relu")
    two = tconv.conv(x.repeat(2, axis=1).repeat(2, axis=2), w, b, padding="SAME", activation="relu")
    np.testing.assert_allclose(y, two, rtol=1e-5, atol=1e-5)
    yb = tconv.resize_conv(x, w, scale=3, mode="bilinear", padding="VALID")
    up = F.interpolate(torch.from_numpy(x.transpose(0, 3, 1, 2).astype(np.float64)), scale_factor=3, mode="bilinear",
                       align_corners=False).numpy().transpose(0, 2, 3, 1)
    np.testing.assert_allclose(yb, tconv.conv(up, w, padding="VALID"), rtol=1e-4, atol=1e-4)
    with pytest.raises(tconv.ShapeMismatchError, match="2-D"):
        tconv.resize_conv(x[:, 0], w[0])
