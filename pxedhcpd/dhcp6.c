/*
 * dhcp6.c: DHCPv6 network boot (RFC 5970, PXE-FACTS §7). A stateless
 * boot-file server beside the site's DHCPv6 server or router
 * advertisements: it hands out no address (no IA options), only option 59
 * (Boot File URL) to PXE clients, recognised by a vendor class (option
 * 16) of enterprise 343 with PXEClient or HTTPClient data (EDK2
 * PXEBC_DHCP6_ENTERPRISE_NUM) or by an option request (6) for 59
 * (pixiecore README.ipv6.md). SOLICIT gets ADVERTISE; REQUEST and
 * INFORMATION-REQUEST get REPLY. Off unless dhcp6.enabled = yes.
 *
 * Not a hot path: each request is decided and answered on its own, with
 * its event pushed to the daemon's event queue.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netpacket/packet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dhcp6.h"
#include "pxedhcpd.h"

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL	29	/* Linux 4.20 */
#endif
#define DHCP6_RX_ROUNDS		32	/* datagrams per wakeup */
#define DHCP6_WARN_PER_SEC	20	/* malformed-datagram log lines per second */

/* All_DHCP_Relay_Agents_and_Servers (RFC 8415 §7.1). */
static const struct in6_addr all_servers = { { { 0xff, 0x02, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 1, 0, 2 } } };

/* Join ff02::1:2 on one interface; 0 on success. */
static int
dhcp6_join(int fd, unsigned int ifindex, const char *name)
{
	struct ipv6_mreq	 mr;

	memset(&mr, 0, sizeof(mr));
	mr.ipv6mr_multiaddr = all_servers;
	mr.ipv6mr_interface = ifindex;
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) == -1) {
		log_debug("DHCPv6: cannot join ff02::1:2 on %s: %s", name, strerror(errno));
		return -1;
	}
	log_debug("DHCPv6: joined ff02::1:2 on %s", name);
	return 0;
}

int
dhcp6_srv_open(struct pxedhcpd *x)
{
	struct sockaddr_in6	 sin6;
	struct if_nameindex	*ifs, *i;
	char			 name[IF_NAMESIZE];
	int			 fd, one = 1, zero = 0, n = 0, k;

	x->fd547 = -1;
	/* A kernel without IPv6, or a DHCPv6 server already on 547: IPv4 boot goes on. */
	if ((fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1) {
		log_info("DHCPv6 boot unavailable: socket: %s", strerror(errno));
		return -1;
	}
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) == -1 ||
	    setsockopt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof(one)) == -1)
		fatal("setsockopt IPv6");
	/* Only the groups this socket joined, not every group of the host on port 547. */
	if (setsockopt(fd, IPPROTO_IPV6, IPV6_MULTICAST_ALL, &zero, sizeof(zero)) == -1)
		log_debug("IPV6_MULTICAST_ALL: %s", strerror(errno));
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(x->port547);
	if (bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == -1) {
		log_info("DHCPv6 boot unavailable: bind UDP port %d: %s", x->port547,
		    strerror(errno));
		close(fd);
		return -1;
	}
	/* The served interfaces: -l's, -i's, else every one but loopback (at startup). */
	if (x->listen_ifindex != 0) {
		if (if_indextoname((unsigned)x->listen_ifindex, name) != NULL)
			n += dhcp6_join(fd, (unsigned)x->listen_ifindex, name) == 0;
	} else if (x->nif > 0) {
		for (k = 0; k < x->nif; k++)
			n += dhcp6_join(fd, (unsigned)x->ifindex[k], x->ifname[k]) == 0;
	} else if ((ifs = if_nameindex()) != NULL) {
		for (i = ifs; i->if_index != 0; i++)
			if (strcmp(i->if_name, "lo") != 0)
				n += dhcp6_join(fd, i->if_index, i->if_name) == 0;
		if_freenameindex(ifs);
	}
	if (n == 0) {
		log_info("DHCPv6 boot unavailable: no interface with IPv6 multicast");
		close(fd);
		return -1;
	}
	x->fd547 = fd;
	return 0;
}

/*
 * The interface's MAC (for the server id) and our address on it for URLs:
 * a global or ULA one, else the link-local one.
 */
static int
dhcp6_local(int ifindex, uint8_t mac[6], struct in6_addr *out)
{
	struct ifaddrs		*ifa, *i;
	struct sockaddr_in6	*s;
	struct sockaddr_ll	*ll;
	int			 found = 0, hw = 0;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || (int)if_nametoindex(i->ifa_name) != ifindex)
			continue;
		if (i->ifa_addr->sa_family == AF_PACKET) {
			ll = (struct sockaddr_ll *)i->ifa_addr;
			if (ll->sll_halen == 6) {
				memcpy(mac, ll->sll_addr, 6);
				hw = 1;
			}
			continue;
		}
		if (i->ifa_addr->sa_family != AF_INET6)
			continue;
		s = (struct sockaddr_in6 *)i->ifa_addr;
		if (IN6_IS_ADDR_LINKLOCAL(&s->sin6_addr)) {
			if (!found) {
				*out = s->sin6_addr;
				found = 1;
			}
		} else if (!IN6_IS_ADDR_LOOPBACK(&s->sin6_addr) && found != 2) {
			*out = s->sin6_addr;
			found = 2;
		}
	}
	freeifaddrs(ifa);
	return found && hw ? 0 : -1;
}

/* One log line per malformed datagram, at most DHCP6_WARN_PER_SEC a second. */
static void
dhcp6_malformed(struct pxedhcpd *x, const char *from, size_t len, const char *why)
{
	static int64_t	 sec;
	static unsigned	 lines;
	int64_t		 now = nb_now();

	x->malformed++;
	if (now != sec) {
		sec = now;
		lines = 0;
	}
	if (lines++ < DHCP6_WARN_PER_SEC)
		log_warnx("dropped %zu-byte DHCPv6 datagram from %s: %s", len, from, why);
}

static const char *
dhcp6_type_name(int type)
{
	switch (type) {
	case DHCP6_SOLICIT:
		return "SOLICIT";
	case DHCP6_REQUEST:
		return "REQUEST";
	case DHCP6_INFO_REQUEST:
		return "INFORMATION-REQUEST";
	default:
		return "message";
	}
}

/* Why a client gets silence (HELPERS next-boot semantics), or NULL to answer it. */
static const char *
dhcp6_refusal(const struct pxedhcpd *x, const struct dhcp6_pkt *p)
{
	const struct client	*c;

	if (!p->has_mac)
		return x->pol->set.unknown_ignore ?
		    "no MAC in the client id and unknown_clients = ignore" : NULL;
	c = policy_client(x->pol, p->mac);
	if (!c->allowed)
		return "denied (allowed = 0)";
	if (c->suspended)
		return "suspended through the self-API";
	if (x->pol->set.unknown_ignore && !c->known)
		return "unknown client and unknown_clients = ignore";
	return NULL;
}

/* Decide and answer one parsed request that arrived on ifindex from src. */
static void
dhcp6_handle(struct pxedhcpd *x, const struct dhcp6_pkt *p, int ifindex,
    struct sockaddr_in6 *src, const char *srcstr)
{
	struct dhcp6_out	 o;
	struct in6_addr		 local;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct in6_pktinfo	*pi;
	struct cmsghdr		*cmsg;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cm;
	char			 addr[INET6_ADDRSTRLEN], url[512], mac[NB_MACSTR_LEN];
	uint8_t			 duid[10], ifmac[6];
	const char		*loader, *why, *aname, *macp = NULL, *kind;
	enum dhcp_arch_kind	 akind;
	int			 arch, http, n, type;

	if (p->has_mac) {
		nb_mac_format(p->mac, mac);
		macp = mac;
	}
	if (p->type != DHCP6_SOLICIT && p->type != DHCP6_REQUEST &&
	    p->type != DHCP6_INFO_REQUEST)
		return;		/* RENEW, RELEASE...: the site's server's business */
	if (!p->pxe && !p->wants_url) {
		log_debug("DHCPv6 %s from %s: not a PXE client", dhcp6_type_name(p->type), srcstr);
		return;
	}
	/* The server id is the DUID-LL of the arrival interface's MAC. */
	if (dhcp6_local(ifindex, ifmac, &local) == -1) {
		log_debug("DHCPv6: interface %d has no MAC or IPv6 address to answer from",
		    ifindex);
		return;
	}
	dhcp6_duid_ll(ifmac, duid);
	/* RFC 8415 §16: SOLICIT must not name a server; REQUEST must name us. */
	if (p->type == DHCP6_SOLICIT && p->serverid.present)
		return;
	if ((p->type == DHCP6_REQUEST || p->serverid.present) &&
	    (!p->serverid.present || p->serverid.len != sizeof(duid) ||
	    memcmp(p->serverid.data, duid, sizeof(duid)) != 0))
		return;
	arch = dhcp6_arch(p);
	if (p->has_mac)
		arch = policy_arch(x->pol, p->mac, arch);
	akind = dhcp_arch_kind(arch, &aname);
	http = akind == ARCH_HTTP || p->http;
	if ((why = dhcp6_refusal(x, p)) != NULL) {
		x->ignored++;
		nb_evq_push(x->d->evq, macp, "dhcp-ignore", NULL, "DHCPv6 %s from %s (arch %d) "
		    "ignored: %s", dhcp6_type_name(p->type), aname, arch, why);
		return;
	}
	inet_ntop(AF_INET6, &local, addr, sizeof(addr));
	loader = arch < PXEDHCPD_MAXARCH ? x->pol->set.bootloader[arch] : NULL;
	if (p->ipxe)
		n = snprintf(url, sizeof(url), "http://[%s]:%d/boot.ipxe", addr, x->http_port);
	else if (loader == NULL) {
		x->ignored++;
		log_info("DHCPv6 %s: no bootloader for arch %d (%s): set bootloader.%d", srcstr,
		    arch, aname, arch);
		nb_evq_push(x->d->evq, macp, "dhcp-ignore", NULL, "DHCPv6 %s from %s (arch %d) "
		    "ignored: no bootloader for this arch (setting bootloader.%d)",
		    dhcp6_type_name(p->type), aname, arch, arch);
		return;
	} else if (http)
		n = snprintf(url, sizeof(url), "http://[%s]:%d/%s", addr, x->http_port, loader);
	else
		n = snprintf(url, sizeof(url), "tftp://[%s]/%s", addr, loader);
	if (n < 0 || (size_t)n >= sizeof(url)) {
		log_warnx("DHCPv6 %s: boot file URL longer than %zu bytes", srcstr, sizeof(url));
		return;
	}
	type = p->type == DHCP6_SOLICIT ? DHCP6_ADVERTISE : DHCP6_REPLY;
	if (dhcp6_reply(&o, p, type, duid, sizeof(duid), url, http && !p->ipxe) == -1) {
		log_warnx("DHCPv6 %s: reply does not fit in %zu bytes", srcstr, sizeof(o.buf));
		return;
	}
	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = o.buf;
	iov.iov_len = o.len;
	/* Back to the client's link-local address and port, out of the arrival interface. */
	if (IN6_IS_ADDR_LINKLOCAL(&src->sin6_addr))
		src->sin6_scope_id = (uint32_t)ifindex;
	msg.msg_name = src;
	msg.msg_namelen = sizeof(*src);
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cm.buf;
	msg.msg_controllen = sizeof(cm.buf);
	cmsg = CMSG_FIRSTHDR(&msg);
	cmsg->cmsg_level = IPPROTO_IPV6;
	cmsg->cmsg_type = IPV6_PKTINFO;
	cmsg->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
	pi = (struct in6_pktinfo *)CMSG_DATA(cmsg);
	pi->ipi6_ifindex = (unsigned)ifindex;
	if (sendmsg(x->fd547, &msg, 0) == -1) {
		log_warn("DHCPv6 send to %s", srcstr);
		return;
	}
	x->answered++;
	kind = type == DHCP6_ADVERTISE ? "dhcp-offer" : "dhcp-ack";
	nb_evq_push(x->d->evq, macp, kind, NULL, "DHCPv6 %s with boot file URL %s for %s "
	    "(arch %d)", type == DHCP6_ADVERTISE ? "ADVERTISE" : "REPLY", url, aname, arch);
	log_debug("%s %s: DHCPv6 %s with %s", kind, macp ? macp : srcstr,
	    type == DHCP6_ADVERTISE ? "ADVERTISE" : "REPLY", url);
}

/* Read what waits on port 547 and answer it. */
static void
dhcp6_rx(evutil_socket_t fd, short events, void *arg)
{
	struct pxedhcpd		*x = arg;
	struct dhcp6_pkt	 p;
	struct sockaddr_in6	 src;
	struct msghdr		 msg;
	struct iovec		 iov;
	struct cmsghdr		*cmsg;
	struct in6_pktinfo	*pi;
	uint8_t			 buf[2048];
	char			 cbuf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
	char			 srcstr[INET6_ADDRSTRLEN + 8], why[128];
	ssize_t			 len;
	int			 round, ifindex;

	x->pol = record_policy(x->rec);
	for (round = 0; round < DHCP6_RX_ROUNDS; round++) {
		memset(&msg, 0, sizeof(msg));
		iov.iov_base = buf;
		iov.iov_len = sizeof(buf);
		msg.msg_name = &src;
		msg.msg_namelen = sizeof(src);
		msg.msg_iov = &iov;
		msg.msg_iovlen = 1;
		msg.msg_control = cbuf;
		msg.msg_controllen = sizeof(cbuf);
		if ((len = recvmsg(fd, &msg, MSG_DONTWAIT)) == -1) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				log_warn("DHCPv6 recvmsg");
			return;
		}
		ifindex = 0;
		for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL; cmsg = CMSG_NXTHDR(&msg, cmsg))
			if (cmsg->cmsg_level == IPPROTO_IPV6 && cmsg->cmsg_type == IPV6_PKTINFO) {
				pi = (struct in6_pktinfo *)CMSG_DATA(cmsg);
				ifindex = (int)pi->ipi6_ifindex;
			}
		if (!x->pol->set.dhcp6_on || !rx_interface_ok(x, ifindex))
			continue;
		inet_ntop(AF_INET6, &src.sin6_addr, srcstr, INET6_ADDRSTRLEN);
		if (msg.msg_flags & MSG_TRUNC) {
			dhcp6_malformed(x, srcstr, (size_t)len, "oversized");
			continue;
		}
		if (dhcp6_parse(&p, buf, (size_t)len, why, sizeof(why)) == -1) {
			dhcp6_malformed(x, srcstr, (size_t)len, why);
			continue;
		}
		dhcp6_handle(x, &p, ifindex, &src, srcstr);
	}
}

int
dhcp6_srv_start(struct pxedhcpd *x)
{
	if (x->fd547 == -1)
		return 0;
	x->ev547 = event_new(x->d->base, x->fd547, EV_READ | EV_PERSIST, dhcp6_rx, x);
	if (x->ev547 == NULL || event_add(x->ev547, NULL) == -1)
		return -1;
	log_info("DHCPv6 boot on UDP %d (answers when dhcp6.enabled = yes)", x->port547);
	return 0;
}

void
dhcp6_srv_stop(struct pxedhcpd *x)
{
	if (x->ev547 != NULL)
		event_free(x->ev547);
	if (x->fd547 != -1)
		close(x->fd547);
}
