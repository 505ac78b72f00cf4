/* pxedhcpd.h: what the files of pxedhcpd share. */
#ifndef PXEDHCPD_H
#define PXEDHCPD_H

#include <sys/socket.h>

#include <net/if.h>
#include <netinet/in.h>

#include <stdint.h>
#include <time.h>

#include "daemon.h"
#include "dhcp.h"
#include "dhcp_pxe.h"

#define PXEDHCPD_MAXIF		32	/* -i interfaces */
#define PXEDHCPD_MAXARCH	256	/* bootloader.N and option43.N kept for N < this */

/* The settings the daemon uses, re-read when another process changes the database. */
struct settings {
	int		 unknown_ignore;	/* unknown_clients = ignore */
	char		 prefixes[1024];	/* pxe.vendor_prefixes + config vendor_prefix */
	int		 delay_ms;		/* pxe.reply_delay_ms */
	struct in_addr	 server;		/* server_address; 0: the arrival interface's */
	char		*bootloader[PXEDHCPD_MAXARCH];	/* NULL: no loader for that arch */
	int		 opt43[PXEDHCPD_MAXARCH];	/* OPT43_AUTO, ... */
	int		 static_on;		/* static.enabled */
	int		 static_proxy;		/* static.others = proxy */
	struct dhcp_lease lease;		/* static.* (addr and hostname per client) */
	char		*domain;
};

enum { OPT43_AUTO, OPT43_FORCE_DIRECT, OPT43_FORCE_NONE };

/* What the database says about one MAC (cached; re-read after a data_version change). */
struct client {
	uint8_t		 mac[6];
	uint8_t		 used;
	uint8_t		 indb;		/* a row exists */
	uint8_t		 known;		/* state known */
	uint8_t		 allowed;
	uint8_t		 suspended;
	uint8_t		 next_boot;	/* enum nb_next_boot */
	uint32_t	 gen;		/* the generation the row was read at */
	struct in_addr	 ip;		/* static address; 0: none */
	char		*hostname;
	int64_t		 seen_sec;	/* last second nb_client_seen was queued */
	int64_t		 ev_sec;	/* last second an event was queued ... */
	uint32_t	 ev_hash;	/* ... and which one: identical events coalesce for 1 s */
};

#define TX_BATCH		32	/* replies sent per sendmmsg */

/* Replies of one receive batch, sent with one sendmmsg (all leave by the same socket). */
struct txq {
	int			 n, fd;
	struct mmsghdr		 msgs[TX_BATCH];
	struct iovec		 iov[TX_BATCH];
	struct sockaddr_in	 dst[TX_BATCH];
	union {
		struct cmsghdr	 hdr;
		char		 buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	}			 cm[TX_BATCH];
	uint8_t			 buf[TX_BATCH][DHCP_MAX_REPLY];
};

struct pxedhcpd {
	struct nb_daemon	*d;
	int			 fd67, fd4011;
	struct event		*ev67, *ev4011, *ev_tick;
	int			 port67, port4011;
	int			 http_port;		/* bootweb's boot port, for URLs */
	int			 http_port_flag;	/* -w given: the config does not override it */
	int			 ifindex[PXEDHCPD_MAXIF];	/* -i; none: every interface */
	char			 ifname[PXEDHCPD_MAXIF][IF_NAMESIZE];
	int			 nif;
	int			 listen_ifindex;	/* -l: the interface holding it */
	struct in_addr		 listen_addr;
	char			 datadir[1024];
	int64_t			 data_version;
	uint32_t		 gen;
	struct settings		 set;
	struct client		*clients;		/* open addressing, POLICY_CAP slots */
	size_t			 nclients;
	uint64_t		 malformed, answered, ignored, send_dropped;
	struct record		*rec;
	struct txq		 tx;
};

/* A request being handled: the parsed packet and where it came from. */
struct request {
	struct dhcp_pkt		 pkt;
	int			 port;		/* local port it arrived on: 67 or 4011 */
	int			 ifindex;
	struct in_addr		 local;		/* our address on the arrival interface */
	struct sockaddr_in	 from;
	char			 mac[NB_MACSTR_LEN];
	char			 ipstr[INET_ADDRSTRLEN];	/* client address for events, "" if none */
};

/* policy.c */
/* Re-read settings and invalidate cached clients if another process wrote the database. */
void		 policy_refresh(struct pxedhcpd *, int force);
/* The client with mac, from the cache or the database; never NULL. */
struct client	*policy_client(struct pxedhcpd *, const uint8_t mac[6]);
/* Free the settings and the client cache. */
void		 policy_free(struct pxedhcpd *);

/* proxy.c */
/* Answer (or not) one parsed request. */
void		 proxy_handle(struct pxedhcpd *, struct request *);
/* Queue a built reply to dst, out of the arrival interface, from our address and port. */
void		 proxy_send(struct pxedhcpd *, const struct request *, struct dhcp_out *,
		    struct sockaddr_in *dst);
/* Send the queued replies. */
void		 proxy_flush(struct pxedhcpd *);

/* record.c: nb_client_seen and events, written by a thread in one transaction per tick */
struct record;
/* Start the writer thread with its own connection to the database at path. */
struct record	*record_start(const char *dbpath);
/* Queue "mac was seen" (what the packet says about the client). */
void		 record_seen(struct record *, const struct request *, int arch);
/* Queue an event. */
void		 record_event(struct record *, const char *mac, const char *kind, const char *ip,
		    const char *detail);
/* Hand what was queued to the writer thread (once per loop tick). */
void		 record_tick(struct record *);
/* Write what is left and stop the thread. */
void		 record_stop(struct record *);

#endif
