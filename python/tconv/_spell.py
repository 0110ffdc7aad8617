"""_spell.py - how TensorFlow, Keras, PyTorch and ONNX spell one resolved call (tconv.geometry's
"spellings"), from its per-axis geometry: input size, kernel, stride, dilation, the padding (conv) or crop
(transposed) before and after, and the output size. The rules are conventions.md's (and the tconv
program's `shape`): where a framework cannot say it directly, the spelling adds the pad or slice it needs.
"""

_TF_RANK = {1: "1d", 2: "2d", 3: "3d"}


def _t(v):
    return "(" + ",".join(str(i) for i in v) + ("," if len(v) == 1 else "") + ")"


def _l(v):
    return "[" + ",".join(str(i) for i in v) + "]"


def _keras_pairs(before, after):
    """Keras's ZeroPadding / Cropping argument: (b, a) in 1-D, ((b, a), ...) per axis otherwise."""
    if len(before) == 1:
        return _t([before[0], after[0]])
    return "(" + ",".join(_t([b, a]) for b, a in zip(before, after)) + ")"


def _slices(rank, lo, hi, channels_last):
    s = ["%d:%d" % (a, b) for a, b in zip(lo, hi)]
    return "y[:, " + ", ".join(s) + ", :]" if channels_last else "y[:, :, " + ", ".join(s) + "]"


def spell(op, mode, rank, n, cin, cout, groups, size, kernel, stride, dil, before, after, out, channels_last):
    """mode: 'SAME', 'VALID', 'SAME_LOWER' or 'EXPLICIT' (what the call was given). Returns a dict of strings."""
    tr = op == "conv_transpose"
    ke = [(k - 1) * d + 1 for k, d in zip(kernel, dil)]
    spatial = "DHW"[3 - rank:] if rank > 1 else "W"
    fmt_tf = ("N" + spatial + "C") if channels_last else ("NC" + spatial)
    sp = {}
    tf_strides = _l([1] + list(stride) + [1]) if channels_last else _l([1, 1] + list(stride))
    dil_arg = "" if all(d == 1 for d in dil) else ", dilations=%s" % _l(dil)
    df = "" if channels_last else ", data_format='%s'" % fmt_tf
    tf_pad_list = ([[0, 0]] + [[b, a] for b, a in zip(before, after)] + [[0, 0]]) if channels_last else \
        ([[0, 0], [0, 0]] + [[b, a] for b, a in zip(before, after)])
    tf_mode = mode if mode in ("SAME", "VALID") else None
    if not tr:
        # ---- conv
        pad = "'%s'" % tf_mode if tf_mode else str(tf_pad_list).replace(" ", "")
        sp["tensorflow"] = "tf.nn.convolution(x, w, strides=%s, padding=%s%s%s)" % (
            _l(stride), pad, dil_arg, df)
        kname = "Conv%dD" % rank
        kdil = "" if all(d == 1 for d in dil) else ", dilation_rate=%s" % _t(dil)
        kgroups = "" if groups == 1 else ", groups=%d" % groups
        if tf_mode:
            sp["keras"] = "%s(%d, %s, strides=%s, padding='%s'%s%s)" % (kname, cout, _t(kernel), _t(stride),
                                                                       tf_mode.lower(), kdil, kgroups)
        else:
            zp = "ZeroPadding%dD(%s)" % (rank, _keras_pairs(before, after))
            sp["keras"] = "%s, then %s(%d, %s, strides=%s, padding='valid'%s%s)" % (
                zp, kname, cout, _t(kernel), _t(stride), kdil, kgroups)
        tn = "nn.Conv%dd(%d, %d, %s, stride=%s, padding=%%s, dilation=%s, groups=%d)" % (
            rank, cin, cout, _t(kernel), _t(stride), _t(dil), groups)
        if all(b == a for b, a in zip(before, after)):
            sp["pytorch"] = tn % _t(before)
        else:  # F.pad takes the last axis first
            pads = []
            for b, a in reversed(list(zip(before, after))):
                pads += [b, a]
            sp["pytorch"] = "F.pad(x, %s), then %s" % (_t(pads), tn % _t([0] * rank))
        sp["onnx"] = "Conv pads=%s strides=%s dilations=%s group=%d" % (_l(list(before) + list(after)), _l(stride),
                                                                        _l(dil), groups)
        return sp
    # ---- transposed: before/after are crops of the full result F = (in - 1) * s + ke (after < 0: extended)
    full = [(i - 1) * s + k for i, s, k in zip(size, stride, ke)]
    oshape = ([n] + list(out) + [cout]) if channels_last else ([n, cout] + list(out))
    if tf_mode or rank == 2:
        pad = "'%s'" % tf_mode if tf_mode else str(tf_pad_list).replace(" ", "")
        sp["tensorflow"] = "tf.nn.conv%s_transpose(x, w, output_shape=%s, strides=%s, padding=%s%s%s)" % (
            _TF_RANK[rank], _l(oshape), tf_strides if rank == 2 else _l(stride), pad, dil_arg, df)
    elif all(a >= 0 for a in after):  # TF's 1-D / 3-D transposes take SAME / VALID only: VALID, then a slice
        vshape = ([n] + full + [cout]) if channels_last else ([n, cout] + full)
        sp["tensorflow"] = "tf.nn.conv%s_transpose(x, w, output_shape=%s, strides=%s, padding='VALID'%s%s), then %s" % (
            _TF_RANK[rank], _l(vshape), _l(stride), dil_arg, df,
            _slices(rank, before, [b + o for b, o in zip(before, out)], channels_last))
    else:
        sp["tensorflow"] = "not expressible: the output extends past the full result, which TF's %s transpose " \
                           "cannot with SAME or VALID" % _TF_RANK[rank]
    # Keras: SAME / VALID with output_padding (< stride), or VALID + CroppingND
    kname = "Conv%dDTranspose" % rank
    kdil = "" if all(d == 1 for d in dil) else ", dilation_rate=%s" % _t(dil)
    if tf_mode:
        if tf_mode == "SAME":
            base = [(i - 1) * s + k - 2 * (k // 2) for i, s, k in zip(size, stride, kernel)]
        else:
            base = [(i - 1) * s + k for i, s, k in zip(size, stride, kernel)]
        default = [i * s for i, s in zip(size, stride)] if tf_mode == "SAME" else \
            [i * s + max(k - s, 0) for i, s, k in zip(size, stride, ke)]  # Keras's, output_padding=None
        ops = [o - b for o, b in zip(out, base)]
        if list(out) == default:
            sp["keras"] = "%s(%d, %s, strides=%s, padding='%s'%s)" % (kname, cout, _t(kernel), _t(stride),
                                                                     tf_mode.lower(), kdil)
        elif all(0 <= o < s for o, s in zip(ops, stride)) and all(d == 1 for d in dil):
            sp["keras"] = "%s(%d, %s, strides=%s, padding='%s', output_padding=%s)" % (
                kname, cout, _t(kernel), _t(stride), tf_mode.lower(), _t(ops))
        else:
            sp["keras"] = None
    else:
        sp["keras"] = None
    if sp["keras"] is None:
        if all(a >= 0 for a in after):
            crop = "Cropping%dD(%s)" % (rank, _keras_pairs(before, after))
            sp["keras"] = "%s(%d, %s, strides=%s, padding='valid'%s), then %s" % (
                kname, cout, _t(kernel), _t(stride), kdil, crop)
        else:
            sp["keras"] = "not expressible: the output extends past the full result"
    # PyTorch: crop p at the start and p - output_padding at the end, 0 <= output_padding < max(stride, dilation)
    tn = "nn.ConvTranspose%dd(%d, %d, %s, stride=%s, padding=%%s, output_padding=%%s, dilation=%s, groups=%d)" % (
        rank, cin, cout, _t(kernel), _t(stride), _t(dil), groups)
    ops = [b - a for b, a in zip(before, after)]
    if all(0 <= o < max(s, d) for o, s, d in zip(ops, stride, dil)):
        sp["pytorch"] = tn % (_t(before), _t(ops))
    elif all(a >= 0 for a in after):
        p = [min(b, a) for b, a in zip(before, after)]  # crop p on both sides, then slice the rest
        lo = [b - pp for b, pp in zip(before, p)]
        sp["pytorch"] = "%s, then %s" % (tn % (_t(p), _t([0] * rank)),
                                         _slices(rank, lo, [l + o for l, o in zip(lo, out)], False))
    else:
        sp["pytorch"] = "not expressible: the output extends past the full result by more than output_padding allows"
    pe = [max(a, 0) for a in after]
    opad = [max(-a, 0) for a in after]
    sp["onnx"] = "ConvTranspose pads=%s output_padding=%s strides=%s dilations=%s group=%d" % (
        _l(list(before) + pe), _l(opad), _l(stride), _l(dil), groups)
    return sp
