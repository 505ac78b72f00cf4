/* tmpfile.h: a scratch file of the fuzz targets whose parsers read a path. */
#ifndef FUZZ_TMPFILE_H
#define FUZZ_TMPFILE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write data to the target's scratch file (made once, removed at exit); its
 * path.
 */
const char	*fuzz_tmpfile(const uint8_t *data, size_t size);

#endif
