#!/bin/sh
# Docs are part of the feature: every config key is in netboot.conf(5)
# under its section, every setting in netboot(7), and every page is clean
# under mandoc -T lint.
. "$top_srcdir/tests/lib.sh"
need_cmd mandoc

man=$top_srcdir/man
"$top_builddir/tests/unit/keys" "$T/keys.db" >"$T/keys" || fail "keys: $(cat "$T/keys")"
[ "$(grep -c . "$T/keys")" -gt 40 ] || fail "too few keys listed: $(cat "$T/keys")"

# The .Ss block of one section of netboot.conf(5).
conf_section() {
	awk -v h="$1" '/^\.Ss /{ on = ($0 == ".Ss " h) } on' "$man/netboot.conf.5"
}
missing=""
while read -r kind a b; do
	case $kind in
	global)
		conf_section "Global keys" | grep -q "^\.It Ic $a\( \|$\)" || missing="$missing [global]$a" ;;
	pxedhcpd|tftpd|bootweb|bootctl)
		conf_section "[$kind]" | grep -q "^\.It Ic \(.*[ ,]\)\?$a\( \|,\|$\)" || missing="$missing [$kind]$a" ;;
	setting)
		k=$(printf '%s' "$a" | sed 's/\.[0-9][0-9]*$//')
		if [ "$k" != "$a" ]; then
			grep -q "^\.It Ic $k \. Ns Ar N" "$man/netboot.7" || missing="$missing setting:$k.N"
		else
			grep -q "^\.It Ic \(.*[ ,]\)\?$a\( \|,\|$\)" "$man/netboot.7" || missing="$missing setting:$a"
		fi ;;
	esac
done <"$T/keys"
[ -z "$missing" ] || fail "undocumented:$missing"

for page in "$man"/*.[0-9]; do
	out=$(mandoc -T lint -W warning "$page" 2>&1) || true
	[ -z "$out" ] || fail "mandoc -T lint: $out"
done
exit 0
