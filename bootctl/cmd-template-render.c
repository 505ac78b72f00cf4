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
 * bootweb builds server_url from the address the client reached it at;
 * here the best guess is the server_address setting and the boot port.
 */
static char *
render_server_url(struct bootctl *bc)
{
	char		*addr = NULL, *url;
	long long	 port = 8080;

	if (bc->conf != NULL)
		port = nb_conf_getnum(bc->conf, "bootweb", "port",
		    nb_conf_getnum(bc->conf, NULL, "http_port", 8080));
	if (nb_setting_get(bc->db, "server_address", &addr) != NB_OK || addr == NULL) {
		free(addr);
		addr = xstrdup("127.0.0.1");
	}
	xasprintf(&url, "http://%s:%lld", addr, port);
	free(addr);
	return url;
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
