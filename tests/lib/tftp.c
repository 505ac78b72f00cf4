/* tftp.c: TAP tests of the TFTP codec (libnetboot/tftp.c). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tftp.h"

static uint8_t	 pkt[2048];

/* Build a request in pkt from a byte string with embedded NULs. */
static size_t
mk(const char *bytes, size_t len)
{
	memcpy(pkt, bytes, len);
	return len;
}
#define MK(lit)	mk(lit, sizeof(lit) - 1)

static struct tftp_limits	 lim = { 1468, 64, 0, 1000 };

/* Negotiate the request in pkt and return its OACK as a string with \0 shown as |. */
static const char *
oack_of(size_t len)
{
	static char		 out[512];
	struct tftp_req		 req;
	struct tftp_opts	 opts;
	uint8_t			 buf[512];
	const char		*why;
	size_t			 n, i;

	if (tftp_req_parse(pkt, len, &req, &why) != 0)
		return why;
	tftp_negotiate(&req, &lim, &opts);
	if ((n = tftp_oack(&req, &opts, buf, sizeof(buf))) == 0)
		return "";
	for (i = 0; i < n; i++)
		out[i] = buf[i] == 0 ? '|' : (buf[i] == 6 && i == 1 ? '6' : (char)buf[i]);
	out[n] = '\0';
	return out;
}

static void
test_parse(void)
{
	struct tftp_req	 req;
	const char	*why;

	ok(tftp_req_parse(pkt, MK("\0\1f.bin\0octet\0"), &req, &why) == 0 && req.op == TFTP_RRQ &&
	    strcmp(req.file, "f.bin") == 0 && req.mode == TFTP_OCTET && req.norder == 0,
	    "plain RRQ");
	ok(tftp_req_parse(pkt, MK("\0\2f\0NetASCII\0"), &req, &why) == 0 && req.op == TFTP_WRQ &&
	    req.mode == TFTP_NETASCII, "WRQ, mode is case-insensitive");
	ok(tftp_req_parse(pkt, MK("\0\1f\0mail\0"), &req, &why) == TFTP_EBADOP, "mail mode: error 4");
	ok(tftp_req_parse(pkt, MK("\0\1f\0bogus\0"), &req, &why) == TFTP_EBADOP, "unknown mode: error 4");
	ok(tftp_req_parse(pkt, MK("\0\1f\0octet"), &req, &why) == TFTP_EBADOP, "unterminated mode: error 4");
	ok(tftp_req_parse(pkt, MK("\0\1fname"), &req, &why) == TFTP_EBADOP, "unterminated name: error 4");
	ok(tftp_req_parse(pkt, MK("\0\1\0octet\0"), &req, &why) == TFTP_EBADOP, "empty name: error 4");
	ok(tftp_req_parse(pkt, MK("\0\11f\0octet\0"), &req, &why) == TFTP_EBADOP, "opcode 9: error 4");
	ok(tftp_req_parse(pkt, MK("\0\4\0\1"), &req, &why) == -1, "an ACK on port 69: silence");
	ok(tftp_req_parse(pkt, MK("\0\5\0\1x\0"), &req, &why) == -1, "an ERROR: never answered");
	ok(tftp_req_parse(pkt, MK("\1"), &req, &why) == -1, "runt: silence");
	ok(tftp_req_parse(pkt, MK("\0\1f\0octet\0BLKSIZE\0001024\0foo\0bar\0tsize\0000\0garb"),
	    &req, &why) == 0 && req.norder == 2 && req.nunknown == 1 && req.garbage == 4 &&
	    strcmp(req.val[TFTP_OPT_BLKSIZE], "1024") == 0, "options, unknown one, trailing garbage");
	ok(tftp_req_parse(pkt, MK("\0\1f\0octet\0blksize\0001024\0blksize\0009000\0"), &req, &why) == 0 &&
	    req.norder == 1 && strcmp(req.val[TFTP_OPT_BLKSIZE], "1024") == 0, "repeated option: first wins");
}

static void
test_negotiate(void)
{
	is_str(oack_of(MK("\0\1f\0octet\0")), "", "no options: no OACK");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\0001024\0")), "|6blksize|1024|", "blksize");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\00065464\0")), "|6blksize|1468|", "blksize clamped to the MTU");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\00099999\0")), "|6blksize|1468|", "blksize above 65464 clamped");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\0007\0")), "", "blksize 7 ignored");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\0008\0")), "|6blksize|8|", "blksize 8 accepted");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\0-1\0")), "", "negative blksize ignored");
	is_str(oack_of(MK("\0\1f\0octet\0blksize\0 512\0")), "", "blksize with a space ignored");
	is_str(oack_of(MK("\0\1f\0octet\0tsize\0000\0")), "|6tsize|1000|", "tsize answers the size");
	is_str(oack_of(MK("\0\1f\0netascii\0tsize\0000\0")), "|6tsize|1000|",
	    "tsize in netascii when the caller knows a size");
	is_str(oack_of(MK("\0\1f\0octet\0timeout\0000\0")), "", "timeout 0 ignored");
	is_str(oack_of(MK("\0\1f\0octet\0timeout\000256\0")), "", "timeout 256 ignored");
	is_str(oack_of(MK("\0\1f\0octet\0timeout\000255\0")), "|6timeout|255|", "timeout 255 echoed");
	is_str(oack_of(MK("\0\1f\0octet\0windowsize\0000\0")), "", "windowsize 0 ignored");
	is_str(oack_of(MK("\0\1f\0octet\0windowsize\000500\0")), "|6windowsize|64|", "windowsize capped");
	is_str(oack_of(MK("\0\1f\0octet\0WindowSize\0004\0TSIZE\0000\0BlkSize\000512\0")),
	    "|6windowsize|4|tsize|1000|blksize|512|", "client's order, lower-case names");
	is_str(oack_of(MK("\0\1f\0octet\0multicast\0\0blksize\0001000\0")), "|6blksize|1000|",
	    "multicast ignored");
	lim.refuse = 1u << TFTP_OPT_BLKSIZE;
	is_str(oack_of(MK("\0\1f\0octet\0blksize\0001024\0tsize\0000\0")), "|6tsize|1000|",
	    "refused blksize left out");
	lim.refuse = 0;
	lim.tsize = -1;
	is_str(oack_of(MK("\0\1f\0octet\0tsize\0000\0")), "", "unknown size: no tsize");
	lim.tsize = 1000;
}

static void
test_netascii(void)
{
	struct tftp_ascii	 st = { 0 };
	const uint8_t		 in[] = "a\nb\rc";
	uint8_t			 out[16];
	size_t			 used, n;

	n = tftp_netascii(&st, in, 5, &used, out, sizeof(out));
	ok(n == 7 && used == 5 && memcmp(out, "a\r\nb\r\0c", 7) == 0, "LF to CR LF, CR to CR NUL");
	n = tftp_netascii(&st, in, 5, &used, out, 2);
	ok(n == 2 && used == 2 && memcmp(out, "a\r", 2) == 0 && st.pending == '\n',
	    "CR LF split across blocks");
	n = tftp_netascii(&st, in + used, 5 - used, &used, out, 3);
	ok(n == 3 && used == 2 && memcmp(out, "\nb\r", 3) == 0 && st.pending == 1,
	    "pending LF first, then CR NUL split");
	n = tftp_netascii(&st, NULL, 0, &used, out, 3);
	ok(n == 1 && out[0] == '\0' && st.pending == 0, "pending NUL flushed at the end");
}

static void
test_error(void)
{
	uint8_t	 buf[16];
	size_t	 n = tftp_errpkt(buf, sizeof(buf), TFTP_ENOTFOUND, "File not found, really");

	ok(n == 16 && memcmp(buf, "\0\5\0\1File not fo\0", 16) == 0, "ERROR packet truncated to fit");
}

int
main(void)
{
	test_parse();
	test_negotiate();
	test_netascii();
	test_error();
	return done_testing();
}
