/*
 * dhcp6.c: the DHCPv6 codec of network boot. Client messages are parsed
 * with every length checked against the datagram (RFC 8415 §7, §21);
 * what the boot decision needs is kept: client and server ids, option 6
 * (ORO), user class, vendor class, the IA_NA options with the address
 * each asks for, and the RFC 5970 options 61 and 62. The reply builder
 * writes an ADVERTISE or REPLY with the server id, the client id echoed,
 * option 59 (Boot File URL, RFC 5970 §3.1) and, for the stateful server,
 * IA_NA and status code options.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp.h"
#include "dhcp6.h"

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int
fail(char *why, size_t whysz, const char *what)
{
	snprintf(why, whysz, "%s", what);
	return -1;
}

/* Walk a list of (2-byte length, data) items: 0 if well formed; *match set if one starts with s. */
static int
items_walk(const uint8_t *d, size_t len, const char *s, int *match)
{
	size_t	 i = 0, n, sl = strlen(s);

	while (i < len) {
		if (len - i < 2)
			return -1;
		n = get16(d + i);
		i += 2;
		if (n > len - i)
			return -1;
		if (n >= sl && memcmp(d + i, s, sl) == 0)
			*match = 1;
		i += n;
	}
	return 0;
}

/* Vendor class (RFC 8415 §21.16): enterprise 343 with PXEClient or HTTPClient data (EDK2). */
static int
vendor_class(struct dhcp6_pkt *p)
{
	const uint8_t	*d = p->vendor_class.data;
	size_t		 len = p->vendor_class.len;
	int		 pxe = 0, http = 0;

	if (len < 4)
		return -1;
	if (items_walk(d + 4, len - 4, "PXEClient", &pxe) == -1 ||
	    items_walk(d + 4, len - 4, "HTTPClient", &http) == -1)
		return -1;
	if (get32(d) == DHCP6_PXE_ENTERPRISE) {
		p->pxe = pxe || http;
		p->http = http;
	}
	return 0;
}

/* A DUID-LLT (1) or DUID-LL (3) of Ethernet (hardware type 1) names the client's MAC. */
static void
client_mac(struct dhcp6_pkt *p)
{
	const uint8_t	*d = p->clientid.data;
	size_t		 len = p->clientid.len;

	if (len == 14 && get16(d) == 1 && get16(d + 2) == 1)
		memcpy(p->mac, d + 8, 6);
	else if (len == 10 && get16(d) == 3 && get16(d + 2) == 1)
		memcpy(p->mac, d + 4, 6);
	else
		return;
	p->has_mac = 1;
}

static void
keep(struct dhcp6_opt *o, const uint8_t *d, size_t len)
{
	/* The first occurrence wins, as in the DHCPv4 parser. */
	if (o->present)
		return;
	o->present = 1;
	o->data = d;
	o->len = len;
}

/* An IA_NA (RFC 8415 §21.4): IAID, T1, T2, then options, of which IAADDR (§21.6) is kept. */
static int
ia_na(struct dhcp6_pkt *p, const uint8_t *d, size_t len)
{
	struct dhcp6_ia	*ia;
	size_t		 i, n;

	if (len < 12)
		return -1;
	if (p->nia == DHCP6_MAX_IA)
		return 0;	/* more IAs than any firmware sends: answer the first ones */
	ia = &p->ia[p->nia++];
	ia->iaid = get32(d);
	for (i = 12; i < len; i += n) {
		if (len - i < 4)
			return -1;
		n = get16(d + i + 2);
		i += 4;
		if (n > len - i)
			return -1;
		if (get16(d + i - 4) != D6O_IAADDR || ia->has_addr)
			continue;
		if (n < 24)
			return -1;
		memcpy(ia->addr, d + i, 16);
		ia->has_addr = 1;
	}
	return 0;
}

int
dhcp6_parse(struct dhcp6_pkt *p, const uint8_t *buf, size_t len, char *why, size_t whysz)
{
	size_t		 i, n, j;
	uint16_t	 code;
	int		 nopt = 0, uc = 0;

	memset(p, 0, sizeof(*p));
	if (len < 4)
		return fail(why, whysz, "shorter than a DHCPv6 header");
	p->type = buf[0];
	if (p->type == DHCP6_RELAY_FORW || p->type == DHCP6_RELAY_REPL)
		return fail(why, whysz, "relayed message (not supported)");
	if (p->type < DHCP6_SOLICIT || p->type > DHCP6_INFO_REQUEST || p->type == DHCP6_ADVERTISE ||
	    p->type == DHCP6_REPLY || p->type == DHCP6_RECONFIGURE)
		return fail(why, whysz, "not a client message type");
	memcpy(p->xid, buf + 1, 3);
	for (i = 4; i < len; i += n) {
		if (len - i < 4)
			return fail(why, whysz, "truncated option header");
		code = get16(buf + i);
		n = get16(buf + i + 2);
		i += 4;
		if (n > len - i)
			return fail(why, whysz, "option length past the end");
		if (++nopt > DHCP6_MAX_OPTS)
			return fail(why, whysz, "too many options");
		switch (code) {
		case D6O_CLIENTID:
			if (n < 2 || n > 130)
				return fail(why, whysz, "bad client id length");
			keep(&p->clientid, buf + i, n);
			break;
		case D6O_SERVERID:
			if (n < 2 || n > 130)
				return fail(why, whysz, "bad server id length");
			keep(&p->serverid, buf + i, n);
			break;
		case D6O_ORO:
			if (n % 2 != 0)
				return fail(why, whysz, "odd option request length");
			keep(&p->oro, buf + i, n);
			break;
		case D6O_USER_CLASS:
			keep(&p->user_class, buf + i, n);
			break;
		case D6O_VENDOR_CLASS:
			keep(&p->vendor_class, buf + i, n);
			break;
		case D6O_CLIENT_ARCH:
			if (n == 0 || n % 2 != 0)
				return fail(why, whysz, "bad client architecture length");
			for (j = 0; j < n && p->narch < DHCP6_MAX_ARCH; j += 2)
				p->arch[p->narch++] = get16(buf + i + j);
			break;
		case D6O_NII:
			if (n != 3)
				return fail(why, whysz, "bad network interface id length");
			keep(&p->nii, buf + i, n);
			break;
		case D6O_IA_NA:
			if (ia_na(p, buf + i, n) == -1)
				return fail(why, whysz, "malformed IA_NA");
			break;
		}
	}
	if (!p->clientid.present && p->type != DHCP6_INFO_REQUEST)
		return fail(why, whysz, "no client id");
	for (j = 0; j < p->oro.len; j += 2)
		if (get16(p->oro.data + j) == D6O_BOOTFILE_URL)
			p->wants_url = 1;
	if (p->vendor_class.present && vendor_class(p) == -1)
		return fail(why, whysz, "bad vendor class");
	/* iPXE sends its user class as an RFC 8415 §21.15 item; accept a raw "iPXE" too. */
	if (p->user_class.present) {
		if (items_walk(p->user_class.data, p->user_class.len, "iPXE", &uc) == -1)
			uc = 0;
		p->ipxe = uc || (p->user_class.len == 4 &&
		    memcmp(p->user_class.data, "iPXE", 4) == 0);
	}
	if (p->clientid.present)
		client_mac(p);
	return 0;
}

int
dhcp6_arch(const struct dhcp6_pkt *p)
{
	int	 i;

	/* The same IANA registry as DHCPv4 option 93 (RFC 5970 §3.3). */
	for (i = 0; i < p->narch; i++)
		if (dhcp_arch_kind(p->arch[i], NULL) != ARCH_UNKNOWN)
			return p->arch[i];
	return p->narch > 0 ? p->arch[0] : 0;
}

void
dhcp6_duid_ll(const uint8_t mac[6], uint8_t out[10])
{
	out[0] = 0;
	out[1] = 3;	/* DUID-LL, RFC 8415 §11.4 */
	out[2] = 0;
	out[3] = 1;	/* Ethernet */
	memcpy(out + 4, mac, 6);
}

int
dhcp6_eui64_mac(const uint8_t a[16], uint8_t mac[6])
{
	/* fe80::/64 with ff:fe in the middle of the interface id (RFC 4291 §2.5.1). */
	if (a[0] != 0xfe || (a[1] & 0xc0) != 0x80 || a[11] != 0xff || a[12] != 0xfe)
		return -1;
	mac[0] = a[8] ^ 0x02;	/* the universal/local bit is inverted in an EUI-64 */
	mac[1] = a[9];
	mac[2] = a[10];
	mac[3] = a[13];
	mac[4] = a[14];
	mac[5] = a[15];
	return 0;
}

int
dhcp6_put_opt(struct dhcp6_out *o, int code, const void *data, size_t len)
{
	if (len > 0xffff || len + 4 > sizeof(o->buf) - o->len)
		return -1;
	o->buf[o->len++] = (uint8_t)(code >> 8);
	o->buf[o->len++] = (uint8_t)code;
	o->buf[o->len++] = (uint8_t)(len >> 8);
	o->buf[o->len++] = (uint8_t)len;
	if (len > 0)
		memcpy(o->buf + o->len, data, len);
	o->len += len;
	return 0;
}

int
dhcp6_reply(struct dhcp6_out *o, const struct dhcp6_pkt *p, int type, const uint8_t *duid,
    size_t duidlen, const char *url, int echo_vendor)
{
	o->len = 0;
	o->buf[o->len++] = (uint8_t)type;
	memcpy(o->buf + o->len, p->xid, 3);
	o->len += 3;
	if (dhcp6_put_opt(o, D6O_SERVERID, duid, duidlen) == -1)
		return -1;
	if (p->clientid.present &&
	    dhcp6_put_opt(o, D6O_CLIENTID, p->clientid.data, p->clientid.len) == -1)
		return -1;
	if (url != NULL && dhcp6_put_opt(o, D6O_BOOTFILE_URL, url, strlen(url)) == -1)
		return -1;
	/*
	 * EDK2 HTTP Boot wants its HTTPClient class back, as in DHCPv4
	 * (EDK2 NetworkPkg/HttpBootDxe/HttpBootDhcp6.c).
	 */
	if (echo_vendor && p->vendor_class.present &&
	    dhcp6_put_opt(o, D6O_VENDOR_CLASS, p->vendor_class.data, p->vendor_class.len) == -1)
		return -1;
	return 0;
}

static void
put32(uint8_t *d, uint32_t v)
{
	d[0] = (uint8_t)(v >> 24);
	d[1] = (uint8_t)(v >> 16);
	d[2] = (uint8_t)(v >> 8);
	d[3] = (uint8_t)v;
}

/* A status code option's body: the code, then a UTF-8 message (RFC 8415 §21.13). */
static size_t
status_body(uint8_t *d, size_t dsz, int status, const char *msg)
{
	size_t	 n = msg != NULL ? strlen(msg) : 0;

	if (n > dsz - 2)
		n = dsz - 2;
	d[0] = (uint8_t)(status >> 8);
	d[1] = (uint8_t)status;
	memcpy(d + 2, msg != NULL ? msg : "", n);
	return n + 2;
}

int
dhcp6_put_status(struct dhcp6_out *o, int status, const char *msg)
{
	uint8_t	 d[128];

	return dhcp6_put_opt(o, D6O_STATUS, d, status_body(d, sizeof(d), status, msg));
}

int
dhcp6_put_ia_na(struct dhcp6_out *o, uint32_t iaid, uint32_t t1, uint32_t t2,
    const uint8_t *addr, uint32_t pref, uint32_t valid, int status, const char *msg)
{
	uint8_t	 d[12 + 4 + 24 + 4 + 128];
	size_t	 n = 12;

	put32(d, iaid);
	put32(d + 4, t1);
	put32(d + 8, t2);
	if (addr != NULL) {
		/* IAADDR: address, preferred and valid lifetimes, no options. */
		d[n++] = 0;
		d[n++] = D6O_IAADDR;
		d[n++] = 0;
		d[n++] = 24;
		memcpy(d + n, addr, 16);
		put32(d + n + 16, pref);
		put32(d + n + 20, valid);
		n += 24;
	} else {
		size_t	 sn = status_body(d + n + 4, sizeof(d) - n - 4, status, msg);

		d[n++] = 0;
		d[n++] = D6O_STATUS;
		d[n++] = (uint8_t)(sn >> 8);
		d[n++] = (uint8_t)sn;
		n += sn;
	}
	return dhcp6_put_opt(o, D6O_IA_NA, d, n);
}

int
dhcp6_pool_parse(const char *s, uint8_t lo[16], uint8_t hi[16])
{
	char		 a[64];
	const char	*dash;
	size_t		 n;

	if ((dash = strchr(s, '-')) == NULL || (n = (size_t)(dash - s)) >= sizeof(a))
		return -1;
	memcpy(a, s, n);
	a[n] = '\0';
	if (inet_pton(AF_INET6, a, lo) != 1 || inet_pton(AF_INET6, dash + 1, hi) != 1)
		return -1;
	/* One /64, on-link for the clients (RFC 4291 §2.5.4), and in order. */
	if (memcmp(lo, hi, 8) != 0 || memcmp(lo + 8, hi + 8, 8) > 0)
		return -1;
	/* Not multicast, link-local, loopback or unspecified. */
	if (lo[0] == 0xff || (lo[0] == 0xfe && (lo[1] & 0xc0) == 0x80) ||
	    memcmp(lo, "\0\0\0\0\0\0\0\0", 8) == 0)
		return -1;
	return 0;
}

int
dhcp6_addrs_parse(const char *s, uint8_t (*out)[16], int max)
{
	char	 tok[64];
	size_t	 n;
	int	 k = 0;

	while (*s != '\0') {
		n = strcspn(s, ", ");
		if (n >= sizeof(tok))
			return -1;
		if (n > 0) {
			memcpy(tok, s, n);
			tok[n] = '\0';
			if (k == max || inet_pton(AF_INET6, tok, out[k]) != 1)
				return -1;
			k++;
		}
		s += n;
		s += strspn(s, ", ");
	}
	return k;
}
