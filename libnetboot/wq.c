/*
 * wq.c: the write-behind queue (wq.h). The loop fills one batch of
 * fixed-size records (their strings in the batch's byte arena) while the
 * writer thread writes the other; a tick swaps them when the writer is
 * idle. A batch that meets a lock stays with the writer, which retries
 * it, while the loop's batch grows up to WQ_MAX records: a locked
 * database costs memory, never a late answer.
 *
 * The writer is a thread, or (hooks.process) a forked process that
 * shares the two batches with the loop through an anonymous shared
 * mapping and is woken by a byte on a socketpair. A process with no
 * second thread keeps glibc's single-threaded paths: recv, send and
 * epoll_wait skip the thread-cancellation bookkeeping (about 100 more
 * instructions on each TFTP block's 1150, for good once a thread ran).
 */
#include "config.h"

#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ratelim.h"
#include "token.h"
#include "inventory.h"
#include "wq.h"
#include "xmalloc.h"

#define WQ_MAX		400000		/* records queued at most */
#define WQ_ARENA	(64 << 20)	/* bytes of their strings at most */
#define WQ_BLOCK	1024		/* records per block (never moved) */
#define WQ_NBLOCKS	((WQ_MAX + WQ_BLOCK - 1) / WQ_BLOCK)
#define WQ_TX		4096		/* records per transaction */
#define WQ_CHUNK	32		/* records per multi-row statement */
#define WQ_POLL_MSEC	50		/* the idle hook's period */
#define WQ_BUSY_MSEC	100		/* the writer's busy timeout */
#define WQ_STOP_SEC	10		/* an exiting daemon's lock wait */
#define WQ_RETRY_SEC	5		/* between attempts to open the db */
#define WQ_TRIM_SEC	10		/* between two prunes of the events */
#define WQ_TRIM_ROWS	5000		/* events deleted per prune */
#define WQ_COUNT_SEC	1		/* between two counts of clients */
#define WQ_NICE		10		/* the writer's nice: answers first */
#define WQ_CHECK_USEC	2000		/* the loop's wait for the db */
#define WQ_NONE		UINT32_MAX	/* an absent string */

enum wq_type {
	WQ_EVENT, WQ_SEEN, WQ_INVENTORY, WQ_NEXT_DONE, WQ_SUSPENDED, WQ_NONCE,
	WQ_REPORT, WQ_USER
};

/* One record; a daemon's own record follows it in the same slot. */
struct wq_rec {
	uint8_t		 type;		/* enum wq_type */
	uint8_t		 arg;		/* next boot action, suspended */
	char		 mac[NB_MACSTR_LEN];
	double		 ts;
	uint32_t	 s[3];		/* arena offsets of strings */
};

struct wq_batch {
	char		**blocks;
	size_t		 nblocks;
	size_t		 n;		/* records */
	char		*arena;
	size_t		 used, size;
};

/* A writer process's view of the queue, shared with the loop. */
struct wq_shm {
	_Atomic int	 busy;		/* the loop handed batch[which] over */
	_Atomic int	 which;
	_Atomic int	 stopping;
	struct wq_batch	 batch[2];	/* their blocks and arenas follow */
};

struct nb_wq {
	char		*path;
	const char	*daemon;
	struct nb_wq_hooks hooks;
	size_t		 stride;	/* bytes per record slot */
	struct nb_db	*db;		/* the writer's; opened by it */
	struct nb_db_writer link;	/* for the loop's connection */
	int64_t		 dv;		/* the writer's data_version */
	pthread_t	 thread;
	pthread_mutex_t	 dbmtx;		/* held while db is in use */
	pthread_mutex_t	 mtx;
	pthread_cond_t	 cond;
	struct wq_batch	 tbatch[2];	/* a thread's */
	struct wq_batch	*batch;		/* tbatch, or in shm */
	struct wq_batch	*fill;		/* the loop's */
	struct wq_batch	*write;		/* the writer's, while busy */
	int		 busy, quit, wake;
	int		 stopping;	/* wait WQ_STOP_SEC for a lock */
	/* A writer process instead of the thread (hooks.process). */
	struct wq_shm	*shm;
	size_t		 shm_size;
	pid_t		 pid;		/* the writer's, in the loop */
	int		 fd;		/* wake-ups one way, "done" back */
	int		 orphan;	/* the writer: the loop is gone */
	uint64_t	 dropped;
	struct nb_rate	 drop_log;	/* the "full" log lines */
	int		 lost;		/* the writer: the server is gone */
	/* The writer's own state. */
	double		 open_at;	/* next attempt to open db */
	double		 trim_at;	/* next prune of the events */
	int64_t		 max_disc;	/* clients.max_discovered */
	int64_t		 keep_days;	/* events.keep_days */
	int64_t		 max_rows;	/* events.max_rows */
	int64_t		 ndisc;		/* discovered clients; -1: count */
	int64_t		 disc_version;	/* data_version of that count */
	double		 disc_at;	/* the next count, at the earliest */
	void		*recs[WQ_CHUNK];
	struct nb_event	 ev[WQ_CHUNK];
	struct nb_seen	 seen[WQ_CHUNK];
};

static double
wq_clock(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* usec from now on clock clk, for the timed waits. */
static void
wq_deadline(struct timespec *ts, clockid_t clk, long usec)
{
	clock_gettime(clk, ts);
	ts->tv_nsec += usec * 1000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

static double
wq_now(void)
{
	struct timeval	 tv;

	gettimeofday(&tv, NULL);
	return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

static struct wq_rec *
wq_at(const struct nb_wq *q, const struct wq_batch *b, size_t i)
{
	return (struct wq_rec *)(b->blocks[i / WQ_BLOCK] +
	    (i % WQ_BLOCK) * q->stride);
}

/* The queue is full: count, and say so at most once a second. */
static void
wq_full(struct nb_wq *q)
{
	q->dropped++;
	if (!nb_rate_hit(&q->drop_log, 1, 1000, nb_monotonic_ms(), NULL))
		return;
	log_warnx("write queue full (%zu records waiting for the database): "
	    "%llu writes dropped so far", q->fill->n,
	    (unsigned long long)q->dropped);
}

/* A new zeroed record of type in the loop's batch, or NULL if full. */
static struct wq_rec *
wq_new(struct nb_wq *q, enum wq_type type)
{
	struct wq_batch	*b = q->fill;
	struct wq_rec	*r;

	if (b->n >= WQ_MAX) {
		wq_full(q);
		return NULL;
	}
	if (b->n / WQ_BLOCK == b->nblocks) {
		b->blocks = xreallocarray(b->blocks, b->nblocks + 1,
		    sizeof(*b->blocks));
		b->blocks[b->nblocks++] = xcalloc(WQ_BLOCK, q->stride);
	}
	r = wq_at(q, b, b->n++);
	memset(r, 0, q->stride);
	r->type = (uint8_t)type;
	r->s[0] = r->s[1] = r->s[2] = WQ_NONE;
	return r;
}

int64_t
nb_wq_bytes(struct nb_wq *q, const void *p, size_t len)
{
	struct wq_batch	*b = q->fill;
	size_t		 off = b->used;

	if (len == 0)
		return (int64_t)off;
	if (b->used + len > b->size) {
		if (b->used + len > WQ_ARENA) {
			wq_full(q);
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

/* Copy a string with its NUL; WQ_NONE for NULL or when full. */
static uint32_t
wq_str(struct nb_wq *q, const char *s, size_t len)
{
	int64_t	 off;

	if (s == NULL)
		return WQ_NONE;
	if ((off = nb_wq_bytes(q, s, len)) == -1 || nb_wq_bytes(q, "", 1) == -1)
		return WQ_NONE;
	return (uint32_t)off;
}

static const char *
wq_s(const struct wq_batch *b, uint32_t off)
{
	return off == WQ_NONE ? NULL : b->arena + off;
}

void *
nb_wq_user(struct nb_wq *q)
{
	struct wq_rec	*r;

	if ((r = wq_new(q, WQ_USER)) == NULL)
		return NULL;
	return (char *)r + sizeof(*r);
}

/* A record about mac (canonical, or NULL for an event without one). */
static struct wq_rec *
wq_mac(struct nb_wq *q, enum wq_type type, const char *mac)
{
	struct wq_rec	*r;

	if ((r = wq_new(q, type)) == NULL)
		return NULL;
	if (mac != NULL)
		strlcpy(r->mac, mac, sizeof(r->mac));
	r->ts = wq_now();
	return r;
}

void
nb_evq_push(struct nb_wq *q, const char *mac, const char *kind, const char *ip,
    const char *fmt, ...)
{
	struct wq_rec	*r;
	va_list		 ap;
	char		 buf[512], *big = NULL;
	int		 len;

	if ((r = wq_mac(q, WQ_EVENT, mac)) == NULL)
		return;
	va_start(ap, fmt);
	len = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (len >= (int)sizeof(buf)) {
		va_start(ap, fmt);
		if (vasprintf(&big, fmt, ap) == -1)
			fatal("%s", __func__);
		va_end(ap);
	}
	r->s[0] = wq_str(q, kind, strlen(kind));
	if (ip != NULL && *ip != '\0')
		r->s[1] = wq_str(q, ip, strlen(ip));
	r->s[2] = wq_str(q, big ? big : buf, len < 0 ? 0 : (size_t)len);
	free(big);
	if (r->s[0] == WQ_NONE)		/* no room for its kind: drop it */
		q->fill->n--;
}

size_t
nb_evq_len(struct nb_wq *q)
{
	return nb_wq_len(q);
}

void
nb_wq_seen(struct nb_wq *q, const char *mac, const char *uuid, const char *ip)
{
	struct wq_rec	*r;

	if ((r = wq_mac(q, WQ_SEEN, mac)) == NULL)
		return;
	r->s[0] = uuid ? wq_str(q, uuid, strlen(uuid)) : WQ_NONE;
	r->s[1] = ip ? wq_str(q, ip, strlen(ip)) : WQ_NONE;
}

void
nb_wq_inventory(struct nb_wq *q, const char *mac, const char *uuid,
    const char *ip, const json_t *inv)
{
	struct wq_rec	*r;
	char		*s;

	if ((r = wq_mac(q, WQ_INVENTORY, mac)) == NULL)
		return;
	r->s[0] = uuid ? wq_str(q, uuid, strlen(uuid)) : WQ_NONE;
	r->s[1] = ip ? wq_str(q, ip, strlen(ip)) : WQ_NONE;
	if (inv != NULL) {
		s = json_dumps(inv, JSON_COMPACT | JSON_SORT_KEYS);
		if (s == NULL)
			fatalx("%s: json_dumps", __func__);
		r->s[2] = wq_str(q, s, strlen(s));
		free(s);
	}
}

void
nb_wq_report(struct nb_wq *q, const char *mac, const json_t *report)
{
	struct wq_rec	*r;
	char		*s;

	if ((s = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS)) == NULL)
		fatalx("%s: json_dumps", __func__);
	if ((r = wq_mac(q, WQ_REPORT, mac)) != NULL)
		r->s[0] = wq_str(q, s, strlen(s));
	free(s);
}

void
nb_wq_next_boot_done(struct nb_wq *q, const char *mac, enum nb_next_boot was)
{
	struct wq_rec	*r;

	if ((r = wq_mac(q, WQ_NEXT_DONE, mac)) != NULL)
		r->arg = (uint8_t)was;
}

void
nb_wq_suspended(struct nb_wq *q, const char *mac, int suspended)
{
	struct wq_rec	*r;

	if ((r = wq_mac(q, WQ_SUSPENDED, mac)) != NULL)
		r->arg = suspended ? 1 : 0;
}

void
nb_wq_nonce(struct nb_wq *q, const char *mac, const uint8_t *nonce)
{
	struct wq_rec	*r;
	int64_t		 off;

	if ((r = wq_mac(q, WQ_NONCE, mac)) == NULL)
		return;
	if ((off = nb_wq_bytes(q, nonce, NB_NONCE_LEN)) == -1)
		q->fill->n--;		/* no room: the boot keeps its old nonce */
	else
		r->s[0] = (uint32_t)off;
}

/* The newest nonce of mac in batch b, newest record first; 1 if found. */
static int
wq_nonce_in(const struct nb_wq *q, const struct wq_batch *b, const char *mac,
    uint8_t *nonce)
{
	const struct wq_rec	*r;
	size_t			 i;

	for (i = b->n; i-- > 0; ) {
		r = wq_at(q, b, i);
		if (r->type == WQ_NONCE && strcmp(r->mac, mac) == 0) {
			memcpy(nonce, b->arena + r->s[0], NB_NONCE_LEN);
			return 1;
		}
	}
	return 0;
}

int
nb_wq_nonce_pending(struct nb_wq *q, const char *mac, uint8_t *nonce)
{
	int	 found;

	/* The loop's batch first; the writer only reads the one it holds. */
	if (wq_nonce_in(q, q->fill, mac, nonce))
		return 1;
	if (q->shm != NULL)
		return atomic_load(&q->shm->busy) &&
		    wq_nonce_in(q, q->write, mac, nonce);
	pthread_mutex_lock(&q->mtx);
	found = q->busy && wq_nonce_in(q, q->write, mac, nonce);
	pthread_mutex_unlock(&q->mtx);
	return found;
}

/* The writer: events of a chunk in multi-row statements. */
static int
wq_write_events(struct nb_wq *q, const struct wq_batch *b, size_t n)
{
	const struct wq_rec	*r;
	size_t			 i;

	for (i = 0; i < n; i++) {
		r = q->recs[i];
		memset(&q->ev[i], 0, sizeof(q->ev[i]));
		q->ev[i].ts = r->ts;
		memcpy(q->ev[i].mac, r->mac, sizeof(r->mac));
		q->ev[i].kind = wq_s(b, r->s[0]);
		q->ev[i].ip = wq_s(b, r->s[1]);
		q->ev[i].detail = wq_s(b, r->s[2]);
	}
	return nb_event_add_many(q->db, q->daemon, q->ev, n);
}

static int
wq_write_seen(struct nb_wq *q, const struct wq_batch *b, size_t n)
{
	const struct wq_rec	*r;
	size_t			 i;

	for (i = 0; i < n; i++) {
		r = q->recs[i];
		memset(&q->seen[i], 0, sizeof(q->seen[i]));
		q->seen[i].mac = r->mac;
		q->seen[i].arch = -1;
		q->seen[i].uuid = wq_s(b, r->s[0]);
		q->seen[i].ip = wq_s(b, r->s[1]);
		q->seen[i].when = (int64_t)r->ts;
	}
	return nb_client_seen_many(q->db, q->seen, n);
}

/* One record of a type written one at a time. */
static int
wq_write_one(struct nb_wq *q, const struct wq_batch *b, const struct wq_rec *r)
{
	json_t	*inv;
	int	 rc;

	switch (r->type) {
	case WQ_INVENTORY:
		rc = nb_client_seen(q->db, r->mac, -1, NULL, NULL,
		    wq_s(b, r->s[0]), wq_s(b, r->s[1]));
		if (rc != NB_OK || r->s[2] == WQ_NONE)
			return rc;
		if ((inv = json_loads(wq_s(b, r->s[2]), 0, NULL)) == NULL)
			return NB_OK;
		rc = nb_client_set_inventory(q->db, r->mac, inv,
		    wq_s(b, r->s[1]));
		/* Each boot's report is kept too (inventory history). */
		if (rc == NB_OK && json_object_size(inv) > 0)
			rc = nb_inventory_add(q->db, r->mac, "ipxe", inv,
			    (int64_t)r->ts);
		json_decref(inv);
		return rc;
	case WQ_REPORT:
		if ((inv = json_loads(wq_s(b, r->s[0]), 0, NULL)) == NULL)
			return NB_OK;
		rc = nb_inventory_add(q->db, r->mac, "self", inv,
		    (int64_t)r->ts);
		json_decref(inv);
		/* The client went meanwhile: nothing to keep. */
		return rc == NB_INVALID ? NB_OK : rc;
	case WQ_NEXT_DONE:
		rc = nb_client_next_boot_done(q->db, r->mac,
		    (enum nb_next_boot)r->arg);
		/* Set again meanwhile, or gone: nothing to clear. */
		return rc == NB_NOTFOUND ? NB_OK : rc;
	case WQ_SUSPENDED:
		rc = nb_client_set_suspended(q->db, r->mac, r->arg);
		return rc == NB_NOTFOUND ? NB_OK : rc;
	case WQ_NONCE:
		return nb_boot_nonce_set(q->db, r->mac,
		    (const uint8_t *)b->arena + r->s[0]);
	}
	return NB_OK;
}

/* Write the records recs[0..n) of one type. */
static int
wq_write_chunk(struct nb_wq *q, const struct wq_batch *b, size_t n)
{
	const struct wq_rec	*r = q->recs[0];
	size_t			 i;
	int			 rc;

	switch (r->type) {
	case WQ_EVENT:
		return wq_write_events(q, b, n);
	case WQ_SEEN:
		return wq_write_seen(q, b, n);
	case WQ_USER:
		for (i = 0; i < n; i++)
			q->recs[i] = (char *)q->recs[i] + sizeof(struct wq_rec);
		return q->hooks.write(q->db, q->recs, n, b->arena,
		    q->hooks.arg);
	}
	for (i = 0; i < n; i++)
		if ((rc = wq_write_one(q, b, q->recs[i])) != NB_OK)
			return rc;
	return NB_OK;
}

/* A numeric setting (checked when it was set); cur if it cannot be read. */
static int64_t
wq_setting(struct nb_wq *q, const char *key, int64_t cur)
{
	const char	*errstr;
	char		*s;
	int64_t		 v;

	if (nb_setting_get(q->db, key, &s) != NB_OK || s == NULL) {
		log_warnx("setting %s: %s", key, nb_db_errmsg(q->db));
		return cur;
	}
	v = strtonum(s, 0, INT64_MAX, &errstr);
	free(s);
	return errstr == NULL ? v : cur;
}

/* The settings the writer applies, read when it opens and at each prune. */
static void
wq_settings(struct nb_wq *q)
{
	q->max_disc = wq_setting(q, "clients.max_discovered", q->max_disc);
	q->keep_days = wq_setting(q, "events.keep_days", q->keep_days);
	q->max_rows = wq_setting(q, "events.max_rows", q->max_rows);
}

/*
 * clients.max_discovered, in the transaction that added clients: the new
 * rows are those above the largest rowid before it (a new row's rowid is
 * the largest plus one), and a writer adds clients only as discovered
 * (nb_client_seen, nb_client_seen_many), so their count is a difference
 * of two rowids, not a scan of the rows (800 instructions a new client).
 */
static int
wq_cap(struct nb_wq *q, int64_t before, int64_t *ndisc)
{
	int64_t	 gone, after = nb_client_last_rowid(q->db);
	int	 rc;

	*ndisc = q->ndisc + (after > before ? after - before : 0);
	if (*ndisc <= q->max_disc)
		return NB_OK;
	if ((rc = nb_client_evict(q->db, *ndisc - q->max_disc, &gone)) != NB_OK)
		return rc;
	*ndisc -= gone;
	log_debug("evicted %lld discovered clients "
	    "(clients.max_discovered %lld)",
	    (long long)gone, (long long)q->max_disc);
	return NB_OK;
}

/* Count another process's commits for the loop; the data_version read. */
static int64_t
wq_foreign(struct nb_wq *q)
{
	int64_t	 v = nb_db_data_version(q->db);

	if (v != q->dv) {
		q->dv = v;
		atomic_fetch_add(&q->link.foreign, 1);
	}
	return v;
}

/*
 * From the loop (nb_db_data_version, through link.check): count another
 * process's commits now. The writer's own data_version tells, as nothing
 * else in this process writes. Its connection is borrowed only if the
 * writer is not using it: when it is for more than WQ_CHECK_USEC, the
 * answer is 1 (cannot tell), which costs a needless re-read, never a long
 * wait.
 */
static int
wq_check(void *arg)
{
	struct nb_wq	*q = arg;
	struct timespec	 ts;

	if (pthread_mutex_trylock(&q->dbmtx) != 0) {
		/* The writer's holds are mostly microseconds long. */
		wq_deadline(&ts, CLOCK_REALTIME, WQ_CHECK_USEC);
		if (pthread_mutex_timedlock(&q->dbmtx, &ts) != 0)
			return 1;
	}
	if (q->db != NULL)
		wq_foreign(q);
	pthread_mutex_unlock(&q->dbmtx);
	return 0;
}

/*
 * A writer process cannot lend its connection: every change of the
 * loop's data_version after one of its commits counts as another
 * process's (a needless re-read of a cache, never a stale one).
 */
static int
wq_check_proc(void *arg)
{
	(void)arg;
	return 1;
}

/*
 * Count the discovered clients again (a scan of the table) when another
 * process committed, at most once a second: between two counts, their
 * additions may pass the cap by what they add in a second.
 */
static int
wq_count(struct nb_wq *q, int64_t v)
{
	if (q->ndisc >= 0 && (v == q->disc_version || wq_clock() < q->disc_at))
		return NB_OK;
	q->disc_version = v;
	q->disc_at = wq_clock() + WQ_COUNT_SEC;
	return nb_client_discovered(q->db, 0, &q->ndisc);
}

/*
 * Write n records of b from first in one transaction. careful: each in a
 * savepoint of its own, so that one the schema refuses is logged and
 * dropped without the others.
 */
static int
wq_tx(struct nb_wq *q, struct wq_batch *b, size_t first, size_t n, int careful)
{
	struct wq_rec	*r;
	size_t		 i, k, refused = 0, chunk = careful ? 1 : WQ_CHUNK;
	int64_t		 before, ndisc;
	int		 rc;

	if ((rc = nb_db_begin(q->db)) != NB_OK)
		return rc;
	/* With the write lock held, no other commit comes before ours. */
	if ((rc = wq_count(q, wq_foreign(q))) != NB_OK)
		goto fail;
	before = nb_client_last_rowid(q->db);
	for (i = first; i < first + n; i += k) {
		r = wq_at(q, b, i);
		q->recs[0] = r;
		for (k = 1; k < chunk && i + k < first + n; k++) {
			if (wq_at(q, b, i + k)->type != r->type)
				break;
			q->recs[k] = wq_at(q, b, i + k);
		}
		if (careful && nb_db_savepoint(q->db, NB_SP_BEGIN) != NB_OK)
			goto fail;
		if ((rc = wq_write_chunk(q, b, k)) == NB_OK) {
			if (careful)
				nb_db_savepoint(q->db, NB_SP_RELEASE);
			continue;
		}
		if (!careful || rc == NB_BUSY)
			goto fail;
		if (refused++ == 0)
			log_warnx("a queued write (type %d, %s) dropped: %s",
			    r->type, r->mac, nb_db_errmsg(q->db));
		nb_db_savepoint(q->db, NB_SP_ROLLBACK);
	}
	if (refused > 1)
		log_warnx("%zu queued writes dropped in all", refused);
	if ((rc = wq_cap(q, before, &ndisc)) != NB_OK)
		log_warnx("clients.max_discovered: %s", nb_db_errmsg(q->db));
	atomic_fetch_add(&q->link.started, 1);
	rc = nb_db_commit(q->db);
	atomic_fetch_add(&q->link.commits, 1);
	if (rc != NB_OK)
		goto fail;
	q->ndisc = ndisc;
	if (q->hooks.commit != NULL)
		q->hooks.commit(q->hooks.arg);
	return NB_OK;
 fail:
	rc = rc == NB_OK ? NB_ERR : rc;
	nb_db_rollback(q->db);
	return rc;
}

/* Open the writer's connection if need be; 0 when it is there. */
static int
wq_open(struct nb_wq *q)
{
	char	 err[1024];
	double	 now;

	if (q->db != NULL)
		return 0;
	if ((now = wq_clock()) < q->open_at)
		return -1;
	if (nb_db_open(q->path, 0, &q->db, err, sizeof(err)) != NB_OK) {
		log_warnx("write queue: %s (retrying in %d s)", err,
		    WQ_RETRY_SEC);
		q->db = NULL;
		q->open_at = now + WQ_RETRY_SEC;
		return -1;
	}
	nb_db_busy_timeout(q->db, WQ_BUSY_MSEC);
	/* Others may have committed before this first look: say so once. */
	q->dv = nb_db_data_version(q->db);
	atomic_fetch_add(&q->link.foreign, 1);
	q->ndisc = -1;
	q->trim_at = wq_clock() + WQ_TRIM_SEC;
	wq_settings(q);
	return 0;
}

/*
 * The writer process: wait up to msec for a byte from the loop and read
 * all that came; the loop's end closed (it exited or was killed) makes
 * an orphan that writes what it holds and exits.
 */
static void
wq_proc_wait(struct nb_wq *q, int msec)
{
	struct pollfd	 pfd = { .fd = q->fd, .events = POLLIN };
	char		 buf[64];
	ssize_t		 n;

	if (poll(&pfd, 1, msec) <= 0)
		return;
	while ((n = recv(q->fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	if (n == 0 || (errno != EAGAIN && errno != EINTR))
		q->orphan = 1;
}

/* Sleep up to msec unless stopped meanwhile. */
static void
wq_nap(struct nb_wq *q, int msec)
{
	struct timespec	 ts;

	if (q->shm != NULL) {
		if (!atomic_load(&q->shm->stopping) && !q->orphan)
			wq_proc_wait(q, msec);
		return;
	}
	wq_deadline(&ts, CLOCK_MONOTONIC, (long)msec * 1000);
	pthread_mutex_lock(&q->mtx);
	while (!q->stopping &&
	    pthread_cond_timedwait(&q->cond, &q->mtx, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&q->mtx);
}

static int
wq_stopping(struct nb_wq *q)
{
	int	 stopping;

	if (q->shm != NULL)
		return atomic_load(&q->shm->stopping) || q->orphan;
	pthread_mutex_lock(&q->mtx);
	stopping = q->stopping;
	pthread_mutex_unlock(&q->mtx);
	return stopping;
}

/* Write a whole batch, WQ_TX records a transaction, retrying while locked. */
static void
wq_write(struct nb_wq *q, struct wq_batch *b)
{
	size_t	 i = 0, n;
	double	 give_up = 0;
	int	 rc, careful = 0;

	while (i < b->n) {
		if (give_up == 0 && wq_stopping(q))
			give_up = wq_clock() + WQ_STOP_SEC;
		if (give_up != 0 && wq_clock() > give_up) {
			log_warnx("exiting: %zu queued writes not written: "
			    "%s", b->n - i,
			    q->db ? nb_db_errmsg(q->db) : "no database");
			return;
		}
		pthread_mutex_lock(&q->dbmtx);
		rc = wq_open(q);
		pthread_mutex_unlock(&q->dbmtx);
		if (rc == -1) {
			wq_nap(q, 1000);
			continue;
		}
		n = b->n - i < WQ_TX ? b->n - i : WQ_TX;
		pthread_mutex_lock(&q->dbmtx);
		rc = wq_tx(q, b, i, n, careful);
		/* Locked: the busy timeout waited; the idle hook runs. */
		if (rc == NB_BUSY && q->hooks.idle != NULL)
			q->hooks.idle(q->db, q->hooks.arg);
		pthread_mutex_unlock(&q->dbmtx);
		if (rc == NB_OK) {
			i += n;
			careful = 0;
			if (q->lost)
				log_warnx("write queue: the database is back: "
				    "writing what waited");
			q->lost = 0;
		} else if (rc == NB_BUSY)
			continue;
		else if (nb_db_lost(q->db)) {
			/* PostgreSQL gone: the batch waits, the loop queues. */
			if (!q->lost)
				log_warnx("write queue: %s: %zu writes wait in "
				    "memory (at most %d, then dropped and "
				    "counted)", nb_db_errmsg(q->db), b->n - i,
				    WQ_MAX);
			q->lost = 1;
			wq_nap(q, 1000);
		} else if (!careful)
			careful = 1;
		else {
			log_warnx("%zu queued writes dropped: %s", n,
			    nb_db_errmsg(q->db));
			i += n;
			careful = 0;
		}
	}
}

/* events.keep_days and events.max_rows, a bounded number of rows at a time. */
static void
wq_trim(struct nb_wq *q)
{
	int64_t	 n = 0;
	double	 now = wq_clock();
	int	 rc;

	if (now < q->trim_at || q->db == NULL)
		return;
	q->trim_at = now + WQ_TRIM_SEC;
	wq_settings(q);
	if (nb_db_begin(q->db) != NB_OK)
		return;
	if (nb_event_trim(q->db, wq_now() - (double)q->keep_days * 86400,
	    q->max_rows, WQ_TRIM_ROWS, &n) != NB_OK) {
		nb_db_rollback(q->db);
		return;
	}
	atomic_fetch_add(&q->link.started, 1);
	rc = nb_db_commit(q->db);
	atomic_fetch_add(&q->link.commits, 1);
	if (rc != NB_OK) {
		nb_db_rollback(q->db);
		return;
	}
	if (n > 0)
		log_debug("pruned %lld events", (long long)n);
	if (n == WQ_TRIM_ROWS)
		q->trim_at = now;	/* more to go: after the next pass */
}

static void *
wq_main(void *arg)
{
	struct nb_wq	*q = arg;
	struct timespec	 ts;
	int		 quit, busy;

	if (setpriority(PRIO_PROCESS, (id_t)syscall(SYS_gettid), WQ_NICE) == -1)
		log_warn("cannot lower the priority of the database writer");
	for (;;) {
		/* No idle hook: nothing to do but batches and prunes. */
		wq_deadline(&ts, CLOCK_MONOTONIC, q->hooks.idle != NULL ?
		    WQ_POLL_MSEC * 1000L : WQ_TRIM_SEC * 1000000L);
		pthread_mutex_lock(&q->mtx);
		while (!q->busy && !q->quit && !q->wake &&
		    pthread_cond_timedwait(&q->cond, &q->mtx, &ts) != ETIMEDOUT)
			;
		quit = q->quit;
		busy = q->busy;
		q->wake = 0;
		pthread_mutex_unlock(&q->mtx);
		if (busy) {
			wq_write(q, q->write);
			pthread_mutex_lock(&q->mtx);
			q->write->n = 0;
			q->write->used = 0;
			q->busy = 0;
			pthread_cond_broadcast(&q->cond);
			pthread_mutex_unlock(&q->mtx);
		}
		if (quit)
			return NULL;
		pthread_mutex_lock(&q->dbmtx);
		if (q->hooks.idle != NULL && wq_open(q) == 0)
			q->hooks.idle(q->db, q->hooks.arg);
		wq_trim(q);
		pthread_mutex_unlock(&q->dbmtx);
	}
}

/*
 * The writer process: batches the loop hands over, prunes between them.
 * It ignores the daemon's signals (their libevent handlers would write
 * to the loop's signal pipe); the loop's end of the socketpair closing
 * ends it.
 */
static void
wq_proc_main(struct nb_wq *q)
{
	struct wq_batch	*b;

	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	if (setpriority(PRIO_PROCESS, 0, WQ_NICE) == -1)
		log_warn("cannot lower the priority of the database writer");
	for (;;) {
		if (atomic_load(&q->shm->busy)) {
			b = &q->batch[atomic_load(&q->shm->which)];
			wq_write(q, b);
			b->n = 0;
			b->used = 0;
			atomic_store(&q->shm->busy, 0);
			/* For a stopping loop; a full socket is fine. */
			(void)send(q->fd, "d", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			continue;
		}
		if (q->orphan)
			break;
		wq_trim(q);
		wq_proc_wait(q, WQ_TRIM_SEC * 1000);
	}
	nb_db_close(q->db);
	_exit(0);
}

/*
 * The batches of a writer process, at their largest at once: shared
 * pages cannot move later. Untouched pages cost nothing (MAP_NORESERVE).
 */
static void
wq_proc_map(struct nb_wq *q)
{
	size_t	 blocks = (size_t)WQ_NBLOCKS * WQ_BLOCK * q->stride;
	size_t	 hdr = (sizeof(struct wq_shm) + 4095) & ~(size_t)4095;
	char	*p;
	int	 i, k;

	q->shm_size = hdr + 2 * (blocks + WQ_ARENA);
	p = mmap(NULL, q->shm_size, PROT_READ | PROT_WRITE,
	    MAP_SHARED | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		fatal("%s: mmap", __func__);
	q->shm = (struct wq_shm *)p;
	q->batch = q->shm->batch;
	p += hdr;
	for (i = 0; i < 2; i++) {
		q->batch[i].nblocks = WQ_NBLOCKS;
		q->batch[i].blocks = xcalloc(WQ_NBLOCKS, sizeof(char *));
		for (k = 0; k < WQ_NBLOCKS; k++, p += WQ_BLOCK * q->stride)
			q->batch[i].blocks[k] = p;
		q->batch[i].arena = p;
		q->batch[i].size = WQ_ARENA;
		p += WQ_ARENA;
	}
}

/* Fork the writer process; the loop must hold no SQLite connection. */
static void
wq_proc_start(struct nb_wq *q)
{
	unsigned	 lo;
	int		 sv[2];

	if (q->hooks.idle != NULL || q->hooks.commit != NULL)
		fatalx("%s: idle and commit hooks need the writer thread",
		    __func__);
	q->link.check = wq_check_proc;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == -1)
		fatal("%s: socketpair", __func__);
	if ((q->pid = fork()) == -1)
		fatal("cannot start the database writer process");
	if (q->pid == 0) {
		/* No listening socket may outlive the loop's close of it. */
		q->fd = sv[1];
		lo = q->fd > 2 ? (unsigned)q->fd + 1 : 3;
		if ((q->fd > 3 && close_range(3, (unsigned)q->fd - 1,
		    0) == -1) || close_range(lo, ~0U, 0) == -1)
			fatal("%s: close_range", __func__);
		log_reopen();
		wq_proc_main(q);
	}
	close(sv[1]);
	q->fd = sv[0];
}

struct nb_wq *
nb_wq_start(const char *path, const char *daemon,
    const struct nb_wq_hooks *hooks)
{
	struct nb_wq		*q = xcalloc(1, sizeof(*q));
	pthread_condattr_t	 ca;

	q->path = xstrdup(path);
	q->daemon = daemon;
	if (hooks != NULL)
		q->hooks = *hooks;
	q->stride = sizeof(struct wq_rec) +
	    ((q->hooks.user_size + 7) & ~(size_t)7);
	q->batch = q->tbatch;
	q->ndisc = -1;
	q->max_disc = 10000;		/* until wq_open reads the settings */
	q->keep_days = 90;
	q->max_rows = 1000000;
	pthread_mutex_init(&q->mtx, NULL);
	pthread_mutex_init(&q->dbmtx, NULL);
	q->link.check = wq_check;
	q->link.arg = q;
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cond, &ca);
	pthread_condattr_destroy(&ca);
	if (q->hooks.process)
		wq_proc_map(q);
	q->fill = &q->batch[0];
	q->write = &q->batch[1];
	if (q->hooks.process)
		wq_proc_start(q);
	else if (pthread_create(&q->thread, NULL, wq_main, q) != 0)
		fatalx("cannot start the database writer thread");
	return q;
}

/*
 * Hand the batch to an idle writer process, or, while it is busy, see
 * that it still runs: a writer thread that crashed would have taken the
 * daemon with it, and so does a writer process (its batch cannot be
 * written by a new one forked from a loop holding SQLite state).
 */
static void
wq_proc_tick(struct nb_wq *q)
{
	struct wq_batch	*t;
	int		 status;

	if (atomic_load(&q->shm->busy)) {
		if (waitpid(q->pid, &status, WNOHANG) == q->pid)
			fatalx("the database writer process (pid %d) %s %d",
			    (int)q->pid, WIFSIGNALED(status) ?
			    "was killed by signal" : "exited with",
			    WIFSIGNALED(status) ? WTERMSIG(status) :
			    WEXITSTATUS(status));
		return;
	}
	t = q->write;
	q->write = q->fill;
	q->fill = t;
	atomic_store(&q->shm->which, (int)(q->write - q->batch));
	atomic_store(&q->shm->busy, 1);
	/* A full socket already holds a wake-up. */
	(void)send(q->fd, "w", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
}

void
nb_wq_tick(struct nb_wq *q)
{
	struct wq_batch	*t;

	if (q->fill->n == 0)
		return;
	if (q->shm != NULL) {
		wq_proc_tick(q);
		return;
	}
	pthread_mutex_lock(&q->mtx);
	if (!q->busy) {
		t = q->write;
		q->write = q->fill;
		q->fill = t;
		q->busy = 1;
		pthread_cond_signal(&q->cond);
	}
	pthread_mutex_unlock(&q->mtx);
}

void
nb_wq_wake(struct nb_wq *q)
{
	if (q->shm != NULL)		/* no idle hook to run */
		return;
	pthread_mutex_lock(&q->mtx);
	q->wake = 1;
	pthread_cond_signal(&q->cond);
	pthread_mutex_unlock(&q->mtx);
}

size_t
nb_wq_len(struct nb_wq *q)
{
	size_t	 n;

	if (q == NULL)
		return 0;
	if (q->shm != NULL)
		return q->fill->n +
		    (atomic_load(&q->shm->busy) ? q->write->n : 0);
	pthread_mutex_lock(&q->mtx);
	n = q->fill->n + (q->busy ? q->write->n : 0);
	pthread_mutex_unlock(&q->mtx);
	return n;
}

struct nb_db_writer *
nb_wq_writer(struct nb_wq *q)
{
	return &q->link;
}

uint64_t
nb_wq_dropped(struct nb_wq *q)
{
	return q->dropped;
}

/* Wait until the writer has finished the batch it holds; 0 if it died. */
static int
wq_drain(struct nb_wq *q)
{
	char	 c;
	ssize_t	 n;

	/* Each batch done is a byte: some are old ones, read on. */
	while (q->shm != NULL && atomic_load(&q->shm->busy)) {
		if ((n = recv(q->fd, &c, 1, 0)) == 0 ||
		    (n == -1 && errno != EINTR)) {
			log_warnx("the database writer process is gone: "
			    "%zu queued writes not written", nb_wq_len(q));
			return 0;
		}
	}
	if (q->shm != NULL)
		return 1;
	pthread_mutex_lock(&q->mtx);
	while (q->busy)
		pthread_cond_wait(&q->cond, &q->mtx);
	pthread_mutex_unlock(&q->mtx);
	return 1;
}

/* Close the writer process's socket, which ends it, and unmap. */
static void
wq_proc_stop(struct nb_wq *q)
{
	int	 i, status;

	close(q->fd);
	while (waitpid(q->pid, &status, 0) == -1 && errno == EINTR)
		;
	for (i = 0; i < 2; i++)
		free(q->batch[i].blocks);
	munmap(q->shm, q->shm_size);
}

void
nb_wq_stop(struct nb_wq *q)
{
	size_t	 i, k;

	if (q == NULL)
		return;
	if (q->shm != NULL) {
		atomic_store(&q->shm->stopping, 1);
		(void)send(q->fd, "s", 1, MSG_DONTWAIT | MSG_NOSIGNAL);
	}
	pthread_mutex_lock(&q->mtx);
	q->stopping = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->mtx);
	if (wq_drain(q)) {
		nb_wq_tick(q);
		wq_drain(q);
	}
	if (q->dropped > 0)
		log_warnx("%llu writes were dropped: the write queue was full",
		    (unsigned long long)q->dropped);
	if (q->shm != NULL) {
		wq_proc_stop(q);
		goto done;
	}
	pthread_mutex_lock(&q->mtx);
	q->quit = 1;
	pthread_cond_broadcast(&q->cond);
	pthread_mutex_unlock(&q->mtx);
	pthread_join(q->thread, NULL);
	nb_db_close(q->db);
	for (i = 0; i < 2; i++) {
		for (k = 0; k < q->batch[i].nblocks; k++)
			free(q->batch[i].blocks[k]);
		free(q->batch[i].blocks);
		free(q->batch[i].arena);
	}
 done:
	pthread_mutex_destroy(&q->mtx);
	pthread_mutex_destroy(&q->dbmtx);
	pthread_cond_destroy(&q->cond);
	free(q->path);
	free(q);
}
