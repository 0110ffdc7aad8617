#!/bin/sh
# libtconv.so exports exactly the functions tconv.h declares: each declared one is there, and
# nothing else (no internal tconv__ helper, no ifunc resolver, nothing outside the prefix).
# usage: symbols.sh path/to/libtconv.so path/to/tconv.h
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
nm -D --defined-only "$1" | awk '{print $3}' | sort -u >"$tmp/exported"
grep -o '\btconv_[a-z0-9_]*(' "$2" | tr -d '(' | sort -u >"$tmp/declared"
echo "declared in tconv.h: $(wc -l <"$tmp/declared"), exported: $(wc -l <"$tmp/exported")"
missing=$(comm -23 "$tmp/declared" "$tmp/exported")
extra=$(comm -13 "$tmp/declared" "$tmp/exported")
[ -z "$missing" ] || { echo "declared but not exported:"; printf '  %s\n' $missing; }
[ -z "$extra" ] || { echo "exported but not declared:"; printf '  %s\n' $extra; }
if [ -n "$missing$extra" ] || [ "$(wc -l <"$tmp/declared")" -lt 30 ]; then echo "0 passed, 1 failed"; exit 1; fi
echo "1 passed, 0 failed"
