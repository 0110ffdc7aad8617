/* png.h - write an 8-bit RGB PNG (stored, uncompressed deflate: no zlib needed). */
#ifndef TCONV_PNG_H
#define TCONV_PNG_H

#include <stddef.h>
#include <stdint.h>

/* rgb: height rows of width*3 bytes. Returns 0, or -1 with err filled. */
int png_write_rgb(const char *path, const uint8_t *rgb, int width, int height, char *err, size_t errlen);

/* A viridis-like colour for t in [0, 1]. */
void png_colormap(double t, uint8_t out[3]);

#endif
