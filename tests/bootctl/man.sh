#!/bin/sh
# bootctl(8) documents what exists: every command and option that
# "bootctl -h" lists has its entry, and the page is clean under mandoc lint.
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd mandoc
MAN=$top_srcdir/man/bootctl.8

mandoc -T lint -W warning "$MAN" >"$T/lint" 2>&1 || fail "mandoc lint: $(cat "$T/lint")"
[ -s "$T/lint" ] && fail "mandoc lint: $(cat "$T/lint")"

expect_rc 0 "$BOOTCTL" -h
n=0
while read -r word noun verb rest; do
	[ "$word" = bootctl ] || continue
	n=$((n + 1))
	grep -q "^\.It Cm $noun $verb\( \|$\)" "$MAN" || fail "bootctl(8) lacks 'bootctl $noun $verb'"
	for opt in $(echo "$rest" | grep -o -- '--[a-z-]*'); do
		grep -q "Fl -${opt#--}\( \|$\)" "$MAN" || fail "bootctl(8) lacks $opt of '$noun $verb'"
	done
done <"$T/out"
[ "$n" -ge 25 ] || fail "bootctl -h listed only $n commands"
for code in 0 1 2; do grep -q "^\.It $code$" "$MAN" || fail "exit status $code undocumented"; done
exit 0
