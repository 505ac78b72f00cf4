/*
 * token.h: the boot plane's identity and capabilities (netboot(7) TRUST
 * MODEL). Which client is at a source address, decided from evidence the
 * server observed; and the per-boot tokens that unattended files,
 * per-client files and the self-API are reached by.
 */
#ifndef NB_TOKEN_H
#define NB_TOKEN_H

#include <stddef.h>
#include <stdint.h>

#include <sha2.h>

#include "db.h"

#define NB_TOKEN_KEYLEN	32	/* the server secret (table secrets) */
#define NB_NONCE_LEN	16	/* a client's boot nonce (table boots) */
#define NB_TOKEN_TAGLEN	16	/* HMAC-SHA256 truncated to 128 bits */
/* hex: the MAC's 6 bytes, the expiry's 4, the tag's 16 */
#define NB_TOKEN_LEN	(2 * (6 + 4 + NB_TOKEN_TAGLEN))
#define NB_TOKEN_STRLEN	(NB_TOKEN_LEN + 1)
#define NB_TOKEN_LIFETIME 7200	/* seconds: token.lifetime's default */
/* What bootctl template render shows instead of a token. */
#define NB_TOKEN_PLACEHOLDER "TOKEN"

/* How a client was recognised at an address. */
enum nb_ident {
	NB_IDENT_NONE,		/* not at all: an anonymous peer */
	NB_IDENT_NEIGH,		/* the neighbour entry (ARP, NDP) */
	NB_IDENT_STATIC,	/* a client's static ip */
	NB_IDENT_LEASE6,	/* a bound, unexpired DHCPv6 lease of ours */
	NB_IDENT_CLAIM,		/* its own claim (boot.routed = claim) */
};

/* HMAC-SHA256 (RFC 2104) of msg under key into out. */
void	 nb_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg,
	    size_t len, uint8_t out[32]);
/* A key's two padded blocks, hashed once: half the work per message. */
struct nb_hmac_key {
	SHA2_CTX	 inner, outer;
};
/* Hash key's padded blocks into hk (explicit_bzero it when done). */
void	 nb_hmac_key_init(struct nb_hmac_key *hk, const uint8_t *key,
	    size_t keylen);
/* nb_hmac_sha256 under a key prepared by nb_hmac_key_init. */
void	 nb_hmac_keyed(const struct nb_hmac_key *, const void *msg,
	    size_t len, uint8_t out[32]);
/* The token of mac's boot nonce, valid until expires, into out (hex). */
void	 nb_token_make(const uint8_t key[NB_TOKEN_KEYLEN], const char *mac,
	    const uint8_t nonce[NB_NONCE_LEN], int64_t expires,
	    char out[NB_TOKEN_STRLEN]);
/* nb_token_make under a key prepared once (bootweb's per-request path). */
void	 nb_token_make_keyed(const struct nb_hmac_key *, const char *mac,
	    const uint8_t nonce[NB_NONCE_LEN], int64_t expires,
	    char out[NB_TOKEN_STRLEN]);
/* The MAC a token names and its expiry; -1 if tok is not a token's shape. */
int	 nb_token_parse(const char *tok, char mac[NB_MACSTR_LEN],
	    int64_t *expires);
/* 1 if tok is valid for that nonce at now (constant-time compare), else 0. */
int	 nb_token_valid(const uint8_t key[NB_TOKEN_KEYLEN], const char *tok,
	    const uint8_t nonce[NB_NONCE_LEN], int64_t now);
/* nb_token_valid under a key prepared once. */
int	 nb_token_valid_keyed(const struct nb_hmac_key *, const char *tok,
	    const uint8_t nonce[NB_NONCE_LEN], int64_t now);
/* The name of how a client was recognised, for logs and events. */
const char *nb_ident_name(enum nb_ident);

/* The server's token key, made once by schema 6 and shared by every process. */
int	 nb_token_key(struct nb_db *, uint8_t key[NB_TOKEN_KEYLEN]);
/* mac's boot nonce; all zero and NB_OK if it never fetched a /boot script. */
int	 nb_boot_nonce_get(struct nb_db *, const char *mac,
	    uint8_t nonce[NB_NONCE_LEN]);
/* Store mac's boot nonce (inside a batched write; mac must exist). */
int	 nb_boot_nonce_set(struct nb_db *, const char *mac,
	    const uint8_t nonce[NB_NONCE_LEN]);
/* A token for mac's current boot from the database, valid token.lifetime. */
int	 nb_token_mint(struct nb_db *, const char *mac,
	    char out[NB_TOKEN_STRLEN]);
/* The token.lifetime setting in seconds. */
int64_t	 nb_token_lifetime(struct nb_db *);

/*
 * Which client is at source address ip: nmac (its neighbour entry, NULL if
 * none), else the client whose static ip it is, else for IPv6 the MAC of a
 * bound, unexpired DHCPv6 lease. NB_OK with mac and *how, NB_NOTFOUND, or
 * NB_ERR when the database cannot say (never taken for "not found").
 */
int	 nb_ident_client(struct nb_db *, const char *ip, const char *nmac,
	    char mac[NB_MACSTR_LEN], enum nb_ident *how);

#endif
