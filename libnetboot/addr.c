/* addr.c: MAC and IPv4 address helpers. */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Six groups of one or two hex digits separated by sep. */
static int
mac_parse_sep(const char *s, int sep, uint8_t mac[NB_MAC_LEN])
{
	int	 i, hi, lo;

	for (i = 0; i < NB_MAC_LEN; i++) {
		if ((hi = hexval(*s++)) < 0)
			return -1;
		if ((lo = hexval(*s)) >= 0) {
			mac[i] = (uint8_t)(hi << 4 | lo);
			s++;
		} else
			mac[i] = (uint8_t)hi;
		if (i < NB_MAC_LEN - 1 && *s++ != sep)
			return -1;
	}
	return *s == '\0' ? 0 : -1;
}

/* Twelve hex digits, with a dot after every fourth (Cisco) or none. */
static int
mac_parse_plain(const char *s, int dotted, uint8_t mac[NB_MAC_LEN])
{
	int	 i, hi, lo;

	for (i = 0; i < NB_MAC_LEN; i++) {
		if (dotted && (i == 2 || i == 4) && *s++ != '.')
			return -1;
		if ((hi = hexval(s[0])) < 0 || (lo = hexval(s[1])) < 0)
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	return *s == '\0' ? 0 : -1;
}

int
nb_mac_parse(const char *s, uint8_t mac[NB_MAC_LEN])
{
	size_t	 len;

	if (s == NULL)
		return -1;
	len = strlen(s);
	/* The separator decides the spelling, not the length: a-b-c-d-e-ff is 12 long. */
	if (strchr(s, ':') != NULL)
		return len <= 17 ? mac_parse_sep(s, ':', mac) : -1;
	if (strchr(s, '-') != NULL)
		return len <= 17 ? mac_parse_sep(s, '-', mac) : -1;
	if (strchr(s, '.') != NULL)
		return len == 14 ? mac_parse_plain(s, 1, mac) : -1;
	return len == 12 ? mac_parse_plain(s, 0, mac) : -1;
}

void
nb_mac_format(const uint8_t mac[NB_MAC_LEN], char out[NB_MACSTR_LEN])
{
	static const char hex[] = "0123456789abcdef";
	int	 i;

	/* By hand: daemons format a MAC per packet, and snprintf costs ~3k instructions. */
	for (i = 0; i < NB_MAC_LEN; i++) {
		out[i * 3] = hex[mac[i] >> 4];
		out[i * 3 + 1] = hex[mac[i] & 0xf];
		out[i * 3 + 2] = i < NB_MAC_LEN - 1 ? ':' : '\0';
	}
}

int
nb_mac_canon(const char *s, char out[NB_MACSTR_LEN])
{
	uint8_t	 mac[NB_MAC_LEN];

	if (nb_mac_parse(s, mac) == -1)
		return -1;
	nb_mac_format(mac, out);
	return 0;
}

int
nb_ip_parse(const char *s, struct in_addr *in)
{
	return inet_pton(AF_INET, s, in) == 1 ? 0 : -1;
}

int
nb_ip_valid(const char *s)
{
	struct in_addr	 in;

	return s != NULL && nb_ip_parse(s, &in) == 0;
}

size_t
nb_neigh_read(struct nb_neigh *tab, size_t max)
{
	FILE		*fp;
	char		 line[256], ip[64], hw[64];
	unsigned int	 type, flags;
	struct in_addr	 in;
	size_t		 n = 0;

	if ((fp = fopen("/proc/net/arp", "re")) == NULL)
		return 0;
	while (n < max && fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "%63s 0x%x 0x%x %63s", ip, &type, &flags, hw) != 4)
			continue;
		/* Flags 0 is an incomplete entry, with a zero address. */
		if (flags == 0 || strcmp(hw, "00:00:00:00:00:00") == 0 ||
		    nb_ip_parse(ip, &in) == -1 || nb_mac_parse(hw, tab[n].mac) == -1)
			continue;
		tab[n++].ip = in.s_addr;
	}
	fclose(fp);
	return n;
}

int
nb_neigh_mac(const char *ip, char out[NB_MACSTR_LEN])
{
	struct nb_neigh	 tab[256];
	struct in_addr	 in;
	size_t		 i, n;

	if (nb_ip_parse(ip, &in) == -1)
		return -1;
	n = nb_neigh_read(tab, sizeof(tab) / sizeof(tab[0]));
	for (i = 0; i < n; i++) {
		if (tab[i].ip == in.s_addr) {
			nb_mac_format(tab[i].mac, out);
			return 0;
		}
	}
	return -1;
}
