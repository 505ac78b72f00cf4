/*
 * cmd-client.c: bootctl client add | set | list | show | assign |
 * next-boot | allow | deny | rm | wake. Every change loads the row,
 * edits it and writes it back inside one transaction. Editing a client
 * the daemons discovered makes it known: an operator now manages it.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "dhcp.h"
#include "label.h"
#include "xmalloc.h"

/* What add and set were asked to change; NULL: leave as is, "": clear. */
struct client_opts {
	const char	*name;
	const char	*hostname;
	const char	*ip;
	const char	*image;
	const char	*tmpl;
	json_t		*vars;		/* object of vars to set */
	json_t		*unset;		/* array of var names to remove */
	int		 changes;
};

enum { O_NAME = 1, O_HOSTNAME, O_IP, O_IMAGE, O_TEMPLATE, O_VAR, O_UNSET_VAR };

static const struct option client_longopts[] = {
	{ "name", required_argument, NULL, O_NAME },
	{ "hostname", required_argument, NULL, O_HOSTNAME },
	{ "ip", required_argument, NULL, O_IP },
	{ "image", required_argument, NULL, O_IMAGE },
	{ "template", required_argument, NULL, O_TEMPLATE },
	{ "var", required_argument, NULL, O_VAR },
	{ "unset-var", required_argument, NULL, O_UNSET_VAR },
	{ NULL, 0, NULL, 0 },
};

/* A var name reachable from a template as {{vars.NAME}}: no dots, no blanks. */
static int
var_name_valid(const char *s, size_t len)
{
	static const char ok[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_-";
	size_t	 i;

	if (len == 0 || len > 64 || (s[0] >= '0' && s[0] <= '9') || s[0] == '-')
		return 0;
	for (i = 0; i < len; i++)
		if (strchr(ok, s[i]) == NULL)
			return 0;
	return 1;
}

/* The hostname rule of the clients table, checked here to make it a usage error. */
static int
hostname_valid(const char *s)
{
	size_t	 len = strlen(s);

	return len >= 1 && len <= 253 && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789.-") == len && s[0] != '.' && s[0] != '-';
}

/* Check the values of add/set options; 0 or exit code 2. */
static int
client_opts_check(struct bootctl *bc, const struct client_opts *o)
{
	if (o->name != NULL && *o->name != '\0' && !nb_name_valid(o->name))
		return bc_cmd_usage(bc, "bad name '%s' (1 to 64 letters, digits, '.', '_', '-'; "
		    "no leading '.')", o->name);
	if (o->hostname != NULL && *o->hostname != '\0' && !hostname_valid(o->hostname))
		return bc_cmd_usage(bc, "bad hostname '%s'", o->hostname);
	if (o->ip != NULL && *o->ip != '\0' && !nb_ip_valid(o->ip))
		return bc_cmd_usage(bc, "bad IPv4 address '%s'", o->ip);
	return 0;
}

/* Parse the options of add (set = 0) or set (set = 1); operands left at argv[optind]. */
static int
client_opts_parse(struct bootctl *bc, int set, int argc, char *argv[], struct client_opts *o)
{
	const char	*eq;
	int		 ch;

	memset(o, 0, sizeof(*o));
	o->vars = json_object();
	o->unset = json_array();
	while ((ch = bc_getopt(argc, argv, client_longopts)) != -1) {
		o->changes++;
		switch (ch) {
		case O_NAME:
			o->name = optarg;
			break;
		case O_HOSTNAME:
			o->hostname = optarg;
			break;
		case O_IP:
			o->ip = optarg;
			break;
		case O_IMAGE:
			o->image = optarg;
			break;
		case O_TEMPLATE:
			o->tmpl = optarg;
			break;
		case O_VAR:
			if ((eq = strchr(optarg, '=')) == NULL || !var_name_valid(optarg,
			    (size_t)(eq - optarg)))
				return bc_cmd_usage(bc, "bad --var '%s' (want NAME=VALUE, NAME of "
				    "letters, digits, '_', '-')", optarg);
			json_object_setn_new(o->vars, optarg, (size_t)(eq - optarg),
			    json_string(eq + 1));
			break;
		case O_UNSET_VAR:
			if (!set)
				return bc_cmd_usage(bc, "unknown option '--unset-var'");
			if (!var_name_valid(optarg, strlen(optarg)))
				return bc_cmd_usage(bc, "bad variable name '%s'", optarg);
			json_array_append_new(o->unset, json_string(optarg));
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	return client_opts_check(bc, o);
}

static void
client_opts_free(struct client_opts *o)
{
	json_decref(o->vars);
	json_decref(o->unset);
}

/* Replace a string field; "" clears it. */
static void
set_field(char **field, const char *value)
{
	if (value == NULL)
		return;
	free(*field);
	*field = *value != '\0' ? xstrdup(value) : NULL;
}

static void
client_opts_apply(const struct client_opts *o, struct nb_client *c)
{
	json_t	*v;
	size_t	 i;

	set_field(&c->name, o->name);
	set_field(&c->hostname, o->hostname);
	set_field(&c->ip, o->ip);
	set_field(&c->image, o->image);
	set_field(&c->tmpl, o->tmpl);
	json_array_foreach(o->unset, i, v)
		json_object_del(c->vars, json_string_value(v));
	json_object_update(c->vars, o->vars);
	c->known = 1;
}

/* The MAC operand of client add: canonical, or a usage error (exit 2). */
static int
mac_operand(struct bootctl *bc, const char *arg, char mac[NB_MACSTR_LEN])
{
	if (nb_mac_canon(arg, mac) == -1)
		return bc_cmd_usage(bc, "'%s' is not a MAC address", arg);
	return 0;
}

static int
client_add(struct bootctl *bc, int argc, char *argv[])
{
	struct client_opts	 o;
	struct nb_client	 c;
	char			 mac[NB_MACSTR_LEN];
	int			 rc, adopted = 0;

	nb_client_init(&c);
	if ((rc = client_opts_parse(bc, 0, argc, argv, &o)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0 ||
	    (rc = mac_operand(bc, argv[optind], mac)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		goto done;
	if ((rc = nb_client_get(bc->db, mac, &c)) == NB_OK) {
		/* A machine the daemons saw first is adopted, a known one is an error. */
		if (c.known) {
			nb_db_rollback(bc->db);
			rc = bc_error("client %s exists already (change it with 'bootctl client "
			    "set')", mac);
			goto done;
		}
		adopted = 1;
		client_opts_apply(&o, &c);
		rc = nb_client_update(bc->db, &c);
	} else if (rc == NB_NOTFOUND) {
		strlcpy(c.mac, mac, sizeof(c.mac));
		client_opts_apply(&o, &c);
		rc = nb_client_add(bc->db, &c);
	}
	if (rc != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("%s client %s\n", adopted ? "adopted discovered" : "added", mac);
done:
	client_opts_free(&o);
	nb_client_clear(&c);
	return rc;
}

/*
 * Load the client named by the MAC operand, let edit change it, write it
 * back: one transaction. edit returns 0, or an exit code.
 */
static int
client_edit(struct bootctl *bc, const char *arg, int (*edit)(struct bootctl *,
    struct nb_client *, void *), void *earg, const char *done_msg)
{
	struct nb_client	 c;
	char			 mac[NB_MACSTR_LEN];
	int			 rc;

	if ((rc = bc_client_arg(bc, arg, mac)) != 0)
		return rc;
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	nb_client_init(&c);
	if (nb_client_get(bc->db, mac, &c) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = edit(bc, &c, earg)) != 0) {
		nb_db_rollback(bc->db);
		goto done;
	}
	c.known = 1;
	if (nb_client_update(bc->db, &c) != NB_OK) {
		rc = bc_dberror(bc);
		goto done;
	}
	if ((rc = bc_commit(bc)) == 0)
		printf("%s %s\n", done_msg, mac);
done:
	nb_client_clear(&c);
	return rc;
}

static int
edit_opts(struct bootctl *bc, struct nb_client *c, void *arg)
{
	(void)bc;
	client_opts_apply(arg, c);
	return 0;
}

static int
client_set(struct bootctl *bc, int argc, char *argv[])
{
	struct client_opts	 o;
	int			 rc;

	if ((rc = client_opts_parse(bc, 1, argc, argv, &o)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		goto done;
	if (o.changes == 0) {
		rc = bc_cmd_usage(bc, "nothing to change");
		goto done;
	}
	rc = client_edit(bc, argv[optind], edit_opts, &o, "changed client");
done:
	client_opts_free(&o);
	return rc;
}

static int
edit_image(struct bootctl *bc, struct nb_client *c, void *arg)
{
	(void)bc;
	set_field(&c->image, arg);
	return 0;
}

static int
client_assign(struct bootctl *bc, int argc, char *argv[])
{
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 2, 2)) != 0)
		return rc;
	argv += optind;
	return client_edit(bc, argv[0], edit_image, argv[1], "assigned image to");
}

static int
edit_next_boot(struct bootctl *bc, struct nb_client *c, void *arg)
{
	(void)bc;
	c->next_boot = *(enum nb_next_boot *)arg;
	return 0;
}

/* The --selector option of a verb that has no other: 0, or an exit code. */
static int
selector_opt(struct bootctl *bc, int argc, char *argv[], const char **sel)
{
	static const struct option opts[] = {
		{ "selector", required_argument, NULL, 1 },
		{ NULL, 0, NULL, 0 },
	};
	int	 ch;

	*sel = NULL;
	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		if (ch != 1)
			return bc_badopt(bc, ch, argv);
		*sel = optarg;
	}
	return 0;
}

/* A bulk form of a verb: b done to the clients selector picks. */
static int
client_bulk(struct bootctl *bc, const char *selector, enum nb_bulk_action a,
    enum nb_next_boot next)
{
	struct nb_bulk	 b;

	memset(&b, 0, sizeof(b));
	b.action = a;
	b.next = next;
	return bc_client_bulk(bc, selector, &b);
}

static int
client_next_boot(struct bootctl *bc, int argc, char *argv[])
{
	enum nb_next_boot	 nb = NB_NEXT_NONE;
	const char		*sel;
	int			 rc, n;

	if ((rc = selector_opt(bc, argc, argv, &sel)) != 0)
		return rc;
	n = sel != NULL ? 1 : 2;
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, n, n)) != 0)
		return rc;
	argv += optind;
	if (strcmp(argv[n - 1], "clear") != 0 &&
	    nb_next_boot_parse(argv[n - 1], &nb) == -1)
		return bc_cmd_usage(bc, "unknown action '%s' (install, local, menu, shell or "
		    "clear)", argv[n - 1]);
	if (sel != NULL)
		return client_bulk(bc, sel, NB_BULK_NEXT_BOOT, nb);
	return client_edit(bc, argv[0], edit_next_boot, &nb, nb == NB_NEXT_NONE ?
	    "cleared the next boot of" : "set the next boot of");
}

static int
edit_allowed(struct bootctl *bc, struct nb_client *c, void *arg)
{
	(void)bc;
	c->allowed = *(int *)arg;
	return 0;
}

static int
client_allow_deny(struct bootctl *bc, int argc, char *argv[], int allowed)
{
	const char	*sel;
	int		 rc;

	if ((rc = selector_opt(bc, argc, argv, &sel)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, sel ? 0 : 1,
	    sel ? 0 : 1)) != 0)
		return rc;
	if (sel != NULL)
		return client_bulk(bc, sel, allowed ? NB_BULK_ALLOW :
		    NB_BULK_DENY, NB_NEXT_NONE);
	return client_edit(bc, argv[optind], edit_allowed, &allowed, allowed ? "allowed" :
	    "denied");
}

static int
client_allow(struct bootctl *bc, int argc, char *argv[])
{
	return client_allow_deny(bc, argc, argv, 1);
}

static int
client_deny(struct bootctl *bc, int argc, char *argv[])
{
	return client_allow_deny(bc, argc, argv, 0);
}

static int
client_rm(struct bootctl *bc, int argc, char *argv[])
{
	char	 mac[NB_MACSTR_LEN];
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 ||
	    (rc = bc_client_arg(bc, argv[optind], mac)) != 0 ||
	    (rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_client_rm(bc->db, mac) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("removed client %s\n", mac);
	return rc;
}

/* The state column: what matters most about whether and how it boots. */
static const char *
client_state(const struct nb_client *c)
{
	if (!c->allowed)
		return "denied";
	if (c->suspended)
		return "suspended";
	return c->known ? "known" : "discovered";
}

static int
list_one(const struct nb_client *c, json_t *labels, void *arg)
{
	struct bc_list	*l = arg;
	json_t		*o;
	char		 seen[32];

	if (l->a != NULL) {
		o = nb_client_json(c);
		json_object_set(o, "labels", labels);
		json_array_append_new(l->a, o);
		return 0;
	}
	bc_table_row(l->t, c->mac, c->name, c->hostname,
	    c->ip ? c->ip : c->last_ip, c->image,
	    nb_next_boot_name(c->next_boot), client_state(c),
	    bc_time(c->last_seen, seen, sizeof(seen)));
	return 0;
}

static int
client_list(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_selector	*sel = NULL;
	struct bc_list		 l;
	const char		*s;
	int			 rc;

	if ((rc = selector_opt(bc, argc, argv, &s)) != 0 ||
	    (rc = bc_nargs(bc, argc - optind, argv + optind, 0, 0)) != 0 ||
	    (s != NULL && (rc = bc_selector(bc, s, &sel)) != 0))
		return rc;
	if ((rc = bc_open(bc)) == 0) {
		bc_list_begin(bc, &l, "MAC", "NAME", "HOSTNAME", "IP", "IMAGE",
		    "NEXT-BOOT", "STATE", "LAST-SEEN", (const char *)NULL);
		rc = bc_list_end(bc, &l, nb_client_select(bc->db, sel,
		    list_one, &l));
	}
	nb_selector_free(sel);
	return rc;
}

static void
show_json_text(const char *key, json_t *j)
{
	char	*s;

	s = json_dumps(j, JSON_COMPACT | JSON_SORT_KEYS);
	bc_show(key, s);
	free(s);
}

static void
client_print(const struct nb_client *c, json_t *labels)
{
	char		 buf[1024], num[64];
	const char	*arch;

	bc_show("mac", c->mac);
	bc_show("name", c->name);
	bc_show("hostname", c->hostname);
	bc_show("ip", c->ip);
	bc_show("last ip", c->last_ip);
	bc_show("state", c->known ? "known" : "discovered");
	bc_show("allowed", c->allowed ? "yes" : "no");
	bc_show("suspended", c->suspended ? "yes" : "no");
	bc_show("image", c->image);
	bc_show("template", c->tmpl);
	bc_show("next boot", nb_next_boot_name(c->next_boot));
	dhcp_arch_kind(c->arch, &arch);
	snprintf(num, sizeof(num), "%s (%d)", arch, c->arch);
	bc_show("arch", c->arch >= 0 ? num : NULL);
	/* These came from the network: escape them for the terminal. */
	bc_show("vendor class", c->vendor_class ? bc_safe(buf, sizeof(buf), c->vendor_class) : NULL);
	bc_show("user class", c->user_class ? bc_safe(buf, sizeof(buf), c->user_class) : NULL);
	bc_show("uuid", c->uuid ? bc_safe(buf, sizeof(buf), c->uuid) : NULL);
	bc_show("first seen", bc_time(c->first_seen, buf, sizeof(buf)));
	bc_show("last seen", bc_time(c->last_seen, buf, sizeof(buf)));
	bc_show("created", bc_time(c->created, buf, sizeof(buf)));
	bc_show("updated", bc_time(c->updated, buf, sizeof(buf)));
	show_json_text("vars", c->vars);
	show_json_text("inventory", c->inventory);
	show_json_text("labels", labels);
}

static int
client_show(struct bootctl *bc, int argc, char *argv[])
{
	struct nb_client	 c;
	char			 mac[NB_MACSTR_LEN];
	json_t			*labels, *o;
	int			 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 ||
	    (rc = bc_client_arg(bc, argv[optind], mac)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	nb_client_init(&c);
	if (nb_client_get(bc->db, mac, &c) != NB_OK ||
	    nb_label_get(bc->db, mac, &labels) != NB_OK) {
		nb_client_clear(&c);
		return bc_dberror(bc);
	}
	if (bc->json) {
		o = nb_client_json(&c);
		json_object_set_new(o, "labels", labels);
		if ((rc = bc_client_inventories(bc, c.mac, o)) == 0)
			bc_print_json(o);
		else
			json_decref(o);
	} else {
		client_print(&c, labels);
		json_decref(labels);
		rc = bc_client_inventories(bc, c.mac, NULL);
	}
	nb_client_clear(&c);
	return rc;
}

#define CLIENT_OPTS "[--name N] [--hostname H] [--ip A] [--image I] [--template T] [--var k=v ...]"

/*
 * client wake MAC|NAME [--secureon PW] [--next-boot ACTION]: nb_wake sets
 * the next boot (if asked) and sends the magic packet in one transaction:
 * the next boot is kept only if the packet went out.
 */
static int
client_wake(struct bootctl *bc, int argc, char *argv[])
{
	enum { O_SECUREON = 1, O_NEXT, O_SELECTOR };
	static const struct option opts[] = {
		{ "secureon", required_argument, NULL, O_SECUREON },
		{ "next-boot", required_argument, NULL, O_NEXT },
		{ "selector", required_argument, NULL, O_SELECTOR },
		{ NULL, 0, NULL, 0 },
	};
	enum nb_next_boot	 next = NB_NEXT_NONE;
	struct nb_bulk		 b;
	uint8_t			 pw[NB_MAC_LEN];
	const char		*sel = NULL;
	char			 mac[NB_MACSTR_LEN], sent[NB_WAKE_ADDRLEN];
	int			 ch, rc, secureon = 0;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_SECUREON:
			if (nb_mac_parse(optarg, pw) == -1)
				return bc_cmd_usage(bc, "bad --secureon '%s' "
				    "(6 bytes as xx:xx:xx:xx:xx:xx)", optarg);
			secureon = 1;
			break;
		case O_NEXT:
			if (nb_next_boot_parse(optarg, &next) == -1 ||
			    next == NB_NEXT_NONE)
				return bc_cmd_usage(bc, "unknown action '%s' "
				    "(install, local, menu or shell)", optarg);
			break;
		case O_SELECTOR:
			sel = optarg;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	if (sel != NULL) {
		if ((rc = bc_nargs(bc, argc - optind, argv + optind, 0,
		    0)) != 0)
			return rc;
		memset(&b, 0, sizeof(b));
		b.action = NB_BULK_WAKE;
		b.next = next;
		b.secureon = secureon ? pw : NULL;
		return bc_client_bulk(bc, sel, &b);
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0 ||
	    (rc = bc_client_arg(bc, argv[optind], mac)) != 0 ||
	    (rc = bc_open(bc)) != 0)
		return rc;
	if (nb_wake(bc->db, "bootctl", mac, next, secureon ? pw : NULL,
	    sent) != NB_OK)
		return bc_dberror(bc);
	printf("woke %s: magic packet sent to %s port %d%s%s\n", mac, sent,
	    NB_WAKE_PORT, next != NB_NEXT_NONE ? ", next boot " : "",
	    nb_next_boot_name(next));
	return 0;
}

const struct bootctl_cmd bc_client_cmds[] = {
	{ "client", "add", "MAC " CLIENT_OPTS, BC_OPEN_LATE, client_add },
	{ "client", "set", "MAC " CLIENT_OPTS " [--unset-var k ...]", BC_OPEN_LATE, client_set },
	{ "client", "list", "[--selector S]", BC_OPEN_LATE, client_list },
	{ "client", "show", "MAC", BC_OPEN_LATE, client_show },
	{ "client", "assign", "MAC IMAGE", BC_OPEN_LATE, client_assign },
	{ "client", "next-boot",
	    "MAC|--selector S install|local|menu|shell|clear", BC_OPEN_LATE,
	    client_next_boot },
	{ "client", "allow", "MAC|--selector S", BC_OPEN_LATE, client_allow },
	{ "client", "deny", "MAC|--selector S", BC_OPEN_LATE, client_deny },
	{ "client", "rm", "MAC", BC_OPEN_LATE, client_rm },
	{ "client", "wake", "MAC|NAME|--selector S [--secureon PW] "
	    "[--next-boot ACTION]",
	    BC_OPEN_LATE, client_wake },
	{ NULL, NULL, NULL, 0, NULL },
};
