/*
 * record.c: writing what pxedhcpd saw (nb_client_seen) and decided
 * (events) without ever delaying a reply. The loop fills one batch in
 * memory; once per tick the batch goes to a writer thread that holds its
 * own database connection and writes it in one transaction, while the
 * loop fills the other batch. A DISCOVER storm therefore costs the loop a
 * memcpy per packet, and SQLite a row per client per second.
 */
#include "config.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

#define RECORD_MAX	50000	/* items per batch; beyond, they are dropped and counted */

enum { REC_SEEN, REC_EVENT };

struct rec_item {
	uint8_t		 type;
	char		 mac[NB_MACSTR_LEN];
	char		 ip[INET_ADDRSTRLEN];
	union {
		struct {
			int	 arch;
			uint8_t	 vendor_len, user_len, has_uuid;
			char	 vendor[255];	/* raw option bytes: escaped by the writer */
			char	 user[64];
			uint8_t	 uuid[16];
		} seen;
		struct {
			char	 kind[16];
			char	 detail[200];
		} ev;
	} u;
};

struct rec_batch {
	struct rec_item	*items;
	size_t		 n, cap;
};

struct record {
	char		*dbpath;
	struct nb_db	*db;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	struct rec_batch batch[2];
	struct rec_batch *fill;		/* the loop's */
	struct rec_batch *write;	/* the thread's while busy */
	int		 busy, quit;
	uint64_t	 dropped;
};

static const char *
nz(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

static struct rec_item *
record_new(struct record *r)
{
	struct rec_batch *b = r->fill;

	if (b->n == b->cap) {
		if (b->cap >= RECORD_MAX) {
			if (r->dropped++ % 10000 == 0)
				log_warnx("database writer behind: %llu records dropped",
				    (unsigned long long)r->dropped);
			return NULL;
		}
		b->cap = b->cap ? b->cap * 2 : 256;
		b->items = xreallocarray(b->items, b->cap, sizeof(*b->items));
	}
	return &b->items[b->n++];
}

void
record_seen(struct record *r, const struct request *rq, int arch)
{
	struct rec_item	*it;
	const uint8_t	*v;
	size_t		 len;

	if ((it = record_new(r)) == NULL)
		return;
	it->type = REC_SEEN;
	memcpy(it->mac, rq->mac, sizeof(it->mac));
	strlcpy(it->ip, rq->ipstr, sizeof(it->ip));
	it->u.seen.arch = arch;
	/* Only copies here: escaping and formatting are the writer thread's work. */
	v = dhcp_opt_get(&rq->pkt, DHO_CLASSID, &len);
	it->u.seen.vendor_len = (uint8_t)len;
	memcpy(it->u.seen.vendor, v ? v : (const uint8_t *)"", len);
	v = dhcp_opt_get(&rq->pkt, DHO_USERCLASS, &len);
	len = len < sizeof(it->u.seen.user) ? len : sizeof(it->u.seen.user);
	it->u.seen.user_len = (uint8_t)len;
	memcpy(it->u.seen.user, v ? v : (const uint8_t *)"", len);
	it->u.seen.has_uuid = (uint8_t)rq->pkt.has_uuid;
	memcpy(it->u.seen.uuid, rq->pkt.uuid, 16);
}

/* What record_seen copied, as the text nb_client_seen stores. */
static void
record_seen_write(struct record *r, struct rec_item *it, int *rc)
{
	struct dhcp_pkt	 fake;
	char		 vendor[4 * 255 + 1], user[4 * 64 + 1], uuid[37];

	log_safe(vendor, sizeof(vendor), it->u.seen.vendor, it->u.seen.vendor_len);
	log_safe(user, sizeof(user), it->u.seen.user, it->u.seen.user_len);
	fake.has_uuid = it->u.seen.has_uuid;
	memcpy(fake.uuid, it->u.seen.uuid, 16);
	dhcp_uuid_str(&fake, uuid);
	*rc = nb_client_seen(r->db, it->mac, it->u.seen.arch, nz(vendor), nz(user), nz(uuid),
	    nz(it->ip));
}

void
record_event(struct record *r, const char *mac, const char *kind, const char *ip,
    const char *detail)
{
	struct rec_item	*it;

	if ((it = record_new(r)) == NULL)
		return;
	it->type = REC_EVENT;
	strlcpy(it->mac, mac, sizeof(it->mac));
	strlcpy(it->ip, ip ? ip : "", sizeof(it->ip));
	strlcpy(it->u.ev.kind, kind, sizeof(it->u.ev.kind));
	strlcpy(it->u.ev.detail, detail, sizeof(it->u.ev.detail));
}

/* Write one batch in one transaction; a failed batch is logged and dropped. */
static void
record_write(struct record *r, struct rec_batch *b)
{
	struct rec_item	*it;
	size_t		 i;
	int		 rc = NB_OK;

	if (b->n == 0)
		return;
	if ((rc = nb_db_begin(r->db)) != NB_OK)
		goto fail;
	for (i = 0; i < b->n && rc == NB_OK; i++) {
		it = &b->items[i];
		if (it->type == REC_SEEN)
			record_seen_write(r, it, &rc);
		else
			rc = nb_event_add(r->db, nz(it->mac), "pxedhcpd", it->u.ev.kind, nz(it->ip),
			    "%s", it->u.ev.detail);
	}
	if (rc == NB_OK && (rc = nb_db_commit(r->db)) == NB_OK)
		return;
	nb_db_rollback(r->db);
 fail:
	log_warnx("recording %zu clients/events failed: %s", b->n, nb_db_errmsg(r->db));
}

static void *
record_main(void *arg)
{
	struct record	*r = arg;
	int		 quit, busy;

	for (;;) {
		pthread_mutex_lock(&r->mtx);
		while (!r->busy && !r->quit)
			pthread_cond_wait(&r->cond, &r->mtx);
		quit = r->quit;
		busy = r->busy;
		pthread_mutex_unlock(&r->mtx);
		if (busy) {
			record_write(r, r->write);
			pthread_mutex_lock(&r->mtx);
			r->write->n = 0;
			r->busy = 0;
			pthread_cond_broadcast(&r->cond);
			pthread_mutex_unlock(&r->mtx);
		}
		if (quit)
			return NULL;
	}
}

struct record *
record_start(const char *dbpath)
{
	struct record	*r = xcalloc(1, sizeof(*r));
	char		 err[1024];

	if (nb_db_open(dbpath, 0, &r->db, err, sizeof(err)) != NB_OK)
		fatalx("%s", err);
	r->fill = &r->batch[0];
	r->write = &r->batch[1];
	pthread_mutex_init(&r->mtx, NULL);
	pthread_cond_init(&r->cond, NULL);
	if (pthread_create(&r->thread, NULL, record_main, r) != 0)
		fatalx("cannot start the database writer thread");
	return r;
}

void
record_tick(struct record *r)
{
	struct rec_batch *t;

	if (r->fill->n == 0)
		return;
	pthread_mutex_lock(&r->mtx);
	if (!r->busy) {
		t = r->write;
		r->write = r->fill;
		r->fill = t;
		r->busy = 1;
		pthread_cond_signal(&r->cond);
	}
	pthread_mutex_unlock(&r->mtx);
}

void
record_stop(struct record *r)
{
	int	 i;

	pthread_mutex_lock(&r->mtx);
	while (r->busy)
		pthread_cond_wait(&r->cond, &r->mtx);
	pthread_mutex_unlock(&r->mtx);
	record_tick(r);
	pthread_mutex_lock(&r->mtx);
	r->quit = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mtx);
	pthread_join(r->thread, NULL);
	nb_db_close(r->db);
	for (i = 0; i < 2; i++)
		free(r->batch[i].items);
	pthread_mutex_destroy(&r->mtx);
	pthread_cond_destroy(&r->cond);
	free(r);
}
