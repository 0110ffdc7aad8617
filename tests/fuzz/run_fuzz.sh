#!/bin/sh
# run_fuzz.sh FUZZER SEED_CORPUS WORK_DIR: FUZZ_SECONDS (default 60) of libFuzzer from a fixed seed
# (FUZZ_SEED, default 1) over the committed seed corpus. New inputs and any crash/leak/timeout input
# go to WORK_DIR in the build directory, never into the repository.
set -u
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
fuzzer=$1 seeds=$2 work=$3
mkdir -p "$work/corpus"
echo "$(basename "$fuzzer"): ${FUZZ_SECONDS:-60} s, seed ${FUZZ_SEED:-1}, seed corpus $seeds"
"$fuzzer" -seed="${FUZZ_SEED:-1}" -max_total_time="${FUZZ_SECONDS:-60}" -timeout=20 -rss_limit_mb=4096 \
  -print_final_stats=1 -artifact_prefix="$work/" "$work/corpus" "$seeds" >"$work/log" 2>&1
st=$?
grep -v -e '	NEW ' -e '	REDUCE ' -e '	pulse ' "$work/log" | tail -40
if [ "$st" -ne 0 ]; then
  echo "fuzzer exit status $st; input(s):"
  ls "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-* 2>/dev/null
  echo "0 passed, 1 failed"; exit 1
fi
echo "1 passed, 0 failed"
