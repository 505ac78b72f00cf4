/*
 * lease6.c: the leases of the stateful DHCPv6 server (dhcp6.c), decided
 * in memory so that no answer waits for the database (netboot(7), "The
 * database and the event loops").
 *
 * The loop owns a copy of the leases6 table: hashed by address and, for
 * bound leases, by IA (DUID and IAID). Every change it makes (bind,
 * release, decline, remove) is applied to the copy, numbered, kept in a
 * journal and queued on the write-behind queue, whose thread writes it
 * (lease6_write) in order, in the transaction of its batch, once any lock
 * is released. Nothing the loop decided is lost while it waits.
 *
 * The writer thread reads the table again at start, when the loop asks,
 * and after another process commits (bootctl lease rm, a second
 * pxedhcpd; feed.c bounds how often). When it differs from the last read,
 * it builds a new copy there, off the loop, stamped with the number of
 * the last change of ours it had committed (lease6_read). The loop takes
 * that copy (feed_leases), drops the old one and replays the changes
 * of its journal numbered after the stamp: the result is what the
 * database will hold once the queue is written. The journal keeps only
 * changes after the last copy taken; a long one asks for a fresh copy.
 * Copies are built from slabs of leases so that dropping one costs the
 * loop a free per 256 leases.
 */
#include "config.h"

#include <sys/queue.h>

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

#define L6_BUCKETS	64	/* the hash tables' least size */
#define L6_SLAB		256	/* leases per allocation */
#define L6_JOURNAL_ASK	1024	/* changes kept, then a copy is asked for */

/* A lease in a copy, on its address's chain and, bound, its IA's. */
struct l6 {
	LIST_ENTRY(l6)	 by_addr;
	LIST_ENTRY(l6)	 by_ia;
	struct l6	*next_free;
	int		 on_ia;
	struct lease6	 l;
};
LIST_HEAD(l6_head, l6);

struct l6_slab {
	struct l6_slab	*next;
	struct l6	 e[L6_SLAB];
};

/* A copy of leases6. */
struct lease6_tab {
	struct l6_head	*addr, *ia;	/* nbucket chains each */
	size_t		 nbucket, n;
	struct l6_slab	*slabs;		/* the first is being filled */
	size_t		 used;		/* leases taken from it */
	struct l6	*free;		/* removed leases, for reuse */
	uint64_t	 seq;		/* our changes it held when read */
};

/* A change queued since the copy was read, for replaying onto the next. */
struct l6_change {
	uint64_t	 seq;
	enum lease6_op	 op;
	struct lease6	 l;
};

/* The loop's leases: its copy and its journal. */
struct lease6_mem {
	struct lease6_tab *t;		/* NULL until the first copy */
	uint64_t	 seq;		/* the last change queued */
	struct l6_change *j;		/* the journal */
	size_t		 nj, capj;
	int64_t		 asked_at;	/* when a copy was last asked for */
};

static uint64_t
l6_fnv(uint64_t h, const uint8_t *p, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		h = (h ^ p[i]) * 1099511628211ull;
	return h;
}

static struct l6_head *
l6_addr_chain(const struct lease6_tab *t, const uint8_t addr[16])
{
	return &t->addr[l6_fnv(14695981039346656037ull, addr, 16) &
	    (t->nbucket - 1)];
}

static struct l6_head *
l6_ia_chain(const struct lease6_tab *t, const uint8_t *duid, size_t len,
    uint32_t iaid)
{
	uint64_t	 h = l6_fnv(14695981039346656037ull, duid, len);

	return &t->ia[(h ^ iaid) * 1099511628211ull & (t->nbucket - 1)];
}

static int
l6_same_ia(const struct lease6 *l, const uint8_t *duid, size_t len,
    uint32_t iaid)
{
	return l->iaid == iaid && l->duidlen == len &&
	    memcmp(l->duid, duid, len) == 0;
}

static struct l6 *
l6_by_addr(const struct lease6_tab *t, const uint8_t addr[16])
{
	struct l6	*e;

	LIST_FOREACH(e, l6_addr_chain(t, addr), by_addr)
		if (memcmp(e->l.addr, addr, 16) == 0)
			return e;
	return NULL;
}

static struct l6 *
l6_by_ia(const struct lease6_tab *t, const uint8_t *duid, size_t len,
    uint32_t iaid)
{
	struct l6	*e;

	LIST_FOREACH(e, l6_ia_chain(t, duid, len, iaid), by_ia)
		if (l6_same_ia(&e->l, duid, len, iaid))
			return e;
	return NULL;
}

static void
l6_link(struct lease6_tab *t, struct l6 *e)
{
	LIST_INSERT_HEAD(l6_addr_chain(t, e->l.addr), e, by_addr);
	e->on_ia = !e->l.declined;
	if (e->on_ia)
		LIST_INSERT_HEAD(l6_ia_chain(t, e->l.duid, e->l.duidlen,
		    e->l.iaid), e, by_ia);
}

/* Empty chains of n buckets (a power of two), the leases linked again. */
static void
l6_rehash(struct lease6_tab *t, size_t n)
{
	struct l6_head	*old = t->addr;
	struct l6	*e;
	size_t		 i, had = t->nbucket;

	free(t->ia);
	t->addr = xcalloc(n, sizeof(*t->addr));
	t->ia = xcalloc(n, sizeof(*t->ia));
	t->nbucket = n;
	for (i = 0; i < n; i++) {
		LIST_INIT(&t->addr[i]);
		LIST_INIT(&t->ia[i]);
	}
	for (i = 0; i < had; i++)
		while ((e = LIST_FIRST(&old[i])) != NULL) {
			LIST_REMOVE(e, by_addr);
			l6_link(t, e);
		}
	free(old);
}

/* An empty copy with room for n leases before its chains grow. */
static struct lease6_tab *
l6_tab_new(size_t n)
{
	struct lease6_tab	*t = xcalloc(1, sizeof(*t));
	size_t			 b = L6_BUCKETS;

	while (b < n)
		b *= 2;
	l6_rehash(t, b);
	return t;
}

void
lease6_tab_free(struct lease6_tab *t)
{
	struct l6_slab	*s;

	if (t == NULL)
		return;
	while ((s = t->slabs) != NULL) {
		t->slabs = s->next;
		free(s);
	}
	free(t->addr);
	free(t->ia);
	free(t);
}

static void
l6_insert(struct lease6_tab *t, const struct lease6 *l)
{
	struct l6_slab	*s;
	struct l6	*e;

	if (t->n >= t->nbucket)
		l6_rehash(t, t->nbucket * 2);
	if ((e = t->free) != NULL)
		t->free = e->next_free;
	else {
		if (t->slabs == NULL || t->used == L6_SLAB) {
			s = xcalloc(1, sizeof(*s));
			s->next = t->slabs;
			t->slabs = s;
			t->used = 0;
		}
		e = &t->slabs->e[t->used++];
	}
	memset(e, 0, sizeof(*e));
	e->l = *l;
	l6_link(t, e);
	t->n++;
}

static void
l6_remove(struct lease6_tab *t, struct l6 *e)
{
	LIST_REMOVE(e, by_addr);
	if (e->on_ia)
		LIST_REMOVE(e, by_ia);
	e->next_free = t->free;
	t->free = e;
	t->n--;
}

/*
 * One change, as db_lease6.c makes it in the database: a bind replaces
 * the IA's bound lease and any lease of the address; a release deletes,
 * and a decline marks, the IA's bound lease of the address; a remove
 * deletes the address's lease.
 */
static void
l6_apply(struct lease6_tab *t, enum lease6_op op, const struct lease6 *l)
{
	struct l6	*e;

	switch (op) {
	case L6_BIND:
		if ((e = l6_by_ia(t, l->duid, l->duidlen, l->iaid)) != NULL)
			l6_remove(t, e);
		if ((e = l6_by_addr(t, l->addr)) != NULL)
			l6_remove(t, e);
		l6_insert(t, l);
		break;
	case L6_RELEASE:
	case L6_DECLINE:
		e = l6_by_addr(t, l->addr);
		if (e == NULL || e->l.declined ||
		    !l6_same_ia(&e->l, l->duid, l->duidlen, l->iaid))
			break;
		if (op == L6_RELEASE) {
			l6_remove(t, e);
			break;
		}
		LIST_REMOVE(e, by_ia);
		e->on_ia = 0;
		e->l.declined = 1;
		e->l.expires = l->expires;
		e->l.updated = l->updated;
		break;
	case L6_RM:
		if ((e = l6_by_addr(t, l->addr)) != NULL)
			l6_remove(t, e);
		break;
	case L6_NONE:
		break;
	}
}

void
lease6_free(struct lease6_mem *m)
{
	if (m == NULL)
		return;
	lease6_tab_free(m->t);
	free(m->j);
	free(m);
}

/* The journal without the changes the copy holds (seq and before). */
static void
l6_trim(struct lease6_mem *m, uint64_t seq)
{
	size_t	 k = 0;

	while (k < m->nj && m->j[k].seq <= seq)
		k++;
	if (k == 0)
		return;		/* m->j may be NULL */
	memmove(m->j, m->j + k, (m->nj - k) * sizeof(*m->j));
	m->nj -= k;
}

/* Take a new copy, with the changes it does not hold replayed. */
static void
l6_adopt(struct lease6_mem *m, struct lease6_tab *t)
{
	size_t	 i;

	if (m->t == NULL || m->nj > 0)
		log_debug("DHCPv6 leases: %zu read (our changes up to %llu), "
		    "%zu of ours not yet written", t->n,
		    (unsigned long long)t->seq, m->nj);
	lease6_tab_free(m->t);
	m->t = t;
	l6_trim(m, t->seq);
	for (i = 0; i < m->nj; i++)
		l6_apply(t, m->j[i].op, &m->j[i].l);
}

int
lease6_sync(struct pxedhcpd *x)
{
	struct lease6_mem	*m;
	struct lease6_tab	*t;

	if (x->l6 == NULL)
		x->l6 = xcalloc(1, sizeof(*x->l6));
	m = x->l6;
	if ((t = feed_leases(x->feed)) != NULL)
		l6_adopt(m, t);
	if (m->t == NULL && m->asked_at != x->now) {
		log_warnx("DHCPv6 leases not read yet: no address leased");
		feed_refresh(x->feed);
		record_wake(x->rec);
		m->asked_at = x->now;
	}
	return m->t != NULL ? 0 : -1;
}

const struct lease6 *
lease6_get(struct lease6_mem *m, const uint8_t *duid, size_t duidlen,
    uint32_t iaid)
{
	struct l6	*e = l6_by_ia(m->t, duid, duidlen, iaid);

	return e != NULL ? &e->l : NULL;
}

int
lease6_taken(struct lease6_mem *m, const uint8_t addr[16],
    const uint8_t *duid, size_t duidlen, uint32_t iaid, int64_t now)
{
	struct l6	*e = l6_by_addr(m->t, addr);

	/* Held while unexpired: by another IA if bound, by none if declined. */
	return e != NULL && e->l.expires > now && (e->l.declined ||
	    !l6_same_ia(&e->l, duid, duidlen, iaid));
}

void
lease6_walk(struct lease6_mem *m, int (*fn)(const struct lease6 *, void *),
    void *arg)
{
	struct l6	*e;
	size_t		 i;

	for (i = 0; i < m->t->nbucket; i++)
		LIST_FOREACH(e, &m->t->addr[i], by_addr)
			if (fn(&e->l, arg) != 0)
				return;
}

/* Queue a change for the writer; -1 if the queue is full. */
static int
l6_queue(struct pxedhcpd *x, enum lease6_op op, const struct lease6 *l,
    uint64_t seq)
{
	struct rec_item	*it;
	int64_t		 off;

	if ((it = record_new(x->rec)) == NULL)
		return -1;
	/* One after the other in the arena. */
	if ((off = record_bytes(x->rec, l->addr, 16)) == -1 ||
	    record_bytes(x->rec, l->duid, l->duidlen) == -1)
		return -1;	/* the record stays empty: none written */
	it->ts = x->now_ts;	/* updated is x->now, its second */
	it->lease_op = (uint8_t)op;
	it->lease.seq = seq;
	it->lease.iaid = l->iaid;
	it->lease.off = (uint32_t)off;
	it->lease.lifetime = l->expires > l->updated ?
	    (uint32_t)(l->expires - l->updated) : 0;
	it->lease.duidlen = l->duidlen;
	if (l->mac[0] != '\0' && nb_mac_parse(l->mac, it->mac) == 0)
		it->lease.has_mac = 1;
	return 0;
}

int
lease6_change(struct pxedhcpd *x, enum lease6_op op, const struct lease6 *l)
{
	struct lease6_mem	*m = x->l6;
	struct l6_change	*c;

	if (l6_queue(x, op, l, m->seq + 1) == -1) {
		log_warnx("DHCPv6 leases: the write queue is full: no change");
		return -1;
	}
	m->seq++;
	l6_apply(m->t, op, l);
	if (m->nj == m->capj) {
		m->capj = m->capj ? m->capj * 2 : 64;
		m->j = xreallocarray(m->j, m->capj, sizeof(*m->j));
	}
	c = &m->j[m->nj++];
	c->seq = m->seq;
	c->op = op;
	c->l = *l;
	/* Our own commits bring no copy: ask for one now and then. */
	if (m->nj >= L6_JOURNAL_ASK && m->asked_at != x->now) {
		feed_refresh(x->feed);
		record_wake(x->rec);
		m->asked_at = x->now;
	}
	return 0;
}

/* The writer thread: a row of leases6 into the rows being read. */
static int
l6_read_row(const struct nb_lease6 *r, void *arg)
{
	struct lease6_rows	*s = arg;
	struct lease6		*l;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xreallocarray(s->v, s->cap, sizeof(*s->v));
	}
	l = &s->v[s->n];
	/* Zeroed, padding too: rows are compared with memcmp. */
	memset(l, 0, sizeof(*l));
	if (inet_pton(AF_INET6, r->addr, l->addr) != 1 ||
	    r->duidlen > sizeof(l->duid)) {
		log_warnx("DHCPv6 lease '%s' left out: not an address",
		    r->addr);
		return 0;
	}
	memcpy(l->duid, r->duid, r->duidlen);
	l->duidlen = (uint8_t)r->duidlen;
	l->iaid = r->iaid;
	strlcpy(l->mac, r->mac, sizeof(l->mac));
	l->declined = (uint8_t)r->declined;
	l->expires = r->expires;
	l->updated = r->updated;
	s->n++;
	return 0;
}

void
lease6_rows_free(struct lease6_rows *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

/*
 * Most reads follow another process's commit that did not touch
 * leases6 (bootweb's events): then nothing is built and the loop keeps
 * its copy. A read that fails keeps it too.
 */
int
lease6_read(struct nb_db *db, struct lease6_rows *last, uint64_t seq,
    struct lease6_tab **out)
{
	struct lease6_rows	 cur;
	struct lease6_tab	*t;
	size_t			 i;

	*out = NULL;
	memset(&cur, 0, sizeof(cur));
	if (nb_lease6_list(db, l6_read_row, &cur) != NB_OK) {
		log_warnx("reading DHCPv6 leases: %s", nb_db_errmsg(db));
		lease6_rows_free(&cur);
		return -1;
	}
	if (last->have && last->seq == seq && last->n == cur.n &&
	    (cur.n == 0 ||
	    memcmp(last->v, cur.v, cur.n * sizeof(*cur.v)) == 0)) {
		lease6_rows_free(&cur);
		return 0;
	}
	lease6_rows_free(last);
	*last = cur;
	last->seq = seq;
	last->have = 1;
	/* Twice the chains: new leases come without a rehash on the loop. */
	t = l6_tab_new(cur.n * 2);
	for (i = 0; i < cur.n; i++)
		l6_insert(t, &cur.v[i]);
	t->seq = seq;
	*out = t;
	return 0;
}

/* The writer thread: one bind, unless another server holds the address. */
static int
l6_write_bind(struct nb_db *db, const struct rec_item *it,
    const uint8_t *duid, const char *addr, int *stale)
{
	const struct rec_lease	*rl = &it->lease;
	struct nb_lease6	 l;
	int64_t			 updated = (int64_t)it->ts;
	int			 rc;

	rc = nb_lease6_taken(db, addr, duid, rl->duidlen, rl->iaid, updated);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		/* Two servers on one pool: the first to write keeps it. */
		log_warnx("DHCPv6 lease of %s not written: another process "
		    "leased it meanwhile", addr);
		*stale = 1;
		return NB_OK;
	}
	memset(&l, 0, sizeof(l));
	strlcpy(l.addr, addr, sizeof(l.addr));
	memcpy(l.duid, duid, rl->duidlen);
	l.duidlen = rl->duidlen;
	l.iaid = rl->iaid;
	if (rl->has_mac)
		nb_mac_format(it->mac, l.mac);
	l.expires = updated + rl->lifetime;
	l.updated = updated;
	return nb_lease6_bind(db, &l);
}

int
lease6_write(struct nb_db *db, const struct rec_item *it, const char *arena,
    int *stale)
{
	const struct rec_lease	*rl = &it->lease;
	const uint8_t		*duid;
	char			 addr[INET6_ADDRSTRLEN];
	int			 rc = NB_OK;

	duid = (const uint8_t *)arena + rl->off + 16;
	inet_ntop(AF_INET6, arena + rl->off, addr, sizeof(addr));
	switch ((enum lease6_op)it->lease_op) {
	case L6_BIND:
		rc = l6_write_bind(db, it, duid, addr, stale);
		break;
	case L6_RELEASE:
		rc = nb_lease6_release(db, duid, rl->duidlen, rl->iaid, addr);
		break;
	case L6_DECLINE:
		rc = nb_lease6_decline(db, duid, rl->duidlen, rl->iaid, addr,
		    (int64_t)it->ts + rl->lifetime, (int64_t)it->ts);
		break;
	case L6_RM:
		rc = nb_lease6_rm(db, addr);
		break;
	case L6_NONE:
		break;
	}
	/* Changed by another process meanwhile (bootctl lease rm): done. */
	return rc == NB_NOTFOUND ? NB_OK : rc;
}
