/* db_dhcp.c: what pxedhcpd needs from the database layer beyond the typed API. */
#include "config.h"

#include "db_int.h"

int
nb_db_threads_init(void)
{
	/*
	 * pxedhcpd reads on its loop thread and writes on a recorder thread,
	 * each with its own connection. Serialized mode and memory statistics
	 * would make both take SQLite's global mutexes on every allocation;
	 * under a DISCOVER storm the loop then sleeps behind the writer.
	 */
	if (sqlite3_config(SQLITE_CONFIG_MULTITHREAD) != SQLITE_OK ||
	    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0) != SQLITE_OK)
		return NB_ERR;
	return NB_OK;
}
