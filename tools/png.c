/*
 * png.c - a minimal PNG writer: IHDR, one IDAT of stored (uncompressed) deflate blocks, IEND.
 * Enough for heat maps of a few hundred pixels a side; every byte is computed here (CRC-32 and
 * Adler-32 bit by bit), so the tool needs no zlib.
 */
#include "png.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
    crc = ~crc;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++) crc = crc & 1 ? (crc >> 1) ^ 0xEDB88320u : crc >> 1;
    }
    return ~crc;
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static int chunk(FILE *f, const char *type, const uint8_t *data, size_t n)
{
    uint8_t hdr[8], crc[4];
    put32(hdr, (uint32_t)n);
    memcpy(hdr + 4, type, 4);
    uint32_t c = crc32_update(0, hdr + 4, 4);
    c = crc32_update(c, data, n);
    put32(crc, c);
    return fwrite(hdr, 1, 8, f) == 8 && (n == 0 || fwrite(data, 1, n, f) == n) && fwrite(crc, 1, 4, f) == 4 ? 0 : -1;
}

int png_write_rgb(const char *path, const uint8_t *rgb, int width, int height, char *err, size_t errlen)
{
    if (width <= 0 || height <= 0 || width > 16384 || height > 16384) {
        snprintf(err, errlen, "%s: image size %dx%d out of range", path, width, height);
        return -1;
    }
    /* raw scanlines: a filter byte (0) then the pixels */
    const size_t row = (size_t)width * 3 + 1, raw_n = row * (size_t)height;
    const size_t blocks = (raw_n + 65534) / 65535;
    const size_t z_n = 2 + raw_n + blocks * 5 + 4;
    uint8_t *z = malloc(z_n), *raw = malloc(raw_n);
    if (!z || !raw) {
        free(z), free(raw);
        snprintf(err, errlen, "%s: out of memory", path);
        return -1;
    }
    for (int y = 0; y < height; y++) {
        raw[(size_t)y * row] = 0;
        memcpy(raw + (size_t)y * row + 1, rgb + (size_t)y * width * 3, (size_t)width * 3);
    }
    size_t k = 0;
    z[k++] = 0x78, z[k++] = 0x01; /* zlib header: deflate, 32K window, no dictionary */
    uint32_t a = 1, b = 0;        /* Adler-32 */
    for (size_t off = 0; off < raw_n; off += 65535) {
        const size_t n = raw_n - off < 65535 ? raw_n - off : 65535;
        z[k++] = off + n == raw_n; /* BFINAL, BTYPE 00 (stored) */
        z[k++] = (uint8_t)n, z[k++] = (uint8_t)(n >> 8), z[k++] = (uint8_t)~n, z[k++] = (uint8_t)(~n >> 8);
        memcpy(z + k, raw + off, n);
        k += n;
        for (size_t i = 0; i < n; i++) a = (a + raw[off + i]) % 65521, b = (b + a) % 65521;
    }
    put32(z + k, b << 16 | a);
    k += 4;
    free(raw);
    uint8_t ihdr[13];
    put32(ihdr, (uint32_t)width), put32(ihdr + 4, (uint32_t)height);
    ihdr[8] = 8, ihdr[9] = 2, ihdr[10] = 0, ihdr[11] = 0, ihdr[12] = 0; /* 8-bit RGB, no interlace */
    FILE *f = fopen(path, "wb");
    if (!f) {
        free(z);
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    static const uint8_t sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    int bad =
        fwrite(sig, 1, 8, f) != 8 || chunk(f, "IHDR", ihdr, 13) || chunk(f, "IDAT", z, k) || chunk(f, "IEND", NULL, 0);
    bad = fclose(f) != 0 || bad;
    free(z);
    if (bad) {
        snprintf(err, errlen, "%s: write error", path);
        return -1;
    }
    return 0;
}

void png_colormap(double t, uint8_t out[3])
{
    static const double stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    const double u = t * 4;
    int i = (int)u;
    if (i > 3) i = 3;
    const double f = u - i;
    for (int c = 0; c < 3; c++) out[c] = (uint8_t)(stops[i][c] + f * (stops[i + 1][c] - stops[i][c]) + 0.5);
}
