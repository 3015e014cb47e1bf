/*
 * entropy.h - random bytes from the kernel, for secrets and identifiers.
 *
 * Feed tokens, unsubscribe tokens, Message-IDs and retry jitter all take
 * their bytes here: getrandom(2) where configure found it, else
 * /dev/urandom.  Never a userspace generator, never a fallback that is not
 * random: a caller gets -1 and decides.
 */
#ifndef CARTERA_ENTROPY_H
#define CARTERA_ENTROPY_H

#include <stddef.h>

/* Fill p with n random bytes.  0, or -1 with errno set. */
int	 entropy_fill(void *p, size_t n);

#endif
