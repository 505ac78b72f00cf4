/* addr.h: MAC and IPv4 address parsing and formatting. */
#ifndef NB_ADDR_H
#define NB_ADDR_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define NB_MAC_LEN	6
#define NB_MACSTR_LEN	18	/* "aa:bb:cc:dd:ee:ff" and the NUL */

/*
 * Parse a MAC in any common spelling: aa:bb:cc:dd:ee:ff, AA-BB-CC-DD-EE-FF,
 * aabb.ccdd.eeff, aabbccddeeff (and 1-digit groups with : or -).
 * Returns 0, or -1 if s is not a MAC.
 */
int	nb_mac_parse(const char *s, uint8_t mac[NB_MAC_LEN]);
/* Format mac in the canonical lower-case colon form. */
void	nb_mac_format(const uint8_t mac[NB_MAC_LEN], char out[NB_MACSTR_LEN]);
/* Rewrite any MAC spelling s into canonical form; -1 if s is not a MAC. */
int	nb_mac_canon(const char *s, char out[NB_MACSTR_LEN]);
/* Parse a dotted-quad IPv4 address strictly; -1 if s is not one. */
int	nb_ip_parse(const char *s, struct in_addr *in);
/* Return 1 if s is a dotted-quad IPv4 address. */
int	nb_ip_valid(const char *s);

/* One complete entry of the kernel's IPv4 neighbour (ARP) table. */
struct nb_neigh {
	in_addr_t	 ip;
	uint8_t		 mac[NB_MAC_LEN];
};

/* Read the complete entries of /proc/net/arp into tab; return how many (0 if unreadable). */
size_t	nb_neigh_read(struct nb_neigh *tab, size_t max);
/* The MAC of ip in the kernel's neighbour table, read now; -1 if none. */
int	nb_neigh_mac(const char *ip, char out[NB_MACSTR_LEN]);

#endif
