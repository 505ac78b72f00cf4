/*
 * dhcp.c: the DHCP packet codec. Every read of the packet is checked
 * against its length; a packet is either parsed whole or refused with one
 * reason. Replies are built into a fixed buffer that can only overflow
 * into a flag, never past its end.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>

#include "dhcp.h"
#include "log.h"

static const uint8_t dhcp_cookie[DHCP_COOKIE_LEN] = { 99, 130, 83, 99 };

/* Offsets in the BOOTP header (RFC 2131 §2, figure 1). */
#define OFF_OP		0
#define OFF_XID		4
#define OFF_SECS	8
#define OFF_FLAGS	10
#define OFF_CIADDR	12
#define OFF_YIADDR	16
#define OFF_SIADDR	20
#define OFF_GIADDR	24
#define OFF_CHADDR	28
#define OFF_SNAME	44
#define OFF_FILE	108
#define LEN_SNAME	64
#define LEN_FILE	128

/*
 * The IANA Processor Architecture Types (RFC 4578 option 93; EDK2
 * MdePkg/Include/IndustryStandard/Dhcp.h) that we know how to serve, sorted.
 */
static const struct {
	uint16_t		 arch;
	enum dhcp_arch_kind	 kind;
	const char		*name;
} dhcp_archs[] = {
	{ 0, ARCH_BIOS, "x86 BIOS" },
	{ 2, ARCH_EFI, "Itanium EFI" },
	{ 6, ARCH_EFI, "x86 UEFI" },
	{ 7, ARCH_EFI, "x64 UEFI" },
	{ 8, ARCH_EFI, "XScale EFI" },
	/* RFC 4578 calls 9 "EFI x86-64" (swapped with 7): x64 firmware sends either. */
	{ 9, ARCH_EFI, "x64 UEFI (EBC)" },
	{ 10, ARCH_EFI, "ARM32 UEFI" },
	{ 11, ARCH_EFI, "ARM64 UEFI" },
	{ 15, ARCH_HTTP, "x86 UEFI HTTP" },
	{ 16, ARCH_HTTP, "x64 UEFI HTTP" },
	{ 17, ARCH_HTTP, "EBC UEFI HTTP" },
	{ 18, ARCH_HTTP, "ARM32 UEFI HTTP" },
	{ 19, ARCH_HTTP, "ARM64 UEFI HTTP" },
	{ 25, ARCH_EFI, "RISC-V 32 UEFI" },
	{ 26, ARCH_HTTP, "RISC-V 32 UEFI HTTP" },
	{ 27, ARCH_EFI, "RISC-V 64 UEFI" },
	{ 28, ARCH_HTTP, "RISC-V 64 UEFI HTTP" },
	{ 29, ARCH_EFI, "RISC-V 128 UEFI" },
	{ 30, ARCH_HTTP, "RISC-V 128 UEFI HTTP" },
	{ 33, ARCH_EFI, "MIPS32 UEFI" },
	{ 34, ARCH_EFI, "MIPS64 UEFI" },
	{ 35, ARCH_EFI, "Sunway 32 UEFI" },
	{ 36, ARCH_EFI, "Sunway 64 UEFI" },
	{ 37, ARCH_EFI, "LoongArch32 UEFI" },
	{ 38, ARCH_HTTP, "LoongArch32 UEFI HTTP" },
	{ 39, ARCH_EFI, "LoongArch64 UEFI" },
	{ 40, ARCH_HTTP, "LoongArch64 UEFI HTTP" },
	{ 41, ARCH_BIOS, "arm rpiboot" },
};

static uint16_t
get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Walk one options area; *end is set when the end option was seen. */
static int
dhcp_walk(struct dhcp_pkt *p, size_t off, size_t lim, int *end, char *why, size_t whysz)
{
	uint8_t	 code, len;

	while (off < lim) {
		code = p->buf[off];
		if (code == DHO_END) {
			*end = 1;
			return 0;
		}
		if (code == DHO_PAD) {
			off++;
			continue;
		}
		if (off + 1 >= lim) {
			snprintf(why, whysz, "option %u has no length byte", code);
			return -1;
		}
		len = p->buf[off + 1];
		if (off + 2 + len > lim) {
			snprintf(why, whysz, "option %u length %u runs past the end", code, len);
			return -1;
		}
		if (++p->nopts > DHCP_MAX_OPTS) {
			snprintf(why, whysz, "more than %d options", DHCP_MAX_OPTS);
			return -1;
		}
		if (!p->opt[code].present) {
			p->opt[code].present = 1;
			p->opt[code].off = (uint16_t)(off + 2);
			p->opt[code].len = len;
		}
		off += 2 + (size_t)len;
	}
	return 0;
}

const uint8_t *
dhcp_opt_get(const struct dhcp_pkt *p, int code, size_t *len)
{
	if (code < 0 || code > 255 || !p->opt[code].present) {
		*len = 0;
		return NULL;
	}
	*len = p->opt[code].len;
	return p->buf + p->opt[code].off;
}

/* Option 77: iPXE sends the raw string "iPXE"; RFC 3004 wraps it as len+"iPXE". */
static int
dhcp_userclass_ipxe(const uint8_t *v, size_t len)
{
	size_t	 i;

	if (len == 4 && memcmp(v, "iPXE", 4) == 0)
		return 1;
	for (i = 0; i < len; i += 1 + (size_t)v[i])
		if (v[i] == 4 && i + 5 <= len && memcmp(v + i + 1, "iPXE", 4) == 0)
			return 1;
	return 0;
}

/* Option 175: encapsulated iPXE options; the feature flags say what this build can do. */
static unsigned
dhcp_ipxe_features(const uint8_t *v, size_t len)
{
	static const struct { uint8_t code; unsigned flag; } map[] = {
		{ 19, IPXE_F_HTTP }, { 20, IPXE_F_HTTPS }, { 21, IPXE_F_TFTP },
		{ 24, IPXE_F_BZIMAGE }, { 36, IPXE_F_EFI },
	};
	unsigned f = 0;
	size_t	 i, k;

	for (i = 0; i + 2 <= len && i + 2 + v[i + 1] <= len; i += 2 + (size_t)v[i + 1])
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
			if (v[i] == map[k].code)
				f |= map[k].flag;
	return f;
}

/* Option 43 of a request: only 43.71 (boot item) matters, on port 4011. */
static void
dhcp_vendor_bootitem(struct dhcp_pkt *p, const uint8_t *v, size_t len)
{
	size_t	 i;

	for (i = 0; i + 2 <= len && v[i] != 255 && i + 2 + v[i + 1] <= len;
	    i += 2 + (size_t)v[i + 1]) {
		if (v[i] == PXE_BOOTITEM && v[i + 1] == 4) {
			p->has_bootitem = 1;
			p->bootitem_type = get16(v + i + 2);
			p->bootitem_layer = get16(v + i + 4);
		}
	}
}

/* Fill the PXE view from the options; -1 for an option whose size breaks its RFC. */
static int
dhcp_pxe_view(struct dhcp_pkt *p, char *why, size_t whysz)
{
	const uint8_t	*v;
	size_t		 len, i;

	if ((v = dhcp_opt_get(p, DHO_MSGTYPE, &len)) != NULL) {
		if (len != 1 || v[0] < DHCP_DISCOVER || v[0] > DHCP_INFORM) {
			snprintf(why, whysz, "bad message type option (length %zu)", len);
			return -1;
		}
		p->type = v[0];
	}
	if ((v = dhcp_opt_get(p, DHO_ARCH, &len)) != NULL) {
		/* RFC 4578 §2.1: a list of 16-bit types, in order of preference. */
		if (len == 0 || len % 2 != 0) {
			snprintf(why, whysz, "option 93 length %zu is not a list of 16-bit types", len);
			return -1;
		}
		for (i = 0; i < len && p->narch < DHCP_MAX_ARCH; i += 2)
			p->arch[p->narch++] = get16(v + i);
	}
	if ((v = dhcp_opt_get(p, DHO_UUID, &len)) != NULL && len == 17 && v[0] == 0) {
		p->has_uuid = 1;
		memcpy(p->uuid, v + 1, 16);
	}
	if ((v = dhcp_opt_get(p, DHO_USERCLASS, &len)) != NULL && dhcp_userclass_ipxe(v, len))
		p->ipxe = 1;
	if ((v = dhcp_opt_get(p, DHO_IPXE, &len)) != NULL) {
		/*
		 * Option 175 alone marks iPXE builds that omit the user class
		 * (Mellanox FlexBoot); an iPXE told to send another user class
		 * (set user-class) asks not to be treated as iPXE.
		 */
		if (!p->opt[DHO_USERCLASS].present)
			p->ipxe = 1;
		p->ipxe_features = dhcp_ipxe_features(v, len);
	}
	if ((v = dhcp_opt_get(p, DHO_VENDOR, &len)) != NULL)
		dhcp_vendor_bootitem(p, v, len);
	if ((v = dhcp_opt_get(p, DHO_MAXSIZE, &len)) != NULL && len == 2)
		p->maxsize = get16(v);
	if ((v = dhcp_opt_get(p, DHO_SERVERID, &len)) != NULL && len == 4)
		memcpy(&p->server_id, v, 4);
	if ((v = dhcp_opt_get(p, DHO_REQADDR, &len)) != NULL && len == 4)
		memcpy(&p->reqaddr, v, 4);
	return 0;
}

int
dhcp_parse(struct dhcp_pkt *p, const uint8_t *buf, size_t len, char *why, size_t whysz)
{
	const uint8_t	*ov;
	size_t		 olen;
	int		 end = 0, fend = 0, send = 0;

	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->len = len;
	if (len > UINT16_MAX) {
		snprintf(why, whysz, "oversized: %zu bytes", len);
		return -1;
	}
	if (len < DHCP_MIN_LEN) {
		snprintf(why, whysz, "truncated: %zu bytes, a DHCP message has at least %d", len,
		    DHCP_MIN_LEN);
		return -1;
	}
	p->op = buf[OFF_OP];
	p->htype = buf[1];
	p->hlen = buf[2];
	p->hops = buf[3];
	if (p->op != 1) {
		snprintf(why, whysz, "op %u is not BOOTREQUEST", p->op);
		return -1;
	}
	/* chaddr names the client in the database: only Ethernet MACs make sense. */
	if (p->htype != 1 || p->hlen != 6) {
		snprintf(why, whysz, "htype %u hlen %u is not Ethernet", p->htype, p->hlen);
		return -1;
	}
	if (memcmp(buf + DHCP_HDR_LEN, dhcp_cookie, DHCP_COOKIE_LEN) != 0) {
		snprintf(why, whysz, "no DHCP magic cookie");
		return -1;
	}
	memcpy(&p->xid, buf + OFF_XID, 4);
	p->secs = get16(buf + OFF_SECS);
	p->flags = get16(buf + OFF_FLAGS);
	memcpy(&p->ciaddr, buf + OFF_CIADDR, 4);
	memcpy(&p->yiaddr, buf + OFF_YIADDR, 4);
	memcpy(&p->siaddr, buf + OFF_SIADDR, 4);
	memcpy(&p->giaddr, buf + OFF_GIADDR, 4);
	memcpy(p->chaddr, buf + OFF_CHADDR, 16);
	if (dhcp_walk(p, DHCP_HDR_LEN + DHCP_COOKIE_LEN, len, &end, why, whysz) == -1)
		return -1;
	if (!end) {
		snprintf(why, whysz, "no end option");
		return -1;
	}
	/* RFC 2131 §4.1: option 52 moves more options into file and/or sname. */
	if ((ov = dhcp_opt_get(p, DHO_OVERLOAD, &olen)) != NULL) {
		if (olen != 1 || ov[0] < 1 || ov[0] > 3) {
			snprintf(why, whysz, "bad option overload");
			return -1;
		}
		if ((ov[0] & 1) && dhcp_walk(p, OFF_FILE, OFF_FILE + LEN_FILE, &fend, why,
		    whysz) == -1)
			return -1;
		if ((ov[0] & 2) && dhcp_walk(p, OFF_SNAME, OFF_SNAME + LEN_SNAME, &send, why,
		    whysz) == -1)
			return -1;
	}
	return dhcp_pxe_view(p, why, whysz);
}

const char *
dhcp_type_name(int type)
{
	static const char *const names[] = { "BOOTP", "DISCOVER", "OFFER", "REQUEST",
	    "DECLINE", "ACK", "NAK", "RELEASE", "INFORM" };

	if (type < 0 || type > DHCP_INFORM)
		return "?";
	return names[type];
}

int
dhcp_vendor_match(const struct dhcp_pkt *p, const char *prefixes)
{
	const uint8_t	*v;
	const char	*s, *e;
	size_t		 len, plen;

	if ((v = dhcp_opt_get(p, DHO_CLASSID, &len)) == NULL)
		return 0;
	for (s = prefixes; *s != '\0'; s = *e ? e + 1 : e) {
		while (*s == ' ')
			s++;
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		plen = (size_t)(e - s);
		while (plen > 0 && s[plen - 1] == ' ')
			plen--;
		if (plen > 0 && plen <= len && memcmp(v, s, plen) == 0)
			return 1;
	}
	return 0;
}

enum dhcp_arch_kind
dhcp_arch_kind(int arch, const char **name)
{
	size_t	 i;

	/* The table is sorted: BIOS and x64 UEFI are found in a step or two. */
	for (i = 0; i < sizeof(dhcp_archs) / sizeof(dhcp_archs[0]) &&
	    dhcp_archs[i].arch <= arch; i++)
		if (dhcp_archs[i].arch == arch) {
			if (name != NULL)
				*name = dhcp_archs[i].name;
			return dhcp_archs[i].kind;
		}
	if (name != NULL)
		*name = "unknown";
	return ARCH_UNKNOWN;
}

int
dhcp_arch(const struct dhcp_pkt *p)
{
	int	 i;

	/* smee Arch(): the first entry we know; a chained undionly may send only that. */
	for (i = 0; i < p->narch; i++)
		if (dhcp_arch_kind(p->arch[i], NULL) != ARCH_UNKNOWN)
			return p->arch[i];
	if (p->narch > 0)
		return p->arch[0];
	/* PXE 2.1 makes option 93 mandatory; clients without it are BIOS ROMs. */
	return 0;
}

int
dhcp_is_httpclient(const struct dhcp_pkt *p)
{
	return dhcp_vendor_match(p, "HTTPClient") ||
	    dhcp_arch_kind(dhcp_arch(p), NULL) == ARCH_HTTP;
}

size_t
dhcp_ntoa(struct in_addr a, char out[16])
{
	const uint8_t	*b = (const uint8_t *)&a;
	size_t		 n = 0;
	int		 i;

	/* inet_ntop's work without its locale-aware printf: once per reply on the hot path. */
	for (i = 0; i < 4; i++) {
		if (b[i] >= 100)
			out[n++] = (char)('0' + b[i] / 100);
		if (b[i] >= 10)
			out[n++] = (char)('0' + b[i] / 10 % 10);
		out[n++] = (char)('0' + b[i] % 10);
		out[n++] = i < 3 ? '.' : '\0';
	}
	return n - 1;
}

void
dhcp_opt_text(const struct dhcp_pkt *p, int code, char *out, size_t outsz)
{
	const uint8_t	*v;
	size_t		 len;

	if ((v = dhcp_opt_get(p, code, &len)) == NULL) {
		if (outsz > 0)
			out[0] = '\0';
		return;
	}
	log_safe(out, outsz, (const char *)v, len);
}

void
dhcp_out_init(struct dhcp_out *o, const struct dhcp_pkt *req, int type)
{
	uint8_t	 t = (uint8_t)type;

	memset(o->buf, 0, DHCP_HDR_LEN);
	o->buf[OFF_OP] = 2;
	o->buf[1] = 1;
	o->buf[2] = 6;
	memcpy(o->buf + OFF_XID, &req->xid, 4);
	o->buf[OFF_FLAGS] = (uint8_t)(req->flags >> 8);
	o->buf[OFF_FLAGS + 1] = (uint8_t)req->flags;
	memcpy(o->buf + OFF_GIADDR, &req->giaddr, 4);
	memcpy(o->buf + OFF_CHADDR, req->chaddr, 16);
	memcpy(o->buf + DHCP_HDR_LEN, dhcp_cookie, DHCP_COOKIE_LEN);
	o->len = DHCP_HDR_LEN + DHCP_COOKIE_LEN;
	o->overflow = 0;
	/* Honour a smaller maximum message size (option 57), never below RFC 2132's 576. */
	o->max = DHCP_MAX_REPLY;
	if (req->maxsize >= 576 && req->maxsize - 28 < DHCP_MAX_REPLY)
		o->max = req->maxsize - 28u;
	dhcp_out_opt(o, DHO_MSGTYPE, &t, 1);
}

void
dhcp_out_addrs(struct dhcp_out *o, struct in_addr ci, struct in_addr yi, struct in_addr si)
{
	memcpy(o->buf + OFF_CIADDR, &ci, 4);
	memcpy(o->buf + OFF_YIADDR, &yi, 4);
	memcpy(o->buf + OFF_SIADDR, &si, 4);
}

static int
dhcp_out_field(struct dhcp_out *o, size_t off, size_t size, const char *s)
{
	size_t	 len = strlen(s);

	if (len >= size)
		return -1;
	memset(o->buf + off, 0, size);
	memcpy(o->buf + off, s, len);
	return 0;
}

int
dhcp_out_sname(struct dhcp_out *o, const char *s)
{
	return dhcp_out_field(o, OFF_SNAME, LEN_SNAME, s);
}

int
dhcp_out_file(struct dhcp_out *o, const char *s)
{
	return dhcp_out_field(o, OFF_FILE, LEN_FILE, s);
}

int
dhcp_out_opt(struct dhcp_out *o, int code, const void *data, size_t len)
{
	/* Keep one byte for the end option. */
	if (o->overflow || len > 255 || o->len + 2 + len + 1 > o->max) {
		o->overflow = 1;
		return -1;
	}
	o->buf[o->len] = (uint8_t)code;
	o->buf[o->len + 1] = (uint8_t)len;
	if (len > 0)
		memcpy(o->buf + o->len + 2, data, len);
	o->len += 2 + len;
	return 0;
}

int
dhcp_out_addr(struct dhcp_out *o, int code, struct in_addr a)
{
	return dhcp_out_opt(o, code, &a, 4);
}

int
dhcp_out_u32(struct dhcp_out *o, int code, uint32_t v)
{
	uint32_t n = htonl(v);

	return dhcp_out_opt(o, code, &n, 4);
}

int
dhcp_out_str(struct dhcp_out *o, int code, const char *s)
{
	return dhcp_out_opt(o, code, s, strlen(s));
}

int
dhcp_out_echo(struct dhcp_out *o, const struct dhcp_pkt *req, int code)
{
	const uint8_t	*v;
	size_t		 len;

	if ((v = dhcp_opt_get(req, code, &len)) == NULL)
		return 0;
	return dhcp_out_opt(o, code, v, len);
}

int
dhcp_out_finish(struct dhcp_out *o)
{
	if (o->overflow || o->len + 1 > o->max)
		return -1;
	o->buf[o->len++] = DHO_END;
	if (o->len < DHCP_BOOTP_MIN && DHCP_BOOTP_MIN <= o->max) {
		memset(o->buf + o->len, 0, DHCP_BOOTP_MIN - o->len);
		o->len = DHCP_BOOTP_MIN;
	}
	return 0;
}
