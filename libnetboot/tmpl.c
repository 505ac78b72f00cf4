/*
 * tmpl.c: the template engine for unattended files and image cmdlines.
 *
 * A subset of mustache over jansson data: {{name}}, {{a.b}} (a dotted
 * path; a number indexes an array), {{.}} (the current item), sections
 * {{#x}}..{{/x}} (render once for a truthy value, once per item of an
 * array), inverted sections {{^x}}..{{/x}}, comments {{! ..}}, and the
 * raw tags {{{x}}} / {{&x}}. A section, inverted section or comment tag
 * alone on its line takes the whole line with it, as mustache's
 * "standalone" rule says, so preseed and kickstart files stay clean.
 *
 * Every {{x}} is escaped for the output it lands in (enum nb_tmpl_esc,
 * chosen by the template's kind; netboot(7) TEMPLATES has the rules), so
 * that no value can add a line, an iPXE command, a kernel parameter, a
 * shell command or a YAML key. Raw tags write the value as it is and are
 * refused for what the client itself supplies (client_supplied[] below).
 *
 * A template is parsed into a flat array of nodes first (so a syntax
 * error is reported before anything renders), then rendered within a
 * work budget (tmpl_work) and an output cap. A variable that is not
 * defined is an error; a section over an undefined name is simply false,
 * so {{#unattended_url}} works when there is none. Partials and delimiter
 * changes are not supported and say so.
 */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmpl.h"
#include "token.h"
#include "xmalloc.h"

#define TMPL_MAX_DEPTH	32		/* nested sections */
#define TMPL_MAX_NAME	256		/* length of a tag's name */
#define TMPL_MAX_OUT	(16 * 1024 * 1024)	/* rendered size */

/*
 * The work of one render, in steps: a node visited, an item of a
 * section, a key tried in a lookup, a byte escaped or dumped as JSON, 8
 * bytes of the current line read again for its quoting, 256 bytes
 * written. Measured as wall time, best and mean of 20 repeats on the
 * 2-core build machine, and with valgrind --tool=callgrind (117 M
 * instructions for all nine), the worst templates we could build stop
 * at the budget or the output cap within 1.4 ms (the mean, with a load
 * average of 4 on the 2 cores, up to 4.4 ms): three sections nested
 * over a 1000-item array; lookups missing through 32 levels; 1 KiB of
 * text in a 10^6 loop (stops at the cap); escaped values on one ever
 * longer line (iPXE, cmdline, kickstart, YAML); a 1000-item array
 * dumped per item; 200 small sections per item. tests/e2e/preseed.cfg
 * takes 87 steps.
 */
#define TMPL_MAX_STEPS	100000

enum node_type { N_TEXT, N_VAR, N_SECTION, N_INVERTED };

struct node {
	enum node_type	 type;
	const char	*s;		/* text, or the name */
	size_t		 len;
	int		 line;
	int		 raw;		/* N_VAR: {{{x}}} or {{&x}} */
	size_t		 end;		/* sections: index of the first node after the section */
};

struct tmpl {
	struct node	*nodes;
	size_t		 n, cap;
	char		*err;
	size_t		 errsz;
};

struct out {
	char		*buf;
	size_t		 len, cap;
};

struct render {
	struct tmpl	*t;
	struct out	 out;
	enum nb_tmpl_esc esc;
	json_t		*stack[TMPL_MAX_DEPTH + 2];
	int		 depth;
	uint64_t	 steps;
	json_t		*taint[8];	/* client-supplied values in the data */
	size_t		 ntaint;
	/* What the output so far says, read once per byte (tmpl_scan). */
	size_t		 scanned;
	size_t		 line_start;	/* offset of the current line */
	int		 dquotes;	/* '"' seen, for the kernel's quoting */
	int		 ks_shell;	/* kickstart: inside %pre, %post, ... */
	/* YAML: the keys of the lines above, by indentation (yaml_line). */
	int		 ykey[16];	/* their indentation */
	int		 yshell[16];	/* a list of shell commands */
	int		 nykeys;
	/* XML: the element text is in, and a '<' not yet closed (+ 1). */
	char		 xtag[32];
	size_t		 xopen;
};

/* The fields of "client" that the client itself supplies (netboot(7)). */
static const char *const client_supplied[] = {
	"inventory", "uuid", "vendor_class", "user_class",
};

/* The escaping of each template kind; a kind not listed is line based. */
static const struct {
	const char	*kind;
	enum nb_tmpl_esc esc;
} kind_esc[] = {
	{ "preseed", NB_TMPL_ESC_PRESEED },
	{ "kickstart", NB_TMPL_ESC_KICKSTART },
	{ "autoinstall", NB_TMPL_ESC_YAML },
	{ "cloud-init", NB_TMPL_ESC_YAML },
	{ "autounattend", NB_TMPL_ESC_XML },
	{ "autoyast", NB_TMPL_ESC_XML },
	{ "ipxe", NB_TMPL_ESC_IPXE },
	{ "raw", NB_TMPL_ESC_RAW },
};

static int
tmpl_fail(char *err, size_t errsz, int line, const char *fmt, ...)
{
	char	 msg[256];
	va_list	 ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (err != NULL && errsz > 0)
		snprintf(err, errsz, "line %d: %s", line, msg);
	return -1;
}

/* Count n steps of work; -1 (and the error) once the budget is spent. */
static int
tmpl_work(struct render *r, size_t n, int line)
{
	r->steps += n;
	if (r->steps > TMPL_MAX_STEPS)
		return tmpl_fail(r->t->err, r->t->errsz, line,
		    "rendering takes more than %d steps (nested sections?)",
		    TMPL_MAX_STEPS);
	return 0;
}

static struct node *
tmpl_add(struct tmpl *t, enum node_type type, const char *s, size_t len, int line)
{
	struct node	*n;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 32;
		t->nodes = xreallocarray(t->nodes, t->cap, sizeof(*t->nodes));
	}
	n = &t->nodes[t->n++];
	n->type = type;
	n->s = s;
	n->len = len;
	n->line = line;
	n->raw = 0;
	n->end = 0;
	return n;
}

static int
count_lines(const char *s, const char *e)
{
	int	 n = 0;

	for (; s < e; s++)
		if (*s == '\n')
			n++;
	return n;
}

/* Trim spaces around a tag's name and check its characters. */
static int
tmpl_name(struct tmpl *t, const char **s, size_t *len, int line)
{
	const char	*p = *s, *e = *s + *len;
	const char	*q;

	while (p < e && isspace((unsigned char)*p))
		p++;
	while (e > p && isspace((unsigned char)e[-1]))
		e--;
	if (p == e)
		return tmpl_fail(t->err, t->errsz, line, "empty tag");
	if (e - p > TMPL_MAX_NAME)
		return tmpl_fail(t->err, t->errsz, line, "name too long");
	for (q = p; q < e; q++)
		if (!isalnum((unsigned char)*q) && strchr("._-", *q) == NULL)
			return tmpl_fail(t->err, t->errsz, line, "bad name '%.*s'",
			    (int)(e - p), p);
	*s = p;
	*len = (size_t)(e - p);
	return 0;
}

/*
 * Mustache's standalone rule: a block tag with only blanks around it on
 * its line removes the line. Given the tag at [open, close), widen the
 * span to eat the line's blanks and its newline; return whether it did.
 */
static int
tmpl_standalone(const char *body, const char *textstart, const char **open, const char **close)
{
	const char	*a = *open, *b = *close;

	while (a > body && (a[-1] == ' ' || a[-1] == '\t'))
		a--;
	if (a != body && a[-1] != '\n')
		return 0;
	if (a < textstart)	/* another tag sits earlier on this line */
		return 0;
	while (*b == ' ' || *b == '\t')
		b++;
	if (*b == '\r' && b[1] == '\n')
		b += 2;
	else if (*b == '\n')
		b++;
	else if (*b != '\0')
		return 0;
	*open = a;
	*close = b;
	return 1;
}

/* Parse body into t->nodes, matching sections; -1 with the reason on a syntax error. */
static int
tmpl_parse(struct tmpl *t, const char *body)
{
	const char	*p = body, *text = body, *open, *close, *name, *ce;
	size_t		 stack[TMPL_MAX_DEPTH], nlen;
	int		 depth = 0, line = 1, tagline, triple;
	char		 sigil;
	struct node	*n;

	while ((open = strstr(p, "{{")) != NULL) {
		tagline = line + count_lines(p, open);
		triple = open[2] == '{';
		if ((ce = strstr(open + 2, triple ? "}}}" : "}}")) == NULL)
			return tmpl_fail(t->err, t->errsz, tagline, "unterminated tag");
		close = ce + (triple ? 3 : 2);
		name = open + (triple ? 3 : 2);
		nlen = (size_t)(ce - name);
		sigil = triple ? '&' : (nlen > 0 ? *name : '\0');
		if (!triple && strchr("#^/!&>=", sigil) != NULL && sigil != '\0') {
			name++;
			nlen--;
		}
		if (strchr("#^/!", sigil) != NULL && sigil != '\0')
			tmpl_standalone(body, text, &open, &close);
		if (open > text)
			tmpl_add(t, N_TEXT, text, (size_t)(open - text), line);
		line = tagline + count_lines(open + 2, close);
		/* line of the tag start is tagline; the standalone widening moved only blanks */
		p = text = close;
		switch (sigil) {
		case '!':
			continue;
		case '>':
			return tmpl_fail(t->err, t->errsz, tagline, "partials are not supported");
		case '=':
			return tmpl_fail(t->err, t->errsz, tagline,
			    "changing delimiters is not supported");
		}
		if (tmpl_name(t, &name, &nlen, tagline) == -1)
			return -1;
		switch (sigil) {
		case '#':
		case '^':
			if (depth == TMPL_MAX_DEPTH)
				return tmpl_fail(t->err, t->errsz, tagline,
				    "sections nested deeper than %d", TMPL_MAX_DEPTH);
			stack[depth++] = t->n;
			tmpl_add(t, sigil == '#' ? N_SECTION : N_INVERTED, name, nlen, tagline);
			break;
		case '/':
			if (depth == 0)
				return tmpl_fail(t->err, t->errsz, tagline,
				    "'{{/%.*s}}' closes no section", (int)nlen, name);
			n = &t->nodes[stack[--depth]];
			if (n->len != nlen || memcmp(n->s, name, nlen) != 0)
				return tmpl_fail(t->err, t->errsz, tagline,
				    "section '%.*s' (line %d) closed by '{{/%.*s}}'",
				    (int)n->len, n->s, n->line, (int)nlen, name);
			n->end = t->n;
			break;
		default:
			n = tmpl_add(t, N_VAR, name, nlen, tagline);
			n->raw = sigil == '&';
			break;
		}
	}
	if (depth > 0) {
		n = &t->nodes[stack[depth - 1]];
		return tmpl_fail(t->err, t->errsz, n->line, "unclosed section '%.*s'",
		    (int)n->len, n->s);
	}
	if (*text != '\0')
		tmpl_add(t, N_TEXT, text, strlen(text), line);
	return 0;
}

static int
out_add(struct render *r, const char *s, size_t len, int line)
{
	struct out	*o = &r->out;

	if (tmpl_work(r, len / 256, line) == -1)
		return -1;
	if (o->len + len + 1 > TMPL_MAX_OUT)
		return tmpl_fail(r->t->err, r->t->errsz, line, "output larger than %d bytes",
		    TMPL_MAX_OUT);
	if (o->len + len + 1 > o->cap) {
		while (o->len + len + 1 > o->cap)
			o->cap = o->cap ? o->cap * 2 : 1024;
		o->buf = xreallocarray(o->buf, o->cap, 1);
	}
	memcpy(o->buf + o->len, s, len);
	o->len += len;
	o->buf[o->len] = '\0';
	return 0;
}

static int
out_str(struct render *r, const char *s, int line)
{
	return out_add(r, s, strlen(s), line);
}

/* One byte as %XX, the way iPXE's own URIs carry what a script cannot. */
static int
out_pct(struct render *r, unsigned char c, int line)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 b[3];

	b[0] = '%';
	b[1] = hex[c >> 4];
	b[2] = hex[c & 15];
	return out_add(r, b, 3, line);
}

/* One step of a dotted path: an object key, or an array index. */
static json_t *
lookup_step(json_t *v, const char *s, size_t len)
{
	char		 key[TMPL_MAX_NAME + 1];
	const char	*errstr;
	long long	 i;

	memcpy(key, s, len);
	key[len] = '\0';
	if (json_is_object(v))
		return json_object_get(v, key);
	if (json_is_array(v)) {
		i = strtonum(key, 0, (long long)json_array_size(v) - 1, &errstr);
		return errstr == NULL ? json_array_get(v, (size_t)i) : NULL;
	}
	return NULL;
}

/*
 * Resolve a dotted path below v. Keys may hold dots themselves (the
 * settings are "menu.timeout", ...): each shorter key is tried first,
 * then longer ones, so {{settings.menu.timeout}} finds its setting.
 * Each key tried is a step of *work.
 */
static json_t *
resolve(json_t *v, const char *name, size_t len, uint64_t *work)
{
	const char	*dot = name;
	json_t		*child, *found;
	size_t		 klen;

	for (;;) {
		dot = memchr(dot, '.', len - (size_t)(dot - name));
		klen = dot ? (size_t)(dot - name) : len;
		(*work)++;
		if (klen > 0 && (child = lookup_step(v, name, klen)) != NULL) {
			if (dot == NULL)
				return child;
			found = resolve(child, dot + 1, len - klen - 1, work);
			if (found != NULL)
				return found;
		}
		if (dot == NULL)
			return NULL;
		dot++;
	}
}

/* Resolve a name through the context stack, innermost first; "." is the current item. */
static json_t *
lookup(struct render *r, const char *name, size_t len, int line, int *rc)
{
	json_t		*v = NULL;
	uint64_t	 work = 1;
	int		 i;

	if (len == 1 && *name == '.')
		v = r->stack[r->depth - 1];
	else
		for (i = r->depth - 1; i >= 0; i--)
			if ((v = resolve(r->stack[i], name, len, &work)) != NULL)
				break;
	*rc = tmpl_work(r, work, line);
	return v;
}

/* Mustache falsiness, with the JavaScript flavour: false, null, "", 0 and [] are false. */
static int
truthy(json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_FALSE:
	case JSON_NULL:
		return 0;
	case JSON_STRING:
		return json_string_length(v) > 0;
	case JSON_INTEGER:
		return json_integer_value(v) != 0;
	case JSON_REAL:
		return json_real_value(v) != 0.0;
	case JSON_ARRAY:
		return json_array_size(v) > 0;
	default:
		return 1;
	}
}

/* Whether b is a, or inside a; each value visited is a step. */
static int
json_within(struct render *r, json_t *a, json_t *b)
{
	const char	*key;
	json_t		*v;
	size_t		 i;

	if (++r->steps > TMPL_MAX_STEPS)
		return 0;	/* the next tmpl_work() fails */
	if (a == b)
		return 1;
	if (json_is_object(a)) {
		json_object_foreach(a, key, v)
			if (json_within(r, v, b))
				return 1;
	} else if (json_is_array(a)) {
		json_array_foreach(a, i, v)
			if (json_within(r, v, b))
				return 1;
	}
	return 0;
}

/* Whether v is (or holds, or is held by) a value the client supplied. */
static int
tainted(struct render *r, json_t *v)
{
	size_t	 i;

	for (i = 0; i < r->ntaint; i++)
		if (json_within(r, r->taint[i], v) ||
		    json_within(r, v, r->taint[i]))
			return 1;
	return 0;
}

/* Note the client-supplied values of data (client_supplied[]). */
static void
taint_init(struct render *r, json_t *data)
{
	json_t	*client = json_object_get(data, "client"), *v;
	size_t	 i;

	for (i = 0; i < nitems(client_supplied) && i < nitems(r->taint); i++)
		if ((v = json_object_get(client, client_supplied[i])) != NULL)
			r->taint[r->ntaint++] = v;
}

/* YAML keys whose value is a list of shell commands (cloud-init, curtin). */
static const char *const yaml_shell_keys[] = {
	"runcmd", "bootcmd", "early-commands", "late-commands", "error-commands",
};

/*
 * Whether the YAML line [s, e) is "key:" (or "- key:") and the key's
 * list holds shell commands: 1 yes, 0 no, -1 not a key line. *ind gets
 * the key's indentation, *item whether the line is a list item.
 */
static int
yaml_key(const char *s, const char *e, int *ind, int *item)
{
	const char	*p = s, *k;
	size_t		 i;

	while (p < e && *p == ' ')
		p++;
	*ind = (int)(p - s);
	*item = p + 1 < e && p[0] == '-' && p[1] == ' ';
	if (*item)
		for (p += 2, *ind += 2; p < e && *p == ' '; p++)
			(*ind)++;
	for (k = p; k < e && (isalnum((unsigned char)*k) || *k == '_' ||
	    *k == '-'); k++)
		;
	if (k == p || k == e || *k != ':' || (k + 1 < e && k[1] != ' ' &&
	    k[1] != '\r'))
		return -1;
	for (i = 0; i < nitems(yaml_shell_keys); i++)
		if (strlen(yaml_shell_keys[i]) == (size_t)(k - p) &&
		    memcmp(yaml_shell_keys[i], p, (size_t)(k - p)) == 0)
			return 1;
	return 0;
}

/* A finished YAML line: close the keys it is not inside, open its own. */
static void
yaml_line(struct render *r, const char *s, const char *e)
{
	const char	*p = s;
	int		 ind, item, shell;

	while (p < e && (*p == ' ' || *p == '\r'))
		p++;
	if (p == e || *p == '#')	/* blanks and comments close nothing */
		return;
	while (r->nykeys > 0 && r->ykey[r->nykeys - 1] >= (int)(p - s))
		r->nykeys--;
	if ((shell = yaml_key(s, e, &ind, &item)) == -1 ||
	    r->nykeys == (int)nitems(r->ykey))
		return;
	r->ykey[r->nykeys] = ind;
	r->yshell[r->nykeys++] = shell;
}

/* Whether a value on the current YAML line is (part of) a shell command. */
static int
yaml_shell(struct render *r)
{
	const char	*s = r->out.buf + r->line_start;
	const char	*e = r->out.buf + r->out.len, *p = s;
	int		 i, ind, item;

	if (yaml_key(s, e, &ind, &item) == 1)	/* runcmd: [ ... ] */
		return 1;
	while (p < e && *p == ' ')
		p++;
	for (i = 0; i < r->nykeys && r->ykey[i] < (int)(p - s); i++)
		if (r->yshell[i])
			return 1;
	return 0;
}

/* XML elements whose text is a command: autounattend's, autoyast's scripts. */
static const char *const xml_command_tags[] = {
	"CommandLine", "Path", "source",
};

/*
 * XML: at '<' note where a tag starts; at '>' take its name as the
 * element text is in (a closing tag, comment or self-closing tag
 * leaves none; the end of a CDATA section changes nothing).
 */
static void
xml_tag(struct render *r, size_t i)
{
	const char	*t = r->out.buf + r->xopen;
	size_t		 n;

	if (r->out.buf[i] == '<') {
		r->xopen = i + 1;
		return;
	}
	n = i - r->xopen;
	r->xopen = 0;
	if (n >= 8 && memcmp(t, "![CDATA[", 8) == 0)
		return;
	r->xtag[0] = '\0';
	if (n == 0 || strchr("/?!", t[0]) != NULL || t[n - 1] == '/')
		return;
	n = strcspn(t, " \t\r\n/>");
	if (n < sizeof(r->xtag)) {
		memcpy(r->xtag, t, n);
		r->xtag[n] = '\0';
	}
}

/* Whether a value here is in the text of a command element (or its CDATA). */
static int
xml_command(struct render *r)
{
	size_t	 i;

	if (r->xopen > 0 && (r->out.len - r->xopen < 8 ||
	    memcmp(r->out.buf + r->xopen, "![CDATA[", 8) != 0))
		return 0;	/* inside a tag: an attribute */
	for (i = 0; i < nitems(xml_command_tags); i++)
		if (strcmp(r->xtag, xml_command_tags[i]) == 0)
			return 1;
	return 0;
}

/*
 * Read the output written since the last call: where the current line
 * starts, the parity of double quotes (the kernel's in_quote), for
 * kickstart whether the last %-line opened a script section, and for
 * YAML the keys the lines are under.
 */
static void
tmpl_scan(struct render *r)
{
	const char	*b = r->out.buf;
	size_t		 i;

	for (i = r->scanned; i < r->out.len; i++) {
		if (b[i] == '"')
			r->dquotes ^= 1;
		else if (b[i] == '\n') {
			if (r->esc == NB_TMPL_ESC_YAML)
				yaml_line(r, b + r->line_start, b + i);
			r->line_start = i + 1;
		} else if (r->esc == NB_TMPL_ESC_XML && (b[i] == '<' ||
		    (b[i] == '>' && r->xopen > 0)))
			xml_tag(r, i);
		else if (b[i] == '%' && i == r->line_start)
			r->ks_shell = strncmp(b + i, "%pre", 4) == 0 ||
			    strncmp(b + i, "%post", 5) == 0 ||
			    strncmp(b + i, "%onerror", 8) == 0 ||
			    strncmp(b + i, "%traceback", 10) == 0;
	}
	r->scanned = r->out.len;
}

/* The current line's quoting for sh(1) (and shlex): 0 none, '\'' or '"'. */
static int
sh_quote_state(struct render *r)
{
	const char	*s = r->out.buf + r->line_start;
	const char	*e = r->out.buf + r->out.len;
	int		 q = 0;

	for (; s < e; s++) {
		if (q == '\'') {
			if (*s == '\'')
				q = 0;
		} else if (*s == '\\' && s + 1 < e)
			s++;
		else if (q == '"') {
			if (*s == '"')
				q = 0;
		} else if (*s == '\'' || *s == '"')
			q = *s;
	}
	return q;
}

/* Characters a shell word needs no quotes for. */
static int
sh_safe(unsigned char c)
{
	return isalnum(c) || (c != 0 && strchr("_@%+=:,./?-", c) != NULL) ||
	    c >= 0x80;
}

/*
 * A value as shell text. Where a shell runs the line (script sections,
 * *_command preseed lines: script is set), the text may be run again
 * by a nested shell (sh -c '...'), so no quoting holds: everything but
 * letters, digits, blanks and _@%+=:,./?- is dropped. Elsewhere
 * (kickstart commands, read with shlex) a value is quoted. Outside
 * quotes a value with any other character is put in single quotes, so
 * it stays one word.
 */
static int
esc_shell(struct render *r, const char *s, size_t len, int script, int line)
{
	int	 q = sh_quote_state(r), wrap = 0, rc = 0;
	size_t	 i;
	char	 c;

	if (tmpl_work(r, (r->out.len - r->line_start) / 8, line) == -1)
		return -1;
	for (i = 0; i < len && q == 0; i++) {
		c = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? ' ' : s[i];
		if (!sh_safe((unsigned char)c) && (!script || c == ' '))
			wrap = 1;
	}
	if (wrap)
		rc = out_add(r, "'", 1, line);
	for (i = 0; i < len && rc == 0; i++) {
		c = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? ' ' : s[i];
		if (script && c != ' ' && !sh_safe((unsigned char)c))
			continue;
		if (c == '\'' && q != '"')
			rc = out_add(r, "'\\''", 4, line);
		else if ((c == '"' || c == '\\') && q == '"')
			rc = out_add(r, c == '"' ? "\\\"" : "\\\\", 2, line);
		else
			rc = out_add(r, &c, 1, line);
	}
	if (wrap && rc == 0)
		rc = out_add(r, "'", 1, line);
	return rc;
}

/* Whether the current line is a preseed answer to a *_command question. */
static int
preseed_command(struct render *r)
{
	const char	*s = r->out.buf + r->line_start;
	const char	*e = r->out.buf + r->out.len, *q;

	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	while (s < e && *s != ' ' && *s != '\t')	/* the owner, d-i */
		s++;
	while (s < e && (*s == ' ' || *s == '\t'))
		s++;
	for (q = s; s < e && *s != ' ' && *s != '\t'; s++)
		;
	return s < e && s - q >= 8 && memcmp(s - 8, "_command", 8) == 0;
}

/*
 * Preseed: debconf reads a line per answer and joins a line ending in a
 * backslash with the next, so control characters become spaces and
 * trailing backslashes go; on an *_command line the value is shell.
 */
static int
esc_preseed(struct render *r, const char *s, size_t len, int line)
{
	size_t	 i;
	char	 c;
	int	 rc = 0;

	if (tmpl_work(r, (r->out.len - r->line_start) / 8, line) == -1)
		return -1;
	while (len > 0 && s[len - 1] == '\\')
		len--;
	if (preseed_command(r))
		return esc_shell(r, s, len, 1, line);
	for (i = 0; i < len && rc == 0; i++) {
		c = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? ' ' : s[i];
		rc = out_add(r, &c, 1, line);
	}
	return rc;
}

/*
 * An iPXE script (src/core/exec.c): a line is split at blanks into
 * tokens; a token "||", "&&" or ";" ends a command, one starting with
 * "#" a line, "${...}" expands a setting (settings.c, expand_settings)
 * and a line ending in a backslash goes on (src/image/script.c). iPXE
 * has no quoting, so a value is one token with blanks, control bytes
 * and $ # ; & | \ written as %XX.
 */
static int
esc_ipxe(struct render *r, const char *s, size_t len, int line)
{
	size_t	 i, run = 0;
	int	 rc = 0;

	for (i = 0; i <= len && rc == 0; i++) {
		if (i < len && (unsigned char)s[i] > ' ' && s[i] != 0x7f &&
		    strchr("$#;&|\\", s[i]) == NULL)
			continue;
		rc = out_add(r, s + run, i - run, line);
		if (i < len && rc == 0)
			rc = out_pct(r, (unsigned char)s[i], line);
		run = i + 1;
	}
	return rc;
}

/* One word of a value on a kernel line (see esc_cmdline). */
static int
cmdline_word(struct render *r, const char *w, size_t len, int line)
{
	size_t	 i;
	int	 all = 1, rc = 0;

	for (i = 0; i < len; i++)
		if (strchr("&|;", w[i]) == NULL)
			all = 0;
	for (i = 0; i < len && rc == 0; i++) {
		if (all || w[i] == '$' || w[i] == '\\' ||
		    (i == 0 && w[i] == '#'))
			rc = out_pct(r, (unsigned char)w[i], line);
		else
			rc = out_add(r, w + i, 1, line);
	}
	return rc;
}

/*
 * A kernel command line, written on iPXE's kernel line. Linux splits
 * parameters at blanks outside double quotes and has no other escape
 * (lib/cmdline.c, next_arg), so '"' is dropped, blanks and control
 * characters become one space, and a value with a space is quoted
 * unless the text around it already opened a quote. For iPXE, which
 * splits the same words again, a word of only & | ; and a leading #
 * are written as %XX, and so is every $ (no ${...} expansion) and \
 * (no continued line).
 */
static int
esc_cmdline(struct render *r, const char *s, size_t len, int line)
{
	char	*w = xmalloc(len + 1);
	size_t	 i, n = 0, a, b;
	int	 rc = 0, quote;

	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			continue;
		if ((unsigned char)s[i] <= ' ' || s[i] == 0x7f) {
			if (n > 0 && w[n - 1] != ' ')
				w[n++] = ' ';
		} else
			w[n++] = s[i];
	}
	if (n > 0 && w[n - 1] == ' ')
		n--;
	quote = memchr(w, ' ', n) != NULL && !r->dquotes;
	if (quote)
		rc = out_add(r, "\"", 1, line);
	for (a = 0; a < n && rc == 0; a = b + 1) {
		for (b = a; b < n && w[b] != ' '; b++)
			;
		if (a > 0)
			rc = out_add(r, " ", 1, line);
		if (rc == 0)
			rc = cmdline_word(r, w + a, b - a, line);
	}
	if (quote && rc == 0)
		rc = out_add(r, "\"", 1, line);
	free(w);
	return rc;
}

/* Where a value lands on a YAML line. */
enum yaml_at { Y_START, Y_PLAIN, Y_DQUOTE, Y_SQUOTE };

/*
 * Read the current line: inside a quoted scalar, at the start of a
 * scalar (after indentation, "key: ", "- ", or [ { , in flow), or in the
 * middle of a plain one ("- echo {{x}}"). *flow: a [ or { was opened.
 */
static enum yaml_at
yaml_where(struct render *r, int *flow)
{
	const char	*s = r->out.buf + r->line_start;
	const char	*e = r->out.buf + r->out.len, *p;
	char		 last = '\0';
	int		 q = 0;

	*flow = 0;
	for (p = s; p < e; p++) {
		if (q == '"') {
			if (*p == '\\' && p + 1 < e)
				p++;
			else if (*p == '"')
				q = 0;
		} else if (q == '\'') {
			if (*p == '\'' && p + 1 < e && p[1] == '\'')
				p++;
			else if (*p == '\'')
				q = 0;
		} else if ((*p == '"' || *p == '\'') &&
		    strchr(" \t[{,:", last) != NULL)
			q = *p;
		else if (*p == '[' || *p == '{')
			*flow = 1;
		if (*p != ' ' && *p != '\t')
			last = *p;
	}
	if (q != 0)
		return q == '"' ? Y_DQUOTE : Y_SQUOTE;
	if (p > s && p[-1] != ' ' && p[-1] != '\t')
		return strchr("[{,", p[-1]) != NULL ? Y_START : Y_PLAIN;
	return strchr(":-[{,?", last) != NULL ? Y_START : Y_PLAIN;
}

/*
 * Whether a string can be a plain YAML scalar and still read as that
 * string (not a YAML 1.1 boolean, null or number).
 */
static int
yaml_plain_ok(const char *s, size_t len)
{
	static const char *const words[] = {
		"y", "n", "yes", "no", "on", "off", "true", "false", "null",
	};
	size_t	 i;

	if (len == 0 || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) &&
		    strchr("._/-", s[i]) == NULL)
			return 0;
	for (i = 0; i < nitems(words); i++)
		if (strlen(words[i]) == len &&
		    strncasecmp(s, words[i], len) == 0)
			return 0;
	return 1;
}

/* The length of a control character or YAML 1.1 line break at u[i], or 0. */
static size_t
yaml_control(const unsigned char *u, size_t i, size_t len)
{
	if (u[i] < ' ' || u[i] == 0x7f)
		return 1;
	if (u[i] == 0xc2 && i + 1 < len && u[i + 1] >= 0x80 && u[i + 1] <= 0x9f)
		return 2;
	if (u[i] == 0xe2 && i + 2 < len && u[i + 1] == 0x80 &&
	    (u[i + 2] == 0xa8 || u[i + 2] == 0xa9))
		return 3;
	return 0;
}

/* Inside a double-quoted scalar: escapes for " \ and controls, line breaks. */
static int
yaml_dquoted(struct render *r, const char *s, size_t len, int line)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n;
	int			 rc = 0;
	char			 b[8];

	for (i = 0; i < len && rc == 0; i += n) {
		n = yaml_control(u, i, len);
		if (n == 0) {
			n = 1;
			if (u[i] == '"' || u[i] == '\\') {
				b[0] = '\\';
				b[1] = (char)u[i];
				rc = out_add(r, b, 2, line);
			} else
				rc = out_add(r, s + i, 1, line);
		} else if (n == 3)
			rc = out_str(r, u[i + 2] == 0xa8 ? "\\L" : "\\P", line);
		else {
			snprintf(b, sizeof(b), "\\x%02x",
			    n == 2 ? u[i + 1] : u[i]);
			if (u[i] == '\n' || u[i] == '\t')
				snprintf(b, sizeof(b), "\\%c",
				    u[i] == '\n' ? 'n' : 't');
			rc = out_str(r, b, line);
		}
	}
	return rc;
}

/*
 * A value inside a single-quoted scalar (' doubled) or in the middle of
 * a plain one, which has no escapes: there ": " would start a mapping,
 * " #" a comment and , [ ] { } end a flow entry, so those go. Line
 * breaks and control characters become spaces in both.
 */
static int
yaml_unescaped(struct render *r, const char *s, size_t len, int sq, int flow,
    int line)
{
	const unsigned char	*u = (const unsigned char *)s;
	size_t			 i, n;
	int			 rc = 0;

	for (i = 0; i < len && rc == 0; i += n) {
		if ((n = yaml_control(u, i, len)) > 0)
			rc = out_add(r, " ", 1, line);
		else if (sq) {
			n = 1;
			rc = s[i] == '\'' ? out_add(r, "''", 2, line) :
			    out_add(r, s + i, 1, line);
		} else {
			n = 1;
			if (s[i] == '#' ||
			    (flow && strchr(",[]{}", s[i]) != NULL) ||
			    (s[i] == ':' && (i + 1 == len || u[i + 1] <= ' ')))
				continue;
			rc = out_add(r, s + i, 1, line);
		}
	}
	return rc;
}

/*
 * YAML (cloud-init, autoinstall): a value that starts a scalar is a
 * safe scalar: a plain word when it reads as itself, numbers, booleans
 * and JSON (flow YAML) as they are, any other string double-quoted with
 * YAML's escapes (the line breaks of YAML 1.1 too: NEL, U+2028, U+2029).
 * Inside quotes the template opened, or inside a plain scalar, see
 * yaml_dquoted and yaml_unescaped. Under runcmd, late-commands and the
 * like the value is also a shell command (yaml_shell).
 */
static int	esc_yaml_scalar(struct render *, const char *, size_t, int, int);

static int
esc_yaml(struct render *r, const char *s, size_t len, int typed, int line)
{
	char	*sh;
	size_t	 i, n = 0;
	int	 rc;

	if (tmpl_work(r, (r->out.len - r->line_start) / 8, line) == -1)
		return -1;
	if (yaml_shell(r)) {
		/* A shell command: only what esc_shell keeps in scripts. */
		sh = xmalloc(len + 1);
		for (i = 0; i < len; i++)
			if ((unsigned char)s[i] < ' ' || s[i] == ' ')
				sh[n++] = ' ';
			else if (sh_safe((unsigned char)s[i]))
				sh[n++] = s[i];
		rc = esc_yaml_scalar(r, sh, n, 0, line);
		free(sh);
		return rc;
	}
	return esc_yaml_scalar(r, s, len, typed, line);
}

/* esc_yaml() once the value is what the line may hold. */
static int
esc_yaml_scalar(struct render *r, const char *s, size_t len, int typed,
    int line)
{
	int	 flow, rc;

	switch (yaml_where(r, &flow)) {
	case Y_DQUOTE:
		return yaml_dquoted(r, s, len, line);
	case Y_SQUOTE:
		return yaml_unescaped(r, s, len, 1, flow, line);
	case Y_PLAIN:
		return yaml_unescaped(r, s, len, 0, flow, line);
	case Y_START:
		break;
	}
	if (typed || yaml_plain_ok(s, len))
		return out_add(r, s, len, line);
	if ((rc = out_add(r, "\"", 1, line)) == 0 &&
	    (rc = yaml_dquoted(r, s, len, line)) == 0)
		rc = out_add(r, "\"", 1, line);
	return rc;
}

/*
 * XML (autounattend, autoyast): entities; controls XML 1.0 forbids go.
 * In the text of a command element (xml_command_tags: cmd.exe or a
 * shell runs it once the entities are read) a value keeps only
 * letters, digits, blanks, _@+=:,./?- and non-ASCII (no % for cmd.exe).
 */
static int
esc_xml(struct render *r, const char *s, size_t len, int line)
{
	static const char *const ent[] = {
		['&'] = "&amp;", ['<'] = "&lt;", ['>'] = "&gt;",
		['"'] = "&quot;", ['\''] = "&apos;",
	};
	unsigned char	 c;
	size_t		 i;
	int		 rc = 0, cmd = xml_command(r);

	for (i = 0; i < len && rc == 0; i++) {
		c = (unsigned char)s[i];
		if ((c < ' ' && c != '\t' && c != '\n' && c != '\r') ||
		    c == 0x7f)
			continue;
		if (cmd && c != ' ' && (c == '%' || !sh_safe(c)))
			continue;
		if (c < nitems(ent) && ent[c] != NULL)
			rc = out_str(r, ent[c], line);
		else
			rc = out_add(r, s + i, 1, line);
	}
	return rc;
}

/* Write a value's text escaped for esc (typed: a number, boolean or JSON). */
static int
esc_value(struct render *r, enum nb_tmpl_esc esc, const char *s, size_t len,
    int typed, int line)
{
	/* Escaping writes a byte at a time: a step per byte. */
	if (esc != NB_TMPL_ESC_RAW && tmpl_work(r, len, line) == -1)
		return -1;
	tmpl_scan(r);
	switch (esc) {
	case NB_TMPL_ESC_IPXE:
		return esc_ipxe(r, s, len, line);
	case NB_TMPL_ESC_CMDLINE:
		return esc_cmdline(r, s, len, line);
	case NB_TMPL_ESC_PRESEED:
		return esc_preseed(r, s, len, line);
	case NB_TMPL_ESC_KICKSTART:
		return esc_shell(r, s, len, r->ks_shell, line);
	case NB_TMPL_ESC_YAML:
		return esc_yaml(r, s, len, typed, line);
	case NB_TMPL_ESC_XML:
		return esc_xml(r, s, len, line);
	case NB_TMPL_ESC_RAW:
		break;
	}
	return out_add(r, s, len, line);
}

/* A value, escaped (or, for a raw tag, as it is). */
static int
render_value(struct render *r, json_t *v, int raw, int line)
{
	enum nb_tmpl_esc esc = raw ? NB_TMPL_ESC_RAW : r->esc;
	char		 num[64], *s;
	int		 rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return esc_value(r, esc, json_string_value(v),
		    json_string_length(v), 0, line);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return esc_value(r, esc, num, strlen(num), 1, line);
	case JSON_TRUE:
		return esc_value(r, esc, "true", 4, 1, line);
	case JSON_FALSE:
		return esc_value(r, esc, "false", 5, 1, line);
	case JSON_NULL:
		return 0;
	default:
		/* Reals, objects and arrays as compact JSON (cloud-init takes JSON). */
		if ((s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)) == NULL)
			return tmpl_fail(r->t->err, r->t->errsz, line, "cannot format value");
		/* Dumping costs about a step per byte of JSON. */
		if (tmpl_work(r, strlen(s), line) == -1) {
			free(s);
			return -1;
		}
		rc = esc_value(r, esc, s, strlen(s), 1, line);
		free(s);
		return rc;
	}
}

static int render_nodes(struct render *, size_t, size_t);

static int
render_section(struct render *r, const struct node *n, size_t i)
{
	json_t	*v, *item;
	size_t	 k;
	int	 rc;

	v = lookup(r, n->s, n->len, n->line, &rc);
	if (rc == -1)
		return -1;
	if (n->type == N_INVERTED) {
		if (v == NULL || !truthy(v))
			return render_nodes(r, i + 1, n->end);
		return 0;
	}
	if (v == NULL || !truthy(v))
		return 0;
	if (json_is_array(v)) {
		json_array_foreach(v, k, item) {
			if (tmpl_work(r, 1, n->line) == -1)
				return -1;
			r->stack[r->depth++] = item;
			if (render_nodes(r, i + 1, n->end) == -1)
				return -1;
			r->depth--;
		}
		return 0;
	}
	r->stack[r->depth++] = v;
	if (render_nodes(r, i + 1, n->end) == -1)
		return -1;
	r->depth--;
	return 0;
}

/* A variable: looked up, refused raw if the client supplied it, written. */
static int
render_var(struct render *r, const struct node *n)
{
	json_t	*v;
	int	 rc;

	v = lookup(r, n->s, n->len, n->line, &rc);
	if (rc == -1)
		return -1;
	if (v == NULL)
		return tmpl_fail(r->t->err, r->t->errsz, n->line,
		    "undefined variable '%.*s'", (int)n->len, n->s);
	if (n->raw && tainted(r, v))
		return tmpl_fail(r->t->err, r->t->errsz, n->line,
		    "raw output of client-supplied '%.*s' is refused; "
		    "use {{%.*s}}",
		    (int)n->len, n->s, (int)n->len, n->s);
	return render_value(r, v, n->raw, n->line);
}

static int
render_nodes(struct render *r, size_t from, size_t to)
{
	const struct node	*n;
	size_t			 i;

	for (i = from; i < to; i++) {
		n = &r->t->nodes[i];
		if (tmpl_work(r, 1, n->line) == -1)
			return -1;
		switch (n->type) {
		case N_TEXT:
			if (out_add(r, n->s, n->len, n->line) == -1)
				return -1;
			break;
		case N_VAR:
			if (render_var(r, n) == -1)
				return -1;
			break;
		case N_SECTION:
		case N_INVERTED:
			if (render_section(r, n, i) == -1)
				return -1;
			i = n->end - 1;
			break;
		}
	}
	return 0;
}

enum nb_tmpl_esc
nb_tmpl_esc_kind(const char *kind)
{
	size_t	 i;

	for (i = 0; i < nitems(kind_esc); i++)
		if (kind != NULL && strcmp(kind, kind_esc[i].kind) == 0)
			return kind_esc[i].esc;
	return NB_TMPL_ESC_PRESEED;
}

int
nb_tmpl_check(const char *body, char *err, size_t errsz)
{
	struct tmpl	 t = { .err = err, .errsz = errsz };
	int		 rc;

	rc = tmpl_parse(&t, body);
	free(t.nodes);
	return rc;
}

char *
nb_tmpl_render_as(const char *body, json_t *data, enum nb_tmpl_esc esc,
    size_t *outlen, char *err, size_t errsz)
{
	struct tmpl	 t = { .err = err, .errsz = errsz };
	struct render	 r;

	memset(&r, 0, sizeof(r));
	r.t = &t;
	r.esc = esc;
	r.stack[r.depth++] = data;
	taint_init(&r, data);
	if (tmpl_parse(&t, body) == -1 || render_nodes(&r, 0, t.n) == -1) {
		free(t.nodes);
		free(r.out.buf);
		return NULL;
	}
	free(t.nodes);
	if (r.out.buf == NULL)
		r.out.buf = xstrdup("");
	if (outlen != NULL)
		*outlen = r.out.len;
	return r.out.buf;
}

char *
nb_tmpl_render(const char *body, json_t *data, size_t *outlen, char *err,
    size_t errsz)
{
	return nb_tmpl_render_as(body, data, NB_TMPL_ESC_RAW, outlen, err,
	    errsz);
}

/* server_url + "/" + path parts, without doubling a slash. */
static json_t *
tmpl_url(const char *server_url, const char *prefix, const char *path)
{
	char	*s;
	json_t	*v;

	while (*path == '/')
		path++;
	xasprintf(&s, "%s%s%s", server_url, prefix, path);
	v = json_string(s);
	free(s);
	return v;
}

/*
 * The URL of a data file: relative paths are under /data/; an absolute
 * path is served only from inside the data directory, so it becomes the
 * part below datadir (bootweb refuses anything else).
 */
static json_t *
tmpl_data_url(const char *server_url, const char *datadir, const char *path)
{
	size_t	 dlen;

	if (path[0] == '/' && datadir != NULL) {
		dlen = strlen(datadir);
		while (dlen > 1 && datadir[dlen - 1] == '/')
			dlen--;
		if (strncmp(path, datadir, dlen) == 0 && path[dlen] == '/')
			path += dlen + 1;
	}
	return tmpl_url(server_url, "/data/", path);
}

/*
 * The URL of an image's kernel (n -1) or initrd n. A file outside the
 * data directory is named by the image, never by its directory:
 * /image/NAME/kernel/BASENAME, /image/NAME/initrd/N/BASENAME (bootweb);
 * the basename stays last because iPXE names the image by it.
 */
static json_t *
tmpl_image_url(const char *server_url, const char *datadir, const char *name,
    int n, const char *path)
{
	static const char	 keep[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789._~-";
	const char		*base = strrchr(path, '/'), *p;
	char			*s, part[32], enc[3 * 255 + 1];
	size_t			 dlen, o = 0;
	json_t			*v;

	dlen = datadir != NULL ? strlen(datadir) : 0;
	while (dlen > 1 && datadir[dlen - 1] == '/')
		dlen--;
	if (path[0] != '/' || base == NULL || base[1] == '\0' ||
	    (datadir != NULL && strncmp(path, datadir, dlen) == 0 &&
	    path[dlen] == '/'))
		return tmpl_data_url(server_url, datadir, path);
	for (p = base + 1; *p != '\0' && o + 4 < sizeof(enc); p++) {
		if (strchr(keep, *p) != NULL)
			enc[o++] = *p;
		else
			o += (size_t)snprintf(enc + o, sizeof(enc) - o,
			    "%%%02X", (unsigned char)*p);
	}
	enc[o] = '\0';
	if (n < 0)
		strlcpy(part, "kernel", sizeof(part));
	else
		snprintf(part, sizeof(part), "initrd/%d", n);
	xasprintf(&s, "%s/image/%s/%s/%s", server_url, name, part, enc);
	v = json_string(s);
	free(s);
	return v;
}

json_t *
nb_tmpl_image(struct nb_db *db, const struct nb_image *img, const char *server_url)
{
	json_t	*o = nb_image_json(img), *a = json_array();
	char	*datadir = nb_datadir(nb_db_path(db), NULL), *s;
	size_t	 i;

	if (img->kernel != NULL)
		json_object_set_new(o, "kernel_url", tmpl_image_url(server_url,
		    datadir, img->name, -1, img->kernel));
	for (i = 0; i < img->ninitrds; i++)
		json_array_append_new(a, tmpl_image_url(server_url, datadir,
		    img->name, (int)i, img->initrds[i]));
	json_object_set_new(o, "initrd_urls", a);
	xasprintf(&s, "%s/iso/%s.iso", server_url, img->name);
	json_object_set_new(o, "iso_url", json_string(s));
	free(s);
	xasprintf(&s, "%s/iso/%s", server_url, img->name);
	json_object_set_new(o, "tree_url", json_string(s));
	free(s);
	free(datadir);
	return o;
}

static int
tmpl_setting(const char *key, const char *value, int is_default, void *arg)
{
	json_object_set_new(arg, key, value ? json_string(value) : json_null());
	return 0;
}

/*
 * The URL an installer is given for its unattended file: under base, the
 * client's capability prefix server_url/t/TOKEN (netboot(7) TRUST MODEL).
 * cloud-init's NoCloud datasource (and Ubuntu's autoinstall through it)
 * wants a prefix it appends user-data and meta-data to, so those kinds
 * get the directory.
 */
json_t *
nb_tmpl_unattended_url_kind(const char *base, const char *name,
    const char *kind)
{
	char	*s;
	json_t	*v;
	int	 dir = strcmp(kind, "cloud-init") == 0 || strcmp(kind, "autoinstall") == 0;

	xasprintf(&s, "%s/%s", base, dir ? "" : name);
	v = json_string(s);
	free(s);
	return v;
}

json_t *
nb_tmpl_unattended_url(struct nb_db *db, const char *base, const char *name)
{
	struct nb_template	 t;
	json_t			*v;

	memset(&t, 0, sizeof(t));
	if (nb_template_get(db, name, &t) != NB_OK)
		return NULL;
	v = nb_tmpl_unattended_url_kind(base, name, t.kind);
	nb_template_clear(&t);
	return v;
}

json_t *
nb_tmpl_settings(struct nb_db *db)
{
	json_t	*settings = json_object();

	nb_setting_list(db, tmpl_setting, settings);
	return settings;
}

json_t *
nb_tmpl_context_parts(const struct nb_client *c, const char *server_url,
    const char *token, json_t *image, json_t *unattended_url, json_t *settings)
{
	json_t	*o = json_object();
	char	*s;

	json_object_set_new(o, "server_url", json_string(server_url));
	json_object_set_new(o, "client", nb_client_json(c));
	json_object_set(o, "vars", c->vars);
	if (image != NULL)
		json_object_set(o, "image", image);
	if (unattended_url != NULL)
		json_object_set(o, "unattended_url", unattended_url);
	if (token != NULL) {
		/* The client's capability URLs: its files and its self-API. */
		xasprintf(&s, "%s/t/%s", server_url, token);
		json_object_set_new(o, "client_url", json_string(s));
		free(s);
		xasprintf(&s, "%s/t/%s/api/v1/self", server_url, token);
		json_object_set_new(o, "self_url", json_string(s));
		free(s);
	}
	json_object_set(o, "settings", settings);
	return o;
}

json_t *
nb_tmpl_context_token(struct nb_db *db, const struct nb_client *c,
    const char *server_url, const char *token)
{
	json_t		*o, *settings, *image = NULL, *u = NULL;
	struct nb_image	 img;
	const char	*tname = c->tmpl;
	char		*base;

	nb_image_init(&img);
	if (c->image != NULL && nb_image_get(db, c->image, &img) == NB_OK) {
		image = nb_tmpl_image(db, &img, server_url);
		if (tname == NULL)
			tname = img.tmpl;
	}
	if (tname != NULL && token != NULL) {
		xasprintf(&base, "%s/t/%s", server_url, token);
		u = nb_tmpl_unattended_url(db, base, tname);
		free(base);
	}
	settings = nb_tmpl_settings(db);
	o = nb_tmpl_context_parts(c, server_url, token, image, u, settings);
	json_decref(image);
	json_decref(u);
	json_decref(settings);
	nb_image_clear(&img);
	return o;
}

/*
 * For tftpd's per-client template files: the client was recognised from
 * evidence (tftpd_peer_identify), so its URLs carry a token of its current
 * boot. Without one (a database error) they are left out, and a template
 * that uses them does not render.
 */
json_t *
nb_tmpl_context(struct nb_db *db, const struct nb_client *c,
    const char *server_url)
{
	char	 tok[NB_TOKEN_STRLEN];
	json_t	*o;
	int	 have = nb_token_mint(db, c->mac, tok) == NB_OK;

	if (!have)
		log_warnx("%s: no token for %s: %s", __func__, c->mac,
		    nb_db_errmsg(db));
	o = nb_tmpl_context_token(db, c, server_url, have ? tok : NULL);
	explicit_bzero(tok, sizeof(tok));
	return o;
}

int
nb_tmpl_render_client(struct nb_db *db, const char *name, const char *mac,
    const char *server_url, char **out, size_t *outlen, char *err, size_t errsz)
{
	struct nb_client	 c;
	struct nb_template	 t;
	json_t			*data;
	int			 rc;

	*out = NULL;
	nb_client_init(&c);
	memset(&t, 0, sizeof(t));
	if ((rc = nb_client_get(db, mac, &c)) != NB_OK ||
	    (rc = nb_template_get(db, name, &t)) != NB_OK) {
		snprintf(err, errsz, "%s", nb_db_errmsg(db));
		goto done;
	}
	data = nb_tmpl_context(db, &c, server_url);
	*out = nb_tmpl_render_as(t.body, data, nb_tmpl_esc_kind(t.kind), outlen,
	    err, errsz);
	if (*out == NULL)
		rc = NB_INVALID;
	json_decref(data);
 done:
	nb_template_clear(&t);
	nb_client_clear(&c);
	json_decref(c.vars);
	json_decref(c.inventory);
	return rc;
}
