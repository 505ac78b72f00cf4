/*
 * dhcp_pxe.c: PXE boot server replies. The option order is fixed (53, 54,
 * the lease options, 60, 97, 67, 43) so replies can be checked byte by
 * byte; the content follows pxedhcpd(8), PROXY MODE and its Port 4011.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dhcp_pxe.h"

#define PXE_DISC_NO_BCAST	0x01	/* 43.6 bit 0 */
#define PXE_DISC_NO_MCAST	0x02	/* 43.6 bit 1 */

/* Text a PXE ROM can print: its menu is drawn on a text screen or a serial console. */
static int
pxe_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e)
			return 0;
	return 1;
}

int
dhcp_pxe_menu_item(const char *v, int pos, struct dhcp_menu_item *it,
    char *why, size_t whylen)
{
	const char	*sp, *label, *errstr;
	char		 word[8];
	size_t		 wlen;

	if ((sp = strchr(v, ' ')) == NULL ||
	    (wlen = (size_t)(sp - v)) >= sizeof(word)) {
		snprintf(why, whylen, "a menu item is 'network LABEL', "
		    "'local LABEL' or 'TYPE LABEL' (TYPE 0 to 65535)");
		return -1;
	}
	memcpy(word, v, wlen);
	word[wlen] = '\0';
	for (label = sp; *label == ' '; label++)
		;
	if (strcmp(word, "network") == 0)
		it->type = (uint16_t)(DHCP_MENU_NETWORK + pos - 1);
	else if (strcmp(word, "local") == 0)
		it->type = 0;
	else {
		it->type = (uint16_t)strtonum(word, 0, 65535, &errstr);
		if (errstr != NULL) {
			snprintf(why, whylen, "menu item type '%s' is not "
			    "network, local or a number 0 to 65535", word);
			return -1;
		}
	}
	if (*label == '\0' || strlen(label) > DHCP_MENU_LABEL_MAX ||
	    !pxe_printable(label)) {
		snprintf(why, whylen, "a menu label is 1 to %d printable ASCII "
		    "characters (so that the menu fits option 43)",
		    DHCP_MENU_LABEL_MAX);
		return -1;
	}
	strlcpy(it->label, label, sizeof(it->label));
	return 0;
}

int
dhcp_pxe_menu_prompt(const char *v, char *why, size_t whylen)
{
	if (*v != '\0' && strlen(v) <= DHCP_MENU_PROMPT_MAX &&
	    pxe_printable(v))
		return 0;
	snprintf(why, whylen, "the menu prompt is 1 to %d printable ASCII "
	    "characters (so that the menu fits option 43)",
	    DHCP_MENU_PROMPT_MAX);
	return -1;
}

int
dhcp_pxe_arch_list(const char *v, uint8_t *set, size_t n)
{
	const char	*errstr;
	char		 num[8];
	size_t		 len;
	long long	 arch;
	int		 count = 0;

	for (; *v != '\0'; v += len) {
		v += strspn(v, ", \t");
		if ((len = strcspn(v, ", \t")) == 0)
			break;
		if (len >= sizeof(num))
			return -1;
		memcpy(num, v, len);
		num[len] = '\0';
		arch = strtonum(num, 0, 65535, &errstr);
		if (errstr != NULL)
			return -1;
		if (set != NULL && (size_t)arch < n)
			set[arch] = 1;
		count++;
	}
	return count;
}

/*
 * Option 43 of a menu offer (PXE 2.1 §2.4, as dnsmasq sends it): 43.6 = 3
 * (no broadcast or multicast discovery: the servers are listed), 43.8 this
 * server for every network item, 43.9 the items, 43.10 the prompt. Local
 * items (type 0) have no server: the ROM boots the disk itself.
 */
static size_t
pxe_menu(uint8_t *v, const struct dhcp_menu *m, struct in_addr server)
{
	size_t	 n = 0, start, len;
	int	 i;

	v[n++] = PXE_DISCOVERY;
	v[n++] = 1;
	v[n++] = PXE_DISC_NO_BCAST | PXE_DISC_NO_MCAST;
	v[n++] = PXE_BOOTSERVERS;
	start = n++;
	for (i = 0; i < m->nitem; i++) {
		if (m->item[i].type == 0)
			continue;
		v[n++] = (uint8_t)(m->item[i].type >> 8);
		v[n++] = (uint8_t)m->item[i].type;
		v[n++] = 1;
		memcpy(v + n, &server, 4);
		n += 4;
	}
	if (n == start + 1)
		n -= 2;		/* only local items: no boot servers */
	else
		v[start] = (uint8_t)(n - start - 1);
	v[n++] = PXE_MENU;
	start = n++;
	for (i = 0; i < m->nitem; i++) {
		len = strlen(m->item[i].label);
		v[n++] = (uint8_t)(m->item[i].type >> 8);
		v[n++] = (uint8_t)m->item[i].type;
		v[n++] = (uint8_t)len;
		memcpy(v + n, m->item[i].label, len);
		n += len;
	}
	v[start] = (uint8_t)(n - start - 1);
	len = strlen(m->prompt);
	v[n++] = PXE_PROMPT;
	v[n++] = (uint8_t)(1 + len);
	v[n++] = m->timeout;
	memcpy(v + n, m->prompt, len);
	return n + len;
}

/* Option 43 of a reply: 43.6 = 8 (boot the file now), a menu, or 43.71 echoed on 4011. */
static void
pxe_opt43(struct dhcp_out *o, const struct dhcp_pkt *req, const struct dhcp_answer *a)
{
	uint8_t	 v[256];
	size_t	 n = 0;

	if (a->port4011 && req->has_bootitem) {
		/* PXE 2.1 §2.2.3 / dnsmasq rfc2131.c: the ACK names the boot item it answers. */
		v[n++] = PXE_BOOTITEM;
		v[n++] = 4;
		v[n++] = (uint8_t)(req->bootitem_type >> 8);
		v[n++] = (uint8_t)req->bootitem_type;
		v[n++] = (uint8_t)(req->bootitem_layer >> 8);
		v[n++] = (uint8_t)req->bootitem_layer;
	} else if (a->opt43 == OPT43_DIRECT) {
		/* Discovery control bit 3: use the file of this offer, no boot server discovery. */
		v[n++] = PXE_DISCOVERY;
		v[n++] = 1;
		v[n++] = PXE_DISC_USE_FILE;
	} else if (a->opt43 == OPT43_MENU && a->menu != NULL && a->menu->nitem > 0)
		n = pxe_menu(v, a->menu, a->server);
	if (n == 0)
		return;
	v[n++] = DHO_END;
	dhcp_out_opt(o, DHO_VENDOR, v, n);
}

static void
pxe_lease(struct dhcp_out *o, const struct dhcp_lease *l)
{
	uint32_t t = l->lease_time;

	dhcp_out_u32(o, DHO_LEASE, t);
	dhcp_out_u32(o, DHO_RENEW, t / 2);
	dhcp_out_u32(o, DHO_REBIND, t / 8 * 7);
	dhcp_out_addr(o, DHO_NETMASK, l->netmask);
	if (l->router.s_addr != 0)
		dhcp_out_addr(o, DHO_ROUTER, l->router);
	if (l->ndns > 0)
		dhcp_out_opt(o, DHO_DNS, l->dns, (size_t)l->ndns * 4);
	if (l->hostname != NULL)
		dhcp_out_str(o, DHO_HOSTNAME, l->hostname);
	if (l->domain != NULL)
		dhcp_out_str(o, DHO_DOMAIN, l->domain);
	if (l->nntp > 0)
		dhcp_out_opt(o, DHO_NTP, l->ntp, (size_t)l->nntp * 4);
}

int
dhcp_pxe_reply(struct dhcp_out *o, const struct dhcp_pkt *req, const struct dhcp_answer *a)
{
	struct in_addr	 zero = { 0 }, yi = zero, ci = zero, si = zero;
	char		 sname[INET_ADDRSTRLEN];

	dhcp_out_init(o, req, a->type);
	if (a->type == DHCP_NAK) {
		dhcp_out_addr(o, DHO_SERVERID, a->server);
		return dhcp_out_finish(o);
	}
	if (a->lease != NULL)
		yi = a->lease->addr;
	else if (a->port4011) {
		/* It has its address already (pxedhcpd(8), Port 4011). */
		yi = req->ciaddr;
		ci = req->ciaddr;
	}
	if (a->type == DHCP_ACK && req->ciaddr.s_addr != 0)
		ci = req->ciaddr;
	/*
	 * siaddr always: iPXE ignores a proxy reply with siaddr 0 (dhcp_has_pxeopts),
	 * unless it holds a menu; a menu offer without a file has none, like dnsmasq's.
	 * The Raspberry Pi bootloader takes its TFTP server from siaddr.
	 */
	if (a->file != NULL || a->siaddr) {
		si = a->server;
		dhcp_ntoa(a->server, sname);
		dhcp_out_sname(o, sname);
		/* U-Boot reads only the BOOTP file field; EDK2 prefers option 67. */
		if (a->file != NULL && dhcp_out_file(o, a->file) == -1)
			return -1;
	}
	dhcp_out_addrs(o, ci, yi, si);
	dhcp_out_addr(o, DHO_SERVERID, a->server);
	if (a->lease != NULL)
		pxe_lease(o, a->lease);
	if (a->vendor == VENDOR_PXE)
		dhcp_out_str(o, DHO_CLASSID, "PXEClient");
	else if (a->vendor == VENDOR_HTTP)
		dhcp_out_str(o, DHO_CLASSID, "HTTPClient");
	dhcp_out_echo(o, req, DHO_UUID);
	if (a->file != NULL)
		dhcp_out_str(o, DHO_BOOTFILE, a->file);
	/* A menu offer and a port 4011 local-boot answer carry option 43 without a file. */
	if (a->file != NULL || a->port4011 || a->opt43 == OPT43_MENU)
		pxe_opt43(o, req, a);
	return dhcp_out_finish(o);
}
