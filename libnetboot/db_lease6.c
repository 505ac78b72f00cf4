/*
 * db_lease6.c: the leases of pxedhcpd's stateful DHCPv6 server (table
 * leases6, schema 5). pxedhcpd never calls these on its event loop: it
 * decides from its copy of the table in memory (pxedhcpd/lease6.c) and
 * its write-behind queue's thread writes each change here, in order.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "db_int.h"

static void
lease6_row(struct db_st *st, struct nb_lease6 *l)
{
	const char	*s;
	const void	*b;
	int		 n;

	memset(l, 0, sizeof(*l));
	s = (const char *)dbs_column_text(st, 0);
	strlcpy(l->addr, s != NULL ? s : "", sizeof(l->addr));
	b = dbs_column_blob(st, 1);
	n = dbs_column_bytes(st, 1);
	if (b != NULL && n > 0 && (size_t)n <= sizeof(l->duid)) {
		memcpy(l->duid, b, (size_t)n);
		l->duidlen = (size_t)n;
	}
	l->iaid = (uint32_t)dbs_column_int64(st, 2);
	s = (const char *)dbs_column_text(st, 3);
	strlcpy(l->mac, s != NULL ? s : "", sizeof(l->mac));
	s = (const char *)dbs_column_text(st, 4);
	l->declined = s != NULL && strcmp(s, "declined") == 0;
	l->expires = dbs_column_int64(st, 5);
	l->updated = dbs_column_int64(st, 6);
}

#define LEASE6_COLS	"addr, duid, iaid, mac, state, expires, updated"

/* Step a bound one-row SELECT of LEASE6_COLS into out; NB_NOTFOUND (saying what) if no row. */
static int
lease6_one(struct nb_db *db, struct db_st *st, struct nb_lease6 *out, const char *what)
{
	int	 rc;

	if ((rc = db_step_row(db, st, "%s", what)) == NB_OK)
		lease6_row(st, out);
	dbs_reset(st);
	return rc;
}

int
nb_lease6_get(struct nb_db *db, const uint8_t *duid, size_t duidlen, uint32_t iaid,
    struct nb_lease6 *out)
{
	static const char sql[] = "SELECT " LEASE6_COLS " FROM leases6 "
	    "WHERE duid = ?1 AND iaid = ?2 AND state = 'bound'";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_blob(st, 1, duid, (int)duidlen, SQLITE_STATIC);
	dbs_bind_int64(st, 2, iaid);
	return lease6_one(db, st, out, "no lease for that IA");
}

int
nb_lease6_taken(struct nb_db *db, const char *addr, const uint8_t *duid, size_t duidlen,
    uint32_t iaid, int64_t now)
{
	/* Held while unexpired: by another IA if bound, by nobody if declined. */
	static const char sql[] = "SELECT 1 FROM leases6 WHERE addr = ?1 AND expires > ?2 "
	    "AND (state = 'declined' OR duid <> ?3 OR iaid <> ?4)";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	dbs_bind_int64(st, 2, now);
	dbs_bind_blob(st, 3, duid, (int)duidlen, SQLITE_STATIC);
	dbs_bind_int64(st, 4, iaid);
	return db_exists(db, st);
}

int
nb_lease6_bind(struct nb_db *db, const struct nb_lease6 *l)
{
	/* The IA moves to this address: its old row goes, an expired holder of the address too. */
	static const char del[] = "DELETE FROM leases6 WHERE "
	    "(duid = ?1 AND iaid = ?2 AND state = 'bound' AND addr <> ?3) OR addr = ?3";
	static const char ins[] = "INSERT INTO leases6 (" LEASE6_COLS ") "
	    "VALUES (?1, ?2, ?3, ?4, 'bound', ?5, ?6)";
	struct db_st	*st;
	int		 rc, own = !db->in_tx;

	/* pxedhcpd's writer binds inside its batch's transaction. */
	if (own && (rc = nb_db_begin(db)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, del)) == NULL)
		goto fail;
	dbs_bind_blob(st, 1, l->duid, (int)l->duidlen, SQLITE_STATIC);
	dbs_bind_int64(st, 2, l->iaid);
	dbs_bind_text(st, 3, l->addr, -1, SQLITE_STATIC);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		goto fail;
	if ((st = db_stmt(db, ins)) == NULL)
		goto fail;
	dbs_bind_text(st, 1, l->addr, -1, SQLITE_STATIC);
	dbs_bind_blob(st, 2, l->duid, (int)l->duidlen, SQLITE_STATIC);
	dbs_bind_int64(st, 3, l->iaid);
	db_bind_text(st, 4, l->mac[0] != '\0' ? l->mac : NULL);
	dbs_bind_int64(st, 5, l->expires);
	dbs_bind_int64(st, 6, l->updated);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		goto fail;
	return own ? nb_db_commit(db) : NB_OK;
fail:
	if (own)
		nb_db_rollback(db);
	return rc != NB_OK ? rc : NB_ERR;
}

/* Run a statement on the IA's bound lease of addr (?1 to ?3, the caller bound the rest). */
static int
lease6_ia_exec(struct nb_db *db, struct db_st *st, const uint8_t *duid, size_t duidlen,
    uint32_t iaid, const char *addr)
{

	dbs_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	dbs_bind_blob(st, 2, duid, (int)duidlen, SQLITE_STATIC);
	dbs_bind_int64(st, 3, iaid);
	return db_exec_row(db, st, "no lease of %s for that IA", addr);
}

int
nb_lease6_release(struct nb_db *db, const uint8_t *duid, size_t duidlen, uint32_t iaid,
    const char *addr)
{
	static const char sql[] = "DELETE FROM leases6 "
	    "WHERE addr = ?1 AND duid = ?2 AND iaid = ?3 AND state = 'bound'";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	return lease6_ia_exec(db, st, duid, duidlen, iaid, addr);
}

int
nb_lease6_decline(struct nb_db *db, const uint8_t *duid, size_t duidlen, uint32_t iaid,
    const char *addr, int64_t until, int64_t now)
{
	/* RFC 8415 §18.3.8: the address is in use elsewhere; keep it out of the pool. */
	static const char sql[] = "UPDATE leases6 SET state = 'declined', expires = ?4, "
	    "updated = ?5 WHERE addr = ?1 AND duid = ?2 AND iaid = ?3 AND state = 'bound'";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 4, until);
	dbs_bind_int64(st, 5, now);
	return lease6_ia_exec(db, st, duid, duidlen, iaid, addr);
}

int
nb_lease6_find(struct nb_db *db, const char *addr, struct nb_lease6 *out)
{
	/* Only a lease in force names a client: never a declined or expired one. */
	static const char sql[] = "SELECT " LEASE6_COLS " FROM leases6 "
	    "WHERE addr = ?1 AND state = 'bound' AND expires > ?2";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	dbs_bind_int64(st, 2, nb_now());
	return lease6_one(db, st, out, "no bound, unexpired lease of that address");
}

int
nb_lease6_list(struct nb_db *db, int (*fn)(const struct nb_lease6 *, void *), void *arg)
{
	static const char sql[] = "SELECT " LEASE6_COLS " FROM leases6 ORDER BY addr";
	struct nb_lease6	 l;
	struct db_st		*st;
	int			 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	while ((rc = dbs_step(st)) == SQLITE_ROW) {
		lease6_row(st, &l);
		if (fn(&l, arg) != 0)
			break;
	}
	dbs_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	return NB_OK;
}

int
nb_lease6_rm(struct nb_db *db, const char *addr)
{
	static const char sql[] = "DELETE FROM leases6 WHERE addr = ?1";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_text(st, 1, addr, -1, SQLITE_STATIC);
	return db_exec_row(db, st, "no lease of %s", addr);
}
