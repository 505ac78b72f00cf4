/*
 * dhcp_pxe.h: the replies of a PXE boot server (pxedhcpd(8)): the
 * proxy OFFER, the ACK on port 67 or 4011, and the authoritative answer
 * of static mode, from a request and a decision.
 */
#ifndef NB_DHCP_PXE_H
#define NB_DHCP_PXE_H

#include "dhcp.h"

enum dhcp_vendor { VENDOR_NONE, VENDOR_PXE, VENDOR_HTTP };	/* option 60 sent */
enum dhcp_opt43 { OPT43_NONE, OPT43_DIRECT, OPT43_MENU };	/* none, 43.6 = 8, or a menu */

#define DHCP_LEASE_MAXADDR	4

/*
 * A PXE boot menu (PXE 2.1 §2.4: 43.6, 43.8, 43.9, 43.10). The bounds
 * make every menu fit option 43 (255 bytes): 11 + 10 items + the labels
 * + the prompt, so a setting that is accepted is never cut.
 */
#define DHCP_MENU_MAX		5	/* items */
#define DHCP_MENU_LABEL_MAX	30	/* bytes of an item's label */
#define DHCP_MENU_PROMPT_MAX	40	/* bytes of the prompt */
#define DHCP_MENU_NETWORK	0x8000	/* "network" item N: type 0x8000 + N - 1 (vendor range) */

struct dhcp_menu_item {
	uint16_t	 type;		/* boot server type; 0: boot from the local disk */
	char		 label[DHCP_MENU_LABEL_MAX + 1];
};

struct dhcp_menu {
	int			 nitem;
	struct dhcp_menu_item	 item[DHCP_MENU_MAX];
	uint8_t			 timeout;	/* 43.10: seconds; 255: show the menu at once */
	char			 prompt[DHCP_MENU_PROMPT_MAX + 1];
};

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
	const struct dhcp_menu	*menu;		/* OPT43_MENU: the menu; server is its boot server */
	int			 siaddr;	/* siaddr and sname even without a file */
	int			 port4011;	/* ACK to a port 4011 request: yiaddr = ciaddr, 43.71 echo */
	const struct dhcp_lease	*lease;		/* static mode; NULL for a proxy reply */
};

/*
 * Parse an item "network LABEL", "local LABEL" or "TYPE LABEL" at
 * position pos; 0, or -1 with why not in why.
 */
int	dhcp_pxe_menu_item(const char *v, int pos, struct dhcp_menu_item *it,
	    char *why, size_t whylen);
/* Check a menu prompt; 0, or -1 with why not in why. */
int	dhcp_pxe_menu_prompt(const char *v, char *why, size_t whylen);
/*
 * Parse a list of architecture numbers (0 to 65535) separated by commas
 * or blanks, as pxe.menu.arches holds; mark each below n in set (which
 * may be NULL). The count of numbers, or -1 if a word is not one.
 */
int	dhcp_pxe_arch_list(const char *v, uint8_t *set, size_t n);
/* Build the reply to req described by a; -1 if it cannot fit the client's limit. */
int	dhcp_pxe_reply(struct dhcp_out *o, const struct dhcp_pkt *req, const struct dhcp_answer *a);

#endif
