/*
 * dhcp.h: the DHCP packet codec (RFC 2131/2132) with the PXE options
 * (RFC 4578, PXE 2.1, UEFI HTTP Boot). dhcp_parse() reads an untrusted
 * datagram with bounds checks into a view that points into it;
 * dhcp_out_*() build a reply that never outgrows its limit. Shared by
 * pxedhcpd and the fuzz target (tests/fuzz/fuzz-dhcp.c).
 */
#ifndef NB_DHCP_H
#define NB_DHCP_H

#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

#define DHCP_HDR_LEN		236	/* BOOTP header: op .. file */
#define DHCP_COOKIE_LEN		4
#define DHCP_MIN_LEN		(DHCP_HDR_LEN + DHCP_COOKIE_LEN + 1)	/* + end */
#define DHCP_BOOTP_MIN		300	/* RFC 1542 §2.1: some clients drop shorter replies */
#define DHCP_MAX_REPLY		1472	/* EDK2 HTTP_BOOT_DHCP4_PACKET_MAX_SIZE: 1500 - 28 */
#define DHCP_MAX_OPTS		128	/* more options than any client sends: malformed */
#define DHCP_MAX_ARCH		8	/* option 93 entries kept */

enum dhcp_type {
	DHCP_NONE = 0, DHCP_DISCOVER = 1, DHCP_OFFER, DHCP_REQUEST, DHCP_DECLINE,
	DHCP_ACK, DHCP_NAK, DHCP_RELEASE, DHCP_INFORM
};

enum dhcp_opt {
	DHO_PAD = 0, DHO_NETMASK = 1, DHO_ROUTER = 3, DHO_DNS = 6, DHO_HOSTNAME = 12,
	DHO_DOMAIN = 15, DHO_NTP = 42, DHO_VENDOR = 43, DHO_REQADDR = 50,
	DHO_LEASE = 51, DHO_OVERLOAD = 52, DHO_MSGTYPE = 53, DHO_SERVERID = 54,
	DHO_PARAMS = 55, DHO_MAXSIZE = 57, DHO_RENEW = 58, DHO_REBIND = 59,
	DHO_CLASSID = 60, DHO_CLIENTID = 61, DHO_TFTPSERVER = 66, DHO_BOOTFILE = 67,
	DHO_USERCLASS = 77, DHO_ARCH = 93, DHO_NDI = 94, DHO_UUID = 97,
	DHO_IPXE = 175, DHO_END = 255
};

/* PXE vendor sub-options of option 43 (PXE 2.1 §2.4). */
enum dhcp_pxe_sub {
	PXE_DISCOVERY = 6, PXE_BOOTSERVERS = 8, PXE_MENU = 9, PXE_PROMPT = 10,
	PXE_BOOTITEM = 71
};
#define PXE_DISC_USE_FILE	0x08	/* 43.6 bit 3: boot the file of this offer at once */

/* iPXE feature flags seen in option 175 (iPXE include/ipxe/features.h). */
#define IPXE_F_HTTP	0x01	/* 175.19 */
#define IPXE_F_HTTPS	0x02	/* 175.20 */
#define IPXE_F_TFTP	0x04	/* 175.21 */
#define IPXE_F_BZIMAGE	0x08	/* 175.24 */
#define IPXE_F_EFI	0x10	/* 175.36 */

/* What an option 93 value means (IANA Processor Architecture Types). */
enum dhcp_arch_kind { ARCH_UNKNOWN, ARCH_BIOS, ARCH_EFI, ARCH_HTTP };

struct dhcp_optref {
	uint16_t	 off;		/* offset of the value in the packet */
	uint8_t		 len;
	uint8_t		 present;
};

/* A parsed request: fields in host order, options as references into buf. */
struct dhcp_pkt {
	const uint8_t	*buf;
	size_t		 len;
	uint8_t		 op, htype, hlen, hops;
	uint32_t	 xid;		/* network order, copied as is */
	uint16_t	 secs, flags;	/* flags in host order */
	struct in_addr	 ciaddr, yiaddr, siaddr, giaddr;
	uint8_t		 chaddr[16];
	int		 type;		/* option 53, DHCP_NONE for plain BOOTP */
	int		 nopts;
	struct dhcp_optref opt[256];	/* first occurrence of each option */

	/* PXE view, filled by dhcp_parse */
	uint16_t	 arch[DHCP_MAX_ARCH];	/* option 93 list */
	int		 narch;
	int		 has_uuid;	/* option 97 of type 0 and 16 bytes */
	uint8_t		 uuid[16];
	int		 ipxe;		/* option 77 "iPXE" (raw or RFC 3004), or 175 without 77 */
	unsigned	 ipxe_features;	/* IPXE_F_* from option 175 */
	int		 has_bootitem;	/* 43.71 in the request (PXE 2.1 boot server discovery) */
	uint16_t	 bootitem_type, bootitem_layer;
	uint16_t	 maxsize;	/* option 57, 0 if absent */
	struct in_addr	 server_id;	/* option 54, 0 if absent */
	struct in_addr	 reqaddr;	/* option 50, 0 if absent */
};

/*
 * Parse a datagram received on a server port. Returns 0, or -1 with the
 * reason in why (truncated, bad op/htype/hlen, no cookie, option past
 * the end, no end option, too many options, bad option 53/93).
 */
int	dhcp_parse(struct dhcp_pkt *p, const uint8_t *buf, size_t len, char *why, size_t whysz);
/* The value of option code in p, or NULL; *len gets its length. */
const uint8_t *dhcp_opt_get(const struct dhcp_pkt *p, int code, size_t *len);
/* The name of a message type ("DISCOVER", ...). */
const char *dhcp_type_name(int type);
/* Return 1 if option 60 starts with one of the comma-separated prefixes. */
int	dhcp_vendor_match(const struct dhcp_pkt *p, const char *prefixes);
/* The architecture the client boots as: the first known entry of option 93, else the first, else 0. */
int	dhcp_arch(const struct dhcp_pkt *p);
/* What an architecture number is (BIOS, EFI PXE, HTTP Boot) and its name. */
enum dhcp_arch_kind dhcp_arch_kind(int arch, const char **name);
/* Return 1 if the client asks for UEFI HTTP Boot (option 60 HTTPClient or an HTTP arch). */
int	dhcp_is_httpclient(const struct dhcp_pkt *p);
/* Write an address as dotted decimal into out (16 bytes); return its length. */
size_t	dhcp_ntoa(struct in_addr a, char out[16]);
/* Copy option code as printable, escaped text into out; "" if absent. */
void	dhcp_opt_text(const struct dhcp_pkt *p, int code, char *out, size_t outsz);

/* A reply being built. */
struct dhcp_out {
	uint8_t		 buf[DHCP_MAX_REPLY];
	size_t		 len;
	size_t		 max;		/* the client's limit, at most DHCP_MAX_REPLY */
	int		 overflow;	/* an option did not fit: do not send */
};

/* Start a reply to req: op 2, xid, flags, giaddr, chaddr copied, the cookie and option 53. */
void	dhcp_out_init(struct dhcp_out *o, const struct dhcp_pkt *req, int type);
/* Set ciaddr, yiaddr and siaddr (network order). */
void	dhcp_out_addrs(struct dhcp_out *o, struct in_addr ci, struct in_addr yi, struct in_addr si);
/* Copy a string into the sname (64) or file (128) field; -1 if it does not fit. */
int	dhcp_out_sname(struct dhcp_out *o, const char *s);
int	dhcp_out_file(struct dhcp_out *o, const char *s);
/* Append an option; -1 (and overflow set) if it does not fit. */
int	dhcp_out_opt(struct dhcp_out *o, int code, const void *data, size_t len);
/* Append an option holding one address, a 32-bit number, or a string. */
int	dhcp_out_addr(struct dhcp_out *o, int code, struct in_addr a);
int	dhcp_out_u32(struct dhcp_out *o, int code, uint32_t v);
int	dhcp_out_str(struct dhcp_out *o, int code, const char *s);
/* Copy option code of req verbatim into the reply, if req has it. */
int	dhcp_out_echo(struct dhcp_out *o, const struct dhcp_pkt *req, int code);
/* End the options and pad to the BOOTP minimum; -1 if anything overflowed. */
int	dhcp_out_finish(struct dhcp_out *o);

#endif
