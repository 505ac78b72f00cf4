/*
 * cmd-settings.c: bootctl settings get | set | unset | schema. The keys,
 * their defaults and their checks are libnetboot's table (setting.c);
 * netboot(7) lists them.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "xmalloc.h"

/* One setting as JSON: key, value (null when there is none), default. */
static json_t *
setting_json(const char *key, const char *value, int is_default)
{
	json_t	*o = json_object();

	json_object_set_new(o, "key", json_string(key));
	json_object_set_new(o, "value", value != NULL && *value != '\0' ? json_string(value) :
	    json_null());
	json_object_set_new(o, "default", json_boolean(is_default));
	return o;
}

static int
all_one(const char *key, const char *value, int is_default, void *arg)
{
	struct bc_list	*l = arg;

	if (l->a != NULL)
		json_array_append_new(l->a, setting_json(key, value,
		    is_default));
	else
		bc_table_row(l->t, key, value, is_default ? "default" : "set");
	return 0;
}

struct find {
	const char	*key;
	int		 is_default;
};

static int
find_key(const char *key, const char *value, int is_default, void *arg)
{
	struct find	*f = arg;

	(void)value;
	if (strcmp(key, f->key) != 0)
		return 0;
	f->is_default = is_default;
	return 1;
}

static int
settings_get_all(struct bootctl *bc)
{
	struct bc_list	 l;

	bc_list_begin(bc, &l, "KEY", "VALUE", "SOURCE", (const char *)NULL);
	return bc_list_end(bc, &l, nb_setting_list(bc->db, all_one, &l));
}

static int
settings_get(struct bootctl *bc, int argc, char *argv[])
{
	struct find	 f;
	char		*value;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 1)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	if (argc - optind == 0)
		return settings_get_all(bc);
	f.key = argv[optind];
	f.is_default = 1;	/* a key the walk does not visit is a family key never set */
	if ((rc = nb_setting_get(bc->db, f.key, &value)) == NB_INVALID)
		return bc_cmd_usage(bc, "%s", nb_db_errmsg(bc->db));
	if (rc != NB_OK)
		return bc_dberror(bc);
	if (nb_setting_list(bc->db, find_key, &f) != NB_OK) {
		free(value);
		return bc_dberror(bc);
	}
	if (bc->json)
		bc_print_json(setting_json(f.key, value, f.is_default));
	else if (value != NULL)
		printf("%s\n", value);
	free(value);
	return 0;
}

static int
settings_set(struct bootctl *bc, int argc, char *argv[])
{
	char	 why[256];
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 2, 2)) != 0)
		return rc;
	argv += optind;
	if (nb_setting_check(argv[0], argv[1], why, sizeof(why)) == -1)
		return bc_cmd_usage(bc, "%s", why);
	if ((rc = bc_open(bc)) != 0 || (rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_setting_set(bc->db, argv[0], argv[1]) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) == 0)
		printf("%s = %s\n", argv[0], argv[1]);
	return rc;
}

static int
settings_unset(struct bootctl *bc, int argc, char *argv[])
{
	char	*value;
	int	 rc;

	if ((rc = bc_operands(bc, argc, argv, 1, 1)) != 0 || (rc = bc_open(bc)) != 0)
		return rc;
	argv += optind;
	if ((rc = nb_setting_get(bc->db, argv[0], &value)) == NB_INVALID)
		return bc_cmd_usage(bc, "%s", nb_db_errmsg(bc->db));
	free(value);
	if (rc != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_begin(bc)) != 0)
		return rc;
	if (nb_setting_unset(bc->db, argv[0]) != NB_OK)
		return bc_dberror(bc);
	if ((rc = bc_commit(bc)) != 0)
		return rc;
	if ((rc = nb_setting_get(bc->db, argv[0], &value)) != NB_OK)
		return bc_dberror(bc);
	printf("%s unset (%s%s)\n", argv[0], value ? "default " : "no default", value ? value : "");
	free(value);
	return 0;
}

/* The table of keys itself: name, type, default and doc of each row. */
static int
settings_schema(struct bootctl *bc, int argc, char *argv[])
{
	struct bc_table	*t;
	json_t		*a, *row, *def;
	size_t		 i;
	int		 rc;

	if ((rc = bc_operands(bc, argc, argv, 0, 0)) != 0)
		return rc;
	a = nb_settings_schema_json();
	if (bc->json) {
		bc_print_json(a);
		return 0;
	}
	t = bc_table_new("KEY", "TYPE", "DEFAULT", "DOC", (const char *)NULL);
	json_array_foreach(a, i, row) {
		def = json_object_get(row, "default");
		bc_table_row(t, json_string_value(json_object_get(row, "name")),
		    json_string_value(json_object_get(row, "type")),
		    json_is_string(def) ? json_string_value(def) : "-",
		    json_string_value(json_object_get(row, "doc")));
	}
	bc_table_print(t, stdout);
	json_decref(a);
	return 0;
}

const struct bootctl_cmd bc_settings_cmds[] = {
	{ "settings", "get", "[KEY]", BC_OPEN_LATE, settings_get },
	{ "settings", "set", "KEY VALUE", BC_OPEN_LATE, settings_set },
	{ "settings", "unset", "KEY", BC_OPEN_LATE, settings_unset },
	{ "settings", "schema", "", BC_OPEN_LATE, settings_schema },
	{ NULL, NULL, NULL, 0, NULL },
};
