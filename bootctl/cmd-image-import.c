/* cmd-image-import.c: bootctl image import. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_image_import_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
