"""tconv: convolution and transposed convolution for the CPU (libtconv), from NumPy.

    import numpy as np, tconv
    y = tconv.conv_transpose(x, w, output_shape=(14, 14), strides=2, padding="SAME")

Every op at every rank (the rank is x's dimensions minus 2), TensorFlow's argument names and layouts by
default, PyTorch's through data_format='NCHW' (NCW, NCDHW) and filter_format='OIHW' / 'IOHW'. Failures raise
tconv.Error subclasses with the library's message; the bad-shape ones are also ValueErrors.
tconv.tf and tconv.functional spell the same ops as tf.nn and torch.nn.functional do; tconv.torch has the
drop-in torch.nn modules.
"""
from ._lib import (
    Error,
    InvalidArgumentError,
    NullPointerError,
    OutOfMemoryError,
    ShapeMismatchError,
    SizeOverflowError,
    UnsupportedError,
    library_path,
    version as library_version,
)
from ._numpy import (
    bilinear_filter,
    conv,
    conv_backward_bias,
    conv_backward_data,
    conv_backward_filter,
    conv_transpose,
    conv_transpose_backward_bias,
    conv_transpose_backward_data,
    conv_transpose_backward_filter,
    geometry,
    overlap_map,
    resize_conv,
)

from . import functional, tf  # noqa: E402  (TensorFlow's and PyTorch's spellings; tconv.torch imports torch)

__version__ = library_version

__all__ = [
    "Error",
    "InvalidArgumentError",
    "NullPointerError",
    "OutOfMemoryError",
    "ShapeMismatchError",
    "SizeOverflowError",
    "UnsupportedError",
    "bilinear_filter",
    "conv",
    "conv_backward_bias",
    "conv_backward_data",
    "conv_backward_filter",
    "conv_transpose",
    "conv_transpose_backward_bias",
    "conv_transpose_backward_data",
    "conv_transpose_backward_filter",
    "functional",
    "geometry",
    "library_path",
    "library_version",
    "overlap_map",
    "resize_conv",
    "tf",
]
