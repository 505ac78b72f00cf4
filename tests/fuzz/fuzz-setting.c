/*
 * fuzz-setting.c: the settings validators (libnetboot/setting.c
 * nb_setting_check and what it calls: numbers, choices, addresses, IPv6
 * pools, PXE menu texts), the parse of a value that passes, and the name
 * and path checks of libnetboot/db.c.
 * The input is "key NUL value"; without a NUL, a key chosen by its first
 * byte gets the whole input as its value.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "fuzz.h"

const char *const fuzz_tokens[] = {
	"pxe.menu.", "dhcp6.", "yes", "no", "::", "-", "fd00::", "/", "..", ".",
	", ", NULL
};

/* Keys of every kind of the settings table (netboot(7)). */
static const char *const keys[] = {
	"unknown_clients", "default_action", "menu.timeout", "server_address",
	"bootloader.7", "option43.0", "arch.oui.525400", "pxe.menu.1",
	"pxe.menu.8", "pxe.menu.prompt", "pxe.menu.timeout", "pxe.menu.arches",
	"pxe.menu.rpi", "dhcp6.pool", "dhcp6.dns", "static.netmask",
	"static.dns", "wimboot.path", "events.keep_days", "no.such.key",
};

/* A value check says why it refuses; a value it takes parses by its row. */
static void
check_one(const char *key, const char *value)
{
	struct nb_setting_val	 v;
	char			 why[256];
	int			 rc, id;

	why[0] = '\0';
	rc = nb_setting_check(key, value, why, sizeof(why));
	fuzz_check(rc == 0 || rc == -1, "nb_setting_check returns 0 or -1");
	if (rc == -1) {
		fuzz_check(strlen(why) > 0, "a refusal says why");
		return;
	}
	fuzz_check((id = nb_setting_find(key, &v.arg)) != -1,
	    "a key that checks has a row");
	v.id = (enum nb_setting_id)id;
	v.key = key;
	nb_setting_default(v.id, v.arg);
	nb_setting_parse(&v, value);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_strndup(data, size), *copy;
	size_t	 klen = strlen(s);

	if (klen < size)
		check_one(s, s + klen + 1);
	else if (size > 0)
		check_one(keys[data[0] % (sizeof(keys) / sizeof(keys[0]))],
		    s + 1);
	nb_name_valid(s);
	copy = strdup(s);
	if (nb_path_clean(copy) == 0)
		fuzz_check(copy[0] != '/' && strstr(copy, "//") == NULL,
		    "a clean path");
	free(copy);
	free(s);
	return 0;
}
