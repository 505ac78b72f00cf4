/*
 * fuzz-tmpl.c: the template engine (libnetboot/tmpl.c): parse and render
 * a random body. Input "body" renders with the data bootweb gives a client
 * (the test data of tests/lib/tmpl.c); "body NUL json" renders with
 * that JSON when it parses. The body's length picks the escaping context.
 * A body that does not parse does not render; one that renders does so
 * again with every string value replaced by "X" with as many lines: in
 * every context but raw, no value can add a line (netboot(7)).
 */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "tmpl.h"

const char *const fuzz_tokens[] = {
	"{{", "}}", "{{{", "}}}", "{{#", "{{/", "{{^", "{{&", "{{!", "{{.}}",
	"vars.users", "client.mac", "vars.pkgs", "image.initrd_urls.1",
	"settings.menu.timeout", "{{=", "=}}", NULL
};

static json_t	*data;

static void
init(void)
{
	json_error_t	 je;

	data = json_loads("{\"server_url\": \"http://10.77.0.2:8080\","
	    "\"client\": {\"mac\": \"52:54:00:12:34:56\","
	    "  \"hostname\": \"web1\", \"name\": null,"
	    "  \"vars\": {\"disk\": \"/dev/vda\"}, \"allowed\": true,"
	    "  \"suspended\": false},"
	    "\"vars\": {\"disk\": \"/dev/vda\", \"pkgs\": [\"vim\", \"curl\"],"
	    "  \"n\": 3, \"zero\": 0, \"empty\": \"\", \"none\": [],"
	    "  \"users\": [{\"name\": \"ann\", \"uid\": 1000},"
	    "  {\"name\": \"bob\", \"uid\": 1001}], \"ratio\": 0.5,"
	    "  \"lt\": \"<&>\\\"\", \"nl\": \"a\\nb\"},"
	    "\"settings\": {\"menu.timeout\": \"10\","
	    "  \"bootloader.7\": \"snponly.efi\"},"
	    "\"image\": {\"name\": \"debian12\","
	    "  \"initrd_urls\": [\"http://s/data/a\", \"http://s/data/b\"]},"
	    "\"unattended_url\": \"http://10.77.0.2:8080/t/0123/p.cfg\"}",
	    0, &je);
	fuzz_check(data != NULL, "the test data parses");
}

/* A copy of v with every non-empty string "X" (truthiness kept). */
static json_t *
plain_values(json_t *v)
{
	const char	*k;
	json_t		*c, *e;
	size_t		 i;

	if (json_is_string(v))
		return json_string(json_string_length(v) > 0 ? "X" : "");
	if (json_is_array(v)) {
		c = json_array();
		json_array_foreach(v, i, e)
			json_array_append_new(c, plain_values(e));
		return c;
	}
	if (json_is_object(v)) {
		c = json_object();
		json_object_foreach(v, k, e)
			json_object_set_new(c, k, plain_values(e));
		return c;
	}
	return json_incref(v);
}

static size_t
lines(const char *s, size_t len)
{
	size_t	 i, n = 0;

	for (i = 0; i < len; i++)
		n += s[i] == '\n';
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char		*body = fuzz_strndup(in, size), *out, *out2, err[256];
	size_t		 blen = strlen(body), outlen = 0, outlen2 = 0;
	json_t		*d = NULL, *x;
	enum nb_tmpl_esc esc = (enum nb_tmpl_esc)(blen % (NB_TMPL_ESC_XML + 1));
	int		 parses;

	if (data == NULL)
		init();
	if (blen + 1 < size)
		d = json_loadb(body + blen + 1, size - blen - 1,
		    JSON_DECODE_ANY, NULL);
	parses = nb_tmpl_check(body, err, sizeof(err)) == 0;
	err[0] = '\0';
	out = nb_tmpl_render_as(body, d != NULL ? d : data, esc, &outlen, err,
	    sizeof(err));
	if (out == NULL) {
		fuzz_check(strlen(err) > 0, "an error says why");
		goto done;
	}
	fuzz_check(parses, "a body that renders parses");
	fuzz_check(memchr(out, '\0', outlen + 1) != NULL,
	    "output NUL-terminated");
	if (esc != NB_TMPL_ESC_RAW) {
		x = plain_values(d != NULL ? d : data);
		out2 = nb_tmpl_render_as(body, x, esc, &outlen2, err,
		    sizeof(err));
		fuzz_check(out2 != NULL, "it renders with other values");
		if (lines(out, outlen) != lines(out2, outlen2))
			fprintf(stderr,
			    "escaping %d: %zu lines, %zu with plain values\n",
			    (int)esc, lines(out, outlen), lines(out2, outlen2));
		fuzz_check(lines(out, outlen) == lines(out2, outlen2),
		    "no value adds a line");
		free(out2);
		json_decref(x);
	}
	free(out);
done:
	json_decref(d);
	free(body);
	return 0;
}
