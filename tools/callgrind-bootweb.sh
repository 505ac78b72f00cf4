#!/bin/sh
# callgrind-bootweb.sh: instructions bootweb executes per request, under
# valgrind --tool=callgrind. Unlike req/s on a shared machine, instruction
# counts repeat from run to run, so they show what a change saves.
# Two runs per URL (N1 and N2 keep-alive requests); the difference of
# their totals divided by N2 - N1 is the cost of one request, start-up
# and shutdown cancelled out. Not part of make check. Threads are counted
# apart (--separate-threads): "loop" is the event loop's, "writer" the
# write-behind queue's, whose cost per request moves from run to run
# with how many requests each 100 ms batch gathers.
# Usage: tools/callgrind-bootweb.sh [BUILDDIR]   (loopback only, bounded)
set -u
B=${1:-${top_builddir:-$(pwd)}}
BOOTWEB=$B/bootweb/bootweb
BOOTCTL=$B/bootctl/bootctl
N1=${N1:-100}
N2=${N2:-600}
for c in valgrind callgrind_annotate python3; do
	command -v $c >/dev/null || { echo "$c is missing (apt-get install valgrind python3)"; exit 77; }
done
[ -x "$BOOTWEB" ] || { echo "no $BOOTWEB: build first"; exit 1; }

T=$(mktemp -d /tmp/nbcg.XXXXXXXX)
VPID=""
cleanup() {
	[ -n "$VPID" ] && kill "$VPID" 2>/dev/null
	[ "${KEEP:-0}" = 1 ] || rm -rf "$T"
}
trap cleanup EXIT INT TERM
P=$((30000 + ($$ + 4001) % 10000))
MAC=52:54:00:be:0c:00

mkdir -p "$T/www/boot" "$T/ipxe"
echo kernel >"$T/www/boot/vmlinuz"
echo initrd >"$T/www/boot/initrd.gz"
head -c 4096 /dev/urandom >"$T/ipxe/snponly.efi"
cat >"$T/netboot.conf" <<EOT
database = $T/netboot.db
datadir = $T/www
user = nobody
[bootweb]
ipxe_dir = $T/ipxe
EOT
bc() { "$BOOTCTL" -f "$T/netboot.conf" "$@" >/dev/null; }
bc db init
bc image add debian --kernel boot/vmlinuz --initrd boot/initrd.gz \
    --cmdline 'auto=true priority=critical hostname={{client.hostname}}'
bc image add memtest --kind tool --kernel boot/vmlinuz
bc client add $MAC --hostname bench --ip 127.0.0.1 --image debian
bc settings set default_action image
chown -R nobody: "$T"
chmod 755 "$T"

ASUSER=
[ "$(id -u)" = 0 ] && ASUSER="setpriv --reuid=nobody --regid=nogroup --clear-groups"

# hit PATH N: N GET requests on one keep-alive connection, each checked.
hit() {
	python3 - "$P" "$1" "$2" <<'EOT'
import http.client, sys
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
for _ in range(n):
	c.request("GET", path)
	r = c.getresponse()
	r.read()
	if r.status != 200:
		sys.exit("%s: status %d" % (path, r.status))
EOT
}
# total PATH N: instructions of a whole bootweb run that served N requests.
total() {
	local out=$T/cg.out f all=0 loop=0 n
	rm -f "$out"*
	# As root, bootweb would drop to nobody and callgrind could not write its file.
	$ASUSER valgrind --tool=callgrind --vgdb=no --separate-threads=yes \
	    --callgrind-out-file="$out" "$BOOTWEB" -d \
	    -f "$T/netboot.conf" -l 127.0.0.1 -p $P -P 0 2>"$T/vg.log" &
	VPID=$!
	for _ in $(seq 100); do
		kill -0 $VPID 2>/dev/null || { echo "bootweb died: $(tail -3 "$T/vg.log")" >&2; exit 1; }
		python3 -c "import socket; socket.create_connection(('127.0.0.1', $P), 1)" \
		    2>/dev/null && break
		sleep 0.2
	done
	hit "$1" "$2" || { echo "requests failed: $(tail -3 "$T/vg.log")" >&2; kill $VPID; exit 1; }
	sleep 0.3	# one event flush after the last request
	kill -TERM $VPID; wait $VPID; VPID=""
	# "all loop": every thread's instructions, and the first thread's.
	for f in "$out"-*; do
		n=$(callgrind_annotate "$f" 2>/dev/null |
		    awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1; exit}')
		all=$((all + ${n:-0}))
		case $f in *-01) loop=${n:-0};; esac
	done
	echo "$all $loop"
}
printf '%-28s %14s %10s %10s\n' "request" "Ir/request" "loop" "writer"
for path in /boot.ipxe "/boot?mac=$MAC" /snponly.efi; do
	a=$(total "$path" $N1) && b=$(total "$path" $N2) || exit 1
	echo "$a $b" | awk -v n=$((N2 - N1)) -v p="$path" '{
		printf "%-28s %14.0f %10.0f %10.0f\n", p, ($3 - $1) / n,
		    ($4 - $2) / n, ($3 - $1 - $4 + $2) / n }'
done
