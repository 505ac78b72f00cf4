/*
 * grub.c: the GRUB configuration of one client, for Debian's signed
 * network GRUB (grub-efi-amd64-signed: grubnetx64.efi.signed) that
 * Debian's signed shim loads under Secure Boot. That GRUB is built with
 * the prefix /grub and a memdisk configuration that sources
 * $prefix/x86_64-efi/grub.cfg if it exists, else $prefix/grub.cfg; it
 * has the tftp module but not http, and it cannot load modules under
 * shim lock. So tftpd serves grub/grub.cfg, made here per peer, and the
 * kernels and initrds over TFTP from the data directory; only the
 * installer's unattended URL (a capability, /t/TOKEN/) is HTTP.
 *
 * What the client gets is nb_boot_decide()'s (boot.c), as for iPXE. Every
 * value that reaches the file is a GRUB word in single quotes, with a '
 * written as '\'' and control characters as spaces (GRUB's sh-like
 * lexer, grub-core/script/yylex.l: nothing inside single quotes is
 * special), so nothing a client reports or an ISO names adds a command.
 */
#include "config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "boot.h"
#include "grub.h"
#include "tmpl.h"
#include "xmalloc.h"

/* s as one GRUB word in single quotes. */
static void
grub_word(FILE *f, const char *s)
{
	fputc('\'', f);
	for (; *s != '\0'; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else if (iscntrl((unsigned char)*s))
			fputc(' ', f);
		else
			fputc(*s, f);
	}
	fputc('\'', f);
}

/* Each white-space separated word of s, quoted, after a space. */
static void
grub_words(FILE *f, const char *s)
{
	char	*copy = xstrdup(s), *p = copy, *w;

	while ((w = strsep(&p, " \t\r\n\v\f")) != NULL) {
		if (*w == '\0')
			continue;
		fputc(' ', f);
		grub_word(f, w);
	}
	free(copy);
}

/*
 * Each kernel parameter of the command line s, as Linux splits it (at
 * blanks outside double quotes, lib/cmdline.c next_arg), without its
 * double quotes, as one quoted word after a space: GRUB's linux command
 * writes a word with a blank in double quotes again and a '"' as '\"'
 * (grub-core/lib/cmdline.c), so quotes left in would reach the kernel.
 */
static void
grub_params(FILE *f, const char *s)
{
	char	*w = xmalloc(strlen(s) + 1);
	size_t	 n;
	int	 inq;

	while (*s != '\0') {
		while (*s != '\0' && isspace((unsigned char)*s))
			s++;
		for (n = 0, inq = 0; *s != '\0' &&
		    (inq || !isspace((unsigned char)*s)); s++) {
			if (*s == '"')
				inq = !inq;
			else
				w[n++] = *s;
		}
		w[n] = '\0';
		if (n > 0) {
			fputc(' ', f);
			grub_word(f, w);
		}
	}
	free(w);
}

/* "# netboot: who: why", on one line whatever the text holds. */
static void
grub_comment(FILE *f, const char *who, const char *why)
{
	char	*s, *p;

	xasprintf(&s, "# netboot: %s: %s\n", who, why);
	for (p = s; p[1] != '\0'; p++)
		if (iscntrl((unsigned char)*p))
			*p = ' ';
	fputs(s, f);
	free(s);
}

/* path as GRUB reaches it over TFTP: below the data directory, or NULL. */
static const char *
grub_path(const char *datadir, const char *path)
{
	size_t	 dlen = strlen(datadir);

	while (dlen > 1 && datadir[dlen - 1] == '/')
		dlen--;
	if (path[0] != '/')
		return path;
	if (strncmp(path, datadir, dlen) == 0 && path[dlen] == '/')
		return path + dlen + 1;
	return NULL;
}

/* What one image's entry needs from the database. */
struct grub_ctx {
	struct nb_db		*db;
	const struct nb_client	*c;
	const char		*server_url;
	const char		*token;
	const char		*datadir;
	json_t			*ctx;	/* client's template data */
	FILE			*f;
	int			 tools;	/* this pass: tools only */
	const char		*want;		/* menu.default */
	int			 found_default;
};

/* The template kind of name, or NULL; kind is freed by the caller. */
static char *
grub_tkind(struct nb_db *db, const char *name)
{
	struct nb_template	 t;
	char			*kind = NULL;

	memset(&t, 0, sizeof(t));
	if (name != NULL && nb_template_get(db, name, &t) == NB_OK)
		kind = xstrdup(t.kind);
	nb_template_clear(&t);
	return kind;
}

/* The linux and initrd lines of img, or an echo saying why not. */
static void
grub_linux(struct grub_ctx *g, const struct nb_image *img)
{
	const char	*k, *wire, *uurl;
	char		 err[256], *cmdline, *tkind, *w;
	size_t		 i;

	if (strcmp(img->kind, "linux") != 0 && strcmp(img->kind, "tool") != 0) {
		fprintf(g->f, "\techo 'netboot: a %s image boots through iPXE, "
		    "not GRUB'\n\tsleep 5\n", img->kind);
		return;
	}
	if (img->kernel == NULL ||
	    (k = grub_path(g->datadir, img->kernel)) == NULL) {
		fputs("\techo 'netboot: no kernel under the data directory'\n"
		    "\tsleep 5\n", g->f);
		return;
	}
	cmdline = nb_tmpl_render_as(img->cmdline ? img->cmdline : "", g->ctx,
	    NB_TMPL_ESC_CMDLINE, NULL, err, sizeof(err));
	if (cmdline == NULL) {
		fputs("\techo", g->f);
		grub_words(g->f, "netboot: the cmdline does not render:");
		grub_words(g->f, err);
		fputs("\n\tsleep 5\n", g->f);
		return;
	}
	fputs("\tlinux ", g->f);
	xasprintf(&w, "/%s", k);
	grub_word(g->f, w);
	free(w);
	grub_params(g->f, cmdline);
	tkind = grub_tkind(g->db, g->c->tmpl ? g->c->tmpl : img->tmpl);
	uurl = json_string_value(json_object_get(g->ctx, "unattended_url"));
	if (uurl != NULL &&
	    (wire = nb_boot_wire(tkind, img->kind, img->cmdline)) != NULL) {
		xasprintf(&w, "%s%s", wire, uurl);
		grub_params(g->f, w);
		free(w);
	}
	fputc('\n', g->f);
	for (i = 0; i < img->ninitrds; i++) {
		if ((k = grub_path(g->datadir, img->initrds[i])) == NULL)
			continue;
		fputs("\tinitrd ", g->f);
		xasprintf(&w, "/%s", k);
		grub_word(g->f, w);
		free(w);
		fputc('\n', g->f);
	}
	free(tkind);
	free(cmdline);
}

/* One menu entry: the image's template data in the context, then its lines. */
static int
grub_entry(const struct nb_image *img, void *arg)
{
	struct grub_ctx	*g = arg;
	json_t		*u;
	char		*base, *id, *title;

	if ((strcmp(img->kind, "tool") == 0) != g->tools)
		return 0;
	json_object_set_new(g->ctx, "image",
	    nb_tmpl_image(g->db, img, g->server_url));
	if (g->c->tmpl == NULL) {
		json_object_del(g->ctx, "unattended_url");
		if (g->token != NULL && img->tmpl != NULL) {
			xasprintf(&base, "%s/t/%s", g->server_url, g->token);
			u = nb_tmpl_unattended_url(g->db, base, img->tmpl);
			if (u != NULL)
				json_object_set_new(g->ctx, "unattended_url",
				    u);
			free(base);
		}
	}
	xasprintf(&title, "%s%s%s%s%s%s", img->name, img->distro ? " (" : "",
	    img->distro ? img->distro : "", img->version ? " " : "",
	    img->version ? img->version : "", img->distro ? ")" : "");
	xasprintf(&id, "img-%s", img->name);
	fputs("menuentry ", g->f);
	grub_word(g->f, title);
	fputs(" --id ", g->f);
	grub_word(g->f, id);
	fputs(" {\n\techo ", g->f);
	free(title);
	xasprintf(&title, "netboot: booting %s", img->name);
	grub_word(g->f, title);
	fputc('\n', g->f);
	grub_linux(g, img);
	fputs("}\n", g->f);
	if (g->want != NULL && strcmp(g->want, img->name) == 0)
		g->found_default = 1;
	free(title);
	free(id);
	return 0;
}

/* Whether booting image for c starts an unattended install (a template). */
static int
grub_installs(void *arg, const struct nb_client *c, const char *image)
{
	struct nb_image	 img;
	int		 yes;

	nb_image_init(&img);
	yes = c->tmpl != NULL || (nb_image_get(arg, image, &img) == NB_OK &&
	    img.tmpl != NULL);
	nb_image_clear(&img);
	return yes;
}

/* Whether the image called name exists. */
static int
grub_exists(struct nb_db *db, const char *name)
{
	struct nb_image	 img;
	int		 yes;

	nb_image_init(&img);
	yes = nb_image_get(db, name, &img) == NB_OK;
	nb_image_clear(&img);
	return yes;
}

/* The setting of row id, or NULL (freed by the caller). */
static char *
grub_setting(struct nb_db *db, enum nb_setting_id id)
{
	char	*v = NULL;

	if (nb_setting_get(db, nb_setting_def(id)->name, &v) != NB_OK) {
		free(v);
		return NULL;
	}
	return v;
}

/* The menu: every image, then the tools, then the local disk. */
static int
grub_menu(struct grub_ctx *g, const struct nb_boot_decision *dc)
{
	char		*timeout = grub_setting(g->db, NB_S_MENU_TIMEOUT);
	char		*def = grub_setting(g->db, NB_S_MENU_DEFAULT);
	char		*id = NULL;
	long long	 secs;
	int		 rc;

	secs = nb_setting_num(NB_S_MENU_TIMEOUT, timeout ? timeout :
	    nb_setting_default(NB_S_MENU_TIMEOUT, -1));
	g->want = def;
	if ((rc = nb_image_list(g->db, grub_entry, g)) == NB_OK) {
		g->tools = 1;
		rc = nb_image_list(g->db, grub_entry, g);
	}
	fputs("menuentry 'Boot from local disk' --id local {\n\texit\n}\n",
	    g->f);
	/* shell: GRUB has no iPXE shell; the menu waits instead */
	if (dc->act == NB_BOOT_SHELL)
		secs = -1;
	if (dc->act == NB_BOOT_IMAGE) {
		xasprintf(&id, "img-%s", dc->image);
		secs = 0;
	} else if (def != NULL && g->found_default)
		xasprintf(&id, "img-%s", def);
	fputs("set default=", g->f);
	grub_word(g->f, id ? id : "local");
	fprintf(g->f, "\nset timeout=%lld\n", secs);
	if (dc->act == NB_BOOT_IMAGE)
		fputs("set fallback=local\n", g->f);
	free(id);
	free(timeout);
	free(def);
	return rc;
}

int
nb_grub_cfg(struct nb_db *db, const struct nb_client *c, int found,
    const char *server_url, const char *token, struct nb_boot_decision *dc,
    char *what, size_t whatsz, char **out, size_t *outlen)
{
	struct nb_boot_policy	 bp;
	struct grub_ctx		 g;
	char			*unknown, *action, *defimg, *datadir;
	int			 rc = NB_OK;

	memset(&g, 0, sizeof(g));
	unknown = grub_setting(db, NB_S_UNKNOWN_CLIENTS);
	action = grub_setting(db, NB_S_DEFAULT_ACTION);
	defimg = grub_setting(db, NB_S_DEFAULT_IMAGE);
	bp.unknown_clients = unknown;
	bp.default_action = action;
	bp.default_image = defimg;
	bp.installs = grub_installs;
	bp.arg = db;
	nb_boot_decide(&bp, c, found, dc);
	if (dc->act == NB_BOOT_IMAGE && !grub_exists(db, dc->image)) {
		/* GRUB would boot the first entry for an unknown default */
		snprintf(dc->why, sizeof(dc->why), "image %s is missing",
		    dc->image);
		dc->act = NB_BOOT_MENU;
	}
	if ((g.f = open_memstream(out, outlen)) == NULL)
		fatal("%s", __func__);
	grub_comment(g.f, c->mac[0] ? c->mac : "unverified peer", dc->why);
	if (dc->act == NB_BOOT_LOCAL)
		fputs("echo 'netboot: booting from local disk'\nexit\n", g.f);
	else {
		g.db = db;
		g.c = c;
		g.server_url = server_url;
		g.token = token;
		g.datadir = datadir = nb_db_datadir(db);
		g.ctx = nb_tmpl_context_token(db, c, server_url, token);
		rc = grub_menu(&g, dc);
		json_decref(g.ctx);
		free(datadir);
	}
	if (fclose(g.f) != 0)
		fatal("%s", __func__);
	snprintf(what, whatsz, "%s%s (%s)", dc->act == NB_BOOT_IMAGE ?
	    "image " : dc->act == NB_BOOT_LOCAL ? "local disk" : "menu",
	    dc->act == NB_BOOT_IMAGE ? dc->image : "", dc->why);
	dc->image = NULL;	/* it may point into defimg */
	free(unknown);
	free(action);
	free(defimg);
	return rc;
}
