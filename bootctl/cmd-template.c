/*
 * cmd-template.c: bootctl template add | edit | show | list | rm. A body
 * is text: read whole from a file (or standard input) before the
 * transaction starts, so a slow pipe never holds the write lock.
 * "template render" lives in cmd-template-render.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "tmpl.h"
#include "xmalloc.h"

enum { O_KIND = 1, O_FILE };

struct template_opts {
	const char	*kind;
	const char	*file;
};

static int
template_parse(struct bootctl *bc, int argc, char *argv[], struct template_opts *o)
{
	static const struct option opts[] = {
		{ "kind", required_argument, NULL, O_KIND },
		{ "file", required_argument, NULL, O_FILE },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch, rc;

	memset(o, 0, sizeof(*o));
	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_KIND:
			if (!nb_template_kind_valid(optarg))
				return bc_cmd_usage(bc, "unknown template kind '%s' (preseed, "
				    "kickstart, autoinstall, cloud-init, autounattend, autoyast, ipxe or raw)",
				    optarg);
			o->kind = optarg;
			break;
		case O_FILE:
			o->file = optarg;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		return rc;
	if (o->file == NULL)
		return bc_cmd_usage(bc, "--file is required");
	return 0;
}

/* Read a template body: text, so no NUL bytes, and tags that parse. */
static char *
template_read(struct bootctl *bc, const char *file, int *rc)
{
	char	*body, err[256];
	size_t	 len;

	if ((body = bc_read_file(file, &len)) == NULL) {
		*rc = bc_error("%s: %s", strcmp(file, "-") == 0 ? "standard input" : file,
		    strerror(errno));
		return NULL;
	}
	if (memchr(body, '\0', len) != NULL) {
		free(body);
		*rc = bc_error("%s: has NUL bytes; a template is text", file);
		return NULL;
	}
	if (nb_tmpl_check(body, err, sizeof(err)) == -1) {
		free(body);
		*rc = bc_error("%s: %s", file, err);
		return NULL;
	}
	return body;
}

static int
template_add(struct bootctl *bc, int argc, char *argv[])
{
	struct template_opts	 o;
	struct nb_template	 t;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if ((rc = template_parse(bc, argc, argv, &o)) != 0)
		return rc;
	if (o.kind == NULL)
		return bc_cmd_usage(bc, "--kind is required");
	if (!nb_name_valid(argv[optind]))
		return bc_cmd_usage(bc, "bad template name '%s' (1 to 64 letters, digits, '.', "
		    "'_', '-'; no leading '.')", argv[optind]);
	if ((t.body = template_read(bc, o.file, &rc)) == NULL)
		return rc;
	t.name = xstrdup(argv[optind]);
	t.kind = xstrdup(o.kind);
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	if (nb_template_add(bc->db, &t) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("added template %s\n", t.name);
done:
	nb_template_clear(&t);
	return rc;
}

static int
template_edit(struct bootctl *bc, int argc, char *argv[])
{
	struct template_opts	 o;
	struct nb_template	 t;
	char			*body;
	int			 rc;

	memset(&t, 0, sizeof(t));
	if ((rc = template_parse(bc, argc, argv, &o)) != 0)
		return rc;
	if ((body = template_read(bc, o.file, &rc)) == NULL)
		return rc;
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0) {
		free(body);
		return rc;
	}
	if (nb_template_get(bc->db, argv[optind], &t) != NB_OK) {
		free(body);
		rc = bc_dberror(bc);
		goto done;
	}
	free(t.body);
	t.body = body;
	if (o.kind != NULL) {
		free(t.kind);
		t.kind = xstrdup(o.kind);
	}
	if (nb_template_update(bc->db, &t) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("changed template %s\n", t.name);
done:
	nb_template_clear(&t);
	return rc;
}

static int
template_show(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_template	 t;
	int			 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	memset(&t, 0, sizeof(t));
	if (nb_template_get(bc->db, argv[optind], &t) != NB_OK)
		return bc_dberror(bc);
	if (bc->json)
		bc_print_json(nb_template_json(&t, 1));
	else
		fwrite(t.body, 1, strlen(t.body), stdout);	/* exactly the body */
	nb_template_clear(&t);
	if (fflush(stdout) == EOF || ferror(stdout))
		return bc_error("standard output: %s", strerror(errno));
	return 0;
}

static int
template_rm(struct bootctl *bc, int argc, char *argv[])
{
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 || (rc = bc_open(bc)) != 0 ||
	    (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_template_rm(bc->db, argv[optind]) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("removed template %s\n", argv[optind]);
	return rc;
}

static int
list_one(const struct nb_template *t, void *arg)
{
	struct bc_list	*l = arg;
	char		 size[32], updated[32];

	if (l->a != NULL) {
		json_array_append_new(l->a, nb_template_json(t, 0));
		return 0;
	}
	snprintf(size, sizeof(size), "%zu", strlen(t->body));
	bc_table_row(l->t, t->name, t->kind, size,
	    bc_time(t->updated, updated, sizeof(updated)));
	return 0;
}

static int
template_list(struct bootctl *bc, int argc, char *argv[])
{
	struct bc_list	 l;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	bc_list_begin(bc, &l, "NAME", "KIND", "SIZE", "UPDATED",
	    (const char *)NULL);
	return bc_list_end(bc, &l, nb_template_list(bc->db, list_one, &l));
}

#define TEMPLATE_KINDS \
	"preseed|kickstart|autoinstall|cloud-init|autounattend|autoyast|ipxe|raw"

const struct bootctl_cmd bc_template_cmds[] = {
	{ "template", "add", "NAME --kind " TEMPLATE_KINDS " --file FILE", BC_OPEN_LATE,
	    template_add },
	{ "template", "edit", "NAME --file FILE [--kind KIND]", BC_OPEN_LATE, template_edit },
	{ "template", "show", "NAME", BC_OPEN_LATE, template_show },
	{ "template", "list", "", BC_OPEN_LATE, template_list },
	{ "template", "rm", "NAME", BC_OPEN_LATE, template_rm },
	{ NULL, NULL, NULL, 0, NULL },
};
