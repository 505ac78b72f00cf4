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
	long long	 port = 8080;
	int		 ch, rc, line;

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
	} else {
		/* bootweb's address and port, as bootweb reads them. */
		port = nb_conf_getnum(bc->conf, "bootweb", "port", 8080);
		url = nb_tmpl_preview_url(bc->db, nb_conf_get(bc->conf,
		    "bootweb", "listen"), (int)port);
	}
	if (nb_tmpl_preview(bc->db, argv[optind], mac, url, &out, &len, err,
	    sizeof(err), &line) != NB_OK) {
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
