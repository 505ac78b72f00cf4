#!/bin/sh
# bootctl client label and --selector: labels set and removed (KEY=VALUE,
# KEY-), checked (key and value rules, 32 per client), shown by client
# show and --json; selectors (=, ==, !=, has, has not) on client list,
# next-boot, allow, deny, wake and label; a bulk action is one
# transaction (one client failing changes none); usage errors change
# nothing.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

echo k >"$T/vmlinuz"; echo i >"$T/initrd"
ok image add deb --kernel "$T/vmlinuz" --initrd "$T/initrd"
M1=52:54:00:00:07:01 M2=52:54:00:00:07:02 M3=52:54:00:00:07:03
ok client add $M1 --name w1 --image deb
ok client add $M2 --name w2
ok client add $M3 --name db1 --image deb
labels() {
	db_sql "SELECT group_concat(key || '=' || value, ',') FROM (SELECT key,
	    value FROM client_labels WHERE mac = '$1' ORDER BY key) l"
}

ok client label w1 rack=3 role=worker tmp=x
expect_out "label $M1 (w1)"
expect_out "1 client"
ok client label $M1 tmp- zone.example/a=b-1_c.d empty=
[ "$(labels $M1)" = "empty=,rack=3,role=worker,zone.example/a=b-1_c.d" ] ||
	fail "labels: $(labels $M1)"
ok client label w2 rack=3 role=worker
ok client label db1 rack=4 role=db
ok client show w1
grep -q '^labels: *{"empty":"","rack":"3","role":"worker","zone.example/a":"b-1_c.d"}$' "$T/out" ||
	fail "show: $(grep labels "$T/out")"
ok --json client show w1
json_is '.labels.rack' 3
ok --json client list
json_is '[.[].labels.role] | join(",")' worker,worker,db
# A discovered client labelled becomes known.
db_sql "INSERT INTO clients (mac, state, created, updated) VALUES ('52:54:00:00:07:09', 'discovered', 0, 0)"
ok client label 52:54:00:00:07:09 seen=yes
[ "$(db_sql "SELECT state FROM clients WHERE mac = '52:54:00:00:07:09'")" = known ] ||
	fail "a labelled client stays discovered"
ok client rm 52:54:00:00:07:09
[ "$(db_sql "SELECT count(*) FROM client_labels WHERE mac = '52:54:00:00:07:09'")" = 0 ] ||
	fail "labels outlived their client"
note "label: set, KEY- removes, show and --json carry them"

usage "bad label key 'bad key'" client label w1 'bad key=1'
usage "bad label key '-x'" client label w1 -- -x=1
usage "bad label key 'x/'" client label w1 x/=1
usage "bad value 'a b' of label k" client label w1 'k=a b'
usage "bad label change 'k'" client label w1 k
usage "bad label key" client label w1 "$(printf 'k%.0s' $(seq 64))=1"
usage "missing argument" client label w1
usage "unknown option '--colour=red'" client label w1 --colour=red a=1
i=0 args=""
while [ $i -lt 30 ]; do args="$args l$i=v"; i=$((i + 1)); done
error "would have 34 labels (at most 32)" client label w1 $args
error "no client named 'nosuch'" client label nosuch a=1
note "label: bad keys, values, changes and counts change nothing"

ok client list --selector rack=3
[ "$(awk 'NR > 1 { print $2 }' "$T/out" | tr '\n' ,)" = "w1,w2," ] ||
	fail "list rack=3: $(cat "$T/out")"
ok --json client list --selector 'rack==3, role!=db'
json_is '[.[].name] | join(",")' w1,w2
ok --json client list --selector 'role!=worker'
json_is '[.[].name] | join(",")' db1
ok --json client list --selector '!zone.example/a,rack'
json_is '[.[].name] | join(",")' w2,db1
ok --json client list --selector nosuch
json_is 'length' 0
usage "an empty selector" client list --selector ''
usage "an empty term in the selector" client list --selector 'rack=3,,role'
usage "bad label key" client list --selector 'ra ck=3'
usage "bad value" client list --selector 'rack=3 4'
usage "at most 16 terms" client list --selector "$(seq -s, 1 17 | sed 's/[0-9]*/k&/g')"
note "selectors: =, ==, !=, has, has not; bad ones are usage errors"

ok client next-boot --selector rack=3 local
expect_out "next-boot $M1 (w1)"
expect_out "2 clients"
[ "$(db_sql "SELECT group_concat(ifnull(next_boot, '-')) FROM (SELECT next_boot FROM clients ORDER BY mac) c")" = "local,local,-" ] ||
	fail "next-boot by selector: $(db_sql 'SELECT mac, next_boot FROM clients')"
# w2 has no image: nothing changes, and the error names it.
error "$M2" client next-boot --selector role=worker install
ok client deny --selector role=worker
[ "$(db_sql "SELECT group_concat(allowed) FROM (SELECT allowed FROM clients ORDER BY mac) c")" = "0,0,1" ] ||
	fail "deny by selector"
ok --json client allow --selector rack
json_is '.action' allow
json_is '.count' 3
json_is '[.clients[].name] | join(",")' w1,w2,db1
ok client label --selector role=worker pool=a rack-
[ "$(labels $M2)" = "pool=a,role=worker" ] || fail "label by selector: $(labels $M2)"
ok client next-boot --selector nosuch=1 menu
expect_out "0 clients"
usage "unexpected argument" client allow w1 --selector rack
usage "unknown action 'reboot'" client next-boot --selector rack reboot
note "next-boot, allow, deny, label by selector: all or nothing"

# wake by selector: a packet per client to loopback.
ok settings set wake.broadcast 127.0.0.1
python3 - "$T/wol" <<'PYEOF' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 9))
s.settimeout(10)
open(sys.argv[1] + ".ready", "w").close()
got = sorted(s.recv(2048).hex() for _ in range(2))
open(sys.argv[1], "w").write("\n".join(got) + "\n")
PYEOF
WOL=$!
wait_for 10 test -e "$T/wol.ready" || fail "the packet catcher did not start"
ok client wake --selector pool=a --next-boot menu
expect_out "magic packet sent to 127.0.0.1"
wait "$WOL" || fail "no two magic packets"
[ "$(wc -l <"$T/wol")" = 2 ] || fail "packets: $(cat "$T/wol")"
[ "$(db_sql "SELECT count(*) FROM clients WHERE next_boot = 'menu'")" = 2 ] ||
	fail "wake --next-boot by selector"
note "wake by selector: one packet each, next boots set"
