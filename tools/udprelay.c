/*
 * udprelay.c: a UDP relay that drops, duplicates, reorders and delays
 * packets, for tests and benchmarks on a kernel without netem.
 *
 *	udprelay [-D usec] [-F count] [-L pct] [-U pct] [-R pct] [-S seed]
 *	    [-T secs] [-P pidfile] listen-addr:port server-addr:port
 *
 * Clients talk to listen-addr:port; the relay speaks to server-addr:port
 * from a socket of its own per client. It understands the TFTP habit of
 * answering from a new port (the server's transfer ID): each server port
 * gets its own client-facing socket, so a client sees a server that
 * changes ports just as it would without the relay. -F spares the first
 * count packets of each client in each direction (the request and option
 * handshake) from loss, duplication and reordering. It runs at most -T
 * seconds (default 600) and prints what it did to stderr when it ends.
 *
 * A benchmark measures the servers through it, so it must not be the
 * bottleneck and must delay faithfully: packets are read and sent in
 * batches (recvmmsg, sendmmsg), land straight in a ring of preallocated
 * memory (no allocation per packet), and leave at their due time, sleeping
 * with a nanosecond timeout (timer slack 1 ns) and spinning on
 * CLOCK_MONOTONIC for the last few microseconds. With a fixed delay due
 * times follow arrival order, so the queue is a FIFO; only reordered and
 * duplicated copies (tests) go through a small heap.
 */
#include "config.h"

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAX_SESSIONS	4096
#define MAX_PORTS	8		/* server ports per client */
#define PKT_MAX		65536
#define BATCH		32		/* datagrams per recvmmsg / sendmmsg */
#define RING_BYTES	(16u << 20)	/* packet data in flight */
#define RING_SLOTS	65536		/* packets in flight (a power of two) */
#define SOCKBUF		(4 << 20)	/* socket buffers: a window never overflows them */
#define SPIN_NS		50000		/* wake this early and spin to the due time */

enum ep_kind { EP_LISTEN, EP_UP, EP_DOWN };

struct session;

struct endpoint {
	enum ep_kind		 kind;
	int			 fd;
	struct session		*s;
	struct sockaddr_in	 server;	/* EP_DOWN: the server port it stands for */
};

struct session {
	struct sockaddr_in	 client;
	struct endpoint		 up;		/* talks to the server */
	struct endpoint		*down[MAX_PORTS];	/* talk to the client */
	int			 ndown;
	int64_t			 seen;
	unsigned long		 nup, ndownpkts;	/* packets relayed each way */
};

/* A packet waiting for its due time; its bytes are in the ring or (heap) its own. */
struct pkt {
	int64_t			 due;		/* ns, CLOCK_MONOTONIC */
	uint64_t		 seq;
	int			 fd;
	struct sockaddr_in	 to;
	uint8_t			*data;
	size_t			 len;
	size_t			 ringend;	/* FIFO: ring offset just past its bytes */
};

static struct sockaddr_in	 listen_sa, server_sa;
static struct endpoint		 lep;
static struct session		*sessions[MAX_SESSIONS];
static int			 nsessions, epfd;
static int64_t			 delay;		/* ns */
static double			 loss, duplicate, reorder;
static unsigned long		 spare;
static unsigned long		 n_in, n_out, n_drop, n_dup, n_reorder, n_full;
static int64_t			 late_sum, late_max;	/* ns past due, of delayed packets */
static unsigned long		 n_late;
static volatile sig_atomic_t	 quit;

/* The FIFO: packet slots and their bytes, both rings. */
static struct pkt		 fifo[RING_SLOTS];
static uint64_t			 fifo_head, fifo_tail;	/* slots: taken at head, added at tail */
static uint8_t			*ring;
static size_t			 ring_head, ring_tail;	/* bytes: freed at head, written at tail */
static size_t			 ring_used;

/* The heap of reordered and duplicated copies (rare: tests only). */
static struct pkt		**heap;
static size_t			 nheap, capheap;
static uint64_t			 seqno;

static int64_t
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int
chance(double pct)
{
	return pct > 0 && drand48() * 100.0 < pct;
}

static int
parse_addr(const char *s, struct sockaddr_in *sin)
{
	char	 host[64], *colon;

	if (snprintf(host, sizeof(host), "%s", s) >= (int)sizeof(host) ||
	    (colon = strrchr(host, ':')) == NULL)
		return -1;
	*colon = '\0';
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)atoi(colon + 1));
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -1;
}

static int
heap_less(const struct pkt *a, const struct pkt *b)
{
	return a->due < b->due || (a->due == b->due && a->seq < b->seq);
}

static void
heap_push(struct pkt *p)
{
	size_t	 i;

	if (nheap == capheap) {
		capheap = capheap ? capheap * 2 : 1024;
		if ((heap = realloc(heap, capheap * sizeof(*heap))) == NULL)
			abort();
	}
	for (i = nheap++; i > 0 && heap_less(p, heap[(i - 1) / 2]); i = (i - 1) / 2)
		heap[i] = heap[(i - 1) / 2];
	heap[i] = p;
}

static struct pkt *
heap_pop(void)
{
	struct pkt	*top = heap[0], *last = heap[--nheap];
	size_t		 i = 0, c;

	while ((c = 2 * i + 1) < nheap) {
		if (c + 1 < nheap && heap_less(heap[c + 1], heap[c]))
			c++;
		if (!heap_less(heap[c], last))
			break;
		heap[i] = heap[c];
		i = c;
	}
	heap[i] = last;
	return top;
}

/* A copy of a packet on the heap, due at due (reordered or duplicated). */
static void
heap_copy(int fd, const struct sockaddr_in *to, const uint8_t *data, size_t len, int64_t due)
{
	struct pkt	*p;

	if ((p = malloc(sizeof(*p) + len)) == NULL)
		abort();
	p->due = due;
	p->seq = seqno++;
	p->fd = fd;
	p->to = *to;
	p->data = (uint8_t *)(p + 1);
	p->len = len;
	memcpy(p->data, data, len);
	heap_push(p);
}

/* Where the next datagram of up to PKT_MAX bytes goes in the ring, or NULL if full. */
static uint8_t *
ring_reserve(void)
{
	if (RING_BYTES - ring_used < 2 * (size_t)PKT_MAX || fifo_tail - fifo_head >= RING_SLOTS)
		return NULL;
	if (ring_tail + PKT_MAX > RING_BYTES) {
		/* Not enough room before the end: waste the tail, start over at 0. */
		if (ring_head > ring_tail || ring_head < PKT_MAX)
			return NULL;
		ring_used += RING_BYTES - ring_tail;
		if (fifo_tail > fifo_head)
			fifo[(fifo_tail - 1) % RING_SLOTS].ringend = 0;
		else
			ring_head = 0;
		ring_tail = 0;
	}
	if (ring_head > ring_tail && ring_head - ring_tail < PKT_MAX)
		return NULL;
	return ring + ring_tail;
}

/* Queue the datagram just received at the ring's tail (len bytes) for fd, to. */
static void
fifo_add(int fd, const struct sockaddr_in *to, size_t len, int64_t due)
{
	struct pkt	*p = &fifo[fifo_tail % RING_SLOTS];
	size_t		 adv = (len + 15) & ~(size_t)15;

	p->due = due;
	p->fd = fd;
	p->to = *to;
	p->data = ring + ring_tail;
	p->len = len;
	ring_tail += adv;
	ring_used += adv;
	p->ringend = ring_tail;
	fifo_tail++;
}

/* Release the FIFO's head slot and its bytes. */
static void
fifo_pop(void)
{
	struct pkt	*p = &fifo[fifo_head % RING_SLOTS];
	size_t		 end = p->ringend;

	/* Bytes from the ring's head up to this packet's end (wasted tails included). */
	if (end >= ring_head)
		ring_used -= end - ring_head;
	else
		ring_used -= RING_BYTES - ring_head + end;
	ring_head = end;
	fifo_head++;
	if (fifo_head == fifo_tail) {
		ring_head = ring_tail = 0;
		ring_used = 0;
	}
}

/*
 * Send a run of packets (each with its own address) from one socket. A full
 * socket buffer drops the rest, as a switch would; counted apart.
 */
static void
send_batch(int fd, struct pkt **p, int n)
{
	static struct mmsghdr	 msg[BATCH];
	static struct iovec	 iov[BATCH];
	int			 i, done = 0, r;

	for (i = 0; i < n; i++) {
		iov[i].iov_base = p[i]->data;
		iov[i].iov_len = p[i]->len;
		memset(&msg[i], 0, sizeof(msg[i]));
		msg[i].msg_hdr.msg_name = &p[i]->to;
		msg[i].msg_hdr.msg_namelen = sizeof(p[i]->to);
		msg[i].msg_hdr.msg_iov = &iov[i];
		msg[i].msg_hdr.msg_iovlen = 1;
	}
	while (done < n) {
		r = sendmmsg(fd, msg + done, (unsigned int)(n - done), 0);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			/* ECONNREFUSED of an earlier datagram, EAGAIN: skip one and go on. */
			n_full++;
			done++;
			continue;
		}
		n_out += (unsigned long)r;
		done += r;
	}
}

/* Send everything due by t: the FIFO in order, runs of one socket batched. */
static void
release(int64_t t)
{
	struct pkt	*run[BATCH];
	struct pkt	*p;
	int		 n;

	while (fifo_head != fifo_tail && fifo[fifo_head % RING_SLOTS].due <= t) {
		n = 0;
		for (uint64_t i = fifo_head; i != fifo_tail && n < BATCH; i++) {
			p = &fifo[i % RING_SLOTS];
			if (p->due > t || (n > 0 && p->fd != run[0]->fd))
				break;
			run[n++] = p;
			if (delay > 0) {
				late_sum += t - p->due;
				late_max = t - p->due > late_max ? t - p->due : late_max;
				n_late++;
			}
		}
		send_batch(run[0]->fd, run, n);
		while (n-- > 0)
			fifo_pop();
	}
	while (nheap > 0 && heap[0]->due <= t) {
		p = heap_pop();
		send_batch(p->fd, &p, 1);
		free(p);
	}
}

/* The first due time queued, or -1. */
static int64_t
next_due(void)
{
	int64_t	 d = -1;

	if (fifo_head != fifo_tail)
		d = fifo[fifo_head % RING_SLOTS].due;
	if (nheap > 0 && (d == -1 || heap[0]->due < d))
		d = heap[0]->due;
	return d;
}

/* Queue a received datagram (in the ring at its tail) through the impairments. */
static void
forward(int fd, const struct sockaddr_in *to, size_t len, int clean, int64_t t)
{
	uint8_t	*data = ring + ring_tail;

	n_in++;
	if (!clean) {
		if (chance(loss)) {
			n_drop++;
			return;
		}
		if (chance(duplicate)) {
			n_dup++;
			heap_copy(fd, to, data, len, t + delay + 50000);
		}
		if (chance(reorder)) {
			n_reorder++;
			/* Lands after packets sent later. */
			heap_copy(fd, to, data, len, t + 2 * delay + 500000);
			return;
		}
	}
	fifo_add(fd, to, len, t + delay);
}

static int
udp_socket(const struct sockaddr_in *bindto, struct endpoint *ep)
{
	struct epoll_event	 ev;
	int			 fd, sz = SOCKBUF;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	/* As root, past rmem_max/wmem_max: a window must never overflow the relay. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &sz, sizeof(sz)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
	if (bind(fd, (const struct sockaddr *)bindto, sizeof(*bindto)) == -1) {
		close(fd);
		return -1;
	}
	ep->fd = fd;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.ptr = ep;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Whether a queued packet still uses fd (a session may go only when none does). */
static int
fd_queued(int fd)
{
	uint64_t	 i;
	size_t		 j;

	for (i = fifo_head; i != fifo_tail; i++)
		if (fifo[i % RING_SLOTS].fd == fd)
			return 1;
	for (j = 0; j < nheap; j++)
		if (heap[j]->fd == fd)
			return 1;
	return 0;
}

static void
session_free(int i)
{
	struct session	*s = sessions[i];
	int		 j;

	close(s->up.fd);
	for (j = 0; j < s->ndown; j++) {
		close(s->down[j]->fd);
		free(s->down[j]);
	}
	free(s);
	sessions[i] = sessions[--nsessions];
}

static struct session *
session_get(const struct sockaddr_in *client, int64_t t)
{
	struct sockaddr_in	 any = server_sa;
	struct session		*s;
	int			 i;

	for (i = 0; i < nsessions; i++) {
		s = sessions[i];
		if (s->client.sin_addr.s_addr == client->sin_addr.s_addr &&
		    s->client.sin_port == client->sin_port) {
			s->seen = t;
			return s;
		}
	}
	/* Make room: drop sessions idle for 30 s (nothing of theirs queued), or the oldest. */
	for (i = 0; i < nsessions; i++)
		if (t - sessions[i]->seen > 30000000000LL && !fd_queued(sessions[i]->up.fd))
			session_free(i--);
	if (nsessions == MAX_SESSIONS)
		session_free(0);
	if ((s = calloc(1, sizeof(*s))) == NULL)
		abort();
	s->client = *client;
	s->seen = t;
	s->up.kind = EP_UP;
	s->up.s = s;
	any.sin_port = 0;
	any.sin_addr.s_addr = listen_sa.sin_addr.s_addr;
	if (udp_socket(&any, &s->up) == -1) {
		perror("udprelay: upstream socket");
		free(s);
		return NULL;
	}
	sessions[nsessions++] = s;
	return s;
}

/* The client-facing socket that stands for server port from. */
static struct endpoint *
session_down(struct session *s, const struct sockaddr_in *from)
{
	struct sockaddr_in	 any = listen_sa;
	struct endpoint		*ep;
	int			 i;

	for (i = 0; i < s->ndown; i++)
		if (s->down[i]->server.sin_port == from->sin_port &&
		    s->down[i]->server.sin_addr.s_addr == from->sin_addr.s_addr)
			return s->down[i];
	if (s->ndown == MAX_PORTS) {
		/* The oldest port goes; if packets for it are still queued, keep it open. */
		epoll_ctl(epfd, EPOLL_CTL_DEL, s->down[0]->fd, NULL);
		if (!fd_queued(s->down[0]->fd))
			close(s->down[0]->fd);	/* else leaked: a test tool, rare */
		free(s->down[0]);
		memmove(&s->down[0], &s->down[1], sizeof(s->down[0]) * (MAX_PORTS - 1));
		s->ndown--;
	}
	if ((ep = calloc(1, sizeof(*ep))) == NULL)
		abort();
	ep->kind = EP_DOWN;
	ep->s = s;
	ep->server = *from;
	any.sin_port = 0;
	if (udp_socket(&any, ep) == -1) {
		perror("udprelay: client-facing socket");
		free(ep);
		return NULL;
	}
	s->down[s->ndown++] = ep;
	return ep;
}

/* Read what ep's socket holds, in batches straight into the ring, and queue it. */
static void
readable(struct endpoint *ep)
{
	static struct mmsghdr		 msg[BATCH];
	static struct iovec		 iov[BATCH];
	static struct sockaddr_in	 from[BATCH];
	static uint8_t			 sink[PKT_MAX];
	struct session			*s;
	struct endpoint			*down;
	uint8_t				*at;
	int64_t				 t;
	int				 i, n, rounds;

	for (rounds = 0; rounds < 8; rounds++) {
		/*
		 * One datagram per call into the ring at a time would be exact;
		 * a batch needs BATCH * PKT_MAX contiguous bytes, so the batch is
		 * received into the ring one slot ahead each, then compacted.
		 */
		if ((at = ring_reserve()) == NULL) {
			/* Full (the delay is long for the rate): drop, as a queue would. */
			iov[0].iov_base = sink;
			iov[0].iov_len = sizeof(sink);
			memset(&msg[0], 0, sizeof(msg[0]));
			msg[0].msg_hdr.msg_iov = &iov[0];
			msg[0].msg_hdr.msg_iovlen = 1;
			if (recvmmsg(ep->fd, msg, 1, MSG_DONTWAIT, NULL) < 1)
				return;
			n_in++;
			n_full++;
			continue;
		}
		n = 0;
		for (i = 0; i < BATCH; i++) {
			if (RING_BYTES - (size_t)(at - ring) < (size_t)(i + 1) * PKT_MAX ||
			    (ring_head > ring_tail && ring_head - ring_tail < (size_t)(i + 1) * PKT_MAX) ||
			    RING_BYTES - ring_used < (size_t)(i + 2) * PKT_MAX)
				break;
			iov[i].iov_base = at + (size_t)i * PKT_MAX;
			iov[i].iov_len = PKT_MAX;
			memset(&msg[i], 0, sizeof(msg[i]));
			msg[i].msg_hdr.msg_name = &from[i];
			msg[i].msg_hdr.msg_namelen = sizeof(from[i]);
			msg[i].msg_hdr.msg_iov = &iov[i];
			msg[i].msg_hdr.msg_iovlen = 1;
			n++;
		}
		if (n == 0)
			n = 1;	/* ring_reserve promised room for one */
		if ((n = recvmmsg(ep->fd, msg, (unsigned int)n, MSG_DONTWAIT, NULL)) < 1)
			return;
		t = now();
		for (i = 0; i < n; i++) {
			/* Move datagram i down to the ring's tail (a no-op for the first). */
			if (ring + ring_tail != (uint8_t *)iov[i].iov_base)
				memmove(ring + ring_tail, iov[i].iov_base, msg[i].msg_len);
			switch (ep->kind) {
			case EP_LISTEN:
				if ((s = session_get(&from[i], t)) != NULL)
					forward(s->up.fd, &server_sa, msg[i].msg_len, s->nup++ < spare, t);
				break;
			case EP_UP:
				ep->s->seen = t;
				if ((down = session_down(ep->s, &from[i])) != NULL)
					forward(down->fd, &ep->s->client, msg[i].msg_len,
					    ep->s->ndownpkts++ < spare, t);
				break;
			case EP_DOWN:
				ep->s->seen = t;
				forward(ep->s->up.fd, &ep->server, msg[i].msg_len,
				    ep->s->nup++ < spare, t);
				break;
			}
		}
		if (delay == 0)
			release(t);
		if (n < BATCH)
			return;
	}
}

static void
onsig(int sig)
{
	quit = 1;
}

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: udprelay [-D usec] [-F count] [-L pct] [-U pct] [-R pct] "
	    "[-S seed] [-T secs] [-P pidfile] listen-addr:port server-addr:port\n");
	exit(2);
}

int
main(int argc, char *argv[])
{
	struct epoll_event	 evs[64];
	struct rusage		 ru;
	struct timespec		 ts;
	const char		*pidfile = NULL;
	double			 limit = 600;
	int64_t			 end, t, due, wait;
	long			 seed = 1;
	FILE			*fp;
	int			 ch, n, i;

	while ((ch = getopt(argc, argv, "D:F:L:U:R:S:T:P:")) != -1) {
		switch (ch) {
		case 'D': delay = (int64_t)(atof(optarg) * 1000); break;
		case 'F': spare = strtoul(optarg, NULL, 10); break;
		case 'L': loss = atof(optarg); break;
		case 'U': duplicate = atof(optarg); break;
		case 'R': reorder = atof(optarg); break;
		case 'S': seed = atol(optarg); break;
		case 'T': limit = atof(optarg); break;
		case 'P': pidfile = optarg; break;
		default: usage();
		}
	}
	if (argc - optind != 2 || parse_addr(argv[optind], &listen_sa) == -1 ||
	    parse_addr(argv[optind + 1], &server_sa) == -1 || limit <= 0 || limit > 3600 ||
	    delay < 0 || delay > 1000000000)
		usage();
	srand48(seed);
	prctl(PR_SET_TIMERSLACK, 1UL);	/* 200 us delays need a precise sleep */
	signal(SIGTERM, onsig);
	signal(SIGINT, onsig);
	if ((ring = malloc(RING_BYTES)) == NULL) {
		perror("udprelay: ring");
		return 1;
	}
	if ((epfd = epoll_create1(EPOLL_CLOEXEC)) == -1) {
		perror("udprelay: epoll");
		return 1;
	}
	lep.kind = EP_LISTEN;
	if (udp_socket(&listen_sa, &lep) == -1) {
		perror("udprelay: bind");
		return 1;
	}
	if (pidfile != NULL && (fp = fopen(pidfile, "w")) != NULL) {
		fprintf(fp, "%d\n", (int)getpid());
		fclose(fp);
	}
	end = now() + (int64_t)(limit * 1e9);
	while (!quit && (t = now()) < end) {
		release(t);
		due = next_due();
		wait = due == -1 ? 200000000 : due - t;
		if (wait > end - t)
			wait = end - t;
		if (wait < 0)
			wait = 0;
		if (due != -1 && wait <= SPIN_NS) {
			/* Close to a due time: poll the sockets without sleeping. */
			wait = 0;
		}
		ts.tv_sec = (time_t)(wait / 1000000000);
		ts.tv_nsec = (long)(wait % 1000000000);
		if (wait > SPIN_NS) {
			/* Wake a little early and spin the rest: wake-ups are late, not early. */
			ts.tv_nsec -= SPIN_NS;
			if (ts.tv_nsec < 0) {
				ts.tv_sec--;
				ts.tv_nsec += 1000000000;
			}
		}
		if ((n = epoll_pwait2(epfd, evs, 64, &ts, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			perror("udprelay: epoll_pwait2");
			break;
		}
		for (i = 0; i < n; i++)
			readable(evs[i].data.ptr);
	}
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "udprelay: %lu in, %lu out, %lu dropped, %lu duplicated, %lu reordered, "
	    "%lu lost to full queues, %.1f us late on average (%.1f at most), %.2f s CPU\n",
	    n_in, n_out, n_drop, n_dup, n_reorder, n_full,
	    n_late ? (double)late_sum / n_late / 1e3 : 0.0, (double)late_max / 1e3,
	    ru.ru_utime.tv_sec + ru.ru_stime.tv_sec + (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
	return 0;
}
