#!/bin/sh
# A second, library-only build of the same source tree as a static library, installed to a temporary prefix:
# a program linked with `pkg-config --static --cflags --libs tconv` has libtconv inside it (no NEEDED
# libtconv.so.0) and runs; CMake's package takes the static branch of tconvConfig.cmake (its BLAS and OpenMP).
# usage: static.sh BUILD_ROOT SOURCE_ROOT CC BLAS OPENMP (the parent build's -Dblas and -Dopenmp)
set -eu
build=$1 src=$2 cc=$3 blas=$4 openmp=$5
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"
command -v pkg-config >/dev/null || skip "pkg-config not found"
skip_if_sanitized "$build"

sbuild=$tmp/static sprefix=$tmp/sprefix
logged setup env CC="$cc" meson setup "$sbuild" "$src" -Ddefault_library=static -Dcli=false -Dtests=false \
  -Dperf=false -Dexamples=false -Ddnnl=disabled -Dxnnpack=disabled -Dblas="$blas" -Dopenmp="$openmp" --prefix "$sprefix"
logged compile meson compile -C "$sbuild"
run meson install -C "$sbuild" --no-rebuild --quiet
archive=$(find "$sprefix" -name libtconv.a)
[ -n "$archive" ] || fail "no libtconv.a installed under $sprefix"
[ -z "$(find "$sprefix" -name 'libtconv.so*')" ] || fail "-Ddefault_library=static installed a shared library"
[ -z "$(find "$sprefix" -path '*/bin/*')" ] || fail "-Dcli=false installed a program"
ok "static library-only build installed: ${archive#"$tmp"/}"

pcdir=$(find "$sprefix" -name tconv.pc -printf '%h\n')
flags=$(PKG_CONFIG_PATH=$pcdir pkg-config --static --cflags --libs tconv)
echo "pkg-config --static --cflags --libs tconv: $flags"
# What the dependencies' own .pc files ask for must be there to link against (OpenBLAS's Libs.private names
# -lgfortran: libgfortran-12-dev on Debian 12, which README's set-up does not install; CI does).
for l in $(PKG_CONFIG_PATH=$pcdir pkg-config --static --libs-only-l tconv); do
  [ "$l" = -ltconv ] && continue
  # shellcheck disable=SC2086 # $cc may be a command with arguments (ccache cc)
  echo 'int main(void) { return 0; }' | $cc -x c - -o "$tmp/probe" $(PKG_CONFIG_PATH=$pcdir pkg-config --static \
    --libs-only-L tconv) "$l" 2>/dev/null || skip "$l (from pkg-config --static) is not installed: for OpenBLAS's \
-lgfortran, apt-get install libgfortran-12-dev"
done
# shellcheck disable=SC2086 # $cc may be a command with arguments (ccache cc), $flags is a list
run $cc -std=c99 -Wall -Wextra -pedantic-errors -Werror "$src/tests/consumer.c" -o "$tmp/app" $flags
needed=$(readelf -d "$tmp/app" | sed -n 's/.*(NEEDED).*\[\(.*\)\]$/\1/p' | paste -sd' ' -)
echo "NEEDED: $needed"
case " $needed " in *" libtconv.so"*) fail "the program needs a shared libtconv" ;; esac
readelf -sW "$tmp/app" | grep -q ' FUNC .* tconv_conv2d_transpose$' || fail "no tconv_conv2d_transpose in the program"
ok "linked statically: no NEEDED libtconv.so.0, tconv_conv2d_transpose inside"
echo "+ env -u LD_LIBRARY_PATH $tmp/app"
env -u LD_LIBRARY_PATH "$tmp/app" || fail "the static consumer computed a wrong value or failed"
ok "the static consumer runs"

# CMake's package of a static-only install: IMPORTED STATIC, with the BLAS and OpenMP libtconv.a needs.
if command -v cmake >/dev/null; then
  logged cmake-configure env CC="$cc" cmake -S "$src/tests/consumers/cmake" -B "$tmp/cmake-build" \
    -DCMAKE_PREFIX_PATH="$sprefix" -DCMAKE_BUILD_TYPE=Release
  logged cmake-build cmake --build "$tmp/cmake-build"
  if readelf -d "$tmp/cmake-build/app" | grep -q 'NEEDED.*libtconv\.so'; then
    fail "the CMake consumer needs a shared libtconv"
  fi
  echo "+ env -u LD_LIBRARY_PATH $tmp/cmake-build/app"
  env -u LD_LIBRARY_PATH "$tmp/cmake-build/app" || fail "the static CMake consumer computed a wrong value or failed"
  ok "CMake find_package(tconv 0.2) on the static install: linked and ran"
else
  echo "cmake not found: the static CMake package is not checked"
fi
finish
