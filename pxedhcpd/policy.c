/*
 * policy.c: what the database says, as one immutable snapshot. Settings
 * and the few clients whose answer is not the default one (known, denied,
 * suspended, with a next boot or a static address) are read in one read
 * transaction by the recorder thread, which notices commits of other
 * processes through PRAGMA data_version (DESIGN §3: never poll whole
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
#include "pxedhcpd.h"
#include "xmalloc.h"

static int
settings_num(const char *v)
{
	return (int)strtonum(v, 0, 1000000, NULL);
}

static int
settings_hex(char c)
{
	return c >= 'a' ? c - 'a' + 10 : c - '0';
}

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

/* pxe.menu.*: the prompt, timeout, arches, Raspberry Pi profile, and the items in position order. */
static void
settings_menu(struct settings *s, const char *key, const char *v)
{
	struct dhcp_menu_item	 it;
	const char		*why;
	int			 pos, i;

	if (strcmp(key, "pxe.menu.prompt") == 0) {
		if (dhcp_pxe_menu_prompt(v) == NULL)
			strlcpy(s->menu.prompt, v, sizeof(s->menu.prompt));
	} else if (strcmp(key, "pxe.menu.timeout") == 0)
		s->menu.timeout = (uint8_t)strtonum(v, 0, 255, NULL);
	else if (strcmp(key, "pxe.menu.rpi") == 0)
		s->menu_rpi = strcmp(v, "yes") == 0;
	else if (strcmp(key, "pxe.menu.arches") == 0) {
		/* Written past bootctl's check: what parses before the bad word stays. */
		memset(s->menu_arch, 0, sizeof(s->menu_arch));
		if (dhcp_pxe_arch_list(v, s->menu_arch, nitems(s->menu_arch)) == -1)
			log_warnx("pxe.menu.arches '%s' is not a list of architecture "
			    "numbers", v);
	} else if ((pos = (int)strtonum(key + 9, 1, DHCP_MENU_MAX, NULL)) > 0 &&
	    s->menu.nitem < DHCP_MENU_MAX) {
		/* Written past bootctl's check (by hand in the database): left out, with a log line. */
		if ((why = dhcp_pxe_menu_item(v, pos, &it)) != NULL) {
			log_warnx("%s left out of the PXE menu: %s", key, why);
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
}

/* What policy_build() hands to its callbacks. */
struct build {
	struct policy			*pol;
	const struct policy_conf	*conf;
	size_t				 n;
};

static int
settings_one(const char *key, const char *v, int is_default, void *arg)
{
	struct build	*b = arg;
	struct settings	*s = &b->pol->set;
	const char	*errstr;
	int		 arch;

	if (strcmp(key, "unknown_clients") == 0)
		s->unknown_ignore = strcmp(v, "ignore") == 0;
	else if (strcmp(key, "pxe.vendor_prefixes") == 0)
		strlcpy(s->prefixes, v, sizeof(s->prefixes));
	else if (strcmp(key, "pxe.reply_delay_ms") == 0)
		s->delay_ms = settings_num(v);
	else if (strncmp(key, "pxe.menu.", 9) == 0)
		settings_menu(s, key, v);
	else if (strcmp(key, "server_address") == 0)
		nb_ip_parse(v, &s->server);
	else if (strncmp(key, "bootloader.", 11) == 0) {
		arch = (int)strtonum(key + 11, 0, PXEDHCPD_MAXARCH - 1, &errstr);
		if (errstr == NULL && *v != '\0' &&
		    (!is_default || policy_loader_present(b->conf->datadir, v))) {
			free(s->bootloader[arch]);
			s->bootloader[arch] = xstrdup(policy_loader_name(v));
		}
	} else if (strncmp(key, "option43.", 9) == 0) {
		arch = (int)strtonum(key + 9, 0, PXEDHCPD_MAXARCH - 1, &errstr);
		if (errstr == NULL)
			s->opt43[arch] = strcmp(v, "direct") == 0 ? OPT43_FORCE_DIRECT :
			    strcmp(v, "none") == 0 ? OPT43_FORCE_NONE : OPT43_AUTO;
	} else if (strncmp(key, "arch.oui.", 9) == 0 && strlen(key) == 15) {
		if (s->noui == PXEDHCPD_MAXOUI) {
			log_warnx("more than %d arch.oui settings: %s ignored", PXEDHCPD_MAXOUI,
			    key);
			return 0;
		}
		/* nb_setting_check took only 6 lowercase hex digits: b827eb. */
		for (arch = 0; arch < 3; arch++)
			s->oui[s->noui].oui[arch] = (uint8_t)(settings_hex(key[9 + 2 * arch]) << 4 |
			    settings_hex(key[10 + 2 * arch]));
		s->oui[s->noui++].arch = (uint16_t)strtonum(v, 0, 65535, NULL);
	} else if (strcmp(key, "dhcp6.enabled") == 0)
		s->dhcp6_on = strcmp(v, "yes") == 0;
	else if (strcmp(key, "dhcp6.pool") == 0)
		s->pool6_on = dhcp6_pool_parse(v, s->pool6_lo, s->pool6_hi) == 0;
	else if (strcmp(key, "dhcp6.lease_time") == 0)
		s->lease6_time = (uint32_t)settings_num(v);
	else if (strcmp(key, "dhcp6.leases_per_minute") == 0)
		s->lease6_rate = (uint32_t)settings_num(v);
	else if (strcmp(key, "dhcp6.leases_per_mac") == 0)
		s->lease6_per_mac = (uint32_t)settings_num(v);
	else if (strcmp(key, "dhcp6.dns") == 0)
		s->ndns6 = MAX(dhcp6_addrs_parse(v, s->dns6, PXEDHCPD_MAXDNS6), 0);
	else if (strcmp(key, "static.enabled") == 0)
		s->static_on = strcmp(v, "yes") == 0;
	else if (strcmp(key, "static.others") == 0)
		s->static_proxy = strcmp(v, "proxy") == 0;
	else if (strcmp(key, "static.netmask") == 0)
		nb_ip_parse(v, &s->lease.netmask);
	else if (strcmp(key, "static.router") == 0)
		nb_ip_parse(v, &s->lease.router);
	else if (strcmp(key, "static.dns") == 0)
		s->lease.ndns = settings_addrs(v, s->lease.dns);
	else if (strcmp(key, "static.ntp") == 0)
		s->lease.nntp = settings_addrs(v, s->lease.ntp);
	else if (strcmp(key, "static.domain") == 0 && *v != '\0')
		s->domain = xstrdup(v);
	else if (strcmp(key, "static.lease_time") == 0)
		s->lease.lease_time = (uint32_t)settings_num(v);
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

static uint32_t
mac_hash(const uint8_t mac[6])
{
	uint32_t h = 2166136261u;
	int	 i;

	for (i = 0; i < 6; i++)
		h = (h ^ mac[i]) * 16777619u;
	return h;
}

static struct client *
policy_slot(const struct policy *p, const uint8_t mac[6])
{
	size_t	 i;

	for (i = mac_hash(mac) & (p->cap - 1);; i = (i + 1) & (p->cap - 1))
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
policy_build(struct nb_db *db, const struct policy_conf *conf, uint32_t gen)
{
	struct policy	*p = xcalloc(1, sizeof(*p));
	struct build	 b = { p, conf, 0 };

	p->gen = gen;
	if (nb_db_read_begin(db) != NB_OK ||
	    nb_setting_list(db, settings_one, &b) != NB_OK)
		log_warnx("reading settings: %s", nb_db_errmsg(db));
	if (conf->prefixes[0] != '\0') {
		if (p->set.prefixes[0] != '\0')
			strlcat(p->set.prefixes, ",", sizeof(p->set.prefixes));
		if (strlcat(p->set.prefixes, conf->prefixes, sizeof(p->set.prefixes)) >=
		    sizeof(p->set.prefixes))
			log_warnx("vendor prefixes longer than %zu bytes: truncated",
			    sizeof(p->set.prefixes));
	}
	p->set.lease.domain = p->set.domain;
	if (policy_clients(db, &b) != NB_OK)
		log_warnx("reading clients: %s", nb_db_errmsg(db));
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
	 * reports 0 (smee dhcp.go, PXE-FACTS §10), while a Pi running UEFI
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
