/*
 * heatmap.h - tconv overlap --png: the overlap map drawn as a PNG that explains itself. Each output
 * pixel is a cell x cell square at the top left, coloured by its count on a scale from the map's
 * fewest taps (PNG_COLORMAP_LOW) to its most (PNG_COLORMAP_HIGH); to the right, a colour bar of the same
 * scale (most at the top) with the counts written beside it (min, max and up to three ticks between)
 * in a built-in digit font, black on white.
 */
#ifndef TCONV_CLI_HEATMAP_H
#define TCONV_CLI_HEATMAP_H

#include <stddef.h>
#include <stdint.h>

/* What heatmap_write drew. */
struct heatmap_info {
    int width, height; /* the whole image */
    int map_width, map_height;
    int32_t min, max; /* the counts at the bottom and the top of the colour bar */
};

/* The colour of value v on the scale [min, max] (a one-value scale is all PNG_COLORMAP_HIGH). */
void heatmap_colour(double v, int32_t min, int32_t max, uint8_t rgb[3]);

/*
 * Draws counts (int32_t[rows][cols]) with cell pixels per count into the PNG file path. Returns 0 with
 * *info filled, or -1 with err filled (the image would exceed PNG_MAX_SIDE, or the file failed).
 */
int heatmap_write(const char *path, const int32_t *counts, int64_t rows, int64_t cols, int cell,
                  struct heatmap_info *info, char *err, size_t errlen);

#endif
