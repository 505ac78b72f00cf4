/*
 * fuzz-distro.c: distribution detection and the boot loader config
 * parsers (libnetboot/distro.c) on an ISO's file tree given as text:
 *
 *	VOLUME ID		(a leading ! marks an El Torito record)
 *	@@ path/of/file
 *	its bytes, up to the next line starting with "@@ "
 *	@@ path/of/dir/
 *
 * The files' bytes lie in a memory file, as in an opened ISO (iso.h).
 * A detection's command line is a template that must render: an ISO's
 * own boot loader config cannot put a tag into it.
 */
#define _GNU_SOURCE
#include "config.h"

#include <sys/mman.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "distro.h"
#include "fuzz.h"
#include "tmpl.h"

#define MAXFILES	256

const char *const fuzz_tokens[] = {
	"\n@@ ", "isolinux/isolinux.cfg", "boot/grub/grub.cfg",
	"casper/vmlinuz", "casper/initrd", "label ", "kernel ", "append ",
	"initrd=", "menuentry ", "linux ", "initrd ", ".treeinfo", "[general]",
	"version = ", "images/pxeboot/vmlinuz", "live/vmlinuz", "(hd0)", "${",
	"{{", "HdrS", NULL
};

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct nb_iso_file *)a)->path,
	    ((const struct nb_iso_file *)b)->path);
}

/*
 * The tree of the input: files, sorted and unique as nb_iso_open leaves them.
 */
static int
tree_load(struct nb_iso *iso, const uint8_t *data, size_t size)
{
	const uint8_t	*p = data, *end = data + size, *nl, *next;
	size_t		 i, j, n, plen;
	int		 fd;

	nl = memchr(p, '\n', size);
	n = (size_t)((nl != NULL ? nl : end) - p);
	if (n > 0 && p[0] == '!') {
		iso->eltorito = 1;
		p++, n--;
	}
	snprintf(iso->volid, sizeof(iso->volid), "%.*s", (int)(n < 32 ? n : 32),
	    (const char *)p);
	if ((fd = memfd_create("fuzz-distro", MFD_CLOEXEC)) == -1)
		return -1;
	iso->fd = fd;
	iso->files = calloc(MAXFILES, sizeof(*iso->files));
	p = nl;
	while (p != NULL && p + 4 <= end && iso->nfiles < MAXFILES) {
		p++;
		if (memcmp(p, "@@ ", 3) != 0) {
			p = memchr(p, '\n', (size_t)(end - p));
			continue;
		}
		p += 3;
		nl = memchr(p, '\n', (size_t)(end - p));
		plen = (size_t)((nl != NULL ? nl : end) - p);
		next = nl != NULL ? memmem(nl, (size_t)(end - nl), "\n@@ ", 4) :
		    NULL;
		if (plen == 0 || memchr(p, '\0', plen) != NULL) {
			p = next;
			continue;
		}
		i = iso->nfiles++;
		iso->files[i].path = strndup((const char *)p, plen);
		if (p[plen - 1] == '/') {
			iso->files[i].path[plen - 1] = '\0';
			iso->files[i].isdir = 1;
		} else if (nl != NULL) {
			n = (size_t)((next != NULL ? next : end) - (nl + 1));
			iso->files[i].start = iso->size;
			iso->files[i].size = (int64_t)n;
			if (pwrite(fd, nl + 1, n, iso->size) != (ssize_t)n)
				return -1;
			iso->size += (int64_t)n;
		}
		p = next;
	}
	qsort(iso->files, iso->nfiles, sizeof(*iso->files), file_cmp);
	for (i = j = 0; i < iso->nfiles; i++) {
		if (j > 0 && strcmp(iso->files[j - 1].path,
		    iso->files[i].path) == 0) {
			free(iso->files[i].path);
			continue;
		}
		iso->files[j++] = iso->files[i];
	}
	iso->nfiles = j;
	return 0;
}

/* No control byte: a boot script line stays one line. */
static int
plain(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static json_t	*tdata;

/* The command line renders with what bootweb gives it. */
static void
check_cmdline(const char *cmdline)
{
	char	*out, err[256];
	size_t	 len;

	if (tdata == NULL)
		tdata = json_loads("{\"server_url\": \"http://10.0.0.1:8080\","
		    "\"image\": {\"name\": \"x\","
		    "  \"tree_url\": \"http://10.0.0.1:8080/data/x\","
		    "  \"iso_url\": \"http://10.0.0.1:8080/iso/x.iso\","
		    "  \"kernel_url\": \"k\"},"
		    "\"unattended_url\": \"http://10.0.0.1:8080/u\"}", 0, NULL);
	out = nb_tmpl_render_as(cmdline, tdata, NB_TMPL_ESC_CMDLINE, &len, err,
	    sizeof(err));
	if (out == NULL)
		fprintf(stderr, "cmdline '%s': %s\n", cmdline, err);
	fuzz_check(out != NULL, "a detected command line renders");
	free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nb_iso	 iso;
	struct nb_detect d;
	char		 err[512];
	json_t		*j;
	char		*s;
	size_t		 i;

	memset(&iso, 0, sizeof(iso));
	iso.fd = -1;
	iso.path = strdup("/fuzz/distro.iso");
	if (tree_load(&iso, data, size) == 0) {
		err[0] = '\0';
		if (nb_distro_detect(&iso, &d, err, sizeof(err)) == 0) {
			fuzz_check(d.family != NULL && d.kind != NULL &&
			    d.cmdline != NULL,
			    "a detection is complete");
			fuzz_check(d.ninitrds <= NB_DISTRO_MAXINITRD,
			    "initrds bounded");
			fuzz_check(d.kernel == NULL || plain(d.kernel->path),
			    "a plain kernel name");
			for (i = 0; i < d.ninitrds; i++)
				fuzz_check(plain(d.initrds[i]->path),
				    "plain initrd names");
			fuzz_check(plain(d.cmdline),
			    "a command line of one line");
			check_cmdline(d.cmdline);
			j = nb_detect_json(&iso, &d);
			s = json_dumps(j, 0);
			fuzz_check(s != NULL, "the detection dumps");
			free(s);
			json_decref(j);
			nb_detect_clear(&d);
		} else
			fuzz_check(strlen(err) > 0, "a refusal says why");
	}
	for (i = 0; i < iso.nfiles; i++)
		free(iso.files[i].path);
	free(iso.files);
	if (iso.fd != -1)
		close(iso.fd);
	free(iso.path);
	return 0;
}
