#!/bin/sh
# Re-dump the stored ABI: only when the soname is bumped on purpose (a break check.sh refuses). Writes
# tests/abi/libtconv.so.0.abi from a build's library, the checkout's path made relative (as in tests/abi/).
# usage: dump.sh path/to/libtconv.so   (from the source root)
set -eu
lib=$1
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
abidw --headers-dir include --no-corpus-path --no-comp-dir-path "$lib" >"$tmp"
root=$(sed -n "s@.*path='\([^']*\)include/tconv.h'.*@\1@p" "$tmp" | head -1)
sed "s@path='$root@path='@g" "$tmp" >tests/abi/libtconv.so.0.abi
echo "wrote tests/abi/libtconv.so.0.abi ($(wc -c <tests/abi/libtconv.so.0.abi) bytes; stripped '$root')"
