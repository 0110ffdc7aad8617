/*
 * plan.c - which algorithm runs a problem, how it is cut into tiles, how much workspace that
 * takes, and the parallel loop over the tiles.
 *
 * Tiles are independent pieces of the output (rows of y, output-row bands, channel blocks); their
 * shapes depend on the problem only, never on the thread count, and each tile runs its GEMM
 * single-threaded. So the result is the same whatever the number of threads, and the workspace
 * is the shared packed filter plus one scratch buffer per thread.
 *
 * Tile sizes keep a tile's column buffer near TILE_BYTES, which measured best on the 2-core
 * machine (DEVELOPERS.md): big enough for efficient sgemm calls, small enough to stay in cache
 * between im2col, the GEMM and the epilogue.
 */
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "internal.h"

#define TILE_BYTES     ((int64_t)2 << 20)
#define BAND_BYTES     ((int64_t)4 << 20)  /* col2im bands: larger, to amortise the recomputed halo rows */
#define BAND_BYTES_MAX ((int64_t)24 << 20) /* ... and at most this per thread when one input row is huge */
#define HEADER         64                  /* per-thread scratch starts with its tconv__times */

static int64_t clamp(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

/* ---- sub-pixel geometry ---- */

/*
 * The stride-s transposed conv as a stride-1 conv over x: per axis, m window taps at step `step`
 * and s phases. Output o reads full[p], p = o + pb = q*s + r; full[q*s + r] = sum_j x[q - (m-1-j)*step] *
 * w[tap(j, r)]. Needs dilation 1 (m = ceil(k/s), step 1) or stride 1 (m = k, step d).
 */
static bool subpixel_axis(const struct tconv__axis *a, struct tconv__axis *sub, int64_t *qlo)
{
    if (a->s != 1 && a->d != 1) return false;
    if (a->s > tconv__max(a->big, 1)) return false; /* more phases than outputs: a GEMM mostly of nothing */
    const int64_t m = a->s == 1 ? a->k : tconv__cdiv(a->k, a->s), step = a->s == 1 ? a->d : 1;
    const int64_t lo = a->pb / a->s, hi = (a->big - 1 + a->pb) / a->s; /* pb >= 0 */
    *qlo = lo;
    *sub = (struct tconv__axis){.big = a->small,
                                .small = a->big > 0 ? hi - lo + 1 : 0,
                                .k = m,
                                .s = 1,
                                .d = step,
                                .ke = (m - 1) * step + 1,
                                .pb = (m - 1) * step - lo,
                                .pa = 0};
    return true;
}

static bool subpixel_problem(const struct tconv__problem *pr, struct tconv__plan *pl)
{
    struct tconv__axis h, w;
    int64_t taps, kp, phases, np;
    if (!subpixel_axis(&pr->h, &h, &pl->qlo_h) || !subpixel_axis(&pr->w, &w, &pl->qlo_w)) return false;
    /* GEMM dimensions: K' = m_h*m_w*cig, N' = s_h*s_w*cog must fit an int (strides may be huge) */
    if (!tconv__mul(h.k, w.k, &taps) || !tconv__mul(taps, pr->cig, &kp) || kp > INT32_MAX) return false;
    if (!tconv__mul(pr->h.s, pr->w.s, &phases) || !tconv__mul(phases, pr->cog, &np) || np > INT32_MAX) return false;
    pl->sub = *pr;
    pl->sub.transposed = false;
    pl->sub.h = h, pl->sub.w = w;
    pl->sub.in_h = pr->in_h, pl->sub.in_w = pr->in_w, pl->sub.out_h = h.small, pl->sub.out_w = w.small;
    pl->phases = pr->h.s * pr->w.s;
    pl->a_in_place =
        h.k == 1 && w.k == 1 && pl->qlo_h == 0 && pl->qlo_w == 0 && h.small == pr->in_h && w.small == pr->in_w;
    pl->b_canonical = h.k == 1 && w.k == 1 && pr->h.k == pr->h.s && pr->w.k == pr->w.s;
    return true;
}

/* ---- cost model for AUTO (seconds on a nominal machine; only the comparison matters) ---- */

#define FLOP_RATE 150e9
#define BYTE_RATE 8e9

static double cost_col2im(const struct tconv__problem *pr, bool pointwise)
{
    const double px = (double)pr->n * (double)pr->in_h * (double)pr->in_w, g = (double)pr->g;
    const double ncol = (double)(pr->h.k * pr->w.k * pr->cog);
    const double flops = 2.0 * px * (double)pr->cig * ncol * g;
    const double bytes = 4.0 * ((pointwise ? 0.0 : 2.0 * px * ncol * g) + (double)pr->x_elems + (double)pr->y_elems);
    return flops / FLOP_RATE + bytes / BYTE_RATE;
}

static double cost_subpixel(const struct tconv__problem *pr, const struct tconv__plan *pl)
{
    const double pos = (double)pr->n * (double)pl->sub.out_h * (double)pl->sub.out_w, g = (double)pr->g;
    const double kp = (double)(pl->sub.h.k * pl->sub.w.k * pr->cig), np = (double)(pl->phases * pr->cog);
    const double flops = 2.0 * pos * kp * np * g;
    const double bytes =
        4.0 * ((pl->a_in_place ? 0.0 : 2.0 * pos * kp * g) + (double)pr->x_elems + (double)pr->y_elems);
    return flops / FLOP_RATE + bytes / BYTE_RATE;
}

/* ---- tilings ---- */

/* Forced tile extents (tests: tile edges); 0 = choose. Their meaning per kind is the tm/tn below. */
struct force {
    int64_t tm, tn, kb;
};
/* A tile extent: the forced one (at most hi) or the chosen one; never 0, even for empty problems. */
static int64_t pick(int64_t forced, int64_t chosen, int64_t hi)
{
    return tconv__max(1, forced > 0 ? tconv__min(forced, hi) : chosen);
}

#define MIN_TILES 4 /* enough tiles to balance a few threads; shapes still independent of the thread count */

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
    return even(rows, target, 8);
}

/* Columns per tile (in units of `unit` columns): all of them, unless the B block (k x cols) would
   pass 1 MiB and there are many: every tile packs its own B block, so big ones are split. */
static int64_t col_block(int64_t units, int64_t unit, int64_t k)
{
    const int64_t cols = tconv__smul(units, unit), bk = tconv__smul(k, cols);
    if (cols < 512 || bk <= (1 << 18)) return units;
    return even(units, tconv__max(1, tconv__cdiv(units, tconv__cdiv(bk, 1 << 18))), 1);
}

static void tile_conv_gemm(const struct tconv__problem *pr, struct tconv__plan *pl, struct force fo)
{
    const int64_t kdim = pr->h.k * pr->w.k * pr->cig;
    pl->pointwise = pr->h.k == 1 && pr->w.k == 1 && pr->h.s == 1 && pr->w.s == 1 && pr->h.pb == 0 && pr->h.pa == 0 &&
                    pr->w.pb == 0 && pr->w.pa == 0 && pr->out_h == pr->in_h && pr->out_w == pr->in_w;
    pl->shared_bytes = tconv__filter_is_canonical(pr) ? 0 : (size_t)pr->f_elems * sizeof(float);
    /* a huge K (kernel x kernel x channels) is cut into blocks summed into the tile (beta = 1), so the
       column buffer stays bounded: the data gradient of FCN-32s is a conv with K = 86016 */
    pl->kb = pl->pointwise ? kdim : pick(fo.kb, kdim <= 8192 ? kdim : even(kdim, 4096, 16), kdim);
    const int64_t cache = pl->pointwise ? 1024 : clamp(TILE_BYTES / (4 * pl->kb), 64, 1024);
    if (pr->layout == TCONV_NHWC) { /* tiles: (group, row block, column block) of y as [n*OH*OW][co] */
        const int64_t rows = pr->n * pr->out_h * pr->out_w;
        int64_t tn = col_block(pr->cog, 1, kdim);
        if (pr->g * tconv__cdiv(rows, cache) < MIN_TILES && tn == pr->cog &&
            pr->cog >= 64) /* few rows: split columns */
            tn =
                even(pr->cog, tconv__max(32, tconv__cdiv(tconv__smul(pr->co, tconv__cdiv(rows, cache)), MIN_TILES)), 4);
        pl->tn = pick(fo.tn, tn, pr->cog);
        pl->nt = tconv__cdiv(pr->cog, pl->tn);
        pl->tm = pick(fo.tm, row_block(rows, pr->g * pl->nt, cache, 64), rows);
        pl->mt = tconv__cdiv(rows, pl->tm);
        pl->ntiles = pr->g * pl->mt * pl->nt;
        pl->col_floats = pl->pointwise ? 0 : (size_t)(pl->tm * pl->kb);
    } else { /* tiles: (image, group, pixel block) of y as [cog][OH*OW] per group */
        const int64_t px = pr->out_h * pr->out_w;
        pl->tn = pick(fo.tn, row_block(px, pr->n * pr->g, cache, 64), px);
        pl->tm = pr->cog, pl->mt = 1, pl->nt = tconv__cdiv(px, pl->tn);
        pl->ntiles = pr->n * pr->g * pl->nt;
        pl->col_floats = pl->pointwise ? 0 : (size_t)(pl->tn * pl->kb);
    }
}

static void tile_tr_col2im(const struct tconv__problem *pr, struct tconv__plan *pl, struct force fo)
{
    const int64_t ncol = pr->h.k * pr->w.k * pr->cog, in_px = pr->in_h * pr->in_w, cig = pr->cig;
    pl->pointwise = pr->h.k == 1 && pr->w.k == 1 && pr->h.s == 1 && pr->w.s == 1 && pr->h.pb == 0 && pr->w.pb == 0 &&
                    pr->out_h == pr->in_h && pr->out_w == pr->in_w;
    /* a 1x1 input whose full result is exactly y (DCGAN's first layer): the GEMM writes y */
    pl->direct_y = !pl->pointwise && pr->in_h == 1 && pr->in_w == 1 && pr->g == 1 && pr->h.pb == 0 && pr->w.pb == 0 &&
                   pr->out_h == pr->h.k && pr->out_w == pr->w.k && (pr->h.d == 1 || pr->h.k == 1) &&
                   (pr->w.d == 1 || pr->w.k == 1);
    pl->shared_bytes = tconv__filter_is_canonical(pr) ? 0 : (size_t)pr->f_elems * sizeof(float);
    pl->col_floats = 0;
    if (pl->direct_y) { /* tiles: (image block, column block) of y as [n][OH*OW*co] */
        /* column blocks of whole output pixels (NHWC) or channel planes (NCHW), so the epilogue runs on rows */
        const int64_t unit = pr->layout == TCONV_NHWC ? pr->co : pr->out_h * pr->out_w;
        pl->tn = pick(fo.tn, unit * even(ncol / unit, tconv__max(1, 2048 / unit), 1), ncol);
        pl->nt = tconv__cdiv(ncol, pl->tn);
        pl->tm = pick(fo.tm, row_block(pr->n, pl->nt, 1024, 16), pr->n), pl->mt = tconv__cdiv(pr->n, pl->tm);
        pl->ntiles = pl->mt * pl->nt;
        return;
    }
    if (pl->pointwise) { /* like conv's pointwise: y = x . w^T, tiled over rows/pixels */
        if (pr->layout == TCONV_NHWC) {
            const int64_t rows = pr->n * in_px;
            pl->tn = pick(fo.tn, col_block(pr->cog, 1, cig), pr->cog), pl->nt = tconv__cdiv(pr->cog, pl->tn);
            pl->tm = pick(fo.tm, row_block(rows, pr->g * pl->nt, 1024, 64), rows), pl->mt = tconv__cdiv(rows, pl->tm);
            pl->ntiles = pr->g * pl->mt * pl->nt;
        } else {
            pl->tm = pr->cog, pl->mt = 1;
            pl->tn = pick(fo.tn, row_block(in_px, pr->n * pr->g, 1024, 64), in_px), pl->nt = tconv__cdiv(in_px, pl->tn);
            pl->ntiles = pr->n * pr->g * pl->nt;
        }
        return;
    }
    if (pr->layout == TCONV_NHWC) {
        const struct tconv__axis *h = &pr->h;
        const int64_t per_image = tconv__smul(in_px, ncol); /* col floats of one image */
        /* forced: tm > 0 asks for blocks of tm whole images, tn > 0 for bands of tn output rows */
        if (fo.tm > 0 || (fo.tn <= 0 && per_image <= BAND_BYTES / 4 && pr->n * pr->g >= MIN_TILES / 2)) {
            /* tiles: blocks of whole images */
            pl->whole_images = true;
            const int64_t fit = tconv__max(1, BAND_BYTES / tconv__smul(4, tconv__max(per_image, 1)));
            pl->tm = pick(fo.tm, even(pr->n, tconv__min(fit, tconv__cdiv(pr->n * pr->g, MIN_TILES)), 1), pr->n);
            pl->mt = tconv__cdiv(pr->n, pl->tm);
            pl->overflow = tconv__smul(pl->tm, per_image) == INT64_MAX;
            pl->col_floats = pl->overflow ? 0 : (size_t)(pl->tm * per_image);
        } else { /* tiles: bands of tm output rows; a band needs rows_in input rows (some recomputed) */
            /* output rows whose input rows fit `bytes` */
            const int64_t row = tconv__max(1, tconv__smul(pr->in_w, ncol)), span = (h->k - 1) * h->d; /* span fits */
#define FIT_ROWS(bytes)                                                                                                \
    tconv__max(1, tconv__sadd(tconv__smul(tconv__max(1, (bytes) / tconv__smul(4, row)) - 1, h->s) - span, 1))
            const int64_t halo = tconv__sadd(tconv__smul(4, span), 1); /* bands this tall recompute <~ 25% */
            const int64_t par = tconv__cdiv(pr->out_h * pr->n * pr->g, MIN_TILES);
            int64_t rows_out = tconv__min(FIT_ROWS(BAND_BYTES), tconv__max(par, halo));
            if (rows_out < halo) rows_out = tconv__min(halo, FIT_ROWS(BAND_BYTES_MAX)); /* huge rows: trade memory */
#undef FIT_ROWS
            pl->whole_images = false;
            pl->tm = pick(fo.tn, even(pr->out_h, rows_out, 1), pr->out_h);
            pl->rows_in = tconv__min(pr->in_h, tconv__sadd(pl->tm - 1, span) / h->s + 1);
            pl->mt = pr->n * tconv__cdiv(pr->out_h, pl->tm);
            int64_t floats;
            pl->overflow = !tconv__mul(pl->rows_in, row, &floats);
            pl->col_floats = pl->overflow ? 0 : (size_t)floats;
        }
        pl->nt = 1;
        pl->ntiles = pr->g * pl->mt;
    } else { /* tiles: (image, group, block of output channels) */
        const int64_t per_channel = tconv__smul(pr->h.k * pr->w.k, in_px);
        const int64_t fit = clamp(TILE_BYTES / tconv__smul(4, tconv__max(per_channel, 1)), 1, pr->cog);
        pl->tm =
            pick(fo.tm, even(pr->cog, tconv__min(fit, tconv__cdiv(pr->cog * pr->n * pr->g, MIN_TILES)), 1), pr->cog);
        pl->mt = tconv__cdiv(pr->cog, pl->tm), pl->nt = 1;
        pl->ntiles = pr->n * pr->g * pl->mt;
        pl->overflow = tconv__smul(pl->tm, per_channel) == INT64_MAX;
        pl->col_floats = pl->overflow ? 0 : (size_t)(pl->tm * per_channel);
    }
}

static void tile_tr_subpixel(const struct tconv__problem *pr, struct tconv__plan *pl, struct force fo)
{
    const int64_t kp = pl->sub.h.k * pl->sub.w.k * pr->cig, cog = pr->cog, s = pl->phases;
    const int64_t pos = pl->sub.out_h * pl->sub.out_w, a = pl->a_in_place ? 0 : kp;
    if (pl->b_canonical)
        pl->shared_bytes = tconv__filter_is_canonical(pr) ? 0 : (size_t)pr->f_elems * sizeof(float);
    else {
        const int64_t packed = tconv__smul(tconv__smul(pr->g, kp), tconv__smul(s, cog));
        pl->overflow = packed > INT64_MAX / 8;
        pl->shared_bytes = pl->overflow ? 0 : (size_t)packed * sizeof(float);
    }
    if (pr->layout == TCONV_NHWC) { /* tiles: (group, block of positions, block of phases) */
        pl->tn = pick(fo.tn, col_block(s, cog, kp), s);
        pl->nt = tconv__cdiv(s, pl->tn);
        const int64_t cache = clamp(TILE_BYTES / tconv__smul(4, a + pl->tn * cog), 32, 1024);
        pl->tm = pick(fo.tm, row_block(pr->n * pos, pr->g * pl->nt, cache, 32), pr->n * pos);
        pl->mt = tconv__cdiv(pr->n * pos, pl->tm);
        pl->ntiles = pr->g * pl->mt * pl->nt;
        pl->col_floats = (size_t)(pl->tm * (a + pl->tn * cog));
    } else { /* tiles: (image, group, block of positions); all cog*s rows of the GEMM at once */
        pl->tm = cog * s;
        const int64_t cache = clamp(TILE_BYTES / (4 * (a + pl->tm)), 32, 1024);
        pl->tn = pick(fo.tn, row_block(pos, pr->n * pr->g, cache, 32), pos);
        pl->mt = 1, pl->nt = tconv__cdiv(pos, pl->tn);
        pl->ntiles = pr->n * pr->g * pl->nt;
        pl->col_floats = (size_t)(pl->tn * (a + pl->tm));
    }
}

static void tile_dw_direct(const struct tconv__problem *pr, struct tconv__plan *pl, struct force fo)
{
    pl->shared_bytes = (size_t)(pr->co * pr->h.k * pr->w.k) * sizeof(float);
    pl->col_floats = 0;
    if (pr->layout == TCONV_NHWC) { /* tiles: bands of tm output rows of one image */
        const int64_t fit = tconv__max(1, 16384 / tconv__max(1, pr->out_w * pr->co));
        pl->tm =
            pick(fo.tm, even(pr->out_h, tconv__min(fit, tconv__cdiv(pr->out_h * pr->n, 4 * MIN_TILES)), 1), pr->out_h);
        pl->mt = tconv__cdiv(pr->out_h, pl->tm);
        pl->ntiles = pr->n * pl->mt;
    } else { /* tiles: one channel plane */
        pl->tm = 1, pl->mt = 1;
        pl->ntiles = pr->n * pr->co;
    }
}

enum tconv_status tconv__plan_tiles(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm forced,
                                    int64_t force_tm, int64_t force_tn, int64_t force_kb, struct tconv__plan *pl)
{
    const struct force fo = {force_tm, force_tn, force_kb};
    memset(pl, 0, sizeof *pl);
    const bool depthwise = pr->cig == 1 && pr->cog == 1 && pr->g > 1;
    enum tconv_algorithm a = forced;
    if (a == TCONV_ALGORITHM_DIRECT && !depthwise)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm DIRECT needs a depthwise problem (in_channels/groups == out_channels/groups "
                           "== 1); here they are %lld and %lld",
                           (long long)pr->cig, (long long)pr->cog);
    if (a == TCONV_ALGORITHM_SUBPIXEL && !pr->transposed)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn, "algorithm SUBPIXEL applies to conv2d_transpose only");
    const bool sub_ok = pr->transposed && subpixel_problem(pr, pl);
    if (a == TCONV_ALGORITHM_SUBPIXEL && !sub_ok)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm SUBPIXEL needs dilation 1 or stride 1 on each axis (stride %lldx%lld, "
                           "dilation %lldx%lld), a stride no larger than the output (%lldx%lld), and GEMM sizes "
                           "that fit an int",
                           (long long)pr->h.s, (long long)pr->w.s, (long long)pr->h.d, (long long)pr->w.d,
                           (long long)pr->out_h, (long long)pr->out_w);
    if (a == TCONV_ALGORITHM_AUTO) {
        /* AUTO uses sub-pixel only when the kernel fills every phase (k % s == 0, or s == 1): otherwise
           its zero taps would carry a NaN or Inf of x to outputs the pixel does not reach (README) */
        const bool filled = (pr->h.s == 1 || pr->h.k % pr->h.s == 0) && (pr->w.s == 1 || pr->w.k % pr->w.s == 0);
        if (depthwise)
            a = TCONV_ALGORITHM_DIRECT;
        else if (!pr->transposed || !sub_ok || !filled)
            a = TCONV_ALGORITHM_GEMM;
        else {
            struct tconv__plan col = *pl;
            tile_tr_col2im(pr, &col, (struct force){0, 0, 0});
            a = cost_subpixel(pr, pl) < cost_col2im(pr, col.pointwise) ? TCONV_ALGORITHM_SUBPIXEL
                                                                       : TCONV_ALGORITHM_GEMM;
        }
    }
    pl->algorithm = a;
    if (a == TCONV_ALGORITHM_DIRECT) {
        pl->kind = TCONV__DW_DIRECT;
        tile_dw_direct(pr, pl, fo);
    } else if (a == TCONV_ALGORITHM_SUBPIXEL) {
        pl->kind = TCONV__TR_SUBPIXEL;
        tile_tr_subpixel(pr, pl, fo);
    } else if (pr->transposed) {
        pl->kind = TCONV__TR_COL2IM;
        tile_tr_col2im(pr, pl, fo);
    } else {
        pl->kind = TCONV__CONV_GEMM;
        tile_conv_gemm(pr, pl, fo);
    }
    /* Column buffers can outgrow every tensor (k*k*cog floats per input pixel): refuse what no machine can
       address before anything is allocated; the bound leaves room for 1024 threads' scratch. */
    const double bytes = (double)pl->col_floats * sizeof(float) + (double)pl->shared_bytes + HEADER;
    if (pl->overflow || bytes > (double)(INT64_MAX / 1024))
        return tconv__fail(
            TCONV_ERR_SIZE_OVERFLOW, fn,
            "the workspace of algorithm %s for this call (about %.3g bytes) is beyond addressable memory",
            tconv_algorithm_name(pl->algorithm), pl->overflow ? 9.3e18 : bytes);
    pl->scratch_bytes = tconv__round64(HEADER + pl->col_floats * sizeof(float));
    return TCONV_OK;
}

enum tconv_status tconv__plan(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm forced,
                              struct tconv__plan *pl)
{
    return tconv__plan_tiles(fn, pr, forced, 0, 0, 0, pl);
}

/* ---- gradients ---- */

enum tconv_status tconv__plan_filter_grad(const char *fn, const struct tconv__problem *pr, enum tconv_algorithm forced,
                                          struct tconv__plan *pl)
{
    return tconv__plan_filter_grad_tiles(fn, pr, forced, 0, 0, 0, 0, pl);
}

enum tconv_status tconv__plan_filter_grad_tiles(const char *fn, const struct tconv__problem *pr,
                                                enum tconv_algorithm forced, int64_t force_kb, int64_t force_ob,
                                                int64_t force_chunk, int64_t force_split, struct tconv__plan *pl)
{
    memset(pl, 0, sizeof *pl);
    const bool depthwise = pr->cig == 1 && pr->cog == 1 && pr->g > 1;
    if (forced == TCONV_ALGORITHM_SUBPIXEL)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm SUBPIXEL applies to the forward pass and the data gradient of "
                           "conv2d_transpose, not to filter gradients");
    if (forced == TCONV_ALGORITHM_DIRECT && !depthwise)
        return tconv__fail(TCONV_ERR_UNSUPPORTED, fn,
                           "algorithm DIRECT needs a depthwise problem (in_channels/groups == out_channels/groups "
                           "== 1); here they are %lld and %lld",
                           (long long)pr->cig, (long long)pr->cog);
    const int64_t taps = pr->h.k * pr->w.k;
    if (depthwise && forced != TCONV_ALGORITHM_GEMM) { /* tiles: (tap, channel block) or (channel, tap) */
        pl->algorithm = TCONV_ALGORITHM_DIRECT, pl->kind = TCONV__FILTER_GRAD_DW;
        if (pr->layout == TCONV_NHWC) {
            pl->ob = pick(force_ob, tconv__min(pr->co, 64), pr->co), pl->oblocks = tconv__cdiv(pr->co, pl->ob);
            pl->ntiles = taps * pl->oblocks;
            pl->col_floats = (size_t)pl->ob;
        } else {
            pl->ntiles = pr->co * taps;
        }
    } else { /* tiles: (group, block of K rows, block of out channels) of dW; chunks of pixels reduced in order */
        const int64_t kdim = taps * pr->cig;
        pl->algorithm = TCONV_ALGORITHM_GEMM, pl->kind = TCONV__FILTER_GRAD;
        pl->ob = pick(force_ob, pr->cog <= 512 ? pr->cog : even(pr->cog, 256, 16), pr->cog);
        pl->oblocks = tconv__cdiv(pr->cog, pl->ob);
        const int64_t target = tconv__max(tconv__min(kdim, 64), tconv__cdiv(kdim * pr->g * pl->oblocks, MIN_TILES));
        pl->kb = pick(force_kb, even(kdim, tconv__min(target, 1024), 8), kdim);
        pl->kblocks = tconv__cdiv(kdim, pl->kb);
        const int64_t px = pr->layout == TCONV_NHWC ? pr->n * pr->out_h * pr->out_w : pr->out_h * pr->out_w;
        pl->chunk = pick(force_chunk, tconv__min(px, clamp(TILE_BYTES / (4 * pl->kb), 128, 4096)), px);
        /* few blocks (a small filter) but many pixels: split the reduction too, in fixed parts */
        const int64_t blocks = pr->g * pl->kblocks * pl->oblocks, all_px = pr->n * pr->out_h * pr->out_w;
        pl->psplit =
            pick(force_split,
                 blocks >= MIN_TILES ? 1 : clamp(tconv__min(tconv__cdiv(MIN_TILES, blocks), all_px / 1024), 1, 16),
                 tconv__max(1, all_px));
        pl->ntiles = blocks * pl->psplit;
        pl->col_floats = (size_t)(pl->chunk * pl->kb + pl->kb * pl->ob);
        if (pl->psplit > 1)
            pl->shared_bytes = (size_t)(pl->psplit * pr->f_elems) * sizeof(float); /* psplit > 1:
a small filter (fewer than MIN_TILES blocks), so this fits */
    }
    pl->scratch_bytes = tconv__round64(HEADER + pl->col_floats * sizeof(float));
    return TCONV_OK;
}

enum tconv_status tconv__plan_bias_grad(const struct tconv__problem *pr, struct tconv__plan *pl)
{
    memset(pl, 0, sizeof *pl);
    pl->algorithm = TCONV_ALGORITHM_DIRECT, pl->kind = TCONV__BIAS_GRAD;
    if (pr->layout == TCONV_NHWC) { /* tiles: blocks of channels; double accumulators in scratch */
        pl->ob = tconv__min(pr->co, 64), pl->oblocks = tconv__cdiv(pr->co, pl->ob);
        pl->ntiles = pl->oblocks;
        pl->col_floats = (size_t)(2 * pl->ob);
    } else {
        pl->ntiles = pr->co;
    }
    pl->scratch_bytes = tconv__round64(HEADER + pl->col_floats * sizeof(float));
    return TCONV_OK;
}

/* ---- the tile loop ---- */

static tconv__tile_fn tile_fn(enum tconv__kind k)
{
    switch (k) {
    case TCONV__CONV_GEMM: return tconv__conv_gemm_tile;
    case TCONV__TR_COL2IM: return tconv__tr_col2im_tile;
    case TCONV__TR_SUBPIXEL: return tconv__tr_subpixel_tile;
    case TCONV__DW_DIRECT: return tconv__dw_direct_tile;
    case TCONV__FILTER_GRAD: return tconv__filter_grad_tile;
    case TCONV__FILTER_GRAD_DW: return tconv__filter_grad_dw_tile;
    default: return tconv__bias_grad_tile;
    }
}

void tconv__execute(const struct tconv__problem *pr, const struct tconv__plan *pl, struct tconv__run run, void *ws,
                    int nthreads, bool timed, struct tconv__times *sum)
{
    char *base = ws;
    double t0 = timed ? tconv__now() : 0.0;
    memset(sum, 0, sizeof *sum);
    run.pr = pr, run.pl = pl;
    if (pl->kind == TCONV__FILTER_GRAD) {
        run.partial = (float *)(void *)base; /* the shared part holds the partial gradients, not a packed filter */
    } else if (pl->shared_bytes) {
        float *packed = (float *)(void *)base;
        if (pl->kind == TCONV__TR_SUBPIXEL && !pl->b_canonical)
            tconv__pack_subpixel(pr, pl, run.f, packed, nthreads);
        else if (pl->kind == TCONV__DW_DIRECT)
            tconv__pack_depthwise(pr, run.f, packed, nthreads);
        else
            tconv__pack_filter(pr, run.f, packed, nthreads);
        run.f = packed;
        if (timed) sum->pack = (tconv__now() - t0) * nthreads;
    }
    char *scratch = base + tconv__round64(pl->shared_bytes);
    const tconv__tile_fn fn = tile_fn(pl->kind);
    const int nt = (int)tconv__min(nthreads, pl->ntiles);
#ifdef _OPENMP
    if (nt > 1) {
#pragma omp parallel num_threads(nt)
        {
            char *mine = scratch + (size_t)omp_get_thread_num() * pl->scratch_bytes;
            struct tconv__times *tt = (struct tconv__times *)mine;
            memset(tt, 0, sizeof *tt);
#pragma omp for schedule(dynamic, 1)
            for (int64_t i = 0; i < pl->ntiles; i++) fn(&run, i, (float *)(mine + HEADER), tt, timed);
        }
    } else
#endif
    {
        /* One thread runs every tile. The OpenMP build of OpenBLAS threads a call made outside a
           parallel region by the caller's nthreads-var; pin it to 1 so the GEMMs are the same
           single-threaded ones as with more threads (then restore the caller's value). The
           pthreads build keeps its own threads: its loops here already run on one thread. */
        struct tconv__times *tt = (struct tconv__times *)(void *)scratch;
        memset(tt, 0, sizeof *tt);
#ifdef _OPENMP
        const int saved = omp_get_max_threads();
        const bool pin = tconv__blas_threading() != 1 && saved != 1;
        if (pin) omp_set_num_threads(1);
#endif
        for (int64_t i = 0; i < pl->ntiles; i++) fn(&run, i, (float *)(void *)(scratch + HEADER), tt, timed);
#ifdef _OPENMP
        if (pin) omp_set_num_threads(saved);
#endif
    }
    if (pl->kind == TCONV__FILTER_GRAD && pl->psplit > 1) { /* sum the partial gradients, always in part order */
        const double t1 = timed ? tconv__now() : 0.0;
        const int64_t nf = pr->f_elems, parts = pl->psplit;
        float *dw = run.dw;
        const float *part = run.partial;
        const bool acc = run.accumulate;
#pragma omp parallel for num_threads(nthreads) schedule(static) if (nthreads > 1 && nf * parts > 65536)
        for (int64_t i = 0; i < nf; i++) {
            float v = part[i];
            for (int64_t p = 1; p < parts; p++) v += part[p * nf + i];
            dw[i] = acc ? dw[i] + v : v;
        }
        if (timed) sum->epilogue += (tconv__now() - t1) * nthreads;
    }
    if (timed)
        for (int t = 0; t < (nt > 1 ? nt : 1); t++) {
            const struct tconv__times *tt =
                (const struct tconv__times *)(const void *)(scratch + (size_t)t * pl->scratch_bytes);
            sum->im2col += tt->im2col, sum->gemm += tt->gemm, sum->col2im += tt->col2im;
            sum->epilogue += tt->epilogue;
        }
}
