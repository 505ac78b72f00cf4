/* cmd-client-timeline.c: bootctl client timeline. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_client_timeline_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
