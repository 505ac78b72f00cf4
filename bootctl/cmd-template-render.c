/*
 * cmd-template-render.c: bootctl template render NAME --mac MAC [--server URL].
 * Prints the template as bootweb serves it at the client's token URL
 * (the same engine and data), or the same error, naming the line. The
 * capability URLs (unattended_url, client_url, self_url) show the word
 * TOKEN where bootweb puts the per-boot token: bootctl never prints one.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bootctl.h"
#include "conf.h"
#include "tmpl.h"
#include "token.h"
#include "xmalloc.h"

enum { O_MAC = 1, O_SERVER };

/*
 * The server URL bootweb gives a client (bootweb.c, bw_server_url): the
 * server_address setting, else its listen address if that is one
 * address, else the address the client reached: here 127.0.0.1. The
 * port is [bootweb] port, as bootweb reads it.
 */
static char *
render_server_url(struct bootctl *bc)
{
	char		*addr = NULL, host[INET6_ADDRSTRLEN], url[128];
	const char	*listen = nb_conf_get(bc->conf, "bootweb", "listen");
	int		 port;

	port = (int)nb_conf_getnum(bc->conf, "bootweb", "port", 8080);
	if (nb_setting_get(bc->db, "server_address", &addr) == NB_OK &&
	    addr != NULL)
		strlcpy(host, addr, sizeof(host));
	else if (listen == NULL ||
	    nb_url_host(listen, host, sizeof(host)) == -1)
		strlcpy(host, "127.0.0.1", sizeof(host));
	free(addr);
	nb_server_url(host, port, url, sizeof(url));
	return xstrdup(url);
}

/* Render template name for mac with the placeholder token; NB_OK and *out, or err. */
static int
render(struct nb_db *db, const char *name, const char *mac, const char *url,
    char **out, size_t *len, char *err, size_t errsz)
{
	struct nb_client	 c;
	int			 rc;

	nb_client_init(&c);
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK)
		snprintf(err, errsz, "%s", nb_db_errmsg(db));
	else
		rc = nb_tmpl_render_token(db, name, &c, url, NB_TOKEN_PLACEHOLDER,
		    out, len, err, errsz);
	nb_client_clear(&c);
	return rc;
}

static int
template_render(struct bootctl *bc, int argc, char *argv[])
{
	static const struct option opts[] = {
		{ "mac", required_argument, NULL, O_MAC },
		{ "server", required_argument, NULL, O_SERVER },
		{ NULL, 0, NULL, 0 },
	};
	char		 mac[NB_MACSTR_LEN], err[512], *out = NULL, *url = NULL;
	const char	*macarg = NULL, *server = NULL;
	size_t		 len = 0, slen;
	int		 ch, rc;

	while ((ch = bc_getopt(argc, argv, opts)) != -1) {
		switch (ch) {
		case O_MAC:
			macarg = optarg;
			break;
		case O_SERVER:
			server = optarg;
			break;
		default:
			return bc_badopt(bc, ch, argv);
		}
	}
	if ((rc = bc_nargs(bc, argc - optind, argv + optind, 1, 1)) != 0)
		return rc;
	if (macarg == NULL)
		return bc_cmd_usage(bc, "--mac is required");
	if ((rc = bc_mac_arg(macarg, mac)) != 0)
		return rc;
	if (server != NULL && strncmp(server, "http://", 7) != 0 &&
	    strncmp(server, "https://", 8) != 0)
		return bc_cmd_usage(bc, "--server %s: an http:// or https:// URL is needed", server);
	if ((rc = bc_open(bc)) != 0)
		return rc;
	if (server != NULL) {
		/* server_url has no trailing slash (the contract), whatever was typed. */
		url = xstrdup(server);
		slen = strlen(url);
		while (slen > 0 && url[slen - 1] == '/')
			url[--slen] = '\0';
	} else
		url = render_server_url(bc);
	if (render(bc->db, argv[optind], mac, url, &out, &len, err, sizeof(err)) != NB_OK) {
		free(url);
		return bc_error("%s", err);
	}
	fwrite(out, 1, len, stdout);
	free(out);
	free(url);
	return fflush(stdout) == 0 ? 0 : bc_error("writing the output failed");
}

const struct bootctl_cmd bc_template_render_cmds[] = {
	{ "template", "render", "NAME --mac MAC [--server URL]", BC_OPEN_LATE, template_render },
	{ NULL, NULL, NULL, 0, NULL },
};
