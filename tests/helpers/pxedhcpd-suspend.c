/*
 * pxedhcpd-suspend: set or clear a client's suspended flag through
 * libnetboot, as bootweb's self-API does (bootctl has no verb for it).
 * usage: pxedhcpd-suspend DB MAC 0|1
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db.h"

int
main(int argc, char *argv[])
{
	struct nb_db	*db;
	struct nb_client c;
	char		 err[512];

	if (argc != 4)
		return 2;
	if (nb_db_open(argv[1], 0, &db, err, sizeof(err)) != NB_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	nb_client_init(&c);
	if (nb_client_get(db, argv[2], &c) != NB_OK) {
		fprintf(stderr, "%s\n", nb_db_errmsg(db));
		return 1;
	}
	c.suspended = strcmp(argv[3], "1") == 0;
	if (nb_client_update(db, &c) != NB_OK) {
		fprintf(stderr, "%s\n", nb_db_errmsg(db));
		return 1;
	}
	nb_client_clear(&c);
	nb_db_close(db);
	return 0;
}
