/*
 * label.h: client labels (rack=3, role=worker), the selectors that pick
 * clients by them, and the bulk actions over what a selector or a list
 * of MACs picks, each one transaction (netboot(7) LABELS; issue 13
 * point 9). bootctl and bootweb's admin API call these same functions.
 */
#ifndef NB_LABEL_H
#define NB_LABEL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "db.h"

#define NB_LABEL_KEY_MAX	63	/* bytes of a key */
#define NB_LABEL_VALUE_MAX	63	/* bytes of a value */
#define NB_LABELS_MAX		32	/* labels of one client */
#define NB_SELECTOR_MAX		512	/* bytes of a selector */
#define NB_SELECTOR_TERMS	16	/* terms of a selector */
#define NB_BULK_MACS_MAX	1000	/* MACs a bulk action is given */

/*
 * Whether key is a label key: 1 to 63 letters, digits, '.', '_', '-',
 * '/', starting and ending with a letter or digit.
 */
int	 nb_label_key_valid(const char *key);
/* Whether value is a label value: 0 to 63 letters, digits, '.', '_', '-'. */
int	 nb_label_value_valid(const char *value);
/*
 * Add one change, "k=v" (set) or "k-" (remove), to changes (an object of
 * key -> value, or key -> null to remove); -1 with the reason in why.
 */
int	 nb_label_change_parse(const char *arg, json_t *changes, char *why,
	    size_t whysz);
/* NULL if changes maps valid keys to valid values or null; else why. */
const char *nb_label_changes_check(json_t *changes, char *why, size_t whysz);
/* mac's labels in *out: a new object of key -> value (empty if none). */
int	 nb_label_get(struct nb_db *, const char *mac, json_t **out);
/*
 * Apply changes (key -> value sets, key -> null removes) to mac's labels
 * inside the caller's transaction; NB_INVALID for a bad key or value or
 * past NB_LABELS_MAX labels, NB_NOTFOUND if mac is no client.
 */
int	 nb_label_apply(struct nb_db *, const char *mac, json_t *changes);
/* nb_client_json(c) with its "labels" object; NULL on a database error. */
json_t	*nb_client_json_labels(struct nb_db *, const struct nb_client *c);

/*
 * A selector: comma-separated terms that must all hold, each "k=v" (or
 * "k==v"), "k!=v" (a client without k matches), "k" (has k) or "!k".
 */
struct nb_selector;
/* Parse s; NB_OK and *out, or NB_INVALID with the reason in why. */
int	 nb_selector_parse(const char *s, struct nb_selector **out,
	    char *why, size_t whysz);
void	 nb_selector_free(struct nb_selector *);
/* Whether labels (an object of key -> value) satisfy sel. */
int	 nb_selector_match(const struct nb_selector *sel, json_t *labels);
/*
 * Call fn for each client whose labels match sel (every client if sel is
 * NULL), in MAC order, with its labels; non-zero from fn stops the walk.
 */
int	 nb_client_select(struct nb_db *, const struct nb_selector *sel,
	    int (*fn)(const struct nb_client *, json_t *labels, void *),
	    void *arg);
/* nb_client_select in order (nb_client_list_by), desc reversed. */
int	 nb_client_select_by(struct nb_db *, const struct nb_selector *sel,
	    enum nb_client_order order, int desc,
	    int (*fn)(const struct nb_client *, json_t *labels, void *),
	    void *arg);

/* What a bulk action does to each client it picks. */
enum nb_bulk_action {
	NB_BULK_NEXT_BOOT,	/* set (or clear) the next boot */
	NB_BULK_WAKE,		/* Wake-on-LAN, next boot first if given */
	NB_BULK_ALLOW,
	NB_BULK_DENY,
	NB_BULK_LABEL,		/* apply label changes */
};

struct nb_bulk {
	enum nb_bulk_action	 action;
	const struct nb_selector *sel;		/* the clients: these, */
	char		(*macs)[NB_MACSTR_LEN];	/* or these */
	size_t			 nmacs;
	enum nb_next_boot	 next;		/* NEXT_BOOT, WAKE */
	const uint8_t		*secureon;	/* WAKE; NULL: none */
	json_t			*labels;	/* LABEL: changes */
	const char		*daemon;	/* for wake events */
};

/* The name of an action ("next-boot", "wake", "allow", "deny", "label"). */
const char *nb_bulk_action_name(enum nb_bulk_action);
/* Parse an action name; -1 if unknown. */
int	 nb_bulk_action_parse(const char *, enum nb_bulk_action *);
/*
 * Do b to every client it picks in one transaction: all or nothing (a
 * MAC of the list that is no client is NB_NOTFOUND, and nothing changes;
 * a wake's packets already sent stay sent). *affected gets a new array
 * of {"mac", "name"} (and "sent_to" for a wake), in MAC order.
 */
int	 nb_client_bulk(struct nb_db *, const struct nb_bulk *b,
	    json_t **affected);

#endif
