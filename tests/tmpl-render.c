/* tmpl-render.c: unit tests of the template engine (libnetboot/tmpl.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tmpl.h"

static json_t	*data;

/* Render body and compare with want (NULL: an error containing errwant). */
static void
check(const char *body, const char *want, const char *errwant, const char *what)
{
	char	 err[256] = "";
	char	*out;
	size_t	 len = 0;

	out = nb_tmpl_render(body, data, &len, err, sizeof(err));
	if (want != NULL) {
		is_str(out, want, "%s", what);
		if (out == NULL)
			printf("#   error: %s\n", err);
		else
			ok(len == strlen(want), "%s: length", what);
	} else {
		ok(out == NULL && strstr(err, errwant) != NULL, "%s: error", what);
		if (out != NULL || strstr(err, errwant) == NULL)
			printf("#   got '%s', want error '%s'\n", out ? out : err, errwant);
	}
	free(out);
}

int
main(void)
{
	json_error_t	 je;
	char		 deep[2048], err[128];
	size_t		 i;

	data = json_loads("{\"server_url\": \"http://10.77.0.2:8080\","
	    "\"client\": {\"mac\": \"52:54:00:12:34:56\", \"hostname\": \"web1\", \"name\": null,"
	    "  \"vars\": {\"disk\": \"/dev/vda\"}, \"allowed\": true, \"suspended\": false},"
	    "\"vars\": {\"disk\": \"/dev/vda\", \"pkgs\": [\"vim\", \"curl\"], \"n\": 3, \"zero\": 0,"
	    "  \"empty\": \"\", \"none\": [], \"users\": [{\"name\": \"ann\", \"uid\": 1000},"
	    "  {\"name\": \"bob\", \"uid\": 1001}], \"ratio\": 0.5, \"lt\": \"<&>\\\"\"},"
	    "\"settings\": {\"menu.timeout\": \"10\", \"bootloader.7\": \"snponly.efi\"},"
	    "\"image\": {\"name\": \"debian12\", \"initrd_urls\": [\"http://s/data/a\", \"http://s/data/b\"]}}",
	    0, &je);
	ok(data != NULL, "test data parses");

	check("plain text\n", "plain text\n", NULL, "text without tags");
	check("", "", NULL, "empty template");
	check("host {{client.hostname}} at {{ server_url }}", "host web1 at http://10.77.0.2:8080",
	    NULL, "dotted variables, spaces in tags");
	check("d-i partman-auto/disk string {{vars.disk}}\n",
	    "d-i partman-auto/disk string /dev/vda\n", NULL, "preseed line");
	check("{{{vars.lt}}} {{&vars.lt}} {{vars.lt}}", "<&>\" <&>\" <&>\"", NULL,
	    "no HTML escaping, triple and & the same");
	check("n={{vars.n}} r={{vars.ratio}} t={{client.allowed}} f={{client.suspended}} x={{client.name}}.",
	    "n=3 r=0.5 t=true f=false x=.", NULL, "numbers, booleans, null");
	check("{{#vars.pkgs}}pkg {{.}}\n{{/vars.pkgs}}", "pkg vim\npkg curl\n", NULL,
	    "loop over an array with {{.}}");
	check("{{#vars.users}}{{name}}:{{uid}} {{/vars.users}}", "ann:1000 bob:1001 ", NULL,
	    "loop over objects");
	check("{{#vars.users}}{{name}}@{{client.hostname}},{{/vars.users}}", "ann@web1,bob@web1,",
	    NULL, "outer names visible inside a loop");
	check("{{#client}}{{mac}}{{/client}}", "52:54:00:12:34:56", NULL, "object section");
	check("{{#vars.zero}}z{{/vars.zero}}{{#vars.empty}}e{{/vars.empty}}{{#vars.none}}n{{/vars.none}}"
	    "{{#nosuch}}u{{/nosuch}}{{#client.suspended}}s{{/client.suspended}}", "", NULL,
	    "falsy: 0, \"\", [], undefined, false");
	check("{{^vars.none}}no pkgs{{/vars.none}}{{^vars.pkgs}}x{{/vars.pkgs}}{{^nosuch}}!{{/nosuch}}",
	    "no pkgs!", NULL, "inverted sections");
	check("{{#vars.n}}[{{.}}]{{/vars.n}}", "[3]", NULL, "scalar section pushes the value");
	check("a{{! a comment }}b{{!\nmulti\nline}}c", "abc", NULL, "comments");
	check("{{image.initrd_urls.1}}", "http://s/data/b", NULL, "array index in a path");
	check("{{settings.menu.timeout}} {{settings.bootloader.7}}", "10 snponly.efi", NULL,
	    "keys holding dots (settings)");
	check("{{settings.menu.nosuch}}", NULL, "undefined variable 'settings.menu.nosuch'",
	    "a dotted key's missing sibling");
	check("{{image.initrd_urls}}", "[\"http://s/data/a\",\"http://s/data/b\"]", NULL,
	    "array variable as JSON");
	check("x\n  {{#vars.pkgs}}\n- {{.}}\n  {{/vars.pkgs}}\n{{! note }}\ny\n",
	    "x\n- vim\n- curl\ny\n", NULL, "standalone tags take their line");
	check("a {{#vars.n}}b{{/vars.n}} c\n", "a b c\n", NULL, "inline sections keep spaces");
	check("a\r\n{{#vars.n}}\r\nb\r\n{{/vars.n}}\r\n", "a\r\nb\r\n", NULL, "CRLF standalone lines");

	check("one\ntwo {{nope}}\n", NULL, "line 2: undefined variable 'nope'", "undefined variable");
	check("{{client.nope}}", NULL, "line 1: undefined variable 'client.nope'",
	    "undefined member");
	check("a\n\n{{#vars.pkgs}}\nx\n", NULL, "line 3: unclosed section 'vars.pkgs'",
	    "unclosed section");
	check("a\n{{/x}}", NULL, "line 2: '{{/x}}' closes no section", "stray close");
	check("{{#a}}\n{{/b}}", NULL, "line 2: section 'a' (line 1) closed by '{{/b}}'",
	    "mismatched close");
	check("x\ny {{client.hostname", NULL, "line 2: unterminated tag", "unterminated tag");
	check("{{}}", NULL, "line 1: empty tag", "empty tag");
	check("{{a b}}", NULL, "line 1: bad name 'a b'", "bad name");
	check("{{> part}}", NULL, "partials are not supported", "partials");
	check("{{=<% %>=}}", NULL, "changing delimiters is not supported", "delimiters");
	check("{{!\n\n}}\n{{#vars.users}}\n{{uid}} {{nope}}\n{{/vars.users}}\n", NULL,
	    "line 5: undefined variable 'nope'", "line numbers after a multi-line comment");

	deep[0] = '\0';
	for (i = 0; i < 33; i++)
		strlcat(deep, "{{#client}}", sizeof(deep));
	check(deep, NULL, "sections nested deeper than 32", "nesting is bounded");
	deep[0] = '\0';
	for (i = 0; i < 32; i++)
		strlcat(deep, "{{#client}}", sizeof(deep));
	strlcat(deep, "{{mac}}", sizeof(deep));
	for (i = 0; i < 32; i++)
		strlcat(deep, "{{/client}}", sizeof(deep));
	check(deep, "52:54:00:12:34:56", NULL, "32 levels of nesting render");

	ok(nb_tmpl_render("{{x}}", data, NULL, err, 8) == NULL && strlen(err) == 7,
	    "a short error buffer is truncated, not overrun");
	json_decref(data);
	return done_testing();
}
