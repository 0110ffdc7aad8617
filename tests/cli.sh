#!/bin/sh
# The tconv program: demo exit status and seed reproductions, shape answers to the seeds'
# questions (exact lines), errors on stderr with a non-zero status.
# usage: cli.sh path/to/tconv
set -u
tconv=$1
pass=0 fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() { pass=$((pass + 1)); }
ko() { fail=$((fail + 1)); echo "FAIL: $*"; }
# has FILE LINE: FILE holds LINE exactly
has() { if grep -Fqx -- "$2" "$1"; then ok; else ko "$1 lacks the line: $2"; sed 's/^/    | /' "$1"; fi; }
# run EXPECTED_STATUS ARGS...: stdout to $tmp/out, stderr to $tmp/err
run() {
  want=$1; shift
  "$tconv" "$@" >"$tmp/out" 2>"$tmp/err"; st=$?
  if [ "$st" -eq "$want" ]; then ok; else ko "tconv $* exited $st, want $want"; cat "$tmp/err"; fi
}

run 0 demo
has "$tmp/out" "All seed blocks agree."
has "$tmp/out" "  => AGREE: all 25 values exactly"
has "$tmp/out" "  => AGREE: all 64 values exactly"
has "$tmp/out" "  => AGREE: 5x5 and 6x6 accepted (the 6th row/column receives no input), 4x4 and 7x7 rejected"
has "$tmp/out" "  => AGREE: 16 pixels, relative tolerance 1e-6"
[ "$(grep -c AGREE "$tmp/out")" -eq 6 ] && ok || ko "demo: want 6 AGREE blocks"
grep -q DIFFER "$tmp/out" && ko "demo printed DIFFER" || ok

# seed 004: Keras's 5x5, TF's 5..6
run 0 shape conv2d_transpose --input-shape 1,2,2,1 --kernel-size 3,3 --strides 2,2 --padding VALID
has "$tmp/out" "conv2d_transpose: x [1,2,2,1] -> y [1,5,5,1] (NHWC)"
has "$tmp/out" "admissible output sizes: height 5..6, width 5..6 (no --output-shape: the Keras default is used)"
has "$tmp/out" "  Keras       Conv2DTranspose(1, (3,3), strides=(2,2), padding='valid')"
run 0 shape conv2d_transpose --input-shape 1,2,2,1 --kernel-size 3 --strides 2 --padding VALID --output-shape 1,6,6,1
has "$tmp/out" "crop of the full result: top 0, bottom -1, left 0, right -1 (negative: trailing outputs get no input, bias only)"
has "$tmp/out" "  PyTorch     nn.ConvTranspose2d(1, 1, (3,3), stride=(2,2), padding=(0,0), output_padding=(1,1), dilation=(1,1), groups=1)"
run 1 shape conv2d_transpose --input-shape 1,2,2,1 --kernel-size 3,3 --strides 2,2 --padding VALID --output-shape 1,7,7,1
has "$tmp/err" "tconv: tconv_conv2d_transpose_geometry: out_h = 7 is not an admissible output height: in_h = 2, kernel_h = 3, stride_h = 2, dilation_h = 1 with VALID padding admit out_h in [5, 6] (a conv2d of out_h with these parameters must give back in_h)"
[ -s "$tmp/out" ] && ko "an error printed to stdout" || ok

# seed 002: SAME puts the odd crop at the end; PyTorch cannot say it
run 0 shape conv2d_transpose --input-shape 3,4,4,2 --kernel-size 3,3 --strides 2,2 --padding SAME --output-shape 3,8,8,4
has "$tmp/out" "crop of the full result: top 0, bottom 1, left 0, right 1"
has "$tmp/out" "  ONNX        ConvTranspose pads=[0,0,1,1] output_padding=[0,0] strides=[2,2] (or output_shape=[8,8])"
grep -q "PyTorch     not expressible directly" "$tmp/out" && ok || ko "seed 002: PyTorch should be not expressible"

# seed 001: conv shapes, NCHW spelling
run 0 shape conv2d --input-shape 64,14,14,128 --kernel-size 3 --strides 2 --padding SAME --filters 256
has "$tmp/out" "conv2d: x [64,14,14,128] -> y [64,7,7,256] (NHWC)"
has "$tmp/out" "padding of x: top 0, bottom 1, left 0, right 1"
run 0 shape conv2d --input-shape 64,128,14,14 --layout NCHW --kernel-size 3 --strides 3 --padding VALID --filters 256
has "$tmp/out" "conv2d: x [64,128,14,14] -> y [64,256,4,4] (NCHW)"

# usage errors: stderr, status 2; help: stdout, status 0
run 2 shape conv2d_transpose --input-shape 1,2,2 --kernel-size 3
grep -q "input-shape wants N,H,W,C" "$tmp/err" && ok || ko "bad --input-shape message"
run 2 shape conv2d --input-shape 1,2,2,1 --kernel-size 3 --bogus 1
run 2 nonsense
run 2
run 0 --help
grep -q "demo" "$tmp/out" && ok || ko "--help lacks demo"
run 0 shape --help
grep -q -- "--output-shape" "$tmp/out" && ok || ko "shape --help lacks --output-shape"
run 0 --version
has "$tmp/out" "tconv $(sed -n 's/.*version: .\([0-9.]*\).,*/\1/p' "$(dirname "$0")/../meson.build" | head -1)"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
