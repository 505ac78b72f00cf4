/*
 * auth.c: the admin plane's credentials (netboot(7) ADMIN PLANE): yescrypt
 * passwords, roles and the last admin, API tokens (shape, hash at rest,
 * expiry, narrowed roles, revocation, last use), sessions (idle and
 * absolute expiry, logout, CSRF), the throttling schedule and a bounded
 * brute-force run of 200 logins on a simulated clock, and the magic
 * packet of Wake-on-LAN.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"

static char	 dir[] = "/tmp/nbauth.XXXXXX";
static char	 path[256];

static int
count(struct nb_db *db, const char *sql)
{
	sqlite3		*sq;
	sqlite3_stmt	*st;
	int		 n = -1;

	(void)db;
	if (sqlite3_open(path, &sq) != SQLITE_OK)
		abort();
	if (sqlite3_prepare_v2(sq, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	sqlite3_close(sq);
	return n;
}

static void
test_passwords(struct nb_db *db)
{
	char	 h[256], pw[NB_PASSWORD_RANDOM_LEN + 1], pw2[sizeof(pw)];

	ok(nb_password_hash("correct horse", h, sizeof(h)) == 0 &&
	    strncmp(h, "$y$", 3) == 0, "a yescrypt hash: %.7s...", h);
	ok(nb_password_check("correct horse", h), "the password matches");
	ok(!nb_password_check("correct horsE", h), "another does not");
	ok(!nb_password_check("correct horse", "$y$j9T$short"),
	    "a malformed hash matches nothing");
	nb_password_random(pw);
	nb_password_random(pw2);
	ok(strlen(pw) == NB_PASSWORD_RANDOM_LEN && strcmp(pw, pw2) != 0,
	    "random passwords of %d characters differ", NB_PASSWORD_RANDOM_LEN);
	ok(nb_password_rule("short") != NULL,
	    "a 5-character password is refused");
	ok(nb_password_rule("line\nbreak!") != NULL, "a line break is refused");

	ok(nb_user_first_admin(db, "admin", pw) == NB_OK,
	    "the first admin is made");
	ok(nb_user_first_admin(db, "admin2", pw2) == NB_EXISTS,
	    "and never a second time");
	ok(count(db, "SELECT count(*) FROM users WHERE hash LIKE '$y$%'") == 1,
	    "only the hash is stored");
	ok(nb_user_add(db, "ops", NB_ROLE_OPERATOR, "operator pw") == NB_OK &&
	    nb_user_add(db, "view", NB_ROLE_VIEWER, "viewer pw!") == NB_OK,
	    "an operator and a viewer");
	ok(nb_user_add(db, "ops", NB_ROLE_VIEWER, "whatever1") == NB_EXISTS,
	    "a name twice: %s", nb_db_errmsg(db));
	ok(nb_user_add(db, "../x", NB_ROLE_VIEWER, "whatever1") == NB_INVALID,
	    "a bad name: %s", nb_db_errmsg(db));
	ok(nb_user_rm(db, "admin") == NB_INUSE &&
	    nb_user_set_role(db, "admin", NB_ROLE_OPERATOR) == NB_INUSE,
	    "the last admin stays: %s", nb_db_errmsg(db));
	ok(nb_user_set_role(db, "ops", NB_ROLE_ADMIN) == NB_OK &&
	    nb_user_set_role(db, "admin", NB_ROLE_VIEWER) == NB_OK &&
	    nb_user_set_role(db, "admin", NB_ROLE_ADMIN) == NB_OK &&
	    nb_user_set_role(db, "ops", NB_ROLE_OPERATOR) == NB_OK,
	    "with another admin, one may be demoted");
	ok(nb_user_rm(db, "nosuch") == NB_NOTFOUND, "an unknown user: %s",
	    nb_db_errmsg(db));
}

static void
test_tokens(struct nb_db *db)
{
	char		 tok[NB_APITOKEN_STRLEN], tok2[NB_APITOKEN_STRLEN];
	char		 bad[NB_APITOKEN_STRLEN], q[256];
	struct nb_auth	 a;
	int64_t		 id, id2, now = nb_now();

	ok(nb_token_create(db, "ops", NB_ROLE_NONE, "ci", 0, tok, &id) ==
	    NB_OK && strncmp(tok, "nbt_", 4) == 0 && strlen(tok) == 68,
	    "a token of 256 bits in hex: %.8s...", tok);
	snprintf(q, sizeof(q), "SELECT count(*) FROM tokens WHERE hash = "
	    "'%s' OR instr(hash, '%s') > 0", tok + 4, tok + 4);
	ok(count(db, q) == 0, "the token itself is not stored");
	ok(nb_token_auth(db, tok, now, &a) == NB_OK &&
	    strcmp(a.user, "ops") == 0 && a.role == NB_ROLE_OPERATOR &&
	    a.token == id, "it stands for ops, operator");
	ok(count(db, "SELECT count(*) FROM tokens WHERE last_used IS NOT NULL")
	    == 1, "its last use is recorded");
	memcpy(bad, tok, sizeof(bad));
	bad[10] = bad[10] == 'a' ? 'b' : 'a';
	ok(nb_token_auth(db, bad, now, &a) == NB_NOTFOUND && a.role == 0,
	    "one wrong digit: refused");
	ok(nb_token_auth(db, "nbt_xyz", now, &a) == NB_NOTFOUND &&
	    nb_token_auth(db, "", now, &a) == NB_NOTFOUND &&
	    nb_token_auth(db, NULL, now, &a) == NB_NOTFOUND,
	    "malformed tokens: refused");
	ok(nb_token_create(db, "ops", NB_ROLE_ADMIN, NULL, 0, tok2, &id2) ==
	    NB_INVALID, "no token above its user: %s", nb_db_errmsg(db));
	ok(nb_token_create(db, "ops", NB_ROLE_VIEWER, NULL, now + 100, tok2,
	    &id2) == NB_OK && nb_token_auth(db, tok2, now, &a) == NB_OK &&
	    a.role == NB_ROLE_VIEWER, "a narrowed token has its role");
	ok(nb_token_auth(db, tok2, now + 100, &a) == NB_NOTFOUND,
	    "an expired token is refused");
	ok(nb_user_set_role(db, "ops", NB_ROLE_VIEWER) == NB_OK &&
	    nb_token_auth(db, tok, now, &a) == NB_OK &&
	    a.role == NB_ROLE_VIEWER, "a token never outranks its user now");
	nb_user_set_role(db, "ops", NB_ROLE_OPERATOR);
	ok(nb_token_revoke(db, id) == NB_OK &&
	    nb_token_auth(db, tok, now, &a) == NB_NOTFOUND,
	    "a revoked token is refused");
	ok(nb_token_revoke(db, id) == NB_NOTFOUND, "revoked twice: %s",
	    nb_db_errmsg(db));
	ok(nb_token_create(db, "nosuch", NB_ROLE_NONE, NULL, 0, tok, &id) ==
	    NB_NOTFOUND, "no token for an unknown user");
	ok(nb_token_create(db, "ops", NB_ROLE_NONE, NULL, now - 1, tok, &id) ==
	    NB_INVALID, "nor one expired already");
}

static void
test_sessions(struct nb_db *db)
{
	char		 sid[NB_APITOKEN_STRLEN], sid2[NB_APITOKEN_STRLEN];
	char		 csrf[NB_CSRF_STRLEN], csrf2[NB_CSRF_STRLEN];
	struct nb_auth	 a;
	int64_t		 t = 1800000000;

	int64_t		 exp, idle;

	ok(nb_session_create(db, "view", 100, 1000, t, sid) == NB_OK &&
	    strncmp(sid, "nbs_", 4) == 0, "a session");
	ok(nb_session_expiry(db, sid, &exp, &idle) == NB_OK &&
	    exp == t + 1000 && idle == 100 &&
	    nb_session_expiry(db, "nbs_0", &exp, &idle) == NB_NOTFOUND,
	    "its expiries, for GET /api/v1/session");
	ok(nb_session_create(db, "nosuch", 100, 1000, t, sid2) ==
	    NB_NOTFOUND, "no session for an unknown user");
	ok(nb_session_auth(db, sid, t + 50, &a) == NB_OK &&
	    strcmp(a.user, "view") == 0 && a.role == NB_ROLE_VIEWER,
	    "it stands for view");
	ok(nb_token_auth(db, sid, t + 50, &a) == NB_NOTFOUND,
	    "a session id is no API token");
	ok(nb_session_auth(db, sid, t + 149, &a) == NB_OK,
	    "use keeps it alive past its first idle expiry");
	ok(nb_session_auth(db, sid, t + 249, &a) == NB_NOTFOUND,
	    "100 s unused: expired");
	ok(nb_session_create(db, "view", 100, 1000, t, sid2) == NB_OK,
	    "another session");
	for (int64_t s = t + 90; s < t + 1000; s += 90)
		nb_session_auth(db, sid2, s, &a);
	ok(nb_session_auth(db, sid2, t + 990, &a) == NB_OK &&
	    nb_session_auth(db, sid2, t + 1000, &a) == NB_NOTFOUND,
	    "used all along, it still ends at its absolute expiry");
	ok(nb_session_create(db, "view", 100, 1000, t, sid) == NB_OK &&
	    nb_session_csrf(db, sid, csrf) == NB_OK &&
	    nb_session_csrf(db, sid2, csrf2) == NB_OK &&
	    strlen(csrf) == 64 && strcmp(csrf, csrf2) != 0,
	    "each session has its own CSRF token");
	ok(nb_session_csrf_check(db, sid, csrf) &&
	    !nb_session_csrf_check(db, sid, csrf2) &&
	    !nb_session_csrf_check(db, sid, "") &&
	    !nb_session_csrf_check(db, sid, NULL),
	    "the CSRF check takes only the session's own");
	ok(nb_session_revoke(db, sid) == NB_OK &&
	    nb_session_auth(db, sid, t + 1, &a) == NB_NOTFOUND &&
	    nb_session_revoke(db, sid) == NB_NOTFOUND, "logout ends it");
	ok(nb_session_create(db, "view", 100, 1000, t, sid) == NB_OK &&
	    nb_user_passwd(db, "view", "a new password") == NB_OK &&
	    nb_session_auth(db, sid, t + 1, &a) == NB_NOTFOUND,
	    "a new password ends the user's sessions");
}

static void
test_throttle(struct nb_db *db)
{
	struct nb_auth	 a;
	int64_t		 t, total = 0, retry, start = 1800000000;
	char		 q[128];
	int		 i, tries, rc;

	ok(nb_login_delay(0) == 0 && nb_login_delay(NB_LOGIN_FREE - 1) == 0,
	    "the first %d failures cost nothing", NB_LOGIN_FREE);
	ok(nb_login_delay(NB_LOGIN_FREE) == 1 &&
	    nb_login_delay(NB_LOGIN_FREE + 3) == 8 &&
	    nb_login_delay(NB_LOGIN_FREE + 20) == NB_LOGIN_DELAY_MAX &&
	    nb_login_delay(INT64_MAX) == NB_LOGIN_DELAY_MAX,
	    "then 1, 2, 4, 8 s ..., at most %d", NB_LOGIN_DELAY_MAX);
	ok(nb_login_wait(10, 1000, 1000) == nb_login_delay(10) &&
	    nb_login_wait(10, 1000, 1010) == nb_login_delay(10) - 10 &&
	    nb_login_wait(10, 1000, 1000 + NB_LOGIN_FORGET) == 0,
	    "the wait counts from the last failure, forgotten after a day");
	for (i = 1; i <= 1000; i++)
		total += nb_login_delay(i);
	ok(total > 80 * 3600, "1000 failures in a row cost %lld s (%.1f h)",
	    (long long)total, total / 3600.0);

	/*
	 * A bounded run through nb_login, the clock moved as it says: 200
	 * wrong passwords (each a yescrypt call of about 20 ms of CPU; the
	 * sum above covers 1000).
	 */
	t = start;
	nb_db_begin(db);	/* one commit: the run costs crypt(3) only */
	for (tries = 0; tries < 200; ) {
		rc = nb_login(db, "bootweb", "192.0.2.7", "admin", "guess!!!",
		    t, &a, &retry);
		if (rc == NB_BUSY && retry > 0) {
			t += retry;
			continue;
		}
		if (rc != NB_NOTFOUND)
			break;
		tries++;
	}
	nb_db_commit(db);
	ok(tries == 200, "200 wrong passwords tried");
	ok(t - start > 15 * 3600, "they took %.1f simulated hours",
	    (t - start) / 3600.0);
	ok(nb_login(db, "bootweb", "192.0.2.8", "admin", "guess!!!", t, &a,
	    &retry) == NB_BUSY && retry > 0,
	    "another address for the same user waits too (%lld s)",
	    (long long)retry);
	ok(count(db, "SELECT count(*) FROM events WHERE kind = 'login.fail' "
	    "AND ip = '192.0.2.7' AND detail = 'user admin'") == 200,
	    "each failure is a login.fail event");
	ok(count(db, "SELECT count(*) FROM events WHERE detail LIKE "
	    "'%guess%'") == 0, "no event holds the password");
	/* an unknown user fails exactly as a wrong password does */
	rc = nb_login(db, "bootweb", "192.0.2.9", "nobody", "whatever1", t,
	    &a, &retry);
	ok(rc == NB_NOTFOUND && strcmp(nb_db_errmsg(db),
	    "wrong user name or password") == 0,
	    "an unknown user: the same answer");
	ok(nb_login(db, "bootweb", "192.0.2.9", "ops", "operator pw", t, &a,
	    &retry) == NB_OK && strcmp(a.user, "ops") == 0 &&
	    a.role == NB_ROLE_OPERATOR, "the right password logs in");
	ok(count(db, "SELECT count(*) FROM events WHERE kind = 'login' AND "
	    "detail = 'user ops'") == 1, "as a login event");
	ok(nb_login(db, "bootweb", "192.0.2.9", "ops\n", "operator pw", t, &a,
	    &retry) == NB_NOTFOUND, "a name with a control character fails");
	ok(nb_login(db, "bootweb", "192.0.2.9", NULL, NULL, t, &a, &retry) ==
	    NB_NOTFOUND, "no name and no password fail, without a crash");
	ok(count(db, "SELECT count(*) FROM events WHERE instr(detail, "
	    "char(10)) > 0") == 0, "and is stored cleaned");
	ok(nb_login(db, "bootweb", "192.0.2.7", "admin", "x", t +
	    NB_LOGIN_FORGET + 1, &a, &retry) == NB_NOTFOUND &&
	    nb_login_throttled(db, "192.0.2.7", "admin", t + NB_LOGIN_FORGET +
	    1) == 0, "a day later the count is forgotten");
	snprintf(q, sizeof(q), "SELECT count(*) FROM login_failures WHERE "
	    "last <= %lld", (long long)t);
	ok(count(db, q) == 0, "and the old rows are gone");
}

static void
test_wake_packet(void)
{
	uint8_t	 mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
	uint8_t	 so[6] = { 1, 2, 3, 4, 5, 6 }, p[NB_WAKE_MAXLEN];
	int	 i, good = 1;

	ok(nb_wake_packet(mac, NULL, p) == 102, "a magic packet is 102 bytes");
	for (i = 0; i < 6; i++)
		good &= p[i] == 0xff;
	for (i = 0; i < 16; i++)
		good &= memcmp(p + 6 + 6 * i, mac, 6) == 0;
	ok(good, "six 0xff, then the MAC 16 times");
	ok(nb_wake_packet(mac, so, p) == 108 && memcmp(p + 102, so, 6) == 0,
	    "with SecureOn: 108 bytes, the password last");
}

int
main(void)
{
	struct nb_db	*db;
	char		 err[512];

	if (mkdtemp(dir) == NULL)
		return 1;
	snprintf(path, sizeof(path), "%s/netboot.db", dir);
	if (nb_db_open(path, NB_DB_CREATE, &db, err, sizeof(err)) != NB_OK) {
		printf("Bail out! %s\n", err);
		return 1;
	}
	test_passwords(db);
	test_tokens(db);
	test_sessions(db);
	test_throttle(db);
	test_wake_packet();
	nb_db_close(db);
	unlink(path);
	snprintf(err, sizeof(err), "%s-wal", path);
	unlink(err);
	snprintf(err, sizeof(err), "%s-shm", path);
	unlink(err);
	rmdir(dir);
	return done_testing();
}
