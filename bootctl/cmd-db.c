/* cmd-db.c: bootctl db init | check | migrate | backup. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "conf.h"
#include "xmalloc.h"

/* mkdir -p: the state directory and what leads to it, 0755 as a package makes them. */
static int
mkdir_parents(const char *dir)
{
	char	*p, *copy;
	int	 rc = 0;

	copy = xstrdup(dir);
	for (p = copy + 1; rc == 0 && *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(copy, 0755) == -1 && errno != EEXIST)
			rc = -1;
		*p = '/';
	}
	if (rc == 0 && mkdir(copy, 0755) == -1 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

static int
db_init(struct bootctl *bc, int argc, char *argv[])
{
	char		 err[1024], *copy;
	const char	*v;
	int		 existed, rc;
	struct stat	 sb;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0)
		return rc;
	if (bc->dbpath == NULL)
		bc->dbpath = (v = nb_conf_get(bc->conf, NULL, "database")) ? v : NB_DB_DEFAULT;
	existed = stat(bc->dbpath, &sb) == 0;
	/* The state directory itself, as a package would create it. */
	copy = xstrdup(bc->dbpath);
	if (mkdir_parents(dirname(copy)) == -1) {
		free(copy);
		return bc_error("cannot create the directory of %s: %s", bc->dbpath,
		    strerror(errno));
	}
	free(copy);
	bc_become_owner(bc->dbpath);
	if (nb_db_open(bc->dbpath, NB_DB_CREATE, &bc->db, err, sizeof(err)) != NB_OK)
		return bc_error("%s", err);
	printf("%s %s (schema version %d)\n", existed ? "opened" : "initialized",
	    bc->dbpath, nb_db_version(bc->db));
	return 0;
}

static void
check_report(const char *msg, void *arg)
{
	int	*json = arg;

	if (*json)
		return;
	printf("%s\n", msg);
}

static void
check_collect(const char *msg, void *arg)
{
	json_array_append_new(arg, json_string(msg));
}

static int
db_check(struct bootctl *bc, int argc, char *argv[])
{
	json_t	*problems, *o;
	int	 n, rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0)
		return rc;
	if ((rc = bc_open(bc)) != 0)
		return rc;
	if (bc->json) {
		problems = json_array();
		n = nb_db_check(bc->db, check_collect, problems);
		o = json_object();
		json_object_set_new(o, "path", json_string(bc->dbpath));
		json_object_set_new(o, "version", json_integer(nb_db_version(bc->db)));
		json_object_set_new(o, "ok", json_boolean(n == 0));
		json_object_set_new(o, "problems", problems);
		bc_print_json(o);
	} else
		n = nb_db_check(bc->db, check_report, &bc->json);
	if (n < 0)
		return bc_dberror(bc);
	if (n > 0)
		return bc->json ? 1 : bc_error("%s: %d problem%s", bc->dbpath, n,
		    n == 1 ? "" : "s");
	if (!bc->json)
		printf("%s: ok (schema version %d)\n", bc->dbpath, nb_db_version(bc->db));
	return 0;
}

static int
db_migrate(struct bootctl *bc, int argc, char *argv[])
{
	int	 from, to, rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0)
		return rc;
	if ((rc = bc_open(bc)) != 0)
		return rc;
	from = nb_db_version(bc->db);
	if (from == NB_DB_VERSION) {
		printf("%s: already at schema version %d\n", bc->dbpath, from);
		return 0;
	}
	if (nb_db_migrate(bc->db, 0) != NB_OK)
		return bc_dberror(bc);
	to = nb_db_version(bc->db);
	printf("%s: migrated from schema version %d to %d\n", bc->dbpath, from, to);
	return 0;
}

static int
db_backup(struct bootctl *bc, int argc, char *argv[])
{
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0)
		return rc;
	argv += optind;
	if ((rc = bc_open(bc)) != 0)
		return rc;
	if (nb_db_backup(bc->db, argv[0]) != NB_OK)
		return bc_dberror(bc);
	printf("backed up %s to %s\n", bc->dbpath, argv[0]);
	return 0;
}

const struct bootctl_cmd bc_db_cmds[] = {
	{ "db", "init", "", -1, db_init },
	{ "db", "check", "", NB_DB_NOMIGRATE | BC_OPEN_LATE, db_check },
	{ "db", "migrate", "", NB_DB_NOMIGRATE | BC_OPEN_LATE, db_migrate },
	{ "db", "backup", "FILE", NB_DB_NOMIGRATE | BC_OPEN_LATE, db_backup },
	{ NULL, NULL, NULL, 0, NULL },
};
