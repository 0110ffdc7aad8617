#!/bin/sh
# The ABI of libtconv.so.0 against the one stored for 0.2.0 (tests/abi/libtconv.so.0.abi, abidw's dump):
# functions may be added and tconv_options / tconv_profile may grow at their end (suppressions.ini);
# anything else abidiff reports - a removed function, a changed type or layout, a changed enumerator
# value - fails. The header's "ABI rules" say why; a deliberate break bumps the soname and re-dumps
# (tests/abi/dump.sh). Skips (77) without abidiff unless TCONV_REQUIRE_ABIDIFF=1 (CI), and on a library
# built without DWARF (-Ddebug=false) or with sanitizers.
# usage: check.sh path/to/libtconv.so SOURCE_ROOT
set -eu
lib=$1 src=$2
if ! command -v abidiff >/dev/null; then
  [ "${TCONV_REQUIRE_ABIDIFF:-0}" = 1 ] && { echo "abidiff not found (apt-get install abigail-tools)"; exit 1; }
  echo "SKIP: abidiff not found (apt-get install abigail-tools)"; exit 77
fi
if nm -D "$lib" | grep -q '__asan_\|__tsan_\|__ubsan_'; then echo "SKIP: a sanitizer build"; exit 77; fi
if ! readelf -S "$lib" | grep -q '\.debug_info'; then
  [ "${TCONV_REQUIRE_ABIDIFF:-0}" = 1 ] && { echo "$lib has no DWARF (built with -Ddebug=false?)"; exit 1; }
  echo "SKIP: $lib has no DWARF for abidiff (built with -Ddebug=false)"; exit 77
fi
echo "+ abidiff --no-added-syms --suppressions tests/abi/suppressions.ini tests/abi/libtconv.so.0.abi $lib"
status=0
abidiff --no-added-syms --suppressions "$src/tests/abi/suppressions.ini" --headers-dir2 "$src/include" \
  "$src/tests/abi/libtconv.so.0.abi" "$lib" || status=$?
if [ "$status" -ne 0 ]; then
  echo "abidiff exit status $status: the ABI of 0.2.0 changed (see the ABI rules in include/tconv.h)"
  echo "0 passed, 1 failed"; exit 1
fi
echo "abidiff: the 0.2.0 ABI holds (functions only added, tconv_options/tconv_profile grown at their end only)"
echo "1 passed, 0 failed"
