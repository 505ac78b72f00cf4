/* addr.c: MAC and IP address helpers, socket addresses, the neighbour table. */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <linux/neighbour.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "log.h"

/* The kernel's NUD_VALID (not exported): states with a usable link address, as /proc/net/arp's ATF_COM. */
#define NEIGH_VALID	(NUD_PERMANENT | NUD_NOARP | NUD_REACHABLE | NUD_PROBE | NUD_STALE | \
	NUD_DELAY)

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Six groups of one or two hex digits separated by sep. */
static int
mac_parse_sep(const char *s, int sep, uint8_t mac[NB_MAC_LEN])
{
	int	 i, hi, lo;

	for (i = 0; i < NB_MAC_LEN; i++) {
		if ((hi = hexval(*s++)) < 0)
			return -1;
		if ((lo = hexval(*s)) >= 0) {
			mac[i] = (uint8_t)(hi << 4 | lo);
			s++;
		} else
			mac[i] = (uint8_t)hi;
		if (i < NB_MAC_LEN - 1 && *s++ != sep)
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* Twelve hex digits, with a dot after every fourth (Cisco) or none. */
static int
mac_parse_plain(const char *s, int dotted, uint8_t mac[NB_MAC_LEN])
{
	int	 i, hi, lo;

	for (i = 0; i < NB_MAC_LEN; i++) {
		if (dotted && (i == 2 || i == 4) && *s++ != '.')
			return -1;
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0' ? 0 : -1;
}

int
nb_mac_parse(const char *s, uint8_t mac[NB_MAC_LEN])
{
	size_t	 len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	/* The separator decides the spelling, not the length: a-b-c-d-e-ff is 12 long. */
	if (strchr(s, ':') != NULL)
		return len <= 17 ? mac_parse_sep(s, ':', mac) : -1;
	if (strchr(s, '-') != NULL)
		return len <= 17 ? mac_parse_sep(s, '-', mac) : -1;
	if (strchr(s, '.') != NULL)
		return len == 14 ? mac_parse_plain(s, 1, mac) : -1;
	return len == 12 ? mac_parse_plain(s, 0, mac) : -1;
}

static const char hexdigit[] = "0123456789abcdef";

/*
 * By hand: daemons format a MAC per packet, and snprintf costs ~3k
 * instructions.
 */
void
nb_hex_format(const uint8_t *b, size_t len, char *out, size_t outsz)
{
	size_t	 i;

	if (outsz == 0)
		return;
	out[0] = '\0';
	for (i = 0; i < len && 3 * i + 3 <= outsz; i++) {
		out[3 * i] = hexdigit[b[i] >> 4];
		out[3 * i + 1] = hexdigit[b[i] & 0xf];
		out[3 * i + 2] = i + 1 < len ? ':' : '\0';
	}
	if (i > 0)
		out[3 * i - 1] = '\0';
}

void
nb_hex(const uint8_t *b, size_t len, char *out)
{
	size_t	 i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hexdigit[b[i] >> 4];
		out[2 * i + 1] = hexdigit[b[i] & 0xf];
	}
	out[2 * len] = '\0';
}

void
nb_mac_format(const uint8_t mac[NB_MAC_LEN], char out[NB_MACSTR_LEN])
{
	nb_hex_format(mac, NB_MAC_LEN, out, NB_MACSTR_LEN);
}

void
nb_uuid_format(const uint8_t u[NB_UUID_LEN], char out[NB_UUIDSTR_LEN])
{
	/* Where each byte's two digits go: no test per byte. */
	static const uint8_t at[NB_UUID_LEN] = { 0, 2, 4, 6, 9, 11, 14, 16,
	    19, 21, 24, 26, 28, 30, 32, 34 };
	size_t	 i;

	/* RFC 9562 §4: 8-4-4-4-12 hex digits, bytes in wire order. */
	for (i = 0; i < NB_UUID_LEN; i++) {
		out[at[i]] = hexdigit[u[i] >> 4];
		out[at[i] + 1] = hexdigit[u[i] & 0xf];
	}
	out[8] = out[13] = out[18] = out[23] = '-';
	out[36] = '\0';
}

int
nb_mac_canon(const char *s, char out[NB_MACSTR_LEN])
{
	uint8_t	 mac[NB_MAC_LEN];

	if (nb_mac_parse(s, mac) == -1)
		return -1;
	nb_mac_format(mac, out);
	return 0;
}

int
nb_ip_parse(const char *s, struct in_addr *in)
{
	return inet_pton(AF_INET, s, in) == 1 ? 0 : -1;
}

int
nb_ip_valid(const char *s)
{
	struct in_addr	 in;

	return s != NULL && nb_ip_parse(s, &in) == 0;
}

int
nb_addr_valid(const char *s)
{
	union nb_sockaddr	 sa;

	return s != NULL && nb_sa_parse(s, 0, &sa) == 0;
}

int
nb_sa_parse(const char *s, int port, union nb_sockaddr *sa)
{
	struct addrinfo	 hints, *ai;

	memset(sa, 0, sizeof(*sa));
	if (s == NULL || *s == '\0')
		return -1;
	/* Numeric only: a listen address never costs a DNS lookup. */
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	hints.ai_socktype = SOCK_DGRAM;
	if (getaddrinfo(s, NULL, &hints, &ai) != 0)
		return -1;
	if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
	    ai->ai_addrlen > sizeof(*sa) ||
	    (ai->ai_family == AF_INET && !nb_ip_valid(s))) {
		/* getaddrinfo takes "10.1" and "0x7f.1" too; IPv4 must be a dotted quad. */
		freeaddrinfo(ai);
		return -1;
	}
	memcpy(sa, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(ai);
	if (sa->sa.sa_family == AF_INET)
		sa->sin.sin_port = htons((uint16_t)port);
	else
		sa->sin6.sin6_port = htons((uint16_t)port);
	return 0;
}

socklen_t
nb_sa_len(const union nb_sockaddr *sa)
{
	return sa->sa.sa_family == AF_INET6 ? sizeof(sa->sin6) : sizeof(sa->sin);
}

void
nb_sa_unmap(union nb_sockaddr *sa)
{
	struct sockaddr_in	 sin;

	if (sa->sa.sa_family != AF_INET6 || !IN6_IS_ADDR_V4MAPPED(&sa->sin6.sin6_addr))
		return;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = sa->sin6.sin6_port;
	memcpy(&sin.sin_addr, &sa->sin6.sin6_addr.s6_addr[12], sizeof(sin.sin_addr));
	memset(sa, 0, sizeof(*sa));
	sa->sin = sin;
}

int
nb_sa_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

const char *
nb_sa_ntop(const struct sockaddr *sa, char *buf, size_t len)
{
	const struct sockaddr_in6	*s6 = (const struct sockaddr_in6 *)(const void *)sa;
	const struct sockaddr_in	*s4 = (const struct sockaddr_in *)(const void *)sa;

	buf[0] = '\0';
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &s4->sin_addr, buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6 && IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
		inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], buf, (socklen_t)len);
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &s6->sin6_addr, buf, (socklen_t)len);
	return buf;
}

int
nb_bind(const char *addr, int type, int port)
{
	union nb_sockaddr	 sa;
	int			 s, on = 1, off = 0, saved;

	if (nb_sa_parse(addr, port, &sa) == -1) {
		errno = EINVAL;
		return -1;
	}
	s = socket(sa.sa.sa_family, type | SOCK_CLOEXEC, 0);
	if (s == -1 && errno == EAFNOSUPPORT && sa.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sa.sin6.sin6_addr)) {
		log_info("the kernel has no IPv6: listening on 0.0.0.0 instead of ::");
		nb_sa_parse("0.0.0.0", port, &sa);
		s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	}
	if (s == -1)
		return -1;
	/* Whatever net.ipv6.bindv6only says: IPv4 clients must keep working on "::". */
	if ((sa.sa.sa_family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == -1) ||
	    (type == SOCK_STREAM &&
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) ||
	    bind(s, &sa.sa, nb_sa_len(&sa)) == -1) {
		saved = errno;
		close(s);
		errno = saved;
		return -1;
	}
	return s;
}

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
		/* A zero address in any spelling is no one's (as NDA_LLADDR). */
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

/* The valid entries of the IPv6 neighbour table (what ip -6 neigh shows), by a netlink dump. */
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

	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) == -1)
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
neigh_get1(int s, int ifindex, const struct in6_addr *a, uint8_t mac[NB_MAC_LEN])
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
	int			 v4 = IN6_IS_ADDR_V4MAPPED(a), alen = v4 ? 4 : 16;
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
	    (got = recv(s, rx.buf, sizeof(rx.buf), 0)) < (ssize_t)NLMSG_HDRLEN ||
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

	if ((s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE)) == -1)
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
	/* A loopback peer has no neighbour entry: spare the kernel the questions. */
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
	n = IN6_IS_ADDR_V4MAPPED(&a) ? neigh_read4(tab, sizeof(tab) / sizeof(tab[0])) :
	    neigh_read6(tab, sizeof(tab) / sizeof(tab[0]));
	for (i = 0; i < n; i++) {
		if (memcmp(&tab[i].ip, &a, sizeof(a)) == 0) {
			nb_mac_format(tab[i].mac, out);
			return 0;
		}
	}
	return -1;
}

int
nb_url_host(const char *addr, char *out, size_t outsz)
{
	union nb_sockaddr	 sa;

	if (nb_sa_parse(addr, 0, &sa) == -1) {
		strlcpy(out, addr, outsz);	/* a name: as it was given */
		return 0;
	}
	if (sa.sa.sa_family == AF_INET ?
	    sa.sin.sin_addr.s_addr == INADDR_ANY :
	    IN6_IS_ADDR_UNSPECIFIED(&sa.sin6.sin6_addr))
		return -1;
	nb_sa_ntop(&sa.sa, out, outsz);
	return 0;
}

void
nb_server_url(const char *host, int port, char *out, size_t outsz)
{
	snprintf(out, outsz, strchr(host, ':') != NULL ? "http://[%s]:%d" :
	    "http://%s:%d", host, port);
}
