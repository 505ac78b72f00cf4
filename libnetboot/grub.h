/*
 * grub.h: the GRUB configuration tftpd serves to Debian's signed network
 * GRUB under Secure Boot (netboot(7) SECURE BOOT).
 */
#ifndef NB_GRUB_H
#define NB_GRUB_H

#include <stddef.h>

#include "boot.h"
#include "db.h"

/* Where shim and GRUB come from: shim-signed, grub-efi-amd64-signed. */
#ifndef SHIM_SIGNED
#define SHIM_SIGNED	"/usr/lib/shim/shimx64.efi.signed"
#endif
#ifndef GRUB_SIGNED
#define GRUB_SIGNED	\
	"/usr/lib/grub/x86_64-efi-signed/grubnetx64.efi.signed"
#endif
/* The names shim is offered by and loads GRUB by (shim's DEFAULT_LOADER). */
#define NB_SHIM_NAME	"shimx64.efi"
#define NB_GRUB_NAME	"grubx64.efi"
/* What the signed GRUB reads: its prefix /grub, then grub.cfg. */
#define NB_GRUB_CFG	"grub/grub.cfg"

/*
 * The grub.cfg of client c (found: it has a row; token: its capability
 * token, NULL for an anonymous peer) into *out (malloc'd, *outlen bytes);
 * the decision in dc (dc->image NULL on return) and in words in what, for
 * the event. NB_OK, or the database's error (the menu as far as it got).
 */
int	 nb_grub_cfg(struct nb_db *, const struct nb_client *c, int found,
	    const char *server_url, const char *token,
	    struct nb_boot_decision *dc, char *what, size_t whatsz,
	    char **out, size_t *outlen);

#endif
