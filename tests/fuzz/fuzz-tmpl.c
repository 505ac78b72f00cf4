/*
 * fuzz-tmpl.c: the template engine (libnetboot/tmpl.c): parse and render
 * a random body. Input "body" renders with the data bootweb gives a client
 * (the test data of tests/tmpl-render.c); "body NUL json" renders with
 * that JSON when it parses. Rendering must succeed with its length, or
 * fail with a "line N" reason.
 */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fuzz.h"
#include "tmpl.h"

const char *const fuzz_tokens[] = { "{{", "}}", "{{{", "}}}", "{{#", "{{/", "{{^", "{{&",
	"{{!", "{{.}}", "vars.users", "client.mac", "vars.pkgs", "image.initrd_urls.1",
	"settings.menu.timeout", "{{=", "=}}", NULL };

static json_t	*data;

static void
init(void)
{
	json_error_t	 je;

	data = json_loads("{\"server_url\": \"http://10.77.0.2:8080\","
	    "\"client\": {\"mac\": \"52:54:00:12:34:56\", \"hostname\": \"web1\", \"name\": null,"
	    "  \"vars\": {\"disk\": \"/dev/vda\"}, \"allowed\": true, \"suspended\": false},"
	    "\"vars\": {\"disk\": \"/dev/vda\", \"pkgs\": [\"vim\", \"curl\"], \"n\": 3,"
	    "  \"zero\": 0, \"empty\": \"\", \"none\": [], \"users\": [{\"name\": \"ann\","
	    "  \"uid\": 1000}, {\"name\": \"bob\", \"uid\": 1001}], \"ratio\": 0.5,"
	    "  \"lt\": \"<&>\\\"\", \"nl\": \"a\\nb\"},"
	    "\"settings\": {\"menu.timeout\": \"10\", \"bootloader.7\": \"snponly.efi\"},"
	    "\"image\": {\"name\": \"debian12\", \"initrd_urls\": [\"http://s/data/a\","
	    "  \"http://s/data/b\"]},"
	    "\"unattended_url\": \"http://10.77.0.2:8080/unattended/52:54:00:12:34:56/p.cfg\"}",
	    0, &je);
	fuzz_check(data != NULL, "the test data parses");
}

int
LLVMFuzzerTestOneInput(const uint8_t *in, size_t size)
{
	char		*body = fuzz_strndup(in, size), *out, err[256];
	size_t		 blen = strlen(body), outlen = 0;
	json_t		*d = NULL;

	if (data == NULL)
		init();
	if (blen + 1 < size)
		d = json_loadb(body + blen + 1, size - blen - 1, JSON_DECODE_ANY, NULL);
	err[0] = '\0';
	out = nb_tmpl_render(body, d != NULL ? d : data, &outlen, err, sizeof(err));
	if (out != NULL)
		fuzz_check(memchr(out, '\0', outlen + 1) != NULL, "output NUL-terminated");
	else
		fuzz_check(strlen(err) > 0, "an error says why");
	free(out);
	json_decref(d);
	free(body);
	return 0;
}
