/*
 * tftp.c: the TFTP packet codec. Requests are parsed in place; options are
 * negotiated by a table, not an if-ladder; nothing here does I/O.
 */
#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tftp.h"

static const char *const tftp_opt_names[TFTP_OPT_MAX] = {
	[TFTP_OPT_BLKSIZE] = "blksize",
	[TFTP_OPT_TSIZE] = "tsize",
	[TFTP_OPT_TIMEOUT] = "timeout",
	[TFTP_OPT_WINDOWSIZE] = "windowsize",
};

const char *
tftp_opt_name(enum tftp_opt o)
{
	return tftp_opt_names[o];
}

int
tftp_opt_lookup(const char *name)
{
	int	 i;

	/* RFC 2347: option names are case-insensitive. */
	for (i = 0; i < TFTP_OPT_MAX; i++)
		if (strcasecmp(name, tftp_opt_names[i]) == 0)
			return i;
	return -1;
}

/* The next NUL-terminated string at *p before end, or NULL if there is none. */
static const char *
tftp_string(const uint8_t **p, const uint8_t *end)
{
	const uint8_t	*s = *p, *nul;

	if (s >= end || (nul = memchr(s, '\0', (size_t)(end - s))) == NULL)
		return NULL;
	*p = nul + 1;
	return (const char *)s;
}

int
tftp_req_parse(uint8_t *pkt, size_t len, struct tftp_req *req, const char **why)
{
	const uint8_t	*p, *end = pkt + len, *mark;
	const char	*mode, *name, *val;
	int		 op, o;

	memset(req, 0, sizeof(*req));
	*why = NULL;
	if (len < 2) {
		*why = "runt packet";
		return -1;
	}
	pkt[len] = '\0';
	op = pkt[0] << 8 | pkt[1];
	if (op == TFTP_DATA || op == TFTP_ACK || op == TFTP_ERROR || op == TFTP_OACK) {
		/* Not a request; never answer an ERROR with an ERROR (RFC 1350 §7). */
		*why = "not a request";
		return -1;
	}
	if (op != TFTP_RRQ && op != TFTP_WRQ) {
		*why = "unknown opcode";
		return TFTP_EBADOP;
	}
	req->op = (enum tftp_op)op;
	p = pkt + 2;
	if ((req->file = tftp_string(&p, end)) == NULL) {
		*why = "file name not terminated";
		return TFTP_EBADOP;
	}
	if (req->file[0] == '\0') {
		*why = "empty file name";
		return TFTP_EBADOP;
	}
	if ((mode = tftp_string(&p, end)) == NULL) {
		*why = "missing transfer mode";
		return TFTP_EBADOP;
	}
	if (strcasecmp(mode, "octet") == 0)
		req->mode = TFTP_OCTET;
	else if (strcasecmp(mode, "netascii") == 0)
		req->mode = TFTP_NETASCII;
	else {
		*why = strcasecmp(mode, "mail") == 0 ? "mail mode is obsolete" :
		    "unknown transfer mode";
		return TFTP_EBADOP;
	}
	/*
	 * RFC 2347 options: name and value pairs. Whatever follows the last
	 * whole pair is ignored: some Apple OpenFirmware versions send
	 * trailing garbage (OpenBSD tftpd parse_options).
	 */
	for (;;) {
		mark = p;
		if ((name = tftp_string(&p, end)) == NULL || name[0] == '\0' ||
		    (val = tftp_string(&p, end)) == NULL) {
			req->garbage = (int)(end - mark);
			break;
		}
		if ((o = tftp_opt_lookup(name)) == -1) {
			req->nunknown++;
			continue;
		}
		if (req->val[o] != NULL)
			continue;	/* a repeated option: the first one counts */
		req->val[o] = val;
		req->order[req->norder++] = (enum tftp_opt)o;
	}
	return 0;
}

/* A decimal number in [min, max], or -1. */
static long long
tftp_num(const char *s, long long min, long long max)
{
	const char	*errstr;
	long long	 n;

	if (s[0] < '0' || s[0] > '9')
		return -1;	/* strtonum would take spaces and signs */
	n = strtonum(s, 0, LLONG_MAX, &errstr);
	if (errstr != NULL || n < min)
		return -1;
	return n > max ? max : n;
}

void
tftp_negotiate(const struct tftp_req *req, const struct tftp_limits *lim,
    struct tftp_opts *opts)
{
	const char	*v;
	long long	 n;

	memset(opts, 0, sizeof(*opts));
	opts->blksize = TFTP_BLKSIZE_DEFAULT;
	opts->window = 1;
	opts->tsize = -1;
	/* RFC 2348: 8..65464; larger requests get the largest we allow. */
	if ((v = req->val[TFTP_OPT_BLKSIZE]) != NULL && !(lim->refuse & 1u << TFTP_OPT_BLKSIZE) &&
	    (n = tftp_num(v, TFTP_BLKSIZE_MIN, lim->blksize_max)) != -1) {
		opts->blksize = (unsigned int)n;
		opts->accepted |= 1u << TFTP_OPT_BLKSIZE;
	}
	/* RFC 2349: the client sends 0 in a RRQ; we answer with the size, octet mode only. */
	if ((v = req->val[TFTP_OPT_TSIZE]) != NULL && !(lim->refuse & 1u << TFTP_OPT_TSIZE) &&
	    lim->tsize >= 0 && tftp_num(v, 0, LLONG_MAX) != -1) {
		opts->tsize = lim->tsize;
		opts->accepted |= 1u << TFTP_OPT_TSIZE;
	}
	/* RFC 2349: 1..255 seconds, echoed unchanged or not at all. */
	if ((v = req->val[TFTP_OPT_TIMEOUT]) != NULL && !(lim->refuse & 1u << TFTP_OPT_TIMEOUT) &&
	    (n = tftp_num(v, TFTP_TIMEOUT_MIN, LLONG_MAX)) != -1 && n <= TFTP_TIMEOUT_MAX) {
		opts->timeout = (unsigned int)n;
		opts->accepted |= 1u << TFTP_OPT_TIMEOUT;
	}
	/* RFC 7440: 1..65535, the server may answer with a smaller window. */
	if ((v = req->val[TFTP_OPT_WINDOWSIZE]) != NULL &&
	    !(lim->refuse & 1u << TFTP_OPT_WINDOWSIZE) && (n = tftp_num(v, TFTP_WINDOW_MIN,
	    TFTP_WINDOW_MAX)) != -1) {
		opts->window = (unsigned int)n < lim->window_max ? (unsigned int)n : lim->window_max;
		opts->accepted |= 1u << TFTP_OPT_WINDOWSIZE;
	}
}

/* The value of option o as agreed in opts. */
static void
tftp_opt_value(const struct tftp_opts *opts, enum tftp_opt o, char *buf, size_t bufsz)
{
	switch (o) {
	case TFTP_OPT_BLKSIZE:
		snprintf(buf, bufsz, "%u", opts->blksize);
		break;
	case TFTP_OPT_TSIZE:
		snprintf(buf, bufsz, "%lld", (long long)opts->tsize);
		break;
	case TFTP_OPT_TIMEOUT:
		snprintf(buf, bufsz, "%u", opts->timeout);
		break;
	case TFTP_OPT_WINDOWSIZE:
		snprintf(buf, bufsz, "%u", opts->window);
		break;
	default:
		buf[0] = '\0';
		break;
	}
}

size_t
tftp_oack(const struct tftp_req *req, const struct tftp_opts *opts, uint8_t *buf, size_t bufsz)
{
	char	 val[32];
	size_t	 len = 2, nl, vl;
	int	 i;

	if (opts->accepted == 0 || bufsz < 2)
		return 0;
	buf[0] = 0;
	buf[1] = TFTP_OACK;
	for (i = 0; i < req->norder; i++) {
		if (!(opts->accepted & 1u << req->order[i]))
			continue;
		tftp_opt_value(opts, req->order[i], val, sizeof(val));
		nl = strlen(tftp_opt_names[req->order[i]]) + 1;
		vl = strlen(val) + 1;
		if (len + nl + vl > bufsz)
			return 0;
		memcpy(buf + len, tftp_opt_names[req->order[i]], nl);
		memcpy(buf + len + nl, val, vl);
		len += nl + vl;
	}
	return len;
}

size_t
tftp_errpkt(uint8_t *buf, size_t bufsz, int code, const char *msg)
{
	size_t	 ml = strlen(msg);

	if (bufsz < 5)
		return 0;
	if (ml > bufsz - 5)
		ml = bufsz - 5;
	buf[0] = 0;
	buf[1] = TFTP_ERROR;
	buf[2] = (uint8_t)(code >> 8);
	buf[3] = (uint8_t)code;
	memcpy(buf + 4, msg, ml);
	buf[4 + ml] = '\0';
	return 5 + ml;
}

void
tftp_opts_str(const struct tftp_opts *opts, char *buf, size_t bufsz)
{
	char	 val[32];
	size_t	 len = 0;
	int	 o, n;

	buf[0] = '\0';
	for (o = 0; o < TFTP_OPT_MAX; o++) {
		if (!(opts->accepted & 1u << o))
			continue;
		tftp_opt_value(opts, (enum tftp_opt)o, val, sizeof(val));
		n = snprintf(buf + len, bufsz - len, "%s%s=%s", len ? " " : "",
		    tftp_opt_names[o], val);
		if (n < 0 || (size_t)n >= bufsz - len)
			return;
		len += (size_t)n;
	}
	if (len == 0)
		snprintf(buf, bufsz, "no options");
}

size_t
tftp_netascii(struct tftp_ascii *st, const uint8_t *in, size_t inlen, size_t *used,
    uint8_t *out, size_t outsz)
{
	size_t	 i = 0, o = 0;
	uint8_t	 c;

	if (st->pending != 0 && o < outsz) {
		out[o++] = st->pending == 1 ? '\0' : st->pending;
		st->pending = 0;
	}
	/* RFC 764 (via RFC 1350): end of line is CR LF, a bare CR is CR NUL. */
	while (i < inlen && o < outsz) {
		c = in[i++];
		if (c != '\n' && c != '\r') {
			out[o++] = c;
			continue;
		}
		out[o++] = '\r';
		if (o < outsz)
			out[o++] = c == '\n' ? '\n' : '\0';
		else
			st->pending = c == '\n' ? '\n' : 1;	/* 1 stands for the NUL */
	}
	*used = i;
	return o;
}
