/*
 * tftp.h: the TFTP packet codec (RFC 1350, 2347, 2348, 2349, 7440): parse
 * a request, negotiate its options against the server's limits, write
 * OACK and ERROR packets, encode netascii. No I/O: tftpd and the unit
 * tests share it.
 */
#ifndef NB_TFTP_H
#define NB_TFTP_H

#include <stddef.h>
#include <stdint.h>

enum tftp_op {
	TFTP_RRQ = 1, TFTP_WRQ = 2, TFTP_DATA = 3, TFTP_ACK = 4, TFTP_ERROR = 5,
	TFTP_OACK = 6,
};

/* ERROR codes, RFC 1350 §5 and RFC 2347 (8). */
enum tftp_errcode {
	TFTP_EUNDEF = 0,	/* not defined, see message */
	TFTP_ENOTFOUND = 1,	/* file not found */
	TFTP_EACCESS = 2,	/* access violation */
	TFTP_ENOSPACE = 3,	/* disk full */
	TFTP_EBADOP = 4,	/* illegal TFTP operation */
	TFTP_EBADID = 5,	/* unknown transfer ID */
	TFTP_EEXISTS = 6,	/* file already exists */
	TFTP_ENOUSER = 7,	/* no such user */
	TFTP_EOPTNEG = 8,	/* option negotiation refused */
};

enum tftp_mode { TFTP_OCTET, TFTP_NETASCII };

/* The options this server understands, in the order of tftp_opt_names. */
enum tftp_opt { TFTP_OPT_BLKSIZE, TFTP_OPT_TSIZE, TFTP_OPT_TIMEOUT, TFTP_OPT_WINDOWSIZE,
	TFTP_OPT_MAX };

#define TFTP_BLKSIZE_DEFAULT	512
#define TFTP_BLKSIZE_MIN	8	/* RFC 2348 */
#define TFTP_BLKSIZE_MAX	65464	/* RFC 2348 */
#define TFTP_TIMEOUT_MIN	1	/* RFC 2349, seconds */
#define TFTP_TIMEOUT_MAX	255
#define TFTP_WINDOW_MIN		1	/* RFC 7440 */
#define TFTP_WINDOW_MAX		65535
#define TFTP_HDR_LEN		4	/* opcode and block number */
#define TFTP_IPV4_OVERHEAD	32	/* IPv4 20 + UDP 8 + TFTP 4: blksize = MTU - 32 */

struct tftp_req {
	enum tftp_op	 op;		/* TFTP_RRQ or TFTP_WRQ */
	const char	*file;		/* points into the packet */
	enum tftp_mode	 mode;
	const char	*val[TFTP_OPT_MAX];	/* value of each known option, NULL if absent */
	enum tftp_opt	 order[TFTP_OPT_MAX];	/* known options in the order the client sent them */
	int		 norder;
	int		 nunknown;	/* options we do not know, ignored (RFC 2347) */
	int		 garbage;	/* bytes after the last whole option, ignored */
};

/* What a server is willing to agree to. */
struct tftp_limits {
	unsigned int	 blksize_max;	/* already clamped to the path MTU */
	unsigned int	 window_max;
	unsigned int	 refuse;	/* 1 << enum tftp_opt for options never accepted */
	int64_t		 tsize;		/* the file's size, -1 when unknown */
};

/* What was agreed; accepted has bit 1 << enum tftp_opt for each option to OACK. */
struct tftp_opts {
	unsigned int	 accepted;
	unsigned int	 blksize;	/* 512 unless accepted */
	unsigned int	 timeout;	/* seconds, 0 unless accepted */
	unsigned int	 window;	/* 1 unless accepted */
	int64_t		 tsize;		/* -1 unless accepted */
};

/* Netascii encoder state carried from one block to the next. */
struct tftp_ascii {
	uint8_t		 pending;	/* byte still owed after a CR that ended a block, or 0 */
};

/* The lower-case name of an option. */
const char	*tftp_opt_name(enum tftp_opt);
/* Look an option up by name (case-insensitive, RFC 2347); -1 if unknown. */
int		 tftp_opt_lookup(const char *name);
/*
 * Parse an RRQ or WRQ of len bytes (pkt must have room for one more byte,
 * which becomes a NUL). Returns 0, or the TFTP error code to answer with
 * and the reason in *why; -1 for packets that get no answer at all.
 */
int		 tftp_req_parse(uint8_t *pkt, size_t len, struct tftp_req *req, const char **why);
/* Agree on options: unknown, refused and out-of-range ones are left out; sizes are clamped. */
void		 tftp_negotiate(const struct tftp_req *req, const struct tftp_limits *lim,
		    struct tftp_opts *opts);
/* Write the OACK for opts into buf in the client's option order; 0 if none was accepted. */
size_t		 tftp_oack(const struct tftp_req *req, const struct tftp_opts *opts, uint8_t *buf,
		    size_t bufsz);
/* Write an ERROR packet with code and msg into buf (msg is truncated to fit); returns its length. */
size_t		 tftp_errpkt(uint8_t *buf, size_t bufsz, int code, const char *msg);
/* One line naming the agreed options, for logs and events ("blksize=1432 tsize=..."). */
void		 tftp_opts_str(const struct tftp_opts *opts, char *buf, size_t bufsz);
/*
 * Encode in as netascii (LF to CR LF, CR to CR NUL) into out until out is
 * full or in is used up. *used gets how many input bytes were consumed;
 * returns the bytes written. st carries a CR pair split across calls.
 */
size_t		 tftp_netascii(struct tftp_ascii *st, const uint8_t *in, size_t inlen,
		    size_t *used, uint8_t *out, size_t outsz);

#endif
