/*
 * tftpd.c: read-only TFTP server for network boot (RFC 1350, 2347, 2348,
 * 2349, 7440). One process: the listening socket takes requests, each
 * read becomes a transfer with its own socket (xfer.c), and what a request
 * names is found in the database or under the served roots (source.c).
 */
#include "config.h"

#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ratelim.h"
#include "tftpd.h"
#include "xmalloc.h"

#define TFTPD_PORT		69
#define TFTPD_RQ_MAX		2048	/* longest request read (RFC 2347 asks for <= 512) */
#define TFTPD_WARN_PER_SEC	20	/* per-packet warnings logged each second */
#define TFTPD_MTU_TTL		10.0	/* seconds an interface MTU is cached */
#define SD_LISTEN_FDS_START	3

static void	tftpd_exit(struct tftpd *);

static void __attribute__((__noreturn__))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: tftpd [-dhnv] [-D database] [-f file] [-l address] [-p port] "
	    "[directory ...]\n");
	exit(status);
}

double
tftpd_now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Log a per-packet warning, at most TFTPD_WARN_PER_SEC a second. */
void
tftpd_warn(struct tftpd *td, const char *fmt, ...)
{
	char	 buf[512];
	va_list	 ap;

	if (!nb_rate_log(&td->warn, TFTPD_WARN_PER_SEC))
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_warnx("%s", buf);
}

/* Answer a request with an ERROR from a new port, as a transfer would (RFC 1350 §4). */
void
tftpd_send_error(struct tftpd *td, const struct tftpd_peer *p, int code, const char *msg)
{
	const union nb_sockaddr	*to = &p->addr;
	uint8_t			 pkt[256];
	size_t			 len;
	int			 s;

	len = tftp_errpkt(pkt, sizeof(pkt), code, msg);
	/* p->local has port 0: a new port, in the client's family. */
	if ((s = socket(p->local.sa.sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1 ||
	    bind(s, &p->local.sa, nb_sa_len(&p->local)) == -1) {
		if (s != -1)
			close(s);
		s = -1;
		to = &p->from;	/* from the listening socket, in its family */
	}
	if (sendto(s != -1 ? s : td->lfd, pkt, len, MSG_DONTWAIT, &to->sa, nb_sa_len(to)) == -1)
		log_debug("%s: error to %s: %s", __func__, p->ip, strerror(errno));
	if (s != -1)
		close(s);
}

/* The MTU of the interface a request came in on (the mtu key wins), cached briefly. */
static unsigned int
tftpd_mtu(struct tftpd *td, int ifindex, unsigned int overhead)
{
	static struct { int ifindex; unsigned int mtu; double at; } cache[16];
	struct ifreq	 ifr;
	double		 now = tftpd_now();
	unsigned int	 mtu = 1500;
	size_t		 i, slot = 0;

	if (td->mtu != 0)
		return td->mtu;
	for (i = 0; i < sizeof(cache) / sizeof(cache[0]); i++) {
		if (cache[i].ifindex == ifindex && cache[i].at > now - TFTPD_MTU_TTL)
			return cache[i].mtu;
		if (cache[i].at < cache[slot].at)
			slot = i;
	}
	memset(&ifr, 0, sizeof(ifr));
	if (ifindex > 0 && if_indextoname((unsigned int)ifindex, ifr.ifr_name) != NULL &&
	    ioctl(td->lfd, SIOCGIFMTU, &ifr) == 0 && ifr.ifr_mtu > (int)overhead)
		mtu = (unsigned int)ifr.ifr_mtu;
	cache[slot].ifindex = ifindex;
	cache[slot].mtu = mtu;
	cache[slot].at = now;
	return mtu;
}

#define TFTPD_ERR_PER_SOURCE	20	/* tftp-error events per source */
#define TFTPD_ERR_TOTAL		200	/* of all (UDP is spoofed) */
#define TFTPD_ERR_WINDOW_MS	60000

/* Refuse a request: a log line, an ERROR, an event unless rate-limited. */
static void
tftpd_refuse(struct tftpd *td, struct tftpd_peer *p, const char *name, int code,
    const char *msg, const char *why)
{
	static struct nb_ratelim	 lim;

	if (lim.window_ms == 0)
		nb_ratelim_init(&lim, TFTPD_ERR_PER_SOURCE, TFTPD_ERR_TOTAL,
		    TFTPD_ERR_WINDOW_MS);
	log_info("%s from %s refused: %s", name, p->ip, why);
	tftpd_send_error(td, p, code, msg);
	if (nb_ratelim_hit(&lim, p->ip, nb_monotonic_ms()))
		nb_evq_push(td->d->evq, p->mac, "tftp-error", p->ip,
		    "%s: %s (error %d)", name, why, code);
}

/* One request from the listening socket. */
static void
tftpd_request(struct tftpd *td, uint8_t *pkt, size_t len, struct tftpd_peer *p)
{
	struct tftp_req		 req;
	struct tftp_limits	 lim;
	struct tftp_opts	 opts;
	struct tftpd_src	 src;
	struct tftpd_fail	 fail;
	struct xfer		*old;
	char			 path[TFTPD_NAME_MAX], name[TFTPD_NAME_MAX];
	const char		*why;
	unsigned int		 mtu, overhead;
	int			 rc;

	if ((rc = tftp_req_parse(pkt, len, &req, &why)) == -1) {
		tftpd_warn(td, "dropped packet from %s: %s", p->ip, why);
		return;
	}
	if (rc != 0) {
		tftpd_warn(td, "bad request from %s: %s", p->ip, why);
		tftpd_send_error(td, p, rc, why);
		return;
	}
	log_safe(name, sizeof(name), req.file, strlen(req.file));
	if (req.op == TFTP_WRQ) {
		tftpd_peer_identify(td, p);
		tftpd_refuse(td, p, name, TFTP_EACCESS, "Read-only server", "write request");
		return;
	}
	if (strlcpy(path, req.file, sizeof(path)) >= sizeof(path)) {
		tftpd_refuse(td, p, "(long name)", TFTP_ENOTFOUND, "File not found",
		    "file name too long");
		return;
	}
	if (tftpd_path_clean(path, td->lowercase) == -1) {
		tftpd_peer_identify(td, p);
		tftpd_refuse(td, p, name, TFTP_EACCESS, "Access violation", "path with ..");
		return;
	}
	log_safe(name, sizeof(name), path, strlen(path));
	/* A client that did not hear us yet asks again from the same port: not a new transfer. */
	if ((old = xfer_find(td, &p->addr)) != NULL) {
		if (xfer_is_retry(old, name)) {
			log_debug("%s: repeated request for %s from %s", __func__, name, p->ip);
			return;
		}
		xfer_abort(old, -1, "superseded by a new request from the same port");
	}
	if (td->nxfers >= td->max_transfers) {
		/* Silence: the client asks again in a moment, an ERROR would end its boot. */
		tftpd_warn(td, "busy (max_transfers %u): dropped request for %s from %s",
		    td->max_transfers, name, p->ip);
		return;
	}
	if (xfer_count_addr(td, &p->addr) >= td->max_per_addr) {
		/* One address must not take every slot: silence, as above. */
		tftpd_warn(td, "%s has %u transfers "
		    "(max_transfers_per_address): dropped request for %s",
		    p->ip, td->max_per_addr, name);
		return;
	}
	tftpd_peer_identify(td, p);
	if (tftpd_src_open(td, p, path, &src, &fail) == -1) {
		tftpd_refuse(td, p, name, fail.code, fail.msg, fail.why);
		return;
	}
	/*
	 * RFC 2348 blocks must not fragment: many boot ROMs cannot reassemble.
	 * An IPv6 header is 20 bytes longer (tftpd(8), Protocol: MTU - 52).
	 */
	overhead = p->addr.sa.sa_family == AF_INET6 ? TFTPD_IPV6_OVERHEAD : TFTP_IPV4_OVERHEAD;
	mtu = tftpd_mtu(td, p->ifindex, overhead);
	lim.blksize_max = td->blksize_max;
	if (mtu > overhead && mtu - overhead < lim.blksize_max)
		lim.blksize_max = mtu - overhead;
	lim.window_max = td->window_max;
	lim.refuse = td->refuse;
	lim.tsize = req.mode == TFTP_OCTET ? src.size : -1;
	tftp_negotiate(&req, &lim, &opts);
	/*
	 * RFC 2349 lets the server only echo the timeout or leave it out: one
	 * above timeout_max is left out, so a client cannot make us keep a
	 * slot for minutes (timeout 255) and the timeout key applies.
	 */
	if (opts.timeout > td->timeout_max) {
		log_debug("%s: %s from %s: timeout %u over timeout_max %u, "
		    "left out", __func__, name, p->ip, opts.timeout,
		    td->timeout_max);
		opts.timeout = 0;
		opts.accepted &= ~(1u << TFTP_OPT_TIMEOUT);
	}
	if (req.nunknown > 0 || req.garbage > 0)
		log_debug("%s: %s from %s: %d unknown options, %d bytes of trailing garbage "
		    "ignored", __func__, name, p->ip, req.nunknown, req.garbage);
	xfer_start(td, p, name, &req, &opts, &src);
}

/*
 * Fill in who sent a request and where it arrived, from the control
 * messages: IP_PKTINFO for IPv4 (also on the dual-stack socket, where its
 * ipi_spec_dst is our address even for a broadcast), IPV6_PKTINFO for IPv6.
 * The reply comes from that address (tftpd(8), Protocol), in the client's
 * family.
 */
static void
tftpd_peer_from(struct tftpd *td, struct msghdr *msg, struct tftpd_peer *p)
{
	struct cmsghdr		*cm;
	struct in_pktinfo	*pi;
	struct in6_pktinfo	*pi6;
	struct in_addr		 dst4 = td->lsa.sa.sa_family == AF_INET ?
	    td->lsa.sin.sin_addr : (struct in_addr){ INADDR_ANY };
	struct in6_addr		 dst6 = td->lsa.sa.sa_family == AF_INET6 ?
	    td->lsa.sin6.sin6_addr : in6addr_any;

	p->ifindex = 0;
	for (cm = CMSG_FIRSTHDR(msg); cm != NULL; cm = CMSG_NXTHDR(msg, cm)) {
		if (cm->cmsg_level == IPPROTO_IP && cm->cmsg_type == IP_PKTINFO) {
			pi = (struct in_pktinfo *)(void *)CMSG_DATA(cm);
			p->ifindex = pi->ipi_ifindex;
			if (pi->ipi_spec_dst.s_addr != INADDR_ANY)
				dst4 = pi->ipi_spec_dst;
		} else if (cm->cmsg_level == IPPROTO_IPV6 && cm->cmsg_type == IPV6_PKTINFO) {
			pi6 = (struct in6_pktinfo *)(void *)CMSG_DATA(cm);
			p->ifindex = (int)pi6->ipi6_ifindex;
			dst6 = pi6->ipi6_addr;
		}
	}
	p->addr = p->from;
	nb_sa_unmap(&p->addr);
	memset(&p->local, 0, sizeof(p->local));
	if (p->addr.sa.sa_family == AF_INET6) {
		p->local.sin6.sin6_family = AF_INET6;
		p->local.sin6.sin6_addr = dst6;
		/* A link-local address means nothing without its interface. */
		if (IN6_IS_ADDR_LINKLOCAL(&dst6))
			p->local.sin6.sin6_scope_id = (uint32_t)p->ifindex;
	} else {
		p->local.sin.sin_family = AF_INET;
		p->local.sin.sin_addr = dst4;
	}
	nb_sa_ntop(&p->addr.sa, p->ip, sizeof(p->ip));
	p->mac[0] = '\0';
}

static void
tftpd_listen_cb(evutil_socket_t fd, short what, void *arg)
{
	static uint8_t		 pkt[TFTPD_RQ_MAX + 1];
	struct tftpd		*td = arg;
	struct tftpd_peer	 p;
	struct msghdr		 msg;
	struct iovec		 iov;
	union {
		struct cmsghdr	 hdr;
		uint8_t		 buf[CMSG_SPACE(sizeof(struct in_pktinfo)) +
		    CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cmsg;
	ssize_t			 n;
	int			 i;

	for (i = 0; i < 64; i++) {
		memset(&p, 0, sizeof(p));
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = pkt;
		iov.iov_len = TFTPD_RQ_MAX;
		msg.msg_name = &p.from;
		msg.msg_namelen = sizeof(p.from);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cmsg.buf;
		msg.msg_controllen = sizeof(cmsg.buf);
		if ((n = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("%s: recvmsg", __func__);
			return;
		}
		tftpd_peer_from(td, &msg, &p);
		if ((p.addr.sa.sa_family != AF_INET && p.addr.sa.sa_family != AF_INET6) ||
		    nb_sa_port(&p.addr.sa) == 0) {
			tftpd_warn(td, "dropped packet from %s: no reply port", p.ip);
			continue;
		}
		if (msg.msg_flags & MSG_TRUNC) {
			tftpd_warn(td, "dropped packet from %s: longer than %d bytes", p.ip,
			    TFTPD_RQ_MAX);
			continue;
		}
		tftpd_request(td, pkt, (size_t)n, &p);
	}
}

/* Take the socket systemd passed (LISTEN_FDS), or -1. */
static int
tftpd_socket_activated(void)
{
	const char	*pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	const char	*errstr;
	int		 type;
	socklen_t	 len = sizeof(type);

	if (pid == NULL || fds == NULL ||
	    strtonum(pid, 1, INT_MAX, &errstr) != (long long)getpid() ||
	    strtonum(fds, 1, 64, &errstr) < 1)
		return -1;
	unsetenv("LISTEN_PID");
	unsetenv("LISTEN_FDS");
	unsetenv("LISTEN_FDNAMES");
	if (getsockopt(SD_LISTEN_FDS_START, SOL_SOCKET, SO_TYPE, &type, &len) == -1 ||
	    type != SOCK_DGRAM)
		fatalx("LISTEN_FDS: descriptor %d is not a datagram socket", SD_LISTEN_FDS_START);
	fcntl(SD_LISTEN_FDS_START, F_SETFD, FD_CLOEXEC);
	return SD_LISTEN_FDS_START;
}

/*
 * Bind the listening socket (or take the one systemd passed) before
 * privileges go. The default "::" is dual-stack: IPv4 clients arrive as
 * ::ffff:a.b.c.d and are served as IPv4 (tftpd_peer_from).
 */
static void
tftpd_listen(struct tftpd *td)
{
	socklen_t		 len = sizeof(td->lsa);
	const char		*addr = nb_daemon_listen(td->d, "::");
	int			 on = 1, port = nb_daemon_port(td->d, "port", TFTPD_PORT);

	free(td->lconf);
	td->lconf = xstrdup(addr);
	if ((td->lfd = tftpd_socket_activated()) == -1 &&
	    (td->lfd = nb_bind(addr, SOCK_DGRAM, port)) == -1)
		fatal("bind %s port %d", addr, port);
	if (getsockname(td->lfd, &td->lsa.sa, &len) == -1 ||
	    (td->lsa.sa.sa_family != AF_INET && td->lsa.sa.sa_family != AF_INET6))
		fatalx("the listening socket is neither IPv4 nor IPv6");
	/*
	 * The address and interface each request arrived on: IP_PKTINFO for
	 * IPv4 (on an AF_INET6 socket too, for its IPv4-mapped side), and
	 * IPV6_RECVPKTINFO for IPv6.
	 */
	if (setsockopt(td->lfd, IPPROTO_IP, IP_PKTINFO, &on, sizeof(on)) == -1)
		fatal("IP_PKTINFO");
	if (td->lsa.sa.sa_family == AF_INET6 &&
	    setsockopt(td->lfd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &on, sizeof(on)) == -1)
		fatal("IPV6_RECVPKTINFO");
	evutil_make_socket_nonblocking(td->lfd);
	nb_sa_ntop(&td->lsa.sa, td->laddr, sizeof(td->laddr));
	td->lport = nb_sa_port(&td->lsa.sa);
	td->ev_listen = event_new(td->d->base, td->lfd, EV_READ | EV_PERSIST, tftpd_listen_cb, td);
	if (td->ev_listen == NULL || event_add(td->ev_listen, NULL) == -1)
		fatalx("cannot watch the listening socket");
	log_info("listening on %s port %d", td->laddr, td->lport);
}

/* Read the [tftpd] limits; defaults are in tftpd(8). */
static void
tftpd_conf(struct tftpd *td)
{
	static const char *const optkeys[TFTP_OPT_MAX] = {
		[TFTP_OPT_BLKSIZE] = "option_blksize", [TFTP_OPT_TSIZE] = "option_tsize",
		[TFTP_OPT_TIMEOUT] = "option_timeout", [TFTP_OPT_WINDOWSIZE] = "option_windowsize",
	};
	const struct nb_conf	*c = td->d->conf;
	const char		*v;
	struct rlimit		 rl;
	int			 o;

	td->max_transfers = (unsigned int)nb_conf_getnum(c, "tftpd", "max_transfers", 1000);
	td->blksize_max = (unsigned int)nb_conf_getnum(c, "tftpd", "blksize_max", TFTP_BLKSIZE_MAX);
	td->window_max = (unsigned int)nb_conf_getnum(c, "tftpd", "windowsize_max", 64);
	td->retries = (unsigned int)nb_conf_getnum(c, "tftpd", "retries", 8);
	td->timeout = (unsigned int)nb_conf_getnum(c, "tftpd", "timeout", 8);
	/* Limits that hold under attack (netboot(7)). */
	td->timeout_max = (unsigned int)nb_conf_getnum(c, "tftpd",
	    "timeout_max", 10);
	td->max_per_addr = (unsigned int)nb_conf_getnum(c, "tftpd",
	    "max_transfers_per_address", 8);
	td->retries_silent = (unsigned int)nb_conf_getnum(c, "tftpd",
	    "retries_silent", 2);
	td->mtu = (unsigned int)nb_conf_getnum(c, "tftpd", "mtu", 0);
	td->transfer_timeout = (unsigned int)nb_conf_getnum(c, "tftpd", "transfer_timeout", 600);
	td->grace = (unsigned int)nb_conf_getnum(c, "tftpd", "shutdown_grace", 5);
	td->lowercase = (v = nb_conf_get(c, "tftpd", "lowercase")) != NULL && strcmp(v, "yes") == 0;
	td->http_port = (int)nb_conf_getnum(c, NULL, "http_port",
	    nb_conf_getnum(c, "bootweb", "port", 8080));
	td->refuse = 0;
	for (o = 0; o < TFTP_OPT_MAX; o++)
		if ((v = nb_conf_get(c, "tftpd", optkeys[o])) != NULL && strcmp(v, "no") == 0)
			td->refuse |= 1u << o;
	/* One descriptor per transfer (its socket) and one for its file. */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		if (rl.rlim_cur < rl.rlim_max) {
			rl.rlim_cur = rl.rlim_max;
			(void)setrlimit(RLIMIT_NOFILE, &rl);
			(void)getrlimit(RLIMIT_NOFILE, &rl);
		}
		if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < 2 * (rlim_t)td->max_transfers + 64) {
			td->max_transfers = rl.rlim_cur > 128 ? (unsigned int)(rl.rlim_cur - 64) / 2 : 32;
			log_warnx("max_transfers lowered to %u by the open files limit",
			    td->max_transfers);
		}
	}
}

static void
tftpd_reload(struct nb_daemon *d)
{
	struct tftpd	*td = d->ctx;
	const char	*addr = nb_daemon_listen(d, "::");

	tftpd_conf(td);
	tftpd_roots_close(td);
	tftpd_roots_open(td, 0);
	tftpd_vpaths_free(td);
	if (strcmp(addr, td->lconf) != 0 || nb_daemon_port(d, "port", TFTPD_PORT) != td->lport)
		log_warnx("the listen address and port change only on restart");
}

static void
tftpd_abort_all(struct tftpd *td, const char *why)
{
	struct xfer	*x;

	while ((x = TAILQ_FIRST(&td->xfers)) != NULL)
		xfer_abort(x, TFTP_EUNDEF, why);
}

static void
tftpd_grace_cb(evutil_socket_t fd, short what, void *arg)
{
	struct tftpd	*td = arg;

	log_info("%u transfers still running after %u s: ending them", td->nxfers, td->grace);
	tftpd_abort_all(td, "server shutting down");
	tftpd_exit(td);
}

/*
 * The database is opened on first use, not at startup: an idle tftpd never
 * maps SQLite's pages or its page cache (idle RSS), and a database that is
 * locked or missing for a moment costs a retry, not the daemon. The
 * skeleton's connection (nb_daemon_db) only reads; events go through its
 * write-behind queue, whose thread opens its own when it first writes.
 */
struct nb_db *
tftpd_db(struct tftpd *td)
{
	return nb_daemon_db(td->d);
}

/* Stop the loop; the skeleton then writes what is queued (nb_daemon_free). */
static void
tftpd_exit(struct tftpd *td)
{
	nb_daemon_exit(td->d);
}

void
tftpd_transfer_gone(struct tftpd *td)
{
	if (td->stopping && td->nxfers == 0)
		tftpd_exit(td);
}

/* SIGTERM: take no new requests; give in-flight transfers shutdown_grace seconds. */
static void
tftpd_shutdown(struct nb_daemon *d)
{
	struct tftpd	*td = d->ctx;
	struct timeval	 tv = { (time_t)td->grace, 0 };

	if (td->stopping) {
		tftpd_abort_all(td, "server shutting down");
		tftpd_exit(td);
		return;
	}
	td->stopping = 1;
	/* Closed, not just ignored: new requests get a port unreachable at once. */
	event_del(td->ev_listen);
	close(td->lfd);
	td->lfd = -1;
	if (td->nxfers == 0) {
		tftpd_exit(td);
		return;
	}
	log_info("letting %u transfers finish (up to %u s)", td->nxfers, td->grace);
	td->ev_grace = evtimer_new(d->base, tftpd_grace_cb, td);
	if (td->ev_grace == NULL || evtimer_add(td->ev_grace, &tv) == -1)
		tftpd_grace_cb(-1, 0, td);
}

int
main(int argc, char *argv[])
{
	static struct tftpd	 td;
	struct nb_daemon	 d = { .name = "tftpd" };
	char			*abs;
	int			 i, rc;

	i = nb_daemon_getopt(&d, argc, argv, NULL, NULL, usage);
	td.operands = argv + i;
	td.noperands = argc - i;
	nb_daemon_config(&d);
	td.d = &d;
	d.ctx = &td;
	d.reload = tftpd_reload;
	d.shutdown = tftpd_shutdown;
	TAILQ_INIT(&td.xfers);
	for (i = 0; i < td.noperands; i++)	/* SIGHUP reopens them: make them absolute */
		if (td.operands[i][0] != '/' && (abs = realpath(td.operands[i], NULL)) != NULL)
			td.operands[i] = abs;
	tftpd_conf(&td);
	nb_daemon_init(&d);
	tftpd_listen(&td);
	tftpd_roots_open(&td, 1);
	nb_daemon_drop_privileges(&d);
	/*
	 * Checked now, opened at the first request that needs it (tftpd_db);
	 * the queue's writer is a process, leaving the loop single-threaded.
	 */
	nb_daemon_open_db(&d, NB_DAEMON_LAZY | NB_DAEMON_WQPROC, NULL);
	rc = nb_daemon_run(&d);
	tftpd_abort_all(&td, "server shutting down");
	if (td.ev_grace != NULL)
		event_free(td.ev_grace);
	event_free(td.ev_listen);
	if (td.lfd != -1)
		close(td.lfd);
	tftpd_roots_close(&td);
	tftpd_vpaths_free(&td);
	free(td.lconf);
	nb_daemon_free(&d);
	return rc;
}
