/*
 * cmd-image-import.c: bootctl image import | detect. The import itself
 * is nb_import (libnetboot/import.c), which the admin API's jobs run too.
 */
#include "config.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "conf.h"
#include "distro.h"
#include "import.h"
#include "iso.h"
#include "xmalloc.h"

static void
detect_print(const struct nb_iso *iso, const struct nb_detect *d)
{
	size_t	 i;

	printf("family:   %s (%s)\n", d->family, d->name);
	printf("kind:     %s\n", d->kind);
	printf("version:  %s\n", d->version ? d->version : "-");
	printf("arch:     %s\n", d->arch ? d->arch : "-");
	printf("kernel:   %s\n", d->kernel ? d->kernel->path : "-");
	printf("initrds: ");
	for (i = 0; i < d->ninitrds; i++)
		printf(" %s", d->initrds[i]->path);
	printf("%s\n", d->ninitrds ? "" : " -");
	printf("cmdline:  %s\n", d->cmdline);
	printf("volume:   %s\n", iso->volid);
	printf("files:    %zu (%s names)%s\n", iso->nfiles, iso->rockridge ? "Rock Ridge" :
	    iso->joliet ? "Joliet" : "ISO9660", iso->eltorito ? ", El Torito bootable" : "");
	printf("evidence: %s\n", d->evidence);
}

static int
image_detect(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_iso		*iso;
	struct nb_detect	 d;
	char			 err[1024];

	if (argc != 2 || argv[1][0] == '-')
		return bc_usage("usage: bootctl image detect FILE.iso [--json]");
	if (nb_iso_open(argv[1], &iso, err, sizeof(err)) == -1)
		return bc_error("%s", err);
	if (nb_distro_detect(iso, &d, err, sizeof(err)) == -1) {
		nb_iso_close(iso);
		return bc_error("%s", err);
	}
	if (bc->json)
		bc_print_json(nb_detect_json(iso, &d));
	else
		detect_print(iso, &d);
	nb_detect_clear(&d);
	nb_iso_close(iso);
	return 0;
}

static int
import_usage(void)
{
	return bc_usage("usage: bootctl image import FILE.iso [--name NAME] "
	    "[--template T] [--cmdline S]");
}

static int
image_import(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "template", required_argument, NULL, 't' },
		{ "cmdline", required_argument, NULL, 'c' },
		{ NULL, 0, NULL, 0 },
	};
	struct nb_import_opts	 o;
	struct nb_image		 img;
	char			 err[1024], *datadir;
	int			 ch, rc;
	json_t			*j;

	memset(&o, 0, sizeof(o));
	while ((ch = getopt_long(argc, argv, "n:t:c:", longopts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			o.cmdline = optarg;
			break;
		case 'n':
			o.name = optarg;
			break;
		case 't':
			o.tmpl = optarg;
			break;
		default:
			return import_usage();
		}
	}
	if (argc - optind != 1)
		return import_usage();
	if (o.name != NULL && !nb_name_valid(o.name))
		return bc_usage("bad image name '%s' (letters, digits, . _ -; "
		    "at most 64)", o.name);
	o.path = argv[optind];
	datadir = nb_datadir(bc->dbpath, nb_conf_get(bc->conf, NULL,
	    "datadir"));
	o.datadir = datadir;
	rc = nb_import(bc->db, &o, &img, err, sizeof(err));
	free(datadir);
	if (rc != NB_OK)
		return bc_error("%s", err);
	if (bc->json) {
		j = nb_image_json(&img);
		json_object_set_new(j, "files_indexed",
		    json_integer(nb_iso_index_count(bc->db, img.name)));
		bc_print_json(j);
	} else
		printf("imported %s: %s %s %s (%s), %lld files indexed, "
		    "sha256 %s\n", img.name, img.distro,
		    img.version ? img.version : "-",
		    img.arch ? img.arch : "-", img.kind,
		    (long long)nb_iso_index_count(bc->db, img.name),
		    img.iso_sha256);
	nb_image_clear(&img);
	return 0;
}

const struct bootctl_cmd bc_image_import_cmds[] = {
	{ "image", "import", "FILE.iso [--name NAME] [--template T] "
	    "[--cmdline S]", 0, image_import },
	{ "image", "detect", "FILE.iso", -1, image_detect },
	{ NULL, NULL, NULL, 0, NULL },
};
