/*
 * distro.h: what an ISO is (family, version, architecture) and how to
 * boot it over HTTP, found from its contents by a table of families.
 */
#ifndef NB_DISTRO_H
#define NB_DISTRO_H

#include <stddef.h>

#include <jansson.h>

#include "iso.h"

#define NB_DISTRO_MAXINITRD	8

/* The outcome of detection: pointers into the nb_iso it came from, and strings it owns. */
struct nb_detect {
	const char		*family;	/* table key: "ubuntu", "fedora", "generic", ... */
	const char		*name;		/* "Ubuntu" */
	const char		*kind;		/* linux|windows|tool|sanboot */
	char			*version;	/* NULL if unknown */
	char			*arch;		/* x86_64|i386|aarch64|... or NULL */
	const struct nb_iso_file *kernel;	/* NULL for windows (wimboot) and sanboot */
	const struct nb_iso_file *initrds[NB_DISTRO_MAXINITRD];
	size_t			 ninitrds;
	char			*cmdline;	/* a template (tmpl.h): {{image.tree_url}}, ... */
	char			*evidence;	/* one line: what the detection rests on */
};

/* Find the family of iso by the table (first matching row wins); -1 with the reason if none. */
int	 nb_distro_detect(const struct nb_iso *, struct nb_detect *, char *err, size_t errsz);
/* Free what d owns and zero it. */
void	 nb_detect_clear(struct nb_detect *);
/* The detection as a JSON object (family, name, kind, version, arch, kernel, initrds, cmdline, ...). */
json_t	*nb_detect_json(const struct nb_iso *, const struct nb_detect *);
/* Call fn with the key and name of every family of the table, in the order they are tried. */
void	 nb_distro_foreach(void (*fn)(const char *family, const char *name, void *), void *arg);

#endif
