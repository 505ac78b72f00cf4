#!/bin/bash
# The bash completion of bootctl (dist/completion/bootctl): nouns, the
# verbs of a noun, a verb's options, help's nouns, all read from the
# built bootctl's -h.
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd bash
# shellcheck source=/dev/null
. "$top_srcdir/dist/completion/bootctl"

# comp WORD...: complete the last word of "bootctl WORD..."; COMPREPLY sorted on one line.
comp() {
	COMP_WORDS=("$BOOTCTL" "$@")
	COMP_CWORD=$#
	COMPREPLY=()
	_netboot_bootctl
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//'
}
expect_comp() {
	local want=$1 got; shift
	got=$(comp "$@")
	[ "$got" = "$want" ] || fail "bootctl $*<TAB>: got '$got', want '$want'"
}

expect_comp "client" cl
expect_comp "image" -D "$T/x.db" im
expect_comp "template" help te
expect_comp "next-boot" client ne
expect_comp "add allow assign" client a
expect_comp "list" events li
expect_comp "--kind" template add NAME --k
expect_comp "--json" client list --j
expect_comp "--help --json --version" --
n=$(comp "" | wc -w)
[ "$n" -ge 9 ] || fail "only $n nouns completed: $(comp "")"
complete -p bootctl | grep -q _netboot_bootctl || fail "complete -p bootctl"
exit 0
