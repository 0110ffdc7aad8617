"""tconv.tf - TensorFlow's spellings on NumPy arrays: tf.nn's argument names, NHWC-style layouts and filter
layouts (HWIO for the convs, HWOI for the transposes), SAME / VALID or explicit [[0,0],[t,b],[l,r],[0,0]].

    y = tconv.tf.conv2d_transpose(x, f, output_shape=(1, 5, 5, 1), strides=[1, 2, 2, 1], padding="VALID")
"""
from . import _numpy


def convolution(input, filters, strides=None, padding="VALID", data_format=None, dilations=None):
    """tf.nn.convolution (any rank)."""
    return _numpy.conv(input, filters, strides=strides or 1, padding=padding, dilations=dilations or 1,
                       data_format=data_format)


def conv1d(input, filters, stride, padding, data_format="NWC", dilations=None):
    """tf.nn.conv1d."""
    return _numpy.conv(input, filters, strides=stride, padding=padding, dilations=dilations or 1,
                       data_format=data_format)


def conv2d(input, filters, strides, padding, data_format="NHWC", dilations=None):
    """tf.nn.conv2d."""
    return _numpy.conv(input, filters, strides=strides, padding=padding, dilations=dilations or 1,
                       data_format=data_format)


def conv3d(input, filters, strides, padding, data_format="NDHWC", dilations=None):
    """tf.nn.conv3d."""
    return _numpy.conv(input, filters, strides=strides, padding=padding, dilations=dilations or 1,
                       data_format=data_format)


def conv_transpose(input, filters, output_shape, strides, padding="SAME", data_format=None, dilations=None):
    """tf.nn.conv_transpose (any rank)."""
    return _numpy.conv_transpose(input, filters, output_shape=output_shape, strides=strides, padding=padding,
                                 dilations=dilations or 1, data_format=data_format)


def conv1d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NWC", dilations=None):
    """tf.nn.conv1d_transpose."""
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def conv2d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NHWC", dilations=None):
    """tf.nn.conv2d_transpose."""
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def conv3d_transpose(input, filters, output_shape, strides, padding="SAME", data_format="NDHWC", dilations=None):
    """tf.nn.conv3d_transpose."""
    return conv_transpose(input, filters, output_shape, strides, padding, data_format, dilations)


def conv2d_backprop_input(input_sizes, filters, out_backprop, strides, padding, data_format="NHWC", dilations=None):
    """tf.nn.conv2d_backprop_input (also any rank: input_sizes has rank + 2 values)."""
    return _numpy.conv_backward_data(out_backprop, filters, input_sizes, strides=strides, padding=padding,
                                     dilations=dilations or 1, data_format=data_format)


def conv2d_backprop_filter(input, filter_sizes, out_backprop, strides, padding, data_format="NHWC", dilations=None):
    """tf.compat.v1.nn.conv2d_backprop_filter (also any rank)."""
    return _numpy.conv_backward_filter(input, out_backprop, filter_sizes, strides=strides, padding=padding,
                                       dilations=dilations or 1, data_format=data_format)
