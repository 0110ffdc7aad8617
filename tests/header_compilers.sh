#!/bin/sh
# The header with every compiler here, every warning an error: gcc and clang as C99 and C11, g++ and clang++
# as C++11 and C++17 (tests/header_c99.c, tests/header_cxx.cc: the macros and the initialisers). The build's
# own compiler builds and runs them too (tests header-c99, header-c11, header-c++11); this adds the others.
# Skips (77) only when no compiler besides the build's own is installed.
# usage: header_compilers.sh SOURCE_ROOT
set -eu
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0 ran=
for cc in gcc clang g++ clang++; do
  command -v "$cc" >/dev/null || continue
  case $cc in
  *++) file=$src/tests/header_cxx.cc stds="c++11 c++17" ;;
  *) file=$src/tests/header_c99.c stds="c99 c11" ;;
  esac
  for std in $stds; do
    ran="$ran $cc"
    if "$cc" -std="$std" -Wall -Wextra -pedantic-errors -Werror -I"$src/include" -c "$file" -o "$tmp/h.o" \
      2>"$tmp/err"; then
      echo "ok: $cc -std=$std -Wall -Wextra -pedantic-errors -Werror"
      passed=$((passed + 1))
    else
      echo "FAIL: $cc -std=$std"
      cat "$tmp/err"
      failed=$((failed + 1))
    fi
  done
done
case "$ran" in *clang*) ;; *) echo "SKIP: no clang or clang++ (the build's gcc compiles the header in header-*)"; exit 77 ;; esac
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
