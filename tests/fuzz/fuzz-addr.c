/*
 * fuzz-addr.c: MAC and IP address parsing (libnetboot/addr.c), as the
 * settings, netboot.conf, bootctl and the /boot query use it. A MAC that
 * parses formats to the canonical form, which parses back to the same
 * bytes; an address that parses prints back to one that parses.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "neigh.h"
#include "fuzz.h"

const char *const fuzz_tokens[] = {
	":", "-", ".", "::", "%", "%lo", "ffff:", "::ffff:", "255", "0x", NULL
};

static void
fuzz_mac(const char *s)
{
	uint8_t	 mac[NB_MAC_LEN], again[NB_MAC_LEN];
	char	 canon[NB_MACSTR_LEN], c2[NB_MACSTR_LEN];
	int	 rc;

	rc = nb_mac_parse(s, mac);
	fuzz_check(rc == 0 || rc == -1, "nb_mac_parse returns 0 or -1");
	fuzz_check((nb_mac_canon(s, canon) == 0) == (rc == 0),
	    "canon agrees with parse");
	if (rc != 0)
		return;
	nb_mac_format(mac, c2);
	fuzz_check(strcmp(canon, c2) == 0 && strlen(canon) == NB_MACSTR_LEN - 1,
	    "canonical form");
	fuzz_check(nb_mac_parse(canon, again) == 0 && memcmp(mac, again,
	    sizeof(mac)) == 0,
	    "the canonical form parses back");
}

static void
fuzz_ip(const char *s)
{
	struct in_addr		 in;
	struct in6_addr		 n6;
	union nb_sockaddr	 sa;
	char			 buf[INET6_ADDRSTRLEN], tiny[4];

	if (nb_ip_parse(s, &in) == 0) {
		fuzz_check(nb_ip_valid(s) && nb_addr_valid(s),
		    "an IPv4 address is valid");
		fuzz_check(nb_neigh_addr(s, &n6) == 0 &&
		    IN6_IS_ADDR_V4MAPPED(&n6),
		    "an IPv4 neighbour address is mapped");
	} else
		fuzz_check(!nb_ip_valid(s),
		    "nb_ip_valid agrees with nb_ip_parse");
	if (nb_sa_parse(s, 69, &sa) == -1)
		return;
	fuzz_check(sa.sa.sa_family == AF_INET || sa.sa.sa_family == AF_INET6,
	    "a family");
	fuzz_check(nb_sa_port(&sa.sa) == 69, "the port");
	fuzz_check(nb_sa_len(&sa) <= sizeof(sa), "a length");
	fuzz_check(nb_sa_ntop(&sa.sa, buf, sizeof(buf)) == buf, "ntop writes");
	nb_sa_ntop(&sa.sa, tiny, sizeof(tiny));
	nb_sa_unmap(&sa);
	nb_sa_ntop(&sa.sa, buf, sizeof(buf));
	fuzz_check(nb_addr_valid(buf), "ntop's output parses");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char	*s = fuzz_strndup(data, size);

	fuzz_mac(s);
	fuzz_ip(s);
	free(s);
	return 0;
}
