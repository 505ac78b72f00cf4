/*
 * script.c: the iPXE scripts. /boot.ipxe chains to /boot with iPXE's
 * inventory variables; /boot records that inventory (batched, like every
 * hot-path write) and answers the script this client gets.
 *
 * Which client asks is decided from evidence (bw_ident: neighbour entry,
 * static ip, DHCPv6 lease), never from ?mac=, which is only a claim: a
 * peer verified as Y gets Y's script whatever it claims, and a peer that
 * cannot be verified gets the anonymous script below (no client's command
 * line, no token, nothing recorded or consumed) unless boot.routed = claim.
 * Each script of a recognised client starts a boot: a fresh boot nonce,
 * queued with the inventory, and a token made from it for the capability
 * URLs of that client (netboot(7) TRUST MODEL).
 *
 * What each client gets is nb_boot_decide()'s table (libnetboot/boot.c),
 * shared with tftpd's GRUB configuration for Secure Boot; in front of it,
 * a database read error gets the local disk (logged).
 *
 * An image script carries the menu after it: a kernel or initrd that fails
 * to load lands in the menu instead of a dead end.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "boot.h"
#include "bootweb.h"
#include "tmpl.h"
#include "xmalloc.h"

#define SEEN_MAX	4096	/* queued inventory reports (coalesced per MAC) */
#define INV_MAXLEN	256	/* one inventory value */

/* A string literal into an evbuffer, without printf's parsing (scripts are mostly constant text). */
#define ADD_LIT(evb, s)	evbuffer_add((evb), (s), sizeof(s) - 1)

/*
 * The inventory iPXE reports, by the query key it arrives under: SMBIOS
 * (uuid to asset), firmware and build, memory in MiB, the first NIC's
 * address and chip, the CPU's vendor and model (iPXE builds with
 * CPUID_SETTINGS; without, they are empty and not recorded). iPXE's
 * settings are listed at https://ipxe.org/cfg.
 */
const struct script_inv script_inv[] = {
	{ "uuid", "uuid", 1 },
	{ "serial", "serial", 0 },
	{ "manufacturer", "manufacturer", 0 },
	{ "product", "product", 0 },
	{ "platform", "platform", 0 },
	{ "buildarch", "buildarch", 0 },
	{ "memsize", "memsize", 1 },
	{ "asset", "asset", 0 },
	{ "ip", "net0/ip", 1 },
	{ "chip", "net0/chip", 0 },
	{ "cpuvendor", "cpuvendor", 0 },
	{ "cpumodel", "cpumodel", 0 },
};
const size_t script_ninv = sizeof(script_inv) / sizeof(script_inv[0]);

int
script_boot_ipxe(struct bw_req *r, const char *rest)
{
	struct evbuffer	*evb = evbuffer_new();
	char		 nmac[NB_MACSTR_LEN];

	/* Built once per server URL (cache.c); the reply references it, copying nothing. */
	if (evb == NULL || evbuffer_add_buffer_reference(evb,
	    cache_site(r->bw, r->server_url)->boot_ipxe) == -1)
		fatalx("%s: out of memory", __func__);
	nb_evq_push(r->bw->d->evq, bw_neigh_mac(r->ip, nmac) == 0 ? nmac : NULL,
	    "http-boot-ipxe", r->ip, "served /boot.ipxe");
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
	return 0;
}

/*
 * Queue the inventory and the boot nonce for the next batched write,
 * replacing a report not yet written; -1 if the queue is full.
 */
static int
seen_queue(struct bootweb *bw, const char *mac, const char *uuid, const char *ip, json_t *inv,
    const uint8_t nonce[NB_NONCE_LEN])
{
	struct bw_seen	*s;

	TAILQ_FOREACH(s, &bw->seen, entry)
		if (strcmp(s->mac, mac) == 0)
			break;
	if (s == NULL) {
		if (bw->nseen >= SEEN_MAX) {
			json_decref(inv);
			log_warnx("inventory queue full, dropping %s", mac);
			return -1;
		}
		s = xcalloc(1, sizeof(*s));
		strlcpy(s->mac, mac, sizeof(s->mac));
		TAILQ_INSERT_TAIL(&bw->seen, s, entry);
		bw->nseen++;
	} else {
		free(s->uuid);
		json_decref(s->inventory);
	}
	s->uuid = uuid ? xstrdup(uuid) : NULL;
	if (ip != NULL)		/* NULL (not from the neighbour table) keeps one queued before */
		strlcpy(s->ip, ip, sizeof(s->ip));
	s->inventory = inv;
	memcpy(s->nonce, nonce, NB_NONCE_LEN);
	s->has_nonce = 1;
	return 0;
}

int
script_nonce(struct bootweb *bw, const char *mac, uint8_t nonce[NB_NONCE_LEN])
{
	struct bw_seen	*s;

	/* The queue first: a boot not yet written is the current one. */
	TAILQ_FOREACH(s, &bw->seen, entry) {
		if (strcmp(s->mac, mac) == 0 && s->has_nonce) {
			memcpy(nonce, s->nonce, NB_NONCE_LEN);
			return NB_OK;
		}
	}
	/* Then what went to the write queue but is not written yet. */
	if (nb_wq_nonce_pending(bw->d->evq, mac, nonce))
		return NB_OK;
	return nb_boot_nonce_get(bw->d->db, mac, nonce);
}

void
script_flush_seen(struct bootweb *bw)
{
	struct bw_seen	*s;

	/* To the write queue: its thread writes, the loop never waits. */
	while ((s = TAILQ_FIRST(&bw->seen)) != NULL) {
		TAILQ_REMOVE(&bw->seen, s, entry);
		nb_wq_inventory(bw->d->evq, s->mac, s->uuid,
		    s->ip[0] != '\0' ? s->ip : NULL, s->inventory);
		if (s->has_nonce)
			nb_wq_nonce(bw->d->evq, s->mac, s->nonce);
		free(s->uuid);
		json_decref(s->inventory);
		explicit_bzero(s->nonce, sizeof(s->nonce));
		free(s);
	}
	bw->nseen = 0;
}

/* Whether booting image for c starts an unattended install (a template). */
static int
installs(void *arg, const struct nb_client *c, const char *image)
{
	const struct nb_image	*img = cache_image(arg, image, NULL);

	return c->tmpl != NULL || (img != NULL && img->tmpl != NULL);
}

/* nb_boot_decide() over the cached settings. */
static void
decide(struct bootweb *bw, const struct nb_client *c, int found,
    struct nb_boot_decision *dc)
{
	struct nb_boot_policy	 bp;

	bp.unknown_clients = cache_setting(bw, NB_S_UNKNOWN_CLIENTS);
	bp.default_action = cache_setting(bw, NB_S_DEFAULT_ACTION);
	bp.default_image = cache_setting(bw, NB_S_DEFAULT_IMAGE);
	bp.installs = installs;
	bp.arg = bw;
	nb_boot_decide(&bp, c, found, dc);
}

/* A rendered cmdline on one line: iPXE reads the script line by line. */
static void
oneline(char *s)
{
	for (; *s != '\0'; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

static const char *
basename_of(const char *url)
{
	const char	*p = strrchr(url, '/');

	return p ? p + 1 : url;
}

/* The arguments that hand the unattended URL to the installer, or NULL. */
static const char *
wire_args(struct bootweb *bw, const struct nb_client *c,
    const struct nb_image *img)
{
	return nb_boot_wire(cache_kind(bw, c->tmpl ? c->tmpl : img->tmpl),
	    img->kind, img->cmdline);
}

/* The label of one image (ij: its template data): its kernel, initrds and rendered cmdline, or why not. */
static void
script_image(struct bw_req *r, struct evbuffer *evb, const struct nb_client *c,
    const struct nb_image *img, json_t *ij, json_t *ctx)
{
	json_t		*urls, *u, *kurl;
	char		 err[256], *cmdline;
	const char	*base, *wire, *uurl;
	size_t		 i;

	json_object_set(ctx, "image", ij);
	/* The capability prefix: only a recognised client's context has one. */
	base = json_string_value(json_object_get(ctx, "client_url"));
	if (c->tmpl == NULL) {
		json_object_del(ctx, "unattended_url");
		if (base != NULL &&
		    (u = cache_unattended_url(r->bw, base, img->tmpl)) != NULL)
			json_object_set_new(ctx, "unattended_url", u);
	}
	evbuffer_add_printf(evb, ":img-%s\necho netboot: booting %s\n", img->name, img->name);
	kurl = json_object_get(ij, "kernel_url");
	urls = json_object_get(ij, "initrd_urls");
	if (strcmp(img->kind, "sanboot") == 0 || (img->kernel == NULL && img->iso_path != NULL)) {
		evbuffer_add_printf(evb, "sanboot --no-describe %s/iso/%s.iso || goto failed\n",
		    r->server_url, img->name);
		return;
	}
	if (kurl == NULL) {
		evbuffer_add_printf(evb, "echo netboot: image %s has no kernel\ngoto failed\n",
		    img->name);
		return;
	}
	if (strcmp(img->kind, "chain") == 0) {
		evbuffer_add_printf(evb, "chain --autofree %s || goto failed\n",
		    strncmp(img->kernel, "http://", 7) == 0 || strncmp(img->kernel, "https://", 8) == 0 ?
		    img->kernel : json_string_value(kurl));
		return;
	}
	cmdline = nb_tmpl_render_as(img->cmdline ? img->cmdline : "", ctx,
	    NB_TMPL_ESC_CMDLINE, NULL, err, sizeof(err));
	if (cmdline == NULL) {
		oneline(err);
		evbuffer_add_printf(evb, "echo netboot: the cmdline of %s "
		    "does not render: %s%s\ngoto failed\n", img->name, err,
		    base == NULL ? " (unattended URLs are given to recognised "
		    "clients only)" : "");
		return;
	}
	oneline(cmdline);
	evbuffer_add_printf(evb, "kernel %s", json_string_value(kurl));
	/* UEFI: the kernel's EFI stub loads the initrds iPXE names on its command line. */
	if (strcmp(img->kind, "windows") != 0)
		json_array_foreach(urls, i, u)
			evbuffer_add_printf(evb, " initrd=%s", basename_of(json_string_value(u)));
	evbuffer_add_printf(evb, "%s%s", *cmdline ? " " : "", cmdline);
	uurl = json_string_value(json_object_get(ctx, "unattended_url"));
	if (uurl != NULL && (wire = wire_args(r->bw, c, img)) != NULL)
		evbuffer_add_printf(evb, " %s%s", wire, uurl);
	ADD_LIT(evb, " || goto failed\n");
	json_array_foreach(urls, i, u)
		evbuffer_add_printf(evb, "initrd %s%s%s || goto failed\n", json_string_value(u),
		    strcmp(img->kind, "windows") == 0 ? " " : "",
		    strcmp(img->kind, "windows") == 0 ? basename_of(json_string_value(u)) : "");
	ADD_LIT(evb, "boot || goto failed\n");
	free(cmdline);
}

struct menu {
	struct bw_req		*r;
	struct bw_site		*site;
	struct evbuffer		*items;
	struct evbuffer		*labels;
	const struct nb_client	*c;
	json_t			*ctx;
	const char		*want;	/* menu.default */
	int			 found_default;
};

/* The items and labels of the images (tools 0) or of the tools (tools 1), in name order. */
static void
menu_images(struct menu *m, int tools)
{
	struct bw_cache		*cache = &m->r->bw->cache;
	const struct nb_image	*img;
	size_t			 i;

	for (i = 0; i < cache->nimages; i++) {
		img = &cache->images[i];
		if ((strcmp(img->kind, "tool") == 0) != tools)
			continue;
		evbuffer_add_printf(m->items, "item img-%s %s", img->name, img->name);
		if (img->distro != NULL)
			evbuffer_add_printf(m->items, " (%s%s%s)", img->distro,
			    img->version ? " " : "", img->version ? img->version : "");
		evbuffer_add(m->items, "\n", 1);
		script_image(m->r, m->labels, m->c, img, json_array_get(m->site->images, i), m->ctx);
		if (m->want != NULL && strcmp(m->want, img->name) == 0)
			m->found_default = 1;
	}
}

/* The menu, its labels, and the local-disk, shell and failure labels every script ends with. */
static void
script_menu(struct bw_req *r, struct evbuffer *evb, const struct nb_client *c, json_t *ctx)
{
	struct menu	 m = { .r = r, .c = c, .ctx = ctx };
	const char	*def = cache_setting(r->bw, NB_S_MENU_DEFAULT);
	long long	 secs = cache_setting_num(r->bw, NB_S_MENU_TIMEOUT);

	m.site = cache_site(r->bw, r->server_url);
	m.items = evbuffer_new();
	m.labels = evbuffer_new();
	m.want = def;
	menu_images(&m, 0);
	if (evbuffer_get_length(m.items) > 0) {
		ADD_LIT(evb, "item --gap Images\n");
		evbuffer_add_buffer(evb, m.items);
	}
	menu_images(&m, 1);
	if (evbuffer_get_length(m.items) > 0) {
		ADD_LIT(evb, "item --gap Tools\n");
		evbuffer_add_buffer(evb, m.items);
	}
	ADD_LIT(evb, "item --gap Other\n"
	    "item local Boot from local disk\n"
	    "item shell iPXE shell\n");
	/* menu.default names an image, or local, or shell; anything else means local. */
	if (def != NULL && m.found_default)
		evbuffer_add_printf(evb, "choose --default img-%s", def);
	else
		evbuffer_add_printf(evb, "choose --default %s",
		    def != NULL && strcmp(def, "shell") == 0 ? "shell" : "local");
	if (secs > 0)
		evbuffer_add_printf(evb, " --timeout %lld", secs * 1000);
	ADD_LIT(evb, " target && goto ${target} || goto local\n");
	evbuffer_add_buffer(evb, m.labels);
	ADD_LIT(evb, ":local\n"
	    "echo netboot: booting from local disk\n"
	    "iseq ${platform} efi && exit ||\n"
	    "sanboot --no-describe --drive 0x80 || exit\n"
	    ":shell\n"
	    "shell\n"
	    "goto menu\n"
	    ":failed\n"
	    "echo netboot: boot failed, back to the menu\n"
	    "prompt --timeout 5000 Press any key || goto menu\n"
	    "goto menu\n");
	evbuffer_free(m.items);
	evbuffer_free(m.labels);
}

/* The inventory object from the query, bounded; NULL if the query is malformed. */
static json_t *
inventory(struct evkeyvalq *q)
{
	json_t		*inv = json_object();
	const char	*v;
	size_t		 i;

	for (i = 0; i < script_ninv; i++) {
		if ((v = evhttp_find_header(q, script_inv[i].key)) == NULL ||
		    *v == '\0')
			continue;
		/* json_stringn refuses text that is not UTF-8 */
		if (strlen(v) > INV_MAXLEN || json_object_set_new(inv,
		    script_inv[i].key, json_stringn(v, strlen(v))) != 0) {
			json_decref(inv);
			return NULL;
		}
	}
	return inv;
}

/* The local-disk script and nothing else. */
static void
script_local(struct evbuffer *evb)
{
	ADD_LIT(evb, ":local\n"
	    "echo netboot: booting from local disk\n"
	    "iseq ${platform} efi && exit ||\n"
	    "sanboot --no-describe --drive 0x80 || exit\n");
}

/* The database could not say who this is: the local disk, and why. */
static void
script_refuse(struct bw_req *r, const char *mac, const char *what)
{
	struct evbuffer	*evb = evbuffer_new();
	struct nb_db	*db = r->bw->d->db;

	log_warnx("%s: %s: %s; serving the local disk", mac ? mac : r->ip, what,
	    nb_db_errmsg(db));
	nb_evq_push(r->bw->d->evq, mac, "http-script", r->ip,
	    "local disk (%s failed)", what);
	ADD_LIT(evb, "#!ipxe\n# netboot: the database could not be read\n"
	    "goto local\n");
	script_local(evb);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
}

/*
 * Build and send the script for c (found: it has a row; token: its
 * capability token, NULL for an anonymous peer); returns the one-time
 * action to clear, written after the reads end.
 */
static enum nb_next_boot
script_respond(struct bw_req *r, struct nb_client *c, int found,
    const char *token)
{
	struct bootweb		*bw = r->bw;
	struct nb_boot_decision dc;
	const struct nb_image	*img = NULL, *cimg;
	struct evbuffer		*evb = evbuffer_new();
	json_t			*ctx, *u;
	const char		*name = c->name;
	const char		*who = c->mac[0] ? c->mac : "unverified peer";
	const char		*base;
	size_t			 ci;

	decide(bw, c, found, &dc);
	if (dc.act == NB_BOOT_IMAGE &&
	    (img = cache_image(bw, dc.image, NULL)) == NULL) {
		snprintf(dc.why, sizeof(dc.why), "image %s is missing", dc.image);
		dc.act = NB_BOOT_MENU;
	}
	evbuffer_add_printf(evb, "#!ipxe\n# netboot: %s%s%s: %s\n", who, name ? " " : "",
	    name ? name : "", dc.why);
	switch (dc.act) {
	case NB_BOOT_LOCAL:
		ADD_LIT(evb, "goto local\n");
		break;
	case NB_BOOT_SHELL:
		ADD_LIT(evb, "goto shell\n");
		break;
	case NB_BOOT_IMAGE:
		evbuffer_add_printf(evb, "goto img-%s\n", img->name);
		break;
	case NB_BOOT_MENU:
		break;
	}
	if (dc.act == NB_BOOT_LOCAL) {
		/* Denied or ignored: nothing but the local disk, not even the menu. */
		script_local(evb);
	} else {
		/* nb_tmpl_context() from the cache: the same data, no query. */
		cimg = cache_image(bw, c->image, &ci);
		ctx = nb_tmpl_context_parts(c, r->server_url, token,
		    cimg == NULL ? NULL : json_array_get(cache_site(bw,
		    r->server_url)->images, ci), NULL, bw->cache.settings);
		/* The token's URL prefix, as the context has made it. */
		base = json_string_value(json_object_get(ctx, "client_url"));
		if (base != NULL && (u = cache_unattended_url(bw, base,
		    c->tmpl ? c->tmpl : cimg ? cimg->tmpl : NULL)) != NULL)
			json_object_set_new(ctx, "unattended_url", u);
		evbuffer_add_printf(evb, ":menu\nmenu netboot: %s%s%s\n", c->mac[0] ? c->mac : "menu",
		    name ? " " : "", name ? name : "");
		script_menu(r, evb, c, ctx);
		json_decref(ctx);
	}
	nb_evq_push(r->bw->d->evq, c->mac[0] ? c->mac : NULL, "http-script", r->ip,
	    "%s%s%s (%s)",
	    dc.act == NB_BOOT_IMAGE ? "image " :
	    dc.act == NB_BOOT_MENU ? "menu" :
	    dc.act == NB_BOOT_LOCAL ? "local disk" : "shell",
	    dc.act == NB_BOOT_IMAGE ? img->name : "", "", dc.why);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
	return dc.clear;
}

/*
 * Who asks, from evidence; with boot.routed = claim, a peer without any is
 * believed (documented as spoofable). NB_OK, NB_NOTFOUND (anonymous) or
 * an error. A claim that evidence contradicts is logged.
 */
static int
script_who(struct bw_req *r, const char *claimed)
{
	int	 rc;

	bw_neigh_refresh();
	if ((rc = bw_ident(r)) == NB_NOTFOUND &&
	    cache_setting_num(r->bw, NB_S_BOOT_ROUTED) == NB_ROUTED_CLAIM) {
		strlcpy(r->mac, claimed, sizeof(r->mac));
		r->how = NB_IDENT_CLAIM;
		return NB_OK;
	}
	if (rc == NB_OK && strcmp(r->mac, claimed) != 0) {
		log_info("%s claimed %s but is %s (%s): serving %s's script",
		    r->ip, claimed, r->mac, nb_ident_name(r->how), r->mac);
		nb_evq_push(r->bw->d->evq, r->mac, "http-claim", r->ip,
		    "claimed %s in /boot; is %s by its %s", claimed, r->mac,
		    nb_ident_name(r->how));
	}
	return rc;
}

/*
 * A new boot of a recognised client: a fresh nonce, queued with the
 * inventory, and the token made from it; -1 if there can be no token.
 */
static int
script_boot(struct bw_req *r, const char *uuid, json_t *inv,
    char tok[NB_TOKEN_STRLEN])
{
	struct bootweb	*bw = r->bw;
	uint8_t		 nonce[NB_NONCE_LEN];
	const char	*ip;
	long long	 secs = cache_setting_num(bw, NB_S_TOKEN_LIFETIME);
	int		 rc = NB_OK;

	arc4random_buf(nonce, sizeof(nonce));
	/*
	 * last_ip only from the neighbour table: a static or claimed
	 * identity proves nothing about the address.
	 */
	ip = r->how == NB_IDENT_NEIGH && !strchr(r->ip, ':') ? r->ip : NULL;
	/* A full queue: this boot keeps the last one's nonce. */
	if (seen_queue(bw, r->mac, uuid, ip, inv, nonce) == -1)
		rc = script_nonce(bw, r->mac, nonce);
	if (rc != NB_OK || !bw->cache.has_key) {
		log_warnx("%s: no token for this boot: %s", r->mac,
		    rc != NB_OK ? nb_db_errmsg(bw->d->db) : "no token key");
		explicit_bzero(nonce, sizeof(nonce));
		return -1;
	}
	nb_token_make_keyed(&bw->cache.hkey, r->mac, nonce,
	    nb_now() + (secs ? secs : NB_TOKEN_LIFETIME), tok);
	explicit_bzero(nonce, sizeof(nonce));
	return 0;
}

int
script_client(struct bw_req *r, const char *rest)
{
	struct nb_db		*db = r->bw->d->db;
	struct evkeyvalq	 q;
	struct nb_client	 c;
	const char		*mac, *uuid;
	char			 claimed[NB_MACSTR_LEN];
	char			 tok[NB_TOKEN_STRLEN];
	json_t			*inv;
	enum nb_next_boot	 clear;
	int			 rc, havetok, code = 0;

	TAILQ_INIT(&q);
	nb_client_init(&c);
	if (r->query == NULL || evhttp_parse_query_str(r->query, &q) == -1) {
		code = bw_fail(r, 400, "usage: /boot?mac=MAC[&uuid=...]");
		goto done;
	}
	if ((mac = evhttp_find_header(&q, "mac")) == NULL ||
	    nb_mac_canon(mac, claimed) == -1) {
		code = bw_fail(r, 400,
		    "a MAC is needed: /boot?mac=aa:bb:cc:dd:ee:ff");
		goto done;
	}
	if ((inv = inventory(&q)) == NULL) {
		code = bw_fail(r, 400, "an inventory value is longer than %d "
		    "bytes or not UTF-8", INV_MAXLEN);
		goto done;
	}
	if ((rc = script_who(r, claimed)) == NB_NOTFOUND) {
		/* Nobody we can vouch for: the anonymous script. */
		json_decref(inv);
		script_respond(r, &c, 0, NULL);
		goto done;
	}
	if (rc != NB_OK) {
		json_decref(inv);
		script_refuse(r, NULL, "finding the client at this address");
		goto done;
	}
	/* Settings and images come from the cache: one query. */
	rc = nb_client_get(db, r->mac, &c);
	if (rc != NB_OK && rc != NB_NOTFOUND) {
		json_decref(inv);
		script_refuse(r, r->mac, "reading the client");
		goto done;
	}
	strlcpy(c.mac, r->mac, sizeof(c.mac));
	uuid = evhttp_find_header(&q, "uuid");
	havetok = script_boot(r, uuid && *uuid ? uuid : NULL, inv, tok) == 0;
	clear = script_respond(r, &c, rc == NB_OK, havetok ? tok : NULL);
	explicit_bzero(tok, sizeof(tok));
	if (clear != NB_NEXT_NONE)
		nb_wq_next_boot_done(r->bw->d->evq, c.mac, clear);
 done:
	nb_client_clear(&c);
	evhttp_clear_headers(&q);
	return code;
}
