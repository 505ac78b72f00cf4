/*
 * token.c: per-boot capability tokens (netboot(7) TRUST MODEL).
 *
 * A token is hex of the client's MAC (6 bytes), an expiry (4 bytes, big
 * endian seconds since the epoch) and a tag: HMAC-SHA256 under the server
 * secret of a version label, the MAC, the client's boot nonce and the
 * expiry, cut to 128 bits. The nonce is renewed each time the verified
 * client fetches its /boot script, so a new boot makes the old tokens
 * worthless; the expiry bounds them in time. Nothing is stored per token.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include <sha2.h>

#include "token.h"

/* Domain separation, and a version of the format. */
#define TOKEN_LABEL	"netboot-token-1"

void
nb_hmac_key_init(struct nb_hmac_key *hk, const uint8_t *key, size_t keylen)
{
	SHA2_CTX	 ctx;
	uint8_t		 k[SHA256_BLOCK_LENGTH];
	uint8_t		 pad[SHA256_BLOCK_LENGTH];
	size_t		 i;

	memset(k, 0, sizeof(k));
	if (keylen > sizeof(k)) {
		SHA256Init(&ctx);
		SHA256Update(&ctx, key, keylen);
		SHA256Final(k, &ctx);
	} else
		memcpy(k, key, keylen);
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x36;
	SHA256Init(&hk->inner);
	SHA256Update(&hk->inner, pad, sizeof(pad));
	for (i = 0; i < sizeof(pad); i++)
		pad[i] = k[i] ^ 0x5c;
	SHA256Init(&hk->outer);
	SHA256Update(&hk->outer, pad, sizeof(pad));
	explicit_bzero(k, sizeof(k));
	explicit_bzero(pad, sizeof(pad));
	explicit_bzero(&ctx, sizeof(ctx));
}

void
nb_hmac_keyed(const struct nb_hmac_key *hk, const void *msg, size_t len,
    uint8_t out[32])
{
	SHA2_CTX	 ctx;
	uint8_t		 inner[SHA256_DIGEST_LENGTH];

	ctx = hk->inner;
	SHA256Update(&ctx, msg, len);
	SHA256Final(inner, &ctx);
	ctx = hk->outer;
	SHA256Update(&ctx, inner, sizeof(inner));
	SHA256Final(out, &ctx);
	explicit_bzero(inner, sizeof(inner));
	explicit_bzero(&ctx, sizeof(ctx));
}

void
nb_hmac_sha256(const uint8_t *key, size_t keylen, const void *msg, size_t len,
    uint8_t out[32])
{
	struct nb_hmac_key	 hk;

	nb_hmac_key_init(&hk, key, keylen);
	nb_hmac_keyed(&hk, msg, len, out);
	explicit_bzero(&hk, sizeof(hk));
}

static void
token_tag(const struct nb_hmac_key *hk, const uint8_t mac[NB_MAC_LEN],
    const uint8_t nonce[NB_NONCE_LEN], uint32_t expires,
    uint8_t tag[NB_TOKEN_TAGLEN])
{
	uint8_t	 msg[sizeof(TOKEN_LABEL) + NB_MAC_LEN + NB_NONCE_LEN +
	    4];
	uint8_t	 h[32], *p = msg;

	memcpy(p, TOKEN_LABEL, sizeof(TOKEN_LABEL));	/* with its NUL */
	p += sizeof(TOKEN_LABEL);
	memcpy(p, mac, NB_MAC_LEN);
	p += NB_MAC_LEN;
	memcpy(p, nonce, NB_NONCE_LEN);
	p += NB_NONCE_LEN;
	*p++ = (uint8_t)(expires >> 24);
	*p++ = (uint8_t)(expires >> 16);
	*p++ = (uint8_t)(expires >> 8);
	*p++ = (uint8_t)expires;
	nb_hmac_keyed(hk, msg, (size_t)(p - msg), h);
	memcpy(tag, h, NB_TOKEN_TAGLEN);
}

static int
unhex(const char *s, uint8_t *b, size_t n)
{
	size_t	 i;
	int	 hi, lo;

	for (i = 0; i < n; i++) {
		hi = s[2 * i];
		lo = s[2 * i + 1];
		if (!((hi >= '0' && hi <= '9') || (hi >= 'a' && hi <= 'f')) ||
		    !((lo >= '0' && lo <= '9') || (lo >= 'a' && lo <= 'f')))
			return -1;
		hi = hi <= '9' ? hi - '0' : hi - 'a' + 10;
		lo = lo <= '9' ? lo - '0' : lo - 'a' + 10;
		b[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/*
 * Compare two tags in time independent of where they differ (OpenBSD's
 * timingsafe_bcmp; Debian 12's libbsd 0.11 does not have it).
 */
static int
tag_equal(const uint8_t *a, const uint8_t *b)
{
	volatile uint8_t	 d = 0;
	size_t			 i;

	for (i = 0; i < NB_TOKEN_TAGLEN; i++)
		d |= a[i] ^ b[i];
	return d == 0;
}

void
nb_token_make(const uint8_t key[NB_TOKEN_KEYLEN], const char *mac,
    const uint8_t nonce[NB_NONCE_LEN], int64_t expires,
    char out[NB_TOKEN_STRLEN])
{
	struct nb_hmac_key	 hk;

	nb_hmac_key_init(&hk, key, NB_TOKEN_KEYLEN);
	nb_token_make_keyed(&hk, mac, nonce, expires, out);
	explicit_bzero(&hk, sizeof(hk));
}

void
nb_token_make_keyed(const struct nb_hmac_key *hk, const char *mac,
    const uint8_t nonce[NB_NONCE_LEN], int64_t expires,
    char out[NB_TOKEN_STRLEN])
{
	uint8_t	 raw[NB_TOKEN_LEN / 2];
	uint32_t e = expires < 0 ? 0 : expires > UINT32_MAX ? UINT32_MAX :
		    (uint32_t)expires;

	if (nb_mac_parse(mac, raw) == -1)
		memset(raw, 0, NB_MAC_LEN);
	raw[6] = (uint8_t)(e >> 24);
	raw[7] = (uint8_t)(e >> 16);
	raw[8] = (uint8_t)(e >> 8);
	raw[9] = (uint8_t)e;
	token_tag(hk, raw, nonce, e, raw + 10);
	nb_hex(raw, sizeof(raw), out);
}

int
nb_token_parse(const char *tok, char mac[NB_MACSTR_LEN], int64_t *expires)
{
	uint8_t	 raw[NB_TOKEN_LEN / 2];

	if (strlen(tok) != NB_TOKEN_LEN || unhex(tok, raw, sizeof(raw)) == -1)
		return -1;
	nb_mac_format(raw, mac);
	*expires = (int64_t)raw[6] << 24 | (int64_t)raw[7] << 16 |
	    (int64_t)raw[8] << 8 | raw[9];
	return 0;
}

int
nb_token_valid(const uint8_t key[NB_TOKEN_KEYLEN], const char *tok,
    const uint8_t nonce[NB_NONCE_LEN], int64_t now)
{
	struct nb_hmac_key	 hk;
	int			 ok;

	nb_hmac_key_init(&hk, key, NB_TOKEN_KEYLEN);
	ok = nb_token_valid_keyed(&hk, tok, nonce, now);
	explicit_bzero(&hk, sizeof(hk));
	return ok;
}

int
nb_token_valid_keyed(const struct nb_hmac_key *hk, const char *tok,
    const uint8_t nonce[NB_NONCE_LEN], int64_t now)
{
	uint8_t	 raw[NB_TOKEN_LEN / 2], want[NB_TOKEN_TAGLEN];
	uint32_t e;

	if (strlen(tok) != NB_TOKEN_LEN || unhex(tok, raw, sizeof(raw)) == -1)
		return 0;
	e = (uint32_t)raw[6] << 24 | (uint32_t)raw[7] << 16 |
	    (uint32_t)raw[8] << 8 | raw[9];
	token_tag(hk, raw, nonce, e, want);
	if (!tag_equal(want, raw + 10))
		return 0;
	return (int64_t)e > now;
}

const char *
nb_ident_name(enum nb_ident how)
{
	static const char *const names[] = {
		[NB_IDENT_NONE] = "unverified",
		[NB_IDENT_NEIGH] = "neighbour entry",
		[NB_IDENT_STATIC] = "static address",
		[NB_IDENT_LEASE6] = "DHCPv6 lease",
		[NB_IDENT_CLAIM] = "claimed (boot.routed claim)",
	};

	if ((size_t)how >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[how];
}
