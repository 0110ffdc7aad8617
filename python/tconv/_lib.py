"""_lib.py - libtconv through ctypes: finding the library, the structs of include/tconv.h, the prototypes,
and the library's statuses as exceptions. No compiler is needed at import.

The library is looked for, in order: the file named by $TCONV_LIBRARY; the one installed beside this
package (the path meson wrote into _config.py); libtconv.so.0 from the system's loader path.
"""
import ctypes
import ctypes.util
import os

MAX_RANK = 3  # TCONV_MAX_RANK
SONAME = "libtconv.so.0"


class Error(Exception):
    """A failed tconv call: .status is the library's status name, the message its tconv_last_error()."""

    status = "TCONV_ERR"

    def __init__(self, message, status=None):
        super().__init__(message)
        if status is not None:
            self.status = status


class NullPointerError(Error, ValueError):
    status = "TCONV_ERR_NULL_POINTER"


class InvalidArgumentError(Error, ValueError):
    status = "TCONV_ERR_INVALID_ARGUMENT"


class ShapeMismatchError(Error, ValueError):
    status = "TCONV_ERR_SHAPE_MISMATCH"


class UnsupportedError(Error, NotImplementedError):
    status = "TCONV_ERR_UNSUPPORTED"


class SizeOverflowError(Error, OverflowError):
    status = "TCONV_ERR_SIZE_OVERFLOW"


class OutOfMemoryError(Error, MemoryError):
    status = "TCONV_ERR_OUT_OF_MEMORY"


_ERRORS = {
    1: NullPointerError,
    2: InvalidArgumentError,
    3: ShapeMismatchError,
    4: UnsupportedError,
    5: SizeOverflowError,
    6: OutOfMemoryError,
}


class NdParams(ctypes.Structure):
    """struct tconv_nd_params"""

    _fields_ = [
        ("rank", ctypes.c_int),
        ("layout", ctypes.c_int),
        ("filter_layout", ctypes.c_int),
        ("batch", ctypes.c_int64),
        ("in_channels", ctypes.c_int64),
        ("out_channels", ctypes.c_int64),
        ("groups", ctypes.c_int64),
        ("in_", ctypes.c_int64 * MAX_RANK),
        ("kernel", ctypes.c_int64 * MAX_RANK),
        ("stride", ctypes.c_int64 * MAX_RANK),
        ("dilation", ctypes.c_int64 * MAX_RANK),
        ("padding", ctypes.c_int),
        ("pad_before", ctypes.c_int64 * MAX_RANK),
        ("pad_after", ctypes.c_int64 * MAX_RANK),
        ("out", ctypes.c_int64 * MAX_RANK),
        ("output_padding", ctypes.c_int64 * MAX_RANK),
        ("activation", ctypes.c_int),
    ]


class Params(ctypes.Structure):
    """struct tconv_params (2-D)"""

    _fields_ = [
        ("layout", ctypes.c_int),
        ("filter_layout", ctypes.c_int),
        ("batch", ctypes.c_int64),
        ("in_h", ctypes.c_int64),
        ("in_w", ctypes.c_int64),
        ("in_channels", ctypes.c_int64),
        ("out_channels", ctypes.c_int64),
        ("groups", ctypes.c_int64),
        ("kernel_h", ctypes.c_int64),
        ("kernel_w", ctypes.c_int64),
        ("stride_h", ctypes.c_int64),
        ("stride_w", ctypes.c_int64),
        ("dilation_h", ctypes.c_int64),
        ("dilation_w", ctypes.c_int64),
        ("padding", ctypes.c_int),
        ("pad_top", ctypes.c_int64),
        ("pad_bottom", ctypes.c_int64),
        ("pad_left", ctypes.c_int64),
        ("pad_right", ctypes.c_int64),
        ("out_h", ctypes.c_int64),
        ("out_w", ctypes.c_int64),
        ("output_padding_h", ctypes.c_int64),
        ("output_padding_w", ctypes.c_int64),
        ("activation", ctypes.c_int),
    ]

    @classmethod
    def from_nd(cls, nd):
        """The 2-D struct of a rank-2 struct tconv_nd_params (the same call)."""
        p = cls()
        for f in ("layout", "filter_layout", "batch", "in_channels", "out_channels", "groups", "padding",
                  "activation"):
            setattr(p, f, getattr(nd, f))
        for f2, fnd in (("in_", "in_"), ("kernel_", "kernel"), ("stride_", "stride"), ("dilation_", "dilation"),
                        ("out_", "out"), ("output_padding_", "output_padding")):
            for a, axis in enumerate("hw"):
                setattr(p, f2 + axis, getattr(nd, fnd)[a])
        p.pad_top, p.pad_left = nd.pad_before[0], nd.pad_before[1]
        p.pad_bottom, p.pad_right = nd.pad_after[0], nd.pad_after[1]
        return p


class NdGeometry(ctypes.Structure):
    """struct tconv_nd_geometry"""

    _fields_ = [
        ("out", ctypes.c_int64 * MAX_RANK),
        ("pad_before", ctypes.c_int64 * MAX_RANK),
        ("pad_after", ctypes.c_int64 * MAX_RANK),
        ("out_min", ctypes.c_int64 * MAX_RANK),
        ("out_max", ctypes.c_int64 * MAX_RANK),
    ]


class Options(ctypes.Structure):
    """struct tconv_options"""

    _fields_ = [
        ("struct_size", ctypes.c_size_t),
        ("num_threads", ctypes.c_int),
        ("algorithm", ctypes.c_int),
        ("profile", ctypes.c_void_p),
        ("accumulate", ctypes.c_int),
    ]


def _candidates():
    env = os.environ.get("TCONV_LIBRARY")
    if env:
        yield env
        return  # named explicitly: nothing else is tried, so a wrong path fails loudly
    try:
        from . import _config  # written by meson at install time

        yield _config.LIBRARY
    except ImportError:
        pass
    yield SONAME
    found = ctypes.util.find_library("tconv")
    if found:
        yield found


def _load():
    tried = []
    for path in _candidates():
        try:
            return ctypes.CDLL(path), path
        except OSError as e:
            tried.append("%s (%s)" % (path, e))
    raise ImportError(
        "tconv: libtconv not found; tried " + "; ".join(tried) + ". Install it (meson install), or set "
        "TCONV_LIBRARY to the path of libtconv.so.0"
    )


lib, library_path = _load()

_P = ctypes.POINTER
_F = ctypes.c_void_p  # float arrays: passed as raw addresses (numpy's .ctypes.data)
_status = ctypes.c_int

_PROTOTYPES = {
    "tconv_version": (ctypes.c_char_p, []),
    "tconv_last_error": (ctypes.c_char_p, []),
    "tconv_status_string": (ctypes.c_char_p, [ctypes.c_int]),
    "tconv_nd_params_init": (None, [_P(NdParams), ctypes.c_int]),
    "tconv_options_init": (None, [_P(Options)]),
    "tconv_convnd_geometry": (_status, [_P(NdParams), _P(NdGeometry)]),
    "tconv_convnd_transpose_geometry": (_status, [_P(NdParams), _P(NdGeometry)]),
    "tconv_nd_workspace_size": (_status, [ctypes.c_int, _P(NdParams), _P(Options), _P(ctypes.c_size_t)]),
    "tconv_convnd_ex": (_status, [_P(NdParams), _F, _F, _F, _F, _F, ctypes.c_size_t, _P(Options)]),
    "tconv_convnd_transpose_ex": (_status, [_P(NdParams), _F, _F, _F, _F, _F, ctypes.c_size_t, _P(Options)]),
}
for _name in ("backward_data", "backward_filter", "transpose_backward_data", "transpose_backward_filter"):
    _PROTOTYPES["tconv_convnd_%s_ex" % _name] = (
        _status,
        [_P(NdParams), _F, _F, _F, _F, ctypes.c_size_t, _P(Options)],
    )
for _name in ("backward_bias", "transpose_backward_bias"):
    _PROTOTYPES["tconv_convnd_%s_ex" % _name] = (_status, [_P(NdParams), _F, _F, _F, ctypes.c_size_t, _P(Options)])

_PROTOTYPES["tconv_operator_create"] = (
    _status,
    [ctypes.c_int, _P(NdParams), _F, _F, _P(Options), _P(ctypes.c_void_p)],
)
_PROTOTYPES["tconv_operator_run"] = (_status, [ctypes.c_void_p, ctypes.c_int64, _F, _F, _F, ctypes.c_size_t])
_PROTOTYPES["tconv_operator_destroy"] = (None, [ctypes.c_void_p])
_PROTOTYPES["tconv_operator_algorithm"] = (ctypes.c_int, [ctypes.c_void_p])

_PROTOTYPES["tconv_overlap_map"] = (_status, [_P(Params), _F])
_PROTOTYPES["tconv_bilinear_filter"] = (_status, [_P(Params), _F])
_PROTOTYPES["tconv_resize_conv2d_ex"] = (
    _status,
    [_P(Params), ctypes.c_int64, ctypes.c_int, _F, _F, _F, _F, _F, ctypes.c_size_t, _P(Options)],
)

for _name, (_res, _args) in _PROTOTYPES.items():
    _fn = getattr(lib, _name)
    _fn.restype = _res
    _fn.argtypes = _args

version = lib.tconv_version().decode()


def check(status):
    """Raise the status's exception, with this thread's tconv_last_error(), unless it is TCONV_OK."""
    if status == 0:
        return
    message = lib.tconv_last_error().decode(errors="replace")
    cls = _ERRORS.get(status, Error)
    name = lib.tconv_status_string(status).decode(errors="replace").split(":")[0]
    raise cls(message, name)
