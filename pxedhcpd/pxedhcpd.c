/*
 * pxedhcpd.c: proxyDHCP for network boot (pxedhcpd(8), PROXY MODE).
 *
 * Two UDP sockets, both bound to the wildcard address so that broadcasts
 * arrive: port 67 (DISCOVERs, relayed requests) and port 4011 (the PXE
 * boot server requests of UEFI and some BIOS ROMs). IP_PKTINFO tells
 * which interface a request came in on and our address there; replies
 * leave by that interface. No raw sockets: the proxy never hands out an
 * address, so it never needs to unicast to a client without one.
 * A third socket, UDP 547 (dhcp6.c), serves DHCPv6 boot when enabled.
 * This file: flags, sockets, the receive loop. proxy.c decides and
 * answers from a policy (policy.c) that the thread of the skeleton's
 * write queue (libnetboot/wq.c, hooks in record.c) reads from the
 * database; the same thread writes what was seen. The loop never touches
 * the database.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dhcp6.h"
#include "pxedhcpd.h"
#include "xmalloc.h"

#define RX_BATCH	32		/* datagrams per recvmmsg */
#define RX_ROUNDS	16		/* recvmmsg calls per wakeup, so timers still run */
#define RX_BUFSZ	2048		/* larger datagrams are refused as oversized */
/*
 * The receive queue holds about 2 ms of work: under overload a request is
 * answered within milliseconds or dropped (its firmware asks again), never
 * answered after a long wait behind hundreds of others. The loop spends
 * about 8 us per DISCOVER, kernel included (tools/bench-pxedhcpd.sh,
 * per-thread CPU), and a DISCOVER takes about 1280 bytes of the socket's
 * buffer, which the kernel sizes at twice what is asked.
 */
#define RX_QUEUE	256		/* DISCOVERs queued at most: ~2 ms of work */
#define RX_TRUESIZE	1280		/* buffer bytes per queued DISCOVER */
#define RX_SOCKBUF	(RX_QUEUE * RX_TRUESIZE / 2)
/*
 * A request that still waited longer (the loop was off the CPU) is dropped
 * unanswered: under overload the CPU goes to requests that can be answered
 * in time; the dropped ones' firmware asks again (iPXE after 1 s, PXE
 * ROMs after 4 s: iPXE config/dhcp.h). 500 ms, not less: an answer that
 * late still falls inside iPXE's 2 s ProxyDHCP wait and EDK2's ~4 s offer
 * collection, while dropping it costs the client a retry of 1 to 4 s. At
 * 20 ms a daemon merely descheduled on a busy host (seen in make check,
 * beside a QEMU) dropped a lone request.
 */
#define RX_STALE_MSEC	500
#define WARN_PER_SEC	20		/* malformed-packet log lines per second */

static struct pxedhcpd	 px;

static void __attribute__((__noreturn__))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: pxedhcpd [-dhnv] [-D database] [-f file] [-i interface] "
	    "[-l address] [-p port] [-P proxy-port] [-w http-port]\n");
	exit(status);
}

/* Remember an interface name; resolve_interfaces() turns it into an index once logging is up. */
static int
add_interface(struct pxedhcpd *x, const char *name)
{
	if (x->nif == PXEDHCPD_MAXIF || strlen(name) >= IF_NAMESIZE)
		return -1;
	strlcpy(x->ifname[x->nif++], name, sizeof(x->ifname[0]));
	return 0;
}

static void
resolve_interfaces(struct pxedhcpd *x)
{
	unsigned int	 idx;
	int		 i;

	for (i = 0; i < x->nif; i++) {
		if ((idx = if_nametoindex(x->ifname[i])) == 0)
			fatalx("interface %s: %s", x->ifname[i], strerror(errno));
		x->ifindex[i] = (int)idx;
	}
}

static void
conf_interface(const char *v, void *arg)
{
	if (add_interface(arg, v) == -1)
		fatalx("interface %s: name too long or more than %d interfaces", v,
		    PXEDHCPD_MAXIF);
}

static int
extra_flag(struct nb_daemon *d, int ch, const char *arg)
{
	struct pxedhcpd	*x = d->ctx;
	const char	*errstr;

	switch (ch) {
	case 'i':
		if (add_interface(x, arg) == -1) {
			fprintf(stderr, "pxedhcpd: -i %s: name too long or more than %d "
			    "interfaces\n", arg, PXEDHCPD_MAXIF);
			return -1;
		}
		return 0;
	case 'P':
	case 'w':
		(ch == 'P' ? &x->port4011 : &x->http_port)[0] =
		    (int)strtonum(arg, 1, 65535, &errstr);
		x->http_port_flag |= ch == 'w';
		if (errstr != NULL) {
			fprintf(stderr, "pxedhcpd: -%c %s: port is %s\n", ch, arg, errstr);
			return -1;
		}
		return 0;
	}
	return -1;
}

/* -l ADDR: serve only the interface that holds ADDR, and answer as ADDR there. */
static void
listen_interface(struct pxedhcpd *x, const char *addr)
{
	struct ifaddrs	*ifa, *i;

	if (nb_ip_parse(addr, &x->listen_addr) == -1)
		fatalx("listen %s: not an IPv4 address", addr);
	if (getifaddrs(&ifa) == -1)
		fatal("getifaddrs");
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET &&
		    ((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr == x->listen_addr.s_addr)
			x->listen_ifindex = (int)if_nametoindex(i->ifa_name);
	freeifaddrs(ifa);
	if (x->listen_ifindex == 0)
		fatalx("listen %s: no interface has this address", addr);
}

static int
sock_open(int port)
{
	struct sockaddr_in	 sin;
	int			 fd, one = 1, size = RX_SOCKBUF;

	if ((fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		fatal("socket");
	if (setsockopt(fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) == -1)
		fatal("setsockopt");
	/* Below net.core.rmem_max, so the kernel grants it (doubled for its overhead). */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size)) == -1)
		log_warn("receive buffer of %d bytes", size);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1)
		fatal("bind UDP port %d", port);
	return fd;
}

int
rx_interface_ok(const struct pxedhcpd *x, int ifindex)
{
	int	 i;

	if (x->listen_ifindex != 0 && ifindex != x->listen_ifindex)
		return 0;
	if (x->nif == 0)
		return 1;
	for (i = 0; i < x->nif; i++)
		if (x->ifindex[i] == ifindex)
			return 1;
	return 0;
}

/* One log line per malformed datagram, at most WARN_PER_SEC a second. */
static void
rx_malformed(struct pxedhcpd *x, const struct request *rq, size_t len,
    const char *why)
{
	static struct nb_rate	 lines;
	char			 safe[256];

	x->malformed++;
	if (!nb_rate_log(&lines, WARN_PER_SEC))
		return;
	log_warnx("dropped %zu-byte datagram from %s:%d (port %d): %s", len,
	    inet_ntoa(rq->from.sin_addr), ntohs(rq->from.sin_port), rq->port,
	    log_safe(safe, sizeof(safe), why, strlen(why)));
}

/* Under overload, a request that waited too long is dropped: its firmware asks again. */
static int
rx_stale(struct pxedhcpd *x, const struct timespec *ts)
{
	int64_t	 age;

	age = (x->now - (int64_t)ts->tv_sec) * 1000 +
	    ((int64_t)(x->now_ts * 1000) % 1000) - ts->tv_nsec / 1000000;
	if (age <= RX_STALE_MSEC)
		return 0;
	x->stale++;
	if (nb_rate_log(&x->stale_log, 1))
		log_warnx("overloaded: %llu requests older than %d ms dropped "
		    "so far", (unsigned long long)x->stale, RX_STALE_MSEC);
	return 1;
}

static void
rx_one(struct pxedhcpd *x, struct request *rq, struct msghdr *msg, const uint8_t *buf,
    size_t len)
{
	struct cmsghdr		*cmsg;
	struct in_pktinfo	*pi;
	struct timespec		 ts;
	char			 why[128];

	rq->ifindex = 0;
	rq->local.s_addr = 0;
	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL; cmsg = CMSG_NXTHDR(msg, cmsg))
		if (cmsg->cmsg_level == IPPROTO_IP && cmsg->cmsg_type == IP_PKTINFO) {
			pi = (struct in_pktinfo *)CMSG_DATA(cmsg);
			rq->ifindex = pi->ipi_ifindex;
			rq->local = pi->ipi_spec_dst;
		} else if (cmsg->cmsg_level == SOL_SOCKET && cmsg->cmsg_type == SO_TIMESTAMPNS) {
			memcpy(&ts, CMSG_DATA(cmsg), sizeof(ts));
			if (rx_stale(x, &ts))
				return;
		}
	if (!rx_interface_ok(x, rq->ifindex))
		return;
	if (x->listen_ifindex != 0)
		rq->local = x->listen_addr;
	if (msg->msg_flags & MSG_TRUNC) {
		rx_malformed(x, rq, len, "oversized");
		return;
	}
	if (dhcp_parse(&rq->pkt, buf, len, why, sizeof(why)) == -1) {
		rx_malformed(x, rq, len, why);
		return;
	}
	proxy_handle(x, rq);
}

/* The receive batch: buffers and headers set up once, reused by every recvmmsg. */
static struct {
	uint8_t			 buf[RX_BATCH][RX_BUFSZ];
	char			 cbuf[RX_BATCH][CMSG_SPACE(sizeof(struct in_pktinfo)) +
				    CMSG_SPACE(sizeof(struct timespec)) + 64];
	struct mmsghdr		 msgs[RX_BATCH];
	struct iovec		 iov[RX_BATCH];
	struct sockaddr_in	 from[RX_BATCH];
} rxq;

static void
rx_init(void)
{
	int	 i;

	for (i = 0; i < RX_BATCH; i++) {
		rxq.iov[i].iov_base = rxq.buf[i];
		rxq.iov[i].iov_len = RX_BUFSZ;
		rxq.msgs[i].msg_hdr.msg_name = &rxq.from[i];
		rxq.msgs[i].msg_hdr.msg_namelen = sizeof(rxq.from[i]);
		rxq.msgs[i].msg_hdr.msg_iov = &rxq.iov[i];
		rxq.msgs[i].msg_hdr.msg_iovlen = 1;
		rxq.msgs[i].msg_hdr.msg_control = rxq.cbuf[i];
		rxq.msgs[i].msg_hdr.msg_controllen = sizeof(rxq.cbuf[i]);
	}
}

/* The time of a receive batch: events and the once-a-second coalescing use it. */
void
rx_clock(struct pxedhcpd *x)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	x->now = (int64_t)ts.tv_sec;
	x->now_ts = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
rx(evutil_socket_t fd, short events, void *arg)
{
	static struct request	 rq;
	struct pxedhcpd		*x = arg;
	struct msghdr		*h;
	int			 i, n, round;

	/* A policy built after another process committed takes over between batches. */
	x->pol = feed_take(x->feed);
	rq.port = fd == x->fd4011 ? x->port4011 : x->port67;
	for (round = 0; round < RX_ROUNDS; round++) {
		if ((n = recvmmsg(fd, rxq.msgs, RX_BATCH, MSG_DONTWAIT, NULL)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("recvmmsg");
			return;
		}
		rx_clock(x);
		for (i = 0; i < n; i++) {
			h = &rxq.msgs[i].msg_hdr;
			rq.from = rxq.from[i];
			rx_one(x, &rq, h, rxq.buf[i], rxq.msgs[i].msg_len);
			/* recvmmsg wrote these: give the next call the full sizes again. */
			h->msg_namelen = sizeof(rxq.from[i]);
			h->msg_controllen = sizeof(rxq.cbuf[i]);
		}
		proxy_flush(x);
		if (n < RX_BATCH)
			return;
	}
}

static void
prefix_add(const char *v, void *arg)
{
	struct policy_conf	*pc = arg;

	if (pc->prefixes[0] != '\0')
		strlcat(pc->prefixes, ",", sizeof(pc->prefixes));
	if (strlcat(pc->prefixes, v, sizeof(pc->prefixes)) >= sizeof(pc->prefixes))
		log_warnx("vendor prefixes longer than %zu bytes: truncated", sizeof(pc->prefixes));
}

/* What the writer thread needs from the configuration to build a policy. */
static void
policy_conf(struct pxedhcpd *x, struct policy_conf *pc)
{
	memset(pc, 0, sizeof(*pc));
	nb_conf_foreach(x->d->conf, "pxedhcpd", "vendor_prefix", prefix_add, pc);
	strlcpy(pc->datadir, x->datadir, sizeof(pc->datadir));
}

static void
reload(struct nb_daemon *d)
{
	struct pxedhcpd		*x = d->ctx;
	struct policy_conf	 pc;

	if (!x->http_port_flag)
		x->http_port = (int)nb_conf_getnum(d->conf, NULL, "http_port", 8080);
	/* The new policy takes over with a receive batch, tens of milliseconds later. */
	policy_conf(x, &pc);
	feed_reload(x->feed, &pc);
	record_wake(x->rec);
}

static void
setup(struct pxedhcpd *x, struct nb_daemon *d)
{
	const char	*l, *dd;
	char		*datadir;

	x->port67 = nb_daemon_port(d, "port", 67);
	if (x->port4011 == 0)
		x->port4011 = nb_daemon_port(d, "proxy_port", 4011);
	if (x->http_port == 0)
		x->http_port = (int)nb_conf_getnum(d->conf, NULL, "http_port", 8080);
	if (x->nif == 0)
		nb_conf_foreach(d->conf, "pxedhcpd", "interface", conf_interface, x);
	resolve_interfaces(x);
	if ((l = nb_daemon_listen(d, NULL)) != NULL)
		listen_interface(x, l);
	dd = nb_conf_get(d->conf, NULL, "datadir");
	datadir = nb_datadir(nb_daemon_dbpath(d), dd);
	strlcpy(x->datadir, datadir, sizeof(x->datadir));
	free(datadir);
	x->fd67 = sock_open(x->port67);
	x->fd4011 = sock_open(x->port4011);
	x->port547 = DHCP6_SERVER_PORT;
	dhcp6_srv_open(x);
}

int
main(int argc, char *argv[])
{
	struct nb_daemon	 d = { .name = "pxedhcpd" };
	struct pxedhcpd		*x = &px;
	struct policy_conf	 pc;
	int			 rc, i;

	x->d = &d;
	d.ctx = x;
	d.reload = reload;
	nb_daemon_getopt(&d, argc, argv, "i:P:w:", extra_flag, usage);
	if (optind != argc)
		usage(2);
	nb_daemon_config(&d);
	nb_daemon_init(&d);
	setup(x, &d);
	nb_daemon_drop_privileges(&d);
	policy_conf(x, &pc);
	x->feed = feed_new(&pc);
	x->rec = record_start(&d, x->feed);
	x->pol = feed_first(x->feed);
	x->coal = xcalloc(COAL_SLOTS, sizeof(*x->coal));
	rx_init();
	x->ev67 = event_new(d.base, x->fd67, EV_READ | EV_PERSIST, rx, x);
	x->ev4011 = event_new(d.base, x->fd4011, EV_READ | EV_PERSIST, rx, x);
	if (x->ev67 == NULL || x->ev4011 == NULL ||
	    event_add(x->ev67, NULL) == -1 || event_add(x->ev4011, NULL) == -1)
		fatalx("cannot set up the event loop");
	if (dhcp6_srv_start(x) == -1)
		fatalx("cannot set up the DHCPv6 event");
	for (i = 0; i < x->nif; i++)
		log_info("serving interface %s", x->ifname[i]);
	log_info("listening on UDP %d and %d, boot URLs on port %d", x->port67, x->port4011,
	    x->http_port);
	rc = nb_daemon_run(&d);
	log_info("answered %llu, ignored %llu, malformed %llu, stale %llu, unsent %llu",
	    (unsigned long long)x->answered, (unsigned long long)x->ignored,
	    (unsigned long long)x->malformed, (unsigned long long)x->stale,
	    (unsigned long long)x->send_dropped);
	record_stop(x->rec, &d);
	feed_free(x->feed);
	event_free(x->ev67);
	event_free(x->ev4011);
	close(x->fd67);
	close(x->fd4011);
	dhcp6_srv_stop(x);
	free(x->coal);
	nb_daemon_free(&d);
	return rc;
}
