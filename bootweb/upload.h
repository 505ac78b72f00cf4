/* upload.h: request bodies streamed to disk on the admin plane (upload.c). */
#ifndef UPLOAD_H
#define UPLOAD_H

#include <stdint.h>

struct bufferevent;
struct event_base;
struct bw_req;
struct bw_sniff;

/* The path whose POST bodies are streamed, not buffered. */
#define UPLOAD_PATH	"/api/v1/images/upload"

/* What happens to a claimed body: bytes written, then done or failed. */
struct bw_upload_ops {
	/*
	 * The whole body is on disk, or it failed (err set); gone: the
	 * connection closed, there is no one to answer.
	 */
	void	(*done)(void *arg, const char *err, int gone);
	void	*arg;
};

/* Watch an admin connection's input for upload heads (conn_bev). */
struct bw_sniff *upload_attach(struct bufferevent *, int tls);
/* The connection is gone; alive: its bufferevent still exists. */
void	 upload_detach(struct bw_sniff *, int alive);
/*
 * The streamed body of the request r, if r is the upload its connection
 * announced: its length in *len; NULL if r is not one.
 */
struct bw_sniff *upload_of(struct bw_req *, int64_t *len);
/* Before r is routed: a refusal of a large upload closes its connection. */
void	 upload_begin(struct bw_req *);
/* After r was routed: the body of an upload no handler claimed is dropped. */
void	 upload_end(struct bw_req *);
/*
 * Take the body: its bytes go to fd as they come, written by a thread,
 * then ops->done runs on the loop (fd stays the caller's). Sends 100
 * Continue if the client asked. -1 if it cannot.
 */
int	 upload_claim(struct bw_sniff *, struct bw_req *, int fd,
	    const struct bw_upload_ops *);
/* Start and stop (the writers' pipe). */
void	 upload_init(struct event_base *);
void	 upload_free(void);

#endif
