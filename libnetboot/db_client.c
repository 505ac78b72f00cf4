/*
 * db_client.c: the clients table: what bootctl and the admin API read and
 * write, what the daemons record of a client they see (one by one or in a
 * write queue's batch), and the columns that decide pxedhcpd's answer.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

#define CLIENT_COLS \
	"mac, name, hostname, ip, last_ip, arch, vendor_class, user_class, uuid, " \
	"first_seen, last_seen, state, allowed, suspended, image, template, next_boot, " \
	"vars, inventory, created, updated"

static const char *const next_boot_names[] = {
	[NB_NEXT_NONE] = "", [NB_NEXT_INSTALL] = "install", [NB_NEXT_LOCAL] = "local",
	[NB_NEXT_MENU] = "menu", [NB_NEXT_SHELL] = "shell",
};

const char *
nb_next_boot_name(enum nb_next_boot nb)
{
	return next_boot_names[nb];
}

int
nb_next_boot_parse(const char *s, enum nb_next_boot *out)
{
	size_t	 i;

	for (i = 1; i < sizeof(next_boot_names) / sizeof(next_boot_names[0]); i++) {
		if (strcmp(s, next_boot_names[i]) == 0) {
			*out = (enum nb_next_boot)i;
			return 0;
		}
	}
	return -1;
}

void
nb_client_init(struct nb_client *c)
{
	memset(c, 0, sizeof(*c));
	c->arch = -1;
	c->known = 1;
	c->allowed = 1;
	c->vars = json_object();
	c->inventory = json_object();
}

void
nb_client_clear(struct nb_client *c)
{
	free(c->name);
	free(c->hostname);
	free(c->ip);
	free(c->last_ip);
	free(c->vendor_class);
	free(c->user_class);
	free(c->uuid);
	free(c->image);
	free(c->tmpl);
	json_decref(c->vars);
	json_decref(c->inventory);
	/* Like nb_client_init but allocating nothing: clear is also the free. */
	memset(c, 0, sizeof(*c));
	c->arch = -1;
	c->known = 1;
	c->allowed = 1;
}

static void
client_from_row(struct db_st *st, struct nb_client *c)
{
	const char	*s;

	nb_client_clear(c);
	strlcpy(c->mac, (const char *)dbs_column_text(st, 0), sizeof(c->mac));
	c->name = db_col_str(st, 1);
	c->hostname = db_col_str(st, 2);
	c->ip = db_col_str(st, 3);
	c->last_ip = db_col_str(st, 4);
	c->arch = dbs_column_type(st, 5) == SQLITE_NULL ? -1 : dbs_column_int(st, 5);
	c->vendor_class = db_col_str(st, 6);
	c->user_class = db_col_str(st, 7);
	c->uuid = db_col_str(st, 8);
	c->first_seen = dbs_column_int64(st, 9);
	c->last_seen = dbs_column_int64(st, 10);
	c->known = strcmp((const char *)dbs_column_text(st, 11), "known") == 0;
	c->allowed = dbs_column_int(st, 12);
	c->suspended = dbs_column_int(st, 13);
	c->image = db_col_str(st, 14);
	c->tmpl = db_col_str(st, 15);
	s = (const char *)dbs_column_text(st, 16);
	if (s == NULL || nb_next_boot_parse(s, &c->next_boot) == -1)
		c->next_boot = NB_NEXT_NONE;
	c->vars = db_col_json(st, 17, 0);
	c->inventory = db_col_json(st, 18, 0);
	c->created = dbs_column_int64(st, 19);
	c->updated = dbs_column_int64(st, 20);
}

static int
client_get_by(struct nb_db *db, const char *sql, const char *key, struct nb_client *c)
{
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	if ((rc = db_step_row(db, st, "no client %s", key)) == NB_OK)
		client_from_row(st, c);
	dbs_reset(st);
	return rc;
}

int
nb_client_get(struct nb_db *db, const char *mac, struct nb_client *c)
{
	static const char sql[] = "SELECT " CLIENT_COLS " FROM clients WHERE mac = ?1";

	return client_get_by(db, sql, mac, c);
}

/* Name the missing image or template rather than a bare foreign key error. */
static int
client_check_refs(struct nb_db *db, const struct nb_client *c)
{
	struct nb_image		 img;
	struct nb_template	 t;
	int			 rc;

	if (c->image != NULL) {
		nb_image_init(&img);
		rc = nb_image_get(db, c->image, &img);
		nb_image_clear(&img);
		if (rc != NB_OK)
			return rc;
	}
	if (c->tmpl != NULL) {
		memset(&t, 0, sizeof(t));
		rc = nb_template_get(db, c->tmpl, &t);
		nb_template_clear(&t);
		if (rc != NB_OK)
			return rc;
	}
	if (c->next_boot == NB_NEXT_INSTALL && c->image == NULL)
		return db_fail(db, NB_INVALID, "client %s has no image to install", c->mac);
	if (c->hostname != NULL &&
	    (strlen(c->hostname) > 253 || strspn(c->hostname,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(c->hostname)))
		return db_fail(db, NB_INVALID, "bad hostname '%s'", c->hostname);
	if (c->name != NULL && !nb_name_valid(c->name))
		return db_fail(db, NB_INVALID, "bad client name '%s' (letters, digits, . _ -)", c->name);
	if (c->ip != NULL && !nb_ip_valid(c->ip))
		return db_fail(db, NB_INVALID, "bad IPv4 address '%s'", c->ip);
	return NB_OK;
}

static void
client_bind(struct db_st *st, const struct nb_client *c)
{
	db_bind_text(st, 1, c->mac);
	db_bind_text(st, 2, c->name);
	db_bind_text(st, 3, c->hostname);
	db_bind_text(st, 4, c->ip);
	db_bind_text(st, 5, c->last_ip);
	if (c->arch >= 0)
		dbs_bind_int(st, 6, c->arch);
	db_bind_text(st, 7, c->vendor_class);
	db_bind_text(st, 8, c->user_class);
	db_bind_text(st, 9, c->uuid);
	if (c->first_seen)
		dbs_bind_int64(st, 10, c->first_seen);
	if (c->last_seen)
		dbs_bind_int64(st, 11, c->last_seen);
	db_bind_text(st, 12, c->known ? "known" : "discovered");
	dbs_bind_int(st, 13, c->allowed ? 1 : 0);
	dbs_bind_int(st, 14, c->suspended ? 1 : 0);
	db_bind_text(st, 15, c->image);
	db_bind_text(st, 16, c->tmpl);
	if (c->next_boot != NB_NEXT_NONE)
		db_bind_text(st, 17, nb_next_boot_name(c->next_boot));
	if (c->vars != NULL)
		db_bind_json(st, 18, c->vars);
	else
		db_bind_text(st, 18, "{}");
	if (c->inventory != NULL)
		db_bind_json(st, 19, c->inventory);
	else
		db_bind_text(st, 19, "{}");
	dbs_bind_int64(st, 20, nb_now());
}

static int
client_write(struct nb_db *db, const char *sql, const struct nb_client *c)
{
	struct db_st	*st;
	int		 rc;

	if ((rc = client_check_refs(db, c)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	client_bind(st, c);
	if ((rc = db_exec_stmt(db, st)) == NB_EXISTS) {
		if (strstr(db->err, "clients.mac") != NULL)
			return db_fail(db, NB_EXISTS, "client %s exists already", c->mac);
		if (strstr(db->err, "clients.name") != NULL)
			return db_fail(db, NB_EXISTS, "another client is named '%s'", c->name);
		if (strstr(db->err, "clients.ip") != NULL)
			return db_fail(db, NB_EXISTS, "another client has the address %s", c->ip);
	}
	return rc;
}

int
nb_client_add(struct nb_db *db, const struct nb_client *c)
{
	static const char sql[] = "INSERT INTO clients (" CLIENT_COLS ") VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	    "?18, ?19, ?20, ?20)";

	return client_write(db, sql, c);
}

int
nb_client_update(struct nb_db *db, const struct nb_client *c)
{
	static const char sql[] = "UPDATE clients SET name = ?2, hostname = ?3, ip = ?4, "
	    "last_ip = ?5, arch = ?6, vendor_class = ?7, user_class = ?8, uuid = ?9, "
	    "first_seen = ?10, last_seen = ?11, state = ?12, allowed = ?13, suspended = ?14, "
	    "image = ?15, template = ?16, next_boot = ?17, vars = ?18, inventory = ?19, "
	    "updated = ?20 WHERE mac = ?1";
	int	 rc;

	if ((rc = client_write(db, sql, c)) != NB_OK)
		return rc;
	if (db_changes(db) == 0)
		return db_fail(db, NB_NOTFOUND, "no client %s", c->mac);
	return NB_OK;
}

int
nb_client_rm(struct nb_db *db, const char *mac)
{
	static const char sql[] = "DELETE FROM clients WHERE mac = ?1";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	return db_exec_row(db, st, "no client %s", mac);
}

/* Walk the clients a statement of CLIENT_COLS selects, in its order. */
static int
client_walk(struct nb_db *db, const char *sql,
    int (*fn)(const struct nb_client *, void *), void *arg)
{
	struct nb_client	 c;
	struct db_st		*st;
	int			 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	nb_client_init(&c);
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		client_from_row(st, &c);
		stop = fn(&c, arg);
	}
	nb_client_clear(&c);
	dbs_reset(st);
	if (!stop && rc != SQLITE_DONE)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

int
nb_client_list(struct nb_db *db, int (*fn)(const struct nb_client *, void *), void *arg)
{
	return client_walk(db, "SELECT " CLIENT_COLS " FROM clients "
	    "ORDER BY mac", fn, arg);
}

/*
 * The orders a client list takes (the API's ?sort=), each walked along
 * an index of its own (migration 8 -> 9), ties broken by MAC in the same
 * direction, so that a page of 10,000 clients reads only the rows up to
 * it: no sort of the whole table. NULL sorts first ascending.
 */
#define CLIENT_BY(o)	"SELECT " CLIENT_COLS " FROM clients ORDER BY " o
/* PostgreSQL sorts NULL last ascending: said for a nullable column c */
#define CLIENT_BY_NULL(c) \
	DB_SQL(CLIENT_BY(c ", mac"), CLIENT_BY(c " NULLS FIRST, mac")), \
	DB_SQL(CLIENT_BY(c " DESC, mac DESC"), \
	    CLIENT_BY(c " DESC NULLS LAST, mac DESC"))
static const struct {
	const char	*name;
	const char	*asc, *desc;
} client_orders[] = {
	[NB_ORDER_MAC] = { "mac", CLIENT_BY("mac"), CLIENT_BY("mac DESC") },
	[NB_ORDER_NAME] = { "name", CLIENT_BY_NULL("name") },
	[NB_ORDER_IMAGE] = { "image", CLIENT_BY_NULL("image") },
	[NB_ORDER_STATE] = { "state", CLIENT_BY("state, allowed, mac"),
	    CLIENT_BY("state DESC, allowed DESC, mac DESC") },
	[NB_ORDER_LAST_SEEN] = { "last_seen", CLIENT_BY_NULL("last_seen") },
};

int
nb_client_order_parse(const char *s, enum nb_client_order *o, int *desc)
{
	size_t	 i;

	*desc = s[0] == '-';
	s += *desc;
	for (i = 0; i < nitems(client_orders); i++)
		if (strcmp(s, client_orders[i].name) == 0) {
			*o = (enum nb_client_order)i;
			return 0;
		}
	return -1;
}

const char *
nb_client_order_names(void)
{
	return "mac, name, image, state, last_seen";
}

int
nb_client_list_by(struct nb_db *db, enum nb_client_order o, int desc,
    int (*fn)(const struct nb_client *, void *), void *arg)
{
	if ((size_t)o >= nitems(client_orders))
		return db_fail(db, NB_INVALID, "no such client order");
	return client_walk(db, desc ? client_orders[o].desc :
	    client_orders[o].asc, fn, arg);
}

int
nb_client_seen(struct nb_db *db, const char *mac, int arch, const char *vendor_class,
    const char *user_class, const char *uuid, const char *ip)
{
	static const char sql[] = "INSERT INTO clients (mac, arch, vendor_class, user_class, "
	    "uuid, last_ip, first_seen, last_seen, state, created, updated) VALUES "
	    "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7, 'discovered', ?7, ?7) "
	    "ON CONFLICT (mac) DO UPDATE SET arch = coalesce(?2, clients.arch), "
	    "vendor_class = coalesce(?3, clients.vendor_class), "
	    "user_class = coalesce(?4, clients.user_class), "
	    "uuid = coalesce(?5, clients.uuid), "
	    "last_ip = coalesce(?6, clients.last_ip), "
	    "first_seen = coalesce(clients.first_seen, ?7), last_seen = ?7";
	struct db_st	*st;
	char		 buf[NB_CLIENT_TEXT_MAX + 1];

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	if (arch >= 0)
		dbs_bind_int(st, 2, arch);
	/* Client-supplied: cleaned as they enter (bound as copies). */
	db_bind_text(st, 3, nb_client_text(vendor_class, buf));
	db_bind_text(st, 4, nb_client_text(user_class, buf));
	db_bind_text(st, 5, nb_client_text(uuid, buf));
	db_bind_text(st, 6, ip);
	dbs_bind_int64(st, 7, nb_now());
	return db_exec_stmt(db, st);
}

int
nb_client_set_inventory(struct nb_db *db, const char *mac, json_t *inventory, const char *ip)
{
	static const char sql[] = "UPDATE clients SET inventory = ?2, "
	    "last_ip = coalesce(?3, last_ip), last_seen = ?4 WHERE mac = ?1";
	struct db_st	*st;
	json_t		*clean;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	clean = nb_client_inventory_clean(inventory);
	db_bind_json(st, 2, clean);
	json_decref(clean);
	db_bind_text(st, 3, ip);
	dbs_bind_int64(st, 4, nb_now());
	return db_exec_row(db, st, "no client %s", mac);
}

int64_t
nb_client_last_rowid(struct nb_db *db)
{
	static const char sql[] = "SELECT coalesce(max(rowid), 0) FROM clients";
	struct db_st	*st;
	int64_t		 id = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return 0;
	if (dbs_step(st) == SQLITE_ROW)
		id = dbs_column_int64(st, 0);
	dbs_reset(st);
	return id;
}

int
nb_client_discovered(struct nb_db *db, int64_t after, int64_t *n)
{
	/* A range of the rowid b-tree: the rows a transaction added, or all. */
	static const char sql[] = "SELECT count(*) FROM clients "
	    "WHERE rowid > ?1 AND state = 'discovered'";
	struct db_st	*st;
	int		 rc;

	*n = 0;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, after);
	if ((rc = dbs_step(st)) == SQLITE_ROW)
		*n = dbs_column_int64(st, 0);
	dbs_reset(st);
	if (rc != SQLITE_ROW)
		return db_sqlerr(db, db_errcode(db));
	return NB_OK;
}

int
nb_client_evict(struct nb_db *db, int64_t n, int64_t *gone)
{
	/*
	 * clients.max_discovered (netboot(7)): the earliest discovered, in
	 * rowid order (a walk from the start of the table, no sort), and
	 * never one an operator or the client itself gave anything to keep:
	 * a name, a denial, a static address, an image, an action.
	 */
	static const char sql[] = "DELETE FROM clients WHERE rowid IN "
	    "(SELECT rowid FROM clients WHERE state = 'discovered' "
	    "AND allowed = 1 AND suspended = 0 AND name IS NULL "
	    "AND hostname IS NULL AND ip IS NULL AND image IS NULL "
	    "AND template IS NULL AND next_boot IS NULL AND vars = '{}' "
	    "AND mac NOT IN (SELECT mac FROM files WHERE mac IS NOT NULL) "
	    "ORDER BY rowid LIMIT ?1)";
	struct db_st	*st;
	int		 rc;

	*gone = 0;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, n);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	*gone = db_changes(db);
	return NB_OK;
}

json_t *
nb_client_json(const struct nb_client *c)
{
	json_t	*o = json_object();

	json_set_str(o, "mac", c->mac);
	json_set_str(o, "name", c->name);
	json_set_str(o, "hostname", c->hostname);
	json_set_str(o, "ip", c->ip);
	json_set_str(o, "last_ip", c->last_ip);
	json_object_set_new(o, "arch", c->arch >= 0 ? json_integer(c->arch) : json_null());
	json_set_str(o, "vendor_class", c->vendor_class);
	json_set_str(o, "user_class", c->user_class);
	json_set_str(o, "uuid", c->uuid);
	json_object_set_new(o, "first_seen", c->first_seen ? json_integer(c->first_seen) : json_null());
	json_object_set_new(o, "last_seen", c->last_seen ? json_integer(c->last_seen) : json_null());
	json_set_str(o, "state", c->known ? "known" : "discovered");
	json_object_set_new(o, "allowed", json_boolean(c->allowed));
	json_object_set_new(o, "suspended", json_boolean(c->suspended));
	json_set_str(o, "image", c->image);
	json_set_str(o, "template", c->tmpl);
	json_set_str(o, "next_boot", c->next_boot ? nb_next_boot_name(c->next_boot) : NULL);
	json_object_set_new(o, "vars", c->vars ? json_incref(c->vars) : json_object());
	json_object_set_new(o, "inventory", c->inventory ? json_incref(c->inventory) :
	    json_object());
	json_object_set_new(o, "created", json_integer(c->created));
	json_object_set_new(o, "updated", json_integer(c->updated));
	return o;
}

/* Load the client called name (names are unique); NB_NOTFOUND if none. */
int
nb_client_find_name(struct nb_db *db, const char *name, struct nb_client *c)
{
	static const char sql[] = "SELECT " CLIENT_COLS " FROM clients "
	    "WHERE name = ?1";

	return client_get_by(db, sql, name, c);
}

/*
 * The length of the valid UTF-8 character at s (n bytes left) and its
 * code point in *cp, or 0 if the bytes there are not one: overlong
 * forms, surrogates and code points above U+10FFFF are not (RFC 3629).
 */
static size_t
utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
{
	static const uint32_t	 min[] = { 0, 0, 0x80, 0x800, 0x10000 };
	size_t			 len, i;
	uint32_t		 c;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		len = 2;
		c = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		len = 3;
		c = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		len = 4;
		c = s[0] & 0x07;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (s[i] & 0x3f);
	}
	if (c < min[len] || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

/* Control characters: C0, DEL, C1, and the line and paragraph separators. */
static int
utf8_control(uint32_t c)
{
	return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 ||
	    c == 0x2029;
}

const char *
nb_client_text(const char *s, char out[NB_CLIENT_TEXT_MAX + 1])
{
	const unsigned char	*p = (const unsigned char *)s;
	size_t			 n, i, len, o = 0;
	uint32_t		 c;
	int			 clean, full = 0;

	if (s == NULL)
		return NULL;
	/* Printable ASCII, what firmware sends, needs no decoding. */
	for (n = 0; p[n] >= 0x20 && p[n] < 0x7f; n++)
		;
	if (p[n] == '\0' && n <= NB_CLIENT_TEXT_MAX)
		return s;
	n += strlen(s + n);
	clean = n <= NB_CLIENT_TEXT_MAX;
	for (i = 0; i < n; i += len) {
		if ((len = utf8_char(p + i, n - i, &c)) == 0) {
			len = 1;	/* an invalid byte goes alone */
			clean = 0;
		} else if (utf8_control(c))
			clean = 0;
		else if (!full && o + len <= NB_CLIENT_TEXT_MAX) {
			memcpy(out + o, p + i, len);
			o += len;
		} else
			full = 1;	/* cut here, not a character later */
	}
	if (clean)
		return s;
	out[o] = '\0';
	return out;
}

json_t *
nb_client_inventory_clean(json_t *inv)
{
	json_t		*o = json_object(), *v;
	const char	*key;
	char		 kbuf[NB_CLIENT_TEXT_MAX + 1];
	char		 vbuf[NB_CLIENT_TEXT_MAX + 1];
	const char	*k;

	if (!json_is_object(inv))
		return o;
	json_object_foreach(inv, key, v) {
		if (json_object_size(o) >= NB_INVENTORY_MAX)
			break;
		k = nb_client_text(key, kbuf);
		if (*k == '\0' || strlen(k) > NB_INVENTORY_KEY_MAX)
			continue;
		if (json_is_string(v))
			json_object_set_new(o, k, json_string(nb_client_text(
			    json_string_value(v), vbuf)));
		else if (json_is_number(v) || json_is_boolean(v) ||
		    json_is_null(v))
			json_object_set(o, k, v);
	}
	return o;
}

int
nb_client_next_boot_done(struct nb_db *db, const char *mac,
    enum nb_next_boot was)
{
	/* Compare and clear: an action set again meanwhile by bootctl stays. */
	static const char sql[] = DB_SQL("UPDATE clients SET next_boot = NULL, "
	    "updated = ?3 WHERE mac = ?1 AND next_boot IS NOT NULL AND "
	    "(?2 IS NULL OR next_boot = ?2)",
	    "UPDATE clients SET next_boot = NULL, "
	    "updated = ?3 WHERE mac = ?1 AND next_boot IS NOT NULL AND "
	    "(CAST(?2 AS TEXT) IS NULL OR next_boot = ?2)");
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	if (was != NB_NEXT_NONE)
		db_bind_text(st, 2, nb_next_boot_name(was));
	dbs_bind_int64(st, 3, nb_now());
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (db_changes(db) == 0)
		return db_fail(db, NB_NOTFOUND,
		    "client %s has no such next-boot action", mac);
	return NB_OK;
}

int
nb_client_set_suspended(struct nb_db *db, const char *mac, int suspended)
{
	static const char sql[] = "UPDATE clients SET suspended = ?2, "
	    "updated = ?3 WHERE mac = ?1";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	dbs_bind_int(st, 2, suspended ? 1 : 0);
	dbs_bind_int64(st, 3, nb_now());
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (db_changes(db) == 0)
		return db_fail(db, NB_NOTFOUND, "no client %s", mac);
	return NB_OK;
}

/* Client-supplied text, cleaned as it enters; copied only if it changed. */
static void
seen_bind_text(struct db_st *st, int idx, const char *s)
{
	char		 buf[NB_CLIENT_TEXT_MAX + 1];
	const char	*c = nb_client_text(s, buf);

	if (c == buf)
		dbs_bind_text(st, idx, c, -1, SQLITE_TRANSIENT);
	else
		db_bind_static(st, idx, c);
}

#define SEEN_COLS	7	/* parameters per client row */

/*
 * The SQL texts of nb_client_seen_many, one per batch size, built once.
 * db_stmt() caches statements by the address of their text, so each size
 * keeps its own prepared statement.
 */
static char	 seen_sql[DB_BATCH_SIZES][32 * 96 + 512];

/* Append the rows of a multi-row nb_client_seen(): 7 parameters each. */
static void
seen_values(char *sql, size_t sqlsz, size_t rows)
{
	size_t	 r, len;
	int	 p;

	for (r = 0, p = 1; r < rows; r++, p += SEEN_COLS) {
		len = strlen(sql);
		snprintf(sql + len, sqlsz - len, "%s(?%d, ?%d, ?%d, ?%d, ?%d, "
		    "?%d, ?%d, ?%d, 'discovered', ?%d, ?%d)",
		    r == 0 ? "" : ", ", p, p + 1, p + 2, p + 3, p + 4,
		    p + 5, p + 6, p + 6, p + 6, p + 6);
	}
}

static void
seen_sql_init(void)
{
	size_t	 i;

	if (seen_sql[0][0] != '\0')
		return;
	for (i = 0; i < DB_BATCH_SIZES; i++) {
		/* nb_client_seen(), many rows: the same columns and rules. */
		strlcpy(seen_sql[i], "INSERT INTO clients (mac, arch, "
		    "vendor_class, user_class, uuid, last_ip, first_seen, "
		    "last_seen, state, created, updated) VALUES ",
		    sizeof(seen_sql[i]));
		seen_values(seen_sql[i], sizeof(seen_sql[i]),
		    db_batch_rows[i]);
		strlcat(seen_sql[i], " ON CONFLICT (mac) DO UPDATE SET "
		    "arch = coalesce(excluded.arch, clients.arch), "
		    "vendor_class = coalesce(excluded.vendor_class, "
		    "clients.vendor_class), "
		    "user_class = coalesce(excluded.user_class, "
		    "clients.user_class), "
		    "uuid = coalesce(excluded.uuid, clients.uuid), "
		    "last_ip = coalesce(excluded.last_ip, clients.last_ip), "
		    "first_seen = coalesce(clients.first_seen, "
		    "excluded.first_seen), "
		    "last_seen = excluded.last_seen", sizeof(seen_sql[i]));
	}
}

/*
 * PostgreSQL refuses an INSERT whose ON CONFLICT DO UPDATE meets one row
 * twice, which SQLite does in order: there a statement takes only the
 * leading rows of distinct MACs (at most a full batch), and the upserts
 * still happen in the queue's order. The count of those rows.
 */
static size_t
seen_distinct(const struct nb_seen *s, size_t n)
{
	size_t	 i, j;

	if (n > db_batch_rows[0])
		n = db_batch_rows[0];
	for (i = 1; i < n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(s[i].mac, s[j].mac) == 0)
				return i;
	return n;
}

/*
 * A write queue's batch in multi-row INSERTs. A DISCOVER storm records one
 * client row per client: SQLite opens its cursors, reads the counters and
 * checks the schema once per statement instead of once per row (about
 * half the instructions of a row, tools/callgrind-pxedhcpd.sh).
 */
int
nb_client_seen_many(struct nb_db *db, const struct nb_seen *s, size_t n)
{
	struct db_st	*st;
	size_t		 i, k, rows;
	int		 p, rc;

	seen_sql_init();
	for (i = 0; i < n; i += rows) {
		k = db_batch_pick(db->pg != NULL ? seen_distinct(s, n - i) :
		    n - i);
		rows = db_batch_rows[k];
		if ((st = db_stmt(db, seen_sql[k])) == NULL)
			return NB_ERR;
		for (p = 1; p < (int)(rows * SEEN_COLS); p += SEEN_COLS, s++) {
			db_bind_static(st, p, s->mac);
			if (s->arch >= 0)
				dbs_bind_int(st, p + 1, s->arch);
			seen_bind_text(st, p + 2, s->vendor_class);
			seen_bind_text(st, p + 3, s->user_class);
			seen_bind_text(st, p + 4, s->uuid);
			db_bind_static(st, p + 5, s->ip);
			dbs_bind_int64(st, p + 6, s->when);
		}
		if ((rc = db_exec_stmt(db, st)) != NB_OK)
			return rc;
	}
	return NB_OK;
}

int
nb_client_policy_list(struct nb_db *db,
    int (*fn)(const struct nb_client_policy *, void *), void *arg)
{
	/*
	 * Every other client is answered like an unknown one: discovered,
	 * allowed, no next boot.
	 */
	static const char sql[] = "SELECT mac, state = 'known', allowed, "
	    "suspended, next_boot, ip, hostname FROM clients "
	    "WHERE state = 'known' OR allowed = 0 OR suspended = 1 "
	    "OR next_boot IS NOT NULL OR ip IS NOT NULL";
	struct nb_client_policy	 c;
	struct db_st		*st;
	const char		*s;
	int			 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	while ((rc = dbs_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		s = (const char *)dbs_column_text(st, 0);
		strlcpy(c.mac, s != NULL ? s : "", sizeof(c.mac));
		c.known = dbs_column_int(st, 1);
		c.allowed = dbs_column_int(st, 2);
		c.suspended = dbs_column_int(st, 3);
		s = (const char *)dbs_column_text(st, 4);
		if (s == NULL || nb_next_boot_parse(s, &c.next_boot) == -1)
			c.next_boot = NB_NEXT_NONE;
		c.ip = (const char *)dbs_column_text(st, 5);
		c.hostname = (const char *)dbs_column_text(st, 6);
		if (fn(&c, arg) != 0)
			break;
	}
	dbs_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	return NB_OK;
}
