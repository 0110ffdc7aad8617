/* text.c - see text.h. */
#include "text.h"

#include <stdarg.h>
#include <stdio.h>

void text_put(struct text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    const size_t room = t->n < t->len ? t->len - t->n : 0;
    const int k = vsnprintf(room ? t->buf + t->n : NULL, room, fmt, ap);
    va_end(ap);
    if (k > 0) t->n += (size_t)k;
}
