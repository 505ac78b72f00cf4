/* bootweb.h: what the files of bootweb share. */
#ifndef BOOTWEB_H
#define BOOTWEB_H

#include <sys/queue.h>
#include <sys/types.h>

#include <netinet/in.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "daemon.h"
#include "ratelim.h"
#include "token.h"

#define BW_PORT		8080
#define BW_ADMIN_PORT	8081
#define BW_MAX_HEADERS	(32 * 1024)	/* a request's header block */
#define BW_MAX_BODY	(64 * 1024)	/* POST bodies of the self-API */
#define BW_TIMEOUT	60		/* seconds without progress before a connection goes (timeout) */
#define BW_GRACE	5		/* seconds replies in flight get after SIGTERM (shutdown_grace) */
#define BW_MAX_CONNS	1024		/* boot plane connections at once (max_connections) */
/* Of them from one address (max_connections_per_address). */
#define BW_MAX_PER_ADDR	32
/* Admin plane connections at once (admin_max_connections). */
#define BW_ADMIN_CONNS	64
/* Seconds a client has to send a whole request (request_timeout). */
#define BW_REQ_TIMEOUT	10
#define BW_SPARE_FDS	64		/* descriptors kept for the database, logs, listeners */
#define BW_MAX_WRITE	(1024 * 1024)	/* bytes per write (sendfile) call */
#define BW_BACKLOG	128		/* listen(2) backlog, as evhttp_bind_socket had it */
#define BW_URLLEN	256
#define BW_PATHLEN	1024
#define BW_SITES	8		/* server URLs whose parts are cached */

/* An inventory report waiting for the next batched write. */
struct bw_seen {
	TAILQ_ENTRY(bw_seen)	 entry;
	char			 mac[NB_MACSTR_LEN];
	char			*uuid;
	char			 ip[INET6_ADDRSTRLEN];
	json_t			*inventory;
	uint8_t			 nonce[NB_NONCE_LEN];	/* this boot's */
	int			 has_nonce;
};
TAILQ_HEAD(bw_seenq, bw_seen);

/* What is built once per server URL clients reach us at. */
struct bw_site {
	char			 url[BW_URLLEN];
	struct evbuffer		*boot_ipxe;	/* the whole /boot.ipxe body */
	json_t			*images;	/* nb_tmpl_image() of each cached image, same order */
};

/* Settings, images and template kinds, until another process commits (cache.c). */
struct bw_cache {
	int64_t			 version;	/* PRAGMA data_version it was read at */
	json_t			*settings;	/* key -> value, as templates see them */
	const char		*set[NB_S_COUNT];	/* or NULL */
	long long		 num[NB_S_COUNT];	/* nb_setting_num */
	struct nb_image		*images;	/* in name order */
	size_t			 nimages;
	json_t			*kinds;		/* template name -> kind */
	json_t			*bodies;	/* template name -> body */
	json_t			*files;		/* image file -> event kind */
	struct nb_hmac_key	 hkey;	/* nb_token_key(), prepared */
	int			 has_key;
	struct bw_site		 sites[BW_SITES];
	size_t			 nsites, nextsite;
	unsigned long long	 nrefresh;	/* rebuilds, for /metrics */
};

struct bw_conn;
struct nb_up;
TAILQ_HEAD(bw_connq, bw_conn);

/* A listening socket and its connections, counted and capped apart (conn.c). */
struct bw_plane {
	const char		*pl_name;	/* "boot", "admin" */
	struct bootweb		*pl_bw;
	struct evhttp		*pl_http;
	struct evhttp_bound_socket *pl_bound;
	struct evconnlistener	*pl_listener;
	struct bw_connq		 pl_conns;	/* open, known */
	struct bw_connq		 pl_pending;	/* accepted now */
	size_t			 pl_nconns, pl_max;
	size_t			 pl_max_addr;	/* per address, 0: - */
	int			 pl_paused;
	unsigned long long	 pl_npauses;	/* paused at pl_max */
	unsigned long long	 pl_nrefused;	/* over pl_max_addr */
	struct nb_rate		 pl_refused_log; /* its log lines */
	unsigned long long	 pl_nlate;	/* past the deadline */
	struct event		*pl_ev_fixup, *pl_ev_retry;
	void			*pl_tls;	/* admin: an SSL_CTX, or NULL (tls.c) */
};

struct bootweb {
	struct nb_daemon	*d;
	struct evhttp		*http;		/* boot plane */
	struct evhttp		*admin;		/* admin plane */
	char			*datadir;
	struct nb_up		*up;		/* upstream files, or NULL */
	char			*ipxedir;
	int			 port;		/* the boot plane's port, for URLs */
	char			*listen_host;	/* the boot plane's address unless a wildcard (0.0.0.0, ::) */
	struct bw_seenq		 seen;
	size_t			 nseen;
	struct bw_cache		 cache;
	/* connections (conn.c) */
	struct bw_plane		 boot, adm;
	int			 stopping;
	int			 timeout, grace;	/* seconds */
	int			 req_timeout;	/* seconds */
	struct event		*ev_stop, *ev_deadline;
	/* counters for /metrics */
	unsigned long long	 nreq, nbytes, nstatus[6];
};

/* The planes a route belongs to. */
#define BW_BOOT		0	/* booting machines (-l/-p) */
#define BW_ADMIN	1	/* the admin plane (-L/-P) */

/* A route's methods: EVHTTP_REQ_* bits; GET always with HEAD. */
#define BW_GET		(EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)
#define BW_POST		EVHTTP_REQ_POST

/* A route's flags: what bw_route does before its handler. */
#define BW_RT_CACHE	0x01	/* settings and images made current */
#define BW_RT_URL	0x02	/* r->server_url set (implies BW_RT_CACHE) */
#define BW_RT_AUTH	0x04	/* admin: an authenticated caller (issue 13) */
#define BW_RT_JSON	0x08	/* errors as {"error": ...} */
#define BW_RT_OPER	0x10	/* with BW_RT_AUTH: the operator role */
#define BW_RT_ADMINROLE	0x20	/* with BW_RT_AUTH: the admin role */
#define BW_RT_METRICS	0x40	/* with BW_RT_AUTH: or from metrics.allow */

struct bw_req;

/*
 * A route: on a plane, a path (decoded, without the leading /) matched
 * exactly or as a prefix, the methods it takes. The handler gets what
 * follows the prefix; it replies and returns 0, or returns an HTTP status
 * that the abort path sends (bw_fail gives its text). bootweb.c holds the
 * table.
 */
struct bw_route {
	int		 rt_plane;	/* BW_BOOT, BW_ADMIN */
	int		 rt_methods;	/* BW_GET, BW_POST, ... */
	const char	*rt_path;
	size_t		 rt_len;	/* strlen(rt_path) */
	int		 rt_prefix;	/* rt_path starts the path */
	int		 rt_flags;	/* BW_RT_* */
	int		(*rt_fn)(struct bw_req *, const char *rest);
};

/* One request as the handlers see it. */
struct bw_req {
	struct bootweb		*bw;
	struct evhttp_request	*req;
	int			 head;		/* HEAD: headers only */
	int			 req_boot;	/* on the boot plane (its timeouts are managed) */
	int			 method;	/* EVHTTP_REQ_* */
	char			 ip[INET6_ADDRSTRLEN];	/* the peer's address */
	char			 path[BW_PATHLEN];	/* decoded, without the leading / */
	const char		*query;		/* raw, or NULL */
	int			 status;	/* of the reply sent, or 0 */
	char			 server_url[BW_URLLEN];	/* http://addr:port this request reached */
	/* who is at ip (bw_ident), looked up once per request */
	int			 ident_done, ident_rc;
	enum nb_ident		 how;
	char			 mac[NB_MACSTR_LEN];
	/* a failure, for the abort path (bw_fail) */
	char			 why[512];	/* the text; "": the reason's */
	int			 allow;		/* methods for Allow on a 405 */
	int			 json;		/* the body as {"error": why} */
	/* the admin API's caller (api_auth) */
	enum nb_role		 role;
	char			 user[65];
	char			 sid[NB_APITOKEN_STRLEN];	/* a session's */
};

/* bootweb.c */
/* The MAC of the neighbour at ip, from the kernel's neighbour table; -1 if none. */
int	 bw_neigh_mac(const char *ip, char out[NB_MACSTR_LEN]);
/* Read the neighbour table again if the copy is older than 50 ms. */
void	 bw_neigh_refresh(void);
/* Who is at the source address, from evidence: r->mac, r->how. */
int	 bw_ident(struct bw_req *);
/* Note why a request fails, for the abort path; returns code. */
int	 bw_fail(struct bw_req *, int code, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
/* Answer a failed request (the abort path): text, or JSON if r->json. */
void	 bw_abort(struct bw_req *, int code);
/* A method's name from its EVHTTP_REQ_* bit, "?" if unknown. */
const char *bw_method_name(int method);

/* http.c */
/*
 * Decode a request target's path (origin or absolute form) into out (no
 * leading /); an HTTP status on failure, else 0.
 */
int	 http_path_decode(const char *target, char *out, size_t outsz);
/* Send a complete in-memory body (not sent for HEAD) with its length and type. */
void	 http_send_mem(struct bw_req *, int code, const char *type, const void *body, size_t len);
/* Send a generated body (a script, a rendered file) uncached; drains evb. */
/* Set a reply header, replacing any value it had. */
void	 http_set_header(struct bw_req *, const char *name,
	    const char *value);
void	 http_send_evb(struct bw_req *, int code, const char *type, struct evbuffer *evb);
/* Send an error status with a one-line text body. */
void	 http_error(struct bw_req *, int code, const char *fmt, ...)
	    __attribute__((__format__(__printf__, 3, 4)));
/* Send a JSON value, indented, keys sorted. */
void	 http_send_json(struct bw_req *, int code, json_t *);
/* Send [off, off + size) of the open file fd as the whole entity, honouring Range; closes fd. */
void	 http_send_range(struct bw_req *, int fd, off_t off, off_t size, time_t mtime,
	    const char *type);
/*
 * Open path (absolute) read-only and send it unless it is the database or
 * any SQLite file; a status for why not if it fails.
 */
int	 http_send_path(struct bw_req *, const char *path, const char *type);
/*
 * Start a 200 of len bytes whose body follows as it comes
 * (evhttp_send_reply_chunk, then evhttp_send_reply_end).
 */
void	 http_stream_start(struct bw_req *, const char *type, off_t len);
/* The content type for a file name. */
const char *http_content_type(const char *name);
/*
 * Resolve relpath under root without leaving it or reaching a dot-file
 * (symlinks included); an HTTP status or 0 and *out (caller frees).
 */
int	 http_resolve(const char *root, const char *relpath, char **out);
/* The reason phrase of a status. */
const char *http_reason(int code);

/* script.c */
/* GET /boot.ipxe: the chain script with iPXE's inventory variables. */
int	 script_boot_ipxe(struct bw_req *, const char *rest);
/* GET /boot?mac=...: record the inventory and answer the client's script. */
int	 script_client(struct bw_req *, const char *rest);
/* Write the queued inventory reports in one transaction. */
void	 script_flush_seen(struct bootweb *);
/* mac's boot nonce: the one queued by its last /boot, else the stored one. */
int	 script_nonce(struct bootweb *, const char *mac,
	    uint8_t nonce[NB_NONCE_LEN]);

/* One value of the inventory iPXE reports to /boot. */
struct script_inv {
	const char	*key;		/* of the query */
	const char	*var;		/* iPXE's setting */
	int		 raw;		/* typed: no :uristring */
};
/* The inventory iPXE reports, in the order /boot.ipxe lists it. */
extern const struct script_inv	 script_inv[];
extern const size_t		 script_ninv;

/* cache.c */
/* Make the cache current: rebuild it if another process committed since it was read. */
void	 cache_refresh(struct bootweb *);
/* A setting's value (stored or default); NULL if it has none. */
const char *cache_setting(struct bootweb *, enum nb_setting_id);
/* A number, yes/no (1/0) or choice setting as the table parses it. */
long long cache_setting_num(struct bootweb *, enum nb_setting_id);
/* The cached image called name (its index in *idx if not NULL), or NULL. */
const struct nb_image *cache_image(struct bootweb *, const char *name, size_t *idx);
/* The parts built for server_url (the /boot.ipxe body, the images' template data). */
struct bw_site *cache_site(struct bootweb *, const char *server_url);
/* The unattended_url of template tname under base; NULL if none. */
json_t	*cache_unattended_url(struct bootweb *, const char *base,
	    const char *tname);
/* The kind of template tname; NULL if there is none. */
const char *cache_kind(struct bootweb *, const char *tname);
/* The body of template tname; NULL if there is none. */
const char *cache_body(struct bootweb *, const char *tname);
/* The event kind of data file rel: http-kernel, http-initrd (some image's) or http-file. */
const char *cache_file_kind(struct bootweb *, const char *rel);
/* Free the cache. */
void	 cache_free(struct bootweb *);

/* conn.c */
/* evhttp's bufferevent callback of a plane: count, pause at the limit. */
struct bufferevent *conn_bev(struct event_base *, void *);
/* Set up the accounting of a plane whose socket is bound. */
void	 conn_init(struct bootweb *, struct bw_plane *, struct evhttp *,
	    struct evhttp_bound_socket *);
/* A whole request arrived: its deadline no longer applies. */
void	 conn_request(struct bw_plane *, struct evhttp_request *);
/* Before a reply is sent: only the inactivity timeout of writing applies. */
void	 conn_sending(struct bootweb *, struct evhttp_request *);
/* A reply's on-complete callback (arg: the plane): timeout, deadline again. */
void	 conn_sent(struct evhttp_request *, void *);
/* SIGTERM: refuse new connections, let replies in flight finish within shutdown_grace, then exit. */
void	 conn_stop(struct bootweb *);
/* Free what conn_init made; call before evhttp_free. */
void	 conn_free(struct bootweb *);

/* unattended.c */
/* GET /unattended/<mac>/<file>: refused, with an event. */
int	 unattended_serve(struct bw_req *, const char *rest);
/*
 * A global virtual file of the files table (no token): 0 if served, an
 * HTTP status if it failed, -1 if there is none at r->path.
 */
int	 unattended_vfile(struct bw_req *);
/* /t/TOKEN/...: the client's unattended and own files, its self-API. */
int	 unattended_token(struct bw_req *, const char *rest);

/* self.c */
/* /api/v1/self without a token: refused, with an event. */
int	 self_serve(struct bw_req *, const char *rest);
/* /t/TOKEN/api/v1/self[/done|/suspend|/unsuspend] for the token's mac. */
int	 self_call(struct bw_req *, const char *mac, const char *rest);

/* www.c */
/* GET / and /ui/NAME: the web UI's files from www_dir. */
int	 www_serve(struct bw_req *, const char *rest);

/* self-inventory.c */
/* POST /t/TOKEN/api/v1/self/inventory: the client's own report. */
int	 self_inventory(struct bw_req *, const char *mac);

#endif
