/* mac.c: MAC and IPv4 parsing: every spelling, every malformed form. */
#include "config.h"

#include "addr.h"
#include "tap.h"

static const struct {
	const char	*in;
	const char	*want;	/* NULL: must be refused */
} cases[] = {
	{ "aa:bb:cc:dd:ee:ff", "aa:bb:cc:dd:ee:ff" },
	{ "AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff" },
	{ "Aa:bB:0c:Dd:eE:1f", "aa:bb:0c:dd:ee:1f" },
	{ "AA-BB-CC-DD-EE-FF", "aa:bb:cc:dd:ee:ff" },
	{ "aa-bb-cc-dd-ee-ff", "aa:bb:cc:dd:ee:ff" },
	{ "aabb.ccdd.eeff", "aa:bb:cc:dd:ee:ff" },
	{ "AABB.CCDD.EEFF", "aa:bb:cc:dd:ee:ff" },
	{ "aabbccddeeff", "aa:bb:cc:dd:ee:ff" },
	{ "AABBCCDDEEFF", "aa:bb:cc:dd:ee:ff" },
	{ "0:1:2:3:4:5", "00:01:02:03:04:05" },
	{ "a-b-c-d-e-f", "0a:0b:0c:0d:0e:0f" },
	{ "a-b-c-d-e-ff", "0a:0b:0c:0d:0e:ff" },
	{ "aa:bb:cc:0:0:4", "aa:bb:cc:00:00:04" },
	{ "aa:b:c:d:e:f", "aa:0b:0c:0d:0e:0f" },
	{ "aa:bb:cc:dd:ee:f-", NULL },
	{ "a:b:c:d:e:f:", NULL },
	{ "aa-bb-cc-dd-ee-ff-", NULL },
	{ "52:54:00:12:34:56", "52:54:00:12:34:56" },
	{ "", NULL },
	{ "aa:bb:cc:dd:ee", NULL },
	{ "aa:bb:cc:dd:ee:ff:00", NULL },
	{ "aa:bb:cc:dd:ee:fg", NULL },
	{ "aa:bb-cc:dd:ee:ff", NULL },
	{ "aa:bb:cc:dd:ee:ff ", NULL },
	{ " aa:bb:cc:dd:ee:ff", NULL },
	{ "aaa:bb:cc:dd:ee:ff", NULL },
	{ "aa::bb:cc:dd:ee:ff", NULL },
	{ "aa:bb:cc:dd:ee:", NULL },
	{ "aabbccddeef", NULL },
	{ "aabbccddeeff0", NULL },
	{ "aabbccddeefg", NULL },
	{ "aabb.ccdd.eef", NULL },
	{ "aabb.ccdd-eeff", NULL },
	{ "aab.bccd.deeff", NULL },
	{ "aa.bb.cc.dd.ee.ff", NULL },
	{ "aa bb cc dd ee ff", NULL },
	{ "zz:zz:zz:zz:zz:zz", NULL },
	{ "aa:bb:cc:dd:ee:ff\t", NULL },
};

int
main(void)
{
	char		 out[NB_MACSTR_LEN];
	size_t		 i;
	struct in_addr	 in;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = nb_mac_canon(cases[i].in, out);

		if (cases[i].want == NULL)
			ok(rc == -1, "refuses '%s'", cases[i].in);
		else {
			ok(rc == 0, "accepts '%s'", cases[i].in);
			if (rc == 0)
				is_str(out, cases[i].want, "'%s' is %s", cases[i].in, cases[i].want);
		}
	}
	ok(nb_mac_canon(NULL, out) == -1, "refuses NULL");
	ok(nb_ip_parse("10.77.0.2", &in) == 0 && in.s_addr == htonl(0x0a4d0002), "parses 10.77.0.2");
	ok(nb_ip_valid("255.255.255.255"), "accepts 255.255.255.255");
	ok(!nb_ip_valid("256.1.1.1"), "refuses 256.1.1.1");
	ok(!nb_ip_valid("10.1.1"), "refuses 10.1.1");
	ok(!nb_ip_valid("10.1.1.1 "), "refuses a trailing space");
	ok(!nb_ip_valid("::1"), "refuses IPv6");
	ok(!nb_ip_valid(NULL), "refuses NULL");
	return done_testing();
}
