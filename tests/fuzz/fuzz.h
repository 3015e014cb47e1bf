/*
 * fuzz.h - what the libFuzzer harnesses in tests/fuzz share: the input
 * size bound, splitting one input into several NUL-terminated strings,
 * and an assertion that stays on whatever NDEBUG says.
 *
 * Harnesses keep no state that grows between runs: anything global is
 * built once and never changes.
 */
#ifndef CARTERA_FUZZ_H
#define CARTERA_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

/* Inputs larger than this are ignored (return 0 at once). */
#define FUZZ_MAX_INPUT	(64 * 1024)

/* A property failed: say which and abort so libFuzzer keeps the input. */
#define FUZZ_CHECK(cond) do {						\
	if (!(cond)) {							\
		fprintf(stderr, "%s:%d: fuzz check failed: %s\n",	\
		    __FILE__, __LINE__, #cond);				\
		abort();						\
	}								\
} while (0)

/*
 * Split data[0..size) at 0 bytes into at most n parts (the last part
 * takes the rest, 0 bytes included, so they are cut off there by the
 * NUL).  part[i] gets an allocated NUL-terminated copy, "" for a part
 * the input does not have; len[i] its length up to the first NUL.
 * Returns 0, or -1 (out of memory; nothing to free).  Free with
 * fuzz_split_free.
 */
static inline int
fuzz_split(const uint8_t *data, size_t size, size_t n, char **part,
    size_t *len)
{
	size_t i, off = 0, end;
	const uint8_t *z;

	for (i = 0; i < n; i++) {
		if (off < size && i + 1 < n &&
		    (z = memchr(data + off, 0, size - off)) != NULL)
			end = (size_t)(z - data);
		else
			end = off < size ? size : off;
		if ((part[i] = malloc(end - off + 1)) == NULL) {
			while (i-- > 0)
				free(part[i]);
			return -1;
		}
		if (end > off)
			memcpy(part[i], data + off, end - off);
		part[i][end - off] = '\0';
		len[i] = strlen(part[i]);
		off = end < size ? end + 1 : end;
	}
	return 0;
}

static inline void
fuzz_split_free(char **part, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(part[i]);
}

/* 1 if s[0..n) is valid UTF-8. */
static inline int
fuzz_utf8_valid(const char *s, size_t n)
{
	return utf8_scan(s, n) == n;
}

#endif
