/**
 * @file
 * @brief tconv.h - 2-D convolution and transposed convolution ("deconvolution") on the CPU,
 * with TensorFlow's exact semantics and every PyTorch / ONNX spelling.
 *
 * One header, plain C (compiles as C99 and as C++). Every entry point returns an
 * enum tconv_status; on failure tconv_last_error() names the parameter, its value and
 * the allowed range, and the output buffer has not been touched. Calls keep no state
 * between them: any number of threads may call any function at once.
 *
 * Notation used in the comments below, per spatial axis:
 * @code{.unparsed}
 *   k  kernel size, s stride, d dilation (1 = dense), ke = d*(k-1) + 1 the dilated extent;
 *   pb, pa  padding before (top/left) and after (bottom/right).
 * @endcode
 *
 * Tensor shapes are written as C array declarators, row-major, last index fastest:
 * @code{.unparsed}
 *   layout TCONV_NHWC:  x[batch][in_h][in_w][in_channels],   y[batch][out_h][out_w][out_channels]
 *   layout TCONV_NCHW:  x[batch][in_channels][in_h][in_w],   y[batch][out_channels][out_h][out_w]
 * @endcode
 * The filter layout is independent of the data layout (TensorFlow keeps HWIO with NCHW data).
 *
 * Filter layouts: the letters name the axes, I = the op's input channels, O = its output
 * channels. The axis split by groups is I for conv2d and O for conv2d_transpose, because a
 * transposed convolution takes the very filter tensor of the convolution it transposes
 * (g = groups, KH = kernel_h, KW = kernel_w):
 * @code{.unparsed}
 *                  conv2d                                  conv2d_transpose
 *   HWIO  w[KH][KW][in_channels/g][out_channels]    w[KH][KW][in_channels][out_channels/g]
 *   OIHW  w[out_channels][in_channels/g][KH][KW]    w[out_channels/g][in_channels][KH][KW]
 *   HWOI  w[KH][KW][out_channels][in_channels/g]    w[KH][KW][out_channels/g][in_channels]
 *   IOHW  w[in_channels/g][out_channels][KH][KW]    w[in_channels][out_channels/g][KH][KW]
 *
 *   TensorFlow tf.nn.conv2d: HWIO.  tf.nn.conv2d_transpose / Keras Conv2DTranspose: HWOI.
 *   PyTorch / ONNX / Caffe Conv: OIHW.  ConvTranspose: IOHW.
 * @endcode
 *
 * Groups: output channel o of conv2d reads input channels [G*in_channels/g, (G+1)*in_channels/g)
 * where G = o / (out_channels/g); conv2d_transpose is its adjoint. groups == in_channels ==
 * out_channels is a depthwise convolution.
 *
 * Definitions (b = batch index, c = channel, per axis shown for one axis; both axes alike):
 * @code{.unparsed}
 *   conv2d:            y[b][o][i] = act(bias[o] + sum_{c, t} x[b][c][i*s + t*d - pb] * w(o, c, t))
 *                      where x outside [0, in) reads as 0 (zero padding).
 *   conv2d_transpose:  the adjoint of conv2d (the gradient of conv2d with respect to its input,
 *                      TensorFlow's Conv2DBackpropInput): every input pixel i times the whole
 *                      kernel is added into a "full" result of size F = (in-1)*s + ke at
 *                      i*s + t*d, and y[o] = act(bias + full[o + pb]), 0 where o + pb >= F.
 * @endcode
 */
#ifndef TCONV_H
#define TCONV_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Marks the library's exported functions (default symbol visibility under GCC and clang). */
#if defined(__GNUC__) || defined(__clang__)
#define TCONV_API __attribute__((visibility("default")))
#else
#define TCONV_API
#endif

/** @{ */
/** Library version; tconv_version() returns the same as a "MAJOR.MINOR.PATCH" string. */
#define TCONV_VERSION_MAJOR 0
#define TCONV_VERSION_MINOR 2
#define TCONV_VERSION_PATCH 0
/** @} */

/*
 * ABI rules (checked on every build by tests/abi/: abidiff against the stored 0.2.0 ABI).
 * - libtconv.so.0 keeps every function and every struct layout of 0.2.0; functions are only added,
 *   enumerators only appended. A change that breaks this bumps the soname (and the Debian package).
 * - struct tconv_params, tconv_geometry: fixed layouts; a new parameter goes into tconv_options or a
 *   new struct.
 * - struct tconv_options and tconv_profile grow at their end only. Their first field, struct_size, is
 *   sizeof the struct as the caller's header declared it; TCONV_OPTIONS_INIT / TCONV_PROFILE_INIT and
 *   tconv_options_init() / tconv_profile_init() set it. The library reads or writes only the fields that
 *   struct_size covers: fields a caller's older header lacks take their defaults (options) or are not
 *   written (profile); bytes beyond the library's own struct must be zero in options (a newer header's
 *   option this library cannot honour is an error, not ignored) and are zeroed in a profile.
 * - The _init functions initialise this header's (0.2.0) layout, forever: a version that grows a struct
 *   adds a new initialiser and points the name at it, so programs built against this header keep working.
 */

/** Status of every call. Values are fixed; new ones are only ever appended. */
enum tconv_status {
    TCONV_OK = 0,                   /**< success */
    TCONV_ERR_NULL_POINTER = 1,     /**< a required pointer was NULL */
    TCONV_ERR_INVALID_ARGUMENT = 2, /**< a parameter is out of its allowed range */
    TCONV_ERR_SHAPE_MISMATCH = 3,   /**< a requested output size is not what the parameters give */
    TCONV_ERR_UNSUPPORTED = 4,   /**< legal, but beyond what this build handles (e.g. a BLAS dimension over INT_MAX) */
    TCONV_ERR_SIZE_OVERFLOW = 5, /**< an element or byte count overflows int64_t or size_t */
    TCONV_ERR_OUT_OF_MEMORY = 6  /**< a workspace allocation failed */
    /* append only */
};

/** A constant English name for s ("TCONV_ERR_SHAPE_MISMATCH: ..."); never NULL, also for unknown values. */
TCONV_API const char *tconv_status_string(enum tconv_status s);

/**
 * The calling thread's last failure message, e.g.
 * "tconv_conv2d_transpose: out_h = 7 is not admissible: ... allowed range is [5, 6]".
 * It names the function, the parameter, its value and the allowed range. Successful calls leave
 * it unchanged; it is "" if this thread has had no failure. The pointer stays valid until this
 * thread's next tconv call.
 */
TCONV_API const char *tconv_last_error(void);

/** Data layout of x and y (see the declarators above). */
enum tconv_layout {
    TCONV_NHWC = 0, /**< x[batch][in_h][in_w][in_channels], y alike: channels last (TensorFlow's default) */
    TCONV_NCHW = 1  /**< x[batch][in_channels][in_h][in_w], y alike: channels first (PyTorch, ONNX) */
};

/** Filter layout (see the table above). DEFAULT is TensorFlow's: HWIO for conv2d, HWOI for conv2d_transpose. */
enum tconv_filter_layout {
    TCONV_FILTER_DEFAULT = 0, /**< TensorFlow's for the op: HWIO for conv2d, HWOI for conv2d_transpose */
    TCONV_FILTER_HWIO,        /**< w[KH][KW][I][O]: tf.nn.conv2d */
    TCONV_FILTER_OIHW,        /**< w[O][I][KH][KW]: PyTorch, ONNX and Caffe Conv */
    TCONV_FILTER_HWOI,        /**< w[KH][KW][O][I]: tf.nn.conv2d_transpose, Keras Conv2DTranspose */
    TCONV_FILTER_IOHW         /**< w[I][O][KH][KW]: PyTorch and ONNX ConvTranspose */
};

/**
 * Padding mode, per spatial axis.
 *
 * @code{.unparsed}
 * conv2d (in = in_h or in_w):
 *   VALID     pb = pa = 0, out = (in - ke + s) / s   (TensorFlow's formula, C division; < 0 is an error)
 *   SAME      out = ceil(in / s), total = max((out-1)*s + ke - in, 0), pb = total/2, pa = total - pb:
 *             the odd pixel goes at the END (TensorFlow "SAME", ONNX "SAME_UPPER")
 *   SAME_LOWER  as SAME but pb = total - total/2: the odd pixel goes FIRST (ONNX "SAME_LOWER")
 *   EXPLICIT  pb, pa from pad_top/pad_bottom, pad_left/pad_right (>= 0),
 *             out = (in + pb + pa - ke + s) / s
 *
 * conv2d_transpose (in = in_h, F = (in-1)*s + ke the full result; pb, pa crop it):
 *   SAME      out admissible in [(in-1)*s + 1, in*s], default in*s (TF, Keras);
 *             total = max(F - out, 0), pb = total/2 (the extra crop at the END, as TensorFlow)
 *   SAME_LOWER  the same sizes, pb = total - total/2 (ONNX SAME_LOWER)
 *   VALID     pb = 0, out admissible in [F, F + s - 1], default Keras's in*s + max(ke - s, 0)
 *   EXPLICIT  out = F - pb - pa + output_padding (PyTorch padding/output_padding, ONNX pads);
 *             0 <= output_padding < max(s, d); or a given out in [F - pb - pa, F - pb - pa + max(s, d) - 1]
 *             (TensorFlow's explicit paddings with output_shape); if both are given they must agree.
 *   Positions o with o + pb >= F receive no input (bias only).
 * @endcode
 */
enum tconv_padding {
    TCONV_PADDING_VALID = 0,  /**< no padding (conv2d); no crop of the full result (conv2d_transpose) */
    TCONV_PADDING_SAME,       /**< TensorFlow's SAME (ONNX SAME_UPPER): the odd pixel of padding or crop at the end */
    TCONV_PADDING_SAME_LOWER, /**< as SAME with the odd pixel first (ONNX SAME_LOWER) */
    TCONV_PADDING_EXPLICIT    /**< pad_top, pad_bottom, pad_left, pad_right (and output_padding) as given */
};

/** Activation applied after the bias, fused into the final write. */
enum tconv_activation {
    TCONV_ACTIVATION_NONE = 0, /**< y = the sum + bias */
    TCONV_ACTIVATION_RELU      /**< y = max(0, the sum + bias) */
};

/**
 * Parameters of one convolution or transposed convolution. Start from tconv_params_init() or
 * TCONV_PARAMS_INIT and set what you need; every field of the same struct means the same thing for
 * both ops (in_* is always the tensor x the op reads, out_* the tensor y it writes).
 *
 * Limits: every size is an int64_t. The element counts of x, y and the filter are products of their
 * dimensions formed left to right, and every partial product must stay below 2^61, so that byte
 * counts fit int64_t and size_t (else TCONV_ERR_SIZE_OVERFLOW, also when a later dimension is 0).
 * The BLAS interface takes int: in_channels, out_channels, kernel_h*kernel_w*in_channels/groups
 * (conv), kernel_h*kernel_w*out_channels/groups (transposed), in_h*in_w and out_h*out_w must each be
 * <= INT_MAX (else TCONV_ERR_UNSUPPORTED). A workspace (column buffers) over INT64_MAX/1024 bytes is
 * TCONV_ERR_SIZE_OVERFLOW. All of this is checked before anything is allocated or written.
 */
struct tconv_params {
    enum tconv_layout layout;               /**< of x and y; default TCONV_NHWC */
    enum tconv_filter_layout filter_layout; /**< DEFAULT = TensorFlow's: HWIO for conv, HWOI for transposed */
    int64_t batch;                          /**< images in x and y, >= 0; 0 makes the call a successful no-op */
    /** @{ */
    int64_t in_h, in_w; /**< spatial size of x, >= 0 */
    /** @} */
    int64_t in_channels;  /**< channels of x, >= 1, divisible by groups */
    int64_t out_channels; /**< channels of y, >= 1, divisible by groups */
    int64_t groups;       /**< >= 1; default 1; groups == in_channels == out_channels is depthwise */
    /** @{ */
    int64_t kernel_h, kernel_w; /**< >= 1 */
    /** @} */
    /** @{ */
    int64_t stride_h, stride_w; /**< >= 1; default 1 */
    /** @} */
    /** @{ */
    int64_t dilation_h, dilation_w; /**< >= 1; 1 = dense (default); 0 is rejected (not oneDNN's convention) */
    /** @} */
    enum tconv_padding padding; /**< default TCONV_PADDING_VALID (TCONV_PARAMS_INIT's zero) */
    /** @{ */
    int64_t pad_top, pad_bottom, pad_left, pad_right; /**< EXPLICIT only (>= 0); must be 0 otherwise */
    /** @} */
    /** @{ */
    int64_t out_h, out_w; /**< 0 = computed; else must be admissible. Transposed: TF's output_shape */
    /** @} */
    /** @{ */
    int64_t output_padding_h, output_padding_w; /**< transposed + EXPLICIT only (PyTorch/ONNX); else 0 */
    /** @} */
    enum tconv_activation activation; /**< fused after bias; default NONE */
};

/**
 * Defaults: NHWC, default filter layout, groups 1, stride 1, dilation 1, VALID, no activation, every
 * size 0. Positional and complete, so valid C89/C99 and C++ with every warning on.
 */
#define TCONV_PARAMS_INIT                                                                                              \
    {                                                                                                                  \
        TCONV_NHWC, TCONV_FILTER_DEFAULT,    /* layout, filter_layout */                                               \
            0, 0, 0, 0, 0,                   /* batch, in_h, in_w, in_channels, out_channels */                        \
            1, 0, 0,                         /* groups, kernel_h, kernel_w */                                          \
            1, 1, 1, 1,                      /* stride_h, stride_w, dilation_h, dilation_w */                          \
            TCONV_PADDING_VALID, 0, 0, 0, 0, /* padding, pad_top, pad_bottom, pad_left, pad_right */                   \
            0, 0, 0, 0,                      /* out_h, out_w, output_padding_h, output_padding_w */                    \
            TCONV_ACTIVATION_NONE                                                                                      \
    }

/** Set *p to the defaults of TCONV_PARAMS_INIT (for C++ and any C standard). p must not be NULL. */
TCONV_API void tconv_params_init(struct tconv_params *p);

/**
 * The resolved geometry of a call.
 * @code{.unparsed}
 *   out_h, out_w                    the size y will have
 *   pad_top .. pad_right            conv: the zero padding applied to x (SAME split resolved).
 *                                   transposed: the crop of the full result, y[o] = full[o + pad_top];
 *                                   pad_bottom = F - pad_top - out_h may be < 0 (trailing bias-only rows).
 *   out_h_min .. out_w_max          transposed: every output size this padding admits (the range a
 *                                   given out_h/out_w must fall in); conv: equal to out_h / out_w.
 * @endcode
 */
struct tconv_geometry {
    /** @{ */
    int64_t out_h, out_w; /**< the size y will have */
    /** @} */
    /** @{ */
    int64_t pad_top, pad_bottom, pad_left, pad_right; /**< conv: the padding of x; transposed: the crop (see above) */
    /** @} */
    /** @{ */
    int64_t out_h_min, out_h_max, out_w_min, out_w_max; /**< transposed: the admissible output sizes; conv: out_h/w */
    /** @} */
};

/** Validate p for conv2d and resolve its geometry into *g. Touches nothing else. */
TCONV_API enum tconv_status tconv_conv2d_geometry(const struct tconv_params *p, struct tconv_geometry *g);

/** Validate p for conv2d_transpose and resolve its geometry into *g. */
TCONV_API enum tconv_status tconv_conv2d_transpose_geometry(const struct tconv_params *p, struct tconv_geometry *g);

/**
 * 2-D convolution (TensorFlow tf.nn.conv2d + bias_add + relu; PyTorch F.conv2d; ONNX Conv),
 * lowered to im2col + sgemm (a 1x1, stride-1, unpadded kernel skips im2col).
 *
 * @param p       parameters (see struct tconv_params)
 * @param x       input, layout p->layout (see the declarators at the top); may be NULL only if empty
 * @param filter  filter, layout p->filter_layout for conv2d (table at the top);
 *                kernel_h*kernel_w*in_channels/groups*out_channels floats
 * @param bias    float bias[out_channels], or NULL for none
 * @param y       output, layout p->layout, batch*out_h*out_w*out_channels floats; every element
 *                is written on success, none on failure. y must not share memory with x, filter or
 *                bias (TCONV_ERR_INVALID_ARGUMENT): no call computes in place. The same holds for every
 *                output (dx, dfilter, dbias, counts) against the call's inputs, and for a caller's
 *                workspace against every tensor of the call.
 * @return TCONV_OK, or an error status with tconv_last_error() set.
 * Results are bitwise reproducible run to run and, with the OpenMP build of OpenBLAS, for any
 * thread count (see tconv_conv2d_ex).
 */
TCONV_API enum tconv_status tconv_conv2d(const struct tconv_params *p, const float *x, const float *filter,
                                         const float *bias, float *y);

/**
 * 2-D transposed convolution (tf.nn.conv2d_transpose, Keras Conv2DTranspose, PyTorch
 * F.conv_transpose2d, ONNX ConvTranspose), lowered to sgemm + col2im.
 * x is the small side: x[batch][in_h][in_w][in_channels] (NHWC); y[batch][out_h][out_w][out_channels].
 * filter is in p->filter_layout for conv2d_transpose, kernel_h*kernel_w*in_channels*out_channels/groups floats.
 * Other arguments and results as tconv_conv2d.
 */
TCONV_API enum tconv_status tconv_conv2d_transpose(const struct tconv_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y);

/** Naive direct conv2d (nested loops, double accumulation): the test oracle. Same contract as tconv_conv2d. */
TCONV_API enum tconv_status tconv_conv2d_reference(const struct tconv_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y);

/**
 * Naive scatter conv2d_transpose (every input pixel times the whole kernel, overlaid at the
 * stride, double accumulation): the test oracle. Same contract as tconv_conv2d_transpose.
 */
TCONV_API enum tconv_status tconv_conv2d_transpose_reference(const struct tconv_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y);

/* ------------------------------------------------------------------------------------------------
 * Expert interface: workspace, threads, algorithm choice, per-phase profile.
 * ---------------------------------------------------------------------------------------------- */

/**
 * The lowering a call uses. AUTO picks by a cost model; forcing one that cannot run the problem
 * returns TCONV_ERR_UNSUPPORTED with the reason. Whether one can run depends on the parameters only,
 * so a forced algorithm is checked the same way when the call has nothing to compute.
 * @code{.unparsed}
 *   GEMM      conv2d: im2col + sgemm (a 1x1, stride-1, unpadded kernel reads x in place);
 *             conv2d_transpose: sgemm + col2im (a gather: no atomics, bias and activation fused).
 *             Runs every problem. The filter gradients' algorithm (im2col + sgemm reductions).
 *   SUBPIXEL  the forward pass of conv2d_transpose (and so the data gradient of conv2d) only, when
 *             each axis has dilation 1 or stride 1, a stride no larger than the output size on that
 *             axis (out_h >= stride_h, out_w >= stride_w: fewer outputs than phases would make a GEMM
 *             of mostly nothing), and GEMM sizes kernel_h*kernel_w/(stride_h*stride_w)*in_channels/groups
 *             and stride_h*stride_w*out_channels/groups within INT_MAX: the stride-s transposed conv is
 *             computed as one stride-1 conv over the input with s*s phases of ceil(k/s) taps each, then
 *             depth-to-space. No overlap-add; when kernel == stride the GEMM reads x in place and writes
 *             straight to y. When the kernel is not a multiple of the stride the phases have zero taps,
 *             and 0 x Inf = NaN carries a NaN or Inf of x to neighbouring outputs its pixel does not
 *             reach; AUTO never picks SUBPIXEL there. Not for filter or bias gradients.
 *   DIRECT    one input and one output channel per group (in_channels/groups == out_channels/groups
 *             == 1: depthwise, or a single-channel conv): direct loops, forward and filter gradient.
 *             The bias gradients' only algorithm (AUTO or DIRECT; GEMM and SUBPIXEL are refused).
 *   NONE      never requested: the profile's algorithm of a call that had nothing to compute (an empty
 *             output, or an input with no elements, so y is the bias or the gradient is zero).
 * @endcode
 */
enum tconv_algorithm {
    TCONV_ALGORITHM_AUTO = 0, /**< the cost model picks (the default) */
    TCONV_ALGORITHM_GEMM,     /**< im2col + sgemm, or sgemm + col2im: runs every problem */
    TCONV_ALGORITHM_SUBPIXEL, /**< conv2d_transpose as one stride-1 GEMM plus depth-to-space (conditions above) */
    TCONV_ALGORITHM_DIRECT,   /**< direct loops, one input and one output channel per group (depthwise) */
    TCONV_ALGORITHM_NONE      /**< reported only: the call had nothing to compute (see tconv_profile) */
};

/**
 * Where one call spent its time, in seconds (filled when tconv_options.profile is set). The phases
 * run interleaved on all threads; each is reported as its share of the summed thread time, scaled
 * to the wall-clock total, so pack + im2col + gemm + col2im + epilogue == total (all 0 but total when
 * nothing was computed). Resize-convolution's composed filter counts as pack, its upsampling as im2col.
 */
struct tconv_profile {
    size_t struct_size;             /**< sizeof(struct tconv_profile) as the caller compiled it (set by the
                                         initialisers; the library writes only what it covers) */
    double total;                   /**< wall clock of the call */
    double pack;                    /**< filter packing (layout change, sub-pixel rearrangement) */
    double im2col;                  /**< im2col / column gathering */
    double gemm;                    /**< cblas_sgemm */
    double col2im;                  /**< col2im, depth-to-space, or the direct depthwise loops */
    double epilogue;                /**< bias + activation when not fused into the phase before */
    enum tconv_algorithm algorithm; /**< the algorithm that ran; TCONV_ALGORITHM_NONE if nothing was computed */
    int threads;                    /**< the threads that ran: the OpenMP team tconv actually got, which can be
                                         fewer than num_threads (OMP_THREAD_LIMIT, OMP_DYNAMIC, a call from inside a
                                         parallel region, the tiles of a small problem); 0 if nothing was computed */
};

/** A profile to pass in tconv_options.profile: struct_size set, every measurement 0. */
#define TCONV_PROFILE_INIT                                                                                             \
    {                                                                                                                  \
        sizeof(struct tconv_profile), 0, 0, 0, 0, 0, 0, TCONV_ALGORITHM_NONE, 0                                        \
    }

/** Set *pr to TCONV_PROFILE_INIT (for C++ and any C standard). pr must not be NULL. */
TCONV_API void tconv_profile_init(struct tconv_profile *pr);

/**
 * Options of the _ex calls. Start from tconv_options_init() or TCONV_OPTIONS_INIT; NULL means all
 * defaults. struct_size must be set (see the ABI rules at the top), also in a profile passed here.
 *
 * Threads. One level of parallelism at a time: tconv runs its tiles on an OpenMP team, each tile
 * with a single-threaded sgemm. Called from inside an active OpenMP parallel region, it runs on the
 * calling thread only; next to the pthreads build of OpenBLAS it runs its tiles on the calling thread
 * and lets OpenBLAS thread each GEMM. It never hangs when OpenMP delivers fewer threads than asked
 * (OMP_THREAD_LIMIT, OMP_DYNAMIC): for the call, its threads' OpenMP thread count is 1 (restored
 * afterwards), so OpenBLAS never threads one of its GEMMs.
 */
struct tconv_options {
    size_t struct_size;             /**< sizeof(struct tconv_options) as the caller compiled it (set by the
                                         initialisers); at least the 0.2.0 size */
    int num_threads;                /**< >= 0; 0 = omp_get_max_threads() (1 without OpenMP), at most 1024 */
    enum tconv_algorithm algorithm; /**< default AUTO; TCONV_ALGORITHM_NONE is not a request */
    struct tconv_profile *profile;  /**< if not NULL, filled on success */
    int accumulate;                 /**< backward calls: 1 = add the gradient into dx / dfilter / dbias
                                         (beta = 1, for gradient accumulation); 0 = overwrite. Must be 0
                                         for the forward calls. */
};
/** Defaults: struct_size set, the default thread count, AUTO, no profile, overwrite. */
#define TCONV_OPTIONS_INIT                                                                                             \
    {                                                                                                                  \
        sizeof(struct tconv_options), 0, TCONV_ALGORITHM_AUTO, 0, 0                                                    \
    }

/** Set *o to TCONV_OPTIONS_INIT (for C++ and any C standard). o must not be NULL. */
TCONV_API void tconv_options_init(struct tconv_options *o);

/** @{ */
/**
 * Bytes of workspace tconv_conv2d_ex / tconv_conv2d_transpose_ex need for p with default options
 * (the default thread count and AUTO). Any alignment is fine. Validates p like the op itself.
 */
TCONV_API enum tconv_status tconv_conv2d_workspace_size(const struct tconv_params *p, size_t *bytes);
TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size(const struct tconv_params *p, size_t *bytes);
/** @} */
/** @{ */
/** The same for given options (opt may be NULL). */
TCONV_API enum tconv_status tconv_conv2d_workspace_size_ex(const struct tconv_params *p,
                                                           const struct tconv_options *opt, size_t *bytes);
TCONV_API enum tconv_status tconv_conv2d_transpose_workspace_size_ex(const struct tconv_params *p,
                                                                     const struct tconv_options *opt, size_t *bytes);
/** @} */

/** @{ */
/**
 * tconv_conv2d / tconv_conv2d_transpose with a caller-provided workspace and options.
 * workspace == NULL: tconv allocates (and frees) what it needs, as the plain calls do.
 * Otherwise workspace_bytes must be at least what the _workspace_size query returns; a smaller
 * buffer that still holds one thread's share runs on fewer threads, one below that is
 * TCONV_ERR_INVALID_ARGUMENT. With a workspace, the call allocates nothing.
 * Results do not depend on the thread count or the workspace (OpenMP build of OpenBLAS).
 */
TCONV_API enum tconv_status tconv_conv2d_ex(const struct tconv_params *p, const float *x, const float *filter,
                                            const float *bias, float *y, void *workspace, size_t workspace_bytes,
                                            const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_conv2d_transpose_ex(const struct tconv_params *p, const float *x, const float *filter,
                                                      const float *bias, float *y, void *workspace,
                                                      size_t workspace_bytes, const struct tconv_options *opt);
/** @} */

/* ------------------------------------------------------------------------------------------------
 * Training: the gradients of both ops.
 *
 * p always describes the FORWARD op (the same struct as for tconv_conv2d / tconv_conv2d_transpose),
 * with activation = TCONV_ACTIVATION_NONE: these are the gradients of the linear op; apply the
 * activation's derivative to dy first (ReLU: dy[i] = y[i] > 0 ? dy[i] : 0).
 * dy has y's shape and layout, dx has x's, dfilter has the filter's (p->filter_layout), dbias is
 * float[out_channels]. Every output is overwritten, or accumulated into with options.accumulate.
 *
 * The data gradient of conv2d IS conv2d_transpose with the same filter tensor (TensorFlow's
 * Conv2DBackpropInput), and the data gradient of conv2d_transpose is conv2d: each runs the other's
 * forward path (same algorithms, same bits). The filter gradients are im2col + sgemm reductions over
 * the batch and the pixels, in a fixed order (deterministic, independent of the thread count).
 * ---------------------------------------------------------------------------------------------- */

/** dx = d(loss)/dx of y = conv2d(x, filter), given dy. */
TCONV_API enum tconv_status tconv_conv2d_backward_data(const struct tconv_params *p, const float *dy,
                                                       const float *filter, float *dx);
/** dfilter = d(loss)/dfilter of y = conv2d(x, filter), given x and dy. */
TCONV_API enum tconv_status tconv_conv2d_backward_filter(const struct tconv_params *p, const float *x, const float *dy,
                                                         float *dfilter);
/** dbias[o] = sum of dy over batch and space, per output channel (conv2d's bias gradient). */
TCONV_API enum tconv_status tconv_conv2d_backward_bias(const struct tconv_params *p, const float *dy, float *dbias);
/** dx of y = conv2d_transpose(x, filter), given dy (this is conv2d of dy with the same filter). */
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_data(const struct tconv_params *p, const float *dy,
                                                                 const float *filter, float *dx);
/** dfilter of y = conv2d_transpose(x, filter), given x and dy. */
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_filter(const struct tconv_params *p, const float *x,
                                                                   const float *dy, float *dfilter);
/** dbias of conv2d_transpose: the sum of dy per output channel. */
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_bias(const struct tconv_params *p, const float *dy,
                                                                 float *dbias);

/** @{ */
/** The same with a workspace and options (see tconv_conv2d_ex; accumulate applies here). */
TCONV_API enum tconv_status tconv_conv2d_backward_data_ex(const struct tconv_params *p, const float *dy,
                                                          const float *filter, float *dx, void *workspace,
                                                          size_t workspace_bytes, const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_conv2d_backward_filter_ex(const struct tconv_params *p, const float *x,
                                                            const float *dy, float *dfilter, void *workspace,
                                                            size_t workspace_bytes, const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_conv2d_backward_bias_ex(const struct tconv_params *p, const float *dy, float *dbias,
                                                          void *workspace, size_t workspace_bytes,
                                                          const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_data_ex(const struct tconv_params *p, const float *dy,
                                                                    const float *filter, float *dx, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_filter_ex(const struct tconv_params *p, const float *x,
                                                                      const float *dy, float *dfilter, void *workspace,
                                                                      size_t workspace_bytes,
                                                                      const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_bias_ex(const struct tconv_params *p, const float *dy,
                                                                    float *dbias, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt);
/** @} */

/** @{ */
/** Naive references of the six gradients (direct loops, double accumulation): the test oracles. */
TCONV_API enum tconv_status tconv_conv2d_backward_data_reference(const struct tconv_params *p, const float *dy,
                                                                 const float *filter, float *dx);
TCONV_API enum tconv_status tconv_conv2d_backward_filter_reference(const struct tconv_params *p, const float *x,
                                                                   const float *dy, float *dfilter);
TCONV_API enum tconv_status tconv_conv2d_backward_bias_reference(const struct tconv_params *p, const float *dy,
                                                                 float *dbias);
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_data_reference(const struct tconv_params *p,
                                                                           const float *dy, const float *filter,
                                                                           float *dx);
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_filter_reference(const struct tconv_params *p,
                                                                             const float *x, const float *dy,
                                                                             float *dfilter);
TCONV_API enum tconv_status tconv_conv2d_transpose_backward_bias_reference(const struct tconv_params *p,
                                                                           const float *dy, float *dbias);
/** @} */

/** The computations, for tconv_workspace_size. */
enum tconv_op {
    TCONV_OP_CONV2D = 0,                       /**< tconv_conv2d_ex */
    TCONV_OP_CONV2D_TRANSPOSE,                 /**< tconv_conv2d_transpose_ex */
    TCONV_OP_CONV2D_BACKWARD_DATA,             /**< tconv_conv2d_backward_data_ex */
    TCONV_OP_CONV2D_BACKWARD_FILTER,           /**< tconv_conv2d_backward_filter_ex */
    TCONV_OP_CONV2D_BACKWARD_BIAS,             /**< tconv_conv2d_backward_bias_ex */
    TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_DATA,   /**< tconv_conv2d_transpose_backward_data_ex */
    TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_FILTER, /**< tconv_conv2d_transpose_backward_filter_ex */
    TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_BIAS,   /**< tconv_conv2d_transpose_backward_bias_ex */
    TCONV_OP_CONV = TCONV_OP_CONV2D,           /**< the same value, for code that is not 2-D (tconv_convnd_ex) */
    TCONV_OP_CONV_TRANSPOSE = TCONV_OP_CONV2D_TRANSPOSE /**< the same value (tconv_convnd_transpose_ex) */
};

/** Workspace bytes the _ex call of op needs for p and opt (opt may be NULL). */
TCONV_API enum tconv_status tconv_workspace_size(enum tconv_op op, const struct tconv_params *p,
                                                 const struct tconv_options *opt, size_t *bytes);

/* ------------------------------------------------------------------------------------------------
 * N-D: 1, 2 or 3 spatial axes (conv1d / conv2d / conv3d and their transposes), the same rules per axis.
 * ---------------------------------------------------------------------------------------------- */

/** The most spatial axes a tconv_nd_params describes (conv3d). */
#define TCONV_MAX_RANK 3

/**
 * Parameters of an N-D convolution or transposed convolution.
 *
 * Spatial axes are listed outermost first: rank 1 (w), rank 2 (h, w), rank 3 (d, h, w).
 * layout TCONV_NHWC = channels last:  x[batch][in[0]]...[in[rank-1]][in_channels]   (NWC, NHWC, NDHWC)
 * layout TCONV_NCHW = channels first: x[batch][in_channels][in[0]]...[in[rank-1]]   (NCW, NCHW, NCDHW)
 * y alike with out[] and out_channels. In filter layouts "HW" stands for all spatial axes, in order:
 *   HWIO [k[0]]..[k[rank-1]][I][O]   (TF conv1d / conv3d)
 *   OIHW [O][I][k[0]]..[k[rank-1]]   (PyTorch / ONNX Conv1d / Conv3d)
 *   HWOI [k[0]]..[k[rank-1]][O][I]   (TF conv1d_transpose / conv3d_transpose)
 *   IOHW [I][O][k[0]]..[k[rank-1]]   (PyTorch / ONNX ConvTranspose1d / ConvTranspose3d)
 * with I, O and the per-group axis exactly as for 2-D (I per group for conv, O per group for transposed).
 * Entries at index >= rank are ignored. Per axis, every rule of the 2-D API holds unchanged
 * (padding modes, admissible transposed sizes, output_padding, dilation, limits, errors); messages name
 * the axis by its dimension (depth, height, width). Rank 2 gives bitwise the results of the 2-D API.
 */
struct tconv_nd_params {
    int rank;                               /**< 1, 2 or 3 */
    enum tconv_layout layout;               /**< TCONV_NHWC (channels last) or TCONV_NCHW (channels first) */
    enum tconv_filter_layout filter_layout; /**< DEFAULT = HWIO for conv, HWOI for transposed */
    int64_t batch;                          /**< images in x and y, >= 0 */
    int64_t in_channels;                    /**< channels of x, >= 1, divisible by groups */
    int64_t out_channels;                   /**< channels of y, >= 1, divisible by groups */
    int64_t groups;                         /**< >= 1 */
    int64_t in[TCONV_MAX_RANK];             /**< x's spatial sizes, >= 0 */
    int64_t kernel[TCONV_MAX_RANK];         /**< >= 1 */
    int64_t stride[TCONV_MAX_RANK];         /**< >= 1 */
    int64_t dilation[TCONV_MAX_RANK];       /**< >= 1 */
    enum tconv_padding padding;             /**< as for 2-D, on every axis */
    int64_t pad_before[TCONV_MAX_RANK];     /**< EXPLICIT only: front/top/left */
    int64_t pad_after[TCONV_MAX_RANK];      /**< EXPLICIT only: back/bottom/right */
    int64_t out[TCONV_MAX_RANK];            /**< 0 = computed; transposed: TF's output_shape */
    int64_t output_padding[TCONV_MAX_RANK]; /**< transposed + EXPLICIT only */
    enum tconv_activation activation;       /**< fused after bias; default NONE */
};

/** Zero *p, then set rank, groups = 1 and stride = dilation = 1 on every axis (the 2-D defaults). */
TCONV_API void tconv_nd_params_init(struct tconv_nd_params *p, int rank);

/** The resolved geometry of an N-D call, per axis (entries at index >= rank are 0). */
struct tconv_nd_geometry {
    int64_t out[TCONV_MAX_RANK];        /**< the size y will have */
    int64_t pad_before[TCONV_MAX_RANK]; /**< as tconv_geometry's pad_top / pad_left, per axis */
    int64_t pad_after[TCONV_MAX_RANK];  /**< as tconv_geometry's pad_bottom / pad_right, per axis */
    int64_t out_min[TCONV_MAX_RANK];    /**< transposed: the smallest admissible out; conv: out */
    int64_t out_max[TCONV_MAX_RANK];    /**< transposed: the largest admissible out; conv: out */
};

/** Validate p for an N-D conv and resolve its geometry into *g. Touches nothing else. */
TCONV_API enum tconv_status tconv_convnd_geometry(const struct tconv_nd_params *p, struct tconv_nd_geometry *g);
/** Validate p for an N-D transposed conv and resolve its geometry into *g. */
TCONV_API enum tconv_status tconv_convnd_transpose_geometry(const struct tconv_nd_params *p,
                                                            struct tconv_nd_geometry *g);

/** N-D conv (conv1d, conv2d, conv3d): as tconv_conv2d. */
TCONV_API enum tconv_status tconv_convnd(const struct tconv_nd_params *p, const float *x, const float *filter,
                                         const float *bias, float *y);
/** N-D transposed conv: as tconv_conv2d_transpose. */
TCONV_API enum tconv_status tconv_convnd_transpose(const struct tconv_nd_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y);
/** The naive direct loop of tconv_convnd. */
TCONV_API enum tconv_status tconv_convnd_reference(const struct tconv_nd_params *p, const float *x, const float *filter,
                                                   const float *bias, float *y);
/** The naive scatter loop of tconv_convnd_transpose. */
TCONV_API enum tconv_status tconv_convnd_transpose_reference(const struct tconv_nd_params *p, const float *x,
                                                             const float *filter, const float *bias, float *y);

/** @{ */
/** Gradients, as the 2-D ones (p describes the forward op, activation NONE). */
TCONV_API enum tconv_status tconv_convnd_backward_data(const struct tconv_nd_params *p, const float *dy,
                                                       const float *filter, float *dx);
TCONV_API enum tconv_status tconv_convnd_backward_filter(const struct tconv_nd_params *p, const float *x,
                                                         const float *dy, float *dfilter);
TCONV_API enum tconv_status tconv_convnd_backward_bias(const struct tconv_nd_params *p, const float *dy, float *dbias);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_data(const struct tconv_nd_params *p, const float *dy,
                                                                 const float *filter, float *dx);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_filter(const struct tconv_nd_params *p, const float *x,
                                                                   const float *dy, float *dfilter);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_bias(const struct tconv_nd_params *p, const float *dy,
                                                                 float *dbias);
/** @} */

/** @{ */
/** The _ex forms of the eight N-D calls: a workspace and options, as the 2-D _ex calls. */
TCONV_API enum tconv_status tconv_convnd_ex(const struct tconv_nd_params *p, const float *x, const float *filter,
                                            const float *bias, float *y, void *workspace, size_t workspace_bytes,
                                            const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_transpose_ex(const struct tconv_nd_params *p, const float *x,
                                                      const float *filter, const float *bias, float *y, void *workspace,
                                                      size_t workspace_bytes, const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_backward_data_ex(const struct tconv_nd_params *p, const float *dy,
                                                          const float *filter, float *dx, void *workspace,
                                                          size_t workspace_bytes, const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_backward_filter_ex(const struct tconv_nd_params *p, const float *x,
                                                            const float *dy, float *dfilter, void *workspace,
                                                            size_t workspace_bytes, const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_backward_bias_ex(const struct tconv_nd_params *p, const float *dy,
                                                          float *dbias, void *workspace, size_t workspace_bytes,
                                                          const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_data_ex(const struct tconv_nd_params *p, const float *dy,
                                                                    const float *filter, float *dx, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_filter_ex(const struct tconv_nd_params *p, const float *x,
                                                                      const float *dy, float *dfilter, void *workspace,
                                                                      size_t workspace_bytes,
                                                                      const struct tconv_options *opt);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_bias_ex(const struct tconv_nd_params *p, const float *dy,
                                                                    float *dbias, void *workspace,
                                                                    size_t workspace_bytes,
                                                                    const struct tconv_options *opt);
/** @} */

/** @{ */
/** The naive references of the six N-D gradients (direct loops; the test oracle). */
TCONV_API enum tconv_status tconv_convnd_backward_data_reference(const struct tconv_nd_params *p, const float *dy,
                                                                 const float *filter, float *dx);
TCONV_API enum tconv_status tconv_convnd_backward_filter_reference(const struct tconv_nd_params *p, const float *x,
                                                                   const float *dy, float *dfilter);
TCONV_API enum tconv_status tconv_convnd_backward_bias_reference(const struct tconv_nd_params *p, const float *dy,
                                                                 float *dbias);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_data_reference(const struct tconv_nd_params *p,
                                                                           const float *dy, const float *filter,
                                                                           float *dx);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_filter_reference(const struct tconv_nd_params *p,
                                                                             const float *x, const float *dy,
                                                                             float *dfilter);
TCONV_API enum tconv_status tconv_convnd_transpose_backward_bias_reference(const struct tconv_nd_params *p,
                                                                           const float *dy, float *dbias);
/** @} */

/** Workspace bytes the N-D _ex call of op needs for p and opt (opt may be NULL). */
TCONV_API enum tconv_status tconv_nd_workspace_size(enum tconv_op op, const struct tconv_nd_params *p,
                                                    const struct tconv_options *opt, size_t *bytes);

/* ------------------------------------------------------------------------------------------------
 * Operators: a conv or transposed conv of any rank planned once, its filter packed once into the layout
 * the chosen algorithm reads, then run many times (as oneDNN's primitives and XNNPACK's operators).
 * ---------------------------------------------------------------------------------------------- */

/** An operator: opaque, immutable after tconv_operator_create, so many threads may run one at once
    (each with its own workspace, or NULL). */
struct tconv_operator;

/**
 * Plans op (TCONV_OP_CONV or TCONV_OP_CONV_TRANSPOSE, any rank) for p and packs filter (p's filter layout)
 * and copies bias (may be NULL): the caller's arrays may be freed afterwards. The algorithm is chosen
 * here, for p->batch (opt->algorithm AUTO) or forced, and every run uses it; opt's threads likewise.
 * opt->profile must be NULL (runs may be concurrent). All of p is validated as by tconv_convnd_ex; on
 * failure *out is untouched. Destroy with tconv_operator_destroy.
 */
TCONV_API enum tconv_status tconv_operator_create(enum tconv_op op, const struct tconv_nd_params *p,
                                                  const float *filter, const float *bias,
                                                  const struct tconv_options *opt, struct tconv_operator **out);
/** Workspace bytes a run of batch images needs (batch may differ from the p->batch of create). */
TCONV_API enum tconv_status tconv_operator_workspace_size(const struct tconv_operator *op, int64_t batch,
                                                          size_t *bytes);
/**
 * y = the operator's op on batch images x (batch >= 0, any value on every run), with the workspace given
 * (NULL allocates one). Bitwise the result of tconv_convnd_ex / tconv_convnd_transpose_ex with p's batch
 * set to batch and opt->algorithm = tconv_operator_algorithm(op); at create's batch with AUTO that is what
 * the plain call chooses. Errors as the plain call's; y is untouched on failure.
 */
TCONV_API enum tconv_status tconv_operator_run(const struct tconv_operator *op, int64_t batch, const float *x, float *y,
                                               void *workspace, size_t workspace_bytes);
/** The algorithm op's runs use (chosen at create); TCONV_ALGORITHM_NONE for NULL or nothing to compute. */
TCONV_API enum tconv_algorithm tconv_operator_algorithm(const struct tconv_operator *op);
/** Frees op (NULL: nothing). */
TCONV_API void tconv_operator_destroy(struct tconv_operator *op);

/* ------------------------------------------------------------------------------------------------
 * The filter tensor of a call, for code that builds or reads one (the declarators at the top).
 * op names the computation; a gradient means its forward op's filter (TCONV_OP_CONV2D_BACKWARD_*
 * is conv2d's, TCONV_OP_CONV2D_TRANSPOSE_BACKWARD_* is conv2d_transpose's). p is validated as for
 * that op.
 * ---------------------------------------------------------------------------------------------- */

/**
 * The filter's shape in p->filter_layout, outermost first: dims[0..3] (e.g. conv2d HWIO:
 * {kernel_h, kernel_w, in_channels/groups, out_channels}). *layout (if not NULL) receives the layout
 * with DEFAULT resolved (HWIO for conv2d, HWOI for conv2d_transpose).
 */
TCONV_API enum tconv_status tconv_filter_shape(enum tconv_op op, const struct tconv_params *p, int64_t dims[4],
                                               enum tconv_filter_layout *layout);

/**
 * *index = the position in the filter of the weight that connects input channel in_channel (of x,
 * in [0, in_channels)) to output channel out_channel (of y, in [0, out_channels)) at kernel tap
 * (ky, kx). Both channels are the op's own, full indices; they must lie in the same group.
 */
TCONV_API enum tconv_status tconv_filter_index(enum tconv_op op, const struct tconv_params *p, int64_t out_channel,
                                               int64_t in_channel, int64_t ky, int64_t kx, int64_t *index);

/* ------------------------------------------------------------------------------------------------
 * Checkerboards, made visible, and the two standard fixes.
 * ---------------------------------------------------------------------------------------------- */

/**
 * The overlap map of conv2d_transpose p: counts[oy][ox] (int32_t[out_h][out_w]) is the number of
 * (input pixel, kernel tap) pairs that land on output pixel (oy, ox) - the same for every channel
 * and image. A uniform map means the geometry adds no pattern; a kernel not divisible by the stride
 * gives a periodic one (seed 002's 2 2 4 2 4 ..., Odena et al., "Deconvolution and Checkerboard
 * Artifacts", 2016). p is validated as for tconv_conv2d_transpose; batch and channels are ignored.
 * Needs kernel_h * kernel_w <= INT32_MAX.
 */
TCONV_API enum tconv_status tconv_overlap_map(const struct tconv_params *p, int32_t *counts);

/**
 * Fill filter (conv2d_transpose's shape and p->filter_layout) with the bilinear upsampling kernel
 * (Caffe's "bilinear" filler, used by FCN): per axis f = ceil(k/2), c = (2f - 1 - f%2) / (2f),
 * w[t] = 1 - |t/f - c|, and w[ty][tx] = w[ty] * w[tx]. With kernel 2s - s%2, stride s and padding
 * (k - s)/2 on each side (EXPLICIT; s = 2: kernel 4, padding 1), conv2d_transpose is bilinear
 * interpolation with half-pixel centres (align_corners=False) with zeros outside x, so it equals
 * edge-clamped bilinear upsampling away from a border of ceil(s/2) output pixels.
 * Per channel: groups == in_channels == out_channels (depthwise), or groups == 1 and
 * in_channels == out_channels (a diagonal filter: channel i only feeds channel i).
 */
TCONV_API enum tconv_status tconv_bilinear_filter(const struct tconv_params *p, float *filter);

/** Upsampling of tconv_resize_conv2d. */
enum tconv_resize {
    TCONV_RESIZE_NEAREST = 0, /**< each pixel repeated scale x scale times */
    TCONV_RESIZE_BILINEAR /**< half-pixel centres, edges clamped (PyTorch align_corners=False, TF half_pixel_centers) */
};

/**
 * Resize-convolution, the checkerboard-free alternative to a strided transposed conv: upsample x by
 * `scale` (>= 1) on both axes, then conv2d with p. p describes the conv on the upsampled tensor
 * except in_h and in_w, which are x's size: the conv reads (in_h*scale) x (in_w*scale), and y has the
 * size tconv_conv2d_geometry gives for those. Filter, bias and activation as tconv_conv2d.
 * Nearest upsampling followed by a stride-1 conv is itself a stride-`scale` transposed conv with a
 * composed kernel of (kernel-1)*dilation + scale taps: that is how it runs, without building the
 * upsampled tensor and with fewer flops. Otherwise (bilinear, a strided conv, padding beyond the dilated
 * kernel, a dilation larger than the scale on an axis with more than one tap, where composing would cost
 * more, or a composed kernel beyond the BLAS's int) the upsampled tensor is built first.
 */
TCONV_API enum tconv_status tconv_resize_conv2d(const struct tconv_params *p, int64_t scale, enum tconv_resize mode,
                                                const float *x, const float *filter, const float *bias, float *y);
/**
 * tconv_resize_conv2d with a caller-provided workspace and options, as tconv_conv2d_ex (accumulate must
 * be 0; opt->algorithm picks the algorithm of the convolution that runs: the composed transposed conv,
 * or the conv over the upsampled tensor). The workspace holds the composed filter or the upsampled
 * tensor and that convolution's own.
 */
TCONV_API enum tconv_status tconv_resize_conv2d_ex(const struct tconv_params *p, int64_t scale, enum tconv_resize mode,
                                                   const float *x, const float *filter, const float *bias, float *y,
                                                   void *workspace, size_t workspace_bytes,
                                                   const struct tconv_options *opt);
/** Bytes of workspace tconv_resize_conv2d_ex needs for these arguments (opt may be NULL). */
TCONV_API enum tconv_status tconv_resize_conv2d_workspace_size(const struct tconv_params *p, int64_t scale,
                                                               enum tconv_resize mode, const struct tconv_options *opt,
                                                               size_t *bytes);
/** The naive two steps (build the upsampled tensor, then tconv_conv2d_reference): the test oracle. */
TCONV_API enum tconv_status tconv_resize_conv2d_reference(const struct tconv_params *p, int64_t scale,
                                                          enum tconv_resize mode, const float *x, const float *filter,
                                                          const float *bias, float *y);

/** A constant name for a (e.g. "SUBPIXEL"); never NULL. */
TCONV_API const char *tconv_algorithm_name(enum tconv_algorithm a);

/** "MAJOR.MINOR.PATCH" of the library actually linked. */
TCONV_API const char *tconv_version(void);

#ifdef __cplusplus
}
#endif

#endif /* TCONV_H */
