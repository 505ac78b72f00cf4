/* import.h: importing an ISO as an image (bootctl image import, the API). */
#ifndef NB_IMPORT_H
#define NB_IMPORT_H

#include "db.h"

/* Where the admin API keeps uploaded ISOs, under the data directory. */
#define NB_UPLOAD_DIR	"uploads"

/* What to import and how (only path is required). */
struct nb_import_opts {
	const char	*path;		/* the ISO */
	const char	*name;		/* or NULL: family-version-arch */
	const char	*tmpl;		/* default template, or NULL */
	const char	*cmdline;	/* instead of the detected, or NULL */
	const char	*datadir;	/* where the image's directory goes */
	/* Called as the ISO is read: bytes done of total. */
	void		(*progress)(void *arg, int64_t done, int64_t total);
	void		*arg;
};

/*
 * Import the ISO at o->path: detect it, copy its kernel and initrds into
 * datadir/NAME, add the image row and the index of its files, all or
 * nothing. NB_OK and *img filled (caller clears), or an nb_rc with the
 * reason in err; *nfiles: files indexed.
 */
int	 nb_import(struct nb_db *, const struct nb_import_opts *,
	    struct nb_image *img, char *err, size_t errsz);

/*
 * Remove path if it is an upload (datadir/uploads/FILE) that no image
 * has as its ISO (any more); 1 if it did. For image rm, after its
 * commit, and for an upload finding a stale file of its name.
 */
int	 nb_upload_rm_unused(struct nb_db *, const char *datadir,
	    const char *path);

#endif
