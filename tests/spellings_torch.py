#!/usr/bin/python3
"""spellings_torch.py - the PyTorch spellings `tconv shape` prints, checked by PyTorch itself.

    /usr/bin/python3 tests/spellings_torch.py path/to/tconv [--configs N] [--config I] [--seed S]

For random conv2d and conv2d_transpose configurations (non-square sizes, kernels, strides and dilations, groups,
every padding spelling the program takes: SAME, VALID, SAME_LOWER, SAME_UPPER, P, PH,PW, [[t,b],[l,r]],
TensorFlow's 4x2 list, ONNX --pads; --output-shape in both forms and --output-padding for the transposed op),
this script runs `tconv shape ...`, takes every `PyTorch` line it prints (the spelling of the call, and of each
entry of the "every admissible output size" list) and evaluates that exact text with torch: the steps joined by
", then " (F.pad(x, ...), nn.Conv2d(...) / nn.ConvTranspose2d(...), y[...] slices; a "not expressible directly:
<why>; " prefix is dropped and its suggested call and slice are run) are each eval'ed in a namespace holding only
nn, F and the tensor, on a random input of the configured shape. Checks:
  * the output shape is the y shape tconv printed for that line;
  * the values (float64, on float32-exact inputs, weights and bias copied into the module) equal tconv's own
    result on the same tensors (`tconv run` on .npy files, the weight passed as --filter-layout OIHW / IOHW, torch's
    own layouts), within a tolerance from the reduction length as in torch_oracle.py: for the call's spelling of
    every configuration and for one entry of its admissible list;
  * the "<- this call" entry spells the call the same way, and a spelling built from the printed pads / crops
    alone (F.pad + a padding-0 conv; a padding-0 transposed conv with the trailing stretch as output_padding, then
    sliced) agrees too: when a printed spelling fails, that is the right one, and the failure line shows it.
Every failure line carries the exact `tconv shape` command, the printed spelling and what was wrong.
An empty output (a size of 0: TensorFlow's VALID formula gives it when the kernel overhangs by less than a
stride, and a transposed conv's admissible list can include it) is a case of its own: PyTorch's conv modules
refuse to compute one, so tconv spells it as a larger result sliced to nothing, and so does the canonical spelling.

Seed: TCONV_TEST_SEED (default 20261122) or --seed; configuration I draws from its own generator, so --config I
reruns it alone. Last line: `spellings torch: N passed, M failed` (configurations). Exit 0 / 1, or 77 (meson's skip)
if torch or numpy cannot be imported, unless TCONV_REQUIRE_TORCH=1 (then 1).
"""
import argparse
import collections
import os
import random
import re
import subprocess
import sys
import tempfile
import time

np = torch = nn = F = None

DEFAULT_SEED = 20261122
DEFAULT_CONFIGS = 300
U32 = 2.0 ** -24


def import_torch():
    global np, torch, nn, F
    try:
        import numpy
        import torch as torch_
        import torch.nn as nn_
        import torch.nn.functional as functional
    except Exception as e:  # ImportError, or a broken install
        if os.environ.get("TCONV_REQUIRE_TORCH") == "1":
            print("spellings torch: FAILED: cannot import torch/numpy (%s: %s) and TCONV_REQUIRE_TORCH=1" %
                  (type(e).__name__, e))
            sys.exit(1)
        print("spellings torch: skipped: cannot import torch/numpy (%s: %s)" % (type(e).__name__, e))
        sys.exit(77)
    np, torch, nn, F = numpy, torch_, nn_, functional


def tolerance(K, A):
    """torch_oracle.py's: u * min(2*(K+3), 8*sqrt(K+3)) * sum|terms| per element."""
    return U32 * np.minimum(2.0 * (K + 3.0), 8.0 * np.sqrt(K + 3.0)) * A


# ---------------------------------------------------------------------------------------------------------------
# Drawing a configuration as command-line options
# ---------------------------------------------------------------------------------------------------------------
def layout_order(nchw, n, h, w, c):
    return (n, c, h, w) if nchw else (n, h, w, c)


def join(v):
    return ",".join(str(a) for a in v)


def draw(rng, tr):
    """The options of one configuration (without the output size of a transposed conv) and its facts."""
    nchw = rng.random() < 0.5
    u = rng.random()
    if u < 0.45:
        g, ci, co = 1, rng.randint(1, 4), rng.randint(1, 4)
    elif u < 0.75:
        g = rng.randint(2, 3)
        ci, co = g * rng.randint(1, 3), g * rng.randint(1, 3)
    else:
        g = ci = co = rng.randint(2, 5)
    n, h, w = rng.randint(1, 2), rng.randint(1, 9), rng.randint(1, 9)
    kh, kw = rng.randint(1, 5), rng.randint(1, 5)
    sh, sw = rng.randint(1, 3), rng.randint(1, 3)
    if rng.random() < 0.1:   # more than 16 admissible sizes: the list steps height and width together
        sh, sw = rng.randint(4, 6), rng.randint(3, 6)
    dh, dw = rng.choice([1, 1, 1, 2, 3]), rng.choice([1, 1, 1, 2, 3])
    opts = ["--input-shape", join(layout_order(nchw, n, h, w, ci)), "--filters", str(co)]
    opts += ["--kernel-size", str(kh) if kh == kw and rng.random() < 0.5 else join((kh, kw))]
    opts += ["--layout", "NCHW" if nchw else rng.choice(["NHWC", "nhwc"])]
    if g != 1 or rng.random() < 0.3:
        opts += ["--groups", str(g)]
    r = rng.random()
    if sh == sw and r < 0.3:
        opts += ["--strides", str(sh)]
    elif r < 0.7:
        opts += ["--strides", join((sh, sw))]
    else:
        opts += ["--strides", join((1, 1, sh, sw) if nchw else (1, sh, sw, 1))]
    if (dh, dw) != (1, 1) or rng.random() < 0.2:
        opts += ["--dilations", rng.choice([join((dh, dw)), join((1, 1, dh, dw) if nchw else (1, dh, dw, 1))])
                 if (dh != dw or rng.random() < 0.5) else str(dh)]
    t, b, l, r_ = (rng.randint(0, 3) for _ in range(4))
    kind = rng.choice(["SAME", "VALID", "SAME_LOWER", "SAME_UPPER", "P", "PH,PW", "[[t,b],[l,r]]", "TF list",
                       "pads", "none"])
    explicit = True
    if kind in ("SAME", "VALID", "SAME_LOWER", "SAME_UPPER"):
        opts += ["--padding", kind if rng.random() < 0.7 else kind.lower()]
        explicit = False
    elif kind == "P":
        opts += ["--padding", str(t)]
    elif kind == "PH,PW":
        opts += ["--padding", join((t, l))]
    elif kind == "[[t,b],[l,r]]":
        opts += ["--padding", "[[%d,%d],[%d,%d]]" % (t, b, l, r_)]
    elif kind == "TF list":
        pairs = [[0, 0], [t, b], [l, r_], [0, 0]] if not nchw else [[0, 0], [0, 0], [t, b], [l, r_]]
        opts += ["--padding", "[" + ",".join("[%d,%d]" % tuple(pr) for pr in pairs) + "]"]
    elif kind == "pads":
        opts += ["--pads", join((t, l, b, r_))]
    else:
        explicit = False   # no padding option: VALID
    opts += ["--filter-layout", rng.choice(["DEFAULT", "HWIO", "OIHW", "HWOI", "IOHW"])]
    facts = dict(tr=tr, nchw=nchw, n=n, h=h, w=w, ci=ci, co=co, g=g, kh=kh, kw=kw, sh=sh, sw=sw, dh=dh, dw=dw,
                 explicit=explicit, padding_kind=kind)
    return opts, facts


# ---------------------------------------------------------------------------------------------------------------
# Reading `tconv shape`
# ---------------------------------------------------------------------------------------------------------------
RE_Y = re.compile(r"^(conv2d|conv2d_transpose): x \[([-\d,]+)\] -> y \[([-\d,]+)\] \((NHWC|NCHW)\)$")
RE_PADS = re.compile(r"top (-?\d+), bottom (-?\d+), left (-?\d+), right (-?\d+)")
RE_RANGE = re.compile(r"^admissible output sizes: height (\d+)\.\.(\d+), width (\d+)\.\.(\d+)")
RE_ENTRY = re.compile(r"^  out (\d+)x(\d+) \(crop (top -?\d+, bottom -?\d+, left -?\d+, right -?\d+)\)"
                      r"(  <- this call)?$")


class Spelling:
    """One PyTorch line: its text, the y it must give (NCHW), the pads (conv) / crops (transposed) printed with it,
    and where it was printed."""

    def __init__(self, text, yshape, pads, where, this_call=False):
        self.text, self.yshape, self.pads, self.where, self.this_call = text, yshape, pads, where, this_call


def parse_shape(out, tr):
    """The PyTorch spellings of `tconv shape` output, the admissible range (transposed) and how the admissible list
    was printed."""
    lines = out.splitlines()
    m = RE_Y.match(lines[0]) if lines else None
    if not m or (m.group(1) == "conv2d_transpose") != tr:
        raise ValueError("unexpected first line %r" % (lines[0] if lines else ""))
    y = [int(v) for v in m.group(3).split(",")]
    nchw = m.group(4) == "NCHW"
    n, co = y[0], (y[1] if nchw else y[3])
    yshape = (n, co, y[2], y[3]) if nchw else (n, co, y[1], y[2])
    pads, rng_, listing = None, None, "none"
    spellings = []
    section = None
    entry = None
    for line in lines[1:]:
        if line.startswith("padding of x:") or line.startswith("crop of the full result:"):
            pads = tuple(int(v) for v in RE_PADS.search(line).groups())
        elif RE_RANGE.match(line):
            rng_ = tuple(int(v) for v in RE_RANGE.match(line).groups())
        elif line == "spellings of this configuration:":
            section = "call"
        elif line.startswith("every admissible output size"):
            section = "list"
            listing = "stepped together" if "stepped together" in line else "every size"
        elif line.startswith("  ... and ") and section == "list":
            listing += ", cut short"
        elif section == "list" and RE_ENTRY.match(line):
            e = RE_ENTRY.match(line)
            crops = tuple(int(v) for v in RE_PADS.search(e.group(3)).groups())
            entry = ((n, co, int(e.group(1)), int(e.group(2))), crops,
                     "admissible list, out %sx%s" % (e.group(1), e.group(2)), bool(e.group(4)))
        elif section == "call" and line.startswith("  PyTorch     "):
            spellings.append(Spelling(line[len("  PyTorch     "):], yshape, pads, "this configuration", True))
        elif section == "list" and line.startswith("      PyTorch     "):
            if entry is None:
                raise ValueError("a PyTorch line before any list entry")
            spellings.append(Spelling(line[len("      PyTorch     "):], entry[0], entry[1], entry[2], entry[3]))
    if pads is None or not spellings or not spellings[0].where == "this configuration":
        raise ValueError("no pads or no PyTorch spelling of the call")
    return spellings, rng_, listing


# ---------------------------------------------------------------------------------------------------------------
# Evaluating a spelling
# ---------------------------------------------------------------------------------------------------------------
CALL_RE = re.compile(r"(F\.pad\(|nn\.Conv2d\(|nn\.ConvTranspose2d\()")


def steps_of(text):
    """The steps of a printed spelling (its call and what surrounds it), or raises ValueError."""
    if text.startswith("not expressible:"):
        raise ValueError("PyTorch spelled as not expressible at all (PyTorch expresses every configuration with "
                         "F.pad, a conv and a slice)")
    m = CALL_RE.search(text)
    if not m:
        raise ValueError("no call found")
    if m.start() and not text.startswith("not expressible directly: "):
        raise ValueError("unexpected text before the call: %r" % text[:m.start()])
    return text[m.start():].split(", then ")


def evaluate(steps, x, params):
    """Runs the steps on x (NCHW float64): F.pad(x, ...) before the conv, the conv module (its weight and bias filled
    by params(module)), then F.pad(y, ...) or y[...] after it. Returns y."""
    y = None
    for step in steps:
        ns = {"__builtins__": {}, "nn": nn, "F": F, "x": x, "y": y}
        if step.startswith("F.pad(x,") and y is None:
            x = eval(step, ns)
        elif step.startswith("nn.Conv2d(") or step.startswith("nn.ConvTranspose2d("):
            if y is not None:
                raise ValueError("a second conv: %r" % step)
            mod = eval(step, ns).double()
            params(mod)
            with torch.no_grad():
                y = mod(x)
        elif (step.startswith("y[") or step.startswith("F.pad(y,")) and y is not None:
            y = eval(step, ns)
        else:
            raise ValueError("unrecognised step, or one out of order: %r" % step)
    if y is None:
        raise ValueError("no conv in the spelling")
    return y


def canonical_steps(f, sp):
    """The spelling of the same op built from the printed pads / crops alone: conv2d F.pad then a padding-0
    nn.Conv2d; conv2d_transpose a padding-0 nn.ConvTranspose2d (the full result), its output_padding the trailing
    positions past it (a negative end crop: bias only; always < max(stride, dilation) for an admissible size),
    then the slice."""
    t, b, l, r = sp.pads
    tail = "stride=(%d,%d), dilation=(%d,%d), groups=%d)" % (f["sh"], f["sw"], f["dh"], f["dw"], f["g"])
    oh, ow = sp.yshape[2], sp.yshape[3]
    if not f["tr"]:
        # PyTorch refuses an empty output: on an empty axis, pad the input up to one window, slice to nothing
        ih, iw = f["h"], f["w"]
        keh, kew = f["dh"] * (f["kh"] - 1) + 1, f["dw"] * (f["kw"] - 1) + 1
        b2 = b + (max(0, keh - (ih + t + b)) if oh == 0 else 0)
        r2 = r + (max(0, kew - (iw + l + r)) if ow == 0 else 0)
        return ["F.pad(x, (%d, %d, %d, %d))" % (l, r2, t, b2),
                "nn.Conv2d(%d, %d, (%d,%d), padding=0, %s" % (f["ci"], f["co"], f["kh"], f["kw"], tail),
                "y[:, :, 0:%d, 0:%d]" % (oh, ow)]
    return ["nn.ConvTranspose2d(%d, %d, (%d,%d), padding=0, output_padding=(%d,%d), %s" %
            (f["ci"], f["co"], f["kh"], f["kw"], max(0, -b) if oh else 0, max(0, -r) if ow else 0, tail),
            "y[:, :, %d:%d, %d:%d]" % (t, t + oh, l, l + ow)]


# ---------------------------------------------------------------------------------------------------------------
# One configuration
# ---------------------------------------------------------------------------------------------------------------
class Config:
    def __init__(self, args, index, tmp, stats):
        self.args, self.index, self.tmp, self.stats = args, index, tmp, stats
        self.failures = []
        self.cmd = None

    def line(self, what, check, msg, sp=None):
        where = " | %s: %s" % (sp.where, sp.text) if sp is not None else ""
        return ("%s seed=%d config=%d check=%s: %s%s | command: %s | rerun: TCONV_TEST_SEED=%d /usr/bin/python3 %s %s "
                "--config %d" % (what, self.args.seed, self.index, check, msg, where, " ".join(self.cmd or []),
                                 self.args.seed, self.args.argv0, self.args.tconv, self.index))

    def fail(self, check, msg, sp=None):
        self.failures.append(self.line("FAIL", check, msg, sp))

    def tconv(self, argv):
        return subprocess.run([self.args.tconv] + argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def draw(self):
        """A configuration tconv accepts with a non-empty output: (options, facts, shape output)."""
        rng = random.Random("%d:spell:%d" % (self.args.seed, self.index))
        tr = self.index % 2 == 1
        op = "conv2d_transpose" if tr else "conv2d"
        for _ in range(200):
            opts, f = draw(rng, tr)
            r = self.tconv(["shape", op] + opts)
            if r.returncode != 0:
                self.stats["redrawn (tconv refuses)"] += 1
                continue
            if tr:
                # an output size: Keras's default, TF's output_shape (H,W or N,H,W,C), or PyTorch's output_padding
                _, rng_, _ = parse_shape(r.stdout, tr)
                u = rng.random()
                if u < 0.4:
                    oh, ow = rng.randint(rng_[0], rng_[1]), rng.randint(rng_[2], rng_[3])
                    if rng.random() < 0.5:
                        opts += ["--output-shape", join((oh, ow))]
                    else:
                        opts += ["--output-shape", join(layout_order(f["nchw"], f["n"], oh, ow, f["co"]))]
                    f["size"] = "output-shape"
                elif u < 0.7 and f["explicit"]:
                    oph = rng.randint(0, max(f["sh"], f["dh"]) - 1)
                    opw = rng.randint(0, max(f["sw"], f["dw"]) - 1)
                    opts += ["--output-padding", join((oph, opw)) if oph != opw or rng.random() < 0.5 else str(oph)]
                    f["size"] = "output-padding"
                else:
                    f["size"] = "default"
                r = self.tconv(["shape", op] + opts)
                if r.returncode != 0:
                    self.cmd = [self.args.tconv, "shape", op] + opts
                    self.fail("shape", "tconv shape refuses an output size in its own admissible range: %s" %
                              r.stderr.strip())
                    return None
            spellings, _, _ = parse_shape(r.stdout, tr)
            if min(spellings[0].yshape) < 1 and rng.random() < 0.75:   # keep a few empty outputs
                self.stats["redrawn (empty output)"] += 1
                continue
            self.cmd = [self.args.tconv, "shape", op] + opts
            return op, opts, f, r.stdout
        raise RuntimeError("no admissible configuration in 200 draws")

    def run_tconv(self, op, opts, f, sp, x, wt, bias):
        """tconv's own y (NCHW float64) for the size of spelling sp, via `tconv run` on .npy files."""
        keep, skip = [], {"--input-shape", "--kernel-size", "--filters", "--filter-layout", "--output-shape",
                          "--output-padding"}
        i = 0
        while i < len(opts):
            if opts[i] in skip:
                i += 2
                continue
            keep.append(opts[i])
            i += 1
        if f["tr"]:
            keep += ["--output-shape", join(sp.yshape[2:])]
        nchw = f["nchw"]
        xa = x.numpy() if nchw else x.permute(0, 2, 3, 1).numpy()
        paths = [os.path.join(self.tmp, "%s%d.npy" % (k, self.index)) for k in "xwby"]
        np.save(paths[0], np.ascontiguousarray(xa, dtype=np.float32))
        np.save(paths[1], wt.numpy().astype(np.float32))
        np.save(paths[2], bias.numpy().astype(np.float32))
        argv = ["run", op, "-x", paths[0], "-w", paths[1], "-b", paths[2], "--filter-layout",
                "IOHW" if f["tr"] else "OIHW", "-o", paths[3]] + keep
        r = self.tconv(argv)
        if r.returncode != 0:
            raise RuntimeError("tconv %s: %s" % (" ".join(argv), r.stderr.strip()))
        y = torch.from_numpy(np.load(paths[3]).astype(np.float64))
        for p_ in paths:
            os.unlink(p_)
        return y if nchw else y.permute(0, 3, 1, 2)

    def run(self):
        drawn = self.draw()
        if drawn is None:
            return
        op, opts, f, out = drawn
        spellings, _, listing = parse_shape(out, f["tr"])
        self.stats["cover"]["op:" + op] += 1
        if f["tr"]:
            self.stats["cover"]["admissible list:" + listing] += 1
        self.stats["cover"]["PyTorch call:" + ("not expressible directly" if spellings[0].text.startswith(
            "not expressible directly") else "F.pad, then nn.Conv2d" if spellings[0].text.startswith("F.pad")
            else spellings[0].text.split("(", 1)[0])] += 1
        self.stats["cover"]["padding option:" + f["padding_kind"]] += 1
        if f["tr"]:
            self.stats["cover"]["transposed size:" + f["size"]] += 1
        self.stats["cover"]["layout:" + ("NCHW" if f["nchw"] else "NHWC")] += 1
        self.stats["cover"]["groups:" + ("1" if f["g"] == 1 else "depthwise" if f["g"] == f["ci"] == f["co"]
                                         else "grouped")] += 1
        self.stats["cover"]["stride:" + (">1" if f["sh"] > 1 or f["sw"] > 1 else "1")] += 1
        self.stats["cover"]["dilation:" + (">1" if f["dh"] > 1 or f["dw"] > 1 else "1")] += 1
        ns = []
        for a, (p, q) in (("in", ("h", "w")), ("kernel", ("kh", "kw")), ("stride", ("sh", "sw")),
                          ("dilation", ("dh", "dw"))):
            if f[p] != f[q]:
                ns.append(a)
        y0 = spellings[0].yshape
        if y0[2] != y0[3]:
            ns.append("out")
        self.stats["cover"]["non-square:" + ("any" if ns else "none")] += 1

        rng = random.Random("%d:spell:%d:data" % (self.args.seed, self.index))
        nrng = np.random.default_rng([self.args.seed, self.index])

        def rnd(*shape):
            return torch.from_numpy(nrng.uniform(-1, 1, size=shape).astype(np.float32).astype(np.float64))

        x = rnd(f["n"], f["ci"], f["h"], f["w"])
        wshape = (f["ci"], f["co"] // f["g"], f["kh"], f["kw"]) if f["tr"] else \
            (f["co"], f["ci"] // f["g"], f["kh"], f["kw"])
        wt, bias = rnd(*wshape), rnd(f["co"])

        def setter(w_, b_):
            def params(mod):
                if tuple(mod.weight.shape) != wshape:
                    raise ValueError("the module's weight is %s, the configuration's %s" %
                                     (tuple(mod.weight.shape), wshape))
                with torch.no_grad():
                    mod.weight.copy_(w_)
                    if b_ is None:
                        mod.bias.zero_()
                    else:
                        mod.bias.copy_(b_)
            return params

        listed = [sp for sp in spellings if sp.where != "this configuration"]
        valued = {0} | ({spellings.index(rng.choice(listed))} if listed else set())
        for k, sp in enumerate(spellings):
            self.stats["checks"]["PyTorch lines" + (" (admissible list)" if k else " (the call)")] += 1
            if sp.text.startswith("not expressible directly"):
                self.stats["checks"]["'not expressible directly' lines"] += 1
            if k and sp.this_call and sp.text != spellings[0].text:
                self.fail("this-call", "the '<- this call' entry spells the call differently from the call's line: "
                          "%s" % spellings[0].text, sp)
            try:
                steps = steps_of(sp.text)
                y = evaluate(steps, x, setter(wt, bias))
            except Exception as e:
                msg = "evaluating the spelling raised %s: %s%s" % (type(e).__name__, str(e).strip(),
                                                                    self.right(f, sp, x, setter(wt, bias)))
                self.fail("eval", msg, sp)
                continue
            if tuple(y.shape) != sp.yshape:
                self.fail("shape", "the spelling gives y %s (NCHW), tconv printed %s%s" %
                          (list(y.shape), list(sp.yshape), self.right(f, sp, x, setter(wt, bias))), sp)
                continue
            self.stats["checks"]["shapes agree"] += 1
            # the spelling built from the printed pads / crops must give the same y (both are torch, float64)
            try:
                yc = evaluate(canonical_steps(f, sp), x, setter(wt, bias))
            except Exception as e:
                self.fail("canonical", "the spelling from the printed pads raised %s: %s" % (type(e).__name__, e), sp)
                continue
            if tuple(yc.shape) != sp.yshape or not torch.allclose(yc, y, rtol=1e-12, atol=1e-12):
                self.fail("canonical", "the spelling disagrees with %s (from the printed pads / crops): shape %s, "
                          "max |diff| %s" % (", then ".join(canonical_steps(f, sp)), list(yc.shape),
                                             (yc - y).abs().max().item() if yc.shape == y.shape else "-"), sp)
                continue
            self.stats["checks"]["spelling = pads/crops printed"] += 1
            if k not in valued or 0 in sp.yshape:
                continue
            try:
                got = self.run_tconv(op, opts, f, sp, x, wt, bias)
            except Exception as e:
                self.fail("tconv-run", str(e), sp)
                continue
            A = evaluate(steps, x.abs(), setter(wt.abs(), bias.abs()))
            K = evaluate(steps, torch.ones_like(x), setter(torch.ones_like(wt), None))
            if tuple(got.shape) != sp.yshape:
                self.fail("values", "tconv run gives y %s, tconv shape printed %s" % (list(got.shape),
                                                                                      list(sp.yshape)), sp)
                continue
            err = (got - y).abs().numpy()
            tol = tolerance(K.numpy(), A.numpy())
            bad = ~(err <= tol)
            self.stats["checks"]["values = tconv run"] += 1
            if bad.any():
                j = int(np.argmax(np.where(bad, err - tol, -np.inf)))
                at = list(np.unravel_index(j, err.shape))
                self.fail("values", "%d of %d elements differ from tconv's; worst at NCHW %s: torch %.9g, tconv %.9g "
                          "(tol %.3g)" % (int(bad.sum()), bad.size, at, y.numpy().ravel()[j], got.numpy().ravel()[j],
                                          tol.ravel()[j]), sp)
            else:
                r = float(np.max(np.where(tol > 0, err / np.where(tol > 0, tol, 1), 0)))
                if r > self.stats["worst"][0]:
                    self.stats["worst"] = [r, "config %d, %s" % (self.index, sp.where)]

    def right(self, f, sp, x, params):
        """The right spelling, for a failure line: the one from the printed pads / crops, if it gives tconv's y."""
        try:
            steps = canonical_steps(f, sp)
            yc = evaluate(steps, x, params)
            if tuple(yc.shape) == sp.yshape:
                return "; a spelling that gives it: " + ", then ".join(steps)
        except Exception:
            pass
        return ""


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("tconv", help="path to the tconv program")
    ap.add_argument("--configs", type=int, default=DEFAULT_CONFIGS, help="random configurations (default "
                    "%(default)s, half conv2d, half conv2d_transpose)")
    ap.add_argument("--config", type=int, default=None, help="run only configuration I of this seed")
    ap.add_argument("--seed", type=lambda s: int(s, 0), default=None, help="overrides TCONV_TEST_SEED")
    args = ap.parse_args()
    if args.seed is None:
        env = os.environ.get("TCONV_TEST_SEED", "")
        args.seed = int(env, 0) if env else DEFAULT_SEED
    args.argv0 = sys.argv[0] if os.path.isabs(sys.argv[0]) else os.path.relpath(os.path.abspath(sys.argv[0]))
    import_torch()
    torch.set_num_threads(1)
    torch.manual_seed(args.seed)   # the modules' own initialisation, overwritten anyway
    indices = [args.config] if args.config is not None else list(range(args.configs))
    print("spellings torch: seed %d (TCONV_TEST_SEED overrides), %d configurations, %s" %
          (args.seed, len(indices), args.tconv), flush=True)
    t0 = time.time()
    stats = {"cover": collections.Counter(), "checks": collections.Counter(), "worst": [0.0, ""],
             "redrawn (tconv refuses)": 0, "redrawn (empty output)": 0}
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="tconv-spell-") as tmp:
        for i in indices:
            c = Config(args, i, tmp, stats)
            try:
                c.run()
            except Exception as e:  # a bug of this script must not pass silently
                c.fail("exception", "%s: %s" % (type(e).__name__, e))
            for line in c.failures[:4]:
                print(line)
            if len(c.failures) > 4:
                print("     (config %d: %d more failed checks)" % (i, len(c.failures) - 4))
            if c.failures:
                failed += 1
            else:
                passed += 1
    groups = collections.OrderedDict()
    for k in sorted(stats["cover"]):
        head, item = k.split(":", 1)
        groups.setdefault(head, []).append("%s %d" % (item, stats["cover"][k]))
    print("coverage (torch %s, numpy %s; %.1f s; redrawn: %d refused by tconv, %d with an empty output):" %
          (torch.__version__, np.__version__, time.time() - t0, stats["redrawn (tconv refuses)"],
           stats["redrawn (empty output)"]))
    for head, items in groups.items():
        print("  %-18s %s" % (head, ", ".join(items)))
    print("  %-18s %s" % ("checks", ", ".join("%s %d" % kv for kv in sorted(stats["checks"].items()))))
    print("  %-18s %.3g of the tolerance (%s)" % ("largest |err|", stats["worst"][0], stats["worst"][1]))
    print("spellings torch: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
