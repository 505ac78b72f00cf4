/*
 * neigh.h: the kernel's neighbour tables (ARP for IPv4, NDP for IPv6):
 * which MAC is at an address.
 */
#ifndef NB_NEIGH_H
#define NB_NEIGH_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <netinet/in.h>

#include "addr.h"

/* One complete entry of the kernel's neighbour table. */
struct nb_neigh {
	struct in6_addr	 ip;		/* IPv4 as ::ffff:a.b.c.d */
	uint8_t		 mac[NB_MAC_LEN];
};

/*
 * The address literal ip (IPv4 or IPv6) in the form of nb_neigh.ip; -1 if
 * it is neither.
 */
int	nb_neigh_addr(const char *ip, struct in6_addr *out);
/*
 * Read the complete entries of the neighbour tables into tab: IPv4 from
 * /proc/net/arp, IPv6 by netlink (RTM_GETNEIGH); return how many (0 if
 * unreadable).
 */
size_t	nb_neigh_read(struct nb_neigh *tab, size_t max);
/* The complete entries of the /proc/net/arp text of fp into tab; how many. */
size_t	nb_neigh_parse_arp(FILE *fp, struct nb_neigh *tab, size_t max);
/*
 * The valid IPv6 entries of len bytes of a netlink RTM_GETNEIGH dump into
 * tab; how many. *done is set at NLMSG_DONE or an error message.
 */
size_t	nb_neigh_parse_nl(const void *buf, size_t len, struct nb_neigh *tab,
	    size_t max, int *done);
/*
 * The MAC of ip (IPv4 or IPv6) in the kernel's neighbour table, read now;
 * -1 if none.
 */
int	nb_neigh_mac(const char *ip, char out[NB_MACSTR_LEN]);

#endif
