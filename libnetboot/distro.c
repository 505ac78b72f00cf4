/*
 * distro.c: distribution detection from an ISO's contents, by a table.
 *
 * Each row is one family: files that must exist, a pattern that the
 * volume id or a marker file must match, where the version is written,
 * which files are the kernel and initrds, and the kernel command line that
 * boots it over HTTP from bootweb. Rows are tried in order, the specific
 * before the general (Linux Mint before Ubuntu, both casper). The command
 * line is a template (tmpl.h), rendered per client at boot time; the
 * @NAME@ markers in it are filled in here, at import, from the ISO:
 *
 *	@KDIR@	  the kernel's directory in the ISO	 (casper_pop-os_22.04...)
 *	@KTOP@	  the first component of that directory  (arch, sysresccd)
 *	@KFLAVOR@ the kernel name after its first '-'	 (vmlinuz-lts: lts)
 *	@INIT@	  the init= of the ISO's boot loader config (NixOS)
 *	@APPEND@  the ISO's own boot loader append line, minus initrd=
 *	@REPO@	  inst.repo when the ISO holds packages, else inst.stage2
 *
 * A row whose marker cannot be filled does not match. When no row
 * matches, the boot loader configs (isolinux, syslinux, GRUB) name the
 * kernel, initrds and arguments; failing that an El Torito bootable ISO is
 * booted whole (sanboot).
 */
#include "config.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "distro.h"
#include "log.h"
#include "xmalloc.h"

#define TEXT_MAX	(64 << 10)	/* of a marker or config file we read */
#define CFG_MAX		(256 << 10)
#define KVER_MAX	(32 << 10)	/* of a kernel: its header and version string */

/* The Debian live-boot way: the root file system fetched over HTTP into RAM. */
#define LIVE_FETCH	"boot=live components ip=dhcp fetch={{image.tree_url}}/live/filesystem.squashfs"
#define CASPER		"boot=casper live-media-path=@KDIR@ ip=dhcp url={{image.iso_url}}"
#define ARCHISO		"archisobasedir=@KTOP@ archiso_http_srv={{image.tree_url}}/ ip=dhcp"
#define ANACONDA	"@REPO@={{image.tree_url}} ip=dhcp{{#unattended_url}} inst.ks={{unattended_url}}{{/unattended_url}}"
#define DRACUT_LIVE	"root=live:{{image.tree_url}}/LiveOS/squashfs.img rd.live.image rd.neednet=1 ip=dhcp"
#define LINUXRC		"install={{image.tree_url}}{{#unattended_url}} autoyast={{unattended_url}}{{/unattended_url}}"

struct distro_rule {
	const char	*family;
	const char	*name;
	const char	*kind;		/* linux|windows|tool|sanboot */
	const char	*need[3];	/* globs (fnmatch, no case) that must each match a path */
	const char	*idfile;	/* a marker file whose text, with the volume id, is matched */
	const char	*id[3];		/* patterns: one must match that text (none: no check) */
	const char	*versrc;	/* "@volid", "@kver" (the kernel's header), a file, or
					   "file#section.key" of an ini file */
	const char	*kernel[4];	/* globs: the first path matching one is the kernel */
	const char	*initrd[5];	/* globs: each adds the first path it matches, in order */
	const char	*cmdline;
};

/* Debian's and Ubuntu's arch names in directory names. */
#define DI_KERNEL	{ "install.amd/vmlinuz", "install.a64/vmlinuz", "install.386/vmlinuz", "install/vmlinuz" }
#define DI_INITRD	{ "install.amd/initrd.gz", "install.a64/initrd.gz", "install.386/initrd.gz", "install/initrd.gz" }
#define LIVE_KERNEL	{ "live/vmlinuz", "live/vmlinuz-*", "live/vmlinuz*" }
#define LIVE_INITRD	{ "live/initrd.img", "live/initrd.img-*", "live/initrd*" }
#define CASPER_KERNEL	{ "casper/vmlinuz", "casper/vmlinuz.efi", "casper*/vmlinuz*" }
#define CASPER_INITRD	{ "casper/initrd", "casper/initrd.*", "casper*/initrd*" }
#define RH_KERNEL	{ "images/pxeboot/vmlinuz", "isolinux/vmlinuz", "boot/x86_64/loader/linux" }
#define RH_INITRD	{ "images/pxeboot/initrd.img", "isolinux/initrd.img", "boot/x86_64/loader/initrd" }
#define SUSE_KERNEL	{ "boot/x86_64/loader/linux", "boot/aarch64/linux", "boot/*/loader/linux" }
#define SUSE_INITRD	{ "boot/x86_64/loader/initrd", "boot/aarch64/initrd", "boot/*/loader/initrd" }
#define ARCH_KERNEL	{ "*/boot/x86_64/vmlinuz-linux", "*/boot/*/vmlinuz-*" }
#define ARCH_INITRD	{ "*/boot/intel-ucode.img", "*/boot/amd-ucode.img", "*/boot/*/initramfs-*.img" }

/* The table. Order matters: the first row that matches wins. */
static const struct distro_rule distro_rules[] = {
	/* Windows PE: wimboot (the administrator supplies it, setting wimboot.path) loads these. */
	{ "windows", "Windows", "windows", { "sources/boot.wim", "boot/bcd" }, NULL, { NULL },
	  NULL, { NULL }, { "bootmgr", "boot/bcd", "boot/boot.sdi", "sources/boot.wim" }, "" },
	{ "memtest86+", "Memtest86+", "tool", { "boot/memtest*" }, NULL,
	  { NULL }, "@kver",
	  { "boot/memtest*.bin", "boot/memtest64*", "boot/memtest" }, { NULL }, "" },
	/*
	 * Memtest86+'s own ISO (upstream's make iso, Debian's memtest86+):
	 * boot/floppy.img for BIOS, EFI/BOOT/boot*.efi for UEFI. The .efi
	 * also has the Linux boot header and setup code, so iPXE boots it
	 * as a bzImage on BIOS and as an EFI image on UEFI.
	 */
	{ "memtest86+", "Memtest86+", "tool", { "EFI/BOOT/boot*.efi" }, NULL,
	  { "MT86PLUS*" }, "@kver",
	  { "EFI/BOOT/bootx64.efi", "EFI/BOOT/bootia32.efi" }, { NULL }, "" },
	{ "ipxe", "iPXE", "tool", { "ipxe.*krn" }, NULL, { NULL }, NULL,
	  { "ipxe.lkrn", "ipxe.krn" }, { NULL }, "" },
	/* The installer wants its ISO appended to the initrd or as a disk: whole-ISO boot. */
	{ "proxmox-ve", "Proxmox VE", "sanboot", { "proxmox", "boot/linux26" }, NULL, { NULL },
	  ".cd-info#.ISORELEASE", { NULL }, { NULL }, "" },
	{ "truenas-scale", "TrueNAS SCALE", "linux", { "TrueNAS-SCALE.update", "live/vmlinuz*" },
	  NULL, { NULL }, "@volid", LIVE_KERNEL, LIVE_INITRD, LIVE_FETCH },
	{ "clonezilla", "Clonezilla Live", "tool", { "Clonezilla-Live-Version", "live/vmlinuz*" },
	  NULL, { NULL }, "Clonezilla-Live-Version", LIVE_KERNEL, LIVE_INITRD,
	  "boot=live union=overlay username=user config components noswap edd=on nomodeset "
	  "ocs_live_run=\"ocs-live-general\" ocs_live_batch=no ip=dhcp net.ifnames=0 "
	  "fetch={{image.tree_url}}/live/filesystem.squashfs" },
	{ "gparted", "GParted Live", "tool", { "GParted-Live-Version", "live/vmlinuz*" },
	  NULL, { NULL }, "GParted-Live-Version", LIVE_KERNEL, LIVE_INITRD,
	  "boot=live union=overlay username=user config components noswap ip=dhcp "
	  "fetch={{image.tree_url}}/live/filesystem.squashfs" },
	{ "tails", "Tails", "linux", { "live/vmlinuz*" }, ".disk/info", { "*Tails*" }, "@volid",
	  LIVE_KERNEL, LIVE_INITRD, LIVE_FETCH " nopersistence noprompt" },
	{ "kali", "Kali Linux", "linux", { "live/vmlinuz*" }, ".disk/info", { "*Kali*" },
	  ".disk/info", LIVE_KERNEL, LIVE_INITRD, LIVE_FETCH " username=kali hostname=kali" },
	{ "parrot", "Parrot OS", "linux", { "live/vmlinuz*" }, ".disk/info", { "*Parrot*" },
	  ".disk/info", LIVE_KERNEL, LIVE_INITRD, LIVE_FETCH },
	{ "devuan", "Devuan live", "linux", { "live/vmlinuz*" }, ".disk/info", { "*Devuan*" },
	  ".disk/info", LIVE_KERNEL, LIVE_INITRD, LIVE_FETCH },
	/* antiX/MX find their linuxfs only on a local device: whole-ISO boot. */
	{ "mx", "MX Linux / antiX", "sanboot", { "antiX/vmlinuz", "antiX/linuxfs" }, NULL, { NULL },
	  "@volid", { NULL }, { NULL }, "" },
	{ "debian-live", "Debian live", "linux", { "live/vmlinuz*" }, ".disk/info", { "*Debian*" },
	  ".disk/info", LIVE_KERNEL, LIVE_INITRD, LIVE_FETCH },
	{ "debian-installer", "Debian installer", "linux", { "install*/vmlinuz" }, ".disk/info",
	  { "*Debian*" }, ".disk/info", DI_KERNEL, DI_INITRD,
	  "{{#unattended_url}}auto=true priority=critical url={{unattended_url}} {{/unattended_url}}"
	  "ip=dhcp" },
	{ "linuxmint", "Linux Mint", "linux", { "casper*/vmlinuz*" }, ".disk/info",
	  { "*Linux Mint*", "*LinuxMint*" }, ".disk/info", CASPER_KERNEL, CASPER_INITRD, CASPER },
	{ "pop-os", "Pop!_OS", "linux", { "casper*/vmlinuz*" }, ".disk/info", { "*Pop*OS*" },
	  ".disk/info", CASPER_KERNEL, CASPER_INITRD, CASPER },
	{ "elementary", "elementary OS", "linux", { "casper*/vmlinuz*" }, ".disk/info",
	  { "*elementary*" }, ".disk/info", CASPER_KERNEL, CASPER_INITRD, CASPER },
	{ "zorin", "Zorin OS", "linux", { "casper*/vmlinuz*" }, ".disk/info", { "*Zorin*" },
	  ".disk/info", CASPER_KERNEL, CASPER_INITRD, CASPER },
	/* Ubuntu and its flavours (Kubuntu, Xubuntu, Ubuntu MATE, ...): autoinstall through NoCloud. */
	{ "ubuntu", "Ubuntu", "linux", { "casper*/vmlinuz*" }, ".disk/info", { "*ubuntu*" },
	  ".disk/info", CASPER_KERNEL, CASPER_INITRD,
	  CASPER " cloud-config-url=/dev/null{{#unattended_url}} autoinstall "
	  "ds=nocloud-net;s={{unattended_url}}{{/unattended_url}}" },
	{ "casper", "casper live (Ubuntu-based)", "linux", { "casper*/vmlinuz*" }, NULL, { NULL },
	  ".disk/info", CASPER_KERNEL, CASPER_INITRD, CASPER },
	{ "fedora-live", "Fedora live", "linux", { "LiveOS/squashfs.img" }, ".treeinfo",
	  { "*Fedora*" }, "@volid", RH_KERNEL, RH_INITRD, DRACUT_LIVE },
	{ "fedora", "Fedora", "linux", { ".treeinfo" }, ".treeinfo", { "*family = Fedora*" },
	  ".treeinfo#release.version", RH_KERNEL, RH_INITRD, ANACONDA },
	{ "rhel", "Red Hat Enterprise Linux", "linux", { ".treeinfo" }, ".treeinfo",
	  { "*family = Red Hat Enterprise Linux*" }, ".treeinfo#release.version", RH_KERNEL,
	  RH_INITRD, ANACONDA },
	{ "centos-stream", "CentOS Stream", "linux", { ".treeinfo" }, ".treeinfo",
	  { "*family = CentOS Stream*" }, ".treeinfo#release.version", RH_KERNEL, RH_INITRD,
	  ANACONDA },
	{ "rocky", "Rocky Linux", "linux", { ".treeinfo" }, ".treeinfo", { "*family = Rocky*" },
	  ".treeinfo#release.version", RH_KERNEL, RH_INITRD, ANACONDA },
	{ "almalinux", "AlmaLinux", "linux", { ".treeinfo" }, ".treeinfo", { "*family = AlmaLinux*" },
	  ".treeinfo#release.version", RH_KERNEL, RH_INITRD, ANACONDA },
	{ "oraclelinux", "Oracle Linux", "linux", { ".treeinfo" }, ".treeinfo",
	  { "*family = Oracle Linux*" }, ".treeinfo#release.version", RH_KERNEL, RH_INITRD,
	  ANACONDA },
	{ "opensuse-leap", "openSUSE Leap", "linux", { "boot/*/loader/linux" }, "media.1/products",
	  { "*openSUSE*Leap*" }, "media.1/products", SUSE_KERNEL, SUSE_INITRD, LINUXRC },
	{ "opensuse-tumbleweed", "openSUSE Tumbleweed", "linux", { "boot/*/loader/linux" },
	  "media.1/products", { "*openSUSE*Tumbleweed*" }, "media.1/products", SUSE_KERNEL,
	  SUSE_INITRD, LINUXRC },
	{ "sles", "SUSE Linux Enterprise Server", "linux", { "boot/*/loader/linux" },
	  "media.1/products", { "*SLE*" }, "media.1/products", SUSE_KERNEL, SUSE_INITRD, LINUXRC },
	{ "systemrescue", "SystemRescue", "tool", { "sysresccd/boot/*/vmlinuz" }, NULL, { NULL },
	  "sysresccd/VERSION", { "sysresccd/boot/x86_64/vmlinuz", "sysresccd/boot/*/vmlinuz" },
	  { "sysresccd/boot/intel_ucode.img", "sysresccd/boot/amd_ucode.img",
	    "sysresccd/boot/*/sysresccd.img" }, ARCHISO },
	{ "endeavouros", "EndeavourOS", "linux", { "*/boot/*/vmlinuz-*" }, NULL,
	  { "EOS*", "*ENDEAVOUR*" }, "@volid", ARCH_KERNEL, ARCH_INITRD, ARCHISO },
	{ "cachyos", "CachyOS", "linux", { "*/boot/*/vmlinuz-*" }, NULL, { "*CACHY*" }, "@volid",
	  ARCH_KERNEL, ARCH_INITRD, ARCHISO },
	{ "archlinux", "Arch Linux", "linux", { "arch/boot/*/vmlinuz-*" }, NULL, { NULL },
	  "arch/version", ARCH_KERNEL, ARCH_INITRD, ARCHISO },
	{ "manjaro", "Manjaro", "linux", { "manjaro", "boot/vmlinuz-*" }, NULL, { NULL }, "@volid",
	  { "boot/vmlinuz-x86_64", "boot/vmlinuz-*" },
	  { "boot/intel_ucode.img", "boot/amd_ucode.img", "boot/initramfs-*.img" },
	  "misobasedir=manjaro miso_http_srv={{image.tree_url}}/ ip=dhcp" },
	{ "alpine", "Alpine Linux", "linux", { ".alpine-release" }, NULL, { NULL }, ".alpine-release",
	  { "boot/vmlinuz-*" }, { "boot/initramfs-*" },
	  "alpine_repo={{image.tree_url}}/apks modloop={{image.tree_url}}/boot/modloop-@KFLAVOR@ "
	  "ip=dhcp" },
	{ "nixos", "NixOS", "linux", { "nix-store.squashfs", "boot/bzImage" }, NULL, { NULL },
	  "@volid", { "boot/bzImage" }, { "boot/initrd" }, "init=@INIT@ boot.shell_on_fail ip=dhcp" },
	{ "gentoo", "Gentoo", "linux", { "boot/gentoo" }, NULL, { NULL }, "@volid",
	  { "boot/gentoo" }, { "boot/gentoo.igz" },
	  "root=live:{{image.tree_url}}/image.squashfs rd.live.dir=/ rd.live.squashimg=image.squashfs "
	  "cdroot ip=dhcp" },
	{ "void", "Void Linux", "linux", { "LiveOS/squashfs.img", "boot/vmlinuz" }, NULL,
	  { "*VOID*" }, "@volid", { "boot/vmlinuz" }, { "boot/initrd" },
	  DRACUT_LIVE " init=/sbin/init rd.luks=0 rd.md=0 rd.dm=0" },
	{ "slackware", "Slackware", "linux", { "kernels/*/bzImage", "isolinux/initrd.img" }, NULL,
	  { NULL }, "@volid", { "kernels/huge.s/bzImage", "kernels/*/bzImage" },
	  { "isolinux/initrd.img" }, "load_ramdisk=1 prompt_ramdisk=0 rw SLACK_KERNEL=huge.s" },
	/* The loader needs its memory disk: whole-ISO boot (sanboot or memdisk). */
	{ "freebsd", "FreeBSD", "sanboot", { "boot/kernel/kernel" }, NULL, { NULL }, "@volid",
	  { NULL }, { NULL }, "" },
};

/* Words in volume ids, marker files and paths that name an architecture. */
static const struct {
	const char	*word;
	const char	*arch;
} arch_words[] = {
	{ "x86_64", "x86_64" }, { "amd64", "x86_64" }, { "aarch64", "aarch64" },
	{ "arm64", "aarch64" }, { "i686", "i386" }, { "i386", "i386" }, { "x64", "x86_64" },
	{ "ppc64le", "ppc64le" }, { "s390x", "s390x" }, { "riscv64", "riscv64" },
	{ "64bit", "x86_64" }, { "64-bit", "x86_64" }, { "32bit", "i386" },
};

struct ctx {
	const struct nb_iso	*iso;
	char			*cfgtext;	/* every boot loader config, concatenated */
	struct bootentry {
		const struct nb_iso_file *kernel;
		const struct nb_iso_file *initrds[NB_DISTRO_MAXINITRD];
		size_t		 ninitrds;
		char		*append;
	}			 boot;		/* the first entry of those configs with a kernel */
};

static int
glob_match(const char *pat, const char *path)
{
	return fnmatch(pat, path, FNM_PATHNAME | FNM_CASEFOLD) == 0;
}

/* A name with a control byte (a line break in a script) is no boot file. */
static int
name_plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static const struct nb_iso_file *
glob_first(const struct nb_iso *iso, const char *pat, int files_only)
{
	const struct nb_iso_file *f;
	size_t	 i;

	for (i = 0; i < iso->nfiles; i++) {
		f = &iso->files[i];
		if ((!files_only || (!f->isdir && name_plain(f->path))) &&
		    glob_match(pat, f->path))
			return f;
	}
	return NULL;
}

static char *
read_text(const struct nb_iso *iso, const char *path)
{
	const struct nb_iso_file *f;

	if ((f = nb_iso_find(iso, path)) == NULL || f->isdir)
		return NULL;
	return nb_iso_read(iso, f, TEXT_MAX, NULL);
}

/* The first version-like number: digits and dots, not glued to a letter (so not the 64 of x86_64). */
static char *
first_number(const char *s)
{
	size_t	 i, n;

	for (i = 0; s[i] != '\0'; i++) {
		if (!isdigit((unsigned char)s[i]) || (i > 0 && isalnum((unsigned char)s[i - 1])))
			continue;
		/* "_" separates fields of volume ids (ARCH_202405) but also ends "x86_" */
		if (i >= 3 && s[i - 1] == '_' && strncmp(s + i - 3, "86", 2) == 0)
			continue;
		n = strspn(s + i, "0123456789.");
		while (n > 0 && s[i + n - 1] == '.')
			n--;
		return xstrndup(s + i, n > 32 ? 32 : n);
	}
	return NULL;
}

/* The value of key in [section] of an ini text ("" section: before the first header). */
static char *
ini_get(const char *text, const char *section, const char *key)
{
	const char	*line = text, *eol, *p;
	char		 cur[64] = "";
	size_t		 klen = strlen(key), n;

	for (; *line != '\0'; line = *eol ? eol + 1 : eol) {
		eol = line + strcspn(line, "\n");
		p = line + strspn(line, " \t");
		if (*p == '[') {
			n = strcspn(p + 1, "]\n");
			snprintf(cur, sizeof(cur), "%.*s", (int)n, p + 1);
			continue;
		}
		if (strcmp(cur, section) != 0 || strncasecmp(p, key, klen) != 0)
			continue;
		p += klen;
		p += strspn(p, " \t");
		if (*p != '=')
			continue;
		p++;
		p += strspn(p, " \t\"");
		n = (size_t)(eol - p);
		while (n > 0 && strchr(" \t\r\"", p[n - 1]) != NULL)
			n--;
		return xstrndup(p, n > 64 ? 64 : n);
	}
	return NULL;
}

/*
 * The version in the kernel_version string of the x86 boot header
 * (Documentation/arch/x86/boot.rst, protocol 2.00+): "6.1.0-18-amd64 ...",
 * "Memtest86+ v6.10".
 */
static char *
kernel_version(const struct nb_iso *iso, const struct nb_iso_file *k)
{
	unsigned char	*h;
	size_t		 len, off, i;
	char		*v = NULL, *s;

	if (k == NULL ||
	    (h = (unsigned char *)nb_iso_read(iso, k, KVER_MAX, &len)) == NULL)
		return NULL;
	if (len < 0x210 || memcmp(h + 0x202, "HdrS", 4) != 0 ||
	    (h[0x206] | h[0x207] << 8) < 0x200 || (h[0x20e] | h[0x20f] << 8) == 0)
		goto done;
	off = 0x200 + (size_t)(h[0x20e] | h[0x20f] << 8);
	if (off >= len)
		goto done;
	s = xstrndup((char *)h + off, len - off > 64 ? 64 : len - off);
	/* "v6.10": the v does not glue the number to a word */
	for (i = 0; s[i] != '\0'; i++)
		if ((s[i] == 'v' || s[i] == 'V') && isdigit((unsigned char)s[i + 1]) &&
		    (i == 0 || !isalnum((unsigned char)s[i - 1])))
			break;
	v = first_number(s[i] != '\0' ? s + i + 1 : s);
	free(s);
done:
	free(h);
	return v;
}

static char *
find_version(const struct nb_iso *iso, const char *src,
    const struct nb_iso_file *k)
{
	char	*text, *v = NULL, *file, *hash, *dot;

	if (src == NULL)
		return NULL;
	if (strcmp(src, "@volid") == 0)
		return first_number(iso->volid);
	if (strcmp(src, "@kver") == 0)
		return kernel_version(iso, k);
	file = xstrdup(src);
	if ((hash = strchr(file, '#')) != NULL)
		*hash++ = '\0';
	if ((text = read_text(iso, file)) != NULL) {
		if (hash != NULL && (dot = strchr(hash, '.')) != NULL) {
			*dot++ = '\0';
			if ((v = ini_get(text, hash, dot)) == NULL)	/* older .treeinfo: [general] */
				v = ini_get(text, "general", dot);
		} else
			v = first_number(text);
	}
	free(text);
	free(file);
	return v;
}

/* x86 boot protocol (Documentation/arch/x86/boot.rst) or the arm64 Image header. */
static const char *
kernel_arch(const struct nb_iso *iso, const struct nb_iso_file *k)
{
	unsigned char	*h;
	size_t		 len;
	const char	*arch = NULL;

	if (k == NULL || (h = (unsigned char *)nb_iso_read(iso, k, 1024, &len)) == NULL)
		return NULL;
	if (len >= 0x238 && memcmp(h + 0x202, "HdrS", 4) == 0) {
		/* xloadflags bit 0, XLF_KERNEL_64, since boot protocol 2.12 */
		if ((h[0x206] | h[0x207] << 8) >= 0x20c && (h[0x236] & 1))
			arch = "x86_64";
		else
			arch = "i386";
	} else if (len >= 64 && memcmp(h + 56, "ARM\x64", 4) == 0)
		arch = "aarch64";
	free(h);
	return arch;
}

static char *
find_arch(const struct nb_iso *iso, const char *text, const struct nb_iso_file *kernel)
{
	const char	*a;
	size_t		 i;

	for (i = 0; i < sizeof(arch_words) / sizeof(arch_words[0]); i++)
		if (text != NULL && strcasestr(text, arch_words[i].word) != NULL)
			return xstrdup(arch_words[i].arch);
	if ((a = kernel_arch(iso, kernel)) != NULL)
		return xstrdup(a);
	return NULL;
}

/* A path from a boot loader config: "(hd0)/x", "/x" or relative to the config's directory. */
static const struct nb_iso_file *
cfg_resolve(const struct nb_iso *iso, const char *cfgpath, const char *p, size_t len)
{
	const struct nb_iso_file *f;
	char		 path[1024], dir[1024], *slash;

	if (len > 0 && p[0] == '(') {		/* GRUB device prefix */
		while (len > 0 && *p != ')')
			p++, len--;
		if (len > 0)
			p++, len--;
	}
	if (len == 0 || len >= sizeof(path) || memchr(p, '$', len) != NULL)
		return NULL;
	snprintf(path, sizeof(path), "%.*s", (int)len, p);
	if (!name_plain(path))
		return NULL;
	if ((f = nb_iso_find(iso, path)) != NULL && !f->isdir)
		return f;
	if (path[0] == '/')
		return NULL;
	strlcpy(dir, cfgpath, sizeof(dir));
	if ((slash = strrchr(dir, '/')) == NULL)
		return NULL;
	*slash = '\0';
	if (strlcat(dir, "/", sizeof(dir)) >= sizeof(dir) || strlcat(dir, path, sizeof(dir)) >= sizeof(dir))
		return NULL;
	/* The config's own directory may be the one with a bad name. */
	if ((f = nb_iso_find(iso, dir)) != NULL && !f->isdir &&
	    name_plain(f->path))
		return f;
	return NULL;
}

static void
cfg_add_initrds(struct ctx *c, const char *cfgpath, const char *list, int commas)
{
	const struct nb_iso_file *f;
	size_t		 n;
	const char	*sep = commas ? ", \t" : " \t";

	while (*list != '\0' && *list != '\n' && c->boot.ninitrds < NB_DISTRO_MAXINITRD) {
		list += strspn(list, sep);
		n = strcspn(list, commas ? ", \t\n" : " \t\n");
		if (n == 0)
			break;
		if ((f = cfg_resolve(c->iso, cfgpath, list, n)) != NULL)
			c->boot.initrds[c->boot.ninitrds++] = f;
		list += n;
	}
}

/* The append line as a template: drop initrd= (the boot script loads them) and braces. */
static char *
cfg_args(const char *s)
{
	char	*out = xcalloc(1, strlen(s) + 1);
	size_t	 n, o = 0;

	while (*s != '\0' && *s != '\n') {
		s += strspn(s, " \t");
		n = strcspn(s, " \t\n");
		if (n == 0)
			break;
		if (strncmp(s, "initrd=", 7) != 0 && strncmp(s, "BOOT_IMAGE=", 11) != 0 &&
		    memchr(s, '{', n) == NULL && memchr(s, '}', n) == NULL &&
		    !(n == 3 && strncmp(s, "---", 3) == 0)) {
			if (o > 0)
				out[o++] = ' ';
			memcpy(out + o, s, n);
			o += n;
		}
		s += n;
	}
	out[o] = '\0';
	return out;
}

static int
kw(const char *p, const char *word)
{
	size_t	 n = strlen(word);

	return strncasecmp(p, word, n) == 0 && (p[n] == ' ' || p[n] == '\t');
}

/*
 * One isolinux/syslinux or GRUB config: the first entry whose kernel is a
 * file of the ISO (not a .c32 module) gives kernel, initrds and arguments.
 */
static void
cfg_parse(struct ctx *c, const char *cfgpath, const char *text)
{
	const struct nb_iso_file *k;
	const char	*line, *p, *arg;
	size_t		 n;

	for (line = text; *line != '\0'; line += strcspn(line, "\n"), line += *line == '\n') {
		p = line + strspn(line, " \t");
		if (kw(p, "label") || kw(p, "menuentry")) {
			if (c->boot.kernel != NULL)
				return;		/* the first entry with a kernel is complete */
			continue;
		}
		if (kw(p, "kernel") || kw(p, "linux") || kw(p, "linuxefi") || kw(p, "linux16")) {
			if (c->boot.kernel != NULL)
				return;
			arg = p + strcspn(p, " \t");
			arg += strspn(arg, " \t");
			n = strcspn(arg, " \t\n");
			if (n >= 4 && strncasecmp(arg + n - 4, ".c32", 4) == 0)
				continue;
			if ((k = cfg_resolve(c->iso, cfgpath, arg, n)) == NULL)
				continue;
			c->boot.kernel = k;
			c->boot.ninitrds = 0;
			if (strncasecmp(p, "kernel", 6) != 0 || arg[n] != '\n')
				c->boot.append = cfg_args(arg + n);	/* GRUB: args follow */
		} else if (c->boot.kernel != NULL && (kw(p, "initrd") || kw(p, "initrdefi") ||
		    kw(p, "initrd16"))) {
			arg = p + strcspn(p, " \t");
			cfg_add_initrds(c, cfgpath, arg, strncasecmp(p, "initrd ", 7) == 0 &&
			    strchr(arg, ',') != NULL);
		} else if (c->boot.kernel != NULL && kw(p, "append")) {
			arg = p + 6;
			free(c->boot.append);
			c->boot.append = cfg_args(arg);
			if ((arg = strstr(arg, "initrd=")) != NULL &&
			    (size_t)(arg - p) < strcspn(p, "\n"))
				cfg_add_initrds(c, cfgpath, arg + 7, 1);
		}
	}
}

/* Boot loader configs, isolinux/syslinux before GRUB: the BIOS entry names the plain kernel. */
static void
cfg_scan(struct ctx *c)
{
	static const char *const globs[] = {
		"isolinux.cfg", "*/isolinux.cfg", "*/*/isolinux.cfg", "syslinux.cfg",
		"*/syslinux.cfg", "*/*/syslinux.cfg", "isolinux/*.cfg", "boot/isolinux/*.cfg",
		"syslinux/*.cfg", "boot/syslinux/*.cfg", "boot/grub/grub.cfg", "boot/grub2/grub.cfg",
		"EFI/BOOT/grub.cfg", "boot/grub/*.cfg", "*/boot/grub/*.cfg", "loader/entries/*.conf",
	};
	const struct nb_iso_file *f;
	size_t		 g, i, tlen = 0, n;
	char		*text;

	c->cfgtext = xstrdup("");
	for (g = 0; g < sizeof(globs) / sizeof(globs[0]); g++) {
		for (i = 0; i < c->iso->nfiles; i++) {
			f = &c->iso->files[i];
			if (f->isdir || f->size > CFG_MAX || !glob_match(globs[g], f->path))
				continue;
			if ((text = nb_iso_read(c->iso, f, CFG_MAX, &n)) == NULL)
				continue;
			if (strstr(c->cfgtext, f->path) == NULL) {	/* each config once */
				c->cfgtext = xreallocarray(c->cfgtext, 1, tlen + strlen(f->path) + n + 4);
				tlen += (size_t)snprintf(c->cfgtext + tlen, strlen(f->path) + n + 4,
				    "#%s\n%s\n", f->path, text);
				if (c->boot.kernel == NULL)
					cfg_parse(c, f->path, text);
			}
			free(text);
		}
	}
}

/* The value of the first token "word=..." in the configs. */
static char *
cfg_token(const struct ctx *c, const char *word)
{
	const char	*p = c->cfgtext;
	size_t		 wl = strlen(word);

	while ((p = strstr(p, word)) != NULL) {
		if ((p == c->cfgtext || strchr(" \t", p[-1]) != NULL))
			return xstrndup(p + wl, strcspn(p + wl, " \t\n\"'"));
		p += wl;
	}
	return NULL;
}

/*
 * A marker's value comes from the ISO: it may not open a template tag
 * (braces), break the line (control bytes) or, unless it is the argument
 * list @APPEND@, split or quote a kernel argument.
 */
static int
marker_ok(const char *v, int words)
{
	const unsigned char	*s;

	for (s = (const unsigned char *)v; *s != '\0'; s++)
		if (*s < 0x20 || *s == 0x7f || *s == '{' || *s == '}' ||
		    (!words && strchr(" \"'", *s) != NULL))
			return 0;
	return 1;
}

/* Fill the @NAME@ markers; NULL if one cannot be filled (the row then does not match). */
static char *
expand(const struct ctx *c, const char *tmpl, const struct nb_iso_file *k)
{
	char		*out, *v, kdir[1024] = "";
	const char	*p, *at, *slash, *base;
	size_t		 cap, o = 0, n;

	if (k != NULL) {
		if ((slash = strrchr(k->path, '/')) != NULL)
			snprintf(kdir, sizeof(kdir), "%.*s", (int)(slash - k->path), k->path);
	}
	cap = strlen(tmpl) + 1;
	out = xmalloc(cap);
	for (p = tmpl; *p != '\0'; p = at) {
		if (*p != '@' || (at = strchr(p + 1, '@')) == NULL) {
			at = p + 1;
			v = xstrndup(p, 1);
		} else {
			n = (size_t)(at - p - 1);
			at++;
			v = NULL;
			if (n == 4 && strncmp(p + 1, "KDIR", 4) == 0 && kdir[0] != '\0')
				v = xstrdup(kdir);
			else if (n == 4 && strncmp(p + 1, "KTOP", 4) == 0 && kdir[0] != '\0')
				v = xstrndup(kdir, strcspn(kdir, "/"));
			else if (n == 7 && strncmp(p + 1, "KFLAVOR", 7) == 0 && k != NULL) {
				base = (slash = strrchr(k->path, '/')) ? slash + 1 : k->path;
				if (strchr(base, '-') != NULL)
					v = xstrdup(strchr(base, '-') + 1);
			} else if (n == 4 && strncmp(p + 1, "INIT", 4) == 0)
				v = cfg_token(c, "init=");
			else if (n == 6 && strncmp(p + 1, "APPEND", 6) == 0)
				v = xstrdup(c->boot.append ? c->boot.append : "");
			else if (n == 4 && strncmp(p + 1, "REPO", 4) == 0)
				v = xstrdup(glob_first(c->iso, "*/repodata", 0) ||
				    glob_first(c->iso, "repodata", 0) ? "inst.repo" : "inst.stage2");
			if (v == NULL || v[0] == '\0' || !marker_ok(v,
			    n == 6 && strncmp(p + 1, "APPEND", 6) == 0)) {
				free(v);
				free(out);
				return NULL;
			}
		}
		n = strlen(v);
		if (o + n + 1 > cap) {
			cap = (o + n + 1) * 2;
			out = xreallocarray(out, 1, cap);
		}
		memcpy(out + o, v, n);
		o += n;
		free(v);
	}
	out[o] = '\0';
	return out;
}

/* Does row r describe iso? On a match fill d. */
static int
rule_match(const struct ctx *c, const struct distro_rule *r, struct nb_detect *d)
{
	const struct nb_iso_file *f;
	char		*text = NULL, *idtext = NULL, *cmdline;
	size_t		 i, j;
	int		 ok = 0;

	for (i = 0; i < 3 && r->need[i] != NULL; i++)
		if (glob_first(c->iso, r->need[i], 0) == NULL)
			return 0;
	if (r->idfile != NULL)
		idtext = read_text(c->iso, r->idfile);
	xasprintf(&text, "%s\n%s", c->iso->volid, idtext ? idtext : "");
	for (i = 0; i < 3 && r->id[i] != NULL; i++)
		if (fnmatch(r->id[i], text, FNM_CASEFOLD) == 0)
			break;
	if (r->id[0] != NULL && (i == 3 || r->id[i] == NULL))
		goto done;
	memset(d, 0, sizeof(*d));
	for (i = 0; i < 4 && r->kernel[i] != NULL && d->kernel == NULL; i++)
		d->kernel = glob_first(c->iso, r->kernel[i], 1);
	if (r->kernel[0] != NULL && d->kernel == NULL)
		goto done;
	for (i = 0; i < 5 && r->initrd[i] != NULL; i++) {
		if ((f = glob_first(c->iso, r->initrd[i], 1)) == NULL)
			continue;
		for (j = 0; j < d->ninitrds && d->initrds[j] != f; j++)
			;
		if (j == d->ninitrds && d->ninitrds < NB_DISTRO_MAXINITRD)
			d->initrds[d->ninitrds++] = f;
	}
	/* A Linux row names the initrds it needs; Windows needs all of wimboot's files. */
	if (r->initrd[0] != NULL && (d->ninitrds == 0 ||
	    (strcmp(r->kind, "windows") == 0 && d->ninitrds < 3)))
		goto done;
	if ((cmdline = expand(c, r->cmdline, d->kernel)) == NULL)
		goto done;
	d->family = r->family;
	d->name = r->name;
	d->kind = r->kind;
	d->cmdline = cmdline;
	d->version = find_version(c->iso, r->versrc, d->kernel);
	d->arch = find_arch(c->iso, text, d->kernel);
	if (d->arch == NULL && d->kernel != NULL)
		d->arch = find_arch(c->iso, d->kernel->path, NULL);
	xasprintf(&d->evidence, "volume id '%s'%s%s%s, %s%s", c->iso->volid,
	    r->idfile && idtext ? ", " : "", r->idfile && idtext ? r->idfile : "",
	    r->idfile && idtext ? " matches" : "", r->need[0] ? r->need[0] : "",
	    r->need[0] ? " present" : "");
	ok = 1;
done:
	free(text);
	free(idtext);
	return ok;
}

/* Why whole-ISO boot cannot work: no El Torito image that iPXE starts. */
static const char *
sanboot_why(const struct nb_iso *iso)
{
	if (!iso->eltorito)
		return "it has no El Torito boot record";
	return "its El Torito boot record has neither a BIOS image without "
	    "emulation (iPXE's BIOS sanboot cannot emulate a floppy or hard "
	    "disk) nor a UEFI image";
}

/* No row: the boot loader config's first entry, else the whole ISO if El Torito can boot it. */
static int
fallback(struct ctx *c, struct nb_detect *d, char *err, size_t errsz)
{
	size_t	 i;

	memset(d, 0, sizeof(*d));
	if (c->boot.kernel != NULL) {
		d->family = "generic";
		d->name = "kernel and initrd from the ISO's boot loader config";
		d->kind = "linux";
		d->kernel = c->boot.kernel;
		for (i = 0; i < c->boot.ninitrds; i++)
			d->initrds[i] = c->boot.initrds[i];
		d->ninitrds = c->boot.ninitrds;
		d->cmdline = expand(c, "@APPEND@", NULL);
		if (d->cmdline == NULL)
			d->cmdline = xstrdup("");
		d->version = first_number(c->iso->volid);
		d->arch = find_arch(c->iso, c->iso->volid, d->kernel);
		xasprintf(&d->evidence, "volume id '%s', no family matched; kernel %s named by a "
		    "boot loader config", c->iso->volid, d->kernel->path);
		return 0;
	}
	if (c->iso->eltorito_bios || c->iso->eltorito_efi) {
		d->family = "unknown";
		d->name = "unknown bootable ISO (whole-ISO boot)";
		d->kind = "sanboot";
		d->cmdline = xstrdup("");
		d->arch = find_arch(c->iso, c->iso->volid, NULL);
		xasprintf(&d->evidence, "volume id '%s', no family matched, no kernel in the boot "
		    "loader configs; El Torito boot record present", c->iso->volid);
		return 0;
	}
	snprintf(err, errsz, "%s: unknown ISO (volume id '%s'): no family of "
	    "the table matches, no boot loader config names a kernel, and %s",
	    c->iso->path, c->iso->volid, sanboot_why(c->iso));
	return -1;
}

/* Whole-ISO boot: say on which firmware, or refuse an ISO none can boot. */
static int
sanboot_check(const struct nb_iso *iso, struct nb_detect *d, char *err,
    size_t errsz)
{
	const char	*how;
	char		*ev;

	if (strcmp(d->kind, "sanboot") != 0)
		return 0;
	if (!iso->eltorito_bios && !iso->eltorito_efi) {
		snprintf(err, errsz, "%s: %s (volume id '%s') boots only whole, and %s: "
		    "it cannot boot over the network", iso->path, d->name, iso->volid,
		    sanboot_why(iso));
		nb_detect_clear(d);
		return -1;
	}
	if (iso->eltorito_bios && iso->eltorito_efi)
		how = "BIOS and UEFI";
	else if (iso->eltorito_bios)
		how = "BIOS only (no El Torito image for UEFI)";
	else
		how = "UEFI only (no BIOS image that iPXE starts without emulation)";
	xasprintf(&ev, "%s; whole-ISO boot (sanboot) on %s", d->evidence, how);
	free(d->evidence);
	d->evidence = ev;
	return 0;
}

int
nb_distro_detect(const struct nb_iso *iso, struct nb_detect *d, char *err, size_t errsz)
{
	struct ctx	 c;
	size_t		 i;
	int		 rc = 0;

	memset(&c, 0, sizeof(c));
	memset(d, 0, sizeof(*d));
	c.iso = iso;
	cfg_scan(&c);
	for (i = 0; i < sizeof(distro_rules) / sizeof(distro_rules[0]); i++)
		if (rule_match(&c, &distro_rules[i], d))
			break;
	if (i == sizeof(distro_rules) / sizeof(distro_rules[0]))
		rc = fallback(&c, d, err, errsz);
	if (rc == 0)
		rc = sanboot_check(iso, d, err, errsz);
	free(c.cfgtext);
	free(c.boot.append);
	return rc;
}

void
nb_detect_clear(struct nb_detect *d)
{
	free(d->version);
	free(d->arch);
	free(d->cmdline);
	free(d->evidence);
	memset(d, 0, sizeof(*d));
}

json_t *
nb_detect_json(const struct nb_iso *iso, const struct nb_detect *d)
{
	json_t	*o = json_object(), *a = json_array();
	size_t	 i;

	json_object_set_new(o, "family", json_string(d->family));
	json_object_set_new(o, "name", json_string(d->name));
	json_object_set_new(o, "kind", json_string(d->kind));
	json_object_set_new(o, "version", d->version ? json_string(d->version) : json_null());
	json_object_set_new(o, "arch", d->arch ? json_string(d->arch) : json_null());
	json_object_set_new(o, "kernel", d->kernel ? json_string(d->kernel->path) : json_null());
	for (i = 0; i < d->ninitrds; i++)
		json_array_append_new(a, json_string(d->initrds[i]->path));
	json_object_set_new(o, "initrds", a);
	json_object_set_new(o, "cmdline", json_string(d->cmdline));
	json_object_set_new(o, "volume_id", json_string(iso->volid));
	json_object_set_new(o, "iso_path", json_string(iso->path));
	json_object_set_new(o, "iso_size", json_integer(iso->size));
	json_object_set_new(o, "files", json_integer((json_int_t)iso->nfiles));
	json_object_set_new(o, "names", json_string(iso->rockridge ? "rockridge" :
	    iso->joliet ? "joliet" : "iso9660"));
	json_object_set_new(o, "eltorito", json_boolean(iso->eltorito));
	json_object_set_new(o, "sanboot_bios", json_boolean(iso->eltorito_bios));
	json_object_set_new(o, "sanboot_uefi", json_boolean(iso->eltorito_efi));
	json_object_set_new(o, "evidence", json_string(d->evidence));
	return o;
}

void
nb_distro_foreach(void (*fn)(const char *, const char *, void *), void *arg)
{
	size_t	 i;

	for (i = 0; i < sizeof(distro_rules) / sizeof(distro_rules[0]); i++)
		fn(distro_rules[i].family, distro_rules[i].name, arg);
	fn("generic", "kernel and initrd named by the ISO's boot loader config", arg);
	fn("unknown", "any El Torito bootable ISO, booted whole (sanboot)", arg);
}
