/*
 * cmd-client-timeline.c: bootctl client timeline MAC [--follow]: the chain
 * of a client's last boot as the three daemons recorded it (timeline.c
 * builds it, for GET /api/v1/clients/{mac}/timeline too), each step with
 * the daemon that served it and the seconds since the first DHCP packet.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootctl.h"
#include "timeline.h"
#include "xmalloc.h"

#define TL_POLL_MS	500	/* --follow: how often to look for new events */

/* What printing needs besides the timeline. */
struct tl_out {
	const char	*mac;
	const char	*name;
	int		 json;
};

static volatile sig_atomic_t tl_stop;

static void
tl_onsignal(int sig)
{
	(void)sig;
	tl_stop = 1;
}

static void
tl_print_step(const struct nb_timeline *tl, const struct nb_tl_step *s,
    const struct tl_out *to)
{
	json_t	*o;

	if (to->json) {
		o = nb_timeline_step_json(tl, s);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(o);
		return;
	}
	printf("  %+8.2fs  %-8s  %-16s %s\n", s->ts - nb_timeline_base(tl),
	    s->daemon, s->kind, s->detail);
}

static void
tl_print_header(const struct nb_tl_step *first, const struct tl_out *to,
    const char *what)
{
	const char	*name = to->name;
	char		 when[64];

	if (to->json)
		return;
	printf("%s%s%s%s: %s, started %s (seconds since the first DHCP "
	    "packet)\n", to->mac, name ? " (" : "", name ? name : "",
	    name ? ")" : "", what, bc_time((int64_t)first->ts, when,
	    sizeof(when)));
}

/* --follow: each step as it joins, a header when a boot starts. */
static void
tl_on_step(const struct nb_timeline *tl, const struct nb_tl_step *s,
    int newboot, void *arg)
{
	if (newboot)
		tl_print_header(s, arg, "new boot");
	tl_print_step(tl, s, arg);
}

static int
tl_print_all(const struct nb_timeline *tl, const struct tl_out *to)
{
	size_t	 i, n = nb_timeline_nsteps(tl);

	if (to->json) {
		bc_print_json(nb_timeline_json(tl, to->name));
		return 0;
	}
	if (n == 0) {
		printf("%s: no boot recorded yet\n", to->mac);
		return 0;
	}
	tl_print_header(nb_timeline_step(tl, 0), to, "last boot");
	for (i = 0; i < n; i++)
		tl_print_step(tl, nb_timeline_step(tl, i), to);
	return 0;
}

static void
tl_sleep_ms(int ms)
{
	struct timespec	 ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* --follow: print new steps as the daemons record them, until a signal. */
static int
tl_follow(struct bootctl *bc, struct nb_timeline *tl, struct tl_out *to)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tl_onsignal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	while (!tl_stop) {
		fflush(stdout);
		tl_sleep_ms(TL_POLL_MS);
		if (nb_timeline_read(bc->db, tl, tl_on_step, to) != NB_OK)
			return bc_dberror(bc);
	}
	fflush(stdout);
	return 0;
}

static int
client_timeline(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'F' },
		{ NULL, 0, NULL, 0 },
	};
	struct nb_timeline	*tl = NULL;
	struct nb_client	 c;
	struct tl_out		 to;
	char			 mac[NB_MACSTR_LEN], *name = NULL;
	size_t			 i;
	int			 ch, follow = 0, rc, known;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'F')
			return bc_usage("usage: bootctl client timeline MAC "
			    "[--follow] [--json]");
		follow = 1;
	}
	if (argc - optind != 1)
		return bc_usage("usage: bootctl client timeline MAC [--follow] "
		    "[--json]");
	if ((rc = bc_client_arg(bc, argv[optind], mac)) != 0)
		return rc;
	nb_client_init(&c);
	if ((rc = nb_client_get(bc->db, mac, &c)) == NB_OK && c.name != NULL)
		name = xstrdup(c.name);
	known = rc == NB_OK;
	nb_client_clear(&c);
	if (rc != NB_OK && rc != NB_NOTFOUND)
		return bc_dberror(bc);
	to.mac = mac;
	to.name = name;
	to.json = bc->json;
	tl = nb_timeline_new(mac);
	if (nb_timeline_read(bc->db, tl, NULL, NULL) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if (!known && nb_timeline_nsteps(tl) == 0 && !follow)
		rc = bc_error("no client %s and no events for it", mac);
	else if (follow) {
		/* With --json, one object per line: the steps so far, then each new one. */
		if (to.json) {
			for (i = 0; i < nb_timeline_nsteps(tl); i++)
				tl_print_step(tl, nb_timeline_step(tl, i), &to);
		} else
			tl_print_all(tl, &to);
		rc = tl_follow(bc, tl, &to);
	} else
		rc = tl_print_all(tl, &to);
done:
	nb_timeline_free(tl);
	free(name);
	return rc;
}

const struct bootctl_cmd bc_client_timeline_cmds[] = {
	{ "client", "timeline", "MAC [--follow]", 0, client_timeline },
	{ NULL, NULL, NULL, 0, NULL },
};
