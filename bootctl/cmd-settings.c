/* cmd-settings.c: bootctl settings. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_settings_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
