/*
 * tmpl_preview.c: a template rendered for a client as bootweb serves it
 * at the client's token URL, the same engine and data, but with the word
 * TOKEN where the per-boot token goes: bootctl template render and the
 * admin API's render never mint or show a capability.
 */
#include "config.h"

#include <netinet/in.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "tmpl.h"
#include "token.h"
#include "xmalloc.h"

/*
 * The server URL bootweb gives a client (bootweb.c, bw_server_url): the
 * server_address setting, else its listen address if that is one
 * address, else the address the client reached: here 127.0.0.1.
 */
char *
nb_tmpl_preview_url(struct nb_db *db, const char *listen, int port)
{
	char	*addr = NULL, host[INET6_ADDRSTRLEN], url[128];

	if (nb_setting_get(db, "server_address", &addr) == NB_OK &&
	    addr != NULL)
		strlcpy(host, addr, sizeof(host));
	else if (listen == NULL ||
	    nb_url_host(listen, host, sizeof(host)) == -1)
		strlcpy(host, "127.0.0.1", sizeof(host));
	free(addr);
	nb_server_url(host, port, url, sizeof(url));
	return xstrdup(url);
}

/* N of an error "line N: what"; 0 if it names no line. */
static int
preview_line(const char *err)
{
	const char	*errstr;
	char		 num[16];
	size_t		 len;

	if (strncmp(err, "line ", 5) != 0)
		return 0;
	len = strspn(err + 5, "0123456789");
	if (len == 0 || len >= sizeof(num) || err[5 + len] != ':')
		return 0;
	memcpy(num, err + 5, len);
	num[len] = '\0';
	return (int)strtonum(num, 1, 1 << 24, &errstr);
}

int
nb_tmpl_preview(struct nb_db *db, const char *name, const char *mac,
    const char *server_url, char **out, size_t *outlen, char *err,
    size_t errsz, int *line)
{
	struct nb_client	 c;
	int			 rc;

	*out = NULL;
	*line = 0;
	err[0] = '\0';
	nb_client_init(&c);
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK) {
		snprintf(err, errsz, "%s", nb_db_errmsg(db));
		/* The template is the resource; the client a value. */
		if (rc == NB_NOTFOUND)
			rc = NB_INVALID;
	} else
		rc = nb_tmpl_render_token(db, name, &c, server_url,
		    NB_TOKEN_PLACEHOLDER, out, outlen, err, errsz);
	if (rc == NB_INVALID)
		*line = preview_line(err);
	nb_client_clear(&c);
	return rc;
}
