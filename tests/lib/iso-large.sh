#!/bin/sh
# A 5 GiB ISO, sparse on disk: a small bootable ISO built by xorriso whose
# file tail.bin is moved, by rewriting its directory records and the
# volume size, to the last sectors of a 5 GiB file (offsets over 4 GiB,
# the LBA still in 32 bits). The import indexes tail.bin at its real
# offset (nb_iso_locate, the SHA-256 over all 5 GiB), and bootweb serves
# the ends of the ISO the way iPXE's sanboot reads them: single ranges
# near the end, across the 4 GiB line, a suffix range, past the end (416),
# and tail.bin by its path inside the ISO.
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/helpers/iso-lib.sh"
need_cmd sqlite3 curl
LOCATE=$top_builddir/tests/helpers/iso-locate
[ -x "$LOCATE" ] || fail "$LOCATE is not built (make check builds it)"

SIZE=5368709120				# 5 GiB: 2621440 sectors
TAIL_LBA=2621432			# tail.bin: the last 8 sectors (16 KiB)
TAIL_OFF=$((TAIL_LBA * 2048))		# 5368692736, over 4 GiB

iso_tree "$T/src" cdboot.bin=I tail.bin=B:16 'README.TXT=T:a large ISO\n'
make_iso_eltorito "$T/small.iso" "LARGE_5G" "$T/src" cdboot.bin
# Move tail.bin: every directory record naming its extent (ISO9660, Joliet)
# gets the new LBA (both byte orders), both volume descriptors the new
# volume size; then the data goes to its new place in the sparse file.
python3 - "$T/small.iso" "$T/large.iso" "$T/src/tail.bin" $TAIL_LBA $SIZE <<'EOF' ||
import struct, sys, shutil
small, large, tailf, lba, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
tail = open(tailf, "rb").read()
img = bytearray(open(small, "rb").read())
old = img.find(tail)
assert old > 0 and old % 2048 == 0, "tail.bin not found at a sector"
want = struct.pack("<I", old // 2048) + struct.pack(">I", old // 2048) + \
    struct.pack("<I", len(tail)) + struct.pack(">I", len(tail))
n = 0
pos = img.find(want)
while pos != -1:
    img[pos:pos + 8] = struct.pack("<I", lba) + struct.pack(">I", lba)
    n += 1
    pos = img.find(want, pos + 1)
assert n >= 1, "no directory record names tail.bin"
for vd in range(16, 32):
    o = vd * 2048
    if img[o + 1:o + 6] != b"CD001" or img[o] == 255:
        break
    if img[o] in (1, 2):
        img[o + 80:o + 88] = struct.pack("<I", size // 2048) + struct.pack(">I", size // 2048)
with open(large, "wb") as f:
    f.write(img)
    f.truncate(size)
    f.seek(lba * 2048)
    f.write(tail)
print(n)
EOF
	fail "cannot build the 5 GiB ISO"
[ "$(stat -c %s "$T/large.iso")" = $SIZE ] || fail "large.iso is not 5 GiB"
note "large.iso: $(du -k "$T/large.iso" | cut -f1) KiB on disk for $SIZE bytes"

"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
expect_rc 0 "$BOOTCTL" image detect "$T/large.iso" --json
[ "$(jget "$T/out" '"\(.kind) \(.iso_size) \(.sanboot_bios)"')" = "sanboot $SIZE true" ] ||
	fail "detect: $(cat "$T/out")"
start=$(date +%s)
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/large.iso" --name large
note "import of 5 GiB (SHA-256 of every byte): $(( $(date +%s) - start )) s"
[ "$(sqlite3 "$DB" "SELECT kind, iso_size FROM images WHERE name = 'large'")" = "sanboot|$SIZE" ] ||
	fail "image row: $(sqlite3 "$DB" "SELECT kind, iso_size FROM images WHERE name = 'large'")"
# The reference hash by Python's hashlib (OpenSSL: SHA-NI where the CPU has
# it, several times faster than sha256sum here).
[ "$(sqlite3 "$DB" "SELECT iso_sha256 FROM images WHERE name = 'large'")" = "$(python3 -c '
import hashlib, sys
h = hashlib.sha256()
with open(sys.argv[1], "rb") as f:
    for b in iter(lambda: f.read(1 << 20), b""):
        h.update(b)
print(h.hexdigest())' "$T/large.iso")" ] || fail "sha256 of the 5 GiB ISO"
# The index holds tail.bin at its offset over 4 GiB.
"$LOCATE" "$DB" large tail.bin "$T/located" >"$T/loc" 2>"$T/err" ||
	fail "nb_iso_locate tail.bin: $(cat "$T/err")"
read -r _ off len <"$T/loc"
[ "$off $len" = "$TAIL_OFF 16384" ] || fail "tail.bin located at $off ($len bytes), not $TAIL_OFF"
cmp -s "$T/located" "$T/src/tail.bin" || fail "the located bytes of tail.bin differ"

# --- over HTTP, as sanboot reads it
[ -x "$BOOTWEB" ] || skip "bootweb is not built"
[ "$(id -u)" = 0 ] || skip "the HTTP part needs root (bootweb drops to nobody)"
iso_bootweb large

# ref FROM COUNT: COUNT bytes of large.iso from byte FROM.
ref() { dd if="$T/large.iso" bs=2048 skip=$(($1 / 2048)) count=$(($2 / 2048)) 2>/dev/null; }
# range A-B WANT-CONTENT-RANGE: a 206 with that Content-Range and the ISO's bytes.
range() {
	curl -s -D "$T/h" -o "$T/got" -r "$1" "$U/iso/large.iso" || fail "GET range $1"
	grep -qi "^HTTP/1.1 206" "$T/h" || fail "range $1: $(head -1 "$T/h")"
	grep -qi "^Content-Range: bytes $2/$SIZE" "$T/h" ||
		fail "range $1: $(grep -i content-range "$T/h"), expected bytes $2/$SIZE"
}
# The last sectors, as a SAN read of the last blocks asks them.
range "$((SIZE - 16384))-$((SIZE - 1))" "$((SIZE - 16384))-$((SIZE - 1))"
ref $((SIZE - 16384)) 16384 | cmp -s - "$T/got" || fail "the last 16 KiB differ"
cmp -s "$T/got" "$T/src/tail.bin" || fail "the last 16 KiB are not tail.bin"
# An open range from the last sector, and a suffix range.
range "$((SIZE - 2048))-" "$((SIZE - 2048))-$((SIZE - 1))"
tail -c 2048 "$T/src/tail.bin" | cmp -s - "$T/got" || fail "the last sector differs"
range "-2048" "$((SIZE - 2048))-$((SIZE - 1))"
tail -c 2048 "$T/src/tail.bin" | cmp -s - "$T/got" || fail "suffix range differs"
# Across the 4 GiB line (zeros there, sparse): length and position.
range "4294965248-4294969343" "4294965248-4294969343"
[ "$(stat -c %s "$T/got")" = 4096 ] || fail "range across 4 GiB: $(stat -c %s "$T/got") bytes"
ref 4294965248 4096 | cmp -s - "$T/got" || fail "range across 4 GiB differs"
# Past the end: 416 with the size.
code=$(curl -s -D "$T/h" -o /dev/null -w '%{http_code}' -r "$SIZE-" "$U/iso/large.iso")
[ "$code" = 416 ] || fail "range past the end: status $code"
grep -qi "^Content-Range: bytes \*/$SIZE" "$T/h" || fail "416 without bytes */$SIZE"
# HEAD: the whole length, over 32 bits.
curl -sI -o "$T/h" "$U/iso/large.iso" || fail "HEAD /iso/large.iso"
grep -qi "^Content-Length: $SIZE" "$T/h" || fail "HEAD: $(grep -i content-length "$T/h")"
# tail.bin by its path: the extent over 4 GiB, sent from the right place.
curl -sf -o "$T/got" "$U/iso/large/tail.bin" || fail "GET /iso/large/tail.bin"
cmp -s "$T/got" "$T/src/tail.bin" || fail "/iso/large/tail.bin differs"
curl -sf -o "$T/got" -r 16000-16383 "$U/iso/large/tail.bin" || fail "range of tail.bin"
tail -c 384 "$T/src/tail.bin" | cmp -s - "$T/got" || fail "range of tail.bin differs"
note "5 GiB ISO: last sectors, 4 GiB crossing, suffix, 416 and tail.bin over HTTP match"
