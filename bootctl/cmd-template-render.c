/* cmd-template-render.c: bootctl template render. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_template_render_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
