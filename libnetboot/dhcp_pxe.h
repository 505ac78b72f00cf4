/*
 * dhcp_pxe.h: the replies of a PXE boot server (PXE-FACTS §3, §4): the
 * proxy OFFER, the ACK on port 67 or 4011, and the authoritative answer
 * of static mode, from a request and a decision.
 */
#ifndef NB_DHCP_PXE_H
#define NB_DHCP_PXE_H

#include "dhcp.h"

enum dhcp_vendor { VENDOR_NONE, VENDOR_PXE, VENDOR_HTTP };	/* option 60 sent */
enum dhcp_opt43 { OPT43_NONE, OPT43_DIRECT };			/* none, or 43.6 = 8 */

#define DHCP_LEASE_MAXADDR	4

/* What static mode hands out with an address. */
struct dhcp_lease {
	struct in_addr	 addr;
	struct in_addr	 netmask;
	struct in_addr	 router;		/* 0: none */
	struct in_addr	 dns[DHCP_LEASE_MAXADDR];
	int		 ndns;
	struct in_addr	 ntp[DHCP_LEASE_MAXADDR];
	int		 nntp;
	const char	*domain;		/* NULL: none */
	const char	*hostname;		/* NULL: none */
	uint32_t	 lease_time;
};

struct dhcp_answer {
	int			 type;		/* DHCP_OFFER, DHCP_ACK or DHCP_NAK */
	struct in_addr		 server;	/* option 54, siaddr and sname */
	const char		*file;		/* boot file or URL; NULL: no boot info */
	enum dhcp_vendor	 vendor;
	enum dhcp_opt43		 opt43;
	int			 port4011;	/* ACK to a port 4011 request: yiaddr = ciaddr, 43.71 echo */
	const struct dhcp_lease	*lease;		/* static mode; NULL for a proxy reply */
};

/* Build the reply to req described by a; -1 if it cannot fit the client's limit. */
int	dhcp_pxe_reply(struct dhcp_out *o, const struct dhcp_pkt *req, const struct dhcp_answer *a);

#endif
