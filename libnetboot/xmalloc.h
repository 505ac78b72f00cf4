/* xmalloc.h: allocation that cannot fail (it exits), after tmux's xmalloc.c. */
#ifndef NB_XMALLOC_H
#define NB_XMALLOC_H

#include <stddef.h>
#include "log.h"

/* The number of elements of an array (OpenBSD's; Debian 12's libbsd lacks it). */
#ifndef nitems
#define nitems(a)	(sizeof(a) / sizeof((a)[0]))
#endif

/* calloc or exit. */
void	*xcalloc(size_t, size_t);
/* malloc or exit. */
void	*xmalloc(size_t);
/* reallocarray or exit. */
void	*xreallocarray(void *, size_t, size_t);
/* strdup or exit. */
char	*xstrdup(const char *);
/* strndup or exit. */
char	*xstrndup(const char *, size_t);
/* asprintf or exit. */
int	 xasprintf(char **, const char *, ...) NB_PRINTF(2, 3);

#endif
