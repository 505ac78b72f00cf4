/*
 * ident.c: which client is at a source address (netboot(7) TRUST MODEL).
 * The boot plane cannot authenticate firmware, so the answer comes only
 * from what the server itself observed, in this order: the kernel's
 * neighbour entry for the address (ARP or NDP on the boot link: the
 * caller passes what it read, so bootweb can use its cached table), the
 * client whose static ip it is (routed clients), and for IPv6 a DHCPv6
 * lease of ours that is bound and unexpired. Never a query parameter, a
 * DISCOVER's ciaddr, last_ip or a client-chosen DUID alone.
 */
#include "config.h"

#include <string.h>

#include "db_int.h"
#include "token.h"

/* The client whose static address is ip; NB_NOTFOUND if none. */
static int
ident_static(struct nb_db *db, const char *ip, char mac[NB_MACSTR_LEN])
{
	static const char sql[] = "SELECT mac FROM clients WHERE ip = ?1";
	struct db_st	*st;
	int		 rc;

	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, ip);
	if ((rc = dbs_step(st)) == SQLITE_ROW)
		strlcpy(mac, (const char *)dbs_column_text(st, 0),
		    NB_MACSTR_LEN);
	dbs_reset(st);
	if (rc == SQLITE_ROW)
		return NB_OK;
	if (rc == SQLITE_DONE)
		return NB_NOTFOUND;
	return db_sqlerr(db, rc);
}

int
nb_ident_client(struct nb_db *db, const char *ip, const char *nmac,
    char mac[NB_MACSTR_LEN], enum nb_ident *how)
{
	struct nb_lease6	 l;
	int			 rc;

	*how = NB_IDENT_NONE;
	mac[0] = '\0';
	if (nmac != NULL && nmac[0] != '\0') {
		strlcpy(mac, nmac, NB_MACSTR_LEN);
		*how = NB_IDENT_NEIGH;
		return NB_OK;
	}
	if (db == NULL)
		return NB_NOTFOUND;
	if (strchr(ip, ':') == NULL) {
		if ((rc = ident_static(db, ip, mac)) == NB_OK)
			*how = NB_IDENT_STATIC;
		return rc;
	}
	/* The clients table keeps IPv4 addresses only: IPv6 has the leases. */
	if ((rc = nb_lease6_find(db, ip, &l)) != NB_OK)
		return rc;
	if (l.mac[0] == '\0')
		return db_fail(db, NB_NOTFOUND, "the lease of %s names no MAC",
		    ip);
	strlcpy(mac, l.mac, NB_MACSTR_LEN);
	*how = NB_IDENT_LEASE6;
	return NB_OK;
}
