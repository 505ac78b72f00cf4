/* bootctl.h: what the bootctl command files share. */
#ifndef BOOTCTL_H
#define BOOTCTL_H

#include <getopt.h>
#include <stdio.h>

#include <jansson.h>

#include "db.h"

#define EXIT_USAGE	2
/* open_flags bit: the verb checks its arguments first, then calls bc_open (usage errors win). */
#define BC_OPEN_LATE	0x100

struct bootctl {
	const char	*dbpath;
	const char	*conffile;
	int		 json;		/* --json */
	struct nb_db	*db;
	struct nb_conf	*conf;
	const struct bootctl_cmd *cmd;	/* the command running, for its usage line */
};

/* One verb of a noun: bootctl NOUN VERB args... */
struct bootctl_cmd {
	const char	*noun;
	const char	*verb;
	const char	*usage;		/* the arguments, for usage messages */
	int		 open_flags;	/* for nb_db_open; -1: the command opens it itself */
	int		(*fn)(struct bootctl *, int argc, char *argv[]);
};

/* Open the database for a BC_OPEN_LATE command; 0, or exit code 1 after the message. */
int	bc_open(struct bootctl *);
/* Print "bootctl: message" and return exit code 2. */
int	bc_usage(const char *fmt, ...) NB_PRINTF(1, 2);
/* Usage error of the running command: the message, then its usage line; exit code 2. */
int	bc_cmd_usage(struct bootctl *, const char *fmt, ...) NB_PRINTF(2, 3);
/* Check that a verb got between min and max operands argv[0..argc) (max -1: any); 0, or exit code 2. */
int	bc_nargs(struct bootctl *, int argc, char *argv[], int min, int max);
/* For a verb without options: refuse any, check the operand count; operands start at argv[optind]. */
int	bc_operands(struct bootctl *, int argc, char *argv[], int min, int max);
/* A verb whose one operand is a row id (what names it in errors): 0, or exit code 2. */
int	bc_id_operand(struct bootctl *, int argc, char *argv[], const char *what,
	    int64_t *id);
/* getopt_long over a verb's long options only; ':' for a missing value, '?' for an unknown option. */
int	bc_getopt(int argc, char *argv[], const struct option *longopts);
/* Report what bc_getopt returned for a bad option as a usage error (exit code 2). */
int	bc_badopt(struct bootctl *, int ch, char *argv[]);
/* Print "bootctl: message" and return exit code 1. */
int	bc_error(const char *fmt, ...) NB_PRINTF(1, 2);
/* Report a failed database call (the library's reason) as exit code 1, rolling back. */
int	bc_dberror(struct bootctl *);
/* Print a JSON value on stdout and free it. */
void	bc_print_json(json_t *);
/* Canonicalise a MAC argument or fail with a usage error naming it. */
int	bc_mac_arg(const char *arg, char out[NB_MACSTR_LEN]);
/* A client named by its MAC or its name: its MAC, or an exit code (2 bad, 1 none). */
int	bc_client_arg(struct bootctl *, const char *arg, char mac[NB_MACSTR_LEN]);
/* Begin a write transaction; every changing command is one transaction. */
int	bc_begin(struct bootctl *);
/* Commit, or report the error. */
int	bc_commit(struct bootctl *);
/* Read a whole file into a NUL-terminated buffer; NULL with errno on failure. */
char	*bc_read_file(const char *path, size_t *len);
/* Format seconds since the epoch as local time, or "-" for 0. */
const char *bc_time(int64_t t, char *buf, size_t len);

/* The data directory: netboot.conf's datadir, else the database's directory. Caller frees. */
char	*bc_datadir(struct bootctl *);
/* Escape text that came from the network before it reaches a terminal. */
const char *bc_safe(char *buf, size_t len, const char *s);

/* Aligned columns for the human form of lists. */
struct bc_table;
/* A table with the given column headers (a NULL-terminated list). */
struct bc_table	*bc_table_new(const char *header, ...);
/* Append a row of as many cells as there are headers; NULL cells print as "-". */
void	bc_table_row(struct bc_table *, ...);
/* Print the table with each column as wide as its widest cell, then free it. */
void	bc_table_print(struct bc_table *, FILE *);

/* The output of a list verb: a JSON array (--json) or a table; the
 * listing's callback fills the one that is not NULL. */
struct bc_list {
	json_t		*a;	/* --json */
	struct bc_table	*t;	/* else */
};
/* Start a list: an array with --json, else a table with these headers. */
void	bc_list_begin(struct bootctl *, struct bc_list *,
	    const char *header, ...);
/* Print and free the list; rc is the listing's NB_*: the verb's status. */
int	bc_list_end(struct bootctl *, struct bc_list *, int rc);
/* One line of the human form of show: "key:" padded, then the value ("-" for NULL). */
void	bc_show(const char *key, const char *value);

/* As root, act as the owner of the database (or its directory) so daemons can still open it. */
void	bc_become_owner(const char *dbpath);

/* The command tables, one per noun file. */
extern const struct bootctl_cmd bc_db_cmds[];
extern const struct bootctl_cmd bc_client_cmds[];
extern const struct bootctl_cmd bc_image_cmds[];
extern const struct bootctl_cmd bc_template_cmds[];
extern const struct bootctl_cmd bc_file_cmds[];
extern const struct bootctl_cmd bc_lease_cmds[];
extern const struct bootctl_cmd bc_events_cmds[];
extern const struct bootctl_cmd bc_settings_cmds[];
extern const struct bootctl_cmd bc_template_render_cmds[];
extern const struct bootctl_cmd bc_image_import_cmds[];
extern const struct bootctl_cmd bc_client_timeline_cmds[];
extern const struct bootctl_cmd bc_user_cmds[];
extern const struct bootctl_cmd bc_token_cmds[];
extern const struct bootctl_cmd bc_client_label_cmds[];
/* cmd-client-label.c: parse a --selector; 0, or exit code 2. */
struct nb_selector;
struct nb_bulk;
int	bc_selector(struct bootctl *, const char *, struct nb_selector **);
/*
 * Do a bulk action (label.h) to the clients selector picks (NULL: b's
 * MACs), and print what it did.
 */
int	bc_client_bulk(struct bootctl *, const char *selector,
	    struct nb_bulk *);
extern const struct bootctl_cmd bc_webhook_cmds[];
/* client show's inventory history: printed, or as "inventories" in o. */
int	bc_client_inventories(struct bootctl *, const char *mac, json_t *o);
/* db init's first admin, password shown once, if there is no user. */
int	bc_user_first_admin(struct bootctl *);

#endif
