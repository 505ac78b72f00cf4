/*
 * timeline.c: the chain of a client's last boot as the three daemons
 * recorded it in the events table (proxy offer, port 4011, TFTP or HTTP
 * loader, boot.ipxe, the per-client script, kernel, initrd, unattended
 * file), each step with the daemon that served it and the seconds since
 * the first DHCP packet (timeline.h).
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

#include <stdlib.h>
#include <string.h>

#include "timeline.h"
#include "xmalloc.h"

#define TL_BOOT_GAP	300.0	/* s of silence: then DHCP starts a boot */

struct nb_timeline {
	char		 mac[NB_MACSTR_LEN];
	struct nb_tl_step *steps;	/* the current (last) boot */
	size_t		 n, cap;
	double		 first_dhcp;	/* its first DHCP step; 0: none */
	double		 late;		/* its own script or later; 0: none */
	int64_t		 last_id;
	struct nb_tl_step *batch;	/* events read, not yet fed */
	size_t		 nbatch, capbatch;
};

/*
 * Steps that mean iPXE got its per-client script (or GRUB its grub.cfg):
 * the next DHCP is a new boot.
 */
static const char *const tl_late_kinds[] = {
	"http-script", "http-kernel", "http-initrd", "http-unattended",
	"http-iso", "self-done", "self-suspend", "self-unsuspend",
	"tftp-grub-cfg",
};

static int
tl_is_late(const char *kind)
{
	size_t	 i;

	for (i = 0; i < nitems(tl_late_kinds); i++)
		if (strcmp(kind, tl_late_kinds[i]) == 0)
			return 1;
	return 0;
}

static int
tl_is_dhcp(const char *daemon, const char *kind)
{
	return strcmp(daemon, "pxedhcpd") == 0 &&
	    strncmp(kind, "dhcp-", 5) == 0;
}

static int
tl_starts_boot(const struct nb_timeline *tl, const struct nb_tl_step *s)
{
	if (tl->n == 0)
		return 1;
	if (strcmp(s->daemon, "pxedhcpd") != 0)
		return 0;
	if (s->ts - tl->steps[tl->n - 1].ts > TL_BOOT_GAP)
		return 1;
	/* pxedhcpd ignores the installer's own DHCP: only answers count. */
	return tl->late != 0 && s->ts > tl->late &&
	    (strcmp(s->kind, "dhcp-offer") == 0 ||
	    strcmp(s->kind, "dhcp-ack") == 0);
}

static void
tl_step_free(struct nb_tl_step *s)
{
	free(s->daemon);
	free(s->kind);
	free(s->ip);
	free(s->detail);
}

static void
tl_clear(struct nb_timeline *tl)
{
	size_t	 i;

	for (i = 0; i < tl->n; i++)
		tl_step_free(&tl->steps[i]);
	tl->n = 0;
	tl->first_dhcp = 0;
	tl->late = 0;
}

struct nb_timeline *
nb_timeline_new(const char *mac)
{
	struct nb_timeline	*tl = xcalloc(1, sizeof(*tl));

	strlcpy(tl->mac, mac, sizeof(tl->mac));
	return tl;
}

void
nb_timeline_free(struct nb_timeline *tl)
{
	size_t	 i;

	if (tl == NULL)
		return;
	tl_clear(tl);
	for (i = 0; i < tl->nbatch; i++)
		tl_step_free(&tl->batch[i]);
	free(tl->batch);
	free(tl->steps);
	free(tl);
}

size_t
nb_timeline_nsteps(const struct nb_timeline *tl)
{
	return tl->n;
}

const struct nb_tl_step *
nb_timeline_step(const struct nb_timeline *tl, size_t i)
{
	return i < tl->n ? &tl->steps[i] : NULL;
}

double
nb_timeline_base(const struct nb_timeline *tl)
{
	if (tl->first_dhcp != 0)
		return tl->first_dhcp;
	return tl->n > 0 ? tl->steps[0].ts : 0;
}

json_t *
nb_timeline_step_json(const struct nb_timeline *tl,
    const struct nb_tl_step *s)
{
	struct nb_event	 ev;
	json_t		*o;

	memset(&ev, 0, sizeof(ev));
	ev.id = s->id;
	ev.ts = s->ts;
	strlcpy(ev.mac, tl->mac, sizeof(ev.mac));
	ev.ip = s->ip;
	ev.daemon = s->daemon;
	ev.kind = s->kind;
	ev.detail = s->detail;
	o = nb_event_json(&ev);
	json_object_set_new(o, "t", json_real(s->ts - nb_timeline_base(tl)));
	return o;
}

json_t *
nb_timeline_json(const struct nb_timeline *tl, const char *name)
{
	json_t	*o, *steps;
	size_t	 i;

	o = json_object();
	json_object_set_new(o, "mac", json_string(tl->mac));
	json_object_set_new(o, "name", name ? json_string(name) : json_null());
	json_object_set_new(o, "start", tl->n ?
	    json_real(nb_timeline_base(tl)) : json_null());
	steps = json_array();
	for (i = 0; i < tl->n; i++)
		json_array_append_new(steps, nb_timeline_step_json(tl,
		    &tl->steps[i]));
	json_object_set_new(o, "steps", steps);
	return o;
}

/* Take s (and what it owns) into the current boot. */
static void
tl_append(struct nb_timeline *tl, struct nb_tl_step *s)
{
	if (tl->n == tl->cap) {
		tl->cap = tl->cap ? tl->cap * 2 : 32;
		tl->steps = xreallocarray(tl->steps, tl->cap,
		    sizeof(*tl->steps));
	}
	tl->steps[tl->n++] = *s;
	if (tl->first_dhcp == 0 && tl_is_dhcp(s->daemon, s->kind))
		tl->first_dhcp = s->ts;
	if (tl->late == 0 && tl_is_late(s->kind))
		tl->late = s->ts;
}

/* nb_event_list callback: keep a copy of one event, to sort them by time. */
static int
tl_collect(const struct nb_event *ev, void *arg)
{
	struct nb_timeline	*tl = arg;
	struct nb_tl_step	*s;

	if (tl->nbatch == tl->capbatch) {
		tl->capbatch = tl->capbatch ? tl->capbatch * 2 : 32;
		tl->batch = xreallocarray(tl->batch, tl->capbatch,
		    sizeof(*tl->batch));
	}
	s = &tl->batch[tl->nbatch++];
	s->id = ev->id;
	s->ts = ev->ts;
	s->daemon = xstrdup(ev->daemon);
	s->kind = xstrdup(ev->kind);
	s->ip = ev->ip ? xstrdup(ev->ip) : NULL;
	s->detail = xstrdup(ev->detail ? ev->detail : "");
	if (ev->id > tl->last_id)
		tl->last_id = ev->id;
	return 0;
}

static int
tl_step_cmp(const void *a, const void *b)
{
	const struct nb_tl_step	*x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int
nb_timeline_read(struct nb_db *db, struct nb_timeline *tl,
    void (*fn)(const struct nb_timeline *, const struct nb_tl_step *, int,
    void *), void *arg)
{
	size_t	 i;
	int	 rc, newboot;

	rc = nb_event_list(db, tl->mac, tl->last_id, 0, tl_collect, tl);
	if (tl->nbatch > 0)	/* never qsort(NULL, 0): C11 7.22.5 */
		qsort(tl->batch, tl->nbatch, sizeof(*tl->batch), tl_step_cmp);
	for (i = 0; i < tl->nbatch; i++) {
		if ((newboot = tl_starts_boot(tl, &tl->batch[i])))
			tl_clear(tl);
		tl_append(tl, &tl->batch[i]);
		if (fn != NULL)
			fn(tl, &tl->steps[tl->n - 1], newboot, arg);
	}
	tl->nbatch = 0;
	return rc;
}
