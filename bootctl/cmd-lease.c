/*
 * cmd-lease.c: bootctl lease list | rm: the DHCPv6 address leases of
 * pxedhcpd's stateful mode (setting dhcp6.pool; table leases6).
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bootctl.h"

/* Bound, declined, or expired: what the lease is worth now. */
static const char *
lease_state(const struct nb_lease6 *l, int64_t now)
{
	if (l->expires <= now)
		return "expired";
	return l->declined ? "declined" : "bound";
}

struct lease_out {
	struct bc_list	 l;
	int64_t		 now;
};

static int
lease_one(const struct nb_lease6 *l, void *arg)
{
	struct lease_out	*o = arg;
	char			 duid[3 * sizeof(l->duid)], iaid[16], when[64];
	json_t			*j;

	nb_hex_format(l->duid, l->duidlen, duid, sizeof(duid));
	if (o->l.a != NULL) {
		j = json_object();
		json_object_set_new(j, "addr", json_string(l->addr));
		json_object_set_new(j, "mac",
		    l->mac[0] ? json_string(l->mac) : json_null());
		json_object_set_new(j, "duid", json_string(duid));
		json_object_set_new(j, "iaid", json_integer(l->iaid));
		json_object_set_new(j, "state",
		    json_string(lease_state(l, o->now)));
		json_object_set_new(j, "expires", json_integer(l->expires));
		json_object_set_new(j, "updated", json_integer(l->updated));
		json_array_append_new(o->l.a, j);
		return 0;
	}
	snprintf(iaid, sizeof(iaid), "%u", l->iaid);
	bc_table_row(o->l.t, l->addr, l->mac[0] ? l->mac : "-", iaid,
	    lease_state(l, o->now), bc_time(l->expires, when, sizeof(when)),
	    duid);
	return 0;
}

static int
lease_list(struct bootctl *bc, int argc, char *argv[])
{
	struct lease_out	 o;
	int			 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	o.now = (int64_t)time(NULL);
	bc_list_begin(bc, &o.l, "ADDRESS", "MAC", "IAID", "STATE", "EXPIRES",
	    "DUID", (const char *)NULL);
	return bc_list_end(bc, &o.l, nb_lease6_list(bc->db, lease_one, &o));
}

static int
lease_rm(struct bootctl *bc, int argc, char *argv[])
{
	struct in6_addr	 a;
	char		 addr[INET6_ADDRSTRLEN];
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0)
		return rc;
	/* Any spelling of the address: the table holds inet_ntop's. */
	if (inet_pton(AF_INET6, argv[optind], &a) != 1)
		return bc_cmd_usage(bc, "'%s' is not an IPv6 address", argv[optind]);
	inet_ntop(AF_INET6, &a, addr, sizeof(addr));
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_lease6_rm(bc->db, addr) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("lease of %s removed\n", addr);
	return rc;
}

const struct bootctl_cmd bc_lease_cmds[] = {
	{ "lease", "list", "", BC_OPEN_LATE, lease_list },
	{ "lease", "rm", "ADDRESS", BC_OPEN_LATE, lease_rm },
	{ NULL, NULL, NULL, 0, NULL },
};
