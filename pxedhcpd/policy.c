/*
 * policy.c: what the database says. Settings and client rows are read
 * once and kept in memory; PRAGMA data_version tells when another process
 * (bootctl, bootweb, our own writer thread) committed, and only then are
 * settings re-read and cached clients marked stale (DESIGN §3: never poll
 * whole tables).
 */
#include "config.h"

#include <sys/stat.h>

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

#define POLICY_CAP	65536		/* cached clients (power of two) */

static int
settings_num(const char *v)
{
	return (int)strtonum(v, 0, 1000000, NULL);
}

/* A default bootloader counts only if the file is there (ipxe package or data dir). */
static int
policy_loader_present(const struct pxedhcpd *x, const char *file)
{
	char		 path[2048];
	struct stat	 st;

	snprintf(path, sizeof(path), "%s/%s", IPXE_DIR, file);
	if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
		return 1;
	snprintf(path, sizeof(path), "%s/%s", x->datadir, file);
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
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

static int
settings_one(const char *key, const char *v, int is_default, void *arg)
{
	struct pxedhcpd	*x = arg;
	struct settings	*s = &x->set;
	const char	*errstr;
	int		 arch;

	if (strcmp(key, "unknown_clients") == 0)
		s->unknown_ignore = strcmp(v, "ignore") == 0;
	else if (strcmp(key, "pxe.vendor_prefixes") == 0)
		strlcpy(s->prefixes, v, sizeof(s->prefixes));
	else if (strcmp(key, "pxe.reply_delay_ms") == 0)
		s->delay_ms = settings_num(v);
	else if (strcmp(key, "server_address") == 0)
		nb_ip_parse(v, &s->server);
	else if (strncmp(key, "bootloader.", 11) == 0) {
		arch = (int)strtonum(key + 11, 0, PXEDHCPD_MAXARCH - 1, &errstr);
		if (errstr == NULL && *v != '\0' && (!is_default || policy_loader_present(x, v)))
			s->bootloader[arch] = xstrdup(v);
	} else if (strncmp(key, "option43.", 9) == 0) {
		arch = (int)strtonum(key + 9, 0, PXEDHCPD_MAXARCH - 1, &errstr);
		if (errstr == NULL)
			s->opt43[arch] = strcmp(v, "direct") == 0 ? OPT43_FORCE_DIRECT :
			    strcmp(v, "none") == 0 ? OPT43_FORCE_NONE : OPT43_AUTO;
	} else if (strcmp(key, "static.enabled") == 0)
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

static void
prefix_add(const char *v, void *arg)
{
	struct settings	*s = arg;

	if (s->prefixes[0] != '\0')
		strlcat(s->prefixes, ",", sizeof(s->prefixes));
	if (strlcat(s->prefixes, v, sizeof(s->prefixes)) >= sizeof(s->prefixes))
		log_warnx("vendor prefixes longer than %zu bytes: truncated", sizeof(s->prefixes));
}

static void
policy_settings(struct pxedhcpd *x)
{
	settings_clear(&x->set);
	if (nb_setting_list(x->d->db, settings_one, x) != NB_OK)
		log_warnx("reading settings: %s", nb_db_errmsg(x->d->db));
	nb_conf_foreach(x->d->conf, "pxedhcpd", "vendor_prefix", prefix_add, &x->set);
	x->set.lease.domain = x->set.domain;
	log_debug("settings: prefixes %s, unknown clients %s, static mode %s", x->set.prefixes,
	    x->set.unknown_ignore ? "ignored" : "answered", x->set.static_on ? "on" : "off");
}

static void
policy_reset(struct pxedhcpd *x)
{
	size_t	 i;

	if (x->clients == NULL)
		x->clients = xcalloc(POLICY_CAP, sizeof(*x->clients));
	for (i = 0; i < POLICY_CAP; i++)
		free(x->clients[i].hostname);
	memset(x->clients, 0, POLICY_CAP * sizeof(*x->clients));
	x->nclients = 0;
}

void
policy_refresh(struct pxedhcpd *x, int force)
{
	int64_t	 v = nb_db_data_version(x->d->db);

	if (!force && v == x->data_version)
		return;
	x->data_version = v;
	x->gen++;
	policy_settings(x);
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

static void
policy_load(struct pxedhcpd *x, struct client *c)
{
	struct nb_client nc;
	char		 mac[NB_MACSTR_LEN];
	int		 rc;

	free(c->hostname);
	c->hostname = NULL;
	c->indb = c->known = c->suspended = 0;
	c->allowed = 1;
	c->next_boot = NB_NEXT_NONE;
	c->ip.s_addr = 0;
	c->gen = x->gen;
	nb_mac_format(c->mac, mac);
	nb_client_init(&nc);
	if ((rc = nb_client_get(x->d->db, mac, &nc)) == NB_OK) {
		c->indb = 1;
		c->known = nc.known;
		c->allowed = nc.allowed;
		c->suspended = nc.suspended;
		c->next_boot = (uint8_t)nc.next_boot;
		if (nc.ip != NULL)
			nb_ip_parse(nc.ip, &c->ip);
		if (nc.hostname != NULL)
			c->hostname = xstrdup(nc.hostname);
	} else if (rc != NB_NOTFOUND)
		log_warnx("reading client %s: %s", mac, nb_db_errmsg(x->d->db));
	nb_client_clear(&nc);
}

struct client *
policy_client(struct pxedhcpd *x, const uint8_t mac[6])
{
	struct client	*c;
	size_t		 i;

	if (x->clients == NULL || x->nclients >= POLICY_CAP / 4 * 3)
		policy_reset(x);
	for (i = mac_hash(mac) & (POLICY_CAP - 1);; i = (i + 1) & (POLICY_CAP - 1)) {
		c = &x->clients[i];
		if (!c->used) {
			c->used = 1;
			memcpy(c->mac, mac, 6);
			x->nclients++;
			policy_load(x, c);
			return c;
		}
		if (memcmp(c->mac, mac, 6) == 0)
			break;
	}
	if (c->gen != x->gen)
		policy_load(x, c);
	return c;
}

void
policy_free(struct pxedhcpd *x)
{
	if (x->clients != NULL)
		policy_reset(x);
	free(x->clients);
	x->clients = NULL;
	settings_clear(&x->set);
}
