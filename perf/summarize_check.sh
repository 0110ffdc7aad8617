#!/bin/sh
# summarize_check.sh BENCH SUMMARIZE - perf/summarize.py on two real CSV runs of two small layers of the suite
# (batch 1), a transposed conv and a conv: each layer's row and the bound's geomeans come out (skipped without
# /usr/bin/python3).
set -eu
[ -x /usr/bin/python3 ] || exit 77
bench=$1 summarize=$2 dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
for i in 1 2; do
    {
        "$bench" --csv --reps 1 --batch 1 --no-dnnl --no-xnnpack --filter fcn:2x
        "$bench" --csv --reps 1 --batch 1 --no-dnnl --no-xnnpack --filter seed001:conv | tail -n +2
    } >"$dir/run$i.csv" 2>/dev/null
done
out=$(/usr/bin/python3 "$summarize" "$dir/run1.csv" "$dir/run2.csv")
echo "$out"
for want in 'OpenBLAS core: ' 'fcn:2x 16->32 k4 s2  SUBPIXEL' 'seed001:conv 14->4 k3 s3 VALID  GEMM' 'transposed x bound (geomean' \
    'conv x bound (geomean'; do
    case $out in *"$want"*) ;; *) echo "summarize.py: no '$want' in its output" >&2; exit 1 ;; esac
done
