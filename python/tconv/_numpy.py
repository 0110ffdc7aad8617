"""_numpy.py - tconv's ops on NumPy arrays, every rank (1-D, 2-D, 3-D), TensorFlow's argument names.

The rank is x's (or dy's) number of dimensions minus 2. Arrays are taken as float32 in C order: float64 is
converted as the tconv program converts .npy files, and so are float16 and integers; complex and other
dtypes are refused. The
filter's shape is checked against the parameters before the library reads it. Every failure of the
library raises a tconv.Error subclass carrying its message (the bad-shape ones are ValueErrors).
"""
import ctypes

import numpy as np

from . import _lib, _spell

_LAYOUTS = {1: ("NWC", "NCW"), 2: ("NHWC", "NCHW"), 3: ("NDHWC", "NCDHW")}
_SPATIAL = {1: "W", 2: "HW", 3: "DHW"}
_FILTERS = ("HWIO", "OIHW", "HWOI", "IOHW")  # enum tconv_filter_layout 1..4; DEFAULT (0) is TF's for the op
_PADDINGS = {"VALID": 0, "SAME": 1, "SAME_LOWER": 2}
_ALGORITHMS = {"auto": 0, "gemm": 1, "subpixel": 2, "direct": 3}
_OP = {"conv": 0, "conv_transpose": 1}  # TCONV_OP_CONV / TCONV_OP_CONV_TRANSPOSE


def _float32(a, name):
    a = np.asarray(a)
    if a.dtype.kind not in "fiub":
        raise TypeError("tconv: %s has dtype %s; tconv computes in float32 and converts real numbers (float64, "
                        "float16, integers) to it" % (name, a.dtype))
    return np.ascontiguousarray(a, dtype=np.float32)


def _ptr(a):
    return None if a is None else a.ctypes.data


def _layout(rank, data_format):
    if data_format is None or data_format == "channels_last":
        return 0
    if data_format == "channels_first":
        return 1
    names = _LAYOUTS[rank]
    if data_format in names:
        return names.index(data_format)
    raise _lib.InvalidArgumentError(
        "tconv: data_format = %r is not a %d-D layout: %s, %s, 'channels_last' or 'channels_first'"
        % (data_format, rank, names[0], names[1])
    )


def _filter_layout(rank, filter_format):
    """The enum value and the format's letters for this rank (DEFAULT: TF's, resolved by the caller)."""
    if filter_format is None:
        return 0
    for i, f in enumerate(_FILTERS):
        if filter_format in (f, f.replace("HW", _SPATIAL[rank])):
            return i + 1
    allowed = ", ".join(f.replace("HW", _SPATIAL[rank]) for f in _FILTERS)
    raise _lib.InvalidArgumentError("tconv: filter_format = %r is not a %d-D filter layout: %s" % (filter_format, rank, allowed))


def _per_axis(value, rank, name, channels_last, allow_zero=False):
    """An int, rank ints, or TensorFlow's rank + 2 form (1 at batch and channels)."""
    if value is None:
        return None
    if np.isscalar(value):
        v = [int(value)] * rank
    else:
        v = [int(s) for s in value]
        if len(v) == rank + 2:
            ends = (v[0], v[-1]) if channels_last else (v[0], v[1])
            if ends != (1, 1):
                raise _lib.InvalidArgumentError(
                    "tconv: %s = %r: the %d-value form must be 1 at batch and channels" % (name, value, rank + 2)
                )
            v = v[1:-1] if channels_last else v[2:]
        elif len(v) != rank:
            raise _lib.InvalidArgumentError(
                "tconv: %s = %r has %d values; a %d-D op takes 1, %d or %d" % (name, value, len(v), rank, rank, rank + 2)
            )
    return v


def _padding(p, rank, padding, channels_last):
    """'VALID' | 'SAME' | 'SAME_LOWER' | an int | rank ints | [(before, after)] per axis (or TF's rank + 2 pairs)."""
    if isinstance(padding, str):
        mode = _PADDINGS.get(padding.upper())
        if mode is None:
            raise _lib.InvalidArgumentError(
                "tconv: padding = %r is not 'SAME', 'VALID', 'SAME_LOWER', an int or (before, after) pairs" % padding
            )
        p.padding = mode
        return
    p.padding = 3  # EXPLICIT
    if np.isscalar(padding):
        pairs = [(int(padding), int(padding))] * rank
    else:
        items = list(padding)
        if all(np.isscalar(i) for i in items):
            if len(items) != rank:
                raise _lib.InvalidArgumentError("tconv: padding = %r: give %d values, one per axis" % (padding, rank))
            pairs = [(int(i), int(i)) for i in items]
        else:
            pairs = [tuple(int(e) for e in i) for i in items]
            if len(pairs) == rank + 2:  # TF's explicit form: zero pairs at batch and channels
                ends = (pairs[0], pairs[-1]) if channels_last else (pairs[0], pairs[1])
                if ends != ((0, 0), (0, 0)):
                    raise _lib.InvalidArgumentError(
                        "tconv: padding = %r: the %d-pair form must be (0, 0) at batch and channels" % (padding, rank + 2)
                    )
                pairs = pairs[1:-1] if channels_last else pairs[2:]
            if len(pairs) != rank or any(len(q) != 2 for q in pairs):
                raise _lib.InvalidArgumentError(
                    "tconv: padding = %r: give %d (before, after) pairs, one per axis" % (padding, rank)
                )
    for a, (before, after) in enumerate(pairs):
        p.pad_before[a], p.pad_after[a] = before, after


def _filter_axes(rank, transposed, layout_enum):
    """Where each spatial axis, I and O sit in the filter's shape."""
    name = _FILTERS[layout_enum - 1] if layout_enum else ("HWOI" if transposed else "HWIO")
    order = name.replace("HW", "S" * rank)
    spatial = [i for i, ch in enumerate(order) if ch == "S"]
    return spatial, order.index("I"), order.index("O"), name.replace("HW", _SPATIAL[rank])


class _Call:
    """The struct tconv_nd_params of one call, built from arrays' shapes and TF-style arguments."""

    def __init__(self, op, rank, x_shape, filter_shape, kw):
        self.op, self.rank = op, rank
        self.transposed = op == "conv_transpose"
        p = _lib.NdParams()
        _lib.lib.tconv_nd_params_init(ctypes.byref(p), rank)
        p.layout = _layout(rank, kw.get("data_format"))
        channels_last = p.layout == 0
        p.filter_layout = _filter_layout(rank, kw.get("filter_format"))
        if len(x_shape) != rank + 2:
            raise _lib.ShapeMismatchError("tconv: x has shape %s; a %d-D op takes %d dimensions" % (tuple(x_shape), rank, rank + 2))
        p.batch = x_shape[0]
        p.in_channels = x_shape[-1] if channels_last else x_shape[1]
        spatial_x = x_shape[1:-1] if channels_last else x_shape[2:]
        for a in range(rank):
            p.in_[a] = spatial_x[a]
        p.groups = int(kw.get("groups", 1) or 1)
        if len(filter_shape) != rank + 2:
            raise _lib.ShapeMismatchError(
                "tconv: the filter has shape %s; a %d-D op takes %d dimensions" % (tuple(filter_shape), rank, rank + 2)
            )
        spatial, i_axis, o_axis, fname = _filter_axes(rank, self.transposed, p.filter_layout)
        for a, s in enumerate(spatial):
            p.kernel[a] = filter_shape[s]
        o = filter_shape[o_axis]
        p.out_channels = o * p.groups if self.transposed else o
        for name, field in (("strides", "stride"), ("dilations", "dilation")):
            v = _per_axis(kw.get(name), rank, name, channels_last)
            if v is not None:
                for a in range(rank):
                    getattr(p, field)[a] = v[a]
        _padding(p, rank, kw.get("padding", "VALID"), channels_last)
        op_pad = _per_axis(kw.get("output_padding"), rank, "output_padding", channels_last)
        if op_pad is not None:
            for a in range(rank):
                p.output_padding[a] = op_pad[a]
        out = kw.get("output_shape")
        if out is not None:
            out = [int(s) for s in out]
            if len(out) == rank + 2:
                out = out[1:-1] if channels_last else out[2:]
            elif len(out) != rank:
                raise _lib.ShapeMismatchError(
                    "tconv: output_shape = %r has %d values; give the %d spatial sizes or all %d dimensions"
                    % (kw.get("output_shape"), len(out), rank, rank + 2)
                )
            for a in range(rank):
                p.out[a] = out[a]
        act = kw.get("activation")
        if act not in (None, "relu", "none"):
            raise _lib.InvalidArgumentError("tconv: activation = %r is not None or 'relu'" % (act,))
        p.activation = 1 if act == "relu" else 0
        self.p = p
        self.channels_last = channels_last
        # the filter's shape must be the parameters' exactly: the library reads as many floats as they say
        want = [0] * (rank + 2)
        for a, s in enumerate(spatial):
            want[s] = p.kernel[a]
        want[i_axis] = p.in_channels if self.transposed else p.in_channels // max(p.groups, 1)
        want[o_axis] = o
        if p.groups >= 1 and p.in_channels % p.groups == 0 and tuple(want) != tuple(filter_shape):
            raise _lib.ShapeMismatchError(
                "tconv: the filter has shape %s; a %s %s filter for in_channels = %d, groups = %d has %s"
                % (tuple(filter_shape), op, fname, p.in_channels, p.groups, tuple(want))
            )
        self.filter_shape = tuple(filter_shape)
        opt = _lib.Options()
        _lib.lib.tconv_options_init(ctypes.byref(opt))
        threads = kw.get("threads")
        opt.num_threads = 0 if threads is None else int(threads)
        algo = kw.get("algorithm") or "auto"
        if algo not in _ALGORITHMS:
            raise _lib.InvalidArgumentError("tconv: algorithm = %r is not one of %s" % (algo, ", ".join(_ALGORITHMS)))
        opt.algorithm = _ALGORITHMS[algo]
        self.opt = opt

    def geometry(self):
        g = _lib.NdGeometry()
        fn = _lib.lib.tconv_convnd_transpose_geometry if self.transposed else _lib.lib.tconv_convnd_geometry
        _lib.check(fn(ctypes.byref(self.p), ctypes.byref(g)))
        return g

    def y_shape(self, g):
        spatial = [g.out[a] for a in range(self.rank)]
        n, c = self.p.batch, self.p.out_channels
        return tuple([n] + spatial + [c]) if self.channels_last else tuple([n, c] + spatial)

    def x_shape(self):
        spatial = [self.p.in_[a] for a in range(self.rank)]
        n, c = self.p.batch, self.p.in_channels
        return tuple([n] + spatial + [c]) if self.channels_last else tuple([n, c] + spatial)


def _rank(a, name):
    if a.ndim not in (3, 4, 5):
        raise _lib.ShapeMismatchError("tconv: %s has %d dimensions; 1-D, 2-D and 3-D ops take 3, 4 or 5" % (name, a.ndim))
    return a.ndim - 2


def _bias(b, out_channels):
    if b is None:
        return None
    b = _float32(b, "b")
    if b.shape != (out_channels,):
        raise _lib.ShapeMismatchError("tconv: b has shape %s; the op has %d output channels" % (b.shape, out_channels))
    return b


def _forward(op, x, w, b, kw):
    x, w = _float32(x, "x"), _float32(w, "w")
    c = _Call(op, _rank(x, "x"), x.shape, w.shape, kw)
    y = np.empty(c.y_shape(c.geometry()), dtype=np.float32)
    b = _bias(b, c.p.out_channels)
    fn = _lib.lib.tconv_convnd_transpose_ex if c.transposed else _lib.lib.tconv_convnd_ex
    _lib.check(fn(ctypes.byref(c.p), _ptr(x), _ptr(w), _ptr(b), _ptr(y), None, 0, ctypes.byref(c.opt)))
    return y


def conv(x, w, b=None, strides=1, padding="VALID", dilations=1, groups=1, output_shape=None, data_format=None,
         filter_format=None, activation=None, threads=None, algorithm=None):
    """y = conv(x, w) + b (then ReLU if activation='relu'), as tf.nn.convolution: x (N, *spatial, C) channels
    last by default; w in filter_format (default TF's: HWIO, i.e. (*kernel, C_in/groups, C_out)).
    padding: 'SAME', 'VALID', 'SAME_LOWER', an int or ints per axis (PyTorch's), or (before, after) per axis."""
    return _forward("conv", x, w, b, dict(strides=strides, padding=padding, dilations=dilations, groups=groups,
                                          output_shape=output_shape, data_format=data_format,
                                          filter_format=filter_format, activation=activation, threads=threads,
                                          algorithm=algorithm))


def conv_transpose(x, w, b=None, output_shape=None, strides=1, padding="VALID", output_padding=None, dilations=1,
                   groups=1, data_format=None, filter_format=None, activation=None, threads=None, algorithm=None):
    """The transposed convolution (tf.nn.conv_transpose): x (N, *spatial, C_in), w in filter_format (default
    TF's HWOI: (*kernel, C_out/groups, C_in)); output_shape (the spatial sizes, or all dimensions as TF takes
    them) picks among the admissible sizes, output_padding does so PyTorch's way (explicit padding only)."""
    return _forward("conv_transpose", x, w, b, dict(strides=strides, padding=padding, dilations=dilations,
                                                    groups=groups, output_shape=output_shape,
                                                    output_padding=output_padding, data_format=data_format,
                                                    filter_format=filter_format, activation=activation,
                                                    threads=threads, algorithm=algorithm))


def _grad_kw(strides, padding, dilations, groups, output_padding, data_format, filter_format, threads, algorithm):
    return dict(strides=strides, padding=padding, dilations=dilations, groups=groups, output_padding=output_padding,
                data_format=data_format, filter_format=filter_format, threads=threads, algorithm=algorithm)


def _spatial_of(shape, rank, channels_last):
    return list(shape[1:-1] if channels_last else shape[2:])


def _backward_data(op, dy, w, input_shape, kw):
    dy, w = _float32(dy, "dy"), _float32(w, "w")
    rank = _rank(dy, "dy")
    input_shape = tuple(int(s) for s in input_shape)
    c = _Call(op, rank, input_shape, w.shape, dict(kw, output_shape=None))
    for a, s in enumerate(_spatial_of(dy.shape, rank, c.channels_last)):
        c.p.out[a] = s  # y's sizes are dy's: the library checks them
    g = c.geometry()
    if c.y_shape(g) != dy.shape:
        raise _lib.ShapeMismatchError("tconv: dy has shape %s; the forward op gives y of shape %s" % (dy.shape, c.y_shape(g)))
    dx = np.empty(c.x_shape(), dtype=np.float32)
    fn = getattr(_lib.lib, "tconv_convnd_%sbackward_data_ex" % ("transpose_" if c.transposed else ""))
    _lib.check(fn(ctypes.byref(c.p), _ptr(dy), _ptr(w), _ptr(dx), None, 0, ctypes.byref(c.opt)))
    return dx


def _backward_filter(op, x, dy, filter_shape, kw):
    x, dy = _float32(x, "x"), _float32(dy, "dy")
    rank = _rank(x, "x")
    c = _Call(op, rank, x.shape, tuple(int(s) for s in filter_shape), dict(kw, output_shape=None))
    for a, s in enumerate(_spatial_of(dy.shape, rank, c.channels_last)):
        c.p.out[a] = s
    g = c.geometry()
    if c.y_shape(g) != dy.shape:
        raise _lib.ShapeMismatchError("tconv: dy has shape %s; the forward op gives y of shape %s" % (dy.shape, c.y_shape(g)))
    dw = np.empty(c.filter_shape, dtype=np.float32)
    fn = getattr(_lib.lib, "tconv_convnd_%sbackward_filter_ex" % ("transpose_" if c.transposed else ""))
    _lib.check(fn(ctypes.byref(c.p), _ptr(x), _ptr(dy), _ptr(dw), None, 0, ctypes.byref(c.opt)))
    return dw


def _backward_bias(op, dy, data_format, threads):
    dy = _float32(dy, "dy")
    rank = _rank(dy, "dy")
    layout = _layout(rank, data_format)
    c_out = dy.shape[-1] if layout == 0 else dy.shape[1]
    # a 1x1 op from a 1-channel x of dy's sizes: the bias gradient reads only dy and its channel count
    x_shape = tuple(dy.shape[:-1]) + (1,) if layout == 0 else (dy.shape[0], 1) + tuple(dy.shape[2:])
    w_shape = [1] * rank + ([1, c_out] if op == "conv" else [c_out, 1])  # HWIO (I = 1) / HWOI (I = 1)
    c = _Call(op, rank, x_shape, tuple(w_shape), dict(data_format=data_format, threads=threads))
    db = np.empty((c_out,), dtype=np.float32)
    fn = getattr(_lib.lib, "tconv_convnd_%sbackward_bias_ex" % ("transpose_" if c.transposed else ""))
    _lib.check(fn(ctypes.byref(c.p), _ptr(dy), _ptr(db), None, 0, ctypes.byref(c.opt)))
    return db


def conv_backward_data(dy, w, input_shape, strides=1, padding="VALID", dilations=1, groups=1, data_format=None,
                       filter_format=None, threads=None, algorithm=None):
    """dL/dx of y = conv(x, w) (tf.nn.conv2d_backprop_input): input_shape is x's full shape."""
    return _backward_data("conv", dy, w, input_shape,
                          _grad_kw(strides, padding, dilations, groups, None, data_format, filter_format, threads, algorithm))


def conv_backward_filter(x, dy, filter_shape, strides=1, padding="VALID", dilations=1, groups=1, data_format=None,
                         filter_format=None, threads=None, algorithm=None):
    """dL/dw of y = conv(x, w) (tf.nn.conv2d_backprop_filter): filter_shape is w's shape in filter_format."""
    return _backward_filter("conv", x, dy, filter_shape,
                            _grad_kw(strides, padding, dilations, groups, None, data_format, filter_format, threads, algorithm))


def conv_backward_bias(dy, data_format=None, threads=None):
    """dL/db of y = conv(x, w) + b: dy summed over every position of every image, per channel."""
    return _backward_bias("conv", dy, data_format, threads)


def conv_transpose_backward_data(dy, w, input_shape, strides=1, padding="VALID", output_padding=None, dilations=1,
                                 groups=1, data_format=None, filter_format=None, threads=None, algorithm=None):
    """dL/dx of y = conv_transpose(x, w): input_shape is x's full shape (y's sizes are dy's)."""
    return _backward_data("conv_transpose", dy, w, input_shape,
                          _grad_kw(strides, padding, dilations, groups, output_padding, data_format, filter_format,
                                   threads, algorithm))


def conv_transpose_backward_filter(x, dy, filter_shape, strides=1, padding="VALID", output_padding=None,
                                   dilations=1, groups=1, data_format=None, filter_format=None, threads=None,
                                   algorithm=None):
    """dL/dw of y = conv_transpose(x, w): filter_shape is w's shape in filter_format (y's sizes are dy's)."""
    return _backward_filter("conv_transpose", x, dy, filter_shape,
                            _grad_kw(strides, padding, dilations, groups, output_padding, data_format, filter_format,
                                     threads, algorithm))


def conv_transpose_backward_bias(dy, data_format=None, threads=None):
    """dL/db of y = conv_transpose(x, w) + b."""
    return _backward_bias("conv_transpose", dy, data_format, threads)


def geometry(op, input_shape, filter_shape, strides=1, padding="VALID", output_shape=None, output_padding=None,
             dilations=1, groups=1, data_format=None, filter_format=None):
    """The resolved geometry of op ('conv' or 'conv_transpose') on x of input_shape: y's shape, the padding
    (or crop) before and after per axis, the admissible output sizes per axis (a transposed conv's
    output_shape may be any of them; a conv's is its one size), and "spellings": the same call in
    TensorFlow, Keras, PyTorch and ONNX (with the pad or slice a framework needs where it cannot say it)."""
    if op not in _OP:
        raise _lib.InvalidArgumentError("tconv: op = %r is not 'conv' or 'conv_transpose'" % (op,))
    input_shape = tuple(int(s) for s in input_shape)
    rank = len(input_shape) - 2
    if rank not in (1, 2, 3):
        raise _lib.ShapeMismatchError("tconv: input_shape %s has %d dimensions; 1-D, 2-D and 3-D ops take 3, 4 or 5"
                                      % (input_shape, len(input_shape)))
    c = _Call(op, rank, input_shape, tuple(int(s) for s in filter_shape),
              dict(strides=strides, padding=padding, output_shape=output_shape, output_padding=output_padding,
                   dilations=dilations, groups=groups, data_format=data_format, filter_format=filter_format))
    g = c.geometry()
    r = range(rank)
    before, after = tuple(g.pad_before[a] for a in r), tuple(g.pad_after[a] for a in r)
    p = c.p
    spellings = _spell.spell(op, ("VALID", "SAME", "SAME_LOWER", "EXPLICIT")[p.padding], rank, p.batch,
                             p.in_channels, p.out_channels, p.groups, [p.in_[a] for a in r], [p.kernel[a] for a in r],
                             [p.stride[a] for a in r], [p.dilation[a] for a in r], before, after,
                             [g.out[a] for a in r], c.channels_last)
    return {
        "output_shape": c.y_shape(g),
        "pad_before": before,
        "pad_after": after,
        "admissible": tuple((g.out_min[a], g.out_max[a]) for a in r),
        "spellings": spellings,
    }


def _axis_problem(c, g, a):
    """Axis a of a transposed call as a 2-D one of height 1 (the rules are per axis: the same sizes)."""
    q = _lib.Params()
    q.layout, q.filter_layout, q.batch, q.in_channels, q.out_channels, q.groups = 0, 0, 1, 1, 1, 1
    q.in_h, q.kernel_h, q.stride_h, q.dilation_h, q.out_h = 1, 1, 1, 1, 1
    q.in_w, q.kernel_w, q.stride_w, q.dilation_w = c.p.in_[a], c.p.kernel[a], c.p.stride[a], c.p.dilation[a]
    q.padding = c.p.padding
    if c.p.padding == 3:
        q.pad_left, q.pad_right, q.output_padding_w = c.p.pad_before[a], c.p.pad_after[a], c.p.output_padding[a]
    q.out_w = g.out[a]
    return q


def overlap_map(input_shape, filter_shape, strides=1, padding="VALID", output_shape=None, output_padding=None,
                dilations=1, groups=1, data_format=None, filter_format=None):
    """How many (input position, kernel tap) pairs of conv_transpose land on each output position: an int32
    array of y's spatial shape, the same for every image and channel. Uniform means the geometry adds no
    pattern; a kernel not divisible by the stride gives the checkerboard (seed 002's 1 2 1 2 ...). The count
    is the product of each axis's, which tconv_overlap_map gives."""
    input_shape = tuple(int(s) for s in input_shape)
    rank = len(input_shape) - 2
    c = _Call("conv_transpose", rank, input_shape, tuple(int(s) for s in filter_shape),
              dict(strides=strides, padding=padding, output_shape=output_shape, output_padding=output_padding,
                   dilations=dilations, groups=groups, data_format=data_format, filter_format=filter_format))
    g = c.geometry()
    counts = np.ones((), dtype=np.int64)
    for a in range(rank):
        q = _axis_problem(c, g, a)
        axis = np.empty(g.out[a], dtype=np.int32)
        _lib.check(_lib.lib.tconv_overlap_map(ctypes.byref(q), _ptr(axis)))
        counts = np.multiply.outer(counts, axis.astype(np.int64))
    return counts.astype(np.int32)


def bilinear_filter(channels, kernel_size, strides=2, depthwise=False, filter_format=None):
    """conv_transpose's filter for bilinear upsampling by `strides` (Caffe's / FCN's "bilinear" filler, per
    axis): with kernel 2s - s % 2 and padding (k - s) / 2 per side, the transposed conv is bilinear
    interpolation (half-pixel centres). channels in = out; depthwise=True gives groups = channels (use it with
    groups=channels), else a diagonal filter (channel i feeds channel i only). The rank is len(kernel_size)
    (an int: 2-D). The weights come from tconv_bilinear_filter, one axis at a time."""
    kernel = [int(kernel_size)] * 2 if np.isscalar(kernel_size) else [int(k) for k in kernel_size]
    rank = len(kernel)
    stride = _per_axis(strides, rank, "strides", True)
    weights = np.ones((), dtype=np.float32)
    for a in range(rank):
        q = _lib.Params()
        q.layout, q.filter_layout, q.batch, q.in_channels, q.out_channels, q.groups = 0, 0, 1, 1, 1, 1
        q.in_h = q.in_w = 1
        q.kernel_h, q.kernel_w, q.stride_h, q.stride_w, q.dilation_h, q.dilation_w = 1, kernel[a], 1, stride[a], 1, 1
        axis = np.empty(kernel[a], dtype=np.float32)
        _lib.check(_lib.lib.tconv_bilinear_filter(ctypes.byref(q), _ptr(axis)))
        weights = np.multiply.outer(weights, axis)
    # IOHW (I, O/groups, *k), then the format asked for
    o = 1 if depthwise else channels
    full = np.zeros((channels, o) + tuple(kernel), dtype=np.float32)
    for i in range(channels):
        full[i, 0 if depthwise else i] = weights
    layout = _filter_layout(rank, filter_format)
    name = _FILTERS[layout - 1] if layout else "HWOI"
    order = name.replace("HW", "S")
    perm = []
    for ch in order:
        perm += [0] if ch == "I" else [1] if ch == "O" else list(range(2, rank + 2))
    return np.ascontiguousarray(full.transpose(perm))


def resize_conv(x, w, b=None, scale=2, mode="nearest", strides=1, padding="VALID", dilations=1, groups=1,
                data_format=None, filter_format=None, activation=None, threads=None, algorithm=None):
    """Upsample x by `scale` ('nearest' or 'bilinear', half-pixel centres) on both axes, then conv (2-D):
    the checkerboard-free alternative to a strided transposed conv. Nearest + a stride-1 conv runs as one
    transposed conv with a composed kernel, without the upsampled tensor."""
    x, w = _float32(x, "x"), _float32(w, "w")
    if x.ndim != 4:
        raise _lib.ShapeMismatchError("tconv: resize_conv is 2-D: x has %d dimensions, not 4" % x.ndim)
    modes = {"nearest": 0, "bilinear": 1}
    if mode not in modes:
        raise _lib.InvalidArgumentError("tconv: mode = %r is not 'nearest' or 'bilinear'" % (mode,))
    c = _Call("conv", 2, x.shape, w.shape, dict(strides=strides, padding=padding, dilations=dilations, groups=groups,
                                                data_format=data_format, filter_format=filter_format,
                                                activation=activation, threads=threads, algorithm=algorithm))
    up = list(x.shape)
    for a in ((1, 2) if c.channels_last else (2, 3)):
        up[a] *= int(scale)
    g = _Call("conv", 2, tuple(up), w.shape, dict(strides=strides, padding=padding, dilations=dilations,
                                                  groups=groups, data_format=data_format,
                                                  filter_format=filter_format)).geometry()
    y = np.empty(c.y_shape(g), dtype=np.float32)
    b = _bias(b, c.p.out_channels)
    q = _lib.Params.from_nd(c.p)
    _lib.check(_lib.lib.tconv_resize_conv2d_ex(ctypes.byref(q), int(scale), modes[mode], _ptr(x), _ptr(w), _ptr(b),
                                               _ptr(y), None, 0, ctypes.byref(c.opt)))
    return y
