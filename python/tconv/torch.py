"""tconv.torch - drop-in replacements for torch.nn's Conv1d/2d/3d and ConvTranspose1d/2d/3d on CPU tensors.

Each class is a subclass of torch.nn's own: the same constructor arguments, parameters, state_dict keys and
weight layout (a trained torch model loads as is), `output_size=` in ConvTranspose's forward, padding
modes through F.pad as torch does. The arithmetic is libtconv's, in float32 (float64 tensors are computed
in float32 and returned as float64): forward through tconv's ops, backward through its gradients
(torch.autograd.Function), with torch.get_num_threads() threads. In inference (module.eval(), and no
gradient wanted) the module keeps a tconv operator: its filter packed once, used until the weights or the
input's sizes change.

    import tconv.torch as tnn
    model.up = tnn.ConvTranspose2d(256, 128, 4, stride=2, padding=1)   # instead of nn.ConvTranspose2d
"""
import ctypes

import torch
import torch.nn.functional as F
from torch import nn

from . import _lib

_NHWC = 0
_TF_FILTER = 0  # TCONV_FILTER_DEFAULT: HWIO (conv), HWOI (transposed), what tconv's NHWC plans read as given


class _Call:
    """The struct tconv_nd_params of one module on one input shape. tconv runs channels last (its NCHW paths
    lower per image: 0.5-0.65x the NHWC ones on the suite's batched layers), reading torch's NC* tensors as
    permuted views: no copy for a channels_last tensor, one otherwise. The weights go in as TensorFlow's
    layout (torch's permuted copy: the library's own repacking of OI* / IO* is 3-4x slower per call)."""

    __slots__ = ("p", "opt", "y_shape", "transposed", "threads")

    def __init__(self, transposed, x_shape, w_shape, stride, padding, dilation, groups, output_padding, threads):
        rank = len(x_shape) - 2
        p = _lib.NdParams()
        _lib.lib.tconv_nd_params_init(ctypes.byref(p), rank)
        p.layout, p.filter_layout = _NHWC, _TF_FILTER
        p.batch, p.in_channels, p.groups = x_shape[0], x_shape[1], groups
        p.out_channels = w_shape[1] * groups if transposed else w_shape[0]
        for a in range(rank):
            p.in_[a], p.kernel[a], p.stride[a], p.dilation[a] = x_shape[2 + a], w_shape[2 + a], stride[a], dilation[a]
        if isinstance(padding, str):  # Conv's 'same' (stride 1: TF's SAME) and 'valid'
            p.padding = 1 if padding == "same" else 0
        else:
            p.padding = 3
            for a in range(rank):
                p.pad_before[a] = p.pad_after[a] = padding[a]
                p.output_padding[a] = output_padding[a] if output_padding else 0
        opt = _lib.Options()
        _lib.lib.tconv_options_init(ctypes.byref(opt))
        opt.num_threads = threads
        g = _lib.NdGeometry()
        fn = _lib.lib.tconv_convnd_transpose_geometry if transposed else _lib.lib.tconv_convnd_geometry
        _lib.check(fn(ctypes.byref(p), ctypes.byref(g)))
        for a in range(rank):
            p.out[a] = g.out[a]  # the backward calls check dy against it
        self.p, self.opt, self.transposed, self.threads = p, opt, transposed, threads
        self.y_shape = (x_shape[0],) + tuple(g.out[a] for a in range(rank)) + (p.out_channels,)  # channels last


def _f32(t):
    """float32, contiguous (no copy when it is). No detach: inside a Function's forward and in inference
    nothing is recorded, and every call here is one of those."""
    return (t if t.dtype == torch.float32 else t.float()).contiguous()


def _tf_filter(w):
    """torch's OI* (conv) or IO* (transposed) weight as tconv's default *IO / *OI: (spatial..., in, out) and
    (spatial..., out/groups, in) are both axes 2.. then 1, 0."""
    return (w if w.dtype == torch.float32 else w.float()).permute(*range(2, w.dim()), 1, 0).contiguous()


def _torch_filter(w):
    """The inverse of _tf_filter (a view)."""
    r = w.dim() - 2
    return w.permute(r + 1, r, *range(r))


def _last(t):
    """An NC* tensor as channels-last float32, contiguous (a view when it already is)."""
    return (t if t.dtype == torch.float32 else t.float()).permute(0, *range(2, t.dim()), 1).contiguous()


def _first(t):
    """A channels-last tensor as torch's NC* shape (a view: channels_last strides)."""
    return t.permute(0, t.dim() - 1, *range(1, t.dim() - 1))


class _ConvFunction(torch.autograd.Function):
    """y = op(x, w) + b through tconv; backward through tconv's three gradients."""

    @staticmethod
    def forward(ctx, x, weight, bias, call):
        x32, w32 = _last(x), _tf_filter(weight)
        b32 = _f32(bias) if bias is not None else None
        y = torch.empty(call.y_shape, dtype=torch.float32)
        fn = _lib.lib.tconv_convnd_transpose_ex if call.transposed else _lib.lib.tconv_convnd_ex
        _lib.check(fn(ctypes.byref(call.p), x32.data_ptr(), w32.data_ptr(), b32.data_ptr() if b32 is not None else None,
                      y.data_ptr(), None, 0, ctypes.byref(call.opt)))
        ctx.save_for_backward(x32, w32)
        ctx.call, ctx.dtypes, ctx.has_bias = call, (x.dtype, weight.dtype), bias is not None
        y = _first(y)
        return y if x.dtype == torch.float32 else y.to(x.dtype)

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, dy):
        x32, w32 = ctx.saved_tensors
        call, (xt, wt) = ctx.call, ctx.dtypes
        dy32 = _last(dy)
        pre = "tconv_convnd_transpose_" if call.transposed else "tconv_convnd_"
        p, opt = ctypes.byref(call.p), ctypes.byref(call.opt)
        dx = dw = db = None
        if ctx.needs_input_grad[0]:
            dx = torch.empty(x32.shape, dtype=torch.float32)
            _lib.check(getattr(_lib.lib, pre + "backward_data_ex")(p, dy32.data_ptr(), w32.data_ptr(), dx.data_ptr(),
                                                                    None, 0, opt))
            dx = _first(dx).to(xt)
        if ctx.needs_input_grad[1]:
            dw = torch.empty(w32.shape, dtype=torch.float32)
            _lib.check(getattr(_lib.lib, pre + "backward_filter_ex")(p, x32.data_ptr(), dy32.data_ptr(),
                                                                      dw.data_ptr(), None, 0, opt))
            dw = _torch_filter(dw).contiguous().to(wt)
        if ctx.has_bias and ctx.needs_input_grad[2]:
            db = torch.empty(call.p.out_channels, dtype=torch.float32)
            _lib.check(getattr(_lib.lib, pre + "backward_bias_ex")(p, dy32.data_ptr(), db.data_ptr(), None, 0, opt))
            db = db.to(wt)
        return dx, dw, db, None


class _Operator:
    """A tconv operator (filter packed once, any batch) and what it was made from; destroyed with this object."""

    def __init__(self, key, call, weight, bias):
        self.key, self.call, self.handle = key, call, ctypes.c_void_p()
        w32 = _tf_filter(weight)
        b32 = _f32(bias) if bias is not None else None
        op = 1 if call.transposed else 0
        _lib.check(_lib.lib.tconv_operator_create(op, ctypes.byref(call.p), w32.data_ptr(),
                                                  b32.data_ptr() if b32 is not None else None, ctypes.byref(call.opt),
                                                  ctypes.byref(self.handle)))

    def run(self, x):
        x32 = _last(x)
        y = torch.empty((x.shape[0],) + self.call.y_shape[1:], dtype=torch.float32)
        _lib.check(_lib.lib.tconv_operator_run(self.handle, x.shape[0], x32.data_ptr(), y.data_ptr(), None, 0))
        y = _first(y)
        return y if x.dtype == torch.float32 else y.to(x.dtype)

    def __del__(self):
        if self.handle and _lib is not None and _lib.lib is not None:  # (None at interpreter exit)
            _lib.lib.tconv_operator_destroy(self.handle)
        self.handle = ctypes.c_void_p()


class _TconvMixin:
    """The shared forward of the six modules: a call's parameters cached per input shape (immutable: an
    autograd graph keeps its own until backward)."""

    _tconv_transposed = False

    def __getstate__(self):
        """Copies and pickles leave the caches behind (an operator's handle is this process's memory)."""
        state = super().__getstate__() if hasattr(super(), "__getstate__") else self.__dict__.copy()
        state = dict(state)
        state.pop("_tconv_calls", None)
        state.pop("_tconv_op", None)
        return state

    def _tconv(self, x, weight, bias, padding, output_padding=None):
        if x.device.type != "cpu":
            raise _lib.UnsupportedError("tconv.torch: %s runs on CPU tensors; x is on %s" % (type(self).__name__, x.device))
        unbatched = x.dim() == len(self.kernel_size) + 1
        if unbatched:
            x = x.unsqueeze(0)
        threads = torch.get_num_threads()
        op_pad = tuple(output_padding) if output_padding is not None else None
        key = (tuple(x.shape), op_pad, threads, padding if isinstance(padding, str) else tuple(padding))
        cache = self.__dict__.setdefault("_tconv_calls", {})
        call = cache.get(key)
        if call is None:
            if len(cache) >= 8:
                cache.clear()
            call = cache[key] = _Call(self._tconv_transposed, tuple(x.shape), tuple(weight.shape), self.stride,
                                      padding, self.dilation, self.groups, op_pad, threads)
        wants_grad = torch.is_grad_enabled() and (
            x.requires_grad or weight.requires_grad or (bias is not None and bias.requires_grad))
        if not self.training and not wants_grad:
            y = self._tconv_operator(key[1:] + (key[0][1:],), call, weight, bias).run(x)  # any batch
        else:
            y = _ConvFunction.apply(x, weight, bias, call)
        return y.squeeze(0) if unbatched else y

    def _tconv_operator(self, key, call, weight, bias):
        versions = (weight._version, weight.data_ptr(), None if bias is None else (bias._version, bias.data_ptr()))
        op = self.__dict__.get("_tconv_op")
        if op is None or op.key != (key, versions):
            self.__dict__["_tconv_op"] = None  # the old one is destroyed before the new one packs
            op = self.__dict__["_tconv_op"] = _Operator((key, versions), call, weight, bias)
        return op


class _Conv(_TconvMixin):
    def _conv_forward(self, input, weight, bias):
        if self.padding_mode != "zeros":  # as torch: pad, then no padding
            input = F.pad(input, self._reversed_padding_repeated_twice, mode=self.padding_mode)
            return self._tconv(input, weight, bias, (0,) * len(self.kernel_size))
        return self._tconv(input, weight, bias, self.padding)


class _ConvTranspose(_TconvMixin):
    _tconv_transposed = True

    def forward(self, input, output_size=None):
        if self.padding_mode != "zeros":
            raise ValueError("Only 'zeros' padding mode is supported for %s" % type(self).__name__)
        rank = len(self.kernel_size)
        output_padding = self._output_padding(input, output_size, self.stride, self.padding, self.kernel_size, rank,
                                              self.dilation)
        return self._tconv(input, self.weight, self.bias, self.padding, output_padding)


class Conv1d(_Conv, nn.Conv1d):
    """torch.nn.Conv1d through tconv."""


class Conv2d(_Conv, nn.Conv2d):
    """torch.nn.Conv2d through tconv."""


class Conv3d(_Conv, nn.Conv3d):
    """torch.nn.Conv3d through tconv."""


class ConvTranspose1d(_ConvTranspose, nn.ConvTranspose1d):
    """torch.nn.ConvTranspose1d through tconv (forward(x, output_size=None) as torch's)."""


class ConvTranspose2d(_ConvTranspose, nn.ConvTranspose2d):
    """torch.nn.ConvTranspose2d through tconv (forward(x, output_size=None) as torch's)."""


class ConvTranspose3d(_ConvTranspose, nn.ConvTranspose3d):
    """torch.nn.ConvTranspose3d through tconv (forward(x, output_size=None) as torch's)."""


__all__ = ["Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d"]
