/*
 * ratelim.c: the shared small pieces: the rate limiter (one counter, and
 * per source with a total), the FNV-1a hash, the MAC, DUID and UUID
 * formatters.
 */
#include "config.h"

#include <stdio.h>

#include "addr.h"
#include "hash.h"
#include "ratelim.h"
#include "tap.h"

static void
test_rate(void)
{
	struct nb_rate	 r = { 0 };
	unsigned int	 i, n = 0, left = 99;

	for (i = 0; i < 10; i++)
		n += (unsigned int)nb_rate_hit(&r, 3, 1000, 5000 + i, &left);
	ok(n == 3, "3 of 10 hits in one window pass (%u)", n);
	ok(nb_rate_full(&r, 3, 1000, 5500), "full within the window");
	ok(!nb_rate_full(&r, 3, 1000, 6000), "not full in the next");
	ok(nb_rate_hit(&r, 3, 1000, 6000, &left) && left == 7,
	    "the next window passes and tells the 7 refused (%u)", left);
	ok(nb_rate_hit(&r, 3, 1000, 6001, &left) && left == 0,
	    "later hits in a window tell nothing");
	ok(nb_rate_hit(&r, 3, 1000, 10, &left),
	    "a clock stepped back starts a window");
}

static void
test_ratelim(void)
{
	static struct nb_ratelim rl;
	unsigned int	 i, a = 0, b = 0, c = 0;
	char		 key[32];

	nb_ratelim_init(&rl, 20, 30, 60000);
	for (i = 0; i < 60; i++)
		a += (unsigned int)nb_ratelim_hit(&rl, "10.0.0.1", 1000 + i);
	ok(a == 20, "60 hits of one source: 20 pass (%u)", a);
	for (i = 0; i < 60; i++) {
		snprintf(key, sizeof(key), "10.0.1.%u", i);
		b += (unsigned int)nb_ratelim_hit(&rl, key, 2000 + i);
	}
	ok(b == 10, "60 more sources: the total leaves 10 (%u)", b);
	ok(rl.nsuppressed == 90, "90 refused (%llu)", rl.nsuppressed);
	for (i = 0; i < 30; i++)
		c += (unsigned int)nb_ratelim_hit(&rl, "10.0.0.1", 62000 + i);
	ok(c == 20, "a minute later the source has 20 again (%u)", c);
}

static void
test_format(void)
{
	static const uint8_t mac[6] = { 0x52, 0x54, 0x00, 0xab, 0xcd, 0xef };
	static const uint8_t u[16] = { 0x4c, 0x4c, 0x45, 0x44, 0x00, 0x4c,
	    0x10, 0x58, 0x80, 0x4e, 0xb4, 0xc0, 0x4f, 0x4e, 0x30, 0x32 };
	char	 m[NB_MACSTR_LEN], us[NB_UUIDSTR_LEN], d[8];

	nb_mac_format(mac, m);
	is_str(m, "52:54:00:ab:cd:ef", "MAC");
	nb_uuid_format(u, us);
	is_str(us, "4c4c4544-004c-1058-804e-b4c04f4e3032", "UUID");
	nb_hex_format(mac, 6, d, sizeof(d));
	is_str(d, "52:54", "bytes cut to whole ones that fit");
	nb_hex_format(mac, 0, d, sizeof(d));
	is_str(d, "", "no bytes");
}

static void
test_hash(void)
{
	/* The FNV-1a test vectors of draft-eastlake-fnv, "a" and "foobar". */
	ok(nb_hash_str("a") == 0xe40c292cu, "FNV-1a 32 of a");
	ok(nb_hash("foobar", 6) == 0xbf9cf968u, "FNV-1a 32 of foobar");
	ok(nb_hash_str("foobar") == nb_hash("foobar", 6),
	    "str and bytes agree");
	ok(nb_hash64_str("a") == 0xaf63dc4c8601ec8cULL, "FNV-1a 64 of a");
	ok(nb_hash64_str(NULL) == NB_FNV64_BASIS, "NULL hashes as empty");
}

int
main(void)
{
	test_rate();
	test_ratelim();
	test_format();
	test_hash();
	return done_testing();
}
