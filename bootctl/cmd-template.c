/* cmd-template.c: bootctl template. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_template_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
