/*
 * fuzz.h: what the fuzz targets of tests/fuzz share. Each target defines
 * LLVMFuzzerTestOneInput. Built with clang -fsanitize=fuzzer (make fuzz)
 * libFuzzer drives it; built for make check, driver.c does: every file of
 * the target's seed corpus, then seeded mutations of them, as TAP.
 */
#ifndef FUZZ_H
#define FUZZ_H

#include <stddef.h>
#include <stdint.h>

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* Abort with what when cond is false: a broken invariant is a finding. */
void	fuzz_check(int cond, const char *what);
/* A number below n (0 if n is 0) of a fixed xorshift sequence: runs replay. */
uint32_t fuzz_rnd(uint32_t n);
/* Start the sequence of fuzz_rnd() at seed (not 0). */
void	fuzz_srand(uint64_t seed);
/* A NUL-terminated copy of data (caller frees). */
char	*fuzz_strndup(const uint8_t *data, size_t size);

/*
 * Optional, defined by a target: mutations in make check (default 20000)
 * and tokens the mutator of make check splices in (NULL-terminated).
 */
extern const long		 fuzz_rounds __attribute__((weak));
extern const char *const	 fuzz_tokens[] __attribute__((weak));

#endif
