/*
 * boot.c: the one decision of what a booting client gets, whichever
 * loader asks (iPXE's /boot script, GRUB's grub.cfg under Secure Boot):
 *
 *   unknown client, unknown_clients = ignore   local disk
 *   denied (allowed = 0) or suspended           local disk
 *   next_boot install                           its image (kept until /done)
 *   next_boot local | menu | shell              that, once (then cleared)
 *   default_action = image: an image, assigned  that image, unless it would
 *     or else default_image                       install unattended (it has
 *                                                 a template): the menu
 *   default_action = local                      local disk
 *   otherwise                                   the menu
 *
 * So an unattended installation starts only from next_boot install (or a
 * choice in the menu): default_action = image boots live and tool images,
 * never an installer that would wipe a disk on every boot.
 */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "boot.h"

/* default_action image: the image if it installs nothing, else the menu. */
static void
decide_image(const struct nb_boot_policy *bp, const struct nb_client *c,
    const char *image, const char *what, struct nb_boot_decision *dc)
{
	if (bp->installs(bp->arg, c, image)) {
		snprintf(dc->why, sizeof(dc->why), "%s %s installs unattended: "
		    "only next_boot install boots it", what, image);
		return;
	}
	dc->act = NB_BOOT_IMAGE;
	dc->image = image;
	snprintf(dc->why, sizeof(dc->why), "%s, default_action image", what);
}

void
nb_boot_decide(const struct nb_boot_policy *bp, const struct nb_client *c,
    int found, struct nb_boot_decision *dc)
{
	const char	*unknown = bp->unknown_clients;
	const char	*action = bp->default_action;
	const char	*defimg = bp->default_image;
	int		 image;

	image = action != NULL && strcmp(action, "image") == 0;
	memset(dc, 0, sizeof(*dc));
	dc->act = NB_BOOT_MENU;
	if ((!found || !c->known) && unknown != NULL &&
	    strcmp(unknown, "ignore") == 0) {
		dc->act = NB_BOOT_LOCAL;
		snprintf(dc->why, sizeof(dc->why),
		    "unknown client, unknown_clients ignore");
	} else if (found && (!c->allowed || c->suspended)) {
		dc->act = NB_BOOT_LOCAL;
		snprintf(dc->why, sizeof(dc->why), "%s",
		    c->allowed ? "suspended" : "denied");
	} else if (found && c->next_boot == NB_NEXT_INSTALL &&
	    c->image != NULL) {
		dc->act = NB_BOOT_IMAGE;
		dc->image = c->image;
		snprintf(dc->why, sizeof(dc->why), "next_boot install");
	} else if (found && c->next_boot != NB_NEXT_NONE &&
	    c->next_boot != NB_NEXT_INSTALL) {
		dc->act = c->next_boot == NB_NEXT_LOCAL ? NB_BOOT_LOCAL :
		    c->next_boot == NB_NEXT_SHELL ? NB_BOOT_SHELL :
		    NB_BOOT_MENU;
		dc->clear = c->next_boot;
		snprintf(dc->why, sizeof(dc->why), "next_boot %s, once",
		    nb_next_boot_name(c->next_boot));
	} else if (image && found && c->image != NULL)
		decide_image(bp, c, c->image, "assigned", dc);
	else if (image && defimg != NULL)
		decide_image(bp, c, defimg, "default_image", dc);
	else if (action != NULL && strcmp(action, "local") == 0) {
		dc->act = NB_BOOT_LOCAL;
		snprintf(dc->why, sizeof(dc->why), "default_action local");
	} else
		snprintf(dc->why, sizeof(dc->why), "default_action %s",
		    action ? action : "menu");
}

/*
 * What each template kind needs on the kernel command line to find its
 * unattended file; the URL follows. iPXE splits a command line at white
 * space only and takes ";" as a separator only as a word of its own
 * (src/core/exec.c: split_command, command_terminator), so
 * "ds=nocloud-net;s=URL/" reaches the kernel as one argument, unquoted;
 * GRUB gets every argument single-quoted (grub.c). autounattend is not
 * here: Windows finds its file through wimboot, not a command line.
 */
static const struct {
	const char	*kind;
	const char	*args;
} wiring[] = {
	{ "preseed", "auto=true priority=critical url=" },
	{ "kickstart", "inst.ks=" },
	{ "autoinstall", "autoinstall ds=nocloud-net;s=" },
	{ "cloud-init", "ds=nocloud-net;s=" },
	{ "autoyast", "autoyast=" },
};

const char *
nb_boot_wire(const char *tkind, const char *imgkind, const char *cmdline)
{
	size_t	 i;

	if (tkind == NULL || imgkind == NULL || strcmp(imgkind, "linux") != 0 ||
	    (cmdline != NULL && strstr(cmdline, "unattended_url")))
		return NULL;
	for (i = 0; i < sizeof(wiring) / sizeof(wiring[0]); i++)
		if (strcmp(tkind, wiring[i].kind) == 0)
			return wiring[i].args;
	return NULL;
}
