/*
 * fuzz-tftp.c: the TFTP codec (libnetboot/tftp.c). The first 4 bytes
 * choose the server's limits, the rest is a request as tftpd reads it from
 * the socket: parsed, negotiated, answered with an OACK and an ERROR; its
 * bytes also go through the netascii encoder in blocks of chosen sizes,
 * whose output must decode back to them.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "tftp.h"

#define PKTMAX	(TFTP_BLKSIZE_MAX + TFTP_HDR_LEN)

const char *const fuzz_tokens[] = {
	"octet", "netascii", "blksize", "tsize", "timeout", "windowsize",
	"BLKSIZE", "65464", "1468", "0", "255", "256", "-1", "\0", NULL
};

static void
check_oack(const struct tftp_req *req, const struct tftp_opts *o,
    const struct tftp_limits *lim)
{
	uint8_t	 buf[512];
	size_t	 n;
	char	 line[128];

	fuzz_check(o->blksize >= TFTP_BLKSIZE_MIN &&
	    o->blksize <= TFTP_BLKSIZE_MAX &&
	    (o->blksize <= lim->blksize_max ||
	    o->blksize == TFTP_BLKSIZE_DEFAULT),
	    "blksize within the limits");
	fuzz_check(o->window >= 1 && o->window <= lim->window_max,
	    "window within the limit");
	fuzz_check(o->timeout <= TFTP_TIMEOUT_MAX, "timeout at most 255");
	fuzz_check((o->accepted & lim->refuse) == 0,
	    "refused options stay out");
	fuzz_check(o->tsize == -1 || o->tsize == lim->tsize,
	    "tsize is the file's");
	n = tftp_oack(req, o, buf, sizeof(buf));
	fuzz_check(n <= sizeof(buf), "OACK inside its buffer");
	fuzz_check(n == 0 || (buf[0] == 0 && buf[1] == TFTP_OACK &&
	    buf[n - 1] == '\0'),
	    "OACK header and last NUL");
	fuzz_check((n == 0) == (o->accepted == 0),
	    "an OACK exactly when something was agreed");
	n = tftp_oack(req, o, buf, 7);
	fuzz_check(n <= 7, "a small OACK buffer is not overrun");
	tftp_opts_str(o, line, sizeof(line));
	tftp_opts_str(o, line, 8);
	fuzz_check(strlen(line) < 8, "opts_str truncates");
}

/*
 * Encode in blocks of outsz, carrying the state, and decode: the bytes come
 * back.
 */
static void
check_netascii(const uint8_t *in, size_t len, size_t outsz)
{
	struct tftp_ascii st = { 0 };
	uint8_t		*out = malloc(2 * len + 2), blk[512];
	size_t		 o = 0, i = 0, used, n, k, d = 0;

	if (out == NULL)
		abort();
	while (i < len || st.pending != 0) {
		n = tftp_netascii(&st, in + i, len - i, &used, blk, outsz);
		fuzz_check(n <= outsz && used <= len - i,
		    "netascii stays in its buffers");
		fuzz_check(n > 0 || outsz == 0, "netascii makes progress");
		memcpy(out + o, blk, n);
		o += n;
		i += used;
	}
	/* CR LF is LF, CR NUL is CR. */
	for (k = 0; k < o; k++) {
		if (out[k] == '\r') {
			fuzz_check(k + 1 < o && (out[k + 1] == '\n' ||
			    out[k + 1] == '\0'),
			    "a CR is followed by LF or NUL");
			fuzz_check(in[d++] == (out[k + 1] == '\n' ? '\n' :
			    '\r'),
			    "netascii decodes back");
			k++;
		} else
			fuzz_check(d < len && in[d++] == out[k],
			    "netascii decodes back");
	}
	fuzz_check(d == len, "netascii keeps every byte");
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int blk[] = { 8, 512, 1408, 1432, 1468, 8192,
	    65464 };
	struct tftp_limits lim;
	struct tftp_req	 req;
	struct tftp_opts opts;
	uint8_t		*pkt, err[516];
	const char	*why;
	size_t		 len;
	int		 rc, i;

	if (size < 4 || size - 4 > PKTMAX)
		return 0;
	memset(&lim, 0, sizeof(lim));
	lim.blksize_max = blk[data[0] % (sizeof(blk) / sizeof(blk[0]))];
	lim.window_max = 1 + (data[1] & 0x3f);
	lim.refuse = data[2] & 0x0f;
	lim.tsize = data[3] & 0x80 ? -1 : (int64_t)data[3] << 24;
	len = size - 4;
	/*
	 * tftpd's buffer has room for the NUL the parser writes after the
	 * packet.
	 */
	if ((pkt = malloc(len + 1)) == NULL)
		abort();
	memcpy(pkt, data + 4, len);
	rc = tftp_req_parse(pkt, len, &req, &why);
	fuzz_check(rc == 0 || why != NULL, "a refusal says why");
	if (rc == 0) {
		fuzz_check(req.op == TFTP_RRQ || req.op == TFTP_WRQ,
		    "a request");
		fuzz_check(req.file[0] != '\0', "a file name");
		fuzz_check(req.norder >= 0 && req.norder <= TFTP_OPT_MAX,
		    "options bounded");
		fuzz_check(req.garbage >= 0 && (size_t)req.garbage <= len,
		    "garbage bounded");
		for (i = 0; i < req.norder; i++)
			fuzz_check(req.val[req.order[i]] != NULL,
			    "an ordered option has a value");
		tftp_negotiate(&req, &lim, &opts);
		check_oack(&req, &opts, &lim);
		fuzz_check(tftp_errpkt(err, sizeof(err), TFTP_ENOTFOUND,
		    req.file) <= sizeof(err),
		    "ERROR inside its buffer");
	} else if (rc > 0)
		fuzz_check(tftp_errpkt(err, sizeof(err), rc, why) > 4,
		    "ERROR written");
	fuzz_check(tftp_errpkt(err, 4, 0, "x") == 0, "no ERROR in 4 bytes");
	free(pkt);
	check_netascii(data + 4, len, 1 + data[0] % 8);
	check_netascii(data + 4, len, 512);
	return 0;
}
