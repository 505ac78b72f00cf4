/*
 * cache.c: what every script reads besides the client itself: the
 * settings, the images and the kinds of the templates. Reading them
 * for each request cost ~30 settings queries and an image walk (two
 * thirds of a per-client script's instructions), yet they change only
 * when an operator runs bootctl. So they are kept in memory and rebuilt
 * when PRAGMA data_version says another connection has committed (one
 * prepared statement per request; bootweb's own writes, events, inventory
 * and next-boot clearing, touch none of the cached tables).
 *
 * Other daemons' event writes move data_version too, so during a boot
 * storm the cache is rebuilt at most once per flush of theirs (every
 * 100 ms each), a fraction of a millisecond each time.
 *
 * Per server URL (one for each local address clients reach us at, or the
 * server_address setting) the /boot.ipxe body and the images as
 * templates see them are built on first use and kept with the rest. The
 * token key (table secrets) is kept too: it never changes once made.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "bootweb.h"
#include "tmpl.h"
#include "xmalloc.h"

static char *
dup_or_null(const char *s)
{
	return s ? xstrdup(s) : NULL;
}

/* A deep copy of img into dst (nb_image_list's rows live only for the callback). */
static void
image_copy(struct nb_image *dst, const struct nb_image *img)
{
	size_t	 i;

	nb_image_init(dst);
	dst->name = dup_or_null(img->name);
	dst->kind = dup_or_null(img->kind);
	dst->distro = dup_or_null(img->distro);
	dst->version = dup_or_null(img->version);
	dst->arch = dup_or_null(img->arch);
	dst->kernel = dup_or_null(img->kernel);
	for (i = 0; i < img->ninitrds; i++)
		nb_image_add_initrd(dst, img->initrds[i]);
	dst->cmdline = dup_or_null(img->cmdline);
	dst->iso_path = dup_or_null(img->iso_path);
	dst->iso_sha256 = dup_or_null(img->iso_sha256);
	dst->iso_size = img->iso_size;
	dst->tmpl = dup_or_null(img->tmpl);
	dst->created = img->created;
}

static int
cache_add_image(const struct nb_image *img, void *arg)
{
	struct bw_cache	*c = arg;

	c->images = xreallocarray(c->images, c->nimages + 1, sizeof(*c->images));
	image_copy(&c->images[c->nimages++], img);
	return 0;
}

static int
cache_add_template(const struct nb_template *t, void *arg)
{
	struct bw_cache	*c = arg;

	json_object_set_new(c->kinds, t->name, json_string(t->kind));
	json_object_set_new(c->bodies, t->name, json_string(t->body));
	return 0;
}

/* Where each image's files are (relative to the data directory if inside it). */
static void
cache_files(struct bw_cache *c, const char *datadir)
{
	const struct nb_image	*img;
	const char		*p;
	size_t			 i, j, dlen = strlen(datadir);

	c->files = json_object();
	for (i = 0; i < c->nimages; i++) {
		img = &c->images[i];
		for (j = 0; j <= img->ninitrds; j++) {
			if ((p = j == 0 ? img->kernel : img->initrds[j - 1]) == NULL)
				continue;
			if (p[0] == '/' && strncmp(p, datadir, dlen) == 0 &&
			    p[dlen] == '/')
				p += dlen + 1;
			json_object_set_new(c->files, p, json_string(j == 0 ?
			    "http-kernel" : "http-initrd"));
		}
	}
}

static void
cache_clear_sites(struct bw_cache *c)
{
	size_t	 i;

	for (i = 0; i < c->nsites; i++) {
		if (c->sites[i].boot_ipxe != NULL)
			evbuffer_free(c->sites[i].boot_ipxe);
		json_decref(c->sites[i].images);
	}
	memset(c->sites, 0, sizeof(c->sites));
	c->nsites = c->nextsite = 0;
}

static void
cache_clear(struct bw_cache *c)
{
	size_t	 i;

	cache_clear_sites(c);
	for (i = 0; i < c->nimages; i++)
		nb_image_clear(&c->images[i]);
	free(c->images);
	c->images = NULL;
	c->nimages = 0;
	json_decref(c->settings);
	memset(c->set, 0, sizeof(c->set));
	json_decref(c->kinds);
	json_decref(c->bodies);
	json_decref(c->files);
	c->settings = c->kinds = c->bodies = c->files = NULL;
	explicit_bzero(&c->hkey, sizeof(c->hkey));
	c->has_key = 0;
}

/* The plain settings by row, typed: no lookup by name per request. */
static void
cache_settings(struct bw_cache *c)
{
	const char	*v;
	int		 id;

	for (id = 0; id < NB_S_COUNT; id++) {
		if (nb_setting_def(id)->family != NB_SF_NONE)
			continue;
		v = json_string_value(json_object_get(c->settings,
		    nb_setting_def(id)->name));
		c->set[id] = v != NULL && *v != '\0' ? v : NULL;
		c->num[id] = nb_setting_num(id, c->set[id] != NULL ?
		    c->set[id] : nb_setting_default(id, -1));
	}
}

void
cache_refresh(struct bootweb *bw)
{
	struct bw_cache	*c = &bw->cache;
	struct nb_db	*db = bw->d->db;
	uint8_t		 key[NB_TOKEN_KEYLEN];
	int		 readtx;

	if (!nb_db_changed(db, &c->version) && c->settings != NULL)
		return;
	cache_clear(c);
	/* One snapshot: settings, images and templates that belong together. */
	readtx = nb_db_read_begin(db) == NB_OK;
	c->settings = nb_tmpl_settings(db);
	cache_settings(c);
	c->kinds = json_object();
	c->bodies = json_object();
	if (nb_image_list(db, cache_add_image, c) != NB_OK ||
	    nb_template_list(db, cache_add_template, c) != NB_OK) {
		log_warnx("reading images and templates: %s", nb_db_errmsg(db));
		c->version = -1;	/* try again on the next request */
	}
	if (readtx)
		nb_db_read_end(db);
	cache_files(c, bw->datadir);
	/*
	 * The token key: without it no capability URL is made or accepted.
	 * Its HMAC pads are hashed here, not for every token (9000
	 * instructions a /boot script).
	 */
	if (!(c->has_key = nb_token_key(db, key) == NB_OK)) {
		log_warnx("reading the token key: %s", nb_db_errmsg(db));
		c->version = -1;
	} else
		nb_hmac_key_init(&c->hkey, key, sizeof(key));
	explicit_bzero(key, sizeof(key));
	c->nrefresh++;
	log_debug("%s: %zu images, version %lld", __func__, c->nimages, (long long)c->version);
}

const char *
cache_setting(struct bootweb *bw, enum nb_setting_id id)
{
	return bw->cache.set[id];
}

long long
cache_setting_num(struct bootweb *bw, enum nb_setting_id id)
{
	return bw->cache.num[id];
}

const struct nb_image *
cache_image(struct bootweb *bw, const char *name, size_t *idx)
{
	struct bw_cache	*c = &bw->cache;
	size_t		 lo = 0, hi = c->nimages, mid;
	int		 cmp;

	if (name == NULL)
		return NULL;
	/* nb_image_list walks in name order (SQLite's BINARY collation is strcmp). */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((cmp = strcmp(name, c->images[mid].name)) == 0) {
			if (idx != NULL)
				*idx = mid;
			return &c->images[mid];
		}
		if (cmp < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const char *
cache_kind(struct bootweb *bw, const char *tname)
{
	if (tname == NULL)
		return NULL;
	return json_string_value(json_object_get(bw->cache.kinds, tname));
}

const char *
cache_body(struct bootweb *bw, const char *tname)
{
	if (tname == NULL)
		return NULL;
	return json_string_value(json_object_get(bw->cache.bodies, tname));
}

const char *
cache_file_kind(struct bootweb *bw, const char *rel)
{
	const char	*k = json_string_value(json_object_get(bw->cache.files,
			    rel));

	return k != NULL ? k : "http-file";
}

json_t *
cache_unattended_url(struct bootweb *bw, const char *base, const char *tname)
{
	const char	*kind;

	if ((kind = cache_kind(bw, tname)) == NULL)
		return NULL;
	return nb_tmpl_unattended_url_kind(base, tname, kind);
}

/* The /boot.ipxe body: chain to the per-client script with iPXE's inventory variables. */
static struct evbuffer *
cache_boot_ipxe(const char *server_url)
{
	struct evbuffer	*evb = evbuffer_new();
	size_t		 i;

	if (evb == NULL)
		fatalx("%s: out of memory", __func__);
	evbuffer_add_printf(evb, "#!ipxe\n"
	    "# netboot: hand over to the per-client script with what iPXE knows\n"
	    "chain --autofree %s/boot?mac=${net0/mac}", server_url);
	/*
	 * :uristring only on string settings: iPXE formats the raw value of
	 * a typed one (a MAC's 6 bytes, a UUID's 16, an address's 4), so
	 * ${net0/mac:uristring} is "RT" then a NUL for 52:54:00:...
	 */
	for (i = 0; i < script_ninv; i++)
		evbuffer_add_printf(evb, "&%s=${%s%s}", script_inv[i].key,
		    script_inv[i].var, script_inv[i].raw ? "" : ":uristring");
	evbuffer_add_printf(evb, " ||\n"
	    "echo netboot: %s/boot is unreachable, leaving iPXE\n"
	    "prompt --timeout 5000 Press any key for the iPXE shell && shell ||\n"
	    "exit\n", server_url);
	/* One contiguous chunk: each reply references it instead of copying it. */
	evbuffer_pullup(evb, -1);
	return evb;
}

struct bw_site *
cache_site(struct bootweb *bw, const char *server_url)
{
	struct bw_cache	*c = &bw->cache;
	struct bw_site	*s;
	size_t		 i;

	for (i = 0; i < c->nsites; i++)
		if (strcmp(c->sites[i].url, server_url) == 0)
			return &c->sites[i];
	/* A new address: take a free slot, else the oldest. */
	if (c->nsites < BW_SITES)
		s = &c->sites[c->nsites++];
	else {
		s = &c->sites[c->nextsite];
		c->nextsite = (c->nextsite + 1) % BW_SITES;
		evbuffer_free(s->boot_ipxe);
		json_decref(s->images);
	}
	strlcpy(s->url, server_url, sizeof(s->url));
	s->boot_ipxe = cache_boot_ipxe(server_url);
	s->images = json_array();
	for (i = 0; i < c->nimages; i++)
		json_array_append_new(s->images, nb_tmpl_image(bw->d->db, &c->images[i], server_url));
	return s;
}

void
cache_free(struct bootweb *bw)
{
	cache_clear(&bw->cache);
}
