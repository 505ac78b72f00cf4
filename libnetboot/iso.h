/* iso.h: ISO images: distro detection, import, and the files inside an imported ISO. */
#ifndef NB_ISO_H
#define NB_ISO_H

#include <sys/types.h>

#include "db.h"

/*
 * Where the file path lies inside the ISO of the imported image called
 * image: *iso_path (caller frees), byte *offset and *size in that file.
 * NB_NOTFOUND when the image has no ISO or the ISO has no such file.
 */
int	nb_iso_locate(struct nb_db *, const char *image, const char *path, char **iso_path,
	    off_t *offset, off_t *size);

#endif
