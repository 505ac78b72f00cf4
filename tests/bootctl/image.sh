#!/bin/sh
# bootctl image add | list | show | rm: paths relative to the data
# directory or absolute, checked at add time; errors leave nothing behind.
. "$top_srcdir/tests/helpers/bootctl-lib.sh"

mkdir -p "$T/debian" "$T/elsewhere"
echo kernel >"$T/debian/linux"; echo initrd >"$T/debian/initrd.gz"; echo fw >"$T/debian/fw.cpio"
echo kernel >"$T/elsewhere/vmlinuz"; echo initrd >"$T/elsewhere/initrd.img"
echo memtest >"$T/memtest.bin"
printf 'auto=true\n' >"$T/p.cfg"
ok template add pre --kind preseed --file "$T/p.cfg"

# Relative paths are under the data directory (the database's directory by default).
ok image add deb12 --kernel debian/linux --initrd debian/initrd.gz --initrd debian/fw.cpio \
	--cmdline 'auto=true url={{unattended_url}} priority=critical' --template pre
expect_out "added image deb12"
# Absolute paths are stored as given.
ok image add alma9 --kernel "$T/elsewhere/vmlinuz" --initrd "$T/elsewhere/initrd.img"
# A tool needs no initrd.
ok image add memtest --kind tool --kernel "$T/memtest.bin"

ok image show deb12 --json
json_ok
json_is 'keys | join(",")' "arch,cmdline,created,distro,initrds,iso_path,iso_sha256,iso_size,kernel,kind,name,template,version"
json_is .kernel debian/linux
json_is '.initrds | join(",")' debian/initrd.gz,debian/fw.cpio
json_is .cmdline 'auto=true url={{unattended_url}} priority=critical'
json_is .template pre
json_is .kind linux
ok image show alma9 --json
json_is .kernel "$T/elsewhere/vmlinuz"
ok image show deb12
grep -q '^initrd: *debian/fw.cpio$' "$T/out" || fail "show lacks the second initrd: $(cat "$T/out")"
grep -q '^cmdline: *auto=true url=' "$T/out" || fail "show lacks the cmdline"

ok image list
head -1 "$T/out" | grep -q '^NAME  *KIND  *DISTRO  *VERSION  *KERNEL  *INITRDS  *TEMPLATE$' ||
	fail "list header: $(head -1 "$T/out")"
[ "$(wc -l <"$T/out")" = 4 ] || fail "list: $(cat "$T/out")"
grep -q '^memtest  *tool ' "$T/out" || fail "list lacks memtest: $(cat "$T/out")"
ok image list --json
json_ok
json_is '[.[].name] | join(",")' alma9,deb12,memtest

# The data directory of netboot.conf wins over the database's directory.
mkdir -p "$T/data/k"; echo k >"$T/data/k/vmlinuz"; echo i >"$T/data/k/initrd"
printf 'datadir = %s\n' "$T/data" >"$T/netboot.conf"
expect_rc 0 "$BOOTCTL" -f "$T/netboot.conf" -D "$DB" image add fromdata --kernel k/vmlinuz --initrd k/initrd
error "kernel $T/data/debian/linux: No such file" -f "$T/netboot.conf" image add nodata --kernel debian/linux --initrd k/initrd

# Usage errors.
usage "missing argument" image add --kernel debian/linux --initrd debian/initrd.gz
usage "a linux image needs --kernel" image add x --initrd debian/initrd.gz
usage "a linux image needs --initrd" image add x --kernel debian/linux
usage "unknown image kind 'disk'" image add x --kind disk --kernel debian/linux
usage "bad kernel path '../etc/passwd'" image add x --kernel ../etc/passwd --initrd debian/initrd.gz
usage "bad initrd path 'debian/./initrd.gz'" image add x --kernel debian/linux --initrd debian/./initrd.gz
usage "bad image name 'a/b'" image add a/b --kernel debian/linux --initrd debian/initrd.gz
usage "unknown option '--initramfs'" image add x --kernel debian/linux --initramfs debian/initrd.gz
usage "option '--kernel' needs a value" image add x --kernel
usage "unexpected argument 'y'" image add x y --kernel debian/linux --initrd debian/initrd.gz
usage "missing argument" image show
usage "unexpected argument 'b'" image rm a b

# Runtime errors: missing or unreadable files, missing template, duplicates, in use.
error "kernel $T/debian/nope: No such file or directory" image add x --kernel debian/nope --initrd debian/initrd.gz
error "initrd $T/none.img: No such file or directory" image add x --kernel debian/linux --initrd "$T/none.img"
error "kernel $T/debian: not a regular file" image add x --kernel "$T/debian" --initrd debian/initrd.gz
if [ "$(id -u)" != 0 ]; then
	chmod 000 "$T/debian/fw.cpio"
	error "initrd $T/debian/fw.cpio: Permission denied" image add x --kernel debian/linux --initrd debian/fw.cpio
	chmod 644 "$T/debian/fw.cpio"
fi
error "no template named 'nope'" image add x --kernel debian/linux --initrd debian/initrd.gz --template nope
error "image 'deb12' exists already" image add deb12 --kernel debian/linux --initrd debian/initrd.gz
error "no image named 'nope'" image show nope
error "no image named 'nope'" image rm nope
ok client add 52:54:00:00:00:01 --image deb12
error "image 'deb12' is assigned to 1 client" image rm deb12
error "template 'pre' is used by" template rm pre

ok client rm 52:54:00:00:00:01
# An image a setting names stays until the setting names another.
ok settings set default_image deb12
error "image 'deb12' is the setting default_image" image rm deb12
ok settings unset default_image
ok settings set menu.default deb12
error "image 'deb12' is the setting menu.default" image rm deb12
ok settings set menu.default alma9
ok image rm deb12
expect_out "removed image deb12"
[ "$(db_sql "SELECT count(*) FROM images WHERE name = 'deb12'")" = 0 ] || fail "image rm"
# rm leaves the files on disk: they may be shared.
[ -f "$T/debian/linux" ] || fail "image rm removed the kernel file"
exit 0
