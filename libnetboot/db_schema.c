/*
 * db_schema.c: the schema, as migrations. Migration i takes the database
 * from user_version i to i + 1; all pending ones run in one transaction.
 * Never edit a released migration: add a new one. netboot(7) documents
 * every table.
 */
#include "config.h"

#include "db_int.h"

#define NAME_RULE(c) \
	"length(" c ") BETWEEN 1 AND 64 AND " c " NOT GLOB '*[^A-Za-z0-9._-]*' AND substr(" c ", 1, 1) <> '.'"
#define HEX2 "[0-9a-f][0-9a-f]"
#define MAC_RULE(c) \
	c " GLOB '" HEX2 ":" HEX2 ":" HEX2 ":" HEX2 ":" HEX2 ":" HEX2 "'"
#define IP_RULE(c) \
	c " GLOB '[0-9]*.[0-9]*.[0-9]*.[0-9]*' AND " c " NOT GLOB '*[^0-9.]*'"

const char *const db_migrations[] = {
	/* 0 -> 1: the boot plane */
	"CREATE TABLE templates ("
	"  name TEXT PRIMARY KEY CHECK (" NAME_RULE("name") "),"
	"  kind TEXT NOT NULL CHECK (kind IN ('preseed', 'kickstart', 'autoinstall',"
	"    'cloud-init', 'autounattend', 'ipxe', 'raw')),"
	"  body TEXT NOT NULL,"
	"  updated INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE images ("
	"  name TEXT PRIMARY KEY CHECK (" NAME_RULE("name") "),"
	"  kind TEXT NOT NULL DEFAULT 'linux' CHECK (kind IN ('linux', 'windows', 'tool',"
	"    'chain', 'sanboot')),"
	"  distro TEXT, version TEXT, arch TEXT,"
	"  kernel TEXT CHECK (kernel IS NULL OR length(kernel) > 0),"
	"  initrds TEXT NOT NULL DEFAULT '[]'"
	"    CHECK (json_valid(initrds) AND json_type(initrds) = 'array'),"
	"  cmdline TEXT NOT NULL DEFAULT '',"
	"  iso_path TEXT CHECK (iso_path IS NULL OR substr(iso_path, 1, 1) = '/'),"
	"  iso_sha256 TEXT CHECK (iso_sha256 IS NULL OR"
	"    (length(iso_sha256) = 64 AND iso_sha256 NOT GLOB '*[^0-9a-f]*')),"
	"  iso_size INTEGER CHECK (iso_size IS NULL OR iso_size >= 0),"
	"  template TEXT REFERENCES templates(name) ON UPDATE CASCADE ON DELETE RESTRICT,"
	"  created INTEGER NOT NULL,"
	"  CHECK (kind <> 'linux' OR kernel IS NOT NULL)"
	") STRICT;"
	"CREATE TABLE clients ("
	"  mac TEXT PRIMARY KEY CHECK (" MAC_RULE("mac") "),"
	"  name TEXT UNIQUE CHECK (name IS NULL OR (" NAME_RULE("name") ")),"
	"  hostname TEXT CHECK (hostname IS NULL OR (length(hostname) BETWEEN 1 AND 253"
	"    AND hostname NOT GLOB '*[^A-Za-z0-9.-]*' AND substr(hostname, 1, 1) GLOB '[A-Za-z0-9]')),"
	"  ip TEXT UNIQUE CHECK (ip IS NULL OR (" IP_RULE("ip") ")),"
	"  last_ip TEXT CHECK (last_ip IS NULL OR (" IP_RULE("last_ip") ")),"
	"  arch INTEGER CHECK (arch IS NULL OR arch BETWEEN 0 AND 65535),"
	"  vendor_class TEXT, user_class TEXT, uuid TEXT,"
	"  first_seen INTEGER, last_seen INTEGER,"
	"  state TEXT NOT NULL DEFAULT 'known' CHECK (state IN ('discovered', 'known')),"
	"  allowed INTEGER NOT NULL DEFAULT 1 CHECK (allowed IN (0, 1)),"
	"  suspended INTEGER NOT NULL DEFAULT 0 CHECK (suspended IN (0, 1)),"
	"  image TEXT REFERENCES images(name) ON UPDATE CASCADE ON DELETE RESTRICT,"
	"  template TEXT REFERENCES templates(name) ON UPDATE CASCADE ON DELETE RESTRICT,"
	"  next_boot TEXT CHECK (next_boot IS NULL OR next_boot IN ('install', 'local', 'menu', 'shell')),"
	"  vars TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(vars) AND json_type(vars) = 'object'),"
	"  inventory TEXT NOT NULL DEFAULT '{}'"
	"    CHECK (json_valid(inventory) AND json_type(inventory) = 'object'),"
	"  created INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  CHECK (next_boot IS NOT 'install' OR image IS NOT NULL)"
	") STRICT;"
	"CREATE INDEX clients_last_ip ON clients(last_ip);"
	"CREATE TABLE files ("
	"  id INTEGER PRIMARY KEY,"
	"  path TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 255"
	"    AND substr(path, 1, 1) <> '/' AND instr(path, '\\') = 0 AND instr(path, '//') = 0"
	"    AND instr('/' || path || '/', '/../') = 0 AND instr('/' || path || '/', '/./') = 0),"
	"  mac TEXT REFERENCES clients(mac) ON UPDATE CASCADE ON DELETE CASCADE,"
	"  kind TEXT NOT NULL CHECK (kind IN ('content', 'template', 'local', 'url')),"
	"  content BLOB,"
	"  template TEXT REFERENCES templates(name) ON UPDATE CASCADE ON DELETE RESTRICT,"
	"  local TEXT,"
	"  url TEXT,"
	"  updated INTEGER NOT NULL,"
	"  CHECK ((kind = 'content') = (content IS NOT NULL)),"
	"  CHECK ((kind = 'template') = (template IS NOT NULL)),"
	"  CHECK ((kind = 'local') = (local IS NOT NULL AND substr(local, 1, 1) = '/')),"
	"  CHECK ((kind = 'url') = (url IS NOT NULL AND (url GLOB 'http://?*' OR url GLOB 'https://?*')))"
	") STRICT;"
	"CREATE UNIQUE INDEX files_path_mac ON files(path, ifnull(mac, ''));"
	"CREATE TABLE events ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts REAL NOT NULL,"
	"  mac TEXT CHECK (mac IS NULL OR (" MAC_RULE("mac") ")),"
	"  ip TEXT,"
	"  daemon TEXT NOT NULL CHECK (daemon IN ('pxedhcpd', 'tftpd', 'bootweb', 'bootctl')),"
	"  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),"
	"  detail TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"CREATE INDEX events_mac ON events(mac, id);"
	"CREATE TRIGGER events_append_only BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;"
	"CREATE TABLE settings ("
	"  key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 64"
	"    AND key GLOB '[a-z]*' AND key NOT GLOB '*[^a-z0-9._-]*'),"
	"  value TEXT NOT NULL"
	") STRICT;",

	/* 1 -> 2: the admin plane's credentials (hashes only) */
	"CREATE TABLE users ("
	"  name TEXT PRIMARY KEY CHECK (" NAME_RULE("name") "),"
	"  hash TEXT NOT NULL CHECK (substr(hash, 1, 1) = '$'),"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE tokens ("
	"  id INTEGER PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES users(name) ON UPDATE CASCADE ON DELETE CASCADE,"
	"  hash TEXT NOT NULL UNIQUE CHECK (length(hash) = 64 AND hash NOT GLOB '*[^0-9a-f]*'),"
	"  label TEXT,"
	"  created INTEGER NOT NULL,"
	"  expires INTEGER,"
	"  last_used INTEGER"
	") STRICT;",

	/*
	 * 2 -> 3: where each file of an imported ISO lies in the ISO file, so
	 * bootweb serves /iso/<image>/<path> by sendfile without unpacking.
	 */
	"CREATE TABLE iso_files ("
	"  image TEXT NOT NULL REFERENCES images(name) ON UPDATE CASCADE ON DELETE CASCADE,"
	"  path TEXT NOT NULL CHECK (length(path) BETWEEN 1 AND 1024"
	"    AND substr(path, 1, 1) <> '/' AND instr(path, '//') = 0"
	"    AND instr('/' || path || '/', '/../') = 0 AND instr('/' || path || '/', '/./') = 0),"
	"  start INTEGER NOT NULL CHECK (start >= 0),"
	"  size INTEGER NOT NULL CHECK (size >= 0),"
	"  PRIMARY KEY (image, path)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX iso_files_nocase ON iso_files(image, path COLLATE NOCASE);",

	/*
	 * 3 -> 4: the same events table, but the daemon check is written with
	 * OR: SQLite evaluates a CHECK with an IN list by building an
	 * ephemeral table on every INSERT, a third of the cost of an event.
	 * The table is rebuilt (SQLite cannot alter a CHECK); ids and the
	 * AUTOINCREMENT counter are kept, so event cursors stay valid.
	 */
	"CREATE TABLE events_new ("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  ts REAL NOT NULL,"
	"  mac TEXT CHECK (mac IS NULL OR (" MAC_RULE("mac") ")),"
	"  ip TEXT,"
	"  daemon TEXT NOT NULL CHECK (daemon = 'pxedhcpd' OR daemon = 'tftpd'"
	"    OR daemon = 'bootweb' OR daemon = 'bootctl'),"
	"  kind TEXT NOT NULL CHECK (length(kind) BETWEEN 1 AND 64),"
	"  detail TEXT NOT NULL DEFAULT ''"
	") STRICT;"
	"INSERT INTO events_new SELECT id, ts, mac, ip, daemon, kind, detail FROM events;"
	"INSERT INTO sqlite_sequence (name, seq) SELECT 'events_new', seq FROM sqlite_sequence"
	"  WHERE name = 'events' AND NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = 'events_new');"
	"UPDATE sqlite_sequence SET seq = max(seq, ifnull((SELECT seq FROM sqlite_sequence"
	"  WHERE name = 'events'), 0)) WHERE name = 'events_new';"
	"DROP TABLE events;"
	"ALTER TABLE events_new RENAME TO events;"
	"CREATE INDEX events_mac ON events(mac, id);"
	"CREATE TRIGGER events_append_only BEFORE UPDATE ON events"
	"  BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;",

	/*
	 * 4 -> 5: DHCPv6 address leases of pxedhcpd's stateful mode. One
	 * bound row per (DUID, IAID); a declined address keeps its row, out
	 * of the pool, until it expires. Addresses are in inet_ntop's form.
	 */
	"CREATE TABLE leases6 ("
	"  addr TEXT PRIMARY KEY CHECK (addr GLOB '*:*' AND addr NOT GLOB '*[^0-9a-f:]*'),"
	"  duid BLOB NOT NULL CHECK (length(duid) BETWEEN 2 AND 130),"
	"  iaid INTEGER NOT NULL CHECK (iaid BETWEEN 0 AND 4294967295),"
	"  mac TEXT CHECK (mac IS NULL OR (" MAC_RULE("mac") ")),"
	"  state TEXT NOT NULL DEFAULT 'bound' CHECK (state = 'bound' OR state = 'declined'),"
	"  expires INTEGER NOT NULL,"
	"  updated INTEGER NOT NULL"
	") STRICT;"
	"CREATE UNIQUE INDEX leases6_ia ON leases6(duid, iaid) WHERE state = 'bound';",

	/*
	 * 5 -> 6: the boot plane's capabilities (netboot(7) TRUST MODEL).
	 * secrets holds the key per-boot tokens are made with: 32 random
	 * bytes made here once (SQLite's randomness: ChaCha20 seeded from
	 * /dev/urandom), shared by every process on this database. boots
	 * holds each client's boot nonce, renewed by each /boot script.
	 * The template kinds gain autoyast: adding a value to the CHECK only
	 * relaxes it, so the stored CREATE text is edited in place (SQLite's
	 * "other kinds of table schema changes"); a rebuild would trip the
	 * ON DELETE RESTRICT references of images, clients and files.
	 * writable_schema = RESET reloads the schema on this connection.
	 */
	"CREATE TABLE secrets ("
	"  name TEXT PRIMARY KEY CHECK (name = 'token'),"
	"  value BLOB NOT NULL CHECK (length(value) = 32),"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"INSERT INTO secrets (name, value, created)"
	"  VALUES ('token', randomblob(32), CAST(strftime('%s', 'now') AS INTEGER));"
	"CREATE TABLE boots ("
	"  mac TEXT PRIMARY KEY REFERENCES clients(mac) ON UPDATE CASCADE ON DELETE CASCADE,"
	"  nonce BLOB NOT NULL CHECK (length(nonce) = 16),"
	"  started INTEGER NOT NULL"
	") STRICT;"
	"PRAGMA writable_schema = ON;"
	"UPDATE sqlite_schema SET sql = replace(sql, '''ipxe'', ''raw''))',"
	"  '''ipxe'', ''raw'', ''autoyast''))') WHERE type = 'table' AND name = 'templates';"
	"PRAGMA writable_schema = RESET;",

	/*
	 * 6 -> 7: the admin plane (netboot(7) ADMIN PLANE). Users gain a
	 * role; rows made by hand before any tool made them become viewers,
	 * the least privilege. API tokens and browser sessions share the
	 * tokens table and its lookup by hash: kind tells them apart, role
	 * narrows a token below its user's (NULL: the user's), idle is a
	 * session's idle expiry in seconds. login_failures holds the counts
	 * that failed-login throttling reads, per address and per user.
	 * ADD COLUMN keeps every row and every reference to these tables.
	 */
	"ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'viewer'"
	"  CHECK (role = 'viewer' OR role = 'operator' OR role = 'admin');"
	"ALTER TABLE users ADD COLUMN updated INTEGER;"
	"ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'api'"
	"  CHECK (kind = 'api' OR kind = 'session');"
	"ALTER TABLE tokens ADD COLUMN role TEXT CHECK (role IS NULL"
	"  OR role = 'viewer' OR role = 'operator' OR role = 'admin');"
	"ALTER TABLE tokens ADD COLUMN idle INTEGER"
	"  CHECK (idle IS NULL OR idle > 0);"
	"CREATE INDEX tokens_user ON tokens(user);"
	"CREATE TABLE login_failures ("
	"  scope TEXT NOT NULL CHECK (scope = 'addr' OR scope = 'user'),"
	"  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 256),"
	"  failures INTEGER NOT NULL CHECK (failures >= 0),"
	"  last INTEGER NOT NULL,"
	"  PRIMARY KEY (scope, key)"
	") STRICT, WITHOUT ROWID;",

	/*
	 * 7 -> 8: client labels (netboot(7) LABELS): key=value pairs that
	 * selectors (rack=3,role=worker) pick clients by, for lists and bulk
	 * actions. The rules of label.h are repeated here so that no tool
	 * stores what a selector cannot name; the per-client count is
	 * checked by nb_label_set. (key, value) is indexed for selectors.
	 */
	"CREATE TABLE client_labels ("
	"  mac TEXT NOT NULL REFERENCES clients(mac)"
	"    ON UPDATE CASCADE ON DELETE CASCADE,"
	"  key TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 63"
	"    AND key NOT GLOB '*[^A-Za-z0-9._/-]*'"
	"    AND key GLOB '[A-Za-z0-9]*' AND key GLOB '*[A-Za-z0-9]'),"
	"  value TEXT NOT NULL CHECK (length(value) <= 63"
	"    AND value NOT GLOB '*[^A-Za-z0-9._-]*'),"
	"  PRIMARY KEY (mac, key)"
	") STRICT, WITHOUT ROWID;"
	"CREATE INDEX client_labels_kv ON client_labels(key, value);",

	/*
	 * 8 -> 9: the orders of the admin API's client list (?sort=,
	 * nb_client_list_by): one index per order, MAC last, so that a page
	 * of 10,000 clients walks an index instead of sorting the table.
	 * The MAC order is the primary key's; a name order needs the MAC
	 * too, since names may be NULL.
	 */
	"CREATE INDEX clients_by_name ON clients(name, mac);"
	"CREATE INDEX clients_by_image ON clients(image, mac);"
	"CREATE INDEX clients_by_state ON clients(state, allowed, mac);"
	"CREATE INDEX clients_by_last_seen ON clients(last_seen, mac);",

	/*
	 * 9 -> 10: webhooks and inventory history (netboot(7) WEBHOOKS,
	 * INVENTORY). A webhook's cursor is the id of the last event it was
	 * sent or gave up (its queue is the events after it, nothing held
	 * in memory); its counters are what bootweb's sender did. An
	 * inventory is one report of a boot (iPXE's variables) or of the
	 * self-API (an installer's disks and NICs); bootweb keeps the last
	 * inventory.keep of each client.
	 */
	"CREATE TABLE webhooks ("
	"  id INTEGER PRIMARY KEY,"
	"  url TEXT NOT NULL UNIQUE CHECK (length(url) BETWEEN 10 AND 2048"
	"    AND (url GLOB 'http://?*' OR url GLOB 'https://?*')"
	"    AND url NOT GLOB '*[ -]*'),"
	"  events TEXT NOT NULL DEFAULT '*' CHECK (length(events) BETWEEN 1"
	"    AND 1024 AND events NOT GLOB '*[^A-Za-z0-9*,_-]*'),"
	"  secret TEXT NOT NULL CHECK (length(secret) BETWEEN 16 AND 256),"
	"  cursor INTEGER NOT NULL DEFAULT 0 CHECK (cursor >= 0),"
	"  delivered INTEGER NOT NULL DEFAULT 0,"
	"  failed INTEGER NOT NULL DEFAULT 0,"
	"  dropped INTEGER NOT NULL DEFAULT 0,"
	"  last_status INTEGER, last_error TEXT, last_attempt INTEGER,"
	"  created INTEGER NOT NULL"
	") STRICT;"
	"CREATE TABLE inventories ("
	"  id INTEGER PRIMARY KEY,"
	"  mac TEXT NOT NULL REFERENCES clients(mac) ON UPDATE CASCADE"
	"    ON DELETE CASCADE,"
	"  source TEXT NOT NULL CHECK (source IN ('ipxe', 'self')),"
	"  data TEXT NOT NULL CHECK (json_valid(data)"
	"    AND json_type(data) = 'object'),"
	"  time INTEGER NOT NULL"
	") STRICT;"
	"CREATE INDEX inventories_mac ON inventories(mac, id);"
	/* a client evicted or removed finds its files by index */
	"CREATE INDEX files_mac ON files(mac);",
};

const int db_nmigrations = sizeof(db_migrations) / sizeof(db_migrations[0]);
