#!/bin/sh
# CMake consumers of the installed library: find_package(tconv 0.2 REQUIRED) and tconv::tconv
# (tests/consumers/cmake/), built and run with no LD_LIBRARY_PATH (CMake sets the build RPATH); the version
# file accepts 0.2 and refuses 9.0 and 0.1.
# usage: cmake.sh BUILD_ROOT SOURCE_ROOT CC
set -eu
build=$1 src=$2 cc=$3
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"
command -v cmake >/dev/null || skip "cmake not found"
skip_if_sanitized "$build"

install_staged "$build"
project=$src/tests/consumers/cmake
logged configure env CC="$cc" cmake -S "$project" -B "$tmp/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release
tconv_dir=$(sed -n 's/^tconv_DIR:PATH=//p' "$tmp/cmake-build/CMakeCache.txt")
case $tconv_dir in "$stage"/*) ;; *) fail "find_package found tconv in '$tconv_dir', not in the stage" ;; esac
ok "find_package(tconv 0.2 REQUIRED): $tconv_dir"
logged build cmake --build "$tmp/cmake-build"
ok "cmake --build: app links tconv::tconv"
echo "+ env -u LD_LIBRARY_PATH $tmp/cmake-build/app"
env -u LD_LIBRARY_PATH "$tmp/cmake-build/app" || fail "the CMake consumer computed a wrong value or failed"
ok "app runs with no LD_LIBRARY_PATH"

probe=$src/tests/consumers/cmake/version_probe
logged probe-0.2 cmake -S "$probe" -B "$tmp/probe-0.2" -DCMAKE_PREFIX_PATH="$prefix" -DTCONV_WANT=0.2
sed -n 's/^-- \(find_package(tconv .*\)/\1/p' "$tmp/probe-0.2.log"
ok "find_package(tconv 0.2) succeeds"
# 9.0: newer than this version; 0.1: before the ABI of libtconv.so.0 began (0.2.0).
for want in 9.0 0.1; do
  echo "+ cmake -S $probe -B $tmp/probe-$want -DCMAKE_PREFIX_PATH=$prefix -DTCONV_WANT=$want (must fail)"
  if cmake -S "$probe" -B "$tmp/probe-$want" -DCMAKE_PREFIX_PATH="$prefix" -DTCONV_WANT=$want \
    >"$tmp/probe-$want.log" 2>&1; then
    cat "$tmp/probe-$want.log"
    fail "find_package(tconv $want) succeeded"
  fi
  if ! grep -q "with requested version \"$want\"" "$tmp/probe-$want.log"; then
    cat "$tmp/probe-$want.log"
    fail "find_package(tconv $want) failed for another reason than the version"
  fi
  sed -n 's/^ *\(.*tconvConfig\.cmake, version: .*\)/refused: \1/p' "$tmp/probe-$want.log"
  ok "find_package(tconv $want) fails: the version file refuses it"
done
finish
