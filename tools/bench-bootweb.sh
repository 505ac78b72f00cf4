#!/bin/sh
# bench-bootweb.sh: bootweb against nginx on loopback, in one run.
#   bulk: a 64 MiB file and the 40 MiB Debian installer initrd (or 40 MiB of
#         random bytes without debian-installer-12-netboot-amd64), MB/s by curl
#   small: wrk on /boot.ipxe and on the per-client /boot?mac=... (a database
#         lookup, a decision, an event) against nginx serving a static file of
#         the same size. PAIRS runs of each, alternating which server goes
#         first; the ratio reported is the median of the per-pair ratios, so
#         a neighbour's load on this shared machine hits both sides alike.
#   idle RSS of bootweb
# Not part of make check. Usage: tools/bench-bootweb.sh [BUILDDIR]
# Everything stays on 127.0.0.1; every load run is bounded (DURATION s).
set -u
B=${1:-${top_builddir:-$(pwd)}}
BOOTWEB=$B/bootweb/bootweb
BOOTCTL=$B/bootctl/bootctl
DURATION=${DURATION:-3}
PAIRS=${PAIRS:-3}
CONNS=${CONNS:-50}
ROUNDS=${ROUNDS:-5}
for c in curl nginx wrk; do
	command -v $c >/dev/null || { echo "$c is missing (apt-get install $c)"; exit 77; }
done
[ -x "$BOOTWEB" ] || { echo "no $BOOTWEB: build first"; exit 1; }

T=$(mktemp -d /tmp/nbbench.XXXXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	[ -f "$T/nginx.pid" ] && kill "$(cat "$T/nginx.pid")" 2>/dev/null
	sleep 0.3
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
PB=$((30000 + $$ % 10000)); PN=$((PB + 2))
MAC=52:54:00:be:0c:00

mkdir -p "$T/www/boot" "$T/ipxe"
head -c $((64 * 1024 * 1024)) /dev/urandom >"$T/www/boot/big64"
DI=/usr/lib/debian-installer/images/12/amd64/text/debian-installer/amd64/initrd.gz
if [ -f "$DI" ]; then cp "$DI" "$T/www/boot/initrd.gz"; INITRD="Debian installer initrd.gz"
else head -c $((40 * 1024 * 1024)) /dev/urandom >"$T/www/boot/initrd.gz"; INITRD="40 MiB random (no debian-installer package)"; fi
echo kernel >"$T/www/boot/vmlinuz"
cat >"$T/netboot.conf" <<EOF
database = $T/netboot.db
datadir = $T/www
user = nobody
[bootweb]
ipxe_dir = $T/ipxe
EOF
"$BOOTCTL" -f "$T/netboot.conf" db init >/dev/null
"$BOOTCTL" -f "$T/netboot.conf" image add debian --kernel boot/vmlinuz --initrd boot/initrd.gz \
    --cmdline 'auto=true priority=critical hostname={{client.hostname}}' >/dev/null
"$BOOTCTL" -f "$T/netboot.conf" client add $MAC --hostname bench --ip 127.0.0.1 --image debian >/dev/null
"$BOOTCTL" -f "$T/netboot.conf" settings set default_action image >/dev/null
chown -R nobody: "$T"
chmod 755 "$T"

"$BOOTWEB" -d -f "$T/netboot.conf" -l 127.0.0.1 -p $PB -P 0 2>"$T/bootweb.log" &
BWPID=$!
PIDS="$PIDS $BWPID"
for _ in $(seq 50); do curl -sf -o /dev/null "http://127.0.0.1:$PB/boot.ipxe" && break; sleep 0.1; done
sleep 1
IDLE_RSS=$(awk '/VmRSS/ {print $2}' /proc/$BWPID/status)

# nginx, static files only, as the incumbent: same files, same loopback.
curl -s -o "$T/www/boot.ipxe" "http://127.0.0.1:$PB/boot.ipxe"
curl -s -o "$T/www/client.txt" "http://127.0.0.1:$PB/boot?mac=$MAC"
mkdir -p "$T/www/data"; ln -s ../boot "$T/www/data/boot"
NGW=${NGINX_WORKERS:-1}
cat >"$T/nginx.conf" <<EOF
worker_processes $NGW;
pid $T/nginx.pid;
error_log $T/nginx.err;
daemon on;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 1000000;
	default_type application/octet-stream;
	client_body_temp_path $T/ngtmp; proxy_temp_path $T/ngtmp;
	fastcgi_temp_path $T/ngtmp; uwsgi_temp_path $T/ngtmp; scgi_temp_path $T/ngtmp;
	server { listen 127.0.0.1:$PN; root $T/www; }
}
EOF
mkdir -p "$T/ngtmp"
nginx -c "$T/nginx.conf" || { echo "nginx did not start"; exit 1; }
sleep 0.5

# mbps URL: the best of ROUNDS downloads, in MB/s.
mbps() {
	local best=0 s i
	for i in $(seq $ROUNDS); do
		s=$(curl -s -o /dev/null -w '%{speed_download}' "$1")
		best=$(echo "$s $best" | awk '{print ($1 > $2) ? $1 : $2}')
	done
	echo "$best" | awk '{printf "%.0f", $1 / 1e6}'
}
# rps URL: requests per second by wrk, 1 thread, CONNS connections, DURATION seconds.
rps() {
	wrk -t1 -c$CONNS -d${DURATION}s "$1" 2>/dev/null | awk '/Requests\/sec/ {printf "%.0f", $2}'
}
ratio() { echo "$1 $2" | awk '{ if ($2 > 0) printf "%.2f", $1 / $2; else print "-" }'; }
# summ ROW...: a row of make bench's table (tools/bench.sh), if it runs us.
summ() {
	[ -z "${BENCH_SUMMARY:-}" ] ||
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}
median() { tr ' ' '\n' | grep . | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
# pairs BOOTWEB-URL NGINX-URL: PAIRS alternating wrk runs; prints "bootweb-median nginx-median median-ratio all-ratios".
pairs() {
	local i b n bs="" ns="" rs=""
	for i in $(seq $PAIRS); do
		if [ $((i % 2)) = 1 ]; then b=$(rps "$1"); n=$(rps "$2")
		else n=$(rps "$2"); b=$(rps "$1"); fi
		bs="$bs $b"; ns="$ns $n"; rs="$rs $(ratio "$b" "$n")"
	done
	echo "$(echo $bs | median) $(echo $ns | median) $(echo $rs | median) $(echo $rs | tr ' ' ',')"
}

echo "bootweb vs nginx ($NGW worker), loopback, $(nproc) cores shared; wrk -t1 -c$CONNS -d${DURATION}s, $PAIRS pairs, median"
B64=$(mbps "http://127.0.0.1:$PB/data/boot/big64"); N64=$(mbps "http://127.0.0.1:$PN/data/boot/big64")
printf '%-34s %10s %10s %6s\n' "" bootweb nginx ratio
printf '%-34s %10s %10s %6s\n' "64 MiB file, MB/s" "$B64" "$N64" "$(ratio "$B64" "$N64")"
summ bootweb "64 MiB file, MB/s (nginx)" "$B64" "$N64" \
    "$(ratio "$B64" "$N64")" \
    high ""
BI=$(mbps "http://127.0.0.1:$PB/data/boot/initrd.gz"); NI=$(mbps "http://127.0.0.1:$PN/data/boot/initrd.gz")
printf '%-34s %10s %10s %6s\n' "initrd, MB/s" "$BI" "$NI" "$(ratio "$BI" "$NI")"
summ bootweb "initrd, MB/s (nginx)" "$BI" "$NI" "$(ratio "$BI" "$NI")" high ""
set -- $(pairs "http://127.0.0.1:$PB/boot.ipxe" "http://127.0.0.1:$PN/boot.ipxe")
printf '%-34s %10s %10s %6s  (pairs %s)\n' "/boot.ipxe ($(stat -c %s "$T/www/boot.ipxe") B), req/s" "$1" "$2" "$3" "$4"
summ bootweb "/boot.ipxe req/s (nginx, static)" "$1" "$2" "$3" high ""
set -- $(pairs "http://127.0.0.1:$PB/boot?mac=$MAC" "http://127.0.0.1:$PN/client.txt")
printf '%-34s %10s %10s %6s  (pairs %s)\n' "/boot?mac= ($(stat -c %s "$T/www/client.txt") B), req/s" "$1" "$2" "$3" "$4"
summ bootweb "/boot?mac= req/s (nginx, static)" "$1" "$2" "$3" high ""
sleep 0.5
LOAD_RSS=$(awk '/VmRSS/ {print $2}' /proc/$BWPID/status)
echo "initrd: $INITRD"
echo "bootweb RSS: idle ${IDLE_RSS} KiB, after the load ${LOAD_RSS} KiB"
echo "events written: $(sqlite3 "$T/netboot.db" 'SELECT count(*) FROM events' 2>/dev/null)"
