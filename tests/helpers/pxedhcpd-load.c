/*
 * pxedhcpd-load: a bounded PXE DISCOVER load generator for
 * tools/bench-pxedhcpd.sh. For each rate it sends BIOS PXE DISCOVERs with
 * distinct MACs, broadcast to port 67, for a fixed time, and matches the
 * broadcast OFFERs by xid: offered rate, answered rate, loss and latency
 * percentiles, one line per rate. Runs only inside the benchmark's
 * namespace; every step stops by itself.
 *
 * usage: pxedhcpd-load -i IFACE [-n count] [-t seconds] [-r run] rate ...
 * -n stops each step after count DISCOVERs (tools/callgrind-pxedhcpd.sh
 * divides instructions by a fixed number of answers).
 */
#include "config.h"

#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MAXSENT		(4 << 20)	/* DISCOVERs per step at most */
#define BATCH		32

static uint64_t	*sent_at;		/* ns, by sequence number; 0 once answered */
static uint32_t	*lat;			/* µs of answered ones */
static uint32_t	 maxsent = MAXSENT;	/* -n */

static uint64_t
now_ns(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* A DISCOVER as an Intel BIOS PXE ROM sends it (93, 94, 97: RFC 4578). */
static size_t
build(uint8_t *b, uint32_t xid, uint32_t run, uint32_t seq)
{
	static const uint8_t opts[] = {
		53, 1, 1, 57, 2, 0x04, 0xec,
		60, 32, 'P', 'X', 'E', 'C', 'l', 'i', 'e', 'n', 't', ':', 'A', 'r', 'c', 'h', ':',
		'0', '0', '0', '0', '0', ':', 'U', 'N', 'D', 'I', ':', '0', '0', '2', '0', '0', '1',
		93, 2, 0, 0, 94, 3, 1, 2, 1,
		97, 17, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
		55, 8, 1, 3, 43, 60, 66, 67, 128, 129, 255
	};
	uint32_t n = htonl(xid);

	memset(b, 0, 240);
	b[0] = 1;
	b[1] = 1;
	b[2] = 6;
	memcpy(b + 4, &n, 4);
	b[10] = 0x80;
	b[28] = 0x02;
	b[29] = (uint8_t)run;
	b[30] = (uint8_t)(seq >> 24);
	b[31] = (uint8_t)(seq >> 16);
	b[32] = (uint8_t)(seq >> 8);
	b[33] = (uint8_t)seq;
	b[236] = 99;
	b[237] = 130;
	b[238] = 83;
	b[239] = 99;
	memcpy(b + 240, opts, sizeof(opts));
	return 240 + sizeof(opts);
}

static int
cmp32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
drain(int fd, uint32_t base, uint32_t nsent, uint32_t *nlat)
{
	uint8_t		 bufs[BATCH][1500];
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	uint64_t	 t;
	uint32_t	 xid, seq;
	int		 i, n;

	for (;;) {
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < BATCH; i++) {
			iov[i].iov_base = bufs[i];
			iov[i].iov_len = sizeof(bufs[i]);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if ((n = recvmmsg(fd, msgs, BATCH, MSG_DONTWAIT, NULL)) <= 0)
			return;
		t = now_ns();
		for (i = 0; i < n; i++) {
			if (msgs[i].msg_len < 240 || bufs[i][0] != 2)
				continue;
			memcpy(&xid, bufs[i] + 4, 4);
			seq = ntohl(xid) - base;
			if (seq >= nsent || sent_at[seq] == 0)
				continue;
			lat[(*nlat)++] = (uint32_t)((t - sent_at[seq]) / 1000);
			sent_at[seq] = 0;
		}
	}
}

static void
step(int fd, struct sockaddr_in *dst, uint32_t run, long rate, double secs)
{
	uint8_t		 pkt[BATCH][400];
	struct mmsghdr	 msgs[BATCH];
	struct iovec	 iov[BATCH];
	uint64_t	 start = now_ns(), end, t, due;
	uint32_t	 base = run << 24, nsent = 0, nlat = 0, want;
	int		 i, n;

	end = start + (uint64_t)(secs * 1e9);
	while ((t = now_ns()) < end && nsent < maxsent) {
		due = (uint64_t)((double)(t - start) * (double)rate / 1e9);
		want = due > nsent ? (uint32_t)(due - nsent) : 0;
		if (want > BATCH)
			want = BATCH;
		if (want > maxsent - nsent)
			want = maxsent - nsent;
		memset(msgs, 0, sizeof(msgs));
		for (i = 0; i < (int)want; i++) {
			iov[i].iov_base = pkt[i];
			iov[i].iov_len = build(pkt[i], base + nsent + (uint32_t)i, run, nsent + (uint32_t)i);
			msgs[i].msg_hdr.msg_name = dst;
			msgs[i].msg_hdr.msg_namelen = sizeof(*dst);
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		if (want > 0) {
			t = now_ns();
			if ((n = sendmmsg(fd, msgs, want, 0)) > 0)
				for (i = 0; i < n; i++)
					sent_at[nsent++] = t;
		}
		drain(fd, base, nsent, &nlat);
		if (want < BATCH)
			usleep(100);
	}
	/* Late answers count, within 300 ms. */
	for (t = now_ns() + 300000000ull; now_ns() < t;) {
		drain(fd, base, nsent, &nlat);
		usleep(500);
	}
	qsort(lat, nlat, sizeof(*lat), cmp32);
	printf("rate %ld sent %u answered %u (%.2f%%) sent/s %.0f answered/s %.0f "
	    "p50_us %u p99_us %u\n", rate, nsent, nlat, nsent ? 100.0 * nlat / nsent : 0.0,
	    nsent / secs, nlat / secs, nlat ? lat[nlat / 2] : 0,
	    nlat ? lat[(size_t)((double)nlat * 0.99)] : 0);
	fflush(stdout);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in	 me, dst;
	const char		*ifname = NULL, *errstr;
	double			 secs = 3;
	uint32_t		 run = 1;
	long			 rate;
	int			 ch, fd, one = 1, size = 8 << 20;

	while ((ch = getopt(argc, argv, "i:n:t:r:")) != -1) {
		switch (ch) {
		case 'n':
			maxsent = (uint32_t)strtonum(optarg, 1, MAXSENT, &errstr);
			if (errstr != NULL)
				return 2;
			break;
		case 'i':
			ifname = optarg;
			break;
		case 't':
			secs = (double)strtonum(optarg, 1, 300, &errstr);
			if (errstr != NULL)
				return 2;
			break;
		case 'r':
			run = (uint32_t)strtonum(optarg, 1, 255, &errstr);
			if (errstr != NULL)
				return 2;
			break;
		default:
			return 2;
		}
	}
	if (ifname == NULL || optind == argc) {
		fprintf(stderr, "usage: pxedhcpd-load -i interface [-n count] [-t seconds] [-r run] rate ...\n");
		return 2;
	}
	sent_at = calloc(MAXSENT, sizeof(*sent_at));
	lat = calloc(MAXSENT, sizeof(*lat));
	if (sent_at == NULL || lat == NULL)
		return 1;
	if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
		return 1;
	/* Broadcasts leave by this interface: the namespace has no default route. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname)) == -1) {
		perror(ifname);
		return 1;
	}
	setsockopt(fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	memset(&me, 0, sizeof(me));
	me.sin_family = AF_INET;
	me.sin_port = htons(68);
	if (bind(fd, (struct sockaddr *)&me, sizeof(me)) == -1) {
		perror("bind 68");
		return 1;
	}
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(67);
	dst.sin_addr.s_addr = INADDR_BROADCAST;
	for (; optind < argc; optind++, run++) {
		rate = strtonum(argv[optind], 1, 10000000, &errstr);
		if (errstr != NULL)
			return 2;
		memset(sent_at, 0, MAXSENT * sizeof(*sent_at));
		step(fd, &dst, run, rate, secs);
	}
	return 0;
}
