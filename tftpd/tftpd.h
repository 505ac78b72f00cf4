/*
 * tftpd.h: what the files of tftpd share: the server (listener, roots,
 * limits), a source to read (a file under a root, a local file, or bytes
 * in memory) and a transfer.
 */
#ifndef TFTPD_H
#define TFTPD_H

#include <sys/queue.h>

#include <netinet/in.h>
#include <stdint.h>

#include <event2/event.h>

#include "daemon.h"
#include "ratelim.h"
#include "tftp.h"

#define TFTPD_HASH		512	/* buckets of the transfers-by-peer table */
#define TFTPD_NAME_MAX		1024	/* longest file name we look up */
#define TFTPD_IPV6_OVERHEAD	52	/* IPv6 40 + UDP 8 + TFTP 4 */

struct tftpd_root {
	char		*path;
	int		 fd;		/* O_PATH directory */
};

struct tftpd_vpaths;		/* the set of virtual file paths (source.c) */
struct nb_up;			/* upstream files (libnetboot/upstream.c) */

struct tftpd {
	struct nb_daemon	*d;
	int			 lfd;		/* the listening socket */
	struct event		*ev_listen;
	union nb_sockaddr	 lsa;		/* its address ("::" is dual-stack) */
	char			 laddr[INET6_ADDRSTRLEN];
	char			*lconf;		/* the listen address configured, for SIGHUP */
	int			 lport;

	char			**operands;	/* directories named on the command line */
	int			 noperands;
	struct tftpd_root	*roots;
	size_t			 nroots;

	/* limits, from netboot.conf [tftpd]; see tftpd(8) */
	unsigned int		 max_transfers;
	unsigned int		 blksize_max;
	unsigned int		 window_max;
	unsigned int		 retries;
	unsigned int		 timeout;	/* seconds: the longest retransmit interval */
	/* Limits under attack: the largest timeout option accepted (s),
	 * transfers to one address, resends to a client silent so far. */
	unsigned int		 timeout_max;
	unsigned int		 max_per_addr;
	unsigned int		 retries_silent;
	unsigned int		 mtu;		/* 0: the interface's */
	unsigned int		 refuse;	/* 1 << enum tftp_opt */
	unsigned int		 transfer_timeout;	/* seconds */
	unsigned int		 grace;		/* seconds in-flight transfers get on SIGTERM */
	int			 lowercase;
	int			 http_port;	/* for the server_url of templates */

	TAILQ_HEAD(, xfer)	 xfers;
	LIST_HEAD(, xfer)	 by_peer[TFTPD_HASH];
	unsigned int		 nxfers;
	int			 stopping;
	struct event		*ev_grace;

	struct tftpd_vpaths	*vpaths;
	struct nb_up		*up;		/* upstream files, or NULL */
	int64_t			 vpaths_version;

	/* the database, opened at the first request that needs it */

	struct nb_rate		 warn;	/* of per-packet warnings */
};

enum tftpd_src_kind { SRC_FILE, SRC_MEM, SRC_UPSTREAM };

/* What a transfer reads from. */
struct tftpd_src {
	enum tftpd_src_kind	 kind;
	int			 fd;		/* SRC_FILE */
	uint8_t			*mem;		/* SRC_MEM, owned */
	int64_t			 size;
	char			*url;		/* SRC_UPSTREAM, until cached */
	char			 origin[96];	/* for logs and events: "/usr/lib/ipxe", "virtual template x" */
};

/* The answer of tftpd_src_open when it fails. */
struct tftpd_fail {
	int			 code;		/* enum tftp_errcode */
	char			 msg[128];	/* sent to the client */
	char			 why[256];	/* logged */
};

/*
 * Who asked: the client's MAC when the neighbour table or the database knows
 * it. An IPv4 client that reached the dual-stack socket as ::ffff:a.b.c.d
 * is AF_INET here: its transfer socket, its events and its name are IPv4.
 */
struct tftpd_peer {
	union nb_sockaddr	 from;		/* as the listening socket saw it */
	union nb_sockaddr	 addr;		/* the client, IPv4-mapped made IPv4 */
	union nb_sockaddr	 local;		/* the address the request arrived on, same family */
	int			 ifindex;
	char			 ip[INET6_ADDRSTRLEN];
	char			 mac[NB_MACSTR_LEN];	/* "" if unknown */
};

/* tftpd.c */
void	tftpd_warn(struct tftpd *, const char *, ...) NB_PRINTF(2, 3);
double	tftpd_now(void);
void	tftpd_send_error(struct tftpd *, const struct tftpd_peer *, int code, const char *msg);
void	tftpd_transfer_gone(struct tftpd *);
/* The database, opened now if it is not yet (NULL if it cannot be, for a while). */
struct nb_db *tftpd_db(struct tftpd *);

/* source.c */
/* Turn a requested name into a clean relative path in place; -1 if it climbs out with "..". */
int	tftpd_path_clean(char *path, int lowercase);
/* Find the client's MAC for its address: the neighbour table first, then the database. */
void	tftpd_peer_identify(struct tftpd *, struct tftpd_peer *);
/* Open what path names for peer: its virtual file, else a file under a root. */
int	tftpd_src_open(struct tftpd *, const struct tftpd_peer *, const char *path,
	    struct tftpd_src *, struct tftpd_fail *);
/* Read up to len bytes at off; returns the count or -1. */
ssize_t	tftpd_src_read(const struct tftpd_src *, void *buf, size_t len, int64_t off);
/* Release a source. */
void	tftpd_src_close(struct tftpd_src *);
/* The upstream cache, made at its first use. */
struct nb_up *tftpd_up(struct tftpd *);
/* Open the roots: operands, else root keys, else the iPXE and data directories. */
void	tftpd_roots_open(struct tftpd *, int startup);
/* Close the roots. */
void	tftpd_roots_close(struct tftpd *);
/* Forget the cached virtual paths. */
void	tftpd_vpaths_free(struct tftpd *);

/* xfer.c */
struct xfer;
/* Start a transfer of src to peer with the agreed options; takes src. */
void	xfer_start(struct tftpd *, const struct tftpd_peer *, const char *name,
	    const struct tftp_req *, const struct tftp_opts *, struct tftpd_src *);
/* The transfer from this peer address and port, or NULL. */
struct xfer *xfer_find(struct tftpd *, const union nb_sockaddr *);
/* How many transfers go to the address of sa (any port). */
unsigned int xfer_count_addr(struct tftpd *, const union nb_sockaddr *);
/* Whether a retransmitted request belongs to x (same file, nothing acknowledged yet). */
int	xfer_is_retry(const struct xfer *, const char *name);
/* End a transfer now: tell the client why (code >= 0) and record the outcome. */
void	xfer_abort(struct xfer *, int code, const char *why);

#endif
