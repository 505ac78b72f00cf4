/* api.h: what the files of the admin API share (api.c, api-*.c, sse.c). */
#ifndef API_H
#define API_H

#include "bootweb.h"

#define API_MAX_BODY	(32 * 1024)	/* a request body's bytes */
#define API_ETAG_LEN	24
#define API_PAGE	100		/* list entries by default */
#define API_PAGE_MAX	1000		/* and at most */

struct evkeyvalq;

/* api.c */
/* The error code ("not_found", ...) of an HTTP status. */
const char *api_code(int status);
/* Send o (consumed) as the JSON reply, uncached. */
void	 api_send(struct bw_req *, int code, json_t *o);
/* Send o (consumed) with its ETag. */
void	 api_send_etag(struct bw_req *, int code, json_t *o);
/* The ETag of a resource: a hash of its JSON. */
void	 api_etag(json_t *o, char out[API_ETAG_LEN]);
/* 0 if the request's If-Match (if any) matches current, else 412. */
int	 api_if_match(struct bw_req *, json_t *current);
/* The status (bw_fail) for a libnetboot error rc, with its message. */
int	 api_dberr(struct bw_req *, int rc);
/* A query parameter (q starts empty: TAILQ_INIT; caller clears it). */
const char *api_query(struct bw_req *, struct evkeyvalq *q, const char *key);
/* The request's body as a JSON object (*out), or a status (413, 415, 400). */
int	 api_body(struct bw_req *, json_t **out);
/* A string member (NULL: absent, "": null), or 422. */
int	 api_str(struct bw_req *, json_t *o, const char *key, const char **out);
/* The caller's credentials and role for a route's flags, or a status. */
int	 api_auth(struct bw_req *, int flags);
/* The headers of every admin-plane reply (no-store, nosniff). */
void	 api_headers(struct bw_req *);
/* A connection closed: forget requests waiting on it. */
void	 api_conn_closed(struct bootweb *, struct evhttp_connection *);
void	 api_init(struct bootweb *);
void	 api_free(struct bootweb *);
int	 api_health(struct bw_req *, const char *);
int	 api_notfound(struct bw_req *, const char *);
int	 api_login(struct bw_req *, const char *);
int	 api_logout(struct bw_req *, const char *);

/* api-session.c */
int	 api_session(struct bw_req *, const char *);

/* api-clients.c */
/* ?limit= and ?offset= of a list, or a status. */
int	 api_paging(struct bw_req *, struct evkeyvalq *, long long *limit,
	    long long *offset);
int	 api_clients(struct bw_req *, const char *);
int	 api_client(struct bw_req *, const char *);

/* api-misc.c */
int	 api_events(struct bw_req *, const char *);
int	 api_images(struct bw_req *, const char *);
int	 api_templates(struct bw_req *, const char *);
int	 api_settings(struct bw_req *, const char *);
int	 api_leases(struct bw_req *, const char *);
int	 api_users(struct bw_req *, const char *);
int	 api_tokens(struct bw_req *, const char *);
int	 api_openapi(struct bw_req *, const char *);

/* api-fleet.c: labels' bulk actions and the boot timeline */
int	 api_client_actions(struct bw_req *, const char *);
/* GET /api/v1/clients/{id}/timeline (api_client hands it over). */
int	 api_client_timeline(struct bw_req *, const char *id);

/* api-images.c: images and files written, templates rendered */
int	 api_image_write(struct bw_req *, const char *);
/* GET /api/v1/images/{name}[/files]: the files, else api_images. */
int	 api_image_get(struct bw_req *, const char *);
int	 api_files(struct bw_req *, const char *);
int	 api_template_render(struct bw_req *, const char *);

/* api-upload.c: ISO upload, import, detect; jobs (issue 13) */
int	 api_upload(struct bw_req *, const char *);
/* Remove what uploads a stopped bootweb left. */
void	 api_upload_init(struct bootweb *);
int	 api_import(struct bw_req *, const char *);
int	 api_detect(struct bw_req *, const char *);
int	 api_jobs(struct bw_req *, const char *);

/* api-webhook.c: webhooks (issue 13) */
int	 api_webhooks(struct bw_req *, const char *);

/* api-inventory.c: inventory history (issue 13) */
int	 api_inventories(struct bw_req *, const char *);

/* sse.c */
int	 sse_stream(struct bw_req *, const char *);
void	 sse_conn_closed(struct bootweb *, struct evhttp_connection *);
/* The event streams' counters in Prometheus text. */
void	 sse_metrics(struct evbuffer *);
void	 sse_init(struct bootweb *);
void	 sse_free(struct bootweb *);

#endif
