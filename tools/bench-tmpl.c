/*
 * bench-tmpl.c: the template engine's worst cases against its work
 * budget (libnetboot/tmpl.c, TMPL_MAX_STEPS). Each template below is
 * the worst of its kind we could build; each must stop (at the budget
 * or the output cap) within a few milliseconds. Prints, per case, the
 * best and mean wall time over REPEATS renders, the output size and the
 * error. Run by tools/bench-tmpl.sh; for instructions, run it under
 * valgrind --tool=callgrind with REPEATS=1.
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tmpl.h"

#define BODY_MAX	(64 * 1024)

struct bench_case {
	const char		*name;
	enum nb_tmpl_esc	 esc;
	void			(*build)(char *, size_t);
};

static double
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void
repeat(char *b, size_t sz, const char *s, int n)
{
	while (n-- > 0)
		strlcat(b, s, sz);
}

/* Three sections nested over a 1000-item array, nothing inside. */
static void
nested(char *b, size_t sz)
{
	strlcpy(b, "{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}", sz);
}

/* Lookups that miss through 32 levels, long dotted names. */
static void
misses(char *b, size_t sz)
{
	strlcpy(b, "{{#a}}", sz);
	repeat(b, sz, "{{#one}}", 30);
	repeat(b, sz, "{{#n.o.s.u.c.h.x.y.z.a.b.c.d.e.f}}"
	    "{{/n.o.s.u.c.h.x.y.z.a.b.c.d.e.f}}", 8);
	repeat(b, sz, "{{/one}}", 30);
	strlcat(b, "{{/a}}", sz);
}

/* 1 KiB of text in a 10^6 loop: stops at the output cap. */
static void
output(char *b, size_t sz)
{
	strlcpy(b, "{{#a}}{{#a}}", sz);
	memset(b + 12, 'x', 1024);
	b[12 + 1024] = '\0';
	strlcat(b, "{{/a}}{{/a}}", sz);
}

/* Escaped values on one ever longer line (each reads the line again). */
static void
oneline(char *b, size_t sz)
{
	strlcpy(b, "{{#a}}{{#a}}{{client.inventory.serial}} {{/a}}{{/a}}", sz);
}

/* A 1000-item array dumped as JSON per item. */
static void
dumps(char *b, size_t sz)
{
	strlcpy(b, "{{#a}}{{{a}}}{{/a}}", sz);
}

/* 200 small sections per item. */
static void
sections(char *b, size_t sz)
{
	strlcpy(b, "{{#a}}", sz);
	repeat(b, sz, "{{#one}}{{.}}{{/one}}", 200);
	strlcat(b, "{{/a}}", sz);
}

static const struct bench_case cases[] = {
	{ "nested sections", NB_TMPL_ESC_RAW, nested },
	{ "misses 32 deep", NB_TMPL_ESC_RAW, misses },
	{ "output cap", NB_TMPL_ESC_RAW, output },
	{ "one line, ipxe", NB_TMPL_ESC_IPXE, oneline },
	{ "one line, cmdline", NB_TMPL_ESC_CMDLINE, oneline },
	{ "one line, kickstart", NB_TMPL_ESC_KICKSTART, oneline },
	{ "one line, yaml", NB_TMPL_ESC_YAML, oneline },
	{ "array dumped per item", NB_TMPL_ESC_RAW, dumps },
	{ "small sections", NB_TMPL_ESC_RAW, sections },
};

int
main(int argc, char *argv[])
{
	json_t		*data, *a = json_array();
	const char	*errstr;
	char		*body, *out, err[256];
	double		 t, best, sum, worst = 0;
	size_t		 i, len;
	int		 n, k, done = 0;

	n = argc > 1 ? (int)strtonum(argv[1], 1, 1000, &errstr) : 20;
	if (argc > 1 && errstr != NULL) {
		fprintf(stderr, "usage: bench-tmpl [REPEATS]\n");
		return 2;
	}
	for (i = 0; i < 1000; i++)
		json_array_append_new(a, json_integer((json_int_t)i));
	data = json_pack("{s:o, s:[i], s:{s:{s:s}}}", "a", a, "one", 1,
	    "client", "inventory", "serial", "x && y");
	body = malloc(BODY_MAX);
	if (data == NULL || body == NULL)
		return 1;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body[0] = '\0';
		cases[i].build(body, BODY_MAX);
		best = 1e9;
		sum = 0;
		len = 0;
		for (k = 0; k < n; k++) {
			err[0] = '\0';
			t = now_ms();
			out = nb_tmpl_render_as(body, data, cases[i].esc, &len,
			    err, sizeof(err));
			t = now_ms() - t;
			done = out != NULL;
			free(out);
			best = t < best ? t : best;
			sum += t;
		}
		worst = best > worst ? best : worst;
		printf("%-24s best %6.3f ms  mean %6.3f ms  out %8zu  %s\n",
		    cases[i].name, best, sum / n, done ? len : 0,
		    err[0] != '\0' ? err : "(rendered)");
	}
	printf("worst best-of-%d: %.3f ms\n", n, worst);
	free(body);
	json_decref(data);
	return 0;
}
