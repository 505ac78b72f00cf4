/*
 * db_setting.c: the settings table. Every key that exists is in
 * settings[] with its default and its check; netboot(7) lists them.
 * A key ending in ".*" stands for a family: bootloader.7 is bootloader.*
 * with 7 for the processor architecture (option 93).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "db_int.h"
#include "dhcp_pxe.h"
#include "dhcp6.h"
#include "xmalloc.h"

enum setting_kind { S_CHOICE, S_NUM, S_ADDR, S_PATH, S_FILE, S_TEXT, S_BOOL, S_POOL6, S_ADDRS6 };

struct setting {
	const char		*key;
	const char		*def;		/* NULL: unset */
	enum setting_kind	 kind;
	const char		*choices;	/* S_CHOICE: "a|b|c" */
	long long		 min, max;	/* S_NUM */
};

static const struct setting settings[] = {
	{ "unknown_clients", "answer", S_CHOICE, "answer|ignore", 0, 0 },
	{ "default_action", "menu", S_CHOICE, "menu|local|image", 0, 0 },
	{ "default_image", NULL, S_TEXT, NULL, 0, 0 },
	{ "menu.timeout", "10", S_NUM, NULL, 0, 3600 },
	{ "menu.default", "local", S_TEXT, NULL, 0, 0 },
	{ "server_address", NULL, S_ADDR, NULL, 0, 0 },
	{ "pxe.vendor_prefixes", "PXEClient,HTTPClient", S_TEXT, NULL, 0, 0 },
	{ "pxe.reply_delay_ms", "0", S_NUM, NULL, 0, 10000 },
	{ "bootloader.*", NULL, S_FILE, NULL, 0, 0 },
	{ "option43.*", NULL, S_CHOICE, "auto|direct|none", 0, 0 },
	{ "arch.oui.*", NULL, S_NUM, NULL, 0, 65535 },
	{ "pxe.menu.*", NULL, S_TEXT, NULL, 0, 0 },
	{ "pxe.menu.prompt", "Press F8 for the boot menu", S_TEXT, NULL, 0, 0 },
	{ "pxe.menu.timeout", "5", S_NUM, NULL, 0, 255 },
	{ "pxe.menu.arches", "0", S_TEXT, NULL, 0, 0 },
	{ "pxe.menu.rpi", "no", S_BOOL, NULL, 0, 0 },
	{ "dhcp6.enabled", "no", S_BOOL, NULL, 0, 0 },
	{ "dhcp6.pool", NULL, S_POOL6, NULL, 0, 0 },
	{ "dhcp6.lease_time", "3600", S_NUM, NULL, 60, 31536000 },
	{ "dhcp6.dns", NULL, S_ADDRS6, NULL, 0, 0 },
	{ "static.enabled", "no", S_BOOL, NULL, 0, 0 },
	{ "static.others", "proxy", S_CHOICE, "proxy|ignore", 0, 0 },
	{ "static.netmask", "255.255.255.0", S_ADDR, NULL, 0, 0 },
	{ "static.router", NULL, S_ADDR, NULL, 0, 0 },
	{ "static.dns", NULL, S_TEXT, NULL, 0, 0 },
	{ "static.domain", NULL, S_TEXT, NULL, 0, 0 },
	{ "static.ntp", NULL, S_TEXT, NULL, 0, 0 },
	{ "static.lease_time", "3600", S_NUM, NULL, 60, 31536000 },
	{ "wimboot.path", NULL, S_PATH, NULL, 0, 0 },
	{ "events.keep_days", "90", S_NUM, NULL, 1, 36500 },
	/* boot-plane trust: identity and capabilities (netboot(7) TRUST MODEL) */
	{ "boot.routed", "static", S_CHOICE, "static|claim", 0, 0 },
	{ "token.lifetime", "7200", S_NUM, NULL, 60, 604800 },
	/* limits (issue 11) */
	{ "dhcp6.leases_per_minute", "30", S_NUM, NULL, 1, 100000 },
	{ "dhcp6.leases_per_mac", "1", S_NUM, NULL, 1, 1000 },
	/* admin (issue 13) */
	{ "wake.broadcast", NULL, S_ADDR, NULL, 0, 0 },
	/* Caps the daemons' write queue keeps (libnetboot/wq.c). */
	{ "clients.max_discovered", "10000", S_NUM, NULL, 1, 10000000 },
	{ "events.max_rows", "1000000", S_NUM, NULL, 1000, 1000000000 },
};

/* Defaults of the bootloader.* family: the ipxe package's files by arch. */
static const struct {
	int		 arch;
	const char	*file;
} bootloader_defaults[] = {
	{ 0, "undionly.kpxe" },		/* x86 BIOS */
	{ 6, "ipxe-ia32.efi" },		/* x86 UEFI: not in Debian's ipxe; if supplied */
	{ 7, "snponly.efi" },		/* x64 UEFI */
	{ 9, "snponly.efi" },		/* x64 UEFI too: RFC 4578 swapped 7 and 9 */
	{ 10, "ipxe-arm32.efi" },	/* ARM32 UEFI: if supplied */
	{ 11, "ipxe-arm64.efi" },	/* ARM64 UEFI: if supplied */
	{ 15, "ipxe-ia32.efi" },	/* x86 UEFI HTTP */
	{ 16, "snponly.efi" },		/* x64 UEFI HTTP */
	{ 18, "ipxe-arm32.efi" },	/* ARM32 UEFI HTTP */
	{ 19, "ipxe-arm64.efi" },	/* ARM64 UEFI HTTP */
};

/* The families keyed by a MAC OUI (6 hex digits) instead of an arch number. */
static int
setting_oui_family(const char *key)
{
	static const char *const oui_families[] = { "arch.oui.*" };
	size_t	 i;

	for (i = 0; i < sizeof(oui_families) / sizeof(oui_families[0]); i++)
		if (strcmp(key, oui_families[i]) == 0)
			return 1;
	return 0;
}

/* Find the entry for key; *family gets the part after a ".*" prefix. */
static const struct setting *
setting_lookup(const char *key, const char **suffix)
{
	size_t	 i, plen;
	const char *errstr;

	*suffix = NULL;
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++) {
		plen = strlen(settings[i].key);
		if (plen > 2 && strcmp(settings[i].key + plen - 2, ".*") == 0) {
			if (strncmp(key, settings[i].key, plen - 1) != 0)
				continue;
			/* arch.oui.b827eb: exactly 6 lowercase hex digits, one spelling per OUI. */
			if (setting_oui_family(settings[i].key)) {
				if (strlen(key + plen - 1) != 6 ||
				    strspn(key + plen - 1, "0123456789abcdef") != 6)
					continue;
				*suffix = key + plen - 1;
				return &settings[i];
			}
			/* Families are keyed by a processor architecture number. */
			strtonum(key + plen - 1, 0, 65535, &errstr);
			if (errstr != NULL || key[plen - 1] == '\0' ||
			    (key[plen - 1] == '0' && key[plen] != '\0'))
				continue;
			*suffix = key + plen - 1;
			return &settings[i];
		}
		if (strcmp(key, settings[i].key) == 0)
			return &settings[i];
	}
	return NULL;
}

static const char *
setting_default(const struct setting *s, const char *suffix)
{
	size_t	 i;
	int	 arch;

	if (suffix != NULL && strcmp(s->key, "bootloader.*") == 0) {
		arch = (int)strtonum(suffix, 0, 65535, NULL);
		for (i = 0; i < sizeof(bootloader_defaults) / sizeof(bootloader_defaults[0]); i++)
			if (bootloader_defaults[i].arch == arch)
				return bootloader_defaults[i].file;
		return NULL;
	}
	if (suffix != NULL && strcmp(s->key, "option43.*") == 0)
		return "auto";
	return s->def;
}

/* pxe.menu.N items, the prompt and the arch list: bounded so that every menu fits option 43. */
static const char *
setting_menu_check(const char *key, const char *suffix, const char *value)
{
	static char		 why[256];
	struct dhcp_menu_item	 it;
	const char		*s, *errstr = NULL;
	int			 pos;

	if (suffix != NULL) {
		pos = (int)strtonum(suffix, 1, DHCP_MENU_MAX, &errstr);
		if (errstr != NULL) {
			snprintf(why, sizeof(why), "%s: menu positions are pxe.menu.1 to "
			    "pxe.menu.%d", key, DHCP_MENU_MAX);
			return why;
		}
		if ((s = dhcp_pxe_menu_item(value, pos, &it)) == NULL)
			return NULL;
		snprintf(why, sizeof(why), "%s: %s", key, s);
		return why;
	}
	if (strcmp(key, "pxe.menu.prompt") == 0)
		return dhcp_pxe_menu_prompt(value);
	/* pxe.menu.arches: "0" or "0, 7": architecture numbers. */
	if (dhcp_pxe_arch_list(value, NULL, 0) > 0)
		return NULL;
	snprintf(why, sizeof(why), "%s is a comma-separated list of architecture "
	    "numbers 0 to 65535, not '%s'", key, value);
	return why;
}

static int
choice_ok(const char *choices, const char *v)
{
	size_t	 len = strlen(v);
	const char *p = choices;

	while (p != NULL && *p != '\0') {
		if (strncmp(p, v, len) == 0 && (p[len] == '|' || p[len] == '\0'))
			return 1;
		if ((p = strchr(p, '|')) != NULL)
			p++;
	}
	return 0;
}

const char *
nb_setting_check(const char *key, const char *value)
{
	static char		 why[256];
	const struct setting	*s;
	const char		*suffix, *errstr = NULL;
	char			*copy;
	uint8_t			 a6[4][16];
	int			 bad;

	if ((s = setting_lookup(key, &suffix)) == NULL) {
		snprintf(why, sizeof(why), "unknown setting '%s' (see netboot(7))", key);
		return why;
	}
	/* An empty value would read back like an unset one: say unset instead. */
	if (*value == '\0') {
		snprintf(why, sizeof(why), "%s needs a value (to clear it: bootctl settings "
		    "unset %s)", key, key);
		return why;
	}
	if (strncmp(key, "pxe.menu.", 9) == 0 && s->kind == S_TEXT)
		return setting_menu_check(key, suffix, value);
	switch (s->kind) {
	case S_CHOICE:
		if (choice_ok(s->choices, value))
			return NULL;
		snprintf(why, sizeof(why), "%s must be one of %s, not '%s'", key, s->choices, value);
		return why;
	case S_NUM:
		strtonum(value, s->min, s->max, &errstr);
		if (errstr == NULL)
			return NULL;
		snprintf(why, sizeof(why), "%s must be a number %lld..%lld, not '%s'", key,
		    s->min, s->max, value);
		return why;
	case S_BOOL:
		if (strcmp(value, "yes") == 0 || strcmp(value, "no") == 0)
			return NULL;
		snprintf(why, sizeof(why), "%s must be yes or no, not '%s'", key, value);
		return why;
	case S_ADDR:
		if (nb_ip_valid(value))
			return NULL;
		snprintf(why, sizeof(why), "%s must be an IPv4 address, not '%s'", key, value);
		return why;
	case S_PATH:
		if (value[0] == '/')
			return NULL;
		snprintf(why, sizeof(why), "%s must be an absolute path, not '%s'", key, value);
		return why;
	case S_FILE:
		copy = xstrdup(value);
		bad = nb_path_clean(copy) == -1 || strcmp(copy, value) != 0;
		free(copy);
		if (!bad)
			return NULL;
		snprintf(why, sizeof(why), "%s must be a relative file name without . or .. "
		    "parts, not '%s'", key, value);
		return why;
	case S_POOL6:
		if (dhcp6_pool_parse(value, a6[0], a6[1]) == 0)
			return NULL;
		snprintf(why, sizeof(why), "%s must be a range START-END of IPv6 addresses "
		    "inside one /64 (not link-local or multicast), not '%s'", key, value);
		return why;
	case S_ADDRS6:
		if (dhcp6_addrs_parse(value, a6, 4) > 0)
			return NULL;
		snprintf(why, sizeof(why), "%s must be one to four IPv6 addresses, not '%s'", key,
		    value);
		return why;
	case S_TEXT:
		if (strlen(value) < 1024 && strchr(value, '\n') == NULL)
			return NULL;
		snprintf(why, sizeof(why), "%s must be one line under 1024 bytes", key);
		return why;
	}
	return "unknown setting kind";
}

int
nb_setting_get(struct nb_db *db, const char *key, char **value)
{
	static const char sql[] = "SELECT value FROM settings WHERE key = ?1";
	const struct setting	*s;
	const char		*suffix, *def;
	sqlite3_stmt		*st;
	int			 rc;

	*value = NULL;
	if ((s = setting_lookup(key, &suffix)) == NULL)
		return db_fail(db, NB_INVALID, "unknown setting '%s' (see netboot(7))", key);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW)
		*value = db_col_str(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return db_sqlerr(db, sqlite3_extended_errcode(db->sq));
	if (*value == NULL && (def = setting_default(s, suffix)) != NULL)
		*value = xstrdup(def);
	return NB_OK;
}

int
nb_setting_set(struct nb_db *db, const char *key, const char *value)
{
	static const char sql[] = "INSERT INTO settings (key, value) VALUES (?1, ?2) "
	    "ON CONFLICT (key) DO UPDATE SET value = ?2";
	sqlite3_stmt	*st;
	const char	*why;

	if ((why = nb_setting_check(key, value)) != NULL)
		return db_fail(db, NB_INVALID, "%s", why);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	db_bind_text(st, 2, value);
	return db_exec_stmt(db, st);
}

int
nb_setting_unset(struct nb_db *db, const char *key)
{
	static const char sql[] = "DELETE FROM settings WHERE key = ?1";
	sqlite3_stmt	*st;
	const char	*suffix;

	if (setting_lookup(key, &suffix) == NULL)
		return db_fail(db, NB_INVALID, "unknown setting '%s' (see netboot(7))", key);
	if ((st = db_stmt(db, sql)) == NULL)
		return NB_ERR;
	db_bind_text(st, 1, key);
	return db_exec_stmt(db, st);
}

struct setting_walk {
	int	(*fn)(const char *, const char *, int, void *);
	void	*arg;
	int	 stop;
};

static int
setting_walk_one(struct nb_db *db, struct setting_walk *w, const char *key)
{
	static const char sql[] = "SELECT count(*) FROM settings WHERE key = ?1";
	sqlite3_stmt	*st;
	char		*value;
	int		 stored = 0, rc;

	if ((rc = nb_setting_get(db, key, &value)) != NB_OK)
		return rc;
	if ((st = db_stmt(db, sql)) == NULL) {
		free(value);
		return NB_ERR;
	}
	db_bind_text(st, 1, key);
	if (sqlite3_step(st) == SQLITE_ROW)
		stored = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	w->stop = w->fn(key, value ? value : "", !stored, w->arg);
	free(value);
	return NB_OK;
}

int
nb_setting_list(struct nb_db *db, int (*fn)(const char *, const char *, int, void *), void *arg)
{
	static const char fam[] = "SELECT key FROM settings ORDER BY key";
	struct setting_walk	 w = { fn, arg, 0 };
	sqlite3_stmt		*st;
	char			 key[64], **keys = NULL;
	size_t			 i, n = 0;
	int			 rc = NB_OK;

	/* Plain keys (stored or default), then bootloader defaults, then stored family keys. */
	for (i = 0; i < sizeof(settings) / sizeof(settings[0]) && !w.stop; i++)
		if (strstr(settings[i].key, ".*") == NULL &&
		    (rc = setting_walk_one(db, &w, settings[i].key)) != NB_OK)
			return rc;
	for (i = 0; i < sizeof(bootloader_defaults) / sizeof(bootloader_defaults[0]) && !w.stop; i++) {
		snprintf(key, sizeof(key), "bootloader.%d", bootloader_defaults[i].arch);
		if ((rc = setting_walk_one(db, &w, key)) != NB_OK)
			return rc;
	}
	if ((st = db_stmt(db, fam)) == NULL)
		return NB_ERR;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *k = (const char *)sqlite3_column_text(st, 0);
		const char *suffix;
		const struct setting *s = setting_lookup(k, &suffix);
		int arch = suffix ? (int)strtonum(suffix, 0, 65535, NULL) : -1;
		int has_default = 0;

		for (i = 0; i < sizeof(bootloader_defaults) / sizeof(bootloader_defaults[0]); i++)
			if (s != NULL && strcmp(s->key, "bootloader.*") == 0 &&
			    bootloader_defaults[i].arch == arch)
				has_default = 1;
		if (suffix != NULL && !has_default) {
			keys = xreallocarray(keys, n + 1, sizeof(char *));
			keys[n++] = xstrdup(k);
		}
	}
	sqlite3_reset(st);
	for (i = 0; i < n; i++) {
		if (!w.stop && rc == NB_OK)
			rc = setting_walk_one(db, &w, keys[i]);
		free(keys[i]);
	}
	free(keys);
	return rc;
}
