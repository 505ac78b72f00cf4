/*
 * fuzz-iso.c: the ISO9660 reader (libnetboot/iso.c: descriptors,
 * directories, Rock Ridge and Joliet names) and what an import does next:
 * every indexed file is found again and read, the distribution detected
 * (libnetboot/distro.c) and the whole image passed through libarchive.
 * The input is the image from sector 16 (its first volume descriptor) on:
 * the 32 KiB system area before it is zeros.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "distro.h"
#include "fuzz.h"
#include "iso.h"
#include "tmpfile.h"

#define SYSAREA	(16 * NB_ISO_SECTOR)

const char *const fuzz_tokens[] = {
	"CD001", "\x01" "CD001", "\x02" "CD001", "\xff" "CD001", "%/E",
	"SP\x07\x01\xbe\xef", "RR", "NM", "CE", "PX", "SL",
	"EL TORITO SPECIFICATION", NULL
};

/* An image is 40 KiB and more, written and read whole: fewer rounds. */
const long fuzz_rounds = 2000;

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct nb_iso_file *f, *want[1];
	struct nb_iso	*iso;
	struct nb_detect d;
	uint8_t		*img;
	char		 err[512], sha[65], *buf;
	size_t		 i, len;
	int		 fds[1] = { -1 };

	if (size > 4 << 20)
		return 0;
	if ((img = calloc(1, SYSAREA + size)) == NULL)
		abort();
	memcpy(img + SYSAREA, data, size);
	err[0] = '\0';
	if (nb_iso_open(fuzz_tmpfile(img, SYSAREA + size), &iso, err,
	    sizeof(err)) == -1) {
		if (err[0] == '\0')
			fprintf(stderr, "fuzz-iso: refused without a reason\n");
		free(img);
		return 0;
	}
	free(img);
	for (i = 0; i < iso->nfiles; i++) {
		f = &iso->files[i];
		fuzz_check(f->path[0] != '\0' && f->path[0] != '/',
		    "a relative path");
		fuzz_check(i == 0 || strcmp(iso->files[i - 1].path,
		    f->path) < 0,
		    "sorted and unique");
		fuzz_check(nb_iso_find(iso, f->path) == f, "found again");
		fuzz_check(f->start >= 0 && f->size >= 0, "an extent");
		if ((buf = nb_iso_read(iso, f, 4096, &len)) != NULL) {
			fuzz_check(!f->isdir &&
			    f->start + (int64_t)len <= iso->size,
			    "a read stays inside the image");
			free(buf);
		}
	}
	if (nb_distro_detect(iso, &d, err, sizeof(err)) == 0)
		nb_detect_clear(&d);
	want[0] = iso->nfiles > 0 ? &iso->files[0] : NULL;
	nb_iso_pass(iso, want, fds, 0, sha, err, sizeof(err));
	nb_iso_close(iso);
	return 0;
}
