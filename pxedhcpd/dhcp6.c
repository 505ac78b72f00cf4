/*
 * dhcp6.c: DHCPv6 network boot (RFC 5970; pxedhcpd(8), DHCPV6 BOOT).
 * Option 59 (Boot File URL) for PXE clients, recognised by a vendor class
 * (option 16) of enterprise 343 with PXEClient or HTTPClient data (EDK2
 * PXEBC_DHCP6_ENTERPRISE_NUM) or by an option request (6) for 59
 * (pixiecore README.ipv6.md). SOLICIT gets ADVERTISE; REQUEST and
 * INFORMATION-REQUEST get REPLY. Off unless dhcp6.enabled = yes.
 *
 * Two modes. Stateless (dhcp6.pool unset): beside the site's DHCPv6
 * server, no IA options, only the boot file. Stateful (dhcp6.pool set):
 * for networks without a DHCPv6 server, where EDK2 cannot boot because
 * its PXE client needs an address from DHCPv6 (PxeBcDhcp6Sarr runs the
 * full SOLICIT/REQUEST exchange with an IA_NA). PXE clients then get an
 * IA_NA address from the pool too, leased in the leases6 table, and
 * RENEW, REBIND, RELEASE, DECLINE and CONFIRM of those leases are
 * answered (RFC 8415 §18.3). Clients that are not PXE clients are never
 * given an address: an installed system's DHCPv6 client is the site's.
 *
 * Not a hot path: each request is decided and answered on its own, with
 * its event pushed to the daemon's event queue. Leases are decided from
 * the loop's copy of the table in memory and written behind (lease6.c):
 * no answer waits for the database.
 *
 * Who the client is comes from what we observed (netboot(7), trust
 * model): the kernel's neighbour entry for the source address, else the
 * MAC of an EUI-64 link-local source. A DUID-LL or DUID-LLT is only the
 * client's claim: its MAC never names the client, the lease or an event.
 * Leases that an anonymous sender can take are bounded: new leases per
 * link per minute (dhcp6.leases_per_minute, counted per minute per
 * arrival interface) and bound leases per MAC (dhcp6.leases_per_mac: a
 * new one replaces the oldest, so firmware and iPXE with two DUIDs still
 * boot).
 */
#include "config.h"

#include <sys/param.h>
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
#include "xmalloc.h"

#ifndef IPV6_MULTICAST_ALL
#define IPV6_MULTICAST_ALL	29	/* Linux 4.20 */
#endif
#define DHCP6_RX_ROUNDS		32	/* datagrams per wakeup */
#define DHCP6_WARN_PER_SEC	20	/* malformed-datagram log lines per second */
#define DHCP6_PROBES		256	/* pool addresses tried for a new lease */
#define DHCP6_LINKS		32	/* links with a lease budget */
#define DHCP6_NEIGH_PER_SEC	50	/* neighbour reads a second */
#define DHCP6_MAC_LEASES	64	/* leases of one MAC looked at */

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
dhcp6_malformed(struct pxedhcpd *x, const char *from, size_t len,
    const char *why)
{
	static struct nb_rate	 lines;

	x->malformed++;
	if (nb_rate_log(&lines, DHCP6_WARN_PER_SEC))
		log_warnx("dropped %zu-byte DHCPv6 datagram from %s: %s", len,
		    from, why);
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
	case DHCP6_RENEW:
		return "RENEW";
	case DHCP6_REBIND:
		return "REBIND";
	case DHCP6_RELEASE:
		return "RELEASE";
	case DHCP6_DECLINE:
		return "DECLINE";
	case DHCP6_CONFIRM:
		return "CONFIRM";
	default:
		return "message";
	}
}

/* The new leases of one link this minute (dhcp6.leases_per_minute). */
struct d6link {
	int		 ifindex;	/* 0: free slot */
	uint32_t	 rate;		/* the setting it counts for */
	struct nb_rate	 leases;	/* new leases this minute */
	uint64_t	 at_ms;		/* last used */
};
static struct d6link	 d6links[DHCP6_LINKS];

/* A request being answered: what every step needs. */
struct d6req {
	const struct dhcp6_pkt	*p;
	const char		*srcstr;
	uint8_t			 mac[6];
	const char		*macp;		/* NULL: no MAC known */
	char			 macstr[NB_MACSTR_LEN];
	int			 ifindex;	/* the link it arrived on */
	struct in6_addr		 local;		/* our address on the arrival interface */
	uint8_t			 duid[10];	/* our server id */
	struct dhcp6_out	 o;
	char			 leased[INET6_ADDRSTRLEN];	/* the first address answered */
	char			 note[160];	/* the leases part of the event */
};

/* Why a client gets silence (netboot(7), NEXT BOOT), or NULL to answer it. */
static const char *
dhcp6_refusal(const struct pxedhcpd *x, const struct d6req *r)
{
	const struct client	*c;

	if (r->macp == NULL)
		return x->pol->set.unknown_ignore ?
		    "no MAC in the client id and unknown_clients = ignore" : NULL;
	c = policy_client(x->pol, r->mac);
	if (!c->allowed)
		return "denied (allowed = 0)";
	if (c->suspended)
		return "suspended through the self-API";
	if (x->pol->set.unknown_ignore && !c->known)
		return "unknown client and unknown_clients = ignore";
	return NULL;
}

/* The first data item of a vendor class (after the enterprise number) or user class. */
static int
dhcp6_item(const struct dhcp6_opt *o, size_t skip, const uint8_t **d, size_t *len)
{
	size_t	 n;

	if (!o->present || o->len < skip + 2)
		return -1;
	n = (size_t)(o->data[skip] << 8 | o->data[skip + 1]);
	if (n > o->len - skip - 2)
		return -1;
	*d = o->data + skip + 2;
	*len = MIN(n, UINT8_MAX);
	return 0;
}

/* Record the client in the clients table through the recorder, as DHCPv4 does. */
static void
dhcp6_seen(struct pxedhcpd *x, const struct d6req *r, int arch)
{
	struct rec_item	*it;
	const uint8_t	*v = NULL, *u = NULL;
	size_t		 vlen = 0, ulen = 0;
	int64_t		 off;

	if (r->macp == NULL || (it = record_new(x->rec)) == NULL)
		return;
	memset(it, 0, sizeof(*it));
	it->ts = x->now_ts;
	memcpy(it->mac, r->mac, 6);
	it->seen = 1;
	it->arch = arch;
	/* "PXEClient:Arch:00007:UNDI:003016" and "iPXE", as DHCPv4 options 60 and 77 read. */
	if (dhcp6_item(&r->p->vendor_class, 4, &v, &vlen) == -1)
		vlen = 0;
	if (dhcp6_item(&r->p->user_class, 0, &u, &ulen) == -1)
		ulen = 0;
	if ((off = record_bytes(x->rec, v, vlen)) != -1 && record_bytes(x->rec, u, ulen) != -1) {
		it->class_off = (uint32_t)off;
		it->vendor_len = (uint8_t)vlen;
		it->user_len = (uint8_t)ulen;
	}
}

/* Is a (16 bytes) inside the pool? */
static int
pool_has(const struct settings *s, const uint8_t *a)
{
	return memcmp(a, s->pool6_lo, 16) >= 0 && memcmp(a, s->pool6_hi, 16) <= 0;
}

static uint64_t
low64(const uint8_t *a)
{
	uint64_t	 v = 0;
	int		 i;

	for (i = 8; i < 16; i++)
		v = v << 8 | a[i];
	return v;
}

static void
set_low64(uint8_t *a, uint64_t v)
{
	int	 i;

	for (i = 15; i >= 8; i--, v >>= 8)
		a[i] = (uint8_t)v;
}

/* 1 if addr can be leased to the IA now, else 0. */
static int
dhcp6_free(struct pxedhcpd *x, const struct d6req *r, uint32_t iaid,
    const uint8_t *addr)
{
	if (!pool_has(&x->pol->set, addr) || memcmp(addr, &r->local, 16) == 0)
		return 0;
	return !lease6_taken(x->l6, addr, r->p->clientid.data,
	    r->p->clientid.len, iaid, x->now);
}

/*
 * The address for an IA: the one it holds, else the one it asks for,
 * else the first free one from a place in the pool that the DUID and
 * IAID hash to (so that a client gets the same address after its lease
 * is gone). 1 with out set, 0 if the pool has none.
 */
static int
dhcp6_pick(struct pxedhcpd *x, const struct d6req *r,
    const struct dhcp6_ia *ia, uint8_t out[16], int *fresh)
{
	const struct settings	*s = &x->pol->set;
	const struct lease6	*l;
	uint64_t		 lo = low64(s->pool6_lo), span = low64(s->pool6_hi) - lo, h, i;
	size_t			 k;
	int			 rc;

	l = lease6_get(x->l6, r->p->clientid.data, r->p->clientid.len,
	    ia->iaid);
	/* Its own lease, bound and unexpired, is no new one (not limited). */
	*fresh = l == NULL || l->expires <= x->now;
	if (l != NULL && dhcp6_free(x, r, ia->iaid, l->addr)) {
		memcpy(out, l->addr, 16);
		return 1;
	}
	*fresh = 1;
	if (ia->has_addr && dhcp6_free(x, r, ia->iaid, ia->addr)) {
		memcpy(out, ia->addr, 16);
		return 1;
	}
	h = 14695981039346656037ull;
	for (k = 0; k < r->p->clientid.len; k++)
		h = (h ^ r->p->clientid.data[k]) * 1099511628211ull;
	h = (h ^ ia->iaid) * 1099511628211ull;
	memcpy(out, s->pool6_lo, 16);
	for (i = 0; i < DHCP6_PROBES && i <= span; i++) {
		/* span + 1 wraps to 0 for a whole /64: then any offset is in the pool. */
		set_low64(out, lo + (span == UINT64_MAX ? h + i : (h + i) % (span + 1)));
		if ((rc = dhcp6_free(x, r, ia->iaid, out)) != 0)
			return rc;
	}
	return 0;
}

/* The time of the receive batch in milliseconds, for counts a minute. */
static uint64_t
dhcp6_ms(const struct pxedhcpd *x)
{
	return (uint64_t)(x->now_ts * 1000);
}

/* The new-lease count of a link, its slot taken if it had none. */
static struct d6link *
dhcp6_link(const struct pxedhcpd *x, int ifindex)
{
	struct d6link	*l, *use = &d6links[0];
	size_t		 i;

	/* Its slot, else a free one, else the one unused longest. */
	for (i = 0; i < nitems(d6links); i++) {
		l = &d6links[i];
		if (l->ifindex == ifindex) {
			use = l;
			break;
		}
		if (use->ifindex != 0 &&
		    (l->ifindex == 0 || l->at_ms < use->at_ms))
			use = l;
	}
	use->at_ms = dhcp6_ms(x);
	/* A new link, or a new setting: a new minute. */
	if (use->ifindex != ifindex || use->rate != x->pol->set.lease6_rate) {
		use->ifindex = ifindex;
		use->rate = x->pol->set.lease6_rate;
		memset(&use->leases, 0, sizeof(use->leases));
		use->leases.start_ms = use->at_ms;
	}
	return use;
}

/* What dhcp6_mac_limit collects: the other bound leases of one MAC. */
struct d6mac {
	const struct pxedhcpd	*x;
	const struct d6req	*r;
	uint32_t		 iaid;
	size_t			 n;
	struct {
		uint8_t		 addr[16];
		int64_t		 updated;
	}			 l[DHCP6_MAC_LEASES];
};

static int
dhcp6_mac_lease(const struct lease6 *l, void *arg)
{
	struct d6mac	*m = arg;

	const struct dhcp6_opt	*cid = &m->r->p->clientid;

	if (strcmp(l->mac, m->r->macp) != 0 || l->declined ||
	    l->expires <= m->x->now)
		return 0;
	if (l->iaid == m->iaid && l->duidlen == cid->len &&
	    memcmp(l->duid, cid->data, cid->len) == 0)
		return 0;	/* the lease just bound */
	if (m->n < nitems(m->l)) {
		memcpy(m->l[m->n].addr, l->addr, 16);
		m->l[m->n].updated = l->updated;
		m->n++;
	}
	return 0;
}

/*
 * One MAC holds at most dhcp6.leases_per_mac bound leases: after a new
 * one, the oldest others go. A machine whose firmware and iPXE use two
 * DUIDs keeps booting; fresh DUIDs from one machine take one address.
 */
static void
dhcp6_mac_limit(struct pxedhcpd *x, const struct d6req *r, uint32_t iaid)
{
	struct d6mac	 m;
	struct lease6	 gone;
	char		 text[INET6_ADDRSTRLEN];
	size_t		 i, oldest, max = x->pol->set.lease6_per_mac;

	memset(&m, 0, sizeof(m));
	m.x = x;
	m.r = r;
	m.iaid = iaid;
	lease6_walk(x->l6, dhcp6_mac_lease, &m);
	while (m.n + 1 > max && m.n > 0) {
		for (oldest = 0, i = 1; i < m.n; i++)
			if (m.l[i].updated < m.l[oldest].updated)
				oldest = i;
		inet_ntop(AF_INET6, m.l[oldest].addr, text, sizeof(text));
		log_info("DHCPv6 %s: %s has %zu leases (dhcp6.leases_per_mac "
		    "%zu): %s released", r->srcstr, r->macp, m.n + 1, max,
		    text);
		memset(&gone, 0, sizeof(gone));
		memcpy(gone.addr, m.l[oldest].addr, 16);
		if (lease6_change(x, L6_RM, &gone) == -1)
			log_warnx("DHCPv6 %s: cannot release %s", r->srcstr,
			    text);
		m.l[oldest] = m.l[--m.n];
	}
}

/* An address answered, for the event: in its note, and the first one as its address. */
static void
dhcp6_note(struct d6req *r, const char *addr)
{
	strlcat(r->note, " ", sizeof(r->note));
	strlcat(r->note, addr, sizeof(r->note));
	if (r->leased[0] == '\0')
		strlcpy(r->leased, addr, sizeof(r->leased));
}

/* The lease of an IA of r's client, for lease6_change; -1 if it cannot be. */
static int
dhcp6_lease(const struct pxedhcpd *x, const struct d6req *r, uint32_t iaid,
    const uint8_t addr[16], int64_t expires, struct lease6 *l)
{
	/* A DUID is 2 to 130 bytes (RFC 8415 §11), as leases6 checks. */
	if (r->p->clientid.len < 2 || r->p->clientid.len > sizeof(l->duid)) {
		log_warnx("DHCPv6 %s: a client id of %zu bytes: no lease",
		    r->srcstr, r->p->clientid.len);
		return -1;
	}
	memset(l, 0, sizeof(*l));
	memcpy(l->addr, addr, 16);
	l->duidlen = (uint8_t)r->p->clientid.len;
	memcpy(l->duid, r->p->clientid.data, l->duidlen);
	l->iaid = iaid;
	if (r->macp != NULL)
		strlcpy(l->mac, r->macp, sizeof(l->mac));
	l->expires = expires;
	l->updated = x->now;
	return 0;
}

/*
 * Answer one IA with addr for a full lease, binding it first if commit
 * (in memory, written behind). 0, or -1 on an error.
 */
static int
dhcp6_grant(struct pxedhcpd *x, struct d6req *r, const struct dhcp6_ia *ia,
    const uint8_t addr[16], int commit)
{
	struct lease6	 l;
	uint32_t	 t = x->pol->set.lease6_time;
	char		 text[INET6_ADDRSTRLEN];

	inet_ntop(AF_INET6, addr, text, sizeof(text));
	if (commit) {
		if (dhcp6_lease(x, r, ia->iaid, addr, x->now + t, &l) == -1)
			return -1;
		if (lease6_change(x, L6_BIND, &l) == -1) {
			log_warnx("DHCPv6 %s: cannot lease %s", r->srcstr,
			    text);
			return -1;
		}
		if (r->macp != NULL)
			dhcp6_mac_limit(x, r, ia->iaid);
	}
	/* T1 and T2 at 1/2 and 4/5 of the lifetime (RFC 8415 §21.4). */
	if (dhcp6_put_ia_na(&r->o, ia->iaid, t / 2, t / 5 * 4, addr, t, t, 0, NULL) == -1)
		return -1;
	dhcp6_note(r, text);
	return 0;
}

/* The IA_NA part of an ADVERTISE (commit 0) or of a REPLY to REQUEST or REBIND (commit 1). */
static int
dhcp6_assign(struct pxedhcpd *x, struct d6req *r, int commit)
{
	static struct nb_rate	 nlog;		/* its log lines */
	struct d6link		*link;
	uint8_t			 addr[16];
	int			 i, rc, n = 0, fresh;

	if (lease6_sync(x) == -1)
		return -1;
	for (i = 0; i < r->p->nia; i++) {
		rc = dhcp6_pick(x, r, &r->p->ia[i], addr, &fresh);
		link = fresh ? dhcp6_link(x, r->ifindex) : NULL;
		if (rc == 1 && link != NULL && nb_rate_full(&link->leases,
		    link->rate, 60000, dhcp6_ms(x))) {
			/* This minute's are taken: as if the pool were full. */
			if (dhcp6_put_ia_na(&r->o, r->p->ia[i].iaid, 0, 0, NULL,
			    0, 0, D6S_NOADDRS,
			    "too many new leases on this link") == -1)
				return -1;
			strlcat(r->note, " (dhcp6.leases_per_minute reached)",
			    sizeof(r->note));
			if (nb_rate_log(&nlog, 1))
				log_warnx("DHCPv6 %s: dhcp6.leases_per_minute "
				    "(%u) reached on interface %d: no lease",
				    r->srcstr, x->pol->set.lease6_rate,
				    r->ifindex);
			continue;
		}
		if (rc == 1 && link != NULL && commit)
			nb_rate_hit(&link->leases, link->rate, 60000,
			    dhcp6_ms(x), NULL);
		if (rc == 0) {
			/* RFC 8415 §18.3.2 and §18.3.9: NoAddrsAvail inside the IA. */
			if (dhcp6_put_ia_na(&r->o, r->p->ia[i].iaid, 0, 0, NULL, 0, 0, D6S_NOADDRS,
			    "no free address in dhcp6.pool") == -1)
				return -1;
			strlcat(r->note, " (no free address in dhcp6.pool)", sizeof(r->note));
			log_warnx("DHCPv6 %s: no free address in dhcp6.pool", r->srcstr);
			continue;
		}
		if (dhcp6_grant(x, r, &r->p->ia[i], addr, commit) == -1)
			return -1;
		n++;
	}
	return n;
}

/* Options every reply of ours carries besides the ids: DNS servers (option 23) if set. */
static int
dhcp6_common(const struct pxedhcpd *x, struct d6req *r)
{
	const struct settings	*s = &x->pol->set;

	if (s->ndns6 == 0)
		return 0;
	return dhcp6_put_opt(&r->o, D6O_DNS_SERVERS, s->dns6, (size_t)s->ndns6 * 16);
}

/* Send r's reply back to the client's address and port, out of the arrival interface. */
static int
dhcp6_send(struct pxedhcpd *x, struct d6req *r, int ifindex, struct sockaddr_in6 *src)
{
	struct msghdr		 msg;
	struct iovec		 iov;
	struct in6_pktinfo	*pi;
	struct cmsghdr		*cmsg;
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	}			 cm;

	memset(&msg, 0, sizeof(msg));
	memset(&cm, 0, sizeof(cm));
	iov.iov_base = r->o.buf;
	iov.iov_len = r->o.len;
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
		log_warn("DHCPv6 send to %s", r->srcstr);
		return -1;
	}
	x->answered++;
	return 0;
}

/*
 * RENEW, REBIND, RELEASE, DECLINE and CONFIRM (RFC 8415 §18.3.4 to
 * §18.3.8) of the leases of the stateful mode. A client that holds no
 * lease of ours is another server's: silence, except for a RENEW sent to
 * us, which learns NoBinding. 0 if a reply was built, -1 for silence.
 */
static int
dhcp6_lease_msg(struct pxedhcpd *x, struct d6req *r, const char **kind)
{
	const struct dhcp6_pkt	*p = r->p;
	const struct settings	*s = &x->pol->set;
	const struct lease6	*l;
	struct lease6		 ch;
	char			 text[INET6_ADDRSTRLEN];
	uint8_t			 addr[16];
	int			 i, held, ours = 0, onlink = 1;

	if (lease6_sync(x) == -1 ||
	    dhcp6_reply(&r->o, p, DHCP6_REPLY, r->duid, sizeof(r->duid), NULL, 0) == -1)
		return -1;
	*kind = "dhcp-ack";
	for (i = 0; i < p->nia; i++) {
		const struct dhcp6_ia	*ia = &p->ia[i];

		/* A copy: a change below frees the table's lease. */
		l = lease6_get(x->l6, p->clientid.data, p->clientid.len,
		    ia->iaid);
		if ((held = l != NULL))
			memcpy(addr, l->addr, 16);
		if (ia->has_addr)
			inet_ntop(AF_INET6, ia->addr, text, sizeof(text));
		switch (p->type) {
		case DHCP6_RENEW:
		case DHCP6_REBIND:
			if (held && dhcp6_free(x, r, ia->iaid, addr)) {
				if (dhcp6_grant(x, r, ia, addr, 1) == -1)
					return -1;
				ours++;
			} else if (p->type == DHCP6_REBIND && ia->has_addr &&
			    dhcp6_free(x, r, ia->iaid, ia->addr)) {
				/* Our own lease table lost it (bootctl lease rm): bind it again. */
				if (dhcp6_grant(x, r, ia, ia->addr, 1) == -1)
					return -1;
				ours++;
			} else if (p->type == DHCP6_RENEW) {
				if (dhcp6_put_ia_na(&r->o, ia->iaid, 0, 0, NULL, 0, 0, D6S_NOBINDING,
				    "no lease for this IA") == -1)
					return -1;
				strlcat(r->note, " (no lease for an IA)", sizeof(r->note));
				ours++;
			}
			break;
		case DHCP6_RELEASE:
		case DHCP6_DECLINE:
			if (!ia->has_addr)
				break;
			/* The IA's bound lease of the address (db_lease6.c). */
			if (held && memcmp(addr, ia->addr, 16) == 0) {
				if (dhcp6_lease(x, r, ia->iaid, ia->addr,
				    x->now + s->lease6_time, &ch) == -1 ||
				    lease6_change(x, p->type == DHCP6_RELEASE ?
				    L6_RELEASE : L6_DECLINE, &ch) == -1)
					return -1;
				dhcp6_note(r, text);
				ours++;
			}
			/* RELEASE and DECLINE are acknowledged even for a lease we do not know. */
			ours += p->serverid.present;
			break;
		case DHCP6_CONFIRM:
			ours += held;
			if (ia->has_addr && !pool_has(s, ia->addr))
				onlink = 0;
			if (ia->has_addr)
				dhcp6_note(r, text);
			break;
		}
	}
	if (ours == 0)
		return -1;
	if (p->type == DHCP6_RELEASE || p->type == DHCP6_DECLINE) {
		*kind = p->type == DHCP6_RELEASE ? "dhcp-release" : "dhcp-decline";
		if (dhcp6_put_status(&r->o, D6S_SUCCESS, "done") == -1)
			return -1;
	} else if (p->type == DHCP6_CONFIRM) {
		if (dhcp6_put_status(&r->o, onlink ? D6S_SUCCESS : D6S_NOTONLINK,
		    onlink ? "on link" : "not on this link") == -1)
			return -1;
		if (!onlink)
			strlcat(r->note, " (not on link)", sizeof(r->note));
	}
	return dhcp6_common(x, r);
}

/* The boot file URL for this client, or NULL (with the reason logged and queued). */
static const char *
dhcp6_url(struct pxedhcpd *x, struct d6req *r, int arch, const char *aname, int http,
    char *url, size_t urlsz)
{
	const char	*loader;
	char		 addr[INET6_ADDRSTRLEN];
	int		 n;

	inet_ntop(AF_INET6, &r->local, addr, sizeof(addr));
	loader = arch < PXEDHCPD_MAXARCH ? x->pol->set.bootloader[arch] : NULL;
	if (r->p->ipxe)
		n = snprintf(url, urlsz, "http://[%s]:%d/boot.ipxe", addr, x->http_port);
	else if (loader == NULL) {
		x->ignored++;
		log_info("DHCPv6 %s: no bootloader for arch %d (%s): set bootloader.%d",
		    r->srcstr, arch, aname, arch);
		nb_evq_push(x->d->evq, r->macp, "dhcp-ignore", NULL, "DHCPv6 %s from %s "
		    "(arch %d) ignored: no bootloader for this arch (setting bootloader.%d)",
		    dhcp6_type_name(r->p->type), aname, arch, arch);
		return NULL;
	} else if (http)
		n = snprintf(url, urlsz, "http://[%s]:%d/%s", addr, x->http_port, loader);
	else
		n = snprintf(url, urlsz, "tftp://[%s]/%s", addr, loader);
	if (n < 0 || (size_t)n >= urlsz) {
		log_warnx("DHCPv6 %s: boot file URL longer than %zu bytes", r->srcstr, urlsz);
		return NULL;
	}
	return url;
}

/* SOLICIT, REQUEST and INFORMATION-REQUEST of a PXE client: the boot file, and an address if stateful. */
static int
dhcp6_boot_msg(struct pxedhcpd *x, struct d6req *r, const char **kind, char *url, size_t urlsz)
{
	const struct dhcp6_pkt	*p = r->p;
	const char		*why, *aname;
	enum dhcp_arch_kind	 akind;
	int			 arch, http, type;
	static const uint8_t	 pref = 255;

	if (!p->pxe && !p->wants_url) {
		log_debug("DHCPv6 %s from %s: not a PXE client", dhcp6_type_name(p->type),
		    r->srcstr);
		return -1;
	}
	arch = dhcp6_arch(p);
	if (r->macp != NULL)
		arch = policy_arch(x->pol, r->mac, arch);
	akind = dhcp_arch_kind(arch, &aname);
	http = akind == ARCH_HTTP || p->http;
	dhcp6_seen(x, r, arch);
	if ((why = dhcp6_refusal(x, r)) != NULL) {
		x->ignored++;
		nb_evq_push(x->d->evq, r->macp, "dhcp-ignore", NULL, "DHCPv6 %s from %s (arch %d) "
		    "ignored: %s", dhcp6_type_name(p->type), aname, arch, why);
		return -1;
	}
	if (dhcp6_url(x, r, arch, aname, http, url, urlsz) == NULL)
		return -1;
	type = p->type == DHCP6_SOLICIT ? DHCP6_ADVERTISE : DHCP6_REPLY;
	*kind = type == DHCP6_ADVERTISE ? "dhcp-offer" : "dhcp-ack";
	if (dhcp6_reply(&r->o, p, type, r->duid, sizeof(r->duid), url, http && !p->ipxe) == -1)
		goto toobig;
	if (x->pol->set.pool6_on && p->type != DHCP6_INFO_REQUEST && p->nia > 0) {
		if (dhcp6_assign(x, r, p->type == DHCP6_REQUEST) == -1)
			return -1;
		/* The highest preference: the client need not wait for other servers (§18.2.9). */
		if (type == DHCP6_ADVERTISE &&
		    dhcp6_put_opt(&r->o, D6O_PREFERENCE, &pref, 1) == -1)
			goto toobig;
	}
	if (dhcp6_common(x, r) == -1)
		goto toobig;
	snprintf(r->note + strlen(r->note), sizeof(r->note) - strlen(r->note),
	    " for %s (arch %d)", aname, arch);
	return 0;
toobig:
	log_warnx("DHCPv6 %s: reply does not fit in %zu bytes", r->srcstr, sizeof(r->o.buf));
	return -1;
}

/* The neighbour table's MAC for the source (DHCP6_NEIGH_PER_SEC a second). */
static int
dhcp6_neigh(const struct d6req *r, char mac[NB_MACSTR_LEN])
{
	static struct nb_rate	 reads;

	if (!nb_rate_hit(&reads, DHCP6_NEIGH_PER_SEC, 1000,
	    nb_monotonic_ms(), NULL))
		return -1;
	return nb_neigh_mac(r->srcstr, mac);
}

/*
 * Who sent r, from evidence only (netboot(7)): the MAC of an EUI-64
 * link-local source, else the neighbour table's entry for the source.
 * The MAC of a DUID-LL(T) is a claim anyone can make: it names nobody,
 * and one that differs from the evidence is logged. No evidence: unknown.
 */
static void
dhcp6_identify(struct d6req *r, const struct sockaddr_in6 *src)
{
	char	 claim[NB_MACSTR_LEN];

	if (dhcp6_eui64_mac(src->sin6_addr.s6_addr, r->mac) == 0)
		nb_mac_format(r->mac, r->macstr);
	else if (dhcp6_neigh(r, r->macstr) == -1 ||
	    nb_mac_parse(r->macstr, r->mac) == -1)
		r->macstr[0] = '\0';
	r->macp = r->macstr[0] != '\0' ? r->macstr : NULL;
	if (r->p->has_mac) {
		nb_mac_format(r->p->mac, claim);
		if (r->macp == NULL || strcmp(claim, r->macp) != 0)
			log_debug("DHCPv6 %s: its DUID names %s, which the "
			    "source does not confirm: %s", r->srcstr, claim,
			    r->macp ? r->macp : "MAC unknown");
	}
}

/* Decide and answer one parsed request that arrived on ifindex from src. */
static void
dhcp6_handle(struct pxedhcpd *x, const struct dhcp6_pkt *p, int ifindex,
    struct sockaddr_in6 *src, const char *srcstr)
{
	struct d6req		 r;
	char			 url[512];
	uint8_t			 ifmac[6];
	const char		*kind = NULL, *reply;
	int			 lease_msg, rc;

	switch (p->type) {
	case DHCP6_SOLICIT:
	case DHCP6_REQUEST:
	case DHCP6_INFO_REQUEST:
		lease_msg = 0;
		break;
	case DHCP6_RENEW:
	case DHCP6_REBIND:
	case DHCP6_RELEASE:
	case DHCP6_DECLINE:
	case DHCP6_CONFIRM:
		/* Leases exist only in the stateful mode; otherwise the site's server's. */
		if (!x->pol->set.pool6_on || p->nia == 0)
			return;
		lease_msg = 1;
		break;
	default:
		return;
	}
	memset(&r, 0, sizeof(r));
	r.p = p;
	r.srcstr = srcstr;
	r.ifindex = ifindex;
	dhcp6_identify(&r, src);
	/* The server id is the DUID-LL of the arrival interface's MAC. */
	if (dhcp6_local(ifindex, ifmac, &r.local) == -1) {
		log_debug("DHCPv6: interface %d has no MAC or IPv6 address to answer from",
		    ifindex);
		return;
	}
	dhcp6_duid_ll(ifmac, r.duid);
	/* RFC 8415 §16: SOLICIT, REBIND and CONFIRM name no server; REQUEST, RENEW,
	 * RELEASE and DECLINE must name us; INFORMATION-REQUEST may. */
	if (p->serverid.present ? p->type == DHCP6_SOLICIT || p->type == DHCP6_REBIND ||
	    p->type == DHCP6_CONFIRM || p->serverid.len != sizeof(r.duid) ||
	    memcmp(p->serverid.data, r.duid, sizeof(r.duid)) != 0 :
	    p->type == DHCP6_REQUEST || p->type == DHCP6_RENEW || p->type == DHCP6_RELEASE ||
	    p->type == DHCP6_DECLINE)
		return;
	url[0] = '\0';
	rc = lease_msg ? dhcp6_lease_msg(x, &r, &kind) :
	    dhcp6_boot_msg(x, &r, &kind, url, sizeof(url));
	if (rc == -1 || dhcp6_send(x, &r, ifindex, src) == -1)
		return;
	reply = r.o.buf[0] == DHCP6_ADVERTISE ? "ADVERTISE" : "REPLY";
	if (lease_msg)
		nb_evq_push(x->d->evq, r.macp, kind, r.leased[0] ? r.leased : NULL,
		    "DHCPv6 %s to %s:%s", reply, dhcp6_type_name(p->type), r.note);
	else
		nb_evq_push(x->d->evq, r.macp, kind, r.leased[0] ? r.leased : NULL,
		    "DHCPv6 %s with boot file URL %s%s%s", reply, url,
		    r.leased[0] ? ", address" : "", r.note);
	log_debug("%s %s: DHCPv6 %s to %s%s", kind, r.macp ? r.macp : srcstr, reply,
	    dhcp6_type_name(p->type), r.note);
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

	x->pol = feed_take(x->feed);
	rx_clock(x);
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
	lease6_free(x->l6);
	x->l6 = NULL;
}
