/*
 * fuzz-dhcp.c: the fuzz target of the DHCP codec (libnetboot/dhcp.c) and
 * of the PXE reply builder (libnetboot/dhcp_pxe.c). fuzz_one() parses a
 * datagram as pxedhcpd does, then builds every kind of reply to it and
 * checks the reply's invariants; a broken invariant aborts.
 *
 * Built with clang -fsanitize=fuzzer (make fuzz-dhcp, tests/fuzz/include.am),
 * LLVMFuzzerTestOneInput is the entry point; its seeds are in
 * tests/fuzz/corpus/dhcp. Built without it (make check), main() is a
 * deterministic driver: it takes the DHCP messages found in the files it
 * is given (pcap, pcapng or raw: every magic cookie at offset 236 marks
 * one), feeds each one and N mutations of it through fuzz_one(), and
 * prints TAP. With --seeds DIR it writes those messages as a corpus.
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "dhcp.h"
#include "dhcp6.h"
#include "dhcp_pxe.h"
#include "fuzz.h"

static void
check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz-dhcp: invariant broken: %s\n", what);
		abort();
	}
}

/* The options of a built reply must be well formed and end inside it. */
static void
check_reply(const struct dhcp_out *o, const struct dhcp_pkt *req)
{
	size_t	 i = DHCP_HDR_LEN + DHCP_COOKIE_LEN;

	check(o->len <= o->max && o->max <= DHCP_MAX_REPLY, "reply within its limit");
	check(o->buf[0] == 2 && memcmp(o->buf + 4, &req->xid, 4) == 0, "op 2 and xid copied");
	while (i < o->len && o->buf[i] != DHO_END) {
		check(o->buf[i] != DHO_PAD, "no pad before the end option");
		check(i + 2 <= o->len && i + 2 + o->buf[i + 1] <= o->len, "option inside the reply");
		i += 2 + (size_t)o->buf[i + 1];
	}
	check(i < o->len && o->buf[i] == DHO_END, "end option present");
}

/* The largest PXE menu the settings accept (netboot(7)): every item a network one. */
static const struct dhcp_menu *
fuzz_bigmenu(void)
{
	static struct dhcp_menu	 m;
	int			 i;

	for (i = m.nitem; i < DHCP_MENU_MAX; i++, m.nitem++) {
		m.item[i].type = (uint16_t)(0xfff0 + i);
		memset(m.item[i].label, 'a' + i, DHCP_MENU_LABEL_MAX);
	}
	memset(m.prompt, 'p', DHCP_MENU_PROMPT_MAX);
	m.timeout = 255;
	return &m;
}

static void
fuzz_reply(const struct dhcp_pkt *p, struct dhcp_answer *a)
{
	struct dhcp_out	 o;

	if (dhcp_pxe_reply(&o, p, a) == 0)
		check_reply(&o, p);
	else
		check(o.overflow || o.len <= o.max, "a refused reply did not overrun");
}

static void
check_opt6(const struct dhcp6_opt *o, const uint8_t *buf, size_t size)
{
	if (o->present)
		check(o->data >= buf && o->len <= size && o->data - buf <= (ptrdiff_t)(size - o->len),
		    "a DHCPv6 option lies inside the datagram");
}

/* The DHCPv6 codec (libnetboot/dhcp6.c): parse, then build a reply and walk its options. */
static void
fuzz_dhcp6(const uint8_t *data, size_t size)
{
	static const uint8_t duid[10] = { 0, 3, 0, 1, 2, 0, 0, 0, 0, 1 };
	struct dhcp6_pkt	 p;
	struct dhcp6_out	 o;
	char			 why[128];
	size_t			 i, n;

	if (dhcp6_parse(&p, data, size, why, sizeof(why)) == -1) {
		check(strlen(why) > 0, "a DHCPv6 refusal says why");
		return;
	}
	check(p.narch >= 0 && p.narch <= DHCP6_MAX_ARCH, "option 61 entries bounded");
	check_opt6(&p.clientid, data, size);
	check_opt6(&p.serverid, data, size);
	check_opt6(&p.oro, data, size);
	check_opt6(&p.user_class, data, size);
	check_opt6(&p.vendor_class, data, size);
	check_opt6(&p.nii, data, size);
	check(p.nia >= 0 && p.nia <= DHCP6_MAX_IA, "IA_NA entries bounded");
	dhcp6_arch(&p);
	if (dhcp6_reply(&o, &p, DHCP6_ADVERTISE, duid, sizeof(duid),
	    "http://[fe80::77:ff:fe00:2]:8080/snponly.efi", 1) == -1) {
		check(o.len <= sizeof(o.buf), "a refused DHCPv6 reply did not overrun");
		return;
	}
	/* The stateful server's parts: an address or a status for each IA, then a status. */
	for (i = 0; i < (size_t)p.nia; i++)
		if (dhcp6_put_ia_na(&o, p.ia[i].iaid, 1800, 2880, p.ia[i].has_addr ?
		    p.ia[i].addr : NULL, 3600, 3600, D6S_NOADDRS, "no free address") == -1)
			break;
	dhcp6_put_status(&o, D6S_SUCCESS, "done");
	check(o.len >= 4 && o.len <= sizeof(o.buf) && o.buf[0] == DHCP6_ADVERTISE &&
	    memcmp(o.buf + 1, p.xid, 3) == 0, "DHCPv6 reply header");
	for (i = 4; i < o.len; i += n) {
		check(o.len - i >= 4, "DHCPv6 reply option header inside");
		n = (size_t)(o.buf[i + 2] << 8 | o.buf[i + 3]);
		i += 4;
		check(n <= o.len - i, "DHCPv6 reply option inside");
	}
}

/* A valid SOLICIT head (client id, vendor class 343 PXEClient, arch 7) before the data. */
static void
fuzz_dhcp6_solicit(const uint8_t *data, size_t size)
{
	static const uint8_t head[] = { 1, 0x12, 0x34, 0x56,
	    0, 1, 0, 10, 0, 3, 0, 1, 0x52, 0x54, 0, 0x66, 0, 7,
	    0, 16, 0, 15, 0, 0, 1, 0x57, 0, 9, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't',
	    0, 61, 0, 2, 0, 7,
	    0, 3, 0, 40, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 5, 0, 24, 0xfd, 0, 0, 0x77, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10, 0,
	    0, 0, 0, 0, 0, 0, 0, 0 };
	uint8_t		 buf[1600];

	if (size > sizeof(buf) - sizeof(head))
		size = sizeof(buf) - sizeof(head);
	memcpy(buf, head, sizeof(head));
	memcpy(buf + sizeof(head), data, size);
	fuzz_dhcp6(buf, sizeof(head) + size);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char longfile[] = "http://255.255.255.255:65535/a/very/long/path/to/"
	    "a/bootloader/that/fills/the/file/field/of/the/bootp/header/almost.efi";
	struct dhcp_pkt	 p;
	struct dhcp_lease lease;
	struct dhcp_answer a;
	char		 why[128], text[1024], uuid[NB_UUIDSTR_LEN];
	int		 arch;

	fuzz_dhcp6(data, size);
	fuzz_dhcp6_solicit(data, size);
	if (dhcp_parse(&p, data, size, why, sizeof(why)) == -1) {
		check(strlen(why) > 0, "a refusal says why");
		return 0;
	}
	check(p.op == 1 && p.htype == 1 && p.hlen == 6, "only Ethernet BOOTREQUESTs pass");
	arch = dhcp_arch(&p);
	check(arch >= 0 && arch <= 65535, "arch is 16 bits");
	dhcp_arch_kind(arch, NULL);
	dhcp_is_httpclient(&p);
	dhcp_vendor_match(&p, "PXEClient, HTTPClient,HW-Client,");
	if (p.has_uuid)
		nb_uuid_format(p.uuid, uuid);
	dhcp_opt_text(&p, DHO_CLASSID, text, sizeof(text));
	dhcp_opt_text(&p, DHO_USERCLASS, text, 9);

	memset(&a, 0, sizeof(a));
	inet_pton(AF_INET, "10.77.0.2", &a.server);
	a.file = "undionly.kpxe";
	a.vendor = VENDOR_PXE;
	a.type = DHCP_OFFER;
	a.opt43 = OPT43_DIRECT;
	fuzz_reply(&p, &a);
	a.type = DHCP_ACK;
	a.port4011 = 1;
	a.opt43 = OPT43_NONE;
	fuzz_reply(&p, &a);
	a.port4011 = 0;
	a.vendor = VENDOR_HTTP;
	a.file = longfile;
	fuzz_reply(&p, &a);
	/* A menu offer (no file), the largest one; a port 4011 local-boot ACK (no file). */
	a.vendor = VENDOR_PXE;
	a.file = NULL;
	a.opt43 = OPT43_MENU;
	a.menu = fuzz_bigmenu();
	a.type = DHCP_OFFER;
	fuzz_reply(&p, &a);
	a.type = DHCP_ACK;
	a.port4011 = 1;
	a.opt43 = OPT43_NONE;
	a.menu = NULL;
	fuzz_reply(&p, &a);
	a.port4011 = 0;
	a.vendor = VENDOR_HTTP;
	a.file = longfile;
	memset(&lease, 0, sizeof(lease));
	inet_pton(AF_INET, "10.77.0.60", &lease.addr);
	lease.netmask.s_addr = htonl(0xffffff00);
	lease.ndns = lease.nntp = DHCP_LEASE_MAXADDR;
	lease.hostname = "host";
	lease.domain = "lab.example";
	lease.lease_time = 3600;
	a.lease = &lease;
	fuzz_reply(&p, &a);
	a.type = DHCP_NAK;
	fuzz_reply(&p, &a);
	return 0;
}

#ifndef FUZZ_LIBFUZZER
#define MAXSEEDS	256
#define SEEDLEN		1500

static uint8_t	*seeds[MAXSEEDS];
static size_t	 seedlen[MAXSEEDS];
static int	 nseeds;

/* Every magic cookie 236 bytes into a file starts a DHCP message. */
static void
load_seeds(const char *path)
{
	static const uint8_t cookie[4] = { 99, 130, 83, 99 };
	uint8_t		*buf;
	size_t		 len, i;
	FILE		*f;
	struct stat	 st;

	if ((f = fopen(path, "rb")) == NULL || fstat(fileno(f), &st) == -1) {
		perror(path);
		exit(1);
	}
	len = (size_t)st.st_size;
	buf = malloc(len + 1);
	if (buf == NULL || fread(buf, 1, len, f) != len) {
		perror(path);
		exit(1);
	}
	fclose(f);
	for (i = DHCP_HDR_LEN; i + 4 <= len && nseeds < MAXSEEDS; i++) {
		if (memcmp(buf + i, cookie, 4) != 0)
			continue;
		seedlen[nseeds] = len - (i - DHCP_HDR_LEN) < SEEDLEN ?
		    len - (i - DHCP_HDR_LEN) : SEEDLEN;
		seeds[nseeds] = malloc(seedlen[nseeds]);
		memcpy(seeds[nseeds], buf + i - DHCP_HDR_LEN, seedlen[nseeds]);
		nseeds++;
	}
	free(buf);
}

/* One of a few ways a packet goes wrong on the wire or in a buggy ROM. */
static size_t
mutate(uint8_t *b, size_t len, size_t cap)
{
	size_t	 i, n, at;

	switch (fuzz_rnd(8)) {
	case 0:		/* flip bits */
		for (n = 1 + fuzz_rnd(8); n > 0; n--)
			b[fuzz_rnd((uint32_t)len)] ^= (uint8_t)(1u << fuzz_rnd(8));
		break;
	case 1:		/* truncate */
		len = fuzz_rnd((uint32_t)len + 1);
		break;
	case 2:		/* a length byte in the options goes wild */
		at = DHCP_HDR_LEN + 4 + fuzz_rnd((uint32_t)(len > 244 ? len - 244 : 1));
		if (at < len)
			b[at] = (uint8_t)(fuzz_rnd(2) ? 255 : fuzz_rnd(256));
		break;
	case 3:		/* random bytes over the options */
		at = DHCP_HDR_LEN + fuzz_rnd(64);
		for (i = at; i < len && i < at + fuzz_rnd(64); i++)
			b[i] = (uint8_t)fuzz_rnd(256);
		break;
	case 4:		/* the end option disappears */
		for (i = len; i > DHCP_HDR_LEN + 4; i--)
			if (b[i - 1] == DHO_END) {
				b[i - 1] = DHO_PAD;
				break;
			}
		break;
	case 5:		/* grow: random options appended up to the cap */
		while (len + 2 < cap && fuzz_rnd(16) != 0) {
			b[len] = (uint8_t)fuzz_rnd(256);
			b[len + 1] = (uint8_t)fuzz_rnd(16);
			len += 2;
		}
		break;
	case 6:		/* interesting option values: 52, 93, 97, 77, 175, 43, 57 */
		at = DHCP_HDR_LEN + 4 + fuzz_rnd(32);
		if (at + 3 < len) {
			static const uint8_t codes[] = { 52, 93, 97, 77, 175, 43, 57, 53, 60 };
			b[at] = codes[fuzz_rnd(sizeof(codes))];
			b[at + 1] = (uint8_t)fuzz_rnd(20);
			b[at + 2] = (uint8_t)fuzz_rnd(256);
		}
		break;
	default:	/* header fields: op, htype, hlen, flags */
		b[fuzz_rnd(12)] = (uint8_t)fuzz_rnd(256);
		break;
	}
	return len;
}

static int
write_seeds(const char *dir)
{
	char	 path[1024];
	FILE	*f;
	int	 i;

	mkdir(dir, 0755);
	for (i = 0; i < nseeds; i++) {
		snprintf(path, sizeof(path), "%s/capture-%03d", dir, i);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(seeds[i], 1, seedlen[i], f) != seedlen[i] || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	printf("%d seeds written to %s\n", nseeds, dir);
	return 0;
}

int
main(int argc, char *argv[])
{
	static uint8_t	 buf[4096];
	const char	*seeddir = NULL, *errstr;
	long long	 rounds = 20000, r;
	size_t		 len;
	int		 i, parsed = 0;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--seeds") == 0 && i + 1 < argc)
			seeddir = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			rounds = strtonum(argv[++i], 1, 100000000, &errstr);
			if (errstr != NULL)
				return 2;
		} else {
			fprintf(stderr, "usage: fuzz-dhcp [-n rounds] [--seeds dir] file ...\n");
			return 2;
		}
	}
	for (; i < argc; i++)
		load_seeds(argv[i]);
	if (seeddir != NULL)
		return write_seeds(seeddir);
	printf("%sok 1 - %d DHCP messages found in the captures\n", nseeds >= 5 ? "" : "not ",
	    nseeds);
	for (i = 0; i < nseeds; i++) {
		struct dhcp_pkt p;
		char		why[128];

		if (dhcp_parse(&p, seeds[i], seedlen[i], why, sizeof(why)) == 0)
			parsed++;
		LLVMFuzzerTestOneInput(seeds[i], seedlen[i]);
	}
	/* Requests and replies alike are in the captures; replies are refused (op 2). */
	printf("%sok 2 - %d of them parse as requests\n", parsed >= 5 ? "" : "not ", parsed);
	for (r = 0; r < rounds && nseeds > 0; r++) {
		i = (int)fuzz_rnd((uint32_t)nseeds);
		memcpy(buf, seeds[i], seedlen[i]);
		len = seedlen[i];
		len = mutate(buf, len, sizeof(buf));
		if (fuzz_rnd(4) == 0)
			len = mutate(buf, len, sizeof(buf));
		LLVMFuzzerTestOneInput(buf, len);
	}
	printf("ok 3 - %lld mutated messages through parser and reply builder\n", r);
	for (i = 1; i <= 1500; i += 7) {
		memset(buf, 0xff, (size_t)i);
		LLVMFuzzerTestOneInput(buf, (size_t)i);
		memset(buf, 0, (size_t)i);
		LLVMFuzzerTestOneInput(buf, (size_t)i);
	}
	printf("ok 4 - datagrams of 1 to 1500 bytes of 0x00 and 0xff\n");
	printf("1..4\n");
	return nseeds >= 5 && parsed >= 5 ? 0 : 1;
}
#endif
