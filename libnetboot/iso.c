/*
 * iso.c: reading ISO9660 images (ECMA-119) with their Joliet and Rock
 * Ridge (SUSP/RRIP) extensions.
 *
 * libarchive reads the contents but does not say where a file's bytes
 * lie in the image, which bootweb needs to serve /iso/<image>/<path> by
 * sendfile. So the directory records are parsed here, every length and
 * offset checked against the sector and the file before it is used: an
 * ISO is untrusted input. In ISO9660 a file's data is one contiguous
 * extent (or a chain of extents, which we index only when they touch).
 *
 * nb_iso_open reads only the volume descriptors and the directories (a
 * few KiB at the start of the image); nb_iso_pass then reads the whole
 * file once, in order, through libarchive, hashing it and copying out the
 * kernel and initrds as their bytes go by.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <archive.h>
#include <archive_entry.h>
#include <sha2.h>

#include "iso.h"
#include "log.h"
#include "xmalloc.h"

#define ISO_VD_FIRST	16		/* ECMA-119 6.2.1: system area is sectors 0-15 */
#define ISO_VD_MAX	64		/* descriptors we look at before giving up */
#define ISO_DIR_MAX	(16 << 20)	/* bytes in one directory */
#define ISO_DEPTH_MAX	64
#define ISO_FILES_MAX	1000000
#define ISO_DIRBYTES_MAX (512 << 20)	/* all directories together */
#define ISO_PATH_MAX	1024		/* as the iso_files table allows */
#define ISO_CE_MAX	32		/* SUSP continuation areas per record */
#define PASS_BUF	(1 << 20)

/* ECMA-119 9.1: the fields of a directory record we use. */
#define DR_LEN		0
#define DR_EAR_LEN	1
#define DR_EXTENT	2		/* both-endian 32: little-endian first */
#define DR_SIZE		10
#define DR_FLAGS	25
#define DR_NAME_LEN	32
#define DR_NAME		33
#define DR_FLAG_DIR	0x02
#define DR_FLAG_MULTI	0x80		/* more extents of this file follow */
/* El Torito boot catalog: 32-byte entries, the first byte says what. */
#define ELT_ENTRY	32
#define ELT_VALIDATION	0x01
#define ELT_BOOTABLE	0x88
#define ELT_HEADER	0x90		/* a section header, more follow */
#define ELT_LASTHEADER	0x91
#define ELT_EXTENSION	0x44
#define ELT_X86		0x00		/* platform ids */
#define ELT_EFI		0xef

struct walk {
	struct nb_iso	*iso;
	int		 joliet;	/* names are UCS-2 big-endian */
	int		 rr;		/* Rock Ridge names in the system use area */
	int		 susp_skip;	/* SUSP SP: bytes to skip in each system use area */
	size_t		 cap;
	uint64_t	 dirbytes;
	char		*err;
	size_t		 errsz;
};

static uint32_t
le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int
iso_fail(struct walk *w, const char *what)
{
	snprintf(w->err, w->errsz, "%s: damaged ISO9660 image: %s", w->iso->path, what);
	return -1;
}

/* Read len bytes at off, all inside the file. */
static int
iso_pread(const struct nb_iso *iso, void *buf, size_t len, int64_t off)
{
	ssize_t	 n;
	size_t	 done = 0;

	if (off < 0 || (int64_t)len > iso->size || off > iso->size - (int64_t)len) {
		errno = ERANGE;
		return -1;
	}
	while (done < len) {
		n = pread(iso->fd, (char *)buf + done, len - done, off + (int64_t)done);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		done += (size_t)n;
	}
	return 0;
}

/* Append UTF-8 of the UCS-2BE Joliet name (ECMA-119 + Joliet spec: BMP only). */
static int
iso_ucs2_utf8(const unsigned char *s, size_t len, char *out, size_t outsz)
{
	size_t	 i, o = 0;
	unsigned c;

	if (len % 2)
		return -1;
	for (i = 0; i + 1 < len; i += 2) {
		c = (unsigned)s[i] << 8 | s[i + 1];
		if (o + 4 >= outsz)
			return -1;
		if (c < 0x80)
			out[o++] = (char)c;
		else if (c < 0x800) {
			out[o++] = (char)(0xc0 | c >> 6);
			out[o++] = (char)(0x80 | (c & 0x3f));
		} else {
			out[o++] = (char)(0xe0 | c >> 12);
			out[o++] = (char)(0x80 | ((c >> 6) & 0x3f));
			out[o++] = (char)(0x80 | (c & 0x3f));
		}
	}
	out[o] = '\0';
	return 0;
}

/* What the system use area (SUSP, RRIP) of one record says. */
struct rr_info {
	char	 name[256];
	size_t	 namelen;
	int	 hasname;
	int	 relocated;	/* RE: the real entry is elsewhere (CL) */
	int	 child;		/* CL: a directory relocated to child_lba */
	uint32_t child_lba;
	int	 symlink;	/* SL */
	int	 zisofs;	/* ZF: stored compressed, bootweb cannot send it as it is */
};

/* Walk SUSP entries of one area; CE continues in another sector (SUSP 5.1). */
static int
iso_susp(struct walk *w, const unsigned char *su, size_t len, struct rr_info *rr, int hops)
{
	size_t		 off = 0, el, n;
	unsigned char	*ce;
	uint32_t	 celba = 0, ceoff = 0, celen = 0;
	int		 rc;

	while (off + 4 <= len) {
		el = su[off + 2];
		if (el < 4 || off + el > len)
			break;		/* padding or garbage: stop, as Linux does */
		if (memcmp(su + off, "NM", 2) == 0 && el >= 5) {
			if (su[off + 4] & 0x06)		/* "." or ".." */
				goto next;
			n = el - 5;
			if (rr->namelen + n >= sizeof(rr->name))
				return iso_fail(w, "Rock Ridge name too long");
			memcpy(rr->name + rr->namelen, su + off + 5, n);
			rr->namelen += n;
			rr->name[rr->namelen] = '\0';
			rr->hasname = 1;
		} else if (memcmp(su + off, "CE", 2) == 0 && el >= 28) {
			celba = le32(su + off + 4);
			ceoff = le32(su + off + 12);
			celen = le32(su + off + 20);
		} else if (memcmp(su + off, "RE", 2) == 0)
			rr->relocated = 1;
		else if (memcmp(su + off, "CL", 2) == 0 && el >= 12) {
			rr->child = 1;
			rr->child_lba = le32(su + off + 4);
		} else if (memcmp(su + off, "SL", 2) == 0)
			rr->symlink = 1;
		else if (memcmp(su + off, "ZF", 2) == 0)
			rr->zisofs = 1;
		else if (memcmp(su + off, "ST", 2) == 0)
			break;
next:
		off += el;
	}
	if (celen == 0)
		return 0;
	if (hops >= ISO_CE_MAX || celen > NB_ISO_SECTOR || ceoff >= NB_ISO_SECTOR ||
	    ceoff + celen > NB_ISO_SECTOR)
		return iso_fail(w, "bad SUSP continuation area");
	ce = xmalloc(celen);
	if (iso_pread(w->iso, ce, celen, (int64_t)celba * NB_ISO_SECTOR + ceoff) == -1) {
		free(ce);
		return iso_fail(w, "SUSP continuation area outside the file");
	}
	rc = iso_susp(w, ce, celen, rr, hops + 1);
	free(ce);
	return rc;
}

/* The name of a record: Rock Ridge NM, else Joliet, else ISO9660 minus ";1" and a trailing dot. */
static int
iso_name(struct walk *w, const unsigned char *r, size_t rlen, struct rr_info *rr, char *out,
    size_t outsz)
{
	size_t	 nlen = r[DR_NAME_LEN], su;
	char	*p;

	memset(rr, 0, sizeof(*rr));
	if (w->rr) {
		/* ECMA-119 9.1.12: a pad byte follows an even-length name. */
		su = DR_NAME + nlen + (nlen % 2 == 0) + (size_t)w->susp_skip;
		if (su < rlen && iso_susp(w, r + su, rlen - su, rr, 0) == -1)
			return -1;
		if (rr->hasname) {
			if (strlcpy(out, rr->name, outsz) >= outsz)
				return iso_fail(w, "name too long");
			return 0;
		}
	}
	if (w->joliet) {
		if (iso_ucs2_utf8(r + DR_NAME, nlen, out, outsz) == -1)
			return iso_fail(w, "bad Joliet name");
	} else {
		if (nlen >= outsz)
			return iso_fail(w, "name too long");
		memcpy(out, r + DR_NAME, nlen);
		out[nlen] = '\0';
	}
	if ((p = strrchr(out, ';')) != NULL)
		*p = '\0';
	if (!w->joliet && (p = strrchr(out, '.')) != NULL && p[1] == '\0' && p != out)
		*p = '\0';
	return 0;
}

static void
iso_add(struct walk *w, const char *path, int64_t start, int64_t size, int isdir)
{
	struct nb_iso	*iso = w->iso;

	if (iso->nfiles == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		iso->files = xreallocarray(iso->files, w->cap, sizeof(*iso->files));
	}
	iso->files[iso->nfiles].path = xstrdup(path);
	iso->files[iso->nfiles].start = start;
	iso->files[iso->nfiles].size = size;
	iso->files[iso->nfiles].isdir = isdir;
	iso->nfiles++;
}

/* The extents of a file seen so far, while its records flagged "more follow" come in. */
struct multi {
	char		 name[ISO_PATH_MAX + 1];
	int64_t		 start, size;
	int		 broken;	/* not contiguous: bootweb could not sendfile it */
};

static int iso_dir(struct walk *, uint32_t lba, uint32_t len, const char *prefix, int depth);

/* One directory record, not "." or "..": add it, and walk it if it is a directory. */
static int
iso_record(struct walk *w, const unsigned char *r, size_t rlen, const char *prefix, int depth,
    struct multi *multi)
{
	struct rr_info	 rr;
	char		 name[256], path[ISO_PATH_MAX + 1];
	uint32_t	 extent = le32(r + DR_EXTENT), size = le32(r + DR_SIZE);
	int64_t		 start = ((int64_t)extent + r[DR_EAR_LEN]) * NB_ISO_SECTOR;
	int		 flags = r[DR_FLAGS], n;

	if (iso_name(w, r, rlen, &rr, name, sizeof(name)) == -1)
		return -1;
	if (rr.relocated || rr.symlink || rr.zisofs || name[0] == '\0' || strchr(name, '/') != NULL ||
	    strcmp(name, ".") == 0 || strcmp(name, "..") == 0) {
		w->iso->skipped += !(flags & DR_FLAG_DIR) && !rr.relocated;
		return 0;
	}
	n = snprintf(path, sizeof(path), "%s%s%s", prefix, prefix[0] ? "/" : "", name);
	if (n < 0 || (size_t)n >= ISO_PATH_MAX) {
		w->iso->skipped++;
		return 0;
	}
	if (w->iso->nfiles >= ISO_FILES_MAX)
		return iso_fail(w, "too many files");
	if ((flags & DR_FLAG_DIR) || rr.child) {
		if (rr.child) {
			/* RRIP 4.1.5.1: a deep directory moved elsewhere; its "." record has the size. */
			unsigned char	 sec[NB_ISO_SECTOR];

			extent = rr.child_lba;
			if (iso_pread(w->iso, sec, sizeof(sec), (int64_t)extent * NB_ISO_SECTOR) == -1 ||
			    sec[DR_LEN] < DR_NAME + 1)
				return iso_fail(w, "bad Rock Ridge child link");
			size = le32(sec + DR_SIZE);
		}
		iso_add(w, path, (int64_t)extent * NB_ISO_SECTOR, 0, 1);
		return iso_dir(w, extent, size, path, depth + 1);
	}
	if (start + size > w->iso->size)
		return iso_fail(w, "a file extends past the end of the image (truncated?)");
	/* ECMA-119 6.5.1: a file may have several extents, in order, each record flagged but the last. */
	if (multi->name[0] != '\0' && strcmp(multi->name, path) == 0) {
		if (multi->start + multi->size != start)
			multi->broken = 1;
		multi->size += size;
	} else {
		strlcpy(multi->name, path, sizeof(multi->name));
		multi->start = start;
		multi->size = size;
		multi->broken = 0;
	}
	if (flags & DR_FLAG_MULTI)
		return 0;
	if (multi->broken)
		w->iso->skipped++;
	else
		iso_add(w, path, multi->start, multi->size, 0);
	multi->name[0] = '\0';
	return 0;
}

/* Walk one directory's extent; records never cross a sector boundary (ECMA-119 6.8.1.1). */
static int
iso_dir(struct walk *w, uint32_t lba, uint32_t len, const char *prefix, int depth)
{
	struct multi	 multi;
	unsigned char	*buf;
	size_t		 pos = 0, rlen, send;
	int		 rc = -1;

	if (depth > ISO_DEPTH_MAX)
		return iso_fail(w, "directories nested too deep (a loop?)");
	if (len == 0 || len > ISO_DIR_MAX || (w->dirbytes += len) > ISO_DIRBYTES_MAX)
		return iso_fail(w, "bad directory size");
	len = (len + NB_ISO_SECTOR - 1) / NB_ISO_SECTOR * NB_ISO_SECTOR;
	buf = xmalloc(len);
	if (iso_pread(w->iso, buf, len, (int64_t)lba * NB_ISO_SECTOR) == -1) {
		iso_fail(w, "a directory lies past the end of the image (truncated?)");
		goto done;
	}
	multi.name[0] = '\0';
	while (pos < len) {
		send = (pos / NB_ISO_SECTOR + 1) * NB_ISO_SECTOR;
		rlen = buf[pos + DR_LEN];
		if (rlen == 0) {		/* the rest of this sector is padding */
			pos = send;
			continue;
		}
		if (rlen < DR_NAME + 1 || pos + rlen > send ||
		    DR_NAME + (size_t)buf[pos + DR_NAME_LEN] > rlen) {
			iso_fail(w, "bad directory record");
			goto done;
		}
		if (!(buf[pos + DR_NAME_LEN] == 1 && buf[pos + DR_NAME] <= 1) &&
		    iso_record(w, buf + pos, rlen, prefix, depth, &multi) == -1)
			goto done;
		pos += rlen;
	}
	rc = 0;
done:
	free(buf);
	return rc;
}

/* SUSP 5.3: the SP entry in the root's "." record announces SUSP (and so Rock Ridge). */
static void
iso_detect_rr(struct walk *w, uint32_t lba)
{
	unsigned char	 sec[NB_ISO_SECTOR];
	size_t		 rlen, su;

	if (iso_pread(w->iso, sec, sizeof(sec), (int64_t)lba * NB_ISO_SECTOR) == -1)
		return;
	rlen = sec[DR_LEN];
	su = DR_NAME + 1;		/* "." is one byte: odd, so no pad byte (9.1.12) */
	if (rlen < su + 7 || rlen > sizeof(sec))
		return;
	if (memcmp(sec + su, "SP", 2) == 0 && sec[su + 2] >= 7 && sec[su + 4] == 0xbe &&
	    sec[su + 5] == 0xef) {
		w->rr = 1;
		w->susp_skip = sec[su + 6];
	}
}

static int
iso_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nb_iso_file *)a)->path, ((const struct nb_iso_file *)b)->path);
}

/*
 * El Torito 1.0 sections 2.1-2.4: which firmware can boot the ISO whole.
 * iPXE's BIOS sanboot runs the default entry only, and only without
 * emulation (src/arch/x86/interface/pcbios/int13.c); its UEFI sanboot has
 * the firmware mount the FAT image of an entry for platform 0xEF and runs
 * EFI/BOOT/BOOTX64.EFI from it (src/interface/efi/efi_block.c).
 */
static void
iso_eltorito(struct nb_iso *iso, uint32_t lba)
{
	unsigned char	 cat[NB_ISO_SECTOR], *e;
	size_t		 off, n;
	int		 platform, last = 0;

	if (iso_pread(iso, cat, sizeof(cat), (int64_t)lba * NB_ISO_SECTOR) == -1 ||
	    cat[0] != ELT_VALIDATION || cat[30] != 0x55 || cat[31] != 0xaa)
		return;
	e = cat + ELT_ENTRY;
	if (e[0] == ELT_BOOTABLE && cat[1] == ELT_EFI)
		iso->eltorito_efi = 1;
	else if (e[0] == ELT_BOOTABLE && cat[1] == ELT_X86 && (e[1] & 0x0f) == 0)
		iso->eltorito_bios = 1;
	/* Section headers, each followed by its entries and their extensions. */
	for (off = 2 * ELT_ENTRY; !last && off + ELT_ENTRY <= sizeof(cat);) {
		e = cat + off;
		if (e[0] != ELT_HEADER && e[0] != ELT_LASTHEADER)
			break;
		last = e[0] == ELT_LASTHEADER;
		platform = e[1];
		n = (size_t)(e[2] | e[3] << 8);
		for (off += ELT_ENTRY; n > 0 && off + ELT_ENTRY <= sizeof(cat);
		    off += ELT_ENTRY) {
			e = cat + off;
			if (e[0] == ELT_EXTENSION)
				continue;
			if (e[0] == ELT_BOOTABLE && platform == ELT_EFI)
				iso->eltorito_efi = 1;
			n--;
		}
	}
}

/* ECMA-119 8: find the primary descriptor, a Joliet supplementary one and an El Torito record. */
static int
iso_descriptors(struct walk *w, unsigned char pvd[NB_ISO_SECTOR], unsigned char svd[NB_ISO_SECTOR],
    int *has_svd)
{
	unsigned char	 vd[NB_ISO_SECTOR];
	int		 i, has_pvd = 0;
	char		*p;

	*has_svd = 0;
	for (i = ISO_VD_FIRST; i < ISO_VD_FIRST + ISO_VD_MAX; i++) {
		if (iso_pread(w->iso, vd, sizeof(vd), (int64_t)i * NB_ISO_SECTOR) == -1)
			break;
		if (memcmp(vd + 1, "CD001", 5) != 0)
			break;
		if (vd[0] == 255)
			break;
		if (vd[0] == 1 && !has_pvd) {
			memcpy(pvd, vd, sizeof(vd));
			has_pvd = 1;
		} else if (vd[0] == 2 && vd[88] == '%' && vd[89] == '/' &&
		    (vd[90] == '@' || vd[90] == 'C' || vd[90] == 'E') && !*has_svd) {
			memcpy(svd, vd, sizeof(vd));	/* Joliet levels 1-3 */
			*has_svd = 1;
		} else if (vd[0] == 0 && memcmp(vd + 7, "EL TORITO SPECIFICATION", 23) == 0 &&
		    !w->iso->eltorito) {
			w->iso->eltorito = 1;
			iso_eltorito(w->iso, le32(vd + 71));
		}
	}
	if (!has_pvd) {
		snprintf(w->err, w->errsz, "%s: not an ISO9660 image (no primary volume descriptor "
		    "at sector 16)", w->iso->path);
		return -1;
	}
	if (pvd[128] != 0x00 || pvd[129] != 0x08)
		return iso_fail(w, "logical block size is not 2048");
	if ((int64_t)le32(pvd + 80) * NB_ISO_SECTOR > w->iso->size) {
		snprintf(w->err, w->errsz, "%s: truncated ISO image: the volume holds %lld bytes, "
		    "the file %lld", w->iso->path, (long long)le32(pvd + 80) * NB_ISO_SECTOR,
		    (long long)w->iso->size);
		return -1;
	}
	memcpy(w->iso->volid, pvd + 40, 32);
	w->iso->volid[32] = '\0';
	for (p = w->iso->volid + strlen(w->iso->volid); p > w->iso->volid && p[-1] == ' '; p--)
		p[-1] = '\0';
	return 0;
}

int
nb_iso_open(const char *path, struct nb_iso **out, char *err, size_t errsz)
{
	unsigned char	 pvd[NB_ISO_SECTOR], svd[NB_ISO_SECTOR];
	struct walk	 w;
	struct stat	 sb;
	struct nb_iso	*iso;
	const unsigned char *root;
	size_t		 i, j;
	int		 has_svd;

	*out = NULL;
	iso = xcalloc(1, sizeof(*iso));
	iso->fd = -1;
	if ((iso->path = realpath(path, NULL)) == NULL) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if ((iso->fd = open(iso->path, O_RDONLY | O_CLOEXEC)) == -1 || fstat(iso->fd, &sb) == -1) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errsz, "%s: not a regular file", path);
		goto fail;
	}
	iso->size = sb.st_size;
	memset(&w, 0, sizeof(w));
	w.iso = iso;
	w.err = err;
	w.errsz = errsz;
	if (iso_descriptors(&w, pvd, svd, &has_svd) == -1)
		goto fail;
	root = pvd + 156;		/* ECMA-119 8.4.18: the root directory record */
	iso_detect_rr(&w, le32(root + DR_EXTENT));
	if (!w.rr && has_svd) {
		root = svd + 156;
		w.joliet = 1;
	}
	iso->rockridge = w.rr;
	iso->joliet = w.joliet;
	if (root[DR_LEN] < 34) {
		iso_fail(&w, "bad root directory record");
		goto fail;
	}
	if (iso_dir(&w, le32(root + DR_EXTENT), le32(root + DR_SIZE), "", 0) == -1)
		goto fail;
	/* qsort(3) must not be given NULL, even for no files (an empty ISO). */
	if (iso->nfiles > 1)
		qsort(iso->files, iso->nfiles, sizeof(*iso->files), iso_cmp);
	/* Two records of one name: keep the first, the index key is unique. */
	for (i = j = 0; i < iso->nfiles; i++) {
		if (j > 0 && strcmp(iso->files[j - 1].path, iso->files[i].path) == 0) {
			free(iso->files[i].path);
			iso->skipped++;
			continue;
		}
		iso->files[j++] = iso->files[i];
	}
	iso->nfiles = j;
	log_debug("%s: %s: volume '%s', %zu entries, %s names, %zu skipped", __func__, iso->path,
	    iso->volid, iso->nfiles, iso->rockridge ? "Rock Ridge" : iso->joliet ? "Joliet" :
	    "ISO9660", iso->skipped);
	*out = iso;
	return 0;
fail:
	nb_iso_close(iso);
	return -1;
}

void
nb_iso_close(struct nb_iso *iso)
{
	size_t	 i;

	if (iso == NULL)
		return;
	for (i = 0; i < iso->nfiles; i++)
		free(iso->files[i].path);
	free(iso->files);
	if (iso->fd != -1)
		close(iso->fd);
	free(iso->path);
	free(iso);
}

const struct nb_iso_file *
nb_iso_find(const struct nb_iso *iso, const char *path)
{
	struct nb_iso_file	 key;
	const struct nb_iso_file *f;
	size_t			 i;

	while (*path == '/')
		path++;
	key.path = (char *)(uintptr_t)path;
	if ((f = bsearch(&key, iso->files, iso->nfiles, sizeof(*iso->files), iso_cmp)) != NULL)
		return f;
	/* Plain ISO9660 names are upper case; configs often name them in lower case. */
	for (i = 0; i < iso->nfiles; i++)
		if (strcasecmp(iso->files[i].path, path) == 0)
			return &iso->files[i];
	return NULL;
}

char *
nb_iso_read(const struct nb_iso *iso, const struct nb_iso_file *f, size_t max, size_t *lenp)
{
	size_t	 len;
	char	*buf;

	if (f->isdir)
		return NULL;
	len = f->size < (int64_t)max ? (size_t)f->size : max;
	buf = xmalloc(len + 1);
	if (iso_pread(iso, buf, len, f->start) == -1) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

/* The single pass: every byte libarchive asks for is hashed and copied where wanted. */
struct pass {
	struct nb_iso		*iso;
	SHA2_CTX		 sha;
	int64_t			 pos;
	unsigned char		*buf;
	const struct nb_iso_file *const *want;
	const int		*fds;
	size_t			 nwant;
	int			 werrno;	/* a write failed */
};

static int
pass_write(int fd, const unsigned char *p, size_t len)
{
	ssize_t	 n;

	while (len > 0) {
		if ((n = write(fd, p, len)) == -1) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
pass_consume(struct pass *p, const unsigned char *buf, size_t n)
{
	int64_t	 a, b, end = p->pos + (int64_t)n;
	size_t	 i;

	SHA256Update(&p->sha, buf, n);
	for (i = 0; i < p->nwant && !p->werrno; i++) {
		a = p->want[i]->start > p->pos ? p->want[i]->start : p->pos;
		b = p->want[i]->start + p->want[i]->size;
		b = b < end ? b : end;
		if (a < b && pass_write(p->fds[i], buf + (a - p->pos), (size_t)(b - a)) == -1)
			p->werrno = errno;
	}
	p->pos = end;
}

static ssize_t
pass_fill(struct pass *p)
{
	ssize_t	 n;

	do
		n = read(p->iso->fd, p->buf, PASS_BUF);
	while (n == -1 && errno == EINTR);
	if (n > 0)
		pass_consume(p, p->buf, (size_t)n);
	if (n > 0 && p->iso->pass_cb != NULL)
		p->iso->pass_cb(p->iso->pass_arg, p->pos, p->iso->size);
	return n;
}

static la_ssize_t
pass_read(struct archive *a, void *arg, const void **out)
{
	struct pass	*p = arg;
	ssize_t		 n;

	*out = p->buf;
	if ((n = pass_fill(p)) == -1)
		archive_set_error(a, errno, "read: %s", strerror(errno));
	return n;
}

int
nb_iso_pass(struct nb_iso *iso, const struct nb_iso_file *const *want, const int *fds,
    size_t nwant, char sha256hex[65], char *err, size_t errsz)
{
	struct archive		*a;
	struct archive_entry	*e;
	const struct nb_iso_file *f;
	struct pass		 p;
	ssize_t			 n;
	size_t			 entries = 0, mismatch = 0;
	int			 rc = -1, r;

	memset(&p, 0, sizeof(p));
	p.iso = iso;
	p.want = want;
	p.fds = fds;
	p.nwant = nwant;
	p.buf = xmalloc(PASS_BUF);
	SHA256Init(&p.sha);
	if (lseek(iso->fd, 0, SEEK_SET) == -1) {
		snprintf(err, errsz, "%s: %s", iso->path, strerror(errno));
		free(p.buf);
		return -1;
	}
	posix_fadvise(iso->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	if ((a = archive_read_new()) == NULL)
		fatalx("%s: archive_read_new", __func__);
	archive_read_support_format_iso9660(a);
	/* No skip or seek callback: libarchive reads every byte through pass_read, in order. */
	if (archive_read_open(a, &p, NULL, pass_read, NULL) != ARCHIVE_OK) {
		snprintf(err, errsz, "%s: not a readable ISO9660 image: %s", iso->path,
		    archive_error_string(a));
		goto done;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		entries++;
		/* libarchive may name no path for a damaged entry */
		if (archive_entry_filetype(e) == AE_IFREG &&
		    archive_entry_pathname(e) != NULL &&
		    (f = nb_iso_find(iso, archive_entry_pathname(e))) != NULL &&
		    f->size != archive_entry_size(e))
			mismatch++;
		if (archive_read_data_skip(a) == ARCHIVE_FATAL) {
			r = ARCHIVE_FATAL;
			break;
		}
	}
	if (r != ARCHIVE_EOF) {
		snprintf(err, errsz, "%s: damaged ISO9660 image: %s", iso->path,
		    archive_error_string(a) ? archive_error_string(a) : "unreadable entry");
		goto done;
	}
	/* libarchive stops after the last file's data: hash the rest too. */
	while ((n = pass_fill(&p)) > 0)
		;
	if (n == -1 || p.werrno) {
		snprintf(err, errsz, "%s: %s", n == -1 ? iso->path : "writing an extracted file",
		    strerror(n == -1 ? errno : p.werrno));
		goto done;
	}
	if (p.pos != iso->size) {
		snprintf(err, errsz, "%s: the file changed while it was read", iso->path);
		goto done;
	}
	if (mismatch > 0)
		log_warnx("%s: libarchive and the directory records disagree on %zu file sizes",
		    iso->path, mismatch);
	log_debug("%s: %s: %zu entries, %lld bytes", __func__, iso->path, entries,
	    (long long)p.pos);
	SHA256End(&p.sha, sha256hex);
	rc = 0;
done:
	archive_read_free(a);
	free(p.buf);
	return rc;
}
