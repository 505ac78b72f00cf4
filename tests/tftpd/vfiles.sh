#!/bin/sh
# vfiles.sh: the virtual files of the database over TFTP. A client in
# its own namespace behind a veth is known by its MAC, which tftpd reads
# from the kernel's neighbour table; a client on loopback is known by the
# static address the database records. Each gets its own files first (a
# static body, a local file, a rendered template), then the global ones,
# then the disk; others get only the global files. Edits made by bootctl
# while tftpd runs are seen at once; the events carry the MAC.
. "$top_srcdir/tests/helpers/tftpd-lib.sh"
need_cmd curl sqlite3
[ -x "$BOOTCTL" ] || fail "$BOOTCTL is not built"

MAC=52:54:00:12:34:56
ns_new cli NS2
ip link add tv0 netns "$NS" type veth peer name tv1 netns "$NS2" || fail "cannot create a veth pair"
nsx ip addr add 10.77.8.1/24 dev tv0
nsx ip link set tv0 up
ip -n "$NS2" link set tv1 address $MAC
ip -n "$NS2" addr add 10.77.8.2/24 dev tv1
ip -n "$NS2" link set tv1 up
nsx2() { ip netns exec "$NS2" "$@"; }

mkfile a.bin 1000
echo "disk default" >"$ROOT/default.cfg"
TFTPD_ADDR=0.0.0.0 tftpd_start

bc() { "$BOOTCTL" -D "$DB" "$@" >"$T/bc.out" 2>&1 || fail "bootctl $*: $(cat "$T/bc.out")"; }
bc client add $MAC --hostname node1 --var role=worker
bc client add 02:00:00:00:00:01 --hostname loop1 --ip 127.0.0.1
printf 'client one\n' >"$T/c1"
printf 'everybody\n' >"$T/g"
printf 'loopback client\n' >"$T/l1"
head -c 70000 /dev/urandom >"$T/local.bin"
chmod 644 "$T/local.bin"
printf 'host={{client.hostname}} role={{vars.role}} server={{server_url}}\n' >"$T/t1"
printf 'host={{client.hostname}}\n' >"$T/t2"
bc template add t1 --kind raw --file "$T/t1"
bc template add t2 --kind raw --file "$T/t2"
bc file add pxelinux.cfg/default --mac $MAC --content-file "$T/c1"
bc file add pxelinux.cfg/default --global --content-file "$T/g"
bc file add pxelinux.cfg/default --mac 02:00:00:00:00:01 --content-file "$T/l1"
bc file add kernel.bin --mac $MAC --local "$T/local.bin"
bc file add boot.cfg --mac $MAC --template t1
bc file add global.cfg --global --template t2
bc file add a.bin --global --content-file "$T/g"
bc file add remote.iso --global --url http://10.77.8.1:8080/x.iso

O=$T/out
mkdir "$O"
get() {	# get NS-RUNNER HOST FILE OUT: fetch with curl; fail unless it works
	$1 curl -sS --max-time 20 -o "$4" "tftp://$2/$3" 2>"$T/curl.err" ||
		fail "curl $2/$3: $(cat "$T/curl.err"); $(tail -2 "$T/tftpd.log")"
}
content() {	# content FILE WANT
	[ "$(cat "$1")" = "$2" ] || fail "$(basename "$1"): got '$(cat "$1")', want '$2'"
}

# The client behind the veth, known by the MAC in the neighbour table.
get nsx2 10.77.8.1 pxelinux.cfg/default "$O/c1"; content "$O/c1" "client one"
get nsx2 10.77.8.1 kernel.bin "$O/k"; same "$T/local.bin" "$O/k" "local file for $MAC"
get nsx2 10.77.8.1 boot.cfg "$O/b"
content "$O/b" "host=node1 role=worker server=http://10.77.8.1:8080"
get nsx2 10.77.8.1 global.cfg "$O/gt"; content "$O/gt" "host=node1"
get nsx2 10.77.8.1 a.bin "$O/a"; content "$O/a" "everybody"
get nsx2 10.77.8.1 default.cfg "$O/d"; content "$O/d" "disk default"
note "MAC from the neighbour table: its own content, local file and template, then global, then disk"

# Loopback: the client whose static address is 127.0.0.1.
get nsx 127.0.0.1 pxelinux.cfg/default "$O/l1"; content "$O/l1" "loopback client"
# global.cfg renders for that client too; boot.cfg is another client's only
get nsx 127.0.0.1 global.cfg "$O/lg"; content "$O/lg" "host=loop1"
nsx curl -s --max-time 10 -o "$O/x" tftp://127.0.0.1/boot.cfg && fail "another client's file was served"
nsx curl -s --max-time 10 -o "$O/x" tftp://127.0.0.1/kernel.bin && fail "another client's local file was served"
note "address in the database: that client's file; other clients' files are not served"

# A client merely seen at an address (last_ip, which a claimed MAC used to set) is
# not recognised there: only a neighbour entry or a static address identify.
bc client rm 02:00:00:00:00:01
db_sql "INSERT INTO clients (mac, last_ip, state, created, updated) VALUES ('02:00:00:00:00:02', '127.0.0.1', 'discovered', 0, 0)"
bc file add pxelinux.cfg/default --mac 02:00:00:00:00:02 --content-file "$T/l1"
get nsx 127.0.0.1 pxelinux.cfg/default "$O/u"; content "$O/u" "everybody"
bc client rm 02:00:00:00:00:02
note "last_ip alone: global files only"

# Once that client is gone, loopback is nobody: global files only; a template cannot render.
get nsx 127.0.0.1 pxelinux.cfg/default "$O/u"; content "$O/u" "everybody"
got=$(nsx $CLIENT oack 127.0.0.1 69 global.cfg | sed -n 1p)
case "$got" in "b'\\x00\\x05\\x00\\x00Cannot render file\\x00'") ;; *) fail "template without a client: $got";; esac
got=$(nsx $CLIENT oack 127.0.0.1 69 remote.iso | sed -n 1p)
# Nothing listens at the URL: ERROR 0 naming the upstream (tftpd-upstream.sh has more).
case "$got" in b?"\\x00\\x05\\x00\\x00upstream 10.77.8.1: "*) ;; *) fail "URL file over TFTP: $got";; esac
note "unknown client: global body; template error is ERROR 0; a refused upstream is ERROR 0"

# Edits while tftpd runs are seen at once.
printf 'changed\n' >"$T/c2"
bc file rm pxelinux.cfg/default --mac $MAC
bc file add pxelinux.cfg/default --mac $MAC --content-file "$T/c2"
bc file add late.txt --mac $MAC --content-file "$T/c2"
get nsx2 10.77.8.1 pxelinux.cfg/default "$O/c2"; content "$O/c2" "changed"
get nsx2 10.77.8.1 late.txt "$O/late"; content "$O/late" "changed"
note "files added and changed by bootctl are served without a reload"

# Events name the MAC of the client behind the veth.
sleep 0.3
n=$(db_sql "SELECT count(*) FROM events WHERE daemon = 'tftpd' AND kind = 'tftp-done' AND mac = '$MAC'")
[ "$n" -ge 8 ] || fail "only $n tftp-done events carry $MAC"
db_sql "SELECT detail FROM events WHERE kind = 'tftp-start' AND mac = '$MAC'" | grep -q 'boot.cfg (.* bytes from template t1)' ||
	fail "tftp-start does not say the file came from template t1"
note "$n tftp-done events carry $MAC"
alive
