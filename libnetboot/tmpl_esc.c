/*
 * tmpl_esc.c: how the template engine (tmpl.c) writes a value: escaped
 * for the output it lands in, so that no value can add a line, an iPXE
 * command, a kernel parameter, a shell command, a YAML key or an XML
 * element (enum nb_tmpl_esc; netboot(7) TEMPLATES has the rules). Some
 * escaping depends on what is already written (the kernel's quotes, a
 * shell line's quotes, a kickstart section, YAML keys, an XML element):
 * tmpl_scan reads the output once per byte to know.
 */
#include "config.h"

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tmpl.h"
#include "tmpl_int.h"
#include "xmalloc.h"

/* One byte as %XX, the way iPXE's own URIs carry what a script cannot. */
static int
out_pct(struct render *r, unsigned char c, int line)
{
	static const char	 hex[] = "0123456789ABCDEF";
	char			 b[3];

	b[0] = '%';
	b[1] = hex[c >> 4];
	b[2] = hex[c & 15];
	return tmpl_out(r, b, 3, line);
}

/* YAML keys whose value is a list of shell commands (cloud-init, curtin). */
static const char *const yaml_shell_keys[] = {
	"runcmd", "bootcmd", "early-commands", "late-commands",
	"error-commands",
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
		rc = tmpl_out(r, "'", 1, line);
	for (i = 0; i < len && rc == 0; i++) {
		c = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? ' ' : s[i];
		if (script && c != ' ' && !sh_safe((unsigned char)c))
			continue;
		if (c == '\'' && q != '"')
			rc = tmpl_out(r, "'\\''", 4, line);
		else if ((c == '"' || c == '\\') && q == '"')
			rc = tmpl_out(r, c == '"' ? "\\\"" : "\\\\", 2, line);
		else
			rc = tmpl_out(r, &c, 1, line);
	}
	if (wrap && rc == 0)
		rc = tmpl_out(r, "'", 1, line);
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
		rc = tmpl_out(r, &c, 1, line);
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
		rc = tmpl_out(r, s + run, i - run, line);
		if (i < len && rc == 0)
			rc = out_pct(r, (unsigned char)s[i], line);
		run = i + 1;
	}
	return rc;
}

/*
 * One word of a value on a kernel line (see esc_cmdline); last: the
 * value's last word, whose final $ could meet a { the template wrote.
 */
static int
cmdline_word(struct render *r, const char *w, size_t len, int last, int line)
{
	size_t	 i;
	int	 all = 1, rc = 0, dollar;

	for (i = 0; i < len; i++)
		if (strchr("&|;", w[i]) == NULL)
			all = 0;
	for (i = 0; i < len && rc == 0; i++) {
		dollar = w[i] == '$' &&
		    (i + 1 < len ? w[i + 1] == '{' : last);
		if (all || dollar || w[i] == '\\' || (i == 0 && w[i] == '#'))
			rc = out_pct(r, (unsigned char)w[i], line);
		else
			rc = tmpl_out(r, w + i, 1, line);
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
 * are written as %XX, and so are a $ before { or at the end (no ${...}
 * expansion; a password hash's $6$ stays) and \ (no continued line).
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
		rc = tmpl_out(r, "\"", 1, line);
	for (a = 0; a < n && rc == 0; a = b + 1) {
		for (b = a; b < n && w[b] != ' '; b++)
			;
		if (a > 0)
			rc = tmpl_out(r, " ", 1, line);
		if (rc == 0)
			rc = cmdline_word(r, w + a, b - a, b == n, line);
	}
	if (quote && rc == 0)
		rc = tmpl_out(r, "\"", 1, line);
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
				rc = tmpl_out(r, b, 2, line);
			} else
				rc = tmpl_out(r, s + i, 1, line);
		} else if (n == 3)
			rc = tmpl_out_str(r, u[i + 2] == 0xa8 ? "\\L" : "\\P",
			    line);
		else {
			snprintf(b, sizeof(b), "\\x%02x",
			    n == 2 ? u[i + 1] : u[i]);
			if (u[i] == '\n' || u[i] == '\t')
				snprintf(b, sizeof(b), "\\%c",
				    u[i] == '\n' ? 'n' : 't');
			rc = tmpl_out_str(r, b, line);
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
			rc = tmpl_out(r, " ", 1, line);
		else if (sq) {
			n = 1;
			rc = s[i] == '\'' ? tmpl_out(r, "''", 2, line) :
			    tmpl_out(r, s + i, 1, line);
		} else {
			n = 1;
			if (s[i] == '#' ||
			    (flow && strchr(",[]{}", s[i]) != NULL) ||
			    (s[i] == ':' && (i + 1 == len || u[i + 1] <= ' ')))
				continue;
			rc = tmpl_out(r, s + i, 1, line);
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
static int	esc_yaml_scalar(struct render *, const char *, size_t, int,
		    int);

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
		return tmpl_out(r, s, len, line);
	if ((rc = tmpl_out(r, "\"", 1, line)) == 0 &&
	    (rc = yaml_dquoted(r, s, len, line)) == 0)
		rc = tmpl_out(r, "\"", 1, line);
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
			rc = tmpl_out_str(r, ent[c], line);
		else
			rc = tmpl_out(r, s + i, 1, line);
	}
	return rc;
}

int
tmpl_esc_value(struct render *r, enum nb_tmpl_esc esc, const char *s,
    size_t len, int typed, int line)
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
	return tmpl_out(r, s, len, line);
}
