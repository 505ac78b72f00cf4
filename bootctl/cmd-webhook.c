/*
 * cmd-webhook.c: bootctl webhook add | list | rm (netboot(7) WEBHOOKS).
 * bootweb sends each webhook a signed POST per event of its kinds; list
 * shows how far each got and what failed.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "webhook.h"

enum { O_EVENTS = 1, O_SECRET, O_SECRET_STDIN };

#define SECRET_BYTES	32	/* of a secret made up */

/* One line of standard input as the secret, without its newline. */
static int
secret_stdin(char *buf, size_t len)
{
	if (fgets(buf, (int)len, stdin) == NULL)
		return -1;
	buf[strcspn(buf, "\r\n")] = '\0';
	return 0;
}

static int
webhook_add(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "events", required_argument, NULL, O_EVENTS },
		{ "secret", required_argument, NULL, O_SECRET },
		{ "secret-stdin", no_argument, NULL, O_SECRET_STDIN },
		{ NULL, 0, NULL, 0 },
	};
	uint8_t		 rnd[SECRET_BYTES];
	char		 secret[257];
	const char	*events = "*";
	int64_t		 id;
	int		 ch, rc, made = 0;

	secret[0] = '\0';
	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_EVENTS:
			events = optarg;
			break;
		case O_SECRET:
			if (strlcpy(secret, optarg, sizeof(secret)) >=
			    sizeof(secret))
				return bc_cmd_usage(bc, "--secret is longer "
				    "than 256 bytes");
			break;
		case O_SECRET_STDIN:
			if (secret_stdin(secret, sizeof(secret)) == -1)
				return bc_cmd_usage(bc, "no secret on "
				    "standard input");
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		return rc;
	if (!nb_webhook_events_valid(events))
		return bc_cmd_usage(bc, "bad --events '%s' (kinds or prefixes "
		    "like tftp-*, separated by commas)", events);
	if (secret[0] == '\0') {
		arc4random_buf(rnd, sizeof(rnd));
		nb_hex(rnd, sizeof(rnd), secret);
		explicit_bzero(rnd, sizeof(rnd));
		made = 1;
	}
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	if (nb_webhook_add(bc->db, argv[optind], events, secret,
	    &id) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) != 0)
		goto done;
	printf("webhook %lld: %s for %s\n", (long long)id, argv[optind],
	    events);
	if (made)
		printf("secret (shown only now): %s\n", secret);
 done:
	explicit_bzero(secret, sizeof(secret));
	return rc;
}

struct wh_out {
	json_t		*a;
	struct bc_table	*t;
};

static int
webhook_one(const struct nb_webhook *w, void *arg)
{
	struct wh_out	*o = arg;
	char		 id[24], cur[24], del[24], fail[24], drop[24];
	char		 st[16], at[64], err[256];

	if (o->a != NULL) {
		json_array_append_new(o->a, nb_webhook_json(w));
		return 0;
	}
	snprintf(id, sizeof(id), "%lld", (long long)w->id);
	snprintf(cur, sizeof(cur), "%lld", (long long)w->cursor);
	snprintf(del, sizeof(del), "%lld", (long long)w->delivered);
	snprintf(fail, sizeof(fail), "%lld", (long long)w->failed);
	snprintf(drop, sizeof(drop), "%lld", (long long)w->dropped);
	snprintf(st, sizeof(st), "%d", w->last_status);
	bc_table_row(o->t, id, w->url, w->events, cur, del, fail, drop,
	    w->last_status ? st : "-", bc_time(w->last_attempt, at,
	    sizeof(at)), bc_safe(err, sizeof(err), w->last_error));
	return 0;
}

static int
webhook_list(struct bootctl *bc, int argc, char *argv[])
{
	struct wh_out	 o;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	if (bc->json)
		o.a = json_array();
	else
		o.t = bc_table_new("ID", "URL", "EVENTS", "CURSOR",
		    "DELIVERED", "FAILED", "DROPPED", "STATUS", "LAST TRY",
		    "LAST ERROR", (const char *)NULL);
	rc = nb_webhook_list(bc->db, webhook_one, &o);
	if (o.a != NULL) {
		if (rc != NB_OK) {
			json_decref(o.a);
			return bc_dberror(bc);
		}
		bc_print_json(o.a);
		return 0;
	}
	bc_table_print(o.t, stdout);
	return rc == NB_OK ? 0 : bc_dberror(bc);
}

static int
webhook_rm(struct bootctl *bc, int argc, char *argv[])
{
	int64_t		 id;
	int		 rc;

	if ((rc = bc_id_operand(bc, argc, argv, "webhook", &id)) != 0)
		return rc;
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_webhook_rm(bc->db, id) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("webhook %lld removed\n", (long long)id);
	return rc;
}

const struct bootctl_cmd bc_webhook_cmds[] = {
	{ "webhook", "add", "URL [--events KINDS] [--secret S | "
	    "--secret-stdin]", BC_OPEN_LATE, webhook_add },
	{ "webhook", "list", "", BC_OPEN_LATE, webhook_list },
	{ "webhook", "rm", "ID", BC_OPEN_LATE, webhook_rm },
	{ NULL, NULL, NULL, 0, NULL },
};
