/*
 * auth.c: the admin plane's credentials other than passwords (netboot(7)
 * ADMIN PLANE): API tokens and browser sessions, both 256 random bits
 * shown once and stored as their SHA-256; CSRF tokens derived from a
 * session; failed-login throttling; and the password login that uses it.
 *
 * A presented token is found by its hash. An unknown token and a wrong
 * one are the same case (a hash no row has), and both paths compare 32
 * bytes against a row's hash or a dummy in constant time, so timing
 * tells an attacker nothing: the index walk depends only on the hash,
 * which a guesser cannot steer toward a stored one.
 */
#include "config.h"

#include <crypt.h>
#include <sha2.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "token.h"
#include "xmalloc.h"

int
nb_ct_equal(const void *a, const void *b, size_t n)
{
	const volatile unsigned char	*x = a, *y = b;
	unsigned char			 d = 0;
	size_t				 i;

	for (i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return d == 0;
}

void
nb_apitoken_clear(struct nb_apitoken *t)
{
	free(t->user);
	free(t->label);
	memset(t, 0, sizeof(*t));
}

/* The stored form of a token or session id: its SHA-256 in hex. */
static void
secret_hash(const char *s, char out[SHA256_DIGEST_STRING_LENGTH])
{
	SHA2_CTX	 ctx;

	SHA256Init(&ctx);
	SHA256Update(&ctx, (const uint8_t *)s, strlen(s));
	SHA256End(&ctx, out);
}

/* A new secret: prefix and 64 hex digits of arc4random(3). */
static void
secret_new(const char *prefix, char out[NB_APITOKEN_STRLEN])
{
	uint8_t	 b[NB_SECRET_BYTES];

	arc4random_buf(b, sizeof(b));
	strlcpy(out, prefix, NB_APITOKEN_STRLEN);
	nb_hex(b, sizeof(b), out + strlen(prefix));
	explicit_bzero(b, sizeof(b));
}

/* Whether s has a secret's shape: prefix, then 64 lowercase hex digits. */
static int
secret_shape(const char *s, const char *prefix)
{
	size_t	 n = strlen(prefix), i;

	if (s == NULL || strncmp(s, prefix, n) != 0 ||
	    strlen(s) != NB_APITOKEN_STRLEN - 1)
		return 0;
	for (i = n; s[i] != '\0'; i++)
		if (strchr("0123456789abcdef", s[i]) == NULL)
			return 0;
	return 1;
}

static int
role_of(struct db_st *st, int col)
{
	enum nb_role	 r;

	if (nb_role_parse((const char *)dbs_column_text(st, col), &r) == -1)
		return NB_ROLE_NONE;
	return r;
}

static int
token_insert(struct nb_db *db, const char *user, enum nb_role role,
    const char *label, int64_t expires, int64_t idle, int session,
    const char *secret, int64_t now, int64_t *id)
{
	/* "user": a reserved word of PostgreSQL */
	static const char sql[] = "INSERT INTO tokens (\"user\", hash, label, "
	    "created, expires, kind, role, idle) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)";
	char		 h[SHA256_DIGEST_STRING_LENGTH];
	struct db_st	*st;
	int		 rc;

	secret_hash(secret, h);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, user);
	db_bind_text(st, 2, h);
	db_bind_text(st, 3, label);
	dbs_bind_int64(st, 4, now);
	if (expires > 0)
		dbs_bind_int64(st, 5, expires);
	db_bind_text(st, 6, session ? "session" : "api");
	db_bind_text(st, 7, role == NB_ROLE_NONE ? NULL : nb_role_name(role));
	if (idle > 0)
		dbs_bind_int64(st, 8, idle);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if (id != NULL)
		*id = db_last_rowid(db);
	return NB_OK;
}

int
nb_token_create(struct nb_db *db, const char *user, enum nb_role role,
    const char *label, int64_t expires, char out[NB_APITOKEN_STRLEN],
    int64_t *id)
{
	struct nb_user	 u;
	int		 rc;

	memset(&u, 0, sizeof(u));
	if ((rc = nb_user_get(db, user, &u)) != NB_OK)
		return rc;
	if (role > u.role) {
		rc = db_fail(db, NB_INVALID, "a token of %s cannot be %s: "
		    "the user is %s", user, nb_role_name(role),
		    nb_role_name(u.role));
		nb_user_clear(&u);
		return rc;
	}
	nb_user_clear(&u);
	if (label != NULL && (strlen(label) > 64 || *label == '\0'))
		return db_fail(db, NB_INVALID, "a token label has 1 to 64 "
		    "characters");
	if (expires != 0 && expires <= nb_now())
		return db_fail(db, NB_INVALID, "the expiry is in the past");
	secret_new(NB_APITOKEN_PREFIX, out);
	return token_insert(db, user, role, label, expires, 0, 0, out,
	    nb_now(), id);
}

int
nb_token_list(struct nb_db *db, const char *user, int sessions,
    int (*fn)(const struct nb_apitoken *, void *), void *arg)
{
	static const char sql[] = DB_SQL("SELECT id, \"user\", label, role, "
	    "kind, created, ifnull(expires, 0), ifnull(last_used, 0) "
	    "FROM tokens WHERE (?1 IS NULL OR \"user\" = ?1) "
	    "AND (?2 OR kind = 'api') ORDER BY id",
	    "SELECT id, \"user\", label, role, "
	    "kind, created, coalesce(expires, 0), coalesce(last_used, 0) "
	    "FROM tokens WHERE (CAST(?1 AS TEXT) IS NULL OR \"user\" = ?1) "
	    "AND (?2 <> 0 OR kind = 'api') ORDER BY id");
	struct nb_apitoken	 t;
	struct db_st		*st;
	int			 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, user);
	dbs_bind_int(st, 2, sessions != 0);
	memset(&t, 0, sizeof(t));
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		nb_apitoken_clear(&t);
		t.id = dbs_column_int64(st, 0);
		t.user = db_col_str(st, 1);
		t.label = db_col_str(st, 2);
		t.role = role_of(st, 3);
		t.session = strcmp((const char *)dbs_column_text(st, 4),
		    "session") == 0;
		t.created = dbs_column_int64(st, 5);
		t.expires = dbs_column_int64(st, 6);
		t.last_used = dbs_column_int64(st, 7);
		stop = fn(&t, arg);
	}
	nb_apitoken_clear(&t);
	if (!stop && rc != SQLITE_DONE) {
		rc = db_sqlerr(db, db_errcode(db));
		dbs_reset(st);
		return rc;
	}
	dbs_reset(st);
	return NB_OK;
}

int
nb_token_revoke(struct nb_db *db, int64_t id)
{
	static const char sql[] = "DELETE FROM tokens WHERE id = ?1";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, id);
	return db_exec_row(db, st, "no token %lld", (long long)id);
}

/*
 * Find the token or session whose hash is that of secret, of kind, valid
 * at now, and mark it used. Every presented secret of the right shape
 * takes the same path: hash, look up, compare with the row's hash or a
 * dummy, check expiry.
 */
static int
secret_auth(struct nb_db *db, const char *secret, const char *prefix,
    const char *kind, int64_t now, struct nb_auth *out)
{
	static const char sql[] = "SELECT t.id, t.hash, t.\"user\", t.role, "
	    "u.role, coalesce(t.expires, 0), coalesce(t.idle, 0), "
	    "coalesce(t.last_used, t.created), t.last_used IS NULL "
	    "FROM tokens t JOIN users u ON u.name = t.\"user\" "
	    "WHERE t.hash = ?1 AND t.kind = ?2";
	static const char used[] = "UPDATE tokens SET last_used = ?2 "
	    "WHERE id = ?1";
	static const char dummy[SHA256_DIGEST_STRING_LENGTH] =
	    "----------------------------------------------------------------";
	char		 h[SHA256_DIGEST_STRING_LENGTH];
	char		 stored[SHA256_DIGEST_STRING_LENGTH];
	struct db_st	*st;
	int64_t		 id = 0, expires = 0, idle = 0, last = 0;
	enum nb_role	 trole = NB_ROLE_NONE, urole = NB_ROLE_NONE;
	int		 rc, match, never = 0;

	memset(out, 0, sizeof(*out));
	if (!secret_shape(secret, prefix))
		return db_fail(db, NB_NOTFOUND, "not a valid credential");
	secret_hash(secret, h);
	memcpy(stored, dummy, sizeof(stored));
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, h);
	db_bind_text(st, 2, kind);
	if ((rc = dbs_step(st)) == SQLITE_ROW) {
		id = dbs_column_int64(st, 0);
		strlcpy(stored, (const char *)dbs_column_text(st, 1),
		    sizeof(stored));
		strlcpy(out->user, (const char *)dbs_column_text(st, 2),
		    sizeof(out->user));
		trole = role_of(st, 3);
		urole = role_of(st, 4);
		expires = dbs_column_int64(st, 5);
		idle = dbs_column_int64(st, 6);
		last = dbs_column_int64(st, 7);
		never = dbs_column_int(st, 8);
	}
	dbs_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	match = nb_ct_equal(stored, h, sizeof(stored) - 1);
	if (!match || (expires != 0 && now >= expires) ||
	    (idle != 0 && now >= last + idle) || urole == NB_ROLE_NONE) {
		memset(out, 0, sizeof(*out));
		return db_fail(db, NB_NOTFOUND, "not a valid credential");
	}
	/* a token never has more than its user has now */
	out->role = trole != NB_ROLE_NONE && trole < urole ? trole : urole;
	out->token = id;
	if ((never || now - last >= (idle != 0 ? 1 : NB_LASTUSED_STEP)) &&
	    (st = db_stmt(db, used)) != NULL) {
		dbs_bind_int64(st, 1, id);
		dbs_bind_int64(st, 2, now);
		(void)db_exec_stmt(db, st);	/* best effort: a busy db */
	}
	return NB_OK;
}

int
nb_token_auth(struct nb_db *db, const char *tok, int64_t now,
    struct nb_auth *out)
{
	return secret_auth(db, tok, NB_APITOKEN_PREFIX, "api", now, out);
}

json_t *
nb_apitoken_json(const struct nb_apitoken *t)
{
	json_t	*o = json_object();

	json_object_set_new(o, "id", json_integer(t->id));
	json_set_str(o, "user", t->user);
	json_set_str(o, "kind", t->session ? "session" : "api");
	json_set_str(o, "role", t->role == NB_ROLE_NONE ? NULL :
	    nb_role_name(t->role));
	json_set_str(o, "label", t->label);
	json_object_set_new(o, "created", json_integer(t->created));
	json_object_set_new(o, "expires", t->expires ?
	    json_integer(t->expires) : json_null());
	json_object_set_new(o, "last_used", t->last_used ?
	    json_integer(t->last_used) : json_null());
	return o;
}

int
nb_session_create(struct nb_db *db, const char *user, int64_t idle,
    int64_t max, int64_t now, char out[NB_APITOKEN_STRLEN])
{
	struct nb_user	 u;
	int		 rc;

	if (idle <= 0 || max <= 0)
		return db_fail(db, NB_INVALID, "a session needs both expiries");
	memset(&u, 0, sizeof(u));
	if ((rc = nb_user_get(db, user, &u)) != NB_OK)
		return rc;
	nb_user_clear(&u);
	secret_new(NB_SESSION_PREFIX, out);
	return token_insert(db, user, NB_ROLE_NONE, NULL, now + max, idle, 1,
	    out, now, NULL);
}

int
nb_session_auth(struct nb_db *db, const char *sid, int64_t now,
    struct nb_auth *out)
{
	return secret_auth(db, sid, NB_SESSION_PREFIX, "session", now, out);
}

int
nb_session_revoke(struct nb_db *db, const char *sid)
{
	static const char sql[] = "DELETE FROM tokens WHERE hash = ?1 "
	    "AND kind = 'session'";
	char		 h[SHA256_DIGEST_STRING_LENGTH];
	struct db_st	*st;

	if (!secret_shape(sid, NB_SESSION_PREFIX))
		return db_fail(db, NB_NOTFOUND, "no such session");
	secret_hash(sid, h);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, h);
	return db_exec_row(db, st, "no such session");
}

int
nb_session_expiry(struct nb_db *db, const char *sid, int64_t *expires,
    int64_t *idle)
{
	static const char sql[] = "SELECT coalesce(expires, 0), coalesce(idle, 0) "
	    "FROM tokens WHERE hash = ?1 AND kind = 'session'";
	char		 h[SHA256_DIGEST_STRING_LENGTH];
	struct db_st	*st;
	int		 rc;

	*expires = *idle = 0;
	if (!secret_shape(sid, NB_SESSION_PREFIX))
		return db_fail(db, NB_NOTFOUND, "no such session");
	secret_hash(sid, h);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, h);
	if ((rc = dbs_step(st)) == SQLITE_ROW) {
		*expires = dbs_column_int64(st, 0);
		*idle = dbs_column_int64(st, 1);
	}
	dbs_reset(st);
	if (rc == SQLITE_DONE)
		return db_fail(db, NB_NOTFOUND, "no such session");
	if (rc != SQLITE_ROW)
		return db_sqlerr(db, rc);
	return NB_OK;
}

int
nb_session_csrf(struct nb_db *db, const char *sid, char out[NB_CSRF_STRLEN])
{
	static const char label[] = "netboot csrf\n";
	uint8_t		 key[NB_TOKEN_KEYLEN], mac[32];
	char		*msg;
	int		 rc;

	if ((rc = nb_token_key(db, key)) != NB_OK)
		return rc;
	/* a label sets this HMAC apart from the boot plane's, same key */
	xasprintf(&msg, "%s%s", label, sid);
	nb_hmac_sha256(key, sizeof(key), msg, strlen(msg), mac);
	nb_hex(mac, sizeof(mac), out);
	explicit_bzero(key, sizeof(key));
	free(msg);
	return NB_OK;
}

int
nb_session_csrf_check(struct nb_db *db, const char *sid, const char *csrf)
{
	char	 want[NB_CSRF_STRLEN];

	if (csrf == NULL || strlen(csrf) != NB_CSRF_STRLEN - 1 ||
	    nb_session_csrf(db, sid, want) != NB_OK)
		return 0;
	return nb_ct_equal(want, csrf, NB_CSRF_STRLEN - 1);
}

int64_t
nb_login_delay(int64_t failures)
{
	int64_t	 n = failures - NB_LOGIN_FREE;

	if (n < 0)
		return 0;
	if (n >= 16)
		return NB_LOGIN_DELAY_MAX;
	return (1LL << n) < NB_LOGIN_DELAY_MAX ? 1LL << n : NB_LOGIN_DELAY_MAX;
}

int64_t
nb_login_wait(int64_t failures, int64_t last, int64_t now)
{
	int64_t	 until;

	if (failures <= 0 || now - last >= NB_LOGIN_FORGET)
		return 0;
	until = last + nb_login_delay(failures);
	return until > now ? until - now : 0;
}

/* The failures counted for scope's key, and the time of the last. */
static int
failures_get(struct nb_db *db, const char *scope, const char *key,
    int64_t *n, int64_t *last)
{
	static const char sql[] = "SELECT failures, last FROM login_failures "
	    "WHERE scope = ?1 AND key = ?2";
	struct db_st	*st;
	int		 rc;

	*n = *last = 0;
	if (key == NULL || *key == '\0')
		return NB_OK;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, scope);
	dbs_bind_text(st, 2, key, (int)strnlen(key, 256), SQLITE_TRANSIENT);
	if ((rc = dbs_step(st)) == SQLITE_ROW) {
		*n = dbs_column_int64(st, 0);
		*last = dbs_column_int64(st, 1);
	}
	dbs_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, rc);
	return NB_OK;
}

int64_t
nb_login_throttled(struct nb_db *db, const char *addr, const char *user,
    int64_t now)
{
	int64_t	 n, last, a, u;

	if (failures_get(db, "addr", addr, &n, &last) != NB_OK)
		return -1;
	a = nb_login_wait(n, last, now);
	if (failures_get(db, "user", user, &n, &last) != NB_OK)
		return -1;
	u = nb_login_wait(n, last, now);
	return a > u ? a : u;
}

static int
failures_bump(struct nb_db *db, const char *scope, const char *key,
    int64_t now)
{
	/* a count whose last failure is older than FORGET starts again */
	static const char sql[] = "INSERT INTO login_failures "
	    "(scope, key, failures, last) VALUES (?1, ?2, 1, ?3) "
	    "ON CONFLICT (scope, key) DO UPDATE SET failures = "
	    "CASE WHEN ?3 - login_failures.last >= ?4 THEN 1 "
	    "ELSE login_failures.failures + 1 END, last = ?3";
	struct db_st	*st;

	if (key == NULL || *key == '\0')
		return NB_OK;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, scope);
	dbs_bind_text(st, 2, key, (int)strnlen(key, 256), SQLITE_TRANSIENT);
	dbs_bind_int64(st, 3, now);
	dbs_bind_int64(st, 4, NB_LOGIN_FORGET);
	return db_exec_stmt(db, st);
}

int
nb_login_failed(struct nb_db *db, const char *addr, const char *user,
    int64_t now)
{
	static const char prune[] = "DELETE FROM login_failures "
	    "WHERE last < ?1";
	struct db_st	*st;
	int		 rc;

	/* the table holds at most a day of failures */
	if ((st = db_stmt(db, prune)) == NULL)
		return NB_ERR;
	dbs_bind_int64(st, 1, now - NB_LOGIN_FORGET);
	if ((rc = db_exec_stmt(db, st)) != NB_OK)
		return rc;
	if ((rc = failures_bump(db, "addr", addr, now)) != NB_OK)
		return rc;
	return failures_bump(db, "user", user, now);
}

int
nb_login_reset(struct nb_db *db, const char *addr, const char *user)
{
	static const char sql[] = "DELETE FROM login_failures WHERE "
	    "(scope = 'addr' AND key = ?1) OR (scope = 'user' AND key = ?2)";
	struct db_st	*st;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, addr);
	db_bind_text(st, 2, user);
	return db_exec_stmt(db, st);
}

/*
 * The stored hash of user, or else the yescrypt hash (default cost) of a
 * password no one has, so an unknown user costs the same crypt(3) call.
 */
static char *
login_hash(struct nb_db *db, const char *user)
{
	static const char sql[] = "SELECT hash FROM users WHERE name = ?1";
	static const char nobody[] = "$y$j9T$rBnc0wXAnUVL8JYkAUOoN1$"
	    "4Wfzuh2SJbRDUmhNvzWNxMwyHnNYwVAd86EVonBrQp6";
	struct db_st	*st;
	char		*h = NULL;

	if ((st = db_stmt(db, sql)) != NULL) {
		db_bind_text(st, 1, user);
		if (dbs_step(st) == SQLITE_ROW)
			h = db_col_str(st, 0);
		dbs_reset(st);
	}
	return h != NULL ? h : xstrdup(nobody);
}

int
nb_login(struct nb_db *db, const char *daemon, const char *addr,
    const char *user, const char *pw, int64_t now, struct nb_auth *out,
    int64_t *retry)
{
	char		 clean[NB_CLIENT_TEXT_MAX + 1], *hash;
	const char	*who = nb_client_text(user ? user : "", clean);
	struct nb_user	 u;
	int		 ok, rc;

	memset(out, 0, sizeof(*out));
	*retry = nb_login_throttled(db, addr, who, now);
	if (*retry < 0) {
		*retry = 0;
		return NB_ERR;
	}
	if (*retry > 0)
		return db_fail(db, NB_BUSY, "too many failed logins: retry in "
		    "%lld s", (long long)*retry);
	hash = login_hash(db, who);
	/* a name that needed cleaning is no user's; it still costs a hash */
	ok = nb_password_check(pw ? pw : "", hash) && pw != NULL &&
	    user != NULL && strcmp(who, user) == 0;
	free(hash);
	memset(&u, 0, sizeof(u));
	if (ok && nb_user_get(db, who, &u) == NB_OK && u.role != NB_ROLE_NONE) {
		strlcpy(out->user, u.name, sizeof(out->user));
		out->role = u.role;
		nb_user_clear(&u);
		(void)nb_login_reset(db, addr, who);
		(void)nb_event_add(db, NULL, daemon, "login", addr, "user %s",
		    who);
		return NB_OK;
	}
	nb_user_clear(&u);
	if ((rc = nb_login_failed(db, addr, who, now)) != NB_OK)
		return rc;
	(void)nb_event_add(db, NULL, daemon, "login.fail", addr, "user %s",
	    who);
	return db_fail(db, NB_NOTFOUND, "wrong user name or password");
}
