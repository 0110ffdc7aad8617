#!/bin/sh
# Build tests/consumer.c the way a user would, with only `pkg-config --cflags --libs tconv`,
# against the uninstalled tconv.pc meson writes, and run it.
# usage: pkgconfig_consumer.sh BUILD_ROOT SOURCE_ROOT CC
set -eu
build=$1 src=$2 cc=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A sanitizer build's library needs the sanitizer runtime first in the consumer: not a user's build.
if nm -D "$build/libtconv.so" 2>/dev/null | grep -q '__asan_\|__tsan_\|__ubsan_'; then
  echo "SKIP: libtconv.so is built with sanitizers"; exit 77
fi
export PKG_CONFIG_PATH="$build/meson-uninstalled"
flags=$(pkg-config --cflags --libs tconv)
echo "pkg-config --cflags --libs tconv: $flags"
$cc -std=c99 -Wall -Werror "$src/tests/consumer.c" $flags -o "$tmp/consumer"
LD_LIBRARY_PATH="$build${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$tmp/consumer"
echo "1 passed, 0 failed"
