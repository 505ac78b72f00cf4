/*
 * setting.c: the table of settings: its JSON schema (the admin API's),
 * the keys of families, the checks' messages written to the caller's
 * buffer (no static one shared by threads), the typed values the daemons
 * get, and the architecture list "7, 9".
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "dhcp_pxe.h"
#include "tap.h"

/* The schema row named name, or NULL. */
static json_t *
row(json_t *schema, const char *name)
{
	json_t	*r;
	size_t	 i;

	json_array_foreach(schema, i, r)
		if (strcmp(json_string_value(json_object_get(r, "name")),
		    name) == 0)
			return r;
	return NULL;
}

static void
test_schema(void)
{
	json_t	*a = nb_settings_schema_json(), *r;
	char	*s;
	size_t	 i;
	int	 good = 1;

	ok(json_is_array(a) && json_array_size(a) == NB_S_COUNT,
	    "the schema has a row per setting (%zu)", json_array_size(a));
	json_array_foreach(a, i, r)
		if (!json_is_string(json_object_get(r, "name")) ||
		    !json_is_string(json_object_get(r, "type")) ||
		    strlen(json_string_value(json_object_get(r, "doc"))) < 10 ||
		    json_array_size(json_object_get(r, "readers")) == 0)
			good = 0;
	ok(good, "every row has a name, a type, a line of doc and readers");
	r = row(a, "menu.timeout");
	ok(r != NULL && json_integer_value(json_object_get(r, "min")) == 0 &&
	    json_integer_value(json_object_get(r, "max")) == 3600 &&
	    strcmp(json_string_value(json_object_get(r, "default")), "10") == 0,
	    "menu.timeout: a number 0..3600, default 10");
	r = row(a, "unknown_clients");
	s = r ? json_dumps(json_object_get(r, "choices"), JSON_COMPACT) : NULL;
	is_str(s, "[\"answer\",\"ignore\"]", "unknown_clients' choices");
	free(s);
	r = row(a, "bootloader.N");
	ok(r != NULL && json_is_null(json_object_get(r, "default")) &&
	    strcmp(json_string_value(json_array_get(json_object_get(r,
	    "readers"), 0)), "pxedhcpd") == 0,
	    "bootloader.N: a family, read by pxedhcpd");
	ok(row(a, "arch.oui.XXXXXX") != NULL, "arch.oui.XXXXXX is a row");
	json_decref(a);
}

static void
test_find(void)
{
	long	 arg;

	ok(nb_setting_find("arch.oui.b827eb", &arg) == NB_S_ARCH_OUI &&
	    arg == 0xb827eb, "arch.oui.b827eb: the OUI as a number");
	ok(nb_setting_find("arch.oui.B827EB", &arg) == -1,
	    "arch.oui.B827EB: one spelling per OUI");
	ok(nb_setting_find("bootloader.07", &arg) == -1,
	    "bootloader.07: no leading zero");
	ok(nb_setting_find("bootloader.65536", &arg) == -1,
	    "bootloader.65536: past 16 bits");
	ok(nb_setting_find("pxe.menu.prompt", &arg) == NB_S_PXE_MENU_PROMPT &&
	    arg == -1, "pxe.menu.prompt is not item N of the menu");
	ok(nb_setting_find("pxe.menu.3", &arg) == NB_S_PXE_MENU_ITEM &&
	    arg == 3, "pxe.menu.3 is item 3");
}

static void
test_check(void)
{
	char	 w1[256], w2[256], small[16];

	ok(nb_setting_check("menu.timeout", "10", w1, sizeof(w1)) == 0,
	    "menu.timeout 10");
	ok(nb_setting_check("menu.timeout", "abc", w1, sizeof(w1)) == -1 &&
	    nb_setting_check("pxe.menu.9", "local Disk", w2, sizeof(w2)) == -1,
	    "two refusals");
	is_str(w1, "menu.timeout must be a number 0..3600, not 'abc'",
	    "the first message is intact after the second");
	is_str(w2, "pxe.menu.9: menu positions are pxe.menu.1 to pxe.menu.5",
	    "the second in its own buffer");
	ok(nb_setting_check("pxe.menu.1", "bogus", w1, sizeof(w1)) == -1,
	    "a bad menu item");
	is_str(w1, "pxe.menu.1: a menu item is 'network LABEL', 'local LABEL' "
	    "or 'TYPE LABEL' (TYPE 0 to 65535)", "its message");
	ok(nb_setting_check("pxe.menu.prompt", "", w1, sizeof(w1)) == -1 &&
	    strstr(w1, "needs a value") != NULL, "an empty prompt: %s", w1);
	ok(nb_setting_check("pxe.menu.prompt", "\t", w1, sizeof(w1)) == -1,
	    "a prompt with a tab: %s", w1);
	ok(nb_setting_check("option43.7", "never", small,
	    sizeof(small)) == -1 &&
	    strlen(small) == sizeof(small) - 1, "a short buffer is truncated");
	ok(nb_setting_check("static.lease_time", "59", w1, sizeof(w1)) == -1,
	    "static.lease_time below 60: %s", w1);
	ok(nb_setting_check("pxe.menu.arches", "7, 9", w1, sizeof(w1)) == 0,
	    "pxe.menu.arches 7, 9");
}

static void
test_parse(void)
{
	struct nb_setting_val	 v;
	uint8_t			 set[32];

	memset(&v, 0, sizeof(v));
	v.id = NB_S_OPTION43;
	v.arg = 7;
	nb_setting_parse(&v, "none");
	ok(v.num == NB_OPT43_NONE, "option43.7 none: the choice's index");
	nb_setting_parse(&v, "sometimes");
	ok(v.num == -1, "a word not among the choices: -1");
	v.id = NB_S_PXE_MENU_RPI;
	nb_setting_parse(&v, "yes");
	ok(v.num == 1, "yes is 1");
	v.id = NB_S_STATIC_NETMASK;
	nb_setting_parse(&v, "255.255.0.0");
	ok(v.addr.s_addr == htonl(0xffff0000), "an address, parsed");
	v.id = NB_S_DHCP6_LEASE_TIME;
	nb_setting_parse(&v, "31536000");
	ok(v.num == 31536000, "a year of lease: the table's bounds");
	memset(set, 0, sizeof(set));
	ok(dhcp_pxe_arch_list("7, 9", set, sizeof(set)) == 2 && set[7] &&
	    set[9] && !set[0], "\"7, 9\" is {7, 9}");
}

struct seen {
	int	 oui, loader7, nloader;
};

static int
seen_one(const struct nb_setting_val *v, void *arg)
{
	struct seen	*s = arg;

	if (v->id == NB_S_ARCH_OUI && v->arg == 0xdca632 && v->num == 41 &&
	    !v->is_default)
		s->oui = 1;
	if (v->id == NB_S_BOOTLOADER && v->arg == 7 &&
	    strcmp(v->str, "shim") == 0 && !v->is_default)
		s->loader7 = 1;
	if (v->id == NB_S_BOOTLOADER)
		s->nloader++;
	return 0;
}

static void
test_walk(void)
{
	char		 dir[] = "/tmp/nbset.XXXXXX", path[64], err[256];
	struct nb_db	*db;
	struct seen	 s = { 0, 0, 0 };
	size_t		 n;

	if (mkdtemp(dir) == NULL) {
		ok(0, "mkdtemp");
		return;
	}
	snprintf(path, sizeof(path), "%s/n.db", dir);
	ok(nb_db_open(path, NB_DB_CREATE, &db, err, sizeof(err)) == NB_OK,
	    "database: %s", err);
	ok(nb_setting_set(db, "arch.oui.dca632", "41") == NB_OK &&
	    nb_setting_set(db, "bootloader.7", "shim") == NB_OK &&
	    nb_setting_walk(db, seen_one, &s) == NB_OK, "walked");
	nb_setting_arch_defaults(&n);
	ok(s.oui && s.loader7 && s.nloader == (int)n,
	    "typed values: the OUI, a stored loader, one per default");
	nb_db_close(db);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	if (system(path) != 0)
		ok(0, "cleaning up");
}

int
main(void)
{
	test_schema();
	test_find();
	test_check();
	test_parse();
	test_walk();
	return done_testing();
}
