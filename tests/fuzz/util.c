/* util.c: helpers of the fuzz targets, in both builds (see fuzz.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "tmpfile.h"

void
fuzz_check(int cond, const char *what)
{
	if (!cond) {
		fprintf(stderr, "fuzz: invariant broken: %s\n", what);
		abort();
	}
}

static uint64_t	 rng = 0x9e3779b97f4a7c15ull;

/* xorshift64 (Marsaglia 2003). */
uint32_t
fuzz_rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return n ? (uint32_t)(rng % n) : 0;
}

void
fuzz_srand(uint64_t seed)
{
	rng = seed;
}

char *
fuzz_strndup(const uint8_t *data, size_t size)
{
	char	*s;

	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

static char	 tmppath[64];

static void
tmp_remove(void)
{
	unlink(tmppath);
}

const char *
fuzz_tmpfile(const uint8_t *data, size_t size)
{
	const char	*dir = getenv("TMPDIR");
	FILE		*f;
	int		 fd;

	if (tmppath[0] == '\0') {
		snprintf(tmppath, sizeof(tmppath), "%s/fuzz.XXXXXX",
		    dir != NULL && strlen(dir) < 40 ? dir : "/tmp");
		if ((fd = mkstemp(tmppath)) == -1) {
			perror(tmppath);
			abort();
		}
		close(fd);
		atexit(tmp_remove);
	}
	if ((f = fopen(tmppath, "w")) == NULL || fwrite(data, 1, size,
	    f) != size ||
	    fclose(f) != 0) {
		perror(tmppath);
		abort();
	}
	return tmppath;
}
