/*
 * policy.c: what the database says, as one immutable snapshot. Settings
 * and the few clients whose answer is not the default one (known, denied,
 * suspended, with a next boot or a static address) are read in one read
 * transaction by the recorder thread, which notices commits of other
 * processes through SQLite's PRAGMA data_version (never poll whole
 * tables); every other MAC, however many a storm brings, is answered as
 * an unknown client without a lookup in the database.
 */
#include "config.h"

#include <sys/param.h>
#include <sys/stat.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp6.h"
#include "grub.h"
#include "hash.h"
#include "pxedhcpd.h"
#include "xmalloc.h"

/* A default bootloader counts only if the file is there (ipxe package or data dir). */
static int
policy_loader_present(const char *datadir, const char *file)
{
	char		 path[2048];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", IPXE_DIR, file);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	snprintf(path, sizeof(path), "%s/%s", datadir, file);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/*
 * The file a bootloader.N value names: "shim" is Debian's signed shim,
 * by the name tftpd and bootweb serve it (netboot(7) SECURE BOOT).
 */
static const char *
policy_loader_name(const char *v)
{
	return strcmp(v, "shim") == 0 ? NB_SHIM_NAME : v;
}

/* Parse "a, b, c" into up to DHCP_LEASE_MAXADDR addresses. */
static int
settings_addrs(const char *v, struct in_addr *out)
{
	char	*copy = xstrdup(v), *p = copy, *tok;
	int	 n = 0;

	while ((tok = strsep(&p, ", ")) != NULL && n < DHCP_LEASE_MAXADDR)
		if (*tok != '\0' && nb_ip_parse(tok, &out[n]) == 0)
			n++;
	free(copy);
	return n;
}

/* What policy_build() hands to its callbacks. */
struct build {
	struct policy			*pol;
	const struct policy_conf	*conf;
	size_t				 n;
};

/* A pxe.menu.N item, in position order; a bad one is left out. */
static void
settings_menu_item(struct settings *s, const struct nb_setting_val *v)
{
	struct dhcp_menu_item	 it;
	char			 why[160];
	int			 pos = (int)v->arg, i;

	if (pos < 1 || pos > DHCP_MENU_MAX || s->menu.nitem >= DHCP_MENU_MAX)
		return;
	/* Written past bootctl's check (by hand): left out, with a log line. */
	if (dhcp_pxe_menu_item(v->str, pos, &it, why, sizeof(why)) == -1) {
		log_warnx("%s left out of the PXE menu: %s", v->key, why);
		return;
	}
	for (i = s->menu.nitem; i > 0 && s->menu_pos[i - 1] > pos; i--) {
		s->menu.item[i] = s->menu.item[i - 1];
		s->menu_pos[i] = s->menu_pos[i - 1];
	}
	s->menu.item[i] = it;
	s->menu_pos[i] = (uint8_t)pos;
	s->menu.nitem++;
}

/* pxe.menu.arches: what parses before a bad word (written by hand) stays. */
static void
settings_menu_arches(struct settings *s, const char *v)
{
	memset(s->menu_arch, 0, sizeof(s->menu_arch));
	if (dhcp_pxe_arch_list(v, s->menu_arch, nitems(s->menu_arch)) == -1)
		log_warnx("pxe.menu.arches '%s' is not a list of architecture "
		    "numbers", v);
}

/* arch.oui.XXXXXX: the table's row took only 6 hex digits, in v->arg. */
static void
settings_oui(struct settings *s, const struct nb_setting_val *v)
{
	if (s->noui == PXEDHCPD_MAXOUI) {
		log_warnx("more than %d arch.oui settings: %s ignored",
		    PXEDHCPD_MAXOUI, v->key);
		return;
	}
	s->oui[s->noui].oui[0] = (uint8_t)(v->arg >> 16);
	s->oui[s->noui].oui[1] = (uint8_t)(v->arg >> 8);
	s->oui[s->noui].oui[2] = (uint8_t)v->arg;
	s->oui[s->noui++].arch = (uint16_t)v->num;
}

/* bootloader.N: a default counts only if its file is there. */
static void
settings_loader(struct build *b, const struct nb_setting_val *v)
{
	struct settings	*s = &b->pol->set;

	if (v->arg >= PXEDHCPD_MAXARCH || *v->str == '\0' ||
	    (v->is_default && !policy_loader_present(b->conf->datadir,
	    v->str)))
		return;
	free(s->bootloader[v->arg]);
	s->bootloader[v->arg] = xstrdup(policy_loader_name(v->str));
}

/* One setting into the snapshot: the table parsed it, by its row. */
static int
settings_one(const struct nb_setting_val *v, void *arg)
{
	struct build	*b = arg;
	struct settings	*s = &b->pol->set;

	switch (v->id) {
	case NB_S_UNKNOWN_CLIENTS:
		s->unknown_ignore = v->num == NB_UNKNOWN_IGNORE;
		break;
	case NB_S_PXE_VENDOR_PREFIXES:
		strlcpy(s->prefixes, v->str, sizeof(s->prefixes));
		break;
	case NB_S_PXE_REPLY_DELAY_MS:
		s->delay_ms = (int)v->num;
		break;
	case NB_S_PXE_MENU_ITEM:
		settings_menu_item(s, v);
		break;
	case NB_S_PXE_MENU_PROMPT:
		if (dhcp_pxe_menu_prompt(v->str, NULL, 0) == 0)
			strlcpy(s->menu.prompt, v->str, sizeof(s->menu.prompt));
		break;
	case NB_S_PXE_MENU_TIMEOUT:
		s->menu.timeout = (uint8_t)v->num;
		break;
	case NB_S_PXE_MENU_RPI:
		s->menu_rpi = (int)v->num;
		break;
	case NB_S_PXE_MENU_ARCHES:
		settings_menu_arches(s, v->str);
		break;
	case NB_S_SERVER_ADDRESS:
		s->server = v->addr;
		break;
	case NB_S_BOOTLOADER:
		settings_loader(b, v);
		break;
	case NB_S_OPTION43:
		/* NB_OPT43_* is OPT43_*, -1 (a bad word) auto. */
		if (v->arg < PXEDHCPD_MAXARCH)
			s->opt43[v->arg] = v->num == NB_OPT43_DIRECT ?
			    OPT43_FORCE_DIRECT : v->num == NB_OPT43_NONE ?
			    OPT43_FORCE_NONE : OPT43_AUTO;
		break;
	case NB_S_ARCH_OUI:
		settings_oui(s, v);
		break;
	case NB_S_DHCP6_ENABLED:
		s->dhcp6_on = (int)v->num;
		break;
	case NB_S_DHCP6_POOL:
		s->pool6_on = dhcp6_pool_parse(v->str, s->pool6_lo,
		    s->pool6_hi) == 0;
		break;
	case NB_S_DHCP6_LEASE_TIME:
		s->lease6_time = (uint32_t)v->num;
		break;
	case NB_S_DHCP6_LEASES_PER_MINUTE:
		s->lease6_rate = (uint32_t)v->num;
		break;
	case NB_S_DHCP6_LEASES_PER_MAC:
		s->lease6_per_mac = (uint32_t)v->num;
		break;
	case NB_S_DHCP6_DNS:
		s->ndns6 = MAX(dhcp6_addrs_parse(v->str, s->dns6,
		    PXEDHCPD_MAXDNS6), 0);
		break;
	case NB_S_STATIC_ENABLED:
		s->static_on = (int)v->num;
		break;
	case NB_S_STATIC_OTHERS:
		s->static_proxy = v->num == NB_OTHERS_PROXY;
		break;
	case NB_S_STATIC_NETMASK:
		s->lease.netmask = v->addr;
		break;
	case NB_S_STATIC_ROUTER:
		s->lease.router = v->addr;
		break;
	case NB_S_STATIC_DNS:
		s->lease.ndns = settings_addrs(v->str, s->lease.dns);
		break;
	case NB_S_STATIC_NTP:
		s->lease.nntp = settings_addrs(v->str, s->lease.ntp);
		break;
	case NB_S_STATIC_DOMAIN:
		if (*v->str != '\0')
			s->domain = xstrdup(v->str);
		break;
	case NB_S_STATIC_LEASE_TIME:
		s->lease.lease_time = (uint32_t)v->num;
		break;
	default:	/* read by the other programs */
		break;
	}
	return 0;
}

static void
settings_clear(struct settings *s)
{
	int	 i;

	for (i = 0; i < PXEDHCPD_MAXARCH; i++)
		free(s->bootloader[i]);
	free(s->domain);
	memset(s, 0, sizeof(*s));
}

/* Split "a, b,c" into the prefix table (pointers into set.prefixes). */
static void
policy_prefixes(struct policy *p)
{
	const char	*s, *e;
	size_t		 len;

	for (s = p->set.prefixes; *s != '\0' && p->nprefix < PXEDHCPD_MAXPREFIX;
	    s = *e ? e + 1 : e) {
		while (*s == ' ')
			s++;
		if ((e = strchr(s, ',')) == NULL)
			e = s + strlen(s);
		len = (size_t)(e - s);
		while (len > 0 && s[len - 1] == ' ')
			len--;
		if (len == 0)
			continue;
		p->prefix[p->nprefix].s = s;
		p->prefix[p->nprefix++].len = len;
	}
}

static struct client *
policy_slot(const struct policy *p, const uint8_t mac[6])
{
	size_t	 i;

	for (i = nb_hash(mac, 6) & (p->cap - 1);; i = (i + 1) & (p->cap - 1))
		if (!p->clients[i].used || memcmp(p->clients[i].mac, mac, 6) == 0)
			return &p->clients[i];
}

static int
policy_count(const struct nb_client_policy *nc, void *arg)
{
	((struct build *)arg)->n++;
	return 0;
}

static int
policy_add(const struct nb_client_policy *nc, void *arg)
{
	struct build	*b = arg;
	struct client	*c;
	uint8_t		 mac[6];

	if (nb_mac_parse(nc->mac, mac) == -1)
		return 0;
	c = policy_slot(b->pol, mac);
	if (c->used)
		return 0;
	c->used = 1;
	memcpy(c->mac, mac, 6);
	c->known = (uint8_t)nc->known;
	c->allowed = (uint8_t)nc->allowed;
	c->suspended = (uint8_t)nc->suspended;
	c->next_boot = (uint8_t)nc->next_boot;
	if (nc->ip != NULL)
		nb_ip_parse(nc->ip, &c->ip);
	if (nc->hostname != NULL)
		c->hostname = xstrdup(nc->hostname);
	return 0;
}

/* The clients with a non-default answer, in a table at most half full. */
static int
policy_clients(struct nb_db *db, struct build *b)
{
	int	 rc;

	if ((rc = nb_client_policy_list(db, policy_count, b)) != NB_OK)
		return rc;
	for (b->pol->cap = 64; b->pol->cap < b->n * 2; b->pol->cap *= 2)
		;
	b->pol->clients = xcalloc(b->pol->cap, sizeof(*b->pol->clients));
	/* Rows added since the count (same transaction: none) would only be skipped. */
	return nb_client_policy_list(db, policy_add, b);
}

struct policy *
policy_build(struct nb_db *db, const struct policy_conf *conf, uint32_t gen,
    int *ok)
{
	struct policy	*p = xcalloc(1, sizeof(*p));
	struct build	 b = { p, conf, 0 };

	p->gen = gen;
	*ok = 1;
	if (nb_db_read_begin(db) != NB_OK ||
	    nb_setting_walk(db, settings_one, &b) != NB_OK) {
		log_warnx("reading settings: %s", nb_db_errmsg(db));
		*ok = 0;
	}
	if (conf->prefixes[0] != '\0') {
		if (p->set.prefixes[0] != '\0')
			strlcat(p->set.prefixes, ",", sizeof(p->set.prefixes));
		if (strlcat(p->set.prefixes, conf->prefixes, sizeof(p->set.prefixes)) >=
		    sizeof(p->set.prefixes))
			log_warnx("vendor prefixes longer than %zu bytes: truncated",
			    sizeof(p->set.prefixes));
	}
	p->set.lease.domain = p->set.domain;
	if (policy_clients(db, &b) != NB_OK) {
		log_warnx("reading clients: %s", nb_db_errmsg(db));
		*ok = 0;
	}
	nb_db_read_end(db);
	if (p->clients == NULL) {
		p->cap = 64;
		p->clients = xcalloc(p->cap, sizeof(*p->clients));
	}
	policy_prefixes(p);
	log_debug("policy %u: prefixes %s, unknown clients %s, static mode %s, %zu clients "
	    "with their own answer", gen, p->set.prefixes,
	    p->set.unknown_ignore ? "ignored" : "answered", p->set.static_on ? "on" : "off", b.n);
	return p;
}

const struct client *
policy_client(const struct policy *p, const uint8_t mac[6])
{
	/* An unknown client: discovered (or not yet recorded), allowed, no next boot. */
	static const struct client unknown = { .allowed = 1 };
	const struct client *c = policy_slot(p, mac);

	return c->used ? c : &unknown;
}

int
policy_arch(const struct policy *p, const uint8_t mac[6], int arch)
{
	int	 i;

	/*
	 * Only a client that says "x86 BIOS": the Raspberry Pi bootloader
	 * reports 0 (pxedhcpd(8), PROXY MODE), while a Pi running UEFI
	 * firmware reports its true architecture and keeps it.
	 */
	if (arch != 0)
		return arch;
	for (i = 0; i < p->set.noui; i++)
		if (memcmp(p->set.oui[i].oui, mac, 3) == 0)
			return p->set.oui[i].arch;
	return arch;
}

int
policy_vendor_match(const struct policy *p, const struct dhcp_pkt *pkt)
{
	const uint8_t	*v;
	size_t		 len;
	int		 i;

	if ((v = dhcp_opt_get(pkt, DHO_CLASSID, &len)) == NULL)
		return 0;
	for (i = 0; i < p->nprefix; i++)
		if (p->prefix[i].len <= len && memcmp(v, p->prefix[i].s, p->prefix[i].len) == 0)
			return 1;
	return 0;
}

void
policy_free(struct policy *p)
{
	size_t	 i;

	if (p == NULL)
		return;
	for (i = 0; i < p->cap; i++)
		free(p->clients[i].hostname);
	free(p->clients);
	settings_clear(&p->set);
	free(p);
}
