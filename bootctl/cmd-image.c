/* cmd-image.c: bootctl image. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_image_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
