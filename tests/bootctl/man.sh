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

# EXAMPLES run in the order written, on a fresh database in $T (its data
# directory). Left out: --follow (it waits), wake (it sends packets);
# the backup goes to $T and the pipe into jq is dropped.
awk '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/' "$MAN" |
	sed -e 's/\\e$/\\/' | sed -e ':a' -e '/\\$/N; s/\\\n *//; ta' |
	sed -n 's/^# bootctl //p' >"$T/examples"
[ "$(wc -l <"$T/examples")" -ge 10 ] || fail "EXAMPLES: $(cat "$T/examples")"
mkdir -p "$T/debian12"
echo kernel >"$T/debian12/linux"; echo initrd >"$T/debian12/initrd.gz"
printf 'd-i passwd/root-login boolean false\n' >"$T/preseed.cfg"
echo 'DEFAULT local' >"$T/menu"
n=0
while read -r line; do
	case $line in *--follow*|"client wake"*) continue ;; esac
	# db backup is SQLite's (PostgreSQL has pg_dump, bootctl says so)
	case $NB_TEST_DB:$line in "pg:db backup"*) continue ;; esac
	line=$(printf '%s' "$line" | sed -e 's/ |.*//' -e "s|/var/backups|$T|")
	(cd "$T" && eval "\"\$BOOTCTL\" -D \"\$DB\" $line") >"$T/ex.out" 2>&1 ||
		fail "EXAMPLES: 'bootctl $line' failed: $(cat "$T/ex.out")"
	n=$((n + 1))
done <"$T/examples"
note "bootctl(8) EXAMPLES: $n commands ran in order"
exit 0
