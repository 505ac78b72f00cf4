/*
 * tmpl.h: the template engine for unattended files (preseed, kickstart,
 * autoinstall, cloud-init, autounattend, ipxe, raw) and image cmdlines:
 * mustache-style, over jansson data, with sections and loops; values are
 * escaped for the output the template's kind writes.
 */
#ifndef NB_TMPL_H
#define NB_TMPL_H

#include <stddef.h>

#include <jansson.h>

#include "db.h"

/* How values are escaped: for the output a template writes (netboot(7)). */
enum nb_tmpl_esc {
	NB_TMPL_ESC_RAW,	/* nothing */
	NB_TMPL_ESC_IPXE,	/* an iPXE script */
	NB_TMPL_ESC_CMDLINE,	/* a kernel command line, on an iPXE line */
	NB_TMPL_ESC_PRESEED,	/* debconf lines; shell on *_command lines */
	NB_TMPL_ESC_KICKSTART,	/* shlex words; shell in %pre, %post, ... */
	NB_TMPL_ESC_YAML,	/* cloud-init, autoinstall */
	NB_TMPL_ESC_XML,	/* autounattend, autoyast */
};

/* Render body with data, values escaped for esc; NULL on error with "line N:
 * what" in err. Caller frees. */
char	*nb_tmpl_render_as(const char *body, json_t *data, enum nb_tmpl_esc esc,
	    size_t *outlen, char *err, size_t errsz);
/* nb_tmpl_render_as() with NB_TMPL_ESC_RAW (raw client fields refused). */
char	*nb_tmpl_render(const char *body, json_t *data, size_t *outlen, char *err, size_t errsz);
/* The escaping a template of kind gets. */
enum nb_tmpl_esc nb_tmpl_esc_kind(const char *kind);
/* Parse body only: 0, or -1 with "line N: what" in err (unterminated tag). */
int	 nb_tmpl_check(const char *body, char *err, size_t errsz);
/*
 * The data a template sees for client c, with the capability URLs of its
 * current boot (a fresh token).
 */
json_t	*nb_tmpl_context(struct nb_db *, const struct nb_client *c, const char *server_url);
/* The same with token (NULL: no unattended_url, client_url, self_url). */
json_t	*nb_tmpl_context_token(struct nb_db *, const struct nb_client *c,
	    const char *server_url, const char *token);
/* Render template name for the loaded client c, token in its URLs. */
int	 nb_tmpl_render_token(struct nb_db *, const char *name,
	    const struct nb_client *c, const char *server_url, const char *token,
	    char **out, size_t *outlen, char *err, size_t errsz);
/* Render the template called name for client mac exactly as bootweb serves it. */
int	 nb_tmpl_render_client(struct nb_db *, const char *name, const char *mac,
	    const char *server_url, char **out, size_t *outlen, char *err, size_t errsz);

/*
 * Render template name for client mac as bootweb serves it, with the word
 * TOKEN for the per-boot token (tmpl_preview.c: bootctl template render,
 * the admin API): NB_OK and *out; NB_NOTFOUND for no such template;
 * NB_INVALID for no such client or a template error, "line N: what" in
 * err and N in *line (0 if it names none).
 */
int	 nb_tmpl_preview(struct nb_db *, const char *name, const char *mac,
	    const char *server_url, char **out, size_t *outlen, char *err,
	    size_t errsz, int *line);
/*
 * The server_url of a preview, as bootweb listening on listen (NULL: all
 * addresses) and port gives it: server_address, else the listen address,
 * else 127.0.0.1. Caller frees.
 */
char	*nb_tmpl_preview_url(struct nb_db *, const char *listen, int port);

/* The image as templates see it: nb_image_json() plus kernel_url, initrd_urls, iso_url, tree_url. */
json_t	*nb_tmpl_image(struct nb_db *, const struct nb_image *img, const char *server_url);
/*
 * The unattended_url of template name under base (server_url/t/TOKEN; the
 * directory for cloud-init kinds); NULL if there is no such template.
 */
json_t	*nb_tmpl_unattended_url(struct nb_db *, const char *base,
	    const char *name);

/* The unattended_url of template name of kind under base, no lookup. */
json_t	*nb_tmpl_unattended_url_kind(const char *base, const char *name,
	    const char *kind);
/* Every setting as templates see it: an object of key -> value. */
json_t	*nb_tmpl_settings(struct nb_db *);
/*
 * nb_tmpl_context() from parts already built (token, image and
 * unattended_url may be NULL); takes references, copies nothing.
 */
json_t	*nb_tmpl_context_parts(const struct nb_client *c, const char *server_url,
	    const char *token, json_t *image, json_t *unattended_url, json_t *settings);

#endif
