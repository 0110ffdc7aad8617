#!/usr/bin/env bash
# The Debian packages from this checkout, end to end, as root on Debian 12 (CI's phase 10; a brand-new
# minimal root works): installs debian/control's Build-Depends (no apt-get build-dep) and the packaging
# tools, runs `dpkg-buildpackage -us -uc -b` in a copy of the checkout (the checkout stays as it is:
# build*/ trees, a developer's files), lintian (any error fails), installs the three .debs with
# build-essential, pkg-config and cmake, and runs debian/tests/consumers against them.
# The .debs, .changes and .buildinfo are copied to DEB_OUT (default: the checkout's parent directory,
# where dpkg-buildpackage would put them).
# --purge-build-deps: before installing the .debs, remove the Build-Depends the packages' test does not
# list, so their own Depends alone must bring what `pkg-config` and CMake need (a fresh machine only).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$PWD
purge=false
case "${1:-}" in
  --purge-build-deps) purge=true ;;
  "") ;;
  *) echo "usage: scripts/debian-check.sh [--purge-build-deps]" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "debian-check.sh: run as root (it installs packages)" >&2; exit 1; }
export DEBIAN_FRONTEND=noninteractive
t0=$(date +%s)
step() { echo "--- $* ($(($(date +%s) - t0)) s)"; }

# The package names of a control-file relation field: alternatives' first choice, no versions or profiles.
relation() {  # relation FILE FIELD
  awk -v f="$2" 'tolower($0) ~ "^" tolower(f) ":" { on = 1; sub(/^[^:]*:/, ""); print; next }
    on && /^[ \t]/ { print; next } { on = 0 }' "$1" |
    tr ',' '\n' | sed 's/|.*//; s/([^)]*)//g; s/<[^>]*>//g; s/\[[^]]*\]//g; s/#.*//' | awk 'NF { print $1 }'
}
mapfile -t build_deps < <(relation debian/control Build-Depends | sed 's/^debhelper-compat$/debhelper/')
mapfile -t test_deps < <(relation debian/tests/control Depends | grep -v -e '^libtconv' -e '^tconv$')

step "build dependencies: ${build_deps[*]}"
apt-get update >/dev/null
apt-get install -y --no-install-recommends "${build_deps[@]}" build-essential dpkg-dev debhelper lintian fakeroot \
  >/dev/null

step "dpkg-buildpackage -us -uc -b (in a copy of the checkout)"
work=$(mktemp -d /tmp/tconv-deb.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/tconv"
if command -v git >/dev/null && git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  # the files git tracks or would (the working tree's content, nothing ignored: no build trees)
  git ls-files -z --cached --others --exclude-standard | tar --null -T - --ignore-failed-read -cf - 2>/dev/null |
    tar -x -C "$work/tconv"
else  # an exported tree (git archive): everything but build trees
  tar --exclude=./.git --exclude=./build --exclude='./build-*' --exclude='./obj-*' -cf - . | tar -x -C "$work/tconv"
fi
if ! (cd "$work/tconv" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
  tail -n 150 "$work/build.log"
  echo "debian-check.sh: dpkg-buildpackage failed (the last 150 lines of its log above)" >&2
  exit 1
fi
grep -E '^(Ok|Fail|Skipped|Timeout|Expected Fail|Unexpected Pass): ' "$work/build.log" | tr -s ' ' | paste -sd' ' - ||
  echo "(no tests: nocheck)"
grep -E '^ *[0-9]+/[0-9]+ .* (SKIP|FAIL|TIMEOUT)' "$work/build.log" || true
grep "^dpkg-deb: building package" "$work/build.log"
changes=$(ls "$work"/tconv_*.changes)
debs=()
for p in libtconv0 libtconv-dev tconv; do debs+=("$(ls "$work/${p}"_*.deb)"); done

step "lintian $(basename "$changes")"
lintian --fail-on error --display-info "$changes"
echo "lintian: no errors"

out=${DEB_OUT:-$src/..}
cp "$work"/*.deb "$work"/*.changes "$work"/*.buildinfo "$out/"
echo "copied the packages to $(cd "$out" && pwd)"

if $purge; then
  step "removing the build dependencies the packages' test does not list"
  mapfile -t gone < <(comm -23 <(printf '%s\n' "${build_deps[@]}" | sort -u) \
    <(printf '%s\n' "${test_deps[@]}" | sort -u))
  echo "apt-get purge --autoremove ${gone[*]}"
  apt-get purge -y --autoremove "${gone[@]}" >/dev/null
fi
step "installing the packages with ${test_deps[*]}"
apt-get install -y --no-install-recommends "${test_deps[@]}" >/dev/null
apt-get install -y --no-install-recommends --reinstall "${debs[@]}" >"$work/install.log" ||
  { cat "$work/install.log"; exit 1; }
grep -E '^(  |The following NEW)' "$work/install.log" | grep -v '^  [0-9]' || true
dpkg-query -W -f '${Package} ${Version}\n' libtconv0 libtconv-dev tconv
blas=$(ldd "/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH)/libtconv.so.0" | awk '/libopenblas/ { print $3 }')
echo "libtconv.so.0 loads $(readlink -f "$blas") ($(dpkg -S "$(readlink -f "$blas")" | cut -d: -f1))"

step "debian/tests/consumers"
debian/tests/consumers
step "debian-check.sh: passed"
