/*
 * cmd-client-timeline.c: bootctl client timeline MAC [--follow]: the chain
 * of a client's last boot as the three daemons recorded it in the events
 * table (proxy offer, port 4011, TFTP or HTTP loader, boot.ipxe, the
 * per-client script, kernel, initrd, unattended file), each step with the
 * daemon that served it and the seconds since the first DHCP packet.
 *
 * A boot starts at the client's first event, at a DHCP answer from
 * pxedhcpd once the previous boot got as far as its per-client script
 * (the firmware came back: a new boot), or at any pxedhcpd event after
 * TL_BOOT_GAP seconds of silence (a boot that failed early, then a retry).
 * Steps are ordered by time, not by id: each daemon writes its events in
 * its own batch every 100 ms, so an iPXE's DHCP answer can be written after
 * the script it asked for 90 ms later. Events are only read, never written.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bootctl.h"
#include "xmalloc.h"

#define TL_BOOT_GAP	300.0	/* seconds without a step: the next DHCP is a new boot */
#define TL_POLL_MS	500	/* --follow: how often to look for new events */

struct tl_step {
	int64_t		 id;
	double		 ts;
	char		*daemon;
	char		*kind;
	char		*ip;
	char		*detail;
};

struct tl_batch {
	struct tl_step	*v;
	size_t		 n, cap;
};

struct timeline {
	struct tl_step	*steps;		/* the current (last) boot */
	size_t		 n, cap;
	double		 first_dhcp;	/* time of its first DHCP step, 0: none yet */
	double		 late;		/* time its per-client script (or later) was served, 0: not yet */
	int64_t		 last_id;
	int		 follow;	/* print each step as it is fed */
	int		 json;
};

/*
 * Steps that mean iPXE got its per-client script (or GRUB its grub.cfg):
 * the next DHCP is a new boot.
 */
static const char *const tl_late_kinds[] = {
	"http-script", "http-kernel", "http-initrd", "http-unattended", "http-iso",
	"self-done", "self-suspend", "self-unsuspend", "tftp-grub-cfg",
};

static volatile sig_atomic_t tl_stop;

static void
tl_onsignal(int sig)
{
	(void)sig;
	tl_stop = 1;
}

static int
tl_is_late(const char *kind)
{
	size_t	 i;

	for (i = 0; i < sizeof(tl_late_kinds) / sizeof(tl_late_kinds[0]); i++)
		if (strcmp(kind, tl_late_kinds[i]) == 0)
			return 1;
	return 0;
}

static int
tl_is_dhcp(const char *daemon, const char *kind)
{
	return strcmp(daemon, "pxedhcpd") == 0 && strncmp(kind, "dhcp-", 5) == 0;
}

static int
tl_starts_boot(const struct timeline *tl, const struct tl_step *s)
{
	if (tl->n == 0)
		return 1;
	if (strcmp(s->daemon, "pxedhcpd") != 0)
		return 0;
	if (s->ts - tl->steps[tl->n - 1].ts > TL_BOOT_GAP)
		return 1;
	/* The installer's own DHCP is ignored by pxedhcpd: only answers count. */
	return tl->late != 0 && s->ts > tl->late && (strcmp(s->kind, "dhcp-offer") == 0 ||
	    strcmp(s->kind, "dhcp-ack") == 0);
}

static void
tl_step_free(struct tl_step *s)
{
	free(s->daemon);
	free(s->kind);
	free(s->ip);
	free(s->detail);
}

static void
tl_clear(struct timeline *tl)
{
	size_t	 i;

	for (i = 0; i < tl->n; i++)
		tl_step_free(&tl->steps[i]);
	tl->n = 0;
	tl->first_dhcp = 0;
	tl->late = 0;
}

/* The time the steps are measured from: the first DHCP packet, else the first step. */
static double
tl_base(const struct timeline *tl)
{
	if (tl->first_dhcp != 0)
		return tl->first_dhcp;
	return tl->n > 0 ? tl->steps[0].ts : 0;
}

static json_t *
tl_step_json(const struct timeline *tl, const struct tl_step *s, const char *mac)
{
	struct nb_event	 ev;
	json_t		*o;

	memset(&ev, 0, sizeof(ev));
	ev.id = s->id;
	ev.ts = s->ts;
	strlcpy(ev.mac, mac, sizeof(ev.mac));
	ev.ip = s->ip;
	ev.daemon = s->daemon;
	ev.kind = s->kind;
	ev.detail = s->detail;
	o = nb_event_json(&ev);
	json_object_set_new(o, "t", json_real(s->ts - tl_base(tl)));
	return o;
}

static void
tl_print_step(const struct timeline *tl, const struct tl_step *s, const char *mac)
{
	json_t	*o;

	if (tl->json) {
		o = tl_step_json(tl, s, mac);
		json_dumpf(o, stdout, JSON_COMPACT | JSON_SORT_KEYS);
		fputc('\n', stdout);
		json_decref(o);
		return;
	}
	printf("  %+8.2fs  %-8s  %-16s %s\n", s->ts - tl_base(tl), s->daemon, s->kind,
	    s->detail);
}

static void
tl_print_header(const struct timeline *tl, const struct tl_step *first, const char *mac,
    const char *name, const char *what)
{
	char	 when[64];

	if (tl->json)
		return;
	printf("%s%s%s%s: %s, started %s (seconds since the first DHCP packet)\n", mac,
	    name ? " (" : "", name ? name : "", name ? ")" : "", what,
	    bc_time((int64_t)first->ts, when, sizeof(when)));
}

/* Take s (and what it owns) into the current boot. */
static void
tl_append(struct timeline *tl, struct tl_step *s)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 32;
		tl->steps = xreallocarray(tl->steps, tl->cap, sizeof(*tl->steps));
	}
	tl->steps[tl->n++] = *s;
	if (tl->first_dhcp == 0 && tl_is_dhcp(s->daemon, s->kind))
		tl->first_dhcp = s->ts;
	if (tl->late == 0 && tl_is_late(s->kind))
		tl->late = s->ts;
}

struct tl_feed_arg {
	struct timeline	*tl;
	struct tl_batch	 batch;		/* events read, not yet fed */
	const char	*mac;
	const char	*name;
};

/* nb_event_list callback: keep a copy of one event, to sort them by time. */
static int
tl_collect(const struct nb_event *ev, void *arg)
{
	struct tl_feed_arg	*fa = arg;
	struct tl_batch		*b = &fa->batch;
	struct tl_step		*s;

	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 32;
		b->v = xreallocarray(b->v, b->cap, sizeof(*b->v));
	}
	s = &b->v[b->n++];
	s->id = ev->id;
	s->ts = ev->ts;
	s->daemon = xstrdup(ev->daemon);
	s->kind = xstrdup(ev->kind);
	s->ip = ev->ip ? xstrdup(ev->ip) : NULL;
	s->detail = xstrdup(ev->detail ? ev->detail : "");
	if (ev->id > fa->tl->last_id)
		fa->tl->last_id = ev->id;
	return 0;
}

static int
tl_step_cmp(const void *a, const void *b)
{
	const struct tl_step	*x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Feed the collected events, in time order, to the timeline (printing each with --follow). */
static void
tl_feed(struct tl_feed_arg *fa)
{
	struct timeline	*tl = fa->tl;
	size_t		 i;

	if (fa->batch.n > 0)	/* never qsort(NULL, 0): C11 7.22.5 */
		qsort(fa->batch.v, fa->batch.n, sizeof(*fa->batch.v),
		    tl_step_cmp);
	for (i = 0; i < fa->batch.n; i++) {
		if (tl_starts_boot(tl, &fa->batch.v[i])) {
			tl_clear(tl);
			tl_append(tl, &fa->batch.v[i]);
			if (tl->follow)
				tl_print_header(tl, &tl->steps[0], fa->mac, fa->name, "new boot");
		} else
			tl_append(tl, &fa->batch.v[i]);
		if (tl->follow)
			tl_print_step(tl, &tl->steps[tl->n - 1], fa->mac);
	}
	fa->batch.n = 0;
}

static int
tl_print_all(struct timeline *tl, const char *mac, const char *name)
{
	json_t	*o, *steps;
	size_t	 i;

	if (tl->json) {
		o = json_object();
		json_object_set_new(o, "mac", json_string(mac));
		json_object_set_new(o, "name", name ? json_string(name) : json_null());
		json_object_set_new(o, "start", tl->n ? json_real(tl_base(tl)) : json_null());
		steps = json_array();
		for (i = 0; i < tl->n; i++)
			json_array_append_new(steps, tl_step_json(tl, &tl->steps[i], mac));
		json_object_set_new(o, "steps", steps);
		bc_print_json(o);
		return 0;
	}
	if (tl->n == 0) {
		printf("%s: no boot recorded yet\n", mac);
		return 0;
	}
	tl_print_header(tl, &tl->steps[0], mac, name, "last boot");
	for (i = 0; i < tl->n; i++)
		tl_print_step(tl, &tl->steps[i], mac);
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
tl_follow(struct bootctl *bc, struct timeline *tl, struct tl_feed_arg *fa)
{
	struct sigaction	 sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tl_onsignal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	tl->follow = 1;
	while (!tl_stop) {
		fflush(stdout);
		tl_sleep_ms(TL_POLL_MS);
		if (nb_event_list(bc->db, fa->mac, tl->last_id, 0, tl_collect, fa) != NB_OK)
			return bc_dberror(bc);
		tl_feed(fa);
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
	struct timeline		 tl = { 0 };
	struct tl_feed_arg	 fa;
	struct nb_client	 c;
	char			 mac[NB_MACSTR_LEN], *name = NULL;
	size_t			 i;
	int			 ch, follow = 0, rc, known;

	while ((ch = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (ch != 'F')
			return bc_usage("usage: bootctl client timeline MAC [--follow] [--json]");
		follow = 1;
	}
	if (argc - optind != 1)
		return bc_usage("usage: bootctl client timeline MAC [--follow] [--json]");
	if ((rc = bc_client_arg(bc, argv[optind], mac)) != 0)
		return rc;
	nb_client_init(&c);
	if ((rc = nb_client_get(bc->db, mac, &c)) == NB_OK && c.name != NULL)
		name = xstrdup(c.name);
	known = rc == NB_OK;
	nb_client_clear(&c);
	if (rc != NB_OK && rc != NB_NOTFOUND)
		return bc_dberror(bc);
	tl.json = bc->json;
	memset(&fa, 0, sizeof(fa));
	fa.tl = &tl;
	fa.mac = mac;
	fa.name = name;
	if (nb_event_list(bc->db, mac, 0, 0, tl_collect, &fa) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	tl_feed(&fa);
	if (!known && tl.n == 0 && !follow)
		rc = bc_error("no client %s and no events for it", mac);
	else if (follow) {
		/* With --json, one object per line: the steps so far, then each new one. */
		if (tl.json) {
			for (i = 0; i < tl.n; i++)
				tl_print_step(&tl, &tl.steps[i], mac);
		} else
			tl_print_all(&tl, mac, name);
		rc = tl_follow(bc, &tl, &fa);
	} else
		rc = tl_print_all(&tl, mac, name);
done:
	for (i = 0; i < fa.batch.n; i++)
		tl_step_free(&fa.batch.v[i]);
	free(fa.batch.v);
	tl_clear(&tl);
	free(tl.steps);
	free(name);
	return rc;
}

const struct bootctl_cmd bc_client_timeline_cmds[] = {
	{ "client", "timeline", "MAC [--follow]", 0, client_timeline },
	{ NULL, NULL, NULL, 0, NULL },
};
