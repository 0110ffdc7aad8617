#!/bin/sh
# tconv as a Meson subproject of another project (tests/consumers/meson_project, copied out of the tree with
# subprojects/tconv a symlink to this source tree): dependency('tconv') resolves through
# meson.override_dependency, in each of its spellings, and only the library is built from the subproject
# (cli, tests, perf and examples are 'auto', which means off there).
# usage: subproject.sh BUILD_ROOT SOURCE_ROOT CC
set -eu
build=$1 src=$2 cc=$3
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"
skip_if_sanitized "$build"
py=/usr/bin/python3
[ -x "$py" ] || py=python3

proj=$tmp/project
cp -R "$src/tests/consumers/meson_project" "$proj"
mkdir "$proj/subprojects"
ln -s "$(cd "$src" && pwd -P)" "$proj/subprojects/tconv"
# Configure $tmp/build-NAME with -Dform=FORM and assert that tconv comes from the subproject.
# usage: setup FORM NAME [MESON_ARGS...]
setup() {
  form=$1 name=$2
  shift 2
  logged "setup-$name" env CC="$cc" meson setup "$tmp/build-$name" "$proj" --wrap-mode=nodownload \
    -Dform="$form" -Dtconv:dnnl=disabled "$@"
  line=$(grep '^Dependency tconv .*found: YES' "$tmp/setup-$name.log" | head -n 1)
  if [ -z "$line" ] || ! grep -q '^Executing subproject tconv' "$tmp/setup-$name.log"; then
    cat "$tmp/setup-$name.log"
    fail "-Dform=$form: tconv was not taken from the subproject"
  fi
  echo "$line"
}

# Where no tconv is installed, the plain form falls back to subprojects/tconv unforced (a directory there
# provides the dependency of its name).
if pkg-config --exists tconv 2>/dev/null; then
  echo "a tconv is installed on the system ($(pkg-config --modversion tconv)): the unforced fallback is not checked"
else
  setup plain implicit
  ok "-Dform=plain, unforced: dependency('tconv') falls back to subprojects/tconv"
fi

# --force-fallback-for: the subproject even where a tconv is installed on the system. The other two
# spellings are configured (resolved from the subproject), not built.
for form in fallback variable; do
  setup $form $form --force-fallback-for=tconv
  ok "-Dform=$form resolves tconv from subprojects/tconv"
done

setup plain plain --force-fallback-for=tconv
ok "-Dform=plain: dependency('tconv') resolves tconv from subprojects/tconv"
b=$tmp/build-plain
# 'auto' means off in a subproject: the options say auto, and the subproject has library targets only.
"$py" - "$b" <<'PY' || fail "the subproject builds more than the library"
import json, subprocess, sys
intro = lambda what: json.loads(subprocess.run(['meson', 'introspect', what, sys.argv[1]], check=True,
                                               capture_output=True, text=True).stdout)
opts = {o['name']: o['value'] for o in intro('--buildoptions') if o['name'].startswith('tconv:')}
parts = {k: opts['tconv:' + k] for k in ('cli', 'tests', 'perf', 'examples')}
print('subproject options:', ', '.join(f'{k}={v}' for k, v in parts.items()))
targets = [t for t in intro('--targets') if t['subproject'] == 'tconv']
print('subproject targets:', ', '.join(f"{t['name']} ({t['type']})" for t in targets))
sys.exit(0 if all(v == 'auto' for v in parts.values()) and targets and
         all(t['type'].endswith('library') for t in targets) else 1)
PY
ok "the subproject's cli, tests, perf and examples are auto, and its targets are libraries only"

logged compile meson compile -C "$b"
# Its own libtconv (meson test's LD_LIBRARY_PATH names the parent build's).
resolved=$(env -u LD_LIBRARY_PATH ldd "$b/consumer" | sed -n 's/^[[:space:]]*libtconv\.so\.0 => \([^ ]*\) .*/\1/p')
case $resolved in "$b"/subprojects/tconv/*) ;; *) fail "libtconv.so.0 resolves to '$resolved', not its own" ;; esac
echo "+ env -u LD_LIBRARY_PATH $b/consumer"
env -u LD_LIBRARY_PATH "$b/consumer" || fail "the consumer computed a wrong value or failed"
ok "the consumer builds and runs on the subproject's libtconv.so.0"

sub=$b/subprojects/tconv
libs=$(find "$sub" -maxdepth 1 -name 'libtconv.*' ! -name '*.p' -printf '%f\n' | sort | paste -sd' ' -)
[ -n "$libs" ] || fail "no libtconv built under $sub"
# No program at all but the consumer: not tconv, the tests, the examples or the benchmark.
executables=$(find "$b" -type f -perm -u+x ! -name '*.so*' ! -path '*/meson-*' | sed "s|^$b/||" | paste -sd' ' -)
echo "executables in the build tree: $executables"
[ "$executables" = consumer ] || fail "the build tree has other programs: $executables"
ok "only the library was built from the subproject: $libs"
finish
