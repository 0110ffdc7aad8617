#!/bin/sh
# Prints the version that include/tconv.h declares (TCONV_VERSION_MAJOR.MINOR.PATCH): its one home.
h="$(dirname "$0")/../include/tconv.h"
for f in MAJOR MINOR PATCH; do sed -n "s/^#define TCONV_VERSION_$f \([0-9][0-9]*\).*/\1/p" "$h"; done | paste -sd. -
