#!/bin/sh
# Distribution detection: for each family of the table, an ISO built here
# with xorriso that reproduces the family's layout, marker files and volume
# id (tiny kernels with a real header); bootctl image detect --json must
# name the right family, version, arch, kernel, initrds and command line.
# Also the real iPXE ISO of the ipxe package, the boot loader config
# fallback (isolinux and GRUB), whole-ISO boot, and an unknown ISO.
. "$top_srcdir/tests/helpers/lib.sh"
. "$top_srcdir/tests/helpers/iso-lib.sh"

CASPER='boot=casper live-media-path=casper ip=dhcp url={{image.iso_url}}'
UBUNTU="$CASPER"' cloud-config-url=/dev/null{{#unattended_url}} autoinstall ds=nocloud-net;s={{unattended_url}}{{/unattended_url}}'
LIVE='boot=live components ip=dhcp fetch={{image.tree_url}}/live/filesystem.squashfs'
STAGE2='inst.stage2={{image.tree_url}} ip=dhcp{{#unattended_url}} inst.ks={{unattended_url}}{{/unattended_url}}'
REPO='inst.repo={{image.tree_url}} ip=dhcp{{#unattended_url}} inst.ks={{unattended_url}}{{/unattended_url}}'
DRACUT='root=live:{{image.tree_url}}/LiveOS/squashfs.img rd.live.image rd.neednet=1 ip=dhcp'
LINUXRC='install={{image.tree_url}}{{#unattended_url}} autoyast={{unattended_url}}{{/unattended_url}}'
archiso() { echo "archisobasedir=$1 archiso_http_srv={{image.tree_url}}/ ip=dhcp"; }
treeinfo() { echo "T:[general]\narch = x86_64\nfamily = $1\nversion = $2\n\n[header]\ntype = productmd.treeinfo\nversion = 1.2\n\n[release]\nname = $1\nversion = $2\n"; }

n=0
# expect FAMILY KIND VERSION ARCH KERNEL INITRDS CMDLINE: what the next case must give ("-": none).
expect() {
	e_family=$1 e_kind=$2 e_version=$3 e_arch=$4 e_kernel=$5 e_initrds=$6 e_cmdline=$7
}
# iso_case VOLID SPEC...: build the ISO (Rock Ridge + Joliet) and check it against expect.
iso_case() {
	local volid=$1; shift
	n=$((n + 1))
	iso_tree "$T/tree$n" "$@"
	make_iso "$T/case$n.iso" "$volid" rr "$T/tree$n"
	check_iso "$T/case$n.iso"
}
# iso_case_boot "MKISOFS-OPTS" VOLID SPEC...: the same, bootable as OPTS say
# (whole-ISO boot needs an El Torito image iPXE can start).
iso_case_boot() {
	local opts=$1 volid=$2; shift 2
	n=$((n + 1))
	iso_tree "$T/tree$n" "$@"
	# shellcheck disable=SC2086
	make_iso_boot "$T/case$n.iso" "$volid" "$T/tree$n" $opts
	check_iso "$T/case$n.iso"
}
NOEMUL="-b cdboot.bin -no-emul-boot -boot-load-size 4"
check_iso() {
	local j="$T/detect.json" got
	"$BOOTCTL" image detect "$1" --json >"$j" 2>"$T/err" ||
		fail "$e_family: detect exited $?: $(cat "$T/err")"
	got=$(jget "$j" '[.family, .kind, .version // "-", .arch // "-", .kernel // "-",
	    (if (.initrds | length) == 0 then "-" else .initrds | join(" ") end), .cmdline] | join("|")')
	[ "$got" = "$e_family|$e_kind|$e_version|$e_arch|$e_kernel|$e_initrds|$e_cmdline" ] ||
		fail "$e_family ($1):
  got      $got
  expected $e_family|$e_kind|$e_version|$e_arch|$e_kernel|$e_initrds|$e_cmdline"
	note "ok $e_family: $(jget "$j" .evidence)"
}

# --- casper: Ubuntu, its flavours, and the distributions built on it
expect ubuntu linux 24.04 x86_64 casper/vmlinuz casper/initrd "$UBUNTU"
iso_case "Ubuntu-Server 24.04 LTS amd64" casper/vmlinuz=K casper/initrd=I \
	casper/ubuntu-server-minimal.squashfs=I \
	'.disk/info=T:Ubuntu-Server 24.04 LTS "Noble Numbat" - Release amd64 (20240423)'
expect ubuntu linux 22.04.4 x86_64 casper/vmlinuz casper/initrd "$UBUNTU"
iso_case "Kubuntu 22.04.4 LTS amd64" casper/vmlinuz=K casper/initrd=I \
	'.disk/info=T:Kubuntu 22.04.4 LTS "Jammy Jellyfish" - Release amd64 (20240220)'
expect linuxmint linux 21.3 x86_64 casper/vmlinuz casper/initrd.lz "$CASPER"
iso_case "Linux Mint 21.3 Cinnamon 64-bit" casper/vmlinuz=K casper/initrd.lz=I \
	'.disk/info=T:Linux Mint 21.3 "Virginia" - Release amd64 20240108'
expect pop-os linux 22.04 x86_64 casper_pop-os_22.04_amd64_intel_debug_358/vmlinuz.efi \
	casper_pop-os_22.04_amd64_intel_debug_358/initrd.gz \
	'boot=casper live-media-path=casper_pop-os_22.04_amd64_intel_debug_358 ip=dhcp url={{image.iso_url}}'
iso_case "Pop_OS 22.04 amd64 Intel" casper_pop-os_22.04_amd64_intel_debug_358/vmlinuz.efi=K \
	casper_pop-os_22.04_amd64_intel_debug_358/initrd.gz=I \
	'.disk/info=T:Pop_OS 22.04 LTS amd64 Intel 20240312'
expect elementary linux 7.1 x86_64 casper/vmlinuz casper/initrd.lz "$CASPER"
iso_case "elementary OS 7.1 amd64" casper/vmlinuz=K casper/initrd.lz=I \
	'.disk/info=T:elementary OS 7.1 "Horus" - Stable amd64 (20230926)'
expect zorin linux 17 x86_64 casper/vmlinuz casper/initrd.lz "$CASPER"
iso_case "Zorin OS 17 Core 64bit" casper/vmlinuz=K casper/initrd.lz=I \
	'.disk/info=T:Zorin OS 17 Core 64-bit'

# --- Debian installer and live-boot families
expect debian-installer linux 12.5.0 x86_64 install.amd/vmlinuz install.amd/initrd.gz \
	'{{#unattended_url}}auto=true priority=critical url={{unattended_url}} {{/unattended_url}}ip=dhcp'
iso_case "Debian 12.5.0 amd64 n" install.amd/vmlinuz=K install.amd/initrd.gz=I \
	install.amd/gtk/vmlinuz=K install.amd/gtk/initrd.gz=I pool/main=D dists/bookworm/Release=T:x \
	'.disk/info=T:Debian GNU/Linux 12.5.0 "Bookworm" - Official amd64 NETINST with firmware 20240210-11:27'
expect debian-live linux 12.5.0 x86_64 live/vmlinuz-6.1.0-18-amd64 live/initrd.img-6.1.0-18-amd64 "$LIVE"
iso_case "d-live 12.5.0 gn amd64" live/vmlinuz-6.1.0-18-amd64=K live/initrd.img-6.1.0-18-amd64=I \
	live/filesystem.squashfs=I \
	'.disk/info=T:Debian GNU/Linux 12.5.0 "Bookworm" - Official Live amd64 gnome 20240210'
expect kali linux 2024.1 x86_64 live/vmlinuz live/initrd.img "$LIVE username=kali hostname=kali"
iso_case "Kali Live" live/vmlinuz=K live/initrd.img=I live/filesystem.squashfs=I \
	'.disk/info=T:Kali GNU/Linux 2024.1 "Kali-last-snapshot" - Official amd64 LIVE Binary 20240226'
expect parrot linux 6.0 x86_64 live/vmlinuz live/initrd.img "$LIVE"
iso_case "Parrot security 6.0" live/vmlinuz=K live/initrd.img=I \
	'.disk/info=T:Parrot Security 6.0 - amd64'
expect tails linux 6.3 x86_64 live/vmlinuz live/initrd.img "$LIVE nopersistence noprompt"
iso_case "Tails 6.3 - 20240528" live/vmlinuz=K live/initrd.img=I live/filesystem.squashfs=I
expect devuan linux 5.0.1 x86_64 live/vmlinuz live/initrd.img "$LIVE"
iso_case "devuan_daedalus_live" live/vmlinuz=K live/initrd.img=I \
	'.disk/info=T:Devuan GNU+Linux 5.0.1 daedalus amd64 desktop-live'
expect mx sanboot 23.2 x86_64 - - ''
iso_case_boot "$NOEMUL" "MX-23.2_x64" cdboot.bin=I antiX/vmlinuz=K antiX/initrd.gz=I antiX/linuxfs=I
expect clonezilla tool 3.1.2 x86_64 live/vmlinuz live/initrd.img \
	'boot=live union=overlay username=user config components noswap edd=on nomodeset ocs_live_run="ocs-live-general" ocs_live_batch=no ip=dhcp net.ifnames=0 fetch={{image.tree_url}}/live/filesystem.squashfs'
iso_case "3.1.2-22-amd64" live/vmlinuz=K live/initrd.img=I \
	'Clonezilla-Live-Version=T:clonezilla-live-3.1.2-22-amd64\n'
expect gparted tool 1.6.0 x86_64 live/vmlinuz live/initrd.img \
	'boot=live union=overlay username=user config components noswap ip=dhcp fetch={{image.tree_url}}/live/filesystem.squashfs'
iso_case "GParted-live" live/vmlinuz=K live/initrd.img=I \
	'GParted-Live-Version=T:GParted Live version: 1.6.0-1-amd64\n'
expect truenas-scale linux 24.04.1 x86_64 live/vmlinuz live/initrd.img "$LIVE"
iso_case "TRUENAS-SCALE-24.04.1" live/vmlinuz=K live/initrd.img=I TrueNAS-SCALE.update=I
expect proxmox-ve sanboot 8.2 - - - ''
iso_case_boot "$NOEMUL" "PVE" cdboot.bin=I proxmox/packages=D boot/linux26=K boot/initrd.img=I \
	'.cd-info=T:PRODUCT=pve\nPRODUCTLONG=Proxmox VE\nRELEASE=8.2\nISORELEASE=8.2\n'

# --- Fedora, Red Hat and their rebuilds (.treeinfo)
expect fedora-live linux 40 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$DRACUT"
iso_case "Fedora-WS-Live-40-1-14" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	LiveOS/squashfs.img=I
expect fedora linux 40 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$STAGE2"
iso_case "Fedora-S-dvd-x86_64-40" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	images/install.img=I ".treeinfo=$(treeinfo Fedora 40)"
expect rhel linux 9.4 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$REPO"
iso_case "RHEL-9-4-0-BaseOS-x86_64" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	BaseOS/repodata/repomd.xml=T:x ".treeinfo=$(treeinfo 'Red Hat Enterprise Linux' 9.4)"
expect centos-stream linux 9 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$STAGE2"
iso_case "CentOS-Stream-9-BaseOS-x86_64" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	".treeinfo=$(treeinfo 'CentOS Stream' 9)"
expect rocky linux 9.4 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$REPO"
iso_case "Rocky-9-4-x86_64-dvd" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	BaseOS/repodata/repomd.xml=T:x AppStream/repodata/repomd.xml=T:x \
	".treeinfo=$(treeinfo 'Rocky Linux' 9.4)"
expect almalinux linux 9.4 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$STAGE2"
iso_case "AlmaLinux-9-4-x86_64-boot" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	".treeinfo=$(treeinfo AlmaLinux 9.4)"
expect oraclelinux linux 9.4 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$STAGE2"
iso_case "OL-9-4-0-BaseOS-x86_64" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I \
	".treeinfo=$(treeinfo 'Oracle Linux' 9.4)"

# --- SUSE (linuxrc)
expect opensuse-leap linux 15.5 x86_64 boot/x86_64/loader/linux boot/x86_64/loader/initrd "$LINUXRC"
iso_case "openSUSE-Leap-15.5-DVD-x86_64" boot/x86_64/loader/linux=K boot/x86_64/loader/initrd=I \
	'media.1/products=T:/ openSUSE-Leap 15.5-1\n'
expect opensuse-tumbleweed linux 20240501 x86_64 boot/x86_64/loader/linux boot/x86_64/loader/initrd "$LINUXRC"
iso_case "openSUSE-Tumbleweed-NET-x86_64" boot/x86_64/loader/linux=K boot/x86_64/loader/initrd=I \
	'media.1/products=T:/ openSUSE-Tumbleweed 20240501-0\n'
expect sles linux 15.5 x86_64 boot/x86_64/loader/linux boot/x86_64/loader/initrd "$LINUXRC"
iso_case "SLE-15-SP5-Full-x86_64-GM-Media1" boot/x86_64/loader/linux=K boot/x86_64/loader/initrd=I \
	'media.1/products=T:/ SLES 15.5-0\n'

# --- archiso and its relatives
AI="arch/boot/intel-ucode.img arch/boot/amd-ucode.img arch/boot/x86_64/initramfs-linux.img"
expect archlinux linux 2024.05.01 x86_64 arch/boot/x86_64/vmlinuz-linux "$AI" "$(archiso arch)"
iso_case "ARCH_202405" arch/boot/x86_64/vmlinuz-linux=K arch/boot/x86_64/initramfs-linux.img=I \
	arch/boot/intel-ucode.img=I arch/boot/amd-ucode.img=I arch/x86_64/airootfs.sfs=I \
	'arch/version=T:2024.05.01\n'
expect endeavouros linux 202404 x86_64 arch/boot/x86_64/vmlinuz-linux "$AI" "$(archiso arch)"
iso_case "EOS_202404" arch/boot/x86_64/vmlinuz-linux=K arch/boot/x86_64/initramfs-linux.img=I \
	arch/boot/intel-ucode.img=I arch/boot/amd-ucode.img=I
expect cachyos linux 240512 x86_64 cachyos/boot/x86_64/vmlinuz-linux-cachyos \
	cachyos/boot/x86_64/initramfs-linux-cachyos.img "$(archiso cachyos)"
iso_case "CACHYOS_240512" cachyos/boot/x86_64/vmlinuz-linux-cachyos=K \
	cachyos/boot/x86_64/initramfs-linux-cachyos.img=I
expect manjaro linux 2320 x86_64 boot/vmlinuz-x86_64 \
	"boot/intel_ucode.img boot/amd_ucode.img boot/initramfs-x86_64.img" \
	'misobasedir=manjaro miso_http_srv={{image.tree_url}}/ ip=dhcp'
iso_case "MANJARO_KDEM_2320" manjaro/x86_64/rootfs.sfs=I boot/vmlinuz-x86_64=K \
	boot/initramfs-x86_64.img=I boot/intel_ucode.img=I boot/amd_ucode.img=I
expect systemrescue tool 11.00 x86_64 sysresccd/boot/x86_64/vmlinuz \
	"sysresccd/boot/intel_ucode.img sysresccd/boot/amd_ucode.img sysresccd/boot/x86_64/sysresccd.img" \
	"$(archiso sysresccd)"
iso_case "RESCUE1100" sysresccd/boot/x86_64/vmlinuz=K sysresccd/boot/x86_64/sysresccd.img=I \
	sysresccd/boot/intel_ucode.img=I sysresccd/boot/amd_ucode.img=I 'sysresccd/VERSION=T:11.00\n'

# --- the others
expect alpine linux 3.19.1 x86_64 boot/vmlinuz-lts boot/initramfs-lts \
	'alpine_repo={{image.tree_url}}/apks modloop={{image.tree_url}}/boot/modloop-lts ip=dhcp'
iso_case "alpine-std 3.19.1 x86_64" boot/vmlinuz-lts=K boot/initramfs-lts=I boot/modloop-lts=I \
	apks/x86_64/APKINDEX.tar.gz=I '.alpine-release=T:3.19.1\n'
expect alpine linux 3.20.0 aarch64 boot/vmlinuz-virt boot/initramfs-virt \
	'alpine_repo={{image.tree_url}}/apks modloop={{image.tree_url}}/boot/modloop-virt ip=dhcp'
iso_case "alpine-virt 3.20.0" boot/vmlinuz-virt=KARM boot/initramfs-virt=I '.alpine-release=T:3.20.0\n'
NIXINIT=/nix/store/8kw1mhj0b9ai1wsbcsj9fxyyiz4rr04c-nixos-system-nixos-24.05.1234/init
expect nixos linux 24.05 x86_64 boot/bzImage boot/initrd "init=$NIXINIT boot.shell_on_fail ip=dhcp"
iso_case "nixos-minimal-24.05-x86_64" nix-store.squashfs=I boot/bzImage=K boot/initrd=I \
	"isolinux/isolinux.cfg=T:DEFAULT boot\nLABEL boot\n  LINUX /boot/bzImage\n  APPEND init=$NIXINIT root=LABEL=nixos-minimal-24.05-x86_64 boot.shell_on_fail\n  INITRD /boot/initrd\n"
expect gentoo linux 20240505 x86_64 boot/gentoo boot/gentoo.igz \
	'root=live:{{image.tree_url}}/image.squashfs rd.live.dir=/ rd.live.squashimg=image.squashfs cdroot ip=dhcp'
iso_case "Gentoo-amd64-20240505" boot/gentoo=K boot/gentoo.igz=I image.squashfs=I
expect void linux - x86_64 boot/vmlinuz boot/initrd "$DRACUT init=/sbin/init rd.luks=0 rd.md=0 rd.dm=0"
iso_case "VOID_LIVE" boot/vmlinuz=K boot/initrd=I LiveOS/squashfs.img=I
expect slackware linux - i386 kernels/huge.s/bzImage isolinux/initrd.img \
	'load_ramdisk=1 prompt_ramdisk=0 rw SLACK_KERNEL=huge.s'
iso_case "SlackDVD" kernels/huge.s/bzImage=K32 kernels/generic.s/bzImage=K32 isolinux/initrd.img=I
expect memtest86+ tool - x86_64 boot/memtest64.bin - ''
iso_case "MT86PLUS_64" boot/memtest64.bin=K boot/memtest64.efi=I
expect freebsd sanboot 14 x86_64 - - ''
iso_case_boot "$NOEMUL" "14_0_RELEASE_AMD64_CD" cdboot.bin=I boot/kernel/kernel=I boot/loader=I
expect windows windows - x86_64 - "bootmgr boot/bcd boot/boot.sdi sources/boot.wim" ''
iso_case "CCCOMA_X64FRE_EN-US_DV9" bootmgr=I boot/bcd=I boot/boot.sdi=I sources/boot.wim=I \
	efi/microsoft/boot/bootmgfw.efi=I sources/install.wim=I

# --- no family: the boot loader config, then El Torito
expect generic linux - x86_64 boot/kern "boot/ramdisk.gz boot/extra.gz" 'quiet root=/dev/ram0'
iso_case "MYDISTRO" boot/kern=K boot/ramdisk.gz=I boot/extra.gz=I isolinux/vesamenu.c32=I \
	'isolinux/isolinux.cfg=T:DEFAULT vesamenu.c32\nLABEL live\n  KERNEL /boot/kern\n  APPEND initrd=/boot/ramdisk.gz,/boot/extra.gz quiet root=/dev/ram0 BOOT_IMAGE=x\n'
expect generic linux 2 x86_64 k/linux k/initrd.img 'quiet splash'
iso_case "OTHER_2" k/linux=K k/initrd.img=I \
	"boot/grub/grub.cfg=T:set timeout=5\nmenuentry 'Other' {\n\tlinux (\$root)/k/linux quiet splash ---\n\tinitrd /k/initrd.img\n}\n"
expect unknown sanboot - - - - ''
n=$((n + 1))
iso_tree "$T/tree$n" boot/eltorito.bin=I README.TXT=T:hello
make_iso_eltorito "$T/case$n.iso" "SOMEDISK" "$T/tree$n" boot/eltorito.bin
check_iso "$T/case$n.iso"

# --- whole-ISO boot by firmware: iPXE's BIOS sanboot starts the default
# El Torito entry without emulation only, its UEFI sanboot the FAT image of
# an entry for platform 0xEF; with neither, the ISO cannot boot at all.
# check_sanboot BIOS UEFI [HOW]: what the last detection says of each
# firmware, and its evidence names HOW (for the kinds booted whole).
check_sanboot() {
	[ "$(jget "$T/detect.json" '"\(.sanboot_bios) \(.sanboot_uefi)"')" = "$1 $2" ] ||
		fail "sanboot bios/uefi: $(jget "$T/detect.json" '"\(.sanboot_bios) \(.sanboot_uefi)"'), expected $1 $2"
	[ -z "$3" ] || grep -qF "whole-ISO boot (sanboot) on $3" "$T/detect.json" ||
		fail "the evidence does not say 'on $3': $(jget "$T/detect.json" .evidence)"
}
expect freebsd sanboot 14 x86_64 - - ''
iso_case_boot "-e efi.img -no-emul-boot" "14_0_RELEASE_AMD64_UEFI" efi.img=B:64 \
	boot/kernel/kernel=I boot/loader=I
check_sanboot false true "UEFI only"
expect freebsd sanboot 14 x86_64 - - ''
iso_case_boot "$NOEMUL -eltorito-alt-boot -e efi.img -no-emul-boot" "14_0_RELEASE_AMD64_BOTH" \
	cdboot.bin=I efi.img=B:64 boot/kernel/kernel=I boot/loader=I
check_sanboot true true "BIOS and UEFI"
# A floppy-emulated BIOS image alone: no firmware can boot it over iPXE.
n=$((n + 1))
iso_tree "$T/tree$n" floppy.img=B:1440 boot/kernel/kernel=I
make_iso_boot "$T/case$n.iso" "14_0_FLOPPY" "$T/tree$n" -b floppy.img
expect_rc 1 "$BOOTCTL" image detect "$T/case$n.iso"
expect_err "FreeBSD (volume id '14_0_FLOPPY') boots only whole"
expect_err "neither a BIOS image without emulation"
expect_err "cannot boot over the network"
# A family booted whole, without any El Torito record.
n=$((n + 1))
iso_tree "$T/tree$n" boot/kernel/kernel=I boot/loader=I
make_iso "$T/case$n.iso" "14_0_NOBOOT" rr "$T/tree$n"
expect_rc 1 "$BOOTCTL" image detect "$T/case$n.iso"
expect_err "boots only whole, and it has no El Torito boot record"
"$BOOTCTL" -D "$DB" db init >/dev/null || fail "db init"
expect_rc 1 "$BOOTCTL" -D "$DB" image import "$T/case$n.iso" --name noboot
expect_err "it has no El Torito boot record"

# --- real ISOs that Debian packages (CI installs them: tools/deps/iso.txt);
# a missing package makes the test skip (77) at the end, after the rest.
missing=""
# real_iso PATH PACKAGE: the ISO is there, else its package is noted missing.
real_iso() {
	[ -f "$1" ] && return 0
	missing="$missing $2"
	note "no $1 (Debian package $2)"
	return 1
}
# memtest86+: its ISO has only a floppy-emulated BIOS image and an EFI
# image; the .efi is also a bzImage, booted as the kernel on both firmware.
if real_iso /usr/lib/memtest86+/memtest86+x64.iso memtest86+; then
	expect memtest86+ tool 6.10 x86_64 EFI/BOOT/bootx64.efi - ''
	check_iso /usr/lib/memtest86+/memtest86+x64.iso
	check_sanboot false true ""
	[ "$(jget "$T/detect.json" .volume_id)" = MT86PLUS_64 ] || fail "memtest86+: volume id"
	expect memtest86+ tool 6.10 i386 EFI/BOOT/bootia32.efi - ''
	check_iso /usr/lib/memtest86+/memtest86+ia32.iso
fi
# iPXE (isolinux, Joliet names)
if real_iso /usr/lib/ipxe/ipxe.iso ipxe; then
	expect ipxe tool - i386 ipxe.krn - ''
	check_iso /usr/lib/ipxe/ipxe.iso
	check_sanboot true true ""
fi
# GRUB's rescue CD: no kernel to name, BIOS-only El Torito (no emulation)
if real_iso /usr/lib/grub-rescue/grub-rescue-cdrom.iso grub-rescue-pc; then
	expect unknown sanboot - - - - ''
	check_iso /usr/lib/grub-rescue/grub-rescue-cdrom.iso
	check_sanboot true false "BIOS only"
fi

# --- the same detection whatever the names: Joliet only, and plain ISO9660
iso_tree "$T/names" images/pxeboot/vmlinuz=K images/pxeboot/initrd.img=I LiveOS/squashfs.img=I
expect fedora-live linux 40 x86_64 images/pxeboot/vmlinuz images/pxeboot/initrd.img "$DRACUT"
make_iso "$T/names-joliet.iso" "Fedora-WS-Live-40-1-14" joliet "$T/names"
check_iso "$T/names-joliet.iso"
# Plain ISO9660 upper-cases names: the table's paths match them, ignoring case.
expect fedora-live linux 40 x86_64 IMAGES/PXEBOOT/VMLINUZ IMAGES/PXEBOOT/INITRD.IMG "$DRACUT"
make_iso "$T/names-plain.iso" "Fedora-WS-Live-40-1-14" plain "$T/names"
check_iso "$T/names-plain.iso"

# --- nothing to boot: a clear refusal
n=$((n + 1))
iso_tree "$T/tree$n" README.TXT=T:data docs/a.txt=T:b
make_iso "$T/case$n.iso" "DATA_DISC" rr "$T/tree$n"
expect_rc 1 "$BOOTCTL" image detect "$T/case$n.iso"
expect_err "unknown ISO (volume id 'DATA_DISC')"
expect_rc 2 "$BOOTCTL" image detect
expect_rc 2 "$BOOTCTL" image detect a.iso b.iso
note "$n ISOs detected"

# --- every family of the table (and generic, unknown) has its row in
# netboot(7)'s ISO FAMILIES table, which says what it boots by
python3 - "$top_srcdir/libnetboot/distro.c" "$top_srcdir/man/netboot.7" <<'EOF' ||
import re, sys
src, man = open(sys.argv[1]).read(), open(sys.argv[2]).read()
fams = set(re.findall(r'^\t\{ "([a-z0-9+-]+)", "[^"]*", "(?:linux|tool|windows|sanboot)"', src, re.M))
fams |= {"generic", "unknown"}
sec = man.split(".Sh ISO FAMILIES", 1)[1].split("\n.Sh ", 1)[0]
documented = set()
for line in sec.splitlines():
    if line.startswith(".It ") and " Ta " in line:
        documented |= {f.strip() for f in line[4:].split(" Ta ")[0].split(",")}
missing = sorted(fams - documented)
if len(fams) < 40 or missing:
    sys.exit("netboot(7) ISO FAMILIES lacks: %s (%d families)" % (" ".join(missing), len(fams)))
print("# %d families in netboot(7)" % len(fams))
EOF
	fail "a family is not documented"
[ -z "$missing" ] || skip "real ISOs not checked, packages missing:$missing"
