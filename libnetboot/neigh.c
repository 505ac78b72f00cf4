/*
 * neigh.c: the kernel's neighbour tables (ARP for IPv4, NDP for IPv6),
 * read from /proc/net/arp and by netlink (RTM_GETNEIGH): the daemons
 * learn the MAC of a peer that connects from an address.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "neigh.h"

/*
 * The kernel's NUD_VALID (not exported): states with a usable link
 * address, as /proc/net/arp's ATF_COM.
 */
#define NEIGH_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | \
	NUD_PROBE | NUD_STALE | NUD_DELAY)

int
nb_neigh_addr(const char *ip, struct in6_addr *out)
{
	struct in_addr	 in;

	if (ip == NULL)
		return -1;
	if (nb_ip_parse(ip, &in) == 0) {
		memset(out, 0, sizeof(*out));
		out->s6_addr[10] = 0xff;
		out->s6_addr[11] = 0xff;
		memcpy(&out->s6_addr[12], &in, sizeof(in));
		return 0;
	}
	return inet_pton(AF_INET6, ip, out) == 1 ? 0 : -1;
}

size_t
nb_neigh_parse_arp(FILE *fp, struct nb_neigh *tab, size_t max)
{
	static const uint8_t	 zero[NB_MAC_LEN];
	char			 line[256], ip[64], hw[64];
	unsigned int		 type, flags;
	size_t			 n = 0;

	/* Flags 0 is an incomplete entry, with a zero address. */
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%63s 0x%x 0x%x %63s", ip, &type, &flags,
		    hw) != 4)
			continue;
		/* A zero address in any spelling is no one's (NDA_LLADDR). */
		if (flags == 0 || !nb_ip_valid(ip) ||
		    nb_neigh_addr(ip, &tab[n].ip) == -1 ||
		    nb_mac_parse(hw, tab[n].mac) == -1 ||
		    memcmp(tab[n].mac, zero, NB_MAC_LEN) == 0)
			continue;
		n++;
	}
	return n;
}

/* The complete entries of /proc/net/arp. */
static size_t
neigh_read4(struct nb_neigh *tab, size_t max)
{
	FILE		*fp;
	size_t		 n;

	if ((fp = fopen("/proc/net/arp", "re")) == NULL)
		return 0;
	n = nb_neigh_parse_arp(fp, tab, max);
	fclose(fp);
	return n;
}

/*
 * One RTM_NEWNEIGH message of len bytes (header included) into e if it is
 * a valid entry of family (AF_INET6 or AF_INET, the latter stored as
 * ::ffff:a.b.c.d) with a 6-byte link address. Headers are copied out, so
 * the message may lie at any alignment (rtnetlink(7) layout).
 */
static int
neigh_msg(const uint8_t *msg, size_t len, int family, struct nb_neigh *e)
{
	static const uint8_t	 zero[NB_MAC_LEN];
	struct ndmsg		 nd;
	struct rtattr		 rta;
	const uint8_t		*data;
	size_t			 off, plen;
	int			 dst = 0, ll = 0;

	if (len < NLMSG_LENGTH(sizeof(nd)))
		return -1;
	memcpy(&nd, msg + NLMSG_HDRLEN, sizeof(nd));
	if (nd.ndm_family != family || !(nd.ndm_state & NEIGH_VALID))
		return -1;
	for (off = NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nd));
	    off + sizeof(rta) <= len; off += RTA_ALIGN(rta.rta_len)) {
		memcpy(&rta, msg + off, sizeof(rta));
		if (rta.rta_len < sizeof(rta) || rta.rta_len > len - off)
			break;
		plen = rta.rta_len - RTA_LENGTH(0);
		data = msg + off + RTA_LENGTH(0);
		if (rta.rta_type == NDA_DST && family == AF_INET6 &&
		    plen == sizeof(e->ip)) {
			memcpy(&e->ip, data, sizeof(e->ip));
			dst = 1;
		} else if (rta.rta_type == NDA_DST && family == AF_INET &&
		    plen == 4) {
			memset(&e->ip, 0, sizeof(e->ip));
			e->ip.s6_addr[10] = e->ip.s6_addr[11] = 0xff;
			memcpy(&e->ip.s6_addr[12], data, 4);
			dst = 1;
		} else if (rta.rta_type == NDA_LLADDR && plen == NB_MAC_LEN) {
			memcpy(e->mac, data, NB_MAC_LEN);
			ll = memcmp(e->mac, zero, NB_MAC_LEN) != 0;
		}
	}
	return dst && ll ? 0 : -1;
}

size_t
nb_neigh_parse_nl(const void *buf, size_t len, struct nb_neigh *tab,
    size_t max, int *done)
{
	const uint8_t	*p = buf;
	struct nlmsghdr	 nh;
	size_t		 off = 0, n = 0;

	while (off + sizeof(nh) <= len) {
		memcpy(&nh, p + off, sizeof(nh));
		if (nh.nlmsg_len < sizeof(nh) || nh.nlmsg_len > len - off)
			break;
		if (nh.nlmsg_type == NLMSG_DONE ||
		    nh.nlmsg_type == NLMSG_ERROR) {
			*done = 1;
			break;
		}
		if (nh.nlmsg_type == RTM_NEWNEIGH && n < max &&
		    neigh_msg(p + off, nh.nlmsg_len, AF_INET6, &tab[n]) == 0)
			n++;
		off += NLMSG_ALIGN(nh.nlmsg_len);
	}
	return n;
}

/*
 * The valid entries of the IPv6 neighbour table (what ip -6 neigh shows),
 * by a netlink dump.
 */
static size_t
neigh_read6(struct nb_neigh *tab, size_t max)
{
	static union {
		struct nlmsghdr	 nh;
		uint8_t		 buf[32768];
	}			 rx;
	struct {
		struct nlmsghdr	 nh;
		struct ndmsg	 nd;
	}			 req;
	ssize_t			 got;
	size_t			 n = 0;
	int			 s, end = 0;

	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return 0;
	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.nd.ndm_family = AF_INET6;
	if (send(s, &req, sizeof(req), 0) == -1) {
		close(s);
		return 0;
	}
	/* The kernel answers a dump at once, in parts, up to NLMSG_DONE. */
	while (!end && (got = recv(s, rx.buf, sizeof(rx.buf), 0)) > 0)
		n += nb_neigh_parse_nl(rx.buf, (size_t)got, tab + n, max - n,
		    &end);
	close(s);
	return n;
}

size_t
nb_neigh_read(struct nb_neigh *tab, size_t max)
{
	size_t	 n = neigh_read4(tab, max);

	return n + neigh_read6(tab + n, max - n);
}

/*
 * The entry of a (IPv4-mapped or IPv6) on interface ifindex by one netlink
 * RTM_GETNEIGH (Linux 5.0 and later): 0 and its MAC, -1 if there is none,
 * -2 if the kernel cannot answer the question (then a dump must).
 */
static int
neigh_get1(int s, int ifindex, const struct in6_addr *a,
    uint8_t mac[NB_MAC_LEN])
{
	struct {
		struct nlmsghdr	 nh;
		struct ndmsg	 nd;
		struct rtattr	 rta;
		uint8_t		 dst[16];
	}			 req;
	union {
		struct nlmsghdr	 nh;
		uint8_t		 buf[1024];
	}			 rx;
	const struct nlmsgerr	*err;
	struct nb_neigh		 e;
	int			 v4 = IN6_IS_ADDR_V4MAPPED(a);
	int			 alen = v4 ? 4 : 16;
	ssize_t			 got;

	memset(&req, 0, sizeof(req));
	req.nh.nlmsg_len = NLMSG_LENGTH(sizeof(req.nd)) + RTA_LENGTH(alen);
	req.nh.nlmsg_type = RTM_GETNEIGH;
	req.nh.nlmsg_flags = NLM_F_REQUEST;
	req.nd.ndm_family = v4 ? AF_INET : AF_INET6;
	req.nd.ndm_ifindex = ifindex;
	req.rta.rta_type = NDA_DST;
	req.rta.rta_len = RTA_LENGTH(alen);
	memcpy(req.dst, v4 ? &a->s6_addr[12] : a->s6_addr, alen);
	if (send(s, &req, req.nh.nlmsg_len, 0) == -1 ||
	    (got = recv(s, rx.buf, sizeof(rx.buf), 0)) <
	    (ssize_t)NLMSG_HDRLEN ||
	    rx.nh.nlmsg_len < NLMSG_HDRLEN || rx.nh.nlmsg_len > (size_t)got)
		return -2;
	if (rx.nh.nlmsg_type == NLMSG_ERROR) {
		err = NLMSG_DATA(&rx.nh);
		return err->error == -ENOENT || err->error == -ENODEV ? -1 : -2;
	}
	if (rx.nh.nlmsg_type != RTM_NEWNEIGH)
		return -2;
	if (neigh_msg(rx.buf, rx.nh.nlmsg_len, v4 ? AF_INET : AF_INET6,
	    &e) == -1)
		return -1;
	memcpy(mac, e.mac, NB_MAC_LEN);
	return 0;
}

/*
 * The entry of a asked of the kernel, interface by interface: 0 found,
 * -1 none, -2 the kernel cannot be asked for one address (before 5.0).
 */
static int
neigh_get(const struct in6_addr *a, uint8_t mac[NB_MAC_LEN])
{
	struct if_nameindex	*ifs, *i;
	int			 s, rc = -1, r;

	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	    NETLINK_ROUTE)) == -1)
		return -2;
	if ((ifs = if_nameindex()) == NULL) {
		close(s);
		return -2;
	}
	for (i = ifs; i->if_index != 0; i++) {
		if ((r = neigh_get1(s, (int)i->if_index, a, mac)) == 0) {
			rc = 0;
			break;
		}
		if (r == -2)
			rc = -2;
	}
	if_freenameindex(ifs);
	close(s);
	return rc;
}

int
nb_neigh_mac(const char *ip, char out[NB_MACSTR_LEN])
{
	struct nb_neigh	 tab[256];
	struct in6_addr	 a;
	uint8_t		 mac[NB_MAC_LEN];
	size_t		 i, n;
	int		 rc;

	if (nb_neigh_addr(ip, &a) == -1)
		return -1;
	/* A loopback peer has no neighbour entry: spare the kernel asking. */
	if (IN6_IS_ADDR_LOOPBACK(&a) ||
	    (IN6_IS_ADDR_V4MAPPED(&a) && a.s6_addr[12] == 127))
		return -1;
	/* One address asked of the kernel: no table to scan, however large. */
	if ((rc = neigh_get(&a, mac)) == 0) {
		nb_mac_format(mac, out);
		return 0;
	}
	if (rc == -1)
		return -1;
	/* An IPv4 client needs only the ARP table, not a netlink dump. */
	n = IN6_IS_ADDR_V4MAPPED(&a) ?
	    neigh_read4(tab, sizeof(tab) / sizeof(tab[0])) :
	    neigh_read6(tab, sizeof(tab) / sizeof(tab[0]));
	for (i = 0; i < n; i++) {
		if (memcmp(&tab[i].ip, &a, sizeof(a)) == 0) {
			nb_mac_format(tab[i].mac, out);
			return 0;
		}
	}
	return -1;
}
