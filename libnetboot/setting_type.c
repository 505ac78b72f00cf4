/*
 * setting_type.c: the types of the settings table (setting.h), each with
 * its name in the schema and its check, in a table indexed by the type.
 * The values that are protocol data (a PXE menu, IPv6 pools and
 * addresses) are parsed by their codec (dhcp_pxe.c, dhcp6.c), here and
 * in the daemon that uses them, so the table of settings (setting.c)
 * knows no protocol.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "db.h"
#include "dhcp6.h"
#include "dhcp_pxe.h"
#include "setting.h"
#include "xmalloc.h"

/* A check: 0 if value is one of the type, else -1 with the reason. */
typedef int	 type_check(const struct nb_setting_def *, const char *key,
		    long arg, const char *value, char *why, size_t whylen);

/* The refusal of most types: "KEY must be WHAT, not 'VALUE'". */
static int
refuse(char *why, size_t whylen, const char *key, const char *what,
    const char *value)
{
	snprintf(why, whylen, "%s must be %s, not '%s'", key, what, value);
	return -1;
}

int
nb_setting_choice(const char *choices, const char *v)
{
	size_t		 len = strlen(v);
	const char	*p = choices;
	int		 i;

	for (i = 0; p != NULL && *p != '\0'; i++) {
		if (strncmp(p, v, len) == 0 &&
		    (p[len] == '|' || p[len] == '\0'))
			return i;
		if ((p = strchr(p, '|')) != NULL)
			p++;
	}
	return -1;
}

static int
check_choice(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	if (nb_setting_choice(s->choices, value) != -1)
		return 0;
	snprintf(why, whylen, "%s must be one of %s, not '%s'", key,
	    s->choices, value);
	return -1;
}

static int
check_num(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	const char	*errstr;

	strtonum(value, s->min, s->max, &errstr);
	if (errstr == NULL)
		return 0;
	snprintf(why, whylen, "%s must be a number %lld..%lld, not '%s'",
	    key, s->min, s->max, value);
	return -1;
}

static int
check_bool(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
		return 0;
	return refuse(why, whylen, key, "yes or no", value);
}

static int
check_addr(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	if (nb_ip_valid(value))
		return 0;
	return refuse(why, whylen, key, "an IPv4 address", value);
}

static int
check_path(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	if (value[0] == '/')
		return 0;
	return refuse(why, whylen, key, "an absolute path", value);
}

/* A file name relative to the served directories. */
static int
check_file(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	char	*copy = xstrdup(value);
	int	 ok;

	ok = nb_path_clean(copy) != -1 && strcmp(copy, value) == 0;
	free(copy);
	if (ok)
		return 0;
	return refuse(why, whylen, key,
	    "a relative file name without . or .. parts", value);
}

static int
check_text(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	if (strlen(value) < 1024 && strchr(value, '\n') == NULL)
		return 0;
	snprintf(why, whylen, "%s must be one line under 1024 bytes", key);
	return -1;
}

static int
check_pool6(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	uint8_t		 lo[16], hi[16];

	if (dhcp6_pool_parse(value, lo, hi) == 0)
		return 0;
	return refuse(why, whylen, key, "a range START-END of IPv6 addresses "
	    "inside one /64 (not link-local or multicast)", value);
}

static int
check_addrs6(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	uint8_t		 a6[4][16];

	if (dhcp6_addrs_parse(value, a6, 4) > 0)
		return 0;
	return refuse(why, whylen, key, "one to four IPv6 addresses", value);
}

/* pxe.menu.N, the prompt and the arch list: each menu fits option 43. */
static int
check_menu_item(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	struct dhcp_menu_item	 it;
	char			 sub[160];

	if (arg < 1 || arg > DHCP_MENU_MAX) {
		snprintf(why, whylen, "%s: menu positions are "
		    "pxe.menu.1 to pxe.menu.%d", key, DHCP_MENU_MAX);
		return -1;
	}
	if (dhcp_pxe_menu_item(value, (int)arg, &it, sub, sizeof(sub)) == 0)
		return 0;
	snprintf(why, whylen, "%s: %s", key, sub);
	return -1;
}

static int
check_menu_prompt(const struct nb_setting_def *s, const char *key,
    long arg, const char *value, char *why, size_t whylen)
{
	return dhcp_pxe_menu_prompt(value, why, whylen);
}

static int
check_arches(const struct nb_setting_def *s, const char *key, long arg,
    const char *value, char *why, size_t whylen)
{
	if (dhcp_pxe_arch_list(value, NULL, 0) > 0)
		return 0;
	snprintf(why, whylen, "%s is a comma-separated list of "
	    "architecture numbers 0 to 65535, not '%s'", key, value);
	return -1;
}

/* Every type: its name in the schema, its check. */
static const struct {
	const char	*name;
	type_check	*check;
} types[] = {
	[NB_ST_CHOICE] = { "choice", check_choice },
	[NB_ST_NUM] = { "number", check_num },
	[NB_ST_BOOL] = { "bool", check_bool },
	[NB_ST_ADDR] = { "ipv4", check_addr },
	[NB_ST_PATH] = { "path", check_path },
	[NB_ST_FILE] = { "file", check_file },
	[NB_ST_TEXT] = { "text", check_text },
	[NB_ST_POOL6] = { "ipv6-range", check_pool6 },
	[NB_ST_ADDRS6] = { "ipv6-list", check_addrs6 },
	[NB_ST_MENU_ITEM] = { "pxe-menu-item", check_menu_item },
	[NB_ST_MENU_PROMPT] = { "pxe-menu-prompt", check_menu_prompt },
	[NB_ST_ARCHES] = { "arch-list", check_arches },
};

const char *
nb_setting_type_name(enum nb_setting_type t)
{
	return types[t].name;
}

int
nb_setting_type_check(const struct nb_setting_def *s, const char *key,
    long arg, const char *value, char *why, size_t whylen)
{
	return types[s->type].check(s, key, arg, value, why, whylen);
}
