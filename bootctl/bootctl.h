/* bootctl.h: what the bootctl command files share. */
#ifndef BOOTCTL_H
#define BOOTCTL_H

#include <jansson.h>

#include "db.h"

#define EXIT_USAGE	2

struct bootctl {
	const char	*dbpath;
	const char	*conffile;
	int		 json;		/* --json */
	struct nb_db	*db;
	struct nb_conf	*conf;
};

/* One verb of a noun: bootctl NOUN VERB args... */
struct bootctl_cmd {
	const char	*noun;
	const char	*verb;
	const char	*usage;		/* the arguments, for usage messages */
	int		 open_flags;	/* for nb_db_open; -1: the command opens it itself */
	int		(*fn)(struct bootctl *, int argc, char *argv[]);
};

/* Print "bootctl: message" and return exit code 2. */
int	bc_usage(const char *fmt, ...) NB_PRINTF(1, 2);
/* Print "bootctl: message" and return exit code 1. */
int	bc_error(const char *fmt, ...) NB_PRINTF(1, 2);
/* Report a failed database call (the library's reason) as exit code 1, rolling back. */
int	bc_dberror(struct bootctl *);
/* Print a JSON value on stdout and free it. */
void	bc_print_json(json_t *);
/* Canonicalise a MAC argument or fail with a usage error naming it. */
int	bc_mac_arg(const char *arg, char out[NB_MACSTR_LEN]);
/* Begin a write transaction; every changing command is one transaction. */
int	bc_begin(struct bootctl *);
/* Commit, or report the error. */
int	bc_commit(struct bootctl *);
/* Read a whole file into a NUL-terminated buffer; NULL with errno on failure. */
char	*bc_read_file(const char *path, size_t *len);
/* Format seconds since the epoch as local time, or "-" for 0. */
const char *bc_time(int64_t t, char *buf, size_t len);

/* As root, act as the owner of the database (or its directory) so daemons can still open it. */
void	bc_become_owner(const char *dbpath);

/* The command tables, one per noun file. */
extern const struct bootctl_cmd bc_db_cmds[];
extern const struct bootctl_cmd bc_client_cmds[];
extern const struct bootctl_cmd bc_image_cmds[];
extern const struct bootctl_cmd bc_template_cmds[];
extern const struct bootctl_cmd bc_file_cmds[];
extern const struct bootctl_cmd bc_events_cmds[];
extern const struct bootctl_cmd bc_settings_cmds[];
extern const struct bootctl_cmd bc_template_render_cmds[];
extern const struct bootctl_cmd bc_image_import_cmds[];
extern const struct bootctl_cmd bc_client_timeline_cmds[];

#endif
