/*
 * bootweb.c: HTTP boot and admin server.
 * A skeleton for now: it takes the shared flags, reads the config, drops
 * privileges, opens the database and runs until SIGTERM.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "daemon.h"

static void __attribute__((__noreturn__))
usage(void)
{
	fprintf(stderr, "usage: bootweb [-dnv] [-D database] [-f file] [-L admin-address] [-l address] [-P admin-port] [-p port]\n");
	exit(2);
}

static int
extra_flag(struct nb_daemon *d, int ch, const char *arg)
{
	return -1;
}

int
main(int argc, char *argv[])
{
	struct nb_daemon	 d = { .name = "bootweb" };
	int			 rc;

	nb_daemon_getopt(&d, argc, argv, "L:P:", extra_flag, usage);
	nb_daemon_config(&d);
	nb_daemon_init(&d);
	nb_daemon_drop_privileges(&d);
	nb_daemon_open_db(&d);
	rc = nb_daemon_run(&d);
	nb_daemon_free(&d);
	return rc;
}
