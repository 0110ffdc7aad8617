"""tconv.functional - PyTorch's spellings on NumPy arrays: torch.nn.functional's argument names, channels-first
layouts, OI* weights for the convs and IO* for the transposes, symmetric padding (or 'same' / 'valid').

    y = tconv.functional.conv_transpose2d(x, w, b, stride=2, padding=1, output_padding=1)
"""
from . import _numpy

_FORMATS = {1: ("NCW", "OIW", "IOW"), 2: ("NCHW", "OIHW", "IOHW"), 3: ("NCDHW", "OIDHW", "IODHW")}


def _conv(rank, input, weight, bias, stride, padding, dilation, groups):
    data, oi, _ = _FORMATS[rank]
    if isinstance(padding, str):
        padding = {"same": "SAME", "valid": "VALID"}.get(padding, padding)
    return _numpy.conv(input, weight, bias, strides=stride, padding=padding, dilations=dilation, groups=groups,
                       data_format=data, filter_format=oi)


def _conv_transpose(rank, input, weight, bias, stride, padding, output_padding, groups, dilation):
    data, _, io = _FORMATS[rank]
    return _numpy.conv_transpose(input, weight, bias, strides=stride, padding=padding,
                                 output_padding=output_padding, dilations=dilation, groups=groups, data_format=data,
                                 filter_format=io)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv1d."""
    return _conv(1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv2d."""
    return _conv(2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """torch.nn.functional.conv3d."""
    return _conv(3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose1d."""
    return _conv_transpose(1, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose2d."""
    return _conv_transpose(2, input, weight, bias, stride, padding, output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1, dilation=1):
    """torch.nn.functional.conv_transpose3d."""
    return _conv_transpose(3, input, weight, bias, stride, padding, output_padding, groups, dilation)
