/*
 * conf.c: the netboot.conf(5) parser.
 *
 *	# comment
 *	database = /var/lib/netboot/netboot.db
 *	[tftpd]
 *	port = 69
 *
 * Keys before the first [section] (or under [global]) are shared by every
 * program. Every key must be in conf_keys below, with its kind: a typo or a
 * bad value is reported as file:line when the file is read, never later.
 */
#include "config.h"

#include <sys/queue.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "conf.h"
#include "db.h"
#include "xmalloc.h"

enum conf_kind {
	K_STRING, K_PATH, K_ADDR, K_ADDR46, K_PORT, K_NUM, K_BOOL, K_DATABASE,
	K_NKINDS
};

struct conf_key {
	const char	*section;	/* NULL for the global part */
	const char	*key;
	enum conf_kind	 kind;
	long long	 min, max;	/* K_NUM */
	int		 repeat;	/* may be given more than once */
};

/* Every key that exists; netboot.conf(5) documents each one. */
static const struct conf_key conf_keys[] = {
	{ NULL, "database", K_DATABASE, 0, 0, 0 },
	{ NULL, "datadir", K_PATH, 0, 0, 0 },
	{ NULL, "user", K_STRING, 0, 0, 0 },
	{ NULL, "http_port", K_PORT, 0, 0, 0 },
	/* upstream files (upstream.c): bootweb and tftpd alike */
	{ NULL, "upstream_cache_max", K_NUM, 0, 1048576, 0 },
	{ NULL, "upstream_max_size", K_NUM, 1, 1048576, 0 },
	{ NULL, "upstream_fresh", K_NUM, 0, 31536000, 0 },
	{ NULL, "upstream_connect_timeout", K_NUM, 1, 600, 0 },
	{ NULL, "upstream_timeout", K_NUM, 1, 86400, 0 },
	{ NULL, "upstream_max_fetches", K_NUM, 1, 1000, 0 },
	{ "pxedhcpd", "listen", K_ADDR, 0, 0, 0 },
	{ "pxedhcpd", "port", K_PORT, 0, 0, 0 },
	{ "pxedhcpd", "proxy_port", K_PORT, 0, 0, 0 },
	{ "pxedhcpd", "interface", K_STRING, 0, 0, 1 },
	{ "pxedhcpd", "vendor_prefix", K_STRING, 0, 0, 1 },
	{ "tftpd", "listen", K_ADDR46, 0, 0, 0 },
	{ "tftpd", "port", K_PORT, 0, 0, 0 },
	{ "tftpd", "root", K_PATH, 0, 0, 1 },
	{ "tftpd", "max_transfers", K_NUM, 1, 100000, 0 },
	{ "tftpd", "blksize_max", K_NUM, 8, 65464, 0 },
	{ "tftpd", "windowsize_max", K_NUM, 1, 65535, 0 },
	{ "tftpd", "retries", K_NUM, 1, 100, 0 },
	{ "tftpd", "transfer_timeout", K_NUM, 1, 86400, 0 },
	{ "tftpd", "timeout", K_NUM, 1, 255, 0 },
	{ "tftpd", "mtu", K_NUM, 68, 65535, 0 },
	{ "tftpd", "option_blksize", K_BOOL, 0, 0, 0 },
	{ "tftpd", "option_tsize", K_BOOL, 0, 0, 0 },
	{ "tftpd", "option_timeout", K_BOOL, 0, 0, 0 },
	{ "tftpd", "option_windowsize", K_BOOL, 0, 0, 0 },
	{ "tftpd", "lowercase", K_BOOL, 0, 0, 0 },
	{ "tftpd", "shutdown_grace", K_NUM, 0, 3600, 0 },
	{ "tftpd", "timeout_max", K_NUM, 1, 255, 0 },
	{ "tftpd", "max_transfers_per_address", K_NUM, 1, 100000, 0 },
	{ "tftpd", "retries_silent", K_NUM, 0, 100, 0 },
	{ "bootweb", "listen", K_ADDR46, 0, 0, 0 },
	{ "bootweb", "port", K_PORT, 0, 0, 0 },
	{ "bootweb", "admin_listen", K_ADDR46, 0, 0, 0 },
	{ "bootweb", "admin_port", K_PORT, 0, 0, 0 },
	{ "bootweb", "max_connections", K_NUM, 1, 100000, 0 },
	{ "bootweb", "ipxe_dir", K_PATH, 0, 0, 0 },
	{ "bootweb", "timeout", K_NUM, 1, 3600, 0 },
	{ "bootweb", "shutdown_grace", K_NUM, 0, 3600, 0 },
	{ "bootweb", "request_timeout", K_NUM, 1, 3600, 0 },
	{ "bootweb", "max_connections_per_address", K_NUM, 1, 100000, 0 },
	{ "bootweb", "admin_max_connections", K_NUM, 1, 100000, 0 },
	/* the web UI (issue 14) */
	{ "bootweb", "www_dir", K_PATH, 0, 0, 0 },
	/* the admin API (issue 13) */
	{ "bootweb", "import_dir", K_PATH, 0, 0, 0 },
	{ "bootweb", "admin_tls_cert", K_PATH, 0, 0, 0 },
	{ "bootweb", "admin_tls_key", K_PATH, 0, 0, 0 },
};

static const char *const conf_sections[] = { "global", "pxedhcpd", "tftpd", "bootweb", "bootctl" };

struct conf_entry {
	TAILQ_ENTRY(conf_entry)	 entry;
	char			*section;	/* NULL for global */
	char			*key;
	char			*value;
	int			 line;
};

struct nb_conf {
	TAILQ_HEAD(, conf_entry)	 entries;
};

static int
same_section(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static const struct conf_key *
conf_lookup(const char *section, const char *key)
{
	size_t	 i;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++)
		if (same_section(conf_keys[i].section, section) &&
		    strcmp(conf_keys[i].key, key) == 0)
			return &conf_keys[i];
	return NULL;
}

static int
conf_known_section(const char *name)
{
	size_t	 i;

	for (i = 0; i < sizeof(conf_sections) / sizeof(conf_sections[0]); i++)
		if (strcmp(conf_sections[i], name) == 0)
			return 1;
	return 0;
}

/* Check value against the kind of its key; NULL if good, else what is wrong. */
static const char *
conf_check_value(const struct conf_key *k, const char *value)
{
	const char	*errstr = NULL;

	switch (k->kind) {
	case K_STRING:
		return NULL;
	case K_PATH:
		return value[0] == '/' ? NULL : "must be an absolute path";
	case K_DATABASE:
		return value[0] == '/' || nb_db_is_pg(value) ? NULL :
		    "must be an absolute path or a PostgreSQL connection string";
	case K_ADDR:
		return nb_ip_valid(value) ? NULL : "must be an IPv4 address";
	case K_ADDR46:
		return nb_addr_valid(value) ? NULL : "must be an IPv4 or IPv6 address";
	case K_PORT:
		strtonum(value, 1, 65535, &errstr);
		return errstr != NULL ? "must be a port number 1..65535" : NULL;
	case K_NUM:
		strtonum(value, k->min, k->max, &errstr);
		return errstr != NULL ? "is out of range or not a number" : NULL;
	case K_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
			return NULL;
		return "must be yes or no";
	case K_NKINDS:
		break;
	}
	return "has an unknown kind";
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
conf_has(struct nb_conf *c, const char *section, const char *key)
{
	struct conf_entry	*e;

	TAILQ_FOREACH(e, &c->entries, entry)
		if (same_section(e->section, section) && strcmp(e->key, key) == 0)
			return e->line;
	return 0;
}

/* Parse one line into c; on error write the reason into err and return -1. */
static int
conf_line(struct nb_conf *c, char **section, char *line, int lineno, char *err, size_t errsz)
{
	const struct conf_key	*k;
	struct conf_entry	*e;
	char			*s = trim(line), *eq, *key, *value, *end;
	const char		*why;
	size_t			 len;
	int			 prev;

	if (*s == '\0' || *s == '#' || *s == ';')
		return 0;
	if (*s == '[') {
		if ((end = strchr(s, ']')) == NULL || end[1] != '\0') {
			snprintf(err, errsz, "section header needs a closing ]");
			return -1;
		}
		*end = '\0';
		s = trim(s + 1);
		if (!conf_known_section(s)) {
			snprintf(err, errsz, "unknown section [%s]", s);
			return -1;
		}
		free(*section);
		*section = strcmp(s, "global") == 0 ? NULL : xstrdup(s);
		return 0;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		snprintf(err, errsz, "expected key = value");
		return -1;
	}
	*eq = '\0';
	key = trim(s);
	value = trim(eq + 1);
	len = strlen(value);
	if (len >= 2 && value[0] == '"' && value[len - 1] == '"') {
		value[len - 1] = '\0';
		value++;
	}
	if (*key == '\0') {
		snprintf(err, errsz, "missing key before =");
		return -1;
	}
	if ((k = conf_lookup(*section, key)) == NULL) {
		snprintf(err, errsz, "unknown key '%s' in [%s]", key,
		    *section ? *section : "global");
		return -1;
	}
	if (*value == '\0') {
		snprintf(err, errsz, "key '%s' has no value", key);
		return -1;
	}
	if ((why = conf_check_value(k, value)) != NULL) {
		snprintf(err, errsz, "%s: '%s' %s", key, value, why);
		return -1;
	}
	if (!k->repeat && (prev = conf_has(c, *section, key)) != 0) {
		snprintf(err, errsz, "key '%s' already set at line %d", key, prev);
		return -1;
	}
	e = xcalloc(1, sizeof(*e));
	e->section = *section ? xstrdup(*section) : NULL;
	e->key = xstrdup(key);
	e->value = xstrdup(value);
	e->line = lineno;
	TAILQ_INSERT_TAIL(&c->entries, e, entry);
	return 0;
}

struct nb_conf *
nb_conf_load(const char *path, int missing_ok, char *err, size_t errsz)
{
	struct nb_conf	*c;
	FILE		*fp;
	char		*line = NULL, *section = NULL, why[512];
	size_t		 cap = 0;
	ssize_t		 n;
	int		 lineno = 0;

	c = xcalloc(1, sizeof(*c));
	TAILQ_INIT(&c->entries);
	if ((fp = fopen(path, "r")) == NULL) {
		if (errno == ENOENT && missing_ok)
			return c;
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		nb_conf_free(c);
		return NULL;
	}
	while ((n = getline(&line, &cap, fp)) != -1) {
		lineno++;
		if ((size_t)n != strlen(line)) {
			snprintf(err, errsz, "%s:%d: NUL byte in line", path, lineno);
			goto fail;
		}
		if (conf_line(c, &section, line, lineno, why, sizeof(why)) == -1) {
			snprintf(err, errsz, "%s:%d: %s", path, lineno, why);
			goto fail;
		}
	}
	if (ferror(fp)) {
		snprintf(err, errsz, "%s: %s", path, strerror(errno));
		goto fail;
	}
	free(line);
	free(section);
	fclose(fp);
	return c;
fail:
	free(line);
	free(section);
	fclose(fp);
	nb_conf_free(c);
	return NULL;
}

void
nb_conf_free(struct nb_conf *c)
{
	struct conf_entry	*e;

	if (c == NULL)
		return;
	while ((e = TAILQ_FIRST(&c->entries)) != NULL) {
		TAILQ_REMOVE(&c->entries, e, entry);
		free(e->section);
		free(e->key);
		free(e->value);
		free(e);
	}
	free(c);
}

const char *
nb_conf_get(const struct nb_conf *c, const char *section, const char *key)
{
	struct conf_entry	*e;
	const char		*v = NULL;

	if (c == NULL)
		return NULL;
	TAILQ_FOREACH(e, &c->entries, entry)
		if (same_section(e->section, section) && strcmp(e->key, key) == 0)
			v = e->value;
	return v;
}

long long
nb_conf_getnum(const struct nb_conf *c, const char *section, const char *key, long long def)
{
	const char	*v;

	if ((v = nb_conf_get(c, section, key)) == NULL)
		return def;
	return strtonum(v, 0, LLONG_MAX, NULL);
}

void
nb_conf_foreach(const struct nb_conf *c, const char *section, const char *key,
    void (*fn)(const char *, void *), void *arg)
{
	struct conf_entry	*e;

	if (c == NULL)
		return;
	TAILQ_FOREACH(e, &c->entries, entry)
		if (same_section(e->section, section) && strcmp(e->key, key) == 0)
			fn(e->value, arg);
}

void
nb_conf_dump_keys(void)
{
	/* Indexed by the enum: a new kind cannot shift the names or overrun. */
	static const char *const kinds[K_NKINDS] = {
		[K_STRING] = "string", [K_PATH] = "path", [K_ADDR] = "address",
		[K_ADDR46] = "address46", [K_PORT] = "port", [K_NUM] = "number",
		[K_BOOL] = "bool", [K_DATABASE] = "database",
	};
	const char	*kind;
	size_t		 i;

	for (i = 0; i < sizeof(conf_keys) / sizeof(conf_keys[0]); i++) {
		kind = conf_keys[i].kind < K_NKINDS ?
		    kinds[conf_keys[i].kind] : NULL;
		printf("%s %s %s%s\n", conf_keys[i].section ? conf_keys[i].section : "global",
		    conf_keys[i].key, kind != NULL ? kind : "?",
		    conf_keys[i].repeat ? " repeat" : "");
	}
}
