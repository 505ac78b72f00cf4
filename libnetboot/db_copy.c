/*
 * db_copy.c: bootctl db copy, a whole installation moved between two
 * databases of the same schema version, either engine to either. The
 * source is read in one read transaction (a snapshot: daemons may go on
 * writing), the destination written in one write transaction (all or
 * nothing), then read back and compared table by table: the same number
 * of rows and the same multiset of rows, by a sum of per-row SHA-256
 * prefixes over the values' canonical forms (types and bytes, not the
 * engine's text), so neither row order nor collation matters.
 */
#include "config.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sha2.h>

#include "db_int.h"
#include "log.h"
#include "xmalloc.h"

/*
 * Every table, parents before the tables whose foreign keys name them.
 * order: the rows' order where it carries meaning (clients' rowid is
 * the order of discovery, which the discovered-client cap evicts by).
 * A column named rowid is never copied: each engine numbers anew, in
 * that order.
 */
static const struct {
	const char	*name;
	const char	*order;
} copy_tables[] = {
	{ "secrets", NULL },
	{ "settings", NULL },
	{ "templates", NULL },
	{ "images", NULL },
	{ "iso_files", NULL },
	{ "clients", "rowid" },
	{ "client_labels", NULL },
	{ "boots", NULL },
	{ "files", "id" },
	{ "inventories", "id" },
	{ "events", "id" },
	{ "leases6", NULL },
	{ "users", NULL },
	{ "tokens", "id" },
	{ "login_failures", NULL },
	{ "webhooks", "id" },
};
#define NTABLES	(sizeof(copy_tables) / sizeof(copy_tables[0]))

/* A table's digest: its rows and the sum of their hashes. */
struct copy_sum {
	int64_t		 rows;
	uint64_t	 sum;
};

/* Add one value, typed and length-prefixed, to a row's hash. */
static void
copy_hash_value(SHA2_CTX *ctx, struct db_st *st, int i)
{
	char		 buf[40];
	const void	*p = NULL;
	uint32_t	 len = 0;
	uint8_t		 type;

	switch (dbs_column_type(st, i)) {
	case SQLITE_NULL:
		type = 'N';
		break;
	case SQLITE_INTEGER:
		type = 'I';
		len = (uint32_t)snprintf(buf, sizeof(buf), "%lld",
		    (long long)dbs_column_int64(st, i));
		p = buf;
		break;
	case SQLITE_FLOAT:
		type = 'F';
		len = (uint32_t)snprintf(buf, sizeof(buf), "%.17g",
		    dbs_column_double(st, i));
		p = buf;
		break;
	case SQLITE_BLOB:
		type = 'B';
		p = dbs_column_blob(st, i);
		len = (uint32_t)dbs_column_bytes(st, i);
		break;
	default:
		type = 'T';
		p = dbs_column_text(st, i);
		len = (uint32_t)dbs_column_bytes(st, i);
		break;
	}
	SHA256Update(ctx, &type, 1);
	SHA256Update(ctx, (const uint8_t *)&len, sizeof(len));
	if (len > 0)
		SHA256Update(ctx, p, len);
}

/* Add the current row of st (columns first..n-1) to sum. */
static void
copy_hash_row(struct db_st *st, const int *keep, int n, struct copy_sum *s)
{
	SHA2_CTX	 ctx;
	uint8_t		 md[SHA256_DIGEST_LENGTH];
	uint64_t	 v;
	int		 i;

	SHA256Init(&ctx);
	for (i = 0; i < n; i++)
		if (keep[i])
			copy_hash_value(&ctx, st, i);
	SHA256Final(md, &ctx);
	memcpy(&v, md, sizeof(v));
	s->sum += v;
	s->rows++;
}

/* SELECT * of table t, in its order; NULL with db's error on failure. */
static struct db_st *
copy_select(struct nb_db *db, size_t t)
{
	struct db_st	*st;
	char		*sql;

	xasprintf(&sql, "SELECT * FROM %s%s%s", copy_tables[t].name,
	    copy_tables[t].order ? " ORDER BY " : "",
	    copy_tables[t].order ? copy_tables[t].order : "");
	st = db_prepare(db, sql);
	free(sql);
	return st;
}

/*
 * Which columns of st to copy (all but rowid), into keep[], and the
 * INSERT for them; the number of columns, or -1.
 */
static int
copy_columns(struct db_st *st, size_t t, int **keep, char **ins)
{
	char		*cols = xstrdup(""), *vals = xstrdup(""), *c, *v;
	const char	*name;
	int		 n, i, k = 0;

	n = dbs_column_count(st);
	*keep = xcalloc((size_t)(n > 0 ? n : 1), sizeof(**keep));
	for (i = 0; i < n; i++) {
		if ((name = dbs_column_name(st, i)) == NULL ||
		    strcmp(name, "rowid") == 0)
			continue;
		(*keep)[i] = 1;
		xasprintf(&c, "%s%s\"%s\"", cols, k ? ", " : "", name);
		xasprintf(&v, "%s%s?%d", vals, k ? ", " : "", k + 1);
		free(cols);
		free(vals);
		cols = c;
		vals = v;
		k++;
	}
	xasprintf(ins, "INSERT INTO %s (%s) VALUES (%s)", copy_tables[t].name,
	    cols, vals);
	free(cols);
	free(vals);
	return n;
}

/* Bind column i of the source row to parameter k of the INSERT. */
static int
copy_bind(struct db_st *in, int k, struct db_st *src, int i)
{
	switch (dbs_column_type(src, i)) {
	case SQLITE_NULL:
		return dbs_bind_null(in, k);
	case SQLITE_INTEGER:
		return dbs_bind_int64(in, k, dbs_column_int64(src, i));
	case SQLITE_FLOAT:
		return dbs_bind_double(in, k, dbs_column_double(src, i));
	case SQLITE_BLOB:
		return dbs_bind_blob(in, k, dbs_column_blob(src, i),
		    dbs_column_bytes(src, i), SQLITE_TRANSIENT);
	default:
		return dbs_bind_text(in, k, (const char *)dbs_column_text(src,
		    i), dbs_column_bytes(src, i), SQLITE_TRANSIENT);
	}
}

/*
 * Copy table t's rows from src into dst, summing what was read; with dst
 * NULL, only sum them (reading a copy back). Errors are dst's, or src's
 * without dst.
 */
static int
copy_table(struct nb_db *src, struct nb_db *dst, size_t t, struct copy_sum *s)
{
	struct nb_db	*err = dst != NULL ? dst : src;
	struct db_st	*sel, *ins = NULL;
	char		*sql = NULL, why[sizeof(err->err)];
	int		*keep = NULL, n = 0, i, k, rc;

	if ((sel = copy_select(src, t)) == NULL) {
		strlcpy(why, src->err, sizeof(why));
		return db_fail(err, NB_ERR, "reading %s: %s",
		    copy_tables[t].name, why);
	}
	while ((rc = dbs_step(sel)) == SQLITE_ROW) {
		if (keep == NULL)
			n = copy_columns(sel, t, &keep, &sql);
		copy_hash_row(sel, keep, n, s);
		if (dst == NULL)
			continue;
		if (ins == NULL && (ins = db_prepare(dst, sql)) == NULL) {
			rc = NB_ERR;
			goto out;
		}
		for (i = 0, k = 1; i < n; i++)
			if (keep[i])
				copy_bind(ins, k++, sel, i);
		rc = dbs_step(ins);
		dbs_reset(ins);
		if (rc != SQLITE_DONE) {
			db_sqlerr(dst, db_errcode(dst));
			strlcpy(why, dst->err, sizeof(why));
			rc = db_fail(dst, NB_ERR, "writing %s row %lld: %s",
			    copy_tables[t].name, (long long)s->rows, why);
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		db_sqlerr(src, db_errcode(src));
		strlcpy(why, src->err, sizeof(why));
		rc = db_fail(err, NB_ERR, "reading %s: %s",
		    copy_tables[t].name, why);
	} else
		rc = NB_OK;
out:
	dbs_finalize(sel);
	dbs_finalize(ins);
	free(keep);
	free(sql);
	return rc;
}

/* Run one statement of made-up text (not cached) and free the text. */
static int
copy_run(struct nb_db *db, char *sql)
{
	struct db_st	*st;
	int		 rc;

	if ((st = db_prepare(db, sql)) == NULL)
		rc = NB_ERR;
	else
		rc = db_exec_stmt(db, st);
	dbs_finalize(st);
	free(sql);
	return rc;
}

/* Rows in table t of db, or -1. */
static int64_t
copy_count(struct nb_db *db, size_t t)
{
	struct db_st	*st;
	char		*sql;
	int64_t		 n = -1;

	xasprintf(&sql, "SELECT count(*) FROM %s", copy_tables[t].name);
	if ((st = db_prepare(db, sql)) != NULL && dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_finalize(st);
	free(sql);
	return n;
}

/* Empty dst's tables, children first; refuse rows that are not seeds. */
static int
copy_clear(struct nb_db *dst, int force)
{
	char		*sql;
	int64_t		 n;
	size_t		 t;
	int		 rc;

	for (t = 0; !force && t < NTABLES; t++) {
		/* The secret a new database makes for itself is replaced. */
		if (strcmp(copy_tables[t].name, "secrets") == 0)
			continue;
		if ((n = copy_count(dst, t)) < 0)
			return db_fail(dst, NB_ERR, "cannot count the rows of "
			    "%s in the destination", copy_tables[t].name);
		if (n > 0)
			return db_fail(dst, NB_EXISTS, "the destination is not "
			    "empty: %s has %lld row%s (--force replaces "
			    "everything in it)", copy_tables[t].name,
			    (long long)n, n == 1 ? "" : "s");
	}
	for (t = NTABLES; t-- > 0;) {
		xasprintf(&sql, "DELETE FROM %s", copy_tables[t].name);
		if ((rc = copy_run(dst, sql)) != NB_OK)
			return rc;
	}
	return NB_OK;
}

/* After explicit ids, PostgreSQL's identity sequences start past them. */
static int
copy_sequences(struct nb_db *dst)
{
	char		*q;
	size_t		 t;
	int		 rc = NB_OK;

	if (dst->pg == NULL)
		return NB_OK;	/* SQLite's AUTOINCREMENT follows by itself */
	for (t = 0; rc == NB_OK && t < NTABLES; t++) {
		if (copy_tables[t].order == NULL ||
		    strcmp(copy_tables[t].order, "id") != 0)
			continue;
		xasprintf(&q, "SELECT setval(pg_get_serial_sequence('%s', "
		    "'id'), coalesce((SELECT max(id) FROM %s), 0) + 1, false)",
		    copy_tables[t].name, copy_tables[t].name);
		rc = copy_run(dst, q);
	}
	return rc;
}

int
nb_db_copy(struct nb_db *src, struct nb_db *dst, int force,
    void (*report)(const char *table, int64_t rows, void *), void *arg)
{
	struct copy_sum	 in[NTABLES], out[NTABLES];
	size_t		 t;
	int		 rc;

	memset(in, 0, sizeof(in));
	memset(out, 0, sizeof(out));
	if (nb_db_version(src) != nb_db_version(dst))
		return db_fail(dst, NB_INVALID, "schema versions differ: %d "
		    "and %d (run bootctl db migrate on the older)",
		    nb_db_version(src), nb_db_version(dst));
	if ((rc = nb_db_read_begin(src)) != NB_OK)
		return db_fail(dst, rc, "reading the source: %s", src->err);
	if ((rc = nb_db_begin(dst)) != NB_OK) {
		nb_db_read_end(src);
		return rc;
	}
	if ((rc = copy_clear(dst, force)) != NB_OK)
		goto fail;
	for (t = 0; t < NTABLES; t++)
		if ((rc = copy_table(src, dst, t, &in[t])) != NB_OK)
			goto fail;
	if ((rc = copy_sequences(dst)) != NB_OK)
		goto fail;
	nb_db_read_end(src);
	if ((rc = nb_db_commit(dst)) != NB_OK) {
		nb_db_rollback(dst);
		return rc;
	}
	/* Read back what was committed: the engine's word, not ours. */
	for (t = 0; t < NTABLES; t++) {
		if ((rc = copy_table(dst, NULL, t, &out[t])) != NB_OK)
			return rc;
		if (out[t].rows != in[t].rows || out[t].sum != in[t].sum)
			return db_fail(dst, NB_ERR, "verification failed: %s "
			    "has %lld rows, the source %lld%s",
			    copy_tables[t].name, (long long)out[t].rows,
			    (long long)in[t].rows, out[t].rows == in[t].rows ?
			    ", with other values" : "");
		if (report != NULL)
			report(copy_tables[t].name, out[t].rows, arg);
	}
	return NB_OK;
fail:
	nb_db_rollback(dst);
	nb_db_read_end(src);
	return rc;
}

void
nb_db_redact(const char *dsn, char *buf, size_t bufsz)
{
#ifdef HAVE_LIBPQ
	char	*name;
#endif

	if (!nb_db_is_pg(dsn)) {
		strlcpy(buf, dsn, bufsz);
		return;
	}
#ifdef HAVE_LIBPQ
	name = db_pg_name(dsn);		/* libpq's parse, listed keys only */
	strlcpy(buf, name, bufsz);
	free(name);
#else
	strlcpy(buf, "a PostgreSQL database", bufsz);
#endif
}
