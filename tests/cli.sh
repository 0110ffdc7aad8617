#!/bin/sh
# The tconv program: demo exit status and seed reproductions, shape answers to the seeds'
# questions (exact lines), run on the seeds' tensors (.npy fixtures from tests/data/make_npy.py,
# compared byte for byte), overlap grids, malformed files, errors on stderr with a non-zero status.
# usage: cli.sh path/to/tconv
set -u
tconv=$1
data=$(cd "$(dirname "$0")/data" && pwd)
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
has "$tmp/err" "tconv shape: tconv_conv2d_transpose_geometry: out_h = 7 is not an admissible output height: in_h = 2, kernel_h = 3, stride_h = 2, dilation_h = 1 with VALID padding admit out_h in [5, 6] (a conv2d of out_h with these parameters must give back in_h)"
[ -s "$tmp/out" ] && ko "an error printed to stdout" || ok

# seed 002: SAME puts the odd crop at the end; PyTorch cannot say it
run 0 shape conv2d_transpose --input-shape 3,4,4,2 --kernel-size 3,3 --strides 2,2 --padding SAME --output-shape 3,8,8,4
has "$tmp/out" "crop of the full result: top 0, bottom 1, left 0, right 1"
has "$tmp/out" "  ONNX        ConvTranspose pads=[0,0,1,1] output_padding=[0,0] strides=[2,2] (or output_shape=[8,8] and auto_pad=SAME_UPPER in place of pads)"
grep -q "PyTorch     not expressible directly" "$tmp/out" && ok || ko "seed 002: PyTorch should be not expressible"

# seed 001: conv shapes, NCHW spelling
run 0 shape conv2d --input-shape 64,14,14,128 --kernel-size 3 --strides 2 --padding SAME --filters 256
has "$tmp/out" "conv2d: x [64,14,14,128] -> y [64,7,7,256] (NHWC)"
has "$tmp/out" "padding of x: top 0, bottom 1, left 0, right 1"
run 0 shape conv2d --input-shape 64,128,14,14 --layout NCHW --kernel-size 3 --strides 3 --padding VALID --filters 256
has "$tmp/out" "conv2d: x [64,128,14,14] -> y [64,256,4,4] (NCHW)"

# every admissible output size of seed 004, with each framework's spelling
run 0 shape conv2d_transpose --input-shape 1,2,2,1 --kernel-size 3,3 --strides 2,2 --padding VALID
has "$tmp/out" "  out 6x6 (crop top 0, bottom -1, left 0, right -1)"
has "$tmp/out" "      TensorFlow  tf.nn.conv2d_transpose(x, w, output_shape=[1,6,6,1], strides=[1,2,2,1], padding='VALID')"
has "$tmp/out" "      Keras       Conv2DTranspose(1, (3,3), strides=(2,2), padding='valid', output_padding=(1,1))"
has "$tmp/out" "      ONNX        ConvTranspose pads=[0,0,0,0] output_padding=[1,1] strides=[2,2] (or output_shape=[6,6] in place of pads)"
has "$tmp/out" "  out 5x5 (crop top 0, bottom 0, left 0, right 0)  <- this call"
[ "$(grep -c '^  out ' "$tmp/out")" -eq 4 ] && ok || ko "seed 004: want 4 admissible sizes"
# seed 002's other sizes: 7x7 is PyTorch padding=1
run 0 shape conv2d_transpose --input-shape 3,4,4,2 --kernel-size 3 --strides 2 --padding SAME --output-shape 3,8,8,4
has "$tmp/out" "      PyTorch     nn.ConvTranspose2d(2, 4, (3,3), stride=(2,2), padding=(1,1), output_padding=(0,0), dilation=(1,1), groups=1)"
# PyTorch / ONNX spellings give the same geometry as TF's
run 0 shape conv2d_transpose --input-shape 1,2,2,1 --kernel-size 3 --strides 2 --padding 0 --output-padding 1
has "$tmp/out" "conv2d_transpose: x [1,2,2,1] -> y [1,6,6,1] (NHWC)"
run 0 shape conv2d_transpose --input-shape 3,4,4,2 --kernel-size 3 --strides 2 --pads 0,0,1,1 --filters 4
has "$tmp/out" "conv2d_transpose: x [3,4,4,2] -> y [3,8,8,4] (NHWC)"
has "$tmp/out" "crop of the full result: top 0, bottom 1, left 0, right 1"
# seed 003: which taps feed y[0,0] (no values without tensors)
run 0 shape conv2d_transpose --input-shape 1,2,2,1 --kernel-size 3 --strides 2 --padding VALID --explain 2,2
has "$tmp/out" "  input pixel (0, 0) through tap (2, 2): 0*2 + 2*1 = 2, 0*2 + 2*1 = 2"
has "$tmp/out" "4 of the kernel's 9 taps reach it"

# run: seed 003 printed exactly as the seed prints it, and written byte-identical to numpy.save
s3="--strides 2,2 --padding VALID --output-shape 1,5,5,1"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3
has "$tmp/out" "y[0, :, :, 0] of (1, 5, 5, 1) ="
has "$tmp/out" "         67      -134       278      -154       231"
has "$tmp/out" "        819      -936      1942     -1016      1143"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 -o "$tmp/y.npy"
has "$tmp/out" "wrote $tmp/y.npy: y (1, 5, 5, 1) float32"
cmp -s "$tmp/y.npy" "$data/seed003_y.npy" && ok || ko "seed 003: y.npy differs from numpy's"
# seed 003's question: why is the first element 67
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 --explain 0,0
has "$tmp/out" "  input pixel (0, 0) through tap (0, 0): 0*2 + 0*1 = 0, 0*2 + 0*1 = 0: x = -67 times w = -1 gives 67"
has "$tmp/out" "1 of the kernel's 9 taps reaches it; the sum is 67, tconv computed 67"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 --explain 2,2
has "$tmp/out" "  input pixel (0, 0) through tap (2, 2): 0*2 + 2*1 = 2, 0*2 + 2*1 = 2: x = -67 times w = -9 gives 603"
has "$tmp/out" "4 of the kernel's 9 taps reach it; the sum is 1620, tconv computed 1620"
run 1 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 --explain 5,0
has "$tmp/err" "tconv run: --explain 5,0 is outside the 5x5 output"
[ -s "$tmp/out" ] && ko "--explain out of range printed to stdout" || ok
# the same x as float64, Fortran order and big-endian: converted, same bytes out, a note on stderr
for v in f8:"float64 -> float32 (0 of 4 values rounded)" fortran:"Fortran order -> C order" be:"big-endian -> little-endian"; do
  run 0 run conv2d_transpose -x "$data/seed003_x_${v%%:*}.npy" -w "$data/seed003_w.npy" $s3 -o "$tmp/y_v.npy"
  has "$tmp/err" "tconv run: $data/seed003_x_${v%%:*}.npy: converted ${v#*:}"
  cmp -s "$tmp/y_v.npy" "$data/seed003_y.npy" && ok || ko "seed 003 from ${v%%:*}: differs"
done
# gradients of seed 003 with dy = y (exact integers)
run 0 run conv2d_transpose_backward_data --dy "$data/seed003_y.npy" -w "$data/seed003_w.npy" --input-shape 1,2,2,1 --strides 2 --padding VALID -o "$tmp/dx.npy"
cmp -s "$tmp/dx.npy" "$data/seed003_dx.npy" && ok || ko "seed 003 dx differs"
run 0 run conv2d_transpose_backward_filter -x "$data/seed003_x.npy" --dy "$data/seed003_y.npy" --kernel-size 3 --strides 2 --padding VALID -o "$tmp/dw.npy"
has "$tmp/out" "wrote $tmp/dw.npy: dfilter (3, 3, 1, 1) float32"
cmp -s "$tmp/dw.npy" "$data/seed003_dw.npy" && ok || ko "seed 003 dfilter differs"
run 0 run conv2d_transpose_backward_bias --dy "$data/seed003_y.npy" --input-shape 1,2,2,1 --kernel-size 3 --strides 2 --padding VALID -o "$tmp/db.npy"
cmp -s "$tmp/db.npy" "$data/seed003_db.npy" && ok || ko "seed 003 dbias differs"
# seed 002 (tf.nn default SAME) and seed 004 (both admissible sizes); seed 002 prints z1out[0, ..., 0]
run 0 run conv2d_transpose -x "$data/seed002_x.npy" -w "$data/seed002_w.npy" --strides 1,2,2,1 --padding SAME --output-shape 3,8,8,4
has "$tmp/out" "y[0, :, :, 0] of (3, 8, 8, 4) ="
has "$tmp/out" "          2         2         4         2         4         2         4         2"
has "$tmp/out" "          4         4         8         4         8         4         8         4"
has "$tmp/out" "all 12 planes: y (3, 8, 8, 4): min 2, max 8, mean 3.78125 (write it with -o FILE.npy)"
run 0 run conv2d_transpose -x "$data/seed002_x.npy" -w "$data/seed002_w.npy" --strides 1,2,2,1 --padding SAME --output-shape 3,8,8,4 -o "$tmp/y2.npy"
cmp -s "$tmp/y2.npy" "$data/seed002_y.npy" && ok || ko "seed 002 differs"
run 0 run conv2d_transpose -x "$data/seed004_x.npy" -w "$data/seed004_w.npy" --strides 2 --padding VALID --output-shape 1,6,6,1 -o "$tmp/y6.npy"
cmp -s "$tmp/y6.npy" "$data/seed004_y6.npy" && ok || ko "seed 004 6x6 differs"
run 0 run conv2d_transpose -x "$data/seed004_x.npy" -w "$data/seed004_w.npy" --strides 2 --padding VALID -o "$tmp/y5.npy"
cmp -s "$tmp/y5.npy" "$data/seed004_y5.npy" && ok || ko "seed 004 5x5 (Keras default) differs"
run 0 run conv2d_transpose -x "$data/seed004_x.npy" -w "$data/seed004_w.npy" --strides 2 --padding VALID --time
grep -Eq '^time: [0-9.e+-]+ ms \(median of 11\), [0-9.e+-]+ GFLOP/s, algorithm [A-Z]+ on [0-9]+ threads?$' "$tmp/out" && ok || ko "--time line"
# shapes checked against the parameters, with the library's messages
run 1 run conv2d_transpose -x "$data/seed004_x.npy" -w "$data/seed004_w.npy" --strides 2 --padding VALID --output-shape 1,7,7,1
grep -q "out_h = 7 is not an admissible output height" "$tmp/err" && ok || ko "run: bad output-shape message"
run 1 run conv2d_transpose -x "$data/seed002_x.npy" -w "$data/seed003_w.npy" --strides 2 --padding SAME
has "$tmp/err" "tconv run: $data/seed003_w.npy has shape (3, 3, 1, 1): as HWOI for conv2d_transpose its input-channel axis (I) is 1, but x has 2 channels (they must be equal)"
run 1 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" -b "$data/seed003_db.npy" --strides 0 --padding VALID
grep -q "stride_h = 0" "$tmp/err" && ok || ko "run: stride 0 message"
# refused and malformed files: status 1, the byte offset, nothing on stdout, no output file
for v in "seed003_x_i8.npy:byte 10: dtype '<i8' is not supported: tconv reads float32 ('<f4') and converts float64 ('<f8')" \
         "big_f8.npy:byte 136: element 1 (in file order) = 1e+300 does not fit in float32" \
         "bad_magic.npy:byte 0: not a .npy file (no \\x93NUMPY magic)" \
         "bad_version.npy:byte 6: .npy format version 4.0 is not supported (1.0, 2.0, 3.0)" \
         "bad_short.npy:byte 7: the file ends before the 10-byte .npy preamble" \
         "bad_header_len.npy:byte 8: the header length 32767 runs past the end of the file (144 bytes)" \
         "bad_truncated.npy:byte 128: the data holds 13 bytes, the shape and dtype need 16" \
         "bad_trailing.npy:byte 128: the data holds 20 bytes, the shape and dtype need 16" \
         "bad_key.npy:byte 11: unexpected key 'dtype' in the header" \
         "bad_fortran.npy:byte 44: 'fortran_order' must be True or False" \
         "bad_shape.npy:byte 67: expected a non-negative integer in 'shape'" \
         "bad_duplicate.npy:byte 74: the key 'shape' appears twice in the header"; do
  f=${v%%:*}
  rm -f "$tmp/bad.npy"
  run 1 run conv2d_transpose -x "$data/$f" -w "$data/seed003_w.npy" --strides 2 --padding VALID -o "$tmp/bad.npy"
  has "$tmp/err" "tconv run: $data/$f: ${v#*:}"
  [ -s "$tmp/out" ] || [ -e "$tmp/bad.npy" ] && ko "$f: output written" || ok
done
run 1 run conv2d -x "$data/seed003_db.npy" -w "$data/seed003_w.npy"
has "$tmp/err" "tconv run: $data/seed003_db.npy: x must have 4 dimensions, it has 1"
run 1 run conv2d -x "$tmp/none.npy" -w "$data/seed003_w.npy"
grep -q "none.npy: No such file or directory" "$tmp/err" && ok || ko "missing file message"
run 2 run conv2d_transpose -w "$data/seed003_w.npy"
has "$tmp/err" "tconv run: conv2d_transpose needs -x x.npy"

# overlap: seed 002's pattern, the verdict and why; the PNG is a real PNG of the right size
run 0 overlap conv2d_transpose --input-shape 3,4,4,2 --kernel-size 3,3 --strides 2,2 --padding SAME --output-shape 3,8,8,4 --png "$tmp/o.png" --cell 8
has "$tmp/out" " 1 1 2 1 2 1 2 1"
has "$tmp/out" " 2 2 4 2 4 2 4 2"
[ "$(grep -c '^ [124] ' "$tmp/out")" -eq 8 ] && ok || ko "overlap: want 8 grid rows"
has "$tmp/out" "verdict: checkerboard: 1 to 4 taps per pixel (max/min 4.00) with a period of 2x2 pixels; 15 of the 64 pixels, near the edges, get fewer"
grep -q '^why: height: 3 taps (dilation 1) over stride 2 reach the output rows 1 to 2 times; width: .*Odena' "$tmp/out" && ok || ko "overlap: why line"
has "$tmp/out" "wrote $tmp/o.png: 110x96 pixels: the map (64x64, 8 per output pixel) and a colour bar from 1 tap (dark purple) to 4 (yellow)"
hdr=$(od -A n -t x1 -N 24 "$tmp/o.png" | tr -d ' \n')
[ "$hdr" = "89504e470d0a1a0a0000000d494844520000006e00000060" ] && ok || ko "overlap --png: header $hdr (want a 110x96 PNG)"
run 0 overlap conv2d_transpose --input-shape 1,4,4,1 --kernel-size 4 --strides 2 --padding SAME
has "$tmp/out" "verdict: uniform: 4 taps on every output pixel away from the edges of x; 28 of the 64 pixels, near the edges, get fewer"
# an odd crop at the start (PyTorch padding 1): 1 2 1 2 1 2 1 1 per axis, so 8*8 - 7*7 pixels get fewer (was 24)
run 0 overlap conv2d_transpose --input-shape 1,4,4,1 --kernel-size 3 --strides 2 --padding 1 --output-padding 1
has "$tmp/out" " 1 2 1 2 1 2 1 1"
has "$tmp/out" "verdict: checkerboard: 1 to 4 taps per pixel (max/min 4.00) with a period of 2x2 pixels; 15 of the 64 pixels, near the edges, get fewer"
run 2 overlap conv2d --input-shape 1,4,4,1 --kernel-size 4
run 1 overlap conv2d_transpose --input-shape 1,4,4,1 --kernel-size 4 --strides 2 --padding VALID --output-shape 1,20,20,1
grep -q "is not an admissible output height" "$tmp/err" && ok || ko "overlap: bad output shape"

# --explain's last number is tconv's: the bias and the activation are part of the sum
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" -b "$data/seed003_db.npy" $s3 --explain 2,2
has "$tmp/out" "4 of the kernel's 9 taps reach it; the sum is 1620 + bias 1940 = 3560, tconv computed 3560"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 --explain 0,1 --relu
has "$tmp/out" "1 of the kernel's 9 taps reaches it; the sum is -134 -> ReLU -> 0, tconv computed 0"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" -b "$data/seed003_b.npy" $s3 --explain 0,0 --relu
has "$tmp/out" "1 of the kernel's 9 taps reaches it; the sum is 67 + bias -1000 = -933 -> ReLU -> 0, tconv computed 0"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" -b "$data/seed003_b.npy" $s3 --explain 2,2 --activation ReLU
has "$tmp/out" "4 of the kernel's 9 taps reach it; the sum is 1620 + bias -1000 = 620 -> ReLU -> 620, tconv computed 620"
# an empty batch: the result's shape, said to be empty; nothing to --explain
run 0 run conv2d_transpose -x "$data/seed003_x_empty.npy" -w "$data/seed003_w.npy" --strides 2 --padding VALID
has "$tmp/out" "y (0, 5, 5, 1) is empty (0 elements)"
run 1 run conv2d_transpose -x "$data/seed003_x_empty.npy" -w "$data/seed003_w.npy" --strides 2 --explain 0,0
has "$tmp/err" "tconv run: --explain: y is empty (batch 0), there is no pixel to explain"
[ -s "$tmp/out" ] && ko "--explain of an empty y printed to stdout" || ok

# getopt_long: each command takes its own options; --opt=value and --opt value; one message format
q="--input-shape 1,4,4,1 --kernel-size 3"
run 2 shape conv2d $q --bogus
has "$tmp/err" "tconv shape: unrecognized option '--bogus'"
has "$tmp/err" "(see 'tconv shape --help')"
run 2 shape conv2d $q --strides
has "$tmp/err" "tconv shape: option '--strides' requires an argument"
run 2 shape conv2d $q --png x.png
has "$tmp/err" "tconv shape: unrecognized option '--png'"
run 2 shape conv2d $q --time
has "$tmp/err" "tconv shape: unrecognized option '--time'"
run 2 overlap conv2d_transpose $q --explain 1,1
has "$tmp/err" "tconv overlap: unrecognized option '--explain'"
run 2 run conv2d -x "$data/seed003_x.npy" -q
has "$tmp/err" "tconv run: unrecognized option '-q'"
run 2 shape conv2d $q --pad 1
has "$tmp/err" "tconv shape: option '--pad' is ambiguous; possibilities: '--padding' '--pads'"
run 2 shape conv2d $q --help=1
has "$tmp/err" "tconv shape: option '--help' doesn't allow an argument"
run 0 shape conv2d --input-shape=1,4,4,1 --kernel-size=3 --strides=2 --padding=same
has "$tmp/out" "conv2d: x [1,4,4,1] -> y [1,2,2,1] (NHWC)"
run 2 demo --bogus
has "$tmp/err" "tconv demo: unrecognized option '--bogus'"
run 2 --bogus
has "$tmp/err" "tconv: unrecognized option '--bogus'"

# TensorFlow's 4-element strides and dilations are [1,s,s,1] (NHWC) or [1,1,s,s] (NCHW); no extra values anywhere
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --strides 5,2,2,9
has "$tmp/err" "tconv shape: --strides 5,2,2,9: TensorFlow's 4-element form is [1,H,W,1] for NHWC data (batch and channel entries 1)"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --dilations 2,2,2,2
has "$tmp/err" "tconv shape: --dilations 2,2,2,2: TensorFlow's 4-element form is [1,H,W,1] for NHWC data (batch and channel entries 1)"
run 0 shape conv2d --strides 1,1,2,3 --input-shape 1,1,9,9 --kernel-size 3 --layout NCHW
has "$tmp/out" "conv2d: x [1,1,9,9] -> y [1,1,4,3] (NCHW)"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --strides 1,2,2
has "$tmp/err" "tconv shape: --strides wants S, SH,SW or 1,SH,SW,1, got 3 values in '1,2,2'"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3,3,3
has "$tmp/err" "tconv shape: --kernel-size wants K or KH,KW, got '3,3,3': more than 2 values"
run 2 shape conv2d --input-shape 1,9,9,1,1 --kernel-size 3
has "$tmp/err" "tconv shape: --input-shape wants N,H,W,C, got '1,9,9,1,1': more than 4 values"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --pads 1,1,1,1,1
has "$tmp/err" "tconv shape: --pads wants T,L,B,R (ONNX order), got '1,1,1,1,1': more than 4 values"
run 2 shape conv2d_transpose --input-shape 1,9,9,1 --kernel-size 3 --explain 1,2,3
has "$tmp/err" "tconv shape: --explain wants OY,OX, got '1,2,3': more than 2 values"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --strides 2,,2
has "$tmp/err" "tconv shape: --strides wants S, SH,SW or 1,SH,SW,1, got '2,,2': an empty element"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --strides 2x2
has "$tmp/err" "tconv shape: --strides wants S, SH,SW or 1,SH,SW,1, got '2x2': '2x2' is not an integer"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 99999999999999999999
has "$tmp/err" "tconv shape: --kernel-size wants K or KH,KW, got '99999999999999999999': 99999999999999999999 is out of range"
run 2 shape conv2d --input-shape 1,9,9,1 --kernel-size 3 --groups 1.5
has "$tmp/err" "tconv shape: --groups wants an integer, got '1.5': '1.5' is not an integer"
run 2 overlap conv2d_transpose --input-shape 1,4,4,1 --kernel-size 3 --cell 65
has "$tmp/err" "tconv overlap: --cell wants an integer, got '65': it must be in [1, 64]"
run 2 run conv2d -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" --threads -1
has "$tmp/err" "tconv run: --threads wants an integer, got '-1': it must be in [0, 2147483647]"

# every name is case-insensitive (op names stay exact)
run 0 shape conv2d --input-shape 1,1,4,4 --kernel-size 3 --layout nchw --filter-layout oihw --padding same_lower
has "$tmp/out" "conv2d: x [1,1,4,4] -> y [1,1,4,4] (NCHW)"
has "$tmp/out" "kernel 3x3, strides 1x1, dilations 1x1, groups 1, padding SAME_LOWER"
run 0 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 --algorithm GEMM --activation None -o "$tmp/y_ci.npy"
cmp -s "$tmp/y_ci.npy" "$data/seed003_y.npy" && ok || ko "--algorithm GEMM --activation None: differs"
run 2 shape Conv2D $q
has "$tmp/err" "tconv shape: unknown op 'Conv2D' (conv2d or conv2d_transpose)"

# padding: a mode and explicit pads conflict, whatever the order; so do two explicit spellings and repeats
run 2 shape conv2d $q --padding SAME --pads 1,1,1,1
has "$tmp/err" "tconv shape: --padding SAME and --pads 1,1,1,1 conflict: a padding mode and explicit pads; give one"
run 2 shape conv2d $q --pads 1,1,1,1 --padding SAME
has "$tmp/err" "tconv shape: --padding SAME and --pads 1,1,1,1 conflict: a padding mode and explicit pads; give one"
run 2 shape conv2d $q --padding [[1,1],[1,1]] --pads 1,1,1,1
has "$tmp/err" "tconv shape: --padding [[1,1],[1,1]] and --pads 1,1,1,1 conflict: two explicit spellings of the pads; give one"
run 2 shape conv2d $q --padding SAME --padding VALID
has "$tmp/err" "tconv shape: --padding given twice ('SAME' and 'VALID'); give it once"
run 2 shape conv2d $q --padding [[0,0],[1,1],[1,1],[0,1]]
has "$tmp/err" "tconv shape: --padding [[0,0],[1,1],[1,1],[0,1]]: the batch and channel pads must be 0 (NHWC data)"
run 2 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" $s3 --relu --activation none
has "$tmp/err" "tconv run: --relu and --activation none both set the activation; give one"

# files: a directory, a missing file, an unreadable one
run 1 run conv2d -x "$data/seed003_x.npy" -w "$data"
has "$tmp/err" "tconv run: $data: is a directory, not a .npy file"
run 1 run conv2d -x "$tmp/none.npy" -w "$data/seed003_w.npy"
has "$tmp/err" "tconv run: $tmp/none.npy: No such file or directory"
cp "$data/seed003_x.npy" "$tmp/locked.npy" && chmod 000 "$tmp/locked.npy"
if [ -r "$tmp/locked.npy" ]; then
  echo "SKIP: permission denied (this user reads a mode-000 file: root)"
else
  run 1 run conv2d -x "$tmp/locked.npy" -w "$data/seed003_w.npy"
  has "$tmp/err" "tconv run: $tmp/locked.npy: Permission denied"
fi

# plurals
run 1 run conv2d_transpose -x "$data/seed003_x.npy" -w "$data/seed003_w.npy" -b "$data/seed003_x.npy" $s3
has "$tmp/err" "tconv run: $data/seed003_x.npy: the bias must have 1 dimension, it has 4"
run 0 shape conv2d_transpose --input-shape 1,4,4,1 --kernel-size 3 --strides 2 --padding SAME --output-shape 1,7,7,1 --explain 0,0
has "$tmp/out" "y[0, 0, 0, 0] (NHWC indices: batch 0, output channel 0) is full-result position (1, 1): the crop is 1 row on top, 1 column on the left"
has "$tmp/out" "1 of the kernel's 9 taps reaches it"
run 0 overlap conv2d_transpose --input-shape 1,4,4,1 --kernel-size 2 --strides 2
has "$tmp/out" "verdict: uniform: 1 tap on every output pixel away from the edges of x"
run 1 run conv2d_transpose -x "$data/seed002_x.npy" -w "$data/seed002_w.npy" --strides 2 --padding SAME --filters 1
has "$tmp/err" "tconv run: --filters 1, but the files give 4 output channels"
run 0 overlap conv2d_transpose --input-shape 1,3,3,1 --kernel-size 1 --strides 3 --output-shape 1,9,9,1
has "$tmp/out" "verdict: holes: the taps per pixel vary from 0 to 1 with a period of 3x3 pixels; some output pixels get no input at all"
has "$tmp/out" "why: height: 1 tap (dilation 1) over stride 3 reaches the output rows 0 to 1 times; width: 1 tap (dilation 1) over stride 3 reaches the output columns 0 to 1 times. The kernel does not spread evenly over the stride: the checkerboard of Odena et al., \"Deconvolution and Checkerboard Artifacts\" (2016)."

# numpy's own files, when Debian's python3-numpy is there (CI installs it)
if /usr/bin/python3 -c 'import numpy' 2>/dev/null; then
  if /usr/bin/python3 "$(dirname "$0")/npy_roundtrip.py" "$tconv" >"$tmp/rt" 2>&1; then ok; else ko "numpy round trips"; fi
  tail -1 "$tmp/rt"
else
  echo "SKIP: numpy round trips (no /usr/bin/python3 with numpy)"
fi

# 1-D and 3-D (issue 12): the rank is --input-shape's (or x's) minus 2; conv1d... and conv3d... must agree with it
# HiFi-GAN's upsampler nn.ConvTranspose1d(512, 256, 16, stride=8, padding=4) on (1, 512, 32): F = 31*8 + 16 = 264
hifi="--input-shape 1,512,32 --layout NCW --filter-layout IOW --kernel-size 16 --strides 8 --padding 4 --filters 256"
run 0 shape conv_transpose $hifi
has "$tmp/out" "conv1d_transpose: x [1,512,32] -> y [1,256,256] (NCW)"
has "$tmp/out" "full result (in-1)*stride + dilation*(kernel-1) + 1: 264"
has "$tmp/out" "admissible output sizes: width 256..263 (no --output-shape: the Keras default is used)"
has "$tmp/out" "crop of the full result (begin, end): width 4, 4"
has "$tmp/out" "  TensorFlow  tf.nn.conv1d_transpose(x, w, output_shape=[1,256,256], strides=8, padding='SAME', data_format='NCW')"
has "$tmp/out" "  Keras       Conv1DTranspose(256, 16, strides=8, padding='same', data_format='channels_first')"
has "$tmp/out" "  PyTorch     nn.ConvTranspose1d(512, 256, 16, stride=8, padding=4, output_padding=0, dilation=1, groups=1)"
has "$tmp/out" "  ONNX        ConvTranspose kernel_shape=[16] pads=[4,4] output_padding=[0] strides=[8] (or output_shape=[256] in place of pads)"
[ "$(grep -c '^  out ' "$tmp/out")" -eq 8 ] && ok || ko "HiFi-GAN: want 8 admissible sizes (256..263)"
# 257: PyTorch's output_padding=1; TensorFlow's 1-D ops pad SAME or VALID only: VALID, then a slice
has "$tmp/out" "      PyTorch     nn.ConvTranspose1d(512, 256, 16, stride=8, padding=4, output_padding=1, dilation=1, groups=1)"
has "$tmp/out" "      TensorFlow  not expressible directly: TensorFlow's 1-D and 3-D ops pad 'SAME' or 'VALID' only; tf.nn.conv1d_transpose(x, w, output_shape=[1,256,264], strides=8, padding='VALID', data_format='NCW'), then y[:, :, 4:261]"
# Keras's Cropping1D crops axis 1 and has no data_format: channels first, it goes between two Permute layers
has "$tmp/out" "      Keras       Conv1DTranspose(256, 16, strides=8, padding='valid', output_padding=0, data_format='channels_first'), then Permute((2,1)), Cropping1D((4,3)), Permute((2,1))"
run 0 shape conv1d_transpose --input-shape 1,32,512 --kernel-size 16 --strides 8 --pads 4,4 --filters 256
has "$tmp/out" "conv1d_transpose: x [1,32,512] -> y [1,256,256] (NWC)"
# a 3-D U-Net step nn.ConvTranspose3d(256, 128, 2, stride=2) on (1, 256, 16, 16, 16): 16^3 -> 32^3
unet="--input-shape 1,256,16,16,16 --layout NCDHW --filter-layout IODHW --kernel-size 2 --strides 2 --padding 0 --filters 128"
run 0 shape conv_transpose $unet
has "$tmp/out" "conv3d_transpose: x [1,256,16,16,16] -> y [1,128,32,32,32] (NCDHW)"
has "$tmp/out" "kernel 2x2x2, strides 2x2x2, dilations 1x1x1, groups 1, padding EXPLICIT"
has "$tmp/out" "admissible output sizes: depth 32..33, height 32..33, width 32..33 (no --output-shape: the Keras default is used)"
has "$tmp/out" "crop of the full result (begin, end): depth 0, 0; height 0, 0; width 0, 0"
has "$tmp/out" "  PyTorch     nn.ConvTranspose3d(256, 128, (2,2,2), stride=(2,2,2), padding=(0,0,0), output_padding=(0,0,0), dilation=(1,1,1), groups=1)"
has "$tmp/out" "  Keras       Conv3DTranspose(128, (2,2,2), strides=(2,2,2), padding='valid', data_format='channels_first')"
has "$tmp/out" "  TensorFlow  tf.nn.conv3d_transpose(x, w, output_shape=[1,128,32,32,32], strides=[1,1,2,2,2], padding='VALID', data_format='NCDHW')"
has "$tmp/out" "  ONNX        ConvTranspose kernel_shape=[2,2,2] pads=[0,0,0,0,0,0] output_padding=[0,0,0] strides=[2,2,2] (or output_shape=[32,32,32] in place of pads)"
[ "$(grep -c '^  out ' "$tmp/out")" -eq 8 ] && ok || ko "U-Net: want 2x2x2 admissible sizes"
has "$tmp/out" "  out 33x33x33 (crop depth 0, -1; height 0, -1; width 0, -1)"
# TF SAME with an odd total on every axis: the crop is 0 at the start, 1 at the end; PyTorch cannot say it
run 0 shape conv3d_transpose --input-shape 1,4,4,4,2 --kernel-size 3 --strides 2 --padding SAME --output-shape 8,8,8 --filters 2
has "$tmp/out" "crop of the full result (begin, end): depth 0, 1; height 0, 1; width 0, 1"
has "$tmp/out" "  TensorFlow  tf.nn.conv3d_transpose(x, w, output_shape=[1,8,8,8,2], strides=[1,2,2,2,1], padding='SAME')"
has "$tmp/out" "  PyTorch     not expressible directly: PyTorch crops at least as much at the start as at the end; nn.ConvTranspose3d(2, 2, (3,3,3), stride=(2,2,2), padding=(0,0,0), output_padding=(0,0,0), dilation=(1,1,1), groups=1), then y[:, :, 0:8, 0:8, 0:8]"
has "$tmp/out" "  ONNX        ConvTranspose kernel_shape=[3,3,3] pads=[0,0,0,1,1,1] output_padding=[0,0,0] strides=[2,2,2] (or output_shape=[8,8,8] and auto_pad=SAME_UPPER in place of pads)"
# conv1d and conv3d: TF's conv1d takes stride=, a list only at rank 3; other pads are tf.pad / ZeroPadding / F.pad
run 0 shape conv1d --input-shape 1,32,8 --kernel-size 3 --strides 2 --padding SAME --filters 4 --layout NCW
has "$tmp/out" "conv1d: x [1,32,8] -> y [1,4,4] (NCW)"
has "$tmp/out" "padding of x (begin, end): width 0, 1"
has "$tmp/out" "  TensorFlow  tf.nn.conv1d(x, w, stride=2, padding='SAME', data_format='NCW')"
has "$tmp/out" "  Keras       Conv1D(4, 3, strides=2, padding='same', data_format='channels_first')"
has "$tmp/out" "  PyTorch     F.pad(x, (0, 1)), then nn.Conv1d(32, 4, 3, stride=2, padding=0, dilation=1, groups=1)"
run 0 shape conv1d --input-shape 1,32,8 --kernel-size 3 --dilations 2 --padding [[4,0]]
has "$tmp/out" "  Keras       Conv1D(8, 3, strides=1, padding='causal', dilation_rate=2)"
has "$tmp/out" "  TensorFlow  tf.pad(x, [[0,0],[4,0],[0,0]]), then tf.nn.conv1d(x, w, stride=1, padding='VALID', dilations=2)"
run 0 shape conv3d --input-shape 2,9,8,7,3 --kernel-size 3,2,1 --strides 1,2,3 --pads 1,0,0,1,1,0 --filters 5
has "$tmp/out" "conv3d: x [2,9,8,7,3] -> y [2,9,4,3,5] (NDHWC)"
has "$tmp/out" "padding of x (begin, end): depth 1, 1; height 0, 1; width 0, 0"
has "$tmp/out" "  PyTorch     F.pad(x, (0, 0, 0, 1, 1, 1)), then nn.Conv3d(3, 5, (3,2,1), stride=(1,2,3), padding=(0,0,0), dilation=(1,1,1), groups=1)"
has "$tmp/out" "  ONNX        Conv kernel_shape=[3,2,1] pads=[1,0,0,1,1,0] strides=[1,2,3]"
run 0 shape conv3d --input-shape 1,8,8,8,1 --kernel-size 3 --strides 1,2,2,2,1 --padding [[0,0],[1,1],[1,1],[1,1],[0,0]]
has "$tmp/out" "conv3d: x [1,8,8,8,1] -> y [1,4,4,4,1] (NDHWC)"
# overlap, 1-D: one row. k3 s2, crop 1 at the start (padding=1, output_padding=1): output o is full position o+1,
# which odd positions reach once (tap 1) and even ones twice (taps 0 and 2), but the last (16) only from tap 2
run 0 overlap conv1d_transpose --input-shape 1,8,1 --kernel-size 3 --strides 2 --padding 1 --output-padding 1
has "$tmp/out" "input 8, kernel 3, strides 2, dilations 1, padding EXPLICIT -> output 16 (crop width 1, 0)"
has "$tmp/out" " 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 1"
has "$tmp/out" "counts: 1 tap on 9 positions, 2 taps on 7 positions"
has "$tmp/out" "verdict: checkerboard: 1 to 2 taps per position (max/min 2.00) with a period of 2 positions; 1 of the 16 positions, near the edges, gets fewer"
# VALID: nothing cropped, both ends get one tap
run 0 overlap conv_transpose --input-shape 1,8,1 --kernel-size 3 --strides 2 --padding VALID
has "$tmp/out" " 1 1 2 1 2 1 2 1 2 1 2 1 2 1 2 1 1"
# HiFi-GAN: k16 s8 spreads evenly, two taps everywhere but the first and last 4
run 0 overlap conv1d_transpose $hifi
has "$tmp/out" "counts: 1 tap on 8 positions, 2 taps on 248 positions"
has "$tmp/out" "verdict: uniform: 2 taps on every output position away from the edges of x; 8 of the 256 positions, near the edges, get fewer"
# overlap, 3-D: per depth slice when small. Per axis k3 s2 VALID: depth (in 2) 1 1 2 1 1, height and width (in 3)
# 1 1 2 1 2 1 1; each voxel is the product (depth slice 2 is twice slice 0)
run 0 overlap conv3d_transpose --input-shape 1,2,3,3,1 --kernel-size 3 --strides 2 --padding VALID
has "$tmp/out" "input 2x3x3, kernel 3x3x3, strides 2x2x2, dilations 1x1x1, padding VALID -> output 5x7x7 (crop depth 0, 0; height 0, 0; width 0, 0)"
[ "$(grep -c '^depth [0-4]:$' "$tmp/out")" -eq 5 ] && ok || ko "overlap 3-D: want 5 depth slices"
sed -n '/^depth 2:$/,/^depth 3:$/p' "$tmp/out" >"$tmp/slice"
has "$tmp/slice" " 2 2 4 2 4 2 2"
has "$tmp/slice" " 4 4 8 4 8 4 4"
has "$tmp/out" "counts: 1 tap on 100 voxels, 2 taps on 105 voxels, 4 taps on 36 voxels, 8 taps on 4 voxels"
has "$tmp/out" "verdict: checkerboard: 1 to 8 taps per voxel (max/min 8.00) with a period of 2x2x2 voxels; 170 of the 245 voxels, near the edges, get fewer"
grep -q '^why: depth: 3 taps (dilation 1) over stride 2 reach the output slices 1 to 2 times; height: .*; width: ' "$tmp/out" && ok || ko "overlap 3-D: why line"
# large: a summary. The U-Net step tiles its kernel: one tap per voxel; SAME k3 s2 counts 1, 2, 4 and 8
run 0 overlap conv_transpose $unet
has "$tmp/out" "(32x32x32: too large to print per depth slice; the summary:)"
has "$tmp/out" "counts: 1 tap on 32768 voxels"
has "$tmp/out" "verdict: uniform: 1 tap on every output voxel away from the edges of x"
run 0 overlap conv_transpose --input-shape 1,16,16,16,1 --kernel-size 3 --strides 2 --padding SAME
has "$tmp/out" "counts: 1 tap on 4913 voxels, 2 taps on 13005 voxels, 4 taps on 11475 voxels, 8 taps on 3375 voxels"
# many distinct counts: the extremes. At most ceil(13/4) = 4, ceil(11/3) = 4 and 4 (width: taps 0, 2, 4, 6 at
# phase 0 with dilation 3) per axis: 64; width output 1 (full 1 = 2i + 3t) gets none
run 0 overlap conv_transpose --input-shape 1,10,10,10,1 --kernel-size 13,11,7 --strides 4,3,2 --dilations 1,1,3 --padding 0
has "$tmp/out" "counts: 0 to 64 taps per voxel (more than 12 distinct values)"
# run, 1-D: y[2i + t] += x[i] * w[t] with x = 1..8, w = 1, 10, 100 (102 = 100*1 + 1*2: taps 2 and 0 meet)
run 0 run conv1d_transpose -x "$data/nd1_x.npy" -w "$data/nd1_w.npy" --strides 2 --padding VALID
has "$tmp/out" "y[0, :, 0] of (1, 17, 1) ="
has "$tmp/out" "          1        10       102        20       203        30       304        40       405        50       506        60       607        70       708        80       800"
run 0 run conv_transpose -x "$data/nd1_x.npy" -w "$data/nd1_w.npy" --strides 2 -o "$tmp/y1.npy"
has "$tmp/out" "wrote $tmp/y1.npy: y (1, 17, 1) float32"
cmp -s "$tmp/y1.npy" "$data/nd1_y.npy" && ok || ko "1-D: y.npy differs from numpy's"
# run, 3-D: k2 s2 on ones tiles the kernel 1..8 (depth-to-space)
run 0 run conv3d_transpose -x "$data/nd3_x.npy" -w "$data/nd3_w.npy" --strides 2
has "$tmp/out" "y (1, 4, 4, 4, 1) = 1 2 1 2 3 4 3 4 1 2 1 2 3 4 3 4 5 6 5 6 7 8 7 8 5 6 5 6 7 8 7 8 1 2 1 2 3 4 3 4 1 2 1 2 3 4 3 4 5 6 5 6 7 8 7 8 5 6 5 6 7 8 7 8"
run 0 run conv_transpose -x "$data/nd3_x.npy" -w "$data/nd3_w.npy" --strides 2,2,2 -o "$tmp/y3.npy"
cmp -s "$tmp/y3.npy" "$data/nd3_y.npy" && ok || ko "3-D: y.npy differs from numpy's"
# its gradients, with dy = y: dbias sums y (8 copies of 1+..+8 = 288), dx = each input voxel's 2x2x2 block . w
# = 1^2 + .. + 8^2 = 204
run 0 run conv3d_transpose_backward_bias --dy "$data/nd3_y.npy" --input-shape 1,2,2,2,1 --kernel-size 2 --strides 2
has "$tmp/out" "dbias (1,) = 288"
run 0 run conv3d_transpose_backward_data --dy "$data/nd3_y.npy" -w "$data/nd3_w.npy" --input-shape 1,2,2,2,1 --strides 2
has "$tmp/out" "dx (1, 2, 2, 2, 1) = 204 204 204 204 204 204 204 204"
run 0 run conv3d_transpose -x "$data/nd3_x.npy" -w "$data/nd3_w.npy" --strides 2 --time
grep -Eq '^time: [0-9.e+-]+ ms \(median of 11\), [0-9.e+-]+ GFLOP/s, algorithm [A-Z]+ on [0-9]+ threads?$' "$tmp/out" && ok || ko "3-D --time line"
# bad ranks and per-axis lists: status 2, the option, the value and the counts the rank takes
run 2 shape conv_transpose --input-shape 1,2,3,4,5,6 --kernel-size 3
has "$tmp/err" "tconv shape: --input-shape wants N,W,C (1-D), N,H,W,C (2-D) or N,D,H,W,C (3-D): 3, 4 or 5 values in --layout order, got '1,2,3,4,5,6': 6 values"
run 2 shape conv1d_transpose --input-shape 1,8,8,1 --kernel-size 3
has "$tmp/err" "tconv shape: --input-shape wants N,W,C for conv1d_transpose (3 values), got '1,8,8,1': 4 values"
run 2 shape conv3d --input-shape 1,8,8,8,1 --kernel-size 3,3
has "$tmp/err" "tconv shape: --kernel-size wants K or KD,KH,KW (3-D: 1 or 3 values), got 2 values in '3,3'"
run 2 shape conv3d --input-shape 1,8,8,8,1 --kernel-size 3 --strides 2,2
has "$tmp/err" "tconv shape: --strides wants S, SD,SH,SW or 1,SD,SH,SW,1 (3-D: 1, 3 or 5 values), got 2 values in '2,2'"
run 2 shape conv1d --input-shape 1,8,1 --kernel-size 3 --dilations 1,2
has "$tmp/err" "tconv shape: --dilations wants D or 1,D,1 (1-D: 1 or 3 values), got 2 values in '1,2'"
run 2 shape conv3d --input-shape 1,8,8,8,1 --kernel-size 3 --strides 2,2,2,2,2
has "$tmp/err" "tconv shape: --strides 2,2,2,2,2: TensorFlow's 5-element form is [1,D,H,W,1] for NDHWC data (batch and channel entries 1)"
run 2 shape conv3d_transpose --input-shape 1,8,8,8,1 --kernel-size 3 --pads 1,1,1,1
has "$tmp/err" "tconv shape: --pads wants BD,BH,BW,ED,EH,EW (ONNX order, begins then ends: 6 values for 3-D), got '1,1,1,1': 4 values"
run 2 shape conv3d --input-shape 1,8,8,8,1 --kernel-size 3 --padding 1,1
has "$tmp/err" "tconv shape: --padding wants SAME, VALID, SAME_LOWER, P, PD,PH,PW, [[b,e],[b,e],[b,e]] (begin, end per axis) or [[0,0],[b,e],[b,e],[b,e],[0,0]] (3-D: 1, 3, 6 or 10 values), got 2 values in '1,1'"
run 2 shape conv1d_transpose --input-shape 1,8,1 --kernel-size 3 --output-shape 1,16
has "$tmp/err" "tconv shape: --output-shape wants W or N,W,C (1 or 3 values for 1-D), got '1,16': 2 values"
run 2 shape conv1d_transpose --input-shape 1,8,1 --kernel-size 3 --output-padding 1,1
has "$tmp/err" "tconv shape: --output-padding wants P (1-D: 1 value), got 2 values in '1,1'"
run 2 shape conv1d --input-shape 1,8,1 --kernel-size 3 --layout NCDHW
has "$tmp/err" "tconv shape: --layout is NWC or NCW (or NHWC, NCHW), got 'NCDHW'"
run 2 shape Conv3D --input-shape 1,8,8,8,1 --kernel-size 3
has "$tmp/err" "tconv shape: 1-D and 3-D: conv1d, conv1d_transpose, conv3d, conv3d_transpose; conv and conv_transpose take the rank from --input-shape"
run 2 shape conv1d_transpose --input-shape 1,8,1 --kernel-size 3 --explain 1,1
has "$tmp/err" "tconv shape: --explain OY,OX is for 2-D; this --input-shape is 1-D"
run 2 overlap conv3d_transpose --input-shape 1,4,4,4,1 --kernel-size 3 --png "$tmp/o3.png"
has "$tmp/err" "tconv overlap: --png and --cell draw 2-D maps; this --input-shape is 3-D"
[ -e "$tmp/o3.png" ] && ko "overlap 3-D --png wrote a file" || ok
run 2 overlap conv1d --input-shape 1,8,1 --kernel-size 3
has "$tmp/err" "tconv overlap: the overlap map is a conv1d_transpose property; got 'conv1d'"
run 2 run conv3d_transpose -x "$data/nd3_x.npy" -w "$data/nd3_w.npy" --strides 2 --explain 0,0
has "$tmp/err" "tconv run: --explain OY,OX is for 2-D; this run is 3-D"
run 1 run conv1d_transpose -x "$data/nd3_x.npy" -w "$data/nd3_w.npy"
has "$tmp/err" "tconv run: $data/nd3_x.npy: x must have 3 dimensions for conv1d_transpose, it has 5"
run 1 run conv_transpose -x "$data/seed003_db.npy" -w "$data/nd1_w.npy"
has "$tmp/err" "tconv run: $data/seed003_db.npy: x must have 3, 4 or 5 dimensions (N,W,C, N,H,W,C or N,D,H,W,C in --layout order), it has 1"
run 2 run conv_transpose -x "$data/nd1_x.npy" -w "$data/nd1_w.npy" --input-shape 1,8,1,1
has "$tmp/err" "tconv run: --input-shape wants N,W,C (3 values) for this 1-D run, got '1,8,1,1'"
run 1 run conv_transpose -x "$data/nd1_x.npy" -w "$data/nd3_w.npy"
has "$tmp/err" "tconv run: $data/nd3_w.npy: the filter must have 3 dimensions, it has 5"
run 1 run conv3d_transpose -x "$data/nd3_x.npy" -w "$data/nd3_w.npy" --strides 2 --kernel-size 3
has "$tmp/err" "tconv run: $data/nd3_w.npy's kernel is 2 on the depth axis, --kernel-size says 3"
run 1 run conv3d_transpose_backward_data --dy "$data/nd3_y.npy" -w "$data/nd3_w.npy" --input-shape 1,2,2,2,1 --strides 1
grep -q "tconv_convnd_transpose_geometry: out_d = 4 is not an admissible output depth" "$tmp/err" && ok || ko "3-D: dy against stride 1"
run 1 run conv3d_backward_data --dy "$data/nd3_y.npy" -w "$data/nd3_w.npy" --input-shape 1,2,2,2,1
has "$tmp/err" "tconv run: $data/nd3_y.npy has shape (1, 4, 4, 4, 1), but y of this conv3d has shape (1, 1, 1, 1, 1)"

# usage errors: stderr, status 2; help: stdout, status 0
run 2 shape conv2d_transpose --input-shape 1,2,2 --kernel-size 3
grep -q "input-shape wants N,H,W,C" "$tmp/err" && ok || ko "bad --input-shape message"
run 2 shape conv2d --input-shape 1,2,2,1 --kernel-size 3 --bogus 1
run 2 nonsense
run 2
run 0 --help
grep -q "demo" "$tmp/out" && ok || ko "--help lacks demo"
for sub in demo shape run overlap; do
  run 0 $sub --help
  grep -q "^usage: tconv $sub" "$tmp/out" && ok || ko "$sub --help lacks its usage line"
done
run 0 shape --help
grep -q -- "--output-shape" "$tmp/out" && ok || ko "shape --help lacks --output-shape"
run 0 run --help
for o in --output-padding --pads --groups --dilations --filter-layout --time --explain --dy; do
  grep -q -- "$o" "$tmp/out" && ok || ko "run --help lacks $o"
done
run 0 --version
has "$tmp/out" "tconv $(sh "$(dirname "$0")/../scripts/version.sh")"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
