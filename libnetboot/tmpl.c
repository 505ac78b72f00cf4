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
 * chosen by the template's kind; tmpl_esc.c), so that no value can add
 * a line, an iPXE command, a kernel parameter, a shell command or a YAML
 * key. Raw tags write the value as it is and are refused for what the
 * client itself supplies (client_supplied[] below).
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

#include "tmpl.h"
#include "tmpl_int.h"
#include "token.h"
#include "xmalloc.h"

#define TMPL_MAX_NAME	256		/* length of a tag's name */
#define TMPL_MAX_OUT	(16 * 1024 * 1024)	/* rendered size */

/*
 * The work of one render, in steps: a node visited, an item of a
 * section, a key tried in a lookup, a byte escaped or dumped as JSON, 8
 * bytes of the current line read again for its quoting, 256 bytes
 * written. tools/bench-tmpl.sh renders the worst templates we could
 * build (three sections nested over a 1000-item array; lookups missing
 * through 32 levels; 1 KiB of text in a 10^6 loop, which stops at the
 * output cap; escaped values on one ever longer line; a 1000-item array
 * dumped per item; 200 small sections per item) 20 times each: on the
 * 2-core build machine each stops within 1.4 ms (best of 20; the mean,
 * with a load average of 4, up to 4.4 ms), 118 M instructions for all
 * nine under valgrind --tool=callgrind. tests/e2e/preseed.cfg takes 87
 * steps.
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

int
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

int
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

int
tmpl_out(struct render *r, const char *s, size_t len, int line)
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

int
tmpl_out_str(struct render *r, const char *s, int line)
{
	return tmpl_out(r, s, strlen(s), line);
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

/* A value, escaped (or, for a raw tag, as it is). */
static int
render_value(struct render *r, json_t *v, int raw, int line)
{
	enum nb_tmpl_esc esc = raw ? NB_TMPL_ESC_RAW : r->esc;
	char		 num[64], *s;
	int		 rc;

	switch (json_typeof(v)) {
	case JSON_STRING:
		return tmpl_esc_value(r, esc, json_string_value(v),
		    json_string_length(v), 0, line);
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return tmpl_esc_value(r, esc, num, strlen(num), 1, line);
	case JSON_TRUE:
		return tmpl_esc_value(r, esc, "true", 4, 1, line);
	case JSON_FALSE:
		return tmpl_esc_value(r, esc, "false", 5, 1, line);
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
		rc = tmpl_esc_value(r, esc, s, strlen(s), 1, line);
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
			if (tmpl_out(r, n->s, n->len, n->line) == -1)
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
	/* The escapers look back along the output: it is never NULL. */
	r.out.cap = 256;
	r.out.buf = xmalloc(r.out.cap);
	r.out.buf[0] = '\0';
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
	char	*datadir = nb_db_datadir(db), *s;
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
	return rc;
}
