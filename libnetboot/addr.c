/*
 * addr.c: MAC and IP addresses and socket addresses, parsed from text and
 * formatted as text. No system call but a numeric getaddrinfo(3): the
 * sockets are daemon.c's (nb_bind), the neighbour tables neigh.c's.
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

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
