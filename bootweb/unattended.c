/*
 * unattended.c: files rendered or kept per client: /unattended/<mac>/<file>
 * (preseed, kickstart, cloud-init, autounattend.xml: they can hold password
 * hashes, so only the machine at that client's address gets them) and the
 * virtual files of the files table (static, template, local file).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootweb.h"
#include "tmpl.h"
#include "xmalloc.h"

/* Names installers ask for, meaning "my unattended file" whatever its template is called. */
static const char *const aliases[] = {
	"preseed.cfg", "ks.cfg", "user-data", "autoinstall.yaml", "autounattend.xml",
	"unattend.xml", "autoinst.xml",
};

static int
alias(const char *file)
{
	size_t	 i;

	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (strcmp(file, aliases[i]) == 0)
			return 1;
	return 0;
}

/* cloud-init NoCloud wants meta-data next to user-data; make one unless a template is called that. */
static void
meta_data(struct bw_req *r, const struct nb_client *c)
{
	struct evbuffer	*evb = evbuffer_new();
	char		 id[NB_MACSTR_LEN];
	size_t		 i, j;

	for (i = j = 0; c->mac[i] != '\0'; i++)
		if (c->mac[i] != ':')
			id[j++] = c->mac[i];
	id[j] = '\0';
	evbuffer_add_printf(evb, "instance-id: netboot-%s\nlocal-hostname: %s%s\n", id,
	    c->hostname ? c->hostname : c->name ? c->name : "netboot-",
	    c->hostname || c->name ? "" : id);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
}

static void
render_free(const void *data, size_t len, void *arg)
{
	free(arg);
}

/* Render template name for c and send it, or the error bootctl template render prints. */
static void
render_send(struct bw_req *r, const char *name, const char *mac, const char *what)
{
	struct nb_db	*db = r->bw->d->db;
	struct evbuffer	*evb;
	char		 err[512], *out = NULL;
	size_t		 len = 0;

	if (nb_tmpl_render_client(db, name, mac, r->server_url, &out, &len, err,
	    sizeof(err)) != NB_OK) {
		log_warnx("%s: template %s: %s", mac, name, err);
		nb_evq_push(r->bw->d->evq, mac, what, r->ip, "template %s does not render: %s",
		    name, err);
		http_error(r, 500, "%s", err);
		return;
	}
	nb_evq_push(r->bw->d->evq, mac, what, r->ip, "rendered %s (template %s, %zu bytes)",
	    r->path, name, len);
	/* The rendered text goes out as is, freed once written. */
	evb = evbuffer_new();
	if (evbuffer_add_reference(evb, out, len, render_free, out) == -1)
		free(out);
	http_send_evb(r, 200, "text/plain", evb);
	evbuffer_free(evb);
}

/*
 * Whether the request comes from client c: its static or last address
 * (IPv4), or for an IPv6 peer the client its address leads to
 * (bw_peer_client: the IPv6 neighbour table or a DHCPv6 lease).
 */
static int
unattended_is_peer(struct bw_req *r, const struct nb_client *c)
{
	struct nb_client	 p;
	int			 same;

	if (strchr(r->ip, ':') == NULL)
		return (c->ip != NULL && strcmp(c->ip, r->ip) == 0) ||
		    (c->last_ip != NULL && strcmp(c->last_ip, r->ip) == 0);
	nb_client_init(&p);
	same = bw_peer_client(r, &p) == NB_OK && strcmp(p.mac, c->mac) == 0;
	nb_client_clear(&p);
	json_decref(p.vars);
	json_decref(p.inventory);
	return same;
}

void
unattended_serve(struct bw_req *r, const char *rest)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_client	 c;
	struct nb_template	 t;
	struct nb_image		 img;
	char			 mac[NB_MACSTR_LEN], macpart[64];
	const char		*file, *slash, *eff = NULL;

	nb_client_init(&c);
	nb_image_init(&img);
	memset(&t, 0, sizeof(t));
	if ((slash = strchr(rest, '/')) == NULL || (size_t)(slash - rest) >= sizeof(macpart) ||
	    strchr(slash + 1, '/') != NULL) {
		http_error(r, 404, "not found: /unattended/<mac>/<file>");
		goto done;
	}
	memcpy(macpart, rest, (size_t)(slash - rest));
	macpart[slash - rest] = '\0';
	file = slash + 1;
	if (nb_mac_canon(macpart, mac) == -1 || nb_client_get(db, mac, &c) != NB_OK) {
		http_error(r, 404, "no such client");
		goto done;
	}
	/* The only proof of identity a booting machine has is its address. */
	if (!unattended_is_peer(r, &c)) {
		log_info("%s: refused %s to %s, not the client's address", mac, r->path, r->ip);
		nb_evq_push(r->bw->d->evq, mac, "http-unattended", r->ip,
		    "refused %s: %s is not the client's address", r->path, r->ip);
		http_error(r, 403, "this file belongs to another machine");
		goto done;
	}
	if (c.tmpl != NULL)
		eff = c.tmpl;
	else if (c.image != NULL && nb_image_get(db, c.image, &img) == NB_OK)
		eff = img.tmpl;
	if (nb_template_get(db, file, &t) == NB_OK)
		render_send(r, file, mac, "http-unattended");
	else if (eff != NULL && alias(file))
		render_send(r, eff, mac, "http-unattended");
	else if (eff != NULL && strcmp(file, "meta-data") == 0) {
		nb_evq_push(r->bw->d->evq, mac, "http-unattended", r->ip, "generated meta-data");
		meta_data(r, &c);
	} else if (eff != NULL && strcmp(file, "vendor-data") == 0) {
		nb_evq_push(r->bw->d->evq, mac, "http-unattended", r->ip, "empty vendor-data");
		http_send_mem(r, 200, "text/plain", "", 0);
	} else
		http_error(r, 404, "no template %s for this client", file);
 done:
	nb_template_clear(&t);
	nb_image_clear(&img);
	nb_client_clear(&c);
	json_decref(c.vars);
	json_decref(c.inventory);
}

int
unattended_vfile(struct bw_req *r)
{
	struct nb_db		*db = r->bw->d->db;
	struct nb_client	 c;
	struct nb_file		 f;
	const char		*mac = NULL;
	int			 rc = 0, code;

	nb_client_init(&c);
	memset(&f, 0, sizeof(f));
	if (bw_peer_client(r, &c) == NB_OK)
		mac = c.mac;
	if (nb_file_lookup(db, r->path, mac, &f) != NB_OK) {
		rc = -1;
		goto done;
	}
	switch (f.kind) {
	case NB_FILE_CONTENT:
		nb_evq_push(r->bw->d->evq, mac, "http-file", r->ip, "file %s (%zu bytes)",
		    r->path, f.content_len);
		http_send_mem(r, 200, http_content_type(r->path), f.content, f.content_len);
		break;
	case NB_FILE_TEMPLATE:
		if (mac == NULL) {
			http_error(r, 403, "templates are rendered only for known clients");
			break;
		}
		render_send(r, f.tmpl, mac, "http-file");
		break;
	case NB_FILE_LOCAL:
		if ((code = http_send_path(r, f.local, http_content_type(r->path))) != 0) {
			log_warnx("file %s: cannot open %s", r->path, f.local);
			http_error(r, code, "not found");
		} else
			nb_evq_push(r->bw->d->evq, mac, "http-file", r->ip, "file %s from %s",
			    r->path, f.local);
		break;
	case NB_FILE_URL:
		/* No proxy: bootweb never fetches from elsewhere on a client's behalf. */
		http_error(r, 404, "%s is an upstream URL file; bootweb does not proxy", r->path);
		break;
	}
 done:
	nb_file_clear(&f);
	nb_client_clear(&c);
	json_decref(c.vars);
	json_decref(c.inventory);
	return rc;
}
