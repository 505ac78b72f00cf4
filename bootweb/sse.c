/*
 * sse.c: GET /api/v1/events/stream, the events as Server-Sent Events
 * (not yet: issue 13 point 4).
 */
#include "config.h"

#include "api.h"

int
sse_stream(struct bw_req *r, const char *rest)
{
	return bw_fail(r, 404, "the event stream is not implemented yet; "
	    "poll GET /api/v1/events?after=ID");
}

void
sse_conn_closed(struct bootweb *bw, struct evhttp_connection *evcon)
{
}

void
sse_init(struct bootweb *bw)
{
}

void
sse_free(struct bootweb *bw)
{
}
