# Sourced by every case of the consumer matrix (tests/consumers/*.sh): the helpers, a temporary directory
# removed on any exit, the sanitizer skip, the staged install. The build directory is left as it was.
passed=0
# Print a command, then run it.
run() {
  printf '+'
  printf ' %s' "$@"
  printf '\n'
  "$@"
}
# Print a command, then run it with its output in $tmp/NAME.log, shown only if it fails.
# usage: logged NAME COMMAND...
logged() {
  log=$tmp/$1.log
  shift
  printf '+'
  printf ' %s' "$@"
  printf ' >%s\n' "${log##*/}"
  "$@" >"$log" 2>&1 || { cat "$log"; fail "the command above failed (${log##*/})"; }
}
ok() {
  passed=$((passed + 1))
  echo "ok $passed - $*"
}
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
skip() {
  echo "SKIP: $*"
  exit 77
}
finish() { echo "$passed passed, 0 failed"; }
# CMake's default generator needs make, which README's set-up does not install; ninja it does.
if [ -z "${CMAKE_GENERATOR:-}" ] && command -v ninja >/dev/null; then export CMAKE_GENERATOR=Ninja; fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tconv-consumer.XXXXXX")
install_log=  # the build's meson-logs/install-log.txt, put back as it was (see install_staged)
cleanup() {
  if [ -n "$install_log" ]; then
    if [ -e "$tmp/install-log.txt" ]; then cp -p "$tmp/install-log.txt" "$install_log"; else rm -f "$install_log"; fi
  fi
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' HUP INT TERM  # through the EXIT trap: a timed-out case leaves nothing behind

# A sanitizer (or libFuzzer coverage) build's library needs its runtime first in every consumer: not a
# user's build. usage: skip_if_sanitized BUILD_ROOT
skip_if_sanitized() {
  if [ -e "$1/libtconv.so" ]; then
    syms=$(nm -D "$1/libtconv.so" 2>/dev/null || true)
  else
    syms=$(nm "$1/libtconv.a" 2>/dev/null || true)
  fi
  if printf '%s\n' "$syms" | grep -q '__asan_\|__tsan_\|__ubsan_\|__msan_\|__sanitizer_cov_'; then
    skip "libtconv is built with sanitizers"
  fi
}

# meson install of the parent build into $tmp/stage (no rebuild: meson test built it). Sets stage,
# prefix (the installed prefix inside the stage), libdir and pcdir (where libtconv and tconv.pc landed).
install_staged() {
  stage=$tmp/stage
  # meson install rewrites the build's install-log.txt (what `ninja uninstall` removes): keep the build's own.
  install_log=$1/meson-logs/install-log.txt
  if [ -e "$install_log" ]; then cp -p "$install_log" "$tmp/install-log.txt"; fi
  run meson install -C "$1" --destdir "$stage" --no-rebuild --quiet
  pcdir=$(find "$stage" -name tconv.pc -printf '%h\n' | head -n 1)
  [ -n "$pcdir" ] || fail "no tconv.pc installed under $stage"
  libdir=$(dirname "$pcdir")
  # The prefix the build was configured with (/usr/local) is inside the stage, above libdir.
  prefix=$stage$(sed -n 's/^prefix=//p' "$pcdir/tconv.pc")
  case $libdir in "$prefix"/*) ;; *) fail "libdir $libdir is not under the prefix $prefix" ;; esac
}
