#!/bin/sh
# bootctl client: every verb, every MAC spelling, --json, and every error
# path with its exit code, its message and an unchanged database.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

echo kernel >"$T/vmlinuz"; echo initrd >"$T/initrd.gz"
ok image add deb12 --kernel vmlinuz --initrd initrd.gz
ok image add alma9 --kernel "$T/vmlinuz" --initrd "$T/initrd.gz"
printf 'd-i netcfg/get_hostname string {{client.hostname}}\n' >"$T/p.cfg"
ok template add pre --kind preseed --file "$T/p.cfg"

# Every MAC spelling names the same canonical client.
ok client add AA-BB-CC-00-00-01 --name web1 --hostname web1.example.org --ip 10.0.0.11 \
	--image deb12 --template pre --var role=web --var disk=/dev/sda
expect_out "added client aa:bb:cc:00:00:01"
ok client add aabb.cc00.0002
ok client add AABBCC000003
ok client add aa:bb:cc:0:00:4
[ "$(db_sql 'SELECT group_concat(mac) FROM (SELECT mac FROM clients ORDER BY mac) s')" = \
	"aa:bb:cc:00:00:01,aa:bb:cc:00:00:02,aa:bb:cc:00:00:03,aa:bb:cc:00:00:04" ] ||
	fail "MACs not canonical: $(db_sql 'SELECT group_concat(mac) FROM clients')"
ok client show AABB.CC00.0001
expect_out "web1.example.org"

# show: key: value, and --json with the documented keys.
ok client show aa:bb:cc:00:00:01
grep -q '^name: *web1$' "$T/out" || fail "show lacks 'name: web1': $(cat "$T/out")"
grep -q '^image: *deb12$' "$T/out" || fail "show lacks the image"
ok client show aa:bb:cc:00:00:01 --json
json_ok
json_is 'keys | join(",")' "allowed,arch,created,first_seen,hostname,image,inventories,inventory,ip,labels,last_ip,last_seen,mac,name,next_boot,state,suspended,template,updated,user_class,uuid,vars,vendor_class"
json_is .vars.role web
json_is .vars.disk /dev/sda
json_is .state known
json_is .allowed true
json_is .next_boot null
ok --json client show aa-bb-cc-00-00-01
json_is .ip 10.0.0.11

# list: aligned columns (the MAC column is padded to one width), and --json.
ok client list
[ "$(wc -l <"$T/out")" = 5 ] || fail "list: expected a header and 4 rows: $(cat "$T/out")"
head -1 "$T/out" | grep -q '^MAC  *NAME  *HOSTNAME  *IP  *IMAGE  *NEXT-BOOT  *STATE  *LAST-SEEN$' ||
	fail "list header: $(head -1 "$T/out")"
[ "$(awk '{ print index($0, $2) }' "$T/out" | sort -u | wc -l)" = 1 ] ||
	fail "list columns are not aligned: $(cat "$T/out")"
ok client list --json
json_ok
json_is 'length' 4
json_is '.[0].name' web1
json_is '.[1].name' null

# set: change, clear with "", vars set and unset.
ok client set aa:bb:cc:00:00:01 --name web-1 --hostname '' --var role=db --unset-var disk
ok client show aa:bb:cc:00:00:01 --json
json_is .name web-1
json_is .hostname null
json_is '.vars | tojson' '{"role":"db"}'
ok client set aa:bb:cc:00:00:02 --image alma9 --ip 10.0.0.12
ok client show aa:bb:cc:00:00:02 --json
json_is .image alma9

# assign, next-boot, allow, deny.
ok client assign AA:BB:CC:00:00:03 deb12
expect_out "aa:bb:cc:00:00:03"
[ "$(db_sql "SELECT image FROM clients WHERE mac = 'aa:bb:cc:00:00:03'")" = deb12 ] || fail "assign"
for a in install local menu shell; do
	ok client next-boot aa:bb:cc:00:00:03 $a
	[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = 'aa:bb:cc:00:00:03'")" = $a ] ||
		fail "next-boot $a not stored"
done
ok client next-boot aa:bb:cc:00:00:03 clear
[ "$(db_sql "SELECT ifnull(next_boot, 'NULL') FROM clients WHERE mac = 'aa:bb:cc:00:00:03'")" = NULL ] ||
	fail "next-boot clear"
ok client deny aa:bb:cc:00:00:04
[ "$(db_sql "SELECT allowed FROM clients WHERE mac = 'aa:bb:cc:00:00:04'")" = 0 ] || fail "deny"
ok client list
grep -q '^aa:bb:cc:00:00:04 .*denied' "$T/out" || fail "list does not show denied: $(cat "$T/out")"
ok client allow aa:bb:cc:00:00:04
[ "$(db_sql "SELECT allowed FROM clients WHERE mac = 'aa:bb:cc:00:00:04'")" = 1 ] || fail "allow"

# A client's name stands for its MAC wherever one is expected (not in add).
ok client show web-1 --json
json_is .mac aa:bb:cc:00:00:01
ok client next-boot web-1 local
[ "$(db_sql "SELECT next_boot FROM clients WHERE mac = 'aa:bb:cc:00:00:01'")" = local ] ||
	fail "next-boot by name not stored"
ok client next-boot web-1 clear
ok client timeline web-1
ok events list --mac web-1

# A client a daemon discovered is adopted by add, and becomes known.
db_sql "INSERT INTO clients (mac, state, vendor_class, arch, created, updated) VALUES
	('aa:bb:cc:00:00:05', 'discovered', 'PXEClient:Arch:00007', 7, 1, 1)"
ok client show aa:bb:cc:00:00:05 --json
json_is .state discovered
json_is .arch 7
# In words for people, with the number that DHCP option 93 carried.
ok client show aa:bb:cc:00:00:05
grep -qx 'arch: *x64 UEFI (7)' "$T/out" || fail "arch in words: $(grep arch "$T/out")"
ok client add aa:bb:cc:00:00:05 --name found
expect_out "adopted"
ok client show aa:bb:cc:00:00:05 --json
json_is .state known
json_is .vendor_class PXEClient:Arch:00007

# Usage errors: exit 2, the bad thing named, nothing written.
usage "'aa:bb:cc:00:00' is not a MAC address" client add aa:bb:cc:00:00
usage "'zz:bb:cc:00:00:01' is neither a MAC address nor a client name" client show zz:bb:cc:00:00:01
error "no client named 'nope'" client rm nope
error "no client named 'x'" client assign x deb12
usage "'a b' is neither a MAC address nor a client name" client deny 'a b'
usage "unknown option '--colour'" client add aa:bb:cc:00:00:09 --colour red
usage "option '--name' needs a value" client add aa:bb:cc:00:00:09 --name
usage "missing argument" client add
usage "missing argument" client assign aa:bb:cc:00:00:01
usage "unexpected argument 'more'" client show aa:bb:cc:00:00:01 more
usage "unexpected argument 'x'" client list x
usage "bad IPv4 address '10.0.0.300'" client add aa:bb:cc:00:00:09 --ip 10.0.0.300
usage "bad hostname 'a b'" client add aa:bb:cc:00:00:09 --hostname 'a b'
usage "bad name '.hidden'" client add aa:bb:cc:00:00:09 --name .hidden
usage "bad --var 'novalue'" client add aa:bb:cc:00:00:09 --var novalue
usage "bad --var 'a.b=1'" client add aa:bb:cc:00:00:09 --var a.b=1
usage "unknown option '--unset-var'" client add aa:bb:cc:00:00:09 --unset-var x
usage "nothing to change" client set aa:bb:cc:00:00:01
usage "unknown action 'reboot'" client next-boot aa:bb:cc:00:00:01 reboot
usage "unknown command 'client frob'" client frob
usage "client needs a verb" client

# Runtime errors: exit 1, the missing thing named, nothing written.
error "no image named 'nope'" client add aa:bb:cc:00:00:09 --image nope
error "no template named 'nope'" client add aa:bb:cc:00:00:09 --template nope
error "no image named 'nope'" client assign aa:bb:cc:00:00:01 nope
error "no client aa:bb:cc:00:00:09" client assign aa:bb:cc:00:00:09 deb12
error "no client aa:bb:cc:00:00:09" client show aa:bb:cc:00:00:09
error "no client aa:bb:cc:00:00:09" client set aa:bb:cc:00:00:09 --name x
error "no client aa:bb:cc:00:00:09" client next-boot aa:bb:cc:00:00:09 menu
error "no client aa:bb:cc:00:00:09" client allow aa:bb:cc:00:00:09
error "no client aa:bb:cc:00:00:09" client deny aa:bb:cc:00:00:09
error "no client aa:bb:cc:00:00:09" client rm aa:bb:cc:00:00:09
error "client aa:bb:cc:00:00:01 exists already" client add AA:BB:CC:00:00:01
error "another client is named 'web-1'" client add aa:bb:cc:00:00:09 --name web-1
error "another client has the address 10.0.0.12" client set aa:bb:cc:00:00:01 --ip 10.0.0.12
error "has no image to install" client next-boot aa:bb:cc:00:00:04 install
# One transaction: a failing set changes none of its fields.
error "another client is named 'web-1'" client set aa:bb:cc:00:00:02 --hostname h2 --name web-1

# rm takes the client's own files with it.
ok file add own.cfg --mac aa:bb:cc:00:00:02 --content-file "$T/p.cfg"
ok client rm aa-bb-cc-00-00-02
expect_out "removed client aa:bb:cc:00:00:02"
[ "$(db_sql "SELECT count(*) FROM clients WHERE mac = 'aa:bb:cc:00:00:02'")" = 0 ] || fail "rm"
[ "$(db_sql "SELECT count(*) FROM files")" = 0 ] || fail "rm left the client's files"
exit 0
