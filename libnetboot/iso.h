/* iso.h: ISO images: distro detection, import, and the files inside an imported ISO. */
#ifndef NB_ISO_H
#define NB_ISO_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define NB_ISO_SECTOR	2048
#define NB_ISO_VOLID_LEN 128		/* UTF-8 of 32 ISO9660 or 16 Joliet characters, and NUL */

/* One file or directory of an ISO: where its bytes lie in the ISO file. */
struct nb_iso_file {
	char		*path;		/* relative, '/'-separated: "casper/vmlinuz" */
	int64_t		 start;		/* byte offset of its data in the ISO file */
	int64_t		 size;
	int		 isdir;
};

/* An ISO9660 image opened for reading: its volume id and every file's extent. */
struct nb_iso {
	char		*path;		/* absolute */
	int		 fd;
	int64_t		 size;		/* of the ISO file */
	char		 volid[NB_ISO_VOLID_LEN];
	int		 rockridge;	/* names came from Rock Ridge NM entries */
	int		 joliet;	/* names came from the Joliet tree */
	int		 eltorito;	/* it has an El Torito boot catalog (sanboot can work) */
	int		 eltorito_bios;	/* its default entry: x86, no emulation (BIOS sanboot) */
	int		 eltorito_efi;	/* an entry for UEFI, a FAT image (UEFI sanboot) */
	struct nb_iso_file *files;	/* sorted by path */
	size_t		 nfiles;
	size_t		 skipped;	/* files left out of the index (not contiguous, ...) */
	/* nb_iso_pass calls it after each read, if set: bytes read so far. */
	void		(*pass_cb)(void *arg, int64_t done, int64_t total);
	void		*pass_arg;
};

/*
 * Open the ISO file at path and read its directory tree (ISO9660, with
 * Rock Ridge names or else Joliet names) with every bound checked against
 * the file. Reads only the descriptors and directories.
 */
int	nb_iso_open(const char *path, struct nb_iso **out, char *err, size_t errsz);
/* Close the ISO and free what it holds. */
void	nb_iso_close(struct nb_iso *);
/* The file at path (no leading /), exact first, then ignoring case; NULL if none. */
const struct nb_iso_file *nb_iso_find(const struct nb_iso *, const char *path);
/* Read at most max bytes of f into a NUL-terminated buffer (caller frees); NULL on error. */
char	*nb_iso_read(const struct nb_iso *, const struct nb_iso_file *f, size_t max, size_t *len);

/*
 * Read the whole ISO once, in order, through libarchive (which checks the
 * structure): the SHA-256 of every byte goes to sha256hex, and the data of
 * each want[i] is written to fds[i] as it passes by.
 */
int	nb_iso_pass(struct nb_iso *, const struct nb_iso_file *const *want, const int *fds,
	    size_t nwant, char sha256hex[65], char *err, size_t errsz);

/* Store the extent of each file of iso for image (call inside a transaction). */
int	nb_iso_index_store(struct nb_db *, const char *image, const struct nb_iso *);
/* How many files the index holds for image. */
int64_t	nb_iso_index_count(struct nb_db *, const char *image);

/*
 * Where the file path lies inside the ISO of the imported image called
 * image: *iso_path (caller frees), byte *offset and *size in that file.
 * NB_NOTFOUND when the image has no ISO or the ISO has no such file.
 */
int	nb_iso_locate(struct nb_db *, const char *image, const char *path, char **iso_path,
	    off_t *offset, off_t *size);

#endif
