/*
 * source.c: what a request names. The client's virtual files from the
 * database come first (its own, then global ones); then the served roots,
 * opened with openat2(RESOLVE_BENEATH) so that neither ".." nor a symlink
 * can lead outside a root. Nothing here runs per block.
 */
#include "config.h"

#include <sys/stat.h>
#include <sys/syscall.h>

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "grub.h"
#include "tftpd.h"
#include "tmpl.h"
#include "token.h"
#include "upstream.h"
#include "xmalloc.h"

#ifndef IPXE_DIR
#define IPXE_DIR	"/usr/lib/ipxe"
#endif

struct tftpd_vpaths {
	char	**path;		/* sorted */
	size_t	 n;
	size_t	 cap;
};

int
tftpd_path_clean(char *path, int lowercase)
{
	char	*r = path, *w = path, *s;
	size_t	 len;

	for (s = path; *s != '\0'; s++) {
		if (*s == '\\')
			*s = '/';	/* Windows clients (dnsmasq does the same) */
		else if (lowercase)
			*s = (char)tolower((unsigned char)*s);
	}
	/* A leading / is relative to the roots; empty and "." parts go. */
	while (*r != '\0') {
		len = strcspn(r, "/");
		if (len == 2 && r[0] == '.' && r[1] == '.')
			return -1;
		if (len != 0 && !(len == 1 && r[0] == '.')) {
			if (w != path)
				*w++ = '/';
			memmove(w, r, len);
			w += len;
		}
		r += len;
		if (*r == '/')
			r++;
	}
	*w = '\0';
	return 0;
}

/*
 * Who the peer is, from evidence only (nb_ident_client, netboot(7) TRUST
 * MODEL): its neighbour entry, else a client's static ip, else a bound,
 * unexpired DHCPv6 lease of ours; never last_ip, which anyone can set by
 * claiming a MAC. Unrecognised: only global virtual files.
 */
void
tftpd_peer_identify(struct tftpd *td, struct tftpd_peer *p)
{
	struct nb_db	*db = NULL;
	enum nb_ident	 how;
	char		 nmac[NB_MACSTR_LEN];
	int		 neigh, rc;

	p->mac[0] = '\0';
	neigh = nb_neigh_mac(p->ip, nmac) == 0;
	if (!neigh)
		db = tftpd_db(td);
	rc = nb_ident_client(db, p->ip, neigh ? nmac : NULL, p->mac, &how);
	if (rc != NB_OK && rc != NB_NOTFOUND)
		log_warnx("who is at %s: %s", p->ip, nb_db_errmsg(db));
	if (rc != NB_OK)
		p->mac[0] = '\0';
}

static int
vpaths_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
vpaths_add(const struct nb_file *f, void *arg)
{
	struct tftpd_vpaths	*v = arg;

	if (v->n == v->cap) {
		v->cap = v->cap ? v->cap * 2 : 16;
		v->path = xreallocarray(v->path, v->cap, sizeof(*v->path));
	}
	v->path[v->n++] = xstrdup(f->path);
	return 0;
}

void
tftpd_vpaths_free(struct tftpd *td)
{
	size_t	 i;

	if (td->vpaths == NULL)
		return;
	for (i = 0; i < td->vpaths->n; i++)
		free(td->vpaths->path[i]);
	free(td->vpaths->path);
	free(td->vpaths);
	td->vpaths = NULL;
}

static int
vpaths_find(const struct tftpd_vpaths *v, const char *path)
{
	return bsearch(&path, v->path, v->n, sizeof(char *), vpaths_cmp) !=
	    NULL;
}

/* Whether a URL prefix (a path ending in /) leads to path: a/, a/b/, ... */
static int
vpaths_prefix(const struct tftpd_vpaths *v, const char *path)
{
	char		 buf[TFTPD_NAME_MAX];
	const char	*slash;

	for (slash = strchr(path, '/'); slash != NULL && slash[1] != '\0';
	    slash = strchr(slash + 1, '/')) {
		if ((size_t)(slash - path) + 2 > sizeof(buf))
			return 0;
		memcpy(buf, path, (size_t)(slash - path) + 1);
		buf[slash - path + 1] = '\0';
		if (vpaths_find(v, buf))
			return 1;
	}
	return 0;
}

/*
 * Whether any virtual file (for any client) has this path. The set of
 * paths is read again only when another process changed the database, so
 * requests for ordinary files cost one PRAGMA, not a query per client.
 */
static int
vpaths_has(struct tftpd *td, const char *path)
{
	struct nb_db	*db;
	int64_t		 ver;

	if ((db = tftpd_db(td)) == NULL)
		return 0;
	ver = nb_db_data_version(db);
	/* The server gone (PostgreSQL): the paths last read still hold. */
	if (td->vpaths != NULL && ver == -1 && nb_db_lost(db))
		ver = td->vpaths_version;
	if (td->vpaths == NULL || ver != td->vpaths_version) {
		tftpd_vpaths_free(td);
		td->vpaths = xcalloc(1, sizeof(*td->vpaths));
		if (nb_file_list(db, NULL, vpaths_add, td->vpaths) != NB_OK) {
			log_warnx("reading virtual files: %s", nb_db_errmsg(db));
			tftpd_vpaths_free(td);
			return 1;	/* cannot tell: ask the database */
		}
		/* No virtual files: path is NULL, which qsort must not get (C11 7.22.5). */
		if (td->vpaths->n > 0)
			qsort(td->vpaths->path, td->vpaths->n, sizeof(char *),
			    vpaths_cmp);
		td->vpaths_version = ver;
	}
	return td->vpaths->n > 0 && (vpaths_find(td->vpaths, path) ||
	    vpaths_prefix(td->vpaths, path));
}

static int
src_fail(struct tftpd_fail *f, int code, const char *msg, const char *fmt, ...)
    NB_PRINTF(4, 5);

static int
src_fail(struct tftpd_fail *f, int code, const char *msg, const char *fmt, ...)
{
	va_list	 ap;

	f->code = code;
	strlcpy(f->msg, msg, sizeof(f->msg));
	va_start(ap, fmt);
	vsnprintf(f->why, sizeof(f->why), fmt, ap);
	va_end(ap);
	return -1;
}

/*
 * Take an open fd as the source if it is a regular file, the one pre
 * (its stat before it was opened, which the caller checked is not the
 * database) describes, and not any SQLite file (a backup, a copy):
 * whatever its name and whichever root or virtual file it came from.
 */
static int
src_from_fd(struct tftpd_src *src, int fd, const struct stat *pre,
    struct tftpd_fail *f, const char *path)
{
	struct stat	 st;
	const char	*why;

	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return src_fail(f, TFTP_ENOTFOUND, "File not found", "%s is not a regular file",
		    path);
	}
	if (st.st_dev != pre->st_dev || st.st_ino != pre->st_ino) {
		close(fd);
		return src_fail(f, TFTP_ENOTFOUND, "File not found",
		    "%s changed while opened", path);
	}
	if ((why = nb_db_file_kind(fd)) != NULL) {
		close(fd);
		return src_fail(f, TFTP_ENOTFOUND, "File not found",
		    "%s refused: it is %s", path, why);
	}
	src->kind = SRC_FILE;
	src->fd = fd;
	src->size = st.st_size;
	return 0;
}

/* A virtual file of the database as the source. */
static int
src_virtual(struct tftpd *td, const struct tftpd_peer *p, struct nb_file *vf,
    struct tftpd_src *src, struct tftpd_fail *f)
{
	struct stat	 st;
	char		 url[80], host[INET6_ADDRSTRLEN], err[256];
	char		*out = NULL;
	size_t		 outlen = 0;
	int		 fd;

	switch (vf->kind) {
	case NB_FILE_CONTENT:
		src->kind = SRC_MEM;
		src->mem = vf->content;
		src->size = (int64_t)vf->content_len;
		vf->content = NULL;
		snprintf(src->origin, sizeof(src->origin), "virtual %s file", vf->mac[0] ?
		    "per-client" : "global");
		return 0;
	case NB_FILE_TEMPLATE:
		/* The client reached us at p->local: bootweb is there too; IPv6 in brackets. */
		nb_sa_ntop(&p->local.sa, host, sizeof(host));
		snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%d" : "http://%s:%d",
		    host, td->http_port);
		if (nb_tmpl_render_client(td->d->db, vf->tmpl, p->mac[0] ? p->mac : NULL, url,
		    &out, &outlen, err, sizeof(err)) != NB_OK)
			return src_fail(f, TFTP_EUNDEF, "Cannot render file",
			    "template %s: %s", vf->tmpl, err);
		src->kind = SRC_MEM;
		src->mem = (uint8_t *)out;
		src->size = (int64_t)outlen;
		snprintf(src->origin, sizeof(src->origin), "template %s", vf->tmpl);
		return 0;
	case NB_FILE_LOCAL:
		/* The database is refused unopened (closing it drops locks). */
		if (stat(vf->local, &st) == -1)
			memset(&st, 0, sizeof(st));	/* open says why */
		else if (nb_db_own_file(nb_daemon_dbpath(td->d), &st))
			return src_fail(f, TFTP_ENOTFOUND, "File not found",
			    "local file %s refused: it is the database",
			    vf->local);
		if ((fd = open(vf->local, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)) == -1)
			return src_fail(f, errno == ENOENT ? TFTP_ENOTFOUND : TFTP_EACCESS,
			    errno == ENOENT ? "File not found" : "Access violation",
			    "local file %s: %s", vf->local, strerror(errno));
		snprintf(src->origin, sizeof(src->origin), "local file");
		return src_from_fd(src, fd, &st, f, vf->local);
	case NB_FILE_URL:
		break;
	}
	/* Fetched (or found in the cache) when the transfer starts: xfer.c. */
	src->kind = SRC_UPSTREAM;
	src->url = vf->url;
	vf->url = NULL;
	snprintf(src->origin, sizeof(src->origin), "upstream %s file",
	    vf->mac[0] ? "per-client" : "global");
	return 0;
}

/*
 * Open path beneath dirfd. openat2(2) RESOLVE_BENEATH refuses "..", absolute
 * symlinks and symlinks that climb out (EXDEV); kernels before 5.6 get a
 * walk that follows no symlink at all.
 */
static int
root_openat(int dirfd, const char *path)
{
	static int	 no_openat2 = -1;
	struct open_how	 how;
	struct stat	 st;
	char		 buf[TFTPD_NAME_MAX], *comp, *slash;
	int		 fd, cur, nfd, saved;

	if (no_openat2 == -1)
		no_openat2 = getenv("TFTPD_NO_OPENAT2") != NULL;
	if (!no_openat2) {
		memset(&how, 0, sizeof(how));
		how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd != -1 || errno != ENOSYS)
			return fd;
		log_info("openat2 is not available: symlinks under the roots are not followed");
		no_openat2 = 1;
	}
	if (strlcpy(buf, path, sizeof(buf)) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	cur = dirfd;
	for (comp = buf; (slash = strchr(comp, '/')) != NULL; comp = slash + 1) {
		*slash = '\0';
		nfd = openat(cur, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		saved = errno;
		if (nfd == -1 && saved == ENOTDIR && fstatat(cur, comp, &st,
		    AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode))
			saved = ELOOP;	/* a symlinked directory: refused, not missing */
		if (cur != dirfd)
			close(cur);
		if (nfd == -1) {
			errno = saved;
			return -1;
		}
		cur = nfd;
	}
	fd = openat(cur, comp, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
	saved = errno;
	if (cur != dirfd)
		close(cur);
	errno = saved;
	return fd;
}

/*
 * Whether the file open as fd lies in a dot-directory or is a dot-file
 * below the root open as rootfd, where a symlink may have led (the path
 * asked for was checked already). Both are read back from /proc.
 */
static int
root_hidden(int rootfd, int fd)
{
	char	 link[64], rpath[PATH_MAX], fpath[PATH_MAX];
	ssize_t	 rlen, flen;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", rootfd);
	if ((rlen = readlink(link, rpath, sizeof(rpath) - 1)) <= 0)
		return 0;	/* no /proc: openat2 kept it beneath anyway */
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((flen = readlink(link, fpath, sizeof(fpath) - 1)) <= 0)
		return 0;
	rpath[rlen] = '\0';
	fpath[flen] = '\0';
	if (rlen == 1)
		rlen = 0;	/* the root is / */
	if (flen <= rlen || strncmp(fpath, rpath, (size_t)rlen) != 0 ||
	    fpath[rlen] != '/')
		return 1;	/* not beneath the root as we see it: refuse */
	return nb_path_hidden(fpath + rlen);
}

/*
 * The file path under the first root that has it. Dot-files and
 * dot-directories (the .import-* of an import in progress or killed)
 * are never served, by name or through a symlink.
 */
static int
src_roots(struct tftpd *td, const char *path, struct tftpd_src *src, struct tftpd_fail *f)
{
	struct stat	 st;
	size_t		 i;
	int		 fd, refused = 0, failed = 0, why = 0;

	if (nb_path_hidden(path))
		return src_fail(f, TFTP_ENOTFOUND, "File not found",
		    "%s refused: a dot-file", path);
	for (i = 0; i < td->nroots; i++) {
		/*
		 * The database is refused unopened: closing a descriptor of it
		 * would drop our SQLite locks. Only compared, so following a
		 * symlink out of the root here leaks nothing.
		 */
		if (fstatat(td->roots[i].fd, path, &st, 0) == -1)
			memset(&st, 0, sizeof(st));	/* openat2 says */
		else if (nb_db_own_file(nb_daemon_dbpath(td->d), &st))
			return src_fail(f, TFTP_ENOTFOUND, "File not found",
			    "%s refused: it is the database or one of its "
			    "journals", path);
		if ((fd = root_openat(td->roots[i].fd, path)) != -1) {
			if (root_hidden(td->roots[i].fd, fd)) {
				close(fd);
				return src_fail(f, TFTP_ENOTFOUND,
				    "File not found",
				    "%s refused: it leads to a dot-file", path);
			}
			/* f says why, unless another root has it. */
			if (src_from_fd(src, fd, &st, f, path) == -1) {
				failed = 1;
				continue;
			}
			strlcpy(src->origin, td->roots[i].path, sizeof(src->origin));
			return 0;
		}
		if (errno == EXDEV || errno == ELOOP || errno == EACCES || errno == EPERM) {
			refused = 1;
			why = errno;
		}
	}
	if (failed)
		return -1;
	if (refused)
		return src_fail(f, TFTP_EACCESS, "Access violation", "%s refused: %s", path,
		    why == EXDEV ? "leads outside the served root" : strerror(why));
	return src_fail(f, TFTP_ENOTFOUND, "File not found", "%s not found", path);
}

/*
 * Debian's signed shim and network GRUB under the names shim is offered
 * by (pxedhcpd, bootloader.N = shim) and loads GRUB by: shim's netboot.c
 * asks for DEFAULT_LOADER (grubx64.efi) in the directory of its own boot
 * file. A file of that name in a root wins. 1: not one of these names.
 */
static int
src_signed(struct tftpd *td, const struct tftpd_peer *p, const char *path,
    struct tftpd_src *src, struct tftpd_fail *f)
{
	struct stat	 st;
	const char	*file, *kind;
	int		 fd;

	if (strcmp(path, NB_SHIM_NAME) == 0) {
		file = SHIM_SIGNED;
		kind = "tftp-shim";
	} else if (strcmp(path, NB_GRUB_NAME) == 0) {
		file = GRUB_SIGNED;
		kind = "tftp-grub";
	} else
		return 1;
	if (stat(file, &st) == -1 ||
	    (fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) == -1)
		return src_fail(f, TFTP_ENOTFOUND, "File not found",
		    "%s: %s (package %s)", path, strerror(errno),
		    kind[5] == 's' ? "shim-signed" : "grub-efi-amd64-signed");
	if (src_from_fd(src, fd, &st, f, file) == -1)
		return -1;
	strlcpy(src->origin, file, sizeof(src->origin));
	nb_evq_push(td->d->evq, p->mac[0] ? p->mac : NULL, kind, p->ip,
	    "%s (%s)", path, file);
	return 0;
}

/*
 * A fresh boot of a recognised client that has a row: a new nonce, and
 * the token made from it into tok; -1 if there can be none. One short
 * write per boot (bootweb batches its nonces; GRUB's boot has no later
 * request to carry one): if the database is busy, the token of the
 * current nonce instead, valid as long as it.
 */
static int
src_grub_token(struct nb_db *db, const char *mac, char tok[NB_TOKEN_STRLEN])
{
	uint8_t	 nonce[NB_NONCE_LEN];
	int	 rc;

	arc4random_buf(nonce, sizeof(nonce));
	if ((rc = nb_db_begin(db)) == NB_OK &&
	    (rc = nb_boot_nonce_set(db, mac, nonce)) == NB_OK)
		rc = nb_db_commit(db);
	if (rc != NB_OK) {
		nb_db_rollback(db);
		log_warnx("%s: no fresh boot nonce: %s", mac, nb_db_errmsg(db));
	}
	explicit_bzero(nonce, sizeof(nonce));
	rc = nb_token_mint(db, mac, tok);
	if (rc != NB_OK)
		log_warnx("%s: no token for this boot: %s", mac,
		    nb_db_errmsg(db));
	return rc == NB_OK ? 0 : -1;
}

/*
 * grub/grub.cfg for the signed GRUB (libnetboot/grub.c): made for the
 * peer recognised from evidence (tftpd_peer_identify), never for a MAC
 * in the request. Like bootweb's /boot, it starts a boot: a fresh token,
 * and a one-time next_boot is cleared once served.
 */
static int
src_grub_cfg(struct tftpd *td, const struct tftpd_peer *p,
    struct tftpd_src *src, struct tftpd_fail *f)
{
	struct nb_db		*db = tftpd_db(td);
	struct nb_client	 c;
	struct nb_boot_decision	 dc;
	char			 url[80], host[INET6_ADDRSTRLEN], what[256];
	char			 tok[NB_TOKEN_STRLEN], *out = NULL;
	size_t			 outlen = 0;
	int			 rc = NB_NOTFOUND, havetok = 0;

	if (db == NULL)
		return src_fail(f, TFTP_EUNDEF, "Database unavailable",
		    "%s: no database", NB_GRUB_CFG);
	nb_client_init(&c);
	if (p->mac[0] != '\0')
		rc = nb_client_get(db, p->mac, &c);
	if (rc != NB_OK && rc != NB_NOTFOUND) {
		nb_client_clear(&c);
		return src_fail(f, TFTP_EUNDEF, "Database error",
		    "%s for %s: %s", NB_GRUB_CFG, p->mac, nb_db_errmsg(db));
	}
	strlcpy(c.mac, p->mac, sizeof(c.mac));
	if (rc == NB_OK)
		havetok = src_grub_token(db, p->mac, tok) == 0;
	nb_sa_ntop(&p->local.sa, host, sizeof(host));
	snprintf(url, sizeof(url), strchr(host, ':') ? "http://[%s]:%d" :
	    "http://%s:%d", host, td->http_port);
	if (nb_grub_cfg(db, &c, rc == NB_OK, url, havetok ? tok : NULL, &dc,
	    what, sizeof(what), &out, &outlen) != NB_OK)
		log_warnx("%s for %s: %s", NB_GRUB_CFG, p->ip,
		    nb_db_errmsg(db));
	explicit_bzero(tok, sizeof(tok));
	src->kind = SRC_MEM;
	src->mem = (uint8_t *)out;
	src->size = (int64_t)outlen;
	snprintf(src->origin, sizeof(src->origin), "GRUB configuration");
	nb_evq_push(td->d->evq, p->mac[0] ? p->mac : NULL, "tftp-grub-cfg",
	    p->ip, "%s", what);
	if (dc.clear != NB_NEXT_NONE &&
	    nb_client_next_boot_done(db, c.mac, dc.clear) != NB_OK)
		log_warnx("%s: clearing next_boot: %s", c.mac,
		    nb_db_errmsg(db));
	nb_client_clear(&c);
	return 0;
}

int
tftpd_src_open(struct tftpd *td, const struct tftpd_peer *p, const char *path,
    struct tftpd_src *src, struct tftpd_fail *f)
{
	struct nb_file	 vf;
	int		 rc;

	memset(src, 0, sizeof(*src));
	src->fd = -1;
	memset(f, 0, sizeof(*f));
	if (path[0] == '\0')
		return src_fail(f, TFTP_ENOTFOUND, "File not found", "empty path");
	if (strcmp(path, NB_GRUB_CFG) == 0)
		return src_grub_cfg(td, p, src, f);
	if (vpaths_has(td, path)) {
		memset(&vf, 0, sizeof(vf));
		rc = nb_file_lookup(td->d->db, path, p->mac[0] ? p->mac : NULL, &vf);
		if (rc == NB_OK) {
			rc = src_virtual(td, p, &vf, src, f);
			nb_file_clear(&vf);
			return rc;
		}
		if (rc == NB_INVALID)
			return src_fail(f, TFTP_EACCESS, "Access violation",
			    "%s", nb_db_errmsg(td->d->db));
		if (rc != NB_NOTFOUND)
			log_warnx("looking up virtual file %s: %s", path, nb_db_errmsg(td->d->db));
	}
	rc = src_roots(td, path, src, f);
	if (rc == 0 || f->code != TFTP_ENOTFOUND)
		return rc;
	/* not in a root: shim or GRUB of the Debian packages, if asked for */
	return src_signed(td, p, path, src, f) == 0 ? 0 : -1;
}

ssize_t
tftpd_src_read(const struct tftpd_src *src, void *buf, size_t len, int64_t off)
{
	if (src->kind == SRC_FILE)
		return pread(src->fd, buf, len, off);
	if (off >= src->size)
		return 0;
	if ((int64_t)len > src->size - off)
		len = (size_t)(src->size - off);
	memcpy(buf, src->mem + off, len);
	return (ssize_t)len;
}

void
tftpd_src_close(struct tftpd_src *src)
{
	if (src->fd != -1)
		close(src->fd);
	free(src->mem);
	free(src->url);
	src->fd = -1;
	src->mem = NULL;
	src->url = NULL;
}

struct nb_up *
tftpd_up(struct tftpd *td)
{
	char	*data;

	if (td->up == NULL) {
		data = nb_datadir(nb_daemon_dbpath(td->d),
		    nb_conf_get(td->d->conf, NULL, "datadir"));
		td->up = nb_up_new(td->d->base, data, td->d->conf);
		free(data);
	}
	return td->up;
}

/* Add dir to the roots; a default that does not exist is skipped quietly. */
static void
roots_add(struct tftpd *td, const char *dir, int must)
{
	int	 fd;

	if ((fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC)) == -1) {
		if (must)
			log_warn("root %s", dir);
		else
			log_debug("default root %s: %s", dir, strerror(errno));
		return;
	}
	td->roots = xreallocarray(td->roots, td->nroots + 1, sizeof(*td->roots));
	td->roots[td->nroots].path = xstrdup(dir);
	td->roots[td->nroots].fd = fd;
	td->nroots++;
	log_debug("serving %s", dir);
}

static void
roots_add_conf(const char *value, void *arg)
{
	roots_add(arg, value, 1);
}

void
tftpd_roots_open(struct tftpd *td, int startup)
{
	struct nb_daemon	*d = td->d;
	char			*data;
	size_t			 want = 0;
	int			 i;

	if (td->noperands > 0) {
		for (i = 0; i < td->noperands; i++)
			roots_add(td, td->operands[i], 1);
		want = (size_t)td->noperands;
	} else if (nb_conf_get(d->conf, "tftpd", "root") != NULL) {
		nb_conf_foreach(d->conf, "tftpd", "root", roots_add_conf, td);
		want = 1;
	} else {
		roots_add(td, IPXE_DIR, 0);
		data = nb_datadir(nb_daemon_dbpath(d), nb_conf_get(d->conf, NULL, "datadir"));
		roots_add(td, data, 0);
		free(data);
	}
	if (startup && want > 0 && td->nroots < want)
		fatalx("cannot open every directory to serve");
	if (td->nroots == 0)
		log_warnx("no directory to serve: only virtual files of the database");
}

void
tftpd_roots_close(struct tftpd *td)
{
	size_t	 i;

	for (i = 0; i < td->nroots; i++) {
		close(td->roots[i].fd);
		free(td->roots[i].path);
	}
	free(td->roots);
	td->roots = NULL;
	td->nroots = 0;
}
