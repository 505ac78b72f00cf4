/* addr.h: MAC, IP and socket addresses as text, and URLs to a daemon. */
#ifndef NB_ADDR_H
#define NB_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <netinet/in.h>

#define NB_MAC_LEN	6
#define NB_MACSTR_LEN	18	/* "aa:bb:cc:dd:ee:ff" and the NUL */
#define NB_UUID_LEN	16
#define NB_UUIDSTR_LEN	37	/* 8-4-4-4-12 hex digits and the NUL */

/*
 * Parse a MAC in any common spelling: aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF,
 * aabb.ccdd.eeff, aabbccddeeff (and 1-digit groups with : or -).
 * Returns 0, or -1 if s is not a MAC.
 */
int	nb_mac_parse(const char *s, uint8_t mac[NB_MAC_LEN]);
/* Format mac in the canonical lower-case colon form. */
void	nb_mac_format(const uint8_t mac[NB_MAC_LEN], char out[NB_MACSTR_LEN]);
/* Bytes as lower-case hex without separators: out holds 2 * len + 1. */
void	nb_hex(const uint8_t *b, size_t len, char *out);
/* Bytes as "aa:bb:..." (a DUID, a MAC); whole bytes that fit in outsz. */
void	nb_hex_format(const uint8_t *b, size_t len, char *out, size_t outsz);
/* Format a 16-byte UUID (DHCP option 97, SMBIOS) as 8-4-4-4-12 hex. */
void	nb_uuid_format(const uint8_t u[NB_UUID_LEN], char out[NB_UUIDSTR_LEN]);
/* Rewrite any MAC spelling s into canonical form; -1 if s is not a MAC. */
int	nb_mac_canon(const char *s, char out[NB_MACSTR_LEN]);
/* Parse a dotted-quad IPv4 address strictly; -1 if s is not one. */
int	nb_ip_parse(const char *s, struct in_addr *in);
/* Return 1 if s is a dotted-quad IPv4 address. */
int	nb_ip_valid(const char *s);

/* Return 1 if s is an IPv4 or an IPv6 address literal. */
int	nb_addr_valid(const char *s);

/* A socket address of either family. */
union nb_sockaddr {
	struct sockaddr		 sa;
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
};

/* Parse an IPv4 or IPv6 literal (fe80::1%eth0 too) with port into sa; -1 if s is neither. */
int	nb_sa_parse(const char *s, int port, union nb_sockaddr *sa);
/* The length of sa for bind, connect and sendto. */
socklen_t nb_sa_len(const union nb_sockaddr *sa);
/* Turn an IPv4-mapped IPv6 address (::ffff:a.b.c.d, an IPv4 peer of a dual-stack socket) into IPv4. */
void	nb_sa_unmap(union nb_sockaddr *sa);
/* The port of sa (host order). */
int	nb_sa_port(const struct sockaddr *sa);
/*
 * The address of sa as text into buf (INET6_ADDRSTRLEN bytes suffice); an
 * IPv4-mapped address is written as plain a.b.c.d, the way the database,
 * the events and the neighbour table name IPv4 clients. Returns buf.
 */
const char *nb_sa_ntop(const struct sockaddr *sa, char *buf, size_t len);
/*
 * The host part of URLs to a daemon listening on addr: canonical, no
 * zone, ::ffff:a.b.c.d as IPv4 (INET6_ADDRSTRLEN bytes). -1 for a
 * wildcard (0.0.0.0, ::): then it depends on the connection.
 */
int	nb_url_host(const char *addr, char *out, size_t outsz);
/* "http://HOST:PORT" into out, an IPv6 HOST in brackets (RFC 3986). */
void	nb_server_url(const char *host, int port, char *out, size_t outsz);

#endif
