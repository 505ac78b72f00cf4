/*
 * hash.h: FNV-1a (Fowler, Noll and Vo), the one hash for hash tables and
 * cache keys: MAC slots, rate-limiter sources, ETags. Not for secrets.
 * Inline: pxedhcpd hashes a MAC and an event per DISCOVER.
 */
#ifndef NB_HASH_H
#define NB_HASH_H

#include <stddef.h>
#include <stdint.h>

#define NB_FNV32_BASIS	2166136261u
#define NB_FNV32_PRIME	16777619u
#define NB_FNV64_BASIS	0xcbf29ce484222325ULL
#define NB_FNV64_PRIME	0x100000001b3ULL

/* The 32-bit FNV-1a of len bytes at p. */
static inline uint32_t
nb_hash(const void *p, size_t len)
{
	const uint8_t	*b = p;
	uint32_t	 h = NB_FNV32_BASIS;
	size_t		 i;

	for (i = 0; i < len; i++)
		h = (h ^ b[i]) * NB_FNV32_PRIME;
	return h;
}

/* The 32-bit FNV-1a of the string s. */
static inline uint32_t
nb_hash_str(const char *s)
{
	uint32_t	 h = NB_FNV32_BASIS;

	for (; *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * NB_FNV32_PRIME;
	return h;
}

/* The 64-bit FNV-1a of the string s (NULL hashes as ""). */
static inline uint64_t
nb_hash64_str(const char *s)
{
	uint64_t	 h = NB_FNV64_BASIS;

	for (; s != NULL && *s != '\0'; s++)
		h = (h ^ (uint8_t)*s) * NB_FNV64_PRIME;
	return h;
}

#endif
