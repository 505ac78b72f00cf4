/*
 * driver.c: the make check driver of a fuzz target (fuzz.h). It runs
 * every file of the seed corpus (tests/fuzz/corpus/NAME, NAME being the
 * program's name without "fuzz-", or the files and directories given),
 * then n mutations of them drawn by a fixed xorshift sequence, so a
 * failure replays exactly, then the empty input and every 1-byte one.
 *
 *	fuzz-NAME [-n rounds] [-s seed] [file | dir ...]
 */
#include "config.h"

#include <sys/stat.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz.h"

#define MAXSEEDS	512
#define MAXLEN		(1 << 20)	/* of a seed */
#define GROW		4096		/* bytes a mutation may add */

static uint8_t	*seeds[MAXSEEDS];
static size_t	 seedlen[MAXSEEDS];
static int	 nseeds;

static void
load_file(const char *path)
{
	FILE	*f;
	uint8_t	*buf;
	size_t	 len;

	if (nseeds == MAXSEEDS)
		return;
	if ((f = fopen(path, "rb")) == NULL || (buf = malloc(MAXLEN)) == NULL) {
		perror(path);
		exit(2);
	}
	len = fread(buf, 1, MAXLEN, f);
	fclose(f);
	/* Exactly len bytes: ASan sees any read past the end of a seed. */
	if ((buf = realloc(buf, len ? len : 1)) == NULL)
		exit(2);
	seeds[nseeds] = buf;
	seedlen[nseeds++] = len;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * A file, or every file of a directory in name order (the order is part of the
 * run).
 */
static void
load(const char *path)
{
	char		 sub[PATH_MAX], *names[MAXSEEDS];
	struct stat	 st;
	struct dirent	*de;
	DIR		*d;
	int		 i, n = 0;

	if (stat(path, &st) == -1) {
		perror(path);
		exit(2);
	}
	if (!S_ISDIR(st.st_mode)) {
		load_file(path);
		return;
	}
	if ((d = opendir(path)) == NULL) {
		perror(path);
		exit(2);
	}
	while ((de = readdir(d)) != NULL && n < MAXSEEDS)
		if (de->d_name[0] != '.' &&
		    (names[n] = strdup(de->d_name)) != NULL)
			n++;
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		snprintf(sub, sizeof(sub), "%s/%s", path, names[i]);
		load_file(sub);
		free(names[i]);
	}
}

/* Put len bytes of src at b + at, moving the tail; returns the new length. */
static size_t
insert(uint8_t *b, size_t len, size_t cap, size_t at, const void *src, size_t n)
{
	if (len + n > cap)
		n = cap - len;
	memmove(b + at + n, b + at, len - at);
	memcpy(b + at, src, n);
	return len + n;
}

/* One of the byte-level mutations libFuzzer also does, on b of len bytes. */
static size_t
mutate(uint8_t *b, size_t len, size_t cap)
{
	uint8_t		 tmp[64];
	size_t		 at, n, i;
	int		 s, ntok = 0;

	at = fuzz_rnd((uint32_t)len + 1);
	switch (fuzz_rnd(9)) {
	case 0:		/* flip bits */
		for (n = 1 + fuzz_rnd(4); n > 0 && len > 0; n--) {
			i = fuzz_rnd((uint32_t)len);
			b[i] ^= (uint8_t)(1u << fuzz_rnd(8));
		}
		break;
	case 1:		/* random bytes */
		for (n = 1 + fuzz_rnd(8); n > 0 && len > 0; n--)
			b[fuzz_rnd((uint32_t)len)] = (uint8_t)fuzz_rnd(256);
		break;
	case 2:		/* interesting bytes */
		if (len > 0) {
			static const uint8_t v[] = { 0, 0xff, 0x7f, 0x80, '\n',
			    '\r', ' ',
			    '%', '/', '.', '{', '}', '=', ',', '-', '#', '[',
			        ']', '"' };
			b[fuzz_rnd((uint32_t)len)] = v[fuzz_rnd(sizeof(v))];
		}
		break;
	case 3:		/* delete a range */
		n = fuzz_rnd((uint32_t)(len - at) + 1);
		if (fuzz_rnd(4) != 0 && n > 16)
			n = 1 + fuzz_rnd(16);
		memmove(b + at, b + at + n, len - at - n);
		len -= n;
		break;
	case 4:		/* insert random bytes */
		n = 1 + fuzz_rnd(sizeof(tmp));
		for (i = 0; i < n; i++)
			tmp[i] = (uint8_t)fuzz_rnd(256);
		len = insert(b, len, cap, at, tmp, n);
		break;
	case 5:		/* duplicate a piece of itself */
		if (len > 0) {
			i = fuzz_rnd((uint32_t)len);
			n = 1 + fuzz_rnd((uint32_t)(len - i < sizeof(tmp) ?
			    len - i : sizeof(tmp)));
			memcpy(tmp, b + i, n);
			len = insert(b, len, cap, at, tmp, n);
		}
		break;
	case 6:		/* splice in a piece of another seed */
		s = (int)fuzz_rnd((uint32_t)nseeds);
		if (seedlen[s] > 0) {
			i = fuzz_rnd((uint32_t)seedlen[s]);
			n = seedlen[s] - i < sizeof(tmp) ? seedlen[s] - i :
			    sizeof(tmp);
			n = 1 + fuzz_rnd((uint32_t)n);
			len = insert(b, len, cap, at, seeds[s] + i, n);
		}
		break;
	case 7:		/* a token of the target */
		if (&fuzz_tokens != NULL)
			while (fuzz_tokens[ntok] != NULL)
				ntok++;
		if (ntok > 0) {
			const char *t = fuzz_tokens[fuzz_rnd((uint32_t)ntok)];

			len = insert(b, len, cap, at, t, strlen(t));
		}
		break;
	default:	/* truncate */
		len = at;
		break;
	}
	return len;
}

int
main(int argc, char *argv[])
{
	const char	*name, *top, *errstr;
	char		 dir[PATH_MAX];
	uint8_t		*buf;
	long long	 rounds = &fuzz_rounds != NULL ? fuzz_rounds : 20000, r;
	size_t		 len, cap;
	clock_t		 t0 = clock();
	int		 i, k, n;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			rounds = strtonum(argv[++i], 0, 1000000000, &errstr);
			if (errstr != NULL)
				return 2;
		} else if (strcmp(argv[i], "-s") == 0 && i + 1 < argc) {
			fuzz_srand((uint64_t)strtonum(argv[++i], 1, LLONG_MAX,
			    &errstr));
			if (errstr != NULL)
				return 2;
		} else {
			fprintf(stderr, "usage: %s [-n rounds] [-s seed] "
			    "[file | dir ...]\n", argv[0]);
			return 2;
		}
	}
	if (i == argc) {
		name = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 :
		    argv[0];
		if (strncmp(name, "fuzz-", 5) == 0)
			name += 5;
		top = getenv("top_srcdir") ? getenv("top_srcdir") : ".";
		snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/%s", top,
		    name);
		load(dir);
	}
	for (; i < argc; i++)
		load(argv[i]);
	for (k = 0; k < nseeds; k++)
		LLVMFuzzerTestOneInput(seeds[k], seedlen[k]);
	printf("%sok 1 - %d corpus inputs\n", nseeds > 0 ? "" : "not ", nseeds);
	cap = GROW;
	for (k = 0; k < nseeds; k++)
		if (seedlen[k] + GROW > cap)
			cap = seedlen[k] + GROW;
	if ((buf = malloc(cap)) == NULL)
		return 2;
	for (r = 0; r < rounds && nseeds > 0; r++) {
		k = (int)fuzz_rnd((uint32_t)nseeds);
		memcpy(buf, seeds[k], seedlen[k]);
		len = seedlen[k];
		for (n = 1 + (int)fuzz_rnd(4); n > 0; n--)
			len = mutate(buf, len, cap);
		/*
		 * A heap copy of exactly len bytes: ASan sees any read past the
		 * end.
		 */
		{
			uint8_t *in = malloc(len ? len : 1);

			memcpy(in, buf, len);
			LLVMFuzzerTestOneInput(in, len);
			free(in);
		}
	}
	printf("ok 2 - %lld mutations\n", r);
	LLVMFuzzerTestOneInput(buf, 0);
	for (k = 0; k < 256; k++) {
		buf[0] = (uint8_t)k;
		LLVMFuzzerTestOneInput(buf, 1);
	}
	printf("ok 3 - the empty input and every 1-byte one\n");
	printf("# %.2f s of CPU\n", (double)(clock() - t0) / CLOCKS_PER_SEC);
	printf("1..3\n");
	free(buf);
	return nseeds > 0 ? 0 : 1;
}
