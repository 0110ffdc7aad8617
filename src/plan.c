/*
 * plan.c - which algorithm runs a problem, how it is cut into tiles, how much workspace that takes,
 * and the stages the executor runs for it. Planning only: nothing here touches a tensor.
 *
 * Tiles are independent pieces of the output (rows of y, output-row bands, channel blocks); their
 * shapes depend on the problem only, never on the thread count, and each tile runs its GEMM
 * single-threaded. So the result is the same whatever the number of threads, and the workspace
 * is the shared part plus one scratch buffer per thread. The sizes below were measured on the
 * 2-core development machine (DEVELOPERS.md, "Tiles").
 */
#include <string.h>

#include "algorithms.h"

/* ---- named sizes ---- */

#define TILE_BYTES       ((int64_t)2 << 20)     /* a tile's column buffer: big sgemm calls that stay in cache */
#define BAND_BYTES       ((int64_t)4 << 20)     /* col2im bands: larger, to amortise the recomputed halo rows */
#define BAND_BYTES_MAX   ((int64_t)24 << 20)    /* ... and at most this per thread when one input row is huge */
#define MIN_TILES        4                      /* enough tiles to balance a few threads */
#define ROWS_MIN         64                     /* GEMM rows per tile: fewer make OpenBLAS's packing dominate */
#define ROWS_MAX         1024                   /* ... more stop fitting the tile's buffers in cache */
#define ROW_ALIGN        8                      /* row blocks a multiple of the sgemm kernel's rows */
#define SUB_ROWS_MIN     32                     /* sub-pixel positions per tile: its GEMM is wider (phases x cog) */
#define B_BLOCK_FLOATS   ((int64_t)1 << 18)     /* every tile packs its own B block: split columns past 1 MiB ... */
#define SPLIT_COLS_MIN   512                    /* ... when there are at least this many columns */
#define SPLIT_ROWS_MIN   (ROWS_MAX * MIN_TILES) /* ... and (conv) rows (HiFi-GAN's conv1d k7 at 512: 0.78x -> 0.97x) */
#define FEW_ROWS_COLS    64                     /* few rows: split the columns of a conv with at least 64 per group */
#define COLS_MIN         32                     /* ... into blocks of at least 32 */
#define COL_ALIGN        4                      /* ... a multiple of 4 */
#define K_WHOLE_MAX      8192 /* conv K beyond this is summed in blocks (FCN-32s' data gradient: 86016) */
#define K_BLOCK          4096 /* ... of about this many rows */
#define K_ALIGN          16   /* ... a multiple of 16 */
#define INTO_Y_COLS      2048 /* GEMM into y: columns per tile (measured: 1 x 4 tiles beat 1 x 16) */
#define INTO_Y_ROWS      16   /* ... and at least 16 images per tile */
#define HALO_BANDS       4    /* a band at least 4 kernel spans tall recomputes < 25% of its rows */
#define RECOMPUTE_DEN    8    /* bands recomputing over 1/8 of the input rows ... */
#define SHARED_COL_BYTES ((int64_t)32 << 20) /* ... give way to one col of the call when it is this small (3-D) */
#define SHARED_ROWS_MAX  256             /* ... or when image blocks of fewer GEMM rows would each pack a big filter */
#define DW_BAND_FLOATS   16384           /* depthwise NHWC: output floats of one band (L1-sized) */
#define DW_MIN_TILES     (4 * MIN_TILES) /* ... and more bands: direct loops have no GEMM to amortise */
#define GRAD_CHANNELS    64              /* depthwise filter / bias gradient: channels per tile (a vector row) */
#define GRAD_O_WHOLE     512             /* filter gradient: all output channels of a group in one block ... */
#define GRAD_O_BLOCK     256             /* ... else blocks of about 256 */
#define GRAD_K_MIN       64              /* filter gradient K rows per tile: at least 64 ... */
#define GRAD_K_MAX       1024            /* ... at most 1024 */
#define CHUNK_MIN        128             /* filter gradient: pixels reduced per GEMM, at least ... */
#define CHUNK_MAX        4096            /* ... and at most */
#define PART_PIXELS      1024            /* a split reduction's part has at least this many pixels ... */
#define PARTS_MAX        16              /* ... and there are at most 16 parts (each a whole dW) */
#define FLOP_RATE        150e9           /* the cost model's nominal machine: only the ratio matters */
#define BYTE_RATE        8e9

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* A tile extent: the forced one (at most hi) or the chosen one; never 0, even for empty problems. */
static int64_t pick(int64_t forced, int64_t chosen, int64_t hi)
{
    return tconv__max(1, forced > 0 ? tconv__min(forced, hi) : chosen);
}

/* An even block size for n items in blocks of about `target` (a multiple of align when n allows). */
static int64_t even(int64_t n, int64_t target, int64_t align)
{
    if (n <= 0) return 1;
    const int64_t nb = tconv__cdiv(n, tconv__max(1, target));
    const int64_t b = tconv__cdiv(tconv__cdiv(n, nb), align) * align;
    return tconv__max(1, tconv__min(b, n));
}

/* Rows per tile: about `cache` (what keeps the tile's buffers near TILE_BYTES), fewer when that
   would leave fewer than MIN_TILES tiles in all (`other` = tiles from the other dimensions), at
   least lo; split evenly. */
static int64_t row_block(int64_t rows, int64_t other, int64_t cache, int64_t lo)
{
    const int64_t target = tconv__max(lo, tconv__min(cache, tconv__cdiv(tconv__smul(rows, other), MIN_TILES)));
    return even(rows, target, ROW_ALIGN);
}

/* Columns per tile (in units of `unit` columns): all of them, unless the B block (k x cols) would
   pass B_BLOCK_FLOATS and there are many. */
static int64_t col_block(int64_t units, int64_t unit, int64_t k)
{
    const int64_t cols = tconv__smul(units, unit), bk = tconv__smul(k, cols);
    if (cols < SPLIT_COLS_MIN || bk <= B_BLOCK_FLOATS) return units;
    return even(units, tconv__max(1, tconv__cdiv(units, tconv__cdiv(bk, B_BLOCK_FLOATS))), 1);
}

static struct tconv__blocks blocks(int64_t rows, int64_t row_ext, int64_t cols, int64_t col_ext)
{
    return (struct tconv__blocks){row_ext, col_ext, tconv__cdiv(rows, row_ext), tconv__cdiv(cols, col_ext)};
}

/* ---- which algorithms can run a problem ---- */

static bool is_depthwise(const struct tconv__problem *pr) { return pr->cig == 1 && pr->cog == 1; }

static bool is_pointwise(const struct tconv__problem *pr)
{
    const struct tconv__axis *a[3] = {&pr->d, &pr->h, &pr->w};
    for (int i = 0; i < 3; i++)
        if (a[i]->k != 1 || a[i]->s != 1 || a[i]->before != 0 || a[i]->after != 0) return false;
    return true;
}

/* A 1x1 input whose full result is exactly y: the GEMM's output is y itself. */
static bool is_into_y(const struct tconv__problem *pr)
{
    const struct tconv__axis *a[3] = {&pr->d, &pr->h, &pr->w};
    if (!pr->transposed || pr->g != 1 || is_pointwise(pr)) return false;
    for (int i = 0; i < 3; i++)
        if (a[i]->small != 1 || a[i]->before != 0 || a[i]->big != a[i]->k || (a[i]->d != 1 && a[i]->k != 1))
            return false;
    return true;
}

/*
 * The stride-s transposed conv as a stride-1 conv over x: per axis, m window taps at step `step`
 * and s phases. Output o reads full[p], p = o + before = q*s + r; full[q*s + r] = sum_j x[q - (m-1-j)*step] *
 * w[tap(j, r)]. Needs dilation 1 (m = ceil(k/s), step 1) or stride 1 (m = k, step d), and a stride no
 * larger than the output (more phases than outputs would be a GEMM mostly of nothing).
 */
static bool subpixel_axis(const struct tconv__axis *a, struct tconv__axis *sub, int64_t *qlo)
{
    if (a->s != 1 && a->d != 1) return false;
    if (a->s > tconv__max(a->big, 1)) return false;
    const int64_t m = a->s == 1 ? a->k : tconv__cdiv(a->k, a->s), step = a->s == 1 ? a->d : 1;
    const int64_t lo = a->before / a->s, hi = (a->big - 1 + a->before) / a->s; /* before >= 0 */
    *qlo = lo;
    *sub = (struct tconv__axis){.big = a->small,
                                .small = a->big > 0 ? hi - lo + 1 : 0,
                                .k = m,
                                .s = 1,
                                .d = step,
                                .ke = (m - 1) * step + 1,
                                .before = (m - 1) * step - lo};
    sub->after = sub->small - 1 + sub->ke - sub->before - sub->big;
    return true;
}

/* The sub-pixel problem of transposed pr, or false when SUBPIXEL cannot run it. */
static bool subpixel_plan(const struct tconv__problem *pr, struct tconv__subpixel_plan *sp)
{
    struct tconv__axis d, h, w;
    int64_t taps, kp, phases, np;
    if (!pr->transposed) return false;
    if (!subpixel_axis(&pr->d, &d, &sp->qlo_d) || !subpixel_axis(&pr->h, &h, &sp->qlo_h) ||
        !subpixel_axis(&pr->w, &w, &sp->qlo_w))
        return false;
    /* GEMM dimensions: K' = m_d*m_h*m_w*cig, N' = s_d*s_h*s_w*cog must fit an int (strides may be huge) */
    if (!tconv__mul(d.k, h.k, &taps) || !tconv__mul(taps, w.k, &taps) || !tconv__mul(taps, pr->cig, &kp) ||
        kp > INT32_MAX)
        return false;
    if (!tconv__mul(pr->d.s, pr->h.s, &phases) || !tconv__mul(phases, pr->w.s, &phases) ||
        !tconv__mul(phases, pr->cog, &np) || np > INT32_MAX)
        return false;
    sp->sub = *pr;
    sp->sub.transposed = false;
    sp->sub.d = d;
    sp->sub.h = h;
    sp->sub.w = w;
    sp->sub.out_d = d.small;
    sp->sub.out_h = h.small;
    sp->sub.out_w = w.small;
    sp->phases = phases;
    sp->a_in_place = d.k == 1 && h.k == 1 && w.k == 1 && sp->qlo_d == 0 && sp->qlo_h == 0 && sp->qlo_w == 0 &&
                     d.small == pr->in_d && h.small == pr->in_h && w.small == pr->in_w;
    sp->b_canonical =
        d.k == 1 && h.k == 1 && w.k == 1 && pr->d.k == pr->d.s && pr->h.k == pr->h.s && pr->w.k == pr->w.s;
    return true;
}

static const char *const depthwise_rule = "in_channels/groups == out_channels/groups == 1";

/* A forced algorithm must be able to run pr: rules on the parameters only, the same for empty problems. */
static enum tconv_status check_forced(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm a,
                                      struct tconv__subpixel_plan *sp)
{
    if (a == TCONV_ALGORITHM_DIRECT && !is_depthwise(pr))
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm DIRECT needs a depthwise problem (%s); here they are %lld and %lld",
                           depthwise_rule, (long long)pr->cig, (long long)pr->cog);
    if (a == TCONV_ALGORITHM_SUBPIXEL && !pr->transposed)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm SUBPIXEL applies to conv2d_transpose only (its forward pass, and the data "
                           "gradient of conv2d)");
    if (a == TCONV_ALGORITHM_SUBPIXEL && !subpixel_plan(pr, sp))
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm SUBPIXEL needs dilation 1 or stride 1 on each axis (stride %lldx%lld, "
                           "dilation %lldx%lld), a stride no larger than the output (%lldx%lld), and GEMM sizes "
                           "that fit an int",
                           (long long)pr->h.s, (long long)pr->w.s, (long long)pr->h.d, (long long)pr->w.d,
                           (long long)pr->out_h, (long long)pr->out_w);
    return TCONV_OK;
}

/* A tiling's buffers, in floats (saturating). */
struct sizes {
    int64_t scratch_floats, shared_floats; /* INT64_MAX: beyond addressable memory */
};

/* ---- cost model for AUTO (seconds on a nominal machine; only the comparison matters) ---- */

static struct sizes tile_col2im_nhwc(const struct tconv__problem *pr, const struct tconv__force *fo,
                                     struct tconv__plan *pl);

/* Input rows the NHWC GEMM + col2im tiling computes per input row: over 1 when its bands recompute their
   edges (thick 3-D planes, or wide rows, make bands few and edges many). */
static double col2im_recompute(const struct tconv__problem *pr)
{
    static const struct tconv__force none;
    struct tconv__plan pl;
    if (pr->layout != TCONV_NHWC || is_pointwise(pr) || is_into_y(pr)) return 1.0;
    tile_col2im_nhwc(pr, &none, &pl);
    if (pl.kind != TCONV__TR_COL2IM_BANDS) return 1.0;
    return (double)pl.u.bands.bands * (double)pl.u.bands.rows_in / (double)tconv__max(1, tconv__outer_axis(pr).in_rows);
}

static double cost_col2im(const struct tconv__problem *pr)
{
    const double px = (double)pr->n * (double)pr->in_d * (double)pr->in_h * (double)pr->in_w * col2im_recompute(pr);
    const double g = (double)pr->g;
    const double ncol = (double)(pr->d.k * pr->h.k * pr->w.k * pr->cog);
    const double flops = 2.0 * px * (double)pr->cig * ncol * g;
    const double col = is_pointwise(pr) ? 0.0 : 2.0 * px * ncol * g;
    return flops / FLOP_RATE + 4.0 * (col + (double)pr->x_elems + (double)pr->y_elems) / BYTE_RATE;
}

static double cost_subpixel(const struct tconv__problem *pr, const struct tconv__subpixel_plan *sp)
{
    const double pos = (double)pr->n * (double)sp->sub.out_d * (double)sp->sub.out_h * (double)sp->sub.out_w;
    const int64_t kp = sp->sub.d.k * sp->sub.h.k * sp->sub.w.k * pr->cig;
    const double g = (double)pr->g, np = (double)(sp->phases * pr->cog);
    const double flops = 2.0 * pos * (double)kp * np * g;
    /* every block of phases (tile_subpixel) gathers its positions' im2col rows again */
    const double blocks = (double)tconv__cdiv(sp->phases, col_block(sp->phases, pr->cog, kp));
    const double col = sp->a_in_place ? 0.0 : 2.0 * pos * (double)kp * g * blocks;
    return flops / FLOP_RATE + 4.0 * (col + (double)pr->x_elems + (double)pr->y_elems) / BYTE_RATE;
}

/* AUTO's choice for the forward pass. Sub-pixel only when the kernel fills every phase (k % s == 0, or
   s == 1): otherwise its zero taps would carry a NaN or Inf of x to outputs the pixel does not reach. */
static enum tconv_algorithm choose(const struct tconv__problem *pr, struct tconv__subpixel_plan *sp)
{
    if (is_depthwise(pr)) return TCONV_ALGORITHM_DIRECT;
    const bool filled = (pr->d.s == 1 || pr->d.k % pr->d.s == 0) && (pr->h.s == 1 || pr->h.k % pr->h.s == 0) &&
                        (pr->w.s == 1 || pr->w.k % pr->w.s == 0);
    if (!filled || !subpixel_plan(pr, sp)) return TCONV_ALGORITHM_GEMM;
    return cost_subpixel(pr, sp) < cost_col2im(pr) ? TCONV_ALGORITHM_SUBPIXEL : TCONV_ALGORITHM_GEMM;
}

/* ---- tilings: each sets kind, ntiles, pack and the scratch/shared sizes (saturating) ---- */

static enum tconv__pack pack_if_needed(const struct tconv__problem *pr)
{
    return pr->flayout == tconv__canonical_layout(pr) ? TCONV__PACK_NONE : TCONV__PACK_CANONICAL;
}

static struct sizes tile_conv_im2col(const struct tconv__problem *pr, const struct tconv__force *fo,
                                     struct tconv__plan *pl)
{
    struct tconv__conv_plan *cp = &pl->u.conv;
    const int64_t kdim = pr->d.k * pr->h.k * pr->w.k * pr->cig;
    pl->kind = TCONV__CONV_IM2COL;
    pl->pack = pack_if_needed(pr);
    cp->kblock = pick(fo->kblock, kdim <= K_WHOLE_MAX ? kdim : even(kdim, K_BLOCK, K_ALIGN), kdim);
    const int64_t cache = clamp(TILE_BYTES / (4 * cp->kblock), ROWS_MIN, ROWS_MAX);
    if (pr->layout == TCONV_NHWC) { /* y as [n*OD*OH*OW][co] per group */
        const int64_t rows = pr->n * pr->out_d * pr->out_h * pr->out_w;
        /* a column block repeats its rows' im2col: worth it only with rows enough to amortise that */
        int64_t cols = rows >= SPLIT_ROWS_MIN ? col_block(pr->cog, 1, kdim) : pr->cog;
        if (pr->g * tconv__cdiv(rows, cache) < MIN_TILES && cols == pr->cog && pr->cog >= FEW_ROWS_COLS)
            cols = even(pr->cog,
                        tconv__max(COLS_MIN, tconv__cdiv(tconv__smul(pr->co, tconv__cdiv(rows, cache)), MIN_TILES)),
                        COL_ALIGN);
        cols = pick(fo->cols, cols, pr->cog);
        const int64_t row_ext =
            pick(fo->rows, row_block(rows, pr->g * tconv__cdiv(pr->cog, cols), cache, ROWS_MIN), rows);
        cp->b = blocks(rows, row_ext, pr->cog, cols);
        pl->ntiles = pr->g * cp->b.row_tiles * cp->b.col_tiles;
        return (struct sizes){tconv__smul(row_ext, cp->kblock), 0};
    }
    const int64_t px = pr->out_d * pr->out_h * pr->out_w; /* NCHW: per image and group, y as [cog][OD*OH*OW] */
    const int64_t cols = pick(fo->cols, row_block(px, pr->n * pr->g, cache, ROWS_MIN), px);
    cp->b = blocks(pr->cog, pr->cog, px, cols);
    pl->ntiles = pr->n * pr->g * cp->b.col_tiles;
    return (struct sizes){tconv__smul(cols, cp->kblock), 0};
}

static struct sizes tile_pointwise(const struct tconv__problem *pr, const struct tconv__force *fo,
                                   struct tconv__plan *pl)
{
    struct tconv__blocks *b = &pl->u.pointwise.b;
    const int64_t px = pr->out_d * pr->out_h * pr->out_w;
    pl->kind = TCONV__POINTWISE;
    pl->pack = pack_if_needed(pr);
    if (pr->layout == TCONV_NHWC) {
        const int64_t rows = pr->n * px;
        int64_t cols = col_block(pr->cog, 1, pr->cig);
        if (pr->g * tconv__cdiv(rows, ROWS_MAX) < MIN_TILES && cols == pr->cog && pr->cog >= FEW_ROWS_COLS)
            cols = even(pr->cog,
                        tconv__max(COLS_MIN, tconv__cdiv(tconv__smul(pr->co, tconv__cdiv(rows, ROWS_MAX)), MIN_TILES)),
                        COL_ALIGN);
        cols = pick(fo->cols, cols, pr->cog);
        const int64_t row_ext =
            pick(fo->rows, row_block(rows, pr->g * tconv__cdiv(pr->cog, cols), ROWS_MAX, ROWS_MIN), rows);
        *b = blocks(rows, row_ext, pr->cog, cols);
        pl->ntiles = pr->g * b->row_tiles * b->col_tiles;
    } else {
        const int64_t cols = pick(fo->cols, row_block(px, pr->n * pr->g, ROWS_MAX, ROWS_MIN), px);
        *b = blocks(pr->cog, pr->cog, px, cols);
        pl->ntiles = pr->n * pr->g * b->col_tiles;
    }
    return (struct sizes){0, 0};
}

static struct sizes tile_into_y(const struct tconv__problem *pr, const struct tconv__force *fo, struct tconv__plan *pl)
{
    struct tconv__blocks *b = &pl->u.into_y.b;
    const int64_t ncol = pr->d.k * pr->h.k * pr->w.k * pr->cog;
    pl->kind = TCONV__TR_INTO_Y;
    pl->pack = pack_if_needed(pr);
    /* column blocks of whole output pixels (NHWC) or channel planes (NCHW), so the epilogue runs on rows */
    const int64_t unit = pr->layout == TCONV_NHWC ? pr->co : pr->out_d * pr->out_h * pr->out_w;
    const int64_t cols = pick(fo->cols, unit * even(ncol / unit, tconv__max(1, INTO_Y_COLS / unit), 1), ncol);
    const int64_t rows = pick(fo->rows, row_block(pr->n, tconv__cdiv(ncol, cols), ROWS_MAX, INTO_Y_ROWS), pr->n);
    *b = blocks(pr->n, rows, ncol, cols);
    pl->ntiles = b->row_tiles * b->col_tiles;
    return (struct sizes){0, 0};
}

/* The two-stage GEMM + col2im through one col of the whole call (col floats), after a packed filter. */
static struct sizes tile_shared_col(const struct tconv__problem *pr, const struct tconv__force *fo,
                                    struct tconv__outer o, int64_t col, struct tconv__plan *pl)
{
    struct tconv__shared_col_plan *sc = &pl->u.shared_col;
    const int64_t images = pr->n * pr->g, align = TCONV__ALIGN / (int64_t)sizeof(float);
    const int64_t rows = pr->n * pr->in_d * pr->in_h * pr->in_w, ncol = pr->d.k * pr->h.k * pr->w.k * pr->cog;
    pl->kind = TCONV__TR_COL2IM_SHARED;
    const int64_t cols = pick(fo->cols, col_block(ncol, 1, pr->cig), ncol);
    const int64_t cache = clamp(TILE_BYTES / (4 * tconv__max(1, pr->cig)), ROWS_MIN, ROWS_MAX);
    sc->b = blocks(rows, pick(fo->rows, row_block(rows, pr->g * tconv__cdiv(ncol, cols), cache, ROWS_MIN), rows), ncol,
                   cols);
    sc->rows_out = pick(fo->band_rows, even(o.out_rows, tconv__cdiv(o.out_rows * images, MIN_TILES), 1), o.out_rows);
    sc->bands = tconv__cdiv(o.out_rows, sc->rows_out);
    sc->col_at = pl->pack == TCONV__PACK_CANONICAL ? tconv__cdiv(pr->f_elems, align) * align : 0;
    pl->ntiles = pr->g * sc->b.row_tiles * sc->b.col_tiles; /* the GEMM stage; the col2im stage: images * bands */
    return (struct sizes){0, tconv__sadd(sc->col_at, col)};
}

/* Transposed NHWC GEMM + col2im: blocks of whole images when one image's columns are small, else bands of
   the outer axis: rows of h (2-D), planes of d when there is a depth axis (3-D). */
static struct sizes tile_col2im_nhwc(const struct tconv__problem *pr, const struct tconv__force *fo,
                                     struct tconv__plan *pl)
{
    const struct tconv__outer o = tconv__outer_axis(pr);
    const struct tconv__axis *h = o.a; /* the banded axis */
    const int64_t ncol = pr->d.k * pr->h.k * pr->w.k * pr->cog, in_px = pr->in_d * pr->in_h * pr->in_w;
    const int64_t per_image = tconv__smul(in_px, ncol); /* col floats of one image */
    const int64_t out_rows = o.out_rows, in_rows = o.in_rows, in_row = o.per_in * pr->in_w; /* pixels of a row */
    pl->pack = pack_if_needed(pr);
    const int64_t col = tconv__smul(tconv__smul(pr->n, pr->g), per_image);
    /* forced: images > 0 asks for blocks of that many whole images, band_rows > 0 for bands of that many rows,
       shared > 0 for the shared col */
    if (fo->shared <= 0 &&
        (fo->images > 0 || (fo->band_rows <= 0 && per_image <= BAND_BYTES / 4 && pr->n * pr->g >= MIN_TILES / 2))) {
        const int64_t fit = tconv__max(1, BAND_BYTES / tconv__smul(4, tconv__max(per_image, 1)));
        const int64_t images =
            pick(fo->images, even(pr->n, tconv__min(fit, tconv__cdiv(pr->n * pr->g, MIN_TILES)), 1), pr->n);
        /* a big filter over blocks of few rows: every tile would pack all of it (column blocks pack a slice) */
        const bool big_b = tconv__smul(pr->cig, ncol) > B_BLOCK_FLOATS && ncol >= SPLIT_COLS_MIN;
        if (fo->images <= 0 && big_b && images * in_px < SHARED_ROWS_MAX && col <= SHARED_COL_BYTES / 4)
            return tile_shared_col(pr, fo, o, col, pl);
        struct tconv__images_plan *ip = &pl->u.images;
        pl->kind = TCONV__TR_COL2IM_IMAGES;
        ip->images = images;
        ip->blocks = tconv__cdiv(pr->n, ip->images);
        pl->ntiles = pr->g * ip->blocks;
        return (struct sizes){tconv__smul(ip->images, per_image), 0};
    }
    if (fo->shared > 0) return tile_shared_col(pr, fo, o, col, pl);
    /* bands of output rows; a band needs rows_in input rows (some recomputed) */
    struct tconv__bands_plan *bp = &pl->u.bands;
    const int64_t row = tconv__max(1, tconv__smul(in_row, ncol)), span = (h->k - 1) * h->d; /* span fits */
    const int64_t halo = tconv__sadd(tconv__smul(HALO_BANDS, span), 1);
    const int64_t par = tconv__cdiv(out_rows * pr->n * pr->g, MIN_TILES);
    /* output rows whose input rows fit `bytes`: ((bytes / row_bytes) - 1)*s - span + 1 */
    const int64_t fit = tconv__max(1, BAND_BYTES / tconv__smul(4, row));
    const int64_t fit_max = tconv__max(1, BAND_BYTES_MAX / tconv__smul(4, row));
    int64_t rows_out =
        tconv__min(tconv__max(1, tconv__sadd(tconv__smul(fit - 1, h->s) - span, 1)), tconv__max(par, halo));
    if (rows_out < halo) /* huge rows: trade memory for less recomputation */
        rows_out = tconv__min(halo, tconv__max(1, tconv__sadd(tconv__smul(fit_max - 1, h->s) - span, 1)));
    rows_out = pick(fo->band_rows, even(out_rows, rows_out, 1), out_rows);
    const int64_t rows_in = tconv__min(in_rows, tconv__sadd(rows_out - 1, span) / h->s + 1);
    const int64_t bands = tconv__cdiv(out_rows, rows_out);
    const bool recompute =
        tconv__smul(tconv__smul(bands, rows_in), RECOMPUTE_DEN) > tconv__smul(in_rows, RECOMPUTE_DEN + 1);
    if (fo->band_rows <= 0 && recompute && col <= SHARED_COL_BYTES / 4) return tile_shared_col(pr, fo, o, col, pl);
    pl->kind = TCONV__TR_COL2IM_BANDS;
    bp->rows_out = rows_out;
    bp->rows_in = rows_in;
    bp->bands = bands;
    pl->ntiles = pr->g * pr->n * bp->bands;
    return (struct sizes){tconv__smul(bp->rows_in, row), 0};
}

static struct sizes tile_col2im_nchw(const struct tconv__problem *pr, const struct tconv__force *fo,
                                     struct tconv__plan *pl)
{
    struct tconv__planes_plan *pp = &pl->u.planes;
    const int64_t per_channel = tconv__smul(pr->d.k * pr->h.k * pr->w.k, pr->in_d * pr->in_h * pr->in_w);
    const int64_t fit = clamp(TILE_BYTES / tconv__smul(4, tconv__max(per_channel, 1)), 1, pr->cog);
    pl->kind = TCONV__TR_COL2IM_PLANES;
    pl->pack = pack_if_needed(pr);
    pp->channels =
        pick(fo->channels, even(pr->cog, tconv__min(fit, tconv__cdiv(pr->cog * pr->n * pr->g, MIN_TILES)), 1), pr->cog);
    pp->blocks = tconv__cdiv(pr->cog, pp->channels);
    pl->ntiles = pr->n * pr->g * pp->blocks;
    return (struct sizes){tconv__smul(pp->channels, per_channel), 0};
}

static struct sizes tile_subpixel(const struct tconv__problem *pr, const struct tconv__force *fo,
                                  struct tconv__plan *pl)
{
    struct tconv__subpixel_plan *sp = &pl->u.subpixel;
    const int64_t kp = sp->sub.d.k * sp->sub.h.k * sp->sub.w.k * pr->cig, cog = pr->cog, phases = sp->phases;
    const int64_t pos = sp->sub.out_d * sp->sub.out_h * sp->sub.out_w, a = sp->a_in_place ? 0 : kp;
    struct sizes z = {0, 0};
    pl->kind = TCONV__TR_SUBPIXEL;
    if (sp->b_canonical) {
        pl->pack = pack_if_needed(pr);
    } else {
        pl->pack = TCONV__PACK_SUBPIXEL;
        z.shared_floats = tconv__smul(tconv__smul(pr->g, kp), tconv__smul(phases, cog));
    }
    if (pr->layout == TCONV_NHWC) { /* (group, block of positions, block of phases) */
        const int64_t cols = pick(fo->cols, col_block(phases, cog, kp), phases);
        const int64_t cache = clamp(TILE_BYTES / tconv__smul(4, a + cols * cog), SUB_ROWS_MIN, ROWS_MAX);
        const int64_t rows =
            pick(fo->rows, row_block(pr->n * pos, pr->g * tconv__cdiv(phases, cols), cache, SUB_ROWS_MIN), pr->n * pos);
        sp->b = blocks(pr->n * pos, rows, phases, cols);
        pl->ntiles = pr->g * sp->b.row_tiles * sp->b.col_tiles;
        z.scratch_floats = tconv__smul(rows, a + cols * cog);
    } else { /* (image, group, block of positions); all cog*phases rows of the GEMM at once */
        const int64_t m = cog * phases;
        const int64_t cache = clamp(TILE_BYTES / (4 * (a + m)), SUB_ROWS_MIN, ROWS_MAX);
        const int64_t cols = pick(fo->cols, row_block(pos, pr->n * pr->g, cache, SUB_ROWS_MIN), pos);
        sp->b = blocks(m, m, pos, cols);
        pl->ntiles = pr->n * pr->g * sp->b.col_tiles;
        z.scratch_floats = tconv__smul(cols, a + m);
    }
    return z;
}

static struct sizes tile_depthwise(const struct tconv__problem *pr, const struct tconv__force *fo,
                                   struct tconv__plan *pl)
{
    struct tconv__depthwise_plan *dp = &pl->u.depthwise;
    pl->kind = TCONV__DEPTHWISE;
    pl->pack = TCONV__PACK_DEPTHWISE;
    const int64_t out_rows = pr->out_d * pr->out_h; /* rows (oz, oy) */
    if (pr->layout == TCONV_NHWC) {                 /* bands of output rows of one image */
        const int64_t fit = tconv__max(1, DW_BAND_FLOATS / tconv__max(1, pr->out_w * pr->co));
        dp->rows_out = pick(fo->band_rows,
                            even(out_rows, tconv__min(fit, tconv__cdiv(out_rows * pr->n, DW_MIN_TILES)), 1), out_rows);
        dp->bands = tconv__cdiv(out_rows, dp->rows_out);
        pl->ntiles = pr->n * dp->bands;
    } else { /* one channel plane */
        dp->rows_out = out_rows;
        dp->bands = 1;
        pl->ntiles = pr->n * pr->co;
    }
    const int64_t taps = pr->d.k * pr->h.k * pr->w.k;
    if (pr->layout == TCONV_NHWC) return (struct sizes){tconv__dw_ld(pr), tconv__smul(tconv__dw_ld(pr), taps)};
    return (struct sizes){0, pr->co * taps};
}

/* ---- the planners ---- */

/* Sizes into bytes; refuse what no machine can address, before anything is allocated: column buffers
   can outgrow every tensor (k*k*cog floats per input pixel). The bound leaves room for
   TCONV__MAX_THREADS threads' scratch. */
static enum tconv_status finish(const char *fn, struct sizes z, struct tconv__plan *pl)
{
    const double bytes = 4.0 * ((double)z.scratch_floats + (double)z.shared_floats) + TCONV__SCRATCH_HEADER;
    if (z.scratch_floats == INT64_MAX || z.shared_floats == INT64_MAX || bytes > (double)(INT64_MAX / 1024))
        return tconv__fail(TCONV_ERR_SIZE_OVERFLOW, fn,
                           "the workspace of algorithm %s for this call (about %.3g bytes) is beyond addressable "
                           "memory",
                           tconv_algorithm_name(pl->algorithm), bytes > 9.3e18 ? 9.3e18 : bytes);
    pl->shared_bytes = (size_t)z.shared_floats * sizeof(float);
    pl->scratch_bytes = tconv__round64(TCONV__SCRATCH_HEADER + (size_t)z.scratch_floats * sizeof(float));
    return TCONV_OK;
}

static void nothing(struct tconv__plan *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->kind = TCONV__NOTHING;
    pl->algorithm = TCONV_ALGORITHM_NONE;
}

enum tconv_status tconv__plan_forward(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm algo,
                                      const struct tconv__force *force, struct tconv__plan *pl)
{
    static const struct tconv__force none;
    const struct tconv__force *fo = force ? force : &none;
    struct tconv__subpixel_plan sp;
    enum tconv_status st = check_forced(fn, pr, algo, &sp);
    if (st != TCONV_OK) return st;
    nothing(pl);
    if (pr->y_elems == 0 || pr->x_elems == 0) return TCONV_OK; /* y is empty, or the bias (TF skips its checks) */
    if (algo == TCONV_ALGORITHM_AUTO) algo = choose(pr, &sp);
    pl->algorithm = algo;
    struct sizes z;
    if (algo == TCONV_ALGORITHM_DIRECT) {
        z = tile_depthwise(pr, fo, pl);
    } else if (algo == TCONV_ALGORITHM_SUBPIXEL) {
        pl->u.subpixel = sp;
        z = tile_subpixel(pr, fo, pl);
    } else if (is_pointwise(pr)) {
        z = tile_pointwise(pr, fo, pl);
    } else if (!pr->transposed) {
        z = tile_conv_im2col(pr, fo, pl);
    } else if (is_into_y(pr)) {
        z = tile_into_y(pr, fo, pl);
    } else if (pr->layout == TCONV_NHWC) {
        z = tile_col2im_nhwc(pr, fo, pl);
    } else {
        z = tile_col2im_nchw(pr, fo, pl);
    }
    /* the packed filter starts the shared part (a shared col after it counted it) */
    if (pl->pack == TCONV__PACK_CANONICAL) z.shared_floats = tconv__max(z.shared_floats, pr->f_elems);
    return finish(fn, z, pl);
}

enum tconv_status tconv__plan_filter_grad(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm algo,
                                          const struct tconv__force *force, struct tconv__plan *pl)
{
    static const struct tconv__force none;
    const struct tconv__force *fo = force ? force : &none;
    if (algo == TCONV_ALGORITHM_SUBPIXEL)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm SUBPIXEL applies to the forward pass and the data gradient of "
                           "conv2d_transpose, not to filter gradients");
    struct tconv__subpixel_plan unused;
    enum tconv_status st = check_forced(fn, pr, algo, &unused);
    if (st != TCONV_OK) return st;
    nothing(pl);
    if (pr->x_elems == 0 || pr->y_elems == 0) return TCONV_OK; /* a zero gradient */
    const int64_t taps = pr->d.k * pr->h.k * pr->w.k;
    struct sizes z = {0, 0};
    if (is_depthwise(pr) && algo != TCONV_ALGORITHM_GEMM) {
        struct tconv__channels_plan *cp = &pl->u.channels;
        pl->algorithm = TCONV_ALGORITHM_DIRECT;
        pl->kind = TCONV__FILTER_GRAD_DEPTHWISE;
        if (pr->layout == TCONV_NHWC) { /* (tap, channel block) */
            cp->channels = pick(fo->channels, tconv__min(pr->co, GRAD_CHANNELS), pr->co);
            cp->blocks = tconv__cdiv(pr->co, cp->channels);
            pl->ntiles = taps * cp->blocks;
            z.scratch_floats = cp->channels;
        } else { /* (channel, tap) */
            cp->channels = 1;
            cp->blocks = pr->co;
            pl->ntiles = pr->co * taps;
        }
        return finish(fn, z, pl);
    }
    /* (group, block of K rows, block of output channels) of dW; chunks of pixels reduced in order */
    struct tconv__filter_grad_plan *fp = &pl->u.filter_grad;
    const int64_t kdim = taps * pr->cig;
    pl->algorithm = TCONV_ALGORITHM_GEMM;
    pl->kind = TCONV__FILTER_GRAD;
    fp->oblock = pick(fo->oblock, pr->cog <= GRAD_O_WHOLE ? pr->cog : even(pr->cog, GRAD_O_BLOCK, K_ALIGN), pr->cog);
    fp->oblocks = tconv__cdiv(pr->cog, fp->oblock);
    const int64_t target = tconv__max(tconv__min(kdim, GRAD_K_MIN), tconv__cdiv(kdim * pr->g * fp->oblocks, MIN_TILES));
    fp->kblock = pick(fo->kblock, even(kdim, tconv__min(target, GRAD_K_MAX), ROW_ALIGN), kdim);
    fp->kblocks = tconv__cdiv(kdim, fp->kblock);
    const int64_t px_img = pr->out_d * pr->out_h * pr->out_w;
    const int64_t px = pr->layout == TCONV_NHWC ? pr->n * px_img : px_img;
    fp->chunk = pick(fo->chunk, tconv__min(px, clamp(TILE_BYTES / (4 * fp->kblock), CHUNK_MIN, CHUNK_MAX)), px);
    /* few blocks (a small filter) but many pixels: split the reduction too, in fixed parts */
    const int64_t nblocks = pr->g * fp->kblocks * fp->oblocks, all_px = pr->n * px_img;
    const int64_t parts = nblocks >= MIN_TILES
                              ? 1
                              : clamp(tconv__min(tconv__cdiv(MIN_TILES, nblocks), all_px / PART_PIXELS), 1, PARTS_MAX);
    fp->parts = pick(fo->parts, parts, tconv__max(1, all_px));
    pl->ntiles = nblocks * fp->parts;
    z.scratch_floats = tconv__sadd(tconv__smul(fp->chunk, fp->kblock), tconv__smul(fp->kblock, fp->oblock));
    if (fp->parts > 1) z.shared_floats = tconv__smul(fp->parts, pr->f_elems); /* the partial gradients */
    return finish(fn, z, pl);
}

enum tconv_status tconv__plan_bias_grad(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm algo,
                                        struct tconv__plan *pl)
{
    if (algo != TCONV_ALGORITHM_AUTO && algo != TCONV_ALGORITHM_DIRECT)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn, "the bias gradient has one algorithm (DIRECT): %s was asked",
                           tconv_algorithm_name(algo));
    nothing(pl);
    if (pr->y_elems == 0) return TCONV_OK; /* a zero gradient */
    struct tconv__channels_plan *cp = &pl->u.channels;
    struct sizes z = {0, 0};
    pl->algorithm = TCONV_ALGORITHM_DIRECT;
    pl->kind = TCONV__BIAS_GRAD;
    if (pr->layout == TCONV_NHWC) { /* blocks of channels; double accumulators in scratch */
        cp->channels = tconv__min(pr->co, GRAD_CHANNELS);
        cp->blocks = tconv__cdiv(pr->co, cp->channels);
        pl->ntiles = cp->blocks;
        z.scratch_floats = 2 * cp->channels;
    } else {
        cp->channels = 1;
        cp->blocks = pr->co;
        pl->ntiles = pr->co;
    }
    return finish(fn, z, pl);
}

size_t tconv__plan_workspace(const struct tconv__plan *pl, int nthreads)
{
    if (pl->kind == TCONV__NOTHING) return 0;
    return tconv__round64(pl->shared_bytes) + (size_t)nthreads * pl->scratch_bytes;
}

/* ---- stages ---- */

static tconv__tile_fn tile_fn(enum tconv__kind k)
{
    switch (k) {
    case TCONV__CONV_IM2COL: return tconv__conv_im2col_tile;
    case TCONV__POINTWISE: return tconv__pointwise_tile;
    case TCONV__TR_INTO_Y: return tconv__into_y_tile;
    case TCONV__TR_COL2IM_IMAGES: return tconv__col2im_images_tile;
    case TCONV__TR_COL2IM_BANDS: return tconv__col2im_bands_tile;
    case TCONV__TR_COL2IM_SHARED: return tconv__shared_col_gemm_tile;
    case TCONV__TR_COL2IM_PLANES: return tconv__col2im_planes_tile;
    case TCONV__TR_SUBPIXEL: return tconv__subpixel_tile;
    case TCONV__DEPTHWISE: return tconv__depthwise_tile;
    case TCONV__FILTER_GRAD: return tconv__filter_grad_tile;
    case TCONV__FILTER_GRAD_DEPTHWISE: return tconv__filter_grad_depthwise_tile;
    case TCONV__BIAS_GRAD: return tconv__bias_grad_tile;
    case TCONV__NOTHING:
    default: return NULL;
    }
}

void tconv__plan_pack_stage(const struct tconv__plan *pl, const struct tconv__problem *pr, struct tconv__stages *st)
{
    const bool big_filter = pr->f_elems > TCONV__PARALLEL_ELEMS;
    switch (pl->pack) {
    case TCONV__PACK_CANONICAL:
        st->s[st->n++] = (struct tconv__stage){tconv__pack_canonical_tile, tconv__pack_canonical_tiles(pr), big_filter};
        break;
    case TCONV__PACK_SUBPIXEL:
        st->s[st->n++] = (struct tconv__stage){tconv__pack_subpixel_tile, tconv__pack_subpixel_tiles(pl, pr),
                                               (int64_t)(pl->shared_bytes / sizeof(float)) > TCONV__PARALLEL_ELEMS};
        break;
    case TCONV__PACK_DEPTHWISE:
        st->s[st->n++] = (struct tconv__stage){tconv__pack_depthwise_tile, pr->co, big_filter};
        break;
    case TCONV__PACK_NONE: break;
    }
}

void tconv__plan_compute_stages(const struct tconv__plan *pl, const struct tconv__problem *pr, struct tconv__stages *st)
{
    st->s[st->n++] = (struct tconv__stage){tile_fn(pl->kind), pl->ntiles, true};
    if (pl->kind == TCONV__TR_COL2IM_SHARED)
        st->s[st->n++] =
            (struct tconv__stage){tconv__shared_col_col2im_tile, pr->n * pr->g * pl->u.shared_col.bands, true};
    if (pl->kind == TCONV__FILTER_GRAD && pl->u.filter_grad.parts > 1)
        st->s[st->n++] = (struct tconv__stage){tconv__filter_grad_sum_tile, tconv__filter_grad_sum_tiles(pr),
                                               pr->f_elems * pl->u.filter_grad.parts > TCONV__PARALLEL_ELEMS};
}

void tconv__plan_stages(const struct tconv__plan *pl, const struct tconv__problem *pr, struct tconv__stages *st)
{
    tconv__plan_pack_stage(pl, pr, st);
    tconv__plan_compute_stages(pl, pr, st);
}

size_t tconv__plan_packed_floats(const struct tconv__plan *pl, const struct tconv__problem *pr)
{
    if (pl->pack == TCONV__PACK_NONE || pl->pack == TCONV__PACK_CANONICAL) return (size_t)pr->f_elems;
    return pl->shared_bytes / sizeof(float); /* the phase matrix or the depthwise weights: all the shared part */
}

void tconv__plan_prepacked(struct tconv__plan *pl)
{
    if (pl->kind != TCONV__TR_COL2IM_SHARED) pl->shared_bytes = 0; /* the shared col keeps its place after it */
}
