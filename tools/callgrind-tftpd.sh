#!/bin/sh
# tools/callgrind-tftpd.sh [BUILDDIR]: instructions and system calls per
# block of tftpd, tftpd-hpa (in.tftpd) and atftpd serving the same 8 MiB at
# blksize 512 in lockstep, in a private network namespace. Instruction
# counts (valgrind --tool=callgrind) repeat from run to run where wall time
# on a shared machine does not. tftpd and atftpd are counted from a zeroed
# counter to a dump around the transfer; tftpd-hpa serves from a forked
# child, whose whole life is the transfer. tftpd's write-behind queue is
# a forked process (its database work: events written, its connection
# opened): counted apart over the same window, on its own line. System
# calls: strace -c -f attached during a transfer. Not part of make check;
# run as root.
set -u
B=$(cd "${1:-.}" && pwd)
[ "$(id -u)" = 0 ] || { echo "callgrind-tftpd: run as root" >&2; exit 1; }
for c in valgrind callgrind_annotate callgrind_control strace atftp in.tftpd; do
	command -v $c >/dev/null || { echo "callgrind-tftpd: $c missing" >&2; exit 77; }
done
make -C "$B" -s tftpd/tftpd || exit 1
W=$(mktemp -d /tmp/callgrind-tftpd.XXXXXX)
chmod 755 "$W"
NS=cgtftp$$
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.5
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	ip netns delete "$NS" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS" && ip -n "$NS" link set lo up || exit 1
ip -n "$NS" link add ct0 type veth peer name ct1 && ip -n "$NS" addr add 10.212.0.1/24 dev ct0 &&
    ip -n "$NS" link set ct0 up && ip -n "$NS" link set ct1 up || exit 1
ATFTPD=$(command -v atftpd)
if [ -z "$ATFTPD" ]; then
	(cd "$W" && apt-get download -q atftpd >/dev/null 2>&1 && dpkg-deb -x atftpd_*.deb atftpd) ||
		{ echo "callgrind-tftpd: cannot get atftpd" >&2; exit 1; }
	ATFTPD=$W/atftpd/usr/sbin/atftpd
fi
mkdir -p "$W/root" "$W/cg"
head -c 8388608 /dev/urandom >"$W/root/8m"
# in.tftpd -s chroots its child: the child's profile goes to the same path inside the root.
mkdir -p "$W/root$W/cg"
chmod -R 777 "$W/cg" "$W/root$W/cg"
chmod -R a+rX "$W/root"
# Root keeps its privileges here: valgrind writes its profile at exit.
printf 'database = %s/netboot.db\nuser = root\n' "$W" >"$W/netboot.conf"
BLOCKS=16385

# serve NAME WRAPPER...: start a server (its PID in $SPID) under an optional wrapper.
serve() {
	local name=$1; shift
	case $name in
	tftpd) set -- "$@" "$B/tftpd/tftpd" -d -f "$W/netboot.conf" -l 127.0.0.1 -p 1069 "$W/root";;
	hpa) set -- "$@" in.tftpd -L -a 127.0.0.1:1069 -u root -s "$W/root";;
	atftpd) set -- "$@" "$ATFTPD" --daemon --no-fork --port 1069 --bind-address 127.0.0.1 \
	    --user root --group root --logfile /dev/null "$W/root";;
	esac
	ip netns exec "$NS" "$@" >"$W/$name.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	sleep 3
}
get() {
	ip netns exec "$NS" atftp --option "blksize 512" -g -r 8m -l "$W/out" 127.0.0.1 1069 \
	    >/dev/null 2>&1
	[ "$(stat -c %s "$W/out" 2>/dev/null)" = 8388608 ] || echo "callgrind-tftpd: transfer failed" >&2
}
stop() { kill "$SPID"; sleep 3; }
total() { callgrind_annotate "$1" 2>/dev/null | awk '/PROGRAM TOTALS/ {gsub(",", "", $1); print $1}'; }

printf '%-8s %14s %10s %10s\n' server instructions "instr/blk" "calls/blk"
for s in tftpd hpa atftpd; do
	serve $s valgrind --tool=callgrind --trace-children=yes \
	    --callgrind-out-file="$W/cg/$s.%p.out"
	# tftpd's child once it has started: its queue's writer.
	kids=
	if [ $s = tftpd ]; then
		for _ in $(seq 60); do
			grep -q started "$W/$s.log" && break
			sleep 0.5
		done
		kids=$(ps -o pid= --ppid "$SPID" | tr -d ' ')
	fi
	for p in $SPID $kids; do
		[ $s != hpa ] && callgrind_control -z "$p" >/dev/null 2>&1
	done
	get
	sleep 1
	for p in $SPID $kids; do
		[ $s != hpa ] && callgrind_control -d "$p" >/dev/null 2>&1
	done
	stop
	if [ $s = hpa ]; then
		f=$(ls "$W/root$W/cg"/hpa.*.out | head -1)
	else
		f=$W/cg/$s.$SPID.out.1
	fi
	ir=$(total "$f")
	wir=
	for p in $kids; do
		wir=$(total "$W/cg/$s.$p.out.1")
	done
	serve $s
	strace -f -c -o "$W/$s.strace" -p "$SPID" 2>/dev/null &
	sp=$!
	sleep 0.5
	get
	sleep 0.5
	kill -INT $sp
	wait $sp
	stop
	calls=$(awk '$NF == "total" {print $4}' "$W/$s.strace")
	printf '%-8s %14s %10.0f %10.2f\n' $s "$ir" "$(echo "${ir:-0} / $BLOCKS" | bc -l)" \
	    "$(echo "${calls:-0} / $BLOCKS" | bc -l)"
	sed -n '3,8p' "$W/$s.strace" | awk '$4 > 1000 {printf "    %-14s %.2f/blk\n", $NF, $4 / 16385}'
	if [ -n "$wir" ]; then
		printf '%-8s %14s %10.0f   (%s)\n' "  writer" "$wir" \
		    "$(echo "$wir / $BLOCKS" | bc -l)" \
		    "the queue's process: its connection, the events"
	fi
done
