/*
 * For targets whose code under test reads a file: the input goes into a
 * memory file (memfd_create), read back by its /proc/self/fd name.
 */
#ifndef EEAGUARD_MEMFD_FUZZ_H
#define EEAGUARD_MEMFD_FUZZ_H

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

/* Replaces the memory file's contents with data; aborts on failure. */
static void
fuzz_memfd_write(int fd, const uint8_t *data, size_t size)
{
	size_t off = 0;
	ssize_t w;

	if (ftruncate(fd, 0) == -1)
		abort();
	while (off < size) {
		if ((w = pwrite(fd, data + off, size - off, (off_t)off)) <= 0)
			abort();
		off += (size_t)w;
	}
}

#endif
