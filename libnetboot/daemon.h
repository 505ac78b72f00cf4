/*
 * daemon.h: what the three daemons share: the common flags of DESIGN §4
 * (-d -v -f -n -D -l -p), the config, signals, privilege dropping, the
 * database handle and the batched event queue.
 */
#ifndef NB_DAEMON_H
#define NB_DAEMON_H

#include <event2/event.h>

#include "conf.h"
#include "db.h"

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
	struct nb_db		*db;
	struct event_base	*base;
	struct nb_evq		*evq;
	void			*ctx;		/* the daemon's own state */
	void			(*reload)(struct nb_daemon *);	/* after SIGHUP re-read the config */
	void			(*shutdown)(struct nb_daemon *);	/* on SIGTERM; NULL: exit the loop */
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
/* Open (creating if need be) the database, and start the event queue flushed every tick. */
void	nb_daemon_open_db(struct nb_daemon *);
/* Run the event loop until a signal ends it; flush the events; return the exit code. */
int	nb_daemon_run(struct nb_daemon *);
/* Stop the loop now (from a shutdown callback once in-flight work is done). */
void	nb_daemon_exit(struct nb_daemon *);
/* Free what nb_daemon_* allocated. */
void	nb_daemon_free(struct nb_daemon *);

#endif
