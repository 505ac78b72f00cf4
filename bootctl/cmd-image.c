/*
 * cmd-image.c: bootctl image add | list | show | rm. Images added here
 * point at a kernel and initrds already on disk: an absolute path, or a
 * path relative to the data directory (that is what bootweb serves under
 * /data/). "image import" (an ISO) lives in cmd-image-import.c.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootctl.h"
#include "image.h"
#include "import.h"
#include "xmalloc.h"

enum { O_KERNEL = 1, O_INITRD, O_CMDLINE, O_TEMPLATE, O_KIND };

/* The options of image add and image set. */
static const struct option image_opts[] = {
	{ "kernel", required_argument, NULL, O_KERNEL },
	{ "initrd", required_argument, NULL, O_INITRD },
	{ "cmdline", required_argument, NULL, O_CMDLINE },
	{ "template", required_argument, NULL, O_TEMPLATE },
	{ "kind", required_argument, NULL, O_KIND },
	{ NULL, 0, NULL, 0 },
};

/* A relative path must stay inside the data directory: no . or .. parts. */
static int
image_path_ok(struct bootctl *bc, const char *what, const char *path)
{
	if (!nb_image_path_valid(path))
		return bc_cmd_usage(bc, "bad %s path '%s' (absolute, or relative to the data "
		    "directory without . or .. parts)", what, path);
	return 0;
}

/* The file must be there and readable now: an image pointing at nothing boots nothing. */
static int
image_file_check(struct bootctl *bc, const char *datadir, const char *what, const char *path)
{
	char	 why[512];

	if (nb_image_file_check(datadir, what, path, why, sizeof(why)) == -1)
		return bc_error("%s", why);
	return 0;
}

static int
image_add_parse(struct bootctl *bc, int argc, char *argv[], struct nb_image *img)
{
	char	**field;
	int	 ch, rc;

	while ((ch = bc_getopt(argc, argv, image_opts)) != -1) {
		field = NULL;
		switch (ch) {
		case O_KERNEL:
			field = &img->kernel;
			/* FALLTHROUGH */
		case O_INITRD:
			if ((rc = image_path_ok(bc, ch == O_KERNEL ? "kernel" : "initrd",
			    optarg)) != 0)
				return rc;
			if (field == NULL)
				nb_image_add_initrd(img, optarg);
			break;
		case O_CMDLINE:
			field = &img->cmdline;
			break;
		case O_TEMPLATE:
			field = &img->tmpl;
			break;
		case O_KIND:
			if (!nb_image_kind_valid(optarg))
				return bc_cmd_usage(bc, "unknown image kind '%s' (linux, windows, "
				    "tool, chain or sanboot)", optarg);
			field = &img->kind;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
		if (field != NULL) {
			free(*field);
			*field = xstrdup(optarg);
		}
	}
	return 0;
}

static int
image_add(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_image	 img;
	char		*datadir = NULL;
	size_t		 i;
	int		 rc, linux_kind;

	nb_image_init(&img);
	if ((rc = image_add_parse(bc, argc, argv, &img)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		goto done;
	img.name = xstrdup(argv[optind]);
	linux_kind = img.kind == NULL || strcmp(img.kind, "linux") == 0;
	if (!nb_name_valid(img.name))
		rc = bc_cmd_usage(bc, "bad image name '%s' (1 to 64 letters, digits, '.', '_', "
		    "'-'; no leading '.')", img.name);
	else if (linux_kind && img.kernel == NULL)
		rc = bc_cmd_usage(bc, "a linux image needs --kernel");
	else if (linux_kind && img.ninitrds == 0)
		rc = bc_cmd_usage(bc, "a linux image needs --initrd");
	if (rc != 0 || (rc = bc_open(bc)) != 0)
		goto done;
	datadir = bc_datadir(bc);
	if (img.kernel != NULL && (rc = image_file_check(bc, datadir, "kernel", img.kernel)) != 0)
		goto done;
	for (i = 0; i < img.ninitrds; i++)
		if ((rc = image_file_check(bc, datadir, "initrd", img.initrds[i])) != 0)
			goto done;
	if ((rc = bc_begin(bc)) != 0)
		goto done;
	if (nb_image_add(bc->db, &img) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("added image %s\n", img.name);
done:
	free(datadir);
	nb_image_clear(&img);
	return rc;
}

static int
image_rm(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_image	 img;
	char		*datadir, *iso;
	int		 rc, imported;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 || (rc = bc_open(bc)) != 0 ||
	    (rc = bc_begin(bc)) != 0)
		return rc;
	nb_image_init(&img);
	if (nb_image_get(bc->db, argv[optind], &img) != NB_OK) {
		nb_image_clear(&img);
		return bc_dberror(bc);
	}
	imported = img.iso_path != NULL;
	iso = img.iso_path != NULL ? xstrdup(img.iso_path) : NULL;
	nb_image_clear(&img);
	if (nb_image_rm(bc->db, argv[optind]) != NB_OK) {
		free(iso);
		return bc_dberror(bc);
	}
	if ((rc = bc_commit(bc)) != 0) {
		free(iso);
		return rc;
	}
	printf("removed image %s\n", argv[optind]);
	/* Only after the commit: a failed delete must leave the files it needs. */
	datadir = bc_datadir(bc);
	if (imported && nb_image_rm_files(datadir, argv[optind]))
		printf("removed %s/%s\n", datadir, argv[optind]);
	if (nb_upload_rm_unused(bc->db, datadir, iso))
		printf("removed %s\n", iso);
	free(iso);
	free(datadir);
	return 0;
}

static int
list_one(const struct nb_image *img, void *arg)
{
	struct bc_list	*l = arg;
	char		*initrds = NULL, *p;
	size_t		 i;

	if (l->a != NULL) {
		json_array_append_new(l->a, nb_image_json(img));
		return 0;
	}
	for (i = 0; i < img->ninitrds; i++) {
		xasprintf(&p, "%s%s%s", initrds ? initrds : "",
		    initrds ? "," : "", img->initrds[i]);
		free(initrds);
		initrds = p;
	}
	bc_table_row(l->t, img->name, img->kind, img->distro, img->version,
	    img->kernel, initrds, img->tmpl);
	free(initrds);
	return 0;
}

static int
image_list(struct bootctl *bc, int argc, char *argv[])
{
	struct bc_list	 l;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	bc_list_begin(bc, &l, "NAME", "KIND", "DISTRO", "VERSION", "KERNEL",
	    "INITRDS", "TEMPLATE", (const char *)NULL);
	return bc_list_end(bc, &l, nb_image_list(bc->db, list_one, &l));
}

static void
image_print(const struct nb_image *img)
{
	char	 buf[64];
	size_t	 i;

	bc_show("name", img->name);
	bc_show("kind", img->kind);
	bc_show("distro", img->distro);
	bc_show("version", img->version);
	bc_show("arch", img->arch);
	bc_show("kernel", img->kernel);
	for (i = 0; i < img->ninitrds; i++)
		bc_show("initrd", img->initrds[i]);
	if (img->ninitrds == 0)
		bc_show("initrd", NULL);
	bc_show("cmdline", img->cmdline);
	bc_show("template", img->tmpl);
	bc_show("iso path", img->iso_path);
	bc_show("iso sha256", img->iso_sha256);
	snprintf(buf, sizeof(buf), "%lld", (long long)img->iso_size);
	bc_show("iso size", img->iso_size >= 0 ? buf : NULL);
	bc_show("created", bc_time(img->created, buf, sizeof(buf)));
}

static int
image_show(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_image	 img;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	nb_image_init(&img);
	if (nb_image_get(bc->db, argv[optind], &img) != NB_OK)
		return bc_dberror(bc);
	if (bc->json)
		bc_print_json(nb_image_json(&img));
	else
		image_print(&img);
	nb_image_clear(&img);
	return 0;
}

/* Replace a string field; "" clears it. */
static void
set_field(char **field, const char *value)
{
	free(*field);
	*field = *value != '\0' ? xstrdup(value) : NULL;
}

/*
 * image set NAME [--kernel F] [--initrd F ...] [--cmdline S] [--template
 * T] [--kind K]: change an image, checked as image add checks a new one
 * (PATCH /api/v1/images/NAME). Given initrds replace all the old ones.
 */
static int
image_set(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_image	 img, new;
	char		*datadir = NULL, why[512];
	size_t		 i;
	int		 ch, rc, n = 0;

	nb_image_init(&img);
	nb_image_init(&new);
	while ((ch = bc_getopt(argc, argv, image_opts)) != -1) {
		n++;
		switch (ch) {
		case O_KERNEL:
			set_field(&new.kernel, optarg);
			break;
		case O_INITRD:
			nb_image_add_initrd(&new, optarg);
			break;
		case O_CMDLINE:
			set_field(&new.cmdline, optarg);
			if (new.cmdline == NULL)
				new.cmdline = xstrdup("");
			break;
		case O_TEMPLATE:
			set_field(&new.tmpl, optarg);
			if (new.tmpl == NULL)
				new.tmpl = xstrdup("");
			break;
		case O_KIND:
			set_field(&new.kind, optarg);
			break;
		default:
			rc = bc_badopt(bc, ch, argv);
			goto done;
		}
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		goto done;
	if (n == 0) {
		rc = bc_cmd_usage(bc, "nothing to change");
		goto done;
	}
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	if (nb_image_get(bc->db, argv[optind], &img) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if (new.kernel != NULL)
		set_field(&img.kernel, new.kernel);
	if (new.kind != NULL)
		set_field(&img.kind, new.kind);
	if (new.cmdline != NULL)
		set_field(&img.cmdline, new.cmdline);
	if (new.tmpl != NULL)
		set_field(&img.tmpl, new.tmpl);
	if (new.ninitrds > 0) {
		for (i = 0; i < img.ninitrds; i++)
			free(img.initrds[i]);
		img.ninitrds = 0;
		for (i = 0; i < new.ninitrds; i++)
			nb_image_add_initrd(&img, new.initrds[i]);
	}
	datadir = bc_datadir(bc);
	if (nb_image_check(&img, datadir, why, sizeof(why)) != NULL) {
		nb_db_rollback(bc->db);
		rc = bc_error("%s", why);
		goto done;
	}
	if (nb_image_update(bc->db, &img) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("changed image %s\n", img.name);
done:
	free(datadir);
	nb_image_clear(&new);
	nb_image_clear(&img);
	return rc;
}

static int
files_row(const char *path, int64_t size, void *arg)
{
	json_t	*a = arg;

	if (a != NULL)
		json_array_append_new(a, json_pack("{s:s, s:I}", "path", path,
		    "size", (json_int_t)size));
	else
		printf("%12lld  %s\n", (long long)size, path);
	return 0;
}

/* image files NAME: the files of an imported ISO, by path. */
static int
image_files(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_image	 img;
	json_t		*a = NULL;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	nb_image_init(&img);
	rc = nb_image_get(bc->db, argv[optind], &img);
	nb_image_clear(&img);
	if (rc != NB_OK)
		return bc_dberror(bc);
	if (bc->json)
		a = json_array();
	if (nb_image_files(bc->db, argv[optind], 0, INT64_MAX, files_row, a,
	    NULL) != NB_OK) {
		json_decref(a);
		return bc_dberror(bc);
	}
	if (a != NULL)
		bc_print_json(a);
	return 0;
}

const struct bootctl_cmd bc_image_cmds[] = {
	{ "image", "add", "NAME --kernel FILE --initrd FILE [--initrd FILE ...] [--cmdline S] "
	    "[--template T] [--kind K]", BC_OPEN_LATE, image_add },
	{ "image", "list", "", BC_OPEN_LATE, image_list },
	{ "image", "show", "NAME", BC_OPEN_LATE, image_show },
	{ "image", "set", "NAME [--kernel FILE] [--initrd FILE ...] "
	    "[--cmdline S] [--template T] [--kind K]", BC_OPEN_LATE,
	    image_set },
	{ "image", "rm", "NAME", BC_OPEN_LATE, image_rm },
	{ "image", "files", "NAME", BC_OPEN_LATE, image_files },
	{ NULL, NULL, NULL, 0, NULL },
};
