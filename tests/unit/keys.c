/*
 * keys.c: print every config key ("section key") and every setting key,
 * so tests/docs.sh can check that the man pages document each one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "db.h"

static int
print_setting(const char *key, const char *value, int is_default, void *arg)
{
	printf("setting %s\n", key);
	return 0;
}

int
main(int argc, char *argv[])
{
	struct nb_db	*db;
	char		 err[1024];

	if (argc != 2) {
		fprintf(stderr, "usage: keys scratch.db\n");
		return 2;
	}
	nb_conf_dump_keys();
	if (nb_db_open(argv[1], NB_DB_CREATE, &db, err, sizeof(err)) != NB_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	/* Numeric families show through their defaults (bootloader.0, ...). */
	nb_setting_list(db, print_setting, NULL);
	nb_db_close(db);
	return 0;
}
