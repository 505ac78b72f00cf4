/*
 * dhcp6.c: the DHCPv6 codec of network boot. Client messages are parsed
 * with every length checked against the datagram (RFC 8415 §7, §21);
 * what the boot decision needs is kept: client and server ids, option 6
 * (ORO), user class, vendor class and the RFC 5970 options 61 and 62.
 * The reply builder writes an ADVERTISE or REPLY with the server id,
 * the client id echoed and option 59 (Boot File URL, RFC 5970 §3.1).
 */
#include "config.h"

#include <stdio.h>
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

static int
put_opt(struct dhcp6_out *o, int code, const void *data, size_t len)
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
	if (put_opt(o, D6O_SERVERID, duid, duidlen) == -1)
		return -1;
	if (p->clientid.present &&
	    put_opt(o, D6O_CLIENTID, p->clientid.data, p->clientid.len) == -1)
		return -1;
	if (url != NULL && put_opt(o, D6O_BOOTFILE_URL, url, strlen(url)) == -1)
		return -1;
	/* EDK2 HTTP Boot wants its HTTPClient class back, as in DHCPv4 (PXE-FACTS §6). */
	if (echo_vendor && p->vendor_class.present &&
	    put_opt(o, D6O_VENDOR_CLASS, p->vendor_class.data, p->vendor_class.len) == -1)
		return -1;
	return 0;
}
