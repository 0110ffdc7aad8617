/*
 * png.c - a small PNG writer (see png.h): IHDR, IDAT chunks of one zlib stream fed row by row, IEND.
 * A row equal to the one above is stored with filter 2 (Up), all zeros, which deflate squeezes to almost
 * nothing even when the row is longer than deflate's 32 KiB window; other rows use filter 0 (None).
 */
#include "png.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* Compressed bytes gathered before an IDAT chunk is written. */
#define PNG_IDAT_BYTES (1 << 16)
/* zlib's level: 6 is its default balance; the maps are long runs that any level compresses well. */
#define PNG_ZLIB_LEVEL 6

enum { FILTER_NONE = 0, FILTER_UP = 2 };

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static bool chunk(FILE *f, const char *type, const uint8_t *data, size_t n)
{
    uint8_t hdr[8], crc[4];
    put32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uLong c = crc32(0L, hdr + 4, 4);
    if (n) c = crc32(c, data, (uInt)n);
    put32(crc, (uint32_t)c);
    return fwrite(hdr, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(crc, 1, 4, f) == 4;
}

/* The state of one image being written. */
struct writer {
    FILE *f;
    z_stream z;
    uint8_t out[PNG_IDAT_BYTES];
    bool ok;
};

/* Deflates n bytes (flush: Z_NO_FLUSH or Z_FINISH), writing an IDAT chunk each time the buffer fills. */
static void deflate_bytes(struct writer *w, const uint8_t *in, size_t n, int flush)
{
    w->z.next_in = (Bytef *)(uintptr_t)in; /* zlib's API is not const; it only reads */
    w->z.avail_in = (uInt)n;
    for (;;) {
        const int st = deflate(&w->z, flush);
        if (st == Z_STREAM_ERROR) {
            w->ok = false;
            return;
        }
        const bool finished = flush == Z_FINISH && st == Z_STREAM_END;
        const size_t have = sizeof w->out - w->z.avail_out;
        if (have && (w->z.avail_out == 0 || finished)) {
            w->ok = w->ok && chunk(w->f, "IDAT", w->out, have);
            w->z.next_out = w->out;
            w->z.avail_out = sizeof w->out;
        }
        if (!w->ok || finished || (flush != Z_FINISH && w->z.avail_in == 0 && w->z.avail_out > 0)) return;
    }
}

/* The rows, each with its filter byte: Up (all zeros) when equal to the previous row, else None. */
static void write_rows(struct writer *w, int width, int height, png_row_fn row, void *ctx, uint8_t *cur, uint8_t *prev,
                       const uint8_t *zeros)
{
    const size_t n = (size_t)width * 3;
    for (int y = 0; y < height && w->ok; y++) {
        row(ctx, y, cur);
        const bool up = y > 0 && !memcmp(cur, prev, n);
        const uint8_t filter = up ? FILTER_UP : FILTER_NONE;
        deflate_bytes(w, &filter, 1, Z_NO_FLUSH);
        deflate_bytes(w, up ? zeros : cur, n, Z_NO_FLUSH);
        uint8_t *t = prev;
        prev = cur;
        cur = t;
    }
    deflate_bytes(w, NULL, 0, Z_FINISH);
}

int png_write(const char *path, int width, int height, png_row_fn row, void *ctx, char *err, size_t errlen)
{
    if (width <= 0 || height <= 0 || width > PNG_MAX_SIDE || height > PNG_MAX_SIDE) {
        snprintf(err, errlen, "%s: image size %dx%d out of range (1..%d a side)", path, width, height, PNG_MAX_SIDE);
        return -1;
    }
    const size_t n = (size_t)width * 3;
    struct writer *w = calloc(1, sizeof *w);
    uint8_t *rows = calloc(3, n); /* the current row, the previous one, and zeros */
    if (!w || !rows || deflateInit(&w->z, PNG_ZLIB_LEVEL) != Z_OK) {
        free(w);
        free(rows);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    w->z.next_out = w->out;
    w->z.avail_out = sizeof w->out;
    w->f = fopen(path, "wb");
    w->ok = w->f != NULL;
    const int open_errno = errno;
    if (w->ok) {
        static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
        uint8_t ihdr[13] = {0, 0, 0, 0, 0, 0, 0, 0, 8, 2, 0, 0, 0}; /* 8-bit RGB, deflate, filter set 0, no interlace */
        put32(ihdr, (uint32_t)width);
        put32(ihdr + 4, (uint32_t)height);
        w->ok = fwrite(sig, 1, 8, w->f) == 8 && chunk(w->f, "IHDR", ihdr, 13);
        write_rows(w, width, height, row, ctx, rows, rows + n, rows + 2 * n);
        w->ok = w->ok && chunk(w->f, "IEND", NULL, 0);
        w->ok = fclose(w->f) == 0 && w->ok;
    }
    deflateEnd(&w->z);
    const bool opened = w->f != NULL, ok = w->ok;
    free(w);
    free(rows);
    if (ok) return 0;
    snprintf(err, errlen, "%s: %s", path, opened ? "write error" : strerror(open_errno));
    return -1;
}

void png_colormap(double t, uint8_t out[3])
{
    static const double stops[5][3] = {
        PNG_COLORMAP_LOW, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, PNG_COLORMAP_HIGH};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const double u = t * 4;
    int i = (int)u;
    if (i > 3) i = 3;
    const double f = u - i;
    for (int c = 0; c < 3; c++) out[c] = (uint8_t)(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]) + 0.5);
}
