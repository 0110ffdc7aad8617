/*
 * npy.c - a small, strict .npy reader and writer (see npy.h). The header is a Python dict literal;
 * only what numpy.save writes is accepted: the keys 'descr', 'fortran_order' and 'shape' (in any
 * order), a float dtype, and a shape tuple of non-negative integers.
 */
#include "npy.h"

#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plural.h"

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A cursor over the header text; offsets in messages are from the start of the file. */
struct cur {
    const char *s;
    size_t i, n, base;
};

static void skip_space(struct cur *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t')) c->i++;
}

static bool eat(struct cur *c, char ch)
{
    skip_space(c);
    if (c->i < c->n && c->s[c->i] == ch) {
        c->i++;
        return true;
    }
    return false;
}

/* 'text' or "text" into out (at most outlen-1 chars) */
static bool quoted(struct cur *c, char *out, size_t outlen)
{
    skip_space(c);
    if (c->i >= c->n || (c->s[c->i] != '\'' && c->s[c->i] != '"')) return false;
    const char q = c->s[c->i++];
    size_t k = 0;
    while (c->i < c->n && c->s[c->i] != q) {
        if (k + 1 >= outlen) return false;
        out[k++] = c->s[c->i++];
    }
    if (c->i >= c->n) return false;
    c->i++;
    out[k] = 0;
    return true;
}

/* The preamble: magic, version, header length. *start: where the header text begins. */
static int parse_preamble(const unsigned char *buf, size_t len, size_t *hlen, size_t *start, char *err, size_t errlen)
{
    static const unsigned char magic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
    if (len < 10) return fail(err, errlen, "byte %zu: the file ends before the 10-byte .npy preamble", len);
    if (memcmp(buf, magic, 6) != 0) return fail(err, errlen, "byte 0: not a .npy file (no \\x93NUMPY magic)");
    const unsigned major = buf[6], minor = buf[7];
    if (major < 1 || major > 3 || minor != 0)
        return fail(err, errlen, "byte 6: .npy format version %u.%u is not supported (1.0, 2.0, 3.0)", major, minor);
    if (major == 1) {
        *hlen = (size_t)buf[8] | (size_t)buf[9] << 8;
        *start = 10;
    } else {
        if (len < 12) return fail(err, errlen, "byte %zu: the file ends inside the header length", len);
        *hlen = (size_t)buf[8] | (size_t)buf[9] << 8 | (size_t)buf[10] << 16 | (size_t)buf[11] << 24;
        *start = 12;
    }
    if (*hlen > len - *start)
        return fail(err, errlen, "byte 8: the header length %zu runs past the end of the file (%zu bytes)", *hlen, len);
    for (size_t i = 0; i < *hlen; i++) { /* printable ASCII and the final newline only */
        const unsigned char b = buf[*start + i];
        if ((b < 0x20 || b > 0x7e) && b != '\n')
            return fail(err, errlen, "byte %zu: the header holds a non-ASCII byte 0x%02x", *start + i, b);
    }
    return 0;
}

/* 'shape': a tuple of non-negative integers, (), (3,) or (1, 2). */
static int parse_shape(struct cur *c, struct npy_array *a, char *err, size_t errlen)
{
    if (!eat(c, '(')) return fail(err, errlen, "byte %zu: 'shape' must be a tuple", c->base + c->i);
    a->ndim = 0;
    memset(a->shape, 0, sizeof a->shape);
    for (;;) {
        if (eat(c, ')')) return 0;
        skip_space(c);
        if (c->i >= c->n || !isdigit((unsigned char)c->s[c->i]))
            return fail(err, errlen, "byte %zu: expected a non-negative integer in 'shape'", c->base + c->i);
        if (a->ndim == NPY_MAX_DIMS)
            return fail(err, errlen, "byte %zu: more than %d dimensions", c->base + c->i, NPY_MAX_DIMS);
        int64_t v = 0;
        while (c->i < c->n && isdigit((unsigned char)c->s[c->i])) {
            if (v > (INT64_MAX - 9) / 10)
                return fail(err, errlen, "byte %zu: a dimension overflows int64", c->base + c->i);
            v = v * 10 + (c->s[c->i++] - '0');
        }
        a->shape[a->ndim++] = v;
        if (!eat(c, ',')) {
            if (eat(c, ')')) return 0;
            return fail(err, errlen, "byte %zu: expected ',' or ')' in 'shape'", c->base + c->i);
        }
    }
}

/* 'fortran_order': True or False. */
static int parse_bool(struct cur *c, int *value, char *err, size_t errlen)
{
    skip_space(c);
    if (c->n - c->i >= 4 && !strncmp(c->s + c->i, "True", 4)) {
        *value = 1;
        c->i += 4;
    } else if (c->n - c->i >= 5 && !strncmp(c->s + c->i, "False", 5)) {
        *value = 0;
        c->i += 5;
    } else {
        return fail(err, errlen, "byte %zu: 'fortran_order' must be True or False", c->base + c->i);
    }
    return 0;
}

/* The header dict: each of 'descr', 'fortran_order' and 'shape' exactly once, in any order. */
static int parse_dict(struct cur *c, char *descr, size_t descr_len, int *fortran, struct npy_array *a, char *err,
                      size_t errlen)
{
    bool have_shape = false;
    *fortran = -1;
    if (!eat(c, '{')) return fail(err, errlen, "byte %zu: the header does not start with '{'", c->base + c->i);
    while (!eat(c, '}')) {
        char key[32];
        const size_t at = c->base + c->i;
        if (!quoted(c, key, sizeof key)) return fail(err, errlen, "byte %zu: expected a quoted key in the header", at);
        if (!eat(c, ':')) return fail(err, errlen, "byte %zu: expected ':' after '%s'", c->base + c->i, key);
        if ((!strcmp(key, "descr") && descr[0]) || (!strcmp(key, "fortran_order") && *fortran >= 0) ||
            (!strcmp(key, "shape") && have_shape))
            return fail(err, errlen, "byte %zu: the key '%s' appears twice in the header", at, key);
        if (!strcmp(key, "descr")) {
            if (!quoted(c, descr, descr_len))
                return fail(err, errlen, "byte %zu: 'descr' must be a dtype string such as '<f4'", c->base + c->i);
        } else if (!strcmp(key, "fortran_order")) {
            if (parse_bool(c, fortran, err, errlen)) return -1;
        } else if (!strcmp(key, "shape")) {
            if (parse_shape(c, a, err, errlen)) return -1;
            have_shape = true;
        } else {
            return fail(err, errlen, "byte %zu: unexpected key '%s' in the header", at, key);
        }
        if (!eat(c, ',')) {
            if (eat(c, '}')) break;
            return fail(err, errlen, "byte %zu: expected ',' or '}' in the header", c->base + c->i);
        }
    }
    if (!descr[0] || *fortran < 0 || !have_shape)
        return fail(err, errlen, "byte %zu: the header lacks %s", c->base,
                    !descr[0]      ? "'descr'"
                    : *fortran < 0 ? "'fortran_order'"
                                   : "'shape'");
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\n')) c->i++;
    if (c->i != c->n) return fail(err, errlen, "byte %zu: unexpected text after the header dict", c->base + c->i);
    return 0;
}

/* The element type: float32 native; float64 and big-endian are converted. */
struct dtype {
    size_t item;
    bool big, f64;
};

static int parse_dtype(const char *descr, size_t at, struct dtype *t, char *err, size_t errlen)
{
    if ((descr[0] == '<' || descr[0] == '>' || descr[0] == '=' || descr[0] == '|') && descr[1] == 'f' &&
        (!strcmp(descr + 2, "4") || !strcmp(descr + 2, "8"))) {
        t->big = descr[0] == '>';
        t->f64 = descr[2] == '8';
        t->item = t->f64 ? 8 : 4;
        return 0;
    }
    return fail(err, errlen,
                "byte %zu: dtype '%s' is not supported: tconv reads float32 ('<f4') and converts float64 ('<f8')", at,
                descr);
}

/* The data (file order) into a->data as float32; *rounded counts float64 values that changed. */
static int convert_data(const unsigned char *p, size_t data_at, const struct dtype *t, struct npy_array *a,
                        int64_t *rounded, char *err, size_t errlen)
{
    a->data = malloc(a->count > 0 ? (size_t)a->count * sizeof(float) : 1);
    if (!a->data) return fail(err, errlen, "out of memory for %lld elements", (long long)a->count);
    *rounded = 0;
    for (int64_t i = 0; i < a->count; i++) {
        unsigned char b[8];
        for (size_t k = 0; k < t->item; k++) b[k] = p[i * t->item + (t->big ? t->item - 1 - k : k)]; /* to LE */
        if (!t->f64) {
            memcpy(&a->data[i], b, 4);
            continue;
        }
        double v;
        memcpy(&v, b, 8);
        /* a finite double beyond float's range would become Inf: a silent wrong answer, so refuse */
        if (isfinite(v) && fabs(v) > FLT_MAX) {
            free(a->data);
            a->data = NULL;
            return fail(err, errlen, "byte %zu: element %lld (in file order) = %g does not fit in float32",
                        data_at + (size_t)i * t->item, (long long)i, v);
        }
        a->data[i] = (float)v;
        *rounded += (double)a->data[i] != v && !isnan(v);
    }
    return 0;
}

/* Fortran order (the first index fastest) into C order. */
static int fortran_to_c(struct npy_array *a, char *err, size_t errlen)
{
    float *cdat = malloc(a->count > 0 ? (size_t)a->count * sizeof(float) : 1);
    if (!cdat) {
        free(a->data);
        a->data = NULL;
        return fail(err, errlen, "out of memory for %lld elements", (long long)a->count);
    }
    int64_t idx[NPY_MAX_DIMS] = {0};
    for (int64_t f = 0; f < a->count; f++) { /* f walks Fortran order; idx is its multi-index */
        int64_t ci = 0;
        for (int d = 0; d < a->ndim; d++) ci = ci * a->shape[d] + idx[d];
        cdat[ci] = a->data[f];
        for (int d = 0; d < a->ndim && ++idx[d] == a->shape[d]; d++) idx[d] = 0;
    }
    free(a->data);
    a->data = cdat;
    return 0;
}

/* What was converted, for a note on stderr. */
static void write_note(struct npy_array *a, const struct dtype *t, bool fortran, int64_t rounded)
{
    size_t k = 0;
    if (t->f64)
        k += (size_t)snprintf(a->note, sizeof a->note, "float64 -> float32 (%lld of %lld value%s rounded)",
                              (long long)rounded, (long long)a->count, plural(a->count));
    if (t->big && k < sizeof a->note)
        k += (size_t)snprintf(a->note + k, sizeof a->note - k, "%sbig-endian -> little-endian", k ? ", " : "");
    if (fortran && k < sizeof a->note)
        snprintf(a->note + k, sizeof a->note - k, "%sFortran order -> C order", k ? ", " : "");
}

int npy_parse(const unsigned char *buf, size_t len, struct npy_array *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    size_t hlen = 0, start = 0;
    if (parse_preamble(buf, len, &hlen, &start, err, errlen)) return -1;
    struct cur c = {(const char *)buf + start, 0, hlen, start};
    char descr[16] = "";
    int fortran;
    struct dtype t = {0, false, false};
    if (parse_dict(&c, descr, sizeof descr, &fortran, a, err, errlen) || parse_dtype(descr, start, &t, err, errlen))
        return -1;
    int64_t count = 1;
    for (int d = 0; d < a->ndim; d++)
        if (__builtin_mul_overflow(count, a->shape[d], &count))
            return fail(err, errlen, "byte %zu: the element count of the shape overflows", start);
    const size_t data_at = start + hlen, have = len - data_at;
    uint64_t need;
    if (__builtin_mul_overflow((uint64_t)count, (uint64_t)t.item, &need) || need != (uint64_t)have)
        return fail(err, errlen, "byte %zu: the data holds %zu byte%s, the shape and dtype need %llu", data_at, have,
                    plural((long long)have), (unsigned long long)((uint64_t)count * t.item));
    a->count = count;
    int64_t rounded = 0;
    if (convert_data(buf + data_at, data_at, &t, a, &rounded, err, errlen)) return -1;
    const bool reorder = fortran && a->ndim > 1;
    if (reorder && fortran_to_c(a, err, errlen)) return -1;
    write_note(a, &t, reorder, rounded);
    return 0;
}

int npy_load(const char *path, struct npy_array *a, char *err, size_t errlen)
{
    memset(a, 0, sizeof *a);
    struct stat st; /* first: fopen takes a directory, and only the read then fails */
    if (stat(path, &st)) return fail(err, errlen, "%s: %s", path, strerror(errno));
    if (S_ISDIR(st.st_mode)) return fail(err, errlen, "%s: is a directory, not a .npy file", path);
    if (!S_ISREG(st.st_mode)) return fail(err, errlen, "%s: is not a regular file", path);
    FILE *f = fopen(path, "rb");
    if (!f) return fail(err, errlen, "%s: %s", path, strerror(errno));
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            unsigned char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                return fail(err, errlen, "%s: out of memory", path);
            }
            buf = nb;
        }
        const size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    const bool bad = ferror(f);
    const int read_errno = errno;
    fclose(f);
    if (bad) {
        free(buf);
        return fail(err, errlen, "%s: read error: %s", path, strerror(read_errno));
    }
    char inner[256];
    const int rc = npy_parse(buf, len, a, inner, sizeof inner);
    free(buf);
    if (rc) return fail(err, errlen, "%s: %s", path, inner);
    return 0;
}

int npy_save(const char *path, const float *data, int ndim, const int64_t *shape, char *err, size_t errlen)
{
    char dict[256], shp[160] = "";
    size_t k = 0;
    for (int d = 0; d < ndim; d++)
        k += (size_t)snprintf(shp + k, sizeof shp - k, "%lld%s", (long long)shape[d],
                              ndim == 1      ? ","
                              : d + 1 < ndim ? ", "
                                             : "");
    int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%s), }", shp);
    /* numpy >= 1.23 leaves room for the first axis to grow to 21 digits, then pads with 1..64 spaces so
       that magic + version + length + header + '\n' is a multiple of 64 */
    char first[32];
    const size_t growth = ndim > 0 ? 21 - (size_t)snprintf(first, sizeof first, "%lld", (long long)shape[0]) : 0;
    const size_t total = 10 + (size_t)n + growth + 1;
    const size_t pad = growth + 64 - total % 64;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    const size_t hlen = (size_t)n + pad + 1;
    pre[8] = (unsigned char)(hlen & 0xff);
    pre[9] = (unsigned char)(hlen >> 8);
    int64_t count = 1;
    for (int d = 0; d < ndim; d++) count *= shape[d];
    FILE *f = fopen(path, "wb");
    if (!f) return fail(err, errlen, "%s: %s", path, strerror(errno));
    bool ok = fwrite(pre, 1, 10, f) == 10 && fwrite(dict, 1, (size_t)n, f) == (size_t)n;
    for (size_t i = 0; ok && i < pad; i++) ok = fputc(' ', f) != EOF;
    ok = ok && fputc('\n', f) != EOF;
    ok = ok && (count == 0 || fwrite(data, sizeof(float), (size_t)count, f) == (size_t)count); /* little-endian host */
    ok = fclose(f) == 0 && ok;
    if (!ok) return fail(err, errlen, "%s: write error", path);
    return 0;
}
