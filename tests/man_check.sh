#!/bin/sh
# man_check.sh TCONV MANPAGE - docs/tconv.1 against the program it documents.
#
#  1. The page formats without a warning: man --warnings (what lintian runs) and groff -ww, whichever exist.
#  2. It cannot drift from the program: every command `tconv --help` lists has a `.SS "tconv CMD ..."`
#     section, and every option `tconv CMD --help` prints (long, and short such as -x) has a .TP entry in
#     that section or under CONFIGURATION OPTIONS (the options shape, run and overlap share). The other way too:
#     every long option the page mentions is one some --help prints, so a removed option cannot linger.
#
# The lists come from the program's help output, never from a list kept here. Exit 0, 1 on a finding, 77
# (skip) when neither man nor groff is installed and everything else passed.
set -u
tconv=$1
page=$2
fail=0
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

bad() {
    echo "man_check: $*" >&2
    fail=1
}

# ---------------------------------------------------------------- 1. formatting
checked=0
if man --version >/dev/null 2>&1; then
    checked=1
    LC_ALL=C.UTF-8 MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$page" 2>"$tmp/man.err" >/dev/null
    if [ -s "$tmp/man.err" ]; then
        bad "man --warnings on $page:"
        cat "$tmp/man.err" >&2
    fi
fi
if command -v groff >/dev/null 2>&1; then
    checked=1
    groff -man -ww -z "$page" 2>"$tmp/groff.err"
    if [ -s "$tmp/groff.err" ]; then
        bad "groff -man -ww on $page:"
        cat "$tmp/groff.err" >&2
    fi
fi

# ---------------------------------------------------------------- 2. the program's commands and options
# A roff block: from the line starting with $1 to the next .SH or .SS heading.
block() {
    awk -v head="$1" 'index($0, head) == 1 { on = 1; print; next } /^\.S[HS]/ { on = 0 } on' "$page"
}
# Option NAME (e.g. input-shape, or x for -x) is in file $2, written with roff's \- hyphens.
mentions() {
    dashes='\\-\\-'
    [ ${#1} -eq 1 ] && dashes='\\-'
    grep -Eq "$dashes$(printf %s "$1" | sed 's/-/\\\\-/g')([^a-z0-9\\\\]|\\\\[^-]|\$)" "$2"
}
# Long options (without the dashes) and short ones (the letter) that a help text on stdin prints: in its
# usage line and the option part of its option lines (indented, starting with a dash, up to the two spaces
# before the description), not in prose such as "--opt=value" or "(run: taken from -w)".
option_lines() { grep -E -- '^(usage:| +-)' | sed 's/^ *//; s/  .*//'; }
long_options() { option_lines | grep -oE -- '--[a-z][a-z0-9-]*' | sed 's/^--//' | sort -u; }
short_options() { option_lines | grep -oE -- '(^|[ [])-[a-zA-Z]([ ,]|$)' | sed 's/^[ []*-//; s/[ ,]*$//' | sort -u; }

"$tconv" --help >"$tmp/help" || bad "'tconv --help' failed"
# the commands: the indented words under "commands:" (options start with --)
commands=$(sed -n '/^commands:/,$p' "$tmp/help" | sed -n 's/^  \([a-z][a-z0-9_]*\) .*/\1/p')
[ -n "$commands" ] || bad "no commands found in 'tconv --help'"
block '.SH "CONFIGURATION OPTIONS"' >"$tmp/shared"
[ -s "$tmp/shared" ] || bad "$page has no CONFIGURATION OPTIONS section"
# documented = the tag of a .TP paragraph (the line after .TP) names it
tags() { awk 'prev ~ /^\.TP/ { print } { prev = $0 }'; }
tags <"$page" >"$tmp/tags"
for opt in $(long_options <"$tmp/help"); do
    mentions "$opt" "$tmp/tags" || bad "tconv --$opt (tconv --help) has no .TP entry in $page"
done
long_options <"$tmp/help" >"$tmp/all_long"

for cmd in $commands; do
    block ".SS \"tconv $cmd" >"$tmp/section"
    if [ ! -s "$tmp/section" ]; then
        bad "command '$cmd' (tconv --help) has no '.SS \"tconv $cmd ...\"' section in $page"
        continue
    fi
    "$tconv" "$cmd" --help >"$tmp/cmd_help" || bad "'tconv $cmd --help' failed"
    cat "$tmp/section" "$tmp/shared" | tags >"$tmp/where"
    where="its section of $page (or CONFIGURATION OPTIONS)"
    for opt in $(long_options <"$tmp/cmd_help"); do
        echo "$opt" >>"$tmp/all_long"
        mentions "$opt" "$tmp/where" || bad "tconv $cmd --$opt: no .TP entry in $where"
    done
    for opt in $(short_options <"$tmp/cmd_help"); do
        mentions "$opt" "$tmp/where" || bad "tconv $cmd -$opt: no .TP entry in $where"
    done
done

# ...and the other way: every long option the page defines (the tag line after a .TP) exists.
sort -u "$tmp/all_long" -o "$tmp/all_long"
for opt in $(grep -oE '\\-\\-[a-z][a-z0-9]*(\\-[a-z0-9]+)*' "$tmp/tags" | sed 's/\\-/-/g; s/^--//' | sort -u); do
    grep -qx -- "$opt" "$tmp/all_long" || bad "$page documents --$opt, which no 'tconv ... --help' prints"
done

[ $fail -eq 0 ] || exit 1
if [ $checked -eq 0 ]; then
    echo "man_check: neither man nor groff is installed: the formatting was not checked (skip)"
    exit 77
fi
echo "man_check: $page formats cleanly and documents every command and option of $tconv"
exit 0
