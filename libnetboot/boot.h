/*
 * boot.h: what a booting client gets, decided once for every boot path:
 * bootweb's iPXE script (bootweb/script.c) and tftpd's GRUB configuration
 * for Secure Boot (libnetboot/grub.c). The table is in boot.c.
 */
#ifndef NB_BOOT_H
#define NB_BOOT_H

#include <stddef.h>

#include "db.h"

enum nb_boot_act { NB_BOOT_IMAGE, NB_BOOT_MENU, NB_BOOT_LOCAL, NB_BOOT_SHELL };

struct nb_boot_decision {
	enum nb_boot_act	 act;
	const char		*image;		/* NB_BOOT_IMAGE */
	enum nb_next_boot	 clear;	/* one-time action to clear */
	char			 why[128];
};

/* The settings the decision reads, and whether an image installs. */
struct nb_boot_policy {
	const char	*unknown_clients;
	const char	*default_action;
	const char	*default_image;
	/* 1 if booting image for c starts an unattended install */
	int		(*installs)(void *arg, const struct nb_client *c,
			    const char *image);
	void		*arg;
};

/* Decide what client c (found: it has a row) boots; the table in boot.c. */
void	 nb_boot_decide(const struct nb_boot_policy *,
	    const struct nb_client *c, int found, struct nb_boot_decision *dc);
/*
 * The kernel arguments that hand the unattended URL (which follows them)
 * to an installer of template kind tkind, or NULL: only linux images, and
 * not when the image's cmdline places {{unattended_url}} itself.
 */
const char *nb_boot_wire(const char *tkind, const char *imgkind,
	    const char *cmdline);

#endif
