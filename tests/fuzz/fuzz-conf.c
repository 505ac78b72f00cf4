/*
 * fuzz-conf.c: the netboot.conf(5) parser (libnetboot/conf.c), on the
 * input written to a scratch file; a file that loads is then read back
 * the way the daemons read it.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "fuzz.h"
#include "tmpfile.h"

const char *const fuzz_tokens[] = {
	"[tftpd]", "[bootweb]", "[pxedhcpd]", "[global]", "[bootctl]", " = ",
	"\n", "port", "listen", "root", "database", "\"", "#", ";",
	"max_transfers", "::", "0.0.0.0", "yes", NULL
};

static void
count(const char *value, void *arg)
{
	fuzz_check(value != NULL && *value != '\0',
	    "a repeated key has a value");
	(*(int *)arg)++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[][2] = {
		{ NULL, "database" }, { NULL, "datadir" },
		{ NULL, "http_port" }, { "tftpd", "port" },
		{ "tftpd", "listen" }, { "tftpd", "max_transfers" },
		{ "tftpd", "root" }, { "bootweb", "listen" },
		{ "bootweb", "timeout" },
		{ "pxedhcpd", "interface" }, { "pxedhcpd", "listen" },
	};
	struct nb_conf	*c;
	char		 err[512];
	size_t		 i;
	int		 n = 0;

	err[0] = '\0';
	c = nb_conf_load(fuzz_tmpfile(data, size), 0, err, sizeof(err));
	if (c == NULL) {
		fuzz_check(strlen(err) > 0, "a refusal says why");
		return 0;
	}
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		nb_conf_get(c, keys[i][0], keys[i][1]);
		nb_conf_getnum(c, keys[i][0], keys[i][1], -1);
	}
	nb_conf_foreach(c, "tftpd", "root", count, &n);
	nb_conf_foreach(c, "pxedhcpd", "interface", count, &n);
	nb_conf_free(c);
	return 0;
}
