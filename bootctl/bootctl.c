/*
 * bootctl.c: the command-line tool. It edits the shared database directly,
 * safely while the daemons run: each command that changes anything is one
 * BEGIN IMMEDIATE transaction, so nothing is ever half written.
 *
 *	bootctl [-D database] [-f config] [--json] noun verb [args]
 *
 * Exit codes: 0 ok, 1 runtime error, 2 usage error.
 */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <getopt.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bootctl.h"
#include "conf.h"
#include "xmalloc.h"

static int	open_db(struct bootctl *, int);

static const struct bootctl_cmd *const nouns[] = {
	bc_db_cmds, bc_client_cmds, bc_image_cmds, bc_template_cmds, bc_file_cmds,
	bc_events_cmds, bc_settings_cmds, bc_template_render_cmds, bc_image_import_cmds,
	bc_client_timeline_cmds, bc_lease_cmds, bc_user_cmds, bc_token_cmds,
	bc_client_label_cmds,
	bc_webhook_cmds,
};

static void
bc_vprint(const char *fmt, va_list ap)
{
	fprintf(stderr, "bootctl: ");
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

int
bc_usage(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	bc_vprint(fmt, ap);
	va_end(ap);
	return EXIT_USAGE;
}

int
bc_error(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	bc_vprint(fmt, ap);
	va_end(ap);
	return 1;
}

int
bc_dberror(struct bootctl *bc)
{
	nb_db_rollback(bc->db);
	return bc_error("%s", nb_db_errmsg(bc->db));
}

void
bc_print_json(json_t *j)
{
	json_dumpf(j, stdout, JSON_INDENT(2) | JSON_SORT_KEYS | JSON_ENCODE_ANY);
	fputc('\n', stdout);
	json_decref(j);
}

int
bc_mac_arg(const char *arg, char out[NB_MACSTR_LEN])
{
	if (nb_mac_canon(arg, out) == -1) {
		bc_usage("'%s' is not a MAC address", arg);
		return -1;
	}
	return 0;
}

int
bc_client_arg(struct bootctl *bc, const char *arg, char mac[NB_MACSTR_LEN])
{
	struct nb_client	 c;
	int			 rc;

	if (nb_mac_canon(arg, mac) == 0)
		return 0;
	if (!nb_name_valid(arg))
		return bc_usage("'%s' is neither a MAC address nor a client name",
		    arg);
	if ((rc = bc_open(bc)) != 0)
		return rc;
	nb_client_init(&c);
	rc = nb_client_find_name(bc->db, arg, &c);
	if (rc == NB_OK)
		strlcpy(mac, c.mac, NB_MACSTR_LEN);
	nb_client_clear(&c);
	if (rc == NB_NOTFOUND)
		return bc_error("no client named '%s'", arg);
	return rc == NB_OK ? 0 : bc_dberror(bc);
}

/* A lock held past the busy timeout fails here or at commit: name the file. */
int
bc_begin(struct bootctl *bc)
{
	if (nb_db_begin(bc->db) != NB_OK) {
		nb_db_rollback(bc->db);
		return bc_error("%s: %s", nb_db_path(bc->db), nb_db_errmsg(bc->db));
	}
	return 0;
}

int
bc_commit(struct bootctl *bc)
{
	if (nb_db_commit(bc->db) != NB_OK) {
		nb_db_rollback(bc->db);
		return bc_error("%s: %s", nb_db_path(bc->db), nb_db_errmsg(bc->db));
	}
	return 0;
}

char *
bc_read_file(const char *path, size_t *lenp)
{
	FILE	*fp;
	char	*buf = NULL;
	size_t	 len = 0, cap = 0, n;
	int	 saved;

	if (strcmp(path, "-") == 0)
		fp = stdin;
	else if ((fp = fopen(path, "r")) == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 65536) {
			cap = cap ? cap * 2 : 65536;
			buf = xreallocarray(buf, 1, cap + 1);
		}
		n = fread(buf + len, 1, cap - len, fp);
		len += n;
		if (n == 0)
			break;
	}
	if (ferror(fp)) {
		saved = errno;
		free(buf);
		if (fp != stdin)
			fclose(fp);
		errno = saved;
		return NULL;
	}
	if (fp != stdin)
		fclose(fp);
	buf[len] = '\0';
	if (lenp != NULL)
		*lenp = len;
	return buf;
}

const char *
bc_time(int64_t t, char *buf, size_t len)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (t == 0) {
		strlcpy(buf, "-", len);
		return buf;
	}
	localtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
	return buf;
}

int
bc_cmd_usage(struct bootctl *bc, const char *fmt, ...)
{
	va_list	 ap;

	fprintf(stderr, "bootctl: %s %s: ", bc->cmd->noun, bc->cmd->verb);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nusage: bootctl %s %s%s%s\n", bc->cmd->noun, bc->cmd->verb,
	    bc->cmd->usage[0] ? " " : "", bc->cmd->usage);
	return EXIT_USAGE;
}

int
bc_nargs(struct bootctl *bc, int argc, char *argv[], int min, int max)
{
	if (argc < min)
		return bc_cmd_usage(bc, "missing argument");
	if (max >= 0 && argc > max)
		return bc_cmd_usage(bc, "unexpected argument '%s'", argv[max]);
	return 0;
}

int
bc_operands(struct bootctl *bc, int argc, char *argv[], int min, int max)
{
	static const struct option none[] = { { NULL, 0, NULL, 0 } };
	int	 ch;

	if ((ch = bc_getopt(argc, argv, none)) != -1)
		return bc_badopt(bc, ch, argv);
	return bc_nargs(bc, argc - optind, argv + optind, min, max);
}

int
bc_id_operand(struct bootctl *bc, int argc, char *argv[], const char *what,
    int64_t *id)
{
	const char	*errstr;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0)
		return rc;
	*id = strtonum(argv[optind], 1, INT64_MAX, &errstr);
	if (errstr != NULL)
		return bc_cmd_usage(bc, "%s id '%s' is %s", what,
		    argv[optind], errstr);
	return 0;
}

int
bc_getopt(int argc, char *argv[], const struct option *longopts)
{
	opterr = 0;
	/* Leading ':' to tell a missing value from an unknown option; no short options. */
	return getopt_long(argc, argv, ":", longopts, NULL);
}

int
bc_badopt(struct bootctl *bc, int ch, char *argv[])
{
	const char	*opt = argv[optind - 1];

	if (ch == ':')
		return bc_cmd_usage(bc, "option '%s' needs a value", opt);
	if (optopt != 0 && optopt != '?')
		return bc_cmd_usage(bc, "unknown option '-%c'", optopt);
	return bc_cmd_usage(bc, "unknown option '%s'", opt);
}

char *
bc_datadir(struct bootctl *bc)
{
	return nb_datadir(bc->dbpath, nb_conf_get(bc->conf, NULL, "datadir"));
}

const char *
bc_safe(char *buf, size_t len, const char *s)
{
	if (s == NULL)
		return "-";
	return log_safe(buf, len, s, strlen(s));
}

struct bc_table {
	size_t		 ncols, nrows;
	char		**cells;	/* nrows * ncols, row 0 the headers */
};

static struct bc_table *
bc_table_vnew(const char *header, va_list ap)
{
	struct bc_table	*t = xcalloc(1, sizeof(*t));
	const char	*h;

	for (h = header; h != NULL; h = va_arg(ap, const char *)) {
		t->cells = xreallocarray(t->cells, t->ncols + 1,
		    sizeof(char *));
		t->cells[t->ncols++] = xstrdup(h);
	}
	t->nrows = 1;
	return t;
}

struct bc_table *
bc_table_new(const char *header, ...)
{
	struct bc_table	*t;
	va_list		 ap;

	va_start(ap, header);
	t = bc_table_vnew(header, ap);
	va_end(ap);
	return t;
}

static void
bc_table_vrow(struct bc_table *t, va_list ap)
{
	const char	*c;
	size_t		 i;

	t->cells = xreallocarray(t->cells, (t->nrows + 1) * t->ncols,
	    sizeof(char *));
	for (i = 0; i < t->ncols; i++) {
		c = va_arg(ap, const char *);
		t->cells[t->nrows * t->ncols + i] =
		    xstrdup(c != NULL && *c != '\0' ? c : "-");
	}
	t->nrows++;
}

void
bc_table_row(struct bc_table *t, ...)
{
	va_list		 ap;

	va_start(ap, t);
	bc_table_vrow(t, ap);
	va_end(ap);
}

void
bc_table_print(struct bc_table *t, FILE *fp)
{
	size_t	*w, r, i, len;

	w = xcalloc(t->ncols, sizeof(*w));
	for (r = 0; r < t->nrows; r++)
		for (i = 0; i < t->ncols; i++)
			if ((len = strlen(t->cells[r * t->ncols + i])) > w[i])
				w[i] = len;
	for (r = 0; r < t->nrows; r++) {
		for (i = 0; i < t->ncols; i++) {
			/* The last column is not padded: no trailing blanks. */
			if (i + 1 == t->ncols)
				fprintf(fp, "%s\n", t->cells[r * t->ncols + i]);
			else
				fprintf(fp, "%-*s  ", (int)w[i], t->cells[r * t->ncols + i]);
		}
	}
	for (i = 0; i < t->nrows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(w);
	free(t);
}

void
bc_list_begin(struct bootctl *bc, struct bc_list *l, const char *header, ...)
{
	va_list		 ap;

	memset(l, 0, sizeof(*l));
	if (bc->json) {
		l->a = json_array();
		return;
	}
	va_start(ap, header);
	l->t = bc_table_vnew(header, ap);
	va_end(ap);
}

int
bc_list_end(struct bootctl *bc, struct bc_list *l, int rc)
{
	if (l->a != NULL) {
		if (rc != NB_OK) {
			json_decref(l->a);
			return bc_dberror(bc);
		}
		bc_print_json(l->a);
		return 0;
	}
	/* What was read before an error is still shown. */
	bc_table_print(l->t, stdout);
	return rc == NB_OK ? 0 : bc_dberror(bc);
}

void
bc_show(const char *key, const char *value)
{
	char	 k[64];

	snprintf(k, sizeof(k), "%s:", key);
	printf("%-14s %s\n", k, value != NULL && *value != '\0' ? value : "-");
}

/* The verbs of noun, one usage line each. */
static void
usage_noun(FILE *fp, const char *noun)
{
	const struct bootctl_cmd	*c;
	size_t				 i;

	for (i = 0; i < nitems(nouns); i++)
		for (c = nouns[i]; c->noun != NULL; c++)
			if (strcmp(c->noun, noun) == 0)
				fprintf(fp, "       bootctl %s %s%s%s\n", c->noun,
				    c->verb, c->usage[0] ? " " : "", c->usage);
}

/* Whether noun was listed before nouns[i] (several tables share a noun). */
static int
noun_seen(size_t i, const char *noun)
{
	size_t	 j;

	for (j = 0; j < i; j++)
		if (strcmp(nouns[j]->noun, noun) == 0)
			return 1;
	return 0;
}

/* Every command, grouped by noun. */
static void
usage_all(FILE *fp)
{
	size_t	 i;

	fprintf(fp, "usage: bootctl [-D database] [-f config] [--json] "
	    "noun verb [args]\n"
	    "   or: bootctl help [noun]\n"
	    "   or: bootctl --version\n");
	for (i = 0; i < nitems(nouns); i++) {
		if (noun_seen(i, nouns[i]->noun))
			continue;
		fprintf(fp, "%s:\n", nouns[i]->noun);
		usage_noun(fp, nouns[i]->noun);
	}
}

/* bootctl help [NOUN]: every command, or the verbs of one noun. */
static int
help(int argc, char *argv[])
{
	size_t	 i;

	if (argc > 2)
		return bc_usage("usage: bootctl help [noun]");
	if (argc < 2) {
		usage_all(stdout);
		return 0;
	}
	for (i = 0; i < nitems(nouns); i++)
		if (strcmp(nouns[i]->noun, argv[1]) == 0) {
			printf("usage:\n");
			usage_noun(stdout, argv[1]);
			return 0;
		}
	return bc_usage("unknown noun '%s' (bootctl help lists them)", argv[1]);
}

static const struct bootctl_cmd *
find_cmd(const char *noun, const char *verb, int *noun_found)
{
	const struct bootctl_cmd	*c;
	size_t				 i;

	*noun_found = 0;
	for (i = 0; i < nitems(nouns); i++) {
		for (c = nouns[i]; c->noun != NULL; c++) {
			if (strcmp(c->noun, noun) != 0)
				continue;
			*noun_found = 1;
			if (verb != NULL && strcmp(c->verb, verb) == 0)
				return c;
		}
	}
	return NULL;
}

/* Take --json from anywhere on the line, so "bootctl client list --json" works. */
static int
strip_json_flag(int argc, char *argv[])
{
	int	 i, j, json = 0;

	for (i = j = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = 1;
		else
			argv[j++] = argv[i];
	}
	argv[j] = NULL;
	return json;
}

void
bc_become_owner(const char *dbpath)
{
	struct stat	 sb;
	char		*copy;
	int		 rc;

	if (geteuid() != 0 || nb_db_is_pg(dbpath))	/* not a file */
		return;
	/*
	 * The daemons run unprivileged: files root created next to their
	 * database (the -wal and -shm files) would lock them out. So root
	 * works as the owner of the database, or of its directory.
	 */
	if ((rc = stat(dbpath, &sb)) == -1) {
		copy = xstrdup(dbpath);
		rc = stat(dirname(copy), &sb);
		free(copy);
	}
	if (rc == -1 || sb.st_uid == 0)
		return;
	if (setegid(sb.st_gid) == -1 || seteuid(sb.st_uid) == -1)
		log_warn("cannot act as the owner (uid %u) of %s", (unsigned)sb.st_uid, dbpath);
}

int
bc_open(struct bootctl *bc)
{
	if (bc->db != NULL)
		return 0;
	return open_db(bc, bc->cmd->open_flags & ~BC_OPEN_LATE);
}

static int
open_db(struct bootctl *bc, int flags)
{
	char		 err[1024];
	const char	*v;

	if (bc->dbpath == NULL)
		bc->dbpath = (v = nb_conf_get(bc->conf, NULL, "database")) ? v : NB_DB_DEFAULT;
	bc_become_owner(bc->dbpath);
	if (nb_db_open(bc->dbpath, flags, &bc->db, err, sizeof(err)) != NB_OK)
		return bc_error("%s", err);
	nb_db_set_datadir(bc->db, nb_conf_get(bc->conf, NULL, "datadir"));
	return 0;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct bootctl			 bc = { 0 };
	const struct bootctl_cmd	*cmd;
	const char			*noun, *verb;
	char				 err[1024];
	int				 ch, found, rc;

	log_init("bootctl", 1, 0);
	bc.json = strip_json_flag(argc, argv);
	for (argc = 0; argv[argc] != NULL; argc++)
		;
	bc.conffile = NB_CONF_DEFAULT;
	while ((ch = getopt_long(argc, argv, "+D:f:h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'D':
			bc.dbpath = optarg;
			break;
		case 'f':
			bc.conffile = optarg;
			break;
		case 'h':
			usage_all(stdout);
			return 0;
		case 'V':
			printf("bootctl (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			return 0;
		default:
			usage_all(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		usage_all(stderr);
		return EXIT_USAGE;
	}
	noun = argv[0];
	verb = argc > 1 ? argv[1] : NULL;
	if (strcmp(noun, "help") == 0)
		return help(argc, argv);
	if ((cmd = find_cmd(noun, verb, &found)) == NULL) {
		if (!found)
			return bc_usage("unknown command '%s' (bootctl help lists them)", noun);
		if (verb == NULL) {
			bc_usage("%s needs a verb, one of:", noun);
			usage_noun(stderr, noun);
			return EXIT_USAGE;
		}
		return bc_usage("unknown command '%s %s' (bootctl help %s lists its verbs)",
		    noun, verb, noun);
	}
	if ((bc.conf = nb_conf_load(bc.conffile, strcmp(bc.conffile, NB_CONF_DEFAULT) == 0,
	    err, sizeof(err))) == NULL)
		return bc_error("%s", err);
	if (cmd->open_flags >= 0 && !(cmd->open_flags & BC_OPEN_LATE) &&
	    (rc = open_db(&bc, cmd->open_flags)) != 0)
		goto done;
	/*
	 * Verbs parse their own flags from argv[1] on. optind = 0 makes glibc
	 * start afresh, so the '+' (stop at the first operand) used for the
	 * global flags above does not stick: "client add MAC --name N" works.
	 */
	bc.cmd = cmd;
	optind = 0;
	rc = cmd->fn(&bc, argc - 1, argv + 1);
done:
	nb_db_close(bc.db);
	nb_conf_free(bc.conf);
	return rc;
}
