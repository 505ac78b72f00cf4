/*
 * cmd-events.c: bootctl events list | prune. --follow notices new rows
 * through PRAGMA data_version (it changes when another connection
 * commits), checked every 200 ms: no table scans while nothing happens.
 */
#include "config.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootctl.h"
#include "xmalloc.h"

#define FOLLOW_MS	200
#define LIMIT_MAX	1000000000LL
#define DAYS_MAX	36500LL

enum { O_MAC = 1, O_LIMIT, O_FOLLOW, O_OLDER_THAN };

static volatile sig_atomic_t	 events_quit;

struct events_out {
	int	 json;		/* 1: array, 2: one object per line (--follow) */
	json_t	*array;
	int64_t	 last;		/* the newest id printed */
};

static void
events_signal(int sig)
{
	(void)sig;
	events_quit = 1;
}

static void
event_time(double ts, char *buf, size_t len)
{
	char	 s[32];

	bc_time((int64_t)ts, s, sizeof(s));
	snprintf(buf, len, "%s.%03d", s, (int)((ts - (double)(int64_t)ts) * 1000.0));
}

static int
event_print(const struct nb_event *ev, void *arg)
{
	struct events_out	*out = arg;
	char			 when[48], detail[2048];
	char			*line;

	out->last = ev->id;
	if (out->json == 1) {
		json_array_append_new(out->array, nb_event_json(ev));
		return 0;
	}
	if (out->json == 2) {
		json_t *o = nb_event_json(ev);

		line = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
		printf("%s\n", line);
		free(line);
		json_decref(o);
		return 0;
	}
	event_time(ev->ts, when, sizeof(when));
	/* The detail holds what clients sent (file names, classes): escape it. */
	printf("%-23s  %-17s  %-15s  %-8s  %-15s  %s\n", when, ev->mac[0] ? ev->mac : "-",
	    ev->ip ? ev->ip : "-", ev->daemon, ev->kind, bc_safe(detail, sizeof(detail),
	    ev->detail));
	return 0;
}

/* Sleep about FOLLOW_MS; a signal cuts it short. */
static void
follow_sleep(void)
{
	struct timespec	 ts = { 0, FOLLOW_MS * 1000000L };

	nanosleep(&ts, NULL);
}

static int
events_follow(struct bootctl *bc, const char *mac, struct events_out *out)
{
	struct sigaction	 sa;
	int64_t			 dv, v;

	/* No SA_RESTART: SIGINT and SIGTERM end the wait and the loop, exit 0. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = events_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	/* The first tick always looks, for what came between the listing and now. */
	dv = -2;
	while (!events_quit) {
		if (fflush(stdout) == EOF)
			return bc_error("standard output: %s", strerror(errno));
		follow_sleep();
		if (events_quit)
			break;
		if ((v = nb_db_data_version(bc->db)) == dv)
			continue;
		dv = v;
		if (nb_event_list(bc->db, mac, out->last, 0, event_print, out) != NB_OK) {
			if (nb_db_errmsg(bc->db)[0] != '\0')
				log_warnx("%s", nb_db_errmsg(bc->db));
			continue;	/* locked for a moment: try again on the next tick */
		}
	}
	fflush(stdout);
	return 0;
}

static int
events_list(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "mac", required_argument, NULL, O_MAC },
		{ "limit", required_argument, NULL, O_LIMIT },
		{ "follow", no_argument, NULL, O_FOLLOW },
		{ NULL, 0, NULL, 0 },
	};
	struct events_out	 out = { 0 };
	const char		*errstr;
	char			 mac[NB_MACSTR_LEN] = "";
	int64_t			 limit = -1, after = 0;
	int			 ch, rc, follow = 0;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_MAC:
			if ((rc = bc_client_arg(bc, optarg, mac)) != 0)
				return rc;
			break;
		case O_LIMIT:
			limit = strtonum(optarg, 0, LIMIT_MAX, &errstr);
			if (errstr != NULL)
				return bc_cmd_usage(bc, "--limit '%s' is %s (0..%lld)", optarg,
				    errstr, LIMIT_MAX);
			break;
		case O_FOLLOW:
			follow = 1;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 0, 0)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	/* --limit N: the newest N; 0: none of the past (with --follow, only new ones). */
	if (limit == 0)
		after = nb_event_last_id(bc->db, mac[0] ? mac : NULL);
	else if (limit > 0)
		after = nb_event_tail_id(bc->db, mac[0] ? mac : NULL, limit);
	out.last = after;
	out.json = bc->json ? (follow ? 2 : 1) : 0;
	if (out.json == 1)
		out.array = json_array();
	if (!bc->json)
		printf("%-23s  %-17s  %-15s  %-8s  %-15s  %s\n", "TIME", "MAC", "IP", "DAEMON",
		    "KIND", "DETAIL");
	if (limit != 0 && nb_event_list(bc->db, mac[0] ? mac : NULL, after, 0, event_print,
	    &out) != NB_OK) {
		json_decref(out.array);
		return bc_dberror(bc);
	}
	if (out.json == 1)
		bc_print_json(out.array);
	if (follow)
		return events_follow(bc, mac[0] ? mac : NULL, &out);
	return 0;
}

static int
events_prune(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "older-than", required_argument, NULL, O_OLDER_THAN },
		{ NULL, 0, NULL, 0 },
	};
	const char	*errstr;
	long long	 days = -1;
	int64_t		 n;
	int		 ch, rc;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		if (ch != O_OLDER_THAN)
			return bc_badopt(bc, ch, argv);
		days = strtonum(optarg, 0, DAYS_MAX, &errstr);
		if (errstr != NULL)
			return bc_cmd_usage(bc, "--older-than '%s' is %s (days, 0..%lld)", optarg,
			    errstr, DAYS_MAX);
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 0, 0)) != 0)
		return rc;
	if (days < 0)
		return bc_cmd_usage(bc, "--older-than DAYS is required");
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_event_prune(bc->db, (double)nb_now() - (double)days * 86400.0, &n) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("pruned %lld event%s older than %lld day%s\n", (long long)n,
		    n == 1 ? "" : "s", days, days == 1 ? "" : "s");
	return rc;
}

const struct bootctl_cmd bc_events_cmds[] = {
	{ "events", "list", "[--mac MAC] [--limit N] [--follow]", BC_OPEN_LATE, events_list },
	{ "events", "prune", "--older-than DAYS", BC_OPEN_LATE, events_prune },
	{ NULL, NULL, NULL, 0, NULL },
};
