/*
 * fuzz-neigh.c: the neighbour-table parsers of libnetboot/neigh.c that
 * bootweb and tftpd trust for a client's identity: the text of
 * /proc/net/arp (first byte even) and a netlink RTM_GETNEIGH dump (odd).
 */
#include "config.h"

#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "neigh.h"
#include "fuzz.h"

const char *const fuzz_tokens[] = {
	"0x1", "0x2", "0x0", "0x6", " * ", "eth0", "00:00:00:00:00:00", "\n",
	NULL
};

static const uint8_t zero[NB_MAC_LEN];

static void
check_tab(const struct nb_neigh *tab, size_t n, size_t max)
{
	size_t	 i;

	fuzz_check(n <= max, "the table bound holds");
	for (i = 0; i < n; i++)
		fuzz_check(memcmp(tab[i].mac, zero, NB_MAC_LEN) != 0,
		    "no zero MAC");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static union {
		struct nlmsghdr	 nh;
		uint8_t		 buf[65536];
	}		 rx;
	struct nb_neigh	 tab[8];
	size_t		 n, max;
	FILE		*fp;
	int		 done = 0;

	if (size < 1 || size - 1 > sizeof(rx.buf))
		return 0;
	max = 1 + data[0] % 8 / 2;
	if (data[0] % 2 == 0) {
		if (size == 1 || (fp = fmemopen((void *)(uintptr_t)(data + 1),
		    size - 1, "r")) == NULL)
			return 0;
		n = nb_neigh_parse_arp(fp, tab, max);
		fclose(fp);
		check_tab(tab, n, max);
		for (max = 0; max < n; max++)
			fuzz_check(IN6_IS_ADDR_V4MAPPED(&tab[max].ip),
			    "an IPv4 entry");
		return 0;
	}
	/* A heap copy of the exact size: reads past the datagram are seen. */
	{
		uint8_t	*copy = malloc(size);

		memcpy(copy, data + 1, size - 1);
		n = nb_neigh_parse_nl(copy, size - 1, tab, max, &done);
		free(copy);
	}
	check_tab(tab, n, max);
	memcpy(rx.buf, data + 1, size - 1);
	n = nb_neigh_parse_nl(rx.buf, size - 1, tab, max, &done);
	check_tab(tab, n, max);
	return 0;
}
