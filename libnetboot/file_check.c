/*
 * file_check.c: what a new row of the files table must be before it is
 * stored, shared by bootctl file add and POST /api/v1/files (db.h has
 * the table's functions): a clean path, a URL the daemons can fetch, a
 * prefix that maps PATH/SUFFIX to URL/SUFFIX, a local file that is there.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "image.h"
#include "xmalloc.h"

/* Whether url is http:// or https:// with something after it. */
static int
file_url_ok(const char *url)
{
	return (strncmp(url, "http://", 7) == 0 && url[7] != '\0') ||
	    (strncmp(url, "https://", 8) == 0 && url[8] != '\0');
}

const char *
nb_file_check(const struct nb_file *f, char *why, size_t whysz)
{
	size_t	 len = f->path ? strlen(f->path) : 0;

	if (len == 0 || len > NB_FILE_PATH_MAX)
		snprintf(why, whysz, "bad path (1 to %d bytes)",
		    NB_FILE_PATH_MAX);
	else if ((f->path[len - 1] == '/') != (f->prefix != 0))
		snprintf(why, whysz, "a path ending in / needs prefix, and "
		    "prefix a path ending in /");
	else if (f->kind == NB_FILE_URL && !file_url_ok(f->url))
		snprintf(why, whysz, "bad url '%s' (http:// or https:// only)",
		    f->url);
	else if (f->prefix && (f->kind != NB_FILE_URL ||
	    f->url[strlen(f->url) - 1] != '/'))
		snprintf(why, whysz, "prefix needs a url ending in /");
	else if (f->prefix && strchr(f->url, '?') != NULL)
		snprintf(why, whysz, "prefix needs a url without a query");
	else
		return NULL;
	return why;
}

int
nb_file_local_resolve(struct nb_file *f, char *why, size_t whysz)
{
	struct stat	 sb;
	char		 real[PATH_MAX];
	int		 fd;

	/* Stored absolute, as the daemons open it; it must be readable now. */
	if (realpath(f->local, real) == NULL ||
	    (fd = open(real, O_RDONLY | O_NONBLOCK)) == -1) {
		snprintf(why, whysz, "%s: %s", f->local, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) == -1 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(why, whysz, "%s: not a regular file", f->local);
		return -1;
	}
	close(fd);
	free(f->local);
	f->local = xstrdup(real);
	return 0;
}
