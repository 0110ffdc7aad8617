#!/bin/sh
# README's first example is examples/first.c, byte for byte: extract README.md's first ```c block and
# compare it with the file (the build compiles the file, so the README's program is one that compiles).
#   usage: readme_example.sh SOURCE_ROOT
set -eu
root=${1:?usage: readme_example.sh SOURCE_ROOT}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
awk '!found && $0 == "```c" { inblock = 1; found = 1; next }
     inblock && $0 == "```" { exit }
     inblock { print }' "$root/README.md" >"$tmp"
if [ ! -s "$tmp" ]; then
    echo "readme_example.sh: no \`\`\`c block in $root/README.md" >&2
    exit 1
fi
if cmp -s "$tmp" "$root/examples/first.c"; then
    echo "readme-example: 1 passed, 0 failed"
    exit 0
fi
echo "readme_example.sh: README.md's first \`\`\`c block differs from examples/first.c (- the file, + README):" >&2
diff -u "$root/examples/first.c" "$tmp" >&2 || true
exit 1
