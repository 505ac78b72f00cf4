/*
 * wq.c: the write-behind queue (libnetboot/wq.c). Every kind of record
 * reaches the database; while another connection holds the write lock
 * nothing is written and nothing is lost; the caps' SQL (eviction of the
 * earliest untouched discovered clients, pruning of events); and a loop's
 * connection tied to its writer sees other processes' commits, not the
 * writer's. The same again with the writer as a forked process (tftpd's).
 */
#include "config.h"

#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "token.h"
#include "wq.h"

static char	 dir[] = "/tmp/nbwq.XXXXXX";
static char	 path[256];
static sqlite3	*raw;		/* another process, for the queue */

#define M1	"52:54:00:00:00:01"
#define M2	"52:54:00:00:00:02"
#define M3	"52:54:00:00:00:03"
#define M4	"52:54:00:00:00:04"

/* The number a query returns, -1 on error. */
static int64_t
count(const char *fmt, ...)
{
	sqlite3_stmt	*st;
	va_list		 ap;
	char		 sql[512];
	int64_t		 n = -1;

	va_start(ap, fmt);
	vsnprintf(sql, sizeof(sql), fmt, ap);
	va_end(ap);
	if (sqlite3_prepare_v2(raw, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static int
exec(const char *sql)
{
	return sqlite3_exec(raw, sql, NULL, NULL, NULL);
}

/* The threads of this process, from /proc/self/status; -1 if unknown. */
static int
threads(void)
{
	FILE	*f = fopen("/proc/self/status", "r");
	char	 line[256];
	int	 n = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "Threads: %d", &n) == 1)
			break;
	fclose(f);
	return n;
}

/* Tick until the queue is empty or about 3 s have gone. */
static int
drain(struct nb_wq *q)
{
	int	 i;

	for (i = 0; i < 300 && nb_wq_len(q) > 0; i++) {
		nb_wq_tick(q);
		usleep(10000);
	}
	return nb_wq_len(q) == 0;
}

static void
test_records(struct nb_wq *q)
{
	json_t		*inv = json_pack("{s:s}", "serial", "SN1");
	uint8_t		 nonce[NB_NONCE_LEN], got[NB_NONCE_LEN];

	exec("DELETE FROM clients; DELETE FROM events; DELETE FROM boots");
	exec("INSERT INTO clients (mac, state, next_boot, created, updated) "
	    "VALUES ('" M1 "', 'known', 'local', 0, 0)");
	nb_evq_push(q, M1, "http-script", "10.0.0.1", "menu (%d)", 1);
	nb_wq_seen(q, M2, "uuid-2", "10.0.0.2");
	nb_wq_inventory(q, M3, NULL, "10.0.0.3", inv);
	nb_wq_next_boot_done(q, M1, NB_NEXT_LOCAL);
	nb_wq_suspended(q, M1, 1);
	ok(drain(q), "the queue empties");
	ok(count("SELECT count(*) FROM events WHERE kind = 'http-script' AND "
	    "detail = 'menu (1)' AND ip = '10.0.0.1' AND daemon = 'bootweb'")
	    == 1,
	    "event");
	ok(count("SELECT count(*) FROM clients WHERE mac = '%s' AND uuid = "
	    "'uuid-2' AND last_ip = '10.0.0.2' AND state = 'discovered'", M2)
	    == 1,
	    "client seen");
	ok(count("SELECT count(*) FROM clients WHERE mac = '%s' AND "
	    "inventory ->> '$.serial' = 'SN1' AND last_ip = '10.0.0.3'", M3)
	    == 1,
	    "inventory");
	ok(count("SELECT count(*) FROM clients WHERE mac = '%s' AND "
	    "next_boot IS NULL AND suspended = 1", M1) == 1,
	    "next boot cleared, suspended");
	json_decref(inv);

	/* Locked by another connection: nothing written, nothing lost. */
	ok(exec("BEGIN IMMEDIATE") == SQLITE_OK,
	    "another connection takes the write lock");
	nb_evq_push(q, NULL, "http-boot-ipxe", NULL, "during the lock");
	nb_wq_seen(q, M4, NULL, NULL);
	memset(nonce, 0xab, sizeof(nonce));
	nb_wq_nonce(q, M4, nonce);
	memset(got, 0, sizeof(got));
	ok(nb_wq_nonce_pending(q, M4, got) == 1 &&
	    memcmp(got, nonce, sizeof(got)) == 0, "a queued nonce is pending");
	nb_wq_tick(q);
	usleep(400000);
	ok(nb_wq_len(q) == 3, "three writes wait while locked (%zu)",
	    nb_wq_len(q));
	ok(nb_wq_nonce_pending(q, M4, got) == 1,
	    "the nonce is still pending in the writer's hands");
	ok(exec("COMMIT") == SQLITE_OK, "the lock is released");
	ok(drain(q), "then the queue empties");
	ok(count("SELECT count(*) FROM events WHERE detail = "
	    "'during the lock'") == 1 &&
	    count("SELECT count(*) FROM clients WHERE mac = '%s'", M4) == 1 &&
	    count("SELECT count(*) FROM boots WHERE mac = '%s' AND "
	    "hex(nonce) = '%s'", M4, "ABABABABABABABABABABABABABABABAB") == 1,
	    "and the three writes are in the database");
	ok(nb_wq_nonce_pending(q, M4, got) == 0, "no longer pending");

	/* Stopping writes what is queued. */
	nb_evq_push(q, NULL, "http-boot-ipxe", NULL, "at stop");
	nb_wq_stop(q);
	ok(count("SELECT count(*) FROM events WHERE detail = 'at stop'") == 1,
	    "nb_wq_stop writes the queue");
}

static void
test_caps(struct nb_db *db)
{
	char	 sql[256];
	int64_t	 n = 0, gone = 0;
	int	 i;

	exec("DELETE FROM clients");
	exec("INSERT INTO clients (mac, state, allowed, created, updated) "
	    "VALUES ('02:00:00:00:00:01', 'discovered', 0, 0, 0), "
	    "('02:00:00:00:00:02', 'known', 1, 0, 0)");
	for (i = 3; i <= 12; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO clients (mac, state, "
		    "created, updated) VALUES ('02:00:00:00:00:%02d', "
		    "'discovered', 0, 0)", i);
		exec(sql);
	}
	ok(nb_client_discovered(db, 0, &n) == NB_OK && n == 11,
	    "11 discovered (%lld)", (long long)n);
	ok(nb_client_evict(db, 4, &gone) == NB_OK && gone == 4, "4 evicted");
	ok(count("SELECT count(*) FROM clients WHERE mac IN "
	    "('02:00:00:00:00:01', '02:00:00:00:00:02')") == 2,
	    "the denied and the known one stay");
	ok(count("SELECT count(*) FROM clients WHERE mac BETWEEN "
	    "'02:00:00:00:00:03' AND '02:00:00:00:00:06'") == 0,
	    "the earliest untouched ones went");

	exec("DELETE FROM events");
	for (i = 0; i < 50; i++) {
		snprintf(sql, sizeof(sql), "INSERT INTO events (ts, daemon, "
		    "kind) VALUES (%d, 'tftpd', 'x')",
		    i < 10 ? 1000 : 1000000 + i);
		exec(sql);
	}
	ok(nb_event_trim(db, 2000, 1000, 5, &n) == NB_OK && n == 5,
	    "pruning by age stops at the limit (%lld)", (long long)n);
	ok(nb_event_trim(db, 2000, 1000, 100, &n) == NB_OK && n == 5 &&
	    count("SELECT count(*) FROM events") == 40,
	    "then takes the rest of the old ones");
	ok(nb_event_trim(db, 2000, 30, 100, &n) == NB_OK && n == 10 &&
	    count("SELECT count(*) FROM events") == 30 &&
	    count("SELECT min(ts) FROM events") == 1000020,
	    "pruning by count keeps the newest");
}

/* process: a writer process's commits may move it (a needless re-read). */
static void
test_versions(struct nb_db *db, struct nb_wq *q, int process)
{
	int64_t		 v;

	nb_db_set_writer(db, nb_wq_writer(q));
	nb_db_data_version(db);
	nb_evq_push(q, NULL, "x", NULL, "own");
	drain(q);
	v = nb_db_data_version(db);
	nb_evq_push(q, NULL, "x", NULL, "own again");
	drain(q);
	if (!process)
		ok(nb_db_data_version(db) == v,
		    "the writer's commits do not move the loop's version");
	v = nb_db_data_version(db);
	exec("INSERT INTO events (ts, daemon, kind) "
	    "VALUES (1, 'bootctl', 'x')");
	ok(nb_db_data_version(db) != v, "another connection's commit does");
	v = nb_db_data_version(db);
	nb_evq_push(q, NULL, "x", NULL, "own");
	drain(q);
	exec("INSERT INTO events (ts, daemon, kind) "
	    "VALUES (1, 'bootctl', 'y')");
	ok(nb_db_data_version(db) != v,
	    "and so it does right after one of the writer's");
	nb_wq_stop(q);
}

int
main(void)
{
	struct nb_wq_hooks proc = { .process = 1 };
	struct nb_wq	*pq, *pq2;
	struct nb_db	*db;
	char		 err[512];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/netboot.db", dir);
	/* Forked before this process opens SQLite, as tftpd's is. */
	pq = nb_wq_start(path, "bootweb", &proc);
	pq2 = nb_wq_start(path, "bootweb", &proc);
	ok(threads() == 1, "writer processes leave one thread (%d)", threads());
	if (nb_db_threads_init() != NB_OK ||
	    nb_db_open(path, NB_DB_CREATE, &db, err, sizeof(err)) != NB_OK) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	if (sqlite3_open(path, &raw) != SQLITE_OK)
		abort();
	sqlite3_busy_timeout(raw, 5000);
	test_records(nb_wq_start(path, "bootweb", NULL));
	test_caps(db);
	test_versions(db, nb_wq_start(path, "bootweb", NULL), 0);
	printf("# the writer as a process\n");
	test_records(pq);
	test_versions(db, pq2, 1);
	nb_db_close(db);
	sqlite3_close(raw);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
	rmdir(dir);
	return done_testing();
}
