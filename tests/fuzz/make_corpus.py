#!/usr/bin/python3
"""Writes tests/fuzz/corpus/params/*: byte strings that fuzz_params.c decodes into the seeds' layers and
a few edge cases (the decoder: one byte per field, values < 224 are b % 9, 224.. pick an edge value)."""
import os

here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "params")
os.makedirs(here, exist_ok=True)
EDGE = {"INT64_MAX": 224 + 17, "2^31": 224 + 10, "-1": 224}


def case(layout=0, flayout=0, n=1, ih=3, iw=3, ci=1, co=1, g=1, kh=2, kw=2, sh=1, sw=1, dh=1, dw=1, pad=0,
         pads=None, out=None, opad=None, act=0, threads=1, algo=0, acc=None, nobias=False, tail=b""):
    b = [layout, flayout, n, ih, iw, ci, co, g, kh, kw, sh, sw, dh, dw, pad]
    if pad == 3:
        b += list(pads)
    sel = (1 if out else 0) | (2 if opad else 0) | (4 if acc is not None else 0) | (8 if nobias else 0)
    b.append(sel)
    if out:
        b += list(out)
    if opad:
        b += list(opad)
    b += [act, threads, algo]
    if acc is not None:
        b.append(acc)
    return bytes(b) + tail


cases = {
    "seed003": case(ih=2, iw=2, kh=3, kw=3, sh=2, sw=2, out=(5, 5)),
    "seed004_6x6": case(ih=2, iw=2, kh=3, kw=3, sh=2, sw=2, out=(6, 6)),
    "seed002": case(n=3, ih=4, iw=4, ci=2, co=4, kh=3, kw=3, sh=2, sw=2, pad=1, out=(8, 8), threads=2),
    "depthwise_nchw": case(layout=1, flayout=2, n=2, ih=5, iw=4, ci=3, co=3, g=3, kh=4, kw=4, sh=2, sw=2, pad=2),
    "explicit_opad": case(ih=3, iw=4, ci=2, co=2, kh=3, kw=2, sh=2, sw=3, pad=3, pads=(1, 0, 0, 2), opad=(1, 2),
                          act=1, algo=1, acc=1),
    "dilated_subpixel": case(ih=4, iw=4, ci=2, co=4, g=2, kh=2, kw=4, sh=2, sw=2, dh=2, dw=1, algo=2, nobias=True),
    "huge": case(ih=EDGE["INT64_MAX"], iw=EDGE["2^31"], ci=2, co=2),
    "negative": case(ih=3, iw=EDGE["-1"], kh=0),
}
for name, data in cases.items():
    with open(os.path.join(here, name), "wb") as f:
        f.write(data)

# tests/fuzz/corpus/nd/*: fuzz_nd.c's decoder - the rank byte (< 250: 1 + b % 3; 250..255: -2..3), the
# common fields, a selector, then every one of the three axes (the ones beyond the rank must not matter).
nd_dir = os.path.join(os.path.dirname(here), "nd")
os.makedirs(nd_dir, exist_ok=True)


def nd_case(rank_byte, axes, layout=0, flayout=0, n=1, ci=1, co=1, g=1, pad=0, out=False, opad=False, act=0,
            threads=1, nobias=False):
    sel = (1 if out else 0) | (2 if opad else 0) | (8 if nobias else 0)
    b = [rank_byte, layout, flayout, n, ci, co, g, pad, sel]
    for a in axes:  # (in, k, s, d, pad_before, pad_after, out, output_padding)
        b += list(a[:4])
        if pad == 3:
            b += list(a[4:6])
        if out:
            b.append(a[6])
        if opad:
            b.append(a[7])
    return bytes(b + [act, threads])


JUNK = (7, 0, 0, 8, 3, 3, 5, 6)  # an axis beyond the rank: invalid values that must be ignored
nd_cases = {
    "conv1d_transpose_explicit": nd_case(0, [(4, 4, 2, 1, 1, 1, 0, 1), JUNK, JUNK], flayout=4, ci=2, co=2, pad=3,
                                         opad=True, act=1, threads=2),
    "conv3d_transpose_same": nd_case(2, [(2, 2, 2, 1, 0, 0, 0, 0), (3, 2, 2, 1, 0, 0, 0, 0), (2, 2, 2, 1, 0, 0, 0, 0)],
                                     layout=1, ci=2, co=2, pad=1),
    "conv3d_depthwise_out": nd_case(2, [(4, 3, 1, 1, 0, 0, 2, 0), (5, 2, 2, 1, 0, 0, 2, 0), (3, 1, 1, 2, 0, 0, 3, 0)],
                                    ci=3, co=3, g=3, out=True, nobias=True),
    "conv1d_dilated_valid": nd_case(0, [(8, 3, 1, 2, 0, 0, 0, 0), JUNK, JUNK], ci=2, co=4, g=2, threads=3),
    "rank0": nd_case(252, [(3, 2, 1, 1, 0, 0, 0, 0)] * 3),
}
for name, data in nd_cases.items():
    with open(os.path.join(nd_dir, name), "wb") as f:
        f.write(data)
