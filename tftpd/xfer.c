/*
 * xfer.c: one read transfer, from the first OACK or DATA to the last ACK.
 *
 * A transfer owns a socket bound to the address the request arrived on
 * and connected to the client (its own TID, RFC 1350 §4), one persistent
 * libevent event for the socket's readiness, added once, and one timer
 * for the retransmit timeout and the pacing of big windows. The timer is
 * lazy: an ACK only moves the deadline in the transfer (a store, not an
 * event_add); when the timer fires before the deadline it is set again for
 * the rest, so it is re-armed about once per timeout, not once per block.
 * The state machine, top to bottom:
 *
 *	OACK sent   -- ACK 0 -->  DATA: send window [acked+1, acked+window]
 *	DATA        -- ACK n advancing -->  send the next window from n+1
 *	            -- ACK n duplicate -->  nothing (no Sorcerer's Apprentice)
 *	            -- timeout -->  resend from acked+1 (RFC 7440 §4)
 *	            -- ACK of the last block -->  done
 *
 * Block numbers are 16 bits on the wire and roll over to 0; inside they are
 * 64-bit counts, and an ACK is mapped back onto the window it can belong to.
 * The hot path allocates nothing and never touches the database: blocks
 * are read ahead (one preadv) into one buffer per transfer, each with room
 * for its 4-byte header in front, so that a block goes out as one
 * contiguous datagram: send(2) in lockstep, sendmmsg(2) for a window.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/uio.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tftpd.h"
#include "upstream.h"
#include "xmalloc.h"

#define XFER_BATCH	64		/* blocks per sendmmsg */
#define XFER_IOVMAX	1024		/* blocks per preadv (IOV_MAX) */
#define XFER_READAHEAD	(16 * 1024)	/* bytes read at once for small blocks */
#define XFER_BUFMAX	(256 * 1024)	/* largest read-ahead buffer */
#define XFER_RTO_MIN	0.05		/* seconds: the shortest retransmit interval */
#define XFER_RTO_FIRST	0.5		/* before the first round trip was measured */
#define XFER_BURST	(150 * 1024)	/* kernel memory a burst may take in a receiver */
#define XFER_PACE	0.001		/* seconds between the bursts of a window */
#define XFER_EARLY	0.0005		/* a timer this close to its deadline has reached it */

/* XFER_WAIT: for an upstream file's body (nothing sent yet). */
enum xfer_state { XFER_OACK, XFER_DATA, XFER_WAIT };

struct xfer {
	TAILQ_ENTRY(xfer)	 entry;
	LIST_ENTRY(xfer)	 bypeer;
	struct tftpd		*td;
	struct event		*ev;		/* the socket: added once, no timeout */
	short			 evwhat;	/* EV_READ, or EV_WRITE while the socket is full */
	struct event		*tmo;		/* retransmit and pacing timer */
	double			 tmo_at;	/* when tmo fires; 0: not pending */
	int			 sock;
	struct tftpd_peer	 peer;
	char			*name;
	struct tftpd_src	 src;
	enum tftp_mode		 mode;
	struct tftp_opts	 opts;
	struct tftp_req		 req;		/* for the OACK */
	struct nb_up_wait	*upw;		/* XFER_WAIT: the upstream */
	char			 optstr[96];
	uint8_t			 oack[128];
	size_t			 oacklen;
	enum xfer_state		 state;

	uint64_t		 acked;		/* highest block acknowledged in order */
	uint64_t		 sent;		/* highest block sent */
	uint64_t		 next;		/* next block to send */
	uint64_t		 last;		/* the final block; 0 until known (netascii) */
	uint32_t		 blksize;
	uint32_t		 window;
	uint32_t		 burst;		/* blocks sent back to back */
	int			 pacing;	/* the rest of the window goes at pace_at */
	double			 pace_at;

	/*
	 * octet: read-ahead of blocks [buf_first, buf_first + buf_blocks),
	 * each at a stride of TFTP_HDR_LEN + blksize, its header in front.
	 */
	uint8_t			*buf;
	size_t			 bufcap;	/* bytes */
	size_t			 stride;
	uint64_t		 buf_first;
	uint32_t		 buf_blocks;
	uint32_t		 buf_lastlen;	/* length of the final cached block */

	/* netascii: where each block in flight starts in the file */
	int64_t			*asc_off;
	struct tftp_ascii	*asc_st;
	uint32_t		 asc_n;		/* ring size */

	/* timing (seconds, monotonic) */
	double			 start;
	double			 deadline;	/* transfer_timeout */
	double			 rto_at;	/* when to retransmit */
	double			 rto;
	double			 srtt, rttvar;
	double			 probe_at;	/* send time of probe_blk, 0: none */
	uint64_t		 probe_blk;
	double			 maxrto;
	unsigned int		 tries;		/* timeouts in a row without progress */
	int			 heard;		/* an ACK came */
	uint64_t		 retransmits;
};

static void	xfer_cb(evutil_socket_t, short, void *);
static void	xfer_tmo_cb(evutil_socket_t, short, void *);
static void	xfer_send(struct xfer *, double now);
static void	xfer_done(struct xfer *, int ok, int code, const char *why);
static void	xfer_probe(struct xfer *);
static void	xfer_begin(struct xfer *);
static void	xfer_up_done(const struct nb_up_result *, void *);

/* A static area for received packets: one process, one packet at a time. */
static uint8_t	 rxbuf[1024];

/* The low 32 bits of the address (an IPv6 host part varies there) and the port. */
static unsigned int
xfer_hash(const union nb_sockaddr *sa)
{
	uint32_t	 a, h;

	if (sa->sa.sa_family == AF_INET6)
		memcpy(&a, &sa->sin6.sin6_addr.s6_addr[12], sizeof(a));
	else
		a = sa->sin.sin_addr.s_addr;
	h = a * 2654435761u ^ (uint32_t)nb_sa_port(&sa->sa) * 40503u;
	return (h ^ h >> 16) % TFTPD_HASH;
}

/* Whether two peer addresses (IPv4-mapped already made IPv4) are the same address and port. */
static int
xfer_same_peer(const union nb_sockaddr *a, const union nb_sockaddr *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return 0;
	if (a->sa.sa_family == AF_INET6)
		return a->sin6.sin6_port == b->sin6.sin6_port &&
		    IN6_ARE_ADDR_EQUAL(&a->sin6.sin6_addr, &b->sin6.sin6_addr) &&
		    a->sin6.sin6_scope_id == b->sin6.sin6_scope_id;
	return a->sin.sin_port == b->sin.sin_port &&
	    a->sin.sin_addr.s_addr == b->sin.sin_addr.s_addr;
}

struct xfer *
xfer_find(struct tftpd *td, const union nb_sockaddr *sa)
{
	struct xfer	*x;

	LIST_FOREACH(x, &td->by_peer[xfer_hash(sa)], bypeer)
		if (xfer_same_peer(&x->peer.addr, sa))
			return x;
	return NULL;
}

unsigned int
xfer_count_addr(struct tftpd *td, const union nb_sockaddr *sa)
{
	struct xfer		*x;
	union nb_sockaddr	 a;
	unsigned int		 n = 0;

	/* Same address, any port: compare with the port of each transfer. */
	TAILQ_FOREACH(x, &td->xfers, entry) {
		a = *sa;
		if (a.sa.sa_family == AF_INET6)
			a.sin6.sin6_port = x->peer.addr.sin6.sin6_port;
		else
			a.sin.sin_port = x->peer.addr.sin.sin_port;
		if (xfer_same_peer(&x->peer.addr, &a))
			n++;
	}
	return n;
}

int
xfer_is_retry(const struct xfer *x, const char *name)
{
	return strcmp(x->name, name) == 0 && x->acked == 0;
}

/*
 * The socket of a transfer: in the client's family (an IPv4 client of the
 * dual-stack socket gets an IPv4 socket), bound to where the request
 * arrived, connected to the client. local's port is 0 already.
 */
static int
xfer_socket(const struct tftpd_peer *p)
{
	int	 s;

	if ((s = socket(p->addr.sa.sa_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (bind(s, &p->local.sa, nb_sa_len(&p->local)) == -1 ||
	    connect(s, &p->addr.sa, nb_sa_len(&p->addr)) == -1) {
		close(s);
		return -1;
	}
	return s;
}

/* Size the read-ahead: a whole window when it fits, at least a few pages for small blocks. */
static void
xfer_buffers(struct xfer *x)
{
	size_t	 want, blocks;

	if (x->mode == TFTP_NETASCII) {
		/* Only the start of each block in flight is kept; blocks are re-encoded. */
		x->asc_n = x->window + 2;
		x->asc_off = xcalloc(x->asc_n, sizeof(*x->asc_off));
		x->asc_st = xcalloc(x->asc_n, sizeof(*x->asc_st));
		x->stride = TFTP_HDR_LEN + x->blksize;
		x->bufcap = x->stride;
		x->buf = xmalloc(x->bufcap);
		return;
	}
	if (x->src.kind == SRC_MEM)
		return;		/* blocks are sent straight from memory */
	blocks = x->window;
	if ((size_t)x->blksize * blocks < XFER_READAHEAD)
		blocks = (XFER_READAHEAD + x->blksize - 1) / x->blksize;
	if ((size_t)x->blksize * blocks > XFER_BUFMAX)
		blocks = XFER_BUFMAX / x->blksize > 0 ? XFER_BUFMAX / x->blksize : 1;
	if (blocks > x->last)
		blocks = x->last;
	if (blocks > XFER_IOVMAX)
		blocks = XFER_IOVMAX;
	x->stride = TFTP_HDR_LEN + x->blksize;
	want = x->stride * blocks;
	x->bufcap = want > 0 ? want : x->stride;
	x->buf = xmalloc(x->bufcap);
}

/*
 * How many blocks go back to back before a pause: a receiver's kernel
 * charges each datagram its buffer rounded up to a power of two plus
 * overhead, and a default receive buffer (rmem_default, 208 KiB) holds
 * only about 12 datagrams of 8 KiB: a 16-block window of those loses its
 * tail every time unless it is sent in two bursts.
 */
static uint32_t
xfer_burst(uint32_t blksize)
{
	size_t	 truesize = 1024;

	while (truesize < (size_t)blksize + 400)
		truesize *= 2;
	truesize += 256;
	return XFER_BURST / truesize > 0 ? (uint32_t)(XFER_BURST / truesize) : 1;
}

void
xfer_start(struct tftpd *td, const struct tftpd_peer *p, const char *name,
    const struct tftp_req *req, const struct tftp_opts *opts, struct tftpd_src *src)
{
	struct xfer	*x;
	double		 now = tftpd_now();
	int		 s;

	if ((s = xfer_socket(p)) == -1) {
		log_warn("%s: socket for %s", name, p->ip);
		tftpd_send_error(td, p, TFTP_EUNDEF, "Server error");
		tftpd_src_close(src);
		return;
	}
	x = xcalloc(1, sizeof(*x));
	x->td = td;
	x->sock = s;
	x->peer = *p;
	x->name = xstrdup(name);
	x->src = *src;
	memset(src, 0, sizeof(*src));
	src->fd = -1;
	x->mode = req->mode;
	x->opts = *opts;
	x->blksize = opts->blksize;
	x->window = opts->window;
	x->burst = xfer_burst(x->blksize);
	/* Which options came, in order: file and val point into rxbuf. */
	x->req = *req;
	x->req.file = NULL;
	memset(x->req.val, 0, sizeof(x->req.val));
	x->next = 1;

	/*
	 * The retransmit interval adapts to the measured round trip and backs
	 * off; a timeout negotiated by RFC 2349 is its ceiling (never wait
	 * longer than the client asked), as is the timeout key otherwise.
	 */
	x->maxrto = opts->timeout ? opts->timeout : td->timeout;
	x->rto = XFER_RTO_FIRST < x->maxrto ? XFER_RTO_FIRST : x->maxrto;
	x->start = now;

	x->evwhat = EV_READ;
	if ((x->ev = event_new(td->d->base, s, EV_READ | EV_PERSIST, xfer_cb, x)) == NULL ||
	    (x->tmo = evtimer_new(td->d->base, xfer_tmo_cb, x)) == NULL)
		fatalx("event_new");
	event_add(x->ev, NULL);
	TAILQ_INSERT_TAIL(&td->xfers, x, entry);
	LIST_INSERT_HEAD(&td->by_peer[xfer_hash(&p->addr)], x, bypeer);
	td->nxfers++;

	/*
	 * An upstream file: nothing goes out until its body is cached (a
	 * client that asks again meanwhile is a retry, xfer_is_retry); its
	 * tsize is the cached body's size.
	 */
	if (x->src.kind == SRC_UPSTREAM) {
		x->state = XFER_WAIT;
		log_debug("%s: %s for %s waits for its upstream", __func__,
		    name, p->ip);
		x->upw = nb_up_get(tftpd_up(td), x->src.url, xfer_up_done, x);
		return;
	}
	xfer_begin(x);
}

/* Size, options and buffers are known now: OACK or the first DATA. */
static void
xfer_begin(struct xfer *x)
{
	struct tftpd	*td = x->td;
	double		 now = tftpd_now();

	if (x->mode == TFTP_OCTET)
		x->last = (uint64_t)x->src.size / x->blksize + 1;
	if (x->opts.accepted & 1u << TFTP_OPT_TSIZE)
		x->opts.tsize = x->src.size;
	tftp_opts_str(&x->opts, x->optstr, sizeof(x->optstr));
	x->oacklen = tftp_oack(&x->req, &x->opts, x->oack, sizeof(x->oack));
	x->state = x->oacklen > 0 ? XFER_OACK : XFER_DATA;
	xfer_buffers(x);
	/* The round trip and the deadline count from the first packet sent. */
	x->start = now;
	x->deadline = now + td->transfer_timeout;
	nb_evq_push(td->d->evq, x->peer.mac, "tftp-start", x->peer.ip,
	    "%s (%lld bytes from %s) %s", x->name, (long long)x->src.size,
	    x->src.origin, x->optstr);
	log_debug("%s: sending %s to %s port %d, %s", __func__, x->name,
	    x->peer.ip, nb_sa_port(&x->peer.addr.sa), x->optstr);
	xfer_send(x, now);
}

/*
 * The upstream's answer: serve the cached body, or end the transfer with
 * an ERROR naming the host and what failed, and an upstream-error event.
 */
static void
xfer_up_done(const struct nb_up_result *res, void *arg)
{
	struct xfer	*x = arg;
	char		 why[600];

	x->upw = NULL;
	if (!res->ok) {
		nb_evq_push(x->td->d->evq, x->peer.mac, "upstream-error",
		    x->peer.ip, "%s: upstream %s: %s", x->name, res->host,
		    res->msg);
		snprintf(why, sizeof(why), "upstream %s: %s", res->host,
		    res->msg);
		xfer_abort(x, TFTP_EUNDEF, why);
		return;
	}
	free(x->src.url);
	x->src.url = NULL;
	x->src.kind = SRC_FILE;
	x->src.fd = res->fd;
	x->src.size = res->size;
	snprintf(x->src.origin, sizeof(x->src.origin), "upstream %.60s, %s",
	    res->host, res->fetched ? "fetched" : res->status == 304 ?
	    "validated" : "cached");
	xfer_begin(x);
}

/*
 * Make sure the timer fires by the next burst or the retransmit. A timer
 * already due earlier is left alone: it finds the deadline moved and
 * sleeps again for the rest (xfer_tmo_cb).
 */
static void
xfer_arm(struct xfer *x, double now)
{
	struct timeval	 tv;
	double		 at = x->pacing ? x->pace_at : x->rto_at, left;

	if (x->tmo_at != 0 && x->tmo_at <= at)
		return;
	left = at - now;
	if (left < 0)
		left = 0;
	tv.tv_sec = (time_t)left;
	tv.tv_usec = (suseconds_t)((left - (double)tv.tv_sec) * 1e6);
	evtimer_add(x->tmo, &tv);
	x->tmo_at = at;
}

/* Wait for the socket to drain (EV_WRITE) or for ACKs (EV_READ). */
static void
xfer_wait(struct xfer *x, short what)
{
	if (x->evwhat == what)
		return;
	event_del(x->ev);
	event_assign(x->ev, x->td->d->base, x->sock, what | EV_PERSIST, xfer_cb, x);
	event_add(x->ev, NULL);
	x->evwhat = what;
}

/* Fill the read-ahead buffer with the blocks starting at blk: one preadv, each block behind its header room. */
static int
xfer_fill(struct xfer *x, uint64_t blk)
{
	static struct iovec	 iov[XFER_IOVMAX];
	int64_t			 off = (int64_t)(blk - 1) * x->blksize;
	uint64_t		 nblk = x->bufcap / x->stride, i;
	size_t			 want, left;
	ssize_t			 n;

	if (nblk == 0)
		nblk = 1;
	if (blk + nblk - 1 > x->last)
		nblk = x->last - blk + 1;
	want = (size_t)(x->src.size - off < (int64_t)(nblk * x->blksize) ?
	    x->src.size - off : (int64_t)(nblk * x->blksize));
	for (i = 0, left = want; i < nblk; i++) {
		iov[i].iov_base = x->buf + i * x->stride + TFTP_HDR_LEN;
		iov[i].iov_len = left < x->blksize ? left : x->blksize;
		left -= iov[i].iov_len;
	}
	n = preadv(x->src.fd, iov, (int)nblk, off);
	if (n != (ssize_t)want)
		return -1;	/* the file shrank under us */
	x->buf_first = blk;
	x->buf_blocks = (uint32_t)nblk;
	return 0;
}

/* Encode netascii block blk into the buffer; its start was recorded when blk-1 was made. */
static int
xfer_ascii(struct xfer *x, uint64_t blk, size_t *len)
{
	static uint8_t		 in[TFTP_BLKSIZE_MAX];
	struct tftp_ascii	 st = x->asc_st[blk % x->asc_n];
	int64_t			 off = x->asc_off[blk % x->asc_n];
	size_t			 o = 0, used, chunk;
	ssize_t			 n;

	while (o < x->blksize) {
		chunk = x->blksize - o;
		if ((n = tftpd_src_read(&x->src, in, chunk, off)) == -1)
			return -1;
		if (n == 0 && st.pending == 0)
			break;
		o += tftp_netascii(&st, in, (size_t)n, &used, x->buf + TFTP_HDR_LEN + o,
		    x->blksize - o);
		off += (int64_t)used;
	}
	*len = o;
	if (o < x->blksize)
		x->last = blk;
	x->asc_off[(blk + 1) % x->asc_n] = off;
	x->asc_st[(blk + 1) % x->asc_n] = st;
	return 0;
}

/*
 * Point iov at the data of block blk; *room says whether the 4 bytes in
 * front of it are the block's own header room. Returns how many blocks
 * from blk on lie at x->stride from each other, or -1.
 */
static int
xfer_block(struct xfer *x, uint64_t blk, struct iovec *iov, int *room)
{
	uint64_t	 i;
	size_t		 len;

	*room = 1;
	if (x->mode == TFTP_NETASCII) {
		if (xfer_ascii(x, blk, &len) == -1)
			return -1;
		iov->iov_base = x->buf + TFTP_HDR_LEN;
		iov->iov_len = len;
		return 1;	/* one block at a time: the buffer holds one */
	}
	len = blk < x->last ? x->blksize : (size_t)(x->src.size % x->blksize);
	if (x->src.kind == SRC_MEM) {
		/* Virtual files are small: the header goes in an iovec of its own. */
		*room = 0;
		iov->iov_base = x->src.mem + (size_t)(blk - 1) * x->blksize;
		iov->iov_len = len;
		return (int)(x->last - blk + 1 < XFER_BATCH ? x->last - blk + 1 : XFER_BATCH);
	}
	if (blk < x->buf_first || blk >= x->buf_first + x->buf_blocks)
		if (xfer_fill(x, blk) == -1)
			return -1;
	i = blk - x->buf_first;
	iov->iov_base = x->buf + i * x->stride + TFTP_HDR_LEN;
	iov->iov_len = len;
	return (int)(x->buf_first + x->buf_blocks - blk);
}

/* Send the OACK, or DATA blocks from next up to the end of the window. */
static void
xfer_send(struct xfer *x, double now)
{
	static struct mmsghdr	 msg[XFER_BATCH];
	static struct iovec	 iov[XFER_BATCH][2];
	static uint8_t		 hdr[XFER_BATCH][TFTP_HDR_LEN];
	uint64_t		 end, blk;
	uint32_t		 burst = 0;
	uint8_t			*h;
	size_t			 len;
	int			 n, avail, cnt, room = 0;

	x->pacing = 0;
	if (x->state == XFER_OACK) {
		if (send(x->sock, x->oack, x->oacklen, 0) == -1)
			goto senderr;
		goto armed;
	}
	end = x->acked + x->window;
	while (x->next <= end && (x->last == 0 || x->next <= x->last)) {
		if (burst >= x->burst) {
			/* A whole window of big blocks at once overflows a default receive buffer. */
			x->pacing = 1;
			x->pace_at = now + XFER_PACE;
			break;
		}
		cnt = 0;
		blk = x->next;
		avail = 0;
		while (cnt < XFER_BATCH && burst + (uint32_t)cnt < x->burst && blk <= end &&
		    (x->last == 0 || blk <= x->last)) {
			if (avail == 0) {
				if ((avail = xfer_block(x, blk, &iov[cnt][1], &room)) == -1) {
					xfer_done(x, 0, TFTP_EUNDEF, "file changed while being sent");
					return;
				}
			} else {
				/* The blocks of one read-ahead lie back to back. */
				iov[cnt][1].iov_base = (uint8_t *)iov[cnt - 1][1].iov_base +
				    (room ? x->stride : x->blksize);
				iov[cnt][1].iov_len = blk < x->last ? x->blksize :
				    (size_t)(x->src.size % x->blksize);
			}
			h = room ? (uint8_t *)iov[cnt][1].iov_base - TFTP_HDR_LEN : hdr[cnt];
			h[0] = 0;
			h[1] = TFTP_DATA;
			h[2] = (uint8_t)(blk >> 8);	/* rolls over to 0 */
			h[3] = (uint8_t)blk;
			/* msg is static: the fields not set here stay zero. */
			if (room) {
				/* One contiguous datagram: header and data. */
				iov[cnt][0].iov_base = h;
				iov[cnt][0].iov_len = TFTP_HDR_LEN + iov[cnt][1].iov_len;
				msg[cnt].msg_hdr.msg_iovlen = 1;
			} else {
				iov[cnt][0].iov_base = h;
				iov[cnt][0].iov_len = TFTP_HDR_LEN;
				msg[cnt].msg_hdr.msg_iovlen = 2;
			}
			msg[cnt].msg_hdr.msg_iov = iov[cnt];
			cnt++;
			blk++;
			if (--avail == 0)
				break;	/* the next block refills the buffer these point into */
		}
		if (cnt == 1 && room) {
			/* Lockstep: plain send(2), the cheapest way out. */
			len = iov[0][0].iov_len;
			n = send(x->sock, iov[0][0].iov_base, len, 0) == -1 ? -1 : 1;
		} else
			n = sendmmsg(x->sock, msg, (unsigned int)cnt, 0);
		if (n == -1) {
			if (errno == EAGAIN || errno == ENOBUFS)
				break;
			goto senderr;
		}
		if (x->probe_at == 0 && x->next > x->sent) {
			x->probe_at = now;	/* Karn: time only blocks sent once */
			x->probe_blk = x->next + (uint64_t)n - 1;
		}
		burst += (uint32_t)n;
		x->next += (uint64_t)n;
		if (x->next - 1 > x->sent)
			x->sent = x->next - 1;
		if (n < cnt)
			break;
	}
	if (!x->pacing && x->next <= end && (x->last == 0 || x->next <= x->last)) {
		xfer_wait(x, EV_WRITE);	/* the socket buffer is full */
		x->rto_at = now + x->rto;
		xfer_arm(x, now);
		return;
	}
	xfer_wait(x, EV_READ);
armed:
	x->rto_at = now + x->rto;
	xfer_arm(x, now);
	return;
senderr:
	if (errno == ECONNREFUSED)
		xfer_done(x, 0, -1, "client went away (port unreachable)");
	else {
		log_warn("%s: send to %s", x->name, x->peer.ip);
		xfer_done(x, 0, -1, "send failed");
	}
}

/* The retransmit timeout from the round trip estimate, without backoff. */
static void
xfer_rto(struct xfer *x)
{
	x->rto = x->srtt + 4 * x->rttvar;
	if (x->rto < XFER_RTO_MIN)
		x->rto = XFER_RTO_MIN;
	if (x->rto > x->maxrto)
		x->rto = x->maxrto;
}

/* Fold a round trip sample into the retransmit timeout (RFC 6298 style). */
static void
xfer_rtt(struct xfer *x, double sample)
{
	if (x->srtt == 0) {
		x->srtt = sample;
		x->rttvar = sample / 2;
	} else {
		x->rttvar = 0.75 * x->rttvar + 0.25 * fabs(x->srtt - sample);
		x->srtt = 0.875 * x->srtt + 0.125 * sample;
	}
	xfer_rto(x);
}

/* Handle one ACK; returns 1 if it moved the transfer forward. */
static int
xfer_ack(struct xfer *x, uint16_t blk, double now)
{
	uint16_t	 delta;

	if (x->state == XFER_OACK) {
		if (blk != 0)
			return 0;
		x->state = XFER_DATA;
		x->heard = 1;
		if (x->probe_at == 0 && x->retransmits == 0)
			xfer_rtt(x, now - x->start);
		x->tries = 0;
		return 1;
	}
	/* Which block of [acked, sent] this is; anything else is stale. */
	delta = (uint16_t)(blk - (uint16_t)x->acked);
	if (delta == 0 || delta > x->sent - x->acked)
		return 0;	/* duplicate or stale: never answered (Sorcerer's Apprentice) */
	x->acked += delta;
	x->tries = 0;
	x->heard = 1;
	if (x->srtt > 0)
		xfer_rto(x);	/* progress ends the backoff */
	if (x->probe_at != 0 && x->acked >= x->probe_blk) {
		if (x->acked == x->probe_blk)
			xfer_rtt(x, now - x->probe_at);
		x->probe_at = 0;
	}
	/* RFC 7440: an ACK inside the window restarts it after the block acknowledged. */
	x->next = x->acked + 1;
	return 1;
}

/* Read what the client sent: ACKs and ERRORs. */
static void
xfer_read(struct xfer *x, double now)
{
	ssize_t		 n;
	int		 i, moved = 0, code;
	char		 msg[128];

	for (i = 0; i < 64; i++) {
		if ((n = recv(x->sock, rxbuf, sizeof(rxbuf) - 1, 0)) == -1) {
			if (errno == EAGAIN || errno == EINTR)
				break;
			xfer_done(x, 0, -1, errno == ECONNREFUSED ?
			    "client went away (port unreachable)" : "receive failed");
			return;
		}
		if (n < 4)
			continue;
		if (rxbuf[1] == TFTP_ERROR && rxbuf[0] == 0) {
			rxbuf[n] = '\0';
			code = rxbuf[2] << 8 | rxbuf[3];
			if (code == 8 && x->state == XFER_OACK) {
				xfer_probe(x);
				return;
			}
			snprintf(msg, sizeof(msg), "client sent error %d: ", code);
			log_safe(msg + strlen(msg), sizeof(msg) - strlen(msg), (char *)rxbuf + 4,
			    strlen((char *)rxbuf + 4));
			xfer_done(x, 0, -1, msg);
			return;
		}
		if (rxbuf[0] != 0 || rxbuf[1] != TFTP_ACK)
			continue;
		if (xfer_ack(x, (uint16_t)(rxbuf[2] << 8 | rxbuf[3]), now)) {
			moved = 1;
			/*
			 * Lockstep, or everything sent is acknowledged: answer at
			 * once; a recv that would only say EAGAIN is a syscall
			 * per block (anything else queued wakes us again).
			 */
			if (x->window == 1 || x->acked == x->sent)
				break;
		}
	}
	if (moved) {
		if (x->state == XFER_DATA && x->last != 0 && x->acked == x->last) {
			xfer_done(x, 1, -1, NULL);
			return;
		}
		xfer_send(x, now);
		return;
	}
	/* A duplicate does not postpone the retransmit: the deadline stays. */
}

/* The retransmit timer: resend from the last acknowledged block, or give up. */
static void
xfer_timeout(struct xfer *x, double now)
{
	if (now >= x->deadline) {
		xfer_done(x, 0, TFTP_EUNDEF, "transfer took longer than transfer_timeout");
		return;
	}
	if (++x->tries > x->td->retries) {
		xfer_done(x, 0, TFTP_EUNDEF, "timed out waiting for the client");
		return;
	}
	/*
	 * A source that never acknowledged anything may be a spoofed one: a
	 * 22-byte RRQ must not draw retries + 1 blocks to a victim. Silence,
	 * not an ERROR, which would be one more packet to it.
	 */
	if (!x->heard && x->tries > x->td->retries_silent) {
		xfer_done(x, 0, -1,
		    "no answer from the client (retries_silent)");
		return;
	}
	x->retransmits++;
	x->probe_at = 0;
	/*
	 * Back off: a client that ignores repeated DATA (atftp re-ACKs a
	 * duplicate only once) answers only after its own timeout, so our
	 * interval must grow past it.
	 */
	x->rto *= 2;
	if (x->rto > x->maxrto)
		x->rto = x->maxrto;
	x->next = x->acked + 1;
	if (log_getverbose() > 1)
		log_debug("%s: %s to %s: resending from block %llu, next timeout %.3f s",
		    __func__, x->name, x->peer.ip, (unsigned long long)x->next, x->rto);
	xfer_send(x, now);
}

/* The socket: writable again (EV_WRITE) or ACKs to read. */
static void
xfer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer	*x = arg;
	double		 now = tftpd_now();

	if (what & EV_WRITE) {
		xfer_send(x, now);
		return;
	}
	xfer_read(x, now);
}

/* The timer: the next burst of a paced window, a retransmit, or not yet (the deadline moved). */
static void
xfer_tmo_cb(evutil_socket_t fd, short what, void *arg)
{
	struct xfer	*x = arg;
	double		 now = tftpd_now();

	x->tmo_at = 0;
	if (x->pacing && now >= x->pace_at - XFER_EARLY)
		xfer_send(x, now);
	else if (!x->pacing && now >= x->rto_at - XFER_EARLY)
		xfer_timeout(x, now);
	else
		xfer_arm(x, now);
}

/* Free a transfer and everything it owns. */
static void
xfer_free(struct xfer *x)
{
	struct tftpd	*td = x->td;

	TAILQ_REMOVE(&td->xfers, x, entry);
	LIST_REMOVE(x, bypeer);
	td->nxfers--;
	nb_up_cancel(x->upw);
	event_free(x->ev);
	event_free(x->tmo);
	close(x->sock);
	tftpd_src_close(&x->src);
	free(x->buf);
	free(x->asc_off);
	free(x->asc_st);
	free(x->name);
	free(x);
	tftpd_transfer_gone(td);
}

/*
 * The client ended the transfer with ERROR 8 right after our OACK (RFC
 * 2347: it declines the options). EDK2 does this on purpose to learn the
 * size (tsize) before it asks again: a probe, not a failure, and recorded
 * as one so a boot's timeline does not show an error that was none.
 */
static void
xfer_probe(struct xfer *x)
{
	log_debug("%s to %s: size probe (client ended it after the OACK)", x->name, x->peer.ip);
	nb_evq_push(x->td->d->evq, x->peer.mac, "tftp-probe", x->peer.ip,
	    "%s: the client ended the transfer after the OACK (a size probe, as EDK2 does), %s",
	    x->name, x->optstr);
	xfer_free(x);
}

/* Record how the transfer ended (one log line, one event) and free it. */
static void
xfer_done(struct xfer *x, int ok, int code, const char *why)
{
	uint8_t		 pkt[256];
	size_t		 len;
	double		 secs = tftpd_now() - x->start;
	uint64_t	 bytes = x->acked == 0 ? 0 : (x->acked >= x->last && x->last != 0 &&
	    x->mode == TFTP_OCTET ? (uint64_t)x->src.size : x->acked * x->blksize);

	if (code >= 0 && (len = tftp_errpkt(pkt, sizeof(pkt), code, why)) > 0)
		(void)send(x->sock, pkt, len, 0);
	if (ok) {
		log_info("sent %s to %s: %llu bytes in %.3f s, %s, %llu retransmits", x->name,
		    x->peer.ip, (unsigned long long)bytes, secs, x->optstr,
		    (unsigned long long)x->retransmits);
		nb_evq_push(x->td->d->evq, x->peer.mac, "tftp-done", x->peer.ip,
		    "%s: %llu bytes in %.3f s (%.1f MB/s), %s, %llu retransmits", x->name,
		    (unsigned long long)bytes, secs, secs > 0 ? (double)bytes / secs / 1e6 : 0.0,
		    x->optstr, (unsigned long long)x->retransmits);
	} else {
		log_info("%s to %s failed after %llu bytes in %.3f s: %s", x->name, x->peer.ip,
		    (unsigned long long)bytes, secs, why);
		nb_evq_push(x->td->d->evq, x->peer.mac, "tftp-error", x->peer.ip,
		    "%s: %s after %llu bytes in %.3f s, %s", x->name, why,
		    (unsigned long long)bytes, secs, x->optstr);
	}
	xfer_free(x);
}

void
xfer_abort(struct xfer *x, int code, const char *why)
{
	xfer_done(x, 0, code, why);
}
