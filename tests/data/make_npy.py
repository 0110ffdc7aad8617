#!/usr/bin/python3
"""Writes the .npy fixtures of tests/cli.sh with numpy.save (run: /usr/bin/python3 tests/data/make_npy.py).

The files are committed, so the tests need no Python; this script says where every byte came from.
Expected outputs come from the seed documents' printed numbers (seed 003) or from a direct numpy
scatter written here, independent of tconv (seeds 002 and 004).
"""
import os

import numpy as np

here = os.path.dirname(os.path.abspath(__file__))


def save(name, a):
    np.save(os.path.join(here, name), a)


def scatter(x, w, stride, out_hw, crop_tl):
    """conv2d_transpose by definition: x NHWC, w HWOI, y[oy,ox] += x[iy,ix] * w[ky,kx] at iy*s+ky-crop."""
    n, ih, iw, _ = x.shape
    kh, kw, co, _ = w.shape
    y = np.zeros((n, out_hw[0], out_hw[1], co), np.float64)
    for iy in range(ih):
        for ix in range(iw):
            for ky in range(kh):
                for kx in range(kw):
                    oy, ox = iy * stride + ky - crop_tl[0], ix * stride + kx - crop_tl[1]
                    if 0 <= oy < out_hw[0] and 0 <= ox < out_hw[1]:
                        y[:, oy, ox, :] += x[:, iy, ix, :] @ w[ky, kx].T.astype(np.float64)
    return y.astype(np.float32)


# seed 003: tf.nn.conv2d_transpose(x, f, output_shape=(1,5,5,1), strides=[1,2,2,1], padding='VALID')
x3 = np.array([[[[-67], [-77]], [[-117], [-127]]]], np.float32)
w3 = np.array([[[[-1]], [[2]], [[-3]]], [[[4]], [[-5]], [[6]]], [[[-7]], [[8]], [[-9]]]], np.float32)
y3 = np.array([67, -134, 278, -154, 231, -268, 335, -710, 385, -462, 586, -770, 1620, -870, 1074,
               -468, 585, -1210, 635, -762, 819, -936, 1942, -1016, 1143], np.float32).reshape(1, 5, 5, 1)
assert np.array_equal(scatter(x3, w3, 2, (5, 5), (0, 0)), y3)
save("seed003_x.npy", x3)
save("seed003_w.npy", w3)
save("seed003_y.npy", y3)
# the same x as numpy users often have it: float64 (np.array's default), Fortran order, big-endian
save("seed003_x_f8.npy", x3.astype(np.float64))
save("seed003_x_fortran.npy", np.asfortranarray(x3))
save("seed003_x_be.npy", x3.astype(">f4"))
save("seed003_x_i8.npy", x3.astype(np.int64))  # refused: not a float
# its gradients with dy = y (integers: every sum is exact in float32)
dy3 = y3.astype(np.float64)
dx3 = np.zeros((1, 2, 2, 1))
dw3 = np.zeros((3, 3, 1, 1))
for iy in range(2):
    for ix in range(2):
        for ky in range(3):
            for kx in range(3):
                dx3[0, iy, ix, 0] += dy3[0, 2 * iy + ky, 2 * ix + kx, 0] * w3[ky, kx, 0, 0]
                dw3[ky, kx, 0, 0] += dy3[0, 2 * iy + ky, 2 * ix + kx, 0] * x3[0, iy, ix, 0]
save("seed003_dx.npy", dx3.astype(np.float32))
save("seed003_dw.npy", dw3.astype(np.float32))
save("seed003_db.npy", np.array([dy3.sum()], np.float32))
save("big_f8.npy", np.array([1.0, 1e300]))    # refused: 1e300 does not fit in float32
# a bias that turns y[0, 0] = 67 negative (--explain shows the bias and the ReLU), and an empty batch
save("seed003_b.npy", np.array([-1000], np.float32))
save("seed003_x_empty.npy", np.zeros((0, 2, 2, 1), np.float32))

# seed 002: ones (3,4,4,2) with a ones 3x3x4x2 filter, SAME, stride 2, output 8x8x4
x2 = np.ones((3, 4, 4, 2), np.float32)
w2 = np.ones((3, 3, 4, 2), np.float32)
save("seed002_x.npy", x2)
save("seed002_w.npy", w2)
save("seed002_y.npy", scatter(x2, w2, 2, (8, 8), (0, 0)))  # SAME: crop 0 on top/left, 1 bottom/right

# seed 004: x1 = [4.5, 5.4, 8.1, 9.0], ones 3x3, VALID stride 2: output 6x6 (and 5x5)
x4 = np.array([4.5, 5.4, 8.1, 9.0], np.float32).reshape(1, 2, 2, 1)
w4 = np.ones((3, 3, 1, 1), np.float32)
save("seed004_x.npy", x4)
save("seed004_w.npy", w4)
save("seed004_y6.npy", scatter(x4, w4, 2, (6, 6), (0, 0)))
save("seed004_y5.npy", scatter(x4, w4, 2, (5, 5), (0, 0)))

# malformed files: each must be an error naming a byte offset, never a crash
good = open(os.path.join(here, "seed003_x.npy"), "rb").read()
bad = {
    "bad_magic.npy": b"\x93NUMPX" + good[6:],
    "bad_version.npy": good[:6] + b"\x04\x00" + good[8:],
    "bad_short.npy": good[:7],
    "bad_header_len.npy": good[:8] + b"\xff\x7f" + good[10:],
    "bad_truncated.npy": good[:-3],
    "bad_trailing.npy": good + b"\x00\x00\x00\x00",
    "bad_key.npy": good.replace(b"'descr'", b"'dtype'"),
    "bad_fortran.npy": good.replace(b"False", b"Fals "),
    "bad_shape.npy": good.replace(b"(1, 2, 2, 1)", b"(1, 2, -2, 1)"),
    "bad_duplicate.npy": good.replace(b"'shape': (1, 2, 2, 1), }", b"'shape': (1, 2, 2, 1), 'shape': (4,)}"),
}
for name, data in bad.items():
    assert data != good, name
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)

# 1-D and 3-D (issue 12). conv1d_transpose k3 s2 VALID: x = 1..8 (NWC), w = 1, 10, 100 (WOI), so each output
# says which taps meet there: y[2i + t] += x[i] * w[t] (102 = 100*1 + 1*2 where taps 2 and 0 overlap).
x1d = np.arange(1, 9, dtype=np.float32).reshape(1, 8, 1)
w1d = np.array([1, 10, 100], np.float32).reshape(3, 1, 1)
y1d = np.zeros((1, 17, 1), np.float32)
for i in range(8):
    for t in range(3):
        y1d[0, 2 * i + t, 0] += x1d[0, i, 0] * w1d[t, 0, 0]
assert list(y1d[0, :5, 0]) == [1, 10, 102, 20, 203]
save("nd1_x.npy", x1d)
save("nd1_w.npy", w1d)
save("nd1_y.npy", y1d)
# A U-Net step conv3d_transpose k2 s2 on ones (NDHWC 1x2x2x2x1), w = 1..8 (DHWOI): the kernel tiled,
# y[z, y, x] = w[z % 2, y % 2, x % 2] (depth-to-space: no two taps meet).
x3d = np.ones((1, 2, 2, 2, 1), np.float32)
w3d = np.arange(1, 9, dtype=np.float32).reshape(2, 2, 2, 1, 1)
y3d = np.tile(w3d[:, :, :, 0, 0], (2, 2, 2)).reshape(1, 4, 4, 4, 1)
save("nd3_x.npy", x3d)
save("nd3_w.npy", w3d)
save("nd3_y.npy", y3d)
