#!/bin/sh
# bootctl settings get | set | unset | schema: defaults marked, values
# checked against libnetboot's table, family keys (bootloader.N), --json.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

ok settings get
head -1 "$T/out" | grep -q '^KEY  *VALUE  *SOURCE$' || fail "header: $(head -1 "$T/out")"
grep -q '^menu.timeout  *10  *default$' "$T/out" || fail "menu.timeout default: $(cat "$T/out")"
grep -q '^bootloader.0  *undionly.kpxe  *default$' "$T/out" || fail "bootloader.0: $(cat "$T/out")"
grep -q '^default_image  *-  *default$' "$T/out" || fail "unset default_image: $(cat "$T/out")"
grep -q ' set$' "$T/out" && fail "a fresh database has set values: $(cat "$T/out")"

ok settings get menu.timeout
[ "$(cat "$T/out")" = 10 ] || fail "get menu.timeout: $(cat "$T/out")"
ok settings get default_image
[ -s "$T/out" ] && fail "an unset key without default printed: $(cat "$T/out")"

ok settings set menu.timeout 3
expect_out "menu.timeout = 3"
ok settings set default_action image
ok settings set bootloader.7 ipxe.efi
ok settings set option43.0 none
ok settings set server_address 10.0.0.2
ok settings get menu.timeout
[ "$(cat "$T/out")" = 3 ] || fail "after set: $(cat "$T/out")"
ok settings get
grep -q '^menu.timeout  *3  *set$' "$T/out" || fail "set not marked: $(cat "$T/out")"
grep -q '^bootloader.7  *ipxe.efi  *set$' "$T/out" || fail "family key: $(cat "$T/out")"
grep -q '^option43.0  *none  *set$' "$T/out" || fail "stored family key without default: $(cat "$T/out")"

ok settings get --json
json_ok
json_is '.[0] | keys | join(",")' default,key,value
json_is '[.[] | select(.key == "menu.timeout")][0].value' 3
json_is '[.[] | select(.key == "menu.timeout")][0].default' false
json_is '[.[] | select(.key == "menu.default")][0].default' true
json_is '[.[] | select(.key == "default_image")][0].value' null
ok settings get server_address --json
json_ok
json_is '. | tojson' '{"default":false,"key":"server_address","value":"10.0.0.2"}'
ok settings get bootloader.9 --json
json_is '. | tojson' '{"default":true,"key":"bootloader.9","value":"snponly.efi"}'

ok settings unset menu.timeout
expect_out "menu.timeout unset (default 10)"
ok settings get menu.timeout
[ "$(cat "$T/out")" = 10 ] || fail "after unset: $(cat "$T/out")"
[ "$(db_sql "SELECT count(*) FROM settings WHERE key = 'menu.timeout'")" = 0 ] || fail "unset left a row"
ok settings unset server_address
expect_out "server_address unset (no default)"

# What a value names must exist when it is written, and the error says
# what is missing (nothing is stored).
error "default_image: no image named 'nosuch'" settings set default_image nosuch
error "menu.default: 'nosuch' is not an image, local or shell" \
	settings set menu.default nosuch
ok settings set menu.default shell
ok settings set menu.default local

# Usage errors: bad keys and values, arguments.
usage "unknown setting 'menu.colour'" settings get menu.colour
usage "unknown setting 'menu.colour'" settings set menu.colour red
usage "unknown setting 'menu.colour'" settings unset menu.colour
usage "unknown setting 'bootloader.x'" settings set bootloader.x a.efi
usage "menu.timeout must be a number 0..3600, not 'soon'" settings set menu.timeout soon
usage "menu.timeout must be a number 0..3600, not '5000'" settings set menu.timeout 5000
usage "unknown_clients must be one of answer|ignore, not 'drop'" settings set unknown_clients drop
usage "server_address must be an IPv4 address, not '10.0.0'" settings set server_address 10.0.0
usage "bootloader.7 must be a relative file name" settings set bootloader.7 ../x.efi
usage "static.enabled must be yes or no, not 'true'" settings set static.enabled true
usage "missing argument" settings set menu.timeout
usage "unexpected argument 'extra'" settings set menu.timeout 3 extra
usage "unexpected argument 'b'" settings get a b
usage "missing argument" settings unset

# The table itself: a row per key or family, with its type and default.
ok settings schema
head -1 "$T/out" | grep -q '^KEY  *TYPE  *DEFAULT  *DOC$' ||
	fail "schema header: $(head -1 "$T/out")"
grep -q '^menu.timeout  *number  *10  *seconds' "$T/out" ||
	fail "schema menu.timeout: $(cat "$T/out")"
grep -q '^bootloader.N  *file  *-  ' "$T/out" ||
	fail "schema bootloader.N: $(cat "$T/out")"
ok --json settings schema
json_ok
jq -e '.[] | select(.name == "static.others") | .choices == ["proxy",
    "ignore"] and .readers == ["pxedhcpd"]' "$T/out" >/dev/null ||
	fail "schema static.others: $(cat "$T/out")"
usage "unexpected argument 'x'" settings schema x
exit 0
