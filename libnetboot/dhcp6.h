/* dhcp6.h: the DHCPv6 codec of network boot (RFC 8415 framing, RFC 5970 options). */
#ifndef DHCP6_H
#define DHCP6_H

#include <stddef.h>
#include <stdint.h>

#define DHCP6_SERVER_PORT	547
#define DHCP6_CLIENT_PORT	546
#define DHCP6_MAX_OPTS		128	/* more options than this: malformed */
#define DHCP6_MAX_ARCH		16	/* option 61 entries kept */
#define DHCP6_MAX_REPLY		1232	/* the IPv6 minimum MTU less the IPv6 and UDP headers */
#define DHCP6_PXE_ENTERPRISE	343	/* EDK2 PXEBC_DHCP6_ENTERPRISE_NUM ("Intel's") */
#define DHCP6_MAX_IA		4	/* IA_NA options kept per message */

enum {
	DHCP6_SOLICIT = 1, DHCP6_ADVERTISE = 2, DHCP6_REQUEST = 3, DHCP6_CONFIRM = 4,
	DHCP6_RENEW = 5, DHCP6_REBIND = 6, DHCP6_REPLY = 7, DHCP6_RELEASE = 8,
	DHCP6_DECLINE = 9, DHCP6_RECONFIGURE = 10, DHCP6_INFO_REQUEST = 11,
	DHCP6_RELAY_FORW = 12, DHCP6_RELAY_REPL = 13
};

enum {
	D6O_CLIENTID = 1, D6O_SERVERID = 2, D6O_IA_NA = 3, D6O_IAADDR = 5, D6O_ORO = 6,
	D6O_PREFERENCE = 7, D6O_STATUS = 13, D6O_USER_CLASS = 15, D6O_VENDOR_CLASS = 16,
	D6O_DNS_SERVERS = 23, D6O_BOOTFILE_URL = 59, D6O_BOOTFILE_PARAM = 60,
	D6O_CLIENT_ARCH = 61, D6O_NII = 62
};

/* Status codes (RFC 8415 §21.13). */
enum {
	D6S_SUCCESS = 0, D6S_UNSPEC_FAIL = 1, D6S_NOADDRS = 2, D6S_NOBINDING = 3,
	D6S_NOTONLINK = 4
};

/* An IA_NA of a client message (RFC 8415 §21.4): its IAID and the first address it asks for. */
struct dhcp6_ia {
	uint32_t	 iaid;
	uint8_t		 addr[16];
	int		 has_addr;
};

/* An option of a parsed message: points into the datagram. */
struct dhcp6_opt {
	const uint8_t	*data;
	size_t		 len;
	int		 present;
};

/* A parsed client message; pointers are into the datagram given to dhcp6_parse(). */
struct dhcp6_pkt {
	int		 type;
	uint8_t		 xid[3];
	struct dhcp6_opt clientid, serverid, oro, user_class, vendor_class, nii;
	uint16_t	 arch[DHCP6_MAX_ARCH];	/* option 61 list */
	int		 narch;
	int		 wants_url;	/* option 6 lists 59 */
	int		 pxe;		/* vendor class 343 PXEClient or HTTPClient */
	int		 http;		/* vendor class 343 HTTPClient */
	int		 ipxe;		/* user class iPXE */
	uint8_t		 mac[6];	/* from a DUID-LL or DUID-LLT of Ethernet */
	int		 has_mac;
	struct dhcp6_ia	 ia[DHCP6_MAX_IA];	/* IA_NA options, in order */
	int		 nia;
};

/* Parse a client message; -1 with a reason in why if it is malformed. */
int	dhcp6_parse(struct dhcp6_pkt *p, const uint8_t *buf, size_t len, char *why, size_t whysz);
/* The architecture the client boots as: the first known entry of option 61, else the first, else 0. */
int	dhcp6_arch(const struct dhcp6_pkt *p);
/* Write a DUID-LL (type 3, Ethernet) of mac into out (10 bytes). */
void	dhcp6_duid_ll(const uint8_t mac[6], uint8_t out[10]);
/* The MAC inside a modified EUI-64 link-local address (fe80::XXff:feXX:XXXX); -1 if none. */
int	dhcp6_eui64_mac(const uint8_t addr[16], uint8_t mac[6]);

/* A reply being built. */
struct dhcp6_out {
	uint8_t		 buf[DHCP6_MAX_REPLY];
	size_t		 len;
};

/*
 * Build the reply of type to p: server id duid, client id echoed, option
 * 59 url, and option 16 echoed when echo_vendor. -1 if it does not fit.
 */
int	dhcp6_reply(struct dhcp6_out *o, const struct dhcp6_pkt *p, int type,
	    const uint8_t *duid, size_t duidlen, const char *url, int echo_vendor);
/* Parse a pool "START-END" of IPv6 addresses inside one /64 into lo and hi; -1 if it is not one. */
int	dhcp6_pool_parse(const char *s, uint8_t lo[16], uint8_t hi[16]);
/* Parse a list of IPv6 addresses separated by commas or spaces into out; their count, -1 if bad. */
int	dhcp6_addrs_parse(const char *s, uint8_t (*out)[16], int max);
/* Append one option; -1 if it does not fit. */
int	dhcp6_put_opt(struct dhcp6_out *o, int code, const void *data, size_t len);
/* Append a status code option (code 13) with its message; -1 if it does not fit. */
int	dhcp6_put_status(struct dhcp6_out *o, int status, const char *msg);
/*
 * Append an IA_NA for iaid: with addr (16 bytes) and its preferred and
 * valid lifetimes, or, with addr NULL, a status code inside. -1 if it does not fit.
 */
int	dhcp6_put_ia_na(struct dhcp6_out *o, uint32_t iaid, uint32_t t1, uint32_t t2,
	    const uint8_t *addr, uint32_t pref, uint32_t valid, int status, const char *msg);

#endif
