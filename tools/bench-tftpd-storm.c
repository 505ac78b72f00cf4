/*
 * bench-tftpd-storm.c: many TFTP clients at once in one process, for
 * tools/bench-tftpd.sh (a boot storm without forking hundreds of clients,
 * whose own cost would swamp the server's).
 *
 *	bench-tftpd-storm [-b blksize] [-n clients] [-T secs] host port file size
 *
 * Every client asks for file with blksize (and no other option), ACKs each
 * block, resends its RRQ or last ACK after 1 s of silence, and succeeds
 * when it has exactly size bytes. Prints "ok N failed N wall SECONDS".
 */
#include <sys/epoll.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct client {
	int			 fd;
	struct sockaddr_in	 server;	/* the transfer's port, once known */
	int			 known;
	unsigned int		 expect;	/* next block, absolute */
	long long		 bytes;
	double			 last;		/* last packet, for retransmits */
	int			 done;		/* 1 ok, -1 failed */
};

static double
now(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void
ack(struct client *c, unsigned int blk)
{
	unsigned char	 p[4] = { 0, 4, (unsigned char)(blk >> 8), (unsigned char)blk };

	sendto(c->fd, p, 4, 0, (struct sockaddr *)&c->server, sizeof(c->server));
}

int
main(int argc, char *argv[])
{
	static unsigned char	 buf[65536 + 4];
	struct sockaddr_in	 to, from;
	struct epoll_event	 ev, evs[256];
	struct client		*cl, *c;
	char			 rrq[512];
	double			 start, limit = 120, t, lastscan = 0;
	long long		 size;
	socklen_t		 fl;
	ssize_t			 n;
	int			 ch, nclients = 100, blksize = 1468, ep, i, k, left, rqlen, ok = 0;

	while ((ch = getopt(argc, argv, "b:n:T:")) != -1) {
		switch (ch) {
		case 'b': blksize = atoi(optarg); break;
		case 'n': nclients = atoi(optarg); break;
		case 'T': limit = atof(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 4 || nclients < 1 || nclients > 5000 || limit <= 0 || limit > 600) {
usage:
		fprintf(stderr, "usage: bench-tftpd-storm [-b blksize] [-n clients] [-T secs] "
		    "host port file size\n");
		return 2;
	}
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons((unsigned short)atoi(argv[optind + 1]));
	if (inet_pton(AF_INET, argv[optind], &to.sin_addr) != 1)
		goto usage;
	size = atoll(argv[optind + 3]);
	rqlen = snprintf(rrq + 2, sizeof(rrq) - 2, "%s%coctet%cblksize%c%d%c", argv[optind + 2],
	    0, 0, 0, blksize, 0) + 2;
	rrq[0] = 0;
	rrq[1] = 1;
	if ((ep = epoll_create1(0)) == -1 || (cl = calloc((size_t)nclients, sizeof(*cl))) == NULL)
		return 1;
	start = now();
	for (i = 0; i < nclients; i++) {
		c = &cl[i];
		if ((c->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0)) == -1) {
			perror("socket");
			return 1;
		}
		c->expect = 1;
		c->server = to;
		c->last = start;
		ev.events = EPOLLIN;
		ev.data.ptr = c;
		epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
		sendto(c->fd, rrq, (size_t)rqlen, 0, (struct sockaddr *)&to, sizeof(to));
	}
	left = nclients;
	while (left > 0 && (t = now()) - start < limit) {
		n = epoll_wait(ep, evs, 256, 100);
		for (k = 0; k < n; k++) {
			c = evs[k].data.ptr;
			for (;;) {
				fl = sizeof(from);
				ssize_t r = recvfrom(c->fd, buf, sizeof(buf), 0, (struct sockaddr *)&from, &fl);
				if (r < 4 || c->done)
					break;
				if (!c->known) {
					c->server = from;
					c->known = 1;
				} else if (from.sin_port != c->server.sin_port)
					continue;
				c->last = now();
				if (buf[1] == 6) {		/* OACK */
					ack(c, 0);
				} else if (buf[1] == 3) {	/* DATA */
					unsigned int blk = (unsigned int)(buf[2] << 8 | buf[3]);
					if (blk == (c->expect & 0xffff)) {
						c->bytes += r - 4;
						ack(c, blk);
						c->expect++;
						if (r - 4 < blksize) {
							c->done = c->bytes == size ? 1 : -1;
							ok += c->done == 1;
							left--;
						}
					} else
						ack(c, (c->expect - 1) & 0xffff);
				} else {			/* ERROR */
					c->done = -1;
					left--;
				}
			}
		}
		if ((t = now()) - lastscan > 0.1) {	/* retransmit after 1 s of silence */
			lastscan = t;
			for (i = 0; i < nclients; i++) {
				c = &cl[i];
				if (c->done || t - c->last < 1)
					continue;
				c->last = t;
				if (!c->known)
					sendto(c->fd, rrq, (size_t)rqlen, 0, (struct sockaddr *)&to, sizeof(to));
				else
					ack(c, (c->expect - 1) & 0xffff);
			}
		}
	}
	printf("ok %d failed %d wall %.3f\n", ok, nclients - ok, now() - start);
	return ok == nclients ? 0 : 1;
}
