/*
 * pg-schema-sql: print the PostgreSQL migrations (db_schema_pg.c) from
 * version 0 to the newest, as one SQL text, for tests/lib/pg-schema.sh
 * to apply with psql.
 */
#include "config.h"

#include <stdio.h>

#include "db_int.h"

int
main(void)
{
	int	 i;

	for (i = 0; i < db_pg_nmigrations; i++)
		fputs(db_pg_migrations[i], stdout);
	putchar('\n');
	return ferror(stdout) ? 1 : 0;
}
