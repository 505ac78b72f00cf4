/* cmd-events.c: bootctl events. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_events_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
