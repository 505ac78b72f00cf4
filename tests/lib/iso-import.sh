#!/bin/sh
# bootctl image import: the image row (family, version, arch, kernel,
# initrds, command line, ISO path, sha256, size), the kernel and initrds
# in the data directory equal to what xorriso -osirrox extracts, and
# nb_iso_locate's extent of every file of the ISO equal, byte for byte, to
# the same file extracted by xorriso -- for Rock Ridge, Joliet-only and
# plain ISO9660 names. Refusals (name taken, missing template, Windows
# without wimboot) leave nothing behind. When bootweb is built, the same
# files over HTTP from /iso/<image>/<path> and the whole ISO with ranges.
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/helpers/iso-lib.sh"
need_cmd sqlite3 sha256sum
LOCATE=$top_builddir/tests/helpers/iso-locate
[ -x "$LOCATE" ] || fail "$LOCATE is not built (make check builds it)"

"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
q() { sqlite3 "$DB" "$1"; }
leftovers() { find "$T" -maxdepth 1 -name '.import-*' | grep -q . && fail "a temporary directory is left: $(ls -a "$T")"; return 0; }

# check_index ISO IMAGE: every regular file of the ISO, located through
# nb_iso_locate (asked in lower case when asked is "lower"), equals xorriso's copy.
check_index() {
	local iso=$1 image=$2 asked=${3:-same} f p count=0
	xorriso -indev "$iso" -find / -not -type d 2>/dev/null | sed "s/^'//; s/'$//; s|^/||" >"$T/files"
	[ -s "$T/files" ] || fail "xorriso lists no files in $iso"
	while IFS= read -r f; do
		p=$f
		[ "$asked" = lower ] && p=$(printf '%s' "$f" | tr 'A-Z' 'a-z')
		"$LOCATE" "$DB" "$image" "$p" "$T/located" >"$T/loc" 2>"$T/err" ||
			fail "nb_iso_locate $image '$p': $(cat "$T/err")"
		read -r where _ _ <"$T/loc"
		[ "$where" = "$(realpath "$iso")" ] || fail "$p located in '$where', not in $iso"
		iso_extract "$iso" "$f" "$T/extracted"
		cmp -s "$T/located" "$T/extracted" || fail "$image: extent of '$p' differs from xorriso's copy"
		count=$((count + 1))
	done <"$T/files"
	[ "$(q "SELECT count(*) FROM iso_files WHERE image = '$image'")" = "$count" ] ||
		fail "$image: the index has $(q "SELECT count(*) FROM iso_files WHERE image = '$image'") files, the ISO $count"
	note "$image: the extents of all $count files match xorriso's copies"
}

# --- an Ubuntu ISO with Rock Ridge + Joliet, a few MiB, nested and odd names
iso_tree "$T/src-ubu" casper/vmlinuz=K casper/initrd=B:700 casper/filesystem.squashfs=B:3000 \
	'.disk/info=T:Ubuntu 24.04 LTS "Noble Numbat" - Release amd64 (20240424)' \
	'pool/main/l/linux/linux-image 6.8_amd64.deb=B:64' 'dists/noble/Release=T:Suite: noble\n' \
	a/b/c/d/e/f/g/h/i/deep.txt=T:deep empty=T: 'boot/grub/grub.cfg=T:menuentry x {\n linux /casper/vmlinuz\n}\n' \
	'ünïcode/ñame.txt=T:utf8' "long/$(printf 'n%.0s' $(seq 1 150)).txt=T:long"
make_iso "$T/ubuntu.iso" "Ubuntu 24.04 LTS amd64" rr "$T/src-ubu"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --name ubu
expect_out "imported ubu: ubuntu 24.04 x86_64 (linux)"
# One count of the files indexed: the index's, in text as in --json.
n=$(q "SELECT count(*) FROM iso_files WHERE image = 'ubu'")
expect_out ", $n files indexed,"
row=$(q "SELECT kind, distro, version, arch, kernel, initrds, iso_path, iso_sha256, iso_size FROM images WHERE name = 'ubu'")
want="linux|ubuntu|24.04|x86_64|ubu/vmlinuz|[\"ubu/initrd\"]|$T/ubuntu.iso|$(sha256sum "$T/ubuntu.iso" | cut -d' ' -f1)|$(stat -c %s "$T/ubuntu.iso")"
[ "$row" = "$want" ] || fail "image row:
  got  $row
  want $want"
[ "$(q "SELECT cmdline FROM images WHERE name = 'ubu'")" = 'boot=casper live-media-path=casper ip=dhcp url={{image.iso_url}} cloud-config-url=/dev/null{{#unattended_url}} autoinstall ds=nocloud-net;s={{unattended_url}}{{/unattended_url}}' ] ||
	fail "cmdline: $(q "SELECT cmdline FROM images WHERE name = 'ubu'")"
iso_extract "$T/ubuntu.iso" casper/vmlinuz "$T/k"
cmp -s "$T/k" "$T/ubu/vmlinuz" || fail "extracted kernel differs from xorriso's"
iso_extract "$T/ubuntu.iso" casper/initrd "$T/i"
cmp -s "$T/i" "$T/ubu/initrd" || fail "extracted initrd differs from xorriso's"
[ "$(ls "$T/ubu" | wc -l)" = 2 ] || fail "data directory holds more than kernel and initrd: $(ls "$T/ubu")"
leftovers
note "ubuntu: row, sha256, size, kernel and initrd: ok"
check_index "$T/ubuntu.iso" ubu
"$LOCATE" "$DB" ubu casper/nosuch 2>"$T/err" && fail "a missing file was located"
grep -q "has no file casper/nosuch" "$T/err" || fail "missing file: $(cat "$T/err")"
"$LOCATE" "$DB" nosuch casper/vmlinuz 2>/dev/null && fail "a file of a missing image was located"

# --- refusals leave the database and the data directory as they were
db_dump >"$T/before"
ls -a "$T" >"$T/ls-before"
expect_rc 1 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --name ubu
expect_err "image 'ubu' exists already"
expect_rc 1 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --name ubu2 --template nosuch
expect_err "nosuch"
mkdir "$T/taken"
expect_rc 1 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --name taken
expect_err "$T/taken exists already"
rmdir "$T/taken"
expect_rc 2 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --name ../x
expect_rc 2 "$BOOTCTL" -D "$DB" image import
expect_rc 2 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --bogus
db_dump | cmp -s - "$T/before" || fail "a refused import changed the database"
ls -a "$T" | cmp -s - "$T/ls-before" || fail "a refused import left files: $(ls -a "$T")"
note "refusals: nothing changed"

# --- a template, and the default name family-version-arch
printf 'user-data\n' >"$T/ud"
"$BOOTCTL" -D "$DB" template add auto --kind autoinstall --file "$T/ud" >/dev/null 2>&1 ||
	q "INSERT INTO templates (name, kind, body, updated) VALUES ('auto', 'autoinstall', 'x', 0)"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --template auto --json
[ "$(jget "$T/out" .name)" = ubuntu-24.04-x86_64 ] || fail "default name: $(cat "$T/out")"
[ "$(jget "$T/out" .template)" = auto ] || fail "template not recorded: $(cat "$T/out")"
[ "$(jget "$T/out" .files_indexed)" = "$(q "SELECT count(*) FROM iso_files WHERE image = 'ubu'")" ] ||
	fail "files_indexed: $(cat "$T/out")"
created=$(q "SELECT created FROM images WHERE name = 'ubuntu-24.04-x86_64'")
[ "$created" -gt 0 ] && [ "$(jget "$T/out" .created)" = "$created" ] ||
	fail "created: $(jget "$T/out" .created), stored $created"

# --- Joliet-only and plain ISO9660 names
iso_tree "$T/src-fed" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=B:300 LiveOS/squashfs.img=B:1500 \
	EFI/BOOT/grub.cfg=T:x isolinux/isolinux.cfg=T:x
make_iso "$T/fed-joliet.iso" "Fedora-WS-Live-40-1-14" joliet "$T/src-fed"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/fed-joliet.iso" --name fedj
check_index "$T/fed-joliet.iso" fedj
make_iso "$T/fed-plain.iso" "Fedora-WS-Live-40-1-14" plain "$T/src-fed"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/fed-plain.iso" --name fedp
# Installers ask for livenet paths in lower case: found ignoring case.
check_index "$T/fed-plain.iso" fedp lower
[ "$(q "SELECT kernel FROM images WHERE name = 'fedp'")" = fedp/VMLINUZ ] ||
	fail "plain kernel name: $(q "SELECT kernel FROM images WHERE name = 'fedp'")"

# --- Windows: wimboot comes from the wimboot.path setting
iso_tree "$T/src-win" bootmgr=I boot/bcd=I boot/boot.sdi=I sources/boot.wim=B:1024 sources/install.wim=B:512
make_iso "$T/win.iso" "CCCOMA_X64FRE_EN-US_DV9" joliet "$T/src-win"
db_dump >"$T/before"
expect_rc 1 "$BOOTCTL" -D "$DB" image import "$T/win.iso" --name win
expect_err "wimboot.path"
db_dump | cmp -s - "$T/before" || fail "a refused Windows import changed the database"
[ ! -e "$T/win" ] || fail "a refused Windows import left files"
leftovers
head -c 4096 /dev/urandom >"$T/wimboot.bin"
"$BOOTCTL" -D "$DB" settings set wimboot.path "$T/wimboot.bin" >/dev/null 2>&1 ||
	q "INSERT INTO settings (key, value) VALUES ('wimboot.path', '$T/wimboot.bin')"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/win.iso" --name win
[ "$(q "SELECT kind, kernel, initrds FROM images WHERE name = 'win'")" = \
	'windows|win/wimboot|["win/bootmgr","win/bcd","win/boot.sdi","win/boot.wim"]' ] ||
	fail "windows row: $(q "SELECT kind, kernel, initrds FROM images WHERE name = 'win'")"
cmp -s "$T/wimboot.bin" "$T/win/wimboot" || fail "wimboot not copied"
iso_extract "$T/win.iso" sources/boot.wim "$T/w"
cmp -s "$T/w" "$T/win/boot.wim" || fail "boot.wim differs"

# --- whole-ISO boot (sanboot) and the real iPXE ISO
iso_tree "$T/src-bsd" boot/kernel/kernel=I boot/loader=I boot/cdboot=I
make_iso_eltorito "$T/bsd.iso" "14_0_RELEASE_AMD64_CD" "$T/src-bsd" boot/cdboot
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/bsd.iso" --name bsd
[ "$(q "SELECT kind, kernel IS NULL, iso_path FROM images WHERE name = 'bsd'")" = "sanboot|1|$T/bsd.iso" ] ||
	fail "sanboot row: $(q "SELECT kind, kernel, iso_path FROM images WHERE name = 'bsd'")"
# Without --name, an ISO no family matched is named after its file (it
# was "unknown", so the second one failed).
iso_tree "$T/src-some" boot/eltorito.bin=I README.TXT=T:hello
make_iso_eltorito "$T/Other disc.iso" "SOMEDISK" "$T/src-some" boot/eltorito.bin
cp "$T/Other disc.iso" "$T/second.ISO"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/Other disc.iso"
expect_out "imported Other-disc: unknown"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/second.ISO"
expect_out "imported second: unknown"
n=$(q "SELECT count(*) FROM images WHERE name IN ('Other-disc', 'second')")
[ "$n" = 2 ] ||
	fail "undetected ISOs: $(q "SELECT name FROM images")"
if [ -f /usr/lib/ipxe/ipxe.iso ]; then
	expect_rc 0 "$BOOTCTL" -D "$DB" image import /usr/lib/ipxe/ipxe.iso --name ipxe
	iso_extract /usr/lib/ipxe/ipxe.iso ipxe.krn "$T/x"
	cmp -s "$T/x" "$T/ipxe/ipxe.krn" || fail "ipxe.krn differs"
	check_index /usr/lib/ipxe/ipxe.iso ipxe
fi
# Memtest86+'s own ISO: its .efi is the kernel; --cmdline replaces the
# detected (empty) command line.
MT=/usr/lib/memtest86+/memtest86+x64.iso
if [ -f $MT ]; then
	expect_rc 0 "$BOOTCTL" -D "$DB" image import $MT --name memtest --cmdline 'console=ttyS0,115200'
	expect_out "imported memtest: memtest86+ 6.10 x86_64 (tool)"
	[ "$(q "SELECT kind, kernel, initrds, cmdline FROM images WHERE name = 'memtest'")" = \
	    'tool|memtest/bootx64.efi|[]|console=ttyS0,115200' ] ||
		fail "memtest86+ row: $(q "SELECT kind, kernel, initrds, cmdline FROM images WHERE name = 'memtest'")"
	iso_extract $MT EFI/BOOT/bootx64.efi "$T/x"
	cmp -s "$T/x" "$T/memtest/bootx64.efi" || fail "bootx64.efi differs"
	check_index $MT memtest
fi
leftovers

# --- a zisofs-compressed file cannot be sent as it lies: it stays out of the index
iso_tree "$T/src-z" boot/k=K 'isolinux.cfg=T:LABEL x\n KERNEL /boot/k\n'
head -c 100000 /dev/zero >"$T/src-z/zeros"
xorriso -outdev "$T/z.iso" -blank as_needed -map "$T/src-z" / -zisofs default \
	-set_filter_r --zisofs /zeros -- >/dev/null 2>&1 || fail "xorriso zisofs"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/z.iso" --name z
"$LOCATE" "$DB" z boot/k >/dev/null || fail "boot/k of z.iso not located"
"$LOCATE" "$DB" z zeros >/dev/null 2>&1 && fail "a zisofs file was indexed"
leftovers

# --- over HTTP: bootweb serves the files of the ISO and the ISO itself
if [ ! -x "$BOOTWEB" ]; then
	note "SKIP HTTP part: bootweb is not built"
	exit 0
fi
[ "$(id -u)" = 0 ] || { note "SKIP HTTP part: needs root (bootweb drops to nobody)"; exit 0; }
iso_bootweb ubu
for f in casper/vmlinuz casper/filesystem.squashfs 'pool/main/l/linux/linux-image 6.8_amd64.deb' \
    a/b/c/d/e/f/g/h/i/deep.txt empty; do
	iso_extract "$T/ubuntu.iso" "$f" "$T/ref"
	curl -sf -o "$T/got" "$U/iso/ubu/$(printf '%s' "$f" | sed 's/ /%20/g')" ||
		fail "GET /iso/ubu/$f failed"
	cmp -s "$T/got" "$T/ref" || fail "/iso/ubu/$f differs from xorriso's copy"
done
iso_extract "$T/fed-plain.iso" IMAGES/PXEBOOT/INITRD.IMG "$T/ref"
curl -sf -o "$T/got" "$U/iso/fedp/images/pxeboot/initrd.img" || fail "GET in lower case failed"
cmp -s "$T/got" "$T/ref" || fail "/iso/fedp/images/pxeboot/initrd.img differs"
# A range inside a file of the ISO, and of the whole ISO (sanboot reads by ranges).
iso_extract "$T/ubuntu.iso" casper/filesystem.squashfs "$T/ref"
curl -sf -r 1000000-1000999 -o "$T/got" "$U/iso/ubu/casper/filesystem.squashfs" || fail "range GET failed"
tail -c +1000001 "$T/ref" | head -c 1000 | cmp -s - "$T/got" || fail "range of a file in the ISO differs"
curl -sf -o "$T/got" "$U/iso/ubu.iso" || fail "GET /iso/ubu.iso failed"
cmp -s "$T/got" "$T/ubuntu.iso" || fail "/iso/ubu.iso differs from the ISO"
curl -sf -r 32768-34815 -o "$T/got" "$U/iso/bsd.iso" || fail "range of the whole ISO failed"
tail -c +32769 "$T/bsd.iso" | head -c 2048 | cmp -s - "$T/got" || fail "ISO range differs"
# iPXE's SAN over HTTP starts with HEAD, then ranges (BIOS: not from 0):
# the HEAD is the event of a whole-ISO boot, the ranges add none.
curl -sfI -o /dev/null "$U/iso/bsd.iso" || fail "HEAD /iso/bsd.iso failed"
heads() { [ "$(q "SELECT count(*) FROM events WHERE kind = 'http-iso' AND detail = 'opened (HEAD) /iso/bsd.iso'")" = "$1" ]; }
wait_for 5 heads 1 || fail "no http-iso event for the HEAD of /iso/bsd.iso"
[ "$(q "SELECT count(*) FROM events WHERE detail LIKE '%/iso/bsd.iso'")" = 1 ] ||
	fail "events of /iso/bsd.iso: $(q "SELECT kind, detail FROM events WHERE detail LIKE '%/iso/bsd.iso'")"
code=$(curl -s -o /dev/null -w '%{http_code}' "$U/iso/ubu/casper/nosuch")
[ "$code" = 404 ] || fail "missing file in the ISO: status $code"
code=$(curl -s --path-as-is -o /dev/null -w '%{http_code}' "$U/iso/ubu/../ubu.iso")
[ "$code" != 200 ] || fail "traversal inside /iso answered 200"
note "HTTP: files inside the ISO, ranges and the whole ISO match"

# --- image rm of an imported image takes its kernel and initrds along;
# one in use by a client stays, files and all.
kill "$(cat "$T/bootweb.pid")" 2>/dev/null
"$BOOTCTL" -D "$DB" client add 52:54:00:00:00:aa --image ubu >/dev/null || fail "client add"
expect_rc 1 "$BOOTCTL" -D "$DB" image rm ubu
[ -f "$T/ubu/vmlinuz" ] || fail "a refused image rm removed the kernel"
"$BOOTCTL" -D "$DB" client rm 52:54:00:00:00:aa >/dev/null || fail "client rm"
expect_rc 0 "$BOOTCTL" -D "$DB" image rm ubu
[ -e "$T/ubu" ] && fail "image rm left $T/ubu behind"
[ "$(q "SELECT count(*) FROM iso_files WHERE image = 'ubu'")" = 0 ] || fail "index rows left"
[ -f "$T/ubuntu.iso" ] || fail "image rm removed the ISO itself"
note "image rm: row, index and extracted files gone, ISO kept"

# --- A killed import leaves its .import-* directory (never served: see
# tests/bootweb/served.sh, tests/tftpd/served.sh). The next import removes
# it; one whose import still runs (its flock held) stays, and so does one
# made less than a minute ago (not locked yet).
mkdir "$T/.import-old-AAAAAA" "$T/.import-busy-BBBBBB" "$T/.import-new-CCCCCC"
echo partial >"$T/.import-old-AAAAAA/initrd.gz"
echo partial >"$T/.import-busy-BBBBBB/initrd.gz"
# As an import makes them: owned by whoever owns the database (bootctl acts as it).
chown -R --reference="$DB" "$T"/.import-*
touch -d '1 hour ago' "$T/.import-old-AAAAAA" "$T/.import-busy-BBBBBB"
flock "$T/.import-busy-BBBBBB" sleep 60 &
holder=$!
at_exit "kill $holder 2>/dev/null"
locked() { ! flock -n "$1" true; }
wait_for 5 locked "$T/.import-busy-BBBBBB" || fail "flock(1) did not take the lock"
expect_rc 0 "$BOOTCTL" -D "$DB" image import "$T/ubuntu.iso" --name ubu3
expect_err "removed $T/.import-old-AAAAAA, left by an import that did not finish"
[ -e "$T/.import-old-AAAAAA" ] && fail "the stale import directory is still there"
[ -f "$T/.import-busy-BBBBBB/initrd.gz" ] || fail "a running import's directory was removed"
[ -d "$T/.import-new-CCCCCC" ] || fail "a directory just made was removed"
[ -f "$T/ubu3/vmlinuz" ] || fail "the import after the cleanup did not finish"
kill $holder
rm -rf "$T/.import-busy-BBBBBB" "$T/.import-new-CCCCCC"
leftovers
note "a killed import's directory is removed by the next import; running ones stay"
