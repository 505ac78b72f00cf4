/*
 * image.h: writing images and files, shared by bootctl image add | set |
 * rm | files, bootctl file add | set and the admin API's /api/v1/images
 * and /api/v1/files (db_image_write.c, db_file_write.c); reading them is
 * in db.h.
 */
#ifndef NB_IMAGE_H
#define NB_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "db.h"

#define NB_IMAGE_INITRDS_MAX	16	/* initrds of one image */

/* Whether kind is an image kind: linux, windows, tool, chain, sanboot. */
int	 nb_image_kind_valid(const char *kind);
/*
 * Whether path may name an image file: absolute, or relative to the data
 * directory without empty, . or .. parts.
 */
int	 nb_image_path_valid(const char *path);
/* 0 if path (under datadir if relative) is a regular file now; -1 and why. */
int	 nb_image_file_check(const char *datadir, const char *what,
	    const char *path, char *why, size_t whysz);
/*
 * NULL if img may be stored: its name, kind, paths, a linux image's
 * kernel and initrd, and every file there now; else the reason in why.
 */
const char *nb_image_check(const struct nb_image *img, const char *datadir,
	    char *why, size_t whysz);
/* Write an existing image's fields but its name, ISO and created. */
int	 nb_image_update(struct nb_db *, const struct nb_image *img);
/* Remove datadir/name, where image import put its files; 1 if it did. */
int	 nb_image_rm_files(const char *datadir, const char *name);
/*
 * Call fn for the files of an imported ISO image in path order, skipping
 * offset, at most limit; *total gets their count if not NULL.
 */
int	 nb_image_files(struct nb_db *, const char *image, int64_t offset,
	    int64_t limit, int (*fn)(const char *path, int64_t size, void *),
	    void *arg, int64_t *total);

/* files (db_file_write.c), for bootctl file add | set and /api/v1/files */
#define NB_FILE_PATH_MAX	255	/* bytes of a files row's path */
/*
 * NULL if f, its path cleaned, may be stored: a prefix's path and URL end
 * in /, a URL is http:// or https://; else the reason in why.
 */
const char *nb_file_check(const struct nb_file *f, char *why, size_t whysz);
/* Make f's local path absolute and check it is a regular file now; -1, why. */
int	 nb_file_local_resolve(struct nb_file *f, char *why, size_t whysz);
/*
 * Replace the source (kind and content, template, local file or URL) of
 * the file at f's clean path for f's MAC ("": the global one), keeping
 * its id; NB_NOTFOUND if there is none.
 */
int	 nb_file_replace(struct nb_db *, const struct nb_file *f);

#endif
