#!/bin/sh
# doxygen_check.sh DOXYGEN DOXYFILE - the API reference (docs/Doxyfile.in, configured by meson) built into a
# temporary directory: fails on any doxygen warning (an undocumented function, struct, field, enum or macro,
# a wrong @param, a broken reference) and on an enumerator without a comment, which doxygen does not warn
# about (read from its XML output). Exit 77 (skip) when DOXYGEN is empty: doxygen is not installed.
set -u
doxygen=$1
doxyfile=$2
if [ -z "$doxygen" ] || [ ! -x "$doxygen" ]; then
    echo "doxygen_check: doxygen is not installed (skip)"
    exit 77
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

# The configured file with the output moved here; later assignments override earlier ones.
{
    cat "$doxyfile"
    echo "OUTPUT_DIRECTORY = $tmp"
    echo "GENERATE_XML = YES"
    echo "WARN_LOGFILE = $tmp/warnings"
} >"$tmp/Doxyfile"
"$doxygen" "$tmp/Doxyfile" >"$tmp/log" 2>&1
rc=$?
fail=0
if [ -s "$tmp/warnings" ]; then
    echo "doxygen_check: $(grep -c . "$tmp/warnings") warning line(s):" >&2
    cat "$tmp/warnings" >&2
    fail=1
fi
if [ $rc -ne 0 ]; then
    echo "doxygen_check: doxygen exited with status $rc" >&2
    cat "$tmp/log" >&2
    fail=1
fi
[ $fail -eq 0 ] || exit 1

# Every enumerator has a comment: an <enumvalue> of the XML with no <para> in its descriptions.
for xml in "$tmp"/xml/*.xml; do
    awk '/<enumvalue /     { inside = 1; documented = 0; name = "" }
         inside && /<name>/ { name = $0; sub(/.*<name>/, "", name); sub(/<\/name>.*/, "", name) }
         inside && /<para>/ { documented = 1 }
         /<\/enumvalue>/    { if (!documented) print name; inside = 0 }' "$xml"
done >"$tmp/undocumented"
if [ -s "$tmp/undocumented" ]; then
    echo "doxygen_check: enumerators without a comment: $(tr "\n" " " <"$tmp/undocumented")" >&2
    exit 1
fi
[ -s "$tmp/html/index.html" ] || { echo "doxygen_check: no html/index.html" >&2; exit 1; }
echo "doxygen_check: the API reference builds without a warning; $(grep -c '<enumvalue ' "$tmp"/xml/*.xml |
    awk -F: '{ n += $NF } END { print n }') enumerators, all documented"
