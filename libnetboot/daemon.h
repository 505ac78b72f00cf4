/*
 * daemon.h: what the three daemons share: the common flags of their
 * man pages' SYNOPSIS
 * (-d -v -f -n -D -l -p), the config, signals, privilege dropping, the
 * database: the loop's connection, which only reads and is opened on
 * first use, and the write-behind queue (wq.h) for every write; their
 * listening sockets (nb_bind) and the neighbour tables they name a peer
 * by (neigh.h).
 */
#ifndef NB_DAEMON_H
#define NB_DAEMON_H

#include <event2/event.h>

#include "conf.h"
#include "db.h"
#include "neigh.h"
#include "wq.h"

struct nb_daemon {
	const char		*name;		/* program and config section name */
	int			 foreground;	/* -d */
	int			 verbose;	/* -v, repeatable */
	int			 checkonly;	/* -n */
	const char		*conffile;	/* -f */
	int			 conffile_set;
	const char		*dbpath;	/* -D, else config, else NB_DB_DEFAULT */
	const char		*listen;	/* -l, else [section] listen */
	int			 port;		/* -p, else [section] port; 0 if neither */
	struct nb_conf		*conf;
	struct nb_db		*db;		/* the loop's: nb_daemon_db() */
	double			 db_retry_at;	/* when to open it again */
	struct event_base	*base;
	struct nb_wq		*evq;		/* the write queue (wq.h) */
	void			*ctx;		/* the daemon's own state */
	void			(*reload)(struct nb_daemon *);	/* after SIGHUP re-read the config */
	void			(*shutdown)(struct nb_daemon *);	/* on SIGTERM; NULL: exit the loop */
	/* Called before each hand-over to the queue (every 100 ms). */
	void			(*tick)(struct nb_daemon *);
	struct event		*ev_sig[3];
	struct event		*ev_flush;
};

/*
 * Parse the shared flags and, through extra(), the daemon's own (listed in
 * extra_opts, getopt syntax). -h and --help call usage(0), which prints on
 * stdout and exits 0; bad usage calls usage(2), which prints on stderr and
 * exits 2; --version prints the version and exits. Returns optind.
 */
int	nb_daemon_getopt(struct nb_daemon *, int argc, char *argv[], const char *extra_opts,
	    int (*extra)(struct nb_daemon *, int ch, const char *arg), void (*usage)(int));
/* Start logging and read the config; with -n print "configuration OK" and exit. */
void	nb_daemon_config(struct nb_daemon *);
/* The listen address: -l, else the section's listen key, else def. */
const char *nb_daemon_listen(const struct nb_daemon *, const char *def);
/* The port: -p, else the section's port key, else def. */
int	nb_daemon_port(const struct nb_daemon *, const char *key, int def);
/* The database path: -D, else the database key, else the default. */
const char *nb_daemon_dbpath(const struct nb_daemon *);
/* Create the event base and the signal events (SIGTERM, SIGINT, SIGHUP). */
void	nb_daemon_init(struct nb_daemon *);
/* After binding: if root, become the configured user (default netboot); then, unless -d, go to the background. */
void	nb_daemon_drop_privileges(struct nb_daemon *);
/*
 * Create or upgrade the database now (a bad path fails the start), then
 * start the write-behind queue, handed what the loop queued every tick.
 * NB_DAEMON_LAZY: do it in a short-lived child, so that the daemon maps
 * no SQLite pages until a request needs the database (nb_daemon_db).
 * NB_DAEMON_NOLOOP: the loop never reads the database (pxedhcpd: the
 * queue's thread does); check it here and keep no connection.
 * NB_DAEMON_WQPROC (with NB_DAEMON_LAZY): the queue's writer is a forked
 * process, so that the loop's process keeps a single thread (tftpd).
 */
#define NB_DAEMON_LAZY		0x1
#define NB_DAEMON_NOLOOP	0x2
#define NB_DAEMON_WQPROC	0x4
void	nb_daemon_open_db(struct nb_daemon *, int flags,
	    const struct nb_wq_hooks *);
/* The loop's connection (reads, 50 ms busy timeout), opened now if need be. */
struct nb_db *nb_daemon_db(struct nb_daemon *);
/* Write what is queued (a lock is waited for 10 s) and stop the writer. */
void	nb_daemon_stop_queue(struct nb_daemon *);
/* Run the event loop until a signal ends it; return the exit code. */
int	nb_daemon_run(struct nb_daemon *);
/* Ask for the calling thread's time slice in ns (0: the default). */
void	nb_sched_slice(uint64_t ns);
/* Stop the loop now (from a shutdown callback once in-flight work is done). */
void	nb_daemon_exit(struct nb_daemon *);
/* Stop the queue (writing what it holds), free what nb_daemon_* made. */
void	nb_daemon_free(struct nb_daemon *);
/*
 * A socket of type bound to addr and port. "::" is dual-stack (IPV6_V6ONLY
 * off: IPv4 peers arrive as ::ffff:a.b.c.d); on a kernel without IPv6 it
 * falls back to 0.0.0.0 and says so. Stream sockets get SO_REUSEADDR.
 * Returns the descriptor (close-on-exec), or -1 with errno set.
 */
int	nb_bind(const char *addr, int type, int port);

#endif
