/*
 * db_pg.c: PostgreSQL's half of the statement API (db_int.h), through
 * libpq. A statement takes SQLite's arguments and gives SQLite's result
 * codes, so the per-table files run unchanged on either engine.
 *
 * SQL is translated once (?NNN and ? become $N) and prepared on the
 * server on its first step, with the parameter types its binds gave
 * (integers int8, reals float8, blobs bytea, text left to the server).
 * Results come back as text and are parsed per column, as SQLite would
 * convert them. Inside a write transaction each write runs in a
 * savepoint of its own, sent in the same round trip: a failed statement
 * then leaves the transaction usable, as it does in SQLite, where
 * callers try an INSERT and act on NB_EXISTS.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libpq-fe.h>

#include "db_int.h"
#include "xmalloc.h"

/* Type oids of pg_type.h (catalog/pg_type_d.h is not for clients). */
#define PG_BOOL		16
#define PG_BYTEA	17
#define PG_INT8		20
#define PG_INT2		21
#define PG_INT4		23
#define PG_OID		26
#define PG_FLOAT4	700
#define PG_FLOAT8	701
#define PG_NUMERIC	1700

#define PG_VARIANTS	4	/* server-side plans per statement */
#define PG_RETRY_SEC	1	/* between two attempts to reconnect */
#define PG_CONNECT_SEC	5	/* to connect, unless connect_timeout says */

struct db_pg {
	PGconn		*conn;
	PGconn		*next;		/* connecting again, without blocking */
	PostgresPollingStatusType polling;	/* next's */
	double		 next_at;	/* when next began */
	char		*conninfo;
	int		 nstmt;		/* names given: s1, s2, ... */
	int		 gen;		/* connections made: plans of older die */
	int		 err;		/* SQLite's code of the last failure */
	char		 msg[512];
	int64_t		 changes;
	int		 in_tx;		/* a write transaction is open */
	int		 standby;	/* refused a write: find the primary */
	int		 wait_ms;	/* the busy timeout: a caller's patience */
	int		 lock_set;	/* ... as lock_timeout, set again on
					   a new connection */
	int		 listening;
	int64_t		 notified;	/* others' notifications, reconnections */
	time_t		 retry_at;
};

/* A plan on the server for one vector of parameter types. */
struct db_pgplan {
	char		 name[16];
	Oid		*types;
};

struct db_pgst {
	struct db_pg	*pg;
	char		*sql;		/* translated */
	int		 write;		/* may change rows: wrap in a savepoint */
	int		 oneshot;	/* no plan on the server (db_pg_keep) */
	int		 nparams;
	char		**vals;
	int		*lens;
	int		*fmts;
	Oid		*types;
	struct db_pgplan plans[PG_VARIANTS];
	int		 nplans;
	int		 gen;		/* pg->gen the plans belong to */
	PGresult	*res;
	PGresult	*desc;		/* the columns, described before a step */
	int		 row;
	int		 executed;
	unsigned char	**blobs;	/* decoded bytea, per column */
	size_t		*bloblens;
	int		 nblobs;
};

/* Record a failure: SQLite's code and the message. */
static int
pg_fail(struct db_pg *pg, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(pg->msg, sizeof(pg->msg), fmt, ap);
	va_end(ap);
	pg->err = code;
	return code;
}

/* The server's SQLSTATE as SQLite's extended result code. */
static int
pg_code(const char *state)
{
	static const struct {
		const char	*state;
		int		 code;
	} map[] = {
		{ "23505", SQLITE_CONSTRAINT_UNIQUE },
		{ "23503", SQLITE_CONSTRAINT_FOREIGNKEY },
		{ "23514", SQLITE_CONSTRAINT_CHECK },
		{ "23502", SQLITE_CONSTRAINT_NOTNULL },
		{ "40001", SQLITE_BUSY },
		{ "40P01", SQLITE_BUSY },
		{ "55P03", SQLITE_BUSY },
		{ "57014", SQLITE_BUSY },	/* statement_timeout */
	};
	size_t	 i;

	if (state == NULL)
		return SQLITE_ERROR;
	for (i = 0; i < nitems(map); i++)
		if (strcmp(state, map[i].state) == 0)
			return map[i].code;
	if (strncmp(state, "23", 2) == 0)
		return SQLITE_CONSTRAINT;
	if (strncmp(state, "08", 2) == 0)
		return SQLITE_IOERR;
	return SQLITE_ERROR;
}

/*
 * A unique violation in SQLite's words, which callers read to say which
 * value is taken: "UNIQUE constraint failed: clients.name" from the
 * detail's "Key (name)=(...) already exists.", or the index's name when
 * its key is an expression. 0 if the result does not say.
 */
static int
pg_unique(struct db_pg *pg, const PGresult *r)
{
	const char	*t, *d, *k, *e;
	char		 cols[256];
	size_t		 len = 0, n;

	if (r == NULL || (t = PQresultErrorField(r, PG_DIAG_TABLE_NAME)) ==
	    NULL || (d = PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL)) ==
	    NULL || strncmp(d, "Key (", 5) != 0 ||
	    (e = strstr(d, ")=(")) == NULL)
		return 0;
	cols[0] = '\0';
	for (k = d + 5; k < e && len < sizeof(cols); k += n) {
		n = strcspn(k, ",)");
		if (k + n > e || strspn(k, "abcdefghijklmnopqrstuvwxyz_0123456789")
		    != n) {
			k = PQresultErrorField(r, PG_DIAG_CONSTRAINT_NAME);
			pg_fail(pg, SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint "
			    "failed: index '%s'", k != NULL ? k : "?");
			return 1;
		}
		len += snprintf(cols + len, sizeof(cols) - len, "%s%s.%.*s",
		    len ? ", " : "", t, (int)n, k);
		if (k[n] == ',')
			n += strspn(k + n, ", ");
	}
	pg_fail(pg, SQLITE_CONSTRAINT_UNIQUE, "UNIQUE constraint failed: %s",
	    cols);
	return 1;
}

/* Record the failure a result (or the lack of one) says. */
static int
pg_fail_res(struct db_pg *pg, const PGresult *r)
{
	const char	*m = NULL, *state = NULL, *t, *col;
	int		 code;

	if (r != NULL) {
		state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		m = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
	}
	if (m == NULL)
		m = r != NULL ? PQresultErrorMessage(r) : "";
	if (*m == '\0')
		m = PQerrorMessage(pg->conn);
	code = pg_code(state);
	/*
	 * A read-only server: a standby, where a failover left this session
	 * (several hosts and target_session_attrs=read-write): connect again.
	 */
	if (state != NULL && strcmp(state, "25006") == 0) {
		pg->standby = 1;
		return pg_fail(pg, SQLITE_READONLY, "the database server is "
		    "read-only (a standby?): %.*s", (int)strcspn(m, "\n"), m);
	}
	/* Its end: the connection broke, or the server is going away. */
	if (PQstatus(pg->conn) != CONNECTION_OK || code == SQLITE_IOERR ||
	    (state != NULL && strncmp(state, "57P0", 4) == 0))
		return pg_fail(pg, SQLITE_IOERR, "the database server is "
		    "unreachable: %.*s", (int)strcspn(m, "\n"), m);
	if (code == SQLITE_CONSTRAINT_UNIQUE && pg_unique(pg, r))
		return code;
	if (code == SQLITE_CONSTRAINT_NOTNULL && r != NULL &&
	    (t = PQresultErrorField(r, PG_DIAG_TABLE_NAME)) != NULL &&
	    (col = PQresultErrorField(r, PG_DIAG_COLUMN_NAME)) != NULL)
		return pg_fail(pg, code, "NOT NULL constraint failed: %s.%s",
		    t, col);
	return pg_fail(pg, code, "%.*s", (int)strcspn(m, "\n"), m);
}

/* Whether a result is a success. */
static int
pg_ok(const PGresult *r)
{
	ExecStatusType	 s = PQresultStatus(r);

	return r != NULL && (s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK ||
	    s == PGRES_EMPTY_QUERY);
}

/* The server's notices (a DROP ... IF EXISTS that had nothing): debug. */
static void
pg_notice(void *arg, const char *msg)
{
	log_debug("postgresql: %.*s", (int)strcspn(msg, "\n"), msg);
}

/*
 * LISTEN for others' changes (the schema's triggers notify netboot), and
 * prepare the savepoint around a write in a transaction: parsed once.
 */
static int
pg_listen(struct db_pg *pg)
{
	static const char *const sql[][2] = {
		{ NULL, "LISTEN netboot" },
		{ "nb_sp", "SAVEPOINT nb_stmt" },
		{ "nb_rl", "RELEASE nb_stmt" },
	};
	PGresult	*r;
	char		 set[64];
	size_t		 i;
	int		 rc = SQLITE_OK;

	PQsetNoticeProcessor(pg->conn, pg_notice, NULL);
	for (i = 0; i < nitems(sql) && rc == SQLITE_OK; i++) {
		if (sql[i][0] == NULL)
			r = PQexec(pg->conn, sql[i][1]);
		else
			r = PQprepare(pg->conn, sql[i][0], sql[i][1], 0, NULL);
		if (!pg_ok(r))
			rc = pg_fail_res(pg, r);
		PQclear(r);
	}
	/* A session setting: a connection made again lost it. */
	if (rc == SQLITE_OK && pg->lock_set) {
		snprintf(set, sizeof(set), "SET lock_timeout = %d",
		    pg->wait_ms);
		r = PQexec(pg->conn, set);
		if (!pg_ok(r))
			rc = pg_fail_res(pg, r);
		PQclear(r);
	}
	pg->listening = rc == SQLITE_OK;
	return rc;
}

/* Seconds on the monotonic clock. */
static double
pg_clock(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Connect with conninfo (a URI or keywords), and a bounded connect time
 * unless it says; or only start to, without blocking.
 */
static PGconn *
pg_connect(const char *conninfo, int start)
{
	static const char *const keys[] = {
		"connect_timeout", "fallback_application_name", "dbname", NULL
	};
	char		 sec[16];
	const char	*vals[] = { sec, "netboot", conninfo, NULL };

	snprintf(sec, sizeof(sec), "%d", PG_CONNECT_SEC);
	if (start)
		return PQconnectStartParams(keys, vals, 1);
	return PQconnectdbParams(keys, vals, 1);
}

struct db_pg *
db_pg_open(const char *conninfo, char *err, size_t errsz)
{
	struct db_pg	*pg;
	const char	*m;
	char		*name;

	pg = xcalloc(1, sizeof(*pg));
	pg->conninfo = xstrdup(conninfo);
	pg->conn = pg_connect(conninfo, 0);
	if (pg->conn == NULL || PQstatus(pg->conn) != CONNECTION_OK) {
		m = pg->conn ? PQerrorMessage(pg->conn) : "out of memory";
		name = db_pg_name(conninfo);
		snprintf(err, errsz, "cannot connect to the PostgreSQL server "
		    "(%s): %.*s", name, (int)strcspn(m, "\n"), m);
		free(name);
		db_pg_close(pg);
		return NULL;
	}
	if (pg_listen(pg) != SQLITE_OK) {
		snprintf(err, errsz, "setting up the session: %s", pg->msg);
		db_pg_close(pg);
		return NULL;
	}
	pg->gen = 1;
	pg->wait_ms = PG_CONNECT_SEC * 1000;
	return pg;
}

void
db_pg_close(struct db_pg *pg)
{
	if (pg == NULL)
		return;
	PQfinish(pg->next);
	PQfinish(pg->conn);
	free(pg->conninfo);
	free(pg);
}

/*
 * Advance the connection being made, waiting up to msec for its socket:
 * SQLITE_OK once it is made (and set up), else SQLITE_IOERR.
 */
static int
pg_advance(struct db_pg *pg, int msec)
{
	struct pollfd	 pfd;
	double		 end = pg_clock() + msec / 1e3, left;
	const char	*m;
	int		 n;

	for (;;) {
		pfd.fd = PQsocket(pg->next);
		pfd.events = pg->polling == PGRES_POLLING_READING ? POLLIN :
		    POLLOUT;
		left = end - pg_clock();
		n = poll(&pfd, 1, left > 0 ? (int)(left * 1e3) : 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 && pg_clock() - pg->next_at < PG_CONNECT_SEC)
			return pg_fail(pg, SQLITE_IOERR, "the database server "
			    "is unreachable (connecting again)");
		if (n == 0) {
			pg_fail(pg, SQLITE_IOERR, "the database server is "
			    "unreachable (no answer in %d s)", PG_CONNECT_SEC);
			break;
		}
		pg->polling = PQconnectPoll(pg->next);
		if (pg->polling == PGRES_POLLING_OK) {
			PQfinish(pg->conn);
			pg->conn = pg->next;
			pg->next = NULL;
			pg->gen++;
			pg->notified++;
			return pg_listen(pg);
		}
		if (pg->polling == PGRES_POLLING_FAILED) {
			m = PQerrorMessage(pg->next);
			pg_fail(pg, SQLITE_IOERR, "the database server is "
			    "unreachable: %.*s", (int)strcspn(m, "\n"), m);
			break;
		}
	}
	PQfinish(pg->next);
	pg->next = NULL;
	return SQLITE_IOERR;
}

/*
 * Connect again after the connection broke, outside a transaction: an
 * attempt at most once per PG_RETRY_SEC, which holds its caller for its
 * busy timeout at most (a daemon's loop: 50 ms), then goes on without
 * blocking at each later call. The plans died with the old session and
 * notifications may have been missed: count one.
 */
static int
pg_revive(struct db_pg *pg)
{
	const char	*m;
	time_t		 now;

	if (pg->standby && !pg->in_tx) {
		PQfinish(pg->conn);
		pg->conn = NULL;	/* PQ's functions take it: "bad" */
		pg->standby = 0;
		pg->retry_at = 0;
	}
	if (PQstatus(pg->conn) == CONNECTION_OK &&
	    PQpipelineStatus(pg->conn) == PQ_PIPELINE_OFF &&
	    PQtransactionStatus(pg->conn) != PQTRANS_ACTIVE)
		return SQLITE_OK;
	if (pg->in_tx)
		return pg_fail_res(pg, NULL);
	if (pg->next != NULL)
		return pg_advance(pg, 0);
	now = time(NULL);
	if (now < pg->retry_at) {
		/* The last attempt's reason stays in the message. */
		if (pg->err != SQLITE_IOERR)
			pg_fail(pg, SQLITE_IOERR, "the database server is "
			    "unreachable");
		return SQLITE_IOERR;
	}
	pg->retry_at = now + PG_RETRY_SEC;
	pg->next = pg_connect(pg->conninfo, 1);
	if (pg->next == NULL || PQstatus(pg->next) == CONNECTION_BAD) {
		m = pg->next ? PQerrorMessage(pg->next) : "out of memory";
		pg_fail(pg, SQLITE_IOERR, "the database server is "
		    "unreachable: %.*s", (int)strcspn(m, "\n"), m);
		PQfinish(pg->next);
		pg->next = NULL;
		return SQLITE_IOERR;
	}
	pg->polling = PGRES_POLLING_WRITING;
	pg->next_at = pg_clock();
	return pg_advance(pg, pg->wait_ms < PG_CONNECT_SEC * 1000 ?
	    pg->wait_ms : PG_CONNECT_SEC * 1000);
}

char *
db_pg_name(const char *conninfo)
{
	static const char *const keys[] = {
		"service", "host", "hostaddr", "port", "dbname", "user",
	};
	PQconninfoOption *opts, *o;
	char		 buf[512];
	size_t		 i, len = 0;

	/* The parts that say which server and database, never a password. */
	if ((opts = PQconninfoParse(conninfo, NULL)) == NULL)
		return xstrdup("an invalid PostgreSQL connection string");
	buf[0] = '\0';
	for (i = 0; i < nitems(keys); i++)
		for (o = opts; o->keyword != NULL; o++)
			if (strcmp(o->keyword, keys[i]) == 0 &&
			    o->val != NULL && len < sizeof(buf))
				len += snprintf(buf + len, sizeof(buf) - len,
				    "%s%s=%s", len ? " " : "", o->keyword,
				    o->val);
	PQconninfoFree(opts);
	return xstrdup(len ? buf : "dbname=");
}

int
db_pg_exec(struct db_pg *pg, const char *sql)
{
	PGresult	*r;
	int		 rc = SQLITE_OK;

	if ((rc = pg_revive(pg)) != SQLITE_OK)
		return rc;
	r = PQexec(pg->conn, sql);
	if (!pg_ok(r))
		rc = pg_fail_res(pg, r);
	PQclear(r);
	return rc;
}

int
db_pg_int(struct db_pg *pg, const char *sql, int64_t *out)
{
	PGresult	*r;
	int		 rc = SQLITE_OK;

	if ((rc = pg_revive(pg)) != SQLITE_OK)
		return rc;
	r = PQexec(pg->conn, sql);
	if (PQresultStatus(r) != PGRES_TUPLES_OK)
		rc = pg_fail_res(pg, r);
	else if (PQntuples(r) < 1 || PQgetisnull(r, 0, 0))
		rc = pg_fail(pg, SQLITE_ERROR, "%s: no value", sql);
	else
		*out = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return rc;
}

int
db_pg_commit(struct db_pg *pg)
{
	/* COMMIT of an aborted transaction rolls back and says nothing. */
	if (PQtransactionStatus(pg->conn) == PQTRANS_INERROR) {
		db_pg_exec(pg, "ROLLBACK");
		return pg_fail(pg, SQLITE_ERROR, "the transaction was rolled "
		    "back: a statement in it failed");
	}
	return db_pg_exec(pg, "COMMIT");
}

void
db_pg_set_wait(struct db_pg *pg, int msec)
{
	pg->wait_ms = msec > 0 ? msec : 0;
	pg->lock_set = 1;
}

void
db_pg_set_tx(struct db_pg *pg, int in_tx)
{
	pg->in_tx = in_tx;
}

int
db_pg_in_tx(struct db_pg *pg)
{
	return PQtransactionStatus(pg->conn) == PQTRANS_INTRANS ||
	    PQtransactionStatus(pg->conn) == PQTRANS_INERROR;
}

int64_t
db_pg_notified(struct db_pg *pg, int pid, int revive)
{
	PGnotify	*n;
	int		 self;

	/* A loop that only looks here must still get its LISTEN back. */
	if (PQstatus(pg->conn) != CONNECTION_OK &&
	    (!revive || pg_revive(pg) != SQLITE_OK))
		return -1;
	/* What has come on the socket already: no round trip. */
	if (!PQconsumeInput(pg->conn))
		return -1;
	self = PQbackendPID(pg->conn);
	while ((n = PQnotifies(pg->conn)) != NULL) {
		if (n->be_pid != self && n->be_pid != pid)
			pg->notified++;
		PQfreemem(n);
	}
	return pg->notified;
}

int
db_pg_backend(struct db_pg *pg)
{
	return PQbackendPID(pg->conn);
}

int
db_pg_lost(struct db_pg *pg)
{
	return PQstatus(pg->conn) != CONNECTION_OK;
}

/*
 * The length of the dollar quote ($$ or $tag$) at p in sql, 0 if there
 * is none (a $1 parameter, a $ inside a name).
 */
static size_t
pg_dollar(const char *sql, const char *p)
{
	size_t	 n;

	if (p > sql && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
		return 0;
	if (isdigit((unsigned char)p[1]))
		return 0;
	n = 1 + strspn(p + 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789_");
	return p[n] == '$' ? n + 1 : 0;
}

/*
 * SQLite's parameters as PostgreSQL's, outside literals, quoted names,
 * dollar quotes and comments: ?NNN is $NNN, a bare ? the next after the
 * largest yet. The count of parameters in *np.
 */
static char *
pg_translate(const char *sql, int *np)
{
	const char	*p = sql, *e;
	char		*out, *o, *end;
	char		 q;
	size_t		 dq;
	long		 n;
	int		 max = 0;

	o = out = xmalloc(strlen(sql) * 4 + 1);
	while (*p != '\0') {
		if (*p == '\'' || *p == '"') {
			q = *p;
			*o++ = *p++;
			while (*p != '\0' && *p != q)
				*o++ = *p++;
			if (*p != '\0')
				*o++ = *p++;	/* '' doubles: two literals */
		} else if (*p == '$' && (dq = pg_dollar(sql, p)) > 0) {
			/* Copied whole, to the same quote again or the end. */
			for (e = p + dq; *e != '\0'; e++)
				if (strncmp(e, p, dq) == 0)
					break;
			e = *e != '\0' ? e + dq : e;
			memcpy(o, p, e - p);
			o += e - p;
			p = e;
		} else if (p[0] == '-' && p[1] == '-') {
			while (*p != '\0' && *p != '\n')
				*o++ = *p++;
		} else if (*p == '?') {
			p++;
			if (*p >= '0' && *p <= '9') {
				n = strtol(p, &end, 10);
				p = end;
				if (n > 999)
					n = 999;	/* then PQ says it is wrong */
			} else
				n = max + 1;
			if (n > max)
				max = (int)n;
			o += sprintf(o, "$%ld", n);
		} else
			*o++ = *p++;
	}
	*o = '\0';
	*np = max;
	return out;
}

/* Whether a statement may write: not a read or a transaction's control. */
static int
pg_is_write(const char *sql)
{
	static const char *const reads[] = {
		"SELECT", "VALUES", "SHOW", "BEGIN", "COMMIT", "ROLLBACK",
		"SAVEPOINT", "RELEASE", "SET", "LISTEN", "END", "START",
	};
	size_t	 i, n;

	sql += strspn(sql, " \t\r\n(");
	for (i = 0; i < nitems(reads); i++) {
		n = strlen(reads[i]);
		if (strncasecmp(sql, reads[i], n) == 0 &&
		    strchr(" \t\r\n(;", sql[n]) != NULL)
			return 0;
	}
	return 1;
}

struct db_pgst *
db_pg_prepare(struct nb_db *db, const char *sql)
{
	struct db_pgst	*st;
	int		 n;

	st = xcalloc(1, sizeof(*st));
	st->pg = db->pg;
	st->sql = pg_translate(sql, &n);
	st->write = pg_is_write(st->sql);
	st->oneshot = 1;
	st->nparams = n;
	if (n > 0) {
		st->vals = xcalloc(n, sizeof(*st->vals));
		st->lens = xcalloc(n, sizeof(*st->lens));
		st->fmts = xcalloc(n, sizeof(*st->fmts));
		st->types = xcalloc(n, sizeof(*st->types));
	}
	return st;
}

/* Free the bytea decoded for the previous row. */
static void
pg_drop_blobs(struct db_pgst *st)
{
	int	 i;

	for (i = 0; i < st->nblobs; i++) {
		free(st->blobs[i]);
		st->blobs[i] = NULL;
	}
}

/* Drop what the last execution decoded and returned. */
static void
pg_drop_rows(struct db_pgst *st)
{
	pg_drop_blobs(st);
	PQclear(st->res);
	st->res = NULL;
}

void
db_pg_finalize(struct db_pgst *st)
{
	int	 i;

	if (st == NULL)
		return;
	pg_drop_rows(st);
	PQclear(st->desc);
	for (i = 0; i < st->nparams; i++)
		free(st->vals[i]);
	for (i = 0; i < st->nplans; i++)
		free(st->plans[i].types);
	free(st->vals);
	free(st->lens);
	free(st->fmts);
	free(st->types);
	free(st->blobs);
	free(st->bloblens);
	free(st->sql);
	free(st);
}

void
db_pg_keep(struct db_pgst *st)
{
	st->oneshot = 0;
}

void
db_pg_reset(struct db_pgst *st)
{
	pg_drop_rows(st);
	st->executed = 0;
	st->row = -1;
}

void
db_pg_clear(struct db_pgst *st)
{
	int	 i;

	for (i = 0; i < st->nparams; i++) {
		free(st->vals[i]);
		st->vals[i] = NULL;
		st->lens[i] = st->fmts[i] = 0;
	}
}

/* Set parameter i (1-based) to a copy of n bytes of p, or NULL. */
static int
pg_bind(struct db_pgst *st, int i, const void *p, int n, int fmt, Oid type)
{
	char	*v = NULL;

	if (i < 1 || i > st->nparams)
		return SQLITE_RANGE;
	i--;
	if (p != NULL) {
		v = xmalloc((size_t)n + 1);
		memcpy(v, p, n);
		v[n] = '\0';
		/* A NULL fits any type: keep the plan of the last value. */
		st->types[i] = type;
	}
	free(st->vals[i]);
	st->vals[i] = v;
	st->lens[i] = n;
	st->fmts[i] = fmt;
	return SQLITE_OK;
}

int
db_pg_bind_int64(struct db_pgst *st, int i, int64_t v)
{
	char	 buf[24];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%" PRId64, v);
	return pg_bind(st, i, buf, n, 0, PG_INT8);
}

int
db_pg_bind_double(struct db_pgst *st, int i, double v)
{
	char	 buf[40];
	int	 n;

	n = snprintf(buf, sizeof(buf), "%.17g", v);
	return pg_bind(st, i, buf, n, 0, PG_FLOAT8);
}

int
db_pg_bind_null(struct db_pgst *st, int i)
{
	return pg_bind(st, i, NULL, 0, 0, 0);
}

/* Give SQLite's destructor what it owns, once copied. */
static void
pg_dispose(const void *p, void (*d)(void *))
{
	if (p != NULL && d != SQLITE_STATIC && d != SQLITE_TRANSIENT)
		d((void *)(uintptr_t)p);
}

int
db_pg_bind_text(struct db_pgst *st, int i, const char *s, int n,
    void (*d)(void *))
{
	int	 rc;

	if (s != NULL && n < 0)
		n = (int)strlen(s);
	rc = pg_bind(st, i, s, n, 0, 0);
	pg_dispose(s, d);
	return rc;
}

int
db_pg_bind_blob(struct db_pgst *st, int i, const void *p, int n,
    void (*d)(void *))
{
	int	 rc;

	/* SQLite binds a zero-length blob with a NULL pointer as NULL. */
	rc = pg_bind(st, i, p, n < 0 ? 0 : n, 1, PG_BYTEA);
	pg_dispose(p, d);
	return rc;
}

/* The plan of st for its current parameter types, or NULL if none yet. */
static struct db_pgplan *
pg_plan_find(struct db_pgst *st)
{
	int	 i;

	if (st->gen != st->pg->gen) {
		for (i = 0; i < st->nplans; i++)
			free(st->plans[i].types);
		st->nplans = 0;
		st->gen = st->pg->gen;
	}
	for (i = 0; i < st->nplans; i++)
		if (st->nparams == 0 || memcmp(st->plans[i].types, st->types,
		    st->nparams * sizeof(Oid)) == 0)
			return &st->plans[i];
	return NULL;
}

/* Roll the failed statement's savepoint back: the transaction goes on. */
static void
pg_undo(struct db_pg *pg)
{
	PGresult	*r;
	int		 err = pg->err;
	char		 msg[sizeof(pg->msg)];

	/* Keep the statement's error, not that of the undo. */
	memcpy(msg, pg->msg, sizeof(msg));
	r = PQexec(pg->conn, "ROLLBACK TO SAVEPOINT nb_stmt; RELEASE nb_stmt");
	PQclear(r);
	pg->err = err;
	memcpy(pg->msg, msg, sizeof(msg));
}

/* Get one command's result in a pipeline (and its end). */
static PGresult *
pg_next(PGconn *c)
{
	PGresult	*r, *x;

	if ((r = PQgetResult(c)) == NULL)
		return NULL;
	if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
		return r;
	while ((x = PQgetResult(c)) != NULL)
		PQclear(x);
	return r;
}

/*
 * Send st's execution (with its savepoint if wrap, and the plan's Parse
 * if new) in one pipeline and read its results; the statement's result
 * in *out. SQLITE_OK if the statement's result is in *out.
 */
static int
pg_run(struct db_pgst *st, int wrap, PGresult **out)
{
	struct db_pg	*pg = st->pg;
	struct db_pgplan *plan, *fresh = NULL;
	PGconn		*c = pg->conn;
	PGresult	*r, *res = NULL;
	int		 sent = 0, rc, failed = 0, i;

	*out = NULL;
	if (st->oneshot)
		plan = NULL;
	else if ((plan = pg_plan_find(st)) == NULL &&
	    st->nplans < PG_VARIANTS) {
		fresh = plan = &st->plans[st->nplans];
		snprintf(plan->name, sizeof(plan->name), "s%d", ++pg->nstmt);
	}
	if (!PQenterPipelineMode(c))
		return pg_fail_res(pg, NULL);
	if (wrap && PQsendQueryPrepared(c, "nb_sp", 0, NULL, NULL, NULL, 0))
		sent++;
	if (fresh != NULL && PQsendPrepare(c, plan->name, st->sql,
	    st->nparams, st->types))
		sent++;
	if (plan != NULL)
		rc = PQsendQueryPrepared(c, plan->name, st->nparams,
		    (const char *const *)st->vals, st->lens, st->fmts, 0);
	else
		rc = PQsendQueryParams(c, st->sql, st->nparams, st->types,
		    (const char *const *)st->vals, st->lens, st->fmts, 0);
	sent += rc;
	if (wrap && PQsendQueryPrepared(c, "nb_rl", 0, NULL, NULL, NULL, 0))
		sent++;
	if (sent != 1 + 2 * wrap + (fresh != NULL) || !PQpipelineSync(c))
		goto broken;
	for (i = 0; i < sent; i++) {
		if ((r = pg_next(c)) == NULL ||
		    PQresultStatus(r) == PGRES_PIPELINE_SYNC) {
			PQclear(r);
			goto broken;
		}
		if (fresh != NULL && i == wrap) {
			/* The Parse: keep the plan if the server made it. */
			if (pg_ok(r)) {
				plan->types = xcalloc(st->nparams + 1,
				    sizeof(Oid));
				if (st->nparams > 0)	/* types NULL if none */
					memcpy(plan->types, st->types,
					    st->nparams * sizeof(Oid));
				st->nplans++;
			}
		}
		if (!failed && !pg_ok(r)) {
			failed = 1;
			pg_fail_res(pg, r);
		}
		if (i == wrap + (fresh != NULL))
			res = r;
		else
			PQclear(r);
	}
	if ((r = PQgetResult(c)) == NULL ||
	    PQresultStatus(r) != PGRES_PIPELINE_SYNC) {
		PQclear(r);
		PQclear(res);
		goto broken;
	}
	PQclear(r);
	if (!PQexitPipelineMode(c)) {
		PQclear(res);
		goto broken;
	}
	if (failed) {
		PQclear(res);
		if (wrap)
			pg_undo(pg);
		return pg->err;
	}
	*out = res;
	return SQLITE_OK;
 broken:
	/* Leave the pipeline with the connection: pg_revive reconnects. */
	rc = pg_fail_res(pg, NULL);
	if (PQstatus(c) == CONNECTION_OK) {
		while ((r = PQgetResult(c)) != NULL)
			PQclear(r);
		if (!PQexitPipelineMode(c))
			pg_fail(pg, SQLITE_IOERR, "%s", "pipeline left open");
	}
	return rc;
}

/* The rows the command of r changed, if it writes rows. */
static void
pg_count(struct db_pg *pg, PGresult *r)
{
	static const char *const cmds[] = { "INSERT", "UPDATE", "DELETE",
	    "MERGE" };
	const char	*s = PQcmdStatus(r);
	size_t		 i;

	for (i = 0; i < nitems(cmds); i++)
		if (strncmp(s, cmds[i], strlen(cmds[i])) == 0) {
			pg->changes = strtoll(PQcmdTuples(r), NULL, 10);
			return;
		}
}

int
db_pg_step(struct db_pgst *st)
{
	struct db_pg	*pg = st->pg;
	int		 rc, n;

	if (st->executed && st->res != NULL &&
	    st->row >= PQntuples(st->res))
		db_pg_reset(st);	/* SQLite runs it again after DONE */
	if (!st->executed) {
		pg_drop_rows(st);
		if ((rc = pg_revive(pg)) != SQLITE_OK)
			return rc;
		if ((rc = pg_run(st, pg->in_tx && st->write, &st->res)) !=
		    SQLITE_OK)
			return rc;
		st->executed = 1;
		st->row = -1;
		pg_count(pg, st->res);
		n = PQnfields(st->res);
		if (n > st->nblobs) {
			st->blobs = xreallocarray(st->blobs, n,
			    sizeof(*st->blobs));
			st->bloblens = xreallocarray(st->bloblens, n,
			    sizeof(*st->bloblens));
			memset(st->blobs + st->nblobs, 0,
			    (n - st->nblobs) * sizeof(*st->blobs));
			st->nblobs = n;
		}
	} else
		pg_drop_blobs(st);
	pg->err = SQLITE_OK;
	if (++st->row < PQntuples(st->res))
		return SQLITE_ROW;
	return SQLITE_DONE;
}


/* The text of column i of the current row, or NULL. */
static const char *
pg_val(struct db_pgst *st, int i)
{
	if (st->res == NULL || st->row < 0 || st->row >= PQntuples(st->res) ||
	    i < 0 || i >= PQnfields(st->res) || PQgetisnull(st->res, st->row, i))
		return NULL;
	return PQgetvalue(st->res, st->row, i);
}

int64_t
db_pg_column_int64(struct db_pgst *st, int i)
{
	const char	*s;

	if ((s = pg_val(st, i)) == NULL)
		return 0;
	if (PQftype(st->res, i) == PG_BOOL)
		return s[0] == 't';
	if (strpbrk(s, ".eEnN") != NULL)	/* real, NaN, Infinity */
		return (int64_t)strtod(s, NULL);
	return strtoll(s, NULL, 10);
}

double
db_pg_column_double(struct db_pgst *st, int i)
{
	const char	*s;

	if ((s = pg_val(st, i)) == NULL)
		return 0;
	if (PQftype(st->res, i) == PG_BOOL)
		return s[0] == 't';
	return strtod(s, NULL);
}

const unsigned char *
db_pg_column_text(struct db_pgst *st, int i)
{
	const char	*s;

	if ((s = pg_val(st, i)) == NULL)
		return NULL;
	/* SQLite's text of a blob is its bytes. */
	if (PQftype(st->res, i) == PG_BYTEA)
		return db_pg_column_blob(st, i);
	if (PQftype(st->res, i) == PG_BOOL)
		return (const unsigned char *)(s[0] == 't' ? "1" : "0");
	return (const unsigned char *)s;
}

const void *
db_pg_column_blob(struct db_pgst *st, int i)
{
	const char	*s;
	unsigned char	*b;
	size_t		 n;

	if ((s = pg_val(st, i)) == NULL)
		return NULL;
	if (PQftype(st->res, i) != PG_BYTEA)
		return s;
	if (st->blobs[i] == NULL) {
		/* Kept until the next step or reset, as SQLite's. */
		if ((b = PQunescapeBytea((const unsigned char *)s, &n)) ==
		    NULL)
			fatalx("%s: out of memory", __func__);
		/* With a NUL after the bytes, for column_text. */
		st->blobs[i] = xmalloc(n + 1);
		memcpy(st->blobs[i], b, n);
		st->blobs[i][n] = '\0';
		st->bloblens[i] = n;
		PQfreemem(b);
	}
	return st->blobs[i];
}

int
db_pg_column_bytes(struct db_pgst *st, int i)
{
	const char	*s;

	if ((s = pg_val(st, i)) == NULL)
		return 0;
	if (PQftype(st->res, i) == PG_BYTEA) {
		db_pg_column_blob(st, i);
		return (int)st->bloblens[i];
	}
	if (PQftype(st->res, i) == PG_BOOL)
		return 1;
	return PQgetlength(st->res, st->row, i);
}

int
db_pg_column_type(struct db_pgst *st, int i)
{
	if (pg_val(st, i) == NULL)
		return SQLITE_NULL;
	switch (PQftype(st->res, i)) {
	case PG_BOOL:
	case PG_INT2:
	case PG_INT4:
	case PG_INT8:
	case PG_OID:
		return SQLITE_INTEGER;
	case PG_FLOAT4:
	case PG_FLOAT8:
	case PG_NUMERIC:
		return SQLITE_FLOAT;
	case PG_BYTEA:
		return SQLITE_BLOB;
	default:
		return SQLITE_TEXT;
	}
}

/*
 * The result's columns: the last execution's, or before one (SQLite
 * knows them once prepared) the server's description of the statement,
 * asked once (two round trips); NULL if it cannot say.
 */
static const PGresult *
pg_shape(struct db_pgst *st)
{
	PGresult	*r;

	if (st->res != NULL || st->desc != NULL)
		return st->res != NULL ? st->res : st->desc;
	if (pg_revive(st->pg) != SQLITE_OK)
		return NULL;
	r = PQprepare(st->pg->conn, "", st->sql, st->nparams, st->types);
	if (pg_ok(r)) {
		PQclear(r);
		r = PQdescribePrepared(st->pg->conn, "");
	}
	if (!pg_ok(r)) {
		pg_fail_res(st->pg, r);
		PQclear(r);
		return NULL;
	}
	return st->desc = r;
}

int
db_pg_column_count(struct db_pgst *st)
{
	const PGresult	*r;

	return (r = pg_shape(st)) == NULL ? 0 : PQnfields(r);
}

const char *
db_pg_column_name(struct db_pgst *st, int i)
{
	const PGresult	*r;

	if ((r = pg_shape(st)) == NULL || i < 0 || i >= PQnfields(r))
		return NULL;
	return PQfname(r, i);
}

int64_t
db_pg_changes(struct db_pg *pg)
{
	return pg->changes;
}

int64_t
db_pg_last_rowid(struct db_pg *pg)
{
	struct db_pgst	 st;
	int64_t		 id = 0;
	PGresult	*r;

	/*
	 * The session's last nextval(): an error if none yet, which would
	 * abort a transaction, so in a savepoint as a write is.
	 */
	memset(&st, 0, sizeof(st));
	st.pg = pg;
	st.sql = (char *)(uintptr_t)"SELECT lastval()";
	st.oneshot = 1;
	if (pg_revive(pg) != SQLITE_OK ||
	    pg_run(&st, pg->in_tx, &r) != SQLITE_OK)
		return 0;
	if (PQntuples(r) == 1 && !PQgetisnull(r, 0, 0))
		id = strtoll(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	return id;
}

int
db_pg_errcode(struct db_pg *pg)
{
	return pg->err;
}

const char *
db_pg_errmsg(struct db_pg *pg)
{
	return pg->msg;
}
