/* clock.c - the monotonic clock of the profile (tconv_options.profile). */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include <time.h>

#include "base.h"

double tconv__now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}
