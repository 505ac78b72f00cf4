/*
 * tmpl_token.c: rendering a template for a client with a given token in
 * its capability URLs: bootweb's (the token of the request) and bootctl's
 * (the placeholder TOKEN). netboot(7) TRUST MODEL.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "tmpl.h"

int
nb_tmpl_render_token(struct nb_db *db, const char *name,
    const struct nb_client *c, const char *server_url, const char *token,
    char **out, size_t *outlen, char *err, size_t errsz)
{
	struct nb_template	 t;
	json_t			*data;
	int			 rc;

	*out = NULL;
	memset(&t, 0, sizeof(t));
	if ((rc = nb_template_get(db, name, &t)) != NB_OK) {
		snprintf(err, errsz, "%s", nb_db_errmsg(db));
		return rc;
	}
	data = nb_tmpl_context_token(db, c, server_url, token);
	*out = nb_tmpl_render_as(t.body, data, nb_tmpl_esc_kind(t.kind), outlen,
	    err, errsz);
	if (*out == NULL)
		rc = NB_INVALID;
	json_decref(data);
	nb_template_clear(&t);
	return rc;
}
