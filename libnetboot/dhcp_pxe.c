/*
 * dhcp_pxe.c: PXE boot server replies. The option order is fixed (53, 54,
 * the lease options, 60, 97, 67, 43) so replies can be checked byte by
 * byte; the content follows PXE-FACTS §3 (proxy OFFER) and §4 (port 4011).
 */
#include "config.h"

#include <arpa/inet.h>

#include <string.h>

#include "dhcp_pxe.h"

/* Option 43 of a reply: 43.6 = 8 (boot the file now), or 43.71 echoed on 4011. */
static void
pxe_opt43(struct dhcp_out *o, const struct dhcp_pkt *req, const struct dhcp_answer *a)
{
	uint8_t	 v[16];
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
	}
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
		/* PXE-FACTS §4 (dnsmasq): the client already has its address. */
		yi = req->ciaddr;
		ci = req->ciaddr;
	}
	if (a->type == DHCP_ACK && req->ciaddr.s_addr != 0)
		ci = req->ciaddr;
	/* siaddr always: iPXE ignores a proxy reply with siaddr 0 (dhcp_has_pxeopts). */
	if (a->file != NULL) {
		si = a->server;
		dhcp_ntoa(a->server, sname);
		dhcp_out_sname(o, sname);
		/* U-Boot reads only the BOOTP file field; EDK2 prefers option 67. */
		if (dhcp_out_file(o, a->file) == -1)
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
	if (a->file != NULL)
		pxe_opt43(o, req, a);
	return dhcp_out_finish(o);
}
