/* conf.c: the netboot.conf(5) parser: good files and each kind of error with its line. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "tap.h"

static char	 path[] = "/tmp/nbconf.XXXXXX";

static struct nb_conf *
load(const char *text, char *err, size_t errsz)
{
	FILE	*fp;
	int	 fd;

	strlcpy(path, "/tmp/nbconf.XXXXXX", sizeof(path));
	if ((fd = mkstemp(path)) == -1 || (fp = fdopen(fd, "w")) == NULL)
		abort();
	fputs(text, fp);
	fclose(fp);
	err[0] = '\0';
	return nb_conf_load(path, 0, err, errsz);
}

/* Loading text must fail with "<file>:line: <what...>". */
static void
bad(const char *text, int line, const char *what)
{
	struct nb_conf	*c;
	char		 err[1024], want[1200];

	c = load(text, err, sizeof(err));
	snprintf(want, sizeof(want), "%s:%d: %s", path, line, what);
	ok(c == NULL && strncmp(err, want, strlen(want)) == 0, "error '%s' at line %d", what, line);
	if (c != NULL || strncmp(err, want, strlen(want)) != 0)
		printf("#   got '%s'\n", err);
	nb_conf_free(c);
	unlink(path);
}

static void
count(const char *v, void *arg)
{
	(*(int *)arg)++;
}

int
main(void)
{
	struct nb_conf	*c;
	char		 err[1024];
	int		 n = 0;

	c = load("# netboot\n"
	    "database = /srv/netboot/netboot.db\n"
	    "  user=netboot   \n"
	    "; another comment\n"
	    "\n"
	    "http_port = 8080\n"
	    "[tftpd]\n"
	    "port = 6969\n"
	    "root = /srv/tftp\n"
	    "root = \"/srv/more tftp\"\n"
	    "[ pxedhcpd ]\n"
	    "interface = eth0\n"
	    "[global]\n"
	    "datadir = /srv/data\n", err, sizeof(err));
	ok(c != NULL, "a good file loads (%s)", err);
	is_str(nb_conf_get(c, NULL, "database"), "/srv/netboot/netboot.db", "global key");
	is_str(nb_conf_get(c, NULL, "user"), "netboot", "spaces around = and the value are trimmed");
	is_str(nb_conf_get(c, NULL, "datadir"), "/srv/data", "[global] names the global part");
	is_str(nb_conf_get(c, "tftpd", "root"), "/srv/more tftp", "last value, quotes stripped");
	ok(nb_conf_getnum(c, "tftpd", "port", 69) == 6969, "number");
	ok(nb_conf_getnum(c, "tftpd", "max_transfers", 1000) == 1000, "default for an unset number");
	ok(nb_conf_get(c, "tftpd", "database") == NULL, "sections do not see each other's keys");
	nb_conf_foreach(c, "tftpd", "root", count, &n);
	ok(n == 2, "a repeatable key keeps every value");
	is_str(nb_conf_get(c, "pxedhcpd", "interface"), "eth0", "spaces inside [ ] are fine");
	nb_conf_free(c);
	unlink(path);

	c = load("", err, sizeof(err));
	ok(c != NULL && nb_conf_get(c, NULL, "database") == NULL, "an empty file loads");
	nb_conf_free(c);
	unlink(path);
	c = nb_conf_load("/nonexistent/netboot.conf", 1, err, sizeof(err));
	ok(c != NULL, "a missing file is fine when allowed");
	nb_conf_free(c);
	c = nb_conf_load("/nonexistent/netboot.conf", 0, err, sizeof(err));
	ok(c == NULL && strstr(err, "/nonexistent/netboot.conf: No such file") != NULL,
	    "a missing file named with -f is an error");
	nb_conf_free(c);

	bad("database = /a\nnonsense\n", 2, "expected key = value");
	bad("[tftpd\n", 1, "section header needs a closing ]");
	bad("\n\n[tftpd] x\n", 3, "section header needs a closing ]");
	bad("[nosuch]\n", 1, "unknown section [nosuch]");
	bad("database = /a\n = /b\n", 2, "missing key before =");
	bad("databse = /a\n", 1, "unknown key 'databse' in [global]");
	bad("[tftpd]\nblksze = 1400\n", 2, "unknown key 'blksze' in [tftpd]");
	bad("[tftpd]\ndatabase = /a\n", 2, "unknown key 'database' in [tftpd]");
	bad("user =\n", 1, "key 'user' has no value");
	bad("database = relative.db\n", 1, "database: 'relative.db' must be an absolute path");
	bad("[tftpd]\nport = 70000\n", 2, "port: '70000' must be a port number");
	bad("[tftpd]\nport = abc\n", 2, "port: 'abc' must be a port number");
	bad("[pxedhcpd]\nlisten = 10.0.0.300\n", 2, "listen: '10.0.0.300' must be an IPv4 address");
	bad("[pxedhcpd]\nlisten = fd80::1\n", 2, "listen: 'fd80::1' must be an IPv4 address");
	bad("[tftpd]\nlisten = 10.0.0.300\n", 2,
	    "listen: '10.0.0.300' must be an IPv4 or IPv6 address");
	bad("[bootweb]\nlisten = fd80::1::2\n", 2,
	    "listen: 'fd80::1::2' must be an IPv4 or IPv6 address");
	c = load("[tftpd]\nlisten = fd80::1\n[bootweb]\nlisten = ::\nadmin_listen = ::1\n",
	    err, sizeof(err));
	ok(c != NULL, "tftpd and bootweb listen on IPv6 literals (%s)", c ? "" : err);
	nb_conf_free(c);
	unlink(path);
	bad("[tftpd]\nmax_transfers = 0\n", 2, "max_transfers: '0' is out of range");
	bad("[tftpd]\nblksize_max = 7\n", 2, "blksize_max: '7' is out of range");
	bad("user = a\n# c\nuser = b\n", 3, "key 'user' already set at line 1");
	bad("[tftpd]\nport = 69\n[pxedhcpd]\nport = 67\n[tftpd]\nport = 70\n", 6,
	    "key 'port' already set at line 2");
	/* A NUL byte inside a line. */
	{
		FILE *fp = fopen(path, "w");

		fwrite("user = a\0b\n", 1, 11, fp);
		fclose(fp);
		c = nb_conf_load(path, 0, err, sizeof(err));
		ok(c == NULL && strstr(err, ":1: NUL byte in line") != NULL, "NUL byte refused");
		nb_conf_free(c);
		unlink(path);
	}
	return done_testing();
}
