#!/usr/bin/python3
"""Developer oracle: tconv against PyTorch on random cases (not part of `meson test`; the library's
tests depend only on Check).

    /usr/bin/python3 tools/check_torch.py [build/libtconv.so] [--cases N] [--seed S]

Uses Debian's python3-torch and python3-numpy. Every PyTorch spelling is mapped onto tconv_params
exactly as README's table says: NCHW data, OIHW filters for F.conv2d, IOHW for F.conv_transpose2d,
symmetric padding as EXPLICIT pads, output_padding, groups, dilation; plus TF-SAME conv2d via F.pad.
Exit status 1 if any case differs by more than 1e-4 + 1e-4*|ref|.
"""
import argparse
import ctypes as C
import random
import sys

import numpy as np
import torch
import torch.nn.functional as F


class Params(C.Structure):
    _fields_ = [("layout", C.c_int), ("filter_layout", C.c_int), ("batch", C.c_int64), ("in_h", C.c_int64),
                ("in_w", C.c_int64), ("in_channels", C.c_int64), ("out_channels", C.c_int64), ("groups", C.c_int64),
                ("kernel_h", C.c_int64), ("kernel_w", C.c_int64), ("stride_h", C.c_int64), ("stride_w", C.c_int64),
                ("dilation_h", C.c_int64), ("dilation_w", C.c_int64), ("padding", C.c_int), ("pad_top", C.c_int64),
                ("pad_bottom", C.c_int64), ("pad_left", C.c_int64), ("pad_right", C.c_int64), ("out_h", C.c_int64),
                ("out_w", C.c_int64), ("output_padding_h", C.c_int64), ("output_padding_w", C.c_int64),
                ("activation", C.c_int)]


NCHW, OIHW, IOHW, SAME, EXPLICIT = 1, 2, 4, 1, 3


def fp(a):
    return a.ctypes.data_as(C.POINTER(C.c_float))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("lib", nargs="?", default="build/libtconv.so")
    ap.add_argument("--cases", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    lib = C.CDLL(args.lib)
    for fn in (lib.tconv_conv2d, lib.tconv_conv2d_transpose):
        fn.argtypes = [C.POINTER(Params)] + [C.POINTER(C.c_float)] * 4
    lib.tconv_last_error.restype = C.c_char_p
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    bad = tested = 0
    for i in range(args.cases):
        tr = i % 2 == 1
        g = rng.choice([1, 1, 2, 3])
        cin, cout = g * rng.randint(1, 4), g * rng.randint(1, 4)
        if rng.random() < 0.15:
            g = cin = cout = rng.randint(2, 6)  # depthwise
        k = (rng.randint(1, 5), rng.randint(1, 5))
        s = (rng.randint(1, 3), rng.randint(1, 3))
        d = (rng.randint(1, 2), rng.randint(1, 2))
        pad = (rng.randint(0, 2), rng.randint(0, 2))
        n, h, w = rng.randint(1, 2), rng.randint(1, 9), rng.randint(1, 9)
        same = not tr and rng.random() < 0.25  # TF SAME conv2d: PyTorch needs F.pad
        x = torch.randn(n, cin, h, w)
        bias = torch.randn(cout) if rng.random() < 0.5 else None
        p = Params(layout=NCHW, batch=n, in_h=h, in_w=w, in_channels=cin, out_channels=cout, groups=g,
                   kernel_h=k[0], kernel_w=k[1], stride_h=s[0], stride_w=s[1], dilation_h=d[0], dilation_w=d[1])
        try:
            if tr:
                op = (rng.randint(0, max(s[0], d[0]) - 1), rng.randint(0, max(s[1], d[1]) - 1))
                wt = torch.randn(cin, cout // g, *k)
                ref = F.conv_transpose2d(x, wt, bias, s, pad, op, g, d)
                p.filter_layout, p.padding = IOHW, EXPLICIT
                p.pad_top = p.pad_bottom = pad[0]
                p.pad_left = p.pad_right = pad[1]
                p.output_padding_h, p.output_padding_w = op
            else:
                wt = torch.randn(cout, cin // g, *k)
                p.filter_layout = OIHW
                if same:
                    oh, ow = -(-h // s[0]), -(-w // s[1])
                    tot = [max((o - 1) * st + dd * (kk - 1) + 1 - ii, 0)
                           for o, st, dd, kk, ii in ((oh, s[0], d[0], k[0], h), (ow, s[1], d[1], k[1], w))]
                    xp = F.pad(x, (tot[1] // 2, tot[1] - tot[1] // 2, tot[0] // 2, tot[0] - tot[0] // 2))
                    ref = F.conv2d(xp, wt, bias, s, 0, d, g)
                    p.padding = SAME
                else:
                    ref = F.conv2d(x, wt, bias, s, pad, d, g)
                    p.padding = EXPLICIT
                    p.pad_top = p.pad_bottom = pad[0]
                    p.pad_left = p.pad_right = pad[1]
        except RuntimeError:
            continue  # PyTorch rejects it (output too small); tconv's own tests cover those
        if ref.numel() == 0:
            continue
        tested += 1
        xa = np.ascontiguousarray(x.numpy(), dtype=np.float32)
        wa = np.ascontiguousarray(wt.numpy(), dtype=np.float32)
        ba = np.ascontiguousarray(bias.numpy(), dtype=np.float32) if bias is not None else None
        y = np.full(ref.shape, np.nan, dtype=np.float32)
        fn = lib.tconv_conv2d_transpose if tr else lib.tconv_conv2d
        st = fn(C.byref(p), fp(xa), fp(wa), fp(ba) if ba is not None else None, fp(y))
        r = ref.numpy()
        if st != 0 or not np.all(np.abs(y - r) <= 1e-4 + 1e-4 * np.abs(r)):
            bad += 1
            err = lib.tconv_last_error().decode() if st else "max |diff| %g" % np.nanmax(np.abs(y - r))
            print("case %d %s k%s s%s d%s pad%s g%d: %s" % (i, "conv_transpose2d" if tr else
                  ("conv2d SAME" if same else "conv2d"), k, s, d, pad, g, err))
    print("%d passed, %d failed (%d of %d drawn cases PyTorch accepts)" % (tested - bad, bad, tested, args.cases))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
