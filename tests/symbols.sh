#!/bin/sh
# libtconv.so exports tconv_* and nothing else (hidden visibility).
# usage: symbols.sh path/to/libtconv.so
set -eu
all=$(nm -D --defined-only "$1" | awk '{print $3}' | sort)
bad=$(printf '%s\n' "$all" | grep -v '^tconv_' || true)
echo "exported: $(printf '%s\n' "$all" | tr '\n' ' ')"
if [ -n "$bad" ]; then
  echo "symbols outside the tconv_ prefix:"; printf '%s\n' "$bad"
  echo "0 passed, 1 failed"; exit 1
fi
for s in tconv_conv2d tconv_conv2d_transpose tconv_conv2d_reference tconv_conv2d_transpose_reference \
         tconv_conv2d_geometry tconv_conv2d_transpose_geometry tconv_status_string tconv_last_error tconv_version \
         tconv_conv2d_ex tconv_conv2d_transpose_ex tconv_conv2d_workspace_size tconv_conv2d_transpose_workspace_size \
         tconv_conv2d_workspace_size_ex tconv_conv2d_transpose_workspace_size_ex tconv_algorithm_name \
         tconv_workspace_size tconv_conv2d_backward_data tconv_conv2d_backward_filter tconv_conv2d_backward_bias \
         tconv_conv2d_transpose_backward_data tconv_conv2d_transpose_backward_filter \
         tconv_conv2d_transpose_backward_bias tconv_conv2d_backward_data_ex tconv_conv2d_backward_filter_ex \
         tconv_conv2d_backward_bias_ex tconv_conv2d_transpose_backward_data_ex \
         tconv_conv2d_transpose_backward_filter_ex tconv_conv2d_transpose_backward_bias_ex \
         tconv_conv2d_backward_data_reference tconv_conv2d_backward_filter_reference \
         tconv_conv2d_backward_bias_reference tconv_conv2d_transpose_backward_data_reference \
         tconv_conv2d_transpose_backward_filter_reference tconv_conv2d_transpose_backward_bias_reference; do
  printf '%s\n' "$all" | grep -qx "$s" || { echo "missing $s"; echo "0 passed, 1 failed"; exit 1; }
done
echo "1 passed, 0 failed"
