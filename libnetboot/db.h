/*
 * db.h: the shared database (netboot(7), DATABASE). Every program reads
 * and writes the netboot state only through these functions; no SQL
 * leaves libnetboot.
 *
 * Functions returning int return NB_OK or a negative enum nb_rc; the
 * human-readable reason is then in nb_db_errmsg().
 */
#ifndef NB_DB_H
#define NB_DB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "addr.h"
#include "log.h"
#include "setting.h"

struct stat;

#define NB_DB_DEFAULT	LOCALSTATEDIR "/lib/netboot/netboot.db"
#define NB_DB_VERSION	10		/* schema version this build writes */
/* The busy timeout of an event loop's connection (it only reads). */
#define NB_DB_LOOP_BUSY_MS	50

enum nb_rc {
	NB_OK = 0,
	NB_ERR = -1,		/* I/O or SQLite failure */
	NB_NOTFOUND = -2,	/* the named row does not exist */
	NB_EXISTS = -3,		/* a row with that key exists already */
	NB_INVALID = -4,	/* the value breaks a rule of the schema */
	NB_INUSE = -5,		/* still referenced by another row */
	NB_BUSY = -6,		/* locked by another process past the busy timeout */
};

/* nb_db_open flags */
#define NB_DB_CREATE	0x1	/* create the file (and schema) if missing */
#define NB_DB_NOMIGRATE	0x2	/* do not upgrade an older schema */

struct nb_db;

/* Open the database at path with WAL, synchronous=NORMAL, foreign keys and a busy timeout. */
int		 nb_db_open(const char *path, int flags, struct nb_db **out, char *err, size_t errsz);
/* Close the database and every statement it cached. */
void		 nb_db_close(struct nb_db *);
/* The reason the last call failed. */
const char	*nb_db_errmsg(const struct nb_db *);
/* The file this handle has open. */
const char	*nb_db_path(const struct nb_db *);
/* The data directory this connection's users mean (netboot.conf's). */
void		 nb_db_set_datadir(struct nb_db *, const char *datadir);
/*
 * The data directory: nb_db_set_datadir's, else nb_datadir's default for
 * the database (its directory, for SQLite). Free it.
 */
char		*nb_db_datadir(const struct nb_db *);
/* The schema version of the open file (PRAGMA user_version). */
int		 nb_db_version(struct nb_db *);
/* Upgrade the schema to version target (0: latest) in one transaction. */
int		 nb_db_migrate(struct nb_db *, int target);
/* Run the integrity, foreign key and version checks; report each problem; return their count or -1. */
int		 nb_db_check(struct nb_db *, void (*report)(const char *, void *), void *arg);
/* Start a write transaction (BEGIN IMMEDIATE). */
int		 nb_db_begin(struct nb_db *);
/* Commit the transaction. */
int		 nb_db_commit(struct nb_db *);
/* Roll the transaction back; safe to call when none is open. */
void		 nb_db_rollback(struct nb_db *);
/* In a transaction: open a savepoint, release it, or roll back to it. */
enum nb_savepoint { NB_SP_BEGIN, NB_SP_RELEASE, NB_SP_ROLLBACK };
int		 nb_db_savepoint(struct nb_db *, enum nb_savepoint);
/*
 * Start a read-only transaction (BEGIN DEFERRED): one snapshot, one lock,
 * for a burst of reads.
 */
int		 nb_db_read_begin(struct nb_db *);
/* End the read transaction, if one is open. Never write inside one. */
void		 nb_db_read_end(struct nb_db *);
/* Set the connection's busy timeout (the default is 10 s). */
void		 nb_db_busy_timeout(struct nb_db *, int msec);
/*
 * Write a consistent copy of the database to path (online backup API),
 * replacing it atomically.
 */
int		 nb_db_backup(struct nb_db *, const char *path);
/*
 * Whether netboot.conf's database value names a PostgreSQL database (a
 * postgresql:// URI or libpq's key=value words) rather than a file.
 */
int		 nb_db_is_pg(const char *);
/*
 * Copy every row of src into dst, a database of the same schema version
 * (either engine), in one transaction, then read dst back and compare
 * each table's rows with what was read (count and content). dst must
 * hold no rows but its own secret unless force, which replaces all.
 * report, if not NULL, is called per table with its rows once verified.
 */
/*
 * A database's name fit to print: a path as it is, a connection string
 * as its server, port, database and user only (never a password).
 */
void		 nb_db_redact(const char *dsn, char *buf, size_t bufsz);
int		 nb_db_copy(struct nb_db *src, struct nb_db *dst, int force,
		    void (*report)(const char *table, int64_t rows, void *),
		    void *arg);
/*
 * A number that changes whenever another connection commits (PRAGMA
 * data_version); on a loop's connection tied to its writer thread
 * (nb_db_set_writer), whenever another process commits.
 */
int64_t		 nb_db_data_version(struct nb_db *);
/* What a daemon's writer thread (wq.c) publishes for its loop's connection. */
struct nb_db_writer {
	_Atomic uint64_t	 started;	/* the writer's commits begun */
	_Atomic uint64_t	 commits;	/* ... and done */
	_Atomic uint64_t	 foreign;	/* others' commits it noticed */
	/* Count others' commits now; 1 if it cannot. */
	int			(*check)(void *);
	void			*arg;
};
/* Tie a loop's connection to its writer, whose commits it then ignores. */
void		 nb_db_set_writer(struct nb_db *, struct nb_db_writer *);
/*
 * 1 if another connection committed since *version was read (or on
 * error), and *version updated; else 0.
 */
int		 nb_db_changed(struct nb_db *, int64_t *version);
/*
 * 1 if db is a PostgreSQL connection that is down: the server is gone
 * and a later statement will connect again; 0 on SQLite.
 */
int		 nb_db_lost(struct nb_db *);
/* The data directory: datadir if set, else the directory holding the database. Caller frees. */
char		*nb_datadir(const char *dbpath, const char *datadir);
/*
 * Whether st (of a file about to be opened) is the database at dbpath or
 * one of its -wal, -shm, -journal files, by device and inode. Check it
 * before open(2): closing any descriptor of the database drops the
 * process's SQLite locks on it (fcntl(2) locks are per process).
 */
int		 nb_db_own_file(const char *dbpath, const struct stat *st);
/*
 * What the open file fd is by its first bytes if it is any SQLite
 * database, journal, WAL or wal-index ("a SQLite database", ...), else
 * NULL: the daemons never send one (backups, copies, renames).
 */
const char	*nb_db_file_kind(int fd);
/* Whether a path has a part starting with '.' (dot-files, partial imports). */
int		 nb_path_hidden(const char *path);
/* Before any nb_db_open: each connection stays in one thread; no global SQLite mutexes (pxedhcpd). */
int		 nb_db_threads_init(void);
/* Seconds since the epoch, for created/updated/seen columns. */
int64_t		 nb_now(void);

/* A rule for names of images, templates and clients: [A-Za-z0-9._-], 1..64, no leading dot. */
int		 nb_name_valid(const char *);
/* Whether an image may not take this name: the admin API's own paths. */
int		 nb_image_name_reserved(const char *);

/* clients */
enum nb_next_boot { NB_NEXT_NONE, NB_NEXT_INSTALL, NB_NEXT_LOCAL, NB_NEXT_MENU, NB_NEXT_SHELL };

struct nb_client {
	char		 mac[NB_MACSTR_LEN];
	char		*name;
	char		*hostname;
	char		*ip;		/* static address, for static DHCP */
	char		*last_ip;	/* address it was last seen with */
	int		 arch;		/* option 93, -1 if unknown */
	char		*vendor_class;
	char		*user_class;
	char		*uuid;
	int64_t		 first_seen;	/* 0: never */
	int64_t		 last_seen;
	int		 known;		/* 0: discovered by a daemon, 1: added */
	int		 allowed;
	int		 suspended;	/* suspended through the self-API */
	char		*image;
	char		*tmpl;		/* template */
	enum nb_next_boot next_boot;
	json_t		*vars;		/* object: per-client template variables */
	json_t		*inventory;	/* object: what iPXE reported */
	int64_t		 created;
	int64_t		 updated;
};

/* Set c to an empty client: allowed, known, arch -1, empty vars and inventory. */
void		 nb_client_init(struct nb_client *c);
/* Free what c owns; c is then empty (no vars or inventory objects) and may be loaded again. */
void		 nb_client_clear(struct nb_client *c);
/* The name of a next-boot action ("install", ...; "" for none). */
const char	*nb_next_boot_name(enum nb_next_boot);
/* Parse a next-boot action name; -1 if unknown. */
int		 nb_next_boot_parse(const char *, enum nb_next_boot *);
/* Load the client with canonical mac into c. */
int		 nb_client_get(struct nb_db *, const char *mac, struct nb_client *c);
/* Load the client called name into c. */
int		 nb_client_find_name(struct nb_db *, const char *name,
		    struct nb_client *c);
/* Insert a new client (NB_EXISTS if the MAC is there; NB_NOTFOUND for a missing image or template). */
int		 nb_client_add(struct nb_db *, const struct nb_client *c);
/* Write every field of an existing client. */
int		 nb_client_update(struct nb_db *, const struct nb_client *c);
/* Delete a client and its per-client files. */
int		 nb_client_rm(struct nb_db *, const char *mac);
/* Call fn for each client in MAC order; a non-zero return from fn stops the walk. */
int		 nb_client_list(struct nb_db *, int (*fn)(const struct nb_client *, void *), void *arg);
/* The orders of a client list (nb_client_list_by; the API's ?sort=). */
enum nb_client_order {
	NB_ORDER_MAC,
	NB_ORDER_NAME,
	NB_ORDER_IMAGE,
	NB_ORDER_STATE,		/* discovered, known; denied first */
	NB_ORDER_LAST_SEEN,
};
/* Parse "field" or "-field" (descending) into *o and *desc; -1 if unknown. */
int		 nb_client_order_parse(const char *s,
		    enum nb_client_order *o, int *desc);
/* The field names nb_client_order_parse takes, for messages. */
const char	*nb_client_order_names(void);
/* nb_client_list in order o (desc: reversed), ties by MAC, along an index. */
int		 nb_client_list_by(struct nb_db *, enum nb_client_order o,
		    int desc, int (*fn)(const struct nb_client *, void *),
		    void *arg);
/* Record that a daemon saw mac: create it as discovered if new, update last seen and what is given (NULL/-1: keep). */
int		 nb_client_seen(struct nb_db *, const char *mac, int arch, const char *vendor_class,
		    const char *user_class, const char *uuid, const char *ip);
/* Replace a client's inventory (an object, cleaned) and its last address. */
int		 nb_client_set_inventory(struct nb_db *, const char *mac, json_t *inventory, const char *ip);
/* The largest rowid of clients (0 if none): later rows have larger ones. */
int64_t		 nb_client_last_rowid(struct nb_db *);
/* Count the discovered clients with a rowid above after (0: all). */
int		 nb_client_discovered(struct nb_db *, int64_t after,
		    int64_t *n);
/* Delete at most n of the earliest discovered, untouched clients. */
int		 nb_client_evict(struct nb_db *, int64_t n, int64_t *gone);
/*
 * Clear a client's next-boot action if it is still was (NB_NEXT_NONE:
 * whatever it is).
 */
int		 nb_client_next_boot_done(struct nb_db *, const char *mac,
		    enum nb_next_boot was);
/* Set or clear a client's suspended flag (the self-API). */
int		 nb_client_set_suspended(struct nb_db *, const char *mac,
		    int suspended);
/* One nb_client_seen() call, for nb_client_seen_many(). */
struct nb_seen {
	const char	*mac;
	int		 arch;		/* -1: keep */
	const char	*vendor_class, *user_class, *uuid, *ip;	/* NULL: keep */
	int64_t		 when;		/* seconds since the epoch */
};
/*
 * nb_client_seen() for n clients, in multi-row statements (call inside a
 * transaction).
 */
int		 nb_client_seen_many(struct nb_db *, const struct nb_seen *,
		    size_t n);
/* What decides a DHCP answer for one client. */
struct nb_client_policy {
	char		 mac[NB_MACSTR_LEN];
	int		 known, allowed, suspended;
	enum nb_next_boot next_boot;
	const char	*ip, *hostname;	/* NULL: none; valid in fn only */
};
/*
 * Call fn for each client not answered like an unknown one (known,
 * denied, suspended, next boot or static address).
 */
int		 nb_client_policy_list(struct nb_db *,
		    int (*fn)(const struct nb_client_policy *, void *),
		    void *arg);
/* Client-supplied text (inventory, classes, uuid, names) is stored cleaned. */
#define NB_CLIENT_TEXT_MAX	256	/* bytes of one value */
#define NB_INVENTORY_MAX	32	/* keys of an inventory */
#define NB_INVENTORY_KEY_MAX	64	/* bytes of one inventory key */
/*
 * s as stored: valid UTF-8 without control characters (C0, DEL, C1,
 * U+2028/9), cut to NB_CLIENT_TEXT_MAX; s itself if already so, else out.
 */
const char	*nb_client_text(const char *s, char out[NB_CLIENT_TEXT_MAX + 1]);
/* A new inventory: at most NB_INVENTORY_MAX clean keys of clean scalars. */
json_t		*nb_client_inventory_clean(json_t *inv);
/* The client as a JSON object with the keys documented in bootctl(8). */
json_t		*nb_client_json(const struct nb_client *c);

/* images */
struct nb_image {
	char		*name;
	char		*kind;		/* linux|windows|tool|chain|sanboot */
	char		*distro;
	char		*version;
	char		*arch;
	char		*kernel;	/* path under the data directory, or absolute */
	char		**initrds;
	size_t		 ninitrds;
	char		*cmdline;
	char		*iso_path;
	char		*iso_sha256;
	int64_t		 iso_size;	/* -1: none */
	char		*tmpl;		/* default template */
	int64_t		 created;
};

/* Set img to an empty linux image. */
void		 nb_image_init(struct nb_image *img);
/* Free what img owns and re-initialise it. */
void		 nb_image_clear(struct nb_image *img);
/* Append an initrd path to img. */
void		 nb_image_add_initrd(struct nb_image *img, const char *path);
/* Load the image called name. */
int		 nb_image_get(struct nb_db *, const char *name, struct nb_image *img);
/* Insert a new image. */
int		 nb_image_add(struct nb_db *, const struct nb_image *img);
/* Delete an image (NB_INUSE while a client is assigned to it). */
int		 nb_image_rm(struct nb_db *, const char *name);
/* How many images have path as their ISO; -1 on a database error. */
int64_t		 nb_image_iso_users(struct nb_db *, const char *path);
/* Call fn for each image in name order. */
int		 nb_image_list(struct nb_db *, int (*fn)(const struct nb_image *, void *), void *arg);
/* The image as a JSON object. */
json_t		*nb_image_json(const struct nb_image *img);

/* templates */
struct nb_template {
	char		*name;
	char		*kind;		/* preseed|kickstart|autoinstall|cloud-init|autounattend|ipxe|raw */
	char		*body;
	int64_t		 updated;
};

/* Return 1 if kind is a template kind. */
int		 nb_template_kind_valid(const char *kind);
/* Free what t owns and zero it. */
void		 nb_template_clear(struct nb_template *t);
/* Load the template called name. */
int		 nb_template_get(struct nb_db *, const char *name, struct nb_template *t);
/* Insert a new template. */
int		 nb_template_add(struct nb_db *, const struct nb_template *t);
/* Replace the kind and body of an existing template. */
int		 nb_template_update(struct nb_db *, const struct nb_template *t);
/* Delete a template (NB_INUSE while a client, image or file uses it). */
int		 nb_template_rm(struct nb_db *, const char *name);
/* Call fn for each template in name order. */
int		 nb_template_list(struct nb_db *, int (*fn)(const struct nb_template *, void *), void *arg);
/* The template as a JSON object; with_body adds its body. */
json_t		*nb_template_json(const struct nb_template *t, int with_body);

/* files: virtual paths served over TFTP and HTTP, per client or global */
enum nb_file_kind { NB_FILE_CONTENT, NB_FILE_TEMPLATE, NB_FILE_LOCAL, NB_FILE_URL };

struct nb_file {
	int64_t		 id;
	char		*path;		/* clean relative path, no leading / */
	char		 mac[NB_MACSTR_LEN];	/* "" for a global file */
	enum nb_file_kind kind;
	unsigned char	*content;
	size_t		 content_len;
	char		*tmpl;
	char		*local;		/* absolute path of a local file */
	char		*url;		/* a prefix's ends in / */
	int		 prefix;	/* path ends in /: path/X is url/X */
	int64_t		 updated;
};

/* Free what f owns and zero it. */
void		 nb_file_clear(struct nb_file *f);
/* The name of a file kind. */
const char	*nb_file_kind_name(enum nb_file_kind);
/* Normalise a request path in place (\ to /, strip leading /); -1 if it has . or .. parts. */
int		 nb_path_clean(char *path);
/* nb_path_clean for a files row: a prefix keeps its final /. */
int		 nb_file_path_clean(char *path);
/* Whether what follows a prefix may go into its upstream URL. */
int		 nb_file_suffix_ok(const char *suffix);
/* Insert a virtual file (NB_EXISTS if that path is taken for that MAC or globally). */
int		 nb_file_add(struct nb_db *, const struct nb_file *f);
/* Delete the file at path for mac (NULL or "": the global one). */
int		 nb_file_rm(struct nb_db *, const char *path, const char *mac);
/*
 * Find the file a client gets at path: its own first, then the global one,
 * then the longest URL prefix (f->url then ends with the suffix; NB_INVALID
 * if the suffix is refused). mac may be NULL.
 */
int		 nb_file_lookup(struct nb_db *, const char *path, const char *mac, struct nb_file *f);
/* Call fn for each file, only mac's (and not global ones) when mac is given. */
int		 nb_file_list(struct nb_db *, const char *mac, int (*fn)(const struct nb_file *, void *), void *arg);
/* The file as a JSON object (content as text when it is UTF-8, else only its size). */
json_t		*nb_file_json(const struct nb_file *f);

/* events */
struct nb_event {
	int64_t		 id;
	double		 ts;		/* seconds since the epoch */
	char		 mac[NB_MACSTR_LEN];	/* "" when unknown */
	const char	*ip;
	const char	*daemon;
	const char	*kind;
	const char	*detail;
};

/* Append one event now (bootctl, tests; daemons queue: nb_evq_push). */
int		 nb_event_add(struct nb_db *, const char *mac, const char *daemon, const char *kind,
		    const char *ip, const char *fmt, ...) NB_PRINTF(6, 7);
/* Call fn for events with id > after (oldest first), for mac if given, at most limit (0: all). */
int		 nb_event_list(struct nb_db *, const char *mac, int64_t after, int64_t limit,
		    int (*fn)(const struct nb_event *, void *), void *arg);
/*
 * Call fn for events with after < id < before (before 0: no bound), for
 * mac if given, oldest first or newest first (desc), at most limit (0:
 * all); each order and filter walks an index, never the table.
 */
int		 nb_event_range(struct nb_db *, const char *mac,
		    int64_t after, int64_t before, int desc, int64_t limit,
		    int (*fn)(const struct nb_event *, void *), void *arg);
/* The id of the newest event of all (0 if none; -1 on error). */
int64_t		 nb_event_head(struct nb_db *);
/* The id of the newest event (0 if none), for following. */
int64_t		 nb_event_last_id(struct nb_db *, const char *mac);
/* The event as a JSON object. */
json_t		*nb_event_json(const struct nb_event *ev);

/* Delete at most limit events: older than before, then past max_rows. */
int		 nb_event_trim(struct nb_db *, double before, int64_t max_rows,
		    int64_t limit, int64_t *n);
/*
 * Append n events of daemon (their ts, mac, ip, kind, detail), in
 * multi-row statements.
 */
int		 nb_event_add_many(struct nb_db *, const char *daemon,
		    const struct nb_event *, size_t n);
/*
 * Delete the events older than before (seconds since the epoch); *n gets
 * how many went.
 */
int		 nb_event_prune(struct nb_db *, double before, int64_t *n);
/*
 * The id just before the oldest of the newest limit events (of mac, if
 * given); 0 if none.
 */
int64_t		 nb_event_tail_id(struct nb_db *, const char *mac,
		    int64_t limit);

/* settings: key = value, with the table of setting.h */
/* The stored value of key, or its default (NULL if none); NB_INVALID for an unknown key. Caller frees *value. */
int		 nb_setting_get(struct nb_db *, const char *key, char **value);
/* Check and store key = value; NB_INVALID with the reason if either is bad. */
int		 nb_setting_set(struct nb_db *, const char *key, const char *value);
/* Forget a stored value so the default applies again. */
int		 nb_setting_unset(struct nb_db *, const char *key);
/* Call fn for every known key with its value (stored or default) and whether it is the default. */
int		 nb_setting_list(struct nb_db *, int (*fn)(const char *key, const char *value,
		    int is_default, void *), void *arg);
/* The same walk with typed values; fn returns non-zero to stop it. */
int		 nb_setting_walk(struct nb_db *, int (*fn)(
		    const struct nb_setting_val *, void *), void *arg);

/* DHCPv6 leases, pxedhcpd's (db_lease6.c) */
struct nb_lease6 {
	char		 addr[46];	/* INET6_ADDRSTRLEN: inet_ntop's form */
	uint8_t		 duid[130];	/* the client's DUID (RFC 8415 §11) */
	size_t		 duidlen;
	uint32_t	 iaid;
	char		 mac[NB_MACSTR_LEN];	/* "" if unknown */
	int		 declined;	/* the client said the address is in use elsewhere */
	int64_t		 expires, updated;	/* seconds since the epoch */
};
/* The bound lease of the IA (duid, iaid), expired or not; NB_NOTFOUND if none. */
int		 nb_lease6_get(struct nb_db *, const uint8_t *duid, size_t duidlen, uint32_t iaid,
		    struct nb_lease6 *);
/* 1 if addr is held at now by another IA or declined, 0 if free for (duid, iaid); <0 on error. */
int		 nb_lease6_taken(struct nb_db *, const char *addr, const uint8_t *duid,
		    size_t duidlen, uint32_t iaid, int64_t now);
/* Bind the lease's IA to its address (in one transaction, or the caller's),
 * replacing its old lease and any other holder of the address. */
int		 nb_lease6_bind(struct nb_db *, const struct nb_lease6 *);
/* Delete the IA's lease of addr; NB_NOTFOUND if it holds none. */
int		 nb_lease6_release(struct nb_db *, const uint8_t *duid, size_t duidlen,
		    uint32_t iaid, const char *addr);
/* Mark the IA's lease of addr declined until the given time; NB_NOTFOUND if it holds none. */
int		 nb_lease6_decline(struct nb_db *, const uint8_t *duid, size_t duidlen,
		    uint32_t iaid, const char *addr, int64_t until, int64_t now);
/* The bound, unexpired lease of addr (inet_ntop's form); NB_NOTFOUND if none. */
int		 nb_lease6_find(struct nb_db *, const char *addr, struct nb_lease6 *);
/* Call fn for every lease, by address, until it returns non-zero. */
int		 nb_lease6_list(struct nb_db *, int (*fn)(const struct nb_lease6 *, void *),
		    void *arg);
/* Delete the lease of addr; NB_NOTFOUND if none. */
int		 nb_lease6_rm(struct nb_db *, const char *addr);
/*
 * The admin plane's credentials and fleet actions (issue 13; netboot(7)
 * ADMIN PLANE). bootctl and bootweb call the same functions.
 * db_user.c: users and roles; auth.c: API tokens, browser sessions,
 * login throttling; wake.c: Wake-on-LAN.
 */
/* Roles, ordered: a role may do what every lower one may. */
enum nb_role { NB_ROLE_NONE, NB_ROLE_VIEWER, NB_ROLE_OPERATOR, NB_ROLE_ADMIN };

#define NB_PASSWORD_MIN	8	/* bytes of a password */
#define NB_PASSWORD_MAX	256
#define NB_PASSWORD_RANDOM_LEN 24	/* a made-up one: about 140 bits */

struct nb_user {
	char		*name;
	enum nb_role	 role;
	int64_t		 created;
	int64_t		 updated;	/* password or role changed; 0: never */
};

/* Who a credential stands for, and with which role. */
struct nb_auth {
	char		 user[65];
	enum nb_role	 role;
	int64_t		 token;		/* token or session row; 0: password */
};

/* The name of a role ("viewer", ...; "" for none). */
const char	*nb_role_name(enum nb_role);
/* Parse a role name; -1 if unknown. */
int		 nb_role_parse(const char *, enum nb_role *);
/* Free what u owns and zero it. */
void		 nb_user_clear(struct nb_user *u);
/* Hash a password with yescrypt (crypt(3)) into out; -1 on failure. */
int		 nb_password_hash(const char *pw, char *out, size_t outsz);
/* Whether pw matches the crypt(3) hash (constant-time compare). */
int		 nb_password_check(const char *pw, const char *hash);
/* A random password of NB_PASSWORD_RANDOM_LEN letters and digits. */
void		 nb_password_random(char out[NB_PASSWORD_RANDOM_LEN + 1]);
/* NULL if pw is acceptable as a password, else the reason. */
const char	*nb_password_rule(const char *pw);
/* Add a user with role and password (NB_EXISTS; NB_INVALID, why). */
int		 nb_user_add(struct nb_db *, const char *name,
		    enum nb_role role, const char *pw);
/* Load the user called name. */
int		 nb_user_get(struct nb_db *, const char *name,
		    struct nb_user *u);
/* Replace a user's password; the user's sessions end, tokens stay. */
int		 nb_user_passwd(struct nb_db *, const char *name,
		    const char *pw);
/* Change a user's role (NB_INUSE: it would leave no admin). */
int		 nb_user_set_role(struct nb_db *, const char *name,
		    enum nb_role);
/* Delete a user, tokens and sessions too (NB_INUSE: the last admin). */
int		 nb_user_rm(struct nb_db *, const char *name);
/* Call fn for each user in name order. */
int		 nb_user_list(struct nb_db *,
		    int (*fn)(const struct nb_user *, void *), void *arg);
/* The number of users; -1 on error. */
int		 nb_user_count(struct nb_db *);
/* With no user at all, add admin name with a random password (in pw). */
int		 nb_user_first_admin(struct nb_db *, const char *name,
		    char pw[NB_PASSWORD_RANDOM_LEN + 1]);
/* The user as a JSON object (never the hash). */
json_t		*nb_user_json(const struct nb_user *u);

/* API tokens (Authorization: Bearer) and browser sessions, stored hashed */
#define NB_APITOKEN_PREFIX	"nbt_"	/* API tokens */
#define NB_SESSION_PREFIX	"nbs_"	/* browser session ids */
#define NB_SECRET_BYTES		32	/* 256 random bits */
#define NB_APITOKEN_STRLEN	(4 + 2 * NB_SECRET_BYTES + 1)
#define NB_CSRF_STRLEN		(2 * 32 + 1)
#define NB_SESSION_IDLE		1800	/* s: default idle expiry */
#define NB_SESSION_MAX		43200	/* s: default absolute expiry */
#define NB_LASTUSED_STEP	60	/* s: a token's last_used resolution */

struct nb_apitoken {
	int64_t		 id;
	char		*user;
	char		*label;
	enum nb_role	 role;		/* NB_ROLE_NONE: the user's */
	int		 session;	/* a browser session */
	int64_t		 created;
	int64_t		 expires;	/* 0: never */
	int64_t		 last_used;	/* 0: never */
};

/* Free what t owns and zero it. */
void		 nb_apitoken_clear(struct nb_apitoken *t);
/* Compare n bytes in time independent of their contents; 1 if equal. */
int		 nb_ct_equal(const void *a, const void *b, size_t n);
/*
 * Make an API token for user with role (NONE: the user's, whatever it is
 * when used; never above it), expiring at expires (0: never). The token
 * is in out, to be shown once; *id is its row.
 */
int		 nb_token_create(struct nb_db *, const char *user,
		    enum nb_role role, const char *label, int64_t expires,
		    char out[NB_APITOKEN_STRLEN], int64_t *id);
/* Call fn for each API token (of user if given; sessions too if asked). */
int		 nb_token_list(struct nb_db *, const char *user, int sessions,
		    int (*fn)(const struct nb_apitoken *, void *), void *arg);
/* Delete the token or session with that id. */
int		 nb_token_revoke(struct nb_db *, int64_t id);
/*
 * Who a presented bearer token stands for at now, marking it used: NB_OK
 * with out, or NB_NOTFOUND alike for unknown, wrong and expired ones.
 */
int		 nb_token_auth(struct nb_db *, const char *tok, int64_t now,
		    struct nb_auth *out);
/* The token as a JSON object (never its hash). */
json_t		*nb_apitoken_json(const struct nb_apitoken *t);
/*
 * Start a browser session for user at now, ending after idle seconds
 * unused or max seconds in all; its id (a cookie value) in out.
 */
int		 nb_session_create(struct nb_db *, const char *user,
		    int64_t idle, int64_t max, int64_t now,
		    char out[NB_APITOKEN_STRLEN]);
/* Who a session id stands for at now, marking it used; or NB_NOTFOUND. */
int		 nb_session_auth(struct nb_db *, const char *sid, int64_t now,
		    struct nb_auth *out);
/* End the session with that id (logout); NB_NOTFOUND if none. */
int		 nb_session_revoke(struct nb_db *, const char *sid);
/* A session's absolute end (*expires) and idle expiry in seconds. */
int		 nb_session_expiry(struct nb_db *, const char *sid,
		    int64_t *expires, int64_t *idle);
/* The CSRF token of a session: HMAC-SHA256 of its id, server key. */
int		 nb_session_csrf(struct nb_db *, const char *sid,
		    char out[NB_CSRF_STRLEN]);
/* 1 if csrf is the session's CSRF token (constant-time), else 0. */
int		 nb_session_csrf_check(struct nb_db *, const char *sid,
		    const char *csrf);

/*
 * Failed-login throttling, per address and per user name. After
 * NB_LOGIN_FREE failures in a row the next try waits 2^(n - FREE) s, at
 * most NB_LOGIN_DELAY_MAX; a success resets, and a count is forgotten
 * NB_LOGIN_FORGET s after its last failure.
 */
#define NB_LOGIN_FREE		5
#define NB_LOGIN_DELAY_MAX	300
#define NB_LOGIN_FORGET		86400
/* Seconds to wait after failures failed tries in a row (pure). */
int64_t		 nb_login_delay(int64_t failures);
/* Seconds still to wait at now after failures, the last at last (pure). */
int64_t		 nb_login_wait(int64_t failures, int64_t last, int64_t now);
/* Seconds addr or user must still wait at now (the larger); -1: error. */
int64_t		 nb_login_throttled(struct nb_db *, const char *addr,
		    const char *user, int64_t now);
/* Count a failure of addr and user at now. */
int		 nb_login_failed(struct nb_db *, const char *addr,
		    const char *user, int64_t now);
/* Forget the failures of addr and user (a success). */
int		 nb_login_reset(struct nb_db *, const char *addr,
		    const char *user);
/*
 * A password login from addr, recorded as daemon's events: NB_OK with
 * out; NB_NOTFOUND alike for an unknown user and a wrong password
 * (counted, and a login.fail event); NB_BUSY with *retry > 0 while
 * throttled (the password is not even checked). It costs one yescrypt
 * call (about 20 ms of CPU and 16 MiB): keep it off an event loop.
 */
int		 nb_login(struct nb_db *, const char *daemon, const char *addr,
		    const char *user, const char *pw, int64_t now,
		    struct nb_auth *out, int64_t *retry);

/* Wake-on-LAN (wake.c) */
#define NB_WAKE_PORT	9	/* UDP discard: what most tools send to */
#define NB_WAKE_LEN	102	/* 6 x 0xff, then the MAC 16 times */
#define NB_WAKE_MAXLEN	(NB_WAKE_LEN + 6)	/* with SecureOn */
#define NB_WAKE_VAR	"wake_broadcast"	/* a client's own override */
#define NB_WAKE_ADDRLEN	16	/* INET_ADDRSTRLEN */

/* mac's magic packet, SecureOn password appended if not NULL; its size. */
size_t		 nb_wake_packet(const uint8_t mac[NB_MAC_LEN],
		    const uint8_t *secureon, uint8_t out[NB_WAKE_MAXLEN]);
/*
 * Where mac's packet goes (an IPv4 address) and why: "client" (its var),
 * "setting", "interface" (of its last address) or "default".
 */
int		 nb_wake_target(struct nb_db *, const char *mac,
		    char addr[NB_WAKE_ADDRLEN], const char **why);
/* Send a magic packet to addr port NB_WAKE_PORT; -1 with errno. */
int		 nb_wake_send(const char *addr, const uint8_t *pkt,
		    size_t len);
/*
 * Wake a client in one transaction: set its next boot unless
 * NB_NEXT_NONE, send its packet (secureon may be NULL), record daemon's
 * wake event; the address used in sent. If sending fails (NB_ERR with
 * the reason) nothing is changed.
 */
int		 nb_wake(struct nb_db *, const char *daemon, const char *mac,
		    enum nb_next_boot next, const uint8_t *secureon,
		    char sent[NB_WAKE_ADDRLEN]);
/* nb_wake inside the caller's transaction (a bulk action's). */
int		 nb_wake_locked(struct nb_db *, const char *daemon,
		    const char *mac, enum nb_next_boot next,
		    const uint8_t *secureon, char sent[NB_WAKE_ADDRLEN]);

#endif
