/*
 * script.c: the iPXE scripts. /boot.ipxe chains to /boot with iPXE's
 * inventory variables; /boot records that inventory (batched, like every
 * hot-path write) and answers the script this client gets:
 *
 *   unknown client, unknown_clients = ignore   local disk
 *   denied (allowed = 0) or suspended           local disk
 *   next_boot install                           its image (kept until /done)
 *   next_boot local | menu | shell              that, once (then cleared)
 *   an image and default_action = image         its image
 *   default_action = image, default_image set   that image
 *   default_action = local                      local disk
 *   otherwise                                   the menu
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

#include "bootweb.h"
#include "tmpl.h"
#include "xmalloc.h"

#define SEEN_MAX	4096	/* queued inventory reports (coalesced per MAC) */
#define INV_MAXLEN	256	/* one inventory value */

/* A string literal into an evbuffer, without printf's parsing (scripts are mostly constant text). */
#define ADD_LIT(evb, s)	evbuffer_add((evb), (s), sizeof(s) - 1)

enum action { ACT_IMAGE, ACT_MENU, ACT_LOCAL, ACT_SHELL };

struct decision {
	enum action		 act;
	const char		*image;		/* ACT_IMAGE */
	enum nb_next_boot	 clear;		/* one-time action to clear once served */
	char			 why[128];
};

/* The inventory iPXE reports, by the query key it arrives under. */
const char *const script_inv_keys[] = {
	"uuid", "serial", "manufacturer", "product", "platform", "buildarch",
	"memsize", "asset", "ip",
};
const size_t script_ninv = sizeof(script_inv_keys) / sizeof(script_inv_keys[0]);

void
script_boot_ipxe(struct bw_req *r)
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
}

/* Queue the inventory for the next batched write, replacing one not yet written. */
static void
seen_queue(struct bootweb *bw, const char *mac, const char *uuid, const char *ip, json_t *inv)
{
	struct bw_seen	*s;

	TAILQ_FOREACH(s, &bw->seen, entry)
		if (strcmp(s->mac, mac) == 0)
			break;
	if (s == NULL) {
		if (bw->nseen >= SEEN_MAX) {
			json_decref(inv);
			log_warnx("inventory queue full, dropping %s", mac);
			return;
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
	if (ip != NULL)		/* NULL (an IPv6 peer) keeps an address queued before */
		strlcpy(s->ip, ip, sizeof(s->ip));
	s->inventory = inv;
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
		free(s->uuid);
		json_decref(s->inventory);
		free(s);
	}
	bw->nseen = 0;
}

/* The decision table at the top of this file. */
static void
decide(struct bootweb *bw, const struct nb_client *c, int found, struct decision *dc)
{
	const char	*unknown = cache_setting(bw, "unknown_clients");
	const char	*action = cache_setting(bw, "default_action");
	const char	*defimg = cache_setting(bw, "default_image");

	memset(dc, 0, sizeof(*dc));
	dc->act = ACT_MENU;
	if ((!found || !c->known) && unknown != NULL && strcmp(unknown, "ignore") == 0) {
		dc->act = ACT_LOCAL;
		snprintf(dc->why, sizeof(dc->why), "unknown client, unknown_clients ignore");
	} else if (found && (!c->allowed || c->suspended)) {
		dc->act = ACT_LOCAL;
		snprintf(dc->why, sizeof(dc->why), "%s", c->allowed ? "suspended" : "denied");
	} else if (found && c->next_boot == NB_NEXT_INSTALL && c->image != NULL) {
		dc->act = ACT_IMAGE;
		dc->image = c->image;
		snprintf(dc->why, sizeof(dc->why), "next_boot install");
	} else if (found && c->next_boot != NB_NEXT_NONE && c->next_boot != NB_NEXT_INSTALL) {
		dc->act = c->next_boot == NB_NEXT_LOCAL ? ACT_LOCAL :
		    c->next_boot == NB_NEXT_SHELL ? ACT_SHELL : ACT_MENU;
		dc->clear = c->next_boot;
		snprintf(dc->why, sizeof(dc->why), "next_boot %s, once",
		    nb_next_boot_name(c->next_boot));
	} else if (action != NULL && strcmp(action, "image") == 0 && found && c->image != NULL) {
		dc->act = ACT_IMAGE;
		dc->image = c->image;
		snprintf(dc->why, sizeof(dc->why), "assigned, default_action image");
	} else if (action != NULL && strcmp(action, "image") == 0 && defimg != NULL) {
		dc->act = ACT_IMAGE;
		dc->image = defimg;
		snprintf(dc->why, sizeof(dc->why), "default_image, default_action image");
	} else if (action != NULL && strcmp(action, "local") == 0) {
		dc->act = ACT_LOCAL;
		snprintf(dc->why, sizeof(dc->why), "default_action local");
	} else
		snprintf(dc->why, sizeof(dc->why), "default_action %s", action ? action : "menu");
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

/* The label of one image (ij: its template data): its kernel, initrds and rendered cmdline, or why not. */
static void
script_image(struct bw_req *r, struct evbuffer *evb, const struct nb_client *c,
    const struct nb_image *img, json_t *ij, json_t *ctx)
{
	json_t		*urls, *u, *kurl;
	char		 err[256], *cmdline;
	size_t		 i;

	json_object_set(ctx, "image", ij);
	if (c->tmpl == NULL) {
		json_object_del(ctx, "unattended_url");
		if ((u = cache_unattended_url(r->bw, c->mac, img->tmpl, r->server_url)) != NULL)
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
	cmdline = nb_tmpl_render(img->cmdline ? img->cmdline : "", ctx, NULL, err, sizeof(err));
	if (cmdline == NULL) {
		oneline(err);
		evbuffer_add_printf(evb, "echo netboot: the cmdline of %s does not render: %s\n"
		    "goto failed\n", img->name, err);
		return;
	}
	oneline(cmdline);
	evbuffer_add_printf(evb, "kernel %s", json_string_value(kurl));
	/* UEFI: the kernel's EFI stub loads the initrds iPXE names on its command line. */
	if (strcmp(img->kind, "windows") != 0)
		json_array_foreach(urls, i, u)
			evbuffer_add_printf(evb, " initrd=%s", basename_of(json_string_value(u)));
	evbuffer_add_printf(evb, "%s%s || goto failed\n", *cmdline ? " " : "", cmdline);
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
	const char	*timeout = cache_setting(r->bw, "menu.timeout");
	const char	*def = cache_setting(r->bw, "menu.default");
	long long	 secs = timeout ? strtonum(timeout, 0, 3600, NULL) : 10;

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
		if ((v = evhttp_find_header(q, script_inv_keys[i])) == NULL || *v == '\0')
			continue;
		if (strlen(v) > INV_MAXLEN || !json_object_set_new(inv, script_inv_keys[i],
		    json_stringn(v, strlen(v))) == 0) {
			json_decref(inv);
			return NULL;
		}
	}
	return inv;
}

/* Build and send the script; returns the one-time action to clear, written after the reads end. */
static enum nb_next_boot
script_respond(struct bw_req *r, struct nb_client *c, int found)
{
	struct bootweb		*bw = r->bw;
	struct decision		 dc;
	const struct nb_image	*img = NULL, *cimg;
	struct evbuffer		*evb = evbuffer_new();
	json_t			*ctx, *u;
	const char		*name = c->name;
	size_t			 ci;

	decide(bw, c, found, &dc);
	if (dc.act == ACT_IMAGE && (img = cache_image(bw, dc.image, NULL)) == NULL) {
		snprintf(dc.why, sizeof(dc.why), "image %s is missing", dc.image);
		dc.act = ACT_MENU;
	}
	evbuffer_add_printf(evb, "#!ipxe\n# netboot: %s%s%s: %s\n", c->mac, name ? " " : "",
	    name ? name : "", dc.why);
	switch (dc.act) {
	case ACT_LOCAL:
		ADD_LIT(evb, "goto local\n");
		break;
	case ACT_SHELL:
		ADD_LIT(evb, "goto shell\n");
		break;
	case ACT_IMAGE:
		evbuffer_add_printf(evb, "goto img-%s\n", img->name);
		break;
	case ACT_MENU:
		break;
	}
	if (dc.act == ACT_LOCAL) {
		/* Denied or ignored: nothing but the local disk, not even the menu. */
		ADD_LIT(evb, ":local\n"
		    "echo netboot: booting from local disk\n"
		    "iseq ${platform} efi && exit ||\n"
		    "sanboot --no-describe --drive 0x80 || exit\n");
	} else {
		/* nb_tmpl_context() from the cache: the same data, no query. */
		cimg = cache_image(bw, c->image, &ci);
		u = cache_unattended_url(bw, c->mac, c->tmpl ? c->tmpl : cimg ? cimg->tmpl : NULL,
		    r->server_url);
		ctx = nb_tmpl_context_parts(c, r->server_url, cimg == NULL ? NULL :
		    json_array_get(cache_site(bw, r->server_url)->images, ci), u,
		    bw->cache.settings);
		json_decref(u);
		evbuffer_add_printf(evb, ":menu\nmenu netboot: %s%s%s\n", c->mac,
		    name ? " " : "", name ? name : "");
		script_menu(r, evb, c, ctx);
		json_decref(ctx);
	}
	nb_evq_push(r->bw->d->evq, c->mac, "http-script", r->ip, "%s%s%s (%s)",
	    dc.act == ACT_IMAGE ? "image " : dc.act == ACT_MENU ? "menu" :
	    dc.act == ACT_LOCAL ? "local disk" : "shell",
	    dc.act == ACT_IMAGE ? img->name : "", "", dc.why);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
	return dc.clear;
}

void
script_client(struct bw_req *r)
{
	struct nb_db		*db = r->bw->d->db;
	struct evkeyvalq	 q;
	struct nb_client	 c;
	const char		*mac, *uuid;
	json_t			*inv;
	enum nb_next_boot	 clear;
	int			 found;

	TAILQ_INIT(&q);
	if (r->query == NULL || evhttp_parse_query_str(r->query, &q) == -1) {
		http_error(r, 400, "usage: /boot?mac=MAC[&uuid=...]");
		goto done;
	}
	nb_client_init(&c);
	if ((mac = evhttp_find_header(&q, "mac")) == NULL || nb_mac_canon(mac, c.mac) == -1) {
		http_error(r, 400, "a MAC is needed: /boot?mac=aa:bb:cc:dd:ee:ff");
		goto done_client;
	}
	if ((inv = inventory(&q)) == NULL) {
		http_error(r, 400, "an inventory value is longer than %d bytes", INV_MAXLEN);
		goto done_client;
	}
	uuid = evhttp_find_header(&q, "uuid");
	/* The clients table keeps IPv4 addresses only: an IPv6 peer leaves last_ip as it was. */
	seen_queue(r->bw, c.mac, uuid && *uuid ? uuid : NULL, strchr(r->ip, ':') ? NULL : r->ip, inv);
	/* Settings and images come from the cache (bw_server_url refreshed it): one query. */
	found = nb_client_get(db, c.mac, &c) == NB_OK;
	clear = script_respond(r, &c, found);
	if (clear != NB_NEXT_NONE)
		nb_wq_next_boot_done(r->bw->d->evq, c.mac, clear);
 done_client:
	nb_client_clear(&c);
	json_decref(c.vars);
	json_decref(c.inventory);
 done:
	evhttp_clear_headers(&q);
}
