#!/bin/sh
# Docs are part of the feature: every config key is in netboot.conf(5)
# under its section; every row of the settings table (bootctl settings
# schema) is in netboot(7)'s list with a line of doc, and every key that
# list names is a row; every page is clean under mandoc -T lint.
. "$top_srcdir/tests/helpers/lib.sh"
need_cmd mandoc
need_cmd jq

man=$top_srcdir/man
"$top_builddir/tests/helpers/conf-keys" >"$T/keys" ||
    fail "keys: $(cat "$T/keys")"
[ "$(grep -c . "$T/keys")" -gt 30 ] ||
	fail "too few keys listed: $(cat "$T/keys")"

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
	esac
done <"$T/keys"
[ -z "$missing" ] || fail "undocumented:$missing"

# The settings: the table's schema against the .It lines of SETTINGS.
"$BOOTCTL" --json settings schema >"$T/schema" || fail "settings schema failed"
jq -e 'length > 30 and all(.[]; (.doc | length) > 10 and
    (.readers | length) > 0)' "$T/schema" >/dev/null ||
	fail "a settings row without doc or readers: $(cat "$T/schema")"
awk '/^\.Sh /{ on = ($0 == ".Sh SETTINGS") } on && /^\.It Ic /' \
    "$man/netboot.7" >"$T/items"
# "bootloader.N" is written ".It Ic bootloader . Ns Ar N".
jq -r '.[].name' "$T/schema" | sed 's/\.\(N\|XXXXXX\)$/ . Ns Ar \1/' |
while read -r item; do
	grep -q "^\.It Ic \(.*[ ,]\)\?$item\( \|,\|$\)" "$T/items" ||
		echo "$item" | sed 's/ \. Ns Ar /./'
done >"$T/undoc"
[ -s "$T/undoc" ] && fail "settings missing in netboot(7):" $(cat "$T/undoc")
# What netboot(7) lists exists: each key of its .It lines is a row.
sed 's/^\.It Ic //; s/ \. Ns Ar \([A-Z]*\)$/.\1/; s/ , /\n/g' "$T/items" |
while read -r key; do
	jq -e --arg k "$key" 'any(.[]; .name == $k)' "$T/schema" >/dev/null ||
		echo "$key"
done >"$T/extra"
[ -s "$T/extra" ] &&
	fail "netboot(7) lists settings that do not exist:" $(cat "$T/extra")

for page in "$man"/*.[0-9]; do
	out=$(mandoc -T lint -W warning "$page" 2>&1) || true
	[ -z "$out" ] || fail "mandoc -T lint: $out"
done
exit 0
