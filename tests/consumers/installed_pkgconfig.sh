#!/bin/sh
# A consumer of the installed library built the way README says, with only pkg-config and the documented
# -Wl,-rpath,"$(pkg-config --variable=libdir tconv)", then run with no LD_LIBRARY_PATH.
# C: tests/consumer.c as strict C99 or C11; C++: tests/consumers/consumer.cc as strict C++11.
# usage: installed_pkgconfig.sh BUILD_ROOT SOURCE_ROOT c99|c11|c++11 COMPILER (empty: not found, skip)
set -eu
build=$1 src=$2 std=$3 compiler=${4:-}
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"
[ -n "$compiler" ] || skip "no compiler for $std"
command -v pkg-config >/dev/null || skip "pkg-config not found"
skip_if_sanitized "$build"

case $std in
  c99 | c11) source=$src/tests/consumer.c ;;
  c++11) source=$src/tests/consumers/consumer.cc ;;
  *) fail "unknown standard $std" ;;
esac
install_staged "$build"
# The .pc says prefix=/usr/local: point it at the stage. Not --define-prefix: pkgconf takes the prefix to be
# two levels above the .pc's directory, which with a multiarch libdir (lib/x86_64-linux-gnu/pkgconfig) is
# PREFIX/lib, not PREFIX.
pc() { PKG_CONFIG_PATH=$pcdir pkg-config --define-variable=prefix="$prefix" "$@" tconv; }
flags=$(pc --cflags --libs)
pc_libdir=$(pc --variable=libdir)
echo "pkg-config --cflags --libs tconv: $flags"
[ "$pc_libdir" = "$libdir" ] || fail "pkg-config's libdir is $pc_libdir, the library is in $libdir"
ok "pkg-config finds the installed tconv.pc (version $(pc --modversion))"

# shellcheck disable=SC2086 # $compiler may be a command with arguments (ccache cc), $flags is a list
run $compiler -std="$std" -Wall -Wextra -pedantic-errors -Werror "$source" -o "$tmp/consumer" $flags \
  -Wl,-rpath,"$pc_libdir"
ok "$(basename "${compiler##* }") -std=$std -Wall -Wextra -pedantic-errors -Werror"

resolved=$(env -u LD_LIBRARY_PATH ldd "$tmp/consumer" | sed -n 's/^[[:space:]]*libtconv\.so\.0 => \([^ ]*\) .*/\1/p')
case $resolved in "$stage"/*) ;; *) fail "libtconv.so.0 resolves to '$resolved', not inside $stage" ;; esac
echo "+ env -u LD_LIBRARY_PATH $tmp/consumer"
env -u LD_LIBRARY_PATH "$tmp/consumer" || fail "the consumer computed a wrong value or failed"
ok "runs with no LD_LIBRARY_PATH on the installed libtconv.so.0 ($resolved)"
finish
