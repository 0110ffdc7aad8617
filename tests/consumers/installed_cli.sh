#!/bin/sh
# The installed tconv program runs with no LD_LIBRARY_PATH: it finds the installed libtconv.so.0 through
# its relative RUNPATH ($ORIGIN/../LIBDIR, cli/meson.build). With -Drpath=false it has no RUNPATH at all.
# usage: installed_cli.sh BUILD_ROOT SOURCE_ROOT RPATH(true|false)
set -eu
build=$1 want_rpath=$3
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"
skip_if_sanitized "$build"

install_staged "$build"
exe=$prefix/bin/tconv
[ -x "$exe" ] || fail "$exe was not installed"
ok "meson install --destdir: $exe, $libdir"

runpath=$(readelf -d "$exe" | sed -n 's/.*(RUNPATH).*\[\(.*\)\]$/\1/p')
echo "RUNPATH: ${runpath:-(none)}"
if [ "$want_rpath" = true ]; then
  # shellcheck disable=SC2016 # $ORIGIN is literal: the dynamic loader expands it
  expected='$ORIGIN/..'${libdir#"$prefix"}
  [ "$runpath" = "$expected" ] || fail "RUNPATH is '$runpath', expected '$expected'"
  ok "RUNPATH $runpath"
  resolved=$(env -u LD_LIBRARY_PATH ldd "$exe" | sed -n 's/^[[:space:]]*libtconv\.so\.0 => \([^ ]*\) .*/\1/p')
  echo "ldd: libtconv.so.0 => $resolved"
  case $resolved in "$stage"/*) ;; *) fail "libtconv.so.0 resolves to '$resolved', not inside $stage" ;; esac
  [ "$(readlink -f "$resolved")" = "$(readlink -f "$libdir/libtconv.so.0")" ] || fail "$resolved is not $libdir's"
  ok "ldd resolves libtconv.so.0 inside the stage"
  echo "+ env -u LD_LIBRARY_PATH $exe demo"
  out=$(env -u LD_LIBRARY_PATH "$exe" demo) || fail "tconv demo failed"
else
  [ -z "$runpath" ] || fail "-Drpath=false, but the installed tconv has RUNPATH $runpath"
  ok "no RUNPATH (-Drpath=false)"
  echo "+ LD_LIBRARY_PATH=$libdir $exe demo"
  out=$(LD_LIBRARY_PATH=$libdir "$exe" demo) || fail "tconv demo failed"
fi
printf '%s\n' "$out" | tail -n 1
printf '%s\n' "$out" | grep -q '^All seed blocks agree\.$' || fail "tconv demo did not report agreement"
ok "installed tconv demo"
finish
