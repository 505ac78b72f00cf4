/*
 * cmd-token.c: bootctl token create | list | revoke: the admin plane's
 * API tokens (Authorization: Bearer; netboot(7) ADMIN PLANE). A token is
 * printed once, when made; the database keeps only its SHA-256.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootctl.h"
#include "xmalloc.h"

enum { O_ROLE = 1, O_EXPIRES, O_LABEL, O_SESSIONS };

#define EXPIRES_MAX	(10LL * 366 * 86400)	/* ten years */

/* "90d", "12h", "30m", "3600s" or "3600": seconds, or -1. */
static int64_t
parse_duration(const char *s)
{
	static const struct { char c; int64_t mult; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 },
	};
	char		 num[32];
	const char	*errstr;
	int64_t		 n, mult = 1;
	size_t		 len = strlen(s), i;

	if (len == 0 || len >= sizeof(num))
		return -1;
	strlcpy(num, s, sizeof(num));
	for (i = 0; i < nitems(units); i++)
		if (num[len - 1] == units[i].c) {
			mult = units[i].mult;
			num[len - 1] = '\0';
		}
	n = strtonum(num, 1, EXPIRES_MAX, &errstr);
	if (errstr != NULL || n > EXPIRES_MAX / mult)
		return -1;
	return n * mult;
}

static int
token_create(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, O_ROLE },
		{ "expires", required_argument, NULL, O_EXPIRES },
		{ "label", required_argument, NULL, O_LABEL },
		{ NULL, 0, NULL, 0 },
	};
	char		 tok[NB_APITOKEN_STRLEN];
	enum nb_role	 role = NB_ROLE_NONE;
	const char	*label = NULL;
	int64_t		 ttl = 0, expires = 0, id;
	int		 ch, rc;
	json_t		*o;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_ROLE:
			if (nb_role_parse(optarg, &role) == -1)
				return bc_cmd_usage(bc, "unknown role '%s' "
				    "(viewer, operator or admin)", optarg);
			break;
		case O_EXPIRES:
			if ((ttl = parse_duration(optarg)) == -1)
				return bc_cmd_usage(bc, "bad --expires '%s' "
				    "(N, Ns, Nm, Nh or Nd, at most ten years)",
				    optarg);
			break;
		case O_LABEL:
			label = optarg;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (ttl > 0)
		expires = nb_now() + ttl;
	if (nb_token_create(bc->db, argv[optind], role, label, expires, tok,
	    &id) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) != 0)
		return rc;
	if (bc->json) {
		o = json_object();
		json_object_set_new(o, "id", json_integer(id));
		json_object_set_new(o, "token", json_string(tok));
		bc_print_json(o);
	} else
		printf("token %lld of %s (shown only now): %s\n",
		    (long long)id, argv[optind], tok);
	explicit_bzero(tok, sizeof(tok));
	return 0;
}

static int
token_one(const struct nb_apitoken *t, void *arg)
{
	struct bc_list		*o = arg;
	char			 id[24], c[64], e[64], u[64], lbl[256];

	if (o->a != NULL) {
		json_array_append_new(o->a, nb_apitoken_json(t));
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)t->id);
	bc_table_row(o->t, id, t->user, t->session ? "session" : "api",
	    t->role == NB_ROLE_NONE ? "-" : nb_role_name(t->role),
	    bc_time(t->created, c, sizeof(c)),
	    bc_time(t->expires, e, sizeof(e)),
	    bc_time(t->last_used, u, sizeof(u)),
	    bc_safe(lbl, sizeof(lbl), t->label));
	return 0;
}

static int
token_list(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "sessions", no_argument, NULL, O_SESSIONS },
		{ NULL, 0, NULL, 0 },
	};
	struct bc_list		 o;
	const char		*user = NULL;
	int			 ch, rc, sessions = 0;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		if (ch != O_SESSIONS)
			return bc_badopt(bc, ch, argv);
		sessions = 1;
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 0, 1)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	if (optind < argc)
		user = argv[optind];
	bc_list_begin(bc, &o, "ID", "USER", "KIND", "ROLE", "CREATED",
	    "EXPIRES", "LAST USED", "LABEL", (const char *)NULL);
	return bc_list_end(bc, &o,
	    nb_token_list(bc->db, user, sessions, token_one, &o));
}

static int
token_revoke(struct bootctl *bc, int argc, char *argv[])
{
	int64_t		 id;
	int		 rc;

	if ((rc = bc_id_operand(bc, argc, argv, "token", &id)) != 0)
		return rc;
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_token_revoke(bc->db, id) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("token %lld revoked\n", (long long)id);
	return rc;
}

const struct bootctl_cmd bc_token_cmds[] = {
	{ "token", "create", "USER [--role viewer|operator|admin] "
	    "[--expires DURATION] [--label TEXT]", BC_OPEN_LATE, token_create },
	{ "token", "list", "[USER] [--sessions]", BC_OPEN_LATE, token_list },
	{ "token", "revoke", "ID", BC_OPEN_LATE, token_revoke },
	{ NULL, NULL, NULL, 0, NULL },
};
