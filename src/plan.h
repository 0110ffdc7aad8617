/*
 * plan.h - how a problem runs: one tagged plan per algorithm (plan.c chooses and tiles), and the
 * stages the executor runs for it (execute.h).
 *
 * A call is cut into independent tiles whose shapes depend on the problem only, never on the thread
 * count: every output element is computed by one tile in a fixed order, so results do not depend
 * on the number of threads. The workspace is the shared part (a packed filter, or partial filter
 * gradients) plus one scratch buffer per thread.
 */
#ifndef TCONV_PLAN_H
#define TCONV_PLAN_H

#include "problem.h"

#pragma GCC visibility push(hidden)

enum tconv__kind {
    TCONV__NOTHING,          /* nothing to compute: an empty output, or only the bias / zeros */
    TCONV__CONV_IM2COL,      /* conv: im2col + sgemm */
    TCONV__POINTWISE,        /* either op, 1x1 kernel, stride 1, nothing padded or cropped: x is the GEMM's input */
    TCONV__TR_INTO_Y,        /* transposed, 1x1 input whose full result is y (DCGAN's first layer): the GEMM writes y */
    TCONV__TR_COL2IM_IMAGES, /* transposed NHWC: sgemm + col2im over blocks of whole images */
    TCONV__TR_COL2IM_BANDS,  /* transposed NHWC: sgemm + col2im over bands of output rows */
    TCONV__TR_COL2IM_SHARED, /* transposed NHWC: sgemm of all of x into a shared col, then col2im over bands */
    TCONV__TR_COL2IM_PLANES, /* transposed NCHW: sgemm + col2im over blocks of output channels */
    TCONV__TR_SUBPIXEL,      /* transposed: stride-1 conv over x with s*s phases, then depth-to-space */
    TCONV__DEPTHWISE,        /* one input and one output channel per group: direct loops */
    TCONV__FILTER_GRAD,      /* filter gradient: im2col + sgemm reductions over the batch and the pixels */
    TCONV__FILTER_GRAD_DEPTHWISE, /* depthwise filter gradient: direct loops */
    TCONV__BIAS_GRAD              /* bias gradient: sums per channel */
};

/* A GEMM output cut into blocks: tiles of `rows` x `cols`, row_tiles x col_tiles of them. */
struct tconv__blocks {
    int64_t rows, cols, row_tiles, col_tiles;
};

/* CONV_IM2COL. NHWC: y as [n*OH*OW][co] per group, tiles (group, row block, column block); NCHW: per
   image and group y as [cog][OH*OW], tiles (image, group, block of `cols` pixels). K = KH*KW*cig is
   summed in blocks of kblock (beta = 1 after the first) when it is huge. */
struct tconv__conv_plan {
    struct tconv__blocks b;
    int64_t kblock;
};
/* POINTWISE: y = x . W per group, blocks as CONV_IM2COL's (NCHW: blocks of pixels). */
struct tconv__pointwise_plan {
    struct tconv__blocks b;
};
/* TR_INTO_Y: y as [n][OH*OW*co]: blocks of `rows` images x `cols` columns (whole pixels or planes). */
struct tconv__into_y_plan {
    struct tconv__blocks b;
};
/* TR_COL2IM_IMAGES: tiles (group, block of `images` images). */
struct tconv__images_plan {
    int64_t images, blocks;
};
/* TR_COL2IM_BANDS: tiles (group, image, band of rows_out output rows of h, or planes of d in 3-D); a band
   needs rows_in input rows (planes), some recomputed at band edges. */
struct tconv__bands_plan {
    int64_t rows_out, rows_in, bands;
};
/* TR_COL2IM_SHARED: the GEMM runs once into a col of the whole call in the shared workspace (at col_at
   floats, after a packed filter), per group [n*IH*IW][KH*KW*cog]: stage 1 tiles (group, b.rows GEMM rows x
   b.cols columns), then stage 2 tiles (group, image, band of rows_out output rows (3-D: planes)) gather it
   as bands do. For bands that would recompute many input rows (thick 3-D planes), and for a big filter
   over few rows, which image blocks would pack whole in every tile (column blocks pack a slice each). */
struct tconv__shared_col_plan {
    struct tconv__blocks b;
    int64_t rows_out, bands, col_at;
};
/* TR_COL2IM_PLANES: tiles (image, group, block of `channels` output channels). */
struct tconv__planes_plan {
    int64_t channels, blocks;
};
/* TR_SUBPIXEL: `sub` is the stride-1 conv over x whose output channels are (phase, o); positions start at
   qlo per axis. NHWC tiles (group, block of positions, block of phases): b.rows positions x b.cols phases;
   NCHW tiles (image, group, block of b.cols positions), all cog*phases rows at once. */
struct tconv__subpixel_plan {
    struct tconv__problem sub;
    int64_t qlo_d, qlo_h, qlo_w, phases;
    bool a_in_place;  /* 1x1 windows over exactly the input: the GEMM reads x in place */
    bool b_canonical; /* kernel == stride: the phases are the kernel taps, the filter is read canonically */
    struct tconv__blocks b;
};
/* DEPTHWISE: NHWC tiles (image, band of rows_out output rows (oz, oy)); NCHW tiles (image, channel volume). */
struct tconv__depthwise_plan {
    int64_t rows_out, bands;
};
/* FILTER_GRAD: tiles (group, block of kblock rows of K, block of oblock output channels) of dW, each
   summing over the pixels in chunks of `chunk` (fixed order); with parts > 1 the pixels are split in
   `parts` fixed parts whose partial dW (the shared workspace) are summed in order afterwards. */
struct tconv__filter_grad_plan {
    int64_t kblock, kblocks, oblock, oblocks, chunk, parts;
};
/* FILTER_GRAD_DEPTHWISE: NHWC tiles (tap, block of `channels`); NCHW tiles (channel, tap).
   BIAS_GRAD: NHWC tiles (block of `channels`); NCHW tiles (channel). */
struct tconv__channels_plan {
    int64_t channels, blocks;
};

/* What the pack stage does with the caller's filter before the tiles read it. */
enum tconv__pack {
    TCONV__PACK_NONE,      /* read in place */
    TCONV__PACK_CANONICAL, /* layout change into tconv__canonical_layout */
    TCONV__PACK_SUBPIXEL,  /* the sub-pixel phase matrix */
    TCONV__PACK_DEPTHWISE  /* [tap][channel] (NHWC) or [channel][tap] (NCHW) */
};

struct tconv__plan {
    enum tconv__kind kind;
    enum tconv_algorithm algorithm; /* what runs, as the public enum names it */
    enum tconv__pack pack;
    int64_t ntiles;       /* of the compute stage */
    size_t shared_bytes;  /* packed filter, or partial filter gradients */
    size_t scratch_bytes; /* per thread: the tconv__times header, then the tile's buffers */
    union {
        struct tconv__conv_plan conv;
        struct tconv__pointwise_plan pointwise;
        struct tconv__into_y_plan into_y;
        struct tconv__images_plan images;
        struct tconv__bands_plan bands;
        struct tconv__shared_col_plan shared_col;
        struct tconv__planes_plan planes;
        struct tconv__subpixel_plan subpixel;
        struct tconv__depthwise_plan depthwise;
        struct tconv__filter_grad_plan filter_grad;
        struct tconv__channels_plan channels;
    } u;
};

/* Forced tile extents (tests put tile edges everywhere with them); 0 = the planner's choice. Each field
   means one thing, wherever a plan has it. */
struct tconv__force {
    int64_t rows;      /* GEMM rows (or sub-pixel positions, or images of the GEMM into y) per tile */
    int64_t cols;      /* GEMM columns (or pixels, or phases) per tile */
    int64_t images;    /* whole images per tile: col2im over image blocks */
    int64_t band_rows; /* output rows (3-D col2im: planes) per band: col2im bands, depthwise NHWC */
    int64_t channels;  /* channels per tile: col2im planes, depthwise filter and bias gradients */
    int64_t shared;    /* > 0: the shared-col col2im (transposed NHWC), GEMM tiles as rows and cols say */
    int64_t kblock, oblock, chunk, parts; /* the filter gradient's K rows, output channels, pixels, parts */
};

/* ---- plan.c ---- */
/* Threads a workspace is sized for at most: bounds the workspace check below INT64_MAX. */
#define TCONV__MAX_THREADS 1024
/*
 * Each planner checks that a forced algorithm (`algo`, or AUTO) can run the problem, by rules that
 * depend on the parameters only, so an empty problem is refused like any other
 * (TCONV_ERR_UNSUPPORTED with the reason); then plans TCONV__NOTHING (algorithm NONE) when there is
 * nothing to compute, or chooses and tiles. force may be NULL.
 */
/* The forward pass of either op (and so the data gradients: the adjoint's forward pass). */
enum tconv_status tconv__plan_forward(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm algo,
                                      const struct tconv__force *force, struct tconv__plan *pl);
/* The filter gradient of the conv problem pr (GEMM, or DIRECT for depthwise). */
enum tconv_status tconv__plan_filter_grad(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm algo,
                                          const struct tconv__force *force, struct tconv__plan *pl);
/* The bias gradient of pr (DIRECT only). */
enum tconv_status tconv__plan_bias_grad(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm algo,
                                        struct tconv__plan *pl);
/* Workspace bytes for nthreads: the shared part then nthreads scratch buffers, each 64-byte aligned. */
size_t tconv__plan_workspace(const struct tconv__plan *pl, int nthreads);

#pragma GCC visibility pop

#endif /* TCONV_PLAN_H */
