/*
 * tls.c: optional TLS on the admin plane (admin_tls_cert, admin_tls_key
 * in netboot.conf; bootweb(8) TLS). evhttp makes each connection's
 * bufferevent through the plane's callback (conn_bev); with TLS it is one
 * of libevent's OpenSSL bufferevents, accepting, so evhttp reads and
 * writes plain HTTP over it. TLS 1.2 at least; the certificate and key
 * are read at start, before privileges are dropped, so the key may be
 * readable by root alone.
 */
#include "config.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>

#include "log.h"
#include "tls.h"

/* The last OpenSSL error, for a log line. */
static const char *
tls_err(char *buf, size_t len)
{
	unsigned long	 e = ERR_get_error();

	if (e == 0)
		return "unknown error";
	ERR_error_string_n(e, buf, len);
	return buf;
}

void *
tls_init(const char *cert, const char *key)
{
	SSL_CTX	*ctx;
	char	 err[256];

	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL)
		fatalx("TLS: %s", tls_err(err, sizeof(err)));
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION |
	    SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1)
		fatalx("admin_tls_cert %s: %s", cert, tls_err(err,
		    sizeof(err)));
	if (SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1)
		fatalx("admin_tls_key %s: %s", key, tls_err(err, sizeof(err)));
	if (SSL_CTX_check_private_key(ctx) != 1)
		fatalx("admin_tls_key %s does not match admin_tls_cert %s",
		    key, cert);
	log_info("admin plane: TLS with %s", cert);
	return ctx;
}

struct bufferevent *
tls_bev(struct event_base *base, void *ctx)
{
	struct bufferevent	*bev;
	SSL			*ssl;

	if ((ssl = SSL_new(ctx)) == NULL)
		return NULL;
	bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	/* A client that closes without close_notify ends its connection. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	return bev;
}

void
tls_free(void *ctx)
{
	SSL_CTX_free(ctx);
}
