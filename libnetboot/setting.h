/*
 * setting.h: the table of settings, netboot(7) SETTINGS. One row per key
 * or family of keys (bootloader.N, arch.oui.XXXXXX) holds its type, bounds
 * or choices, default, one-line doc and the programs that read it; bootctl
 * checks with it, the daemons get typed values from it, tests/suite/docs.sh and
 * the admin API read its schema.
 */
#ifndef NB_SETTING_H
#define NB_SETTING_H

#include <netinet/in.h>

#include <stddef.h>

#include <jansson.h>

/* Every row, in the order bootctl settings get lists them. */
enum nb_setting_id {
	NB_S_UNKNOWN_CLIENTS,
	NB_S_DEFAULT_ACTION,
	NB_S_DEFAULT_IMAGE,
	NB_S_MENU_TIMEOUT,
	NB_S_MENU_DEFAULT,
	NB_S_SERVER_ADDRESS,
	NB_S_PXE_VENDOR_PREFIXES,
	NB_S_PXE_REPLY_DELAY_MS,
	NB_S_BOOTLOADER,		/* bootloader.N */
	NB_S_OPTION43,			/* option43.N */
	NB_S_ARCH_OUI,			/* arch.oui.XXXXXX */
	NB_S_PXE_MENU_ITEM,		/* pxe.menu.N */
	NB_S_PXE_MENU_PROMPT,
	NB_S_PXE_MENU_TIMEOUT,
	NB_S_PXE_MENU_ARCHES,
	NB_S_PXE_MENU_RPI,
	NB_S_DHCP6_ENABLED,
	NB_S_DHCP6_POOL,
	NB_S_DHCP6_LEASE_TIME,
	NB_S_DHCP6_DNS,
	NB_S_STATIC_ENABLED,
	NB_S_STATIC_OTHERS,
	NB_S_STATIC_NETMASK,
	NB_S_STATIC_ROUTER,
	NB_S_STATIC_DNS,
	NB_S_STATIC_DOMAIN,
	NB_S_STATIC_NTP,
	NB_S_STATIC_LEASE_TIME,
	NB_S_WIMBOOT_PATH,
	NB_S_EVENTS_KEEP_DAYS,
	/* boot-plane trust (netboot(7) TRUST MODEL) */
	NB_S_BOOT_ROUTED,
	NB_S_TOKEN_LIFETIME,
	/* limits (issue 11) */
	NB_S_DHCP6_LEASES_PER_MINUTE,
	NB_S_DHCP6_LEASES_PER_MAC,
	/* the database caps of each daemon's writer (issue 11) */
	NB_S_CLIENTS_MAX_DISCOVERED,
	NB_S_EVENTS_MAX_ROWS,
	/* admin (issue 13) */
	NB_S_WAKE_BROADCAST,
	/* admin API (issue 13) */
	NB_S_METRICS_ALLOW,
	/* admin API: uploads, webhooks, inventory history (issue 13) */
	NB_S_UPLOAD_MAX_BYTES,
	NB_S_WEBHOOK_BACKLOG,
	NB_S_INVENTORY_KEEP,
	NB_S_COUNT
};

/* What a value is, and so how it is checked and parsed. */
enum nb_setting_type {
	NB_ST_CHOICE,		/* one word of choices */
	NB_ST_NUM,		/* an integer min..max */
	NB_ST_BOOL,		/* yes or no */
	NB_ST_ADDR,		/* an IPv4 address */
	NB_ST_PATH,		/* an absolute path */
	NB_ST_FILE,		/* a clean relative file name */
	NB_ST_TEXT,		/* one line under 1024 bytes */
	NB_ST_POOL6,		/* START-END inside one IPv6 /64 */
	NB_ST_ADDRS6,		/* one to four IPv6 addresses */
	NB_ST_MENU_ITEM,	/* a PXE menu item: TYPE LABEL */
	NB_ST_MENU_PROMPT,	/* a PXE menu prompt */
	NB_ST_ARCHES		/* a list of architecture numbers */
};

/* How a family's key ends: the part after the row's prefix. */
enum nb_setting_family {
	NB_SF_NONE,		/* one key */
	NB_SF_ARCH,		/* N: 0 to 65535, no leading zero */
	NB_SF_OUI		/* XXXXXX: 6 lowercase hex digits */
};

/* Which programs read a setting, each when the database changes. */
#define NB_SR_PXEDHCPD	0x01
#define NB_SR_TFTPD	0x02
#define NB_SR_BOOTWEB	0x04
#define NB_SR_BOOTCTL	0x08

/* The choices of the settings the daemons read as numbers. */
enum { NB_UNKNOWN_ANSWER, NB_UNKNOWN_IGNORE };	/* unknown_clients */
enum { NB_OTHERS_PROXY, NB_OTHERS_IGNORE };		/* static.others */
enum { NB_ROUTED_STATIC, NB_ROUTED_CLAIM };		/* boot.routed */
enum { NB_OPT43_AUTO, NB_OPT43_DIRECT, NB_OPT43_NONE };	/* option43.N */

/* One row of the table. */
struct nb_setting_def {
	const char		*name;		/* "bootloader.N" */
	enum nb_setting_family	 family;
	enum nb_setting_type	 type;
	const char		*choices;	/* NB_ST_CHOICE: "a|b|c" */
	long long		 min, max;	/* NB_ST_NUM */
	const char		*def;		/* NULL: none, or by arch */
	int			 readers;	/* NB_SR_* */
	const char		*doc;		/* one line */
};

/* A default of the bootloader.N family. */
struct nb_setting_arch_file {
	int		 arch;
	const char	*file;
};

/* One setting as the daemons get it: the row, the key, typed values. */
struct nb_setting_val {
	enum nb_setting_id		 id;
	const struct nb_setting_def	*def;
	const char	*key;		/* "bootloader.7" */
	long		 arg;		/* a family's N; an OUI 0xXXXXXX */
	const char	*str;		/* the value; "" if none */
	/* NUM: 0 if out of bounds; BOOL: 1 if yes; CHOICE: the index or -1 */
	long long	 num;
	struct in_addr	 addr;		/* ADDR: 0.0.0.0 if none or bad */
	int		 is_default;
};

/* The row of id. */
const struct nb_setting_def *nb_setting_def(enum nb_setting_id);
/* The row key belongs to and its family's N in *arg; -1 if no row. */
int		 nb_setting_find(const char *key, long *arg);
/* The default of key in row id (bootloader.N by arch), or NULL. */
const char	*nb_setting_default(enum nb_setting_id, long arg);
/* Check key = value; 0, or -1 with the reason in why. */
int		 nb_setting_check(const char *key, const char *value,
		    char *why, size_t whylen);
/* Fill v's typed fields from v->id, v->arg and value. */
void		 nb_setting_parse(struct nb_setting_val *, const char *);
/* The number a NUM, BOOL or CHOICE value of id stands for (as in v->num). */
long long	 nb_setting_num(enum nb_setting_id, const char *value);
/* The bootloader.N defaults as N, file pairs; *n gets their count. */
const struct nb_setting_arch_file *nb_setting_arch_defaults(size_t *n);
/* The table as a JSON array of rows (the admin API's settings schema). */
json_t		*nb_settings_schema_json(void);

/* setting_type.c: the types, each with its schema name and its check */
/* The name of a type in the schema ("number", "ipv6-range", ...). */
const char	*nb_setting_type_name(enum nb_setting_type);
/*
 * Check value against the type of row s, key (with its family's N in arg)
 * naming it in the reason; 0, or -1 with the reason in why.
 */
int		 nb_setting_type_check(const struct nb_setting_def *s,
		    const char *key, long arg, const char *value, char *why,
		    size_t whylen);
/* The index of v among choices "a|b|c", or -1. */
int		 nb_setting_choice(const char *choices, const char *v);

#endif
