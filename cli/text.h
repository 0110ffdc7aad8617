/*
 * text.h - text appended to a caller's buffer, printf-style, for the spellings (spell.c, spell_nd.c):
 * n counts what the whole text needs, also past len, so a caller can tell it was cut.
 */
#ifndef TCONV_CLI_TEXT_H
#define TCONV_CLI_TEXT_H

#include <stddef.h>

struct text {
    char *buf;
    size_t len, n;
};

void text_put(struct text *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
