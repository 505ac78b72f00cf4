/*
 * db.c: the database layer: migrations from an empty file and from each
 * older version, refusal of newer ones, atomic migrations, the pragmas,
 * and the constraints that keep bad data out (tried with raw SQL too, as
 * another program or a careless admin might).
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"
#include "token.h"

static char	 dir[] = "/tmp/nbdb.XXXXXX";
static char	 path[256];

static void
fresh(void)
{
	static const char *const sfx[] = { "", "-wal", "-shm" };
	char	 p[300];
	size_t	 i;

	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%.255s%s", path, sfx[i]);
		unlink(p);
	}
}

/* Run sql on a raw connection (foreign keys on, as every program has them); return the SQLite code. */
static int
raw(const char *sql)
{
	sqlite3	*sq;
	int	 rc;

	if (sqlite3_open(path, &sq) != SQLITE_OK)
		abort();
	sqlite3_busy_timeout(sq, 5000);
	sqlite3_exec(sq, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
	rc = sqlite3_exec(sq, sql, NULL, NULL, NULL);
	sqlite3_close(sq);
	return rc;
}

static int
raw_count(const char *sql)
{
	sqlite3		*sq;
	sqlite3_stmt	*st;
	int		 n = -1;

	if (sqlite3_open(path, &sq) != SQLITE_OK)
		abort();
	if (sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return n;
}

static struct nb_db *
open_db(int flags)
{
	struct nb_db	*db;
	char		 err[1024];

	if (nb_db_open(path, flags, &db, err, sizeof(err)) != NB_OK) {
		printf("# open: %s\n", err);
		return NULL;
	}
	return db;
}

/* What schema 6 adds, checked on the connection that migrated (from) and on a new one. */
static void
migrated_to_6(struct nb_db *db, int from)
{
	struct nb_template	 t;
	uint8_t			 k1[NB_TOKEN_KEYLEN], k2[NB_TOKEN_KEYLEN];
	struct nb_db		*db2 = NULL;

	ok(raw_count("SELECT count(*) FROM secrets WHERE name = 'token' AND length(value) = 32")
	    == 1, "from %d: one 32-byte token key", from);
	ok(nb_token_key(db, k1) == NB_OK && (db2 = open_db(0)) != NULL &&
	    nb_token_key(db2, k2) == NB_OK && memcmp(k1, k2, sizeof(k1)) == 0,
	    "from %d: every connection reads the same key", from);
	if (db2 != NULL)
		nb_db_close(db2);
	ok(raw_count("SELECT count(*) FROM boots") == 0, "from %d: a boots table", from);
	memset(&t, 0, sizeof(t));
	t.name = (char *)(uintptr_t)"ay";
	t.kind = (char *)(uintptr_t)"autoyast";
	t.body = (char *)(uintptr_t)"<x/>";
	ok(nb_template_add(db, &t) == NB_OK,
	    "from %d: an autoyast template on the migrating connection: %s", from,
	    nb_db_errmsg(db));
	ok(raw("INSERT INTO templates VALUES ('ay2', 'autoyast', '', 0)") == SQLITE_OK &&
	    raw("INSERT INTO templates VALUES ('bad', 'yast', '', 0)") != SQLITE_OK,
	    "from %d: the CHECK takes autoyast and still refuses unknown kinds", from);
	ok(raw_count("SELECT count(*) FROM pragma_integrity_check WHERE integrity_check = 'ok'")
	    == 1, "from %d: integrity_check ok", from);
}

/*
 * What schema 7 adds: a user made by hand before it (from 2 on) becomes a
 * viewer; roles, token kinds and login_failures are checked by the schema.
 */
static void
migrated_to_7(struct nb_db *db, int from)
{
	struct nb_user	 u;

	memset(&u, 0, sizeof(u));
	if (from >= 2)
		ok(nb_user_get(db, "old", &u) == NB_OK &&
		    u.role == NB_ROLE_VIEWER,
		    "from %d: a user made before roles is a viewer", from);
	nb_user_clear(&u);
	ok(raw("INSERT INTO users (name, hash, role, created) "
	    "VALUES ('r7', '$x', 'root', 0)") != SQLITE_OK &&
	    raw("INSERT INTO users (name, hash, role, created) "
	    "VALUES ('r7', '$x', 'operator', 0)") == SQLITE_OK,
	    "from %d: the role CHECK refuses unknown roles", from);
	ok(raw("INSERT INTO tokens (user, hash, created, kind) VALUES ('r7', "
	    "printf('%064x', 255), 0, 'cookie')") != SQLITE_OK &&
	    raw("INSERT INTO tokens (user, hash, created, kind, idle) VALUES "
	    "('r7', printf('%064x', 255), 0, 'session', 60)") == SQLITE_OK,
	    "from %d: token kinds are api or session", from);
	ok(raw_count("SELECT count(*) FROM tokens WHERE kind = 'session' "
	    "AND role IS NULL") == 1, "from %d: a token's role may be NULL",
	    from);
	ok(raw("INSERT INTO login_failures VALUES ('addr', '::1', 1, 0)") ==
	    SQLITE_OK && raw("INSERT INTO login_failures VALUES "
	    "('mac', 'x', 1, 0)") != SQLITE_OK,
	    "from %d: a login_failures table with scopes addr and user", from);
	ok(raw_count("SELECT count(*) FROM pragma_foreign_key_check") == 0,
	    "from %d: no dangling reference", from);
}

static void
test_migrations(void)
{
	struct nb_db		*db;
	struct nb_client	 c;
	char			 err[1024];
	int			 from;

	fresh();
	db = open_db(NB_DB_CREATE);
	ok(db != NULL && nb_db_version(db) == NB_DB_VERSION, "an empty file migrates to version %d",
	    NB_DB_VERSION);
	ok(raw_count("SELECT count(*) FROM pragma_journal_mode WHERE journal_mode = 'wal'") == 1,
	    "the file is in WAL mode");
	nb_db_close(db);

	for (from = 0; from < NB_DB_VERSION; from++) {
		fresh();
		db = open_db(NB_DB_CREATE | NB_DB_NOMIGRATE);
		ok(db != NULL && nb_db_version(db) == 0, "NOMIGRATE leaves a new file at version 0");
		if (from > 0)
			ok(nb_db_migrate(db, from) == NB_OK && nb_db_version(db) == from,
			    "migrate to version %d only", from);
		if (from >= 1) {
			nb_client_init(&c);
			strlcpy(c.mac, "52:54:00:00:00:01", sizeof(c.mac));
			c.name = strdup("old");
			ok(nb_client_add(db, &c) == NB_OK, "a client stored at version %d", from);
			ok(nb_event_add(db, c.mac, "tftpd", "old", NULL, "one") == NB_OK &&
			    nb_event_add(db, c.mac, "tftpd", "old", NULL, "two") == NB_OK,
			    "two events stored at version %d", from);
			nb_client_clear(&c);
		}
		if (from >= 2) {
			nb_db_close(db);
			ok(raw("INSERT INTO users (name, hash, created) VALUES "
			    "('old', '$y$x', 0)") == SQLITE_OK,
			    "a user stored at version %d", from);
			db = open_db(NB_DB_NOMIGRATE);
		}
		nb_db_close(db);
		db = open_db(0);
		ok(db != NULL && nb_db_version(db) == NB_DB_VERSION,
		    "opening a version %d file migrates it to %d", from, NB_DB_VERSION);
		if (from >= 1) {
			nb_client_init(&c);
			ok(nb_client_get(db, "52:54:00:00:00:01", &c) == NB_OK && c.name != NULL &&
			    strcmp(c.name, "old") == 0, "the client survives the migration from %d", from);
			nb_client_clear(&c);
			ok(nb_event_last_id(db, NULL) == 2, "the events keep their ids");
			/* Not the zeroed MAC of a cleared client. */
			ok(raw_count("SELECT count(*) FROM events WHERE mac = "
			    "'52:54:00:00:00:01'") == 2, "and their client");
			ok(nb_event_add(db, NULL, "bootweb", "new", NULL, "three") == NB_OK &&
			    nb_event_last_id(db, NULL) == 3, "and new ones follow them");
		}
		if (from < 6)
			migrated_to_6(db, from);
		if (from < 7)
			migrated_to_7(db, from);
		nb_db_close(db);
	}

	/* A migration that fails part-way leaves the old version and no new table. */
	fresh();
	db = open_db(NB_DB_CREATE | NB_DB_NOMIGRATE);
	ok(nb_db_migrate(db, 1) == NB_OK, "at version 1");
	nb_db_close(db);
	ok(raw("CREATE TABLE tokens (x)") == SQLITE_OK, "a stray table in the way of migration 2");
	db = open_db(NB_DB_NOMIGRATE);
	ok(nb_db_migrate(db, 0) != NB_OK, "migration 2 fails: %s", nb_db_errmsg(db));
	ok(nb_db_version(db) == 1, "still version 1 after the failed migration");
	nb_db_close(db);
	ok(raw_count("SELECT count(*) FROM sqlite_master WHERE name = 'users'") == 0,
	    "no half-made table left behind");

	/* A newer schema than this program knows is refused, not touched. */
	fresh();
	db = open_db(NB_DB_CREATE);
	nb_db_close(db);
	raw("PRAGMA user_version = 99");
	ok(nb_db_open(path, 0, &db, err, sizeof(err)) != NB_OK && strstr(err, "newer") != NULL,
	    "a version 99 database is refused: %s", err);
	ok(raw_count("PRAGMA user_version") == 99, "and left at version 99");

	/* A missing file without NB_DB_CREATE says how to create one. */
	fresh();
	ok(nb_db_open(path, 0, &db, err, sizeof(err)) == NB_NOTFOUND &&
	    strstr(err, "bootctl db init") != NULL, "a missing file: %s", err);
}

static void
test_api_rules(void)
{
	struct nb_db		*db;
	struct nb_client	 c;
	struct nb_image		 img;
	struct nb_template	 t = { 0 };
	char			*v;

	fresh();
	db = open_db(NB_DB_CREATE);
	nb_client_init(&c);
	strlcpy(c.mac, "52:54:00:00:00:02", sizeof(c.mac));
	c.image = strdup("nosuch");
	ok(nb_client_add(db, &c) == NB_NOTFOUND && strstr(nb_db_errmsg(db), "nosuch") != NULL,
	    "a client with a missing image is refused, naming it: %s", nb_db_errmsg(db));
	free(c.image);
	c.image = NULL;
	ok(nb_client_add(db, &c) == NB_OK, "client added");
	ok(nb_client_add(db, &c) == NB_EXISTS, "the same MAC twice: %s", nb_db_errmsg(db));
	c.next_boot = NB_NEXT_INSTALL;
	ok(nb_client_update(db, &c) == NB_INVALID, "install without an image: %s", nb_db_errmsg(db));
	nb_client_clear(&c);

	t.name = strdup("seed");
	t.kind = strdup("preseed");
	t.body = strdup("d-i debian-installer/locale string en_US\n");
	ok(nb_template_add(db, &t) == NB_OK, "template added");
	free(t.kind);
	t.kind = strdup("bogus");
	ok(nb_template_update(db, &t) == NB_INVALID, "a bad template kind: %s", nb_db_errmsg(db));
	nb_template_clear(&t);

	nb_image_init(&img);
	img.name = strdup("deb");
	img.kernel = strdup("/srv/linux");
	nb_image_add_initrd(&img, "/srv/initrd.gz");
	img.tmpl = strdup("seed");
	ok(nb_image_add(db, &img) == NB_OK, "image added");
	nb_image_clear(&img);
	nb_client_init(&c);
	ok(nb_client_get(db, "52:54:00:00:00:02", &c) == NB_OK, "client read back");
	c.image = strdup("deb");
	c.next_boot = NB_NEXT_INSTALL;
	ok(nb_client_update(db, &c) == NB_OK, "assigned with next boot install");
	nb_client_clear(&c);
	ok(nb_image_rm(db, "deb") == NB_INUSE && strstr(nb_db_errmsg(db), "1 client") != NULL,
	    "an assigned image cannot go: %s", nb_db_errmsg(db));
	ok(nb_template_rm(db, "seed") == NB_INUSE, "a used template cannot go: %s",
	    nb_db_errmsg(db));
	ok(nb_setting_set(db, "menu.timeout", "abc") == NB_INVALID, "bad setting value: %s",
	    nb_db_errmsg(db));
	ok(nb_setting_set(db, "default_image", "") == NB_INVALID, "an empty value: %s",
	    nb_db_errmsg(db));
	ok(nb_setting_set(db, "no.such", "1") == NB_INVALID, "unknown setting: %s", nb_db_errmsg(db));
	ok(nb_setting_set(db, "bootloader.7", "../etc/passwd") == NB_INVALID,
	    "a bootloader path with ..: %s", nb_db_errmsg(db));
	ok(nb_setting_set(db, "bootloader.7", "ipxe.efi") == NB_OK, "bootloader.7 = ipxe.efi");
	ok(nb_setting_get(db, "bootloader.7", &v) == NB_OK && v != NULL &&
	    strcmp(v, "ipxe.efi") == 0, "read back");
	free(v);
	ok(nb_setting_get(db, "bootloader.0", &v) == NB_OK && v != NULL &&
	    strcmp(v, "undionly.kpxe") == 0, "the default for arch 0 is undionly.kpxe");
	free(v);
	ok(nb_event_add(db, "52:54:00:00:00:02", "bootctl", "test", NULL, "n=%d", 1) == NB_OK,
	    "event added");
	ok(nb_event_add(db, NULL, "nosuchdaemon", "test", NULL, "x") == NB_INVALID,
	    "an event from an unknown daemon is refused");
	nb_db_close(db);
}

/* Each statement must be refused by the schema itself. */
static const char *const refused[] = {
	"INSERT INTO clients (mac, created, updated) VALUES ('AA:BB:CC:DD:EE:FF', 0, 0)",
	"INSERT INTO clients (mac, created, updated) VALUES ('aa-bb-cc-dd-ee-ff', 0, 0)",
	"INSERT INTO clients (mac, created, updated) VALUES ('aa:bb:cc:dd:ee', 0, 0)",
	"INSERT INTO clients (mac, vars, created, updated) VALUES ('aa:bb:cc:dd:ee:01', '{bad', 0, 0)",
	"INSERT INTO clients (mac, vars, created, updated) VALUES ('aa:bb:cc:dd:ee:01', '[1]', 0, 0)",
	"INSERT INTO clients (mac, next_boot, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'reboot', 0, 0)",
	"INSERT INTO clients (mac, next_boot, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'install', 0, 0)",
	"INSERT INTO clients (mac, image, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'nosuch', 0, 0)",
	"INSERT INTO clients (mac, ip, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'not-an-ip', 0, 0)",
	"INSERT INTO clients (mac, allowed, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 2, 0, 0)",
	"INSERT INTO clients (mac, arch, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 70000, 0, 0)",
	"INSERT INTO clients (mac, arch, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'x86', 0, 0)",
	"INSERT INTO clients (mac, hostname, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'a b', 0, 0)",
	"INSERT INTO clients (mac, state, created, updated) VALUES ('aa:bb:cc:dd:ee:01', 'lost', 0, 0)",
	"INSERT INTO images (name, created) VALUES ('nokernel', 0)",
	"INSERT INTO images (name, kernel, created) VALUES ('../x', '/k', 0)",
	"INSERT INTO images (name, kernel, kind, created) VALUES ('x', '/k', 'bogus', 0)",
	"INSERT INTO images (name, kernel, initrds, created) VALUES ('x', '/k', '\"a\"', 0)",
	"INSERT INTO images (name, kernel, iso_sha256, created) VALUES ('x', '/k', 'ABC', 0)",
	"INSERT INTO images (name, kernel, template, created) VALUES ('x', '/k', 'nosuch', 0)",
	"INSERT INTO templates (name, kind, body, updated) VALUES ('t', 'bogus', '', 0)",
	"INSERT INTO templates (name, kind, body, updated) VALUES ('.hidden', 'raw', '', 0)",
	"INSERT INTO templates (name, kind, updated) VALUES ('t', 'raw', 0)",
	"INSERT INTO files (path, kind, content, updated) VALUES ('../etc/passwd', 'content', x'00', 0)",
	"INSERT INTO files (path, kind, content, updated) VALUES ('a/./b', 'content', x'00', 0)",
	"INSERT INTO files (path, kind, content, updated) VALUES ('/abs', 'content', x'00', 0)",
	"INSERT INTO files (path, kind, content, updated) VALUES ('a\\b', 'content', x'00', 0)",
	"INSERT INTO files (path, kind, content, updated) VALUES ('a//b', 'content', x'00', 0)",
	"INSERT INTO files (path, kind, updated) VALUES ('a', 'content', 0)",
	"INSERT INTO files (path, kind, content, local, updated) VALUES ('a', 'content', x'00', '/x', 0)",
	"INSERT INTO files (path, kind, local, updated) VALUES ('a', 'local', 'relative', 0)",
	"INSERT INTO files (path, kind, url, updated) VALUES ('a', 'url', 'ftp://x', 0)",
	"INSERT INTO files (path, mac, kind, content, updated) VALUES ('a', 'aa:bb:cc:dd:ee:99', 'content', x'00', 0)",
	"INSERT INTO events (ts, daemon, kind) VALUES (0, 'nosuch', 'x')",
	"INSERT INTO events (ts, daemon, kind) VALUES (0, 'tftpd', '')",
	"INSERT INTO events (ts, mac, daemon, kind) VALUES (0, 'AA', 'tftpd', 'x')",
	"UPDATE events SET kind = 'rewritten'",
	"INSERT INTO settings (key, value) VALUES ('Bad Key', 'x')",
	"INSERT INTO settings (key) VALUES ('k')",
	"INSERT INTO tokens (user, hash, created) VALUES ('nosuch', '" "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef" "', 0)",
	"INSERT INTO users (name, hash, created) VALUES ('admin', 'plaintext', 0)",
	"DELETE FROM templates WHERE name = 'seed'",
	"DELETE FROM images WHERE name = 'deb'",
	/* leases6 (schema 5); a good row for (x'0003', 1) is inserted first */
	"INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('10.0.0.1', x'0003', 2, 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('FD00::1', x'0003', 2, 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fd00::2', x'00', 2, 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fd00::2', x'0003', -1, 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, mac, expires, updated) VALUES ('fd00::2', x'0003', 2, 'x', 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, state, expires, updated) VALUES ('fd00::2', x'0003', 2, 'lost', 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fd00::2', x'0003', 1, 0, 0)",
	"INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fd00::1', x'0004', 1, 0, 0)",
};

static void
test_constraints(void)
{
	size_t	 i;

	/* test_api_rules left a client, an image, a template and an event. */
	ok(raw("INSERT INTO files (path, kind, content, updated) VALUES ('ok/file', 'content', x'00', 0)")
	    == SQLITE_OK, "a good file row is accepted");
	ok(raw("INSERT INTO files (path, kind, content, updated) VALUES ('ok/file', 'content', x'01', 0)")
	    != SQLITE_OK, "the same global path twice is refused");
	ok(raw("INSERT INTO files (path, mac, kind, content, updated) VALUES ('ok/file', "
	    "'52:54:00:00:00:02', 'content', x'01', 0)") == SQLITE_OK,
	    "the same path for one client beside the global one is accepted");
	ok(raw("INSERT INTO leases6 (addr, duid, iaid, expires, updated) VALUES ('fd00::1', "
	    "x'0003', 1, 0, 0)") == SQLITE_OK, "a good lease row is accepted");
	ok(raw("INSERT INTO leases6 (addr, duid, iaid, state, expires, updated) VALUES ('fd00::3', "
	    "x'0003', 1, 'declined', 0, 0)") == SQLITE_OK,
	    "a declined address of the same IA beside its bound one is accepted");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		ok(raw(refused[i]) != SQLITE_OK, "refused: %s", refused[i]);
	ok(raw("DELETE FROM clients WHERE mac = '52:54:00:00:00:02'") == SQLITE_OK &&
	    raw_count("SELECT count(*) FROM files WHERE mac IS NOT NULL") == 0 &&
	    raw_count("SELECT count(*) FROM files") == 1,
	    "deleting a client takes its files along");
}

/* Client-supplied text: kept as sent when clean, else cleaned and cut. */
static void
test_client_text(void)
{
	char		 out[NB_CLIENT_TEXT_MAX + 1];
	char		 big[NB_CLIENT_TEXT_MAX + 8];
	const char	*vc = "PXEClient:Arch:00007:UNDI:003016";
	const char	*u8 = "caf\xc3\xa9 \xe2\x82\xac";

	ok(nb_client_text(vc, out) == vc, "printable ASCII is kept as sent");
	ok(nb_client_text(u8, out) == u8, "so is valid UTF-8");
	ok(strcmp(nb_client_text("a\tb\x7f" "c", out), "abc") == 0,
	    "a TAB and a DEL are dropped");
	ok(strcmp(nb_client_text("a\xff" "b\xe2\x80\xa8" "c", out), "abc") == 0,
	    "an invalid byte and U+2028 are dropped");
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	ok(nb_client_text(big, out) == out &&
	    strlen(out) == NB_CLIENT_TEXT_MAX, "a long value is cut");
	big[NB_CLIENT_TEXT_MAX] = '\0';
	ok(nb_client_text(big, out) == big, "one at the limit is kept");
	ok(nb_client_text("", out)[0] == '\0' &&
	    nb_client_text(NULL, out) == NULL, "empty and NULL");
}

int
main(void)
{
	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/netboot.db", dir);
	test_client_text();
	test_migrations();
	test_api_rules();
	test_constraints();
	fresh();
	rmdir(dir);
	return done_testing();
}
