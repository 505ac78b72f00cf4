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
#include "ratelim.h"

#define PXEDHCPD_MAXIF		32	/* -i interfaces */
#define PXEDHCPD_MAXARCH	256	/* bootloader.N and option43.N kept for N < this */
#define PXEDHCPD_MAXPREFIX	32	/* vendor class prefixes */
#define PXEDHCPD_MAXOUI		64	/* arch.oui.XXXXXX overrides */
#define PXEDHCPD_MAXDNS6	4	/* dhcp6.dns addresses */

/* The settings the daemon uses. */
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
	struct {
		uint8_t	 oui[3];
		uint16_t arch;
	}		 oui[PXEDHCPD_MAXOUI];		/* arch.oui.XXXXXX */
	int		 noui;
	struct dhcp_menu menu;			/* pxe.menu.N in position order, prompt, timeout */
	uint8_t		 menu_pos[DHCP_MENU_MAX];	/* the N of each item */
	uint8_t		 menu_arch[PXEDHCPD_MAXARCH];	/* pxe.menu.arches */
	int		 menu_rpi;		/* pxe.menu.rpi */
	int		 dhcp6_on;		/* dhcp6.enabled */
	int		 pool6_on;		/* dhcp6.pool set: stateful DHCPv6 */
	uint8_t		 pool6_lo[16], pool6_hi[16];
	uint32_t	 lease6_time;		/* dhcp6.lease_time */
	uint32_t	 lease6_rate;	/* dhcp6.leases_per_minute */
	uint32_t	 lease6_per_mac;	/* dhcp6.leases_per_mac */
	uint8_t		 dns6[PXEDHCPD_MAXDNS6][16];	/* dhcp6.dns */
	int		 ndns6;
};

enum { OPT43_AUTO, OPT43_FORCE_DIRECT, OPT43_FORCE_NONE };

/* What the database says about one client whose answer is not the default. */
struct client {
	uint8_t		 mac[6];
	uint8_t		 used;
	uint8_t		 known;		/* state known */
	uint8_t		 allowed;
	uint8_t		 suspended;
	uint8_t		 next_boot;	/* enum nb_next_boot */
	struct in_addr	 ip;		/* static address; 0: none */
	char		*hostname;
};

/* One DHCPv6 lease in memory (lease6.c): a row of leases6. */
struct lease6 {
	uint8_t		 addr[16];
	uint8_t		 duid[130];	/* the DUID (RFC 8415 §11) */
	uint8_t		 duidlen;
	uint8_t		 declined;
	uint32_t	 iaid;
	char		 mac[NB_MACSTR_LEN];	/* "" if unknown */
	int64_t		 expires, updated;	/* since the epoch */
};

/* What the writer thread last read of leases6, to tell a change. */
struct lease6_rows {
	struct lease6	*v;
	size_t		 n, cap;
	uint64_t	 seq;		/* our changes it held: up to seq */
	int		 have;		/* read at least once */
};

/* A change of the DHCPv6 leases, as the loop queues it for the writer. */
enum lease6_op { L6_NONE, L6_BIND, L6_RELEASE, L6_DECLINE, L6_RM };

/* No larger than a pxev, so that the records of DHCPv4 do not grow. */
struct rec_lease {
	uint64_t	 seq;		/* the loop's order of changes */
	uint32_t	 iaid;
	uint32_t	 off;		/* arena: the address, then the DUID */
	uint32_t	 lifetime;	/* expires - updated (its ts) */
	uint8_t		 duidlen;
	uint8_t		 has_mac;	/* the record's mac is its */
};

/* What the config file adds to the settings; copied by the loop for the recorder thread. */
struct policy_conf {
	char		 prefixes[1024];	/* [pxedhcpd] vendor_prefix keys, comma-separated */
	char		 datadir[1024];
};

/*
 * Everything a decision needs, read from the database in one go and never
 * changed afterwards: the recorder thread builds a new one when another
 * process commits, the loop switches to it between two receive batches.
 * No packet waits for SQLite.
 */
struct policy {
	struct settings	 set;
	struct {
		const char	*s;
		size_t		 len;
	}		 prefix[PXEDHCPD_MAXPREFIX];	/* set.prefixes, split */
	int		 nprefix;
	struct client	*clients;	/* open addressing; only clients with a non-default answer */
	size_t		 cap;		/* a power of two */
	uint32_t	 gen;		/* changes with every new policy */
};

/* Per-client coalescing: at most one record and one identical event per client per second. */
#define COAL_SLOTS	65536		/* direct-mapped by MAC hash; a collision costs one extra write */

struct coal {
	uint8_t		 mac[6];
	uint32_t	 seen_sec;	/* last second the client was recorded */
	uint32_t	 ev_sec;	/* last second an event was queued ... */
	uint32_t	 ev_hash;	/* ... and which one */
};

/* An event as the loop queues it: its parameters; record.c writes the text. */
enum pxev_code {
	PXEV_NONE, PXEV_REFUSED, PXEV_BIS, PXEV_NOLOADER, PXEV_PROXY,
	PXEV_STATIC_WRONG, PXEV_STATIC_NONE, PXEV_STATIC
};
enum pxev_why { WHY_DENIED, WHY_SUSPENDED, WHY_UNKNOWN };	/* REFUSED */
enum pxev_what { WHAT_IPXE, WHAT_HTTP, WHAT_LOADER };	/* PROXY */
/* PROXY: the PXE menu part of the answer */
enum pxev_menu {
	MENU_NONE,
	MENU_OFFER,	/* the menu offered (menu_items), no file */
	MENU_ITEM,	/* a network item chosen on 4011 (menu_item, label) */
	MENU_LOCAL,	/* a local item chosen on 4011: no file */
	MENU_RPI	/* the Raspberry Pi profile (43.9) */
};
#define PXEVF_4011	0x01	/* answered on port 4011 */
#define PXEVF_IPXE	0x02	/* the client is iPXE */
#define PXEVF_NOHTTP	0x04	/* an iPXE without 175.19 */
#define PXEVF_DIRECT	0x08	/* 43.6 = 8 sent */
#define PXEVF_NO43	0x10	/* UEFI PXE told to ask port 4011 */

struct pxev {
	uint32_t	 gen;		/* policy generation and ... */
	struct in_addr	 server;	/* ... our address: together they name the file */
	uint8_t		 code;		/* enum pxev_code */
	uint8_t		 type;		/* message type of the request */
	uint8_t		 reply;		/* DHCP_OFFER or DHCP_ACK */
	uint8_t		 why;		/* PXEV_REFUSED: enum pxev_why */
	uint8_t		 what;		/* PXEV_PROXY: enum pxev_what */
	uint8_t		 flags;		/* PXEVF_* */
	uint8_t		 next_boot;
	uint8_t		 menu;		/* PXEV_PROXY: enum pxev_menu */
	uint8_t		 menu_items;	/* MENU_OFFER: items offered */
	uint16_t	 arch;
	uint16_t	 layer;		/* PXEV_BIS */
	uint16_t	 menu_item;	/* MENU_ITEM, MENU_LOCAL: pxe.menu.N */
	struct in_addr	 a, b;		/* PXEV_STATIC*: asked, static */
};

/*
 * One queued record: the client seen, an event, or both. Small and fixed;
 * its strings go to the batch's byte arena, so that a backlog of hundreds
 * of thousands fits in memory while the writer catches up after a storm.
 */
struct rec_item {
	double		 ts;
	uint8_t		 mac[6];
	uint8_t		 seen;		/* record the client (nb_client_seen) */
	uint8_t		 has_ev;
	uint8_t		 lease_op;	/* enum lease6_op: a lease change */
	struct in_addr	 ciaddr;	/* 0: none */
	int		 arch;		/* seen: -1 for a client without a PXE class */
	uint8_t		 vendor_len, user_len, has_uuid, file_len, label_len;
	uint8_t		 uuid[16];
	union {
		struct pxev	 ev;
		struct rec_lease lease;	/* lease_op */
	};
	uint32_t	 class_off;	/* arena: raw vendor then user class bytes (escaped by the writer) */
	uint32_t	 file_off;	/* arena: the offered file or URL */
	uint32_t	 label_off;	/* arena: the menu item's label */
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
	struct dhcp_out		 out[TX_BATCH];
};

struct pxedhcpd {
	struct nb_daemon	*d;
	int			 fd67, fd4011;
	struct event		*ev67, *ev4011;
	int			 port67, port4011;
	int			 http_port;		/* bootweb's boot port, for URLs */
	int			 http_port_flag;	/* -w given: the config does not override it */
	int			 ifindex[PXEDHCPD_MAXIF];	/* -i; none: every interface */
	char			 ifname[PXEDHCPD_MAXIF][IF_NAMESIZE];
	int			 nif;
	int			 listen_ifindex;	/* -l: the interface holding it */
	struct in_addr		 listen_addr;
	char			 datadir[1024];
	const struct policy	*pol;			/* switched between receive batches */
	struct coal		*coal;
	int64_t			 now;			/* time of the receive batch ... */
	double			 now_ts;		/* ... with microseconds, for events */
	uint64_t		 malformed, answered, ignored, send_dropped, stale;
	struct nb_rate		 stale_log;	/* its log lines */
	struct nb_rate		 send_log;	/* send_dropped's */
	struct record		*rec;
	struct feed		*feed;		/* the policies, to pol */
	struct txq		 tx;
	int			 fd547, port547;	/* DHCPv6 (dhcp6.c); fd -1: unavailable */
	struct event		*ev547;
	struct lease6_mem	*l6;		/* DHCPv6 leases (lease6.c) */
};

/* A request being handled: the parsed packet and where it came from. */
struct request {
	struct dhcp_pkt		 pkt;
	int			 port;		/* local port it arrived on: 67 or 4011 */
	int			 ifindex;
	struct in_addr		 local;		/* our address on the arrival interface */
	struct sockaddr_in	 from;
	int			 arch;		/* dhcp_arch() */
	enum dhcp_arch_kind	 kind;
	const char		*aname;
	int			 http;		/* dhcp_is_httpclient() */
	struct coal		*coal;		/* this client's slot */
	struct rec_item		*it;		/* queued for this request, NULL if nothing yet */
};

/* policy.c */
/*
 * Read settings and the clients with a non-default answer into a new
 * policy (in one read transaction); *ok 0 when a read failed.
 */
struct policy	*policy_build(struct nb_db *, const struct policy_conf *,
		    uint32_t gen, int *ok);
/* The client with mac; a default (unknown, allowed) one if the database has nothing special. */
const struct client *policy_client(const struct policy *, const uint8_t mac[6]);
/* The architecture to serve: arch.oui.XXXXXX for a client reporting 0, else arch. */
int		 policy_arch(const struct policy *, const uint8_t mac[6], int arch);
/* Return 1 if option 60 starts with one of the policy's vendor prefixes. */
int		 policy_vendor_match(const struct policy *, const struct dhcp_pkt *);
/* Free a policy. */
void		 policy_free(struct policy *);

/* pxedhcpd.c */
/* Return 1 if requests arriving on ifindex are served (-i, -l). */
int		 rx_interface_ok(const struct pxedhcpd *, int ifindex);
/* Set x->now and x->now_ts to the time of the receive batch. */
void		 rx_clock(struct pxedhcpd *);

/* dhcp6.c: DHCPv6 boot (RFC 5970) */
/* Bind UDP 547 and join ff02::1:2 on the served interfaces (as root); -1 if unavailable. */
int		 dhcp6_srv_open(struct pxedhcpd *);
/* Answer from the event loop (after the policy exists). */
int		 dhcp6_srv_start(struct pxedhcpd *);
/* Close the socket. */
void		 dhcp6_srv_stop(struct pxedhcpd *);

/* lease6.c: the DHCPv6 leases, decided in memory, written behind */
struct lease6_tab;
struct lease6_mem;
/* Free the loop's leases and journal. */
void		 lease6_free(struct lease6_mem *);
/* Take the writer's newest copy of leases6; 0 when there is one. */
int		 lease6_sync(struct pxedhcpd *);
/* The bound lease of the IA, expired or not; NULL if none. */
const struct lease6 *lease6_get(struct lease6_mem *, const uint8_t *duid,
		    size_t duidlen, uint32_t iaid);
/* 1 if addr is held at now by another IA or declined, else 0. */
int		 lease6_taken(struct lease6_mem *, const uint8_t addr[16],
		    const uint8_t *duid, size_t duidlen, uint32_t iaid,
		    int64_t now);
/* Call fn for each lease until it returns non-zero. */
void		 lease6_walk(struct lease6_mem *,
		    int (*fn)(const struct lease6 *, void *), void *);
/* Apply a change in memory and queue it for the database; -1 if full. */
int		 lease6_change(struct pxedhcpd *, enum lease6_op,
		    const struct lease6 *);
/* The writer thread: write one queued change in its transaction; stale
 * set if the loop's copy is wrong (a bind not written). */
int		 lease6_write(struct nb_db *, const struct rec_item *,
		    const char *arena, int *stale);
/* The writer thread: read leases6; in out a new copy holding our changes
 * up to seq if it differs from the last read, else NULL; -1 on an error. */
int		 lease6_read(struct nb_db *, struct lease6_rows *,
		    uint64_t seq, struct lease6_tab **out);
/* Free a copy. */
void		 lease6_tab_free(struct lease6_tab *);
/* Free what lease6_read kept. */
void		 lease6_rows_free(struct lease6_rows *);

/* proxy.c */
/* Answer (or not) one parsed request. */
void		 proxy_handle(struct pxedhcpd *, struct request *);
/* Send the queued replies. */
void		 proxy_flush(struct pxedhcpd *);

/* feed.c: policies from the writer thread to the loop */
struct feed;
/* A feed whose first policy, with conf, the writer builds at once. */
struct feed	*feed_new(const struct policy_conf *);
/*
 * The writer's idle hook: a new policy if another process committed or a
 * reload asks; the DHCPv6 leases read again, holding our changes to seq.
 */
void		 feed_check(struct nb_db *, struct feed *, uint64_t seq);
/* The first policy, waited for (fatal if none comes in 30 s). */
const struct policy *feed_first(struct feed *);
/*
 * The newest policy: the loop's current one, or a newer one it switches
 * to (freeing the old).
 */
const struct policy *feed_take(struct feed *);
/*
 * Have the writer build a policy with this configuration (SIGHUP; then
 * record_wake).
 */
void		 feed_reload(struct feed *, const struct policy_conf *);
/* Have the writer read the DHCPv6 leases now (then record_wake). */
void		 feed_refresh(struct feed *);
/* The writer's newest copy of the DHCPv6 leases, once; NULL if none. */
struct lease6_tab *feed_leases(struct feed *);
/* Free the feed and its policies (after record_stop). */
void		 feed_free(struct feed *);

/* record.c: clients seen and events, written by the write queue (wq.h) */
struct record;
/* Start the write queue with pxedhcpd's hooks, feed_check between passes. */
struct record	*record_start(struct nb_daemon *, struct feed *);
/* Wake the writer: it runs its idle hook (a reload) at once. */
void		 record_wake(struct record *);
/* A new record in the batch being filled, or NULL if the writer is too far behind. */
struct rec_item	*record_new(struct record *);
/* Copy bytes into the batch's arena; their offset, or -1 if the writer is too far behind. */
int64_t		 record_bytes(struct record *, const void *, size_t);
/* Write what is left (the skeleton's queue) and stop the writer. */
void		 record_stop(struct record *, struct nb_daemon *);

#endif
