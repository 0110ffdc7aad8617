/*
 * png.h - write an 8-bit RGB PNG, compressed with zlib, one row at a time (no whole-image buffer),
 * and the heat-map colormap.
 */
#ifndef TCONV_PNG_H
#define TCONV_PNG_H

#include <stddef.h>
#include <stdint.h>

/* Largest width or height png_write takes: rows stay small, and every viewer opens the result. */
#define PNG_MAX_SIDE 16384

/* Fills row y (width*3 bytes of R, G, B) of the image. */
typedef void (*png_row_fn)(void *ctx, int y, uint8_t *rgb);

/* Writes a width x height image whose rows row() gives, top to bottom. Returns 0, or -1 with err filled. */
int png_write(const char *path, int width, int height, png_row_fn row, void *ctx, char *err, size_t errlen);

/*
 * The colormap: viridis's five stops, interpolated linearly in RGB. t = 0 is PNG_COLORMAP_LOW (dark purple),
 * t = 1 is PNG_COLORMAP_HIGH (yellow); t is clamped to [0, 1]. Neither end is black or white, so text and
 * background never look like data.
 */
#define PNG_COLORMAP_LOW                                                                                               \
    {                                                                                                                  \
        68, 1, 84                                                                                                      \
    }
#define PNG_COLORMAP_HIGH                                                                                              \
    {                                                                                                                  \
        253, 231, 37                                                                                                   \
    }
void png_colormap(double t, uint8_t out[3]);

#endif
