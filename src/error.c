/*
 * error.c - the per-thread message of the last failure. It is the library's only state, and each
 * thread owns its own copy (test builds with TCONV_FAULT_INJECTION add per-thread allocation counters).
 */
#include <stdarg.h>
#include <stdio.h>

#include "base.h"

/* Long enough for the longest message (a transposed axis' inadmissible size, ~400 characters). */
#define MESSAGE_BYTES 768

static _Thread_local char last_error[MESSAGE_BYTES];

enum tconv_status tconv__fail(enum tconv_status s, const char *fn, const char *fmt, ...)
{
    va_list ap;
    const int n = snprintf(last_error, sizeof last_error, "%s: ", fn);
    if (n < 0 || (size_t)n >= sizeof last_error) return s;
    va_start(ap, fmt);
    vsnprintf(last_error + n, sizeof last_error - (size_t)n, fmt, ap);
    va_end(ap);
    return s;
}

const char *tconv__last_error(void) { return last_error; }
