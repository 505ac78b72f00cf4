/* cmd-file.c: bootctl file. */
#include "config.h"

#include "bootctl.h"

const struct bootctl_cmd bc_file_cmds[] = {
	{ NULL, NULL, NULL, 0, NULL },
};
