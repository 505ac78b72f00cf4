/*
 * db_dhcp.c: what pxedhcpd needs from the database layer beyond the typed
 * API: the policy columns of the clients that are not answered by default,
 * and the batched writes of its recorder thread. A DISCOVER storm records
 * one client row and one event per client: written as multi-row INSERTs,
 * SQLite opens its cursors, reads the AUTOINCREMENT counter and checks the
 * schema once per statement instead of once per row (about half the
 * instructions of a row, measured with tools/callgrind-pxedhcpd.sh).
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db_int.h"

/* The caller's strings outlive the statement's step: SQLite need not copy them. */
static void
dhcp_bind(sqlite3_stmt *st, int idx, const char *s)
{
	if (s == NULL)
		sqlite3_bind_null(st, idx);
	else
		sqlite3_bind_text(st, idx, s, -1, SQLITE_STATIC);
}

/* Client-supplied text, cleaned as it enters; copied only if it changed. */
static void
dhcp_bind_client(sqlite3_stmt *st, int idx, const char *s)
{
	char		 buf[NB_CLIENT_TEXT_MAX + 1];
	const char	*c = nb_client_text(s, buf);

	if (c == buf)
		sqlite3_bind_text(st, idx, c, -1, SQLITE_TRANSIENT);
	else
		dhcp_bind(st, idx, c);
}

/* Rows per multi-row statement, largest first; a batch is cut into these. */
static const size_t dhcp_rows[] = { 32, 8, 1 };
#define DHCP_NSIZES	(sizeof(dhcp_rows) / sizeof(dhcp_rows[0]))

#define SEEN_COLS	7	/* parameters per client row */
#define EVENT_COLS	5	/* parameters per event row */

/*
 * The SQL texts, built once. db_stmt() caches statements by the address
 * of their text, so each size keeps its own prepared statement.
 */
static char	 seen_sql[DHCP_NSIZES][32 * 96 + 512];
static char	 event_sql[DHCP_NSIZES][32 * 48 + 128];

int
nb_db_threads_init(void)
{
	/*
	 * pxedhcpd reads on its loop thread and writes on a recorder thread,
	 * each with its own connection. Serialized mode and memory statistics
	 * would make both take SQLite's global mutexes on every allocation;
	 * under a DISCOVER storm the loop then sleeps behind the writer.
	 */
	if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		return NB_ERR;
	return NB_OK;
}

/* Append the rows of a multi-row nb_client_seen(): 7 parameters each. */
static void
dhcp_seen_values(char *sql, size_t sqlsz, size_t rows)
{
	size_t	 r, len;
	int	 p;

	for (r = 0, p = 1; r < rows; r++, p += SEEN_COLS) {
		len = strlen(sql);
		snprintf(sql + len, sqlsz - len, "%s(?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, ?%d, "
		    "'discovered', ?%d, ?%d)", r == 0 ? "" : ", ", p, p + 1, p + 2, p + 3, p + 4,
		    p + 5, p + 6, p + 6, p + 6, p + 6);
	}
}

/* Append the rows of a multi-row event insert: ?1 is the daemon, then 5 parameters each. */
static void
dhcp_event_values(char *sql, size_t sqlsz, size_t rows)
{
	size_t	 r, len;
	int	 p;

	for (r = 0, p = 2; r < rows; r++, p += EVENT_COLS) {
		len = strlen(sql);
		snprintf(sql + len, sqlsz - len, "%s(?%d, ?%d, ?%d, ?1, ?%d, ?%d)",
		    r == 0 ? "" : ", ", p, p + 1, p + 2, p + 3, p + 4);
	}
}

static void
dhcp_sql_init(void)
{
	size_t	 i;

	if (seen_sql[0][0] != '\0')
		return;
	for (i = 0; i < DHCP_NSIZES; i++) {
		/* nb_client_seen(), many rows: the same columns and the same rules. */
		strlcpy(seen_sql[i], "INSERT INTO clients (mac, arch, vendor_class, user_class, "
		    "uuid, last_ip, first_seen, last_seen, state, created, updated) VALUES ",
		    sizeof(seen_sql[i]));
		dhcp_seen_values(seen_sql[i], sizeof(seen_sql[i]), dhcp_rows[i]);
		strlcat(seen_sql[i], " ON CONFLICT (mac) DO UPDATE SET "
		    "arch = ifnull(excluded.arch, arch), "
		    "vendor_class = ifnull(excluded.vendor_class, vendor_class), "
		    "user_class = ifnull(excluded.user_class, user_class), "
		    "uuid = ifnull(excluded.uuid, uuid), last_ip = ifnull(excluded.last_ip, last_ip), "
		    "first_seen = ifnull(first_seen, excluded.first_seen), "
		    "last_seen = excluded.last_seen", sizeof(seen_sql[i]));
		strlcpy(event_sql[i], "INSERT INTO events (ts, mac, ip, daemon, kind, detail) VALUES ",
		    sizeof(event_sql[i]));
		dhcp_event_values(event_sql[i], sizeof(event_sql[i]), dhcp_rows[i]);
	}
}

int
nb_client_seen_many(struct nb_db *db, const struct nb_seen *s, size_t n)
{
	sqlite3_stmt	*st;
	size_t		 i, k, rows;
	int		 p, rc;

	dhcp_sql_init();
	for (i = 0; i < n; i += rows) {
		for (k = 0; dhcp_rows[k] > n - i; k++)
			;
		rows = dhcp_rows[k];
		if ((st = db_stmt(db, seen_sql[k])) == NULL)
			return NB_ERR;
		for (p = 1; p < (int)(rows * SEEN_COLS); p += SEEN_COLS, s++) {
			dhcp_bind(st, p, s->mac);
			if (s->arch >= 0)
				sqlite3_bind_int(st, p + 1, s->arch);
			dhcp_bind_client(st, p + 2, s->vendor_class);
			dhcp_bind_client(st, p + 3, s->user_class);
			dhcp_bind_client(st, p + 4, s->uuid);
			dhcp_bind(st, p + 5, s->ip);
			sqlite3_bind_int64(st, p + 6, s->when);
		}
		if ((rc = db_exec_stmt(db, st)) != NB_OK)
			return rc;
	}
	return NB_OK;
}

int
nb_event_add_many(struct nb_db *db, const char *daemon, const struct nb_event *ev, size_t n)
{
	sqlite3_stmt	*st;
	size_t		 i, k, rows;
	int		 p, rc;

	dhcp_sql_init();
	for (i = 0; i < n; i += rows) {
		for (k = 0; dhcp_rows[k] > n - i; k++)
			;
		rows = dhcp_rows[k];
		if ((st = db_stmt(db, event_sql[k])) == NULL)
			return NB_ERR;
		sqlite3_bind_text(st, 1, daemon, -1, SQLITE_STATIC);
		for (p = 2; p < (int)(rows * EVENT_COLS) + 2; p += EVENT_COLS, ev++) {
			sqlite3_bind_double(st, p, ev->ts);
			dhcp_bind(st, p + 1, ev->mac[0] != '\0' ? ev->mac : NULL);
			dhcp_bind(st, p + 2, ev->ip);
			dhcp_bind(st, p + 3, ev->kind);
			dhcp_bind(st, p + 4, ev->detail != NULL ? ev->detail : "");
		}
		if ((rc = db_exec_stmt(db, st)) != NB_OK)
			return rc;
	}
	return NB_OK;
}

int
nb_client_policy_list(struct nb_db *db, int (*fn)(const struct nb_client_policy *, void *),
    void *arg)
{
	/* Every other client is answered like an unknown one: discovered, allowed, no next boot. */
	static const char sql[] = "SELECT mac, state = 'known', allowed, suspended, next_boot, "
	    "ip, hostname FROM clients WHERE state = 'known' OR allowed = 0 OR suspended = 1 "
	    "OR next_boot IS NOT NULL OR ip IS NOT NULL";
	struct nb_client_policy	 c;
	sqlite3_stmt		*st;
	const char		*s;
	int			 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		memset(&c, 0, sizeof(c));
		s = (const char *)sqlite3_column_text(st, 0);
		strlcpy(c.mac, s != NULL ? s : "", sizeof(c.mac));
		c.known = sqlite3_column_int(st, 1);
		c.allowed = sqlite3_column_int(st, 2);
		c.suspended = sqlite3_column_int(st, 3);
		s = (const char *)sqlite3_column_text(st, 4);
		if (s == NULL || nb_next_boot_parse(s, &c.next_boot) == -1)
			c.next_boot = NB_NEXT_NONE;
		c.ip = (const char *)sqlite3_column_text(st, 5);
		c.hostname = (const char *)sqlite3_column_text(st, 6);
		if (fn(&c, arg) != 0)
			break;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	return NB_OK;
}
