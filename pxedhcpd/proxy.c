/*
 * proxy.c: one request in, at most one reply out. The decision (answer or
 * stay silent, and with what) follows PXE-FACTS §3 and §4; every decision
 * about a PXE client becomes an event, and every PXE client is recorded.
 * Static mode (netbootd parity) answers authoritatively for clients with a
 * static address and for nothing else.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

#define DHCP_CLIENT_PORT	68

struct delayed {
	struct pxedhcpd		*x;
	int			 fd, ifindex;
	struct in_addr		 src;
	struct sockaddr_in	 dst;
	size_t			 len;
	uint8_t			 buf[DHCP_MAX_REPLY];
};

/* Queue an event unless the same one was queued for this client in the same second. */
static void
proxy_event(struct pxedhcpd *x, struct client *c, const struct request *rq, const char *kind,
    const char *fmt, ...)
{
	char		 detail[200];
	va_list		 ap;
	uint32_t	 h = 2166136261u;
	int64_t		 now = nb_now();
	const char	*s;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	for (s = kind; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	for (s = detail; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	/* Firmware repeats a DISCOVER every second or so: one line per second is the story. */
	if (c != NULL && c->ev_sec == now && c->ev_hash == h)
		return;
	if (c != NULL) {
		c->ev_sec = now;
		c->ev_hash = h;
	}
	record_event(x->rec, rq->mac, kind, rq->ipstr, detail);
	log_debug("%s %s: %s", kind, rq->mac, detail);
}

/* Fill msg to send buf to dst from src; a broadcast leaves by ifindex, unicast is routed. */
static void
proxy_msg(struct msghdr *msg, struct iovec *iov, void *cbuf, size_t cbufsz, int ifindex,
    struct in_addr src, struct sockaddr_in *dst, void *buf, size_t len)
{
	struct in_pktinfo	*pi;
	struct cmsghdr		*cmsg;

	memset(msg, 0, sizeof(*msg));
	memset(cbuf, 0, cbufsz);
	iov->iov_base = buf;
	iov->iov_len = len;
	msg->msg_name = dst;
	msg->msg_namelen = sizeof(*dst);
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = cbuf;
	msg->msg_controllen = cbufsz;
	cmsg = CMSG_FIRSTHDR(msg);
	cmsg->cmsg_level = IPPROTO_IP;
	cmsg->cmsg_type = IP_PKTINFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	pi = (struct in_pktinfo *)CMSG_DATA(cmsg);
	if (dst->sin_addr.s_addr == INADDR_BROADCAST)
		pi->ipi_ifindex = ifindex;
	pi->ipi_spec_dst = src;
}

static int
proxy_sendmsg(int fd, int ifindex, struct in_addr src, struct sockaddr_in *dst,
    void *buf, size_t len)
{
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cm;
	struct msghdr		 msg;
	struct iovec		 iov;

	proxy_msg(&msg, &iov, cm.buf, sizeof(cm.buf), ifindex, src, dst, buf, len);
	return sendmsg(fd, &msg, 0) == -1 ? -1 : 0;
}

void
proxy_flush(struct pxedhcpd *x)
{
	struct txq	*q = &x->tx;
	int		 sent = 0, n;

	while (sent < q->n) {
		if ((n = sendmmsg(q->fd, q->msgs + sent, (unsigned)(q->n - sent), 0)) == -1) {
			/* The reply that failed is dropped; the rest still go. */
			if (errno != EAGAIN && errno != ENOBUFS)
				log_warn("send to %s:%d", inet_ntoa(q->dst[sent].sin_addr),
				    ntohs(q->dst[sent].sin_port));
			else if (x->send_dropped++ % 10000 == 0)
				log_warnx("send buffer full: %llu replies dropped so far",
				    (unsigned long long)x->send_dropped);
			n = 1;
		}
		sent += n;
	}
	q->n = 0;
}

static void
proxy_delayed(evutil_socket_t fd, short ev, void *arg)
{
	struct delayed	*dl = arg;

	if (proxy_sendmsg(dl->fd, dl->ifindex, dl->src, &dl->dst, dl->buf, dl->len) == -1)
		log_warn("send to %s:%d", inet_ntoa(dl->dst.sin_addr), ntohs(dl->dst.sin_port));
	free(dl);
}

void
proxy_send(struct pxedhcpd *x, const struct request *rq, struct dhcp_out *o,
    struct sockaddr_in *dst)
{
	struct delayed	*dl;
	struct txq	*q;
	struct timeval	 tv;
	int		 fd = rq->port == x->port4011 ? x->fd4011 : x->fd67;

	dst->sin_family = AF_INET;
	/* pxe.reply_delay_ms: some ROMs miss instant replies (dnsmasq --dhcp-reply-delay). */
	if (x->set.delay_ms > 0) {
		dl = xcalloc(1, sizeof(*dl));
		dl->x = x;
		dl->fd = fd;
		dl->ifindex = rq->ifindex;
		dl->src = rq->local;
		dl->dst = *dst;
		dl->len = o->len;
		memcpy(dl->buf, o->buf, o->len);
		tv.tv_sec = x->set.delay_ms / 1000;
		tv.tv_usec = (x->set.delay_ms % 1000) * 1000;
		if (event_base_once(x->d->base, -1, EV_TIMEOUT, proxy_delayed, dl, &tv) == -1) {
			log_warnx("cannot schedule a delayed reply");
			free(dl);
		}
		return;
	}
	if (x->tx.n == TX_BATCH || (x->tx.n > 0 && x->tx.fd != fd))
		proxy_flush(x);
	q = &x->tx;
	q->fd = fd;
	memcpy(q->buf[q->n], o->buf, o->len);
	q->dst[q->n] = *dst;
	proxy_msg(&q->msgs[q->n].msg_hdr, &q->iov[q->n], q->cm[q->n].buf, sizeof(q->cm[0].buf),
	    rq->ifindex, rq->local, &q->dst[q->n], q->buf[q->n], o->len);
	q->n++;
}

/* Where a reply goes: the relay, the 4011 client's own port, or broadcast on the interface. */
static void
proxy_dest(struct pxedhcpd *x, const struct request *rq, int unicast_ciaddr,
    struct sockaddr_in *dst)
{
	const struct dhcp_pkt *p = &rq->pkt;

	memset(dst, 0, sizeof(*dst));
	if (rq->port == x->port4011 && rq->from.sin_addr.s_addr != 0) {
		/* EDK2 asks from port 4011, iPXE from 68: answer the port that asked. */
		*dst = rq->from;
	} else if (p->giaddr.s_addr != 0) {
		dst->sin_addr = p->giaddr;
		dst->sin_port = htons(x->port67);
	} else if (unicast_ciaddr && p->ciaddr.s_addr != 0) {
		dst->sin_addr = p->ciaddr;
		dst->sin_port = htons(DHCP_CLIENT_PORT);
	} else {
		/* The client has no address (yiaddr 0): broadcast even without flag 0x8000. */
		dst->sin_addr.s_addr = INADDR_BROADCAST;
		dst->sin_port = htons(DHCP_CLIENT_PORT);
	}
}

static struct in_addr
proxy_server(const struct pxedhcpd *x, const struct request *rq)
{
	return x->set.server.s_addr != 0 ? x->set.server : rq->local;
}

/* Why a PXE client gets silence, or NULL to answer it (HELPERS: next-boot semantics). */
static const char *
proxy_refusal(const struct pxedhcpd *x, const struct client *c)
{
	if (!c->allowed)
		return "denied (allowed = 0)";
	if (c->suspended)
		return "suspended through the self-API";
	if (x->set.unknown_ignore && !(c->indb && c->known))
		return "unknown client and unknown_clients = ignore";
	return NULL;
}

/* The option 43 policy for arch (PXE-FACTS §3): BIOS boots the file at once, UEFI asks 4011. */
static enum dhcp_opt43
proxy_opt43(const struct pxedhcpd *x, int arch, enum dhcp_arch_kind kind)
{
	int	 pol = arch < PXEDHCPD_MAXARCH ? x->set.opt43[arch] : OPT43_AUTO;

	if (kind == ARCH_HTTP)
		return OPT43_NONE;	/* HTTP Boot ignores 43; the URL is all it needs */
	if (pol == OPT43_FORCE_DIRECT)
		return OPT43_DIRECT;
	if (pol == OPT43_FORCE_NONE)
		return OPT43_NONE;
	if (kind == ARCH_BIOS || (kind == ARCH_UNKNOWN && arch < 6))
		return OPT43_DIRECT;
	/* Old EDK2 drops proxy offers with 43.6 (tianocore/edk2#6944): BINL offer, port 4011. */
	return OPT43_NONE;
}

/*
 * The boot file for this client into file: iPXE gets the chain script URL
 * (ends the PXE loop), HTTP Boot the loader's URL with an IP literal (EDK2
 * uses a host name only with DNS from the real DHCP server), PXE the name.
 * Returns NULL when there is no loader for the arch, else a description.
 */
static const char *
proxy_file(const struct pxedhcpd *x, const struct dhcp_pkt *p, int arch, struct in_addr server,
    char *file, size_t filesz)
{
	const char	*loader = arch < PXEDHCPD_MAXARCH ? x->set.bootloader[arch] : NULL;
	char		 ip[INET_ADDRSTRLEN];
	int		 n;

	inet_ntop(AF_INET, &server, ip, sizeof(ip));
	if (p->ipxe) {
		n = snprintf(file, filesz, "http://%s:%d/boot.ipxe", ip, x->http_port);
		return n > 0 && (size_t)n < filesz ? "iPXE chain script" : NULL;
	}
	if (loader == NULL)
		return NULL;
	if (dhcp_is_httpclient(p)) {
		n = snprintf(file, filesz, "http://%s:%d/%s", ip, x->http_port, loader);
		return n > 0 && (size_t)n < filesz ? "HTTP Boot URL" : NULL;
	}
	if (strlcpy(file, loader, filesz) >= filesz)
		return NULL;
	return "bootloader";
}

/* Answer a PXE client from the proxy: OFFER to DISCOVER, ACK to REQUEST/INFORM. */
static void
proxy_pxe(struct pxedhcpd *x, struct request *rq, struct client *c, int arch)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	struct dhcp_answer	 a;
	struct dhcp_out		 o;
	struct sockaddr_in	 dst;
	enum dhcp_arch_kind	 kind;
	const char		*aname, *why, *what, *kev;
	char			 file[256], nb[96] = "";

	kind = dhcp_arch_kind(arch, &aname);
	kev = p->type == DHCP_DISCOVER ? "dhcp-offer" : "dhcp-ack";
	if ((why = proxy_refusal(x, c)) != NULL) {
		x->ignored++;
		proxy_event(x, c, rq, "dhcp-ignore", "%s from %s (arch %d) ignored: %s",
		    dhcp_type_name(p->type), aname, arch, why);
		return;
	}
	if (p->has_bootitem && (p->bootitem_layer & 0x8000)) {
		proxy_event(x, c, rq, "dhcp-ignore", "port 4011 request for PXE BIS "
		    "(layer 0x%04x) ignored: not supported", p->bootitem_layer);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.server = proxy_server(x, rq);
	if ((what = proxy_file(x, p, arch, a.server, file, sizeof(file))) == NULL) {
		x->ignored++;
		log_info("%s: no bootloader for arch %d (%s): set bootloader.%d", rq->mac, arch,
		    aname, arch);
		proxy_event(x, c, rq, "dhcp-ignore", "%s from %s (arch %d) ignored: no "
		    "bootloader for this arch (setting bootloader.%d)", dhcp_type_name(p->type),
		    aname, arch, arch);
		return;
	}
	a.type = p->type == DHCP_DISCOVER ? DHCP_OFFER : DHCP_ACK;
	a.file = file;
	a.vendor = dhcp_is_httpclient(p) ? VENDOR_HTTP : VENDOR_PXE;
	a.port4011 = rq->port == x->port4011;
	a.opt43 = a.port4011 ? OPT43_NONE : proxy_opt43(x, arch, kind);
	if (dhcp_pxe_reply(&o, p, &a) == -1) {
		log_warnx("%s: reply does not fit in %zu bytes", rq->mac, o.max);
		return;
	}
	proxy_dest(x, rq, 0, &dst);
	proxy_send(x, rq, &o, &dst);
	x->answered++;
	if (c->next_boot != NB_NEXT_NONE)
		snprintf(nb, sizeof(nb), "; next boot %s", nb_next_boot_name(c->next_boot));
	/* iPXE features.h: a build without 175.19 cannot fetch the http:// chain script. */
	if (p->ipxe && p->opt[DHO_IPXE].present && !(p->ipxe_features & IPXE_F_HTTP))
		strlcat(nb, "; warning: this iPXE has no HTTP (175.19)", sizeof(nb));
	proxy_event(x, c, rq, kev, "%s%s %s %s for %s%s (arch %d)%s%s", a.port4011 ?
	    "port 4011 " : "proxy ", a.type == DHCP_OFFER ? "offer" : "ack", what, file,
	    p->ipxe ? "iPXE on " : "", aname, arch, a.opt43 == OPT43_DIRECT ?
	    ", 43.6=8 (boot at once)" : kind == ARCH_EFI && !a.port4011 && !p->ipxe ?
	    ", no option 43 (client asks port 4011)" : "", nb);
}

/*
 * Static mode: the authoritative answer for a client with a static
 * address. A REQUEST is acknowledged only for that very address, and only
 * when it names us or no server at all (RFC 2131 §4.3.2); anything else
 * gets silence, so we never speak for an address we do not own.
 */
static void
proxy_static(struct pxedhcpd *x, struct request *rq, struct client *c, int pxe, int arch)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	struct dhcp_lease	 lease = x->set.lease;
	struct dhcp_answer	 a;
	struct dhcp_out		 o;
	struct sockaddr_in	 dst;
	struct in_addr		 want;
	char			 file[256], ip[INET_ADDRSTRLEN], boot[300] = "";
	const char		*aname;

	memset(&a, 0, sizeof(a));
	a.server = proxy_server(x, rq);
	inet_ntop(AF_INET, &c->ip, ip, sizeof(ip));
	if (p->type == DHCP_REQUEST) {
		if (p->server_id.s_addr != 0 && p->server_id.s_addr != a.server.s_addr)
			return;		/* it took another server's offer */
		want = p->reqaddr.s_addr != 0 ? p->reqaddr : p->ciaddr;
		if (want.s_addr != c->ip.s_addr) {
			proxy_event(x, c, rq, "dhcp-ignore", "static mode: REQUEST for %s ignored: "
			    "this client's address is %s", inet_ntoa(want), ip);
			return;
		}
		a.type = DHCP_ACK;
	} else if (p->type == DHCP_DISCOVER)
		a.type = DHCP_OFFER;
	else
		return;
	lease.addr = c->ip;
	lease.hostname = c->hostname;
	a.lease = &lease;
	/* Boot information only for PXE clients allowed to boot. */
	if (pxe && proxy_refusal(x, c) == NULL &&
	    proxy_file(x, p, arch, a.server, file, sizeof(file)) != NULL) {
		a.file = file;
		a.vendor = dhcp_is_httpclient(p) ? VENDOR_HTTP : VENDOR_PXE;
		a.opt43 = proxy_opt43(x, arch, dhcp_arch_kind(arch, &aname));
		snprintf(boot, sizeof(boot), ", boot file %s", file);
	}
	if (dhcp_pxe_reply(&o, p, &a) == -1) {
		log_warnx("%s: reply does not fit in %zu bytes", rq->mac, o.max);
		return;
	}
	proxy_dest(x, rq, 1, &dst);
	proxy_send(x, rq, &o, &dst);
	x->answered++;
	proxy_event(x, c, rq, a.type == DHCP_OFFER ? "dhcp-offer" : "dhcp-ack",
	    "static %s of %s%s", a.type == DHCP_OFFER ? "offer" : "ack", ip, boot);
}

void
proxy_handle(struct pxedhcpd *x, struct request *rq)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	struct client		*c = NULL;
	int			 pxe, arch, is4011 = rq->port == x->port4011;
	int64_t			 now;

	nb_mac_format(p->chaddr, rq->mac);
	if (p->ciaddr.s_addr != 0)
		inet_ntop(AF_INET, &p->ciaddr, rq->ipstr, sizeof(rq->ipstr));
	else
		rq->ipstr[0] = '\0';
	if (rq->local.s_addr == 0 && x->set.server.s_addr == 0) {
		log_debug("%s: interface %d has no IPv4 address to answer from", rq->mac,
		    rq->ifindex);
		return;
	}
	pxe = dhcp_vendor_match(p, x->set.prefixes);
	arch = dhcp_arch(p);
	if (x->set.static_on && !is4011) {
		c = policy_client(x, p->chaddr);
		if (c->ip.s_addr != 0) {
			proxy_static(x, rq, c, pxe, arch);
			goto seen;
		}
		if (!x->set.static_proxy) {
			if (pxe && p->type == DHCP_DISCOVER)
				proxy_event(x, c, rq, "dhcp-ignore", "static mode: no static address "
				    "and static.others = ignore");
			return;
		}
	}
	if (!pxe) {
		log_debug("%s: %s without a PXE vendor class: not ours", rq->mac,
		    dhcp_type_name(p->type));
		return;
	}
	if (is4011 ? p->type != DHCP_REQUEST && p->type != DHCP_INFORM :
	    p->type != DHCP_DISCOVER && p->type != DHCP_REQUEST)
		return;
	/* On 67 only REQUESTs that chose us: the others talk to the site's DHCP server. */
	if (!is4011 && p->type == DHCP_REQUEST &&
	    p->server_id.s_addr != proxy_server(x, rq).s_addr)
		return;
	if (c == NULL)
		c = policy_client(x, p->chaddr);
	proxy_pxe(x, rq, c, arch);
 seen:
	/* One write per client per second, however fast it repeats itself. */
	now = nb_now();
	if (c->seen_sec != now) {
		c->seen_sec = now;
		record_seen(x->rec, rq, pxe ? arch : -1);
	}
}
