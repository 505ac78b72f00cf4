/*
 * record.c: what pxedhcpd writes and what it reads, both on the thread of
 * the skeleton's write-behind queue (libnetboot/wq.c), pxedhcpd's only
 * user of the database once it runs. The loop queues raw records (the
 * client seen, the decision) of a fixed size, their bytes in the queue's
 * arena; the writer thread words the events, escapes the client's
 * strings and writes them in multi-row INSERTs (the queue's write hook),
 * so a DISCOVER storm costs the loop a few copies per packet. These
 * records stay pxedhcpd's own type rather than the queue's generic ones
 * because the wording (record_detail) is pxedhcpd's and costs less on
 * that thread than on the loop.
 *
 * The same thread, between passes (the queue's idle hook), looks for a
 * new policy to build and reads the DHCPv6 leases again (feed.c). It
 * writes the loop's lease changes in order (lease6.c) and counts the
 * last one committed, which the leases it reads are stamped with.
 */
#include "config.h"

#include <arpa/inet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pxedhcpd.h"
#include "xmalloc.h"

/* The text of one record, as the writer words it. */
struct rec_text {
	char		 mac[NB_MACSTR_LEN];
	char		 ip[INET_ADDRSTRLEN];
	char		 vendor[4 * 255 + 1];
	char		 user[4 * 64 + 1];
	char		 uuid[NB_UUIDSTR_LEN];
	char		 detail[400];
};

#define RECORD_CHUNK	32	/* records per write hook call */

struct record {
	struct nb_wq	*wq;
	struct feed	*feed;		/* the policies, built between passes */
	/* The writer's count of the loop's lease changes (lease6.c). */
	uint64_t	 tx_seq;	/* the last written in the tx */
	uint64_t	 done_seq;	/* the last one committed */
	/* The writer's scratch, reused for every chunk. */
	struct rec_text	 text[RECORD_CHUNK];
	struct nb_seen	 seen[RECORD_CHUNK];
	struct nb_event	 ev[RECORD_CHUNK];
};

struct rec_item *
record_new(struct record *r)
{
	return nb_wq_user(r->wq);
}

int64_t
record_bytes(struct record *r, const void *p, size_t len)
{
	return nb_wq_bytes(r->wq, p, len);
}

static const char *
nz(const char *s)
{
	return s[0] != '\0' ? s : NULL;
}

/* Untrusted option bytes as text: most are plain ASCII and copied as they are. */
static void
record_safe(char *out, size_t outsz, const char *s, size_t len)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (s[i] < ' ' || s[i] > '~' || s[i] == '\\')
			break;
	if (i == len && len < outsz) {
		memcpy(out, s, len);
		out[len] = '\0';
	} else
		log_safe(out, outsz, s, len);
}

/* The kind of an event: what the detail says happened. */
static const char *
record_kind(const struct pxev *ev)
{
	if (ev->code == PXEV_PROXY || ev->code == PXEV_STATIC)
		return ev->reply == DHCP_OFFER ? "dhcp-offer" : "dhcp-ack";
	return "dhcp-ignore";
}

/* A string being built in a fixed buffer; what does not fit is cut. */
struct sb {
	char	*buf;
	size_t	 len, size;
};

static void
sb_add(struct sb *b, const char *s, size_t len)
{
	if (len > b->size - 1 - b->len)
		len = b->size - 1 - b->len;
	memcpy(b->buf + b->len, s, len);
	b->len += len;
	b->buf[b->len] = '\0';
}

static void
sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void
sb_num(struct sb *b, unsigned v)
{
	char	 num[12];
	int	 i = (int)sizeof(num);

	do
		num[--i] = (char)('0' + v % 10);
	while ((v /= 10) > 0);
	sb_add(b, num + i, sizeof(num) - (size_t)i);
}

/*
 * The file part of a proxy answer's detail: the file, or "none" and why
 * (pxedhcpd(8), PXE boot menu); then the menu item or the profile.
 */
static void
record_menu(struct sb *b, const struct rec_item *it, const char *arena)
{
	const struct pxev	*ev = &it->ev;

	if (ev->menu == MENU_OFFER) {
		sb_str(b, "none: PXE menu of ");
		sb_num(b, ev->menu_items);
		sb_str(b, " items");
	} else if (ev->menu == MENU_LOCAL)
		sb_str(b, "none: local boot");
	else if (it->file_len > 0)
		sb_add(b, arena + it->file_off, it->file_len);
	else
		sb_str(b, "none");
	if (ev->menu == MENU_ITEM || ev->menu == MENU_LOCAL) {
		sb_str(b, " (menu item pxe.menu.");
		sb_num(b, ev->menu_item);
		sb_str(b, ": ");
		sb_add(b, arena + it->label_off, it->label_len);
		sb_str(b, ")");
	} else if (ev->menu == MENU_RPI)
		sb_str(b, " (Raspberry Pi profile, 43.9 Raspberry Pi Boot)");
}

/*
 * The detail of a proxy answer, the event of every answered DISCOVER:
 * "proxy offer bootloader undionly.kpxe for x86 BIOS (arch 0), 43.6=8
 * (boot at once)", built without printf.
 */
static void
record_proxy(char *buf, size_t bufsz, const struct rec_item *it,
    const char *arena, const char *aname)
{
	static const char *const what[] = { "iPXE chain script",
	    "HTTP Boot URL", "bootloader" };
	const struct pxev	*ev = &it->ev;
	struct sb	 b = { buf, 0, bufsz };

	buf[0] = '\0';
	sb_str(&b, ev->flags & PXEVF_4011 ? "port 4011 " : "proxy ");
	sb_str(&b, ev->reply == DHCP_OFFER ? "offer " : "ack ");
	sb_str(&b, what[ev->what % 3]);
	sb_str(&b, " ");
	record_menu(&b, it, arena);
	sb_str(&b, " for ");
	if (ev->flags & PXEVF_IPXE)
		sb_str(&b, "iPXE on ");
	sb_str(&b, aname);
	sb_str(&b, " (arch ");
	sb_num(&b, ev->arch);
	sb_str(&b, ")");
	if (ev->flags & PXEVF_DIRECT)
		sb_str(&b, ", 43.6=8 (boot at once)");
	else if (ev->flags & PXEVF_NO43)
		sb_str(&b, ", no option 43 (client asks port 4011)");
	if (ev->next_boot != NB_NEXT_NONE) {
		sb_str(&b, "; next boot ");
		sb_str(&b, nb_next_boot_name(ev->next_boot));
	}
	if (ev->flags & PXEVF_NOHTTP)
		sb_str(&b, "; warning: this iPXE has no HTTP (175.19)");
}

/*
 * The detail line of an event (the texts of events are part of the
 * interface: netboot(7)).
 */
static void
record_detail(char *buf, size_t bufsz, const struct rec_item *it,
    const char *arena)
{
	static const char *const why[] = { "denied (allowed = 0)",
	    "suspended through the self-API",
	    "unknown client and unknown_clients = ignore" };
	const struct pxev	*ev = &it->ev;
	const char	*aname, *type = dhcp_type_name(ev->type);
	char		 a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN];

	dhcp_arch_kind(ev->arch, &aname);
	switch (ev->code) {
	case PXEV_REFUSED:
		snprintf(buf, bufsz, "%s from %s (arch %d) ignored: %s", type, aname, ev->arch,
		    why[ev->why % 3]);
		break;
	case PXEV_BIS:
		snprintf(buf, bufsz, "port 4011 request for PXE BIS (layer 0x%04x) ignored: "
		    "not supported", ev->layer);
		break;
	case PXEV_NOLOADER:
		snprintf(buf, bufsz, "%s from %s (arch %d) ignored: no bootloader for this arch "
		    "(setting bootloader.%d)", type, aname, ev->arch, ev->arch);
		break;
	case PXEV_PROXY:
		record_proxy(buf, bufsz, it, arena, aname);
		break;
	case PXEV_STATIC_WRONG:
		dhcp_ntoa(ev->a, a);
		dhcp_ntoa(ev->b, b);
		snprintf(buf, bufsz, "static mode: REQUEST for %s ignored: this client's address "
		    "is %s", a, b);
		break;
	case PXEV_STATIC_NONE:
		strlcpy(buf, "static mode: no static address and static.others = ignore", bufsz);
		break;
	case PXEV_STATIC:
		dhcp_ntoa(ev->b, b);
		snprintf(buf, bufsz, "static %s of %s%s%.*s",
		    ev->reply == DHCP_OFFER ? "offer" : "ack", b,
		    it->file_len > 0 ? ", boot file " : "", it->file_len,
		    arena + it->file_off);
		break;
	default:
		buf[0] = '\0';
	}
}

/*
 * The address a client is recorded at: its ciaddr only when the kernel's
 * neighbour table maps that address to the chaddr (the reply went there,
 * so the entry is fresh by the time this thread runs). A ciaddr alone is
 * the client's word, and would let anyone bind a victim's MAC to its own
 * address (netboot(7), trust model).
 */
static void
record_ip(char ip[INET_ADDRSTRLEN], const struct rec_item *it, const char *mac)
{
	char	 nmac[NB_MACSTR_LEN];

	ip[0] = '\0';
	if (it->ciaddr.s_addr == 0)
		return;
	dhcp_ntoa(it->ciaddr, ip);
	if (nb_neigh_mac(ip, nmac) == -1 || strcmp(nmac, mac) != 0)
		ip[0] = '\0';
}

/* Word one record into text slot t and add it to the rows of the chunk. */
static void
record_word(struct record *r, const char *arena, const struct rec_item *it,
    struct rec_text *t, size_t *ns, size_t *ne)
{
	/* No arena when no item of the chunk had class text. */
	const char	*cls = arena != NULL ? arena + it->class_off : "";
	struct nb_seen	*s;
	struct nb_event	*ev;

	nb_mac_format(it->mac, t->mac);
	record_ip(t->ip, it, t->mac);
	if (it->seen) {
		record_safe(t->vendor, sizeof(t->vendor), cls, it->vendor_len);
		record_safe(t->user, sizeof(t->user), cls + it->vendor_len, it->user_len);
		if (it->has_uuid)
			nb_uuid_format(it->uuid, t->uuid);
		else
			t->uuid[0] = '\0';
		s = &r->seen[(*ns)++];
		s->mac = t->mac;
		s->arch = it->arch;
		s->vendor_class = nz(t->vendor);
		s->user_class = nz(t->user);
		s->uuid = nz(t->uuid);
		s->ip = nz(t->ip);
		s->when = (int64_t)it->ts;
	}
	if (it->has_ev) {
		record_detail(t->detail, sizeof(t->detail), it, arena);
		ev = &r->ev[(*ne)++];
		memset(ev, 0, sizeof(*ev));
		ev->ts = it->ts;
		memcpy(ev->mac, t->mac, sizeof(ev->mac));
		ev->ip = nz(t->ip);
		ev->kind = record_kind(&it->ev);
		ev->detail = t->detail;
		if (log_getverbose() > 0)
			log_debug("%s %s: %s", ev->kind, t->mac, t->detail);
	}
}

/* The queue's write hook: n records (RECORD_CHUNK at most), in its tx. */
static int
record_write(struct nb_db *db, void *const *recs, size_t n, const char *arena,
    void *arg)
{
	struct record		*r = arg;
	const struct rec_item	*it;
	size_t			 k, ns = 0, ne = 0;
	int			 rc = NB_OK, stale = 0;

	for (k = 0; k < n && k < RECORD_CHUNK; k++) {
		it = recs[k];
		if (it->lease_op == L6_NONE) {
			record_word(r, arena, it, &r->text[k], &ns, &ne);
			continue;
		}
		/*
		 * In the queue's order: the loop's copy counts on it. One
		 * the database refuses is dropped (by the queue) and counts
		 * as done; the copy is read again.
		 */
		if (it->lease.seq > r->tx_seq)
			r->tx_seq = it->lease.seq;
		if ((rc = lease6_write(db, it, arena, &stale)) != NB_OK) {
			stale = rc != NB_BUSY;
			break;
		}
	}
	/* The loop's copy of the leases is wrong: another after the commit. */
	if (stale)
		feed_refresh(r->feed);
	if (rc != NB_OK)
		return rc;
	if (ns > 0)
		rc = nb_client_seen_many(db, r->seen, ns);
	if (rc == NB_OK && ne > 0)
		rc = nb_event_add_many(db, "pxedhcpd", r->ev, ne);
	return rc;
}

/*
 * The queue's commit hook: the lease changes written are in. One that
 * was written in a transaction that rolled back is written again, in a
 * later one, before any change after it.
 */
static void
record_committed(void *arg)
{
	struct record	*r = arg;

	r->done_seq = r->tx_seq;
}

/* The queue's idle hook: a new policy and the leases, if due. */
static void
record_idle(struct nb_db *db, void *arg)
{
	struct record	*r = arg;

	feed_check(db, r->feed, r->done_seq);
}

struct record *
record_start(struct nb_daemon *d, struct feed *feed)
{
	struct record		*r = xcalloc(1, sizeof(*r));
	struct nb_wq_hooks	 hooks = {
		.user_size = sizeof(struct rec_item),
		.write = record_write,
		.idle = record_idle,
		.commit = record_committed,
		.arg = r,
	};

	r->feed = feed;
	/* The loop never reads the database: the queue's thread does. */
	nb_daemon_open_db(d, NB_DAEMON_NOLOOP, &hooks);
	r->wq = d->evq;
	nb_wq_wake(r->wq);
	return r;
}

void
record_wake(struct record *r)
{
	nb_wq_wake(r->wq);
}

void
record_stop(struct record *r, struct nb_daemon *d)
{
	/* Its hooks use r: the queue goes first, writing what it holds. */
	nb_daemon_stop_queue(d);
	free(r);
}
