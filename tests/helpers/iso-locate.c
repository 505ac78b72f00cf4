/*
 * iso-locate.c: iso-locate DB IMAGE PATH [OUT]: print "ISO OFFSET SIZE" as
 * nb_iso_locate() returns them and, with OUT, copy those bytes of the ISO
 * to OUT, so a test can compare them with what xorriso extracts. Exit 1
 * with the library's message when it finds nothing.
 */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db.h"
#include "iso.h"

int
main(int argc, char *argv[])
{
	struct nb_db	*db;
	char		 err[1024], buf[65536], *iso;
	off_t		 off, size;
	ssize_t		 n;
	int		 in, out;

	log_init("iso-locate", 1, 0);
	if (argc != 4 && argc != 5) {
		fprintf(stderr, "usage: iso-locate db image path [out]\n");
		return 2;
	}
	if (nb_db_open(argv[1], 0, &db, err, sizeof(err)) != NB_OK) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	if (nb_iso_locate(db, argv[2], argv[3], &iso, &off, &size) != NB_OK) {
		fprintf(stderr, "%s\n", nb_db_errmsg(db));
		return 1;
	}
	printf("%s %lld %lld\n", iso, (long long)off, (long long)size);
	if (argc == 5) {
		if ((in = open(iso, O_RDONLY)) == -1 ||
		    (out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1) {
			perror("open");
			return 1;
		}
		while (size > 0) {
			n = pread(in, buf, size < (off_t)sizeof(buf) ? (size_t)size : sizeof(buf), off);
			if (n <= 0 || write(out, buf, (size_t)n) != n) {
				perror("copy");
				return 1;
			}
			off += n;
			size -= n;
		}
		close(in);
		close(out);
	}
	free(iso);
	nb_db_close(db);
	return 0;
}
