/*
 * upload.c: request bodies streamed to disk on the admin plane, for
 * POST /api/v1/images/upload (bootweb(8) ADMIN API).
 *
 * libevent 2.1's evhttp reads a whole request body into memory before it
 * calls a server's handler, and has no hook to stream one (2.2's
 * evhttp_set_newreqcb is missing). So each admin connection's input is
 * watched below evhttp, by a callback on its bufferevent's input buffer,
 * which runs as bytes arrive and before evhttp's read callback:
 *
 *   HEAD     bytes are held back from evhttp until a whole request head
 *            (request line and headers) is here. A head that is not an
 *            upload goes on to evhttp unchanged, with its body (PASS,
 *            counted by Content-Length); one with Transfer-Encoding, or
 *            that is odd in any way, hands the rest of the connection to
 *            evhttp untouched (FOREVER), which answers as it always did.
 *   PENDING  a POST to UPLOAD_PATH with a Content-Length: evhttp gets its
 *            head with Content-Length: 0, so the route runs (credentials,
 *            role, name, size) on the head alone; the body waits.
 *   BODY     the route took the body (upload_claim): a writer thread
 *            reads it from the socket (a dup; the loop stops reading)
 *            into the file, a read's worth at a time; over TLS the loop
 *            reads and queues it for the writer. At its end the route's
 *            done callback replies.
 *   DISCARD  the route refused it, or writing it failed: the rest of the
 *            body is read and dropped, then the next head (a body over
 *            64 MiB is not: the refusal closes the connection).
 *
 * Bytes evhttp does see come in the order they arrived. While the body
 * streams evhttp waits for its handler's reply (its read callback is off,
 * as when it writes a reply), so nothing else reads the connection.
 */
#include "config.h"

#include <sys/queue.h>
#include <sys/socket.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "bootweb.h"
#include "job.h"
#include "upload.h"
#include "xmalloc.h"

/* Body bytes held before the route takes it. */
#define SNIFF_PENDING_MAX	(1024 * 1024)
#define SNIFF_DISCARD_MAX	(64 << 20)	/* refused, read, dropped */
#define WR_QMAX			(4 << 20)	/* bytes queued for a writer */
#define WR_READ			(64 * 1024)	/* bytes of one read */
#define WR_SYNC			(8 << 20)	/* bytes between writebacks */
#define WR_POLL_MS		250		/* the writer's look at cancel */
#define WR_IDLE_MS		(60 * 1000)	/* a body silent that long: cut */

enum sniff_state { SN_HEAD, SN_PASS, SN_FOREVER, SN_PENDING, SN_BODY,
	SN_DISCARD };

struct bw_sniff {
	TAILQ_ENTRY(bw_sniff)	 entry;
	struct bufferevent	*bev;
	struct evbuffer		*in;		/* the bufferevent's input */
	struct evbuffer_cb_entry *cbe;
	struct evbuffer		*held;		/* not yet given to evhttp */
	enum sniff_state	 state;
	int			 tls;
	int			 inside;	/* our own changes to in */
	int			 expect;	/* Expect: 100-continue */
	int64_t			 remaining;	/* body bytes to come */
	int64_t			 length;	/* of the upload's body */
	struct bw_wr		*wr;		/* BODY: its writer thread */
	int			 paused;	/* the writer is behind */
	int			 direct;	/* the writer reads the socket */
};

/*
 * The writer of a body: a thread of its own writes what the loop queues,
 * so that a disk that falls behind (the kernel throttling dirty pages)
 * never stalls the loop. The queue holds at most WR_QMAX bytes; past it
 * the connection is not read until the writer is below half.
 */
struct wr_chunk {
	struct wr_chunk		*next;
	size_t			 len;
	unsigned char		 data[];
};

struct bw_wr {
	pthread_mutex_t		 mu;
	pthread_cond_t		 cv;
	struct wr_chunk		*head, **tail;	/* the queue */
	size_t			 queued;	/* bytes in it */
	int64_t			 expect;	/* bytes the body has */
	int64_t			 written;
	int64_t			 synced;	/* sent to the disk */
	int			 sock;		/* read directly: a dup, or -1 */
	int			 idle_ms;	/* since sock gave a byte */
	int			 cancel;	/* the connection closed */
	int			 finished;	/* the thread is done */
	int			 fd;
	char			 err[256];
	/* the loop's */
	struct bw_sniff		*s;		/* NULL once detached */
	struct bw_upload_ops	 ops;
};

/* What a writer tells the loop; finished is the last it tells. */
struct wr_msg {
	struct bw_wr		*w;
	int			 finished;
};

static TAILQ_HEAD(, bw_sniff)	sniffs = TAILQ_HEAD_INITIALIZER(sniffs);
/* The writers tell the loop through it. */
static int			wr_pipe[2] = { -1, -1 };
static struct event		*wr_ev;

/* The offset just past the blank line ending a head in p, or -1. */
static ssize_t
head_end(const char *p, size_t len)
{
	size_t	 i;

	for (i = 0; i + 1 < len; i++) {
		if (p[i] != '\n')
			continue;
		if (p[i + 1] == '\n')
			return (ssize_t)(i + 2);
		if (i + 2 < len && p[i + 1] == '\r' && p[i + 2] == '\n')
			return (ssize_t)(i + 3);
	}
	return -1;
}

/* Whether the line [p, p + len) is header name: (any case); its value in *v. */
static int
head_field(const char *p, size_t len, const char *name, const char **v,
    size_t *vlen)
{
	size_t	 nlen = strlen(name);

	if (len <= nlen || strncasecmp(p, name, nlen) != 0 || p[nlen] != ':')
		return 0;
	p += nlen + 1;
	len -= nlen + 1;
	while (len > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		len--;
	}
	while (len > 0 && (p[len - 1] == ' ' || p[len - 1] == '\t' ||
	    p[len - 1] == '\r'))
		len--;
	*v = p;
	*vlen = len;
	return 1;
}

/* A Content-Length value, or -1. */
static int64_t
head_length(const char *v, size_t len)
{
	int64_t	 n = 0;
	size_t	 i;

	if (len == 0 || len > 18)
		return -1;
	for (i = 0; i < len; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -1;
		n = n * 10 + (v[i] - '0');
	}
	return n;
}

/*
 * Read the head p of e bytes: its body length (0 if none), whether it is
 * an upload, and where its Content-Length and Expect lines are (to
 * rewrite). -1: leave the connection to evhttp.
 */
static int
head_parse(const char *p, size_t e, int64_t *len, int *upload, int *expect)
{
	const char	*line, *nl, *v, *sp;
	size_t		 llen, vlen, plen = strlen(UPLOAD_PATH);
	int		 ncl = 0;

	*len = 0;
	*upload = *expect = 0;
	nl = memchr(p, '\n', e);
	sp = memchr(p, ' ', (size_t)(nl - p));
	if (sp != NULL && sp - p == 4 && memcmp(p, "POST", 4) == 0 &&
	    (size_t)(nl - sp) > plen + 1 &&
	    memcmp(sp + 1, UPLOAD_PATH, plen) == 0 &&
	    (sp[1 + plen] == ' ' || sp[1 + plen] == '?'))
		*upload = 1;
	for (line = nl + 1; line < p + e; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(p + e - line));
		llen = (size_t)(nl - line);
		if (head_field(line, llen, "Transfer-Encoding", &v, &vlen))
			return -1;
		if (head_field(line, llen, "Content-Length", &v, &vlen)) {
			if (ncl++ > 0 || (*len = head_length(v, vlen)) == -1)
				return -1;
		}
		if (head_field(line, llen, "Expect", &v, &vlen) &&
		    vlen == 12 && strncasecmp(v, "100-continue", 12) == 0)
			*expect = 1;
	}
	if (*len == 0)
		*upload = 0;
	return 0;
}

/* The head of e bytes again, its Content-Length 0 and no Expect. */
static void
head_rewrite(const char *p, size_t e, struct evbuffer *out)
{
	const char	*line, *nl, *v;
	size_t		 vlen;

	nl = memchr(p, '\n', e);
	evbuffer_add(out, p, (size_t)(nl - p) + 1);
	for (line = nl + 1; line < p + e; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(p + e - line));
		if (head_field(line, (size_t)(nl - line), "Content-Length",
		    &v, &vlen))
			evbuffer_add_printf(out, "Content-Length: 0\r\n");
		else if (!head_field(line, (size_t)(nl - line), "Expect", &v,
		    &vlen))
			evbuffer_add(out, line, (size_t)(nl - line) + 1);
	}
}

/* Give n bytes of held to evhttp. */
static void
sniff_give(struct bw_sniff *s, size_t n)
{
	evbuffer_remove_buffer(s->held, s->in, n);
}

/* The state of a whole head at the front of held (e bytes). */
static void
sniff_head(struct bw_sniff *s, size_t e)
{
	const char	*p = (const char *)evbuffer_pullup(s->held, (ssize_t)e);
	struct evbuffer	*rw;
	int64_t		 len;
	size_t		 n;
	int		 upload;

	if (head_parse(p, e, &len, &upload, &s->expect) == -1) {
		s->state = SN_FOREVER;
		sniff_give(s, evbuffer_get_length(s->held));
		return;
	}
	if (!upload) {
		sniff_give(s, e);
		n = evbuffer_get_length(s->held);
		if ((int64_t)n > len)
			n = (size_t)len;
		sniff_give(s, n);
		s->remaining = len - (int64_t)n;
		s->state = s->remaining > 0 ? SN_PASS : SN_HEAD;
		return;
	}
	if ((rw = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	head_rewrite(p, e, rw);
	evbuffer_drain(s->held, e);
	evbuffer_add_buffer(s->in, rw);
	evbuffer_free(rw);
	s->length = s->remaining = len;
	s->state = SN_PENDING;
}

/* Drop what held has of a body nobody takes; then the next head. */
static void
sniff_discard(struct bw_sniff *s)
{
	size_t	 n = evbuffer_get_length(s->held);

	if ((int64_t)n > s->remaining)
		n = (size_t)s->remaining;
	evbuffer_drain(s->held, n);
	if ((s->remaining -= (int64_t)n) == 0)
		s->state = SN_HEAD;
}

static void	sniff_run(struct bw_sniff *);

/* Tell the loop about w: read again, or finished. */
static void
wr_tell(struct bw_wr *w, int finished)
{
	struct wr_msg	 m = { w, finished };

	if (write(wr_pipe[1], &m, sizeof(m)) != sizeof(m))
		log_warn("%s: cannot tell the loop", __func__);
}

/*
 * Every WR_SYNC bytes: start writing the newest ones to the disk, wait
 * for the ones before them and drop those from the page cache. Dirty
 * pages never pile up to the kernel's threshold, where one writeback
 * storm (and the memory it holds) would slow everything on the machine;
 * and the upload does not push out the cache of the files bootweb serves.
 */
static void
wr_writeback(struct bw_wr *w, int64_t written)
{
	int64_t	 prev = w->synced - WR_SYNC;

	if (written - w->synced < WR_SYNC)
		return;
	if (sync_file_range(w->fd, w->synced, written - w->synced,
	    SYNC_FILE_RANGE_WRITE) == -1)
		log_debug("%s: sync_file_range: %s", __func__,
		    strerror(errno));
	if (prev >= 0 && sync_file_range(w->fd, prev, WR_SYNC,
	    SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE |
	    SYNC_FILE_RANGE_WAIT_AFTER) == 0)
		posix_fadvise(w->fd, prev, WR_SYNC, POSIX_FADV_DONTNEED);
	w->synced = written;
}

/* Write len bytes of p to the file; the bytes written. */
static size_t
wr_file(struct bw_wr *w, const unsigned char *p, size_t len, ssize_t *n)
{
	size_t	 off;

	for (off = 0, *n = 0; off < len; off += (size_t)*n)
		if ((*n = write(w->fd, p + off, len - off)) <= 0) {
			if (*n == -1 && errno == EINTR) {
				*n = 0;
				continue;
			}
			break;
		}
	return off;
}

/*
 * One read of the body straight from the socket into the file, with the
 * writer's lock held on entry and exit. The event loop does not carry
 * the body: receiving 400 MiB kept it busy enough that the scheduler
 * made /boot.ipxe wait behind other processes (tools/bench-upload.sh).
 */
static void
wr_direct(struct bw_wr *w, unsigned char *buf)
{
	struct pollfd	 pfd;
	int64_t		 want = w->expect - w->written;
	ssize_t		 n, wn;
	size_t		 off;
	int		 e;

	pthread_mutex_unlock(&w->mu);
	pfd.fd = w->sock;
	pfd.events = POLLIN;
	if (want > WR_READ)
		want = WR_READ;
	if ((n = poll(&pfd, 1, WR_POLL_MS)) == 1)
		n = read(w->sock, buf, (size_t)want);
	else if (n == 0)
		n = -2;			/* nothing this time */
	e = errno;
	off = n > 0 ? wr_file(w, buf, (size_t)n, &wn) : 0;
	if (off > 0)
		wr_writeback(w, w->written + (int64_t)off);
	pthread_mutex_lock(&w->mu);
	w->idle_ms = n > 0 ? 0 : w->idle_ms + (n == -2 ? WR_POLL_MS : 0);
	if (n == 0)
		snprintf(w->err, sizeof(w->err), "the connection closed "
		    "during the upload");
	else if (n == -1 && e != EAGAIN && e != EINTR)
		snprintf(w->err, sizeof(w->err), "reading the upload: %s",
		    strerror(e));
	else if (w->idle_ms >= WR_IDLE_MS)
		snprintf(w->err, sizeof(w->err), "no byte of the upload for "
		    "%d s", WR_IDLE_MS / 1000);
	else if (n > 0 && off < (size_t)n)
		snprintf(w->err, sizeof(w->err), "writing the upload: %s",
		    wn == 0 ? "no space" : strerror(errno));
	w->written += (int64_t)off;
}

/* The writer thread: write each chunk queued, until the body is whole. */
static void *
wr_thread(void *arg)
{
	struct bw_wr	*w = arg;
	struct wr_chunk	*c;
	unsigned char	*buf = xmalloc(WR_READ);
	ssize_t		 n;
	size_t		 off;
	int		 below;

	job_background("upload");
	pthread_mutex_lock(&w->mu);
	while (!w->cancel && w->err[0] == '\0' && w->written < w->expect) {
		if ((c = w->head) == NULL && w->sock != -1) {
			wr_direct(w, buf);
			continue;
		}
		if (c == NULL) {
			pthread_cond_wait(&w->cv, &w->mu);
			continue;
		}
		if ((w->head = c->next) == NULL)
			w->tail = &w->head;
		pthread_mutex_unlock(&w->mu);
		off = wr_file(w, c->data, c->len, &n);
		/* written and synced are this thread's alone */
		wr_writeback(w, w->written + (int64_t)off);
		pthread_mutex_lock(&w->mu);
		if (off < c->len)
			snprintf(w->err, sizeof(w->err), "writing the upload: "
			    "%s", n == 0 ? "no space" : strerror(errno));
		below = w->queued >= WR_QMAX / 2 &&
		    w->queued - c->len < WR_QMAX / 2;
		w->queued -= c->len;
		w->written += (int64_t)off;
		free(c);
		if (below) {
			pthread_mutex_unlock(&w->mu);
			wr_tell(w, 0);		/* read again */
			pthread_mutex_lock(&w->mu);
		}
	}
	while ((c = w->head) != NULL) {
		w->head = c->next;
		free(c);
	}
	w->tail = &w->head;
	w->queued = 0;
	w->finished = 1;
	if (w->sock != -1)
		close(w->sock);
	w->sock = -1;
	pthread_mutex_unlock(&w->mu);
	free(buf);
	wr_tell(w, 1);
	return NULL;
}

static void
wr_free(struct bw_wr *w)
{
	pthread_mutex_destroy(&w->mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

/* A writer said something: read again, or the body is done. */
static void
wr_heard(evutil_socket_t fd, short events, void *arg)
{
	struct wr_msg	 m;
	struct bw_wr	*w;
	struct bw_sniff	*s;

	while (read(fd, &m, sizeof(m)) == sizeof(m)) {
		w = m.w;
		s = w->s;
		if (s != NULL && s->paused) {
			s->paused = 0;
			bufferevent_enable(s->bev, EV_READ);
		}
		if (!m.finished)
			continue;
		if (s != NULL) {
			s->wr = NULL;
			/* What the writer did not read itself is dropped. */
			if (s->direct) {
				s->remaining = w->expect - w->written;
				s->direct = 0;
				if (s->remaining > 0)
					bufferevent_enable(s->bev, EV_READ);
			}
			s->state = s->remaining > 0 ? SN_DISCARD : SN_HEAD;
		}
		w->ops.done(w->ops.arg, w->err[0] ? w->err : w->cancel ?
		    "the connection closed during the upload" : NULL,
		    s == NULL);
		if (s != NULL) {
			s->inside = 1;
			sniff_run(s);
			s->inside = 0;
		}
		wr_free(w);
	}
}

/* Queue what held has of the body for the writer. */
static void
sniff_body(struct bw_sniff *s)
{
	struct bw_wr	*w = s->wr;
	struct wr_chunk	*c;
	size_t		 n = evbuffer_get_length(s->held);

	if ((int64_t)n > s->remaining)
		n = (size_t)s->remaining;
	if (n == 0)
		return;
	c = xmalloc(sizeof(*c) + n);
	c->next = NULL;
	c->len = n;
	evbuffer_remove(s->held, c->data, n);
	s->remaining -= (int64_t)n;
	pthread_mutex_lock(&w->mu);
	*w->tail = c;
	w->tail = &c->next;
	if ((w->queued += n) >= WR_QMAX && !s->paused) {
		s->paused = 1;
		bufferevent_disable(s->bev, EV_READ);
	}
	pthread_cond_signal(&w->cv);
	pthread_mutex_unlock(&w->mu);
}

/* Run the state machine on what held has. */
static void
sniff_run(struct bw_sniff *s)
{
	size_t	 len;
	ssize_t	 e;

	for (;;) {
		len = evbuffer_get_length(s->held);
		switch (s->state) {
		case SN_HEAD:
			if (len == 0)
				return;
			e = head_end((const char *)evbuffer_pullup(s->held,
			    -1), len);
			if (e == -1) {
				if (len > BW_MAX_HEADERS) {
					s->state = SN_FOREVER;
					sniff_give(s, len);
				}
				return;
			}
			sniff_head(s, (size_t)e);
			break;
		case SN_PENDING:
			/* A body sent before its request was answered. */
			if (len > SNIFF_PENDING_MAX)
				bufferevent_disable(s->bev, EV_READ);
			return;
		case SN_BODY:
			/* Past the body: wait for the writer (wr_heard). */
			if (s->remaining > 0 && !s->direct)
				sniff_body(s);
			return;
		case SN_DISCARD:
			if (len == 0)
				return;
			sniff_discard(s);
			break;
		case SN_PASS:
		case SN_FOREVER:
			sniff_give(s, len);
			return;
		}
	}
}

/* Move the newest n bytes of the input to held. */
static void
sniff_take(struct bw_sniff *s, size_t n)
{
	struct evbuffer	*front;
	size_t		 keep = evbuffer_get_length(s->in) - n;

	if (keep == 0) {
		evbuffer_add_buffer(s->held, s->in);
		return;
	}
	if ((front = evbuffer_new()) == NULL)
		fatalx("%s: out of memory", __func__);
	evbuffer_remove_buffer(s->in, front, keep);
	evbuffer_add_buffer(s->held, s->in);
	evbuffer_add_buffer(s->in, front);
	evbuffer_free(front);
}

/* Bytes were added to the input: they are ours to look at first. */
static void
sniff_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct bw_sniff	*s = arg;
	size_t		 n = info->n_added;

	if (s->inside || n == 0 || s->state == SN_FOREVER)
		return;
	s->inside = 1;
	if (s->state == SN_PASS && (int64_t)n <= s->remaining)
		s->remaining -= (int64_t)n;
	else {
		if (s->state == SN_PASS) {
			n -= (size_t)s->remaining;
			s->remaining = 0;
			s->state = SN_HEAD;
		}
		sniff_take(s, n);
		sniff_run(s);
	}
	s->inside = 0;
}

struct bw_sniff *
upload_attach(struct bufferevent *bev, int tls)
{
	struct bw_sniff	*s = xcalloc(1, sizeof(*s));

	s->bev = bev;
	s->tls = tls;
	s->in = bufferevent_get_input(bev);
	if ((s->held = evbuffer_new()) == NULL ||
	    (s->cbe = evbuffer_add_cb(s->in, sniff_cb, s)) == NULL)
		fatalx("%s: out of memory", __func__);
	TAILQ_INSERT_TAIL(&sniffs, s, entry);
	return s;
}

void
upload_detach(struct bw_sniff *s, int alive)
{
	if (s == NULL)
		return;
	TAILQ_REMOVE(&sniffs, s, entry);
	if (alive)
		evbuffer_remove_cb_entry(s->in, s->cbe);
	/* A writer still at work finishes on its own; wr_heard frees it. */
	if (s->wr != NULL) {
		pthread_mutex_lock(&s->wr->mu);
		s->wr->cancel = 1;
		s->wr->s = NULL;
		pthread_cond_signal(&s->wr->cv);
		pthread_mutex_unlock(&s->wr->mu);
	}
	evbuffer_free(s->held);
	free(s);
}

/* The sniffer of r's connection, or NULL. */
static struct bw_sniff *
upload_find(struct bw_req *r)
{
	struct evhttp_connection	*evcon;
	struct bufferevent		*bev;
	struct bw_sniff			*s;

	if ((evcon = evhttp_request_get_connection(r->req)) == NULL)
		return NULL;
	bev = evhttp_connection_get_bufferevent(evcon);
	TAILQ_FOREACH(s, &sniffs, entry)
		if (s->bev == bev)
			return s;
	return NULL;
}

struct bw_sniff *
upload_of(struct bw_req *r, int64_t *len)
{
	struct bw_sniff	*s = upload_find(r);

	if (s == NULL || s->state != SN_PENDING ||
	    r->method != EVHTTP_REQ_POST ||
	    strcmp(r->path, &UPLOAD_PATH[1]) != 0)
		return NULL;
	*len = s->length;
	return s;
}

void
upload_begin(struct bw_req *r)
{
	struct bw_sniff	*s = upload_find(r);

	/* A large body refused is not read to its end: the connection goes. */
	if (s != NULL && s->state == SN_PENDING &&
	    r->method == EVHTTP_REQ_POST && s->length > SNIFF_DISCARD_MAX)
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Connection", "close");
}

void
upload_end(struct bw_req *r)
{
	struct bw_sniff	*s = upload_find(r);

	if (s == NULL || s->state != SN_PENDING ||
	    r->method != EVHTTP_REQ_POST)
		return;
	/* Refused: its body is read and dropped, the connection kept. */
	s->state = SN_DISCARD;
	s->inside = 1;
	bufferevent_enable(s->bev, EV_READ);
	sniff_run(s);
	s->inside = 0;
}

int
upload_claim(struct bw_sniff *s, struct bw_req *r, int fd,
    const struct bw_upload_ops *ops)
{
	static const char	 cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
	bufferevent_data_cb	 wcb;
	bufferevent_event_cb	 ecb;
	struct bw_wr		*w = xcalloc(1, sizeof(*w));
	pthread_attr_t		 attr;
	pthread_t		 t;
	void			*arg;
	int			 rc, sock;

	pthread_mutex_init(&w->mu, NULL);
	pthread_cond_init(&w->cv, NULL);
	w->tail = &w->head;
	w->expect = s->length;
	w->fd = fd;
	w->sock = -1;
	w->s = s;
	w->ops = *ops;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &attr, wr_thread, w);
	pthread_attr_destroy(&attr);
	if (rc != 0) {
		log_warnx("%s: cannot start a writer: %s", __func__,
		    strerror(rc));
		wr_free(w);
		return -1;
	}
	s->wr = w;
	s->state = SN_BODY;
	evhttp_remove_header(evhttp_request_get_output_headers(r->req),
	    "Connection");
	/*
	 * evhttp's output is idle (it waits for our reply): 100 Continue
	 * goes straight to the socket. Over TLS it is left out; the client
	 * sends its body after its own wait (curl: 1 s).
	 */
	if (s->expect && !s->tls &&
	    send(bufferevent_getfd(s->bev), cont, sizeof(cont) - 1,
	    MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)sizeof(cont) - 1)
		log_debug("%s: 100 Continue not sent", __func__);
	/* Read the body with evhttp's read callback off (it awaits a reply). */
	bufferevent_getcb(s->bev, NULL, &wcb, &ecb, &arg);
	bufferevent_setcb(s->bev, NULL, wcb, ecb, arg);
	bufferevent_set_max_single_read(s->bev, WR_READ);
	s->inside = 1;
	sniff_run(s);
	s->inside = 0;
	/*
	 * Past what is read already, the writer reads the socket itself
	 * (a dup: the connection may close its own fd first); over TLS the
	 * loop reads and queues it.
	 */
	if (!s->tls && s->remaining > 0 &&
	    (sock = dup(bufferevent_getfd(s->bev))) != -1) {
		bufferevent_disable(s->bev, EV_READ);
		s->direct = 1;
		pthread_mutex_lock(&w->mu);
		w->sock = sock;
		pthread_cond_signal(&w->cv);
		pthread_mutex_unlock(&w->mu);
	} else
		bufferevent_enable(s->bev, EV_READ);
	return 0;
}

/* Start watching the writers' pipe. */
void
upload_init(struct event_base *base)
{
	if (pipe2(wr_pipe, O_CLOEXEC | O_NONBLOCK) == -1)
		fatal("pipe");
	wr_ev = event_new(base, wr_pipe[0], EV_READ | EV_PERSIST, wr_heard,
	    NULL);
	if (wr_ev == NULL || event_add(wr_ev, NULL) == -1)
		fatalx("cannot watch the upload writers");
}

void
upload_free(void)
{
	if (wr_ev != NULL)
		event_free(wr_ev);
	wr_ev = NULL;
}
