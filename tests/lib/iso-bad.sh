#!/bin/sh
# Bad input: files that are not ISOs, truncated ISOs, damaged directory
# records (a name longer than its record, a record crossing its sector,
# an extent past the end, a
# directory that contains itself), and an ISO that the directory parser
# accepts but libarchive rejects during the import's one pass. Each gets a
# clear message and exit 1 from both detect and import, and leaves the
# database and the data directory exactly as they were.
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/helpers/iso-lib.sh"
need_cmd sqlite3

"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
iso_tree "$T/src" casper/vmlinuz=K casper/initrd=B:200 casper/filesystem.squashfs=B:1500 \
	'.disk/info=T:Ubuntu 24.04 LTS "Noble Numbat" - Release amd64 (20240424)'
make_iso "$T/good.iso" "Ubuntu 24.04 LTS amd64" rr "$T/src"
rm -rf "$T/src"
# What the data directory holds, but for the ISOs under test and the test's own files.
snap() { ls -a "$T" | grep -v -e '^err$' -e '^out$' -e '^ls-before$' -e '\.iso$'; }
db_dump >"$T/db-before"
snap >"$T/ls-before"

# refuse FILE MESSAGE: detect and import both exit 1 saying MESSAGE, and change nothing.
refuse() {
	expect_rc 1 "$BOOTCTL" image detect "$1"
	expect_err "$2"
	expect_rc 1 "$BOOTCTL" -D "$DB" image import "$1" --name bad
	expect_err "$2"
	db_dump | cmp -s - "$T/db-before" || fail "$1: the database changed"
	snap | cmp -s - "$T/ls-before" ||
		fail "$1: files left behind: $(ls -a "$T")"
	rm -f "$1"
	note "refused $(basename "$1"): $(cat "$T/err")"
}

# patch FILE OFFSET HEXBYTES: overwrite bytes in place.
patch() {
	python3 -c 'import sys; f = open(sys.argv[1], "r+b"); f.seek(int(sys.argv[2])); f.write(bytes.fromhex(sys.argv[3]))' "$@"
}
# record_offset ISO DIRPATH NAME: byte offset of NAME's directory record in directory DIRPATH ("" for the root).
record_offset() {
	python3 - "$@" <<'EOF'
import struct, sys
iso, dirpath, name = sys.argv[1], sys.argv[2], sys.argv[3].encode()
f = open(iso, "rb")
def read(off, n):
    f.seek(off); return f.read(n)
pvd = read(16 * 2048, 2048)
lba, size = struct.unpack_from("<I", pvd, 156 + 2)[0], struct.unpack_from("<I", pvd, 156 + 10)[0]
def find(lba, size, want):
    buf, pos = read(lba * 2048, size), 0
    while pos < len(buf):
        n = buf[pos]
        if n == 0:
            pos = (pos // 2048 + 1) * 2048; continue
        nl = buf[pos + 32]
        if buf[pos + 33:pos + 33 + nl].split(b";")[0].rstrip(b".").lower() == want.lower():
            return lba * 2048 + pos, struct.unpack_from("<I", buf, pos + 2)[0], struct.unpack_from("<I", buf, pos + 10)[0]
        pos += n
    sys.exit("no record " + want.decode())
for part in [p for p in dirpath.split("/") if p]:
    _, lba, size = find(lba, size, part.encode())
print(find(lba, size, name)[0])
EOF
}

# Not ISOs at all.
head -c 1048576 /dev/urandom >"$T/random.iso"
refuse "$T/random.iso" "not an ISO9660 image"
printf 'hello\n' >"$T/text.iso"
refuse "$T/text.iso" "not an ISO9660 image"
: >"$T/empty.iso"
refuse "$T/empty.iso" "not an ISO9660 image"
expect_rc 1 "$BOOTCTL" image detect "$T/nosuch.iso"
expect_err "No such file"
expect_rc 1 "$BOOTCTL" image detect "$T"
expect_err "not a regular file"

# Truncated: in the middle, in the descriptors, and by the last sector only.
SIZE=$(stat -c %s "$T/good.iso")
head -c $((SIZE / 2)) "$T/good.iso" >"$T/half.iso"
refuse "$T/half.iso" "truncated ISO image"
head -c 33000 "$T/good.iso" >"$T/head.iso"
refuse "$T/head.iso" "not an ISO9660 image"
head -c $((SIZE - 2048)) "$T/good.iso" >"$T/short.iso"
refuse "$T/short.iso" "truncated ISO image"

# A record whose name is longer than the record.
cp "$T/good.iso" "$T/name.iso"
off=$(record_offset "$T/name.iso" casper vmlinuz) || fail "record_offset"
patch "$T/name.iso" $((off + 32)) ff
refuse "$T/name.iso" "bad directory record"

# A record longer than what is left of its sector (plain ISO9660 names:
# short records, so some sector ends with a record near its boundary).
mkdir -p "$T/src2"
for i in $(seq 1 150); do : >"$T/src2/f$i"; done
make_iso "$T/crossing.iso" "SHORT" plain "$T/src2"
rm -rf "$T/src2"
python3 - "$T/crossing.iso" <<'EOF2' || fail "no sector to patch in crossing.iso"
import struct, sys
f = open(sys.argv[1], "r+b")
f.seek(16 * 2048 + 156); r = f.read(34)
lba, size = struct.unpack_from("<I", r, 2)[0], struct.unpack_from("<I", r, 10)[0]
for s in range(size // 2048):
    f.seek((lba + s) * 2048); sec = f.read(2048)
    pos = last = 0
    while pos < 2048 and sec[pos]:
        last = pos; pos += sec[pos]
    if 2048 - last < 255:
        f.seek((lba + s) * 2048 + last); f.write(bytes([2048 - last + 1])); sys.exit(0)
sys.exit(1)
EOF2
refuse "$T/crossing.iso" "bad directory record"

# A file whose extent lies past the end of the image (both-endian LBA).
cp "$T/good.iso" "$T/extent.iso"
off=$(record_offset "$T/extent.iso" casper initrd) || fail "record_offset"
patch "$T/extent.iso" $((off + 2)) 00ffff0000ffff00
refuse "$T/extent.iso" "extends past the end"

# An ISO with no file at all: the index is empty (once qsort(NULL, 0),
# which UBSan reports), detection finds nothing, and that is all it says.
mkdir "$T/nothing"
make_iso "$T/nothing.iso" "EMPTY" rr "$T/nothing"
rmdir "$T/nothing"
refuse "$T/nothing.iso" "unknown ISO"
grep -q "runtime error" "$T/err" && fail "empty ISO: $(cat "$T/err")"

# A directory that contains itself: the walk stops, it does not loop.
cp "$T/good.iso" "$T/loop.iso"
off=$(record_offset "$T/loop.iso" "" casper) || fail "record_offset"
root=$(python3 -c "import struct; f=open('$T/loop.iso','rb'); f.seek(16*2048+158); print(f.read(4).hex())")
patch "$T/loop.iso" $((off + 2)) "$root"
refuse "$T/loop.iso" "nested too deep"

# The primary descriptor's file structure version (ECMA-119 8.4.31) is
# not 1: libarchive refuses it in the middle of the import's pass, after
# the temporary directory was made; it must be gone and no row written.
cp "$T/good.iso" "$T/libarchive.iso"
patch "$T/libarchive.iso" $((16 * 2048 + 881)) 07
expect_rc 0 "$BOOTCTL" image detect "$T/libarchive.iso"
expect_rc 1 "$BOOTCTL" -D "$DB" image import "$T/libarchive.iso" --name bad
expect_err "not a readable ISO9660 image"
db_dump | cmp -s - "$T/db-before" || fail "libarchive failure: the database changed"
snap | cmp -s - "$T/ls-before" || fail "libarchive failure: files left: $(ls -a "$T")"
note "refused libarchive.iso mid-pass: $(cat "$T/err")"

# And the good one still imports.
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/good.iso" --name good
[ -s "$T/good/vmlinuz" ] || fail "good import has no kernel"
