/*
 * cmd-file.c: bootctl file add | set | list | rm. Virtual files are what
 * tftpd and bootweb serve at a path, to one client or to all (netbootd's
 * mounts): a stored body, a template rendered for the client, a local
 * file, or an upstream URL.
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

#include "bootctl.h"
#include "image.h"
#include "xmalloc.h"

enum {
	O_MAC = 1, O_GLOBAL, O_CONTENT_FILE, O_TEMPLATE, O_LOCAL, O_URL,
	O_PREFIX
};

struct file_opts {
	const char	*mac;
	int		 global;
	int		 nsources;
	const char	*content_file;
	const char	*tmpl;
	const char	*local;
	const char	*url;
	int		 prefix;
};

static int
file_parse(struct bootctl *bc, int argc, char *argv[], struct file_opts *o, int add)
{
	/* In the order of the enum: opts[O_x - 1] is option O_x. */
	static const struct option opts[] = {
		{ "mac", required_argument, NULL, O_MAC },
		{ "global", no_argument, NULL, O_GLOBAL },
		{ "content-file", required_argument, NULL, O_CONTENT_FILE },
		{ "template", required_argument, NULL, O_TEMPLATE },
		{ "local", required_argument, NULL, O_LOCAL },
		{ "url", required_argument, NULL, O_URL },
		{ "prefix", no_argument, NULL, O_PREFIX },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	memset(o, 0, sizeof(*o));
	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		/* Only --mac (and for add, --global and the sources) apply. */
		if (!add && ch != O_MAC && ch != '?' && ch != ':')
			return bc_cmd_usage(bc, "unknown option '--%s'", opts[ch - 1].name);
		switch (ch) {
		case O_MAC:
			o->mac = optarg;
			break;
		case O_GLOBAL:
			o->global = 1;
			break;
		case O_CONTENT_FILE:
			o->content_file = optarg;
			o->nsources++;
			break;
		case O_TEMPLATE:
			o->tmpl = optarg;
			o->nsources++;
			break;
		case O_LOCAL:
			o->local = optarg;
			o->nsources++;
			break;
		case O_URL:
			o->url = optarg;
			o->nsources++;
			break;
		case O_PREFIX:
			o->prefix = 1;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	return 0;
}

/* Fill f from its source; a file that cannot be read is a runtime error. */
static int
file_source_load(struct bootctl *bc, const struct file_opts *o, struct nb_file *f)
{
	char	 why[512];

	if (o->content_file != NULL) {
		f->kind = NB_FILE_CONTENT;
		if ((f->content = (unsigned char *)bc_read_file(o->content_file,
		    &f->content_len)) == NULL)
			return bc_error("%s: %s", strcmp(o->content_file, "-") == 0 ?
			    "standard input" : o->content_file, strerror(errno));
	} else if (o->tmpl != NULL) {
		f->kind = NB_FILE_TEMPLATE;
		f->tmpl = xstrdup(o->tmpl);
	} else if (o->local != NULL) {
		f->kind = NB_FILE_LOCAL;
		f->local = xstrdup(o->local);
		if (nb_file_local_resolve(f, why, sizeof(why)) == -1)
			return bc_error("%s", why);
	} else {
		f->kind = NB_FILE_URL;
		f->url = xstrdup(o->url);
		f->prefix = o->prefix;
	}
	return 0;
}

/* The path operand, cleaned as the daemons clean request paths. */
static int
file_path(struct bootctl *bc, const char *arg, char **out)
{
	*out = xstrdup(arg);
	if (nb_file_path_clean(*out) == -1 || strlen(*out) > NB_FILE_PATH_MAX) {
		free(*out);
		*out = NULL;
		return bc_cmd_usage(bc, "bad path '%s' (empty, too long, or with . or .. parts)",
		    arg);
	}
	return 0;
}

static int
file_mac(struct bootctl *bc, const char *arg, char mac[NB_MACSTR_LEN])
{
	mac[0] = '\0';
	return arg != NULL ? bc_client_arg(bc, arg, mac) : 0;
}

/* file add, and file set (set: replace the source of the file there). */
static int
file_write(struct bootctl *bc, int argc, char *argv[], int set)
{
	struct file_opts	 o;
	struct nb_file		 f;
	char			 why[512];
	int			 rc;

	memset(&f, 0, sizeof(f));
	if ((rc = file_parse(bc, argc, argv, &o, 1)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0 ||
	    (rc = file_path(bc, argv[optind], &f.path)) != 0)
		goto done;
	if ((o.mac != NULL) == o.global) {
		rc = bc_cmd_usage(bc, "give exactly one of --mac MAC, --global");
		goto done;
	}
	if (o.nsources != 1) {
		rc = bc_cmd_usage(bc, "give exactly one of --content-file, "
		    "--template, --local, --url");
		goto done;
	}
	/* The rules of nb_file_check, before the source is read. */
	f.kind = o.url != NULL ? NB_FILE_URL : NB_FILE_CONTENT;
	f.url = o.url != NULL ? xstrdup(o.url) : NULL;
	f.prefix = o.prefix;
	if (nb_file_check(&f, why, sizeof(why)) != NULL) {
		rc = bc_cmd_usage(bc, "%s", why);
		goto done;
	}
	free(f.url);
	f.url = NULL;
	if ((rc = file_mac(bc, o.mac, f.mac)) != 0 ||
	    (rc = file_source_load(bc, &o, &f)) != 0 || (rc = bc_open(bc)) != 0 ||
	    (rc = bc_begin(bc)) != 0)
		goto done;
	if ((set ? nb_file_replace(bc->db, &f) : nb_file_add(bc->db, &f)) !=
	    NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("%s file %s for %s\n", set ? "changed" : "added", f.path,
		    f.mac[0] ? f.mac : "all clients");
done:
	nb_file_clear(&f);
	return rc;
}

static int
file_add(struct bootctl *bc, int argc, char *argv[])
{
	return file_write(bc, argc, argv, 0);
}

/* file set PATH --mac MAC|--global SOURCE: PUT /api/v1/files/ID. */
static int
file_set(struct bootctl *bc, int argc, char *argv[])
{
	return file_write(bc, argc, argv, 1);
}

static int
file_rm(struct bootctl *bc, int argc, char *argv[])
{
	struct file_opts	 o;
	char			 mac[NB_MACSTR_LEN], *path = NULL;
	int			 rc;

	if ((rc = file_parse(bc, argc, argv, &o, 0)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0 ||
	    (rc = file_path(bc, argv[optind], &path)) != 0 ||
	    (rc = file_mac(bc, o.mac, mac)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	if (nb_file_rm(bc->db, path, mac) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("removed file %s for %s\n", path, mac[0] ? mac : "all clients");
done:
	free(path);
	return rc;
}

static int
list_one(const struct nb_file *f, void *arg)
{
	struct bc_list	*l = arg;
	char		 src[64], updated[32];
	const char	*source = src;

	if (l->a != NULL) {
		json_array_append_new(l->a, nb_file_json(f));
		return 0;
	}
	switch (f->kind) {
	case NB_FILE_CONTENT:
		snprintf(src, sizeof(src), "%zu bytes", f->content_len);
		break;
	case NB_FILE_TEMPLATE:
		source = f->tmpl;
		break;
	case NB_FILE_LOCAL:
		source = f->local;
		break;
	case NB_FILE_URL:
		if (f->prefix) {
			snprintf(src, sizeof(src), "%.50s*", f->url);
			break;
		}
		source = f->url;
		break;
	}
	bc_table_row(l->t, f->path, f->mac[0] ? f->mac : "global",
	    nb_file_kind_name(f->kind), source,
	    bc_time(f->updated, updated, sizeof(updated)));
	return 0;
}

static int
file_list(struct bootctl *bc, int argc, char *argv[])
{
	struct file_opts	 o;
	struct bc_list		 l;
	char			 mac[NB_MACSTR_LEN];
	int			 rc;

	if ((rc = file_parse(bc, argc, argv, &o, 0)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 0, 0)) != 0 ||
	    (rc = file_mac(bc, o.mac, mac)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	bc_list_begin(bc, &l, "PATH", "FOR", "KIND", "SOURCE", "UPDATED",
	    (const char *)NULL);
	return bc_list_end(bc, &l,
	    nb_file_list(bc->db, mac[0] ? mac : NULL, list_one, &l));
}

const struct bootctl_cmd bc_file_cmds[] = {
	{ "file", "add", "PATH --mac MAC|--global --content-file F|--template T|--local FILE|"
	    "--url URL [--prefix]", BC_OPEN_LATE, file_add },
	{ "file", "set", "PATH --mac MAC|--global --content-file F|"
	    "--template T|--local FILE|--url URL [--prefix]", BC_OPEN_LATE,
	    file_set },
	{ "file", "list", "[--mac MAC]", BC_OPEN_LATE, file_list },
	{ "file", "rm", "PATH [--mac MAC]", BC_OPEN_LATE, file_rm },
	{ NULL, NULL, NULL, 0, NULL },
};
