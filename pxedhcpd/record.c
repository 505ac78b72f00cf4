/*
 * record.c: the recorder thread, pxedhcpd's only user of the database
 * once it runs. It writes what the loop saw (nb_client_seen) and decided
 * (events) without ever delaying a reply: the loop fills one batch of raw
 * records in memory; once per tick the batch goes to this thread, which
 * words the events, escapes the client's strings and writes the batch in
 * transactions of multi-row INSERTs, while the loop fills the other
 * batch. A DISCOVER storm therefore costs the loop a few copies per packet.
 *
 * The same thread watches PRAGMA data_version on its own connection, which
 * changes only when another process (bootctl, bootweb) commits, never for
 * its own writes; it then builds a new policy (policy.c) and hands it to
 * the loop, which switches between two receive batches.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/syscall.h>

#include <arpa/inet.h>

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

/*
 * A batch holds at most this much: a backlog of several seconds of a storm
 * that the writer (at a lower priority) catches up with afterwards. Beyond,
 * records are dropped and counted.
 */
#define RECORD_MAX	400000		/* records (about 80 bytes each) */
#define RECORD_ARENA	(32 << 20)	/* bytes of their strings */
#define RECORD_TX	4096		/* records per transaction: bootctl never waits long */
#define RECORD_CHUNK	32	/* records worded and written per multi-row statement */
#define POLL_MSEC	50	/* how often an idle writer looks for other processes' commits */
#define RECORD_NICE	10	/* the writer's nice value (the loop's is the process's) */

struct rec_batch {
	struct rec_item	*items;
	size_t		 n, cap;
	char		*arena;		/* the records' strings */
	size_t		 used, size;
};

/* The text of one record, as the writer words it. */
struct rec_text {
	char		 mac[NB_MACSTR_LEN];
	char		 ip[INET_ADDRSTRLEN];
	char		 vendor[4 * 255 + 1];
	char		 user[4 * 64 + 1];
	char		 uuid[37];
	char		 detail[400];
};

struct record {
	struct nb_db	*db;
	pthread_t	 thread;
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	struct rec_batch batch[2];
	struct rec_batch *fill;		/* the loop's */
	struct rec_batch *write;	/* the thread's while busy */
	int		 busy, quit;
	uint64_t	 dropped;
	/* The policy: the loop's, and a newer one waiting for it. */
	struct policy	*cur, *next;
	atomic_int	 fresh;		/* next is set */
	struct policy_conf conf;
	int		 reload;	/* build one with conf now */
	int64_t		 data_version;
	uint32_t	 gen;
	/* The writer's scratch, reused for every chunk. */
	struct rec_text	 text[RECORD_CHUNK];
	struct nb_seen	 seen[RECORD_CHUNK];
	struct nb_event	 ev[RECORD_CHUNK];
};

static void
record_behind(struct record *r)
{
	if (r->dropped++ % 10000 == 0)
		log_warnx("database writer behind: %llu records dropped",
		    (unsigned long long)r->dropped);
}

struct rec_item *
record_new(struct record *r)
{
	struct rec_batch *b = r->fill;

	if (b->n == b->cap) {
		if (b->cap >= RECORD_MAX) {
			record_behind(r);
			return NULL;
		}
		/* Grows to the largest batch once; no allocation per packet after that. */
		b->cap = b->cap ? b->cap * 2 : 1024;
		b->items = xreallocarray(b->items, b->cap, sizeof(*b->items));
	}
	return &b->items[b->n++];
}

int64_t
record_bytes(struct record *r, const void *p, size_t len)
{
	struct rec_batch *b = r->fill;
	size_t		 off = b->used;

	if (len == 0)
		return (int64_t)off;
	if (b->used + len > b->size) {
		if (b->used + len > RECORD_ARENA) {
			record_behind(r);
			return -1;
		}
		while (b->used + len > b->size)
			b->size = b->size ? b->size * 2 : 64 << 10;
		b->arena = xreallocarray(b->arena, b->size, 1);
	}
	memcpy(b->arena + off, p, len);
	b->used += len;
	return (int64_t)off;
}

static const char *
nz(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/* Untrusted option bytes as text: most are plain ASCII and copied as they are. */
static void
record_safe(char *out, size_t outsz, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] < ' ' || s[i] > '~' || s[i] == '\\')
			break;
	if (i == len && len < outsz) {
		memcpy(out, s, len);
		out[len] = '\0';
	} else
		log_safe(out, outsz, s, len);
}

static const char hex[] = "0123456789abcdef";

/* nb_mac_format() without snprintf: once per record. */
static void
record_mac(char out[NB_MACSTR_LEN], const uint8_t mac[6])
{
	size_t	 i, n = 0;

	for (i = 0; i < 6; i++) {
		out[n++] = hex[mac[i] >> 4];
		out[n++] = hex[mac[i] & 15];
		out[n++] = i < 5 ? ':' : '\0';
	}
}

static void
record_uuid(char out[37], const uint8_t u[16])
{
	size_t		 i, n = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[n++] = '-';
		out[n++] = hex[u[i] >> 4];
		out[n++] = hex[u[i] & 15];
	}
	out[n] = '\0';
}

/* The kind of an event: what the detail says happened. */
static const char *
record_kind(const struct ev *ev)
{
	if (ev->code == EV_PROXY || ev->code == EV_STATIC)
		return ev->reply == DHCP_OFFER ? "dhcp-offer" : "dhcp-ack";
	return "dhcp-ignore";
}

/* A string being built in a fixed buffer; what does not fit is cut. */
struct sb {
	char	*buf;
	size_t	 len, size;
};

static void
sb_add(struct sb *b, const char *s, size_t len)
{
	if (len > b->size - 1 - b->len)
		len = b->size - 1 - b->len;
	memcpy(b->buf + b->len, s, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_num(struct sb *b, unsigned v)
{
	char	 num[12];
	int	 i = (int)sizeof(num);

	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	sb_add(b, num + i, sizeof(num) - (size_t)i);
}

/*
 * The detail of a proxy answer, the event of every answered DISCOVER:
 * "proxy offer bootloader undionly.kpxe for x86 BIOS (arch 0), 43.6=8
 * (boot at once)", built without printf.
 */
static void
record_proxy(char *buf, size_t bufsz, const struct rec_item *it, const char *file,
    const char *aname)
{
	static const char *const what[] = { "iPXE chain script", "HTTP Boot URL", "bootloader" };
	const struct ev	*ev = &it->ev;
	struct sb	 b = { buf, 0, bufsz };

	buf[0] = '\0';
	sb_str(&b, ev->flags & EVF_4011 ? "port 4011 " : "proxy ");
	sb_str(&b, ev->reply == DHCP_OFFER ? "offer " : "ack ");
	sb_str(&b, what[ev->why % 3]);
	sb_str(&b, " ");
	sb_add(&b, file, it->file_len);
	sb_str(&b, " for ");
	if (ev->flags & EVF_IPXE)
		sb_str(&b, "iPXE on ");
	sb_str(&b, aname);
	sb_str(&b, " (arch ");
	sb_num(&b, ev->arch);
	sb_str(&b, ")");
	if (ev->flags & EVF_DIRECT)
		sb_str(&b, ", 43.6=8 (boot at once)");
	else if (ev->flags & EVF_NO43)
		sb_str(&b, ", no option 43 (client asks port 4011)");
	if (ev->next_boot != NB_NEXT_NONE) {
		sb_str(&b, "; next boot ");
		sb_str(&b, nb_next_boot_name(ev->next_boot));
	}
	if (ev->flags & EVF_NOHTTP)
		sb_str(&b, "; warning: this iPXE has no HTTP (175.19)");
}

/* The detail line of an event (the texts of events are part of the interface: netboot(7)). */
static void
record_detail(char *buf, size_t bufsz, const struct rec_item *it, const char *file)
{
	static const char *const why[] = { "denied (allowed = 0)",
	    "suspended through the self-API", "unknown client and unknown_clients = ignore" };
	const struct ev	*ev = &it->ev;
	const char	*aname, *type = dhcp_type_name(ev->type);
	char		 a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	dhcp_arch_kind(ev->arch, &aname);
	switch (ev->code) {
	case EV_REFUSED:
		snprintf(buf, bufsz, "%s from %s (arch %d) ignored: %s", type, aname, ev->arch,
		    why[ev->why % 3]);
		break;
	case EV_BIS:
		snprintf(buf, bufsz, "port 4011 request for PXE BIS (layer 0x%04x) ignored: "
		    "not supported", ev->layer);
		break;
	case EV_NOLOADER:
		snprintf(buf, bufsz, "%s from %s (arch %d) ignored: no bootloader for this arch "
		    "(setting bootloader.%d)", type, aname, ev->arch, ev->arch);
		break;
	case EV_PROXY:
		record_proxy(buf, bufsz, it, file, aname);
		break;
	case EV_STATIC_WRONG:
		dhcp_ntoa(ev->a, a);
		dhcp_ntoa(ev->b, b);
		snprintf(buf, bufsz, "static mode: REQUEST for %s ignored: this client's address "
		    "is %s", a, b);
		break;
	case EV_STATIC_NONE:
		strlcpy(buf, "static mode: no static address and static.others = ignore", bufsz);
		break;
	case EV_STATIC:
		dhcp_ntoa(ev->b, b);
		snprintf(buf, bufsz, "static %s of %s%s%.*s", ev->reply == DHCP_OFFER ? "offer" :
		    "ack", b, it->file_len > 0 ? ", boot file " : "", it->file_len, file);
		break;
	default:
		buf[0] = '\0';
	}
}

/* Word one record of batch b into text slot t and add it to the rows of the chunk. */
static void
record_word(struct record *r, const struct rec_batch *b, const struct rec_item *it,
    struct rec_text *t, size_t *ns, size_t *ne)
{
	const char	*cls = b->arena + it->class_off;

	struct nb_seen	*s;
	struct nb_event	*ev;

	record_mac(t->mac, it->mac);
	if (it->ciaddr.s_addr != 0)
		dhcp_ntoa(it->ciaddr, t->ip);
	else
		t->ip[0] = '\0';
	if (it->seen) {
		record_safe(t->vendor, sizeof(t->vendor), cls, it->vendor_len);
		record_safe(t->user, sizeof(t->user), cls + it->vendor_len, it->user_len);
		if (it->has_uuid)
			record_uuid(t->uuid, it->uuid);
		else
			t->uuid[0] = '\0';
		s = &r->seen[(*ns)++];
		s->mac = t->mac;
		s->arch = it->arch;
		s->vendor_class = nz(t->vendor);
		s->user_class = nz(t->user);
		s->uuid = nz(t->uuid);
		s->ip = nz(t->ip);
		s->when = (int64_t)it->ts;
	}
	if (it->has_ev) {
		record_detail(t->detail, sizeof(t->detail), it, b->arena + it->file_off);
		ev = &r->ev[(*ne)++];
		memset(ev, 0, sizeof(*ev));
		ev->ts = it->ts;
		memcpy(ev->mac, t->mac, sizeof(ev->mac));
		ev->ip = nz(t->ip);
		ev->kind = record_kind(&it->ev);
		ev->detail = t->detail;
		if (log_getverbose() > 0)
			log_debug("%s %s: %s", ev->kind, t->mac, t->detail);
	}
}

/* Write n records of batch b from first in one transaction; a failure is logged, they are dropped. */
static void
record_tx(struct record *r, const struct rec_batch *b, size_t first, size_t n)
{
	size_t		 i, k, ns, ne;
	int		 rc = NB_OK;

	if ((rc = nb_db_begin(r->db)) != NB_OK)
		goto fail;
	for (i = first; i < first + n && rc == NB_OK; i += RECORD_CHUNK) {
		ns = ne = 0;
		for (k = 0; k < RECORD_CHUNK && i + k < first + n; k++)
			record_word(r, b, &b->items[i + k], &r->text[k], &ns, &ne);
		if (ns > 0)
			rc = nb_client_seen_many(r->db, r->seen, ns);
		if (rc == NB_OK && ne > 0)
			rc = nb_event_add_many(r->db, "pxedhcpd", r->ev, ne);
	}
	if (rc == NB_OK && (rc = nb_db_commit(r->db)) == NB_OK)
		return;
	nb_db_rollback(r->db);
 fail:
	log_warnx("recording %zu clients/events failed: %s", n, nb_db_errmsg(r->db));
}

/* Write one batch, RECORD_TX records per transaction. */
static void
record_write(struct record *r, struct rec_batch *b)
{
	size_t	 i;

	for (i = 0; i < b->n; i += RECORD_TX)
		record_tx(r, b, i, b->n - i < RECORD_TX ? b->n - i : RECORD_TX);
}

/* A new policy if another process committed (or a reload asks), for the loop to take. */
static void
record_policy_check(struct record *r)
{
	struct policy_conf	 conf;
	struct policy		*p, *old = NULL;
	int			 reload;

	pthread_mutex_lock(&r->mtx);
	reload = r->reload;
	r->reload = 0;
	conf = r->conf;
	pthread_mutex_unlock(&r->mtx);
	if (!nb_db_changed(r->db, &r->data_version) && !reload)
		return;
	p = policy_build(r->db, &conf, ++r->gen);
	pthread_mutex_lock(&r->mtx);
	old = r->next;		/* built earlier, never taken: superseded */
	r->next = p;
	atomic_store_explicit(&r->fresh, 1, memory_order_release);
	pthread_mutex_unlock(&r->mtx);
	policy_free(old);
}

static void *
record_main(void *arg)
{
	struct record	*r = arg;
	struct timespec	 ts;
	int		 quit, busy;

	/*
	 * Replies first: when the CPUs are busy, the scheduler gives the loop
	 * ten times this thread's share (nice 10); the batch waits in memory
	 * (RECORD_MAX) instead of the requests in the socket.
	 */
	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), RECORD_NICE) == -1)
		log_warn("cannot lower the priority of the database writer");
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		ts.tv_nsec += POLL_MSEC * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&r->mtx);
		while (!r->busy && !r->quit && !r->reload &&
		    pthread_cond_timedwait(&r->cond, &r->mtx, &ts) != ETIMEDOUT)
			;
		quit = r->quit;
		busy = r->busy;
		pthread_mutex_unlock(&r->mtx);
		if (busy) {
			record_write(r, r->write);
			pthread_mutex_lock(&r->mtx);
			r->write->n = 0;
			r->write->used = 0;
			r->busy = 0;
			pthread_cond_broadcast(&r->cond);
			pthread_mutex_unlock(&r->mtx);
		}
		if (quit)
			return NULL;
		record_policy_check(r);
	}
}

struct record *
record_start(const char *dbpath, const struct policy_conf *conf)
{
	struct record		*r = xcalloc(1, sizeof(*r));
	pthread_condattr_t	 ca;
	char			 err[1024];

	if (nb_db_open(dbpath, 0, &r->db, err, sizeof(err)) != NB_OK)
		fatalx("%s", err);
	r->fill = &r->batch[0];
	r->write = &r->batch[1];
	r->conf = *conf;
	/* The first policy, before any packet: from now on only other processes' commits count. */
	nb_db_changed(r->db, &r->data_version);
	r->cur = policy_build(r->db, conf, ++r->gen);
	pthread_mutex_init(&r->mtx, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&r->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&r->thread, NULL, record_main, r) != 0)
		fatalx("cannot start the database writer thread");
	return r;
}

const struct policy *
record_policy(struct record *r)
{
	struct policy	*old;

	if (!atomic_load_explicit(&r->fresh, memory_order_acquire))
		return r->cur;
	pthread_mutex_lock(&r->mtx);
	old = r->cur;
	if (r->next != NULL) {
		r->cur = r->next;
		r->next = NULL;
	} else
		old = NULL;
	atomic_store_explicit(&r->fresh, 0, memory_order_relaxed);
	pthread_mutex_unlock(&r->mtx);
	/* The loop was the only user of the old one, and it is between two batches. */
	policy_free(old);
	return r->cur;
}

void
record_reload(struct record *r, const struct policy_conf *conf)
{
	pthread_mutex_lock(&r->mtx);
	r->conf = *conf;
	r->reload = 1;
	pthread_cond_signal(&r->cond);
	pthread_mutex_unlock(&r->mtx);
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
	for (i = 0; i < 2; i++) {
		free(r->batch[i].items);
		free(r->batch[i].arena);
	}
	policy_free(r->cur);
	policy_free(r->next);
	pthread_mutex_destroy(&r->mtx);
	pthread_cond_destroy(&r->cond);
	free(r);
}
