#!/bin/sh
# Valgrind memcheck over a subset of the tests (it is ~30x slower than native): the API, contract,
# operator, geometry, checkerboard and allocation-failure Check programs in one process each (CK_FORK=no), and the
# tconv program on the seeds' files. Zero errors and zero leaks (definite, indirect or possible;
# only libgomp's own thread pool is suppressed, tests/valgrind.supp).
# usage: valgrind.sh BUILD_DIR
set -u
build=$1
here=$(cd "$(dirname "$0")" && pwd)
vg="valgrind --quiet --error-exitcode=9 --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --suppressions=$here/valgrind.supp"
pass=0 fail=0
# check NAME WANT_STATUS COMMAND...: valgrind's own failure is status 9
check() {
  name=$1 want=$2; shift 2
  CK_FORK=no OMP_NUM_THREADS=2 $vg "$@" >/tmp/valgrind.$$.log 2>&1
  st=$?
  if [ "$st" -eq "$want" ]; then
    pass=$((pass + 1)); echo "ok   $name"
  else
    fail=$((fail + 1)); echo "FAIL $name (status $st, want $want)"; tail -40 /tmp/valgrind.$$.log
  fi
}
check test_api 0 "$build/tests/test_api"
check test_geometry 0 "$build/tests/test_geometry"
check test_checkerboard 0 "$build/tests/test_checkerboard"
check test_alloc 0 "$build/tests/test_alloc"
check test_contract 0 "$build/tests/test_contract"
check test_operator 0 "$build/tests/test_operator"
check "tconv demo" 0 "$build/cli/tconv" demo
check "tconv run seed 003" 0 "$build/cli/tconv" run conv2d_transpose -x "$here/data/seed003_x.npy" \
  -w "$here/data/seed003_w.npy" --strides 2 --padding VALID --output-shape 1,5,5,1 --explain 2,2
check "tconv run, a malformed file" 1 "$build/cli/tconv" run conv2d -x "$here/data/bad_truncated.npy" \
  -w "$here/data/seed003_w.npy"
check "tconv overlap --png" 0 "$build/cli/tconv" overlap conv2d_transpose --input-shape 1,4,4,1 --kernel-size 3 \
  --strides 2 --padding SAME --png /tmp/valgrind.$$.png
rm -f /tmp/valgrind.$$.log /tmp/valgrind.$$.png
echo "valgrind: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
