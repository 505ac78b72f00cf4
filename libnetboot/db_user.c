/*
 * db_user.c: the admin plane's users and their roles (netboot(7) ADMIN
 * PLANE). Passwords are kept only as crypt(3) yescrypt hashes; the last
 * admin can be neither removed nor demoted, so the admin plane always has
 * someone who can manage it.
 */
#include "config.h"

#include <crypt.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "xmalloc.h"

static const char *const role_names[] = {
	[NB_ROLE_NONE] = "",
	[NB_ROLE_VIEWER] = "viewer",
	[NB_ROLE_OPERATOR] = "operator",
	[NB_ROLE_ADMIN] = "admin",
};

const char *
nb_role_name(enum nb_role r)
{
	if ((size_t)r >= nitems(role_names))
		return "";
	return role_names[r];
}

int
nb_role_parse(const char *s, enum nb_role *r)
{
	size_t	 i;

	for (i = NB_ROLE_VIEWER; s != NULL && i < nitems(role_names); i++)
		if (strcmp(s, role_names[i]) == 0) {
			*r = (enum nb_role)i;
			return 0;
		}
	return -1;
}

void
nb_user_clear(struct nb_user *u)
{
	free(u->name);
	memset(u, 0, sizeof(*u));
}

const char *
nb_password_rule(const char *pw)
{
	size_t	 len = pw == NULL ? 0 : strlen(pw);

	if (len < NB_PASSWORD_MIN)
		return "a password has at least 8 characters";
	if (len > NB_PASSWORD_MAX)
		return "a password has at most 256 characters";
	if (strchr(pw, '\n') != NULL || strchr(pw, '\r') != NULL)
		return "a password has no line break";
	return NULL;
}

int
nb_password_hash(const char *pw, char *out, size_t outsz)
{
	char			 salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data	*cd;
	int			 rc = -1;

	/* count 0: libxcrypt's default cost; NULL rbytes: its own randomness */
	if (crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)) == NULL)
		return -1;
	cd = xcalloc(1, sizeof(*cd));
	if (crypt_rn(pw, salt, cd, sizeof(*cd)) != NULL &&
	    cd->output[0] == '$' && strlcpy(out, cd->output, outsz) < outsz)
		rc = 0;
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return rc;
}

int
nb_password_check(const char *pw, const char *hash)
{
	struct crypt_data	*cd;
	size_t			 len = strlen(hash);
	int			 ok = 0;

	cd = xcalloc(1, sizeof(*cd));
	if (crypt_rn(pw, hash, cd, sizeof(*cd)) != NULL &&
	    cd->output[0] == '$' && strlen(cd->output) == len)
		ok = nb_ct_equal(cd->output, hash, len);
	explicit_bzero(cd, sizeof(*cd));
	free(cd);
	return ok;
}

void
nb_password_random(char out[NB_PASSWORD_RANDOM_LEN + 1])
{
	/* no 0/O, 1/l/I: read aloud or typed from a screen */
	static const char alpha[] =
	    "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
	size_t	 i;

	for (i = 0; i < NB_PASSWORD_RANDOM_LEN; i++)
		out[i] = alpha[arc4random_uniform(sizeof(alpha) - 1)];
	out[i] = '\0';
}

static int
user_from_row(struct db_st *st, struct nb_user *u)
{
	nb_user_clear(u);
	u->name = db_col_str(st, 0);
	if (nb_role_parse((const char *)dbs_column_text(st, 1),
	    &u->role) == -1)
		u->role = NB_ROLE_NONE;
	u->created = dbs_column_int64(st, 2);
	u->updated = dbs_column_int64(st, 3);
	return 0;
}

int
nb_user_get(struct nb_db *db, const char *name, struct nb_user *u)
{
	static const char sql[] = "SELECT name, role, created, "
	    "coalesce(updated, 0) FROM users WHERE name = ?1";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	if ((rc = db_step_row(db, st, "no user named '%s'", name)) == NB_OK)
		user_from_row(st, u);
	dbs_reset(st);
	return rc;
}

int
nb_user_add(struct nb_db *db, const char *name, enum nb_role role,
    const char *pw)
{
	static const char sql[] = "INSERT INTO users (name, hash, role, "
	    "created) VALUES (?1, ?2, ?3, ?4)";
	char		 hash[CRYPT_OUTPUT_SIZE];
	const char	*why;
	struct db_st	*st;
	int		 rc;

	if (!nb_name_valid(name))
		return db_fail(db, NB_INVALID, "bad user name '%s' (letters, "
		    "digits, . _ -)", name ? name : "");
	if (role == NB_ROLE_NONE || *nb_role_name(role) == '\0')
		return db_fail(db, NB_INVALID, "bad role");
	if ((why = nb_password_rule(pw)) != NULL)
		return db_fail(db, NB_INVALID, "%s", why);
	if (nb_password_hash(pw, hash, sizeof(hash)) == -1)
		return db_fail(db, NB_ERR, "crypt: cannot hash: %s",
		    strerror(errno));
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, hash);
	db_bind_text(st, 3, nb_role_name(role));
	dbs_bind_int64(st, 4, nb_now());
	rc = db_exec_stmt(db, st);
	explicit_bzero(hash, sizeof(hash));
	if (rc == NB_EXISTS)
		return db_fail(db, NB_EXISTS, "user '%s' exists already", name);
	return rc;
}

/* The number of admins other than name. */
static int64_t
other_admins(struct nb_db *db, const char *name)
{
	static const char sql[] = "SELECT count(*) FROM users "
	    "WHERE role = 'admin' AND name <> ?1";
	struct db_st	*st;
	int64_t		 n = -1;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	db_bind_text(st, 1, name);
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int64(st, 0);
	dbs_reset(st);
	return n;
}

/* NB_INUSE if name is the last admin; NB_NOTFOUND if no such user. */
static int
last_admin(struct nb_db *db, const char *name)
{
	struct nb_user	 u;
	int		 rc;

	memset(&u, 0, sizeof(u));
	if ((rc = nb_user_get(db, name, &u)) != NB_OK)
		return rc;
	rc = NB_OK;
	if (u.role == NB_ROLE_ADMIN && other_admins(db, name) == 0)
		rc = db_fail(db, NB_INUSE, "'%s' is the last admin", name);
	nb_user_clear(&u);
	return rc;
}

int
nb_user_passwd(struct nb_db *db, const char *name, const char *pw)
{
	static const char sql[] = "UPDATE users SET hash = ?2, updated = ?3 "
	    "WHERE name = ?1";
	static const char ends[] = "DELETE FROM tokens "
	    "WHERE \"user\" = ?1 AND kind = 'session'";
	char		 hash[CRYPT_OUTPUT_SIZE];
	const char	*why;
	struct db_st	*st;
	int		 rc;

	if ((why = nb_password_rule(pw)) != NULL)
		return db_fail(db, NB_INVALID, "%s", why);
	if (nb_password_hash(pw, hash, sizeof(hash)) == -1)
		return db_fail(db, NB_ERR, "crypt: cannot hash: %s",
		    strerror(errno));
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, hash);
	dbs_bind_int64(st, 3, nb_now());
	rc = db_exec_row(db, st, "no user named '%s'", name);
	explicit_bzero(hash, sizeof(hash));
	if (rc != NB_OK)
		return rc;
	/* a new password ends every session the old one opened */
	if ((st = db_stmt(db, ends)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	return db_exec_stmt(db, st);
}

int
nb_user_set_role(struct nb_db *db, const char *name, enum nb_role role)
{
	static const char sql[] = "UPDATE users SET role = ?2, updated = ?3 "
	    "WHERE name = ?1";
	struct db_st	*st;
	int		 rc;

	if (role == NB_ROLE_NONE || *nb_role_name(role) == '\0')
		return db_fail(db, NB_INVALID, "bad role");
	if (role != NB_ROLE_ADMIN && (rc = last_admin(db, name)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	db_bind_text(st, 2, nb_role_name(role));
	dbs_bind_int64(st, 3, nb_now());
	return db_exec_row(db, st, "no user named '%s'", name);
}

int
nb_user_rm(struct nb_db *db, const char *name)
{
	static const char sql[] = "DELETE FROM users WHERE name = ?1";
	struct db_st	*st;
	int		 rc;

	if ((rc = last_admin(db, name)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, name);
	/* tokens and sessions go by ON DELETE CASCADE */
	return db_exec_stmt(db, st);
}

int
nb_user_list(struct nb_db *db, int (*fn)(const struct nb_user *, void *),
    void *arg)
{
	static const char sql[] = "SELECT name, role, created, "
	    "coalesce(updated, 0) FROM users ORDER BY name";
	struct nb_user	 u;
	struct db_st	*st;
	int		 rc, stop = 0;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	memset(&u, 0, sizeof(u));
	while (!stop && (rc = dbs_step(st)) == SQLITE_ROW) {
		user_from_row(st, &u);
		stop = fn(&u, arg);
	}
	nb_user_clear(&u);
	if (!stop && rc != SQLITE_DONE) {
		rc = db_sqlerr(db, db_errcode(db));
		dbs_reset(st);
		return rc;
	}
	dbs_reset(st);
	return NB_OK;
}

int
nb_user_count(struct nb_db *db)
{
	static const char sql[] = "SELECT count(*) FROM users";
	struct db_st	*st;
	int		 n = -1;

	if ((st = db_stmt(db, sql)) == NULL)
		return -1;
	if (dbs_step(st) == SQLITE_ROW)
		n = dbs_column_int(st, 0);
	dbs_reset(st);
	return n;
}

int
nb_user_first_admin(struct nb_db *db, const char *name,
    char pw[NB_PASSWORD_RANDOM_LEN + 1])
{
	int	 n;

	if ((n = nb_user_count(db)) < 0)
		return db_fail(db, NB_ERR, "cannot count users: %s",
		    db_errmsg(db));
	if (n > 0)
		return db_fail(db, NB_EXISTS, "there are users already");
	nb_password_random(pw);
	return nb_user_add(db, name, NB_ROLE_ADMIN, pw);
}

json_t *
nb_user_json(const struct nb_user *u)
{
	json_t	*o = json_object();

	json_set_str(o, "name", u->name);
	json_set_str(o, "role", nb_role_name(u->role));
	json_object_set_new(o, "created", json_integer(u->created));
	json_object_set_new(o, "updated", u->updated ?
	    json_integer(u->updated) : json_null());
	return o;
}
