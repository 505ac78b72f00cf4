# tests/helpers/iso-lib.sh: building small ISOs that reproduce a family's
# layout, for the iso tests (sourced after tests/helpers/lib.sh).
need_cmd xorriso jq python3

# fake_kernel FILE [x86_64|i386|aarch64]: 8 KiB of noise with a real header:
# the x86 boot protocol's "HdrS" (version 2.15, XLF_KERNEL_64 for x86_64) or
# the arm64 Image magic, so architecture detection from the kernel works.
fake_kernel() {
	python3 - "$1" "${2:-x86_64}" <<'EOF'
import os, sys
path, arch = sys.argv[1], sys.argv[2]
b = bytearray(os.urandom(8192))
b[0x1f0:0x240] = bytes(0x50)
if arch == "aarch64":
    b[0:64] = bytes(64)
    b[56:60] = b"ARM\x64"
else:
    b[0x1fe:0x200] = b"\x55\xaa"
    b[0x202:0x206] = b"HdrS"
    b[0x206:0x208] = (0x020f).to_bytes(2, "little")
    b[0x236] = 1 if arch == "x86_64" else 0
open(path, "wb").write(b)
EOF
}

# iso_tree DIR SPEC...: create files under DIR. SPEC is path=K (x86_64
# kernel), path=K32, path=KARM, path=I (2 KiB of noise), path=D (a
# directory), path=B:SIZE (SIZE KiB of noise) or path=T:text (printf %b).
iso_tree() {
	local dir=$1 spec path val; shift
	mkdir -p "$dir"
	for spec; do
		path=${spec%%=*}; val=${spec#*=}
		case $val in
		D) mkdir -p "$dir/$path"; continue ;;
		esac
		mkdir -p "$dir/$(dirname "$path")"
		case $val in
		K) fake_kernel "$dir/$path" x86_64 ;;
		K32) fake_kernel "$dir/$path" i386 ;;
		KARM) fake_kernel "$dir/$path" aarch64 ;;
		I) head -c 2048 /dev/urandom >"$dir/$path" ;;
		B:*) head -c $(( ${val#B:} * 1024 )) /dev/urandom >"$dir/$path" ;;
		T:*) printf '%b' "${val#T:}" >"$dir/$path" ;;
		*) fail "iso_tree: bad spec $spec" ;;
		esac
	done
}

# make_iso OUT VOLID NAMES DIR: an ISO of DIR with volume id VOLID; NAMES
# is rr (Rock Ridge + Joliet, as distributions ship), joliet (Joliet only)
# or plain (ISO9660 level 3 names only: upper case, no extensions).
make_iso() {
	local out=$1 volid=$2 names=$3 dir=$4 opts
	case $names in
	rr) opts="-R -J -joliet-long" ;;
	joliet) opts="-J -joliet-long --norock" ;;
	plain) opts="-iso-level 3 --norock" ;;
	*) fail "make_iso: bad names $names" ;;
	esac
	# shellcheck disable=SC2086
	xorriso -as mkisofs -quiet $opts -V "$volid" -o "$out" "$dir" 2>"$T/xorriso.err" ||
		fail "xorriso: $(cat "$T/xorriso.err")"
}

# make_iso_eltorito OUT VOLID DIR BOOTFILE: like make_iso rr, bootable (no emulation).
make_iso_eltorito() {
	xorriso -as mkisofs -quiet -R -J -V "$2" -b "$4" -no-emul-boot -boot-load-size 4 \
		-o "$1" "$3" 2>"$T/xorriso.err" || fail "xorriso: $(cat "$T/xorriso.err")"
}

# make_iso_boot OUT VOLID DIR OPTS...: like make_iso rr, with El Torito
# entries as xorriso -as mkisofs OPTS say (-b F -no-emul-boot: BIOS; -b F
# alone: BIOS with floppy emulation; -e F -no-emul-boot: UEFI; both with
# -eltorito-alt-boot between).
make_iso_boot() {
	local out=$1 volid=$2 dir=$3; shift 3
	xorriso -as mkisofs -quiet -R -J -V "$volid" "$@" -o "$out" "$dir" \
		2>"$T/xorriso.err" || fail "xorriso: $(cat "$T/xorriso.err")"
}

# iso_extract ISO PATH OUT: the reference copy of a file, by xorriso -osirrox.
iso_extract() {
	rm -f "$3"
	xorriso -osirrox on -indev "$1" -extract "/$2" "$3" >/dev/null 2>&1 ||
		fail "xorriso cannot extract /$2 from $1"
}

# jget FILE EXPR: a jq expression of a JSON file, raw.
jget() { jq -r "$2" "$1"; }

# iso_bootweb IMAGE: bootweb on 127.0.0.1 (U is its URL), serving the test
# database, up once it answers a range of /iso/IMAGE.iso. The caller
# checks first that bootweb is built and that we are root (it drops to
# nobody, who then owns $T).
iso_bootweb() {
	PORT=$((20000 + $$ % 12000))
	U=http://127.0.0.1:$PORT
	mkdir -p "$T/ipxe-dir"
	CONF=$(test_config "[bootweb]
ipxe_dir = $T/ipxe-dir")
	chown -R nobody: "$T"
	start_bg bootweb "$BOOTWEB" -d -f "$CONF" -l 127.0.0.1 -p $PORT -P $((PORT + 1))
	wait_for 5 curl -sf -o /dev/null -r 0-0 "$U/iso/$1.iso" ||
		fail "bootweb did not serve /iso/$1.iso: $(cat "$T/bootweb.log")"
}
