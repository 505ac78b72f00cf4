/*
 * bootweb.c: the HTTP daemon. The boot plane (-l/-p, port 8080) is what
 * booting machines talk to: bootloaders for UEFI HTTP Boot, the iPXE
 * scripts, kernels and initrds of the data directory, ISOs and the files
 * inside them, unattended files, virtual files and the self-API. The admin
 * plane (-L/-P, port 8081) serves only /metrics for now.
 *
 * libevent's evhttp does the HTTP/1.1 framing (keep-alive, header limits,
 * methods); every reply goes through http.c, which sets Content-Length,
 * never redirects, and sends files with sendfile.
 */
#include "config.h"

#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "bootweb.h"
#include "upstream.h"
#include "iso.h"
#include "ratelim.h"
#include "tls.h"
#include "upload.h"
#include "webhook.h"
#include "xmalloc.h"


static void __attribute__((__noreturn__))
usage(int status)
{
	fprintf(status ? stderr : stdout, "usage: bootweb [-dhnv] [-D database] [-f file] [-L admin-address] "
	    "[-l address] [-P admin-port] [-p port]\n");
	exit(status);
}

static const char	*admin_listen;
static int		 admin_port = -1;

static int
extra_flag(struct nb_daemon *d, int ch, const char *arg)
{
	const char	*errstr;

	switch (ch) {
	case 'L':
		admin_listen = arg;
		return 0;
	case 'P':
		admin_port = (int)strtonum(arg, 0, 65535, &errstr);
		if (errstr != NULL) {
			fprintf(stderr, "bootweb: -P %s: port is %s\n", arg, errstr);
			usage(2);
		}
		return 0;
	}
	return -1;
}

/*
 * The URL this client reached us at: the server_address setting if set,
 * else the local address of its connection, which it can reach for sure.
 * The cache must be current (BW_RT_URL routes refresh it first).
 */
static void
bw_server_url(struct bw_req *r)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(r->req);
	struct sockaddr_storage		 ss;
	socklen_t			 sslen = sizeof(ss);
	char				 host[INET6_ADDRSTRLEN];
	const char			*set;

	host[0] = '\0';
	if ((set = cache_setting(r->bw, NB_S_SERVER_ADDRESS)) != NULL)
		strlcpy(host, set, sizeof(host));
	else if (r->bw->listen_host != NULL)
		strlcpy(host, r->bw->listen_host, sizeof(host));	/* bound to one address */
	else if (getsockname(bufferevent_getfd(evhttp_connection_get_bufferevent(evcon)),
	    (struct sockaddr *)&ss, &sslen) == 0)
		nb_sa_ntop((struct sockaddr *)&ss, host, sizeof(host));
	/* A client that came over IPv6 gets an IPv6 URL, IPv4-mapped IPv4. */
	nb_server_url(host, r->bw->port, r->server_url,
	    sizeof(r->server_url));
}

/* Whether this request starts a download rather than continuing one (sanboot reads by ranges). */
static int
bw_first_range(struct bw_req *r)
{
	const char	*range = evhttp_find_header(evhttp_request_get_input_headers(r->req), "Range");

	return range == NULL || strncmp(range, "bytes=0-", 8) == 0;
}

#define NEIGH_MAX	4096	/* neighbour entries kept */
#define NEIGH_STALE_MS	50	/* a decision re-reads the table at most this often */
#define NEIGH_MAX_AGE_MS 5000	/* a hit older than this re-reads it too (addresses move) */

static struct nb_neigh	 neigh[NEIGH_MAX];
static size_t		 nneigh;
static uint64_t		 neigh_read_ms;

static uint64_t
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Re-read the kernel's neighbour table into neigh[]. */
static void
neigh_read(void)
{
	neigh_read_ms = now_ms();
	nneigh = nb_neigh_read(neigh, NEIGH_MAX);
}

/*
 * Before a decision that hands out a client's script and token: a copy of
 * the table older than 50 ms is read again, so a host that has just taken
 * over another's address is not taken for it from a stale hit.
 */
void
bw_neigh_refresh(void)
{
	if (now_ms() - neigh_read_ms >= NEIGH_STALE_MS)
		neigh_read();
}

/*
 * The MAC of the neighbour at ip, from the kernel's neighbour table; -1 if
 * none. The table is cached; a miss asks the kernel for that one address
 * (nb_neigh_mac), so a client whose entry is newer than the copy is found
 * on its first request, however many boot at once.
 */
int
bw_neigh_mac(const char *ip, char out[NB_MACSTR_LEN])
{
	struct in6_addr	 a;
	size_t		 i;

	if (nb_neigh_addr(ip, &a) == -1)
		return -1;
	if (now_ms() - neigh_read_ms >= NEIGH_MAX_AGE_MS)
		neigh_read();
	for (i = 0; i < nneigh; i++) {
		if (memcmp(&neigh[i].ip, &a, sizeof(a)) == 0) {
			nb_mac_format(neigh[i].mac, out);
			return 0;
		}
	}
	return nb_neigh_mac(ip, out);
}

/*
 * Who is at the peer's address, from evidence only (netboot(7) TRUST
 * MODEL): its neighbour entry, else a static ip, else for IPv6 a bound,
 * unexpired DHCPv6 lease (nb_ident_client). Asked once per request. A
 * database error is an error, logged, never "nobody".
 */
int
bw_ident(struct bw_req *r)
{
	struct nb_db	*db = r->bw->d->db;
	char		 nmac[NB_MACSTR_LEN];
	int		 isneigh;

	if (r->ident_done)
		return r->ident_rc;
	r->ident_done = 1;
	isneigh = bw_neigh_mac(r->ip, nmac) == 0;
	r->ident_rc = nb_ident_client(db, r->ip, isneigh ? nmac : NULL, r->mac,
	    &r->how);
	if (r->ident_rc != NB_OK && r->ident_rc != NB_NOTFOUND)
		log_warnx("who is at %s: %s", r->ip, nb_db_errmsg(db));
	return r->ident_rc;
}

/*
 * Push an event for a request, naming the client at the peer's address if
 * there is one; a data file that is an image's kernel or initrd says so.
 * From memory: nothing is read from the database for an event.
 */
static void
bw_event(struct bw_req *r, const char *kind, const char *what, const char *rel)
{
	if (!bw_first_range(r) || r->head)
		return;
	if (rel != NULL) {
		cache_refresh(r->bw);
		kind = cache_file_kind(r->bw, rel);
	}
	nb_evq_push(r->bw->d->evq, bw_ident(r) == NB_OK ? r->mac : NULL, kind,
	    r->ip, "%s /%s", what, r->path);
}

/*
 * A file of the data directory. What is not served is decided by what a
 * file is, not by its name: http_resolve refuses dot-files and partial
 * imports (.import-*) and anything outside the directory; http_send_path
 * refuses the database, its journals and any other SQLite file (backups).
 */
static int
bw_data(struct bw_req *r, const char *rel)
{
	char	*path;
	int	 code;

	if ((code = http_resolve(r->bw->datadir, rel, &path)) != 0)
		return code;
	if ((code = http_send_path(r, path, http_content_type(rel))) != 0)
		code = bw_fail(r, code, "not found");
	else
		bw_event(r, "http-file", "served", rel);
	free(path);
	return code;
}

/*
 * The file of an image's kernel or initrd as registered: relative to the
 * data directory, or absolute anywhere (bootctl image add --kernel
 * /srv/...). Its directory is never exposed: the URL names the image.
 */
static int
bw_image_file(struct bw_req *r, const char *file, char **out)
{
	char	 rdata[PATH_MAX], rpath[PATH_MAX];
	size_t	 dlen;

	*out = NULL;
	if (file == NULL || strstr(file, "://") != NULL)
		return 404;
	if (file[0] != '/')
		return http_resolve(r->bw->datadir, file, out);
	if (realpath(file, rpath) == NULL)
		return errno == EACCES ? 403 : 404;
	/* Inside the data directory, its rules hold (no dot-files). */
	if (realpath(r->bw->datadir, rdata) != NULL) {
		dlen = strlen(rdata);
		if (strncmp(rpath, rdata, dlen) == 0 && rpath[dlen] == '/' &&
		    nb_path_hidden(rpath + dlen))
			return 404;
	}
	*out = xstrdup(rpath);
	return 0;
}

/*
 * /image/NAME/kernel[/BASENAME] and /image/NAME/initrd/N[/BASENAME]
 * (N from 0): nb_tmpl_image writes these URLs for files outside the data
 * directory; the basename is for iPXE, which names an image by it.
 */
static int
bw_image(struct bw_req *r, const char *rest)
{
	const struct nb_image	*img;
	char			 name[65], *path = NULL;
	const char		*slash = strchr(rest, '/'), *part, *file;
	const char		*kind, *errstr;
	size_t			 nlen;
	long long		 n;
	int			 code = 404;

	nlen = slash ? (size_t)(slash - rest) : 0;
	if (nlen == 0 || nlen >= sizeof(name))
		goto fail;
	memcpy(name, rest, nlen);
	name[nlen] = '\0';
	if ((img = cache_image(r->bw, name, NULL)) == NULL)
		goto fail;
	part = slash + 1;
	if (strncmp(part, "kernel", 6) == 0 &&
	    (part[6] == '\0' || part[6] == '/')) {
		kind = "http-kernel";
		file = img->kernel;
		part += 6;
	} else if (strncmp(part, "initrd/", 7) == 0) {
		kind = "http-initrd";
		part += 7;
		slash = strchr(part, '/');
		nlen = slash ? (size_t)(slash - part) : strlen(part);
		if (nlen == 0 || nlen > 3)
			goto fail;
		memcpy(name, part, nlen);
		name[nlen] = '\0';
		n = strtonum(name, 0, (long long)img->ninitrds - 1, &errstr);
		if (errstr != NULL)
			goto fail;
		file = img->initrds[n];
		part += nlen;
	} else
		goto fail;
	/* What may follow is the basename alone. */
	if (*part == '/' && strchr(part + 1, '/') != NULL)
		goto fail;
	if ((code = bw_image_file(r, file, &path)) != 0)
		goto fail;
	if ((code = http_send_path(r, path, "application/octet-stream")) != 0) {
		log_warnx("image %s: cannot serve %s", img->name, path);
		goto fail;
	}
	bw_event(r, kind, "served", NULL);
	free(path);
	return 0;
 fail:
	free(path);
	return code;
}

static int
bw_iso(struct bw_req *r, const char *rest)
{
	struct nb_db	*db = r->bw->d->db;
	struct nb_image	 img;
	struct stat	 st;
	char		 name[65], *iso = NULL;
	const char	*slash = strchr(rest, '/');
	size_t		 nlen = slash ? (size_t)(slash - rest) : strlen(rest);
	off_t		 off, size;
	int		 fd, code = 0;

	nb_image_init(&img);
	if (slash == NULL && nlen > 4 && strcmp(rest + nlen - 4, ".iso") == 0)
		nlen -= 4;
	if (nlen == 0 || nlen >= sizeof(name)) {
		code = 404;
		goto done;
	}
	memcpy(name, rest, nlen);
	name[nlen] = '\0';
	if (slash == NULL) {
		/* The whole ISO, for sanboot and for installers that loop-mount it. */
		if (nb_image_get(db, name, &img) != NB_OK ||
		    img.iso_path == NULL) {
			code = bw_fail(r, 404, "no ISO for image %s", name);
			goto done;
		}
		if ((code = http_send_path(r, img.iso_path,
		    "application/octet-stream")) != 0) {
			log_warnx("image %s: cannot open %s", name,
			    img.iso_path);
			code = bw_fail(r, code, "the ISO of %s is missing",
			    name);
			goto done;
		}
		/*
		 * iPXE's SAN over HTTP asks the size by HEAD, then reads
		 * ranges, on BIOS never from byte 0 (it starts at the El
		 * Torito record; src/net/tcp/httpblock.c): the HEAD is
		 * where a whole-ISO boot shows in the timeline.
		 */
		if (r->head) {
			r->head = 0;
			bw_event(r, "http-iso", "opened (HEAD)", NULL);
			r->head = 1;
			goto done;
		}
	} else {
		if (nb_iso_locate(db, name, slash + 1, &iso, &off,
		    &size) != NB_OK) {
			code = bw_fail(r, 404, "no %s in the ISO of %s",
			    slash + 1, name);
			goto done;
		}
		if ((fd = open(iso, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1 ||
		    fstat(fd, &st) == -1 || off < 0 || size < 0 || off > st.st_size - size) {
			if (fd != -1)
				close(fd);
			log_warnx("image %s: %s does not hold %s", name, iso,
			    slash + 1);
			code = bw_fail(r, 404, "the ISO of %s is missing or "
			    "changed", name);
			goto done;
		}
		http_send_range(r, fd, off, size, st.st_mtime, http_content_type(slash + 1));
	}
	bw_event(r, "http-iso", "served", NULL);
 done:
	free(iso);
	nb_image_clear(&img);
	return code;
}

/*
 * A bootloader of the ipxe package (UEFI HTTP Boot fetches it by HEAD
 * then GET): 0 if sent, a status if not, -1 if there is none at r->path.
 */
static int
bw_bootloader(struct bw_req *r)
{
	char	*path;
	int	 code;

	if (strchr(r->path, '/') != NULL ||
	    http_resolve(r->bw->ipxedir, r->path, &path) != 0)
		return -1;
	if ((code = http_send_path(r, path, http_content_type(r->path))) != 0)
		code = bw_fail(r, code, "not found");
	else
		bw_event(r, "http-bootloader", "bootloader", NULL);
	free(path);
	return code;
}

/* Any other path of the boot plane: a global virtual file, a bootloader. */
static int
bw_other(struct bw_req *r, const char *rest)
{
	int	 code;

	if ((code = unattended_vfile(r)) != -1 ||
	    (code = bw_bootloader(r)) != -1)
		return code;
	return 404;
}

static int
bw_root(struct bw_req *r, const char *rest)
{
	return bw_fail(r, 404, "nothing here: see /boot.ipxe");
}

/* /metrics of the admin plane, in Prometheus text. */
static int
bw_metrics(struct bw_req *r, const char *rest)
{
	static const char *const classes[] = {
		"other", "1xx", "2xx", "3xx", "4xx", "5xx"
	};
	struct bootweb	*bw = r->bw;
	struct evbuffer	*evb;
	size_t		 i;

	if ((evb = evbuffer_new()) == NULL)
		return 500;
	evbuffer_add_printf(evb, "# TYPE bootweb_requests_total counter\n");
	for (i = 1; i < 6; i++)
		evbuffer_add_printf(evb,
		    "bootweb_requests_total{code=\"%s\"} %llu\n",
		    classes[i], bw->nstatus[i]);
	evbuffer_add_printf(evb, "# TYPE bootweb_sent_bytes_total counter\n"
	    "bootweb_sent_bytes_total %llu\n"
	    "# TYPE bootweb_inventory_queued gauge\n"
	    "bootweb_inventory_queued %zu\n"
	    "# TYPE bootweb_events_queued gauge\n"
	    "bootweb_events_queued %zu\n"
	    "# TYPE bootweb_cache_rebuilds_total counter\n"
	    "bootweb_cache_rebuilds_total %llu\n"
	    "# TYPE bootweb_connections gauge\nbootweb_connections %zu\n"
	    "# TYPE bootweb_connections_max gauge\n"
	    "bootweb_connections_max %zu\n"
	    "# TYPE bootweb_accept_paused_total counter\n"
	    "bootweb_accept_paused_total %llu\n"
	    "# TYPE bootweb_refused_per_address_total counter\n"
	    "bootweb_refused_per_address_total %llu\n"
	    "# TYPE bootweb_request_deadline_total counter\n"
	    "bootweb_request_deadline_total %llu\n"
	    "# TYPE bootweb_admin_connections gauge\n"
	    "bootweb_admin_connections %zu\n"
	    "# TYPE bootweb_admin_connections_max gauge\n"
	    "bootweb_admin_connections_max %zu\n",
	    bw->nbytes, bw->nseen, nb_evq_len(bw->d->evq), bw->cache.nrefresh,
	    bw->boot.pl_nconns, bw->boot.pl_max, bw->boot.pl_npauses,
	    bw->boot.pl_nrefused, bw->boot.pl_nlate + bw->adm.pl_nlate,
	    bw->adm.pl_nconns, bw->adm.pl_max);
	sse_metrics(evb);
	http_send_evb(r, 200, "text/plain; version=0.0.4", evb);
	evbuffer_free(evb);
	return 0;
}

#define API_OPER	(BW_RT_AUTH | BW_RT_OPER)
#define API_ADMIN	(BW_RT_AUTH | BW_RT_ADMINROLE)

#define EXACT(p)	p, sizeof(p) - 1, 0
#define PREFIX(p)	p, sizeof(p) - 1, 1

/*
 * Every route of both planes. A path takes the first route that matches
 * it and its method; if routes match the path but none the method, the
 * answer is a 405 whose Allow lists their methods (those of the routes
 * with the first one's pattern). The busiest routes come first.
 *
 * A new route is a row here, above the catch-all PREFIX("") of its
 * plane, and a handler int fn(struct bw_req *, const char *rest) that
 * replies and returns 0, or returns a status (return bw_fail(r, 404,
 * "...") for a text of its own); tests/bootweb/routes.sh checks its
 * methods without being told.
 */
static const struct bw_route routes[] = {
	{ BW_BOOT, BW_GET, EXACT("boot.ipxe"), BW_RT_URL, script_boot_ipxe },
	{ BW_BOOT, BW_GET, EXACT("boot"), BW_RT_URL, script_client },
	{ BW_BOOT, BW_GET | BW_POST, PREFIX("t/"), BW_RT_URL,
	    unattended_token },
	{ BW_BOOT, BW_GET, PREFIX("data/"), 0, bw_data },
	{ BW_BOOT, BW_GET, PREFIX("image/"), BW_RT_CACHE, bw_image },
	{ BW_BOOT, BW_GET, PREFIX("iso/"), 0, bw_iso },
	/* The self-API without a token: refused, with an event. */
	{ BW_BOOT, BW_GET | BW_POST, EXACT("api/v1/self"), 0, self_serve },
	{ BW_BOOT, BW_GET | BW_POST, PREFIX("api/v1/self/"), 0, self_serve },
	{ BW_BOOT, BW_GET, PREFIX("unattended/"), 0, unattended_serve },
	{ BW_BOOT, BW_GET, EXACT(""), 0, bw_root },
	{ BW_BOOT, BW_GET, PREFIX(""), 0, bw_other },
	{ BW_ADMIN, BW_GET, EXACT("metrics"), BW_RT_AUTH | BW_RT_METRICS,
	    bw_metrics },
	/* the admin API (api.c, api-*.c, sse.c; bootweb(8) ADMIN API) */
	{ BW_ADMIN, BW_GET, EXACT("api/v1/health"), 0, api_health },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/login"), 0, api_login },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/logout"), BW_RT_AUTH, api_logout },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/openapi.json"), BW_RT_AUTH,
	    api_openapi },
	/*
	 * ISOs and jobs (api-upload.c, upload.c, job.c), inventories: above
	 * the image routes and the fleet's, whose prefixes would take these
	 * paths.
	 */
	{ BW_ADMIN, BW_POST, EXACT("api/v1/images/upload"), API_ADMIN,
	    api_upload },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/images/import"), API_ADMIN,
	    api_import },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/images/detect"), API_ADMIN,
	    api_detect },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/jobs"), BW_RT_AUTH, api_jobs },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/jobs/"), BW_RT_AUTH, api_jobs },
	/* inventory history (api-inventory.c) */
	{ BW_ADMIN, BW_GET, EXACT("api/v1/inventories"), BW_RT_AUTH,
	    api_inventories },
	/* webhooks (api-webhook.c) */
	{ BW_ADMIN, BW_GET | BW_POST, EXACT("api/v1/webhooks"), API_ADMIN,
	    api_webhooks },
	{ BW_ADMIN, EVHTTP_REQ_DELETE, PREFIX("api/v1/webhooks/"), API_ADMIN,
	    api_webhooks },
	/* end of ISOs, jobs, inventories and webhooks */
	/*
	 * The fleet, and images, files and templates written or rendered
	 * (api-fleet.c, api-images.c; issue 13 points 1 and 9). Ahead of
	 * the rows below, whose prefixes would take these paths; the GET
	 * row of images/ hands what is not NAME/files to api_images.
	 */
	{ BW_ADMIN, BW_POST, EXACT("api/v1/clients/actions"), API_OPER,
	    api_client_actions },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/images"), API_ADMIN,
	    api_image_write },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/images/"), BW_RT_AUTH,
	    api_image_get },
	{ BW_ADMIN, EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE,
	    PREFIX("api/v1/images/"), API_ADMIN, api_image_write },
	{ BW_ADMIN, BW_POST, PREFIX("api/v1/templates/"), BW_RT_AUTH,
	    api_template_render },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/files"), BW_RT_AUTH, api_files },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/files"), API_ADMIN, api_files },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/files/"), BW_RT_AUTH, api_files },
	{ BW_ADMIN, EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE, PREFIX("api/v1/files/"),
	    API_ADMIN, api_files },
	/* end of the fleet's block */
	{ BW_ADMIN, BW_GET, EXACT("api/v1/clients"), BW_RT_AUTH, api_clients },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/clients"), API_OPER, api_clients },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/clients/"), BW_RT_AUTH, api_client },
	{ BW_ADMIN, BW_POST | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE,
	    PREFIX("api/v1/clients/"), API_OPER, api_client },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/events/stream"), API_OPER,
	    sse_stream },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/events"), API_OPER, api_events },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/images"), BW_RT_AUTH, api_images },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/images/"), BW_RT_AUTH, api_images },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/templates"), BW_RT_AUTH,
	    api_templates },
	{ BW_ADMIN, BW_POST, EXACT("api/v1/templates"), API_ADMIN,
	    api_templates },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/templates/"), BW_RT_AUTH | BW_RT_URL,
	    api_templates },
	{ BW_ADMIN, EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE,
	    PREFIX("api/v1/templates/"), API_ADMIN, api_templates },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/settings"), BW_RT_AUTH, api_settings },
	{ BW_ADMIN, BW_GET, PREFIX("api/v1/settings/"), BW_RT_AUTH,
	    api_settings },
	{ BW_ADMIN, EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE,
	    PREFIX("api/v1/settings/"), API_ADMIN, api_settings },
	{ BW_ADMIN, BW_GET, EXACT("api/v1/leases"), BW_RT_AUTH, api_leases },
	{ BW_ADMIN, BW_GET | BW_POST, EXACT("api/v1/users"), API_ADMIN,
	    api_users },
	{ BW_ADMIN, BW_GET | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE,
	    PREFIX("api/v1/users/"), API_ADMIN, api_users },
	{ BW_ADMIN, BW_GET | BW_POST, EXACT("api/v1/tokens"), API_ADMIN,
	    api_tokens },
	{ BW_ADMIN, EVHTTP_REQ_DELETE, PREFIX("api/v1/tokens/"), API_ADMIN,
	    api_tokens },
	/* The web UI's session (api-session.c; issue 14, apiui) */
	{ BW_ADMIN, BW_GET, EXACT("api/v1/session"), BW_RT_AUTH, api_session },
	/* end of the web UI's session */
	/*
	 * The web UI (www.c; bootweb(8) WEB UI): / is its page, /ui/NAME
	 * its files, from www_dir only. No credentials: it is static and
	 * does everything through the API above.
	 */
	{ BW_ADMIN, BW_GET, EXACT(""), 0, www_serve },
	{ BW_ADMIN, BW_GET, PREFIX("ui/"), 0, www_serve },
	/* end of the web UI */
	{ BW_ADMIN, BW_GET | BW_POST | EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH |
	    EVHTTP_REQ_DELETE, PREFIX(""), BW_RT_AUTH, api_notfound },
};

static const struct {
	int		 bit;
	const char	*name;
} method_names[] = {
	{ EVHTTP_REQ_GET, "GET" }, { EVHTTP_REQ_HEAD, "HEAD" },
	{ EVHTTP_REQ_POST, "POST" }, { EVHTTP_REQ_PUT, "PUT" },
	{ EVHTTP_REQ_DELETE, "DELETE" }, { EVHTTP_REQ_OPTIONS, "OPTIONS" },
	{ EVHTTP_REQ_TRACE, "TRACE" }, { EVHTTP_REQ_CONNECT, "CONNECT" },
	{ EVHTTP_REQ_PATCH, "PATCH" },
};

const char *
bw_method_name(int method)
{
	size_t	 i;

	for (i = 0; i < nitems(method_names); i++)
		if (method_names[i].bit == method)
			return method_names[i].name;
	return "?";
}

/* A set of methods as an Allow header says it: "GET, HEAD, POST". */
static void
bw_method_list(int set, char *out, size_t outsz)
{
	size_t	 i;

	out[0] = '\0';
	for (i = 0; i < nitems(method_names); i++) {
		if ((set & method_names[i].bit) == 0)
			continue;
		if (out[0] != '\0')
			strlcat(out, ", ", outsz);
		strlcat(out, method_names[i].name, outsz);
	}
}

/* Log the route table (-v): the test of every route reads it. */
static void
bw_routes_log(void)
{
	const struct bw_route	*rt;
	char			 list[128];

	for (rt = routes; rt < routes + nitems(routes); rt++) {
		bw_method_list(rt->rt_methods, list, sizeof(list));
		log_debug("route: %s %s /%s%s", rt->rt_plane == BW_BOOT ?
		    "boot" : "admin", list, rt->rt_path,
		    rt->rt_prefix ? "*" : "");
	}
}

static int
bw_path_match(const struct bw_route *rt, const char *path)
{
	if (rt->rt_prefix)
		return strncmp(path, rt->rt_path, rt->rt_len) == 0;
	return strcmp(path, rt->rt_path) == 0;
}

/*
 * The route of a path and method on a plane; NULL and in *allow the
 * methods the path takes if it does not take this one (0: no route).
 */
static const struct bw_route *
bw_match(int plane, const char *path, int method, int *allow)
{
	const struct bw_route	*rt, *first = NULL;

	*allow = 0;
	for (rt = routes; rt < routes + nitems(routes); rt++) {
		if (rt->rt_plane != plane || !bw_path_match(rt, path))
			continue;
		if (first == NULL)
			first = rt;
		else if (rt->rt_prefix != first->rt_prefix ||
		    strcmp(rt->rt_path, first->rt_path) != 0)
			continue;
		if (rt->rt_methods & method)
			return rt;
		*allow |= rt->rt_methods;
	}
	return NULL;
}

int
bw_fail(struct bw_req *r, int code, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(r->why, sizeof(r->why), fmt, ap);
	va_end(ap);
	return code;
}

/*
 * The abort path: the one place a failed request is answered, with the
 * handler's text (bw_fail) or one for the status, as text or as JSON,
 * and on a 405 the Allow header.
 */
void
bw_abort(struct bw_req *r, int code)
{
	const char	*text = r->why;
	char		 allow[128];
	json_t		*o;

	if (r->status != 0) {
		log_warnx("%s: /%s: %d after a %d reply", __func__, r->path,
		    code, r->status);
		return;
	}
	if (code == 405 && r->allow != 0) {
		bw_method_list(r->allow, allow, sizeof(allow));
		evhttp_add_header(evhttp_request_get_output_headers(r->req),
		    "Allow", allow);
	}
	if (text[0] == '\0')
		text = code == 400 ? "bad request" : code == 403 ? "forbidden" :
		    code == 404 ? "not found" : code == 405 ?
		    "method not allowed" : http_reason(code);
	if (r->json) {
		o = json_pack("{s:{s:s, s:s}}", "error", "code",
		    api_code(code), "message", text);
		http_send_json(r, code, o);
		json_decref(o);
	} else
		http_error(r, code, "%s", text);
}

#define BW_ERR_PER_SOURCE	20	/* http-error events per source */
#define BW_ERR_TOTAL		200	/* and of all sources together */
#define BW_ERR_WINDOW_MS	60000

/*
 * A boot that dies on a 4xx shows where in its timeline: one http-error
 * event with the status and the path, bounded per source address so that
 * a scanner cannot flood the boot log. A path of several parts keeps only
 * its first (/t/..., /unattended/..., /api/...), where a capability may
 * be, unless it is a file route (/data/, /iso/, /image/). Every 4xx
 * counts, whether the abort path sent it or a handler (a 416).
 */
static void
bw_fail_event(struct bw_req *r)
{
	static struct nb_ratelim	 lim;
	const char			*shown = r->path, *more = "";
	const char			*mac;
	int				 len;

	if (lim.window_ms == 0)
		nb_ratelim_init(&lim, BW_ERR_PER_SOURCE, BW_ERR_TOTAL,
		    BW_ERR_WINDOW_MS);
	if (r->status < 400 || r->status >= 500 || !r->req_boot)
		return;
	if (!nb_ratelim_hit(&lim, r->ip, nb_monotonic_ms())) {
		log_debug("%s: %d for /%s from %s: no event (rate limit)",
		    __func__, r->status, r->path, r->ip);
		return;
	}
	len = (int)strlen(shown);
	if (strncmp(shown, "data/", 5) != 0 && strncmp(shown, "iso/", 4) != 0 &&
	    strncmp(shown, "image/", 6) != 0 && strchr(shown, '/') != NULL) {
		len = (int)strcspn(shown, "/");
		more = "/...";
	}
	if (len > 200) {
		len = 200;
		more = "...";
	}
	mac = bw_ident(r) == NB_OK ? r->mac : NULL;
	nb_evq_push(r->bw->d->evq, mac, "http-error", r->ip, "%d %s /%.*s%s",
	    r->status, bw_method_name(r->method), len, shown, more);
}

/*
 * Route a request, in one visible order: its path decoded, its route
 * found (bw_match), the cache and the server URL made current if the
 * route needs them, its handler run. 0 if a reply went, else a status.
 */
static int
bw_route(struct bw_req *r, int plane)
{
	const char		*uri = evhttp_request_get_uri(r->req);
	const struct bw_route	*rt;
	int			 code;

	if ((code = http_path_decode(uri, r->path, sizeof(r->path))) != 0) {
		log_debug("%s: bad request target from %s", __func__, r->ip);
		return code;
	}
	/* The admin API's errors are JSON whatever fails. */
	r->json = plane == BW_ADMIN && strncmp(r->path, "api/", 4) == 0;
	if (plane == BW_ADMIN)
		api_headers(r);
	if ((rt = bw_match(plane, r->path, r->method, &r->allow)) == NULL)
		return r->allow != 0 ? 405 : 404;
	if ((r->query = strchr(uri, '?')) != NULL)
		r->query++;
	r->json |= (rt->rt_flags & BW_RT_JSON) != 0;
	if ((rt->rt_flags & BW_RT_AUTH) &&
	    (code = api_auth(r, rt->rt_flags)) != 0)
		return code;
	if (rt->rt_flags & (BW_RT_CACHE | BW_RT_URL))
		cache_refresh(r->bw);
	if (rt->rt_flags & BW_RT_URL)
		bw_server_url(r);
	return rt->rt_fn(r, r->path + rt->rt_len);
}

/*
 * A request on either plane: routed; a status the route returns is sent
 * by the abort path; a 4xx of the boot plane is an event.
 */
static void
bw_serve(struct bootweb *bw, struct evhttp_request *req, int plane)
{
	struct evhttp_connection	*evcon = evhttp_request_get_connection(req);
	const struct sockaddr		*sa = evhttp_connection_get_addr(evcon);
	struct bw_req			 r;
	int				 code;

	memset(&r, 0, sizeof(r));
	r.bw = bw;
	r.req = req;
	r.req_boot = plane == BW_BOOT;
	r.method = (int)evhttp_request_get_command(req);
	r.head = r.method == EVHTTP_REQ_HEAD;
	if (sa != NULL)
		nb_sa_ntop(sa, r.ip, sizeof(r.ip));
	conn_request(plane == BW_BOOT ? &bw->boot : &bw->adm, req);
	if (plane == BW_ADMIN)
		upload_begin(&r);
	if ((code = bw_route(&r, plane)) != 0)
		bw_abort(&r, code);
	/*
	 * bootweb's own commits do not move data_version, which is how the
	 * cache learns of other programs' edits: after any admin write the
	 * next request reads settings, images and templates again.
	 */
	if (plane == BW_ADMIN &&
	    (r.method & (EVHTTP_REQ_GET | EVHTTP_REQ_HEAD)) == 0)
		bw->cache.version = -1;
	if (plane == BW_ADMIN)
		upload_end(&r);
	bw_fail_event(&r);
}

/* The boot plane: everything a booting machine asks for. */
static void
bw_boot_cb(struct evhttp_request *req, void *arg)
{
	bw_serve(arg, req, BW_BOOT);
}

/* The admin plane: /metrics; the admin API comes later. */
static void
bw_admin_cb(struct evhttp_request *req, void *arg)
{
	bw_serve(arg, req, BW_ADMIN);
}

static struct evhttp *
bw_listen(struct bootweb *bw, const char *addr, int port, ev_uint16_t methods,
    void (*cb)(struct evhttp_request *, void *),
    struct evhttp_bound_socket **bound, struct bw_plane *pl)
{
	struct evhttp		*http;
	union nb_sockaddr	 sa;
	socklen_t		 salen = sizeof(sa);
	char			 host[INET6_ADDRSTRLEN];
	int			 fd;

	if ((http = evhttp_new(bw->d->base)) == NULL)
		fatalx("evhttp_new failed");
	/* 200 KB of headers or an endless body get a 4xx and a closed connection. */
	evhttp_set_max_headers_size(http, BW_MAX_HEADERS);
	evhttp_set_max_body_size(http, BW_MAX_BODY);
	/* Reading a request and sending a reply each get bw->timeout without progress (conn.c). */
	evhttp_set_timeout(http, bw->timeout);
	evhttp_set_allowed_methods(http, methods);
	evhttp_set_default_content_type(http, "text/plain");
	evhttp_set_gencb(http, cb, bw);
	/* Each plane counts its connections apart (conn.c). */
	evhttp_set_bevcb(http, conn_bev, pl);
	/* Our own socket, not evhttp_bind_socket: "::" must be dual-stack whatever bindv6only says. */
	if ((fd = nb_bind(addr, SOCK_STREAM, port)) == -1)
		fatal("cannot listen on %s port %d", addr, port);
	if (getsockname(fd, &sa.sa, &salen) == -1)
		fatal("getsockname");
	if (listen(fd, BW_BACKLOG) == -1)
		fatal("listen on %s port %d", addr, port);
	evutil_make_socket_nonblocking(fd);
	if ((*bound = evhttp_accept_socket_with_handle(http, fd)) == NULL)
		fatalx("cannot accept on %s port %d", addr, port);
	log_info("listening on %s port %d (%s)", nb_sa_ntop(&sa.sa, host, sizeof(host)), port,
	    cb == bw_boot_cb ? "boot" : "admin");
	return http;
}

/* TLS on the admin plane if netboot.conf names a certificate and key. */
static void
bw_tls(struct bootweb *bw)
{
	const char	*cert, *key;

	cert = nb_conf_get(bw->d->conf, "bootweb", "admin_tls_cert");
	key = nb_conf_get(bw->d->conf, "bootweb", "admin_tls_key");
	if (cert == NULL && key == NULL)
		return;
	if (cert == NULL || key == NULL)
		fatalx("admin_tls_cert and admin_tls_key go together");
	bw->adm.pl_tls = tls_init(cert, key);
}

static void
bw_paths(struct bootweb *bw)
{
	const char	*ipxe = nb_conf_get(bw->d->conf, "bootweb", "ipxe_dir");

	free(bw->datadir);
	free(bw->ipxedir);
	bw->datadir = nb_datadir(nb_daemon_dbpath(bw->d), nb_conf_get(bw->d->conf, NULL, "datadir"));
	bw->ipxedir = xstrdup(ipxe ? ipxe : IPXE_DIR);
}

static void
bw_reload(struct nb_daemon *d)
{
	bw_paths(d->ctx);
}

/* The skeleton's tick: the inventory coalesced since the last one, queued. */
static void
bw_tick(struct nb_daemon *d)
{
	script_flush_seen(d->ctx);
}

static void
bw_shutdown(struct nb_daemon *d)
{
	conn_stop(d->ctx);
}

int
main(int argc, char *argv[])
{
	struct nb_daemon	 d = { .name = "bootweb" };
	struct bootweb		 bw;
	struct evhttp_bound_socket *bound, *abound = NULL;
	struct nb_webhook_sender *hooks;
	const char		*listen;
	char			 host[INET6_ADDRSTRLEN];
	int			 rc, aport;

	nb_daemon_getopt(&d, argc, argv, "L:P:", extra_flag, usage);
	nb_daemon_config(&d);
	memset(&bw, 0, sizeof(bw));
	TAILQ_INIT(&bw.seen);
	bw.d = &d;
	d.ctx = &bw;
	d.reload = bw_reload;
	d.shutdown = bw_shutdown;
	d.tick = bw_tick;
	bw_paths(&bw);
	bw.timeout = (int)nb_conf_getnum(d.conf, "bootweb", "timeout", BW_TIMEOUT);
	bw.grace = (int)nb_conf_getnum(d.conf, "bootweb", "shutdown_grace", BW_GRACE);
	bw.req_timeout = (int)nb_conf_getnum(d.conf, "bootweb",
	    "request_timeout", BW_REQ_TIMEOUT);
	/* nb_daemon_init turns on epoll's changelist: 2 epoll_ctl a request, not 4. */
	nb_daemon_init(&d);
	/* The boot plane is dual-stack by default: DHCPv6 clients get http://[addr]:port URLs. */
	listen = nb_daemon_listen(&d, "::");
	bw.port = nb_daemon_port(&d, "port", BW_PORT);
	bw.http = bw_listen(&bw, listen, bw.port, 0xffff, bw_boot_cb, &bound,
	    &bw.boot);
	/* Bound to one address: that is the address of every connection (no getsockname). */
	if (nb_url_host(listen, host, sizeof(host)) == 0)
		bw.listen_host = xstrdup(host);
	aport = admin_port >= 0 ? admin_port :
	    (int)nb_conf_getnum(d.conf, "bootweb", "admin_port", BW_ADMIN_PORT);
	if (admin_listen == NULL)
		admin_listen = nb_conf_get(d.conf, "bootweb", "admin_listen");
	/* The admin plane is for this host unless configured (netboot(7)). */
	if (admin_listen == NULL)
		admin_listen = "127.0.0.1";
	/* Read as root: the key may be root's alone (tls.c). */
	bw_tls(&bw);
	if (aport != 0)
		bw.admin = bw_listen(&bw, admin_listen, aport, 0xffff,
		    bw_admin_cb, &abound, &bw.adm);
	conn_init(&bw, &bw.boot, bw.http, bound);
	if (bw.admin != NULL)
		conn_init(&bw, &bw.adm, bw.admin, abound);
	bw_routes_log();
	nb_daemon_drop_privileges(&d);
	nb_daemon_open_db(&d, 0, NULL);
	log_info("data directory %s, bootloaders from %s", bw.datadir, bw.ipxedir);
	if (bw.admin != NULL)
		api_init(&bw);
	/* Webhooks go from a thread of their own (libnetboot/webhook.c). */
	hooks = nb_webhook_start(nb_daemon_dbpath(&d));
	rc = nb_daemon_run(&d);
	nb_webhook_stop(hooks);
	script_flush_seen(&bw);		/* queued: nb_daemon_free writes it */
	conn_free(&bw);
	if (bw.admin != NULL)
		api_free(&bw);
	evhttp_free(bw.http);
	if (bw.admin != NULL)
		evhttp_free(bw.admin);
	cache_free(&bw);
	nb_up_free(bw.up);
	if (bw.adm.pl_tls != NULL)
		tls_free(bw.adm.pl_tls);
	free(bw.listen_host);
	free(bw.datadir);
	free(bw.ipxedir);
	nb_daemon_free(&d);
	return rc;
}
