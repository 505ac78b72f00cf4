/*
 * wake.c: Wake-on-LAN (netboot(7) WAKE-ON-LAN). The magic packet is six
 * 0xff bytes, then the target's MAC sixteen times (102 bytes), then an
 * optional 6-byte SecureOn password, sent as one UDP datagram to port 9
 * of a broadcast address. Where it goes, first match wins:
 *	the client's var wake_broadcast	("client")
 *	the setting wake.broadcast	("setting")
 *	the broadcast address of the local interface whose subnet holds
 *	the address the client was last seen with	("interface")
 *	255.255.255.255, out of the default route	("default")
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db_int.h"

size_t
nb_wake_packet(const uint8_t mac[NB_MAC_LEN], const uint8_t *secureon,
    uint8_t out[NB_WAKE_MAXLEN])
{
	size_t	 i;

	memset(out, 0xff, 6);
	for (i = 0; i < 16; i++)
		memcpy(out + 6 + i * NB_MAC_LEN, mac, NB_MAC_LEN);
	if (secureon == NULL)
		return NB_WAKE_LEN;
	memcpy(out + NB_WAKE_LEN, secureon, 6);
	return NB_WAKE_MAXLEN;
}

/* The broadcast address of the interface whose IPv4 subnet holds ip. */
static int
iface_broadcast(const char *ip, char out[NB_WAKE_ADDRLEN])
{
	struct ifaddrs		*ifs, *i;
	struct sockaddr_in	*a, *m, *b;
	struct in_addr		 want;
	int			 rc = -1;

	if (ip == NULL || inet_pton(AF_INET, ip, &want) != 1 ||
	    getifaddrs(&ifs) == -1)
		return -1;
	for (i = ifs; i != NULL && rc == -1; i = i->ifa_next) {
		if (i->ifa_addr == NULL || i->ifa_addr->sa_family != AF_INET ||
		    i->ifa_netmask == NULL || i->ifa_broadaddr == NULL ||
		    (i->ifa_flags & IFF_BROADCAST) == 0 ||
		    (i->ifa_flags & IFF_UP) == 0)
			continue;
		a = (struct sockaddr_in *)(void *)i->ifa_addr;
		m = (struct sockaddr_in *)(void *)i->ifa_netmask;
		b = (struct sockaddr_in *)(void *)i->ifa_broadaddr;
		if (((a->sin_addr.s_addr ^ want.s_addr) &
		    m->sin_addr.s_addr) != 0)
			continue;
		if (inet_ntop(AF_INET, &b->sin_addr, out, NB_WAKE_ADDRLEN))
			rc = 0;
	}
	freeifaddrs(ifs);
	return rc;
}

int
nb_wake_target(struct nb_db *db, const char *mac, char addr[NB_WAKE_ADDRLEN],
    const char **why)
{
	struct nb_client	 c;
	const char		*v;
	char			*set = NULL;
	int			 rc;

	nb_client_init(&c);
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK)
		goto done;
	v = json_string_value(json_object_get(c.vars, NB_WAKE_VAR));
	if (v != NULL && nb_ip_valid(v) &&
	    strlcpy(addr, v, NB_WAKE_ADDRLEN) < NB_WAKE_ADDRLEN) {
		*why = "client";
		goto done;
	}
	if (v != NULL) {
		rc = db_fail(db, NB_INVALID, "%s: var %s is not an IPv4 "
		    "address", mac, NB_WAKE_VAR);
		goto done;
	}
	if ((rc = nb_setting_get(db, "wake.broadcast", &set)) != NB_OK)
		goto done;
	if (set != NULL && *set != '\0' &&
	    strlcpy(addr, set, NB_WAKE_ADDRLEN) < NB_WAKE_ADDRLEN)
		*why = "setting";
	else if (iface_broadcast(c.last_ip, addr) == 0)
		*why = "interface";
	else {
		strlcpy(addr, "255.255.255.255", NB_WAKE_ADDRLEN);
		*why = "default";
	}
done:
	free(set);
	nb_client_clear(&c);
	return rc;
}

int
nb_wake_send(const char *addr, const uint8_t *pkt, size_t len)
{
	struct sockaddr_in	 sin;
	int			 s, on = 1, saved;
	ssize_t			 n;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons(NB_WAKE_PORT);
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		errno = EINVAL;
		return -1;
	}
	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (setsockopt(s, SOL_SOCKET, SO_BROADCAST, &on, sizeof(on)) == -1 ||
	    (n = sendto(s, pkt, len, 0, (struct sockaddr *)&sin,
	    sizeof(sin))) == -1) {
		saved = errno;
		close(s);
		errno = saved;
		return -1;
	}
	close(s);
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

/* Set mac's next boot inside the open transaction. */
static int
wake_next_boot(struct nb_db *db, const char *mac, enum nb_next_boot next)
{
	struct nb_client	 c;
	int			 rc;

	nb_client_init(&c);
	if ((rc = nb_client_get(db, mac, &c)) == NB_OK) {
		c.next_boot = next;
		rc = nb_client_update(db, &c);
	}
	nb_client_clear(&c);
	return rc;
}

int
nb_wake_locked(struct nb_db *db, const char *daemon, const char *mac,
    enum nb_next_boot next, const uint8_t *secureon,
    char sent[NB_WAKE_ADDRLEN])
{
	uint8_t		 raw[NB_MAC_LEN], pkt[NB_WAKE_MAXLEN];
	const char	*why = NULL;
	size_t		 len;
	int		 rc;

	if (nb_mac_parse(mac, raw) == -1)
		return db_fail(db, NB_INVALID, "bad MAC '%s'", mac);
	if (next != NB_NEXT_NONE &&
	    (rc = wake_next_boot(db, mac, next)) != NB_OK)
		return rc;
	if ((rc = nb_wake_target(db, mac, sent, &why)) != NB_OK)
		return rc;
	len = nb_wake_packet(raw, secureon, pkt);
	/* the next boot is committed only once the packet went out */
	if (nb_wake_send(sent, pkt, len) == -1)
		return db_fail(db, NB_ERR, "cannot send to %s port %d: %s",
		    sent, NB_WAKE_PORT, strerror(errno));
	return nb_event_add(db, mac, daemon, "wake", NULL, "to %s (%s)%s%s",
	    sent, why, next != NB_NEXT_NONE ? ", next boot " : "",
	    nb_next_boot_name(next));
}

int
nb_wake(struct nb_db *db, const char *daemon, const char *mac,
    enum nb_next_boot next, const uint8_t *secureon,
    char sent[NB_WAKE_ADDRLEN])
{
	int	 rc;

	if ((rc = nb_db_begin(db)) != NB_OK)
		return rc;
	if ((rc = nb_wake_locked(db, daemon, mac, next, secureon, sent)) !=
	    NB_OK) {
		nb_db_rollback(db);
		return rc;
	}
	return nb_db_commit(db);
}
