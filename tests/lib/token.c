/*
 * token.c: the boot plane's trust helpers: HMAC-SHA256 against RFC 4231's
 * vectors, per-boot tokens (made, parsed, refused when forged, stale,
 * expired or cut), and who is at an address (nb_ident_client): static ip
 * yes, last_ip never, DHCPv6 leases only when bound and unexpired.
 */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db.h"
#include "tap.h"
#include "token.h"

static void
hexof(const uint8_t *b, size_t n, char *out)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void
test_hmac(void)
{
	uint8_t	 key[131], out[32];
	char	 h[65];

	/* RFC 4231 test case 1 */
	memset(key, 0x0b, 20);
	nb_hmac_sha256(key, 20, "Hi There", 8, out);
	hexof(out, 32, h);
	is_str(h, "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
	    "HMAC-SHA256, RFC 4231 case 1");
	/* RFC 4231 test case 6: a key longer than a block is hashed first */
	memset(key, 0xaa, sizeof(key));
	nb_hmac_sha256(key, sizeof(key), "Test Using Larger Than Block-Size Key - Hash Key First",
	    54, out);
	hexof(out, 32, h);
	is_str(h, "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
	    "HMAC-SHA256, RFC 4231 case 6");
}

static void
test_tokens(void)
{
	uint8_t	 key[NB_TOKEN_KEYLEN], other[NB_TOKEN_KEYLEN];
	uint8_t	 nonce[NB_NONCE_LEN], nonce2[NB_NONCE_LEN];
	char	 tok[NB_TOKEN_STRLEN], bad[NB_TOKEN_STRLEN], mac[NB_MACSTR_LEN];
	int64_t	 exp, now = 1700000000;

	arc4random_buf(key, sizeof(key));
	arc4random_buf(other, sizeof(other));
	arc4random_buf(nonce, sizeof(nonce));
	memcpy(nonce2, nonce, sizeof(nonce));
	nonce2[0] ^= 1;
	nb_token_make(key, "52:54:00:ab:cd:ef", nonce, now + 7200, tok);
	ok(strlen(tok) == NB_TOKEN_LEN && strspn(tok, "0123456789abcdef") == NB_TOKEN_LEN,
	    "a token is %d hex digits: %s", NB_TOKEN_LEN, "(not shown)");
	ok(NB_TOKEN_TAGLEN * 8 >= 128, "its tag has %d bits", NB_TOKEN_TAGLEN * 8);
	ok(nb_token_parse(tok, mac, &exp) == 0 && strcmp(mac, "52:54:00:ab:cd:ef") == 0 &&
	    exp == now + 7200, "it names its MAC and expiry");
	ok(nb_token_valid(key, tok, nonce, now), "valid for its boot before it expires");
	ok(!nb_token_valid(key, tok, nonce, now + 7200), "not at its expiry");
	ok(!nb_token_valid(key, tok, nonce2, now), "not for another boot of the client");
	ok(!nb_token_valid(other, tok, nonce, now), "not under another server's key");
	strlcpy(bad, tok, sizeof(bad));
	bad[NB_TOKEN_LEN - 1] = bad[NB_TOKEN_LEN - 1] == '0' ? '1' : '0';
	ok(!nb_token_valid(key, bad, nonce, now), "not with its tag changed");
	strlcpy(bad, tok, sizeof(bad));
	bad[1] = bad[1] == '0' ? '1' : '0';	/* another MAC, same tag */
	ok(!nb_token_valid(key, bad, nonce, now), "not for another MAC");
	strlcpy(bad, tok, sizeof(bad));
	bad[19] = bad[19] == 'f' ? 'e' : 'f';	/* a later expiry, same tag */
	ok(!nb_token_valid(key, bad, nonce, now), "not with its expiry moved");
	bad[NB_TOKEN_LEN - 1] = '\0';
	ok(!nb_token_valid(key, bad, nonce, now) && nb_token_parse(bad, mac, &exp) == -1,
	    "not cut short");
	strlcpy(bad, tok, sizeof(bad));
	bad[0] = 'G';
	ok(nb_token_parse(bad, mac, &exp) == -1 && !nb_token_valid(key, bad, nonce, now),
	    "not with a non-hex digit");
	ok(nb_token_parse("", mac, &exp) == -1, "the empty string is no token");
}

/* A key prepared once gives the same HMACs and tokens as the raw key. */
static void
test_keyed(void)
{
	struct nb_hmac_key hk;
	uint8_t		 key[NB_TOKEN_KEYLEN], nonce[NB_NONCE_LEN];
	uint8_t		 a[32], b[32];
	char		 t1[NB_TOKEN_STRLEN], t2[NB_TOKEN_STRLEN];
	int64_t		 now = 1700000000;

	arc4random_buf(key, sizeof(key));
	arc4random_buf(nonce, sizeof(nonce));
	nb_hmac_key_init(&hk, key, sizeof(key));
	nb_hmac_sha256(key, sizeof(key), "message", 7, a);
	nb_hmac_keyed(&hk, "message", 7, b);
	ok(memcmp(a, b, sizeof(a)) == 0, "a prepared key: the same HMAC");
	nb_hmac_keyed(&hk, "message", 7, b);
	ok(memcmp(a, b, sizeof(a)) == 0, "and again: the key is not used up");
	nb_token_make(key, "52:54:00:ab:cd:ef", nonce, now + 60, t1);
	nb_token_make_keyed(&hk, "52:54:00:ab:cd:ef", nonce, now + 60, t2);
	is_str(t2, t1, "the same token");
	ok(nb_token_valid_keyed(&hk, t1, nonce, now) &&
	    !nb_token_valid_keyed(&hk, t1, nonce, now + 60),
	    "valid under the prepared key until its expiry");
	key[0] ^= 1;
	nb_hmac_key_init(&hk, key, sizeof(key));
	ok(!nb_token_valid_keyed(&hk, t1, nonce, now),
	    "not under another prepared key");
}

static void
test_ident(void)
{
	char		 dir[] = "/tmp/nbtok.XXXXXX", path[300], err[512], mac[NB_MACSTR_LEN];
	char		 tok[NB_TOKEN_STRLEN];
	struct nb_db	*db;
	struct nb_client c;
	struct nb_lease6 l;
	enum nb_ident	 how;
	uint8_t		 n1[NB_NONCE_LEN], n2[NB_NONCE_LEN], key[NB_TOKEN_KEYLEN];

	if (mkdtemp(dir) == NULL)
		abort();
	snprintf(path, sizeof(path), "%s/netboot.db", dir);
	if (nb_db_open(path, NB_DB_CREATE, &db, err, sizeof(err)) != NB_OK) {
		printf("# %s\n", err);
		abort();
	}
	nb_client_init(&c);
	strlcpy(c.mac, "52:54:00:00:00:01", sizeof(c.mac));
	c.ip = strdup("10.0.0.5");
	ok(nb_client_add(db, &c) == NB_OK, "a client with a static address");
	nb_client_clear(&c);
	ok(nb_client_seen(db, "52:54:00:00:00:02", -1, NULL, NULL, NULL, "10.0.0.6") == NB_OK,
	    "a client last seen at 10.0.0.6");
	ok(nb_ident_client(db, "10.0.0.9", "52:54:00:00:00:09", mac, &how) == NB_OK &&
	    how == NB_IDENT_NEIGH && strcmp(mac, "52:54:00:00:00:09") == 0,
	    "a neighbour entry is the answer");
	ok(nb_ident_client(db, "10.0.0.5", "52:54:00:00:00:09", mac, &how) == NB_OK &&
	    how == NB_IDENT_NEIGH && strcmp(mac, "52:54:00:00:00:09") == 0,
	    "a neighbour entry wins over a static address");
	ok(nb_ident_client(db, "10.0.0.5", NULL, mac, &how) == NB_OK &&
	    how == NB_IDENT_STATIC && strcmp(mac, "52:54:00:00:00:01") == 0,
	    "no neighbour entry: the static address");
	ok(nb_ident_client(db, "10.0.0.6", NULL, mac, &how) == NB_NOTFOUND &&
	    how == NB_IDENT_NONE && mac[0] == '\0', "last_ip alone recognises nobody");
	memset(&l, 0, sizeof(l));
	strlcpy(l.addr, "fd00::5", sizeof(l.addr));
	l.duid[0] = 0;
	l.duid[1] = 3;
	l.duidlen = 2;
	l.iaid = 1;
	strlcpy(l.mac, "52:54:00:00:00:01", sizeof(l.mac));
	l.expires = nb_now() + 600;
	ok(nb_lease6_bind(db, &l) == NB_OK, "a bound DHCPv6 lease");
	ok(nb_ident_client(db, "fd00::5", NULL, mac, &how) == NB_OK && how == NB_IDENT_LEASE6 &&
	    strcmp(mac, "52:54:00:00:00:01") == 0, "a bound, unexpired lease recognises");
	ok(nb_lease6_decline(db, l.duid, l.duidlen, l.iaid, l.addr, nb_now() + 600,
	    nb_now()) == NB_OK, "the lease declined");
	ok(nb_ident_client(db, "fd00::5", NULL, mac, &how) == NB_NOTFOUND,
	    "a declined lease recognises nobody");
	l.expires = nb_now() - 1;
	strlcpy(l.addr, "fd00::6", sizeof(l.addr));
	ok(nb_lease6_bind(db, &l) == NB_OK &&
	    nb_ident_client(db, "fd00::6", NULL, mac, &how) == NB_NOTFOUND,
	    "an expired lease recognises nobody");
	ok(nb_lease6_find(db, "fd00::6", &l) == NB_NOTFOUND, "nb_lease6_find skips it too");

	ok(nb_boot_nonce_get(db, "52:54:00:00:00:01", n1) == NB_OK &&
	    memcmp(n1, (uint8_t[NB_NONCE_LEN]){ 0 }, NB_NONCE_LEN) == 0,
	    "no boot yet: the zero nonce");
	arc4random_buf(n2, sizeof(n2));
	ok(nb_boot_nonce_set(db, "52:54:00:00:00:01", n2) == NB_OK &&
	    nb_boot_nonce_get(db, "52:54:00:00:00:01", n1) == NB_OK &&
	    memcmp(n1, n2, sizeof(n1)) == 0, "a boot nonce stored and read back");
	ok(nb_boot_nonce_set(db, "52:54:00:00:00:99", n2) != NB_OK,
	    "no nonce for a client that does not exist");
	ok(nb_token_mint(db, "52:54:00:00:00:01", tok) == NB_OK && nb_token_key(db, key) == NB_OK &&
	    nb_token_valid(key, tok, n2, nb_now()) &&
	    !nb_token_valid(key, tok, n2, nb_now() + NB_TOKEN_LIFETIME + 1),
	    "a minted token is valid for token.lifetime (default %d s)", NB_TOKEN_LIFETIME);
	ok(nb_setting_set(db, "token.lifetime", "60") == NB_OK && nb_token_lifetime(db) == 60 &&
	    nb_setting_set(db, "token.lifetime", "59") == NB_INVALID,
	    "token.lifetime is a setting, at least 60 s");
	ok(nb_setting_set(db, "boot.routed", "claim") == NB_OK &&
	    nb_setting_set(db, "boot.routed", "trust") == NB_INVALID,
	    "boot.routed is static or claim");
	ok(nb_client_rm(db, "52:54:00:00:00:01") == NB_OK &&
	    nb_boot_nonce_get(db, "52:54:00:00:00:01", n1) == NB_OK &&
	    memcmp(n1, (uint8_t[NB_NONCE_LEN]){ 0 }, NB_NONCE_LEN) == 0,
	    "removing a client removes its boot");
	nb_db_close(db);
	snprintf(err, sizeof(err), "rm -rf %s", dir);
	if (system(err) != 0)
		abort();
}

int
main(void)
{
	test_hmac();
	test_tokens();
	test_keyed();
	test_ident();
	return done_testing();
}
