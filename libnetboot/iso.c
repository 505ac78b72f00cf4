/* iso.c: files inside imported ISOs. Placeholder until the ISO import work implements it. */
#include "config.h"

#include "db_int.h"
#include "iso.h"

int
nb_iso_locate(struct nb_db *db, const char *image, const char *path, char **iso_path,
    off_t *offset, off_t *size)
{
	return db_fail(db, NB_NOTFOUND, "no ISO index for image %s yet", image);
}
