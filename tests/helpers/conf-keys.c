/*
 * conf-keys.c: print every config key ("section key kind"), so
 * tests/suite/docs.sh can check that the man pages document each one
 * (the settings it checks against bootctl settings schema).
 * It checks the kinds first: nb_conf_dump_keys once read past the end of
 * its names when a kind was added (ASan), and named the wrong kind.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"

/* Whether the kind named in a dumped line is right for the keys we know. */
static int
kind_ok(const char *sect, const char *key, const char *kind)
{
	static const char *const names[] = { "string", "path", "address",
	    "address46", "port", "number", "bool", "database" };
	static const struct { const char *sect, *key, *kind; } known[] = {
		{ "global", "database", "database" },
		{ "global", "datadir", "path" },
		{ "tftpd", "port", "port" },
		{ "tftpd", "listen", "address46" },
		{ "pxedhcpd", "listen", "address" },
		{ "tftpd", "max_transfers", "number" },
		{ "tftpd", "lowercase", "bool" },
	};
	size_t	 i;

	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (strcmp(known[i].sect, sect) == 0 &&
		    strcmp(known[i].key, key) == 0)
			return strcmp(known[i].kind, kind) == 0;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(names[i], kind) == 0)
			return 1;
	return 0;
}

/* Dump the config keys to a temporary file, check each kind, copy them out. */
static int
dump_conf_keys(void)
{
	FILE	*tmp;
	char	 line[256], sect[64], key[64], kind[64];
	int	 saved, bad = 0;

	fflush(stdout);
	if ((tmp = tmpfile()) == NULL || (saved = dup(STDOUT_FILENO)) == -1 ||
	    dup2(fileno(tmp), STDOUT_FILENO) == -1) {
		perror("keys");
		return -1;
	}
	nb_conf_dump_keys();
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	rewind(tmp);
	while (fgets(line, sizeof(line), tmp) != NULL) {
		if (sscanf(line, "%63s %63s %63s", sect, key, kind) != 3 ||
		    !kind_ok(sect, key, kind)) {
			fprintf(stderr, "keys: wrong kind in: %s", line);
			bad = 1;
		}
		fputs(line, stdout);
	}
	fclose(tmp);
	return bad ? -1 : 0;
}

int
main(int argc, char *argv[])
{
	if (argc != 1) {
		fprintf(stderr, "usage: keys\n");
		return 2;
	}
	return dump_conf_keys() == -1 ? 1 : 0;
}
