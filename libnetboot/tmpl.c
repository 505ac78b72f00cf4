/* tmpl.c: the template engine. Placeholder until the bootweb work implements it. */
#include "config.h"

#include <stdio.h>

#include "tmpl.h"

char *
nb_tmpl_render(const char *body, json_t *data, size_t *outlen, char *err, size_t errsz)
{
	snprintf(err, errsz, "template engine not implemented yet");
	return NULL;
}

json_t *
nb_tmpl_context(struct nb_db *db, const struct nb_client *c, const char *server_url)
{
	return json_object();
}

int
nb_tmpl_render_client(struct nb_db *db, const char *name, const char *mac,
    const char *server_url, char **out, size_t *outlen, char *err, size_t errsz)
{
	snprintf(err, errsz, "template engine not implemented yet");
	return NB_ERR;
}
