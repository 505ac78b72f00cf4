/* tls.h: TLS on the admin plane (tls.c). */
#ifndef TLS_H
#define TLS_H

struct bufferevent;
struct event_base;

/* A server context for cert (a chain) and key; fatal if they do not load. */
void	*tls_init(const char *cert, const char *key);
/* A bufferevent that accepts TLS on the socket evhttp gives it. */
struct bufferevent *tls_bev(struct event_base *, void *ctx);
/* Free the context. */
void	 tls_free(void *ctx);

#endif
