/* conf.h: netboot.conf(5), one small key = value file with a [section] per daemon. */
#ifndef NB_CONF_H
#define NB_CONF_H

#include <stddef.h>

#define NB_CONF_DEFAULT	SYSCONFDIR "/netboot/netboot.conf"

struct nb_conf;

/*
 * Read and check a config file. A missing file yields an empty config when
 * missing_ok is set. On error returns NULL with "file:line: what" in err.
 */
struct nb_conf	*nb_conf_load(const char *path, int missing_ok, char *err, size_t errsz);
/* Free a config. */
void		 nb_conf_free(struct nb_conf *);
/* The last value of key in section (NULL: the global part), or NULL. */
const char	*nb_conf_get(const struct nb_conf *, const char *section, const char *key);
/* The value of key as a number, or def when unset (values were range-checked at load). */
long long	 nb_conf_getnum(const struct nb_conf *, const char *section, const char *key, long long def);
/* Call fn for every value of a repeatable key, in file order. */
void		 nb_conf_foreach(const struct nb_conf *, const char *section, const char *key,
		    void (*fn)(const char *value, void *arg), void *arg);
/* Print every known section and key with its kind, for netboot.conf(5) checks. */
void		 nb_conf_dump_keys(void);

#endif
