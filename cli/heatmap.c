/*
 * heatmap.c - the overlap map as a PNG with its colour bar (see heatmap.h). The legend (bar, ticks and
 * labels) is drawn once into its own strip; each image row is then the map's row next to the strip's.
 */
#include "heatmap.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "png.h"

/* The layout of the legend strip, in pixels. */
#define HEATMAP_GAP        8  /* white between the map and the bar */
#define HEATMAP_BAR_WIDTH  16 /* wide enough to read a colour off */
#define HEATMAP_MARGIN     4  /* white right of the widest label */
#define HEATMAP_MIN_HEIGHT 96 /* a small map still gets a bar tall enough for five labels */
#define HEATMAP_MAX_TICKS  5  /* min, max and up to three counts between */
/* The digits are 5x7 glyphs, scaled by 2 and by one more per 200 rows of image, up to 8: legible at any size. */
#define GLYPH_W              5
#define GLYPH_H              7
#define GLYPH_MIN_SCALE      2
#define GLYPH_MAX_SCALE      8
#define GLYPH_ROWS_PER_SCALE 200

static const uint8_t white[3] = {255, 255, 255}, black[3] = {0, 0, 0};

/* The ten digits, one byte per row, bit 4 the leftmost column. */
static const uint8_t glyphs[10][GLYPH_H] = {
    {0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E}, {0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E},
    {0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F}, {0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E},
    {0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02}, {0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E},
    {0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E}, {0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08},
    {0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E}, {0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C}};

void heatmap_colour(double v, int32_t min, int32_t max, uint8_t rgb[3])
{
    png_colormap(max > min ? (v - min) / ((double)max - min) : 1.0, rgb);
}

/* The legend strip: width x height RGB, white, with the bar, the ticks and the labels. */
struct legend {
    uint8_t *rgb;
    int width, height;
    int scale; /* of the glyphs */
    int bar_x, bar_top, bar_height;
};

static void set_pixel(struct legend *l, int x, int y, const uint8_t c[3])
{
    if (x >= 0 && x < l->width && y >= 0 && y < l->height) memcpy(l->rgb + ((size_t)y * l->width + x) * 3, c, 3);
}

static void fill(struct legend *l, int x0, int y0, int w, int h, const uint8_t c[3])
{
    for (int y = y0; y < y0 + h; y++)
        for (int x = x0; x < x0 + w; x++) set_pixel(l, x, y, c);
}

/* The number n at (x, y) (its top left), in black. */
static void draw_number(struct legend *l, int x, int y, long long n)
{
    char digits[24];
    snprintf(digits, sizeof digits, "%lld", n);
    const int s = l->scale;
    for (int i = 0; digits[i]; i++) {
        const int at = x + i * (GLYPH_W + 1) * s;
        if (digits[i] < '0' || digits[i] > '9') continue;
        for (int r = 0; r < GLYPH_H; r++)
            for (int c = 0; c < GLYPH_W; c++)
                if (glyphs[digits[i] - '0'][r] >> (GLYPH_W - 1 - c) & 1) fill(l, at + c * s, y + r * s, s, s, black);
    }
}

static int digits_of(long long n)
{
    char buf[24];
    return snprintf(buf, sizeof buf, "%lld", n);
}

/* The counts the bar labels: every one when few, else min, max and evenly spaced ones between. */
static int tick_values(int32_t min, int32_t max, int room, long long *v)
{
    const long long span = (long long)max - min;
    int n = span + 1 < HEATMAP_MAX_TICKS ? (int)(span + 1) : HEATMAP_MAX_TICKS;
    if (n > room) n = room < 2 ? (span ? 2 : 1) : room;
    for (int i = 0; i < n; i++) v[i] = n == 1 ? min : min + (span * i + (n - 1) / 2) / (n - 1);
    return n;
}

static void draw_legend(struct legend *l, int32_t min, int32_t max)
{
    const int s = l->scale, label_h = GLYPH_H * s;
    for (int y = 0; y < l->bar_height; y++) { /* the most taps at the top */
        uint8_t c[3];
        const double f = l->bar_height > 1 ? (double)y / (l->bar_height - 1) : 0.0;
        heatmap_colour(max - f * ((double)max - min), min, max, c);
        fill(l, l->bar_x, l->bar_top + y, HEATMAP_BAR_WIDTH, 1, c);
    }
    long long v[HEATMAP_MAX_TICKS];
    const int n = tick_values(min, max, l->bar_height / (label_h + s) + 1, v);
    for (int i = 0; i < n; i++) {
        const double f = max > min ? ((double)max - v[i]) / ((double)max - min) : 0.5;
        const int y = l->bar_top + (int)(f * (l->bar_height - 1) + 0.5);
        fill(l, l->bar_x + HEATMAP_BAR_WIDTH, y - s / 2, 2 * s, s, black);
        draw_number(l, l->bar_x + HEATMAP_BAR_WIDTH + 3 * s, y - label_h / 2, v[i]);
    }
}

/* Sizes the strip for an image of the given height: 0, or -1 when it cannot be drawn. */
static int legend_init(struct legend *l, int height, int32_t min, int32_t max)
{
    const int by_rows = height / GLYPH_ROWS_PER_SCALE;
    l->scale = by_rows < GLYPH_MIN_SCALE ? GLYPH_MIN_SCALE : by_rows > GLYPH_MAX_SCALE ? GLYPH_MAX_SCALE : by_rows;
    const int digits = digits_of(min) > digits_of(max) ? digits_of(min) : digits_of(max);
    l->height = height;
    l->bar_x = HEATMAP_GAP;
    l->bar_top = GLYPH_H * l->scale / 2; /* a label centred on the bar's end stays inside the image */
    l->bar_height = height - 2 * l->bar_top;
    l->width = HEATMAP_GAP + HEATMAP_BAR_WIDTH + 3 * l->scale + digits * (GLYPH_W + 1) * l->scale + HEATMAP_MARGIN;
    l->rgb = malloc((size_t)l->width * (size_t)height * 3);
    if (!l->rgb) return -1;
    memset(l->rgb, 255, (size_t)l->width * (size_t)height * 3);
    draw_legend(l, min, max);
    return 0;
}

/* The row callback's state: the map row is recomputed once per cell row. */
struct picture {
    const int32_t *counts;
    int64_t cols;
    int cell, map_width, map_height;
    int32_t min, max;
    struct legend legend;
    uint8_t *map_row;
    int64_t map_row_of; /* the count row map_row holds, -1 for none */
};

static void picture_row(void *ctx, int y, uint8_t *rgb)
{
    struct picture *pic = ctx;
    const size_t map_bytes = (size_t)pic->map_width * 3;
    if (y < pic->map_height && y / pic->cell != pic->map_row_of) {
        pic->map_row_of = y / pic->cell;
        const int32_t *row = pic->counts + pic->map_row_of * pic->cols;
        for (int64_t x = 0; x < pic->cols; x++) {
            uint8_t c[3];
            heatmap_colour(row[x], pic->min, pic->max, c);
            for (int k = 0; k < pic->cell; k++) memcpy(pic->map_row + (x * pic->cell + k) * 3, c, 3);
        }
    }
    for (size_t i = 0; i < map_bytes; i += 3) memcpy(rgb + i, y < pic->map_height ? pic->map_row + i : white, 3);
    memcpy(rgb + map_bytes, pic->legend.rgb + (size_t)y * pic->legend.width * 3, (size_t)pic->legend.width * 3);
}

int heatmap_write(const char *path, const int32_t *counts, int64_t rows, int64_t cols, int cell,
                  struct heatmap_info *info, char *err, size_t errlen)
{
    if (rows < 1 || cols < 1 || cell < 1 || rows > PNG_MAX_SIDE / cell || cols > PNG_MAX_SIDE / cell) {
        snprintf(err, errlen, "%s: a %lldx%lld map at %d pixel%s per count exceeds %d pixels a side", path,
                 (long long)rows, (long long)cols, cell, cell == 1 ? "" : "s", PNG_MAX_SIDE);
        return -1;
    }
    struct picture pic = {.counts = counts,
                          .cols = cols,
                          .cell = cell,
                          .map_width = (int)(cols * cell),
                          .map_height = (int)(rows * cell),
                          .min = counts[0],
                          .max = counts[0],
                          .map_row_of = -1};
    for (int64_t i = 1; i < rows * cols; i++) {
        pic.min = counts[i] < pic.min ? counts[i] : pic.min;
        pic.max = counts[i] > pic.max ? counts[i] : pic.max;
    }
    const int height = pic.map_height > HEATMAP_MIN_HEIGHT ? pic.map_height : HEATMAP_MIN_HEIGHT;
    pic.map_row = malloc((size_t)pic.map_width * 3);
    int rc = -1;
    if (!pic.map_row || legend_init(&pic.legend, height, pic.min, pic.max))
        snprintf(err, errlen, "%s: out of memory", path);
    else if (pic.map_width + pic.legend.width > PNG_MAX_SIDE)
        snprintf(err, errlen, "%s: the map and its colour bar exceed %d pixels; use a smaller --cell", path,
                 PNG_MAX_SIDE);
    else
        rc = png_write(path, pic.map_width + pic.legend.width, height, picture_row, &pic, err, errlen);
    if (!rc)
        *info = (struct heatmap_info){
            pic.map_width + pic.legend.width, height, pic.map_width, pic.map_height, pic.min, pic.max};
    free(pic.map_row);
    free(pic.legend.rgb);
    return rc;
}
