/*
 * cmd-user.c: bootctl user add | list | passwd | rm | role: the admin
 * plane's users (netboot(7) ADMIN PLANE). A password is read from
 * standard input with --password-stdin, else made up and printed once.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"

enum { O_ROLE = 1, O_STDIN };

/* One line of standard input as the password, without its newline. */
static int
read_password(char *buf, size_t len)
{
	size_t	 n;

	if (fgets(buf, (int)len, stdin) == NULL)
		return bc_error("no password on standard input");
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && !feof(stdin))
		return bc_error("the password is longer than %d characters",
		    NB_PASSWORD_MAX);
	buf[n] = '\0';
	return 0;
}

/* The password to set: from stdin, or made up (*made set). */
static int
get_password(int from_stdin, char *buf, size_t len, int *made)
{
	const char	*why;
	int		 rc;

	*made = !from_stdin;
	if (!from_stdin) {
		nb_password_random(buf);
		return 0;
	}
	if ((rc = read_password(buf, len)) != 0)
		return rc;
	if ((why = nb_password_rule(buf)) != NULL)
		return bc_error("%s", why);
	return 0;
}

static void
show_password(struct bootctl *bc, const char *user, const char *pw)
{
	json_t	*o;

	if (bc->json) {
		o = json_object();
		json_object_set_new(o, "user", json_string(user));
		json_object_set_new(o, "password", json_string(pw));
		bc_print_json(o);
		return;
	}
	printf("password of %s (shown only now): %s\n", user, pw);
}

static int
user_opts(struct bootctl *bc, int argc, char *argv[], enum nb_role *role,
    int *from_stdin)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "password-stdin", no_argument, NULL, O_STDIN },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_ROLE:
			if (role == NULL)
				return bc_cmd_usage(bc,
				    "unknown option '--role'");
			if (nb_role_parse(optarg, role) == -1)
				return bc_cmd_usage(bc, "unknown role '%s' "
				    "(viewer, operator or admin)", optarg);
			break;
		case O_STDIN:
			*from_stdin = 1;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	return 0;
}

static int
user_add(struct bootctl *bc, int argc, char *argv[])
{
	enum nb_role	 role = NB_ROLE_NONE;
	char		 pw[NB_PASSWORD_MAX + 2];
	const char	*name;
	int		 rc, from_stdin = 0, made;

	if ((rc = user_opts(bc, argc, argv, &role, &from_stdin)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		return rc;
	name = argv[optind];
	if (!nb_name_valid(name))
		return bc_cmd_usage(bc, "bad user name '%s' (letters, digits, "
		    ". _ -)", name);
	if ((rc = get_password(from_stdin, pw, sizeof(pw), &made)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	/* the first user manages the rest: an admin unless told otherwise */
	if (role == NB_ROLE_NONE)
		role = nb_user_count(bc->db) == 0 ? NB_ROLE_ADMIN :
		    NB_ROLE_VIEWER;
	if (nb_user_add(bc->db, name, role, pw) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) != 0)
		goto done;
	if (!bc->json)
		printf("user %s added (%s)\n", name, nb_role_name(role));
	if (made)
		show_password(bc, name, pw);
done:
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

static int
user_passwd(struct bootctl *bc, int argc, char *argv[])
{
	char		 pw[NB_PASSWORD_MAX + 2];
	const char	*name;
	int		 rc, from_stdin = 0, made;

	if ((rc = user_opts(bc, argc, argv, NULL, &from_stdin)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		return rc;
	name = argv[optind];
	if ((rc = get_password(from_stdin, pw, sizeof(pw), &made)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	if (nb_user_passwd(bc->db, name, pw) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) != 0)
		goto done;
	if (!bc->json)
		printf("password of %s changed; the user's sessions "
		    "ended\n", name);
	if (made)
		show_password(bc, name, pw);
done:
	explicit_bzero(pw, sizeof(pw));
	return rc;
}

static int
user_one(const struct nb_user *u, void *arg)
{
	struct bc_list	*o = arg;
	char		 c[64], m[64];

	if (o->a != NULL) {
		json_array_append_new(o->a, nb_user_json(u));
		return 0;
	}
	bc_table_row(o->t, u->name, nb_role_name(u->role),
	    bc_time(u->created, c, sizeof(c)),
	    bc_time(u->updated, m, sizeof(m)));
	return 0;
}

static int
user_list(struct bootctl *bc, int argc, char *argv[])
{
	struct bc_list	 o;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	bc_list_begin(bc, &o, "NAME", "ROLE", "CREATED", "CHANGED",
	    (const char *)NULL);
	return bc_list_end(bc, &o, nb_user_list(bc->db, user_one, &o));
}

static int
user_rm(struct bootctl *bc, int argc, char *argv[])
{
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_user_rm(bc->db, argv[optind]) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("user %s removed, with the user's tokens and sessions\n",
		    argv[optind]);
	return rc;
}

static int
user_role(struct bootctl *bc, int argc, char *argv[])
{
	enum nb_role	 role;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 2, 2)) != 0)
		return rc;
	argv += optind;
	if (nb_role_parse(argv[1], &role) == -1)
		return bc_cmd_usage(bc, "unknown role '%s' (viewer, operator "
		    "or admin)", argv[1]);
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_user_set_role(bc->db, argv[0], role) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("user %s is now %s\n", argv[0], argv[1]);
	return rc;
}

/*
 * For bootctl db init: the first admin, "admin" with a random password
 * printed once, if the database has no user at all. Run again, it finds
 * users and says nothing: a password is never shown twice nor reset.
 */
int
bc_user_first_admin(struct bootctl *bc)
{
	char	 pw[NB_PASSWORD_RANDOM_LEN + 1];
	int	 rc;

	if (nb_user_count(bc->db) != 0)
		return 0;
	if ((rc = bc_begin(bc)) != 0)
		return rc;
	if ((rc = nb_user_first_admin(bc->db, "admin", pw)) == NB_EXISTS) {
		nb_db_rollback(bc->db);
		return 0;
	}
	if (rc != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) != 0)
		return rc;
	printf("admin user added: admin, password (shown only now): %s\n", pw);
	explicit_bzero(pw, sizeof(pw));
	return 0;
}

const struct bootctl_cmd bc_user_cmds[] = {
	{ "user", "add", "NAME [--role viewer|operator|admin] "
	    "[--password-stdin]", BC_OPEN_LATE, user_add },
	{ "user", "list", "", BC_OPEN_LATE, user_list },
	{ "user", "passwd", "NAME [--password-stdin]", BC_OPEN_LATE,
	    user_passwd },
	{ "user", "role", "NAME viewer|operator|admin", BC_OPEN_LATE,
	    user_role },
	{ "user", "rm", "NAME", BC_OPEN_LATE, user_rm },
	{ NULL, NULL, NULL, 0, NULL },
};
