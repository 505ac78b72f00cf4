/*
 * proxy.c: one request in, at most one reply out. The decision (answer or
 * stay silent, and with what) follows pxedhcpd(8), PROXY MODE; every decision
 * about a PXE client becomes an event, and every PXE client is recorded.
 * Static mode (netbootd parity) answers authoritatively for clients with a
 * static address and for nothing else.
 *
 * This is the hot path of a DISCOVER storm: no database, no allocation,
 * no printf. Events are queued as their parameters (struct pxev) and worded
 * by the recorder thread; the reply is built in the send queue itself.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hash.h"
#include "pxedhcpd.h"
#include "xmalloc.h"

#define DHCP_CLIENT_PORT	68
#define PROXY_USERCLASS_MAX	64	/* bytes of option 77 recorded */

struct delayed {
	int			 fd, ifindex;
	struct in_addr		 src;
	struct sockaddr_in	 dst;
	size_t			 len;
	uint8_t			 buf[DHCP_MAX_REPLY];
};

/* A MAC as text for a log line (the loop's only thread). */
static const char *
proxy_mac(const uint8_t *mac)
{
	static char	 buf[NB_MACSTR_LEN];

	nb_mac_format(mac, buf);
	return buf;
}

/* The record of this request: created on first use, stamped with the batch time. */
static struct rec_item *
proxy_item(struct pxedhcpd *x, struct request *rq)
{
	struct rec_item	*it;

	if (rq->it != NULL)
		return rq->it;
	if ((it = record_new(x->rec)) == NULL)
		return NULL;
	it->ts = x->now_ts;
	memcpy(it->mac, rq->pkt.chaddr, 6);
	it->ciaddr = rq->pkt.ciaddr;
	it->seen = it->has_ev = 0;
	return rq->it = it;
}

/* Copy s into the batch's arena: its offset and length (0: none). */
static void
proxy_bytes(struct pxedhcpd *x, const char *s, uint32_t *off, uint8_t *len)
{
	size_t	 n = s != NULL ? strlen(s) : 0;
	int64_t	 o;

	*len = 0;
	if (n > 0 && n <= UINT8_MAX && (o = record_bytes(x->rec, s, n)) != -1) {
		*off = (uint32_t)o;
		*len = (uint8_t)n;
	}
}

/*
 * Queue an event unless the same one was queued for this client in the
 * same second. file is the file or URL offered, label the menu item's.
 */
static void
proxy_event(struct pxedhcpd *x, struct request *rq, struct pxev *ev,
    const char *file, const char *label)
{
	struct coal	*c = rq->coal;
	struct rec_item	*it;
	uint32_t	 h;

	ev->gen = x->pol->gen;
	/*
	 * The generation and our address name the file and the label: their
	 * text need not be hashed.
	 */
	h = nb_hash(ev, sizeof(*ev));
	/* Firmware repeats a DISCOVER every second or so: one a second. */
	if (c->ev_sec == (uint32_t)x->now && c->ev_hash == h)
		return;
	c->ev_sec = (uint32_t)x->now;
	c->ev_hash = h;
	if ((it = proxy_item(x, rq)) == NULL)
		return;
	it->has_ev = 1;
	it->ev = *ev;
	proxy_bytes(x, file, &it->file_off, &it->file_len);
	proxy_bytes(x, label, &it->label_off, &it->label_len);
}

/* Record the client at most once a second, however fast it repeats itself. */
static void
proxy_seen(struct pxedhcpd *x, struct request *rq, int arch)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	struct rec_item		*it;
	const uint8_t		*v, *u;
	size_t			 len, ulen;
	int64_t			 off;

	if (rq->coal->seen_sec == (uint32_t)x->now)
		return;
	rq->coal->seen_sec = (uint32_t)x->now;
	if ((it = proxy_item(x, rq)) == NULL)
		return;
	it->seen = 1;
	it->arch = arch;
	/* Only copies here: escaping and formatting are the writer thread's work. */
	v = dhcp_opt_get(p, DHO_CLASSID, &len);
	u = dhcp_opt_get(p, DHO_USERCLASS, &ulen);
	ulen = ulen < PROXY_USERCLASS_MAX ? ulen : PROXY_USERCLASS_MAX;
	it->vendor_len = it->user_len = 0;
	if ((off = record_bytes(x->rec, v, len)) != -1 && record_bytes(x->rec, u, ulen) != -1) {
		/* Consecutive in the arena: user class right after the vendor class. */
		it->class_off = (uint32_t)off;
		it->vendor_len = (uint8_t)len;
		it->user_len = (uint8_t)ulen;
	}
	it->has_uuid = (uint8_t)p->has_uuid;
	if (p->has_uuid)
		memcpy(it->uuid, p->uuid, 16);
}

/* Fill the parts of a queued message that differ per reply. */
static void
proxy_msg(struct msghdr *msg, struct iovec *iov, void *cbuf, size_t cbufsz, int ifindex,
    struct in_addr src, struct sockaddr_in *dst, void *buf, size_t len)
{
	struct in_pktinfo	*pi;
	struct cmsghdr		*cmsg;

	iov->iov_base = buf;
	iov->iov_len = len;
	msg->msg_name = dst;
	msg->msg_namelen = sizeof(*dst);
	msg->msg_iov = iov;
	msg->msg_iovlen = 1;
	msg->msg_control = cbuf;
	msg->msg_controllen = cbufsz;
	msg->msg_flags = 0;
	cmsg = CMSG_FIRSTHDR(msg);
	cmsg->cmsg_level = IPPROTO_IP;
	cmsg->cmsg_type = IP_PKTINFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	pi = (struct in_pktinfo *)CMSG_DATA(cmsg);
	/* A broadcast leaves by the arrival interface; unicast is routed. */
	pi->ipi_ifindex = dst->sin_addr.s_addr == INADDR_BROADCAST ? ifindex : 0;
	pi->ipi_spec_dst = src;
	pi->ipi_addr.s_addr = 0;
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

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	proxy_msg(&msg, &iov, cm.buf, sizeof(cm.buf), ifindex, src, dst, buf, len);
	return sendmsg(fd, &msg, 0) == -1 ? -1 : 0;
}

/* A reply the send buffer had no room for: counted, said once a second. */
static void
proxy_dropped(struct pxedhcpd *x)
{
	x->send_dropped++;
	if (nb_rate_hit(&x->send_log, 1, 1000, (uint64_t)x->now * 1000, NULL))
		log_warnx("send buffer full: %llu replies dropped so far",
		    (unsigned long long)x->send_dropped);
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
			else
				proxy_dropped(x);
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

static int
proxy_fd(const struct pxedhcpd *x, const struct request *rq)
{
	return rq->port == x->port4011 ? x->fd4011 : x->fd67;
}

/* Where the next reply is built: the free slot of the send queue. */
static struct dhcp_out *
proxy_out(struct pxedhcpd *x, const struct request *rq)
{
	int	 fd = proxy_fd(x, rq);

	if (x->tx.n == TX_BATCH || (x->tx.n > 0 && x->tx.fd != fd))
		proxy_flush(x);
	return &x->tx.out[x->tx.n];
}

/* Send the reply built in the slot proxy_out() gave, now or after pxe.reply_delay_ms. */
static void
proxy_send(struct pxedhcpd *x, const struct request *rq, struct dhcp_out *o,
    struct sockaddr_in *dst)
{
	struct delayed	*dl;
	struct txq	*q = &x->tx;
	struct timeval	 tv;

	dst->sin_family = AF_INET;
	/* pxe.reply_delay_ms: some ROMs miss instant replies (dnsmasq --dhcp-reply-delay). */
	if (x->pol->set.delay_ms > 0) {
		dl = xcalloc(1, sizeof(*dl));
		dl->fd = proxy_fd(x, rq);
		dl->ifindex = rq->ifindex;
		dl->src = rq->local;
		dl->dst = *dst;
		dl->len = o->len;
		memcpy(dl->buf, o->buf, o->len);
		tv.tv_sec = x->pol->set.delay_ms / 1000;
		tv.tv_usec = (x->pol->set.delay_ms % 1000) * 1000;
		if (event_base_once(x->d->base, -1, EV_TIMEOUT, proxy_delayed, dl, &tv) == -1) {
			log_warnx("cannot schedule a delayed reply");
			free(dl);
		}
		return;
	}
	q->fd = proxy_fd(x, rq);
	q->dst[q->n] = *dst;
	proxy_msg(&q->msgs[q->n].msg_hdr, &q->iov[q->n], q->cm[q->n].buf, sizeof(q->cm[0].buf),
	    rq->ifindex, rq->local, &q->dst[q->n], o->buf, o->len);
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
	return x->pol->set.server.s_addr != 0 ? x->pol->set.server : rq->local;
}

/*
 * Why a PXE client gets silence (enum pxev_why), or -1 to answer it
 * (netboot(7), NEXT BOOT).
 */
static int
proxy_refusal(const struct pxedhcpd *x, const struct client *c)
{
	if (!c->allowed)
		return WHY_DENIED;
	if (c->suspended)
		return WHY_SUSPENDED;
	if (x->pol->set.unknown_ignore && !c->known)
		return WHY_UNKNOWN;
	return -1;
}

/*
 * The option 43 policy for arch (pxedhcpd(8), PROXY MODE): BIOS boots the
 * file at once, UEFI asks 4011 (EDK2 NetworkPkg/UefiPxeBcDxe/PxeBcDhcp4.c,
 * PxeBcRetryBinlOffer).
 */
static enum dhcp_opt43
proxy_opt43(const struct pxedhcpd *x, int arch, enum dhcp_arch_kind kind)
{
	int	 pol = arch < PXEDHCPD_MAXARCH ? x->pol->set.opt43[arch] : OPT43_AUTO;

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

/* Write "http://IP:PORT/path" into file; -1 if it does not fit. */
static int
proxy_url(char *file, size_t filesz, struct in_addr server, int port, const char *path)
{
	char	 ip[INET_ADDRSTRLEN], num[8];
	size_t	 n = 0, l;
	int	 i = (int)sizeof(num);

	do
		num[--i] = (char)('0' + port % 10);
	while ((port /= 10) > 0 && i > 0);
	dhcp_ntoa(server, ip);
	l = strlen(path);
	if (7 + strlen(ip) + 1 + (sizeof(num) - (size_t)i) + 1 + l >= filesz)
		return -1;
	memcpy(file, "http://", 7);
	n = 7;
	l = strlen(ip);
	memcpy(file + n, ip, l);
	n += l;
	file[n++] = ':';
	memcpy(file + n, num + i, sizeof(num) - (size_t)i);
	n += sizeof(num) - (size_t)i;
	file[n++] = '/';
	memcpy(file + n, path, strlen(path) + 1);
	return 0;
}

/*
 * The boot file for this client into file: iPXE gets the chain script URL
 * (ends the PXE loop), HTTP Boot the loader's URL with an IP literal (EDK2
 * uses a host name only with DNS from the real DHCP server), PXE the name.
 * Returns -1 when there is no loader for the arch, else a WHAT_*.
 */
static int
proxy_file(const struct pxedhcpd *x, const struct request *rq, struct in_addr server,
    char *file, size_t filesz)
{
	const char	*loader = rq->arch < PXEDHCPD_MAXARCH ? x->pol->set.bootloader[rq->arch] :
			    NULL;

	if (rq->pkt.ipxe)
		return proxy_url(file, filesz, server, x->http_port, "boot.ipxe") == -1 ? -1 :
		    WHAT_IPXE;
	if (loader == NULL)
		return -1;
	if (rq->http)
		return proxy_url(file, filesz, server, x->http_port, loader) == -1 ? -1 :
		    WHAT_HTTP;
	if (strlcpy(file, loader, filesz) >= filesz)
		return -1;
	return WHAT_LOADER;
}

/* The Raspberry Pi bootloader's OUIs (pxedhcpd(8), PROXY MODE, lists them). */
static const uint8_t proxy_rpi_ouis[][3] = {
	{ 0xb8, 0x27, 0xeb }, { 0xdc, 0xa6, 0x32 }, { 0xe4, 0x5f, 0x01 }, { 0xd8, 0x3a, 0xdd },
	{ 0x2c, 0xcf, 0x67 },
};

/*
 * What dnsmasq's pxe-service=0,"Raspberry Pi Boot" sends: the Pi
 * bootloader takes only a proxy offer whose 43.9 names it
 * (danderson/netboot#119, raspberrypi/firmware#764); type 0, no boot server.
 */
static const struct dhcp_menu proxy_rpi_menu = { 1, { { 0, "Raspberry Pi Boot" } }, 0, "PXE" };

/* Return 1 if the client is a Raspberry Pi bootloader to serve with the pxe.menu.rpi profile. */
static int
proxy_rpi(const struct pxedhcpd *x, const struct request *rq)
{
	const struct settings	*s = &x->pol->set;
	const uint8_t		*mac = rq->pkt.chaddr;
	size_t			 i;

	/* The bootloader reports 0 (x86 BIOS); a Pi running UEFI firmware reports its arch. */
	if (!s->menu_rpi || rq->pkt.ipxe || rq->http || dhcp_arch(&rq->pkt) != 0)
		return 0;
	for (i = 0; i < sizeof(proxy_rpi_ouis) / sizeof(proxy_rpi_ouis[0]); i++)
		if (memcmp(proxy_rpi_ouis[i], mac, 3) == 0)
			return 1;
	for (i = 0; i < (size_t)s->noui; i++)
		if (memcmp(s->oui[i].oui, mac, 3) == 0)
			return 1;
	return 0;
}

/*
 * The PXE menu for this client, or NULL to boot it directly: only the
 * arches of pxe.menu.arches (default BIOS: old EDK2 drops offers with
 * 43.6, pxedhcpd(8) PXE boot menu), never iPXE or HTTP Boot, never one item:
 * one item is no choice, and some ROMs break on menus (dnsmasq 2.76).
 */
static const struct dhcp_menu *
proxy_menu(const struct pxedhcpd *x, const struct request *rq)
{
	const struct settings	*s = &x->pol->set;

	if (rq->pkt.ipxe || rq->http || rq->arch >= PXEDHCPD_MAXARCH || !s->menu_arch[rq->arch] ||
	    s->menu.nitem < 2)
		return NULL;
	return &s->menu;
}

/* The position (0..) of the item of type in menu m, or -1. */
static int
proxy_menu_find(const struct dhcp_menu *m, uint16_t type)
{
	int	 i;

	for (i = 0; i < m->nitem; i++)
		if (m->item[i].type == type)
			return i;
	return -1;
}

/*
 * The menu part of an answer, told in ev: a menu offer has no file (the
 * client asks port 4011 for the item it chose, 43.71); on 4011 a network
 * item gets the loader and a local item (type 0) an ACK without a file,
 * so the ROM boots its disk. Returns the label of the item answered on
 * 4011, or NULL.
 */
static const char *
proxy_menu_answer(const struct pxedhcpd *x, const struct request *rq,
    struct dhcp_answer *a, int what, struct pxev *ev)
{
	const struct dhcp_menu	*m;
	int			 i;

	if (!a->port4011 && proxy_rpi(x, rq)) {
		a->opt43 = OPT43_MENU;
		a->menu = &proxy_rpi_menu;
		a->siaddr = 1;
		/* A file only if arch.oui maps the Pi to an arch with one. */
		if (what == -1 || rq->arch == 0)
			a->file = NULL;
		ev->menu = MENU_RPI;
		return NULL;
	}
	if ((m = proxy_menu(x, rq)) == NULL)
		return NULL;
	if (!a->port4011) {
		a->opt43 = OPT43_MENU;
		a->menu = m;
		a->file = NULL;
		ev->menu = MENU_OFFER;
		ev->menu_items = (uint8_t)m->nitem;
		return NULL;
	}
	/* Not an item of ours: the loader, as without a menu. */
	if (!rq->pkt.has_bootitem ||
	    (i = proxy_menu_find(m, rq->pkt.bootitem_type)) == -1)
		return NULL;
	if (m->item[i].type == 0)
		a->file = NULL;
	ev->menu = m->item[i].type == 0 ? MENU_LOCAL : MENU_ITEM;
	/* The setting's N: the menu may have gaps (pxe.menu.1, pxe.menu.4). */
	ev->menu_item = (uint16_t)x->pol->set.menu_pos[i];
	return m->item[i].label;
}

/*
 * Build answer a to rq and send it (unicast_ciaddr: to the client's
 * address if it has one, static mode); the event gets its reply and
 * server. -1 if it does not fit.
 */
static int
proxy_answer(struct pxedhcpd *x, const struct request *rq,
    const struct dhcp_answer *a, int unicast_ciaddr, struct pxev *ev)
{
	struct dhcp_out		*o = proxy_out(x, rq);
	struct sockaddr_in	 dst;

	if (dhcp_pxe_reply(o, &rq->pkt, a) == -1) {
		log_warnx("%s: reply does not fit in %zu bytes",
		    proxy_mac(rq->pkt.chaddr), o->max);
		return -1;
	}
	proxy_dest(x, rq, unicast_ciaddr, &dst);
	proxy_send(x, rq, o, &dst);
	x->answered++;
	ev->reply = (uint8_t)a->type;
	ev->server = a->server;
	return 0;
}

/* Answer a PXE client: OFFER to DISCOVER, ACK to REQUEST and INFORM. */
static void
proxy_pxe(struct pxedhcpd *x, struct request *rq, const struct client *c)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	struct dhcp_answer	 a;
	struct pxev		 ev;
	const char		*label;
	char			 file[256];
	int			 why, what;

	memset(&ev, 0, sizeof(ev));
	ev.type = (uint8_t)p->type;
	ev.arch = (uint16_t)rq->arch;
	if ((why = proxy_refusal(x, c)) != -1) {
		x->ignored++;
		ev.code = PXEV_REFUSED;
		ev.why = (uint8_t)why;
		proxy_event(x, rq, &ev, NULL, NULL);
		return;
	}
	if (p->has_bootitem && (p->bootitem_layer & 0x8000)) {
		ev.code = PXEV_BIS;
		ev.layer = p->bootitem_layer;
		proxy_event(x, rq, &ev, NULL, NULL);
		return;
	}
	memset(&a, 0, sizeof(a));
	a.server = proxy_server(x, rq);
	a.port4011 = rq->port == x->port4011;
	if ((what = proxy_file(x, rq, a.server, file, sizeof(file))) == -1 &&
	    (a.port4011 || !proxy_rpi(x, rq))) {
		x->ignored++;
		log_info("%s: no bootloader for arch %d (%s): set "
		    "bootloader.%d", proxy_mac(p->chaddr), rq->arch, rq->aname,
		    rq->arch);
		ev.code = PXEV_NOLOADER;
		proxy_event(x, rq, &ev, NULL, NULL);
		return;
	}
	a.type = p->type == DHCP_DISCOVER ? DHCP_OFFER : DHCP_ACK;
	a.file = file;
	a.vendor = rq->http ? VENDOR_HTTP : VENDOR_PXE;
	a.opt43 = a.port4011 ? OPT43_NONE : proxy_opt43(x, rq->arch, rq->kind);
	label = proxy_menu_answer(x, rq, &a, what, &ev);
	if (proxy_answer(x, rq, &a, 0, &ev) == -1)
		return;
	ev.code = PXEV_PROXY;
	ev.what = (uint8_t)(what == -1 ? WHAT_LOADER : what);
	ev.next_boot = c->next_boot;
	ev.flags = (a.port4011 ? PXEVF_4011 : 0) | (p->ipxe ? PXEVF_IPXE : 0) |
	    (a.opt43 == OPT43_DIRECT ? PXEVF_DIRECT : 0) |
	    (rq->kind == ARCH_EFI && !a.port4011 && !p->ipxe &&
	    a.opt43 == OPT43_NONE ? PXEVF_NO43 : 0);
	/* iPXE features.h: without 175.19 it cannot fetch an http:// script. */
	if (p->ipxe && p->opt[DHO_IPXE].present &&
	    !(p->ipxe_features & IPXE_F_HTTP))
		ev.flags |= PXEVF_NOHTTP;
	proxy_event(x, rq, &ev, a.file, label);
}

/*
 * Static mode: the authoritative answer for a client with a static
 * address. A REQUEST is acknowledged only for that very address, and only
 * when it names us or no server at all (RFC 2131 §4.3.2); anything else
 * gets silence, so we never speak for an address we do not own.
 */
static void
proxy_static(struct pxedhcpd *x, struct request *rq, const struct client *c, int pxe)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	struct dhcp_lease	 lease = x->pol->set.lease;
	struct dhcp_answer	 a;
	struct in_addr		 want;
	struct pxev		 ev;
	char			 file[256];

	memset(&a, 0, sizeof(a));
	memset(&ev, 0, sizeof(ev));
	a.server = proxy_server(x, rq);
	ev.b = c->ip;
	if (p->type == DHCP_REQUEST) {
		if (p->server_id.s_addr != 0 && p->server_id.s_addr != a.server.s_addr)
			return;		/* it took another server's offer */
		want = p->reqaddr.s_addr != 0 ? p->reqaddr : p->ciaddr;
		if (want.s_addr != c->ip.s_addr) {
			ev.code = PXEV_STATIC_WRONG;
			ev.a = want;
			proxy_event(x, rq, &ev, NULL, NULL);
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
	if (pxe && proxy_refusal(x, c) == -1 &&
	    proxy_file(x, rq, a.server, file, sizeof(file)) != -1) {
		a.file = file;
		a.vendor = rq->http ? VENDOR_HTTP : VENDOR_PXE;
		a.opt43 = proxy_opt43(x, rq->arch, rq->kind);
	}
	if (proxy_answer(x, rq, &a, 1, &ev) == -1)
		return;
	ev.code = PXEV_STATIC;
	proxy_event(x, rq, &ev, a.file, NULL);
}

void
proxy_handle(struct pxedhcpd *x, struct request *rq)
{
	const struct dhcp_pkt	*p = &rq->pkt;
	const struct client	*c = NULL;
	struct pxev		 ev;
	int			 pxe, is4011 = rq->port == x->port4011;

	rq->it = NULL;
	if (rq->local.s_addr == 0 && x->pol->set.server.s_addr == 0) {
		log_debug("%s: interface %d has no IPv4 address to answer from",
		    proxy_mac(p->chaddr), rq->ifindex);
		return;
	}
	pxe = policy_vendor_match(x->pol, p);
	rq->arch = policy_arch(x->pol, p->chaddr, dhcp_arch(p));
	rq->kind = dhcp_arch_kind(rq->arch, &rq->aname);
	rq->http = rq->kind == ARCH_HTTP || dhcp_vendor_match(p, "HTTPClient");
	rq->coal = &x->coal[nb_hash(p->chaddr, 6) & (COAL_SLOTS - 1)];
	if (memcmp(rq->coal->mac, p->chaddr, 6) != 0) {
		/* Another client had this slot: start afresh (at worst one more write). */
		memset(rq->coal, 0, sizeof(*rq->coal));
		memcpy(rq->coal->mac, p->chaddr, 6);
	}
	if (x->pol->set.static_on && !is4011) {
		c = policy_client(x->pol, p->chaddr);
		if (c->ip.s_addr != 0) {
			proxy_static(x, rq, c, pxe);
			goto seen;
		}
		if (!x->pol->set.static_proxy) {
			if (pxe && p->type == DHCP_DISCOVER) {
				memset(&ev, 0, sizeof(ev));
				ev.code = PXEV_STATIC_NONE;
				proxy_event(x, rq, &ev, NULL, NULL);
			}
			return;
		}
	}
	if (!pxe) {
		if (log_getverbose() > 0)
			log_debug("%s: %s without a PXE vendor class: not ours",
			    proxy_mac(p->chaddr), dhcp_type_name(p->type));
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
		c = policy_client(x->pol, p->chaddr);
	proxy_pxe(x, rq, c);
 seen:
	proxy_seen(x, rq, pxe ? rq->arch : -1);
}
