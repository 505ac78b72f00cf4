/* cmd-db.c: bootctl db init | check | migrate | backup | copy. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "conf.h"
#include "xmalloc.h"

/* mkdir -p: the parents 0755 as a package makes them, the last one 0750. */
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
	if (rc == 0 && mkdir(copy, 0750) == -1 && errno != EEXIST)
		rc = -1;
	free(copy);
	return rc;
}

/*
 * The state directory, as systemd's StateDirectory= makes it: 0750 and
 * owned by the user the daemons run as (netboot.conf's user, netboot by
 * default), when root creates it. Then bootctl acts as that user
 * (bc_become_owner), so the database and its journals are the daemons'.
 * A directory that exists is never chowned: it may be /var/lib.
 */
static int
db_init_dir(struct bootctl *bc, const char *dir)
{
	struct passwd	*pw = NULL;
	struct stat	 sb;
	const char	*user = nb_conf_get(bc->conf, NULL, "user");

	if (user == NULL)
		user = "netboot";
	if (geteuid() == 0 && strcmp(user, "root") != 0)
		pw = getpwnam(user);
	if (stat(dir, &sb) == 0) {
		if (pw != NULL && sb.st_uid == 0 && sb.st_uid != pw->pw_uid)
			fprintf(stderr, "bootctl: warning: %s belongs to "
			    "root: the daemons run as %s and cannot write the "
			    "database there: chown -R %s: %s\n", dir, user,
			    user, dir);
		return 0;
	}
	if (mkdir_parents(dir) == -1)
		return bc_error("cannot create %s: %s", dir, strerror(errno));
	if (pw != NULL && chown(dir, pw->pw_uid, pw->pw_gid) == -1)
		return bc_error("cannot give %s to %s: %s", dir, user,
		    strerror(errno));
	if (pw == NULL && geteuid() == 0 && strcmp(user, "root") != 0)
		fprintf(stderr, "bootctl: warning: user %s does not exist, "
		    "so %s belongs to root: create the user "
		    "(systemd-sysusers), then chown -R %s: %s\n", user, dir,
		    user, dir);
	return 0;
}

/* An older database readable by others: not any more, nor its journals. */
static void
db_init_tighten(const char *dbpath)
{
	static const char *const sfx[] = { "", "-wal", "-shm", "-journal" };
	struct stat	 sb;
	char		*p;
	size_t		 i;

	for (i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
		xasprintf(&p, "%s%s", dbpath, sfx[i]);
		if (stat(p, &sb) == 0 && (sb.st_mode & S_IRWXO) != 0) {
			if (chmod(p, sb.st_mode & 0770) == -1)
				log_warn("chmod %s", p);
			else
				printf("%s was readable by others: now mode "
				    "%04o\n", p, (unsigned)(sb.st_mode & 0770));
		}
		free(p);
	}
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
	if (nb_db_is_pg(bc->dbpath)) {
		/* A server's database: no directory, no file modes here. */
		if (nb_db_open(bc->dbpath, NB_DB_CREATE, &bc->db, err,
		    sizeof(err)) != NB_OK)
			return bc_error("%s", err);
		printf("opened %s (schema version %d)\n", nb_db_path(bc->db),
		    nb_db_version(bc->db));
		return bc_user_first_admin(bc);
	}
	existed = stat(bc->dbpath, &sb) == 0;
	copy = xstrdup(bc->dbpath);
	rc = db_init_dir(bc, dirname(copy));
	free(copy);
	if (rc != 0)
		return rc;
	bc_become_owner(bc->dbpath);
	if (nb_db_open(bc->dbpath, NB_DB_CREATE, &bc->db, err, sizeof(err)) != NB_OK)
		return bc_error("%s", err);
	if (existed)
		db_init_tighten(bc->dbpath);
	printf("%s %s (schema version %d)\n", existed ? "opened" : "initialized",
	    bc->dbpath, nb_db_version(bc->db));
	return bc_user_first_admin(bc);
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

/* One table copied and verified: its line, or its member of --json's. */
static void
copy_report(const char *table, int64_t rows, void *arg)
{
	json_t	*tables = arg;

	if (tables != NULL)
		json_object_set_new(tables, table, json_integer(rows));
	else
		printf("%-16s %lld\n", table, (long long)rows);
}

/*
 * db copy --to DEST [--force]: the whole database into DEST, a path or
 * a PostgreSQL connection string, created or migrated to this schema.
 */
static int
db_copy(struct bootctl *bc, int argc, char *argv[])
{
	enum { O_TO = 1, O_FORCE };
	static const struct option opts[] = {
		{ "to", required_argument, NULL, O_TO },
		{ "force", no_argument, NULL, O_FORCE },
		{ NULL, 0, NULL, 0 },
	};
	struct nb_db	*dst = NULL;
	json_t		*tables = NULL, *o;
	const char	*to = NULL;
	char		 err[1024], from[256], shown[256];
	int		 ch, force = 0, rc;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		if (ch == O_TO)
			to = optarg;
		else if (ch == O_FORCE)
			force = 1;
		else
			return bc_badopt(bc, ch, argv);
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 0, 0)) != 0)
		return rc;
	if (to == NULL || *to == '\0')
		return bc_cmd_usage(bc, "--to DEST is required (a path or a "
		    "postgresql:// connection string)");
	if ((rc = bc_open(bc)) != 0)
		return rc;
	nb_db_redact(bc->dbpath, from, sizeof(from));
	nb_db_redact(to, shown, sizeof(shown));
	if (strcmp(bc->dbpath, to) == 0)
		return bc_cmd_usage(bc, "--to names the database itself");
	if (nb_db_open(to, NB_DB_CREATE, &dst, err, sizeof(err)) != NB_OK)
		return bc_error("%s", err);
	if (bc->json)
		tables = json_object();
	if (nb_db_copy(bc->db, dst, force, copy_report, tables) != NB_OK) {
		rc = bc_error("copy to %s: %s", shown, nb_db_errmsg(dst));
		json_decref(tables);
		nb_db_close(dst);
		return rc;
	}
	nb_db_close(dst);
	if (bc->json) {
		o = json_object();
		json_object_set_new(o, "from", json_string(from));
		json_object_set_new(o, "to", json_string(shown));
		json_object_set_new(o, "verified", json_true());
		json_object_set_new(o, "tables", tables);
		bc_print_json(o);
	} else
		printf("copied %s to %s: every table verified\n", from, shown);
	return 0;
}

const struct bootctl_cmd bc_db_cmds[] = {
	{ "db", "init", "", -1, db_init },
	{ "db", "check", "", NB_DB_NOMIGRATE | BC_OPEN_LATE, db_check },
	{ "db", "migrate", "", NB_DB_NOMIGRATE | BC_OPEN_LATE, db_migrate },
	{ "db", "backup", "FILE", NB_DB_NOMIGRATE | BC_OPEN_LATE, db_backup },
	{ "db", "copy", "--to DEST [--force]", BC_OPEN_LATE, db_copy },
	{ NULL, NULL, NULL, 0, NULL },
};
