/*
 * daemon.c: the skeleton the three daemons share: flags, config, signals,
 * privileges, listening sockets, and the database. A loop never writes to
 * the database nor waits for it: it reads through its own connection,
 * whose busy timeout is short (WAL readers do not wait for a writer), and
 * queues every write on the write-behind queue (wq.c), whose thread does
 * the waiting.
 */
#include "config.h"

#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <netinet/in.h>

#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "daemon.h"
#include "xmalloc.h"

#define WQ_TICK_USEC	100000		/* the loop hands its writes over */
#define DB_RETRY_SEC	5		/* between opens of the loop's db */
#define LOOP_SLICE_NS	100000		/* the loop thread's time slice */

int
nb_daemon_getopt(struct nb_daemon *d, int argc, char *argv[], const char *extra_opts,
    int (*extra)(struct nb_daemon *, int, const char *), void (*usage)(int))
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	char		 opts[64];
	const char	*errstr;
	int		 ch;

	d->conffile = NB_CONF_DEFAULT;
	snprintf(opts, sizeof(opts), "dhvnf:D:l:p:%s", extra_opts ? extra_opts : "");
	while ((ch = getopt_long(argc, argv, opts, longopts, NULL)) != -1) {
		switch (ch) {
		case 'h':
			usage(0);
			break;
		case 'V':
			printf("%s (%s) %s\n", d->name, PACKAGE_NAME, PACKAGE_VERSION);
			exit(0);
		case 'd':
			d->foreground = 1;
			break;
		case 'v':
			d->verbose++;
			break;
		case 'n':
			d->checkonly = 1;
			break;
		case 'f':
			d->conffile = optarg;
			d->conffile_set = 1;
			break;
		case 'D':
			d->dbpath = optarg;
			break;
		case 'l':
			/* tftpd and bootweb take IPv6 too; pxedhcpd refuses it when it binds. */
			if (!nb_addr_valid(optarg)) {
				fprintf(stderr, "%s: -l %s: not an IP address\n", d->name, optarg);
				usage(2);
			}
			d->listen = optarg;
			break;
		case 'p':
			d->port = (int)strtonum(optarg, 1, 65535, &errstr);
			if (errstr != NULL) {
				fprintf(stderr, "%s: -p %s: port is %s\n", d->name, optarg, errstr);
				usage(2);
			}
			break;
		default:
			if (ch == '?' || extra == NULL || extra(d, ch, optarg) == -1)
				usage(2);
			break;
		}
	}
	return optind;
}

void
nb_daemon_config(struct nb_daemon *d)
{
	char	 err[1024];

	log_init(d->name, d->foreground || d->checkonly, d->verbose);
	/* A missing default file is fine; a missing file named with -f is not. */
	if ((d->conf = nb_conf_load(d->conffile, !d->conffile_set, err, sizeof(err))) == NULL)
		fatalx("%s", err);
	if (d->checkonly) {
		printf("%s: configuration OK\n", d->conffile);
		exit(0);
	}
}

const char *
nb_daemon_listen(const struct nb_daemon *d, const char *def)
{
	const char	*v;

	if (d->listen != NULL)
		return d->listen;
	if ((v = nb_conf_get(d->conf, d->name, "listen")) != NULL)
		return v;
	return def;
}

int
nb_daemon_port(const struct nb_daemon *d, const char *key, int def)
{
	if (d->port != 0 && strcmp(key, "port") == 0)
		return d->port;
	return (int)nb_conf_getnum(d->conf, d->name, key, def);
}

const char *
nb_daemon_dbpath(const struct nb_daemon *d)
{
	const char	*v;

	if (d->dbpath != NULL)
		return d->dbpath;
	if ((v = nb_conf_get(d->conf, NULL, "database")) != NULL)
		return v;
	return NB_DB_DEFAULT;
}

static void
daemon_signal(evutil_socket_t sig, short events, void *arg)
{
	struct nb_daemon	*d = arg;
	struct nb_conf		*conf;
	char			 err[1024];

	switch (sig) {
	case SIGHUP:
		if ((conf = nb_conf_load(d->conffile, !d->conffile_set, err, sizeof(err))) == NULL) {
			log_warnx("reload failed, keeping the old configuration: %s", err);
			return;
		}
		nb_conf_free(d->conf);
		d->conf = conf;
		log_info("configuration reloaded");
		if (d->reload != NULL)
			d->reload(d);
		break;
	case SIGTERM:
	case SIGINT:
		log_info("%s, shutting down", sig == SIGTERM ? "SIGTERM" : "SIGINT");
		if (d->shutdown != NULL)
			d->shutdown(d);
		else
			nb_daemon_exit(d);
		break;
	}
}

void
nb_daemon_init(struct nb_daemon *d)
{
	static const int sigs[3] = { SIGTERM, SIGINT, SIGHUP };
	int	 i;

	struct event_config	*cfg;

	signal(SIGPIPE, SIG_IGN);
	/*
	 * epoll's changelist folds the add/del pairs of one loop pass into
	 * one epoll_ctl: half the system calls per request. Safe here, as no
	 * daemon dup()s a descriptor that libevent watches.
	 */
	if ((cfg = event_config_new()) == NULL)
		fatalx("event_config_new failed");
	event_config_set_flag(cfg, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	d->base = event_base_new_with_config(cfg);
	event_config_free(cfg);
	if (d->base == NULL)
		fatalx("event_base_new failed");
	for (i = 0; i < 3; i++) {
		d->ev_sig[i] = evsignal_new(d->base, sigs[i], daemon_signal, d);
		if (d->ev_sig[i] == NULL || evsignal_add(d->ev_sig[i], NULL) == -1)
			fatalx("cannot install signal handler %d", sigs[i]);
	}
}

void
nb_daemon_drop_privileges(struct nb_daemon *d)
{
	const char	*user = nb_conf_get(d->conf, NULL, "user");
	struct passwd	*pw;

	if (geteuid() != 0)
		goto background;
	if (user == NULL)
		user = "netboot";
	if (strcmp(user, "root") == 0) {
		log_warnx("keeping root privileges (user = root in %s)", d->conffile);
		goto background;
	}
	if ((pw = getpwnam(user)) == NULL)
		fatalx("user %s does not exist: create it (useradd --system %s) or set "
		    "user in %s", user, user, d->conffile);
	if (setgroups(1, &pw->pw_gid) == -1 ||
	    setresgid(pw->pw_gid, pw->pw_gid, pw->pw_gid) == -1 ||
	    setresuid(pw->pw_uid, pw->pw_uid, pw->pw_uid) == -1)
		fatal("cannot drop privileges to %s", user);
	log_debug("running as %s (uid %u)", user, (unsigned)pw->pw_uid);
background:
	/* Fork before the database is opened: SQLite handles must not cross a fork. */
	if (d->foreground)
		return;
	if (daemon(0, 0) == -1)
		fatal("daemon");
	if (event_reinit(d->base) == -1)
		fatalx("event_reinit failed");
}

static void
daemon_tick(evutil_socket_t fd, short events, void *arg)
{
	struct nb_daemon	*d = arg;

	if (d->tick != NULL)
		d->tick(d);
	nb_wq_tick(d->evq);
}

/* Create or upgrade the database in a child: the parent maps no SQLite. */
static void
daemon_db_check(const char *path)
{
	struct nb_db	*db;
	char		 err[1024];
	pid_t		 pid;
	int		 status;

	if ((pid = fork()) == -1)
		fatal("fork");
	if (pid == 0) {
		if (nb_db_open(path, NB_DB_CREATE, &db, err,
		    sizeof(err)) != NB_OK) {
			log_warnx("%s", err);
			_exit(1);
		}
		nb_db_close(db);
		_exit(0);
	}
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			fatal("waitpid");
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fatalx("cannot open the database %s", path);
}

struct nb_db *
nb_daemon_db(struct nb_daemon *d)
{
	struct timeval	 tv;
	const char	*path;
	char		 err[1024];
	double		 now;

	if (d->db != NULL)
		return d->db;
	gettimeofday(&tv, NULL);
	now = (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
	if (now < d->db_retry_at)
		return NULL;
	path = nb_daemon_dbpath(d);
	if (nb_db_open(path, NB_DB_CREATE, &d->db, err, sizeof(err)) != NB_OK) {
		log_warnx("%s (retrying in %d s)", err, DB_RETRY_SEC);
		d->db = NULL;
		d->db_retry_at = now + DB_RETRY_SEC;
		return NULL;
	}
	nb_db_busy_timeout(d->db, NB_DB_LOOP_BUSY_MS);
	nb_db_set_datadir(d->db, nb_conf_get(d->conf, NULL, "datadir"));
	if (d->evq != NULL)
		nb_db_set_writer(d->db, nb_wq_writer(d->evq));
	log_debug("database %s, schema version %d", path, nb_db_version(d->db));
	return d->db;
}

void
nb_daemon_open_db(struct nb_daemon *d, int flags,
    const struct nb_wq_hooks *hooks)
{
	struct timeval	 tick = { 0, WQ_TICK_USEC };
	struct nb_wq_hooks proc = { .process = 1 };
	const char	*path = nb_daemon_dbpath(d);

	/* Connections in two threads: no global SQLite mutexes (db.c). */
	if (nb_db_threads_init() != NB_OK)
		fatalx("cannot configure SQLite for threads");
	if (flags & NB_DAEMON_LAZY)
		daemon_db_check(path);
	else if (nb_daemon_db(d) == NULL)
		fatalx("cannot open the database %s", path);
	if (flags & NB_DAEMON_NOLOOP) {
		nb_db_close(d->db);
		d->db = NULL;
	}
	if (flags & NB_DAEMON_WQPROC) {
		/* SQLite state must not cross a fork (howtocorrupt.html). */
		if (d->db != NULL)
			fatalx("%s: a writer process needs a lazy loop",
			    __func__);
		if (hooks != NULL)
			proc = *hooks;
		proc.process = 1;
		hooks = &proc;
	}
	d->evq = nb_wq_start(path, d->name, hooks);
	if (d->db != NULL)
		nb_db_set_writer(d->db, nb_wq_writer(d->evq));
	d->ev_flush = event_new(d->base, -1, EV_PERSIST, daemon_tick, d);
	if (d->ev_flush == NULL || event_add(d->ev_flush, &tick) == -1)
		fatalx("cannot start the write queue timer");
}

void
nb_daemon_stop_queue(struct nb_daemon *d)
{
	size_t	 n;

	if (d->evq == NULL)
		return;
	if ((n = nb_wq_len(d->evq)) > 0)
		log_debug("writing %zu queued writes", n);
	nb_wq_stop(d->evq);
	d->evq = NULL;
}

/* sched_setattr(2)'s first version; glibc has neither wrapper nor type. */
struct nb_sched_attr {
	uint32_t	size, policy;
	uint64_t	flags;
	int32_t		nice;
	uint32_t	priority;
	uint64_t	runtime, deadline, period;
};

/*
 * Since Linux 6.12 (EEVDF), a normal thread may ask for its own slice:
 * one shorter than the default (about 3 ms) lets a woken thread preempt
 * a busy one at once instead of at the end of its slice. Older kernels
 * ignore the runtime; anything else failing is not worth more than a
 * debug line, as the thread runs as before.
 */
void
nb_sched_slice(uint64_t ns)
{
	struct nb_sched_attr	 a;
	pid_t			 tid = (pid_t)syscall(SYS_gettid);

	memset(&a, 0, sizeof(a));
	a.size = sizeof(a);
	a.policy = SCHED_OTHER;
	a.runtime = ns;		/* 0: the kernel's default */
	errno = 0;
	a.nice = getpriority(PRIO_PROCESS, (id_t)tid);	/* kept as it is */
	if (errno != 0 || syscall(SYS_sched_setattr, tid, &a, 0) == -1)
		log_debug("%s: %s", __func__, strerror(errno));
}

int
nb_daemon_run(struct nb_daemon *d)
{
	/* Answers first: threads started later set their own (job.c). */
	nb_sched_slice(LOOP_SLICE_NS);
	log_info("started");
	if (event_base_dispatch(d->base) == -1)
		fatalx("event loop failed");
	log_info("exiting");
	return 0;
}

void
nb_daemon_exit(struct nb_daemon *d)
{
	event_base_loopexit(d->base, NULL);
}

void
nb_daemon_free(struct nb_daemon *d)
{
	int	 i;

	for (i = 0; i < 3; i++)
		if (d->ev_sig[i] != NULL)
			event_free(d->ev_sig[i]);
	if (d->ev_flush != NULL)
		event_free(d->ev_flush);
	nb_daemon_stop_queue(d);
	nb_db_close(d->db);
	nb_conf_free(d->conf);
	if (d->base != NULL)
		event_base_free(d->base);
}

int
nb_bind(const char *addr, int type, int port)
{
	union nb_sockaddr	 sa;
	int			 s, on = 1, off = 0, saved;

	if (nb_sa_parse(addr, port, &sa) == -1) {
		errno = EINVAL;
		return -1;
	}
	s = socket(sa.sa.sa_family, type | SOCK_CLOEXEC, 0);
	if (s == -1 && errno == EAFNOSUPPORT && sa.sa.sa_family == AF_INET6 &&
	    IN6_IS_ADDR_UNSPECIFIED(&sa.sin6.sin6_addr)) {
		log_info("the kernel has no IPv6: listening on 0.0.0.0 "
		    "instead of ::");
		nb_sa_parse("0.0.0.0", port, &sa);
		s = socket(AF_INET, type | SOCK_CLOEXEC, 0);
	}
	if (s == -1)
		return -1;
	/*
	 * Whatever net.ipv6.bindv6only says: IPv4 clients must keep working
	 * on "::".
	 */
	if ((sa.sa.sa_family == AF_INET6 &&
	    setsockopt(s, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) ==
	    -1) ||
	    (type == SOCK_STREAM &&
	    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) == -1) ||
	    bind(s, &sa.sa, nb_sa_len(&sa)) == -1) {
		saved = errno;
		close(s);
		errno = saved;
		return -1;
	}
	return s;
}
