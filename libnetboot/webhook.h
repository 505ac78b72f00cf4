/*
 * webhook.h: webhooks (netboot(7) WEBHOOKS): a signed POST per event to
 * each URL whose kinds match, sent by bootweb's sender thread.
 */
#ifndef NB_WEBHOOK_H
#define NB_WEBHOOK_H

#include <stdint.h>

#include "db.h"

#define NB_WEBHOOK_SECRET_MIN	16	/* bytes of a secret, at least */
#define NB_WEBHOOK_SIGLEN	(7 + 64 + 1)	/* "sha256=" hex, NUL */

struct nb_webhook {
	int64_t		 id;
	char		*url;
	char		*events;	/* kinds, commas; '*' ends a prefix */
	char		*secret;
	int64_t		 cursor;	/* the last event sent or given up */
	int64_t		 delivered, failed, dropped;
	int		 last_status;	/* HTTP status, 0: none */
	char		*last_error;
	int64_t		 last_attempt, created;
};

/* Add a webhook; its cursor starts at the newest event. *id: its id. */
int	 nb_webhook_add(struct nb_db *, const char *url, const char *events,
	    const char *secret, int64_t *id);
/* Remove webhook id. */
int	 nb_webhook_rm(struct nb_db *, int64_t id);
/* Call fn for each webhook, by id; fn returns non-zero to stop. */
int	 nb_webhook_list(struct nb_db *,
	    int (*fn)(const struct nb_webhook *, void *), void *arg);
/* A webhook as JSON, without its secret. */
json_t	*nb_webhook_json(const struct nb_webhook *);
/* Free what a webhook holds. */
void	 nb_webhook_clear(struct nb_webhook *);
/*
 * Record an attempt: the cursor moved to cursor, delivered, failed and
 * dropped grew by their counts, the last status and error (NULL: none).
 */
int	 nb_webhook_mark(struct nb_db *, int64_t id, int64_t cursor,
	    int delivered, int failed, int64_t dropped, int status,
	    const char *error);
/* Whether an event kind matches a webhook's list of kinds. */
int	 nb_webhook_match(const char *events, const char *kind);
/* Whether a list of kinds is well formed (kinds or prefixes*, commas). */
int	 nb_webhook_events_valid(const char *events);
/* The signature header's value of body: "sha256=" and HMAC-SHA256 in hex. */
void	 nb_webhook_sign(const char *secret, const void *body, size_t len,
	    char out[NB_WEBHOOK_SIGLEN]);

/* The sender: a thread with its own connection to the database at path. */
struct nb_webhook_sender;
/*
 * Start it: every second it sends the events past each webhook's
 * cursor, in order, retrying a failure with backoff, and drops (counts)
 * the oldest of a webhook more than webhook.backlog events behind.
 */
struct nb_webhook_sender *nb_webhook_start(const char *dbpath);
/* Stop the sender (an attempt in flight ends first) and free it. */
void	 nb_webhook_stop(struct nb_webhook_sender *);

#endif
