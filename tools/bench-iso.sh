#!/bin/sh
# bench-iso.sh: ISO import and serving from inside the ISO, side by side
# with the incumbents, in one run:
#   import: `bootctl image import` of a 1 GiB synthetic Ubuntu-like ISO
#           (one pass: SHA-256, kernel and initrd, the file index) against
#           `bsdtar -xf` of the same ISO (what unpacking importers do):
#           wall time and extra disk used
#   serve:  a 500 MiB file inside the ISO, GET /iso/<image>/<path> from
#           bootweb (sendfile at the indexed offset), against the same
#           file as a plain file of the data directory (/data/...)
# Caches are warm for both sides (dropping them would slow the other users
# of this machine). Not part of make check. Usage: tools/bench-iso.sh [BUILDDIR]
# Everything stays on 127.0.0.1; every run is bounded (ROUNDS).
set -u
B=${1:-${top_builddir:-$(pwd)}}
BOOTCTL=$B/bootctl/bootctl
BOOTWEB=$B/bootweb/bootweb
ROUNDS=${ROUNDS:-3}
for c in xorriso bsdtar curl; do
	command -v $c >/dev/null || { echo "$c is missing (apt-get install $(cat "${top_srcdir:-.}/tools/deps/iso.txt" 2>/dev/null | grep -v '^#' | tr '\n' ' '))"; exit 77; }
done
[ -x "$BOOTCTL" ] || { echo "no $BOOTCTL: build first"; exit 1; }

T=$(mktemp -d /tmp/nbbench-iso.XXXXXXXX)
chmod 0755 "$T"
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.3
	rm -rf "$T"
}
trap cleanup EXIT INT TERM
now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l | xargs printf '%.2f'; }
kib() { du -sk "$1" | cut -f1; }

echo "building a 1 GiB synthetic ISO (Ubuntu layout)..."
S=$T/src
mkdir -p "$S/casper" "$S/.disk" "$S/pool/main"
python3 - "$S/casper/vmlinuz" <<'EOF'
import os, sys
b = bytearray(os.urandom(12 << 20)); b[0x202:0x206] = b"HdrS"; b[0x206:0x208] = (0x20f).to_bytes(2, "little"); b[0x236] = 1
open(sys.argv[1], "wb").write(b)
EOF
head -c $((60 << 20)) /dev/urandom >"$S/casper/initrd"
head -c $((500 << 20)) /dev/urandom >"$S/casper/filesystem.squashfs"
head -c $((380 << 20)) /dev/urandom >"$S/casper/extras.squashfs"
i=0
while [ $i -lt 2000 ]; do head -c $(( (i % 61 + 4) * 1024 )) /dev/urandom >"$S/pool/main/pkg$i.deb"; i=$((i + 1)); done
echo 'Ubuntu 24.04 LTS "Noble Numbat" - Release amd64 (20240424)' >"$S/.disk/info"
xorriso -as mkisofs -quiet -R -J -V "Ubuntu 24.04 LTS amd64" -o "$T/big.iso" "$S" 2>/dev/null ||
	{ echo "xorriso failed"; exit 1; }
rm -rf "$S"
ISOSIZE=$(stat -c %s "$T/big.iso")
echo "ISO: $((ISOSIZE >> 20)) MiB, $(xorriso -indev "$T/big.iso" -find / -type f 2>/dev/null | wc -l) files"
cat "$T/big.iso" >/dev/null	# warm the cache for both sides

mkdir -p "$T/data" "$T/x"
"$BOOTCTL" -D "$T/data/netboot.db" db init >/dev/null
base=$(kib "$T/data")
best_imp=999999; best_tar=999999
r=1
while [ $r -le "$ROUNDS" ]; do
	"$BOOTCTL" -D "$T/data/netboot.db" image rm big >/dev/null 2>&1
	rm -rf "$T/data/big"
	t0=$(now); "$BOOTCTL" -D "$T/data/netboot.db" image import "$T/big.iso" --name big >/dev/null ||
		{ echo "import failed"; exit 1; }; t1=$(now)
	s=$(secs "$t0" "$t1"); [ "$(echo "$s < $best_imp" | bc)" = 1 ] && best_imp=$s
	rm -rf "$T/x"; mkdir "$T/x"
	t0=$(now); bsdtar -xf "$T/big.iso" -C "$T/x" || { echo "bsdtar failed"; exit 1; }; t1=$(now)
	s=$(secs "$t0" "$t1"); [ "$(echo "$s < $best_tar" | bc)" = 1 ] && best_tar=$s
	r=$((r + 1))
done
imp_disk=$(( $(kib "$T/data") - base ))
tar_disk=$(kib "$T/x")
rm -rf "$T/x"
sha=$(( $(date +%s%N) )); sha256sum "$T/big.iso" >/dev/null; sha=$(( ($(date +%s%N) - sha) / 1000000 ))
echo
echo "import of a $((ISOSIZE >> 20)) MiB ISO (best of $ROUNDS, warm cache)"
printf '  %-34s %8s s  %8s MiB extra disk\n' "bootctl image import (1 pass+sha256)" "$best_imp" "$((imp_disk / 1024))"
printf '  %-34s %8s s  %8s MiB extra disk\n' "bsdtar -xf" "$best_tar" "$((tar_disk / 1024))"
printf '  %-34s %8s s\n' "(sha256sum of the ISO alone)" "$(echo "$sha / 1000" | bc -l | xargs printf '%.2f')"
echo "  ratios: time $(echo "$best_imp / $best_tar" | bc -l | xargs printf '%.2f')x bsdtar, disk $(echo "$imp_disk / $tar_disk" | bc -l | xargs printf '%.3f')x bsdtar"
# summ ROW...: a row of make bench's table (tools/bench.sh), if it runs us.
summ() {
	[ -z "${BENCH_SUMMARY:-}" ] ||
		printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >>"$BENCH_SUMMARY"
}
summ iso "import of the ISO, s (bsdtar -xf)" "$best_imp" "$best_tar" \
    "$(echo "$best_imp / $best_tar" | bc -l | xargs printf '%.2f')" low ""
summ iso "extra disk, MiB (bsdtar -xf)" "$((imp_disk / 1024))" \
    "$((tar_disk / 1024))" \
    "$(echo "$imp_disk / $tar_disk" | bc -l | xargs printf '%.3f')" low ""

if [ ! -x "$BOOTWEB" ] || [ "$(id -u)" != 0 ]; then
	echo "serve: skipped (bootweb not built, or not root)"
	exit 0
fi
xorriso -osirrox on -indev "$T/big.iso" -extract /casper/filesystem.squashfs "$T/data/plain.squashfs" >/dev/null 2>&1
mkdir -p "$T/ipxe"
PORT=$((30000 + $$ % 10000))
printf 'database = %s\nuser = nobody\n[bootweb]\nipxe_dir = %s\n' "$T/data/netboot.db" "$T/ipxe" >"$T/netboot.conf"
chown -R nobody: "$T"
"$BOOTWEB" -d -f "$T/netboot.conf" -l 127.0.0.1 -p $PORT -P $((PORT + 1)) >"$T/bootweb.log" 2>&1 &
PIDS="$PIDS $!"
n=0; until curl -sf -o /dev/null -r 0-0 "http://127.0.0.1:$PORT/data/plain.squashfs"; do
	n=$((n + 1)); [ $n -gt 50 ] && { echo "bootweb did not start: $(cat "$T/bootweb.log")"; exit 1; }; sleep 0.1; done
speed() {	# best MB/s of ROUNDS GETs of URL
	local best=0 s r=1
	while [ $r -le "$ROUNDS" ]; do
		s=$(curl -sf -o /dev/null -w '%{speed_download}' "$1") || { echo "GET $1 failed" >&2; echo 0; return; }
		[ "$(echo "$s > $best" | bc)" = 1 ] && best=$s
		r=$((r + 1))
	done
	echo "$best / 1048576" | bc -l | xargs printf '%.0f'
}
iso=$(speed "http://127.0.0.1:$PORT/iso/big/casper/filesystem.squashfs")
plain=$(speed "http://127.0.0.1:$PORT/data/plain.squashfs")
echo
echo "serving a 500 MiB file over HTTP on loopback (curl, best of $ROUNDS)"
printf '  %-34s %8s MiB/s\n' "bootweb /iso/big/casper/...squashfs" "$iso" "bootweb /data/plain.squashfs" "$plain"
echo "  ratio: $(echo "$iso / $plain" | bc -l | xargs printf '%.2f')x the plain file"
summ iso "file inside the ISO, MiB/s (plain file)" "$iso" "$plain" \
    "$(echo "$iso / $plain" | bc -l | xargs printf '%.2f')" high ""
