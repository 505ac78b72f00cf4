/*
 * setting.c: the table of settings. Every key that exists is a row here,
 * with its type, bounds or choices, default, who reads it and a line of
 * doc; netboot(7) lists them (tests/suite/docs.sh checks it against the
 * schema).
 * A family row stands for many keys: bootloader.7 is bootloader.N with 7
 * for the processor architecture (option 93). How a value of each type
 * is checked is setting_type.c's.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "setting.h"
#include "xmalloc.h"

#define P	NB_SR_PXEDHCPD
#define T	NB_SR_TFTPD
#define W	NB_SR_BOOTWEB
#define C	NB_SR_BOOTCTL

/* The order of the rows is enum nb_setting_id's. */
static const struct nb_setting_def settings[NB_S_COUNT] = {
	[NB_S_UNKNOWN_CLIENTS] = { "unknown_clients", NB_SF_NONE,
	    NB_ST_CHOICE, "answer|ignore", 0, 0, "answer", P | T | W,
	    "answer every PXE client, or ignore those not added" },
	[NB_S_DEFAULT_ACTION] = { "default_action", NB_SF_NONE,
	    NB_ST_CHOICE, "menu|local|image", 0, 0, "menu", T | W,
	    "what a client with no next-boot action gets" },
	[NB_S_DEFAULT_IMAGE] = { "default_image", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, NULL, T | W,
	    "the image a menu selects when it times out" },
	[NB_S_MENU_TIMEOUT] = { "menu.timeout", NB_SF_NONE,
	    NB_ST_NUM, NULL, 0, 3600, "10", T | W,
	    "seconds the boot menu waits" },
	[NB_S_MENU_DEFAULT] = { "menu.default", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, "local", T | W,
	    "the menu entry taken when it times out: an image or local" },
	[NB_S_SERVER_ADDRESS] = { "server_address", NB_SF_NONE,
	    NB_ST_ADDR, NULL, 0, 0, NULL, P | W | C,
	    "the IPv4 address announced to clients" },
	[NB_S_PXE_VENDOR_PREFIXES] = { "pxe.vendor_prefixes", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, "PXEClient,HTTPClient", P,
	    "option 60 prefixes that mark a PXE client, comma-separated" },
	[NB_S_PXE_REPLY_DELAY_MS] = { "pxe.reply_delay_ms", NB_SF_NONE,
	    NB_ST_NUM, NULL, 0, 10000, "0", P,
	    "milliseconds before a proxy offer" },
	[NB_S_BOOTLOADER] = { "bootloader.N", NB_SF_ARCH,
	    NB_ST_FILE, NULL, 0, 0, NULL, P,
	    "the boot file for architecture N, or shim" },
	[NB_S_OPTION43] = { "option43.N", NB_SF_ARCH,
	    NB_ST_CHOICE, "auto|direct|none", 0, 0, "auto", P,
	    "option 43.6 for architecture N" },
	[NB_S_ARCH_OUI] = { "arch.oui.XXXXXX", NB_SF_OUI,
	    NB_ST_NUM, NULL, 0, 65535, NULL, P,
	    "the architecture served to arch-0 clients of OUI XXXXXX" },
	[NB_S_PXE_MENU_ITEM] = { "pxe.menu.N", NB_SF_ARCH,
	    NB_ST_MENU_ITEM, NULL, 0, 0, NULL, P,
	    "item N of the PXE boot menu: network, local or TYPE, a label" },
	[NB_S_PXE_MENU_PROMPT] = { "pxe.menu.prompt", NB_SF_NONE,
	    NB_ST_MENU_PROMPT, NULL, 0, 0, "Press F8 for the boot menu", P,
	    "the PXE menu's prompt" },
	[NB_S_PXE_MENU_TIMEOUT] = { "pxe.menu.timeout", NB_SF_NONE,
	    NB_ST_NUM, NULL, 0, 255, "5", P,
	    "seconds the PXE prompt waits; 255 shows the menu at once" },
	[NB_S_PXE_MENU_ARCHES] = { "pxe.menu.arches", NB_SF_NONE,
	    NB_ST_ARCHES, NULL, 0, 0, "0", P,
	    "the architectures that get the PXE menu, comma-separated" },
	[NB_S_PXE_MENU_RPI] = { "pxe.menu.rpi", NB_SF_NONE,
	    NB_ST_BOOL, NULL, 0, 0, "no", P,
	    "give Raspberry Pi bootloaders the offer they need" },
	[NB_S_DHCP6_ENABLED] = { "dhcp6.enabled", NB_SF_NONE,
	    NB_ST_BOOL, NULL, 0, 0, "no", P,
	    "answer DHCPv6 network boot requests" },
	[NB_S_DHCP6_POOL] = { "dhcp6.pool", NB_SF_NONE,
	    NB_ST_POOL6, NULL, 0, 0, NULL, P,
	    "IPv6 addresses START-END to lease to boot clients" },
	[NB_S_DHCP6_LEASE_TIME] = { "dhcp6.lease_time", NB_SF_NONE,
	    NB_ST_NUM, NULL, 60, 31536000, "3600", P,
	    "seconds a DHCPv6 lease is valid" },
	[NB_S_DHCP6_DNS] = { "dhcp6.dns", NB_SF_NONE,
	    NB_ST_ADDRS6, NULL, 0, 0, NULL, P,
	    "one to four IPv6 name servers for DHCPv6 replies" },
	[NB_S_STATIC_ENABLED] = { "static.enabled", NB_SF_NONE,
	    NB_ST_BOOL, NULL, 0, 0, "no", P,
	    "be the DHCP server of clients with a static address" },
	[NB_S_STATIC_OTHERS] = { "static.others", NB_SF_NONE,
	    NB_ST_CHOICE, "proxy|ignore", 0, 0, "proxy", P,
	    "what other clients get in static mode" },
	[NB_S_STATIC_NETMASK] = { "static.netmask", NB_SF_NONE,
	    NB_ST_ADDR, NULL, 0, 0, "255.255.255.0", P,
	    "the subnet mask of static answers" },
	[NB_S_STATIC_ROUTER] = { "static.router", NB_SF_NONE,
	    NB_ST_ADDR, NULL, 0, 0, NULL, P,
	    "the router of static answers" },
	[NB_S_STATIC_DNS] = { "static.dns", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, NULL, P,
	    "the DNS servers of static answers, comma-separated" },
	[NB_S_STATIC_DOMAIN] = { "static.domain", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, NULL, P,
	    "the domain name of static answers" },
	[NB_S_STATIC_NTP] = { "static.ntp", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, NULL, P,
	    "the NTP servers of static answers, comma-separated" },
	[NB_S_STATIC_LEASE_TIME] = { "static.lease_time", NB_SF_NONE,
	    NB_ST_NUM, NULL, 60, 31536000, "3600", P,
	    "seconds a static lease is valid" },
	[NB_S_WIMBOOT_PATH] = { "wimboot.path", NB_SF_NONE,
	    NB_ST_PATH, NULL, 0, 0, NULL, C,
	    "the wimboot binary used to boot Windows images" },
	[NB_S_EVENTS_KEEP_DAYS] = { "events.keep_days", NB_SF_NONE,
	    NB_ST_NUM, NULL, 1, 36500, "90", C,
	    "days bootctl events prune keeps events by default" },
	[NB_S_BOOT_ROUTED] = { "boot.routed", NB_SF_NONE,
	    NB_ST_CHOICE, "static|claim", 0, 0, "static", W,
	    "who a routed peer is: its static address, or the MAC it claims" },
	[NB_S_TOKEN_LIFETIME] = { "token.lifetime", NB_SF_NONE,
	    NB_ST_NUM, NULL, 60, 604800, "7200", T | W,
	    "seconds a per-boot capability URL stays valid" },
	[NB_S_DHCP6_LEASES_PER_MINUTE] = { "dhcp6.leases_per_minute",
	    NB_SF_NONE, NB_ST_NUM, NULL, 1, 100000, "30", P,
	    "new DHCPv6 leases granted on one link in a minute" },
	[NB_S_DHCP6_LEASES_PER_MAC] = { "dhcp6.leases_per_mac", NB_SF_NONE,
	    NB_ST_NUM, NULL, 1, 1000, "1", P,
	    "bound DHCPv6 leases one MAC holds at once" },
	/* the database caps of each daemon's writer (issue 11) */
	[NB_S_CLIENTS_MAX_DISCOVERED] = { "clients.max_discovered",
	    NB_SF_NONE, NB_ST_NUM, NULL, 1, 10000000, "10000", P | T | W,
	    "discovered clients kept; the oldest untouched ones go first" },
	[NB_S_EVENTS_MAX_ROWS] = { "events.max_rows", NB_SF_NONE,
	    NB_ST_NUM, NULL, 1000, 1000000000, "1000000", P | T | W,
	    "events kept; the oldest are pruned every 10 s" },
	/* admin (issue 13) */
	[NB_S_WAKE_BROADCAST] = { "wake.broadcast", NB_SF_NONE,
	    NB_ST_ADDR, NULL, 0, 0, NULL, W | C,
	    "where Wake-on-LAN packets go when a client names no address" },
	/* admin API (issue 13) */
	[NB_S_METRICS_ALLOW] = { "metrics.allow", NB_SF_NONE,
	    NB_ST_TEXT, NULL, 0, 0, NULL, W,
	    "addresses that may read /metrics without a token" },
	/* admin API: uploads, webhooks, inventory history (issue 13) */
	[NB_S_UPLOAD_MAX_BYTES] = { "upload.max_bytes", NB_SF_NONE,
	    NB_ST_NUM, NULL, 0, 1099511627776LL, "17179869184", W,
	    "bytes an ISO uploaded over the admin API may have" },
	[NB_S_WEBHOOK_BACKLOG] = { "webhook.backlog", NB_SF_NONE,
	    NB_ST_NUM, NULL, 1, 10000000, "10000", W,
	    "events a webhook may fall behind before its oldest are dropped" },
	[NB_S_INVENTORY_KEEP] = { "inventory.keep", NB_SF_NONE,
	    NB_ST_NUM, NULL, 1, 1000, "10", W,
	    "inventories kept per client (boots and self-API reports)" },
};

/* Defaults of the bootloader.N family: the ipxe package's files by arch. */
static const struct nb_setting_arch_file bootloader_defaults[] = {
	{ 0, "undionly.kpxe" },		/* x86 BIOS */
	{ 6, "ipxe-ia32.efi" },	/* x86 UEFI: not in Debian's ipxe */
	{ 7, "snponly.efi" },		/* x64 UEFI */
	{ 9, "snponly.efi" },	/* x64 UEFI too: RFC 4578 swapped 7, 9 */
	{ 10, "ipxe-arm32.efi" },	/* ARM32 UEFI: if supplied */
	{ 11, "ipxe-arm64.efi" },	/* ARM64 UEFI: if supplied */
	{ 15, "ipxe-ia32.efi" },	/* x86 UEFI HTTP */
	{ 16, "snponly.efi" },		/* x64 UEFI HTTP */
	{ 18, "ipxe-arm32.efi" },	/* ARM32 UEFI HTTP */
	{ 19, "ipxe-arm64.efi" },	/* ARM64 UEFI HTTP */
};

/* What stands for a family's N in its row's name. */
static const char *const family_tail[] = {
	[NB_SF_NONE] = "",
	[NB_SF_ARCH] = "N",
	[NB_SF_OUI] = "XXXXXX",
};

const struct nb_setting_def *
nb_setting_def(enum nb_setting_id id)
{
	return &settings[id];
}

const struct nb_setting_arch_file *
nb_setting_arch_defaults(size_t *n)
{
	*n = nitems(bootloader_defaults);
	return bootloader_defaults;
}

/* The N of a family key after its prefix, or -1 if tail is not one. */
static long
family_arg(enum nb_setting_family f, const char *tail)
{
	const char	*errstr;
	long long	 n;

	if (f == NB_SF_OUI) {
		/* arch.oui.b827eb: one spelling per OUI. */
		if (strlen(tail) != 6 ||
		    strspn(tail, "0123456789abcdef") != 6)
			return -1;
		return strtol(tail, NULL, 16);
	}
	/* Architecture numbers, without a leading zero. */
	n = strtonum(tail, 0, 65535, &errstr);
	if (errstr != NULL || (tail[0] == '0' && tail[1] != '\0'))
		return -1;
	return (long)n;
}

int
nb_setting_find(const char *key, long *arg)
{
	const struct nb_setting_def	*s;
	size_t				 i, plen;

	*arg = -1;
	for (i = 0; i < nitems(settings); i++) {
		s = &settings[i];
		if (s->family == NB_SF_NONE) {
			if (strcmp(key, s->name) == 0)
				return (int)i;
			continue;
		}
		plen = strlen(s->name) - strlen(family_tail[s->family]);
		if (strncmp(key, s->name, plen) == 0 &&
		    (*arg = family_arg(s->family, key + plen)) != -1)
			return (int)i;
	}
	return -1;
}

const char *
nb_setting_default(enum nb_setting_id id, long arg)
{
	size_t	 i;

	if (id != NB_S_BOOTLOADER)
		return settings[id].def;
	for (i = 0; i < nitems(bootloader_defaults); i++)
		if (bootloader_defaults[i].arch == arg)
			return bootloader_defaults[i].file;
	return NULL;
}

long long
nb_setting_num(enum nb_setting_id id, const char *value)
{
	const struct nb_setting_def	*s = &settings[id];

	if (value == NULL)
		return 0;
	switch (s->type) {
	case NB_ST_NUM:
		return strtonum(value, s->min, s->max, NULL);
	case NB_ST_BOOL:
		return strcmp(value, "yes") == 0;
	case NB_ST_CHOICE:
		return nb_setting_choice(s->choices, value);
	default:
		return 0;
	}
}

void
nb_setting_parse(struct nb_setting_val *v, const char *value)
{
	v->def = &settings[v->id];
	v->str = value != NULL ? value : "";
	v->num = nb_setting_num(v->id, v->str);
	v->addr.s_addr = 0;
	if (v->def->type == NB_ST_ADDR && nb_ip_parse(v->str, &v->addr) == -1)
		v->addr.s_addr = 0;
}

int
nb_setting_check(const char *key, const char *value, char *why,
    size_t whylen)
{
	long	 arg;
	int	 id;

	if ((id = nb_setting_find(key, &arg)) == -1) {
		snprintf(why, whylen, "unknown setting '%s' (see netboot(7))",
		    key);
		return -1;
	}
	/* An empty value would read back like an unset one: say unset. */
	if (*value == '\0') {
		snprintf(why, whylen, "%s needs a value (to clear it: bootctl "
		    "settings unset %s)", key, key);
		return -1;
	}
	return nb_setting_type_check(&settings[id], key, arg, value, why,
	    whylen);
}

/* One row of the schema. */
static json_t *
schema_row(const struct nb_setting_def *s)
{
	json_t		*o = json_object(), *a;
	const char	*p;
	size_t		 len;

	json_object_set_new(o, "name", json_string(s->name));
	json_object_set_new(o, "type",
	    json_string(nb_setting_type_name(s->type)));
	if (s->type == NB_ST_CHOICE) {
		a = json_array();
		for (p = s->choices; *p != '\0'; p += len + (p[len] == '|')) {
			len = strcspn(p, "|");
			json_array_append_new(a, json_stringn(p, len));
		}
		json_object_set_new(o, "choices", a);
	}
	if (s->type == NB_ST_NUM) {
		json_object_set_new(o, "min", json_integer(s->min));
		json_object_set_new(o, "max", json_integer(s->max));
	}
	json_object_set_new(o, "default", s->def ? json_string(s->def) :
	    json_null());
	a = json_array();
	if (s->readers & NB_SR_PXEDHCPD)
		json_array_append_new(a, json_string("pxedhcpd"));
	if (s->readers & NB_SR_TFTPD)
		json_array_append_new(a, json_string("tftpd"));
	if (s->readers & NB_SR_BOOTWEB)
		json_array_append_new(a, json_string("bootweb"));
	if (s->readers & NB_SR_BOOTCTL)
		json_array_append_new(a, json_string("bootctl"));
	json_object_set_new(o, "readers", a);
	json_object_set_new(o, "doc", json_string(s->doc));
	return o;
}

json_t *
nb_settings_schema_json(void)
{
	json_t	*a = json_array();
	size_t	 i;

	for (i = 0; i < nitems(settings); i++)
		json_array_append_new(a, schema_row(&settings[i]));
	return a;
}
