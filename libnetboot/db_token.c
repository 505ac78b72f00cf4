/*
 * db_token.c: what per-boot tokens are made from (schema 6): the server
 * secret (table secrets) and each client's boot nonce (table boots).
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "token.h"

/* Read the key row; NB_NOTFOUND if there is none. */
static int
token_key_read(struct nb_db *db, uint8_t key[NB_TOKEN_KEYLEN])
{
	static const char sql[] =
	    "SELECT value FROM secrets WHERE name = 'token'";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	if ((rc = dbs_step(st)) == SQLITE_ROW &&
	    dbs_column_bytes(st, 0) == NB_TOKEN_KEYLEN)
		memcpy(key, dbs_column_blob(st, 0), NB_TOKEN_KEYLEN);
	else if (rc == SQLITE_ROW)
		rc = SQLITE_CORRUPT;
	dbs_reset(st);
	if (rc == SQLITE_ROW)
		return NB_OK;
	if (rc == SQLITE_DONE)
		return db_fail(db, NB_NOTFOUND, "no token key");
	return db_sqlerr(db, rc);
}

int
nb_token_key(struct nb_db *db, uint8_t key[NB_TOKEN_KEYLEN])
{
	static const char ins[] = "INSERT INTO secrets "
	    "(name, value, created) VALUES ('token', ?1, ?2) "
	    "ON CONFLICT DO NOTHING";
	struct db_st	*st;
	uint8_t		 fresh[NB_TOKEN_KEYLEN];
	int		 rc;

	if ((rc = token_key_read(db, key)) != NB_NOTFOUND)
		return rc;
	/* Schema 6 made one; it was deleted: a new one (every token dies). */
	if ((st = db_stmt(db, ins)) == NULL)
		return NB_ERR;
	arc4random_buf(fresh, sizeof(fresh));
	dbs_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_TRANSIENT);
	dbs_bind_int64(st, 2, nb_now());
	explicit_bzero(fresh, sizeof(fresh));
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	return token_key_read(db, key);
}

int
nb_boot_nonce_get(struct nb_db *db, const char *mac,
    uint8_t nonce[NB_NONCE_LEN])
{
	static const char sql[] = "SELECT nonce FROM boots WHERE mac = ?1";
	struct db_st	*st;
	int		 rc;

	memset(nonce, 0, NB_NONCE_LEN);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	if ((rc = dbs_step(st)) == SQLITE_ROW &&
	    dbs_column_bytes(st, 0) == NB_NONCE_LEN)
		memcpy(nonce, dbs_column_blob(st, 0), NB_NONCE_LEN);
	dbs_reset(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return NB_OK;	/* no boot recorded: the all-zero nonce */
	return db_sqlerr(db, rc);
}

int
nb_boot_nonce_set(struct nb_db *db, const char *mac,
    const uint8_t nonce[NB_NONCE_LEN])
{
	static const char sql[] = "INSERT INTO boots (mac, nonce, started) "
	    "VALUES (?1, ?2, ?3) "
	    "ON CONFLICT (mac) DO UPDATE SET nonce = ?2, started = ?3";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, mac);
	dbs_bind_blob(st, 2, nonce, NB_NONCE_LEN, SQLITE_TRANSIENT);
	dbs_bind_int64(st, 3, nb_now());
	return db_exec_stmt(db, st);
}

int64_t
nb_token_lifetime(struct nb_db *db)
{
	char		*v = NULL;
	long long	 n = 0;

	/* 0: no value, or one out of the table's bounds (written by hand). */
	if (nb_setting_get(db, nb_setting_def(NB_S_TOKEN_LIFETIME)->name,
	    &v) == NB_OK)
		n = nb_setting_num(NB_S_TOKEN_LIFETIME, v);
	free(v);
	return n != 0 ? n : NB_TOKEN_LIFETIME;
}

int
nb_token_mint(struct nb_db *db, const char *mac, char out[NB_TOKEN_STRLEN])
{
	uint8_t	 key[NB_TOKEN_KEYLEN], nonce[NB_NONCE_LEN];
	int	 rc;

	if ((rc = nb_token_key(db, key)) != NB_OK ||
	    (rc = nb_boot_nonce_get(db, mac, nonce)) != NB_OK)
		return rc;
	nb_token_make(key, mac, nonce, nb_now() + nb_token_lifetime(db), out);
	explicit_bzero(key, sizeof(key));
	return NB_OK;
}
