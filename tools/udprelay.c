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
 */
#include <sys/epoll.h>
#include <sys/prctl.h>
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
	struct endpoint		 down[MAX_PORTS];	/* talk to the client */
	int			 ndown;
	double			 seen;
	unsigned long		 nup, ndownpkts;	/* packets relayed each way */
};

struct pkt {
	double			 due;
	uint64_t		 seq;
	int			 fd;
	struct sockaddr_in	 to;
	size_t			 len;
	uint8_t			 data[];
};

static struct sockaddr_in	 listen_sa, server_sa;
static struct endpoint		 lep;
static struct session		*sessions[MAX_SESSIONS];
static int			 nsessions, epfd;
static double			 delay, loss, duplicate, reorder;
static unsigned long		 spare;
static struct pkt		**heap;
static size_t			 nheap, capheap;
static uint64_t			 seqno;
static unsigned long		 n_in, n_out, n_drop, n_dup, n_reorder;
static volatile sig_atomic_t	 quit;

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
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

static void
send_now(int fd, const struct sockaddr_in *to, const uint8_t *data, size_t len)
{
	if (sendto(fd, data, len, 0, (const struct sockaddr *)to, sizeof(*to)) != -1)
		n_out++;
}

/* Forward a packet through the impairments: maybe drop it, delay it, send it twice. */
static void
forward(int fd, const struct sockaddr_in *to, const uint8_t *data, size_t len, int clean)
{
	struct pkt	*p;
	double		 extra = 0, t = now();
	int		 copies = 1, i;

	n_in++;
	if (!clean) {
		if (chance(loss)) {
			n_drop++;
			return;
		}
		if (chance(duplicate)) {
			n_dup++;
			copies = 2;
		}
		if (chance(reorder)) {
			n_reorder++;
			extra = delay * 2 + 0.0005;	/* lands after packets sent later */
		}
	}
	if (delay == 0 && extra == 0) {
		for (i = 0; i < copies; i++)
			send_now(fd, to, data, len);
		return;
	}
	for (i = 0; i < copies; i++) {
		if ((p = malloc(sizeof(*p) + len)) == NULL)
			abort();
		p->due = t + delay + extra + i * 0.00005;
		p->seq = seqno++;
		p->fd = fd;
		p->to = *to;
		p->len = len;
		memcpy(p->data, data, len);
		heap_push(p);
	}
}

static int
udp_socket(const struct sockaddr_in *bindto, struct endpoint *ep)
{
	struct epoll_event	 ev;
	int			 fd, sz = 4 << 20;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof(sz));
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

static void
session_free(int i)
{
	struct session	*s = sessions[i];
	int		 j;

	close(s->up.fd);
	for (j = 0; j < s->ndown; j++)
		close(s->down[j].fd);
	free(s);
	sessions[i] = sessions[--nsessions];
}

static struct session *
session_get(const struct sockaddr_in *client)
{
	struct sockaddr_in	 any = server_sa;
	struct session		*s;
	int			 i;
	double			 t = now();

	for (i = 0; i < nsessions; i++) {
		s = sessions[i];
		if (s->client.sin_addr.s_addr == client->sin_addr.s_addr &&
		    s->client.sin_port == client->sin_port) {
			s->seen = t;
			return s;
		}
	}
	/* Make room: drop sessions idle for 30 s, or the oldest. */
	for (i = 0; i < nsessions; i++)
		if (t - sessions[i]->seen > 30)
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
		if (s->down[i].server.sin_port == from->sin_port &&
		    s->down[i].server.sin_addr.s_addr == from->sin_addr.s_addr)
			return &s->down[i];
	if (s->ndown == MAX_PORTS) {
		close(s->down[0].fd);
		memmove(&s->down[0], &s->down[1], sizeof(s->down[0]) * (MAX_PORTS - 1));
		s->ndown--;
		for (i = 0; i < s->ndown; i++) {	/* the epoll pointers moved */
			struct epoll_event ev = { .events = EPOLLIN, .data.ptr = &s->down[i] };
			epoll_ctl(epfd, EPOLL_CTL_MOD, s->down[i].fd, &ev);
		}
	}
	ep = &s->down[s->ndown];
	memset(ep, 0, sizeof(*ep));
	ep->kind = EP_DOWN;
	ep->s = s;
	ep->server = *from;
	any.sin_port = 0;
	if (udp_socket(&any, ep) == -1) {
		perror("udprelay: client-facing socket");
		return NULL;
	}
	s->ndown++;
	return ep;
}

static void
readable(struct endpoint *ep)
{
	static uint8_t		 buf[PKT_MAX];
	struct sockaddr_in	 from;
	socklen_t		 fl;
	struct session		*s;
	struct endpoint		*down;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 256; i++) {
		fl = sizeof(from);
		n = recvfrom(ep->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
		if (n == -1)
			return;
		switch (ep->kind) {
		case EP_LISTEN:
			if ((s = session_get(&from)) != NULL)
				forward(s->up.fd, &server_sa, buf, (size_t)n, s->nup++ < spare);
			break;
		case EP_UP:
			ep->s->seen = now();
			if ((down = session_down(ep->s, &from)) != NULL)
				forward(down->fd, &ep->s->client, buf, (size_t)n,
				    ep->s->ndownpkts++ < spare);
			break;
		case EP_DOWN:
			ep->s->seen = now();
			forward(ep->s->up.fd, &ep->server, buf, (size_t)n, ep->s->nup++ < spare);
			break;
		}
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
	struct timespec		 ts;
	struct pkt		*p;
	const char		*pidfile = NULL;
	double			 limit = 600, end, t, wait;
	long			 seed = 1;
	FILE			*fp;
	int			 ch, n, i;

	while ((ch = getopt(argc, argv, "D:F:L:U:R:S:T:P:")) != -1) {
		switch (ch) {
		case 'D': delay = atof(optarg) / 1e6; break;
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
	    parse_addr(argv[optind + 1], &server_sa) == -1 || limit <= 0 || limit > 3600)
		usage();
	srand48(seed);
	prctl(PR_SET_TIMERSLACK, 1UL);	/* 200 us delays need a precise sleep */
	signal(SIGTERM, onsig);
	signal(SIGINT, onsig);
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
	end = now() + limit;
	while (!quit && (t = now()) < end) {
		while (nheap > 0 && heap[0]->due <= t) {
			p = heap_pop();
			send_now(p->fd, &p->to, p->data, p->len);
			free(p);
		}
		wait = nheap > 0 ? heap[0]->due - t : 0.2;
		if (wait > end - t)
			wait = end - t;
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		if ((n = epoll_pwait2(epfd, evs, 64, &ts, NULL)) == -1) {
			if (errno == EINTR)
				continue;
			perror("udprelay: epoll_pwait2");
			break;
		}
		for (i = 0; i < n; i++)
			readable(evs[i].data.ptr);
	}
	fprintf(stderr, "udprelay: %lu in, %lu out, %lu dropped, %lu duplicated, %lu reordered\n",
	    n_in, n_out, n_drop, n_dup, n_reorder);
	return 0;
}
