/*
 * cmd-client-label.c: bootctl client label MAC|NAME KEY=VALUE ... KEY-
 * ..., and the bulk form of the client verbs that take --selector
 * (list, next-boot, allow, deny, wake, label): nb_client_bulk picks and
 * changes the clients in one transaction, as POST /api/v1/clients/actions
 * does.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "label.h"
#include "xmalloc.h"

int
bc_selector(struct bootctl *bc, const char *s, struct nb_selector **out)
{
	char	 why[256];

	if (nb_selector_parse(s, out, why, sizeof(why)) != NB_OK)
		return bc_cmd_usage(bc, "--selector: %s", why);
	return 0;
}

/* The human form of what a bulk action did. */
static void
bulk_print(const struct nb_bulk *b, json_t *a)
{
	const char	*name, *sent;
	json_t		*v;
	size_t		 i;

	json_array_foreach(a, i, v) {
		name = json_string_value(json_object_get(v, "name"));
		sent = json_string_value(json_object_get(v, "sent_to"));
		printf("%s %s%s%s%s%s%s\n", nb_bulk_action_name(b->action),
		    json_string_value(json_object_get(v, "mac")),
		    name ? " (" : "", name ? name : "", name ? ")" : "",
		    sent ? ": magic packet sent to " : "", sent ? sent : "");
	}
	printf("%zu client%s\n", json_array_size(a),
	    json_array_size(a) == 1 ? "" : "s");
}

int
bc_client_bulk(struct bootctl *bc, const char *selector, struct nb_bulk *b)
{
	struct nb_selector	*sel = NULL;
	json_t			*a;
	int			 rc;

	if (selector != NULL && (rc = bc_selector(bc, selector, &sel)) != 0)
		return rc;
	if ((rc = bc_open(bc)) != 0)
		goto done;
	b->sel = sel;
	if (b->daemon == NULL)
		b->daemon = "bootctl";
	if (nb_client_bulk(bc->db, b, &a) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if (bc->json)
		bc_print_json(json_pack("{s:s, s:I, s:o}", "action",
		    nb_bulk_action_name(b->action), "count",
		    (json_int_t)json_array_size(a), "clients", a));
	else {
		bulk_print(b, a);
		json_decref(a);
	}
done:
	nb_selector_free(sel);
	return rc;
}

/*
 * client label MAC|NAME [--selector S] KEY=VALUE ... KEY- ...: set and
 * remove labels; with --selector, of every client it picks.
 */
static int
client_label(struct bootctl *bc, int argc, char *argv[])
{
	enum { O_SELECTOR = 1 };
	static const struct option opts[] = {
		{ "selector", required_argument, NULL, O_SELECTOR },
		{ NULL, 0, NULL, 0 },
	};
	struct nb_bulk	 b;
	const char	*selector = NULL;
	char		 mac[1][NB_MACSTR_LEN], why[256];
	int		 ch, i, rc;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		if (ch != O_SELECTOR)
			return bc_badopt(bc, ch, argv);
		selector = optarg;
	}
	argc -= optind;
	argv += optind;
	if ((rc = bc_nargs(bc, argc, argv, selector ? 1 : 2, -1)) != 0)
		return rc;
	memset(&b, 0, sizeof(b));
	b.action = NB_BULK_LABEL;
	b.labels = json_object();
	for (i = selector ? 0 : 1; i < argc; i++)
		if (nb_label_change_parse(argv[i], b.labels, why,
		    sizeof(why)) == -1) {
			rc = bc_cmd_usage(bc, "%s", why);
			goto done;
		}
	if (json_object_size(b.labels) > NB_LABELS_MAX) {
		rc = bc_cmd_usage(bc, "at most %d labels", NB_LABELS_MAX);
		goto done;
	}
	if (selector == NULL) {
		if ((rc = bc_client_arg(bc, argv[0], mac[0])) != 0)
			goto done;
		b.macs = mac;
		b.nmacs = 1;
	}
	rc = bc_client_bulk(bc, selector, &b);
done:
	json_decref(b.labels);
	return rc;
}

const struct bootctl_cmd bc_client_label_cmds[] = {
	{ "client", "label", "MAC|NAME|--selector S KEY=VALUE|KEY- ...",
	    BC_OPEN_LATE, client_label },
	{ NULL, NULL, NULL, 0, NULL },
};
