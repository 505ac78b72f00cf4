/* cmd-client.c: bootctl client. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_client_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
