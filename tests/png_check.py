#!/usr/bin/python3
"""tconv overlap --png, decoded and checked pixel by pixel (usage: png_check.py path/to/tconv).

The PNG is decoded here with the standard library only (chunks and their CRCs, IHDR, the IDAT stream
inflated with zlib, the five row filters). The counts are computed here by brute force from the
definition of the transposed convolution (input pixel i and tap t land on full-result position
i*s + t*d; the output is the full result cropped by TensorFlow's / PyTorch's rules), independently of
tconv. Checked: every output pixel is a uniform cell x cell square whose colour is a function of its
count, with different counts in different colours; nothing else in the map area; the colour bar's top
and bottom are the colours of the largest and smallest count; it carries labels; and a 4001x4001 map
at one pixel per count is a small file.
"""
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

WHITE = (255, 255, 255)
BLACK = (0, 0, 0)
UNCOMPRESSED_4001 = 48031732  # bytes the stored-deflate writer produced for the 4001x4001 map (before zlib)
passed = failed = 0


def check(ok, what):
    global passed, failed
    if ok:
        passed += 1
    else:
        failed += 1
        print("FAIL:", what)


def paeth(a, b, c):
    p = a + b - c
    pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else b if pb <= pc else c


def unfilter(kind, line, prev, bpp):
    if kind == 0:
        return line
    if kind == 2 and not any(line):  # Up with nothing added: the previous row (fast path for repeated rows)
        return prev
    out = bytearray(line)
    for i in range(len(out)):
        a = out[i - bpp] if i >= bpp else 0
        b = prev[i]
        c = prev[i - bpp] if i >= bpp else 0
        if kind == 1:
            out[i] = (out[i] + a) & 255
        elif kind == 2:
            out[i] = (out[i] + b) & 255
        elif kind == 3:
            out[i] = (out[i] + (a + b) // 2) & 255
        elif kind == 4:
            out[i] = (out[i] + paeth(a, b, c)) & 255
        else:
            raise ValueError("filter type %d" % kind)
    return bytes(out)


def decode(path):
    """(width, height, rows): rows[y] is bytes of width*3 RGB."""
    data = open(path, "rb").read()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "PNG signature"
    pos, idat, ihdr, chunks = 8, b"", None, []
    while pos < len(data):
        n, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + n]
        crc = struct.unpack(">I", data[pos + 8 + n:pos + 12 + n])[0]
        assert zlib.crc32(kind + body) & 0xFFFFFFFF == crc, "CRC of %s" % kind
        chunks.append(kind)
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        pos += 12 + n
    assert chunks[0] == b"IHDR" and chunks[-1] == b"IEND", chunks
    width, height, depth, colour, comp, filt, interlace = ihdr
    assert (depth, colour, comp, filt, interlace) == (8, 2, 0, 0, 0), ihdr
    raw = zlib.decompress(idat)
    stride = width * 3 + 1
    assert len(raw) == stride * height, "inflated %d bytes, want %d" % (len(raw), stride * height)
    rows, prev = [], bytes(width * 3)
    for y in range(height):
        line = raw[y * stride:(y + 1) * stride]
        prev = unfilter(line[0], line[1:], prev, 3)
        rows.append(prev)
    return width, height, rows


def full_size(n, k, s, d):
    return (n - 1) * s + (k - 1) * d + 1


def axis_crop(n, k, s, d, mode, pads, out, opad):
    """(begin crop, output size) of one axis: TensorFlow's SAME / VALID, PyTorch's explicit padding."""
    f = full_size(n, k, s, d)
    ke = (k - 1) * d + 1
    if mode == "VALID":
        return 0, out or n * s + max(ke - s, 0)  # Keras's default size
    if mode == "SAME":
        o = out or n * s
        return max(f - o, 0) // 2, o  # TensorFlow: the odd crop at the end
    return pads[0], f - pads[0] - pads[1] + opad  # explicit: begin, end, output_padding


def brute_counts(c):
    """counts[oy][ox]: (input pixel, tap) pairs landing on each output pixel, by the definition."""
    (ih, iw), (kh, kw), (sh, sw), (dh, dw) = c["in"], c["k"], c["s"], c["d"]
    out = c.get("out", (0, 0))
    pads = c.get("pads", (0, 0, 0, 0))  # ONNX order t, l, b, r
    opad = c.get("opad", (0, 0))
    ch, oh = axis_crop(ih, kh, sh, dh, c["mode"], (pads[0], pads[2]), out[0], opad[0])
    cw, ow = axis_crop(iw, kw, sw, dw, c["mode"], (pads[1], pads[3]), out[1], opad[1])
    counts = [[0] * ow for _ in range(oh)]
    for iy in range(ih):
        for ky in range(kh):
            oy = iy * sh + ky * dh - ch
            if not 0 <= oy < oh:
                continue
            for ix in range(iw):
                for kx in range(kw):
                    ox = ix * sw + kx * dw - cw
                    if 0 <= ox < ow:
                        counts[oy][ox] += 1
    return counts


def tconv_args(c):
    a = ["overlap", "conv2d_transpose", "--input-shape", "1,%d,%d,1" % c["in"], "--kernel-size", "%d,%d" % c["k"],
         "--strides", "%d,%d" % c["s"], "--dilations", "%d,%d" % c["d"]]
    if c["mode"] == "EXPLICIT":
        a += ["--pads", "%d,%d,%d,%d" % c["pads"], "--output-padding", "%d,%d" % c.get("opad", (0, 0))]
    else:
        a += ["--padding", c["mode"]]
    if "out" in c:
        a += ["--output-shape", "%d,%d" % c["out"]]
    return a


def pixel(rows, x, y):
    return tuple(rows[y][3 * x:3 * x + 3])


def check_map(name, rows, counts, cell):
    """Every cell uniform; its colour a function of its count; different counts, different colours."""
    colour_of, uniform = {}, True
    for oy, line in enumerate(counts):
        for ox, n in enumerate(line):
            colour = pixel(rows, ox * cell, oy * cell)
            for y in range(oy * cell, (oy + 1) * cell):
                uniform = uniform and rows[y][3 * ox * cell:3 * (ox + 1) * cell] == bytes(colour) * cell
            colour_of.setdefault(n, set()).add(colour)
    check(uniform, "%s: every output pixel is one uniform %dx%d square" % (name, cell, cell))
    check(all(len(c) == 1 for c in colour_of.values()),
          "%s: equal counts, equal colours (%s)" % (name, {n: sorted(c) for n, c in colour_of.items() if len(c) > 1}))
    colours = [next(iter(c)) for c in colour_of.values()]
    check(len(set(colours)) == len(colours), "%s: different counts, different colours" % name)
    check(WHITE not in colours and BLACK not in colours, "%s: no count is drawn white or black" % name)
    return {n: next(iter(c)) for n, c in colour_of.items()}


def check_legend(name, width, height, rows, map_w, map_h, colour_of):
    """White around the map; the bar's top is the most taps' colour, its bottom the fewest's; labels beside it."""
    below = all(rows[y][:3 * map_w] == bytes(WHITE) * map_w for y in range(map_h, height))
    check(below, "%s: white below the map" % name)
    bar_x = next((x for x in range(map_w, width) if any(pixel(rows, x, y) != WHITE for y in range(height))), None)
    check(bar_x is not None and bar_x > map_w, "%s: a colour bar right of the map, after a white gap" % name)
    if bar_x is None:
        return
    column = [pixel(rows, bar_x, y) for y in range(height)]
    drawn = [y for y in range(height) if column[y] != WHITE]
    top, bottom = column[drawn[0]], column[drawn[-1]]
    lo, hi = min(colour_of), max(colour_of)
    check(top == colour_of[hi], "%s: the bar's top %s is the colour of the most taps (%d) %s" % (name, top, hi,
                                                                                                 colour_of[hi]))
    check(bottom == colour_of[lo], "%s: the bar's bottom %s is the colour of the fewest taps (%d) %s" %
          (name, bottom, lo, colour_of[lo]))
    check(drawn == list(range(drawn[0], drawn[-1] + 1)), "%s: the bar is one unbroken column" % name)
    labels = sum(pixel(rows, x, y) == BLACK for y in range(height) for x in range(bar_x, width))
    check(labels > 0, "%s: the bar has labels (black digits)" % name)


def run_case(tconv, tmp, c):
    name = c["name"]
    path = os.path.join(tmp, name + ".png")
    args = tconv_args(c) + ["--png", path] + (["--cell", str(c["cell"])] if "cell" in c else [])
    res = subprocess.run([tconv] + args, capture_output=True, text=True)
    check(res.returncode == 0, "%s: tconv %s exited %d: %s" % (name, " ".join(args), res.returncode, res.stderr))
    if res.returncode:
        return
    counts = brute_counts(c)
    oh, ow = len(counts), len(counts[0])
    m = re.search(r"the map \((\d+)x(\d+), (\d+) per output pixel\)", res.stdout)
    cell = c.get("cell") or (int(m.group(3)) if m else 0)
    check(m is not None and (int(m.group(1)), int(m.group(2))) == (ow * cell, oh * cell),
          "%s: the map is %dx%d output pixels of %d: %s" % (name, ow, oh, cell, res.stdout.splitlines()[-1]))
    width, height, rows = decode(path)
    check(width > ow * cell and height >= oh * cell, "%s: a %dx%d image holds the %dx%d map and a bar" %
          (name, width, height, ow * cell, oh * cell))
    colour_of = check_map(name, rows, counts, cell)
    check_legend(name, width, height, rows, ow * cell, oh * cell, colour_of)
    print("%s: %dx%d output, counts %d..%d, %dx%d PNG of %d bytes" %
          (name, oh, ow, min(colour_of), max(colour_of), width, height, os.path.getsize(path)))


CASES = [
    # seed 002's checkerboard: SAME, the odd crop at the end
    dict(name="seed002", **{"in": (4, 4)}, k=(3, 3), s=(2, 2), d=(1, 1), mode="SAME", out=(8, 8), cell=8),
    # non-square, dilated, cropped asymmetrically (explicit pads), trailing rows from output_padding
    dict(name="dilated-cropped", **{"in": (5, 3)}, k=(3, 2), s=(2, 3), d=(2, 1), mode="EXPLICIT", pads=(1, 0, 2, 1),
         opad=(1, 2), cell=6),
    # holes: 0 taps on two of every three rows and columns
    dict(name="holes", **{"in": (3, 3)}, k=(1, 1), s=(3, 3), d=(1, 1), mode="VALID", out=(9, 9), cell=5),
    # uniform inside, fewer at the edges (1..4)
    dict(name="uniform", **{"in": (4, 4)}, k=(4, 4), s=(2, 2), d=(1, 1), mode="SAME", cell=4),
    # one count everywhere: a one-colour map and bar
    dict(name="one-count", **{"in": (3, 2)}, k=(2, 2), s=(2, 2), d=(1, 1), mode="VALID", cell=3),
    # many counts (1..20), the default cell size
    dict(name="many-counts", **{"in": (6, 7)}, k=(5, 4), s=(1, 2), d=(1, 1), mode="SAME"),
]


def big_map(tconv, tmp):
    """4001x4001 at one pixel per count: compressed, far below the 48 MB the stored writer made."""
    path = os.path.join(tmp, "big.png")
    res = subprocess.run([tconv, "overlap", "conv2d_transpose", "--input-shape", "1,2000,2000,1", "--kernel-size", "3",
                          "--strides", "2", "--padding", "VALID", "--png", path, "--cell", "1"],
                         capture_output=True, text=True)
    check(res.returncode == 0, "4001x4001: exited %d: %s" % (res.returncode, res.stderr))
    if res.returncode:
        return
    size = os.path.getsize(path)
    print("4001x4001 map, --cell 1: %d bytes (%.3f MB; the uncompressed writer made %d)" %
          (size, size / 1e6, UNCOMPRESSED_4001))
    check(size < UNCOMPRESSED_4001 // 100, "4001x4001: %d bytes, want under 1%% of %d" % (size, UNCOMPRESSED_4001))
    width, height, rows = decode(path)
    check((width > 4001, height) == (True, 4001), "4001x4001: image %dx%d" % (width, height))
    # per axis the counts are 1 2 1 2 ... 1 (k 3 over s 2, no crop): the map is their product; every 500th row
    axis = [0] * 4001
    for i in range(2000):
        for t in range(3):
            axis[2 * i + t] += 1
    colour_of, ok = {}, True
    for y in range(0, 4001, 500):
        for x in range(4001):
            colour = pixel(rows, x, y)
            ok = ok and colour_of.setdefault(axis[y] * axis[x], colour) == colour
    check(ok and len(set(colour_of.values())) == len(colour_of), "4001x4001: colours follow the counts")


def main():
    tconv = sys.argv[1]
    with tempfile.TemporaryDirectory() as tmp:
        for c in CASES:
            run_case(tconv, tmp, c)
        big_map(tconv, tmp)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
